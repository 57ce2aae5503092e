/*
 * The libvirt source against libvirt's own test driver (test:///default):
 * a hypervisor inside this process, with one running domain "test", whose
 * state every connection of the process shares. The test drives it through
 * a second, read-write connection and pumps the source as the daemon's
 * loop would; libvirt's events reach the source through its event hooks.
 */
#include <libvirt/libvirt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "mac.h"
#include "runner.h"
#include "source.h"
#include "sources.h"
#include "source_libvirt.h"

#define TEST_URI "test:///default"
#define TEST_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"

static const struct source_ops *ops;
static virConnectPtr rw;	/* the test's own hands on the hypervisor */
static int64_t skew;		/* pretend this much more time has passed */

static int64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + skew;
}

/* Runs the source's loop for a few quiet turns (libvirt's test driver
 * delivers its events through a zero timer): true if its records changed. */
static bool pump(struct source *src)
{
	bool changed = false;
	int quiet = 0;
	for (int turn = 0; turn < 200 && quiet < 3; turn++) {
		struct pollfd fds[16];
		int timeout = -1;
		size_t n = ops->pollfds(src, fds, 16, &timeout);
		if (timeout < 0 || timeout > 10)
			timeout = 10;
		bool busy = timeout == 0;
		CU_ASSERT(poll(fds, n, timeout) >= 0);
		if (ops->handle(src, fds, n, now_usec()))
			changed = true, busy = true;
		quiet = busy ? 0 : quiet + 1;
	}
	return changed;
}

static const struct domain_record *find(struct source *src, const char *name)
{
	for (size_t i = 0; i < ops->count(src); i++)
		if (!strcmp(ops->record(src, i)->name, name))
			return ops->record(src, i);
	return NULL;
}

/* The source of a 'discover libvirt URI' line. */
static struct source *open_uri(const char *uri)
{
	struct conf_source cs = { .kind = "libvirt" };
	snprintf(cs.arg, sizeof cs.arg, "%s", uri);
	return ops->open(&cs, now_usec());
}

static virDomainPtr test_domain(void)
{
	virDomainPtr d = virDomainLookupByName(rw, "test");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return d;
}

static int setup(void)
{
	ops = &source_libvirt_ops;
	if (!ops)
		return -1;
	/* libvirt's event implementation is registered by the first source
	 * opened, and must be before any connection. */
	ops->close(open_uri(TEST_URI));
	rw = virConnectOpen(TEST_URI);
	return rw ? 0 : -1;
}

static int teardown(void)
{
	if (rw)
		virConnectClose(rw);
	return 0;
}

static void test_source_libvirt_table(void)
{
	CU_ASSERT_PTR_NULL(sources_find("nope"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sources_kinds(), "libvirt"));
	CU_ASSERT_STRING_EQUAL(source_libvirt_ops.kind, "libvirt");
	CU_ASSERT_STRING_EQUAL(source_libvirt_ops.default_arg, "qemu:///system");
}

static void test_source_libvirt_records(void)
{
	struct source *src = open_uri(TEST_URI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL_FATAL(ops->count(src), 1);
	const struct domain_record *r = ops->record(src, 0);
	CU_ASSERT_STRING_EQUAL(r->name, "test");
	CU_ASSERT_STRING_EQUAL(r->uuid, TEST_UUID);
	CU_ASSERT_EQUAL(r->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(r->runs, 0);
	CU_ASSERT_EQUAL_FATAL(r->nvnics, 1);
	char mac[MAC_STRLEN];
	CU_ASSERT_STRING_EQUAL(mac_format(r->vnics[0].mac, mac), "aa:bb:cc:dd:ee:ff");
	CU_ASSERT_STRING_EQUAL(r->vnics[0].ifname, "testnet0");
	CU_ASSERT_PTR_NULL(ops->record(src, 1));
	/* Nothing happens, nothing changes. */
	CU_ASSERT_FALSE(pump(src));
	ops->close(src);
}

static void test_source_libvirt_lifecycle(void)
{
	struct source *src = open_uri(TEST_URI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	virDomainPtr d = test_domain();

	CU_ASSERT_EQUAL(virDomainSuspend(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_PAUSED);
	CU_ASSERT_EQUAL(virDomainResume(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(find(src, "test")->runs, 0);

	CU_ASSERT_EQUAL(virDomainDestroy(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_OFF);
	CU_ASSERT_EQUAL(find(src, "test")->nvnics, 1);
	CU_ASSERT_STRING_EQUAL(find(src, "test")->vnics[0].ifname, "testnet0");

	skew += 10 * 1000000; /* beyond the merge window of the last run */
	CU_ASSERT_EQUAL(virDomainCreate(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(find(src, "test")->runs, 1);

	/* A save to a file, and its restore: a run. */
	char path[] = "/tmp/test_source_libvirt.XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	skew += 10 * 1000000;
	CU_ASSERT_EQUAL(virDomainSave(d, path), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_SAVED);
	CU_ASSERT_EQUAL(virDomainRestore(rw, path), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(find(src, "test")->runs, 2);
	unlink(path);
	virDomainFree(d);
	ops->close(src);
}

static void test_source_libvirt_managed_save(void)
{
	struct source *src = open_uri(TEST_URI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	virDomainPtr d = test_domain();
	CU_ASSERT_EQUAL(virDomainManagedSave(d, 0), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_SAVED);
	/* Removing the image sends no event: the source looks again within
	 * a few seconds. */
	CU_ASSERT_EQUAL(virDomainManagedSaveRemove(d, 0), 0);
	CU_ASSERT_FALSE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_SAVED);
	skew += 6 * 1000000;
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_OFF);
	skew += 6 * 1000000;
	CU_ASSERT_FALSE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_OFF);
	CU_ASSERT_EQUAL(virDomainCreate(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "test")->state, DOMAIN_RUNNING);
	virDomainFree(d);
	ops->close(src);
}

static void test_source_libvirt_define_undefine(void)
{
	struct source *src = open_uri(TEST_URI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	size_t before = ops->count(src);
	virDomainPtr d = virDomainDefineXML(
		rw, "<domain type='test'><name>vse-unit</name><memory>65536</memory>"
		    "<uuid>0f6e2d1c-7a8b-4c9d-a0e1-f2a3b4c5d6e7</uuid>"
		    "<os><type>hvm</type></os><devices>"
		    "<interface type='direct'><mac address='52:54:00:00:00:42'/>"
		    "<source dev='eth9' mode='vepa'/></interface>"
		    "<interface type='bridge'><mac address='52:54:00:00:00:43'/>"
		    "<source bridge='br9'/></interface></devices></domain>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(ops->count(src), before + 1);
	const struct domain_record *r = find(src, "vse-unit");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->state, DOMAIN_OFF);
	CU_ASSERT_STRING_EQUAL(r->uuid, "0f6e2d1c-7a8b-4c9d-a0e1-f2a3b4c5d6e7");
	CU_ASSERT_EQUAL_FATAL(r->nvnics, 2);
	CU_ASSERT_STRING_EQUAL(r->vnics[0].lower, "eth9");
	CU_ASSERT_STRING_EQUAL(r->vnics[0].bridge, "");
	CU_ASSERT_STRING_EQUAL(r->vnics[1].bridge, "br9");
	CU_ASSERT_STRING_EQUAL(r->vnics[1].lower, "");

	/* Started right after it was defined: a run all the same. */
	CU_ASSERT_EQUAL(virDomainCreate(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_EQUAL(find(src, "vse-unit")->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(find(src, "vse-unit")->runs, 1);
	/* Running and undefined: transient, it stays while it runs. */
	CU_ASSERT_EQUAL(virDomainUndefine(d), 0);
	pump(src);
	CU_ASSERT_PTR_NOT_NULL(find(src, "vse-unit"));
	CU_ASSERT_EQUAL(virDomainDestroy(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_PTR_NULL(find(src, "vse-unit"));
	CU_ASSERT_EQUAL(ops->count(src), before);
	virDomainFree(d);

	/* A transient domain: there while it runs, met running (its start
	 * is the one it was met in). */
	d = virDomainCreateXML(rw, "<domain type='test'><name>vse-transient</name>"
				   "<memory>65536</memory><os><type>hvm</type></os></domain>",
			       0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find(src, "vse-transient"));
	CU_ASSERT_EQUAL(find(src, "vse-transient")->state, DOMAIN_RUNNING);
	CU_ASSERT_EQUAL(find(src, "vse-transient")->runs, 0);
	CU_ASSERT_EQUAL(virDomainDestroy(d), 0);
	CU_ASSERT_TRUE(pump(src));
	CU_ASSERT_PTR_NULL(find(src, "vse-transient"));
	virDomainFree(d);

	/* A domain whose name vsacctd cannot serve is left out. */
	d = virDomainDefineXML(rw, "<domain type='test'><name>my vm</name><memory>65536</memory>"
				   "<os><type>hvm</type></os></domain>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FALSE(pump(src));
	CU_ASSERT_EQUAL(ops->count(src), before);
	CU_ASSERT_EQUAL(virDomainUndefine(d), 0);
	CU_ASSERT_FALSE(pump(src));
	virDomainFree(d);
	ops->close(src);
}

/* Two sources at once: the first polls libvirt's descriptors for both, and
 * both follow their domains; closing the first hands the polling on. */
static void test_source_libvirt_two_sources(void)
{
	struct source *a = open_uri(TEST_URI);
	struct source *b = open_uri(TEST_URI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	virDomainPtr d = test_domain();
	CU_ASSERT_EQUAL(virDomainSuspend(d), 0);
	pump(a);
	CU_ASSERT_TRUE(pump(b));
	CU_ASSERT_EQUAL(find(a, "test")->state, DOMAIN_PAUSED);
	CU_ASSERT_EQUAL(find(b, "test")->state, DOMAIN_PAUSED);
	ops->close(a);
	CU_ASSERT_EQUAL(virDomainResume(d), 0);
	CU_ASSERT_TRUE(pump(b));
	CU_ASSERT_EQUAL(find(b, "test")->state, DOMAIN_RUNNING);
	virDomainFree(d);
	ops->close(b);
}

/* No hypervisor there: the source opens, has no records, and asks to be
 * run again within the retry period. */
static void test_source_libvirt_unreachable(void)
{
	skew = 0; /* pollfds reads the clock itself */
	struct source *src = open_uri("qemu+unix:///system?socket=/nonexistent/libvirt-sock");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(ops->count(src), 0);
	struct pollfd fds[16];
	int timeout = -1;
	ops->pollfds(src, fds, 16, &timeout);
	CU_ASSERT(timeout >= 0 && timeout <= SOURCE_LIBVIRT_RETRY_SEC * 1000);
	CU_ASSERT_FALSE(ops->handle(src, fds, 0, now_usec()));
	skew += (SOURCE_LIBVIRT_RETRY_SEC + 1) * 1000000LL;
	CU_ASSERT_FALSE(ops->handle(src, fds, 0, now_usec()));
	CU_ASSERT_EQUAL(ops->count(src), 0);
	ops->close(src);
	ops->close(NULL);
}

static CU_TestInfo source_tests[] = {
	{ "table", test_source_libvirt_table },
	{ "records", test_source_libvirt_records },
	{ "lifecycle", test_source_libvirt_lifecycle },
	{ "managed_save", test_source_libvirt_managed_save },
	{ "define_undefine", test_source_libvirt_define_undefine },
	{ "two_sources", test_source_libvirt_two_sources },
	{ "unreachable", test_source_libvirt_unreachable },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "source_libvirt", setup, teardown, NULL, NULL, source_tests },
	CU_SUITE_INFO_NULL,
};
