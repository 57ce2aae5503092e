#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netlink.h"
#include "runner.h"

/* --- netlink_parse_link on messages built here --- */

/* A message in a buffer aligned as the kernel's. */
struct msg {
	union {
		struct nlmsghdr h;
		unsigned char b[512];
	};
	size_t len;
	size_t last; /* offset of the last attribute */
};

static void msg_init(struct msg *m, uint16_t type, unsigned char family, int ifindex,
		     unsigned flags)
{
	memset(m, 0, sizeof *m);
	m->h.nlmsg_type = type;
	struct ifinfomsg ifi = { .ifi_family = family, .ifi_index = ifindex, .ifi_flags = flags };
	memcpy(m->b + NLMSG_HDRLEN, &ifi, sizeof ifi);
	m->len = NLMSG_SPACE(sizeof ifi);
	m->h.nlmsg_len = (uint32_t)m->len;
}

static void msg_attr(struct msg *m, unsigned short type, const void *data, size_t dlen)
{
	m->last = NLMSG_ALIGN(m->len);
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(dlen), .rta_type = type };
	memcpy(m->b + m->last, &rta, sizeof rta);
	memcpy(m->b + m->last + RTA_LENGTH(0), data, dlen);
	m->len = m->last + RTA_LENGTH(dlen);
	m->h.nlmsg_len = (uint32_t)m->len;
}

static void msg_name(struct msg *m, const char *name)
{
	msg_attr(m, IFLA_IFNAME, name, strlen(name) + 1);
}

static void msg_u32(struct msg *m, unsigned short type, uint32_t v)
{
	msg_attr(m, type, &v, sizeof v);
}

/* Overwrites the last attribute's rta_len. */
static void msg_set_rta_len(struct msg *m, unsigned short rta_len)
{
	memcpy(m->b + m->last, &rta_len, sizeof rta_len);
}

static int parse(const struct msg *m, struct link_info *info)
{
	return netlink_parse_link(&m->h, m->len, info);
}

static void test_netlink_parse_newlink_with_master(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP | IFF_BROADCAST | IFF_RUNNING);
	msg_u32(&m, IFLA_MTU, 1500);
	msg_name(&m, "vnet0");
	msg_u32(&m, IFLA_MASTER, 3);
	CU_ASSERT_EQUAL(parse(&m, &info), 1);
	CU_ASSERT_EQUAL(info.ifindex, 7);
	CU_ASSERT_STRING_EQUAL(info.name, "vnet0");
	CU_ASSERT(info.up);
	CU_ASSERT_EQUAL(info.master, 3);
	CU_ASSERT(!info.deleted);
}

static void test_netlink_parse_newlink_without_master(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_BROADCAST);
	msg_name(&m, "br0");
	msg_u32(&m, IFLA_MTU, 1500);
	CU_ASSERT_EQUAL(parse(&m, &info), 1);
	CU_ASSERT_EQUAL(info.ifindex, 2);
	CU_ASSERT_STRING_EQUAL(info.name, "br0");
	CU_ASSERT(!info.up);
	CU_ASSERT_EQUAL(info.master, 0);
	CU_ASSERT(!info.deleted);

	/* No name at all: parsed, the name left empty for the caller. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP);
	CU_ASSERT_EQUAL(parse(&m, &info), 1);
	CU_ASSERT_STRING_EQUAL(info.name, "");
	CU_ASSERT(info.up);
}

static void test_netlink_parse_dellink(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_DELLINK, AF_UNSPEC, 9, 0);
	msg_name(&m, "vnet3");
	CU_ASSERT_EQUAL(parse(&m, &info), 1);
	CU_ASSERT(info.deleted);
	CU_ASSERT_EQUAL(info.ifindex, 9);
	CU_ASSERT_STRING_EQUAL(info.name, "vnet3");
}

static void test_netlink_parse_other_types(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_NEWADDR, AF_INET, 1, 0);
	CU_ASSERT_EQUAL(parse(&m, &info), 0);
	msg_init(&m, NLMSG_DONE, 0, 0, 0);
	CU_ASSERT_EQUAL(parse(&m, &info), 0);
	/* The bridge's RTM_DELLINK for a port that leaves it is no deletion. */
	msg_init(&m, RTM_DELLINK, AF_BRIDGE, 9, 0);
	msg_name(&m, "vnet3");
	msg_u32(&m, IFLA_MASTER, 3);
	CU_ASSERT_EQUAL(parse(&m, &info), 0);
}

static void test_netlink_parse_truncated_header(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_name(&m, "vnet0");
	/* Shorter than a netlink header. */
	CU_ASSERT_EQUAL(netlink_parse_link(&m.h, sizeof m.h - 1, &info), -1);
	/* A header claiming less than itself. */
	m.h.nlmsg_len = sizeof m.h - 1;
	CU_ASSERT_EQUAL(netlink_parse_link(&m.h, m.len, &info), -1);
	/* A link message cut inside its ifinfomsg. */
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg) - 4);
	CU_ASSERT_EQUAL(netlink_parse_link(&m.h, m.h.nlmsg_len, &info), -1);
	/* Exactly the header and the ifinfomsg: no attribute, fine. */
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	CU_ASSERT_EQUAL(netlink_parse_link(&m.h, m.h.nlmsg_len, &info), 1);
	CU_ASSERT_EQUAL(info.ifindex, 7);
}

static void test_netlink_parse_length_beyond_buffer(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_name(&m, "vnet0");
	CU_ASSERT_EQUAL(netlink_parse_link(&m.h, m.len - 1, &info), -1);
	/* Even for a message that is not a link's. */
	msg_init(&m, RTM_NEWADDR, AF_INET, 1, 0);
	CU_ASSERT_EQUAL(netlink_parse_link(&m.h, m.len - 1, &info), -1);
}

static void test_netlink_parse_attribute_overrun(void)
{
	struct msg m;
	struct link_info info;
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_name(&m, "vnet0");
	msg_u32(&m, IFLA_MTU, 1500);
	msg_set_rta_len(&m, RTA_LENGTH(4) + 1);
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	msg_set_rta_len(&m, 0xffff);
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	/* A master shorter than its u32. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	uint16_t half = 3;
	msg_attr(&m, IFLA_MASTER, &half, sizeof half);
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
}

static void test_netlink_parse_bad_names(void)
{
	struct msg m;
	struct link_info info;
	/* No NUL within the attribute. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_attr(&m, IFLA_IFNAME, "vnet0", 5);
	msg_u32(&m, IFLA_MTU, 0); /* a NUL just after it must not count */
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	/* 16 characters: longer than any Linux name. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_name(&m, "abcdefghijklmnop");
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	/* An empty name. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_name(&m, "");
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	/* 15 is the most there is; padding NULs after the first are fine. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_attr(&m, IFLA_IFNAME, "abcdefghijklmno\0\0\0", 18);
	CU_ASSERT_EQUAL(parse(&m, &info), 1);
	CU_ASSERT_STRING_EQUAL(info.name, "abcdefghijklmno");
}

static void test_netlink_parse_zero_length_attribute(void)
{
	struct msg m;
	struct link_info info;
	/* rta_len 0 would loop forever in a naive walker. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_name(&m, "vnet0");
	msg_u32(&m, IFLA_MTU, 1500);
	msg_set_rta_len(&m, 0);
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	msg_set_rta_len(&m, RTA_LENGTH(0) - 1);
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
	/* An empty payload is valid for an attribute that needs none... */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_attr(&m, IFLA_MTU + 100, "", 0);
	msg_name(&m, "vnet0");
	CU_ASSERT_EQUAL(parse(&m, &info), 1);
	CU_ASSERT_STRING_EQUAL(info.name, "vnet0");
	/* ...not for a name. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 7, 0);
	msg_attr(&m, IFLA_IFNAME, "", 0);
	CU_ASSERT_EQUAL(parse(&m, &info), -1);
}

static void test_netlink_parse_ends_at_buffer_end(void)
{
	struct msg m;
	struct link_info info;
	/* The last attribute unpadded ("v0\0": rta_len 7), the message's
	 * last byte the allocation's last: ASan sees any read past it. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 5, IFF_UP);
	msg_u32(&m, IFLA_MASTER, 4);
	msg_name(&m, "v0");
	CU_ASSERT_EQUAL(m.len % 4, 3);
	struct nlmsghdr *exact = malloc(m.len);
	CU_ASSERT_FATAL(exact != NULL);
	memcpy(exact, m.b, m.len);
	CU_ASSERT_EQUAL(netlink_parse_link(exact, m.len, &info), 1);
	CU_ASSERT_STRING_EQUAL(info.name, "v0");
	CU_ASSERT_EQUAL(info.master, 4);
	CU_ASSERT(info.up);
	free(exact);

	/* The same cut one byte short: the name's NUL is outside. */
	exact = malloc(m.len - 1);
	CU_ASSERT_FATAL(exact != NULL);
	memcpy(exact, m.b, m.len - 1);
	exact->nlmsg_len = (uint32_t)(m.len - 1);
	CU_ASSERT_EQUAL(netlink_parse_link(exact, m.len - 1, &info), -1);
	free(exact);

	/* Three stray bytes after the last attribute: too few for one. */
	msg_init(&m, RTM_NEWLINK, AF_UNSPEC, 5, 0);
	msg_u32(&m, IFLA_MASTER, 4);
	m.len += 3;
	m.h.nlmsg_len = (uint32_t)m.len;
	exact = malloc(m.len);
	CU_ASSERT_FATAL(exact != NULL);
	memcpy(exact, m.b, m.len);
	CU_ASSERT_EQUAL(netlink_parse_link(exact, m.len, &info), 1);
	free(exact);
}

/* --- the live module, in a network namespace of its own --- */

/* The checks run in a child that left for a new network namespace; each
 * failure goes up a pipe as "line: text", and the parent makes it a CUnit
 * failure. */
static int report_fd = -1;
static int child_failures;

static void failf(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(int line, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	child_failures++;
	dprintf(report_fd, "%d: %s\n", line, text);
}

#define CHECK(expr) ((expr) ? true : (failf(__LINE__, "%s", #expr), false))

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int ip(const char *fmt, ...)
{
	char cmd[512] = "ip ";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd + 3, sizeof cmd - 3, fmt, ap);
	va_end(ap);
	int status = system(cmd);
	if (status != 0)
		failf(0, "'%s' exited with %d", cmd, status);
	return status;
}

/* Reads events until the socket has been quiet for 100 ms (at most 2 s):
 * the kernel queues a change's events before `ip` returns. */
static void settle(struct netlink *nl, netlink_changed_fn fn, void *ctx)
{
	int64_t deadline = now_ms() + 2000;
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = netlink_fd(nl), .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left < 100 ? (int)left : 100) <= 0)
			return;
		if (netlink_read(nl, fn, ctx) < 0) {
			failf(__LINE__, "netlink_read: %s", strerror(errno));
			return;
		}
	}
}

/* Waits for the dump to end (each poll at most 2 s, 20 s in all). */
static bool wait_synced(struct netlink *nl, netlink_changed_fn fn, void *ctx)
{
	int64_t deadline = now_ms() + 20000;
	while (!netlink_synced(nl) && now_ms() < deadline) {
		struct pollfd p = { .fd = netlink_fd(nl), .events = POLLIN };
		if (poll(&p, 1, 2000) <= 0)
			break;
		if (netlink_read(nl, fn, ctx) < 0)
			break;
	}
	return netlink_synced(nl);
}

/* The names changed() was called with since the last reset. */
struct told {
	char names[32][CONF_IFNAME_MAX + 1];
	int n;
};

static void record(void *ctx, const char *ifname)
{
	struct told *t = ctx;
	if (t->n < 32)
		snprintf(t->names[t->n], sizeof t->names[0], "%s", ifname);
	t->n++;
}

/* Whether the names told are exactly those in the space-separated list
 * (as a set: one change may be told more than once). */
static void expect_told(int line, struct told *t, const char *expected)
{
	bool ok = t->n <= 32;
	char list[300];
	snprintf(list, sizeof list, " %s ", expected);
	for (int i = 0; ok && i < t->n; i++) {
		char word[CONF_IFNAME_MAX + 3];
		snprintf(word, sizeof word, " %s ", t->names[i]);
		ok = strstr(list, word) != NULL;
	}
	char copy[256];
	snprintf(copy, sizeof copy, "%s", expected);
	for (char *save, *w = strtok_r(copy, " ", &save); ok && w; w = strtok_r(NULL, " ", &save)) {
		bool found = false;
		for (int i = 0; i < t->n && i < 32; i++)
			found = found || !strcmp(t->names[i], w);
		ok = found;
	}
	if (!ok) {
		char got[32 * 17 + 1] = "";
		for (int i = 0; i < t->n && i < 32; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s ", t->names[i]);
		failf(line, "changed() told {%s}, expected {%s}", got, expected);
	}
	t->n = 0;
}

/* Checks netlink_lookup against what is expected and against the kernel. */
static void expect_link(int line, struct netlink *nl, const char *name, bool exists, bool up,
			const char *master)
{
	struct hostif_info info;
	memset(&info, 0x5a, sizeof info);
	netlink_lookup(nl, name, &info);
	int ifindex = (int)if_nametoindex(name);
	if (info.exists != exists || (exists && info.up != up) || info.ifindex != ifindex ||
	    strcmp(info.master, exists ? master : ""))
		failf(line, "%s: exists %d up %d ifindex %d master '%.15s'; expected %d %d %d '%s'",
		      name, info.exists, info.up, info.ifindex, info.master, exists, up, ifindex,
		      exists ? master : "");
}

static void check_basic(void)
{
	struct told t = { .n = 0 };
	struct netlink *nl = netlink_open();
	if (!CHECK(nl != NULL))
		return;
	CHECK(wait_synced(nl, record, &t));
	/* A new namespace holds lo, down; the dump told of it. */
	expect_told(__LINE__, &t, "lo");
	expect_link(__LINE__, nl, "lo", true, false, "");

	ip("link set lo up");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "lo");
	expect_link(__LINE__, nl, "lo", true, true, "");

	ip("link add br0 type bridge");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "br0");
	expect_link(__LINE__, nl, "br0", true, false, "");

	ip("link add v0 type veth peer name v1");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v0 v1");
	expect_link(__LINE__, nl, "v0", true, false, "");
	expect_link(__LINE__, nl, "v1", true, false, "");

	ip("link set v0 master br0");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v0");
	expect_link(__LINE__, nl, "v0", true, false, "br0");
	expect_link(__LINE__, nl, "br0", true, false, "");

	ip("link set v0 up");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v0");
	expect_link(__LINE__, nl, "v0", true, true, "br0");

	ip("link set br0 up");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "br0");
	expect_link(__LINE__, nl, "br0", true, true, "");

	ip("link set br0 down");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "br0");
	expect_link(__LINE__, nl, "br0", true, false, "");

	/* A change nothing here follows: told of nobody. */
	ip("link set v1 mtu 1400");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "");

	/* Renamed: the old name is gone, the new one has its ifindex. */
	int v1_index = (int)if_nametoindex("v1");
	ip("link set v1 name v1x");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v1 v1x");
	expect_link(__LINE__, nl, "v1", false, false, "");
	expect_link(__LINE__, nl, "v1x", true, false, "");
	CHECK((int)if_nametoindex("v1x") == v1_index);

	/* A renamed bridge: its port's master has another name too. */
	ip("link set br0 name br1");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "br0 br1 v0");
	expect_link(__LINE__, nl, "br1", true, false, "");
	expect_link(__LINE__, nl, "v0", true, true, "br1");

	ip("link set v0 nomaster");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v0");
	expect_link(__LINE__, nl, "v0", true, true, "");
	ip("link set v0 master br1");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v0");
	expect_link(__LINE__, nl, "v0", true, true, "br1");

	/* Unknown names do not exist, whatever their shape. */
	expect_link(__LINE__, nl, "nosuch0", false, false, "");
	struct hostif_info info;
	netlink_lookup(nl, "", &info);
	CHECK(!info.exists && info.ifindex == 0 && !*info.master);
	netlink_lookup(nl, "a-name-far-too-long-for-linux", &info);
	CHECK(!info.exists && info.ifindex == 0 && !*info.master);

	/* A second instance, from its dump alone, sees the same. */
	struct told t2 = { .n = 0 };
	struct netlink *nl2 = netlink_open();
	if (CHECK(nl2 != NULL)) {
		CHECK(wait_synced(nl2, record, &t2));
		expect_told(__LINE__, &t2, "lo br1 v0 v1x");
		expect_link(__LINE__, nl2, "lo", true, true, "");
		expect_link(__LINE__, nl2, "br1", true, false, "");
		expect_link(__LINE__, nl2, "v0", true, true, "br1");
		expect_link(__LINE__, nl2, "v1x", true, false, "");
		netlink_close(nl2);
	}

	/* The same name again, on a new ifindex, between two reads. */
	ip("link add d0 type bridge");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "d0");
	int d0_index = (int)if_nametoindex("d0");
	ip("link del d0");
	ip("link add d0 type bridge");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "d0");
	expect_link(__LINE__, nl, "d0", true, false, "");
	CHECK((int)if_nametoindex("d0") != d0_index);

	/* Deleting one end of a veth pair deletes both. */
	ip("link del v0");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "v0 v1x");
	expect_link(__LINE__, nl, "v0", false, false, "");
	expect_link(__LINE__, nl, "v1x", false, false, "");

	ip("link del br1");
	ip("link del d0");
	settle(nl, record, &t);
	expect_told(__LINE__, &t, "br1 d0");
	expect_link(__LINE__, nl, "br1", false, false, "");
	expect_link(__LINE__, nl, "lo", true, true, "");
	CHECK(netlink_synced(nl));
	netlink_close(nl);
}

/* --- many links --- */

#define PAIRS 2000

struct told_many {
	unsigned char a[PAIRS], b[PAIRS];
	struct told other;
};

static void record_many(void *ctx, const char *ifname)
{
	struct told_many *t = ctx;
	char end;
	int i;
	if ((ifname[0] == 'a' || ifname[0] == 'b') &&
	    sscanf(ifname + 1, "%d%c", &i, &end) == 1 && i >= 0 && i < PAIRS)
		(ifname[0] == 'a' ? t->a : t->b)[i] = 1;
	else
		record(&t->other, ifname);
}

/* Whether changed() told of pairs [from, to) exactly, and of the others
 * listed. */
static void expect_told_pairs(int line, struct told_many *t, int from, int to, const char *others)
{
	int wrong = 0, first = -1;
	for (int i = 0; i < PAIRS; i++) {
		bool want = i >= from && i < to;
		if (t->a[i] != want || t->b[i] != want) {
			wrong++;
			if (first < 0)
				first = i;
		}
	}
	if (wrong)
		failf(line, "changed(): %d pairs wrong (first: %d); expected pairs [%d, %d)", wrong,
		      first, from, to);
	expect_told(line, &t->other, others);
	memset(t, 0, sizeof *t);
}

/* Pairs [from, to) exist (or not) as the kernel says, ifindex and all. */
static void expect_pairs(int line, struct netlink *nl, int from, int to, bool exist)
{
	int wrong = 0;
	char first[64] = "";
	for (int i = from; i < to; i++) {
		for (int side = 0; side < 2; side++) {
			char name[IFNAMSIZ];
			snprintf(name, sizeof name, "%c%d", side ? 'b' : 'a', i);
			struct hostif_info info;
			netlink_lookup(nl, name, &info);
			if (info.exists != exist || info.ifindex != (int)if_nametoindex(name)) {
				if (!wrong++)
					snprintf(first, sizeof first, "%s: exists %d ifindex %d", name,
						 info.exists, info.ifindex);
			}
		}
	}
	if (wrong)
		failf(line, "%d links wrong (first %s), expected %s", wrong, first,
		      exist ? "present" : "absent");
}

/* Adds veth pairs a<i>/b<i> for i in [from, to) in one `ip -batch`, or
 * deletes them: put in a group first, the group goes in one go (one by
 * one, each deletion waits for an RCU grace period: ~16 ms). */
static void ip_pairs(bool add, int from, int to)
{
	char path[] = "/tmp/vsacct-test-netlink-XXXXXX";
	int fd = mkstemp(path);
	if (!CHECK(fd >= 0))
		return;
	FILE *fp = fdopen(fd, "w");
	for (int i = from; i < to; i++)
		if (add)
			fprintf(fp, "link add a%d type veth peer name b%d\n", i, i);
		else
			fprintf(fp, "link set a%d group 77\n", i);
	fclose(fp);
	ip("-batch %s", path);
	unlink(path);
	if (!add)
		ip("link del group 77");
}

/* The kernel's count of messages dropped for this socket (its overruns),
 * from /proc/net/netlink, matched by inode. */
static long socket_drops(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	FILE *fp = fopen("/proc/net/netlink", "r");
	if (!fp)
		return -1;
	char line[512];
	long drops = -1;
	while (fgets(line, sizeof line, fp)) {
		/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
		char sk[32], groups[32];
		unsigned long eth, pid, rmem, wmem, dump, locks, drop, inode;
		if (sscanf(line, "%31s %lu %lu %31s %lu %lu %lu %lu %lu %lu", sk, &eth, &pid,
			   groups, &rmem, &wmem, &dump, &locks, &drop, &inode) == 10 &&
		    inode == (unsigned long)st.st_ino)
			drops = (long)drop;
	}
	fclose(fp);
	return drops;
}

static void check_many(void)
{
	static struct told_many t;
	struct netlink *nl = netlink_open();
	if (!CHECK(nl != NULL))
		return;
	CHECK(wait_synced(nl, NULL, NULL));

	ip_pairs(true, 0, PAIRS);
	int64_t start = now_ms();
	settle(nl, record_many, &t);
	CHECK(netlink_synced(nl));
	expect_told_pairs(__LINE__, &t, 0, PAIRS, "");
	expect_pairs(__LINE__, nl, 0, PAIRS, true);
	printf("\n    %d links from events in %lld ms\n", 2 * PAIRS, (long long)(now_ms() - start));

	/* All of them from a dump. */
	start = now_ms();
	struct netlink *nl2 = netlink_open();
	if (CHECK(nl2 != NULL)) {
		CHECK(wait_synced(nl2, NULL, NULL));
		printf("    %d links from a dump in %lld ms\n", 2 * PAIRS, (long long)(now_ms() - start));
		expect_pairs(__LINE__, nl2, 0, PAIRS, true);
		netlink_close(nl2);
	}

	/* Two bridges, s0 last in the table with the lower ifindex (y's
	 * deletion moved s1 into its place), then... */
	ip("link add y type bridge");
	ip("link add s0 type bridge");
	ip("link add s1 type bridge");
	ip("link del y");
	settle(nl, record_many, &t);
	expect_told_pairs(__LINE__, &t, 0, 0, "y s0 s1");
	int s0_index = (int)if_nametoindex("s0"), s1_index = (int)if_nametoindex("s1");

	/* ...lost events: with a receive buffer too small for them, 500
	 * pairs go, 10 come back on new ifindexes, s0 and s1 swap names.
	 * The resync must find it all out, and tell of those alone. */
	int fd = netlink_fd(nl);
	long drops = socket_drops(fd);
	int tiny = 1;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny) == 0);
	/* What fills the tiny buffer changes nothing followed: no deletion
	 * may move s0 before the dump names it. */
	ip("link set lo mtu 65000");
	ip_pairs(false, 0, 500);
	ip_pairs(true, 0, 10);
	ip("link set s0 name st");
	ip("link set s1 name s0");
	ip("link set st name s1");
	int big = 8 << 20;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) == 0);
	if (!CHECK(socket_drops(fd) > drops))
		failf(__LINE__, "no event was lost: the resync is not tested");
	start = now_ms();
	settle(nl, record_many, &t);
	CHECK(wait_synced(nl, record_many, &t));
	printf("    resync of %d links in %lld ms\n", 2 * (PAIRS - 490), (long long)(now_ms() - start));
	expect_told_pairs(__LINE__, &t, 0, 500, "s0 s1");
	expect_link(__LINE__, nl, "s0", true, false, "");
	expect_link(__LINE__, nl, "s1", true, false, "");
	expect_link(__LINE__, nl, "st", false, false, "");
	CHECK((int)if_nametoindex("s0") == s1_index && (int)if_nametoindex("s1") == s0_index);
	expect_pairs(__LINE__, nl, 0, 10, true);
	expect_pairs(__LINE__, nl, 10, 500, false);
	expect_pairs(__LINE__, nl, 500, PAIRS, true);
	expect_link(__LINE__, nl, "lo", true, false, "");

	/* And the table is still right for what comes after. */
	ip_pairs(false, 500, PAIRS);
	settle(nl, record_many, &t);
	expect_told_pairs(__LINE__, &t, 500, PAIRS, "");
	expect_pairs(__LINE__, nl, 0, 10, true);
	expect_pairs(__LINE__, nl, 10, PAIRS, false);
	netlink_close(nl);
}

/* Runs body in a forked child inside a new network namespace. */
static void run_in_netns(void (*body)(void))
{
	if (geteuid() != 0) {
		const char *ci = getenv("CI");
		if (ci && !strcmp(ci, "true")) {
			printf("\n    needs root for a network namespace, and CI=true: failing\n");
			CU_FAIL("live netlink test not run: not root");
		} else {
			printf("\n    skipped: needs root for a network namespace\n");
		}
		return;
	}
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		alarm(180); /* nothing here may hang the suite */
		if (unshare(CLONE_NEWNET) < 0)
			failf(__LINE__, "unshare(CLONE_NEWNET): %s", strerror(errno));
		else
			body();
		fflush(stdout);
		_exit(child_failures ? 1 : 0);
	}
	close(fds[1]);
	FILE *fp = fdopen(fds[0], "r");
	char line[1200];
	while (fp && fgets(line, sizeof line, fp)) {
		line[strcspn(line, "\n")] = '\0';
		char *text = strchr(line, ' ');
		CU_assertImplementation(CU_FALSE, (unsigned)atoi(line), text ? text + 1 : line,
					__FILE__, "", CU_FALSE);
	}
	if (fp)
		fclose(fp);
	int status;
	CU_ASSERT(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (WIFSIGNALED(status))
		printf("\n    child killed by signal %d\n", WTERMSIG(status));
}

static void test_netlink_live_links(void)
{
	run_in_netns(check_basic);
}

static void test_netlink_live_many_links(void)
{
	run_in_netns(check_many);
}

static CU_TestInfo netlink_tests[] = {
	{ "parse_newlink_with_master", test_netlink_parse_newlink_with_master },
	{ "parse_newlink_without_master", test_netlink_parse_newlink_without_master },
	{ "parse_dellink", test_netlink_parse_dellink },
	{ "parse_other_types", test_netlink_parse_other_types },
	{ "parse_truncated_header", test_netlink_parse_truncated_header },
	{ "parse_length_beyond_buffer", test_netlink_parse_length_beyond_buffer },
	{ "parse_attribute_overrun", test_netlink_parse_attribute_overrun },
	{ "parse_bad_names", test_netlink_parse_bad_names },
	{ "parse_zero_length_attribute", test_netlink_parse_zero_length_attribute },
	{ "parse_ends_at_buffer_end", test_netlink_parse_ends_at_buffer_end },
	{ "live_links", test_netlink_live_links },
	{ "live_many_links", test_netlink_live_many_links },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "netlink", NULL, NULL, NULL, NULL, netlink_tests },
	CU_SUITE_INFO_NULL,
};
