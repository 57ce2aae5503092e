#include "decode.h"

#include <string.h>

int decode_frame(const uint8_t *bytes, uint32_t caplen, uint32_t len,
		 struct decoded_frame *out)
{
	out->len = len;
	/* caplen > len would be a lying capture source; trust the smaller. */
	if (caplen < DECODE_ADDR_BYTES || len < DECODE_ADDR_BYTES) {
		memset(out->dst, 0, sizeof out->dst);
		memset(out->src, 0, sizeof out->src);
		return -1;
	}
	memcpy(out->dst, bytes, MAC_LEN);
	memcpy(out->src, bytes + MAC_LEN, MAC_LEN);
	return 0;
}
