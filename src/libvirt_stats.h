/*
 * libvirt_stats: the hypervisor's accounting of every active domain (CPU
 * time, disk bytes and requests summed over its disks), read in one
 * virConnectGetAllDomainStats call, and when to read it next.
 */
#ifndef VS_LIBVIRT_STATS_H
#define VS_LIBVIRT_STATS_H

#include <libvirt/libvirt.h>
#include <stdint.h>

#include "domain.h"

/* Called once per active domain read, with its UUID (VIR_UUID_BUFLEN
 * bytes) and its accounting (known, stamped with the reading's instant). */
typedef void libvirt_stats_each(const unsigned char *uuid, const struct domain_usage *usage,
				void *ctx);

/* Reads every active domain's statistics. Returns 0, or -1 when libvirt
 * refused (logged at debug level; nothing is called). */
int libvirt_stats_read(virConnectPtr conn, libvirt_stats_each *each, void *ctx);

/* The monotonic time of the next reading: once a second, just after the
 * wall clock's second begins (a reading then covers one second of the
 * history), 0.5 to 1.5 s from now. */
int64_t libvirt_stats_next(void);

#endif
