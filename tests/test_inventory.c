#include "runner.h"

static void test_inventory_placeholder(void) { CU_ASSERT(1); }

static CU_TestInfo inventory_tests[] = {
	{ "placeholder", test_inventory_placeholder },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "inventory", NULL, NULL, NULL, NULL, inventory_tests },
	CU_SUITE_INFO_NULL,
};
