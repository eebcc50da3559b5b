/*
 * entropy.h: entropy of count tables, overall and per group, and exact
 * length statistics.  All quantities are computed in nats and converted by
 * the caller's base.  Sums run over sorted counts so that a result does not
 * depend on the order records arrived in.
 *
 * Estimators, on counts n_k with N = sum n_k, m classes seen, K classes
 * in all (m unless declared with --classes):
 *   plugin        maximum likelihood: H = log N - (1/N) sum n_k log n_k
 *   miller-madow  plugin + (m - 1) / (2N)
 *   chao-shen     coverage-adjusted Horvitz-Thompson (Chao and Shen 2003):
 *                 C = 1 - f1/N (f1 singletons; f1 = N - 1 when all are),
 *                 p_k = C n_k / N, H = -sum p_k log p_k / (1 - (1 - p_k)^N)
 *   shrink        James-Stein shrinkage to the uniform 1/K (Hausser and
 *                 Strimmer 2009), lambda = (1 - sum u_k^2) /
 *                 ((N - 1) sum (1/K - u_k)^2) clipped to [0, 1]
 *   jeffreys, laplace, sg, minimax
 *                 plug-in entropy of the Dirichlet posterior mean
 *                 (n_k + a) / (N + K a) over K classes, a = 1/2, 1, 1/K,
 *                 sqrt(N)/K
 *   grassberger   Grassberger (2003): H = log N - (1/N) sum n_k G(n_k),
 *                 G(n) = psi(n) + (-1)^n / 2 (psi((n+1)/2) - psi(n/2))
 * The Dirichlet family and shrinkage depend on K.
 */
#ifndef OED_ENTROPY_H
#define OED_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>

#include "counts.h"
#include "diag.h"
#include "jsonl.h"

enum oed_estimator {
	OED_EST_PLUGIN, OED_EST_MILLER_MADOW, OED_EST_CHAO_SHEN, OED_EST_SHRINK, OED_EST_JEFFREYS,
	OED_EST_LAPLACE, OED_EST_SG, OED_EST_MINIMAX, OED_EST_GRASSBERGER,
};

int oed_estimator_parse(const char *name, enum oed_estimator *out, struct oed_err *err);
const char *oed_estimator_name(enum oed_estimator e);

/* Whether an estimator depends on the number of classes K. */
bool oed_estimator_uses_k(enum oed_estimator e);
/* Whether it needs whole counts (coverage and digamma terms). */
bool oed_estimator_needs_integers(enum oed_estimator e);

/*
 * Entropy in nats of counts[0..n) (sorted in place; zeros are classes
 * never seen).  k: the number of classes, 0 for the classes seen; a k
 * below the classes seen counts as the classes seen.
 */
double oed_entropy_k(enum oed_estimator e, double *counts, size_t n, double k);
/* The same with K the classes seen. */
double oed_entropy_nats(enum oed_estimator e, double *counts, size_t n);
/* The digamma function psi(x), x > 0. */
double oed_digamma(double x);

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
/* The same with K declared for the outputs (and, in H(Y|X), per input). */
int oed_entropy_summarize_k(enum oed_estimator e, double k, const struct oed_cell *cells,
			    size_t ncells, struct oed_entropy_summary *out,
			    struct oed_group **groups, struct oed_err *err);

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

/*
 * Mergeable state (--emit-state / --merge): the accumulator as JSON Lines,
 *   {"kind":"entropy.state","version":1,"params":{...}}
 *   {"kind":"entropy.cell","x":"<hex>","y":"<hex>","n":N}     per cell
 *   {"kind":"entropy.length","unit":"chars"|"tokens","len":L,"n":N}
 *   {"kind":"entropy.name","x":"<hex>","text":"..."}          when names are kept
 * Merging adds counts, so any split of the input merges to exactly the
 * accumulator one pass over all of it would have built.
 */
struct oed_writer;
int oed_entropy_acc_emit(const struct oed_entropy_acc *a, struct oed_writer *w,
			 const json_t *params);
/* Add one state line (any kind but the header); 0 or -1 (err: what is wrong). */
int oed_entropy_acc_merge(struct oed_entropy_acc *a, json_t *rec, struct oed_err *err);
