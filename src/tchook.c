#include "tchook.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"

/* Our tc filter among others on the same hook. */
#define TC_HANDLE 0x5653 /* "VS" */
#define TC_PRIORITY 0x5653

void tchook_links_dir(const char *pin_dir, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/links", pin_dir);
}

int tchook_init(struct tchook *h, const char *pin_dir, bool tcx, int prog_fd, char *err,
		size_t errlen)
{
	tchook_links_dir(pin_dir, h->links_dir, sizeof h->links_dir);
	if (mkdir(h->links_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "countMethod ebpf: %s: %s", h->links_dir, strerror(errno));
		return -1;
	}
	h->tcx = false;
	if (!tcx)
		return 0;
	/* No interface has index 0: a kernel with TCX says so (ENODEV), one
	 * without refuses the attach type (EINVAL). */
	int fd = bpf_link_create(prog_fd, 0, VS_BPF_TCX_INGRESS, NULL);
	h->tcx = fd < 0 && errno == ENODEV;
	if (fd >= 0)
		close(fd);
	return 0;
}

static void pin_path(const struct tchook *h, int ifindex, bool egress, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%d-%s", h->links_dir, ifindex, egress ? "eg" : "in");
}

/* --- tc ------------------------------------------------------------------- */

static int tc_attach(int ifindex, bool egress, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	int r = bpf_tc_hook_create(&hook);
	if (r < 0 && r != -EEXIST)
		return r;
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	return bpf_tc_attach(&hook, &opts);
}

static bool tc_present(int ifindex, bool egress)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	return bpf_tc_query(&hook, &opts) == 0;
}

static void tc_detach(int ifindex, bool egress)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	bpf_tc_detach(&hook, &opts); /* fails harmlessly when there is none */
}

/* --- TCX ------------------------------------------------------------------ */

/* The ifindex the TCX link fd is attached to: 0 when its interface is
 * gone (the kernel then detached it), -1 when fd is no TCX link. */
static int link_ifindex(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof info;
	memset(&info, 0, sizeof info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.type != VS_BPF_LINK_TYPE_TCX)
		return -1;
	/* A TCX link's ifindex is the union's first word, where XDP's is. */
	return (int)info.xdp.ifindex;
}

/* The link pinned for (ifindex, egress), opened, when it is attached
 * there; a stale pin (its interface gone, the index reused) is removed. */
static int link_open(const struct tchook *h, int ifindex, bool egress)
{
	char path[sizeof h->links_dir + 32];
	pin_path(h, ifindex, egress, path, sizeof path);
	int fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (link_ifindex(fd) == ifindex)
		return fd;
	close(fd);
	unlink(path);
	return -1;
}

static int tcx_attach(const struct tchook *h, int ifindex, bool egress, int prog_fd)
{
	int fd = bpf_link_create(prog_fd, ifindex, egress ? VS_BPF_TCX_EGRESS : VS_BPF_TCX_INGRESS,
				 NULL);
	if (fd < 0)
		return -errno;
	char path[sizeof h->links_dir + 32];
	pin_path(h, ifindex, egress, path, sizeof path);
	int r = bpf_obj_pin(fd, path) < 0 ? -errno : 0;
	close(fd); /* unpinned, that detaches it */
	return r;
}

/*
 * An empty clsact qdisc on the bridge, as the tc way leaves one, made before
 * any link: it turns the kernel's ingress hook on for good. Turned on by
 * the first port's link instead, it kept that port uncounted for 8 to 18
 * ms while it forwarded (63 to 181 frames at some 10,000 a second, against
 * 0 to 8 for the others: tests/bench/newport.sh). An empty qdisc costs the
 * frames the host receives next to nothing.
 */
static void keep_ingress_on(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	bpf_tc_hook_create(&hook); /* EEXIST: on already */
}

/* --- Either ----------------------------------------------------------------- */

int tchook_attach(const struct tchook *h, int ifindex, bool egress, int prog_fd,
		  bool *was_there)
{
	*was_there = false;
	int fd = link_open(h, ifindex, egress);
	if (fd >= 0) {
		int r = bpf_link_update(fd, prog_fd, NULL) < 0 ? -errno : 0;
		close(fd);
		*was_there = r == 0;
		return r;
	}
	if (tc_present(ifindex, egress)) {
		*was_there = true;
		return tc_attach(ifindex, egress, prog_fd);
	}
	if (h->tcx) {
		if (egress)
			keep_ingress_on(ifindex);
		int r = tcx_attach(h, ifindex, egress, prog_fd);
		if (r == 0)
			return 0;
		/* Refused (a user without the right, the links directory
		 * gone): tc still counts. */
		log_debug("ebpf: interface %d: no TCX link (%s): a tc filter instead", ifindex,
			  strerror(-r));
	}
	return tc_attach(ifindex, egress, prog_fd);
}

bool tchook_linked(const struct tchook *h, int ifindex, bool egress)
{
	char path[sizeof h->links_dir + 32];
	pin_path(h, ifindex, egress, path, sizeof path);
	return access(path, F_OK) == 0;
}

void tchook_detach(const struct tchook *h, int ifindex, bool egress)
{
	char path[sizeof h->links_dir + 32];
	pin_path(h, ifindex, egress, path, sizeof path);
	unlink(path);
	tc_detach(ifindex, egress);
}

/* Each pin name of dir as (ifindex, egress), to fn; a name of another
 * form is left alone. */
static void each_pin(const char *dir, void (*fn)(void *ctx, const char *name, int ifindex,
						  bool egress),
		     void *ctx)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		int ifindex, end = 0;
		char dir_word[3];
		if (sscanf(de->d_name, "%d-%2[a-z]%n", &ifindex, dir_word, &end) == 2 &&
		    !de->d_name[end] && (!strcmp(dir_word, "in") || !strcmp(dir_word, "eg")))
			fn(ctx, de->d_name, ifindex, dir_word[0] == 'e');
	}
	closedir(d);
}

struct sweep {
	const char *dir;
	bool (*wanted)(void *ctx, int ifindex, bool egress);
	void *ctx;
};

static void sweep_one(void *ctx, const char *name, int ifindex, bool egress)
{
	struct sweep *s = ctx;
	if (s->wanted && s->wanted(s->ctx, ifindex, egress))
		return;
	char path[CONF_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	unlink(path);
}

void tchook_sweep(const struct tchook *h, bool (*wanted)(void *ctx, int ifindex, bool egress),
		  void *ctx)
{
	struct sweep s = { h->links_dir, wanted, ctx };
	each_pin(h->links_dir, sweep_one, &s);
}

int tchook_remove_links(const char *pin_dir, char *err, size_t errlen)
{
	char dir[CONF_PATH_MAX + 8];
	tchook_links_dir(pin_dir, dir, sizeof dir);
	struct sweep s = { dir, NULL, NULL };
	each_pin(dir, sweep_one, &s);
	if (rmdir(dir) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}
