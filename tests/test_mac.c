/*
 * Unit tests of src/mac.c: parsing, formatting, classifying and keying
 * Ethernet addresses.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "mac.h"

/* Asserts that text parses to the six octets want, reporting the text. */
static void expect_parse(const char *text, const uint8_t want[MAC_LEN],
			 unsigned line)
{
	uint8_t mac[MAC_LEN];
	char what[160];
	int rc = mac_parse(text, mac);
	snprintf(what, sizeof what, "mac_parse(\"%s\") == 0", text);
	CU_assertImplementation(rc == 0, line, what, __FILE__, "", CU_FALSE);
	if (rc == 0) {
		snprintf(what, sizeof what, "mac_parse(\"%s\") gives the right octets", text);
		CU_assertImplementation(memcmp(mac, want, MAC_LEN) == 0, line, what,
					__FILE__, "", CU_FALSE);
	}
}
#define EXPECT_PARSE(text, ...) \
	expect_parse((text), (const uint8_t[MAC_LEN]){ __VA_ARGS__ }, __LINE__)

/* Asserts that text is refused, reporting the text. */
static void expect_reject(const char *text, unsigned line)
{
	uint8_t mac[MAC_LEN];
	char what[160];
	snprintf(what, sizeof what, "mac_parse(\"%s\") == -1", text);
	CU_assertImplementation(mac_parse(text, mac) == -1, line, what, __FILE__, "",
				CU_FALSE);
}
#define EXPECT_REJECT(text) expect_reject((text), __LINE__)

static void test_mac_parse_lower_and_upper_case(void)
{
	EXPECT_PARSE("52:54:00:ab:cd:ef", 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef);
	EXPECT_PARSE("52:54:00:AB:CD:EF", 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef);
	EXPECT_PARSE("52:54:00:aB:Cd:eF", 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef);
	EXPECT_PARSE("00:00:00:00:00:00", 0, 0, 0, 0, 0, 0);
	EXPECT_PARSE("ff:ff:ff:ff:ff:ff", 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	EXPECT_PARSE("FF:FF:FF:FF:FF:FF", 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
}

static void test_mac_parse_single_digit_octets(void)
{
	EXPECT_PARSE("2:4:0:a:b:c", 0x02, 0x04, 0x00, 0x0a, 0x0b, 0x0c);
	EXPECT_PARSE("52:54:0:1:2:3", 0x52, 0x54, 0x00, 0x01, 0x02, 0x03);
	EXPECT_PARSE("a:bb:C:DD:e:0f", 0x0a, 0xbb, 0x0c, 0xdd, 0x0e, 0x0f);
	EXPECT_PARSE("0:0:0:0:0:1", 0, 0, 0, 0, 0, 1);
}

static void test_mac_parse_rejects_wrong_octet_count(void)
{
	EXPECT_REJECT("52:54:00:12:34");
	EXPECT_REJECT("52");
	EXPECT_REJECT("52:54:00:12:34:56:78");
	EXPECT_REJECT("1:2:3:4:5:6:7");
}

static void test_mac_parse_rejects_trailing_garbage(void)
{
	EXPECT_REJECT("52:54:00:12:34:56x");
	EXPECT_REJECT("52:54:00:12:34:56 ");
	EXPECT_REJECT("52:54:00:12:34:56\n");
	EXPECT_REJECT("52:54:00:12:34:56:");
	EXPECT_REJECT(" 52:54:00:12:34:56");
	EXPECT_REJECT("0x52:54:00:12:34:56");
}

static void test_mac_parse_rejects_empty(void)
{
	EXPECT_REJECT("");
}

static void test_mac_parse_rejects_missing_digits(void)
{
	EXPECT_REJECT("52:54:00:12:34:");
	EXPECT_REJECT(":54:00:12:34:56");
	EXPECT_REJECT("52:54::12:34:56");
	EXPECT_REJECT(":::::");
	EXPECT_REJECT("52:54:00:12:g4:56");
}

static void test_mac_parse_rejects_dash_separators(void)
{
	EXPECT_REJECT("52-54-00-12-34-56");
	EXPECT_REJECT("52:54:00-12:34:56");
	EXPECT_REJECT("5254.0012.3456");
	EXPECT_REJECT("525400123456");
}

static void test_mac_parse_rejects_three_digit_octets(void)
{
	EXPECT_REJECT("520:54:00:12:34:56");
	EXPECT_REJECT("52:54:00:12:34:567");
	EXPECT_REJECT("52:054:00:12:34:56");
	EXPECT_REJECT("52:54:00:12:100:56");
}

static void test_mac_format_lower_case_two_digits(void)
{
	char out[MAC_STRLEN];
	const uint8_t mac[MAC_LEN] = { 0x02, 0x04, 0x00, 0xab, 0xcd, 0xef };
	CU_ASSERT_PTR_EQUAL(mac_format(mac, out), out);
	CU_ASSERT_STRING_EQUAL(out, "02:04:00:ab:cd:ef");
	CU_ASSERT_EQUAL(strlen(out), MAC_STRLEN - 1);

	const uint8_t bcast[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	CU_ASSERT_STRING_EQUAL(mac_format(bcast, out), "ff:ff:ff:ff:ff:ff");
}

static void test_mac_format_round_trips(void)
{
	static const char *const texts[] = {
		"52:54:00:12:34:56", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff",
		"01:00:5e:00:00:fb", "33:33:00:00:00:01", "fe:dc:ba:98:76:54",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		uint8_t mac[MAC_LEN];
		char out[MAC_STRLEN];
		CU_ASSERT_EQUAL_FATAL(mac_parse(texts[i], mac), 0);
		CU_ASSERT_STRING_EQUAL(mac_format(mac, out), texts[i]);
	}

	/* Every single-octet value survives format → parse. */
	for (unsigned v = 0; v < 256; v++) {
		uint8_t mac[MAC_LEN] = { 0x52, 0x54, (uint8_t)v, (uint8_t)(255 - v), 0, (uint8_t)v };
		uint8_t back[MAC_LEN];
		char out[MAC_STRLEN];
		CU_ASSERT_EQUAL(mac_parse(mac_format(mac, out), back), 0);
		CU_ASSERT_EQUAL(memcmp(mac, back, MAC_LEN), 0);
	}

	/* Short and upper-case input comes back in the canonical form. */
	uint8_t mac[MAC_LEN];
	char out[MAC_STRLEN];
	CU_ASSERT_EQUAL_FATAL(mac_parse("2:4:0:A:b:C", mac), 0);
	CU_ASSERT_STRING_EQUAL(mac_format(mac, out), "02:04:00:0a:0b:0c");
}

static void test_mac_is_group_broadcast(void)
{
	const uint8_t bcast[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	CU_ASSERT_TRUE(mac_is_group(bcast));
}

static void test_mac_is_group_ipv4_multicast(void)
{
	const uint8_t mdns[MAC_LEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	const uint8_t all_hosts[MAC_LEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	const uint8_t stp[MAC_LEN] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
	CU_ASSERT_TRUE(mac_is_group(mdns));
	CU_ASSERT_TRUE(mac_is_group(all_hosts));
	CU_ASSERT_TRUE(mac_is_group(stp));
}

static void test_mac_is_group_ipv6_multicast(void)
{
	const uint8_t all_nodes[MAC_LEN] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	const uint8_t solicited[MAC_LEN] = { 0x33, 0x33, 0xff, 0x12, 0x34, 0x56 };
	CU_ASSERT_TRUE(mac_is_group(all_nodes));
	CU_ASSERT_TRUE(mac_is_group(solicited));
}

static void test_mac_is_group_unicast(void)
{
	const uint8_t kvm[MAC_LEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const uint8_t zero[MAC_LEN] = { 0, 0, 0, 0, 0, 0 };
	/* Locally administered (0x02) is still unicast. */
	const uint8_t local[MAC_LEN] = { 0x02, 0xff, 0xff, 0xff, 0xff, 0xff };
	/* Group bits elsewhere than in the first octet do not count. */
	const uint8_t low_ones[MAC_LEN] = { 0xfe, 0x01, 0x01, 0x01, 0x01, 0x01 };
	CU_ASSERT_FALSE(mac_is_group(kvm));
	CU_ASSERT_FALSE(mac_is_group(zero));
	CU_ASSERT_FALSE(mac_is_group(local));
	CU_ASSERT_FALSE(mac_is_group(low_ones));
}

static void test_mac_key_value(void)
{
	const uint8_t mac[MAC_LEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const uint8_t zero[MAC_LEN] = { 0 };
	const uint8_t bcast[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	CU_ASSERT_EQUAL(mac_key(mac), UINT64_C(0x525400123456));
	CU_ASSERT_EQUAL(mac_key(zero), 0);
	/* 48 bits: the largest key has nothing above bit 47. */
	CU_ASSERT_EQUAL(mac_key(bcast), UINT64_C(0xffffffffffff));
}

static void test_mac_key_ordering(void)
{
	/* Keys order as the addresses do byte by byte (first octet most
	 * significant), so a table sorted by key is sorted by address. */
	static const uint8_t sorted[][MAC_LEN] = {
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 },
		{ 0x00, 0x00, 0x00, 0x00, 0x01, 0x00 },
		{ 0x00, 0x00, 0x00, 0x00, 0xff, 0xff },
		{ 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 },
		{ 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
		{ 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 },
		{ 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x80, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	size_t n = sizeof sorted / sizeof sorted[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int by_bytes = memcmp(sorted[i], sorted[j], MAC_LEN);
			uint64_t ki = mac_key(sorted[i]), kj = mac_key(sorted[j]);
			CU_ASSERT_EQUAL(ki < kj, by_bytes < 0);
			CU_ASSERT_EQUAL(ki == kj, by_bytes == 0);
		}
}

static void test_mac_key_unique(void)
{
	/* Addresses differing in a single bit anywhere have distinct keys:
	 * every one of the 48 bits reaches the key, at its own place. */
	const uint8_t base[MAC_LEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint64_t k0 = mac_key(base);
	for (unsigned bit = 0; bit < 8 * MAC_LEN; bit++) {
		uint8_t mac[MAC_LEN];
		memcpy(mac, base, MAC_LEN);
		mac[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		CU_ASSERT_EQUAL(k0 ^ mac_key(mac), UINT64_C(1) << (47 - bit));
	}
}

static CU_TestInfo mac_tests[] = {
	{ "parse accepts lower and upper case", test_mac_parse_lower_and_upper_case },
	{ "parse accepts single-digit octets", test_mac_parse_single_digit_octets },
	{ "parse rejects too few or too many octets", test_mac_parse_rejects_wrong_octet_count },
	{ "parse rejects trailing garbage", test_mac_parse_rejects_trailing_garbage },
	{ "parse rejects the empty string", test_mac_parse_rejects_empty },
	{ "parse rejects missing digits", test_mac_parse_rejects_missing_digits },
	{ "parse rejects '-' and other separators", test_mac_parse_rejects_dash_separators },
	{ "parse rejects 3-digit octets", test_mac_parse_rejects_three_digit_octets },
	{ "format writes lower case, two digits", test_mac_format_lower_case_two_digits },
	{ "format and parse round-trip", test_mac_format_round_trips },
	{ "broadcast is a group address", test_mac_is_group_broadcast },
	{ "IPv4 multicast is a group address", test_mac_is_group_ipv4_multicast },
	{ "IPv6 multicast is a group address", test_mac_is_group_ipv6_multicast },
	{ "unicast is not a group address", test_mac_is_group_unicast },
	{ "key is the 48-bit value", test_mac_key_value },
	{ "key orders as the address bytes", test_mac_key_ordering },
	{ "key differs for every differing bit", test_mac_key_unique },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "mac", NULL, NULL, NULL, NULL, mac_tests },
	CU_SUITE_INFO_NULL,
};
