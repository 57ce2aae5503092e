/*
 * bpfrun — the eBPF counting program's cost per frame, without a network:
 * BPF_PROG_TEST_RUN of src/bpf/count.bpf.c (its skeleton, maps unpinned)
 * with its maps filled as vsacctd fills them for one bridge network (its
 * port in vs_ports and vs_port_index, two known vNIC MACs), on crafted 60-byte frames: unicast between
 * the two known MACs, a broadcast from one, a frame between two unknown
 * MACs, an 802.1Q-tagged unicast (a VLAN without a network of its own).
 *
 * Each measurement is REPEAT runs of one frame (the kernel's average ns per
 * run, the test run's own overhead included). The peer is the issue's minimal program
 * (tests/bench/minimal.bpf.c: one per-CPU hash lookup by source MAC),
 * measured on the same frame right after: count, minimal, count, minimal...
 * ROUNDS times, so that a machine shared with other work slows both alike;
 * a program doing nothing, measured alike, is the test run's own cost.
 * The medians and the ratio of what each program adds to that are printed
 * as bench figures:
 *
 *   bpfprog CASE count ns per run: N ns
 *   bpfprog CASE minimal ns per run: N ns
 *   bpfprog CASE empty ns per run: N ns
 *   bpfprog CASE ratio count/minimal: R   (each less the empty program's)
 *
 * Usage: bpfrun [-r REPEAT] [-n ROUNDS] [-c CPU]   (root: loads BPF)
 * Exit status 1 when a program could not be loaded or run, or did not
 * return TC_ACT_UNSPEC.
 *
 * bpfrun -a IFINDEX [MAC...]: the minimal program as a forwarding peer
 * instead (tests/bench/capture.sh's bpf-minimal): attached at the clsact
 * ingress of IFINDEX (in bpfrun's network namespace) with the MACs (MAC_A
 * when none is given) in its map, it prints "attached", counts until
 * SIGTERM or SIGINT, then prints "minimal counted PACKETS" (the MACs',
 * over every CPU) and detaches.
 *
 * bpfrun -t IFINDEX -w IFNAME [-s SLICE_MS] [-k CYCLES] [MAC...]: the
 * forwarding rate in interleaved slices, while a sender floods through
 * IFINDEX (its ingress) to IFNAME (whose tx_packets counts what the bridge
 * forwarded). Each cycle is: nothing, the minimal program, nothing, the
 * counting program (maps as vsacctd fills them: IFINDEX a port of slot 0,
 * the MACs known vNICs), nothing, and where the kernel has TCX (Linux
 * 6.6 and later) the counting program, then the minimal one, attached by
 * TCX instead of a tc filter, each followed by nothing;
 * every one on IFINDEX's ingress for SLICE_MS (100) after a 20 ms settle;
 * last, where the kernel runs BPF on tracepoints, a program doing nothing
 * on net:netif_receive_skb (every frame any interface receives: what a
 * hook on the bridge's path that needs no attaching to each port would
 * cost), then nothing.
 * A program's slice is compared with the two bare slices beside it, a
 * tenth of a second away, so that a machine whose speed drifts by 10%
 * between whole runs (a shared host) weighs on both alike. Prints, per
 * program, "fslice PROG ratio/none: R" (the median over CYCLES, 100, of its
 * slice's rate over the mean of its neighbours'), the quartiles, and
 * "fslice PROG counted: N" (what its map counted: not 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <count.skel.h>
#include <minimal.skel.h>

#include "bpf/count_clock.h"
#include "bpf/count_maps.h"
#include "mactable.h"
#include "tchook.h" /* VS_BPF_TCX_INGRESS */

#define FRAME_LEN 60
#define MAX_ROUNDS 101
#define LO_IFINDEX 1 /* a test run's frames arrive on the loopback device */

static const __u8 MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const __u8 MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const __u8 MAC_UNKNOWN_SRC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const __u8 MAC_UNKNOWN_DST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x98 };
static const __u8 MAC_BROADCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct bench_case {
	const char *name;
	const __u8 *dst, *src;
	int vid; /* an 802.1Q tag in the frame; 0: untagged */
	__u8 frame[FRAME_LEN];
	int count_ns[MAX_ROUNDS], minimal_ns[MAX_ROUNDS], empty_ns[MAX_ROUNDS];
};

static struct bench_case cases[] = {
	{ .name = "unicast", .dst = MAC_B, .src = MAC_A },
	{ .name = "broadcast", .dst = MAC_BROADCAST, .src = MAC_A },
	{ .name = "unknown", .dst = MAC_UNKNOWN_DST, .src = MAC_UNKNOWN_SRC },
	{ .name = "vlan", .dst = MAC_B, .src = MAC_A, .vid = 20 },
};
#define NCASES (sizeof cases / sizeof *cases)

static void frame_fill(struct bench_case *c)
{
	__u8 *f = c->frame;
	memset(f, 0, FRAME_LEN);
	memcpy(f, c->dst, 6);
	memcpy(f + 6, c->src, 6);
	int at = 12;
	if (c->vid) {
		f[at++] = 0x81;
		f[at++] = 0x00;
		f[at++] = (__u8)(c->vid >> 8);
		f[at++] = (__u8)c->vid;
	}
	f[at++] = 0x08; /* IPv4 */
	f[at] = 0x00;
}

/* Average ns per run of prog on frame over repeat runs; -1 on failure. */
static int run_ns(int prog, const __u8 *frame, int repeat)
{
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = FRAME_LEN,
			    .repeat = repeat);
	int r = bpf_prog_test_run_opts(prog, &run);
	if (r < 0) {
		fprintf(stderr, "bpfrun: test run: %s\n", strerror(-r));
		return -1;
	}
	if (run.retval != (__u32)TC_ACT_UNSPEC) {
		fprintf(stderr, "bpfrun: the program returned %d, not TC_ACT_UNSPEC\n",
			(int)run.retval);
		return -1;
	}
	return (int)run.duration;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static double median(const int *v, int n)
{
	int s[MAX_ROUNDS];
	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_int);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* The counting program's MAC maps, with room for one read of them. */
static struct mactable count_macs(struct count_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus();
	return (struct mactable){ bpf_map__fd(skel->maps.vs_mac_slots),
				  bpf_map__fd(skel->maps.vs_mac_counts),
				  bpf_map__fd(skel->maps.vs_macs),
				  calloc((size_t)ncpus, sizeof(struct vsbpf_mac)), ncpus };
}

/* The n keys placed as vsacctd places its vNICs' keys; -1 on failure. */
static int place_keys(struct count_bpf *skel, const __u64 *keys, int n)
{
	struct mactable t = count_macs(skel);
	bool found;
	int r = t.percpu ? 0 : -1;
	for (int i = 0; r == 0 && i < n; i++)
		if (mactable_place(&t, keys[i], &skel->bss->vs_macs_hashed, &found) == MACTABLE_NONE)
			r = -1;
	free(t.percpu);
	return r;
}

/* The frames the counting program counted as sent by the n keys. */
static unsigned long long count_counted(struct count_bpf *skel, const __u64 *keys, int n)
{
	struct mactable t = count_macs(skel);
	unsigned long long sum = 0;
	for (int i = 0; t.percpu && i < n; i++) {
		int where = mactable_find(&t, keys[i]);
		if (where != MACTABLE_NONE && mactable_read(&t, keys[i], where) == 0)
			for (int c = 0; c < t.ncpus; c++)
				sum += ((const struct vsbpf_mac *)t.percpu)[c].total.sent.packets;
	}
	free(t.percpu);
	return sum;
}

/* The counting program with vsacctd's maps of one network in slot 0. */
static struct count_bpf *count_load(void)
{
	struct count_bpf *skel = count_bpf__open();
	if (!skel)
		return NULL;
	struct bpf_map *map;
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL); /* our own maps, gone at exit */
	if (count_bpf__load(skel) < 0) {
		count_bpf__destroy(skel);
		return NULL;
	}
	count_clock_set(skel);

	__u32 ifindex = LO_IFINDEX, slot = 0;
	struct vsbpf_port port = { slot, 0 };
	struct vsbpf_port_entry entry = { slot, 0, 1 };
	const __u64 known[] = { vsbpf_mac_key(MAC_A, slot), vsbpf_mac_key(MAC_B, slot) };
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.vs_ports), &ifindex, &port, BPF_ANY) < 0 ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.vs_port_index), &ifindex, &entry,
				BPF_ANY) < 0 ||
	    place_keys(skel, known, 2) < 0) {
		fprintf(stderr, "bpfrun: filling the maps: %s\n", strerror(errno));
		count_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The minimal programs, the receive tracepoint's too when rx_hook. */
static struct minimal_bpf *minimal_open_load(bool rx_hook)
{
	struct minimal_bpf *skel = minimal_bpf__open();
	if (!skel)
		return NULL;
	bpf_program__set_autoload(skel->progs.minimal_rx_hook, rx_hook);
	if (minimal_bpf__load(skel) < 0) {
		minimal_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The minimal programs with the n MAC keys (map keys) in their map; the
 * receive tracepoint's only where the kernel runs BPF there (elsewhere its
 * fd is negative). */
static struct minimal_bpf *minimal_load(const __u64 *keys, int n)
{
	struct minimal_bpf *skel = minimal_open_load(true);
	if (!skel)
		skel = minimal_open_load(false);
	if (!skel)
		return NULL;
	int ncpus = libbpf_num_possible_cpus();
	__u64 *zero = calloc((size_t)ncpus * 2, sizeof *zero);
	int fd = bpf_map__fd(skel->maps.minimal_macs);
	for (int i = 0; i < n; i++) {
		if (!zero || bpf_map_update_elem(fd, &keys[i], zero, BPF_NOEXIST) < 0) {
			fprintf(stderr, "bpfrun: filling the minimal program's map: %s\n",
				strerror(errno));
			free(zero);
			minimal_bpf__destroy(skel);
			return NULL;
		}
	}
	free(zero);
	return skel;
}

#define MAX_MACS 256

/* The MACs of the command line as map keys of slot 0 (MAC_A when none);
 * their number, or -1 (said) when one is not a MAC. */
static int mac_keys(char **macs, int n, __u64 *keys)
{
	if (n > MAX_MACS) {
		fprintf(stderr, "bpfrun: %d MACs at most\n", MAX_MACS);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		__u8 m[6];
		if (sscanf(macs[i], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6) {
			fprintf(stderr, "bpfrun: not a MAC: %s\n", macs[i]);
			return -1;
		}
		keys[i] = vsbpf_mac_key(m, 0);
	}
	if (n == 0)
		keys[n++] = vsbpf_mac_key(MAC_A, 0);
	return n;
}

/* --- Forwarding in interleaved slices (-t) --------------------------------- */

enum slice_prog { SLICE_NONE, SLICE_MINIMAL, SLICE_COUNT, SLICE_COUNT_TCX, SLICE_MINIMAL_TCX,
		  SLICE_RX_TRACEPOINT, SLICE_PROGS };
static const char *const slice_prog_name[SLICE_PROGS] = { "none", "minimal", "count",
							    "count-tcx", "minimal-tcx",
							    "rx-tracepoint" };
/* Where a slice's program runs. */
enum slice_hook_kind { HOOK_TC, HOOK_TCX, HOOK_RX_TRACEPOINT };
static const enum slice_hook_kind slice_hook_kind[SLICE_PROGS] = {
	HOOK_TC, HOOK_TC, HOOK_TC, HOOK_TCX, HOOK_TCX, HOOK_RX_TRACEPOINT
};
#define SLICES_PER_CYCLE (2 * SLICE_PROGS - 1)
#define MAX_CYCLES 200

/* What is on now: a tc filter or a TCX link on the sender's ingress, or the
 * receive tracepoint's link. */
struct slice_hook {
	int ifindex;
	int link_fd; /* TCX or the tracepoint: the link (closing it detaches); else -1 */
	bool tc;     /* a tc filter of ours is attached */
	bool clsact; /* the qdisc is there (made once: making it again is an error
		      * the kernel reports at every slice) */
};

static int hook_tc(struct slice_hook *h, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1, .prog_fd = prog_fd);
	int r = h->clsact ? 0 : bpf_tc_hook_create(&hook);
	if (r < 0 && r != -EEXIST)
		return r;
	h->clsact = true;
	if ((r = bpf_tc_attach(&hook, &opts)) < 0)
		return r;
	h->tc = true;
	return 0;
}

static void hook_clear(struct slice_hook *h)
{
	if (h->tc) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
				    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
		bpf_tc_detach(&hook, &opts);
		h->tc = false;
	}
	if (h->link_fd >= 0) {
		close(h->link_fd);
		h->link_fd = -1;
	}
}

/* prog_fd where kind says, replacing what was there (-1: nothing). */
static int hook_set(struct slice_hook *h, int prog_fd, enum slice_hook_kind kind)
{
	hook_clear(h);
	if (prog_fd < 0)
		return 0;
	switch (kind) {
	case HOOK_TC:
		return hook_tc(h, prog_fd);
	case HOOK_TCX:
		h->link_fd = bpf_link_create(prog_fd, h->ifindex, VS_BPF_TCX_INGRESS, NULL);
		break;
	case HOOK_RX_TRACEPOINT:
		h->link_fd = bpf_raw_tracepoint_open("netif_receive_skb", prog_fd);
		break;
	}
	return h->link_fd < 0 ? -errno : 0;
}

static long long read_counter(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoll(buf);
}

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n) (sorted in place), by nearest rank. */
static double quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	int i = (int)(q * (n - 1) + 0.5);
	return v[i];
}

/* The packets the n keys counted in map fd (values: per-CPU, packets at
 * word packets_at of stride words). */
static unsigned long long counted(int fd, const __u64 *keys, int n, size_t stride,
				  size_t packets_at)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals = calloc((size_t)ncpus, stride * sizeof *vals);
	unsigned long long sum = 0;
	for (int i = 0; vals && i < n; i++)
		if (bpf_map_lookup_elem(fd, &keys[i], vals) == 0)
			for (int c = 0; c < ncpus; c++)
				sum += vals[(size_t)c * stride + packets_at];
	free(vals);
	return sum;
}

/* The minimal program counting the frames of the n MACs keys (map keys)
 * on ifindex's ingress until a signal. */
static int attach_minimal(int ifindex, const __u64 *keys, int n)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	struct minimal_bpf *skel = minimal_load(keys, n);
	if (!skel) {
		fprintf(stderr, "bpfrun: cannot load the minimal program (root?)\n");
		return 1;
	}
	struct slice_hook hook = { ifindex, -1, false, false };
	int r = hook_set(&hook, bpf_program__fd(skel->progs.minimal_count), HOOK_TC);
	if (r < 0) {
		fprintf(stderr, "bpfrun: attaching to interface %d: %s\n", ifindex, strerror(-r));
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	int sig;
	sigwait(&stop, &sig);
	printf("minimal counted %llu\n", counted(bpf_map__fd(skel->maps.minimal_macs), keys, n, 2, 1));
	hook_clear(&hook);
	minimal_bpf__destroy(skel);
	return 0;
}

static int slices_main(int ifindex, const char *to_ifname, int slice_ms, int cycles,
		       const __u64 *keys, int n)
{
	struct minimal_bpf *minimal = minimal_load(keys, n);
	struct count_bpf *count = count_load();
	if (!minimal || !count) {
		fprintf(stderr, "bpfrun: cannot load the programs (root?)\n");
		return 1;
	}
	/* The sender's port is a port of the network in slot 0 (count_load
	 * filled the loopback's, for test runs), the MACs its known vNICs. */
	__u32 port_ifindex = (__u32)ifindex;
	struct vsbpf_port port = { 0, 0 };
	struct vsbpf_port_entry entry = { 0, 0, 1 };
	if (bpf_map_update_elem(bpf_map__fd(count->maps.vs_ports), &port_ifindex, &port,
				BPF_ANY) < 0 ||
	    bpf_map_update_elem(bpf_map__fd(count->maps.vs_port_index), &port_ifindex, &entry,
				BPF_ANY) < 0 ||
	    place_keys(count, keys, n) < 0) {
		fprintf(stderr, "bpfrun: filling the maps: %s\n", strerror(errno));
		return 1;
	}
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/%s/statistics/tx_packets", to_ifname);
	if (read_counter(path) < 0) {
		fprintf(stderr, "bpfrun: cannot read %s\n", path);
		return 1;
	}
	const int prog_fd[SLICE_PROGS] = { -1, bpf_program__fd(minimal->progs.minimal_count),
					   bpf_program__fd(count->progs.vs_count),
					   bpf_program__fd(count->progs.vs_count),
					   bpf_program__fd(minimal->progs.minimal_count),
					   bpf_program__fd(minimal->progs.minimal_rx_hook) };
	struct slice_hook hook = { ifindex, -1, false, false };
	bool have_tcx = hook_set(&hook, prog_fd[SLICE_COUNT_TCX], HOOK_TCX) == 0;
	bool have_rx = prog_fd[SLICE_RX_TRACEPOINT] >= 0 &&
		       hook_set(&hook, prog_fd[SLICE_RX_TRACEPOINT], HOOK_RX_TRACEPOINT) == 0;
	hook_clear(&hook);
	bool run[SLICE_PROGS];
	for (int p = SLICE_MINIMAL; p < SLICE_PROGS; p++)
		run[p] = slice_hook_kind[p] == HOOK_TC ||
			 (slice_hook_kind[p] == HOOK_TCX ? have_tcx : have_rx);

	/* Each program between two bare slices: none, minimal, none, count,
	 * none[, count-tcx, none, minimal-tcx, none][, rx-tracepoint, none]. */
	enum slice_prog order[SLICES_PER_CYCLE];
	int per_cycle = 0;
	order[per_cycle++] = SLICE_NONE;
	for (int p = SLICE_MINIMAL; p < SLICE_PROGS; p++) {
		if (!run[p])
			continue;
		order[per_cycle++] = (enum slice_prog)p;
		order[per_cycle++] = SLICE_NONE;
	}
	static double ratio[SLICE_PROGS][MAX_CYCLES];
	double rate[SLICES_PER_CYCLE];
	printf("# bpfrun: slices of %d ms, %d cycles, on interface %d%s%s\n", slice_ms, cycles,
	       ifindex, have_tcx ? "" : " (this kernel has no TCX: the -tcx slices left out)",
	       have_rx ? "" : " (no BPF on tracepoints here: the rx-tracepoint slices left out)");
	for (int c = 0; c < cycles; c++) {
		for (int i = 0; i < per_cycle; i++) {
			enum slice_prog p = order[i];
			int r = hook_set(&hook, prog_fd[p], slice_hook_kind[p]);
			if (r < 0) {
				fprintf(stderr, "bpfrun: attaching %s: %s\n", slice_prog_name[p],
					strerror(-r));
				hook_clear(&hook);
				return 1;
			}
			sleep_ms(20);
			long long c0 = read_counter(path);
			double t0 = now_sec();
			sleep_ms(slice_ms);
			long long c1 = read_counter(path);
			rate[i] = (double)(c1 - c0) / (now_sec() - t0);
		}
		for (int i = 1; i < per_cycle; i += 2) {
			double bare = (rate[i - 1] + rate[i + 1]) / 2;
			ratio[order[i]][c] = bare > 0 ? rate[i] / bare : 0;
		}
		printf("# cycle %d:", c + 1);
		for (int i = 0; i < per_cycle; i++)
			printf(" %s %.0f", slice_prog_name[order[i]], rate[i]);
		printf(" frames/s\n");
	}
	hook_clear(&hook);
	for (int p = SLICE_MINIMAL; p < SLICE_PROGS; p++) {
		if (!run[p])
			continue;
		double q1 = quantile(ratio[p], cycles, 0.25), q3 = quantile(ratio[p], cycles, 0.75);
		printf("fslice %s ratio/none: %.3f\n", slice_prog_name[p],
		       quantile(ratio[p], cycles, 0.5));
		printf("fslice %s ratio/none quartiles: %.3f %.3f\n", slice_prog_name[p], q1, q3);
	}
	printf("fslice minimal counted: %llu\n",
	       counted(bpf_map__fd(minimal->maps.minimal_macs), keys, n, 2, 1));
	printf("fslice count counted: %llu\n", count_counted(count, keys, n));
	count_bpf__destroy(count);
	minimal_bpf__destroy(minimal);
	return 0;
}

int main(int argc, char **argv)
{
	int repeat = 1000000, rounds = 9, cpu = -1, attach = 0, slices = 0, opt;
	int slice_ms = 100, cycles = 100;
	const char *to_ifname = NULL;
	while ((opt = getopt(argc, argv, "r:n:c:a:t:w:s:k:")) != -1) {
		switch (opt) {
		case 'r': repeat = atoi(optarg); break;
		case 'n': rounds = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'a': attach = atoi(optarg); break;
		case 't': slices = atoi(optarg); break;
		case 'w': to_ifname = optarg; break;
		case 's': slice_ms = atoi(optarg); break;
		case 'k': cycles = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bpfrun [-r REPEAT] [-n ROUNDS] [-c CPU] | -a IFINDEX [MAC...]\n"
					"       | -t IFINDEX -w IFNAME [-s SLICE_MS] [-k CYCLES] [MAC...]\n");
			return 2;
		}
	}
	if (attach || slices) {
		__u64 keys[MAX_MACS];
		int n = mac_keys(argv + optind, argc - optind, keys);
		if (n < 0)
			return 2;
		if (attach)
			return attach_minimal(attach, keys, n);
		if (!to_ifname || slice_ms < 1 || cycles < 1 || cycles > MAX_CYCLES) {
			fprintf(stderr, "bpfrun: -t needs -w IFNAME, SLICE_MS >= 1, 1 <= CYCLES <= %d\n",
				MAX_CYCLES);
			return 2;
		}
		return slices_main(slices, to_ifname, slice_ms, cycles, keys, n);
	}
	if (repeat < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bpfrun: REPEAT >= 1, 1 <= ROUNDS <= %d\n", MAX_ROUNDS);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0) {
			fprintf(stderr, "bpfrun: CPU %d: %s\n", cpu, strerror(errno));
			return 2;
		}
	}
	struct count_bpf *count = count_load();
	const __u64 known[] = { vsbpf_mac_key(MAC_A, 0), vsbpf_mac_key(MAC_B, 0) };
	struct minimal_bpf *minimal = minimal_load(known, 2);
	if (!count || !minimal) {
		fprintf(stderr, "bpfrun: cannot load the programs (root?)\n");
		return 1;
	}
	int count_fd = bpf_program__fd(count->progs.vs_count);
	int minimal_fd = bpf_program__fd(minimal->progs.minimal_count);
	int empty_fd = bpf_program__fd(minimal->progs.minimal_empty);
	for (size_t i = 0; i < NCASES; i++)
		frame_fill(&cases[i]);

	char where[32] = "any CPU";
	if (cpu >= 0)
		snprintf(where, sizeof where, "CPU %d", cpu);
	printf("# bpfrun: %d runs per measurement, %d rounds, count, minimal, empty interleaved, "
	       "on %s\n", repeat, rounds, where);
	int status = 0;
	for (int r = 0; r < rounds && !status; r++) {
		for (size_t i = 0; i < NCASES && !status; i++) {
			struct bench_case *c = &cases[i];
			c->count_ns[r] = run_ns(count_fd, c->frame, repeat);
			c->minimal_ns[r] = run_ns(minimal_fd, c->frame, repeat);
			c->empty_ns[r] = run_ns(empty_fd, c->frame, repeat);
			status = c->count_ns[r] < 0 || c->minimal_ns[r] < 0 || c->empty_ns[r] < 0;
		}
	}
	for (size_t i = 0; i < NCASES && !status; i++) {
		struct bench_case *c = &cases[i];
		printf("# %s: count", c->name);
		for (int r = 0; r < rounds; r++)
			printf(" %d", c->count_ns[r]);
		printf(", minimal");
		for (int r = 0; r < rounds; r++)
			printf(" %d", c->minimal_ns[r]);
		printf(", empty");
		for (int r = 0; r < rounds; r++)
			printf(" %d", c->empty_ns[r]);
		printf(" (ns per run, by round)\n");
		double a = median(c->count_ns, rounds), b = median(c->minimal_ns, rounds);
		double z = median(c->empty_ns, rounds);
		printf("bpfprog %s count ns per run: %.1f ns\n", c->name, a);
		printf("bpfprog %s minimal ns per run: %.1f ns\n", c->name, b);
		printf("bpfprog %s empty ns per run: %.1f ns\n", c->name, z);
		printf("bpfprog %s ratio count/minimal: %.2f\n", c->name,
		       b > z ? (a - z) / (b - z) : 0);
	}
	count_bpf__destroy(count);
	minimal_bpf__destroy(minimal);
	return status;
}
