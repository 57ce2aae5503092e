/*
 * privdrop: from root to an unprivileged user, for good.
 *
 * vsacctd opens its captures, its netlink socket and its state directory
 * as root, then becomes USER keeping only CAP_NET_RAW, in its effective,
 * permitted and bounding sets alike, to open a bridge's capture again when
 * the bridge comes back. Discovery needs nothing more: libvirt's read-only
 * socket is open to every local user. Everything else is gone, no ambient
 * or inheritable capability is left, and no_new_privs is set: setuid(0)
 * and executing a setuid program gain nothing.
 */
#ifndef VS_PRIVDROP_H
#define VS_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Looks user up. Returns 0, or -1 with a message in err. */
int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* Gives dir and the regular files in it to uid:gid, so that the state is
 * saved after the drop. Returns 0, or -1 with a message in err. */
int privdrop_give_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * Becomes uid:gid (supplementary groups: gid alone) keeping CAP_NET_RAW
 * alone, and CAP_NET_ADMIN too when net_admin is set (the eBPF method
 * attaches its loaded program to ports that join a bridge later: tc's
 * netlink requests need it; the maps and the program are open descriptors
 * already, so CAP_BPF and CAP_PERFMON are not kept). Checks every step and
 * that root cannot be regained. Returns 0, or -1 with a message in err: the
 * caller must then exit, half-dropped privileges being no state to run in.
 */
int privdrop_to(uid_t uid, gid_t gid, bool net_admin, char *err, size_t errlen);

#endif
