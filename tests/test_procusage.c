#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procusage.h"
#include "runner.h"

/* A real line's shape, its command name holding blanks and parentheses. */
static void test_procusage_stat(void)
{
	const char *line = "4242 (qemu-system (x) 1) S 1 4242 4242 0 -1 4194624 5127 0 0 0 "
			   "1234 567 0 0 20 0 3 0 98765 1073741824 20000 18446744073709551615 "
			   "1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
	uint64_t u = 0, s = 0, start = 0;
	CU_ASSERT_EQUAL(procusage_parse_stat(line, &u, &s, &start), 0);
	CU_ASSERT_EQUAL(u, 1234);
	CU_ASSERT_EQUAL(s, 567);
	CU_ASSERT_EQUAL(start, 98765);
	CU_ASSERT_EQUAL(procusage_parse_stat("4242 (short) S 1 2 3\n", &u, &s, &start), -1);
	CU_ASSERT_EQUAL(procusage_parse_stat("no parenthesis", &u, &s, &start), -1);
}

static void test_procusage_io(void)
{
	const char *io = "rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 8192\n"
			 "write_bytes: 1048576\ncancelled_write_bytes: 0\n";
	uint64_t rd = 0, wr = 0;
	CU_ASSERT_EQUAL(procusage_parse_io(io, &rd, &wr), 0);
	CU_ASSERT_EQUAL(rd, 8192);
	CU_ASSERT_EQUAL(wr, 1048576);
	CU_ASSERT_EQUAL(procusage_parse_io("rchar: 1\n", &rd, &wr), -1);
}

/* This very process, through a pid file. */
static void test_procusage_self(void)
{
	char path[] = "/tmp/test_procusage.XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	dprintf(fd, "%d\n", (int)getpid());
	close(fd);
	struct proc_usage p;
	CU_ASSERT_EQUAL(procusage_read(path, &p), 0);
	CU_ASSERT_EQUAL(p.pid, (int)getpid());
	unlink(path);
	CU_ASSERT_EQUAL(procusage_read(path, &p), -1); /* no pid file: off */
}

static CU_TestInfo procusage_tests[] = {
	{ "stat", test_procusage_stat },
	{ "io", test_procusage_io },
	{ "self", test_procusage_self },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "procusage", NULL, NULL, NULL, NULL, procusage_tests },
	CU_SUITE_INFO_NULL,
};
