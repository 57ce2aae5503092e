#include "domain.h"

#include <string.h>

bool domain_vnics_equal(const struct domain_record *a, const struct domain_record *b)
{
	if (a->nvnics != b->nvnics)
		return false;
	for (size_t i = 0; i < a->nvnics; i++) {
		const struct domain_vnic *x = &a->vnics[i], *y = &b->vnics[i];
		if (memcmp(x->mac, y->mac, MAC_LEN) || strcmp(x->ifname, y->ifname) ||
		    strcmp(x->bridge, y->bridge) || strcmp(x->lower, y->lower) ||
		    x->vlan != y->vlan || x->pinned != y->pinned)
			return false;
	}
	return true;
}
