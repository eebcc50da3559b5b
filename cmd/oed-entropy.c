/* oed-entropy: how spread the inputs are and how consistent the model is per input. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "entropy.h"
#include "exit.h"
#include "jsonl.h"
#include "jsonw.h"
#include "opt.h"
#include "progress.h"
#include "store.h"
#include "tokenizer.h"

enum {
	OPT_X = 1, OPT_Y, OPT_PER_GROUP, OPT_TOP, OPT_ESTIMATOR, OPT_BASE, OPT_MISSING, OPT_RECORD,
	OPT_TOKENS, OPT_CLASSES, OPT_EMIT_STATE, OPT_MERGE,
};

static const struct oed_option options[] = {
	{ "x", 'x', OED_ARG_REQUIRED, "FIELD", "the input field (default input_id; 'none': H(Y) alone)", OPT_X },
	{ "y", 'y', OED_ARG_REQUIRED, "FIELD", "the output field (default output)", OPT_Y },
	{ "per-group", 'g', OED_ARG_NONE, NULL, "one entropy.group record per input", OPT_PER_GROUP },
	{ "top", 't', OED_ARG_REQUIRED, "N", "the N least consistent inputs as entropy.group records", OPT_TOP },
	{ "estimator", 'e', OED_ARG_REQUIRED, "NAME",
	  "plugin (default), miller-madow, chao-shen, shrink, jeffreys, laplace,\n"
	  "sg, minimax or grassberger", OPT_ESTIMATOR },
	{ "classes", 'K', OED_ARG_REQUIRED, "K",
	  "the number of possible outputs, for the estimators that use it", OPT_CLASSES },
	{ "base", 'b', OED_ARG_REQUIRED, "BASE", "2 (bits, default), e (nats) or 10", OPT_BASE },
	{ "missing", 0, OED_ARG_REQUIRED, "POLICY", "a record without x or y: error (default) or class", OPT_MISSING },
	{ "tokens", 'T', OED_ARG_REQUIRED, "ENCODING",
	  "token-length statistics with this encoding or model (as tiktoken)", OPT_TOKENS },
	{ "emit-state", 0, OED_ARG_NONE, NULL,
	  "write mergeable counts instead of results (for sharded runs)", OPT_EMIT_STATE },
	{ "merge", 0, OED_ARG_NONE, NULL,
	  "read states written by --emit-state and give the results of all of them", OPT_MERGE },
	{ "record", 'r', OED_ARG_NONE, NULL, "store the run and its results in the run store", OPT_RECORD },
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-entropy", "[OPTIONS] [FILE...]",
	"Input entropy H(X), output entropy H(Y), response entropy H(Y|X) and per-input\n"
	"consistency of normalised records, with length statistics of the outputs.",
	options,
	"Examples:\n"
	"  oed-entropy maths.jsonl\n"
	"  oed-ingest --inputs in.json --dataset maths out.json | oed-entropy --top 5\n"
};

struct entropy_args {
	struct oed_input_opts io;
	const char *x, *y, *tokens;
	bool per_group, record, missing_class, emit_state, merge;
	unsigned long top, classes;
	enum oed_estimator est;
	const char *base_name;
	double base;		/* log of the base */
	int argc;
	char **argv;
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct entropy_args *a = ctx;

	switch (id) {
	case OPT_X:
		a->x = strcmp(arg, "none") == 0 ? NULL : arg;
		return 0;
	case OPT_Y:
		a->y = arg;
		return 0;
	case OPT_PER_GROUP:
		a->per_group = true;
		return 0;
	case OPT_TOP:
		return oed_parse_ulong("top", arg, 1, 100000000, &a->top, err);
	case OPT_ESTIMATOR:
		return oed_estimator_parse(arg, &a->est, err);
	case OPT_BASE:
		if (strcmp(arg, "2") == 0)
			a->base = log(2);
		else if (strcmp(arg, "e") == 0)
			a->base = 1;
		else if (strcmp(arg, "10") == 0)
			a->base = log(10);
		else
			return oed_err_set(err, OED_EX_USAGE, "--base: '%s' is not 2, e or 10", arg);
		a->base_name = arg;
		return 0;
	case OPT_MISSING:
		if (strcmp(arg, "class") == 0)
			a->missing_class = true;
		else if (strcmp(arg, "error") == 0)
			a->missing_class = false;
		else
			return oed_err_set(err, OED_EX_USAGE, "--missing: '%s' is not error or class", arg);
		return 0;
	case OPT_RECORD:
		a->record = true;
		return 0;
	case OPT_EMIT_STATE:
		a->emit_state = true;
		return 0;
	case OPT_MERGE:
		a->merge = true;
		return 0;
	case OPT_CLASSES:
		return oed_parse_ulong("classes", arg, 1, 1UL << 52, &a->classes, err);
	case OPT_TOKENS:
		if (oed_encoding_for(arg) == NULL)
			return oed_err_set(err, OED_EX_USAGE,
					   "--tokens: '%s' is not an encoding or a known model", arg);
		a->tokens = arg;
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

static int
group_cmp(const void *p, const void *q)
{
	const struct oed_group *a = p, *b = q;

	/* least consistent first; then larger groups; then key for a total order */
	if (a->h != b->h)
		return a->h > b->h ? -1 : 1;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return a->x < b->x ? -1 : a->x > b->x;
}

static void
write_groups(struct entropy_args *a, struct oed_writer *w, struct oed_entropy_acc *acc,
	     struct oed_group *groups, size_t n)
{
	size_t limit = n;

	if (a->top) {
		qsort(groups, n, sizeof(*groups), group_cmp);
		if (a->top < limit)
			limit = a->top;
	} else {
		/* per input, in the order of their ids */
		for (size_t i = 1; i < n; i++) {
			struct oed_group g = groups[i];
			const char *name = oed_entropy_acc_name(acc, g.x);
			size_t j = i;

			while (j > 0 && strcmp(oed_entropy_acc_name(acc, groups[j - 1].x), name) > 0) {
				groups[j] = groups[j - 1];
				j--;
			}
			groups[j] = g;
		}
	}
	for (size_t i = 0; i < limit; i++) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "entropy.group");
		oed_w_str(w, "x", oed_entropy_acc_name(acc, groups[i].x));
		oed_w_num(w, "n", groups[i].n);
		oed_w_uint(w, "distinct", groups[i].distinct);
		oed_w_num(w, "h", groups[i].h / a->base);
		oed_w_end(w);
	}
}

static void
write_lenstats(struct oed_writer *w, const char *key, const char *encoding,
	       const struct oed_lenstats *st)
{
	oed_w_obj_begin(w, key);
	if (encoding)
		oed_w_str(w, "encoding", encoding);
	oed_w_num(w, "mean", st->mean);
	oed_w_num(w, "sd", st->sd);
	oed_w_num(w, "min", st->min);
	oed_w_num(w, "p50", st->p50);
	oed_w_num(w, "p90", st->p90);
	oed_w_num(w, "p99", st->p99);
	oed_w_num(w, "max", st->max);
	oed_w_obj_end(w);
}

static int
record_run(struct entropy_args *a, const struct oed_entropy_summary *s, const char *digest,
	   struct oed_err *err)
{
	struct oed_store *st = oed_store_open(a->io.store, err);
	char params[512];
	int64_t run;
	int rc = -1;

	if (st == NULL)
		return -1;
	snprintf(params, sizeof(params), "{\"x\":\"%s\",\"y\":\"%s\",\"estimator\":\"%s\",\"base\":\"%s\"}",
		 a->x ? a->x : "none", a->y, oed_estimator_name(a->est), a->base_name);
	if (oed_store_begin(st, err) == 0 &&
	    oed_run_begin(st, "oed-entropy", a->argc, a->argv, params, &run, err) == 0 &&
	    oed_metric_add(st, run, "n", NULL, s->n, NAN, NAN, err) == 0 &&
	    (a->x == NULL || oed_metric_add(st, run, "h_x", NULL, s->h_x / a->base, NAN, NAN, err) == 0) &&
	    oed_metric_add(st, run, "h_y", NULL, s->h_y / a->base, NAN, NAN, err) == 0 &&
	    (a->x == NULL ||
	     oed_metric_add(st, run, "h_y_given_x", NULL, s->h_y_given_x / a->base, NAN, NAN, err) == 0) &&
	    oed_run_finish(st, run, "ok", digest, err) == 0 && oed_store_commit(st, err) == 0)
		rc = 0;
	else
		oed_store_rollback(st);
	oed_store_close(st);
	return rc;
}

/* What a state depends on: states merge only when these are equal. */
static json_t *
state_params(const struct entropy_args *a)
{
	return json_pack("{s:s?, s:s, s:s, s:s?}", "x", a->x, "y", a->y,
			 "missing", a->missing_class ? "class" : "error",
			 "tokens", a->tokens ? oed_encoding_for(a->tokens) : NULL);
}

/* Read --emit-state output from the files into acc; 0 or -1 (err set). */
static int
merge_states(struct entropy_args *a, struct oed_entropy_acc *acc, struct oed_reader *r,
	     struct oed_err *err)
{
	json_t *first = NULL;
	int rc;

	while ((rc = oed_reader_next(r, err)) == 1) {
		json_t *rec = oed_reader_root(r), *params;
		const char *kind = json_string_value(json_object_get(rec, "kind"));

		if (kind && strcmp(kind, "entropy.state") == 0) {
			params = json_object_get(rec, "params");
			if (json_integer_value(json_object_get(rec, "version")) != 1 || !json_is_object(params)) {
				rc = oed_err_at(err, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0,
						"not a version 1 entropy state");
				break;
			}
			if (first == NULL) {
				first = json_incref(params);
				continue;
			}
			if (!json_equal(first, params)) {
				char *p1 = json_dumps(first, JSON_COMPACT), *p2 = json_dumps(params, JSON_COMPACT);

				rc = oed_err_at(err, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0,
						"state made with %s, the first with %s: they do not merge",
						p2 ? p2 : "?", p1 ? p1 : "?");
				free(p1);
				free(p2);
				break;
			}
			continue;
		}
		if (first == NULL) {
			rc = oed_err_at(err, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0,
					"a state must start with its entropy.state line");
			break;
		}
		if (oed_entropy_acc_merge(acc, rec, err) == -1) {
			struct oed_err at;

			oed_err_at(&at, err->status, oed_reader_source(r), oed_reader_lineno(r), 0, "%s", err->msg);
			*err = at;
			rc = -1;
			break;
		}
	}
	if (rc == 0 && first) {
		/* the results are of the states' fields, whatever this run was told */
		json_t *x = json_object_get(first, "x"), *tokens = json_object_get(first, "tokens");
		static char xbuf[256], ybuf[256], tbuf[64];

		snprintf(ybuf, sizeof(ybuf), "%s", json_string_value(json_object_get(first, "y")));
		a->y = ybuf;
		if (json_is_string(x)) {
			snprintf(xbuf, sizeof(xbuf), "%s", json_string_value(x));
			a->x = xbuf;
		} else {
			a->x = NULL;
		}
		if (json_is_string(tokens)) {
			snprintf(tbuf, sizeof(tbuf), "%s", json_string_value(tokens));
			a->tokens = tbuf;
		}
	}
	json_decref(first);
	return rc;
}

static int
run(struct entropy_args *a, int nfiles, char **files)
{
	struct oed_entropy_acc acc;
	struct oed_entropy_summary sum;
	struct oed_lenstats len;
	struct oed_progress prog;
	struct oed_group *groups = NULL;
	struct oed_cell *cells = NULL, *hist = NULL, *thist = NULL;
	struct oed_writer w;
	struct oed_tokenizer *tok = NULL;
	struct oed_reader *r;
	struct oed_err err;
	size_t ncells = 0, nhist = 0, nthist = 0;
	int ix = -1, iy = -1, rc = 0, status = OED_EX_OK;
	char digest[17];

	if (a->x == NULL && (a->per_group || a->top))
		return oed_usage_error("--per-group and --top need an input field (-x)");
	if (a->classes && !oed_estimator_uses_k(a->est))
		oed_warn("--classes is ignored: %s does not depend on the number of classes",
			 oed_estimator_name(a->est));
	if (oed_input_open_output(&a->io, &err) == -1)
		return oed_fail(&err);
	if (a->emit_state && a->merge)
		return oed_usage_error("--emit-state and --merge do not go together");
	/* the vocabulary loads only when tokens are asked for */
	if (a->tokens && !a->merge && (tok = oed_tokenizer_open(a->tokens, NULL, &err)) == NULL)
		return oed_fail(&err);
	r = oed_reader_new(nfiles, files, a->io.max_line, &a->io.policy, &err);
	if (r == NULL) {
		oed_tokenizer_free(tok);
		return oed_fail(&err);
	}
	if (!a->merge && ((a->x && (ix = oed_reader_want(r, a->x, &err)) < 0) ||
			  (iy = oed_reader_want(r, a->y, &err)) < 0)) {
		oed_reader_free(r);
		oed_tokenizer_free(tok);
		err.status = OED_EX_USAGE;
		return oed_fail(&err);
	}
	oed_reader_digest(r, a->record);
	/* a state keeps the input texts so that a merge can name inputs */
	oed_entropy_acc_init(&acc, a->per_group || a->top || a->emit_state || a->merge);
	oed_progress_init(&prog, a->io.quiet, "records", 0);
	if (a->merge) {
		rc = merge_states(a, &acc, r, &err);
		if (rc == 0 && a->x == NULL && (a->per_group || a->top)) {
			oed_reader_free(r);
			oed_entropy_acc_release(&acc);
			return oed_usage_error("--per-group and --top need states made with an input field");
		}
	}
	while (!a->merge && (rc = oed_reader_next(r, &err)) == 1) {
		const char *xs = NULL, *ys;
		size_t xl = 0, yl;
		char xt[32], yt[32];
		int c;

		if (ix >= 0) {
			c = oed_class_of(r, oed_reader_value(r, ix), a->x, a->missing_class, xt, &xs, &xl, &err);
			if (c == -1) {
				rc = -1;
				break;
			}
			if (c == 1)
				continue;
		}
		c = oed_class_of(r, oed_reader_value(r, iy), a->y, a->missing_class, yt, &ys, &yl, &err);
		if (c == -1) {
			rc = -1;
			break;
		}
		if (c == 1)
			continue;
		/* a missing output has no length to count */
		if (oed_entropy_acc_add(&acc, xs, xl, ys, yl, 1,
					oed_reader_value(r, iy)->type > OED_V_NULL) == -1) {
			oed_err_set(&err, OED_EX_FAIL, "out of memory");
			rc = -1;
			break;
		}
		if (tok && oed_reader_value(r, iy)->type > OED_V_NULL) {
			size_t nt = oed_tokenizer_count(tok, ys, yl, false);

			if (nt == (size_t)-1 || oed_entropy_acc_add_tokens(&acc, nt, 1) == -1) {
				oed_err_set(&err, OED_EX_FAIL, "out of memory");
				rc = -1;
				break;
			}
		}
		oed_progress_tick(&prog, oed_reader_records(r));
	}
	oed_progress_done(&prog, oed_reader_records(r));
	oed_reader_digest_hex(r, digest);
	oed_reader_free(r);
	if (rc == -1 || (rc = oed_policy_close(&a->io.policy, &err)) == -1) {
		status = oed_fail(&err);
		goto out;
	}
	if (a->emit_state) {
		json_t *params = state_params(a);

		oed_writer_init(&w, stdout);
		if (params == NULL || oed_entropy_acc_emit(&acc, &w, params) == -1)
			status = OED_EX_FAIL;	/* out of memory or a write error, said at close */
		json_decref(params);
		oed_writer_release(&w);
		goto out;
	}
	cells = oed_cells_sorted(&acc.cells, &ncells);
	hist = oed_cells_sorted(&acc.lengths, &nhist);
	if (oed_entropy_summarize_k(a->est, (double)a->classes, cells, ncells, &sum,
				    a->per_group || a->top ? &groups : NULL, &err) == -1) {
		status = oed_fail(&err);
		goto out;
	}
	oed_lenstats_compute(hist, nhist, &len);
	thist = oed_cells_sorted(&acc.token_lengths, &nthist);

	oed_writer_init(&w, stdout);
	oed_w_begin(&w);
	oed_w_str(&w, "kind", "entropy");
	oed_w_num(&w, "n", sum.n);
	if (a->x)
		oed_w_str(&w, "x", a->x);
	oed_w_str(&w, "y", a->y);
	oed_w_str(&w, "estimator", oed_estimator_name(a->est));
	if (a->classes && oed_estimator_uses_k(a->est))
		oed_w_uint(&w, "classes", a->classes);
	oed_w_str(&w, "base", a->base_name);
	if (a->x) {
		oed_w_uint(&w, "inputs", sum.nx);
		oed_w_num(&w, "h_x", sum.h_x / a->base);
	}
	oed_w_uint(&w, "distinct_outputs", sum.ny);
	oed_w_num(&w, "h_y", sum.h_y / a->base);
	if (a->x)
		oed_w_num(&w, "h_y_given_x", sum.h_y_given_x / a->base);
	if (len.n > 0)
		write_lenstats(&w, "length_chars", NULL, &len);
	if (a->tokens && nthist > 0) {
		struct oed_lenstats tl;

		oed_lenstats_compute(thist, nthist, &tl);
		write_lenstats(&w, "length_tokens", oed_encoding_for(a->tokens), &tl);
	}
	oed_w_end(&w);
	if (groups)
		write_groups(a, &w, &acc, groups, sum.nx);
	oed_writer_release(&w);
	if (a->record && record_run(a, &sum, digest, &err) == -1)
		status = oed_fail(&err);
	if (a->io.policy.bad)
		oed_policy_summary(&a->io.policy);
out:
	free(groups);
	free(cells);
	free(hist);
	free(thist);
	oed_tokenizer_free(tok);
	oed_entropy_acc_release(&acc);
	return status;
}

int
main(int argc, char *argv[])
{
	struct entropy_args a = {
		.x = "input_id", .y = "output", .est = OED_EST_PLUGIN,
		.base_name = "2", .argc = argc, .argv = argv,
	};
	int first, status;

	oed_diag_init(argv[0]);
	a.base = log(2);
	oed_input_opts_init(&a.io);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
