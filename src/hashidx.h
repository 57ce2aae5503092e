/*
 * hashidx: a growable index from 64-bit hashes to positions in the caller's
 * array. It keeps no keys: a lookup yields the positions stored under a
 * hash (or one sharing 32 bits with it) and the caller compares its own
 * elements.
 *
 * Lifecycle: a zeroed struct hashidx is empty → hashidx_reserve, then
 * hashidx_add (which cannot fail) → hashidx_first / hashidx_next, and
 * hashidx_remove / hashidx_move for a caller whose elements go or move →
 * hashidx_free.
 */
#ifndef VS_HASHIDX_H
#define VS_HASHIDX_H

#include <stddef.h>
#include <stdint.h>

#define HASHIDX_NONE SIZE_MAX /* no (more) positions */
#define HASHIDX_MAX (UINT32_MAX / 2) /* positions an index can hold */

/* Open addressing, probed linearly, at most half full (so a probe always
 * ends at a free slot). A slot keeps 32 bits of the hash, compared before
 * the caller's element is touched: 8 bytes a slot, since every configured
 * VM and vNIC has its slots. Callers read n and nothing else: the layout
 * is here for the inline lookups below. */
struct hashidx_slot {
	uint32_t hash; /* hashidx_fold of the hash */
	uint32_t pos;  /* HASHIDX_FREE: a free slot */
};
/* No position (they are below HASHIDX_MAX): a lookup returns what it
 * finds as it is, with no decoding on the frame path. */
#define HASHIDX_FREE UINT32_MAX

struct hashidx {
	struct hashidx_slot *slots; /* NULL until the first hashidx_reserve */
	size_t mask;                /* slots - 1: their count is a power of two */
	unsigned shift;             /* 32 - log2(slots) */
	size_t n;                   /* positions stored */
};

/* Where a lookup stands, from hashidx_first to hashidx_next. */
struct hashidx_iter {
	uint32_t hash;
	size_t slot;
};

void hashidx_free(struct hashidx *idx);

/* Makes room for n positions in all, so that as many hashidx_add calls
 * cannot fail. Returns 0, or -1 when out of memory (the index unchanged). */
int hashidx_reserve(struct hashidx *idx, size_t n);

/* Stores pos (below HASHIDX_MAX) under hash, in the room hashidx_reserve
 * made: reserve idx->n + 1 first. */
void hashidx_add(struct hashidx *idx, uint64_t hash, size_t pos);

/* Removes pos stored under hash, leaving room for one hashidx_add. Returns
 * 0, or -1 when pos is not stored under hash. O(1) expected. */
int hashidx_remove(struct hashidx *idx, uint64_t hash, size_t pos);

/* Stores to (below HASHIDX_MAX) in place of from under hash, as when the
 * caller moves an element within its array. Returns 0, or -1 when from is
 * not stored under hash. O(1) expected. */
int hashidx_move(struct hashidx *idx, uint64_t hash, size_t from, size_t to);

/* The 32 bits of hash a slot keeps: exact among hashes that share their
 * upper 32 bits (two such hashes fold alike only when they are equal). */
static inline uint32_t hashidx_fold(uint64_t hash)
{
	return (uint32_t)(hash ^ hash >> 32);
}

/* Where a probe for a folded hash starts: the top bits of its product
 * with 2^32 / phi (Fibonacci hashing spreads low-entropy keys:
 * OUI-prefixed MACs, consecutive ifindexes). */
static inline size_t hashidx_home(unsigned shift, uint32_t folded)
{
	return (size_t)((folded * 0x9E3779B9u) >> shift);
}

/* A probe from it->slot for it->hash: the next position, or HASHIDX_NONE
 * at the free slot that ends the run. (hashidx_first/next's loop.) */
static inline size_t hashidx_probe(const struct hashidx *idx, struct hashidx_iter *it)
{
	for (size_t i = it->slot;; i = (i + 1) & idx->mask) {
		const struct hashidx_slot *s = &idx->slots[i];
		if (s->pos == HASHIDX_FREE) {
			it->slot = SIZE_MAX; /* ended: stays ended */
			return HASHIDX_NONE;
		}
		if (s->hash == it->hash) {
			it->slot = i;
			return s->pos;
		}
	}
}

/* The positions stored under hash, in no particular order: the first, then
 * one per hashidx_next call, then HASHIDX_NONE. Adding to or removing from
 * the index spoils a lookup under way. O(1) expected; inline, as the
 * frame path makes two lookups a frame. */
static inline size_t hashidx_first(const struct hashidx *idx, uint64_t hash,
				   struct hashidx_iter *it)
{
	it->hash = hashidx_fold(hash);
	if (!idx->slots) {
		it->slot = SIZE_MAX;
		return HASHIDX_NONE;
	}
	it->slot = hashidx_home(idx->shift, it->hash);
	return hashidx_probe(idx, it);
}

static inline size_t hashidx_next(const struct hashidx *idx, struct hashidx_iter *it)
{
	if (it->slot == SIZE_MAX)
		return HASHIDX_NONE;
	it->slot = (it->slot + 1) & idx->mask;
	return hashidx_probe(idx, it);
}

/* FNV-1a: the hash of len more bytes after hash (HASHIDX_BASIS to start). */
#define HASHIDX_BASIS 0xcbf29ce484222325ull
uint64_t hashidx_bytes(uint64_t hash, const void *data, size_t len);

/* The hash of a string key. */
uint64_t hashidx_string(const char *s);

#endif
