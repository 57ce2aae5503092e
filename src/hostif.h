/*
 * hostif: what the kernel says of a vNIC's host-side interface (see
 * netlink, which keeps these current).
 */
#ifndef VS_HOSTIF_H
#define VS_HOSTIF_H

#include <stdbool.h>

#include "conf.h"

struct hostif_info {
	bool exists;
	bool up;     /* administratively up (IFF_UP) */
	int ifindex; /* 0 when it does not exist */
	char master[CONF_IFNAME_MAX + 1]; /* bridge it is a port of, or "" */
};

#endif
