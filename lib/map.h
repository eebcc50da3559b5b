/*
 * map.h: the one hash map of lib/: 64-bit keys to 64-bit values.
 *
 * Open addressing with linear probing in one array of (key, value) slots,
 * a power of two long; a key's home slot is Fibonacci hashing of the key
 * (multiply, keep the high bits), so keys that are already hashes
 * (fingerprints of strings) and keys that are small counters both spread.
 * The table doubles before it is two thirds full; deletion shifts the run
 * back, so there are no tombstones and lookups stay short.
 *
 * Every key is allowed, 0 too (held beside the table).  A value is what
 * the caller makes of it: a count, an index into the caller's own arrays
 * (the usual way to keep records: the map holds "key -> row", the rows
 * live in a growing array), or a pointer stored as (uintptr_t).  Keys
 * that stand for longer things (strings, pairs) are the caller's hashes:
 * the map never sees the things, so a caller that cannot accept a rare
 * 64-bit collision compares the things itself.
 *
 * Ownership: the map owns its slot array only.  What values point to is
 * the caller's, to free before oed_map_release (walk with oed_map_next).
 * A value pointer returned by oed_map_get or oed_map_put is valid until
 * the next put, set, del, reserve or clear.  Not thread-safe.
 */
#ifndef OED_MAP_H
#define OED_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct oed_map_slot {
	uint64_t key;		/* 0: empty */
	uint64_t val;
};

struct oed_map {
	struct oed_map_slot *slot;
	size_t cap;		/* 0 or a power of two */
	size_t used;		/* slots holding a key (key 0 not counted) */
	unsigned shift;		/* 64 - log2(cap) */
	bool has_zero;		/* key 0 is present, its value in zero_val */
	uint64_t zero_val;
};

#define OED_MAP_INIT { NULL, 0, 0, 64, false, 0 }

/*
 * Keys for pairs of 64-bit values: the first key to try for (x, y); a key
 * another pair holds (about once in 2^64) moves on by OED_MAP_PAIR_STEP,
 * so the caller keeps x and y in its rows and compares them.
 */
#define OED_MAP_PAIR_STEP 0x9E3779B97F4A7C15ULL
static inline uint64_t
oed_map_pair_key(uint64_t x, uint64_t y)
{
	uint64_t h = x ^ (y * 0xC2B2AE3D27D4EB4FULL);

	return h ^ (h >> 29);
}

void oed_map_init(struct oed_map *m);
/* Free the slots; the map is empty and usable again. */
void oed_map_release(struct oed_map *m);
/* Remove every key, keep the memory. */
void oed_map_clear(struct oed_map *m);
/* Room for n keys in all without growing; 0 or -1 (out of memory). */
int oed_map_reserve(struct oed_map *m, size_t n);
/* Number of keys held. */
static inline size_t
oed_map_size(const struct oed_map *m)
{
	return m->used + m->has_zero;
}

/* Home slot of key in a table of 2^(64 - shift) slots. */
static inline size_t
oed_map_home_(uint64_t key, unsigned shift)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> shift);
}

/* The value of key, or NULL when key is absent.  Inline: it is the hot path. */
static inline uint64_t *
oed_map_get(const struct oed_map *m, uint64_t key)
{
	size_t i, mask;

	if (key == 0)
		return m->has_zero ? (uint64_t *)&m->zero_val : NULL;
	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	for (i = oed_map_home_(key, m->shift);; i = (i + 1) & mask) {
		if (m->slot[i].key == key)
			return &m->slot[i].val;
		if (m->slot[i].key == 0)
			return NULL;
	}
}

/*
 * The value of key, added with value 0 when absent (*added says which,
 * added may be NULL); NULL when out of memory, and then nothing changed.
 */
uint64_t *oed_map_put(struct oed_map *m, uint64_t key, bool *added);
/* key -> val, added or replaced; 0 or -1 (out of memory). */
int oed_map_set(struct oed_map *m, uint64_t key, uint64_t val);
/* Remove key; true when it was there (its value in *val unless val is NULL). */
bool oed_map_del(struct oed_map *m, uint64_t key, uint64_t *val);

/*
 * Walk every key once, in no particular order: start with *it = 0, call
 * until it returns false.  Only oed_map_next and oed_map_get (and writing
 * through the value pointers) may be used on the map during the walk.
 */
bool oed_map_next(const struct oed_map *m, size_t *it, uint64_t *key, uint64_t *val);

#endif
