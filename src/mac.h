/*
 * mac: Ethernet MAC addresses as values: parse, format, classify, hash.
 */
#ifndef VS_MAC_H
#define VS_MAC_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MAC_LEN 6
#define MAC_STRLEN 18 /* "52:54:00:12:34:56" and its NUL */

/* Parses six colon-separated hex octets ("52:54:00:12:34:56", either
 * case, one or two digits each). Returns 0, or -1 on anything else. */
int mac_parse(const char *text, uint8_t mac[MAC_LEN]);

/* Writes the lower-case colon form into out. Returns out. */
char *mac_format(const uint8_t mac[MAC_LEN], char out[MAC_STRLEN]);

/* A group address (broadcast or multicast) has the I/G bit set. */
static inline bool mac_is_group(const uint8_t mac[MAC_LEN])
{
	return (mac[0] & 0x01) != 0;
}

/* The address as a 48-bit integer, the key of the MAC tables. Two loads
 * and byte swaps: it runs twice per captured frame. */
static inline uint64_t mac_key(const uint8_t mac[MAC_LEN])
{
	uint32_t high;
	uint16_t low;
	memcpy(&high, mac, sizeof high);
	memcpy(&low, mac + sizeof high, sizeof low);
	return (uint64_t)ntohl(high) << 16 | ntohs(low);
}

#endif
