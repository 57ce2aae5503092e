/*
 * options: vsacctd's command line (DESIGN §4).
 *
 *   vsacctd [-f] [-c FILE] [-x AGENTX-SOCKET] [-L LOGOPT] [-p PIDFILE] [-u USER] [-V] [-h]
 *
 * -L takes Net-SNMP's logging options: e (stderr), o (stdout), f FILE,
 * s (syslog), n (nothing); the upper-case E, O, F, S take a highest
 * priority first (0-7 or a name: -LE debug).
 */
#ifndef VS_OPTIONS_H
#define VS_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "log.h"

struct options {
	bool foreground;
	const char *conf_path;
	const char *agentx_socket; /* NULL: from the config or Net-SNMP's default */
	const char *pid_path;
	const char *user;          /* NULL: the config's 'user', or stay root */
	bool log_chosen;           /* -L given; else stderr with -f, syslog without */
	enum log_target log_target;
	const char *log_path;
	int log_level;
	bool show_version;
	bool remove_ebpf;          /* -D: detach and unpin the eBPF method, exit */
	bool show_help;
};

/* Parses argv into opt (defaults first). Returns 0, or -1 with a message in
 * err (errlen bytes) for a bad command line. */
int options_parse(int argc, char **argv, const char *default_conf,
		  struct options *opt, char *err, size_t errlen);

/* Prints the usage lines. */
void options_usage(FILE *out, const char *default_conf);

#endif
