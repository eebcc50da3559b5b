/*
 * compare.c: --compare, --by and --trend (compare.h).
 */
#include "config.h"
#include "report/compare.h"
#include "report/stats.h"
#include "score/score.h"
#include "time.h"
#include "exit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct item {
	char *key;
	const json_t *rec;	/* borrowed from its report: the first record of the key */
	json_t *scores;		/* owned */
	size_t seq;		/* the record's place in its report */
};

struct items {
	struct item *v;
	size_t n, errored, dups;
};

static void
items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].key);
		json_decref(it->v[i].scores);
	}
	free(it->v);
	memset(it, 0, sizeof(*it));
}

static int
by_key(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	/* equal keys keep their order, so a later record wins when merged */
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One record's key and scores, or 0 when it scores nothing; -1 when it errored. */
static int
item_of(const json_t *rec, struct oed_sb *key, json_t **scores)
{
	const char *kind = oed_rep_kindof(rec);
	json_t *e;

	*scores = NULL;
	if (kind == NULL)
		return 0;
	if (strcmp(kind, "bench.item") == 0 || strcmp(kind, "monitor.item") == 0) {
		json_t *id = json_object_get(rec, "input_id"), *s = json_object_get(rec, "sample");

		e = json_object_get(rec, "error");
		if (e && !json_is_null(e))
			return -1;
		if (id == NULL)
			id = json_object_get(rec, "id");
		if (!json_is_object(json_object_get(rec, "scores")) || id == NULL)
			return 0;
		oed_rep_cell(key, id);
		oed_sb_puts(key, "#");
		if (s)
			oed_rep_cell(key, s);
		else
			oed_sb_puts(key, "0");
		*scores = json_deep_copy(json_object_get(rec, "scores"));
	} else if (strcmp(kind, "entropy.group") == 0) {
		if (!json_is_number(json_object_get(rec, "h")))
			return 0;
		oed_rep_cell(key, json_object_get(rec, "x"));
		*scores = json_pack("{s:O}", "H(Y|X=x)", json_object_get(rec, "h"));
	} else if (strcmp(kind, "drift") == 0) {
		if (!json_is_boolean(json_object_get(rec, "drift")))
			return 0;
		oed_rep_cell(key, json_object_get(rec, "feature"));
		if (oed_rep_str(rec, "window_start")) {
			oed_sb_puts(key, "@");
			oed_sb_puts(key, oed_rep_str(rec, "window_start"));
		}
		*scores = json_pack("{s:O}", "drift", json_object_get(rec, "drift"));
	} else if (strcmp(kind, "run.metric") == 0) {
		const char *name = oed_rep_str(rec, "name");

		if (name == NULL || !json_is_number(json_object_get(rec, "value")))
			return 0;
		oed_rep_cell(key, json_object_get(rec, "grp"));
		*scores = json_pack("{s:O}", name, json_object_get(rec, "value"));
	} else {
		return 0;
	}
	return *scores ? 1 : 0;
}

static int
items_of(const struct oed_report *rep, struct items *it, struct oed_err *err)
{
	size_t i, n = 0;
	json_t *rec;

	memset(it, 0, sizeof(*it));
	it->v = calloc(json_array_size(rep->recs) + 1, sizeof(*it->v));
	if (it->v == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	json_array_foreach(rep->recs, i, rec) {
		struct oed_sb key = { 0 };
		json_t *scores;
		int k = item_of(rec, &key, &scores);

		if (k == -1)
			it->errored++;
		if (k == 1) {
			it->v[it->n].key = key.s ? key.s : strdup("");
			it->v[it->n].rec = rec;
			it->v[it->n].scores = scores;
			it->v[it->n].seq = i;
			it->n++;
		} else {
			oed_sb_release(&key);
		}
	}
	qsort(it->v, it->n, sizeof(*it->v), by_key);
	/* merge equal keys: run metrics of one group, a repeated item */
	for (i = 0; i < it->n; i++) {
		if (n && strcmp(it->v[n - 1].key, it->v[i].key) == 0) {
			const char *k;
			json_t *v;

			json_object_foreach(it->v[i].scores, k, v) {
				if (json_object_get(it->v[n - 1].scores, k))
					it->dups++;
				json_object_set(it->v[n - 1].scores, k, v);
			}
			free(it->v[i].key);
			json_decref(it->v[i].scores);
			continue;
		}
		it->v[n++] = it->v[i];
	}
	it->n = n;
	return 0;
}

/* A score as a number: true/false 1/0, an object's score, value or pass; NAN otherwise. */
static double
score(const json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_object(v)) {
		static const char *const f[] = { "score", "value", "pass", NULL };

		for (int i = 0; f[i]; i++) {
			json_t *x = json_object_get(v, f[i]);

			if (json_is_number(x) || json_is_boolean(x))
				return score(x);
		}
	}
	return NAN;
}

struct pair {
	size_t ia, ib;
};

/* One scorer's comparison, before Holm's correction. */
struct result {
	size_t n, nz;
	unsigned long only_a, only_b;	/* pass/fail pairs passed in one run only */
	bool binary;
	double a, b, diff, lo, hi, mde;
	json_t *changed;		/* keys whose score differs (the first 50) */
};

static json_t *
names(const struct items *it, const bool *used, size_t limit, size_t *count)
{
	json_t *arr = json_array();

	*count = 0;
	for (size_t i = 0; i < it->n; i++)
		if (!used[i]) {
			if (*count < limit)
				json_array_append_new(arr, json_string(it->v[i].key));
			(*count)++;
		}
	return arr;
}

static int
num_or_null(json_t *obj, const char *key, double v)
{
	return json_object_set_new(obj, key, isfinite(v) ? json_real(v) : json_null());
}

/* --by: overall change = sum of mix and rate effects over the segments (all items of each side). */
static int
decompose(const struct items *ia, const struct items *ib, const char *scorer, const char *by,
	  struct oed_report *out, struct oed_err *err)
{
	struct seg {
		char *name;
		double na, nb, sa, sb;
	} *seg = NULL;
	size_t nseg = 0, i;
	double ta = 0, tb = 0;
	const struct items *side[2] = { ia, ib };

	for (int s = 0; s < 2; s++)
		for (i = 0; i < side[s]->n; i++) {
			double v = score(json_object_get(side[s]->v[i].scores, scorer));
			struct oed_sb name = { 0 };
			json_t *f = oed_rep_get(side[s]->v[i].rec, by);
			size_t j;

			if (!isfinite(v))
				continue;
			if (f == NULL || json_is_null(f))
				oed_sb_puts(&name, "(none)");
			else
				oed_rep_cell(&name, f);
			for (j = 0; j < nseg && strcmp(seg[j].name, name.s ? name.s : "") != 0; j++)
				;
			if (j == nseg) {
				struct seg *p = realloc(seg, (nseg + 1) * sizeof(*seg));

				if (p == NULL) {
					oed_sb_release(&name);
					goto oom;
				}
				seg = p;
				seg[nseg] = (struct seg){ name.s ? name.s : strdup(""), 0, 0, 0, 0 };
				nseg++;
			} else {
				oed_sb_release(&name);
			}
			if (s == 0) {
				seg[j].na++;
				seg[j].sa += v;
				ta++;
			} else {
				seg[j].nb++;
				seg[j].sb += v;
				tb++;
			}
		}
	/* rank by the size of the segment's whole effect */
	for (i = 0; i < nseg; i++)
		for (size_t j = i + 1; j < nseg; j++) {
			double ei, ej;
			struct seg *x = &seg[i], *y = &seg[j];

#define EFFECT(g) ((g)->na && (g)->nb ? ((g)->nb / tb - (g)->na / ta) * (g)->sa / (g)->na + \
		   (g)->nb / tb * ((g)->sb / (g)->nb - (g)->sa / (g)->na) : \
		   (g)->nb ? (g)->sb / tb : -(g)->sa / ta)
			ei = EFFECT(x);
			ej = EFFECT(y);
			if (fabs(ej) > fabs(ei)) {
				struct seg t = *x;

				*x = *y;
				*y = t;
			}
		}
	for (i = 0; i < nseg; i++) {
		struct seg *g = &seg[i];
		double wa = ta ? g->na / ta : 0, wb = tb ? g->nb / tb : 0;
		double ma = g->na ? g->sa / g->na : NAN, mb = g->nb ? g->sb / g->nb : NAN, mix, rate;
		json_t *r = json_object();

		if (g->na && g->nb) {
			mix = (wb - wa) * ma;
			rate = wb * (mb - ma);
		} else {
			mix = g->nb ? wb * mb : -wa * ma;
			rate = NAN;
		}
		json_object_set_new(r, "kind", json_string("report.by"));
		json_object_set_new(r, "scorer", json_string(scorer));
		json_object_set_new(r, "by", json_string(by));
		json_object_set_new(r, "segment", json_string(g->name));
		json_object_set_new(r, "n_a", json_integer((json_int_t)g->na));
		json_object_set_new(r, "n_b", json_integer((json_int_t)g->nb));
		num_or_null(r, "share_a", wa);
		num_or_null(r, "share_b", wb);
		num_or_null(r, "mean_a", ma);
		num_or_null(r, "mean_b", mb);
		num_or_null(r, "mix", mix);
		num_or_null(r, "rate", rate);
		if (oed_rep_add(out, r, err) == -1)
			goto fail;
	}
	for (i = 0; i < nseg; i++)
		free(seg[i].name);
	free(seg);
	return 0;
oom:
	oed_err_set(err, OED_EX_FAIL, "out of memory");
fail:
	for (i = 0; i < nseg; i++)
		free(seg[i].name);
	free(seg);
	return -1;
}

/* B's record against A's, by a pairwise judge. */
struct pw {
	unsigned long wins, ties, losses, errors, skipped;
	char first_error[512];
};

/*
 * Ask the judge about each aligned pair with an output on both sides: B's
 * output is the scorer's output, A's its reference, and the scorer asks
 * in both orders, so a judge that prefers a position cancels out.  A
 * verdict the judge gave badly (OED_EX_DATA) is counted in errors; any
 * other failure (the model cannot be reached) stops.  0 or -1 (err set).
 */
static int
judge_pairs(const struct items *ia, const struct items *ib, const struct pair *pairs, size_t np,
	    struct oed_scorer_spec *judge, struct pw *w, struct oed_err *err)
{
	memset(w, 0, sizeof(*w));
	for (size_t p = 0; p < np; p++) {
		const json_t *ra = ia->v[pairs[p].ia].rec, *rb = ib->v[pairs[p].ib].rec;
		const char *oa = oed_rep_str(ra, "output"), *ob = oed_rep_str(rb, "output");
		const char *input = oed_rep_str(rb, "input") ? oed_rep_str(rb, "input") : oed_rep_str(ra, "input");
		struct oed_score_input in;
		struct oed_score_result res;
		struct oed_err e = { 0 };

		if (oa == NULL || ob == NULL) {
			w->skipped++;
			continue;
		}
		oed_score_input_init(&in, ob, strlen(ob));
		in.target = oa;
		in.target_len = strlen(oa);
		if (input) {
			in.input = input;
			in.input_len = strlen(input);
		}
		oed_score_result_init(&res);
		if (oed_score(judge, &in, &res, &e) == -1) {
			oed_score_result_release(&res);
			if (e.status != OED_EX_DATA) {
				*err = e;
				return -1;
			}
			if (w->errors++ == 0)
				snprintf(w->first_error, sizeof(w->first_error), "%.200s: %.300s", ib->v[pairs[p].ib].key,
					 e.msg);
			continue;
		}
		if (res.value > 0.5)
			w->wins++;
		else if (res.value < 0.5)
			w->losses++;
		else if (res.value == 0.5)
			w->ties++;
		else
			w->errors++;
		oed_score_result_release(&res);
	}
	/* not one verdict: the judge is not working (unreachable, refusing), not a result */
	if (w->errors && w->wins + w->ties + w->losses == 0)
		return oed_err_set(err, OED_EX_FAIL, "--judge: no verdict on any of the %lu items, the first: %s",
				   w->errors, w->first_error);
	return 0;
}

/* The judge's report.compare row, p_holm from adj. */
static json_t *
judge_row(const struct oed_scorer_spec *judge, const struct pw *w, double p, double adj)
{
	unsigned long n = w->wins + w->losses;
	double rate = n ? (double)w->wins / (double)n : NAN, lo, hi;
	const char *model = NULL, *prompt = NULL;
	json_t *r = json_object();

	oed_wilson(w->wins, n, &lo, &hi);
	json_object_set_new(r, "kind", json_string("report.compare"));
	json_object_set_new(r, "scorer", json_string(judge->key));
	json_object_set_new(r, "n", json_integer((json_int_t)(n + w->ties)));
	num_or_null(r, "a", 1 - rate);
	num_or_null(r, "b", rate);
	num_or_null(r, "diff", 2 * rate - 1);
	num_or_null(r, "lo", 2 * lo - 1);
	num_or_null(r, "hi", 2 * hi - 1);
	json_object_set_new(r, "test", json_string("pairwise"));
	num_or_null(r, "p_value", p);
	num_or_null(r, "p_holm", isfinite(p) ? adj : NAN);
	/* diff is (wins - losses) / n: a +-1 outcome per pair, sd 1 under no preference */
	num_or_null(r, "mde", oed_mde(1, n));
	json_object_set_new(r, "wins", json_integer((json_int_t)w->wins));
	json_object_set_new(r, "ties", json_integer((json_int_t)w->ties));
	json_object_set_new(r, "losses", json_integer((json_int_t)w->losses));
	num_or_null(r, "win_rate", rate);
	num_or_null(r, "win_lo", lo);
	num_or_null(r, "win_hi", hi);
	json_object_set_new(r, "judge_errors", json_integer((json_int_t)w->errors));
	if (w->errors)
		json_object_set_new(r, "judge_error", json_string(w->first_error));
	if (w->skipped)
		json_object_set_new(r, "no_output", json_integer((json_int_t)w->skipped));
	if (oed_score_judge_info(judge, &model, &prompt)) {
		json_object_set_new(r, "judge", json_string(model ? model : ""));
		json_object_set_new(r, "prompt", json_string(prompt ? prompt : ""));
	}
	return r;
}

int
oed_rep_compare(const struct oed_report *a, const struct oed_report *b,
		const struct oed_cmp_opts *opts, struct oed_report *out, bool *gate,
		struct oed_err *err)
{
	struct items ia, ib;
	struct pair *pairs = NULL;
	bool *used_a = NULL, *used_b = NULL;
	size_t np = 0, i = 0, j = 0, count = 0;
	struct result *res = NULL;
	struct pw pw;
	json_t *scorers = NULL, *al, *v;
	double *pv = NULL, *adj = NULL, *da = NULL, *db = NULL, *d = NULL;
	int rc = -1;
	const char *k;

	*gate = false;
	if (items_of(a, &ia, err) == -1)
		return -1;
	if (items_of(b, &ib, err) == -1) {
		items_free(&ia);
		return -1;
	}
	pairs = calloc(ia.n + 1, sizeof(*pairs));
	used_a = calloc(ia.n + 1, sizeof(*used_a));
	used_b = calloc(ib.n + 1, sizeof(*used_b));
	if (pairs == NULL || used_a == NULL || used_b == NULL)
		goto oom;
	while (i < ia.n && j < ib.n) {
		int c = strcmp(ia.v[i].key, ib.v[j].key);

		if (c == 0) {
			pairs[np++] = (struct pair){ i, j };
			used_a[i++] = used_b[j++] = true;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	al = json_object();
	json_object_set_new(al, "kind", json_string("report.alignment"));
	json_object_set_new(al, "items_a", json_integer((json_int_t)ia.n));
	json_object_set_new(al, "items_b", json_integer((json_int_t)ib.n));
	json_object_set_new(al, "aligned", json_integer((json_int_t)np));
	v = names(&ia, used_a, 20, &count);
	json_object_set_new(al, "only_a", json_integer((json_int_t)count));
	json_object_set_new(al, "only_a_items", v);
	v = names(&ib, used_b, 20, &count);
	json_object_set_new(al, "only_b", json_integer((json_int_t)count));
	json_object_set_new(al, "only_b_items", v);
	json_object_set_new(al, "errored_a", json_integer((json_int_t)ia.errored));
	json_object_set_new(al, "errored_b", json_integer((json_int_t)ib.errored));
	if (oed_rep_add(out, al, err) == -1)
		goto out;
	if (np == 0) {
		oed_err_set(err, OED_EX_DATA, "nothing to compare: no item is in both runs");
		goto out;
	}
	/* the scorers, in the order the aligned items first name them */
	scorers = json_array();
	for (size_t p = 0; p < np; p++)
		json_object_foreach(ia.v[pairs[p].ia].scores, k, v) {
			bool seen = false;
			size_t s;
			json_t *name;

			if (!json_object_get(ib.v[pairs[p].ib].scores, k))
				continue;
			json_array_foreach(scorers, s, name)
				seen |= strcmp(json_string_value(name), k) == 0;
			if (!seen)
				json_array_append_new(scorers, json_string(k));
		}
	count = json_array_size(scorers);
	/* one more for the pairwise judge */
	pv = calloc(count + 2, sizeof(*pv));
	adj = calloc(count + 2, sizeof(*adj));
	da = malloc((np + 1) * sizeof(*da));
	db = malloc((np + 1) * sizeof(*db));
	d = malloc((np + 1) * sizeof(*d));
	if (scorers == NULL || pv == NULL || adj == NULL || da == NULL || db == NULL || d == NULL)
		goto oom;
	res = calloc(count + 1, sizeof(*res));
	if (res == NULL)
		goto oom;
	for (size_t s = 0; s < count; s++) {
		const char *name = json_string_value(json_array_get(scorers, s));
		struct result *q = &res[s];
		double sa = 0, sb = 0, ss = 0;
		size_t n = 0;

		q->binary = true;
		q->changed = json_array();
		for (size_t p = 0; p < np; p++) {
			double x = score(json_object_get(ia.v[pairs[p].ia].scores, name));
			double y = score(json_object_get(ib.v[pairs[p].ib].scores, name));

			if (!isfinite(x) || !isfinite(y))
				continue;
			da[n] = x;
			db[n] = y;
			d[n] = y - x;
			q->binary &= (x == 0 || x == 1) && (y == 0 || y == 1);
			if (x != y && json_array_size(q->changed) < 50)
				json_array_append_new(q->changed, json_string(ia.v[pairs[p].ia].key));
			n++;
		}
		for (size_t t = 0; t < n; t++) {
			sa += da[t];
			sb += db[t];
			q->only_a += da[t] == 1 && db[t] == 0;
			q->only_b += da[t] == 0 && db[t] == 1;
			q->nz += d[t] != 0;
		}
		q->n = n;
		q->a = n ? sa / (double)n : NAN;
		q->b = n ? sb / (double)n : NAN;
		q->diff = n ? (sb - sa) / (double)n : NAN;
		for (size_t t = 0; t < n; t++)
			ss += (d[t] - q->diff) * (d[t] - q->diff);
		q->mde = n > 1 ? oed_mde(sqrt(ss / (double)(n - 1)), n) : NAN;
		if (oed_paired_bootstrap(d, n, opts->bootstrap, opts->seed, &q->lo, &q->hi) == -1)
			goto oom;
		if (n == 0)
			pv[s] = NAN;
		else if (q->binary)
			pv[s] = oed_mcnemar_exact(q->only_a, q->only_b);
		else
			pv[s] = oed_signflip_p(d, n, 20, opts->permutations, opts->seed);
	}
	if (opts->judge) {
		if (judge_pairs(&ia, &ib, pairs, np, opts->judge, &pw, err) == -1)
			goto out;
		pv[count] = oed_sign_test(pw.wins, pw.wins + pw.losses);
		if (pw.wins + pw.losses == 0)
			pv[count] = NAN;
	}
	oed_holm(pv, count + (opts->judge != NULL), adj);
	for (size_t s = 0; s < count; s++) {
		const char *name = json_string_value(json_array_get(scorers, s));
		struct result *q = &res[s];
		json_t *r = json_object();

		json_object_set_new(r, "kind", json_string("report.compare"));
		json_object_set_new(r, "scorer", json_string(name));
		json_object_set_new(r, "n", json_integer((json_int_t)q->n));
		num_or_null(r, "a", q->a);
		num_or_null(r, "b", q->b);
		num_or_null(r, "diff", q->diff);
		num_or_null(r, "lo", q->lo);
		num_or_null(r, "hi", q->hi);
		json_object_set_new(r, "test", json_string(q->binary ? "mcnemar-exact" :
							   q->nz <= 20 ? "sign-flip-exact" : "sign-flip"));
		num_or_null(r, "p_value", pv[s]);
		num_or_null(r, "p_holm", isfinite(pv[s]) ? adj[s] : NAN);
		num_or_null(r, "mde", q->mde);
		if (q->binary) {
			json_object_set_new(r, "a_only", json_integer((json_int_t)q->only_a));
			json_object_set_new(r, "b_only", json_integer((json_int_t)q->only_b));
		}
		if (strcmp(name, "drift") == 0)
			json_object_set(r, "changed", q->changed);
		for (size_t g = 0; g < opts->ndrops; g++) {
			bool tripped;

			if (strcmp(opts->drops[g].scorer, name) != 0)
				continue;
			tripped = isfinite(pv[s]) && adj[s] < 0.05 && -q->diff > opts->drops[g].max;
			json_object_set_new(r, "max_drop", json_real(opts->drops[g].max));
			json_object_set_new(r, "gate", json_boolean(tripped));
			*gate |= tripped;
		}
		if (oed_rep_add(out, r, err) == -1)
			goto out;
	}
	if (opts->judge) {
		json_t *r = judge_row(opts->judge, &pw, pv[count], adj[count]);

		for (size_t g = 0; g < opts->ndrops; g++) {
			bool tripped;

			if (strcmp(opts->drops[g].scorer, opts->judge->key) != 0)
				continue;
			tripped = isfinite(pv[count]) && adj[count] < 0.05 &&
				  -oed_rep_num(r, "diff") > opts->drops[g].max;
			json_object_set_new(r, "max_drop", json_real(opts->drops[g].max));
			json_object_set_new(r, "gate", json_boolean(tripped));
			*gate |= tripped;
		}
		if (oed_rep_add(out, r, err) == -1)
			goto out;
	}
	if (opts->by)
		for (size_t s = 0; s < count; s++)
			if (decompose(&ia, &ib, json_string_value(json_array_get(scorers, s)), opts->by, out,
				      err) == -1)
				goto out;
	rc = 0;
	goto out;
oom:
	oed_err_set(err, OED_EX_FAIL, "out of memory");
out:
	for (size_t s = 0; res && s < count; s++)
		json_decref(res[s].changed);
	free(res);
	json_decref(scorers);
	free(pv);
	free(adj);
	free(da);
	free(db);
	free(d);
	free(pairs);
	free(used_a);
	free(used_b);
	items_free(&ia);
	items_free(&ib);
	return rc;
}

/* ---- trend ---- */

static double
time_of(const json_t *rec)
{
	static const char *const f[] = { "ts", "finished", "started", "window_start", NULL };

	for (int i = 0; f[i]; i++) {
		const char *s = oed_rep_str(rec, f[i]);
		double t;

		if (s && oed_time_parse(s, strlen(s), &t) == 0)
			return t;
	}
	return NAN;
}

struct point {
	double x, y;
	size_t seq;
};

static int
by_x(const void *a, const void *b)
{
	const struct point *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

int
oed_rep_trend(const struct oed_report *in, const char *scorer, struct oed_report *out,
	      struct oed_err *err)
{
	size_t n = 0, i;
	struct point *pt = calloc(json_array_size(in->recs) + 1, sizeof(*pt));
	double run_time = NAN, *x, *y;
	bool timed = true;
	struct oed_trend t;
	json_t *rec, *r;
	char path[512];
	int rc;

	if (pt == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	snprintf(path, sizeof(path), "metrics.%s.mean", scorer);
	json_array_foreach(in->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);
		double v = NAN, when = time_of(rec);

		if (kind && strcmp(kind, "run") == 0) {
			run_time = when;
			continue;
		}
		if (kind && strcmp(kind, "bench.summary") == 0) {
			v = oed_rep_num(rec, path);
		} else if (kind && strcmp(kind, "run.metric") == 0) {
			const char *name = oed_rep_str(rec, "name");

			if (name && strcmp(name, scorer) == 0)
				v = oed_rep_num(rec, "value");
			when = run_time;
		} else if (kind && strcmp(kind, "monitor.score") == 0) {
			/* a stored monitor run's mean of the scorer */
			const char *name = oed_rep_str(rec, "scorer");

			if (name && strcmp(name, scorer) == 0)
				v = oed_rep_num(rec, "mean");
			when = run_time;
		} else if (!json_is_boolean(oed_rep_get(rec, scorer))) {
			v = oed_rep_num(rec, scorer);
		}
		if (!isfinite(v))
			continue;
		timed &= isfinite(when);
		pt[n++] = (struct point){ when, v, n };
	}
	if (n < 3) {
		free(pt);
		return oed_err_set(err, OED_EX_DATA, "--trend %s: %zu run%s hold%s it, a trend needs 3",
				   scorer, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	}
	for (i = 0; i < n; i++)
		pt[i].x = timed ? pt[i].x / 86400 : (double)i;
	qsort(pt, n, sizeof(*pt), by_x);
	x = malloc(n * sizeof(*x));
	y = malloc(n * sizeof(*y));
	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		free(pt);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		x[i] = pt[i].x - (timed ? pt[0].x : 0);
		y[i] = pt[i].y;
	}
	rc = oed_trend(x, y, n, &t);
	free(pt);
	if (rc == -1) {
		free(x);
		free(y);
		return oed_err_set(err, OED_EX_DATA, "--trend %s: the runs share one time, no slope", scorer);
	}
	r = json_object();
	json_object_set_new(r, "kind", json_string("report.trend"));
	json_object_set_new(r, "scorer", json_string(scorer));
	json_object_set_new(r, "n", json_integer((json_int_t)n));
	json_object_set_new(r, "per", json_string(timed ? "day" : "run"));
	num_or_null(r, "slope", t.slope);
	num_or_null(r, "lo", t.lo);
	num_or_null(r, "hi", t.hi);
	num_or_null(r, "tau", t.tau);
	num_or_null(r, "z", t.z);
	num_or_null(r, "p_value", t.p_value);
	rc = oed_rep_add(out, r, err);
	/* the values themselves, for the table and the chart */
	for (i = 0; rc == 0 && i < n; i++) {
		r = json_object();
		json_object_set_new(r, "kind", json_string("report.trend.point"));
		json_object_set_new(r, "scorer", json_string(scorer));
		json_object_set_new(r, timed ? "day" : "run", json_real(x[i]));
		num_or_null(r, "value", y[i]);
		num_or_null(r, "fit", t.intercept + t.slope * x[i]);
		rc = oed_rep_add(out, r, err);
	}
	free(x);
	free(y);
	return rc;
}
