/*
 * counts.h: count tables keyed by 64-bit fingerprints.
 *
 * Strings are not stored: each value is hashed with XXH3-64 and only the
 * fingerprint is counted, so memory grows with the number of distinct
 * classes, not with text length.  Two different strings share a
 * fingerprint with probability about k^2 / 2^65 for k distinct strings
 * (for a million distinct outputs, about 3e-8), which oed accepts.
 *
 * struct oed_tab: rows of one to three keys with exact counts.  A count
 *    is a 64.64 fixed-point number (struct oed_count), so sums of weights
 *    are exact and do not depend on the order they were added in: a table
 *    built in one pass and one merged from shards hold the same bits.
 *    Whole counts stay whole; a fractional weight keeps 64 binary places
 *    (what a double holds below 2^-64 is dropped).
 *
 * Results are computed from sorted copies (oed_tab_sorted), never in
 * hash-table order, so they do not depend on the order records arrived in.
 *
 * struct oed_names maps a fingerprint to the first text seen for it, for
 * the few outputs that must name what they count (per-input records).
 *
 * Tables own their memory; sorted copies belong to the caller.
 */
#ifndef OED_COUNTS_H
#define OED_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"
#include "map.h"

uint64_t oed_fingerprint(const char *s, size_t len);

/* One (x, y) cell of a two-way table with its count, as mi.h takes them. */
struct oed_cell {
	uint64_t x, y;
	double n;
};

/* ---- exact counts ---- */

/* whole + frac / 2^64; zero is the empty count. */
struct oed_count {
	uint64_t whole, frac;
};

#define OED_COUNT_ONE ((struct oed_count){ 1, 0 })

/*
 * A weight as an exact count: 0, or -1 when w is negative, not finite or
 * 2^64 or more.
 */
int oed_count_from_double(double w, struct oed_count *c);
/* a += b; 0, or -1 when the whole part would pass 2^64 - 1. */
int oed_count_add(struct oed_count *a, const struct oed_count *b);
/* a = m * b for a whole multiplier; 0 or -1 on overflow. */
int oed_count_mul(struct oed_count *a, uint64_t m, const struct oed_count *b);
/* The nearest double. */
double oed_count_value(const struct oed_count *c);
static inline bool
oed_count_is_zero(const struct oed_count *c)
{
	return c->whole == 0 && c->frac == 0;
}
int oed_count_cmp(const struct oed_count *a, const struct oed_count *b);

/* ---- exact tables of one to three keys ---- */

#define OED_TAB_MAXKEYS 3

struct oed_row {
	uint64_t k[OED_TAB_MAXKEYS];	/* keys past nkeys are 0 */
	struct oed_count n;
};

struct oed_tab {
	/*
	 * Open addressing over slots of nkeys + 2 words: the keys, then the
	 * count's whole and fractional parts; a zero count marks a free slot.
	 * Rows are only as wide as their keys (32 bytes for pairs), since the
	 * table is the memory of a run.
	 */
	uint64_t *slot;
	size_t cap, used;
	unsigned nkeys;
	bool fractional;	/* some count has a fractional part */
	struct oed_count total;
};

void oed_tab_init(struct oed_tab *t, unsigned nkeys);
void oed_tab_release(struct oed_tab *t);
/*
 * Add w to the row with keys k[0..nkeys); a zero w is ignored.  0, or -1
 * with err set (out of memory, or a count past 2^64).
 */
int oed_tab_add(struct oed_tab *t, const uint64_t *k, const struct oed_count *w,
		struct oed_err *err);
/* The same, with the row's count after the addition in *now (unless w is zero). */
int oed_tab_add_get(struct oed_tab *t, const uint64_t *k, const struct oed_count *w,
		    struct oed_count *now, struct oed_err *err);
/* Slot i (0 <= i < cap) into *row: 1 when it holds a row, else 0. */
int oed_tab_get(const struct oed_tab *t, size_t i, struct oed_row *row);
/* Add every row of src (same nkeys) to t. */
int oed_tab_merge(struct oed_tab *t, const struct oed_tab *src, struct oed_err *err);
/*
 * The rows sorted by keys, in a new array the caller frees (NULL when the
 * table is empty).  0, or -1 with err set (out of memory).
 */
int oed_tab_sorted(const struct oed_tab *t, struct oed_row **rows, size_t *n,
		   struct oed_err *err);
/*
 * The same, taking the table's memory: the rows are sorted where the hash
 * slots were, so the peak is the table alone, not the table and a copy.
 * The table is left empty (released).  0, or -1 with err set.
 */
int oed_tab_take_sorted(struct oed_tab *t, struct oed_row **rows, size_t *n, struct oed_err *err);
/* Sort in place, like qsort but never allocating (introsort; not stable). */
void oed_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Order of rows by their keys, for qsort (all OED_TAB_MAXKEYS keys). */
int oed_row_cmp(const void *a, const void *b);

/* ---- fingerprint -> text ---- */

/*
 * Texts by key, packed one after another in one arena: a key costs a map
 * slot and its text, not an allocation.  A pointer from oed_names_get is
 * valid until the next put.
 */
struct oed_names {
	struct oed_map map;	/* key -> offset of the text in the arena */
	struct oed_buf text;	/* NUL-terminated texts */
};

void oed_names_init(struct oed_names *m);
void oed_names_release(struct oed_names *m);
/* Keep s[0..len) for key unless a text is already kept; 0 or -1 (out of memory). */
int oed_names_put(struct oed_names *m, uint64_t key, const char *s, size_t len);
/* The text kept for key, or NULL. */
const char *oed_names_get(const struct oed_names *m, uint64_t key);
/* The number of keys. */
size_t oed_names_size(const struct oed_names *m);
/* Walk the keys in no order: *it = 0 first; false at the end. */
bool oed_names_next(const struct oed_names *m, size_t *it, uint64_t *key);

#endif
