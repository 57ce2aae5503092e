/*
 * Unit tests of src/statedir.c: a state directory made on open, indexes
 * that do not parse kept aside, counters saved on the interval and
 * restored, and a save that cannot be written failing without harm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "statedir.h"

#define SEC 1000000LL

static const char CONF_TEXT[] =
	"network lan0 br0\n"
	"vm a\n"
	"vnic a 52:54:00:00:00:0a\n";

static char top[64], dir[96], file[160];

static int statedir_setup(void)
{
	snprintf(top, sizeof top, "/tmp/test_statedir.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(dir, sizeof dir, "%s/state", top);
	return 0;
}

static int statedir_teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static struct inventory *inventory_of(struct statedir *sd)
{
	struct conf *conf = conf_new();
	struct conf_error err;
	CU_ASSERT_FATAL(conf_parse_buffer(conf, "s.conf", CONF_TEXT, strlen(CONF_TEXT), &err) == 0);
	struct inventory_source src = { conf, NULL, 0, statedir_indexes(sd) };
	struct inventory *inv = inventory_build(&src, 0);
	conf_free(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	return inv;
}

static bool exists(const char *name)
{
	snprintf(file, sizeof file, "%s/%s", dir, name);
	struct stat st;
	return stat(file, &st) == 0;
}

static void test_statedir_saves_on_interval_and_restores(void)
{
	struct statedir *sd = statedir_open(dir, 60, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	struct inventory *inv = inventory_of(sd);
	statedir_save_indexes(sd);
	CU_ASSERT_TRUE(exists("indexes"));
	struct inv_net *lan0 = inventory_net_by_name(inv, "lan0");
	acct_count_frame(&lan0->acct, NULL, NULL, false, 1000, 1);
	statedir_tick(sd, inv, 59 * SEC);
	CU_ASSERT_FALSE(exists("counters"));
	statedir_tick(sd, inv, 60 * SEC);
	CU_ASSERT_TRUE(exists("counters"));
	inventory_free(inv);
	statedir_close(sd);

	/* The next start continues from the save. */
	sd = statedir_open(dir, 60, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	inv = inventory_of(sd);
	statedir_restore(sd, inv);
	CU_ASSERT_EQUAL(acct_net_carried(&inventory_net_by_name(inv, "lan0")->acct).bytes, 1000);
	CU_ASSERT_EQUAL(inventory_vm_by_name(inv, "a")->index, 1);
	inventory_free(inv);
	statedir_close(sd);
}

static void test_statedir_bad_indexes_kept_aside(void)
{
	CU_ASSERT_FATAL(mkdir(dir, 0750) == 0 || exists(""));
	snprintf(file, sizeof file, "%s/indexes", dir);
	FILE *fp = fopen(file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("not an index file\n", fp);
	fclose(fp);
	struct statedir *sd = statedir_open(dir, 60, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	CU_ASSERT_TRUE(exists("indexes.bad"));
	CU_ASSERT_FALSE(exists("indexes"));
	statedir_close(sd);
}

static void test_statedir_unwritable_save_fails_harmlessly(void)
{
	/* A state directory under a file cannot exist, even for root. */
	char bad[128];
	snprintf(file, sizeof file, "%s/plain", top);
	FILE *fp = fopen(file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fclose(fp);
	snprintf(bad, sizeof bad, "%s/state", file);
	struct statedir *sd = statedir_open(bad, 1, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	struct inventory *inv = inventory_of(sd);
	CU_ASSERT_EQUAL(statedir_save(sd, inv), -1);
	CU_ASSERT_EQUAL(statedir_save(sd, inv), -1);
	statedir_tick(sd, inv, 5 * SEC);
	inventory_free(inv);
	statedir_close(sd);
}

static CU_TestInfo statedir_tests[] = {
	{ "counters saved on the interval, restored at the next start", test_statedir_saves_on_interval_and_restores },
	{ "indexes that do not parse are kept aside", test_statedir_bad_indexes_kept_aside },
	{ "a save that cannot be written fails harmlessly", test_statedir_unwritable_save_fails_harmlessly },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "statedir", statedir_setup, statedir_teardown, NULL, NULL, statedir_tests },
	CU_SUITE_INFO_NULL,
};
