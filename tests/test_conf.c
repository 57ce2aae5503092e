#include "runner.h"

static void test_conf_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo conf_tests[] = {
	{ "placeholder", test_conf_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "conf", NULL, NULL, NULL, NULL, conf_tests },
	CU_SUITE_INFO_NULL,
};
