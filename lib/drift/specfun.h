/*
 * specfun.h: special functions behind the drift tests' p-values.
 *
 * Pure functions of doubles: no allocation unless said, no state, no
 * errors reported (a domain error gives NAN; callers check their own
 * arguments first).  Survival functions are computed directly in the
 * upper tail rather than as 1 - CDF, so that p-values like 1e-200 keep
 * their relative accuracy.  Accuracy targets are 1e-12 relative or better
 * in the ranges the drift tests use, checked against scipy.special in
 * tests/unit/check_specfun.c.
 */
#ifndef OED_SPECFUN_H
#define OED_SPECFUN_H

/* log Gamma(x) for x > 0. */
double oed_lgamma(double x);
/* log B(a, b) for a, b > 0, without cancellation when a or b is large. */
double oed_lbeta(double a, double b);
/* log(1 + x) - x for x > -1, accurate near 0. */
double oed_log1pmx(double x);

/* Regularised incomplete gamma: P(a, x) and Q(a, x) = 1 - P(a, x); a > 0, x >= 0. */
double oed_gamma_p(double a, double x);
double oed_gamma_q(double a, double x);

/*
 * Regularised incomplete beta I_x(a, b) and its complement 1 - I_x(a, b);
 * a, b > 0, 0 <= x <= 1.  oed_beta_inc2 takes y = 1 - x as well, for
 * callers that know it more accurately than 1 - x.
 */
double oed_beta_inc(double a, double b, double x);
double oed_beta_incc(double a, double b, double x);
void oed_beta_inc2(double a, double b, double x, double y, double *i, double *ic);

/* Standard normal CDF and survival function (erfc-based, fine in the tails). */
double oed_normal_cdf(double x);
double oed_normal_sf(double x);

/* Chi-square survival function with k > 0 degrees of freedom. */
double oed_chi2_sf(double x, double k);

/* Student t survival function P(T > t) with df > 0 (df may be fractional). */
double oed_t_sf(double t, double df);

/*
 * Kolmogorov's limiting distribution (scipy's kstwobign): P(K > x) where
 * K = lim sqrt(n) D_n.
 */
double oed_kolmogorov_sf(double x);

/*
 * Smirnov's one-sided statistic, exact for finite n: P(D+_n >= x)
 * (scipy.special.smirnov), by the Birnbaum-Tingey sum.
 */
double oed_smirnov_sf(long n, double x);

/*
 * The two-sided one-sample statistic D_n, exact for finite n (scipy's
 * kstwo): P(D_n >= x), choosing among the Ruben-Gambino closed forms,
 * Durbin's matrix (Marsaglia-Tsang-Wang), Pomeranz's recursion, the
 * Pelz-Good expansion and 2 * smirnov exactly as Simard and L'Ecuyer
 * (2011) prescribe and scipy 1.10 implements.  Allocates a little scratch
 * memory; returns NAN only if that fails.
 */
double oed_kstwo_sf(long n, double x);

/* exp(x) K_nu(x): the modified Bessel function of the second kind, scaled; x > 0. */
double oed_bessel_k_scaled(double nu, double x);

/*
 * CDF of the Cramér-von Mises statistic's limiting distribution
 * (Csörgő and Faraway 1996, eq. 1.2), summed as scipy does: terms are added
 * until one is below 1e-7 in absolute value.
 */
double oed_cvm_inf_cdf(double x);

/* log of the binomial coefficient C(n, k), 0 <= k <= n. */
double oed_lbinom(double n, double k);

/*
 * log of the hypergeometric probability of k successes in n draws without
 * replacement from a population of N with K successes.
 */
double oed_hypergeom_logpmf(double k, double N, double K, double n);

#endif
