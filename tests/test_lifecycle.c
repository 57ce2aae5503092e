#include "runner.h"

static void test_lifecycle_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo lifecycle_tests[] = {
	{ "placeholder", test_lifecycle_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "lifecycle", NULL, NULL, NULL, NULL, lifecycle_tests },
	CU_SUITE_INFO_NULL,
};
