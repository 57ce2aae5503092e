/*
 * Unit tests of src/source_proxmox.c without a Proxmox VE node and without
 * root: a /etc/pve-like tree in a temporary directory, qemu-server's pid
 * files naming this test's own process (alive) or none, and looks forced
 * by handing the source a time past its next look. What a QMP socket says
 * and the host's devices are the integration suite's (proxmox.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "runner.h"
#include "source.h"
#include "source_proxmox.h"
#include "sources.h"

static char top[64];
static char path[512];
static const struct source_ops *ops;
static int64_t clock_usec = 1000000;

static const char *at(const char *rel)
{
	snprintf(path, sizeof path, "%s/%s", top, rel);
	return path;
}

/* Replaces a file whole, as pmxcfs does. */
static void put(const char *rel, const char *text)
{
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp", at(rel));
	FILE *fp = fopen(tmp, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
	CU_ASSERT_EQUAL_FATAL(rename(tmp, at(rel)), 0);
}

static int setup(void)
{
	ops = sources_find("proxmox");
	snprintf(top, sizeof top, "/tmp/test_source_proxmox.XXXXXX");
	if (!ops || !mkdtemp(top))
		return -1;
	const char *dirs[] = { "nodes", "nodes/a", "nodes/a/qemu-server", "nodes/a/lxc", "nodes/b",
			       "nodes/b/qemu-server", "run" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (mkdir(at(dirs[i]), 0755) < 0)
			return -1;
	return symlink("nodes/a", at("local"));
}

static int teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static struct source *open_tree(void)
{
	struct conf_source cs = { .kind = "proxmox" };
	snprintf(cs.arg, sizeof cs.arg, "%s", top);
	snprintf(cs.run_dir, sizeof cs.run_dir, "%s/run", top);
	return ops->open(&cs, clock_usec);
}

/* One look, as the loop runs it once its timer is due. */
static bool look(struct source *src)
{
	clock_usec += (SOURCE_PROXMOX_POLL_SEC + 1) * 1000000LL;
	return ops->handle(src, NULL, 0, clock_usec);
}

static const struct domain_record *find(struct source *src, const char *name)
{
	for (size_t i = 0; i < ops->count(src); i++)
		if (!strcmp(ops->record(src, i)->name, name))
			return ops->record(src, i);
	return NULL;
}

static void write_pid(uint32_t vmid, int pid)
{
	char rel[64], text[32];
	snprintf(rel, sizeof rel, "run/%u.pid", vmid);
	snprintf(text, sizeof text, "%d\n", pid);
	put(rel, text);
}

static void test_source_proxmox_table(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	CU_ASSERT_STRING_EQUAL(ops->kind, "proxmox");
	CU_ASSERT_STRING_EQUAL(ops->default_arg, "/etc/pve");
	CU_ASSERT_PTR_NOT_NULL(strstr(sources_kinds(), "proxmox"));
}

static void test_source_proxmox_guests(void)
{
	put("local/qemu-server/100.conf",
	    "name: web\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1,tag=20\n"
	    "smbios1: uuid=5E0C4A54-2F2B-4F77-9D0E-6C1B0F3A6401\n");
	put("local/qemu-server/101.conf", "name: db\nnet0: virtio=BC:24:11:00:00:02,bridge=vmbr0\n"
					  "vmstate: local:101/vm-101-state-x.raw\n");
	put("local/lxc/200.conf", "hostname: ct\nnet0: name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:03\n");
	put("nodes/b/qemu-server/300.conf", "name: elsewhere\n");
	write_pid(100, (int)getpid());
	struct source *src = open_tree();
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(ops->count(src), 3); /* 300 is another node's */
	const struct domain_record *web = find(src, "100/web");
	const struct domain_record *db = find(src, "101/db");
	const struct domain_record *ct = find(src, "200/ct");
	CU_ASSERT_FATAL(web && db && ct);
	CU_ASSERT_STRING_EQUAL(web->uuid, "5e0c4a54-2f2b-4f77-9d0e-6c1b0f3a6401");
	/* Its process lives (no QMP socket: running). */
	CU_ASSERT_EQUAL(web->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(web->pid, (int)getpid());
	CU_ASSERT_EQUAL_FATAL(web->nvnics, 1);
	CU_ASSERT_STRING_EQUAL(web->vnics[0].ifname, "tap100i0");
	CU_ASSERT_STRING_EQUAL(web->vnics[0].bridge, "vmbr0");
	CU_ASSERT_EQUAL(web->vnics[0].vlan, 20);
	CU_ASSERT_TRUE(web->vnics[0].pinned);
	/* No process, vmstate: hibernated. */
	CU_ASSERT_EQUAL(db->state, DOMAIN_SAVED);
	/* A container with no veth on this host: off. */
	CU_ASSERT_EQUAL(ct->state, DOMAIN_OFF);
	CU_ASSERT_STRING_EQUAL(ct->vnics[0].ifname, "veth200i0");
	CU_ASSERT_EQUAL(ct->vnics[0].vlan, 0);

	/* Nothing changed: a look says so. */
	CU_ASSERT_FALSE(look(src));

	/* A new process (another pid) between two looks: a power-up. */
	uint32_t runs = find(src, "100/web")->runs;
	write_pid(100, (int)getppid());
	CU_ASSERT_TRUE(look(src));
	CU_ASSERT_EQUAL(find(src, "100/web")->runs, runs + 1);
	CU_ASSERT_EQUAL(find(src, "100/web")->pid, (int)getppid());
	/* Stopped: its pid file gone. */
	CU_ASSERT_EQUAL(unlink(at("run/100.pid")), 0);
	CU_ASSERT_TRUE(look(src));
	CU_ASSERT_EQUAL(find(src, "100/web")->state, DOMAIN_OFF);

	/* A NIC added: the record follows. */
	put("local/lxc/200.conf", "hostname: ct\nnet0: name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:03\n"
				  "net1: name=eth1,bridge=vmbr1,hwaddr=BC:24:11:00:00:04,tag=7\n");
	CU_ASSERT_TRUE(look(src));
	CU_ASSERT_EQUAL(find(src, "200/ct")->nvnics, 2);

	/* A broken file: the guest keeps its last configuration; a broken new
	 * one and a name that is no VM ID make no row. */
	put("local/lxc/200.conf", "hostname ct\n");
	put("local/qemu-server/102.conf", "net0: virtio=zz,bridge=vmbr0\n");
	put("local/qemu-server/abc.conf", "name: x\n");
	look(src);
	CU_ASSERT_EQUAL(ops->count(src), 3);
	CU_ASSERT_PTR_NOT_NULL(find(src, "200/ct"));
	CU_ASSERT_EQUAL(find(src, "200/ct")->nvnics, 2);

	/* Migrated: its file moves to node b. */
	char to[512];
	snprintf(to, sizeof to, "%s/nodes/b/qemu-server/101.conf", top);
	CU_ASSERT_EQUAL(rename(at("local/qemu-server/101.conf"), to), 0);
	CU_ASSERT_TRUE(look(src));
	CU_ASSERT_PTR_NULL(find(src, "101/db"));
	CU_ASSERT_EQUAL(ops->count(src), 2);
	ops->close(src);
}

/* No such directory (pmxcfs not mounted yet): the source opens, has no
 * guests, and finds them once the directory is there. */
static void test_source_proxmox_missing_dir(void)
{
	struct conf_source cs = { .kind = "proxmox" };
	snprintf(cs.arg, sizeof cs.arg, "%s/not-yet", top);
	struct source *src = ops->open(&cs, clock_usec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(ops->count(src), 0);
	struct pollfd fds[1];
	int timeout = -1;
	CU_ASSERT_EQUAL(ops->pollfds(src, fds, 1, &timeout), 0);
	CU_ASSERT(timeout >= 0 && timeout <= SOURCE_PROXMOX_POLL_SEC * 1000);
	ops->close(src);
}

static CU_TestInfo source_proxmox_tests[] = {
	{ "the table knows it", test_source_proxmox_table },
	{ "guests, states, changes, bad files, migration", test_source_proxmox_guests },
	{ "a directory that is not there yet", test_source_proxmox_missing_dir },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "source_proxmox", setup, teardown, NULL, NULL, source_proxmox_tests },
	CU_SUITE_INFO_NULL,
};
