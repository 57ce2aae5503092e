#include "hashidx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing, probed linearly, at most half full (so a probe always
 * ends at a free slot), grown by doubling; removal shifts the rest of a
 * probe run back (no tombstones, so churn never lengthens probes). A slot keeps 32 bits of the
 * hash, compared before the caller's element is touched: 8 bytes a slot,
 * since every configured VM and vNIC has its slots. */
struct hashidx_slot {
	uint32_t hash;
	uint32_t pos1; /* position + 1; 0: free */
};

#define MIN_BITS 4

void hashidx_free(struct hashidx *idx)
{
	free(idx->slots);
	*idx = (struct hashidx){ 0 };
}

static uint32_t fold(uint64_t hash)
{
	return (uint32_t)(hash ^ hash >> 32);
}

/* Fibonacci hashing spreads low-entropy keys (OUI-prefixed MACs). */
static size_t home(unsigned bits, uint32_t hash)
{
	return (size_t)((hash * 0x9E3779B9u) >> (32 - bits));
}

static void put(struct hashidx_slot *slots, unsigned bits, uint32_t hash, uint32_t pos1)
{
	size_t mask = ((size_t)1 << bits) - 1;
	size_t i = home(bits, hash);
	while (slots[i].pos1)
		i = (i + 1) & mask;
	slots[i] = (struct hashidx_slot){ hash, pos1 };
}

int hashidx_reserve(struct hashidx *idx, size_t n)
{
	if (n >= HASHIDX_MAX) {
		errno = ENOMEM;
		return -1;
	}
	unsigned bits = idx->slots ? idx->bits : MIN_BITS;
	while (((size_t)1 << bits) < 2 * n)
		bits++;
	if (idx->slots && bits == idx->bits)
		return 0;
	struct hashidx_slot *slots = calloc((size_t)1 << bits, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; idx->slots && i < (size_t)1 << idx->bits; i++)
		if (idx->slots[i].pos1)
			put(slots, bits, idx->slots[i].hash, idx->slots[i].pos1);
	free(idx->slots);
	idx->slots = slots;
	idx->bits = bits;
	return 0;
}

void hashidx_add(struct hashidx *idx, uint64_t hash, size_t pos)
{
	put(idx->slots, idx->bits, fold(hash), (uint32_t)pos + 1);
	idx->n++;
}

/* The slot holding pos under hash, or SIZE_MAX. */
static size_t slot_of(const struct hashidx *idx, uint64_t hash, size_t pos)
{
	if (!idx->slots || pos >= HASHIDX_MAX)
		return SIZE_MAX;
	uint32_t h = fold(hash), pos1 = (uint32_t)pos + 1;
	size_t mask = ((size_t)1 << idx->bits) - 1;
	for (size_t i = home(idx->bits, h);; i = (i + 1) & mask) {
		if (!idx->slots[i].pos1)
			return SIZE_MAX;
		if (idx->slots[i].hash == h && idx->slots[i].pos1 == pos1)
			return i;
	}
}

int hashidx_remove(struct hashidx *idx, uint64_t hash, size_t pos)
{
	size_t hole = slot_of(idx, hash, pos);
	if (hole == SIZE_MAX)
		return -1;
	size_t mask = ((size_t)1 << idx->bits) - 1;
	for (size_t j = (hole + 1) & mask; idx->slots[j].pos1; j = (j + 1) & mask) {
		/* An entry whose home lies cyclically in (hole, j] would be
		 * found no more from its home if moved back to the hole. */
		size_t k = home(idx->bits, idx->slots[j].hash);
		bool stays = hole <= j ? hole < k && k <= j : hole < k || k <= j;
		if (!stays) {
			idx->slots[hole] = idx->slots[j];
			hole = j;
		}
	}
	idx->slots[hole] = (struct hashidx_slot){ 0, 0 };
	idx->n--;
	return 0;
}

int hashidx_move(struct hashidx *idx, uint64_t hash, size_t from, size_t to)
{
	size_t i = slot_of(idx, hash, from);
	if (i == SIZE_MAX || to >= HASHIDX_MAX)
		return -1;
	idx->slots[i].pos1 = (uint32_t)to + 1;
	return 0;
}

size_t hashidx_first(const struct hashidx *idx, uint64_t hash, struct hashidx_iter *it)
{
	it->hash = fold(hash);
	if (!idx->slots) {
		it->slot = SIZE_MAX;
		return HASHIDX_NONE;
	}
	it->slot = home(idx->bits, it->hash);
	return hashidx_next(idx, it);
}

size_t hashidx_next(const struct hashidx *idx, struct hashidx_iter *it)
{
	if (it->slot == SIZE_MAX)
		return HASHIDX_NONE;
	size_t mask = ((size_t)1 << idx->bits) - 1;
	for (;;) {
		const struct hashidx_slot *s = &idx->slots[it->slot];
		if (!s->pos1) {
			it->slot = SIZE_MAX; /* ended: stays ended */
			return HASHIDX_NONE;
		}
		it->slot = (it->slot + 1) & mask;
		if (s->hash == it->hash)
			return s->pos1 - 1;
	}
}

uint64_t hashidx_bytes(uint64_t hash, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		hash = (hash ^ p[i]) * 0x100000001b3ull; /* FNV-1a */
	return hash;
}

uint64_t hashidx_string(const char *s)
{
	return hashidx_bytes(HASHIDX_BASIS, s, strlen(s));
}
