#include "source_files.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "log.h"

struct known {
	struct domain_record rec;
	bool present;
	bool fresh_start; /* what its file said last */
};

struct source {
	struct discover *discover;
	struct known *known; /* sorted by name */
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->rec.name, ((const struct known *)b)->rec.name);
}

static enum domain_state state_of(enum libvirt_state state)
{
	switch (state) {
	case LIBVIRT_RUNNING:
		return DOMAIN_RUNNING;
	case LIBVIRT_PAUSED:
		return DOMAIN_PAUSED;
	case LIBVIRT_OTHER:
		break;
	}
	return DOMAIN_UNKNOWN;
}

static void take_domain(struct known *k, const struct libvirt_domain *dom, bool was_present)
{
	/* Reverted to a snapshot, say: the file stayed. */
	if (was_present && !k->fresh_start && dom->fresh_start)
		k->rec.runs++;
	k->fresh_start = dom->fresh_start;
	snprintf(k->rec.name, sizeof k->rec.name, "%s", dom->name);
	snprintf(k->rec.uuid, sizeof k->rec.uuid, "%s", dom->uuid);
	k->rec.state = state_of(dom->state);
	k->rec.nvnics = dom->nifaces;
	for (size_t i = 0; i < dom->nifaces; i++) {
		struct domain_vnic *v = &k->rec.vnics[i];
		memcpy(v->mac, dom->ifaces[i].mac, MAC_LEN);
		snprintf(v->ifname, sizeof v->ifname, "%s", dom->ifaces[i].target);
		snprintf(v->bridge, sizeof v->bridge, "%s", dom->ifaces[i].bridge);
		v->lower[0] = '\0';
	}
	k->present = true;
}

/* Takes in what discovery knows now; domains that went away stay known,
 * off. Returns -1 when out of memory. */
static int take_discovery(struct source *src)
{
	size_t n = discover_count(src->discover);
	struct known *known = realloc(src->known, (src->n + n + 1) * sizeof *known);
	if (!known)
		return -1;
	src->known = known;
	size_t before = src->n;
	bool *was_present = calloc(before + 1, sizeof *was_present);
	if (!was_present)
		return -1;
	for (size_t i = 0; i < before; i++) {
		was_present[i] = known[i].present;
		known[i].present = false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct libvirt_domain *dom = discover_domain(src->discover, i);
		struct known key;
		snprintf(key.rec.name, sizeof key.rec.name, "%s", dom->name);
		struct known *k = bsearch(&key, known, before, sizeof *known, by_name);
		if (!k) {
			k = &known[src->n++];
			*k = (struct known){ .present = false };
		}
		take_domain(k, dom, k - known < (ptrdiff_t)before && was_present[k - known]);
	}
	free(was_present);
	for (size_t i = 0; i < src->n; i++)
		if (!known[i].present)
			known[i].rec.state = DOMAIN_OFF;
	qsort(known, src->n, sizeof *known, by_name);
	/* Two status files naming one domain: the first stays. */
	size_t kept = 0;
	for (size_t i = 0; i < src->n; i++) {
		if (kept && !strcmp(known[kept - 1].rec.name, known[i].rec.name)) {
			log_warnx("domain %s: described by two status files; one is ignored",
				  known[i].rec.name);
			continue;
		}
		known[kept++] = known[i];
	}
	src->n = kept;
	return 0;
}

static struct source *files_open(const char *dir, int64_t now_usec)
{
	struct source *src = calloc(1, sizeof *src);
	if (!src)
		return NULL;
	src->discover = discover_open(dir);
	if (!src->discover || take_discovery(src) < 0) {
		discover_close(src->discover);
		free(src->known);
		free(src);
		return NULL;
	}
	return src;
}

static void files_close(struct source *src)
{
	if (!src)
		return;
	discover_close(src->discover);
	free(src->known);
	free(src);
}

static size_t files_pollfds(struct source *src, struct pollfd *fds, size_t max, int *timeout_ms)
{
	if (!max)
		return 0;
	fds[0] = (struct pollfd){ .fd = discover_fd(src->discover), .events = POLLIN };
	return 1;
}

static bool files_handle(struct source *src, const struct pollfd *fds, size_t n, int64_t now_usec)
{
	if (!n || !fds[0].revents || !discover_read(src->discover))
		return false;
	if (take_discovery(src) < 0) {
		log_warnx("out of memory: discovery not applied");
		return false;
	}
	return true;
}

static size_t files_count(const struct source *src) { return src->n; }

static const struct domain_record *files_record(const struct source *src, size_t i)
{
	return &src->known[i].rec;
}

const struct source_ops source_files_ops = {
	.kind = "libvirt",
	.default_arg = "/run/libvirt/qemu",
	.open = files_open,
	.close = files_close,
	.pollfds = files_pollfds,
	.handle = files_handle,
	.count = files_count,
	.record = files_record,
};
