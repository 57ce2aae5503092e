/*
 * snmpget_lat: the latency of SNMP GETs as a poller sees them, for the
 * latency benchmark (tests/bench/latency.sh).
 *
 * Sends COUNT GET requests (SNMPv2c, the OIDs given, numeric) one after the
 * other, INTERVAL_MS apart, and times each from the request's send to its
 * response's arrival: the same PDU snmpget sends, without the start-up of
 * a snmpget process (exec, library and configuration loading) in the
 * figure.
 *
 * usage: snmpget_lat [-c COMMUNITY] [-n COUNT] [-i INTERVAL_MS]
 *                    [-t TIMEOUT_MS] [-o SAMPLES_FILE] AGENT OID...
 *
 * Prints one line:
 *   gets=N answered=A timeouts=T errors=E p50=X p90=X p99=X max=X ms
 * (percentiles over the answered GETs, nearest rank, in milliseconds), and
 * with -o writes every latency (microseconds, one per line, in order).
 * Exits 0 when every GET was answered without an error or exception.
 *
 * Built by scripts/bench.sh (cc ... $(net-snmp-config --cflags --libs)).
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_OIDS 32

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values, in milliseconds. */
static double percentile_ms(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1] / 1000.0;
}

static void usage(void)
{
	fprintf(stderr, "usage: snmpget_lat [-c COMMUNITY] [-n COUNT] [-i INTERVAL_MS] "
			"[-t TIMEOUT_MS] [-o SAMPLES_FILE] AGENT OID...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *community = "public", *samples_path = NULL;
	long count = 1000, interval_ms = 10, timeout_ms = 2000;
	int opt;
	while ((opt = getopt(argc, argv, "c:n:i:t:o:")) != -1) {
		switch (opt) {
		case 'c': community = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'i': interval_ms = strtol(optarg, NULL, 10); break;
		case 't': timeout_ms = strtol(optarg, NULL, 10); break;
		case 'o': samples_path = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 2 || count < 1 || interval_ms < 0 || timeout_ms < 1)
		usage();
	const char *agent = argv[optind++];

	/* No MIB text and no configuration files: numeric OIDs only. */
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	init_snmp("snmpget_lat");

	oid oids[MAX_OIDS][MAX_OID_LEN];
	size_t lens[MAX_OIDS];
	int noids = 0;
	for (; optind < argc; optind++) {
		if (noids == MAX_OIDS) {
			fprintf(stderr, "snmpget_lat: at most %d OIDs\n", MAX_OIDS);
			return 2;
		}
		lens[noids] = MAX_OID_LEN;
		if (!snmp_parse_oid(argv[optind], oids[noids], &lens[noids])) {
			fprintf(stderr, "snmpget_lat: bad OID %s\n", argv[optind]);
			return 2;
		}
		noids++;
	}

	netsnmp_session session;
	snmp_sess_init(&session);
	session.version = SNMP_VERSION_2c;
	session.peername = (char *)agent;
	session.community = (u_char *)community;
	session.community_len = strlen(community);
	session.timeout = timeout_ms * 1000;
	session.retries = 0;
	void *ss = snmp_sess_open(&session);
	if (!ss) {
		snmp_sess_perror("snmpget_lat", &session);
		return 2;
	}

	double *lat = calloc((size_t)count, sizeof *lat);
	double *all = calloc((size_t)count, sizeof *all);
	if (!lat || !all) {
		fprintf(stderr, "snmpget_lat: out of memory\n");
		return 2;
	}
	size_t answered = 0, timeouts = 0, errors = 0;
	double next = now_us();
	for (long i = 0; i < count; i++) {
		double wait = next - now_us();
		if (wait > 0)
			usleep((useconds_t)wait);
		next += interval_ms * 1000.0;

		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *response = NULL;
		for (int k = 0; k < noids; k++)
			snmp_add_null_var(pdu, oids[k], lens[k]);
		double t0 = now_us();
		int status = snmp_sess_synch_response(ss, pdu, &response);
		double dt = now_us() - t0;
		all[i] = -1;
		if (status == STAT_SUCCESS && response && response->errstat == SNMP_ERR_NOERROR) {
			bool exception = false;
			for (netsnmp_variable_list *vb = response->variables; vb; vb = vb->next_variable)
				exception |= vb->type == SNMP_NOSUCHOBJECT || vb->type == SNMP_NOSUCHINSTANCE ||
					     vb->type == SNMP_ENDOFMIBVIEW;
			if (exception)
				errors++;
			lat[answered++] = dt;
			all[i] = dt;
		} else if (status == STAT_TIMEOUT) {
			timeouts++;
		} else {
			errors++;
		}
		if (response)
			snmp_free_pdu(response);
	}
	snmp_sess_close(ss);

	if (samples_path) {
		FILE *f = fopen(samples_path, "w");
		if (!f) {
			fprintf(stderr, "snmpget_lat: %s: %s\n", samples_path, strerror(errno));
			return 2;
		}
		for (long i = 0; i < count; i++)
			fprintf(f, all[i] < 0 ? "timeout\n" : "%.0f\n", all[i]);
		fclose(f);
	}
	qsort(lat, answered, sizeof *lat, by_value);
	printf("gets=%ld answered=%zu timeouts=%zu errors=%zu p50=%.3f p90=%.3f p99=%.3f max=%.3f ms\n",
	       count, answered, timeouts, errors, percentile_ms(lat, answered, 50),
	       percentile_ms(lat, answered, 90), percentile_ms(lat, answered, 99),
	       answered ? lat[answered - 1] / 1000.0 : 0.0);
	free(lat);
	free(all);
	return timeouts == 0 && errors == 0 ? 0 : 1;
}
