/*
 * engine: the counting side of the daemon. It owns the configuration in
 * force, the inventory built from it and from discovery, one capture per
 * network, the netlink view of host interfaces, libvirt discovery and the
 * persisted indexes; it keeps the history ticking and VM states current.
 *
 * It owns no loop: the daemon's single poll() loop asks it for descriptors
 * and a timeout, and hands back what became readable.
 *
 * Lifecycle: engine_new(conf) (counters restored from the state directory)
 * → per loop: engine_pollfds, poll, engine_handle, engine_timers →
 * engine_reload(conf) on SIGHUP → engine_save, engine_free. The inventory may be rebuilt at any engine_handle or
 * engine_reload: readers check engine_generation.
 */
#ifndef VS_ENGINE_H
#define VS_ENGINE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "inventory.h"

/* How often engine_timers does its work (the history needs a tick per
 * second); called more often, it returns at once. */
#define ENGINE_TICK_USEC 100000

struct engine;

/* At most one capture-loss report per network in this long. */
#define ENGINE_LOSS_QUIET_USEC (60 * 1000000LL)

/* Called after a VM's state changed (not at start-up). */
typedef void (*engine_vm_fn)(void *ctx, const struct inv_vm *vm);

/* Called when a network's capture lost frames since the last call, at most
 * once in ENGINE_LOSS_QUIET_USEC per network. */
typedef void (*engine_net_fn)(void *ctx, const struct inv_net *net);

/*
 * Starts from conf (owned from now on): loads the indexes from its state
 * directory, opens netlink and discovery, builds the inventory, restores
 * the saved counters and opens the captures of the bridges there are.
 * NULL (logged) when that fails.
 */
struct engine *engine_new(struct conf *conf, int64_t now_usec);
void engine_free(struct engine *eng);

/* Puts conf (owned from now on) in force: the inventory is rebuilt and
 * adopts every counter, state and index of what stays. Returns 0, or -1
 * when out of memory (the old configuration stays, conf is freed). */
int engine_reload(struct engine *eng, struct conf *conf, int64_t now_usec);

/* The configuration in force. */
const struct conf *engine_conf(const struct engine *eng);

struct inventory *engine_inventory(const struct engine *eng);

/* Changes each time the inventory is rebuilt. */
unsigned engine_generation(const struct engine *eng);

void engine_on_vm_state(struct engine *eng, engine_vm_fn fn, void *ctx);
void engine_on_capture_loss(struct engine *eng, engine_net_fn fn, void *ctx);

/* Fills up to max pollfds with the engine's descriptors; returns how many. */
size_t engine_pollfds(struct engine *eng, struct pollfd *fds, size_t max);

/* Handles the descriptors (as filled above) that are readable. */
void engine_handle(struct engine *eng, const struct pollfd *fds, size_t n);

/*
 * Runs what is due at monotonic time mono_usec and wall-clock time
 * real_usec: opening captures, closing seconds of history, collecting
 * capture drops, at most once per ENGINE_TICK_USEC. Returns the
 * milliseconds until it wants to run again.
 */
int engine_timers(struct engine *eng, int64_t mono_usec, int64_t real_usec);

/* Saves the counters to the state directory (also done every saveInterval
 * seconds by engine_timers). Returns 0, or -1 (logged once until it works
 * again). */
int engine_save(struct engine *eng);

/* Reads every open capture dry, whatever poll said: before the counters are
 * read, so that they include what the kernel holds. */
void engine_drain(struct engine *eng);

#endif
