#include <dirent.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "log.h"
#include "runner.h"

#define DATA TEST_SRCDIR "/data/libvirt/"

static char root[PATH_MAX]; /* this test's scratch directory */
static struct discover *d;

static char *fixture(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, DATA "%s", name);
	FILE *f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *buf = malloc(64 * 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	size_t n = fread(buf, 1, 64 * 1024 - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* text with its first `from` replaced by `to` (malloc'd). */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	size_t head = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
	char *out = malloc(strlen(text) - fl + tl + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	memcpy(out, text, head);
	memcpy(out + head, to, tl);
	strcpy(out + head + tl, at + fl);
	return out;
}

static void path_of(char *out, size_t size, const char *sub)
{
	snprintf(out, size, "%s/%s", root, sub);
}

/* Writes sub (relative to root) in place. */
static void put(const char *sub, const char *text)
{
	char path[PATH_MAX];
	path_of(path, sizeof path, sub);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	CU_ASSERT_EQUAL(fclose(f), 0);
}

/* Writes sub the way libvirt does: sub.new, then a rename over sub. */
static void put_renamed(const char *sub, const char *text)
{
	char tmp[PATH_MAX], src[PATH_MAX], path[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.new", sub);
	put(tmp, text);
	path_of(src, sizeof src, tmp);
	path_of(path, sizeof path, sub);
	CU_ASSERT_EQUAL(rename(src, path), 0);
}

static void put_fixture(const char *sub, const char *name)
{
	char *text = fixture(name);
	put_renamed(sub, text);
	free(text);
}

static void rm(const char *sub)
{
	char path[PATH_MAX];
	path_of(path, sizeof path, sub);
	CU_ASSERT_EQUAL(unlink(path), 0);
}

static void mkdir_sub(const char *sub)
{
	char path[PATH_MAX];
	path_of(path, sizeof path, sub);
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
}

/* Waits (2 s at most) for events and handles them all. */
static bool settle(void)
{
	struct pollfd p = { .fd = discover_fd(d), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&p, 1, 2000), 1);
	bool changed = discover_read(d);
	while (poll(&p, 1, 0) == 1)
		changed |= discover_read(d);
	return changed;
}

static const struct libvirt_domain *domain(const char *name)
{
	for (size_t i = 0; i < discover_count(d); i++)
		if (!strcmp(discover_domain(d, i)->name, name))
			return discover_domain(d, i);
	return NULL;
}

/* rm -r path */
static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		struct dirent *de;
		while (dir && (de = readdir(dir)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
			remove_tree(sub);
		}
		if (dir)
			closedir(dir);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int setup(void)
{
	snprintf(root, sizeof root, "/tmp/test_discover.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	d = NULL;
	return 0;
}

static int teardown(void)
{
	discover_close(d);
	d = NULL;
	remove_tree(root);
	return 0;
}

static void open_at(const char *sub)
{
	char path[PATH_MAX];
	path_of(path, sizeof path, sub);
	d = discover_open(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
}

static void test_discover_initial_scan(void)
{
	setup();
	mkdir_sub("qemu");
	put_fixture("qemu/web01.xml", "web01.xml");
	put_fixture("qemu/db02.xml", "db02-restored.xml");
	put_fixture("qemu/broken.xml", "bad-mac.xml");
	put("qemu/notes.txt", "not a status file");
	put("qemu/edge04.xml.new", "half written");
	char fifo[PATH_MAX];
	path_of(fifo, sizeof fifo, "qemu/fifo.xml");
	CU_ASSERT_EQUAL(mkfifo(fifo, 0600), 0); /* must not hang the scan */
	open_at("qemu");
	CU_ASSERT_EQUAL(discover_count(d), 2);
	CU_ASSERT_PTR_NOT_NULL(domain("web01"));
	const struct libvirt_domain *db = domain("db02");
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	CU_ASSERT_TRUE(db->fresh_start);
	CU_ASSERT_EQUAL(db->nifaces, 1);
	CU_ASSERT_PTR_NULL(discover_domain(d, 2));
	/* Nothing pending: nothing changed. */
	CU_ASSERT_FALSE(discover_read(d));
	teardown();
}

static void test_discover_appear_like_libvirt(void)
{
	setup();
	mkdir_sub("qemu");
	open_at("qemu");
	CU_ASSERT_EQUAL(discover_count(d), 0);
	put_fixture("qemu/web01.xml", "web01.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	const struct libvirt_domain *dom = domain("web01");
	CU_ASSERT_PTR_NOT_NULL_FATAL(dom);
	CU_ASSERT_EQUAL(dom->state, LIBVIRT_RUNNING);
	CU_ASSERT_EQUAL(dom->nifaces, 2);
	CU_ASSERT_STRING_EQUAL(dom->ifaces[1].bridge, "virbr0");
	teardown();
}

static void test_discover_appear_direct_write(void)
{
	setup();
	mkdir_sub("qemu");
	open_at("qemu");
	char *text = fixture("edge04-direct.xml");
	put("qemu/edge04.xml", text);
	free(text);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	CU_ASSERT_PTR_NOT_NULL(domain("edge04"));
	teardown();
}

static void test_discover_rewrites(void)
{
	setup();
	mkdir_sub("qemu");
	put_fixture("qemu/web01.xml", "web01.xml");
	open_at("qemu");
	char *text = fixture("web01.xml");

	/* Paused: a change. */
	char *paused = replace(text, "state='running' reason='booted'", "state='paused' reason='user'");
	put_renamed("qemu/web01.xml", paused);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(domain("web01"));
	CU_ASSERT_EQUAL(domain("web01")->state, LIBVIRT_PAUSED);

	/* The same again, renamed or written in place: no change. */
	put_renamed("qemu/web01.xml", paused);
	CU_ASSERT_FALSE(settle());
	put("qemu/web01.xml", paused);
	CU_ASSERT_FALSE(settle());

	/* A rewrite that differs only where we do not look: no change. */
	char *other_pid = replace(paused, "pid='48213'", "pid='48999'");
	put_renamed("qemu/web01.xml", other_pid);
	CU_ASSERT_FALSE(settle());

	/* Unpaused: a change, and not a fresh start. */
	char *resumed = replace(text, "reason='booted'", "reason='unpaused'");
	put_renamed("qemu/web01.xml", resumed);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(domain("web01")->state, LIBVIRT_RUNNING);
	CU_ASSERT_FALSE(domain("web01")->fresh_start);

	/* An interface moved to another bridge: a change. */
	char *moved = replace(resumed, "<source bridge='br0'/>", "<source bridge='br1'/>");
	put_renamed("qemu/web01.xml", moved);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_STRING_EQUAL(domain("web01")->ifaces[0].bridge, "br1");

	free(text);
	free(paused);
	free(other_pid);
	free(resumed);
	free(moved);
	teardown();
}

static void test_discover_remove(void)
{
	setup();
	mkdir_sub("qemu");
	put_fixture("qemu/web01.xml", "web01.xml");
	put_fixture("qemu/db02.xml", "db02-restored.xml");
	open_at("qemu");
	CU_ASSERT_EQUAL(discover_count(d), 2);
	rm("qemu/web01.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	CU_ASSERT_PTR_NULL(domain("web01"));
	CU_ASSERT_PTR_NOT_NULL(domain("db02"));
	/* Renamed to something else: gone as well. */
	char from[PATH_MAX], to[PATH_MAX];
	path_of(from, sizeof from, "qemu/db02.xml");
	path_of(to, sizeof to, "qemu/db02.xml.bak");
	CU_ASSERT_EQUAL(rename(from, to), 0);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 0);
	teardown();
}

static int count_lines_with(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[2048];
	int n = 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* Logs to a file in root, to count messages; its path in logfile. */
static void log_to_file(char logfile[PATH_MAX])
{
	path_of(logfile, PATH_MAX, "log");
	log_init("test_discover", LOG_TO_FILE, logfile);
}

static void test_discover_malformed(void)
{
	setup();
	char logfile[PATH_MAX];
	log_to_file(logfile);
	mkdir_sub("qemu");
	put_fixture("qemu/web01.xml", "web01.xml");
	open_at("qemu");

	/* A broken file: not listed, logged once, the others unaffected. */
	put_fixture("qemu/broken.xml", "bad-mac.xml");
	CU_ASSERT_FALSE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	CU_ASSERT_PTR_NOT_NULL(domain("web01"));
	CU_ASSERT_EQUAL(count_lines_with(logfile, "broken.xml: domain web01: interface 2"), 1);
	put_fixture("qemu/broken.xml", "bad-mac.xml");
	CU_ASSERT_FALSE(settle());
	CU_ASSERT_EQUAL(count_lines_with(logfile, "broken.xml"), 1);
	/* Broken differently: logged again. */
	put_fixture("qemu/broken.xml", "bad-not-xml.xml");
	CU_ASSERT_FALSE(settle());
	CU_ASSERT_EQUAL(count_lines_with(logfile, "broken.xml"), 2);

	/* Repaired: it appears. */
	put_fixture("qemu/broken.xml", "db02-restored.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 2);
	CU_ASSERT_PTR_NOT_NULL(domain("db02"));

	/* A good file broken: its domain is gone. */
	put_fixture("qemu/web01.xml", "bad-truncated.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	CU_ASSERT_PTR_NULL(domain("web01"));
	CU_ASSERT_EQUAL(count_lines_with(logfile, "web01.xml: not well-formed XML"), 1);

	/* Too big to be a status file. */
	char big[PATH_MAX];
	path_of(big, sizeof big, "qemu/big.xml");
	FILE *f = fopen(big, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, (4 << 20) + 1, SEEK_SET), 0);
	fputc('x', f);
	fclose(f);
	CU_ASSERT_FALSE(settle());
	CU_ASSERT_EQUAL(count_lines_with(logfile, "big.xml: larger than"), 1);
	CU_ASSERT_EQUAL(discover_count(d), 1);

	log_init("test_discover", LOG_TO_STDERR, NULL);
	teardown();
}

/* web01's status padded with a comment to size bytes. */
static char *padded_web01(size_t size)
{
	char *text = fixture("web01.xml");
	size_t n = strlen(text);
	CU_ASSERT_FATAL(size > n + 7);
	char *out = malloc(size + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	memcpy(out, text, n);
	memcpy(out + n, "<!--", 4);
	memset(out + n + 4, ' ', size - n - 7);
	memcpy(out + size - 3, "-->", 4);
	free(text);
	return out;
}

static void test_discover_size_limit(void)
{
	setup();
	char logfile[PATH_MAX];
	log_to_file(logfile);
	mkdir_sub("qemu");
	open_at("qemu");

	/* As big as a status file may be: read and parsed. */
	char *text = padded_web01(LIBVIRT_MAX_STATUS);
	CU_ASSERT_EQUAL(strlen(text), LIBVIRT_MAX_STATUS);
	put_renamed("qemu/web01.xml", text);
	free(text);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_PTR_NOT_NULL(domain("web01"));

	/* One byte more: refused, said once, and the domain is gone. */
	text = padded_web01(LIBVIRT_MAX_STATUS + 1);
	put_renamed("qemu/web01.xml", text);
	free(text);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 0);
	CU_ASSERT_EQUAL(count_lines_with(logfile, "web01.xml: larger than 4194304 bytes"), 1);

	/* Not regular files: said, not waited on. */
	mkdir_sub("qemu/dir.xml");
	char fifo[PATH_MAX];
	path_of(fifo, sizeof fifo, "qemu/fifo.xml");
	CU_ASSERT_EQUAL(mkfifo(fifo, 0600), 0);
	discover_close(d);
	open_at("qemu");
	CU_ASSERT_EQUAL(discover_count(d), 0);
	CU_ASSERT_EQUAL(count_lines_with(logfile, "dir.xml: not a regular file"), 1);
	CU_ASSERT_EQUAL(count_lines_with(logfile, "fifo.xml: not a regular file"), 1);

	log_init("test_discover", LOG_TO_STDERR, NULL);
	teardown();
}

static void test_discover_ignores_other_names(void)
{
	setup();
	mkdir_sub("qemu");
	open_at("qemu");
	char *text = fixture("web01.xml");
	put("qemu/web01.xml.new", text); /* libvirt's temporary, not renamed yet */
	CU_ASSERT_FALSE(settle());
	put("qemu/web01.txt", text);
	CU_ASSERT_FALSE(settle());
	put("qemu/.xml", text);
	CU_ASSERT_FALSE(settle());
	put("qemu/web01.XML", text);
	CU_ASSERT_FALSE(settle());
	rm("qemu/web01.txt");
	CU_ASSERT_FALSE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 0);
	free(text);
	teardown();
}

static void test_discover_dir_created_later(void)
{
	setup();
	/* Neither run/ nor run/qemu/ exist yet. */
	open_at("run/qemu");
	CU_ASSERT_EQUAL(discover_count(d), 0);
	mkdir_sub("run");
	CU_ASSERT_FALSE(settle());
	mkdir_sub("run/qemu");
	CU_ASSERT_FALSE(settle()); /* there, but empty */
	put_fixture("run/qemu/web01.xml", "web01.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_PTR_NOT_NULL(domain("web01"));
	teardown();

	/* A directory that arrives full, by a rename. */
	setup();
	open_at("qemu");
	mkdir_sub("staging");
	put_fixture("staging/db02.xml", "db02-restored.xml");
	char from[PATH_MAX], to[PATH_MAX];
	path_of(from, sizeof from, "staging");
	path_of(to, sizeof to, "qemu");
	CU_ASSERT_EQUAL(rename(from, to), 0);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_PTR_NOT_NULL(domain("db02"));
	teardown();
}

static void test_discover_dir_removed(void)
{
	setup();
	mkdir_sub("qemu");
	put_fixture("qemu/web01.xml", "web01.xml");
	put_fixture("qemu/db02.xml", "db02-restored.xml");
	put_fixture("qemu/broken.xml", "bad-uuid.xml");
	open_at("qemu");
	CU_ASSERT_EQUAL(discover_count(d), 2);
	char path[PATH_MAX];
	path_of(path, sizeof path, "qemu");
	remove_tree(path);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 0);
	/* Back again: followed again. */
	mkdir_sub("qemu");
	CU_ASSERT_FALSE(settle());
	put_fixture("qemu/web01.xml", "web01.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);

	/* Moved away: its domains are gone too (they are not in DIR). */
	char away[PATH_MAX];
	path_of(away, sizeof away, "qemu.old");
	CU_ASSERT_EQUAL(rename(path, away), 0);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 0);
	/* A file written in the old directory is none of ours. */
	put_fixture("qemu.old/db02.xml", "db02-restored.xml");
	CU_ASSERT_EQUAL(discover_count(d), 0);
	/* And moved back. */
	CU_ASSERT_EQUAL(rename(away, path), 0);
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 2);
	teardown();
}

/* More events than the kernel queues: the lost ones are made up by a
 * rescan. */
static void test_discover_queue_overflow(void)
{
	setup();
	char logfile[PATH_MAX];
	log_to_file(logfile);
	mkdir_sub("qemu");
	put_fixture("qemu/db02.xml", "db02-restored.xml");
	open_at("qemu");
	char a[PATH_MAX], b[PATH_MAX];
	path_of(a, sizeof a, "qemu/a.txt");
	path_of(b, sizeof b, "qemu/b.txt");
	/* Alternating names: the kernel merges only repeats of the last event. */
	int opened = 0;
	for (int i = 0; i < 20000; i++) {
		int fd = open(i % 2 ? a : b, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		opened += fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	CU_ASSERT_EQUAL(opened, 20000);
	put_fixture("qemu/web01.xml", "web01.xml"); /* its events are lost */
	rm("qemu/db02.xml");
	CU_ASSERT_TRUE(settle());
	CU_ASSERT_EQUAL(discover_count(d), 1);
	CU_ASSERT_PTR_NOT_NULL(domain("web01"));
	CU_ASSERT_PTR_NULL(domain("db02"));
	CU_ASSERT_EQUAL(count_lines_with(logfile, "events were lost"), 1);
	log_init("test_discover", LOG_TO_STDERR, NULL);
	teardown();
}

static void test_discover_open_failures(void)
{
	setup();
	put("file", "a file, not a directory");
	char path[PATH_MAX];
	path_of(path, sizeof path, "file/qemu");
	CU_ASSERT_PTR_NULL(discover_open(path));
	CU_ASSERT_PTR_NULL(discover_open(""));
	/* A trailing slash is the same directory. */
	mkdir_sub("qemu");
	put_fixture("qemu/web01.xml", "web01.xml");
	path_of(path, sizeof path, "qemu//");
	d = discover_open(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(discover_count(d), 1);
	teardown();
}

static int discover_cleanup(void)
{
	xmlCleanupParser();
	return 0;
}

static CU_TestInfo discover_tests[] = {
	{ "initial_scan", test_discover_initial_scan },
	{ "appear_like_libvirt", test_discover_appear_like_libvirt },
	{ "appear_direct_write", test_discover_appear_direct_write },
	{ "rewrites", test_discover_rewrites },
	{ "remove", test_discover_remove },
	{ "malformed", test_discover_malformed },
	{ "size_limit", test_discover_size_limit },
	{ "ignores_other_names", test_discover_ignores_other_names },
	{ "dir_created_later", test_discover_dir_created_later },
	{ "dir_removed", test_discover_dir_removed },
	{ "queue_overflow", test_discover_queue_overflow },
	{ "open_failures", test_discover_open_failures },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "discover", NULL, discover_cleanup, NULL, NULL, discover_tests },
	CU_SUITE_INFO_NULL,
};
