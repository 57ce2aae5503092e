/*
 * indexes: stable SNMP indexes for networks, VMs and vNICs, remembered in
 * the state directory so that a VM keeps its vsVmIndex across vsacctd
 * restarts, reloads and its own restarts, like ifIndex persistence.
 *
 * A name seen once keeps its index while the file remembers it; a new name
 * takes the highest index ever given plus one, never one that belonged to
 * another name. vNIC indexes are per VM and keyed by MAC.
 *
 * Lifecycle: indexes_load (a missing file is an empty map; a truncated or
 * corrupt one is reported and ignored) → indexes_vm / _net / _vnic while
 * building an inventory → indexes_save when indexes_dirty → indexes_free.
 *
 * File format, one entry a line: "net NAME INDEX", "vm NAME INDEX",
 * "vnic VM MAC INDEX"; the first line is "vsacct-indexes 1".
 */
#ifndef VS_INDEXES_H
#define VS_INDEXES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

struct indexes;

/* An empty map. NULL when out of memory. */
struct indexes *indexes_new(void);

/*
 * Loads path. A missing file gives an empty map and no message; an
 * unreadable, truncated or corrupt one gives an empty map and a message in
 * err (errlen bytes) to be logged. NULL only when out of memory.
 */
struct indexes *indexes_load(const char *path, char *err, size_t errlen);

/* Parses the file's text (pure; what indexes_load uses). Returns 0, or -1
 * with err set and map left empty. */
int indexes_parse(struct indexes *map, const char *text, size_t len, char *err, size_t errlen);

void indexes_free(struct indexes *map);

/* The index of a name, given now if new: 1..2147483647; 0 when the index
 * space is exhausted or memory is out. */
uint32_t indexes_net(struct indexes *map, const char *name);
uint32_t indexes_vm(struct indexes *map, const char *name);
/* 1..65535 within the VM; 0 when exhausted. */
uint32_t indexes_vnic(struct indexes *map, const char *vm, const uint8_t mac[MAC_LEN]);

/* Whether anything was given since the last load or save. */
bool indexes_dirty(const struct indexes *map);

/* Writes path atomically (temporary file in the same directory, fsync,
 * rename, fsync of the directory). Returns 0, or -1 with errno set. */
int indexes_save(struct indexes *map, const char *path);

#endif
