/*
 * source_proxmox: the guests of a Proxmox VE node, from what the node
 * shows: its guests' configuration files, qemu-server's pid files and QMP
 * sockets, and the host interfaces.
 *
 * DIR (default /etc/pve) is the cluster file system; DIR/local is this
 * node's directory. QEMU guests are DIR/local/qemu-server/VMID.conf,
 * containers DIR/local/lxc/VMID.conf (proxmox_conf reads them). A guest is
 * a VM row named "VMID/NAME" (proxmox_row_name) whose vNICs are its netN
 * with a bridge: host interface tapVMIDiN (QEMU) or vethVMIDiN
 * (container), network the bridge the configuration names (and its VLAN,
 * tag=N), pinned there whatever firewall bridge (fwbrVMIDiN) the tap is a
 * port of. A guest whose file moves to another node's directory (a
 * migration) or goes has no record any more.
 *
 * State: a QEMU guest runs while the process its pid file names
 * (RUNDIR/VMID.pid, RUNDIR default /var/run/qemu-server) lives; paused
 * when its QMP socket (RUNDIR/VMID.qmp) says paused or suspended (qm
 * suspend); off otherwise, saved when its configuration holds vmstate
 * (hibernated: qm suspend --todisk). A new process (another pid, or the
 * same pid started at another time) between two looks is a power-up. A
 * container runs while one of its veth devices exists.
 *
 * /etc/pve is pmxcfs (FUSE): inotify on it sees nothing of what other
 * nodes write, so the source polls every SOURCE_PROXMOX_POLL_SEC: the
 * directories' and files' change times (a file is read again only when
 * they changed), the pid files and /proc, and each running QEMU guest's
 * QMP status (one short exchange, SOURCE_PROXMOX_QMP_MSEC at most, and
 * SOURCE_PROXMOX_QMP_BUDGET_MSEC for all of a look's together). The host
 * interfaces' own changes reach the inventory through netlink.
 *
 * A file that does not parse is logged once (file, line, why) per change;
 * its guest keeps the last configuration read, or has no record before
 * one; no other guest is touched. A file name that is no VM ID, or a
 * name that cannot be a row, is refused with a message, once.
 */
#ifndef VS_SOURCE_PROXMOX_H
#define VS_SOURCE_PROXMOX_H

#include "source.h"

#define SOURCE_PROXMOX_DIR "/etc/pve"
#define SOURCE_PROXMOX_RUN_DIR "/var/run/qemu-server"
#define SOURCE_PROXMOX_POLL_SEC 2
#define SOURCE_PROXMOX_QMP_MSEC 250
/* All the QMP exchanges of one look together, at most. */
#define SOURCE_PROXMOX_QMP_BUDGET_MSEC 500

extern const struct source_ops source_proxmox_ops;

#endif
