/*
 * mibtable: serves one conceptual table (or a group of scalars) of rows kept
 * in index order, through a Net-SNMP handler.
 *
 * GET finds a row by binary search; GETNEXT finds the next instance by
 * binary search in the request's column, moving to the next column at the
 * end of one: O(log n) per request whatever the table's size, so a walk is
 * O(n log n). Instances a row does not have (a VM's counters while it is
 * off) are skipped by GETNEXT and answered noSuchInstance by GET. Every
 * object is read-only: SET is refused (notWritable) by Net-SNMP itself, the
 * handler being registered read-only.
 *
 * A group of scalars is a table of one row whose index is 0.
 */
#ifndef VS_MIBTABLE_H
#define VS_MIBTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#define MIBTABLE_MAX_INDEX 4

struct mibtable {
	const char *name;
	oid entry[MAX_OID_LEN]; /* the entry: instances are entry.column.index */
	size_t entry_len;
	unsigned min_column, max_column;
	size_t index_len; /* sub-identifiers of every row's index */
	void *ctx;
	/* Called once per request PDU, before any value is read: where the
	 * data source takes the snapshot (clocks) the PDU's values share. */
	void (*prepare)(void *ctx);
	size_t (*rows)(void *ctx);
	/* Writes row's index (index_len sub-identifiers); rows ascend. */
	void (*index)(void *ctx, size_t row, oid *out);
	/* Sets vb's type and value; returns -1 when the instance does not
	 * exist. */
	int (*value)(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb);
};

/* What a lookup found. */
struct mibtable_hit {
	size_t row;
	unsigned column;
};

/*
 * Finds the instance named exactly by name. Returns 0 with *hit set, or
 * SNMP_NOSUCHOBJECT / SNMP_NOSUCHINSTANCE. The value is not read.
 */
int mibtable_find_exact(const struct mibtable *t, const oid *name, size_t len,
			struct mibtable_hit *hit);

/*
 * Finds the first instance after name (at or after it when inclusive), in
 * column-then-index order, whose value exists; sets vb's value to it.
 * Returns 0 with *hit set, or -1 when the table has nothing further.
 */
int mibtable_find_next(const struct mibtable *t, const oid *name, size_t len,
		       bool inclusive, struct mibtable_hit *hit,
		       netsnmp_variable_list *vb);

/* Writes the OID of an instance into out (MAX_OID_LEN); returns its length. */
size_t mibtable_instance_oid(const struct mibtable *t, const struct mibtable_hit *hit,
			     oid *out);

/* Registers t (which must outlive the registration) read-only with the agent.
 * Returns 0 or -1. */
int mibtable_register(struct mibtable *t);

#endif
