#include "mac.h"

#include <stdio.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *text, uint8_t mac[MAC_LEN])
{
	const char *p = text;
	for (int i = 0; i < MAC_LEN; i++) {
		int hi = hex_digit(*p++);
		if (hi < 0)
			return -1;
		int lo = hex_digit(*p);
		unsigned octet = (unsigned)hi;
		if (lo >= 0) {
			octet = octet << 4 | (unsigned)lo;
			p++;
		}
		mac[i] = (uint8_t)octet;
		if (i < MAC_LEN - 1 && *p++ != ':')
			return -1;
	}
	return *p == '\0' ? 0 : -1;
}

char *mac_format(const uint8_t mac[MAC_LEN], char out[MAC_STRLEN])
{
	snprintf(out, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return out;
}
