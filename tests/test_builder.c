/*
 * Unit tests of src/builder.c: the inventory built from a configuration and
 * hand-made domain records, with a fake view of host interfaces; rebuilds
 * adopting counters, power-ups from records, state changes reported only
 * once started, a rebuild the readers refuse changing nothing, macvtap
 * vNICs placed on their lower device's network, and what building refused
 * said once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "builder.h"
#include "log.h"
#include "runner.h"

#define T0 1000000
#define T1 2000000
#define T2 3000000

static const char CONF_TEXT[] =
	"network lan0 br0\n"
	"vm web\n"
	"vnic web 52:54:00:00:00:01 tap-web\n";

/* The host as the fake lookup shows it: one interface at most. */
static struct hostif_info host;
static char host_ifname[16];
static int rebinds, refuse_rebind;
static struct inventory *bound;
static char changes[8][64];
static int nchanges;

static void fake_lookup(void *ctx, const char *ifname, struct hostif_info *info)
{
	if (*ifname && !strcmp(ifname, host_ifname))
		*info = host;
	else
		*info = (struct hostif_info){ .exists = false };
}

static int fake_rebind(void *ctx, struct inventory *inv)
{
	if (refuse_rebind)
		return -1;
	rebinds++;
	bound = inv;
	return 0;
}

static void fake_vm_state(void *ctx, const struct inv_vm *vm)
{
	if (nchanges < 8)
		snprintf(changes[nchanges++], sizeof changes[0], "%s %s", vm->name,
			 inventory_vm_state_name(vm->state));
}

static struct conf *conf_of(const char *text)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	CU_ASSERT_FATAL(conf && conf_parse_buffer(conf, "b.conf", text, strlen(text), &err) == 0);
	return conf;
}

static struct domain_record record(const char *name, enum domain_state state, uint32_t runs)
{
	struct domain_record rec = { .state = state, .runs = runs, .nvnics = 1 };
	snprintf(rec.name, sizeof rec.name, "%s", name);
	mac_parse("52:54:00:00:00:0d", rec.vnics[0].mac);
	snprintf(rec.vnics[0].ifname, sizeof rec.vnics[0].ifname, "vnet0");
	snprintf(rec.vnics[0].bridge, sizeof rec.vnics[0].bridge, "virbr0");
	return rec;
}

struct fixture {
	struct builder *b;
	struct conf *conf;
	struct indexes *indexes;
};

static struct fixture setup(void)
{
	memset(&host, 0, sizeof host);
	host_ifname[0] = '\0';
	rebinds = refuse_rebind = nchanges = 0;
	bound = NULL;
	struct builder_hooks hooks = { fake_lookup, fake_rebind, fake_vm_state, NULL };
	struct fixture f = { builder_new(&hooks), conf_of(CONF_TEXT), indexes_new() };
	CU_ASSERT_FATAL(f.b && f.indexes);
	return f;
}

static void teardown(struct fixture *f)
{
	builder_free(f->b);
	conf_free(f->conf);
	indexes_free(f->indexes);
}

static int rebuild(struct fixture *f, const struct domain_record *recs, size_t n, int64_t now)
{
	const struct domain_record *list[4];
	for (size_t i = 0; i < n; i++)
		list[i] = &recs[i];
	return builder_rebuild(f->b, f->conf, list, n, f->indexes, now);
}

static void test_builder_first_build(void)
{
	struct fixture f = setup();
	CU_ASSERT_PTR_NULL(builder_inventory(f.b));
	struct domain_record rec = record("dom", DOMAIN_RUNNING, 0);
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, &rec, 1, T0), 0);
	struct inventory *inv = builder_inventory(f.b);
	CU_ASSERT_PTR_EQUAL(inv, bound);
	CU_ASSERT_EQUAL(rebinds, 1);
	CU_ASSERT_EQUAL(builder_generation(f.b), 1);
	/* The configured network, and one for the domain's bridge. */
	CU_ASSERT_EQUAL(inventory_net_count(inv), 2);
	CU_ASSERT_PTR_NOT_NULL(inventory_net_by_bridge(inv, "virbr0"));
	/* web's interface is absent: off; the domain runs as its record says. */
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "web")->state, VM_OFF);
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "dom")->state, VM_RUNNING);
	/* Not started yet: nothing is news. */
	CU_ASSERT_EQUAL(nchanges, 0);
	teardown(&f);
}

static void test_builder_observe_reports_once_started(void)
{
	struct fixture f = setup();
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, NULL, 0, T0), 0);
	builder_started(f.b);
	struct inv_vm *web = inventory_vm_by_name(builder_inventory(f.b), "web");
	snprintf(host_ifname, sizeof host_ifname, "tap-web");
	host = (struct hostif_info){ .exists = true, .up = true, .ifindex = 7 };
	builder_observe(f.b, "tap-web", T1);
	CU_ASSERT_EQUAL(web->state, VM_RUNNING);
	CU_ASSERT_EQUAL(web->discontinuity_usec, T1);
	CU_ASSERT_EQUAL_FATAL(nchanges, 1);
	CU_ASSERT_STRING_EQUAL(changes[0], "web running");
	/* The same again: no news. An interface of no VM: nothing. */
	builder_observe(f.b, "tap-web", T2);
	builder_observe(f.b, "eth0", T2);
	CU_ASSERT_EQUAL(nchanges, 1);
	teardown(&f);
}

static void test_builder_rebuild_adopts_and_follows_records(void)
{
	struct fixture f = setup();
	struct domain_record rec = record("dom", DOMAIN_RUNNING, 4);
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, &rec, 1, T0), 0);
	builder_started(f.b);
	struct inv_vm *dom = inventory_vm_by_name(builder_inventory(f.b), "dom");
	struct inv_net *virbr0 = inventory_net_by_bridge(builder_inventory(f.b), "virbr0");
	acct_count_frame(&virbr0->acct, &dom->vnics[0].acct, NULL, false, 100, 1);
	uint32_t index = dom->index;

	/* Paused: a state change, the counters kept. */
	rec.state = DOMAIN_PAUSED;
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, &rec, 1, T1), 0);
	CU_ASSERT_EQUAL(builder_generation(f.b), 2);
	dom = inventory_vm_by_name(builder_inventory(f.b), "dom");
	CU_ASSERT_EQUAL(dom->index, index);
	CU_ASSERT_EQUAL(dom->state, VM_PAUSED);
	CU_ASSERT_EQUAL(acct_port_sent(&dom->vnics[0].acct).bytes, 100);
	CU_ASSERT_EQUAL(dom->discontinuity_usec, T0);
	CU_ASSERT_EQUAL(nchanges, 1);

	/* Reset: running, its power-up count moved: counters restart once. */
	rec.state = DOMAIN_RUNNING;
	rec.runs = 5;
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, &rec, 1, T2), 0);
	dom = inventory_vm_by_name(builder_inventory(f.b), "dom");
	CU_ASSERT_EQUAL(acct_port_sent(&dom->vnics[0].acct).bytes, 0);
	CU_ASSERT_EQUAL(dom->discontinuity_usec, T2);
	CU_ASSERT_EQUAL(nchanges, 2);

	/* The record gone (undefined): the row goes, its index stays known. */
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, NULL, 0, T2), 0);
	CU_ASSERT_PTR_NULL(inventory_vm_by_name(builder_inventory(f.b), "dom"));
	CU_ASSERT_EQUAL(indexes_vm(f.indexes, "dom"), index);
	teardown(&f);
}

static void test_builder_refused_rebuild_keeps_everything(void)
{
	struct fixture f = setup();
	struct domain_record rec = record("dom", DOMAIN_RUNNING, 0);
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, &rec, 1, T0), 0);
	struct inventory *inv = builder_inventory(f.b);
	refuse_rebind = 1;
	rec.state = DOMAIN_PAUSED;
	CU_ASSERT_EQUAL(rebuild(&f, &rec, 1, T1), -1);
	CU_ASSERT_PTR_EQUAL(builder_inventory(f.b), inv);
	CU_ASSERT_EQUAL(builder_generation(f.b), 1);
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "dom")->state, VM_RUNNING);
	/* The state still follows the records the inventory was built from. */
	builder_observe(f.b, "vnet0", T1);
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "dom")->state, VM_RUNNING);
	teardown(&f);
}

/* A macvtap vNIC sits on its lower device's network, made for it, whatever
 * bridge its device is a port of (none), and is not detached when seen. */
static void test_builder_macvtap_on_lower_device(void)
{
	struct fixture f = setup();
	conf_free(f.conf);
	f.conf = conf_of("network uplink eth7\n");
	struct domain_record rec[2] = { record("dom", DOMAIN_RUNNING, 0),
					record("tap", DOMAIN_RUNNING, 0) };
	snprintf(rec[0].vnics[0].ifname, sizeof rec[0].vnics[0].ifname, "macvtap0");
	rec[0].vnics[0].bridge[0] = '\0';
	snprintf(rec[0].vnics[0].lower, sizeof rec[0].vnics[0].lower, "eth9");
	mac_parse("52:54:00:00:00:0e", rec[1].vnics[0].mac);
	snprintf(rec[1].vnics[0].ifname, sizeof rec[1].vnics[0].ifname, "macvtap1");
	rec[1].vnics[0].bridge[0] = '\0';
	snprintf(rec[1].vnics[0].lower, sizeof rec[1].vnics[0].lower, "eth7");
	snprintf(host_ifname, sizeof host_ifname, "macvtap0");
	host = (struct hostif_info){ .exists = true, .up = true, .ifindex = 12 };
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, rec, 2, T0), 0);
	struct inventory *inv = builder_inventory(f.b);
	/* eth9: a network named after it; eth7: the configured one. */
	CU_ASSERT_EQUAL(inventory_net_count(inv), 2);
	struct inv_net *eth9 = inventory_net_by_bridge(inv, "eth9");
	struct inv_net *uplink = inventory_net_by_name(inv, "uplink");
	CU_ASSERT_PTR_NOT_NULL_FATAL(eth9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(uplink);
	CU_ASSERT_STRING_EQUAL(eth9->name, "eth9");
	CU_ASSERT(eth9->by_port && uplink->by_port);
	CU_ASSERT_EQUAL(eth9->capture_state, NET_DOWN);
	struct inv_vnic *v0 = inventory_vnic_by_ifname(inv, "macvtap0");
	struct inv_vnic *v1 = inventory_vnic_by_ifname(inv, "macvtap1");
	CU_ASSERT_PTR_EQUAL(v0->home, eth9);
	CU_ASSERT_PTR_EQUAL(v1->home, uplink);
	/* Its device exists, port of no bridge: it sits on eth9. The other's
	 * device is absent: not placed yet. */
	CU_ASSERT_PTR_EQUAL(v0->net, eth9);
	CU_ASSERT_PTR_NULL(v1->net);
	builder_observe(f.b, "macvtap0", T1);
	CU_ASSERT_PTR_EQUAL(v0->net, eth9);
	/* A rebuild keeps it there. */
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, rec, 2, T2), 0);
	inv = builder_inventory(f.b);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "macvtap0")->net,
			    inventory_net_by_bridge(inv, "eth9"));
	teardown(&f);
}

/* How many lines of the log file at path contain text. */
static int lines_with(const char *path, const char *text)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	int n = 0;
	while (fp && fgets(line, sizeof line, fp))
		n += strstr(line, text) != NULL;
	if (fp)
		fclose(fp);
	return n;
}

/* A domain whose MAC is a configured VM's: refused at every build, said
 * once; said again when it comes back after being gone. */
static void test_builder_refusal_said_once(void)
{
	char log_path[] = "/tmp/test_builder.XXXXXX";
	int fd = mkstemp(log_path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(log_init("test_builder", LOG_TO_FILE, log_path) == 0);
	struct fixture f = setup();
	struct domain_record rec = record("dom", DOMAIN_RUNNING, 0);
	mac_parse("52:54:00:00:00:01", rec.vnics[0].mac); /* web's */
	const char *said = "VM dom: MAC 52:54:00:00:00:01 belongs to VM web already; ignored";
	CU_ASSERT_EQUAL_FATAL(rebuild(&f, &rec, 1, T0), 0);
	CU_ASSERT_EQUAL(inventory_refusal_count(builder_inventory(f.b)), 1);
	CU_ASSERT_EQUAL(rebuild(&f, &rec, 1, T1), 0);
	CU_ASSERT_EQUAL(rebuild(&f, &rec, 1, T1), 0);
	CU_ASSERT_EQUAL(lines_with(log_path, said), 1);
	CU_ASSERT_EQUAL(rebuild(&f, NULL, 0, T2), 0);
	CU_ASSERT_EQUAL(inventory_refusal_count(builder_inventory(f.b)), 0);
	CU_ASSERT_EQUAL(rebuild(&f, &rec, 1, T2), 0);
	CU_ASSERT_EQUAL(lines_with(log_path, said), 2);
	teardown(&f);
	log_init("test_builder", LOG_TO_NOTHING, NULL);
	unlink(log_path);
}

static CU_TestInfo builder_tests[] = {
	{ "first build: configured and discovered VMs, no news", test_builder_first_build },
	{ "observations report state changes once started", test_builder_observe_reports_once_started },
	{ "rebuilds adopt counters and follow records", test_builder_rebuild_adopts_and_follows_records },
	{ "a refused rebuild keeps everything", test_builder_refused_rebuild_keeps_everything },
	{ "a macvtap vNIC sits on its lower device's network", test_builder_macvtap_on_lower_device },
	{ "what building refused is said once", test_builder_refusal_said_once },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "builder", NULL, NULL, NULL, NULL, builder_tests },
	CU_SUITE_INFO_NULL,
};
