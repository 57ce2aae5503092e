#include "runner.h"

static void test_decode_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo decode_tests[] = {
	{ "placeholder", test_decode_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "decode", NULL, NULL, NULL, NULL, decode_tests },
	CU_SUITE_INFO_NULL,
};
