/*
 * portdrops: the frames the kernel dropped on a network's device and on
 * its ports, as deltas of its own counters.
 *
 * "Dropped" for a network is defined by the kernel's counters (README,
 * vsNetPacketsDropped): rx_dropped plus tx_dropped of the network's device
 * (a bridge, or the lower device of macvtap vNICs) and of each of its ports
 * (a bridge's brif/ entries; the lower device's macvtap uppers). Each
 * device is followed by name and ifindex: one seen for the first time (or
 * re-created) only sets its starting point, so a port joining never brings
 * its past drops along, and one leaving takes nothing away.
 *
 * Lifecycle: portdrops_new(sysfs root) → per second, portdrops_read for
 * each network, then portdrops_sweep → portdrops_free.
 */
#ifndef VS_PORTDROPS_H
#define VS_PORTDROPS_H

#include <stdint.h>

struct portdrops;

/* root: where the kernel's interfaces are listed ("/sys/class/net").
 * NULL when out of memory. */
struct portdrops *portdrops_new(const char *root);
void portdrops_free(struct portdrops *pd);

/* Packets dropped on dev and its ports since the last read of each (0 for
 * devices met now). A device that cannot be read adds nothing. */
uint64_t portdrops_read(struct portdrops *pd, const char *dev);

/* Forgets the devices no read met since the last sweep. */
void portdrops_sweep(struct portdrops *pd);

#endif
