/*
 * source: the seam between discovery sources and the daemon. A source
 * follows one kind of hypervisor and keeps a domain record (domain.h) for
 * every domain it knows; the daemon polls its descriptors in the one loop
 * and rebuilds the inventory from the records when they change.
 *
 * A new source is one module defining a struct source_ops and one entry in
 * the table of sources.c; nothing else changes.
 *
 * Lifecycle: sources_find(kind) → ops->open(its configuration line) (never
 * blocks for long:
 * an unreachable hypervisor is retried from handle) → per loop turn:
 * ops->pollfds, poll, ops->handle → ops->count / ops->record after handle
 * said the records changed → ops->close.
 */
#ifndef VS_SOURCE_H
#define VS_SOURCE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "domain.h"

struct source;

struct source_ops {
	const char *kind; /* the word after 'discover' in vsacctd.conf */
	const char *default_arg;
	/* NULL (logged) when the source cannot work at all. cs is its
	 * 'discover' line (an empty arg: default_arg). */
	struct source *(*open)(const struct conf_source *cs, int64_t now_usec);
	void (*close)(struct source *src);
	/* Adds its descriptors (up to max) and lowers *timeout_ms to when it
	 * next wants to run; returns how many descriptors it added. */
	size_t (*pollfds)(struct source *src, struct pollfd *fds, size_t max, int *timeout_ms);
	/* Handles its descriptors after poll (revents set) and its timers at
	 * monotonic time now_usec. Returns true when the records changed. */
	bool (*handle)(struct source *src, const struct pollfd *fds, size_t n, int64_t now_usec);
	/* The records, in no particular order; valid until the next handle. */
	size_t (*count)(const struct source *src);
	const struct domain_record *(*record)(const struct source *src, size_t i);
};

#endif
