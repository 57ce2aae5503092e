/*
 * Unit tests of src/lifecycle.c: a VM's state from hand-made observations
 * of its vNICs' host interfaces, power-ups (counters back to 0, the
 * discontinuity moved), and placing vNICs on the network of their bridge;
 * then discovered VMs, whose state comes from their source (hand-filled
 * domain records) and never from their interfaces.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "lifecycle.h"

#define T0 INT64_C(1000000)     /* when the inventory is built */
#define T1 INT64_C(5000000)
#define T2 INT64_C(9000000)
#define T3 INT64_C(13000000)
#define TS INT64_C(1700000000) /* capture timestamps, seconds */

static const char CONF_TEXT[] =
	"network lan0 br0\n"
	"network lan1 br1\n"
	"vm named\n"
	"vnic named 52:54:00:00:01:01 vnet0\n"
	"vnic named 52:54:00:00:01:02 vnet1\n"
	"vm anon\n"
	"vnic anon 52:54:00:00:02:01\n"
	"vm mixed\n"
	"vnic mixed 52:54:00:00:03:01\n"
	"vnic mixed 52:54:00:00:03:02 vnet3\n"
	"vm peer\n"
	"vnic peer 52:54:00:00:04:01\n";

/* ---- helpers ---------------------------------------------------------- */

struct fixture {
	struct inventory *inv;
	struct inv_net *lan0, *lan1;
	struct inv_vm *named, *anon, *mixed, *peer;
};

static struct inv_vm *vm_named(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		if (!strcmp(inventory_vm(inv, i)->name, name))
			return inventory_vm(inv, i);
	return NULL;
}

static struct fixture setup(void)
{
	struct fixture f;
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, "lc.conf", CONF_TEXT, strlen(CONF_TEXT), &err), 0);
	f.inv = inventory_new(conf, T0);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.inv);
	f.lan0 = inventory_net_by_bridge(f.inv, "br0");
	f.lan1 = inventory_net_by_bridge(f.inv, "br1");
	f.named = vm_named(f.inv, "named");
	f.anon = vm_named(f.inv, "anon");
	f.mixed = vm_named(f.inv, "mixed");
	f.peer = vm_named(f.inv, "peer");
	CU_ASSERT_FATAL(f.lan0 && f.lan1 && f.named && f.anon && f.mixed && f.peer);
	/* The peer has no host interface: placed on lan0 by hand, as the
	 * meter would when it sees it send there. */
	inventory_vnic_attach(&f.peer->vnics[0], f.lan0);
	return f;
}

static struct hostif_info absent(void)
{
	struct hostif_info o;
	memset(&o, 0, sizeof o);
	return o;
}

static struct hostif_info seen(int ifindex, bool up, const char *master)
{
	struct hostif_info o = absent();
	o.exists = true;
	o.up = up;
	o.ifindex = ifindex;
	snprintf(o.master, sizeof o.master, "%s", master);
	return o;
}

/* Traffic between vNIC v and the peer on lan0: v sends 100 bytes to the
 * peer, the peer 200 to v, and the peer broadcasts 50. */
static void exchange(struct fixture *f, struct inv_vnic *v)
{
	struct acct_port *peer = &f->peer->vnics[0].acct;
	acct_count_frame(&f->lan0->acct, &v->acct, peer, false, 100, TS);
	acct_count_frame(&f->lan0->acct, peer, &v->acct, false, 200, TS);
	acct_count_frame(&f->lan0->acct, peer, NULL, true, 50, TS);
}

static void assert_counts(struct acct_counts got, uint64_t bytes, uint64_t packets,
			  const char *what, unsigned line)
{
	char text[200];
	snprintf(text, sizeof text, "%s: %llu bytes / %llu packets (got %llu / %llu)", what,
		 (unsigned long long)bytes, (unsigned long long)packets,
		 (unsigned long long)got.bytes, (unsigned long long)got.packets);
	CU_assertImplementation(got.bytes == bytes && got.packets == packets, line, text,
				__FILE__, "", CU_FALSE);
}
#define ASSERT_COUNTS(got, bytes, packets) \
	assert_counts((got), (bytes), (packets), #got, __LINE__)

/* Brings "named" up on lan0 (ifindexes 10 and 11) at T1, then exchanges
 * traffic on both vNICs: each sent 100/1, received 200 + 50 / 2. */
static void named_running_with_traffic(struct fixture *f)
{
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br0") };
	CU_ASSERT_TRUE(lifecycle_apply(f->inv, f->named, obs, T1));
	CU_ASSERT_EQUAL_FATAL(f->named->state, VM_RUNNING);
	exchange(f, &f->named->vnics[0]);
	exchange(f, &f->named->vnics[1]);
	/* Each vNIC also receives the broadcast the peer sent for the other. */
	ASSERT_COUNTS(acct_port_sent(&f->named->vnics[0].acct), 100, 1);
	ASSERT_COUNTS(acct_port_received(&f->named->vnics[0].acct), 300, 3);
	ASSERT_COUNTS(inventory_vm_sent(f->named), 200, 2);
	ASSERT_COUNTS(inventory_vm_received(f->named), 600, 6);
}

/* ---- tests ------------------------------------------------------------- */

static void test_lifecycle_no_ifname_stays_unknown(void)
{
	struct fixture f = setup();
	CU_ASSERT_EQUAL(f.anon->state, VM_UNKNOWN);
	exchange(&f, &f.anon->vnics[0]);
	/* Whatever the observation says, it is not about a named interface. */
	struct hostif_info obs[1] = { seen(5, true, "br1") };
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.anon, obs, T1));
	CU_ASSERT_EQUAL(f.anon->state, VM_UNKNOWN);
	obs[0] = absent();
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.anon, obs, T2));
	CU_ASSERT_EQUAL(f.anon->state, VM_UNKNOWN);
	/* Nothing reset, nothing moved. */
	CU_ASSERT_EQUAL(f.anon->discontinuity_usec, T0);
	ASSERT_COUNTS(inventory_vm_sent(f.anon), 100, 1);
	ASSERT_COUNTS(inventory_vm_received(f.anon), 200, 1); /* not on a network: no broadcast */
	CU_ASSERT_PTR_NULL(f.anon->vnics[0].net);
	CU_ASSERT_TRUE(lifecycle_counts_visible(f.anon));
	inventory_free(f.inv);
}

static void test_lifecycle_absent_is_off(void)
{
	struct fixture f = setup();
	struct hostif_info obs[2] = { absent(), absent() };
	/* Off already: no change. */
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	CU_ASSERT_FALSE(lifecycle_counts_visible(f.named));

	/* Running, then both interfaces gone: off, a change. */
	obs[0] = seen(10, true, "br0");
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	obs[0] = absent();
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	CU_ASSERT_EQUAL(f.named->vnics[0].host_ifindex, 0);
	CU_ASSERT_FALSE(lifecycle_counts_visible(f.named));
	inventory_free(f.inv);
}

static void test_lifecycle_down_is_off(void)
{
	struct fixture f = setup();
	struct hostif_info obs[2] = { seen(10, false, "br0"), seen(11, false, "br0") };
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	CU_ASSERT_EQUAL(f.named->vnics[0].host_ifindex, 10);

	obs[1].up = true;
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	obs[1].up = false;
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	inventory_free(f.inv);
}

static void test_lifecycle_up_is_running(void)
{
	struct fixture f = setup();
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br0") };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_EQUAL(f.named->vnics[0].host_ifindex, 10);
	CU_ASSERT_EQUAL(f.named->vnics[1].host_ifindex, 11);
	CU_ASSERT_TRUE(lifecycle_counts_visible(f.named));
	/* The same observation again: nothing changes. */
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T3));
	inventory_free(f.inv);
}

static void test_lifecycle_power_up_resets_counters(void)
{
	struct fixture f = setup();
	named_running_with_traffic(&f);
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T1);

	/* Shut down: off, counters kept (hidden), discontinuity unmoved. */
	struct hostif_info obs[2] = { absent(), absent() };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	ASSERT_COUNTS(inventory_vm_sent(f.named), 200, 2);
	ASSERT_COUNTS(inventory_vm_received(f.named), 600, 6);
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T1);

	/* Powered up again, new interfaces: every vNIC back to 0. */
	obs[0] = seen(20, true, "br0");
	obs[1] = seen(21, true, "br0");
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T3);
	for (size_t i = 0; i < 2; i++) {
		ASSERT_COUNTS(acct_port_sent(&f.named->vnics[i].acct), 0, 0);
		ASSERT_COUNTS(acct_port_received(&f.named->vnics[i].acct), 0, 0);
	}
	ASSERT_COUNTS(inventory_vm_sent(f.named), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(f.named), 0, 0);

	/* Counting goes on from 0, broadcasts included. */
	exchange(&f, &f.named->vnics[0]);
	ASSERT_COUNTS(acct_port_sent(&f.named->vnics[0].acct), 100, 1);
	ASSERT_COUNTS(acct_port_received(&f.named->vnics[0].acct), 250, 2);
	ASSERT_COUNTS(acct_port_received(&f.named->vnics[1].acct), 50, 1);
	/* The other VMs are untouched. */
	ASSERT_COUNTS(inventory_vm_sent(f.peer), 3 * 200 + 3 * 50, 6);
	inventory_free(f.inv);
}

static void test_lifecycle_power_up_from_down(void)
{
	/* Interfaces that stayed (down, then up, same ifindexes) are a
	 * power-up too: off → running. */
	struct fixture f = setup();
	named_running_with_traffic(&f);
	struct hostif_info obs[2] = { seen(10, false, "br0"), seen(11, false, "br0") };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	obs[0].up = true;
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T3);
	/* Both vNICs reset, the one still down included. */
	ASSERT_COUNTS(inventory_vm_sent(f.named), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(f.named), 0, 0);
	inventory_free(f.inv);
}

static void test_lifecycle_new_ifindex_while_running(void)
{
	/* Restarted between two looks: still running, but the interfaces are
	 * new. That is a power-up. */
	struct fixture f = setup();
	named_running_with_traffic(&f);
	struct hostif_info obs[2] = { seen(30, true, "br0"), seen(31, true, "br0") };
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2)); /* state unchanged */
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T2);
	ASSERT_COUNTS(inventory_vm_sent(f.named), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(f.named), 0, 0);
	CU_ASSERT_EQUAL(f.named->vnics[0].host_ifindex, 30);

	/* One interface renewed is enough. */
	exchange(&f, &f.named->vnics[1]);
	obs[0] = seen(40, true, "br0");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T3);
	ASSERT_COUNTS(inventory_vm_sent(f.named), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(f.named), 0, 0);
	inventory_free(f.inv);
}

static void test_lifecycle_same_ifindex_keeps_counters(void)
{
	struct fixture f = setup();
	named_running_with_traffic(&f);
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br0") };
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T1);
	ASSERT_COUNTS(inventory_vm_sent(f.named), 200, 2);
	ASSERT_COUNTS(inventory_vm_received(f.named), 600, 6);
	inventory_free(f.inv);
}

static void test_lifecycle_master_attaches_and_moves(void)
{
	struct fixture f = setup();
	struct inv_vnic *v0 = &f.named->vnics[0], *v1 = &f.named->vnics[1];
	CU_ASSERT_PTR_NULL(v0->net);
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br1") };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_PTR_EQUAL(v0->net, f.lan0);
	CU_ASSERT_PTR_EQUAL(v1->net, f.lan1);
	acct_count_frame(&f.lan0->acct, NULL, NULL, true, 64, TS);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 64, 1);
	ASSERT_COUNTS(acct_port_received(&v1->acct), 0, 0);

	/* vnet0 moved to br1: it follows, keeping what it received. */
	obs[0] = seen(10, true, "br1");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_PTR_EQUAL(v0->net, f.lan1);
	CU_ASSERT_PTR_EQUAL(v1->net, f.lan1);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 64, 1);
	acct_count_frame(&f.lan0->acct, NULL, NULL, true, 100, TS);
	acct_count_frame(&f.lan1->acct, NULL, NULL, true, 10, TS);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 74, 2);
	ASSERT_COUNTS(acct_port_received(&v1->acct), 10, 1);
	/* A move is no power-up. */
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T1);

	/* Attached while down too: placement does not wait for running. */
	obs[0] = seen(10, false, "br0");
	obs[1] = seen(11, false, "br0");
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_OFF);
	CU_ASSERT_PTR_EQUAL(v0->net, f.lan0);
	CU_ASSERT_PTR_EQUAL(v1->net, f.lan0);
	inventory_free(f.inv);
}

static void test_lifecycle_unknown_master_detaches(void)
{
	struct fixture f = setup();
	struct inv_vnic *v0 = &f.named->vnics[0];
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br0") };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_PTR_EQUAL(v0->net, f.lan0);
	acct_count_frame(&f.lan0->acct, NULL, NULL, true, 64, TS);

	/* Now a port of a bridge no network is configured for. */
	obs[0] = seen(10, true, "virbr9");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_PTR_NULL(v0->net);
	CU_ASSERT_PTR_EQUAL(f.named->vnics[1].net, f.lan0);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 64, 1);
	acct_count_frame(&f.lan0->acct, NULL, NULL, true, 100, TS);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 64, 1);
	/* A known bridge's name that is a network's name, not its bridge,
	 * is unknown as well. */
	obs[1] = seen(11, true, "lan1");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_PTR_NULL(f.named->vnics[1].net);
	inventory_free(f.inv);
}

static void test_lifecycle_no_master_detaches(void)
{
	/* DESIGN: "A vNIC is placed on the network whose bridge its host
	 * interface is a port of." An interface taken off its bridge (ip link
	 * set vnet0 nomaster, or the bridge deleted) is a port of none: it
	 * must no longer be credited with that network's broadcasts. */
	struct fixture f = setup();
	struct inv_vnic *v0 = &f.named->vnics[0];
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br0") };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_PTR_EQUAL(v0->net, f.lan0);

	obs[0] = seen(10, true, "");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_PTR_NULL(v0->net);
	acct_count_frame(&f.lan0->acct, NULL, NULL, true, 100, TS);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 0, 0);
	inventory_free(f.inv);
}

static void test_lifecycle_one_up_one_absent_is_running(void)
{
	struct fixture f = setup();
	struct hostif_info obs[2] = { seen(10, true, "br0"), absent() };
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.named, obs, T1));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	CU_ASSERT_EQUAL(f.named->vnics[1].host_ifindex, 0);
	CU_ASSERT_PTR_NULL(f.named->vnics[1].net);

	/* Either order; one down and one up as well. */
	obs[0] = absent();
	obs[1] = seen(11, true, "br0");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T2));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	obs[0] = seen(10, false, "br0");
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.named, obs, T3));
	CU_ASSERT_EQUAL(f.named->state, VM_RUNNING);
	/* vnet0 came back with its old ifindex 10 after being absent while
	 * the VM kept running on vnet1: no restart, counters not reset. */
	CU_ASSERT_EQUAL(f.named->discontinuity_usec, T1);
	inventory_free(f.inv);
}

static void test_lifecycle_mixed_vm_follows_named_vnic(void)
{
	/* vNIC 1 has no host interface: its observation is ignored. */
	struct fixture f = setup();
	CU_ASSERT_EQUAL(f.mixed->state, VM_OFF);
	struct hostif_info obs[2] = { seen(7, true, "br0"), absent() };
	CU_ASSERT_FALSE(lifecycle_apply(f.inv, f.mixed, obs, T1));
	CU_ASSERT_EQUAL(f.mixed->state, VM_OFF);
	CU_ASSERT_PTR_NULL(f.mixed->vnics[0].net);

	obs[0] = absent();
	obs[1] = seen(12, true, "br1");
	CU_ASSERT_TRUE(lifecycle_apply(f.inv, f.mixed, obs, T2));
	CU_ASSERT_EQUAL(f.mixed->state, VM_RUNNING);
	CU_ASSERT_PTR_EQUAL(f.mixed->vnics[1].net, f.lan1);
	CU_ASSERT_PTR_NULL(f.mixed->vnics[0].net);
	CU_ASSERT_EQUAL(f.mixed->discontinuity_usec, T2);
	inventory_free(f.inv);
}

static void test_lifecycle_counts_visible(void)
{
	struct fixture f = setup();
	struct inv_vm *vm = f.named;
	static const struct {
		enum vm_state state;
		bool visible;
	} cases[] = {
		{ VM_UNKNOWN, true }, { VM_RUNNING, true }, { VM_OFF, false },
		{ VM_SAVED, false },  { VM_PAUSED, true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		vm->state = cases[i].state;
		CU_ASSERT_EQUAL(lifecycle_counts_visible(vm), cases[i].visible);
	}
	inventory_free(f.inv);
}

/* ---- discovered VMs ------------------------------------------------------ */

/* CONF_TEXT plus the domain "dom" discovery found (vnet8 on br0, vnet9 on
 * br1) and a domain of the configured VM "named" (same MACs): both
 * discovered. */
struct dfixture {
	struct fixture f;
	struct inv_vm *dom;
};

static void add_iface(struct domain_record *d, const char *mac, const char *target,
		      const char *bridge)
{
	CU_ASSERT_FATAL(d->nvnics < DOMAIN_MAX_VNICS);
	struct domain_vnic *i = &d->vnics[d->nvnics++];
	CU_ASSERT_EQUAL_FATAL(mac_parse(mac, i->mac), 0);
	snprintf(i->ifname, sizeof i->ifname, "%s", target);
	snprintf(i->bridge, sizeof i->bridge, "%s", bridge);
}

static struct dfixture setup_discovered(void)
{
	static struct domain_record dom, named;
	memset(&dom, 0, sizeof dom);
	memset(&named, 0, sizeof named);
	snprintf(dom.name, sizeof dom.name, "dom");
	snprintf(dom.uuid, sizeof dom.uuid, "11111111-2222-3333-4444-555555555555");
	dom.state = DOMAIN_RUNNING;
	add_iface(&dom, "52:54:00:00:05:01", "vnet8", "br0");
	add_iface(&dom, "52:54:00:00:05:02", "vnet9", "br1");
	snprintf(named.name, sizeof named.name, "named");
	named.state = DOMAIN_RUNNING;
	add_iface(&named, "52:54:00:00:01:01", "vnet0", "br0");
	add_iface(&named, "52:54:00:00:01:02", "vnet1", "br0");
	const struct domain_record *doms[] = { &dom, &named };

	struct dfixture d;
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	CU_ASSERT_EQUAL_FATAL(conf_parse_buffer(conf, "lc.conf", CONF_TEXT, strlen(CONF_TEXT), &err), 0);
	struct inventory_source src = { .conf = conf, .domains = doms, .ndomains = 2 };
	d.f.inv = inventory_build(&src, T0);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.f.inv);
	struct fixture *f = &d.f;
	f->lan0 = inventory_net_by_bridge(f->inv, "br0");
	f->lan1 = inventory_net_by_bridge(f->inv, "br1");
	f->named = vm_named(f->inv, "named");
	f->anon = vm_named(f->inv, "anon");
	f->mixed = vm_named(f->inv, "mixed");
	f->peer = vm_named(f->inv, "peer");
	d.dom = vm_named(f->inv, "dom");
	CU_ASSERT_FATAL(f->lan0 && f->lan1 && f->named && f->anon && f->mixed && f->peer && d.dom);
	CU_ASSERT_FATAL(d.dom->discovered && f->named->discovered && !f->anon->discovered);
	CU_ASSERT_EQUAL_FATAL(d.dom->nvnics, 2);
	CU_ASSERT_EQUAL_FATAL(f->named->nvnics, 2);
	CU_ASSERT_EQUAL_FATAL(d.dom->state, VM_OFF);
	inventory_vnic_attach(&f->peer->vnics[0], f->lan0);
	return d;
}

/* Its record in state; restarted: its source saw a power-up since the
 * last record (its power-up count moves). */
static struct domain_record *domain_in(enum domain_state state, bool restarted)
{
	static struct domain_record dom;
	static uint32_t runs;
	memset(&dom, 0, sizeof dom);
	snprintf(dom.name, sizeof dom.name, "dom");
	dom.state = state;
	dom.runs = restarted ? ++runs : runs;
	add_iface(&dom, "52:54:00:00:05:01", "vnet8", "br0");
	add_iface(&dom, "52:54:00:00:05:02", "vnet9", "br1");
	return &dom;
}

/* "dom" running at T1 (a power-up from off), both vNICs on lan0, each with
 * 100/1 sent and 300/3 received. */
static void dom_running_with_traffic(struct dfixture *d)
{
	CU_ASSERT_TRUE(lifecycle_apply_domain(d->dom, domain_in(DOMAIN_RUNNING, false), T1));
	CU_ASSERT_EQUAL_FATAL(d->dom->state, VM_RUNNING);
	CU_ASSERT_EQUAL(d->dom->discontinuity_usec, T1);
	inventory_vnic_attach(&d->dom->vnics[0], d->f.lan0);
	inventory_vnic_attach(&d->dom->vnics[1], d->f.lan0);
	exchange(&d->f, &d->dom->vnics[0]);
	exchange(&d->f, &d->dom->vnics[1]);
	ASSERT_COUNTS(inventory_vm_sent(d->dom), 200, 2);
	ASSERT_COUNTS(inventory_vm_received(d->dom), 600, 6);
}

static void test_lifecycle_domain_states(void)
{
	struct dfixture d = setup_discovered();
	struct inv_vm *vm = d.dom;
	/* Gone while off: no change. */
	CU_ASSERT_FALSE(lifecycle_apply_domain(vm, NULL, T1));
	CU_ASSERT_EQUAL(vm->state, VM_OFF);

	static const struct {
		enum domain_state in;
		enum vm_state out;
	} cases[] = {
		{ DOMAIN_RUNNING, VM_RUNNING },
		{ DOMAIN_PAUSED, VM_PAUSED },
		{ DOMAIN_UNKNOWN, VM_UNKNOWN },
		{ DOMAIN_RUNNING, VM_RUNNING },
		{ DOMAIN_UNKNOWN, VM_UNKNOWN },
		{ DOMAIN_PAUSED, VM_PAUSED },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* A change the first time, none the second. */
		CU_ASSERT_TRUE(lifecycle_apply_domain(vm, domain_in(cases[i].in, false), T1));
		CU_ASSERT_EQUAL(vm->state, cases[i].out);
		CU_ASSERT_FALSE(lifecycle_apply_domain(vm, domain_in(cases[i].in, false), T2));
		CU_ASSERT_EQUAL(vm->state, cases[i].out);
	}
	/* No longer known to its source: off, once. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, NULL, T3));
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	CU_ASSERT_FALSE(lifecycle_apply_domain(vm, NULL, T3));
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	CU_ASSERT_FALSE(lifecycle_counts_visible(vm));
	/* Each state from off. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, domain_in(DOMAIN_PAUSED, false), T3));
	CU_ASSERT_EQUAL(vm->state, VM_PAUSED);
	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, NULL, T3));
	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, domain_in(DOMAIN_UNKNOWN, false), T3));
	CU_ASSERT_EQUAL(vm->state, VM_UNKNOWN);
	/* The other VMs are untouched. */
	CU_ASSERT_EQUAL(d.f.named->state, VM_OFF);
	CU_ASSERT_EQUAL(d.f.anon->state, VM_UNKNOWN);
	inventory_free(d.f.inv);
}

static void test_lifecycle_domain_null_is_off(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T2));
	CU_ASSERT_EQUAL(d.dom->state, VM_OFF);
	CU_ASSERT_FALSE(lifecycle_counts_visible(d.dom));
	/* Shut down: counters kept (hidden), discontinuity unmoved. */
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 200, 2);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 600, 6);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T1);
	/* "restarted" while gone changes nothing. */
	CU_ASSERT_FALSE(lifecycle_apply_domain(d.dom, NULL, T3));
	CU_ASSERT_EQUAL(d.dom->state, VM_OFF);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 200, 2);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T1);
	inventory_free(d.f.inv);
}

static void test_lifecycle_domain_off_to_running_powers_up(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T2));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), T3));
	CU_ASSERT_EQUAL(d.dom->state, VM_RUNNING);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3);
	for (size_t i = 0; i < 2; i++) {
		ASSERT_COUNTS(acct_port_sent(&d.dom->vnics[i].acct), 0, 0);
		ASSERT_COUNTS(acct_port_received(&d.dom->vnics[i].acct), 0, 0);
	}
	/* Counting goes on from 0, on the same network. */
	CU_ASSERT_PTR_EQUAL(d.dom->vnics[0].net, d.f.lan0);
	exchange(&d.f, &d.dom->vnics[0]);
	ASSERT_COUNTS(acct_port_sent(&d.dom->vnics[0].acct), 100, 1);
	ASSERT_COUNTS(acct_port_received(&d.dom->vnics[0].acct), 250, 2);
	ASSERT_COUNTS(acct_port_received(&d.dom->vnics[1].acct), 50, 1);

	/* Off → paused is a power-up too (restored paused). */
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T3 + 1));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_PAUSED, false), T3 + 2));
	CU_ASSERT_EQUAL(d.dom->state, VM_PAUSED);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3 + 2);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 0, 0);
	inventory_free(d.f.inv);
}

static void test_lifecycle_domain_paused_to_running_keeps(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_PAUSED, false), T2));
	CU_ASSERT_EQUAL(d.dom->state, VM_PAUSED);
	CU_ASSERT_TRUE(lifecycle_counts_visible(d.dom));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), T3));
	CU_ASSERT_EQUAL(d.dom->state, VM_RUNNING);
	/* Resumed, not powered up. */
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T1);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 200, 2);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 600, 6);
	/* Nor through unknown and back. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_UNKNOWN, false), T3));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), T3 + 1));
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T1);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 200, 2);
	inventory_free(d.f.inv);
}

static void test_lifecycle_domain_restarted_powers_up(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	/* Running on, but started afresh (a snapshot reverted): a power-up,
	 * and no state change. */
	CU_ASSERT_FALSE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, true), T2));
	CU_ASSERT_EQUAL(d.dom->state, VM_RUNNING);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T2);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 0, 0);
	/* The vNICs keep their network. */
	CU_ASSERT_PTR_EQUAL(d.dom->vnics[1].net, d.f.lan0);
	exchange(&d.f, &d.dom->vnics[1]);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 100, 1);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 250 + 50, 3);

	/* Reverted to a snapshot taken paused: a power-up and a change. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_PAUSED, true), T3));
	CU_ASSERT_EQUAL(d.dom->state, VM_PAUSED);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 0, 0);

	/* Without "restarted" the same observation is nothing. */
	exchange(&d.f, &d.dom->vnics[0]);
	CU_ASSERT_FALSE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_PAUSED, false), T3 + 1));
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 100, 1);
	inventory_free(d.f.inv);
}

static void test_lifecycle_domain_off_restarted_powers_up_once(void)
{
	/* Off → running with "restarted" as well: one power-up, a change. */
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T2));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, true), T3));
	CU_ASSERT_EQUAL(d.dom->state, VM_RUNNING);
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 0, 0);
	inventory_free(d.f.inv);
}

static void test_lifecycle_discovered_vm_follows_networks_not_state(void)
{
	struct dfixture d = setup_discovered();
	struct inv_vm *vm = d.dom;
	struct inv_vnic *v0 = &vm->vnics[0], *v1 = &vm->vnics[1];
	CU_ASSERT_STRING_EQUAL(v0->ifname, "vnet8");
	CU_ASSERT_STRING_EQUAL(v1->ifname, "vnet9");

	/* Off as libvirt has it: interfaces up do not make it run, but they
	 * place its vNICs. */
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br1") };
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T1));
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	CU_ASSERT_PTR_EQUAL(v0->net, d.f.lan0);
	CU_ASSERT_PTR_EQUAL(v1->net, d.f.lan1);
	CU_ASSERT_EQUAL(v0->host_ifindex, 10);
	CU_ASSERT_EQUAL(vm->discontinuity_usec, T0);

	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, domain_in(DOMAIN_RUNNING, false), T1));
	CU_ASSERT_EQUAL(vm->state, VM_RUNNING);
	CU_ASSERT_EQUAL(vm->discontinuity_usec, T1);
	exchange(&d.f, v0);
	ASSERT_COUNTS(inventory_vm_sent(vm), 100, 1);

	/* Interfaces gone or down: still running as libvirt says; they keep
	 * their place. */
	obs[0] = absent();
	obs[1] = seen(11, false, "br1");
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T2));
	CU_ASSERT_EQUAL(vm->state, VM_RUNNING);
	CU_ASSERT_PTR_EQUAL(v0->net, d.f.lan0);
	CU_ASSERT_EQUAL(v0->host_ifindex, 0);
	ASSERT_COUNTS(inventory_vm_sent(vm), 100, 1);
	CU_ASSERT_EQUAL(vm->discontinuity_usec, T1);

	/* Moved: follows the bridge, no power-up. */
	obs[0] = seen(10, true, "br1");
	obs[1] = seen(11, true, "br1");
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T2));
	CU_ASSERT_PTR_EQUAL(v0->net, d.f.lan1);
	CU_ASSERT_EQUAL(vm->discontinuity_usec, T1);
	ASSERT_COUNTS(inventory_vm_sent(vm), 100, 1);
	ASSERT_COUNTS(inventory_vm_received(vm), 250, 2);

	/* A new ifindex: a power-up, still no state change. */
	obs[1] = seen(21, true, "br0");
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T3));
	CU_ASSERT_EQUAL(vm->state, VM_RUNNING);
	CU_ASSERT_EQUAL(vm->discontinuity_usec, T3);
	ASSERT_COUNTS(inventory_vm_sent(vm), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(vm), 0, 0);
	CU_ASSERT_PTR_EQUAL(v1->net, d.f.lan0);
	CU_ASSERT_EQUAL(v1->host_ifindex, 21);

	/* Paused by libvirt: interfaces up do not make it running. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, domain_in(DOMAIN_PAUSED, false), T3));
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T3 + 1));
	CU_ASSERT_EQUAL(vm->state, VM_PAUSED);
	inventory_free(d.f.inv);
}

static void test_lifecycle_discovered_conf_vm_state_from_libvirt(void)
{
	/* A configured VM that discovery also knows follows libvirt, not its
	 * interfaces. */
	struct dfixture d = setup_discovered();
	struct inv_vm *vm = d.f.named;
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	struct hostif_info obs[2] = { seen(10, true, "br0"), seen(11, true, "br0") };
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T1));
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	CU_ASSERT_PTR_EQUAL(vm->vnics[0].net, d.f.lan0);

	struct domain_record *dom = domain_in(DOMAIN_RUNNING, false);
	snprintf(dom->name, sizeof dom->name, "named");
	CU_ASSERT_TRUE(lifecycle_apply_domain(vm, dom, T2));
	CU_ASSERT_EQUAL(vm->state, VM_RUNNING);
	CU_ASSERT_EQUAL(vm->discontinuity_usec, T2);
	obs[0] = absent();
	obs[1] = absent();
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, vm, obs, T3));
	CU_ASSERT_EQUAL(vm->state, VM_RUNNING);
	inventory_free(d.f.inv);
}

/* A polled source (Proxmox VE) says a guest runs a moment after its tap
 * came: what it sent meanwhile is counted, and the power-up that follows
 * restarts nothing more. */
static void test_lifecycle_domain_interface_before_its_power_up(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T2)); /* stopped: off */
	struct hostif_info gone[2] = { { .exists = false }, { .exists = false } };
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, d.dom, gone, T2));
	/* Its taps come (new QEMU process); the source has not looked yet. */
	struct hostif_info obs[2] = { seen(50, true, "br0"), seen(51, true, "br0") };
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, d.dom, obs, T2 + 10));
	CU_ASSERT_EQUAL(d.dom->state, VM_OFF);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	exchange(&d.f, &d.dom->vnics[0]); /* it sends before the source looks */
	/* Looked at again (a rebuild): no second restart. */
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, d.dom, obs, T2 + 20));
	ASSERT_COUNTS(acct_port_sent(&d.dom->vnics[0].acct), 100, 1);
	/* The source says running: the discontinuity moves, the counts stay. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), T3));
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3);
	ASSERT_COUNTS(acct_port_sent(&d.dom->vnics[0].acct), 100, 1);
	CU_ASSERT_FALSE(d.dom->restarted_down);
	/* Off again, and started with no interface seen first: as ever. */
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T3 + 1));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), T3 + 2));
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, T3 + 2);
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	inventory_free(d.f.inv);
}

#define SEC INT64_C(1000000)

/* A frame of len bytes the down VM's first vNIC sends to the peer at
 * monotonic second mono_sec (wall clock TS + mono_sec). */
static void held_frame(struct dfixture *d, uint32_t len, int64_t mono_sec)
{
	acct_count_frame_held(&d->f.lan0->acct, &d->dom->vnics[0].acct,
			      &d->f.peer->vnics[0].acct, false, len, TS + mono_sec, mono_sec);
}

/* Saved, its guest sends (a restore's new tap, unnamed): held, and the
 * power-up takes what it sent in the window before it. */
static void test_lifecycle_held_until_power_up(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_FALSE(lifecycle_holds_sent(d.dom));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_SAVED, false), T2));
	CU_ASSERT_EQUAL(d.dom->down_usec, T2);
	CU_ASSERT_TRUE(lifecycle_holds_sent(d.dom));
	int64_t up = T2 / SEC + 20;
	held_frame(&d, 700, up - ACCT_HELD_SECONDS - 1); /* before the window */
	held_frame(&d, 400, up - ACCT_HELD_SECONDS);
	held_frame(&d, 90, up);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), up * SEC));
	CU_ASSERT_EQUAL(d.dom->discontinuity_usec, up * SEC);
	CU_ASSERT_FALSE(lifecycle_holds_sent(d.dom));
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 490, 2);
	ASSERT_COUNTS(inventory_vm_received(d.dom), 0, 0);
	/* Saved again and restored at once: nothing held, nothing handed. */
	int64_t again = up * SEC + 1;
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_SAVED, false), again));
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), again + 1));
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 0, 0);
	inventory_free(d.f.inv);
}

/* A host interface of a down VM comes: its counters restart then, with
 * the window before, and from there on it counts, held no more. */
static void test_lifecycle_held_until_interface_came(void)
{
	struct dfixture d = setup_discovered();
	dom_running_with_traffic(&d);
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, NULL, T2));
	struct hostif_info gone[2] = { { .exists = false }, { .exists = false } };
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, d.dom, gone, T2));
	int64_t came = T2 / SEC + 30;
	held_frame(&d, 500, came - 20);
	held_frame(&d, 60, came - 1);
	struct hostif_info obs[2] = { seen(50, true, "br0"), seen(51, true, "br0") };
	CU_ASSERT_FALSE(lifecycle_apply(d.f.inv, d.dom, obs, came * SEC));
	CU_ASSERT_FALSE(lifecycle_holds_sent(d.dom));
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 60, 1);
	exchange(&d.f, &d.dom->vnics[0]);
	int64_t runs = (came + 3) * SEC;
	CU_ASSERT_TRUE(lifecycle_apply_domain(d.dom, domain_in(DOMAIN_RUNNING, false), runs));
	ASSERT_COUNTS(inventory_vm_sent(d.dom), 160, 2);
	inventory_free(d.f.inv);
}

static CU_TestInfo lifecycle_tests[] = {
	{ "VM without host interface stays unknown", test_lifecycle_no_ifname_stays_unknown },
	{ "interfaces absent: off", test_lifecycle_absent_is_off },
	{ "interfaces down: off", test_lifecycle_down_is_off },
	{ "interface up: running, changed once", test_lifecycle_up_is_running },
	{ "power-up resets counters, moves discontinuity", test_lifecycle_power_up_resets_counters },
	{ "down then up is a power-up", test_lifecycle_power_up_from_down },
	{ "new ifindex while running is a power-up", test_lifecycle_new_ifindex_while_running },
	{ "same ifindex keeps counters", test_lifecycle_same_ifindex_keeps_counters },
	{ "master bridge attaches, another moves", test_lifecycle_master_attaches_and_moves },
	{ "master of no known network detaches", test_lifecycle_unknown_master_detaches },
	{ "no master at all detaches", test_lifecycle_no_master_detaches },
	{ "one vNIC up, one absent: running", test_lifecycle_one_up_one_absent_is_running },
	{ "vNIC without interface is ignored", test_lifecycle_mixed_vm_follows_named_vnic },
	{ "counts visible per state", test_lifecycle_counts_visible },
	{ "domain: states from libvirt, changes reported once", test_lifecycle_domain_states },
	{ "domain: gone is off, counters kept", test_lifecycle_domain_null_is_off },
	{ "domain: off to running/paused powers up", test_lifecycle_domain_off_to_running_powers_up },
	{ "domain: paused to running keeps counters", test_lifecycle_domain_paused_to_running_keeps },
	{ "domain: restarted while running powers up, no change", test_lifecycle_domain_restarted_powers_up },
	{ "domain: off to running and restarted, one power-up", test_lifecycle_domain_off_restarted_powers_up_once },
	{ "discovered VM: interfaces place vNICs, never set state", test_lifecycle_discovered_vm_follows_networks_not_state },
	{ "configured VM known to discovery follows libvirt", test_lifecycle_discovered_conf_vm_state_from_libvirt },
	{ "a host interface before its power-up: counted, restarted once",
	  test_lifecycle_domain_interface_before_its_power_up },
	{ "held while saved: the window goes to the next life", test_lifecycle_held_until_power_up },
	{ "held while off: the window goes where an interface came",
	  test_lifecycle_held_until_interface_came },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "lifecycle", NULL, NULL, NULL, NULL, lifecycle_tests },
	CU_SUITE_INFO_NULL,
};
