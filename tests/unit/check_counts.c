/*
 * Exact counts, count tables, length histograms and the bootstrap's
 * building blocks, against numpy's quantiles and exact integer moments.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info/bootstrap.h"
#include "info/counts.h"
#include "info/lenstats.h"
#include "../ref/counts_ref.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
assert_close(double got, double want, double rel, const char *what)
{
	double tol = rel * fabs(want) + 1e-12;

	ck_assert_msg(fabs(got - want) <= tol, "%s: got %.17g, want %.17g", what, got, want);
}

/* ---- exact counts ---- */

/*
 * oed_tab_take_sorted sorts the rows where the table was (the peak is the
 * table alone) and gives what a sorted copy gives; oed_sort sorts like
 * qsort without allocating.
 */
static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

START_TEST(take_sorted_equals_sorted)
{
	for (unsigned nk = 1; nk <= 3; nk++) {
		struct oed_tab a, b;
		struct oed_row *ra, *rb;
		struct oed_err err;
		size_t na, nb;
		uint64_t seed = nk;

		oed_tab_init(&a, nk);
		oed_tab_init(&b, nk);
		for (int i = 0; i < 20000; i++) {
			uint64_t k[3];
			struct oed_count w = { (uint64_t)(i % 7) + 1, (uint64_t)i << 40 };

			for (unsigned j = 0; j < nk; j++) {
				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				k[j] = (seed >> 33) % 3000;	/* repeats, so rows add up */
			}
			ck_assert_int_eq(oed_tab_add(&a, k, &w, &err), 0);
			ck_assert_int_eq(oed_tab_add(&b, k, &w, &err), 0);
		}
		ck_assert_int_eq(oed_tab_sorted(&a, &ra, &na, &err), 0);
		ck_assert_int_eq(oed_tab_take_sorted(&b, &rb, &nb, &err), 0);
		ck_assert_uint_eq(na, nb);
		ck_assert_int_eq(memcmp(ra, rb, na * sizeof(*ra)), 0);
		ck_assert_ptr_null(b.slot);
		ck_assert_uint_eq(b.used, 0);
		free(ra);
		free(rb);
		oed_tab_release(&a);
	}
	{
		int v[5000], w[5000];
		uint64_t seed = 9;

		for (int i = 0; i < 5000; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			v[i] = w[i] = (int)((seed >> 33) % 100);
		}
		oed_sort(v, 5000, sizeof(v[0]), int_cmp);
		qsort(w, 5000, sizeof(w[0]), int_cmp);
		ck_assert_int_eq(memcmp(v, w, sizeof(v)), 0);
		for (int i = 0; i < 5000; i++)
			v[i] = 5000 - i;	/* descending, then sorted: no quadratic case */
		oed_sort(v, 5000, sizeof(v[0]), int_cmp);
		for (int i = 1; i < 5000; i++)
			ck_assert_int_le(v[i - 1], v[i]);
	}
}
END_TEST

START_TEST(count_arithmetic)
{
	struct oed_count c, d;

	ck_assert_int_eq(oed_count_from_double(1, &c), 0);
	ck_assert(c.whole == 1 && c.frac == 0);
	ck_assert_int_eq(oed_count_from_double(2.25, &c), 0);
	ck_assert(c.whole == 2 && c.frac == (1ULL << 62));
	ck_assert_int_eq(oed_count_from_double(0.5, &d), 0);
	ck_assert(d.whole == 0 && d.frac == (1ULL << 63));
	/* the halves carry into the whole part */
	ck_assert_int_eq(oed_count_add(&d, &(struct oed_count){ 0, 1ULL << 63 }), 0);
	ck_assert(d.whole == 1 && d.frac == 0);
	ck_assert_int_eq(oed_count_mul(&d, 3, &(struct oed_count){ 1, 1ULL << 63 }), 0);
	ck_assert(d.whole == 4 && d.frac == (1ULL << 63));
	assert_close(oed_count_value(&d), 4.5, 0, "value");
	assert_close(oed_count_value(&c), 2.25, 0, "value");
	/* 0.1 is not dyadic: its 64 binary places come back to the same double */
	ck_assert_int_eq(oed_count_from_double(0.1, &c), 0);
	ck_assert(oed_count_value(&c) == 0.1);
	ck_assert_int_eq(oed_count_cmp(&c, &d), -1);
	ck_assert_int_eq(oed_count_cmp(&d, &d), 0);
}
END_TEST

START_TEST(count_limits)
{
	struct oed_count c = { UINT64_MAX, 0 }, one = OED_COUNT_ONE;

	ck_assert_int_eq(oed_count_from_double(-1, &c), -1);
	ck_assert_int_eq(oed_count_from_double(NAN, &c), -1);
	ck_assert_int_eq(oed_count_from_double(INFINITY, &c), -1);
	ck_assert_int_eq(oed_count_from_double(18446744073709551616.0, &c), -1);
	ck_assert_int_eq(oed_count_from_double(0, &c), 0);
	ck_assert(oed_count_is_zero(&c));
	c = (struct oed_count){ UINT64_MAX, 0 };
	ck_assert_int_eq(oed_count_add(&c, &one), -1);
	c = (struct oed_count){ UINT64_MAX, UINT64_MAX };
	ck_assert_int_eq(oed_count_add(&c, &(struct oed_count){ 0, 1 }), -1);
	ck_assert_int_eq(oed_count_mul(&c, 2, &(struct oed_count){ 1ULL << 63, 0 }), -1);
	ck_assert_int_eq(oed_count_mul(&c, 1ULL << 32, &(struct oed_count){ 1ULL << 31, 0 }), 0);
	ck_assert(c.whole == 1ULL << 63);
}
END_TEST

/* ---- tables ---- */

static uint64_t
mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	return z ^ (z >> 27);
}

START_TEST(tab_merge_equals_single)
{
	struct oed_tab all, part[3], merged;
	struct oed_row *a, *b;
	struct oed_err err;
	size_t na, nb;
	uint64_t s = 7;

	oed_tab_init(&all, 3);
	oed_tab_init(&merged, 3);
	for (int p = 0; p < 3; p++)
		oed_tab_init(&part[p], 3);
	for (int i = 0; i < 200000; i++) {
		uint64_t k[3] = { mix(&s) % 97, mix(&s) % 1000, mix(&s) % 3 };
		struct oed_count w = { mix(&s) % 5, (i % 7) ? 0 : mix(&s) };

		ck_assert_int_eq(oed_tab_add(&all, k, &w, &err), 0);
		ck_assert_int_eq(oed_tab_add(&part[i % 3], k, &w, &err), 0);
	}
	/* merge in another order than the records came */
	for (int p = 2; p >= 0; p--)
		ck_assert_int_eq(oed_tab_merge(&merged, &part[p], &err), 0);
	ck_assert_int_eq(oed_tab_sorted(&all, &a, &na, &err), 0);
	ck_assert_int_eq(oed_tab_sorted(&merged, &b, &nb, &err), 0);
	ck_assert_uint_eq(na, nb);
	ck_assert_uint_eq(na, all.used);
	ck_assert_int_eq(memcmp(a, b, na * sizeof(*a)), 0);
	ck_assert(all.fractional && merged.fractional);
	ck_assert_int_eq(oed_count_cmp(&all.total, &merged.total), 0);
	for (size_t i = 1; i < na; i++)
		ck_assert_int_lt(oed_row_cmp(&a[i - 1], &a[i]), 0);
	free(a);
	free(b);
	oed_tab_release(&all);
	oed_tab_release(&merged);
	for (int p = 0; p < 3; p++)
		oed_tab_release(&part[p]);
}
END_TEST

START_TEST(tab_keys_and_limits)
{
	struct oed_tab t;
	struct oed_row *rows;
	struct oed_err err;
	size_t n;
	uint64_t k1[3] = { 1, 2, 0 }, k2[3] = { 2, 1, 0 };
	struct oed_count zero = { 0, 0 }, one = OED_COUNT_ONE, huge = { UINT64_MAX, 0 };

	oed_tab_init(&t, 2);
	ck_assert_int_eq(oed_tab_sorted(&t, &rows, &n, &err), 0);
	ck_assert_ptr_null(rows);
	ck_assert_uint_eq(n, 0);
	/* zero weights make no row; swapped keys are other rows */
	ck_assert_int_eq(oed_tab_add(&t, k1, &zero, &err), 0);
	ck_assert_uint_eq(t.used, 0);
	ck_assert_int_eq(oed_tab_add(&t, k1, &one, &err), 0);
	ck_assert_int_eq(oed_tab_add(&t, k2, &one, &err), 0);
	ck_assert_int_eq(oed_tab_add(&t, k1, &one, &err), 0);
	ck_assert_uint_eq(t.used, 2);
	ck_assert(!t.fractional);
	ck_assert_int_eq(oed_tab_sorted(&t, &rows, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(rows[0].k[0] == 1 && rows[0].n.whole == 2);
	ck_assert(rows[1].k[0] == 2 && rows[1].n.whole == 1);
	free(rows);
	ck_assert_int_eq(oed_tab_add(&t, k2, &huge, &err), -1);
	ck_assert_str_eq(err.msg, "a count passed 2^64");
	oed_tab_release(&t);
}
END_TEST

START_TEST(names_first_text)
{
	struct oed_names m;
	char key[32];

	oed_names_init(&m);
	ck_assert_ptr_null(oed_names_get(&m, 5));
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "input-%d", i);
		ck_assert_int_eq(oed_names_put(&m, oed_fingerprint(key, strlen(key)), key, strlen(key)), 0);
	}
	ck_assert_int_eq(oed_names_put(&m, oed_fingerprint("input-7", 7), "other", 5), 0);
	ck_assert_str_eq(oed_names_get(&m, oed_fingerprint("input-7", 7)), "input-7");
	ck_assert_str_eq(oed_names_get(&m, oed_fingerprint("input-4999", 10)), "input-4999");
	ck_assert_uint_eq(oed_names_size(&m), 5000);
	oed_names_release(&m);
}
END_TEST

/* ---- length histograms ---- */

START_TEST(lenhist_against_numpy)
{
	size_t nsamples = NELEM(len_offsets) - 1;
	struct oed_err err;

	for (size_t s = 0; s < nsamples; s++) {
		struct oed_lenhist h, p1, p2;
		struct oed_lenbin *bins, *bins2;
		struct oed_lensummary st;
		size_t nb, nb2;
		char what[64], c[80], sum[80], sq[80];

		oed_lenhist_init(&h);
		oed_lenhist_init(&p1);
		oed_lenhist_init(&p2);
		/* backwards, and split in two halves merged later */
		for (size_t i = len_offsets[s + 1]; i-- > len_offsets[s];) {
			struct oed_count w = { len_counts[i], 0 };

			ck_assert_int_eq(oed_lenhist_add(&h, len_values[i], &w, &err), 0);
			ck_assert_int_eq(oed_lenhist_add(i % 2 ? &p1 : &p2, len_values[i], &w, &err), 0);
		}
		ck_assert_int_eq(oed_lenhist_merge(&p2, &p1, &err), 0);
		ck_assert_int_eq(oed_lenhist_bins(&h, &bins, &nb, &err), 0);
		ck_assert_int_eq(oed_lenhist_bins(&p2, &bins2, &nb2, &err), 0);
		ck_assert_uint_eq(nb, nb2);
		ck_assert_int_eq(memcmp(bins, bins2, nb * sizeof(*bins)), 0);

		oed_lenhist_summary(bins, nb, &st);
		snprintf(what, sizeof(what), "sample %zu mean", s);
		assert_close(st.mean, len_expect[s][0], 1e-12, what);
		snprintf(what, sizeof(what), "sample %zu sd", s);
		assert_close(st.sd, len_expect[s][1], 1e-12, what);
		ck_assert(st.min == len_expect[s][2] && st.max == len_expect[s][3]);
		for (size_t q = 0; q < NELEM(len_qs); q++) {
			snprintf(what, sizeof(what), "sample %zu quantile %g", s, len_qs[q]);
			assert_close(oed_lenhist_quantile(bins, nb, len_qs[q]), len_expect[s][4 + q], 1e-12,
				     what);
		}
		assert_close(st.p50, len_expect[s][4 + 4], 1e-12, "p50");
		assert_close(st.p90, len_expect[s][4 + 6], 1e-12, "p90");
		assert_close(st.p99, len_expect[s][4 + 7], 1e-12, "p99");

		ck_assert_int_eq(oed_lenhist_moments(bins, nb, c, sum, sq), 0);
		ck_assert_str_eq(c, len_moments[s][0]);
		ck_assert_str_eq(sum, len_moments[s][1]);
		ck_assert_str_eq(sq, len_moments[s][2]);
		free(bins);
		free(bins2);
		oed_lenhist_release(&h);
		oed_lenhist_release(&p1);
		oed_lenhist_release(&p2);
	}
}
END_TEST

START_TEST(lenhist_limits)
{
	struct oed_lenhist h;
	struct oed_lenbin *bins;
	struct oed_lensummary st;
	struct oed_err err;
	struct oed_count big = { 1ULL << 40, 0 }, half = { 0, 1ULL << 63 };
	size_t nb;
	char c[80], sum[80], sq[80];

	oed_lenhist_init(&h);
	ck_assert_int_eq(oed_lenhist_bins(&h, &bins, &nb, &err), 0);
	ck_assert_uint_eq(nb, 0);
	oed_lenhist_summary(bins, nb, &st);
	ck_assert(st.n == 0 && st.mean == 0 && st.max == 0);
	/* moments past 2^64 */
	ck_assert_int_eq(oed_lenhist_add(&h, 1ULL << 40, &big, &err), 0);
	ck_assert_int_eq(oed_lenhist_bins(&h, &bins, &nb, &err), 0);
	ck_assert_int_eq(oed_lenhist_moments(bins, nb, c, sum, sq), 0);
	ck_assert_str_eq(c, big_moments[0]);
	ck_assert_str_eq(sum, big_moments[1]);
	ck_assert_str_eq(sq, big_moments[2]);
	free(bins);
	/* a fractional weight: no integer moments, statistics by weight */
	ck_assert_int_eq(oed_lenhist_add(&h, 3, &half, &err), 0);
	ck_assert(h.fractional);
	ck_assert_int_eq(oed_lenhist_bins(&h, &bins, &nb, &err), 0);
	ck_assert_int_eq(oed_lenhist_moments(bins, nb, c, sum, sq), -1);
	oed_lenhist_summary(bins, nb, &st);
	ck_assert(st.min == 3 && st.max == (double)(1ULL << 40));
	free(bins);
	oed_lenhist_release(&h);
}
END_TEST

/* ---- bootstrap pieces ---- */

START_TEST(quantile_against_numpy)
{
	double v[NELEM(qvec)];
	static const double q[3] = { 0.025, 0.5, 0.975 };

	for (int i = 0; i < 3; i++) {
		memcpy(v, qvec, sizeof(v));
		assert_close(oed_quantile(v, NELEM(v), q[i]), qvec_expect[i], 1e-13, "quantile");
	}
	ck_assert(isnan(oed_quantile(v, 0, 0.5)));
	ck_assert(oed_quantile(v, 1, 0.9) == v[0]);
}
END_TEST

START_TEST(rng_deterministic)
{
	struct oed_rng a, b;
	uint64_t hist[7] = { 0 };

	oed_rng_seed(&a, 42);
	oed_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ck_assert(oed_rng_next(&a) == oed_rng_next(&b));
	oed_rng_seed(&b, 43);
	ck_assert(oed_rng_next(&a) != oed_rng_next(&b));
	for (int i = 0; i < 70000; i++) {
		uint64_t x = oed_rng_below(&a, 7);

		ck_assert(x < 7);
		hist[x]++;
	}
	/* each of the 7 values near 10000 (sd about 93) */
	for (int i = 0; i < 7; i++)
		ck_assert_msg(hist[i] > 9500 && hist[i] < 10500, "value %d drawn %llu times", i,
			      (unsigned long long)hist[i]);
	for (int i = 0; i < 1000; i++) {
		double u = oed_rng_unit(&a);

		ck_assert(u >= 0 && u < 1);
	}
}
END_TEST

/* The statistic: the weighted mean of unit values. */
static int
mean_stat(void *ctx, const uint64_t *mult, double *out, struct oed_err *err)
{
	const double *x = ctx;
	double s = 0, n = 0;

	for (int i = 0; i < 50; i++) {
		s += (double)mult[i] * x[i];
		n += (double)mult[i];
	}
	out[0] = s / n;
	out[1] = NAN;
	return 0;
}

START_TEST(bootstrap_deterministic)
{
	double x[50], lo[2], hi[2], lo2[2], hi2[2];
	uint64_t counts[50];
	struct oed_boot b = { .scheme = OED_BOOT_CLUSTERS, .nunits = 50, .replicates = 400, .level = 0.95, .seed = 7 };
	struct oed_err err;

	for (int i = 0; i < 50; i++) {
		x[i] = i;
		counts[i] = 1 + i % 3;
	}
	ck_assert_int_eq(oed_bootstrap(&b, 2, mean_stat, x, lo, hi, &err), 0);
	ck_assert_int_eq(oed_bootstrap(&b, 2, mean_stat, x, lo2, hi2, &err), 0);
	ck_assert(lo[0] == lo2[0] && hi[0] == hi2[0]);
	/* the mean is 24.5 with a standard error near 2.0 */
	ck_assert(lo[0] < 24.5 && hi[0] > 24.5);
	ck_assert(lo[0] > 19 && hi[0] < 30);
	ck_assert(isnan(lo[1]) && isnan(hi[1]));
	b.seed = 8;
	ck_assert_int_eq(oed_bootstrap(&b, 2, mean_stat, x, lo2, hi2, &err), 0);
	ck_assert(lo[0] != lo2[0] || hi[0] != hi2[0]);
	/* resampling records: every replicate holds all 100 records */
	b.scheme = OED_BOOT_RECORDS;
	b.counts = counts;
	ck_assert_int_eq(oed_bootstrap(&b, 2, mean_stat, x, lo, hi, &err), 0);
	ck_assert(lo[0] < hi[0]);
	b.replicates = 0;
	ck_assert_int_eq(oed_bootstrap(&b, 2, mean_stat, x, lo, hi, &err), 0);
	ck_assert(isnan(lo[0]) && isnan(hi[0]));
}
END_TEST

static Suite *
counts_suite(void)
{
	Suite *s = suite_create("counts");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, count_arithmetic);
	tcase_add_test(core, take_sorted_equals_sorted);
	tcase_add_test(core, tab_merge_equals_single);
	tcase_add_test(core, names_first_text);
	tcase_add_test(core, lenhist_against_numpy);
	tcase_add_test(core, quantile_against_numpy);
	tcase_add_test(core, rng_deterministic);
	tcase_add_test(core, bootstrap_deterministic);
	tcase_add_test(limits, count_limits);
	tcase_add_test(limits, tab_keys_and_limits);
	tcase_add_test(limits, lenhist_limits);
	tcase_set_timeout(core, 60);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(counts_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
