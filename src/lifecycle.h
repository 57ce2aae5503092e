/*
 * lifecycle: a VM's running state, and the power-ups that restart its
 * counters.
 *
 * Pure: the caller observes (host interfaces through netlink, domains
 * through the discovery sources) and passes what it saw. Rules (DESIGN §1,
 * §4):
 * - a discovered VM is in the state its source gives it, and off once the
 *   source no longer knows it;
 * - any other VM with a host interface named on a vNIC runs while one of
 *   those interfaces exists and is up, and is off otherwise;
 * - a VM with none named is unknown and always counted;
 * - a power-up (off or saved → any state that counts: running, paused,
 *   unknown; a source's power-up count moving; or a host interface back
 *   with a new ifindex: the VM restarted between two looks) restarts the VM's and its vNICs' counters at 0 and
 *   moves its discontinuity time to now; when a host interface of the VM
 *   came while it was off or saved, its counters restarted then (once), and
 *   the power-up that follows only moves the discontinuity time: what it
 *   sent before its source said it runs is counted;
 * - what a VM that is off or saved sends is held, and the restart of its
 *   counters (either kind above) hands over what it sent in the
 *   ACCT_HELD_SECONDS before (lifecycle_holds_sent);
 * - a vNIC sits on the network whose bridge its host interface is a port
 *   of, or on none; a macvtap vNIC on its home (its lower device's
 *   network) while its interface exists; one whose interface is gone
 *   keeps its place.
 */
#ifndef VS_LIFECYCLE_H
#define VS_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "hostif.h"
#include "inventory.h"
#include "domain.h"

/*
 * Applies obs[i], the observation of vm->vnics[i]'s host interface (ignored
 * for vNICs with no interface named), at monotonic time now_usec. Returns
 * true when vm->state changed.
 */
bool lifecycle_apply(struct inventory *inv, struct inv_vm *vm,
		     const struct hostif_info *obs, int64_t now_usec);

/* Applies what a source says of a discovered VM: rec is its record, NULL
 * once the source no longer knows it. A change of rec->runs since the last
 * record applied is a power-up. Returns true when vm->state changed. */
bool lifecycle_apply_domain(struct inv_vm *vm, const struct domain_record *rec,
			    int64_t now_usec);

/* Whether the VM's counters have instances (not off, not saved). */
bool lifecycle_counts_visible(const struct inv_vm *vm);

/*
 * Whether what its vNICs send is held (acct.h, ACCT_HELD_SECONDS): it is
 * off or saved and its counters have not restarted since (no host
 * interface of its came). Only frames sent after vm->down_usec are: the
 * old life's last frames, read late, stay its own. Every counters' restart
 * (a power-up, a host interface that came) hands over what was held in
 * the ACCT_HELD_SECONDS before it.
 */
bool lifecycle_holds_sent(const struct inv_vm *vm);

#endif
