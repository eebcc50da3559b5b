/*
 * lenstats.h: exact length histograms and the statistics read from them.
 *
 * A histogram counts lengths (code points or tokens) with exact weights
 * (counts.h), so histograms built from shards merge into the very bits a
 * single pass builds.  Lengths below OED_LENHIST_DENSE are counted in an
 * array (the common case costs one addition); longer ones in a table.
 *
 * Statistics are computed from the bins in ascending order, so they do not
 * depend on the order lengths were added in:
 *   mean, sd   population moments (numpy's mean and std with ddof = 0)
 *   min, max   the smallest and largest length seen
 *   pQ         numpy's default quantile ("linear", Hyndman and Fan type 7)
 *              over the lengths repeated by their counts: with N values in
 *              order x_0 <= ... <= x_{N-1}, h = (N - 1) q and
 *              Q = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).
 *              Fractional weights use the same formula over cumulative
 *              weight (an order statistic k is the first bin whose
 *              cumulative weight passes k).
 *
 * The histogram owns its memory; bin arrays belong to the caller.
 */
#ifndef OED_LENSTATS_H
#define OED_LENSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "diag.h"

#define OED_LENHIST_DENSE 4096

struct oed_lenhist {
	struct oed_count *dense;	/* OED_LENHIST_DENSE counts, allocated on first use */
	struct oed_tab big;		/* one key: lengths from OED_LENHIST_DENSE on */
	struct oed_count total;
	bool fractional;
};

struct oed_lenbin {
	uint64_t len;
	struct oed_count n;
};

void oed_lenhist_init(struct oed_lenhist *h);
void oed_lenhist_release(struct oed_lenhist *h);
/* Count a length with weight w; 0, or -1 with err set. */
int oed_lenhist_add(struct oed_lenhist *h, uint64_t len, const struct oed_count *w,
		    struct oed_err *err);
int oed_lenhist_merge(struct oed_lenhist *h, const struct oed_lenhist *src, struct oed_err *err);
/* The non-empty bins in ascending length, caller frees (NULL when empty); 0 or -1. */
int oed_lenhist_bins(const struct oed_lenhist *h, struct oed_lenbin **bins, size_t *n,
		     struct oed_err *err);

struct oed_lensummary {
	double n, mean, sd, min, p50, p90, p99, max;
};

/* Statistics of ascending bins; all zero when there are none. */
void oed_lenhist_summary(const struct oed_lenbin *bins, size_t n, struct oed_lensummary *out);
/* The q-quantile (0 <= q <= 1) of ascending bins, numpy's linear method. */
double oed_lenhist_quantile(const struct oed_lenbin *bins, size_t n, double q);

/*
 * Exact integer moments of whole-count bins: count, sum of lengths and sum
 * of squared lengths, as decimal strings (they pass 2^64 on big corpora).
 * Written into a state so that a reader can check the histogram; -1 when
 * a count is fractional (no integer moments then).
 */
int oed_lenhist_moments(const struct oed_lenbin *bins, size_t n, char count[80],
			 char sum[80], char sumsq[80]);

#endif
