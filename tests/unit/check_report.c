/*
 * Unit tests for oed-report's statistics (lib/report/stats.c) against
 * statsmodels and scipy (tests/ref/report_ref.py), and for the report
 * model: kinds, cells, the Markdown size limit.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/audit.h"
#include "report/compare.h"
#include "report/stats.h"
#include "../ref/report_ref.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
close_rel(double got, double want, double rel, const char *what, size_t i)
{
	double tol = rel * fmax(fabs(want), 1e-300);

	ck_assert_msg(fabs(got - want) <= tol, "%s case %zu: got %.17g, want %.17g", what, i, got, want);
}

START_TEST(mcnemar_matches_statsmodels)
{
	for (size_t i = 0; i < N(mcnemar_cases); i++)
		close_rel(oed_mcnemar_exact(mcnemar_cases[i].b, mcnemar_cases[i].c), mcnemar_cases[i].p,
			  1e-10, "mcnemar", i);
}
END_TEST

START_TEST(sign_test_and_wilson_match_scipy)
{
	for (size_t i = 0; i < N(binom_cases); i++) {
		double lo, hi;

		close_rel(oed_sign_test(binom_cases[i].k, binom_cases[i].n), binom_cases[i].p, 1e-10,
			  "sign test", i);
		oed_wilson(binom_cases[i].k, binom_cases[i].n, &lo, &hi);
		/* an end at 0 or 1 is exact; else relative */
		ck_assert_msg(fabs(lo - binom_cases[i].lo) <= 1e-12 + 1e-12 * binom_cases[i].lo,
			      "wilson lo case %zu: got %.17g, want %.17g", i, lo, binom_cases[i].lo);
		ck_assert_msg(fabs(hi - binom_cases[i].hi) <= 1e-12,
			      "wilson hi case %zu: got %.17g, want %.17g", i, hi, binom_cases[i].hi);
	}
}
END_TEST

START_TEST(holm_matches_statsmodels)
{
	for (size_t i = 0; i < N(holm_cases); i++) {
		double adj[8];

		oed_holm(holm_cases[i].p, holm_cases[i].m, adj);
		for (size_t j = 0; j < holm_cases[i].m; j++)
			close_rel(adj[j], holm_cases[i].adj[j], 1e-12, "holm", i);
	}
}
END_TEST

START_TEST(signflip_exact_matches_scipy)
{
	for (size_t i = 0; i < N(flip_cases); i++)
		close_rel(oed_signflip_p(flip_cases[i].d, flip_cases[i].n, 20, 0, 1), flip_cases[i].p,
			  1e-12, "sign-flip", i);
}
END_TEST

START_TEST(signflip_monte_carlo_near_exact)
{
	/* 20000 random patterns: within four standard errors of the exact p */
	for (size_t i = 0; i < N(flip_cases); i++) {
		double p = flip_cases[i].p, got = oed_signflip_p(flip_cases[i].d, flip_cases[i].n, 0, 20000, 7);
		double se = sqrt(fmax(p * (1 - p), 1e-4) / 20000);

		ck_assert_msg(fabs(got - p) <= 4 * se + 1e-4, "case %zu: %g vs %g", i, got, p);
	}
}
END_TEST

START_TEST(signflip_is_seeded)
{
	const double *d = flip_cases[3].d;

	ck_assert(oed_signflip_p(d, 15, 0, 5000, 42) == oed_signflip_p(d, 15, 0, 5000, 42));
}
END_TEST

START_TEST(bootstrap_near_scipy)
{
	/* different draws: the ends agree within Monte Carlo error, 5% of the width */
	for (size_t i = 0; i < N(boot_cases); i++) {
		double lo, hi, w = boot_cases[i].hi - boot_cases[i].lo, lo2, hi2;

		ck_assert_int_eq(oed_paired_bootstrap(boot_cases[i].d, boot_cases[i].n, 20000, 3, &lo, &hi), 0);
		ck_assert_msg(fabs(lo - boot_cases[i].lo) < 0.05 * w && fabs(hi - boot_cases[i].hi) < 0.05 * w,
			      "case %zu: [%g, %g] vs scipy [%g, %g]", i, lo, hi, boot_cases[i].lo, boot_cases[i].hi);
		ck_assert_int_eq(oed_paired_bootstrap(boot_cases[i].d, boot_cases[i].n, 20000, 3, &lo2, &hi2), 0);
		ck_assert(lo == lo2 && hi == hi2);
	}
}
END_TEST

START_TEST(mde_matches_statsmodels)
{
	for (size_t i = 0; i < N(mde_cases); i++)
		close_rel(oed_mde(mde_cases[i].sd, mde_cases[i].n), mde_cases[i].mde, 1e-5, "mde", i);
}
END_TEST

START_TEST(trend_matches_scipy)
{
	for (size_t i = 0; i < N(trend_cases); i++) {
		const struct trend_case *c = &trend_cases[i];
		struct oed_trend t;

		ck_assert_int_eq(oed_trend(c->x, c->y, c->n, &t), 0);
		close_rel(t.slope, c->slope, 1e-12, "slope", i);
		close_rel(t.intercept, c->intercept, 1e-12, "intercept", i);
		close_rel(t.lo, c->lo, 1e-12, "slope lo", i);
		close_rel(t.hi, c->hi, 1e-12, "slope hi", i);
		close_rel(t.tau, c->tau, 1e-12, "tau", i);
		close_rel(t.p_value, c->p, 1e-10, "mann-kendall p", i);
	}
}
END_TEST

START_TEST(trend_needs_three_points)
{
	double x[] = { 1, 2 }, y[] = { 3, 4 };
	struct oed_trend t;

	ck_assert_int_eq(oed_trend(x, y, 2, &t), -1);
}
END_TEST

START_TEST(kinds_and_cells)
{
	json_t *rec = json_loads("{\"kind\":\"bench.summary\",\"metrics\":{\"em\":{\"mean\":0.123456}},"
				 "\"x\":[1,true,null],\"s\":\"a\"}", 0, NULL);
	json_t *plain = json_loads("{\"input_id\":\"q\",\"output\":\"o\"}", 0, NULL);
	struct oed_sb b = { 0 };

	ck_assert_str_eq(oed_rep_kindof(rec), "bench.summary");
	ck_assert_str_eq(oed_rep_kindof(plain), "record");
	ck_assert_ptr_null(oed_rep_kind_find("no.such"));
	ck_assert(oed_rep_num(rec, "metrics.em.mean") == 0.123456);
	oed_rep_cell(&b, oed_rep_get(rec, "metrics.em.mean"));
	oed_sb_puts(&b, "|");
	oed_rep_cell(&b, oed_rep_get(rec, "x"));
	oed_sb_puts(&b, "|");
	{
		const char *h = "<a href=\"x\">'&'</a>";

		oed_sb_html(&b, h, strlen(h));
	}
	ck_assert_str_eq(b.s, "0.1235|1, yes, |&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	oed_sb_release(&b);
	json_decref(rec);
	json_decref(plain);
}
END_TEST

START_TEST(markdown_stays_under_limit)
{
	struct oed_report rep;
	struct oed_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	oed_rep_init(&rep);
	rep.md_limit = 4000;
	for (int i = 0; i < 500; i++) {
		json_t *r = json_pack("{s:s, s:s, s:i, s:s}", "kind", "bench.item", "input_id", "q",
				      "sample", i, "output", "a long output | with a pipe");

		ck_assert_int_eq(oed_rep_add(&rep, r, &err), 0);
	}
	fp = open_memstream(&buf, &len);
	ck_assert_int_eq(oed_rep_md(&rep, fp, &err), 0);
	fclose(fp);
	ck_assert_uint_lt(len, 4000);
	ck_assert_ptr_nonnull(strstr(buf, "_Truncated to fit a comment:"));
	ck_assert_ptr_nonnull(strstr(buf, "with a pipe"));
	ck_assert_ptr_nonnull(strstr(buf, "\\|"));
	free(buf);
	oed_rep_release(&rep);
}
END_TEST

START_TEST(chain_hash_matches_hashlib)
{
	for (size_t i = 0; i < N(chain_cases); i++) {
		json_t *run = json_loads(chain_cases[i].run, 0, NULL);
		struct oed_err err;
		char hex[65];

		ck_assert_ptr_nonnull(run);
		ck_assert_int_eq(oed_audit_hash(chain_cases[i].prev, run, hex, &err), 0);
		ck_assert_str_eq(hex, chain_cases[i].hash);
		json_decref(run);
	}
}
END_TEST

static void
add_item(struct oed_report *rep, const char *id, const char *lang, int pass, double f1)
{
	struct oed_err err;
	json_t *r = json_pack("{s:s, s:s, s:i, s:{s:s}, s:{s:b, s:f}}", "kind", "bench.item", "input_id", id,
			      "sample", 0, "meta", "lang", lang, "scores", "exact_match", pass, "f1", f1);

	ck_assert_int_eq(oed_rep_add(rep, r, &err), 0);
}

START_TEST(compare_aligns_and_decomposes)
{
	struct oed_report a, b, out;
	struct oed_cmp_opts o = { .bootstrap = 500, .permutations = 1000, .seed = 1, .by = "meta.lang" };
	struct oed_err err;
	bool gate;
	double total_a = 0, total_b = 0, sum = 0, mean_a, mean_b;
	size_t i, na = 0, nb = 0;
	json_t *r;

	oed_rep_init(&a);
	oed_rep_init(&b);
	oed_rep_init(&out);
	/* A: 6 items, B: 5 of them plus one of its own; French gets worse, the mix shifts */
	add_item(&a, "q1", "en", 1, 0.9);
	add_item(&a, "q2", "en", 1, 0.8);
	add_item(&a, "q3", "fr", 1, 0.7);
	add_item(&a, "q4", "fr", 0, 0.6);
	add_item(&a, "q5", "de", 1, 0.5);
	add_item(&a, "q6", "de", 0, 0.4);
	add_item(&b, "q1", "en", 1, 0.9);
	add_item(&b, "q2", "en", 0, 0.7);
	add_item(&b, "q3", "fr", 0, 0.2);
	add_item(&b, "q4", "fr", 0, 0.1);
	add_item(&b, "q5", "de", 1, 0.5);
	add_item(&b, "q7", "fr", 0, 0.3);
	ck_assert_int_eq(oed_rep_compare(&a, &b, &o, &out, &gate, &err), 0);
	r = json_array_get(out.recs, 0);
	ck_assert_str_eq(oed_rep_str(r, "kind"), "report.alignment");
	ck_assert(oed_rep_num(r, "aligned") == 5 && oed_rep_num(r, "only_a") == 1 && oed_rep_num(r, "only_b") == 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r, "only_a_items"), 0)), "q6#0");
	r = json_array_get(out.recs, 1);
	ck_assert_str_eq(oed_rep_str(r, "scorer"), "exact_match");
	ck_assert_str_eq(oed_rep_str(r, "test"), "mcnemar-exact");
	/* pairs q1..q5: A passes 1,1,1,0,1, B 1,0,0,0,1: two pass in A only */
	ck_assert(oed_rep_num(r, "a_only") == 2 && oed_rep_num(r, "b_only") == 0);
	ck_assert(fabs(oed_rep_num(r, "p_value") - 0.5) < 1e-12);
	ck_assert(fabs(oed_rep_num(r, "diff") - (-0.4)) < 1e-12);
	/* the mix and rate effects of exact_match sum to the change of the overall means */
	json_array_foreach(out.recs, i, r) {
		const char *kind = oed_rep_str(r, "kind");

		if (strcmp(kind, "report.by") != 0 || strcmp(oed_rep_str(r, "scorer"), "exact_match") != 0)
			continue;
		sum += oed_rep_num(r, "mix") + (isfinite(oed_rep_num(r, "rate")) ? oed_rep_num(r, "rate") : 0);
		total_a += oed_rep_num(r, "n_a") * (isfinite(oed_rep_num(r, "mean_a")) ? oed_rep_num(r, "mean_a") : 0);
		total_b += oed_rep_num(r, "n_b") * (isfinite(oed_rep_num(r, "mean_b")) ? oed_rep_num(r, "mean_b") : 0);
		na += (size_t)oed_rep_num(r, "n_a");
		nb += (size_t)oed_rep_num(r, "n_b");
	}
	mean_a = total_a / (double)na;
	mean_b = total_b / (double)nb;
	ck_assert_uint_eq(na, 6);
	ck_assert_uint_eq(nb, 6);
	ck_assert(fabs(mean_a - 4.0 / 6) < 1e-12 && fabs(mean_b - 2.0 / 6) < 1e-12);
	ck_assert_msg(fabs(sum - (mean_b - mean_a)) < 1e-12, "effects sum to %g, change %g", sum, mean_b - mean_a);
	ck_assert(!gate);
	oed_rep_release(&a);
	oed_rep_release(&b);
	oed_rep_release(&out);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("report");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, mcnemar_matches_statsmodels);
	tcase_add_test(tc, sign_test_and_wilson_match_scipy);
	tcase_add_test(tc, holm_matches_statsmodels);
	tcase_add_test(tc, signflip_exact_matches_scipy);
	tcase_add_test(tc, signflip_monte_carlo_near_exact);
	tcase_add_test(tc, signflip_is_seeded);
	tcase_add_test(tc, bootstrap_near_scipy);
	tcase_add_test(tc, mde_matches_statsmodels);
	tcase_add_test(tc, trend_matches_scipy);
	tcase_add_test(tc, trend_needs_three_points);
	tcase_add_test(tc, kinds_and_cells);
	tcase_add_test(tc, markdown_stays_under_limit);
	tcase_add_test(tc, chain_hash_matches_hashlib);
	tcase_add_test(tc, compare_aligns_and_decomposes);
	suite_add_tcase(su, tc);
	tcase_set_timeout(tc, 60);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
