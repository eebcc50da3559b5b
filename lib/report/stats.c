/*
 * stats.c: paired tests, Holm, minimum detectable effect, Theil-Sen and
 * Mann-Kendall (stats.h).
 */
#include "config.h"
#include "report/stats.h"
#include "info/bootstrap.h"
#include "drift/specfun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
oed_mcnemar_exact(unsigned long b, unsigned long c)
{
	unsigned long n = b + c, k = b < c ? b : c;
	double cdf;

	if (n == 0 || k * 2 == n)
		return 1;
	/* P[X <= k] for X ~ Bin(n, 1/2) is I_{1/2}(n - k, k + 1) */
	cdf = oed_beta_inc((double)(n - k), (double)k + 1, 0.5);
	return fmin(1, 2 * cdf);
}

double
oed_sign_test(unsigned long k, unsigned long n)
{
	return k > n ? NAN : oed_mcnemar_exact(k, n - k);
}

void
oed_wilson(unsigned long k, unsigned long n, double *lo, double *hi)
{
	/* norm.ppf(0.975) */
	static const double z = 1.959963984540054;
	double p, d, c, h;

	if (n == 0 || k > n) {
		*lo = *hi = NAN;
		return;
	}
	p = (double)k / (double)n;
	d = 1 + z * z / (double)n;
	c = (p + z * z / (2 * (double)n)) / d;
	h = z * sqrt(p * (1 - p) / (double)n + z * z / (4 * (double)n * (double)n)) / d;
	*lo = fmax(0, c - h);
	*hi = fmin(1, c + h);
}

double
oed_signflip_p(const double *d, size_t n, unsigned exact_max, unsigned long rounds, uint64_t seed)
{
	double *nz = malloc((n ? n : 1) * sizeof(*nz)), t = 0, scale = 0, tol;
	size_t m = 0;
	double p;

	if (nz == NULL)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0 && isfinite(d[i])) {
			nz[m++] = d[i];
			t += d[i];
			scale += fabs(d[i]);
		}
	if (m == 0) {
		free(nz);
		return 1;
	}
	/* sums that differ only by rounding count as ties */
	tol = 1e-9 * scale;
	if (m <= exact_max) {
		/* every sign pattern, in Gray-code order: one flip per step */
		uint64_t total = (uint64_t)1 << m, ge = 0, le = 0;
		double s = scale;	/* all signs positive */
		unsigned char *neg = calloc(m, 1);

		if (neg == NULL) {
			free(nz);
			return NAN;
		}
		for (uint64_t g = 0; g < total; g++) {
			if (g) {
				size_t bit = (size_t)__builtin_ctzll(g);

				s += neg[bit] ? 2 * fabs(nz[bit]) : -2 * fabs(nz[bit]);
				neg[bit] ^= 1;
			}
			ge += s >= t - tol;
			le += s <= t + tol;
		}
		free(neg);
		p = 2 * (double)(ge < le ? ge : le) / (double)total;
	} else {
		struct oed_rng rng;
		unsigned long hits = 0;

		oed_rng_seed(&rng, seed);
		for (unsigned long r = 0; r < rounds; r++) {
			double s = 0;

			for (size_t i = 0; i < m; i++) {
				uint64_t bits = oed_rng_next(&rng);

				s += (bits >> 63) ? -nz[i] : nz[i];
			}
			hits += fabs(s) >= fabs(t) - tol;
		}
		p = (1 + (double)hits) / (1 + (double)rounds);
	}
	free(nz);
	return fmin(1, p);
}

int
oed_paired_bootstrap(const double *d, size_t n, unsigned long replicates, uint64_t seed,
		     double *lo, double *hi)
{
	double *means;
	struct oed_rng rng;

	*lo = *hi = NAN;
	if (n == 0 || replicates == 0)
		return 0;
	means = malloc(replicates * sizeof(*means));
	if (means == NULL)
		return -1;
	oed_rng_seed(&rng, seed);
	for (unsigned long r = 0; r < replicates; r++) {
		double s = 0;

		for (size_t i = 0; i < n; i++)
			s += d[oed_rng_below(&rng, n)];
		means[r] = s / (double)n;
	}
	*lo = oed_quantile(means, replicates, 0.025);
	*hi = oed_quantile(means, replicates, 0.975);
	free(means);
	return 0;
}

static const double *holm_p;

static int
by_p(const void *a, const void *b)
{
	double x = holm_p[*(const size_t *)a], y = holm_p[*(const size_t *)b];
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (x != y)
		return x < y ? -1 : 1;
	return i < j ? -1 : i > j;
}

void
oed_holm(const double *p, size_t m, double *adj)
{
	size_t *ix = malloc((m ? m : 1) * sizeof(*ix));
	double run = 0;

	if (ix == NULL) {
		for (size_t i = 0; i < m; i++)
			adj[i] = NAN;
		return;
	}
	for (size_t i = 0; i < m; i++)
		ix[i] = i;
	holm_p = p;
	qsort(ix, m, sizeof(*ix), by_p);
	for (size_t k = 0; k < m; k++) {
		double v = (double)(m - k) * p[ix[k]];

		run = fmax(run, v);
		adj[ix[k]] = fmin(1, run);
	}
	free(ix);
}

double
oed_mde(double sd, size_t n)
{
	/* norm.ppf(0.975) + norm.ppf(0.80) */
	static const double z = 1.959963984540054 + 0.8416212335729143;

	if (n == 0 || !isfinite(sd))
		return NAN;
	return z * sd / sqrt((double)n);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Tie groups of v[0..n): sums of t(t-1)/2, t(t-1)(2t+5), t(t-1)(t-2) over groups of size t. */
static int
ties(const double *v, size_t n, double *pairs, double *v1, double *v0)
{
	double *s = malloc(n * sizeof(*s));

	*pairs = *v1 = *v0 = 0;
	if (s == NULL)
		return -1;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), dbl_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double t;

		while (j < n && s[j] == s[i])
			j++;
		t = (double)(j - i);
		if (t > 1) {
			*pairs += t * (t - 1) / 2;
			*v1 += t * (t - 1) * (2 * t + 5);
			*v0 += t * (t - 1) * (t - 2);
		}
		i = j;
	}
	free(s);
	return 0;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
oed_trend(const double *x, const double *y, size_t n, struct oed_trend *t)
{
	double *slopes, *tmp, dn = (double)n, s = 0, xp, x1, x0, yp, y1, y0, m, var, sigma, tot;
	size_t ns = 0;
	long ru, rl;

	memset(t, 0, sizeof(*t));
	if (n < 3)
		return -1;
	slopes = malloc(n * (n - 1) / 2 * sizeof(*slopes));
	tmp = malloc(n * sizeof(*tmp));
	if (slopes == NULL || tmp == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double dx = x[j] - x[i], dy = y[j] - y[i];

			if (dx != 0)
				slopes[ns++] = dy / dx;
			s += (double)((dx > 0) - (dx < 0)) * (double)((dy > 0) - (dy < 0));
		}
	if (ns == 0)
		goto fail;
	t->slope = median(slopes, ns);	/* sorts slopes */
	memcpy(tmp, y, n * sizeof(*tmp));
	t->intercept = median(tmp, n);
	memcpy(tmp, x, n * sizeof(*tmp));
	t->intercept -= t->slope * median(tmp, n);
	if (ties(x, n, &xp, &x1, &x0) == -1 || ties(y, n, &yp, &y1, &y0) == -1)
		goto fail;
	/* Sen (1968), eq. 2.6, as scipy's theilslopes: ranks of the interval's ends */
	sigma = sqrt((dn * (dn - 1) * (2 * dn + 5) - x1 - y1) / 18);
	ru = (long)rint(((double)ns + 1.959963984540054 * sigma) / 2);
	rl = (long)rint(((double)ns - 1.959963984540054 * sigma) / 2) - 1;
	ru = ru < (long)ns - 1 ? ru : (long)ns - 1;
	rl = rl > 0 ? rl : 0;
	t->lo = slopes[rl];
	t->hi = slopes[ru];
	/* Mann-Kendall: S's variance with ties in x and y, as scipy's kendalltau */
	m = dn * (dn - 1);
	var = (m * (2 * dn + 5) - x1 - y1) / 18 + 2 * xp * yp / m + x0 * y0 / (9 * m * (dn - 2));
	tot = dn * (dn - 1) / 2;
	t->tau = s / sqrt((tot - xp) * (tot - yp));
	t->z = var > 0 ? s / sqrt(var) : NAN;
	t->p_value = var > 0 ? erfc(fabs(t->z) / sqrt(2)) : NAN;
	free(slopes);
	free(tmp);
	return 0;
fail:
	free(slopes);
	free(tmp);
	return -1;
}
