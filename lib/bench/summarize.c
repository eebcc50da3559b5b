/* summarize.c: bench.summary from bench.item records (summarize.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/extractor.h"
#include "bench/stats.h"
#include "bench/summarize.h"
#include "info/estimators.h"
#include "exit.h"
#include "jsonl.h"

struct row {
	size_t model;		/* index into names */
	char *input;
	long long sample;
	char *extracted;	/* NULL for an error item */
	size_t elen;
	double *scores;		/* nscorers, NAN when absent */
	bool error, invalid;
	long long tin, tout;
	double cost;
	size_t seq;
};

struct sum {
	char **models, **scorers, *task;
	size_t nmodels, nscorers;
	struct row *rows;
	size_t nrows, cap;
};

static size_t
intern(char ***list, size_t *n, const char *s)
{
	size_t i;
	char **l;

	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i], s) == 0)
			return i;
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (l == NULL)
		return (size_t)-1;
	*list = l;
	l[*n] = strdup(s);
	if (l[*n] == NULL)
		return (size_t)-1;
	return (*n)++;
}

static int
rowcmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->model != y->model)
		return x->model < y->model ? -1 : 1;
	if ((c = strcmp(x->input, y->input)) != 0)
		return c;
	if (x->sample != y->sample)
		return x->sample < y->sample ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
add_row(struct sum *S, json_t *rec, struct oed_reader *r, struct oed_err *err)
{
	json_t *scores = json_object_get(rec, "scores"), *v;
	const char *key;
	struct row *row;
	size_t i, m;

	if (!json_is_string(json_object_get(rec, "model")) ||
	    !json_is_string(json_object_get(rec, "input_id")))
		return oed_reader_bad(r, err, "a bench.item needs 'model' and 'input_id'");
	if (S->task == NULL && json_is_string(json_object_get(rec, "task")))
		S->task = strdup(json_string_value(json_object_get(rec, "task")));
	m = intern(&S->models, &S->nmodels, json_string_value(json_object_get(rec, "model")));
	if (m == (size_t)-1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	json_object_foreach(scores, key, v)
		if (intern(&S->scorers, &S->nscorers, key) == (size_t)-1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (S->nrows == S->cap) {
		size_t cap = S->cap ? S->cap * 2 : 1024;
		struct row *p = realloc(S->rows, cap * sizeof(*p));

		if (p == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		S->rows = p;
		S->cap = cap;
	}
	row = &S->rows[S->nrows];
	memset(row, 0, sizeof(*row));
	row->model = m;
	row->seq = S->nrows;
	row->input = strdup(json_string_value(json_object_get(rec, "input_id")));
	v = json_object_get(rec, "sample");
	row->sample = json_is_integer(v) ? json_integer_value(v) : 0;
	row->error = json_object_get(rec, "error") != NULL;
	v = json_object_get(rec, "extracted");
	if (!row->error && json_is_string(v)) {
		row->elen = json_string_length(v);
		row->extracted = malloc(row->elen + 1);
		if (row->extracted)
			memcpy(row->extracted, json_string_value(v), row->elen + 1);
		row->invalid = strcmp(json_string_value(v), OED_INVALID_ANSWER) == 0;
	}
	v = json_object_get(rec, "tokens_in");
	row->tin = json_is_integer(v) ? json_integer_value(v) : -1;
	v = json_object_get(rec, "tokens_out");
	row->tout = json_is_integer(v) ? json_integer_value(v) : -1;
	v = json_object_get(rec, "cost_usd");
	row->cost = json_is_number(v) ? json_number_value(v) : NAN;
	/* scores are laid out against every scorer seen so far; later ones are NAN */
	row->scores = malloc(64 * sizeof(double));
	if (row->input == NULL || row->scores == NULL || (!row->error && json_is_string(v = json_object_get(rec, "extracted")) && row->extracted == NULL))
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (i = 0; i < 64; i++)
		row->scores[i] = NAN;
	for (i = 0; i < S->nscorers && i < 64; i++) {
		v = json_object_get(scores, S->scorers[i]);
		if (json_is_number(v))
			row->scores[i] = json_number_value(v);
	}
	S->nrows++;
	return 0;
}

static int
write_model(struct sum *S, size_t m, struct oed_writer *w, struct oed_err *err)
{
	struct oed_score_stats *st = calloc(S->nscorers ? S->nscorers : 1, sizeof(*st));
	size_t a, b, i, k, maxk = 1, items = 0, errors = 0, invalid = 0;
	double hsum = 0, hn = 0, cost = 0;
	long long tin = 0, tout = 0;
	bool cost_known = false, tokens_any = false;
	int rc = -1;

	if (st == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	/* the samples per input: the most any input has */
	for (a = 0; a < S->nrows; a = b) {
		for (b = a; b < S->nrows && S->rows[b].model == S->rows[a].model &&
			    strcmp(S->rows[b].input, S->rows[a].input) == 0; b++)
			;
		if (S->rows[a].model == m && b - a > maxk)
			maxk = b - a;
	}
	for (i = 0; i < S->nscorers; i++)
		oed_score_stats_init(&st[i], (unsigned)maxk);
	for (a = 0; a < S->nrows; a = b) {
		char *ans[maxk];
		size_t lens[maxk], idx[maxk], ok = 0, maj;
		double vals[maxk];

		for (b = a; b < S->nrows && S->rows[b].model == S->rows[a].model &&
			    strcmp(S->rows[b].input, S->rows[a].input) == 0; b++)
			;
		if (S->rows[a].model != m)
			continue;
		for (k = a; k < b; k++) {
			const struct row *r = &S->rows[k];

			items++;
			if (r->error) {
				errors++;
				continue;
			}
			invalid += r->invalid;
			if (r->tin >= 0 || r->tout >= 0)
				tokens_any = true;
			tin += r->tin > 0 ? r->tin : 0;
			tout += r->tout > 0 ? r->tout : 0;
			if (!isnan(r->cost)) {
				cost += r->cost;
				cost_known = true;
			}
			ans[ok] = r->extracted ? r->extracted : "";
			lens[ok] = r->extracted ? r->elen : 0;
			idx[ok++] = k;
		}
		if (ok == 0)
			continue;
		maj = idx[oed_majority(ans, lens, ok)];
		for (i = 0; i < S->nscorers; i++) {
			size_t n = 0, passed = 0;

			for (k = 0; k < ok; k++) {
				double v = S->rows[idx[k]].scores[i];

				if (isnan(v))
					continue;
				vals[n++] = v;
				passed += v == 1;
			}
			if (n == 0)
				continue;
			oed_score_stats_add(&st[i], vals, n, passed);
			if (maxk > 1 && !isnan(S->rows[maj].scores[i]))
				oed_score_stats_add_majority(&st[i], S->rows[maj].scores[i]);
		}
		if (ok > 1) {
			double counts[ok], h;
			size_t nc = 0, q;

			for (k = 0; k < ok; k++) {
				bool first = true;

				for (q = 0; q < k && first; q++)
					if (lens[q] == lens[k] && memcmp(ans[q], ans[k], lens[k]) == 0)
						first = false;
				if (!first)
					continue;
				counts[nc] = 0;
				for (q = k; q < ok; q++)
					if (lens[q] == lens[k] && memcmp(ans[q], ans[k], lens[k]) == 0)
						counts[nc] += 1;
				nc++;
			}
			if (oed_entropy(OED_EST_PLUGIN, counts, nc, 0, &h, err) == -1)
				goto out;
			hsum += (double)ok * h / log(2);
			hn += (double)ok;
		} else {
			hn += 1;
		}
	}
	oed_w_begin(w);
	oed_w_str(w, "kind", "bench.summary");
	if (S->task)
		oed_w_str(w, "task", S->task);
	oed_w_str(w, "model", S->models[m]);
	oed_w_str(w, "status", "summarized");
	oed_w_uint(w, "n", items);
	oed_w_uint(w, "errors", errors);
	oed_w_uint(w, "invalid", invalid);
	oed_w_uint(w, "samples", maxk);
	oed_w_obj_begin(w, "metrics");
	for (i = 0; i < S->nscorers; i++)
		oed_score_stats_write(w, S->scorers[i], &st[i], NULL);
	oed_w_obj_end(w);
	if (hn > 0 && maxk > 1)
		oed_w_num(w, "answer_entropy_bits", hsum / hn);
	if (tokens_any) {
		oed_w_int(w, "tokens_in", tin);
		oed_w_int(w, "tokens_out", tout);
	}
	if (cost_known)
		oed_w_num(w, "cost_usd", round(cost * 1e9) / 1e9);
	if (oed_w_end(w) == -1) {
		oed_err_set(err, OED_EX_FAIL, "write error");
		goto out;
	}
	rc = 0;
out:
	free(st);
	return rc;
}

int
oed_bench_summarize(int nfiles, char *const *files, struct oed_input_opts *io,
		    struct oed_writer *w, struct oed_err *err)
{
	struct oed_reader *r = oed_reader_new(nfiles, files, io->max_line, &io->policy, err);
	struct sum S = { 0 };
	size_t i;
	int rc, status = -1;

	if (r == NULL)
		return -1;
	while ((rc = oed_reader_next(r, err)) == 1) {
		json_t *rec = oed_reader_root(r);
		const char *kind = json_string_value(json_object_get(rec, "kind"));

		if (kind == NULL || strcmp(kind, "bench.item") != 0)
			continue;
		/* red-team variants: their paired figures come only from the run */
		if (json_object_get(rec, "mutation") != NULL)
			continue;
		if (json_object_size(json_object_get(rec, "scores")) > 64) {
			oed_err_set(err, OED_EX_DATA, "more than 64 scorers");
			goto out;
		}
		if (add_row(&S, rec, r, err) == -1)
			goto out;
	}
	if (rc == -1)
		goto out;
	if (S.nrows == 0) {
		oed_err_set(err, OED_EX_DATA, "no records in the input: no bench.item records");
		goto out;
	}
	qsort(S.rows, S.nrows, sizeof(*S.rows), rowcmp);
	for (i = 0; i < S.nmodels; i++)
		if (write_model(&S, i, w, err) == -1)
			goto out;
	status = 0;
out:
	for (i = 0; i < S.nrows; i++) {
		free(S.rows[i].input);
		free(S.rows[i].extracted);
		free(S.rows[i].scores);
	}
	free(S.rows);
	for (i = 0; i < S.nmodels; i++)
		free(S.models[i]);
	free(S.models);
	for (i = 0; i < S.nscorers; i++)
		free(S.scorers[i]);
	free(S.scorers);
	free(S.task);
	oed_reader_free(r);
	return status;
}
