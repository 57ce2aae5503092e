/*
 * The peer of tests/bench/bpfrun.c: the least a per-MAC counter can do,
 * one per-CPU hash lookup keyed by the source MAC adding the frame's bytes
 * and packets (the "minimal program", which kept 0.97 of the
 * forwarding rate); a program doing nothing, whose test run is the test
 * run's own cost; and the same nothing on the receive tracepoint, the one
 * per-frame hook left to a kernel without the function tracer (what it
 * costs every frame is the price of counting a new port's first frames
 * there). Benchmark only: vsacctd never loads them.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct minimal_counts {
	__u64 bytes;
	__u64 packets;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct minimal_counts);
} minimal_macs SEC(".maps");

SEC("tc")
int minimal_count(struct __sk_buff *skb)
{
	const __u8 *eth = (const __u8 *)(long)skb->data;
	if ((const void *)(eth + 12) > (const void *)(long)skb->data_end)
		return TC_ACT_UNSPEC;
	const __u8 *src = eth + 6;
	__u64 key = (__u64)src[0] << 40 | (__u64)src[1] << 32 | (__u64)src[2] << 24 |
		    (__u64)src[3] << 16 | (__u64)src[4] << 8 | src[5];
	struct minimal_counts *c = bpf_map_lookup_elem(&minimal_macs, &key);
	if (c) {
		c->bytes += skb->len;
		c->packets++;
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int minimal_empty(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

SEC("raw_tp/netif_receive_skb")
int minimal_rx_hook(void *ctx)
{
	return 0;
}
