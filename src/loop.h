/*
 * loop: the daemon's one event loop: poll() over every descriptor, then
 * whatever is due. Never blocks anywhere else, never spawns a thread.
 */
#ifndef VS_LOOP_H
#define VS_LOOP_H

#include <signal.h>

#include "engine.h"

/* Something else that lives in the loop (the SNMP agent, a test's dumper). */
struct loop_client {
	/* Adds its descriptors (up to max) and lowers *timeout_ms to when it
	 * next wants to run; returns how many descriptors it added. */
	size_t (*pollfds)(void *ctx, struct pollfd *fds, size_t max, int *timeout_ms);
	/* Handles its descriptors after poll (revents set) and its timers. */
	void (*handle)(void *ctx, const struct pollfd *fds, size_t n);
	void *ctx;
};

/* Monotonic and wall-clock time in microseconds. */
int64_t loop_mono_usec(void);
int64_t loop_real_usec(void);

/*
 * Runs until *stop becomes non-zero (set by a signal handler). client may be
 * NULL. Returns 0, or -1 when poll itself fails.
 */
int loop_run(struct engine *eng, const struct loop_client *client,
	     const volatile sig_atomic_t *stop);

#endif
