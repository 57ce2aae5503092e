/*
 * Unit tests of src/mibtable.c: GET and GETNEXT lookups over fake tables,
 * checked by the OID a manager would get back.
 *
 * Table A: one index sub-identifier, columns 2..6, rows 3, 7, 10, 42 and
 * 2^32-1; some instances absent and column 4 absent altogether.
 * Table B: two index sub-identifiers (like vsVnicTable), columns 2..4.
 * A big table of 10,000 rows with sparse indexes (3i+7) checks the binary
 * search from every row and every gap between rows.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "mibtable.h"

/* ---- fake tables ---------------------------------------------------------- */

struct fake {
	size_t nrows;
	size_t index_len;
	const oid *idx; /* nrows × index_len sub-identifiers; NULL: row i is 3i+7 */
	bool (*absent)(size_t row, unsigned column);
	unsigned long index_calls, value_calls;
};

/* The value every present instance carries: names its row and column, so
 * a lookup's value can be checked against the instance it found. */
#define VALUE_OF(row, column) ((long)(row) * 1000 + (long)(column))

static size_t fake_rows(void *ctx)
{
	return ((struct fake *)ctx)->nrows;
}

static void fake_index(void *ctx, size_t row, oid *out)
{
	struct fake *f = ctx;
	f->index_calls++;
	if (row >= f->nrows)
		CU_FAIL_FATAL("index() asked for a row beyond the table");
	if (!f->idx) {
		out[0] = 3 * (oid)row + 7;
		return;
	}
	memcpy(out, f->idx + row * f->index_len, f->index_len * sizeof(oid));
}

static int fake_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct fake *f = ctx;
	f->value_calls++;
	if (row >= f->nrows)
		CU_FAIL_FATAL("value() asked for a row beyond the table");
	if (f->absent && f->absent(row, column))
		return -1;
	long v = VALUE_OF(row, column);
	snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof v);
	return 0;
}

#define U32_MAX_OID ((oid)4294967295u)
#define TWO_32 ((oid)1 << 32)

/* Table A: 1.3.6.1.4.1.99999.1.2, entry .1 */
static const oid A_ENTRY[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 2, 1 };
static const oid A_IDX[] = { 3, 7, 10, 42, U32_MAX_OID };
static bool a_absent(size_t row, unsigned column)
{
	return column == 4 || (row == 0 && column == 2) || (row == 1 && column == 3) ||
	       (row == 4 && column == 6);
}

/* Table B: 1.3.6.1.4.1.99999.1.3, entry .1, INDEX { a, b } */
static const oid B_ENTRY[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 3, 1 };
static const oid B_IDX[] = { 1, 1, 1, 2, 2, 1, 5, 3, 5, 10, 9, 1 };
static bool b_absent(size_t row, unsigned column)
{
	return (row == 3 && column == 3) || (row == 2 && column == 4);
}

/* The big table: 1.3.6.1.4.1.99999.1.4, entry .1, columns 2..3; column 3
 * has no instance in every fifth row. */
#define BIG_ROWS 10000
static const oid BIG_ENTRY[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 4, 1 };
static bool big_absent(size_t row, unsigned column)
{
	return column == 3 && row % 5 == 0;
}

static bool all_absent(size_t row, unsigned column)
{
	return true;
}

static struct fake fa, fb, fbig;
static struct mibtable ta, tb, tbig;

static void define(struct mibtable *t, struct fake *f, const char *name, const oid *entry,
		   size_t entry_len, unsigned min_col, unsigned max_col)
{
	memset(t, 0, sizeof *t);
	t->name = name;
	memcpy(t->entry, entry, entry_len * sizeof(oid));
	t->entry_len = entry_len;
	t->min_column = min_col;
	t->max_column = max_col;
	t->index_len = f->index_len;
	t->ctx = f;
	t->rows = fake_rows;
	t->index = fake_index;
	t->value = fake_value;
}

static int tables_setup(void)
{
	fa = (struct fake){ .nrows = 5, .index_len = 1, .idx = A_IDX, .absent = a_absent };
	define(&ta, &fa, "fakeA", A_ENTRY, OID_LENGTH(A_ENTRY), 2, 6);
	fb = (struct fake){ .nrows = 6, .index_len = 2, .idx = B_IDX, .absent = b_absent };
	define(&tb, &fb, "fakeB", B_ENTRY, OID_LENGTH(B_ENTRY), 2, 4);
	fbig = (struct fake){ .nrows = BIG_ROWS, .index_len = 1, .idx = NULL, .absent = big_absent };
	define(&tbig, &fbig, "fakeBig", BIG_ENTRY, OID_LENGTH(BIG_ENTRY), 2, 3);
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

struct name {
	oid o[MAX_OID_LEN];
	size_t len;
};

/* Sub-identifiers written inline: SUB(2, 7) */
#define SUB(...) (const oid[]){ __VA_ARGS__ }, sizeof((const oid[]){ __VA_ARGS__ }) / sizeof(oid)

static struct name raw(const oid *o, size_t len)
{
	struct name n;
	memcpy(n.o, o, len * sizeof(oid));
	n.len = len;
	return n;
}

/* t's entry followed by tail. */
static struct name under(const struct mibtable *t, const oid *tail, size_t tail_len)
{
	struct name n = raw(t->entry, t->entry_len);
	memcpy(n.o + n.len, tail, tail_len * sizeof(oid));
	n.len += tail_len;
	return n;
}

static const struct name NONE = { .len = 0 };

static void text_of(const struct name *n, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n->len && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, ".%lu", (unsigned long)n->o[i]);
	if (!n->len)
		snprintf(buf, size, "(nothing)");
}

/* ---- checks --------------------------------------------------------------- */

static void expect_exact_at(const struct mibtable *t, struct name n, int rc_expected,
			    size_t row, unsigned column, unsigned line)
{
	struct mibtable_hit hit = { 12345, 12345 };
	int rc = mibtable_find_exact(t, n.o, n.len, &hit);
	char name[600], what[800];
	text_of(&n, name, sizeof name);
	bool ok = rc == rc_expected;
	if (ok && rc == 0)
		ok = hit.row == row && hit.column == column;
	snprintf(what, sizeof what, "find_exact(%s%s) = %d row %zu column %u (expected %d row %zu column %u)",
		 t->name, name, rc, hit.row, hit.column, rc_expected, row, column);
	CU_assertImplementation(ok, line, what, __FILE__, "", CU_FALSE);
}
#define EXPECT_EXACT(t, n, rc, row, column) expect_exact_at((t), (n), (rc), (row), (column), __LINE__)
#define EXPECT_NO_OBJECT(t, n) EXPECT_EXACT((t), (n), SNMP_NOSUCHOBJECT, 0, 0)
#define EXPECT_NO_INSTANCE(t, n) EXPECT_EXACT((t), (n), SNMP_NOSUCHINSTANCE, 0, 0)

/* GETNEXT (or GET-inclusive) from from: expects the instance named
 * expected, with its value, or nothing (NONE). */
static void expect_next_at(const struct mibtable *t, struct name from, bool inclusive,
			   struct name expected, unsigned line)
{
	netsnmp_variable_list vb;
	memset(&vb, 0, sizeof vb);
	struct mibtable_hit hit = { 0, 0 };
	int rc = mibtable_find_next(t, from.o, from.len, inclusive, &hit, &vb);
	struct name got = NONE;
	bool ok;
	if (rc == 0) {
		got.len = mibtable_instance_oid(t, &hit, got.o);
		ok = expected.len && snmp_oid_compare(got.o, got.len, expected.o, expected.len) == 0 &&
		     vb.type == ASN_INTEGER && vb.val.integer &&
		     *vb.val.integer == VALUE_OF(hit.row, hit.column);
	} else {
		ok = rc == -1 && !expected.len;
	}
	char f[600], e[600], g[600], what[2000];
	text_of(&from, f, sizeof f);
	text_of(&expected, e, sizeof e);
	text_of(&got, g, sizeof g);
	snprintf(what, sizeof what, "find_next(%s from %s%s) = %d %s (expected %s)", t->name, f,
		 inclusive ? ", inclusive" : "", rc, g, e);
	CU_assertImplementation(ok, line, what, __FILE__, "", CU_FALSE);
	snmp_free_var_internals(&vb);
}
#define EXPECT_NEXT(t, from, expected) expect_next_at((t), (from), false, (expected), __LINE__)
#define EXPECT_NEXT_INCL(t, from, expected) expect_next_at((t), (from), true, (expected), __LINE__)

/* Instances a walk must visit. */
static size_t present_count(const struct mibtable *t)
{
	const struct fake *f = t->ctx;
	size_t n = 0;
	for (unsigned c = t->min_column; c <= t->max_column; c++)
		for (size_t r = 0; r < f->nrows; r++)
			n += !(f->absent && f->absent(r, c));
	return n;
}

/* Walks t from start by repeated GETNEXT, as snmpwalk does: every instance
 * in strictly increasing order, inside the entry, present, with its value.
 * Returns the number visited. */
static size_t walk_at(const struct mibtable *t, struct name start, unsigned line)
{
	const struct fake *f = t->ctx;
	size_t limit = present_count(t);
	netsnmp_variable_list vb;
	memset(&vb, 0, sizeof vb);
	struct mibtable_hit hit;
	struct name cur = start;
	size_t n = 0;
	bool ordered = true, inside = true, present = true, valued = true;
	while (mibtable_find_next(t, cur.o, cur.len, false, &hit, &vb) == 0) {
		struct name next;
		next.len = mibtable_instance_oid(t, &hit, next.o);
		if (snmp_oid_compare(next.o, next.len, cur.o, cur.len) <= 0)
			ordered = false;
		if (next.len != t->entry_len + 1 + t->index_len ||
		    snmp_oid_compare(next.o, t->entry_len, t->entry, t->entry_len) != 0)
			inside = false;
		if (f->absent && f->absent(hit.row, hit.column))
			present = false;
		if (vb.type != ASN_INTEGER || *vb.val.integer != VALUE_OF(hit.row, hit.column))
			valued = false;
		cur = next;
		if (!ordered || ++n > limit)
			break; /* no endless walk */
	}
	snmp_free_var_internals(&vb);
	CU_assertImplementation(ordered, line, "walk: strictly increasing OIDs", __FILE__, "", CU_FALSE);
	CU_assertImplementation(inside, line, "walk: every OID an instance under the entry", __FILE__,
				"", CU_FALSE);
	CU_assertImplementation(present, line, "walk: only present instances", __FILE__, "", CU_FALSE);
	CU_assertImplementation(valued, line, "walk: each value is its instance's", __FILE__, "",
				CU_FALSE);
	char what[200];
	snprintf(what, sizeof what, "walk visits %zu instances (expected %zu)", n, limit);
	CU_assertImplementation(n == limit, line, what, __FILE__, "", CU_FALSE);
	return n;
}
#define WALK(t, start) walk_at((t), (start), __LINE__)

/* ---- GET -------------------------------------------------------------------- */

static void test_mibtable_exact_every_instance(void)
{
	tables_setup();
	const struct mibtable *tables[] = { &ta, &tb };
	for (size_t k = 0; k < 2; k++) {
		const struct mibtable *t = tables[k];
		const struct fake *f = t->ctx;
		for (size_t r = 0; r < f->nrows; r++) {
			for (unsigned c = t->min_column; c <= t->max_column; c++) {
				struct name n = under(t, SUB(c));
				memcpy(n.o + n.len, f->idx + r * f->index_len, f->index_len * sizeof(oid));
				n.len += f->index_len;
				EXPECT_EXACT(t, n, 0, r, c);

				/* What GET answers: the value, or noSuchInstance
				 * for an instance the row does not have. */
				netsnmp_variable_list vb;
				memset(&vb, 0, sizeof vb);
				struct mibtable_hit hit;
				if (mibtable_find_exact(t, n.o, n.len, &hit) != 0)
					continue;
				int rc = t->value(t->ctx, hit.row, hit.column, &vb);
				if (f->absent(r, c)) {
					CU_ASSERT_EQUAL(rc, -1);
				} else {
					CU_ASSERT_EQUAL(rc, 0);
					CU_ASSERT_EQUAL(vb.type, ASN_INTEGER);
					CU_ASSERT_EQUAL(*vb.val.integer, VALUE_OF(r, c));
				}
				snmp_free_var_internals(&vb);
			}
		}
	}
	/* The largest 32-bit index is an index like any other. */
	EXPECT_EXACT(&ta, under(&ta, SUB(5, U32_MAX_OID)), 0, 4, 5);
}

static void test_mibtable_exact_wrong_column(void)
{
	tables_setup();
	EXPECT_NO_OBJECT(&ta, under(&ta, SUB(1, 3)));  /* below min */
	EXPECT_NO_OBJECT(&ta, under(&ta, SUB(0, 3)));
	EXPECT_NO_OBJECT(&ta, under(&ta, SUB(7, 3)));  /* above max */
	EXPECT_NO_OBJECT(&ta, under(&ta, SUB(99, 3)));
	/* 2^32 + 2 is not column 2. */
	EXPECT_NO_OBJECT(&ta, under(&ta, SUB(TWO_32 + 2, 3)));
	EXPECT_NO_OBJECT(&tb, under(&tb, SUB(1, 1, 1)));
	EXPECT_NO_OBJECT(&tb, under(&tb, SUB(5, 1, 1)));
	EXPECT_NO_OBJECT(&tb, under(&tb, SUB(5)));
}

static void test_mibtable_exact_outside_entry(void)
{
	tables_setup();
	/* The entry itself, and names shorter than it. */
	EXPECT_NO_OBJECT(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY)));
	EXPECT_NO_OBJECT(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY) - 1)); /* the table */
	EXPECT_NO_OBJECT(&ta, raw(A_ENTRY, 3));
	EXPECT_NO_OBJECT(&ta, raw(A_ENTRY, 0));
	/* Another table's instance. */
	EXPECT_NO_OBJECT(&ta, under(&tb, SUB(2, 1, 1)));
	EXPECT_NO_OBJECT(&tb, under(&ta, SUB(2, 7)));
	/* Same length, one sub-identifier off inside the entry's OID. */
	struct name n = under(&ta, SUB(2, 7));
	n.o[ta.entry_len - 1] = 2;
	EXPECT_NO_OBJECT(&ta, n);
	n = under(&ta, SUB(2, 7));
	n.o[0] = 2;
	EXPECT_NO_OBJECT(&ta, n);
}

static void test_mibtable_exact_wrong_index(void)
{
	tables_setup();
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, 4)));
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, 0)));
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, 43)));
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(6, U32_MAX_OID - 1)));
	/* Beyond 32 bits, and equal to a row's index modulo 2^32. */
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, TWO_32)));
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, TWO_32 + 7)));
	/* Wrong index length: none, too long. */
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2)));
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, 7, 0)));
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, 7, 7)));

	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 1, 3)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 3, 1)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 10, 1)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 1)));          /* half an index */
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(3, 5)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 1, 1, 1)));    /* too long */
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, TWO_32 + 1, 1)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 1, TWO_32 + 1)));
}

/* ---- GETNEXT ------------------------------------------------------------- */

static void test_mibtable_next_before_table(void)
{
	tables_setup();
	/* Row 3 has no column 2: the first instance is column 2 of row 7. */
	struct name first_a = under(&ta, SUB(2, 7));
	EXPECT_NEXT(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY)), first_a);     /* the entry */
	EXPECT_NEXT(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY) - 1), first_a); /* the table */
	EXPECT_NEXT(&ta, raw(A_ENTRY, 3), first_a);
	EXPECT_NEXT(&ta, raw(A_ENTRY, 0), first_a);
	EXPECT_NEXT(&ta, raw(SUB(0)), first_a);
	EXPECT_NEXT(&ta, raw(SUB(1, 3, 6, 1, 4, 1, 99999, 1, 1, 9, 9, 9)), first_a);
	EXPECT_NEXT(&ta, raw(SUB(1, 3, 6, 1, 4, 1, 99999, 1, 2, 0, 5)), first_a);
	EXPECT_NEXT(&ta, raw(SUB(1, 3, 6, 1, 4, 1, 99998, 7, 7, 7, 7, 7, 7)), first_a);
	EXPECT_NEXT_INCL(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY)), first_a);
	EXPECT_NEXT_INCL(&ta, raw(A_ENTRY, 3), first_a);

	struct name first_b = under(&tb, SUB(2, 1, 1));
	EXPECT_NEXT(&tb, raw(B_ENTRY, OID_LENGTH(B_ENTRY)), first_b);
	EXPECT_NEXT(&tb, raw(B_ENTRY, OID_LENGTH(B_ENTRY) - 1), first_b);
	EXPECT_NEXT(&tb, under(&ta, SUB(6, 42)), first_b); /* from the table before */
	EXPECT_NEXT_INCL(&tb, raw(B_ENTRY, OID_LENGTH(B_ENTRY)), first_b);
}

static void test_mibtable_next_column_without_index(void)
{
	tables_setup();
	EXPECT_NEXT(&ta, under(&ta, SUB(2)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(3)), under(&ta, SUB(3, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(5)), under(&ta, SUB(5, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(6)), under(&ta, SUB(6, 3)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(3)), under(&ta, SUB(3, 3)));
	/* Columns below the first one lie before the table. */
	EXPECT_NEXT(&ta, under(&ta, SUB(1)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(0)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(1, 99)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(1, U32_MAX_OID, 5)), under(&ta, SUB(2, 7)));

	EXPECT_NEXT(&tb, under(&tb, SUB(3)), under(&tb, SUB(3, 1, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(1, 9, 9)), under(&tb, SUB(2, 1, 1)));
}

static void test_mibtable_next_from_instance(void)
{
	tables_setup();
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 7)), under(&ta, SUB(2, 10)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, 7)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 10)), under(&ta, SUB(2, 42)));
	EXPECT_NEXT(&ta, under(&ta, SUB(5, 42)), under(&ta, SUB(5, U32_MAX_OID)));
	EXPECT_NEXT(&ta, under(&ta, SUB(5, U32_MAX_OID)), under(&ta, SUB(6, 3)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(5, U32_MAX_OID)), under(&ta, SUB(5, U32_MAX_OID)));
	/* From an instance the row does not have. */
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 3)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, 3)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(3, 3)), under(&ta, SUB(3, 10)));
	/* From between rows. */
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 8)), under(&ta, SUB(2, 10)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, 8)), under(&ta, SUB(2, 10)));
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 0)), under(&ta, SUB(2, 7)));
	EXPECT_NEXT(&ta, under(&ta, SUB(3, 0)), under(&ta, SUB(3, 3)));
	/* From below an instance (a longer name follows its prefix). */
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 7, 0)), under(&ta, SUB(2, 10)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, 7, 0)), under(&ta, SUB(2, 10)));
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 6, 99)), under(&ta, SUB(2, 7)));

	EXPECT_NEXT(&tb, under(&tb, SUB(2, 1, 1)), under(&tb, SUB(2, 1, 2)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 1, 2)), under(&tb, SUB(2, 2, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5, 3)), under(&tb, SUB(2, 5, 10)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5, 10)), under(&tb, SUB(2, 9, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 9, 1)), under(&tb, SUB(3, 1, 1)));
	EXPECT_NEXT_INCL(&tb, under(&tb, SUB(2, 5, 10)), under(&tb, SUB(2, 5, 10)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5, 4)), under(&tb, SUB(2, 5, 10)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5, 3, 7)), under(&tb, SUB(2, 5, 10)));
}

static void test_mibtable_next_partial_index(void)
{
	tables_setup();
	/* Only the first sub-identifier: the first row that starts with it. */
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5)), under(&tb, SUB(2, 5, 3)));
	EXPECT_NEXT_INCL(&tb, under(&tb, SUB(2, 5)), under(&tb, SUB(2, 5, 3)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 1)), under(&tb, SUB(2, 1, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 2)), under(&tb, SUB(2, 2, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 9)), under(&tb, SUB(2, 9, 1)));
	/* A first sub-identifier no row has: the next row after it. */
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 3)), under(&tb, SUB(2, 5, 3)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 0)), under(&tb, SUB(2, 1, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 10)), under(&tb, SUB(3, 1, 1)));
	/* In a column where that row is absent. */
	EXPECT_NEXT(&tb, under(&tb, SUB(3, 5)), under(&tb, SUB(3, 5, 10)));
	EXPECT_NEXT(&tb, under(&tb, SUB(4, 2)), under(&tb, SUB(4, 5, 3)));
}

static void test_mibtable_next_index_above_rows(void)
{
	tables_setup();
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 43)), under(&ta, SUB(2, U32_MAX_OID)));
	/* Above every row: the first row of the next column. */
	EXPECT_NEXT(&ta, under(&ta, SUB(2, U32_MAX_OID)), under(&ta, SUB(3, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(2, U32_MAX_OID, 0)), under(&ta, SUB(3, 3)));
	/* Requests beyond 32 bits (a manager may send anything). */
	EXPECT_NEXT(&ta, under(&ta, SUB(2, TWO_32)), under(&ta, SUB(3, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(2, TWO_32 + 3)), under(&ta, SUB(3, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(2, (oid)1 << 40)), under(&ta, SUB(3, 3)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, TWO_32 + 7)), under(&ta, SUB(3, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(3, (oid)1 << 33)), under(&ta, SUB(5, 3))); /* 4 absent */

	EXPECT_NEXT(&tb, under(&tb, SUB(2, 9, 2)), under(&tb, SUB(3, 1, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, TWO_32 + 5)), under(&tb, SUB(3, 1, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5, TWO_32 + 1)), under(&tb, SUB(2, 9, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 1, TWO_32 + 1)), under(&tb, SUB(2, 2, 1)));
}

static void test_mibtable_next_last_and_after(void)
{
	tables_setup();
	/* The last instance (row 2^32-1 has no column 6). */
	EXPECT_NEXT(&ta, under(&ta, SUB(6, 42)), NONE);
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(6, 42)), under(&ta, SUB(6, 42)));
	EXPECT_NEXT(&ta, under(&ta, SUB(6, 43)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(6, U32_MAX_OID)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(6, TWO_32 + 1)), NONE);
	/* Columns above the last one. */
	EXPECT_NEXT(&ta, under(&ta, SUB(7)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(7, 1)), NONE);
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(7, 0)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(TWO_32 + 2)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(TWO_32 + 2, 7)), NONE);
	/* After the table. */
	EXPECT_NEXT(&ta, raw(SUB(1, 3, 6, 1, 4, 1, 99999, 1, 2, 2)), NONE);
	EXPECT_NEXT(&ta, raw(B_ENTRY, OID_LENGTH(B_ENTRY)), NONE);
	EXPECT_NEXT(&ta, raw(SUB(1, 3, 6, 1, 4, 1, 99999, 2)), NONE);
	EXPECT_NEXT(&ta, raw(SUB(2)), NONE);

	EXPECT_NEXT(&tb, under(&tb, SUB(4, 5, 10)), under(&tb, SUB(4, 9, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(4, 9, 1)), NONE);
	EXPECT_NEXT(&tb, under(&tb, SUB(4, 9)), under(&tb, SUB(4, 9, 1)));
	EXPECT_NEXT(&tb, under(&tb, SUB(4, 10)), NONE);
	EXPECT_NEXT(&tb, under(&tb, SUB(5)), NONE);
}

static void test_mibtable_next_skips_absent(void)
{
	tables_setup();
	/* Column 4 has no instance at all. */
	EXPECT_NEXT(&ta, under(&ta, SUB(3, 42)), under(&ta, SUB(3, U32_MAX_OID)));
	EXPECT_NEXT(&ta, under(&ta, SUB(3, U32_MAX_OID)), under(&ta, SUB(5, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(4)), under(&ta, SUB(5, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(4, 3)), under(&ta, SUB(5, 3)));
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(4, 3)), under(&ta, SUB(5, 3)));
	EXPECT_NEXT(&ta, under(&ta, SUB(4, (oid)1 << 40)), under(&ta, SUB(5, 3)));
	/* Single instances missing. */
	EXPECT_NEXT(&ta, under(&ta, SUB(3, 3)), under(&ta, SUB(3, 10)));
	EXPECT_NEXT(&tb, under(&tb, SUB(3, 2, 1)), under(&tb, SUB(3, 5, 10)));
	EXPECT_NEXT(&tb, under(&tb, SUB(4, 1, 2)), under(&tb, SUB(4, 5, 3)));

	/* A table whose every instance is absent has nothing to give. */
	fa.absent = all_absent;
	EXPECT_NEXT(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 7)), NONE);
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, 7)), NONE);
	EXPECT_NEXT(&ta, raw(SUB(0)), NONE);
}

static void test_mibtable_empty_table(void)
{
	tables_setup();
	fa.nrows = 0;
	fb.nrows = 0;
	EXPECT_NEXT(&ta, raw(SUB(0)), NONE);
	EXPECT_NEXT(&ta, raw(A_ENTRY, 3), NONE);
	EXPECT_NEXT(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(1)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(2)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(2, 7)), NONE);
	EXPECT_NEXT_INCL(&ta, under(&ta, SUB(2, 7)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(6, TWO_32)), NONE);
	EXPECT_NEXT(&ta, under(&ta, SUB(9)), NONE);
	EXPECT_NEXT(&tb, under(&tb, SUB(2, 5)), NONE);
	EXPECT_NEXT(&tb, raw(SUB(0)), NONE);
	EXPECT_NO_INSTANCE(&ta, under(&ta, SUB(2, 7)));
	EXPECT_NO_INSTANCE(&tb, under(&tb, SUB(2, 1, 1)));
	EXPECT_NO_OBJECT(&ta, under(&ta, SUB(9, 7)));
	/* Rows that do not exist are never asked for. */
	CU_ASSERT_EQUAL(fa.index_calls, 0);
	CU_ASSERT_EQUAL(fa.value_calls, 0);
	CU_ASSERT_EQUAL(fb.index_calls, 0);
	CU_ASSERT_EQUAL(fb.value_calls, 0);
}

static void test_mibtable_walk(void)
{
	tables_setup();
	CU_ASSERT_EQUAL(present_count(&ta), 17);
	CU_ASSERT_EQUAL(present_count(&tb), 16);
	CU_ASSERT_EQUAL(WALK(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY))), 17);
	CU_ASSERT_EQUAL(WALK(&tb, raw(B_ENTRY, OID_LENGTH(B_ENTRY))), 16);
	/* snmpwalk of the table object, and from the MIB's root. */
	WALK(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY) - 1));
	WALK(&tb, raw(SUB(1, 3, 6, 1, 4, 1, 99999)));
	/* Every row present: the walk visits rows × columns. */
	fa.absent = NULL;
	CU_ASSERT_EQUAL(WALK(&ta, raw(A_ENTRY, OID_LENGTH(A_ENTRY))), 25);
	/* A single row. */
	fb.nrows = 1;
	CU_ASSERT_EQUAL(WALK(&tb, raw(B_ENTRY, OID_LENGTH(B_ENTRY))), 3);
}

static void test_mibtable_instance_oid(void)
{
	tables_setup();
	oid out[MAX_OID_LEN];
	struct mibtable_hit hit = { .row = 3, .column = 5 };
	size_t len = mibtable_instance_oid(&ta, &hit, out);
	struct name want = under(&ta, SUB(5, 42));
	CU_ASSERT_EQUAL(len, OID_LENGTH(A_ENTRY) + 2);
	CU_ASSERT_EQUAL(snmp_oid_compare(out, len, want.o, want.len), 0);

	hit = (struct mibtable_hit){ .row = 4, .column = 3 };
	len = mibtable_instance_oid(&tb, &hit, out);
	want = under(&tb, SUB(3, 5, 10));
	CU_ASSERT_EQUAL(len, OID_LENGTH(B_ENTRY) + 3);
	CU_ASSERT_EQUAL(snmp_oid_compare(out, len, want.o, want.len), 0);

	/* What find_exact finds names the instance it was given. */
	want = under(&tb, SUB(4, 9, 1));
	CU_ASSERT_EQUAL_FATAL(mibtable_find_exact(&tb, want.o, want.len, &hit), 0);
	len = mibtable_instance_oid(&tb, &hit, out);
	CU_ASSERT_EQUAL(snmp_oid_compare(out, len, want.o, want.len), 0);
}

/* ---- 10,000 rows ------------------------------------------------------------ */

/* A lookup reads O(log n) indexes: 14 halvings cover 10,000 rows. */
#define BIG_MAX_INDEX_CALLS 32

static oid big_index(size_t row)
{
	return 3 * (oid)row + 7;
}

static void test_mibtable_big_exact(void)
{
	tables_setup();
	unsigned long worst = 0;
	int wrong = 0;
	for (size_t r = 0; r < BIG_ROWS; r++) {
		for (unsigned c = 2; c <= 3; c++) {
			struct mibtable_hit hit;
			struct name n = under(&tbig, SUB(c, big_index(r)));
			fbig.index_calls = 0;
			if (mibtable_find_exact(&tbig, n.o, n.len, &hit) != 0 || hit.row != r || hit.column != c)
				wrong++;
			if (fbig.index_calls > worst)
				worst = fbig.index_calls;
			/* The gaps between rows hold nothing. */
			for (oid gap = 1; gap <= 2; gap++) {
				n = under(&tbig, SUB(c, big_index(r) + gap));
				fbig.index_calls = 0;
				if (mibtable_find_exact(&tbig, n.o, n.len, &hit) != SNMP_NOSUCHINSTANCE)
					wrong++;
				if (fbig.index_calls > worst)
					worst = fbig.index_calls;
			}
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(worst <= BIG_MAX_INDEX_CALLS);
	for (oid i = 0; i < 7; i++)
		EXPECT_NO_INSTANCE(&tbig, under(&tbig, SUB(2, i)));
	EXPECT_NO_INSTANCE(&tbig, under(&tbig, SUB(2, big_index(BIG_ROWS))));
	EXPECT_NO_INSTANCE(&tbig, under(&tbig, SUB(2, TWO_32 + 7)));
}

/* The instance GETNEXT must find in column c at or after row r of the big
 * table, moving on to column 3, or NONE. */
static struct name big_expected(unsigned c, size_t r)
{
	for (; c <= 3; c++, r = 0)
		for (; r < BIG_ROWS; r++)
			if (!big_absent(r, c))
				return under(&tbig, SUB(c, big_index(r)));
	return NONE;
}

static void test_mibtable_big_next(void)
{
	tables_setup();
	unsigned long worst = 0;
	int wrong = 0;
	netsnmp_variable_list vb;
	memset(&vb, 0, sizeof vb);
	for (unsigned c = 2; c <= 3; c++) {
		for (size_t r = 0; r < BIG_ROWS; r++) {
			/* From the row itself (both ways) and from each gap
			 * before it, including before the first row. */
			struct {
				oid index;
				bool inclusive;
				size_t expect_row;
			} from[] = {
				{ big_index(r), false, r + 1 },
				{ big_index(r), true, r },
				{ big_index(r) - 1, false, r },
				{ big_index(r) - 2, true, r },
			};
			for (size_t k = 0; k < sizeof from / sizeof from[0]; k++) {
				struct name n = under(&tbig, SUB(c, from[k].index));
				struct name want = big_expected(c, from[k].expect_row);
				struct mibtable_hit hit;
				struct name got = NONE;
				fbig.index_calls = 0;
				if (mibtable_find_next(&tbig, n.o, n.len, from[k].inclusive, &hit, &vb) == 0)
					got.len = mibtable_instance_oid(&tbig, &hit, got.o);
				if (got.len != want.len ||
				    (want.len && snmp_oid_compare(got.o, got.len, want.o, want.len) != 0))
					wrong++;
				if (fbig.index_calls > worst)
					worst = fbig.index_calls;
			}
		}
	}
	snmp_free_var_internals(&vb);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(worst <= BIG_MAX_INDEX_CALLS);
	EXPECT_NEXT(&tbig, under(&tbig, SUB(2, 0)), under(&tbig, SUB(2, 7)));
	EXPECT_NEXT(&tbig, under(&tbig, SUB(2, big_index(BIG_ROWS - 1))), under(&tbig, SUB(3, 10)));
	EXPECT_NEXT(&tbig, under(&tbig, SUB(3, big_index(BIG_ROWS - 1))), NONE);
}

static void test_mibtable_big_walk(void)
{
	tables_setup();
	CU_ASSERT_EQUAL(WALK(&tbig, raw(BIG_ENTRY, OID_LENGTH(BIG_ENTRY))),
			BIG_ROWS + BIG_ROWS - BIG_ROWS / 5);
}

static CU_TestInfo mibtable_tests[] = {
	{ "GET every instance", test_mibtable_exact_every_instance },
	{ "GET a column outside the table", test_mibtable_exact_wrong_column },
	{ "GET outside the entry", test_mibtable_exact_outside_entry },
	{ "GET a wrong index", test_mibtable_exact_wrong_index },
	{ "GETNEXT from before the table", test_mibtable_next_before_table },
	{ "GETNEXT from a column", test_mibtable_next_column_without_index },
	{ "GETNEXT from an instance", test_mibtable_next_from_instance },
	{ "GETNEXT from a partial index", test_mibtable_next_partial_index },
	{ "GETNEXT from above every row", test_mibtable_next_index_above_rows },
	{ "GETNEXT from the last instance and after", test_mibtable_next_last_and_after },
	{ "GETNEXT skips absent instances", test_mibtable_next_skips_absent },
	{ "empty table", test_mibtable_empty_table },
	{ "walk", test_mibtable_walk },
	{ "instance OID", test_mibtable_instance_oid },
	{ "10,000 rows: GET", test_mibtable_big_exact },
	{ "10,000 rows: GETNEXT from every row and gap", test_mibtable_big_next },
	{ "10,000 rows: walk", test_mibtable_big_walk },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "mibtable", NULL, NULL, NULL, NULL, mibtable_tests },
	CU_SUITE_INFO_NULL,
};
