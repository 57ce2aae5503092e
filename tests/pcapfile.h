/*
 * pcapfile: writes pcap files of made-up frames for the capture tests,
 * through libpcap's own dump writer.
 */
#ifndef VS_TEST_PCAPFILE_H
#define VS_TEST_PCAPFILE_H

#include <stdint.h>

#include "mac.h"

struct test_frame {
	int64_t ts_sec;
	uint8_t dst[MAC_LEN];
	uint8_t src[MAC_LEN];
	uint32_t caplen; /* bytes stored (the frame is 0x5a after the MACs) */
	uint32_t len;    /* length on the wire */
};

/* Writes frames to path with link type dlt (DLT_EN10MB for Ethernet).
 * Returns 0 or -1. */
int pcapfile_write(const char *path, int dlt, const struct test_frame *frames, int n);

#endif
