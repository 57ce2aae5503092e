/*
 * capset: the captures' set: one capture per network of the inventory on
 * its bridge, except for a network of macvtap vNICs (by_port): one capture
 * per such vNIC on its macvtap device (meter's rule counts each frame once),
 * and a VLAN's network, whose frames its bridge's capture sees (meter
 * counts them there; its capture state is its bridge's).
 * All of them sit in one epoll set, so that a wake-up polls one descriptor
 * whatever the number of captures. Frames go to meter, which credits the
 * inventory. A network counted by port is capturing(1) while any of its
 * captures is open, down(2) otherwise.
 *
 * Lifecycle: capset_new → capset_bind(inventory) (again after every
 * rebuild: a bridge captured before keeps its handle, so nothing is missed)
 * → per loop turn: capset_fd polled, capset_read_ready when it is readable,
 * capset_tick → capset_drain before the counters are read → capset_free.
 */
#ifndef VS_CAPSET_H
#define VS_CAPSET_H

#include <stddef.h>
#include <stdint.h>

#include "countwindow.h"
#include "hostif.h"
#include "inventory.h"

/* At most one capture-loss report per network in this long: a capture that
 * drops under load must not flood the managers. */
#define CAPSET_LOSS_QUIET_USEC (60 * 1000000LL)

/* Called when a network's capture lost frames since the last call, at most
 * once in CAPSET_LOSS_QUIET_USEC per network. */
typedef void (*capset_loss_fn)(void *ctx, const struct inv_net *net);

struct capset;

/* NULL (logged) when the epoll set cannot be made. */
struct capset *capset_new(void);
void capset_free(struct capset *cs);

/* From now on the set captures the macvtap vNICs only, not the bridges
 * (another counting method counts those). */
void capset_ports_only(struct capset *cs);

/* Every capture, now and later, counts the frames of window only. */
void capset_window(struct capset *cs, struct count_window window);

void capset_on_loss(struct capset *cs, capset_loss_fn fn, void *ctx);

/* Follows inv's networks and macvtap vNICs: one capture each as above (new
 * ones not yet open, with a kernel ring of buffer_bytes), handles kept by
 * device name. Returns 0, or -1 when out of memory (the set unchanged). */
int capset_bind(struct capset *cs, struct inventory *inv, size_t buffer_bytes);

/* The descriptor to poll: readable when a capture is; -1 if none. */
int capset_fd(struct capset *cs);

/* Reads the captures that are readable. */
void capset_read_ready(struct capset *cs);

/* Reads every open capture dry, whatever poll said. */
void capset_drain(struct capset *cs);

/* Host interface ifname changed, and info is what the host says of it now:
 * if it is a network's bridge or a captured macvtap device, its capture
 * follows (capture_link). */
void capset_link(struct capset *cs, const char *ifname, const struct hostif_info *info,
		 int64_t mono_usec);

/* Opens what is due, collects capture drops, updates every network's
 * capture state and reports losses, at monotonic time mono_usec. */
void capset_tick(struct capset *cs, int64_t mono_usec);

#endif
