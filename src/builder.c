#include "builder.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "log.h"

struct builder {
	struct builder_hooks hooks;
	struct inventory *inv;
	unsigned generation;
	/* The records the inventory was built from, by VM name: a VM's
	 * state follows its record. Owned copies: a source's own are valid
	 * only until it next runs. */
	struct domain_record *records; /* sorted by name */
	size_t nrecords;
	struct hostif_info *obs; /* scratch, one per vNIC of the largest VM */
	size_t obs_len;
	bool started; /* past the first build: state changes are news */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct domain_record *)a)->name,
		      ((const struct domain_record *)b)->name);
}

static const struct domain_record *record_of(const struct builder *b, const char *name)
{
	struct domain_record key;
	snprintf(key.name, sizeof key.name, "%s", name);
	return bsearch(&key, b->records, b->nrecords, sizeof *b->records, by_name);
}

struct builder *builder_new(const struct builder_hooks *hooks)
{
	struct builder *b = calloc(1, sizeof *b);
	if (b)
		b->hooks = *hooks;
	return b;
}

void builder_free(struct builder *b)
{
	if (!b)
		return;
	inventory_free(b->inv);
	free(b->records);
	free(b->obs);
	free(b);
}

/* Applies what the host shows of a VM's interfaces, and for a discovered
 * VM what its source says. */
static void observe_vm(struct builder *b, struct inv_vm *vm, int64_t now_usec)
{
	if (vm->nvnics > b->obs_len) {
		struct hostif_info *obs = realloc(b->obs, vm->nvnics * sizeof *obs);
		if (!obs)
			return;
		b->obs = obs;
		b->obs_len = vm->nvnics;
	}
	for (size_t j = 0; j < vm->nvnics; j++)
		b->hooks.lookup(b->hooks.ctx, vm->vnics[j].ifname, &b->obs[j]);
	bool changed = lifecycle_apply(b->inv, vm, b->obs, now_usec);
	if (vm->discovered)
		changed |= lifecycle_apply_domain(vm, record_of(b, vm->name), now_usec);
	if (!changed)
		return;
	log_info("VM %s: %s", vm->name, inventory_vm_state_name(vm->state));
	if (b->started && b->hooks.vm_state)
		b->hooks.vm_state(b->hooks.ctx, vm);
}

/* A sorted copy of the records; NULL when out of memory. */
static struct domain_record *copy_records(const struct domain_record *const *domains, size_t n)
{
	struct domain_record *records = malloc((n + 1) * sizeof *records);
	if (!records)
		return NULL;
	for (size_t i = 0; i < n; i++)
		records[i] = *domains[i];
	qsort(records, n, sizeof *records, by_name);
	return records;
}

/* Says what building inv refused that building old did not. */
static void say_refusals(const struct inventory *inv, const struct inventory *old)
{
	for (size_t i = 0; i < inventory_refusal_count(inv); i++) {
		const char *msg = inventory_refusal(inv, i);
		bool said = false;
		for (size_t j = 0; old && j < inventory_refusal_count(old) && !said; j++)
			said = !strcmp(msg, inventory_refusal(old, j));
		if (!said)
			log_warnx("%s", msg);
	}
}

int builder_rebuild(struct builder *b, const struct conf *conf,
		    const struct domain_record *const *domains, size_t ndomains,
		    struct indexes *indexes, int64_t now_usec)
{
	struct inventory_source src = { conf, domains, ndomains, indexes };
	struct inventory *inv = inventory_build(&src, now_usec);
	if (!inv)
		return -1;
	struct inventory *old = b->inv;
	if (old)
		inventory_adopt(inv, old, now_usec);
	struct domain_record *records = copy_records(domains, ndomains);
	if (!records || b->hooks.rebind(b->hooks.ctx, inv) < 0) {
		free(records);
		inventory_free(inv);
		return -1;
	}
	say_refusals(inv, old);
	free(b->records);
	b->records = records;
	b->nrecords = ndomains;
	b->inv = inv;
	inventory_free(old);
	b->generation++;
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		observe_vm(b, inventory_vm(inv, i), now_usec);
	return 0;
}

void builder_started(struct builder *b) { b->started = true; }

void builder_observe(struct builder *b, const char *ifname, int64_t now_usec)
{
	struct inv_vnic *vnic = b->inv ? inventory_vnic_by_ifname(b->inv, ifname) : NULL;
	if (vnic)
		observe_vm(b, vnic->vm, now_usec);
}

struct inventory *builder_inventory(const struct builder *b) { return b->inv; }
unsigned builder_generation(const struct builder *b) { return b->generation; }
