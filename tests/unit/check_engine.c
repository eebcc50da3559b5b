/*
 * The information engine end to end through its API: every quantity on
 * the reference records against scipy and scikit-learn
 * (tests/ref/gen_engine_ref.py), weights, --extract, CMI, empowerment,
 * sharded states merged byte for byte, order independence, bootstrap
 * determinism, the run store, and the edge cases.
 *
 * Needs $top_srcdir (make check sets it) to find tests/ref/.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exit.h"
#include "info/engine.h"
#include "info/results.h"
#include "info/state.h"
#include "info/waste.h"
#include "opt.h"
#include "jsonl.h"
#include "jsonw.h"
#include "reject.h"
#include "store.h"
#include "../ref/engine_ref.h"
#include "../ref/weighted_ref.h"

#define REL 1e-9

/*
 * strdup that fails on demand: the n-th call from when strdup_fail is set
 * to n returns NULL (-1: never).  The test binary's definition is the one
 * lib/ calls, so the engine's copies of its parameters can be made to fail.
 */
static int strdup_fail = -1;

char *
strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (strdup_fail == 0) {
		strdup_fail = -1;
		return NULL;
	}
	if (strdup_fail > 0)
		strdup_fail--;
	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static char tmpdir[] = "/tmp/oed-engine-XXXXXX";
static char records[512], traces[512];

static void
assert_close(double got, double want, double rel, const char *what)
{
	double tol = rel * fabs(want) + 1e-12;

	ck_assert_msg(fabs(got - want) <= tol, "%s: got %.17g, want %.17g", what, got, want);
}

/* Count files into a new engine; NULL (with err) when the engine refused. */
static struct oed_engine *
count(const struct oed_engine_params *p, int nfiles, char **files, struct oed_err *err)
{
	struct oed_engine *e = oed_engine_new(p, err);
	struct oed_policy pol;
	struct oed_reader *r;
	int rc;

	if (e == NULL)
		return NULL;
	oed_policy_init(&pol);
	r = oed_reader_new(nfiles, files, 0, &pol, err);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(oed_engine_bind(e, r, err), 0);
	while ((rc = oed_reader_next(r, err)) == 1)
		ck_assert_int_eq(oed_engine_add(e, r, err), 0);
	ck_assert_int_eq(rc, 0);
	oed_reader_free(r);
	oed_policy_release(&pol);
	return e;
}

/* The results of e as JSON Lines text (caller frees), or NULL with err. */
static char *
results_text(struct oed_engine *e, const struct oed_engine_opts *o, struct oed_err *err)
{
	struct oed_results *res = oed_engine_results(e, o, err);
	struct oed_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if (res == NULL)
		return NULL;
	fp = open_memstream(&buf, &len);
	oed_writer_init(&w, fp);
	ck_assert_int_eq(oed_results_write(res, 0, &w), 0);
	oed_writer_release(&w);
	fclose(fp);
	oed_results_free(res);
	return buf;
}

/* Run p over one file and return the summary record (caller decrefs). */
static json_t *
summary(const struct oed_engine_params *p, const struct oed_engine_opts *o, const char *file)
{
	struct oed_err err;
	struct oed_engine *e = count(p, 1, (char **)&file, &err);
	char *text;
	json_t *j;

	ck_assert_msg(e != NULL, "engine: %s", err.msg);
	text = results_text(e, o, &err);
	ck_assert_msg(text != NULL, "results: %s", err.msg);
	j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
	ck_assert_ptr_nonnull(j);
	free(text);
	oed_engine_free(e);
	return j;
}

static double
num(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	ck_assert_msg(json_is_number(v), "no number under '%s'", key);
	return json_number_value(v);
}

static const struct oed_engine_params entropy_params = {
	.kind = OED_ENGINE_ENTROPY, .x = "input_id", .y = "output",
};
static const struct oed_engine_params mi_params = {
	.kind = OED_ENGINE_MI, .x = "input_id", .y = "output",
};

static struct oed_engine_opts
nats(void)
{
	struct oed_engine_opts o = OED_ENGINE_OPTS_INIT;

	o.base = "e";
	return o;
}

/* ---- every quantity against the references ---- */

START_TEST(entropy_against_scipy)
{
	struct oed_engine_params p = entropy_params;
	struct oed_engine_opts o = nats();
	json_t *j = summary(&p, &o, records), *len;
	static const char *const lk[7] = { "mean", "sd", "min", "p50", "p90", "p99", "max" };

	ck_assert_int_eq((int)num(j, "n"), REF_N);
	assert_close(num(j, "h_x"), ref_entropy[0], REL, "h_x");
	assert_close(num(j, "h_y"), ref_entropy[1], REL, "h_y");
	assert_close(num(j, "h_y_given_x"), ref_entropy[2], REL, "h_y_given_x");
	assert_close(num(j, "mi"), ref_mi[2], REL, "mi");
	len = json_object_get(j, "length_chars");
	for (int i = 0; i < 7; i++)
		assert_close(num(len, lk[i]), ref_len[i], 1e-12, lk[i]);
	json_decref(j);

	/* bits are nats over log 2 */
	o.base = "2";
	j = summary(&p, &o, records);
	assert_close(num(j, "h_y_given_x"), ref_entropy[2] / log(2), REL, "h_y_given_x bits");
	json_decref(j);

	o = nats();
	o.estimator = "miller-madow";
	j = summary(&p, &o, records);
	assert_close(num(j, "h_y_given_x"), ref_entropy[3], REL, "miller-madow h_y_given_x");
	json_decref(j);

	/* weights count like repeated records */
	o = nats();
	p.w = "w";
	j = summary(&p, &o, records);
	ck_assert_int_eq((int)num(j, "n"), REF_NW);
	assert_close(num(j, "h_x"), ref_entropy_w[0], REL, "weighted h_x");
	assert_close(num(j, "h_y"), ref_entropy_w[1], REL, "weighted h_y");
	assert_close(num(j, "h_y_given_x"), ref_entropy_w[2], REL, "weighted h_y_given_x");
	len = json_object_get(j, "length_chars");
	for (int i = 0; i < 7; i++)
		assert_close(num(len, lk[i]), ref_len_w[i], 1e-12, lk[i]);
	json_decref(j);
}
END_TEST

static void
check_mi_block(json_t *j, const double *ref, const char *avg_name, int avg)
{
	char what[64];

	snprintf(what, sizeof(what), "%s h_x", avg_name);
	assert_close(num(j, "h_x"), ref[0], REL, what);
	assert_close(num(j, "h_y"), ref[1], REL, "h_y");
	assert_close(num(j, "mi"), ref[2], REL, "mi");
	assert_close(num(j, "h_x_given_y"), ref[3], 1e-8, "h_x_given_y");
	assert_close(num(j, "h_y_given_x"), ref[4], 1e-8, "h_y_given_x");
	assert_close(num(j, "vi"), ref[5], REL, "vi");
	assert_close(num(j, "emi"), ref[6], REL, "emi");
	snprintf(what, sizeof(what), "nmi %s", avg_name);
	assert_close(num(j, "nmi"), ref[7 + avg], REL, what);
	snprintf(what, sizeof(what), "ami %s", avg_name);
	assert_close(num(j, "ami"), ref[11 + avg], REL, what);
}

START_TEST(mi_against_sklearn)
{
	static const char *const avgs[4] = { "arithmetic", "geometric", "min", "max" };
	struct oed_engine_params p = mi_params;

	for (int a = 0; a < 4; a++) {
		struct oed_engine_opts o = nats();
		json_t *j;

		o.average = avgs[a];
		p = mi_params;
		j = summary(&p, &o, records);
		check_mi_block(j, ref_mi, avgs[a], a);
		json_decref(j);

		p.x = "meta.lang";
		j = summary(&p, &o, records);
		check_mi_block(j, ref_mi_lang, avgs[a], a);
		json_decref(j);

		p = mi_params;
		p.w = "w";
		j = summary(&p, &o, records);
		check_mi_block(j, ref_mi_w, avgs[a], a);
		json_decref(j);
	}
}
END_TEST

START_TEST(cmi_extract_empowerment)
{
	struct oed_engine_params p = mi_params;
	struct oed_engine_opts o = nats();
	json_t *j;

	p.z = "meta.lang";
	j = summary(&p, &o, records);
	assert_close(num(j, "cmi"), ref_cmi[0], REL, "cmi");
	ck_assert_int_eq((int)num(j, "classes_z"), 4);
	/* the two-way quantities are the same with -z */
	assert_close(num(j, "mi"), ref_mi[2], REL, "mi with z");
	json_decref(j);
	p.w = "w";
	j = summary(&p, &o, records);
	assert_close(num(j, "cmi"), ref_cmi[1], REL, "weighted cmi");
	json_decref(j);

	p = entropy_params;
	p.extract = "(\\d+)";
	j = summary(&p, &o, records);
	assert_close(num(j, "h_y"), ref_extract[0], REL, "extract h_y");
	assert_close(num(j, "h_y_given_x"), ref_extract[1], REL, "extract h_y_given_x");
	ck_assert_int_eq((int)num(j, "no_match"), (int)ref_extract[2]);
	json_decref(j);

	p = (struct oed_engine_params){ .kind = OED_ENGINE_MI, .action = "action", .state = "state",
					.next = "next" };
	j = summary(&p, &o, traces);
	assert_close(num(j, "empowerment"), ref_emp[0], REL, "empowerment");
	ck_assert_int_eq((int)num(j, "n"), REF_TRACES);
	ck_assert_int_eq((int)num(j, "states"), 8);
	json_decref(j);
}
END_TEST

/* ---- merging and order ---- */

static char *
write_file(const char *name, const char *text)
{
	static char path[8][600];
	static int k;
	char *out = path[k++ % 8];
	FILE *fp;

	snprintf(out, 600, "%s/%s", tmpdir, name);
	fp = fopen(out, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	return out;
}

/* Lines of the records file: shards by line number modulo 3, and reversed. */
static void
split_records(const char *src, char **shard, char **reversed)
{
	FILE *fp = fopen(src, "r");
	char *lines[4096], *line = NULL;
	size_t cap = 0, n = 0, sz[3] = { 0 };
	char *buf[3] = { NULL }, *rev = NULL;
	size_t rlen = 0;
	FILE *out[3], *rf;
	ssize_t len;

	ck_assert_ptr_nonnull(fp);
	for (int i = 0; i < 3; i++)
		out[i] = open_memstream(&buf[i], &sz[i]);
	rf = open_memstream(&rev, &rlen);
	while ((len = getline(&line, &cap, fp)) > 0 && n < 4096) {
		fputs(line, out[n % 3]);
		lines[n++] = strdup(line);
	}
	while (n > 0) {
		fputs(lines[--n], rf);
		free(lines[n]);
	}
	fclose(fp);
	fclose(rf);
	free(line);
	for (int i = 0; i < 3; i++) {
		char name[16];

		fclose(out[i]);
		snprintf(name, sizeof(name), "shard%d", i);
		shard[i] = strdup(write_file(name, buf[i]));
		free(buf[i]);
	}
	*reversed = strdup(write_file("reversed", rev));
	free(rev);
}

static char *
state_of(const struct oed_engine_params *p, char *file, const char *name)
{
	struct oed_err err;
	struct oed_engine *e = count(p, 1, &file, &err);
	struct oed_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	char *path;

	ck_assert_ptr_nonnull(e);
	oed_writer_init(&w, fp);
	ck_assert_int_eq(oed_engine_write_state(e, &w, &err), 0);
	oed_writer_release(&w);
	fclose(fp);
	oed_engine_free(e);
	path = strdup(write_file(name, buf));
	free(buf);
	return path;
}

static char *
merged_results(char **states, int n, enum oed_engine_kind kind, const struct oed_engine_opts *o,
	       struct oed_err *err)
{
	struct oed_policy pol;
	struct oed_reader *r;
	struct oed_engine *e;
	char *text = NULL;

	oed_policy_init(&pol);
	r = oed_reader_new(n, states, 0, &pol, err);
	ck_assert_ptr_nonnull(r);
	e = oed_engine_merge(r, kind, NULL, false, err);
	if (e)
		text = results_text(e, o, err);
	oed_engine_free(e);
	oed_reader_free(r);
	oed_policy_release(&pol);
	return text;
}

START_TEST(merge_equals_single)
{
	struct oed_engine_params ps[3] = { entropy_params, mi_params, mi_params };
	char *shard[3], *reversed;
	struct oed_err err;

	ps[0].names = true;
	ps[0].w = "w";
	ps[1].z = "meta.lang";
	ps[2] = (struct oed_engine_params){ .kind = OED_ENGINE_MI, .x = "meta.lang", .y = "output",
					    .normalize = "case,punct" };
	split_records(records, shard, &reversed);
	for (int k = 0; k < 3; k++) {
		struct oed_engine_opts o = OED_ENGINE_OPTS_INIT;
		struct oed_engine *e;
		char *single, *merged, *rev, *states[3], name[32];

		if (k == 0) {
			o.per_group = true;
			o.estimator = "chao-shen";
		}
		o.ci = 0.9;
		o.bootstrap = 50;
		o.seed = 3;
		e = count(&ps[k], 1, (char *[]){ records }, &err);
		ck_assert_ptr_nonnull(e);
		single = results_text(e, &o, &err);
		ck_assert_ptr_nonnull(single);
		oed_engine_free(e);
		e = count(&ps[k], 1, &reversed, &err);
		rev = results_text(e, &o, &err);
		oed_engine_free(e);
		ck_assert_str_eq(rev, single);
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "state%d.%d", k, i);
			states[i] = state_of(&ps[k], shard[i], name);
		}
		/* merged in another order than the shards were cut */
		{
			char *order[3] = { states[2], states[0], states[1] };

			merged = merged_results(order, 3, ps[k].kind, &o, &err);
		}
		ck_assert_msg(merged != NULL, "merge: %s", err.msg);
		ck_assert_str_eq(merged, single);
		free(single);
		free(merged);
		free(rev);
		for (int i = 0; i < 3; i++)
			free(states[i]);
	}
	for (int i = 0; i < 3; i++)
		free(shard[i]);
	free(reversed);
}
END_TEST

START_TEST(merge_refuses)
{
	struct oed_engine_params p = entropy_params, q = entropy_params;
	struct oed_engine_opts o = OED_ENGINE_OPTS_INIT;
	char *a, *b, *files[2], *cut, *text;
	struct oed_err err;
	FILE *fp;
	char *buf;
	size_t len;

	a = state_of(&p, records, "ma");
	q.normalize = "trim";
	b = state_of(&q, records, "mb");
	files[0] = a;
	files[1] = b;
	ck_assert_ptr_null(merged_results(files, 2, OED_ENGINE_ENTROPY, &o, &err));
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_msg(strstr(err.msg, "this state was made with normalize 'trim'") != NULL, "%s", err.msg);
	/* a state of the other tool */
	ck_assert_ptr_null(merged_results(files, 1, OED_ENGINE_MI, &o, &err));
	ck_assert_str_eq(err.msg, "a state of oed-entropy, not of oed-mi");
	/* a state that lost its last lines */
	fp = fopen(a, "r");
	buf = calloc(1, 1 << 20);
	len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	ck_assert_uint_gt(len, 10);
	buf[len - 1] = '\0';
	*strrchr(buf, '\n') = '\0';
	*strrchr(buf, '\n') = '\0';
	cut = write_file("cut", buf);
	ck_assert_ptr_null(merged_results(&cut, 1, OED_ENGINE_ENTROPY, &o, &err));
	ck_assert_str_eq(err.msg, "the last state has no end line (cut short?)");
	/* a record that is not a state */
	cut = write_file("notstate", "{\"input_id\":\"q\",\"output\":\"a\"}\n");
	ck_assert_ptr_null(merged_results(&cut, 1, OED_ENGINE_ENTROPY, &o, &err));
	ck_assert_str_eq(err.msg, "not an oed state (no \"kind\")");
	ck_assert_int_eq((int)err.line, 1);
	/* concatenated states merge */
	snprintf(buf, 1 << 20, "cat '%s' '%s' > '%s/both'", a, a, tmpdir);
	ck_assert_int_eq(system(buf), 0);
	snprintf(buf, 1 << 20, "%s/both", tmpdir);
	cut = buf;
	text = merged_results(&cut, 1, OED_ENGINE_ENTROPY, &o, &err);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"n\":1346,"));
	free(text);
	free(buf);
	free(a);
	free(b);
}
END_TEST

/*
 * Capacity per state against closed forms: a binary symmetric channel
 * with crossover 0.1 (C = log 2 - H(0.1)) and a Z channel that flips half
 * of one input (C = log(1 + (1 - p) p^(p / (1 - p))) = log 1.25).
 */
START_TEST(capacity_closed_forms)
{
	struct oed_engine_params p = { .kind = OED_ENGINE_MI, .action = "a", .state = "s", .next = "n",
				       .w = "w", .names = true };
	struct oed_engine_opts o = nats();
	struct oed_err err;
	struct oed_engine *e;
	char *text, *line;
	double bsc = log(2) + 0.1 * log(0.1) + 0.9 * log(0.9), z = log(1.25);
	json_t *j;

	o.capacity = true;
	o.tolerance = 1e-13;
	o.per_group = true;
	e = count(&p, 1, (char *[]){ write_file("channels",
		"{\"s\":\"bsc\",\"a\":0,\"n\":0,\"w\":90}\n{\"s\":\"bsc\",\"a\":0,\"n\":1,\"w\":10}\n"
		"{\"s\":\"bsc\",\"a\":1,\"n\":0,\"w\":10}\n{\"s\":\"bsc\",\"a\":1,\"n\":1,\"w\":90}\n"
		"{\"s\":\"z\",\"a\":0,\"n\":0,\"w\":100}\n{\"s\":\"z\",\"a\":1,\"n\":0,\"w\":50}\n"
		"{\"s\":\"z\",\"a\":1,\"n\":1,\"w\":50}\n") }, &err);
	ck_assert_ptr_nonnull(e);
	text = results_text(e, &o, &err);
	ck_assert_msg(text != NULL, "%s", err.msg);
	j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
	assert_close(num(j, "capacity"), (bsc + z) / 2, 1e-10, "mean capacity");
	/* under the observed (uniform) policy: exact for the BSC, short of it for Z */
	assert_close(num(j, "empowerment"), (bsc + 0.25 * log(4) + 0.75 * log(4.0 / 3) - log(2) / 2) / 2, 1e-12,
		     "empowerment");
	ck_assert_int_eq((int)num(j, "capacity_unconverged"), 0);
	json_decref(j);
	line = strchr(text, '\n') + 1;
	j = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "state")), "bsc");
	assert_close(num(j, "capacity"), bsc, 1e-10, "bsc capacity");
	assert_close(num(j, "empowerment"), bsc, 1e-12, "bsc empowerment");
	ck_assert(json_is_true(json_object_get(j, "converged")));
	json_decref(j);
	line = strchr(line, '\n') + 1;
	j = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "state")), "z");
	assert_close(num(j, "capacity"), z, 1e-10, "z capacity");
	ck_assert_int_eq((int)num(j, "actions"), 2);
	ck_assert_int_eq((int)num(j, "next_states"), 2);
	json_decref(j);
	free(text);
	oed_engine_free(e);
}
END_TEST

/*
 * A channel given as transition probabilities (fractional weights):
 * empowerment, capacity and every MI quantity that is defined, against
 * numpy's Blahut-Arimoto and plug-in values (tests/ref/gen_weighted_ref.py);
 * E[I] and AMI, which count records, are left out with a note.
 */
START_TEST(fractional_channel)
{
	char path[600];
	struct oed_engine_params p = { .kind = OED_ENGINE_MI, .action = "action", .state = "state",
				       .next = "next", .w = "w", .names = true };
	struct oed_engine_opts o = nats();
	struct oed_err err;
	struct oed_engine *e;
	char *text, *line;
	json_t *j;

	snprintf(path, sizeof(path), "%s/tests/ref/weighted_channel.jsonl", getenv("top_srcdir"));
	o.capacity = true;
	o.tolerance = 1e-13;
	o.max_iter = 1000000;
	o.per_group = true;
	e = count(&p, 1, (char *[]){ path }, &err);
	ck_assert_ptr_nonnull(e);
	text = results_text(e, &o, &err);
	ck_assert_msg(text != NULL, "%s", err.msg);
	j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
	assert_close(num(j, "n"), WREF_TOTAL, 1e-12, "n");
	assert_close(num(j, "empowerment"), wref_mean[0], 1e-10, "empowerment");
	assert_close(num(j, "capacity"), wref_mean[1], 1e-9, "mean capacity");
	json_decref(j);
	line = text;
	for (int s = 0; s < WREF_STATES; s++) {
		line = strchr(line, '\n') + 1;
		j = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
		ck_assert_str_eq(json_string_value(json_object_get(j, "state")), wref_state[s]);
		assert_close(num(j, "empowerment"), wref_emp[s], 1e-10, wref_state[s]);
		assert_close(num(j, "capacity"), wref_cap[s], 1e-9, wref_state[s]);
		json_decref(j);
	}
	free(text);
	oed_engine_free(e);

	p = (struct oed_engine_params){ .kind = OED_ENGINE_MI, .x = "action", .y = "next", .w = "w" };
	o = nats();
	j = summary(&p, &o, path);
	assert_close(num(j, "h_x"), wref_mi[0], 1e-12, "h_x");
	assert_close(num(j, "h_y"), wref_mi[1], 1e-12, "h_y");
	assert_close(num(j, "mi"), wref_mi[2], 1e-10, "mi");
	assert_close(num(j, "h_x_given_y"), wref_mi[3], 1e-10, "h_x_given_y");
	assert_close(num(j, "h_y_given_x"), wref_mi[4], 1e-10, "h_y_given_x");
	assert_close(num(j, "vi"), wref_mi[5], 1e-10, "vi");
	assert_close(num(j, "nmi"), wref_mi[6], 1e-10, "nmi");
	ck_assert_ptr_null(json_object_get(j, "ami"));
	ck_assert_ptr_null(json_object_get(j, "emi"));
	ck_assert_str_eq(json_string_value(json_object_get(j, "note")),
			 "emi and ami are not given: they need whole counts, and the weights in 'w' are fractional");
	json_decref(j);

	p.kind = OED_ENGINE_ENTROPY;
	j = summary(&p, &o, path);
	assert_close(num(j, "h_x"), wref_entropy[0], 1e-12, "entropy h_x");
	assert_close(num(j, "h_y"), wref_entropy[1], 1e-12, "entropy h_y");
	assert_close(num(j, "h_y_given_x"), wref_entropy[2], 1e-12, "entropy h_y_given_x");
	json_decref(j);
	o.estimator = "laplace";
	j = summary(&p, &o, path);
	assert_close(num(j, "h_y"), wref_entropy[3], 1e-12, "laplace h_y");
	assert_close(num(j, "h_y_given_x"), wref_entropy[4], 1e-12, "laplace h_y_given_x");
	json_decref(j);
}
END_TEST

/*
 * Every copy of a parameter the engine keeps is checked: a failed copy
 * of --extract or --cluster once went unnoticed and left the engine
 * counting as though the option was not given.
 */
START_TEST(parameter_copies_checked)
{
	struct oed_engine_params p = {
		.kind = OED_ENGINE_ENTROPY, .x = "input_id", .y = "output", .w = "w",
		.normalize = "trim", .extract = "(\\d+)", .cluster = "jaccard:0.5",
		.tokens = "cl100k_base",
	};
	struct oed_err err;
	int failed = 0;

	for (int k = 0; k < 40; k++) {
		struct oed_engine *e;

		strdup_fail = k;
		e = oed_engine_new(&p, &err);
		strdup_fail = -1;
		if (e == NULL) {
			ck_assert_str_eq(err.msg, "out of memory");
			failed++;
			continue;
		}
		/* an engine that was made holds every parameter it was given */
		ck_assert_ptr_nonnull(oed_engine_params(e)->extract);
		ck_assert_ptr_nonnull(oed_engine_params(e)->cluster);
		ck_assert_ptr_nonnull(oed_engine_params(e)->normalize);
		ck_assert_ptr_nonnull(oed_engine_params(e)->tokens);
		oed_engine_free(e);
	}
	ck_assert_int_eq(failed, 7);	/* x, y, w, normalize, extract, cluster, tokens */
}
END_TEST

/*
 * Coverage of the intervals on data whose entropy is known: D datasets of
 * G inputs with M samples each, outputs drawn from one law p over K
 * classes, so H(Y) = H(p) and H(Y|X) = H(p).  A 95% interval should hold
 * the truth about 95% of the time.  Modest and seeded, so it runs in
 * seconds and always gives the same counts; bench/coverage.py runs 1,000
 * datasets.
 */
static uint64_t
sim_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* One simulated dataset as a file of records. */
static char *
sim_dataset(const double *cdf, int k, int groups, int samples, uint64_t *rng)
{
	size_t cap = (size_t)groups * samples * 48 + 1, len = 0;
	char *text = malloc(cap), *path;

	for (int g = 0; g < groups; g++)
		for (int m = 0; m < samples; m++) {
			double u = (double)(sim_next(rng) >> 11) / 9007199254740992.0;
			int c = 0;

			while (c < k - 1 && u >= cdf[c])
				c++;
			len += (size_t)snprintf(text + len, cap - len, "{\"input_id\":\"q%d\",\"output\":\"c%d\"}\n", g, c);
		}
	path = write_file("coverage", text);
	free(text);
	return path;
}

/* An interval given for key holds the estimate. */
static void
holds_estimate(json_t *j, const char *key)
{
	char lo[64], hi[64];

	snprintf(lo, sizeof(lo), "%s_lo", key);
	snprintf(hi, sizeof(hi), "%s_hi", key);
	if (json_is_number(json_object_get(j, lo)))
		ck_assert_msg(num(j, lo) <= num(j, key) && num(j, key) <= num(j, hi),
			      "%s %g not in [%g, %g]", key, num(j, key), num(j, lo), num(j, hi));
}

/* Whether the 95% interval of key holds truth. */
static int
covers(json_t *j, const char *key, double truth)
{
	char lo[64], hi[64];

	snprintf(lo, sizeof(lo), "%s_lo", key);
	snprintf(hi, sizeof(hi), "%s_hi", key);
	holds_estimate(j, key);
	return json_is_number(json_object_get(j, lo)) && num(j, lo) <= truth && truth <= num(j, hi);
}

START_TEST(interval_coverage)
{
	static const double p[] = { 0.4, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03 };
	const int k = 7, datasets = 200;
	double cdf[7], truth = 0, acc = 0;
	int hit_y = 0, hit_none = 0, hit_yx = 0;
	uint64_t rng = 20261201;

	for (int i = 0; i < k; i++) {
		acc += p[i];
		cdf[i] = acc;
		truth -= p[i] * log(p[i]);
	}
	for (int d = 0; d < datasets; d++) {
		char *path = sim_dataset(cdf, k, 40, 10, &rng);
		struct oed_engine_params pn = entropy_params;
		struct oed_engine_opts o = nats();
		json_t *j;

		o.ci = 0.95;
		o.bootstrap = 200;
		o.seed = (uint64_t)d + 1;
		/* inputs resampled (clusters): H(Y) */
		j = summary(&entropy_params, &o, path);
		hit_y += covers(j, "h_y", truth);
		holds_estimate(j, "h_y_given_x");
		json_decref(j);
		/* records resampled (-x none) */
		pn.x = NULL;
		j = summary(&pn, &o, path);
		hit_none += covers(j, "h_y", truth);
		json_decref(j);
		/*
		 * H(Y|X): resampling inputs captures the spread across inputs, not
		 * an estimator's bias within one, so ten samples per input need an
		 * estimator with little bias there (the plug-in covers nothing)
		 */
		o.estimator = "chao-shen";
		j = summary(&entropy_params, &o, path);
		hit_yx += covers(j, "h_y_given_x", truth);
		json_decref(j);
	}
	fprintf(stderr, "coverage of 95%% intervals over %d datasets: h_y %d, h_y (-x none) %d, "
		"h_y_given_x (chao-shen) %d\n", datasets, hit_y, hit_none, hit_yx);
	ck_assert_int_ge(hit_y, 178);
	ck_assert_int_le(hit_y, 198);
	ck_assert_int_ge(hit_none, 178);
	ck_assert_int_le(hit_none, 198);
	ck_assert_int_ge(hit_yx, 178);
	ck_assert_int_le(hit_yx, 198);
}
END_TEST

/* ---- bootstrap, store ---- */

START_TEST(bootstrap_intervals)
{
	struct oed_engine_params p = entropy_params;
	struct oed_engine_opts o = nats();
	json_t *j, *k;

	o.ci = 0.95;
	o.bootstrap = 300;
	o.seed = 11;
	j = summary(&p, &o, records);
	k = summary(&p, &o, records);
	ck_assert(json_equal(j, k));
	json_decref(k);
	/* each drawn input is an input of its own: H(X) varies around its estimate */
	ck_assert(num(j, "h_x_lo") < num(j, "h_x") && num(j, "h_x") < num(j, "h_x_hi"));
	ck_assert(num(j, "h_y_given_x_lo") < num(j, "h_y_given_x") &&
		  num(j, "h_y_given_x") < num(j, "h_y_given_x_hi"));
	ck_assert_int_eq((int)num(j, "bootstrap"), 300);
	o.seed = 12;
	k = summary(&p, &o, records);
	ck_assert(num(j, "h_y_given_x_lo") != num(k, "h_y_given_x_lo") ||
		  num(j, "h_y_given_x_hi") != num(k, "h_y_given_x_hi"));
	json_decref(j);
	json_decref(k);

	/*
	 * no X: records are resampled.  The plug-in H(Y) of a resample sees
	 * fewer of the rare outputs, so its replicates sit below the estimate;
	 * the basic interval mirrors them, so an interval given holds the
	 * estimate, and where the bias exceeds the spread there is none and
	 * a note says so.
	 */
	p.x = NULL;
	j = summary(&p, &o, records);
	ck_assert_str_eq(json_string_value(json_object_get(j, "ci_method")), "basic");
	if (json_is_null(json_object_get(j, "h_y_lo"))) {
		ck_assert(json_is_null(json_object_get(j, "h_y_hi")));
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "ci_note")), "h_y"));
	} else {
		ck_assert(num(j, "h_y_lo") <= num(j, "h_y") && num(j, "h_y") <= num(j, "h_y_hi"));
	}
	json_decref(j);

	p = (struct oed_engine_params){ .kind = OED_ENGINE_MI, .action = "action", .state = "state",
					.next = "next" };
	j = summary(&p, &o, traces);
	ck_assert(num(j, "empowerment_lo") < num(j, "empowerment_hi"));
	json_decref(j);
}
END_TEST

START_TEST(record_in_store)
{
	struct oed_engine_params p = entropy_params;
	struct oed_engine_opts o = nats();
	struct oed_results *res;
	struct oed_engine *e;
	struct oed_store *st;
	struct oed_err err;
	sqlite3_stmt *q;
	char path[600], *argv[2] = { "oed-entropy", "x" };
	struct oed_input_opts io = { .max_line = 0 };
	int rows = 0;
	double h = NAN;

	p.names = true;
	o.per_group = true;
	e = count(&p, 1, (char *[]){ records }, &err);
	res = oed_engine_results(e, &o, &err);
	ck_assert_ptr_nonnull(res);
	snprintf(path, sizeof(path), "%s/store.db", tmpdir);
	io.store = path;
	ck_assert_int_eq(oed_results_record(res, &io, "oed-entropy", 2, argv, "0123", &err), 0);
	ck_assert_int_gt(io.run_id, 0);
	oed_results_free(res);
	oed_engine_free(e);

	st = oed_store_open(path, &err);
	ck_assert_ptr_nonnull(st);
	q = oed_store_prepare(st, "SELECT m.name, m.grp, m.value FROM metrics m JOIN runs r ON r.id = m.run_id"
			      " WHERE r.tool = 'oed-entropy' AND r.status = 'ok' AND r.input_digest = '0123'", &err);
	ck_assert_ptr_nonnull(q);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);

		rows++;
		if (strcmp(name, "h_y_given_x") == 0 && sqlite3_column_type(q, 1) == SQLITE_NULL)
			h = sqlite3_column_double(q, 2);
	}
	sqlite3_finalize(q);
	oed_store_close(st);
	assert_close(h, ref_entropy[2], REL, "stored h_y_given_x");
	/* summary: n, inputs, h_x, distinct_outputs, h_y, h_y_given_x, mi, 7 lengths; n, distinct, h and mode_share per input */
	ck_assert_int_eq(rows, 14 + 4 * 40);
}
END_TEST

/* ---- edge cases ---- */

static json_t *
summary_text(const struct oed_engine_params *p, const struct oed_engine_opts *o, const char *text)
{
	return summary(p, o, write_file("edge", text));
}

START_TEST(edge_cases)
{
	struct oed_engine_params p = entropy_params, m = mi_params;
	struct oed_engine_opts o = nats();
	json_t *j;

	j = summary_text(&p, &o, "");
	ck_assert(num(j, "n") == 0 && num(j, "h_x") == 0 && num(j, "h_y_given_x") == 0);
	ck_assert_ptr_null(json_object_get(j, "length_chars"));
	json_decref(j);
	j = summary_text(&m, &o, "");
	ck_assert(num(j, "mi") == 0 && num(j, "nmi") == 1 && num(j, "ami") == 1);
	json_decref(j);

	j = summary_text(&p, &o, "{\"input_id\":\"q\",\"output\":\"only\"}\n");
	ck_assert(num(j, "n") == 1 && num(j, "h_y") == 0 && num(j, "h_y_given_x") == 0);
	json_decref(j);

	/* all identical */
	j = summary_text(&m, &o, "{\"input_id\":\"q\",\"output\":\"a\"}\n{\"input_id\":\"q\",\"output\":\"a\"}\n"
			 "{\"input_id\":\"q\",\"output\":\"a\"}\n");
	ck_assert(num(j, "h_x") == 0 && num(j, "mi") == 0 && num(j, "nmi") == 1 && num(j, "vi") == 0);
	json_decref(j);

	/* all distinct: H(Y) = log 5, H(Y|X) = 0, I = H(X) */
	j = summary_text(&p, &o, "{\"input_id\":1,\"output\":\"a\"}\n{\"input_id\":2,\"output\":\"b\"}\n"
			 "{\"input_id\":3,\"output\":\"c\"}\n{\"input_id\":4,\"output\":\"d\"}\n"
			 "{\"input_id\":5,\"output\":\"e\"}\n");
	assert_close(num(j, "h_y"), log(5), REL, "all distinct h_y");
	assert_close(num(j, "h_x"), log(5), REL, "all distinct h_x");
	ck_assert(num(j, "h_y_given_x") == 0);
	json_decref(j);

	/* huge counts */
	p.w = "w";
	j = summary_text(&p, &o, "{\"input_id\":\"q\",\"output\":\"a\",\"w\":1e12}\n"
			 "{\"input_id\":\"q\",\"output\":\"b\",\"w\":1000000000001}\n"
			 "{\"input_id\":\"q\",\"output\":\"c\",\"w\":3}\n");
	assert_close(num(j, "h_y"), ref_huge[0], REL, "huge h_y");
	ck_assert(num(j, "n") == 2000000000004.0);
	json_decref(j);
}
END_TEST

START_TEST(refusals)
{
	struct oed_engine_params p = entropy_params;
	struct oed_engine_opts o = OED_ENGINE_OPTS_INIT;
	struct oed_engine *e;
	struct oed_err err;
	char *text;

	p.w = "w";
	e = count(&p, 1, (char *[]){ write_file("frac", "{\"input_id\":\"q\",\"output\":\"a\",\"w\":0.5}\n") },
		  &err);
	ck_assert_ptr_nonnull(e);
	o.estimator = "miller-madow";
	ck_assert_ptr_null(results_text(e, &o, &err));
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "--estimator miller-madow needs whole counts, and the weights in 'w' are fractional");
	/* plug-in takes fractional weights */
	o.estimator = NULL;
	text = results_text(e, &o, &err);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"n\":0.5,"));
	free(text);
	oed_engine_free(e);

	p = (struct oed_engine_params){ .kind = OED_ENGINE_MI, .action = "a", .state = "s" };
	ck_assert_ptr_null(oed_engine_new(&p, &err));
	ck_assert_str_eq(err.msg, "empowerment needs --action, --state and --next together");
	p = (struct oed_engine_params){ .kind = OED_ENGINE_ENTROPY, .y = "output", .extract = "(" };
	ck_assert_ptr_null(oed_engine_new(&p, &err));
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	p = (struct oed_engine_params){ .kind = OED_ENGINE_ENTROPY, .y = "output", .normalize = "bogus" };
	ck_assert_ptr_null(oed_engine_new(&p, &err));
	ck_assert_int_eq(err.status, OED_EX_USAGE);
}
END_TEST

/*
 * Token waste of a class (waste.h), by hand: outputs of 3, 7 and 7 tokens
 * waste 0 + 4 + 4 = 8; a weight of 2.5 on the 7 counts it 2.5 times; a
 * class split in two and merged is the class counted at once.
 */
START_TEST(waste_classes)
{
	struct oed_waste_class a = OED_WASTE_CLASS_INIT, b = OED_WASTE_CLASS_INIT,
			       all = OED_WASTE_CLASS_INIT, wt = OED_WASTE_CLASS_INIT;
	struct oed_count half;
	struct oed_waste_tab t;
	struct oed_waste_sum sum = { 0, 0, 0 };
	struct oed_err err;

	ck_assert_double_eq(oed_waste_class_total(&a), 0);
	ck_assert_int_eq(oed_waste_class_add(&a, 7, &OED_COUNT_ONE), 0);
	ck_assert_int_eq(oed_waste_class_add(&b, 3, &OED_COUNT_ONE), 0);
	ck_assert_int_eq(oed_waste_class_add(&b, 7, &OED_COUNT_ONE), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(oed_waste_class_add(&all, i == 0 ? 3 : 7, &OED_COUNT_ONE), 0);
	ck_assert_int_eq(oed_waste_class_merge(&a, &b), 0);
	ck_assert_mem_eq(&a, &all, sizeof(a));
	ck_assert_double_eq(oed_waste_class_total(&all), 8);
	ck_assert_uint_eq(oed_waste_of(&all, 7), 4);
	ck_assert_uint_eq(oed_waste_of(&all, 3), 0);
	ck_assert_int_eq(oed_count_from_double(2.5, &half), 0);
	ck_assert_int_eq(oed_waste_class_add(&wt, 3, &OED_COUNT_ONE), 0);
	ck_assert_int_eq(oed_waste_class_add(&wt, 7, &half), 0);
	ck_assert_double_eq_tol(oed_waste_class_total(&wt), 10, 1e-12);
	ck_assert(isnan(oed_waste_ratio_of(0, 0)));
	ck_assert_double_eq(oed_waste_ratio_of(8, 17), 8.0 / 17);
	/* the table: (x, y) cells; relabelled cells merge when settled */
	oed_waste_tab_init(&t);
	ck_assert_int_eq(oed_waste_tab_add(&t, 1, 10, 5, &OED_COUNT_ONE, &err), 0);
	ck_assert_int_eq(oed_waste_tab_add(&t, 1, 11, 2, &OED_COUNT_ONE, &err), 0);
	ck_assert_int_eq(oed_waste_tab_add(&t, 2, 10, 9, &OED_COUNT_ONE, &err), 0);
	ck_assert_int_eq(oed_waste_tab_add(&t, 1, 10, 6, &OED_COUNT_ONE, &err), 0);
	ck_assert_uint_eq(t.used, 3);
	oed_waste_sum_cells(&sum, t.cell, t.used);
	ck_assert_double_eq(sum.waste, 1);	/* 6 - 5 */
	for (size_t i = 0; i < t.used; i++)
		if (t.cell[i].y == 11)
			t.cell[i].y = 10;	/* as --cluster joins the classes of input 1 */
	oed_waste_tab_settle(&t);
	ck_assert_uint_eq(t.used, 2);
	ck_assert_uint_eq(t.cell[0].x, 1);
	ck_assert_uint_eq(t.cell[0].c.fewest, 2);
	memset(&sum, 0, sizeof(sum));
	oed_waste_sum_cells(&sum, t.cell, t.used);
	ck_assert_double_eq(sum.waste, 7);	/* 5 + 6 + 2 - 3 * 2 */
	ck_assert_double_eq(sum.tokens, 22);
	ck_assert_double_eq(sum.outputs, 4);
	oed_waste_tab_release(&t);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, entropy_against_scipy);
	tcase_add_test(core, mi_against_sklearn);
	tcase_add_test(core, cmi_extract_empowerment);
	tcase_add_test(core, capacity_closed_forms);
	tcase_add_test(core, fractional_channel);
	tcase_add_test(core, merge_equals_single);
	tcase_add_test(core, bootstrap_intervals);
	tcase_add_test(core, interval_coverage);
	tcase_add_test(core, record_in_store);
	tcase_add_test(core, waste_classes);
	tcase_add_test(limits, merge_refuses);
	tcase_add_test(limits, edge_cases);
	tcase_add_test(limits, refusals);
	tcase_add_test(limits, parameter_copies_checked);
	tcase_set_timeout(core, 120);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	SRunner *sr;
	int failed;
	char cmd[600];

	if (top == NULL)
		top = ".";
	snprintf(records, sizeof(records), "%s/tests/ref/engine_records.jsonl", top);
	snprintf(traces, sizeof(traces), "%s/tests/ref/engine_traces.jsonl", top);
	if (access(records, R_OK) != 0) {
		fprintf(stderr, "check_engine: cannot read %s (set top_srcdir)\n", records);
		return EXIT_FAILURE;
	}
	if (mkdtemp(tmpdir) == NULL)
		return EXIT_FAILURE;
	oed_diag_init("check_engine");
	sr = srunner_create(engine_suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return EXIT_FAILURE;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
