#include "runner.h"

static void test_capture_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo capture_tests[] = {
	{ "placeholder", test_capture_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "capture", NULL, NULL, NULL, NULL, capture_tests },
	CU_SUITE_INFO_NULL,
};
