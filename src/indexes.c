/*
 * Each kind (networks, VMs, vNICs) is a vector of entries in the order they
 * were given or loaded, plus a hash index of positions in that vector
 * (hashidx): lookups are O(1), growing never moves an entry's position,
 * and saving writes the vector in order, so the file only ever grows at
 * its end.
 *
 * A VM may be known only by its vNICs (index 0): indexes_vnic does not give
 * the VM an index of its own, and the file may list "vnic" lines for a VM
 * without a "vm" line.
 */
#include "indexes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fileio.h"
#include "hashidx.h"
#include "lines.h"

#define TOP_INDEX 2147483647u
#define VNIC_TOP_INDEX 65535u
/* The longest valid line is about 290 bytes; room for extra blanks. */
#define LINE_MAX_LEN 512
/* 10,000 VMs and 20,000 vNICs take about 2 MiB. */
#define FILE_MAX_LEN ((size_t)64 << 20)
#define HEADER_WORD "vsacct-indexes"
#define HEADER_VERSION "1"
#define VEC_MIN 16

struct name {
	char *name;
	uint32_t index;	   /* 0: a VM known only by its vNICs */
	uint32_t vnic_max; /* VMs: the highest vNIC index ever given */
};

struct names {
	struct name *v;
	size_t n, cap;
	struct hashidx by_name;
	uint32_t max; /* the highest index ever given */
};

struct vnic {
	uint64_t mac;
	uint32_t vm; /* position in vms */
	uint32_t index;
};

struct vnics {
	struct vnic *v;
	size_t n, cap;
	struct hashidx by_mac;
};

struct indexes {
	struct names nets, vms;
	struct vnics vnics;
	bool dirty;
};

/* ---- hash indexes ---- */

typedef bool same_fn(const void *vec, size_t pos, const void *key);

/* The position of key under hash, or HASHIDX_NONE. */
static size_t find(const struct hashidx *idx, uint64_t hash, same_fn *same, const void *vec,
		   const void *key)
{
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hash, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		if (same(vec, i, key))
			return i;
	return HASHIDX_NONE;
}

/* Stores pos, a key known to be absent, under hash. */
static int insert(struct hashidx *idx, uint64_t hash, size_t pos)
{
	if (hashidx_reserve(idx, idx->n + 1) < 0)
		return -1;
	hashidx_add(idx, hash, pos);
	return 0;
}

/* Makes room for one more element; the vector or NULL when out of memory. */
static void *vec_reserve(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	/* Positions must fit a hash index. */
	size_t ncap = *cap ? *cap * 2 : VEC_MIN;
	if (ncap > HASHIDX_MAX || ncap > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

/* ---- names ---- */

struct name_key {
	const char *s;
	size_t len;
};

static bool same_name(const void *vec, size_t pos, const void *key)
{
	const struct name *e = &((const struct names *)vec)->v[pos];
	const struct name_key *k = key;
	return !strncmp(e->name, k->s, k->len) && e->name[k->len] == '\0';
}

static bool same_name_index(const void *vec, size_t pos, const void *key)
{
	return ((const struct names *)vec)->v[pos].index == *(const uint32_t *)key;
}

/* 1..CONF_NAME_MAX visible ASCII characters, as the inventory's names; the
 * length in *len. Stops early so a caller's overlong string is never
 * scanned to its end. */
static bool name_ok(const char *s, size_t *len)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n == CONF_NAME_MAX || (unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return false;
	*len = n;
	return n > 0;
}

static uint64_t name_hash(const char *s, size_t len)
{
	return hashidx_bytes(HASHIDX_BASIS, s, len);
}

static struct name *names_find(const struct names *ns, const char *s, size_t len, uint64_t h)
{
	struct name_key k = { s, len };
	size_t i = find(&ns->by_name, h, same_name, ns, &k);
	return i != HASHIDX_NONE ? &ns->v[i] : NULL;
}

/* A new entry with index 0; NULL when out of memory. */
static struct name *names_add(struct names *ns, const char *s, size_t len, uint64_t h)
{
	struct name *v = vec_reserve(ns->v, &ns->cap, ns->n, sizeof *v);
	if (!v)
		return NULL;
	ns->v = v;
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (insert(&ns->by_name, h, ns->n) < 0) {
		free(copy);
		return NULL;
	}
	struct name *e = &ns->v[ns->n++];
	*e = (struct name){ .name = copy };
	return e;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i].name);
	free(ns->v);
	hashidx_free(&ns->by_name);
	*ns = (struct names){ 0 };
}

/* ---- vNICs ---- */

/* A vNIC's key within its VM: the MAC, or while parsing, the index. */
struct vnic_key {
	uint32_t vm;
	uint64_t value;
};

/* value (48 bits at most) and the VM's position, mixed so that one MAC in
 * two VMs, or a VM's consecutive MACs, land apart. */
static uint64_t vnic_hash(uint32_t vm, uint64_t value)
{
	return value ^ (uint64_t)vm * 0x9e3779b97f4a7c15ull;
}

static bool same_vnic_mac(const void *vec, size_t pos, const void *key)
{
	const struct vnic *e = &((const struct vnics *)vec)->v[pos];
	const struct vnic_key *k = key;
	return e->vm == k->vm && e->mac == k->value;
}

static bool same_vnic_index(const void *vec, size_t pos, const void *key)
{
	const struct vnic *e = &((const struct vnics *)vec)->v[pos];
	const struct vnic_key *k = key;
	return e->vm == k->vm && e->index == k->value;
}

static struct vnic *vnics_find(const struct vnics *vs, uint32_t vm, uint64_t mac)
{
	struct vnic_key k = { vm, mac };
	size_t i = find(&vs->by_mac, vnic_hash(vm, mac), same_vnic_mac, vs, &k);
	return i != HASHIDX_NONE ? &vs->v[i] : NULL;
}

static struct vnic *vnics_add(struct vnics *vs, uint32_t vm, uint64_t mac, uint32_t index)
{
	struct vnic *v = vec_reserve(vs->v, &vs->cap, vs->n, sizeof *v);
	if (!v)
		return NULL;
	vs->v = v;
	if (insert(&vs->by_mac, vnic_hash(vm, mac), vs->n) < 0)
		return NULL;
	struct vnic *e = &vs->v[vs->n++];
	*e = (struct vnic){ .mac = mac, .vm = vm, .index = index };
	return e;
}

static void vnics_free(struct vnics *vs)
{
	free(vs->v);
	hashidx_free(&vs->by_mac);
	*vs = (struct vnics){ 0 };
}

/* ---- the map ---- */

struct indexes *indexes_new(void)
{
	return calloc(1, sizeof(struct indexes));
}

static void map_clear(struct indexes *map)
{
	names_free(&map->nets);
	names_free(&map->vms);
	vnics_free(&map->vnics);
	map->dirty = false;
}

void indexes_free(struct indexes *map)
{
	if (!map)
		return;
	map_clear(map);
	free(map);
}

static uint32_t give(struct indexes *map, struct names *ns, const char *name)
{
	size_t len;
	if (!name || !name_ok(name, &len))
		return 0;
	uint64_t h = name_hash(name, len);
	struct name *e = names_find(ns, name, len, h);
	if (e && e->index)
		return e->index;
	/* Never reuse: gaps below max belonged to names the file remembers. */
	if (ns->max >= TOP_INDEX)
		return 0;
	if (!e && !(e = names_add(ns, name, len, h)))
		return 0;
	e->index = ++ns->max;
	map->dirty = true;
	return e->index;
}

uint32_t indexes_net(struct indexes *map, const char *name)
{
	return map ? give(map, &map->nets, name) : 0;
}

uint32_t indexes_vm(struct indexes *map, const char *name)
{
	return map ? give(map, &map->vms, name) : 0;
}

uint32_t indexes_vnic(struct indexes *map, const char *vm, const uint8_t mac[MAC_LEN])
{
	size_t len;
	if (!map || !vm || !mac || !name_ok(vm, &len))
		return 0;
	uint64_t h = name_hash(vm, len);
	uint64_t key = mac_key(mac);
	struct name *e = names_find(&map->vms, vm, len, h);
	if (e) {
		struct vnic *v = vnics_find(&map->vnics, (uint32_t)(e - map->vms.v), key);
		if (v)
			return v->index;
		if (e->vnic_max >= VNIC_TOP_INDEX)
			return 0;
	} else if (!(e = names_add(&map->vms, vm, len, h))) {
		return 0;
	}
	if (!vnics_add(&map->vnics, (uint32_t)(e - map->vms.v), key, e->vnic_max + 1))
		return 0;
	map->dirty = true;
	return ++e->vnic_max;
}

bool indexes_dirty(const struct indexes *map)
{
	return map && map->dirty;
}

/* ---- parsing ---- */

struct parse {
	struct indexes *map;
	unsigned line;
	char *err;
	size_t errlen;
	bool oom;
	/* Only while parsing: duplicate indexes are an error in the file. */
	struct hashidx net_by_index, vm_by_index, vnic_by_index;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return -1;
	int n = snprintf(p->err, p->errlen, "%u: ", p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int oom(struct parse *p)
{
	p->oom = true;
	return fail(p, "out of memory");
}

/* Decimal 1..top. Returns 0, -1 when not a number, -2 when out of range;
 * stopping at top means no overflow however many digits. */
static int parse_index(const char *s, uint32_t top, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v <= top)
			v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v == 0 || v > top)
		return -2;
	*out = (uint32_t)v;
	return 0;
}

static int index_word(struct parse *p, const char *s, uint32_t top, uint32_t *out)
{
	int rc = parse_index(s, top, out);
	if (rc == -1)
		return fail(p, "index is not a number");
	if (rc == -2)
		return fail(p, "index out of range 1..%u", top);
	return 0;
}

static int parse_header(struct parse *p, char **w, int nw)
{
	if (nw < 1 || strcmp(w[0], HEADER_WORD))
		return fail(p, "missing header \"" HEADER_WORD " " HEADER_VERSION "\"");
	if (nw != 2 || strcmp(w[1], HEADER_VERSION))
		return fail(p, "unsupported header, expected \"" HEADER_WORD " " HEADER_VERSION "\"");
	return 0;
}

/* "net NAME INDEX" or "vm NAME INDEX". */
static int parse_named(struct parse *p, struct names *ns, struct hashidx *by_index, char **w,
		       int nw)
{
	size_t len;
	uint32_t index;
	if (nw != 3)
		return fail(p, "expected \"%s NAME INDEX\"", w[0]);
	if (!name_ok(w[1], &len))
		return fail(p, "bad %s name", w[0]);
	if (index_word(p, w[2], TOP_INDEX, &index) < 0)
		return -1;
	uint64_t h = name_hash(w[1], len);
	struct name *e = names_find(ns, w[1], len, h);
	if (e && e->index)
		return fail(p, "duplicate %s name %s", w[0], w[1]);
	if (find(by_index, index, same_name_index, ns, &index) != HASHIDX_NONE)
		return fail(p, "duplicate %s index %u", w[0], index);
	/* A VM may already be there, index 0, from its vNIC lines. */
	if (!e && !(e = names_add(ns, w[1], len, h)))
		return oom(p);
	e->index = index;
	if (insert(by_index, index, (size_t)(e - ns->v)) < 0)
		return oom(p);
	if (index > ns->max)
		ns->max = index;
	return 0;
}

/* "vnic VM MAC INDEX" */
static int parse_vnic(struct parse *p, char **w, int nw)
{
	struct indexes *map = p->map;
	size_t len;
	uint8_t mac[MAC_LEN];
	uint32_t index;
	if (nw != 4)
		return fail(p, "expected \"vnic VM MAC INDEX\"");
	if (!name_ok(w[1], &len))
		return fail(p, "bad vm name");
	if (mac_parse(w[2], mac) < 0)
		return fail(p, "bad MAC address");
	if (index_word(p, w[3], VNIC_TOP_INDEX, &index) < 0)
		return -1;
	uint64_t h = name_hash(w[1], len);
	struct name *e = names_find(&map->vms, w[1], len, h);
	if (!e && !(e = names_add(&map->vms, w[1], len, h)))
		return oom(p);
	uint32_t vm = (uint32_t)(e - map->vms.v);
	uint64_t key = mac_key(mac);
	if (vnics_find(&map->vnics, vm, key))
		return fail(p, "duplicate vnic %s for vm %s", w[2], w[1]);
	struct vnic_key k = { vm, index };
	uint64_t ih = vnic_hash(vm, index);
	if (find(&p->vnic_by_index, ih, same_vnic_index, &map->vnics, &k) != HASHIDX_NONE)
		return fail(p, "duplicate vnic index %u for vm %s", index, w[1]);
	if (!vnics_add(&map->vnics, vm, key, index))
		return oom(p);
	if (insert(&p->vnic_by_index, ih, map->vnics.n - 1) < 0)
		return oom(p);
	if (index > e->vnic_max)
		e->vnic_max = index;
	return 0;
}

static int parse_line(struct parse *p, char *line)
{
	char *w[5];
	int nw = lines_words(line, " \t", '\0', w, 5);
	if (p->line == 1)
		return parse_header(p, w, nw);
	if (nw == 0)
		return fail(p, "empty line");
	if (!strcmp(w[0], "net"))
		return parse_named(p, &p->map->nets, &p->net_by_index, w, nw);
	if (!strcmp(w[0], "vm"))
		return parse_named(p, &p->map->vms, &p->vm_by_index, w, nw);
	if (!strcmp(w[0], "vnic"))
		return parse_vnic(p, w, nw);
	return fail(p, "unknown entry, expected net, vm or vnic");
}

static int parse_text(struct parse *p, const char *text, size_t len)
{
	/* Copied line by line: bounded, and NUL-terminated for the words. A
	 * last line without newline is a truncated write: kept only if it
	 * parses. */
	char buf[LINE_MAX_LEN + 1];
	if (len == 0) {
		p->line = 1;
		return fail(p, "empty file, missing header");
	}
	struct lines lr;
	lines_init(&lr, text, len, buf, LINE_MAX_LEN, 0);
	char *line;
	enum lines_result r;
	while ((r = lines_next(&lr, &line)) != LINES_END) {
		p->line = lr.number;
		if (r == LINES_TOO_LONG)
			return fail(p, "line too long");
		if (r == LINES_NUL)
			return fail(p, "NUL byte");
		if (parse_line(p, line) < 0)
			return -1;
	}
	return 0;
}

/* indexes_parse, telling out of memory apart: -1 bad text, -2 no memory. */
static int parse(struct indexes *map, const char *text, size_t len, char *err, size_t errlen)
{
	struct parse p = { .map = map, .err = err, .errlen = errlen };
	if (err && errlen)
		err[0] = '\0';
	map_clear(map);
	int rc = text || !len ? parse_text(&p, text, len) : fail(&p, "no text");
	hashidx_free(&p.net_by_index);
	hashidx_free(&p.vm_by_index);
	hashidx_free(&p.vnic_by_index);
	if (rc < 0)
		map_clear(map);
	return rc < 0 && p.oom ? -2 : rc;
}

int indexes_parse(struct indexes *map, const char *text, size_t len, char *err, size_t errlen)
{
	if (!map) {
		if (err && errlen)
			snprintf(err, errlen, "no map");
		errno = EINVAL;
		return -1;
	}
	int rc = parse(map, text, len, err, errlen);
	if (rc < 0)
		errno = rc == -2 ? ENOMEM : EINVAL;
	return rc < 0 ? -1 : 0;
}

/* ---- files ---- */

struct indexes *indexes_load(const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	struct indexes *map = indexes_new();
	if (!map)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = fileio_read(path, FILE_MAX_LEN, &text, &len);
	int e = errno;
	if (rc < 0 && e == ENOENT)
		return map;
	if (rc < 0) {
		if (e == ENOMEM) {
			indexes_free(map);
			return NULL;
		}
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		return map;
	}
	char why[256];
	rc = parse(map, text, len, why, sizeof why);
	free(text);
	/* Out of memory must not look like an empty map: saving it would
	 * forget every index. */
	if (rc == -2) {
		indexes_free(map);
		errno = ENOMEM;
		return NULL;
	}
	if (rc < 0 && err && errlen)
		snprintf(err, errlen, "%s:%s", path, why);
	return map;
}

static int write_entries(const struct indexes *map, FILE *f)
{
	if (fprintf(f, "%s %s\n", HEADER_WORD, HEADER_VERSION) < 0)
		return -1;
	for (size_t i = 0; i < map->nets.n; i++)
		if (fprintf(f, "net %s %u\n", map->nets.v[i].name, map->nets.v[i].index) < 0)
			return -1;
	for (size_t i = 0; i < map->vms.n; i++)
		if (map->vms.v[i].index &&
		    fprintf(f, "vm %s %u\n", map->vms.v[i].name, map->vms.v[i].index) < 0)
			return -1;
	for (size_t i = 0; i < map->vnics.n; i++) {
		const struct vnic *v = &map->vnics.v[i];
		uint8_t mac[MAC_LEN];
		char text[MAC_STRLEN];
		for (int b = 0; b < MAC_LEN; b++)
			mac[b] = (uint8_t)(v->mac >> (8 * (MAC_LEN - 1 - b)));
		if (fprintf(f, "vnic %s %s %u\n", map->vms.v[v->vm].name, mac_format(mac, text),
			    v->index) < 0)
			return -1;
	}
	return 0;
}

/* Makes the rename itself durable. */
static int write_map(FILE *f, void *ctx)
{
	return write_entries(ctx, f);
}

int indexes_save(struct indexes *map, const char *path)
{
	if (!map || !path) {
		errno = EINVAL;
		return -1;
	}
	/* On failure the map stays dirty: the caller saves again later. */
	if (fileio_write_atomic(path, write_map, map) < 0)
		return -1;
	map->dirty = false;
	return 0;
}
