#include "config.h"
#include "mi.h"
#include "entropy.h"
#include "exit.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const average_names[] = { "arithmetic", "geometric", "min", "max" };

int
oed_average_parse(const char *name, enum oed_average *out, struct oed_err *err)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, average_names[i]) == 0) {
			*out = (enum oed_average)i;
			return 0;
		}
	return oed_err_set(err, OED_EX_USAGE,
			   "--average: '%s' is not arithmetic, geometric, min or max", name);
}

const char *
oed_average_name(enum oed_average a)
{
	return average_names[a];
}

double
oed_average(enum oed_average a, double u, double v)
{
	switch (a) {
	case OED_AVG_GEOMETRIC: return sqrt(u * v);
	case OED_AVG_MIN: return u < v ? u : v;
	case OED_AVG_MAX: return u > v ? u : v;
	default: return (u + v) / 2;
	}
}

static int
dbl_cmp(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;

	return a < b ? -1 : a > b;
}

/* Distinct values of v[0..n) (sorted in place) with how often each occurs. */
static size_t
distinct(double *v, size_t n, double *val, double *mult)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), dbl_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && v[j] == v[i])
			j++;
		val[k] = v[i];
		mult[k++] = (double)(j - i);
		i = j;
	}
	return k;
}

double
oed_expected_mi(const double *a, size_t r, const double *b, size_t c, double n)
{
	double *av = malloc((r + c) * 2 * sizeof(double)), *am, *bv, *bm, *sa, *sb;
	double emi = 0, lgn = lgamma(n + 1), logn = log(n);
	size_t ka, kb;

	if (av == NULL)
		return NAN;
	am = av + r;
	bv = am + r;
	bm = bv + c;
	sa = malloc((r + c) * sizeof(double));
	if (sa == NULL) {
		free(av);
		return NAN;
	}
	sb = sa + r;
	memcpy(sa, a, r * sizeof(double));
	memcpy(sb, b, c * sizeof(double));
	ka = distinct(sa, r, av, am);
	kb = distinct(sb, c, bv, bm);
	for (size_t i = 0; i < ka; i++) {
		double ai = av[i], lga = lgamma(ai + 1), lgna = lgamma(n - ai + 1), la = log(ai);

		for (size_t j = 0; j < kb; j++) {
			double bj = bv[j], lgb = lgamma(bj + 1), lgnb = lgamma(n - bj + 1), lb = log(bj);
			double start = ai + bj - n > 1 ? ai + bj - n : 1, end = ai < bj ? ai : bj;
			double sum = 0;

			for (double nij = start; nij <= end; nij++) {
				double term2 = logn + log(nij) - la - lb;
				double gln = lga + lgb + lgna + lgnb - lgn - lgamma(nij + 1) -
					     lgamma(ai - nij + 1) - lgamma(bj - nij + 1) -
					     lgamma(n - ai - bj + nij + 1);

				sum += nij / n * term2 * exp(gln);
			}
			emi += am[i] * bm[j] * sum;
		}
	}
	free(av);
	free(sa);
	return emi;
}

struct ycell {
	uint64_t y;
	size_t index;
};

static int
ycell_cmp(const void *p, const void *q)
{
	const struct ycell *a = p, *b = q;

	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

int
oed_mi_compute(const struct oed_cell *cells, size_t ncells, struct oed_mi *out, struct oed_err *err)
{
	size_t m = ncells ? ncells : 1;
	double *ax = malloc(m * sizeof(double)), *by = malloc(m * sizeof(double));
	double *a = malloc(m * sizeof(double)), *b = malloc(m * sizeof(double));
	double *terms = malloc(m * sizeof(double));
	struct ycell *ys = malloc(m * sizeof(*ys));
	size_t nx = 0, ny = 0;
	double n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!ax || !by || !a || !b || !terms || !ys) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ncells; i++) {
		if (cells[i].n != floor(cells[i].n)) {
			oed_err_set(err, OED_EX_USAGE, "adjusted mutual information needs whole counts");
			goto out;
		}
		n += cells[i].n;
	}
	/* row sums: cells come sorted by x */
	for (size_t i = 0; i < ncells;) {
		size_t j = i;
		double s = 0;

		while (j < ncells && cells[j].x == cells[i].x)
			s += cells[j++].n;
		a[nx++] = s;
		for (size_t k = i; k < j; k++)
			ax[k] = s;
		i = j;
	}
	/* column sums through a sort by y */
	for (size_t i = 0; i < ncells; i++)
		ys[i] = (struct ycell){ cells[i].y, i };
	qsort(ys, ncells, sizeof(*ys), ycell_cmp);
	for (size_t i = 0; i < ncells;) {
		size_t j = i;
		double s = 0;

		while (j < ncells && ys[j].y == ys[i].y)
			s += cells[ys[j++].index].n;
		b[ny++] = s;
		for (size_t k = i; k < j; k++)
			by[ys[k].index] = s;
		i = j;
	}
	out->n = n;
	out->nx = nx;
	out->ny = ny;
	out->h_x = oed_entropy_nats(OED_EST_PLUGIN, memcpy(terms, a, nx * sizeof(double)), nx);
	out->h_y = oed_entropy_nats(OED_EST_PLUGIN, memcpy(terms, b, ny * sizeof(double)), ny);
	if (n > 0 && nx > 1 && ny > 1) {
		double mi = 0;

		/* in cell order, which is key order: the same sum whatever the input order */
		for (size_t i = 0; i < ncells; i++)
			mi += cells[i].n / n * (log(cells[i].n) + log(n) - log(ax[i]) - log(by[i]));
		out->mi = mi > 0 ? mi : 0;
	}
	/* one class on both sides: a perfect match, as scikit-learn defines it */
	if (nx <= 1 && ny <= 1) {
		for (int k = 0; k < 4; k++)
			out->nmi[k] = out->ami[k] = 1;
		out->emi = 0;
		rc = 0;
		goto out;
	}
	/* with one row or one column every table is the observed one: I = E[I] = 0
	 * exactly, where the sum would leave rounding noise for AMI to divide */
	out->emi = nx <= 1 || ny <= 1 ? 0 : oed_expected_mi(a, nx, b, ny, n);
	for (int k = 0; k < 4; k++) {
		double norm = oed_average((enum oed_average)k, out->h_x, out->h_y);
		double den = norm - out->emi;

		out->nmi[k] = out->mi == 0 ? 0 : out->mi / norm;
		if (den < 0)
			den = den < -DBL_EPSILON ? den : -DBL_EPSILON;
		else
			den = den > DBL_EPSILON ? den : DBL_EPSILON;
		out->ami[k] = (out->mi - out->emi) / den;
	}
	rc = 0;
out:
	free(ax);
	free(by);
	free(a);
	free(b);
	free(terms);
	free(ys);
	return rc;
}
