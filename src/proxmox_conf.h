/*
 * proxmox_conf: a Proxmox VE guest configuration file (qm.conf(5) for a
 * QEMU guest, pct.conf(5) for a container) → what vsacct needs of it.
 *
 * Pure: text in memory in, a struct out; no I/O, no allocation.
 *
 * The file is "key: value" lines; '#' lines are the guest's description;
 * "[NAME]" starts a snapshot section, "[PENDING]" the changes waiting for
 * the next start, "[special:…]" Proxmox's own data: only the lines before
 * the first section are the current configuration, the rest is skipped.
 * Read: name (QEMU) or hostname (container), smbios1's uuid= (QEMU),
 * vmstate (a QEMU guest hibernated: its RAM saved, to be resumed), and
 * every netN:
 *   QEMU: [model=]MODEL or MODEL=MAC, macaddr=MAC, bridge=, firewall=,
 *         tag=, link_down=, and keys vsacct does not need (mtu, queues,
 *         rate, trunks, …)
 *   LXC:  hwaddr=MAC, bridge=, firewall=, tag=, link_down=, and keys
 *         vsacct does not need (name, ip, gw, type, …)
 * A NIC without a bridge (QEMU's user-mode network) has no host interface
 * on a bridge and is left out. Other keys are Proxmox's and skipped.
 *
 * A line that is not "key: value" (or a container's "lxc.KEY = value"), a
 * key given twice, or a value vsacct reads that does not parse makes the
 * whole file an error, with its line and why.
 */
#ifndef VS_PROXMOX_CONF_H
#define VS_PROXMOX_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "mac.h"

/* net0 … net31 (QEMU's limit; a container has at most net0 … net9). */
#define PROXMOX_MAX_NICS 32
/* Proxmox VE's VM ID range. */
#define PROXMOX_VMID_MIN 100u
#define PROXMOX_VMID_MAX 999999999u
#define PROXMOX_ERROR_MAX 160

enum proxmox_kind {
	PROXMOX_QEMU, /* DIR/qemu-server/VMID.conf */
	PROXMOX_LXC,  /* DIR/lxc/VMID.conf */
};

struct proxmox_nic {
	unsigned n; /* its netN */
	uint8_t mac[MAC_LEN];
	char bridge[CONF_IFNAME_MAX + 1];
	uint16_t tag;	/* 802.1Q VLAN (1..4094) of its port; 0: none */
	bool firewall;	/* its tap sits behind a firewall bridge (fwbrVMIDiN) */
	bool link_down; /* the guest sees its link down */
};

struct proxmox_guest {
	enum proxmox_kind kind;
	char name[CONF_NAME_MAX + 1];  /* "" when the file names none */
	char uuid[CONF_UUID_LEN + 1];  /* lower case, "" when none */
	bool hibernated;               /* vmstate in the current configuration */
	struct proxmox_nic nics[PROXMOX_MAX_NICS]; /* in netN order */
	size_t nnics;
};

struct proxmox_error {
	unsigned line; /* 0: the file as a whole */
	char msg[PROXMOX_ERROR_MAX];
};

/* Parses len bytes of a guest's configuration. Returns 0, or -1 with err
 * filled (out then holds nothing to use). */
int proxmox_parse(enum proxmox_kind kind, const char *text, size_t len,
		  struct proxmox_guest *out, struct proxmox_error *err);

/* The VM ID a file name gives ("123.conf" → 123), as Proxmox names them:
 * decimal, no leading zero, PROXMOX_VMID_MIN..MAX. Returns 0, or -1 when
 * the name is not a guest's. */
int proxmox_vmid_of(const char *filename, uint32_t *vmid);

/* The host interface of NIC n: "tap<vmid>i<n>" (QEMU), "veth<vmid>i<n>"
 * (container), as qemu-server and pve-container name them. Returns 0, or
 * -1 when the name would pass the kernel's 15 characters (a container's
 * of a nine-digit VM ID: Linux cannot make it either). */
int proxmox_ifname(enum proxmox_kind kind, uint32_t vmid, unsigned n,
		   char out[CONF_IFNAME_MAX + 1]);

/* The row's name, "<vmid>/<name>": unique on the node (two guests may
 * share a name, never a VM ID). A guest without a name is "VM<vmid>" or
 * "CT<vmid>" after the slash. Returns 0, or -1 when that is not a name
 * vsacct can serve (conf_valid_name: visible ASCII, 255 at most). */
int proxmox_row_name(uint32_t vmid, const struct proxmox_guest *g, char out[CONF_NAME_MAX + 1]);

#endif
