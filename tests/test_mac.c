#include "runner.h"

static void test_mac_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo mac_tests[] = {
	{ "placeholder", test_mac_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "mac", NULL, NULL, NULL, NULL, mac_tests },
	CU_SUITE_INFO_NULL,
};
