/*
 * mi.h: mutual information and its normalisations from a table of (x, y)
 * cells, with scikit-learn's definitions and special cases.  All in nats.
 *
 *   mi    I(X;Y) = sum n_xy/N log(N n_xy / (n_x n_y))  (plug-in), clipped
 *         at 0 as scikit-learn clips it; 0 when either side is one class
 *   nmi   I / avg(H(X), H(Y)); 1 when both sides are one class (or both
 *         empty), else 0 when I = 0
 *   emi   E[I] under the hypergeometric model of random labelings with
 *         the same marginals (Vinh, Epps and Bailey 2010), the quantity
 *         scikit-learn's expected_mutual_information computes
 *   ami   (I - E[I]) / (avg(H(X), H(Y)) - E[I]); 1 when both sides are
 *         one class (or both empty); the denominator kept at least machine
 *         epsilon away from 0, keeping its sign, as scikit-learn does
 *   vi    variation of information H(X) + H(Y) - 2 I (Meila 2007)
 *   h_x_given_y, h_y_given_x   H(X) - I and H(Y) - I
 *   cmi   I(X;Y|Z) = sum_z p(z) I(X;Y|Z=z), the plug-in conditional MI
 *
 * avg is the arithmetic, geometric, min or max mean.  Entropies are
 * computed so that a nearly pure table keeps its relative precision (the
 * dominant class's term goes through log1p), which is more accurate than
 * scipy's -sum p log p when one class holds nearly all the weight.
 *
 * Cost: O(cells) for a table whose rows and columns are numbered, plus a
 * sort when the caller has only keys (oed_mi_compute, oed_cmi).  E[I] needs
 * whole counts; it runs over pairs of *distinct* marginal values weighted by
 * how many rows and columns share them, and over each pair's hypergeometric
 * law outward from its mode until the rest weighs under 1e-18 of it, so it
 * never builds a rows x columns matrix and large tables whose rows have
 * few distinct sizes stay cheap.
 *
 * Estimator-corrected MI and conditional MI (I = H(X) + H(Y) - H(X,Y) with
 * a chosen entropy estimator) live in estimators.h.
 */
#ifndef OED_MI_H
#define OED_MI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "diag.h"

enum oed_average { OED_AVG_ARITHMETIC, OED_AVG_GEOMETRIC, OED_AVG_MIN, OED_AVG_MAX };

int oed_average_parse(const char *name, enum oed_average *out, struct oed_err *err);
const char *oed_average_name(enum oed_average a);
double oed_average(enum oed_average a, double u, double v);

struct oed_mi {
	double n;
	size_t nx, ny;
	double h_x, h_y, mi, emi;	/* nats; emi is 0 when not asked for */
	double nmi[4], ami[4];		/* by enum oed_average */
	double h_xy;			/* joint plug-in entropy */
	double h_x_given_y, h_y_given_x, vi;	/* clipped at 0 */
};

/*
 * A sparse contingency table: cell c is row ci[c], column cj[c], count
 * nij[c] (>= 0; zero cells may be present and are ignored).  Cells sorted
 * by (row, column) with no repeats are used as they are; otherwise they
 * are sorted and repeats added up (O(cells log cells)).  a and b are
 * the row and column sums; either may be NULL, and is then computed from
 * the cells.  n is the total (computed when 0).  Rows or columns with a
 * zero sum are not classes: they are left out of counts and entropies.
 */
struct oed_contingency {
	size_t nrows, ncols, ncells;
	const double *a, *b;
	const size_t *ci, *cj;
	const double *nij;
	double n;
};

/*
 * Everything in struct oed_mi from a table.  With want_emi, E[I] and AMI
 * are computed and the counts must be whole (else -1 with err); without
 * it, emi is 0 and ami is left 0 (1 when both sides are one class).
 * -1 with err also on a negative or non-finite count, an index out of
 * range, or out of memory.
 */
int oed_mi_table(const struct oed_contingency *t, bool want_emi, struct oed_mi *out,
		 struct oed_err *err);

/* The same from cells sorted by (x, y); with want_emi the counts must be whole. */
int oed_mi_compute(const struct oed_cell *cells, size_t ncells, bool want_emi, struct oed_mi *out,
		   struct oed_err *err);

/*
 * E[I] in nats: sum over i < r, j < c of the expected share of the pair
 * (a[i], b[j]) in a table of total n.  The a and b must be whole numbers;
 * for the E[I] of a table they are its row and column sums.  NAN when out
 * of memory.
 */
double oed_expected_mi(const double *a, size_t r, const double *b, size_t c, double n);

/* One (x, y, z) cell of a three-way table. */
struct oed_xyz {
	uint64_t x, y, z;
	double n;
};

/*
 * Plug-in I(X;Y|Z) in nats from cells in any order (no two with the same
 * keys); 0 for an empty table.  -1 with err on a negative or non-finite
 * count or out of memory.
 */
int oed_cmi(const struct oed_xyz *cells, size_t ncells, double *cmi, struct oed_err *err);

/*
 * Cells (row[c], col[c], n[c]) sorted by (row, column) with repeats added
 * up (a NaN or negative count stays its own cell, for the caller to
 * report): *rc_out holds the rows and, from (*rc_out)[ncells] on, the
 * columns; *n_out the counts; *nout how many cells.  Both malloc'd.
 * 0, or -1 with err set (out of memory).
 */
int oed_cells_merge(const size_t *row, const size_t *col, const double *n, size_t ncells,
		    size_t **rc_out, double **n_out, size_t *nout, struct oed_err *err);

/*
 * Check the counts of cells (finite, non-negative), copy them to s (room
 * for ncells) sorted by (z, x, y), merge repeated keys and drop empty
 * cells: the number of cells left, or (size_t)-1 with err set (OED_EX_DATA).
 */
size_t oed_xyz_merge(const struct oed_xyz *cells, size_t ncells, struct oed_xyz *s,
		     struct oed_err *err);

#endif
