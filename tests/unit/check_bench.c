/* Unit tests for lib/bench: templates, extraction, statistics. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/extractor.h"
#include "bench/stats.h"
#include "bench/template.h"
#include "exit.h"

#include "../ref/bench_ref.h"

static char *
render(const char *tmpl, const char *json, struct oed_err *err)
{
	struct oed_tmpl *t = oed_tmpl_compile(tmpl, err);
	json_t *rec = json_loads(json, 0, NULL);
	char *out = NULL;
	size_t len;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(rec);
	if (oed_tmpl_render(t, rec, &out, &len, err) == -1)
		out = NULL;
	else
		ck_assert_uint_eq(len, strlen(out));
	json_decref(rec);
	oed_tmpl_free(t);
	return out;
}

#define RENDERS(tmpl, json, want) do { \
	char *got_ = render(tmpl, json, &err); \
	ck_assert_msg(got_ != NULL, "%s: %s", tmpl, err.msg); \
	ck_assert_str_eq(got_, want); \
	free(got_); \
} while (0)

START_TEST(templates)
{
	struct oed_err err;

	RENDERS("Q: {{question}}\nA:", "{\"question\":\"2+2?\"}", "Q: 2+2?\nA:");
	RENDERS("{{ meta.lang | upper }}", "{\"meta\":{\"lang\":\"fr\"}}", "FR");
	RENDERS("{{n}} {{x}} {{b}} [{{z}}]", "{\"n\":3,\"x\":0.5,\"b\":true,\"z\":null}", "3 0.5 true []");
	RENDERS("{{s | json}}", "{\"s\":\"a\\\"b\"}", "\"a\\\"b\"");
	RENDERS("{{s | trim | json}}", "{\"s\":\"  a \"}", "\"a\"");
	RENDERS("{{c | choices}}", "{\"c\":[\"red\",\"blue\",3]}", "A. red\nB. blue\nC. 3");
	RENDERS("{{i | letter}}", "{\"i\":2}", "C");
	RENDERS("{{l}}", "{\"l\":[1,{\"a\":2}]}", "[1,{\"a\":2}]");
	RENDERS("{{/a.b}}", "{\"a.b\":\"dot\"}", "dot");
	RENDERS("no fields", "{}", "no fields");
	ck_assert_ptr_null(render("{{missing}} here", "{\"x\":1}", &err));
	ck_assert_str_eq(err.msg, "field 'missing' is missing");
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_ptr_null(render("{{i | letter}}", "{\"i\":30}", &err));
	ck_assert_str_eq(err.msg, "field 'i': filter 'letter' needs a whole number from 0 to 25");
	ck_assert_ptr_null(render("{{i | upper | choices}}", "{\"i\":[]}", &err));
	ck_assert_str_eq(err.msg, "field 'i': filter 'choices' must come first");
}
END_TEST

START_TEST(template_errors)
{
	struct oed_err err;

	ck_assert_ptr_null(oed_tmpl_compile("Q: {{question", &err));
	ck_assert_str_eq(err.msg, "template at offset 3: '{{' is not closed");
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_ptr_null(oed_tmpl_compile("ab{{ x | shout }}", &err));
	ck_assert_str_eq(err.msg,
			 "template at offset 2: unknown filter 'shout' (json, upper, lower, trim, letter, choices)");
	ck_assert_ptr_null(oed_tmpl_compile("{{ }}", &err));
	ck_assert_str_eq(err.msg, "template at offset 0: '{{}}' names no field");
}
END_TEST

static char *
extract(struct oed_extractor *x, const char *s, bool *invalid)
{
	struct oed_err err;
	char *out;
	size_t len;

	ck_assert_int_eq(oed_extractor_apply(x, s, strlen(s), &out, &len, invalid, &err), 0);
	ck_assert_uint_eq(len, strlen(out));
	return out;
}

START_TEST(extraction)
{
	struct oed_err err;
	struct oed_extractor *x = oed_extractor_new();
	bool invalid;
	char *out;

	/* GSM8K's strict match, then the number cleaned up */
	ck_assert_int_eq(oed_extractor_regex(x, "#### (\\-?[0-9\\.\\,]+)", 0, &err), 0);
	ck_assert_int_eq(oed_extractor_replace(x, ",", "", &err), 0);
	ck_assert_int_eq(oed_extractor_step(x, "strip", &err), 0);
	ck_assert_int_eq(oed_extractor_step(x, "take_first", &err), 0);
	out = extract(x, "so 1,000 + 234 = 1,234\n#### 1,234", &invalid);
	ck_assert_str_eq(out, "1234");
	ck_assert(!invalid);
	free(out);
	out = extract(x, "the answer is 12", &invalid);
	ck_assert_str_eq(out, OED_INVALID_ANSWER);
	ck_assert(invalid);
	free(out);
	oed_extractor_free(x);

	/* the flexible match: the last number */
	x = oed_extractor_new();
	ck_assert_int_eq(oed_extractor_regex(x, "(-?[$0-9.,]{2,})|(-?[0-9]+)", -1, &err), 0);
	ck_assert_int_eq(oed_extractor_step(x, "lowercase", &err), 0);
	out = extract(x, "3 apples and 5 pears make 8", &invalid);
	ck_assert_str_eq(out, "8");
	free(out);
	oed_extractor_free(x);

	x = oed_extractor_new();
	ck_assert_int_eq(oed_extractor_regex(x, "[A-D]", 1, &err), 0);
	out = extract(x, "A or B? B.", &invalid);
	ck_assert_str_eq(out, "B");
	free(out);
	ck_assert_int_eq(oed_extractor_step(x, "uppercase", &err), 0);
	ck_assert_int_eq(oed_extractor_step(x, "majority_vote", &err), 0);
	ck_assert(oed_extractor_majority(x));
	ck_assert_int_eq(oed_extractor_step(x, "strip", &err), -1);
	ck_assert_str_eq(err.msg, "majority_vote must be the last step (take_first may follow)");
	oed_extractor_free(x);

	x = oed_extractor_new();
	ck_assert_int_eq(oed_extractor_regex(x, "(a", 0, &err), -1);
	ck_assert_str_eq(err.msg, "bad regex at offset 2: missing closing parenthesis");
	ck_assert_int_eq(oed_extractor_step(x, "stirp", &err), -1);
	ck_assert_str_eq(err.msg, "unknown extraction step 'stirp' (did you mean 'strip'?)");
	oed_extractor_free(x);
}
END_TEST

START_TEST(majority)
{
	char *a[] = { "1", "2", "2", "1", "3" };
	size_t l[] = { 1, 1, 1, 1, 1 };

	/* tie between 1 and 2: the one seen first */
	ck_assert_uint_eq(oed_majority(a, l, 5), 0);
	ck_assert_uint_eq(oed_majority(a + 1, l, 4), 0);
	ck_assert_uint_eq(oed_majority(a + 2, l, 3), 0);
}
END_TEST

START_TEST(clustered_stderr)
{
	size_t i;

	for (i = 0; i < sizeof(cluster_cases) / sizeof(cluster_cases[0]); i++) {
		const struct cluster_case *c = &cluster_cases[i];
		struct oed_score_stats s, half, rest;
		struct oed_score_result r;
		size_t at = 0;
		int j;

		oed_score_stats_init(&s, 1);
		oed_score_stats_init(&half, 1);
		oed_score_stats_init(&rest, 1);
		for (j = 0; j < c->g; j++) {
			oed_score_stats_add(&s, c->scores + at, (size_t)c->sizes[j], 0);
			oed_score_stats_add(j < c->g / 2 ? &half : &rest, c->scores + at,
					    (size_t)c->sizes[j], 0);
			at += (size_t)c->sizes[j];
		}
		oed_score_stats_result(&s, &r);
		ck_assert_double_eq_tol(r.mean, c->mean, 1e-12);
		ck_assert_double_eq_tol(r.stderr_, c->se, 1e-12);
		ck_assert_double_eq_tol(r.lo, c->mean - 1.959963984540054 * c->se, 1e-12);
		ck_assert(r.n == (double)at);
		/* shards merge to the same figures */
		oed_score_stats_merge(&half, &rest);
		oed_score_stats_result(&half, &r);
		ck_assert_double_eq_tol(r.stderr_, c->se, 1e-12);
	}
}
END_TEST

START_TEST(pass_at_k)
{
	size_t i;
	struct oed_score_stats s;
	double sc[10] = { 1, 0, 1, 0, 0, 0, 0, 0, 0, 0 };

	for (i = 0; i < sizeof(passk_cases) / sizeof(passk_cases[0]); i++) {
		const struct passk_case *c = &passk_cases[i];

		ck_assert_double_eq_tol(oed_pass_at_k(c->n, c->c, c->k), c->want, 1e-12);
	}
	ck_assert(isnan(oed_pass_at_k(3, 1, 4)));
	oed_score_stats_init(&s, 10);
	ck_assert_uint_eq(s.npassk, 3);
	ck_assert_uint_eq(s.passk_k[0], 1);
	ck_assert_uint_eq(s.passk_k[1], 5);
	ck_assert_uint_eq(s.passk_k[2], 10);
	oed_score_stats_add(&s, sc, 10, 2);
	ck_assert_double_eq_tol(s.passk_sum[0], 0.2, 1e-12);
	ck_assert_double_eq_tol(s.passk_sum[2], 1, 1e-12);
}
END_TEST

START_TEST(degenerate)
{
	struct oed_score_stats s;
	struct oed_score_result r;
	double one = 1;

	oed_score_stats_init(&s, 1);
	oed_score_stats_result(&s, &r);
	ck_assert(isnan(r.mean));
	oed_score_stats_add(&s, &one, 1, 1);
	oed_score_stats_result(&s, &r);
	ck_assert(r.mean == 1);
	ck_assert(isnan(r.stderr_));
	oed_score_stats_add(&s, &one, 1, 1);
	oed_score_stats_result(&s, &r);
	ck_assert(r.stderr_ == 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, templates);
	tcase_add_test(tc, template_errors);
	tcase_add_test(tc, extraction);
	tcase_add_test(tc, majority);
	tcase_add_test(tc, clustered_stderr);
	tcase_add_test(tc, pass_at_k);
	tcase_add_test(tc, degenerate);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
