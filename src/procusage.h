/*
 * procusage: a process's accounting and identity read from /proc, for the
 * VMs whose hypervisor gives none but whose process is known: a `vm` line
 * naming a pid file (a QEMU process started by hand or by another
 * manager), a Proxmox VE guest's QEMU process.
 *
 * From /proc/PID/stat: its state, utime + stime of every thread (clock
 * ticks, made nanoseconds) and its start; from /proc/PID/io: read_bytes
 * and write_bytes, the bytes the process made the kernel fetch from and
 * send to storage (readable by the process's user or with
 * CAP_SYS_PTRACE). /proc has no count of disk operations.
 */
#ifndef VS_PROCUSAGE_H
#define VS_PROCUSAGE_H

#include <stdint.h>

/* The fields of /proc/PID/stat vsacctd reads. */
struct proc_stat {
	char state; /* 'R', 'S', … 'Z' for a zombie */
	uint64_t utime, stime; /* clock ticks */
	/* Clock ticks from boot to its start: tells this process from an
	 * earlier one that had its pid. */
	uint64_t starttime;
};

struct proc_usage {
	int pid;
	uint64_t cpu_ns;
	uint64_t rd_bytes, wr_bytes;
	uint64_t start_ticks;	 /* starttime of its stat */
	int64_t start_mono_usec; /* when the process started, monotonic clock */
};

/* The pid a pid file names (a decimal number, then at most a newline), or
 * 0 when the file cannot be read or holds anything else. */
int procusage_read_pidfile(const char *path);

/* The stat of living process pid. -1 when it is gone or a zombie. */
int procusage_read_stat(int pid, struct proc_stat *out);

/* The accounting of living process pid. -1 when it is gone, a zombie, or
 * its entries cannot be read. */
int procusage_read(int pid, struct proc_usage *out);

/* The fields of /proc/PID/stat's text. The command name may hold blanks
 * and parentheses. 0 or -1. */
int procusage_parse_stat(const char *text, struct proc_stat *out);

/* read_bytes and write_bytes of /proc/PID/io's text. 0 or -1. */
int procusage_parse_io(const char *text, uint64_t *rd_bytes, uint64_t *wr_bytes);

#endif
