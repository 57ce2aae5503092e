/*
 * Unit tests of src/options.c: vsacctd's command line (DESIGN §4). Every
 * case builds a fresh argv, as main() would get it, and checks what
 * options_parse made of it: the defaults, each option, every -L form, and
 * each error with the message the user reads. All cases run in one process,
 * one after the other: options_parse must start afresh every time.
 */
#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "options.h"

#define DEFAULT_CONF "/etc/snmp/vsacctd.conf"

/* ---- helpers ---------------------------------------------------------- */

/* Storage for the argv of every parse, never reused: each parse gets
 * words at fresh addresses, as the argv of a new process would be, and
 * what a previous parse pointed into stays as it was. opt points into the
 * last one. */
static char pool[1 << 18];
static size_t pool_used;
static struct options opt;
static char err[256];

static void *pool_take(size_t size)
{
	size = (size + 15) & ~(size_t)15;
	CU_ASSERT_FATAL(pool_used + size <= sizeof pool);
	void *p = pool + pool_used;
	pool_used += size;
	return p;
}

/* Parses the NULL-terminated words (argv[0] included). */
static int parse_words(const char *const *words)
{
	int argc = 0;
	while (words[argc])
		argc++;
	char **argv = pool_take((size_t)(argc + 1) * sizeof *argv);
	for (int i = 0; i < argc; i++) {
		argv[i] = pool_take(strlen(words[i]) + 1);
		strcpy(argv[i], words[i]);
	}
	argv[argc] = NULL;
	/* Garbage in, so a field left unset by the parse shows. */
	memset(&opt, 0xa5, sizeof opt);
	snprintf(err, sizeof err, "(untouched)");
	return options_parse(argc, argv, DEFAULT_CONF, &opt, err, sizeof err);
}
#define PARSE(...) parse_words((const char *const[]){ "vsacctd", __VA_ARGS__, NULL })
#define PARSE_NOTHING() parse_words((const char *const[]){ "vsacctd", NULL })

/* Parses and asserts success, showing the error otherwise. */
static void parse_ok_at(int rc, unsigned line)
{
	char what[400];
	snprintf(what, sizeof what, "options_parse succeeds (error: \"%s\")", err);
	CU_assertImplementation(rc == 0, line, what, __FILE__, "", CU_TRUE);
}
#define PARSE_OK(...) parse_ok_at(PARSE(__VA_ARGS__), __LINE__)

/* Asserts a failure with exactly the message expected. */
static void parse_fails_at(int rc, const char *expected, unsigned line)
{
	char what[600];
	snprintf(what, sizeof what, "options_parse fails with \"%s\" (rc %d, message \"%s\")",
		 expected, rc, err);
	CU_assertImplementation(rc == -1 && strcmp(err, expected) == 0, line, what,
				__FILE__, "", CU_FALSE);
}
#define PARSE_FAILS(expected, ...) parse_fails_at(PARSE(__VA_ARGS__), (expected), __LINE__)

/* Everything options_parse sets when nothing is asked for (-f aside). */
static void assert_defaults_but_foreground(void)
{
	CU_ASSERT_STRING_EQUAL(opt.conf_path, DEFAULT_CONF);
	CU_ASSERT_PTR_NULL(opt.agentx_socket);
	CU_ASSERT_PTR_NULL(opt.pid_path);
	CU_ASSERT_FALSE(opt.log_chosen);
	CU_ASSERT_PTR_NULL(opt.log_path);
	CU_ASSERT_EQUAL(opt.log_level, LOG_INFO);
	CU_ASSERT_FALSE(opt.show_version);
	CU_ASSERT_FALSE(opt.show_help);
}

/* ---- defaults and plain options ----------------------------------------- */

static void test_options_defaults(void)
{
	PARSE_OK(NULL);
	assert_defaults_but_foreground();
	CU_ASSERT_FALSE(opt.foreground);
	/* A daemon logs to syslog. */
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_SYSLOG);
}

static void test_options_default_conf_is_the_callers(void)
{
	static const char other[] = "/usr/local/etc/snmp/vsacctd.conf";
	char arg0[] = "vsacctd";
	char *argv[] = { arg0, NULL };
	CU_ASSERT_EQUAL(options_parse(1, argv, other, &opt, err, sizeof err), 0);
	CU_ASSERT_PTR_EQUAL(opt.conf_path, other);
}

static void test_options_foreground_logs_to_stderr(void)
{
	PARSE_OK("-f");
	CU_ASSERT_TRUE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);
	assert_defaults_but_foreground();
}

static void test_options_conf(void)
{
	PARSE_OK("-c", "/tmp/a.conf");
	CU_ASSERT_STRING_EQUAL(opt.conf_path, "/tmp/a.conf");
	CU_ASSERT_FALSE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_SYSLOG);

	PARSE_OK("-c/tmp/glued.conf");
	CU_ASSERT_STRING_EQUAL(opt.conf_path, "/tmp/glued.conf");

	/* The last one counts. */
	PARSE_OK("-c", "first.conf", "-c", "second.conf");
	CU_ASSERT_STRING_EQUAL(opt.conf_path, "second.conf");
}

static void test_options_agentx_socket(void)
{
	PARSE_OK("-x", "/run/agentx/master");
	CU_ASSERT_STRING_EQUAL(opt.agentx_socket, "/run/agentx/master");

	PARSE_OK("-x", "tcp:localhost:705");
	CU_ASSERT_STRING_EQUAL(opt.agentx_socket, "tcp:localhost:705");
	CU_ASSERT_STRING_EQUAL(opt.conf_path, DEFAULT_CONF);
}

static void test_options_pid_file(void)
{
	PARSE_OK("-p", "/run/vsacctd.pid");
	CU_ASSERT_STRING_EQUAL(opt.pid_path, "/run/vsacctd.pid");
	CU_ASSERT_PTR_NULL(opt.agentx_socket);
}

static void test_options_version(void)
{
	PARSE_OK("-V");
	CU_ASSERT_TRUE(opt.show_version);
	CU_ASSERT_FALSE(opt.show_help);
	CU_ASSERT_FALSE(opt.foreground);
}

static void test_options_help(void)
{
	PARSE_OK("-h");
	CU_ASSERT_TRUE(opt.show_help);
	CU_ASSERT_FALSE(opt.show_version);
}

static void test_options_all_together(void)
{
	PARSE_OK("-f", "-c", "my.conf", "-x", "/tmp/agentx", "-p", "my.pid", "-Le", "-V", "-h");
	CU_ASSERT_TRUE(opt.foreground);
	CU_ASSERT_STRING_EQUAL(opt.conf_path, "my.conf");
	CU_ASSERT_STRING_EQUAL(opt.agentx_socket, "/tmp/agentx");
	CU_ASSERT_STRING_EQUAL(opt.pid_path, "my.pid");
	CU_ASSERT_TRUE(opt.log_chosen);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);
	CU_ASSERT_TRUE(opt.show_version);
	CU_ASSERT_TRUE(opt.show_help);

	/* Flags grouped in one word. */
	PARSE_OK("-fV");
	CU_ASSERT_TRUE(opt.foreground);
	CU_ASSERT_TRUE(opt.show_version);
	CU_ASSERT_FALSE(opt.show_help);
}

/* ---- -L ------------------------------------------------------------------ */

static void test_options_log_lower_case(void)
{
	PARSE_OK("-Le");
	CU_ASSERT_TRUE(opt.log_chosen);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);
	CU_ASSERT_EQUAL(opt.log_level, LOG_INFO);
	CU_ASSERT_FALSE(opt.foreground);

	PARSE_OK("-Lo");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDOUT);
	CU_ASSERT_EQUAL(opt.log_level, LOG_INFO);

	PARSE_OK("-Ls");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_SYSLOG);

	PARSE_OK("-Ln");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_NOTHING);

	/* The separate-word form of the option itself. */
	PARSE_OK("-L", "o");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDOUT);
}

static void test_options_log_overrides_foreground(void)
{
	/* -f alone would log to stderr; -L says otherwise. */
	PARSE_OK("-f", "-Ls");
	CU_ASSERT_TRUE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_SYSLOG);

	PARSE_OK("-Ln", "-f");
	CU_ASSERT_TRUE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_NOTHING);

	/* Without -f, -Le still logs to stderr. */
	PARSE_OK("-Le");
	CU_ASSERT_FALSE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);

	/* The last -L counts. */
	PARSE_OK("-Le", "-Lf", "/tmp/v.log");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_FILE);
	CU_ASSERT_STRING_EQUAL(opt.log_path, "/tmp/v.log");
}

static void test_options_log_file(void)
{
	PARSE_OK("-Lf", "/var/log/vsacctd.log");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_FILE);
	CU_ASSERT_STRING_EQUAL(opt.log_path, "/var/log/vsacctd.log");
	CU_ASSERT_EQUAL(opt.log_level, LOG_INFO);

	PARSE_OK("-Lf/glued/path");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_FILE);
	CU_ASSERT_STRING_EQUAL(opt.log_path, "/glued/path");

	/* The word after the file is an option again. */
	PARSE_OK("-Lf", "x.log", "-f");
	CU_ASSERT_STRING_EQUAL(opt.log_path, "x.log");
	CU_ASSERT_TRUE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_FILE);
}

static void test_options_log_priority_number(void)
{
	PARSE_OK("-LE", "7");
	CU_ASSERT_TRUE(opt.log_chosen);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);
	CU_ASSERT_EQUAL(opt.log_level, LOG_DEBUG);

	PARSE_OK("-LE", "0");
	CU_ASSERT_EQUAL(opt.log_level, LOG_EMERG);

	PARSE_OK("-LE3");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);
	CU_ASSERT_EQUAL(opt.log_level, LOG_ERR);

	PARSE_OK("-LO", "5");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDOUT);
	CU_ASSERT_EQUAL(opt.log_level, LOG_NOTICE);
}

static void test_options_log_priority_name(void)
{
	PARSE_OK("-LEdebug");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_STDERR);
	CU_ASSERT_EQUAL(opt.log_level, LOG_DEBUG);

	PARSE_OK("-LS", "warning");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_SYSLOG);
	CU_ASSERT_EQUAL(opt.log_level, LOG_WARNING);

	PARSE_OK("-LE", "err");
	CU_ASSERT_EQUAL(opt.log_level, LOG_ERR);

	PARSE_OK("-LE", "emerg");
	CU_ASSERT_EQUAL(opt.log_level, LOG_EMERG);
}

static void test_options_log_file_with_priority(void)
{
	PARSE_OK("-LF", "3", "/tmp/err.log");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_FILE);
	CU_ASSERT_EQUAL(opt.log_level, LOG_ERR);
	CU_ASSERT_STRING_EQUAL(opt.log_path, "/tmp/err.log");

	PARSE_OK("-LFinfo", "/tmp/info.log", "-f");
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_FILE);
	CU_ASSERT_EQUAL(opt.log_level, LOG_INFO);
	CU_ASSERT_STRING_EQUAL(opt.log_path, "/tmp/info.log");
	CU_ASSERT_TRUE(opt.foreground);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_options_unknown_option(void)
{
	PARSE_FAILS("unknown option -z", "-z");
	PARSE_FAILS("unknown option -y", "-f", "-y", "yes");
	PARSE_FAILS("unknown option -q", "-fq");
}

static void test_options_missing_argument(void)
{
	PARSE_FAILS("-c needs an argument", "-c");
	PARSE_FAILS("-c needs an argument", "-f", "-c");
	PARSE_FAILS("-x needs an argument", "-x");
	PARSE_FAILS("-p needs an argument", "-p");
	PARSE_FAILS("-L needs an argument", "-L");
}

static void test_options_log_file_missing(void)
{
	PARSE_FAILS("-Lf needs a file", "-Lf");
	PARSE_FAILS("-Lf needs a file", "-f", "-Lf");
	/* -LF: the priority is there, the file is not. */
	PARSE_FAILS("-Lf needs a file", "-LF", "3");
}

static void test_options_log_bad_priority(void)
{
	PARSE_FAILS("-LE needs a priority (0-7 or a name)", "-LE", "bogus");
	PARSE_FAILS("-LE needs a priority (0-7 or a name)", "-LE", "8");
	PARSE_FAILS("-LE needs a priority (0-7 or a name)", "-LE", "77");
	PARSE_FAILS("-LE needs a priority (0-7 or a name)", "-LE", "-1");
	PARSE_FAILS("-LE needs a priority (0-7 or a name)", "-LE");
	PARSE_FAILS("-LS needs a priority (0-7 or a name)", "-LSverbose");
	PARSE_FAILS("-LF needs a priority (0-7 or a name)", "-LF");
}

static void test_options_log_unknown_kind(void)
{
	PARSE_FAILS("unknown log option -Lz", "-Lz");
	PARSE_FAILS("unknown log option -Lx", "-Lx");
	PARSE_FAILS("unknown log option -L", "-L", "");
	/* An upper-case kind with a priority but nothing it names. */
	PARSE_FAILS("unknown log option -LZ", "-LZ", "3");
}

static void test_options_stray_argument(void)
{
	PARSE_FAILS("unexpected argument 'extra'", "extra");
	PARSE_FAILS("unexpected argument 'extra'", "-f", "extra");
	PARSE_FAILS("unexpected argument 'extra'", "extra", "-f");
	PARSE_FAILS("unexpected argument 'a.conf'", "-c", "x.conf", "a.conf");
	/* After "--" a word is an argument, and there are none. */
	PARSE_FAILS("unexpected argument '-f'", "--", "-f");
}

static void test_options_error_message_fits(void)
{
	char small[8];
	char arg0[] = "vsacctd", arg1[] = "-z";
	char *argv[] = { arg0, arg1, NULL };
	memset(small, 'X', sizeof small);
	CU_ASSERT_EQUAL(options_parse(2, argv, DEFAULT_CONF, &opt, small, sizeof small), -1);
	/* Truncated, terminated, and nothing written beyond. */
	CU_ASSERT_EQUAL(memchr(small, '\0', sizeof small) != NULL, 1);
	CU_ASSERT_STRING_EQUAL(small, "unknown");
}

/* ---- one process, many parses ------------------------------------------------ */

static void test_options_parse_again(void)
{
	PARSE_OK("-f", "-c", "a.conf", "-Lf", "x.log", "-LE", "7");
	CU_ASSERT_TRUE(opt.foreground);

	/* Nothing of the last parse survives. */
	PARSE_OK(NULL);
	assert_defaults_but_foreground();
	CU_ASSERT_FALSE(opt.foreground);
	CU_ASSERT_EQUAL(opt.log_target, LOG_TO_SYSLOG);

	/* Options are seen again from argv[1] on. */
	PARSE_OK("-c", "b.conf");
	CU_ASSERT_STRING_EQUAL(opt.conf_path, "b.conf");
	PARSE_OK("-c", "c.conf");
	CU_ASSERT_STRING_EQUAL(opt.conf_path, "c.conf");
}

static void test_options_parse_again_after_errors(void)
{
	PARSE_FAILS("unexpected argument 'extra'", "extra", "-f");
	PARSE_OK("-p", "a.pid");
	CU_ASSERT_STRING_EQUAL(opt.pid_path, "a.pid");
	CU_ASSERT_FALSE(opt.foreground);

	PARSE_FAILS("-c needs an argument", "-c");
	PARSE_OK("-V");
	CU_ASSERT_TRUE(opt.show_version);

	PARSE_FAILS("-LE needs a priority (0-7 or a name)", "-LE", "bogus");
	PARSE_OK(NULL);
	assert_defaults_but_foreground();
}

/* ---- re-parsing where getopt stopped inside a word ------------------------------- */

/*
 * getopt keeps hidden state besides optind: where it is inside a word of
 * grouped flags. An error in the middle of such a word ("-zf": z is refused
 * before f is read) leaves it there; the next parse must not carry on from
 * the previous argv. These run in a child process: the state getopt is left
 * in dies with it, and a crash is reported instead of ending the suite.
 */

/* What the child found, in memory it shares with the parent: written as
 * it goes, so it survives a crash. */
#define CHILD_MSG_SIZE 512
static char *child_msg;

/* Runs fn in a child; returns 0 when it found everything right, else -1
 * with fn's message (and the signal that killed it) in child_msg. */
static int in_child(int (*fn)(char *msg, size_t size))
{
	if (!child_msg) {
		void *p = mmap(NULL, CHILD_MSG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		child_msg = p;
	}
	child_msg[0] = '\0';
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(child_msg, CHILD_MSG_SIZE));
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	child_msg[CHILD_MSG_SIZE - 1] = '\0';
	if (WIFSIGNALED(status)) {
		size_t len = strlen(child_msg);
		snprintf(child_msg + len, CHILD_MSG_SIZE - len, "%schild killed by signal %d (%s)",
			 len ? "; " : "", WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#define CHILD_OK(fn) \
	do { \
		int child_rc_ = in_child(fn); \
		char what_[700]; \
		snprintf(what_, sizeof what_, #fn ": %s", child_msg); \
		CU_assertImplementation(child_rc_ == 0, __LINE__, what_, __FILE__, "", CU_FALSE); \
	} while (0)

/* In the child: "-zf" fails, then "vsacctd" alone must give the defaults. */
static int group_error_then_nothing(char *msg, size_t size)
{
	int rc = PARSE("-zf");
	if (rc != -1 || strcmp(err, "unknown option -z") != 0) {
		snprintf(msg, size, "first parse: rc %d \"%s\"", rc, err);
		return 1;
	}
	snprintf(msg, size, "after \"vsacctd -zf\", \"vsacctd\" did not return");
	rc = PARSE_NOTHING();
	if (rc != 0 || opt.foreground || opt.log_target != LOG_TO_SYSLOG) {
		snprintf(msg, size, "after \"vsacctd -zf\", \"vsacctd\": rc %d \"%s\" foreground %d (expected rc 0, foreground 0)",
			 rc, rc ? err : "", opt.foreground);
		return 1;
	}
	snprintf(msg, size, "ok");
	return 0;
}

/* In the child: "-zV" fails, then "-c x.conf" must not show a version. */
static int group_error_then_options(char *msg, size_t size)
{
	int rc = PARSE("-zV");
	if (rc != -1 || strcmp(err, "unknown option -z") != 0) {
		snprintf(msg, size, "first parse: rc %d \"%s\"", rc, err);
		return 1;
	}
	snprintf(msg, size, "after \"vsacctd -zV\", \"vsacctd -c x.conf\" did not return");
	rc = PARSE("-c", "x.conf");
	if (rc != 0 || opt.show_version || strcmp(opt.conf_path, "x.conf") != 0) {
		snprintf(msg, size, "after \"vsacctd -zV\", \"vsacctd -c x.conf\": rc %d \"%s\" show_version %d conf %s (expected rc 0, show_version 0, conf x.conf)",
			 rc, rc ? err : "", opt.show_version, rc ? "?" : opt.conf_path);
		return 1;
	}
	snprintf(msg, size, "ok");
	return 0;
}

/* In the child: the same argv storage parsed twice with other words, as a
 * caller that builds its argv in one buffer would. */
static int same_storage_twice(char *msg, size_t size)
{
	char w[3][32];
	char *argv[4] = { w[0], w[1], w[2], NULL };
	strcpy(w[0], "vsacctd");
	strcpy(w[1], "-f");
	strcpy(w[2], "extra");
	int rc = options_parse(3, argv, DEFAULT_CONF, &opt, err, sizeof err);
	if (rc != -1 || strcmp(err, "unexpected argument 'extra'") != 0) {
		snprintf(msg, size, "first parse: rc %d \"%s\"", rc, err);
		return 1;
	}
	strcpy(w[1], "-cother.conf");
	argv[2] = NULL;
	snprintf(msg, size, "second parse did not return");
	rc = options_parse(2, argv, DEFAULT_CONF, &opt, err, sizeof err);
	if (rc != 0 || strcmp(opt.conf_path, "other.conf") != 0 || opt.foreground) {
		snprintf(msg, size, "argv {vsacctd, -f, extra} then, in the same buffers, {vsacctd, -cother.conf}: rc %d \"%s\" (expected rc 0, conf other.conf)",
			 rc, rc ? err : "");
		return 1;
	}
	snprintf(msg, size, "ok");
	return 0;
}

static void test_options_parse_again_after_error_in_group(void)
{
	CHILD_OK(group_error_then_nothing);
	CHILD_OK(group_error_then_options);
}

static void test_options_parse_again_same_storage(void)
{
	CHILD_OK(same_storage_twice);
}

static CU_TestInfo options_tests[] = {
	{ "defaults", test_options_defaults },
	{ "default conf is the caller's", test_options_default_conf_is_the_callers },
	{ "-f logs to stderr", test_options_foreground_logs_to_stderr },
	{ "-c", test_options_conf },
	{ "-x", test_options_agentx_socket },
	{ "-p", test_options_pid_file },
	{ "-V", test_options_version },
	{ "-h", test_options_help },
	{ "all together", test_options_all_together },
	{ "-Le -Lo -Ls -Ln", test_options_log_lower_case },
	{ "-L overrides -f", test_options_log_overrides_foreground },
	{ "-Lf FILE", test_options_log_file },
	{ "-LE N", test_options_log_priority_number },
	{ "-LE NAME", test_options_log_priority_name },
	{ "-LF N FILE", test_options_log_file_with_priority },
	{ "unknown option", test_options_unknown_option },
	{ "missing argument", test_options_missing_argument },
	{ "-Lf without a file", test_options_log_file_missing },
	{ "-LE with a bad priority", test_options_log_bad_priority },
	{ "unknown -L kind", test_options_log_unknown_kind },
	{ "stray argument", test_options_stray_argument },
	{ "error message fits its buffer", test_options_error_message_fits },
	{ "parse again", test_options_parse_again },
	{ "parse again after errors", test_options_parse_again_after_errors },
	{ "parse again after an error inside grouped flags",
	  test_options_parse_again_after_error_in_group },
	{ "parse again from the same argv storage", test_options_parse_again_same_storage },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "options", NULL, NULL, NULL, NULL, options_tests },
	CU_SUITE_INFO_NULL,
};
