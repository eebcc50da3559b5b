/*
 * Entropy estimators, estimator-based MI and CMI against
 * tests/ref/info_ref.h (scipy, mpmath and independent Python
 * implementations of the published formulas, gen_info_ref.py).
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "info/estimators.h"
#include "info/mi.h"
#include "../ref/info_ref.h"
#include "man_lists.h"

static void
close_to(double got, double want, double rel, double abs_tol, const char *what, const char *name)
{
	double tol = rel * fabs(want) + abs_tol;

	ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "%s, %s: got %.17g, want %.17g",
		      name, what, got, want);
}

START_TEST(names_round_trip)
{
	struct oed_err err;
	enum oed_estimator e;

	for (int i = 0; i < OED_EST_COUNT; i++) {
		ck_assert_int_eq(oed_estimator_parse(oed_estimator_name((enum oed_estimator)i), &e, &err), 0);
		ck_assert_int_eq((int)e, i);
	}
	ck_assert_int_eq(oed_estimator_parse("ml", &e, &err), -1);
	ck_assert_str_eq(err.msg, "--estimator: unknown estimator 'ml'; choices: plugin, miller-madow,"
			 " chao-shen, shrink, jeffreys, laplace, sg, minimax, grassberger, nsb");
	ck_assert_int_eq(oed_estimator_parse("chao-shan", &e, &err), -1);
	ck_assert_str_eq(err.msg, "--estimator: unknown estimator 'chao-shan'; did you mean 'chao-shen'?"
			 " choices: plugin, miller-madow, chao-shen, shrink, jeffreys, laplace, sg, minimax,"
			 " grassberger, nsb");
	ck_assert_int_eq(oed_estimator_parse("jefreys", &e, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "did you mean 'jeffreys'?"));
	ck_assert(oed_estimator_uses_k(OED_EST_NSB) && oed_estimator_uses_k(OED_EST_SG));
	ck_assert(!oed_estimator_uses_k(OED_EST_CHAO_SHEN) && !oed_estimator_uses_k(OED_EST_PLUGIN));
	ck_assert(oed_estimator_needs_integers(OED_EST_NSB));
	ck_assert(!oed_estimator_needs_integers(OED_EST_SHRINK));
}
END_TEST

/* Every estimator of the table is documented: oed-entropy(1) and oed-estimators.txt. */
START_TEST(table_in_man_pages)
{
	char *page = man_text("man/oed-entropy.1"), *txt = man_text("man/oed-estimators.txt");

	ck_assert_msg(page && txt, "man pages not found: is top_srcdir set?");
	for (int i = 0; i < OED_EST_COUNT; i++) {
		ck_assert_msg(man_has(page, "Cm ", oed_estimators[i].name, " \n"),
			      "'%s' is not in oed-entropy(1)", oed_estimators[i].name);
		/* an entry heads its paragraph: "nsb" or "jeffreys, laplace, sg, minimax" */
		ck_assert_msg(man_has(txt, "\n", oed_estimators[i].name, "\n,") ||
			      man_has(txt, ", ", oed_estimators[i].name, ",\n"),
			      "'%s' has no entry in oed-estimators.txt", oed_estimators[i].name);
		ck_assert_ptr_nonnull(oed_estimators[i].h);
		ck_assert_ptr_nonnull(oed_estimators[i].help);
	}
	free(page);
	free(txt);
}
END_TEST

START_TEST(special_functions)
{
	const double g = 0.57721566490153286061, pi2 = M_PI * M_PI;

	/* the recurrence up to 10 costs a few units in the last place */
	close_to(oed_digamma(1), -g, 0, 4e-15, "psi(1)", "digamma");
	close_to(oed_digamma(0.5), -g - 2 * log(2), 0, 4e-15, "psi(1/2)", "digamma");
	close_to(oed_digamma(1e-8), -1e8 - g, 1e-15, 0, "psi(1e-8)", "digamma");
	/* psi(1e6) = log(1e6) - 1/(2e6) - 1/(12e12) + ... */
	close_to(oed_digamma(1e6), log(1e6) - 5e-7 - 1 / 12e12, 1e-15, 0, "psi(1e6)", "digamma");
	close_to(oed_trigamma(1), pi2 / 6, 1e-15, 0, "psi'(1)", "trigamma");
	close_to(oed_trigamma(0.5), pi2 / 2, 1e-15, 0, "psi'(1/2)", "trigamma");
	close_to(oed_trigamma(2), pi2 / 6 - 1, 0, 4e-15, "psi'(2)", "trigamma");
	close_to(oed_trigamma(1e6), 1e-6 + 0.5e-12 + 1 / 6e18, 1e-15, 0, "psi'(1e6)", "trigamma");
}
END_TEST

START_TEST(against_references)
{
	for (size_t v = 0; v < sizeof(info_vecs) / sizeof(info_vecs[0]); v++) {
		const struct info_vec *r = &info_vecs[v];

		for (int e = 0; e < OED_EST_COUNT; e++) {
			struct oed_err err;
			char what[64];
			double h = -1;

			snprintf(what, sizeof(what), "%s, K seen", oed_estimator_name((enum oed_estimator)e));
			if (r->err[e]) {
				ck_assert_msg(oed_entropy((enum oed_estimator)e, r->c, r->n, 0, &h, &err) == -1,
					      "%s, %s: accepted fractional counts", r->name, what);
				continue;
			}
			ck_assert_int_eq(oed_entropy((enum oed_estimator)e, r->c, r->n, 0, &h, &err), 0);
			close_to(h, r->seen[e], 1e-9, 1e-12, what, r->name);
			snprintf(what, sizeof(what), "%s, K = %g", oed_estimator_name((enum oed_estimator)e),
				 r->k5);
			ck_assert_int_eq(oed_entropy((enum oed_estimator)e, r->c, r->n, r->k5, &h, &err), 0);
			close_to(h, r->more[e], 1e-9, 1e-12, what, r->name);
		}
	}
}
END_TEST

/* The plug-in against scipy.stats.entropy itself, and tighter against mpmath. */
START_TEST(plugin_against_scipy)
{
	for (size_t v = 0; v < sizeof(info_vecs) / sizeof(info_vecs[0]); v++) {
		const struct info_vec *r = &info_vecs[v];
		struct oed_err err;
		double h;

		ck_assert_int_eq(oed_entropy(OED_EST_PLUGIN, r->c, r->n, 0, &h, &err), 0);
		close_to(h, r->seen[OED_EST_PLUGIN], 1e-13, 1e-20, "plugin vs mpmath", r->name);
		if (!r->scipy_ill)
			close_to(h, r->scipy, 1e-9, 1e-12, "plugin vs scipy", r->name);
	}
}
END_TEST

START_TEST(nsb_declared_k)
{
	for (size_t v = 0; v < sizeof(info_nsb_cases) / sizeof(info_nsb_cases[0]); v++) {
		const struct info_nsb *r = &info_nsb_cases[v];
		struct oed_err err;
		double h;

		ck_assert_int_eq(oed_entropy(OED_EST_NSB, r->c, r->n, r->k, &h, &err), 0);
		close_to(h, r->h_mp, 1e-12, 1e-15, "nsb vs mpmath", r->name);
		/* the xi integral crowds against log K when beta runs large */
		if (!r->xi_off)
			close_to(h, r->h, 1e-9, 1e-12, "nsb vs xi quadrature", r->name);
	}
}
END_TEST

static struct oed_xyz *
xyz_cells(const struct info_cmi *r)
{
	struct oed_xyz *c = malloc(r->n * sizeof(*c));

	for (size_t i = 0; i < r->n; i++)
		c[i] = (struct oed_xyz){ (uint64_t)r->x[i], (uint64_t)r->y[i], (uint64_t)r->z[i], 1 };
	return c;
}

START_TEST(mi_cmi_estimates)
{
	for (size_t v = 0; v < sizeof(info_cmi_cases) / sizeof(info_cmi_cases[0]); v++) {
		const struct info_cmi *r = &info_cmi_cases[v];
		struct oed_xyz *c3 = xyz_cells(r);
		struct oed_cell *c2 = malloc(r->n * sizeof(*c2));
		struct oed_err err;
		double got, plain;

		for (size_t i = 0; i < r->n; i++)
			c2[i] = (struct oed_cell){ c3[i].x, c3[i].y, 1 };
		for (int e = 0; e < OED_EST_COUNT; e++) {
			const char *name = oed_estimator_name((enum oed_estimator)e);

			ck_assert_int_eq(oed_cmi_estimate((enum oed_estimator)e, c3, r->n, r->kx, r->ky,
							  r->kz, &got, &err), 0);
			close_to(got, r->cmi_est[e], 1e-9, 1e-12, name, r->name);
			ck_assert_int_eq(oed_mi_estimate((enum oed_estimator)e, c2, r->n, r->kx, r->ky,
							 &got, &err), 0);
			close_to(got, r->mi_est[e], 1e-9, 1e-12, name, r->name);
		}
		/* the plug-in entropy identity is the plug-in sum over z */
		ck_assert_int_eq(oed_cmi_estimate(OED_EST_PLUGIN, c3, r->n, 0, 0, 0, &got, &err), 0);
		ck_assert_int_eq(oed_cmi(c3, r->n, &plain, &err), 0);
		close_to(got, plain, 1e-12, 1e-14, "plug-in identity", r->name);
		close_to(got, r->cmi, 1e-12, 1e-14, "plug-in vs sklearn", r->name);
		free(c3);
		free(c2);
	}
}
END_TEST

START_TEST(limits_bad_input)
{
	double frac[2] = { 1, 2.5 }, neg[2] = { 1, -2 }, inf[1] = { INFINITY }, ok[3] = { 3, 1, 0 };
	struct oed_err err;
	double h = 5;

	ck_assert_int_eq(oed_entropy(OED_EST_GRASSBERGER, frac, 2, 0, &h, &err), -1);
	ck_assert_str_eq(err.msg, "estimator grassberger needs whole counts, not 2.5");
	ck_assert(h == 0);
	ck_assert_int_eq(oed_entropy(OED_EST_LAPLACE, frac, 2, 0, &h, &err), 0);
	ck_assert_int_eq(oed_entropy(OED_EST_PLUGIN, neg, 2, 0, &h, &err), -1);
	ck_assert_str_eq(err.msg, "count -2 is not a finite non-negative number");
	ck_assert_int_eq(oed_entropy(OED_EST_PLUGIN, inf, 1, 0, &h, &err), -1);
	ck_assert_int_eq(oed_entropy(OED_EST_SG, ok, 3, 1, &h, &err), -1);
	ck_assert_str_eq(err.msg, "K = 1 is below the 2 classes seen");
	ck_assert_int_eq(oed_entropy(OED_EST_SG, ok, 3, 2.5, &h, &err), -1);
	ck_assert_str_eq(err.msg, "the number of classes K = 2.5 is not a whole number of at least 1");
	ck_assert_int_eq(oed_entropy(OED_EST_NSB, ok, 3, NAN, &h, &err), -1);
	/* a zero count is a class not seen, so K = 2 is fine */
	ck_assert_int_eq(oed_entropy(OED_EST_SG, ok, 3, 2, &h, &err), 0);
	ck_assert_int_eq(oed_mi_estimate(OED_EST_PLUGIN, NULL, 0, -1, 0, &h, &err), -1);
	ck_assert_str_eq(err.msg, "K of x = -1 is not a whole number of at least 1");
}
END_TEST

/* Empty input is 0 for every estimator; so is one class with K = 1. */
START_TEST(limits_empty_and_single)
{
	double seven[1] = { 7 };
	struct oed_err err;
	double h;

	for (int e = 0; e < OED_EST_COUNT; e++) {
		h = -1;
		ck_assert_int_eq(oed_entropy((enum oed_estimator)e, NULL, 0, 0, &h, &err), 0);
		ck_assert(h == 0);
		ck_assert_int_eq(oed_entropy((enum oed_estimator)e, NULL, 0, 10, &h, &err), 0);
		ck_assert(h == 0);
		if (e == OED_EST_GRASSBERGER)
			continue;
		ck_assert_int_eq(oed_entropy((enum oed_estimator)e, seven, 1, 0, &h, &err), 0);
		ck_assert_msg(h == 0, "%s: %g", oed_estimator_name((enum oed_estimator)e), h);
	}
	ck_assert_int_eq(oed_mi_estimate(OED_EST_NSB, NULL, 0, 0, 0, &h, &err), 0);
	ck_assert(h == 0);
	ck_assert_int_eq(oed_cmi_estimate(OED_EST_NSB, NULL, 0, 0, 0, 0, &h, &err), 0);
	ck_assert(h == 0);
}
END_TEST

/* The order of counts does not change a single bit of the result. */
START_TEST(limits_order_free)
{
	size_t n = 500;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));

	for (size_t i = 0; i < n; i++)
		a[i] = b[n - 1 - i] = (double)(1 + (i * 37) % 11);
	for (int e = 0; e < OED_EST_COUNT; e++) {
		struct oed_err err;
		double ha, hb;

		ck_assert_int_eq(oed_entropy((enum oed_estimator)e, a, n, 1000, &ha, &err), 0);
		ck_assert_int_eq(oed_entropy((enum oed_estimator)e, b, n, 1000, &hb, &err), 0);
		ck_assert_msg(memcmp(&ha, &hb, sizeof(ha)) == 0, "%s", oed_estimator_name((enum oed_estimator)e));
	}
	free(a);
	free(b);
}
END_TEST

/*
 * NSB on a large table stays fast (distinct counts, not classes, set the
 * cost) and lies between the plug-in and log K; with a huge declared K it
 * stays finite.
 */
START_TEST(limits_nsb_large)
{
	size_t n = 200000;
	double *c = malloc(n * sizeof(double)), h, plug;
	struct oed_err err;
	clock_t t0 = clock();

	for (size_t i = 0; i < n; i++)
		c[i] = (double)(1 + (i * 7919) % 40);
	ck_assert_int_eq(oed_entropy(OED_EST_NSB, c, n, 0, &h, &err), 0);
	ck_assert_int_eq(oed_entropy(OED_EST_PLUGIN, c, n, 0, &plug, &err), 0);
	/* milliseconds natively; the bound leaves room for valgrind and catches a runaway integration */
	ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 30, "slow");
	ck_assert_msg(h > plug && h < log((double)n), "nsb %.17g plugin %.17g", h, plug);
	ck_assert_int_eq(oed_entropy(OED_EST_NSB, c, 50, 1e15, &h, &err), 0);
	ck_assert_msg(isfinite(h) && h > 0 && h < log(1e15), "nsb K=1e15: %g", h);
	free(c);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("estimators");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, table_in_man_pages);
	tcase_add_test(tc, special_functions);
	tcase_add_test(tc, against_references);
	tcase_add_test(tc, plugin_against_scipy);
	tcase_add_test(tc, nsb_declared_k);
	tcase_add_test(tc, mi_cmi_estimates);
	suite_add_tcase(su, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, limits_bad_input);
	tcase_add_test(tc, limits_empty_and_single);
	tcase_add_test(tc, limits_order_free);
	tcase_add_test(tc, limits_nsb_large);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
