/*
 * Lifecycle: open → (libvirt's event implementation registered, once per
 * process) → connect: close callback, keepalive, domain events, then every
 * domain read (lookup, state, XML) → per loop turn: pollfds (libvirt's
 * descriptors and timers) → handle: libvirt's callbacks run, the domain
 * events they queued are applied one by one, a lost connection is closed
 * and retried → close.
 *
 * libvirt's callbacks only queue what happened: the queries an event needs
 * (the domain's state, its XML) are calls into libvirt too, made after
 * libvirt's own dispatch has returned.
 */
#include "source_libvirt.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "libvirt_xml.h"
#include "libvirt_rules.h"
#include "libvirt_stats.h"
#include "log.h"

#define DEFAULT_URI "qemu:///system"
#define USEC_PER_SEC 1000000LL
#define RETRY_USEC (SOURCE_LIBVIRT_RETRY_SEC * USEC_PER_SEC)
/* After a loss, the first attempt comes sooner: a restarting libvirtd is
 * back within a second or two. */
#define FIRST_RETRY_USEC (1 * USEC_PER_SEC)
/* How often saved domains are read again: removing a managed save image
 * (virsh managedsave-remove) sends no event. */
#define RECHECK_USEC (5 * USEC_PER_SEC)
/* libvirt's keepalive: a libvirtd that answers nothing for
 * interval × (count + 1) seconds is lost. */
#define KEEPALIVE_INTERVAL 5
#define KEEPALIVE_COUNT 3

/* --- libvirt's event implementation: descriptors and timers ------------
 *
 * libvirt adds, updates and removes them from inside its own calls and
 * callbacks; entries removed during a dispatch are only marked, and their
 * free callbacks run once the dispatch is over (libvirt asks for a clean
 * stack: an ff called from within a remove deadlocks it). One set per
 * process, as libvirt's registration is. */

struct ev_handle {
	int id;
	int fd;
	int events; /* VIR_EVENT_HANDLE_* */
	virEventHandleCallback cb;
	void *opaque;
	virFreeCallback ff;
	bool removed;
};

struct ev_timer {
	int id;
	int interval_ms; /* -1: disabled; 0: every loop turn */
	int64_t due_usec;
	virEventTimeoutCallback cb;
	void *opaque;
	virFreeCallback ff;
	bool removed;
};

static struct {
	struct ev_handle *handles;
	size_t nhandles, caphandles;
	struct ev_timer *timers;
	size_t ntimers, captimers;
	int last_id;
	int dispatching;
	bool registered;
} evl;

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, n * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

static int next_id(void)
{
	/* Watch and timer numbers are never reused (libvirt may remove one
	 * twice); int is wide enough for any daemon's life. */
	if (evl.last_id == 0x7fffffff)
		evl.last_id = 0;
	return ++evl.last_id;
}

static int ev_add_handle(int fd, int events, virEventHandleCallback cb, void *opaque,
			 virFreeCallback ff)
{
	if (grow((void **)&evl.handles, &evl.caphandles, evl.nhandles + 1, sizeof *evl.handles) < 0)
		return -1;
	struct ev_handle *h = &evl.handles[evl.nhandles++];
	*h = (struct ev_handle){ next_id(), fd, events, cb, opaque, ff, false };
	return h->id;
}

static struct ev_handle *find_handle(int id)
{
	for (size_t i = 0; i < evl.nhandles; i++)
		if (evl.handles[i].id == id && !evl.handles[i].removed)
			return &evl.handles[i];
	return NULL;
}

static void ev_update_handle(int watch, int events)
{
	struct ev_handle *h = find_handle(watch);
	if (h)
		h->events = events;
}

static int ev_remove_handle(int watch)
{
	struct ev_handle *h = find_handle(watch);
	if (!h)
		return -1;
	h->removed = true;
	h->cb = NULL;
	return 0;
}

static int64_t timer_due(int interval_ms)
{
	return interval_ms < 0 ? 0 : clock_mono_usec() + (int64_t)interval_ms * 1000;
}

static int ev_add_timeout(int interval_ms, virEventTimeoutCallback cb, void *opaque,
			  virFreeCallback ff)
{
	if (grow((void **)&evl.timers, &evl.captimers, evl.ntimers + 1, sizeof *evl.timers) < 0)
		return -1;
	struct ev_timer *t = &evl.timers[evl.ntimers++];
	*t = (struct ev_timer){ next_id(), interval_ms, timer_due(interval_ms), cb, opaque, ff, false };
	return t->id;
}

static struct ev_timer *find_timer(int id)
{
	for (size_t i = 0; i < evl.ntimers; i++)
		if (evl.timers[i].id == id && !evl.timers[i].removed)
			return &evl.timers[i];
	return NULL;
}

static void ev_update_timeout(int timer, int interval_ms)
{
	struct ev_timer *t = find_timer(timer);
	if (t) {
		t->interval_ms = interval_ms;
		t->due_usec = timer_due(interval_ms);
	}
}

static int ev_remove_timeout(int timer)
{
	struct ev_timer *t = find_timer(timer);
	if (!t)
		return -1;
	t->removed = true;
	t->cb = NULL;
	return 0;
}

/* Drops the removed entries, then runs their free callbacks, one at a time
 * and with the tables consistent, since one may call back into libvirt. */
static void ev_purge(void)
{
	if (evl.dispatching)
		return;
	for (;;) {
		virFreeCallback ff = NULL;
		void *opaque = NULL;
		bool found = false;
		for (size_t i = 0; i < evl.nhandles && !found; i++) {
			if (!evl.handles[i].removed)
				continue;
			ff = evl.handles[i].ff;
			opaque = evl.handles[i].opaque;
			evl.handles[i] = evl.handles[--evl.nhandles];
			found = true;
		}
		for (size_t i = 0; i < evl.ntimers && !found; i++) {
			if (!evl.timers[i].removed)
				continue;
			ff = evl.timers[i].ff;
			opaque = evl.timers[i].opaque;
			evl.timers[i] = evl.timers[--evl.ntimers];
			found = true;
		}
		if (!found)
			return;
		if (ff)
			ff(opaque);
	}
}

static short poll_events(int vir)
{
	return (short)((vir & VIR_EVENT_HANDLE_READABLE ? POLLIN : 0) |
		       (vir & VIR_EVENT_HANDLE_WRITABLE ? POLLOUT : 0));
}

static int vir_events(short revents)
{
	return (revents & POLLIN ? VIR_EVENT_HANDLE_READABLE : 0) |
	       (revents & POLLOUT ? VIR_EVENT_HANDLE_WRITABLE : 0) |
	       (revents & (POLLERR | POLLNVAL) ? VIR_EVENT_HANDLE_ERROR : 0) |
	       (revents & POLLHUP ? VIR_EVENT_HANDLE_HANGUP : 0);
}

static size_t ev_pollfds(struct pollfd *fds, size_t max, int *timeout_ms)
{
	size_t n = 0;
	for (size_t i = 0; i < evl.nhandles && n < max; i++) {
		const struct ev_handle *h = &evl.handles[i];
		if (h->removed || !(h->events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_WRITABLE)))
			continue;
		fds[n++] = (struct pollfd){ .fd = h->fd, .events = poll_events(h->events) };
	}
	int64_t now = clock_mono_usec();
	for (size_t i = 0; i < evl.ntimers; i++) {
		const struct ev_timer *t = &evl.timers[i];
		if (t->removed || t->interval_ms < 0)
			continue;
		int64_t wait = t->due_usec > now ? (t->due_usec - now + 999) / 1000 : 0;
		if (*timeout_ms < 0 || wait < *timeout_ms)
			*timeout_ms = (int)wait;
	}
	return n;
}

static void ev_dispatch(const struct pollfd *fds, size_t n)
{
	evl.dispatching++;
	for (size_t i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		int ready = vir_events(fds[i].revents);
		/* By index: a callback may add handles (the array moves). */
		for (size_t k = 0; k < evl.nhandles; k++) {
			struct ev_handle *h = &evl.handles[k];
			int ev = ready & (h->events | VIR_EVENT_HANDLE_ERROR | VIR_EVENT_HANDLE_HANGUP);
			if (h->removed || h->fd != fds[i].fd || !ev || !h->cb)
				continue;
			h->cb(h->id, h->fd, ev, h->opaque);
		}
	}
	int64_t now = clock_mono_usec();
	size_t ntimers = evl.ntimers; /* the ones added meanwhile wait a turn */
	for (size_t k = 0; k < ntimers; k++) {
		struct ev_timer *t = &evl.timers[k];
		if (t->removed || t->interval_ms < 0 || t->due_usec > now || !t->cb)
			continue;
		t->due_usec = now + (int64_t)t->interval_ms * 1000;
		t->cb(t->id, t->opaque);
	}
	evl.dispatching--;
	ev_purge();
}

/* libvirt prints every error on stderr unless told otherwise: errors are
 * taken where they happen (virGetLastErrorMessage) and logged there. */
static void quiet_errors(void *opaque, virErrorPtr err) { (void)opaque, (void)err; }

static void ev_register(void)
{
	if (evl.registered)
		return;
	virSetErrorFunc(NULL, quiet_errors);
	virEventRegisterImpl(ev_add_handle, ev_update_handle, ev_remove_handle, ev_add_timeout,
			     ev_update_timeout, ev_remove_timeout);
	evl.registered = true;
}

/* --- the source ------------------------------------------------------- */

struct lv_domain {
	unsigned char uuid[VIR_UUID_BUFLEN];
	int id; /* libvirt's ID when last looked at, -1 while inactive */
	struct libvirt_rules_dom rules;
	struct domain_record rec;
	bool valid;  /* rec holds a domain vsacctd can serve */
	bool warned; /* why it cannot was logged */
	bool seen_in_stats; /* in the last statistics reading */
};

enum pending_kind { PENDING_LIFECYCLE, PENDING_REBOOT, PENDING_DEVICE };

struct pending {
	enum pending_kind kind;
	int event, detail;
	unsigned char uuid[VIR_UUID_BUFLEN];
};

struct source {
	char *uri;
	virConnectPtr conn;
	int callbacks[4]; /* domain event callback IDs, -1 when none */
	bool lost;	  /* libvirt said the connection closed */
	int lost_reason;
	bool said_down;	  /* the loss was logged: not again until back */
	bool ever_connected;
	int64_t retry_at; /* next attempt to connect, 0 while connected */
	int64_t recheck_at;
	int64_t usage_at; /* next reading of the domains' statistics */

	struct lv_domain **doms;
	size_t ndoms, capdoms;
	const struct domain_record **view;
	size_t nview;
	bool changed;

	struct pending *queue;
	size_t nqueue, capqueue;

	struct source *next; /* the open sources; the first polls libvirt's */
};

static struct source *open_sources;

static const char *last_error(void)
{
	const char *msg = virGetLastErrorMessage();
	return msg ? msg : "unknown error";
}

static bool no_such_domain(void)
{
	return virGetLastErrorCode() == VIR_ERR_NO_DOMAIN;
}

static struct lv_domain *find_domain(struct source *src, const unsigned char *uuid, size_t *pos)
{
	for (size_t i = 0; i < src->ndoms; i++)
		if (!memcmp(src->doms[i]->uuid, uuid, VIR_UUID_BUFLEN)) {
			if (pos)
				*pos = i;
			return src->doms[i];
		}
	return NULL;
}

static void drop_domain(struct source *src, size_t pos)
{
	struct lv_domain *d = src->doms[pos];
	if (d->valid) {
		log_debug("libvirt: domain %s is gone", d->rec.name);
		src->changed = true;
	}
	free(d);
	src->doms[pos] = src->doms[--src->ndoms];
}

/* The domain's state and reason, and for a shut off one whether it has a
 * managed save image. */
static int read_state(virDomainPtr dom, struct libvirt_reading *r)
{
	int state, reason;
	if (virDomainGetState(dom, &state, &reason, 0) < 0)
		return -1;
	*r = (struct libvirt_reading){ .state = state, .reason = reason };
	if (state == VIR_DOMAIN_SHUTOFF) {
		int has = virDomainHasManagedSaveImage(dom, 0);
		if (has < 0)
			return -1;
		r->managed_save = has == 1;
	}
	return 0;
}

static int domain_id(virDomainPtr dom)
{
	unsigned int id = virDomainGetID(dom);
	return id == (unsigned int)-1 ? -1 : (int)id;
}

/* Reads the domain's XML into d->rec (its live XML while active, its
 * definition otherwise). A domain whose XML does not parse (a name vsacctd
 * cannot serve, say) is left out, said once. Returns -1 when libvirt could
 * not answer. */
static int read_xml(struct lv_domain *d, virDomainPtr dom)
{
	char *xml = virDomainGetXMLDesc(dom, d->id >= 0 ? 0 : VIR_DOMAIN_XML_INACTIVE);
	if (!xml)
		return -1;
	struct domain_record *rec = malloc(sizeof *rec);
	char err[512];
	int rc = rec ? libvirt_parse_record(xml, strlen(xml), rec, err, sizeof err) : -1;
	free(xml);
	if (!rec)
		snprintf(err, sizeof err, "out of memory");
	if (rc < 0) {
		if (!d->warned) {
			char uuid[VIR_UUID_STRING_BUFLEN], buf[68];
			virDomainGetUUIDString(dom, uuid);
			log_warnx("libvirt: domain %s (%s) left out: %s",
				  log_printable(virDomainGetName(dom), buf), uuid, err);
			d->warned = true;
		}
		d->valid = false;
	} else {
		d->warned = false;
		d->valid = true;
		rec->state = d->rec.state;
		rec->runs = d->rec.runs;
		d->rec = *rec;
	}
	free(rec);
	return 0;
}

static bool same_record(const struct domain_record *a, const struct domain_record *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->uuid, b->uuid) && a->state == b->state &&
	       a->runs == b->runs && a->pid == b->pid && domain_vnics_equal(a, b);
}

/* A domain met for the first time (at connection, or through an event). */
static struct lv_domain *add_domain(struct source *src, virDomainPtr dom, int64_t now_usec)
{
	struct libvirt_reading r;
	if (read_state(dom, &r) < 0)
		return NULL;
	if (grow((void **)&src->doms, &src->capdoms, src->ndoms + 1, sizeof *src->doms) < 0)
		return NULL;
	struct lv_domain *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	virDomainGetUUID(dom, d->uuid);
	d->id = domain_id(dom);
	libvirt_rules_first(&d->rules, &r);
	/* Met running: a start reported right after (virsh create sends
	 * resumed, then started) is the start it was met in. */
	if (d->rules.state == DOMAIN_RUNNING || d->rules.state == DOMAIN_PAUSED) {
		d->rules.counted = true;
		d->rules.last_run_usec = now_usec;
	}
	d->rec.state = d->rules.state;
	if (read_xml(d, dom) < 0) {
		free(d);
		return NULL;
	}
	src->doms[src->ndoms++] = d;
	if (d->valid) {
		log_debug("libvirt: domain %s (%s)", d->rec.name, d->rec.uuid);
		src->changed = true;
	}
	return d;
}

enum update {
	UPDATE_SAME,	/* its record as it was */
	UPDATE_CHANGED, /* its record changed */
	UPDATE_GONE,	/* the domain no longer exists */
	UPDATE_FAILED,	/* libvirt did not answer: the record as it was */
};

/* Applies a verdict to a known domain, taking the reading and the XML it
 * asks for. */
static enum update apply_verdict(struct lv_domain *d, virDomainPtr dom,
				 const struct libvirt_verdict *v, int64_t now_usec)
{
	struct libvirt_reading r;
	if (v->read) {
		if (read_state(dom, &r) < 0)
			return no_such_domain() ? UPDATE_GONE : UPDATE_FAILED;
		log_debug("libvirt: %s reads state %d, reason %d", d->rec.name, r.state, r.reason);
	}
	struct domain_record before = d->rec;
	bool was_valid = d->valid;
	libvirt_rules_apply(&d->rules, v, v->read ? &r : NULL, now_usec);
	d->rec.state = d->rules.state;
	d->rec.runs = d->rules.runs;
	d->id = domain_id(dom);
	/* Without its XML, the record keeps its vNICs as they were. */
	if (v->reparse && read_xml(d, dom) < 0 && no_such_domain())
		return UPDATE_GONE;
	return d->valid != was_valid || (d->valid && !same_record(&before, &d->rec))
		       ? UPDATE_CHANGED
		       : UPDATE_SAME;
}

static void handle_pending(struct source *src, const struct pending *p, int64_t now_usec)
{
	size_t pos;
	struct lv_domain *d = find_domain(src, p->uuid, &pos);
	/* Looked up again: the event's domain object may be older than the
	 * domain (its ID), and a domain that no longer exists is gone. */
	virDomainPtr dom = virDomainLookupByUUID(src->conn, p->uuid);
	if (!dom) {
		if (d && no_such_domain())
			drop_domain(src, pos);
		return;
	}
	if (!d) {
		d = add_domain(src, dom, now_usec);
		pos = src->ndoms - 1;
		if (!d || p->kind == PENDING_DEVICE) {
			virDomainFree(dom);
			return;
		}
	}
	char name[68];
	log_printable(virDomainGetName(dom), name);
	struct libvirt_verdict v;
	switch (p->kind) {
	case PENDING_LIFECYCLE:
		v = libvirt_rules_event(p->event, p->detail, d->rules.state);
		log_debug("libvirt: %s: %s %s", name, libvirt_rules_event_name(p->event),
			  libvirt_rules_detail_name(p->event, p->detail));
		break;
	case PENDING_REBOOT:
		v = libvirt_rules_reboot(d->rules.state);
		log_debug("libvirt: %s: reboot", name);
		break;
	default:
		/* A device added or removed: only the XML changed. */
		v = (struct libvirt_verdict){ .state = d->rules.state, .reparse = true };
		log_debug("libvirt: %s: device added or removed", name);
		break;
	}
	/* Still there after undefined: it runs on as a transient domain, and
	 * goes when it stops (its lookup then fails). */
	enum update u = apply_verdict(d, dom, &v, now_usec);
	if (u == UPDATE_GONE)
		drop_domain(src, pos);
	else if (u == UPDATE_CHANGED)
		src->changed = true;
	virDomainFree(dom);
}

/* Every domain read again (at connection, and on reconnection: whatever
 * happened while libvirt was out of reach). Returns -1 when libvirt could
 * not list them. */
static int resync_all(struct source *src, int64_t now_usec)
{
	virDomainPtr *list = NULL;
	int n = virConnectListAllDomains(src->conn, &list, 0);
	if (n < 0)
		return -1;
	bool *seen = calloc(src->ndoms + 1, sizeof *seen);
	if (!seen) {
		for (int i = 0; i < n; i++)
			virDomainFree(list[i]);
		free(list);
		return -1;
	}
	size_t known = src->ndoms; /* the ones added now come after */
	for (int i = 0; i < n; i++) {
		unsigned char uuid[VIR_UUID_BUFLEN];
		size_t pos;
		virDomainGetUUID(list[i], uuid);
		struct lv_domain *d = find_domain(src, uuid, &pos);
		if (!d) {
			add_domain(src, list[i], now_usec);
		} else {
			int id = domain_id(list[i]);
			/* A new QEMU process has a new ID (within one libvirtd's
			 * life, and a restarted libvirtd keeps the running
			 * domains' IDs). */
			bool restarted = d->id >= 0 && id >= 0 && id != d->id;
			struct libvirt_verdict v = libvirt_rules_resync(d->rules.state, restarted);
			enum update u = apply_verdict(d, list[i], &v, now_usec);
			if (u == UPDATE_CHANGED)
				src->changed = true;
			if (u != UPDATE_GONE && pos < known)
				seen[pos] = true;
		}
		virDomainFree(list[i]);
	}
	free(list);
	/* Those not listed were undefined meanwhile. Backwards: drop_domain
	 * moves the last entry into the hole. */
	for (size_t i = known; i-- > 0;)
		if (!seen[i])
			drop_domain(src, i);
	free(seen);
	return 0;
}

/* Saved domains whose managed save image may have been removed. */
static void recheck_saved(struct source *src, int64_t now_usec)
{
	for (size_t i = src->ndoms; i-- > 0;) {
		struct lv_domain *d = src->doms[i];
		if (d->rules.state != DOMAIN_SAVED || !d->rules.managed_seen)
			continue;
		virDomainPtr dom = virDomainLookupByUUID(src->conn, d->uuid);
		if (!dom) {
			if (no_such_domain())
				drop_domain(src, i);
			continue;
		}
		struct libvirt_verdict v = libvirt_rules_resync(d->rules.state, false);
		v.reparse = false;
		enum update u = apply_verdict(d, dom, &v, now_usec);
		if (u == UPDATE_GONE)
			drop_domain(src, i);
		else if (u == UPDATE_CHANGED)
			src->changed = true;
		virDomainFree(dom);
	}
}

/* --- libvirt's callbacks: queue only --------------------------------- */

static void enqueue(struct source *src, enum pending_kind kind, virDomainPtr dom, int event,
		    int detail)
{
	if (grow((void **)&src->queue, &src->capqueue, src->nqueue + 1, sizeof *src->queue) < 0) {
		log_warnx("libvirt: out of memory: a domain event lost");
		return;
	}
	struct pending *p = &src->queue[src->nqueue++];
	*p = (struct pending){ .kind = kind, .event = event, .detail = detail };
	virDomainGetUUID(dom, p->uuid);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	enqueue(opaque, PENDING_LIFECYCLE, dom, event, detail);
	return 0;
}

static void on_reboot(virConnectPtr conn, virDomainPtr dom, void *opaque)
{
	enqueue(opaque, PENDING_REBOOT, dom, 0, 0);
}

static void on_device(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
	enqueue(opaque, PENDING_DEVICE, dom, 0, 0);
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct source *src = opaque;
	src->lost = true;
	src->lost_reason = reason;
}

/* --- the connection --------------------------------------------------- */

static const char *close_reason(int reason)
{
	switch (reason) {
	case VIR_CONNECT_CLOSE_REASON_ERROR:
		return "a socket error";
	case VIR_CONNECT_CLOSE_REASON_EOF:
		return "libvirtd closed it";
	case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
		return "libvirtd stopped answering";
	default:
		return "closed";
	}
}

static void disconnect(struct source *src)
{
	if (!src->conn)
		return;
	for (size_t i = 0; i < sizeof src->callbacks / sizeof *src->callbacks; i++)
		if (src->callbacks[i] >= 0) {
			virConnectDomainEventDeregisterAny(src->conn, src->callbacks[i]);
			src->callbacks[i] = -1;
		}
	virConnectUnregisterCloseCallback(src->conn, on_close);
	virConnectClose(src->conn);
	src->conn = NULL;
	src->lost = false;
	src->nqueue = 0; /* events of a connection that is gone */
	ev_purge();
}

static void said_down(struct source *src, const char *why)
{
	if (src->said_down)
		return;
	if (src->nview)
		log_warnx("libvirt: %s: %s; keeping its %zu domains as last seen, trying again "
			  "every %d s",
			  src->uri, why, src->nview, SOURCE_LIBVIRT_RETRY_SEC);
	else
		log_warnx("libvirt: %s: %s; trying again every %d s", src->uri, why,
			  SOURCE_LIBVIRT_RETRY_SEC);
	src->said_down = true;
}

static int connect_libvirt(struct source *src, int64_t now_usec)
{
	src->retry_at = now_usec + RETRY_USEC;
	virConnectPtr conn = virConnectOpenReadOnly(src->uri);
	if (!conn) {
		char why[512];
		snprintf(why, sizeof why, "cannot connect: %s", last_error());
		said_down(src, why);
		return -1;
	}
	src->conn = conn;
	if (virConnectRegisterCloseCallback(conn, on_close, src, NULL) < 0)
		log_debug("libvirt: no close callback: %s", last_error());
	/* Not every driver has keepalive (test:///default has none). */
	if (virConnectSetKeepAlive(conn, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT) < 0)
		log_debug("libvirt: no keepalive: %s", last_error());
	static const struct {
		int id;
		virConnectDomainEventGenericCallback cb;
		bool required; /* hot-plug events: not every driver has them */
	} events[] = {
		{ VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), true },
		{ VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK(on_reboot), true },
		{ VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK(on_device), false },
		{ VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(on_device), false },
	};
	_Static_assert(sizeof events / sizeof *events == sizeof src->callbacks / sizeof *src->callbacks,
		       "one callback ID per event");
	/* Events first, then the list: nothing that happens in between is
	 * missed (an event about a domain already read changes nothing). */
	for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
		src->callbacks[i] =
			virConnectDomainEventRegisterAny(conn, NULL, events[i].id, events[i].cb, src, NULL);
		if (src->callbacks[i] < 0 && events[i].required)
			goto fail;
		if (src->callbacks[i] < 0)
			log_debug("libvirt: no event %d: %s", events[i].id, last_error());
	}
	if (resync_all(src, now_usec) < 0)
		goto fail;
	if (src->ever_connected)
		log_info("libvirt: %s back, %zu domain%s", src->uri, src->ndoms, src->ndoms == 1 ? "" : "s");
	else
		log_info("libvirt: following %s, %zu domain%s", src->uri, src->ndoms,
			 src->ndoms == 1 ? "" : "s");
	src->ever_connected = true;
	src->said_down = false;
	src->retry_at = 0;
	src->recheck_at = now_usec + RECHECK_USEC;
	return 0;
fail:;
	char why[512];
	snprintf(why, sizeof why, "cannot follow its domains: %s", last_error());
	disconnect(src);
	said_down(src, why);
	return -1;
}

/* --- the domains' statistics ------------------------------------------- */

static void take_usage(const unsigned char *uuid, const struct domain_usage *u, void *ctx)
{
	struct lv_domain *d = find_domain(ctx, uuid, NULL);
	if (d) {
		d->rec.usage = *u;
		d->seen_in_stats = true;
	}
}

static void read_usage(struct source *src)
{
	for (size_t i = 0; i < src->ndoms; i++)
		src->doms[i]->seen_in_stats = false;
	if (libvirt_stats_read(src->conn, take_usage, src) < 0)
		return;
	/* Not running: nothing to read, what was read is stale. */
	for (size_t i = 0; i < src->ndoms; i++)
		if (!src->doms[i]->seen_in_stats)
			src->doms[i]->rec.usage.known = false;
}

/* --- the source's operations ------------------------------------------ */

static void rebuild_view(struct source *src)
{
	src->nview = 0;
	for (size_t i = 0; i < src->ndoms; i++)
		if (src->doms[i]->valid)
			src->view[src->nview++] = &src->doms[i]->rec;
}

static bool commit(struct source *src)
{
	if (!src->changed)
		return false;
	/* The view holds up to every domain: sized with the domains. */
	const struct domain_record **view = realloc(src->view, (src->ndoms + 1) * sizeof *view);
	if (!view) {
		log_warnx("libvirt: out of memory");
		return false; /* the old view stays valid: tried again next turn */
	}
	src->view = view;
	rebuild_view(src);
	src->changed = false;
	return true;
}

static struct source *lv_open(const struct conf_source *cs, int64_t now_usec)
{
	const char *arg = cs->arg;
	ev_register();
	struct source *src = calloc(1, sizeof *src);
	if (!src || !(src->uri = strdup(arg && *arg ? arg : DEFAULT_URI))) {
		log_warn("libvirt");
		free(src);
		return NULL;
	}
	for (size_t i = 0; i < sizeof src->callbacks / sizeof *src->callbacks; i++)
		src->callbacks[i] = -1;
	/* Last in the list: the first one opened keeps polling for all. */
	struct source **tail = &open_sources;
	while (*tail)
		tail = &(*tail)->next;
	*tail = src;
	connect_libvirt(src, now_usec);
	src->changed = true;
	commit(src);
	return src;
}

static void lv_close(struct source *src)
{
	if (!src)
		return;
	disconnect(src);
	for (struct source **p = &open_sources; *p; p = &(*p)->next)
		if (*p == src) {
			*p = src->next;
			break;
		}
	for (size_t i = 0; i < src->ndoms; i++)
		free(src->doms[i]);
	free(src->doms);
	free(src->view);
	free(src->queue);
	free(src->uri);
	free(src);
}

static void lower_timeout(int *timeout_ms, int64_t at_usec)
{
	int64_t now = clock_mono_usec();
	int64_t wait = at_usec > now ? (at_usec - now + 999) / 1000 : 0;
	if (wait > 0x7fffffff)
		wait = 0x7fffffff;
	if (*timeout_ms < 0 || wait < *timeout_ms)
		*timeout_ms = (int)wait;
}

static size_t lv_pollfds(struct source *src, struct pollfd *fds, size_t max, int *timeout_ms)
{
	size_t n = src == open_sources ? ev_pollfds(fds, max, timeout_ms) : 0;
	if (src->nqueue || src->lost || src->changed)
		*timeout_ms = 0;
	if (!src->conn && src->retry_at)
		lower_timeout(timeout_ms, src->retry_at);
	if (src->conn && src->recheck_at)
		lower_timeout(timeout_ms, src->recheck_at);
	if (src->conn)
		lower_timeout(timeout_ms, src->usage_at);
	return n;
}

static bool lv_handle(struct source *src, const struct pollfd *fds, size_t n, int64_t now_usec)
{
	if (src == open_sources)
		ev_dispatch(fds, n);
	/* In order, from a queue of their own: anything libvirt queues while
	 * they are handled waits for the next turn. */
	struct pending *queue = src->queue;
	size_t nqueue = src->nqueue;
	src->queue = NULL;
	src->nqueue = src->capqueue = 0;
	for (size_t i = 0; i < nqueue && src->conn && !src->lost; i++)
		handle_pending(src, &queue[i], now_usec);
	free(queue);
	if (src->conn && (src->lost || virConnectIsAlive(src->conn) != 1)) {
		char why[128];
		snprintf(why, sizeof why, "lost the connection (%s)",
			 src->lost ? close_reason(src->lost_reason) : "not alive");
		disconnect(src);
		said_down(src, why);
		src->retry_at = now_usec + FIRST_RETRY_USEC;
	}
	if (!src->conn && src->retry_at && now_usec >= src->retry_at)
		connect_libvirt(src, now_usec);
	if (src->conn && src->recheck_at && now_usec >= src->recheck_at) {
		recheck_saved(src, now_usec);
		src->recheck_at = now_usec + RECHECK_USEC;
	}
	if (src->conn && now_usec >= src->usage_at) {
		read_usage(src);
		src->usage_at = libvirt_stats_next();
	}
	return commit(src);
}

static size_t lv_count(const struct source *src) { return src->nview; }

static const struct domain_record *lv_record(const struct source *src, size_t i)
{
	return i < src->nview ? src->view[i] : NULL;
}

const struct source_ops source_libvirt_ops = {
	.kind = "libvirt",
	.default_arg = DEFAULT_URI,
	.open = lv_open,
	.close = lv_close,
	.pollfds = lv_pollfds,
	.handle = lv_handle,
	.count = lv_count,
	.record = lv_record,
};
