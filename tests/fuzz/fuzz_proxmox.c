/*
 * fuzz_proxmox: a Proxmox VE guest configuration (qm.conf, pct.conf) →
 * proxmox_parse → a domain record as source_proxmox makes it →
 * inventory_build.
 *
 * The input's first byte picks the kind (even: a QEMU guest, odd: a
 * container); the rest is the file. A configuration that parsed must hold
 * what proxmox_conf.h promises (NICs in strictly increasing netN order,
 * each with a unicast MAC, a bridge the kernel could name, a VLAN of
 * 1..4094 or none; a valid name or none; a lower-case UUID or none); a
 * refused one names a line within the file and says why. The record is
 * then merged, as discovery does, with a configuration that knows one VLAN
 * network of vmbr0 and one MAC, and every vNIC must be found again, pinned
 * to its bridge's network or its VLAN's.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "domain.h"
#include "indexes.h"
#include "inventory.h"
#include "log.h"
#include "proxmox_conf.h"

static const char conf_text[] =
	"network lan20 vmbr0 vlan=20\n"
	"vm other\n"
	"vnic other bc:24:11:00:00:99\n";

static struct conf *conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf = fuzz_fixed_conf("fuzz_proxmox", conf_text);
	return 0;
}

static unsigned lines_of(const uint8_t *data, size_t size)
{
	unsigned n = 1;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_guest(const struct proxmox_guest *g, enum proxmox_kind kind)
{
	CHECK(g->kind == kind);
	CHECK(!*g->name || conf_valid_name(g->name, CONF_NAME_MAX));
	CHECK(!*g->uuid || conf_valid_uuid(g->uuid));
	for (const char *c = g->uuid; *c; c++)
		CHECK(!(*c >= 'A' && *c <= 'F'));
	CHECK(kind == PROXMOX_QEMU || (!*g->uuid && !g->hibernated));
	CHECK(g->nnics <= PROXMOX_MAX_NICS);
	for (size_t i = 0; i < g->nnics; i++) {
		const struct proxmox_nic *nic = &g->nics[i];
		CHECK(nic->n < PROXMOX_MAX_NICS);
		CHECK(i == 0 || g->nics[i - 1].n < nic->n);
		CHECK(!mac_is_group(nic->mac));
		CHECK(conf_valid_ifname(nic->bridge));
		CHECK(nic->tag <= CONF_VLAN_MAX);
	}
}

/* The record source_proxmox makes of guest 100 (or 200), running. */
static bool record_of(const struct proxmox_guest *g, struct domain_record *rec)
{
	uint32_t vmid = g->kind == PROXMOX_QEMU ? 100 : 200;
	memset(rec, 0, sizeof *rec);
	if (proxmox_row_name(vmid, g, rec->name) < 0)
		return false;
	snprintf(rec->uuid, sizeof rec->uuid, "%s", g->uuid);
	rec->state = DOMAIN_RUNNING;
	for (size_t i = 0; i < g->nnics; i++) {
		struct domain_vnic *v = &rec->vnics[rec->nvnics];
		CHECK(proxmox_ifname(g->kind, vmid, g->nics[i].n, v->ifname) == 0);
		CHECK(conf_valid_ifname(v->ifname));
		memcpy(v->mac, g->nics[i].mac, MAC_LEN);
		snprintf(v->bridge, sizeof v->bridge, "%s", g->nics[i].bridge);
		v->vlan = g->nics[i].tag;
		v->pinned = true;
		rec->nvnics++;
	}
	return true;
}

static void check_inventory(const struct domain_record *rec, struct inventory *inv)
{
	struct inv_vm *vm = inventory_vm_by_name(inv, rec->name);
	CHECK(vm && vm->discovered);
	for (size_t i = 0; i < rec->nvnics; i++) {
		const struct domain_vnic *v = &rec->vnics[i];
		struct inv_vnic *vnic = inventory_vnic_by_mac(inv, v->mac);
		CHECK(vnic);
		if (vnic->vm != vm) {
			/* The configuration's MAC stays its VM's. */
			CHECK(!strcmp(vnic->vm->name, "other"));
			continue;
		}
		/* Two NICs of one guest with one MAC: the first keeps it. */
		if (strcmp(vnic->ifname, v->ifname))
			continue;
		/* Pinned to its bridge's network, or its VLAN's, unless a
		 * network already bears that name (refused, logged). */
		struct inv_net *home = inventory_net_by_vlan(inv, v->bridge, v->vlan);
		if (home) {
			CHECK(vnic->home == home);
			CHECK(home->vlan == v->vlan);
			if (v->vlan)
				CHECK(!home->parent || home->parent->vlans[v->vlan] == home);
		} else {
			CHECK(!vnic->home);
		}
	}
	for (size_t i = 0; i < inventory_net_count(inv); i++) {
		const struct inv_net *net = inventory_net(inv, i);
		CHECK(!net->vlan || !net->vlans);
		CHECK(!net->parent || (net->vlan && !net->parent->vlan && net->parent->vlans &&
				       !strcmp(net->parent->bridge, net->bridge)));
		for (size_t j = 0; j < i; j++) {
			CHECK(inventory_net(inv, j)->index != net->index);
			CHECK(strcmp(inventory_net(inv, j)->name, net->name));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum proxmox_kind kind = data[0] & 1 ? PROXMOX_LXC : PROXMOX_QEMU;
	data++, size--;
	struct proxmox_guest *g = malloc(sizeof *g);
	struct domain_record *rec = malloc(sizeof *rec);
	if (!g || !rec)
		goto out;
	struct proxmox_error err;
	memset(&err, 0, sizeof err);
	if (proxmox_parse(kind, (const char *)data, size, g, &err) < 0) {
		CHECK(err.line >= 1 && err.line <= lines_of(data, size));
		CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg));
		goto out;
	}
	check_guest(g, kind);
	if (!record_of(g, rec))
		goto out;
	struct indexes *indexes = indexes_new();
	if (indexes) {
		const struct domain_record *recs[] = { rec };
		struct inventory_source src = {
			.conf = conf, .domains = recs, .ndomains = 1, .indexes = indexes
		};
		struct inventory *inv = inventory_build(&src, 0);
		if (inv) {
			check_inventory(rec, inv);
			inventory_free(inv);
		}
		indexes_free(indexes);
	}
out:
	free(g);
	free(rec);
	return 0;
}
