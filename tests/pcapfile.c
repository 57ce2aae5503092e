#include "pcapfile.h"

#include <pcap/pcap.h>
#include <string.h>

int pcapfile_write(const char *path, int dlt, const struct test_frame *frames, int n)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	if (!dead)
		return -1;
	pcap_dumper_t *dumper = pcap_dump_open(dead, path);
	if (!dumper) {
		pcap_close(dead);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		uint8_t bytes[2048];
		memset(bytes, 0x5a, sizeof bytes);
		memcpy(bytes, frames[i].dst, MAC_LEN);
		memcpy(bytes + MAC_LEN, frames[i].src, MAC_LEN);
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = frames[i].ts_sec, .tv_usec = 1000 * i % 1000000 },
			.caplen = frames[i].caplen,
			.len = frames[i].len,
		};
		pcap_dump((u_char *)dumper, &h, bytes);
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
	return 0;
}
