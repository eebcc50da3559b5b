#include "config.h"
#include "bootstrap.h"
#include "exit.h"
#include "progress.h"
#include "splitmix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


void
oed_rng_seed(struct oed_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = oed_splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
oed_rng_next(struct oed_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* The high and low halves of a 64 x 64 bit product. */
static void
mul_64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);

	*lo = (mid << 32) | (p00 & 0xFFFFFFFF);
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

uint64_t
oed_rng_below(struct oed_rng *r, uint64_t n)
{
	uint64_t hi, lo;

	/* Lemire (2019): the high word of x * n, rejecting the few low words that bias it */
	mul_64(oed_rng_next(r), n, &hi, &lo);
	if (lo < n) {
		uint64_t t = (0 - n) % n;

		while (lo < t)
			mul_64(oed_rng_next(r), n, &hi, &lo);
	}
	return hi;
}

double
oed_rng_unit(struct oed_rng *r)
{
	return (double)(oed_rng_next(r) >> 11) * 0x1.0p-53;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
oed_quantile(double *v, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), dbl_cmp);
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n || h == lo)
		return v[i < n ? i : n - 1];
	return v[i] + (h - lo) * (v[i + 1] - v[i]);
}

/* Walker's alias table (Vose's construction) over units weighted by their counts. */
struct alias {
	double *prob;
	size_t *other;
	size_t n;
};

static int
alias_build(struct alias *a, const uint64_t *counts, size_t n)
{
	size_t *small = malloc(n * sizeof(*small)), *large = malloc(n * sizeof(*large));
	double *p = malloc(n * sizeof(*p)), total = 0;
	size_t ns = 0, nl = 0;

	a->prob = malloc(n * sizeof(*a->prob));
	a->other = malloc(n * sizeof(*a->other));
	a->n = n;
	if (!small || !large || !p || !a->prob || !a->other) {
		free(small);
		free(large);
		free(p);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		total += (double)counts[i];
	for (size_t i = 0; i < n; i++) {
		p[i] = (double)counts[i] * (double)n / total;
		if (p[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0) {
		size_t s = small[--ns], l = large[--nl];

		a->prob[s] = p[s];
		a->other[s] = l;
		p[l] = (p[l] + p[s]) - 1;
		if (p[l] < 1)
			small[ns++] = l;
		else
			large[nl++] = l;
	}
	/* what is left is 1 up to rounding */
	while (nl > 0) {
		size_t l = large[--nl];

		a->prob[l] = 1;
		a->other[l] = l;
	}
	while (ns > 0) {
		size_t s = small[--ns];

		a->prob[s] = 1;
		a->other[s] = s;
	}
	free(small);
	free(large);
	free(p);
	return 0;
}

static void
alias_free(struct alias *a)
{
	free(a->prob);
	free(a->other);
}

int
oed_bootstrap(const struct oed_boot *b, size_t nstat, oed_boot_stat stat, void *ctx,
	      double *lo, double *hi, struct oed_err *err)
{
	uint64_t *mult = calloc(b->nunits ? b->nunits : 1, sizeof(*mult)), total = 0;
	double *vals = malloc((nstat ? nstat : 1) * (b->replicates ? b->replicates : 1) * sizeof(*vals));
	double *out = malloc((nstat ? nstat : 1) * sizeof(*out));
	size_t *nfinite = calloc(nstat ? nstat : 1, sizeof(*nfinite));
	struct alias al = { NULL, NULL, 0 };
	struct oed_rng rng;
	int rc = -1;

	for (size_t s = 0; s < nstat; s++)
		lo[s] = hi[s] = NAN;
	if (!mult || !vals || !out || !nfinite) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto done;
	}
	if (b->nunits == 0 || b->replicates == 0) {
		rc = 0;
		goto done;
	}
	if (b->scheme == OED_BOOT_RECORDS) {
		for (size_t u = 0; u < b->nunits; u++)
			total += b->counts[u];
		if (total == 0) {
			rc = 0;
			goto done;
		}
		if (alias_build(&al, b->counts, b->nunits) == -1) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto done;
		}
	}
	oed_rng_seed(&rng, b->seed);
	oed_progress_phase(b->progress, "bootstrap", "replicates", b->replicates);
	for (unsigned long rep = 0; rep < b->replicates; rep++) {
		memset(mult, 0, b->nunits * sizeof(*mult));
		if (b->scheme == OED_BOOT_CLUSTERS) {
			for (size_t i = 0; i < b->nunits; i++)
				mult[oed_rng_below(&rng, b->nunits)]++;
		} else {
			for (uint64_t i = 0; i < total; i++) {
				size_t u = (size_t)oed_rng_below(&rng, al.n);

				mult[oed_rng_unit(&rng) < al.prob[u] ? u : al.other[u]]++;
			}
		}
		if (stat(ctx, mult, out, err) == -1)
			goto done;
		for (size_t s = 0; s < nstat; s++)
			if (isfinite(out[s]))
				vals[s * b->replicates + nfinite[s]++] = out[s];
		oed_progress_step(b->progress, rep + 1);
	}
	for (size_t s = 0; s < nstat; s++) {
		double *v = vals + s * b->replicates;
		double qlo = oed_quantile(v, nfinite[s], (1 - b->level) / 2);
		double qhi = oed_quantile(v, nfinite[s], (1 + b->level) / 2);
		double t = b->estimate ? b->estimate[s] : NAN;

		if (b->bias) {
			double sum = 0;

			for (size_t i = 0; i < nfinite[s]; i++)
				sum += v[i];
			b->bias[s] = nfinite[s] && isfinite(t) ? sum / (double)nfinite[s] - t : NAN;
		}
		if (b->estimate == NULL) {
			lo[s] = qlo;
			hi[s] = qhi;
		} else if (isfinite(t) && t >= qlo && t <= qhi) {
			/* basic: the replicates' spread around the estimate, mirrored */
			lo[s] = 2 * t - qhi;
			hi[s] = 2 * t - qlo;
		}
	}
	rc = 0;
done:
	alias_free(&al);
	free(mult);
	free(vals);
	free(out);
	free(nfinite);
	return rc;
}
