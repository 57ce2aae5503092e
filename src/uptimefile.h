/*
 * uptimefile: the instant the master agent's sysUpTime was 0 (monotonic
 * µs, agent_uptime_origin), kept in the state directory (file
 * "uptime-origin", with the boot it belongs to: the monotonic clock
 * restarts at a reboot). A restarted vsacctd hands it to the agent
 * (agent_previous_uptime_origin), so that the TimeStamps of the
 * discontinuities it kept (countMethod ebpf) are served unchanged.
 */
#ifndef VS_UPTIMEFILE_H
#define VS_UPTIMEFILE_H

#include <stdint.h>

/* The instant saved in state_dir during this boot, or 0 (none, another
 * boot's, unreadable). */
int64_t uptimefile_load(const char *state_dir);

/* Saves origin_usec (replacing the file whole). Returns 0, or -1 (errno). */
int uptimefile_store(const char *state_dir, int64_t origin_usec);

#endif
