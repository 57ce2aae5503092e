#include <libvirt/libvirt.h>
#include <string.h>

#include "libvirt_rules.h"
#include "runner.h"

#define MS 1000 /* µs */

/* --- one event at a time --------------------------------------------- */

struct expect {
	int event, detail;
	enum domain_state state; /* from a running domain */
	bool read, run, gone, reparse;
};

/* Every event and detail libvirt 9.0 defines, for a running domain. */
static const struct expect event_table[] = {
	{ VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED, DOMAIN_RUNNING, true, false, false, true },
	{ VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_UPDATED, DOMAIN_RUNNING, true, false, false, true },
	{ VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_RENAMED, DOMAIN_RUNNING, true, false, false, true },
	{ VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT, DOMAIN_RUNNING, true, false, false, true },
	{ VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED, DOMAIN_RUNNING, false, false, true, false },
	{ VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_RENAMED, DOMAIN_RUNNING, false, false, true, false },
	{ VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, DOMAIN_RUNNING, true, true, false, true },
	{ VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED, DOMAIN_RUNNING, true, true, false, true },
	{ VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_RESTORED, DOMAIN_RUNNING, true, true, false, true },
	{ VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT, DOMAIN_RUNNING, true, true, false, true },
	{ VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_WAKEUP, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, DOMAIN_RUNNING, true, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_RESTORED, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_MIGRATED, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_POSTCOPY, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_RESUMED, 4 /* post-copy failed, 8.5.0 */, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, DOMAIN_OFF, true, false, false, true },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED, DOMAIN_OFF, true, false, false, true },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_CRASHED, DOMAIN_OFF, true, false, false, true },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, DOMAIN_OFF, true, false, false, true },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SAVED, DOMAIN_SAVED, true, false, false, true },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED, DOMAIN_OFF, true, false, false, true },
	{ VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT, DOMAIN_RUNNING, true, false, false, false },
	{ VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_HOST, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_PMSUSPENDED, VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_PMSUSPENDED, VIR_DOMAIN_EVENT_PMSUSPENDED_DISK, DOMAIN_PAUSED, false, false, false, false },
	{ VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED, DOMAIN_RUNNING, true, false, false, false },
	{ VIR_DOMAIN_EVENT_CRASHED, 1 /* crash-loaded, 6.1.0 */, DOMAIN_RUNNING, false, false, false, false },
	/* Whatever a later libvirt adds: keep, and look. */
	{ VIR_DOMAIN_EVENT_STARTED, 99, DOMAIN_RUNNING, true, false, false, true },
	{ VIR_DOMAIN_EVENT_SUSPENDED, 99, DOMAIN_RUNNING, true, false, false, false },
	{ VIR_DOMAIN_EVENT_RESUMED, 99, DOMAIN_RUNNING, false, false, false, false },
	{ VIR_DOMAIN_EVENT_STOPPED, 99, DOMAIN_OFF, true, false, false, true },
	{ 99, 0, DOMAIN_RUNNING, true, false, false, false },
};

static void test_libvirt_rules_every_event(void)
{
	for (size_t i = 0; i < sizeof event_table / sizeof *event_table; i++) {
		const struct expect *e = &event_table[i];
		struct libvirt_verdict v = libvirt_rules_event(e->event, e->detail, DOMAIN_RUNNING);
		if (v.state != e->state || v.read != e->read || v.run != e->run ||
		    v.gone != e->gone || v.reparse != e->reparse)
			fprintf(stderr, "\n  row %zu: %s %s\n", i, libvirt_rules_event_name(e->event),
				libvirt_rules_detail_name(e->event, e->detail));
		CU_ASSERT_EQUAL(v.state, e->state);
		CU_ASSERT_EQUAL(v.read, e->read);
		CU_ASSERT_EQUAL(v.run, e->run);
		CU_ASSERT_EQUAL(v.gone, e->gone);
		CU_ASSERT_EQUAL(v.reparse, e->reparse);
		/* Only the steps of a snapshot revert. */
		CU_ASSERT_EQUAL(v.reverting,
				(e->event == VIR_DOMAIN_EVENT_STARTED &&
				 e->detail == VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT) ||
					(e->event == VIR_DOMAIN_EVENT_STOPPED &&
					 e->detail == VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT));
	}
}

/* What differs for a domain that is off, saved or paused. */
static void test_libvirt_rules_event_from_other_states(void)
{
	static const enum domain_state all[] = { DOMAIN_RUNNING, DOMAIN_PAUSED, DOMAIN_OFF,
						 DOMAIN_SAVED };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		enum domain_state prev = all[i];
		bool down = prev == DOMAIN_OFF || prev == DOMAIN_SAVED;
		struct libvirt_verdict v;
		/* Resumed from off or saved: a boot's or restore's step. */
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED, prev);
		CU_ASSERT_EQUAL(v.state, down ? prev : DOMAIN_RUNNING);
		CU_ASSERT_FALSE(v.run);
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT, prev);
		CU_ASSERT_EQUAL(v.state, down ? prev : DOMAIN_RUNNING);
		/* Steps that keep what was. */
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED, prev);
		CU_ASSERT_EQUAL(v.state, prev);
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, prev);
		CU_ASSERT_EQUAL(v.state, prev);
		CU_ASSERT_TRUE(v.read);
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT, prev);
		CU_ASSERT_EQUAL(v.state, prev);
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED, prev);
		CU_ASSERT_EQUAL(v.state, prev);
		/* Started is a run whatever came before. */
		v = libvirt_rules_event(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, prev);
		CU_ASSERT_TRUE(v.run);
		CU_ASSERT_EQUAL(v.state, DOMAIN_RUNNING);
		/* A reset is a run when the domain has a process. */
		v = libvirt_rules_reboot(prev);
		CU_ASSERT_EQUAL(v.run, !down);
		CU_ASSERT_EQUAL(v.state, prev);
		CU_ASSERT_FALSE(v.read);
		/* A look outside events. */
		v = libvirt_rules_resync(prev, false);
		CU_ASSERT_EQUAL(v.state, prev);
		CU_ASSERT_TRUE(v.read);
		CU_ASSERT_FALSE(v.run);
		v = libvirt_rules_resync(prev, true);
		CU_ASSERT_TRUE(v.run);
	}
}

/* --- readings ---------------------------------------------------------- */

static bool reading(enum domain_state prev, bool managed_seen, int state, int reason,
		    bool managed, enum domain_state *out)
{
	struct libvirt_rules_dom d = { .state = prev, .managed_seen = managed_seen };
	struct libvirt_reading r = { state, reason, managed };
	return libvirt_rules_reading(&d, &r, out);
}

static void test_libvirt_rules_readings(void)
{
	enum domain_state s;
	for (int reason = 0; reason <= VIR_DOMAIN_RUNNING_POSTCOPY + 1; reason++) {
		CU_ASSERT_TRUE(reading(DOMAIN_OFF, false, VIR_DOMAIN_RUNNING, reason, false, &s));
		CU_ASSERT_EQUAL(s, DOMAIN_RUNNING);
	}
	CU_ASSERT_TRUE(reading(DOMAIN_OFF, false, VIR_DOMAIN_BLOCKED, 0, false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_RUNNING);

	/* Paused: lasting or a step, by its reason. */
	static const struct {
		int reason;
		bool lasts;
	} paused[] = {
		{ VIR_DOMAIN_PAUSED_UNKNOWN, true },	     { VIR_DOMAIN_PAUSED_USER, true },
		{ VIR_DOMAIN_PAUSED_MIGRATION, false },	     { VIR_DOMAIN_PAUSED_SAVE, false },
		{ VIR_DOMAIN_PAUSED_DUMP, false },	     { VIR_DOMAIN_PAUSED_IOERROR, true },
		{ VIR_DOMAIN_PAUSED_WATCHDOG, true },	     { VIR_DOMAIN_PAUSED_FROM_SNAPSHOT, true },
		{ VIR_DOMAIN_PAUSED_SHUTTING_DOWN, false },  { VIR_DOMAIN_PAUSED_SNAPSHOT, false },
		{ VIR_DOMAIN_PAUSED_CRASHED, true },	     { VIR_DOMAIN_PAUSED_STARTING_UP, false },
		{ VIR_DOMAIN_PAUSED_POSTCOPY, false },	     { VIR_DOMAIN_PAUSED_POSTCOPY_FAILED, true },
	};
	for (size_t i = 0; i < sizeof paused / sizeof *paused; i++) {
		s = DOMAIN_UNKNOWN;
		CU_ASSERT_EQUAL(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_PAUSED, paused[i].reason,
					false, &s),
				paused[i].lasts);
		if (paused[i].lasts)
			CU_ASSERT_EQUAL(s, DOMAIN_PAUSED);
	}
	CU_ASSERT_FALSE(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER,
				false, &s));
	CU_ASSERT_FALSE(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_NOSTATE, 0, false, &s));
	CU_ASSERT_TRUE(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED,
			       false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_OFF);
	CU_ASSERT_TRUE(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_PMSUSPENDED, 0, false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_PAUSED);

	/* Shut off: every reason is off, but for saves. */
	for (int reason = 0; reason <= VIR_DOMAIN_SHUTOFF_DAEMON; reason++) {
		CU_ASSERT_TRUE(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_SHUTOFF, reason, false, &s));
		CU_ASSERT_EQUAL(s, reason == VIR_DOMAIN_SHUTOFF_SAVED ? DOMAIN_SAVED : DOMAIN_OFF);
		/* A managed save image makes any shut off domain saved. */
		CU_ASSERT_TRUE(reading(DOMAIN_RUNNING, false, VIR_DOMAIN_SHUTOFF, reason, true, &s));
		CU_ASSERT_EQUAL(s, DOMAIN_SAVED);
	}
	/* A managed save image seen, then gone: discarded (the reason stays
	 * "saved" in libvirt until the domain runs again). */
	CU_ASSERT_TRUE(reading(DOMAIN_SAVED, true, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SAVED,
			       false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_OFF);
	/* libvirtd restarted: every inactive domain reads "unknown". */
	CU_ASSERT_TRUE(reading(DOMAIN_SAVED, false, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_UNKNOWN,
			       false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_SAVED);
	CU_ASSERT_TRUE(reading(DOMAIN_OFF, false, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_UNKNOWN,
			       false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_OFF);
	CU_ASSERT_TRUE(reading(DOMAIN_SAVED, false, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED,
			       false, &s));
	CU_ASSERT_EQUAL(s, DOMAIN_OFF);
}

static void test_libvirt_rules_first(void)
{
	static const struct {
		int state, reason;
		bool managed;
		enum domain_state want;
	} cases[] = {
		{ VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED, false, DOMAIN_RUNNING },
		{ VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER, false, DOMAIN_PAUSED },
		/* caught on its way up, or down: it has a process */
		{ VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP, false, DOMAIN_RUNNING },
		{ VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SAVE, false, DOMAIN_RUNNING },
		{ VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER, false, DOMAIN_RUNNING },
		{ VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_UNKNOWN, false, DOMAIN_OFF },
		{ VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SAVED, false, DOMAIN_SAVED },
		{ VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_UNKNOWN, true, DOMAIN_SAVED },
		{ VIR_DOMAIN_CRASHED, 0, false, DOMAIN_OFF },
		{ VIR_DOMAIN_PMSUSPENDED, 0, false, DOMAIN_PAUSED },
		{ VIR_DOMAIN_NOSTATE, 0, false, DOMAIN_OFF },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct libvirt_rules_dom d;
		memset(&d, 0xa5, sizeof d);
		struct libvirt_reading r = { cases[i].state, cases[i].reason, cases[i].managed };
		libvirt_rules_first(&d, &r);
		CU_ASSERT_EQUAL(d.state, cases[i].want);
		CU_ASSERT_EQUAL(d.runs, 0);
		CU_ASSERT_FALSE(d.counted);
		CU_ASSERT_EQUAL(d.managed_seen, cases[i].managed);
	}
}

/* --- whole sequences, as libvirt 9.0 sent them ------------------------- */

/* RESYNC_NEW_ID: a resync that finds the domain under another libvirt ID. */
enum kind { EV, REBOOT, RESYNC, RESYNC_NEW_ID };

/* One thing that happened, and what a reading taken when the source
 * handles it shows. */
struct step {
	enum kind kind;
	int event, detail;
	int state, reason; /* the reading */
	bool managed;
	int at_ms;
};

struct outcome {
	int changes;	 /* state changes */
	uint32_t runs;	 /* runs moved by */
	enum domain_state state;
	bool gone;
	int reads;
};

#define T0 (1000000000LL) /* a monotonic clock well past 0 */

/* Plays steps on a domain in state from, which last ran long ago. */
static struct outcome play(enum domain_state from, const struct step *steps, size_t n)
{
	struct libvirt_rules_dom d = { .state = from, .counted = true, .last_run_usec = T0 - 3600000000LL };
	struct outcome o = { 0 };
	for (size_t i = 0; i < n; i++) {
		const struct step *s = &steps[i];
		struct libvirt_verdict v = s->kind == EV     ? libvirt_rules_event(s->event, s->detail, d.state)
					   : s->kind == REBOOT ? libvirt_rules_reboot(d.state)
							       : libvirt_rules_resync(d.state, s->kind == RESYNC_NEW_ID);
		struct libvirt_reading r = { s->state, s->reason, s->managed };
		enum domain_state before = d.state;
		if (v.read)
			o.reads++;
		libvirt_rules_apply(&d, &v, v.read ? &r : NULL, T0 + (int64_t)s->at_ms * MS);
		if (d.state != before)
			o.changes++;
		o.gone |= v.gone;
	}
	o.runs = d.runs;
	o.state = d.state;
	return o;
}

#define PLAY(from, steps) play(from, steps, sizeof steps / sizeof *steps)

/* Readings, by name. */
#define RUN_BOOTED VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED
#define RUN_UNPAUSED VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED
#define RUN_RESTORED VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_RESTORED
#define RUN_SNAPSHOT VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_FROM_SNAPSHOT
#define PAUSED_USER VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER
#define PAUSED_STARTING VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP
#define PAUSED_SAVE VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SAVE
#define PAUSED_MIGRATION VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION
#define PAUSED_SNAPSHOT VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SNAPSHOT
#define PAUSED_FROM_SNAPSHOT VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_FROM_SNAPSHOT
#define OFF_SAVED VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SAVED
#define OFF_DESTROYED VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED
#define OFF_SHUTDOWN VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN
#define OFF_SNAPSHOT VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT
#define OFF_UNKNOWN VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_UNKNOWN

#define E(ev, det) EV, VIR_DOMAIN_EVENT_##ev, VIR_DOMAIN_EVENT_##ev##_##det

static void assert_outcome(struct outcome o, int changes, uint32_t runs, enum domain_state state)
{
	CU_ASSERT_EQUAL(o.changes, changes);
	CU_ASSERT_EQUAL(o.runs, runs);
	CU_ASSERT_EQUAL(o.state, state);
	CU_ASSERT_FALSE(o.gone);
}

/* virsh start: Resumed Unpaused, then Started Booted, 1 ms apart. */
static void test_libvirt_rules_start(void)
{
	const struct step start[] = {
		{ E(RESUMED, UNPAUSED), RUN_BOOTED, false, 0 },
		{ E(STARTED, BOOTED), RUN_BOOTED, false, 1 },
	};
	assert_outcome(PLAY(DOMAIN_OFF, start), 1, 1, DOMAIN_RUNNING);
	/* The same, handled while libvirt still had it paused. */
	const struct step early[] = {
		{ E(RESUMED, UNPAUSED), PAUSED_STARTING, false, 0 },
		{ E(STARTED, BOOTED), PAUSED_STARTING, false, 1 },
	};
	assert_outcome(PLAY(DOMAIN_OFF, early), 1, 1, DOMAIN_RUNNING);
	/* …or so late that it was destroyed already. */
	const struct step late[] = {
		{ E(RESUMED, UNPAUSED), OFF_DESTROYED, false, 0 },
		{ E(STARTED, BOOTED), OFF_DESTROYED, false, 1 },
	};
	assert_outcome(PLAY(DOMAIN_OFF, late), 0, 1, DOMAIN_OFF);
	/* From a saved domain, virsh start --force-boot discards the image. */
	assert_outcome(PLAY(DOMAIN_SAVED, start), 1, 1, DOMAIN_RUNNING);
}

/* virsh start --paused: Started Booted, Suspended Paused (paused, user). */
static void test_libvirt_rules_start_paused(void)
{
	const struct step s[] = {
		{ E(STARTED, BOOTED), PAUSED_USER, false, 0 },
		{ E(SUSPENDED, PAUSED), PAUSED_USER, false, 0 },
		{ E(RESUMED, UNPAUSED), RUN_UNPAUSED, false, 1000 },
	};
	struct outcome o = play(DOMAIN_OFF, s, 2);
	assert_outcome(o, 1, 1, DOMAIN_PAUSED);
	assert_outcome(PLAY(DOMAIN_OFF, s), 2, 1, DOMAIN_RUNNING);
}

/* virsh reset: two reboot events 38 ms apart; a guest rebooting itself:
 * two or three within 150 ms. One run each time. */
static void test_libvirt_rules_reset(void)
{
	const struct step reset[] = {
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 0 },
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 38 },
	};
	struct outcome o = PLAY(DOMAIN_RUNNING, reset);
	assert_outcome(o, 0, 1, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(o.reads, 0);
	const struct step guest[] = {
		{ REBOOT, 0, 0, RUN_BOOTED, false, 0 },
		{ REBOOT, 0, 0, RUN_BOOTED, false, 121 },
		{ REBOOT, 0, 0, RUN_BOOTED, false, 137 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, guest), 0, 1, DOMAIN_RUNNING);
	/* Two resets seconds apart are two. */
	const struct step two[] = {
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 0 },
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 38 },
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 5000 },
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 5040 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, two), 0, 2, DOMAIN_RUNNING);
	/* A paused domain can be reset too. */
	assert_outcome(PLAY(DOMAIN_PAUSED, reset), 0, 1, DOMAIN_PAUSED);
	/* A stale reboot event for a domain that is off is no run. */
	assert_outcome(PLAY(DOMAIN_OFF, reset), 0, 0, DOMAIN_OFF);
	/* A firmware reset right after a boot is the boot's own run. */
	const struct step boot_reset[] = {
		{ E(RESUMED, UNPAUSED), RUN_BOOTED, false, 0 },
		{ E(STARTED, BOOTED), RUN_BOOTED, false, 1 },
		{ REBOOT, 0, 0, RUN_BOOTED, false, 400 },
	};
	assert_outcome(PLAY(DOMAIN_OFF, boot_reset), 1, 1, DOMAIN_RUNNING);
}

/* virsh suspend / resume: Suspended Paused (paused, user), Resumed Unpaused. */
static void test_libvirt_rules_suspend_resume(void)
{
	const struct step s[] = {
		{ E(SUSPENDED, PAUSED), PAUSED_USER, false, 0 },
		{ E(RESUMED, UNPAUSED), RUN_UNPAUSED, false, 43 },
	};
	struct outcome o = play(DOMAIN_RUNNING, s, 1);
	assert_outcome(o, 1, 0, DOMAIN_PAUSED);
	assert_outcome(PLAY(DOMAIN_RUNNING, s), 2, 0, DOMAIN_RUNNING);
	/* The suspend handled after the resume already happened. */
	const struct step late[] = {
		{ E(SUSPENDED, PAUSED), RUN_UNPAUSED, false, 0 },
		{ E(RESUMED, UNPAUSED), RUN_UNPAUSED, false, 43 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, late), 0, 0, DOMAIN_RUNNING);
}

/* virsh save: Suspended Paused (paused, save), then Stopped Saved (the
 * migration-iteration and job-completed events between are not the
 * source's). */
static void test_libvirt_rules_save(void)
{
	const struct step save[] = {
		{ E(SUSPENDED, PAUSED), PAUSED_SAVE, false, 0 },
		{ E(STOPPED, SAVED), OFF_SAVED, false, 1444 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, save), 1, 0, DOMAIN_SAVED);
	/* Handled late, the first event already reads saved. */
	const struct step late[] = {
		{ E(SUSPENDED, PAUSED), OFF_SAVED, false, 0 },
		{ E(STOPPED, SAVED), OFF_SAVED, false, 1444 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, late), 1, 0, DOMAIN_SAVED);
	/* Saving a paused domain. */
	assert_outcome(PLAY(DOMAIN_PAUSED, save), 1, 0, DOMAIN_SAVED);
	/* A save that fails: the domain runs on (save canceled). */
	const struct step failed[] = {
		{ E(SUSPENDED, PAUSED), PAUSED_SAVE, false, 0 },
		{ E(RESUMED, UNPAUSED), VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_SAVE_CANCELED, false, 50 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, failed), 0, 0, DOMAIN_RUNNING);
}

/* virsh restore: Started Restored (paused, migration: the incoming state),
 * then Resumed Snapshot 3 ms later. */
static void test_libvirt_rules_restore(void)
{
	const struct step restore[] = {
		{ E(STARTED, RESTORED), PAUSED_MIGRATION, false, 0 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_RESTORED, false, 3 },
	};
	assert_outcome(PLAY(DOMAIN_SAVED, restore), 1, 1, DOMAIN_RUNNING);
	const struct step late[] = {
		{ E(STARTED, RESTORED), RUN_RESTORED, false, 0 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_RESTORED, false, 3 },
	};
	assert_outcome(PLAY(DOMAIN_SAVED, late), 1, 1, DOMAIN_RUNNING);
	/* virsh restore --paused: Started Restored, Suspended Restored, and
	 * libvirt leaves the reason at migration. It ends paused with one
	 * run, but passes through running: the started event cannot tell. */
	const struct step paused[] = {
		{ E(STARTED, RESTORED), PAUSED_MIGRATION, false, 0 },
		{ E(SUSPENDED, RESTORED), PAUSED_MIGRATION, false, 4 },
	};
	assert_outcome(PLAY(DOMAIN_SAVED, paused), 2, 1, DOMAIN_PAUSED);
}

/* virsh managedsave, then virsh start (a restore), or the image removed
 * (virsh managedsave-remove: no event; the source reads saved domains
 * again now and then). */
static void test_libvirt_rules_managed_save(void)
{
	const struct step save_start[] = {
		{ E(SUSPENDED, PAUSED), PAUSED_SAVE, false, 0 },
		{ E(STOPPED, SAVED), OFF_SAVED, true, 1635 },
		{ RESYNC, 0, 0, OFF_SAVED, true, 6000 },
		{ E(STARTED, RESTORED), PAUSED_MIGRATION, false, 16000 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_RESTORED, false, 16003 },
	};
	struct outcome o = play(DOMAIN_RUNNING, save_start, 3);
	assert_outcome(o, 1, 0, DOMAIN_SAVED);
	assert_outcome(PLAY(DOMAIN_RUNNING, save_start), 2, 1, DOMAIN_RUNNING);

	const struct step removed[] = {
		{ E(SUSPENDED, PAUSED), PAUSED_SAVE, false, 0 },
		{ E(STOPPED, SAVED), OFF_SAVED, true, 1635 },
		{ RESYNC, 0, 0, OFF_SAVED, false, 6000 }, /* the image is gone */
		{ RESYNC, 0, 0, OFF_SAVED, false, 11000 },
		{ RESYNC, 0, 0, OFF_UNKNOWN, false, 16000 }, /* libvirtd restarted */
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, removed), 2, 0, DOMAIN_OFF);
	o = play(DOMAIN_RUNNING, removed, 3);
	assert_outcome(o, 2, 0, DOMAIN_OFF);

	/* A managed save outlives libvirtd restarting. */
	const struct step kept[] = {
		{ E(STOPPED, SAVED), OFF_SAVED, true, 0 },
		{ RESYNC, 0, 0, OFF_UNKNOWN, true, 5000 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, kept), 1, 0, DOMAIN_SAVED);
	/* A start that fails to restore it leaves it saved. */
	const struct step failed[] = {
		{ E(STOPPED, SAVED), OFF_SAVED, true, 0 },
		{ E(STOPPED, FAILED), VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_FAILED, true, 5000 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, failed), 1, 0, DOMAIN_SAVED);
}

/* virsh destroy: Shutdown Finished (after host request), Stopped Destroyed;
 * a guest powering off: Shutdown Finished (after guest request), Stopped
 * Shutdown. */
static void test_libvirt_rules_destroy(void)
{
	const struct step destroy[] = {
		{ E(SHUTDOWN, HOST), VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER, false, 0 },
		{ E(STOPPED, DESTROYED), OFF_DESTROYED, false, 4 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, destroy), 1, 0, DOMAIN_OFF);
	const struct step poweroff[] = {
		{ E(SHUTDOWN, GUEST), VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER, false, 0 },
		{ E(STOPPED, SHUTDOWN), OFF_SHUTDOWN, false, 30 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, poweroff), 1, 0, DOMAIN_OFF);
	assert_outcome(PLAY(DOMAIN_PAUSED, destroy), 1, 0, DOMAIN_OFF);
	/* Destroyed, then started again before the source looked. */
	const struct step restart[] = {
		{ E(SHUTDOWN, HOST), PAUSED_STARTING, false, 0 },
		{ E(STOPPED, DESTROYED), PAUSED_STARTING, false, 4 },
		{ E(RESUMED, UNPAUSED), RUN_BOOTED, false, 200 },
		{ E(STARTED, BOOTED), RUN_BOOTED, false, 201 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, restart), 2, 1, DOMAIN_RUNNING);
}

/* virsh define / undefine. */
static void test_libvirt_rules_define_undefine(void)
{
	struct libvirt_rules_dom d;
	struct libvirt_reading r = { OFF_UNKNOWN, false };
	libvirt_rules_first(&d, &r);
	CU_ASSERT_EQUAL(d.state, DOMAIN_OFF);
	struct libvirt_verdict v = libvirt_rules_event(VIR_DOMAIN_EVENT_DEFINED,
						       VIR_DOMAIN_EVENT_DEFINED_ADDED, d.state);
	CU_ASSERT_FALSE(libvirt_rules_apply(&d, &v, &r, T0));
	CU_ASSERT_TRUE(v.reparse);
	CU_ASSERT_EQUAL(d.state, DOMAIN_OFF);

	const struct step undefine[] = { { E(UNDEFINED, REMOVED), OFF_UNKNOWN, false, 0 } };
	struct outcome o = PLAY(DOMAIN_OFF, undefine);
	CU_ASSERT_TRUE(o.gone);
	CU_ASSERT_EQUAL(o.changes, 0);
	CU_ASSERT_EQUAL(o.reads, 0);
	/* Undefining a running domain makes it transient: it runs on (the
	 * source keeps it while libvirt still knows it). */
	o = PLAY(DOMAIN_RUNNING, undefine);
	CU_ASSERT_TRUE(o.gone);
	CU_ASSERT_EQUAL(o.state, DOMAIN_RUNNING);
	/* Updating a running domain's definition changes nothing. */
	const struct step update[] = { { E(DEFINED, UPDATED), RUN_BOOTED, false, 0 } };
	assert_outcome(PLAY(DOMAIN_RUNNING, update), 0, 0, DOMAIN_RUNNING);
}

/* virsh snapshot-create-as on a running domain: Suspended Paused (paused,
 * snapshot), then Resumed Unpaused. */
static void test_libvirt_rules_snapshot_create(void)
{
	const struct step s[] = {
		{ E(SUSPENDED, PAUSED), PAUSED_SNAPSHOT, false, 0 },
		{ E(RESUMED, UNPAUSED), RUN_UNPAUSED, false, 28 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, s), 0, 0, DOMAIN_RUNNING);
}

/* virsh snapshot-revert (libvirt 9.0 replaces the QEMU process; it starts
 * the new one, paused and starting up, before it reports the old one
 * stopped, and ends every revert with Defined Snapshot). */
static void test_libvirt_rules_snapshot_revert(void)
{
	/* A running domain to a running snapshot. */
	const struct step run_run[] = {
		{ E(STOPPED, FROM_SNAPSHOT), PAUSED_STARTING, false, 0 },
		{ E(STARTED, FROM_SNAPSHOT), PAUSED_STARTING, false, 4493 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 4495 },
		{ E(DEFINED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 4497 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, run_run), 0, 1, DOMAIN_RUNNING);
	/* The same, handled once the snapshot was loaded and before its
	 * CPUs ran again: paused "from snapshot" is then a step. */
	const struct step run_run_loaded[] = {
		{ E(STOPPED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 0 },
		{ E(STARTED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 300 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 302 },
		{ E(DEFINED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 304 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, run_run_loaded), 0, 1, DOMAIN_RUNNING);
	/* The same, the started event handled while libvirt had the new
	 * process paused "user" (its start paused, before it resumes it):
	 * read so in about half of the reverts here, a step too. */
	const struct step run_run_user[] = {
		{ E(STOPPED, FROM_SNAPSHOT), PAUSED_STARTING, false, 0 },
		{ E(STARTED, FROM_SNAPSHOT), PAUSED_USER, false, 1400 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 1402 },
		{ E(DEFINED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 1404 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, run_run_user), 0, 1, DOMAIN_RUNNING);
	/* A running domain to a snapshot taken paused. */
	const struct step run_paused[] = {
		{ E(STOPPED, FROM_SNAPSHOT), PAUSED_STARTING, false, 0 },
		{ E(STARTED, FROM_SNAPSHOT), PAUSED_STARTING, false, 11740 },
		{ E(SUSPENDED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 11740 },
		{ E(DEFINED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 11742 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, run_paused), 1, 1, DOMAIN_PAUSED);
	const struct step run_paused_loaded[] = {
		{ E(STOPPED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 0 },
		{ E(STARTED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 300 },
		{ E(SUSPENDED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 300 },
		{ E(DEFINED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 302 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, run_paused_loaded), 1, 1, DOMAIN_PAUSED);
	/* Outside a revert, paused from a snapshot lasts. */
	const struct step defined_paused[] = {
		{ E(DEFINED, FROM_SNAPSHOT), PAUSED_FROM_SNAPSHOT, false, 0 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, defined_paused), 1, 0, DOMAIN_PAUSED);
	/* A running domain to a snapshot taken off. */
	const struct step run_off[] = {
		{ E(STOPPED, FROM_SNAPSHOT), OFF_SNAPSHOT, false, 0 },
		{ E(DEFINED, FROM_SNAPSHOT), OFF_SNAPSHOT, false, 24 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, run_off), 1, 0, DOMAIN_OFF);
	/* An off domain to a running snapshot. */
	const struct step off_run[] = {
		{ E(STARTED, FROM_SNAPSHOT), PAUSED_STARTING, false, 0 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 1 },
		{ E(DEFINED, FROM_SNAPSHOT), RUN_SNAPSHOT, false, 3 },
	};
	assert_outcome(PLAY(DOMAIN_OFF, off_run), 1, 1, DOMAIN_RUNNING);
}

/* Guest power management: virsh dompmsuspend / dompmwakeup. */
static void test_libvirt_rules_pm(void)
{
	const struct step s[] = {
		{ E(PMSUSPENDED, MEMORY), VIR_DOMAIN_PMSUSPENDED, 0, false, 0 },
		{ E(STARTED, WAKEUP), VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_WAKEUP, false, 5000 },
	};
	assert_outcome(play(DOMAIN_RUNNING, s, 1), 1, 0, DOMAIN_PAUSED);
	assert_outcome(PLAY(DOMAIN_RUNNING, s), 2, 0, DOMAIN_RUNNING);
}

/* A guest panic: on_crash=destroy stops it; preserve leaves it crashed. */
static void test_libvirt_rules_crash(void)
{
	const struct step destroy[] = {
		{ E(CRASHED, PANICKED), OFF_UNKNOWN, false, 0 },
		{ E(STOPPED, CRASHED), VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_CRASHED, false, 2 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, destroy), 1, 0, DOMAIN_OFF);
	const struct step preserve[] = {
		{ E(CRASHED, PANICKED), VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED, false, 0 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, preserve), 1, 0, DOMAIN_OFF);
	/* on_crash=restart: QEMU resets the guest (reboot events). */
	const struct step restart[] = {
		{ E(CRASHED, PANICKED), RUN_BOOTED, false, 0 },
		{ REBOOT, 0, 0, RUN_BOOTED, false, 5 },
		{ REBOOT, 0, 0, RUN_BOOTED, false, 45 },
	};
	assert_outcome(PLAY(DOMAIN_RUNNING, restart), 0, 1, DOMAIN_RUNNING);
}

/* libvirtd restarted, or the connection lost and back: each domain is read
 * again; one that ran under another libvirt ID restarted meanwhile. */
static void test_libvirt_rules_reconnect(void)
{
	const struct step same[] = { { RESYNC, 0, 0, RUN_BOOTED, false, 0 } };
	assert_outcome(PLAY(DOMAIN_RUNNING, same), 0, 0, DOMAIN_RUNNING);
	const struct step other_id[] = { { RESYNC_NEW_ID, 0, 0, RUN_BOOTED, false, 0 } };
	assert_outcome(PLAY(DOMAIN_RUNNING, other_id), 0, 1, DOMAIN_RUNNING);
	/* Off when the connection went, running now: it started. The started
	 * event libvirt queued meanwhile, handled right after, is the same
	 * run. */
	const struct step started[] = {
		{ RESYNC, 0, 0, RUN_BOOTED, false, 0 },
		{ E(STARTED, BOOTED), RUN_BOOTED, false, 2 },
	};
	assert_outcome(PLAY(DOMAIN_OFF, started), 1, 1, DOMAIN_RUNNING);
	assert_outcome(PLAY(DOMAIN_SAVED, started), 1, 1, DOMAIN_RUNNING);
	/* Running when the connection went, off now. */
	const struct step stopped[] = { { RESYNC, 0, 0, OFF_DESTROYED, false, 0 } };
	assert_outcome(PLAY(DOMAIN_RUNNING, stopped), 1, 0, DOMAIN_OFF);
	/* A plain save, which libvirt forgets when it restarts. */
	const struct step forgot[] = { { RESYNC, 0, 0, OFF_UNKNOWN, false, 0 } };
	assert_outcome(PLAY(DOMAIN_SAVED, forgot), 0, 0, DOMAIN_SAVED);
	/* Paused on its way up when looked at: keep what it was. */
	const struct step step[] = { { RESYNC_NEW_ID, 0, 0, PAUSED_STARTING, false, 0 } };
	assert_outcome(PLAY(DOMAIN_RUNNING, step), 0, 1, DOMAIN_RUNNING);
}

/* Every sequence at once, in the order DESIGN §1 lists them, on one domain:
 * each real change is one state change, each restart one run. */
static void test_libvirt_rules_whole_day(void)
{
	const struct step day[] = {
		/* start */
		{ E(RESUMED, UNPAUSED), RUN_BOOTED, false, 0 },
		{ E(STARTED, BOOTED), RUN_BOOTED, false, 1 },
		/* reset */
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 10000 },
		{ REBOOT, 0, 0, RUN_UNPAUSED, false, 10035 },
		/* suspend, resume */
		{ E(SUSPENDED, PAUSED), PAUSED_USER, false, 20000 },
		{ E(RESUMED, UNPAUSED), RUN_UNPAUSED, false, 21000 },
		/* save */
		{ E(SUSPENDED, PAUSED), PAUSED_SAVE, false, 30000 },
		{ E(STOPPED, SAVED), OFF_SAVED, false, 31444 },
		/* restore */
		{ E(STARTED, RESTORED), PAUSED_MIGRATION, false, 40000 },
		{ E(RESUMED, FROM_SNAPSHOT), RUN_RESTORED, false, 40003 },
		/* destroy */
		{ E(SHUTDOWN, HOST), VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER, false, 50000 },
		{ E(STOPPED, DESTROYED), OFF_DESTROYED, false, 50004 },
	};
	/* off → running → paused → running → saved → running → off: 6
	 * changes; runs: start, reset, restore. */
	struct outcome o = PLAY(DOMAIN_OFF, day);
	assert_outcome(o, 6, 3, DOMAIN_OFF);
	/* Undefined at last. */
	const struct step undefine[] = { { E(UNDEFINED, REMOVED), OFF_DESTROYED, false, 0 } };
	CU_ASSERT_TRUE(PLAY(DOMAIN_OFF, undefine).gone);
}

/* The merge window, at its edge. */
static void test_libvirt_rules_merge_window(void)
{
	struct libvirt_rules_dom d = { .state = DOMAIN_RUNNING };
	struct libvirt_verdict v = libvirt_rules_reboot(DOMAIN_RUNNING);
	CU_ASSERT_TRUE(libvirt_rules_apply(&d, &v, NULL, T0));
	CU_ASSERT_EQUAL(d.runs, 1);
	CU_ASSERT_FALSE(libvirt_rules_apply(&d, &v, NULL, T0 + LIBVIRT_RULES_MERGE_USEC - 1));
	CU_ASSERT_EQUAL(d.runs, 1);
	/* Counted from the last counted run, not the last event: a reset
	 * storm still counts one run per window. */
	CU_ASSERT_TRUE(libvirt_rules_apply(&d, &v, NULL, T0 + LIBVIRT_RULES_MERGE_USEC));
	CU_ASSERT_EQUAL(d.runs, 2);
	/* A domain never counted counts at once, whatever the clock says. */
	struct libvirt_rules_dom fresh = { .state = DOMAIN_RUNNING };
	CU_ASSERT_TRUE(libvirt_rules_apply(&fresh, &v, NULL, 0));
	CU_ASSERT_EQUAL(fresh.runs, 1);
	/* A reading that cannot be taken keeps the verdict's state. */
	struct libvirt_rules_dom off = { .state = DOMAIN_OFF };
	v = libvirt_rules_event(VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, DOMAIN_OFF);
	CU_ASSERT_TRUE(libvirt_rules_apply(&off, &v, NULL, T0));
	CU_ASSERT_EQUAL(off.state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(off.runs, 1);
}

static void test_libvirt_rules_names(void)
{
	CU_ASSERT_STRING_EQUAL(libvirt_rules_event_name(VIR_DOMAIN_EVENT_STARTED), "Started");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_detail_name(VIR_DOMAIN_EVENT_STARTED,
							 VIR_DOMAIN_EVENT_STARTED_BOOTED),
			       "Booted");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_detail_name(VIR_DOMAIN_EVENT_RESUMED,
							 VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT),
			       "Snapshot");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_detail_name(VIR_DOMAIN_EVENT_SHUTDOWN,
							 VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
			       "Finished after host request");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_event_name(-1), "?");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_event_name(99), "?");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_detail_name(VIR_DOMAIN_EVENT_STOPPED, 99), "?");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_detail_name(99, 0), "?");
	CU_ASSERT_STRING_EQUAL(libvirt_rules_detail_name(VIR_DOMAIN_EVENT_DEFINED, -1), "?");
	/* Every detail of the table above has a name. */
	for (size_t i = 0; i < sizeof event_table / sizeof *event_table; i++)
		if (event_table[i].event < 9 && event_table[i].detail < 9)
			CU_ASSERT_STRING_NOT_EQUAL(libvirt_rules_detail_name(event_table[i].event,
									     event_table[i].detail),
						   "?");
}

static CU_TestInfo rules_tests[] = {
	{ "every_event", test_libvirt_rules_every_event },
	{ "event_from_other_states", test_libvirt_rules_event_from_other_states },
	{ "readings", test_libvirt_rules_readings },
	{ "first", test_libvirt_rules_first },
	{ "start", test_libvirt_rules_start },
	{ "start_paused", test_libvirt_rules_start_paused },
	{ "reset", test_libvirt_rules_reset },
	{ "suspend_resume", test_libvirt_rules_suspend_resume },
	{ "save", test_libvirt_rules_save },
	{ "restore", test_libvirt_rules_restore },
	{ "managed_save", test_libvirt_rules_managed_save },
	{ "destroy", test_libvirt_rules_destroy },
	{ "define_undefine", test_libvirt_rules_define_undefine },
	{ "snapshot_create", test_libvirt_rules_snapshot_create },
	{ "snapshot_revert", test_libvirt_rules_snapshot_revert },
	{ "pm", test_libvirt_rules_pm },
	{ "crash", test_libvirt_rules_crash },
	{ "reconnect", test_libvirt_rules_reconnect },
	{ "whole_day", test_libvirt_rules_whole_day },
	{ "merge_window", test_libvirt_rules_merge_window },
	{ "names", test_libvirt_rules_names },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "libvirt_rules", NULL, NULL, NULL, NULL, rules_tests },
	CU_SUITE_INFO_NULL,
};
