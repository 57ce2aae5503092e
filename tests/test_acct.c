#include <string.h>

#include "acct.h"
#include "runner.h"

#define T0 1700000000 /* any second will do; one far from 0 */
#define USEC 1000000LL

static struct acct_net net, other;

static int acct_setup(void)
{
	acct_net_init(&net);
	acct_net_init(&other);
	return 0;
}

static void test_acct_totals(void)
{
	acct_setup();
	acct_count_frame(&net, NULL, NULL, false, 60, T0);
	acct_count_frame(&net, NULL, NULL, true, 1514, T0);
	acct_count_malformed(&net, 5, T0);
	CU_ASSERT_EQUAL(net.carried.bytes, 60 + 1514 + 5);
	CU_ASSERT_EQUAL(net.carried.packets, 3);
	CU_ASSERT_EQUAL(net.group.bytes, 1514);
	CU_ASSERT_EQUAL(net.group.packets, 1);
	CU_ASSERT_EQUAL(net.malformed, 1);
	acct_count_drops(&net, 7);
	acct_count_drops(&net, 3);
	CU_ASSERT_EQUAL(net.capture_drops, 10);
}

static void test_acct_frames_land_in_their_second(void)
{
	acct_setup();
	acct_count_frame(&net, NULL, NULL, false, 100, T0);
	acct_count_frame(&net, NULL, NULL, false, 200, T0 + 1);
	acct_count_frame(&net, NULL, NULL, false, 300, T0 + 1);
	acct_count_frame(&net, NULL, NULL, false, 400, T0 + 3);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&net, h, &end);
	/* T0+3 is still being collected: never shown. */
	CU_ASSERT_EQUAL(end, T0 + 3);
	CU_ASSERT_EQUAL(h[0], 0);   /* T0+2: idle */
	CU_ASSERT_EQUAL(h[1], 500); /* T0+1 */
	CU_ASSERT_EQUAL(h[2], 100); /* T0 */
	for (int i = 3; i < ACCT_HISTORY_SECONDS; i++)
		CU_ASSERT_EQUAL(h[i], 0);
	CU_ASSERT_EQUAL(acct_net_rate(&net), 0);
}

static void test_acct_tick_closes_idle_seconds(void)
{
	acct_setup();
	acct_count_frame(&net, NULL, NULL, false, 1000, T0);
	/* Within the grace after T0 ended, T0 stays open... */
	acct_net_tick(&net, (T0 + 1) * USEC + ACCT_CLOSE_GRACE_USEC - 1);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0);
	/* ...and is closed once the grace has passed. */
	acct_net_tick(&net, (T0 + 1) * USEC + ACCT_CLOSE_GRACE_USEC);
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 1);
	CU_ASSERT_EQUAL(h[0], 1000);
	CU_ASSERT_EQUAL(acct_net_rate(&net), 1000);
	/* Five idle seconds later the frame sits in column 6, zeros before. */
	acct_net_tick(&net, (T0 + 6) * USEC + ACCT_CLOSE_GRACE_USEC);
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 6);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(h[i], 0);
	CU_ASSERT_EQUAL(h[5], 1000);
	CU_ASSERT_EQUAL(acct_net_rate(&net), 0);
}

static void test_acct_ring_rollover(void)
{
	acct_setup();
	/* 130 seconds of traffic: second T0+s carries s+1 bytes. */
	for (int s = 0; s < 130; s++)
		acct_count_frame(&net, NULL, NULL, false, (uint32_t)s + 1, T0 + s);
	acct_net_tick(&net, (T0 + 130) * USEC + ACCT_CLOSE_GRACE_USEC);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 130);
	/* Column N = second T0+130-N, which carried 130-N+1 bytes. */
	for (int n = 1; n <= ACCT_HISTORY_SECONDS; n++)
		CU_ASSERT_EQUAL(h[n - 1], (uint64_t)(130 - n + 1));
	CU_ASSERT_EQUAL(net.carried.packets, 130);
}

static void test_acct_long_gap_clears_history(void)
{
	acct_setup();
	acct_count_frame(&net, NULL, NULL, false, 777, T0);
	acct_count_frame(&net, NULL, NULL, false, 5, T0 + 1000);
	acct_net_tick(&net, (T0 + 1001) * USEC + ACCT_CLOSE_GRACE_USEC);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(h[0], 5);
	for (int i = 1; i < ACCT_HISTORY_SECONDS; i++)
		CU_ASSERT_EQUAL(h[i], 0);
	CU_ASSERT_EQUAL(net.carried.bytes, 782);
}

static void test_acct_clock_step_back(void)
{
	acct_setup();
	acct_count_frame(&net, NULL, NULL, false, 10, T0 + 100);
	acct_count_frame(&net, NULL, NULL, false, 20, T0 + 101);
	/* The clock jumps back an hour: a frame stamped then is added to
	 * the second being collected, not to a second long gone. */
	acct_count_frame(&net, NULL, NULL, false, 40, T0 + 101 - 3600);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 101);
	CU_ASSERT_EQUAL(h[0], 10);
	/* The timer sees the step: history kept, collection relabelled. */
	acct_net_tick(&net, (T0 + 101 - 3600) * USEC + 500000);
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 101 - 3600);
	CU_ASSERT_EQUAL(h[0], 10);
	/* Time then runs on from the new reading. */
	acct_count_frame(&net, NULL, NULL, false, 80, T0 + 102 - 3600);
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 102 - 3600);
	CU_ASSERT_EQUAL(h[0], 20 + 40);
	CU_ASSERT_EQUAL(h[1], 10);
	CU_ASSERT_EQUAL(net.carried.bytes, 150);
}

static void test_acct_64bit_sums(void)
{
	acct_setup();
	struct acct_port a;
	acct_port_init(&a);
	acct_port_attach(&a, &net);
	/* 3 million jumbo frames: well past 2^32 bytes. */
	for (int i = 0; i < 3000000; i++)
		acct_count_frame(&net, &a, NULL, false, 9018, T0 + i / 1000000);
	CU_ASSERT_EQUAL(acct_port_sent(&a).bytes, 3000000ull * 9018);
	CU_ASSERT(acct_port_sent(&a).bytes > UINT32_MAX);
	CU_ASSERT_EQUAL(net.carried.bytes, 3000000ull * 9018);
	/* One second's worth is beyond 32 bits too. */
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_tick(&net, (T0 + 3) * USEC + ACCT_CLOSE_GRACE_USEC);
	acct_net_history(&net, h, &end);
	CU_ASSERT_EQUAL(h[0], 1000000ull * 9018);
}

static void test_acct_unicast_sent_received(void)
{
	acct_setup();
	struct acct_port a, b;
	acct_port_init(&a);
	acct_port_init(&b);
	acct_port_attach(&a, &net);
	acct_port_attach(&b, &net);
	acct_count_frame(&net, &a, &b, false, 100, T0);
	acct_count_frame(&net, &a, &b, false, 100, T0);
	acct_count_frame(&net, &b, &a, false, 60, T0);
	/* To a MAC nobody owns, from a MAC nobody owns. */
	acct_count_frame(&net, &a, NULL, false, 70, T0);
	acct_count_frame(&net, NULL, &b, false, 80, T0);
	CU_ASSERT_EQUAL(acct_port_sent(&a).bytes, 270);
	CU_ASSERT_EQUAL(acct_port_sent(&a).packets, 3);
	CU_ASSERT_EQUAL(acct_port_received(&a).bytes, 60);
	CU_ASSERT_EQUAL(acct_port_received(&a).packets, 1);
	CU_ASSERT_EQUAL(acct_port_sent(&b).bytes, 60);
	CU_ASSERT_EQUAL(acct_port_received(&b).bytes, 280);
	CU_ASSERT_EQUAL(acct_port_received(&b).packets, 3);
	CU_ASSERT_EQUAL(net.carried.bytes, 410);
}

static void test_acct_broadcast_received_by_all_but_sender(void)
{
	acct_setup();
	struct acct_port a, b, c, elsewhere;
	struct acct_port *ports[] = { &a, &b, &c };
	for (int i = 0; i < 3; i++) {
		acct_port_init(ports[i]);
		acct_port_attach(ports[i], &net);
	}
	acct_port_init(&elsewhere);
	acct_port_attach(&elsewhere, &other);

	acct_count_frame(&net, &a, NULL, true, 42, T0);   /* ARP from a */
	acct_count_frame(&net, &b, NULL, true, 100, T0);  /* multicast from b */
	acct_count_frame(&net, NULL, NULL, true, 300, T0); /* from the host */
	CU_ASSERT_EQUAL(acct_port_received(&a).bytes, 400);
	CU_ASSERT_EQUAL(acct_port_received(&a).packets, 2);
	CU_ASSERT_EQUAL(acct_port_received(&b).bytes, 342);
	CU_ASSERT_EQUAL(acct_port_received(&c).bytes, 442);
	CU_ASSERT_EQUAL(acct_port_received(&c).packets, 3);
	CU_ASSERT_EQUAL(acct_port_sent(&a).bytes, 42);
	/* Another network's broadcasts are not received here. */
	CU_ASSERT_EQUAL(acct_port_received(&elsewhere).bytes, 0);
	/* A port sending a broadcast on a network it is not on (its frames
	 * seen on another bridge) receives that network's group frames not. */
	acct_count_frame(&other, &a, NULL, true, 64, T0);
	CU_ASSERT_EQUAL(acct_port_received(&a).bytes, 400);
	CU_ASSERT_EQUAL(acct_port_received(&elsewhere).bytes, 64);
	CU_ASSERT_EQUAL(acct_port_sent(&a).bytes, 106);
}

static void test_acct_port_joining_late_gets_no_past_broadcasts(void)
{
	acct_setup();
	struct acct_port late;
	acct_port_init(&late);
	acct_count_frame(&net, NULL, NULL, true, 500, T0);
	acct_port_attach(&late, &net);
	CU_ASSERT_EQUAL(acct_port_received(&late).bytes, 0);
	acct_count_frame(&net, NULL, NULL, true, 60, T0);
	CU_ASSERT_EQUAL(acct_port_received(&late).bytes, 60);
}

static void test_acct_port_moves_network(void)
{
	acct_setup();
	struct acct_port p;
	acct_port_init(&p);
	acct_port_attach(&p, &net);
	acct_count_frame(&net, NULL, NULL, true, 100, T0);
	acct_count_frame(&net, &p, NULL, true, 10, T0);
	acct_port_attach(&p, &other);
	/* What it received on the old network stays; the old network's later
	 * broadcasts do not reach it, the new one's do. */
	acct_count_frame(&net, NULL, NULL, true, 1000, T0);
	acct_count_frame(&other, NULL, NULL, true, 7, T0);
	acct_count_frame(&other, &p, NULL, true, 3, T0);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 107);
	CU_ASSERT_EQUAL(acct_port_received(&p).packets, 2);
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 13);
	/* Detached: keeps its total, receives nothing more. */
	acct_port_attach(&p, NULL);
	acct_count_frame(&other, NULL, NULL, true, 9, T0);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 107);
}

static void test_acct_port_reset(void)
{
	acct_setup();
	struct acct_port p, q;
	acct_port_init(&p);
	acct_port_init(&q);
	acct_port_attach(&p, &net);
	acct_port_attach(&q, &net);
	acct_count_frame(&net, &q, &p, false, 100, T0);
	acct_count_frame(&net, NULL, NULL, true, 50, T0);
	acct_count_frame(&net, &p, NULL, true, 20, T0);
	acct_port_reset(&p);
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_sent(&p).packets, 0);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_received(&p).packets, 0);
	/* Counting starts again from there, on the same network. */
	acct_count_frame(&net, NULL, NULL, true, 5, T0);
	acct_count_frame(&net, &p, NULL, true, 6, T0);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 5);
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 6);
	/* The network and the other port are untouched. */
	CU_ASSERT_EQUAL(net.carried.bytes, 181);
	CU_ASSERT_EQUAL(acct_port_received(&q).bytes, 50 + 20 + 5 + 6);
}

/* The monotonic second of wall-clock second sec in the held tests. */
#define MONO(sec) ((int64_t)(sec) - T0 + 100)

static void test_acct_held_hand_over(void)
{
	acct_setup();
	static struct acct_vm_history hist;
	struct acct_vm vm;
	struct acct_port p, q;
	struct acct_held held = { 0 };
	memset(&hist, 0, sizeof hist);
	acct_vm_init(&vm, &hist);
	acct_port_init(&p);
	acct_port_init(&q);
	acct_port_attach(&p, &net);
	acct_port_attach(&q, &net);
	acct_port_set_vm(&p, &vm);
	acct_port_set_held(&p, &held);
	/* p's VM is down: what it sends is held, long before and just before
	 * its power-up at T0 + 10; what is sent to it is counted as ever. */
	acct_count_frame_held(&net, &p, &q, false, 1000, T0, MONO(T0));
	acct_count_frame_held(&net, &p, &q, false, 400, T0 + 8, MONO(T0 + 8));
	acct_count_frame_held(&net, &p, NULL, true, 60, T0 + 9, MONO(T0 + 9));
	acct_count_frame(&net, &q, &p, false, 300, T0 + 9);
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 300);
	/* The network and q see every frame. */
	CU_ASSERT_EQUAL(net.carried.bytes, 1760);
	CU_ASSERT_EQUAL(net.group.bytes, 60);
	CU_ASSERT_EQUAL(net.received.bytes, 0); /* all from its own vNICs */
	CU_ASSERT_EQUAL(acct_port_received(&q).bytes, 1000 + 400 + 60);
	CU_ASSERT_EQUAL(acct_port_sent(&q).bytes, 300);

	acct_port_reset(&p);
	acct_vm_restart(&vm, false, MONO(T0 + 10) * USEC);
	acct_port_hand_over(&p, MONO(T0 + 10) - ACCT_HELD_SECONDS);
	/* The window's seconds only; nothing received: the frame to it was
	 * its old life's, its own broadcast is no share of its. */
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 460);
	CU_ASSERT_EQUAL(acct_port_sent(&p).packets, 2);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_received(&p).packets, 0);
	acct_count_frame(&net, &q, NULL, true, 70, T0 + 10);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 70);
	/* With their seconds, in its VM's history. */
	uint64_t out[ACCT_HISTORY_SECONDS], own[ACCT_HISTORY_SECONDS];
	acct_vm_seconds(&vm, ACCT_VM_BYTES_SENT, T0 + 10, 0, out, own);
	CU_ASSERT_EQUAL(out[0], 60);
	CU_ASSERT_EQUAL(own[0], 60);
	CU_ASSERT_EQUAL(out[1], 400);
	CU_ASSERT_EQUAL(out[9], 0);
	/* Handed over once. */
	acct_port_hand_over(&p, 0);
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 460);
}

static void test_acct_held_slots(void)
{
	acct_setup();
	struct acct_port p, q;
	struct acct_held held = { 0 }, moved = { 0 };
	acct_port_init(&p);
	acct_port_attach(&p, &net);
	acct_port_set_held(&p, &held);
	/* T0 and T0 + ACCT_HELD_SECONDS + 1 share a slot: the newer second
	 * takes it, and an older one that comes after (a clock stepped back)
	 * is not held. */
	acct_count_frame_held(&net, &p, NULL, false, 10, T0, MONO(T0));
	acct_count_frame_held(&net, &p, NULL, false, 20, T0 + ACCT_HELD_SECONDS + 1,
			      MONO(T0 + ACCT_HELD_SECONDS + 1));
	acct_count_frame_held(&net, &p, NULL, false, 40, T0, MONO(T0));
	acct_count_frame_held(&net, &p, NULL, false, 80, T0 + 1, MONO(T0 + 1));
	/* A rebuilt inventory's vNIC carries on with its own block. */
	acct_port_init(&q);
	acct_port_set_held(&q, &moved);
	acct_port_carry(&q, &p, &net);
	CU_ASSERT_PTR_EQUAL(q.held, &moved);
	acct_port_hand_over(&q, 0);
	CU_ASSERT_EQUAL(acct_port_sent(&q).bytes, 100);
	CU_ASSERT_EQUAL(net.carried.bytes, 150);
	/* Without a block, a vNIC holds nothing; the network counts. */
	acct_port_init(&q);
	acct_port_attach(&q, &net);
	acct_count_frame_held(&net, &q, NULL, false, 5, T0 + 2, MONO(T0 + 2));
	acct_port_hand_over(&q, 0);
	CU_ASSERT_EQUAL(acct_port_sent(&q).bytes, 0);
	CU_ASSERT_EQUAL(net.carried.bytes, 155);
}

static void test_acct_held_bulk(void)
{
	acct_setup();
	struct acct_port p;
	acct_port_init(&p);
	acct_port_attach(&p, &net);
	/* Bulk counting: the network counted p's held broadcast before the
	 * power-up's reset; handed over after it, p's share does not move. */
	struct acct_counts one = { 80, 1 }, none = { 0, 0 };
	acct_net_add_totals(&net, one, one, none, 0);
	acct_port_reset(&p);
	acct_port_add_held(&p, one, one);
	CU_ASSERT_EQUAL(acct_port_sent(&p).bytes, 80);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_received(&p).packets, 0);
	acct_net_add_totals(&net, one, one, one, 0);
	CU_ASSERT_EQUAL(acct_port_received(&p).bytes, 80);
}

#define MANY 10000

static void test_acct_many_vms(void)
{
	acct_setup();
	static struct acct_port ports[MANY];
	for (int i = 0; i < MANY; i++) {
		acct_port_init(&ports[i]);
		acct_port_attach(&ports[i], &net);
	}
	/* Every port sends one unicast frame to its neighbour and one
	 * broadcast; sizes differ per port so mix-ups show. */
	for (int i = 0; i < MANY; i++) {
		acct_count_frame(&net, &ports[i], &ports[(i + 1) % MANY], false, 64 + (uint32_t)i, T0);
		acct_count_frame(&net, &ports[i], NULL, true, 60, T0);
	}
	uint64_t all_broadcast = 60ull * MANY;
	int wrong = 0;
	for (int i = 0; i < MANY; i++) {
		int from = (i + MANY - 1) % MANY;
		if (acct_port_sent(&ports[i]).bytes != 64u + (uint64_t)i + 60 ||
		    acct_port_sent(&ports[i]).packets != 2 ||
		    acct_port_received(&ports[i]).bytes != 64u + (uint64_t)from + all_broadcast - 60 ||
		    acct_port_received(&ports[i]).packets != 1 + MANY - 1)
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(net.carried.packets, 2 * MANY);
}


/* Received: every frame not sent by a vNIC sitting on the network. */
static void test_acct_received_is_from_outside(void)
{
	struct acct_net n, far;
	struct acct_port p, away;
	acct_net_init(&n);
	acct_net_init(&far);
	acct_port_init(&p);
	acct_port_init(&away);
	acct_port_attach(&p, &n);
	acct_port_attach(&away, &far);
	acct_count_frame(&n, &p, NULL, false, 100, T0);   /* its own VM: not received */
	acct_count_frame(&n, NULL, &p, false, 200, T0);   /* from the uplink */
	acct_count_frame(&n, &away, NULL, true, 300, T0);  /* a VM of another network */
	acct_count_malformed(&n, 10, T0);                  /* no source at all */
	CU_ASSERT_EQUAL(acct_net_carried(&n).bytes, 610);
	CU_ASSERT_EQUAL(acct_net_received(&n).bytes, 510);
	CU_ASSERT_EQUAL(acct_net_received(&n).packets, 3);
	acct_net_tick(&n, (T0 + 1) * USEC + ACCT_CLOSE_GRACE_USEC + 1);
	CU_ASSERT_EQUAL(acct_net_series_rate(&n, ACCT_BYTES_SENT), 610);
	CU_ASSERT_EQUAL(acct_net_series_rate(&n, ACCT_PACKETS_SENT), 4);
	CU_ASSERT_EQUAL(acct_net_series_rate(&n, ACCT_BYTES_RECEIVED), 510);
	CU_ASSERT_EQUAL(acct_net_series_rate(&n, ACCT_PACKETS_RECEIVED), 3);
	CU_ASSERT_EQUAL(acct_net_rate(&n), 610);
}

/* Kernel drops read just after a second began wait for it: the second
 * before stays open for its late frames (its grace), which land in it. */
static void test_acct_kernel_drops_keep_grace(void)
{
	struct acct_net n;
	acct_net_init(&n);
	acct_count_frame(&n, NULL, NULL, false, 100, T0);
	acct_count_kernel_drops(&n, 3, (T0 + 1) * USEC + 50000);
	acct_count_frame(&n, NULL, NULL, false, 200, T0); /* 150 ms late */
	acct_count_frame(&n, NULL, NULL, false, 400, T0 + 1);
	acct_net_tick(&n, (T0 + 2) * USEC + ACCT_CLOSE_GRACE_USEC + 1);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_series_history(&n, ACCT_BYTES_SENT, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 2);
	CU_ASSERT_EQUAL(h[1], 300);
	CU_ASSERT_EQUAL(h[0], 400);
	acct_net_series_history(&n, ACCT_PACKETS_DROPPED, h, &end);
	CU_ASSERT_EQUAL(h[1], 0);
	CU_ASSERT_EQUAL(h[0], 3);
}

/* Kernel drops go to the second they were read in, packets only. */
static void test_acct_kernel_drops_series(void)
{
	struct acct_net n;
	acct_net_init(&n);
	acct_count_kernel_drops(&n, 7, T0 * USEC + 50000);
	acct_count_kernel_drops(&n, 0, (T0 + 1) * USEC + 50000);
	acct_count_kernel_drops(&n, 5, (T0 + 2) * USEC + 50000);
	acct_net_tick(&n, (T0 + 3) * USEC + ACCT_CLOSE_GRACE_USEC + 1);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_series_history(&n, ACCT_PACKETS_DROPPED, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 3);
	CU_ASSERT_EQUAL(h[0], 5);
	CU_ASSERT_EQUAL(h[1], 0);
	CU_ASSERT_EQUAL(h[2], 7);
	CU_ASSERT_EQUAL(acct_net_dropped(&n).packets, 12);
	CU_ASSERT_EQUAL(acct_net_dropped(&n).bytes, 0);
	acct_net_series_history(&n, ACCT_BYTES_DROPPED, h, &end);
	CU_ASSERT_EQUAL(h[0] + h[1] + h[2], 0);
}

/* A VM's history: bytes sent and received per second as its totals count
 * them (group frames from others included, its own excluded). */
static void test_acct_vm_history(void)
{
	struct acct_net n;
	struct acct_port a, b;
	struct acct_vm va, vb;
	static struct acct_vm_history ha, hb;
	acct_net_init(&n);
	acct_port_init(&a);
	acct_port_init(&b);
	acct_vm_init(&va, &ha);
	acct_vm_init(&vb, &hb);
	acct_port_set_vm(&a, &va);
	acct_port_set_vm(&b, &vb);
	acct_port_attach(&a, &n);
	acct_port_attach(&b, &n);
	acct_count_frame(&n, &a, &b, false, 100, T0);
	acct_count_frame(&n, &a, NULL, true, 60, T0);
	acct_count_frame(&n, NULL, NULL, true, 70, T0 + 2);
	acct_count_frame(&n, &b, &a, false, 1000, T0 + 2);
	uint64_t out[ACCT_HISTORY_SECONDS], own[ACCT_HISTORY_SECONDS], group[ACCT_HISTORY_SECONDS];
	int64_t end = T0 + 3;
	acct_vm_seconds(&va, ACCT_VM_BYTES_SENT, end, 0, out, NULL);
	CU_ASSERT_EQUAL(out[2], 160);
	CU_ASSERT_EQUAL(out[0], 0);
	/* a's received: unicast 1000 at T0+2; group: 70 at T0+2 (its own 60
	 * at T0 is not). */
	acct_vm_seconds(&va, ACCT_VM_BYTES_RECEIVED, end, 0, out, own);
	acct_net_group_seconds(&n, end, group);
	CU_ASSERT_EQUAL(out[0] + group[0] - own[0], 1070);
	CU_ASSERT_EQUAL(out[2] + group[2] - own[2], 0);
	/* b's: 100 unicast and a's 60 broadcast at T0, 70 at T0+2. */
	acct_vm_seconds(&vb, ACCT_VM_BYTES_RECEIVED, end, 0, out, own);
	CU_ASSERT_EQUAL(out[2] + group[2] - own[2], 160);
	CU_ASSERT_EQUAL(out[0] + group[0] - own[0], 70);
	/* Before since_sec: nothing. */
	acct_vm_seconds(&vb, ACCT_VM_BYTES_SENT, end, T0 + 3, out, NULL);
	CU_ASSERT_EQUAL(out[0], 0);
	/* A VM without a history block counts its totals only. */
	struct acct_vm none;
	acct_vm_init(&none, NULL);
	acct_vm_seconds(&none, ACCT_VM_BYTES_SENT, end, 0, out, NULL);
	CU_ASSERT_EQUAL(out[0], 0);
}

/* CPU and disks: utilization of the host's capacity, totals since the
 * power-up, a new process's totals from 0. */
static void test_acct_vm_usage(void)
{
	struct acct_vm vm;
	static struct acct_vm_history h;
	acct_vm_init(&vm, &h);
	unsigned pct;
	CU_ASSERT_FALSE(acct_vm_has_usage(&vm));
	struct acct_usage u = { 5000000000u, 1000, 2000, 10, 20, false };
	acct_vm_sample(&vm, &u, 2, T0 * USEC + 50000);
	CU_ASSERT_TRUE(acct_vm_has_usage(&vm));
	CU_ASSERT_FALSE(acct_vm_cpu_percent(&vm, &pct)); /* one reading: no rate */
	u.cpu_time += 1000000000u; /* one CPU of two, for the whole second */
	u.rd_bytes += 4096;
	acct_vm_sample(&vm, &u, 2, (T0 + 1) * USEC + 50000);
	acct_vm_sample(&vm, &u, 2, (T0 + 1) * USEC + 50000); /* the same reading */
	CU_ASSERT_TRUE(acct_vm_cpu_percent(&vm, &pct));
	CU_ASSERT_EQUAL(pct, 50);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).cpu_time, 6000000000u);
	uint64_t out[ACCT_HISTORY_SECONDS];
	acct_vm_seconds(&vm, ACCT_VM_CPU, T0 + 2, 0, out, NULL);
	CU_ASSERT_EQUAL(out[1], 50); /* the middle of T0+0.05 … T0+1.05 */
	CU_ASSERT_EQUAL(out[0], 0);
	/* A reset: the same process goes on, its totals from now. */
	acct_vm_restart(&vm, true, 1);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).cpu_time, 0);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).rd_bytes, 0);
	u.cpu_time += 500000000u;
	u.wr_bytes += 512;
	acct_vm_sample(&vm, &u, 2, (T0 + 2) * USEC + 50000);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).cpu_time, 500000000u);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).wr_bytes, 512);
	acct_vm_seconds(&vm, ACCT_VM_CPU, T0 + 2, 0, out, NULL);
	CU_ASSERT_EQUAL(out[1], 0); /* the history restarted */
	/* A new process (its totals went back): from 0, no rate across. */
	struct acct_usage fresh = { 300000000u, 100, 0, 1, 0, false };
	acct_vm_sample(&vm, &fresh, 2, (T0 + 3) * USEC + 50000);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).cpu_time, 300000000u);
	CU_ASSERT_EQUAL(acct_vm_usage(&vm).rd_bytes, 100);
	/* Over 100% (more vCPUs than the host's count says): capped. */
	fresh.cpu_time += 5000000000u;
	acct_vm_sample(&vm, &fresh, 2, (T0 + 4) * USEC + 50000);
	CU_ASSERT_TRUE(acct_vm_cpu_percent(&vm, &pct));
	CU_ASSERT_EQUAL(pct, 100);
}

static CU_TestInfo acct_tests[] = {
	{ "network totals, group and malformed", test_acct_totals },
	{ "frames land in their second", test_acct_frames_land_in_their_second },
	{ "tick closes idle seconds after the grace", test_acct_tick_closes_idle_seconds },
	{ "ring rollover", test_acct_ring_rollover },
	{ "long gap clears history", test_acct_long_gap_clears_history },
	{ "clock step back", test_acct_clock_step_back },
	{ "64-bit sums", test_acct_64bit_sums },
	{ "unicast sent and received", test_acct_unicast_sent_received },
	{ "broadcast received by all but sender", test_acct_broadcast_received_by_all_but_sender },
	{ "late joiner gets no past broadcasts", test_acct_port_joining_late_gets_no_past_broadcasts },
	{ "port moves network", test_acct_port_moves_network },
	{ "port reset", test_acct_port_reset },
	{ "held frames: the window handed over", test_acct_held_hand_over },
	{ "held frames: one second a slot", test_acct_held_slots },
	{ "held frames: bulk counting", test_acct_held_bulk },
	{ "10,000 ports", test_acct_many_vms },
	{ "received is from outside", test_acct_received_is_from_outside },
	{ "kernel drops series", test_acct_kernel_drops_series },
	{ "kernel drops keep the grace", test_acct_kernel_drops_keep_grace },
	{ "VM history", test_acct_vm_history },
	{ "VM usage", test_acct_vm_usage },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "acct", NULL, NULL, NULL, NULL, acct_tests },
	CU_SUITE_INFO_NULL,
};
