/*
 * Unit tests for the oed-drift engine (lib/drift/drift.c): record times
 * (RFC 3339 itself is checked in check_time.c), kinds, the automatic choice of test, --field specs, and whole
 * runs whose numbers are checked against scipy (tests/ref/drifttool_ref.h,
 * made by tests/ref/gen_drifttool_ref.py).  The tests themselves are
 * checked in check_drifttest.c.
 */
#include "config.h"

#include <check.h>
#include <sqlite3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "drift/drift.h"
#include "drift/drifttest.h"
#include "exit.h"
#include "jsonl.h"
#include "jsonw.h"
#include "reject.h"
#include "store.h"
#include "time.h"

#include "../ref/drifttool_ref.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* ---- time and windows ---- */

START_TEST(time_of_values)
{
	struct oed_value v = { 0 };
	const char *why;
	double t;

	v.type = OED_V_NUMBER;
	v.num = 1795341600.25;
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), 0);
	ck_assert(t == 1795341600.25);
	v.num = 1e12;
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), -1);
	ck_assert_str_eq(why, "epoch seconds out of the years 1 to 9999");
	v.type = OED_V_STRING;
	v.str = "2026-11-22T10:00:00+01:00";
	v.len = strlen(v.str);
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), 0);
	ck_assert(t == 1795341600 - 3600);
	/* a leap second only at 23:59:60 UTC, as lib/time.c and oed-ingest take it */
	v.str = "2016-12-31T23:59:60Z";
	v.len = strlen(v.str);
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), 0);
	ck_assert(t == 1483228800);
	v.str = "2026-01-01T10:00:60Z";
	v.len = strlen(v.str);
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), -1);
	v.str = "yesterday";
	v.len = strlen(v.str);
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), -1);
	v.type = OED_V_MISSING;
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), -1);
	ck_assert_str_eq(why, "no timestamp");
	v.type = OED_V_TRUE;
	ck_assert_int_eq(oed_drift_time_of(&v, &t, &why), -1);
}
END_TEST

/* ---- kinds, tests ---- */

START_TEST(infer_text_or_labels)
{
	const char *labels[] = { "gpt-4o", "gpt-4o", "claude", "gpt-4o", "claude", "mistral" };
	const char *cities[] = { "New York", "Paris", "New York", "New York", "Paris", "Rome" };
	const char *ids[] = { "q0001", "q0002", "q0003", "q0004" };
	const char *text[] = { "The answer is 42.", "I think so, yes.", "No.", "It depends on the input." };
	const char *longs[2];
	size_t len[6];
	char a[100], b[100];

	for (int i = 0; i < 6; i++)
		len[i] = strlen(labels[i]);
	ck_assert_int_eq(oed_drift_infer_strings(labels, len, 6), OED_FK_CATEGORICAL);
	for (int i = 0; i < 6; i++)
		len[i] = strlen(cities[i]);
	ck_assert_int_eq(oed_drift_infer_strings(cities, len, 6), OED_FK_CATEGORICAL);
	for (int i = 0; i < 4; i++)
		len[i] = strlen(ids[i]);
	ck_assert_int_eq(oed_drift_infer_strings(ids, len, 4), OED_FK_CATEGORICAL);
	for (int i = 0; i < 4; i++)
		len[i] = strlen(text[i]);
	ck_assert_int_eq(oed_drift_infer_strings(text, len, 4), OED_FK_TEXT);
	/* long distinct strings without spaces (a language without them) are text */
	memset(a, 'x', 99);
	memset(b, 'y', 99);
	a[99] = b[99] = '\0';
	longs[0] = a;
	longs[1] = b;
	len[0] = len[1] = 99;
	ck_assert_int_eq(oed_drift_infer_strings(longs, len, 2), OED_FK_TEXT);
	/* long answers that repeat, as a consistent model's do, are text too */
	longs[1] = a;
	ck_assert_int_eq(oed_drift_infer_strings(longs, len, 2), OED_FK_TEXT);
	ck_assert_int_eq(oed_drift_infer_strings(NULL, NULL, 0), OED_FK_CATEGORICAL);
}
END_TEST

START_TEST(auto_choice_table)
{
	static const struct {
		enum oed_fkind kind;
		uint64_t n_ref;
		size_t ncat;
		const char *test, *reason;
	} rows[] = {
		{ OED_FK_NUMERIC, 10, 0, "ks", "numeric, n_ref<=1000" },
		{ OED_FK_NUMERIC, 1000, 0, "ks", "numeric, n_ref<=1000" },
		{ OED_FK_NUMERIC, 1001, 0, "wasserstein_normed", "numeric, n_ref>1000" },
		{ OED_FK_CATEGORICAL, 1000, 3, "chi2", "categorical, n_ref<=1000" },
		{ OED_FK_CATEGORICAL, 1001, 3, "js", "categorical, n_ref>1000" },
		{ OED_FK_CATEGORICAL, 5, 2, "z", "categorical, binary" },
		{ OED_FK_CATEGORICAL, 50000, 2, "z", "categorical, binary" },
		{ OED_FK_CATEGORICAL, 50, 1, "chi2", "categorical, n_ref<=1000" },
		{ OED_FK_VECTOR, 5, 0, "mmd", "vector" },
		{ OED_FK_VECTOR, 50000, 0, "mmd", "vector" },
	};
	char reason[64];

	for (size_t i = 0; i < NCASES(rows); i++) {
		const char *t = oed_drift_auto_test(rows[i].kind, rows[i].n_ref, rows[i].ncat, reason,
						    sizeof(reason));

		ck_assert_str_eq(t, rows[i].test);
		ck_assert_str_eq(reason, rows[i].reason);
	}
}
END_TEST

START_TEST(field_specs)
{
	static const struct {
		const char *arg, *path;
		enum oed_fkind kind;
		const char *test;
	} good[] = {
		{ "latency_ms", "latency_ms", OED_FK_AUTO, NULL },
		{ "latency_ms:numeric", "latency_ms", OED_FK_NUMERIC, NULL },
		{ "model:categorical:chi2", "model", OED_FK_CATEGORICAL, "chi2" },
		{ "meta.lang:auto:js", "meta.lang", OED_FK_AUTO, "js" },
		{ "a:b:auto", "a:b", OED_FK_AUTO, NULL },
		{ "/x:y/z:text", "/x:y/z", OED_FK_TEXT, NULL },
		{ "emb:vector:mmd", "emb", OED_FK_VECTOR, "mmd" },
		{ "latency_ms:ks", "latency_ms", OED_FK_AUTO, "ks" },
		{ "latency_ms::ks", "latency_ms", OED_FK_AUTO, "ks" },
		{ "a:b:ks", "a:b", OED_FK_AUTO, "ks" },
	};
	static const struct { const char *arg, *msg; } bad[] = {
		{ "x:numric", "--field: 'numric' is not a kind (numeric, categorical, text, vector, auto) or a test (did you mean 'numeric'?)" },
		{ "x:numeric:nosuch", "--field: 'nosuch' is not a kind (numeric, categorical, text, vector, auto) or a test" },
		{ ":numeric", "--field: ':numeric' names no field" },
		{ ":ks", "--field: ':ks' names no field" },
		{ "", "--field: '' names no field" },
		{ ":auto:ks", "--field: ':auto:ks' names no field" },
	};
	struct oed_drift_spec spec;
	struct oed_err err;

	for (size_t i = 0; i < NCASES(good); i++) {
		ck_assert_msg(oed_drift_spec_parse(&spec, good[i].arg, &err) == 0, "%s: %s", good[i].arg, err.msg);
		ck_assert_str_eq(spec.path, good[i].path);
		ck_assert_int_eq(spec.kind, good[i].kind);
		if (good[i].test)
			ck_assert_str_eq(spec.test, good[i].test);
		else
			ck_assert_ptr_null(spec.test);
		oed_drift_spec_release(&spec);
	}
	for (size_t i = 0; i < NCASES(bad); i++) {
		ck_assert_msg(oed_drift_spec_parse(&spec, bad[i].arg, &err) == -1, "%s accepted", bad[i].arg);
		ck_assert_str_eq(err.msg, bad[i].msg);
		ck_assert_int_eq(err.status, OED_EX_USAGE);
		ck_assert_ptr_null(spec.path);
	}
}
END_TEST

/* ---- whole runs ---- */

static char tmpdir[] = "/tmp/oed-drift-XXXXXX";

static const char *
tmp_path(const char *name)
{
	static char path[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

static const char *
example(const char *name)
{
	static char path[2][1024];
	static int k;
	const char *top = getenv("top_srcdir");

	k = (k + 1) % 2;
	snprintf(path[k], sizeof(path[k]), "%s/examples/drift/%s", top ? top : "../..", name);
	return path[k];
}

static struct oed_drift_opts
opts(void)
{
	struct oed_drift_opts o = { 0 };

	o.threshold = NAN;
	o.share = 0.5;
	o.keep_findings = true;
	return o;
}

/*
 * One run of the engine: ref (a file, or NULL for none), cur, the --field
 * arguments; findings are written to out.jsonl in the scratch folder.
 * Returns the engine (the caller frees it); bad records are skipped and
 * counted in *bad.
 */
static struct oed_drift *
run_engine(const char *ref, const char *cur, const char *const *fields, size_t nf,
	   const struct oed_drift_opts *o, unsigned long *bad)
{
	struct oed_policy pol;
	struct oed_drift *d;
	struct oed_reader *r;
	struct oed_writer w;
	struct oed_err err;
	FILE *out = fopen(tmp_path("out.jsonl"), "w");
	char *files[1];

	ck_assert_ptr_nonnull(out);
	oed_policy_init(&pol);
	pol.mode = OED_ON_ERROR_SKIP;
	d = oed_drift_new(o, &err);
	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < nf; i++) {
		struct oed_drift_spec spec;

		ck_assert_int_eq(oed_drift_spec_parse(&spec, fields[i], &err), 0);
		ck_assert_int_eq(oed_drift_add_field(d, &spec, &err), 0);
		oed_drift_spec_release(&spec);
	}
	if (ref) {
		files[0] = (char *)ref;
		r = oed_reader_new(1, files, 1 << 20, &pol, &err);
		ck_assert_ptr_nonnull(r);
		ck_assert_msg(oed_drift_read_ref(d, r, &err) == 0, "%s", err.msg);
		oed_reader_free(r);
	}
	files[0] = (char *)cur;
	r = oed_reader_new(1, files, 1 << 20, &pol, &err);
	ck_assert_ptr_nonnull(r);
	oed_writer_init(&w, out);
	ck_assert_msg(oed_drift_read_cur(d, r, &w, &err) == 0, "%s", err.msg);
	oed_writer_release(&w);
	oed_reader_free(r);
	ck_assert_int_eq(fclose(out), 0);
	if (bad)
		*bad = pol.bad;
	oed_policy_release(&pol);
	return d;
}

static const struct oed_drift_finding *
finding(struct oed_drift *d, const char *feature, const char *window)
{
	size_t n;
	const struct oed_drift_finding *f = oed_drift_findings(d, &n);
	char start[OED_RFC3339_SIZE];

	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].feature, feature) != 0)
			continue;
		if (window) {
			ck_assert(f[i].windowed);
			oed_time_to_rfc3339((double)f[i].window_start / 1000, start);
			if (strcmp(start, window) != 0)
				continue;
		}
		return &f[i];
	}
	ck_abort_msg("no finding for %s %s", feature, window ? window : "");
	return NULL;
}

static void
assert_close(double got, double want, double rel, const char *what)
{
	ck_assert_msg(fabs(got - want) <= rel * fmax(fabs(want), 1e-300),
		      "%s: %.17g, scipy %.17g", what, got, want);
}

static void
assert_findings(struct oed_drift *d, const struct finding_ref *ref, size_t n, const char *window)
{
	for (size_t i = 0; i < n; i++) {
		const struct oed_drift_finding *f = finding(d, ref[i].feature, window);

		ck_assert_str_eq(f->test, ref[i].test);
		ck_assert_msg(f->ran, "%s did not run: %s", f->feature, f->reason);
		ck_assert_uint_eq(f->n_ref, ref[i].n_ref);
		ck_assert_uint_eq(f->n_cur, ref[i].n_cur);
		assert_close(f->statistic, ref[i].statistic, 1e-6, ref[i].feature);
		if (!isnan(ref[i].p_value))
			assert_close(f->p_value, ref[i].p_value, 1e-6, ref[i].feature);
		else if (strcmp(f->test, "mmd") == 0)
			ck_assert(f->p_value > 0 && f->p_value <= 1);
		else
			ck_assert(isnan(f->p_value));
	}
}

static const char *const example_fields[] = { "latency_ms", "model", "output", "flagged", "embedding" };

START_TEST(example_against_scipy)
{
	struct oed_drift_opts o = opts();
	struct oed_drift *d = run_engine(example("reference.jsonl"), example("current.jsonl"),
					 example_fields, NCASES(example_fields), &o, NULL);
	const struct oed_drift_finding *f;

	assert_findings(d, example_whole, NCASES(example_whole), NULL);
	f = finding(d, "model", NULL);
	ck_assert_str_eq(f->feature_kind, "categorical");
	ck_assert_str_eq(f->reason, "categorical, n_ref<=1000");
	ck_assert_uint_eq(finding(d, "latency_ms", NULL)->missing_ref, 6);
	ck_assert_uint_eq(finding(d, "latency_ms", NULL)->missing_cur, 7);
	ck_assert_str_eq(finding(d, "output:words", NULL)->feature_kind, "text");
	ck_assert_str_eq(finding(d, "output:words", NULL)->reason, "categorical, n_ref>1000");
	ck_assert_str_eq(finding(d, "flagged", NULL)->reason, "categorical, binary");
	ck_assert(oed_drift_found(d));
	oed_drift_free(d);
}
END_TEST

START_TEST(example_days_against_scipy)
{
	struct oed_drift_opts o = opts();
	const struct oed_drift_finding *f;
	struct oed_drift *d;
	size_t n, values = 0;

	o.time = "ts";
	o.window = 86400000;
	d = run_engine(example("reference.jsonl"), example("current.jsonl"), example_fields,
		       NCASES(example_fields), &o, NULL);
	for (size_t i = 0; i < NCASES(example_days); i++)
		assert_findings(d, example_days[i].findings, example_days[i].n, example_days[i].start);
	f = oed_drift_findings(d, &n);
	for (size_t i = 0; i < n; i++)
		values += !f[i].missing_rate;
	/* and one missing-rate finding a day for latency_ms, the field with missing values */
	ck_assert_uint_eq(values, NCASES(example_days) * NCASES(example_whole));
	ck_assert_uint_eq(n - values, NCASES(example_days));
	oed_drift_free(d);
}
END_TEST

static void
write_numbers(const char *name, const double *x, size_t n)
{
	FILE *fp = fopen(tmp_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "{\"v\":%.17g}\n", x[i]);
	ck_assert_int_eq(fclose(fp), 0);
}

/* n records, the first missing of them without the field m */
static void
write_missing(const char *name, unsigned n, unsigned missing)
{
	FILE *fp = fopen(tmp_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	for (unsigned i = 0; i < n; i++)
		fprintf(fp, i < missing ? "{\"v\":%u}\n" : "{\"v\":%u,\"m\":\"a\"}\n", i);
	ck_assert_int_eq(fclose(fp), 0);
}

/* F:missing against statsmodels' proportions_ztest and scipy's fisher_exact */
START_TEST(missing_rate_against_statsmodels)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "m" };

	for (size_t i = 0; i < NCASES(missing_rates); i++) {
		const struct missing_ref *m = &missing_rates[i];
		const struct oed_drift_finding *f;
		struct oed_drift *d;

		write_missing("mref.jsonl", m->nr, m->mr);
		write_missing("mcur.jsonl", m->nc, m->mc);
		d = run_engine(tmp_path("mref.jsonl"), tmp_path("mcur.jsonl"), fields, 1, &o, NULL);
		f = finding(d, "m:missing", NULL);
		ck_assert(f->missing_rate && f->ran);
		ck_assert_str_eq(f->test, m->test);
		ck_assert_uint_eq(f->n_ref, m->nr);
		ck_assert_uint_eq(f->missing_cur, m->mc);
		if (isinf(m->statistic))
			ck_assert(isinf(f->statistic));
		else
			assert_close(f->statistic, m->statistic, 1e-9, "missing rate statistic");
		assert_close(f->p_value, m->p_value, 1e-9, "missing rate p-value");
		ck_assert(f->drift == (m->p_value < 0.05));
		oed_drift_free(d);
	}
}
END_TEST

/* --bins, --epsilon and --base reach the binned tests, numbers and categories alike */
START_TEST(binned_options_against_pandas)
{
	struct oed_drift_opts o = opts();

	o.bins = binned_bins;
	o.epsilon = binned_epsilon;
	o.base = "e";
	o.log_base = exp(1.0);
	for (size_t i = 0; i < NCASES(binned_nats); i++) {
		char num[64], cat[64];
		const char *fields[2] = { num, cat };
		struct oed_drift *d;

		snprintf(num, sizeof(num), "latency_ms:numeric:%s", binned_nats[i].test);
		snprintf(cat, sizeof(cat), "model:categorical:%s", binned_nats[i].test);
		d = run_engine(example("reference.jsonl"), example("current.jsonl"), fields, 2, &o,
			       NULL);
		assert_close(finding(d, "latency_ms", NULL)->statistic, binned_nats[i].numeric, 1e-9,
			     num);
		assert_close(finding(d, "model", NULL)->statistic, binned_nats[i].categorical, 1e-9,
			     cat);
		oed_drift_free(d);
	}
}
END_TEST

START_TEST(large_numeric_is_wasserstein_normed)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "v" };
	struct oed_drift *d;
	const struct oed_drift_finding *f;

	write_numbers("big_ref.jsonl", big_ref, NCASES(big_ref));
	write_numbers("big_cur.jsonl", big_cur, NCASES(big_cur));
	d = run_engine(tmp_path("big_ref.jsonl"), tmp_path("big_cur.jsonl"), fields, 1, &o, NULL);
	f = finding(d, "v", NULL);
	ck_assert_str_eq(f->test, "wasserstein_normed");
	ck_assert_str_eq(f->reason, "numeric, n_ref>1000");
	assert_close(f->statistic, big_wasserstein_normed, 1e-9, "wasserstein_normed");
	ck_assert(isnan(f->p_value));
	ck_assert(f->drift == (f->statistic >= 0.1));
	oed_drift_free(d);
}
END_TEST

static void
write_letters(const char *name, const char *s)
{
	FILE *fp = fopen(tmp_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	for (; *s; s++)
		fprintf(fp, "{\"c\":\"%c\"}\n", *s);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(large_categorical_is_js)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "c" };
	struct oed_drift *d;
	const struct oed_drift_finding *f;

	write_letters("cat_ref.jsonl", big_cats_ref);
	write_letters("cat_cur.jsonl", big_cats_cur);
	d = run_engine(tmp_path("cat_ref.jsonl"), tmp_path("cat_cur.jsonl"), fields, 1, &o, NULL);
	f = finding(d, "c", NULL);
	ck_assert_str_eq(f->test, "js");
	assert_close(f->statistic, big_cats_js, 1e-9, "js");
	ck_assert_int_eq(f->new_categories, 1);	/* g */
	oed_drift_free(d);
}
END_TEST

static void
write_rows(const char *name, const double (*x)[3], size_t n)
{
	FILE *fp = fopen(tmp_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "{\"e\":[%.17g,%.17g,%.17g]}\n", x[i][0], x[i][1], x[i][2]);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(vector_means_of_every_row)
{
	struct oed_drift_opts o = opts();
	const char *euclid[] = { "e:vector:mean_euclidean" }, *cosine[] = { "e::mean_cosine" };
	struct oed_drift *d;
	const struct oed_drift_finding *f;

	write_rows("vec_ref.jsonl", vec_ref, NCASES(vec_ref));
	write_rows("vec_cur.jsonl", vec_cur, NCASES(vec_cur));
	/* more rows than mmd keeps: the means still see them all */
	ck_assert_uint_gt(NCASES(vec_ref), OED_DRIFT_MAX_ROWS);
	d = run_engine(tmp_path("vec_ref.jsonl"), tmp_path("vec_cur.jsonl"), euclid, 1, &o, NULL);
	f = finding(d, "e", NULL);
	ck_assert_str_eq(f->reason, "--field e");
	ck_assert_uint_eq(f->n_ref, NCASES(vec_ref));
	assert_close(f->statistic, vec_mean_euclidean, 1e-9, "mean_euclidean");
	oed_drift_free(d);
	d = run_engine(tmp_path("vec_ref.jsonl"), tmp_path("vec_cur.jsonl"), cosine, 1, &o, NULL);
	assert_close(finding(d, "e", NULL)->statistic, vec_mean_cosine, 1e-9, "mean_cosine");
	oed_drift_free(d);
	/* mmd on the reservoirs: the same seed, the same rows, the same numbers */
	{
		const char *mmd[] = { "e" };
		struct oed_drift *d1, *d2;

		d1 = run_engine(tmp_path("vec_ref.jsonl"), tmp_path("vec_cur.jsonl"), mmd, 1, &o, NULL);
		d2 = run_engine(tmp_path("vec_ref.jsonl"), tmp_path("vec_cur.jsonl"), mmd, 1, &o, NULL);
		ck_assert_str_eq(finding(d1, "e", NULL)->test, "mmd");
		ck_assert(finding(d1, "e", NULL)->statistic == finding(d2, "e", NULL)->statistic);
		ck_assert(finding(d1, "e", NULL)->p_value == finding(d2, "e", NULL)->p_value);
		ck_assert(finding(d1, "e", NULL)->p_value < 0.05);
		oed_drift_free(d1);
		oed_drift_free(d2);
	}
}
END_TEST

START_TEST(baseline_gives_the_same_findings)
{
	struct oed_drift_opts o = opts();
	struct oed_drift *d1, *d2;
	struct oed_store *st;
	struct oed_err err;
	int64_t run;
	const struct oed_drift_finding *a, *b;
	size_t na, nb;
	char *files[1];
	struct oed_policy pol;
	struct oed_reader *r;
	struct oed_writer w;
	FILE *out;

	d1 = run_engine(example("reference.jsonl"), example("current.jsonl"), example_fields,
			NCASES(example_fields), &o, NULL);
	st = oed_store_open(tmp_path("store.db"), &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(oed_store_begin(st, &err), 0);
	ck_assert_int_eq(oed_run_begin(st, "oed-drift", NULL, 0, NULL, NULL, &run, &err), 0);
	ck_assert_msg(oed_drift_store(d1, st, run, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(oed_run_finish(st, run, "ok", NULL, &err), 0);
	ck_assert_int_eq(oed_store_commit(st, &err), 0);

	/* no --field: every field of the baseline, in its order */
	d2 = oed_drift_new(&o, &err);
	ck_assert_msg(oed_drift_load_baseline(d2, st, run, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(oed_drift_nfields(d2), NCASES(example_fields));
	oed_policy_init(&pol);
	files[0] = (char *)example("current.jsonl");
	r = oed_reader_new(1, files, 1 << 20, &pol, &err);
	out = fopen(tmp_path("out2.jsonl"), "w");
	oed_writer_init(&w, out);
	ck_assert_int_eq(oed_drift_read_cur(d2, r, &w, &err), 0);
	oed_writer_release(&w);
	fclose(out);
	oed_reader_free(r);
	oed_policy_release(&pol);
	a = oed_drift_findings(d1, &na);
	b = oed_drift_findings(d2, &nb);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		ck_assert_str_eq(a[i].feature, b[i].feature);
		ck_assert_str_eq(a[i].test, b[i].test);
		ck_assert_msg(a[i].statistic == b[i].statistic, "%s", a[i].feature);
		ck_assert(a[i].p_value == b[i].p_value || (isnan(a[i].p_value) && isnan(b[i].p_value)));
		ck_assert_uint_eq(a[i].n_ref, b[i].n_ref);
		ck_assert_uint_eq(a[i].missing_ref, b[i].missing_ref);
	}
	oed_drift_free(d2);

	/* errors a user can make */
	d2 = oed_drift_new(&o, &err);
	ck_assert_int_eq(oed_drift_load_baseline(d2, st, run + 1, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	oed_drift_free(d2);
	d2 = oed_drift_new(&o, &err);
	{
		struct oed_drift_spec spec = { (char *)"nosuch", OED_FK_AUTO, NULL };

		ck_assert_int_eq(oed_drift_add_field(d2, &spec, &err), 0);
	}
	ck_assert_int_eq(oed_drift_load_baseline(d2, st, run, &err), -1);
	ck_assert_str_eq(err.msg, "--baseline: run 1 has no field 'nosuch'");
	oed_drift_free(d2);
	d2 = oed_drift_new(&o, &err);
	{
		struct oed_drift_spec spec = { (char *)"model", OED_FK_NUMERIC, NULL };

		ck_assert_int_eq(oed_drift_add_field(d2, &spec, &err), 0);
	}
	ck_assert_int_eq(oed_drift_load_baseline(d2, st, run, &err), -1);
	ck_assert_str_eq(err.msg, "--baseline: field 'model' is categorical in run 1, not numeric");
	oed_drift_free(d2);
	oed_store_close(st);
	oed_drift_free(d1);
}
END_TEST

static void
write_text(const char *name, const char *text)
{
	FILE *fp = fopen(tmp_path(name), "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Record d's reference as run 1 of a fresh store; returns the open store. */
static struct oed_store *
record_reference(struct oed_drift *d, const char *name)
{
	struct oed_store *st;
	struct oed_err err;
	int64_t run;

	unlink(tmp_path(name));
	st = oed_store_open(tmp_path(name), &err);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(oed_store_begin(st, &err), 0);
	ck_assert_int_eq(oed_run_begin(st, "oed-drift", NULL, 0, NULL, NULL, &run, &err), 0);
	ck_assert_int_eq(run, 1);
	ck_assert_msg(oed_drift_store(d, st, run, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(oed_run_finish(st, run, "ok", NULL, &err), 0);
	ck_assert_int_eq(oed_store_commit(st, &err), 0);
	return st;
}

/* The current file against run 1 of st, with one field. */
static struct oed_drift *
replay(struct oed_store *st, const char *field, const char *cur, const struct oed_drift_opts *o)
{
	struct oed_drift *d;
	struct oed_drift_spec spec;
	struct oed_policy pol;
	struct oed_reader *r;
	struct oed_writer w;
	struct oed_err err;
	char *files[1] = { (char *)cur };
	FILE *out = fopen(tmp_path("replay.jsonl"), "w");

	ck_assert_ptr_nonnull(out);
	d = oed_drift_new(o, &err);
	ck_assert_int_eq(oed_drift_spec_parse(&spec, field, &err), 0);
	ck_assert_int_eq(oed_drift_add_field(d, &spec, &err), 0);
	oed_drift_spec_release(&spec);
	ck_assert_msg(oed_drift_load_baseline(d, st, 1, &err) == 0, "%s", err.msg);
	oed_policy_init(&pol);
	r = oed_reader_new(1, files, 1 << 20, &pol, &err);
	ck_assert_ptr_nonnull(r);
	oed_writer_init(&w, out);
	ck_assert_int_eq(oed_drift_read_cur(d, r, &w, &err), 0);
	oed_writer_release(&w);
	ck_assert_int_eq(fclose(out), 0);
	oed_reader_free(r);
	oed_policy_release(&pol);
	return d;
}

static int
double_cmp(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;

	return (a > b) - (a < b);
}

/*
 * Past its bound a baseline keeps evenly spaced order statistics: the
 * finding tests against exactly those, says so, and names both sizes.
 */
START_TEST(summarised_baseline)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "v:numeric:ks" };
	double ref[NCASES(big_ref)], cur[NCASES(big_cur)], kept[300];
	struct oed_drift_result want;
	struct oed_err err;
	struct oed_drift *d1, *d2;
	struct oed_store *st;
	const struct oed_drift_finding *f;
	size_t n = NCASES(big_ref);

	write_numbers("big_ref.jsonl", big_ref, n);
	write_numbers("big_cur.jsonl", big_cur, NCASES(big_cur));
	o.baseline_values = 300;
	d1 = run_engine(tmp_path("big_ref.jsonl"), tmp_path("big_cur.jsonl"), fields, 1, &o, NULL);
	st = record_reference(d1, "summary.db");
	d2 = replay(st, "v", tmp_path("big_cur.jsonl"), &o);
	f = finding(d2, "v", NULL);
	ck_assert_str_eq(f->test, "ks");
	ck_assert_uint_eq(f->n_ref, 300);
	ck_assert_uint_eq(f->n_ref_recorded, n);
	ck_assert(f->notes & OED_DN_SUMMARISED);
	ck_assert_uint_eq(finding(d1, "v", NULL)->n_ref_recorded, 0);

	memcpy(ref, big_ref, sizeof(ref));
	memcpy(cur, big_cur, sizeof(cur));
	qsort(ref, n, sizeof(*ref), double_cmp);
	for (size_t i = 0; i < 300; i++)
		kept[i] = ref[(size_t)(((double)i + 0.5) * (double)n / 300)];
	ck_assert_int_eq(oed_drift_numeric(oed_drift_test_find("ks"), kept, 300, cur, NCASES(cur), NULL, &want, &err), 0);
	ck_assert_double_eq(f->statistic, want.statistic);
	ck_assert_double_eq(f->p_value, want.p_value);
	oed_drift_free(d2);
	oed_store_close(st);
	oed_drift_free(d1);
}
END_TEST

/*
 * Record field (one of ref, tested on cur) as run 1, rewrite its baseline
 * row to summary, and check that replaying it gives the same finding.
 */
static void
replay_rewritten(const char *field, const char *ref, const char *cur, const char *summary)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { field };
	char name[64], sql[512];
	struct oed_drift *d1, *d2;
	struct oed_store *st;
	struct oed_err err;
	sqlite3_stmt *q;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(field, ":"), field);
	write_text("rw_ref.jsonl", ref);
	write_text("rw_cur.jsonl", cur);
	d1 = run_engine(tmp_path("rw_ref.jsonl"), tmp_path("rw_cur.jsonl"), fields, 1, &o, NULL);
	st = record_reference(d1, "rewritten.db");
	snprintf(sql, sizeof(sql), "UPDATE drift_baselines SET summary = '%s'", summary);
	q = oed_store_prepare(st, sql, &err);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	d2 = replay(st, name, tmp_path("rw_cur.jsonl"), &o);
	ck_assert_double_eq(finding(d2, name, NULL)->statistic, finding(d1, name, NULL)->statistic);
	ck_assert_double_eq(finding(d2, name, NULL)->p_value, finding(d1, name, NULL)->p_value);
	ck_assert_uint_eq(finding(d2, name, NULL)->n_ref, finding(d1, name, NULL)->n_ref);
	oed_drift_free(d2);
	oed_store_close(st);
	oed_drift_free(d1);
}

/* Baselines recorded by oed 0.1 (version 1) listed values and counted categories in an object. */
START_TEST(version_1_baseline)
{
	replay_rewritten("v:numeric:ks", "{\"v\":1}\n{\"v\":2.5}\n{\"v\":3}\n{\"v\":-4}\n",
			 "{\"v\":2}\n{\"v\":7}\n{\"v\":3}\n",
			 "{\"version\":1,\"seq\":0,\"field\":\"v\",\"missing\":0,\"n\":4,"
			 "\"exact\":true,\"values\":[-4.0,1.0,2.5,3.0]}");
	replay_rewritten("c:categorical:chi2",
			 "{\"c\":\"x\"}\n{\"c\":\"y\"}\n{\"c\":\"x\"}\n{\"c\":\"z\"}\n",
			 "{\"c\":\"y\"}\n{\"c\":\"y\"}\n{\"c\":\"x\"}\n",
			 "{\"version\":1,\"seq\":0,\"field\":\"c\",\"missing\":0,\"n\":4,"
			 "\"categories\":{\"z\":1,\"x\":2,\"y\":1},\"other\":0}");
}
END_TEST

START_TEST(edge_cases)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "n", "c", "k" };
	const struct oed_drift_finding *f;
	struct oed_drift *d;
	unsigned long bad;

	write_text("e_ref.jsonl",
		   "{\"n\":5,\"c\":\"a\",\"k\":1}\n{\"n\":5,\"c\":\"b\",\"k\":1}\n{\"c\":\"a\",\"k\":1}\n"
		   "{\"n\":5,\"c\":null,\"k\":1}\n{\"n\":\"five\",\"c\":\"a\",\"k\":1}\n");
	write_text("e_cur.jsonl",
		   "{\"n\":5,\"c\":\"z\",\"k\":1}\n{\"n\":5,\"c\":\"y\"}\n{\"n\":5,\"c\":[1],\"k\":1}\n"
		   "{\"n\":5,\"c\":\"a\",\"k\":1}\n");
	d = run_engine(tmp_path("e_ref.jsonl"), tmp_path("e_cur.jsonl"), fields, NCASES(fields), &o, &bad);
	ck_assert_uint_eq(bad, 2);	/* "five" and [1] */
	/* a constant feature: no difference, never NaN */
	f = finding(d, "n", NULL);
	ck_assert_str_eq(f->test, "ks");
	ck_assert(f->ran && f->statistic == 0 && f->p_value == 1 && !f->drift);
	ck_assert_uint_eq(f->missing_ref, 1);
	ck_assert_uint_eq(f->missing_cur, 0);
	/* categories unseen in the reference */
	f = finding(d, "c", NULL);
	ck_assert_int_eq(f->new_categories, 2);
	ck_assert_uint_eq(f->missing_ref, 1);
	ck_assert(f->ran && !isnan(f->statistic) && !isnan(f->p_value));
	/* missing from a record, present elsewhere */
	f = finding(d, "k", NULL);
	ck_assert_uint_eq(f->missing_cur, 1);
	ck_assert_uint_eq(f->n_cur, 2);
	oed_drift_free(d);

	/* a field gone from the current records: its values say nothing, its missing rate drifts */
	{
		const char *nf[] = { "n" };

		write_text("e_empty.jsonl", "{\"x\":1}\n");
		d = run_engine(tmp_path("e_ref.jsonl"), tmp_path("e_empty.jsonl"), nf, 1, &o, NULL);
		f = finding(d, "n", NULL);
		ck_assert(!f->ran && !f->drift);
		ck_assert_str_eq(f->reason, "numeric, n_ref<=1000; no values in the current sample");
		f = finding(d, "n:missing", NULL);
		ck_assert(f->ran && f->missing_rate);
		ck_assert_uint_eq(f->missing_cur, 1);
		ck_assert_uint_eq(f->n_cur, 1);
		oed_drift_free(d);
	}
	/* a field in neither input is a usage error, with the fields the records hold */
	{
		struct oed_drift_spec spec = { (char *)"nosuch", OED_FK_AUTO, NULL };
		struct oed_policy pol;
		struct oed_reader *r;
		struct oed_writer w;
		struct oed_err err;
		char *files[] = { (char *)tmp_path("e_empty.jsonl") };
		FILE *out = fopen(tmp_path("out.jsonl"), "w");

		ck_assert_ptr_nonnull(out);
		oed_policy_init(&pol);
		d = oed_drift_new(&o, &err);
		ck_assert_int_eq(oed_drift_add_field(d, &spec, &err), 0);
		r = oed_reader_new(1, files, 1 << 20, &pol, &err);
		oed_writer_init(&w, out);
		ck_assert_int_eq(oed_drift_read_cur(d, r, &w, &err), -1);
		ck_assert_int_eq(err.status, OED_EX_USAGE);
		ck_assert_str_eq(err.msg, "no record has field 'nosuch'; fields seen: x");
		oed_writer_release(&w);
		oed_reader_free(r);
		oed_policy_release(&pol);
		ck_assert_int_eq(fclose(out), 0);
		oed_drift_free(d);
	}
	/* a test the data cannot carry says why */
	{
		const char *nf[] = { "n:numeric:epps_singleton" };

		d = run_engine(tmp_path("e_ref.jsonl"), tmp_path("e_cur.jsonl"), nf, 1, &o, NULL);
		f = finding(d, "n", NULL);
		ck_assert(!f->ran);
		ck_assert_msg(strstr(f->reason, "--field n; ") == f->reason, "%s", f->reason);
		oed_drift_free(d);
	}
}
END_TEST

START_TEST(windows_without_reference)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "v" };
	struct oed_drift *d;
	unsigned long bad;
	size_t n;
	const struct oed_drift_finding *f;

	o.time = "t";
	o.window = 3600000;
	write_text("w.jsonl",
		   "{\"t\":0,\"v\":1}\n{\"t\":100,\"v\":2}\n{\"t\":3599.9,\"v\":3}\n"
		   "{\"t\":3600,\"v\":1}\n{\"t\":\"1970-01-01T02:00:00+01:00\",\"v\":2}\n"
		   "{\"t\":10,\"v\":9}\n{\"v\":9}\n"
		   "{\"t\":\"1970-01-01T03:30:00Z\",\"v\":30}\n{\"t\":\"1970-01-01T03:59:59Z\",\"v\":31}\n");
	d = run_engine(NULL, tmp_path("w.jsonl"), fields, 1, &o, &bad);
	ck_assert_uint_eq(bad, 2);	/* out of time order, no timestamp */
	f = oed_drift_findings(d, &n);
	ck_assert_uint_eq(n, 2);	/* windows at 1h and 3h against the one at 0h */
	ck_assert_int_eq(f[0].window_start, 3600000);
	ck_assert_int_eq(f[0].window_end, 7200000);
	ck_assert_uint_eq(f[0].n_ref, 3);
	ck_assert_uint_eq(f[0].n_cur, 2);
	ck_assert_int_eq(f[1].window_start, 10800000);
	ck_assert(f[1].statistic == 1);
	oed_drift_free(d);
}
END_TEST

START_TEST(vocabulary_bound)
{
	struct oed_drift_opts o = opts();
	const char *fields[] = { "s:text" };
	struct oed_drift *d;
	const struct oed_drift_finding *f;
	FILE *fp = fopen(tmp_path("words.jsonl"), "w");

	/* more distinct words than the vocabulary keeps: the rest share one category */
	ck_assert_ptr_nonnull(fp);
	for (int i = 0; i < OED_DRIFT_MAX_WORDS + 500; i += 50) {
		fprintf(fp, "{\"s\":\"");
		for (int j = i; j < i + 50; j++)
			fprintf(fp, "w%d ", j);
		fprintf(fp, "\"}\n");
	}
	ck_assert_int_eq(fclose(fp), 0);
	d = run_engine(tmp_path("words.jsonl"), tmp_path("words.jsonl"), fields, 1, &o, NULL);
	f = finding(d, "s:words", NULL);
	ck_assert_uint_eq(f->n_ref, OED_DRIFT_MAX_WORDS + 500);
	ck_assert_int_eq(f->new_categories, 0);
	ck_assert(f->ran && f->statistic == 0);
	oed_drift_free(d);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("drift");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");
	SRunner *sr;
	int failed;

	oed_diag_init("check_drift");
	oed_diag_quiet(true);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	tcase_add_test(core, time_of_values);
	tcase_add_test(core, infer_text_or_labels);
	tcase_add_test(core, auto_choice_table);
	tcase_add_test(core, field_specs);
	tcase_add_test(core, example_against_scipy);
	tcase_add_test(core, example_days_against_scipy);
	tcase_add_test(core, large_numeric_is_wasserstein_normed);
	tcase_add_test(core, large_categorical_is_js);
	tcase_add_test(core, vector_means_of_every_row);
	tcase_add_test(core, baseline_gives_the_same_findings);
	tcase_add_test(core, windows_without_reference);
	tcase_add_test(core, binned_options_against_pandas);
	tcase_add_test(core, summarised_baseline);
	tcase_add_test(core, version_1_baseline);
	tcase_add_test(core, missing_rate_against_statsmodels);
	tcase_add_test(limits, edge_cases);
	tcase_add_test(limits, vocabulary_bound);
	tcase_set_timeout(core, 60);
	suite_add_tcase(su, core);
	suite_add_tcase(su, limits);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			failed++;
	}
	return failed ? 1 : 0;
}
