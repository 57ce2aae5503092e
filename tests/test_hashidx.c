#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashidx.h"
#include "runner.h"

/* Whether pos is among the positions stored under hash. */
static bool holds(const struct hashidx *idx, uint64_t hash, size_t pos)
{
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hash, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		if (i == pos)
			return true;
	return false;
}

/* How many positions a lookup of hash yields. */
static size_t count(const struct hashidx *idx, uint64_t hash)
{
	struct hashidx_iter it;
	size_t n = 0;
	for (size_t i = hashidx_first(idx, hash, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		n++;
	return n;
}

static void add(struct hashidx *idx, uint64_t hash, size_t pos)
{
	CU_ASSERT_EQUAL_FATAL(hashidx_reserve(idx, idx->n + 1), 0);
	hashidx_add(idx, hash, pos);
}

static void test_hashidx_empty(void)
{
	struct hashidx idx = { 0 };
	struct hashidx_iter it;
	CU_ASSERT_EQUAL(hashidx_first(&idx, 42, &it), HASHIDX_NONE);
	CU_ASSERT_EQUAL(hashidx_next(&idx, &it), HASHIDX_NONE);
	CU_ASSERT_EQUAL(hashidx_remove(&idx, 42, 0), -1);
	CU_ASSERT_EQUAL(hashidx_move(&idx, 42, 0, 1), -1);
	hashidx_free(&idx);
	hashidx_free(&idx); /* freed is empty again */
	CU_ASSERT_EQUAL(idx.n, 0);
}

static void test_hashidx_several_under_one_hash(void)
{
	struct hashidx idx = { 0 };
	add(&idx, 7, 0);
	add(&idx, 7, 1);
	add(&idx, 8, 2);
	add(&idx, 7, 3);
	CU_ASSERT_EQUAL(idx.n, 4);
	CU_ASSERT_EQUAL(count(&idx, 7), 3);
	CU_ASSERT(holds(&idx, 7, 0) && holds(&idx, 7, 1) && holds(&idx, 7, 3));
	CU_ASSERT_EQUAL(count(&idx, 8), 1);
	CU_ASSERT(holds(&idx, 8, 2));
	CU_ASSERT_EQUAL(count(&idx, 9), 0);
	/* An ended lookup stays ended. */
	struct hashidx_iter it;
	CU_ASSERT_EQUAL(hashidx_first(&idx, 8, &it), 2);
	CU_ASSERT_EQUAL(hashidx_next(&idx, &it), HASHIDX_NONE);
	CU_ASSERT_EQUAL(hashidx_next(&idx, &it), HASHIDX_NONE);
	hashidx_free(&idx);
}

static void test_hashidx_shared_bits(void)
{
	/* Slots keep 32 bits of the hash: hashes that fold alike are both
	 * candidates, for the caller to tell apart. */
	uint64_t a = 0x0000000100000002ull, b = 0x0000000200000001ull;
	struct hashidx idx = { 0 };
	add(&idx, a, 0);
	CU_ASSERT(holds(&idx, b, 0));
	add(&idx, b, 1);
	CU_ASSERT_EQUAL(count(&idx, a), 2);
	hashidx_free(&idx);

	/* Among hashes with the same upper 32 bits (MAC keys of one vendor's
	 * prefix) the 32 bits kept tell every one apart. */
	CU_ASSERT_EQUAL(hashidx_fold(a), hashidx_fold(b));
	size_t same = 0;
	for (uint64_t low = 0; low < 100000; low++) {
		uint64_t h = 0x525400000000ull | low, other = h ^ 0x80000000u;
		same += hashidx_fold(h) == hashidx_fold(other);
	}
	CU_ASSERT_EQUAL(same, 0);
	CU_ASSERT_NOT_EQUAL(hashidx_fold(0x525400000001ull), hashidx_fold(0x525400000000ull));
}

static void test_hashidx_growth(void)
{
	struct hashidx idx = { 0 };
	enum { N = 20000 };
	/* MAC-like keys: a common prefix, consecutive low bits. */
	for (size_t i = 0; i < N; i++)
		add(&idx, 0x525400000000ull + i, i);
	size_t found = 0, wrong = 0;
	for (size_t i = 0; i < N; i++) {
		found += holds(&idx, 0x525400000000ull + i, i);
		wrong += count(&idx, 0x525400000000ull + i) != 1;
	}
	CU_ASSERT_EQUAL(found, N);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(count(&idx, 0x525400000000ull + N), 0);
	/* Reserving what is there already changes nothing. */
	CU_ASSERT_EQUAL(hashidx_reserve(&idx, 10), 0);
	CU_ASSERT(holds(&idx, 0x525400000000ull + 5, 5));
	hashidx_free(&idx);
}

static void test_hashidx_reserve_too_many(void)
{
	struct hashidx idx = { 0 };
	add(&idx, 1, 0);
	errno = 0;
	CU_ASSERT_EQUAL(hashidx_reserve(&idx, HASHIDX_MAX), -1);
	CU_ASSERT_EQUAL(errno, ENOMEM);
	CU_ASSERT(holds(&idx, 1, 0)); /* unchanged */
	hashidx_free(&idx);
}

static void test_hashidx_remove_and_move(void)
{
	struct hashidx idx = { 0 };
	add(&idx, 7, 0);
	add(&idx, 7, 1);
	add(&idx, 8, 2);
	/* Only the pair stored is removed. */
	CU_ASSERT_EQUAL(hashidx_remove(&idx, 8, 0), -1);
	CU_ASSERT_EQUAL(hashidx_remove(&idx, 7, 2), -1);
	CU_ASSERT_EQUAL(hashidx_remove(&idx, 7, 0), 0);
	CU_ASSERT_EQUAL(hashidx_remove(&idx, 7, 0), -1);
	CU_ASSERT_EQUAL(idx.n, 2);
	CU_ASSERT_EQUAL(count(&idx, 7), 1);
	CU_ASSERT(holds(&idx, 7, 1));
	/* A removal leaves room for one more without reserving. */
	hashidx_add(&idx, 9, 0);
	CU_ASSERT(holds(&idx, 9, 0));

	/* The last element moved into a hole: its position follows. */
	CU_ASSERT_EQUAL(hashidx_move(&idx, 8, 2, 5), 0);
	CU_ASSERT(holds(&idx, 8, 5));
	CU_ASSERT(!holds(&idx, 8, 2));
	CU_ASSERT_EQUAL(hashidx_move(&idx, 8, 2, 6), -1);
	CU_ASSERT_EQUAL(hashidx_move(&idx, 8, 5, HASHIDX_NONE), -1);
	CU_ASSERT_EQUAL(idx.n, 3);
	hashidx_free(&idx);
}

/* xorshift64*: reproducible choices. */
static uint64_t rand_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return rand_state * 0x2545f4914f6cdd1dull;
}

static void test_hashidx_churn(void)
{
	/* Random adds, removals and moves against a plain array, with few
	 * distinct hashes so that probe runs are long and wrap around the
	 * table's end: after each step every position is where the array
	 * says, and nowhere else. */
	enum { SLOTS = 64, STEPS = 20000 };
	struct hashidx idx = { 0 };
	uint64_t hash_of[SLOTS];
	bool in[SLOTS] = { false }, had[SLOTS] = { false };
	size_t n = 0, bad = 0;
	CU_ASSERT_EQUAL_FATAL(hashidx_reserve(&idx, SLOTS), 0);
	for (int step = 0; step < STEPS; step++) {
		size_t p = (size_t)(next_rand() % SLOTS);
		uint64_t r = next_rand();
		if (!in[p]) {
			hash_of[p] = r % 5 == 0 ? r : r % 9; /* mostly shared hashes */
			hashidx_add(&idx, hash_of[p], p);
			in[p] = had[p] = true;
			n++;
		} else if (r % 3) {
			bad += hashidx_remove(&idx, hash_of[p], p) != 0;
			in[p] = false;
			n--;
		} else {
			/* Move it to a free position, if there is one. */
			size_t q = (size_t)(next_rand() % SLOTS);
			if (in[q])
				continue;
			bad += hashidx_move(&idx, hash_of[p], p, q) != 0;
			hash_of[q] = hash_of[p];
			in[p] = false;
			in[q] = had[q] = true;
		}
		bad += idx.n != n;
		for (size_t q = 0; q < SLOTS; q++) {
			if (!in[q])
				continue;
			bad += !holds(&idx, hash_of[q], q);
			/* Yielded once only. */
			struct hashidx_iter it;
			size_t times = 0;
			for (size_t i = hashidx_first(&idx, hash_of[q], &it); i != HASHIDX_NONE;
			     i = hashidx_next(&idx, &it))
				times += i == q;
			bad += times != 1;
		}
		/* Nothing removed or moved away is found where it was. */
		for (size_t q = 0; q < SLOTS; q++)
			if (!in[q] && had[q])
				bad += holds(&idx, hash_of[q], q);
		if (bad)
			break; /* a broken table may fill up: stop at the first wrong step */
	}
	CU_ASSERT_EQUAL(bad, 0);
	hashidx_free(&idx);
}

static void test_hashidx_fnv1a(void)
{
	/* FNV-1a 64-bit reference values. */
	CU_ASSERT_EQUAL(hashidx_string(""), 0xcbf29ce484222325ull);
	CU_ASSERT_EQUAL(hashidx_string("a"), 0xaf63dc4c8601ec8cull);
	CU_ASSERT_EQUAL(hashidx_string("foobar"), 0x85944171f73967e8ull);
	/* In pieces as at once. */
	CU_ASSERT_EQUAL(hashidx_bytes(hashidx_bytes(HASHIDX_BASIS, "foo", 3), "bar", 3),
			hashidx_string("foobar"));
}

static CU_TestInfo hashidx_tests[] = {
	{ "empty", test_hashidx_empty },
	{ "several_under_one_hash", test_hashidx_several_under_one_hash },
	{ "shared_bits", test_hashidx_shared_bits },
	{ "growth", test_hashidx_growth },
	{ "reserve_too_many", test_hashidx_reserve_too_many },
	{ "remove_and_move", test_hashidx_remove_and_move },
	{ "churn", test_hashidx_churn },
	{ "fnv1a", test_hashidx_fnv1a },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_suites[] = {
	{ "hashidx", NULL, NULL, NULL, NULL, hashidx_tests },
	CU_SUITE_INFO_NULL,
};
