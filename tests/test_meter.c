/*
 * Unit tests of src/meter.c's port rule without root: a network of two
 * macvtap vNICs seen through one capture each, synthetic frames shown to
 * every capture that would see them (guest to guest at both, group frames
 * from outside at both), each counted once for the network and credited to
 * the right vNICs; and the group frames counted by whichever capture the
 * caller names.
 */
#include <stdio.h>
#include <string.h>

#include "meter.h"
#include "runner.h"

#define TS 1700000000

static const char MAC_A[] = "52:54:00:00:0a:01";
static const char MAC_B[] = "52:54:00:00:0b:01";
static const char MAC_OUT[] = "02:00:00:00:00:99";
static const char MAC_ALL[] = "ff:ff:ff:ff:ff:ff";

static void vnic_of(struct domain_record *d, const char *name, const char *mac, const char *dev)
{
	*d = (struct domain_record){ .state = DOMAIN_RUNNING, .nvnics = 1 };
	snprintf(d->name, sizeof d->name, "%s", name);
	CU_ASSERT_FATAL(mac_parse(mac, d->vnics[0].mac) == 0);
	snprintf(d->vnics[0].ifname, sizeof d->vnics[0].ifname, "%s", dev);
	snprintf(d->vnics[0].lower, sizeof d->vnics[0].lower, "eth9");
}

struct lab {
	struct conf *conf;
	struct inventory *inv;
	struct inv_net *net;
	struct inv_vnic *a, *b;
};

static struct lab lab_new(void)
{
	static struct domain_record da, db;
	vnic_of(&da, "a", MAC_A, "macvtap0");
	vnic_of(&db, "b", MAC_B, "macvtap1");
	const struct domain_record *doms[] = { &da, &db };
	struct lab l = { .conf = conf_new() };
	CU_ASSERT_PTR_NOT_NULL_FATAL(l.conf);
	struct inventory_source src = { l.conf, doms, 2, NULL };
	l.inv = inventory_build(&src, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l.inv);
	l.net = inventory_net_by_bridge(l.inv, "eth9");
	l.a = inventory_vnic_by_ifname(l.inv, "macvtap0");
	l.b = inventory_vnic_by_ifname(l.inv, "macvtap1");
	CU_ASSERT_FATAL(l.net && l.net->by_port && l.a && l.b);
	/* As lifecycle places them once their devices exist. */
	inventory_vnic_attach(l.a, l.net);
	inventory_vnic_attach(l.b, l.net);
	return l;
}

static void lab_free(struct lab *l)
{
	inventory_free(l->inv);
	conf_free(l->conf);
}

/* A frame from src to dst of len bytes (only the header is captured),
 * shown to the capture of vnic; group_at: the vNIC whose capture counts
 * group frames. */
static void seen_at(struct lab *l, struct inv_vnic *vnic, struct inv_vnic *group_at,
		    const char *src, const char *dst, uint32_t len)
{
	uint8_t frame[14] = { 0 };
	CU_ASSERT_FATAL(mac_parse(dst, frame) == 0 && mac_parse(src, frame + 6) == 0);
	frame[12] = 0x08;
	meter_port_frame(l->inv, l->net, vnic, vnic == group_at, TS, frame, sizeof frame, len);
}

/* Shown to both captures, as a frame between the guests or a group frame
 * from outside is. */
static void seen_at_both(struct lab *l, struct inv_vnic *group_at, const char *src,
			 const char *dst, uint32_t len)
{
	seen_at(l, l->a, group_at, src, dst, len);
	seen_at(l, l->b, group_at, src, dst, len);
}

static void test_meter_port_counts_each_frame_once(void)
{
	struct lab l = lab_new();
	seen_at_both(&l, l.a, MAC_A, MAC_B, 100);    /* a → b */
	seen_at_both(&l, l.a, MAC_B, MAC_ALL, 60);   /* b's broadcast */
	seen_at(&l, l.a, l.a, MAC_OUT, MAC_A, 200);  /* outside → a */
	seen_at_both(&l, l.a, MAC_OUT, MAC_ALL, 80); /* outside's broadcast */
	seen_at(&l, l.a, l.a, MAC_A, MAC_OUT, 300);  /* a → outside */
	seen_at(&l, l.b, l.a, MAC_OUT, MAC_B, 40);   /* outside → b */
	struct acct_counts net = acct_net_carried(&l.net->acct);
	CU_ASSERT_EQUAL(net.bytes, 100 + 60 + 200 + 80 + 300 + 40);
	CU_ASSERT_EQUAL(net.packets, 6);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 100 + 300);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).packets, 2);
	CU_ASSERT_EQUAL(acct_port_received(&l.a->acct).bytes, 60 + 200 + 80);
	CU_ASSERT_EQUAL(acct_port_received(&l.a->acct).packets, 3);
	CU_ASSERT_EQUAL(acct_port_sent(&l.b->acct).bytes, 60);
	CU_ASSERT_EQUAL(acct_port_received(&l.b->acct).bytes, 100 + 80 + 40);
	CU_ASSERT_EQUAL(acct_port_received(&l.b->acct).packets, 3);
	lab_free(&l);
}

static void test_meter_port_group_counted_where_told(void)
{
	struct lab l = lab_new();
	/* b's capture counts group frames now (a's guest stopped, say). */
	seen_at_both(&l, l.b, MAC_OUT, MAC_ALL, 80);
	seen_at(&l, l.b, l.b, MAC_OUT, "01:00:5e:00:00:01", 90); /* multicast */
	/* Nobody's capture counts them: not counted. */
	seen_at_both(&l, NULL, MAC_OUT, MAC_ALL, 70);
	CU_ASSERT_EQUAL(acct_net_carried(&l.net->acct).bytes, 80 + 90);
	CU_ASSERT_EQUAL(acct_port_received(&l.a->acct).bytes, 80 + 90);
	CU_ASSERT_EQUAL(acct_port_received(&l.b->acct).bytes, 80 + 90);
	/* A guest's own group frame is counted at its capture whoever counts
	 * the outside's. */
	seen_at_both(&l, NULL, MAC_A, MAC_ALL, 50);
	CU_ASSERT_EQUAL(acct_net_carried(&l.net->acct).bytes, 80 + 90 + 50);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 50);
	CU_ASSERT_EQUAL(acct_port_received(&l.b->acct).bytes, 80 + 90 + 50);
	CU_ASSERT_EQUAL(acct_port_received(&l.a->acct).bytes, 80 + 90);
	lab_free(&l);
}

static void test_meter_port_short_frame(void)
{
	struct lab l = lab_new();
	uint8_t runt[6] = { 0 };
	meter_port_frame(l.inv, l.net, l.a, true, TS, runt, sizeof runt, sizeof runt);
	CU_ASSERT_EQUAL(acct_net_malformed(&l.net->acct), 1);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).packets, 0);
	lab_free(&l);
}

static CU_TestInfo meter_tests[] = {
	{ "port captures count each frame once", test_meter_port_counts_each_frame_once },
	{ "group frames from outside counted at the named capture",
	  test_meter_port_group_counted_where_told },
	{ "a frame too short at a port capture", test_meter_port_short_frame },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "meter", NULL, NULL, NULL, NULL, meter_tests },
	CU_SUITE_INFO_NULL,
};
