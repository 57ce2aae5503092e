/*
 * Unit tests of src/capset.c without root: captures of bridges that do not
 * exist (they stay down and are retried), handles kept across a rebind by
 * bridge name, capture losses reported at most once a quiet period, and a
 * network of macvtap vNICs captured on each vNIC's device.
 */
#include <stdio.h>
#include <string.h>

#include "capset.h"
#include "runner.h"

#define SEC 1000000LL

static int losses;
static char lost_net[64];

static void on_loss(void *ctx, const struct inv_net *net)
{
	losses++;
	snprintf(lost_net, sizeof lost_net, "%s", net->name);
}

static struct inventory *inventory_of(const char *text)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	CU_ASSERT_FATAL(conf_parse_buffer(conf, "c.conf", text, strlen(text), &err) == 0);
	struct inventory *inv = inventory_new(conf, 0);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	return inv;
}

static void test_capset_missing_bridges_are_down(void)
{
	struct capset *cs = capset_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
	struct inventory *inv = inventory_of("network lan0 vs-nobr0\nnetwork lan1 vs-nobr1\n");
	CU_ASSERT_EQUAL_FATAL(capset_bind(cs, inv, 1u << 20), 0);
	CU_ASSERT(capset_fd(cs) >= 0);
	capset_tick(cs, 1 * SEC);
	for (size_t i = 0; i < inventory_net_count(inv); i++)
		CU_ASSERT_EQUAL(inventory_net(inv, i)->capture_state, NET_DOWN);
	/* Nothing is readable; reading and draining change nothing. */
	capset_read_ready(cs);
	capset_drain(cs);
	struct hostif_info gone = { .exists = false };
	capset_link(cs, "vs-nobr0", &gone, 1 * SEC + 1);
	capset_tick(cs, 3 * SEC);
	CU_ASSERT_EQUAL(inventory_net(inv, 0)->capture_state, NET_DOWN);
	capset_free(cs);
	inventory_free(inv);
}

static void test_capset_losses_reported_once_a_period(void)
{
	struct capset *cs = capset_new();
	struct inventory *inv = inventory_of("network lan0 vs-nobr0\n");
	CU_ASSERT_EQUAL_FATAL(capset_bind(cs, inv, 1u << 20), 0);
	capset_on_loss(cs, on_loss, NULL);
	losses = 0;
	struct inv_net *lan0 = inventory_net(inv, 0);
	capset_tick(cs, 1 * SEC);
	CU_ASSERT_EQUAL(losses, 0);
	acct_count_drops(&lan0->acct, 3);
	capset_tick(cs, 2 * SEC);
	CU_ASSERT_EQUAL(losses, 1);
	CU_ASSERT_STRING_EQUAL(lost_net, "lan0");
	/* More within the quiet period: told later, once. */
	acct_count_drops(&lan0->acct, 2);
	capset_tick(cs, 3 * SEC);
	capset_tick(cs, 2 * SEC + CAPSET_LOSS_QUIET_USEC - 1);
	CU_ASSERT_EQUAL(losses, 1);
	capset_tick(cs, 2 * SEC + CAPSET_LOSS_QUIET_USEC);
	CU_ASSERT_EQUAL(losses, 2);
	/* No new loss: nothing to tell. */
	capset_tick(cs, 4 * SEC + 2 * CAPSET_LOSS_QUIET_USEC);
	CU_ASSERT_EQUAL(losses, 2);
	capset_free(cs);
	inventory_free(inv);
}

static void test_capset_rebind_keeps_what_it_told(void)
{
	struct capset *cs = capset_new();
	struct inventory *inv = inventory_of("network lan0 vs-nobr0\n");
	CU_ASSERT_EQUAL_FATAL(capset_bind(cs, inv, 1u << 20), 0);
	capset_on_loss(cs, on_loss, NULL);
	losses = 0;
	acct_count_drops(&inventory_net(inv, 0)->acct, 3);
	capset_tick(cs, 1 * SEC);
	CU_ASSERT_EQUAL(losses, 1);
	/* A rebuilt inventory (the same network and a new one) adopting the
	 * old one's counters: the loss already told is not told again. */
	struct inventory *next = inventory_of("network lan0 vs-nobr0\nnetwork lan1 vs-nobr1\n");
	inventory_adopt(next, inv, 2 * SEC);
	CU_ASSERT_EQUAL_FATAL(capset_bind(cs, next, 1u << 20), 0);
	inventory_free(inv);
	capset_tick(cs, 1 * SEC + CAPSET_LOSS_QUIET_USEC);
	CU_ASSERT_EQUAL(losses, 1);
	CU_ASSERT_EQUAL(inventory_net(next, 1)->capture_state, NET_DOWN);
	capset_free(cs);
	inventory_free(next);
}

/* Two macvtap vNICs on one lower device: no capture on the device, one
 * per vNIC device; missing devices leave the network down; their drops
 * are told once for the network. */
static void test_capset_macvtap_network_by_port(void)
{
	struct domain_record d[2];
	const char *devs[] = { "vs-nomvt0", "vs-nomvt1" };
	for (int i = 0; i < 2; i++) {
		d[i] = (struct domain_record){ .state = DOMAIN_RUNNING, .nvnics = 1 };
		snprintf(d[i].name, sizeof d[i].name, "g%d", i);
		mac_parse(i ? "52:54:00:00:00:02" : "52:54:00:00:00:01", d[i].vnics[0].mac);
		snprintf(d[i].vnics[0].ifname, sizeof d[i].vnics[0].ifname, "%s", devs[i]);
		snprintf(d[i].vnics[0].lower, sizeof d[i].vnics[0].lower, "vs-nolow0");
	}
	const struct domain_record *doms[] = { &d[0], &d[1] };
	struct conf *conf = conf_new();
	struct inventory_source src = { conf, doms, 2, NULL };
	struct inventory *inv = inventory_build(&src, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	struct capset *cs = capset_new();
	CU_ASSERT_EQUAL_FATAL(capset_bind(cs, inv, 1u << 20), 0);
	capset_on_loss(cs, on_loss, NULL);
	losses = 0;
	struct inv_net *net = inventory_net_by_bridge(inv, "vs-nolow0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	capset_tick(cs, 1 * SEC);
	CU_ASSERT_EQUAL(net->capture_state, NET_DOWN);
	struct hostif_info gone = { .exists = false };
	capset_link(cs, "vs-nomvt1", &gone, 1 * SEC + 1);
	CU_ASSERT_EQUAL(net->capture_state, NET_DOWN);
	acct_count_drops(&net->acct, 4);
	capset_tick(cs, 2 * SEC);
	CU_ASSERT_EQUAL(losses, 1);
	CU_ASSERT_STRING_EQUAL(lost_net, "vs-nolow0");
	capset_free(cs);
	inventory_free(inv);
	conf_free(conf);
}

static CU_TestInfo capset_tests[] = {
	{ "bridges that do not exist are down, retried", test_capset_missing_bridges_are_down },
	{ "capture losses reported at most once a period", test_capset_losses_reported_once_a_period },
	{ "a rebind keeps the captures and what was told", test_capset_rebind_keeps_what_it_told },
	{ "a macvtap network is captured by port", test_capset_macvtap_network_by_port },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "capset", NULL, NULL, NULL, NULL, capset_tests },
	CU_SUITE_INFO_NULL,
};
