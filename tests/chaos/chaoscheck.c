/*
 * chaoscheck — the chaos suite's invariants, checked over the records its
 * driver, poller and walkers wrote (tests/chaos/README.md).
 *
 * Reads records, one a line, from the files named (or stdin); fields are
 * blank-separated, times are seconds since the epoch:
 *
 *   poll T0 T1 KEY DISC C1 [C2 ...]  one row's counters and discontinuity
 *                                 time as one GET PDU, sent at T0 and
 *                                 answered by T1, returned them
 *   get T | walk T N              a GET, a walk of N varbinds, answered
 *   timeout T0 T1 WHAT            a poll that got no answer from T0 to T1
 *   down T0 T1                    the master was down from T0 to T1 (these
 *                                 records come before the reads they cover)
 *   fault T KIND ARGS...          a fault injected
 *   exit T PID                    vsacctd exited without being told to
 *   rss T PID KB                  vsacctd's resident set
 *   cp T                          a checkpoint, traffic paused and drained:
 *   port NAME NET LIFE KB KP SIZE   a bridge port's kernel rx counters in
 *                                   its LIFE-th life (a new veth starts at
 *                                   0), on NET since the last checkpoint,
 *                                   every frame it carries SIZE bytes long
 *   vm NAME PORT DISC CB CP         a VM's sent bytes and packets (PORT is
 *                                   its vNIC's host interface)
 *   net NAME DISC CB CP DROPS       a network's bytes, packets, drops
 *   end                           end of the checkpoint
 *
 * Invariants (issue 17):
 * - a counter never goes back unless its row's discontinuity time changed
 *   in the same read, or the master re-initialized since the last read
 *   (its sysUpTime restarted: every TimeStamp of a discontinuity before
 *   then reads 0, and a manager takes any counter as discontinuous, RFC
 *   2578 7.1.6);
 * - between two checkpoints, for each VM and network: what the kernel
 *   counted = what was counted + what the MIB says was lost, to the byte.
 *   Lost frames are capture drops (a network's drops grow by exactly its
 *   missing frames while its discontinuity time stays) or the gap of a
 *   discontinuity. Every port sends frames of one size, so the frames
 *   missing say how many bytes must be missing;
 * - a VM's new life (a new veth) restarts its counters with its
 *   discontinuity time moved;
 * - a poll times out only while overlapping an outage of the master;
 * - vsacctd never exits by itself;
 * - RSS flat: after --rss-warmup seconds of a vsacctd process, it grows by
 *   no more than --rss-slack KiB.
 *
 * Prints each violation, then "chaoscheck: F faults, P polls, B bytes
 * compared, V violations"; exits 1 when V > 0, 2 on bad input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16
#define MAX_ROWS 256
#define NAME_LEN 32

struct poll_row {
	char key[NAME_LEN];
	double t;
	char disc[NAME_LEN];
	int ncounters;
	uint64_t counters[MAX_FIELDS];
};

struct port_rec {
	char name[NAME_LEN], net[NAME_LEN];
	long life;
	int64_t kb, kp, size;
	bool seen_now;
};

struct vm_rec {
	char name[NAME_LEN], port[NAME_LEN], disc[NAME_LEN];
	long life;
	int64_t cb, cp;
	int64_t missing; /* frames missing in the current interval */
	bool seen_now;
};

struct net_rec {
	char name[NAME_LEN], disc[NAME_LEN];
	int64_t cb, cp, drops;
	bool seen_now;
};

struct interval {
	double t0, t1;
	char what[NAME_LEN];
};

struct rss_proc {
	long pid;
	double first_t, base_t;
	long base_kb, max_kb;
	bool reported;
};

/* A checkpoint's records, and the previous checkpoint's. */
struct checkpoint {
	double t;
	int nports, nvms, nnets;
	struct port_rec ports[MAX_ROWS];
	struct vm_rec vms[MAX_ROWS];
	struct net_rec nets[MAX_ROWS];
};

static struct {
	struct poll_row rows[MAX_ROWS];
	int nrows;
	struct checkpoint prev, cur;
	bool have_prev, in_cp;
	int checkpoints, reinit_intervals;
	struct interval downs[4096], timeouts[4096];
	int ndowns, ntimeouts;
	struct rss_proc rss[256];
	int nrss;
	double rss_warmup;
	long rss_slack_kb;
	long faults, polls, violations;
	int64_t bytes_compared;
	const char *where; /* "file:line" of the record being read */
} st;

static void violation(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("chaoscheck: VIOLATION (%s): ", st.where);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	st.violations++;
}

static void bad_input(const char *why)
{
	fprintf(stderr, "chaoscheck: %s: %s\n", st.where, why);
	exit(2);
}

static int64_t num(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		bad_input("not a number");
	return v;
}

static double when(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end != '\0')
		bad_input("not a time");
	return v;
}

static void copy_name(char *dst, const char *src)
{
	if (strlen(src) >= NAME_LEN)
		bad_input("name too long");
	strcpy(dst, src);
}

/* --- a counter never goes back unless its discontinuity moved ----------- */

/* Whether the master may have been killed between a read sent at t0 and
 * one answered by t1 (a read sent before the kill may be answered, after
 * its retries, by the new master). */
static bool master_reinit(double t0, double t1)
{
	for (int i = 0; i < st.ndowns; i++)
		if (st.downs[i].t0 > t0 && st.downs[i].t0 < t1)
			return true;
	return false;
}

static void on_poll(int n, char **f)
{
	if (n < 6 || n - 5 > MAX_FIELDS)
		bad_input("poll T0 T1 KEY DISC C1 [C2 ...]");
	const int ncounters = n - 5;
	struct poll_row *row = NULL;
	for (int i = 0; i < st.nrows; i++)
		if (strcmp(st.rows[i].key, f[3]) == 0)
			row = &st.rows[i];
	uint64_t now[MAX_FIELDS];
	for (int i = 0; i < ncounters; i++)
		now[i] = (uint64_t)num(f[5 + i]);
	double sent = when(f[1]), answered = when(f[2]);
	if (row && strcmp(row->disc, f[4]) == 0 && row->ncounters == ncounters &&
	    !master_reinit(row->t, answered))
		for (int i = 0; i < ncounters; i++)
			if (now[i] < row->counters[i])
				violation("%s counter %d went back from %" PRIu64 " to %" PRIu64
					  " at %s with its discontinuity time still %s",
					  f[3], i + 1, row->counters[i], now[i], f[1], f[4]);
	if (!row) {
		if (st.nrows == MAX_ROWS)
			bad_input("too many rows");
		row = &st.rows[st.nrows++];
		copy_name(row->key, f[3]);
	}
	copy_name(row->disc, f[4]);
	row->t = sent;
	row->ncounters = ncounters;
	memcpy(row->counters, now, sizeof(now));
}

/* --- checkpoints: kernel = counted + lost, to the byte ------------------ */

static struct port_rec *find_port(struct checkpoint *cp, const char *name)
{
	for (int i = 0; i < cp->nports; i++)
		if (strcmp(cp->ports[i].name, name) == 0)
			return &cp->ports[i];
	return NULL;
}

static struct vm_rec *find_vm(struct checkpoint *cp, const char *name)
{
	for (int i = 0; i < cp->nvms; i++)
		if (strcmp(cp->vms[i].name, name) == 0)
			return &cp->vms[i];
	return NULL;
}

static struct net_rec *find_net(struct checkpoint *cp, const char *name)
{
	for (int i = 0; i < cp->nnets; i++)
		if (strcmp(cp->nets[i].name, name) == 0)
			return &cp->nets[i];
	return NULL;
}

/* What a port's kernel counters grew by since the last checkpoint: from 0
 * for a veth born since (a new life). */
static void port_delta(const struct port_rec *p, int64_t *kb, int64_t *kp)
{
	const struct port_rec *before = find_port(&st.prev, p->name);
	bool same_life = before && before->life == p->life;
	*kb = p->kb - (same_life ? before->kb : 0);
	*kp = p->kp - (same_life ? before->kp : 0);
}

static void check_vm(struct vm_rec *vm, bool reinit)
{
	struct port_rec *port = find_port(&st.cur, vm->port);
	if (!port) {
		violation("vm %s: its port %s has no record", vm->name, vm->port);
		return;
	}
	vm->life = port->life;
	const struct vm_rec *before = find_vm(&st.prev, vm->name);
	bool same_life = before && before->life == vm->life;
	if (before && !same_life && !reinit && strcmp(before->disc, vm->disc) == 0)
		violation("vm %s: a new life (veth %ld) without its discontinuity time moving (%s)",
			  vm->name, vm->life, vm->disc);
	int64_t kb, kp;
	port_delta(port, &kb, &kp);
	int64_t cb = vm->cb - (same_life ? before->cb : 0);
	int64_t cp = vm->cp - (same_life ? before->cp : 0);
	vm->missing = kp - cp;
	if (vm->missing < 0)
		violation("vm %s: counted %" PRId64 " frames, the kernel %" PRId64, vm->name, cp, kp);
	else if (kb - cb != port->size * vm->missing)
		violation("vm %s: the kernel counted %" PRId64 " bytes in %" PRId64
			  " frames, the MIB %" PRId64 " in %" PRId64 " (%" PRId64
			  " frames of %" PRId64 " bytes missing, so %" PRId64 " bytes, not %" PRId64 ")",
			  vm->name, kb, kp, cb, cp, vm->missing, port->size,
			  port->size * vm->missing, kb - cb);
}

static void check_net(const struct net_rec *net, bool reinit)
{
	const struct net_rec *before = find_net(&st.prev, net->name);
	if (!before)
		return; /* a network's counters have no life: a first sight is a base */
	bool same_disc = !reinit && strcmp(before->disc, net->disc) == 0;
	int64_t kb = 0, kp = 0, known_bytes = 0, known_frames = 0;
	const struct port_rec *unknown = NULL;
	int64_t unknown_kp = 0;
	int nunknown = 0;
	for (int i = 0; i < st.cur.nports; i++) {
		const struct port_rec *p = &st.cur.ports[i];
		if (strcmp(p->net, net->name) != 0)
			continue;
		int64_t pb, pp;
		port_delta(p, &pb, &pp);
		kb += pb;
		kp += pp;
		const struct vm_rec *vm = NULL;
		for (int j = 0; j < st.cur.nvms; j++)
			if (strcmp(st.cur.vms[j].port, p->name) == 0)
				vm = &st.cur.vms[j];
		if (vm) {
			known_frames += vm->missing;
			known_bytes += p->size * vm->missing;
		} else {
			unknown = p;
			unknown_kp = pp;
			nunknown++;
		}
	}
	st.bytes_compared += kb;
	int64_t cb = net->cb - before->cb, cp = net->cp - before->cp;
	int64_t missing = kp - cp, drops = net->drops - before->drops;
	if (same_disc && missing != drops)
		violation("net %s: %" PRId64 " frames missing (kernel %" PRId64 ", counted %" PRId64
			  "), but the capture reports %" PRId64 " dropped and no discontinuity",
			  net->name, missing, kp, cp, drops);
	if (missing < 0)
		return; /* said above */
	if (nunknown > 1) {
		violation("net %s: %d ports that are no VM's: the missing bytes cannot be told",
			  net->name, nunknown);
		return;
	}
	int64_t rest = missing - known_frames;
	if (rest < 0 || rest > unknown_kp || (rest > 0 && !unknown))
		violation("net %s: %" PRId64 " frames missing, the VMs on it miss %" PRId64,
			  net->name, missing, known_frames);
	else if (kb - cb != known_bytes + (unknown ? unknown->size * rest : 0))
		violation("net %s: the kernel counted %" PRId64 " bytes in %" PRId64
			  " frames, the MIB %" PRId64 " in %" PRId64 "; the %" PRId64
			  " missing frames make %" PRId64 " bytes",
			  net->name, kb, kp, cb, cp, missing,
			  known_bytes + (unknown ? unknown->size * rest : 0));
}

static void on_checkpoint_end(void)
{
	if (st.have_prev) {
		bool reinit = master_reinit(st.prev.t, st.cur.t);
		st.reinit_intervals += reinit;
		for (int i = 0; i < st.cur.nvms; i++)
			check_vm(&st.cur.vms[i], reinit);
		for (int i = 0; i < st.cur.nnets; i++)
			check_net(&st.cur.nets[i], reinit);
	} else {
		for (int i = 0; i < st.cur.nvms; i++) {
			struct port_rec *port = find_port(&st.cur, st.cur.vms[i].port);
			st.cur.vms[i].life = port ? port->life : 0;
		}
	}
	/* Rows absent now (a VM off, a port deleted) keep their last record:
	 * a VM's next life compares its discontinuity time with it. */
	for (int i = 0; i < st.prev.nports; i++)
		if (!find_port(&st.cur, st.prev.ports[i].name) && st.cur.nports < MAX_ROWS)
			st.cur.ports[st.cur.nports++] = st.prev.ports[i];
	for (int i = 0; i < st.prev.nvms; i++)
		if (!find_vm(&st.cur, st.prev.vms[i].name) && st.cur.nvms < MAX_ROWS)
			st.cur.vms[st.cur.nvms++] = st.prev.vms[i];
	for (int i = 0; i < st.prev.nnets; i++)
		if (!find_net(&st.cur, st.prev.nets[i].name) && st.cur.nnets < MAX_ROWS)
			st.cur.nets[st.cur.nnets++] = st.prev.nets[i];
	st.prev = st.cur;
	st.have_prev = true;
	st.in_cp = false;
	st.checkpoints++;
}

static void on_checkpoint_record(int n, char **f)
{
	struct checkpoint *cp = &st.cur;
	if (!st.in_cp)
		bad_input("a checkpoint record outside cp … end");
	if (strcmp(f[0], "port") == 0) {
		if (n != 7 || cp->nports == MAX_ROWS)
			bad_input("port NAME NET LIFE KB KP SIZE");
		struct port_rec *p = &cp->ports[cp->nports++];
		copy_name(p->name, f[1]);
		copy_name(p->net, f[2]);
		p->life = (long)num(f[3]);
		p->kb = num(f[4]);
		p->kp = num(f[5]);
		p->size = num(f[6]);
	} else if (strcmp(f[0], "vm") == 0) {
		if (n != 6 || cp->nvms == MAX_ROWS)
			bad_input("vm NAME PORT DISC CB CP");
		struct vm_rec *v = &cp->vms[cp->nvms++];
		memset(v, 0, sizeof(*v));
		copy_name(v->name, f[1]);
		copy_name(v->port, f[2]);
		copy_name(v->disc, f[3]);
		v->cb = num(f[4]);
		v->cp = num(f[5]);
	} else {
		if (n != 6 || cp->nnets == MAX_ROWS)
			bad_input("net NAME DISC CB CP DROPS");
		struct net_rec *net = &cp->nets[cp->nnets++];
		copy_name(net->name, f[1]);
		copy_name(net->disc, f[2]);
		net->cb = num(f[3]);
		net->cp = num(f[4]);
		net->drops = num(f[5]);
	}
}

/* --- polls, exits, RSS -------------------------------------------------- */

static void on_interval(struct interval *list, int *count, int n, char **f)
{
	if (n < 3 || *count == 4096)
		bad_input("KIND T0 T1 [WHAT]");
	struct interval *iv = &list[(*count)++];
	iv->t0 = when(f[1]);
	iv->t1 = when(f[2]);
	copy_name(iv->what, n > 3 ? f[3] : "-");
}

static void check_timeouts(void)
{
	for (int i = 0; i < st.ntimeouts; i++) {
		const struct interval *t = &st.timeouts[i];
		bool covered = false;
		for (int j = 0; j < st.ndowns && !covered; j++)
			covered = t->t0 <= st.downs[j].t1 && t->t1 >= st.downs[j].t0;
		if (!covered)
			violation("a %s timed out from %.3f to %.3f while the master was up",
				  t->what, t->t0, t->t1);
	}
}

static void on_rss(int n, char **f)
{
	if (n != 4)
		bad_input("rss T PID KB");
	double t = when(f[1]);
	long pid = (long)num(f[2]), kb = (long)num(f[3]);
	struct rss_proc *p = NULL;
	for (int i = 0; i < st.nrss; i++)
		if (st.rss[i].pid == pid)
			p = &st.rss[i];
	if (!p) {
		if (st.nrss == 256)
			return;
		p = &st.rss[st.nrss++];
		*p = (struct rss_proc){ .pid = pid, .first_t = t };
	}
	if (t - p->first_t < st.rss_warmup)
		return;
	if (p->base_kb == 0) {
		p->base_kb = kb;
		p->base_t = t;
	}
	if (kb > p->base_kb + st.rss_slack_kb && !p->reported) {
		violation("vsacctd %ld grew from %ld KiB to %ld KiB in %.0f s after its warm-up",
			  pid, p->base_kb, kb, t - p->base_t);
		p->reported = true;
	}
}

/* --- reading ------------------------------------------------------------ */

static void on_record(int n, char **f)
{
	const char *k = f[0];
	if (strcmp(k, "poll") == 0) {
		on_poll(n, f);
	} else if (strcmp(k, "get") == 0 || strcmp(k, "walk") == 0) {
		st.polls++;
	} else if (strcmp(k, "timeout") == 0) {
		on_interval(st.timeouts, &st.ntimeouts, n, f);
	} else if (strcmp(k, "down") == 0) {
		on_interval(st.downs, &st.ndowns, n, f);
	} else if (strcmp(k, "fault") == 0) {
		st.faults++;
	} else if (strcmp(k, "exit") == 0) {
		violation("vsacctd %s exited at %s without being killed", n > 2 ? f[2] : "?", f[1]);
	} else if (strcmp(k, "rss") == 0) {
		on_rss(n, f);
	} else if (strcmp(k, "cp") == 0) {
		if (st.in_cp)
			bad_input("cp inside a checkpoint");
		memset(&st.cur, 0, sizeof(st.cur));
		st.cur.t = n > 1 ? when(f[1]) : 0;
		st.in_cp = true;
	} else if (strcmp(k, "end") == 0) {
		if (!st.in_cp)
			bad_input("end outside a checkpoint");
		on_checkpoint_end();
	} else if (strcmp(k, "port") == 0 || strcmp(k, "vm") == 0 || strcmp(k, "net") == 0) {
		on_checkpoint_record(n, f);
	} else {
		bad_input("unknown record");
	}
}

static void read_stream(FILE *in, const char *name)
{
	char line[4096], where[512];
	long lineno = 0;
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%ld", name, lineno);
		st.where = where;
		char *f[MAX_FIELDS + 8];
		int n = 0;
		for (char *tok = strtok(line, " \t\n"); tok && n < MAX_FIELDS + 8;
		     tok = strtok(NULL, " \t\n"))
			f[n++] = tok;
		if (n > 0 && f[0][0] != '#')
			on_record(n, f);
	}
	st.where = name;
}

int main(int argc, char **argv)
{
	st.rss_warmup = 60;
	st.rss_slack_kb = 512;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--rss-", 6) == 0; i += 2) {
		if (strcmp(argv[i], "--rss-warmup") == 0)
			st.rss_warmup = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--rss-slack") == 0)
			st.rss_slack_kb = atol(argv[i + 1]);
		else
			break;
	}
	if (i == argc) {
		read_stream(stdin, "stdin");
	}
	for (; i < argc; i++) {
		FILE *in = fopen(argv[i], "r");
		if (!in) {
			fprintf(stderr, "chaoscheck: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		read_stream(in, argv[i]);
		fclose(in);
	}
	st.where = "end";
	if (st.in_cp)
		bad_input("the last checkpoint has no end");
	check_timeouts();
	printf("chaoscheck: %d checkpoint intervals, %d across a restart of the master\n",
	       st.checkpoints > 0 ? st.checkpoints - 1 : 0, st.reinit_intervals);
	printf("chaoscheck: %ld faults, %ld polls, %d checkpoints, %" PRId64
	       " bytes compared, %ld violations\n",
	       st.faults, st.polls, st.checkpoints, st.bytes_compared, st.violations);
	return st.violations > 0;
}
