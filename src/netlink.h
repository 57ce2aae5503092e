/*
 * netlink: the kernel's network interfaces, kept current from rtnetlink
 * link events (RTNLGRP_LINK) in the daemon's poll loop.
 *
 * Lifecycle: netlink_open (subscribes, then asks for a dump of every link)
 * → netlink_read whenever netlink_fd is readable (applies dump replies and
 * events, telling the caller which interface names changed) →
 * netlink_lookup as often as wanted (no system call) → netlink_close.
 * When the kernel reports lost events (ENOBUFS), the table is dumped again.
 */
#ifndef VS_NETLINK_H
#define VS_NETLINK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>

#include "hostif.h"

/* What one RTM_NEWLINK / RTM_DELLINK message says of one interface. */
struct link_info {
	int ifindex;
	char name[CONF_IFNAME_MAX + 1];
	bool up;       /* IFF_UP */
	int master;    /* IFLA_MASTER: the bridge's ifindex, or 0 */
	bool deleted;  /* RTM_DELLINK */
};

/*
 * Parses one rtnetlink message of len bytes. Returns 1 when it is a link
 * message (info filled; name "" when the message carries none), 0 for any
 * other message — including AF_BRIDGE link messages, whose DELLINK means a
 * port left its bridge, not that the interface is gone — and -1 when
 * malformed (truncated header or attributes). Pure: reads only within len.
 */
int netlink_parse_link(const struct nlmsghdr *msg, size_t len, struct link_info *info);

/* Called for each interface whose state (existence, up, ifindex, or the
 * name of its master: a bridge appearing, renamed or gone reports its
 * ports too) changed; after lost events a name may be reported twice. */
typedef void (*netlink_changed_fn)(void *ctx, const char *ifname);

struct netlink;

/* NULL (logged) when the socket cannot be opened. */
struct netlink *netlink_open(void);
void netlink_close(struct netlink *nl);

int netlink_fd(const struct netlink *nl);

/* Reads everything pending without blocking; returns the number of
 * messages applied, or -1 with errno set on a socket error other than
 * EAGAIN, which is left to the caller to log. changed may be NULL. */
int netlink_read(struct netlink *nl, netlink_changed_fn changed, void *ctx);

/* What is known of interface ifname: exists, up, ifindex and the name of
 * the bridge it is a port of ("" if none). Never fails: an unknown name
 * does not exist. */
void netlink_lookup(const struct netlink *nl, const char *ifname, struct hostif_info *info);

/* Whether the dump asked for at open (or after lost events) is complete. */
bool netlink_synced(const struct netlink *nl);

#endif
