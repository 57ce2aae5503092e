/*
 * discovery: the discovery sources the configuration names, polled
 * together, their domain records seen as one list. A domain two sources
 * know is taken from the first (logged once).
 *
 * Lifecycle: discovery_open(conf) → per loop turn discovery_pollfds, poll,
 * discovery_handle → discovery_records when it said they changed →
 * discovery_close.
 */
#ifndef VS_DISCOVERY_H
#define VS_DISCOVERY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "domain.h"

struct discovery;

/* NULL (logged) when a configured source cannot start. With no source
 * configured, an empty discovery. */
struct discovery *discovery_open(const struct conf *conf, int64_t now_usec);
void discovery_close(struct discovery *d);

/* As struct loop_client's: adds the sources' descriptors. */
size_t discovery_pollfds(struct discovery *d, struct pollfd *fds, size_t max, int *timeout_ms);

/* Runs the sources (fds as filled above); true when the records changed. */
bool discovery_handle(struct discovery *d, const struct pollfd *fds, size_t n, int64_t now_usec);

/* Points *list at every source's records (*n of them), valid until the
 * next discovery_handle. Returns 0, or -1 when out of memory. */
int discovery_records(struct discovery *d, const struct domain_record *const **list, size_t *n);

#endif
