/*
 * brvlan: the PVIDs of a VLAN-aware Linux bridge's ports, read from the
 * kernel (rtnetlink, AF_BRIDGE links with their VLAN lists): the VLAN an
 * untagged frame entering a port belongs to, which the bridge assigns
 * after the traffic-control layer where the eBPF method counts.
 *
 * One dump per call, answered within BRVLAN_TIMEOUT_MS or not at all; a
 * bridge without VLAN filtering lists no VLANs (nothing is reported).
 */
#ifndef VS_BRVLAN_H
#define VS_BRVLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRVLAN_TIMEOUT_MS 100

/* One interface's PVID (1..4094). */
struct brvlan_pvid {
	int ifindex;
	uint16_t pvid;
};

/*
 * Fills out (at most max) with the PVID of each port of the bridge
 * numbered bridge_ifindex, and of the bridge itself (what the host sends
 * on it untagged), where they have one. Returns how many, or -1 when the
 * kernel could not be asked.
 */
int brvlan_pvids(int bridge_ifindex, struct brvlan_pvid *out, size_t max);

/*
 * Parses one reply of the dump (len bytes): when it is a link of that
 * bridge with a PVID, sets *pvid and returns 1; 0 otherwise; -1 when
 * malformed. Pure: reads only within len.
 */
struct nlmsghdr;
int brvlan_parse(const struct nlmsghdr *msg, size_t len, int bridge_ifindex,
		 struct brvlan_pvid *pvid);

#endif
