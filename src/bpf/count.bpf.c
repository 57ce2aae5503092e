/*
 * The eBPF counting method's program: attached at the traffic-control layer
 * (clsact ingress) on every port of a network's bridge and on the bridge's
 * own egress (what the host sends on it), it counts each frame the bridge
 * carries once, the way meter and acct count a frame libpcap hands them
 * (same length, same rules), into the maps of count_maps.h. It never
 * changes a frame's fate: it returns TC_ACT_UNSPEC (the next filter, or
 * the default action, decides).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "count_maps.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSBPF_PORTS_MAX);
	__type(key, __u32);
	__type(value, struct vsbpf_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSBPF_PORT_INDEX_MAX);
	__type(key, __u32);
	__type(value, struct vsbpf_port_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_port_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSBPF_NETS_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_vlans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSBPF_NETS_MAX);
	__type(key, __u32);
	__type(value, struct vsbpf_net);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VSBPF_MACS_MAX);
	/* Memory for the keys vsacctd inserts only, not for the maximum on
	 * every CPU (the program only looks up). */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct vsbpf_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_macs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSBPF_MAC_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_mac_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSBPF_MAC_SLOTS);
	__type(key, __u32);
	__type(value, struct vsbpf_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_mac_counts SEC(".maps");

/* The wall-clock second each CPU binned its last frame in, and where that
 * second starts (ns): a frame of the same second costs no division. A
 * cache of this program's own, not pinned. */
struct second_cache {
	__u64 start_ns;
	__s64 sec;
	/* The second of this CPU's last clock read, and the jiffies below
	 * which every later frame here is surely still in it (0: none). */
	__s64 read_sec;
	__u64 read_jiffies_until;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct second_cache);
} vs_second SEC(".maps");

/* The wall clock's offset from the monotonic one (ns), which vsacctd sets
 * before attaching and keeps current: a global, read without a helper call
 * (count_maps.h's vs_clock is this program's .bss). */
__s64 vs_clock_offset_ns = 0;

/* A jiffy's length (ns), which vsacctd sets: 0 reads the clock for every
 * frame. How many ticks jiffies may lag the clock (twice the 5 stalled
 * ticks after which a ticking CPU forces their update), and how much later
 * than the frame a capture may stamp it, in ticks: together, the margin at
 * a second's end within which every frame reads the clock. */
__u64 vs_tick_ns = 0;
#define JIFFIES_LAG_TICKS 10
#define CAPTURE_DELAY_TICKS 1

/* The wall-clock seconds this program counts: [from, until), 0 for no
 * bound. vsacctd sets them when it hands counting over between methods at
 * a whole second (countwindow.h): each frame counted by exactly one. */
__s64 vs_count_from_sec = 0;
__s64 vs_count_until_sec = 0;

/* Not 0: vs_macs holds keys (count_maps.h). */
__u32 vs_macs_hashed = 0;

/* User space's own, pinned with the rest (see count_maps.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSBPF_NETS_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_netids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSBPF_NETS_MAX);
	__type(key, __u32);
	__type(value, struct vsbpf_net_fed);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_fed_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSBPF_MACS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct vsbpf_mac_fed);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_fed_macs SEC(".maps");

#define NSEC_PER_SEC 1000000000ULL
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8

static __always_inline void add(struct vsbpf_counts *c, __u32 len)
{
	c->bytes += len;
	c->packets++;
}

/* The wall-clock second of time ns (c, this CPU's vs_second, spares the
 * division). */
static __always_inline __s64 second_of(struct second_cache *c, __u64 ns)
{
	/* Unsigned: a time before start_ns is far out of range. */
	if (c && ns - c->start_ns < NSEC_PER_SEC)
		return c->sec;
	/* Unsigned: BPF has no signed division (the wall clock is past 1970). */
	__u64 sec = ns / NSEC_PER_SEC;
	if (c) {
		c->start_ns = sec * NSEC_PER_SEC;
		c->sec = (__s64)sec;
	}
	return (__s64)sec;
}

/*
 * The wall-clock second of the frame: its receive timestamp when it has one
 * (the one libpcap reports), else now. At a port's ingress a frame with no
 * timestamp gets now as its own: a capture of the bridge (pcap, tshark)
 * then reports the very nanosecond the frame was binned with, so that a
 * cut between the methods at a whole second puts each frame on one side
 * for both. That changes no frame's fate: the bridge clears the timestamp
 * of what it forwards (br_forward_finish), and what it passes up to the host
 * is stamped at receive anyway when anyone asks (net_timestamp_check); a
 * delivery time (tstamp_type mono) is left alone. Seen on Linux 6.18 with a
 * fixed stamp written at a port's ingress: tcpdump on the bridge reported
 * it, tcpdump on the egress port and in the receiving namespace their own
 * time, and pings went through as before. At the bridge's egress
 * the timestamp is a delivery time (EDT) and is never written: the host's
 * frames are stamped by the capture's tap a little later (README).
 * The clock is most of this program's cost in place, so it is read only
 * when the second of this CPU's last read may have ended; the frames
 * between are binned in that second and not stamped (their capture's own
 * stamp, microseconds later, is in the same second: the margin).
 */
static __always_inline __s64 frame_sec(struct __sk_buff *skb, bool ingress)
{
	__u32 zero = 0;
	struct second_cache *c = bpf_map_lookup_elem(&vs_second, &zero);
	__u64 ts = skb->tstamp;
	if (ts && skb->tstamp_type == 0) /* real time */
		return second_of(c, ts);
	/* Jiffies never run ahead of the clock: a frame here after the last
	 * read, while they are below the bound, is in that read's second,
	 * and so is a capture's own stamp of it (no stamp written). */
	__u64 j = bpf_jiffies64();
	if (c && j < c->read_jiffies_until)
		return c->read_sec;
	__u64 now = bpf_ktime_get_ns() + (__u64)vs_clock_offset_ns;
	if (ingress && !ts)
		skb->tstamp = now;
	__s64 sec = second_of(c, now);
	__u64 tick = vs_tick_ns;
	if (c && tick) {
		__u64 left = (__u64)(sec + 1) * NSEC_PER_SEC - now;
		__u64 ticks = left / tick;
		c->read_sec = sec;
		c->read_jiffies_until =
			ticks > JIFFIES_LAG_TICKS + CAPTURE_DELAY_TICKS ?
				j + ticks - JIFFIES_LAG_TICKS - CAPTURE_DELAY_TICKS : 0;
	}
	return sec;
}

/* Whether second sec is this program's to count (the window above). */
static __always_inline bool in_window(__s64 sec)
{
	return sec >= vs_count_from_sec && (!vs_count_until_sec || sec < vs_count_until_sec);
}

/* A frame in a network's totals and its second's bin; received: not sent
 * by one of its own vNICs (acct_count_frame's rule). */
static __always_inline void count_net(struct vsbpf_net *net, __s64 sec, __u32 len,
				      bool received, bool group)
{
	add(&net->carried, len);
	if (received)
		add(&net->received, len);
	if (group)
		add(&net->group, len);
	struct vsbpf_bin *bin = &net->bins[(__u64)sec % VSBPF_BINS];
	if (bin->sec != sec) {
		bin->sec = sec;
		bin->bytes = bin->packets = 0;
		bin->rx_bytes = bin->rx_packets = 0;
		bin->group_bytes = 0;
	}
	bin->bytes += len;
	bin->packets++;
	if (received) {
		bin->rx_bytes += len;
		bin->rx_packets++;
	}
	if (group)
		bin->group_bytes += len;
}

/* The bin of second sec of a MAC (reset when it held an older second). */
static __always_inline struct vsbpf_mac_bin *mac_bin(struct vsbpf_mac *m, __s64 sec)
{
	struct vsbpf_mac_bin *bin = &m->bins[(__u64)sec % VSBPF_MAC_BINS];
	if (bin->sec != sec) {
		bin->sec = sec;
		bin->sent = bin->rx_unicast = bin->group_sent = 0;
	}
	return bin;
}

/* The counters of key: at its position in the table (two array lookups
 * the verifier inlines), else in the hash, else none (not a known vNIC). */
static __always_inline struct vsbpf_mac *mac_find(__u64 key)
{
	__u32 home = vsbpf_mac_home(key);
#pragma unroll
	for (__u32 i = 0; i < VSBPF_MAC_PROBES; i++) {
		__u32 pos = (home + i) & (VSBPF_MAC_SLOTS - 1);
		const __u64 *slot = bpf_map_lookup_elem(&vs_mac_slots, &pos);
		if (!slot || !*slot)
			break;
		if (*slot == (key | VSBPF_MAC_SLOT_USED))
			return bpf_map_lookup_elem(&vs_mac_counts, &pos);
	}
	return vs_macs_hashed ? bpf_map_lookup_elem(&vs_macs, &key) : 0;
}

/* A frame with addresses on the network of slot s (acct_count_frame). */
static __always_inline void count_frame(struct vsbpf_net *net, __u32 s, const __u8 *addr,
					__s64 sec, __u32 len)
{
	__u64 key = vsbpf_mac_key(addr + 6, s);
	struct vsbpf_mac *src = mac_find(key);
	bool group = addr[0] & 1;
	count_net(net, sec, len, !src, group);
	if (src) {
		add(&src->total.sent, len);
		struct vsbpf_mac_bin *bin = mac_bin(src, sec);
		bin->sent += len;
		if (group) {
			add(&src->total.group_sent, len);
			bin->group_sent += len;
		}
	}
	if (group)
		return;
	key = vsbpf_mac_key(addr, s);
	struct vsbpf_mac *dst = mac_find(key);
	if (dst) {
		add(&dst->total.rx_unicast, len);
		mac_bin(dst, sec)->rx_unicast += len;
	}
}

/* The port of ifindex, when it is counted: an array's lookup below
 * VSBPF_PORT_INDEX_MAX (the verifier inlines it), the hash's above. */
static __always_inline bool port_find(__u32 ifindex, struct vsbpf_port *port)
{
	if (ifindex < VSBPF_PORT_INDEX_MAX) {
		const struct vsbpf_port_entry *e = bpf_map_lookup_elem(&vs_port_index, &ifindex);
		if (!e || !e->counted)
			return false;
		port->slot = e->slot;
		port->pvid = e->pvid;
		return true;
	}
	const struct vsbpf_port *p = bpf_map_lookup_elem(&vs_ports, &ifindex);
	if (!p)
		return false;
	*port = *p;
	return true;
}

/* The big-endian 16 bits at off into *v: read in place where the linear
 * part holds them (a frame built from pages may hold only its Ethernet
 * header), else copied by a helper call. false: the frame is shorter. */
static __always_inline bool be16_at(struct __sk_buff *skb, __u32 off, __u16 *v)
{
	const __u8 *p = (const __u8 *)(long)skb->data + off;
	if ((const void *)(p + 2) <= (const void *)(long)skb->data_end) {
		*v = p[0] << 8 | p[1];
		return true;
	}
	if (bpf_skb_load_bytes(skb, off, v, sizeof *v) < 0)
		return false;
	*v = __builtin_bswap16(*v);
	return true;
}

/*
 * The VLAN of a frame as the bridge sees it: the tag the driver took out
 * (vlan_present), the one in the frame, or, untagged, the port's PVID (the
 * bridge tags it after this hook). *in_data: the tag is among skb->len's
 * bytes. 0: none.
 */
static __always_inline __u32 frame_vid(struct __sk_buff *skb, const struct vsbpf_port *port,
				       bool *in_data)
{
	*in_data = false;
	if (skb->vlan_present)
		return skb->vlan_tci & VSBPF_VID_MASK;
	__u16 tpid, tci;
	if (!be16_at(skb, VSBPF_ADDR_BYTES, &tpid))
		return port->pvid;
	if (tpid != ETH_P_8021Q && tpid != ETH_P_8021AD)
		return port->pvid;
	if (!be16_at(skb, VSBPF_ADDR_BYTES + 2, &tci))
		return 0;
	*in_data = true;
	return tci & VSBPF_VID_MASK;
}

static __always_inline int count(struct __sk_buff *skb, bool ingress)
{
	struct vsbpf_port port;
	if (!port_find(skb->ifindex, &port))
		return TC_ACT_UNSPEC;
	__u32 s = port.slot;
	struct vsbpf_net *net = bpf_map_lookup_elem(&vs_nets, &s);
	if (!net)
		return TC_ACT_UNSPEC;
	__s64 sec = frame_sec(skb, ingress);
	if (!in_window(sec))
		return TC_ACT_UNSPEC;
	/* The length libpcap reports on the bridge: with the tag. */
	__u32 len = skb->len + (skb->vlan_present ? VSBPF_VLAN_TAG_BYTES : 0);

	/* The addresses: in the linear part, read in place; else copied. */
	__u8 copy[VSBPF_ADDR_BYTES];
	const __u8 *addr = (const __u8 *)(long)skb->data;
	if ((const void *)(addr + VSBPF_ADDR_BYTES) > (const void *)(long)skb->data_end) {
		if (bpf_skb_load_bytes(skb, 0, copy, sizeof copy) < 0) {
			add(&net->malformed, len);
			count_net(net, sec, len, true, false);
			return TC_ACT_UNSPEC;
		}
		addr = copy;
	}
	bool in_data;
	__u32 vid = frame_vid(skb, &port, &in_data);
	__u32 vkey = vsbpf_vlan_key(s, vid);
	__u32 *vslot = vid && vid != VSBPF_VID_MASK ? bpf_map_lookup_elem(&vs_vlans, &vkey) : 0;
	struct vsbpf_net *vnet = vslot ? bpf_map_lookup_elem(&vs_nets, vslot) : 0;
	if (!vnet) {
		/* Tagged by the bridge after this hook: the capture sees the tag
		 * (a PVID is only set where its VLAN has a network, so here
		 * this is a frame of no network's VLAN: counted as it is). */
		count_frame(net, s, addr, sec, len);
		return TC_ACT_UNSPEC;
	}
	/* A VLAN network's frame: without its tag, whole on the VLAN's
	 * network, and in the bridge's totals as from nobody to nobody. */
	if (in_data || skb->vlan_present)
		len -= VSBPF_VLAN_TAG_BYTES;
	count_net(net, sec, len, true, false);
	count_frame(vnet, *vslot, addr, sec, len);
	return TC_ACT_UNSPEC;
}

/* A port's ingress: what the bridge receives from it. */
SEC("tc")
int vs_count(struct __sk_buff *skb)
{
	return count(skb, true);
}

/* The bridge's own egress: what the host sends on it. */
SEC("tc")
int vs_count_egress(struct __sk_buff *skb)
{
	return count(skb, false);
}
