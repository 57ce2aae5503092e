/*
 * builder: the inventory's builder. It builds the inventory from the
 * configuration, the discovery sources' domain records and the persisted
 * indexes, rebuilds it when one of them changes (the new one adopting the
 * old one's counters and states), and keeps every VM's state current from
 * what the host shows of its interfaces (lifecycle's rules).
 *
 * It does no I/O: host interfaces are looked up through the caller's
 * function, and whoever reads the inventory (the captures, the MIB) is told
 * of a new one through the rebind hook before the old one is freed.
 *
 * Lifecycle: builder_new → builder_rebuild (the first build; state changes
 * are news only after builder_started) → builder_rebuild again whenever
 * the configuration or the records change, builder_observe when a host
 * interface changes → builder_free.
 */
#ifndef VS_BUILDER_H
#define VS_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "domain.h"
#include "hostif.h"
#include "indexes.h"
#include "inventory.h"

/* Fills *info with what the host says of interface ifname. */
typedef void (*builder_lookup_fn)(void *ctx, const char *ifname, struct hostif_info *info);

/* Points the inventory's readers at inv, the new one; returns 0, or -1 to
 * refuse it (out of memory): the old one then stays. */
typedef int (*builder_rebind_fn)(void *ctx, struct inventory *inv);

/* Called after a VM's state changed (once started). */
typedef void (*builder_vm_fn)(void *ctx, const struct inv_vm *vm);

struct builder_hooks {
	builder_lookup_fn lookup;
	builder_rebind_fn rebind;
	builder_vm_fn vm_state;
	void *ctx;
};

struct builder;

/* NULL when out of memory. */
struct builder *builder_new(const struct builder_hooks *hooks);
void builder_free(struct builder *b);

/*
 * Builds the inventory of conf, the records domains[0..ndomains) and the
 * indexes (which give out new indexes as needed), adopting the current
 * one's counters, at monotonic time now_usec, and applies every VM's
 * observations. Returns 0, or -1 when out of memory or refused by the
 * rebind hook (the current inventory stays).
 */
int builder_rebuild(struct builder *b, const struct conf *conf,
		    const struct domain_record *const *domains, size_t ndomains,
		    struct indexes *indexes, int64_t now_usec);

/* From now on, VM state changes are reported to the vm_state hook. */
void builder_started(struct builder *b);

/* Host interface ifname changed: its VM's state is looked at again. */
void builder_observe(struct builder *b, const char *ifname, int64_t now_usec);

/* The inventory in force (NULL before the first build). */
struct inventory *builder_inventory(const struct builder *b);

/* Changes each time the inventory is rebuilt: its readers check it. */
unsigned builder_generation(const struct builder *b);

#endif
