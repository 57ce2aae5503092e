#include "discovery.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sources.h"

#define DISCOVERY_MAX_SOURCES CONF_MAX_SOURCES

struct opened {
	const struct source_ops *ops;
	struct source *src;
	size_t nfds; /* descriptors it added at the last pollfds */
};

struct discovery {
	struct opened sources[DISCOVERY_MAX_SOURCES];
	size_t n;
	const struct domain_record **list; /* what discovery_records returns */
};

struct discovery *discovery_open(const struct conf *conf, int64_t now_usec)
{
	struct discovery *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	for (size_t i = 0; i < conf->n_sources && i < DISCOVERY_MAX_SOURCES; i++) {
		const struct conf_source *cs = &conf->sources[i];
		const struct source_ops *ops = sources_find(cs->kind);
		struct source *src = ops ? ops->open(cs, now_usec) : NULL;
		if (!src) {
			log_warnx("discovery source %s cannot start", cs->kind);
			discovery_close(d);
			return NULL;
		}
		d->sources[d->n++] = (struct opened){ ops, src, 0 };
	}
	return d;
}

void discovery_close(struct discovery *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		d->sources[i].ops->close(d->sources[i].src);
	free(d->list);
	free(d);
}

size_t discovery_pollfds(struct discovery *d, struct pollfd *fds, size_t max, int *timeout_ms)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct opened *o = &d->sources[i];
		o->nfds = o->ops->pollfds(o->src, fds + n, max - n, timeout_ms);
		n += o->nfds;
	}
	return n;
}

bool discovery_handle(struct discovery *d, const struct pollfd *fds, size_t n, int64_t now_usec)
{
	bool changed = false;
	size_t at = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct opened *o = &d->sources[i];
		size_t mine = at + o->nfds <= n ? o->nfds : 0;
		changed |= o->ops->handle(o->src, fds + at, mine, now_usec);
		at += mine;
	}
	return changed;
}

/* Whether list[0..n) has a record named name. Linear: sources are few and
 * two of them naming one domain is rare; this runs only on a change. */
static bool listed(const struct domain_record **list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i]->name, name))
			return true;
	return false;
}

int discovery_records(struct discovery *d, const struct domain_record *const **out, size_t *n)
{
	size_t total = 0;
	for (size_t i = 0; i < d->n; i++)
		total += d->sources[i].ops->count(d->sources[i].src);
	*n = 0;
	const struct domain_record **list = realloc(d->list, (total + 1) * sizeof *list);
	if (!list)
		return -1;
	d->list = list;
	for (size_t i = 0; i < d->n; i++) {
		const struct opened *o = &d->sources[i];
		size_t count = o->ops->count(o->src);
		for (size_t k = 0; k < count; k++) {
			const struct domain_record *rec = o->ops->record(o->src, k);
			/* Only the later sources can repeat a name. */
			if (i && listed(list, *n, rec->name)) {
				log_debug("domain %s: known to two sources; the first is used", rec->name);
				continue;
			}
			list[(*n)++] = rec;
		}
	}
	*out = list;
	return 0;
}
