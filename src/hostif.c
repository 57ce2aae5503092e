#include "hostif.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IFF_UP_FLAG 0x1

/* Reads a sysfs attribute holding one number. */
static int read_number(const char *ifname, const char *attr, long *value)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, attr);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	int ok = fscanf(fp, "%li", value) == 1;
	fclose(fp);
	return ok ? 0 : -1;
}

int hostif_lookup(const char *ifname, struct hostif_info *info)
{
	memset(info, 0, sizeof *info);
	long ifindex, flags;
	if (read_number(ifname, "ifindex", &ifindex) < 0)
		return errno == ENOENT ? 0 : -1;
	if (read_number(ifname, "flags", &flags) < 0)
		return errno == ENOENT ? 0 : -1;
	info->exists = true;
	info->ifindex = (int)ifindex;
	info->up = (flags & IFF_UP_FLAG) != 0;

	char path[PATH_MAX], target[PATH_MAX];
	snprintf(path, sizeof path, "/sys/class/net/%s/master", ifname);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n > 0) {
		target[n] = '\0';
		const char *base = strrchr(target, '/');
		snprintf(info->master, sizeof info->master, "%s", base ? base + 1 : target);
	}
	return 0;
}
