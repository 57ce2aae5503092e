#include "libvirt_rules.h"

#include <libvirt/libvirt.h>
#include <string.h>

/* Off and saved are the states a domain powers up from. */
static bool is_down(enum domain_state s) { return s == DOMAIN_OFF || s == DOMAIN_SAVED; }
static bool is_up(enum domain_state s) { return s == DOMAIN_RUNNING || s == DOMAIN_PAUSED; }

static struct libvirt_verdict keep(enum domain_state prev)
{
	return (struct libvirt_verdict){ .state = prev };
}

static struct libvirt_verdict to(enum domain_state state)
{
	return (struct libvirt_verdict){ .state = state };
}

/* Keep prev unless a reading shows a lasting state. */
static struct libvirt_verdict ask(enum domain_state fallback)
{
	return (struct libvirt_verdict){ .state = fallback, .read = true };
}

static struct libvirt_verdict started(int detail, enum domain_state prev)
{
	struct libvirt_verdict v;
	switch (detail) {
	case VIR_DOMAIN_EVENT_STARTED_BOOTED:
	case VIR_DOMAIN_EVENT_STARTED_MIGRATED:
	case VIR_DOMAIN_EVENT_STARTED_RESTORED:
	case VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT:
		/* A new QEMU process, or new guest memory in one. The reading
		 * tells a start left paused (virsh start --paused: paused,
		 * user) from one on its way to running (paused, starting up
		 * or migration: not lasting, so running). */
		v = ask(DOMAIN_RUNNING);
		v.run = true;
		v.reparse = true; /* its devices exist now, with their names */
		v.reverting = detail == VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT;
		return v;
	case VIR_DOMAIN_EVENT_STARTED_WAKEUP:
		/* Back from pmsuspended in the same process: no run. */
		return to(DOMAIN_RUNNING);
	default:
		v = ask(prev);
		v.reparse = true;
		return v;
	}
}

static struct libvirt_verdict suspended(int detail, enum domain_state prev)
{
	switch (detail) {
	case VIR_DOMAIN_EVENT_SUSPENDED_PAUSED:
		/* A user's pause, or the first step of a save, a dump or a
		 * snapshot (libvirt sends the same detail): the reason tells. */
		return ask(prev);
	case VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED:
	case VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY:
		/* Migrating out: it either runs on here or stops. */
		return keep(prev);
	case VIR_DOMAIN_EVENT_SUSPENDED_IOERROR:
	case VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG:
	case VIR_DOMAIN_EVENT_SUSPENDED_RESTORED:
	case VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT:
	case VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR:
	case VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED:
		/* Paused until someone resumes it. (Restored paused, libvirt
		 * leaves the reason at migration: the event is the one to
		 * tell it lasts.) */
		return to(DOMAIN_PAUSED);
	default:
		return ask(prev);
	}
}

static struct libvirt_verdict stopped(int detail, enum domain_state prev)
{
	struct libvirt_verdict v;
	switch (detail) {
	case VIR_DOMAIN_EVENT_STOPPED_SAVED:
		/* Read too: a managed save image is what later tells that the
		 * save was discarded. */
		v = ask(DOMAIN_SAVED);
		break;
	case VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT:
		/* A snapshot revert stops the old process; libvirt 9.0 has
		 * already started the new one (paused, starting up) when it
		 * says so, unless the snapshot is of a domain that was off.
		 * The reading tells. Its devices are read at the started (or
		 * the defined) event that ends the revert, with its run. */
		v = ask(prev);
		v.reverting = true;
		return v;
	default:
		/* Off, unless a managed save image outlived a failed restore. */
		v = ask(DOMAIN_OFF);
		break;
	}
	v.reparse = true; /* the inactive definition now */
	return v;
}

struct libvirt_verdict libvirt_rules_event(int event, int detail, enum domain_state prev)
{
	struct libvirt_verdict v;
	switch (event) {
	case VIR_DOMAIN_EVENT_DEFINED:
		/* Added, updated, renamed, or restored by a snapshot revert
		 * (which sends it last): whatever state it is in now. */
		v = ask(prev);
		v.reparse = true;
		return v;
	case VIR_DOMAIN_EVENT_UNDEFINED:
		v = keep(prev);
		v.gone = true;
		return v;
	case VIR_DOMAIN_EVENT_STARTED:
		return started(detail, prev);
	case VIR_DOMAIN_EVENT_SUSPENDED:
		return suspended(detail, prev);
	case VIR_DOMAIN_EVENT_RESUMED:
		/* libvirt resumes a booting domain's CPUs, and says so, just
		 * before it says the domain started (and a restored one just
		 * after): from off or saved, the started event decides. */
		return is_down(prev) ? keep(prev) : to(DOMAIN_RUNNING);
	case VIR_DOMAIN_EVENT_STOPPED:
		return stopped(detail, prev);
	case VIR_DOMAIN_EVENT_SHUTDOWN:
		/* Shutting down, or finished shutting down: the stopped event
		 * that follows is the change. */
		return keep(prev);
	case VIR_DOMAIN_EVENT_PMSUSPENDED:
		return to(DOMAIN_PAUSED);
	case VIR_DOMAIN_EVENT_CRASHED:
		/* Panicked: on_crash decides what follows (destroy: a stopped
		 * event; preserve: the crashed state; restart: a reboot).
		 * Crash-loaded: a crash kernel runs on in the same guest. */
		return detail == VIR_DOMAIN_EVENT_CRASHED_PANICKED ? ask(prev) : keep(prev);
	default:
		return ask(prev);
	}
}

struct libvirt_verdict libvirt_rules_reboot(enum domain_state prev)
{
	struct libvirt_verdict v = keep(prev);
	/* A reset of a domain that does not run would be an old event. */
	v.run = !is_down(prev);
	return v;
}

struct libvirt_verdict libvirt_rules_resync(enum domain_state prev, bool restarted)
{
	struct libvirt_verdict v = ask(prev);
	v.run = restarted;
	v.reparse = true;
	return v;
}

static bool paused_lasts(int reason)
{
	switch (reason) {
	case VIR_DOMAIN_PAUSED_STARTING_UP:
	case VIR_DOMAIN_PAUSED_MIGRATION: /* also an incoming restore */
	case VIR_DOMAIN_PAUSED_SAVE:
	case VIR_DOMAIN_PAUSED_DUMP:
	case VIR_DOMAIN_PAUSED_SNAPSHOT:
	case VIR_DOMAIN_PAUSED_SHUTTING_DOWN:
	case VIR_DOMAIN_PAUSED_POSTCOPY:
		return false;
	default:
		/* user, I/O error, watchdog, from snapshot, crashed (after a
		 * reset of a crashed domain), failed post-copy, unknown */
		return true;
	}
}

bool libvirt_rules_reading(const struct libvirt_rules_dom *d, const struct libvirt_reading *r,
			   enum domain_state *state)
{
	switch (r->state) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		*state = DOMAIN_RUNNING;
		return true;
	case VIR_DOMAIN_PAUSED:
		if (!paused_lasts(r->reason))
			return false;
		*state = DOMAIN_PAUSED;
		return true;
	case VIR_DOMAIN_PMSUSPENDED:
		*state = DOMAIN_PAUSED;
		return true;
	case VIR_DOMAIN_SHUTOFF:
		if (r->managed_save)
			*state = DOMAIN_SAVED;
		else if (d->managed_seen)
			*state = DOMAIN_OFF; /* its managed save image was discarded */
		else if (r->reason == VIR_DOMAIN_SHUTOFF_SAVED)
			*state = DOMAIN_SAVED; /* a save to a file of the user's */
		else if (r->reason == VIR_DOMAIN_SHUTOFF_UNKNOWN && d->state == DOMAIN_SAVED)
			*state = DOMAIN_SAVED; /* libvirtd restarted and forgot why */
		else
			*state = DOMAIN_OFF;
		return true;
	case VIR_DOMAIN_CRASHED:
		*state = DOMAIN_OFF;
		return true;
	default:
		/* no state, or the shutdown state on the way to off */
		return false;
	}
}

void libvirt_rules_first(struct libvirt_rules_dom *d, const struct libvirt_reading *r)
{
	memset(d, 0, sizeof *d);
	d->state = DOMAIN_OFF;
	enum domain_state s;
	if (libvirt_rules_reading(d, r, &s))
		d->state = s;
	else if (r->state == VIR_DOMAIN_PAUSED || r->state == VIR_DOMAIN_SHUTDOWN)
		d->state = DOMAIN_RUNNING; /* has a process: starting, or still running */
	d->managed_seen = r->state == VIR_DOMAIN_SHUTOFF && r->managed_save;
}

bool libvirt_rules_apply(struct libvirt_rules_dom *d, const struct libvirt_verdict *v,
			 const struct libvirt_reading *r, int64_t now_usec)
{
	enum domain_state next = v->state;
	/* Within a revert, the new process is paused (starting up, then
	 * "user" while libvirt finishes its start, then "from snapshot")
	 * until the snapshot's own state follows: resumed or suspended. */
	bool step = v->reverting && r && r->state == VIR_DOMAIN_PAUSED;
	if (v->read && r && !step) {
		enum domain_state s;
		if (libvirt_rules_reading(d, r, &s))
			next = s;
		if (r->state == VIR_DOMAIN_SHUTOFF && r->managed_save)
			d->managed_seen = true;
	}
	/* Off or saved, then running or paused: it started, whether or not
	 * the event that said so was seen. */
	bool run = v->run || (is_down(d->state) && is_up(next));
	if (is_up(next))
		d->managed_seen = false;
	bool changed = next != d->state;
	d->state = next;
	if (run && !(d->counted && now_usec - d->last_run_usec < LIBVIRT_RULES_MERGE_USEC)) {
		d->runs++;
		d->counted = true;
		d->last_run_usec = now_usec;
		changed = true;
	}
	return changed;
}

const char *libvirt_rules_event_name(int event)
{
	static const char *const names[] = {
		[VIR_DOMAIN_EVENT_DEFINED] = "Defined",	    [VIR_DOMAIN_EVENT_UNDEFINED] = "Undefined",
		[VIR_DOMAIN_EVENT_STARTED] = "Started",	    [VIR_DOMAIN_EVENT_SUSPENDED] = "Suspended",
		[VIR_DOMAIN_EVENT_RESUMED] = "Resumed",	    [VIR_DOMAIN_EVENT_STOPPED] = "Stopped",
		[VIR_DOMAIN_EVENT_SHUTDOWN] = "Shutdown",   [VIR_DOMAIN_EVENT_PMSUSPENDED] = "PMSuspended",
		[VIR_DOMAIN_EVENT_CRASHED] = "Crashed",
	};
	if (event < 0 || (size_t)event >= sizeof names / sizeof *names || !names[event])
		return "?";
	return names[event];
}

const char *libvirt_rules_detail_name(int event, int detail)
{
	/* virsh's words, so a log reads like `virsh event`. */
	static const char *const defined[] = { "Added", "Updated", "Renamed", "Snapshot" };
	static const char *const undefined[] = { "Removed", "Renamed" };
	static const char *const started_[] = { "Booted", "Migrated", "Restored", "Snapshot",
						"Event wakeup" };
	static const char *const suspended_[] = { "Paused",	  "Migrated",  "I/O Error",
						  "Watchdog",	  "Restored",  "Snapshot",
						  "API error",	  "Post-copy", "Post-copy Error" };
	static const char *const resumed[] = { "Unpaused", "Migrated", "Snapshot", "Post-copy",
					       "Post-copy Error" };
	static const char *const stopped_[] = { "Shutdown", "Destroyed", "Crashed", "Migrated",
						"Saved",    "Failed",	 "Snapshot" };
	static const char *const shutdown[] = { "Finished", "Finished after guest request",
						"Finished after host request" };
	static const char *const pmsuspended[] = { "Memory", "Disk" };
	static const char *const crashed[] = { "Panicked", "Crashloaded" };
	static const struct {
		const char *const *names;
		size_t n;
	} table[] = {
#define DETAILS(ev, arr) [ev] = { arr, sizeof arr / sizeof *arr }
		DETAILS(VIR_DOMAIN_EVENT_DEFINED, defined),
		DETAILS(VIR_DOMAIN_EVENT_UNDEFINED, undefined),
		DETAILS(VIR_DOMAIN_EVENT_STARTED, started_),
		DETAILS(VIR_DOMAIN_EVENT_SUSPENDED, suspended_),
		DETAILS(VIR_DOMAIN_EVENT_RESUMED, resumed),
		DETAILS(VIR_DOMAIN_EVENT_STOPPED, stopped_),
		DETAILS(VIR_DOMAIN_EVENT_SHUTDOWN, shutdown),
		DETAILS(VIR_DOMAIN_EVENT_PMSUSPENDED, pmsuspended),
		DETAILS(VIR_DOMAIN_EVENT_CRASHED, crashed),
#undef DETAILS
	};
	if (event < 0 || (size_t)event >= sizeof table / sizeof *table || detail < 0 ||
	    (size_t)detail >= table[event].n)
		return "?";
	return table[event].names[detail];
}
