/*
 * Unit tests of the eBPF method's program (src/bpf/count.bpf.c): crafted
 * frames run through the kernel's verifier-checked program with
 * BPF_PROG_TEST_RUN, and the same frames through the libpcap path (meter's
 * decode and acct). What the program left in its maps, handed to acct the
 * way ebpfcount does (totals, per-MAC counts, per-second bins), must give
 * every vNIC and the network the same counters and history. Frames: the
 * shortest a bridge forwards (a header alone, 14 bytes), minimal and full
 * size, an 802.1Q tag in the frame, a frame beyond the standard MTU (as
 * long as the test run's linear buffer allows), broadcast and multicast,
 * unknown sources and destinations, two seconds; the vNICs' counters in
 * the table of MACs, and in the hash (pins of a version before the table,
 * or keys the table has no room for). Needs root (BPF).
 */
#define _GNU_SOURCE /* unshare, setns, sched_getcpu, CPU affinity */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <count.skel.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/count_clock.h"
#include "bpf/count_maps.h"
#include "ebpfcount.h"
#include "mactable.h"
#include "meter.h"
#include "runner.h"

#define T0 1700000000LL
#define NSEC 1000000000ULL
#define LO_IFINDEX 1 /* a test run's frames arrive on the loopback device */

static const char *const VNIC_MACS[] = { "52:54:00:00:00:01", "52:54:00:00:00:02",
					 "52:54:00:00:00:03" };

struct side {
	struct conf *conf;
	struct inventory *inv;
	struct inv_net *net;
	struct inv_vnic *vnic[3];
};

static struct side side_new(void)
{
	static const char text[] = "network lan0 br0\n"
				   "vm vm1\nvnic vm1 52:54:00:00:00:01\n"
				   "vm vm2\nvnic vm2 52:54:00:00:00:02\n"
				   "vm vm3\nvnic vm3 52:54:00:00:00:03\n";
	struct side s = { .conf = conf_new() };
	struct conf_error err;
	CU_ASSERT_FATAL(s.conf && conf_parse_buffer(s.conf, "t.conf", text, strlen(text), &err) == 0);
	s.inv = inventory_new(s.conf, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.inv);
	s.net = inventory_net_by_bridge(s.inv, "br0");
	for (int i = 0; i < 3; i++) {
		uint8_t mac[MAC_LEN];
		CU_ASSERT_FATAL(mac_parse(VNIC_MACS[i], mac) == 0);
		s.vnic[i] = inventory_vnic_by_mac(s.inv, mac);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.vnic[i]);
		/* Placed before any frame, as lifecycle places a vNIC whose
		 * host interface is a port of the bridge. */
		inventory_vnic_attach(s.vnic[i], s.net);
	}
	return s;
}

static void side_free(struct side *s)
{
	inventory_free(s->inv);
	conf_free(s->conf);
}

struct frame {
	const char *src, *dst;
	uint32_t len;
	bool vlan; /* an 802.1Q tag in the frame */
	int64_t sec;
};

static const struct frame FRAMES[] = {
	{ "52:54:00:00:00:01", "52:54:00:00:00:02", 60, false, T0 },
	{ "52:54:00:00:00:02", "52:54:00:00:00:01", 1514, false, T0 },
	{ "52:54:00:00:00:01", "ff:ff:ff:ff:ff:ff", 342, false, T0 },
	{ "52:54:00:00:00:03", "01:00:5e:00:00:01", 100, false, T0 },
	{ "02:00:00:00:00:99", "52:54:00:00:00:02", 200, false, T0 },
	{ "52:54:00:00:00:02", "02:00:00:00:00:98", 64, false, T0 },
	{ "52:54:00:00:00:01", "52:54:00:00:00:03", 68, true, T0 },
	{ "52:54:00:00:00:03", "52:54:00:00:00:01", 3000, false, T0 },
	{ "52:54:00:00:00:02", "52:54:00:00:00:03", 14, false, T0 },
	{ "02:00:00:00:00:99", "ff:ff:ff:ff:ff:ff", 60, false, T0 + 1 },
	{ "52:54:00:00:00:02", "33:33:00:00:00:01", 90, true, T0 + 1 },
};
#define NFRAMES (sizeof FRAMES / sizeof *FRAMES)

static void frame_bytes(const struct frame *f, uint8_t *buf)
{
	memset(buf, 0, f->len);
	CU_ASSERT_FATAL(mac_parse(f->dst, buf) == 0 && mac_parse(f->src, buf + 6) == 0);
	if (f->vlan) {
		buf[12] = 0x81; /* 802.1Q, VLAN 20, then IPv4 */
		buf[14] = 0x00;
		buf[15] = 20;
		buf[16] = 0x08;
	} else if (f->len >= 34) {
		buf[12] = 0x08; /* IPv4 when there is room for its header */
	}
}

/* The libpcap path: what meter and acct make of the frames. */
static void count_by_pcap(struct side *s)
{
	static uint8_t buf[4096];
	for (size_t i = 0; i < NFRAMES; i++) {
		frame_bytes(&FRAMES[i], buf);
		uint32_t caplen = FRAMES[i].len < 18 ? FRAMES[i].len : 18;
		meter_frame(s->inv, s->net, FRAMES[i].sec * 1000000, buf, caplen, FRAMES[i].len);
	}
}

static struct acct_counts to_acct(struct vsbpf_counts c)
{
	return (struct acct_counts){ c.bytes, c.packets };
}

/* The program loaded with maps of the test's own (nothing pinned). */
static struct count_bpf *load_unpinned(void)
{
	struct count_bpf *skel = count_bpf__open();
	CU_ASSERT_PTR_NOT_NULL_FATAL(skel);
	struct bpf_map *map;
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	int r = count_bpf__load(skel);
	if (r < 0)
		fprintf(stderr, "loading the program: %s (needs root)\n", strerror(-r));
	CU_ASSERT_FATAL(r == 0);
	return skel;
}

/* The program's MAC maps of skel, with room for one read of them. */
static struct mactable mac_maps(struct count_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus();
	struct mactable t = { bpf_map__fd(skel->maps.vs_mac_slots),
			      bpf_map__fd(skel->maps.vs_mac_counts), bpf_map__fd(skel->maps.vs_macs),
			      calloc((size_t)ncpus, sizeof(struct vsbpf_mac)), ncpus };
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.percpu);
	return t;
}

/* key's counters where it is, summed over the CPUs (zero: nowhere). */
static struct vsbpf_mac_counts mac_counts(const struct mactable *t, __u64 key)
{
	struct vsbpf_mac_counts sum = { 0 };
	int where = mactable_find(t, key);
	if (where != MACTABLE_NONE && mactable_read(t, key, where) == 0)
		ebpfcount_sum_mac(t->percpu, t->ncpus, &sum);
	return sum;
}

/* The eBPF path: the frames through the program, its maps read and handed
 * to acct as ebpfcount hands them; the vNICs' keys placed by mactable
 * (in the table) or in the hash. */
static void count_by_bpf(struct side *s, bool hashed)
{
	struct count_bpf *skel = load_unpinned();

	int ncpus = libbpf_num_possible_cpus();
	struct vsbpf_net *nets = calloc((size_t)ncpus, sizeof *nets);
	struct vsbpf_mac *macs = calloc((size_t)ncpus, sizeof *macs);
	CU_ASSERT_FATAL(nets && macs);
	__u32 port = LO_IFINDEX, slot = 0;
	struct vsbpf_port where = { slot, 0 };
	CU_ASSERT_FATAL(ebpfcount_port_set(bpf_map__fd(skel->maps.vs_ports),
					   bpf_map__fd(skel->maps.vs_port_index), port, &where) == 0);
	struct mactable t = mac_maps(skel);
	for (int i = 0; i < 3; i++) {
		__u64 key = vsbpf_mac_key(s->vnic[i]->mac, slot);
		bool found;
		if (hashed)
			skel->bss->vs_macs_hashed = 1;
		CU_ASSERT_FATAL(hashed ? bpf_map_update_elem(t.hash_fd, &key, macs, BPF_NOEXIST) == 0
				       : mactable_place(&t, key, &skel->bss->vs_macs_hashed, &found) >= 0);
		int placed = mactable_find(&t, key);
		CU_ASSERT(hashed ? placed == MACTABLE_HASHED : placed >= 0);
	}

	static uint8_t buf[4096];
	for (size_t i = 0; i < NFRAMES; i++) {
		frame_bytes(&FRAMES[i], buf);
		struct __sk_buff ctx = { .tstamp = (__u64)FRAMES[i].sec * NSEC + 500000000ULL };
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = buf,
				    .data_size_in = FRAMES[i].len, .ctx_in = &ctx,
				    .ctx_size_in = sizeof ctx);
		int r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vs_count), &run);
		if (r < 0)
			fprintf(stderr, "frame %zu (%u bytes): test run: %s\n", i, FRAMES[i].len,
				strerror(-r));
		CU_ASSERT_EQUAL_FATAL(r, 0);
		CU_ASSERT_EQUAL(run.retval, (__u32)-1); /* TC_ACT_UNSPEC: the frame goes on */
	}

	CU_ASSERT_FATAL(bpf_map_lookup_elem(bpf_map__fd(skel->maps.vs_nets), &slot, nets) == 0);
	struct vsbpf_net sum;
	ebpfcount_sum_net(nets, ncpus, &sum);
	acct_net_add_totals(&s->net->acct, to_acct(sum.carried), to_acct(sum.group),
			    to_acct(sum.received), sum.malformed.packets);
	for (int64_t sec = T0; sec <= T0 + 1; sec++) {
		struct acct_net_second second;
		ebpfcount_net_second(nets, ncpus, sec, &second);
		acct_net_add_second(&s->net->acct, sec, &second);
	}
	for (int i = 0; i < 3; i++) {
		__u64 key = vsbpf_mac_key(s->vnic[i]->mac, slot);
		int placed = mactable_find(&t, key);
		CU_ASSERT_FATAL(placed != MACTABLE_NONE && mactable_read(&t, key, placed) == 0);
		memcpy(macs, t.percpu, (size_t)ncpus * sizeof *macs);
		struct vsbpf_mac_counts m;
		ebpfcount_sum_mac(macs, ncpus, &m);
		acct_port_add(&s->vnic[i]->acct, &s->net->acct, to_acct(m.sent),
			      to_acct(m.rx_unicast), to_acct(m.group_sent));
		for (int64_t sec = T0; sec <= T0 + 1; sec++) {
			struct acct_port_second second;
			ebpfcount_mac_second(macs, ncpus, sec, &second);
			acct_port_add_second(&s->vnic[i]->acct, &s->net->acct, sec, &second);
		}
	}
	free(nets);
	free(macs);
	free(t.percpu);
	count_bpf__destroy(skel);
}

static void assert_counts_equal(struct acct_counts want, struct acct_counts got, const char *what)
{
	if (want.bytes != got.bytes || want.packets != got.packets)
		fprintf(stderr, "%s: pcap %llu bytes %llu frames, ebpf %llu bytes %llu frames\n", what,
			(unsigned long long)want.bytes, (unsigned long long)want.packets,
			(unsigned long long)got.bytes, (unsigned long long)got.packets);
	CU_ASSERT_EQUAL(want.bytes, got.bytes);
	CU_ASSERT_EQUAL(want.packets, got.packets);
}

static void same_as_pcap(bool hashed)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0); /* loading a BPF program needs root */
	struct side pcap = side_new(), ebpf = side_new();
	count_by_pcap(&pcap);
	count_by_bpf(&ebpf, hashed);

	assert_counts_equal(acct_net_carried(&pcap.net->acct), acct_net_carried(&ebpf.net->acct),
			    "network carried");
	CU_ASSERT_EQUAL(acct_net_malformed(&pcap.net->acct), acct_net_malformed(&ebpf.net->acct));
	for (int i = 0; i < 3; i++) {
		assert_counts_equal(acct_port_sent(&pcap.vnic[i]->acct),
				    acct_port_sent(&ebpf.vnic[i]->acct), VNIC_MACS[i]);
		assert_counts_equal(acct_port_received(&pcap.vnic[i]->acct),
				    acct_port_received(&ebpf.vnic[i]->acct), VNIC_MACS[i]);
	}
	/* Both seconds closed: the history's columns, the same. */
	acct_net_tick(&pcap.net->acct, (T0 + 3) * 1000000);
	acct_net_tick(&ebpf.net->acct, (T0 + 3) * 1000000);
	uint64_t hp[ACCT_HISTORY_SECONDS], he[ACCT_HISTORY_SECONDS];
	int64_t endp, ende;
	acct_net_history(&pcap.net->acct, hp, &endp);
	acct_net_history(&ebpf.net->acct, he, &ende);
	CU_ASSERT_EQUAL(endp, ende);
	CU_ASSERT(memcmp(hp, he, sizeof hp) == 0);
	assert_counts_equal(acct_net_received(&pcap.net->acct), acct_net_received(&ebpf.net->acct),
			    "network received");
	for (int series = 0; series < ACCT_NET_SERIES; series++) {
		acct_net_series_history(&pcap.net->acct, series, hp, &endp);
		acct_net_series_history(&ebpf.net->acct, series, he, &ende);
		CU_ASSERT(memcmp(hp, he, sizeof hp) == 0);
	}
	/* Each VM's sent and received seconds, as its history derives them. */
	for (int i = 0; i < 3; i++) {
		for (int series = ACCT_VM_BYTES_SENT; series <= ACCT_VM_BYTES_RECEIVED; series++) {
			uint64_t gp[ACCT_HISTORY_SECONDS], ge[ACCT_HISTORY_SECONDS];
			acct_vm_seconds(&pcap.vnic[i]->vm->acct, series, endp, 0, hp, gp);
			acct_vm_seconds(&ebpf.vnic[i]->vm->acct, series, ende, 0, he, ge);
			CU_ASSERT(memcmp(hp, he, sizeof hp) == 0);
			CU_ASSERT(memcmp(gp, ge, sizeof gp) == 0);
		}
	}
	acct_vm_seconds(&ebpf.vnic[1]->vm->acct, ACCT_VM_BYTES_SENT, ende, 0, he, NULL);
	CU_ASSERT_EQUAL(he[1], 1514 + 64 + 14);
	CU_ASSERT_EQUAL(he[0], 90);
	acct_net_history(&pcap.net->acct, hp, &endp);
	CU_ASSERT_EQUAL(hp[1], 60 + 1514 + 342 + 100 + 200 + 64 + 68 + 3000 + 14);
	CU_ASSERT_EQUAL(hp[0], 60 + 90);
	/* What the frames make, written out once: the sent bytes of vm2. */
	CU_ASSERT_EQUAL(acct_port_sent(&ebpf.vnic[1]->acct).bytes, 1514 + 64 + 14 + 90);
	side_free(&pcap);
	side_free(&ebpf);
}

static void test_count_bpf_same_as_pcap(void) { same_as_pcap(false); }
static void test_count_bpf_same_as_pcap_hashed(void) { same_as_pcap(true); }

/* The frames network slot 0 carried, by the program's map. */
static __u64 carried_frames(struct count_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus();
	struct vsbpf_net *nets = calloc((size_t)ncpus, sizeof *nets);
	CU_ASSERT_FATAL(nets != NULL);
	__u32 slot = 0;
	CU_ASSERT_FATAL(bpf_map_lookup_elem(bpf_map__fd(skel->maps.vs_nets), &slot, nets) == 0);
	struct vsbpf_net sum;
	ebpfcount_sum_net(nets, ncpus, &sum);
	free(nets);
	return sum.carried.packets;
}

/* One 60-byte frame through the program as if it entered interface ifindex. */
static void run_on(struct count_bpf *skel, __u32 ifindex)
{
	static const struct frame f = { "52:54:00:00:00:01", "52:54:00:00:00:02", 60, false, T0 };
	uint8_t buf[60];
	frame_bytes(&f, buf);
	struct __sk_buff ctx = { .ifindex = ifindex, .tstamp = (__u64)T0 * NSEC };
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = buf, .data_size_in = sizeof buf,
			    .ctx_in = &ctx, .ctx_size_in = sizeof ctx);
	int r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vs_count), &run);
	if (r < 0)
		fprintf(stderr, "interface %u: test run: %s\n", ifindex, strerror(-r));
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT_EQUAL(run.retval, (__u32)-1);
}

/*
 * Ports below VSBPF_PORT_INDEX_MAX are found in the array, the others in
 * the hash; both count while set and stop when forgotten, and the hash
 * lists every port (ebpfcount_remove detaches what it lists). The port
 * above the bound is a veth made with that ifindex in a network namespace
 * of the test's own.
 */
static void test_count_bpf_port_maps(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(home >= 0 && unshare(CLONE_NEWNET) == 0);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "ip link add vsbig index %d type veth peer name vsbigpeer",
		 VSBPF_PORT_INDEX_MAX + 4464);
	CU_ASSERT_FATAL(system(cmd) == 0);

	struct count_bpf *skel = load_unpinned();
	int ports = bpf_map__fd(skel->maps.vs_ports), index = bpf_map__fd(skel->maps.vs_port_index);
	const __u32 small = LO_IFINDEX, big = VSBPF_PORT_INDEX_MAX + 4464;
	const struct vsbpf_port port = { 0, 0 };

	run_on(skel, small);
	run_on(skel, big);
	CU_ASSERT_EQUAL(carried_frames(skel), 0); /* no port yet */
	CU_ASSERT(ebpfcount_port_set(ports, index, small, &port) == 0);
	CU_ASSERT(ebpfcount_port_set(ports, index, big, &port) == 0);
	struct vsbpf_port got;
	CU_ASSERT(bpf_map_lookup_elem(ports, &small, &got) == 0 && got.slot == 0);
	CU_ASSERT(bpf_map_lookup_elem(ports, &big, &got) == 0 && got.slot == 0);
	run_on(skel, small);
	CU_ASSERT_EQUAL(carried_frames(skel), 1);
	run_on(skel, big);
	CU_ASSERT_EQUAL(carried_frames(skel), 2);

	CU_ASSERT(ebpfcount_port_set(ports, index, small, NULL) == 0);
	CU_ASSERT(ebpfcount_port_set(ports, index, big, NULL) == 0);
	CU_ASSERT(bpf_map_lookup_elem(ports, &small, &got) < 0);
	CU_ASSERT(bpf_map_lookup_elem(ports, &big, &got) < 0);
	run_on(skel, small);
	run_on(skel, big);
	CU_ASSERT_EQUAL(carried_frames(skel), 2);
	count_bpf__destroy(skel);
	CU_ASSERT(setns(home, CLONE_NEWNET) == 0); /* the namespace and its veth go */
	close(home);
}

/* A frame through the ingress program (a frame of 60 bytes from vm1 to
 * vm2); returns the timestamp it leaves the program with. */
static __u64 run_frame(struct count_bpf *skel, __u64 tstamp)
{
	static uint8_t buf[60];
	frame_bytes(&FRAMES[0], buf);
	struct __sk_buff in = { .tstamp = tstamp }, out = { 0 };
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = buf, .data_size_in = sizeof buf,
			    .ctx_in = &in, .ctx_size_in = sizeof in, .ctx_out = &out,
			    .ctx_size_out = sizeof out);
	CU_ASSERT_EQUAL_FATAL(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vs_count), &run), 0);
	return out.tstamp;
}

/* The gates of a switch between methods: only the frames of the window's
 * seconds are counted; a frame without a timestamp leaves the ingress
 * program with the one it was binned with (what a capture reports). */
static void test_count_bpf_window(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	struct count_bpf *skel = load_unpinned();
	__u32 port = LO_IFINDEX, slot = 0;
	struct vsbpf_port where = { slot, 0 };
	CU_ASSERT_FATAL(ebpfcount_port_set(bpf_map__fd(skel->maps.vs_ports),
					    bpf_map__fd(skel->maps.vs_port_index), port, &where) == 0);
	int ncpus = libbpf_num_possible_cpus();
	struct vsbpf_net *nets = calloc((size_t)ncpus, sizeof *nets), sum;
	CU_ASSERT_FATAL(nets != NULL);

	skel->bss->vs_count_from_sec = T0 + 1;
	skel->bss->vs_count_until_sec = T0 + 2;
	run_frame(skel, (__u64)T0 * NSEC + NSEC - 1);      /* the last ns before it */
	run_frame(skel, (__u64)(T0 + 1) * NSEC);           /* its first */
	run_frame(skel, (__u64)(T0 + 1) * NSEC + NSEC / 2);
	run_frame(skel, (__u64)(T0 + 2) * NSEC);           /* the next method's */
	CU_ASSERT_FATAL(bpf_map_lookup_elem(bpf_map__fd(skel->maps.vs_nets), &slot, nets) == 0);
	ebpfcount_sum_net(nets, ncpus, &sum);
	CU_ASSERT_EQUAL(sum.carried.packets, 2);
	struct acct_net_second second;
	ebpfcount_net_second(nets, ncpus, T0 + 1, &second);
	CU_ASSERT_EQUAL(second.carried.packets, 2);

	/* No timestamp: stamped with the second it was counted in. */
	skel->bss->vs_count_from_sec = 0;
	skel->bss->vs_count_until_sec = 0;
	__u64 stamped = run_frame(skel, 0);
	CU_ASSERT(stamped != 0);
	CU_ASSERT_FATAL(bpf_map_lookup_elem(bpf_map__fd(skel->maps.vs_nets), &slot, nets) == 0);
	ebpfcount_net_second(nets, ncpus, (int64_t)(stamped / NSEC), &second);
	CU_ASSERT_EQUAL(second.carried.packets, 1);
	/* A timestamp it has is left as it is. */
	CU_ASSERT_EQUAL(run_frame(skel, (__u64)T0 * NSEC + 7), (__u64)T0 * NSEC + 7);
	free(nets);
	count_bpf__destroy(skel);
}

/* Sleeps until the wall clock is between 0.1 and 0.5 s into a second. */
static void sleep_to_early_in_second(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long wait = now.tv_nsec < 100000000L ? 100000000L - now.tv_nsec
		    : now.tv_nsec >= 500000000L ? 1100000000L - now.tv_nsec : 0;
	struct timespec gap = { wait / 1000000000L, wait % 1000000000L };
	nanosleep(&gap, NULL);
}

/* Two frames without a timestamp, early in a second, on one CPU: the
 * first reads the clock and is stamped; the second, jiffies showing the
 * second cannot have ended, is binned in the same second unstamped (a
 * capture stamps it). tick_ns_or_0: the tick, 0 for this machine's as
 * vsacctd sets it; with one longer than a second no second has room for
 * the margin, and every frame reads the clock. */
static void cheap_second(__u64 tick_ns_or_0, bool second_frame_stamped)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	cpu_set_t one, was;
	CU_ASSERT_FATAL(sched_getaffinity(0, sizeof was, &was) == 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CU_ASSERT_FATAL(sched_setaffinity(0, sizeof one, &one) == 0); /* the cache is per CPU */
	struct count_bpf *skel = load_unpinned();
	__u32 port = LO_IFINDEX, slot = 0;
	struct vsbpf_port where = { slot, 0 };
	CU_ASSERT_FATAL(ebpfcount_port_set(bpf_map__fd(skel->maps.vs_ports),
					    bpf_map__fd(skel->maps.vs_port_index), port, &where) == 0);
	count_clock_set(skel); /* as vsacctd sets it */
	CU_ASSERT_FATAL(skel->bss->vs_tick_ns != 0);
	if (tick_ns_or_0)
		skel->bss->vs_tick_ns = tick_ns_or_0;
	sleep_to_early_in_second();
	__u64 first = run_frame(skel, 0);
	__u64 next = run_frame(skel, 0);
	CU_ASSERT(first != 0);
	CU_ASSERT_EQUAL(next != 0, second_frame_stamped);
	int ncpus = libbpf_num_possible_cpus();
	struct vsbpf_net *nets = calloc((size_t)ncpus, sizeof *nets);
	CU_ASSERT_FATAL(nets != NULL);
	CU_ASSERT_FATAL(bpf_map_lookup_elem(bpf_map__fd(skel->maps.vs_nets), &slot, nets) == 0);
	struct acct_net_second second;
	ebpfcount_net_second(nets, ncpus, (int64_t)(first / NSEC), &second);
	CU_ASSERT_EQUAL(second.carried.packets, 2);
	free(nets);
	count_bpf__destroy(skel);
	sched_setaffinity(0, sizeof was, &was);
}

static void test_count_bpf_cheap_second(void)
{
	cheap_second(0, false);
	cheap_second(2 * NSEC, true);
}

/* A 60-byte frame from the MAC of key (slot 0) to one nobody has, through
 * the ingress program on the loopback. */
static void run_from(struct count_bpf *skel, __u64 key)
{
	uint8_t buf[60] = { 0x02, 0, 0, 0, 0, 0x98 };
	for (int i = 0; i < 6; i++)
		buf[6 + i] = (uint8_t)(key >> (40 - 8 * i));
	buf[12] = 0x08;
	struct __sk_buff ctx = { .tstamp = (__u64)T0 * NSEC };
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = buf, .data_size_in = sizeof buf,
			    .ctx_in = &ctx, .ctx_size_in = sizeof ctx);
	CU_ASSERT_EQUAL_FATAL(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vs_count), &run), 0);
}

static __u64 sent_frames(const struct mactable *t, __u64 key)
{
	return mac_counts(t, key).sent.packets;
}

static void test_count_bpf_mac_table(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	struct count_bpf *skel = load_unpinned();
	const struct vsbpf_port port = { 0, 0 };
	CU_ASSERT_FATAL(ebpfcount_port_set(bpf_map__fd(skel->maps.vs_ports),
					   bpf_map__fd(skel->maps.vs_port_index), LO_IFINDEX,
					   &port) == 0);
	struct mactable t = mac_maps(skel);
	volatile __u32 *hashed = &skel->bss->vs_macs_hashed;
	/* Keys of slot 0 (the MAC itself) with one home: one more than the
	 * positions a key may take, and one for later. */
	enum { N = VSBPF_MAC_PROBES + 2 };
	__u64 keys[N];
	const __u32 home = vsbpf_mac_home(0x525400000001ULL);
	int n = 0;
	for (__u64 mac = 0x525400000001ULL; n < N; mac++)
		if (vsbpf_mac_home(mac) == home)
			keys[n++] = mac;
	bool found;
	for (int i = 0; i < N - 1; i++) {
		int where = mactable_place(&t, keys[i], hashed, &found);
		CU_ASSERT(!found);
		CU_ASSERT_EQUAL(where, i < VSBPF_MAC_PROBES
					       ? (int)((home + (__u32)i) & (VSBPF_MAC_SLOTS - 1))
					       : MACTABLE_HASHED);
		CU_ASSERT_EQUAL(mactable_place(&t, keys[i], hashed, &found), where);
		CU_ASSERT(found);
	}
	CU_ASSERT_EQUAL(*hashed, 1);
	CU_ASSERT_EQUAL(mactable_hashed(&t), 1);
	for (int i = 0; i < N - 1; i++) {
		run_from(skel, keys[i]);
		CU_ASSERT_EQUAL(sent_frames(&t, keys[i]), 1);
	}
	/* The second forgotten: not counted; the third, past it, still is. */
	mactable_forget(&t, keys[1], mactable_find(&t, keys[1]));
	CU_ASSERT_EQUAL(mactable_find(&t, keys[1]), MACTABLE_NONE);
	run_from(skel, keys[1]);
	run_from(skel, keys[2]);
	CU_ASSERT_EQUAL(sent_frames(&t, keys[1]), 0);
	CU_ASSERT_EQUAL(sent_frames(&t, keys[2]), 2);
	/* A new key takes the gone position, from zero. */
	CU_ASSERT_EQUAL(mactable_place(&t, keys[N - 1], hashed, &found),
			(int)((home + 1) & (VSBPF_MAC_SLOTS - 1)));
	CU_ASSERT(!found);
	CU_ASSERT_EQUAL(sent_frames(&t, keys[N - 1]), 0);
	run_from(skel, keys[N - 1]);
	CU_ASSERT_EQUAL(sent_frames(&t, keys[N - 1]), 1);
	/* The hashed key forgotten: the hash is empty again. */
	mactable_forget(&t, keys[N - 2], MACTABLE_HASHED);
	CU_ASSERT_EQUAL(mactable_hashed(&t), 0);
	free(t.percpu);
	count_bpf__destroy(skel);
}

static CU_TestInfo count_bpf_tests[] = {
	{ "the program counts crafted frames as meter and acct do", test_count_bpf_same_as_pcap },
	{ "the same, the vNICs' counters in the hash", test_count_bpf_same_as_pcap_hashed },
	{ "keys of one home take the next positions, then the hash; a gone position is "
	  "searched past and taken again",
	  test_count_bpf_mac_table },
	{ "ports are found in the array below its bound, in the hash above",
	  test_count_bpf_port_maps },
	{ "the program counts its window's seconds only", test_count_bpf_window },
	{ "a frame the jiffies place in the last clock read's second reads no clock",
	  test_count_bpf_cheap_second },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "count_bpf", NULL, NULL, NULL, NULL, count_bpf_tests },
	CU_SUITE_INFO_NULL,
};
