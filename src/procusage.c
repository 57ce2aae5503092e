#include "procusage.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

#define PID_MAX_LIMIT 0x400000 /* the kernel's largest pid_max */

int procusage_parse_stat(const char *text, struct proc_stat *out)
{
	/* "PID (COMM) STATE PPID …": COMM may hold anything, so fields are
	 * counted from the last ')'. The state, utime, stime and starttime
	 * are fields 3, 14, 15 and 22 (proc(5)): the 1st, 12th, 13th and
	 * 20th after it. */
	const char *p = strrchr(text, ')');
	if (!p)
		return -1;
	p++;
	unsigned long long v[20];
	char state = 0;
	for (int field = 0; field < 20; field++) {
		char *end;
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		if (field == 0) {
			state = *p++;
			continue;
		}
		v[field] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	*out = (struct proc_stat){ state, v[11], v[12], v[19] };
	return 0;
}

int procusage_parse_io(const char *text, uint64_t *rd_bytes, uint64_t *wr_bytes)
{
	const char *r = strstr(text, "\nread_bytes: "), *w = strstr(text, "\nwrite_bytes: ");
	if (!r || !w)
		return -1;
	*rd_bytes = strtoull(r + 13, NULL, 10);
	*wr_bytes = strtoull(w + 14, NULL, 10);
	return 0;
}

int procusage_read_pidfile(const char *path)
{
	char buf[32];
	if (fileio_read_into(path, buf, sizeof buf) <= 0)
		return 0;
	char *end;
	long pid = strtol(buf, &end, 10);
	bool ok = end != buf && (*end == '\0' || !strcmp(end, "\n")) && pid > 0 &&
		  pid <= PID_MAX_LIMIT;
	return ok ? (int)pid : 0;
}

int procusage_read_stat(int pid, struct proc_stat *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (fileio_read_into(path, buf, sizeof buf) <= 0 || procusage_parse_stat(buf, out) < 0)
		return -1;
	return out->state == 'Z' || out->state == 'X' ? -1 : 0;
}

static int64_t usec_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int procusage_read(int pid, struct proc_usage *out)
{
	char path[64], buf[1024];
	struct proc_stat st;
	uint64_t rd, wr;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || procusage_read_stat(pid, &st) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/io", pid);
	if (fileio_read_into(path, buf, sizeof buf) <= 0 || procusage_parse_io(buf, &rd, &wr) < 0)
		return -1;
	out->pid = pid;
	out->cpu_ns = (st.utime + st.stime) * (1000000000u / (uint64_t)hz);
	out->rd_bytes = rd;
	out->wr_bytes = wr;
	out->start_ticks = st.starttime;
	/* starttime counts from boot on the boot-time clock. */
	int64_t since_start = usec_of(CLOCK_BOOTTIME) -
			      (int64_t)(st.starttime * (1000000u / (uint64_t)hz));
	out->start_mono_usec = usec_of(CLOCK_MONOTONIC) - since_start;
	return 0;
}
