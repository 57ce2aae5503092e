/*
 * discover: the running domains of a libvirt host, from the status files
 * in its runtime directory, followed with inotify.
 *
 * A file appearing (or rewritten) is a domain starting or changing state; a
 * file removed is a domain that stopped. A file that does not parse is
 * reported once (file and reason) and ignored; it harms nothing else.
 *
 * Lifecycle: discover_open(dir) (watches, then reads every *.xml) →
 * discover_read whenever discover_fd is readable → discover_domain(i) for
 * i < discover_count → discover_close.
 */
#ifndef VS_DISCOVER_H
#define VS_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "libvirt.h"

struct discover;

/* NULL (logged) when the directory cannot be watched. A directory that
 * does not exist yet is watched through its parent until it appears. */
struct discover *discover_open(const char *dir);
void discover_close(struct discover *d);

int discover_fd(const struct discover *d);

/* Handles pending events; returns true when the set of domains, or any
 * domain's contents, changed. */
bool discover_read(struct discover *d);

/* The known domains, in no particular order; pointers stay valid until the
 * next discover_read or discover_close. */
size_t discover_count(const struct discover *d);
const struct libvirt_domain *discover_domain(const struct discover *d, size_t i);

#endif
