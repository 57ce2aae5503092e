/*
 * inventory: the host's virtual networks, VMs and vNICs, each with its
 * counters, its SNMP index and its state.
 *
 * Built whole from its sources (the configuration, the domains discovery
 * found, the persisted indexes); when a source changes, a new inventory is
 * built and adopts the old one's counters and states, so nothing counted is
 * lost by a reload or a VM appearing. Lookups by MAC (every frame), by host
 * interface name (every link event) and by VM name are O(1) through fixed
 * open-addressing tables sized at build time: frames with unknown MACs
 * never grow anything.
 *
 * Lifecycle: inventory_build → lookups and counting by the capture side,
 * reads by the agent → inventory_build of the next one, inventory_adopt →
 * inventory_free of the old.
 */
#ifndef VS_INVENTORY_H
#define VS_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "conf.h"
#include "indexes.h"
#include "domain.h"

/* vsVmState */
enum vm_state {
	VM_UNKNOWN = 1,
	VM_RUNNING = 2,
	VM_OFF = 3,
	VM_SAVED = 4,
	VM_PAUSED = 5,
};

/* vsNetCaptureState */
enum net_capture_state {
	NET_CAPTURING = 1,
	NET_DOWN = 2,
	NET_FAILED = 3,
};

struct inv_net {
	uint32_t index;
	char name[CONF_NAME_MAX + 1];
	char bridge[CONF_IFNAME_MAX + 1];
	enum net_capture_state capture_state;
	/* The lower device of macvtap vNICs (bridge names it): counted by one
	 * capture per vNIC, on its host device, not by one on the device. */
	bool by_port;
	/* A VLAN of a VLAN-aware bridge (1..4094; 0: the whole bridge): its
	 * frames are seen by its parent's capture, the bridge's network. */
	uint16_t vlan;
	struct inv_net *parent;
	/* On a bridge's network with VLAN networks: its VLAN networks by VID
	 * (CONF_VLAN_MAX + 1 of them, NULL where none); NULL otherwise. */
	struct inv_net **vlans;
	int64_t discontinuity_usec; /* monotonic clock at the last discontinuity */
	struct acct_net acct;
};

struct inv_vnic {
	struct inv_vm *vm;
	uint32_t index; /* 1..65535 within its VM */
	uint8_t mac[MAC_LEN];
	char ifname[CONF_IFNAME_MAX + 1];
	struct inv_net *net; /* where it sits; NULL until known */
	/* A macvtap vNIC's network (its lower device's), NULL for others: it
	 * sits there whatever bridge its host device is a port of (none). */
	struct inv_net *home;
	int host_ifindex;    /* of ifname when last seen; 0 when absent */
	struct acct_port acct;
};

struct inv_vm {
	uint32_t index;
	char name[CONF_NAME_MAX + 1];
	char uuid[CONF_UUID_LEN + 1];
	enum vm_state state;
	bool discovered;            /* known to a discovery source */
	bool runs_known;            /* runs holds what its source said */
	uint32_t runs;              /* the source's power-up count, last seen */
	int64_t discontinuity_usec; /* monotonic clock at the last power-up */
	/* Its counters restarted while it was off or saved, when a host
	 * interface of its came: the power-up that follows restarts nothing
	 * more (lifecycle). */
	bool restarted_down;
	/* Monotonic clock at its last power-up (start, restore, reset) as
	 * seen or estimated; 0 when not known. */
	int64_t powerup_usec;
	/* Monotonic clock when it last went off or saved (0: never seen
	 * counting): what its vNICs send from then on is held (lifecycle). */
	int64_t down_usec;
	int proc_pid; /* its pid file's process when last read, 0 if none */
	struct acct_vm acct; /* its hypervisor's accounting and its history */
	struct inv_vnic *vnics;     /* nvnics of them */
	size_t nvnics;
	size_t vnic_capacity;       /* the array's size: it never moves */
};

/* Where an inventory comes from. */
struct inventory_source {
	const struct conf *conf;
	/* Domains the discovery sources know: VMs besides the configured
	 * ones, or more about configured ones of the same name. */
	const struct domain_record *const *domains;
	size_t ndomains;
	/* Persisted indexes; NULL numbers everything in order of appearance. */
	struct indexes *indexes;
};

struct inventory;

/*
 * Builds the inventory its sources describe; now_usec (monotonic) is when
 * its counters start. Networks: the configured ones, then one per bridge a
 * discovered vNIC sits on that no network names (named after the bridge),
 * then one per lower device of discovered macvtap vNICs that no network
 * names (named after the device); a network holding macvtap vNICs is
 * counted by port (by_port) and is their home. VLAN networks: the
 * configured ones, then one per VLAN a discovered vNIC's port has on a
 * bridge ("BRIDGE.VID"), each under its bridge's network (made, named after
 * the bridge, when none is configured). A vNIC its source pins sits on its
 * bridge's network (its VLAN's, when it has one): that is its home.
 * VMs: the configured ones, merged by name with discovered domains, then
 * the other domains. A MAC already taken by another VM is skipped. What is
 * refused that way is noted, not logged (inventory_refusal): the builder
 * says it once, not at every rebuild. NULL when out of memory.
 */
struct inventory *inventory_build(const struct inventory_source *src, int64_t now_usec);

/* What building refused, one message each ("VM web01: MAC … belongs to
 * VM db01 already; ignored"), in order. */
size_t inventory_refusal_count(const struct inventory *inv);
const char *inventory_refusal(const struct inventory *inv, size_t i);

/* inventory_build from a configuration alone, indexes in order. */
struct inventory *inventory_new(const struct conf *conf, int64_t now_usec);

/*
 * Carries over from old what it counted and knew: networks by name, VMs by
 * name, vNICs by VM and MAC (counters, network, host ifindex, state,
 * discontinuity times). A VM that lost a vNIC gets a discontinuity at
 * now_usec: its sums went back.
 */
void inventory_adopt(struct inventory *inv, struct inventory *old, int64_t now_usec);

void inventory_free(struct inventory *inv);

size_t inventory_net_count(const struct inventory *inv);
struct inv_net *inventory_net(const struct inventory *inv, size_t i);
size_t inventory_vm_count(const struct inventory *inv);
struct inv_vm *inventory_vm(const struct inventory *inv, size_t i);

/* Lookups; NULL when absent. */
struct inv_vnic *inventory_vnic_by_mac(const struct inventory *inv,
				       const uint8_t mac[MAC_LEN]);
struct inv_vnic *inventory_vnic_by_ifname(const struct inventory *inv, const char *ifname);
struct inv_vm *inventory_vm_by_name(const struct inventory *inv, const char *name);
struct inv_net *inventory_net_by_bridge(const struct inventory *inv, const char *bridge);
/* The network of VLAN vlan on bridge (vlan 0: the bridge's own). */
struct inv_net *inventory_net_by_vlan(const struct inventory *inv, const char *bridge,
				      uint16_t vlan);
struct inv_net *inventory_net_by_name(const struct inventory *inv, const char *name);

/* The wall clock's offset from the monotonic one (µs), as the loop last
 * read them: a frame's timestamp against a VM's monotonic times (meter).
 * Carried by inventory_adopt. */
void inventory_set_real_offset(struct inventory *inv, int64_t real_offset_usec);
int64_t inventory_real_offset(const struct inventory *inv);

/* Places a vNIC on a network (or none): its received share follows. */
void inventory_vnic_attach(struct inv_vnic *vnic, struct inv_net *net);

/* Sums a VM's vNICs. */
struct acct_counts inventory_vm_sent(const struct inv_vm *vm);
struct acct_counts inventory_vm_received(const struct inv_vm *vm);

/* A VM's series in the seconds end_sec-1 … end_sec-60 (wall clock, which
 * is the monotonic clock plus real_offset_usec), newest first; seconds
 * before the first whole one after its last power-up are 0. Received:
 * unicast frames to its vNICs plus their networks' group frames it did not
 * send, as its received total counts them. */
void inventory_vm_history(const struct inv_vm *vm, enum acct_vm_series series, int64_t end_sec,
			  int64_t real_offset_usec, uint64_t out[ACCT_HISTORY_SECONDS]);

/* "running", "off", … */
const char *inventory_vm_state_name(enum vm_state state);

#endif
