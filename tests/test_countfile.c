#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "countfile.h"
#include "inventory.h"
#include "runner.h"

#define T0 1700000000

static const char CONF_TEXT[] =
	"network lan0 br0\n"
	"network lan1 br1\n"
	"vm a\n"
	"vnic a 52:54:00:00:00:0a tap-a\n"
	"vm b\n"
	"vnic b 52:54:00:00:00:0b tap-b\n";

static const uint8_t MAC_A[MAC_LEN] = { 0x52, 0x54, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[MAC_LEN] = { 0x52, 0x54, 0, 0, 0, 0x0b };

static char dir[64], path[96];

static int counters_setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_counters.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/counters", dir);
	return 0;
}

static int counters_teardown(void)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static struct inventory *build(const char *text)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	CU_ASSERT_FATAL(conf_parse_buffer(conf, "t.conf", text, strlen(text), &err) == 0);
	struct inventory *inv = inventory_new(conf, 0);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	return inv;
}

/* a and b on lan0 (interfaces seen with ifindexes 10 and 11), traffic. */
static struct inventory *busy(const char *text)
{
	struct inventory *inv = build(text);
	struct inv_net *lan0 = inventory_net_by_name(inv, "lan0");
	struct inv_vnic *a = inventory_vnic_by_mac(inv, MAC_A), *b = inventory_vnic_by_mac(inv, MAC_B);
	inventory_vnic_attach(a, lan0);
	inventory_vnic_attach(b, lan0);
	a->host_ifindex = 10;
	b->host_ifindex = 11;
	for (int i = 0; i < 100; i++)
		acct_count_frame(&lan0->acct, &a->acct, &b->acct, false, 1000, T0);
	acct_count_frame(&lan0->acct, &b->acct, NULL, true, 60, T0);   /* b broadcasts */
	acct_count_frame(&lan0->acct, NULL, NULL, true, 342, T0);      /* the host too */
	acct_count_malformed(&lan0->acct, 8, T0);
	acct_count_drops(&lan0->acct, 5);
	return inv;
}

/* A fresh inventory that has seen the same interfaces. */
static struct inventory *fresh(const char *text, int ifindex_a, int ifindex_b)
{
	struct inventory *inv = build(text);
	struct inv_net *lan0 = inventory_net_by_name(inv, "lan0");
	struct inv_vnic *a = inventory_vnic_by_mac(inv, MAC_A), *b = inventory_vnic_by_mac(inv, MAC_B);
	if (lan0) {
		inventory_vnic_attach(a, lan0);
		inventory_vnic_attach(b, lan0);
	}
	a->host_ifindex = ifindex_a;
	b->host_ifindex = ifindex_b;
	return inv;
}

static void test_counters_round_trip(void)
{
	struct inventory *old = busy(CONF_TEXT);
	CU_ASSERT_FATAL(countfile_save(old, path) == 0);
	struct inventory *inv = fresh(CONF_TEXT, 10, 11);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_load(inv, path, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	const struct inv_net *lan0 = inventory_net_by_name(inv, "lan0");
	CU_ASSERT_EQUAL(acct_net_carried(&lan0->acct).bytes, 100 * 1000 + 60 + 342 + 8);
	CU_ASSERT_EQUAL(acct_net_carried(&lan0->acct).packets, 103);
	CU_ASSERT_EQUAL(acct_net_malformed(&lan0->acct), 1);
	CU_ASSERT_EQUAL(acct_net_drops(&lan0->acct), 5);
	const struct inv_vnic *a = inventory_vnic_by_mac(inv, MAC_A), *b = inventory_vnic_by_mac(inv, MAC_B);
	CU_ASSERT_EQUAL(acct_port_sent(&a->acct).bytes, 100000);
	CU_ASSERT_EQUAL(acct_port_received(&a->acct).bytes, 60 + 342);
	CU_ASSERT_EQUAL(acct_port_received(&b->acct).bytes, 100000 + 342);
	CU_ASSERT_EQUAL(acct_port_received(&b->acct).packets, 101);
	/* And it goes on counting from there, broadcasts included. */
	acct_count_frame(&inventory_net_by_name(inv, "lan0")->acct, NULL, NULL, true, 100, T0);
	CU_ASSERT_EQUAL(acct_port_received(&a->acct).bytes, 60 + 342 + 100);
	CU_ASSERT_EQUAL(acct_port_received(&b->acct).bytes, 100000 + 342 + 100);
	inventory_free(old);
	inventory_free(inv);
}

static void test_counters_vm_restarted_meanwhile(void)
{
	struct inventory *old = busy(CONF_TEXT);
	CU_ASSERT_FATAL(countfile_save(old, path) == 0);
	/* b's interface came back with another ifindex: b restarted. */
	struct inventory *inv = fresh(CONF_TEXT, 10, 99);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_load(inv, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL(acct_port_sent(&inventory_vnic_by_mac(inv, MAC_A)->acct).bytes, 100000);
	CU_ASSERT_EQUAL(acct_port_sent(&inventory_vnic_by_mac(inv, MAC_B)->acct).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_received(&inventory_vnic_by_mac(inv, MAC_B)->acct).bytes, 0);
	inventory_free(old);
	inventory_free(inv);
}

static void test_counters_vm_started_meanwhile(void)
{
	/* b was off at the save (its interface absent), a running. */
	struct inventory *old = busy(CONF_TEXT);
	inventory_vnic_by_mac(old, MAC_B)->host_ifindex = 0;
	CU_ASSERT_FATAL(countfile_save(old, path) == 0);
	/* b started while vsacctd was away; a stopped. */
	struct inventory *inv = fresh(CONF_TEXT, 0, 12);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_load(inv, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL(acct_port_sent(&inventory_vnic_by_mac(inv, MAC_A)->acct).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_sent(&inventory_vnic_by_mac(inv, MAC_B)->acct).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_received(&inventory_vnic_by_mac(inv, MAC_B)->acct).bytes, 0);
	/* Still off, and still off at the next start: its counters stay. */
	CU_ASSERT_FATAL(countfile_save(old, path) == 0);
	inventory_free(inv);
	inv = fresh(CONF_TEXT, 10, 0);
	CU_ASSERT_EQUAL(countfile_load(inv, path, err, sizeof err), 0);
	CU_ASSERT_EQUAL(acct_port_sent(&inventory_vnic_by_mac(inv, MAC_B)->acct).bytes, 60);
	inventory_free(old);
	inventory_free(inv);
}

static void test_counters_network_gone(void)
{
	struct inventory *old = busy(CONF_TEXT);
	CU_ASSERT_FATAL(countfile_save(old, path) == 0);
	static const char without_lan0[] =
		"network lan1 br1\nvm a\nvnic a 52:54:00:00:00:0a tap-a\nvm b\nvnic b 52:54:00:00:00:0b tap-b\n";
	struct inventory *inv = fresh(without_lan0, 10, 11);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_load(inv, path, err, sizeof err), 0);
	const struct inv_vnic *a = inventory_vnic_by_mac(inv, MAC_A);
	/* What lan0 gave it stays; it sits on no network now. */
	CU_ASSERT_EQUAL(acct_port_received(&a->acct).bytes, 60 + 342);
	CU_ASSERT_PTR_NULL(a->net);
	CU_ASSERT_EQUAL(acct_port_sent(&a->acct).bytes, 100000);
	inventory_free(old);
	inventory_free(inv);
}

static void test_counters_missing_file(void)
{
	struct inventory *inv = fresh(CONF_TEXT, 10, 11);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_load(inv, "/nonexistent/counters", err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	inventory_free(inv);
}

static void expect_refused(const char *text, size_t len, const char *why)
{
	struct inventory *inv = fresh(CONF_TEXT, 10, 11);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_restore(inv, text, len, err, sizeof err), -1);
	if (!strstr(err, why))
		fprintf(stderr, "\nerror \"%s\" lacks \"%s\"\n", err, why);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, why));
	/* Nothing restored from a file that does not parse whole. */
	CU_ASSERT_EQUAL(acct_net_carried(&inventory_net_by_name(inv, "lan0")->acct).bytes, 0);
	CU_ASSERT_EQUAL(acct_port_sent(&inventory_vnic_by_mac(inv, MAC_A)->acct).bytes, 0);
	inventory_free(inv);
}

static void test_counters_corrupt(void)
{
	static const char good_net[] = "net lan0 br0 100 1 0 0 0 0\n";
	static const char good_vnic[] = "vnic a 52:54:00:00:00:0a 10 100 1 0 0 0 0 0 0 0 0 lan0\n";
	char text[2048];
	expect_refused("", 0, "1: empty");
	expect_refused("vsacct-counters 2\n", 18, "1: not a vsacct counters file");
	snprintf(text, sizeof text, "vsacct-counters 1\n%s%sbogus\n", good_net, good_vnic);
	expect_refused(text, strlen(text), "4: not a net or vnic entry");
	snprintf(text, sizeof text, "vsacct-counters 1\n%snet lan0 br0 1 2 3\n", good_vnic);
	expect_refused(text, strlen(text), "3: not a net or vnic entry");
	snprintf(text, sizeof text, "vsacct-counters 1\nnet lan0 br0 1x 1 0 0 0 0\n");
	expect_refused(text, strlen(text), "2: bad number");
	snprintf(text, sizeof text, "vsacct-counters 1\nnet lan0 br0 -1 1 0 0 0 0\n");
	expect_refused(text, strlen(text), "2: bad number");
	snprintf(text, sizeof text, "vsacct-counters 1\nnet lan0 br0 99999999999999999999 1 0 0 0 0\n");
	expect_refused(text, strlen(text), "2: bad number");
	snprintf(text, sizeof text, "vsacct-counters 1\nvnic a 52:54:00:00:00:zz 10 1 1 0 0 0 0 0 0 0 0 lan0\n");
	expect_refused(text, strlen(text), "2: bad VM name or MAC");
	snprintf(text, sizeof text, "vsacct-counters 1\nvnic a 52:54:00:00:00:0a -3 1 1 0 0 0 0 0 0 0 0 lan0\n");
	expect_refused(text, strlen(text), "2: bad ifindex");
	/* Truncated in the middle of a line. */
	snprintf(text, sizeof text, "vsacct-counters 1\n%s%s", good_net, good_vnic);
	expect_refused(text, strlen(text) - 20, "3: ");
	/* A NUL byte. */
	snprintf(text, sizeof text, "vsacct-counters 1\n%s", good_net);
	text[25] = '\0';
	expect_refused(text, strlen(good_net) + 18, "2: NUL byte");
	/* A line too long. */
	memset(text, 'x', sizeof text);
	memcpy(text, "vsacct-counters 1\n", 18);
	expect_refused(text, sizeof text, "2: line too long");
}

static void test_counters_unreadable(void)
{
	struct inventory *inv = fresh(CONF_TEXT, 10, 11);
	char err[256] = "";
	CU_ASSERT_EQUAL(countfile_load(inv, dir, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, dir));
	inventory_free(inv);
}

static CU_TestInfo counters_tests[] = {
	{ "save then restore", test_counters_round_trip },
	{ "a VM restarted meanwhile starts at 0", test_counters_vm_restarted_meanwhile },
	{ "a VM started or stopped meanwhile starts at 0", test_counters_vm_started_meanwhile },
	{ "a network gone keeps what it gave", test_counters_network_gone },
	{ "a missing file restores nothing, no error", test_counters_missing_file },
	{ "a corrupt file restores nothing", test_counters_corrupt },
	{ "an unreadable file is an error", test_counters_unreadable },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "counters", counters_setup, counters_teardown, NULL, NULL, counters_tests },
	CU_SUITE_INFO_NULL,
};
