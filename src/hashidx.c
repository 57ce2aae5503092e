#include "hashidx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Grown by doubling; removal shifts the rest of a probe run back (no
 * tombstones, so churn never lengthens probes). The slot layout and the
 * lookups are in the header. */

#define MIN_SLOTS 16
#define MIN_SHIFT 28 /* 32 - log2(MIN_SLOTS) */

void hashidx_free(struct hashidx *idx)
{
	free(idx->slots);
	*idx = (struct hashidx){ 0 };
}

/* Stores (hash, pos) in slots of the given geometry, which have room. */
static void put(struct hashidx_slot *slots, size_t mask, unsigned shift, uint32_t hash,
		uint32_t pos)
{
	size_t i = hashidx_home(shift, hash);
	while (slots[i].pos != HASHIDX_FREE)
		i = (i + 1) & mask;
	slots[i] = (struct hashidx_slot){ hash, pos };
}

int hashidx_reserve(struct hashidx *idx, size_t n)
{
	if (n >= HASHIDX_MAX) {
		errno = ENOMEM;
		return -1;
	}
	size_t count = idx->slots ? idx->mask + 1 : MIN_SLOTS;
	unsigned shift = idx->slots ? idx->shift : MIN_SHIFT;
	while (count < 2 * n) {
		count *= 2;
		shift--;
	}
	if (idx->slots && count == idx->mask + 1)
		return 0;
	struct hashidx_slot *slots = malloc(count * sizeof *slots);
	if (!slots)
		return -1;
	memset(slots, 0xff, count * sizeof *slots); /* every slot HASHIDX_FREE */
	for (size_t i = 0; idx->slots && i <= idx->mask; i++)
		if (idx->slots[i].pos != HASHIDX_FREE)
			put(slots, count - 1, shift, idx->slots[i].hash, idx->slots[i].pos);
	free(idx->slots);
	idx->slots = slots;
	idx->mask = count - 1;
	idx->shift = shift;
	return 0;
}

void hashidx_add(struct hashidx *idx, uint64_t hash, size_t pos)
{
	put(idx->slots, idx->mask, idx->shift, hashidx_fold(hash), (uint32_t)pos);
	idx->n++;
}

/* The slot holding pos under hash, or SIZE_MAX. */
static size_t slot_of(const struct hashidx *idx, uint64_t hash, size_t pos)
{
	if (!idx->slots || pos >= HASHIDX_MAX)
		return SIZE_MAX;
	uint32_t h = hashidx_fold(hash);
	for (size_t i = hashidx_home(idx->shift, h);; i = (i + 1) & idx->mask) {
		if (idx->slots[i].pos == HASHIDX_FREE)
			return SIZE_MAX;
		if (idx->slots[i].hash == h && idx->slots[i].pos == pos)
			return i;
	}
}

int hashidx_remove(struct hashidx *idx, uint64_t hash, size_t pos)
{
	size_t hole = slot_of(idx, hash, pos);
	if (hole == SIZE_MAX)
		return -1;
	size_t mask = idx->mask;
	for (size_t j = (hole + 1) & mask; idx->slots[j].pos != HASHIDX_FREE; j = (j + 1) & mask) {
		/* An entry whose home lies cyclically in (hole, j] would be
		 * found no more from its home if moved back to the hole. */
		size_t k = hashidx_home(idx->shift, idx->slots[j].hash);
		bool stays = hole <= j ? hole < k && k <= j : hole < k || k <= j;
		if (!stays) {
			idx->slots[hole] = idx->slots[j];
			hole = j;
		}
	}
	idx->slots[hole] = (struct hashidx_slot){ 0, HASHIDX_FREE };
	idx->n--;
	return 0;
}

int hashidx_move(struct hashidx *idx, uint64_t hash, size_t from, size_t to)
{
	size_t i = slot_of(idx, hash, from);
	if (i == SIZE_MAX || to >= HASHIDX_MAX)
		return -1;
	idx->slots[i].pos = (uint32_t)to;
	return 0;
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
