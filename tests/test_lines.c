#include <string.h>

#include "lines.h"
#include "runner.h"

#define MAX 8

/* A reader over text (a string literal: sizeof - 1 bytes) with a buffer
 * for MAX bytes and a guard byte after it. */
struct fixture {
	struct lines lr;
	char buf[MAX + 2];
};

static void start(struct fixture *f, const char *text, size_t len, int flags)
{
	memset(f->buf, '@', sizeof f->buf);
	lines_init(&f->lr, text, len, f->buf, MAX, flags);
}
#define START(f, text, flags) start((f), (text), sizeof(text) - 1, (flags))

/* The next line is OK, numbered number, and reads want. */
static void expect_line(struct fixture *f, unsigned number, const char *want, unsigned at)
{
	char *line = NULL;
	enum lines_result r = lines_next(&f->lr, &line);
	CU_assertImplementation(r == LINES_OK && line == f->buf && !strcmp(line, want) &&
					f->lr.number == number,
				at, want, __FILE__, "", CU_FALSE);
	CU_ASSERT_EQUAL(f->buf[MAX + 1], '@'); /* nothing written past max + 1 */
}
#define EXPECT_LINE(f, number, want) expect_line((f), (number), (want), __LINE__)

static void test_lines_split(void)
{
	struct fixture f;
	START(&f, "net a\n\nvm b", 0);
	EXPECT_LINE(&f, 1, "net a");
	EXPECT_LINE(&f, 2, "");
	EXPECT_LINE(&f, 3, "vm b"); /* the last line needs no newline */
	char *line;
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END); /* and stays ended */
	CU_ASSERT_EQUAL(f.lr.number, 3);

	/* A final newline ends the last line; it does not start another. */
	START(&f, "a\nb\n", 0);
	EXPECT_LINE(&f, 1, "a");
	EXPECT_LINE(&f, 2, "b");
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);

	START(&f, "\n\n", 0);
	EXPECT_LINE(&f, 1, "");
	EXPECT_LINE(&f, 2, "");
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);

	/* No text, no line. */
	start(&f, NULL, 0, 0);
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);
	CU_ASSERT_EQUAL(f.lr.number, 0);

	/* Only len bytes are read. */
	start(&f, "abc\ndef", 5, 0);
	EXPECT_LINE(&f, 1, "abc");
	EXPECT_LINE(&f, 2, "d");
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);
}

static void test_lines_crlf(void)
{
	struct fixture f;
	START(&f, "a\r\nb\r\r\n\r\nc\r", LINES_CRLF);
	EXPECT_LINE(&f, 1, "a");
	EXPECT_LINE(&f, 2, "b\r"); /* one CR only */
	EXPECT_LINE(&f, 3, "");
	EXPECT_LINE(&f, 4, "c"); /* the last line too */
	char *line;
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);

	/* Without the flag a CR is the line's. */
	START(&f, "a\r\n", 0);
	EXPECT_LINE(&f, 1, "a\r");

	/* The CR does not count towards the limit. */
	START(&f, "12345678\r\n", LINES_CRLF);
	EXPECT_LINE(&f, 1, "12345678");
	START(&f, "12345678\r\n", 0);
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_TOO_LONG);
}

static void test_lines_too_long(void)
{
	struct fixture f;
	char *line = NULL;
	START(&f, "12345678\n123456789\nok\n1234567890", 0);
	EXPECT_LINE(&f, 1, "12345678"); /* exactly the limit */
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_TOO_LONG);
	CU_ASSERT_EQUAL(f.lr.number, 2);
	CU_ASSERT_EQUAL(f.buf[0], '1'); /* untouched: still line 1 */
	CU_ASSERT_EQUAL(f.buf[MAX + 1], '@');
	/* The caller may go on. */
	EXPECT_LINE(&f, 3, "ok");
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_TOO_LONG);
	CU_ASSERT_EQUAL(f.lr.number, 4);
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_END);
}

static void test_lines_nul(void)
{
	struct fixture f;
	char *line = NULL;
	START(&f, "a\nb\0c\nd\n", 0);
	EXPECT_LINE(&f, 1, "a");
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_NUL);
	CU_ASSERT_EQUAL(f.lr.number, 2);
	EXPECT_LINE(&f, 3, "d");

	/* Too long is said first. */
	START(&f, "\0" "123456789\n", 0);
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_TOO_LONG);
	START(&f, "\0" "1234567\n", 0);
	CU_ASSERT_EQUAL(lines_next(&f.lr, &line), LINES_NUL);
}

static void test_lines_words(void)
{
	char *w[4];
	char line[] = "  net\tlan0  br0 ";
	CU_ASSERT_EQUAL_FATAL(lines_words(line, " \t", '\0', w, 4), 3);
	CU_ASSERT_STRING_EQUAL(w[0], "net");
	CU_ASSERT_STRING_EQUAL(w[1], "lan0");
	CU_ASSERT_STRING_EQUAL(w[2], "br0");
	CU_ASSERT_PTR_EQUAL(w[0], line + 2); /* in place */

	/* Only the blanks given separate. */
	char tabs[] = "a\tb c";
	CU_ASSERT_EQUAL_FATAL(lines_words(tabs, " ", '\0', w, 4), 2);
	CU_ASSERT_STRING_EQUAL(w[0], "a\tb");
	CU_ASSERT_STRING_EQUAL(w[1], "c");

	char empty[] = "", blank[] = " \t ";
	CU_ASSERT_EQUAL(lines_words(empty, " ", '\0', w, 4), 0);
	CU_ASSERT_EQUAL(lines_words(blank, " \t", '\0', w, 4), 0);

	/* Exactly max, then more. */
	char four[] = "a b c d", five[] = "a b c d e";
	CU_ASSERT_EQUAL(lines_words(four, " ", '\0', w, 4), 4);
	CU_ASSERT_STRING_EQUAL(w[3], "d");
	CU_ASSERT_EQUAL(lines_words(five, " ", '\0', w, 4), 5);
	CU_ASSERT_STRING_EQUAL(w[0], "a");
	CU_ASSERT_STRING_EQUAL(w[3], "d");
}

static void test_lines_comments(void)
{
	char *w[4];
	/* A comment starts a word; inside a word '#' is the word's. */
	char line[] = "vm a#b # c d e f g";
	CU_ASSERT_EQUAL_FATAL(lines_words(line, " ", '#', w, 4), 2);
	CU_ASSERT_STRING_EQUAL(w[0], "vm");
	CU_ASSERT_STRING_EQUAL(w[1], "a#b");
	char whole[] = "  #all of it";
	CU_ASSERT_EQUAL(lines_words(whole, " ", '#', w, 4), 0);
	/* Past max words, a comment is not more words. */
	char full[] = "a b c d #e";
	CU_ASSERT_EQUAL(lines_words(full, " ", '#', w, 4), 4);
	/* Without a comment character, '#' is a word. */
	char plain[] = "# a";
	CU_ASSERT_EQUAL(lines_words(plain, " ", '\0', w, 4), 2);
}

static CU_TestInfo lines_tests[] = {
	{ "split", test_lines_split },
	{ "crlf", test_lines_crlf },
	{ "too_long", test_lines_too_long },
	{ "nul", test_lines_nul },
	{ "words", test_lines_words },
	{ "comments", test_lines_comments },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "lines", NULL, NULL, NULL, NULL, lines_tests },
	CU_SUITE_INFO_NULL,
};
