/*
 * counting: the counting side of the daemon, wired together as one loop
 * client: the state directory, netlink's view of host interfaces, the
 * discovery sources, the inventory's builder and the captures' set. It
 * holds no logic of its own beyond the wiring: each part has its module.
 *
 * Lifecycle: counting_start(conf) (indexes and counters restored, captures
 * open) → counting_loop_client in the loop → counting_reload(conf) on
 * SIGHUP → counting_drain, counting_save → counting_free. The inventory may
 * be rebuilt at any turn of the loop: readers check counting_generation.
 */
#ifndef VS_COUNTING_H
#define VS_COUNTING_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "inventory.h"
#include "loop.h"

/* How often the captures' and the history's work runs (the history needs a
 * tick per second). */
#define COUNTING_TICK_USEC 100000

/* How far ahead of a switch of countMethod its cut is at least (the
 * first whole second after that): both methods are told before then. */
#define COUNTING_SWITCH_LEAD_USEC 500000

struct counting;

/* Called after a VM's state changed (not at start-up). */
typedef void (*counting_vm_fn)(void *ctx, const struct inv_vm *vm);

/* Called when a network's capture lost frames (see capset.h). */
typedef void (*counting_net_fn)(void *ctx, const struct inv_net *net);

/* Starts from conf (owned from now on). NULL (logged) when that fails;
 * then *method_refused (when not NULL) tells whether it is because the
 * counting method conf asks for cannot count here (a configuration error
 * for the daemon). */
struct counting *counting_start(struct conf *conf, int64_t now_usec, bool *method_refused);
void counting_free(struct counting *c);

/* Puts conf (owned from now on) in force: the inventory is rebuilt and
 * adopts every counter, state and index of what stays. A new countMethod
 * takes over from the running one at a whole second (countwindow.h), or,
 * when it cannot count here, is refused (logged) and the running one
 * counts on. Returns 0, or -1 when out of memory (the old configuration
 * stays, conf is freed). */
int counting_reload(struct counting *c, struct conf *conf, int64_t now_usec);

/* The loop's view of the counting side. */
struct loop_client counting_loop_client(struct counting *c);

const struct conf *counting_conf(const struct counting *c);
struct inventory *counting_inventory(const struct counting *c);

/* Changes each time the inventory is rebuilt. */
unsigned counting_generation(const struct counting *c);

void counting_on_vm_state(struct counting *c, counting_vm_fn fn, void *ctx);
void counting_on_capture_loss(struct counting *c, counting_net_fn fn, void *ctx);

/* Reads every open capture dry: before the counters are read, so that they
 * include what the kernel holds (at the end: a switch of countMethod under
 * way is finished first, its old method retired). */
void counting_drain(struct counting *c);

/* Saves the counters to the state directory (done every saveInterval too).
 * Returns 0, or -1 (logged). */
int counting_save(struct counting *c);

#endif
