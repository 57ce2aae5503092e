/*
 * meter: one captured frame → the counters it belongs to.
 *
 * The glue between capture and acct: decodes the addresses, finds the vNICs
 * that own them, and counts the frame once on the network it was seen on.
 *
 * Two ways of seeing a network. A bridge's capture sees each frame the
 * bridge carries once: meter_frame counts all of them. A network of
 * macvtap vNICs (its device is their lower device) has no bridge: it is
 * seen through one capture per vNIC, on the vNIC's macvtap device, which
 * sees every frame of that guest in both directions, guest-to-guest ones
 * included, so a frame between two guests shows at both captures.
 * meter_port_frame counts each such frame once, deciding from the frame's
 * source alone (no loop over the network's vNICs):
 * - sent by the capture's own vNIC: counted (sent by it; received by its
 *   destination when that is a vNIC, or a group frame);
 * - sent by another vNIC of the network: skipped, its own capture counts it;
 * - sent from outside (the lower device's side): a unicast frame is
 *   counted (received by the capture's vNIC); a broadcast or multicast
 *   frame reaches every guest, so only one capture of the network counts
 *   it, the one the caller names (capset: the network's first open one),
 *   and acct's group share credits every vNIC of the network.
 * The one edge: when the capture that counts group frames changes (its
 * guest stops, or one earlier in the set starts), group frames from
 * outside seen around that moment may be missed or counted twice, as the
 * two captures are not read at the same instant.
 */
#ifndef VS_METER_H
#define VS_METER_H

#include <stdbool.h>
#include <stdint.h>

#include "inventory.h"

/*
 * Counts a frame seen on net, captured at ts_usec (wall clock, microseconds
 * since the epoch). A frame of a VLAN that has a network of its own
 * (net->vlans) is counted there, and in net's totals and history but not
 * its group frames, and everywhere without its 4-byte tag: the bytes the
 * guests at the VLAN's access ports send and receive. A vNIC with no host
 * interface named is placed on the first network it is seen sending on;
 * one with a host interface is placed by its bridge port (lifecycle).
 */
void meter_frame(struct inventory *inv, struct inv_net *net, int64_t ts_usec,
		 const uint8_t *bytes, uint32_t caplen, uint32_t len);

/*
 * Counts a frame seen on the macvtap device of vnic, whose network is net
 * (by_port), by the rule above; counts_group: this capture is the one that
 * counts group frames from outside.
 */
void meter_port_frame(struct inventory *inv, struct inv_net *net, struct inv_vnic *vnic,
		      bool counts_group, int64_t ts_usec, const uint8_t *bytes,
		      uint32_t caplen, uint32_t len);

#endif
