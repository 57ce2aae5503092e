/*
 * statedir: the state directory: the persisted indexes (so that rows keep
 * their index across restarts) and the saved counters (so that a restarted
 * vsacctd continues where it stopped).
 *
 * Lifecycle: statedir_open(dir) (creates it, loads the indexes: a file
 * that does not parse is kept aside as indexes.bad and indexing starts
 * afresh) → statedir_restore once the first inventory is built →
 * statedir_save_indexes after each rebuild, statedir_tick every turn (saves
 * the counters every save interval), statedir_save at the end →
 * statedir_close.
 */
#ifndef VS_STATEDIR_H
#define VS_STATEDIR_H

#include <stdbool.h>
#include <stdint.h>

#include "indexes.h"
#include "inventory.h"

struct statedir;

/* NULL (logged) when out of memory. A directory that cannot be created is
 * logged; saving into it will fail and be logged too. */
struct statedir *statedir_open(const char *dir, unsigned save_interval_sec, int64_t now_usec);
void statedir_close(struct statedir *sd);

/* The indexes, owned by the state directory. */
struct indexes *statedir_indexes(const struct statedir *sd);

/* Restores the saved counters into inv (logged when the file is bad). */
void statedir_restore(struct statedir *sd, struct inventory *inv);

/* Saves the indexes if new ones were given out (logged on failure). */
void statedir_save_indexes(struct statedir *sd);

/* Saves inv's counters. Returns 0, or -1 (logged once until it works
 * again). */
int statedir_save(struct statedir *sd, const struct inventory *inv);

/* The save interval from now on (a reload may change it). */
void statedir_set_interval(struct statedir *sd, unsigned save_interval_sec);

/* Saves inv's counters when the save interval has passed (monotonic time
 * now_usec). Returns whether it saved them. */
bool statedir_tick(struct statedir *sd, const struct inventory *inv, int64_t now_usec);

#endif
