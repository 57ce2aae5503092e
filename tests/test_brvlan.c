#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "brvlan.h"
#include "runner.h"

/* --- brvlan_parse on AF_BRIDGE link messages built here --- */

#define BRIDGE 7

struct msg {
	union {
		struct nlmsghdr h;
		unsigned char b[512];
	};
	size_t len;
};

static void msg_init(struct msg *m, int ifindex)
{
	memset(m, 0, sizeof *m);
	m->h.nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	memcpy(m->b + NLMSG_HDRLEN, &ifi, sizeof ifi);
	m->len = NLMSG_SPACE(sizeof ifi);
	m->h.nlmsg_len = (uint32_t)m->len;
}

static void msg_attr(struct msg *m, unsigned short type, const void *data, size_t dlen)
{
	size_t at = NLMSG_ALIGN(m->len);
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(dlen), .rta_type = type };
	memcpy(m->b + at, &rta, sizeof rta);
	memcpy(m->b + at + RTA_LENGTH(0), data, dlen);
	m->len = at + RTA_LENGTH(dlen);
	m->h.nlmsg_len = (uint32_t)m->len;
}

/* IFLA_AF_SPEC holding one IFLA_BRIDGE_VLAN_INFO per VLAN, as the kernel
 * lists them with RTEXT_FILTER_BRVLAN. */
static void msg_vlans(struct msg *m, const struct bridge_vlan_info *v, size_t n)
{
	unsigned char nested[256];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		struct rtattr rta = { .rta_len = RTA_LENGTH(sizeof *v), .rta_type = IFLA_BRIDGE_VLAN_INFO };
		memcpy(nested + len, &rta, sizeof rta);
		memcpy(nested + len + RTA_LENGTH(0), &v[i], sizeof *v);
		len += RTA_SPACE(sizeof *v);
	}
	msg_attr(m, IFLA_AF_SPEC, nested, len);
}

static const struct bridge_vlan_info TRUNK_AND_PVID[] = {
	{ .flags = 0, .vid = 10 },
	{ .flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, .vid = 20 },
	{ .flags = 0, .vid = 30 },
};

static void test_port_pvid(void)
{
	struct msg m;
	msg_init(&m, 12);
	uint32_t master = BRIDGE;
	msg_attr(&m, IFLA_MASTER, &master, sizeof master);
	msg_vlans(&m, TRUNK_AND_PVID, 3);
	struct brvlan_pvid p = { 0, 0 };
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE, &p), 1);
	CU_ASSERT_EQUAL(p.ifindex, 12);
	CU_ASSERT_EQUAL(p.pvid, 20);
	/* Another bridge's port: not ours. */
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE + 1, &p), 0);
}

static void test_bridge_itself(void)
{
	/* The bridge's own entry names no master. */
	struct msg m;
	msg_init(&m, BRIDGE);
	msg_vlans(&m, TRUNK_AND_PVID + 1, 1);
	struct brvlan_pvid p = { 0, 0 };
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE, &p), 1);
	CU_ASSERT_EQUAL(p.ifindex, BRIDGE);
	CU_ASSERT_EQUAL(p.pvid, 20);
}

static void test_no_pvid(void)
{
	/* A trunk port without a PVID, and a bridge without VLAN filtering
	 * (no IFLA_AF_SPEC): nothing to report. */
	struct msg m;
	msg_init(&m, 12);
	uint32_t master = BRIDGE;
	msg_attr(&m, IFLA_MASTER, &master, sizeof master);
	msg_vlans(&m, TRUNK_AND_PVID, 1);
	struct brvlan_pvid p;
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE, &p), 0);
	msg_init(&m, 12);
	msg_attr(&m, IFLA_MASTER, &master, sizeof master);
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE, &p), 0);
}

static void test_malformed(void)
{
	struct msg m;
	msg_init(&m, 12);
	uint32_t master = BRIDGE;
	msg_attr(&m, IFLA_MASTER, &master, sizeof master);
	msg_vlans(&m, TRUNK_AND_PVID, 3);
	struct brvlan_pvid p;
	/* Cut short: the length given is less than the message says. */
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len - 4, BRIDGE, &p), -1);
	/* An attribute running past the message's end. */
	m.h.nlmsg_len -= 4;
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE, &p), -1);
	/* Shorter than a link message's header. */
	msg_init(&m, 12);
	m.h.nlmsg_len = NLMSG_LENGTH(2);
	CU_ASSERT_EQUAL(brvlan_parse(&m.h, m.len, BRIDGE, &p), -1);
}

static CU_TestInfo brvlan_tests[] = {
	{ "a port's PVID among its VLANs", test_port_pvid },
	{ "the bridge's own PVID", test_bridge_itself },
	{ "no PVID, no VLAN list: nothing", test_no_pvid },
	{ "malformed messages refused", test_malformed },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "brvlan", NULL, NULL, NULL, NULL, brvlan_tests },
	CU_SUITE_INFO_NULL,
};
