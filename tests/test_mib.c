/*
 * Unit tests of src/mib.c: VS-ACCOUNTING-MIB's values as a manager reads
 * them (DESIGN §3), from an inventory built from a conf, counters driven
 * through acct, VM states set through lifecycle (or by hand), and a fake
 * clock. Lookups go through each table's mibtable (find_exact + value for
 * GET, find_next for GETNEXT), after its prepare, as the handler does.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "lifecycle.h"
#include "mib.h"

#define SEC INT64_C(1000000)
#define T0 (100 * SEC)             /* monotonic: the inventory is built */
#define T1 (990 * SEC)             /* monotonic: "run" powers up */
#define NOW_MONO (1000 * SEC)      /* monotonic: the request */
#define NOW_UPTIME 50000u          /* the master's sysUpTime: 500 s */
#define S INT64_C(1700000000)      /* capture timestamps (seconds) */
#define NOW_REAL ((S + 4) * SEC + 400000)

static const char CONF_TEXT[] =
	"network lan0 br0\n"
	"network lan1 br1\n"
	"vm anon uuid=8A3C0D9E-1B2C-4D5E-8F90-0123456789AB\n"
	"vnic anon 52:54:00:00:01:01\n"
	"vm off\n"
	"vnic off 52:54:00:00:02:01 vnet2\n"
	"vnic off 52:54:00:00:02:02 vnet3\n"
	"vm run uuid=11111111-2222-3333-4444-555555555555\n"
	"vnic run 52:54:00:00:03:01 vnet4\n";

/* Columns (DESIGN §3). */
enum { VM_NAME = 2, VM_UUID, VM_STATE, VM_BYTES_SENT, VM_BYTES_RECEIVED, VM_PACKETS_SENT,
       VM_PACKETS_RECEIVED, VM_DISCONTINUITY, VM_VNIC_COUNT };
enum { VNIC_MAC = 2, VNIC_NET_INDEX, VNIC_IFNAME, VNIC_BYTES_SENT, VNIC_BYTES_RECEIVED,
       VNIC_PACKETS_SENT, VNIC_PACKETS_RECEIVED };
enum { NET_NAME = 2, NET_BRIDGE, NET_CAPTURE_STATE, NET_BYTES_SENT, NET_PACKETS_SENT,
       NET_RATE, NET_DROPS, NET_DISCONTINUITY };
#define HISTORY_END_TIME 61

/* ---- fixture -------------------------------------------------------------- */

static struct mib_clock clock_now;

/* The clocks when the master's sysUpTime reads uptime_cs at monotonic time
 * mono_usec and the wall clock reads real_usec. */
static struct mib_clock clock_at(uint32_t uptime_cs, int64_t mono_usec, int64_t real_usec)
{
	return (struct mib_clock){ .start_usec = mono_usec - (int64_t)uptime_cs * 10000,
				   .mono_usec = mono_usec,
				   .real_offset_usec = real_usec - mono_usec };
}

static void fake_clock(struct mib_clock *now)
{
	*now = clock_now;
}

static struct {
	struct inventory *inv;
	struct mib *mib;
	struct inv_net *lan0, *lan1;
	struct inv_vm *anon, *off, *run;
} f;

static netsnmp_variable_list vb;

static struct inv_vm *vm_named(const char *name)
{
	for (size_t i = 0; i < inventory_vm_count(f.inv); i++)
		if (!strcmp(inventory_vm(f.inv, i)->name, name))
			return inventory_vm(f.inv, i);
	return NULL;
}

/* anon: no host interface (unknown), on lan0 by hand; off: host
 * interfaces named, never seen (off); run: seen up on br1 at T1. Runs
 * before every test (f.mib stays NULL when it fails: READY() says so). */
static void mib_setup(void)
{
	memset(&f, 0, sizeof f);
	memset(&vb, 0, sizeof vb);
	clock_now = clock_at(NOW_UPTIME, NOW_MONO, NOW_REAL);
	struct conf *conf = conf_new();
	struct conf_error err = { "" };
	if (!conf || conf_parse_buffer(conf, "mib.conf", CONF_TEXT, strlen(CONF_TEXT), &err) < 0) {
		fprintf(stderr, "conf: %s\n", err.msg);
		conf_free(conf);
		return;
	}
	f.inv = inventory_new(conf, T0);
	conf_free(conf);
	if (!f.inv)
		return;
	f.lan0 = inventory_net_by_bridge(f.inv, "br0");
	f.lan1 = inventory_net_by_bridge(f.inv, "br1");
	f.anon = vm_named("anon");
	f.off = vm_named("off");
	f.run = vm_named("run");
	if (!f.lan0 || !f.lan1 || !f.anon || !f.off || !f.run)
		return;
	inventory_vnic_attach(&f.anon->vnics[0], f.lan0);
	struct hostif_info up = { .exists = true, .up = true, .ifindex = 7, .master = "br1" };
	lifecycle_apply(f.inv, f.run, &up, T1);
	f.mib = mib_new(f.inv, fake_clock);
}

static void mib_teardown(void)
{
	snmp_free_var_internals(&vb);
	memset(&vb, 0, sizeof vb);
	mib_free(f.mib);
	inventory_free(f.inv);
	memset(&f, 0, sizeof f);
}

#define READY() CU_ASSERT_PTR_NOT_NULL_FATAL(f.mib)

/* ---- requests --------------------------------------------------------------- */

#define SUB(...) (const oid[]){ __VA_ARGS__ }, sizeof((const oid[]){ __VA_ARGS__ }) / sizeof(oid)

struct name {
	oid o[MAX_OID_LEN];
	size_t len;
};

static struct name under(const struct mibtable *t, const oid *tail, size_t tail_len)
{
	struct name n;
	memcpy(n.o, t->entry, t->entry_len * sizeof(oid));
	if (tail_len)
		memcpy(n.o + t->entry_len, tail, tail_len * sizeof(oid));
	n.len = t->entry_len + tail_len;
	return n;
}

static void text_of(const oid *o, size_t len, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < len && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, ".%lu", (unsigned long)o[i]);
	if (!len)
		snprintf(buf, size, "(nothing)");
}

/* GET of the entry's instance tail: 0 with the value in vb, or
 * SNMP_NOSUCHOBJECT / SNMP_NOSUCHINSTANCE. */
static int get(enum mib_table_id id, const oid *tail, size_t tail_len)
{
	struct mibtable *t = mib_table(f.mib, id);
	struct name n = under(t, tail, tail_len);
	snmp_free_var_internals(&vb);
	memset(&vb, 0, sizeof vb);
	t->prepare(t->ctx);
	struct mibtable_hit hit;
	int rc = mibtable_find_exact(t, n.o, n.len, &hit);
	if (rc == 0 && t->value(t->ctx, hit.row, hit.column, &vb) != 0)
		rc = SNMP_NOSUCHINSTANCE;
	return rc;
}

static void report(bool ok, enum mib_table_id id, const oid *tail, size_t tail_len,
		   const char *what, unsigned line)
{
	char name[400], text[800];
	text_of(tail, tail_len, name, sizeof name);
	snprintf(text, sizeof text, "%s entry%s: %s", mib_table(f.mib, id)->name, name, what);
	CU_assertImplementation(ok, line, text, __FILE__, "", CU_FALSE);
}

/* An integer-valued instance of type type (INTEGER, Gauge32, Unsigned32,
 * TimeTicks). */
static void expect_int_at(enum mib_table_id id, u_char type, long value, const oid *tail,
			  size_t tail_len, unsigned line)
{
	int rc = get(id, tail, tail_len);
	bool ok = rc == 0 && vb.type == type && vb.val.integer && *vb.val.integer == value;
	char what[200];
	snprintf(what, sizeof what, "rc %d type 0x%02x value %ld (expected type 0x%02x value %ld)",
		 rc, vb.type, rc == 0 && vb.val.integer ? *vb.val.integer : -1L, type, value);
	report(ok, id, tail, tail_len, what, line);
}
#define EXPECT_INT(id, type, value, ...) expect_int_at((id), (type), (value), __VA_ARGS__, __LINE__)
#define EXPECT_GAUGE(id, value, ...) EXPECT_INT((id), ASN_GAUGE, (value), __VA_ARGS__)
#define EXPECT_TICKS(id, value, ...) EXPECT_INT((id), ASN_TIMETICKS, (value), __VA_ARGS__)

static void expect_c64_at(enum mib_table_id id, uint64_t value, const oid *tail,
			  size_t tail_len, unsigned line)
{
	int rc = get(id, tail, tail_len);
	bool ok = rc == 0 && vb.type == ASN_COUNTER64 && vb.val_len == sizeof(struct counter64) &&
		  vb.val.counter64->high == value >> 32 &&
		  vb.val.counter64->low == (value & 0xffffffffu);
	char what[300];
	snprintf(what, sizeof what, "rc %d type 0x%02x high %lu low %lu (expected Counter64 %llu: %lu/%lu)",
		 rc, vb.type, rc == 0 && vb.val.counter64 ? (unsigned long)vb.val.counter64->high : 0,
		 rc == 0 && vb.val.counter64 ? (unsigned long)vb.val.counter64->low : 0,
		 (unsigned long long)value, (unsigned long)(value >> 32),
		 (unsigned long)(value & 0xffffffffu));
	report(ok, id, tail, tail_len, what, line);
}
#define EXPECT_C64(id, value, ...) expect_c64_at((id), (value), __VA_ARGS__, __LINE__)

static void expect_octets_at(enum mib_table_id id, const void *bytes, size_t len,
			     const oid *tail, size_t tail_len, unsigned line)
{
	int rc = get(id, tail, tail_len);
	bool ok = rc == 0 && vb.type == ASN_OCTET_STR && vb.val_len == len &&
		  (!len || memcmp(vb.val.string, bytes, len) == 0);
	char what[400];
	snprintf(what, sizeof what, "rc %d type 0x%02x, %zu octets \"%.*s\" (expected %zu: \"%.*s\")",
		 rc, vb.type, vb.val_len, rc == 0 ? (int)vb.val_len : 0,
		 rc == 0 && vb.val.string ? (const char *)vb.val.string : "", len, (int)len,
		 (const char *)bytes);
	report(ok, id, tail, tail_len, what, line);
}
#define EXPECT_STRING(id, s, ...) expect_octets_at((id), (s), strlen(s), __VA_ARGS__, __LINE__)

static void expect_rc_at(enum mib_table_id id, int expected, const oid *tail, size_t tail_len,
			 unsigned line)
{
	int rc = get(id, tail, tail_len);
	char what[200];
	snprintf(what, sizeof what, "GET answers %d (expected %d)", rc, expected);
	report(rc == expected, id, tail, tail_len, what, line);
}
#define EXPECT_NO_INSTANCE(id, ...) expect_rc_at((id), SNMP_NOSUCHINSTANCE, __VA_ARGS__, __LINE__)
#define EXPECT_NO_OBJECT(id, ...) expect_rc_at((id), SNMP_NOSUCHOBJECT, __VA_ARGS__, __LINE__)

/* GETNEXT from entry.from: expects entry.to (to_len 0: nothing). */
static void expect_next_at(enum mib_table_id id, const oid *from, size_t from_len,
			   const oid *to, size_t to_len, unsigned line)
{
	struct mibtable *t = mib_table(f.mib, id);
	struct name n = under(t, from, from_len), want = under(t, to, to_len);
	snmp_free_var_internals(&vb);
	memset(&vb, 0, sizeof vb);
	t->prepare(t->ctx);
	struct mibtable_hit hit;
	struct name got = { .len = 0 };
	int rc = mibtable_find_next(t, n.o, n.len, false, &hit, &vb);
	if (rc == 0)
		got.len = mibtable_instance_oid(t, &hit, got.o);
	bool ok = to_len ? rc == 0 && snmp_oid_compare(got.o, got.len, want.o, want.len) == 0
			 : rc == -1;
	char g[400], e[400], what[900];
	text_of(got.o, got.len, g, sizeof g);
	text_of(want.o, to_len ? want.len : 0, e, sizeof e);
	snprintf(what, sizeof what, "GETNEXT gives %s (expected %s)", g, e);
	report(ok, id, from, from_len, what, line);
}
#define EXPECT_NEXT(id, ...) expect_next_at((id), __VA_ARGS__, __LINE__)
#define NOTHING NULL, 0

/* Walks a table from its entry, as snmpwalk does: instances in strictly
 * increasing order, each one GET finds again; returns how many. */
static size_t walk(enum mib_table_id id)
{
	struct mibtable *t = mib_table(f.mib, id);
	struct name cur = under(t, NULL, 0);
	netsnmp_variable_list v;
	memset(&v, 0, sizeof v);
	t->prepare(t->ctx);
	struct mibtable_hit hit;
	size_t n = 0;
	while (mibtable_find_next(t, cur.o, cur.len, false, &hit, &v) == 0 && n < 10000) {
		struct name next;
		next.len = mibtable_instance_oid(t, &hit, next.o);
		CU_ASSERT(snmp_oid_compare(next.o, next.len, cur.o, cur.len) > 0);
		/* GET of what GETNEXT gave answers the same type. */
		struct mibtable_hit again;
		CU_ASSERT_EQUAL(mibtable_find_exact(t, next.o, next.len, &again), 0);
		CU_ASSERT(again.row == hit.row && again.column == hit.column);
		cur = next;
		n++;
	}
	snmp_free_var_internals(&v);
	return n;
}

/* ---- the OID contract --------------------------------------------------------- */

static void expect_entry(enum mib_table_id id, const oid *sub, size_t sub_len,
			 unsigned min_col, unsigned max_col, size_t index_len)
{
	static const oid root[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 5005 };
	const struct mibtable *t = mib_table(f.mib, id);
	oid want[MAX_OID_LEN];
	memcpy(want, root, sizeof root);
	memcpy(want + OID_LENGTH(root), sub, sub_len * sizeof(oid));
	CU_ASSERT_EQUAL(snmp_oid_compare(t->entry, t->entry_len, want, OID_LENGTH(root) + sub_len), 0);
	CU_ASSERT_EQUAL(t->min_column, min_col);
	CU_ASSERT_EQUAL(t->max_column, max_col);
	CU_ASSERT_EQUAL(t->index_len, index_len);
	CU_ASSERT_PTR_NOT_NULL(t->prepare);
}

static void test_mib_oids(void)
{
	READY();
	static const oid root[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 5005 };
	CU_ASSERT_EQUAL(snmp_oid_compare(mib_root, mib_root_len, root, OID_LENGTH(root)), 0);
	expect_entry(MIB_SCALARS, SUB(1, 1), 1, 4, 1);
	expect_entry(MIB_VM, SUB(1, 2, 1), 2, 10, 1);
	expect_entry(MIB_VNIC, SUB(1, 3, 1), 2, 8, 2);
	expect_entry(MIB_NET, SUB(1, 4, 1), 2, 9, 1);
	expect_entry(MIB_HISTORY, SUB(1, 5, 1), 1, 61, 1);
}

/* ---- vsAcctGeneral -------------------------------------------------------------- */

static void test_mib_scalars(void)
{
	READY();
	EXPECT_GAUGE(MIB_SCALARS, 3, SUB(1, 0));
	EXPECT_GAUGE(MIB_SCALARS, 2, SUB(2, 0));
	EXPECT_INT(MIB_SCALARS, ASN_UNSIGNED, 60, SUB(3, 0));
	EXPECT_STRING(MIB_SCALARS, "vsacctd " VSACCT_VERSION, SUB(4, 0));
	CU_ASSERT_EQUAL(get(MIB_SCALARS, SUB(4, 0)), 0);
	CU_ASSERT(vb.val_len > 8 && memcmp(vb.val.string, "vsacctd ", 8) == 0);

	EXPECT_NO_OBJECT(MIB_SCALARS, SUB(5, 0));
	EXPECT_NO_OBJECT(MIB_SCALARS, SUB(0, 0));
	EXPECT_NO_INSTANCE(MIB_SCALARS, SUB(1, 1));
	EXPECT_NO_INSTANCE(MIB_SCALARS, SUB(1));
	EXPECT_NO_INSTANCE(MIB_SCALARS, SUB(1, 0, 0));

	/* snmpwalk of vsAcctGeneral: .1.0 … .4.0, then nothing. */
	EXPECT_NEXT(MIB_SCALARS, NOTHING, SUB(1, 0));
	EXPECT_NEXT(MIB_SCALARS, SUB(1, 0), SUB(2, 0));
	EXPECT_NEXT(MIB_SCALARS, SUB(3), SUB(3, 0));
	EXPECT_NEXT(MIB_SCALARS, SUB(4, 0), NOTHING);
	CU_ASSERT_EQUAL(walk(MIB_SCALARS), 4);
}

/* ---- vsVmTable ---------------------------------------------------------------------- */

static void test_mib_vm_names_uuids_states(void)
{
	READY();
	EXPECT_STRING(MIB_VM, "anon", SUB(VM_NAME, 1));
	EXPECT_STRING(MIB_VM, "off", SUB(VM_NAME, 2));
	EXPECT_STRING(MIB_VM, "run", SUB(VM_NAME, 3));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(VM_NAME, 4));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(VM_NAME, 0));
	/* Lower case as configured; "" when unknown. */
	EXPECT_STRING(MIB_VM, "8a3c0d9e-1b2c-4d5e-8f90-0123456789ab", SUB(VM_UUID, 1));
	EXPECT_STRING(MIB_VM, "", SUB(VM_UUID, 2));
	EXPECT_STRING(MIB_VM, "11111111-2222-3333-4444-555555555555", SUB(VM_UUID, 3));
	EXPECT_INT(MIB_VM, ASN_INTEGER, 1, SUB(VM_STATE, 1)); /* unknown */
	EXPECT_INT(MIB_VM, ASN_INTEGER, 3, SUB(VM_STATE, 2)); /* off */
	EXPECT_INT(MIB_VM, ASN_INTEGER, 2, SUB(VM_STATE, 3)); /* running */
	EXPECT_GAUGE(MIB_VM, 1, SUB(VM_VNIC_COUNT, 1));
	EXPECT_GAUGE(MIB_VM, 2, SUB(VM_VNIC_COUNT, 2));
	EXPECT_GAUGE(MIB_VM, 1, SUB(VM_VNIC_COUNT, 3));
	EXPECT_NO_OBJECT(MIB_VM, SUB(1, 1)); /* vsVmIndex is not-accessible */
	EXPECT_NO_OBJECT(MIB_VM, SUB(11, 1));
}

/* Traffic: anon broadcasts 60 bytes on lan0 and receives 3 × 1000; run
 * sends 2 × 4,000,000,000 bytes on lan1, receives 2 × (2^32 - 1) and a
 * 40-byte broadcast. */
static void traffic(void)
{
	struct acct_port *anon = &f.anon->vnics[0].acct, *run = &f.run->vnics[0].acct;
	acct_count_frame(&f.lan0->acct, anon, NULL, true, 60, S);
	for (int i = 0; i < 3; i++)
		acct_count_frame(&f.lan0->acct, NULL, anon, false, 1000, S);
	for (int i = 0; i < 2; i++) {
		acct_count_frame(&f.lan1->acct, run, NULL, false, 4000000000u, S);
		acct_count_frame(&f.lan1->acct, NULL, run, false, 0xffffffffu, S);
	}
	acct_count_frame(&f.lan1->acct, NULL, NULL, true, 40, S);
}

#define RUN_SENT UINT64_C(8000000000)             /* high 1, low 3705032704 */
#define RUN_RECEIVED (UINT64_C(2) * 0xffffffffu + 40) /* high 2, low 38 */

static void test_mib_vm_counters(void)
{
	READY();
	traffic();
	EXPECT_C64(MIB_VM, 60, SUB(VM_BYTES_SENT, 1));
	EXPECT_C64(MIB_VM, 3000, SUB(VM_BYTES_RECEIVED, 1));
	EXPECT_C64(MIB_VM, 1, SUB(VM_PACKETS_SENT, 1));
	EXPECT_C64(MIB_VM, 3, SUB(VM_PACKETS_RECEIVED, 1));
	EXPECT_C64(MIB_VM, RUN_SENT, SUB(VM_BYTES_SENT, 3));
	EXPECT_C64(MIB_VM, RUN_RECEIVED, SUB(VM_BYTES_RECEIVED, 3));
	EXPECT_C64(MIB_VM, 2, SUB(VM_PACKETS_SENT, 3));
	EXPECT_C64(MIB_VM, 3, SUB(VM_PACKETS_RECEIVED, 3));

	/* The 64-bit split, spelled out. */
	CU_ASSERT_EQUAL_FATAL(get(MIB_VM, SUB(VM_BYTES_SENT, 3)), 0);
	CU_ASSERT_EQUAL(vb.type, ASN_COUNTER64);
	CU_ASSERT_EQUAL(vb.val.counter64->high, 1);
	CU_ASSERT_EQUAL(vb.val.counter64->low, 3705032704u);
	CU_ASSERT_EQUAL_FATAL(get(MIB_VM, SUB(VM_BYTES_RECEIVED, 3)), 0);
	CU_ASSERT_EQUAL(vb.val.counter64->high, 2);
	CU_ASSERT_EQUAL(vb.val.counter64->low, 38);
}

static void test_mib_vm_discontinuity(void)
{
	READY();
	/* Built at T0, 900 s ago: before the master's 500 s of uptime. */
	EXPECT_TICKS(MIB_VM, 0, SUB(VM_DISCONTINUITY, 1));
	EXPECT_TICKS(MIB_VM, 0, SUB(VM_DISCONTINUITY, 2));
	/* Powered up at T1, 10 s ago. */
	EXPECT_TICKS(MIB_VM, NOW_UPTIME - 1000, SUB(VM_DISCONTINUITY, 3));
	/* The clock is read per request (prepare): a later request sees a
	 * later uptime, and the same TimeStamp for the same event. */
	clock_now.mono_usec += 2 * SEC;
	EXPECT_TICKS(MIB_VM, NOW_UPTIME - 1000, SUB(VM_DISCONTINUITY, 3));
	f.anon->discontinuity_usec = clock_now.mono_usec - 5 * SEC;
	EXPECT_TICKS(MIB_VM, NOW_UPTIME + 200 - 500, SUB(VM_DISCONTINUITY, 1));
}

/* A VM whose counters have no instance keeps its other columns. */
static void expect_counters_hidden(uint32_t vm_index, long state)
{
	for (oid c = VM_BYTES_SENT; c <= VM_PACKETS_RECEIVED; c++) {
		EXPECT_NO_INSTANCE(MIB_VM, SUB(c, vm_index));
		/* The row is found; the value is what is missing. */
		struct mibtable *t = mib_table(f.mib, MIB_VM);
		struct name n = under(t, SUB(c, vm_index));
		struct mibtable_hit hit;
		CU_ASSERT_EQUAL_FATAL(mibtable_find_exact(t, n.o, n.len, &hit), 0);
		CU_ASSERT_EQUAL(t->value(t->ctx, hit.row, hit.column, &vb), -1);
	}
	CU_ASSERT_EQUAL(get(MIB_VM, SUB(VM_NAME, vm_index)), 0);
	EXPECT_INT(MIB_VM, ASN_INTEGER, state, SUB(VM_STATE, vm_index));
	CU_ASSERT_EQUAL(get(MIB_VM, SUB(VM_DISCONTINUITY, vm_index)), 0);
	CU_ASSERT_EQUAL(vb.type, ASN_TIMETICKS);
	CU_ASSERT_EQUAL(get(MIB_VM, SUB(VM_VNIC_COUNT, vm_index)), 0);
	CU_ASSERT_EQUAL(vb.type, ASN_GAUGE);
}

static void test_mib_vm_off_has_no_counters(void)
{
	READY();
	traffic();
	/* off's vNIC receives unicast while off: counted, not shown. */
	acct_count_frame(&f.lan0->acct, NULL, &f.off->vnics[0].acct, false, 77, S);
	expect_counters_hidden(2, VM_OFF);
	/* GETNEXT skips row 2 in each counter column. */
	for (oid c = VM_BYTES_SENT; c <= VM_PACKETS_RECEIVED; c++) {
		EXPECT_NEXT(MIB_VM, SUB(c, 1), SUB(c, 3));
		EXPECT_NEXT(MIB_VM, SUB(c, 2), SUB(c, 3));
	}
	EXPECT_NEXT(MIB_VM, SUB(VM_STATE, 1), SUB(VM_STATE, 2));
	EXPECT_NEXT(MIB_VM, SUB(VM_PACKETS_RECEIVED, 3), SUB(VM_DISCONTINUITY, 1));
	/* 3 rows × 9 columns, less off's 4 counters. */
	CU_ASSERT_EQUAL(walk(MIB_VM), 23);
}

static void test_mib_vm_saved_has_no_counters(void)
{
	READY();
	traffic();
	f.run->state = VM_SAVED;
	expect_counters_hidden(3, VM_SAVED);
	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(VNIC_BYTES_SENT, 3, 1));
	/* Both off and saved skipped: column 5 ends after row 1. */
	EXPECT_NEXT(MIB_VM, SUB(VM_BYTES_SENT, 1), SUB(VM_BYTES_RECEIVED, 1));
	EXPECT_NEXT(MIB_VM, SUB(VM_PACKETS_RECEIVED, 1), SUB(VM_DISCONTINUITY, 1));
	CU_ASSERT_EQUAL(walk(MIB_VM), 19);

	/* Paused and unknown VMs serve their counters. */
	f.run->state = VM_PAUSED;
	EXPECT_INT(MIB_VM, ASN_INTEGER, 5, SUB(VM_STATE, 3));
	EXPECT_C64(MIB_VM, RUN_SENT, SUB(VM_BYTES_SENT, 3));
	EXPECT_C64(MIB_VNIC, RUN_SENT, SUB(VNIC_BYTES_SENT, 3, 1));
	f.off->state = VM_UNKNOWN;
	EXPECT_C64(MIB_VM, 0, SUB(VM_BYTES_SENT, 2));
	CU_ASSERT_EQUAL(walk(MIB_VM), 27);
}

/* ---- vsVnicTable ------------------------------------------------------------------ */

static void test_mib_vnic_columns(void)
{
	READY();
	static const uint8_t mac_anon[] = { 0x52, 0x54, 0, 0, 1, 1 }, mac_off2[] = { 0x52, 0x54, 0, 0, 2, 2 },
			     mac_run[] = { 0x52, 0x54, 0, 0, 3, 1 };
	expect_octets_at(MIB_VNIC, mac_anon, 6, SUB(VNIC_MAC, 1, 1), __LINE__);
	expect_octets_at(MIB_VNIC, mac_off2, 6, SUB(VNIC_MAC, 2, 2), __LINE__);
	expect_octets_at(MIB_VNIC, mac_run, 6, SUB(VNIC_MAC, 3, 1), __LINE__);
	/* Not attached: 0; attached: the network's index. */
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 1, SUB(VNIC_NET_INDEX, 1, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 0, SUB(VNIC_NET_INDEX, 2, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 0, SUB(VNIC_NET_INDEX, 2, 2));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 2, SUB(VNIC_NET_INDEX, 3, 1));
	inventory_vnic_attach(&f.off->vnics[1], f.lan1);
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 2, SUB(VNIC_NET_INDEX, 2, 2));
	inventory_vnic_attach(&f.off->vnics[1], NULL);
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 0, SUB(VNIC_NET_INDEX, 2, 2));
	EXPECT_STRING(MIB_VNIC, "", SUB(VNIC_IFNAME, 1, 1));
	EXPECT_STRING(MIB_VNIC, "vnet2", SUB(VNIC_IFNAME, 2, 1));
	EXPECT_STRING(MIB_VNIC, "vnet3", SUB(VNIC_IFNAME, 2, 2));
	EXPECT_STRING(MIB_VNIC, "vnet4", SUB(VNIC_IFNAME, 3, 1));

	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(VNIC_MAC, 1, 2));
	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(VNIC_MAC, 2));
	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(VNIC_MAC, 4, 1));
	EXPECT_NO_OBJECT(MIB_VNIC, SUB(1, 1, 1));
	EXPECT_NO_OBJECT(MIB_VNIC, SUB(9, 1, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 1, 1), SUB(VNIC_MAC, 2, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 2), SUB(VNIC_MAC, 2, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 2, 1), SUB(VNIC_MAC, 2, 2));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 3, 1), SUB(VNIC_NET_INDEX, 1, 1));
}

static void test_mib_vnic_counters(void)
{
	READY();
	traffic();
	EXPECT_C64(MIB_VNIC, 60, SUB(VNIC_BYTES_SENT, 1, 1));
	EXPECT_C64(MIB_VNIC, 3000, SUB(VNIC_BYTES_RECEIVED, 1, 1));
	EXPECT_C64(MIB_VNIC, 1, SUB(VNIC_PACKETS_SENT, 1, 1));
	EXPECT_C64(MIB_VNIC, 3, SUB(VNIC_PACKETS_RECEIVED, 1, 1));
	EXPECT_C64(MIB_VNIC, RUN_SENT, SUB(VNIC_BYTES_SENT, 3, 1));
	EXPECT_C64(MIB_VNIC, RUN_RECEIVED, SUB(VNIC_BYTES_RECEIVED, 3, 1));
	EXPECT_C64(MIB_VNIC, 2, SUB(VNIC_PACKETS_SENT, 3, 1));
	EXPECT_C64(MIB_VNIC, 3, SUB(VNIC_PACKETS_RECEIVED, 3, 1));

	/* The off VM's vNICs: no counter instances, other columns stay. */
	for (oid c = VNIC_BYTES_SENT; c <= VNIC_PACKETS_RECEIVED; c++) {
		EXPECT_NO_INSTANCE(MIB_VNIC, SUB(c, 2, 1));
		EXPECT_NO_INSTANCE(MIB_VNIC, SUB(c, 2, 2));
		EXPECT_NEXT(MIB_VNIC, SUB(c, 1, 1), SUB(c, 3, 1));
		EXPECT_NEXT(MIB_VNIC, SUB(c, 2), SUB(c, 3, 1));
	}
	CU_ASSERT_EQUAL(get(MIB_VNIC, SUB(VNIC_MAC, 2, 2)), 0);
	CU_ASSERT_EQUAL(get(MIB_VNIC, SUB(VNIC_IFNAME, 2, 2)), 0);
	/* 4 rows × 7 columns, less 2 × 4 counters. */
	CU_ASSERT_EQUAL(walk(MIB_VNIC), 20);
}

/* ---- vsNetTable ------------------------------------------------------------------------ */

static void test_mib_net_columns(void)
{
	READY();
	traffic();
	EXPECT_STRING(MIB_NET, "lan0", SUB(NET_NAME, 1));
	EXPECT_STRING(MIB_NET, "lan1", SUB(NET_NAME, 2));
	EXPECT_STRING(MIB_NET, "br0", SUB(NET_BRIDGE, 1));
	EXPECT_STRING(MIB_NET, "br1", SUB(NET_BRIDGE, 2));
	/* Nothing opened yet: down. */
	EXPECT_INT(MIB_NET, ASN_INTEGER, 2, SUB(NET_CAPTURE_STATE, 1));
	f.lan0->capture_state = NET_CAPTURING;
	f.lan1->capture_state = NET_FAILED;
	EXPECT_INT(MIB_NET, ASN_INTEGER, 1, SUB(NET_CAPTURE_STATE, 1));
	EXPECT_INT(MIB_NET, ASN_INTEGER, 3, SUB(NET_CAPTURE_STATE, 2));
	EXPECT_C64(MIB_NET, 3060, SUB(NET_BYTES_SENT, 1));
	EXPECT_C64(MIB_NET, 4, SUB(NET_PACKETS_SENT, 1));
	EXPECT_C64(MIB_NET, RUN_SENT + RUN_RECEIVED, SUB(NET_BYTES_SENT, 2));
	EXPECT_C64(MIB_NET, 5, SUB(NET_PACKETS_SENT, 2));
	EXPECT_C64(MIB_NET, 0, SUB(NET_DROPS, 1));
	acct_count_drops(&f.lan1->acct, UINT64_C(5000000000));
	EXPECT_C64(MIB_NET, UINT64_C(5000000000), SUB(NET_DROPS, 2));
	EXPECT_TICKS(MIB_NET, 0, SUB(NET_DISCONTINUITY, 1));
	f.lan1->discontinuity_usec = NOW_MONO - 5 * SEC;
	EXPECT_TICKS(MIB_NET, NOW_UPTIME - 500, SUB(NET_DISCONTINUITY, 2));

	EXPECT_NO_INSTANCE(MIB_NET, SUB(NET_NAME, 3));
	EXPECT_NO_OBJECT(MIB_NET, SUB(10, 1));
	EXPECT_NEXT(MIB_NET, SUB(NET_NAME, 2), SUB(NET_BRIDGE, 1));
	EXPECT_NEXT(MIB_NET, SUB(NET_DISCONTINUITY, 2), NOTHING);
	CU_ASSERT_EQUAL(walk(MIB_NET), 16);
}

/* lan0 carries 100 bytes in second S, 200 in S+1, none in S+2, 300 in
 * S+3; the timer then closes S+3 at S+4.4. */
static void history_traffic(void)
{
	acct_count_frame(&f.lan0->acct, NULL, NULL, false, 100, S);
	acct_count_frame(&f.lan0->acct, NULL, NULL, false, 150, S + 1);
	acct_count_frame(&f.lan0->acct, NULL, NULL, true, 50, S + 1);
	acct_count_frame(&f.lan0->acct, NULL, NULL, false, 300, S + 3);
	acct_net_tick(&f.lan0->acct, NOW_REAL);
}

static void test_mib_history_columns(void)
{
	READY();
	history_traffic();
	static const uint64_t first4[] = { 300, 0, 200, 100 };
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_history(&f.lan0->acct, h, &end_sec);
	CU_ASSERT_EQUAL(end_sec, S + 4);
	/* Column N: the N-th most recent completed second. */
	EXPECT_C64(MIB_HISTORY, 300, SUB(1, 1));
	EXPECT_C64(MIB_HISTORY, 0, SUB(2, 1));
	EXPECT_C64(MIB_HISTORY, 200, SUB(3, 1));
	EXPECT_C64(MIB_HISTORY, 100, SUB(4, 1));
	for (oid c = 1; c <= ACCT_HISTORY_SECONDS; c++) {
		EXPECT_C64(MIB_HISTORY, h[c - 1], SUB(c, 1));
		EXPECT_C64(MIB_HISTORY, c <= 4 ? first4[c - 1] : 0, SUB(c, 1));
		/* The idle network: 0, never missing. */
		EXPECT_C64(MIB_HISTORY, 0, SUB(c, 2));
	}
	/* vsNetBytesSentRate is column 1. */
	EXPECT_C64(MIB_NET, 300, SUB(NET_RATE, 1));
	EXPECT_C64(MIB_NET, 0, SUB(NET_RATE, 2));

	/* Two seconds later: everything moved two columns on. */
	acct_net_tick(&f.lan0->acct, NOW_REAL + 2 * SEC);
	EXPECT_C64(MIB_HISTORY, 0, SUB(1, 1));
	EXPECT_C64(MIB_HISTORY, 0, SUB(2, 1));
	EXPECT_C64(MIB_HISTORY, 300, SUB(3, 1));
	EXPECT_C64(MIB_HISTORY, 200, SUB(5, 1));
	EXPECT_C64(MIB_HISTORY, 100, SUB(6, 1));
	EXPECT_C64(MIB_NET, 0, SUB(NET_RATE, 1));
	acct_net_history(&f.lan0->acct, h, &end_sec);
	for (oid c = 1; c <= ACCT_HISTORY_SECONDS; c++)
		EXPECT_C64(MIB_HISTORY, h[c - 1], SUB(c, 1));

	EXPECT_NO_OBJECT(MIB_HISTORY, SUB(62, 1));
	EXPECT_NO_OBJECT(MIB_HISTORY, SUB(0, 1));
	EXPECT_NO_INSTANCE(MIB_HISTORY, SUB(1, 3));
	/* Row by row, column by column: 2 × 61 instances. */
	EXPECT_NEXT(MIB_HISTORY, NOTHING, SUB(1, 1));
	EXPECT_NEXT(MIB_HISTORY, SUB(1, 2), SUB(2, 1));
	EXPECT_NEXT(MIB_HISTORY, SUB(60, 2), SUB(HISTORY_END_TIME, 1));
	EXPECT_NEXT(MIB_HISTORY, SUB(HISTORY_END_TIME, 2), NOTHING);
	CU_ASSERT_EQUAL(walk(MIB_HISTORY), 2 * 61);
}

static void test_mib_history_end_time(void)
{
	READY();
	history_traffic();
	/* End of column 1's second: S+4, 0.4 s before the request. */
	EXPECT_TICKS(MIB_HISTORY, NOW_UPTIME - 40, SUB(HISTORY_END_TIME, 1));
	/* Nothing seen on lan1 yet. */
	EXPECT_TICKS(MIB_HISTORY, 0, SUB(HISTORY_END_TIME, 2));

	/* uptime_cs - (real_usec - end_sec * 1e6) / 1e4, for other clocks
	 * (truncated to the hundredth sysUpTime was in at that end). */
	struct {
		uint32_t uptime_cs;
		int64_t mono_usec, real_usec;
		uint32_t expected;
	} cases[] = {
		{ 50000, NOW_MONO, (S + 4) * SEC + 2345678, 50000 - 235 },
		{ 123456, 777 * SEC, (S + 4) * SEC + 999999, 123456 - 100 },
		{ 50000, NOW_MONO, (S + 4) * SEC, 50000 },
		{ 4294967295u, NOW_MONO, (S + 4) * SEC + 10 * SEC, 4294967295u - 1000 },
		/* Older than the master's uptime. */
		{ 300, NOW_MONO, (S + 4) * SEC + 3 * SEC, 0 },
		{ 300, NOW_MONO, (S + 4) * SEC + 4 * SEC, 0 },
		/* The wall clock behind the history's end (stepped back). */
		{ 50000, NOW_MONO, (S + 3) * SEC, 50000 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		clock_now = clock_at(cases[i].uptime_cs, cases[i].mono_usec, cases[i].real_usec);
		EXPECT_TICKS(MIB_HISTORY, (long)cases[i].expected, SUB(HISTORY_END_TIME, 1));
	}
}

/* ---- TimeStamps ------------------------------------------------------------------------ */

static void test_mib_timestamp(void)
{
	READY();
	struct mib_clock now = clock_at(NOW_UPTIME, NOW_MONO, 0);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO), NOW_UPTIME);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 5 * SEC), NOW_UPTIME - 500);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 10000), NOW_UPTIME - 1);
	/* Less than a hundredth ago: sysUpTime was still a hundredth less. */
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 9999), NOW_UPTIME - 1);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 499990000), 1);
	/* At or before the master's start: 0. */
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 500 * SEC), 0);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 600 * SEC), 0);
	CU_ASSERT_EQUAL(mib_timestamp(&now, 0), 0);
	CU_ASSERT_EQUAL(mib_timestamp(&now, INT64_MIN / 2), 0);
	/* In the future (a clock oddity): now. */
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO + 3 * SEC), NOW_UPTIME);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO + 1), NOW_UPTIME);
	/* A master that just started. */
	now = clock_at(0, NOW_MONO, 0);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO), 0);
	/* Near the 32-bit end of TimeTicks. */
	now = clock_at(4294967295u, NOW_MONO, 0);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 10 * SEC), 4294967295u - 1000);
	CU_ASSERT_EQUAL(mib_timestamp(&now, NOW_MONO - 900 * SEC), 4294967295u - 90000);
}

/* ---- refresh --------------------------------------------------------------------------- */

static void test_mib_refresh_keeps_index_order(void)
{
	READY();
	/* Indexes no longer in array order (anon, off, run). */
	f.anon->index = 5;
	f.off->index = 2;
	f.run->index = 9;
	f.lan0->index = 7;
	f.lan1->index = 3;
	CU_ASSERT_EQUAL_FATAL(mib_refresh(f.mib, f.inv), 0);

	EXPECT_NEXT(MIB_VM, SUB(VM_NAME), SUB(VM_NAME, 2));
	EXPECT_NEXT(MIB_VM, SUB(VM_NAME, 2), SUB(VM_NAME, 5));
	EXPECT_NEXT(MIB_VM, SUB(VM_NAME, 5), SUB(VM_NAME, 9));
	EXPECT_NEXT(MIB_VM, SUB(VM_NAME, 9), SUB(VM_UUID, 2));
	EXPECT_NEXT(MIB_VM, SUB(VM_NAME, 3), SUB(VM_NAME, 5));
	EXPECT_STRING(MIB_VM, "off", SUB(VM_NAME, 2));
	EXPECT_STRING(MIB_VM, "anon", SUB(VM_NAME, 5));
	EXPECT_STRING(MIB_VM, "run", SUB(VM_NAME, 9));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(VM_NAME, 1));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(VM_NAME, 3));
	/* off (2) still has no counters; anon (5) and run (9) do. */
	EXPECT_NEXT(MIB_VM, SUB(VM_BYTES_SENT), SUB(VM_BYTES_SENT, 5));
	EXPECT_NEXT(MIB_VM, SUB(VM_BYTES_SENT, 5), SUB(VM_BYTES_SENT, 9));

	/* vNICs follow their VM's index. */
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC), SUB(VNIC_MAC, 2, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 2, 1), SUB(VNIC_MAC, 2, 2));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 2, 2), SUB(VNIC_MAC, 5, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 5, 1), SUB(VNIC_MAC, 9, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(VNIC_MAC, 9, 1), SUB(VNIC_NET_INDEX, 2, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 7, SUB(VNIC_NET_INDEX, 5, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 3, SUB(VNIC_NET_INDEX, 9, 1));

	EXPECT_NEXT(MIB_NET, SUB(NET_NAME), SUB(NET_NAME, 3));
	EXPECT_NEXT(MIB_NET, SUB(NET_NAME, 3), SUB(NET_NAME, 7));
	EXPECT_STRING(MIB_NET, "lan1", SUB(NET_NAME, 3));
	EXPECT_STRING(MIB_NET, "lan0", SUB(NET_NAME, 7));
	EXPECT_NEXT(MIB_HISTORY, SUB(1, 3), SUB(1, 7));

	EXPECT_GAUGE(MIB_SCALARS, 3, SUB(1, 0));
	EXPECT_GAUGE(MIB_SCALARS, 2, SUB(2, 0));
	CU_ASSERT_EQUAL(walk(MIB_VM), 23);
	CU_ASSERT_EQUAL(walk(MIB_VNIC), 20);
}

static CU_TestInfo mib_tests[] = {
	{ "OIDs", test_mib_oids },
	{ "vsAcctGeneral", test_mib_scalars },
	{ "VM name, uuid, state", test_mib_vm_names_uuids_states },
	{ "VM counters", test_mib_vm_counters },
	{ "VM discontinuity", test_mib_vm_discontinuity },
	{ "off VM has no counters", test_mib_vm_off_has_no_counters },
	{ "saved VM has no counters", test_mib_vm_saved_has_no_counters },
	{ "vNIC columns", test_mib_vnic_columns },
	{ "vNIC counters", test_mib_vnic_counters },
	{ "network columns", test_mib_net_columns },
	{ "history columns", test_mib_history_columns },
	{ "history end time", test_mib_history_end_time },
	{ "TimeStamps", test_mib_timestamp },
	{ "refresh keeps index order", test_mib_refresh_keeps_index_order },
	CU_TEST_INFO_NULL,
};

/* A fresh inventory and MIB for every test. */
CU_SuiteInfo test_suites[] = {
	{ "mib", NULL, NULL, mib_setup, mib_teardown, mib_tests },
	CU_SUITE_INFO_NULL,
};
