#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "counters.h"
#include "discover.h"
#include "indexes.h"
#include "lifecycle.h"
#include "log.h"
#include "loop.h"
#include "meter.h"
#include "netlink.h"

struct engine_net {
	struct engine *eng;
	struct inv_net *net;
	struct capture *cap;
	int polled_fd;         /* its descriptor in the epoll set; -1: none */
	unsigned polled_opens; /* capture_opens when it was added */
	uint64_t drops_told;   /* vsNetCaptureDrops at the last vsNetCaptureLoss */
	int64_t told_at_usec;  /* when that was; 0: never */
};

/* A domain discovery knows, kept after its status file is gone so that
 * its VM stays a row, off. */
struct known_domain {
	struct libvirt_domain dom;
	bool present;
	bool restarted; /* running on, but libvirt says it started afresh */
};

struct engine {
	struct conf *conf;
	struct inventory *inv;
	unsigned generation;
	struct engine_net *nets; /* one per inventory network, same order */
	size_t nnets;
	int epoll_fd; /* the open captures' descriptors */
	struct netlink *netlink;
	struct discover *discover;
	struct known_domain *known; /* sorted by name */
	size_t nknown;
	struct indexes *indexes;
	char indexes_path[CONF_PATH_MAX + 16];
	char counters_path[CONF_PATH_MAX + 16];
	int64_t next_save_usec;
	int64_t next_tick_usec; /* the networks' work runs once per tick */
	bool save_failing; /* logged once until a save works again */
	struct hostif_info *obs; /* scratch, one per vNIC of the largest VM */
	size_t obs_len;
	engine_vm_fn on_vm_state;
	void *on_vm_state_ctx;
	engine_net_fn on_capture_loss;
	void *on_capture_loss_ctx;
	bool started; /* past the first build: state changes are news */
};

static void engine_sink(void *ctx, int64_t ts_sec, const uint8_t *bytes,
			uint32_t caplen, uint32_t len)
{
	struct engine_net *en = ctx;
	meter_frame(en->eng->inv, en->net, ts_sec, bytes, caplen, len);
}

/* --- VM states --- */

static void announce(struct engine *eng, const struct inv_vm *vm)
{
	log_info("VM %s: %s", vm->name, inventory_vm_state_name(vm->state));
	if (eng->started && eng->on_vm_state)
		eng->on_vm_state(eng->on_vm_state_ctx, vm);
}

static int by_domain_name(const void *a, const void *b)
{
	return strcmp(((const struct known_domain *)a)->dom.name,
		      ((const struct known_domain *)b)->dom.name);
}

static struct known_domain *known_domain(const struct engine *eng, const char *name)
{
	struct known_domain key;
	snprintf(key.dom.name, sizeof key.dom.name, "%s", name);
	return bsearch(&key, eng->known, eng->nknown, sizeof *eng->known, by_domain_name);
}

/* Follows a VM's host interfaces (and for a discovered VM its domain). */
static void engine_observe_vm(struct engine *eng, struct inv_vm *vm, int64_t now_usec)
{
	if (vm->nvnics > eng->obs_len) {
		struct hostif_info *obs = realloc(eng->obs, vm->nvnics * sizeof *obs);
		if (!obs)
			return;
		eng->obs = obs;
		eng->obs_len = vm->nvnics;
	}
	for (size_t j = 0; j < vm->nvnics; j++)
		netlink_lookup(eng->netlink, vm->vnics[j].ifname, &eng->obs[j]);
	bool changed = lifecycle_apply(eng->inv, vm, eng->obs, now_usec);
	if (vm->discovered) {
		struct known_domain *k = known_domain(eng, vm->name);
		changed |= lifecycle_apply_domain(vm, k && k->present ? &k->dom : NULL,
						  k && k->restarted, now_usec);
		if (k)
			k->restarted = false;
	}
	if (changed)
		announce(eng, vm);
}

/* --- captures follow the inventory's networks --- */

static int engine_rebind(struct engine *eng, struct inventory *inv)
{
	size_t n = inventory_net_count(inv);
	struct engine_net *nets = calloc(n + 1, sizeof *nets);
	if (!nets)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct engine_net *en = &nets[i];
		en->eng = eng;
		en->net = inventory_net(inv, i);
		en->polled_fd = -1;
		/* A bridge captured before keeps its handle: nothing is missed. */
		for (size_t k = 0; k < eng->nnets && !en->cap; k++) {
			struct engine_net *old = &eng->nets[k];
			if (old->cap && !strcmp(old->net->bridge, en->net->bridge)) {
				en->cap = old->cap;
				old->cap = NULL;
				capture_set_ctx(en->cap, en);
				en->polled_fd = old->polled_fd;
				en->polled_opens = old->polled_opens;
				en->drops_told = old->drops_told;
				en->told_at_usec = old->told_at_usec;
			}
		}
		if (!en->cap)
			en->cap = capture_new_live(en->net->bridge, eng->conf->capture_buffer,
						   engine_sink, en);
		if (!en->cap) {
			for (size_t k = 0; k < i; k++)
				capture_free(nets[k].cap);
			free(nets);
			return -1;
		}
	}
	for (size_t k = 0; k < eng->nnets; k++)
		capture_free(eng->nets[k].cap);
	free(eng->nets);
	eng->nets = nets;
	eng->nnets = n;
	eng->next_tick_usec = 0; /* new networks get their state at once */
	return 0;
}

/* --- the inventory, rebuilt when a source changes --- */

static int engine_rebuild(struct engine *eng, int64_t now_usec)
{
	const struct libvirt_domain **domains = calloc(eng->nknown + 1, sizeof *domains);
	if (!domains)
		return -1;
	for (size_t i = 0; i < eng->nknown; i++)
		domains[i] = &eng->known[i].dom;
	struct inventory_source src = { eng->conf, domains, eng->nknown, eng->indexes };
	struct inventory *inv = inventory_build(&src, now_usec);
	free(domains);
	if (!inv)
		return -1;
	struct inventory *old = eng->inv;
	if (old)
		inventory_adopt(inv, old, now_usec);
	if (engine_rebind(eng, inv) < 0) {
		inventory_free(inv);
		return -1;
	}
	eng->inv = inv;
	inventory_free(old);
	eng->generation++;
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		engine_observe_vm(eng, inventory_vm(inv, i), now_usec);
	if (indexes_dirty(eng->indexes) && indexes_save(eng->indexes, eng->indexes_path) < 0)
		log_warn("cannot save indexes to %s", eng->indexes_path);
	return 0;
}

/* Takes in what discovery knows now; domains that went away stay known. */
static int engine_take_discovery(struct engine *eng)
{
	size_t n = discover_count(eng->discover);
	struct known_domain *known = realloc(eng->known, (eng->nknown + n + 1) * sizeof *known);
	if (!known)
		return -1;
	eng->known = known;
	size_t before = eng->nknown;
	bool *was_present = calloc(before + 1, sizeof *was_present);
	if (!was_present)
		return -1;
	for (size_t i = 0; i < before; i++) {
		was_present[i] = known[i].present;
		known[i].present = known[i].restarted = false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct libvirt_domain *dom = discover_domain(eng->discover, i);
		struct known_domain key;
		snprintf(key.dom.name, sizeof key.dom.name, "%s", dom->name);
		struct known_domain *k = bsearch(&key, known, before, sizeof *known, by_domain_name);
		if (!k) {
			k = &known[eng->nknown++];
			*k = (struct known_domain){ .present = false };
		} else if (was_present[k - known] && !k->dom.fresh_start && dom->fresh_start) {
			/* Reverted to a snapshot, say: the file stayed. */
			k->restarted = true;
		}
		k->dom = *dom;
		k->present = true;
	}
	free(was_present);
	qsort(known, eng->nknown, sizeof *known, by_domain_name);
	/* Two status files naming one domain: the first stays. */
	size_t kept = 0;
	for (size_t i = 0; i < eng->nknown; i++) {
		if (kept && !strcmp(known[kept - 1].dom.name, known[i].dom.name)) {
			log_warnx("domain %s: described by two status files; one is ignored",
				  known[i].dom.name);
			continue;
		}
		known[kept++] = known[i];
	}
	eng->nknown = kept;
	return 0;
}

/* --- life --- */

static void netlink_changed(void *ctx, const char *ifname)
{
	struct engine *eng = ctx;
	struct inv_vnic *vnic = inventory_vnic_by_ifname(eng->inv, ifname);
	if (vnic)
		engine_observe_vm(eng, vnic->vm, loop_mono_usec());
	/* A bridge that (re)appeared is opened now, not at the next retry. */
	for (size_t i = 0; i < eng->nnets; i++)
		if (!strcmp(eng->nets[i].net->bridge, ifname))
			capture_kick(eng->nets[i].cap);
}

static void engine_open_state(struct engine *eng)
{
	const char *dir = eng->conf->state_dir;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		log_warn("cannot create state directory %s", dir);
	snprintf(eng->indexes_path, sizeof eng->indexes_path, "%s/indexes", dir);
	snprintf(eng->counters_path, sizeof eng->counters_path, "%s/counters", dir);
	char err[512] = "";
	eng->indexes = indexes_load(eng->indexes_path, err, sizeof err);
	if (*err) {
		/* Kept aside: the next save would overwrite what it remembers. */
		char aside[sizeof eng->indexes_path + 4];
		snprintf(aside, sizeof aside, "%s.bad", eng->indexes_path);
		log_warnx("%s; indexes start afresh, the file is kept as %s", err, aside);
		if (rename(eng->indexes_path, aside) < 0)
			log_warn("cannot rename %s", eng->indexes_path);
	}
}

struct engine *engine_new(struct conf *conf, int64_t now_usec)
{
	struct engine *eng = calloc(1, sizeof *eng);
	if (!eng) {
		conf_free(conf);
		return NULL;
	}
	eng->conf = conf;
	eng->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (eng->epoll_fd < 0) {
		log_warn("epoll");
		goto fail;
	}
	engine_open_state(eng);
	eng->netlink = netlink_open();
	if (!eng->indexes || !eng->netlink)
		goto fail;
	/* Host interfaces as they are now, before anything is decided. */
	while (!netlink_synced(eng->netlink)) {
		struct pollfd p = { .fd = netlink_fd(eng->netlink), .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0 || netlink_read(eng->netlink, NULL, NULL) < 0) {
			log_warnx("no answer from netlink");
			goto fail;
		}
	}
	if (*conf->libvirt_dir) {
		eng->discover = discover_open(conf->libvirt_dir);
		if (!eng->discover || engine_take_discovery(eng) < 0)
			goto fail;
	}
	if (engine_rebuild(eng, now_usec) < 0)
		goto fail;
	/* Counting goes on from the last save; the rows' discontinuity times
	 * (now) say that what passed meanwhile was not seen. */
	char err[512] = "";
	if (counters_load(eng->inv, eng->counters_path, err, sizeof err) < 0)
		log_warnx("%s; counters start from 0", err);
	eng->next_save_usec = now_usec + (int64_t)conf->save_interval * 1000000;
	/* Captures open now, as root and before the master hears of us: once
	 * vsacctd answers, it counts. */
	for (size_t i = 0; i < eng->nnets; i++) {
		capture_maintain(eng->nets[i].cap, now_usec);
		eng->nets[i].net->capture_state = (enum net_capture_state)capture_status(eng->nets[i].cap);
	}
	eng->started = true;
	return eng;
fail:
	log_warnx("cannot start the counting engine");
	engine_free(eng);
	return NULL;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	for (size_t i = 0; i < eng->nnets; i++)
		capture_free(eng->nets[i].cap);
	free(eng->nets);
	if (eng->epoll_fd >= 0)
		close(eng->epoll_fd);
	inventory_free(eng->inv);
	netlink_close(eng->netlink);
	discover_close(eng->discover);
	indexes_free(eng->indexes);
	free(eng->known);
	free(eng->obs);
	conf_free(eng->conf);
	free(eng);
}

int engine_reload(struct engine *eng, struct conf *conf, int64_t now_usec)
{
	struct conf *old = eng->conf;
	eng->conf = conf;
	if (strcmp(old->libvirt_dir, conf->libvirt_dir) || strcmp(old->state_dir, conf->state_dir))
		log_warnx("discover and stateDir take effect at the next start");
	snprintf(conf->libvirt_dir, sizeof conf->libvirt_dir, "%s", old->libvirt_dir);
	snprintf(conf->state_dir, sizeof conf->state_dir, "%s", old->state_dir);
	if (engine_rebuild(eng, now_usec) < 0) {
		eng->conf = old;
		conf_free(conf);
		return -1;
	}
	conf_free(old);
	return 0;
}

const struct conf *engine_conf(const struct engine *eng) { return eng->conf; }
struct inventory *engine_inventory(const struct engine *eng) { return eng->inv; }
unsigned engine_generation(const struct engine *eng) { return eng->generation; }

void engine_on_vm_state(struct engine *eng, engine_vm_fn fn, void *ctx)
{
	eng->on_vm_state = fn;
	eng->on_vm_state_ctx = ctx;
}

void engine_on_capture_loss(struct engine *eng, engine_net_fn fn, void *ctx)
{
	eng->on_capture_loss = fn;
	eng->on_capture_loss_ctx = ctx;
}

/* Tells of new capture losses, at most once a ENGINE_LOSS_QUIET_USEC per
 * network: a capture that drops under load must not flood the managers. */
static void engine_check_loss(struct engine *eng, struct engine_net *en, int64_t mono_usec)
{
	uint64_t drops = en->net->acct.capture_drops;
	if (drops <= en->drops_told ||
	    (en->told_at_usec && mono_usec - en->told_at_usec < ENGINE_LOSS_QUIET_USEC))
		return;
	log_warnx("network %s: the capture lost %llu frames so far", en->net->name,
		  (unsigned long long)drops);
	en->drops_told = drops;
	en->told_at_usec = mono_usec;
	if (eng->on_capture_loss)
		eng->on_capture_loss(eng->on_capture_loss_ctx, en->net);
}

/*
 * Keeps the epoll set equal to the open captures' descriptors. Removals go
 * first: a descriptor number freed by one capture and taken by another
 * since the last call is then added back for its new owner.
 */
static void engine_sync_epoll(struct engine *eng)
{
	for (size_t i = 0; i < eng->nnets; i++) {
		struct engine_net *en = &eng->nets[i];
		if (en->polled_fd >= 0 && (capture_fd(en->cap) != en->polled_fd ||
					   capture_opens(en->cap) != en->polled_opens)) {
			/* Fails harmlessly when the socket is closed: closing
			 * removed it. */
			epoll_ctl(eng->epoll_fd, EPOLL_CTL_DEL, en->polled_fd, NULL);
			en->polled_fd = -1;
		}
	}
	for (size_t i = 0; i < eng->nnets; i++) {
		struct engine_net *en = &eng->nets[i];
		int fd = capture_fd(en->cap);
		if (fd < 0 || en->polled_fd >= 0)
			continue;
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
		if (epoll_ctl(eng->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST) {
			log_warn("epoll: capture on %s", en->net->bridge);
			continue;
		}
		en->polled_fd = fd;
		en->polled_opens = capture_opens(en->cap);
	}
}

size_t engine_pollfds(struct engine *eng, struct pollfd *fds, size_t max)
{
	/* Captures sit in one epoll set, so a poll costs the same with one
	 * bridge or a hundred: the agent wakes the loop several times per
	 * request. */
	engine_sync_epoll(eng);
	/* The epoll set last: captures are read after a rebuild moved them. */
	int own[] = { netlink_fd(eng->netlink), eng->discover ? discover_fd(eng->discover) : -1,
		      eng->epoll_fd };
	size_t n = 0;
	for (size_t i = 0; i < sizeof own / sizeof own[0] && n < max; i++)
		if (own[i] >= 0)
			fds[n++] = (struct pollfd){ .fd = own[i], .events = POLLIN };
	return n;
}

static void engine_read(struct engine_net *en)
{
	capture_read(en->cap);
	en->net->capture_state = (enum net_capture_state)capture_status(en->cap);
}

/* Ready captures taken per epoll_wait: all of them on any real host. */
#define ENGINE_EPOLL_BATCH 64

/* Reads the captures the epoll set says are readable. */
static void engine_read_ready(struct engine *eng)
{
	struct epoll_event ev[ENGINE_EPOLL_BATCH];
	int n = epoll_wait(eng->epoll_fd, ev, ENGINE_EPOLL_BATCH, 0);
	for (int e = 0; e < n; e++)
		for (size_t i = 0; i < eng->nnets; i++)
			if (eng->nets[i].polled_fd == ev[e].data.fd)
				engine_read(&eng->nets[i]);
}

void engine_handle(struct engine *eng, const struct pollfd *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == netlink_fd(eng->netlink)) {
			if (netlink_read(eng->netlink, netlink_changed, eng) < 0)
				log_warn("netlink");
		} else if (eng->discover && fds[k].fd == discover_fd(eng->discover)) {
			if (discover_read(eng->discover) &&
			    (engine_take_discovery(eng) < 0 || engine_rebuild(eng, loop_mono_usec()) < 0))
				log_warnx("out of memory: discovery not applied");
		} else if (fds[k].fd == eng->epoll_fd) {
			engine_read_ready(eng);
		}
	}
}

void engine_drain(struct engine *eng)
{
	for (size_t i = 0; i < eng->nnets; i++)
		engine_read(&eng->nets[i]);
}

int engine_save(struct engine *eng)
{
	if (counters_save(eng->inv, eng->counters_path) < 0) {
		if (!eng->save_failing)
			log_warn("cannot save counters to %s (retried every %u s)", eng->counters_path,
				 eng->conf->save_interval);
		eng->save_failing = true;
		return -1;
	}
	if (eng->save_failing)
		log_info("counters saved to %s again", eng->counters_path);
	eng->save_failing = false;
	return 0;
}

int engine_timers(struct engine *eng, int64_t mono_usec, int64_t real_usec)
{
	/* The loop calls this after every event, and pcap_stats() reads two
	 * sysfs files per network: under a walk that was most of the CPU. */
	if (mono_usec < eng->next_tick_usec)
		return (int)((eng->next_tick_usec - mono_usec + 999) / 1000);
	eng->next_tick_usec = mono_usec + ENGINE_TICK_USEC;
	if (mono_usec >= eng->next_save_usec) {
		engine_save(eng);
		eng->next_save_usec = mono_usec + (int64_t)eng->conf->save_interval * 1000000;
	}
	for (size_t i = 0; i < eng->nnets; i++) {
		struct engine_net *en = &eng->nets[i];
		capture_maintain(en->cap, mono_usec);
		acct_count_drops(&en->net->acct, capture_take_drops(en->cap));
		engine_check_loss(eng, en, mono_usec);
		acct_net_tick(&en->net->acct, real_usec);
		en->net->capture_state = (enum net_capture_state)capture_status(en->cap);
	}
	return ENGINE_TICK_USEC / 1000;
}
