/*
 * stats.h: the statistics behind oed-report's --compare and --trend.
 *
 * Paired comparisons of two runs on the items both hold: McNemar's exact
 * test for pass/fail scores, a sign-flip permutation test and a paired
 * percentile bootstrap for the mean difference, Holm's step-down
 * correction across scorers, and the minimum detectable effect.  Trends:
 * the Theil-Sen slope with Sen's interval and the Mann-Kendall test.
 * Pure functions of their arguments; seeded where random.
 */
#ifndef OED_REPORT_STATS_H
#define OED_REPORT_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * McNemar's exact test: b pairs passed in A only, c in B only.  The
 * two-sided binomial p-value min(1, 2 P[X <= min(b, c)]), X ~ Bin(b + c,
 * 1/2), as statsmodels' mcnemar(exact=True); 1 when b + c == 0.
 */
double oed_mcnemar_exact(unsigned long b, unsigned long c);

/*
 * Sign-flip permutation test of mean(d) == 0 for paired differences
 * d[0..n): exact over all 2^m sign patterns of the m non-zero differences
 * when m <= exact_max (scipy's permutation_test with
 * permutation_type='samples' gives the same), else rounds random patterns
 * drawn from seed with p = (1 + hits) / (1 + rounds).  Two-sided:
 * 2 min(P[T <= t], P[T >= t]), at most 1.
 */
double oed_signflip_p(const double *d, size_t n, unsigned exact_max, unsigned long rounds,
		      uint64_t seed);

/*
 * Paired percentile bootstrap of mean(d): replicates resamples of the n
 * differences with replacement; [Q(0.025), Q(0.975)] (numpy's linear
 * quantile).  0, or -1 when out of memory.
 */
int oed_paired_bootstrap(const double *d, size_t n, unsigned long replicates, uint64_t seed,
			 double *lo, double *hi);

/*
 * The sign test of k successes in n trials against p = 1/2: the two-sided
 * exact binomial p-value, as scipy.stats.binomtest(k, n).pvalue (the same
 * sum as McNemar's); 1 when n == 0.
 */
double oed_sign_test(unsigned long k, unsigned long n);

/*
 * Wilson's score interval (no continuity correction) for the proportion
 * k / n at 95%, as binomtest(k, n).proportion_ci(method='wilson'); NAN
 * when n == 0.
 */
void oed_wilson(unsigned long k, unsigned long n, double *lo, double *hi);

/* Holm's step-down adjusted p-values of p[0..m) into adj, as statsmodels' multipletests('holm'). */
void oed_holm(const double *p, size_t m, double *adj);

/*
 * The smallest true mean difference a two-sided 5% test finds with 80%
 * power at n pairs whose differences have standard deviation sd:
 * (z(0.975) + z(0.80)) sd / sqrt(n), the normal approximation.
 */
double oed_mde(double sd, size_t n);

struct oed_trend {
	double slope, lo, hi;	/* Theil-Sen slope, Sen's 95% interval */
	double intercept;	/* median(y) - slope median(x) */
	double tau;		/* Kendall's tau-b */
	double z, p_value;	/* Mann-Kendall, two-sided, normal approximation with ties */
};

/* Theil-Sen and Mann-Kendall over (x[i], y[i]); 0, or -1 when n < 3 or out of memory. */
int oed_trend(const double *x, const double *y, size_t n, struct oed_trend *t);

#endif
