/*
 * waste.h: token waste (see oed-scorers(7), waste_tokens, and
 * oed-entropy(1), --waste), defined once for the waste_tokens scorer, the
 * runner of oed-bench and oed-entropy --waste.
 *
 * The outputs of one input fall into classes by an equivalence (the same
 * answer).  An output's waste is its tokens minus the fewest tokens of an
 * output of the same input in its class: what it said beyond the shortest
 * equivalent answer.  Over a class, the waste adds up to
 *     sum of tokens - n * fewest,
 * so a class is three numbers (struct oed_waste_class), whatever the order
 * its outputs come in, and two classes of one split input merge into the
 * class of the whole.  Over a run, waste_ratio = sum of waste / sum of
 * output tokens.
 *
 * struct oed_waste_tab keeps one class per (input key, class key) for a
 * streaming pass (oed-entropy): memory grows with the distinct answers per
 * input, like the count tables, not with the records.  Counts are exact
 * (counts.h), so weighted records and merged states give the same figures
 * as a single pass.  The table owns its memory; sorted copies belong to
 * the caller.
 */
#ifndef OED_INFO_WASTE_H
#define OED_INFO_WASTE_H

#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "diag.h"
#include "map.h"

/* The outputs of one class of one input. */
struct oed_waste_class {
	struct oed_count n;		/* outputs (weights) */
	struct oed_count tokens;	/* their tokens, each times its weight */
	uint64_t fewest;		/* the fewest tokens of one of them */
};

#define OED_WASTE_CLASS_INIT { { 0, 0 }, { 0, 0 }, UINT64_MAX }

/* Count an output of this many tokens with weight w; 0, or -1 past 2^64. */
int oed_waste_class_add(struct oed_waste_class *c, uint64_t tokens, const struct oed_count *w);
/* a takes in b (the same class seen elsewhere); 0, or -1 past 2^64. */
int oed_waste_class_merge(struct oed_waste_class *a, const struct oed_waste_class *b);
/* The waste of one output of the class with this many tokens. */
static inline uint64_t
oed_waste_of(const struct oed_waste_class *c, uint64_t tokens)
{
	return c->fewest < tokens ? tokens - c->fewest : 0;
}
/* The waste of every output of the class: tokens - n * fewest. */
double oed_waste_class_total(const struct oed_waste_class *c);
/* waste / tokens, or NAN without tokens. */
double oed_waste_ratio_of(double waste, double tokens);

/* ---- one class per (input, class) of a stream ---- */

struct oed_waste_cell {
	uint64_t x, y;			/* input key, class key */
	struct oed_waste_class c;
};

struct oed_waste_tab {
	struct oed_map at;		/* hash of (x, y) -> cell index */
	struct oed_waste_cell *cell;
	size_t used, cap;
};

void oed_waste_tab_init(struct oed_waste_tab *t);
void oed_waste_tab_release(struct oed_waste_tab *t);
/* Count an output of input x, class y; 0, or -1 with err set. */
int oed_waste_tab_add(struct oed_waste_tab *t, uint64_t x, uint64_t y, uint64_t tokens,
		      const struct oed_count *w, struct oed_err *err);
/* Merge a class (from a state) into the cell of (x, y); 0, or -1 with err set. */
int oed_waste_tab_put(struct oed_waste_tab *t, uint64_t x, uint64_t y,
		      const struct oed_waste_class *c, struct oed_err *err);
/*
 * Sort the cells by (x, y) in place and merge those whose keys became
 * equal (after the caller relabelled y, as --cluster does); the hash is
 * dropped, so no add or put may follow.
 */
void oed_waste_tab_settle(struct oed_waste_tab *t);

/* Figures of a set of cells. */
struct oed_waste_sum {
	double outputs, tokens, waste;
};

/* Add cells[0..n) into s. */
void oed_waste_sum_cells(struct oed_waste_sum *s, const struct oed_waste_cell *cells, size_t n);

#endif
