/*
 * vsacctd: per-VM and per-network traffic accounting for a Linux
 * hypervisor host.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "inventory.h"
#include "log.h"
#include "loop.h"

#ifndef VSACCTD_CONF
#define VSACCTD_CONF "/etc/snmp/vsacctd.conf"
#endif

struct options {
	bool foreground;
	bool debug;
	const char *conf_path;
	const char *pid_path;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vsacctd [-f] [-d] [-c FILE] [-p PIDFILE] [-V] [-h]\n"
		"  -f          stay in the foreground, log to stderr\n"
		"  -d          log debugging messages\n"
		"  -c FILE     configuration file (default " VSACCTD_CONF ")\n"
		"  -p PIDFILE  write the process id to PIDFILE\n"
		"  -V          print the version and exit\n"
		"  -h          print this help and exit\n");
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	int c;
	opt->conf_path = VSACCTD_CONF;
	while ((c = getopt(argc, argv, "fdc:p:Vh")) != -1) {
		switch (c) {
		case 'f': opt->foreground = true; break;
		case 'd': opt->debug = true; break;
		case 'c': opt->conf_path = optarg; break;
		case 'p': opt->pid_path = optarg; break;
		case 'V': printf("vsacctd %s\n", PACKAGE_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(EX_USAGE);
	}
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	parse_options(argc, argv, &opt);
	log_init("vsacctd", opt.foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG);
	log_set_debug(opt.debug);

	struct conf *conf = conf_new();
	struct conf_error err;
	if (!conf) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	if (conf_parse_file(conf, opt.conf_path, &err) < 0) {
		fprintf(stderr, "vsacctd: %s\n", err.msg);
		return EX_CONFIG;
	}
	struct inventory *inv = inventory_new(conf, loop_mono_usec());
	struct engine *eng = inv ? engine_new(inv, conf->capture_buffer) : NULL;
	if (!eng) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	if (!opt.foreground && daemon_detach() < 0)
		return EX_OSERR;
	if (opt.pid_path && daemon_pidfile_write(opt.pid_path) < 0)
		return EX_OSERR;
	daemon_signals();
	log_info("started: %zu networks, %zu VMs", inventory_net_count(inv),
		 inventory_vm_count(inv));

	int rc = loop_run(eng, NULL, &daemon_stop);

	log_info("stopping");
	if (opt.pid_path)
		daemon_pidfile_remove(opt.pid_path);
	engine_free(eng);
	inventory_free(inv);
	conf_free(conf);
	return rc < 0 ? EX_OSERR : 0;
}
