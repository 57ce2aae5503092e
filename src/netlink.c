/*
 * netlink: the kernel's links, mirrored from rtnetlink.
 *
 * Lifecycle: open binds to RTNLGRP_LINK *before* asking for the dump, so no
 * change can fall between the two → read applies dump replies and events
 * alike → at the dump's NLMSG_DONE, links that neither the dump nor an event
 * mentioned since it was asked for are gone → synced. Lost events (ENOBUFS)
 * start the same cycle again.
 *
 * The table: a dense array of links (the last one fills a hole) and hash
 * indexes of positions in it (hashidx), one by name and one by ifindex. A
 * third holds the ports under their master's ifindex, so that only a link
 * that has ports scans the table to tell them that their master's name
 * changed (a bridge appearing, renamed or gone).
 */
#include "netlink.h"

#include <errno.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hashidx.h"
#include "log.h"

#define RCVBUF_BYTES (8 << 20) /* a burst of events from thousands of links */
#define RECV_MIN_BYTES 32768   /* the kernel's dump skbs fit; larger ones grow it */
#define DUMP_RETRIES 3         /* failed or interrupted dumps in a row */

struct link {
	int ifindex;
	int master;
	uint64_t hash;  /* of name */
	unsigned seen;  /* the dump generation that last heard of it */
	bool up;
	char name[CONF_IFNAME_MAX + 1];
};

struct netlink {
	int fd;
	struct link *links;
	size_t nlinks, cap;
	struct hashidx by_name, by_index;
	struct hashidx ports; /* links that have a master, under its ifindex */

	uint32_t seq;      /* of the last dump asked for */
	unsigned gen;      /* dump generation */
	bool dumping;      /* a dump is in flight: another one would be refused */
	bool dump_wanted;  /* events were lost: dump once none is in flight */
	bool interrupted;  /* the dump in flight saw NLM_F_DUMP_INTR */
	int retries;
	bool synced;

	netlink_changed_fn changed; /* during netlink_read only */
	void *ctx;

	unsigned char *buf;
	size_t bufsize;
};

/* --- the link table --- */

static long find_index(const struct netlink *nl, int ifindex)
{
	if (ifindex <= 0)
		return -1;
	struct hashidx_iter it;
	const struct hashidx *idx = &nl->by_index;
	for (size_t i = hashidx_first(idx, (uint64_t)ifindex, &it); i != HASHIDX_NONE;
	     i = hashidx_next(idx, &it))
		if (nl->links[i].ifindex == ifindex)
			return (long)i;
	return -1;
}

static long find_name(const struct netlink *nl, const char *name)
{
	size_t len = strnlen(name, CONF_IFNAME_MAX + 1);
	if (!len || len > CONF_IFNAME_MAX)
		return -1;
	struct hashidx_iter it;
	const struct hashidx *idx = &nl->by_name;
	/* Names may share a hash: every position under it is a candidate. */
	for (size_t i = hashidx_first(idx, hashidx_string(name), &it); i != HASHIDX_NONE;
	     i = hashidx_next(idx, &it))
		if (!strcmp(nl->links[i].name, name))
			return (long)i;
	return -1;
}

static bool has_ports(const struct netlink *nl, int ifindex)
{
	struct hashidx_iter it;
	const struct hashidx *idx = &nl->ports;
	for (size_t i = hashidx_first(idx, (uint64_t)ifindex, &it); i != HASHIDX_NONE;
	     i = hashidx_next(idx, &it))
		if (nl->links[i].master == ifindex)
			return true;
	return false;
}

static void tell(struct netlink *nl, const char *name)
{
	if (nl->changed)
		nl->changed(nl->ctx, name);
}

/* A link's master just got, changed or lost its name: each of its ports
 * now has another master name. In the table's order, as they were found. */
static void tell_ports(struct netlink *nl, int ifindex)
{
	if (!has_ports(nl, ifindex))
		return;
	for (size_t i = 0; i < nl->nlinks; i++)
		if (nl->links[i].master == ifindex)
			tell(nl, nl->links[i].name);
}

static void set_master(struct netlink *nl, struct link *l, int master)
{
	if (master < 0)
		master = 0;
	if (l->master == master)
		return;
	size_t pos = (size_t)(l - nl->links);
	if (l->master)
		(void)hashidx_remove(&nl->ports, (uint64_t)l->master, pos); /* absent after OOM */
	l->master = master;
	if (!master)
		return;
	/* Out of memory only costs ports a notification. */
	if (hashidx_reserve(&nl->ports, nl->ports.n + 1) < 0)
		log_warn("rtnetlink: counting ports of %d", master);
	else
		hashidx_add(&nl->ports, (uint64_t)master, pos);
}

static int link_add(struct netlink *nl, const struct link_info *info, const char *name)
{
	if (nl->nlinks == nl->cap) {
		size_t cap = nl->cap ? nl->cap * 2 : 64;
		struct link *links = realloc(nl->links, cap * sizeof *links);
		if (!links)
			goto nomem;
		nl->links = links;
		nl->cap = cap;
	}
	if (hashidx_reserve(&nl->by_name, nl->nlinks + 1) < 0 ||
	    hashidx_reserve(&nl->by_index, nl->nlinks + 1) < 0)
		goto nomem;
	size_t pos = nl->nlinks++;
	struct link *l = &nl->links[pos];
	memset(l, 0, sizeof *l);
	l->ifindex = info->ifindex;
	snprintf(l->name, sizeof l->name, "%s", name);
	l->hash = hashidx_string(l->name);
	l->up = info->up;
	l->seen = nl->gen;
	hashidx_add(&nl->by_name, l->hash, pos);
	hashidx_add(&nl->by_index, (uint64_t)l->ifindex, pos);
	set_master(nl, l, info->master);
	tell(nl, l->name);
	tell_ports(nl, l->ifindex);
	return 0;
nomem:
	log_warn("rtnetlink: cannot add link %s", name);
	return -1;
}

static void link_remove(struct netlink *nl, size_t pos)
{
	struct link *l = &nl->links[pos];
	char name[sizeof l->name];
	int ifindex = l->ifindex;
	memcpy(name, l->name, sizeof name);
	set_master(nl, l, 0);
	hashidx_remove(&nl->by_name, l->hash, pos);
	hashidx_remove(&nl->by_index, (uint64_t)ifindex, pos);
	/* The last link fills the hole: the array stays dense. */
	size_t last = nl->nlinks - 1;
	if (pos != last) {
		struct link *moved = &nl->links[last];
		hashidx_move(&nl->by_name, moved->hash, last, pos);
		hashidx_move(&nl->by_index, (uint64_t)moved->ifindex, last, pos);
		if (moved->master)
			hashidx_move(&nl->ports, (uint64_t)moved->master, last, pos);
		*l = *moved;
	}
	nl->nlinks--;
	tell(nl, name);
	tell_ports(nl, ifindex);
}

static void link_rename(struct netlink *nl, size_t pos, const char *name)
{
	struct link *l = &nl->links[pos];
	char old[sizeof l->name];
	memcpy(old, l->name, sizeof old);
	/* Removing first leaves the room the insertion needs. */
	hashidx_remove(&nl->by_name, l->hash, pos);
	snprintf(l->name, sizeof l->name, "%s", name);
	l->hash = hashidx_string(l->name);
	hashidx_add(&nl->by_name, l->hash, pos);
	tell(nl, old);
	tell(nl, l->name);
	tell_ports(nl, l->ifindex);
}

static void apply_new(struct netlink *nl, const struct link_info *info)
{
	long pos = find_index(nl, info->ifindex);
	char name[sizeof info->name];
	if (*info->name) {
		memcpy(name, info->name, sizeof name);
	} else if (pos >= 0) {
		memcpy(name, nl->links[pos].name, sizeof name);
	} else {
		log_debug("rtnetlink: link %d without a name ignored", info->ifindex);
		return;
	}
	/* The name belongs to another ifindex: that link went away (or was
	 * renamed) in events we never saw. */
	long other = find_name(nl, name);
	if (other >= 0 && other != pos) {
		link_remove(nl, (size_t)other);
		pos = find_index(nl, info->ifindex); /* it may have moved */
	}
	if (pos < 0) {
		link_add(nl, info, name);
		return;
	}
	struct link *l = &nl->links[pos];
	l->seen = nl->gen;
	bool renamed = strcmp(l->name, name) != 0;
	bool changed = l->up != info->up || l->master != (info->master > 0 ? info->master : 0);
	l->up = info->up;
	set_master(nl, l, info->master);
	if (renamed)
		link_rename(nl, (size_t)pos, name); /* tells both names */
	else if (changed)
		tell(nl, name);
}

static void apply_del(struct netlink *nl, const struct link_info *info)
{
	long pos = find_index(nl, info->ifindex);
	if (pos >= 0)
		link_remove(nl, (size_t)pos);
}

/* --- the dump --- */

static int request_dump(struct netlink *nl)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr ext;
		uint32_t ext_mask;
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = sizeof req;
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++nl->seq;
	req.ifi.ifi_family = AF_UNSPEC;
	/* Counters are not needed: smaller replies, for tens of thousands. */
	req.ext.rta_type = IFLA_EXT_MASK;
	req.ext.rta_len = RTA_LENGTH(sizeof req.ext_mask);
	req.ext_mask = RTEXT_FILTER_SKIP_STATS;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(nl->fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		log_warn("rtnetlink: asking for every link");
		return -1;
	}
	nl->gen++;
	nl->dumping = true;
	nl->dump_wanted = false;
	nl->interrupted = false;
	nl->synced = false;
	return 0;
}

static void want_dump(struct netlink *nl)
{
	nl->dump_wanted = true;
	nl->synced = false;
	if (!nl->dumping)
		request_dump(nl);
}

static void dump_failed(struct netlink *nl, const char *why)
{
	nl->dumping = false;
	if (++nl->retries < DUMP_RETRIES) {
		log_warnx("rtnetlink: link dump %s; asking again", why);
		want_dump(nl);
	} else {
		log_warnx("rtnetlink: link dump %s; following events only", why);
		nl->dump_wanted = false;
	}
}

static void dump_done(struct netlink *nl)
{
	nl->dumping = false;
	if (nl->interrupted) {
		/* Links changed while it ran: one may have been skipped, so
		 * nothing is deleted on its word. */
		if (++nl->retries < DUMP_RETRIES) {
			want_dump(nl);
			return;
		}
		log_warnx("rtnetlink: link dumps keep being interrupted; taken as they are");
	} else {
		/* Missing from the dump and untouched since it was asked for:
		 * gone while its RTM_DELLINK was lost. Backwards, so that the
		 * link moved into a hole has already been looked at. */
		for (size_t i = nl->nlinks; i-- > 0;)
			if (nl->links[i].seen != nl->gen)
				link_remove(nl, i);
	}
	nl->retries = 0;
	if (nl->dump_wanted)
		request_dump(nl);
	else
		nl->synced = true;
}

/* --- messages --- */

int netlink_parse_link(const struct nlmsghdr *msg, size_t len, struct link_info *info)
{
	if (!msg || len < sizeof *msg)
		return -1;
	size_t mlen = msg->nlmsg_len;
	if (mlen < sizeof *msg || mlen > len)
		return -1;
	if (msg->nlmsg_type != RTM_NEWLINK && msg->nlmsg_type != RTM_DELLINK)
		return 0;
	const unsigned char *p = (const unsigned char *)msg;
	struct ifinfomsg ifi;
	if (mlen < NLMSG_LENGTH(sizeof ifi))
		return -1;
	memcpy(&ifi, p + NLMSG_HDRLEN, sizeof ifi);
	/* The bridge repeats its ports' link messages under AF_BRIDGE; its
	 * RTM_DELLINK means "no longer a port", not "gone". */
	if (ifi.ifi_family == AF_BRIDGE)
		return 0;

	memset(info, 0, sizeof *info);
	info->ifindex = ifi.ifi_index;
	info->up = (ifi.ifi_flags & IFF_UP) != 0;
	info->deleted = msg->nlmsg_type == RTM_DELLINK;

	size_t off = NLMSG_SPACE(sizeof ifi);
	size_t left = mlen > off ? mlen - off : 0;
	p += off;
	while (left >= sizeof(struct rtattr)) {
		struct rtattr rta;
		memcpy(&rta, p, sizeof rta);
		if (rta.rta_len < sizeof rta || rta.rta_len > left)
			return -1;
		const unsigned char *data = p + RTA_LENGTH(0);
		size_t dlen = rta.rta_len - RTA_LENGTH(0);
		switch (rta.rta_type & NLA_TYPE_MASK) {
		case IFLA_IFNAME: {
			const unsigned char *nul = memchr(data, '\0', dlen);
			if (!nul || nul == data || (size_t)(nul - data) > CONF_IFNAME_MAX)
				return -1;
			memcpy(info->name, data, (size_t)(nul - data) + 1);
			break;
		}
		case IFLA_MASTER: {
			uint32_t master;
			if (dlen < sizeof master)
				return -1;
			memcpy(&master, data, sizeof master);
			if (master > INT_MAX)
				return -1;
			info->master = (int)master;
			break;
		}
		}
		/* The last attribute may lack its padding. */
		size_t step = RTA_ALIGN(rta.rta_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return 1;
}

/* Returns 1 when a link message was applied, 0 otherwise. */
static int handle_message(struct netlink *nl, const struct nlmsghdr *h)
{
	bool ours = nl->dumping && h->nlmsg_seq == nl->seq;
	if (ours && (h->nlmsg_flags & NLM_F_DUMP_INTR))
		nl->interrupted = true;
	if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
		if (!ours)
			return 0;
		/* Both carry an errno first; a dump ends with either. */
		int error = 0;
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof error))
			memcpy(&error, NLMSG_DATA(h), sizeof error);
		if (error < 0)
			dump_failed(nl, strerror(-error));
		else if (h->nlmsg_type == NLMSG_DONE)
			dump_done(nl);
		return 0;
	}
	struct link_info info;
	int r = netlink_parse_link(h, h->nlmsg_len, &info);
	if (r < 0)
		log_warnx("rtnetlink: malformed link message ignored");
	if (r <= 0 || info.ifindex <= 0)
		return 0;
	if (info.deleted)
		apply_del(nl, &info);
	else
		apply_new(nl, &info);
	return 1;
}

static int handle_datagram(struct netlink *nl, size_t len)
{
	int applied = 0;
	const unsigned char *p = nl->buf;
	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)p;
		if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len) {
			log_warnx("rtnetlink: malformed datagram, %zu bytes ignored", len);
			break;
		}
		applied += handle_message(nl, h);
		size_t step = NLMSG_ALIGN(h->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return applied;
}

/* One datagram from the kernel into nl->buf, grown to fit it. */
static ssize_t receive(struct netlink *nl)
{
	ssize_t n = recv(nl->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	if (n < 0)
		return -1;
	if ((size_t)n > nl->bufsize) {
		unsigned char *buf = realloc(nl->buf, (size_t)n);
		if (!buf) {
			errno = ENOMEM;
			return -1;
		}
		nl->buf = buf;
		nl->bufsize = (size_t)n;
	}
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof from;
	n = recvfrom(nl->fd, nl->buf, nl->bufsize, 0, (struct sockaddr *)&from, &fromlen);
	if (n >= 0 && (fromlen < sizeof from || from.nl_pid != 0))
		return 0; /* not the kernel's */
	return n;
}

int netlink_read(struct netlink *nl, netlink_changed_fn changed, void *ctx)
{
	nl->changed = changed;
	nl->ctx = ctx;
	if (nl->dump_wanted && !nl->dumping)
		request_dump(nl); /* a request that failed before */
	int applied = 0, rc = 0;
	for (;;) {
		ssize_t n = receive(nl);
		if (n > 0) {
			applied += handle_datagram(nl, (size_t)n);
		} else if (n < 0 && errno == ENOBUFS) {
			log_warnx("rtnetlink: link events lost; asking for every link again");
			nl->retries = 0;
			want_dump(nl);
		} else if (n < 0 && errno != EINTR) {
			/* Not logged here: the caller says what it was doing. */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rc = -1;
			break;
		}
	}
	nl->changed = NULL;
	nl->ctx = NULL;
	return rc < 0 ? -1 : applied; /* errno still recv's */
}

/* --- life --- */

struct netlink *netlink_open(void)
{
	struct netlink *nl = calloc(1, sizeof *nl);
	if (!nl) {
		log_warn("rtnetlink");
		return NULL;
	}
	nl->bufsize = RECV_MIN_BYTES;
	nl->buf = malloc(nl->bufsize);
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (!nl->buf || nl->fd < 0) {
		log_warn("rtnetlink: socket");
		goto fail;
	}
	/* Beyond rmem_max needs CAP_NET_ADMIN; the default is a fallback. */
	int size = RCVBUF_BYTES;
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0)
		log_debug("rtnetlink: receive buffer left at its default");
	struct sockaddr_nl local = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (RTNLGRP_LINK - 1),
	};
	if (bind(nl->fd, (struct sockaddr *)&local, sizeof local) < 0) {
		log_warn("rtnetlink: bind");
		goto fail;
	}
	if (request_dump(nl) < 0)
		goto fail;
	return nl;
fail:
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl->buf);
	free(nl);
	return NULL;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	close(nl->fd);
	free(nl->links);
	hashidx_free(&nl->by_name);
	hashidx_free(&nl->by_index);
	hashidx_free(&nl->ports);
	free(nl->buf);
	free(nl);
}

int netlink_fd(const struct netlink *nl)
{
	return nl->fd;
}

void netlink_lookup(const struct netlink *nl, const char *ifname, struct hostif_info *info)
{
	memset(info, 0, sizeof *info);
	long pos = find_name(nl, ifname);
	if (pos < 0)
		return;
	const struct link *l = &nl->links[pos];
	info->exists = true;
	info->up = l->up;
	info->ifindex = l->ifindex;
	long m = find_index(nl, l->master);
	if (m >= 0)
		memcpy(info->master, nl->links[m].name, sizeof info->master);
}

bool netlink_synced(const struct netlink *nl)
{
	return nl->synced;
}
