/*
 * The seam's dispatch, and the pcap method: capset behind the table.
 */
#include "countmethod.h"

#include <stdio.h>
#include <stdlib.h>

#include "capset.h"
#ifdef HAVE_EBPF
#include <bpf/libbpf.h>

#include "ebpfcount.h"
#endif

struct count_method {
	const struct count_method_ops *ops;
	void *impl;
	bool held; /* count_method_hold */
};

static int pcap_bind(void *impl, struct inventory *inv, const struct conf *conf)
{
	return capset_bind(impl, inv, conf->capture_buffer);
}

static int pcap_fd(void *impl) { return capset_fd(impl); }
static void pcap_read_ready(void *impl) { capset_read_ready(impl); }
static void pcap_drain(void *impl) { capset_drain(impl); }

static void pcap_link(void *impl, const char *ifname, const struct hostif_info *info,
		      int64_t mono_usec)
{
	capset_link(impl, ifname, info, mono_usec);
}

/* (capset_tick reads no frame: read_ready and drain do) */
static void pcap_tick(void *impl, int64_t mono_usec, bool read)
{
	(void)read;
	capset_tick(impl, mono_usec);
}
static void pcap_saved(void *impl) { (void)impl; }
static void pcap_restored(void *impl) { (void)impl; }
static void pcap_on_loss(void *impl, count_loss_fn fn, void *ctx) { capset_on_loss(impl, fn, ctx); }
static void pcap_window(void *impl, struct count_window w) { capset_window(impl, w); }
static void pcap_close(void *impl) { capset_free(impl); }
static void pcap_stop(void *impl) { (void)impl; }

static const struct count_method_ops pcap_ops = {
	"pcap", pcap_bind, pcap_fd, pcap_read_ready, pcap_drain, pcap_link,
	pcap_tick, pcap_saved, pcap_restored, pcap_on_loss, pcap_window, pcap_close,
	pcap_close, pcap_stop,
};

struct count_method *count_method_open(const struct conf *conf, char *err, size_t errlen)
{
	struct count_method *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (conf->count_method == CONF_COUNT_PCAP) {
		m->ops = &pcap_ops;
		m->impl = capset_new();
		if (!m->impl)
			snprintf(err, errlen, "cannot make the captures' epoll set");
	} else {
#ifdef HAVE_EBPF
		m->ops = &ebpfcount_ops;
		m->impl = ebpfcount_open(conf, err, errlen);
#else
		snprintf(err, errlen, "countMethod ebpf: this vsacctd was built without the eBPF "
			 "method (configure found no libbpf or clang, or --disable-ebpf)");
#endif
	}
	if (!m->impl) {
		free(m);
		return NULL;
	}
	return m;
}

struct count_method *count_method_open_afresh(const struct conf *conf, char *err, size_t errlen)
{
#ifdef HAVE_EBPF
	if (conf->count_method == CONF_COUNT_EBPF && ebpfcount_remove(conf, err, errlen) < 0)
		return NULL;
#endif
	struct count_method *m = count_method_open(conf, err, errlen);
	if (m) {
		count_method_window(m, COUNT_WINDOW_NONE);
		m->held = true;
	}
	return m;
}

void count_method_window(struct count_method *m, struct count_window window)
{
	m->ops->window(m->impl, window);
}

void count_method_stop(struct count_method *m) { m->ops->stop(m->impl); }

void count_method_retire(struct count_method *m)
{
	m->ops->retire(m->impl);
	free(m);
}

void count_method_close(struct count_method *m)
{
	if (!m)
		return;
	m->ops->close(m->impl);
	free(m);
}

const char *count_method_name(const struct count_method *m) { return m->ops->name; }

int count_method_bind(struct count_method *m, struct inventory *inv, const struct conf *conf)
{
	return m->ops->bind(m->impl, inv, conf);
}

void count_method_hold(struct count_method *m, bool held) { m->held = held; }

int count_method_fd(struct count_method *m) { return m->held ? -1 : m->ops->fd(m->impl); }

void count_method_read_ready(struct count_method *m)
{
	if (!m->held)
		m->ops->read_ready(m->impl);
}

void count_method_drain(struct count_method *m)
{
	if (!m->held)
		m->ops->drain(m->impl);
}

void count_method_link(struct count_method *m, const char *ifname,
		       const struct hostif_info *info, int64_t mono_usec)
{
	m->ops->link(m->impl, ifname, info, mono_usec);
}

void count_method_tick(struct count_method *m, int64_t mono_usec)
{
	m->ops->tick(m->impl, mono_usec, !m->held);
}
void count_method_saved(struct count_method *m) { m->ops->saved(m->impl); }
void count_method_restored(struct count_method *m) { m->ops->restored(m->impl); }

void count_method_on_loss(struct count_method *m, count_loss_fn fn, void *ctx)
{
	m->ops->on_loss(m->impl, fn, ctx);
}

const char *count_method_builtin(void)
{
#ifdef HAVE_EBPF
	static char text[64];
	snprintf(text, sizeof text, "pcap, ebpf (libbpf %u.%u)", libbpf_major_version(),
		 libbpf_minor_version());
	return text;
#else
	return "pcap (built without ebpf)";
#endif
}
