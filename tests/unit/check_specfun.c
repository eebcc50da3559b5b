/* Special functions against scipy.special and mpmath (tests/ref/drift_ref.h). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift/specfun.h"
#include "../ref/drift_ref.h"

/*
 * Relative tolerance: scipy's own results carry ~1e-10 error in places
 * (betainc at a = 5e5, kstwo at n = 5e5), so 1e-9 checks agreement, not
 * scipy's last digits.  Values below 1e-300 are compared absolutely.
 */
#define RTOL	1e-9

static double
eval(const struct sf_case *k)
{
	const char *f = k->fn;

	if (strcmp(f, "gamma_p") == 0)
		return oed_gamma_p(k->a, k->b);
	if (strcmp(f, "gamma_q") == 0)
		return oed_gamma_q(k->a, k->b);
	if (strcmp(f, "beta_inc") == 0)
		return oed_beta_inc(k->a, k->b, k->c);
	if (strcmp(f, "beta_incc") == 0)
		return oed_beta_incc(k->a, k->b, k->c);
	if (strcmp(f, "norm_sf") == 0)
		return oed_normal_sf(k->a);
	if (strcmp(f, "norm_cdf") == 0)
		return oed_normal_cdf(k->a);
	if (strcmp(f, "chi2_sf") == 0)
		return oed_chi2_sf(k->a, k->b);
	if (strcmp(f, "t_sf") == 0)
		return oed_t_sf(k->a, k->b);
	if (strcmp(f, "kolmogorov_sf") == 0)
		return oed_kolmogorov_sf(k->a);
	if (strcmp(f, "kstwo_sf") == 0)
		return oed_kstwo_sf((long)k->a, k->b);
	if (strcmp(f, "smirnov_sf") == 0)
		return oed_smirnov_sf((long)k->a, k->b);
	if (strcmp(f, "bessel_k_scaled") == 0)
		return oed_bessel_k_scaled(k->a, k->b);
	if (strcmp(f, "cvm_inf_cdf") == 0)
		return oed_cvm_inf_cdf(k->a);
	if (strcmp(f, "lbeta") == 0)
		return oed_lbeta(k->a, k->b);
	if (strcmp(f, "lgamma") == 0)
		return oed_lgamma(k->a);
	if (strcmp(f, "hypergeom_logpmf") == 0)
		return oed_hypergeom_logpmf(k->a, k->b, k->c, k->d);
	ck_abort_msg("no function %s", f);
	return NAN;
}

START_TEST(against_scipy)
{
	size_t i, n = sizeof(sf_cases) / sizeof(sf_cases[0]), tails = 0;

	ck_assert_uint_gt(n, 500);
	for (i = 0; i < n; i++) {
		const struct sf_case *k = &sf_cases[i];
		double got = eval(k), want = k->want;
		double tol = fabs(want) < 1e-300 ? 1e-300 : RTOL * fabs(want);

		ck_assert_msg(fabs(got - want) <= tol, "%s(%.17g, %.17g, %.17g, %.17g): got %.17g, want %.17g",
		    k->fn, k->a, k->b, k->c, k->d, got, want);
		if (want != 0 && fabs(want) < 1e-100)
			tails++;
	}
	/* the tails are where naive formulas fail: make sure the table reaches them */
	ck_assert_uint_gt(tails, 20);
}
END_TEST

/* The tail values the brief names, spelled out so a failure reads plainly. */
START_TEST(named_tails)
{
	/* scipy: norm.sf(30), chi2.sf(1000, 10), t.sf(50, 3), kstwobign.sf(3) */
	ck_assert_double_eq_tol(oed_normal_sf(30) / 4.906713927147908e-198, 1, 1e-12);
	ck_assert_double_eq_tol(oed_chi2_sf(1000, 10) / 1.870290720915977e-208, 1, 1e-12);
	ck_assert_double_eq_tol(oed_t_sf(50, 3) / 8.808576020635976e-06, 1, 1e-12);
	ck_assert_double_eq_tol(oed_kolmogorov_sf(3) / 3.045995948942526e-08, 1, 1e-12);
}
END_TEST

START_TEST(identities)
{
	double a, x;

	/* P + Q = 1 and I + (1 - I) = 1 across the switch points */
	for (a = 0.25; a < 2000; a *= 1.7)
		for (x = a / 8; x < 8 * a; x *= 1.3) {
			ck_assert_double_eq_tol(oed_gamma_p(a, x) + oed_gamma_q(a, x), 1, 1e-13);
			ck_assert_double_eq_tol(oed_beta_inc(a, 2.5, x / (16 * a)) +
			    oed_beta_incc(a, 2.5, x / (16 * a)), 1, 1e-13);
		}
	/* t with one degree of freedom is Cauchy; with df -> inf it is normal */
	for (x = -20; x <= 20; x += 0.75)
		ck_assert_double_eq_tol(oed_t_sf(x, 1), 0.5 - atan(x) / M_PI, 1e-14);
	ck_assert_double_eq_tol(oed_t_sf(2, INFINITY), oed_normal_sf(2), 1e-16);
	/* chi-square with 2 degrees of freedom is exponential */
	for (x = 0.5; x < 1400; x *= 2)
		ck_assert_double_eq_tol(oed_chi2_sf(x, 2) / exp(-x / 2), 1, 1e-13);
	/* K_1/2(x) = sqrt(pi / 2x) e^-x */
	for (x = 0.01; x < 500; x *= 3)
		ck_assert_double_eq_tol(oed_bessel_k_scaled(0.5, x) / sqrt(M_PI / (2 * x)), 1, 1e-13);
	ck_assert_double_eq_tol(oed_log1pmx(1e-8), -5e-17 + 1e-24 / 3, 1e-31);
	ck_assert_double_eq_tol(oed_log1pmx(0.3), log1p(0.3) - 0.3, 1e-16);
}
END_TEST

START_TEST(domain_edges)
{
	ck_assert(isnan(oed_gamma_p(-1, 2)));
	ck_assert(isnan(oed_gamma_q(1, NAN)));
	ck_assert_double_eq(oed_gamma_q(2, 0), 1);
	ck_assert_double_eq(oed_gamma_p(2, INFINITY), 1);
	ck_assert_double_eq(oed_beta_inc(2, 3, 0), 0);
	ck_assert_double_eq(oed_beta_inc(2, 3, 1), 1);
	ck_assert(isnan(oed_beta_inc(2, 3, 1.5)));
	ck_assert_double_eq(oed_t_sf(INFINITY, 4), 0);
	ck_assert_double_eq(oed_t_sf(-INFINITY, 4), 1);
	ck_assert_double_eq(oed_t_sf(0, 4), 0.5);
	ck_assert_double_eq(oed_t_sf(1e200, 4), 0);
	ck_assert_double_eq(oed_chi2_sf(0, 3), 1);
	ck_assert_double_eq(oed_chi2_sf(-1, 3), 1);
	ck_assert_double_eq(oed_kolmogorov_sf(0), 1);
	ck_assert_double_eq(oed_kolmogorov_sf(40), 0);
	ck_assert_double_eq(oed_kstwo_sf(10, 0), 1);
	ck_assert_double_eq(oed_kstwo_sf(10, 1), 0);
	ck_assert_double_eq(oed_kstwo_sf(10, 0.04), 1);	/* x <= 1/2n */
	ck_assert_double_eq(oed_smirnov_sf(7, 0), 1);
	ck_assert_double_eq(oed_smirnov_sf(7, 1), 0);
	ck_assert(oed_normal_sf(37) > 0);	/* erfc keeps going where 1 - cdf is 0 */
	ck_assert(isinf(oed_hypergeom_logpmf(5, 10, 3, 4)));
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("specfun");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");
	SRunner *sr;
	int failed;

	tcase_add_test(core, against_scipy);
	tcase_add_test(core, named_tails);
	tcase_add_test(core, identities);
	tcase_add_test(limits, domain_edges);
	suite_add_tcase(su, core);
	suite_add_tcase(su, limits);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
