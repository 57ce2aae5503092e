/*
 * capture: frames off one bridge or macvtap device (or out of one pcap
 * file) through libpcap.
 *
 * Lifecycle of a live capture: capture_new_live (nothing opened yet) →
 * capture_maintain opens the bridge, and reopens it after it went away,
 * retrying every CAPTURE_RETRY_USEC while it is missing → capture_read
 * whenever capture_fd is readable → capture_take_drops now and then →
 * capture_free. A file capture is read to its end by capture_read calls.
 *
 * Live handles are promiscuous (forwarded unicast is otherwise invisible),
 * non-blocking, TPACKET_V3 with a ring of the configured size, never in
 * immediate mode, and carry a BPF filter so the kernel copies only the
 * snaplen bytes the addresses need.
 */
#ifndef VS_CAPTURE_H
#define VS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "countwindow.h"

/* Bytes kept of each frame: the Ethernet header and one 802.1Q tag. */
#define CAPTURE_SNAPLEN 18
/* The kernel hands over a partly filled ring block after this long. */
#define CAPTURE_BLOCK_TIMEOUT_MS 100
/* How often a missing or failed bridge is tried again. */
#define CAPTURE_RETRY_USEC 1000000
/* Frames read per capture_read at most, so one busy bridge cannot starve
 * the others or the SNMP side. */
#define CAPTURE_READ_BUDGET 65536

enum capture_status {
	CAPTURE_OPEN = 1,   /* frames flowing */
	CAPTURE_DOWN = 2,   /* bridge missing or down: retried */
	CAPTURE_FAILED = 3, /* refused (permissions, not Ethernet…): retried */
	CAPTURE_EOF = 4,    /* file read to its end */
};

/* Receives each frame: capture timestamp (microseconds since the epoch),
 * the captured bytes, how many were captured and the length on the wire. */
typedef void (*capture_sink)(void *ctx, int64_t ts_usec, const uint8_t *bytes,
			     uint32_t caplen, uint32_t len);

struct capture;

/* A capture of a bridge, not yet opened. buffer_bytes sizes the kernel ring.
 * NULL when out of memory. */
struct capture *capture_new_live(const char *bridge, size_t buffer_bytes,
				 capture_sink sink, void *ctx);

/* A capture reading a pcap file. NULL with a message in err when the file
 * cannot be opened or is not Ethernet. */
struct capture *capture_new_file(const char *path, capture_sink sink, void *ctx,
				 char *err, size_t errlen);

void capture_free(struct capture *cap);

/* Opens a live capture that is not open, if its retry time has come
 * (now_usec on the monotonic clock). Logs each change of status once. */
void capture_maintain(struct capture *cap, int64_t now_usec);

/* Makes the next capture_maintain try at once (the bridge just appeared). */
void capture_kick(struct capture *cap);

/*
 * What the host says of the bridge now (its link changed): whether it
 * exists, whether it is up, its ifindex. A capture of a bridge that went
 * down or away hands over what it holds and closes: down until the bridge
 * is up again (capture_maintain waits for that). A bridge that is up under
 * another ifindex than the one captured (deleted and re-created, however
 * fast) is reopened at once, and so is a bridge back up.
 */
void capture_link(struct capture *cap, bool exists, bool up, int ifindex, int64_t now_usec);

/* From now on only the frames whose timestamp falls in window reach the
 * sink (all of them at first); see countwindow.h. */
void capture_set_window(struct capture *cap, struct count_window window);

/* Changes the sink's context (its owner moved). */
void capture_set_ctx(struct capture *cap, void *ctx);

/*
 * Hands the frames waiting to the sink, up to CAPTURE_READ_BUDGET. Returns
 * how many, or -1 when the handle broke (the bridge went down or away): it is
 * then closed, status CAPTURE_DOWN, and reopened by capture_maintain. A
 * broken file (truncated) ends as CAPTURE_FAILED.
 */
int capture_read(struct capture *cap);

/* The descriptor to poll for reading, or -1 while not open. */
int capture_fd(const struct capture *cap);

/* How many times the capture opened: a reopened capture may get the same
 * descriptor number for a new socket, and this count tells them apart. */
unsigned capture_opens(const struct capture *cap);

enum capture_status capture_status(const struct capture *cap);

/* Frames the kernel dropped since the previous call (0 while not open). */
uint64_t capture_take_drops(struct capture *cap);

/* The bridge's or file's name. */
const char *capture_name(const struct capture *cap);

#endif
