/*
 * Unit tests of src/meter.c's port rule without root: a network of two
 * macvtap vNICs seen through one capture each, synthetic frames shown to
 * every capture that would see them (guest to guest at both, group frames
 * from outside at both), each counted once for the network and credited to
 * the right vNICs; and the group frames counted by whichever capture the
 * caller names. And a VLAN-aware bridge's frames: each VLAN network
 * counts its own, without the tag, the bridge's network all of them.
 */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"
#include "meter.h"
#include "runner.h"

#define TS 1700000000
#define SEC 1000000LL

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
	/* As lifecycle places them once their devices exist, and runs them
	 * as their records say. */
	inventory_vnic_attach(l.a, l.net);
	inventory_vnic_attach(l.b, l.net);
	l.a->vm->state = l.b->vm->state = VM_RUNNING;
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
	meter_port_frame(l->inv, l->net, vnic, vnic == group_at, TS * SEC, frame, sizeof frame, len);
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
	meter_port_frame(l.inv, l.net, l.a, true, TS * SEC, runt, sizeof runt, sizeof runt);
	CU_ASSERT_EQUAL(acct_net_malformed(&l.net->acct), 1);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).packets, 0);
	lab_free(&l);
}

/* --- VLANs of a VLAN-aware bridge --------------------------------------- */

/* Proxmox-shaped: a pinned to vmbr0 VLAN 20 (behind a firewall bridge), b
 * to VLAN 30, c untagged; and a configured network of VLAN 40. */
struct vlan_lab {
	struct conf *conf;
	struct inventory *inv;
	struct inv_net *br, *v20, *v30, *v40;
	struct inv_vnic *a, *b, *c;
};

static void pinned_of(struct domain_record *d, const char *name, const char *mac, const char *dev,
		      uint16_t vlan)
{
	*d = (struct domain_record){ .state = DOMAIN_RUNNING, .nvnics = 1 };
	snprintf(d->name, sizeof d->name, "%s", name);
	CU_ASSERT_FATAL(mac_parse(mac, d->vnics[0].mac) == 0);
	snprintf(d->vnics[0].ifname, sizeof d->vnics[0].ifname, "%s", dev);
	snprintf(d->vnics[0].bridge, sizeof d->vnics[0].bridge, "vmbr0");
	d->vnics[0].vlan = vlan;
	d->vnics[0].pinned = true;
}

static struct vlan_lab vlan_lab_new(void)
{
	static struct domain_record da, db, dc;
	pinned_of(&da, "100/a", MAC_A, "tap100i0", 20);
	pinned_of(&db, "101/b", MAC_B, "tap101i0", 30);
	pinned_of(&dc, "102/c", "52:54:00:00:0c:01", "tap102i0", 0);
	const struct domain_record *doms[] = { &da, &db, &dc };
	struct vlan_lab l = { .conf = conf_new() };
	struct conf_error err;
	const char *text = "network lan40 vmbr0 vlan=40\n";
	CU_ASSERT_FATAL(l.conf && conf_parse_buffer(l.conf, "t.conf", text, strlen(text), &err) == 0);
	struct inventory_source src = { l.conf, doms, 3, NULL };
	l.inv = inventory_build(&src, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l.inv);
	l.br = inventory_net_by_bridge(l.inv, "vmbr0");
	l.v20 = inventory_net_by_name(l.inv, "vmbr0.20");
	l.v30 = inventory_net_by_vlan(l.inv, "vmbr0", 30);
	l.v40 = inventory_net_by_name(l.inv, "lan40");
	l.a = inventory_vnic_by_ifname(l.inv, "tap100i0");
	l.b = inventory_vnic_by_ifname(l.inv, "tap101i0");
	l.c = inventory_vnic_by_ifname(l.inv, "tap102i0");
	CU_ASSERT_FATAL(l.br && l.v20 && l.v30 && l.v40 && l.a && l.b && l.c);
	/* Placed as lifecycle places them once their taps exist. */
	inventory_vnic_attach(l.a, l.a->home);
	inventory_vnic_attach(l.b, l.b->home);
	inventory_vnic_attach(l.c, l.c->home);
	l.a->vm->state = l.b->vm->state = l.c->vm->state = VM_RUNNING;
	return l;
}

/* A frame from src to dst on vmbr0's capture: tagged with vid (0: none),
 * len bytes as captured (the tag included). */
static void bridge_frame(struct vlan_lab *l, const char *src, const char *dst, uint16_t vid,
			 uint32_t len)
{
	uint8_t frame[18] = { 0 };
	CU_ASSERT_FATAL(mac_parse(dst, frame) == 0 && mac_parse(src, frame + 6) == 0);
	if (vid) {
		frame[12] = 0x81, frame[13] = 0x00;
		frame[14] = (uint8_t)(vid >> 8), frame[15] = (uint8_t)vid;
		frame[16] = 0x08;
	} else {
		frame[12] = 0x08;
	}
	meter_frame(l->inv, l->br, TS * SEC, frame, sizeof frame, len);
}

static void test_meter_vlan_networks_built(void)
{
	struct vlan_lab l = vlan_lab_new();
	CU_ASSERT_EQUAL(inventory_net_count(l.inv), 4); /* vmbr0, lan40, vmbr0.20, vmbr0.30 */
	CU_ASSERT_EQUAL(l.v20->vlan, 20);
	CU_ASSERT_PTR_EQUAL(l.v20->parent, l.br);
	CU_ASSERT_PTR_EQUAL(l.v40->parent, l.br);
	CU_ASSERT_STRING_EQUAL(l.v30->bridge, "vmbr0");
	CU_ASSERT_PTR_NULL(l.br->parent);
	CU_ASSERT_PTR_EQUAL(l.br->vlans[20], l.v20);
	CU_ASSERT_PTR_EQUAL(l.br->vlans[40], l.v40);
	CU_ASSERT_PTR_NULL(l.br->vlans[21]);
	/* Pinned: where the configuration says, whatever bridge the tap is
	 * a port of. */
	CU_ASSERT_PTR_EQUAL(l.a->home, l.v20);
	CU_ASSERT_PTR_EQUAL(l.b->home, l.v30);
	CU_ASSERT_PTR_EQUAL(l.c->home, l.br);
	CU_ASSERT_FALSE(l.br->by_port);
	inventory_free(l.inv);
	conf_free(l.conf);
}

static void test_meter_vlan_counts_untagged(void)
{
	struct vlan_lab l = vlan_lab_new();
	bridge_frame(&l, MAC_A, MAC_OUT, 20, 1046);  /* a → outside, tag added by the bridge */
	bridge_frame(&l, MAC_OUT, MAC_A, 20, 104);   /* outside → a */
	bridge_frame(&l, MAC_B, MAC_ALL, 30, 64);    /* b's broadcast in VLAN 30 */
	bridge_frame(&l, MAC_OUT, MAC_ALL, 20, 46);  /* a broadcast in VLAN 20 */
	bridge_frame(&l, MAC_OUT, MAC_ALL, 0, 60);   /* an untagged broadcast */
	bridge_frame(&l, MAC_OUT, MAC_ALL, 77, 70);  /* a VLAN with no network: as it is */
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 1042);
	CU_ASSERT_EQUAL(acct_port_received(&l.a->acct).bytes, 100 + 42);
	CU_ASSERT_EQUAL(acct_port_received(&l.a->acct).packets, 2);
	CU_ASSERT_EQUAL(acct_port_sent(&l.b->acct).bytes, 60);
	/* VLAN 30's broadcast is b's own: b receives none of it. */
	CU_ASSERT_EQUAL(acct_port_received(&l.b->acct).bytes, 0);
	/* c, untagged, receives the untagged broadcast and the unknown VLAN's
	 * (what the bridge's own group frames hold), no VLAN's. */
	CU_ASSERT_EQUAL(acct_port_received(&l.c->acct).bytes, 60 + 70);
	CU_ASSERT_EQUAL(acct_net_carried(&l.v20->acct).bytes, 1042 + 100 + 42);
	CU_ASSERT_EQUAL(acct_net_carried(&l.v20->acct).packets, 3);
	CU_ASSERT_EQUAL(acct_net_carried(&l.v30->acct).bytes, 60);
	CU_ASSERT_EQUAL(acct_net_carried(&l.v40->acct).packets, 0);
	/* The bridge: every frame, the known VLANs' without their tags. */
	CU_ASSERT_EQUAL(acct_net_carried(&l.br->acct).bytes, 1042 + 100 + 60 + 42 + 60 + 70);
	CU_ASSERT_EQUAL(acct_net_carried(&l.br->acct).packets, 6);
	/* Each second's bytes in both histories. */
	acct_net_tick(&l.br->acct, (TS + 2) * 1000000LL);
	acct_net_tick(&l.v20->acct, (TS + 2) * 1000000LL);
	uint64_t hist[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&l.v20->acct, hist, &end);
	CU_ASSERT_EQUAL(hist[0], 1042 + 100 + 42);
	acct_net_history(&l.br->acct, hist, &end);
	CU_ASSERT_EQUAL(hist[0], 1042 + 100 + 60 + 42 + 60 + 70);
	inventory_free(l.inv);
	conf_free(l.conf);
}

/* a's frame of len bytes to b at wall-clock ts_usec, at a's capture. */
static void a_sends_at(struct lab *l, int64_t ts_usec, uint32_t len)
{
	uint8_t frame[14] = { 0 };
	CU_ASSERT_FATAL(mac_parse(MAC_B, frame) == 0 && mac_parse(MAC_A, frame + 6) == 0);
	frame[12] = 0x08;
	meter_port_frame(l->inv, l->net, l->a, true, ts_usec, frame, sizeof frame, len);
}

/* a's VM is saved at monotonic 1000.5 s (wall clock TS + 0.5): a frame of
 * the old life the capture hands over late is the old life's; what a sends
 * after, in the same second too, is held, and the restore takes the
 * window before it. */
static void test_meter_held_after_down(void)
{
	struct lab l = lab_new();
	inventory_set_real_offset(l.inv, (TS - 1000) * SEC);
	struct domain_record rec = { .state = DOMAIN_SAVED };
	snprintf(rec.name, sizeof rec.name, "a");
	CU_ASSERT_TRUE(lifecycle_apply_domain(l.a->vm, &rec, 1000 * SEC + SEC / 2));
	a_sends_at(&l, TS * SEC + SEC / 4, 100);     /* sent before it was saved, read after */
	a_sends_at(&l, TS * SEC + SEC * 3 / 4, 200); /* after, in the same second: held */
	a_sends_at(&l, (TS + 20) * SEC, 300);        /* held */
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 100);
	CU_ASSERT_EQUAL(acct_port_received(&l.b->acct).bytes, 600);
	CU_ASSERT_EQUAL(acct_net_carried(&l.net->acct).bytes, 600);
	rec.state = DOMAIN_RUNNING;
	CU_ASSERT_TRUE(lifecycle_apply_domain(l.a->vm, &rec, 1022 * SEC));
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 300);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).packets, 1);
	a_sends_at(&l, (TS + 22) * SEC, 50); /* its new life counts */
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 350);
	lab_free(&l);
}

/* Restored in the second it was saved (a restore's guest sends at once):
 * what it sent after the save is its new life's. */
static void test_meter_restored_within_the_second(void)
{
	struct lab l = lab_new();
	inventory_set_real_offset(l.inv, (TS - 1000) * SEC);
	struct domain_record rec = { .state = DOMAIN_SAVED };
	snprintf(rec.name, sizeof rec.name, "a");
	CU_ASSERT_TRUE(lifecycle_apply_domain(l.a->vm, &rec, 1000 * SEC + SEC / 10));
	a_sends_at(&l, TS * SEC + SEC / 2, 60);
	rec.state = DOMAIN_RUNNING;
	CU_ASSERT_TRUE(lifecycle_apply_domain(l.a->vm, &rec, 1000 * SEC + SEC * 9 / 10));
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).bytes, 60);
	CU_ASSERT_EQUAL(acct_port_sent(&l.a->acct).packets, 1);
	lab_free(&l);
}

static CU_TestInfo meter_tests[] = {
	{ "port captures count each frame once", test_meter_port_counts_each_frame_once },
	{ "group frames from outside counted at the named capture",
	  test_meter_port_group_counted_where_told },
	{ "a frame too short at a port capture", test_meter_port_short_frame },
	{ "VLAN networks under their bridge's, vNICs pinned", test_meter_vlan_networks_built },
	{ "VLAN frames counted without their tag, on the VLAN and the bridge",
	  test_meter_vlan_counts_untagged },
	{ "a saved VM's frames: late ones its old life's, later ones held",
	  test_meter_held_after_down },
	{ "restored in the second it was saved: its frames since are its new life's",
	  test_meter_restored_within_the_second },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "meter", NULL, NULL, NULL, NULL, meter_tests },
	CU_SUITE_INFO_NULL,
};
