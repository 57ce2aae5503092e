/*
 * source_libvirt: the domains of a libvirt host, through libvirt's own API.
 *
 * The one way vsacctd learns of libvirt domains. Not the status files
 * libvirt's QEMU driver keeps under /run/libvirt/qemu: they are libvirt's
 * private state, not an interface; they show its transient steps (paused
 * "starting up" before running, shutdown before off), know only running
 * domains, never show a reset, and are root's alone (a reader that dropped
 * its privileges would need CAP_DAC_READ_SEARCH). The read-only API socket
 * is open to every local user and gives every defined domain, its state
 * with the reason, and events. Nor do the files stand in while libvirtd is
 * unreachable: the records last seen do, and are reconciled (below).
 *
 * A read-only connection (qemu:///system unless the configuration names
 * another URI) gives every defined domain, running or not, and transient
 * ones while they run: name, UUID, state, and from its XML (live while it
 * runs, its definition otherwise) its vNICs: MAC, host device, bridge
 * (for a libvirt network, the bridge the network gave it), macvtap lower
 * device. libvirt's domain events (lifecycle, reboot, device added or
 * removed) keep the records current; libvirt_rules decides what each means
 * (one state change per real change, one run per restart).
 *
 * libvirt's events reach the client through an event implementation the
 * application provides: this module registers its own (virEventRegisterImpl:
 * tables of descriptors and timers), handed to the daemon's one poll loop
 * through pollfds/handle. No thread, no virEventRunDefaultImpl. libvirt
 * allows one implementation per process, so when several libvirt sources
 * are open (two URIs), the first one opened polls for all of them.
 *
 * libvirtd absent or restarting: the records stay as they were last seen,
 * the loss is logged once, the connection is tried again every few
 * seconds, and once back every domain is read again and reconciled: one
 * that runs under another libvirt ID than before restarted meanwhile.
 *
 * Times (open's and handle's now_usec) are CLOCK_MONOTONIC, in µs.
 */
#ifndef VS_SOURCE_LIBVIRT_H
#define VS_SOURCE_LIBVIRT_H

#include "source.h"

/* Seconds between two attempts to reach libvirt (the first comes sooner). */
#define SOURCE_LIBVIRT_RETRY_SEC 5

extern const struct source_ops source_libvirt_ops;

#endif
