#include "source.h"

#include <stdio.h>
#include <string.h>

#include "source_libvirt.h"

/* One entry per source kind; a new source is one more line. */
static const struct source_ops *const sources[] = {
	&source_libvirt_ops,
};

#define NSOURCES (sizeof sources / sizeof *sources)

const struct source_ops *source_find(const char *kind)
{
	for (size_t i = 0; kind && i < NSOURCES; i++)
		if (!strcmp(sources[i]->kind, kind))
			return sources[i];
	return NULL;
}

const char *source_kinds(void)
{
	/* Built once from the table, so it never disagrees with it. */
	static char kinds[128];
	if (!kinds[0])
		for (size_t i = 0; i < NSOURCES; i++) {
			size_t len = strlen(kinds);
			snprintf(kinds + len, sizeof kinds - len, "%s%s", i ? ", " : "",
				 sources[i]->kind);
		}
	return kinds;
}
