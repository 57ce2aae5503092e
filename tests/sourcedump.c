/*
 * sourcedump: one discovery source alone, for trying it against a real
 * hypervisor and for the integration tests.
 *
 * Opens the source of that kind (source.h) on ARG (the source's default
 * without one), runs a poll loop over its descriptors as the daemon does,
 * and each time it says its records changed prints what changed, then
 * every record. Exits on SIGTERM or SIGINT.
 *
 * usage: sourcedump [-v] KIND [ARG]     (-v: debug messages on stderr)
 *
 * Output on stdout, each line led by the seconds since start:
 *   T change +NAME | -NAME | NAME state OLD->NEW | NAME runs OLD->NEW
 *                  | NAME vnics              (the vNICs changed)
 *   T records N
 *   T domain NAME UUID|- STATE runs=R pid=P vnics=K
 *   T   vnic MAC if=IFNAME|- bridge=BRIDGE|- lower=DEV|- vlan=N pinned=0|1
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"
#include "mac.h"
#include "source.h"
#include "sources.h"

#define MAX_FDS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig) { stop = 1; }

static int64_t mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t start_usec;

static void stamp(void)
{
	int64_t t = mono_usec() - start_usec;
	printf("%lld.%03lld ", (long long)(t / 1000000), (long long)(t / 1000 % 1000));
}

static const char *state_name(enum domain_state s)
{
	switch (s) {
	case DOMAIN_RUNNING:
		return "running";
	case DOMAIN_PAUSED:
		return "paused";
	case DOMAIN_OFF:
		return "off";
	case DOMAIN_SAVED:
		return "saved";
	default:
		return "unknown";
	}
}

static const char *or_dash(const char *s) { return *s ? s : "-"; }

/* The records as last printed. */
static struct domain_record *last;
static size_t nlast;

static bool same_key(const struct domain_record *a, const struct domain_record *b)
{
	return *a->uuid ? !strcmp(a->uuid, b->uuid) : !strcmp(a->name, b->name);
}

static const struct domain_record *find(const struct domain_record *recs, size_t n,
					const struct domain_record *key)
{
	for (size_t i = 0; i < n; i++)
		if (same_key(&recs[i], key))
			return &recs[i];
	return NULL;
}

static void dump(const struct source_ops *ops, struct source *src)
{
	size_t n = ops->count(src);
	struct domain_record *now = calloc(n + 1, sizeof *now);
	if (!now) {
		log_warn("sourcedump");
		return;
	}
	for (size_t i = 0; i < n; i++)
		now[i] = *ops->record(src, i);

	for (size_t i = 0; i < nlast; i++)
		if (!find(now, n, &last[i])) {
			stamp();
			printf("change -%s\n", last[i].name);
		}
	for (size_t i = 0; i < n; i++) {
		const struct domain_record *r = &now[i], *old = find(last, nlast, r);
		if (!old) {
			stamp();
			printf("change +%s\n", r->name);
			continue;
		}
		if (strcmp(old->name, r->name)) {
			stamp();
			printf("change %s name %s->%s\n", r->name, old->name, r->name);
		}
		if (old->state != r->state) {
			stamp();
			printf("change %s state %s->%s\n", r->name, state_name(old->state),
			       state_name(r->state));
		}
		if (old->runs != r->runs) {
			stamp();
			printf("change %s runs %u->%u\n", r->name, old->runs, r->runs);
		}
		if (!domain_vnics_equal(old, r)) {
			stamp();
			printf("change %s vnics\n", r->name);
		}
	}

	stamp();
	printf("records %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct domain_record *r = &now[i];
		stamp();
		printf("domain %s %s %s runs=%u pid=%d vnics=%zu\n", r->name, or_dash(r->uuid),
		       state_name(r->state), r->runs, r->pid, r->nvnics);
		for (size_t k = 0; k < r->nvnics; k++) {
			const struct domain_vnic *v = &r->vnics[k];
			char mac[MAC_STRLEN];
			stamp();
			printf("  vnic %s if=%s bridge=%s lower=%s vlan=%u pinned=%d\n",
			       mac_format(v->mac, mac), or_dash(v->ifname), or_dash(v->bridge),
			       or_dash(v->lower), v->vlan, v->pinned);
		}
	}
	fflush(stdout);
	free(last);
	last = now;
	nlast = n;
}

int main(int argc, char **argv)
{
	int opt;
	bool verbose = false;
	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v') {
			fprintf(stderr, "usage: sourcedump [-v] KIND [ARG] [run=DIR]\n");
			return 2;
		}
		verbose = true;
	}
	if (optind >= argc || argc - optind > 3) {
		fprintf(stderr, "usage: sourcedump [-v] KIND [ARG] [run=DIR]\n");
		return 2;
	}
	const struct source_ops *ops = sources_find(argv[optind]);
	if (!ops) {
		fprintf(stderr, "sourcedump: no source '%s' (known: %s)\n", argv[optind],
			sources_kinds());
		return 2;
	}
	/* The source's 'discover' line, as the configuration would give it. */
	struct conf_source cs = { .arg = "" };
	snprintf(cs.kind, sizeof cs.kind, "%s", argv[optind]);
	for (int i = optind + 1; i < argc; i++) {
		if (!strncmp(argv[i], "run=", 4))
			snprintf(cs.run_dir, sizeof cs.run_dir, "%s", argv[i] + 4);
		else
			snprintf(cs.arg, sizeof cs.arg, "%s", argv[i]);
	}

	log_init("sourcedump", LOG_TO_STDERR, NULL);
	if (verbose)
		log_set_level(LOG_DEBUG);
	/* No SA_RESTART: a signal ends the poll at once. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	start_usec = mono_usec();
	struct source *src = ops->open(&cs, mono_usec());
	if (!src)
		return 1;
	dump(ops, src);
	while (!stop) {
		struct pollfd fds[MAX_FDS];
		int timeout = -1;
		size_t n = ops->pollfds(src, fds, MAX_FDS, &timeout);
		if (poll(fds, n, timeout) < 0) {
			if (errno != EINTR) {
				log_warn("poll");
				break;
			}
			for (size_t i = 0; i < n; i++)
				fds[i].revents = 0;
		}
		if (ops->handle(src, fds, n, mono_usec()))
			dump(ops, src);
	}
	ops->close(src);
	free(last);
	stamp();
	printf("stopped\n");
	return 0;
}
