/*
 * strdict.h: a dictionary of strings to small ids, for counting values by
 * category.
 *
 * Each distinct string gets the next id (0, 1, 2 ... in the order first
 * seen) and a copy of its bytes, kept until the dictionary is released;
 * a string may hold NUL bytes, so lengths go with it.  Strings are found
 * by their 64-bit fingerprint (oed_fingerprint(), xxh3) in a map.h map: two strings with
 * the same fingerprint are taken as one, a chance of about n^2 / 2^65.
 * The dictionary is bounded: once it holds max strings, every new one
 * gets OED_STRDICT_OTHER, so that callers count them together.
 *
 * The dictionary owns its copies; oed_strdict_name() lends them.
 */
#ifndef OED_STRDICT_H
#define OED_STRDICT_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"

#define OED_STRDICT_OTHER UINT32_MAX	/* the id of every string past the bound */

struct oed_strdict {
	struct oed_map ids;	/* fingerprint -> id */
	char **names;		/* by id: NUL-terminated copies */
	size_t *lens;		/* by id: their lengths */
	size_t n, names_cap, max;
};

/* An empty dictionary that takes at most max strings. */
void oed_strdict_init(struct oed_strdict *d, size_t max);
void oed_strdict_release(struct oed_strdict *d);
/* The id of s[0..len): found, or added while the bound allows, else OED_STRDICT_OTHER; -1 out of memory. */
int64_t oed_strdict_id(struct oed_strdict *d, const char *s, size_t len);
/* Strings held (ids 0 .. n-1). */
size_t oed_strdict_size(const struct oed_strdict *d);
/* The string of id (< size) and its length in *len. */
const char *oed_strdict_name(const struct oed_strdict *d, uint32_t id, size_t *len);
/* Byte order of two ids' strings (strcmp's order, NULs included, a prefix first). */
int oed_strdict_cmp(const struct oed_strdict *d, uint32_t a, uint32_t b);

#endif
