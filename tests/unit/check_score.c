/* Unit tests for the scorer registry: specs, messages and the matching scorers. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exit.h"
#include "score/score.h"

/* Score output against target (NULL: none) with the spec text; value out. */
static struct oed_score_result
run(const char *spec_text, const char *output, const char *target)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;

	if (oed_scorer_spec_parse(spec_text, &spec, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	oed_score_input_init(&in, output, strlen(output));
	if (target != NULL) {
		in.target = target;
		in.target_len = strlen(target);
	}
	if (oed_score(spec, &in, &res, &err) != 0)
		ck_abort_msg("%s on '%s': %s", spec_text, output, err.msg);
	oed_scorer_spec_free(spec);
	return res;
}

/* 1 pass, 0 fail, -1 no verdict. */
static int
pass(const char *spec_text, const char *output, const char *target)
{
	struct oed_score_result res = run(spec_text, output, target);
	int p = res.pass;

	oed_score_result_release(&res);
	return p;
}

/* The usage error a spec text gives. */
static const char *
parse_error(const char *spec_text)
{
	static struct oed_err err;
	struct oed_scorer_spec *spec;

	memset(&err, 0, sizeof(err));
	if (oed_scorer_spec_parse(spec_text, &spec, &err) == 0) {
		oed_scorer_spec_free(spec);
		ck_abort_msg("%s: parsed", spec_text);
	}
	ck_assert_ptr_null(spec);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	return err.msg;
}

/* ---- specs ---- */

START_TEST(spec_compact_forms)
{
	struct oed_scorer_spec *spec;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("contains:refund", &spec, &err), 0);
	ck_assert_str_eq(spec->scorer->name, "contains");
	ck_assert_str_eq(spec->key, "contains");
	ck_assert_str_eq(spec->pv[0].s, "refund");
	ck_assert(!spec->negate);
	ck_assert_double_eq(spec->weight, 1.0);
	ck_assert(isnan(spec->threshold));
	oed_scorer_spec_free(spec);

	/* A comma not followed by "key=" belongs to the value. */
	ck_assert_int_eq(oed_scorer_spec_parse("regex:^a{1,3}$,ignore_case=yes,weight=2.5,as=short",
	    &spec, &err), 0);
	ck_assert_str_eq(spec->pv[0].s, "^a{1,3}$");
	ck_assert(spec->pv[1].b);
	ck_assert_double_eq(spec->weight, 2.5);
	ck_assert_str_eq(spec->key, "short");
	oed_scorer_spec_free(spec);

	/* "\," keeps a comma that would otherwise start a parameter. */
	ck_assert_int_eq(oed_scorer_spec_parse("contains:a\\,weight=b", &spec, &err), 0);
	ck_assert_str_eq(spec->pv[0].s, "a,weight=b");
	ck_assert_double_eq(spec->weight, 1.0);
	oed_scorer_spec_free(spec);

	ck_assert_int_eq(oed_scorer_spec_parse("not_contains:value=sorry", &spec, &err), 0);
	ck_assert(spec->negate);
	ck_assert_str_eq(spec->key, "not_contains");
	oed_scorer_spec_free(spec);

	/* Lists split at '|', "\|" is a bar. */
	ck_assert_int_eq(oed_scorer_spec_parse("contains_any:values=a|b\\|c|", &spec, &err), 0);
	ck_assert_uint_eq(spec->pv[0].nlist, 3);
	ck_assert_str_eq(spec->pv[0].list[0], "a");
	ck_assert_str_eq(spec->pv[0].list[1], "b|c");
	ck_assert_str_eq(spec->pv[0].list[2], "");
	oed_scorer_spec_free(spec);

	/* Defaults are filled in. */
	ck_assert_int_eq(oed_scorer_spec_parse("exact_match", &spec, &err), 0);
	ck_assert(spec->pv[1].set && !spec->pv[1].given && !spec->pv[1].b);
	oed_scorer_spec_free(spec);
}
END_TEST

START_TEST(spec_from_pairs)
{
	const char *keys[] = { "values", "values", "ignore_case", "threshold" };
	const char *vals[] = { "x|y", "z", "true", "0.5" };
	struct oed_scorer_spec *spec;
	struct oed_err err;

	spec = oed_scorer_spec_from_pairs("contains_all", 4, keys, vals, &err);
	ck_assert_ptr_nonnull(spec);
	/* Taken literally: no splitting at '|'. */
	ck_assert_uint_eq(spec->pv[0].nlist, 2);
	ck_assert_str_eq(spec->pv[0].list[0], "x|y");
	ck_assert_str_eq(spec->pv[0].list[1], "z");
	ck_assert_double_eq(spec->threshold, 0.5);
	oed_scorer_spec_free(spec);

	const char *k2[] = { "pattern", "pattern" };
	const char *v2[] = { "a", "b" };
	ck_assert_ptr_null(oed_scorer_spec_from_pairs("regex", 2, k2, v2, &err));
	ck_assert_str_eq(err.msg, "scorer 'regex': parameter 'pattern' given twice");

	const char *k3[] = { "pattern" };
	const char *v3[] = { "a(b" };
	ck_assert_ptr_null(oed_scorer_spec_from_pairs("regex", 1, k3, v3, &err));
	ck_assert_str_eq(err.msg,
	    "scorer 'regex': pattern: invalid regex 'a(b' at offset 3: missing closing parenthesis");
	ck_assert_ptr_null(oed_scorer_spec_from_pairs("containz", 0, NULL, NULL, &err));
	ck_assert_str_eq(err.msg, "unknown scorer 'containz', did you mean 'contains'?");
}
END_TEST

START_TEST(spec_errors)
{
	ck_assert_str_eq(parse_error("exact_mach"),
	    "unknown scorer 'exact_mach', did you mean 'exact_match'?");
	ck_assert_str_eq(parse_error("not_icontain:x"),
	    "unknown scorer 'not_icontain', did you mean 'not_icontains'?");
	ck_assert_str_eq(parse_error("conatins:x"),
	    "unknown scorer 'conatins', did you mean 'contains'?");
	ck_assert_str_eq(parse_error("frobnicate"),
	    "unknown scorer 'frobnicate' (see oed-scorers(7))");
	ck_assert_str_eq(parse_error(""), "a scorer needs a name");
	ck_assert_str_eq(parse_error("contains:vale=x"),
	    "scorer 'contains': unknown parameter 'vale' (it takes value, weight, threshold, as)");
	ck_assert_str_eq(parse_error("contains:x,value=y"),
	    "scorer 'contains': parameter 'value' given twice");
	ck_assert_str_eq(parse_error("exact_match:ignore_case=maybe"),
	    "scorer 'exact_match': ignore_case must be true or false, not 'maybe'");
	ck_assert_str_eq(parse_error("numeric:tolerance=1e999"),
	    "scorer 'numeric': tolerance must be a number, not '1e999'");
	ck_assert_str_eq(parse_error("is_json:type=string"),
	    "scorer 'is_json': type must be one of any|object|array, not 'string'");
	ck_assert_str_eq(parse_error("contains:weight=-1"),
	    "scorer 'contains': weight must be a number >= 0, not '-1'");
	ck_assert_str_eq(parse_error("regex"), "scorer 'regex' needs pattern=");
	ck_assert_str_eq(parse_error("regex:(?<x"),
	    "scorer 'regex': pattern: invalid regex '(?<x' at offset 4: "
	    "syntax error in subpattern name (missing terminator?)");
	ck_assert_str_eq(parse_error("exact_match:regexes_to_ignore=[a"),
	    "scorer 'exact_match': regexes_to_ignore: invalid regex '[a' at offset 2: "
	    "missing terminating ] for character class");
	ck_assert_str_eq(parse_error("contains_any"), "scorer 'contains_any' needs values=");
	ck_assert_str_eq(parse_error("contains:as="), "scorer 'contains': as= needs a name");
}
END_TEST

START_TEST(table_and_help)
{
	size_t n;
	const struct oed_scorer *t = oed_scorer_table(&n);
	char *help = oed_scorer_help_text();

	ck_assert_uint_gt(n, 10);
	ck_assert_ptr_nonnull(help);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_eq(oed_scorer_find(t[i].name), &t[i]);
		ck_assert_ptr_nonnull(strstr(help, t[i].name));
		ck_assert_ptr_nonnull(t[i].score);
	}
	ck_assert_ptr_nonnull(strstr(help, "      ignore_case=bool (default false)"));
	free(help);
	ck_assert_ptr_null(oed_scorer_find("not_contains"));
}
END_TEST


/* Every scorer of the table has its entry in oed-scorers(7). */
START_TEST(man_page_lists_all)
{
	const char *top = getenv("top_srcdir");
	char path[1024], *text;
	size_t n, len;
	const struct oed_scorer *t = oed_scorer_table(&n);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/man/oed-scorers.7", top != NULL ? top : ".");
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	text = calloc(1, 1 << 20);
	len = fread(text, 1, (1 << 20) - 1, fp);
	fclose(fp);
	text[len] = '\0';
	for (size_t i = 0; i < n; i++) {
		char entry[96];
		bool found = false;
		int w = snprintf(entry, sizeof(entry), "Cm %s", t[i].name);
		for (const char *p = text; (p = strstr(p, entry)) != NULL; p += w)
			if (p[w] == '\n' || p[w] == ' ')
				found = true;
		ck_assert_msg(found, "oed-scorers(7) has no entry for '%s'", t[i].name);
		for (const struct oed_scorer_param *pr = t[i].params; pr->name != NULL; pr++) {
			snprintf(entry, sizeof(entry), "Cm %s", pr->name);
			ck_assert_msg(strstr(text, entry) != NULL,
			    "oed-scorers(7) does not name parameter '%s' of '%s'", pr->name, t[i].name);
		}
	}
	free(text);
}
END_TEST

/* ---- matching ---- */

START_TEST(exact_match_options)
{
	/* lm-eval (HF evaluate) exact_match: no stripping by default. */
	ck_assert_int_eq(pass("exact_match", "Paris", "Paris"), 1);
	ck_assert_int_eq(pass("exact_match", "Paris ", "Paris"), 0);
	ck_assert_int_eq(pass("exact_match", "paris", "Paris"), 0);
	ck_assert_int_eq(pass("exact_match:ignore_case=true", "paris", "PARIS"), 1);
	ck_assert_int_eq(pass("exact_match:ignore_case=true", "STRASSE", "straße"), 1);
	ck_assert_int_eq(pass("exact_match:ignore_punctuation=true", "Paris!", "\"Paris\"."), 1);
	/* Only ASCII punctuation is removed, as string.punctuation. */
	ck_assert_int_eq(pass("exact_match:ignore_punctuation=true", "Paris\xc2\xbf", "Paris"), 0);
	ck_assert_int_eq(pass("exact_match:ignore_numbers=true", "a1b22", "ab"), 1);
	ck_assert_int_eq(pass("exact_match:regexes_to_ignore=^the |\\s+", "the big  cat", "bigcat"), 1);
	ck_assert_int_eq(pass("exact_match:regexes_to_ignore=\\s+|^the ", "the big  cat", "bigcat"), 0);
	/* Patterns apply in order: "x+" first, then "yy" sees what is left. */
	ck_assert_int_eq(pass("exact_match:regexes_to_ignore=x+|yy", "yxy", ""), 1);
	/* An empty match removes nothing and scanning goes on. */
	ck_assert_int_eq(pass("exact_match:regexes_to_ignore=b*", "abcbb", "ac"), 1);
	ck_assert_int_eq(pass("exact_match:value=42", "42", NULL), 1);
	ck_assert_int_eq(pass("exact_match", "", ""), 1);
	ck_assert_int_eq(pass("not_exact_match", "a", "b"), 1);
}
END_TEST

START_TEST(substring_scorers)
{
	ck_assert_int_eq(pass("equals", "abc", "abc"), 1);
	ck_assert_int_eq(pass("equals", "abc", "ab"), 0);
	ck_assert_int_eq(pass("contains:refund", "we refund you", NULL), 1);
	ck_assert_int_eq(pass("contains", "we refund you", "fund"), 1);
	ck_assert_int_eq(pass("contains", "we refund you", "Refund"), 0);
	ck_assert_int_eq(pass("icontains", "WE REFUND YOU", "Refund"), 1);
	ck_assert_int_eq(pass("icontains:\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91", "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1!", NULL), 1);
	ck_assert_int_eq(pass("not_contains:sorry", "I am sorry", NULL), 0);
	ck_assert_int_eq(pass("contains:", "", NULL), 1);
	ck_assert_int_eq(pass("contains_any:values=cat|dog", "hot dog", NULL), 1);
	ck_assert_int_eq(pass("contains_any:values=cat|dog", "bird", NULL), 0);
	ck_assert_int_eq(pass("contains_all:values=cat|dog", "cat and dog", NULL), 1);
	ck_assert_int_eq(pass("contains_all:values=cat|dog,ignore_case=true", "CAT and Dog", NULL), 1);
	ck_assert_int_eq(pass("contains_all:values=cat|dog", "cat", NULL), 0);
	struct oed_score_result r = run("contains_all:values=cat|dog", "cat", NULL);
	ck_assert_str_eq(r.reason, "missing 'dog'");
	oed_score_result_release(&r);
	ck_assert_int_eq(pass("starts_with:Hello", "Hello world", NULL), 1);
	ck_assert_int_eq(pass("starts_with:Hello", "Hell", NULL), 0);
	ck_assert_int_eq(pass("ends_with:world", "Hello world", NULL), 1);
	ck_assert_int_eq(pass("ends_with:world", "d", NULL), 0);
	ck_assert_int_eq(pass("regex:^\\d{3}-\\d{4}$", "555-1234", NULL), 1);
	ck_assert_int_eq(pass("regex:^\\d{3}-\\d{4}$", "555-12345", NULL), 0);
	ck_assert_int_eq(pass("regex:pattern=^b,multiline=true", "a\nb", NULL), 1);
	ck_assert_int_eq(pass("regex:pattern=^b", "a\nb", NULL), 0);
	ck_assert_int_eq(pass("regex:pattern=caf\xc3\xa9,ignore_case=true", "CAF\xc3\x89", NULL), 1);
	/* Invalid UTF-8 in the output never matches, the rest still does. */
	ck_assert_int_eq(pass("regex:ok", "\xff ok", NULL), 1);
}
END_TEST

START_TEST(target_needed)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("contains", &spec, &err), 0);
	oed_score_input_init(&in, "x", 1);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "scorer 'contains' needs a target or value=");
	oed_scorer_spec_free(spec);
}
END_TEST

START_TEST(numeric_last_number)
{
	ck_assert_int_eq(pass("numeric", "so 3 apples, total 1,234.5", "#### 1234.5"), 1);
	ck_assert_int_eq(pass("numeric", "The answer is -7.", "-7"), 1);
	ck_assert_int_eq(pass("numeric", "The answer is 7.", "-7"), 0);
	ck_assert_int_eq(pass("numeric", "x = 2.50", "2.5"), 1);
	ck_assert_int_eq(pass("numeric", "1e3 items", "1000"), 1);
	ck_assert_int_eq(pass("numeric", "between 3-4", "4"), 1);
	ck_assert_int_eq(pass("numeric", "pi is 3.1416", "3.14159"), 0);
	ck_assert_int_eq(pass("numeric:tolerance=0.0001", "pi is 3.1416", "3.14159"), 1);
	ck_assert_int_eq(pass("numeric:rel_tolerance=0.01", "99.5", "100"), 1);
	ck_assert_int_eq(pass("numeric:rel_tolerance=0.001", "99.5", "100"), 0);
	ck_assert_int_eq(pass("numeric:value=12", "twelve or 12", NULL), 1);
	/* "1,23" is not a thousands group: the last number is 23. */
	ck_assert_int_eq(pass("numeric", "1,23", "23"), 1);
	ck_assert_int_eq(pass("numeric", "1,234,567", "1234567"), 1);
	struct oed_score_result r = run("numeric", "no digits here", "5");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "no number in the output");
	oed_score_result_release(&r);
	r = run("numeric", "6", "5");
	ck_assert_str_eq(r.reason, "read 6, expected 5");
	oed_score_result_release(&r);
}
END_TEST

START_TEST(choice_letters)
{
	ck_assert_int_eq(pass("choice", "B", "B"), 1);
	ck_assert_int_eq(pass("choice", "(B)", "1"), 1);
	ck_assert_int_eq(pass("choice", "The answer is (C).", "C"), 1);
	ck_assert_int_eq(pass("choice", "A is wrong. Answer: D", "D"), 1);
	ck_assert_int_eq(pass("choice", "I think B.", "B"), 1);
	ck_assert_int_eq(pass("choice", "B", "C"), 0);
	ck_assert_int_eq(pass("choice", "none", "C"), 0);
	ck_assert_int_eq(pass("choice:letters=1234", "3", "3"), 1);

	/* With choices: the text of a choice counts too. */
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;
	const char *choices[] = { "Paris", "Rome", "Oslo" };

	ck_assert_int_eq(oed_scorer_spec_parse("choice", &spec, &err), 0);
	oed_score_input_init(&in, "rome", 4);
	in.choices = choices;
	in.nchoices = 3;
	in.target = "B";
	in.target_len = 1;
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_int_eq(res.pass, 1);
	/* D is past the three choices: no choice. */
	in.output = "D";
	in.output_len = 1;
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_int_eq(res.pass, 0);
	oed_score_result_release(&res);
	in.target = "E";
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'choice': the target 'E' names no choice");
	oed_scorer_spec_free(spec);
}
END_TEST

START_TEST(is_json_types)
{
	ck_assert_int_eq(pass("is_json", "{\"a\":1}", NULL), 1);
	ck_assert_int_eq(pass("is_json", " [1,2] \n", NULL), 1);
	ck_assert_int_eq(pass("is_json", "\"s\"", NULL), 1);
	ck_assert_int_eq(pass("is_json", "{\"a\":1", NULL), 0);
	ck_assert_int_eq(pass("is_json", "", NULL), 0);
	ck_assert_int_eq(pass("is_json:type=object", "[1]", NULL), 0);
	ck_assert_int_eq(pass("is_json:type=array", "[1]", NULL), 1);
	ck_assert_int_eq(pass("is_json", "{} {}", NULL), 0);
}
END_TEST

START_TEST(threshold_and_weight)
{
	struct oed_scorer_spec *s[2];
	struct oed_score_result r[2];
	struct oed_score_input in;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("contains:a,weight=3", &s[0], &err), 0);
	ck_assert_int_eq(oed_scorer_spec_parse("contains:b", &s[1], &err), 0);
	oed_score_input_init(&in, "a", 1);
	ck_assert_int_eq(oed_score(s[0], &in, &r[0], &err), 0);
	ck_assert_int_eq(oed_score(s[1], &in, &r[1], &err), 0);
	ck_assert_double_eq(oed_score_weighted(s, r, 2), 0.75);
	oed_scorer_spec_free(s[0]);
	oed_scorer_spec_free(s[1]);
	/* threshold= decides the verdict: 0 >= 0 passes. */
	ck_assert_int_eq(pass("contains:b,threshold=0", "a", NULL), 1);
	ck_assert_int_eq(pass("not_contains:a,threshold=0.5", "a", NULL), 0);
}
END_TEST


/* ---- the stream ---- */

/*
 * Run oed_score_stream over input with the given spec texts; returns the
 * output (static) and the status (0, or err.status) in *status.
 */
static const char *
stream(const char *input, const char *const *specs, size_t n, const char *samples_by,
       const char *on_error, int *status, struct oed_err *err)
{
	static char out[8192];
	char inpath[] = "/tmp/oed-score-in-XXXXXX";
	char *files[1] = { inpath };
	struct oed_scorer_spec *sp[8];
	struct oed_score_stream_opts o;
	struct oed_policy pol;
	struct oed_writer w;
	int fd = mkstemp(inpath);
	FILE *fo = tmpfile();

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, input, strlen(input)), (ssize_t)strlen(input));
	close(fd);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(oed_scorer_spec_parse(specs[i], &sp[i], err), 0);
	oed_policy_init(&pol);
	ck_assert_int_eq(oed_policy_parse(&pol, on_error, err), 0);
	memset(&o, 0, sizeof(o));
	o.specs = sp;
	o.nspecs = n;
	o.samples_by = samples_by;
	o.policy = &pol;
	oed_writer_init(&w, fo);
	*status = oed_score_stream(&o, 1, files, &w, err) == 0 ? 0 : err->status;
	oed_writer_release(&w);
	oed_policy_release(&pol);
	for (size_t i = 0; i < n; i++)
		oed_scorer_spec_free(sp[i]);
	rewind(fo);
	size_t got = fread(out, 1, sizeof(out) - 1, fo);
	out[got] = '\0';
	fclose(fo);
	unlink(inpath);
	return out;
}

START_TEST(stream_splices)
{
	const char *specs[] = { "contains:refund", "exact_match", "numeric:as=num" };
	struct oed_err err;
	int status;
	const char *out = stream(
	    "\xef\xbb\xbf{\"id\": 1, \"output\": \"a refund of 12\", \"target\": 12, \"meta\": {\"x\": [1, 2]} }\n"
	    "{\"output\":\"12\",\"target\":\"12\"}\r\n"
	    "\n"
	    "{\"output\":\"no\",\"scores\":{\"old\":1},\"pass\":false,\"target\":\"7\"}\n",
	    specs, 3, NULL, "fail", &status, &err);

	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out,
	    "{\"id\": 1, \"output\": \"a refund of 12\", \"target\": 12, \"meta\": {\"x\": [1, 2]} ,"
	    "\"scores\":{\"contains\":1,\"exact_match\":0,\"num\":1},\"pass\":false}\n"
	    "{\"output\":\"12\",\"target\":\"12\",\"scores\":{\"contains\":0,\"exact_match\":1,\"num\":1},"
	    "\"pass\":false}\n"
	    "{\"output\":\"no\",\"target\":\"7\",\"scores\":{\"contains\":0,\"exact_match\":0,\"num\":0},"
	    "\"pass\":false}\n");
	(void)out;
}
END_TEST

START_TEST(stream_bad_records)
{
	const char *specs[] = { "exact_match" };
	struct oed_err err;
	int status;
	const char *out;

	out = stream("{\"output\":\"a\",\"target\":\"a\"}\n{\"output\":\"b\"}\n{\"target\":\"c\"}\n",
	    specs, 1, NULL, "fail", &status, &err);
	ck_assert_int_eq(status, OED_EX_DATA);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "scorer 'exact_match' needs a target or value=");
	ck_assert_str_eq(out, "{\"output\":\"a\",\"target\":\"a\",\"scores\":{\"exact_match\":1},\"pass\":true}\n");

	oed_diag_quiet(true);
	out = stream("{\"output\":\"a\",\"target\":\"a\"}\n{\"output\":\"b\"}\n{\"target\":\"c\"}\n"
	    "{\"output\":1}\n{\"output\":\"x\",\"target\":[]}\n{\"output\":\"d\",\"target\":\"d\"}\n",
	    specs, 1, NULL, "skip", &status, &err);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out, "{\"output\":\"a\",\"target\":\"a\",\"scores\":{\"exact_match\":1},\"pass\":true}\n"
	    "{\"output\":\"d\",\"target\":\"d\",\"scores\":{\"exact_match\":1},\"pass\":true}\n");

	out = stream("", specs, 1, NULL, "fail", &status, &err);
	ck_assert_int_eq(status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "no records in the input");
	out = stream("{\"output\":\"b\"}\n", specs, 1, NULL, "skip", &status, &err);
	ck_assert_int_eq(status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "no records in the input");
	oed_diag_quiet(false);

	const char *two[] = { "contains:a", "contains:b" };
	out = stream("{\"output\":\"b\"}\n", two, 2, NULL, "fail", &status, &err);
	ck_assert_int_eq(status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "two scorers would both write scores.contains: name one with as=");
}
END_TEST

START_TEST(stream_references)
{
	const char *specs[] = { "bleu:smooth=none", "exact_match" };
	struct oed_err err;
	int status;
	const char *out;

	/* A list target: BLEU clips against each; the others take the first. */
	out = stream("{\"output\":\"a b c d\",\"target\":[\"a b x x\",\"x x c d\"]}\n"
	    "{\"output\":\"a b c d\",\"target\":[\"a b c d\"]}\n",
	    specs, 2, NULL, "fail", &status, &err);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out, "{\"output\":\"a b c d\",\"target\":[\"a b x x\",\"x x c d\"],"
	    "\"scores\":{\"bleu\":0,\"exact_match\":0},\"pass\":false}\n"
	    "{\"output\":\"a b c d\",\"target\":[\"a b c d\"],"
	    "\"scores\":{\"bleu\":1,\"exact_match\":1},\"pass\":true}\n");
	out = stream("{\"output\":\"a\",\"target\":[1]}\n", specs, 2, NULL, "fail", &status, &err);
	ck_assert_int_eq(status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "field 'target' is a list, but not a non-empty list of strings");
}
END_TEST

/* A 3 MB output and an empty one go through whole. */
START_TEST(stream_huge_and_empty)
{
	size_t big = 3000000;
	char inpath[] = "/tmp/oed-score-big-XXXXXX";
	char *files[1] = { inpath };
	struct oed_scorer_spec *sp[3];
	struct oed_score_stream_opts o;
	struct oed_policy pol;
	struct oed_writer w;
	struct oed_err err;
	int fd = mkstemp(inpath);
	FILE *fi = fdopen(fd, "w"), *fo = tmpfile();

	fputs("{\"output\":\"", fi);
	for (size_t i = 0; i < big; i++)
		fputc("ab c "[i % 5], fi);
	fputs("\",\"target\":\"ab\"}\n{\"output\":\"\",\"target\":\"\"}\n", fi);
	fclose(fi);
	ck_assert_int_eq(oed_scorer_spec_parse("f1", &sp[0], &err), 0);
	ck_assert_int_eq(oed_scorer_spec_parse("contains", &sp[1], &err), 0);
	ck_assert_int_eq(oed_scorer_spec_parse("length:unit=words", &sp[2], &err), 0);
	oed_policy_init(&pol);
	memset(&o, 0, sizeof(o));
	o.specs = sp;
	o.nspecs = 3;
	o.policy = &pol;
	oed_writer_init(&w, fo);
	ck_assert_int_eq(oed_score_stream(&o, 1, files, &w, &err), 0);
	oed_writer_release(&w);
	long size = ftell(fo);
	char tail[256];
	ck_assert_int_eq(fseek(fo, size - 200, SEEK_SET), 0);
	tail[fread(tail, 1, sizeof(tail) - 1, fo)] = '\0';
	/* "ab c " repeated: 1,200,000 words, one "ab" shared with the target. */
	char want[256], f1[32];
	double p = 1.0 / 1200000;
	oed_fmt_double(f1, 2 * p * 1.0 / (p + 1.0));
	snprintf(want, sizeof(want), "\"scores\":{\"f1\":%s,\"contains\":1,"
	    "\"length\":1200000},\"pass\":true}\n{\"output\":\"\",\"target\":\"\",\"scores\":{\"f1\":0,"
	    "\"contains\":1,\"length\":0},\"pass\":true}\n", f1);
	ck_assert_msg(strstr(tail, want) != NULL, "tail: %s\nwant: %s", tail, want);
	fclose(fo);
	oed_policy_release(&pol);
	for (int i = 0; i < 3; i++)
		oed_scorer_spec_free(sp[i]);
	unlink(inpath);
}
END_TEST

START_TEST(stream_groups)
{
	const char *specs[] = { "contains:x" };
	struct oed_err err;
	int status;
	const char *out;

	out = stream("{\"input_id\":\"q1\",\"output\":\"x\"}\n{\"input_id\":\"q1\",\"output\":\"y\"}\n"
	    "{\"input_id\":2,\"output\":\"x\"}\n",
	    specs, 1, "input_id", "fail", &status, &err);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out, "{\"input_id\":\"q1\",\"output\":\"x\",\"scores\":{\"contains\":1},\"pass\":true}\n"
	    "{\"input_id\":\"q1\",\"output\":\"y\",\"scores\":{\"contains\":0},\"pass\":false}\n"
	    "{\"input_id\":2,\"output\":\"x\",\"scores\":{\"contains\":1},\"pass\":true}\n");
	out = stream("{\"input_id\":\"q1\",\"output\":\"x\"}\n{\"input_id\":\"q2\",\"output\":\"y\"}\n"
	    "{\"input_id\":\"q1\",\"output\":\"x\"}\n",
	    specs, 1, "input_id", "fail", &status, &err);
	ck_assert_int_eq(status, OED_EX_DATA);
	ck_assert_int_eq(err.line, 3);
	ck_assert_str_eq(err.msg, "input 'q1' comes again after other inputs: the records of one "
	    "input must be adjacent (sort by 'input_id')");
}
END_TEST

static Suite *
score_suite(void)
{
	Suite *s = suite_create("score");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, spec_compact_forms);
	tcase_add_test(core, spec_from_pairs);
	tcase_add_test(core, spec_errors);
	tcase_add_test(core, table_and_help);
	tcase_add_test(core, man_page_lists_all);
	tcase_add_test(core, exact_match_options);
	tcase_add_test(core, substring_scorers);
	tcase_add_test(core, numeric_last_number);
	tcase_add_test(core, choice_letters);
	tcase_add_test(core, is_json_types);
	tcase_add_test(core, threshold_and_weight);
	tcase_add_test(limits, target_needed);
	tcase_add_test(core, stream_splices);
	tcase_add_test(limits, stream_bad_records);
	tcase_add_test(core, stream_groups);
	tcase_add_test(core, stream_references);
	tcase_add_test(limits, stream_huge_and_empty);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(score_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
