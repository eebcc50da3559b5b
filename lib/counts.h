/*
 * counts.h: count tables keyed by 64-bit fingerprints.
 *
 * Strings are not stored: each value is hashed with XXH3-64 and only the
 * fingerprint is counted, so memory grows with the number of distinct
 * classes, not with text length.  Two different strings share a
 * fingerprint with probability about k^2 / 2^65 for k distinct strings
 * (for a million distinct outputs, about 3e-8), which oed accepts.
 *
 * A cell table counts pairs (x, y) and keeps both keys, so that results
 * per x can be computed after one pass.  Results are computed from sorted
 * copies, never in hash-table order, so they do not depend on the order
 * records arrived in.
 */
#ifndef OED_COUNTS_H
#define OED_COUNTS_H

#include <stddef.h>
#include <stdint.h>

struct oed_cell {
	uint64_t x, y;
	double n;
};

struct oed_cells {
	struct oed_cell *slot;	/* open addressing; n == 0 marks a free slot */
	size_t cap, used;
	double total;
};

uint64_t oed_fingerprint(const char *s, size_t len);

void oed_cells_init(struct oed_cells *t);
void oed_cells_release(struct oed_cells *t);
/* Add weight w (> 0) to cell (x, y); 0 or -1 on out of memory. */
int oed_cells_add(struct oed_cells *t, uint64_t x, uint64_t y, double w);
/* The non-empty cells, sorted by (x, y); caller frees.  NULL when empty. */
struct oed_cell *oed_cells_sorted(const struct oed_cells *t, size_t *n);

#endif
