/*
 * decode: one captured Ethernet frame → who sent it, to whom, how long.
 *
 * Pure: no state, no allocation. Reads at most the first 16 bytes (the
 * addresses and an 802.1Q tag), and never past caplen.
 */
#ifndef VS_DECODE_H
#define VS_DECODE_H

#include <stdint.h>

#include "mac.h"

/* Bytes a frame must have for both addresses to be read. */
#define DECODE_ADDR_BYTES (2 * MAC_LEN)
/* An 802.1Q (or 802.1ad) tag after the addresses: TPID and TCI. */
#define DECODE_VLAN_TAG_BYTES 4

struct decoded_frame {
	uint8_t dst[MAC_LEN];
	uint8_t src[MAC_LEN];
	uint32_t len; /* the frame's original length: what is counted */
	/* The VLAN ID of its outer 802.1Q/802.1ad tag (1..4094), 0 when it
	 * has none (or only a priority tag). A capture on a VLAN-aware
	 * bridge shows the tag the bridge carries a frame with, as libpcap
	 * puts an offloaded tag back into the bytes. */
	uint16_t vlan;
};

/*
 * Decodes a frame of which caplen bytes were captured out of len on the
 * wire. out->len is always set. Returns 0 when both addresses were read, or
 * -1 for a malformed frame (fewer than DECODE_ADDR_BYTES captured or on the
 * wire), whose addresses are left zero: such a frame is counted in network
 * totals only.
 */
int decode_frame(const uint8_t *bytes, uint32_t caplen, uint32_t len,
		 struct decoded_frame *out);

#endif
