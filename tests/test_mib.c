/*
 * Unit tests of src/mib.c: VS-ACCOUNTING-MIB's values as a manager reads
 * them (DESIGN §3), from an inventory built from a conf, counters driven
 * through acct, VM states set through lifecycle (or by hand), and a fake
 * clock. Lookups go through each table's mibtable (find_exact + value for
 * GET, find_next for GETNEXT), after its prepare, as the handler does.
 *
 * The expected walk is a table, objects[], one row per object of the MIB
 * (its name, its column from mib_oids.h, its type, how to compute its
 * value): one loop walks every table against it. The other tests pin down
 * semantics with literal values.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "mib.h"
#include "mib_oids.h"

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

/* Columns are mib_oids.h's MIB_<name>; vsNetBytesSentSec<n>'s is SECOND(n). */
#define SECOND(n) (MIB_HISTORY_FIRST + (n) - 1)

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
	/* run's hypervisor: two readings a second apart, 0.5 s of CPU on a
	 * 2-CPU host in between (25%); its power-up seen at T1. */
	struct acct_usage u1 = { 1000000000u, 4096, 8192, 1, 2, false },
			  u2 = { 1500000000u, 12288, 8192, 3, 2, false };
	acct_vm_sample(&f.run->acct, &u1, 2, NOW_REAL - 2 * SEC);
	acct_vm_sample(&f.run->acct, &u2, 2, NOW_REAL - SEC);
	f.run->powerup_usec = T1;
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

/* ---- traffic ---------------------------------------------------------------------- */

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

/* ---- the expected walk: one row per object ------------------------------------ */

/* What an instance should hold, when it exists. */
struct want {
	uint64_t number;     /* INTEGER, Gauge32, Unsigned32, TimeTicks, Counter64 */
	const void *octets;  /* OCTET STRING */
	size_t len;
};

/* Fills w for row (a VM, a vNIC or a network; NULL for the scalars) in the
 * object's n-th column (0 but for a run of numbered columns); false when
 * the instance must not exist. */
typedef bool (*want_fn)(const void *row, unsigned n, struct want *w);

struct object {
	const char *name;
	enum mib_table_id table;
	unsigned column;  /* from mib_oids.h */
	unsigned count;   /* columns in a run (vsNetBytesSentSec1…60), else 1 */
	u_char type;      /* 0: not-accessible (an index) */
	want_fn want;
};

/* Counters of a VM that is off or saved have no instance (DESIGN §1). */
static bool counts_shown(const struct inv_vm *vm)
{
	return vm->state != VM_OFF && vm->state != VM_SAVED;
}

static bool number(struct want *w, uint64_t n)
{
	w->number = n;
	return true;
}

static bool text(struct want *w, const char *s)
{
	w->octets = s;
	w->len = strlen(s);
	return true;
}

#define VM(row) ((const struct inv_vm *)(row))
#define VNIC(row) ((const struct inv_vnic *)(row))
#define NET(row) ((const struct inv_net *)(row))

static bool want_vm_count(const void *r, unsigned n, struct want *w) { return number(w, inventory_vm_count(f.inv)); }
static bool want_net_count(const void *r, unsigned n, struct want *w) { return number(w, inventory_net_count(f.inv)); }
static bool want_history_seconds(const void *r, unsigned n, struct want *w) { return number(w, 60); }
static bool want_version(const void *r, unsigned n, struct want *w) { return text(w, "vsacctd " VSACCT_VERSION); }

static bool want_vm_name(const void *r, unsigned n, struct want *w) { return text(w, VM(r)->name); }
static bool want_vm_uuid(const void *r, unsigned n, struct want *w) { return text(w, VM(r)->uuid); }
static bool want_vm_state(const void *r, unsigned n, struct want *w) { return number(w, VM(r)->state); }
static bool want_vm_bytes_sent(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VM(r)) && number(w, inventory_vm_sent(VM(r)).bytes);
}
static bool want_vm_bytes_received(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VM(r)) && number(w, inventory_vm_received(VM(r)).bytes);
}
static bool want_vm_packets_sent(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VM(r)) && number(w, inventory_vm_sent(VM(r)).packets);
}
static bool want_vm_packets_received(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VM(r)) && number(w, inventory_vm_received(VM(r)).packets);
}
static bool want_vm_discontinuity(const void *r, unsigned n, struct want *w)
{
	return number(w, mib_timestamp(&clock_now, VM(r)->discontinuity_usec));
}
static bool want_vm_vnic_count(const void *r, unsigned n, struct want *w) { return number(w, VM(r)->nvnics); }

static bool want_vnic_mac(const void *r, unsigned n, struct want *w)
{
	w->octets = VNIC(r)->mac;
	w->len = MAC_LEN;
	return true;
}
static bool want_vnic_net_index(const void *r, unsigned n, struct want *w)
{
	return number(w, VNIC(r)->net ? VNIC(r)->net->index : 0);
}
static bool want_vnic_ifname(const void *r, unsigned n, struct want *w) { return text(w, VNIC(r)->ifname); }
static bool want_vnic_bytes_sent(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VNIC(r)->vm) && number(w, acct_port_sent(&VNIC(r)->acct).bytes);
}
static bool want_vnic_bytes_received(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VNIC(r)->vm) && number(w, acct_port_received(&VNIC(r)->acct).bytes);
}
static bool want_vnic_packets_sent(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VNIC(r)->vm) && number(w, acct_port_sent(&VNIC(r)->acct).packets);
}
static bool want_vnic_packets_received(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VNIC(r)->vm) && number(w, acct_port_received(&VNIC(r)->acct).packets);
}

static bool want_net_name(const void *r, unsigned n, struct want *w) { return text(w, NET(r)->name); }
static bool want_net_bridge(const void *r, unsigned n, struct want *w) { return text(w, NET(r)->bridge); }
static bool want_net_vlan(const void *r, unsigned n, struct want *w) { return number(w, NET(r)->vlan); }
static bool want_net_capture_state(const void *r, unsigned n, struct want *w) { return number(w, NET(r)->capture_state); }
static bool want_net_bytes(const void *r, unsigned n, struct want *w) { return number(w, NET(r)->acct.carried.bytes); }
static bool want_net_packets(const void *r, unsigned n, struct want *w) { return number(w, NET(r)->acct.carried.packets); }
static bool want_net_rate(const void *r, unsigned n, struct want *w) { return number(w, acct_net_rate(&NET(r)->acct)); }
static bool want_net_drops(const void *r, unsigned n, struct want *w) { return number(w, NET(r)->acct.capture_drops); }
static bool want_net_discontinuity(const void *r, unsigned n, struct want *w)
{
	return number(w, mib_timestamp(&clock_now, NET(r)->discontinuity_usec));
}

/* Second n + 1 back: acct's history, never missing (an idle second is 0). */
static bool want_history_second(const void *r, unsigned n, struct want *w)
{
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_history(&NET(r)->acct, h, &end_sec);
	return number(w, h[n]);
}

/* The sysUpTime at the end of column 1's second: as long before the
 * request's NOW_UPTIME as that end is before its NOW_REAL (the walk's
 * clocks); 0 for a network that has seen nothing. */
static bool want_history_end(const void *r, unsigned n, struct want *w)
{
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_history(&NET(r)->acct, h, &end_sec);
	return number(w, end_sec ? NOW_UPTIME - (NOW_REAL - end_sec * SEC) / 10000 : 0);
}

/* The hypervisor's columns: while the VM counts and a source reported. */
static bool usage(const void *r, struct acct_usage *u)
{
	if (!counts_shown(VM(r)) || !acct_vm_has_usage(&VM(r)->acct))
		return false;
	*u = acct_vm_usage(&VM(r)->acct);
	return true;
}
static bool want_vm_disk_read(const void *r, unsigned n, struct want *w)
{
	struct acct_usage u;
	return usage(r, &u) && number(w, u.rd_bytes);
}
static bool want_vm_disk_written(const void *r, unsigned n, struct want *w)
{
	struct acct_usage u;
	return usage(r, &u) && number(w, u.wr_bytes);
}
static bool want_vm_disk_read_ops(const void *r, unsigned n, struct want *w)
{
	struct acct_usage u;
	return usage(r, &u) && number(w, u.rd_ops);
}
static bool want_vm_disk_write_ops(const void *r, unsigned n, struct want *w)
{
	struct acct_usage u;
	return usage(r, &u) && number(w, u.wr_ops);
}
static bool want_vm_cpu_time(const void *r, unsigned n, struct want *w)
{
	struct acct_usage u;
	return usage(r, &u) && number(w, u.cpu_time);
}
static bool want_vm_cpu_utilization(const void *r, unsigned n, struct want *w)
{
	struct acct_usage u;
	unsigned percent;
	return usage(r, &u) && acct_vm_cpu_percent(&VM(r)->acct, &percent) && number(w, percent);
}
static bool want_vm_uptime(const void *r, unsigned n, struct want *w)
{
	return counts_shown(VM(r)) && VM(r)->powerup_usec &&
	       number(w, (uint64_t)(NOW_MONO - VM(r)->powerup_usec) / SEC);
}

static bool want_net_bytes_received(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_received(&NET(r)->acct).bytes);
}
static bool want_net_packets_received(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_received(&NET(r)->acct).packets);
}
static bool want_net_packets_dropped(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_dropped(&NET(r)->acct).packets);
}
static bool want_net_packets_rate(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_series_rate(&NET(r)->acct, ACCT_PACKETS_SENT));
}
static bool want_net_bytes_received_rate(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_series_rate(&NET(r)->acct, ACCT_BYTES_RECEIVED));
}
static bool want_net_packets_received_rate(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_series_rate(&NET(r)->acct, ACCT_PACKETS_RECEIVED));
}
static bool want_net_packets_dropped_rate(const void *r, unsigned n, struct want *w)
{
	return number(w, acct_net_series_rate(&NET(r)->acct, ACCT_PACKETS_DROPPED));
}

/* A row of a series table: its network or VM and its series number. */
struct series_row {
	const void *of;
	unsigned series;
};
#define SERIES(row) ((const struct series_row *)(row))

static bool want_net_series_second(const void *r, unsigned n, struct want *w)
{
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_series_history(&NET(SERIES(r)->of)->acct, SERIES(r)->series - 1, h, &end_sec);
	return number(w, h[n]);
}
static bool want_net_series_end(const void *r, unsigned n, struct want *w)
{
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_series_history(&NET(SERIES(r)->of)->acct, SERIES(r)->series - 1, h, &end_sec);
	return number(w, end_sec ? NOW_UPTIME - (NOW_REAL - end_sec * SEC) / 10000 : 0);
}

/* A VM's history ends with the last second closed at the request's clock. */
#define VM_END_SEC ((NOW_REAL - ACCT_CLOSE_GRACE_USEC) / SEC)
static bool vm_series_shown(const void *r)
{
	const struct inv_vm *vm = VM(SERIES(r)->of);
	return counts_shown(vm) && (SERIES(r)->series != ACCT_VM_CPU + 1 || acct_vm_has_usage(&vm->acct));
}
static bool want_vm_series_second(const void *r, unsigned n, struct want *w)
{
	uint64_t h[ACCT_HISTORY_SECONDS];
	if (!vm_series_shown(r))
		return false;
	inventory_vm_history(VM(SERIES(r)->of), SERIES(r)->series - 1, VM_END_SEC, NOW_REAL - NOW_MONO, h);
	return number(w, h[n]);
}
static bool want_vm_series_end(const void *r, unsigned n, struct want *w)
{
	return vm_series_shown(r) && number(w, NOW_UPTIME - (NOW_REAL - VM_END_SEC * SEC) / 10000);
}

#define OBJECT(table, name, type, want) { #name, (table), MIB_##name, 1, (type), (want) }
#define INDEX(table, name) { #name, (table), MIB_##name, 1, 0, NULL }

/* Every object of VS-ACCOUNTING-MIB that the tables serve, in walk order
 * (table, then column). A new column is one more row here. */
static const struct object objects[] = {
	OBJECT(MIB_SCALARS, vsAcctVmCount, ASN_GAUGE, want_vm_count),
	OBJECT(MIB_SCALARS, vsAcctNetCount, ASN_GAUGE, want_net_count),
	OBJECT(MIB_SCALARS, vsAcctHistorySeconds, ASN_UNSIGNED, want_history_seconds),
	OBJECT(MIB_SCALARS, vsAcctSoftwareVersion, ASN_OCTET_STR, want_version),

	INDEX(MIB_VM, vsVmIndex),
	OBJECT(MIB_VM, vsVmName, ASN_OCTET_STR, want_vm_name),
	OBJECT(MIB_VM, vsVmUuid, ASN_OCTET_STR, want_vm_uuid),
	OBJECT(MIB_VM, vsVmState, ASN_INTEGER, want_vm_state),
	OBJECT(MIB_VM, vsVmNetBytesSent, ASN_COUNTER64, want_vm_bytes_sent),
	OBJECT(MIB_VM, vsVmNetBytesReceived, ASN_COUNTER64, want_vm_bytes_received),
	OBJECT(MIB_VM, vsVmNetPacketsSent, ASN_COUNTER64, want_vm_packets_sent),
	OBJECT(MIB_VM, vsVmNetPacketsReceived, ASN_COUNTER64, want_vm_packets_received),
	OBJECT(MIB_VM, vsVmDiscontinuityTime, ASN_TIMETICKS, want_vm_discontinuity),
	OBJECT(MIB_VM, vsVmVnicCount, ASN_GAUGE, want_vm_vnic_count),
	OBJECT(MIB_VM, vsVmDiskBytesRead, ASN_COUNTER64, want_vm_disk_read),
	OBJECT(MIB_VM, vsVmDiskBytesWritten, ASN_COUNTER64, want_vm_disk_written),
	OBJECT(MIB_VM, vsVmDiskReadOps, ASN_COUNTER64, want_vm_disk_read_ops),
	OBJECT(MIB_VM, vsVmDiskWriteOps, ASN_COUNTER64, want_vm_disk_write_ops),
	OBJECT(MIB_VM, vsVmCpuUtilization, ASN_GAUGE, want_vm_cpu_utilization),
	OBJECT(MIB_VM, vsVmCpuTime, ASN_COUNTER64, want_vm_cpu_time),
	OBJECT(MIB_VM, vsVmUpTime, ASN_UNSIGNED, want_vm_uptime),

	INDEX(MIB_VNIC, vsVnicIndex),
	OBJECT(MIB_VNIC, vsVnicMacAddress, ASN_OCTET_STR, want_vnic_mac),
	OBJECT(MIB_VNIC, vsVnicNetIndex, ASN_UNSIGNED, want_vnic_net_index),
	OBJECT(MIB_VNIC, vsVnicIfName, ASN_OCTET_STR, want_vnic_ifname),
	OBJECT(MIB_VNIC, vsVnicBytesSent, ASN_COUNTER64, want_vnic_bytes_sent),
	OBJECT(MIB_VNIC, vsVnicBytesReceived, ASN_COUNTER64, want_vnic_bytes_received),
	OBJECT(MIB_VNIC, vsVnicPacketsSent, ASN_COUNTER64, want_vnic_packets_sent),
	OBJECT(MIB_VNIC, vsVnicPacketsReceived, ASN_COUNTER64, want_vnic_packets_received),

	INDEX(MIB_NET, vsNetIndex),
	OBJECT(MIB_NET, vsNetName, ASN_OCTET_STR, want_net_name),
	OBJECT(MIB_NET, vsNetBridge, ASN_OCTET_STR, want_net_bridge),
	OBJECT(MIB_NET, vsNetCaptureState, ASN_INTEGER, want_net_capture_state),
	OBJECT(MIB_NET, vsNetBytesSent, ASN_COUNTER64, want_net_bytes),
	OBJECT(MIB_NET, vsNetPacketsSent, ASN_COUNTER64, want_net_packets),
	OBJECT(MIB_NET, vsNetBytesSentRate, ASN_COUNTER64, want_net_rate),
	OBJECT(MIB_NET, vsNetCaptureDrops, ASN_COUNTER64, want_net_drops),
	OBJECT(MIB_NET, vsNetDiscontinuityTime, ASN_TIMETICKS, want_net_discontinuity),
	OBJECT(MIB_NET, vsNetBytesReceived, ASN_COUNTER64, want_net_bytes_received),
	OBJECT(MIB_NET, vsNetPacketsReceived, ASN_COUNTER64, want_net_packets_received),
	OBJECT(MIB_NET, vsNetPacketsDropped, ASN_COUNTER64, want_net_packets_dropped),
	OBJECT(MIB_NET, vsNetPacketsSentRate, ASN_COUNTER64, want_net_packets_rate),
	OBJECT(MIB_NET, vsNetBytesReceivedRate, ASN_COUNTER64, want_net_bytes_received_rate),
	OBJECT(MIB_NET, vsNetPacketsReceivedRate, ASN_COUNTER64, want_net_packets_received_rate),
	OBJECT(MIB_NET, vsNetPacketsDroppedRate, ASN_COUNTER64, want_net_packets_dropped_rate),
	OBJECT(MIB_NET, vsNetVlanId, ASN_UNSIGNED, want_net_vlan),

	{ MIB_HISTORY_PREFIX "N", MIB_HISTORY, MIB_HISTORY_FIRST, MIB_HISTORY_SECONDS,
	  ASN_COUNTER64, want_history_second },
	OBJECT(MIB_HISTORY, vsNetHistoryEndTime, ASN_TIMETICKS, want_history_end),

	{ "vsNetSeriesSecN", MIB_NET_SERIES, MIB_HISTORY_FIRST, MIB_HISTORY_SECONDS, ASN_COUNTER64,
	  want_net_series_second },
	OBJECT(MIB_NET_SERIES, vsNetSeriesEndTime, ASN_TIMETICKS, want_net_series_end),
	INDEX(MIB_NET_SERIES, vsNetSeries),

	{ "vsVmSeriesSecN", MIB_VM_HISTORY, MIB_HISTORY_FIRST, MIB_HISTORY_SECONDS, ASN_COUNTER64,
	  want_vm_series_second },
	OBJECT(MIB_VM_HISTORY, vsVmSeriesEndTime, ASN_TIMETICKS, want_vm_series_end),
	INDEX(MIB_VM_HISTORY, vsVmSeries),
};
#define NOBJECTS (sizeof objects / sizeof objects[0])

/* An array's initialiser and length, from a list of sub-identifiers. */
#define ARCS(...) { __VA_ARGS__ }, sizeof((const oid[]){ __VA_ARGS__ }) / sizeof(oid)

/* Where each table sits (relative to the root) and how long its index is. */
static const struct {
	enum mib_table_id id;
	oid entry[4];
	size_t entry_len;
	size_t index_len;
} tables[] = {
	{ MIB_SCALARS, ARCS(MIB_vsAcctGeneral), 1 },
	{ MIB_VM, ARCS(MIB_vsVmEntry), 1 },
	{ MIB_VNIC, ARCS(MIB_vsVnicEntry), 2 },
	{ MIB_NET, ARCS(MIB_vsNetEntry), 1 },
	{ MIB_HISTORY, ARCS(MIB_vsNetHistoryEntry), 1 },
	{ MIB_NET_SERIES, ARCS(MIB_vsNetSeriesHistoryEntry), 2 },
	{ MIB_VM_HISTORY, ARCS(MIB_vsVmHistoryEntry), 2 },
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* A row as the test sees it: what it is and its index. */
struct row {
	const void *what;
	oid index[2];
};

static int by_index(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	for (int i = 0; i < 2; i++)
		if (x->index[i] != y->index[i])
			return x->index[i] < y->index[i] ? -1 : 1;
	return 0;
}

/* The rows of table id, in index order (the scalars: one row, index 0).
 * Returns how many, at most max. */
static size_t rows_of(enum mib_table_id id, struct row *out, size_t max)
{
	size_t n = 0;
	/* The series tables' rows: every network with each series served
	 * (bytesDropped, 5, is not), every VM with each of its three. */
	static struct series_row series[32];
	size_t ns = 0;
	if (id == MIB_SCALARS) {
		out[n++] = (struct row){ NULL, { 0 } };
	} else if (id == MIB_NET_SERIES) {
		for (size_t i = 0; i < inventory_net_count(f.inv); i++)
			for (unsigned k = 1; k <= MIB_NET_SERIES_MAX && n < max && ns < 32; k++) {
				if (k == MIB_NET_SERIES_BYTES_DROPPED)
					continue;
				series[ns] = (struct series_row){ inventory_net(f.inv, i), k };
				out[n++] = (struct row){ &series[ns++], { inventory_net(f.inv, i)->index, k } };
			}
	} else if (id == MIB_VM_HISTORY) {
		for (size_t i = 0; i < inventory_vm_count(f.inv); i++)
			for (unsigned k = 1; k <= MIB_VM_SERIES_MAX && n < max && ns < 32; k++) {
				series[ns] = (struct series_row){ inventory_vm(f.inv, i), k };
				out[n++] = (struct row){ &series[ns++], { inventory_vm(f.inv, i)->index, k } };
			}
	} else if (id == MIB_VM || id == MIB_VNIC) {
		for (size_t i = 0; i < inventory_vm_count(f.inv); i++) {
			const struct inv_vm *vm = inventory_vm(f.inv, i);
			if (id == MIB_VM && n < max)
				out[n++] = (struct row){ vm, { vm->index } };
			for (size_t j = 0; id == MIB_VNIC && j < vm->nvnics && n < max; j++)
				out[n++] = (struct row){ &vm->vnics[j], { vm->index, vm->vnics[j].index } };
		}
	} else {
		for (size_t i = 0; i < inventory_net_count(f.inv) && n < max; i++) {
			const struct inv_net *net = inventory_net(f.inv, i);
			out[n++] = (struct row){ net, { net->index } };
		}
	}
	qsort(out, n, sizeof *out, by_index);
	return n;
}

/* table's entry.column.row's index */
static struct name instance(const struct mibtable *t, unsigned column, const struct row *row)
{
	oid tail[3] = { column, row->index[0], row->index[1] };
	return under(t, tail, 1 + t->index_len);
}

/* w as type, in words. */
static void describe(u_char type, const struct want *w, char *buf, size_t size)
{
	if (type == ASN_OCTET_STR)
		snprintf(buf, size, "type 0x%02x, %zu octets \"%.*s\"", type, w->len, (int)w->len,
			 (const char *)w->octets);
	else
		snprintf(buf, size, "type 0x%02x, %llu", type, (unsigned long long)w->number);
}

/* Whether vb holds what w says, as type; what it holds, in words. */
static bool holds(const netsnmp_variable_list *v, u_char type, const struct want *w,
		  char *got, size_t size)
{
	if (v->type == ASN_OCTET_STR) {
		snprintf(got, size, "type 0x%02x, %zu octets \"%.*s\"", v->type, v->val_len,
			 (int)v->val_len, v->val.string ? (const char *)v->val.string : "");
		return type == ASN_OCTET_STR && v->val_len == w->len &&
		       (!w->len || memcmp(v->val.string, w->octets, w->len) == 0);
	}
	uint64_t value = 0;
	if (v->type == ASN_COUNTER64 && v->val.counter64)
		value = (uint64_t)v->val.counter64->high << 32 | v->val.counter64->low;
	else if (v->val.integer)
		value = (uint64_t)(unsigned long)*v->val.integer;
	snprintf(got, size, "type 0x%02x, %llu", v->type, (unsigned long long)value);
	return v->type == type && value == w->number;
}

static void fail_at(const struct object *o, const struct name *at, const char *what,
		    unsigned line)
{
	char name[400], text[1400];
	text_of(at->o, at->len, name, sizeof name);
	snprintf(text, sizeof text, "%s, %s: %s", o->name, name, what);
	CU_assertImplementation(CU_FALSE, line, text, __FILE__, "", CU_FALSE);
}

/* How many instances a walk of table id finds, by the objects' rows. */
static size_t expected_instances(enum mib_table_id id)
{
	struct row rows[16];
	size_t nrows = rows_of(id, rows, 16), n = 0;
	struct want w;
	for (size_t i = 0; i < NOBJECTS; i++)
		for (unsigned k = 0; objects[i].table == id && objects[i].type && k < objects[i].count; k++)
			for (size_t r = 0; r < nrows; r++)
				n += objects[i].want(rows[r].what, k, &w);
	return n;
}

/* Walks table id from its entry and checks, object by object, column by
 * column, row by row: every instance GETNEXT gives is the next expected
 * one, with its type and value, and GET finds it again; instances that must
 * not exist answer noSuchInstance, indexes and columns outside the table
 * noSuchObject; the walk ends after the last expected instance. */
static void check_walk(enum mib_table_id id)
{
	struct mibtable *t = mib_table(f.mib, id);
	struct row rows[16];
	size_t nrows = rows_of(id, rows, 16);
	struct name cur = under(t, NULL, 0);
	struct mibtable_hit hit;
	char got[400], wanted[400], what[900];
	unsigned first = 0, last = 0;
	t->prepare(t->ctx);
	for (size_t i = 0; i < NOBJECTS; i++) {
		const struct object *o = &objects[i];
		if (o->table != id)
			continue;
		CU_ASSERT(o->column > last); /* the rows in column order */
		if (o->type && !first)
			first = o->column;
		for (unsigned k = 0; k < o->count; k++) {
			unsigned column = o->column + k;
			/* An index may be numbered after the columns it indexes. */
			if (o->type)
				last = column;
			for (size_t r = 0; r < nrows; r++) {
				struct name at = instance(t, column, &rows[r]);
				struct want w = { 0 };
				int rc;
				if (!o->type) {
					rc = get(id, at.o + t->entry_len, at.len - t->entry_len);
					if (rc != SNMP_NOSUCHOBJECT)
						fail_at(o, &at, "not-accessible, yet GET answers", __LINE__);
					continue;
				}
				if (!o->want(rows[r].what, k, &w)) {
					rc = get(id, at.o + t->entry_len, at.len - t->entry_len);
					if (rc != SNMP_NOSUCHINSTANCE)
						fail_at(o, &at, "no instance expected, GET found one", __LINE__);
					continue;
				}
				/* GETNEXT from the previous instance lands here. */
				snmp_free_var_internals(&vb);
				memset(&vb, 0, sizeof vb);
				struct name next = { .len = 0 };
				if (mibtable_find_next(t, cur.o, cur.len, false, &hit, &vb) == 0)
					next.len = mibtable_instance_oid(t, &hit, next.o);
				if (snmp_oid_compare(next.o, next.len, at.o, at.len) != 0) {
					char g[400];
					text_of(next.o, next.len, g, sizeof g);
					snprintf(what, sizeof what, "GETNEXT gives %s instead", g);
					fail_at(o, &at, what, __LINE__);
				} else if (!holds(&vb, o->type, &w, got, sizeof got)) {
					describe(o->type, &w, wanted, sizeof wanted);
					snprintf(what, sizeof what, "GETNEXT: %s (expected %s)", got, wanted);
					fail_at(o, &at, what, __LINE__);
				}
				/* And GET finds the same. */
				rc = get(id, at.o + t->entry_len, at.len - t->entry_len);
				if (rc != 0 || !holds(&vb, o->type, &w, got, sizeof got)) {
					describe(o->type, &w, wanted, sizeof wanted);
					snprintf(what, sizeof what, "GET answers %d: %s (expected %s)", rc, got,
						 wanted);
					fail_at(o, &at, what, __LINE__);
				}
				cur = at;
			}
		}
	}
	/* Nothing after the last instance. */
	snmp_free_var_internals(&vb);
	memset(&vb, 0, sizeof vb);
	CU_ASSERT_EQUAL(mibtable_find_next(t, cur.o, cur.len, false, &hit, &vb), -1);
	/* The served columns are the objects' accessible ones, no more. */
	CU_ASSERT_EQUAL(t->min_column, first);
	CU_ASSERT_EQUAL(t->max_column, last);
	if (nrows) {
		struct name before = instance(t, 0, &rows[0]), after = instance(t, last + 1, &rows[0]);
		CU_ASSERT_EQUAL(get(id, before.o + t->entry_len, before.len - t->entry_len), SNMP_NOSUCHOBJECT);
		CU_ASSERT_EQUAL(get(id, after.o + t->entry_len, after.len - t->entry_len), SNMP_NOSUCHOBJECT);
	}
}

/* Each table at its entry under the root, with its index length. */
static void test_mib_oids(void)
{
	READY();
	static const oid root[] = { MIB_ROOT };
	CU_ASSERT_EQUAL(snmp_oid_compare(mib_root, mib_root_len, root, OID_LENGTH(root)), 0);
	for (size_t i = 0; i < NTABLES; i++) {
		const struct mibtable *t = mib_table(f.mib, tables[i].id);
		oid want[MAX_OID_LEN];
		memcpy(want, root, sizeof root);
		memcpy(want + OID_LENGTH(root), tables[i].entry, tables[i].entry_len * sizeof(oid));
		CU_ASSERT_EQUAL(snmp_oid_compare(t->entry, t->entry_len, want,
						 OID_LENGTH(root) + tables[i].entry_len), 0);
		CU_ASSERT_EQUAL(t->index_len, tables[i].index_len);
		CU_ASSERT_PTR_NOT_NULL(t->prepare);
	}
}

/* The whole MIB, after traffic, with a VM off and a history to show. */
static void test_mib_walk(void)
{
	READY();
	traffic();
	history_traffic();
	f.lan0->capture_state = NET_CAPTURING;
	acct_count_drops(&f.lan1->acct, 7);
	f.lan1->discontinuity_usec = NOW_MONO - 5 * SEC;
	for (size_t i = 0; i < NTABLES; i++) {
		CU_ASSERT_EQUAL(walk(tables[i].id), expected_instances(tables[i].id));
		check_walk(tables[i].id);
	}
}

/* ---- vsAcctGeneral -------------------------------------------------------------- */

static void test_mib_scalars(void)
{
	READY();
	EXPECT_GAUGE(MIB_SCALARS, 3, SUB(MIB_vsAcctVmCount, 0));
	EXPECT_GAUGE(MIB_SCALARS, 2, SUB(MIB_vsAcctNetCount, 0));
	EXPECT_INT(MIB_SCALARS, ASN_UNSIGNED, 60, SUB(MIB_vsAcctHistorySeconds, 0));
	EXPECT_STRING(MIB_SCALARS, "vsacctd " VSACCT_VERSION, SUB(MIB_vsAcctSoftwareVersion, 0));
	CU_ASSERT_EQUAL(get(MIB_SCALARS, SUB(MIB_vsAcctSoftwareVersion, 0)), 0);
	CU_ASSERT(vb.val_len > 8 && memcmp(vb.val.string, "vsacctd ", 8) == 0);

	/* Scalars: instance 0 only. */
	EXPECT_NO_INSTANCE(MIB_SCALARS, SUB(MIB_vsAcctVmCount, 1));
	EXPECT_NO_INSTANCE(MIB_SCALARS, SUB(MIB_vsAcctVmCount));
	EXPECT_NO_INSTANCE(MIB_SCALARS, SUB(MIB_vsAcctVmCount, 0, 0));

	/* snmpwalk of vsAcctGeneral: each scalar's .0 in turn. */
	EXPECT_NEXT(MIB_SCALARS, NOTHING, SUB(MIB_vsAcctVmCount, 0));
	EXPECT_NEXT(MIB_SCALARS, SUB(MIB_vsAcctVmCount, 0), SUB(MIB_vsAcctNetCount, 0));
	EXPECT_NEXT(MIB_SCALARS, SUB(MIB_vsAcctHistorySeconds), SUB(MIB_vsAcctHistorySeconds, 0));
	CU_ASSERT_EQUAL(walk(MIB_SCALARS), expected_instances(MIB_SCALARS));
}

/* ---- vsVmTable ---------------------------------------------------------------------- */

static void test_mib_vm_names_uuids_states(void)
{
	READY();
	EXPECT_STRING(MIB_VM, "anon", SUB(MIB_vsVmName, 1));
	EXPECT_STRING(MIB_VM, "off", SUB(MIB_vsVmName, 2));
	EXPECT_STRING(MIB_VM, "run", SUB(MIB_vsVmName, 3));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(MIB_vsVmName, 4));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(MIB_vsVmName, 0));
	/* Lower case as configured; "" when unknown. */
	EXPECT_STRING(MIB_VM, "8a3c0d9e-1b2c-4d5e-8f90-0123456789ab", SUB(MIB_vsVmUuid, 1));
	EXPECT_STRING(MIB_VM, "", SUB(MIB_vsVmUuid, 2));
	EXPECT_STRING(MIB_VM, "11111111-2222-3333-4444-555555555555", SUB(MIB_vsVmUuid, 3));
	EXPECT_INT(MIB_VM, ASN_INTEGER, 1, SUB(MIB_vsVmState, 1)); /* unknown */
	EXPECT_INT(MIB_VM, ASN_INTEGER, 3, SUB(MIB_vsVmState, 2)); /* off */
	EXPECT_INT(MIB_VM, ASN_INTEGER, 2, SUB(MIB_vsVmState, 3)); /* running */
	EXPECT_GAUGE(MIB_VM, 1, SUB(MIB_vsVmVnicCount, 1));
	EXPECT_GAUGE(MIB_VM, 2, SUB(MIB_vsVmVnicCount, 2));
	EXPECT_GAUGE(MIB_VM, 1, SUB(MIB_vsVmVnicCount, 3));
	EXPECT_NO_OBJECT(MIB_VM, SUB(MIB_vsVmIndex, 1)); /* not-accessible */
}

static void test_mib_vm_counters(void)
{
	READY();
	traffic();
	EXPECT_C64(MIB_VM, 60, SUB(MIB_vsVmNetBytesSent, 1));
	EXPECT_C64(MIB_VM, 3000, SUB(MIB_vsVmNetBytesReceived, 1));
	EXPECT_C64(MIB_VM, 1, SUB(MIB_vsVmNetPacketsSent, 1));
	EXPECT_C64(MIB_VM, 3, SUB(MIB_vsVmNetPacketsReceived, 1));
	EXPECT_C64(MIB_VM, RUN_SENT, SUB(MIB_vsVmNetBytesSent, 3));
	EXPECT_C64(MIB_VM, RUN_RECEIVED, SUB(MIB_vsVmNetBytesReceived, 3));
	EXPECT_C64(MIB_VM, 2, SUB(MIB_vsVmNetPacketsSent, 3));
	EXPECT_C64(MIB_VM, 3, SUB(MIB_vsVmNetPacketsReceived, 3));

	/* The 64-bit split, spelled out. */
	CU_ASSERT_EQUAL_FATAL(get(MIB_VM, SUB(MIB_vsVmNetBytesSent, 3)), 0);
	CU_ASSERT_EQUAL(vb.type, ASN_COUNTER64);
	CU_ASSERT_EQUAL(vb.val.counter64->high, 1);
	CU_ASSERT_EQUAL(vb.val.counter64->low, 3705032704u);
	CU_ASSERT_EQUAL_FATAL(get(MIB_VM, SUB(MIB_vsVmNetBytesReceived, 3)), 0);
	CU_ASSERT_EQUAL(vb.val.counter64->high, 2);
	CU_ASSERT_EQUAL(vb.val.counter64->low, 38);
}

static void test_mib_vm_discontinuity(void)
{
	READY();
	/* Built at T0, 900 s ago: before the master's 500 s of uptime. */
	EXPECT_TICKS(MIB_VM, 0, SUB(MIB_vsVmDiscontinuityTime, 1));
	EXPECT_TICKS(MIB_VM, 0, SUB(MIB_vsVmDiscontinuityTime, 2));
	/* Powered up at T1, 10 s ago. */
	EXPECT_TICKS(MIB_VM, NOW_UPTIME - 1000, SUB(MIB_vsVmDiscontinuityTime, 3));
	/* The clock is read per request (prepare): a later request sees a
	 * later uptime, and the same TimeStamp for the same event. */
	clock_now.mono_usec += 2 * SEC;
	EXPECT_TICKS(MIB_VM, NOW_UPTIME - 1000, SUB(MIB_vsVmDiscontinuityTime, 3));
	f.anon->discontinuity_usec = clock_now.mono_usec - 5 * SEC;
	EXPECT_TICKS(MIB_VM, NOW_UPTIME + 200 - 500, SUB(MIB_vsVmDiscontinuityTime, 1));
}

/* A VM whose counters have no instance keeps its other columns. */
static void expect_counters_hidden(uint32_t vm_index, long state)
{
	for (oid c = MIB_vsVmNetBytesSent; c <= MIB_vsVmNetPacketsReceived; c++) {
		EXPECT_NO_INSTANCE(MIB_VM, SUB(c, vm_index));
		/* The row is found; the value is what is missing. */
		struct mibtable *t = mib_table(f.mib, MIB_VM);
		struct name n = under(t, SUB(c, vm_index));
		struct mibtable_hit hit;
		CU_ASSERT_EQUAL_FATAL(mibtable_find_exact(t, n.o, n.len, &hit), 0);
		CU_ASSERT_EQUAL(t->value(t->ctx, hit.row, hit.column, &vb), -1);
	}
	CU_ASSERT_EQUAL(get(MIB_VM, SUB(MIB_vsVmName, vm_index)), 0);
	EXPECT_INT(MIB_VM, ASN_INTEGER, state, SUB(MIB_vsVmState, vm_index));
	CU_ASSERT_EQUAL(get(MIB_VM, SUB(MIB_vsVmDiscontinuityTime, vm_index)), 0);
	CU_ASSERT_EQUAL(vb.type, ASN_TIMETICKS);
	CU_ASSERT_EQUAL(get(MIB_VM, SUB(MIB_vsVmVnicCount, vm_index)), 0);
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
	for (oid c = MIB_vsVmNetBytesSent; c <= MIB_vsVmNetPacketsReceived; c++) {
		EXPECT_NEXT(MIB_VM, SUB(c, 1), SUB(c, 3));
		EXPECT_NEXT(MIB_VM, SUB(c, 2), SUB(c, 3));
	}
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmState, 1), SUB(MIB_vsVmState, 2));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmNetPacketsReceived, 3), SUB(MIB_vsVmDiscontinuityTime, 1));
	/* Every column of the 3 rows, less off's 4 counters. */
	CU_ASSERT_EQUAL(walk(MIB_VM), expected_instances(MIB_VM));
}

static void test_mib_vm_saved_has_no_counters(void)
{
	READY();
	traffic();
	f.run->state = VM_SAVED;
	expect_counters_hidden(3, VM_SAVED);
	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(MIB_vsVnicBytesSent, 3, 1));
	/* Both off and saved skipped: column 5 ends after row 1. */
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmNetBytesSent, 1), SUB(MIB_vsVmNetBytesReceived, 1));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmNetPacketsReceived, 1), SUB(MIB_vsVmDiscontinuityTime, 1));
	CU_ASSERT_EQUAL(walk(MIB_VM), expected_instances(MIB_VM));

	/* Paused and unknown VMs serve their counters. */
	f.run->state = VM_PAUSED;
	EXPECT_INT(MIB_VM, ASN_INTEGER, 5, SUB(MIB_vsVmState, 3));
	EXPECT_C64(MIB_VM, RUN_SENT, SUB(MIB_vsVmNetBytesSent, 3));
	EXPECT_C64(MIB_VNIC, RUN_SENT, SUB(MIB_vsVnicBytesSent, 3, 1));
	f.off->state = VM_UNKNOWN;
	EXPECT_C64(MIB_VM, 0, SUB(MIB_vsVmNetBytesSent, 2));
	CU_ASSERT_EQUAL(walk(MIB_VM), expected_instances(MIB_VM));
}

/* ---- vsVnicTable ------------------------------------------------------------------ */

static void test_mib_vnic_columns(void)
{
	READY();
	static const uint8_t mac_anon[] = { 0x52, 0x54, 0, 0, 1, 1 }, mac_off2[] = { 0x52, 0x54, 0, 0, 2, 2 },
			     mac_run[] = { 0x52, 0x54, 0, 0, 3, 1 };
	expect_octets_at(MIB_VNIC, mac_anon, 6, SUB(MIB_vsVnicMacAddress, 1, 1), __LINE__);
	expect_octets_at(MIB_VNIC, mac_off2, 6, SUB(MIB_vsVnicMacAddress, 2, 2), __LINE__);
	expect_octets_at(MIB_VNIC, mac_run, 6, SUB(MIB_vsVnicMacAddress, 3, 1), __LINE__);
	/* Not attached: 0; attached: the network's index. */
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 1, SUB(MIB_vsVnicNetIndex, 1, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 0, SUB(MIB_vsVnicNetIndex, 2, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 0, SUB(MIB_vsVnicNetIndex, 2, 2));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 2, SUB(MIB_vsVnicNetIndex, 3, 1));
	inventory_vnic_attach(&f.off->vnics[1], f.lan1);
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 2, SUB(MIB_vsVnicNetIndex, 2, 2));
	inventory_vnic_attach(&f.off->vnics[1], NULL);
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 0, SUB(MIB_vsVnicNetIndex, 2, 2));
	EXPECT_STRING(MIB_VNIC, "", SUB(MIB_vsVnicIfName, 1, 1));
	EXPECT_STRING(MIB_VNIC, "vnet2", SUB(MIB_vsVnicIfName, 2, 1));
	EXPECT_STRING(MIB_VNIC, "vnet3", SUB(MIB_vsVnicIfName, 2, 2));
	EXPECT_STRING(MIB_VNIC, "vnet4", SUB(MIB_vsVnicIfName, 3, 1));

	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 1, 2));
	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 2));
	EXPECT_NO_INSTANCE(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 4, 1));
	EXPECT_NO_OBJECT(MIB_VNIC, SUB(MIB_vsVnicIndex, 1, 1)); /* not-accessible */
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 1, 1), SUB(MIB_vsVnicMacAddress, 2, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 2), SUB(MIB_vsVnicMacAddress, 2, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 2, 1), SUB(MIB_vsVnicMacAddress, 2, 2));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 3, 1), SUB(MIB_vsVnicNetIndex, 1, 1));
}

static void test_mib_vnic_counters(void)
{
	READY();
	traffic();
	EXPECT_C64(MIB_VNIC, 60, SUB(MIB_vsVnicBytesSent, 1, 1));
	EXPECT_C64(MIB_VNIC, 3000, SUB(MIB_vsVnicBytesReceived, 1, 1));
	EXPECT_C64(MIB_VNIC, 1, SUB(MIB_vsVnicPacketsSent, 1, 1));
	EXPECT_C64(MIB_VNIC, 3, SUB(MIB_vsVnicPacketsReceived, 1, 1));
	EXPECT_C64(MIB_VNIC, RUN_SENT, SUB(MIB_vsVnicBytesSent, 3, 1));
	EXPECT_C64(MIB_VNIC, RUN_RECEIVED, SUB(MIB_vsVnicBytesReceived, 3, 1));
	EXPECT_C64(MIB_VNIC, 2, SUB(MIB_vsVnicPacketsSent, 3, 1));
	EXPECT_C64(MIB_VNIC, 3, SUB(MIB_vsVnicPacketsReceived, 3, 1));

	/* The off VM's vNICs: no counter instances, other columns stay. */
	for (oid c = MIB_vsVnicBytesSent; c <= MIB_vsVnicPacketsReceived; c++) {
		EXPECT_NO_INSTANCE(MIB_VNIC, SUB(c, 2, 1));
		EXPECT_NO_INSTANCE(MIB_VNIC, SUB(c, 2, 2));
		EXPECT_NEXT(MIB_VNIC, SUB(c, 1, 1), SUB(c, 3, 1));
		EXPECT_NEXT(MIB_VNIC, SUB(c, 2), SUB(c, 3, 1));
	}
	CU_ASSERT_EQUAL(get(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 2, 2)), 0);
	CU_ASSERT_EQUAL(get(MIB_VNIC, SUB(MIB_vsVnicIfName, 2, 2)), 0);
	/* Every column of the 4 rows, less 2 × 4 counters. */
	CU_ASSERT_EQUAL(walk(MIB_VNIC), expected_instances(MIB_VNIC));
}

/* ---- vsNetTable ------------------------------------------------------------------------ */

static void test_mib_net_columns(void)
{
	READY();
	traffic();
	EXPECT_STRING(MIB_NET, "lan0", SUB(MIB_vsNetName, 1));
	EXPECT_STRING(MIB_NET, "lan1", SUB(MIB_vsNetName, 2));
	EXPECT_STRING(MIB_NET, "br0", SUB(MIB_vsNetBridge, 1));
	EXPECT_STRING(MIB_NET, "br1", SUB(MIB_vsNetBridge, 2));
	/* Nothing opened yet: down. */
	EXPECT_INT(MIB_NET, ASN_INTEGER, 2, SUB(MIB_vsNetCaptureState, 1));
	f.lan0->capture_state = NET_CAPTURING;
	f.lan1->capture_state = NET_FAILED;
	EXPECT_INT(MIB_NET, ASN_INTEGER, 1, SUB(MIB_vsNetCaptureState, 1));
	EXPECT_INT(MIB_NET, ASN_INTEGER, 3, SUB(MIB_vsNetCaptureState, 2));
	EXPECT_C64(MIB_NET, 3060, SUB(MIB_vsNetBytesSent, 1));
	EXPECT_C64(MIB_NET, 4, SUB(MIB_vsNetPacketsSent, 1));
	EXPECT_C64(MIB_NET, RUN_SENT + RUN_RECEIVED, SUB(MIB_vsNetBytesSent, 2));
	EXPECT_C64(MIB_NET, 5, SUB(MIB_vsNetPacketsSent, 2));
	EXPECT_C64(MIB_NET, 0, SUB(MIB_vsNetCaptureDrops, 1));
	acct_count_drops(&f.lan1->acct, UINT64_C(5000000000));
	EXPECT_C64(MIB_NET, UINT64_C(5000000000), SUB(MIB_vsNetCaptureDrops, 2));
	EXPECT_TICKS(MIB_NET, 0, SUB(MIB_vsNetDiscontinuityTime, 1));
	f.lan1->discontinuity_usec = NOW_MONO - 5 * SEC;
	EXPECT_TICKS(MIB_NET, NOW_UPTIME - 500, SUB(MIB_vsNetDiscontinuityTime, 2));

	EXPECT_NO_INSTANCE(MIB_NET, SUB(MIB_vsNetName, 3));
	EXPECT_NO_OBJECT(MIB_NET, SUB(MIB_vsNetIndex, 1)); /* not-accessible */
	EXPECT_NEXT(MIB_NET, SUB(MIB_vsNetName, 2), SUB(MIB_vsNetBridge, 1));
	CU_ASSERT_EQUAL(walk(MIB_NET), expected_instances(MIB_NET));
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
	EXPECT_C64(MIB_HISTORY, 300, SUB(SECOND(1), 1));
	EXPECT_C64(MIB_HISTORY, 0, SUB(SECOND(2), 1));
	EXPECT_C64(MIB_HISTORY, 200, SUB(SECOND(3), 1));
	EXPECT_C64(MIB_HISTORY, 100, SUB(SECOND(4), 1));
	for (oid n = 1; n <= ACCT_HISTORY_SECONDS; n++) {
		EXPECT_C64(MIB_HISTORY, h[n - 1], SUB(SECOND(n), 1));
		EXPECT_C64(MIB_HISTORY, n <= 4 ? first4[n - 1] : 0, SUB(SECOND(n), 1));
		/* The idle network: 0, never missing. */
		EXPECT_C64(MIB_HISTORY, 0, SUB(SECOND(n), 2));
	}
	/* vsNetBytesSentRate is column 1. */
	EXPECT_C64(MIB_NET, 300, SUB(MIB_vsNetBytesSentRate, 1));
	EXPECT_C64(MIB_NET, 0, SUB(MIB_vsNetBytesSentRate, 2));

	/* Two seconds later: everything moved two columns on. */
	acct_net_tick(&f.lan0->acct, NOW_REAL + 2 * SEC);
	EXPECT_C64(MIB_HISTORY, 0, SUB(SECOND(1), 1));
	EXPECT_C64(MIB_HISTORY, 0, SUB(SECOND(2), 1));
	EXPECT_C64(MIB_HISTORY, 300, SUB(SECOND(3), 1));
	EXPECT_C64(MIB_HISTORY, 200, SUB(SECOND(5), 1));
	EXPECT_C64(MIB_HISTORY, 100, SUB(SECOND(6), 1));
	EXPECT_C64(MIB_NET, 0, SUB(MIB_vsNetBytesSentRate, 1));
	acct_net_history(&f.lan0->acct, h, &end_sec);
	for (oid n = 1; n <= ACCT_HISTORY_SECONDS; n++)
		EXPECT_C64(MIB_HISTORY, h[n - 1], SUB(SECOND(n), 1));

	EXPECT_NO_INSTANCE(MIB_HISTORY, SUB(SECOND(1), 3));
	/* Column by column, row by row: 2 rows × (60 seconds + end time). */
	EXPECT_NEXT(MIB_HISTORY, NOTHING, SUB(SECOND(1), 1));
	EXPECT_NEXT(MIB_HISTORY, SUB(SECOND(1), 2), SUB(SECOND(2), 1));
	EXPECT_NEXT(MIB_HISTORY, SUB(SECOND(ACCT_HISTORY_SECONDS), 2), SUB(MIB_vsNetHistoryEndTime, 1));
	CU_ASSERT_EQUAL(walk(MIB_HISTORY), expected_instances(MIB_HISTORY));
}

static void test_mib_history_end_time(void)
{
	READY();
	history_traffic();
	/* End of column 1's second: S+4, 0.4 s before the request. */
	EXPECT_TICKS(MIB_HISTORY, NOW_UPTIME - 40, SUB(MIB_vsNetHistoryEndTime, 1));
	/* Nothing seen on lan1 yet. */
	EXPECT_TICKS(MIB_HISTORY, 0, SUB(MIB_vsNetHistoryEndTime, 2));

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
		EXPECT_TICKS(MIB_HISTORY, (long)cases[i].expected, SUB(MIB_vsNetHistoryEndTime, 1));
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

/* ---- notifications ------------------------------------------------------------------- */

/* Whether o (len sub-identifiers) is root.sub. */
static bool is_under_root(const oid *o, size_t len, const oid *sub, size_t sub_len)
{
	static const oid root[] = { MIB_ROOT };
	oid want[MAX_OID_LEN];
	memcpy(want, root, sizeof root);
	memcpy(want + OID_LENGTH(root), sub, sub_len * sizeof(oid));
	return snmp_oid_compare(o, len, want, OID_LENGTH(root) + sub_len) == 0;
}

/* snmpTrapOID.0 = root.vsAcctNotifications.number, then two objects. */
static void expect_notification(const netsnmp_variable_list *v, oid number)
{
	static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(snmp_oid_compare(v->name, v->name_length, snmp_trap_oid,
					 OID_LENGTH(snmp_trap_oid)), 0);
	CU_ASSERT_EQUAL_FATAL(v->type, ASN_OBJECT_ID);
	CU_ASSERT(is_under_root(v->val.objid, v->val_len / sizeof(oid),
				SUB(MIB_vsAcctNotifications, number)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v->next_variable);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v->next_variable->next_variable);
	CU_ASSERT_PTR_NULL(v->next_variable->next_variable->next_variable);
}

static void test_mib_notifications(void)
{
	READY();
	netsnmp_variable_list *v = mib_vm_state_change(f.run);
	expect_notification(v, MIB_vsVmStateChange);
	const netsnmp_variable_list *name = v->next_variable, *state = name->next_variable;
	CU_ASSERT(is_under_root(name->name, name->name_length, SUB(MIB_vsVmEntry, MIB_vsVmName, 3)));
	CU_ASSERT(name->type == ASN_OCTET_STR && name->val_len == 3 &&
		  memcmp(name->val.string, "run", 3) == 0);
	CU_ASSERT(is_under_root(state->name, state->name_length, SUB(MIB_vsVmEntry, MIB_vsVmState, 3)));
	CU_ASSERT(state->type == ASN_INTEGER && *state->val.integer == VM_RUNNING);
	snmp_free_varbind(v);

	acct_count_drops(&f.lan1->acct, UINT64_C(5000000000));
	v = mib_capture_loss(f.lan1);
	expect_notification(v, MIB_vsNetCaptureLoss);
	const netsnmp_variable_list *net = v->next_variable, *drops = net->next_variable;
	CU_ASSERT(is_under_root(net->name, net->name_length, SUB(MIB_vsNetEntry, MIB_vsNetName, 2)));
	CU_ASSERT(net->type == ASN_OCTET_STR && net->val_len == 4 &&
		  memcmp(net->val.string, "lan1", 4) == 0);
	CU_ASSERT(is_under_root(drops->name, drops->name_length,
				SUB(MIB_vsNetEntry, MIB_vsNetCaptureDrops, 2)));
	CU_ASSERT(drops->type == ASN_COUNTER64 && drops->val.counter64->high == 1 &&
		  drops->val.counter64->low == 705032704u);
	snmp_free_varbind(v);
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

	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmName), SUB(MIB_vsVmName, 2));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmName, 2), SUB(MIB_vsVmName, 5));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmName, 5), SUB(MIB_vsVmName, 9));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmName, 9), SUB(MIB_vsVmUuid, 2));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmName, 3), SUB(MIB_vsVmName, 5));
	EXPECT_STRING(MIB_VM, "off", SUB(MIB_vsVmName, 2));
	EXPECT_STRING(MIB_VM, "anon", SUB(MIB_vsVmName, 5));
	EXPECT_STRING(MIB_VM, "run", SUB(MIB_vsVmName, 9));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(MIB_vsVmName, 1));
	EXPECT_NO_INSTANCE(MIB_VM, SUB(MIB_vsVmName, 3));
	/* off (2) still has no counters; anon (5) and run (9) do. */
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmNetBytesSent), SUB(MIB_vsVmNetBytesSent, 5));
	EXPECT_NEXT(MIB_VM, SUB(MIB_vsVmNetBytesSent, 5), SUB(MIB_vsVmNetBytesSent, 9));

	/* vNICs follow their VM's index. */
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress), SUB(MIB_vsVnicMacAddress, 2, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 2, 1), SUB(MIB_vsVnicMacAddress, 2, 2));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 2, 2), SUB(MIB_vsVnicMacAddress, 5, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 5, 1), SUB(MIB_vsVnicMacAddress, 9, 1));
	EXPECT_NEXT(MIB_VNIC, SUB(MIB_vsVnicMacAddress, 9, 1), SUB(MIB_vsVnicNetIndex, 2, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 7, SUB(MIB_vsVnicNetIndex, 5, 1));
	EXPECT_INT(MIB_VNIC, ASN_UNSIGNED, 3, SUB(MIB_vsVnicNetIndex, 9, 1));

	EXPECT_NEXT(MIB_NET, SUB(MIB_vsNetName), SUB(MIB_vsNetName, 3));
	EXPECT_NEXT(MIB_NET, SUB(MIB_vsNetName, 3), SUB(MIB_vsNetName, 7));
	EXPECT_STRING(MIB_NET, "lan1", SUB(MIB_vsNetName, 3));
	EXPECT_STRING(MIB_NET, "lan0", SUB(MIB_vsNetName, 7));
	EXPECT_NEXT(MIB_HISTORY, SUB(SECOND(1), 3), SUB(SECOND(1), 7));

	EXPECT_GAUGE(MIB_SCALARS, 3, SUB(MIB_vsAcctVmCount, 0));
	EXPECT_GAUGE(MIB_SCALARS, 2, SUB(MIB_vsAcctNetCount, 0));
	CU_ASSERT_EQUAL(walk(MIB_VM), expected_instances(MIB_VM));
	CU_ASSERT_EQUAL(walk(MIB_VNIC), expected_instances(MIB_VNIC));
}

static CU_TestInfo mib_tests[] = {
	{ "OIDs", test_mib_oids },
	{ "the expected walk", test_mib_walk },
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
	{ "notifications", test_mib_notifications },
	{ "refresh keeps index order", test_mib_refresh_keeps_index_order },
	CU_TEST_INFO_NULL,
};

/* A fresh inventory and MIB for every test. */
CU_SuiteInfo test_suites[] = {
	{ "mib", NULL, NULL, mib_setup, mib_teardown, mib_tests },
	CU_SUITE_INFO_NULL,
};
