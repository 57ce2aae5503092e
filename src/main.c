/*
 * vsacctd: per-VM and per-network traffic accounting for a Linux
 * hypervisor host, served as an AgentX subagent of Net-SNMP.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "agent.h"
#include "conf.h"
#include "daemon.h"
#include "clock.h"
#include "counting.h"
#include "inventory.h"
#include "log.h"
#include "loop.h"
#include "mib.h"
#include "options.h"
#include "countmethod.h"
#ifdef HAVE_EBPF
#include "ebpfcount.h"
#include "tchook.h"
#endif
#include "privdrop.h"
#include "uptimefile.h"

#ifndef VSACCTD_CONF
#define VSACCTD_CONF "/etc/snmp/vsacctd.conf"
#endif

static void print_version(void)
{
	printf("vsacctd %s\n%s\nNet-SNMP %s\n", VSACCT_VERSION, pcap_lib_version(),
	       netsnmp_get_version());
	printf("counting methods: %s\n", count_method_builtin());
}

/* Reads the configuration; NULL (logged: file, line, token) when it is bad. */
static struct conf *read_conf(const char *path)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	if (!conf) {
		log_warnx("out of memory");
		return NULL;
	}
	conf->is_foreign = agent_knows_token;
	if (conf_parse_file(conf, path, &err) < 0) {
		log_warnx("%s", err.msg);
		conf_free(conf);
		return NULL;
	}
	return conf;
}

/* The daemon's side of the loop: the agent, reloads, and the MIB's view of
 * a rebuilt inventory. */
struct daemon_state {
	const char *conf_path;
	struct counting *counting;
	struct mib *mib;
	unsigned generation;
	int64_t origin_kept; /* the sysUpTime origin last written to the state directory */
};

static size_t daemon_pollfds(void *ctx, struct pollfd *fds, size_t max, int *timeout_ms)
{
	return agent_loop_client.pollfds(agent_loop_client.ctx, fds, max, timeout_ms);
}

/* The master's sysUpTime origin, written when it changed (a master's
 * session opened): a restart serves its TimeStamps from it. */
static void keep_origin(struct daemon_state *d)
{
	int64_t origin = agent_uptime_origin();
	if (!origin || origin == d->origin_kept)
		return;
	const char *dir = counting_conf(d->counting)->state_dir;
	if (uptimefile_store(dir, origin) < 0)
		log_warn("%s: cannot keep the master's uptime origin", dir);
	d->origin_kept = origin;
}

static void daemon_handle(void *ctx, const struct pollfd *fds, size_t n, const struct loop_now *now)
{
	struct daemon_state *d = ctx;
	if (daemon_reload) {
		daemon_reload = 0;
		struct conf *conf = read_conf(d->conf_path);
		if (!conf)
			log_warnx("configuration not reloaded: the one in force stays");
		else if (counting_reload(d->counting, conf, now->mono_usec) == 0)
			log_info("configuration reloaded");
	}
	/* Before any request: the MIB must not read a freed inventory. */
	if (counting_generation(d->counting) != d->generation) {
		if (mib_refresh(d->mib, counting_inventory(d->counting)) == 0)
			d->generation = counting_generation(d->counting);
		else
			log_warnx("out of memory: tables not refreshed");
	}
	agent_loop_client.handle(agent_loop_client.ctx, fds, n, now);
	keep_origin(d);
}

static void daemon_vm_state(void *ctx, const struct inv_vm *vm)
{
	agent_notify_vm_state(vm);
}

static void daemon_capture_loss(void *ctx, const struct inv_net *net)
{
	agent_notify_capture_loss(net);
}

#ifdef HAVE_EBPF
/* The eBPF method's pin directory and its links directory: after the drop
 * vsacctd pins the links of ports that join later (tchook). */
static int give_pins(const struct conf *conf, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char links[CONF_PATH_MAX + 8];
	tchook_links_dir(conf->bpf_pin_dir, links, sizeof links);
	if (privdrop_give_dir(conf->bpf_pin_dir, uid, gid, err, errlen) < 0)
		return -1;
	return privdrop_give_dir(links, uid, gid, err, errlen);
}
#endif

/* Everything root is needed for is open: become user. */
static int drop_privileges(const char *user, const struct conf *conf)
{
	char err[512];
	uid_t uid;
	gid_t gid;
	bool ebpf = conf->count_method == CONF_COUNT_EBPF;
	if (privdrop_lookup(user, &uid, &gid, err, sizeof err) < 0 ||
	    privdrop_give_dir(conf->state_dir, uid, gid, err, sizeof err) < 0 ||
#ifdef HAVE_EBPF
	    (ebpf && give_pins(conf, uid, gid, err, sizeof err) < 0) ||
#endif
	    privdrop_to(uid, gid, ebpf, err, sizeof err) < 0) {
		log_warnx("cannot run as %s: %s", user, err);
		return -1;
	}
	log_info("running as %s, keeping CAP_NET_RAW%s", user, ebpf ? " and CAP_NET_ADMIN" : "");
	return 0;
}

/* -D: a real shutdown of the eBPF method (vsacctd itself stopped first). */
static int remove_ebpf(struct conf *conf)
{
	int status = 0;
#ifdef HAVE_EBPF
	char err[512];
	if (ebpfcount_remove(conf, err, sizeof err) < 0) {
		log_warnx("cannot remove the eBPF method: %s", err);
		status = EX_OSERR;
	} else {
		log_info("eBPF method removed: programs detached, %s unpinned", conf->bpf_pin_dir);
	}
#else
	log_warnx("this vsacctd was built without the eBPF method: nothing to remove");
#endif
	conf_free(conf);
	return status;
}

int main(int argc, char **argv)
{
	struct options opt;
	char err[256];
	if (options_parse(argc, argv, VSACCTD_CONF, &opt, err, sizeof err) < 0) {
		fprintf(stderr, "vsacctd: %s\n", err);
		options_usage(stderr, VSACCTD_CONF);
		return EX_USAGE;
	}
	if (opt.show_help) {
		options_usage(stdout, VSACCTD_CONF);
		return 0;
	}
	if (opt.show_version) {
		print_version();
		return 0;
	}
	log_init("vsacctd", opt.log_target, opt.log_path);
	log_set_level(opt.log_level);

	agent_init("vsacctd", opt.agentx_socket);
	struct conf *conf = read_conf(opt.conf_path);
	if (!conf)
		return EX_CONFIG;
	struct daemon_state d = { .conf_path = opt.conf_path };
	if (opt.remove_ebpf)
		return remove_ebpf(conf);
	bool refused;
	d.counting = counting_start(conf, clock_mono_usec(), &refused);
	if (!d.counting)
		return refused ? EX_CONFIG : EX_OSERR;
	int status = 0;
	d.origin_kept = uptimefile_load(counting_conf(d.counting)->state_dir);
	agent_previous_uptime_origin(d.origin_kept);
	d.mib = mib_new(counting_inventory(d.counting), agent_clock);
	if (!d.mib) {
		log_warnx("out of memory");
		status = EX_OSERR;
		goto out;
	}
	d.generation = counting_generation(d.counting);
	counting_on_vm_state(d.counting, daemon_vm_state, NULL);
	counting_on_capture_loss(d.counting, daemon_capture_loss, NULL);
	const char *user = opt.user ? opt.user : *counting_conf(d.counting)->user ? counting_conf(d.counting)->user : NULL;
	if ((!opt.foreground && daemon_detach() < 0) ||
	    (opt.pid_path && daemon_pidfile_write(opt.pid_path) < 0)) {
		status = EX_OSERR;
		goto out;
	}
	if (user && drop_privileges(user, counting_conf(d.counting)) < 0) {
		status = EX_NOPERM;
		goto out;
	}
	daemon_signals();
	if (agent_start(counting_conf(d.counting), d.mib) < 0) {
		status = EX_SOFTWARE;
		goto out;
	}
	log_info("started: %zu networks, %zu VMs", inventory_net_count(counting_inventory(d.counting)),
		 inventory_vm_count(counting_inventory(d.counting)));

	struct loop_client clients[] = {
		counting_loop_client(d.counting),
		{ daemon_pollfds, daemon_handle, &d, true },
	};
	if (loop_run(clients, sizeof clients / sizeof clients[0], &daemon_stop) < 0)
		status = EX_OSERR;

	log_info("stopping");
	counting_drain(d.counting);
	counting_save(d.counting);
	agent_stop();
	if (opt.pid_path)
		daemon_pidfile_remove(opt.pid_path);
out:
	mib_free(d.mib);
	counting_free(d.counting);
	return status;
}
