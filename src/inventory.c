#include "inventory.h"

#include <stdlib.h>
#include <string.h>

struct inventory {
	struct inv_net *nets;
	size_t nnets;
	struct inv_vm *vms;
	size_t nvms;
	/* MAC table: open addressing, linear probing, at most half full. */
	struct inv_vnic **mac_slots;
	unsigned mac_bits;
};

static size_t mac_slot(uint64_t key, unsigned bits)
{
	/* Fibonacci hashing spreads the low-entropy OUI-prefixed keys. */
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

static void mac_table_insert(struct inventory *inv, struct inv_vnic *vnic)
{
	size_t mask = ((size_t)1 << inv->mac_bits) - 1;
	size_t i = mac_slot(mac_key(vnic->mac), inv->mac_bits);
	while (inv->mac_slots[i])
		i = (i + 1) & mask;
	inv->mac_slots[i] = vnic;
}

struct inv_vnic *inventory_vnic_by_mac(const struct inventory *inv,
				       const uint8_t mac[MAC_LEN])
{
	size_t mask = ((size_t)1 << inv->mac_bits) - 1;
	for (size_t i = mac_slot(mac_key(mac), inv->mac_bits);; i = (i + 1) & mask) {
		struct inv_vnic *vnic = inv->mac_slots[i];
		if (!vnic || !memcmp(vnic->mac, mac, MAC_LEN))
			return vnic;
	}
}

static void build_nets(struct inventory *inv, const struct conf *conf, int64_t now_usec)
{
	for (size_t i = 0; i < conf->n_networks; i++) {
		struct inv_net *net = &inv->nets[i];
		net->index = (uint32_t)i + 1;
		strcpy(net->name, conf->networks[i].name);
		strcpy(net->bridge, conf->networks[i].bridge);
		net->capture_state = NET_DOWN;
		net->discontinuity_usec = now_usec;
		acct_net_init(&net->acct);
	}
	inv->nnets = conf->n_networks;
}

/* VMs in config order; each VM's vNICs in config order. */
static int build_vms(struct inventory *inv, const struct conf *conf, int64_t now_usec)
{
	for (size_t j = 0; j < conf->n_vnics; j++)
		inv->vms[conf->vnics[j].vm_index].nvnics++;
	for (size_t i = 0; i < conf->n_vms; i++) {
		struct inv_vm *vm = &inv->vms[i];
		vm->index = (uint32_t)i + 1;
		strcpy(vm->name, conf->vms[i].name);
		strcpy(vm->uuid, conf->vms[i].uuid);
		vm->discontinuity_usec = now_usec;
		vm->state = VM_UNKNOWN;
		if (vm->nvnics && !(vm->vnics = calloc(vm->nvnics, sizeof *vm->vnics)))
			return -1;
		vm->nvnics = 0;
		inv->nvms++;
	}
	for (size_t j = 0; j < conf->n_vnics; j++) {
		const struct conf_vnic *cv = &conf->vnics[j];
		struct inv_vm *vm = &inv->vms[cv->vm_index];
		struct inv_vnic *vnic = &vm->vnics[vm->nvnics++];
		vnic->vm = vm;
		vnic->index = (uint32_t)vm->nvnics;
		memcpy(vnic->mac, cv->mac, MAC_LEN);
		strcpy(vnic->ifname, cv->ifname);
		acct_port_init(&vnic->acct);
		mac_table_insert(inv, vnic);
		/* A VM whose host interfaces are named is off until one of
		 * them is seen up. */
		if (*vnic->ifname)
			vm->state = VM_OFF;
	}
	return 0;
}

struct inventory *inventory_new(const struct conf *conf, int64_t now_usec)
{
	struct inventory *inv = calloc(1, sizeof *inv);
	if (!inv)
		return NULL;
	inv->mac_bits = 4;
	while (((size_t)1 << inv->mac_bits) < 2 * conf->n_vnics)
		inv->mac_bits++;
	inv->mac_slots = calloc((size_t)1 << inv->mac_bits, sizeof *inv->mac_slots);
	inv->nets = calloc(conf->n_networks ? conf->n_networks : 1, sizeof *inv->nets);
	inv->vms = calloc(conf->n_vms ? conf->n_vms : 1, sizeof *inv->vms);
	if (!inv->mac_slots || !inv->nets || !inv->vms)
		goto fail;
	build_nets(inv, conf, now_usec);
	if (build_vms(inv, conf, now_usec) < 0)
		goto fail;
	return inv;
fail:
	inventory_free(inv);
	return NULL;
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->nvms; i++)
		free(inv->vms[i].vnics);
	free(inv->vms);
	free(inv->nets);
	free(inv->mac_slots);
	free(inv);
}

size_t inventory_net_count(const struct inventory *inv) { return inv->nnets; }
struct inv_net *inventory_net(const struct inventory *inv, size_t i) { return &inv->nets[i]; }
size_t inventory_vm_count(const struct inventory *inv) { return inv->nvms; }
struct inv_vm *inventory_vm(const struct inventory *inv, size_t i) { return &inv->vms[i]; }

struct inv_net *inventory_net_by_bridge(const struct inventory *inv, const char *bridge)
{
	for (size_t i = 0; i < inv->nnets; i++)
		if (!strcmp(inv->nets[i].bridge, bridge))
			return &inv->nets[i];
	return NULL;
}

void inventory_vnic_attach(struct inv_vnic *vnic, struct inv_net *net)
{
	vnic->net = net;
	acct_port_attach(&vnic->acct, net ? &net->acct : NULL);
}

static struct acct_counts vm_sum(const struct inv_vm *vm,
				 struct acct_counts (*of)(const struct acct_port *))
{
	struct acct_counts sum = { 0, 0 };
	for (size_t i = 0; i < vm->nvnics; i++) {
		struct acct_counts c = of(&vm->vnics[i].acct);
		sum.bytes += c.bytes;
		sum.packets += c.packets;
	}
	return sum;
}

struct acct_counts inventory_vm_sent(const struct inv_vm *vm)
{
	return vm_sum(vm, acct_port_sent);
}

struct acct_counts inventory_vm_received(const struct inv_vm *vm)
{
	return vm_sum(vm, acct_port_received);
}
