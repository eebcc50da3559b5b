#include "config.h"
#include "estimators.h"
#include "exit.h"
#include "equiv/choice.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double
oed_digamma(double x)
{
	double r = 0, f;

	/* psi(x) = psi(x + 1) - 1/x up to where the series below is exact */
	while (x < 10) {
		r -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return r + log(x) - 0.5 / x -
	       f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 -
	       f * (691.0 / 32760))))));
}

double
oed_trigamma(double x)
{
	double r = 0, z, f;

	/* psi'(x) = psi'(x + 1) + 1/x^2 */
	while (x < 10) {
		r += 1 / (x * x);
		x += 1;
	}
	z = 1 / x;
	f = z * z;
	/* 1/x + 1/(2x^2) + sum B_2k / x^(2k+1) */
	return r + z + f / 2 +
	       z * f * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * (5.0 / 66 -
	       f * (691.0 / 2730))))));
}

/*
 * -p log p for a class of count c in total t.  A class holding most of the
 * weight has log p near 0: log1p of the exact remainder keeps its relative
 * precision where log(c / t) would lose it.
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

/* -f log f for a frequency f (0 for f <= 0). */
static double
neg_flogf(double f)
{
	return f > 0 ? -f * log(f) : 0;
}

static int
dbl_cmp(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;

	return a < b ? -1 : a > b;
}

/* ---- NSB ---- */

struct nsb {
	const double *v, *mult;	/* distinct counts and how many classes have each */
	size_t d;
	double n, k, m;		/* total, classes in all, classes seen */
};

/* s(y) in lgamma(y) = (y - 1/2) log y - y + log(2 pi) / 2 + s(y), y >= 20 */
static double
stirling_tail(double y)
{
	double z = 1 / y, f = z * z;

	return z * (1.0 / 12 - f * (1.0 / 360 - f * (1.0 / 1260 - f * (1.0 / 1680))));
}

/*
 * lgamma(v + b) - lgamma(v) - lgamma(b) = -log B(v, b) for v, b > 0,
 * symmetric in v and b.  The larger argument's pair
 * lgamma(big + small) - lgamma(big) is taken from the Stirling series of
 * both, which subtract analytically, so a count of 1e9 or a beta of 1e9
 * leaves no rounding noise of size 1e-16 lgamma(1e9) in the posterior
 * weights: the noise stays relative to the result.
 */
static double
lgamma_rel(double v, double b)
{
	double big = v > b ? v : b, small = v > b ? b : v, r;

	if (big >= 20)
		r = (big - 0.5) * log1p(small / big) + small * log(big + small) - small +
		    stirling_tail(big + small) - stirling_tail(big);
	else
		r = lgamma(big + small) - lgamma(big);
	return r - lgamma(small);
}

/*
 * d xi / d beta = K psi'(K beta + 1) - psi'(beta + 1).  For large beta the
 * two terms agree to many digits; the asymptotic series of their
 * difference, in 1/beta with coefficients B_2k (1 - K^-2k), has none of
 * that cancellation.
 */
static double
dxi_dbeta(double b, double k)
{
	double z, f, q, q2;

	if (b < 20)
		return k * oed_trigamma(k * b + 1) - oed_trigamma(b + 1);
	z = 1 / b;
	f = z * z;
	q = 1 / k;
	q2 = q * q;
	return (1 - q) * f / 2 -
	       z * f * ((1 - q2) / 6 - f * ((1 - pow(q2, 2)) / 30 - f * ((1 - pow(q2, 3)) / 42 -
	       f * ((1 - pow(q2, 4)) / 30 - f * (5 * (1 - pow(q2, 5)) / 66)))));
}

/*
 * log of the integrand's weight at t = log beta: the prior in t times the
 * evidence p(counts | beta) = Gamma(K b) / Gamma(N + K b) prod_k
 * Gamma(n_k + b) / Gamma(b), up to a constant (the lgamma of the counts
 * and of N, which cancel in the ratio of the integrals).
 */
static double
nsb_logw(const struct nsb *s, double t)
{
	double b = exp(t), l = -lgamma_rel(s->n, s->k * b);

	for (size_t i = 0; i < s->d; i++)
		l += s->mult[i] * lgamma_rel(s->v[i], b);
	return log(dxi_dbeta(b, s->k)) + t + l;
}

/* E[H | counts, beta] of the Dirichlet posterior (Wolpert and Wolf 1995) */
static double
nsb_mean_h(const struct nsb *s, double t)
{
	double b = exp(t), a = s->n + s->k * b, h = oed_digamma(a + 1);

	for (size_t i = 0; i < s->d; i++)
		h -= s->mult[i] * (s->v[i] + b) / a * oed_digamma(s->v[i] + b + 1);
	if (s->k > s->m)
		h -= (s->k - s->m) * b / a * oed_digamma(b + 1);
	return h;
}

/* Gauss-Kronrod 7-15 (QUADPACK's qk15): Kronrod nodes, the odd ones Gauss */
static const double gk_x[8] = {
	0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
	0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
	0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
	0.207784955007898467600689403773245, 0.0,
};
static const double gk_w[8] = {
	0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
	0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
	0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
	0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
};
static const double g_w[4] = {
	0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
	0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
};

/*
 * Both integrals, of w and of w E[H], over [a, b] with w = exp(logw -
 * peak); err receives |K15 - G7| of each.
 */
static void
gk15(const struct nsb *s, double peak, double a, double b, double res[2], double err[2])
{
	double c = (a + b) / 2, hw = (b - a) / 2, k0 = 0, k1 = 0, g0 = 0, g1 = 0;

	for (int i = 0; i < 15; i++) {
		int j = i < 8 ? i : 14 - i;
		double x = c + (i < 8 ? -1 : 1) * gk_x[j] * hw;
		double w = exp(nsb_logw(s, x) - peak), wh = w * nsb_mean_h(s, x);

		k0 += gk_w[j] * w;
		k1 += gk_w[j] * wh;
		if (j % 2 == 1) {
			g0 += g_w[j / 2] * w;
			g1 += g_w[j / 2] * wh;
		}
	}
	res[0] = k0 * hw;
	res[1] = k1 * hw;
	err[0] = fabs(k0 - g0) * hw;
	err[1] = fabs(k1 - g1) * hw;
}

#define NSB_TMIN (-650.0)
#define NSB_TMAX 650.0
#define NSB_DROP 50.0		/* log-weight below the peak that counts as nothing */
#define NSB_MAXSEG 600		/* segments: a bound on work when rounding sets the floor */

struct seg {
	double a, b, r[2], e[2];
};

/*
 * Globally adaptive (QUADPACK's qag): split the segment with the largest
 * error until the summed errors of both integrals are under rel times
 * their values, or NSB_MAXSEG segments.
 */
static int
integrate(const struct nsb *s, double peak, const double *cuts, size_t ncuts, double rel,
	  double out[2])
{
	struct seg *g = malloc(NSB_MAXSEG * sizeof(*g));
	size_t n = 0;

	if (g == NULL)
		return -1;
	for (size_t i = 1; i < ncuts; i++, n++) {
		g[n].a = cuts[i - 1];
		g[n].b = cuts[i];
		gk15(s, peak, g[n].a, g[n].b, g[n].r, g[n].e);
	}
	for (;;) {
		double r[2] = { 0, 0 }, e[2] = { 0, 0 }, worst = -1, mid;
		size_t w = 0;

		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < 2; j++) {
				r[j] += g[i].r[j];
				e[j] += g[i].e[j];
			}
		out[0] = r[0];
		out[1] = r[1];
		if ((e[0] <= rel * fabs(r[0]) && e[1] <= rel * fabs(r[1])) || n == NSB_MAXSEG)
			break;
		/* the segment with the largest error relative to its integral's total */
		for (size_t i = 0; i < n; i++) {
			double q = fmax(g[i].e[0] / fabs(r[0]), g[i].e[1] / fabs(r[1]));

			if (q > worst) {
				worst = q;
				w = i;
			}
		}
		mid = (g[w].a + g[w].b) / 2;
		g[n] = g[w];
		g[n].a = mid;
		g[w].b = mid;
		gk15(s, peak, g[w].a, g[w].b, g[w].r, g[w].e);
		gk15(s, peak, g[n].a, g[n].b, g[n].r, g[n].e);
		n++;
	}
	free(g);
	return 0;
}

/*
 * The NSB posterior mean: the ratio of the integrals over t = log beta of
 * w(t) E[H | beta] and w(t), w(t) = beta d xi/d beta p(counts | beta).
 * The log weight is unimodal in t: a coarse scan finds its basin, golden
 * section its peak, a second difference its width; the range runs out to
 * where the log weight has dropped by NSB_DROP, and adaptive Gauss-Kronrod
 * integrates with breakpoints at the peak and 1, 3 and 8 widths from it.
 * The log weight is known only up to a constant; peak removes most of it.
 */
static int
nsb_entropy(const struct nsb *s, double *h)
{
	double lo = -30 - log(s->k), hi = 30 + log(s->n + 1) - log(s->k), step = 0.5;
	double best = -INFINITY, tbest = 0, a, b, peak, sd, res[2], cuts[9];
	double g = (sqrt(5) - 1) / 2;
	size_t ncuts = 0;

	lo = lo < NSB_TMIN ? NSB_TMIN : lo;
	hi = hi > NSB_TMAX ? NSB_TMAX : hi;
	for (double t = lo; t <= hi; t += step) {
		double l = nsb_logw(s, t);

		if (l > best) {
			best = l;
			tbest = t;
		}
	}
	/* still rising at an end of the scan: follow it */
	while (tbest + step >= hi && hi + step <= NSB_TMAX) {
		double l = nsb_logw(s, hi += step);

		if (!(l > best))
			break;
		best = l;
		tbest = hi;
	}
	while (tbest - step <= lo && lo - step >= NSB_TMIN) {
		double l = nsb_logw(s, lo -= step);

		if (!(l > best))
			break;
		best = l;
		tbest = lo;
	}
	/* golden section inside the best grid point's neighbours */
	a = tbest - step;
	b = tbest + step;
	for (int i = 0; i < 200 && b - a > 1e-9; i++) {
		double x1 = b - g * (b - a), x2 = a + g * (b - a);

		if (nsb_logw(s, x1) > nsb_logw(s, x2))
			b = x2;
		else
			a = x1;
	}
	tbest = (a + b) / 2;
	peak = nsb_logw(s, tbest);
	if (best > peak) {
		/* the grid point beat the refinement (flat top): keep it */
		peak = best;
	}
	/* width: sd = 1 / sqrt(-L''), with a step that shrinks for narrow peaks */
	sd = 1;
	for (double d = 0.01; d > 1e-7; d /= 10) {
		double c2 = (nsb_logw(s, tbest + d) - 2 * peak + nsb_logw(s, tbest - d)) / (d * d);

		sd = c2 < 0 ? 1 / sqrt(-c2) : 1;
		if (sd > 10 * d)
			break;
	}
	if (sd > 10)
		sd = 10;
	/* out to where the weight is negligible */
	for (lo = tbest - sd; lo > NSB_TMIN && nsb_logw(s, lo) > peak - NSB_DROP; lo -= 1 + sd)
		;
	for (hi = tbest + sd; hi < NSB_TMAX && nsb_logw(s, hi) > peak - NSB_DROP; hi += 1 + sd)
		;
	lo = lo < NSB_TMIN ? NSB_TMIN : lo;
	hi = hi > NSB_TMAX ? NSB_TMAX : hi;
	cuts[ncuts++] = lo;
	{
		static const double at[7] = { -8, -3, -1, 0, 1, 3, 8 };

		for (int i = 0; i < 7; i++) {
			double c = tbest + at[i] * sd;

			if (c > cuts[ncuts - 1] && c < hi)
				cuts[ncuts++] = c;
		}
	}
	cuts[ncuts++] = hi;
	if (integrate(s, peak, cuts, ncuts, 1e-13, res) == -1)
		return -1;
	*h = res[0] > 0 ? res[1] / res[0] : 0;
	return 0;
}

/* ---- the estimators ---- */

static double
dirichlet(const double *c, size_t m, double total, double k, double a)
{
	double den = total + k * a, h = 0;

	for (size_t i = 0; i < m; i++)
		h += neg_flogf((c[i] + a) / den);
	/* classes never seen share the pseudocount alone */
	if (k > (double)m && a > 0)
		h += (k - (double)m) * neg_flogf(a / den);
	return h;
}

static double
shrink(const double *c, size_t m, double total, double k)
{
	double target = 1 / k, sum_u2 = 0, msp = 0, lambda, h = 0, unseen = k - (double)m;

	for (size_t i = 0; i < m; i++) {
		double u = c[i] / total;

		sum_u2 += u * u;
		msp += (u - target) * (u - target);
	}
	msp += unseen * target * target;
	if (total <= 1 || msp == 0)
		lambda = 1;
	else
		lambda = (1 - sum_u2) / ((total - 1) * msp);
	lambda = lambda < 0 ? 0 : lambda > 1 ? 1 : lambda;
	for (size_t i = 0; i < m; i++)
		h += neg_flogf(lambda * target + (1 - lambda) * c[i] / total);
	if (unseen > 0)
		h += unseen * neg_flogf(lambda * target);
	return h;
}

static double
chao_shen(const double *c, size_t m, double total)
{
	double f1 = 0, cov, h = 0;

	for (size_t i = 0; i < m; i++)
		f1 += c[i] == 1;
	if (f1 == total)
		f1 = total - 1;	/* all singletons: keep the coverage above 0 */
	cov = 1 - f1 / total;
	for (size_t i = 0; i < m; i++) {
		double p = cov * c[i] / total;
		/* 1 - (1 - p)^N, without losing digits when p is small */
		double la = p < 1 ? -expm1(total * log1p(-p)) : 1;

		if (p > 0 && la > 0)
			h -= p * log(p) / la;
	}
	return h;
}

static double
grassberger(const double *c, size_t m, double total)
{
	double h = 0;

	for (size_t i = 0; i < m; i++) {
		double n = c[i], sign = fmod(n, 2) == 0 ? 1 : -1;
		double g = oed_digamma(n) + 0.5 * sign * (oed_digamma((n + 1) / 2) - oed_digamma(n / 2));

		h += n * g;
	}
	return log(total) - h / total;
}

/*
 * The table's entries: entropy in nats of sorted counts c[0..m) > 0
 * (m >= 1) that add up to total, over k >= m classes; 0, or -1 when out
 * of memory.
 */
static int
h_plugin(double *c, size_t m, double total, double k, double *h)
{
	double plug = 0;

	(void)k;
	for (size_t i = 0; i < m; i++)
		plug += plugin_term(c[i], total);
	*h = m > 1 ? plug : 0;
	return 0;
}

static int
h_miller_madow(double *c, size_t m, double total, double k, double *h)
{
	h_plugin(c, m, total, k, h);
	*h += m > 1 ? (double)(m - 1) / (2 * total) : 0;
	return 0;
}

static int
h_chao_shen(double *c, size_t m, double total, double k, double *h)
{
	(void)k;
	*h = chao_shen(c, m, total);
	return 0;
}

static int
h_shrink(double *c, size_t m, double total, double k, double *h)
{
	*h = shrink(c, m, total, k);
	return 0;
}

static int
h_jeffreys(double *c, size_t m, double total, double k, double *h)
{
	*h = dirichlet(c, m, total, k, 0.5);
	return 0;
}

static int
h_laplace(double *c, size_t m, double total, double k, double *h)
{
	*h = dirichlet(c, m, total, k, 1);
	return 0;
}

static int
h_sg(double *c, size_t m, double total, double k, double *h)
{
	*h = dirichlet(c, m, total, k, 1 / k);
	return 0;
}

static int
h_minimax(double *c, size_t m, double total, double k, double *h)
{
	*h = dirichlet(c, m, total, k, sqrt(total) / k);
	return 0;
}

static int
h_grassberger(double *c, size_t m, double total, double k, double *h)
{
	(void)k;
	*h = grassberger(c, m, total);
	return 0;
}

static int
h_nsb(double *c, size_t m, double total, double k, double *h)
{
	/* distinct counts with multiplicities: the integrand's cost */
	double *mult = malloc(m * sizeof(*mult));
	size_t d = 0;
	int rc = 0;

	*h = 0;
	if (mult == NULL)
		return -1;
	for (size_t i = 0; i < m; i++) {
		if (d > 0 && c[d - 1] == c[i]) {
			mult[d - 1]++;
			continue;
		}
		c[d] = c[i];
		mult[d++] = 1;
	}
	if (k > 1) {
		struct nsb s = { c, mult, d, total, k, (double)m };

		rc = nsb_entropy(&s, h);
	}
	free(mult);
	return rc;
}

#define K OED_EST_USES_K
#define W OED_EST_WHOLE
const struct oed_estimator_def oed_estimators[OED_EST_COUNT] = {
	[OED_EST_PLUGIN] = { "plugin", 0, h_plugin,
		"maximum likelihood, -sum p log p (the default)" },
	[OED_EST_MILLER_MADOW] = { "miller-madow", W, h_miller_madow,
		"plugin + (m - 1)/2N: first-order bias correction" },
	[OED_EST_CHAO_SHEN] = { "chao-shen", W, h_chao_shen,
		"coverage-adjusted Horvitz-Thompson, for many unseen classes" },
	[OED_EST_SHRINK] = { "shrink", K, h_shrink,
		"James-Stein shrinkage towards the uniform over K" },
	[OED_EST_JEFFREYS] = { "jeffreys", K, h_jeffreys,
		"Dirichlet posterior mean, a = 1/2" },
	[OED_EST_LAPLACE] = { "laplace", K, h_laplace,
		"Dirichlet posterior mean, a = 1" },
	[OED_EST_SG] = { "sg", K, h_sg,
		"Dirichlet posterior mean, a = 1/K (Schurmann-Grassberger)" },
	[OED_EST_MINIMAX] = { "minimax", K, h_minimax,
		"Dirichlet posterior mean, a = sqrt(N)/K" },
	[OED_EST_GRASSBERGER] = { "grassberger", W, h_grassberger,
		"Grassberger (2003), low bias without K" },
	[OED_EST_NSB] = { "nsb", K | W, h_nsb,
		"Nemenman-Shafee-Bialek, Bayesian over Dirichlet mixtures" },
};
#undef K
#undef W

int
oed_estimator_parse(const char *name, enum oed_estimator *out, struct oed_err *err)
{
	int i = oed_choice_find(OED_CHOICES(oed_estimators), name, strlen(name));

	if (i < 0)
		return oed_choice_unknown(err, "--estimator", "estimator", name, strlen(name),
					  OED_CHOICES(oed_estimators));
	*out = (enum oed_estimator)i;
	return 0;
}

const char *
oed_estimator_name(enum oed_estimator e)
{
	return (unsigned)e < OED_EST_COUNT ? oed_estimators[e].name : "?";
}

bool
oed_estimator_uses_k(enum oed_estimator e)
{
	return (unsigned)e < OED_EST_COUNT && (oed_estimators[e].flags & OED_EST_USES_K);
}

bool
oed_estimator_needs_integers(enum oed_estimator e)
{
	return (unsigned)e < OED_EST_COUNT && (oed_estimators[e].flags & OED_EST_WHOLE);
}

int
oed_entropy(enum oed_estimator e, const double *counts, size_t n, double k, double *h,
	    struct oed_err *err)
{
	double *c = NULL, total = 0;
	size_t m = 0;
	int rc = -1;

	*h = 0;
	if ((unsigned)e >= OED_EST_COUNT)
		return oed_err_set(err, OED_EX_USAGE, "unknown estimator %d", (int)e);
	for (size_t i = 0; i < n; i++) {
		double v = counts[i];

		if (!(v >= 0) || isinf(v))
			return oed_err_set(err, OED_EX_DATA, "count %g is not a finite non-negative number",
					   v);
		if (v > 0 && oed_estimator_needs_integers(e) && v != floor(v))
			return oed_err_set(err, OED_EX_USAGE, "estimator %s needs whole counts, not %g",
					   oed_estimators[e].name, v);
		m += v > 0;
	}
	if (k != 0 && (!(k >= 1) || isinf(k) || k != floor(k)))
		return oed_err_set(err, OED_EX_USAGE, "the number of classes K = %g is not a whole"
				   " number of at least 1", k);
	if (k != 0 && k < (double)m)
		return oed_err_set(err, OED_EX_USAGE, "K = %g is below the %zu classes seen", k, m);
	if (k == 0)
		k = (double)m;
	if (m == 0)
		return 0;
	/* the observed counts, sorted: sums that do not depend on input order */
	if ((c = malloc(m * sizeof(*c))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (counts[i] > 0)
			c[m++] = counts[i];
	qsort(c, m, sizeof(*c), dbl_cmp);
	for (size_t i = 0; i < m; i++)
		total += c[i];
	if (oed_estimators[e].h(c, m, total, k, h) == -1) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(c);
	return rc;
}

/* ---- MI and CMI from estimated entropies ---- */

struct key3 {
	uint64_t k[3];
	double n;
};

static int
key3_cmp(const void *p, const void *q)
{
	const struct key3 *a = p, *b = q;

	for (int i = 0; i < 3; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

/*
 * The counts of the distinct keys in rows[0..n) (sorted in place), into
 * out; returns how many.
 */
static size_t
merge_counts(struct key3 *rows, size_t n, double *out)
{
	size_t m = 0;

	if (n > 0)
		qsort(rows, n, sizeof(*rows), key3_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && key3_cmp(&rows[i - 1], &rows[i]) == 0)
			out[m - 1] += rows[i].n;
		else
			out[m++] = rows[i].n;
	}
	return m;
}

/*
 * The entropy by e of the marginal of the three-key cells that keeps the
 * keys in mask (bit i: key i), with K the product of the kept sides' K
 * (declared in kdecl[i], or the classes seen); *classes gets the classes
 * seen of that marginal.
 */
static int
marginal_h(enum oed_estimator e, const uint64_t (*keys)[3], const double *w, size_t n,
	   unsigned mask, const double *kdecl, double *h, struct oed_err *err)
{
	struct key3 *rows = malloc((n ? n : 1) * sizeof(*rows));
	double *cnt = malloc((n ? n : 1) * sizeof(*cnt)), k = 1;
	size_t m;
	int rc = -1;

	if (rows == NULL || cnt == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (int s = 0; s < 3; s++) {
		double seen;

		if (!(mask & (1u << s)))
			continue;
		if (kdecl[s] > 0) {
			k *= kdecl[s];
			continue;
		}
		/* the classes seen on this side alone */
		for (size_t i = 0; i < n; i++)
			rows[i] = (struct key3){ { keys[i][s], 0, 0 }, w[i] };
		seen = (double)merge_counts(rows, n, cnt);
		k *= seen > 0 ? seen : 1;
	}
	for (size_t i = 0; i < n; i++) {
		rows[i].n = w[i];
		for (int s = 0; s < 3; s++)
			rows[i].k[s] = mask & (1u << s) ? keys[i][s] : 0;
	}
	m = merge_counts(rows, n, cnt);
	rc = oed_entropy(e, cnt, m, oed_estimator_uses_k(e) ? k : 0, h, err);
out:
	free(rows);
	free(cnt);
	return rc;
}

static int
check_k(double k, const char *side, struct oed_err *err)
{
	if (k == 0 || (k >= 1 && !isinf(k) && k == floor(k)))
		return 0;
	return oed_err_set(err, OED_EX_USAGE, "K of %s = %g is not a whole number of at least 1",
			   side, k);
}

/* Cells with zero or negative weight are left to oed_entropy to judge. */
static int
combine(enum oed_estimator e, const uint64_t (*keys)[3], const double *w, size_t n,
	const double *kdecl, const unsigned *masks, const double *signs, int nterms, double *out,
	struct oed_err *err)
{
	double sum = 0;

	for (int i = 0; i < nterms; i++) {
		double h;

		if (marginal_h(e, keys, w, n, masks[i], kdecl, &h, err) == -1)
			return -1;
		sum += signs[i] * h;
	}
	*out = sum;
	return 0;
}

int
oed_mi_estimate(enum oed_estimator e, const struct oed_cell *cells, size_t ncells, double kx,
		double ky, double *mi, struct oed_err *err)
{
	uint64_t (*keys)[3] = malloc((ncells ? ncells : 1) * sizeof(*keys));
	double *w = malloc((ncells ? ncells : 1) * sizeof(*w));
	double kdecl[3] = { kx, ky, 0 }, signs[3] = { 1, 1, -1 };
	unsigned masks[3] = { 1, 2, 3 };
	int rc = -1;

	*mi = 0;
	if (keys == NULL || w == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	if (check_k(kx, "x", err) == -1 || check_k(ky, "y", err) == -1)
		goto out;
	for (size_t i = 0; i < ncells; i++) {
		keys[i][0] = cells[i].x;
		keys[i][1] = cells[i].y;
		keys[i][2] = 0;
		w[i] = cells[i].n;
	}
	rc = combine(e, (const uint64_t (*)[3])keys, w, ncells, kdecl, masks, signs, 3, mi, err);
out:
	free(keys);
	free(w);
	return rc;
}

int
oed_cmi_estimate(enum oed_estimator e, const struct oed_xyz *cells, size_t ncells, double kx,
		 double ky, double kz, double *cmi, struct oed_err *err)
{
	uint64_t (*keys)[3] = malloc((ncells ? ncells : 1) * sizeof(*keys));
	double *w = malloc((ncells ? ncells : 1) * sizeof(*w));
	double kdecl[3] = { kx, ky, kz }, signs[4] = { 1, 1, -1, -1 };
	unsigned masks[4] = { 1 | 4, 2 | 4, 1 | 2 | 4, 4 };
	int rc = -1;

	*cmi = 0;
	if (keys == NULL || w == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	if (check_k(kx, "x", err) == -1 || check_k(ky, "y", err) == -1 ||
	    check_k(kz, "z", err) == -1)
		goto out;
	for (size_t i = 0; i < ncells; i++) {
		keys[i][0] = cells[i].x;
		keys[i][1] = cells[i].y;
		keys[i][2] = cells[i].z;
		w[i] = cells[i].n;
	}
	rc = combine(e, (const uint64_t (*)[3])keys, w, ncells, kdecl, masks, signs, 4, cmi, err);
out:
	free(keys);
	free(w);
	return rc;
}
