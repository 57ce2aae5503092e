/*
 * Unit tests of src/inventory.c: indexes in config order, the MAC → vNIC
 * table (every vNIC found, absent addresses not), initial states, per-VM
 * sums of the vNICs' counters, and moving a vNIC between networks.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

#define NOW_USEC INT64_C(123456789)

/* ---- helpers ---------------------------------------------------------- */

/* A conf parsed from text, asserting success. */
static struct conf *conf_from_at(const char *text, unsigned line)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct conf_error err = { "" };
	int rc = conf_parse_buffer(conf, "inv.conf", text, strlen(text), &err);
	char what[CONF_ERROR_MAX + 64];
	snprintf(what, sizeof what, "conf parses (error: \"%s\")", err.msg);
	CU_assertImplementation(rc == 0, line, what, __FILE__, "", CU_FALSE);
	return conf;
}
#define CONF_FROM(text) conf_from_at((text), __LINE__)

static struct inventory *inventory_from_at(const char *text, unsigned line)
{
	struct conf *conf = conf_from_at(text, line);
	struct inventory *inv = inventory_new(conf, NOW_USEC);
	conf_free(conf); /* the inventory keeps copies, not pointers */
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	return inv;
}
#define INVENTORY_FROM(text) inventory_from_at((text), __LINE__)

static void mac_of(const char *text, uint8_t mac[MAC_LEN])
{
	CU_ASSERT_EQUAL_FATAL(mac_parse(text, mac), 0);
}

static struct inv_vnic *by_mac_text(const struct inventory *inv, const char *text)
{
	uint8_t mac[MAC_LEN];
	mac_of(text, mac);
	return inventory_vnic_by_mac(inv, mac);
}

/* The VM named name, or NULL. */
static struct inv_vm *vm_named(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		if (!strcmp(inventory_vm(inv, i)->name, name))
			return inventory_vm(inv, i);
	return NULL;
}

/* The MAC of vNIC j (0 or 1) of VM i in the big inventories: the 48-bit
 * value 52:54:00:00:00:00 + 2i + j, consecutive like a MAC pool's. */
static void big_mac(size_t i, unsigned j, uint8_t mac[MAC_LEN])
{
	uint64_t v = UINT64_C(0x525400000000) + 2 * i + j;
	for (int b = 0; b < MAC_LEN; b++)
		mac[b] = (uint8_t)(v >> (8 * (MAC_LEN - 1 - b)));
}

/* A conf of nvms VMs with two vNICs each, filled in directly: parsing
 * 20,000 vnic lines costs O(n²) in the parser's duplicate checks. */
static struct conf *big_conf(size_t nvms)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	conf->networks = calloc(1, sizeof *conf->networks);
	conf->vms = calloc(nvms, sizeof *conf->vms);
	conf->vnics = calloc(2 * nvms, sizeof *conf->vnics);
	CU_ASSERT_FATAL(conf->networks && conf->vms && conf->vnics);
	strcpy(conf->networks[0].name, "lan0");
	strcpy(conf->networks[0].bridge, "br0");
	conf->n_networks = 1;
	for (size_t i = 0; i < nvms; i++) {
		snprintf(conf->vms[i].name, sizeof conf->vms[i].name, "vm%zu", i);
		for (unsigned j = 0; j < 2; j++) {
			struct conf_vnic *v = &conf->vnics[2 * i + j];
			strcpy(v->vm, conf->vms[i].name);
			v->vm_index = i;
			big_mac(i, j, v->mac);
		}
	}
	conf->n_vms = nvms;
	conf->n_vnics = 2 * nvms;
	return conf;
}

/* xorshift64*: reproducible pseudo-random MACs. */
static uint64_t rand_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t next_rand(void)
{
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return rand_state * UINT64_C(0x2545f4914f6cdd1d);
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

/* ---- tests ------------------------------------------------------------- */

static void test_inventory_empty(void)
{
	struct conf *conf = conf_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	struct inventory *inv = inventory_new(conf, NOW_USEC);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	CU_ASSERT_EQUAL(inventory_net_count(inv), 0);
	CU_ASSERT_EQUAL(inventory_vm_count(inv), 0);
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "52:54:00:12:34:56"));
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "00:00:00:00:00:00"));
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "ff:ff:ff:ff:ff:ff"));
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, "br0"));
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, ""));
	inventory_free(inv);
	inventory_free(NULL); /* like free() */
}

static void test_inventory_net_indexes(void)
{
	struct inventory *inv = INVENTORY_FROM("network lan0 br0\n"
					       "network dmz virbr1\n"
					       "network storage br-stor\n");
	CU_ASSERT_EQUAL_FATAL(inventory_net_count(inv), 3);
	static const char *const names[] = { "lan0", "dmz", "storage" };
	static const char *const bridges[] = { "br0", "virbr1", "br-stor" };
	for (size_t i = 0; i < 3; i++) {
		struct inv_net *net = inventory_net(inv, i);
		CU_ASSERT_EQUAL(net->index, i + 1);
		CU_ASSERT_STRING_EQUAL(net->name, names[i]);
		CU_ASSERT_STRING_EQUAL(net->bridge, bridges[i]);
		CU_ASSERT_EQUAL(net->discontinuity_usec, NOW_USEC);
		CU_ASSERT_EQUAL(net->acct.carried.bytes, 0);
		CU_ASSERT_EQUAL(net->acct.carried.packets, 0);
	}
	inventory_free(inv);
}

static void test_inventory_vm_indexes(void)
{
	struct inventory *inv = INVENTORY_FROM("vm zeta\n"
					       "vm alpha uuid=8a3c1d2e-0b4f-4c6d-9e8f-0123456789ab\n"
					       "vm mid\n"
					       "vnic alpha 52:54:00:00:00:01\n");
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(inv), 3);
	/* Config order, not name order. */
	static const char *const names[] = { "zeta", "alpha", "mid" };
	for (size_t i = 0; i < 3; i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		CU_ASSERT_EQUAL(vm->index, i + 1);
		CU_ASSERT_STRING_EQUAL(vm->name, names[i]);
		CU_ASSERT_EQUAL(vm->discontinuity_usec, NOW_USEC);
	}
	CU_ASSERT_STRING_EQUAL(inventory_vm(inv, 0)->uuid, "");
	CU_ASSERT_STRING_EQUAL(inventory_vm(inv, 1)->uuid, "8a3c1d2e-0b4f-4c6d-9e8f-0123456789ab");
	CU_ASSERT_EQUAL(inventory_vm(inv, 0)->nvnics, 0);
	CU_ASSERT_EQUAL(inventory_vm(inv, 1)->nvnics, 1);
	CU_ASSERT_EQUAL(inventory_vm(inv, 2)->nvnics, 0);
	inventory_free(inv);
}

static void test_inventory_vnic_indexes_interleaved(void)
{
	struct inventory *inv = INVENTORY_FROM("vm a\nvm b\nvm c\n"
					       "vnic b 52:54:00:00:0b:01 tap-b1\n"
					       "vnic a 52:54:00:00:0a:01\n"
					       "vnic b 52:54:00:00:0b:02\n"
					       "vnic c 52:54:00:00:0c:01\n"
					       "vnic a 52:54:00:00:0a:02 tap-a2\n"
					       "vnic b 52:54:00:00:0b:03 tap-b3\n");
	struct inv_vm *a = vm_named(inv, "a"), *b = vm_named(inv, "b"), *c = vm_named(inv, "c");
	CU_ASSERT_FATAL(a && b && c);
	CU_ASSERT_EQUAL_FATAL(a->nvnics, 2);
	CU_ASSERT_EQUAL_FATAL(b->nvnics, 3);
	CU_ASSERT_EQUAL_FATAL(c->nvnics, 1);

	static const char *const a_macs[] = { "52:54:00:00:0a:01", "52:54:00:00:0a:02" };
	static const char *const b_macs[] = { "52:54:00:00:0b:01", "52:54:00:00:0b:02",
					      "52:54:00:00:0b:03" };
	static const char *const b_ifs[] = { "tap-b1", "", "tap-b3" };
	for (size_t i = 0; i < 2; i++) {
		uint8_t mac[MAC_LEN];
		mac_of(a_macs[i], mac);
		CU_ASSERT_EQUAL(a->vnics[i].index, i + 1);
		CU_ASSERT_EQUAL(memcmp(a->vnics[i].mac, mac, MAC_LEN), 0);
		CU_ASSERT_PTR_EQUAL(a->vnics[i].vm, a);
	}
	CU_ASSERT_STRING_EQUAL(a->vnics[0].ifname, "");
	CU_ASSERT_STRING_EQUAL(a->vnics[1].ifname, "tap-a2");
	for (size_t i = 0; i < 3; i++) {
		uint8_t mac[MAC_LEN];
		mac_of(b_macs[i], mac);
		CU_ASSERT_EQUAL(b->vnics[i].index, i + 1);
		CU_ASSERT_EQUAL(memcmp(b->vnics[i].mac, mac, MAC_LEN), 0);
		CU_ASSERT_STRING_EQUAL(b->vnics[i].ifname, b_ifs[i]);
		CU_ASSERT_PTR_EQUAL(b->vnics[i].vm, b);
	}
	CU_ASSERT_EQUAL(c->vnics[0].index, 1);
	CU_ASSERT_PTR_EQUAL(c->vnics[0].vm, c);

	/* Each is what its MAC finds. */
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:0b:02"), &b->vnics[1]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:0a:02"), &a->vnics[1]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:0c:01"), &c->vnics[0]);
	inventory_free(inv);
}

static void test_inventory_vnic_initial_values(void)
{
	struct inventory *inv = INVENTORY_FROM("network lan0 br0\nvm a\n"
					       "vnic a 52:54:00:00:0a:01 vnet0\n"
					       "vnic a 52:54:00:00:0a:02\n");
	struct inv_vm *a = inventory_vm(inv, 0);
	CU_ASSERT_EQUAL_FATAL(a->nvnics, 2);
	for (size_t i = 0; i < 2; i++) {
		struct inv_vnic *v = &a->vnics[i];
		/* The conf names no network for a vNIC: placed when seen. */
		CU_ASSERT_PTR_NULL(v->net);
		CU_ASSERT_EQUAL(v->host_ifindex, 0);
		ASSERT_COUNTS(acct_port_sent(&v->acct), 0, 0);
		ASSERT_COUNTS(acct_port_received(&v->acct), 0, 0);
	}
	ASSERT_COUNTS(inventory_vm_sent(a), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(a), 0, 0);
	inventory_free(inv);
}

static void test_inventory_vnic_by_mac_10000_vms(void)
{
	const size_t nvms = 10000;
	struct conf *conf = big_conf(nvms);
	struct inventory *inv = inventory_new(conf, NOW_USEC);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(inv), nvms);

	size_t found = 0, right = 0;
	for (size_t i = 0; i < nvms; i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		for (unsigned j = 0; j < 2; j++) {
			uint8_t mac[MAC_LEN];
			big_mac(i, j, mac);
			struct inv_vnic *v = inventory_vnic_by_mac(inv, mac);
			found += v != NULL;
			right += v == &vm->vnics[j] && v->vm == vm && v->index == j + 1;
		}
	}
	CU_ASSERT_EQUAL(found, 2 * nvms);
	CU_ASSERT_EQUAL(right, 2 * nvms);
	inventory_free(inv);
}

static void test_inventory_vnic_by_mac_absent(void)
{
	const size_t nvms = 10000;
	struct conf *conf = big_conf(nvms);
	struct inventory *inv = inventory_new(conf, NOW_USEC);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);

	static const char *const absent[] = {
		"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01",
		"33:33:00:00:00:01", "52:54:00:00:4e:20", /* just past the last */
		"52:53:ff:ff:ff:ff",			    /* just before the first */
		"53:54:00:00:00:00",			    /* differs in the first octet */
		"00:00:52:54:00:00",
	};
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		CU_ASSERT_PTR_NULL(by_mac_text(inv, absent[i]));
	/* 52:54:00:00:00:00 itself is present (VM 0, vNIC 0). */
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:00:00"), &inventory_vm(inv, 0)->vnics[0]);

	/* A million random absent addresses: each lookup ends, none matches,
	 * and the table is unchanged afterwards. */
	size_t wrong = 0, tried = 0;
	while (tried < 1000000) {
		uint64_t r = next_rand() & UINT64_C(0xffffffffffff);
		if (tried % 2)
			r = UINT64_C(0x525400000000) | (r & UINT64_C(0xffffffff)); /* same OUI */
		if (r >= UINT64_C(0x525400000000) && r < UINT64_C(0x525400000000) + 2 * nvms)
			continue; /* present */
		uint8_t mac[MAC_LEN];
		for (int b = 0; b < MAC_LEN; b++)
			mac[b] = (uint8_t)(r >> (8 * (MAC_LEN - 1 - b)));
		wrong += inventory_vnic_by_mac(inv, mac) != NULL;
		tried++;
	}
	CU_ASSERT_EQUAL(wrong, 0);

	size_t found = 0;
	for (size_t i = 0; i < nvms; i++)
		for (unsigned j = 0; j < 2; j++) {
			uint8_t mac[MAC_LEN];
			big_mac(i, j, mac);
			found += inventory_vnic_by_mac(inv, mac) == &inventory_vm(inv, i)->vnics[j];
		}
	CU_ASSERT_EQUAL(found, 2 * nvms);
	inventory_free(inv);
}

static void test_inventory_vnic_by_mac_small_tables(void)
{
	/* From 1 to 40 vNICs: across table sizes, including tables exactly
	 * half full (8 of 16, 16 of 32, 32 of 64): all found, absent not. */
	for (size_t n = 1; n <= 40; n++) {
		struct conf *conf = big_conf(n);
		/* Keep the first n vNICs only: vNIC k has MAC base + k. */
		conf->n_vnics = n;
		struct inventory *inv = inventory_new(conf, NOW_USEC);
		conf_free(conf);
		CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
		size_t found = 0;
		for (size_t k = 0; k < n; k++) {
			uint8_t mac[MAC_LEN];
			big_mac(k / 2, (unsigned)(k % 2), mac);
			struct inv_vnic *v = inventory_vnic_by_mac(inv, mac);
			found += v && !memcmp(v->mac, mac, MAC_LEN);
		}
		CU_ASSERT_EQUAL(found, n);
		size_t wrong = 0;
		for (size_t k = n; k < n + 1000; k++) {
			uint8_t mac[MAC_LEN];
			big_mac(k / 2, (unsigned)(k % 2), mac);
			wrong += inventory_vnic_by_mac(inv, mac) != NULL;
		}
		CU_ASSERT_EQUAL(wrong, 0);
		inventory_free(inv);
	}
}

static void test_inventory_net_by_bridge(void)
{
	struct inventory *inv = INVENTORY_FROM("network lan0 br0\n"
					       "network dmz virbr1\n");
	CU_ASSERT_PTR_EQUAL(inventory_net_by_bridge(inv, "br0"), inventory_net(inv, 0));
	CU_ASSERT_PTR_EQUAL(inventory_net_by_bridge(inv, "virbr1"), inventory_net(inv, 1));
	/* The bridge, not the network's name. */
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, "lan0"));
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, "br1"));
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, "virbr"));
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, ""));
	inventory_free(inv);
}

static void test_inventory_initial_states(void)
{
	struct inventory *inv = INVENTORY_FROM("vm nameless\nvm named\nvm mixed\nvm bare\n"
					       "vnic nameless 52:54:00:00:01:01\n"
					       "vnic nameless 52:54:00:00:01:02\n"
					       "vnic named 52:54:00:00:02:01 vnet0\n"
					       "vnic mixed 52:54:00:00:03:01\n"
					       "vnic mixed 52:54:00:00:03:02 vnet1\n");
	/* No host interface named: unknown, always counted. */
	CU_ASSERT_EQUAL(vm_named(inv, "nameless")->state, VM_UNKNOWN);
	CU_ASSERT_EQUAL(vm_named(inv, "bare")->state, VM_UNKNOWN);
	/* One named on any vNIC: off until seen up. */
	CU_ASSERT_EQUAL(vm_named(inv, "named")->state, VM_OFF);
	CU_ASSERT_EQUAL(vm_named(inv, "mixed")->state, VM_OFF);
	inventory_free(inv);
}

static void test_inventory_vm_sent_received(void)
{
	struct inventory *inv = INVENTORY_FROM("network lan0 br0\nnetwork lan1 br1\n"
					       "vm vm1\nvm vm2\nvm vm3\n"
					       "vnic vm1 52:54:00:00:01:01\n"
					       "vnic vm1 52:54:00:00:01:02\n"
					       "vnic vm2 52:54:00:00:02:01\n"
					       "vnic vm3 52:54:00:00:03:01\n");
	struct inv_net *lan0 = inventory_net_by_bridge(inv, "br0");
	struct inv_net *lan1 = inventory_net_by_bridge(inv, "br1");
	struct inv_vm *vm1 = vm_named(inv, "vm1"), *vm2 = vm_named(inv, "vm2"),
		      *vm3 = vm_named(inv, "vm3");
	CU_ASSERT_FATAL(lan0 && lan1 && vm1 && vm2 && vm3);
	struct inv_vnic *v11 = &vm1->vnics[0], *v12 = &vm1->vnics[1], *v21 = &vm2->vnics[0],
			*v31 = &vm3->vnics[0];
	inventory_vnic_attach(v11, lan0);
	inventory_vnic_attach(v12, lan0);
	inventory_vnic_attach(v21, lan0);
	inventory_vnic_attach(v31, lan1);
	CU_ASSERT_PTR_EQUAL(v11->net, lan0);
	CU_ASSERT_PTR_EQUAL(v31->net, lan1);

	const int64_t t = 1700000000;
	/* On lan0: unicast between the VMs, broadcasts from each, one from a
	 * stranger, and unicast between strangers. */
	acct_count_frame(&lan0->acct, &v11->acct, &v21->acct, false, 100, t);
	acct_count_frame(&lan0->acct, &v12->acct, &v21->acct, false, 200, t);
	acct_count_frame(&lan0->acct, &v21->acct, &v12->acct, false, 300, t);
	acct_count_frame(&lan0->acct, &v21->acct, NULL, true, 60, t);
	acct_count_frame(&lan0->acct, &v11->acct, NULL, true, 70, t + 1);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 80, t + 1);
	acct_count_frame(&lan0->acct, NULL, NULL, false, 1000, t + 1);
	/* On lan1: vm3's own broadcast. */
	acct_count_frame(&lan1->acct, &v31->acct, NULL, true, 90, t);

	/* Per vNIC. */
	ASSERT_COUNTS(acct_port_sent(&v11->acct), 170, 2);
	ASSERT_COUNTS(acct_port_sent(&v12->acct), 200, 1);
	ASSERT_COUNTS(acct_port_received(&v11->acct), 60 + 80, 2);
	ASSERT_COUNTS(acct_port_received(&v12->acct), 300 + 60 + 70 + 80, 4);

	/* Per VM: the sums. */
	ASSERT_COUNTS(inventory_vm_sent(vm1), 100 + 200 + 70, 3);
	ASSERT_COUNTS(inventory_vm_received(vm1), 140 + 510, 6);
	ASSERT_COUNTS(inventory_vm_sent(vm2), 300 + 60, 2);
	ASSERT_COUNTS(inventory_vm_received(vm2), 100 + 200 + 70 + 80, 4);
	/* Its own broadcast is not received; lan0's do not reach lan1. */
	ASSERT_COUNTS(inventory_vm_sent(vm3), 90, 1);
	ASSERT_COUNTS(inventory_vm_received(vm3), 0, 0);
	/* The networks carried every frame once. */
	CU_ASSERT_EQUAL(lan0->acct.carried.bytes, 100 + 200 + 300 + 60 + 70 + 80 + 1000);
	CU_ASSERT_EQUAL(lan0->acct.carried.packets, 7);
	CU_ASSERT_EQUAL(lan1->acct.carried.bytes, 90);
	inventory_free(inv);
}

static void test_inventory_vm_without_vnics_sums_zero(void)
{
	struct inventory *inv = INVENTORY_FROM("vm bare\n");
	ASSERT_COUNTS(inventory_vm_sent(inventory_vm(inv, 0)), 0, 0);
	ASSERT_COUNTS(inventory_vm_received(inventory_vm(inv, 0)), 0, 0);
	inventory_free(inv);
}

static void test_inventory_vnic_attach_moves(void)
{
	struct inventory *inv = INVENTORY_FROM("network lan0 br0\nnetwork lan1 br1\n"
					       "vm vm1\nvnic vm1 52:54:00:00:01:01 vnet0\n");
	struct inv_net *lan0 = inventory_net(inv, 0), *lan1 = inventory_net(inv, 1);
	struct inv_vm *vm1 = inventory_vm(inv, 0);
	struct inv_vnic *v = &vm1->vnics[0];
	const int64_t t = 1700000000;

	/* A broadcast before it is attached anywhere is not its. */
	acct_count_frame(&lan0->acct, NULL, NULL, true, 1000, t);
	inventory_vnic_attach(v, lan0);
	CU_ASSERT_PTR_EQUAL(v->net, lan0);
	ASSERT_COUNTS(inventory_vm_received(vm1), 0, 0);

	acct_count_frame(&lan0->acct, NULL, NULL, true, 64, t);
	acct_count_frame(&lan0->acct, NULL, &v->acct, false, 500, t);
	ASSERT_COUNTS(inventory_vm_received(vm1), 564, 2);
	/* Attaching to where it is changes nothing. */
	inventory_vnic_attach(v, lan0);
	ASSERT_COUNTS(inventory_vm_received(vm1), 564, 2);

	/* Moved to lan1: keeps what it received, follows lan1's broadcasts. */
	inventory_vnic_attach(v, lan1);
	CU_ASSERT_PTR_EQUAL(v->net, lan1);
	ASSERT_COUNTS(inventory_vm_received(vm1), 564, 2);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 100, t);
	ASSERT_COUNTS(inventory_vm_received(vm1), 564, 2);
	acct_count_frame(&lan1->acct, NULL, NULL, true, 50, t);
	ASSERT_COUNTS(inventory_vm_received(vm1), 614, 3);
	/* Its own broadcast on lan1 is sent, not received. */
	acct_count_frame(&lan1->acct, &v->acct, NULL, true, 42, t);
	ASSERT_COUNTS(inventory_vm_received(vm1), 614, 3);
	ASSERT_COUNTS(inventory_vm_sent(vm1), 42, 1);

	/* Detached: keeps everything, receives no broadcast. */
	inventory_vnic_attach(v, NULL);
	CU_ASSERT_PTR_NULL(v->net);
	ASSERT_COUNTS(inventory_vm_received(vm1), 614, 3);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 7, t);
	acct_count_frame(&lan1->acct, NULL, NULL, true, 7, t);
	ASSERT_COUNTS(inventory_vm_received(vm1), 614, 3);

	/* Back on lan0: only what lan0 carries from now on is added. */
	inventory_vnic_attach(v, lan0);
	CU_ASSERT_PTR_EQUAL(v->net, lan0);
	ASSERT_COUNTS(inventory_vm_received(vm1), 614, 3);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 10, t);
	ASSERT_COUNTS(inventory_vm_received(vm1), 624, 4);
	ASSERT_COUNTS(inventory_vm_sent(vm1), 42, 1);
	inventory_free(inv);
}

static CU_TestInfo inventory_tests[] = {
	{ "empty conf gives an empty inventory", test_inventory_empty },
	{ "network indexes 1..n in config order", test_inventory_net_indexes },
	{ "VM indexes 1..n in config order", test_inventory_vm_indexes },
	{ "vNIC indexes 1..k per VM, interleaved lines", test_inventory_vnic_indexes_interleaved },
	{ "vNICs start detached with zero counters", test_inventory_vnic_initial_values },
	{ "vnic_by_mac finds every vNIC of 10,000 VMs", test_inventory_vnic_by_mac_10000_vms },
	{ "vnic_by_mac: absent MACs give NULL", test_inventory_vnic_by_mac_absent },
	{ "vnic_by_mac: small and half-full tables", test_inventory_vnic_by_mac_small_tables },
	{ "net_by_bridge", test_inventory_net_by_bridge },
	{ "initial states: unknown without ifname, off with", test_inventory_initial_states },
	{ "vm_sent/vm_received sum the vNICs", test_inventory_vm_sent_received },
	{ "VM without vNICs sums to zero", test_inventory_vm_without_vnics_sums_zero },
	{ "vnic_attach moves the vNIC, keeps what it received", test_inventory_vnic_attach_moves },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "inventory", NULL, NULL, NULL, NULL, inventory_tests },
	CU_SUITE_INFO_NULL,
};
