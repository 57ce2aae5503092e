/*
 * fuzz_conf: vsacctd.conf text → conf_parse_buffer → inventory_new.
 *
 * The input is the text of one configuration file. Net-SNMP is stood in
 * for by a predicate knowing a few of its AgentX tokens. What parsed must
 * hold what conf.h promises (valid names, unique networks, bridges, MACs
 * and host interfaces, sizes and paths in range), and the inventory built
 * from it must find every network, VM and vNIC again; an error must name
 * the file and line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "fuzz.h"
#include "inventory.h"
#include "log.h"
#include "mac.h"

#define FILE_NAME "fuzz.conf"

static bool is_foreign(const char *token)
{
	return !strcasecmp(token, "agentXSocket") || !strcasecmp(token, "agentXPingInterval") ||
	       !strcasecmp(token, "agentXTimeout");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_conf", LOG_TO_NOTHING, NULL);
	return 0;
}

static void check_conf(const struct conf *conf)
{
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct conf_network *n = &conf->networks[i];
		CHECK(fuzz_visible(n->name, CONF_NAME_MAX));
		CHECK(fuzz_visible(n->bridge, CONF_IFNAME_MAX));
		CHECK(!strpbrk(n->bridge, "/:"));
		CHECK(conf_find_network(conf, n->name) == n);
		CHECK(n->vlan <= CONF_VLAN_MAX);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(conf->networks[j].bridge, n->bridge) != 0 ||
			      conf->networks[j].vlan != n->vlan);
	}
	for (size_t i = 0; i < conf->n_vms; i++) {
		const struct conf_vm *vm = &conf->vms[i];
		CHECK(fuzz_visible(vm->name, CONF_NAME_MAX));
		CHECK(!*vm->uuid || strlen(vm->uuid) == CONF_UUID_LEN);
		CHECK(conf_find_vm(conf, vm->name) == vm);
	}
	for (size_t i = 0; i < conf->n_vnics; i++) {
		const struct conf_vnic *v = &conf->vnics[i];
		CHECK(v->vm_index < conf->n_vms);
		CHECK(v->vm_index < conf->n_vms);
		CHECK(!mac_is_group(v->mac));
		CHECK(!*v->ifname || fuzz_visible(v->ifname, CONF_IFNAME_MAX));
		for (size_t j = 0; j < i; j++) {
			CHECK(memcmp(conf->vnics[j].mac, v->mac, MAC_LEN) != 0);
			CHECK(!*v->ifname || strcmp(conf->vnics[j].ifname, v->ifname) != 0);
		}
	}
	for (size_t i = 0; i < conf->n_foreign; i++) {
		const struct conf_foreign *f = &conf->foreign[i];
		char token[CONF_LINE_MAX + 1];
		snprintf(token, sizeof token, "%s", f->text);
		token[strcspn(token, " ")] = '\0';
		CHECK(is_foreign(token));
		/* Words alone, single-spaced: no comment, no other blank. */
		CHECK(!strpbrk(f->text, "\t\r\n") && !strstr(f->text, "  "));
		CHECK(f->text[0] != '#' && !strstr(f->text, " #"));
		CHECK(!strcmp(f->file, FILE_NAME) && f->line >= 1);
	}
	CHECK(conf->capture_buffer >= CONF_MIN_CAPTURE_BUFFER &&
	      conf->capture_buffer <= CONF_MAX_CAPTURE_BUFFER);
	CHECK(conf->state_dir[0] == '/');
	CHECK(conf->n_sources <= CONF_MAX_SOURCES);
}

/* A network the inventory made beyond the configuration: the bridge of a
 * configured VLAN network with no network of its own configured. */
static bool is_implicit_parent(const struct conf *conf, const struct inv_net *net)
{
	bool has_vlan = false;
	for (size_t i = 0; i < conf->n_networks; i++) {
		if (strcmp(conf->networks[i].bridge, net->bridge) != 0)
			continue;
		if (!conf->networks[i].vlan)
			return false;
		has_vlan = true;
	}
	return has_vlan && !net->vlan && !strcmp(net->name, net->bridge);
}

static void check_inventory(const struct conf *conf, const struct inventory *inv)
{
	CHECK(inventory_net_count(inv) >= conf->n_networks);
	for (size_t i = conf->n_networks; i < inventory_net_count(inv); i++)
		CHECK(is_implicit_parent(conf, inventory_net(inv, i)));
	CHECK(inventory_vm_count(inv) == conf->n_vms);
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct conf_network *cn = &conf->networks[i];
		struct inv_net *net = inventory_net(inv, i);
		CHECK(net->index == i + 1);
		CHECK(inventory_net_by_name(inv, cn->name) == net);
		CHECK(inventory_net_by_vlan(inv, cn->bridge, cn->vlan) == net);
		/* A VLAN's frames are counted on its bridge's network, when the
		 * bridge has one (its name may be another network's). */
		if (cn->vlan && net->parent)
			CHECK(net->parent->vlans[cn->vlan] == net &&
			      net->parent == inventory_net_by_bridge(inv, cn->bridge));
		else if (cn->vlan)
			CHECK(!inventory_net_by_bridge(inv, cn->bridge));
	}
	size_t nvnics = 0;
	for (size_t i = 0; i < conf->n_vms; i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		CHECK(vm->index == i + 1);
		CHECK(!strcmp(vm->name, conf->vms[i].name));
		CHECK(inventory_vm_by_name(inv, vm->name) == vm);
		for (size_t j = 0; j < vm->nvnics; j++) {
			struct inv_vnic *vnic = &vm->vnics[j];
			CHECK(vnic->vm == vm && vnic->index == j + 1);
			CHECK(inventory_vnic_by_mac(inv, vnic->mac) == vnic);
			if (*vnic->ifname)
				CHECK(inventory_vnic_by_ifname(inv, vnic->ifname) == vnic);
			/* Named host interfaces: off until seen up. */
			CHECK(vm->state == VM_OFF || !*vnic->ifname);
		}
		nvnics += vm->nvnics;
	}
	CHECK(nvnics == conf->n_vnics);
	for (size_t i = 0; i < conf->n_vnics; i++) {
		struct inv_vnic *vnic = inventory_vnic_by_mac(inv, conf->vnics[i].mac);
		CHECK(vnic && !strcmp(vnic->vm->name, conf->vms[conf->vnics[i].vm_index].name));
		CHECK(!strcmp(vnic->ifname, conf->vnics[i].ifname));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf = conf_new();
	if (!conf)
		return 0;
	conf->is_foreign = is_foreign;
	struct conf_error err;
	memset(&err, 0, sizeof err);
	if (conf_parse_buffer(conf, FILE_NAME, (const char *)data, size, &err) < 0) {
		CHECK(!strncmp(err.msg, FILE_NAME ":", sizeof FILE_NAME));
		CHECK(memchr(err.msg, '\0', sizeof err.msg));
		conf_free(conf);
		return 0;
	}
	check_conf(conf);
	struct inventory *inv = inventory_new(conf, 0);
	if (inv) {
		check_inventory(conf, inv);
		inventory_free(inv);
	}
	conf_free(conf);
	return 0;
}
