/*
 * libvirt_rules: what libvirt's domain events and states mean for a
 * domain record (DESIGN §1): the lasting state it is in, and when the VM
 * restarted (a power-up, a restore, a snapshot revert, a reset), each
 * counted once in the record's runs.
 *
 * Pure: no I/O; libvirt's headers for their constants only. The libvirt
 * source reads, the rules decide, in two steps per thing that happened:
 *
 *   v = libvirt_rules_event(event, detail, d.state)   (or _reboot, _resync)
 *   if (v.read) read the domain's state and reason (virDomainGetState) and,
 *               when it is shut off, whether it has a managed save image
 *   libvirt_rules_apply(&d, &v, v.read ? &reading : NULL, now)
 *
 * The rules, as libvirt 9.0 drives a QEMU domain (sequences in DESIGN §1
 * and tests/test_libvirt_rules.c):
 * - states that do not last are never the record's: a pause on the way to
 *   running (starting up, an incoming migration or restore), for a save,
 *   a dump, a snapshot, a migration, or while shutting down, and the
 *   shutdown state itself, keep the state before them;
 * - started (booted, restored, from a snapshot, migrated in) is a run; so
 *   is a reboot event (a host-side reset or a reboot inside the guest);
 *   libvirt sends two or three reboot events for one reset (QEMU's reset,
 *   then the firmware's own hard reset some 40 ms later): every run that
 *   comes within LIBVIRT_RULES_MERGE_USEC of the last counted one is the
 *   same run (also a started event following a resync that counted it);
 * - a domain that was off or saved and is found running or paused
 *   started meanwhile: a run;
 * - resumed right before started (libvirt's order for a boot) changes
 *   nothing: the started event decides;
 * - a snapshot revert (stopped, started, then resumed or suspended, all
 *   "from snapshot") is one run; the new process is paused (starting
 *   up, "user", "from snapshot") before the snapshot's own state is
 *   restored, which the stopped and started events of a revert take for
 *   a step;
 * - saved after a save or managed save, until the domain runs again or
 *   its managed save image goes (libvirt sends no event for that: the
 *   source reads saved domains again now and then); a plain save file is
 *   invisible to libvirt once it forgets why the domain is off (libvirtd
 *   restarted): saved is kept then;
 * - shut off otherwise off, crashed off, pmsuspended paused;
 * - defined: a record (off unless the reading says otherwise); undefined:
 *   none (the source drops the record unless the domain still runs, as a
 *   transient one).
 */
#ifndef VS_LIBVIRT_RULES_H
#define VS_LIBVIRT_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "domain.h"

/* Runs this close to the last counted one are the same run. */
#define LIBVIRT_RULES_MERGE_USEC 2000000

/* What the rules remember of a domain beyond its record; set up by
 * libvirt_rules_first. */
struct libvirt_rules_dom {
	enum domain_state state;
	uint32_t runs;
	bool counted;          /* runs moved at least once: last_run_usec holds */
	int64_t last_run_usec; /* when runs last moved */
	/* A managed save image was seen since the domain last ran: when it
	 * goes, the save was discarded (or restored). */
	bool managed_seen;
};

/* A fresh reading of a domain. */
struct libvirt_reading {
	int state;	   /* virDomainState */
	int reason;	   /* its reason (virDomainRunningReason, …PausedReason, …) */
	bool managed_save; /* virDomainHasManagedSaveImage (read when shut off) */
};

/* What one event or one look at a domain says. */
struct libvirt_verdict {
	/* The state the domain is in after it; when read is set, the state
	 * to keep if the reading shows a state that does not last. */
	enum domain_state state;
	bool read;    /* take a reading: the event alone cannot tell */
	bool run;     /* the VM restarted */
	bool gone;    /* undefined: no record, unless the domain still runs */
	bool reparse; /* its definition or devices may have changed: read its XML */
	/* Within a snapshot revert, paused (for any reason) is a step (the
	 * snapshot's own state follows: resumed, or suspended from snapshot). */
	bool reverting;
};

/* A lifecycle event (virDomainEventType, its detail) for a domain in state
 * prev. Events and details this module does not know keep prev and ask for
 * a reading. */
struct libvirt_verdict libvirt_rules_event(int event, int detail, enum domain_state prev);

/* A reboot event (VIR_DOMAIN_EVENT_ID_REBOOT) for a domain in state prev. */
struct libvirt_verdict libvirt_rules_reboot(enum domain_state prev);

/* A look at a domain outside any event (after a reconnection, or a saved
 * domain's periodic check): restarted when its libvirt ID changed while
 * it ran, which only a new QEMU process brings. */
struct libvirt_verdict libvirt_rules_resync(enum domain_state prev, bool restarted);

/* The lasting state a reading shows, or false when it shows a state that
 * does not last. d gives what the reading alone cannot: whether a managed
 * save image was seen, the state before. */
bool libvirt_rules_reading(const struct libvirt_rules_dom *d, const struct libvirt_reading *r,
			   enum domain_state *state);

/* The state of a domain seen for the first time: what the reading says,
 * or, for a state that does not last, running when the domain is active
 * (on its way to running, or still running on its way to off) and off
 * otherwise. Sets *d (runs 0). */
void libvirt_rules_first(struct libvirt_rules_dom *d, const struct libvirt_reading *r);

/* Applies v (with the reading it asked for, or NULL when it asked for none
 * or none could be taken) to d at monotonic time now_usec. Returns true
 * when d->state or d->runs changed. Ignores v->gone and v->reparse (the
 * caller's business). */
bool libvirt_rules_apply(struct libvirt_rules_dom *d, const struct libvirt_verdict *v,
			 const struct libvirt_reading *r, int64_t now_usec);

/* libvirt's names, for messages: "Started", "Booted"… ("?" if unknown). */
const char *libvirt_rules_event_name(int event);
const char *libvirt_rules_detail_name(int event, int detail);

#endif
