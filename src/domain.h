/*
 * domain: what a discovery source knows of one virtual machine, in no
 * hypervisor's terms. Every source (libvirt's API, a Proxmox VE node, …)
 * hands the inventory these records and nothing else: the inventory, the
 * lifecycle rules and main never see a source's own types.
 *
 * A source keeps one record per domain defined on the host, running or not;
 * a domain that is undefined has no record any more.
 */
#ifndef VS_DOMAIN_H
#define VS_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "mac.h"

#define DOMAIN_MAX_VNICS 64 /* more are ignored (the source logs it) */

/* Only states that last: a source never reports the paused step of a boot
 * nor the shutdown step on the way to off. */
enum domain_state {
	DOMAIN_UNKNOWN,
	DOMAIN_RUNNING,
	DOMAIN_PAUSED,
	DOMAIN_OFF,
	DOMAIN_SAVED, /* its memory saved to disk, to be restored */
};

struct domain_vnic {
	uint8_t mac[MAC_LEN];
	char ifname[CONF_IFNAME_MAX + 1]; /* host-side device, "" if none */
	/* The bridge the source says it is a port of ("" if none or not
	 * known): the host's own view (netlink) decides where it sits. */
	char bridge[CONF_IFNAME_MAX + 1];
	/* For a macvtap vNIC, its lower device ("" otherwise): its frames
	 * never cross a bridge. */
	char lower[CONF_IFNAME_MAX + 1];
	/* The 802.1Q VLAN of its port on a VLAN-aware bridge (1..4094), 0
	 * for none: it sits on that VLAN's network of the bridge. */
	uint16_t vlan;
	/* It sits on bridge (and vlan) whatever its host device is a port
	 * of: the source knows the network better than the host does (a
	 * Proxmox VE firewall bridge stands between its tap and bridge). */
	bool pinned;
};

/* The hypervisor's own accounting of a running domain, as last read. */
struct domain_usage {
	bool known;          /* read at least once since it last started */
	int64_t read_usec;   /* wall clock (µs since the epoch) of the reading */
	uint64_t cpu_time;   /* nanoseconds of CPU (libvirt's cpu.time) */
	uint64_t rd_bytes, wr_bytes, rd_ops, wr_ops; /* summed over its disks */
};

struct domain_record {
	char name[CONF_NAME_MAX + 1];
	char uuid[CONF_UUID_LEN + 1]; /* lower case, "" if unknown */
	enum domain_state state;
	/* Counts the power-ups, restores, snapshot reverts and resets the
	 * source saw, each once: when it changes, the VM's counters restart
	 * (once, whatever the step). Its value means nothing across runs. */
	uint32_t runs;
	/* The hypervisor's process for the domain, 0 if not known. With no
	 * usage from the source, its /proc accounting is the VM's. */
	int pid;
	/* Refreshed by the source at most once a second without the record
	 * counting as changed: no rebuild follows a new reading. */
	struct domain_usage usage;
	struct domain_vnic vnics[DOMAIN_MAX_VNICS];
	size_t nvnics;
};

/* Whether a and b list the same vNICs, in the same order. */
bool domain_vnics_equal(const struct domain_record *a, const struct domain_record *b);

#endif
