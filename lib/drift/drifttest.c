/*
 * drifttest.c: two-sample drift tests (see drifttest.h and
 * man/oed-drift-tests.txt).
 *
 * Every numeric test works on the two samples sorted ascending and walks
 * them together once, so after the O(n) radix sort each test is O(n)
 * except the exact small-sample p-values, whose cost is bounded by scipy's
 * own size limits.  Where scipy 1.10 defines the answer (ks_2samp,
 * mannwhitneyu, ...) its formulas are followed operation by operation
 * where rounding could show; the sums use compensated summation, which is
 * at least as accurate as numpy's pairwise sums.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "drifttest.h"
#include "exit.h"
#include "opt.h"
#include "progress.h"
#include "specfun.h"
#include "splitmix.h"

/* ---- notes ---- */

static const struct {
	unsigned bit;
	const char *text;
} note_texts[] = {
	{ OED_DN_SMALL_EXPECTED, "an expected count is below 5; the chi-square approximation may be poor" },
	{ OED_DN_P_CAPPED, "p-value capped at 0.25: the true value is larger" },
	{ OED_DN_P_FLOORED, "p-value floored at 0.001: the true value is smaller" },
	{ OED_DN_SUBSAMPLED, "a sample was subsampled to keep the kernel matrix bounded" },
	{ OED_DN_RANK_DEFICIENT, "the estimated covariance matrix is not of full rank" },
	{ OED_DN_DEGENERATE, "the samples have no variation to test" },
	{ OED_DN_DROPPED, "categories empty in both samples were dropped" },
	{ OED_DN_INFINITE, "the statistic is infinite or past the largest double (written as null): "
	  "constant samples with different means (ttest), a zero cell (fisher), or a distance too large" },
	{ OED_DN_SUMMARISED, "the baseline kept evenly spaced order statistics of the reference: the test "
	  "ran on n_ref of its n_ref_recorded values" },
	{ OED_DN_ZERO_MEAN, "a mean vector is zero and has no direction: the cosine distance is taken "
	  "as 1 (0 when both are zero)" },
};

const char *
oed_drift_note_text(unsigned note)
{
	for (size_t i = 0; i < sizeof(note_texts) / sizeof(note_texts[0]); i++)
		if (note_texts[i].bit == note)
			return note_texts[i].text;
	return "";
}

static const struct oed_drift_params default_params = OED_DRIFT_PARAMS_INIT;

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

/* Fill the parts of res every test sets the same way. */
static void
res_init(struct oed_drift_result *res)
{
	res->statistic = 0;
	res->p_value = NAN;
	res->has_p = false;
	res->threshold = NAN;
	res->drift = false;
	res->df = NAN;
	res->method = "";
	res->notes = 0;
}

/*
 * The decision.  Finite data can still overflow (values near 1e308 squared
 * or summed): a NaN is no answer, and the test says so rather than decide
 * on it.  An infinite statistic is one (a distance past the largest
 * double is past any threshold) and carries its note.
 */
static int
res_finish(const struct oed_drift_test *t, const struct oed_drift_params *p,
	   struct oed_drift_result *res, struct oed_err *err)
{
	if (isnan(res->statistic) || (oed_drift_has_p(t) && isnan(res->p_value)))
		return oed_err_set(err, OED_EX_DATA, "the values are too large for the arithmetic of %s "
				   "(it overflows)", t->name);
	if (isinf(res->statistic))
		res->notes |= OED_DN_INFINITE;
	res->has_p = oed_drift_has_p(t);
	if (!res->has_p)
		res->p_value = NAN;
	res->threshold = isnan(p->threshold) ? t->threshold : p->threshold;
	if (res->has_p)
		res->drift = res->p_value < res->threshold;
	else
		res->drift = res->statistic >= res->threshold;
	return 0;
}

/* ---- compensated summation (Neumaier) ---- */

struct ksum {
	double s, c;
};

static void
ks_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static double
ks_val(const struct ksum *k)
{
	return k->s + k->c;
}

/* ---- sorting ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Order-preserving map from doubles to unsigned integers. */
static uint64_t
dkey(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

int
oed_drift_sort(double *x, size_t n, struct oed_err *err)
{
	size_t i, (*cnt)[256];
	uint64_t *a, *b, *t, *keys;
	int pass;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return oed_err_set(err, OED_EX_DATA, "a sample holds a non-finite value");
	if (n < 2)
		return 0;	/* and x may be NULL */
	if (n < 256) {
		qsort(x, n, sizeof(*x), cmp_double);
		return 0;
	}
	/*
	 * LSD radix sort on the 8 bytes of the key.  The keys live in x's own
	 * storage, so the only extra memory is one n-element buffer; passes
	 * where every key has the same byte are skipped.
	 */
	b = malloc(n * sizeof(*b));
	cnt = calloc(8, sizeof(*cnt));
	if (b == NULL || cnt == NULL) {
		free(b);
		free(cnt);
		return nomem(err);
	}
	keys = (uint64_t *)(void *)x;
	a = keys;
	for (i = 0; i < n; i++) {
		uint64_t k = dkey(x[i]);

		a[i] = k;
		for (pass = 0; pass < 8; pass++)
			cnt[pass][(k >> (8 * pass)) & 0xff]++;
	}
	for (pass = 0; pass < 8; pass++) {
		size_t sum = 0, c;
		int d, shift = 8 * pass;

		if (cnt[pass][(a[0] >> shift) & 0xff] == n)
			continue;
		for (d = 0; d < 256; d++) {
			c = cnt[pass][d];
			cnt[pass][d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[cnt[pass][(a[i] >> shift) & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != keys)
		memcpy(keys, a, n * sizeof(*keys));
	for (i = 0; i < n; i++) {
		uint64_t k = keys[i], u = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;

		memcpy(&x[i], &u, sizeof(u));
	}
	free(a == keys ? b : a);
	free(cnt);
	return 0;
}

/* ---- helpers on sorted samples ---- */

/* Number of x[0..n) <= v (x ascending). */
static size_t
upper_bound(const double *x, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The k-th smallest (0-based) of the union of sorted a and b. */
static double
pooled_at(const double *a, size_t na, const double *b, size_t nb, size_t k)
{
	size_t lo, hi;

	/* find i elements from a, k+1-i from b, with the largest of them the answer */
	lo = k + 1 > nb ? k + 1 - nb : 0;
	hi = k + 1 < na ? k + 1 : na;
	while (lo < hi) {
		size_t i = lo + (hi - lo) / 2;	/* take i from a */
		size_t j = k + 1 - i;		/* and j from b */

		if (j > 0 && i < na && b[j - 1] > a[i])
			lo = i + 1;
		else
			hi = i;
	}
	{
		size_t i = lo, j = k + 1 - lo;
		double va = i > 0 ? a[i - 1] : -INFINITY, vb = j > 0 ? b[j - 1] : -INFINITY;

		return va > vb ? va : vb;
	}
}

/* numpy's default ('linear') quantile of sorted x[0..n) at q. */
static double
quantile_sorted(const double *x, size_t n, double q)
{
	double vi = (double)(n - 1) * q, prev, g, lo, hi, diff;
	size_t i;

	if (vi >= (double)(n - 1))
		return x[n - 1];
	if (vi < 0)
		return x[0];
	prev = floor(vi);
	i = (size_t)prev;
	g = vi - prev;
	lo = x[i];
	hi = x[i + 1];
	diff = hi - lo;
	return g >= 0.5 ? hi - diff * (1 - g) : lo + diff * g;
}

/* The same on the pooled sample, without building it. */
static double
pooled_quantile(const double *a, size_t na, const double *b, size_t nb, double q)
{
	size_t n = na + nb, i;
	double vi = (double)(n - 1) * q, prev, g, lo, hi, diff;

	if (vi >= (double)(n - 1))
		return pooled_at(a, na, b, nb, n - 1);
	prev = floor(vi);
	i = (size_t)prev;
	g = vi - prev;
	lo = pooled_at(a, na, b, nb, i);
	hi = pooled_at(a, na, b, nb, i + 1);
	diff = hi - lo;
	return g >= 0.5 ? hi - diff * (1 - g) : lo + diff * g;
}

/*
 * Walk the distinct values of the pooled sample in order.  After each
 * step, w->v is the value, w->i and w->j count a[] and b[] at or below it,
 * w->ca and w->cb count a[] and b[] equal to it.
 */
struct walk {
	const double *a, *b;
	size_t na, nb, i, j, ca, cb;
	double v;
};

static void
walk_init(struct walk *w, const double *a, size_t na, const double *b, size_t nb)
{
	memset(w, 0, sizeof(*w));
	w->a = a;
	w->na = na;
	w->b = b;
	w->nb = nb;
}

static bool
walk_next(struct walk *w)
{
	size_t i0 = w->i, j0 = w->j;

	if (w->i == w->na && w->j == w->nb)
		return false;
	if (w->j == w->nb || (w->i < w->na && w->a[w->i] <= w->b[w->j]))
		w->v = w->a[w->i];
	else
		w->v = w->b[w->j];
	while (w->i < w->na && w->a[w->i] == w->v)
		w->i++;
	while (w->j < w->nb && w->b[w->j] == w->v)
		w->j++;
	w->ca = w->i - i0;
	w->cb = w->j - j0;
	return true;
}

static size_t
gcd_size(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* ---- Kolmogorov-Smirnov (scipy.stats.ks_2samp, two-sided, method='auto') ---- */

/* P(D_{n,n} >= h/n), by the alternating sum factored Horner-fashion. */
static double
ks_prob_outside_square(long n, long h)
{
	double P = 0;
	long k = n / h, j;

	for (; k >= 0; k--) {
		double p1 = 1;

		for (j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 / (double)(n + k * h + j + 1);
		P = p1 * (1 - P);
	}
	return 2 * P;
}

/*
 * Up to this many steps of the recursion below (about 0.2 s), divide as
 * scipy does so the p-value is bit-identical; beyond, a faster form.
 */
#define KS_EXACT_DIVIDE_STEPS	2e7

/*
 * The proportion of lattice paths from (0,0) to (m,n) that leave the band
 * |x/m - y/n| < h/lcm(m,n): Hodges' inside method, with Viehmann's (2021)
 * recursion for 1 - p, keeping only a sliding window of one column.
 * Returns NAN if the window arithmetic goes astray (scipy would raise and
 * fall back to the asymptotic p-value; so do we).
 */
static double
ks_outer_prob_inside(long m, long n, long g, long h)
{
	long mg, ng, minj, maxj, curlen, lena, i, jj;
	double *A, res;
	bool fast;

	if (m < n) {
		long t = m;

		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	minj = 0;
	maxj = (long)ceil((double)h / mg);
	if (maxj > n + 1)
		maxj = n + 1;
	curlen = maxj - minj;
	lena = 2 * maxj + 2 < n + 1 ? 2 * maxj + 2 : n + 1;
	/* about m * 2 h / mg steps: divide exactly as scipy unless that is slow */
	fast = (double)m * (double)lena > KS_EXACT_DIVIDE_STEPS;
	A = malloc(sizeof(double) * (size_t)lena);
	if (A == NULL)
		return NAN;
	for (jj = 0; jj < lena; jj++)
		A[jj] = jj < maxj ? 0 : 1;
	for (i = 1; i <= m; i++) {
		long lastminj = minj, lastlen = curlen;
		double val;

		minj = (long)floor((double)(ng * i - h) / mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > n)
			minj = n;
		maxj = (long)ceil((double)(ng * i + h) / mg);
		if (maxj > n + 1)
			maxj = n + 1;
		if (maxj <= minj) {
			free(A);
			return 1;
		}
		val = minj == 0 ? 0 : 1;
		if (minj - lastminj < 0 || maxj - lastminj > lena || maxj - minj > lena) {
			free(A);
			return NAN;
		}
		{
			const double *src = A + (minj - lastminj);
			double di = (double)i;

			if (!fast) {
				/* scipy's arithmetic, to the last bit */
				for (jj = 0; jj < maxj - minj; jj++) {
					val = (src[jj] * di + val * (double)(jj + minj)) /
					    (di + (double)(jj + minj));
					A[jj] = val;
				}
			} else {
				/*
				 * The same convex combination with its weights
				 * computed off the loop-carried chain: four times
				 * faster, and as accurate, but not bit-identical.
				 */
				for (jj = 0; jj < maxj - minj; jj++) {
					double j = (double)(jj + minj), r = 1 / (di + j);

					val = src[jj] * (di * r) + val * (j * r);
					A[jj] = val;
				}
			}
		}
		curlen = maxj - minj;
		if (lastlen > curlen)
			for (jj = maxj - minj; jj < maxj - minj + (lastlen - curlen) && jj < lena; jj++)
				A[jj] = 1;
	}
	res = A[maxj - minj - 1];
	free(A);
	return res;
}

static int
test_ks(const double *a, size_t n1, const double *b, size_t n2, struct oed_drift_result *res)
{
	struct walk w;
	double maxs = -INFINITY, mins = INFINITY, d, p = NAN;
	bool exact;

	walk_init(&w, a, n1, b, n2);
	while (walk_next(&w)) {
		double diff = (double)w.i / n1 - (double)w.j / n2;

		if (diff > maxs)
			maxs = diff;
		if (diff < mins)
			mins = diff;
	}
	mins = -mins;
	if (mins < 0)
		mins = 0;
	if (mins > 1)
		mins = 1;
	d = mins > maxs ? mins : maxs;

	exact = (n1 > n2 ? n1 : n2) <= 10000;
	if (exact) {
		long g = (long)gcd_size(n1, n2);
		double lcm = (double)(n1 / (size_t)g) * (double)n2;
		long h = (long)rint(d * lcm);

		d = h / lcm;
		if (h == 0)
			p = 1;
		else if (n1 == n2)
			p = ks_prob_outside_square((long)n1, h);
		else
			p = ks_outer_prob_inside((long)n1, (long)n2, g, h);
		if (!(p >= 0 && p <= 1))
			exact = false;	/* scipy: "Exact calculation unsuccessful", use asymp */
	}
	if (!exact) {
		double m = n1 > n2 ? n1 : n2, n = n1 > n2 ? n2 : n1;
		double en = m * n / (m + n);

		p = oed_kstwo_sf((long)rint(en), d);
		if (isnan(p))
			return -1;
	}
	res->statistic = d;
	res->p_value = p < 0 ? 0 : p > 1 ? 1 : p;
	res->method = exact ? "exact" : "asymptotic";
	return 0;
}

/* ---- Wasserstein and energy distances (scipy's _cdf_distance, p = 1, 2) ---- */

static double
cdf_distance(const double *a, size_t na, const double *b, size_t nb, int p)
{
	struct walk w;
	struct ksum s = { 0, 0 };
	double prev = 0, fa = 0, fb = 0;
	bool first = true;

	walk_init(&w, a, na, b, nb);
	while (walk_next(&w)) {
		if (!first) {
			double diff = fabs(fa - fb), delta = w.v - prev;

			ks_add(&s, (p == 1 ? diff : diff * diff) * delta);
		}
		first = false;
		prev = w.v;
		fa = (double)w.i / na;
		fb = (double)w.j / nb;
	}
	return p == 1 ? ks_val(&s) : sqrt(ks_val(&s));
}

/*
 * Mean of x[0..n) - origin and variance (ddof) of x[0..n), two-pass with
 * compensated sums.  Measuring from an origin near the data keeps the
 * digits that a mean of 1e6 + 1e-6 noise would round away.
 */
static void
mean_var(const double *x, size_t n, int ddof, double origin, double *mean, double *var)
{
	struct ksum s = { 0, 0 }, q = { 0, 0 };
	size_t i;
	double m;

	for (i = 0; i < n; i++)
		ks_add(&s, x[i] - origin);
	m = ks_val(&s) / n;
	for (i = 0; i < n; i++)
		ks_add(&q, (x[i] - origin - m) * (x[i] - origin - m));
	*mean = m;
	if (var != NULL)
		*var = (double)n > ddof ? ks_val(&q) / ((double)n - ddof) : NAN;
}

/* ---- Cramér-von Mises (scipy.stats.cramervonmises_2samp, method='auto') ---- */

struct freq {
	uint64_t *val, *cnt;
	size_t n, cap;
};

static int
freq_reserve(struct freq *f, size_t n)
{
	if (n > f->cap) {
		size_t cap = f->cap ? f->cap : 16;
		uint64_t *v, *c;

		while (cap < n)
			cap *= 2;
		v = realloc(f->val, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		f->val = v;
		c = realloc(f->cnt, cap * sizeof(*c));
		if (c == NULL)
			return -1;
		f->cnt = c;
		f->cap = cap;
	}
	return 0;
}

/* out = a merged with b (both sorted by value; equal values' counts add), then + add. */
static int
freq_merge_shift(const struct freq *a, const struct freq *b, uint64_t add, struct freq *out)
{
	size_t i = 0, j = 0, k = 0;

	if (freq_reserve(out, a->n + b->n) == -1)
		return -1;
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && a->val[i] < b->val[j])) {
			out->val[k] = a->val[i] + add;
			out->cnt[k++] = a->cnt[i++];
		} else if (i == a->n || b->val[j] < a->val[i]) {
			out->val[k] = b->val[j] + add;
			out->cnt[k++] = b->cnt[j++];
		} else {
			out->val[k] = a->val[i] + add;
			out->cnt[k++] = a->cnt[i++] + b->cnt[j++];
		}
	}
	out->n = k;
	return 0;
}

/* numpy's floor division of doubles (npy_divmod), for scipy's zeta. */
static double
py_floordiv(double a, double b)
{
	double mod = fmod(a, b), div, fl;

	div = (a - mod) / b;
	if (mod != 0 && ((b < 0) != (mod < 0)))
		div -= 1.0;
	fl = floor(div);
	if (div - fl > 0.5)
		fl += 1.0;
	return fl;
}

/*
 * The exact p-value of the two-sample Cramér-von Mises statistic U = s for
 * sample sizes m and n: the frequency tables of Xiao, Gordon and Yakovlev
 * (2006), built column by column over the lattice paths.  Table sizes stay
 * below 40,000 entries for m, n <= 20, the only sizes scipy's 'auto'
 * sends here.
 */
static int
cvm_exact_p(double s, size_t m, size_t n, double *p)
{
	uint64_t lcm = (uint64_t)m / gcd_size(m, n) * n, a = lcm / m, b = lcm / n;
	uint64_t mn = (uint64_t)m * n, total = 0, hits = 0;
	struct freq *gs, *next, tmp = { 0 };	/* tmp stays empty: nothing left of v = 0 */
	double zeta;
	size_t u, v, k;
	int rc = -1;

	zeta = py_floordiv((double)(lcm * lcm * (m + n)) * (6 * s - (double)mn * (double)(4 * mn - 1)),
	    (double)(6 * mn * mn));
	gs = calloc(2 * (m + 1), sizeof(*gs));
	if (gs == NULL)
		return -1;
	next = gs + m + 1;
	if (freq_reserve(&gs[0], 1) == -1)
		goto out;
	gs[0].val[0] = 0;
	gs[0].cnt[0] = 1;
	gs[0].n = 1;
	for (u = 0; u <= n; u++) {
		struct freq *t;

		for (v = 0; v <= m; v++) {
			int64_t dd = (int64_t)(a * v) - (int64_t)(b * u);

			/* paths into (u, v) come from (u-1, v) and (u, v-1) */
			if (freq_merge_shift(v > 0 ? &next[v - 1] : &tmp, &gs[v], (uint64_t)(dd * dd),
			    &next[v]) == -1)
				goto out;
		}
		t = gs;
		gs = next;
		next = t;
	}
	for (k = 0; k < gs[m].n; k++) {
		total += gs[m].cnt[k];
		if ((double)gs[m].val[k] >= zeta)
			hits += gs[m].cnt[k];
	}
	*p = (double)hits / (double)total;
	rc = 0;
out:
	if (gs != NULL) {
		struct freq *base = gs < next ? gs : next;

		for (k = 0; k < 2 * (m + 1); k++) {
			free(base[k].val);
			free(base[k].cnt);
		}
		free(base);
	}
	free(tmp.val);
	free(tmp.cnt);
	return rc;
}

static int
test_cvm(const double *a, size_t nx, const double *b, size_t ny, struct oed_drift_result *res,
	 struct oed_err *err)
{
	struct walk w;
	struct ksum sx = { 0, 0 }, sy = { 0, 0 };
	double N = (double)(nx + ny), u, t, p;
	uint64_t k = (uint64_t)nx * ny;
	size_t below = 0, c;

	if (nx < 2 || ny < 2)
		return oed_err_set(err, OED_EX_DATA, "cvm needs at least 2 values in each sample");
	/* U = nx sum (rx_i - i)^2 + ny sum (ry_j - j)^2 with midranks r */
	walk_init(&w, a, nx, b, ny);
	while (walk_next(&w)) {
		double mid = below + (w.ca + w.cb + 1) / 2.0;

		for (c = w.i - w.ca; c < w.i; c++)
			ks_add(&sx, (mid - (c + 1)) * (mid - (c + 1)));
		for (c = w.j - w.cb; c < w.j; c++)
			ks_add(&sy, (mid - (c + 1)) * (mid - (c + 1)));
		below += w.ca + w.cb;
	}
	u = nx * ks_val(&sx) + ny * ks_val(&sy);
	t = u / (double)(k * (nx + ny)) - (double)(4 * k - 1) / (6 * N);
	if ((nx > ny ? nx : ny) <= 20) {
		if (cvm_exact_p(u, nx, ny, &p) == -1)
			return nomem(err);
		res->method = "exact";
	} else {
		long double vt, kk = (long double)k, NN = N;
		double et = (1 + 1 / N) / 6, tn;

		vt = (NN + 1) * (4 * kk * NN - 3 * ((long double)nx * nx + (long double)ny * ny) - 2 * kk);
		vt = vt / (45 * NN * NN * 4 * kk);
		tn = 1.0 / 6 + (t - et) / sqrt(45 * (double)vt);
		if (tn < 0.003)
			p = 1;
		else {
			p = 1 - oed_cvm_inf_cdf(tn);
			if (p < 0)
				p = 0;
		}
		res->method = "asymptotic";
	}
	res->statistic = t;
	res->p_value = p;
	return 0;
}

/* ---- Anderson-Darling k-sample, k = 2 (scipy.stats.anderson_ksamp, midrank) ---- */

/*
 * log(sig) fitted as a quadratic in the critical values, least squares as
 * numpy.polyfit(critical, log(sig), 2): for k = 2 the critical values are
 * constants, so this is the same small fit every time.
 */
static void
anderson_fit(const double *crit, const double *sig, double coef[3])
{
	double s[5] = { 0 }, r[3] = { 0 }, M[3][4], mean = 0;
	int i, j, k;

	/* centre x for conditioning; expand back afterwards */
	for (i = 0; i < 7; i++)
		mean += crit[i] / 7;
	for (i = 0; i < 7; i++) {
		double x = crit[i] - mean, y = log(sig[i]), xp = 1;

		for (j = 0; j < 5; j++) {
			s[j] += xp;
			if (j < 3)
				r[j] += xp * y;
			xp *= x;
		}
	}
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++)
			M[i][j] = s[i + j];
		M[i][3] = r[i];
	}
	for (i = 0; i < 3; i++) {
		int piv = i;

		for (k = i + 1; k < 3; k++)
			if (fabs(M[k][i]) > fabs(M[piv][i]))
				piv = k;
		for (j = 0; j < 4; j++) {
			double t = M[i][j];

			M[i][j] = M[piv][j];
			M[piv][j] = t;
		}
		for (k = 0; k < 3; k++) {
			double f;

			if (k == i)
				continue;
			f = M[k][i] / M[i][i];
			for (j = i; j < 4; j++)
				M[k][j] -= f * M[i][j];
		}
	}
	{
		double c0 = M[0][3] / M[0][0], c1 = M[1][3] / M[1][1], c2 = M[2][3] / M[2][2];

		/* c0 + c1 (x - mean) + c2 (x - mean)^2 in powers of x, highest first */
		coef[0] = c2;
		coef[1] = c1 - 2 * c2 * mean;
		coef[2] = c0 - c1 * mean + c2 * mean * mean;
	}
}

static int
test_anderson(const double *a, size_t n1, const double *b, size_t n2, struct oed_drift_result *res,
	      struct oed_err *err)
{
	static const double b0[7] = { 0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085 };
	static const double b1[7] = { -0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615 };
	static const double b2[7] = { -0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154 };
	static const double sig[7] = { 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001 };
	double crit[7], cmin = INFINITY, cmax = -INFINITY;
	double N = (double)(n1 + n2), ni[2] = { (double)n1, (double)n2 };
	struct ksum inner[2] = { { 0, 0 }, { 0, 0 } }, hs = { 0, 0 }, gsum = { 0, 0 };
	struct walk w;
	double A2kN, H, h, g, k = 2, aa, bb, cc, dd, sigmasq, A2, p;
	size_t below = 0, i, ndistinct = 0;
	int s;

	/* the variance's denominator is (N-1)(N-2)(N-3) */
	if (n1 + n2 < 4)
		return oed_err_set(err, OED_EX_DATA, "anderson needs at least 4 values in all");
	walk_init(&w, a, n1, b, n2);
	while (walk_next(&w)) {
		double lj = (double)(w.ca + w.cb), Bj = below + lj / 2;
		double Mij[2], den = Bj * (N - Bj) - N * lj / 4;

		Mij[0] = w.i - w.ca / 2.0;
		Mij[1] = w.j - w.cb / 2.0;
		for (s = 0; s < 2; s++) {
			double q = N * Mij[s] - Bj * ni[s];

			ks_add(&inner[s], lj / N * q * q / den);
		}
		below += w.ca + w.cb;
		ndistinct++;
	}
	if (ndistinct < 2) {
		/* scipy raises; one value shared by both samples shows no drift */
		res->statistic = 0;
		res->p_value = 1;
		res->method = "degenerate";
		res->notes |= OED_DN_DEGENERATE;
		return 0;
	}
	A2kN = (ks_val(&inner[0]) / ni[0] + ks_val(&inner[1]) / ni[1]) * ((N - 1) / N);

	H = 1 / ni[0] + 1 / ni[1];
	/* hs_cs = cumsum(1/(N-1), 1/(N-2), ..., 1/2); h = hs_cs[-1] + 1; g = sum hs_cs / (2..N-1) */
	for (i = 0; i + 2 < (size_t)N; i++) {
		ks_add(&hs, 1 / (N - 1 - i));
		ks_add(&gsum, ks_val(&hs) / (i + 2));
	}
	h = ks_val(&hs) + 1;
	g = ks_val(&gsum);
	aa = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
	bb = (2 * g - 4) * k * k + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
	cc = (6 * h + 2 * g - 2) * k * k + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
	dd = (2 * h + 6) * k * k - 4 * h * k;
	sigmasq = (aa * N * N * N + bb * N * N + cc * N + dd) / ((N - 1) * (N - 2) * (N - 3));
	A2 = (A2kN - 1) / sqrt(sigmasq);

	for (i = 0; i < 7; i++) {
		crit[i] = b0[i] + b1[i] / sqrt(1.0) + b2[i] / 1.0;
		cmin = fmin(cmin, crit[i]);
		cmax = fmax(cmax, crit[i]);
	}
	if (A2 < cmin) {
		p = 0.25;
		res->notes |= OED_DN_P_CAPPED;
		res->method = "interpolated, capped at 0.25";
	} else if (A2 > cmax) {
		p = 0.001;
		res->notes |= OED_DN_P_FLOORED;
		res->method = "interpolated, floored at 0.001";
	} else {
		double c[3];

		anderson_fit(crit, sig, c);
		p = exp((c[0] * A2 + c[1]) * A2 + c[2]);
		res->method = "interpolated";
	}
	res->statistic = A2;
	res->p_value = p;
	return 0;
}

/* ---- Mann-Whitney U (scipy.stats.mannwhitneyu, two-sided, method='auto') ---- */

/*
 * P(U <= k) under the null for sample sizes m, n, no ties: the counts are
 * the coefficients of the Gaussian binomial [m+n choose m]_q =
 * prod_{i=1..s} (1 - q^(L+i)) / (1 - q^i), s = min(m,n), L = max(m,n),
 * needed only up to q^k.  O(s k) time, k + 1 doubles.
 */
static int
mwu_exact_cdf(size_t m, size_t n, size_t k, double *cdf)
{
	size_t s = m < n ? m : n, L = m < n ? n : m, i, j;
	double *c, sum = 0;

	c = calloc(k + 1, sizeof(*c));
	if (c == NULL)
		return -1;
	c[0] = 1;
	for (i = 1; i <= s; i++) {
		for (j = i; j <= k; j++)
			c[j] += c[j - i];
		for (j = k; j >= L + i && j <= k; j--)
			c[j] -= c[j - L - i];
	}
	for (j = 0; j <= k; j++)
		sum += c[j];
	free(c);
	*cdf = exp(log(sum) - oed_lbinom((double)(m + n), (double)s));
	return 0;
}

/*
 * The exact path needs min(U1, U2) + 1 <= m n / 2 + 1 doubles; above this
 * m n (16 MB) the normal approximation is used even where scipy would try
 * the exact distribution (and take hours: its recursion is far slower).
 */
#define MWU_EXACT_MAX_MN	4000000.0

static int
test_mannwhitney(const double *a, size_t n1, const double *b, size_t n2,
		 struct oed_drift_result *res, struct oed_err *err)
{
	struct walk w;
	struct ksum r1 = { 0, 0 }, tie = { 0, 0 };
	size_t below = 0;
	bool ties = false, exact;
	double U1, U2, U, p;

	walk_init(&w, a, n1, b, n2);
	while (walk_next(&w)) {
		double c = (double)(w.ca + w.cb), mid = below + (c + 1) / 2;

		ks_add(&r1, w.ca * mid);
		if (c > 1) {
			ties = true;
			ks_add(&tie, c * c * c - c);
		}
		below += w.ca + w.cb;
	}
	U1 = ks_val(&r1) - n1 * (n1 + 1.0) / 2;
	U2 = (double)n1 * n2 - U1;
	U = U1 > U2 ? U1 : U2;
	exact = !(n1 > 8 && n2 > 8) && !ties && (double)n1 * n2 <= MWU_EXACT_MAX_MN;
	if (exact) {
		double cdf;

		/* sf(U) = cdf(mn - U) by symmetry; two-sided doubles it */
		if (mwu_exact_cdf(n1, n2, (size_t)((double)n1 * n2 - U), &cdf) == -1)
			return nomem(err);
		p = 2 * cdf;
		res->method = "exact";
	} else {
		double n = (double)(n1 + n2), mu = (double)n1 * n2 / 2;
		double s = sqrt((double)n1 * n2 / 12 * ((n + 1) - ks_val(&tie) / (n * (n - 1))));

		if (s > 0)
			p = 2 * oed_normal_sf((U - mu - 0.5) / s);
		else {
			p = 1;	/* all values tied: scipy's z = -inf */
			res->notes |= OED_DN_DEGENERATE;
		}
		res->method = "asymptotic";
	}
	res->statistic = U1;
	res->p_value = p > 1 ? 1 : p < 0 ? 0 : p;
	return 0;
}

/* ---- Epps-Singleton (scipy.stats.epps_singleton_2samp, t = (0.4, 0.8)) ---- */

/* Eigenvalues and vectors of symmetric S (4x4) by cyclic Jacobi; V columns are vectors. */
static void
jacobi4(double S[4][4], double V[4][4], double ev[4])
{
	int sweep, p, q, i;

	for (p = 0; p < 4; p++)
		for (q = 0; q < 4; q++)
			V[p][q] = p == q;
	for (sweep = 0; sweep < 100; sweep++) {
		double off = 0;

		for (p = 0; p < 4; p++)
			for (q = p + 1; q < 4; q++)
				off += S[p][q] * S[p][q];
		if (off == 0)
			break;
		for (p = 0; p < 4; p++)
			for (q = p + 1; q < 4; q++) {
				double theta, t, c, s;

				if (S[p][q] == 0)
					continue;
				theta = (S[q][q] - S[p][p]) / (2 * S[p][q]);
				t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (i = 0; i < 4; i++) {
					double sip = S[i][p], siq = S[i][q];

					S[i][p] = c * sip - s * siq;
					S[i][q] = s * sip + c * siq;
				}
				for (i = 0; i < 4; i++) {
					double spi = S[p][i], sqi = S[q][i];

					S[p][i] = c * spi - s * sqi;
					S[q][i] = s * spi + c * sqi;
				}
				for (i = 0; i < 4; i++) {
					double vip = V[i][p], viq = V[i][q];

					V[i][p] = c * vip - s * viq;
					V[i][q] = s * vip + c * viq;
				}
			}
	}
	for (i = 0; i < 4; i++)
		ev[i] = S[i][i];
}

/*
 * g(x) = (cos t1x, cos t2x, sin t1x, sin t2x) with t2 = 2 t1 (0.8 = 2 x 0.4
 * exactly, and so are the scaled values): one sincos gives all four by the
 * double-angle formulas, within an ulp or two of calling cos and sin.
 */
static void
es_g(double t1x, double g[4])
{
	double s, c;

	sincos(t1x, &s, &c);
	g[0] = c;
	g[1] = 2 * c * c - 1;
	g[2] = s;
	g[3] = 2 * s * c;
}

/* Mean vector and biased covariance of g over x[0..n), two passes. */
static void
es_moments(const double *x, size_t n, double t1, double mean[4], double cov[4][4])
{
	struct ksum s[4] = { { 0, 0 } }, c[4][4];
	size_t i;
	int p, q;

	memset(c, 0, sizeof(c));
	for (i = 0; i < n; i++) {
		double g[4];

		es_g(t1 * x[i], g);
		for (p = 0; p < 4; p++)
			ks_add(&s[p], g[p]);
	}
	for (p = 0; p < 4; p++)
		mean[p] = ks_val(&s[p]) / n;
	for (i = 0; i < n; i++) {
		double g[4];

		es_g(t1 * x[i], g);
		for (p = 0; p < 4; p++)
			g[p] -= mean[p];
		for (p = 0; p < 4; p++)
			for (q = p; q < 4; q++)
				ks_add(&c[p][q], g[p] * g[q]);
	}
	for (p = 0; p < 4; p++)
		for (q = p; q < 4; q++)
			cov[p][q] = cov[q][p] = ks_val(&c[p][q]) / n;
}

static int
test_epps_singleton(const double *x, size_t nx, const double *y, size_t ny,
		    struct oed_drift_result *res, struct oed_err *err)
{
	double n = (double)(nx + ny), sigma, t1, mx[4], my[4], cx[4][4], cy[4][4];
	double S[4][4], V[4][4], ev[4], pinv[4][4], sv[4], smax = 0, evmax = 0, gd[4], wstat = 0;
	int p, q, r = 0, i;

	if (nx < 5 || ny < 5)
		return oed_err_set(err, OED_EX_DATA,
		    "epps_singleton needs at least 5 values in each sample");
	if (x[0] == x[nx - 1] && y[0] == y[ny - 1] && x[0] == y[0]) {
		res->statistic = 0;
		res->p_value = 1;
		res->df = 0;
		res->method = "degenerate";
		res->notes |= OED_DN_DEGENERATE;
		return 0;
	}
	if (x[0] == x[nx - 1] && y[0] == y[ny - 1])
		return oed_err_set(err, OED_EX_DATA, "epps_singleton needs variation within a sample");
	sigma = (pooled_quantile(x, nx, y, ny, 0.75) - pooled_quantile(x, nx, y, ny, 0.25)) / 2;
	if (!(sigma > 0))
		return oed_err_set(err, OED_EX_DATA,
		    "epps_singleton needs a pooled sample with a positive interquartile range");
	/* scipy's default t = (0.4, 0.8), scaled by the semi-IQR; 0.8 / sigma == 2 t1 exactly */
	t1 = 0.4 / sigma;
	es_moments(x, nx, t1, mx, cx);
	es_moments(y, ny, t1, my, cy);
	for (p = 0; p < 4; p++)
		for (q = 0; q < 4; q++)
			S[p][q] = (n / nx) * cx[p][q] + (n / ny) * cy[p][q];
	jacobi4(S, V, ev);
	/* numpy.linalg.pinv: singular values below 1e-15 of the largest count as zero */
	for (i = 0; i < 4; i++)
		evmax = fmax(evmax, fabs(ev[i]));
	for (i = 0; i < 4; i++) {
		sv[i] = fabs(ev[i]) > 1e-15 * evmax ? 1 / ev[i] : 0;
		smax = fmax(smax, fabs(sv[i]));
	}
	/* numpy.linalg.matrix_rank of the pseudo-inverse: S.max() * max(M, N) * eps */
	for (i = 0; i < 4; i++)
		if (fabs(sv[i]) > smax * 4 * DBL_EPSILON)
			r++;
	for (p = 0; p < 4; p++)
		for (q = 0; q < 4; q++) {
			double acc = 0;

			for (i = 0; i < 4; i++)
				acc += V[p][i] * sv[i] * V[q][i];
			pinv[p][q] = acc;
		}
	for (p = 0; p < 4; p++)
		gd[p] = mx[p] - my[p];
	for (p = 0; p < 4; p++)
		for (q = 0; q < 4; q++)
			wstat += gd[p] * pinv[p][q] * gd[q];
	wstat *= n;
	if (r < 4)
		res->notes |= OED_DN_RANK_DEFICIENT;
	if ((nx > ny ? nx : ny) < 25) {
		double corr = 1.0 / (1.0 + pow(n, -0.45) + 10.1 * (pow((double)nx, -1.7) +
		    pow((double)ny, -1.7)));

		wstat *= corr;
	}
	res->statistic = wstat;
	res->df = r;
	res->p_value = r > 0 ? oed_chi2_sf(wstat, r) : 1;
	res->method = "asymptotic";
	return 0;
}

/* ---- Welch's t-test (scipy.stats.ttest_ind, equal_var=False) ---- */

static int
test_ttest(const double *a, size_t n1, const double *b, size_t n2, struct oed_drift_result *res,
	   struct oed_err *err)
{
	double m1, m2, v1, v2, vn1, vn2, df, denom, t;

	if (n1 < 2 || n2 < 2)
		return oed_err_set(err, OED_EX_DATA, "ttest needs at least 2 values in each sample");
	/* both means from one origin, so that their difference keeps its digits */
	mean_var(a, n1, 1, a[0], &m1, &v1);
	mean_var(b, n2, 1, a[0], &m2, &v2);
	vn1 = v1 / n1;
	vn2 = v2 / n2;
	denom = sqrt(vn1 + vn2);
	res->method = "welch";
	if (denom == 0) {
		/* both samples constant: equal means show nothing, different ones everything */
		res->df = 1;
		if (m1 == m2) {
			res->notes |= OED_DN_DEGENERATE;
			res->statistic = 0;
			res->p_value = 1;
		} else {
			res->notes |= OED_DN_INFINITE;
			res->statistic = m1 > m2 ? INFINITY : -INFINITY;
			res->p_value = 0;
		}
		return 0;
	}
	/* Welch-Satterthwaite over the shares of vn1 + vn2, so that tiny variances do not underflow */
	{
		double s1 = vn1 / (vn1 + vn2), s2 = vn2 / (vn1 + vn2);

		df = 1 / (s1 * s1 / (n1 - 1.0) + s2 * s2 / (n2 - 1.0));
	}
	t = (m1 - m2) / denom;
	res->statistic = t;
	res->df = df;
	res->p_value = 2 * oed_t_sf(fabs(t), df);
	if (res->p_value > 1)
		res->p_value = 1;
	return 0;
}

/* ---- binned and categorical distances ---- */

/*
 * Proportions of the categories kept (those not empty in both samples).
 * r and c receive nk values each.
 */
static size_t
proportions(const double *rc, const double *cc, size_t k, double *r, double *c, unsigned *notes)
{
	struct ksum sr = { 0, 0 }, sc = { 0, 0 };
	size_t i, nk = 0;
	double tr, tc;

	for (i = 0; i < k; i++) {
		ks_add(&sr, rc[i]);
		ks_add(&sc, cc[i]);
	}
	tr = ks_val(&sr);
	tc = ks_val(&sc);
	for (i = 0; i < k; i++) {
		if (rc[i] == 0 && cc[i] == 0) {
			*notes |= OED_DN_DROPPED;
			continue;
		}
		r[nk] = rc[i] / tr;
		c[nk] = cc[i] / tc;
		nk++;
	}
	return nk;
}

static double
rel_entr(double x, double y)
{
	return x == 0 ? 0 : x * log(x / y);
}

/* The sums of p and q: kl and js divide by them, as scipy's entropy() and jensenshannon() do. */
static void
sums(const double *p, const double *q, size_t k, double *tp, double *tq)
{
	struct ksum s = { 0, 0 }, s2 = { 0, 0 };

	for (size_t i = 0; i < k; i++) {
		ks_add(&s, p[i]);
		ks_add(&s2, q[i]);
	}
	*tp = ks_val(&s);
	*tq = ks_val(&s2);
}

static double
d_psi(const double *p, const double *q, size_t k, double log_base)
{
	struct ksum s = { 0, 0 };

	(void)log_base;		/* psi always takes natural logarithms */
	for (size_t i = 0; i < k; i++)
		ks_add(&s, (p[i] - q[i]) * log(p[i] / q[i]));
	return ks_val(&s);
}

static double
d_kl(const double *p, const double *q, size_t k, double log_base)
{
	struct ksum s = { 0, 0 };
	double tp, tq;

	sums(p, q, k, &tp, &tq);
	for (size_t i = 0; i < k; i++)
		ks_add(&s, rel_entr(p[i] / tp, q[i] / tq));
	return ks_val(&s) / log(log_base);
}

static double
d_js(const double *p, const double *q, size_t k, double log_base)
{
	struct ksum s = { 0, 0 };
	double tp, tq;

	sums(p, q, k, &tp, &tq);
	for (size_t i = 0; i < k; i++) {
		double pi = p[i] / tp, qi = q[i] / tq, m = (pi + qi) / 2;

		ks_add(&s, rel_entr(pi, m));
		ks_add(&s, rel_entr(qi, m));
	}
	return sqrt(fmax(ks_val(&s) / log(log_base), 0) / 2);
}

static double
d_tvd(const double *p, const double *q, size_t k, double log_base)
{
	struct ksum s = { 0, 0 };

	(void)log_base;
	for (size_t i = 0; i < k; i++)
		ks_add(&s, fabs(p[i] - q[i]));
	return ks_val(&s) / 2;
}

static double
d_hellinger(const double *p, const double *q, size_t k, double log_base)
{
	struct ksum s = { 0, 0 };

	(void)log_base;
	for (size_t i = 0; i < k; i++) {
		double d = sqrt(p[i]) - sqrt(q[i]);

		ks_add(&s, d * d);
	}
	return sqrt(ks_val(&s) / 2);
}

/*
 * psi kl js tvd hellinger on count vectors; k >= 1 categories with counts
 * in each sample.  psi and kl are infinite on an empty cell, so they take
 * the epsilon floor (OED_DTF_FLOOR); js is finite there (0 ln 0 = 0, and m
 * > 0 wherever p or q is), and a floor would only bias it: disjoint
 * samples are exactly 1 bit apart.  kl and js renormalise (sums()), psi
 * does not.
 */
static int
cat_distance(const struct oed_drift_test *t, const double *rc, const double *cc, size_t k,
	     const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	double *r, *c, eps = par->epsilon;
	size_t nk, i;

	r = malloc(2 * k * sizeof(*r));
	if (r == NULL)
		return nomem(err);
	c = r + k;
	nk = proportions(rc, cc, k, r, c, &res->notes);
	if (t->flags & OED_DTF_FLOOR)
		for (i = 0; i < nk; i++) {
			if (r[i] == 0)
				r[i] = eps;
			if (c[i] == 0)
				c[i] = eps;
		}
	res->statistic = t->distance(r, c, nk, par->log_base);
	free(r);
	res->statistic = fmax(res->statistic, 0);
	res->method = t->flags & OED_DTF_FLOOR ? "epsilon floor" : "distance";
	return 0;
}

void
oed_drift_bin(const double *ref, size_t nref, const double *cur, size_t ncur, unsigned bins,
	      double *edges, double *rcount, double *ccount)
{
	size_t rprev = 0, cprev = 0, rk, ck;
	unsigned k;

	for (k = 1; k < bins; k++)
		edges[k - 1] = quantile_sorted(ref, nref, (double)k / bins);
	for (k = 0; k < bins; k++) {
		if (k + 1 < bins) {
			rk = upper_bound(ref, nref, edges[k]);
			ck = upper_bound(cur, ncur, edges[k]);
		} else {
			rk = nref;
			ck = ncur;
		}
		rcount[k] = (double)(rk - rprev);
		ccount[k] = (double)(ck - cprev);
		rprev = rk;
		cprev = ck;
	}
}

static int
num_binned(const struct oed_drift_test *t, const double *a, size_t n1, const double *b, size_t n2,
	   const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	unsigned nb = par->bins;
	double *buf;
	int rc;

	if (nb < 1)
		return oed_err_set(err, OED_EX_USAGE, "the number of bins must be at least 1");
	buf = malloc((3 * (size_t)nb) * sizeof(*buf));
	if (buf == NULL)
		return nomem(err);
	oed_drift_bin(a, n1, b, n2, nb, buf, buf + nb, buf + 2 * nb);
	rc = cat_distance(t, buf + nb, buf + 2 * nb, nb, par, res, err);
	free(buf);
	/* quantile bins of the reference are empty in both samples only at ties */
	res->notes &= ~OED_DN_DROPPED;
	if (rc == 0)
		res->method = t->flags & OED_DTF_FLOOR ? "quantile bins, epsilon floor" : "quantile bins";
	return rc;
}

/* ---- the numeric tests as rows ---- */

static int
num_ks(const struct oed_drift_test *t, const double *a, size_t n1, const double *b, size_t n2,
       const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	(void)t;
	(void)par;
	return test_ks(a, n1, b, n2, res) == -1 ? nomem(err) : 0;
}

static int
num_wasserstein(const struct oed_drift_test *t, const double *a, size_t n1, const double *b,
		size_t n2, const struct oed_drift_params *par, struct oed_drift_result *res,
		struct oed_err *err)
{
	(void)t;
	(void)par;
	(void)err;
	res->statistic = cdf_distance(a, n1, b, n2, 1);
	res->method = "distance";
	return 0;
}

static int
num_wasserstein_normed(const struct oed_drift_test *t, const double *a, size_t n1, const double *b,
		       size_t n2, const struct oed_drift_params *par, struct oed_drift_result *res,
		       struct oed_err *err)
{
	double m, v;

	(void)t;
	(void)par;
	/* Evidently's normalisation: numpy.std (ddof 0), at least 0.001 */
	mean_var(a, n1, 0, a[0], &m, &v);
	if (!isfinite(v))
		return oed_err_set(err, OED_EX_DATA, "the values are too large to take their "
				   "standard deviation");
	res->statistic = cdf_distance(a, n1, b, n2, 1) / fmax(sqrt(v), 0.001);
	res->method = "distance";
	return 0;
}

static int
num_energy(const struct oed_drift_test *t, const double *a, size_t n1, const double *b, size_t n2,
	   const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	(void)t;
	(void)par;
	(void)err;
	res->statistic = M_SQRT2 * cdf_distance(a, n1, b, n2, 2);
	res->method = "distance";
	return 0;
}

/* A row function for a test of signature test_X(a, n1, b, n2, res, err). */
#define NUMERIC_ROW(fn, test) \
static int \
fn(const struct oed_drift_test *t, const double *a, size_t n1, const double *b, size_t n2, \
   const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err) \
{ \
	(void)t; \
	(void)par; \
	return test(a, n1, b, n2, res, err); \
}
NUMERIC_ROW(num_cvm, test_cvm)
NUMERIC_ROW(num_anderson, test_anderson)
NUMERIC_ROW(num_mannwhitney, test_mannwhitney)
NUMERIC_ROW(num_epps_singleton, test_epps_singleton)
NUMERIC_ROW(num_ttest, test_ttest)

/* ---- numeric entry point ---- */

static int
check_params(const struct oed_drift_params *p, struct oed_err *err)
{
	if (!isnan(p->threshold) && !isfinite(p->threshold))
		return oed_err_set(err, OED_EX_USAGE, "the threshold must be a finite number");
	if (!(p->epsilon > 0 && p->epsilon < 1))
		return oed_err_set(err, OED_EX_USAGE, "epsilon must be between 0 and 1");
	if (!(p->log_base > 0) || p->log_base == 1 || !isfinite(p->log_base))
		return oed_err_set(err, OED_EX_USAGE, "the logarithm base must be positive and not 1");
	return 0;
}

static bool
is_sorted_finite(const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]) || (i > 0 && x[i] < x[i - 1]))
			return false;
	return true;
}

int
oed_drift_numeric(const struct oed_drift_test *t, double *ref, size_t nref, double *cur, size_t ncur,
		  const struct oed_drift_params *params, struct oed_drift_result *res,
		  struct oed_err *err)
{
	const struct oed_drift_params *par = params != NULL ? params : &default_params;

	res_init(res);
	if (t == NULL)
		return oed_err_set(err, OED_EX_USAGE, "unknown drift test");
	if (t->numeric == NULL)
		return oed_err_set(err, OED_EX_USAGE, "%s is not a test for numbers", t->name);
	if (check_params(par, err) == -1)
		return -1;
	if (nref == 0 || ncur == 0)
		return oed_err_set(err, OED_EX_DATA, "%s sample is empty",
		    nref == 0 ? "the reference" : "the current");
	if (par->sorted) {
		/* O(n) and cheap next to any test: a wrong promise would give wrong answers */
		if (!is_sorted_finite(ref, nref) || !is_sorted_finite(cur, ncur))
			return oed_err_set(err, OED_EX_DATA,
			    "samples said to be sorted are not sorted or hold non-finite values");
	} else if (oed_drift_sort(ref, nref, err) == -1 || oed_drift_sort(cur, ncur, err) == -1) {
		return -1;
	}
	if (t->numeric(t, ref, nref, cur, ncur, par, res, err) == -1)
		return -1;
	return res_finish(t, par, res, err);
}

/* ---- categorical tests ---- */

/* chi2_contingency on the 2 x K table, Pearson or log-likelihood. */
static void
contingency(bool gtest, const double *rc, const double *cc, size_t k, struct oed_drift_result *res)
{
	struct ksum sr = { 0, 0 }, sc = { 0, 0 }, st = { 0, 0 };
	double R[2], T, stat;
	size_t i, kept = 0, dof;
	int row;

	for (i = 0; i < k; i++) {
		ks_add(&sr, rc[i]);
		ks_add(&sc, cc[i]);
		if (rc[i] != 0 || cc[i] != 0)
			kept++;
		else
			res->notes |= OED_DN_DROPPED;
	}
	R[0] = ks_val(&sr);
	R[1] = ks_val(&sc);
	T = R[0] + R[1];
	dof = kept - 1;
	res->method = "asymptotic";
	if (dof == 0) {
		res->statistic = 0;
		res->p_value = 1;
		res->df = 0;
		res->notes |= OED_DN_DEGENERATE;
		return;
	}
	for (i = 0; i < k; i++) {
		double C;

		if (rc[i] == 0 && cc[i] == 0)
			continue;
		C = rc[i] + cc[i];
		for (row = 0; row < 2; row++) {
			double o = row == 0 ? rc[i] : cc[i], e = R[row] * C / T;

			if (e < 5)
				res->notes |= OED_DN_SMALL_EXPECTED;
			if (dof == 1) {
				/* Yates: move each observed count 0.5 toward its expectation */
				double diff = e - o, mag = fmin(0.5, fabs(diff));

				o += diff > 0 ? mag : diff < 0 ? -mag : 0;
			}
			if (gtest)
				ks_add(&st, o == 0 ? 0 : 2 * o * log(o / e));
			else
				ks_add(&st, (o - e) * (o - e) / e);
		}
	}
	stat = ks_val(&st);
	res->statistic = stat;
	res->df = (double)dof;
	res->p_value = oed_chi2_sf(stat, (double)dof);
	if (dof == 1)
		res->method = "asymptotic, Yates correction";
}

/* The two kept categories' counts; false if more than two are non-empty. */
static bool
two_categories(const double *rc, const double *cc, size_t k, double r[2], double c[2], size_t *kept,
	       unsigned *notes)
{
	size_t i;

	*kept = 0;
	r[0] = r[1] = c[0] = c[1] = 0;
	for (i = 0; i < k; i++) {
		if (rc[i] == 0 && cc[i] == 0) {
			*notes |= OED_DN_DROPPED;
			continue;
		}
		if (*kept == 2)
			return false;
		r[*kept] = rc[i];
		c[*kept] = cc[i];
		(*kept)++;
	}
	return true;
}

static void
test_z(const double r[2], const double c[2], size_t kept, struct oed_drift_result *res)
{
	double n1 = r[0] + r[1], n2 = c[0] + c[1], p1, p2, pp, se;

	res->method = "asymptotic";
	if (kept < 2) {
		res->statistic = 0;
		res->p_value = 1;
		res->notes |= OED_DN_DEGENERATE;
		return;
	}
	p1 = r[0] / n1;
	p2 = c[0] / n2;
	pp = (r[0] + c[0]) / (n1 + n2);
	se = sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2));
	res->statistic = (p1 - p2) / se;
	res->p_value = 2 * oed_normal_sf(fabs(res->statistic));
	if (res->p_value > 1)
		res->p_value = 1;
}

/*
 * Fisher's exact test, two-sided, on [[r0, r1], [c0, c1]]: the total
 * probability of the tables (same margins) no more probable than the one
 * seen.  The probabilities are built by the recurrence
 * f(x+1)/f(x) = (n1 - x)(n - x) / ((x + 1)(n2 - n + x + 1)) outward from
 * the mode in long double, so they are exact to ~1e-16 relative over
 * thousands of steps; tables within 1e-12 relative of the observed one
 * count as equally probable (scipy: 1e-14 with its own pmf).
 */
static void
test_fisher(const double r[2], const double c[2], size_t kept, struct oed_drift_result *res)
{
	double n1 = r[0] + r[1], n2 = c[0] + c[1], n = r[0] + c[0];
	long lo, hi, mode, x, obs;
	long double wobs = 0, S = 1, P = 0, w;
	const long double gamma = 1 + 1e-12L;

	res->method = "exact";
	if (kept < 2) {
		res->statistic = 1;
		res->p_value = 1;
		res->notes |= OED_DN_DEGENERATE;
		return;
	}
	res->statistic = (c[0] > 0 && r[1] > 0) ? r[0] * c[1] / (c[0] * r[1]) : INFINITY;
	if (isinf(res->statistic))
		res->notes |= OED_DN_INFINITE;
	lo = (long)fmax(0, n - n2);
	hi = (long)fmin(n, n1);
	mode = (long)((n + 1) * (n1 + 1) / (n1 + n2 + 2));
	if (mode < lo)
		mode = lo;
	if (mode > hi)
		mode = hi;
	obs = (long)r[0];
	/* relative weights f(x)/f(mode); find the observed one first */
	w = 1;
	for (x = mode; x < obs; x++)
		w *= (long double)(n1 - x) * (n - x) / ((long double)(x + 1) * (n2 - n + x + 1));
	for (x = mode; x > obs; x--)
		w *= (long double)x * (n2 - n + x) / ((long double)(n1 - x + 1) * (n - x + 1));
	wobs = w;
	if (fabsl(1 - wobs) <= 1e-12L) {
		res->p_value = 1;
		return;
	}
	P = 1 <= wobs * gamma ? 1 : 0;	/* the mode itself */
	/* upward from the mode */
	w = 1;
	for (x = mode; x < hi; x++) {
		w *= (long double)(n1 - x) * (n - x) / ((long double)(x + 1) * (n2 - n + x + 1));
		S += w;
		if (w <= wobs * gamma)
			P += w;
		if (x + 1 > obs && w < wobs * 1e-20L && w < S * 1e-20L)
			break;
	}
	w = 1;
	for (x = mode; x > lo; x--) {
		w *= (long double)x * (n2 - n + x) / ((long double)(n1 - x + 1) * (n - x + 1));
		S += w;
		if (w <= wobs * gamma)
			P += w;
		if (x - 1 < obs && w < wobs * 1e-20L && w < S * 1e-20L)
			break;
	}
	res->p_value = (double)(P / S);
	if (res->p_value > 1)
		res->p_value = 1;
}

static int
cat_chi2(const struct oed_drift_test *t, const double *rc, const double *cc, size_t k,
	 const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	(void)t;
	(void)par;
	(void)err;
	contingency(false, rc, cc, k, res);
	return 0;
}

static int
cat_g_test(const struct oed_drift_test *t, const double *rc, const double *cc, size_t k,
	   const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	(void)t;
	(void)par;
	(void)err;
	contingency(true, rc, cc, k, res);
	return 0;
}

static int
cat_z(const struct oed_drift_test *t, const double *rc, const double *cc, size_t k,
      const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	double r[2], c[2];
	size_t kept;

	(void)par;
	if (!two_categories(rc, cc, k, r, c, &kept, &res->notes))
		return oed_err_set(err, OED_EX_DATA,
		    "%s needs a binary feature: more than 2 categories have counts", t->name);
	test_z(r, c, kept, res);
	return 0;
}

static int
cat_fisher(const struct oed_drift_test *t, const double *rc, const double *cc, size_t k,
	   const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	double r[2], c[2];
	size_t kept;

	(void)par;
	for (size_t i = 0; i < k; i++)
		if (rc[i] != floor(rc[i]) || cc[i] != floor(cc[i]) || rc[i] > 9e15 || cc[i] > 9e15)
			return oed_err_set(err, OED_EX_DATA, "fisher needs whole-number counts");
	if (!two_categories(rc, cc, k, r, c, &kept, &res->notes))
		return oed_err_set(err, OED_EX_DATA,
		    "%s needs a binary feature: more than 2 categories have counts", t->name);
	test_fisher(r, c, kept, res);
	return 0;
}

int
oed_drift_categorical(const struct oed_drift_test *t, const double *ref_counts,
		      const double *cur_counts, size_t ncat, const struct oed_drift_params *params,
		      struct oed_drift_result *res, struct oed_err *err)
{
	const struct oed_drift_params *par = params != NULL ? params : &default_params;
	double tr = 0, tc = 0;
	size_t i;

	res_init(res);
	if (t == NULL)
		return oed_err_set(err, OED_EX_USAGE, "unknown drift test");
	if (t->categorical == NULL)
		return oed_err_set(err, OED_EX_USAGE, "%s is not a test for categories", t->name);
	if (check_params(par, err) == -1)
		return -1;
	for (i = 0; i < ncat; i++) {
		if (!(ref_counts[i] >= 0 && isfinite(ref_counts[i])) ||
		    !(cur_counts[i] >= 0 && isfinite(cur_counts[i])))
			return oed_err_set(err, OED_EX_DATA, "a category count is negative or not finite");
		tr += ref_counts[i];
		tc += cur_counts[i];
	}
	if (tr == 0 || tc == 0)
		return oed_err_set(err, OED_EX_DATA, "%s sample is empty",
		    tr == 0 ? "the reference" : "the current");
	if (t->categorical(t, ref_counts, cur_counts, ncat, par, res, err) == -1)
		return -1;
	return res_finish(t, par, res, err);
}

/* ---- embedding tests ---- */


/* A uniform integer in [0, k), k > 0. */
static size_t
rand_below(uint64_t *s, size_t k)
{
	return (size_t)(((unsigned __int128)oed_splitmix64(s) * k) >> 64);
}

static void
mean_vector(const double *x, size_t n, size_t dim, double *m)
{
	size_t i, j;

	for (j = 0; j < dim; j++)
		m[j] = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < dim; j++)
			m[j] += x[i * dim + j];
	for (j = 0; j < dim; j++)
		m[j] /= n;
}

static double
sqdist(const double *x, const double *y, size_t dim)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t j = 0;

	/* four accumulators let the additions overlap */
	for (; j + 4 <= dim; j += 4) {
		double d0 = x[j] - y[j], d1 = x[j + 1] - y[j + 1];
		double d2 = x[j + 2] - y[j + 2], d3 = x[j + 3] - y[j + 3];

		s0 += d0 * d0;
		s1 += d1 * d1;
		s2 += d2 * d2;
		s3 += d3 * d3;
	}
	for (; j < dim; j++)
		s0 += (x[j] - y[j]) * (x[j] - y[j]);
	return (s0 + s1) + (s2 + s3);
}

/* Choose k of n row indices (seeded partial Fisher-Yates), in increasing order. */
static size_t *
subsample(size_t n, size_t k, uint64_t *seed)
{
	size_t *idx = malloc(n * sizeof(*idx)), i;

	if (idx == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 0; i < k && i < n; i++) {
		size_t j = i + rand_below(seed, n - i), t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
	return idx;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static int
cmp_dbl(const void *a, const void *b)
{
	return cmp_double(a, b);
}

/*
 * Unbiased MMD^2 when X is the rows listed in xs[0..nx) (ascending) and Y
 * the rest, from kernel K (N x N, unit diagonal) and its row sums.  Only
 * the X-by-X block is read: with S_X = sum of X's row sums and S = the
 * total, sum_YY = S - 2 S_X + sum_XX and sum_XY = S_X - sum_XX.
 */
static double
mmd2_split(const double *K, const double *rowsum, double total, const size_t *xs, size_t N,
	   size_t nx)
{
	double sxx = 0, sx = 0, syy, sxy, ny = (double)(N - nx);
	size_t a, b;

	for (a = 0; a < nx; a++) {
		const double *row = K + xs[a] * N;
		double rx = 0;

		for (b = 0; b < nx; b++)
			rx += row[xs[b]];
		sxx += rx;
		sx += rowsum[xs[a]];
	}
	syy = total - 2 * sx + sxx;
	sxy = sx - sxx;
	sxx -= (double)nx;	/* the diagonal */
	syy -= ny;
	return sxx / ((double)nx * (nx - 1)) + syy / (ny * (ny - 1)) - 2 * sxy / ((double)nx * ny);
}

/*
 * Splits with the same MMD^2 in exact arithmetic (a sample's mirror
 * image, rows in another order) differ by rounding; they must count as
 * ties, i.e. as ">= observed".  Kernel values lie in [0, 1], so |MMD^2| <= 4
 * and rounding stays far below this.
 */
#define MMD_TIE	1e-12

static int
test_mmd(const double *ref, size_t nref, const double *cur, size_t ncur, size_t dim,
	 const struct oed_drift_params *par, struct oed_drift_result *res, struct oed_err *err)
{
	uint64_t seed = par->seed;
	size_t kx = nref, ky = ncur, N, i, j, np, *ix = NULL, *iy = NULL, *perm = NULL, *xs = NULL;
	double *K = NULL, *rowsum = NULL, *d2 = NULL, sigma2, obs, ge = 0, total;
	unsigned char *inx = NULL;
	const double **rows = NULL;
	unsigned long b;
	int rc = -1;

	if (nref < 2 || ncur < 2)
		return oed_err_set(err, OED_EX_DATA, "mmd needs at least 2 rows in each sample");
	if (par->max_rows < 2)
		return oed_err_set(err, OED_EX_USAGE, "mmd needs max_rows of at least 2");
	if (kx > par->max_rows) {
		kx = par->max_rows;
		res->notes |= OED_DN_SUBSAMPLED;
	}
	if (ky > par->max_rows) {
		ky = par->max_rows;
		res->notes |= OED_DN_SUBSAMPLED;
	}
	N = kx + ky;
	ix = subsample(nref, kx, &seed);
	iy = subsample(ncur, ky, &seed);
	rows = malloc(N * sizeof(*rows));
	K = malloc(N * N * sizeof(*K));
	rowsum = malloc(N * sizeof(*rowsum));
	inx = malloc(N * sizeof(*inx));
	perm = malloc(N * sizeof(*perm));
	xs = malloc(kx * sizeof(*xs));
	np = N * (N - 1) / 2;
	d2 = malloc(np * sizeof(*d2));
	if (ix == NULL || iy == NULL || rows == NULL || K == NULL || rowsum == NULL || inx == NULL ||
	    perm == NULL || d2 == NULL || xs == NULL) {
		nomem(err);
		goto out;
	}
	qsort(ix, kx, sizeof(*ix), cmp_size);
	qsort(iy, ky, sizeof(*iy), cmp_size);
	for (i = 0; i < kx; i++)
		rows[i] = ref + ix[i] * dim;
	for (i = 0; i < ky; i++)
		rows[kx + i] = cur + iy[i] * dim;
	/* squared distances; the bandwidth is their median over distinct pairs */
	oed_progress_phase(par->progress, "mmd kernel", "rows", N);
	for (i = 0; i < N; i++) {
		K[i * N + i] = 0;
		for (j = i + 1; j < N; j++)
			K[i * N + j] = K[j * N + i] = sqdist(rows[i], rows[j], dim);
		/* rows shrink as i grows: show the share of the pairs done */
		oed_progress_stepf(par->progress, N - (double)(N - i - 1) * (N - i - 1) / N);
	}
	{
		size_t q = 0;

		for (i = 0; i < N; i++)
			for (j = i + 1; j < N; j++)
				d2[q++] = K[i * N + j];
		qsort(d2, np, sizeof(*d2), cmp_dbl);
		sigma2 = np % 2 ? d2[np / 2] : (d2[np / 2 - 1] + d2[np / 2]) / 2;
		if (sigma2 == 0) {
			/* over half the pairs coincide: use the mean of the rest */
			struct ksum s = { 0, 0 };
			size_t nz = 0;

			for (q = 0; q < np; q++)
				if (d2[q] > 0) {
					ks_add(&s, d2[q]);
					nz++;
				}
			sigma2 = nz ? ks_val(&s) / nz : 0;
		}
	}
	res->method = "permutation";
	if (sigma2 == 0) {
		res->statistic = 0;
		res->p_value = 1;
		res->notes |= OED_DN_DEGENERATE;
		rc = 0;
		goto out;
	}
	{
		struct ksum tot = { 0, 0 };

		for (i = 0; i < N; i++) {
			struct ksum s = { 0, 0 };

			for (j = 0; j < N; j++) {
				K[i * N + j] = exp(-K[i * N + j] / (2 * sigma2));
				ks_add(&s, K[i * N + j]);
			}
			rowsum[i] = ks_val(&s);
			ks_add(&tot, rowsum[i]);
		}
		total = ks_val(&tot);
	}
	for (i = 0; i < kx; i++)
		xs[i] = i;
	obs = mmd2_split(K, rowsum, total, xs, N, kx);
	for (i = 0; i < N; i++)
		perm[i] = i;
	oed_progress_phase(par->progress, "mmd", "permutations", par->permutations);
	for (b = 0; b < par->permutations; b++) {
		size_t q = 0;

		/* shuffle; the rows landing in the first kx positions form X */
		for (i = N - 1; i > 0; i--) {
			size_t r = rand_below(&seed, i + 1), t = perm[i];

			perm[i] = perm[r];
			perm[r] = t;
		}
		memset(inx, 0, N);
		for (i = 0; i < kx; i++)
			inx[perm[i]] = 1;
		for (i = 0; i < N; i++)	/* ascending, for cache-friendly rows */
			if (inx[i])
				xs[q++] = i;
		if (mmd2_split(K, rowsum, total, xs, N, kx) >= obs - MMD_TIE)
			ge++;
		oed_progress_step(par->progress, b + 1);
	}
	res->statistic = obs;
	res->p_value = (1 + ge) / (1.0 + par->permutations);
	rc = 0;
out:
	free(ix);
	free(iy);
	free(rows);
	free(K);
	free(rowsum);
	free(inx);
	free(perm);
	free(d2);
	free(xs);
	return rc;
}

static int
vec_mmd(const struct oed_drift_test *t, const double *ref, size_t nref, const double *cur,
	size_t ncur, size_t dim, const struct oed_drift_params *par, struct oed_drift_result *res,
	struct oed_err *err)
{
	(void)t;
	return test_mmd(ref, nref, cur, ncur, dim, par, res, err);
}

/* mean_cosine and mean_euclidean: a distance between the mean rows */
static int
mean_distance(bool euclidean, const double *ref, size_t nref, const double *cur, size_t ncur,
	      size_t dim, struct oed_drift_result *res, struct oed_err *err)
{
	double *ma, *mb;
	size_t i;

	ma = malloc(2 * dim * sizeof(*ma));
	if (ma == NULL)
		return nomem(err);
	mb = ma + dim;
	mean_vector(ref, nref, dim, ma);
	mean_vector(cur, ncur, dim, mb);
	if (euclidean) {
		res->statistic = sqrt(sqdist(ma, mb, dim));
	} else {
		double ab = 0, aa = 0, bb = 0;

		for (i = 0; i < dim; i++) {
			ab += ma[i] * mb[i];
			aa += ma[i] * ma[i];
			bb += mb[i] * mb[i];
		}
		if (aa == 0 || bb == 0) {
			/* a zero mean has no direction */
			res->statistic = aa == bb ? 0 : 1;
			res->notes |= OED_DN_ZERO_MEAN;
		} else {
			/* sqrt(aa bb), as scipy: equal directions then give exactly 0 */
			res->statistic = fmin(fmax(1 - ab / sqrt(aa * bb), 0), 2);
		}
	}
	res->method = "distance";
	free(ma);
	return 0;
}

static int
vec_mean_cosine(const struct oed_drift_test *t, const double *ref, size_t nref, const double *cur,
		size_t ncur, size_t dim, const struct oed_drift_params *par,
		struct oed_drift_result *res, struct oed_err *err)
{
	(void)t;
	(void)par;
	return mean_distance(false, ref, nref, cur, ncur, dim, res, err);
}

static int
vec_mean_euclidean(const struct oed_drift_test *t, const double *ref, size_t nref,
		   const double *cur, size_t ncur, size_t dim, const struct oed_drift_params *par,
		   struct oed_drift_result *res, struct oed_err *err)
{
	(void)t;
	(void)par;
	return mean_distance(true, ref, nref, cur, ncur, dim, res, err);
}

int
oed_drift_vector(const struct oed_drift_test *t, const double *ref, size_t nref, const double *cur,
		 size_t ncur, size_t dim, const struct oed_drift_params *params,
		 struct oed_drift_result *res, struct oed_err *err)
{
	const struct oed_drift_params *par = params != NULL ? params : &default_params;
	size_t i;

	res_init(res);
	if (t == NULL)
		return oed_err_set(err, OED_EX_USAGE, "unknown drift test");
	if (t->vector == NULL)
		return oed_err_set(err, OED_EX_USAGE, "%s is not a test for embeddings", t->name);
	if (check_params(par, err) == -1)
		return -1;
	if (nref == 0 || ncur == 0)
		return oed_err_set(err, OED_EX_DATA, "%s sample is empty",
		    nref == 0 ? "the reference" : "the current");
	if (dim == 0)
		return oed_err_set(err, OED_EX_DATA, "embeddings have no dimensions");
	for (i = 0; i < nref * dim; i++)
		if (!isfinite(ref[i]))
			return oed_err_set(err, OED_EX_DATA, "an embedding holds a non-finite value");
	for (i = 0; i < ncur * dim; i++)
		if (!isfinite(cur[i]))
			return oed_err_set(err, OED_EX_DATA, "an embedding holds a non-finite value");
	if (t->vector(t, ref, nref, cur, ncur, dim, par, res, err) == -1)
		return -1;
	return res_finish(t, par, res, err);
}

/* ---- the table ---- */

#define P	OED_DTF_P
#define FLOOR	OED_DTF_FLOOR
#define MEANS	OED_DTF_MEANS
#define MIN	OED_DRIFT_MIN_DISTANCE

static const struct oed_drift_test tests[] = {
	{ "ks", P, 0.05, "D", 0, "Kolmogorov-Smirnov (scipy ks_2samp)",
	  num_ks, NULL, NULL, NULL },
	{ "wasserstein", 0, 0.1, "distance", MIN, "earth mover's distance, in the data's units",
	  num_wasserstein, NULL, NULL, NULL },
	{ "wasserstein_normed", 0, 0.1, "distance", MIN, "Wasserstein over the reference's sd",
	  num_wasserstein_normed, NULL, NULL, NULL },
	{ "cvm", P, 0.05, "T", 0, "Cramer-von Mises (scipy cramervonmises_2samp)",
	  num_cvm, NULL, NULL, NULL },
	{ "anderson", P, 0.05, "A2", 0, "Anderson-Darling k-sample (scipy anderson_ksamp)",
	  num_anderson, NULL, NULL, NULL },
	{ "mannwhitney", P, 0.05, "U", 0, "Mann-Whitney U (scipy mannwhitneyu)",
	  num_mannwhitney, NULL, NULL, NULL },
	{ "energy", 0, 0.1, "distance", MIN, "energy distance (scipy energy_distance)",
	  num_energy, NULL, NULL, NULL },
	{ "epps_singleton", P, 0.05, "W", 0, "Epps-Singleton (scipy epps_singleton_2samp)",
	  num_epps_singleton, NULL, NULL, NULL },
	{ "psi", FLOOR, 0.1, "psi", MIN, "population stability index",
	  num_binned, cat_distance, NULL, d_psi },
	{ "kl", FLOOR, 0.1, "divergence", MIN, "Kullback-Leibler divergence of ref from cur",
	  num_binned, cat_distance, NULL, d_kl },
	{ "js", 0, 0.1, "distance", MIN, "Jensen-Shannon distance (scipy jensenshannon)",
	  num_binned, cat_distance, NULL, d_js },
	{ "ttest", P, 0.05, "t", 0, "Welch's t test (scipy ttest_ind)",
	  num_ttest, NULL, NULL, NULL },
	{ "chi2", P, 0.05, "chi2", 0, "Pearson's chi-square (scipy chi2_contingency)",
	  NULL, cat_chi2, NULL, NULL },
	{ "g_test", P, 0.05, "G", 0, "G-test, log-likelihood ratio",
	  NULL, cat_g_test, NULL, NULL },
	{ "z", P, 0.05, "z", 0, "two-proportion z test, two categories",
	  NULL, cat_z, NULL, NULL },
	{ "tvd", 0, 0.1, "distance", MIN, "total variation distance",
	  num_binned, cat_distance, NULL, d_tvd },
	{ "hellinger", 0, 0.1, "distance", MIN, "Hellinger distance",
	  num_binned, cat_distance, NULL, d_hellinger },
	{ "fisher", P, 0.05, "odds_ratio", 0, "Fisher's exact test, two categories",
	  NULL, cat_fisher, NULL, NULL },
	{ "mean_cosine", MEANS, 0.2, "distance", MIN, "cosine distance of the mean embeddings",
	  NULL, NULL, vec_mean_cosine, NULL },
	{ "mean_euclidean", MEANS, 0.2, "distance", MIN, "Euclidean distance of the mean embeddings",
	  NULL, NULL, vec_mean_euclidean, NULL },
	{ "mmd", P, 0.05, "mmd2", 0, "maximum mean discrepancy, permutation p-value",
	  NULL, NULL, vec_mmd, NULL },
};

const struct oed_drift_test *
oed_drift_tests(size_t *n)
{
	*n = sizeof(tests) / sizeof(tests[0]);
	return tests;
}

const struct oed_drift_test *
oed_drift_test_find(const char *name)
{
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

unsigned
oed_drift_kinds(const struct oed_drift_test *t)
{
	return (t->numeric ? OED_DK_NUMERIC : 0) | (t->categorical ? OED_DK_CATEGORICAL : 0) |
	       (t->vector ? OED_DK_VECTOR : 0);
}

bool
oed_drift_has_p(const struct oed_drift_test *t)
{
	return t->flags & OED_DTF_P;
}

int
oed_drift_test_unknown(const char *what, const char *name, struct oed_err *err)
{
	const char *names[sizeof(tests) / sizeof(tests[0])];
	size_t n = sizeof(tests) / sizeof(tests[0]);
	char msg[sizeof(err->msg)];

	for (size_t i = 0; i < n; i++)
		names[i] = tests[i].name;
	oed_err_unknown(err, "test", name, names, n);
	memcpy(msg, err->msg, sizeof(msg));
	return oed_err_set(err, OED_EX_USAGE, "%s: %s", what, msg);
}
