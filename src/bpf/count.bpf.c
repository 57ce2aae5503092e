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
#include <bpf/bpf_helpers.h>

#include "count_maps.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSBPF_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vs_ports SEC(".maps");

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

/* The wall clock's offset from the monotonic one (ns), which vsacctd sets
 * before attaching and keeps current: a global, read without a helper call
 * (count_maps.h's vs_clock is this program's .bss). */
__s64 vs_clock_offset_ns = 0;

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

static __always_inline void add(struct vsbpf_counts *c, __u32 len)
{
	c->bytes += len;
	c->packets++;
}

/* The wall-clock second of the frame: its receive timestamp when it has one
 * (the one libpcap reports), else now. */
static __always_inline __s64 frame_sec(struct __sk_buff *skb)
{
	__u64 ts = skb->tstamp;
	if (ts && skb->tstamp_type == 0) /* real time */
		return (__s64)(ts / NSEC_PER_SEC);
	/* Unsigned: BPF has no signed division (the wall clock is past 1970). */
	__u64 now = bpf_ktime_get_ns() + (__u64)vs_clock_offset_ns;
	return (__s64)(now / NSEC_PER_SEC);
}

SEC("tc")
int vs_count(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	__u32 *slot = bpf_map_lookup_elem(&vs_ports, &ifindex);
	if (!slot)
		return TC_ACT_UNSPEC;
	__u32 s = *slot;
	struct vsbpf_net *net = bpf_map_lookup_elem(&vs_nets, &s);
	if (!net)
		return TC_ACT_UNSPEC;
	__u32 len = skb->len + (skb->vlan_present ? VSBPF_VLAN_TAG_BYTES : 0);

	add(&net->carried, len);
	__s64 sec = frame_sec(skb);
	struct vsbpf_bin *bin = &net->bins[(__u64)sec % VSBPF_BINS];
	if (bin->sec != sec) {
		bin->sec = sec;
		bin->bytes = 0;
		bin->packets = 0;
	}
	bin->bytes += len;
	bin->packets++;

	/* The addresses: in the linear part, read in place; else copied. */
	__u8 copy[VSBPF_ADDR_BYTES];
	const __u8 *addr = (const __u8 *)(long)skb->data;
	if ((const void *)(addr + VSBPF_ADDR_BYTES) > (const void *)(long)skb->data_end) {
		if (bpf_skb_load_bytes(skb, 0, copy, sizeof copy) < 0) {
			add(&net->malformed, len);
			return TC_ACT_UNSPEC;
		}
		addr = copy;
	}
	__u64 key = vsbpf_mac_key(addr + 6, s);
	struct vsbpf_mac *src = bpf_map_lookup_elem(&vs_macs, &key);
	if (src)
		add(&src->sent, len);
	if (addr[0] & 1) {
		add(&net->group, len);
		if (src)
			add(&src->group_sent, len);
		return TC_ACT_UNSPEC;
	}
	key = vsbpf_mac_key(addr, s);
	struct vsbpf_mac *dst = bpf_map_lookup_elem(&vs_macs, &key);
	if (dst)
		add(&dst->rx_unicast, len);
	return TC_ACT_UNSPEC;
}
