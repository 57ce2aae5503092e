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
	struct proc_stat st = { 0 };
	CU_ASSERT_EQUAL(procusage_parse_stat(line, &st), 0);
	CU_ASSERT_EQUAL(st.state, 'S');
	CU_ASSERT_EQUAL(st.utime, 1234);
	CU_ASSERT_EQUAL(st.stime, 567);
	CU_ASSERT_EQUAL(st.starttime, 98765);
	CU_ASSERT_EQUAL(procusage_parse_stat("4242 (short) S 1 2 3\n", &st), -1);
	CU_ASSERT_EQUAL(procusage_parse_stat("no parenthesis", &st), -1);
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
	int pid = procusage_read_pidfile(path);
	CU_ASSERT_EQUAL(pid, (int)getpid());
	CU_ASSERT_EQUAL(procusage_read(pid, &p), 0);
	CU_ASSERT_EQUAL(p.pid, (int)getpid());
	CU_ASSERT(p.start_mono_usec > 0);
	unlink(path);
	CU_ASSERT_EQUAL(procusage_read_pidfile(path), 0); /* no pid file: off */
}

/* A pid file holds one number and at most a newline. */
static void test_procusage_pidfile(void)
{
	static const struct {
		const char *text;
		int pid;
	} cases[] = { { "123\n", 123 }, { "123", 123 }, { "123\n\n", 0 }, { "12x\n", 0 },
		      { "", 0 },	 { "0\n", 0 },	  { "-5\n", 0 },      { "99999999\n", 0 } };
	char path[] = "/tmp/test_procusage.XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CU_ASSERT_FATAL(ftruncate(fd, 0) == 0 && pwrite(fd, cases[i].text, strlen(cases[i].text), 0) >= 0);
		CU_ASSERT_EQUAL(procusage_read_pidfile(path), cases[i].pid);
	}
	close(fd);
	unlink(path);
}

static CU_TestInfo procusage_tests[] = {
	{ "stat", test_procusage_stat },
	{ "io", test_procusage_io },
	{ "self", test_procusage_self },
	{ "pidfile", test_procusage_pidfile },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "procusage", NULL, NULL, NULL, NULL, procusage_tests },
	CU_SUITE_INFO_NULL,
};
