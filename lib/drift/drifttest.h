/*
 * drifttest.h: two-sample tests and distances for distribution drift.
 *
 * Pure functions: a reference sample and a current sample go in, one
 * struct oed_drift_result comes out.  Three shapes of data:
 *
 *   numeric      two arrays of finite doubles;
 *   categorical  two count tables over the same K categories (category j
 *                is ref_counts[j] and cur_counts[j]);
 *   vector       two row-major arrays of embeddings, nref x dim and
 *                ncur x dim.
 *
 * Each test matches the scipy 1.10 function named for it in
 * man/oed-drift-tests.txt (ks_2samp, mannwhitneyu, ...) to 1e-6 relative or
 * better, the reference sample passed as scipy's first argument; that file
 * gives every formula, p-value method, default threshold and edge case.
 *
 * Sorting: every numeric test needs each sample sorted, and sorting is
 * most of the cost, so oed_drift_numeric() sorts its arrays IN PLACE unless
 * params->sorted says they already are.  A caller running several tests on
 * one pair sorts once with oed_drift_sort() and sets params->sorted.
 * Nothing else is written to caller memory; results point only to static
 * strings.  All functions are re-entrant (no global state).
 *
 * Errors (return -1, err set, status OED_EX_DATA unless said): an empty
 * sample, a NaN or infinity in a numeric sample, a negative or non-finite
 * count, a test that needs more data than given (epps_singleton needs 5
 * values per sample, cvm and ttest 2, anderson 4 in all, mmd 2 rows per
 * sample) or variation it lacks (epps_singleton: a zero interquartile
 * range, or both samples constant), a test not defined for the data's
 * shape (ks on categories), the wrong number of categories (z and fisher
 * need at most 2), out of memory (status OED_EX_FAIL).
 */
#ifndef OED_DRIFTTEST_H
#define OED_DRIFTTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct oed_drift_params;
struct oed_drift_result;
struct oed_drift_test;

/*
 * The functions of a row, one per shape of data it takes.  They get the
 * data already checked by the entry points below (oed_drift_numeric() and
 * the others: not empty, finite, numbers sorted) and fill res; the entry
 * point then makes the decision.  0, or -1 with err set.
 */
typedef int oed_drift_numeric_fn(const struct oed_drift_test *t, const double *ref, size_t nref,
				 const double *cur, size_t ncur, const struct oed_drift_params *p,
				 struct oed_drift_result *res, struct oed_err *err);
typedef int oed_drift_categorical_fn(const struct oed_drift_test *t, const double *rc,
				     const double *cc, size_t k, const struct oed_drift_params *p,
				     struct oed_drift_result *res, struct oed_err *err);
typedef int oed_drift_vector_fn(const struct oed_drift_test *t, const double *ref, size_t nref,
				const double *cur, size_t ncur, size_t dim,
				const struct oed_drift_params *p, struct oed_drift_result *res,
				struct oed_err *err);
/* A distance between two proportion vectors of k cells (psi kl js tvd hellinger). */
typedef double oed_drift_distance_fn(const double *p, const double *q, size_t k, double log_base);

/* Flags of a row. */
#define OED_DTF_P	0x1u	/* drift means p < threshold; else statistic >= threshold */
#define OED_DTF_FLOOR	0x2u	/* zero proportions are raised to epsilon first (psi, kl) */
#define OED_DTF_MEANS	0x4u	/* a vector test of the mean rows only: callers may pass one row each */

/*
 * The drift tests are one table, in lib/drift/drifttest.c: adding a test is its
 * functions and one row.  The kinds of data a test applies to are the
 * functions it has; parsers, --help lists, "did you mean" and the man
 * page's check all read this table.
 */
struct oed_drift_test {
	const char *name;	/* "ks", ... as on the command line */
	unsigned flags;		/* OED_DTF_* */
	double threshold;	/* the default */
	const char *statistic;	/* what .statistic holds, e.g. "D", "psi" */
	/*
	 * The fewest values (rows) per sample for a result to count: a
	 * distance compared with a fixed threshold swings on a few values, so
	 * the distances ask for OED_DRIFT_MIN_DISTANCE; tests with a p-value
	 * account for the sample size themselves (0: only what they need to run).
	 */
	unsigned min_n;
	const char *help;	/* one line for lists */
	oed_drift_numeric_fn *numeric;		/* NULL: not a test for numbers */
	oed_drift_categorical_fn *categorical;	/* NULL: not for categories */
	oed_drift_vector_fn *vector;		/* NULL: not for embeddings */
	oed_drift_distance_fn *distance;	/* the binned distances: on proportions */
};

#define OED_DRIFT_MIN_DISTANCE 30

/* The data shapes a test accepts (oed_drift_kinds()). */
#define OED_DK_NUMERIC		1u
#define OED_DK_CATEGORICAL	2u
#define OED_DK_VECTOR		4u

/* The table: *n rows, in the order of the man page. */
const struct oed_drift_test *oed_drift_tests(size_t *n);
/* The row named name, or NULL. */
const struct oed_drift_test *oed_drift_test_find(const char *name);
/* OED_DK_* bits: the shapes t has a function for. */
unsigned oed_drift_kinds(const struct oed_drift_test *t);
/* Whether t decides on a p-value. */
bool oed_drift_has_p(const struct oed_drift_test *t);
/*
 * err (OED_EX_USAGE) for a name that is no test, as oed_err_unknown()
 * words it: "WHAT: unknown test 'kss'; did you mean 'ks'? choices: ks,
 * wasserstein, ...".  Returns -1.
 */
int oed_drift_test_unknown(const char *what, const char *name, struct oed_err *err);


struct oed_progress;

struct oed_drift_params {
	double threshold;	/* NAN: the test's default (its row) */
	bool sorted;		/* numeric samples are already ascending */
	unsigned bins;		/* psi/kl/js/tvd/hellinger on numbers: quantile bins (10) */
	double epsilon;		/* floor for zero proportions in psi and kl (1e-4); js needs none */
	double log_base;	/* kl and js: 2 (bits) or e or 10 */
	unsigned long permutations;	/* mmd: permutations for the p-value (200) */
	uint64_t seed;		/* mmd: subsample and permutation seed (0) */
	size_t max_rows;	/* mmd: rows kept per sample (500); more are subsampled */
	struct oed_progress *progress;	/* mmd: its kernel and permutations shown; NULL: not */
};

#define OED_DRIFT_PARAMS_INIT { NAN, false, 10, 1e-4, 2.0, 200, 0, 500, NULL }

/* Notes a result may carry (bits in .notes); the tool turns them into warnings. */
#define OED_DN_SMALL_EXPECTED	0x01u	/* chi2/g_test: an expected count below 5 */
#define OED_DN_P_CAPPED		0x02u	/* anderson: true p-value is larger than 0.25 */
#define OED_DN_P_FLOORED	0x04u	/* anderson: true p-value is smaller than 0.001 */
#define OED_DN_SUBSAMPLED	0x08u	/* mmd: a sample had more than max_rows rows */
#define OED_DN_RANK_DEFICIENT	0x10u	/* epps_singleton: covariance not of full rank */
#define OED_DN_DEGENERATE	0x20u	/* no variation to test (see the test's notes) */
#define OED_DN_DROPPED		0x40u	/* categories empty in both samples were dropped */
#define OED_DN_ZERO_MEAN	0x200u	/* mean_cosine: a mean vector is zero, without direction */
#define OED_DN_SUMMARISED	0x100u	/* set by the engine: a baseline's order statistics stood for the reference */
#define OED_DN_INFINITE		0x80u	/* ttest (constant samples) or fisher (a zero cell): infinite statistic */

struct oed_drift_result {
	double statistic;	/* may be +-inf where documented (ttest, fisher), never NaN */
	double p_value;		/* NAN when has_p is false */
	bool has_p;
	double threshold;	/* the one used */
	bool drift;
	double df;		/* degrees of freedom (ttest, chi2, g_test, epps_singleton), else NAN */
	const char *method;	/* "exact", "asymptotic", "permutation", "distance", ... */
	unsigned notes;		/* OED_DN_* */
};

/* One line of text for a single OED_DN_* bit ("" for an unknown bit). */
const char *oed_drift_note_text(unsigned note);

/*
 * Sort x[0..n) ascending in place (a radix sort: O(n), n doubles of
 * scratch).  Fails on NaN or infinity (OED_EX_DATA) or out of memory.
 */
int oed_drift_sort(double *x, size_t n, struct oed_err *err);

/*
 * Numeric tests: ks wasserstein wasserstein_normed cvm anderson mannwhitney
 * energy epps_singleton ttest, and psi kl js tvd hellinger on quantile bins
 * of the reference.  Sorts ref and cur in place unless params->sorted.
 * params may be NULL for the defaults.
 */
int oed_drift_numeric(const struct oed_drift_test *t, double *ref, size_t nref, double *cur,
		      size_t ncur, const struct oed_drift_params *params,
		      struct oed_drift_result *res, struct oed_err *err);

/*
 * Categorical tests: psi kl js chi2 g_test z tvd hellinger fisher on
 * counts (non-negative; fisher needs integers).  A category with zero
 * counts in both samples is dropped before any test.
 */
int oed_drift_categorical(const struct oed_drift_test *t, const double *ref_counts,
			  const double *cur_counts, size_t ncat,
			  const struct oed_drift_params *params,
			  struct oed_drift_result *res, struct oed_err *err);

/* Vector tests: mean_cosine mean_euclidean mmd on row-major embeddings. */
int oed_drift_vector(const struct oed_drift_test *t, const double *ref, size_t nref,
		     const double *cur, size_t ncur, size_t dim,
		     const struct oed_drift_params *params,
		     struct oed_drift_result *res, struct oed_err *err);

/*
 * The quantile bins used by psi/kl/js/tvd/hellinger on numbers, for
 * callers that want to show them: edges[0..bins-1) receive the inner
 * edges (numpy's linear quantiles of sorted ref at k/bins), and
 * rcount/ccount[0..bins) the counts of the sorted samples in
 * (-inf, e1], (e1, e2], ..., (e_{bins-1}, +inf).
 */
void oed_drift_bin(const double *ref, size_t nref, const double *cur, size_t ncur,
		   unsigned bins, double *edges, double *rcount, double *ccount);

#endif
