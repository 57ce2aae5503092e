#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

void options_usage(FILE *out, const char *default_conf)
{
	fprintf(out,
		"usage: vsacctd [-f] [-c FILE] [-x AGENTX-SOCKET] [-L LOGOPT] [-p PIDFILE] [-u USER] [-D] [-V] [-h]\n"
		"  -f                stay in the foreground (and log to stderr unless -L says otherwise)\n"
		"  -c FILE           configuration file (default %s)\n"
		"  -x AGENTX-SOCKET  the master agent's AgentX socket, as snmpd's -x\n"
		"  -L LOGOPT         where to log: e stderr, o stdout, f FILE, s syslog, n nowhere;\n"
		"                    E, O, F, S take a highest priority first (-LE debug)\n"
		"  -p PIDFILE        write the process id to PIDFILE\n"
		"  -u USER           run as USER once captures and files are open\n"
		"  -D                countMethod ebpf: stop counting in the kernel (detach the\n"
		"                    programs, remove the pinned maps in bpfPinDir) and exit\n"
		"  -V                print the versions and the counting methods built in, and exit\n"
		"  -h                print this help and exit\n",
		default_conf);
}

static int parse_priority(const char *s)
{
	static const char *names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
	if (s[0] >= '0' && s[0] <= '7' && !s[1])
		return s[0] - '0';
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return -1;
}

/* -L SPEC [ARGS]: spec is what follows L; further words come from argv. */
static int parse_log(const char *spec, int argc, char **argv, struct options *opt,
		     char *err, size_t errlen)
{
	char kind = spec[0];
	const char *rest = spec[0] ? spec + 1 : spec;
	/* The next word, or what is glued to the option ("-Lf/tmp/log"). */
#define NEXT_WORD() (*rest ? rest : (optind < argc ? argv[optind++] : NULL))
	opt->log_chosen = true;
	if (kind >= 'A' && kind <= 'Z') {
		const char *pri = NEXT_WORD();
		rest = "";
		if (!pri || (opt->log_level = parse_priority(pri)) < 0) {
			snprintf(err, errlen, "-L%c needs a priority (0-7 or a name)", kind);
			return -1;
		}
		kind = (char)(kind - 'A' + 'a');
	}
	/* Net-SNMP's -Ls takes a facility letter; vsacctd logs as daemon and
	 * accepts d alone. Nothing else may follow. */
	if ((kind == 'e' || kind == 'o' || kind == 'n' || kind == 's') && *rest &&
	    !(kind == 's' && !strcmp(rest, "d"))) {
		snprintf(err, errlen, "unknown log option -L%s", spec);
		return -1;
	}
	switch (kind) {
	case 'e': opt->log_target = LOG_TO_STDERR; return 0;
	case 'o': opt->log_target = LOG_TO_STDOUT; return 0;
	case 's': opt->log_target = LOG_TO_SYSLOG; return 0;
	case 'n': opt->log_target = LOG_TO_NOTHING; return 0;
	case 'f':
		opt->log_target = LOG_TO_FILE;
		opt->log_path = NEXT_WORD();
		if (!opt->log_path) {
			snprintf(err, errlen, "-Lf needs a file");
			return -1;
		}
		return 0;
	}
#undef NEXT_WORD
	snprintf(err, errlen, "unknown log option -L%s", spec);
	return -1;
}

int options_parse(int argc, char **argv, const char *default_conf,
		  struct options *opt, char *err, size_t errlen)
{
	memset(opt, 0, sizeof *opt);
	opt->conf_path = default_conf;
	opt->log_level = LOG_INFO;
	optind = 0; /* glibc: 0 also resets its position inside grouped flags */
	opterr = 0;
	int c;
	while ((c = getopt(argc, argv, ":fc:x:L:p:u:DVh")) != -1) {
		switch (c) {
		case 'f': opt->foreground = true; break;
		case 'c': opt->conf_path = optarg; break;
		case 'x': opt->agentx_socket = optarg; break;
		case 'p': opt->pid_path = optarg; break;
		case 'u': opt->user = optarg; break;
		case 'V': opt->show_version = true; break;
		case 'D': opt->remove_ebpf = true; break;
		case 'h': opt->show_help = true; break;
		case 'L':
			if (parse_log(optarg, argc, argv, opt, err, errlen) < 0)
				return -1;
			break;
		case ':':
			snprintf(err, errlen, "-%c needs an argument", optopt);
			return -1;
		default:
			snprintf(err, errlen, "unknown option -%c", optopt);
			return -1;
		}
	}
	if (optind != argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!opt->log_chosen)
		opt->log_target = opt->foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG;
	return 0;
}
