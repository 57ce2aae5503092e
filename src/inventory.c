#include "inventory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashidx.h"
#include "log.h"

/*
 * Every VM's vNICs are a slice of one array, each VM's sized for all it
 * may get: an inventory is built whole, so nothing moves once built. The
 * lookups are hash indexes of positions (hashidx) in that array and in
 * the VMs', reserved at build time: frames with unknown MACs never grow
 * anything.
 */

/* mac_prefix when the vNICs' MACs do not all start alike. */
#define MIXED_PREFIXES UINT64_MAX

struct inventory {
	struct inv_net *nets;
	size_t nnets;
	struct inv_vm *vms;
	size_t nvms;
	struct inv_vnic *vnics; /* every VM's slice */
	/* One history block per VM, calloc'd: a block's pages are touched
	 * only once its VM counts. */
	struct acct_vm_history *histories;
	/* One held block per vNIC, beside each in vnics, calloc'd likewise:
	 * touched only once its VM is down and it sends. */
	struct acct_held *helds;
	uint64_t *vnic_keys;    /* the MAC's mac_key, beside each vNIC in vnics */
	size_t vnics_given, vnics_room;
	/* The first two octets (mac_key >> 32) that every vNIC's MAC starts
	 * with, as one vendor's do (52:54 for QEMU); MIXED_PREFIXES if not,
	 * and while building. */
	uint64_t mac_prefix;
	struct hashidx by_mac, by_ifname, by_vm_name;
	struct indexes *indexes; /* while building; NULL: in order */
	char **refusals; /* what building refused, one message each */
	size_t nrefusals;
	int64_t real_offset_usec;
};

void inventory_set_real_offset(struct inventory *inv, int64_t real_offset_usec)
{
	inv->real_offset_usec = real_offset_usec;
}

int64_t inventory_real_offset(const struct inventory *inv) { return inv->real_offset_usec; }

/* The frame path, twice a frame, touches no vNIC but the one found. When
 * every MAC shares its first two octets, the 32 bits a slot keeps are the
 * other four (hashidx_fold is exact there): a frame's MAC with that prefix
 * is found by its slot alone, one without it is nobody's. Otherwise the
 * keys beside the vNICs are compared, integers in a compact array. */
struct inv_vnic *inventory_vnic_by_mac(const struct inventory *inv, const uint8_t mac[MAC_LEN])
{
	const struct hashidx *idx = &inv->by_mac;
	uint64_t key = mac_key(mac);
	struct hashidx_iter it;
	if (key >> 32 == inv->mac_prefix) {
		size_t i = hashidx_first(idx, key, &it);
		return i != HASHIDX_NONE ? &inv->vnics[i] : NULL;
	}
	if (inv->mac_prefix != MIXED_PREFIXES)
		return NULL;
	for (size_t i = hashidx_first(idx, key, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		if (inv->vnic_keys[i] == key)
			return &inv->vnics[i];
	return NULL;
}

/* The prefix every vNIC's MAC shares, or MIXED_PREFIXES (also when there
 * are none: the keys' loop finds nothing as quickly). */
static uint64_t shared_mac_prefix(const struct inventory *inv)
{
	uint64_t prefix = MIXED_PREFIXES;
	for (size_t i = 0; i < inv->nvms; i++)
		for (size_t j = 0; j < inv->vms[i].nvnics; j++) {
			uint64_t p = mac_key(inv->vms[i].vnics[j].mac) >> 32;
			if (prefix == MIXED_PREFIXES)
				prefix = p;
			else if (p != prefix)
				return MIXED_PREFIXES;
		}
	return prefix;
}

struct inv_vnic *inventory_vnic_by_ifname(const struct inventory *inv, const char *ifname)
{
	const struct hashidx *idx = &inv->by_ifname;
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hashidx_string(ifname), &it); i != HASHIDX_NONE;
	     i = hashidx_next(idx, &it))
		if (!strcmp(inv->vnics[i].ifname, ifname))
			return &inv->vnics[i];
	return NULL;
}

struct inv_vm *inventory_vm_by_name(const struct inventory *inv, const char *name)
{
	const struct hashidx *idx = &inv->by_vm_name;
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hashidx_string(name), &it); i != HASHIDX_NONE;
	     i = hashidx_next(idx, &it))
		if (!strcmp(inv->vms[i].name, name))
			return &inv->vms[i];
	return NULL;
}

/* Networks are few (one per bridge and VLAN): a scan is the simplest
 * lookup; the frame path finds a VLAN's through its parent's table. */
struct inv_net *inventory_net_by_vlan(const struct inventory *inv, const char *bridge,
				      uint16_t vlan)
{
	for (size_t i = 0; i < inv->nnets; i++)
		if (inv->nets[i].vlan == vlan && !strcmp(inv->nets[i].bridge, bridge))
			return &inv->nets[i];
	return NULL;
}

struct inv_net *inventory_net_by_bridge(const struct inventory *inv, const char *bridge)
{
	return inventory_net_by_vlan(inv, bridge, 0);
}

struct inv_net *inventory_net_by_name(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nnets; i++)
		if (!strcmp(inv->nets[i].name, name))
			return &inv->nets[i];
	return NULL;
}

/* --- building --- */

/* Notes what building refused (the builder says it when it is new). */
__attribute__((format(printf, 2, 3))) static void refuse(struct inventory *inv, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char **grown = realloc(inv->refusals, (inv->nrefusals + 1) * sizeof *grown);
	char *copy = strdup(msg);
	if (grown)
		inv->refusals = grown;
	if (!grown || !copy) {
		free(copy);
		log_warnx("%s", msg); /* out of memory: said now, maybe again */
		return;
	}
	inv->refusals[inv->nrefusals++] = copy;
}

static void add_net(struct inventory *inv, const char *name, const char *bridge, uint16_t vlan,
		    int64_t now_usec)
{
	if (inventory_net_by_vlan(inv, bridge, vlan))
		return;
	if (inventory_net_by_name(inv, name)) {
		if (vlan)
			refuse(inv, "bridge %s VLAN %u: a network named '%s' exists already; not counted",
				  bridge, vlan, name);
		else
			refuse(inv, "bridge %s: a network named '%s' exists already; not captured", bridge,
				  name);
		return;
	}
	uint32_t index = inv->indexes ? indexes_net(inv->indexes, name) : (uint32_t)inv->nnets + 1;
	if (index == 0) {
		refuse(inv, "network %s: no index left", name);
		return;
	}
	struct inv_net *net = &inv->nets[inv->nnets++];
	net->index = index;
	snprintf(net->name, sizeof net->name, "%s", name);
	snprintf(net->bridge, sizeof net->bridge, "%s", bridge);
	net->vlan = vlan;
	net->capture_state = NET_DOWN;
	net->discontinuity_usec = now_usec;
	acct_net_init(&net->acct);
}

/* capacity: the most vNICs it may get (its slice never moves once built,
 * the lookups point into it). */
static struct inv_vm *add_vm(struct inventory *inv, const char *name, const char *uuid,
			     size_t capacity, int64_t now_usec)
{
	uint32_t index = inv->indexes ? indexes_vm(inv->indexes, name) : (uint32_t)inv->nvms + 1;
	if (index == 0) {
		refuse(inv, "VM %s: no index left", name);
		return NULL;
	}
	struct inv_vm *vm = &inv->vms[inv->nvms];
	if (capacity > inv->vnics_room - inv->vnics_given)
		return NULL;
	vm->vnics = capacity ? inv->vnics + inv->vnics_given : NULL;
	inv->vnics_given += capacity;
	vm->vnic_capacity = capacity;
	inv->nvms++;
	vm->index = index;
	snprintf(vm->name, sizeof vm->name, "%s", name);
	snprintf(vm->uuid, sizeof vm->uuid, "%s", uuid);
	vm->state = VM_UNKNOWN;
	vm->discontinuity_usec = now_usec;
	acct_vm_init(&vm->acct, &inv->histories[vm - inv->vms]);
	hashidx_add(&inv->by_vm_name, hashidx_string(vm->name), (size_t)(vm - inv->vms));
	return vm;
}

/* Where a vNIC lives whatever its host device is a port of: a macvtap
 * vNIC's lower device's network, a pinned one's bridge (and VLAN). */
static struct inv_net *home_of(const struct inventory *inv, const struct domain_vnic *dv)
{
	if (!dv)
		return NULL;
	if (*dv->lower)
		return inventory_net_by_bridge(inv, dv->lower);
	if (dv->pinned && *dv->bridge)
		return inventory_net_by_vlan(inv, dv->bridge, dv->vlan);
	return NULL;
}

/* dv: what discovery says of it (NULL for a configured vNIC). */
static void add_vnic(struct inventory *inv, struct inv_vm *vm, const uint8_t mac[MAC_LEN],
		     const char *ifname, const struct domain_vnic *dv)
{
	char text[MAC_STRLEN];
	struct inv_vnic *vnic = inventory_vnic_by_mac(inv, mac);
	if (vnic && vnic->vm != vm) {
		refuse(inv, "VM %s: MAC %s belongs to VM %s already; ignored", vm->name,
			  mac_format(mac, text), vnic->vm->name);
		return;
	}
	if (!vnic && vm->nvnics == vm->vnic_capacity) {
		/* Two records naming one domain (two sources), say: the VM
		 * was sized for the first. */
		refuse(inv, "VM %s: more vNICs than expected; %s ignored", vm->name,
			  mac_format(mac, text));
		return;
	}
	if (!vnic) {
		uint32_t index = inv->indexes ? indexes_vnic(inv->indexes, vm->name, mac)
					      : (uint32_t)vm->nvnics + 1;
		if (index == 0) {
			refuse(inv, "VM %s: no vNIC index left for %s", vm->name, mac_format(mac, text));
			return;
		}
		vnic = &vm->vnics[vm->nvnics++];
		vnic->vm = vm;
		vnic->index = index;
		memcpy(vnic->mac, mac, MAC_LEN);
		acct_port_init(&vnic->acct);
		vnic->home = home_of(inv, dv);
		acct_port_set_vm(&vnic->acct, &vm->acct);
		size_t pos = (size_t)(vnic - inv->vnics);
		acct_port_set_held(&vnic->acct, &inv->helds[pos]);
		inv->vnic_keys[pos] = mac_key(mac);
		hashidx_add(&inv->by_mac, inv->vnic_keys[pos], pos);
	}
	/* The configuration may leave the host interface to discovery. */
	if (*ifname && !*vnic->ifname) {
		struct inv_vnic *other = inventory_vnic_by_ifname(inv, ifname);
		if (other) {
			refuse(inv, "VM %s: interface %s belongs to VM %s already; ignored", vm->name,
				  ifname, other->vm->name);
			return;
		}
		snprintf(vnic->ifname, sizeof vnic->ifname, "%s", ifname);
		hashidx_add(&inv->by_ifname, hashidx_string(vnic->ifname), (size_t)(vnic - inv->vnics));
	}
}

/* VMs: the configured ones (each matched by name with its domain through
 * the configuration's own lookup: a scan would be quadratic on a big host),
 * then what discovery adds. */
static void build_vms(struct inventory *inv, const struct inventory_source *src, int64_t now_usec)
{
	const struct conf *conf = src->conf;
	const struct domain_record **match = calloc(conf->n_vms + 1, sizeof *match);
	if (!match)
		return;
	for (size_t d = 0; d < src->ndomains; d++) {
		const struct conf_vm *cv = conf_find_vm(conf, src->domains[d]->name);
		if (cv)
			match[cv - conf->vms] = src->domains[d];
	}

	/* Configured VMs first, each with room for its domain's interfaces. */
	struct inv_vm **of_conf = calloc(conf->n_vms + 1, sizeof *of_conf);
	if (!of_conf)
		goto out;
	for (size_t i = 0; i < conf->n_vms; i++) {
		const struct domain_record *dom = match[i];
		const char *uuid = *conf->vms[i].uuid || !dom ? conf->vms[i].uuid : dom->uuid;
		of_conf[i] = add_vm(inv, conf->vms[i].name, uuid,
				    conf->vms[i].n_vnics + (dom ? dom->nvnics : 0), now_usec);
		if (of_conf[i])
			of_conf[i]->discovered = dom != NULL;
	}
	for (size_t j = 0; j < conf->n_vnics; j++) {
		const struct conf_vnic *cv = &conf->vnics[j];
		if (of_conf[cv->vm_index])
			add_vnic(inv, of_conf[cv->vm_index], cv->mac, cv->ifname, NULL);
	}
	/* Then what discovery adds: interfaces of configured VMs, and VMs. */
	for (size_t d = 0; d < src->ndomains; d++) {
		const struct domain_record *dom = src->domains[d];
		struct inv_vm *vm = inventory_vm_by_name(inv, dom->name);
		if (!vm) {
			vm = add_vm(inv, dom->name, dom->uuid, dom->nvnics, now_usec);
			if (!vm)
				continue;
			vm->discovered = true;
		}
		for (size_t k = 0; k < dom->nvnics; k++)
			add_vnic(inv, vm, dom->vnics[k].mac, dom->vnics[k].ifname, &dom->vnics[k]);
	}
	free(of_conf);
out:
	free(match);
}

/* Puts every VLAN network under its bridge's network (made when none is
 * configured) and fills the bridges' tables of VLANs. -1: out of memory. */
static int link_vlans(struct inventory *inv, int64_t now_usec)
{
	size_t n = inv->nnets; /* the parents made here need no parent */
	for (size_t i = 0; i < n; i++) {
		struct inv_net *net = &inv->nets[i];
		if (!net->vlan)
			continue;
		add_net(inv, net->bridge, net->bridge, 0, now_usec);
		struct inv_net *parent = inventory_net_by_bridge(inv, net->bridge);
		if (!parent || parent->by_port) {
			refuse(inv, "network %s: bridge %s is not captured; VLAN %u not counted", net->name,
				  net->bridge, net->vlan);
			continue;
		}
		if (!parent->vlans && !(parent->vlans = calloc(CONF_VLAN_MAX + 1, sizeof *parent->vlans)))
			return -1;
		parent->vlans[net->vlan] = net;
		net->parent = parent;
	}
	return 0;
}

struct inventory *inventory_build(const struct inventory_source *src, int64_t now_usec)
{
	const struct conf *conf = src->conf;
	/* Each configured network may need its bridge's, each vNIC a bridge's
	 * and a VLAN's. */
	size_t max_nets = 2 * conf->n_networks, max_vms = conf->n_vms + src->ndomains;
	size_t max_vnics = conf->n_vnics, room = 0;
	for (size_t d = 0; d < src->ndomains; d++) {
		max_nets += 2 * src->domains[d]->nvnics;
		max_vnics += src->domains[d]->nvnics;
		room += src->domains[d]->nvnics;
	}
	/* What the VMs' slices may take: each configured VM its own vNICs, and
	 * each domain's interfaces once, in whichever VM they go to. */
	for (size_t i = 0; i < conf->n_vms; i++)
		room += conf->vms[i].n_vnics;
	struct inventory *inv = calloc(1, sizeof *inv);
	if (!inv)
		return NULL;
	inv->indexes = src->indexes;
	inv->mac_prefix = MIXED_PREFIXES; /* while building: compare keys */
	inv->nets = calloc(max_nets + 1, sizeof *inv->nets);
	inv->vms = calloc(max_vms + 1, sizeof *inv->vms);
	inv->histories = calloc(max_vms + 1, sizeof *inv->histories);
	inv->vnics = calloc(room + 1, sizeof *inv->vnics);
	inv->vnic_keys = calloc(room + 1, sizeof *inv->vnic_keys);
	inv->helds = calloc(room + 1, sizeof *inv->helds);
	inv->vnics_room = room;
	if (!inv->nets || !inv->vms || !inv->histories || !inv->vnics || !inv->vnic_keys ||
	    !inv->helds ||
	    hashidx_reserve(&inv->by_mac, max_vnics) < 0 ||
	    hashidx_reserve(&inv->by_ifname, max_vnics) < 0 ||
	    hashidx_reserve(&inv->by_vm_name, max_vms) < 0) {
		inventory_free(inv);
		return NULL;
	}
	for (size_t i = 0; i < conf->n_networks; i++)
		add_net(inv, conf->networks[i].name, conf->networks[i].bridge, conf->networks[i].vlan,
			now_usec);
	for (size_t d = 0; d < src->ndomains; d++)
		for (size_t k = 0; k < src->domains[d]->nvnics; k++)
			if (*src->domains[d]->vnics[k].bridge)
				add_net(inv, src->domains[d]->vnics[k].bridge,
					src->domains[d]->vnics[k].bridge, 0, now_usec);
	/* A macvtap vNIC's frames cross no bridge: its lower device's network
	 * counts them at each vNIC's own device. */
	for (size_t d = 0; d < src->ndomains; d++)
		for (size_t k = 0; k < src->domains[d]->nvnics; k++) {
			const char *lower = src->domains[d]->vnics[k].lower;
			if (!*lower)
				continue;
			add_net(inv, lower, lower, 0, now_usec);
			struct inv_net *net = inventory_net_by_bridge(inv, lower);
			if (net)
				net->by_port = true;
		}
	/* Each VLAN in use on a bridge is a network of its own. */
	for (size_t d = 0; d < src->ndomains; d++)
		for (size_t k = 0; k < src->domains[d]->nvnics; k++) {
			const struct domain_vnic *dv = &src->domains[d]->vnics[k];
			if (!dv->vlan || !*dv->bridge)
				continue;
			char name[CONF_NAME_MAX + 1];
			snprintf(name, sizeof name, "%s.%u", dv->bridge, dv->vlan);
			add_net(inv, name, dv->bridge, dv->vlan, now_usec);
		}
	if (link_vlans(inv, now_usec) < 0) {
		inventory_free(inv);
		return NULL;
	}
	build_vms(inv, src, now_usec);
	inv->mac_prefix = shared_mac_prefix(inv);
	/* A VM whose host interfaces are named is off until one of them is
	 * seen up (lifecycle decides from there). */
	for (size_t i = 0; i < inv->nvms; i++) {
		struct inv_vm *vm = &inv->vms[i];
		for (size_t j = 0; j < vm->nvnics; j++)
			if (*vm->vnics[j].ifname)
				vm->state = VM_OFF;
		if (vm->discovered)
			vm->state = VM_OFF;
	}
	inv->indexes = NULL;
	return inv;
}

struct inventory *inventory_new(const struct conf *conf, int64_t now_usec)
{
	struct inventory_source src = { .conf = conf };
	return inventory_build(&src, now_usec);
}

size_t inventory_refusal_count(const struct inventory *inv) { return inv->nrefusals; }
const char *inventory_refusal(const struct inventory *inv, size_t i) { return inv->refusals[i]; }

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->nrefusals; i++)
		free(inv->refusals[i]);
	free(inv->refusals);
	for (size_t i = 0; i < inv->nnets; i++)
		free(inv->nets[i].vlans);
	free(inv->vms);
	free(inv->histories);
	free(inv->vnics);
	free(inv->vnic_keys);
	free(inv->helds);
	free(inv->nets);
	hashidx_free(&inv->by_mac);
	hashidx_free(&inv->by_ifname);
	hashidx_free(&inv->by_vm_name);
	free(inv);
}

/* --- adopting --- */

/* The network of inv that carries on old's: same name, same bridge. */
static struct inv_net *successor(const struct inventory *inv, const struct inv_net *old)
{
	struct inv_net *net = old ? inventory_net_by_name(inv, old->name) : NULL;
	return net && !strcmp(net->bridge, old->bridge) && net->vlan == old->vlan ? net : NULL;
}

static bool counted_anything(const struct inv_vnic *vnic)
{
	return acct_port_sent(&vnic->acct).packets || acct_port_received(&vnic->acct).packets;
}

void inventory_adopt(struct inventory *inv, struct inventory *old, int64_t now_usec)
{
	inv->real_offset_usec = old->real_offset_usec;
	for (size_t i = 0; i < old->nnets; i++) {
		struct inv_net *net = successor(inv, &old->nets[i]);
		if (!net)
			continue;
		net->acct = old->nets[i].acct;
		net->capture_state = old->nets[i].capture_state;
		net->discontinuity_usec = old->nets[i].discontinuity_usec;
	}
	for (size_t i = 0; i < old->nvms; i++) {
		struct inv_vm *was = &old->vms[i];
		struct inv_vm *vm = inventory_vm_by_name(inv, was->name);
		if (!vm)
			continue;
		vm->state = was->state;
		vm->discontinuity_usec = was->discontinuity_usec;
		vm->restarted_down = was->restarted_down;
		vm->runs_known = was->runs_known;
		vm->runs = was->runs;
		vm->powerup_usec = was->powerup_usec;
		vm->down_usec = was->down_usec;
		vm->proc_pid = was->proc_pid;
		acct_vm_carry(&vm->acct, &was->acct);
		bool lost = false;
		for (size_t j = 0; j < was->nvnics; j++) {
			struct inv_vnic *w = &was->vnics[j];
			struct inv_vnic *vnic = inventory_vnic_by_mac(inv, w->mac);
			if (!vnic || vnic->vm != vm) {
				lost |= counted_anything(w);
				continue;
			}
			struct inv_net *net = successor(inv, w->net);
			/* A network that is gone keeps what it gave the vNIC. */
			acct_port_carry(&vnic->acct, &w->acct, net ? &net->acct : NULL);
			vnic->net = net;
			vnic->host_ifindex = w->host_ifindex;
		}
		if (lost)
			vm->discontinuity_usec = now_usec;
	}
}

/* --- reading --- */

size_t inventory_net_count(const struct inventory *inv) { return inv->nnets; }
struct inv_net *inventory_net(const struct inventory *inv, size_t i) { return &inv->nets[i]; }
size_t inventory_vm_count(const struct inventory *inv) { return inv->nvms; }
struct inv_vm *inventory_vm(const struct inventory *inv, size_t i) { return &inv->vms[i]; }

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

void inventory_vm_history(const struct inv_vm *vm, enum acct_vm_series series, int64_t end_sec,
			  int64_t real_offset_usec, uint64_t out[ACCT_HISTORY_SECONDS])
{
	int64_t restart = acct_vm_restart_usec(&vm->acct);
	/* The first whole second after its power-up. */
	int64_t since = restart ? (restart + real_offset_usec) / 1000000 + 1 : 0;
	if (series != ACCT_VM_BYTES_RECEIVED) {
		acct_vm_seconds(&vm->acct, series, end_sec, since, out, NULL);
		return;
	}
	/* As acct_port_received: unicast, plus each vNIC's network's group
	 * frames, less those the VM sent itself. */
	uint64_t own[ACCT_HISTORY_SECONDS], group[ACCT_HISTORY_SECONDS];
	acct_vm_seconds(&vm->acct, series, end_sec, since, out, own);
	for (size_t j = 0; j < vm->nvnics; j++) {
		const struct acct_net *net = acct_port_network(&vm->vnics[j].acct);
		if (!net)
			continue;
		acct_net_group_seconds(net, end_sec, group);
		for (unsigned i = 0; i < ACCT_HISTORY_SECONDS; i++)
			if (end_sec - 1 - (int64_t)i >= since)
				out[i] += group[i];
	}
	for (unsigned i = 0; i < ACCT_HISTORY_SECONDS; i++)
		out[i] = out[i] >= own[i] ? out[i] - own[i] : 0;
}

const char *inventory_vm_state_name(enum vm_state state)
{
	static const char *names[] = { "?", "unknown", "running", "off", "saved", "paused" };
	return state >= VM_UNKNOWN && state <= VM_PAUSED ? names[state] : names[0];
}
