/*
 * engine: the counting side of the daemon: one capture per network feeding
 * the inventory's counters, the history ticking, host interfaces watched.
 *
 * It owns no loop: the daemon's single poll() loop asks it for descriptors
 * and a timeout, and hands back what became readable.
 *
 * Lifecycle: engine_new(inventory) → engine_timers (opens captures, ticks)
 * → per loop: engine_pollfds, poll, engine_handle, engine_timers →
 * engine_free (the inventory stays the caller's).
 */
#ifndef VS_ENGINE_H
#define VS_ENGINE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"

/* How often timers run at least: the history needs a tick per second. */
#define ENGINE_TICK_USEC 100000
/* How often host interfaces are looked at. */
#define ENGINE_HOSTIF_USEC 1000000

struct engine;

/* NULL when out of memory. capture_buffer sizes each bridge's kernel ring. */
struct engine *engine_new(struct inventory *inv, size_t capture_buffer);
void engine_free(struct engine *eng);

/* Fills up to max pollfds with the open captures' descriptors; returns how
 * many. */
size_t engine_pollfds(struct engine *eng, struct pollfd *fds, size_t max);

/* Reads the captures whose descriptors (as filled above) are readable. */
void engine_handle(struct engine *eng, const struct pollfd *fds, size_t n);

/*
 * Runs what is due at monotonic time mono_usec and wall-clock time
 * real_usec: opening captures, closing seconds of history, collecting
 * capture drops, following host interfaces. Returns the milliseconds until
 * it wants to run again.
 */
int engine_timers(struct engine *eng, int64_t mono_usec, int64_t real_usec);

/* Reads every open capture dry, whatever poll said: before the counters are
 * read, so that they include what the kernel holds. */
void engine_drain(struct engine *eng);

#endif
