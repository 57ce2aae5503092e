#include "statedir.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "countfile.h"
#include "log.h"

struct statedir {
	struct indexes *indexes;
	char indexes_path[CONF_PATH_MAX + 16];
	char counters_path[CONF_PATH_MAX + 16];
	int64_t interval_usec;
	int64_t next_save_usec;
	bool save_failing; /* logged once until a save works again */
};

struct statedir *statedir_open(const char *dir, unsigned save_interval_sec, int64_t now_usec)
{
	struct statedir *sd = calloc(1, sizeof *sd);
	if (!sd)
		return NULL;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		log_warn("cannot create state directory %s", dir);
	snprintf(sd->indexes_path, sizeof sd->indexes_path, "%s/indexes", dir);
	snprintf(sd->counters_path, sizeof sd->counters_path, "%s/counters", dir);
	sd->interval_usec = (int64_t)save_interval_sec * 1000000;
	sd->next_save_usec = now_usec + sd->interval_usec;
	char err[512] = "";
	sd->indexes = indexes_load(sd->indexes_path, err, sizeof err);
	if (*err) {
		/* Kept aside: the next save would overwrite what it remembers. */
		char aside[sizeof sd->indexes_path + 4];
		snprintf(aside, sizeof aside, "%s.bad", sd->indexes_path);
		log_warnx("%s; indexes start afresh, the file is kept as %s", err, aside);
		if (rename(sd->indexes_path, aside) < 0)
			log_warn("cannot rename %s", sd->indexes_path);
	}
	if (!sd->indexes) {
		free(sd);
		return NULL;
	}
	return sd;
}

void statedir_close(struct statedir *sd)
{
	if (!sd)
		return;
	indexes_free(sd->indexes);
	free(sd);
}

struct indexes *statedir_indexes(const struct statedir *sd) { return sd->indexes; }

void statedir_restore(struct statedir *sd, struct inventory *inv)
{
	/* Counting goes on from the last save; the rows' discontinuity times
	 * (now) say that what passed meanwhile was not seen. */
	char err[512] = "";
	if (countfile_load(inv, sd->counters_path, err, sizeof err) < 0)
		log_warnx("%s; counters start from 0", err);
}

void statedir_save_indexes(struct statedir *sd)
{
	if (indexes_dirty(sd->indexes) && indexes_save(sd->indexes, sd->indexes_path) < 0)
		log_warn("cannot save indexes to %s", sd->indexes_path);
}

int statedir_save(struct statedir *sd, const struct inventory *inv)
{
	if (countfile_save(inv, sd->counters_path) < 0) {
		if (!sd->save_failing)
			log_warn("cannot save counters to %s (retried every %lld s)", sd->counters_path,
				 (long long)(sd->interval_usec / 1000000));
		sd->save_failing = true;
		return -1;
	}
	if (sd->save_failing)
		log_info("counters saved to %s again", sd->counters_path);
	sd->save_failing = false;
	return 0;
}

bool statedir_tick(struct statedir *sd, const struct inventory *inv, int64_t now_usec)
{
	if (now_usec < sd->next_save_usec)
		return false;
	int r = statedir_save(sd, inv);
	sd->next_save_usec = now_usec + sd->interval_usec;
	return r == 0;
}

void statedir_set_interval(struct statedir *sd, unsigned save_interval_sec)
{
	sd->interval_usec = (int64_t)save_interval_sec * 1000000;
}
