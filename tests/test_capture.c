#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "inventory.h"
#include "meter.h"
#include "pcapfile.h"
#include "runner.h"

#define T0 1700000000

static const uint8_t MAC_A[MAC_LEN] = { 0x52, 0x54, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[MAC_LEN] = { 0x52, 0x54, 0, 0, 0, 0x0b };
static const uint8_t MAC_X[MAC_LEN] = { 0x02, 0xde, 0xad, 0, 0, 0x01 }; /* nobody's */
static const uint8_t BCAST[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static char path[64];

static int capture_setup(void)
{
	snprintf(path, sizeof path, "/tmp/vsacct-test-%ld.pcap", (long)getpid());
	return 0;
}

static int capture_teardown(void)
{
	unlink(path);
	return 0;
}

static struct test_frame frame(int64_t sec, const uint8_t *dst, const uint8_t *src,
			       uint32_t caplen, uint32_t len)
{
	struct test_frame f = { .ts_sec = sec, .caplen = caplen, .len = len };
	memcpy(f.dst, dst, MAC_LEN);
	memcpy(f.src, src, MAC_LEN);
	return f;
}

/* Records what the capture hands over. */
struct seen {
	int n;
	int64_t ts[16];
	uint32_t caplen[16], len[16];
	uint8_t first[16];
};

static void record(void *ctx, int64_t ts_usec, const uint8_t *bytes, uint32_t caplen, uint32_t len)
{
	struct seen *s = ctx;
	if (s->n < 16) {
		s->ts[s->n] = ts_usec;
		s->caplen[s->n] = caplen;
		s->len[s->n] = len;
		s->first[s->n] = caplen ? bytes[0] : 0;
	}
	s->n++;
}

static int read_all(struct capture *cap)
{
	int total = 0, n;
	while (capture_status(cap) == CAPTURE_OPEN && (n = capture_read(cap)) >= 0)
		total += n;
	return total;
}

static void test_capture_file_delivers_frames(void)
{
	struct test_frame frames[] = {
		frame(T0, MAC_B, MAC_A, 100, 100),
		frame(T0 + 1, BCAST, MAC_A, 42, 42),
		frame(T0 + 2, MAC_A, MAC_B, 18, 1514),
	};
	CU_ASSERT_FATAL(pcapfile_write(path, DLT_EN10MB, frames, 3) == 0);
	struct seen s = { 0 };
	char err[256] = "";
	struct capture *cap = capture_new_file(path, record, &s, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
	CU_ASSERT_STRING_EQUAL(capture_name(cap), path);
	CU_ASSERT_EQUAL(read_all(cap), 3);
	CU_ASSERT_EQUAL(capture_status(cap), CAPTURE_EOF);
	CU_ASSERT_EQUAL(s.n, 3);
	/* To the microsecond (pcapfile puts frame i 1000 * i µs into its second). */
	CU_ASSERT_EQUAL(s.ts[0], T0 * INT64_C(1000000));
	CU_ASSERT_EQUAL(s.ts[2], (T0 + 2) * INT64_C(1000000) + 2000);
	CU_ASSERT_EQUAL(s.len[1], 42);
	CU_ASSERT_EQUAL(s.caplen[2], 18);
	CU_ASSERT_EQUAL(s.len[2], 1514);
	CU_ASSERT_EQUAL(s.first[0], MAC_B[0]);
	CU_ASSERT_EQUAL(s.first[1], 0xff);
	/* Files have no descriptor to poll and no drops. */
	CU_ASSERT_EQUAL(capture_fd(cap), -1);
	CU_ASSERT_EQUAL(capture_take_drops(cap), 0);
	capture_free(cap);
}

/* A cut at a whole second: the frames before it reach one capture's sink,
 * those from it on the other's, each frame exactly one (a method switch). */
static void test_capture_window_splits_at_a_second(void)
{
	struct test_frame frames[] = {
		frame(T0 - 1, MAC_B, MAC_A, 60, 60),
		frame(T0 - 1, MAC_B, MAC_A, 61, 61), /* .001: late in no second */
		frame(T0, MAC_B, MAC_A, 62, 62),
		frame(T0, MAC_B, MAC_A, 63, 63),
		frame(T0 + 1, MAC_B, MAC_A, 64, 64),
	};
	CU_ASSERT_FATAL(pcapfile_write(path, DLT_EN10MB, frames, 5) == 0);
	struct seen before = { 0 }, after = { 0 }, within = { 0 };
	char err[256] = "";
	struct capture *old = capture_new_file(path, record, &before, err, sizeof err);
	struct capture *next = capture_new_file(path, record, &after, err, sizeof err);
	struct capture *one = capture_new_file(path, record, &within, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	capture_set_window(old, (struct count_window){ 0, T0 });
	capture_set_window(next, (struct count_window){ T0, 0 });
	capture_set_window(one, (struct count_window){ T0, T0 + 1 });
	read_all(old);
	read_all(next);
	read_all(one);
	CU_ASSERT_EQUAL(before.n, 2);
	CU_ASSERT_EQUAL(before.len[1], 61);
	CU_ASSERT_EQUAL(after.n, 3);
	CU_ASSERT_EQUAL(after.ts[0] / 1000000, T0);
	CU_ASSERT_EQUAL(after.len[0], 62);
	CU_ASSERT_EQUAL(after.len[2], 64);
	CU_ASSERT_EQUAL(within.n, 2);
	CU_ASSERT_EQUAL(within.len[1], 63);
	capture_free(old);
	capture_free(next);
	capture_free(one);
}

static struct inventory *lab_inventory(void)
{
	static const char text[] =
		"network lan0 br0\n"
		"network lan1 br1\n"
		"vm a\n"
		"vnic a 52:54:00:00:00:0a\n"
		"vm b\n"
		"vnic b 52:54:00:00:00:0b\n";
	struct conf *conf = conf_new();
	struct conf_error err;
	CU_ASSERT_FATAL(conf_parse_buffer(conf, "t.conf", text, sizeof text - 1, &err) == 0);
	struct inventory *inv = inventory_new(conf, 0);
	conf_free(conf);
	return inv;
}

struct meter_ctx {
	struct inventory *inv;
	struct inv_net *net;
};

static void meter_sink(void *ctx, int64_t ts_usec, const uint8_t *bytes, uint32_t caplen, uint32_t len)
{
	struct meter_ctx *m = ctx;
	meter_frame(m->inv, m->net, ts_usec, bytes, caplen, len);
}

static void test_capture_file_through_meter(void)
{
	struct test_frame frames[] = {
		frame(T0, MAC_B, MAC_A, 100, 100),      /* a → b */
		frame(T0, MAC_B, MAC_A, 18, 1514),      /* a → b, truncated capture */
		frame(T0, MAC_A, MAC_B, 60, 60),        /* b → a */
		frame(T0 + 1, BCAST, MAC_A, 42, 42),    /* a → all */
		frame(T0 + 1, MAC_A, MAC_X, 80, 80),    /* stranger → a */
		frame(T0 + 1, MAC_X, MAC_X, 90, 90),    /* stranger → stranger */
		frame(T0 + 2, MAC_A, MAC_B, 10, 10),    /* too short to attribute */
		frame(T0 + 3, MAC_A, MAC_B, 11, 1000),  /* captured too little */
	};
	CU_ASSERT_FATAL(pcapfile_write(path, DLT_EN10MB, frames, 8) == 0);
	struct inventory *inv = lab_inventory();
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	struct meter_ctx m = { inv, inventory_net(inv, 1) }; /* seen on br1 */
	char err[256];
	struct capture *cap = capture_new_file(path, meter_sink, &m, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
	CU_ASSERT_EQUAL(read_all(cap), 8);
	capture_free(cap);

	struct inv_vnic *a = inventory_vnic_by_mac(inv, MAC_A);
	struct inv_vnic *b = inventory_vnic_by_mac(inv, MAC_B);
	CU_ASSERT_EQUAL(acct_port_sent(&a->acct).bytes, 100 + 1514 + 42);
	CU_ASSERT_EQUAL(acct_port_sent(&a->acct).packets, 3);
	CU_ASSERT_EQUAL(acct_port_received(&a->acct).bytes, 60 + 80);
	CU_ASSERT_EQUAL(acct_port_sent(&b->acct).bytes, 60);
	CU_ASSERT_EQUAL(acct_port_received(&b->acct).bytes, 100 + 1514 + 42);
	CU_ASSERT_EQUAL(acct_port_received(&b->acct).packets, 3);
	/* With no host interface named, a vNIC sits where it was seen. */
	CU_ASSERT_PTR_EQUAL(a->net, m.net);
	CU_ASSERT_PTR_EQUAL(b->net, m.net);

	const struct acct_net *n = &m.net->acct;
	CU_ASSERT_EQUAL(n->carried.packets, 8);
	CU_ASSERT_EQUAL(n->carried.bytes, 100 + 1514 + 60 + 42 + 80 + 90 + 10 + 1000);
	CU_ASSERT_EQUAL(n->malformed, 2);
	CU_ASSERT_EQUAL(acct_net_carried(&inventory_net(inv, 0)->acct).packets, 0);
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(n, h, &end);
	CU_ASSERT_EQUAL(end, T0 + 3);
	CU_ASSERT_EQUAL(h[0], 10);
	CU_ASSERT_EQUAL(h[1], 42 + 80 + 90);
	CU_ASSERT_EQUAL(h[2], 100 + 1514 + 60);
	inventory_free(inv);
}

static void test_capture_file_not_ethernet(void)
{
	struct test_frame f = frame(T0, MAC_A, MAC_B, 40, 40);
	CU_ASSERT_FATAL(pcapfile_write(path, DLT_RAW, &f, 1) == 0);
	struct seen s = { 0 };
	char err[256] = "";
	CU_ASSERT_PTR_NULL(capture_new_file(path, record, &s, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not Ethernet"));
}

static void test_capture_file_missing(void)
{
	struct seen s = { 0 };
	char err[256] = "";
	CU_ASSERT_PTR_NULL(capture_new_file("/nonexistent/x.pcap", record, &s, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
}

static void test_capture_file_truncated(void)
{
	struct test_frame frames[] = {
		frame(T0, MAC_B, MAC_A, 100, 100),
		frame(T0, MAC_B, MAC_A, 100, 100),
	};
	CU_ASSERT_FATAL(pcapfile_write(path, DLT_EN10MB, frames, 2) == 0);
	/* Cut the second record in half. */
	CU_ASSERT_FATAL(truncate(path, 24 + 16 + 100 + 16 + 50) == 0);
	struct seen s = { 0 };
	char err[256];
	struct capture *cap = capture_new_file(path, record, &s, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
	read_all(cap);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(capture_status(cap), CAPTURE_FAILED);
	capture_free(cap);
}

static void test_capture_live_missing_bridge(void)
{
	struct seen s = { 0 };
	struct capture *cap = capture_new_live("vsa-nonexist0", 1 << 20, record, &s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
	CU_ASSERT_EQUAL(capture_status(cap), CAPTURE_DOWN);
	capture_maintain(cap, 1);
	/* Missing (as root) or refused (unprivileged): never open, nothing to
	 * poll, nothing read, nothing dropped. */
	CU_ASSERT_NOT_EQUAL(capture_status(cap), CAPTURE_OPEN);
	CU_ASSERT_EQUAL(capture_fd(cap), -1);
	CU_ASSERT_EQUAL(capture_read(cap), 0);
	CU_ASSERT_EQUAL(capture_take_drops(cap), 0);
	capture_free(cap);
}

static CU_TestInfo capture_tests[] = {
	{ "file delivers frames", test_capture_file_delivers_frames },
	{ "a window splits at a second", test_capture_window_splits_at_a_second },
	{ "file through meter", test_capture_file_through_meter },
	{ "file not Ethernet", test_capture_file_not_ethernet },
	{ "file missing", test_capture_file_missing },
	{ "file truncated", test_capture_file_truncated },
	{ "live missing bridge", test_capture_live_missing_bridge },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "capture", capture_setup, capture_teardown, NULL, NULL, capture_tests },
	CU_SUITE_INFO_NULL,
};
