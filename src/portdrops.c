#include "portdrops.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fileio.h"

#define PATH_MAX_LEN 512

/* A device met: its name, its ifindex (a re-created one is another), its
 * drops at the last read. */
struct dev_drops {
	char name[CONF_IFNAME_MAX + 1];
	long ifindex;
	uint64_t drops;
	bool seen;
};

struct portdrops {
	char root[256];
	struct dev_drops *devs;
	size_t ndevs, cap;
};

struct portdrops *portdrops_new(const char *root)
{
	struct portdrops *pd = calloc(1, sizeof *pd);
	if (pd)
		snprintf(pd->root, sizeof pd->root, "%s", root);
	return pd;
}

void portdrops_free(struct portdrops *pd)
{
	if (!pd)
		return;
	free(pd->devs);
	free(pd);
}

/* One device's drops since its last read. */
static uint64_t read_dev(struct portdrops *pd, const char *name)
{
	char path[PATH_MAX_LEN];
	unsigned long long ifindex, rx, tx;
	snprintf(path, sizeof path, "%s/%s/ifindex", pd->root, name);
	if (strlen(name) > CONF_IFNAME_MAX || fileio_read_number(path, &ifindex) < 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s/statistics/rx_dropped", pd->root, name);
	if (fileio_read_number(path, &rx) < 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s/statistics/tx_dropped", pd->root, name);
	if (fileio_read_number(path, &tx) < 0)
		return 0;
	uint64_t now = rx + tx;
	for (size_t i = 0; i < pd->ndevs; i++) {
		struct dev_drops *d = &pd->devs[i];
		if (strcmp(d->name, name) || d->ifindex != (long)ifindex)
			continue;
		uint64_t delta = now >= d->drops ? now - d->drops : 0;
		d->drops = now;
		d->seen = true;
		return delta;
	}
	if (pd->ndevs == pd->cap) {
		size_t cap = pd->cap ? pd->cap * 2 : 16;
		struct dev_drops *devs = realloc(pd->devs, cap * sizeof *devs);
		if (!devs)
			return 0;
		pd->devs = devs;
		pd->cap = cap;
	}
	struct dev_drops *d = &pd->devs[pd->ndevs++];
	snprintf(d->name, sizeof d->name, "%s", name);
	d->ifindex = (long)ifindex;
	d->drops = now;
	d->seen = true;
	return 0;
}

uint64_t portdrops_read(struct portdrops *pd, const char *dev)
{
	uint64_t sum = read_dev(pd, dev);
	char path[PATH_MAX_LEN];
	/* A bridge's ports are its brif/ entries; any other device's are its
	 * macvtap uppers (upper_NAME links). */
	snprintf(path, sizeof path, "%s/%s/brif", pd->root, dev);
	DIR *dir = opendir(path);
	bool bridge = dir != NULL;
	if (!dir) {
		snprintf(path, sizeof path, "%s/%s", pd->root, dev);
		dir = opendir(path);
	}
	if (!dir)
		return sum;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (*e->d_name == '.')
			continue;
		if (bridge)
			sum += read_dev(pd, e->d_name);
		else if (!strncmp(e->d_name, "upper_", 6))
			sum += read_dev(pd, e->d_name + 6);
	}
	closedir(dir);
	return sum;
}

void portdrops_sweep(struct portdrops *pd)
{
	size_t kept = 0;
	for (size_t i = 0; i < pd->ndevs; i++)
		if (pd->devs[i].seen) {
			pd->devs[kept] = pd->devs[i];
			pd->devs[kept++].seen = false;
		}
	pd->ndevs = kept;
}
