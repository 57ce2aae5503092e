/*
 * meter: one captured frame → the counters it belongs to.
 *
 * The glue between capture and acct: decodes the addresses, finds the vNICs
 * that own them, and counts the frame once on the network it was seen on.
 */
#ifndef VS_METER_H
#define VS_METER_H

#include <stdint.h>

#include "inventory.h"

/*
 * Counts a frame seen on net. A vNIC with no host interface named is placed
 * on the first network it is seen sending on; one with a host interface is
 * placed by its bridge port (lifecycle).
 */
void meter_frame(struct inventory *inv, struct inv_net *net, int64_t ts_sec,
		 const uint8_t *bytes, uint32_t caplen, uint32_t len);

#endif
