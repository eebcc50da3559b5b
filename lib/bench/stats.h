/*
 * stats.h: a scorer's figures over a benchmark run, with error bars.
 *
 * Scores arrive one input (cluster) at a time: the k scores of its samples
 * and how many of them passed.  From sums alone (so shards merge exactly):
 *
 *   mean     over all N scored samples
 *   stderr   clustered by input (Miller 2024, "Adding Error Bars to
 *            Evals"), the cluster-robust form with the usual G/(G-1)
 *            correction:  sqrt(G/(G-1) * sum_c (S_c - k_c m)^2) / N,
 *            S_c the sum of cluster c's scores.  With one sample per
 *            input it is the textbook s/sqrt(N).  Undefined (NaN) for
 *            fewer than two inputs.
 *   lo, hi   mean -+ 1.96 stderr (normal 95% interval)
 *   pass@k   the unbiased estimator of Chen et al. 2021 averaged over the
 *            inputs with at least k samples: 1 - C(n-c, k) / C(n, k)
 *   majority the mean score of the majority answer per input (given by
 *            the caller, who scores it)
 */
#ifndef OED_BENCH_STATS_H
#define OED_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define OED_PASSK_MAX 8

struct oed_score_stats {
	double n, sum;			/* samples and their score sum */
	double g;			/* inputs */
	double s2, sk, k2;		/* sum S_c^2, sum S_c k_c, sum k_c^2 */
	unsigned passk_k[OED_PASSK_MAX];	/* the k reported, ascending */
	size_t npassk;
	double passk_sum[OED_PASSK_MAX], passk_n[OED_PASSK_MAX];
	double maj_sum, maj_n;
};

/* samples: the samples asked per input (which pass@k values to report). */
void oed_score_stats_init(struct oed_score_stats *s, unsigned samples);
/* One input: its k scores (k >= 1) and how many passed. */
void oed_score_stats_add(struct oed_score_stats *s, const double *scores, size_t k,
			 size_t passed);
void oed_score_stats_add_majority(struct oed_score_stats *s, double value);
void oed_score_stats_merge(struct oed_score_stats *s, const struct oed_score_stats *o);

struct oed_score_result {
	double mean, stderr_, lo, hi, n;
};
void oed_score_stats_result(const struct oed_score_stats *s, struct oed_score_result *r);

struct oed_writer;
/*
 * Write a scorer's figures as the member name of the summary's metrics
 * object: mean, stderr, lo, hi (null when undefined), n, pass_at and
 * majority; r (may be NULL) gets the result.
 */
void oed_score_stats_write(struct oed_writer *w, const char *name, const struct oed_score_stats *s,
			   struct oed_score_result *r);

/* 1 - C(n-c, k)/C(n, k), computed as a stable product; NaN when k > n. */
double oed_pass_at_k(unsigned n, unsigned c, unsigned k);

#endif
