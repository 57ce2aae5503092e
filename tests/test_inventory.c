/*
 * Unit tests of src/inventory.c: indexes in config order, the MAC → vNIC
 * table (every vNIC found, absent addresses not), initial states, per-VM
 * sums of the vNICs' counters, and moving a vNIC between networks; then
 * building from discovered domains (alone and merged with the conf),
 * persisted indexes, inventory_adopt carrying counters into a rebuilt
 * inventory, and lookups at 10,000 VMs.
 */
#include "runner.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
		conf->vms[i].n_vnics = 2;
		for (unsigned j = 0; j < 2; j++) {
			struct conf_vnic *v = &conf->vnics[2 * i + j];
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
		CU_ASSERT_EQUAL(acct_net_carried(&net->acct).bytes, 0);
		CU_ASSERT_EQUAL(acct_net_carried(&net->acct).packets, 0);
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

static void test_inventory_vnic_by_mac_one_vendor(void)
{
	/* Every MAC starts 52:54: 52:55:00:00:00:00 and 00:00:00:00:52:55
	 * share a's 32 low hash bits (the rest of the address folded with
	 * the first two octets) but are nobody's. */
	struct inventory *inv = INVENTORY_FROM("vm a\nvnic a 52:54:00:00:00:01\n"
					       "vm b\nvnic b 52:54:00:00:00:02\n");
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:00:01"), &vm_named(inv, "a")->vnics[0]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:00:02"), &vm_named(inv, "b")->vnics[0]);
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "52:55:00:00:00:00"));
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "00:00:00:00:52:55"));
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "52:54:00:00:00:03"));
	inventory_free(inv);
}

static void test_inventory_vnic_by_mac_vendors_mixed(void)
{
	/* Two vendors' prefixes, and two present MACs whose 32 low hash bits
	 * are equal: each is found as itself, the lookalikes absent. */
	struct inventory *inv = INVENTORY_FROM("vm a\nvnic a 52:54:00:00:00:01\n"
					       "vm b\nvnic b 52:55:00:00:00:00\n"
					       "vm c\nvnic c bc:24:11:00:00:07\n");
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:00:01"), &vm_named(inv, "a")->vnics[0]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:55:00:00:00:00"), &vm_named(inv, "b")->vnics[0]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "bc:24:11:00:00:07"), &vm_named(inv, "c")->vnics[0]);
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "00:00:00:00:52:55"));
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "00:00:11:00:bc:23")); /* c's lookalike */
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "52:54:11:00:00:07"));
	inventory_free(inv);
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
	CU_ASSERT_EQUAL(acct_net_carried(&lan0->acct).bytes, 100 + 200 + 300 + 60 + 70 + 80 + 1000);
	CU_ASSERT_EQUAL(acct_net_carried(&lan0->acct).packets, 7);
	CU_ASSERT_EQUAL(acct_net_carried(&lan1->acct).bytes, 90);
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

/* ---- sources: discovered domains, persisted indexes -------------------- */

#define T_OLD INT64_C(100000000)
#define T_NEW INT64_C(200000000)
#define T_ADOPT INT64_C(200000001)
#define TS INT64_C(1700000000) /* capture timestamps, seconds */
#define UUID_A "11111111-1111-1111-1111-111111111111"
#define UUID_B "22222222-2222-2222-2222-222222222222"
#define UUID_C "cccccccc-cccc-cccc-cccc-cccccccccccc"

/* A running domain with no interfaces; the caller frees it. */
static struct domain_record *domain_new(const char *name, const char *uuid)
{
	struct domain_record *d = calloc(1, sizeof *d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	snprintf(d->name, sizeof d->name, "%s", name);
	snprintf(d->uuid, sizeof d->uuid, "%s", uuid);
	d->state = DOMAIN_RUNNING;
	return d;
}

static void domain_iface(struct domain_record *d, const char *mac, const char *target,
			 const char *bridge)
{
	CU_ASSERT_FATAL(d->nvnics < DOMAIN_MAX_VNICS);
	struct domain_vnic *i = &d->vnics[d->nvnics++];
	mac_of(mac, i->mac);
	snprintf(i->ifname, sizeof i->ifname, "%s", target);
	snprintf(i->bridge, sizeof i->bridge, "%s", bridge);
}

/* The inventory of a conf parsed from text ("" for none), domains and an
 * index map (or NULL), built at now. */
static struct inventory *build_at(const char *text, const struct domain_record *const *doms,
				  size_t ndoms, struct indexes *indexes, int64_t now,
				  unsigned line)
{
	struct conf *conf = conf_from_at(text, line);
	struct inventory_source src = { conf, doms, ndoms, indexes };
	struct inventory *inv = inventory_build(&src, now);
	conf_free(conf);
	CU_assertImplementation(inv != NULL, line, "inventory_build succeeds", __FILE__, "",
				CU_TRUE);
	return inv;
}
#define BUILD(text, doms, ndoms, indexes, now) \
	build_at((text), (doms), (ndoms), (indexes), (now), __LINE__)

/* The vNIC of vm with MAC text, or NULL. */
static struct inv_vnic *vnic_of(const struct inv_vm *vm, const char *text)
{
	uint8_t mac[MAC_LEN];
	mac_of(text, mac);
	for (size_t i = 0; i < vm->nvnics; i++)
		if (!memcmp(vm->vnics[i].mac, mac, MAC_LEN))
			return &vm->vnics[i];
	return NULL;
}

static void test_inventory_build_domains_only(void)
{
	struct domain_record *alpha = domain_new("alpha", UUID_A);
	domain_iface(alpha, "52:54:00:aa:00:01", "vnet0", "virbr0");
	domain_iface(alpha, "52:54:00:aa:00:02", "vnet1", "br-ext");
	struct domain_record *beta = domain_new("beta", UUID_B);
	domain_iface(beta, "52:54:00:bb:00:01", "vnet2", "virbr0"); /* shared bridge */
	domain_iface(beta, "52:54:00:bb:00:02", "macvtap0", "");    /* type='direct' */
	domain_iface(beta, "52:54:00:bb:00:03", "", "br-ext");      /* no target yet */
	const struct domain_record *doms[] = { alpha, beta };
	struct inventory *inv = BUILD("", doms, 2, NULL, NOW_USEC);

	/* One network per distinct bridge, named after it, in order. */
	CU_ASSERT_EQUAL_FATAL(inventory_net_count(inv), 2);
	static const char *const bridges[] = { "virbr0", "br-ext" };
	for (size_t i = 0; i < 2; i++) {
		struct inv_net *net = inventory_net(inv, i);
		CU_ASSERT_STRING_EQUAL(net->name, bridges[i]);
		CU_ASSERT_STRING_EQUAL(net->bridge, bridges[i]);
		CU_ASSERT_EQUAL(net->index, i + 1);
		CU_ASSERT_EQUAL(net->discontinuity_usec, NOW_USEC);
		CU_ASSERT_PTR_EQUAL(inventory_net_by_bridge(inv, bridges[i]), net);
		CU_ASSERT_PTR_EQUAL(inventory_net_by_name(inv, bridges[i]), net);
	}
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, ""));
	CU_ASSERT_PTR_NULL(inventory_net_by_name(inv, ""));
	CU_ASSERT_PTR_NULL(inventory_net_by_bridge(inv, "macvtap0"));

	/* A VM per domain, discovered, off until libvirt says more. */
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(inv), 2);
	struct inv_vm *a = inventory_vm(inv, 0), *b = inventory_vm(inv, 1);
	CU_ASSERT_STRING_EQUAL(a->name, "alpha");
	CU_ASSERT_STRING_EQUAL(b->name, "beta");
	CU_ASSERT_STRING_EQUAL(a->uuid, UUID_A);
	CU_ASSERT_STRING_EQUAL(b->uuid, UUID_B);
	CU_ASSERT_EQUAL(a->index, 1);
	CU_ASSERT_EQUAL(b->index, 2);
	CU_ASSERT_TRUE(a->discovered);
	CU_ASSERT_TRUE(b->discovered);
	CU_ASSERT_EQUAL(a->state, VM_OFF);
	CU_ASSERT_EQUAL(b->state, VM_OFF);
	CU_ASSERT_EQUAL(a->discontinuity_usec, NOW_USEC);
	CU_ASSERT_PTR_EQUAL(inventory_vm_by_name(inv, "alpha"), a);
	CU_ASSERT_PTR_EQUAL(inventory_vm_by_name(inv, "beta"), b);
	CU_ASSERT_PTR_NULL(inventory_vm_by_name(inv, "gamma"));
	CU_ASSERT_PTR_NULL(inventory_vm_by_name(inv, "alph"));

	/* vNICs: the domain's interfaces, host interface = target. */
	CU_ASSERT_EQUAL_FATAL(a->nvnics, 2);
	CU_ASSERT_EQUAL_FATAL(b->nvnics, 3);
	static const char *const a_macs[] = { "52:54:00:aa:00:01", "52:54:00:aa:00:02" };
	static const char *const a_ifs[] = { "vnet0", "vnet1" };
	static const char *const b_macs[] = { "52:54:00:bb:00:01", "52:54:00:bb:00:02",
					      "52:54:00:bb:00:03" };
	static const char *const b_ifs[] = { "vnet2", "macvtap0", "" };
	for (size_t i = 0; i < 2; i++) {
		struct inv_vnic *v = &a->vnics[i];
		CU_ASSERT_EQUAL(v->index, i + 1);
		CU_ASSERT_PTR_EQUAL(v->vm, a);
		CU_ASSERT_STRING_EQUAL(v->ifname, a_ifs[i]);
		CU_ASSERT_PTR_EQUAL(by_mac_text(inv, a_macs[i]), v);
		CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, a_ifs[i]), v);
		ASSERT_COUNTS(acct_port_sent(&v->acct), 0, 0);
	}
	for (size_t i = 0; i < 3; i++) {
		struct inv_vnic *v = &b->vnics[i];
		CU_ASSERT_EQUAL(v->index, i + 1);
		CU_ASSERT_PTR_EQUAL(v->vm, b);
		CU_ASSERT_STRING_EQUAL(v->ifname, b_ifs[i]);
		CU_ASSERT_PTR_EQUAL(by_mac_text(inv, b_macs[i]), v);
	}
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet2"), &b->vnics[0]);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "macvtap0"), &b->vnics[1]);
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(inv, ""));
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(inv, "vnet3"));
	CU_ASSERT_PTR_NULL(by_mac_text(inv, "52:54:00:aa:00:03"));
	inventory_free(inv);
	free(alpha);
	free(beta);
}

static void test_inventory_build_domains_shared_bridges(void)
{
	/* Five domains over two bridges, one with no bridge at all. */
	struct domain_record *d[5];
	const struct domain_record *doms[5];
	for (size_t i = 0; i < 5; i++) {
		char name[16], mac[MAC_STRLEN], target[16];
		snprintf(name, sizeof name, "d%zu", i);
		d[i] = domain_new(name, "");
		for (unsigned k = 0; k < 2; k++) {
			snprintf(mac, sizeof mac, "52:54:00:0d:%02zx:%02x", i, k);
			snprintf(target, sizeof target, "vnet%zu%u", i, k);
			domain_iface(d[i], mac, target, i == 4 ? "" : k ? "br1" : "virbr0");
		}
		doms[i] = d[i];
	}
	struct inventory *inv = BUILD("", doms, 5, NULL, NOW_USEC);
	CU_ASSERT_EQUAL(inventory_net_count(inv), 2);
	CU_ASSERT_PTR_NOT_NULL(inventory_net_by_name(inv, "virbr0"));
	CU_ASSERT_PTR_NOT_NULL(inventory_net_by_name(inv, "br1"));
	CU_ASSERT_EQUAL(inventory_vm_count(inv), 5);
	CU_ASSERT_STRING_EQUAL(inventory_vm(inv, 4)->uuid, "");
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(inventory_vm(inv, i)->nvnics, 2);
	inventory_free(inv);
	for (size_t i = 0; i < 5; i++)
		free(d[i]);
}

static void test_inventory_build_domain_without_interfaces(void)
{
	/* A discovered VM is off until libvirt's state is applied, whether
	 * or not it has interfaces. */
	struct domain_record *bare = domain_new("bare", UUID_C);
	struct domain_record *one = domain_new("one", "");
	domain_iface(one, "52:54:00:00:01:01", "vnet0", "br0");
	struct domain_record *confdom = domain_new("confdom", "");
	const struct domain_record *doms[] = { bare, one, confdom };
	struct inventory *inv = BUILD("vm confbare\nvm confdom\n", doms, 3, NULL, NOW_USEC);
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(inv), 4);
	struct inv_vm *vm = inventory_vm_by_name(inv, "bare");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	CU_ASSERT_TRUE(vm->discovered);
	CU_ASSERT_EQUAL(vm->nvnics, 0);
	CU_ASSERT_STRING_EQUAL(vm->uuid, UUID_C);
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "one")->state, VM_OFF);
	/* A configured VM without vNICs nor domain stays unknown. */
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "confbare")->state, VM_UNKNOWN);
	CU_ASSERT_FALSE(inventory_vm_by_name(inv, "confbare")->discovered);
	/* A configured VM without vNICs whose domain has no interfaces. */
	vm = inventory_vm_by_name(inv, "confdom");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	CU_ASSERT_TRUE(vm->discovered);
	CU_ASSERT_EQUAL(vm->nvnics, 0);
	CU_ASSERT_EQUAL(vm->state, VM_OFF);
	inventory_free(inv);
	free(bare);
	free(one);
	free(confdom);
}

static void test_inventory_build_conf_and_domains_merged(void)
{
	struct domain_record *web = domain_new("web01", UUID_A);
	domain_iface(web, "52:54:00:12:34:56", "vnet0", "br0");
	domain_iface(web, "52:54:00:12:34:57", "vnet1", "virbr1"); /* not in the conf */
	struct domain_record *db = domain_new("db01", UUID_B);
	domain_iface(db, "52:54:00:00:db:01", "vnet5", "br0");
	struct domain_record *other = domain_new("other", UUID_C);
	domain_iface(other, "52:54:00:00:0e:01", "vnet7", "br0");
	const struct domain_record *doms[] = { other, db, web };
	struct inventory *inv = BUILD("network lan0 br0\n"
				      "vm web01\n"
				      "vnic web01 52:54:00:12:34:56\n"
				      "vm db01 uuid=" UUID_C "\n"
				      "vnic db01 52:54:00:00:db:01 tap-db\n"
				      "vnic db01 52:54:00:00:db:02\n"
				      "vm static\n"
				      "vnic static 52:54:00:00:5a:01\n",
				      doms, 3, NULL, NOW_USEC);

	/* One row per name: configured ones first, in conf order. */
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(inv), 4);
	struct inv_vm *w = inventory_vm(inv, 0), *d = inventory_vm(inv, 1),
		      *st = inventory_vm(inv, 2), *o = inventory_vm(inv, 3);
	CU_ASSERT_STRING_EQUAL(w->name, "web01");
	CU_ASSERT_STRING_EQUAL(d->name, "db01");
	CU_ASSERT_STRING_EQUAL(st->name, "static");
	CU_ASSERT_STRING_EQUAL(o->name, "other");
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(inventory_vm(inv, i)->index, i + 1);
	CU_ASSERT_PTR_EQUAL(inventory_vm_by_name(inv, "web01"), w);
	CU_ASSERT_PTR_EQUAL(inventory_vm_by_name(inv, "db01"), d);

	/* The domain's UUID fills in; the conf's wins when given. */
	CU_ASSERT_STRING_EQUAL(w->uuid, UUID_A);
	CU_ASSERT_STRING_EQUAL(d->uuid, UUID_C);
	CU_ASSERT_STRING_EQUAL(st->uuid, "");
	CU_ASSERT_TRUE(w->discovered);
	CU_ASSERT_TRUE(d->discovered);
	CU_ASSERT_TRUE(o->discovered);
	CU_ASSERT_FALSE(st->discovered);
	CU_ASSERT_EQUAL(w->state, VM_OFF);
	CU_ASSERT_EQUAL(d->state, VM_OFF);
	CU_ASSERT_EQUAL(st->state, VM_UNKNOWN);

	/* web01: its configured vNIC takes the domain's target for that MAC;
	 * the interface the conf does not list is added after it. */
	CU_ASSERT_EQUAL_FATAL(w->nvnics, 2);
	CU_ASSERT_PTR_EQUAL(vnic_of(w, "52:54:00:12:34:56"), &w->vnics[0]);
	CU_ASSERT_STRING_EQUAL(w->vnics[0].ifname, "vnet0");
	CU_ASSERT_EQUAL(w->vnics[0].index, 1);
	CU_ASSERT_PTR_EQUAL(vnic_of(w, "52:54:00:12:34:57"), &w->vnics[1]);
	CU_ASSERT_STRING_EQUAL(w->vnics[1].ifname, "vnet1");
	CU_ASSERT_EQUAL(w->vnics[1].index, 2);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet0"), &w->vnics[0]);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet1"), &w->vnics[1]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:12:34:57"), &w->vnics[1]);

	/* db01: the conf named the host interface; its second vNIC stays. */
	CU_ASSERT_EQUAL_FATAL(d->nvnics, 2);
	CU_ASSERT_STRING_EQUAL(d->vnics[0].ifname, "tap-db");
	CU_ASSERT_STRING_EQUAL(d->vnics[1].ifname, "");
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "tap-db"), &d->vnics[0]);
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(inv, "vnet5"));
	CU_ASSERT_EQUAL(st->nvnics, 1);
	CU_ASSERT_EQUAL(o->nvnics, 1);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet7"), &o->vnics[0]);

	/* br0 is lan0's: no network named after the bridge; virbr1 gets one. */
	CU_ASSERT_EQUAL_FATAL(inventory_net_count(inv), 2);
	CU_ASSERT_STRING_EQUAL(inventory_net(inv, 0)->name, "lan0");
	CU_ASSERT_STRING_EQUAL(inventory_net(inv, 0)->bridge, "br0");
	CU_ASSERT_STRING_EQUAL(inventory_net(inv, 1)->name, "virbr1");
	CU_ASSERT_STRING_EQUAL(inventory_net(inv, 1)->bridge, "virbr1");
	CU_ASSERT_PTR_NULL(inventory_net_by_name(inv, "br0"));
	CU_ASSERT_PTR_EQUAL(inventory_net_by_bridge(inv, "br0"), inventory_net(inv, 0));
	inventory_free(inv);
	free(web);
	free(db);
	free(other);
}

static void test_inventory_build_mac_claimed_twice(void)
{
	/* Configured a has the MAC; domain b claims it too: b goes without. */
	struct domain_record *b = domain_new("b", UUID_B);
	domain_iface(b, "52:54:00:00:00:01", "vnet-b1", "br0");
	domain_iface(b, "52:54:00:00:00:02", "vnet-b2", "br0");
	/* Domain c claims b's second MAC; domain d only the taken one. */
	struct domain_record *c = domain_new("c", "");
	domain_iface(c, "52:54:00:00:00:02", "vnet-c", "br0");
	domain_iface(c, "52:54:00:00:00:03", "vnet-c3", "br0");
	struct domain_record *d = domain_new("d", "");
	domain_iface(d, "52:54:00:00:00:01", "vnet-d", "br0");
	const struct domain_record *doms[] = { b, c, d };
	struct inventory *inv = BUILD("vm a\nvnic a 52:54:00:00:00:01 tap-a\n", doms, 3, NULL,
				      NOW_USEC);
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(inv), 4);
	struct inv_vm *va = inventory_vm_by_name(inv, "a"), *vb = inventory_vm_by_name(inv, "b"),
		      *vc = inventory_vm_by_name(inv, "c"), *vd = inventory_vm_by_name(inv, "d");
	CU_ASSERT_FATAL(va && vb && vc && vd);

	CU_ASSERT_EQUAL_FATAL(va->nvnics, 1);
	CU_ASSERT_STRING_EQUAL(va->vnics[0].ifname, "tap-a");
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:00:01"), &va->vnics[0]);

	CU_ASSERT_EQUAL_FATAL(vb->nvnics, 1);
	CU_ASSERT_PTR_NULL(vnic_of(vb, "52:54:00:00:00:01"));
	CU_ASSERT_PTR_EQUAL(vnic_of(vb, "52:54:00:00:00:02"), &vb->vnics[0]);
	CU_ASSERT_EQUAL(vb->vnics[0].index, 1);
	CU_ASSERT_STRING_EQUAL(vb->vnics[0].ifname, "vnet-b2");
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:00:02"), &vb->vnics[0]);

	CU_ASSERT_EQUAL_FATAL(vc->nvnics, 1);
	CU_ASSERT_PTR_EQUAL(vnic_of(vc, "52:54:00:00:00:03"), &vc->vnics[0]);
	CU_ASSERT_EQUAL(vd->nvnics, 0);

	/* The skipped interfaces' names lead nowhere. */
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(inv, "vnet-b1"));
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(inv, "vnet-c"));
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(inv, "vnet-d"));
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet-c3"), &vc->vnics[0]);
	inventory_free(inv);
	free(b);
	free(c);
	free(d);
}

static void test_inventory_build_ifname_claimed_twice(void)
{
	struct domain_record *b = domain_new("b", "");
	domain_iface(b, "52:54:00:00:0b:01", "vnet0", "br0"); /* a's */
	domain_iface(b, "52:54:00:00:0b:02", "vnet9", "br0");
	struct domain_record *c = domain_new("c", "");
	domain_iface(c, "52:54:00:00:0c:01", "vnet9", "br0"); /* b's */
	/* The conf leaves e's interface to discovery, which names one
	 * that a has. */
	struct domain_record *e = domain_new("e", "");
	domain_iface(e, "52:54:00:00:0e:01", "vnet0", "br0");
	const struct domain_record *doms[] = { b, c, e };
	struct inventory *inv = BUILD("vm a\nvnic a 52:54:00:00:0a:01 vnet0\n"
				      "vm e\nvnic e 52:54:00:00:0e:01\n",
				      doms, 3, NULL, NOW_USEC);
	struct inv_vm *va = inventory_vm_by_name(inv, "a"), *vb = inventory_vm_by_name(inv, "b"),
		      *vc = inventory_vm_by_name(inv, "c"), *ve = inventory_vm_by_name(inv, "e");
	CU_ASSERT_FATAL(va && vb && vc && ve);
	CU_ASSERT_EQUAL_FATAL(vb->nvnics, 2);
	CU_ASSERT_EQUAL_FATAL(vc->nvnics, 1);
	CU_ASSERT_EQUAL_FATAL(ve->nvnics, 1);
	/* The vNICs are there, by MAC; the second claimant has no ifname. */
	CU_ASSERT_STRING_EQUAL(va->vnics[0].ifname, "vnet0");
	CU_ASSERT_STRING_EQUAL(vb->vnics[0].ifname, "");
	CU_ASSERT_STRING_EQUAL(vb->vnics[1].ifname, "vnet9");
	CU_ASSERT_STRING_EQUAL(vc->vnics[0].ifname, "");
	CU_ASSERT_STRING_EQUAL(ve->vnics[0].ifname, "");
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:0b:01"), &vb->vnics[0]);
	CU_ASSERT_PTR_EQUAL(by_mac_text(inv, "52:54:00:00:0c:01"), &vc->vnics[0]);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet0"), &va->vnics[0]);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "vnet9"), &vb->vnics[1]);
	inventory_free(inv);
	free(b);
	free(c);
	free(e);
}

/* Runs a build of two same-named domains in a child (the parent's heap is
 * safe if the build writes out of bounds) and reports what it found: 0 all
 * well, 1 a VM holds more vNICs than its array has room for, 2 not one
 * row for the name. */
static int same_name_child(bool configured)
{
	struct domain_record *d1 = domain_new("dup", UUID_A);
	domain_iface(d1, "52:54:00:00:d1:01", "vnet1", "br0");
	struct domain_record *d2 = domain_new("dup", UUID_A);
	for (unsigned k = 0; k < 8; k++) {
		char mac[MAC_STRLEN], target[16];
		snprintf(mac, sizeof mac, "52:54:00:00:d2:%02x", k);
		snprintf(target, sizeof target, "vnet2%u", k);
		domain_iface(d2, mac, target, "br0");
	}
	const struct domain_record *doms[] = { d1, d2 };
	struct conf *conf = conf_new();
	struct conf_error err;
	const char *text = configured ? "vm dup\n" : "";
	if (!conf || conf_parse_buffer(conf, "dup.conf", text, strlen(text), &err) < 0)
		return 3;
	struct inventory_source src = { conf, doms, 2, NULL };
	struct inventory *inv = inventory_build(&src, NOW_USEC);
	if (!inv)
		return 3;
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		if (vm->nvnics && vm->nvnics * sizeof *vm->vnics > malloc_usable_size(vm->vnics))
			return 1;
	}
	if (inventory_vm_count(inv) != 1)
		return 2;
	inventory_free(inv);
	conf_free(conf);
	free(d1);
	free(d2);
	return 0;
}

static void test_inventory_build_same_name_domains(void)
{
	/* Two records naming the same domain (two sources, or two libvirt
	 * URIs, say): one row, and no write past its vNICs. */
	for (int configured = 0; configured < 2; configured++) {
		fflush(NULL);
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0)
			_exit(same_name_child(configured));
		int status = 0;
		CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
		char what[160];
		snprintf(what, sizeof what,
			 "%s: two domains named dup build without overflow "
			 "(child %s %d; 1 = vNICs beyond their array, 2 = rows != 1)",
			 configured ? "configured VM" : "discovered only",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		CU_assertImplementation(WIFEXITED(status) && WEXITSTATUS(status) == 0, __LINE__,
					what, __FILE__, "", CU_FALSE);
	}
}

/* ---- indexes ------------------------------------------------------------ */

static uint32_t vm_index(const struct inventory *inv, const char *name)
{
	struct inv_vm *vm = inventory_vm_by_name(inv, name);
	return vm ? vm->index : 0;
}

static uint32_t net_index(const struct inventory *inv, const char *name)
{
	struct inv_net *net = inventory_net_by_name(inv, name);
	return net ? net->index : 0;
}

static uint32_t vnic_index(const struct inventory *inv, const char *mac)
{
	struct inv_vnic *v = by_mac_text(inv, mac);
	return v ? v->index : 0;
}

static void test_inventory_indexes_from_map(void)
{
	struct indexes *map = indexes_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	struct domain_record *dom = domain_new("dom", "");
	domain_iface(dom, "52:54:00:00:0d:01", "vnet5", "virbr0");
	const struct domain_record *doms[] = { dom };

	struct inventory *one = BUILD("network lan0 br0\nnetwork dmz br1\n"
				      "vm x\nvm y\nvm z\n"
				      "vnic x 52:54:00:00:01:01\nvnic x 52:54:00:00:01:02\n"
				      "vnic y 52:54:00:00:02:01\n"
				      "vnic z 52:54:00:00:03:01\nvnic z 52:54:00:00:03:02\n",
				      doms, 1, map, NOW_USEC);
	CU_ASSERT_EQUAL(vm_index(one, "x"), 1);
	CU_ASSERT_EQUAL(vm_index(one, "y"), 2);
	CU_ASSERT_EQUAL(vm_index(one, "z"), 3);
	CU_ASSERT_EQUAL(vm_index(one, "dom"), 4);
	CU_ASSERT_EQUAL(net_index(one, "lan0"), 1);
	CU_ASSERT_EQUAL(net_index(one, "dmz"), 2);
	CU_ASSERT_EQUAL(net_index(one, "virbr0"), 3);
	CU_ASSERT_EQUAL(vnic_index(one, "52:54:00:00:03:01"), 1);
	CU_ASSERT_EQUAL(vnic_index(one, "52:54:00:00:03:02"), 2);
	CU_ASSERT_TRUE(indexes_dirty(map));

	/* Everything in another order: the same index per name and MAC. */
	struct inventory *two = BUILD("network dmz br1\nnetwork lan0 br0\n"
				      "vm z\nvm dom\nvm y\nvm x\n"
				      "vnic z 52:54:00:00:03:02\nvnic y 52:54:00:00:02:01\n"
				      "vnic x 52:54:00:00:01:02\nvnic z 52:54:00:00:03:01\n"
				      "vnic x 52:54:00:00:01:01\n",
				      doms, 1, map, NOW_USEC);
	static const char *const vms[] = { "x", "y", "z", "dom" };
	static const char *const nets[] = { "lan0", "dmz", "virbr0" };
	static const char *const macs[] = { "52:54:00:00:01:01", "52:54:00:00:01:02",
					    "52:54:00:00:02:01", "52:54:00:00:03:01",
					    "52:54:00:00:03:02", "52:54:00:00:0d:01" };
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(vm_index(two, vms[i]), vm_index(one, vms[i]));
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(net_index(two, nets[i]), net_index(one, nets[i]));
	for (size_t i = 0; i < 6; i++) {
		CU_ASSERT_NOT_EQUAL(vnic_index(two, macs[i]), 0);
		CU_ASSERT_EQUAL(vnic_index(two, macs[i]), vnic_index(one, macs[i]));
	}
	/* Rows are in build order; each carries its own index. */
	CU_ASSERT_STRING_EQUAL(inventory_vm(two, 0)->name, "z");
	CU_ASSERT_EQUAL(inventory_vm(two, 0)->index, 3);
	CU_ASSERT_STRING_EQUAL(inventory_vm_by_name(two, "z")->vnics[0].ifname, "");
	CU_ASSERT_EQUAL(inventory_vm_by_name(two, "z")->vnics[0].index, 2);
	inventory_free(one);
	inventory_free(two);
	indexes_free(map);
	free(dom);
}

static void test_inventory_indexes_new_and_returning(void)
{
	struct indexes *map = indexes_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	struct inventory *inv = BUILD("network n1 br1\nnetwork n2 br2\nnetwork n3 br3\n"
				      "vm a\nvm b\nvm c\n"
				      "vnic b 52:54:00:00:0b:01\nvnic b 52:54:00:00:0b:02\n",
				      NULL, 0, map, NOW_USEC);
	CU_ASSERT_EQUAL(vm_index(inv, "b"), 2);
	CU_ASSERT_EQUAL(vm_index(inv, "c"), 3);
	inventory_free(inv);

	/* b and n2 removed, one of b's vNICs too: the others keep theirs, the
	 * new ones take max + 1, never a freed index. */
	inv = BUILD("network n3 br3\nnetwork n1 br1\nnetwork n4 br4\n"
		    "vm c\nvm a\nvm d\n",
		    NULL, 0, map, NOW_USEC);
	CU_ASSERT_EQUAL(vm_index(inv, "a"), 1);
	CU_ASSERT_EQUAL(vm_index(inv, "c"), 3);
	CU_ASSERT_EQUAL(vm_index(inv, "d"), 4);
	CU_ASSERT_EQUAL(vm_index(inv, "b"), 0);
	CU_ASSERT_EQUAL(net_index(inv, "n1"), 1);
	CU_ASSERT_EQUAL(net_index(inv, "n3"), 3);
	CU_ASSERT_EQUAL(net_index(inv, "n4"), 4);
	inventory_free(inv);

	/* b and n2 back: their old indexes; a vNIC of b's new MAC gets 3. */
	inv = BUILD("network n2 br2\nnetwork n1 br1\nnetwork n4 br4\nnetwork n3 br3\n"
		    "vm d\nvm b\nvm a\nvm c\nvm e\n"
		    "vnic b 52:54:00:00:0b:03\nvnic b 52:54:00:00:0b:02\n",
		    NULL, 0, map, NOW_USEC);
	CU_ASSERT_EQUAL(vm_index(inv, "b"), 2);
	CU_ASSERT_EQUAL(vm_index(inv, "d"), 4);
	CU_ASSERT_EQUAL(vm_index(inv, "e"), 5);
	CU_ASSERT_EQUAL(net_index(inv, "n2"), 2);
	CU_ASSERT_EQUAL(net_index(inv, "n4"), 4);
	CU_ASSERT_EQUAL(vnic_index(inv, "52:54:00:00:0b:02"), 2);
	CU_ASSERT_EQUAL(vnic_index(inv, "52:54:00:00:0b:03"), 3);
	inventory_free(inv);

	/* A domain of a returning name, discovered rather than configured,
	 * keeps the index too; a new bridge takes the next one. */
	struct domain_record *dom = domain_new("a", "");
	domain_iface(dom, "52:54:00:00:0a:01", "vnet0", "virbr7");
	const struct domain_record *doms[] = { dom };
	inv = BUILD("", doms, 1, map, NOW_USEC);
	CU_ASSERT_EQUAL(vm_index(inv, "a"), 1);
	CU_ASSERT_EQUAL(net_index(inv, "virbr7"), 5);
	inventory_free(inv);
	free(dom);
	indexes_free(map);
}

/* ---- adopting ----------------------------------------------------------- */

static const char ADOPT_CONF[] = "network lan0 br0\nnetwork lan1 br1\n"
				 "vm a\nvnic a 52:54:00:00:0a:01 vnet0\n"
				 "vnic a 52:54:00:00:0a:02 vnet1\n"
				 "vm b\nvnic b 52:54:00:00:0b:01 vnet2\n"
				 "vm c\nvnic c 52:54:00:00:0c:01\n";

/* The same VMs, networks and vNICs, in another order. */
static const char ADOPT_CONF_REORDERED[] = "network lan1 br1\nnetwork lan0 br0\n"
					   "vm c\nvm b\nvm a\n"
					   "vnic c 52:54:00:00:0c:01\n"
					   "vnic b 52:54:00:00:0b:01 vnet2\n"
					   "vnic a 52:54:00:00:0a:02 vnet1\n"
					   "vnic a 52:54:00:00:0a:01 vnet0\n";

static void test_inventory_adopt_carries_counters(void)
{
	struct domain_record *dom = domain_new("dom", UUID_A);
	domain_iface(dom, "52:54:00:00:0d:01", "vnet5", "virbr0");
	const struct domain_record *doms[] = { dom };
	struct inventory *old = BUILD(ADOPT_CONF, doms, 1, NULL, T_OLD);
	struct inv_net *lan0 = inventory_net_by_name(old, "lan0");
	struct inv_net *virbr0 = inventory_net_by_name(old, "virbr0");
	struct inv_vm *a = inventory_vm_by_name(old, "a"), *b = inventory_vm_by_name(old, "b"),
		      *c = inventory_vm_by_name(old, "c"), *dm = inventory_vm_by_name(old, "dom");
	CU_ASSERT_FATAL(lan0 && virbr0 && a && b && c && dm);
	struct inv_vnic *a1 = &a->vnics[0], *a2 = &a->vnics[1], *b1 = &b->vnics[0],
			*c1 = &c->vnics[0], *d1 = &dm->vnics[0];
	inventory_vnic_attach(a1, lan0);
	inventory_vnic_attach(a2, lan0);
	inventory_vnic_attach(b1, lan0);
	inventory_vnic_attach(d1, virbr0);
	/* c1 stays detached. */

	acct_count_frame(&lan0->acct, &a1->acct, &b1->acct, false, 100, TS);
	acct_count_frame(&lan0->acct, &b1->acct, &a2->acct, false, 200, TS);
	acct_count_frame(&lan0->acct, &b1->acct, NULL, true, 60, TS + 1);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 80, TS + 1);
	acct_count_frame(&lan0->acct, NULL, &c1->acct, false, 300, TS + 2);
	acct_count_frame(&virbr0->acct, &d1->acct, NULL, true, 70, TS);
	acct_count_frame(&virbr0->acct, NULL, NULL, true, 90, TS + 1);
	acct_count_drops(&lan0->acct, 5);
	acct_net_tick(&lan0->acct, (TS + 3) * 1000000 + ACCT_CLOSE_GRACE_USEC + 1);
	acct_net_tick(&virbr0->acct, (TS + 3) * 1000000 + ACCT_CLOSE_GRACE_USEC + 1);
	lan0->capture_state = NET_CAPTURING;
	a->state = VM_RUNNING;
	a->discontinuity_usec = T_OLD + 1;
	b->state = VM_PAUSED;
	b->discontinuity_usec = T_OLD + 2;
	dm->state = VM_RUNNING;
	dm->discontinuity_usec = T_OLD + 3;
	a1->host_ifindex = 10;
	a2->host_ifindex = 11;

	/* What the old inventory says, to compare with. */
	struct acct_counts a_sent = inventory_vm_sent(a), a_recv = inventory_vm_received(a);
	struct acct_counts b_sent = inventory_vm_sent(b), b_recv = inventory_vm_received(b);
	struct acct_counts c_recv = inventory_vm_received(c);
	struct acct_counts d_sent = inventory_vm_sent(dm), d_recv = inventory_vm_received(dm);
	struct acct_counts a2_recv = acct_port_received(&a2->acct);
	ASSERT_COUNTS(a_sent, 100, 1);
	ASSERT_COUNTS(a_recv, 200 + 2 * (60 + 80), 5);
	ASSERT_COUNTS(b_recv, 100 + 80, 2);
	ASSERT_COUNTS(d_recv, 90, 1);
	uint64_t lan0_hist[ACCT_HISTORY_SECONDS], virbr0_hist[ACCT_HISTORY_SECONDS];
	int64_t lan0_end, virbr0_end;
	acct_net_history(&lan0->acct, lan0_hist, &lan0_end);
	acct_net_history(&virbr0->acct, virbr0_hist, &virbr0_end);
	CU_ASSERT_EQUAL(lan0_hist[0], 300);
	CU_ASSERT_EQUAL(lan0_hist[1], 140);
	CU_ASSERT_EQUAL(lan0_hist[2], 300);

	/* Rebuilt from the same sources in another order, then adopted. */
	struct inventory *inv = BUILD(ADOPT_CONF_REORDERED, doms, 1, NULL, T_NEW);
	inventory_adopt(inv, old, T_ADOPT);
	struct inv_net *nlan0 = inventory_net_by_name(inv, "lan0");
	struct inv_net *nvirbr0 = inventory_net_by_name(inv, "virbr0");
	struct inv_vm *na = inventory_vm_by_name(inv, "a"), *nb = inventory_vm_by_name(inv, "b"),
		      *nc = inventory_vm_by_name(inv, "c"), *nd = inventory_vm_by_name(inv, "dom");
	CU_ASSERT_FATAL(nlan0 && nvirbr0 && na && nb && nc && nd);
	CU_ASSERT_PTR_NOT_EQUAL(nlan0, lan0);

	/* Networks: totals, history, drops, capture state, discontinuity. */
	CU_ASSERT_EQUAL(acct_net_carried(&nlan0->acct).bytes, 100 + 200 + 60 + 80 + 300);
	CU_ASSERT_EQUAL(acct_net_carried(&nlan0->acct).packets, 5);
	CU_ASSERT_EQUAL(acct_net_drops(&nlan0->acct), 5);
	CU_ASSERT_EQUAL(acct_net_carried(&nvirbr0->acct).bytes, 160);
	CU_ASSERT_EQUAL(nlan0->capture_state, NET_CAPTURING);
	CU_ASSERT_EQUAL(nvirbr0->capture_state, NET_DOWN);
	CU_ASSERT_EQUAL(nlan0->discontinuity_usec, T_OLD);
	CU_ASSERT_EQUAL(inventory_net_by_name(inv, "lan1")->discontinuity_usec, T_OLD);
	uint64_t hist[ACCT_HISTORY_SECONDS];
	int64_t end;
	acct_net_history(&nlan0->acct, hist, &end);
	CU_ASSERT_EQUAL(memcmp(hist, lan0_hist, sizeof hist), 0);
	CU_ASSERT_EQUAL(end, lan0_end);
	CU_ASSERT_EQUAL(end, TS + 3);
	CU_ASSERT_EQUAL(acct_net_rate(&nlan0->acct), 300);
	acct_net_history(&nvirbr0->acct, hist, &end);
	CU_ASSERT_EQUAL(memcmp(hist, virbr0_hist, sizeof hist), 0);
	CU_ASSERT_EQUAL(end, virbr0_end);

	/* VMs: states, discontinuities and counters, by name. */
	CU_ASSERT_EQUAL(na->state, VM_RUNNING);
	CU_ASSERT_EQUAL(nb->state, VM_PAUSED);
	CU_ASSERT_EQUAL(nc->state, VM_UNKNOWN);
	CU_ASSERT_EQUAL(nd->state, VM_RUNNING);
	CU_ASSERT_EQUAL(na->discontinuity_usec, T_OLD + 1);
	CU_ASSERT_EQUAL(nb->discontinuity_usec, T_OLD + 2);
	CU_ASSERT_EQUAL(nc->discontinuity_usec, T_OLD);
	CU_ASSERT_EQUAL(nd->discontinuity_usec, T_OLD + 3);
	CU_ASSERT_TRUE(nd->discovered);
	ASSERT_COUNTS(inventory_vm_sent(na), a_sent.bytes, a_sent.packets);
	ASSERT_COUNTS(inventory_vm_received(na), a_recv.bytes, a_recv.packets);
	ASSERT_COUNTS(inventory_vm_sent(nb), b_sent.bytes, b_sent.packets);
	ASSERT_COUNTS(inventory_vm_received(nb), b_recv.bytes, b_recv.packets);
	ASSERT_COUNTS(inventory_vm_received(nc), c_recv.bytes, c_recv.packets);
	ASSERT_COUNTS(inventory_vm_sent(nd), d_sent.bytes, d_sent.packets);
	ASSERT_COUNTS(inventory_vm_received(nd), d_recv.bytes, d_recv.packets);

	/* vNICs, by MAC: counters, host ifindex, network re-pointed. */
	struct inv_vnic *na1 = vnic_of(na, "52:54:00:00:0a:01");
	struct inv_vnic *na2 = vnic_of(na, "52:54:00:00:0a:02");
	struct inv_vnic *nb1 = vnic_of(nb, "52:54:00:00:0b:01");
	struct inv_vnic *nc1 = vnic_of(nc, "52:54:00:00:0c:01");
	struct inv_vnic *nd1 = vnic_of(nd, "52:54:00:00:0d:01");
	CU_ASSERT_FATAL(na1 && na2 && nb1 && nc1 && nd1);
	ASSERT_COUNTS(acct_port_received(&na2->acct), a2_recv.bytes, a2_recv.packets);
	CU_ASSERT_EQUAL(na1->host_ifindex, 10);
	CU_ASSERT_EQUAL(na2->host_ifindex, 11);
	CU_ASSERT_EQUAL(nb1->host_ifindex, 0);
	CU_ASSERT_PTR_EQUAL(na1->net, nlan0);
	CU_ASSERT_PTR_EQUAL(na2->net, nlan0);
	CU_ASSERT_PTR_EQUAL(nb1->net, nlan0);
	CU_ASSERT_PTR_EQUAL(nd1->net, nvirbr0);
	CU_ASSERT_PTR_NULL(nc1->net);
	CU_ASSERT_PTR_EQUAL(acct_port_network(&na1->acct), &nlan0->acct);
	CU_ASSERT_PTR_EQUAL(acct_port_network(&nd1->acct), &nvirbr0->acct);
	CU_ASSERT_PTR_NULL(acct_port_network(&nc1->acct));

	/* A broadcast on the old network object no longer reaches them; one
	 * on the new network does, and its sender's own is not received. */
	acct_count_frame(&lan0->acct, NULL, NULL, true, 1000, TS + 4);
	ASSERT_COUNTS(acct_port_received(&na2->acct), a2_recv.bytes, a2_recv.packets);
	acct_count_frame(&nlan0->acct, NULL, NULL, true, 64, TS + 4);
	ASSERT_COUNTS(acct_port_received(&na2->acct), a2_recv.bytes + 64, a2_recv.packets + 1);
	ASSERT_COUNTS(inventory_vm_received(na), a_recv.bytes + 128, a_recv.packets + 2);
	acct_count_frame(&nlan0->acct, &nb1->acct, NULL, true, 32, TS + 4);
	ASSERT_COUNTS(inventory_vm_received(nb), b_recv.bytes + 64, b_recv.packets + 1);
	ASSERT_COUNTS(inventory_vm_sent(nb), b_sent.bytes + 32, b_sent.packets + 1);
	ASSERT_COUNTS(inventory_vm_received(nc), c_recv.bytes, c_recv.packets);
	inventory_free(old);

	/* Still right once the old inventory is gone. */
	ASSERT_COUNTS(acct_port_received(&na2->acct), a2_recv.bytes + 96, a2_recv.packets + 2);
	acct_count_frame(&nvirbr0->acct, NULL, NULL, true, 10, TS + 4);
	ASSERT_COUNTS(inventory_vm_received(nd), d_recv.bytes + 10, d_recv.packets + 1);
	inventory_free(inv);
	free(dom);
}

static void test_inventory_adopt_network_removed(void)
{
	struct inventory *old = BUILD("network lan0 br0\nnetwork lan1 br1\n"
				      "vm a\nvnic a 52:54:00:00:0a:01 vnet0\n"
				      "vnic a 52:54:00:00:0a:02 vnet1\n",
				      NULL, 0, NULL, T_OLD);
	struct inv_net *lan0 = inventory_net_by_name(old, "lan0");
	struct inv_net *lan1 = inventory_net_by_name(old, "lan1");
	struct inv_vm *a = inventory_vm_by_name(old, "a");
	CU_ASSERT_FATAL(lan0 && lan1 && a);
	inventory_vnic_attach(&a->vnics[0], lan1);
	inventory_vnic_attach(&a->vnics[1], lan0);
	acct_count_frame(&lan1->acct, NULL, NULL, true, 60, TS);
	acct_count_frame(&lan1->acct, NULL, NULL, true, 70, TS);
	acct_count_frame(&lan1->acct, NULL, &a->vnics[0].acct, false, 500, TS);
	acct_count_frame(&lan1->acct, &a->vnics[0].acct, NULL, true, 40, TS);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 8, TS);
	ASSERT_COUNTS(acct_port_received(&a->vnics[0].acct), 630, 3);
	ASSERT_COUNTS(acct_port_sent(&a->vnics[0].acct), 40, 1);
	a->state = VM_RUNNING;
	a->discontinuity_usec = T_OLD + 1;

	/* lan1 is gone from the conf. */
	struct inventory *inv = BUILD("network lan0 br0\n"
				      "vm a\nvnic a 52:54:00:00:0a:01 vnet0\n"
				      "vnic a 52:54:00:00:0a:02 vnet1\n",
				      NULL, 0, NULL, T_NEW);
	inventory_adopt(inv, old, T_ADOPT);
	CU_ASSERT_PTR_NULL(inventory_net_by_name(inv, "lan1"));
	struct inv_net *nlan0 = inventory_net_by_name(inv, "lan0");
	struct inv_vm *na = inventory_vm_by_name(inv, "a");
	CU_ASSERT_FATAL(nlan0 && na);
	struct inv_vnic *v0 = vnic_of(na, "52:54:00:00:0a:01"), *v1 = vnic_of(na, "52:54:00:00:0a:02");
	CU_ASSERT_FATAL(v0 && v1);
	/* Detached, keeping everything lan1 gave it. */
	CU_ASSERT_PTR_NULL(v0->net);
	CU_ASSERT_PTR_NULL(acct_port_network(&v0->acct));
	ASSERT_COUNTS(acct_port_received(&v0->acct), 630, 3);
	ASSERT_COUNTS(acct_port_sent(&v0->acct), 40, 1);
	/* Neither network's broadcasts reach it now. */
	acct_count_frame(&lan1->acct, NULL, NULL, true, 1000, TS + 1);
	acct_count_frame(&nlan0->acct, NULL, NULL, true, 16, TS + 1);
	ASSERT_COUNTS(acct_port_received(&v0->acct), 630, 3);
	/* The other vNIC stayed on lan0. */
	CU_ASSERT_PTR_EQUAL(v1->net, nlan0);
	ASSERT_COUNTS(acct_port_received(&v1->acct), 24, 2);
	/* No vNIC lost: no discontinuity. */
	CU_ASSERT_EQUAL(na->discontinuity_usec, T_OLD + 1);
	CU_ASSERT_EQUAL(na->state, VM_RUNNING);
	inventory_free(old);
	ASSERT_COUNTS(inventory_vm_received(na), 630 + 24, 5);
	inventory_free(inv);
}

static void test_inventory_adopt_vnic_lost_or_gained(void)
{
	struct inventory *old = BUILD("network lan0 br0\n"
				      "vm lost\nvnic lost 52:54:00:00:01:01\n"
				      "vnic lost 52:54:00:00:01:02\n"
				      "vm idle\nvnic idle 52:54:00:00:02:01\n"
				      "vnic idle 52:54:00:00:02:02\n"
				      "vm heard\nvnic heard 52:54:00:00:03:01\n"
				      "vnic heard 52:54:00:00:03:02\n"
				      "vm gained\nvnic gained 52:54:00:00:04:01\n"
				      "vm moved\nvnic moved 52:54:00:00:05:01\n"
				      "vnic moved 52:54:00:00:05:02\n"
				      "vm other\n",
				      NULL, 0, NULL, T_OLD);
	struct inv_net *lan0 = inventory_net(old, 0);
	struct inv_vm *lost = inventory_vm_by_name(old, "lost"), *idle = inventory_vm_by_name(old, "idle"),
		      *heard = inventory_vm_by_name(old, "heard"),
		      *gained = inventory_vm_by_name(old, "gained"),
		      *moved = inventory_vm_by_name(old, "moved");
	CU_ASSERT_FATAL(lost && idle && heard && gained && moved);
	for (size_t i = 0; i < inventory_vm_count(old); i++)
		for (size_t j = 0; j < inventory_vm(old, i)->nvnics; j++)
			inventory_vnic_attach(&inventory_vm(old, i)->vnics[j], lan0);
	/* lost's second vNIC sent; heard's second only received a broadcast;
	 * idle's and moved's second count nothing (detached before it). */
	inventory_vnic_attach(&idle->vnics[1], NULL);
	inventory_vnic_attach(&moved->vnics[1], NULL);
	acct_count_frame(&lan0->acct, &lost->vnics[1].acct, NULL, false, 100, TS);
	acct_count_frame(&lan0->acct, &lost->vnics[0].acct, NULL, false, 10, TS);
	acct_count_frame(&lan0->acct, &gained->vnics[0].acct, NULL, false, 20, TS);
	acct_count_frame(&lan0->acct, &moved->vnics[0].acct, NULL, false, 30, TS);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 50, TS);
	ASSERT_COUNTS(acct_port_received(&heard->vnics[1].acct), 50, 1);
	ASSERT_COUNTS(acct_port_received(&idle->vnics[1].acct), 0, 0);
	ASSERT_COUNTS(acct_port_received(&moved->vnics[1].acct), 0, 0);
	ASSERT_COUNTS(acct_port_sent(&moved->vnics[1].acct), 0, 0);
	for (size_t i = 0; i < inventory_vm_count(old); i++)
		inventory_vm(old, i)->discontinuity_usec = T_OLD + 1;

	/* Each VM's second vNIC is gone (moved's to other, idle's had counted
	 * nothing); gained has one more. */
	struct inventory *inv = BUILD("network lan0 br0\n"
				      "vm lost\nvnic lost 52:54:00:00:01:01\n"
				      "vm idle\nvnic idle 52:54:00:00:02:01\n"
				      "vm heard\nvnic heard 52:54:00:00:03:01\n"
				      "vm gained\nvnic gained 52:54:00:00:04:01\n"
				      "vnic gained 52:54:00:00:04:02\n"
				      "vm moved\nvnic moved 52:54:00:00:05:01\n"
				      "vm other\nvnic other 52:54:00:00:05:02\n",
				      NULL, 0, NULL, T_NEW);
	inventory_adopt(inv, old, T_ADOPT);
	struct inv_vm *nlost = inventory_vm_by_name(inv, "lost");
	struct inv_vm *nidle = inventory_vm_by_name(inv, "idle");
	struct inv_vm *nheard = inventory_vm_by_name(inv, "heard");
	struct inv_vm *ngained = inventory_vm_by_name(inv, "gained");
	struct inv_vm *nmoved = inventory_vm_by_name(inv, "moved");
	struct inv_vm *nother = inventory_vm_by_name(inv, "other");
	CU_ASSERT_FATAL(nlost && nidle && nheard && ngained && nmoved && nother);
	/* Sums that went back: a discontinuity now. */
	CU_ASSERT_EQUAL(nlost->discontinuity_usec, T_ADOPT);
	CU_ASSERT_EQUAL(nheard->discontinuity_usec, T_ADOPT);
	/* Sums that did not: kept. */
	CU_ASSERT_EQUAL(nidle->discontinuity_usec, T_OLD + 1);
	CU_ASSERT_EQUAL(ngained->discontinuity_usec, T_OLD + 1);
	CU_ASSERT_EQUAL(nmoved->discontinuity_usec, T_OLD + 1);
	/* other was a VM without vNICs: now it has one, fresh. */
	CU_ASSERT_EQUAL(nother->discontinuity_usec, T_OLD + 1);
	ASSERT_COUNTS(inventory_vm_sent(nother), 0, 0);
	/* What stayed is carried. */
	ASSERT_COUNTS(inventory_vm_sent(nlost), 10, 1);
	ASSERT_COUNTS(inventory_vm_sent(ngained), 20, 1);
	ASSERT_COUNTS(inventory_vm_sent(nmoved), 30, 1);
	CU_ASSERT_EQUAL_FATAL(ngained->nvnics, 2);
	struct inv_vnic *fresh = vnic_of(ngained, "52:54:00:00:04:02");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	ASSERT_COUNTS(acct_port_sent(&fresh->acct), 0, 0);
	ASSERT_COUNTS(acct_port_received(&fresh->acct), 0, 0);
	CU_ASSERT_PTR_NULL(fresh->net);
	inventory_free(old);
	inventory_free(inv);
}

static void test_inventory_adopt_bridge_changed(void)
{
	struct inventory *old = BUILD("network lan0 br0\nnetwork keep br1\n"
				      "vm a\nvnic a 52:54:00:00:0a:01 vnet0\n",
				      NULL, 0, NULL, T_OLD);
	struct inv_net *lan0 = inventory_net_by_name(old, "lan0");
	struct inv_net *keep = inventory_net_by_name(old, "keep");
	struct inv_vm *a = inventory_vm(old, 0);
	inventory_vnic_attach(&a->vnics[0], lan0);
	acct_count_frame(&lan0->acct, NULL, NULL, true, 60, TS);
	acct_count_frame(&lan0->acct, NULL, &a->vnics[0].acct, false, 400, TS);
	acct_count_frame(&keep->acct, NULL, NULL, false, 77, TS);
	acct_net_tick(&lan0->acct, (TS + 1) * 1000000 + ACCT_CLOSE_GRACE_USEC + 1);
	lan0->capture_state = NET_CAPTURING;

	/* lan0 now names another bridge: a new network under an old name. */
	struct inventory *inv = BUILD("network lan0 br9\nnetwork keep br1\n"
				      "vm a\nvnic a 52:54:00:00:0a:01 vnet0\n",
				      NULL, 0, NULL, T_NEW);
	inventory_adopt(inv, old, T_ADOPT);
	struct inv_net *nlan0 = inventory_net_by_name(inv, "lan0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(nlan0);
	CU_ASSERT_STRING_EQUAL(nlan0->bridge, "br9");
	CU_ASSERT_EQUAL(acct_net_carried(&nlan0->acct).bytes, 0);
	CU_ASSERT_EQUAL(acct_net_carried(&nlan0->acct).packets, 0);
	struct acct_net_saved totals;
	acct_net_save(&nlan0->acct, &totals);
	CU_ASSERT_EQUAL(totals.group.packets, 0);
	CU_ASSERT_EQUAL(acct_net_rate(&nlan0->acct), 0);
	uint64_t hist[ACCT_HISTORY_SECONDS], zero[ACCT_HISTORY_SECONDS] = { 0 };
	int64_t end = -1;
	acct_net_history(&nlan0->acct, hist, &end);
	CU_ASSERT_EQUAL(memcmp(hist, zero, sizeof hist), 0);
	CU_ASSERT_EQUAL(end, 0);
	CU_ASSERT_EQUAL(nlan0->capture_state, NET_DOWN);
	CU_ASSERT_EQUAL(nlan0->discontinuity_usec, T_NEW);
	/* The unchanged one is adopted. */
	CU_ASSERT_EQUAL(acct_net_carried(&inventory_net_by_name(inv, "keep")->acct).bytes, 77);
	/* The vNIC is no longer on it: detached, keeping what it received. */
	struct inv_vnic *v = vnic_of(inventory_vm(inv, 0), "52:54:00:00:0a:01");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NULL(v->net);
	ASSERT_COUNTS(acct_port_received(&v->acct), 460, 2);
	acct_count_frame(&nlan0->acct, NULL, NULL, true, 5, TS + 2);
	ASSERT_COUNTS(acct_port_received(&v->acct), 460, 2);
	inventory_free(old);
	inventory_free(inv);
}

static void test_inventory_adopt_vm_removed_and_added(void)
{
	struct inventory *old = BUILD("network lan0 br0\nvm gone\nvnic gone 52:54:00:00:01:01\n"
				      "vm stays\nvnic stays 52:54:00:00:02:01\n",
				      NULL, 0, NULL, T_OLD);
	struct inv_net *lan0 = inventory_net(old, 0);
	struct inv_vm *gone = inventory_vm_by_name(old, "gone");
	inventory_vnic_attach(&gone->vnics[0], lan0);
	acct_count_frame(&lan0->acct, &gone->vnics[0].acct, NULL, false, 10, TS);
	gone->state = VM_RUNNING;

	struct inventory *inv = BUILD("network lan0 br0\nvm fresh\nvnic fresh 52:54:00:00:01:01\n"
				      "vm stays\nvnic stays 52:54:00:00:02:01\n",
				      NULL, 0, NULL, T_NEW);
	inventory_adopt(inv, old, T_ADOPT);
	/* The MAC now belongs to a new VM: it starts from zero. */
	struct inv_vm *fresh = inventory_vm_by_name(inv, "fresh");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	CU_ASSERT_PTR_NULL(inventory_vm_by_name(inv, "gone"));
	ASSERT_COUNTS(inventory_vm_sent(fresh), 0, 0);
	CU_ASSERT_EQUAL(fresh->state, VM_UNKNOWN);
	CU_ASSERT_EQUAL(fresh->discontinuity_usec, T_NEW);
	CU_ASSERT_EQUAL(acct_net_carried(&inventory_net(inv, 0)->acct).bytes, 10);
	inventory_free(old);
	inventory_free(inv);
}

/* ---- scale ------------------------------------------------------------- */

/* big_conf with a host interface on every vNIC: "v<i>.<j>". */
static struct conf *big_conf_ifnames(size_t nvms)
{
	struct conf *conf = big_conf(nvms);
	for (size_t k = 0; k < conf->n_vnics; k++)
		snprintf(conf->vnics[k].ifname, sizeof conf->vnics[k].ifname, "v%zu.%zu", k / 2,
			 k % 2);
	return conf;
}

static void test_inventory_10000_vms_lookups_and_adopt(void)
{
	const size_t nvms = 10000;
	struct conf *conf = big_conf_ifnames(nvms);
	struct inventory *old = inventory_new(conf, T_OLD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	CU_ASSERT_EQUAL_FATAL(inventory_vm_count(old), nvms);

	size_t by_mac = 0, by_ifname = 0, by_name = 0;
	for (size_t i = 0; i < nvms; i++) {
		struct inv_vm *vm = inventory_vm(old, i);
		char name[32];
		snprintf(name, sizeof name, "vm%zu", i);
		by_name += inventory_vm_by_name(old, name) == vm;
		for (unsigned j = 0; j < 2; j++) {
			uint8_t mac[MAC_LEN];
			char ifname[CONF_IFNAME_MAX + 1];
			big_mac(i, j, mac);
			snprintf(ifname, sizeof ifname, "v%zu.%u", i, j);
			by_mac += inventory_vnic_by_mac(old, mac) == &vm->vnics[j];
			by_ifname += inventory_vnic_by_ifname(old, ifname) == &vm->vnics[j];
		}
	}
	CU_ASSERT_EQUAL(by_mac, 2 * nvms);
	CU_ASSERT_EQUAL(by_ifname, 2 * nvms);
	CU_ASSERT_EQUAL(by_name, nvms);
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(old, "v10000.0"));
	CU_ASSERT_PTR_NULL(inventory_vnic_by_ifname(old, "v0.2"));
	CU_ASSERT_PTR_NULL(inventory_vm_by_name(old, "vm10000"));

	/* One counter set, one state; adopted into a fresh build. */
	struct inv_net *lan0 = inventory_net(old, 0);
	uint8_t mac[MAC_LEN];
	big_mac(7777, 1, mac);
	struct inv_vnic *v = inventory_vnic_by_mac(old, mac);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	inventory_vnic_attach(v, lan0);
	acct_count_frame(&lan0->acct, &v->acct, NULL, false, 1234, TS);
	v->vm->state = VM_RUNNING;
	v->host_ifindex = 4242;

	struct inventory *inv = inventory_new(conf, T_NEW);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	inventory_adopt(inv, old, T_ADOPT);
	inventory_free(old);
	struct inv_vnic *nv = inventory_vnic_by_mac(inv, mac);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nv);
	CU_ASSERT_PTR_EQUAL(inventory_vnic_by_ifname(inv, "v7777.1"), nv);
	ASSERT_COUNTS(acct_port_sent(&nv->acct), 1234, 1);
	CU_ASSERT_EQUAL(nv->host_ifindex, 4242);
	CU_ASSERT_PTR_EQUAL(nv->net, inventory_net(inv, 0));
	CU_ASSERT_EQUAL(nv->vm->state, VM_RUNNING);
	CU_ASSERT_EQUAL(nv->vm->discontinuity_usec, T_OLD);
	CU_ASSERT_EQUAL(acct_net_carried(&inventory_net(inv, 0)->acct).bytes, 1234);
	/* Nothing else counted anything, nothing else changed state. */
	uint64_t bytes = 0;
	size_t running = 0, off = 0;
	for (size_t i = 0; i < nvms; i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		bytes += inventory_vm_sent(vm).bytes + inventory_vm_received(vm).bytes;
		running += vm->state == VM_RUNNING;
		off += vm->state == VM_OFF;
	}
	CU_ASSERT_EQUAL(bytes, 1234);
	CU_ASSERT_EQUAL(running, 1);
	CU_ASSERT_EQUAL(off, nvms - 1);
	inventory_free(inv);
}

static void test_inventory_vm_state_name(void)
{
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name(VM_UNKNOWN), "unknown");
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name(VM_RUNNING), "running");
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name(VM_OFF), "off");
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name(VM_SAVED), "saved");
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name(VM_PAUSED), "paused");
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name((enum vm_state)0), "?");
	CU_ASSERT_STRING_EQUAL(inventory_vm_state_name((enum vm_state)6), "?");
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
	{ "vnic_by_mac: one vendor's prefix", test_inventory_vnic_by_mac_one_vendor },
	{ "vnic_by_mac: vendors mixed", test_inventory_vnic_by_mac_vendors_mixed },
	{ "net_by_bridge", test_inventory_net_by_bridge },
	{ "initial states: unknown without ifname, off with", test_inventory_initial_states },
	{ "vm_sent/vm_received sum the vNICs", test_inventory_vm_sent_received },
	{ "VM without vNICs sums to zero", test_inventory_vm_without_vnics_sums_zero },
	{ "vnic_attach moves the vNIC, keeps what it received", test_inventory_vnic_attach_moves },
	{ "build: domains only", test_inventory_build_domains_only },
	{ "build: domains sharing bridges, one network each", test_inventory_build_domains_shared_bridges },
	{ "build: domain without interfaces is a VM, off", test_inventory_build_domain_without_interfaces },
	{ "build: conf and domains merged by name", test_inventory_build_conf_and_domains_merged },
	{ "build: a MAC claimed twice goes to the first", test_inventory_build_mac_claimed_twice },
	{ "build: an ifname claimed twice goes to the first", test_inventory_build_ifname_claimed_twice },
	{ "build: two domains of the same name", test_inventory_build_same_name_domains },
	{ "indexes from the map, whatever the order", test_inventory_indexes_from_map },
	{ "indexes: new ones max + 1, returning ones their own", test_inventory_indexes_new_and_returning },
	{ "adopt carries counters, history, states", test_inventory_adopt_carries_counters },
	{ "adopt: network removed detaches, keeps totals", test_inventory_adopt_network_removed },
	{ "adopt: vNIC lost or gained, discontinuity", test_inventory_adopt_vnic_lost_or_gained },
	{ "adopt: network with a new bridge restarts", test_inventory_adopt_bridge_changed },
	{ "adopt: VM removed, its MAC to a new VM", test_inventory_adopt_vm_removed_and_added },
	{ "10,000 VMs: every lookup, adopt keeps a counter", test_inventory_10000_vms_lookups_and_adopt },
	{ "vm_state_name", test_inventory_vm_state_name },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "inventory", NULL, NULL, NULL, NULL, inventory_tests },
	CU_SUITE_INFO_NULL,
};
