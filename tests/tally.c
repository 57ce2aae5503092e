/*
 * tally: the capture side of vsacctd alone, for the integration tests.
 *
 * Runs the daemon's counting side and loop on a configuration and writes every
 * counter to a file on SIGUSR1 (and on SIGTERM, before exiting), so a test
 * can compare what the capture counted with what the kernel counted. The
 * first dump, written once it runs, tells the test it may signal it.
 *
 * usage: tally -c CONF -o OUT
 * OUT lines (one writer, replaced atomically):
 *   net NAME bytes=B packets=P malformed=M drops=D state=S end=SEC hist=C1,…,C60
 *       rbytes=… rpackets=… dropped=… s1=C1,…,C60 … s6=… (each vsNetSeries)
 *   vnic VM INDEX MAC sent_bytes=… sent_packets=… recv_bytes=… recv_packets=… net=NAME|-
 *   vm NAME state=S sent_bytes=… sent_packets=… recv_bytes=… recv_packets=…
 *       vend=SEC v1=C1,…,C60 v2=… v3=… (each vsVmSeries, ending at the
 *       first network's end) usage=0|1 cpu_ns=… disk_rd=… disk_wr=…
 *       uptime=SECONDS|-
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "clock.h"
#include "counting.h"
#include "inventory.h"
#include "log.h"
#include "loop.h"

static volatile sig_atomic_t dump_requested;

static void on_usr1(int sig) { dump_requested = 1; }

static void print_seconds(FILE *fp, const char *key, const uint64_t h[ACCT_HISTORY_SECONDS])
{
	fprintf(fp, " %s=", key);
	for (int k = 0; k < ACCT_HISTORY_SECONDS; k++)
		fprintf(fp, "%s%llu", k ? "," : "", (unsigned long long)h[k]);
}

static void dump(struct inventory *inv, const char *out)
{
	int64_t vend = 0;
	int64_t real_offset = clock_real_usec() - clock_mono_usec();
	char tmp[1100];
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	FILE *fp = fopen(tmp, "w");
	if (!fp) {
		log_warn("%s", tmp);
		return;
	}
	for (size_t i = 0; i < inventory_net_count(inv); i++) {
		const struct inv_net *net = inventory_net(inv, i);
		uint64_t h[ACCT_HISTORY_SECONDS];
		int64_t end;
		acct_net_history(&net->acct, h, &end);
		fprintf(fp, "net %s bytes=%llu packets=%llu malformed=%llu drops=%llu state=%d end=%lld hist=",
			net->name, (unsigned long long)acct_net_carried(&net->acct).bytes,
			(unsigned long long)acct_net_carried(&net->acct).packets,
			(unsigned long long)acct_net_malformed(&net->acct),
			(unsigned long long)acct_net_drops(&net->acct), net->capture_state,
			(long long)end);
		for (int k = 0; k < ACCT_HISTORY_SECONDS; k++)
			fprintf(fp, "%s%llu", k ? "," : "", (unsigned long long)h[k]);
		if (!vend)
			vend = end;
		fprintf(fp, " rbytes=%llu rpackets=%llu dropped=%llu",
			(unsigned long long)acct_net_received(&net->acct).bytes,
			(unsigned long long)acct_net_received(&net->acct).packets,
			(unsigned long long)acct_net_dropped(&net->acct).packets);
		for (int series = 0; series < ACCT_NET_SERIES; series++) {
			char key[8];
			snprintf(key, sizeof key, "s%d", series + 1);
			acct_net_series_history(&net->acct, series, h, &end);
			print_seconds(fp, key, h);
		}
		fputc('\n', fp);
	}
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		const struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++) {
			const struct inv_vnic *v = &vm->vnics[j];
			struct acct_counts s = acct_port_sent(&v->acct);
			struct acct_counts r = acct_port_received(&v->acct);
			char mac[MAC_STRLEN];
			fprintf(fp, "vnic %s %u %s sent_bytes=%llu sent_packets=%llu recv_bytes=%llu recv_packets=%llu net=%s\n",
				vm->name, v->index, mac_format(v->mac, mac),
				(unsigned long long)s.bytes, (unsigned long long)s.packets,
				(unsigned long long)r.bytes, (unsigned long long)r.packets,
				v->net ? v->net->name : "-");
		}
		struct acct_counts s = inventory_vm_sent(vm);
		struct acct_counts r = inventory_vm_received(vm);
		fprintf(fp, "vm %s state=%d sent_bytes=%llu sent_packets=%llu recv_bytes=%llu recv_packets=%llu vend=%lld",
			vm->name, vm->state, (unsigned long long)s.bytes, (unsigned long long)s.packets,
			(unsigned long long)r.bytes, (unsigned long long)r.packets, (long long)vend);
		for (int series = 0; series < ACCT_VM_SERIES; series++) {
			char key[8];
			uint64_t h[ACCT_HISTORY_SECONDS];
			snprintf(key, sizeof key, "v%d", series + 1);
			inventory_vm_history(vm, series, vend, real_offset, h);
			print_seconds(fp, key, h);
		}
		struct acct_usage u = acct_vm_usage(&vm->acct);
		fprintf(fp, " usage=%d cpu_ns=%llu disk_rd=%llu disk_wr=%llu", acct_vm_has_usage(&vm->acct),
			(unsigned long long)u.cpu_time, (unsigned long long)u.rd_bytes,
			(unsigned long long)u.wr_bytes);
		if (vm->powerup_usec)
			fprintf(fp, " uptime=%lld\n", (long long)((clock_mono_usec() - vm->powerup_usec) / 1000000));
		else
			fprintf(fp, " uptime=-\n");
	}
	if (fclose(fp) != 0 || rename(tmp, out) != 0)
		log_warn("%s", out);
}

struct tally {
	struct counting *counting;
	const char *out;
};

static size_t tally_pollfds(void *ctx, struct pollfd *fds, size_t max, int *timeout_ms)
{
	return 0;
}

static void tally_handle(void *ctx, const struct pollfd *fds, size_t n, const struct loop_now *now)
{
	struct tally *t = ctx;
	if (!dump_requested)
		return;
	dump_requested = 0;
	counting_drain(t->counting);
	dump(counting_inventory(t->counting), t->out);
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL, *out = NULL;
	int c;
	while ((c = getopt(argc, argv, "c:o:")) != -1) {
		if (c == 'c')
			conf_path = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return 64;
	}
	if (!conf_path || !out) {
		fprintf(stderr, "usage: tally -c CONF -o OUT\n");
		return 64;
	}
	/* First of all: a test may ask for a dump at once, and SIGUSR1's
	 * default action is to terminate. */
	daemon_signals();
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	log_init("tally", LOG_TO_STDERR, NULL);
	struct conf *conf = conf_new();
	struct conf_error err;
	if (conf_parse_file(conf, conf_path, &err) < 0) {
		fprintf(stderr, "tally: %s\n", err.msg);
		return 78;
	}
	struct tally t = { .out = out };
	t.counting = counting_start(conf, clock_mono_usec(), NULL);
	if (!t.counting)
		return 1;

	/* A first dump says "ready": signals may be sent from now on. */
	dump(counting_inventory(t.counting), out);
	struct loop_client clients[] = {
		counting_loop_client(t.counting),
		{ tally_pollfds, tally_handle, &t, false },
	};
	int rc = loop_run(clients, sizeof clients / sizeof clients[0], &daemon_stop);
	counting_drain(t.counting);
	dump(counting_inventory(t.counting), out);
	counting_save(t.counting);
	counting_free(t.counting);
	return rc < 0 ? 1 : 0;
}
