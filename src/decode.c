#include "decode.h"

#include <string.h>

int decode_frame(const uint8_t *bytes, uint32_t caplen, uint32_t len,
		 struct decoded_frame *out)
{
	out->len = len;
	out->vlan = 0;
	/* caplen > len would be a lying capture source; trust the smaller. */
	if (caplen < DECODE_ADDR_BYTES || len < DECODE_ADDR_BYTES) {
		memset(out->dst, 0, sizeof out->dst);
		memset(out->src, 0, sizeof out->src);
		return -1;
	}
	memcpy(out->dst, bytes, MAC_LEN);
	memcpy(out->src, bytes + MAC_LEN, MAC_LEN);
	uint32_t tagged = DECODE_ADDR_BYTES + DECODE_VLAN_TAG_BYTES;
	if (caplen >= tagged && len >= tagged) {
		const uint8_t *tag = bytes + DECODE_ADDR_BYTES;
		unsigned tpid = (unsigned)tag[0] << 8 | tag[1];
		/* 0x8100: 802.1Q; 0x88a8: 802.1ad (a bridge with vlan_protocol
		 * 802.1ad). The VID is the TCI's low 12 bits; 4095 is reserved. */
		if (tpid == 0x8100 || tpid == 0x88a8) {
			unsigned vid = ((unsigned)tag[2] << 8 | tag[3]) & 0x0fff;
			out->vlan = vid < 0x0fff ? (uint16_t)vid : 0;
		}
	}
	return 0;
}
