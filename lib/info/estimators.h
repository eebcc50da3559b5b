/*
 * estimators.h: entropy estimators on count histograms, and mutual
 * information and conditional mutual information built from them.
 *
 * Pure functions on counts: the caller has already hashed values and
 * counted them.  Everything is in nats; tools divide by log(base).
 * Counts are doubles so weighted data works, but the estimators whose
 * formulas count records (oed_estimator_needs_integers) refuse fractions.
 * Zero counts are classes never seen: they are skipped, and the estimators
 * that depend on the number of classes K learn about them from K alone.
 *
 * On counts n_k > 0 (k = 1..m seen), N = sum n_k, K classes in all (the m
 * seen unless declared):
 *
 *   plugin        maximum likelihood: H = -sum (n_k/N) log(n_k/N)
 *   miller-madow  plugin + (m - 1) / (2N)                   (Miller 1955)
 *   chao-shen     coverage-adjusted Horvitz-Thompson (Chao and Shen
 *                 2003): C = 1 - f1/N, f1 singletons (f1 = N - 1 when all
 *                 are, as the R package entropy does, so C > 0),
 *                 p_k = C n_k / N, H = -sum p_k log p_k / (1 - (1 - p_k)^N)
 *   shrink        James-Stein shrinkage to the uniform 1/K (Hausser and
 *                 Strimmer 2009): u = lambda/K + (1 - lambda) n_k/N over K
 *                 bins, lambda = (1 - sum (n_k/N)^2) / ((N - 1) sum (1/K -
 *                 n_k/N)^2) clipped to [0, 1] (1 when N <= 1)
 *   jeffreys, laplace, sg, minimax
 *                 plug-in entropy of the Dirichlet posterior mean
 *                 (n_k + a) / (N + K a) over all K bins, a = 1/2, 1, 1/K
 *                 (Schurmann and Grassberger 1996), sqrt(N)/K
 *                 (Trybula 1958): R's entropy.Dirichlet
 *   grassberger   Grassberger (2003): H = log N - (1/N) sum n_k G(n_k),
 *                 G(n) = psi(n) + (-1)^n / 2 (psi((n+1)/2) - psi(n/2));
 *                 it does not use K, so one class seen is not proof of no
 *                 uncertainty: a single record gives gamma + log 2
 *   nsb           Nemenman, Shafee and Bialek (2002): the posterior mean
 *                 of H under a mixture of symmetric Dirichlet(beta) priors
 *                 over K bins, the mixture weighted by d xi / d beta where
 *                 xi(beta) = psi(K beta + 1) - psi(beta + 1) is the prior
 *                 mean entropy, so the prior on H is nearly flat on
 *                 [0, log K].  Integrated over log beta by adaptive
 *                 Gauss-Kronrod (15 points) around the posterior peak, with
 *                 weights in log space.  Its answer leans on K: with K the
 *                 classes seen it cannot account for unseen classes and is
 *                 weak; declare K when it is known.
 *
 * The Dirichlet family, shrink and nsb depend on K.  Every estimator gives
 * 0 for an empty histogram, and plugin, miller-madow, chao-shen and the
 * K-dependent ones give 0 for a single class with K = 1.
 *
 * Cost: O(n log n) for n counts (a sorted copy, so the result does not
 * depend on the order of counts).  nsb evaluates its integrand a few
 * hundred to a few thousand times, each over the distinct count values
 * (at most sqrt(2N) of them).
 */
#ifndef OED_ESTIMATORS_H
#define OED_ESTIMATORS_H

#include <stdbool.h>
#include <stddef.h>

#include "counts.h"
#include "diag.h"
#include "mi.h"

enum oed_estimator {
	OED_EST_PLUGIN, OED_EST_MILLER_MADOW, OED_EST_CHAO_SHEN, OED_EST_SHRINK, OED_EST_JEFFREYS,
	OED_EST_LAPLACE, OED_EST_SG, OED_EST_MINIMAX, OED_EST_GRASSBERGER, OED_EST_NSB,
};
#define OED_EST_COUNT 10

/*
 * The family: one row per estimator, indexed by enum oed_estimator.  A new
 * estimator is an enum value, a row and its function; --estimator, the
 * --help list, the man page list (checked by check_estimators) and the
 * refusals read the rows.
 */
enum {
	OED_EST_USES_K = 1,	/* depends on the number of classes K (--classes) */
	OED_EST_WHOLE = 2,	/* its formula counts records: fractional weights are refused */
};
struct oed_estimator_def {
	const char *name;
	unsigned flags;
	/* H in nats of sorted counts c[0..m) > 0 adding up to total, K = k >= m; may reorder c */
	int (*h)(double *c, size_t m, double total, double k, double *h);
	const char *help;	/* one line for --help */
};
extern const struct oed_estimator_def oed_estimators[OED_EST_COUNT];

/* A name of the table; -1 with err (usage, with a "did you mean") otherwise. */
int oed_estimator_parse(const char *name, enum oed_estimator *out, struct oed_err *err);
const char *oed_estimator_name(enum oed_estimator e);
/* Whether an estimator depends on the number of classes K. */
bool oed_estimator_uses_k(enum oed_estimator e);
/* Whether it needs whole counts (coverage, parity and gamma terms). */
bool oed_estimator_needs_integers(enum oed_estimator e);

/* psi(x) and psi'(x) for x > 0, to about 1e-15 relative. */
double oed_digamma(double x);
double oed_trigamma(double x);

/*
 * Entropy in nats of counts[0..n) (not modified).  k: the number of
 * classes K, 0 for the classes seen; otherwise a whole number at least the
 * classes seen.  0 with *h set, or -1 with err: a negative or non-finite
 * count, a fraction for an estimator that needs whole counts, a bad k, or
 * out of memory.
 */
int oed_entropy(enum oed_estimator e, const double *counts, size_t n, double k, double *h,
		struct oed_err *err);

/*
 * I(X;Y) = H(X) + H(Y) - H(X,Y), each entropy by estimator e, from (x, y)
 * cells in any order (repeated keys add up).  kx, ky: K of each side, 0
 * for the classes seen; the joint gets K = Kx Ky, every pair possible, as
 * the R package entropy treats a two-way table.  The identity is exact
 * for the plug-in; with another estimator each term is corrected on its
 * own, so the result may be slightly negative and is not clipped.
 */
int oed_mi_estimate(enum oed_estimator e, const struct oed_cell *cells, size_t ncells, double kx,
		    double ky, double *mi, struct oed_err *err);

/*
 * I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) by estimator e, from
 * (x, y, z) cells in any order; K of each joint is the product of the
 * sides' K (declared, or the classes seen when 0).  With the plug-in this
 * equals oed_cmi's sum over z up to rounding.
 */
int oed_cmi_estimate(enum oed_estimator e, const struct oed_xyz *cells, size_t ncells, double kx,
		     double ky, double kz, double *cmi, struct oed_err *err);

#endif
