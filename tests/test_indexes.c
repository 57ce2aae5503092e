#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "indexes.h"
#include "runner.h"

#define HEADER "vsacct-indexes 1\n"
/* A valid start: a malformed line after it is line 5, and an empty map
 * gives "a", "n" and a's vNIC index 1 where this file says 5, 7 and 9. */
#define GOOD HEADER "vm a 5\nnet n 7\nvnic a 52:54:00:00:00:01 9\n"

static const uint8_t mac1[MAC_LEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac2[MAC_LEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac3[MAC_LEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x03 };

static char dir[64];

/* ---- helpers ---- */

static int make_dir(void)
{
	strcpy(dir, "/tmp/test_indexes.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		unlink(path);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static void path_in_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	size_t n = fwrite(text, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

/* The file's text, NUL-terminated; NULL if it cannot be read. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *text = malloc(cap);
	size_t n;
	while (text && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len == cap - 1) {
			char *t = realloc(text, cap * 2);
			if (!t) {
				free(text);
				text = NULL;
				break;
			}
			text = t;
			cap *= 2;
		}
	}
	fclose(f);
	if (text)
		text[len] = '\0';
	return text;
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static struct indexes *parsed(const char *text)
{
	struct indexes *map = indexes_new();
	char err[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_EQUAL(indexes_parse(map, text, strlen(text), err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	return map;
}

static void mac_of(uint8_t mac[MAC_LEN], unsigned vm, unsigned nic)
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = (uint8_t)nic;
	mac[3] = (uint8_t)(vm >> 16);
	mac[4] = (uint8_t)(vm >> 8);
	mac[5] = (uint8_t)vm;
}

/* ---- giving indexes ---- */

static void test_indexes_new_names_sequential(void)
{
	struct indexes *map = indexes_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "db"), 2);
	CU_ASSERT_EQUAL(indexes_vm(map, "mail"), 3);
	/* Each kind has its own space. */
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "web"), 2);
	CU_ASSERT_EQUAL(indexes_net(map, "dmz"), 3);
	indexes_free(map);
}

static void test_indexes_same_name_same_index(void)
{
	struct indexes *map = indexes_new();
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "db"), 2);
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "db"), 2);
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	/* Case matters: names are libvirt's, compared as bytes. */
	CU_ASSERT_EQUAL(indexes_vm(map, "Web"), 3);
	indexes_free(map);
}

static void test_indexes_vnic_per_vm(void)
{
	struct indexes *map = indexes_new();
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac2), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "db", mac2), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "db", mac1), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "db", mac3), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac2), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "db", mac2), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac3), 3);
	/* A vNIC does not give its VM an index; the VM keeps its own space. */
	CU_ASSERT_EQUAL(indexes_vm(map, "db"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac1), 1);
	indexes_free(map);
}

static void test_indexes_dirty(void)
{
	char path[128];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	struct indexes *map = indexes_new();
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_FALSE(indexes_dirty(NULL));
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_TRUE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	/* Asking again gives nothing new. */
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_TRUE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac1), 1);
	CU_ASSERT_TRUE(indexes_dirty(map));
	indexes_free(map);

	char err[256];
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac1), 1); /* was never saved */
	CU_ASSERT_TRUE(indexes_dirty(map));
	/* A failed save leaves it dirty. */
	CU_ASSERT_EQUAL(indexes_save(map, "/nonexistent-vsacct-dir/indexes"), -1);
	CU_ASSERT_TRUE(indexes_dirty(map));
	indexes_free(map);

	/* Parsing is loading: not dirty, and the map is replaced. */
	map = indexes_new();
	CU_ASSERT_EQUAL(indexes_vm(map, "old"), 1);
	const char *text = HEADER "vm x 3\n";
	CU_ASSERT_EQUAL(indexes_parse(map, text, strlen(text), err, sizeof err), 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vm(map, "x"), 3);
	CU_ASSERT_EQUAL(indexes_vm(map, "old"), 4);
	indexes_free(map);
	remove_tree(dir);
}

/* ---- saving and loading ---- */

static void test_indexes_file_format(void)
{
	char path[128];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	struct indexes *map = indexes_new();
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "web"), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac1), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "dmz"), 2);
	CU_ASSERT_EQUAL(indexes_vm(map, "db"), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "db", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "web", mac2), 2);
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, HEADER "net lan 1\n"
					    "net dmz 2\n"
					    "vm web 1\n"
					    "vm db 2\n"
					    "vnic web 52:54:00:00:00:01 1\n"
					    "vnic db 52:54:00:00:00:01 1\n"
					    "vnic web 52:54:00:00:00:02 2\n");
	free(text);
	/* Nothing but the file is left in the directory. */
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	indexes_free(map);
	remove_tree(dir);
}

static void test_indexes_round_trip(void)
{
	char path[128], err[256];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	struct indexes *map = indexes_new();
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "dmz"), 2);
	CU_ASSERT_EQUAL(indexes_vm(map, "a"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "b"), 2);
	CU_ASSERT_EQUAL(indexes_vm(map, "c"), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac2), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "c", mac2), 1);
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	indexes_free(map);

	strcpy(err, "stale");
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_STRING_EQUAL(err, "");
	/* Only some names asked for again: the others keep their indexes. */
	CU_ASSERT_EQUAL(indexes_vm(map, "a"), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "dmz"), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac2), 2);
	CU_ASSERT_FALSE(indexes_dirty(map));
	/* New names continue after the highest, never reusing b's or c's. */
	CU_ASSERT_EQUAL(indexes_vm(map, "d"), 4);
	CU_ASSERT_EQUAL(indexes_net(map, "wan"), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac3), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "c", mac1), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "b", mac1), 1);
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	indexes_free(map);

	/* Twice round: everything is still there. */
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(indexes_vm(map, "e"), 5);
	CU_ASSERT_EQUAL(indexes_vm(map, "c"), 3);
	CU_ASSERT_EQUAL(indexes_vm(map, "b"), 2);
	CU_ASSERT_EQUAL(indexes_vm(map, "d"), 4);
	CU_ASSERT_EQUAL(indexes_net(map, "lan"), 1);
	CU_ASSERT_EQUAL(indexes_net(map, "wan"), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac3), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "c", mac2), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "c", mac1), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "b", mac1), 1);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	indexes_free(map);
	remove_tree(dir);
}

static void test_indexes_loaded_gaps_never_reused(void)
{
	/* Gaps, order and vNICs before their VM's line are all fine. */
	struct indexes *map = parsed(HEADER "vnic z 52:54:00:00:00:01 3\n"
					    "vm a 5\n"
					    "vm b 2\n"
					    "vm z 4\n"
					    "net x 1\n"
					    "vm   spaced\t 9  \n"
					    "vm zero 007\n");
	CU_ASSERT_EQUAL(indexes_vm(map, "z"), 4);
	CU_ASSERT_EQUAL(indexes_vm(map, "spaced"), 9);
	CU_ASSERT_EQUAL(indexes_vm(map, "zero"), 7);
	CU_ASSERT_EQUAL(indexes_vm(map, "new"), 10);
	CU_ASSERT_EQUAL(indexes_net(map, "new"), 2);
	CU_ASSERT_EQUAL(indexes_vnic(map, "z", mac1), 3);
	CU_ASSERT_EQUAL(indexes_vnic(map, "z", mac2), 4);
	indexes_free(map);

	/* Same index in different kinds, or in different VMs, is no clash. */
	map = parsed(HEADER "net x 1\nvm x 1\n"
			    "vnic x 52:54:00:00:00:01 1\nvnic y 52:54:00:00:00:01 1\n");
	CU_ASSERT_EQUAL(indexes_net(map, "x"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "x"), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "y"), 2);
	indexes_free(map);

	/* A header alone, even without its newline, is an empty map. */
	map = parsed("vsacct-indexes 1");
	CU_ASSERT_EQUAL(indexes_vm(map, "a"), 1);
	indexes_free(map);

	/* A truncated last line that still parses is kept. */
	map = parsed(GOOD "vm b 12");
	CU_ASSERT_EQUAL(indexes_vm(map, "b"), 12);
	CU_ASSERT_EQUAL(indexes_vm(map, "a"), 5);
	CU_ASSERT_EQUAL(indexes_net(map, "n"), 7);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a", mac1), 9);
	indexes_free(map);
}

static void test_indexes_many(void)
{
	enum { VMS = 10000, NICS = 2 };
	char path[128], name[32], err[256];
	uint8_t mac[MAC_LEN];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	struct indexes *map = indexes_new();
	int wrong = 0;
	for (unsigned i = 0; i < VMS; i++) {
		snprintf(name, sizeof name, "vm-%05u", i);
		wrong += indexes_vm(map, name) != i + 1;
		for (unsigned j = 0; j < NICS; j++) {
			mac_of(mac, i, j);
			wrong += indexes_vnic(map, name, mac) != j + 1;
		}
	}
	for (unsigned i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "net-%u", i);
		wrong += indexes_net(map, name) != i + 1;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	indexes_free(map);

	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_STRING_EQUAL(err, "");
	/* Asked in reverse order: the loaded indexes, not new ones. */
	for (unsigned k = VMS; k-- > 0;) {
		snprintf(name, sizeof name, "vm-%05u", k);
		wrong += indexes_vm(map, name) != k + 1;
		for (unsigned j = 0; j < NICS; j++) {
			mac_of(mac, k, j);
			wrong += indexes_vnic(map, name, mac) != j + 1;
		}
	}
	for (unsigned i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "net-%u", i);
		wrong += indexes_net(map, name) != i + 1;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vm(map, "one-more"), VMS + 1);
	indexes_free(map);
	remove_tree(dir);
}

/* ---- malformed files ---- */

struct bad_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	unsigned line;
	const char *why; /* a part of the message */
};

#define BIN(s) s, sizeof s - 1

static const struct bad_case bad_cases[] = {
	{ "", 0, 1, "missing header" },
	{ "vm a 1\n", 0, 1, "missing header" },
	{ "\n" HEADER, 0, 1, "missing header" },
	{ "vsacct-indexes\n", 0, 1, "header" },
	{ "vsacct-indexes 2\n", 0, 1, "header" },
	{ "vsacct-indexes 1 1\n", 0, 1, "header" },
	{ "vsacct-indexes 01\n", 0, 1, "header" },
	{ BIN("vsacct-indexes 1\0\n"), 1, "NUL" },
	{ BIN("\0"), 1, "NUL" },
	/* word counts */
	{ GOOD "vm b\n", 0, 5, "expected" },
	{ GOOD "vm b 1 2\n", 0, 5, "expected" },
	{ GOOD "net b\n", 0, 5, "expected" },
	{ GOOD "net\n", 0, 5, "expected" },
	{ GOOD "vnic a 52:54:00:00:00:02\n", 0, 5, "expected" },
	{ GOOD "vnic a 52:54:00:00:00:02 1 2\n", 0, 5, "expected" },
	{ GOOD "vm a b c d e f g h\n", 0, 5, "expected" },
	{ GOOD "\n", 0, 5, "empty" },
	{ GOOD " \t \n", 0, 5, "empty" },
	{ GOOD "vms b 1\n", 0, 5, "unknown" },
	{ GOOD "# comment\n", 0, 5, "unknown" },
	{ GOOD HEADER, 0, 5, "unknown" },
	/* names */
	{ GOOD "vm b\xc3\xa9 1\n", 0, 5, "bad vm name" },
	{ GOOD "vm b\x01 1\n", 0, 5, "bad vm name" },
	{ GOOD "vm b\x7f 1\n", 0, 5, "bad vm name" },
	{ GOOD "net \xff 1\n", 0, 5, "bad net name" },
	{ GOOD "vm b\r 1\n", 0, 5, "bad vm name" },
	{ GOOD "vnic b\x80 52:54:00:00:00:02 1\n", 0, 5, "bad vm name" },
	{ BIN(GOOD "vm b\0 1\n"), 5, "NUL" },
	{ BIN(GOOD "vm b 1\n\0"), 6, "NUL" },
	/* numbers */
	{ GOOD "vm b 0\n", 0, 5, "out of range" },
	{ GOOD "vm b 00\n", 0, 5, "out of range" },
	{ GOOD "vm b 2147483648\n", 0, 5, "out of range" },
	{ GOOD "net b 4294967296\n", 0, 5, "out of range" },
	{ GOOD "vm b 99999999999999999999999999999999\n", 0, 5, "out of range" },
	{ GOOD "vm b -1\n", 0, 5, "not a number" },
	{ GOOD "vm b +1\n", 0, 5, "not a number" },
	{ GOOD "vm b 1x\n", 0, 5, "not a number" },
	{ GOOD "vm b 0x10\n", 0, 5, "not a number" },
	{ GOOD "vm b 1.0\n", 0, 5, "not a number" },
	{ GOOD "vm b 1\r\n", 0, 5, "not a number" },
	{ GOOD "vnic b 52:54:00:00:00:02 0\n", 0, 5, "out of range" },
	{ GOOD "vnic b 52:54:00:00:00:02 65536\n", 0, 5, "out of range" },
	{ GOOD "vnic b 52:54:00:00:00:02 x\n", 0, 5, "not a number" },
	/* MACs */
	{ GOOD "vnic b 52:54:00:00:00 1\n", 0, 5, "bad MAC" },
	{ GOOD "vnic b 52:54:00:00:00:0g 1\n", 0, 5, "bad MAC" },
	{ GOOD "vnic b 52:54:00:00:00:02:03 1\n", 0, 5, "bad MAC" },
	{ GOOD "vnic b 52-54-00-00-00-02 1\n", 0, 5, "bad MAC" },
	{ GOOD "vnic b 152:54:00:00:00:02 1\n", 0, 5, "bad MAC" },
	/* duplicates */
	{ GOOD "vm a 6\n", 0, 5, "duplicate vm name" },
	{ GOOD "vm b 5\n", 0, 5, "duplicate vm index" },
	{ GOOD "net n 8\n", 0, 5, "duplicate net name" },
	{ GOOD "net m 7\n", 0, 5, "duplicate net index" },
	{ GOOD "vnic a 52:54:00:00:00:01 10\n", 0, 5, "duplicate vnic" },
	{ GOOD "vnic a 52:54:00:00:00:01 9\n", 0, 5, "duplicate vnic" },
	{ GOOD "vnic a 52:54:0:0:0:1 3\n", 0, 5, "duplicate vnic" },
	{ GOOD "vnic a 52:54:00:00:00:02 9\n", 0, 5, "duplicate vnic index" },
	/* truncated: a last line without newline must parse */
	{ GOOD "vm b", 0, 5, "expected" },
	{ GOOD "vnic b 52:54:00:0", 0, 5, "expected" },
	{ "vsacct-index", 0, 1, "missing header" },
	{ GOOD "vm b 1\nvm c 1", 0, 6, "duplicate vm index" },
};

/* err is "PREFIX" "LINE: ..." with why somewhere in it. */
static int error_matches(const char *err, const char *prefix, const struct bad_case *c)
{
	char want[512];
	snprintf(want, sizeof want, "%s%u: ", prefix, c->line);
	return !strncmp(err, want, strlen(want)) && strstr(err, c->why);
}

/* A map that came out of a failed parse or load is empty. */
static int is_empty(struct indexes *map)
{
	int empty = !indexes_dirty(map) && indexes_vm(map, "a") == 1 &&
		    indexes_net(map, "n") == 1 && indexes_vnic(map, "a", mac1) == 1;
	return empty;
}

static void test_indexes_malformed(void)
{
	char path[128], err[512], prefix[160];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	snprintf(prefix, sizeof prefix, "%s:", path);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);

		/* The text in a buffer of exactly its length: no terminator. */
		char *text = malloc(len + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		memcpy(text, c->text, len);
		struct indexes *map = indexes_new();
		CU_ASSERT_EQUAL(indexes_vm(map, "old"), 1);
		int rc = indexes_parse(map, text, len, err, sizeof err);
		free(text);
		int matches = error_matches(err, "", c), empty = is_empty(map);
		if (rc != -1 || !matches || !empty)
			fprintf(stderr, "\ncase %zu parse: rc %d err \"%s\"\n", i, rc, err);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_TRUE(matches);
		CU_ASSERT_TRUE(empty);
		indexes_free(map);

		CU_ASSERT_EQUAL_FATAL(write_file(path, c->text, len), 0);
		map = indexes_load(path, err, sizeof err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(map);
		matches = error_matches(err, prefix, c);
		empty = is_empty(map);
		if (!matches || !empty)
			fprintf(stderr, "\ncase %zu load: err \"%s\"\n", i, err);
		CU_ASSERT_TRUE(matches);
		CU_ASSERT_TRUE(empty);
		indexes_free(map);
	}
	remove_tree(dir);
}

static void test_indexes_long_lines_and_names(void)
{
	char name[300], text[2048], err[256];
	memset(name, 'x', 255);
	name[255] = '\0';

	/* Names: 1..255 visible ASCII characters. */
	struct indexes *map = indexes_new();
	CU_ASSERT_EQUAL(indexes_vm(map, name), 1);
	CU_ASSERT_EQUAL(indexes_net(map, name), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, name, mac1), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"), 2);
	name[255] = 'x';
	name[256] = '\0';
	CU_ASSERT_EQUAL(indexes_vm(map, name), 0);
	CU_ASSERT_EQUAL(indexes_net(map, name), 0);
	CU_ASSERT_EQUAL(indexes_vnic(map, name, mac1), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, ""), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, "a b"), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, "a\tb"), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, "a\nb"), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, "caf\xc3\xa9"), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, NULL), 0);
	CU_ASSERT_EQUAL(indexes_vnic(map, "a b", mac1), 0);
	CU_ASSERT_EQUAL(indexes_vm(NULL, "a"), 0);
	/* A refused name takes no index. */
	CU_ASSERT_EQUAL(indexes_vm(map, "next"), 3);
	indexes_free(map);

	/* In the file too. */
	name[255] = '\0';
	snprintf(text, sizeof text, HEADER "vm %s 4\nnet %s 5\nvnic %s 52:54:00:00:00:01 6\n",
		 name, name, name);
	map = parsed(text);
	CU_ASSERT_EQUAL(indexes_vm(map, name), 4);
	CU_ASSERT_EQUAL(indexes_net(map, name), 5);
	CU_ASSERT_EQUAL(indexes_vnic(map, name, mac1), 6);
	indexes_free(map);

	name[255] = 'x';
	const char *forms[][2] = { { "vm", "4" }, { "net", "4" }, { "vnic", "52:54:00:00:00:01 6" } };
	for (size_t i = 0; i < 3; i++) {
		map = indexes_new();
		snprintf(text, sizeof text, HEADER "%s %s %s\n", forms[i][0], name, forms[i][1]);
		CU_ASSERT_EQUAL(indexes_parse(map, text, strlen(text), err, sizeof err), -1);
		CU_ASSERT_EQUAL(strncmp(err, "2: bad ", 7), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
		indexes_free(map);
	}

	/* Lines far longer than any valid one. */
	map = indexes_new();
	memset(text, 'a', sizeof text);
	memcpy(text, HEADER "vm ", sizeof HEADER + 2);
	CU_ASSERT_EQUAL(indexes_parse(map, text, sizeof text, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "2: line too long");
	text[sizeof text - 1] = '\n';
	CU_ASSERT_EQUAL(indexes_parse(map, text, sizeof text, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "2: line too long");
	indexes_free(map);
}

static void test_indexes_small_err_buffer(void)
{
	char err[8];
	const char *text = GOOD "vm b\n";
	struct indexes *map = indexes_new();
	memset(err, 'z', sizeof err);
	CU_ASSERT_EQUAL(indexes_parse(map, text, strlen(text), err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "5: expe");
	CU_ASSERT_EQUAL(indexes_parse(map, text, strlen(text), NULL, 0), -1);
	CU_ASSERT_EQUAL(indexes_parse(map, text, strlen(text), err, 1), -1);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(indexes_parse(NULL, text, strlen(text), err, sizeof err), -1);
	indexes_free(map);
	indexes_free(NULL);
}

/* Mutated and random texts: -1 or 0, never a crash nor a read out of the
 * buffer (valgrind watches the exact-length copies). */
static void test_indexes_fuzz(void)
{
	const char *seed = GOOD "vm bb 12\nnet n2 3\nvnic bb 52:54:00:AB:cd:0 65535\n";
	size_t seedlen = strlen(seed);
	uint32_t rng = 12345;
#define NEXT() (rng = rng * 1103515245u + 12345u, rng >> 8)
	const char alphabet[] = "0123456789:\n \tabvmnetic\0\x80-";
	int odd = 0;
	struct indexes *map = indexes_new();
	for (int round = 0; round < 3000; round++) {
		size_t len = seedlen;
		char *text = malloc(seedlen + 64);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		if (round % 10 == 9) {
			len = NEXT() % 64;
			for (size_t i = 0; i < len; i++)
				text[i] = round & 1 ? (char)NEXT() : alphabet[NEXT() % (sizeof alphabet - 1)];
		} else {
			memcpy(text, seed, seedlen);
			for (int m = 1 + (int)(NEXT() % 4); m > 0 && len > 0; m--) {
				size_t at = NEXT() % len;
				switch (NEXT() % 4) {
				case 0:
					text[at] = (char)NEXT();
					break;
				case 1:
					text[at] = alphabet[NEXT() % (sizeof alphabet - 1)];
					break;
				case 2:
					len = at + 1; /* truncate */
					break;
				default:
					memmove(text + at, text + at + 1, len - at - 1);
					len--;
					break;
				}
			}
		}
		char *exact = malloc(len ? len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
		memcpy(exact, text, len);
		free(text);
		char err[128] = "x";
		int rc = indexes_parse(map, exact, len, err, sizeof err);
		if (!(rc == 0 && err[0] == '\0') && !(rc == -1 && err[0] >= '1' && err[0] <= '9'))
			odd++;
		free(exact);
	}
#undef NEXT
	CU_ASSERT_EQUAL(odd, 0);
	indexes_free(map);
}

/* ---- exhaustion ---- */

static void test_indexes_exhaustion(void)
{
	char err[256], path[128];
	struct indexes *map = parsed(HEADER "vnic full 52:54:00:00:00:01 65534\n");
	CU_ASSERT_EQUAL(indexes_vnic(map, "full", mac2), 65535);
	CU_ASSERT_EQUAL(indexes_vnic(map, "full", mac3), 0);
	CU_ASSERT_EQUAL(indexes_vnic(map, "full", mac3), 0);
	CU_ASSERT_EQUAL(indexes_vnic(map, "full", mac1), 65534);
	CU_ASSERT_EQUAL(indexes_vnic(map, "full", mac2), 65535);
	/* Other VMs have their own space; the VM's own index is untouched. */
	CU_ASSERT_EQUAL(indexes_vnic(map, "other", mac3), 1);
	CU_ASSERT_EQUAL(indexes_vm(map, "full"), 1);
	indexes_free(map);

	/* A refusal gives nothing, so nothing to save. */
	map = parsed(HEADER "vnic full 52:54:00:00:00:01 65535\n");
	CU_ASSERT_EQUAL(indexes_vnic(map, "full", mac2), 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	indexes_free(map);

	map = parsed(HEADER "vm top 2147483647\nnet top 2147483646\n");
	CU_ASSERT_EQUAL(indexes_vm(map, "new"), 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vm(map, "top"), 2147483647);
	CU_ASSERT_EQUAL(indexes_net(map, "new"), 2147483647);
	CU_ASSERT_EQUAL(indexes_net(map, "newer"), 0);
	CU_ASSERT_EQUAL(indexes_net(map, "new"), 2147483647);
	CU_ASSERT_EQUAL(indexes_vnic(map, "top", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "new", mac1), 1);

	/* Still exhausted after a round trip. */
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	indexes_free(map);
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(indexes_net(map, "newer"), 0);
	CU_ASSERT_EQUAL(indexes_vm(map, "newer"), 0);
	CU_ASSERT_EQUAL(indexes_vnic(map, "new", mac1), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "new", mac2), 2);
	indexes_free(map);
	remove_tree(dir);
}

/* ---- files that are not there or cannot be read or written ---- */

static void test_indexes_missing_file(void)
{
	char path[128], err[256];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "none");
	strcpy(err, "stale");
	struct indexes *map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_FALSE(indexes_dirty(map));
	CU_ASSERT_EQUAL(indexes_vm(map, "a"), 1);
	indexes_free(map);
	/* A missing directory too is a first start. */
	path_in_dir(path, sizeof path, "none/none");
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_STRING_EQUAL(err, "");
	indexes_free(map);
	CU_ASSERT_EQUAL(count_entries(dir), 0);
	remove_tree(dir);
}

static void test_indexes_unreadable_file(void)
{
	char path[128], err[256], want[160];
	CU_ASSERT_FATAL(make_dir() == 0);

	/* A directory where the file should be. */
	path_in_dir(path, sizeof path, "adir");
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	struct indexes *map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	snprintf(want, sizeof want, "%s: %s", path, strerror(EISDIR));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_TRUE(is_empty(map));
	indexes_free(map);

	/* A FIFO would block a reader: refused, not waited on. */
	path_in_dir(path, sizeof path, "fifo");
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	snprintf(want, sizeof want, "%s: ", path);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	CU_ASSERT_TRUE(is_empty(map));
	indexes_free(map);

	/* A path through a file. */
	path_in_dir(path, sizeof path, "file");
	CU_ASSERT_FATAL(write_file(path, HEADER, strlen(HEADER)) == 0);
	path_in_dir(path, sizeof path, "file/indexes");
	map = indexes_load(path, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	snprintf(want, sizeof want, "%s: %s", path, strerror(ENOTDIR));
	CU_ASSERT_STRING_EQUAL(err, want);
	indexes_free(map);
	remove_tree(dir);
}

static struct indexes *small_map(void)
{
	struct indexes *map = indexes_new();
	CU_ASSERT_EQUAL(indexes_vm(map, "new"), 1);
	CU_ASSERT_EQUAL(indexes_vnic(map, "new", mac1), 1);
	return map;
}

static void test_indexes_save_missing_dir(void)
{
	char path[128];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "none/indexes");
	struct indexes *map = small_map();
	errno = 0;
	CU_ASSERT_EQUAL(indexes_save(map, path), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_TRUE(indexes_dirty(map));
	CU_ASSERT_EQUAL(count_entries(dir), 0);
	/* Nor can anything be created in /proc, root or not. */
	errno = 0;
	CU_ASSERT_EQUAL(indexes_save(map, "/proc/vsacct-test-indexes"), -1);
	CU_ASSERT_NOT_EQUAL(errno, 0);
	CU_ASSERT_TRUE(indexes_dirty(map));
	indexes_free(map);
	remove_tree(dir);
}

static const char old_text[] = HEADER "vm old 1\n";

/* The old file is there, whole, and alone in the directory. */
static void assert_old_file_intact(const char *path)
{
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, old_text);
	free(text);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
}

static void test_indexes_save_temp_not_created(void)
{
	/* The directory is fine and so is the target's name, but the name
	 * with the temporary suffix is longer than NAME_MAX. */
	char name[251], path[400];
	CU_ASSERT_FATAL(make_dir() == 0);
	memset(name, 'i', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	path_in_dir(path, sizeof path, name);
	CU_ASSERT_FATAL(write_file(path, old_text, strlen(old_text)) == 0);
	struct indexes *map = small_map();
	errno = 0;
	CU_ASSERT_EQUAL(indexes_save(map, path), -1);
	CU_ASSERT_EQUAL(errno, ENAMETOOLONG);
	CU_ASSERT_TRUE(indexes_dirty(map));
	assert_old_file_intact(path);
	indexes_free(map);
	remove_tree(dir);
}

static void test_indexes_save_rename_fails(void)
{
	/* A directory in the way: the temporary file is written, the rename
	 * fails, and the temporary file must go. */
	char path[128], inside[160];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	snprintf(inside, sizeof inside, "%s/keep", path);
	CU_ASSERT_FATAL(write_file(inside, old_text, strlen(old_text)) == 0);
	struct indexes *map = small_map();
	errno = 0;
	CU_ASSERT_EQUAL(indexes_save(map, path), -1);
	CU_ASSERT_EQUAL(errno, EISDIR);
	CU_ASSERT_TRUE(indexes_dirty(map));
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	CU_ASSERT_EQUAL(count_entries(path), 1);
	char *text = read_text(inside);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, old_text);
	free(text);
	indexes_free(map);
	remove_tree(dir);
}

static void test_indexes_save_write_fails(void)
{
	/* A file size limit makes the writes fail half way; in a child, so
	 * the limit never touches this process's output. */
	char path[128], name[32];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	CU_ASSERT_FATAL(write_file(path, old_text, strlen(old_text)) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct indexes *map = indexes_new();
		for (unsigned i = 0; i < 2000; i++) {
			snprintf(name, sizeof name, "vm-%u", i);
			indexes_vm(map, name);
		}
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 4096, 4096 };
		int ok = setrlimit(RLIMIT_FSIZE, &rl) == 0;
		errno = 0;
		ok = ok && indexes_save(map, path) == -1 && errno == EFBIG && indexes_dirty(map);
		indexes_free(map);
		_exit(ok ? 0 : 1);
	}
	int status;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_old_file_intact(path);
	remove_tree(dir);
}

static void test_indexes_save_replaces(void)
{
	char path[128], err[256];
	CU_ASSERT_FATAL(make_dir() == 0);
	path_in_dir(path, sizeof path, "indexes");
	CU_ASSERT_FATAL(write_file(path, old_text, strlen(old_text)) == 0);
	struct indexes *map = indexes_load(path, err, sizeof err);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(indexes_vm(map, "new"), 2);
	CU_ASSERT_EQUAL(indexes_save(map, path), 0);
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, HEADER "vm old 1\nvm new 2\n");
	free(text);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	indexes_free(map);

	/* A relative path saves in the current directory. */
	char cwd[4096];
	CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
	CU_ASSERT_FATAL(chdir(dir) == 0);
	map = small_map();
	CU_ASSERT_EQUAL(indexes_save(map, "indexes"), 0);
	CU_ASSERT_FALSE(indexes_dirty(map));
	indexes_free(map);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, HEADER "vm new 1\nvnic new 52:54:00:00:00:01 1\n");
	free(text);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	remove_tree(dir);
}

static CU_TestInfo indexes_tests[] = {
	{ "new_names_sequential", test_indexes_new_names_sequential },
	{ "same_name_same_index", test_indexes_same_name_same_index },
	{ "vnic_per_vm", test_indexes_vnic_per_vm },
	{ "dirty", test_indexes_dirty },
	{ "file_format", test_indexes_file_format },
	{ "round_trip", test_indexes_round_trip },
	{ "loaded_gaps_never_reused", test_indexes_loaded_gaps_never_reused },
	{ "many", test_indexes_many },
	{ "malformed", test_indexes_malformed },
	{ "long_lines_and_names", test_indexes_long_lines_and_names },
	{ "small_err_buffer", test_indexes_small_err_buffer },
	{ "fuzz", test_indexes_fuzz },
	{ "exhaustion", test_indexes_exhaustion },
	{ "missing_file", test_indexes_missing_file },
	{ "unreadable_file", test_indexes_unreadable_file },
	{ "save_missing_dir", test_indexes_save_missing_dir },
	{ "save_temp_not_created", test_indexes_save_temp_not_created },
	{ "save_rename_fails", test_indexes_save_rename_fails },
	{ "save_write_fails", test_indexes_save_write_fails },
	{ "save_replaces", test_indexes_save_replaces },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "indexes", NULL, NULL, NULL, NULL, indexes_tests },
	CU_SUITE_INFO_NULL,
};
