/*
 * entropy.h: entropy of count tables, overall and per group, and exact
 * length statistics.  All quantities are computed in nats and converted by
 * the caller's base.  Sums run over sorted counts so that a result does not
 * depend on the order records arrived in.
 *
 * Estimators (more are listed in oed-entropy(1) as they land):
 *   plugin        maximum likelihood: H = log N - (1/N) sum n_k log n_k
 *   miller-madow  plugin + (m - 1) / (2N), m = number of non-empty classes
 */
#ifndef OED_ENTROPY_H
#define OED_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>

#include "counts.h"
#include "diag.h"
#include "jsonl.h"

enum oed_estimator { OED_EST_PLUGIN, OED_EST_MILLER_MADOW };

int oed_estimator_parse(const char *name, enum oed_estimator *out, struct oed_err *err);
const char *oed_estimator_name(enum oed_estimator e);

/* Entropy in nats of counts[0..n) (sorted in place; zeros ignored). */
double oed_entropy_nats(enum oed_estimator e, double *counts, size_t n);

/* One group (one x): its key, total count, distinct y, entropy in nats. */
struct oed_group {
	uint64_t x;
	double n;
	size_t distinct;
	double h;
};

struct oed_entropy_summary {
	double n;		/* total weight */
	size_t nx, ny;		/* distinct x and y */
	double h_x, h_y, h_xy, h_y_given_x;	/* nats */
};

/*
 * From the cells sorted by (x, y) (oed_cells_sorted).  groups, when not
 * NULL, receives one entry per x in key order (caller frees).
 */
int oed_entropy_summarize(enum oed_estimator e, const struct oed_cell *cells, size_t ncells,
			  struct oed_entropy_summary *out, struct oed_group **groups,
			  struct oed_err *err);

/* Exact statistics of non-negative integer lengths, from a histogram. */
struct oed_lenstats {
	double n, mean, sd, min, p50, p90, p99, max;
};
/*
 * hist: cells with x = length, y unused, sorted by x.  Quantiles as
 * numpy's default (linear interpolation between order statistics); sd is
 * the population standard deviation (ddof = 0).
 */
void oed_lenstats_compute(const struct oed_cell *hist, size_t n, struct oed_lenstats *out);
/* The q-quantile (0..1) of a sorted histogram, numpy's linear method. */
double oed_hist_quantile(const struct oed_cell *hist, size_t n, double total, double q);


/*
 * The class text of a record's value: strings as they are, numbers in
 * their shortest form, booleans as words; missing and null are a class of
 * their own when missing_class, else a bad record.  0 with *s and *len
 * set, 1 when the record was bad and skipped, -1 when the run must stop.
 */
int oed_class_of(struct oed_reader *r, const struct oed_value *v, const char *field,
		 bool missing_class, char tmp[32], const char **s, size_t *len,
		 struct oed_err *err);

#endif

/*
 * The accumulator oed-entropy streams records into: counts of (x, y)
 * fingerprints, the exact histogram of output lengths in code points, and
 * (only when asked) the first text seen for each x, for per-input output.
 */
struct oed_entropy_acc {
	struct oed_cells cells;
	struct oed_cells lengths;	/* x = length, y = 0 */
	struct oed_cells token_lengths;	/* x = tokens, y = 0; with --tokens */
	bool keep_names;
	uint64_t *name_keys;		/* open addressing, 0 = free */
	char **names;
	size_t name_cap, name_used;
};

void oed_entropy_acc_init(struct oed_entropy_acc *a, bool keep_names);
void oed_entropy_acc_release(struct oed_entropy_acc *a);
/*
 * x may be NULL (marginal entropy of y alone); with_length says whether y
 * counts in the length statistics.  0 or -1 (out of memory).
 */
int oed_entropy_acc_add(struct oed_entropy_acc *a, const char *x, size_t xlen,
			const char *y, size_t ylen, double w, bool with_length);
/* Count an output of ntokens tokens in the token-length statistics. */
int oed_entropy_acc_add_tokens(struct oed_entropy_acc *a, size_t ntokens, double w);
/* The text of x for key, or NULL when names were not kept. */
const char *oed_entropy_acc_name(const struct oed_entropy_acc *a, uint64_t key);
