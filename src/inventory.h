/*
 * inventory: the host's virtual networks, VMs and vNICs, each with its
 * counters, its SNMP index and its state.
 *
 * Built whole from a conf; the MAC → vNIC table is a fixed open-addressing
 * hash sized at build time, so looking up a frame's addresses costs O(1)
 * and frames with unknown MACs never grow anything. Lists are kept in index
 * order, the order SNMP serves them in.
 *
 * Lifecycle: inventory_new(conf) → lookups and counting by the capture side,
 * reads by the agent → inventory_free.
 */
#ifndef VS_INVENTORY_H
#define VS_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "conf.h"

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
	int64_t discontinuity_usec; /* monotonic clock at the last discontinuity */
	struct acct_net acct;
};

struct inv_vnic {
	struct inv_vm *vm;
	uint32_t index; /* 1..65535 within its VM */
	uint8_t mac[MAC_LEN];
	char ifname[CONF_IFNAME_MAX + 1];
	struct inv_net *net; /* where it sits; NULL until known */
	int host_ifindex;    /* of ifname when last seen; 0 when absent */
	struct acct_port acct;
};

struct inv_vm {
	uint32_t index;
	char name[CONF_NAME_MAX + 1];
	char uuid[CONF_UUID_LEN + 1];
	enum vm_state state;
	int64_t discontinuity_usec; /* monotonic clock at the last power-up */
	struct inv_vnic *vnics;     /* nvnics, in index order */
	size_t nvnics;
};

struct inventory;

/* Builds the inventory a conf describes; now_usec (monotonic) is when its
 * counters start. NULL when out of memory. */
struct inventory *inventory_new(const struct conf *conf, int64_t now_usec);
void inventory_free(struct inventory *inv);

size_t inventory_net_count(const struct inventory *inv);
struct inv_net *inventory_net(const struct inventory *inv, size_t i);
size_t inventory_vm_count(const struct inventory *inv);
struct inv_vm *inventory_vm(const struct inventory *inv, size_t i);

/* The vNIC owning a MAC address, or NULL. */
struct inv_vnic *inventory_vnic_by_mac(const struct inventory *inv,
				       const uint8_t mac[MAC_LEN]);

/* The network captured on a bridge, or NULL. */
struct inv_net *inventory_net_by_bridge(const struct inventory *inv, const char *bridge);

/* Places a vNIC on a network (or none): its received share follows. */
void inventory_vnic_attach(struct inv_vnic *vnic, struct inv_net *net);

/* Sums a VM's vNICs. */
struct acct_counts inventory_vm_sent(const struct inv_vm *vm);
struct acct_counts inventory_vm_received(const struct inv_vm *vm);

#endif
