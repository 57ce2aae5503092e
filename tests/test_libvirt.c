#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "libvirt.h"
#include "runner.h"

#define DATA TEST_SRCDIR "/data/libvirt/"

static struct libvirt_domain dom;
static char err[512];

/* The whole file, NUL-terminated; NULL (and a failed assertion) if unreadable. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			char *more = realloc(buf, cap);
			CU_ASSERT_PTR_NOT_NULL_FATAL(more);
			buf = more;
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int parse_file(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, DATA "%s", name);
	size_t len;
	char *xml = slurp(path, &len);
	int rc = libvirt_parse_status(xml, len, &dom, err, sizeof err);
	free(xml);
	return rc;
}

static int parse_str(const char *xml)
{
	return libvirt_parse_status(xml, strlen(xml), &dom, err, sizeof err);
}

static void assert_mac(const uint8_t *mac, const char *want)
{
	char text[MAC_STRLEN];
	CU_ASSERT_STRING_EQUAL(mac_format(mac, text), want);
}

/* A minimal status file around one interface, in libvirt's layout. */
static int parse_iface(const char *iface_xml)
{
	char xml[4096];
	snprintf(xml, sizeof xml,
		 "<domstatus state='running' reason='booted' pid='1'>\n"
		 "  <domain type='kvm' id='1'>\n"
		 "    <name>vm</name>\n"
		 "    <devices>\n%s\n    </devices>\n"
		 "  </domain>\n"
		 "</domstatus>\n",
		 iface_xml);
	return parse_str(xml);
}

static int parse_state(const char *state, const char *reason)
{
	char xml[512];
	snprintf(xml, sizeof xml,
		 "<domstatus state='%s' reason='%s' pid='7'>"
		 "<domain type='kvm' id='2'><name>vm</name></domain></domstatus>",
		 state, reason);
	return parse_str(xml);
}

static int parse_name(const char *name)
{
	char xml[1024];
	snprintf(xml, sizeof xml,
		 "<domstatus state='running' reason='booted' pid='7'>"
		 "<domain type='kvm' id='2'><name>%s</name></domain></domstatus>",
		 name);
	return parse_str(xml);
}

static void test_libvirt_bridge_and_network(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_file("web01.xml"), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, "web01");
	CU_ASSERT_STRING_EQUAL(dom.uuid, "8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f");
	CU_ASSERT_EQUAL(dom.state, LIBVIRT_RUNNING);
	CU_ASSERT_TRUE(dom.fresh_start);
	CU_ASSERT_EQUAL_FATAL(dom.nifaces, 2);
	assert_mac(dom.ifaces[0].mac, "52:54:00:12:34:56");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "vnet0");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "br0");
	assert_mac(dom.ifaces[1].mac, "52:54:00:ab:cd:ef");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[1].target, "vnet1");
	/* From <actual type='network'><source bridge='virbr0'/>. */
	CU_ASSERT_STRING_EQUAL(dom.ifaces[1].bridge, "virbr0");
}

static void test_libvirt_restored(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_file("db02-restored.xml"), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, "db02");
	CU_ASSERT_STRING_EQUAL(dom.uuid, "0f6e2d1c-7a8b-4c9d-a0e1-f2a3b4c5d6e7");
	CU_ASSERT_EQUAL(dom.state, LIBVIRT_RUNNING);
	CU_ASSERT_TRUE(dom.fresh_start);
	CU_ASSERT_EQUAL_FATAL(dom.nifaces, 1);
	assert_mac(dom.ifaces[0].mac, "52:54:00:0d:b0:02");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "vnet2");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "virbr0");
}

static void test_libvirt_paused(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_file("batch03-paused.xml"), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, "batch03");
	CU_ASSERT_EQUAL(dom.state, LIBVIRT_PAUSED);
	CU_ASSERT_FALSE(dom.fresh_start);
	CU_ASSERT_EQUAL_FATAL(dom.nifaces, 1);
	assert_mac(dom.ifaces[0].mac, "52:54:00:ba:7c:03");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "vnet3");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "br0");
}

static void test_libvirt_direct(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_file("edge04-direct.xml"), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, "edge04");
	CU_ASSERT_EQUAL(dom.state, LIBVIRT_RUNNING);
	CU_ASSERT_FALSE(dom.fresh_start); /* unpaused: it ran before */
	CU_ASSERT_EQUAL_FATAL(dom.nifaces, 1);
	assert_mac(dom.ifaces[0].mac, "52:54:00:ed:9e:04");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "macvtap0");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "");
}

static void test_libvirt_malformed_fixtures(void)
{
	static const char *const bad[] = {
		"bad-not-xml.xml", "bad-truncated.xml", "bad-no-domstatus.xml",
		"bad-mac.xml",     "bad-uuid.xml",      "bad-empty-name.xml",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		strcpy(err, "");
		CU_ASSERT_EQUAL(parse_file(bad[i]), -1);
		CU_ASSERT_NOT_EQUAL(strlen(err), 0);
		/* Nothing half-parsed is left behind. */
		CU_ASSERT_STRING_EQUAL(dom.name, "");
		CU_ASSERT_EQUAL(dom.nifaces, 0);
	}
	parse_file("bad-no-domstatus.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<domain>"));
	parse_file("bad-mac.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "52:54:00:ab:cd:zz"));
	parse_file("bad-uuid.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "UUID"));
	parse_file("bad-empty-name.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
	parse_file("bad-truncated.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "XML"));
}

static void test_libvirt_fresh_start_reasons(void)
{
	static const char *const fresh[] = { "booted", "restored", "from snapshot" };
	static const char *const carried_on[] = {
		"unknown", "wakeup", "migrated", "unpaused", "migration canceled", "save canceled",
		"crashed", "post-copy", "post-copy failed", "Booted",
	};
	for (size_t i = 0; i < sizeof fresh / sizeof *fresh; i++) {
		CU_ASSERT_EQUAL(parse_state("running", fresh[i]), 0);
		CU_ASSERT_TRUE(dom.fresh_start);
	}
	for (size_t i = 0; i < sizeof carried_on / sizeof *carried_on; i++) {
		CU_ASSERT_EQUAL(parse_state("running", carried_on[i]), 0);
		CU_ASSERT_EQUAL(dom.state, LIBVIRT_RUNNING);
		CU_ASSERT_FALSE(dom.fresh_start);
	}
	/* Only a running domain starts fresh. */
	CU_ASSERT_EQUAL(parse_state("paused", "from snapshot"), 0);
	CU_ASSERT_EQUAL(dom.state, LIBVIRT_PAUSED);
	CU_ASSERT_FALSE(dom.fresh_start);
	/* No reason at all: not fresh. */
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running'><domain><name>vm</name></domain>"
				  "</domstatus>"),
			0);
	CU_ASSERT_FALSE(dom.fresh_start);
}

static void test_libvirt_other_states(void)
{
	static const char *const other[] = { "nostate", "blocked", "shutdown", "shutoff",
					     "crashed", "pmsuspended" };
	for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
		CU_ASSERT_EQUAL(parse_state(other[i], "unknown"), 0);
		CU_ASSERT_EQUAL(dom.state, LIBVIRT_OTHER);
		CU_ASSERT_FALSE(dom.fresh_start);
	}
	/* libvirt itself refuses a status without a state. */
	CU_ASSERT_EQUAL(parse_str("<domstatus reason='booted'><domain><name>vm</name></domain>"
				  "</domstatus>"),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "state"));
}

static void test_libvirt_network_forms(void)
{
	/* The public live XML's form: the bridge on <source network=>. */
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='network'>"
					  "<mac address='52:54:00:00:00:01'/>"
					  "<source network='default' bridge='virbr0'/>"
					  "<target dev='vnet7'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "virbr0");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "vnet7");
	/* A network forwarding to a host bridge: <actual type='bridge'>. */
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='network'>"
					  "<mac address='52:54:00:00:00:02'/>"
					  "<source network='hostbridge'/>"
					  "<actual type='bridge'><source bridge='br1'/></actual>"
					  "<target dev='vnet8'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "br1");
	/* A macvtap network: no bridge. */
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='network'>"
					  "<mac address='52:54:00:00:00:03'/>"
					  "<source network='macvtap-net'/>"
					  "<actual type='direct'><source dev='eno2' mode='vepa'/></actual>"
					  "<target dev='macvtap3'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "macvtap3");
	/* A network not started yet has no bridge to give. */
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='network'>"
					  "<mac address='52:54:00:00:00:04'/>"
					  "<source network='default'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "");
}

static void test_libvirt_other_iface_types(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='user'>"
					  "<mac address='52:54:00:00:00:05'/>"
					  "<model type='virtio'/></interface>"),
			      0);
	CU_ASSERT_EQUAL(dom.nifaces, 1);
	assert_mac(dom.ifaces[0].mac, "52:54:00:00:00:05");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "");
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='ethernet'>"
					  "<mac address='52:54:00:00:00:06'/>"
					  "<target dev='tap9' managed='no'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "tap9");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].bridge, "");
	/* A name no kernel device can have is no device to follow. */
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='vhostuser'>"
					  "<mac address='52:54:00:00:00:07'/>"
					  "<source type='unix' path='/run/ovs/vhu0' mode='server'/>"
					  "<target dev='vhost-user-port-number-0'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[0].target, "");
	/* A domain without devices has no interfaces, and that is fine. */
	CU_ASSERT_EQUAL(parse_state("running", "booted"), 0);
	CU_ASSERT_EQUAL(dom.nifaces, 0);
}

static void test_libvirt_macs(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='bridge'>"
					  "<mac address='52:54:00:AB:CD:EF'/>"
					  "<source bridge='br0'/></interface>"),
			      0);
	assert_mac(dom.ifaces[0].mac, "52:54:00:ab:cd:ef");
	static const char *const bad[] = {
		"<interface type='bridge'><source bridge='br0'/></interface>",
		"<interface type='bridge'><mac/><source bridge='br0'/></interface>",
		"<interface type='bridge'><mac address=''/></interface>",
		"<interface type='bridge'><mac address='52:54:00:12:34'/></interface>",
		"<interface type='bridge'><mac address='52:54:00:12:34:56:78'/></interface>",
		"<interface type='bridge'><mac address='52-54-00-12-34-56'/></interface>",
		"<interface type='bridge'><mac address='01:00:5e:00:00:01'/></interface>",
		"<interface type='bridge'><mac address='ff:ff:ff:ff:ff:ff'/></interface>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		strcpy(err, "");
		CU_ASSERT_EQUAL(parse_iface(bad[i]), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "domain vm: interface 1"));
	}
}

static void test_libvirt_uuids(void)
{
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running'><domain><name>vm</name>"
				  "<uuid>8A3C5E0F-1B2D-4C6E-9F80-1A2B3C4D5E6F</uuid></domain>"
				  "</domstatus>"),
			0);
	CU_ASSERT_STRING_EQUAL(dom.uuid, "8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f");
	CU_ASSERT_EQUAL(parse_state("running", "booted"), 0);
	CU_ASSERT_STRING_EQUAL(dom.uuid, "");
	static const char *const bad[] = {
		"",
		"8a3c5e0f1b2d4c6e9f801a2b3c4d5e6f",
		"8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6g",
		" 8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f",
		"8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f0",
		"8a3c5e0f-1b2d-4c6e-9f801-a2b3c4d5e6f",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char xml[512];
		snprintf(xml, sizeof xml,
			 "<domstatus state='running'><domain><name>vm</name>"
			 "<uuid>%s</uuid></domain></domstatus>",
			 bad[i]);
		CU_ASSERT_EQUAL(parse_str(xml), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "UUID"));
	}
}

static void test_libvirt_names(void)
{
	char longest[CONF_NAME_MAX + 2];
	memset(longest, 'n', CONF_NAME_MAX);
	longest[CONF_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(parse_name(longest), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, longest);
	CU_ASSERT_EQUAL(parse_name("web-01.example_com~!"), 0);
	CU_ASSERT_EQUAL(parse_name("a&amp;b"), 0); /* predefined entities are text */
	CU_ASSERT_STRING_EQUAL(dom.name, "a&b");

	longest[CONF_NAME_MAX] = 'n';
	longest[CONF_NAME_MAX + 1] = '\0';
	static const char *const fixed_bad[] = {
		"", "my vm", " vm", "vm\t1", "caf\xc3\xa9", "line&#10;break", "a<b/>c",
	};
	for (size_t i = 0; i < sizeof fixed_bad / sizeof *fixed_bad; i++) {
		CU_ASSERT_EQUAL(parse_name(fixed_bad[i]), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
		/* The message itself stays one printable line. */
		for (const char *p = err; *p; p++)
			CU_ASSERT(*p >= 0x20 && *p <= 0x7e);
	}
	CU_ASSERT_EQUAL(parse_name(longest), -1);
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running'><domain/></domstatus>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<name>"));
	/* A <name> in someone's metadata namespace is not the domain's. */
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running'><domain xmlns:n='urn:x'>"
				  "<n:name>vm</n:name></domain></domstatus>"),
			-1);
}

static void test_libvirt_structure(void)
{
	/* The persistent definition (/etc/libvirt/qemu) is not a status file. */
	CU_ASSERT_EQUAL(parse_str("<domain type='kvm'><name>vm</name></domain>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<domstatus>"));
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running' reason='booted' pid='1'>"
				  "<taint flag='high-privileges'/></domstatus>"),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<domain>"));
	/* A <domain> deeper down is not the status' domain. */
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running'><x><domain><name>vm</name>"
				  "</domain></x></domstatus>"),
			-1);
	CU_ASSERT_EQUAL(libvirt_parse_status("", 0, &dom, err, sizeof err), -1);
	CU_ASSERT_NOT_EQUAL(strlen(err), 0);
	CU_ASSERT_EQUAL(libvirt_parse_status(NULL, 0, &dom, err, sizeof err), -1);
	/* Trailing junk, and NUL bytes inside, are not XML. */
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running'><domain><name>vm</name></domain>"
				  "</domstatus><more/>"),
			-1);
	const char nul[] = "<domstatus state='running'><domain><name>vm</name></domain>"
			   "</domstatus>\0";
	CU_ASSERT_EQUAL(libvirt_parse_status(nul, sizeof nul, &dom, err, sizeof err), -1);
	/* No room for a message is no reason to crash. */
	CU_ASSERT_EQUAL(libvirt_parse_status("<x/>", 4, &dom, NULL, 0), -1);
	char tiny[8];
	CU_ASSERT_EQUAL(libvirt_parse_status("<x/>", 4, &dom, tiny, sizeof tiny), -1);
	CU_ASSERT_EQUAL(strlen(tiny), sizeof tiny - 1);
}

static void test_libvirt_too_many_ifaces(void)
{
	size_t cap = 128 * 1024;
	char *xml = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
	size_t n = (size_t)snprintf(xml, cap, "<domstatus state='running' reason='booted'>"
					      "<domain><name>wide</name><devices>");
	for (int i = 0; i < LIBVIRT_MAX_IFACES + 6; i++)
		n += (size_t)snprintf(xml + n, cap - n,
				      "<interface type='bridge'><mac address='52:54:00:00:01:%02x'/>"
				      "<source bridge='br0'/><target dev='vnet%d'/></interface>",
				      i, i);
	snprintf(xml + n, cap - n, "</devices></domain></domstatus>");
	CU_ASSERT_EQUAL(parse_str(xml), 0);
	CU_ASSERT_EQUAL(dom.nifaces, LIBVIRT_MAX_IFACES);
	assert_mac(dom.ifaces[LIBVIRT_MAX_IFACES - 1].mac, "52:54:00:00:01:3f");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[LIBVIRT_MAX_IFACES - 1].target, "vnet63");
	free(xml);
}

static void test_libvirt_billion_laughs(void)
{
	/* Ten levels of ten: expanded, the name would be 10^10 characters. */
	char xml[4096];
	size_t n = (size_t)snprintf(xml, sizeof xml,
				    "<?xml version='1.0'?>\n<!DOCTYPE domstatus [\n"
				    "<!ENTITY l0 'lol'>\n");
	for (int i = 1; i <= 10; i++) {
		n += (size_t)snprintf(xml + n, sizeof xml - n, "<!ENTITY l%d '", i);
		for (int j = 0; j < 10; j++)
			n += (size_t)snprintf(xml + n, sizeof xml - n, "&l%d;", i - 1);
		n += (size_t)snprintf(xml + n, sizeof xml - n, "'>\n");
	}
	snprintf(xml + n, sizeof xml - n,
		 "]>\n<domstatus state='running' reason='booted'><domain>"
		 "<name>&l10;</name></domain></domstatus>\n");
	CU_ASSERT_EQUAL(parse_str(xml), -1);
	CU_ASSERT_NOT_EQUAL(strlen(err), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, "");
	/* The same in an attribute. */
	char *attr = strstr(xml, "state='running'");
	CU_ASSERT_PTR_NOT_NULL_FATAL(attr);
	memcpy(attr, "state='&l9;'   ", 15);
	CU_ASSERT_EQUAL(parse_str(xml), -1);
}

/* An external entity pointing at a file: parsing must not even open it,
 * which an inotify watch on the file would see. */
static void test_libvirt_external_entity(void)
{
	char dir[] = "/tmp/test_libvirt.XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char secret[256];
	snprintf(secret, sizeof secret, "%s/secret", dir);
	FILE *f = fopen(secret, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("stolen", f);
	fclose(f);
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CU_ASSERT_FATAL(ifd >= 0);
	CU_ASSERT(inotify_add_watch(ifd, secret, IN_OPEN | IN_ACCESS) >= 0);

	static const struct {
		const char *before, *after; /* around the file's path */
	} docs[] = {
		/* a general entity used in content */
		{ "<!DOCTYPE domstatus [<!ENTITY x SYSTEM 'file://",
		  "'>]><domstatus state='running'><domain><name>&x;</name></domain></domstatus>" },
		/* a parameter entity, expanded in the DTD itself */
		{ "<!DOCTYPE domstatus [<!ENTITY % p SYSTEM 'file://",
		  "'> %p;]><domstatus state='running'><domain><name>vm</name></domain></domstatus>" },
		/* an external DTD */
		{ "<!DOCTYPE domstatus SYSTEM 'file://",
		  "'><domstatus state='running'><domain><name>vm</name></domain></domstatus>" },
		/* XInclude is never processed: plain elements to us */
		{ "<domstatus state='running' xmlns:xi='http://www.w3.org/2001/XInclude'><domain>"
		  "<name><xi:include href='file://",
		  "' parse='text'/></name></domain></domstatus>" },
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		char xml[1024];
		snprintf(xml, sizeof xml, "%s%s%s", docs[i].before, secret, docs[i].after);
		CU_ASSERT_EQUAL(parse_str(xml), -1);
		CU_ASSERT_PTR_NULL(strstr(dom.name, "stolen"));
	}
	char ev[4096];
	errno = 0;
	CU_ASSERT_EQUAL(read(ifd, ev, sizeof ev), -1); /* no event: never opened */
	CU_ASSERT_EQUAL(errno, EAGAIN);
	close(ifd);
	unlink(secret);
	rmdir(dir);
}

static void test_libvirt_huge_input(void)
{
	size_t limit = 4u << 20;
	char *xml = malloc(limit + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
	/* A valid status padded with a comment to exactly the limit passes… */
	const char *head = "<domstatus state='running'><domain><name>big</name></domain>"
			   "</domstatus>\n<!--";
	size_t hl = strlen(head);
	memcpy(xml, head, hl);
	memset(xml + hl, ' ', limit - hl - 3);
	memcpy(xml + limit - 3, "-->", 3);
	xml[limit] = '\0';
	CU_ASSERT_EQUAL(libvirt_parse_status(xml, limit, &dom, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(dom.name, "big");
	/* …one byte more does not. */
	memcpy(xml + limit - 3, " -->", 4);
	xml[limit + 1] = '\0';
	CU_ASSERT_EQUAL(libvirt_parse_status(xml, limit + 1, &dom, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger"));
	free(xml);
}

/* --- libvirt_parse_record: what libvirt's API gives, and status files --- */

static struct domain_record rec;

static int record_file(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, DATA "%s", name);
	size_t len;
	char *xml = slurp(path, &len);
	int rc = libvirt_parse_record(xml, len, &rec, err, sizeof err);
	free(xml);
	return rc;
}

static int record_str(const char *xml)
{
	return libvirt_parse_record(xml, strlen(xml), &rec, err, sizeof err);
}

static void assert_vnic(size_t i, const char *mac, const char *ifname, const char *bridge,
			const char *lower)
{
	CU_ASSERT_FATAL(i < rec.nvnics);
	assert_mac(rec.vnics[i].mac, mac);
	CU_ASSERT_STRING_EQUAL(rec.vnics[i].ifname, ifname);
	CU_ASSERT_STRING_EQUAL(rec.vnics[i].bridge, bridge);
	CU_ASSERT_STRING_EQUAL(rec.vnics[i].lower, lower);
}

/* virsh dumpxml of a running libvirt 9.0 domain with one interface of each
 * kind: a host bridge, an isolated libvirt network, a macvtap network, a
 * direct (macvtap) interface, and a network forwarding to a host bridge. */
static void test_libvirt_record_live(void)
{
	CU_ASSERT_EQUAL_FATAL(record_file("five-nics-live.xml"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "vse-d");
	CU_ASSERT_STRING_EQUAL(rec.uuid, "72d33ce5-0299-49b3-95fd-4d07c992900d");
	CU_ASSERT_EQUAL(rec.state, DOMAIN_UNKNOWN);
	CU_ASSERT_EQUAL(rec.runs, 0);
	CU_ASSERT_EQUAL(rec.pid, 0);
	CU_ASSERT_EQUAL_FATAL(rec.nvnics, 5);
	assert_vnic(0, "52:54:00:5e:00:04", "vnet16", "vse-br0", "");
	assert_vnic(1, "52:54:00:5e:01:04", "vnet17", "vse-virbr1", "");
	assert_vnic(2, "52:54:00:5e:02:04", "macvtap1", "", "vse-mvl0");
	assert_vnic(3, "52:54:00:5e:03:04", "macvtap2", "", "vse-mvl0");
	assert_vnic(4, "52:54:00:5e:04:04", "vnet18", "vse-br0", "");
}

/* The same domain's persistent definition (virsh dumpxml --inactive): no
 * devices yet, and a network's bridge or device is not known before it
 * runs. */
static void test_libvirt_record_inactive(void)
{
	CU_ASSERT_EQUAL_FATAL(record_file("five-nics-inactive.xml"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "vse-d");
	CU_ASSERT_EQUAL_FATAL(rec.nvnics, 5);
	assert_vnic(0, "52:54:00:5e:00:04", "", "vse-br0", "");
	assert_vnic(1, "52:54:00:5e:01:04", "", "", "");
	assert_vnic(2, "52:54:00:5e:02:04", "", "", "");
	assert_vnic(3, "52:54:00:5e:03:04", "", "", "vse-mvl0");
	assert_vnic(4, "52:54:00:5e:04:04", "", "", "");
}

/* Its status file at the same time: the same vNICs, from <actual>, and the
 * QEMU process' pid. */
static void test_libvirt_record_status(void)
{
	CU_ASSERT_EQUAL_FATAL(record_file("five-nics-status.xml"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "vse-d");
	CU_ASSERT_STRING_EQUAL(rec.uuid, "72d33ce5-0299-49b3-95fd-4d07c992900d");
	CU_ASSERT_EQUAL(rec.state, DOMAIN_UNKNOWN);
	CU_ASSERT_EQUAL(rec.pid, 14958);
	CU_ASSERT_EQUAL_FATAL(rec.nvnics, 5);
	assert_vnic(0, "52:54:00:5e:00:04", "vnet16", "vse-br0", "");
	assert_vnic(1, "52:54:00:5e:01:04", "vnet17", "vse-virbr1", "");
	assert_vnic(2, "52:54:00:5e:02:04", "macvtap1", "", "vse-mvl0");
	assert_vnic(3, "52:54:00:5e:03:04", "macvtap2", "", "vse-mvl0");
	assert_vnic(4, "52:54:00:5e:04:04", "vnet18", "vse-br0", "");
	/* The older reader sees the same file as it always did. */
	CU_ASSERT_EQUAL_FATAL(parse_file("five-nics-status.xml"), 0);
	CU_ASSERT_EQUAL(dom.state, LIBVIRT_RUNNING);
	CU_ASSERT_TRUE(dom.fresh_start);
	CU_ASSERT_EQUAL_FATAL(dom.nifaces, 5);
	CU_ASSERT_STRING_EQUAL(dom.ifaces[2].target, "macvtap1");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[2].bridge, "");
	CU_ASSERT_STRING_EQUAL(dom.ifaces[4].bridge, "vse-br0");
}

static void test_libvirt_record_fixtures(void)
{
	/* Every status fixture reads the same through both entry points. */
	static const char *const good[] = { "web01.xml", "db02-restored.xml",
					    "batch03-paused.xml", "edge04-direct.xml" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		CU_ASSERT_EQUAL_FATAL(parse_file(good[i]), 0);
		CU_ASSERT_EQUAL_FATAL(record_file(good[i]), 0);
		CU_ASSERT_STRING_EQUAL(rec.name, dom.name);
		CU_ASSERT_STRING_EQUAL(rec.uuid, dom.uuid);
		CU_ASSERT_TRUE(rec.pid > 0);
		CU_ASSERT_EQUAL_FATAL(rec.nvnics, dom.nifaces);
		for (size_t k = 0; k < rec.nvnics; k++) {
			CU_ASSERT_EQUAL(memcmp(rec.vnics[k].mac, dom.ifaces[k].mac, MAC_LEN), 0);
			CU_ASSERT_STRING_EQUAL(rec.vnics[k].ifname, dom.ifaces[k].target);
			CU_ASSERT_STRING_EQUAL(rec.vnics[k].bridge, dom.ifaces[k].bridge);
		}
	}
	/* edge04's interface is a direct one on eno1. */
	CU_ASSERT_EQUAL_FATAL(record_file("edge04-direct.xml"), 0);
	CU_ASSERT_STRING_EQUAL(rec.vnics[0].lower, "eno1");
	/* The status file's <domain> alone is a document of its own. */
	CU_ASSERT_EQUAL_FATAL(record_file("bad-no-domstatus.xml"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "web01");
	CU_ASSERT_EQUAL(rec.pid, 0);
	CU_ASSERT_EQUAL(rec.nvnics, 2);

	static const char *const bad[] = { "bad-not-xml.xml", "bad-truncated.xml",
					   "bad-mac.xml", "bad-uuid.xml", "bad-empty-name.xml" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		strcpy(err, "");
		CU_ASSERT_EQUAL(record_file(bad[i]), -1);
		CU_ASSERT_NOT_EQUAL(strlen(err), 0);
		CU_ASSERT_STRING_EQUAL(rec.name, "");
		CU_ASSERT_EQUAL(rec.nvnics, 0);
		CU_ASSERT_EQUAL(rec.pid, 0);
	}
}

static void test_libvirt_record_structure(void)
{
	CU_ASSERT_EQUAL(record_str("<domain type='kvm'><name>vm</name></domain>"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "vm");
	CU_ASSERT_STRING_EQUAL(rec.uuid, "");
	CU_ASSERT_EQUAL(rec.nvnics, 0);
	CU_ASSERT_EQUAL(record_str("<network><name>default</name></network>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<network>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<domain> or <domstatus>"));
	CU_ASSERT_EQUAL(record_str("<domstatus state='running'/>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<domain>"));
	CU_ASSERT_EQUAL(record_str("<domain><uuid>8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f</uuid>"
				   "</domain>"),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<name>"));
	CU_ASSERT_EQUAL(record_str("<domain><name>my vm</name></domain>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
	CU_ASSERT_EQUAL(record_str("<domain><name>vm</name><devices><interface type='direct'>"
				   "<source dev='eth0'/></interface></devices></domain>"),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "domain vm: interface 1"));
	/* A DOCTYPE, a NUL, nothing at all: refused as for status files. */
	CU_ASSERT_EQUAL(record_str("<!DOCTYPE domain><domain><name>vm</name></domain>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DOCTYPE"));
	const char nul[] = "<domain><name>vm</name></domain>\0";
	CU_ASSERT_EQUAL(libvirt_parse_record(nul, sizeof nul, &rec, err, sizeof err), -1);
	CU_ASSERT_EQUAL(libvirt_parse_record(NULL, 0, &rec, err, sizeof err), -1);
	CU_ASSERT_EQUAL(libvirt_parse_record("<x/>", 4, &rec, NULL, 0), -1);
	/* A status file's pid: a positive decimal int, or nothing known. */
	static const struct {
		const char *pid;
		int want;
	} pids[] = { { "1", 1 }, { "2147483647", 2147483647 }, { "2147483648", 0 },
		     { "0", 0 },  { "-5", 0 },		   { "12a", 0 },
		     { "", 0 },	  { " 7", 0 } };
	for (size_t i = 0; i < sizeof pids / sizeof *pids; i++) {
		char xml[256];
		snprintf(xml, sizeof xml,
			 "<domstatus state='running' pid='%s'><domain><name>vm</name></domain>"
			 "</domstatus>",
			 pids[i].pid);
		CU_ASSERT_EQUAL(record_str(xml), 0);
		CU_ASSERT_EQUAL(rec.pid, pids[i].want);
	}
}

static void test_libvirt_record_lower(void)
{
	static const struct {
		const char *iface, *bridge, *lower;
	} cases[] = {
		/* A direct interface as the live XML shows it. */
		{ "<interface type='direct'><source dev='eno1' mode='vepa'/>", "", "eno1" },
		/* A macvtap network's interface in the live XML. */
		{ "<interface type='direct'><source network='mv' dev='eno2' mode='bridge'/>", "",
		  "eno2" },
		/* The same in a status file. */
		{ "<interface type='network'><source network='mv'/>"
		  "<actual type='direct'><source dev='eno3' mode='bridge'/></actual>",
		  "", "eno3" },
		/* A direct interface with no device (not valid for libvirt). */
		{ "<interface type='direct'>", "", "" },
		/* A device name no kernel could have. */
		{ "<interface type='direct'><source dev='a-name-far-too-long-for-linux'/>", "", "" },
		/* A bridge's <source dev=> is nothing. */
		{ "<interface type='bridge'><source bridge='br0' dev='eno4'/>", "br0", "" },
		/* A network's bridge in an <actual> keeps its lower empty. */
		{ "<interface type='network'><actual type='bridge'><source bridge='br1' dev='x'/>"
		  "</actual>",
		  "br1", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char xml[1024];
		snprintf(xml, sizeof xml,
			 "<domain><name>vm</name><devices>%s<mac address='52:54:00:00:00:01'/>"
			 "<target dev='macvtap0'/></interface></devices></domain>",
			 cases[i].iface);
		CU_ASSERT_EQUAL_FATAL(record_str(xml), 0);
		CU_ASSERT_EQUAL_FATAL(rec.nvnics, 1);
		CU_ASSERT_STRING_EQUAL(rec.vnics[0].bridge, cases[i].bridge);
		CU_ASSERT_STRING_EQUAL(rec.vnics[0].lower, cases[i].lower);
		CU_ASSERT_STRING_EQUAL(rec.vnics[0].ifname, "macvtap0");
	}
}

static void test_libvirt_record_too_many_vnics(void)
{
	size_t cap = 128 * 1024;
	char *xml = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
	size_t n = (size_t)snprintf(xml, cap, "<domain><name>wide</name><devices>");
	for (int i = 0; i < DOMAIN_MAX_VNICS + 3; i++)
		n += (size_t)snprintf(xml + n, cap - n,
				      "<interface type='direct'><mac address='52:54:00:00:02:%02x'/>"
				      "<source dev='eno1'/><target dev='macvtap%d'/></interface>",
				      i, i);
	snprintf(xml + n, cap - n, "</devices></domain>");
	CU_ASSERT_EQUAL(record_str(xml), 0);
	CU_ASSERT_EQUAL(rec.nvnics, DOMAIN_MAX_VNICS);
	assert_vnic(DOMAIN_MAX_VNICS - 1, "52:54:00:00:02:3f", "macvtap63", "", "eno1");
	free(xml);
}

static int libvirt_cleanup(void)
{
	xmlCleanupParser();
	return 0;
}

static CU_TestInfo libvirt_tests[] = {
	{ "bridge_and_network", test_libvirt_bridge_and_network },
	{ "restored", test_libvirt_restored },
	{ "paused", test_libvirt_paused },
	{ "direct", test_libvirt_direct },
	{ "malformed_fixtures", test_libvirt_malformed_fixtures },
	{ "fresh_start_reasons", test_libvirt_fresh_start_reasons },
	{ "other_states", test_libvirt_other_states },
	{ "network_forms", test_libvirt_network_forms },
	{ "other_iface_types", test_libvirt_other_iface_types },
	{ "macs", test_libvirt_macs },
	{ "uuids", test_libvirt_uuids },
	{ "names", test_libvirt_names },
	{ "structure", test_libvirt_structure },
	{ "too_many_ifaces", test_libvirt_too_many_ifaces },
	{ "billion_laughs", test_libvirt_billion_laughs },
	{ "external_entity", test_libvirt_external_entity },
	{ "huge_input", test_libvirt_huge_input },
	{ "record_live", test_libvirt_record_live },
	{ "record_inactive", test_libvirt_record_inactive },
	{ "record_status", test_libvirt_record_status },
	{ "record_fixtures", test_libvirt_record_fixtures },
	{ "record_structure", test_libvirt_record_structure },
	{ "record_lower", test_libvirt_record_lower },
	{ "record_too_many_vnics", test_libvirt_record_too_many_vnics },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "libvirt", NULL, libvirt_cleanup, NULL, NULL, libvirt_tests },
	CU_SUITE_INFO_NULL,
};
