/*
 * loop: the daemon's one event loop: poll() over every client's
 * descriptors, then each client's work. Never blocks anywhere else, never
 * spawns a thread. It knows its clients only through struct loop_client.
 */
#ifndef VS_LOOP_H
#define VS_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two clocks as the loop read them at the start of a client's turn. */
struct loop_now {
	int64_t mono_usec;
	int64_t real_usec;
};

/* Something that lives in the loop: the SNMP agent, the counting side, a
 * test's dumper. */
struct loop_client {
	/* Adds its descriptors (up to max) and lowers *timeout_ms to when it
	 * next wants to run; returns how many descriptors it added. */
	size_t (*pollfds)(void *ctx, struct pollfd *fds, size_t max, int *timeout_ms);
	/* Handles its descriptors after poll (revents set) and its timers. */
	void (*handle)(void *ctx, const struct pollfd *fds, size_t n, const struct loop_now *now);
	void *ctx;
	/* After a turn in which it had work, it alone is polled again for a
	 * few turns, without waiting: for a client whose work comes in quick
	 * runs (Net-SNMP passes each request through an internal pipe twice,
	 * so the agent is readable again at once). */
	bool bursty;
};

/*
 * Runs clients[0..n) until *stop becomes non-zero (set by a signal
 * handler). Returns 0, or -1 when poll itself fails.
 */
int loop_run(const struct loop_client *clients, size_t n, const volatile sig_atomic_t *stop);

#endif
