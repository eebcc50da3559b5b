#include "config.h"
#include "lenstats.h"
#include "exit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
oed_lenhist_init(struct oed_lenhist *h)
{
	memset(h, 0, sizeof(*h));
	oed_tab_init(&h->big, 1);
}

void
oed_lenhist_release(struct oed_lenhist *h)
{
	free(h->dense);
	oed_tab_release(&h->big);
	memset(h, 0, sizeof(*h));
	oed_tab_init(&h->big, 1);
}

int
oed_lenhist_add(struct oed_lenhist *h, uint64_t len, const struct oed_count *w, struct oed_err *err)
{
	if (oed_count_is_zero(w))
		return 0;
	if (len < OED_LENHIST_DENSE) {
		if (h->dense == NULL &&
		    (h->dense = calloc(OED_LENHIST_DENSE, sizeof(*h->dense))) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		if (oed_count_add(&h->dense[len], w) == -1)
			return oed_err_set(err, OED_EX_FAIL, "a count passed 2^64");
	} else if (oed_tab_add(&h->big, &len, w, err) == -1) {
		return -1;
	}
	if (oed_count_add(&h->total, w) == -1)
		return oed_err_set(err, OED_EX_FAIL, "a count passed 2^64");
	if (w->frac)
		h->fractional = true;
	return 0;
}

int
oed_lenhist_merge(struct oed_lenhist *h, const struct oed_lenhist *src, struct oed_err *err)
{
	if (src->dense)
		for (uint64_t i = 0; i < OED_LENHIST_DENSE; i++)
			if (oed_lenhist_add(h, i, &src->dense[i], err) == -1)
				return -1;
	for (size_t i = 0; i < src->big.cap; i++) {
		struct oed_row row;

		if (oed_tab_get(&src->big, i, &row) && oed_lenhist_add(h, row.k[0], &row.n, err) == -1)
			return -1;
	}
	return 0;
}

int
oed_lenhist_bins(const struct oed_lenhist *h, struct oed_lenbin **bins, size_t *n,
		 struct oed_err *err)
{
	struct oed_row *rows;
	struct oed_lenbin *out;
	size_t nrows, k = 0, ndense = 0;

	*bins = NULL;
	*n = 0;
	if (h->dense)
		for (size_t i = 0; i < OED_LENHIST_DENSE; i++)
			ndense += !oed_count_is_zero(&h->dense[i]);
	if (oed_tab_sorted(&h->big, &rows, &nrows, err) == -1)
		return -1;
	if (ndense + nrows == 0)
		return 0;
	if ((out = malloc((ndense + nrows) * sizeof(*out))) == NULL) {
		free(rows);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	/* the dense lengths all come before the table's */
	if (h->dense)
		for (size_t i = 0; i < OED_LENHIST_DENSE; i++)
			if (!oed_count_is_zero(&h->dense[i]))
				out[k++] = (struct oed_lenbin){ i, h->dense[i] };
	for (size_t i = 0; i < nrows; i++)
		out[k++] = (struct oed_lenbin){ rows[i].k[0], rows[i].n };
	free(rows);
	*bins = out;
	*n = k;
	return 0;
}

/* The length at 0-based order statistic k (the first bin whose cumulative weight passes k). */
static double
order_stat(const struct oed_lenbin *bins, size_t n, double k)
{
	double seen = 0;

	for (size_t i = 0; i < n; i++) {
		seen += oed_count_value(&bins[i].n);
		if (k < seen)
			return (double)bins[i].len;
	}
	return (double)bins[n - 1].len;
}

double
oed_lenhist_quantile(const struct oed_lenbin *bins, size_t n, double q)
{
	double total = 0, h, lo, a, b;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		total += oed_count_value(&bins[i].n);
	h = (total - 1) * q;
	if (h < 0)
		h = 0;
	lo = floor(h);
	a = order_stat(bins, n, lo);
	b = order_stat(bins, n, lo + 1);
	/* numpy's lerp: exact at both ends, and no a + 0 * inf surprises */
	return h == lo ? a : a + (h - lo) * (b - a);
}

void
oed_lenhist_summary(const struct oed_lenbin *bins, size_t n, struct oed_lensummary *out)
{
	double total = 0, sum = 0, var = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		double c = oed_count_value(&bins[i].n);

		total += c;
		sum += c * (double)bins[i].len;
	}
	if (!(total > 0))
		return;
	out->n = total;
	out->mean = sum / total;
	/* two passes: the sum of squared deviations, not E[x^2] - mean^2 */
	for (size_t i = 0; i < n; i++) {
		double d = (double)bins[i].len - out->mean;

		var += oed_count_value(&bins[i].n) * d * d;
	}
	out->sd = sqrt(var / total);
	out->min = (double)bins[0].len;
	out->max = (double)bins[n - 1].len;
	out->p50 = oed_lenhist_quantile(bins, n, 0.50);
	out->p90 = oed_lenhist_quantile(bins, n, 0.90);
	out->p99 = oed_lenhist_quantile(bins, n, 0.99);
}

/* ---- exact integer moments: 256-bit unsigned numbers, four 64-bit limbs, low first ---- */

struct u256 {
	uint64_t w[4];
};

static void
mul_64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);

	*lo = (mid << 32) | (p00 & 0xFFFFFFFF);
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* acc += a * b * c (a, b, c < 2^64; the product fits in 192 bits) */
static void
u256_addmul3(struct u256 *acc, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t hi, lo, p[4] = { 0, 0, 0, 0 }, h2, l2, carry = 0;

	mul_64(a, b, &hi, &lo);
	/* (hi:lo) * c */
	mul_64(lo, c, &h2, &l2);
	p[0] = l2;
	p[1] = h2;
	mul_64(hi, c, &h2, &l2);
	p[1] += l2;
	p[2] = h2 + (p[1] < l2);
	for (int i = 0; i < 4; i++) {
		uint64_t s = acc->w[i] + p[i];
		uint64_t c1 = s < p[i];

		acc->w[i] = s + carry;
		carry = c1 + (acc->w[i] < s);
	}
}

/* Decimal digits of x into out (at most 78 digits). */
static void
u256_decimal(struct u256 x, char *out, size_t size)
{
	char digits[80];
	size_t nd = 0;
	bool zero;

	do {
		uint64_t rem = 0;

		zero = true;
		/* divide by 10, limb by limb from the top, in 32-bit halves */
		for (int i = 3; i >= 0; i--) {
			uint64_t hi = (rem << 32) | (x.w[i] >> 32), qh = hi / 10;
			uint64_t lo;

			rem = hi % 10;
			lo = (rem << 32) | (x.w[i] & 0xFFFFFFFF);
			x.w[i] = (qh << 32) | (lo / 10);
			rem = lo % 10;
			if (x.w[i])
				zero = false;
		}
		digits[nd++] = (char)('0' + rem);
	} while (!zero && nd < sizeof(digits));
	if (nd + 1 > size)
		nd = size - 1;
	for (size_t i = 0; i < nd; i++)
		out[i] = digits[nd - 1 - i];
	out[nd] = '\0';
}

int
oed_lenhist_moments(const struct oed_lenbin *bins, size_t n, char count[80], char sum[80],
		     char sumsq[80])
{
	struct u256 c = { { 0, 0, 0, 0 } }, s = c, q = c;

	for (size_t i = 0; i < n; i++) {
		if (bins[i].n.frac)
			return -1;
		u256_addmul3(&c, bins[i].n.whole, 1, 1);
		u256_addmul3(&s, bins[i].n.whole, bins[i].len, 1);
		u256_addmul3(&q, bins[i].n.whole, bins[i].len, bins[i].len);
	}
	u256_decimal(c, count, 80);
	u256_decimal(s, sum, 80);
	u256_decimal(q, sumsq, 80);
	return 0;
}
