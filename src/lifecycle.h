/*
 * lifecycle: a VM's running state from its vNICs' host interfaces.
 *
 * Pure: the caller observes the interfaces (hostif) and passes what it saw.
 * Rules (DESIGN §1, §4): a VM with a host interface named on any vNIC runs
 * while one of those interfaces exists and is up, and is off otherwise; a
 * VM with none named is unknown and always counted. A power-up (off →
 * running, or a host interface reappearing with a new ifindex) restarts the
 * VM's and its vNICs' counters at 0 and moves its discontinuity time.
 * A vNIC is placed on the network whose bridge its host interface is a port of.
 */
#ifndef VS_LIFECYCLE_H
#define VS_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "hostif.h"
#include "inventory.h"

/*
 * Applies obs[i], the observation of vm->vnics[i]'s host interface (ignored
 * for vNICs with no interface named), at monotonic time now_usec. Returns
 * true when vm->state changed.
 */
bool lifecycle_apply(struct inventory *inv, struct inv_vm *vm,
		     const struct hostif_info *obs, int64_t now_usec);

/* Whether the VM's counters have instances (not off, not saved). */
bool lifecycle_counts_visible(const struct inv_vm *vm);

#endif
