#include "brvlan.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The attribute after a, within end, or NULL. */
static const struct rtattr *attr_next(const struct rtattr *a, const char *end)
{
	const char *next = (const char *)a + RTA_ALIGN(a->rta_len);
	return next + sizeof(struct rtattr) <= end ? (const struct rtattr *)next : NULL;
}

static bool attr_fits(const struct rtattr *a, const char *end)
{
	return a->rta_len >= sizeof *a && (const char *)a + a->rta_len <= end;
}

/* The PVID among the VLAN entries of an IFLA_AF_SPEC, or 0. -1: malformed. */
static int spec_pvid(const struct rtattr *spec)
{
	const char *end = (const char *)spec + spec->rta_len;
	const struct rtattr *a = RTA_DATA(spec);
	for (; (const char *)a + sizeof *a <= end; a = attr_next(a, end)) {
		if (!attr_fits(a, end))
			return -1;
		if (a->rta_type != IFLA_BRIDGE_VLAN_INFO || RTA_PAYLOAD(a) < sizeof(struct bridge_vlan_info))
			continue;
		struct bridge_vlan_info v;
		memcpy(&v, RTA_DATA(a), sizeof v);
		if (v.flags & BRIDGE_VLAN_INFO_PVID)
			return v.vid;
		if (!attr_next(a, end))
			break;
	}
	return 0;
}

int brvlan_parse(const struct nlmsghdr *msg, size_t len, int bridge_ifindex,
		 struct brvlan_pvid *pvid)
{
	if (len < sizeof *msg || msg->nlmsg_len > len)
		return -1;
	if (msg->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -1;
	struct ifinfomsg ifi;
	memcpy(&ifi, NLMSG_DATA(msg), sizeof ifi);
	const char *end = (const char *)msg + msg->nlmsg_len;
	int master = 0, vid = 0;
	const struct rtattr *a = (const struct rtattr *)((const char *)NLMSG_DATA(msg) +
							 NLMSG_ALIGN(sizeof ifi));
	for (; (const char *)a + sizeof *a <= end; a = attr_next(a, end)) {
		if (!attr_fits(a, end))
			return -1;
		if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&master, RTA_DATA(a), sizeof master);
		else if (a->rta_type == IFLA_AF_SPEC && (vid = spec_pvid(a)) < 0)
			return -1;
		if (!attr_next(a, end))
			break;
	}
	/* The bridge itself names no master. */
	if (vid <= 0 || (master != bridge_ifindex && ifi.ifi_index != bridge_ifindex))
		return 0;
	*pvid = (struct brvlan_pvid){ ifi.ifi_index, (uint16_t)vid };
	return 1;
}

static int ask(int fd)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		struct rtattr ext;
		uint32_t mask;
	} req = {
		.h = { .nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_BRIDGE },
		.ext = { .rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = IFLA_EXT_MASK },
		.mask = RTEXT_FILTER_BRVLAN,
	};
	return send(fd, &req, sizeof req, 0) == (ssize_t)sizeof req ? 0 : -1;
}

int brvlan_pvids(int bridge_ifindex, struct brvlan_pvid *out, size_t max)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct timeval tv = { 0, BRVLAN_TIMEOUT_MS * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	size_t n = 0;
	int result = -1;
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	if (ask(fd) < 0)
		goto out;
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof buf, 0);
		if (got <= 0)
			goto out;
		size_t left = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				result = (int)n;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			struct brvlan_pvid p;
			if (brvlan_parse(h, left, bridge_ifindex, &p) == 1 && n < max)
				out[n++] = p;
		}
	}
out:
	close(fd);
	return result;
}
