/*
 * Unit tests of src/proxmox_conf.c: Proxmox VE guest configurations
 * (qm.conf(5), pct.conf(5)) as the node writes them, every form of the
 * keys vsacct reads, sections that are not the current configuration, and
 * lines that do not parse.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "proxmox_conf.h"

static struct proxmox_guest g;
static struct proxmox_error err;

static int parse(enum proxmox_kind kind, const char *text)
{
	memset(&err, 0, sizeof err);
	return proxmox_parse(kind, text, strlen(text), &g, &err);
}

static void expect_mac(const struct proxmox_nic *nic, const char *text)
{
	uint8_t mac[MAC_LEN];
	CU_ASSERT_EQUAL_FATAL(mac_parse(text, mac), 0);
	CU_ASSERT_EQUAL(memcmp(nic->mac, mac, MAC_LEN), 0);
}

/* What `qm create` and the GUI write for a guest with a firewalled NIC on
 * a VLAN, a description, and keys vsacct does not read. */
static void test_proxmox_conf_qemu_as_written(void)
{
	const char *text = "#web server\n"
			   "#second line of the description\n"
			   "boot: order=scsi0;net0\n"
			   "cores: 2\n"
			   "memory: 2048\n"
			   "meta: creation-qemu=8.1.5,ctime=1712345678\n"
			   "name: web01\n"
			   "net0: virtio=BC:24:11:AA:BB:01,bridge=vmbr0,firewall=1,tag=20\n"
			   "net1: e1000=bc:24:11:aa:bb:02,bridge=vmbr1,link_down=1\n"
			   "numa: 0\n"
			   "ostype: l26\n"
			   "scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G\n"
			   "smbios1: uuid=8A3C1B2D-0E4F-4A5B-9C6D-7E8F90A1B2C3\n"
			   "vmgenid: 0b2c3d4e-5f60-4718-293a-4b5c6d7e8f90\n";
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, text), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "web01");
	CU_ASSERT_STRING_EQUAL(g.uuid, "8a3c1b2d-0e4f-4a5b-9c6d-7e8f90a1b2c3");
	CU_ASSERT_FALSE(g.hibernated);
	CU_ASSERT_EQUAL_FATAL(g.nnics, 2);
	CU_ASSERT_EQUAL(g.nics[0].n, 0);
	expect_mac(&g.nics[0], "bc:24:11:aa:bb:01");
	CU_ASSERT_STRING_EQUAL(g.nics[0].bridge, "vmbr0");
	CU_ASSERT_EQUAL(g.nics[0].tag, 20);
	CU_ASSERT_TRUE(g.nics[0].firewall);
	CU_ASSERT_FALSE(g.nics[0].link_down);
	CU_ASSERT_EQUAL(g.nics[1].n, 1);
	expect_mac(&g.nics[1], "bc:24:11:aa:bb:02");
	CU_ASSERT_STRING_EQUAL(g.nics[1].bridge, "vmbr1");
	CU_ASSERT_EQUAL(g.nics[1].tag, 0);
	CU_ASSERT_FALSE(g.nics[1].firewall);
	CU_ASSERT_TRUE(g.nics[1].link_down);
}

/* qm.conf(5): "[model=]<enum>", "macaddr=", and "<model>=<mac>" name a
 * NIC's model and MAC in any of these forms. */
static void test_proxmox_conf_qemu_nic_forms(void)
{
	const char *text = "net0: model=virtio,macaddr=52:54:00:00:00:10,bridge=vmbr0\n"
			   "net1: rtl8139,macaddr=52:54:00:00:00:11,bridge=vmbr0\n"
			   "net2: bridge=vmbr0,vmxnet3=52:54:00:00:00:12,firewall=0,mtu=1400,queues=4,"
			   "rate=12.5,trunks=10;20;30\n"
			   "net3: virtio=52:54:00:00:00:13,bridge=vmbr0,firewall=yes,link_down=off\n";
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, text), 0);
	CU_ASSERT_EQUAL_FATAL(g.nnics, 4);
	expect_mac(&g.nics[0], "52:54:00:00:00:10");
	expect_mac(&g.nics[1], "52:54:00:00:00:11");
	expect_mac(&g.nics[2], "52:54:00:00:00:12");
	expect_mac(&g.nics[3], "52:54:00:00:00:13");
	CU_ASSERT_FALSE(g.nics[2].firewall);
	CU_ASSERT_TRUE(g.nics[3].firewall);
	CU_ASSERT_FALSE(g.nics[3].link_down);
}

/* NICs come in netN order whatever the file's order; one without a
 * bridge (user-mode networking) has no host interface to count. */
static void test_proxmox_conf_nic_order_and_no_bridge(void)
{
	const char *text = "net5: virtio=52:54:00:00:00:05,bridge=vmbr0\n"
			   "net2: virtio=52:54:00:00:00:02\n"
			   "net0: virtio=52:54:00:00:00:00,bridge=vmbr0\n"
			   "net31: virtio=52:54:00:00:00:1f,bridge=vmbr0\n";
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, text), 0);
	CU_ASSERT_EQUAL_FATAL(g.nnics, 3);
	CU_ASSERT_EQUAL(g.nics[0].n, 0);
	CU_ASSERT_EQUAL(g.nics[1].n, 5);
	CU_ASSERT_EQUAL(g.nics[2].n, 31);
}

/* What pct writes for a container. */
static void test_proxmox_conf_lxc_as_written(void)
{
	const char *text = "arch: amd64\n"
			   "cores: 1\n"
			   "features: nesting=1\n"
			   "hostname: ct-dns\n"
			   "memory: 512\n"
			   "net0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:CC:DD:01,"
			   "ip=10.0.0.5/24,tag=30,type=veth\n"
			   "net1: name=eth1,bridge=vmbr1,hwaddr=BC:24:11:CC:DD:02,ip=dhcp,ip6=auto,type=veth\n"
			   "ostype: debian\n"
			   "rootfs: local-lvm:vm-200-disk-0,size=8G\n"
			   "swap: 512\n"
			   "unprivileged: 1\n"
			   "lxc.apparmor.profile: unconfined\n"
			   "lxc.cgroup2.devices.allow = c 10:200 rwm\n";
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_LXC, text), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "ct-dns");
	CU_ASSERT_STRING_EQUAL(g.uuid, "");
	CU_ASSERT_EQUAL_FATAL(g.nnics, 2);
	expect_mac(&g.nics[0], "bc:24:11:cc:dd:01");
	CU_ASSERT_EQUAL(g.nics[0].tag, 30);
	CU_ASSERT_TRUE(g.nics[0].firewall);
	CU_ASSERT_STRING_EQUAL(g.nics[1].bridge, "vmbr1");
}

/* A container's "name" is its interface's name, not the guest's; a QEMU
 * guest's "hostname" means nothing. */
static void test_proxmox_conf_name_key_per_kind(void)
{
	CU_ASSERT_EQUAL(parse(PROXMOX_LXC, "name: notme\nhostname: ct1\n"), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "ct1");
	CU_ASSERT_EQUAL(parse(PROXMOX_QEMU, "hostname: notme\nname: vm1\n"), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "vm1");
}

/* Snapshot sections, [PENDING] and [special:cloudinit] are not the
 * current configuration: their NICs, names and vmstate are not read. */
static void test_proxmox_conf_sections_skipped(void)
{
	const char *text = "name: current\n"
			   "net0: virtio=52:54:00:00:00:01,bridge=vmbr0\n"
			   "parent: before-upgrade\n"
			   "\n"
			   "[PENDING]\n"
			   "net1: virtio=52:54:00:00:00:02,bridge=vmbr0\n"
			   "delete: net0\n"
			   "\n"
			   "[before-upgrade]\n"
			   "name: old\n"
			   "net0: virtio=52:54:00:00:00:09,bridge=vmbr9,tag=99\n"
			   "snaptime: 1712345678\n"
			   "vmstate: local-lvm:vm-100-state-before-upgrade\n"
			   "\n"
			   "[special:cloudinit]\n"
			   "ipconfig0: ip=dhcp\n"
			   "this is not even a key line\n";
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, text), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "current");
	CU_ASSERT_FALSE(g.hibernated);
	CU_ASSERT_EQUAL_FATAL(g.nnics, 1);
	expect_mac(&g.nics[0], "52:54:00:00:00:01");
	CU_ASSERT_STRING_EQUAL(g.nics[0].bridge, "vmbr0");
}

/* qm suspend --todisk leaves vmstate (and lock: suspended) in the current
 * configuration. */
static void test_proxmox_conf_hibernated(void)
{
	CU_ASSERT_EQUAL(parse(PROXMOX_QEMU, "lock: suspended\nname: h\n"
					    "vmstate: local-lvm:vm-101-state-suspend-2024-04-05\n"), 0);
	CU_ASSERT_TRUE(g.hibernated);
}

/* Blank lines, blanks around values, CRLF endings, no final newline. */
static void test_proxmox_conf_blanks(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, "\n  \r\nname:   spaced  \r\n"
						  "net0:virtio=52:54:00:00:00:01,bridge=vmbr0"), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "spaced");
	CU_ASSERT_EQUAL(g.nnics, 1);
	CU_ASSERT_EQUAL(parse(PROXMOX_QEMU, ""), 0);
	CU_ASSERT_EQUAL(g.nnics, 0);
	CU_ASSERT_STRING_EQUAL(g.name, "");
}

static void expect_error(enum proxmox_kind kind, const char *text, unsigned line, const char *what)
{
	char msg[256];
	snprintf(msg, sizeof msg, "refused at line %u with '%s': %s", line, what, text);
	int rc = parse(kind, text);
	CU_assertImplementation(rc == -1 && err.line == line && strstr(err.msg, what) != NULL,
				__LINE__, msg, __FILE__, "", CU_FALSE);
}

static void test_proxmox_conf_bad_lines(void)
{
	expect_error(PROXMOX_QEMU, "name: a\nthis is not a key line\n", 2, "not a 'key: value' line");
	expect_error(PROXMOX_QEMU, "Name: a\n", 1, "not a 'key: value' line");
	expect_error(PROXMOX_QEMU, "name:\n", 1, "name: no value");
	expect_error(PROXMOX_QEMU, "name a\n", 1, "not a 'key: value' line");
	expect_error(PROXMOX_QEMU, "lxc.foo: bar\n", 1, "not a 'key: value' line");
	expect_error(PROXMOX_QEMU, "name: a\nname: b\n", 2, "name given twice");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=a\n"
				   "net0: virtio=52:54:00:00:00:02,bridge=a\n", 2, "net0 given twice");
	expect_error(PROXMOX_QEMU, "name: two words\n", 1, "not a name");
	char nul[] = "name: a\nnet0: x\0y\n";
	memset(&err, 0, sizeof err);
	CU_ASSERT_EQUAL(proxmox_parse(PROXMOX_QEMU, nul, sizeof nul - 1, &g, &err), -1);
	CU_ASSERT_EQUAL(err.line, 2);
}

static void test_proxmox_conf_bad_nics(void)
{
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:0g,bridge=vmbr0\n", 1,
		     "is not a MAC address");
	expect_error(PROXMOX_QEMU, "net0: virtio=01:00:5e:00:00:01,bridge=vmbr0\n", 1,
		     "multicast");
	expect_error(PROXMOX_QEMU, "net0: virtio,bridge=vmbr0\n", 1, "no MAC address");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,macaddr=52:54:00:00:00:02\n", 1,
		     "two MAC addresses");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=vmbr0,tag=0\n", 1,
		     "is not a VLAN");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=vmbr0,tag=4095\n", 1,
		     "is not a VLAN");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=vmbr0,tag=020\n", 1,
		     "is not a VLAN");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=vmbr0,firewall=maybe\n",
		     1, "is not a boolean");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=a/b\n", 1,
		     "is not a bridge name");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,bridge=averyveryverylongbr\n", 1,
		     "is not a bridge name");
	expect_error(PROXMOX_QEMU, "net0: virtio=52:54:00:00:00:01,,bridge=vmbr0\n", 1,
		     "is not KEY=VALUE");
	/* A container's MAC is hwaddr=, never MODEL=MAC. */
	expect_error(PROXMOX_LXC, "net0: name=eth0,virtio=52:54:00:00:00:01,bridge=vmbr0\n", 1,
		     "no MAC address");
	expect_error(PROXMOX_LXC, "net0: eth0,hwaddr=52:54:00:00:00:01,bridge=vmbr0\n", 1,
		     "is not KEY=VALUE");
	expect_error(PROXMOX_QEMU, "smbios1: uuid=not-a-uuid\n", 1, "uuid is not a UUID");
}

/* Lines only Proxmox reads may be long (a description, an args: line);
 * the ones vsacct reads may not. */
static void test_proxmox_conf_long_values(void)
{
	char text[3000] = "#";
	memset(text + 1, 'd', 2000);
	strcpy(text + 2001, "\nargs: ");
	size_t at = strlen(text);
	memset(text + at, 'a', 900);
	strcpy(text + at + 900, "\nname: ok\n");
	CU_ASSERT_EQUAL(parse(PROXMOX_QEMU, text), 0);
	CU_ASSERT_STRING_EQUAL(g.name, "ok");
	char bad[1200] = "net0: virtio=52:54:00:00:00:01,bridge=vmbr0,x=";
	at = strlen(bad);
	memset(bad + at, 'x', 700);
	bad[at + 700] = '\0';
	expect_error(PROXMOX_QEMU, bad, 1, "value longer than");
}

static void test_proxmox_conf_vmid_of(void)
{
	uint32_t v = 0;
	CU_ASSERT_EQUAL(proxmox_vmid_of("100.conf", &v), 0);
	CU_ASSERT_EQUAL(v, 100);
	CU_ASSERT_EQUAL(proxmox_vmid_of("999999999.conf", &v), 0);
	CU_ASSERT_EQUAL(v, 999999999);
	const char *bad[] = { "99.conf", "1000000000.conf", "0100.conf", "abc.conf", ".conf",
			      "100.conf.tmp.1234", "100", "100.cfg", "-100.conf", "1e3.conf" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CU_ASSERT_EQUAL(proxmox_vmid_of(bad[i], &v), -1);
}

static void test_proxmox_conf_names(void)
{
	char ifname[CONF_IFNAME_MAX + 1], row[CONF_NAME_MAX + 1];
	CU_ASSERT_EQUAL(proxmox_ifname(PROXMOX_QEMU, 100, 0, ifname), 0);
	CU_ASSERT_STRING_EQUAL(ifname, "tap100i0");
	CU_ASSERT_EQUAL(proxmox_ifname(PROXMOX_LXC, 205, 3, ifname), 0);
	CU_ASSERT_STRING_EQUAL(ifname, "veth205i3");
	CU_ASSERT_EQUAL(proxmox_ifname(PROXMOX_QEMU, 999999999, 31, ifname), 0);
	CU_ASSERT_STRING_EQUAL(ifname, "tap999999999i31");
	CU_ASSERT_EQUAL(proxmox_ifname(PROXMOX_LXC, 999999999, 31, ifname), -1);

	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, "name: web01\n"), 0);
	CU_ASSERT_EQUAL(proxmox_row_name(100, &g, row), 0);
	CU_ASSERT_STRING_EQUAL(row, "100/web01");
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, "cores: 1\n"), 0);
	CU_ASSERT_EQUAL(proxmox_row_name(101, &g, row), 0);
	CU_ASSERT_STRING_EQUAL(row, "101/VM101");
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_LXC, "cores: 1\n"), 0);
	CU_ASSERT_EQUAL(proxmox_row_name(200, &g, row), 0);
	CU_ASSERT_STRING_EQUAL(row, "200/CT200");
	/* 251 characters and "100/": past the 255 a row's name may have. */
	char text[300] = "name: ";
	memset(text + 6, 'n', 252);
	text[258] = '\0';
	CU_ASSERT_EQUAL_FATAL(parse(PROXMOX_QEMU, text), 0);
	CU_ASSERT_EQUAL(proxmox_row_name(100, &g, row), -1);
}

static CU_TestInfo proxmox_conf_tests[] = {
	{ "a QEMU guest as qm writes it", test_proxmox_conf_qemu_as_written },
	{ "every form of a QEMU NIC", test_proxmox_conf_qemu_nic_forms },
	{ "NICs in netN order, none without a bridge", test_proxmox_conf_nic_order_and_no_bridge },
	{ "a container as pct writes it", test_proxmox_conf_lxc_as_written },
	{ "the name's key per kind", test_proxmox_conf_name_key_per_kind },
	{ "snapshot, pending and special sections skipped", test_proxmox_conf_sections_skipped },
	{ "vmstate: hibernated", test_proxmox_conf_hibernated },
	{ "blanks, CRLF, no final newline, empty file", test_proxmox_conf_blanks },
	{ "bad lines refused with their line", test_proxmox_conf_bad_lines },
	{ "bad NICs refused with their line", test_proxmox_conf_bad_nics },
	{ "long values only where vsacct does not read", test_proxmox_conf_long_values },
	{ "VM IDs from file names", test_proxmox_conf_vmid_of },
	{ "host interface and row names", test_proxmox_conf_names },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "proxmox_conf", NULL, NULL, NULL, NULL, proxmox_conf_tests },
	CU_SUITE_INFO_NULL,
};
