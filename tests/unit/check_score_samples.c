/*
 * Unit tests for the scorers over an input's samples: consistency,
 * hallucination_risk, waste_tokens, and the run-level waste figures, on
 * cases computed by hand.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "reject.h"
#include "score/score.h"

/* Score sample `self` of texts[0..k) with spec_text. */
static struct oed_score_result
score_sample(const char *spec_text, const char *const *texts, size_t k, size_t self)
{
	struct oed_scorer_spec *spec;
	struct oed_score_sample s[16];
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;

	ck_assert_uint_le(k, 16);
	for (size_t i = 0; i < k; i++) {
		s[i].text = texts[i];
		s[i].len = strlen(texts[i]);
	}
	if (oed_scorer_spec_parse(spec_text, &spec, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	oed_score_input_init(&in, s[self].text, s[self].len);
	in.samples = s;
	in.nsamples = k;
	if (oed_score(spec, &in, &res, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	oed_scorer_spec_free(spec);
	return res;
}

static double
value(const char *spec_text, const char *const *texts, size_t k, size_t self)
{
	struct oed_score_result r = score_sample(spec_text, texts, k, self);
	oed_score_result_release(&r);
	return r.value;
}

/* H of counts c[0..n) over their sum, in bits. */
static double
entropy(const double *c, size_t n)
{
	double sum = 0, h = 0;

	for (size_t i = 0; i < n; i++)
		sum += c[i];
	for (size_t i = 0; i < n; i++)
		h -= c[i] / sum * log2(c[i] / sum);
	return h;
}

START_TEST(consistency_by_hand)
{
	static const char *const t[] = { "Paris", "paris", "Paris ", "London" };
	/* trim: {Paris, Paris}, {paris}, {London}: H = 1.5 bits, log2 4 = 2. */
	ck_assert_double_eq_tol(value("consistency", t, 4, 0), 1 - 1.5 / 2, 1e-15);
	ck_assert_double_eq_tol(value("hallucination_risk", t, 4, 3), 1.5, 1e-15);
	/* trim and case: {3 x paris}, {London}. */
	double c[] = { 3, 1 };
	ck_assert_double_eq_tol(value("consistency:normalize=trim,case", t, 4, 1),
	    1 - entropy(c, 2) / 2, 1e-15);
	/* No normalisation: four classes, nothing consistent. */
	ck_assert_double_eq_tol(value("consistency:normalize=", t, 4, 0), 0.0, 1e-15);

	static const char *const same[] = { "42", " 42", "42\n" };
	ck_assert_double_eq(value("consistency", same, 3, 2), 1.0);
	ck_assert_double_eq(value("hallucination_risk", same, 3, 0), 0.0);

	/* One sample: no value. */
	struct oed_score_result r = score_sample("consistency", same, 1, 0);
	ck_assert(isnan(r.value));
	ck_assert_str_eq(r.reason, "one sample: nothing to compare");
	oed_score_result_release(&r);
}
END_TEST

START_TEST(extract_and_no_match)
{
	static const char *const t[] = {
		"The answer: 42", "so answer: 42.", "answer: 41", "no idea", "I do not know",
	};
	/* {42, 42}, {41}, {no match, no match}: H of (2, 1, 2) over 5. */
	double c[] = { 2, 1, 2 };
	ck_assert_double_eq_tol(value("hallucination_risk:extract=answer:\\s*(\\d+)", t, 5, 0),
	    entropy(c, 3), 1e-15);
	ck_assert_double_eq_tol(value("consistency:extract=answer:\\s*(\\d+)", t, 5, 3),
	    1 - entropy(c, 3) / log2(5), 1e-15);
	struct oed_score_result r = score_sample("hallucination_risk:extract=answer:\\s*(\\d+),max=1.5",
	    t, 5, 0);
	ck_assert_int_eq(r.pass, 0);	/* 1.52 bits */
	ck_assert_str_eq(r.reason, "3 classes among 5 samples");
	oed_score_result_release(&r);
	r = score_sample("hallucination_risk:extract=answer:\\s*(\\d+),max=1.6", t, 5, 0);
	ck_assert_int_eq(r.pass, 1);
	oed_score_result_release(&r);
}
END_TEST

/* The MinHash path: near-duplicates fall in one class. */
START_TEST(cluster_jaccard)
{
	static const char *const t[] = {
		"The capital of France is Paris, a city on the Seine.",
		"The capital of France is Paris, a city on the Seine!",
		"Berlin is the capital of Germany.",
	};
	double c[] = { 2, 1 };
	ck_assert_double_eq_tol(value("hallucination_risk:cluster=jaccard:0.6", t, 3, 0),
	    entropy(c, 2), 1e-15);
	ck_assert_double_eq_tol(value("hallucination_risk", t, 3, 0), log2(3), 1e-15);
	/* The same classes whichever record asks. */
	ck_assert_double_eq_tol(value("consistency:cluster=jaccard:0.6", t, 3, 2),
	    1 - entropy(c, 2) / log2(3), 1e-15);
}
END_TEST

START_TEST(waste_by_hand)
{
	/* tiktoken cl100k_base: "hello" is 1 token, "hello world" 2 ([15339, 1917]). */
	static const char *const t[] = { "hello world", "hello", "goodbye" };
	ck_assert_double_eq(value("waste_tokens:extract=(hello|goodbye)", t, 3, 0), 1);
	ck_assert_double_eq(value("waste_tokens:extract=(hello|goodbye)", t, 3, 1), 0);
	ck_assert_double_eq(value("waste_tokens:extract=(hello|goodbye)", t, 3, 2), 0);
	/* Without an equivalence that joins them, nothing is waste. */
	ck_assert_double_eq(value("waste_tokens", t, 3, 0), 0);

	struct oed_waste w;
	oed_waste_init(&w);
	ck_assert(isnan(oed_waste_ratio(&w)));
	/* Three outputs of 2, 1 and 1 tokens; 1 token of waste; two passed. */
	oed_waste_add(&w, 1, 2, 1);
	oed_waste_add(&w, 0, 1, 0);
	oed_waste_add(&w, 0, 1, 1);
	ck_assert_double_eq(oed_waste_ratio(&w), 0.25);
	ck_assert_double_eq(oed_token_efficiency(&w), 500.0);
}
END_TEST

START_TEST(samples_errors)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("consistency", &spec, &err), 0);
	oed_score_input_init(&in, "x", 1);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'consistency' needs the samples of the input (--samples-by)");
	oed_scorer_spec_free(spec);
	ck_assert_int_eq(oed_scorer_spec_parse("consistency:normalize=trim,shout", &spec, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "scorer 'consistency': normalize: unknown step 'shout'; "
	    "choices: trim, space, case, punct, number");
	ck_assert_int_eq(oed_scorer_spec_parse("consistency:extract=(", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'consistency': extract: invalid regex '(' at offset 1: "
	    "missing closing parenthesis");
	ck_assert_int_eq(oed_scorer_spec_parse("consistency:cluster=jaccard:2", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'consistency': cluster: threshold '2' is not a number "
	    "above 0 and at most 1");
}
END_TEST

/* Through the stream: --samples-by groups the records of an input. */
START_TEST(stream_samples)
{
	char inpath[] = "/tmp/oed-samples-XXXXXX";
	char *files[1] = { inpath };
	static const char input[] =
	    "{\"input_id\":\"a\",\"output\":\"Paris\"}\n"
	    "{\"input_id\":\"a\",\"output\":\"paris\"}\n"
	    "{\"input_id\":\"a\",\"output\":\"London\"}\n"
	    "{\"input_id\":\"a\",\"output\":\"Paris\"}\n"
	    "{\"input_id\":\"b\",\"output\":\"42\"}\n";
	struct oed_scorer_spec *sp[2];
	struct oed_score_stream_opts o;
	struct oed_policy pol;
	struct oed_writer w;
	struct oed_err err;
	char out[4096];
	int fd = mkstemp(inpath);
	FILE *fo = tmpfile();

	ck_assert_int_eq(write(fd, input, sizeof(input) - 1), (ssize_t)sizeof(input) - 1);
	close(fd);
	ck_assert_int_eq(oed_scorer_spec_parse("consistency:normalize=case", &sp[0], &err), 0);
	ck_assert_int_eq(oed_scorer_spec_parse("hallucination_risk:as=risk", &sp[1], &err), 0);
	oed_policy_init(&pol);
	memset(&o, 0, sizeof(o));
	o.specs = sp;
	o.nspecs = 2;
	o.samples_by = "input_id";
	o.policy = &pol;
	oed_writer_init(&w, fo);
	ck_assert_int_eq(oed_score_stream(&o, 1, files, &w, &err), 0);
	rewind(fo);
	out[fread(out, 1, sizeof(out) - 1, fo)] = '\0';
	/*
	 * a, case folded: {paris x3, london}: consistency 1 - 0.811.../2;
	 * exact: {Paris x2, paris, London}: H = 1.5, over the 1 bit default.
	 */
	ck_assert_str_eq(out,
	    "{\"input_id\":\"a\",\"output\":\"Paris\",\"scores\":{\"consistency\":0.5943609377704335,\"risk\":1.5},\"pass\":false}\n"
	    "{\"input_id\":\"a\",\"output\":\"paris\",\"scores\":{\"consistency\":0.5943609377704335,\"risk\":1.5},\"pass\":false}\n"
	    "{\"input_id\":\"a\",\"output\":\"London\",\"scores\":{\"consistency\":0.5943609377704335,\"risk\":1.5},\"pass\":false}\n"
	    "{\"input_id\":\"a\",\"output\":\"Paris\",\"scores\":{\"consistency\":0.5943609377704335,\"risk\":1.5},\"pass\":false}\n"
	    "{\"input_id\":\"b\",\"output\":\"42\",\"scores\":{\"consistency\":null,\"risk\":0},\"pass\":true}\n");
	double c[] = { 3, 1 };
	ck_assert_double_eq_tol(0.5943609377704335, 1 - entropy(c, 2) / 2, 1e-15);
	fclose(fo);
	oed_writer_release(&w);
	oed_policy_release(&pol);
	oed_scorer_spec_free(sp[0]);
	oed_scorer_spec_free(sp[1]);
	unlink(inpath);

	/* Without --samples-by: a usage error before any record. */
	ck_assert_int_eq(oed_scorer_spec_parse("consistency", &sp[0], &err), 0);
	o.specs = sp;
	o.nspecs = 1;
	o.samples_by = NULL;
	ck_assert_int_eq(oed_score_stream(&o, 1, files, &w, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'consistency' compares the samples of an input: give "
	    "--samples-by FIELD");
	oed_scorer_spec_free(sp[0]);
}
END_TEST

static Suite *
samples_suite(void)
{
	Suite *s = suite_create("score_samples");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, consistency_by_hand);
	tcase_add_test(core, extract_and_no_match);
	tcase_add_test(core, cluster_jaccard);
	tcase_add_test(core, waste_by_hand);
	tcase_add_test(core, stream_samples);
	tcase_add_test(limits, samples_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(samples_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
