#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "runner.h"

static char dir[64];

static int make_dir(void)
{
	strcpy(dir, "/tmp/test_fileio.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		char sub[sizeof dir + 300];
		snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			(void)(unlink(sub) == 0 || rmdir(sub) == 0);
	}
	closedir(d);
	return rmdir(dir);
}

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

/* A file of n bytes 'a'..'z' repeated; its path in path. */
static void put(char *path, size_t size, const char *name, size_t n)
{
	path_of(path, size, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < n; i++)
		fputc('a' + (int)(i % 26), f);
	CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
}

/* How many entries dir holds besides . and .. */
static int entries(void)
{
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void test_fileio_read_whole(void)
{
	char path[128], *text = NULL;
	size_t len = 99;
	put(path, sizeof path, "f", 30);
	CU_ASSERT_EQUAL_FATAL(fileio_read(path, 1000, &text, &len), 0);
	CU_ASSERT_EQUAL(len, 30);
	CU_ASSERT_EQUAL(strlen(text), 30); /* NUL-terminated */
	CU_ASSERT_EQUAL(memcmp(text, "abcdefghijklmnopqrstuvwxyzabcd", 30), 0);
	free(text);

	put(path, sizeof path, "empty", 0);
	CU_ASSERT_EQUAL_FATAL(fileio_read(path, 1000, &text, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
}

static void test_fileio_read_limit(void)
{
	char path[128], *text = NULL;
	size_t len = 0;
	/* At the limit is in, one byte more is out. */
	put(path, sizeof path, "f", 100);
	CU_ASSERT_EQUAL(fileio_read(path, 100, &text, &len), 0);
	CU_ASSERT_EQUAL(len, 100);
	free(text);
	text = NULL;
	errno = 0;
	CU_ASSERT_EQUAL(fileio_read(path, 99, &text, &len), -1);
	CU_ASSERT_EQUAL(errno, EFBIG);
	CU_ASSERT_PTR_NULL(text);
	put(path, sizeof path, "empty", 0);
	CU_ASSERT_EQUAL(fileio_read(path, 0, &text, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	free(text);
}

static void test_fileio_read_past_size(void)
{
	/* /proc files say 0 bytes and hold more: read to the end, bounded. */
	char *text = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL_FATAL(fileio_read("/proc/self/status", 1 << 20, &text, &len), 0);
	CU_ASSERT(len > 0);
	CU_ASSERT_EQUAL(strlen(text), len);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Name:"));
	size_t whole = len;
	free(text);
	text = NULL;
	errno = 0;
	CU_ASSERT_EQUAL(fileio_read("/proc/self/status", whole / 2, &text, &len), -1);
	CU_ASSERT_EQUAL(errno, EFBIG);
	CU_ASSERT_PTR_NULL(text);
}

static void test_fileio_read_refused(void)
{
	char path[128], *text = NULL;
	size_t len;
	path_of(path, sizeof path, "missing");
	errno = 0;
	CU_ASSERT_EQUAL(fileio_read(path, 100, &text, &len), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	errno = 0;
	CU_ASSERT_EQUAL(fileio_read(dir, 100, &text, &len), -1);
	CU_ASSERT_EQUAL(errno, EISDIR);
	/* A FIFO with no writer: refused at once, not waited on. */
	path_of(path, sizeof path, "fifo");
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	errno = 0;
	CU_ASSERT_EQUAL(fileio_read(path, 100, &text, &len), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(text);
	unlink(path);
}

static int write_hello(FILE *fp, void *ctx)
{
	return fputs(ctx, fp) == EOF ? -1 : 0;
}

static int write_fails(FILE *fp, void *ctx)
{
	fputs("half", fp);
	errno = ENOSPC;
	return -1;
}

static void test_fileio_write_atomic(void)
{
	char path[128], *text = NULL;
	size_t len;
	put(path, sizeof path, "state", 10);
	int before = entries();
	CU_ASSERT_EQUAL(fileio_write_atomic(path, write_hello, "hello\n"), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_read(path, 100, &text, &len), 0);
	CU_ASSERT_STRING_EQUAL(text, "hello\n");
	free(text);
	CU_ASSERT_EQUAL(entries(), before); /* no temporary left */

	/* A writer that fails: the old file stays, nothing else is left. */
	errno = 0;
	CU_ASSERT_EQUAL(fileio_write_atomic(path, write_fails, NULL), -1);
	CU_ASSERT_EQUAL(errno, ENOSPC);
	CU_ASSERT_EQUAL_FATAL(fileio_read(path, 100, &text, &len), 0);
	CU_ASSERT_STRING_EQUAL(text, "hello\n");
	free(text);
	CU_ASSERT_EQUAL(entries(), before);

	/* A directory that does not exist: nothing to write into. */
	path_of(path, sizeof path, "no/such");
	CU_ASSERT_EQUAL(fileio_write_atomic(path, write_hello, "x"), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
}

static CU_TestInfo fileio_tests[] = {
	{ "read_whole", test_fileio_read_whole },
	{ "read_limit", test_fileio_read_limit },
	{ "read_past_size", test_fileio_read_past_size },
	{ "read_refused", test_fileio_read_refused },
	{ "write_atomic", test_fileio_write_atomic },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "fileio", make_dir, remove_dir, NULL, NULL, fileio_tests },
	CU_SUITE_INFO_NULL,
};
