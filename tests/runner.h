/*
 * runner: the one main() of every CUnit test program. Each test_<module>.c
 * defines test_suites[], the CU_SuiteInfo list it runs, ending in
 * CU_SUITE_INFO_NULL.
 */
#ifndef VS_TEST_RUNNER_H
#define VS_TEST_RUNNER_H

#include <CUnit/CUnit.h>

extern CU_SuiteInfo test_suites[];

#endif
