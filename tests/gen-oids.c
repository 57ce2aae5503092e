/*
 * gen-oids: writes tests/lib/oids.sh, VS-ACCOUNTING-MIB's numeric OIDs for
 * the shell suites, from src/mib_oids.h.
 *
 * Why a C program: the compiler reads the header exactly as the daemon's
 * build does (macros expanded, constants evaluated), so the shell gets the
 * numbers vsacctd serves, whatever form the header's definitions take; a
 * sed or awk script would be a second reader of C that could disagree
 * with the first. Why not snmptranslate over the MIB file: the build would
 * then need the MIB tools and the base modules, and the shell would follow
 * the MIB rather than the daemon (tests/mib-check.sh checks that the two
 * agree). make runs it whenever the header changes (Makefile.am).
 *
 * Output, one line per object, in OID order:
 *   OID_<name>=.1.3.6.1.4.1.8072.9999.9999.5005.<arcs>
 * with a leading dot, as Net-SNMP prints numeric OIDs (snmpwalk -On,
 * snmptrapd), so that the suites compare what they read with these names;
 * then OID_NAMES, every name, in the same order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib_oids.h"

#define MAX_ARCS 32
#define MAX_NAME 64

struct object {
	char name[MAX_NAME];
	unsigned arcs[MAX_ARCS]; /* under the root */
	size_t len;
};

static struct object objects[512];
static size_t nobjects;

static void add(const char *name, const unsigned *arcs, size_t len, const unsigned *last)
{
	if (nobjects == sizeof objects / sizeof objects[0] || len + 1 > MAX_ARCS) {
		fprintf(stderr, "gen-oids: too many objects or arcs at %s\n", name);
		exit(1);
	}
	struct object *o = &objects[nobjects++];
	snprintf(o->name, sizeof o->name, "%s", name);
	if (len)
		memcpy(o->arcs, arcs, len * sizeof *arcs);
	o->len = len;
	if (last)
		o->arcs[o->len++] = *last;
}

static int by_oid(const void *a, const void *b)
{
	const struct object *x = a, *y = b;
	for (size_t i = 0; i < x->len && i < y->len; i++)
		if (x->arcs[i] != y->arcs[i])
			return x->arcs[i] < y->arcs[i] ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

/* An inner node's arcs: its macro's list. */
#define ARCS_OF(name) (const unsigned[]){ MIB_##name }
#define LEN_OF(name) (sizeof((const unsigned[]){ MIB_##name }) / sizeof(unsigned))

#define ADD_NODE(name) add(#name, ARCS_OF(name), LEN_OF(name), NULL);
#define ADD_LEAF(parent, name, number) \
	add(#name, ARCS_OF(parent), LEN_OF(parent), &(const unsigned){ number });

int main(void)
{
	static const unsigned root[] = { MIB_ROOT };
	add("vsAccountingMIB", NULL, 0, NULL);
	MIB_NODES(ADD_NODE)
	MIB_LEAVES(ADD_LEAF)
#define ADD_SECONDS(entry, prefix)                                              \
	for (unsigned n = 1; n <= MIB_HISTORY_SECONDS; n++) {                   \
		char name[MAX_NAME];                                            \
		unsigned column = MIB_HISTORY_FIRST + n - 1;                    \
		snprintf(name, sizeof name, "%s%u", prefix, n);                 \
		add(name, ARCS_OF(entry), LEN_OF(entry), &column);              \
	}
	MIB_HISTORY_TABLES(ADD_SECONDS)
	qsort(objects, nobjects, sizeof objects[0], by_oid);

	printf("# shellcheck shell=bash disable=SC2034\n"
	       "# VS-ACCOUNTING-MIB's numeric OIDs, written by tests/gen-oids from\n"
	       "# src/mib_oids.h at build time: do not edit (see tests/gen-oids.c).\n");
	for (size_t i = 0; i < nobjects; i++) {
		printf("OID_%s=", objects[i].name);
		for (size_t k = 0; k < sizeof root / sizeof root[0]; k++)
			printf(".%u", root[k]);
		for (size_t k = 0; k < objects[i].len; k++)
			printf(".%u", objects[i].arcs[k]);
		printf("\n");
	}
	printf("OID_NAMES=(");
	for (size_t i = 0; i < nobjects; i++)
		printf("%s%s", i ? " " : "", objects[i].name);
	printf(")\n");
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
