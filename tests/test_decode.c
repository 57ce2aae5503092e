/*
 * Unit tests of src/decode.c: addresses and length of a captured frame, and
 * never a byte read beyond what was captured.
 *
 * Frames are placed at the very end of a buffer of exactly caplen bytes
 * (malloc: AddressSanitizer reports an overread) and at the end of a page
 * followed by an inaccessible one (mmap: an overread faults in any build).
 */
#include "runner.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"

static const uint8_t DST[MAC_LEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t SRC[MAC_LEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };

/* A 64-byte Ethernet II frame: dst, src, IPv4 ethertype, payload. */
static void make_frame(uint8_t frame[64])
{
	memcpy(frame, DST, MAC_LEN);
	memcpy(frame + MAC_LEN, SRC, MAC_LEN);
	frame[12] = 0x08;
	frame[13] = 0x00;
	for (int i = 14; i < 64; i++)
		frame[i] = (uint8_t)(0xa0 + i);
}

/* out filled with a pattern that no decode result contains. */
static void poison(struct decoded_frame *out)
{
	memset(out, 0xa5, sizeof *out);
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Decodes the first caplen bytes of frame copied into a heap block of
 * exactly caplen bytes. */
static int decode_exact_heap(const uint8_t *frame, uint32_t caplen, uint32_t len,
			     struct decoded_frame *out)
{
	uint8_t *block = malloc(caplen ? caplen : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(block);
	/* With caplen 0 the pointer is one past a 1-byte block: nothing may
	 * be read from it. */
	uint8_t *bytes = caplen ? block : block + 1;
	memcpy(bytes, frame, caplen);
	int rc = decode_frame(bytes, caplen, len, out);
	free(block);
	return rc;
}

/* The same, with the frame's last captured byte the last readable byte
 * before a PROT_NONE page. */
static int decode_before_guard_page(const uint8_t *frame, uint32_t caplen,
				    uint32_t len, struct decoded_frame *out)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	CU_ASSERT_FATAL(mprotect(map + page, page, PROT_NONE) == 0);
	uint8_t *bytes = map + page - caplen;
	memcpy(bytes, frame, caplen);
	int rc = decode_frame(bytes, caplen, len, out);
	munmap(map, 2 * page);
	return rc;
}

static void test_decode_full_frame(void)
{
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 64, &out), 0);
	CU_ASSERT_EQUAL(memcmp(out.dst, DST, MAC_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(out.src, SRC, MAC_LEN), 0);
	CU_ASSERT_EQUAL(out.len, 64);
}

static void test_decode_len_is_original_length(void)
{
	/* Captured 64 bytes of a 1514-byte frame (snaplen): the length
	 * counted is the wire length, addresses come from the capture. */
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_exact_heap(frame, 64, 1514, &out), 0);
	CU_ASSERT_EQUAL(out.len, 1514);
	CU_ASSERT_EQUAL(memcmp(out.dst, DST, MAC_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(out.src, SRC, MAC_LEN), 0);

	/* A jumbo frame's length is not clipped anywhere. */
	poison(&out);
	CU_ASSERT_EQUAL(decode_exact_heap(frame, 64, 65535, &out), 0);
	CU_ASSERT_EQUAL(out.len, 65535);
}

static void test_decode_broadcast_frame(void)
{
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	memset(frame, 0xff, MAC_LEN);
	poison(&out);
	CU_ASSERT_EQUAL(decode_frame(frame, 60, 60, &out), 0);
	CU_ASSERT_TRUE(mac_is_group(out.dst));
	CU_ASSERT_EQUAL(memcmp(out.src, SRC, MAC_LEN), 0);
	CU_ASSERT_EQUAL(out.len, 60);
}

static void test_decode_caplen_zero(void)
{
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_exact_heap(frame, 0, 60, &out), -1);
	CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
	CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
	CU_ASSERT_EQUAL(out.len, 60);

	poison(&out);
	CU_ASSERT_EQUAL(decode_before_guard_page(frame, 0, 60, &out), -1);
	CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
	CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
	CU_ASSERT_EQUAL(out.len, 60);
}

static void test_decode_caplen_eleven(void)
{
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_exact_heap(frame, 11, 64, &out), -1);
	CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
	CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
	CU_ASSERT_EQUAL(out.len, 64);

	poison(&out);
	CU_ASSERT_EQUAL(decode_before_guard_page(frame, 11, 64, &out), -1);
	CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
	CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
	CU_ASSERT_EQUAL(out.len, 64);
}

static void test_decode_every_short_caplen(void)
{
	uint8_t frame[64];
	make_frame(frame);
	for (uint32_t caplen = 0; caplen < DECODE_ADDR_BYTES; caplen++) {
		struct decoded_frame out;
		poison(&out);
		CU_ASSERT_EQUAL(decode_before_guard_page(frame, caplen, 1500, &out), -1);
		CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
		CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
		CU_ASSERT_EQUAL(out.len, 1500);
	}
}

static void test_decode_caplen_exactly_twelve(void)
{
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_exact_heap(frame, 12, 64, &out), 0);
	CU_ASSERT_EQUAL(memcmp(out.dst, DST, MAC_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(out.src, SRC, MAC_LEN), 0);
	CU_ASSERT_EQUAL(out.len, 64);

	poison(&out);
	CU_ASSERT_EQUAL(decode_before_guard_page(frame, 12, 12, &out), 0);
	CU_ASSERT_EQUAL(memcmp(out.dst, DST, MAC_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(out.src, SRC, MAC_LEN), 0);
	CU_ASSERT_EQUAL(out.len, 12);
}

static void test_decode_len_shorter_than_addresses(void)
{
	/* A lying source: 64 bytes captured of a frame said to be 11 (or 0)
	 * long. The smaller is trusted: malformed, addresses zeroed. */
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 11, &out), -1);
	CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
	CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
	CU_ASSERT_EQUAL(out.len, 11);

	poison(&out);
	CU_ASSERT_EQUAL(decode_frame(frame, 12, 0, &out), -1);
	CU_ASSERT_TRUE(all_zero(out.dst, MAC_LEN));
	CU_ASSERT_TRUE(all_zero(out.src, MAC_LEN));
	CU_ASSERT_EQUAL(out.len, 0);
}

static void test_decode_caplen_above_len(void)
{
	/* caplen > len but both ≥ 12: the addresses are there; len counts. */
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	poison(&out);
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 60, &out), 0);
	CU_ASSERT_EQUAL(memcmp(out.src, SRC, MAC_LEN), 0);
	CU_ASSERT_EQUAL(out.len, 60);
}

static void test_decode_reads_only_the_addresses(void)
{
	/* Bytes after the twelfth change nothing (but a VLAN tag: not these
	 * bytes), and the frame is not written to. */
	uint8_t a[64], b[64], copy[64];
	struct decoded_frame out_a, out_b;
	make_frame(a);
	make_frame(b);
	memset(b + DECODE_ADDR_BYTES, 0x5a, sizeof b - DECODE_ADDR_BYTES);
	memcpy(copy, a, sizeof copy);
	poison(&out_a);
	poison(&out_b);
	CU_ASSERT_EQUAL(decode_frame(a, 64, 64, &out_a), 0);
	CU_ASSERT_EQUAL(decode_frame(b, 64, 64, &out_b), 0);
	CU_ASSERT_EQUAL(memcmp(&out_a, &out_b, sizeof out_a), 0);
	CU_ASSERT_EQUAL(memcmp(a, copy, sizeof copy), 0);
}

/* An 802.1Q or 802.1ad tag after the addresses gives its VLAN; the
 * length stays the frame's (the caller decides what the tag means). */
static void test_decode_vlan_tag(void)
{
	uint8_t frame[64];
	struct decoded_frame out;
	make_frame(frame);
	frame[12] = 0x81, frame[13] = 0x00, frame[14] = 0xe0, frame[15] = 0x14; /* PCP 7, VID 20 */
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 64, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 20);
	CU_ASSERT_EQUAL(out.len, 64);
	frame[12] = 0x88, frame[13] = 0xa8, frame[14] = 0x0f, frame[15] = 0xfe;
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 64, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 4094);
	/* Priority-tagged (VID 0), the reserved VID 4095, another type. */
	frame[14] = 0x00, frame[15] = 0x00;
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 64, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 0);
	frame[14] = 0x0f, frame[15] = 0xff;
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 64, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 0);
	frame[12] = 0x08, frame[13] = 0x00, frame[14] = 0x00, frame[15] = 0x14;
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 64, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 0);
	/* A tag cut by caplen or len is not read. */
	frame[12] = 0x81, frame[13] = 0x00;
	CU_ASSERT_EQUAL(decode_before_guard_page(frame, 15, 64, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 0);
	CU_ASSERT_EQUAL(decode_frame(frame, 64, 15, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 0);
	CU_ASSERT_EQUAL(decode_before_guard_page(frame, 16, 16, &out), 0);
	CU_ASSERT_EQUAL(out.vlan, 20);
}

static CU_TestInfo decode_tests[] = {
	{ "full frame gives dst, src and len", test_decode_full_frame },
	{ "len is the original length, not caplen", test_decode_len_is_original_length },
	{ "broadcast destination decoded", test_decode_broadcast_frame },
	{ "caplen 0 is malformed, len still set", test_decode_caplen_zero },
	{ "caplen 11 is malformed, len still set", test_decode_caplen_eleven },
	{ "every caplen below 12 is malformed, no overread", test_decode_every_short_caplen },
	{ "caplen exactly 12 decodes", test_decode_caplen_exactly_twelve },
	{ "len below 12 with caplen 12+ is malformed", test_decode_len_shorter_than_addresses },
	{ "caplen above len still decodes", test_decode_caplen_above_len },
	{ "only the address bytes matter", test_decode_reads_only_the_addresses },
	{ "an 802.1Q/802.1ad tag gives its VLAN", test_decode_vlan_tag },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "decode", NULL, NULL, NULL, NULL, decode_tests },
	CU_SUITE_INFO_NULL,
};
