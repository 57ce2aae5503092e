/*
 * procusage: a VM's accounting read from its process's /proc entries, for
 * a `vm` line naming a pid file when no discovery source reports the VM's
 * CPU and disks (a QEMU process started by hand or by another manager).
 *
 * From /proc/PID/stat: utime + stime of every thread (clock ticks, made
 * nanoseconds) and the process's start; from /proc/PID/io: read_bytes and
 * write_bytes, the bytes the process made the kernel fetch from and send
 * to storage. /proc has no count of disk operations.
 */
#ifndef VS_PROCUSAGE_H
#define VS_PROCUSAGE_H

#include <stdint.h>

struct proc_usage {
	int pid;
	uint64_t cpu_ns;
	uint64_t rd_bytes, wr_bytes;
	int64_t start_mono_usec; /* when the process started, monotonic clock */
};

/* Reads the process the pid file names. Returns 0, or -1 when the file,
 * the process or its entries cannot be read (no process: the VM is off). */
int procusage_read(const char *pidfile, struct proc_usage *out);

/* The fields of /proc/PID/stat's text: utime, stime, starttime (clock
 * ticks). The command name may hold blanks and parentheses. 0 or -1. */
int procusage_parse_stat(const char *text, uint64_t *utime, uint64_t *stime,
			 uint64_t *starttime);

/* read_bytes and write_bytes of /proc/PID/io's text. 0 or -1. */
int procusage_parse_io(const char *text, uint64_t *rd_bytes, uint64_t *wr_bytes);

#endif
