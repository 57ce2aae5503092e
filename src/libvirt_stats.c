#include "libvirt_stats.h"

#include <libvirt/virterror.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"

#define USEC_PER_SEC 1000000LL
/* How far into the wall clock's second a reading is made. */
#define PHASE_USEC 50000

static uint64_t typed_ull(virTypedParameterPtr params, int n, const char *name)
{
	unsigned long long v = 0;
	if (virTypedParamsGetULLong(params, n, name, &v) != 1)
		v = 0;
	return v;
}

/* One domain's record made a domain_usage read at now. */
static struct domain_usage usage_of(virDomainStatsRecordPtr stats, int64_t now)
{
	virTypedParameterPtr p = stats->params;
	int np = stats->nparams;
	struct domain_usage u = { .known = true, .read_usec = now,
				  .cpu_time = typed_ull(p, np, "cpu.time") };
	unsigned int disks = 0;
	if (virTypedParamsGetUInt(p, np, "block.count", &disks) != 1)
		disks = 0;
	for (unsigned int k = 0; k < disks; k++) {
		char name[64];
		snprintf(name, sizeof name, "block.%u.rd.bytes", k);
		u.rd_bytes += typed_ull(p, np, name);
		snprintf(name, sizeof name, "block.%u.wr.bytes", k);
		u.wr_bytes += typed_ull(p, np, name);
		snprintf(name, sizeof name, "block.%u.rd.reqs", k);
		u.rd_ops += typed_ull(p, np, name);
		snprintf(name, sizeof name, "block.%u.wr.reqs", k);
		u.wr_ops += typed_ull(p, np, name);
	}
	return u;
}

int libvirt_stats_read(virConnectPtr conn, libvirt_stats_each *each, void *ctx)
{
	virDomainStatsRecordPtr *stats = NULL;
	unsigned int what = VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BLOCK | VIR_DOMAIN_STATS_STATE;
	int64_t before = clock_real_usec();
	int n = virConnectGetAllDomainStats(conn, what, &stats, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
	/* libvirtd read them somewhere in between: a busy libvirtd answers
	 * late, and the middle is nearer than either end. */
	int64_t now = before + (clock_real_usec() - before) / 2;
	log_debug("libvirt: domain statistics of %d domains at %lld.%06lld", n,
		  (long long)(now / USEC_PER_SEC), (long long)(now % USEC_PER_SEC));
	if (n < 0) {
		const char *msg = virGetLastErrorMessage();
		log_debug("libvirt: domain statistics: %s", msg ? msg : "unknown error");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		unsigned char uuid[VIR_UUID_BUFLEN];
		if (virDomainGetUUID(stats[i]->dom, uuid) < 0)
			continue;
		struct domain_usage u = usage_of(stats[i], now);
		each(uuid, &u, ctx);
	}
	virDomainStatsRecordListFree(stats);
	return 0;
}

int64_t libvirt_stats_next(void)
{
	/* From the clocks now, not the loop turn's (older) time; at least half
	 * a second on, so that a reading made a little before the phase point
	 * (a timer rounded) is not followed by another at once. */
	int64_t real = clock_real_usec();
	int64_t wait = USEC_PER_SEC - real % USEC_PER_SEC + PHASE_USEC;
	if (wait < USEC_PER_SEC / 2)
		wait += USEC_PER_SEC;
	else if (wait > USEC_PER_SEC + USEC_PER_SEC / 2)
		wait -= USEC_PER_SEC;
	return clock_mono_usec() + wait;
}
