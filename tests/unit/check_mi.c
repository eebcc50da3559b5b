/*
 * MI, NMI, AMI, expected MI and conditional MI against scikit-learn
 * (tests/ref/mi_ref.h from gen_mi_ref.py, tests/ref/info_ref.h from
 * gen_info_ref.py).
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "info/counts.h"
#include "info/capacity.h"
#include "info/mi.h"
#include "../ref/mi_ref.h"
#include "../ref/info_ref.h"

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
		struct oed_tab t;
		struct oed_row *rows;
		struct oed_cell *cells;
		struct oed_mi r;
		struct oed_err err;
		size_t n;

		oed_tab_init(&t, 2);
		for (size_t i = 0; i < k->n; i++) {
			char xs[16], ys[16];
			int xl = snprintf(xs, sizeof(xs), "%d", k->x[i]);
			int yl = snprintf(ys, sizeof(ys), "%d", k->y[i]);
			uint64_t key[2] = { oed_fingerprint(xs, (size_t)xl), oed_fingerprint(ys, (size_t)yl) };

			ck_assert_int_eq(oed_tab_add(&t, key, &OED_COUNT_ONE, &err), 0);
		}
		ck_assert_int_eq(oed_tab_sorted(&t, &rows, &n, &err), 0);
		cells = malloc((n + 1) * sizeof(*cells));
		for (size_t i = 0; i < n; i++)
			cells[i] = (struct oed_cell){ rows[i].k[0], rows[i].k[1], oed_count_value(&rows[i].n) };
		free(rows);
		ck_assert_int_eq(oed_mi_compute(cells, n, true, &r, &err), 0);
		close_to(r.mi, k->mi, 1e-12, "mi", k->name);
		for (int m = 0; m < 4; m++) {
			close_to(r.nmi[m], k->nmi[m], 1e-12, oed_average_name((enum oed_average)m), k->name);
			/* AMI subtracts two close numbers: judge it absolutely as well */
			close_to(r.ami[m], k->ami[m], 1e-10, oed_average_name((enum oed_average)m), k->name);
		}
		free(cells);
		oed_tab_release(&t);
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

	ck_assert_int_eq(oed_mi_compute(c, 2, true, &r, &err), -1);
	ck_assert_str_eq(err.msg, "adjusted mutual information needs whole counts");
	/* without E[I] fractions are fine: 1.5 and 1 on the diagonal, I = H(X) */
	ck_assert_int_eq(oed_mi_compute(c, 2, false, &r, &err), 0);
	close_to(r.mi, -(0.6 * log(0.6) + 0.4 * log(0.4)), 1e-15, "fractional mi", "diagonal");
}
END_TEST

/* Sparse tables straight from scikit-learn's contingency_matrix. */
START_TEST(tables_against_sklearn)
{
	for (size_t c = 0; c < sizeof(info_mi_cases) / sizeof(info_mi_cases[0]); c++) {
		const struct info_mi *k = &info_mi_cases[c];
		struct oed_contingency t = { .nrows = k->nrows, .ncols = k->ncols, .ncells = k->ncells,
					     .ci = k->ci, .cj = k->cj, .nij = k->nij };
		struct oed_mi r;
		struct oed_err err;

		ck_assert_int_eq(oed_mi_table(&t, true, &r, &err), 0);
		close_to(r.h_x, k->h_x, 1e-12, "h_x", k->name);
		close_to(r.h_y, k->h_y, 1e-12, "h_y", k->name);
		close_to(r.mi, k->mi, 1e-12, "mi", k->name);
		close_to(r.emi, k->emi, 1e-12, "emi vs scikit-learn", k->name);
		close_to(r.emi, k->emi_exact, 1e-14, "emi vs mpmath", k->name);
		close_to(r.vi, fmax(k->h_x + k->h_y - 2 * k->mi, 0), 1e-12, "vi", k->name);
		close_to(r.h_x_given_y, fmax(k->h_x - k->mi, 0), 1e-12, "h_x_given_y", k->name);
		for (int m = 0; m < 4; m++) {
			const char *avg = oed_average_name((enum oed_average)m);

			close_to(r.nmi[m], k->nmi[m], 1e-12, avg, k->name);
			/*
			 * Where scikit-learn's E[I] has lost digits to lgamma of a
			 * large total, the AMI it divides is off by as much: hold
			 * ours to the AMI of the exact E[I], and to scikit-learn's
			 * within what its E[I] error explains.
			 */
			if (k->sk_emi_off) {
				close_to(r.ami[m], k->ami_exact[m], 1e-12, avg, k->name);
				close_to(r.ami[m], k->ami[m], 1e-8, avg, k->name);
			} else
				close_to(r.ami[m], k->ami[m], 1e-12, avg, k->name);
		}
		/* the cells reversed, one split in two: the same table */
		{
			size_t nc = k->ncells, *ci = malloc((nc + 1) * 2 * sizeof(size_t));
			double *nij = malloc((nc + 1) * sizeof(double));
			struct oed_contingency u = t;
			struct oed_mi r2;

			for (size_t i = 0; i < nc; i++) {
				ci[i] = k->ci[nc - 1 - i];
				ci[nc + 1 + i] = k->cj[nc - 1 - i];
				nij[i] = k->nij[nc - 1 - i];
			}
			ci[nc] = ci[0];
			ci[2 * nc + 1] = ci[nc + 1];
			nij[nc] = floor(nij[0] / 2);
			nij[0] -= nij[nc];
			u.ci = ci;
			u.cj = ci + nc + 1;
			u.nij = nij;
			u.ncells = nc + 1;
			ck_assert_int_eq(oed_mi_table(&u, true, &r2, &err), 0);
			close_to(r2.mi, r.mi, 1e-14, "mi, cells reordered", k->name);
			close_to(r2.h_xy, r.h_xy, 1e-14, "h_xy, cells reordered", k->name);
			close_to(r2.emi, r.emi, 1e-14, "emi, cells reordered", k->name);
			close_to(r2.ami[0], r.ami[0], 1e-14, "ami, cells reordered", k->name);
			free(ci);
			free(nij);
		}
		/* without E[I]: the same MI and NMI, no AMI */
		ck_assert_int_eq(oed_mi_table(&t, false, &r, &err), 0);
		ck_assert(r.emi == 0);
		close_to(r.mi, k->mi, 1e-12, "mi without emi", k->name);
	}
}
END_TEST

START_TEST(cmi_against_sklearn)
{
	for (size_t c = 0; c < sizeof(info_cmi_cases) / sizeof(info_cmi_cases[0]); c++) {
		const struct info_cmi *k = &info_cmi_cases[c];
		struct oed_xyz *cells = malloc(k->n * sizeof(*cells));
		struct oed_err err;
		double cmi;

		/* one cell per record, repeated keys and all: oed_cmi merges them */
		for (size_t i = 0; i < k->n; i++)
			cells[i] = (struct oed_xyz){ (uint64_t)k->x[i], (uint64_t)k->y[i],
						     (uint64_t)k->z[i], 1 };
		ck_assert_int_eq(oed_cmi(cells, k->n, &cmi, &err), 0);
		close_to(cmi, k->cmi, 1e-12, "cmi", k->name);
		free(cells);
	}
}
END_TEST

START_TEST(limits_empty_and_bad)
{
	struct oed_contingency t = { 0 };
	struct oed_mi r;
	struct oed_err err;
	size_t ci[2] = { 0, 1 }, cj[2] = { 0, 2 };
	double neg[2] = { 1, -1 }, frac[2] = { 1, 0.5 };
	double cmi = -1;

	/* empty: both sides have no class, the perfect match of scikit-learn */
	ck_assert_int_eq(oed_mi_table(&t, true, &r, &err), 0);
	ck_assert(r.mi == 0 && r.h_x == 0 && r.h_y == 0 && r.emi == 0 && r.vi == 0);
	for (int m = 0; m < 4; m++)
		ck_assert(r.nmi[m] == 1 && r.ami[m] == 1);
	ck_assert_int_eq(oed_cmi(NULL, 0, &cmi, &err), 0);
	ck_assert(cmi == 0);

	t = (struct oed_contingency){ .nrows = 2, .ncols = 3, .ncells = 2, .ci = ci, .cj = cj,
				      .nij = neg };
	ck_assert_int_eq(oed_mi_table(&t, false, &r, &err), -1);
	ck_assert_str_eq(err.msg, "count -1 is not a finite non-negative number");
	t.nij = frac;
	ck_assert_int_eq(oed_mi_table(&t, true, &r, &err), -1);
	ck_assert_str_eq(err.msg, "adjusted mutual information needs whole counts");
	/* weighted counts are fine for the plug-in quantities: a perfect match */
	ck_assert_int_eq(oed_mi_table(&t, false, &r, &err), 0);
	close_to(r.mi, -(1 / 1.5) * log(1 / 1.5) - (0.5 / 1.5) * log(0.5 / 1.5), 1e-15, "mi", "weighted");
	ck_assert(r.nmi[0] == 1);
	cj[1] = 3;
	ck_assert_int_eq(oed_mi_table(&t, false, &r, &err), -1);
	ck_assert_str_eq(err.msg, "cell 1 lies outside the 2 x 3 table");
}
END_TEST

/*
 * Huge counts: a nearly pure side keeps its relative precision, and E[I]
 * of a large independent table approaches (R-1)(C-1)/(2N) (Vinh et al.
 * 2010), which the closed-form sum could not reach through lgamma(2e9).
 */
START_TEST(limits_huge_counts)
{
	size_t ci[4] = { 0, 0, 1, 1 }, cj[4] = { 0, 1, 0, 1 };
	double nij[4] = { 4e8, 6e8, 4e8, 6e8 }, skew[4] = { 1e9, 1, 0, 0 };
	struct oed_contingency t = { .nrows = 2, .ncols = 2, .ncells = 4, .ci = ci, .cj = cj, .nij = nij };
	struct oed_mi r;
	struct oed_err err;

	ck_assert_int_eq(oed_mi_table(&t, true, &r, &err), 0);
	close_to(r.mi, 0, 1e-15, "mi", "independent 2e9");
	close_to(r.h_x, log(2), 1e-15, "h_x", "independent 2e9");
	ck_assert_msg(fabs(r.emi / (1 / (2 * 2e9)) - 1) < 1e-3, "emi %g", r.emi);
	/* -p log p - q log q for q = 1 / (1e9 + 1), to 17 digits (mpmath) */
	t.nij = skew;
	ck_assert_int_eq(oed_mi_table(&t, false, &r, &err), 0);
	close_to(r.h_y, 2.1723265815723146e-08, 1e-22, "h_y", "skew 1e9 : 1");
}
END_TEST

/*
 * 10^4 x 10^4 classes over 10^5 records: E[I] groups equal marginals, so
 * this takes milliseconds where a pass over all row-column pairs would
 * take 10^8 steps.
 */
START_TEST(limits_many_classes_fast)
{
	size_t n = 100000, *ci = malloc(n * sizeof(size_t)), *cj = malloc(n * sizeof(size_t));
	double *nij = malloc(n * sizeof(double));
	struct oed_contingency t = { .nrows = 10000, .ncols = 10000, .ncells = n,
				     .ci = ci, .cj = cj, .nij = nij };
	struct oed_mi r;
	struct oed_err err;
	clock_t t0 = clock();
	double secs;

	for (size_t i = 0; i < n; i++) {
		ci[i] = i % 10000;
		cj[i] = (i * 7919 + i / 10000) % 10000;
		nij[i] = 1;
	}
	ck_assert_int_eq(oed_mi_table(&t, true, &r, &err), 0);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	/* milliseconds natively; room for valgrind, far below 10^8 pair steps */
	ck_assert_msg(secs < 30, "took %g s", secs);
	ck_assert(r.nx == 10000 && r.ny == 10000);
	ck_assert(r.ami[0] > -0.05 && r.ami[0] < 0.05 && r.emi > 0 && r.emi < r.mi + 1);
	free(ci);
	free(cj);
	free(nij);
}
END_TEST

/* A channel from a dense row-major count matrix (zeros left out). */
static double
capacity_of(const double *counts, size_t nin, size_t nout, double *p, struct oed_capacity *r)
{
	size_t *ai = malloc(nin * nout * sizeof(size_t)), *xj = malloc(nin * nout * sizeof(size_t));
	double *n = malloc(nin * nout * sizeof(double));
	struct oed_channel ch = { .nin = nin, .nout = nout, .ai = ai, .xj = xj, .n = n };
	struct oed_err err;

	for (size_t a = 0; a < nin; a++)
		for (size_t x = 0; x < nout; x++)
			if (counts[a * nout + x] > 0) {
				ai[ch.ncells] = a;
				xj[ch.ncells] = x;
				n[ch.ncells++] = counts[a * nout + x];
			}
	ck_assert_int_eq(oed_capacity(&ch, 1e-13, 100000, p, r, &err), 0);
	ck_assert_msg(r->converged && r->gap <= 1e-13 && r->gap >= 0, "gap %g", r->gap);
	free(ai);
	free(xj);
	free(n);
	return r->capacity;
}

static double
h2(double p)
{
	return -p * log(p) - (1 - p) * log(1 - p);
}

/* Closed forms, in nats (bits times log 2). */
START_TEST(capacity_closed_forms)
{
	struct oed_capacity r;
	double p[5];
	/* binary symmetric, crossover 0.11: C = log 2 - H2(0.11) */
	double bsc[4] = { 89, 11, 11, 89 };
	/* binary erasure, erasure 0.25 (outputs 0, e, 1): C = (1 - 0.25) log 2 */
	double bec[6] = { 3, 1, 0, 0, 1, 3 };
	/* Z-channel, 1 -> 0 with probability 1/2: C = log(1 + (1 - q) q^(q/(1-q))) = log 1.25,
	 * reached at P(1) = 2/5 */
	double z[4] = { 10, 0, 5, 5 };
	/* rows of different totals: only W(x|a) matters */
	double bsc2[4] = { 890, 110, 11, 89 };
	double id[25] = { 0 };

	close_to(capacity_of(bsc, 2, 2, p, &r), log(2) - h2(0.11), 1e-13, "bsc", "capacity");
	close_to(p[0], 0.5, 1e-12, "bsc p", "capacity");
	close_to(capacity_of(bsc2, 2, 2, p, &r), log(2) - h2(0.11), 1e-13, "bsc rows", "capacity");
	close_to(capacity_of(bec, 2, 3, p, &r), 0.75 * log(2), 1e-13, "bec", "capacity");
	close_to(capacity_of(z, 2, 2, p, &r), log(1.25), 1e-13, "z", "capacity");
	close_to(p[1], 0.4, 1e-6, "z p(1)", "capacity");
	for (int i = 0; i < 5; i++)
		id[i * 5 + i] = 1 + i;
	close_to(capacity_of(id, 5, 5, p, &r), log(5), 1e-13, "noiseless", "capacity");
	ck_assert(r.inputs == 5);
	{
		/* the BSC again with its cells backwards and one split in two */
		size_t ai[5] = { 1, 1, 0, 0, 0 }, xj[5] = { 1, 0, 1, 0, 0 };
		double n[5] = { 89, 11, 11, 80, 9 };
		struct oed_channel ch = { .nin = 2, .nout = 2, .ncells = 5, .ai = ai, .xj = xj, .n = n };
		struct oed_err err;

		ck_assert_int_eq(oed_capacity(&ch, 1e-13, 1000, p, &r, &err), 0);
		close_to(r.capacity, log(2) - h2(0.11), 1e-13, "bsc, cells in any order", "capacity");
	}
}
END_TEST

/* Three states: a BSC, four distinct outcomes, and a single action. */
START_TEST(empowerment_per_state)
{
	struct oed_xyz c[] = {
		{ 0, 0, 7, 89 }, { 0, 1, 7, 11 }, { 1, 0, 7, 11 }, { 1, 1, 7, 89 },
		{ 0, 10, 3, 2 }, { 1, 11, 3, 1 }, { 2, 12, 3, 5 }, { 3, 13, 3, 1 },
		{ 3, 13, 3, 1 }, { 5, 1, 9, 4 }, { 5, 2, 9, 4 },
	};
	struct oed_empowerment *e;
	struct oed_err err;
	size_t n;

	ck_assert_int_eq(oed_empowerment(c, sizeof(c) / sizeof(c[0]), 1e-13, 10000, NULL, &e, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(e[0].state == 3 && e[0].actions == 4 && e[0].outcomes == 4 && e[0].n == 10);
	close_to(e[0].c.capacity, log(4), 1e-13, "deterministic", "empowerment");
	ck_assert(e[1].state == 7 && e[1].actions == 2);
	close_to(e[1].c.capacity, log(2) - h2(0.11), 1e-13, "bsc", "empowerment");
	ck_assert(e[2].state == 9 && e[2].actions == 1 && e[2].outcomes == 2);
	ck_assert(e[2].c.capacity == 0 && e[2].c.converged);
	free(e);
}
END_TEST

START_TEST(limits_capacity)
{
	struct oed_channel ch = { 0 };
	struct oed_capacity r;
	struct oed_err err;
	struct oed_empowerment *e;
	size_t ai[3] = { 0, 1, 2 }, xj[3] = { 0, 0, 1 }, n;
	double cnt[3] = { 1, 1, 1 }, bad[3] = { 1, -1, 1 }, p[4];	/* one per input, nin = 4 */

	/* nothing, and an input nobody tried */
	ck_assert_int_eq(oed_capacity(&ch, 1e-12, 10, NULL, &r, &err), 0);
	ck_assert(r.capacity == 0 && r.converged && r.inputs == 0);
	ch = (struct oed_channel){ .nin = 4, .nout = 2, .ncells = 3, .ai = ai, .xj = xj, .n = cnt };
	ck_assert_int_eq(oed_capacity(&ch, 1e-12, 100000, p, &r, &err), 0);
	close_to(r.capacity, log(2), 1e-12, "three inputs, two outcomes", "capacity");
	ck_assert(r.inputs == 3);
	/* one step is not enough for a skewed optimum: reported, not hidden */
	ai[1] = 0;
	xj[1] = 1;
	cnt[0] = 3;
	ck_assert_int_eq(oed_capacity(&ch, 1e-15, 1, p, &r, &err), 0);
	ck_assert(!r.converged && r.iterations == 1 && r.gap > 1e-15);
	ck_assert(r.capacity <= r.upper);
	ch.n = bad;
	ck_assert_int_eq(oed_capacity(&ch, 1e-12, 10, NULL, &r, &err), -1);
	ck_assert_str_eq(err.msg, "count -1 is not a finite non-negative number");
	ch.n = cnt;
	ck_assert_int_eq(oed_capacity(&ch, 0, 10, NULL, &r, &err), -1);
	xj[2] = 2;
	ck_assert_int_eq(oed_capacity(&ch, 1e-12, 10, NULL, &r, &err), -1);
	ck_assert_str_eq(err.msg, "cell 2 lies outside the 4 x 2 channel");
	ck_assert_int_eq(oed_empowerment(NULL, 0, 1e-12, 10, NULL, &e, &n, &err), 0);
	ck_assert(n == 0);
	free(e);
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
	tcase_add_test(tc, tables_against_sklearn);
	tcase_add_test(tc, cmi_against_sklearn);
	tcase_add_test(tc, capacity_closed_forms);
	tcase_add_test(tc, empowerment_per_state);
	suite_add_tcase(su, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, limits_empty_and_bad);
	tcase_add_test(tc, limits_huge_counts);
	tcase_add_test(tc, limits_many_classes_fast);
	tcase_add_test(tc, limits_capacity);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
