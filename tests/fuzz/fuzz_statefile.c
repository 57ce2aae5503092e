/*
 * fuzz_statefile: the state files vsacctd reads at start.
 *
 * The input is the text of one state file; it is handed to every state-file
 * reader (each refuses the others' headers at once), so one corpus serves
 * them all and a new reader only adds a function here: the persisted
 * indexes (indexes_parse) and the saved counters (countfile_restore).
 *
 * What parsed must answer for every entry of the file with the file's index
 * without becoming dirty, give a new name the highest index plus one (never
 * one the file holds), and parse again into the used map to the same
 * answers. A refused file leaves an empty map and says why.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "countfile.h"
#include "indexes.h"
#include "inventory.h"
#include "mac.h"

#define TOP_INDEX 2147483647u
#define VNIC_TOP_INDEX 65535u
#define NEW_NAME "fuzz-new"

enum kind { NET, VM, VNIC };

/* One line of a file that parsed; name points into a copy of the text. */
struct entry {
	enum kind kind;
	const char *name;
	uint8_t mac[MAC_LEN];
	uint32_t index;
};

static int split(char *s, char *w[], int max)
{
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || n == max)
			return n;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

/* The entries of a file indexes_parse accepted, read here independently. */
static size_t entries_of(char *text, struct entry *out)
{
	size_t n = 0;
	char *line = strchr(text, '\n'); /* past the header */
	while (line) {
		char *start = line + 1;
		line = strchr(start, '\n');
		if (line)
			*line = '\0';
		if (!*start)
			break;
		char *w[4];
		int nw = split(start, w, 4);
		struct entry *e = &out[n++];
		memset(e, 0, sizeof *e);
		e->name = w[1];
		if (!strcmp(w[0], "vnic")) {
			CHECK(nw == 4 && mac_parse(w[2], e->mac) == 0);
			e->kind = VNIC;
			e->index = (uint32_t)strtoul(w[3], NULL, 10);
		} else {
			CHECK(nw == 3);
			e->kind = !strcmp(w[0], "net") ? NET : VM;
			CHECK(e->kind == VM || !strcmp(w[0], "net"));
			CHECK(e->kind == NET || !strcmp(w[0], "vm"));
			e->index = (uint32_t)strtoul(w[2], NULL, 10);
		}
	}
	return n;
}

static const struct entry *find(const struct entry *e, size_t n, enum kind kind,
				const char *name, const uint8_t *mac)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == kind && !strcmp(e[i].name, name) &&
		    (!mac || !memcmp(e[i].mac, mac, MAC_LEN)))
			return &e[i];
	return NULL;
}

/* The highest index of a kind (of the VM's vNICs for VNIC). */
static uint32_t highest(const struct entry *e, size_t n, enum kind kind, const char *vm)
{
	uint32_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == kind && (!vm || !strcmp(e[i].name, vm)) && e[i].index > max)
			max = e[i].index;
	return max;
}

struct answers {
	uint32_t net, vm, vnic;
};

/* Asks every entry, then for new names; returns what the new ones got. */
static struct answers ask(struct indexes *map, const struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t got = e[i].kind == NET ? indexes_net(map, e[i].name)
			     : e[i].kind == VM	? indexes_vm(map, e[i].name)
						: indexes_vnic(map, e[i].name, e[i].mac);
		CHECK(got == e[i].index);
	}
	CHECK(!indexes_dirty(map));

	struct answers a;
	uint32_t top = highest(e, n, NET, NULL);
	const struct entry *known = find(e, n, NET, NEW_NAME, NULL);
	a.net = indexes_net(map, NEW_NAME);
	CHECK(a.net == (known ? known->index : top < TOP_INDEX ? top + 1 : 0));
	CHECK(indexes_dirty(map) == (!known && a.net));
	CHECK(indexes_net(map, NEW_NAME) == a.net);

	top = highest(e, n, VM, NULL);
	known = find(e, n, VM, NEW_NAME, NULL);
	a.vm = indexes_vm(map, NEW_NAME);
	CHECK(a.vm == (known ? known->index : top < TOP_INDEX ? top + 1 : 0));
	CHECK(indexes_vm(map, NEW_NAME) == a.vm);

	/* A vNIC of the first VM the file gives vNICs to, or of a new VM. */
	const char *vm = NEW_NAME;
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == VNIC) {
			vm = e[i].name;
			break;
		}
	uint8_t mac[MAC_LEN] = { 0x02, 0xfe, 0xed, 0, 0, 0 };
	for (unsigned k = 0; find(e, n, VNIC, vm, mac); k++)
		mac[5] = (uint8_t)k, mac[4] = (uint8_t)(k >> 8);
	top = highest(e, n, VNIC, vm);
	a.vnic = indexes_vnic(map, vm, mac);
	CHECK(a.vnic == (top < VNIC_TOP_INDEX ? top + 1 : 0));
	CHECK(indexes_vnic(map, vm, mac) == a.vnic);
	return a;
}

static void fuzz_indexes(const uint8_t *data, size_t size)
{
	struct indexes *map = indexes_new();
	if (!map)
		return;
	char err[256];
	if (indexes_parse(map, (const char *)data, size, err, sizeof err) < 0) {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		CHECK(!indexes_dirty(map));
		CHECK(indexes_vm(map, "a") == 1 && indexes_net(map, "a") == 1);
		indexes_free(map);
		return;
	}
	CHECK(!indexes_dirty(map));
	/* A file that parsed holds no NUL: it reads as a string. */
	char *text = malloc(size + 1);
	struct entry *e = malloc((size / 2 + 1) * sizeof *e);
	if (text && e) {
		memcpy(text, data, size);
		text[size] = '\0';
		size_t n = entries_of(text, e);
		struct answers first = ask(map, e, n);
		/* Into the used map again: what was given since is forgotten. */
		CHECK(indexes_parse(map, (const char *)data, size, err, sizeof err) == 0);
		CHECK(!indexes_dirty(map));
		struct answers again = ask(map, e, n);
		CHECK(first.net == again.net && first.vm == again.vm && first.vnic == again.vnic);
	}
	free(e);
	free(text);
	indexes_free(map);
}

/* The saved counters, restored into a small inventory: a refused file
 * changes nothing; one that parsed leaves every vNIC on a network of the
 * inventory or on none. */
static void fuzz_counters(const uint8_t *data, size_t size)
{
	static const char text[] =
		"network lan0 br0\nnetwork lan1 br1\nvm a\nvnic a 52:54:00:00:00:0a tap-a\n"
		"vm b\nvnic b 52:54:00:00:00:0b\nvnic b 52:54:00:00:00:0c tap-c\n";
	static struct conf *conf;
	if (!conf) {
		struct conf_error err;
		conf = conf_new();
		CHECK(conf && conf_parse_buffer(conf, "fuzz.conf", text, sizeof text - 1, &err) == 0);
	}
	struct inventory *inv = inventory_new(conf, 0);
	CHECK(inv);
	inventory_vnic_attach(&inventory_vm(inv, 0)->vnics[0], inventory_net(inv, 0));
	inventory_vm(inv, 0)->vnics[0].host_ifindex = 10;
	char err[256] = "";
	int rc = countfile_restore(inv, (const char *)data, size, err, sizeof err);
	CHECK(rc == 0 || rc == -1);
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		const struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++) {
			const struct inv_vnic *v = &vm->vnics[j];
			CHECK(!v->net || v->acct.net == &v->net->acct);
			CHECK(rc == 0 || acct_port_sent(&v->acct).packets == 0);
		}
	}
	CHECK(rc == 0 || (*err && inventory_net(inv, 0)->acct.carried.packets == 0));
	inventory_free(inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_indexes(data, size);
	fuzz_counters(data, size);
	return 0;
}
