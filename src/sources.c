#include "sources.h"

#include <string.h>

#include "source_libvirt.h"
#include "source_proxmox.h"

/* Every discovery source: a new one is one more entry. */
static const struct source_ops *const sources[] = {
	&source_libvirt_ops,
	&source_proxmox_ops,
};

const struct source_ops *sources_find(const char *kind)
{
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
		if (!strcmp(sources[i]->kind, kind))
			return sources[i];
	return NULL;
}

const char *sources_kinds(void) { return "libvirt, proxmox"; }
