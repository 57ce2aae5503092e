/*
 * count_maps: the layout of the eBPF counting method's maps, shared by the
 * BPF program (count.bpf.c) and the reader (ebpfcount.c). Everything a
 * counting method hands acct is here: per port of a network (its slot),
 * per MAC on that network, and per second.
 *
 * vs_ports  hash   ifindex → the port's network slot and the VLAN its
 *                  untagged frames belong to: the bridge ports (and the
 *                  bridge itself, for what the host sends) counted
 * vs_port_index array  the same for ifindexes below VSBPF_PORT_INDEX_MAX,
 *                  which the program looks up there (an array's lookup is
 *                  inlined, no hashing); vs_ports still lists every port
 *                  (user space writes the hash first and forgets from the
 *                  array first: a counted entry here is always there too)
 * vs_vlans  hash   (bridge's slot, VLAN ID) → the slot of that VLAN's
 *                  network: its frames are counted there whole, and in the
 *                  bridge's network's totals (meter's rule)
 * vs_nets   per-CPU array, one per network slot: totals and the per-second
 *                  bins of what the network carried and received
 * vs_mac_slots array  an open-addressing table of (MAC, network slot)
 *                  keys (VSBPF_MAC_SLOTS, probed from vsbpf_mac_home on for
 *                  VSBPF_MAC_PROBES positions, an empty one ends the
 *                  search): where a key's counters are in vs_mac_counts
 * vs_mac_counts per-CPU array, at the key's position in vs_mac_slots: what
 *                  that MAC sent and received there, in total and per
 *                  second; only the keys vsacctd places (known vNICs) are
 *                  counted: unknown MACs never grow the maps
 * vs_macs   per-CPU hash  the same counters, for the keys the table had no
 *                  position for (and those of pins made before it): the
 *                  program looks there only while vs_macs_hashed is not 0
 *                  (a global of the program, which vsacctd sets). The
 *                  table spares a frame the two hashed lookups
 *                  (tests/bench/README.md: what that saves)
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
/* Ifindexes below it are found in vs_port_index (8 bytes each: 512 KiB);
 * a host that made more interfaces than that since boot has its newer
 * ones found in the hash. */
#define VSBPF_PORT_INDEX_MAX 65536
#define VSBPF_MACS_MAX 65536
/* vs_mac_slots' size (a power of 2, 1 << VSBPF_MAC_SLOT_BITS) and the
 * positions a key may take from its home on. A key finds none free only
 * when the table fills (of 100 keys placed at random, none but once in
 * ten hosts; of 150, about 2; of 200, about 9): it is counted through the
 * hash then, as every key was before the table (ebpfcount logs it). The
 * counters cost 2 KiB a position on every CPU, 512 KiB for the table. */
#define VSBPF_MAC_SLOT_BITS 8
#define VSBPF_MAC_SLOTS (1U << VSBPF_MAC_SLOT_BITS)
#define VSBPF_MAC_PROBES 8
/* A position of vs_mac_slots: 0 empty (never used: a search ends there),
 * key | USED a key's, GONE a key's that is no longer counted (a search
 * goes on past it; vsacctd places a new key there at a later rescan). */
#define VSBPF_MAC_SLOT_USED (1ULL << 63)
#define VSBPF_MAC_SLOT_GONE (1ULL << 62)
/* Per-second bins kept per network: more than the history's 60 columns, so
 * that a reader that was away for a few seconds still finds them. */
#define VSBPF_BINS 64
/* The same for each MAC's seconds (what its VM's history needs). */
#define VSBPF_MAC_BINS 64
/* VLAN IDs: the TCI's low 12 bits; 4095 is reserved (decode.h). */
#define VSBPF_VID_MASK 0x0fff
/* A frame shorter than two addresses is malformed (decode.h). */
#define VSBPF_ADDR_BYTES 12
/* A VLAN tag the driver took out of the frame is counted back in, as
 * libpcap does (the sender's veth counts it); a frame counted on its
 * VLAN's network is counted without it (meter). */
#define VSBPF_VLAN_TAG_BYTES 4

struct vsbpf_counts {
	__u64 bytes;
	__u64 packets;
};

/* A port: its network's slot, and the VLAN an untagged frame entering it
 * belongs to when that VLAN is a network of its own (its PVID; 0: none). */
struct vsbpf_port {
	__u32 slot;
	__u32 pvid;
};

/* An entry of vs_port_index (every entry of an array exists: counted says
 * whether its ifindex is a port). */
struct vsbpf_port_entry {
	__u32 slot;
	__u16 pvid;
	__u16 counted; /* 1: a counted port, 0: none */
};

/* The key of vs_vlans. */
static inline __u32 vsbpf_vlan_key(__u32 slot, __u32 vid)
{
	return slot << 12 | (vid & VSBPF_VID_MASK);
}

/* What a network carried in one wall-clock second (sec): every frame,
 * those it received (not sent by its own vNICs), the group bytes (its
 * vNICs' received history is derived from them, as in acct). */
struct vsbpf_bin {
	__s64 sec;
	__u64 bytes;
	__u64 packets;
	__u64 rx_bytes;
	__u64 rx_packets;
	__u64 group_bytes;
};

struct vsbpf_net {
	struct vsbpf_counts carried;   /* every frame */
	struct vsbpf_counts group;     /* broadcast and multicast among them */
	struct vsbpf_counts malformed; /* too short to attribute */
	struct vsbpf_counts received;  /* not sent by one of its own vNICs */
	struct vsbpf_bin bins[VSBPF_BINS];
};

/* A MAC's bytes in one second: its VM's history (acct's VM ring). */
struct vsbpf_mac_bin {
	__s64 sec;
	__u64 sent;
	__u64 rx_unicast;
	__u64 group_sent;
};

struct vsbpf_mac_counts {
	struct vsbpf_counts sent;
	struct vsbpf_counts rx_unicast; /* addressed to this MAC */
	struct vsbpf_counts group_sent; /* broadcast and multicast it sent */
};

struct vsbpf_mac {
	struct vsbpf_mac_counts total;
	struct vsbpf_mac_bin bins[VSBPF_MAC_BINS];
};

/* The per-network part of what vsacctd had accounted at its last save,
 * and the network's discontinuity time then (CLOCK_MONOTONIC, µs: a
 * restart that loses nothing keeps it). */
struct vsbpf_net_fed {
	struct vsbpf_counts carried;
	struct vsbpf_counts group;
	struct vsbpf_counts malformed;
	struct vsbpf_counts received;
	__s64 discontinuity_usec;
};

/* The per-key part: what was handed acct, and the vNIC's VM's discontinuity
 * time and host interface when it was saved (the same interface after a
 * restart: the VM did not restart meanwhile, its discontinuity stays). */
struct vsbpf_mac_fed {
	struct vsbpf_mac_counts counts;
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

/* The first position of key in vs_mac_slots (multiplicative hashing: the
 * keys of one vendor's MACs differ in their low bits). */
static inline __u32 vsbpf_mac_home(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ULL) >> (64 - VSBPF_MAC_SLOT_BITS));
}

#endif
