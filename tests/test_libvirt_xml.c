#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "libvirt_xml.h"
#include "runner.h"

#define DATA TEST_SRCDIR "/data/libvirt/"

static struct domain_record rec;
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
	int rc = libvirt_parse_record(xml, len, &rec, err, sizeof err);
	free(xml);
	return rc;
}

static int parse_str(const char *xml)
{
	return libvirt_parse_record(xml, strlen(xml), &rec, err, sizeof err);
}

/* A minimal live domain around one interface, in libvirt's layout. */
static int parse_iface(const char *iface_xml)
{
	char xml[4096];
	snprintf(xml, sizeof xml,
		 "<domain type='kvm' id='1'>\n"
		 "  <name>vm</name>\n"
		 "  <devices>\n%s\n  </devices>\n"
		 "</domain>\n",
		 iface_xml);
	return parse_str(xml);
}

static int parse_name(const char *name)
{
	char xml[1024];
	snprintf(xml, sizeof xml, "<domain type='kvm' id='2'><name>%s</name></domain>", name);
	return parse_str(xml);
}

static void assert_mac(const uint8_t *mac, const char *want)
{
	char text[MAC_STRLEN];
	CU_ASSERT_STRING_EQUAL(mac_format(mac, text), want);
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

/* What the XML does not say stays unknown. */
static void assert_no_state(void)
{
	CU_ASSERT_EQUAL(rec.state, DOMAIN_UNKNOWN);
	CU_ASSERT_EQUAL(rec.runs, 0);
	CU_ASSERT_EQUAL(rec.pid, 0);
}

/* What a fixture must parse into: its name, UUID and vNICs. */
struct fixture {
	const char *file, *name, *uuid;
	size_t nvnics;
	struct {
		const char *mac, *ifname, *bridge, *lower;
	} vnics[5];
};

static void check_fixture(const struct fixture *f)
{
	CU_ASSERT_EQUAL_FATAL(parse_file(f->file), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, f->name);
	CU_ASSERT_STRING_EQUAL(rec.uuid, f->uuid);
	assert_no_state();
	CU_ASSERT_EQUAL_FATAL(rec.nvnics, f->nvnics);
	for (size_t i = 0; i < f->nvnics; i++)
		assert_vnic(i, f->vnics[i].mac, f->vnics[i].ifname, f->vnics[i].bridge,
			    f->vnics[i].lower);
}

/* A running domain on a host bridge and on libvirt's default network (the
 * bridge from <source network='default' … bridge='virbr0'/>). */
static void test_libvirt_bridge_and_network(void)
{
	static const struct fixture f = {
		"web01.xml", "web01", "8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f", 2,
		{ { "52:54:00:12:34:56", "vnet0", "br0", "" },
		  { "52:54:00:ab:cd:ef", "vnet1", "virbr0", "" } },
	};
	check_fixture(&f);
}

static void test_libvirt_direct(void)
{
	static const struct fixture f = {
		"edge04-direct.xml", "edge04", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", 1,
		{ { "52:54:00:ed:9e:04", "macvtap0", "", "eno1" } },
	};
	check_fixture(&f);
}

/* virsh dumpxml of a running libvirt 9.0 domain with one interface of each
 * kind: a host bridge, an isolated libvirt network, a macvtap network, a
 * direct (macvtap) interface, and a network forwarding to a host bridge. */
static void test_libvirt_live(void)
{
	static const struct fixture f = {
		"five-nics-live.xml", "vse-d", "72d33ce5-0299-49b3-95fd-4d07c992900d", 5,
		{ { "52:54:00:5e:00:04", "vnet16", "vse-br0", "" },
		  { "52:54:00:5e:01:04", "vnet17", "vse-virbr1", "" },
		  { "52:54:00:5e:02:04", "macvtap1", "", "vse-mvl0" },
		  { "52:54:00:5e:03:04", "macvtap2", "", "vse-mvl0" },
		  { "52:54:00:5e:04:04", "vnet18", "vse-br0", "" } },
	};
	check_fixture(&f);
}

/* The same domain's persistent definition (virsh dumpxml --inactive): no
 * devices yet, and a network's bridge or device is not known before it
 * runs. */
static void test_libvirt_inactive(void)
{
	static const struct fixture f = {
		"five-nics-inactive.xml", "vse-d", "72d33ce5-0299-49b3-95fd-4d07c992900d", 5,
		{ { "52:54:00:5e:00:04", "", "vse-br0", "" },
		  { "52:54:00:5e:01:04", "", "", "" },
		  { "52:54:00:5e:02:04", "", "", "" },
		  { "52:54:00:5e:03:04", "", "", "vse-mvl0" },
		  { "52:54:00:5e:04:04", "", "", "" } },
	};
	check_fixture(&f);
}

static void test_libvirt_malformed_fixtures(void)
{
	static const char *const bad[] = {
		"bad-not-xml.xml", "bad-truncated.xml", "bad-mac.xml",
		"bad-uuid.xml",	   "bad-empty-name.xml",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		strcpy(err, "");
		CU_ASSERT_EQUAL(parse_file(bad[i]), -1);
		CU_ASSERT_NOT_EQUAL(strlen(err), 0);
		/* Nothing half-parsed is left behind. */
		CU_ASSERT_STRING_EQUAL(rec.name, "");
		CU_ASSERT_STRING_EQUAL(rec.uuid, "");
		CU_ASSERT_EQUAL(rec.nvnics, 0);
		assert_no_state();
	}
	parse_file("bad-mac.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "domain web01: interface 2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "52:54:00:ab:cd:zz"));
	parse_file("bad-uuid.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "UUID"));
	parse_file("bad-empty-name.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
	parse_file("bad-truncated.xml");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "XML"));
}

/* Where the live XML puts an interface's bridge or lower device: the type
 * it actually got decides. */
static void test_libvirt_attachments(void)
{
	static const struct {
		const char *iface, *bridge, *lower;
	} cases[] = {
		/* A host bridge. */
		{ "<interface type='bridge'><source bridge='br0'/>", "br0", "" },
		/* A network with its own bridge (NAT, routed, isolated). */
		{ "<interface type='network'><source network='default' bridge='virbr0'/>", "virbr0",
		  "" },
		/* A network forwarding to a host bridge. */
		{ "<interface type='bridge'><source network='hostbridge' bridge='br1'/>", "br1", "" },
		/* A macvtap interface. */
		{ "<interface type='direct'><source dev='eno1' mode='vepa'/>", "", "eno1" },
		/* A macvtap network's interface. */
		{ "<interface type='direct'><source network='mv' dev='eno2' mode='bridge'/>", "",
		  "eno2" },
		/* A network not started yet has no bridge to give. */
		{ "<interface type='network'><source network='default'/>", "", "" },
		/* No <source> at all (not valid for libvirt). */
		{ "<interface type='direct'>", "", "" },
		{ "<interface type='bridge'>", "", "" },
		/* A name no kernel device can have. */
		{ "<interface type='direct'><source dev='a-name-far-too-long-for-linux'/>", "", "" },
		{ "<interface type='bridge'><source bridge='br/0'/>", "", "" },
		/* An attribute that does not belong to the type is nothing. */
		{ "<interface type='bridge'><source bridge='br0' dev='eno4'/>", "br0", "" },
		{ "<interface type='direct'><source bridge='br0' dev='eno4'/>", "", "eno4" },
		{ "<interface type='ethernet'><source bridge='br0' dev='eno4'/>", "", "" },
		/* No type at all. */
		{ "<interface><source bridge='br0' dev='eno4'/>", "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char xml[1024];
		snprintf(xml, sizeof xml,
			 "%s<mac address='52:54:00:00:00:01'/><target dev='vnet0'/></interface>",
			 cases[i].iface);
		CU_ASSERT_EQUAL_FATAL(parse_iface(xml), 0);
		CU_ASSERT_EQUAL_FATAL(rec.nvnics, 1);
		CU_ASSERT_STRING_EQUAL(rec.vnics[0].bridge, cases[i].bridge);
		CU_ASSERT_STRING_EQUAL(rec.vnics[0].lower, cases[i].lower);
		CU_ASSERT_STRING_EQUAL(rec.vnics[0].ifname, "vnet0");
	}
}

static void test_libvirt_other_iface_types(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='user'>"
					  "<mac address='52:54:00:00:00:05'/>"
					  "<model type='virtio'/></interface>"),
			      0);
	CU_ASSERT_EQUAL(rec.nvnics, 1);
	assert_vnic(0, "52:54:00:00:00:05", "", "", "");
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='ethernet'>"
					  "<mac address='52:54:00:00:00:06'/>"
					  "<target dev='tap9' managed='no'/></interface>"),
			      0);
	assert_vnic(0, "52:54:00:00:00:06", "tap9", "", "");
	/* A name no kernel device can have is no device to follow. */
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='vhostuser'>"
					  "<mac address='52:54:00:00:00:07'/>"
					  "<source type='unix' path='/run/ovs/vhu0' mode='server'/>"
					  "<target dev='vhost-user-port-number-0'/></interface>"),
			      0);
	CU_ASSERT_STRING_EQUAL(rec.vnics[0].ifname, "");
	/* A domain without devices has no interfaces, and that is fine. */
	CU_ASSERT_EQUAL(parse_name("vm"), 0);
	CU_ASSERT_EQUAL(rec.nvnics, 0);
	/* Interfaces only in <devices>, not elsewhere. */
	CU_ASSERT_EQUAL(parse_str("<domain><name>vm</name><interface type='bridge'>"
				  "<mac address='52:54:00:00:00:08'/></interface></domain>"),
			0);
	CU_ASSERT_EQUAL(rec.nvnics, 0);
}

static void test_libvirt_macs(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_iface("<interface type='bridge'>"
					  "<mac address='52:54:00:AB:CD:EF'/>"
					  "<source bridge='br0'/></interface>"),
			      0);
	assert_mac(rec.vnics[0].mac, "52:54:00:ab:cd:ef");
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
	CU_ASSERT_EQUAL(parse_str("<domain><name>vm</name>"
				  "<uuid>8A3C5E0F-1B2D-4C6E-9F80-1A2B3C4D5E6F</uuid></domain>"),
			0);
	CU_ASSERT_STRING_EQUAL(rec.uuid, "8a3c5e0f-1b2d-4c6e-9f80-1a2b3c4d5e6f");
	CU_ASSERT_EQUAL(parse_name("vm"), 0);
	CU_ASSERT_STRING_EQUAL(rec.uuid, "");
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
		snprintf(xml, sizeof xml, "<domain><name>vm</name><uuid>%s</uuid></domain>", bad[i]);
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
	CU_ASSERT_STRING_EQUAL(rec.name, longest);
	CU_ASSERT_EQUAL(parse_name("web-01.example_com~!"), 0);
	CU_ASSERT_EQUAL(parse_name("a&amp;b"), 0); /* predefined entities are text */
	CU_ASSERT_STRING_EQUAL(rec.name, "a&b");
	CU_ASSERT_EQUAL(parse_name("<![CDATA[vm]]>"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "vm");

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
	CU_ASSERT_EQUAL(parse_str("<domain type='kvm'/>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<name>"));
	/* A <name> in someone's metadata namespace is not the domain's. */
	CU_ASSERT_EQUAL(parse_str("<domain xmlns:n='urn:x'><n:name>vm</n:name></domain>"), -1);
	/* Nor is one deeper down. */
	CU_ASSERT_EQUAL(parse_str("<domain><metadata><name>vm</name></metadata></domain>"), -1);
}

static void test_libvirt_structure(void)
{
	CU_ASSERT_EQUAL(parse_str("<domain type='kvm'><name>vm</name></domain>"), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "vm");
	CU_ASSERT_STRING_EQUAL(rec.uuid, "");
	CU_ASSERT_EQUAL(rec.nvnics, 0);
	assert_no_state();
	/* Only a <domain> document: not a network's, nor the status file
	 * libvirt keeps for itself, which its API never gives. */
	CU_ASSERT_EQUAL(parse_str("<network><name>default</name></network>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<network>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not <domain>"));
	CU_ASSERT_EQUAL(parse_str("<domstatus state='running' reason='booted' pid='1'>"
				  "<domain type='kvm' id='1'><name>vm</name></domain></domstatus>"),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "<domstatus>"));
	CU_ASSERT_STRING_EQUAL(rec.name, "");
	CU_ASSERT_EQUAL(libvirt_parse_record("", 0, &rec, err, sizeof err), -1);
	CU_ASSERT_NOT_EQUAL(strlen(err), 0);
	CU_ASSERT_EQUAL(libvirt_parse_record(NULL, 0, &rec, err, sizeof err), -1);
	/* Trailing junk, and NUL bytes inside, are not XML. */
	CU_ASSERT_EQUAL(parse_str("<domain><name>vm</name></domain><more/>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "XML"));
	const char nul[] = "<domain><name>vm</name></domain>\0";
	CU_ASSERT_EQUAL(libvirt_parse_record(nul, sizeof nul, &rec, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL"));
	/* A DOCTYPE, even a harmless one, is no libvirt output. */
	CU_ASSERT_EQUAL(parse_str("<!DOCTYPE domain><domain><name>vm</name></domain>"), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DOCTYPE"));
	/* No room for a message is no reason to crash. */
	CU_ASSERT_EQUAL(libvirt_parse_record("<x/>", 4, &rec, NULL, 0), -1);
	char tiny[8];
	CU_ASSERT_EQUAL(libvirt_parse_record("<x/>", 4, &rec, tiny, sizeof tiny), -1);
	CU_ASSERT_EQUAL(strlen(tiny), sizeof tiny - 1);
}

static void test_libvirt_too_many_vnics(void)
{
	size_t cap = 128 * 1024;
	char *xml = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
	size_t n = (size_t)snprintf(xml, cap, "<domain><name>wide</name><devices>");
	for (int i = 0; i < DOMAIN_MAX_VNICS + 6; i++)
		n += (size_t)snprintf(xml + n, cap - n,
				      "<interface type='bridge'><mac address='52:54:00:00:01:%02x'/>"
				      "<source bridge='br0'/><target dev='vnet%d'/></interface>",
				      i, i);
	snprintf(xml + n, cap - n, "</devices></domain>");
	CU_ASSERT_EQUAL(parse_str(xml), 0);
	CU_ASSERT_EQUAL(rec.nvnics, DOMAIN_MAX_VNICS);
	assert_vnic(DOMAIN_MAX_VNICS - 1, "52:54:00:00:01:3f", "vnet63", "br0", "");
	free(xml);
}

static void test_libvirt_billion_laughs(void)
{
	/* Ten levels of ten: expanded, the name would be 10^10 characters. */
	char xml[4096];
	size_t n = (size_t)snprintf(xml, sizeof xml,
				    "<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
				    "<!ENTITY l0 'lol'>\n");
	for (int i = 1; i <= 10; i++) {
		n += (size_t)snprintf(xml + n, sizeof xml - n, "<!ENTITY l%d '", i);
		for (int j = 0; j < 10; j++)
			n += (size_t)snprintf(xml + n, sizeof xml - n, "&l%d;", i - 1);
		n += (size_t)snprintf(xml + n, sizeof xml - n, "'>\n");
	}
	snprintf(xml + n, sizeof xml - n, "]>\n<domain><name>&l10;</name></domain>\n");
	CU_ASSERT_EQUAL(parse_str(xml), -1);
	CU_ASSERT_NOT_EQUAL(strlen(err), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "");
	/* The same in an attribute. */
	snprintf(xml + n, sizeof xml - n,
		 "]>\n<domain><name>vm</name><devices><interface type='&l9;'>"
		 "<mac address='52:54:00:00:00:01'/></interface></devices></domain>\n");
	CU_ASSERT_EQUAL(parse_str(xml), -1);
	CU_ASSERT_STRING_EQUAL(rec.name, "");
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
		{ "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file://",
		  "'>]><domain><name>&x;</name></domain>" },
		/* a parameter entity, expanded in the DTD itself */
		{ "<!DOCTYPE domain [<!ENTITY % p SYSTEM 'file://",
		  "'> %p;]><domain><name>vm</name></domain>" },
		/* an external DTD */
		{ "<!DOCTYPE domain SYSTEM 'file://", "'><domain><name>vm</name></domain>" },
		/* XInclude is never processed: plain elements to us */
		{ "<domain xmlns:xi='http://www.w3.org/2001/XInclude'><name><xi:include href='file://",
		  "' parse='text'/></name></domain>" },
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		char xml[1024];
		snprintf(xml, sizeof xml, "%s%s%s", docs[i].before, secret, docs[i].after);
		CU_ASSERT_EQUAL(parse_str(xml), -1);
		CU_ASSERT_PTR_NULL(strstr(rec.name, "stolen"));
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
	size_t limit = LIBVIRT_MAX_XML;
	char *xml = malloc(limit + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
	/* A valid domain padded with a comment to exactly the limit passes… */
	const char *head = "<domain><name>big</name></domain>\n<!--";
	size_t hl = strlen(head);
	memcpy(xml, head, hl);
	memset(xml + hl, ' ', limit - hl - 3);
	memcpy(xml + limit - 3, "-->", 3);
	xml[limit] = '\0';
	CU_ASSERT_EQUAL(libvirt_parse_record(xml, limit, &rec, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(rec.name, "big");
	/* …one byte more does not. */
	memcpy(xml + limit - 3, " -->", 4);
	xml[limit + 1] = '\0';
	CU_ASSERT_EQUAL(libvirt_parse_record(xml, limit + 1, &rec, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger"));
	free(xml);
}

static int libvirt_cleanup(void)
{
	xmlCleanupParser();
	return 0;
}

static CU_TestInfo libvirt_tests[] = {
	{ "bridge_and_network", test_libvirt_bridge_and_network },
	{ "direct", test_libvirt_direct },
	{ "live", test_libvirt_live },
	{ "inactive", test_libvirt_inactive },
	{ "malformed_fixtures", test_libvirt_malformed_fixtures },
	{ "attachments", test_libvirt_attachments },
	{ "other_iface_types", test_libvirt_other_iface_types },
	{ "macs", test_libvirt_macs },
	{ "uuids", test_libvirt_uuids },
	{ "names", test_libvirt_names },
	{ "structure", test_libvirt_structure },
	{ "too_many_vnics", test_libvirt_too_many_vnics },
	{ "billion_laughs", test_libvirt_billion_laughs },
	{ "external_entity", test_libvirt_external_entity },
	{ "huge_input", test_libvirt_huge_input },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "libvirt", NULL, libvirt_cleanup, NULL, NULL, libvirt_tests },
	CU_SUITE_INFO_NULL,
};
