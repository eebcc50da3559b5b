/* Entropy, per-group entropy and length statistics against scipy and numpy. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "entropy.h"
#include "../ref/entropy_ref.h"

#define REL 1e-9

static void
assert_close(double got, double want, const char *what)
{
	double tol = REL * fabs(want) + 1e-12;

	ck_assert_msg(fabs(got - want) <= tol, "%s: got %.17g, want %.17g", what, got, want);
}

START_TEST(plugin_and_miller_madow)
{
	size_t nvec = sizeof(ent_plugin) / sizeof(ent_plugin[0]);

	for (size_t v = 0; v < nvec; v++) {
		size_t n = ent_offsets[v + 1] - ent_offsets[v];
		double *c = malloc(n * sizeof(*c));
		char what[64];

		memcpy(c, ent_counts + ent_offsets[v], n * sizeof(*c));
		snprintf(what, sizeof(what), "plugin vector %zu", v);
		assert_close(oed_entropy_nats(OED_EST_PLUGIN, c, n), ent_plugin[v], what);
		memcpy(c, ent_counts + ent_offsets[v], n * sizeof(*c));
		snprintf(what, sizeof(what), "miller-madow vector %zu", v);
		assert_close(oed_entropy_nats(OED_EST_MILLER_MADOW, c, n), ent_mm[v], what);
		free(c);
	}
}
END_TEST

START_TEST(other_estimators)
{
	static const enum oed_estimator est[7] = {
		OED_EST_CHAO_SHEN, OED_EST_SHRINK, OED_EST_JEFFREYS, OED_EST_LAPLACE, OED_EST_SG,
		OED_EST_MINIMAX, OED_EST_GRASSBERGER,
	};
	size_t nvec = sizeof(est_seen) / sizeof(est_seen[0]);

	for (size_t v = 0; v < nvec; v++) {
		size_t n = ent_offsets[v + 1] - ent_offsets[v], m = 0;
		double *c = malloc(n * sizeof(*c));

		for (size_t i = 0; i < n; i++)
			m += ent_counts[ent_offsets[v] + i] > 0;
		for (int e = 0; e < 7; e++) {
			char what[64];

			snprintf(what, sizeof(what), "%s vector %zu", oed_estimator_name(est[e]), v);
			memcpy(c, ent_counts + ent_offsets[v], n * sizeof(*c));
			assert_close(oed_entropy_k(est[e], c, n, 0), est_seen[v][e], what);
			snprintf(what, sizeof(what), "%s vector %zu, K + 5", oed_estimator_name(est[e]), v);
			memcpy(c, ent_counts + ent_offsets[v], n * sizeof(*c));
			assert_close(oed_entropy_k(est[e], c, n, (double)m + 5), est_k5[v][e], what);
		}
		free(c);
	}
}
END_TEST

START_TEST(digamma_values)
{
	for (size_t i = 0; i < sizeof(digamma_x) / sizeof(digamma_x[0]); i++)
		assert_close(oed_digamma(digamma_x[i]), digamma_ref[i], "digamma");
}
END_TEST

START_TEST(edge_cases)
{
	double one[] = { 7 }, none[] = { 0 };

	ck_assert(oed_entropy_nats(OED_EST_PLUGIN, NULL, 0) == 0);
	ck_assert(oed_entropy_nats(OED_EST_PLUGIN, one, 1) == 0);
	ck_assert(oed_entropy_nats(OED_EST_MILLER_MADOW, one, 1) == 0);
	ck_assert(oed_entropy_nats(OED_EST_PLUGIN, none, 1) == 0);
}
END_TEST

START_TEST(joint_and_order)
{
	size_t n = sizeof(joint_x) / sizeof(joint_x[0]);
	struct oed_entropy_summary s1, s2;
	struct oed_entropy_acc a, b;
	struct oed_cell *c1, *c2;
	size_t n1, n2;
	struct oed_err err;

	oed_entropy_acc_init(&a, false);
	oed_entropy_acc_init(&b, false);
	for (size_t i = 0; i < n; i++) {
		char x[16], y[16], x2[16], y2[16];
		size_t j = n - 1 - i;	/* b sees the records backwards */

		snprintf(x, sizeof(x), "x%u", joint_x[i]);
		snprintf(y, sizeof(y), "y%u", joint_y[i]);
		snprintf(x2, sizeof(x2), "x%u", joint_x[j]);
		snprintf(y2, sizeof(y2), "y%u", joint_y[j]);
		ck_assert_int_eq(oed_entropy_acc_add(&a, x, strlen(x), y, strlen(y), 1, true), 0);
		ck_assert_int_eq(oed_entropy_acc_add(&b, x2, strlen(x2), y2, strlen(y2), 1, true), 0);
	}
	c1 = oed_cells_sorted(&a.cells, &n1);
	c2 = oed_cells_sorted(&b.cells, &n2);
	ck_assert_int_eq(oed_entropy_summarize(OED_EST_PLUGIN, c1, n1, &s1, NULL, &err), 0);
	ck_assert_int_eq(oed_entropy_summarize(OED_EST_PLUGIN, c2, n2, &s2, NULL, &err), 0);
	assert_close(s1.h_x, joint_expect[0], "H(X)");
	assert_close(s1.h_y, joint_expect[1], "H(Y)");
	assert_close(s1.h_y_given_x, joint_expect[2], "H(Y|X)");
	/* the same figures to the last bit whatever the order of the records */
	ck_assert(memcmp(&s1, &s2, sizeof(s1)) == 0);
	free(c1);
	free(c2);
	oed_entropy_acc_release(&a);
	oed_entropy_acc_release(&b);
}
END_TEST

START_TEST(length_statistics)
{
	struct oed_cells t;
	struct oed_lenstats st;
	struct oed_cell *h;
	size_t n;
	double got[7];

	oed_cells_init(&t);
	for (size_t i = 0; i < sizeof(len_sample) / sizeof(len_sample[0]); i++)
		ck_assert_int_eq(oed_cells_add(&t, len_sample[i], 0, 1), 0);
	h = oed_cells_sorted(&t, &n);
	oed_lenstats_compute(h, n, &st);
	got[0] = st.mean; got[1] = st.sd; got[2] = st.min; got[3] = st.p50;
	got[4] = st.p90; got[5] = st.p99; got[6] = st.max;
	for (int i = 0; i < 7; i++) {
		char what[32];

		snprintf(what, sizeof(what), "length statistic %d", i);
		assert_close(got[i], len_expect[i], what);
	}
	free(h);
	oed_cells_release(&t);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("entropy");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, plugin_and_miller_madow);
	tcase_add_test(tc, other_estimators);
	tcase_add_test(tc, digamma_values);
	tcase_add_test(tc, edge_cases);
	tcase_add_test(tc, joint_and_order);
	tcase_add_test(tc, length_statistics);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
