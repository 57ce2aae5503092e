#include "counting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "builder.h"
#include "clock.h"
#include "countmethod.h"
#include "discovery.h"
#include "log.h"
#include "netlink.h"
#include "portdrops.h"
#include "procusage.h"
#include "statedir.h"

#include <unistd.h>

#define USEC_PER_SEC 1000000

struct counting {
	struct conf *conf;
	struct statedir *state;
	struct netlink *netlink;
	struct discovery *discovery;
	struct builder *builder;
	struct count_method *method; /* how the networks are counted */
	/* During a switch of countMethod: the method counting the seconds
	 * before cut_sec, retired once it has them all (see hand_over). */
	struct count_method *retiring;
	int64_t cut_sec;
	int64_t from_sec; /* method's first second (0: all) */
	count_loss_fn on_loss;
	void *on_loss_ctx;
	size_t nmethod_fds; /* the methods' descriptors at the last pollfds */
	bool fds_stale;     /* the methods changed since: their revents mean nothing */
	int64_t now_usec; /* the loop's monotonic time at this turn */
	int64_t next_tick_usec;
	int64_t next_second_usec; /* the once-a-second work: drops, usage */
	struct portdrops *drops;
	unsigned host_cpus;
	counting_vm_fn on_vm_state;
	void *on_vm_state_ctx;
	size_t ndiscovery_fds; /* the discovery's descriptors at the last pollfds */
};

static void lookup(void *ctx, const char *ifname, struct hostif_info *info)
{
	struct counting *c = ctx;
	netlink_lookup(c->netlink, ifname, info);
}

/* The capture of ifname (a bridge or a macvtap device), if any, follows
 * what the host says of it now. */
static void follow_link(struct counting *c, const char *ifname)
{
	struct hostif_info info;
	netlink_lookup(c->netlink, ifname, &info);
	if (c->retiring)
		count_method_link(c->retiring, ifname, &info, c->now_usec);
	count_method_link(c->method, ifname, &info, c->now_usec);
}

static int rebind(void *ctx, struct inventory *inv)
{
	struct counting *c = ctx;
	if (count_method_bind(c->method, inv, c->conf) < 0)
		return -1;
	if (c->retiring && count_method_bind(c->retiring, inv, c->conf) < 0)
		log_warnx("out of memory: countMethod %s no longer counts (a switch is under way)",
			  count_method_name(c->retiring));
	/* Each capture starts from what the host says of its bridge. */
	for (size_t i = 0; i < inventory_net_count(inv); i++)
		follow_link(c, inventory_net(inv, i)->bridge);
	/* And each macvtap vNIC's capture from what it says of its device. */
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		const struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++)
			if (vm->vnics[j].home && vm->vnics[j].home->by_port && *vm->vnics[j].ifname)
				follow_link(c, vm->vnics[j].ifname);
	}
	c->next_tick_usec = 0; /* new networks get their state at once */
	return 0;
}

static void vm_state(void *ctx, const struct inv_vm *vm)
{
	struct counting *c = ctx;
	if (c->on_vm_state)
		c->on_vm_state(c->on_vm_state_ctx, vm);
}

/* What both methods hold, in acct (a held one holds on to it). */
static void drain_methods(struct counting *c)
{
	if (c->retiring)
		count_method_drain(c->retiring);
	count_method_drain(c->method);
}

static int rebuild(struct counting *c, int64_t now_usec)
{
	size_t n;
	const struct domain_record *const *records;
	/* What the method holds goes to the inventory it was counted for,
	 * before the next one adopts its counters. */
	drain_methods(c);
	if (discovery_records(c->discovery, &records, &n) < 0 ||
	    builder_rebuild(c->builder, c->conf, records, n, statedir_indexes(c->state), now_usec) < 0)
		return -1;
	statedir_save_indexes(c->state);
	return 0;
}

/* Host interfaces as they are now, before anything is decided. */
static int netlink_sync(struct netlink *nl)
{
	while (!netlink_synced(nl)) {
		struct pollfd p = { .fd = netlink_fd(nl), .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0) {
			log_warnx("no answer from netlink");
			return -1;
		}
		if (netlink_read(nl, NULL, NULL) < 0) {
			log_warn("netlink");
			return -1;
		}
	}
	return 0;
}

struct counting *counting_start(struct conf *conf, int64_t now_usec, bool *method_refused)
{
	if (method_refused)
		*method_refused = false;
	struct counting *c = calloc(1, sizeof *c);
	if (!c) {
		conf_free(conf);
		return NULL;
	}
	c->conf = conf;
	c->now_usec = now_usec;
	struct builder_hooks hooks = { lookup, rebind, vm_state, c };
	c->state = statedir_open(conf->state_dir, conf->save_interval, now_usec);
	char err[512];
	c->method = count_method_open(conf, err, sizeof err);
	if (!c->method) {
		log_warnx("%s", err);
		if (method_refused)
			*method_refused = true;
		goto fail;
	}
	c->drops = portdrops_new("/sys/class/net");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	c->host_cpus = cpus > 0 ? (unsigned)cpus : 1;
	c->builder = builder_new(&hooks);
	c->netlink = netlink_open();
	if (!c->state || !c->drops || !c->builder || !c->netlink || netlink_sync(c->netlink) < 0)
		goto fail;
	c->discovery = discovery_open(conf, now_usec);
	if (!c->discovery || rebuild(c, now_usec) < 0)
		goto fail;
	statedir_restore(c->state, builder_inventory(c->builder));
	count_method_restored(c->method);
	/* Captures open now, as root and before the master hears of us: once
	 * vsacctd answers, it counts. */
	count_method_tick(c->method, now_usec);
	builder_started(c->builder);
	return c;
fail:
	log_warnx("cannot start the counting side");
	counting_free(c);
	return NULL;
}

void counting_free(struct counting *c)
{
	if (!c)
		return;
	count_method_close(c->retiring);
	count_method_close(c->method);
	portdrops_free(c->drops);
	builder_free(c->builder);
	discovery_close(c->discovery);
	netlink_close(c->netlink);
	statedir_close(c->state);
	conf_free(c->conf);
	free(c);
}

/* The method conf asks for, opened to take over from the running one; NULL
 * (logged) when it cannot count here: the running one counts on. */
static struct count_method *method_for_switch(struct counting *c, const struct conf *conf)
{
	const char *want = conf->count_method == CONF_COUNT_EBPF ? "ebpf" : "pcap";
	const char *have = count_method_name(c->method);
	if (c->retiring) {
		log_warnx("countMethod %s not applied: the switch to %s is still under way "
			  "(reload again in a few seconds)", want, have);
		return NULL;
	}
	char err[512];
	struct count_method *m = count_method_open_afresh(conf, err, sizeof err);
	if (!m)
		log_warnx("countMethod %s refused, counting on with %s: %s%s", want, have, err,
			  conf->count_method == CONF_COUNT_EBPF && geteuid() != 0
				  ? " (vsacctd runs as a user now, without CAP_BPF: restart it "
				    "to count with ebpf)"
				  : "");
	return m;
}

/* The switch starts: next counts from the cut on, the running method up to
 * it. The cut is chosen once next is bound (its programs attached, its
 * captures open), a whole second ahead of everything that took. */
static void start_switch(struct counting *c, struct count_method *next, int64_t began_usec)
{
	c->cut_sec = count_window_cut(clock_real_usec(), COUNTING_SWITCH_LEAD_USEC);
	count_method_window(c->method, (struct count_window){ c->from_sec, c->cut_sec });
	count_method_window(next, (struct count_window){ c->cut_sec, 0 });
	c->from_sec = c->cut_sec;
	c->retiring = c->method;
	c->method = next;
	log_info("countMethod %s: counting frames from second %lld on (%s counts those before; "
		 "opened and bound in %lld ms)", count_method_name(next), (long long)c->cut_sec,
		 count_method_name(c->retiring), (long long)(clock_mono_usec() - began_usec) / 1000);
}

/* The retiring method has every frame before the cut once the history
 * would close the cut's last second (the same grace for late frames):
 * what it holds goes to acct first, then it is retired, and the new one,
 * held until now, hands over what it counted from the cut on (after, as
 * a network's history takes its frames in time order). */
static void hand_over(struct counting *c, int64_t real_usec)
{
	if (!c->retiring || real_usec < c->cut_sec * USEC_PER_SEC + ACCT_CLOSE_GRACE_USEC)
		return;
	count_method_drain(c->retiring);
	log_info("countMethod %s retired: %s counts alone", count_method_name(c->retiring),
		 count_method_name(c->method));
	count_method_retire(c->retiring);
	c->retiring = NULL;
	count_method_hold(c->method, false);
}

int counting_reload(struct counting *c, struct conf *conf, int64_t now_usec)
{
	struct conf *old = c->conf;
	if (conf->n_sources != old->n_sources ||
	    memcmp(conf->sources, old->sources, old->n_sources * sizeof *old->sources) ||
	    strcmp(old->state_dir, conf->state_dir))
		log_warnx("discover and stateDir take effect at the next start");
	if (strcmp(old->bpf_pin_dir, conf->bpf_pin_dir) || old->bpf_attach != conf->bpf_attach)
		log_warnx("bpfPinDir and bpfAttach take effect at the next start");
	memcpy(conf->sources, old->sources, sizeof conf->sources);
	conf->n_sources = old->n_sources;
	snprintf(conf->state_dir, sizeof conf->state_dir, "%s", old->state_dir);
	snprintf(conf->bpf_pin_dir, sizeof conf->bpf_pin_dir, "%s", old->bpf_pin_dir);
	conf->bpf_attach = old->bpf_attach;
	struct count_method *next = NULL;
	int64_t began_usec = clock_mono_usec();
	if (conf->count_method != old->count_method)
		next = method_for_switch(c, conf);
	if (!next)
		conf->count_method = old->count_method;
	c->conf = conf;
	c->now_usec = now_usec;
	/* Bound with the running method at the rebuild, counting nothing yet. */
	struct count_method *running = c->method;
	if (next) {
		c->retiring = running;
		c->method = next;
		count_method_on_loss(next, c->on_loss, c->on_loss_ctx);
	}
	int r = rebuild(c, now_usec);
	if (next) {
		c->method = running;
		c->retiring = NULL;
	}
	if (r < 0) {
		if (next)
			count_method_retire(next);
		c->conf = old;
		conf_free(conf);
		return -1;
	}
	if (next) {
		/* Its captures open (pcap), before the cut is chosen. */
		count_method_tick(next, clock_mono_usec());
		start_switch(c, next, began_usec);
		/* The reload ran between this turn's poll and its handling:
		 * what the old method's captures got meanwhile is read before
		 * the next tick closes a second (it could be a late one). */
		c->fds_stale = true;
	}
	statedir_set_interval(c->state, conf->save_interval);
	conf_free(old);
	return 0;
}

const struct conf *counting_conf(const struct counting *c) { return c->conf; }
struct inventory *counting_inventory(const struct counting *c) { return builder_inventory(c->builder); }
unsigned counting_generation(const struct counting *c) { return builder_generation(c->builder); }

void counting_on_vm_state(struct counting *c, counting_vm_fn fn, void *ctx)
{
	c->on_vm_state = fn;
	c->on_vm_state_ctx = ctx;
}

void counting_on_capture_loss(struct counting *c, counting_net_fn fn, void *ctx)
{
	c->on_loss = fn;
	c->on_loss_ctx = ctx;
	count_method_on_loss(c->method, fn, ctx);
}

void counting_drain(struct counting *c)
{
	/* Stopping during a switch: the old method hands over what it has
	 * and goes (not left counting in the kernel under the new
	 * configuration), the new one what it has. */
	if (c->retiring) {
		log_warnx("stopping during the switch to countMethod %s: frames from now to "
			  "second %lld are not counted", count_method_name(c->method),
			  (long long)c->cut_sec);
		hand_over(c, INT64_MAX);
	}
	count_method_stop(c->method);
	count_method_drain(c->method);
}

int counting_save(struct counting *c)
{
	if (statedir_save(c->state, builder_inventory(c->builder)) < 0)
		return -1;
	count_method_saved(c->method);
	return 0;
}

static void link_changed(void *ctx, const char *ifname)
{
	struct counting *c = ctx;
	struct inventory *inv = builder_inventory(c->builder);
	struct inv_vnic *vnic = inv ? inventory_vnic_by_ifname(inv, ifname) : NULL;
	const struct inv_net *was = vnic ? vnic->net : NULL;
	/* What a vNIC's VM counted so far is handed over before its state
	 * may change (as rebuild does): its last life's, to the frame. */
	if (vnic)
		drain_methods(c);
	builder_observe(c->builder, ifname, c->now_usec);
	/* A vNIC whose port joined another network's bridge: the method
	 * counts it there from now on (ebpf keys a vNIC's counts by its
	 * network). */
	if (vnic && vnic->net != was && rebind(c, inv) < 0)
		log_warnx("vNIC %s moved: not counted on its new network", ifname);
	/* A bridge or macvtap device that went down, away, or came back
	 * (maybe re-created). */
	follow_link(c, ifname);
}

/* The hypervisors' readings of the VMs' CPU and disks (acct takes each
 * reading once). */
static void apply_usage(struct counting *c, struct inventory *inv)
{
	size_t n;
	const struct domain_record *const *records;
	if (discovery_records(c->discovery, &records, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct domain_usage *u = &records[i]->usage;
		struct inv_vm *vm = u->known ? inventory_vm_by_name(inv, records[i]->name) : NULL;
		if (!vm)
			continue;
		struct acct_usage a = { u->cpu_time, u->rd_bytes, u->wr_bytes, u->rd_ops, u->wr_ops, false };
		acct_vm_sample(&vm->acct, &a, c->host_cpus, u->read_usec);
	}
}

/* One reading of the /proc accounting of vm's process pid (0: none). */
static void sample_process(struct counting *c, struct inv_vm *vm, int pid,
			   const struct loop_now *now)
{
	struct proc_usage p;
	if (!pid || procusage_read(pid, &p) < 0)
		return;
	struct acct_usage a = { .cpu_time = p.cpu_ns, .rd_bytes = p.rd_bytes,
				.wr_bytes = p.wr_bytes, .no_ops = true };
	acct_vm_sample(&vm->acct, &a, c->host_cpus, now->real_usec);
	/* A process met for the first time started the VM (maybe before
	 * vsacctd did); later power-ups (a reset) come from lifecycle. */
	if (p.pid != vm->proc_pid && p.start_mono_usec <= now->mono_usec)
		vm->powerup_usec = p.start_mono_usec;
	vm->proc_pid = p.pid;
}

/* The VMs no hypervisor accounts for but whose process is known: a `vm`
 * line's pid file (when no discovery source reports the VM), a discovered
 * guest's process (a Proxmox VE QEMU guest). */
static void apply_processes(struct counting *c, struct inventory *inv, const struct loop_now *now)
{
	for (size_t i = 0; i < c->conf->n_pidfiles; i++) {
		const struct conf_pidfile *pf = &c->conf->pidfiles[i];
		struct inv_vm *vm = inventory_vm_by_name(inv, c->conf->vms[pf->vm_index].name);
		if (vm && !vm->discovered)
			sample_process(c, vm, procusage_read_pidfile(pf->path), now);
	}
	size_t n;
	const struct domain_record *const *records;
	if (discovery_records(c->discovery, &records, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct inv_vm *vm = records[i]->pid && !records[i]->usage.known
					    ? inventory_vm_by_name(inv, records[i]->name)
					    : NULL;
		if (vm)
			sample_process(c, vm, records[i]->pid, now);
	}
}

/* Once a second: what the kernel dropped on each network, the VMs' usage. */
static void each_second(struct counting *c, struct inventory *inv, const struct loop_now *now)
{
	for (size_t i = 0; i < inventory_net_count(inv); i++) {
		struct inv_net *net = inventory_net(inv, i);
		acct_count_kernel_drops(&net->acct, portdrops_read(c->drops, net->bridge), now->real_usec);
	}
	portdrops_sweep(c->drops);
	apply_processes(c, inv, now);
}

/* The work of a tick: what the captures lost, the seconds of history, the
 * periodic save. */
static void tick(struct counting *c, const struct loop_now *now)
{
	struct inventory *inv = builder_inventory(c->builder);
	/* The method counting now last: the networks' capture state is its. */
	if (c->retiring)
		count_method_tick(c->retiring, now->mono_usec);
	count_method_tick(c->method, now->mono_usec);
	hand_over(c, now->real_usec);
	if (now->mono_usec >= c->next_second_usec) {
		c->next_second_usec = now->mono_usec + USEC_PER_SEC;
		each_second(c, inv, now);
	}
	/* Every tick, so a reading is applied within 100 ms of being made. */
	apply_usage(c, inv);
	for (size_t i = 0; i < inventory_net_count(inv); i++)
		acct_net_tick(&inventory_net(inv, i)->acct, now->real_usec);
	if (statedir_tick(c->state, inv, now->mono_usec))
		count_method_saved(c->method);
}

static size_t counting_pollfds(void *ctx, struct pollfd *fds, size_t max, int *timeout_ms)
{
	struct counting *c = ctx;
	if (max < 3)
		return 0;
	size_t n = 0;
	fds[n++] = (struct pollfd){ .fd = netlink_fd(c->netlink), .events = POLLIN };
	c->ndiscovery_fds = discovery_pollfds(c->discovery, fds + n, max - n - 2, timeout_ms);
	n += c->ndiscovery_fds;
	/* The captures last: they are read after a rebuild moved them. */
	c->nmethod_fds = 1;
	c->fds_stale = false;
	if (c->retiring) {
		fds[n++] = (struct pollfd){ .fd = count_method_fd(c->retiring), .events = POLLIN };
		c->nmethod_fds = 2;
	}
	fds[n++] = (struct pollfd){ .fd = count_method_fd(c->method), .events = POLLIN };
	int64_t wait_usec = c->next_tick_usec - c->now_usec;
	int tick_ms = wait_usec <= 0 ? 0 : (int)((wait_usec + 999) / 1000);
	if (*timeout_ms < 0 || tick_ms < *timeout_ms)
		*timeout_ms = tick_ms;
	return n;
}

static void counting_handle(void *ctx, const struct pollfd *fds, size_t n, const struct loop_now *now)
{
	struct counting *c = ctx;
	c->now_usec = now->mono_usec;
	/* Before frames are read: they are timed on the wall clock. */
	inventory_set_real_offset(builder_inventory(c->builder), now->real_usec - now->mono_usec);
	if (n < 1 + c->ndiscovery_fds + c->nmethod_fds)
		return;
	if (fds[0].revents && netlink_read(c->netlink, link_changed, c) < 0)
		log_warn("netlink");
	if (discovery_handle(c->discovery, fds + 1, c->ndiscovery_fds, now->mono_usec) &&
	    rebuild(c, now->mono_usec) < 0)
		log_warnx("out of memory: discovery not applied");
	if (c->fds_stale) {
		drain_methods(c);
	} else {
		if (fds[n - 1].revents)
			count_method_read_ready(c->method);
		/* (retired since pollfds: hand_over runs in tick, below) */
		if (c->nmethod_fds == 2 && c->retiring && fds[n - 2].revents)
			count_method_read_ready(c->retiring);
	}
	/* The loop runs this after every event, and pcap_stats() reads two
	 * sysfs files per network: under a walk that was most of the CPU. */
	if (now->mono_usec >= c->next_tick_usec) {
		c->next_tick_usec = now->mono_usec + COUNTING_TICK_USEC;
		tick(c, now);
	}
}

struct loop_client counting_loop_client(struct counting *c)
{
	return (struct loop_client){ counting_pollfds, counting_handle, c, false };
}
