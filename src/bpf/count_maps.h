/*
 * count_maps: the layout of the eBPF counting method's maps, shared by the
 * BPF program (count.bpf.c) and the reader (ebpfcount.c). Everything a
 * counting method hands acct is here: per port of a network (its slot),
 * per MAC on that network, and per second.
 *
 * vs_ports  hash   ifindex → network slot: the bridge ports (and the
 *                  bridge itself, for what the host sends) counted
 * vs_nets   per-CPU array, one per network slot: totals and the per-second
 *                  bins of what the network carried
 * vs_macs   per-CPU hash  (MAC, network slot) → what that MAC sent and
 *                  received there; only the keys vsacctd inserts (known
 *                  vNICs) are counted: unknown MACs never grow the map
 * vs_clock_offset_ns (a global of the program, not pinned): the wall
 *                  clock's offset from the monotonic one, for frames that
 *                  carry no receive timestamp
 * vs_netids hash   vsNetIndex → slot, vs_fed_nets / vs_fed_macs: what
 *                  vsacctd had accounted at its last save (user space only,
 *                  pinned so that a restarted vsacctd continues exactly)
 *
 * Per-CPU values are summed when read. A bin belongs to one second (sec):
 * the program resets a bin when a frame of a newer second reaches it, so a
 * bin read on every CPU with the same sec holds that second's whole total.
 */
#ifndef VS_BPF_COUNT_MAPS_H
#define VS_BPF_COUNT_MAPS_H

#include <linux/types.h>

#define VSBPF_NETS_MAX 256
#define VSBPF_PORTS_MAX 4096
#define VSBPF_MACS_MAX 65536
/* Per-second bins kept per network: more than the history's 60 columns, so
 * that a reader that was away for a few seconds still finds them. */
#define VSBPF_BINS 64
/* A frame shorter than two addresses is malformed (decode.h). */
#define VSBPF_ADDR_BYTES 12
/* A VLAN tag the driver took out of the frame is counted back in, as
 * libpcap does (the sender's veth counts it). */
#define VSBPF_VLAN_TAG_BYTES 4

struct vsbpf_counts {
	__u64 bytes;
	__u64 packets;
};

struct vsbpf_bin {
	__s64 sec; /* wall-clock second this bin holds */
	__u64 bytes;
	__u64 packets;
};

struct vsbpf_net {
	struct vsbpf_counts carried;   /* every frame */
	struct vsbpf_counts group;     /* broadcast and multicast among them */
	struct vsbpf_counts malformed; /* too short to attribute */
	struct vsbpf_bin bins[VSBPF_BINS];
};

struct vsbpf_mac {
	struct vsbpf_counts sent;
	struct vsbpf_counts rx_unicast; /* addressed to this MAC */
	struct vsbpf_counts group_sent; /* broadcast and multicast it sent */
};

/* The per-network part of what vsacctd had accounted at its last save,
 * and the network's discontinuity time then (CLOCK_MONOTONIC, µs: a
 * restart that loses nothing keeps it). */
struct vsbpf_net_fed {
	struct vsbpf_counts carried;
	struct vsbpf_counts group;
	struct vsbpf_counts malformed;
	__s64 discontinuity_usec;
};

/* The per-key part: what was handed acct, and the vNIC's VM's discontinuity
 * time and host interface when it was saved (the same interface after a
 * restart: the VM did not restart meanwhile, its discontinuity stays). */
struct vsbpf_mac_fed {
	struct vsbpf_mac counts;
	__s64 discontinuity_usec;
	__s64 ifindex;
};

/* The key of vs_macs: the MAC in the low 48 bits (first byte highest), the
 * network slot above. */
static inline __u64 vsbpf_mac_key(const __u8 *mac, __u32 slot)
{
	return (__u64)slot << 48 | (__u64)mac[0] << 40 | (__u64)mac[1] << 32 |
	       (__u64)mac[2] << 24 | (__u64)mac[3] << 16 | (__u64)mac[4] << 8 | mac[5];
}

#endif
