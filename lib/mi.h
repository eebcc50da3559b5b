/*
 * mi.h: mutual information and its normalisations from a table of (x, y)
 * cells, with scikit-learn's definitions and special cases:
 *
 *   mi    I(X;Y) = sum n_xy/N log(N n_xy / (n_x n_y))           (plug-in)
 *   nmi   I / avg(H(X), H(Y)); 1 when both sides are one class, 0 when I = 0
 *   emi   E[I] under the hypergeometric model of random labelings with
 *         the same marginals (Vinh, Epps and Bailey 2010)
 *   ami   (I - E[I]) / (avg(H(X), H(Y)) - E[I]); 1 when both sides are
 *         one class; the denominator kept at least machine epsilon away
 *         from 0, keeping its sign
 *   vi    variation of information H(X) + H(Y) - 2 I
 *
 * avg is the arithmetic, geometric, min or max mean.  E[I] needs integer
 * counts; it sums over pairs of distinct marginal values, each weighted by
 * how many rows and columns share them, so tables whose inputs all have
 * the same number of samples cost little.
 */
#ifndef OED_MI_H
#define OED_MI_H

#include <stddef.h>

#include "counts.h"
#include "diag.h"

enum oed_average { OED_AVG_ARITHMETIC, OED_AVG_GEOMETRIC, OED_AVG_MIN, OED_AVG_MAX };

int oed_average_parse(const char *name, enum oed_average *out, struct oed_err *err);
const char *oed_average_name(enum oed_average a);
double oed_average(enum oed_average a, double u, double v);

struct oed_mi {
	double n;
	size_t nx, ny;
	double h_x, h_y, mi, emi;	/* nats */
	double nmi[4], ami[4];		/* by enum oed_average */
};

/* From cells sorted by (x, y); counts must be whole numbers. */
int oed_mi_compute(const struct oed_cell *cells, size_t ncells, struct oed_mi *out,
		   struct oed_err *err);

/* E[I] in nats for row sums a[0..r), column sums b[0..c), total n. */
double oed_expected_mi(const double *a, size_t r, const double *b, size_t c, double n);

#endif
