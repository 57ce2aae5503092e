/*
 * tchook: where the eBPF counting method's program sits on an interface,
 * at its traffic-control ingress (a bridge port: what the bridge receives
 * from it) or egress (the bridge itself: what the host sends on it). Two
 * ways, the kernel's choice:
 *
 *   TCX  (Linux 6.6 and later) a BPF link, run by the hook itself without
 *        the clsact qdisc and cls_bpf in between (60-byte frames: 0.007
 *        to 0.018 more of the host's forwarding rate, README "Performance"),
 *        pinned as IFINDEX-in or IFINDEX-eg in the links directory
 *        (bpfPinDir/links) so that it outlives vsacctd as a filter does;
 *   tc   a filter of ours (handle and priority 0x5653) on the clsact
 *        qdisc, run after the filters of lower priority (bpfAttach tc):
 *        where the kernel has no TCX or the configuration says so.
 *
 * A port keeps the way it has (a previous run's, or a vsacctd without
 * TCX): its program is replaced in place, never put beside itself the
 * other way, which would count the port's frames twice.
 *
 * Both stay when vsacctd exits, counting on, and are found by the next
 * start. A link is detached by removing its pin (vsacctd holds no other
 * reference): that needs no capability, only the links directory, which
 * privdrop gives the user of -u.
 */
#ifndef VS_TCHOOK_H
#define VS_TCHOOK_H

#include <stdbool.h>

#include "conf.h"

/* TCX's attach types and link type (Linux 6.6 UAPI; Debian 12's headers
 * are 6.1's, and libbpf 1.1 passes an attach type it does not know on). */
#define VS_BPF_TCX_INGRESS 46
#define VS_BPF_TCX_EGRESS 47
#define VS_BPF_LINK_TYPE_TCX 11

struct tchook {
	char links_dir[CONF_PATH_MAX + 8];
	bool tcx; /* the kernel has TCX */
};

/* The links directory of pin_dir (made, mode 0700, if absent) and, when
 * tcx is wanted, whether the kernel has TCX (probed with prog_fd, a loaded
 * tc program): new ports are linked then, else get a tc filter. Returns
 * 0, or -1 with a message in err. */
int tchook_init(struct tchook *h, const char *pin_dir, bool tcx, int prog_fd, char *err,
		size_t errlen);

/* The links directory of pin_dir, into out (for privdrop and removal). */
void tchook_links_dir(const char *pin_dir, char *out, size_t outlen);

/*
 * Puts prog_fd at ifindex's ingress or egress hook. A program of ours
 * already there (a previous run's, counting on while vsacctd was away), by
 * either way, is replaced atomically and keeps its way, and *was_there is
 * set. Returns 0, or -errno.
 */
int tchook_attach(const struct tchook *h, int ifindex, bool egress, int prog_fd,
		  bool *was_there);

/* Whether ifindex's hook has a link of ours pinned (a pin removed by hand
 * detached it: it is attached again). */
bool tchook_linked(const struct tchook *h, int ifindex, bool egress);

/* Ours off ifindex's hook, by either way (nothing when none: an interface
 * that is gone took its filter along, and left its link's pin). */
void tchook_detach(const struct tchook *h, int ifindex, bool egress);

/* Every pinned link whose interface wanted(ctx, ifindex, egress) does not
 * name is detached (a previous run's, on an interface gone or no longer a
 * port). */
void tchook_sweep(const struct tchook *h, bool (*wanted)(void *ctx, int ifindex, bool egress),
		  void *ctx);

/* vsacctd -D: every link pinned in pin_dir's links directory detached and
 * the directory removed. Returns 0, or -1 with a message in err. */
int tchook_remove_links(const char *pin_dir, char *err, size_t errlen);

#endif
