#include "uptimefile.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define BOOT_ID_LEN 36

static int boot_id(char out[BOOT_ID_LEN + 1])
{
	FILE *fp = fopen(BOOT_ID_PATH, "r");
	if (!fp)
		return -1;
	int ok = fscanf(fp, "%36s", out) == 1;
	fclose(fp);
	return ok ? 0 : -1;
}

static void file_path(char *out, size_t len, const char *state_dir, const char *suffix)
{
	snprintf(out, len, "%s/uptime-origin%s", state_dir, suffix);
}

int64_t uptimefile_load(const char *state_dir)
{
	char path[PATH_MAX], now[BOOT_ID_LEN + 1], saved[BOOT_ID_LEN + 1];
	file_path(path, sizeof path, state_dir, "");
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	int64_t origin = 0;
	bool ok = fscanf(fp, "%36s %" SCNd64, saved, &origin) == 2;
	fclose(fp);
	if (!ok || boot_id(now) < 0 || strcmp(now, saved) != 0 || origin < 0)
		return 0;
	return origin;
}

int uptimefile_store(const char *state_dir, int64_t origin_usec)
{
	char path[PATH_MAX], tmp[PATH_MAX], id[BOOT_ID_LEN + 1];
	if (boot_id(id) < 0)
		return -1;
	file_path(path, sizeof path, state_dir, "");
	file_path(tmp, sizeof tmp, state_dir, ".new");
	FILE *fp = fopen(tmp, "w");
	if (!fp)
		return -1;
	int written = fprintf(fp, "%s %" PRId64 "\n", id, origin_usec);
	if (fclose(fp) != 0 || written < 0 || rename(tmp, path) < 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}
