/*
 * ebpfcount: the eBPF counting method (countMethod ebpf). The BPF program
 * (src/bpf/count.bpf.c) counts each frame a network's bridge carries at the
 * traffic-control layer, in per-CPU maps pinned in bpffs (bpfPinDir); this
 * module loads it, keeps it attached to every port of each network's bridge
 * and to the bridge's own egress, and hands acct what the kernel counted
 * since the previous read: totals, per-second bins, per-vNIC counts. No
 * frame is copied to user space.
 *
 * Lifecycle: ebpfcount_open (the program loaded, the pinned maps reused
 * when they exist: the kernel counted on while vsacctd was away) → bind
 * after every rebuild (slots, keys, attachments) → read every tick and on
 * drain → saved after each save of the counters (what was accounted, kept
 * in a pinned map, so that a restart continues exactly) → close, which
 * leaves the programs attached and the maps pinned. ebpfcount_remove
 * detaches and unpins (a real shutdown).
 *
 * Ports that join a bridge later get the program when netlink tells of
 * them (count_method_link) and at the latest at the next rescan
 * (EBPFCOUNT_RESCAN_USEC). Networks of macvtap vNICs have no bridge: they
 * are counted by capture, as with pcap (capset).
 */
#ifndef VS_EBPFCOUNT_H
#define VS_EBPFCOUNT_H

#include <stddef.h>

#include "acct.h"
#include "bpf/count_maps.h"
#include "conf.h"
#include "countops.h"

/* How often every bridge's ports are listed again. */
#define EBPFCOUNT_RESCAN_USEC 1000000

extern const struct count_method_ops ebpfcount_ops;

/* The method's state, for ebpfcount_ops; NULL with the reason in err. */
void *ebpfcount_open(const struct conf *conf, char *err, size_t errlen);

/*
 * The maps' per-CPU values (ncpus of them, as one lookup returns them)
 * summed: a network's totals, what it carried in second sec (the bins of
 * the CPUs that hold that second), a MAC's totals and its bytes in second
 * sec. The one place the program's counts become acct's.
 */
void ebpfcount_sum_net(const struct vsbpf_net *percpu, int ncpus, struct vsbpf_net *sum);
void ebpfcount_net_second(const struct vsbpf_net *percpu, int ncpus, int64_t sec,
			  struct acct_net_second *out);
void ebpfcount_sum_mac(const struct vsbpf_mac *percpu, int ncpus, struct vsbpf_mac_counts *sum);
void ebpfcount_mac_second(const struct vsbpf_mac *percpu, int ncpus, int64_t sec,
			  struct acct_port_second *out);

/*
 * Makes ifindex a counted port (port), or no longer one (port NULL), in
 * the program's port maps: vs_ports (ports_fd) and, below
 * VSBPF_PORT_INDEX_MAX, vs_port_index (index_fd), in the order that keeps
 * every port of the array in the hash. Returns 0, or -1 with errno.
 */
int ebpfcount_port_set(int ports_fd, int index_fd, __u32 ifindex, const struct vsbpf_port *port);

/*
 * Detaches the program from every interface the pinned maps name and
 * removes the pins in conf's bpfPinDir. Returns 0 (also when nothing was
 * pinned), or -1 with the reason in err.
 */
int ebpfcount_remove(const struct conf *conf, char *err, size_t errlen);

#endif
