/*
 * mactable: where the eBPF counting method keeps a vNIC's counters in the
 * kernel, by its (MAC, network slot) key: at a position of the table the
 * program searches without hashing (vs_mac_slots, vs_mac_counts), or, when
 * the table has none free near the key's home, in the hash (vs_macs). See
 * bpf/count_maps.h for the layout. A key's counters stay where they were
 * placed until it is forgotten, across restarts of vsacctd.
 */
#ifndef VS_MACTABLE_H
#define VS_MACTABLE_H

#include <stdbool.h>
#include <linux/types.h>

/* The three maps' descriptors, and scratch room for one per-CPU value of
 * every CPU (a lookup of the hash needs it). */
struct mactable {
	int slots_fd;
	int counts_fd;
	int hash_fd;
	void *percpu;
	int ncpus;
};

/* Where a key's counters are: a position of the table (>= 0), or: */
#define MACTABLE_HASHED (-1) /* in the hash */
#define MACTABLE_NONE (-2)   /* nowhere */

/* Where key's counters are now. */
int mactable_find(const struct mactable *t, __u64 key);

/*
 * Where key's counters are: found (*found: placed by an earlier run, its
 * counters as the kernel kept them), else placed now, zeroed, at a free
 * position, else in the hash, after *hashed (the program's vs_macs_hashed)
 * says to look there. MACTABLE_NONE: the hash is full too (errno).
 */
int mactable_place(const struct mactable *t, __u64 key, volatile __u32 *hashed, bool *found);

/* key's counters at where, one value per CPU, into t->percpu. */
int mactable_read(const struct mactable *t, __u64 key, int where);

/*
 * key no longer counted: its position marked gone (a search goes on past
 * it), or its hash entry deleted. A gone position takes another key at a
 * later call of mactable_place only (placing zeroes the counters, and a
 * frame the program is counting may still add to them meanwhile: its run
 * ends within microseconds, rescans are far apart).
 */
void mactable_forget(const struct mactable *t, __u64 key, int where);

/* How many keys the hash holds (what vs_macs_hashed should say). */
__u32 mactable_hashed(const struct mactable *t);

#endif
