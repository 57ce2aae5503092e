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
#include "engine.h"
#include "inventory.h"
#include "log.h"
#include "loop.h"
#include "mib.h"
#include "options.h"

#ifndef VSACCTD_CONF
#define VSACCTD_CONF "/etc/snmp/vsacctd.conf"
#endif

static void print_version(void)
{
	printf("vsacctd %s\n%s\nNet-SNMP %s\n", VSACCT_VERSION, pcap_lib_version(),
	       netsnmp_get_version());
}

/* Reads the configuration, or exits EX_CONFIG naming file, line and token. */
static struct conf *read_conf(const char *path)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	if (!conf) {
		log_warnx("out of memory");
		exit(EX_OSERR);
	}
	conf->is_foreign = agent_knows_token;
	if (conf_parse_file(conf, path, &err) < 0) {
		log_warnx("%s", err.msg);
		exit(EX_CONFIG);
	}
	return conf;
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
	struct inventory *inv = inventory_new(conf, loop_mono_usec());
	struct engine *eng = inv ? engine_new(inv, conf->capture_buffer) : NULL;
	struct mib *mib = inv ? mib_new(inv, agent_clock) : NULL;
	if (!eng || !mib) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	if (!opt.foreground && daemon_detach() < 0)
		return EX_OSERR;
	if (opt.pid_path && daemon_pidfile_write(opt.pid_path) < 0)
		return EX_OSERR;
	daemon_signals();
	if (agent_start(conf, mib) < 0)
		return EX_SOFTWARE;
	log_info("started: %zu networks, %zu VMs", inventory_net_count(inv),
		 inventory_vm_count(inv));

	int rc = loop_run(eng, &agent_loop_client, &daemon_stop);

	log_info("stopping");
	agent_stop();
	if (opt.pid_path)
		daemon_pidfile_remove(opt.pid_path);
	mib_free(mib);
	engine_free(eng);
	inventory_free(inv);
	conf_free(conf);
	return rc < 0 ? EX_OSERR : 0;
}
