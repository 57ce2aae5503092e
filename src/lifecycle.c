#include "lifecycle.h"

#define USEC_PER_SEC 1000000

/* The VM's and its vNICs' counters restart at now_usec; what its vNICs
 * held in the window before is handed to the new life. */
static void restart_counters(struct inv_vm *vm, bool same_process, int64_t now_usec)
{
	for (size_t i = 0; i < vm->nvnics; i++)
		acct_port_reset(&vm->vnics[i].acct);
	acct_vm_restart(&vm->acct, same_process, now_usec);
	int64_t from = now_usec / USEC_PER_SEC - ACCT_HELD_SECONDS;
	for (size_t i = 0; i < vm->nvnics; i++)
		acct_port_hand_over(&vm->vnics[i].acct, from);
}

/* same_process: a reset (the hypervisor's totals go on), not a start. */
static void power_up(struct inv_vm *vm, bool same_process, int64_t now_usec)
{
	restart_counters(vm, same_process, now_usec);
	vm->discontinuity_usec = now_usec;
	vm->powerup_usec = now_usec;
}

/* Moves the VM to state next, powering it up when it comes from off.
 * Returns true when the state changed. */
static bool enter(struct inv_vm *vm, enum vm_state next, int64_t now_usec)
{
	bool was_down = vm->state == VM_OFF || vm->state == VM_SAVED;
	bool up = next != VM_OFF && next != VM_SAVED;
	if (was_down && up && vm->restarted_down) {
		vm->discontinuity_usec = now_usec; /* counting since its interface came */
		vm->powerup_usec = now_usec;
	} else if (was_down && up) {
		power_up(vm, false, now_usec);
	}
	if (!was_down && !up)
		vm->down_usec = now_usec;
	if (!was_down || up)
		vm->restarted_down = false;
	bool changed = next != vm->state;
	vm->state = next;
	return changed;
}

bool lifecycle_apply(struct inventory *inv, struct inv_vm *vm,
		     const struct hostif_info *obs, int64_t now_usec)
{
	bool named = false, running = false, reappeared = false, came = false;
	for (size_t i = 0; i < vm->nvnics; i++) {
		struct inv_vnic *vnic = &vm->vnics[i];
		if (!*vnic->ifname)
			continue;
		named = true;
		const struct hostif_info *o = &obs[i];
		int ifindex = o->exists ? o->ifindex : 0;
		if (ifindex && vnic->host_ifindex && ifindex != vnic->host_ifindex)
			reappeared = true;
		if (ifindex && ifindex != vnic->host_ifindex)
			came = true;
		vnic->host_ifindex = ifindex;
		running |= o->exists && o->up;
		/* An interface that exists sits on its bridge's network, or
		 * on none; one that is gone keeps its place for its return. A
		 * macvtap device is no bridge's port: its home decides. */
		if (o->exists) {
			struct inv_net *net = vnic->home ? vnic->home
				: *o->master ? inventory_net_by_bridge(inv, o->master) : NULL;
			if (net != vnic->net)
				inventory_vnic_attach(vnic, net);
		}
	}
	if (reappeared && lifecycle_counts_visible(vm))
		power_up(vm, false, now_usec);
	/* A host interface of a VM that is down came: it is being powered up,
	 * and may send before its source says so (a Proxmox node is polled):
	 * its counters restart now, once, and the power-up keeps them. */
	if (came && !lifecycle_counts_visible(vm) && !vm->restarted_down) {
		restart_counters(vm, false, now_usec);
		vm->restarted_down = true;
	}
	if (!named || vm->discovered)
		return false;
	return enter(vm, running ? VM_RUNNING : VM_OFF, now_usec);
}

static enum vm_state vm_state_of(enum domain_state state)
{
	switch (state) {
	case DOMAIN_RUNNING:
		return VM_RUNNING;
	case DOMAIN_PAUSED:
		return VM_PAUSED;
	case DOMAIN_OFF:
		return VM_OFF;
	case DOMAIN_SAVED:
		return VM_SAVED;
	case DOMAIN_UNKNOWN:
		break;
	}
	return VM_UNKNOWN;
}

bool lifecycle_apply_domain(struct inv_vm *vm, const struct domain_record *rec,
			    int64_t now_usec)
{
	if (!rec)
		return enter(vm, VM_OFF, now_usec);
	/* Seen while it counted: a reset, or a restart between two looks
	 * (then its totals went back, which acct_vm_sample notices). */
	if (vm->runs_known && rec->runs != vm->runs && lifecycle_counts_visible(vm))
		power_up(vm, true, now_usec);
	vm->runs = rec->runs;
	vm->runs_known = true;
	return enter(vm, vm_state_of(rec->state), now_usec);
}

bool lifecycle_counts_visible(const struct inv_vm *vm)
{
	return vm->state != VM_OFF && vm->state != VM_SAVED;
}

bool lifecycle_holds_sent(const struct inv_vm *vm)
{
	return !lifecycle_counts_visible(vm) && !vm->restarted_down;
}
