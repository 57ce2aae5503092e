#include "capture.h"

#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct capture {
	char name[256];
	bool live;
	size_t buffer_bytes;
	capture_sink sink;
	void *ctx;
	pcap_t *pcap;
	enum capture_status status;
	int64_t retry_at_usec;
	unsigned last_drops; /* pcap_stats' running total at the last look */
	unsigned opens;      /* successful opens so far */
	int ifindex;         /* of the bridge it opened on, 0 if not known */
	bool link_down;      /* the host says the bridge is down or gone */
	char last_error[PCAP_ERRBUF_SIZE]; /* to log a repeated failure once */
	struct count_window window; /* the seconds of the frames handed on */
	bool ts_nano; /* its timestamps are in nanoseconds */
};

static void capture_set_status(struct capture *cap, enum capture_status status,
			       const char *why)
{
	if (status == cap->status && !strcmp(why, cap->last_error))
		return;
	if (status == CAPTURE_OPEN)
		log_info("capturing on %s", cap->name);
	else
		log_warnx("capture on %s %s: %s", cap->name,
			  status == CAPTURE_DOWN ? "down" : "failed", why);
	cap->status = status;
	snprintf(cap->last_error, sizeof cap->last_error, "%s", why);
}

static struct capture *capture_alloc(const char *name, capture_sink sink, void *ctx)
{
	struct capture *cap = calloc(1, sizeof *cap);
	if (!cap)
		return NULL;
	snprintf(cap->name, sizeof cap->name, "%s", name);
	cap->sink = sink;
	cap->ctx = ctx;
	cap->status = CAPTURE_DOWN;
	cap->window = COUNT_WINDOW_ALL;
	return cap;
}

struct capture *capture_new_live(const char *bridge, size_t buffer_bytes,
				 capture_sink sink, void *ctx)
{
	struct capture *cap = capture_alloc(bridge, sink, ctx);
	if (cap) {
		cap->live = true;
		cap->buffer_bytes = buffer_bytes;
	}
	return cap;
}

/* Every frame's addresses sit in the first bytes; anything else is ours to
 * refuse. */
static int check_datalink(pcap_t *pcap, char *err, size_t errlen)
{
	int dlt = pcap_datalink(pcap);
	if (dlt == DLT_EN10MB)
		return 0;
	const char *name = pcap_datalink_val_to_name(dlt);
	snprintf(err, errlen, "link type %s (%d) is not Ethernet", name ? name : "?", dlt);
	return -1;
}

void capture_kick(struct capture *cap)
{
	cap->retry_at_usec = 0;
}

void capture_set_ctx(struct capture *cap, void *ctx)
{
	cap->ctx = ctx;
}

struct capture *capture_new_file(const char *path, capture_sink sink, void *ctx,
				 char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pcap = pcap_open_offline(path, pcap_err);
	if (!pcap) {
		snprintf(err, errlen, "%s", pcap_err);
		return NULL;
	}
	if (check_datalink(pcap, err, errlen) < 0) {
		pcap_close(pcap);
		return NULL;
	}
	struct capture *cap = capture_alloc(path, sink, ctx);
	if (!cap) {
		snprintf(err, errlen, "out of memory");
		pcap_close(pcap);
		return NULL;
	}
	cap->pcap = pcap;
	cap->ts_nano = pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO;
	cap->status = CAPTURE_OPEN;
	return cap;
}

static void capture_close(struct capture *cap)
{
	if (cap->pcap)
		pcap_close(cap->pcap);
	cap->pcap = NULL;
	cap->last_drops = 0;
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	capture_close(cap);
	free(cap);
}

/* Sets up a created handle; returns 0, or -1 with why set. */
static int capture_configure(pcap_t *pcap, size_t buffer_bytes, char *why, size_t whylen)
{
	if (pcap_set_snaplen(pcap, CAPTURE_SNAPLEN) != 0 ||
	    pcap_set_promisc(pcap, 1) != 0 ||
	    pcap_set_timeout(pcap, CAPTURE_BLOCK_TIMEOUT_MS) != 0 ||
	    pcap_set_buffer_size(pcap, (int)buffer_bytes) != 0) {
		snprintf(why, whylen, "cannot set capture options");
		return -1;
	}
	/* Microseconds are used; in nanoseconds libpcap passes the kernel's
	 * timestamp on as it is, instead of dividing each frame's by 1000.
	 * Where that is refused, microseconds do as well. */
	(void)pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO);
	return 0;
}

/* Attaches an accept-all filter: only with a filter attached does the kernel
 * truncate frames to snaplen before copying them into the ring. */
static int capture_attach_filter(pcap_t *pcap, char *why, size_t whylen)
{
	struct bpf_program prog;
	if (pcap_compile(pcap, &prog, "", 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(pcap, &prog) != 0) {
		snprintf(why, whylen, "filter: %s", pcap_geterr(pcap));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

/* Missing or down interfaces come back by themselves; other errors
 * (permissions, unsupported devices) need an operator but are retried too. */
static enum capture_status status_of_activate_error(int rc)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
	case PCAP_ERROR_IFACE_NOT_UP:
		return CAPTURE_DOWN;
	default:
		return CAPTURE_FAILED;
	}
}

static void capture_open_live(struct capture *cap)
{
	char why[PCAP_ERRBUF_SIZE + 64] = "";
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	enum capture_status failure = CAPTURE_FAILED;

	pcap_t *pcap = pcap_create(cap->name, pcap_err);
	if (!pcap) {
		capture_set_status(cap, CAPTURE_FAILED, pcap_err);
		return;
	}
	if (capture_configure(pcap, cap->buffer_bytes, why, sizeof why) < 0)
		goto fail;
	int rc = pcap_activate(pcap);
	if (rc < 0) {
		failure = status_of_activate_error(rc);
		snprintf(why, sizeof why, "%s", pcap_geterr(pcap));
		if (!*why || rc == PCAP_ERROR_NO_SUCH_DEVICE)
			snprintf(why, sizeof why, "%s", pcap_statustostr(rc));
		goto fail;
	}
	if (rc > 0)
		log_warnx("capture on %s: %s: %s", cap->name, pcap_statustostr(rc),
			  pcap_geterr(pcap));
	if (check_datalink(pcap, why, sizeof why) < 0 ||
	    capture_attach_filter(pcap, why, sizeof why) < 0)
		goto fail;
	if (pcap_setnonblock(pcap, 1, pcap_err) != 0) {
		snprintf(why, sizeof why, "non-blocking: %s", pcap_err);
		goto fail;
	}
	if (pcap_get_selectable_fd(pcap) < 0) {
		snprintf(why, sizeof why, "no selectable descriptor");
		goto fail;
	}
	cap->pcap = pcap;
	cap->ts_nano = pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO;
	cap->opens++;
	cap->last_drops = 0;
	cap->ifindex = (int)if_nametoindex(cap->name);
	capture_set_status(cap, CAPTURE_OPEN, "");
	return;
fail:
	pcap_close(pcap);
	capture_set_status(cap, failure, why);
}

void capture_maintain(struct capture *cap, int64_t now_usec)
{
	if (!cap->live || cap->pcap || cap->link_down || now_usec < cap->retry_at_usec)
		return;
	cap->retry_at_usec = now_usec + CAPTURE_RETRY_USEC;
	capture_open_live(cap);
}

void capture_link(struct capture *cap, bool exists, bool up, int ifindex, int64_t now_usec)
{
	if (!cap->live)
		return;
	cap->link_down = !exists || !up;
	bool stale = cap->pcap && (cap->link_down || (ifindex && ifindex != cap->ifindex));
	if (stale) {
		/* What the socket holds was carried while we captured: count
		 * it, then let go of a bridge that is down, gone or another. */
		capture_read(cap);
		capture_close(cap);
	}
	if (cap->link_down) {
		capture_set_status(cap, CAPTURE_DOWN, exists ? "bridge down" : "bridge gone");
		return;
	}
	if (!cap->pcap) {
		/* Back, or re-created: open now, not at the next retry. */
		cap->retry_at_usec = 0;
		capture_maintain(cap, now_usec);
	}
}

static void capture_deliver(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *cap = (struct capture *)user;
	int64_t sec = (int64_t)h->ts.tv_sec;
	if (!count_window_has(cap->window, sec))
		return;
	/* tv_usec holds nanoseconds in nanosecond precision. */
	int64_t sub = cap->ts_nano ? h->ts.tv_usec / 1000 : h->ts.tv_usec;
	cap->sink(cap->ctx, sec * 1000000 + sub, bytes, h->caplen, h->len);
}

void capture_set_window(struct capture *cap, struct count_window window)
{
	cap->window = window;
}

int capture_read(struct capture *cap)
{
	if (!cap->pcap)
		return 0;
	int total = 0;
	while (total < CAPTURE_READ_BUDGET) {
		/* -1: every frame of the current block, handed over in place. */
		int n = pcap_dispatch(cap->pcap, -1, capture_deliver, (u_char *)cap);
		if (n > 0) {
			total += n;
			continue;
		}
		if (n == 0 && !cap->live) {
			/* A file is done when nothing more comes. */
			if (total == 0) {
				capture_close(cap);
				cap->status = CAPTURE_EOF;
			}
			return total;
		}
		if (n == 0 || n == PCAP_ERROR_BREAK)
			return total;
		char why[PCAP_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", pcap_geterr(cap->pcap));
		capture_close(cap);
		capture_set_status(cap, cap->live ? CAPTURE_DOWN : CAPTURE_FAILED, why);
		return -1;
	}
	return total;
}

int capture_fd(const struct capture *cap)
{
	return cap->pcap && cap->live ? pcap_get_selectable_fd(cap->pcap) : -1;
}

unsigned capture_opens(const struct capture *cap)
{
	return cap->opens;
}

enum capture_status capture_status(const struct capture *cap)
{
	return cap->status;
}

uint64_t capture_take_drops(struct capture *cap)
{
	struct pcap_stat st;
	if (!cap->pcap || !cap->live || pcap_stats(cap->pcap, &st) != 0)
		return 0;
	/* ps_drop is a running 32-bit total: unsigned difference survives
	 * its wrap. */
	unsigned delta = st.ps_drop - cap->last_drops;
	cap->last_drops = st.ps_drop;
	return delta;
}

const char *capture_name(const struct capture *cap)
{
	return cap->name;
}
