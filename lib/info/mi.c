#include "config.h"
#include "mi.h"
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

/*
 * The term -p log p of a class of count c in total t.  A class holding
 * most of the weight has log p close to 0: log1p of the exact remainder
 * keeps its relative precision where log(c / t) would lose it.
 */
static double
plugin_term(double c, double t)
{
	if (c <= 0)
		return 0;
	if (c > t / 2)
		return -(c / t) * log1p(-(t - c) / t);
	return (c / t) * log(t / c);
}

/* Plug-in entropy of v[0..n) with total t (0 when nothing or one class). */
static double
plugin_entropy(const double *v, size_t n, double t)
{
	double h = 0;

	if (t <= 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		h += plugin_term(v[i], t);
	return h > 0 ? h : 0;
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

	if (n > 0)
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

/* A cell's share k/N log(N k / (a b)) of I, 0 for an empty cell. */
static double
emi_term(double k, double a, double b, double n)
{
	if (k <= 0)
		return 0;
	/* one ratio, one log: the four logs of a sum would cancel to noise */
	return k / n * log((n * k) / (a * b));
}

/*
 * E[k/N log(N k / (a b))] for k hypergeometric: k of the b draws from n
 * fall in a set of a.  The law is log-concave, so its weights are walked
 * outward from the mode with the ratio of consecutive terms, and each walk
 * stops once the rest of its tail, bounded by a geometric series with the
 * last ratio, weighs under 1e-18 of what was seen.  The weights are
 * normalised by their own sum, so no lgamma of a large total enters: the
 * result keeps double precision where the closed-form pmf would lose
 * digits to lgamma(n) ~ n log n.
 */
static double
emi_pair(double a, double b, double n)
{
	double lo = a + b - n > 0 ? a + b - n : 0, hi = a < b ? a : b;
	double mode, w, sw, sf, k;

	if (a <= 0 || b <= 0 || n <= 0)
		return 0;
	if (hi <= lo)
		return emi_term(lo, a, b, n);
	mode = floor((a + 1) * (b + 1) / (n + 2));
	mode = mode < lo ? lo : mode > hi ? hi : mode;
	sw = 1;
	sf = emi_term(mode, a, b, n);
	/* upward: w(k+1)/w(k) = (a-k)(b-k) / ((k+1)(n-a-b+k+1)) */
	for (w = 1, k = mode; k < hi;) {
		double r = (a - k) * (b - k) / ((k + 1) * (n - a - b + k + 1));

		w *= r;
		k++;
		sw += w;
		sf += w * emi_term(k, a, b, n);
		if (w == 0 || (r < 1 && w * r / (1 - r) <= 1e-18 * sw))
			break;
	}
	/* downward: w(k-1)/w(k) = k(n-a-b+k) / ((a-k+1)(b-k+1)) */
	for (w = 1, k = mode; k > lo;) {
		double r = k * (n - a - b + k) / ((a - k + 1) * (b - k + 1));

		w *= r;
		k--;
		sw += w;
		sf += w * emi_term(k, a, b, n);
		if (w == 0 || (r < 1 && w * r / (1 - r) <= 1e-18 * sw))
			break;
	}
	return sf / sw;
}

double
oed_expected_mi(const double *a, size_t r, const double *b, size_t c, double n)
{
	double *buf = malloc((3 * (r + c) + 1) * sizeof(double));
	double *sa, *sb, *av, *am, *bv, *bm, emi = 0;
	size_t ka, kb;

	if (buf == NULL)
		return NAN;
	sa = buf;
	sb = sa + r;
	av = sb + c;
	am = av + r;
	bv = am + r;
	bm = bv + c;
	if (r > 0)
		memcpy(sa, a, r * sizeof(double));
	if (c > 0)
		memcpy(sb, b, c * sizeof(double));
	ka = distinct(sa, r, av, am);
	kb = distinct(sb, c, bv, bm);
	/* in sorted order of marginal values: the same sum whatever the row order */
	for (size_t i = 0; i < ka; i++)
		for (size_t j = 0; j < kb; j++)
			emi += am[i] * bm[j] * emi_pair(av[i], bv[j], n);
	free(buf);
	return emi;
}

static bool
whole(double v)
{
	return v == floor(v);
}

/* oed_mi_table on a table with each (row, column) at most once. */
static int
mi_table(const struct oed_contingency *t, bool want_emi, struct oed_mi *out, struct oed_err *err)
{
	size_t m = t->nrows + t->ncols;
	double *sums = malloc((m ? m : 1) * sizeof(double)), *a, *b;
	double n = 0, mi = 0, hxy = 0;
	size_t nz = 0;
	bool identical;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sums == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	a = sums;
	b = sums + t->nrows;
	memset(sums, 0, m * sizeof(double));
	for (size_t c = 0; c < t->ncells; c++) {
		double v = t->nij[c];

		if (!(v >= 0) || isinf(v)) {
			oed_err_set(err, OED_EX_DATA, "count %g is not a finite non-negative number", v);
			goto out;
		}
		if (t->ci[c] >= t->nrows || t->cj[c] >= t->ncols) {
			oed_err_set(err, OED_EX_FAIL, "cell %zu lies outside the %zu x %zu table", c,
				    t->nrows, t->ncols);
			goto out;
		}
		if (want_emi && !whole(v)) {
			oed_err_set(err, OED_EX_USAGE, "adjusted mutual information needs whole counts");
			goto out;
		}
		a[t->ci[c]] += v;
		b[t->cj[c]] += v;
		n += v;
	}
	if (t->a)
		memcpy(a, t->a, t->nrows * sizeof(double));
	if (t->b)
		memcpy(b, t->b, t->ncols * sizeof(double));
	if (t->n > 0)
		n = t->n;
	out->n = n;
	for (size_t i = 0; i < t->nrows; i++)
		out->nx += a[i] > 0;
	for (size_t j = 0; j < t->ncols; j++)
		out->ny += b[j] > 0;
	out->h_x = plugin_entropy(a, t->nrows, n);
	out->h_y = plugin_entropy(b, t->ncols, n);
	for (size_t c = 0; c < t->ncells; c++) {
		double v = t->nij[c];

		if (v > 0) {
			hxy += plugin_term(v, n);
			mi += emi_term(v, a[t->ci[c]], b[t->cj[c]], n);
		}
	}
	out->h_xy = hxy;
	/* one class on either side: I is 0, where the sum would leave rounding */
	if (out->nx > 1 && out->ny > 1)
		out->mi = mi > 0 ? mi : 0;
	/*
	 * As many non-empty cells as rows and as columns: the two sides are
	 * the same partition, and I = H(X) = H(Y) exactly rather than to the
	 * last bits of three different sums.
	 */
	for (size_t c = 0; c < t->ncells; c++)
		nz += t->nij[c] > 0;
	identical = nz == out->nx && nz == out->ny && nz > 1;
	if (identical)
		out->mi = out->h_y = out->h_x;
	out->h_x_given_y = fmax(out->h_x - out->mi, 0);
	out->h_y_given_x = fmax(out->h_y - out->mi, 0);
	out->vi = fmax(out->h_x + out->h_y - 2 * out->mi, 0);
	/* one class (or none) on both sides: a perfect match, as scikit-learn defines it */
	if (out->nx <= 1 && out->ny <= 1 && out->nx == out->ny) {
		for (int k = 0; k < 4; k++)
			out->nmi[k] = out->ami[k] = 1;
		rc = 0;
		goto out;
	}
	/*
	 * With one row or one column every table with these marginals is the
	 * observed one: I = E[I] = 0 exactly, where the sum would leave noise
	 * for AMI to divide.
	 */
	if (want_emi && out->nx > 1 && out->ny > 1) {
		out->emi = oed_expected_mi(a, t->nrows, b, t->ncols, n);
		if (isnan(out->emi)) {
			out->emi = 0;
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto out;
		}
	}
	for (int k = 0; k < 4; k++) {
		double norm = oed_average((enum oed_average)k, out->h_x, out->h_y);
		double den = norm - out->emi;

		out->nmi[k] = out->mi == 0 ? 0 : out->mi / norm;
		if (!want_emi)
			continue;
		/*
		 * I = E[I] = the normaliser: every table with these marginals
		 * scores the most the normaliser allows (identical partitions
		 * with all classes distinct, or one side all distinct under
		 * min).  0 / 0: take the limit of a perfect match, 1, where
		 * scikit-learn's result depends on rounding.
		 */
		if (identical || (norm > 0 && fabs(den) <= 1e-10 * norm)) {
			out->ami[k] = 1;
			continue;
		}
		/* scikit-learn's guard: E[I] may pass the normaliser by rounding */
		if (den < 0)
			den = den < -DBL_EPSILON ? den : -DBL_EPSILON;
		else
			den = den > DBL_EPSILON ? den : DBL_EPSILON;
		out->ami[k] = (out->mi - out->emi) / den;
	}
	rc = 0;
out:
	free(sums);
	return rc;
}

struct ijv {
	size_t i, j;
	double v;
};

static int
ijv_cmp(const void *p, const void *q)
{
	const struct ijv *a = p, *b = q;

	if (a->i != b->i)
		return a->i < b->i ? -1 : 1;
	return a->j < b->j ? -1 : a->j > b->j;
}

int
oed_cells_merge(const size_t *row, const size_t *col, const double *n, size_t ncells,
		size_t **rc_out, double **n_out, size_t *nout, struct oed_err *err)
{
	struct ijv *s = malloc(ncells * sizeof(*s));
	size_t *ij = malloc(2 * ncells * sizeof(*ij)), k = 0;
	double *v = malloc(ncells * sizeof(*v));

	if (s == NULL || ij == NULL || v == NULL) {
		free(s);
		free(ij);
		free(v);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (size_t c = 0; c < ncells; c++)
		s[c] = (struct ijv){ row[c], col[c], n[c] };
	qsort(s, ncells, sizeof(*s), ijv_cmp);
	for (size_t c = 0; c < ncells; c++) {
		if (k > 0 && s[c].i == ij[k - 1] && s[c].j == ij[ncells + k - 1] &&
		    s[c].v >= 0 && v[k - 1] >= 0) {
			v[k - 1] += s[c].v;
			continue;
		}
		ij[k] = s[c].i;
		ij[ncells + k] = s[c].j;
		v[k++] = s[c].v;
	}
	free(s);
	*rc_out = ij;
	*n_out = v;
	*nout = k;
	return 0;
}

/*
 * Cells sorted by (row, column) without repeats, the usual input, go
 * straight through; any other order is sorted and repeats are added up,
 * since the per-cell terms of I and H(X,Y) need each cell's whole count.
 */
int
oed_mi_table(const struct oed_contingency *t, bool want_emi, struct oed_mi *out,
	     struct oed_err *err)
{
	struct oed_contingency u = *t;
	size_t *ij, k = 0;
	double *v;
	int rc;

	for (size_t c = 0; c < t->ncells; c++)
		if (t->ci[c] >= t->nrows || t->cj[c] >= t->ncols) {
			memset(out, 0, sizeof(*out));
			return oed_err_set(err, OED_EX_FAIL, "cell %zu lies outside the %zu x %zu table",
					   c, t->nrows, t->ncols);
		}
	for (k = 1; k < t->ncells; k++)
		if (t->ci[k - 1] > t->ci[k] || (t->ci[k - 1] == t->ci[k] && t->cj[k - 1] >= t->cj[k]))
			break;
	if (k >= t->ncells)
		return mi_table(t, want_emi, out, err);
	if (oed_cells_merge(t->ci, t->cj, t->nij, t->ncells, &ij, &v, &k, err) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	u.ci = ij;
	u.cj = ij + t->ncells;
	u.nij = v;
	u.ncells = k;
	rc = mi_table(&u, want_emi, out, err);
	free(ij);
	free(v);
	return rc;
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

/*
 * Number the rows and columns of cells sorted by x: ci from the runs of x,
 * cj through a sort by y.  ci, cj and nij hold ncells entries.
 */
static int
number_cells(const struct oed_cell *cells, size_t ncells, size_t *ci, size_t *cj, double *nij,
	     struct oed_contingency *t)
{
	struct ycell *ys = malloc((ncells ? ncells : 1) * sizeof(*ys));
	size_t nx = 0, ny = 0;

	if (ys == NULL)
		return -1;
	for (size_t i = 0; i < ncells; i++) {
		if (i > 0 && cells[i].x != cells[i - 1].x)
			nx++;
		ci[i] = nx;
		nij[i] = cells[i].n;
		ys[i] = (struct ycell){ cells[i].y, i };
	}
	if (ncells > 0) {
		nx++;
		qsort(ys, ncells, sizeof(*ys), ycell_cmp);
	}
	for (size_t i = 0; i < ncells; i++) {
		if (i > 0 && ys[i].y != ys[i - 1].y)
			ny++;
		cj[ys[i].index] = ny;
	}
	if (ncells > 0)
		ny++;
	free(ys);
	*t = (struct oed_contingency){ .nrows = nx, .ncols = ny, .ncells = ncells,
				       .ci = ci, .cj = cj, .nij = nij };
	return 0;
}

int
oed_mi_compute(const struct oed_cell *cells, size_t ncells, bool want_emi, struct oed_mi *out,
	       struct oed_err *err)
{
	size_t m = ncells ? ncells : 1;
	size_t *ci = malloc(2 * m * sizeof(size_t));
	double *nij = malloc(m * sizeof(double));
	struct oed_contingency t;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (ci == NULL || nij == NULL || number_cells(cells, ncells, ci, ci + m, nij, &t) == -1)
		oed_err_set(err, OED_EX_FAIL, "out of memory");
	else
		rc = oed_mi_table(&t, want_emi, out, err);
	free(ci);
	free(nij);
	return rc;
}

static int
xyz_cmp(const void *p, const void *q)
{
	const struct oed_xyz *a = p, *b = q;

	if (a->z != b->z)
		return a->z < b->z ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return a->y < b->y ? -1 : a->y > b->y;
}

size_t
oed_xyz_merge(const struct oed_xyz *cells, size_t ncells, struct oed_xyz *s, struct oed_err *err)
{
	size_t k = 0;

	for (size_t i = 0; i < ncells; i++)
		if (!(cells[i].n >= 0) || isinf(cells[i].n)) {
			oed_err_set(err, OED_EX_DATA, "count %g is not a finite non-negative number",
				    cells[i].n);
			return (size_t)-1;
		}
	if (ncells > 0) {
		memcpy(s, cells, ncells * sizeof(*s));
		qsort(s, ncells, sizeof(*s), xyz_cmp);
	}
	/* merge repeated keys and drop empty cells */
	for (size_t i = 0; i < ncells; i++) {
		if (k > 0 && s[k - 1].z == s[i].z && s[k - 1].x == s[i].x && s[k - 1].y == s[i].y)
			s[k - 1].n += s[i].n;
		else if (s[i].n > 0)
			s[k++] = s[i];
	}
	return k;
}

int
oed_cmi(const struct oed_xyz *cells, size_t ncells, double *cmi, struct oed_err *err)
{
	size_t m = ncells ? ncells : 1, k = 0;
	struct oed_xyz *s = malloc(m * sizeof(*s));
	struct oed_cell *g = malloc(m * sizeof(*g));
	size_t *ci = malloc(2 * m * sizeof(size_t));
	double *nij = malloc(m * sizeof(double)), n = 0, sum = 0;
	int rc = -1;

	*cmi = 0;
	if (s == NULL || g == NULL || ci == NULL || nij == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	if ((k = oed_xyz_merge(cells, ncells, s, err)) == (size_t)-1)
		goto out;
	/* sum over z of n_z I(X;Y|Z=z), in key order; divide once */
	for (size_t i = 0; i < k;) {
		size_t j = i;
		struct oed_contingency t;
		struct oed_mi r;

		while (j < k && s[j].z == s[i].z) {
			g[j - i] = (struct oed_cell){ s[j].x, s[j].y, s[j].n };
			j++;
		}
		if (number_cells(g, j - i, ci, ci + m, nij, &t) == -1) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto out;
		}
		if (oed_mi_table(&t, false, &r, err) == -1)
			goto out;
		sum += r.n * r.mi;
		n += r.n;
		i = j;
	}
	*cmi = n > 0 ? sum / n : 0;
	rc = 0;
out:
	free(s);
	free(g);
	free(ci);
	free(nij);
	return rc;
}
