#include "procusage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


int procusage_parse_stat(const char *text, uint64_t *utime, uint64_t *stime,
			 uint64_t *starttime)
{
	/* "PID (COMM) STATE PPID …": COMM may hold anything, so fields are
	 * counted from the last ')'. utime, stime and starttime are fields
	 * 14, 15 and 22 (proc(5)), the 12th, 13th and 20th after it. */
	const char *p = strrchr(text, ')');
	if (!p)
		return -1;
	p++;
	unsigned long long v[20];
	int field = 0;
	while (field < 20) {
		char *end;
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		if (field == 0) { /* the state, a letter */
			p++;
			v[field++] = 0;
			continue;
		}
		v[field] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
		field++;
	}
	*utime = v[11];
	*stime = v[12];
	*starttime = v[19];
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

static int read_text(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	size_t n = fread(buf, 1, size - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return n ? 0 : -1;
}

static int64_t usec_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int procusage_read(const char *pidfile, struct proc_usage *out)
{
	char buf[4096], path[64];
	if (read_text(pidfile, buf, sizeof buf) < 0)
		return -1;
	long pid = strtol(buf, NULL, 10);
	if (pid <= 0 || pid > 0x3fffffff)
		return -1;
	uint64_t utime, stime, start, rd, wr;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (read_text(path, buf, sizeof buf) < 0 || procusage_parse_stat(buf, &utime, &stime, &start) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/io", pid);
	if (read_text(path, buf, sizeof buf) < 0 || procusage_parse_io(buf, &rd, &wr) < 0)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		return -1;
	out->pid = (int)pid;
	out->cpu_ns = (utime + stime) * (1000000000u / (uint64_t)hz);
	out->rd_bytes = rd;
	out->wr_bytes = wr;
	/* starttime counts from boot on the boot-time clock. */
	int64_t since_start = usec_of(CLOCK_BOOTTIME) - (int64_t)(start * (1000000u / (uint64_t)hz));
	out->start_mono_usec = usec_of(CLOCK_MONOTONIC) - since_start;
	return 0;
}
