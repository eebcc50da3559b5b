/* MI, NMI, AMI and expected MI against scikit-learn (tests/ref/mi_ref.h). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "counts.h"
#include "mi.h"
#include "../ref/mi_ref.h"

static void
close_to(double got, double want, double abs_tol, const char *what, const char *name)
{
	double tol = 1e-9 * fabs(want) + abs_tol;

	ck_assert_msg(fabs(got - want) <= tol, "%s, %s: got %.17g, want %.17g", name, what, got, want);
}

START_TEST(against_sklearn)
{
	for (size_t c = 0; c < sizeof(mi_cases) / sizeof(mi_cases[0]); c++) {
		const struct mi_case *k = &mi_cases[c];
		struct oed_cells t;
		struct oed_cell *cells;
		struct oed_mi r;
		struct oed_err err;
		size_t n;

		oed_cells_init(&t);
		for (size_t i = 0; i < k->n; i++) {
			char xs[16], ys[16];
			int xl = snprintf(xs, sizeof(xs), "%d", k->x[i]);
			int yl = snprintf(ys, sizeof(ys), "%d", k->y[i]);

			ck_assert_int_eq(oed_cells_add(&t, oed_fingerprint(xs, (size_t)xl),
						       oed_fingerprint(ys, (size_t)yl), 1), 0);
		}
		cells = oed_cells_sorted(&t, &n);
		ck_assert_int_eq(oed_mi_compute(cells, n, &r, &err), 0);
		close_to(r.mi, k->mi, 1e-12, "mi", k->name);
		for (int m = 0; m < 4; m++) {
			close_to(r.nmi[m], k->nmi[m], 1e-12, oed_average_name((enum oed_average)m), k->name);
			/* AMI subtracts two close numbers: judge it absolutely as well */
			close_to(r.ami[m], k->ami[m], 1e-10, oed_average_name((enum oed_average)m), k->name);
		}
		free(cells);
		oed_cells_release(&t);
	}
}
END_TEST

START_TEST(expected_mi_grouping)
{
	/* grouped marginals give the same E[I] as the plain double sum */
	double a[] = { 5, 5, 5, 3, 3, 9 }, b[] = { 4, 4, 2, 10, 10 };
	double n = 30, plain = 0;

	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 5; j++) {
			double one[1] = { a[i] }, two[1] = { b[j] };

			plain += oed_expected_mi(one, 1, two, 1, n);
		}
	close_to(oed_expected_mi(a, 6, b, 5, n), plain, 1e-14, "grouped emi", "marginals");
}
END_TEST

START_TEST(whole_counts_only)
{
	struct oed_cell c[2] = { { 1, 1, 1.5 }, { 2, 2, 1 } };
	struct oed_mi r;
	struct oed_err err;

	ck_assert_int_eq(oed_mi_compute(c, 2, &r, &err), -1);
	ck_assert_str_eq(err.msg, "adjusted mutual information needs whole counts");
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("mi");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, against_sklearn);
	tcase_add_test(tc, expected_mi_grouping);
	tcase_add_test(tc, whole_counts_only);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
