/*
 * Lifecycle of the watch: attach() watches DIR and reads every *.xml in it;
 * when DIR does not exist, it watches the nearest existing ancestor for the
 * next path component instead and attaches again when that appears. DIR
 * deleted or moved away: every domain is gone, and attach() starts over.
 *
 * libvirt writes a status file as NAME.xml.new and renames it to NAME.xml
 * (virFileRewrite), and unlinks it when the domain stops: IN_MOVED_TO and
 * IN_DELETE. IN_CLOSE_WRITE covers writers that write NAME.xml in place.
 *
 * What discover_domain returns lives in the entry of its file: valid until
 * the next discover_read or discover_close.
 */
#include "discover.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "hashidx.h"
#include "log.h"

#define MAX_FILES 65536        /* status files followed; more are ignored (logged) */

#define DIR_MASK                                                                        \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |     \
	 IN_MOVE_SELF | IN_ONLYDIR)
#define WAIT_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define GONE_MASK (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)

struct entry {
	char name[NAME_MAX + 1];
	struct libvirt_domain *dom; /* NULL while the file does not parse */
	uint64_t stamp;             /* of the failed content, to log it once */
	bool reported;              /* the failure with this stamp was logged */
	bool seen;                  /* during a scan */
};

struct discover {
	char dir[PATH_MAX];
	int fd;
	int wd_dir;                  /* on dir, or -1 */
	int wd_wait;                 /* on an ancestor while dir is missing, or -1 */
	char wait_for[NAME_MAX + 1]; /* the component the ancestor lacks */
	struct entry **entries;      /* sorted by name */
	size_t n, cap;
	const struct libvirt_domain **view; /* the parsed ones, for discover_domain */
	size_t nview;
	bool full_logged;
};

static bool is_status_name(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcmp(name + n - 4, ".xml");
}

static bool same_domain(const struct libvirt_domain *a, const struct libvirt_domain *b)
{
	if (strcmp(a->name, b->name) || strcmp(a->uuid, b->uuid) || a->state != b->state ||
	    a->fresh_start != b->fresh_start || a->nifaces != b->nifaces)
		return false;
	for (size_t i = 0; i < a->nifaces; i++)
		if (memcmp(a->ifaces[i].mac, b->ifaces[i].mac, MAC_LEN) ||
		    strcmp(a->ifaces[i].target, b->ifaces[i].target) ||
		    strcmp(a->ifaces[i].bridge, b->ifaces[i].bridge))
			return false;
	return true;
}

/* Where name is, or would go, in the sorted entries. */
static size_t find(const struct discover *d, const char *name, bool *found)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->entries[mid]->name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct entry *insert(struct discover *d, size_t at, const char *name)
{
	if (d->n == MAX_FILES) {
		if (!d->full_logged)
			log_warnx("%s: more than %d status files; the others are ignored", d->dir,
				  MAX_FILES);
		d->full_logged = true;
		return NULL;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct entry **entries = realloc(d->entries, cap * sizeof *entries);
		if (entries)
			d->entries = entries;
		const struct libvirt_domain **view = realloc(d->view, cap * sizeof *view);
		if (view)
			d->view = view;
		if (!entries || !view) {
			log_warnx("%s: out of memory", d->dir);
			return NULL;
		}
		d->cap = cap;
	}
	struct entry *e = calloc(1, sizeof *e);
	if (!e) {
		log_warnx("%s: out of memory", d->dir);
		return NULL;
	}
	snprintf(e->name, sizeof e->name, "%s", name);
	memmove(&d->entries[at + 1], &d->entries[at], (d->n - at) * sizeof *d->entries);
	d->entries[at] = e;
	d->n++;
	return e;
}

/* Drops entry i; true when that removed a domain. */
static bool drop(struct discover *d, size_t i)
{
	struct entry *e = d->entries[i];
	bool had = e->dom != NULL;
	if (had)
		log_debug("%s/%s: domain %s gone", d->dir, e->name, e->dom->name);
	free(e->dom);
	free(e);
	memmove(&d->entries[i], &d->entries[i + 1], (d->n - i - 1) * sizeof *d->entries);
	d->n--;
	if (d->n < MAX_FILES)
		d->full_logged = false;
	return had;
}

static bool forget(struct discover *d, const char *name)
{
	bool found;
	size_t i = find(d, name, &found);
	return found && drop(d, i);
}

static bool forget_all(struct discover *d)
{
	bool changed = false;
	while (d->n)
		changed |= drop(d, d->n - 1);
	return changed;
}

enum read_result { READ_OK, READ_GONE, READ_FAILED };

/* Reads path whole into *buf (malloc'd, NUL-terminated). On READ_FAILED,
 * why says what and *stamp identifies the failure: for a file that is too
 * big or not a regular one, its state (size, mtime, inode), so that it is
 * reported again once rewritten; otherwise the reason alone. */
static enum read_result read_file(const char *path, char **buf, size_t *len, char *why,
				  size_t whylen, uint64_t *stamp)
{
	*buf = NULL;
	*stamp = HASHIDX_BASIS;
	if (fileio_read(path, LIBVIRT_MAX_STATUS, buf, len) == 0)
		return READ_OK;
	int e = errno;
	if (e == ENOENT || e == ENOTDIR)
		return READ_GONE;
	struct stat st;
	if (e == EFBIG || e == EISDIR || e == EINVAL) {
		if (e == EFBIG)
			snprintf(why, whylen, "larger than %u bytes", LIBVIRT_MAX_STATUS);
		else
			snprintf(why, whylen, "not a regular file");
		if (stat(path, &st) == 0) {
			*stamp = hashidx_bytes(*stamp, &st.st_size, sizeof st.st_size);
			*stamp = hashidx_bytes(*stamp, &st.st_mtim, sizeof st.st_mtim);
			*stamp = hashidx_bytes(*stamp, &st.st_ino, sizeof st.st_ino);
			return READ_FAILED;
		}
	} else if (e == ENOMEM) {
		snprintf(why, whylen, "out of memory");
	} else {
		snprintf(why, whylen, "%s", strerror(e));
	}
	*stamp = hashidx_bytes(*stamp, why, strlen(why));
	return READ_FAILED;
}

/* (Re)reads one status file; true when that changed the domains. */
static bool load(struct discover *d, const char *name)
{
	char path[PATH_MAX + NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", d->dir, name);
	char *buf, why[512];
	size_t len = 0;
	uint64_t stamp;
	enum read_result r = read_file(path, &buf, &len, why, sizeof why, &stamp);
	if (r == READ_GONE)
		return forget(d, name);

	bool found;
	size_t at = find(d, name, &found);
	struct entry *e = found ? d->entries[at] : insert(d, at, name);
	if (!e) {
		free(buf);
		return false;
	}
	e->seen = true;

	struct libvirt_domain dom;
	if (r == READ_OK) {
		stamp = hashidx_bytes(HASHIDX_BASIS, buf, len);
		if (libvirt_parse_status(buf, len, &dom, why, sizeof why) < 0)
			r = READ_FAILED;
		free(buf);
	}
	if (r == READ_FAILED) {
		/* Once per content: libvirt may rewrite the file often. */
		if (!e->reported || e->stamp != stamp)
			log_warnx("%s: %s", path, why);
		e->reported = true;
		e->stamp = stamp;
		bool had = e->dom != NULL;
		free(e->dom);
		e->dom = NULL;
		return had;
	}
	e->reported = false;
	if (e->dom && same_domain(e->dom, &dom))
		return false;
	if (!e->dom) {
		e->dom = malloc(sizeof *e->dom);
		if (!e->dom) {
			log_warnx("%s: out of memory", path);
			return false;
		}
		log_debug("%s: domain %s", path, dom.name);
	}
	*e->dom = dom;
	return true;
}

/* Reads every status file in dir, forgetting those no longer there. */
static bool scan(struct discover *d)
{
	DIR *dir = opendir(d->dir);
	if (!dir) {
		/* Gone already: its watch reports that next. */
		log_warn("cannot read %s", d->dir);
		return false;
	}
	bool changed = false;
	for (size_t i = 0; i < d->n; i++)
		d->entries[i]->seen = false;
	struct dirent *de;
	while ((errno = 0, de = readdir(dir)) != NULL)
		if (is_status_name(de->d_name))
			changed |= load(d, de->d_name);
	if (errno) {
		/* A partial listing proves nothing about what it missed. */
		log_warn("cannot read %s", d->dir);
		closedir(dir);
		return changed;
	}
	closedir(dir);
	for (size_t i = d->n; i-- > 0;)
		if (!d->entries[i]->seen)
			changed |= drop(d, i);
	return changed;
}

static void unwatch(struct discover *d, int *wd)
{
	/* Fails harmlessly for a watch the kernel dropped already. */
	if (*wd >= 0)
		inotify_rm_watch(d->fd, *wd);
	*wd = -1;
}

/* Splits path into its parent (in place) and last component. */
static void split(char *path, char child[NAME_MAX + 1])
{
	char *slash = strrchr(path, '/');
	snprintf(child, NAME_MAX + 1, "%s", slash ? slash + 1 : path);
	if (!slash)
		strcpy(path, ".");
	else if (slash == path)
		path[1] = '\0';
	else
		*slash = '\0';
}

/* Watches dir and scans it, or, while it does not exist, its nearest
 * existing ancestor. Returns -1 (logged) when neither can be watched. */
static int attach(struct discover *d, bool *changed)
{
	/* Each round gets one level deeper, or the tree changed under us:
	 * bounded all the same. */
	for (int round = 0; round < 64; round++) {
		int wd = inotify_add_watch(d->fd, d->dir, DIR_MASK);
		if (wd >= 0) {
			if (d->wd_wait != wd)
				unwatch(d, &d->wd_wait);
			d->wd_wait = -1;
			d->wd_dir = wd;
			log_info("following libvirt domains in %s", d->dir);
			*changed |= scan(d);
			return 0;
		}
		if (errno != ENOENT) {
			log_warn("cannot watch %s", d->dir);
			return -1;
		}
		char anc[PATH_MAX], child[NAME_MAX + 1];
		snprintf(anc, sizeof anc, "%s", d->dir);
		for (;;) {
			split(anc, child);
			wd = inotify_add_watch(d->fd, anc, WAIT_MASK);
			if (wd >= 0)
				break;
			if (errno != ENOENT || !strcmp(anc, "/") || !strcmp(anc, ".")) {
				log_warn("cannot watch %s for %s to appear", anc, d->dir);
				return -1;
			}
		}
		if (d->wd_wait != wd)
			unwatch(d, &d->wd_wait);
		d->wd_wait = wd;
		snprintf(d->wait_for, sizeof d->wait_for, "%s", child);
		/* It may have appeared before the watch was in place. */
		char path[PATH_MAX + NAME_MAX + 2];
		snprintf(path, sizeof path, "%s/%s", anc, child);
		struct stat st;
		if (stat(path, &st) < 0) {
			log_info("%s does not exist; waiting for it in %s", d->dir, anc);
			return 0;
		}
	}
	log_warnx("%s keeps changing; not followed", d->dir);
	return -1;
}

static void rebuild_view(struct discover *d)
{
	d->nview = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->entries[i]->dom)
			d->view[d->nview++] = d->entries[i]->dom;
}

struct discover *discover_open(const char *dir)
{
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0 || len >= PATH_MAX) {
		log_warnx("'%.64s': not a directory name", dir);
		return NULL;
	}
	struct discover *d = calloc(1, sizeof *d);
	if (!d) {
		log_warnx("%s: out of memory", dir);
		return NULL;
	}
	memcpy(d->dir, dir, len);
	d->dir[len] = '\0';
	d->wd_dir = d->wd_wait = -1;
	d->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->fd < 0) {
		log_warn("inotify");
		free(d);
		return NULL;
	}
	bool changed = false;
	if (attach(d, &changed) < 0) {
		discover_close(d);
		return NULL;
	}
	rebuild_view(d);
	return d;
}

void discover_close(struct discover *d)
{
	if (!d)
		return;
	forget_all(d);
	free(d->entries);
	free(d->view);
	close(d->fd);
	free(d);
}

int discover_fd(const struct discover *d) { return d->fd; }

bool discover_read(struct discover *d)
{
	char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false, dir_gone = false, reattach = false, rescan = false;
	for (;;) {
		ssize_t got = read(d->fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			if (errno != EAGAIN)
				log_warn("inotify on %s", d->dir);
			break;
		}
		const struct inotify_event *ev;
		for (char *p = buf; p < buf + got; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: look again from scratch. */
				rescan = true;
				continue;
			}
			if (ev->wd == d->wd_dir && !dir_gone) {
				if (ev->mask & GONE_MASK) {
					dir_gone = true;
				} else if (ev->len && is_status_name(ev->name)) {
					if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
						changed |= forget(d, ev->name);
					else
						changed |= load(d, ev->name);
				}
			} else if (ev->wd == d->wd_wait) {
				if ((ev->mask & GONE_MASK) ||
				    (ev->len && !strcmp(ev->name, d->wait_for)))
					reattach = true;
			}
		}
	}
	if (dir_gone) {
		log_info("%s removed: its domains are gone", d->dir);
		unwatch(d, &d->wd_dir); /* still there after IN_MOVE_SELF */
		changed |= forget_all(d);
		reattach = true;
	}
	if (rescan)
		log_info("%s: events were lost; reading it again", d->dir);
	if (rescan && d->wd_dir >= 0 && !reattach)
		changed |= scan(d);
	else if (rescan || reattach)
		attach(d, &changed);
	rebuild_view(d);
	return changed;
}

size_t discover_count(const struct discover *d) { return d->nview; }

const struct libvirt_domain *discover_domain(const struct discover *d, size_t i)
{
	return i < d->nview ? d->view[i] : NULL;
}
