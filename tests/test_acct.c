#include "runner.h"

static void test_acct_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo acct_tests[] = {
	{ "placeholder", test_acct_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "acct", NULL, NULL, NULL, NULL, acct_tests },
	CU_SUITE_INFO_NULL,
};
