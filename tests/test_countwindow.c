#include "countwindow.h"
#include "runner.h"

#define SEC 1000000LL

static void test_count_window_bounds(void)
{
	struct count_window w = { 100, 102 };
	CU_ASSERT_FALSE(count_window_has(w, 99));
	CU_ASSERT_TRUE(count_window_has(w, 100));
	CU_ASSERT_TRUE(count_window_has(w, 101));
	CU_ASSERT_FALSE(count_window_has(w, 102)); /* the cut is the next method's */
	/* 0: no bound on that side. */
	CU_ASSERT_TRUE(count_window_has((struct count_window){ 0, 102 }, 1));
	CU_ASSERT_TRUE(count_window_has((struct count_window){ 100, 0 }, INT64_MAX - 1));
	CU_ASSERT_TRUE(count_window_has(COUNT_WINDOW_ALL, 1700000000));
	CU_ASSERT_FALSE(count_window_has(COUNT_WINDOW_NONE, 1700000000));
}

/* Either side of a cut, every second is counted once. */
static void test_count_window_cut_splits_once(void)
{
	struct count_window old = { 0, 1700000005 }, next = { 1700000005, 0 };
	for (int64_t sec = 1700000000; sec < 1700000010; sec++)
		CU_ASSERT_EQUAL(count_window_has(old, sec) + count_window_has(next, sec), 1);
}

static void test_count_window_cut_is_ahead(void)
{
	/* The first whole second at least the lead ahead. */
	CU_ASSERT_EQUAL(count_window_cut(1000 * SEC + 200000, 500000), 1001);
	CU_ASSERT_EQUAL(count_window_cut(1000 * SEC + 500000, 500000), 1001);
	CU_ASSERT_EQUAL(count_window_cut(1000 * SEC + 500001, 500000), 1002);
	CU_ASSERT_EQUAL(count_window_cut(1000 * SEC, 500000), 1001);
	CU_ASSERT_EQUAL(count_window_cut(1000 * SEC, 0), 1000);
}

static CU_TestInfo countwindow_tests[] = {
	{ "bounds", test_count_window_bounds },
	{ "cut_splits_once", test_count_window_cut_splits_once },
	{ "cut_is_ahead", test_count_window_cut_is_ahead },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "countwindow", NULL, NULL, NULL, NULL, countwindow_tests },
	CU_SUITE_INFO_NULL,
};
