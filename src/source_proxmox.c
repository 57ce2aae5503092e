/*
 * Lifecycle: open → a first look (every file read) → per loop turn:
 * pollfds (no descriptor: a timer every SOURCE_PROXMOX_POLL_SEC) → handle:
 * look again (directories, files whose change time moved, each guest's
 * process or devices) → count/record when it changed → close.
 *
 * Each guest is kept by its file (kind and VM ID) from look to look; what
 * a look does not find any more is dropped.
 */
#include "source_proxmox.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fileio.h"
#include "log.h"
#include "procusage.h"
#include "proxmox_conf.h"

#define USEC_PER_SEC 1000000LL
#define POLL_USEC (SOURCE_PROXMOX_POLL_SEC * USEC_PER_SEC)
/* A guest's configuration is a few KiB; Proxmox refuses more than 512 KiB. */
#define CONF_FILE_MAX (1u << 20)

static const char *const subdir[] = {
	[PROXMOX_QEMU] = "qemu-server",
	[PROXMOX_LXC] = "lxc",
};

struct file_stamp {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct pve_guest {
	enum proxmox_kind kind;
	uint32_t vmid;
	struct file_stamp stamp; /* of its file when last read */
	bool have_conf;		 /* conf holds a configuration that parsed */
	bool warned;		 /* the current file's error, or its name's, was said */
	struct proxmox_guest conf;
	int pid;		      /* QEMU: its process when last seen alive, 0 if none */
	uint64_t start_ticks; /* that process's start time (/proc) */
	struct domain_record rec;
	bool valid; /* rec can be served */
	bool seen;  /* found by the current look */
};

struct source {
	char dir[CONF_PATH_MAX];
	char run_dir[CONF_PATH_MAX];
	struct pve_guest **guests;
	size_t n, cap;
	struct file_stamp dirs[2]; /* the two directories at the last look */
	bool said_missing[2];
	char **refused; /* file names said not to be a guest's */
	size_t nrefused;
	const struct domain_record **view;
	size_t nview;
	bool changed;
	int64_t next_look;
};

static struct file_stamp stamp_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return (struct file_stamp){ .exists = false };
	return (struct file_stamp){ true, st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim };
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool same_stamp(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && same_time(a->mtime, b->mtime) && same_time(a->ctime, b->ctime);
}

static void conf_path(const struct source *src, enum proxmox_kind kind, uint32_t vmid,
		      char out[CONF_PATH_MAX + 64])
{
	snprintf(out, CONF_PATH_MAX + 64, "%s/local/%s/%" PRIu32 ".conf", src->dir, subdir[kind],
		 vmid);
}

/* --- what the node shows of a guest at run time ------------------------ */

enum qmp_status { QMP_UNKNOWN, QMP_RUNNING, QMP_PAUSED };

/* Waits up to the deadline for fd to be ready for events; false on timeout. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	int64_t left = (deadline - clock_mono_usec()) / 1000;
	if (left <= 0)
		return false;
	struct pollfd p = { .fd = fd, .events = events };
	return poll(&p, 1, (int)left) == 1 && (p.revents & events);
}

/* Reads from fd until buf (of size cap, *used filled) holds a line whose
 * text contains "return"; that line is left at buf's start. */
static bool read_return(int fd, char *buf, size_t cap, size_t *used, int64_t deadline)
{
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', *used))) {
			*nl = '\0';
			if (strstr(buf, "\"return\""))
				return true;
			size_t rest = *used - (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, rest);
			*used = rest;
		}
		if (*used == cap - 1)
			*used = 0; /* a line longer than wanted: not ours */
		if (!wait_fd(fd, POLLIN, deadline))
			return false;
		ssize_t n = read(fd, buf + *used, cap - 1 - *used);
		if (n <= 0)
			return false;
		*used += (size_t)n;
	}
}

static bool send_all(int fd, const char *msg, int64_t deadline)
{
	size_t len = strlen(msg);
	while (len) {
		if (!wait_fd(fd, POLLOUT, deadline))
			return false;
		ssize_t n = send(fd, msg, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		msg += n;
		len -= (size_t)n;
	}
	return true;
}

/* Asks a QEMU guest's QMP socket whether it runs: the greeting, then
 * qmp_capabilities, then query-status, as qemu-server does. QEMU serves
 * one QMP client at a time: when another holds it, the answer does not
 * come in time and the status is unknown. */
static enum qmp_status qmp_query(const struct source *src, uint32_t vmid, int64_t budget_end)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%" PRIu32 ".qmp", src->run_dir, vmid) >=
	    (int)sizeof sa.sun_path)
		return QMP_UNKNOWN;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return QMP_UNKNOWN;
	int64_t deadline = clock_mono_usec() + SOURCE_PROXMOX_QMP_MSEC * 1000LL;
	if (deadline > budget_end)
		deadline = budget_end;
	enum qmp_status status = QMP_UNKNOWN;
	char buf[4096];
	size_t used = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EAGAIN &&
	    errno != EINPROGRESS)
		goto out;
	/* The greeting holds no "return": read past it to the first answer. */
	if (!send_all(fd, "{\"execute\":\"qmp_capabilities\"}\n", deadline) ||
	    !read_return(fd, buf, sizeof buf, &used, deadline))
		goto out;
	size_t first = strlen(buf) + 1;
	memmove(buf, buf + first, used - first);
	used -= first;
	if (!send_all(fd, "{\"execute\":\"query-status\"}\n", deadline) ||
	    !read_return(fd, buf, sizeof buf, &used, deadline))
		goto out;
	const char *st = strstr(buf, "\"status\"");
	if (st) {
		st += strlen("\"status\"");
		st += strspn(st, " :\t");
		if (!strncmp(st, "\"running\"", 9))
			status = QMP_RUNNING;
		else if (!strncmp(st, "\"paused\"", 8) || !strncmp(st, "\"suspended\"", 11))
			status = QMP_PAUSED;
	}
out:
	close(fd);
	return status;
}

/* Whether host interface ifname exists. */
static bool ifname_exists(const char *ifname)
{
	char path[64];
	snprintf(path, sizeof path, "/sys/class/net/%s", ifname);
	return access(path, F_OK) == 0;
}

/* Sets the guest's state (and runs, pid) from what the node shows now;
 * QMP is asked only until budget_end (monotonic µs). */
static void look_at_runtime(const struct source *src, struct pve_guest *g, int64_t budget_end)
{
	struct domain_record *rec = &g->rec;
	if (g->kind == PROXMOX_LXC) {
		rec->pid = 0;
		bool up = false;
		for (size_t i = 0; i < rec->nvnics && !up; i++)
			up = ifname_exists(rec->vnics[i].ifname);
		rec->state = up ? DOMAIN_RUNNING : DOMAIN_OFF;
		return;
	}
	char pidfile[CONF_PATH_MAX + 32];
	snprintf(pidfile, sizeof pidfile, "%s/%" PRIu32 ".pid", src->run_dir, g->vmid);
	int pid = procusage_read_pidfile(pidfile);
	struct proc_stat st;
	if (!pid || procusage_read_stat(pid, &st) < 0) {
		g->pid = 0;
		rec->pid = 0;
		rec->state = g->conf.hibernated ? DOMAIN_SAVED : DOMAIN_OFF;
		return;
	}
	/* Another process than the one seen running at the last look: it
	 * restarted in between (qm reboot, stop and start). */
	if (g->pid && (g->pid != pid || g->start_ticks != st.starttime))
		rec->runs++;
	g->pid = pid;
	g->start_ticks = st.starttime;
	rec->pid = pid;
	enum qmp_status qs = qmp_query(src, g->vmid, budget_end);
	if (qs == QMP_PAUSED)
		rec->state = DOMAIN_PAUSED;
	else if (qs == QMP_RUNNING || (rec->state != DOMAIN_PAUSED && rec->state != DOMAIN_RUNNING))
		rec->state = DOMAIN_RUNNING; /* unknown: as it was, or running */
}

/* --- a guest's configuration ------------------------------------------ */

static struct pve_guest *find_guest(struct source *src, enum proxmox_kind kind, uint32_t vmid)
{
	for (size_t i = 0; i < src->n; i++)
		if (src->guests[i]->kind == kind && src->guests[i]->vmid == vmid)
			return src->guests[i];
	return NULL;
}

/* The record's name, UUID and vNICs from the configuration last read.
 * false (said once) when the guest cannot be a row. */
static bool fill_record(struct pve_guest *g, const char *path)
{
	struct domain_record *rec = &g->rec;
	char name[CONF_NAME_MAX + 1];
	if (proxmox_row_name(g->vmid, &g->conf, name) < 0) {
		log_warnx("proxmox: %s: guest %" PRIu32 " left out: its name cannot be a row", path,
			  g->vmid);
		return false;
	}
	snprintf(rec->name, sizeof rec->name, "%s", name);
	snprintf(rec->uuid, sizeof rec->uuid, "%s", g->conf.uuid);
	rec->nvnics = 0;
	for (size_t i = 0; i < g->conf.nnics && rec->nvnics < DOMAIN_MAX_VNICS; i++) {
		const struct proxmox_nic *nic = &g->conf.nics[i];
		struct domain_vnic *v = &rec->vnics[rec->nvnics];
		memset(v, 0, sizeof *v);
		if (proxmox_ifname(g->kind, g->vmid, nic->n, v->ifname) < 0) {
			log_warnx("proxmox: %s: net%u left out: its host interface's name would be "
				  "longer than %d characters", path, nic->n, CONF_IFNAME_MAX);
			continue;
		}
		memcpy(v->mac, nic->mac, MAC_LEN);
		snprintf(v->bridge, sizeof v->bridge, "%s", nic->bridge);
		v->vlan = nic->tag;
		v->pinned = true;
		rec->nvnics++;
	}
	return true;
}

/* Reads the guest's file when it changed since the last look. */
static void look_at_file(struct source *src, struct pve_guest *g)
{
	char path[CONF_PATH_MAX + 64];
	conf_path(src, g->kind, g->vmid, path);
	struct file_stamp now = stamp_of(path);
	if (same_stamp(&now, &g->stamp))
		return;
	g->stamp = now;
	char *text;
	size_t len;
	if (fileio_read(path, CONF_FILE_MAX, &text, &len) < 0) {
		if (errno != ENOENT) /* gone meanwhile: the next look drops it */
			log_warn("proxmox: %s", path);
		return;
	}
	struct proxmox_guest *parsed = malloc(sizeof *parsed);
	struct proxmox_error err = { 0, "out of memory" };
	int rc = parsed ? proxmox_parse(g->kind, text, len, parsed, &err) : -1;
	free(text);
	if (rc < 0) {
		/* Once per change of the file; the guest stays as it was. */
		if (err.line)
			log_warnx("proxmox: %s:%u: %s%s", path, err.line, err.msg,
				  g->have_conf ? "; its last configuration stays" : "; left out");
		else
			log_warnx("proxmox: %s: %s", path, err.msg);
		free(parsed);
		return;
	}
	g->conf = *parsed;
	g->have_conf = true;
	free(parsed);
	struct domain_record before = g->rec;
	bool was_valid = g->valid;
	g->valid = fill_record(g, path);
	if (g->valid != was_valid || !domain_vnics_equal(&before, &g->rec) ||
	    strcmp(before.name, g->rec.name) || strcmp(before.uuid, g->rec.uuid))
		src->changed = true;
}

/* Says once that a file's name is no VM ID. */
static void refuse_name(struct source *src, enum proxmox_kind kind, const char *name)
{
	for (size_t i = 0; i < src->nrefused; i++)
		if (!strcmp(src->refused[i], name))
			return;
	log_warnx("proxmox: %s/local/%s/%s: left out: '%.*s' is not a VM ID (100-999999999)",
		  src->dir, subdir[kind], name, (int)(strlen(name) - 5), name);
	char **grown = realloc(src->refused, (src->nrefused + 1) * sizeof *grown);
	if (!grown)
		return;
	src->refused = grown;
	if ((src->refused[src->nrefused] = strdup(name)))
		src->nrefused++;
}

/* A file of the directory: its guest, found or new. */
static void look_at_entry(struct source *src, enum proxmox_kind kind, const char *name)
{
	uint32_t vmid;
	if (proxmox_vmid_of(name, &vmid) < 0) {
		/* Proxmox writes "VMID.conf" and its own "VMID.conf.tmp.PID"
		 * while replacing one: only other names are refused aloud. */
		size_t n = strlen(name);
		if (n > 5 && !strcmp(name + n - 5, ".conf"))
			refuse_name(src, kind, name);
		return;
	}
	struct pve_guest *g = find_guest(src, kind, vmid);
	if (!g) {
		struct pve_guest *other = find_guest(src, kind == PROXMOX_QEMU ? PROXMOX_LXC : PROXMOX_QEMU,
						     vmid);
		if (other && other->seen) {
			if (!other->warned)
				log_warnx("proxmox: VM ID %" PRIu32 " is both a QEMU guest and a container; "
					  "the %s is left out", vmid, kind == PROXMOX_QEMU ? "QEMU guest" : "container");
			other->warned = true;
			return;
		}
		if (src->n == src->cap) {
			size_t cap = src->cap ? 2 * src->cap : 16;
			struct pve_guest **grown = realloc(src->guests, cap * sizeof *grown);
			if (!grown)
				return;
			src->guests = grown;
			src->cap = cap;
		}
		if (!(g = calloc(1, sizeof *g)))
			return;
		g->kind = kind;
		g->vmid = vmid;
		src->guests[src->n++] = g;
	}
	g->seen = true;
	look_at_file(src, g);
}

/* Every guest file of one directory; false when the directory cannot be
 * read (every guest of it is then kept as it was). */
static bool look_at_dir(struct source *src, enum proxmox_kind kind)
{
	char path[CONF_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/local/%s", src->dir, subdir[kind]);
	DIR *d = opendir(path);
	if (!d) {
		/* A node without containers has no lxc directory. */
		if (!src->said_missing[kind] && (errno != ENOENT || kind == PROXMOX_QEMU))
			log_warn("proxmox: %s", path);
		src->said_missing[kind] = true;
		return errno == ENOENT;
	}
	src->said_missing[kind] = false;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			look_at_entry(src, kind, e->d_name);
	closedir(d);
	return true;
}

static void look(struct source *src)
{
	for (size_t i = 0; i < src->n; i++)
		src->guests[i]->seen = false;
	bool read_dir[2];
	for (int k = PROXMOX_QEMU; k <= PROXMOX_LXC; k++)
		read_dir[k] = look_at_dir(src, (enum proxmox_kind)k);
	/* Not found any more: moved to another node, or destroyed. Kept while
	 * its directory could not be read. */
	for (size_t i = src->n; i-- > 0;) {
		struct pve_guest *g = src->guests[i];
		if (g->seen || !read_dir[g->kind])
			continue;
		if (g->valid) {
			log_info("proxmox: guest %s is no longer on this node", g->rec.name);
			src->changed = true;
		}
		free(g);
		src->guests[i] = src->guests[--src->n];
	}
	/* QEMU answers QMP in microseconds; one that holds the loop (a hung
	 * guest, a socket another client holds) costs one look this much at
	 * most: the guests after it keep their paused/running as it was. */
	int64_t budget_end = clock_mono_usec() + SOURCE_PROXMOX_QMP_BUDGET_MSEC * 1000LL;
	for (size_t i = 0; i < src->n; i++) {
		struct pve_guest *g = src->guests[i];
		if (!g->valid)
			continue;
		struct domain_record before = g->rec;
		look_at_runtime(src, g, budget_end);
		if (before.state != g->rec.state || before.runs != g->rec.runs ||
		    before.pid != g->rec.pid)
			src->changed = true;
	}
}

/* --- the source's operations ------------------------------------------ */

static bool commit(struct source *src)
{
	if (!src->changed)
		return false;
	const struct domain_record **view = realloc(src->view, (src->n + 1) * sizeof *view);
	if (!view) {
		log_warnx("proxmox: out of memory");
		return false; /* the old view stays valid: tried again next turn */
	}
	src->view = view;
	src->nview = 0;
	for (size_t i = 0; i < src->n; i++)
		if (src->guests[i]->valid)
			src->view[src->nview++] = &src->guests[i]->rec;
	src->changed = false;
	return true;
}

static struct source *pve_open(const struct conf_source *cs, int64_t now_usec)
{
	struct source *src = calloc(1, sizeof *src);
	if (!src) {
		log_warn("proxmox");
		return NULL;
	}
	snprintf(src->dir, sizeof src->dir, "%s", *cs->arg ? cs->arg : SOURCE_PROXMOX_DIR);
	snprintf(src->run_dir, sizeof src->run_dir, "%s",
		 *cs->run_dir ? cs->run_dir : SOURCE_PROXMOX_RUN_DIR);
	look(src);
	log_info("proxmox: following %s/local (run-time files in %s), %zu guest%s", src->dir,
		 src->run_dir, src->n, src->n == 1 ? "" : "s");
	src->changed = true;
	commit(src);
	src->next_look = now_usec + POLL_USEC;
	return src;
}

static void pve_close(struct source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->n; i++)
		free(src->guests[i]);
	free(src->guests);
	for (size_t i = 0; i < src->nrefused; i++)
		free(src->refused[i]);
	free(src->refused);
	free(src->view);
	free(src);
}

static size_t pve_pollfds(struct source *src, struct pollfd *fds, size_t max, int *timeout_ms)
{
	(void)fds, (void)max;
	int64_t wait = (src->next_look - clock_mono_usec() + 999) / 1000;
	if (wait < 0)
		wait = 0;
	if (*timeout_ms < 0 || wait < *timeout_ms)
		*timeout_ms = (int)wait;
	return 0;
}

static bool pve_handle(struct source *src, const struct pollfd *fds, size_t n, int64_t now_usec)
{
	(void)fds, (void)n;
	if (now_usec >= src->next_look) {
		look(src);
		src->next_look = now_usec + POLL_USEC;
	}
	return commit(src);
}

static size_t pve_count(const struct source *src) { return src->nview; }

static const struct domain_record *pve_record(const struct source *src, size_t i)
{
	return i < src->nview ? src->view[i] : NULL;
}

const struct source_ops source_proxmox_ops = {
	.kind = "proxmox",
	.default_arg = SOURCE_PROXMOX_DIR,
	.open = pve_open,
	.close = pve_close,
	.pollfds = pve_pollfds,
	.handle = pve_handle,
	.count = pve_count,
	.record = pve_record,
};
