/*
 * results.c: the quantities computed from an engine's counts (through the
 * info module's math), their bootstrap intervals, and the result records
 * written as JSON Lines and stored as metrics of a run.
 */
#include "config.h"
#include "engine_priv.h"
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "capacity.h"
#include "estimators.h"
#include "exit.h"
#include "mi.h"
#include "store.h"

/* ---- the estimators (estimators.h, mi.h) ---- */

struct est {
	enum oed_estimator id;
	double k;			/* classes declared for Y; 0: the classes seen */
};

/* Entropy in nats of the counts c[0..n) (zeros are classes not seen). */
static int
est_entropy(const struct est *est, const double *c, size_t n, double k, double *h,
	    struct oed_err *err)
{
	return oed_entropy(est->id, c, n, k, h, err);
}


/* ---- results: records of items, written as JSON and stored as metrics ---- */

enum itype { IT_STR, IT_NUM, IT_UINT, IT_NULL, IT_BOOL, IT_OBJ, IT_END };

struct item {
	char key[48];
	enum itype type;
	char *s;		/* IT_STR, owned */
	double v, lo, hi;
	bool ci;		/* key_lo and key_hi follow the value */
	bool metric;		/* a figure for the run store */
};

struct rec {
	const char *kind;
	char *grp;		/* the group's text (NULL: the summary, or the missing class) */
	bool grp_null;
	struct item *it;
	size_t n, cap;
};

/*
 * An entropy.group record.  There may be one per input, millions, so a
 * group is a few numbers and pointers into the text the results took
 * over from the engine, not a record of items.
 */
struct group {
	uint64_t x;
	double n, h, mode_n;
	size_t distinct;
	const char *name;	/* NULL: the missing class, or a state without names */
	const char *input;	/* the "input" field, or NULL */
	const char *mode;	/* text of the most common class, or NULL */
	bool missing;		/* the missing class of --missing=class */
	bool has_waste;		/* --waste: the input's token waste */
	struct oed_waste_sum waste;
};

struct oed_results {
	struct rec *rec;
	size_t n, cap;
	struct group *groups;	/* written after the records */
	size_t ngroups;
	double log_base;
	struct oed_names names, inputs, modes;	/* the text groups point to */
	char *params;		/* JSON of the run's parameters, for the store */
	bool oom;
};

void
oed_results_free(struct oed_results *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->n; i++) {
		for (size_t j = 0; j < res->rec[i].n; j++)
			free(res->rec[i].it[j].s);
		free(res->rec[i].it);
		free(res->rec[i].grp);
	}
	free(res->rec);
	free(res->groups);
	oed_names_release(&res->names);
	oed_names_release(&res->inputs);
	oed_names_release(&res->modes);
	free(res->params);
	free(res);
}

static struct rec *
rec_new(struct oed_results *res, const char *kind)
{
	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 8;
		struct rec *r = realloc(res->rec, cap * sizeof(*r));

		if (r == NULL) {
			res->oom = true;
			return NULL;
		}
		res->rec = r;
		res->cap = cap;
	}
	memset(&res->rec[res->n], 0, sizeof(res->rec[0]));
	res->rec[res->n].kind = kind;
	return &res->rec[res->n++];
}

static struct item *
item_new(struct oed_results *res, struct rec *r, const char *key, enum itype type)
{
	struct item *it;

	if (r == NULL)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct item *p = realloc(r->it, cap * sizeof(*p));

		if (p == NULL) {
			res->oom = true;
			return NULL;
		}
		r->it = p;
		r->cap = cap;
	}
	it = &r->it[r->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->key, sizeof(it->key), "%s", key ? key : "");
	it->type = type;
	it->lo = it->hi = NAN;
	return it;
}

static void
put_str(struct oed_results *res, struct rec *r, const char *key, const char *s)
{
	struct item *it = item_new(res, r, key, IT_STR);

	if (it && (it->s = strdup(s)) == NULL) {
		res->oom = true;
		it->type = IT_NULL;
	}
}

static void
put_num(struct oed_results *res, struct rec *r, const char *key, double v)
{
	struct item *it = item_new(res, r, key, IT_NUM);

	if (it) {
		it->v = v;
		it->metric = true;
	}
}

static void
put_uint(struct oed_results *res, struct rec *r, const char *key, uint64_t v)
{
	struct item *it = item_new(res, r, key, IT_UINT);

	if (it) {
		it->v = (double)v;
		it->metric = true;
	}
}

/* A quantity, with its interval when one was asked for. */
static void
put_q(struct oed_results *res, struct rec *r, const char *key, double v, bool ci, double lo, double hi)
{
	struct item *it = item_new(res, r, key, IT_NUM);

	if (it) {
		it->v = v;
		it->metric = true;
		it->ci = ci;
		it->lo = lo;
		it->hi = hi;
	}
}

static void
write_bound(struct oed_writer *w, const char *key, const char *suffix, double v)
{
	char k[64];

	snprintf(k, sizeof(k), "%s%s", key, suffix);
	if (isfinite(v))
		oed_w_num(w, k, v);
	else
		oed_w_null(w, k);
}

/* The waste figures of an input (--waste); a ratio without tokens is null. */
static void
write_waste(struct oed_writer *w, const struct oed_waste_sum *s)
{
	double ratio = oed_waste_ratio_of(s->waste, s->tokens);

	oed_w_num(w, "output_tokens", s->tokens);
	oed_w_num(w, "waste_tokens", s->waste);
	if (isfinite(ratio))
		oed_w_num(w, "waste_ratio", ratio);
	else
		oed_w_null(w, "waste_ratio");
	oed_w_num(w, "waste_per_output", s->outputs > 0 ? s->waste / s->outputs : 0);
}

int
oed_results_write(const struct oed_results *res, int64_t run_id, struct oed_writer *w)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct rec *r = &res->rec[i];

		oed_w_begin(w);
		for (size_t j = 0; j < r->n; j++) {
			const struct item *it = &r->it[j];

			switch (it->type) {
			case IT_STR:
				oed_w_str(w, it->key, it->s);
				break;
			case IT_NUM:
				oed_w_num(w, it->key, it->v);
				if (it->ci) {
					write_bound(w, it->key, "_lo", it->lo);
					write_bound(w, it->key, "_hi", it->hi);
				}
				break;
			case IT_UINT:
				oed_w_uint(w, it->key, (unsigned long long)it->v);
				break;
			case IT_NULL:
				oed_w_null(w, it->key);
				break;
			case IT_BOOL:
				oed_w_bool(w, it->key, it->v != 0);
				break;
			case IT_OBJ:
				oed_w_obj_begin(w, it->key);
				break;
			case IT_END:
				oed_w_obj_end(w);
				break;
			}
		}
		if (i == 0 && run_id > 0)
			oed_w_int(w, "run", run_id);
		if (oed_w_end(w) == -1)
			return -1;
	}
	for (size_t i = 0; i < res->ngroups; i++) {
		const struct group *g = &res->groups[i];
		char hex[17];

		oed_w_begin(w);
		oed_w_str(w, "kind", "entropy.group");
		if (g->name) {
			oed_w_str(w, "x", g->name);
		} else if (g->missing) {
			oed_w_null(w, "x");
		} else {
			/* a state merged without its names: the fingerprint is all there is */
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)g->x);
			oed_w_str(w, "x_key", hex);
		}
		if (g->input)
			oed_w_str(w, "input", g->input);
		oed_w_num(w, "n", g->n);
		oed_w_uint(w, "distinct", g->distinct);
		oed_w_num(w, "h", g->h);
		if (g->mode)
			oed_w_str(w, "mode", g->mode);
		oed_w_num(w, "mode_share", g->n > 0 ? g->mode_n / g->n : 0);
		if (g->has_waste)
			write_waste(w, &g->waste);
		if (oed_w_end(w) == -1)
			return -1;
	}
	return 0;
}

/* Every figure of the results as metrics of run. */
static int
results_fill(struct oed_store *st, int64_t run, void *ctx, struct oed_err *err)
{
	const struct oed_results *res = ctx;

	for (size_t i = 0; i < res->n; i++) {
		const struct rec *r = &res->rec[i];
		char prefix[sizeof(r->it[0].key) + 1] = "", name[128];

		for (size_t j = 0; j < r->n; j++) {
			const struct item *it = &r->it[j];

			if (it->type == IT_OBJ)
				snprintf(prefix, sizeof(prefix), "%s.", it->key);
			else if (it->type == IT_END)
				prefix[0] = '\0';
			if (!it->metric)
				continue;
			snprintf(name, sizeof(name), "%s%s", prefix, it->key);
			if (oed_metric_add(st, run, name, r->grp_null ? "null" : r->grp, it->v, it->lo, it->hi,
					   err) == -1)
				return -1;
		}
	}
	for (size_t i = 0; i < res->ngroups; i++) {
		const struct group *g = &res->groups[i];
		const char *grp = g->name;
		char hex[17];

		if (g->missing) {
			grp = "null";
		} else if (grp == NULL) {
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)g->x);
			grp = hex;
		}
		if (oed_metric_add(st, run, "n", grp, g->n, NAN, NAN, err) == -1 ||
		    oed_metric_add(st, run, "distinct", grp, (double)g->distinct, NAN, NAN, err) == -1 ||
		    oed_metric_add(st, run, "h", grp, g->h, NAN, NAN, err) == -1 ||
		    oed_metric_add(st, run, "mode_share", grp, g->n > 0 ? g->mode_n / g->n : 0, NAN, NAN,
				   err) == -1)
			return -1;
		if (g->has_waste &&
		    (oed_metric_add(st, run, "output_tokens", grp, g->waste.tokens, NAN, NAN, err) == -1 ||
		     oed_metric_add(st, run, "waste_tokens", grp, g->waste.waste, NAN, NAN, err) == -1 ||
		     (g->waste.tokens > 0 &&
		      oed_metric_add(st, run, "waste_ratio", grp, g->waste.waste / g->waste.tokens, NAN,
				     NAN, err) == -1) ||
		     oed_metric_add(st, run, "waste_per_output", grp,
				    g->waste.outputs > 0 ? g->waste.waste / g->waste.outputs : 0, NAN, NAN,
				    err) == -1))
			return -1;
	}
	return 0;
}

int
oed_results_record(const struct oed_results *res, struct oed_input_opts *io, const char *tool,
		   int argc, char *const *argv, const char *digest, struct oed_err *err)
{
	return oed_run_record(io, tool, argc, argv, res->params, digest, results_fill,
			      (void *)res, err);
}

/* ---- the quantities ---- */

enum {
	Q_HX, Q_HY, Q_HYX, Q_MI, Q_HXY_COND, Q_NMI, Q_EMI, Q_AMI, Q_VI, Q_CMI, Q_EMP, Q_CAP, Q_COUNT
};

/*
 * A table the quantities are computed from: the xy rows sorted by (x, y)
 * in groups of one x, and the zxy rows sorted by (z, x, y) in slices of
 * one z, each row with its weight.  The counted tables make one view; a
 * bootstrap replicate makes another.
 */
struct view {
	struct oed_row *rows;
	double *w;
	size_t *yid;		/* dense index of each row's y */
	size_t nrows;
	size_t *gstart;		/* group g is rows gstart[g] .. gstart[g + 1] */
	size_t ngroups, ny;

	struct oed_row *zrows;
	double *zw;
	size_t nzrows;
	size_t *zstart;		/* slice s is zrows zstart[s] .. zstart[s + 1] */
	size_t nslices;
};

struct prep {
	const struct oed_engine *e;
	struct est est;
	enum oed_average avg;
	double log_base;
	bool whole;		/* every count is whole: E[I] and AMI are defined */

	struct view v;		/* the counts */
	size_t *zunit;		/* the x group of each zxy row */
	size_t *xrun;		/* zxy rows: start of the run of one (z, x) */

	struct view rv;		/* a replicate, rebuilt for each draw */
	size_t rcap, rzcap;

	/* scratch for the quantities */
	double *buf, *ybuf;
	size_t bufcap, cellcap;
	struct oed_cell *cells;
	struct { uint64_t y; double n; } *ys;
	struct oed_xyz *xyz;
	size_t xyzcap;

	/* --capacity: Blahut-Arimoto per state; the last run's states */
	bool capacity;
	double tol;		/* nats */
	unsigned max_iter;
	struct oed_empowerment *states;
	size_t nstates;
	struct oed_progress *progress;	/* the capacity of the counts is shown; NULL: none */
};

static void
view_release(struct view *v)
{
	free(v->rows);
	free(v->w);
	free(v->yid);
	free(v->gstart);
	free(v->zrows);
	free(v->zw);
	free(v->zstart);
	memset(v, 0, sizeof(*v));
}

static void
prep_release(struct prep *p)
{
	p->rv.zstart = NULL;	/* borrowed from the counts' view */
	view_release(&p->v);
	view_release(&p->rv);
	free(p->zunit);
	free(p->xrun);
	free(p->buf);
	free(p->ybuf);
	free(p->cells);
	free(p->ys);
	free(p->xyz);
	free(p->states);
}

struct yref {
	uint64_t y;
	size_t row;
};

static int
yref_cmp(const void *a, const void *b)
{
	const struct yref *p = a, *q = b;

	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return p->row < q->row ? -1 : p->row > q->row;
}

/* Split sorted rows into runs of equal first key; starts[0..nruns] (caller frees). */
static size_t *
runs_of(const struct oed_row *rows, size_t n, size_t *nruns)
{
	size_t *start = malloc((n + 1) * sizeof(*start)), k = 0;

	if (start == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || rows[i].k[0] != rows[i - 1].k[0])
			start[k++] = i;
	start[k] = n;
	*nruns = k;
	return start;
}

/* Room for n doubles of scratch (and, with cells, n cells for mi.h). */
static int
scratch(struct prep *p, size_t n, bool cells)
{
	if (n + 1 > p->bufcap) {
		size_t cap = n + 1 > 2 * p->bufcap ? n + 1 : 2 * p->bufcap;
		double *b = realloc(p->buf, cap * sizeof(*b)), *yb;

		if (b == NULL)
			return -1;
		p->buf = b;
		if ((yb = realloc(p->ybuf, cap * sizeof(*yb))) == NULL)
			return -1;
		p->ybuf = yb;
		p->bufcap = cap;
	}
	if (cells && n + 1 > p->cellcap) {
		size_t cap = n + 1 > 2 * p->cellcap ? n + 1 : 2 * p->cellcap;
		struct oed_cell *c = realloc(p->cells, cap * sizeof(*c));
		void *ys;

		if (c == NULL)
			return -1;
		p->cells = c;
		if ((ys = realloc(p->ys, cap * sizeof(*p->ys))) == NULL)
			return -1;
		p->ys = ys;
		p->cellcap = cap;
	}
	return 0;
}

static int
sig_cmp(const uint64_t *a, const uint64_t *b, unsigned perm)
{
	for (unsigned i = 0; i < perm; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Sort rows and add up the counts of rows whose keys became equal. */
static void
sort_merge(struct oed_row *rows, size_t *n)
{
	size_t k = 0;

	if (*n == 0)
		return;		/* rows may be NULL: qsort must not see it */
	qsort(rows, *n, sizeof(*rows), oed_row_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (k > 0 && oed_row_cmp(&rows[k - 1], &rows[i]) == 0)
			oed_count_add(&rows[k - 1].n, &rows[i].n);
		else
			rows[k++] = rows[i];
	}
	*n = k;
}

struct xyrep {
	uint64_t x, y, rep;
};

static int
xyrep_cmp(const void *a, const void *b)
{
	const struct xyrep *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->y < q->y ? -1 : p->y > q->y;
}

/*
 * --cluster: within each input, outputs whose signatures are close enough
 * are one class, named by the member with the smallest signature (so the
 * name does not depend on the order of anything).  Rewrites the rows of
 * v (sorted by (x, y)) and the zxy rows, sorted again and merged.
 */
static int
cluster_rows(struct oed_engine *e, struct view *v, struct oed_err *err)
{
	unsigned perm = e->mh.perm;
	struct xyrep *map = malloc((v->nrows + 1) * sizeof(*map));
	uint64_t *sigs = malloc(((size_t)v->nrows + 1) * perm * sizeof(*sigs));
	uint32_t *cl = malloc((v->nrows + 1) * sizeof(*cl));
	size_t *member = malloc((v->nrows + 1) * sizeof(*member)), *best = malloc((v->nrows + 1) * sizeof(*best));
	size_t nmap;
	int rc = -1;

	if (!map || !sigs || !cl || !member || !best) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (size_t a = 0; a < v->nrows;) {
		size_t b = a, m = 0;

		while (b < v->nrows && v->rows[b].k[0] == v->rows[a].k[0])
			b++;
		/* rows without a signature (missing, no match) stay classes of their own */
		for (size_t i = a; i < b; i++) {
			const uint64_t *sg = oed_sigmap_get(e->sigs, v->rows[i].k[0], v->rows[i].k[1]);

			map[i] = (struct xyrep){ v->rows[i].k[0], v->rows[i].k[1], v->rows[i].k[1] };
			if (sg) {
				memcpy(sigs + m * perm, sg, perm * sizeof(*sigs));
				member[m++] = i;
			}
		}
		if (m > 1) {
			if (oed_cluster_group(&e->mh, sigs, m, e->mh.threshold, cl) == -1) {
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				goto out;
			}
			for (size_t j = 0; j < m; j++)
				best[j] = SIZE_MAX;
			for (size_t j = 0; j < m; j++) {
				size_t c = cl[j];

				if (best[c] == SIZE_MAX ||
				    sig_cmp(sigs + j * perm, sigs + best[c] * perm, perm) < 0)
					best[c] = j;
			}
			for (size_t j = 0; j < m; j++)
				map[member[j]].rep = v->rows[member[best[cl[j]]]].k[1];
		}
		a = b;
	}
	nmap = v->nrows;
	for (size_t i = 0; i < v->nrows; i++)
		v->rows[i].k[1] = map[i].rep;
	sort_merge(v->rows, &v->nrows);
	/* the same classes in the (z, x, y) rows; map is sorted by (x, y) */
	for (size_t i = 0; i < v->nzrows; i++) {
		struct xyrep key = { v->zrows[i].k[1], v->zrows[i].k[2], 0 };
		struct xyrep *hit = bsearch(&key, map, nmap, sizeof(*map), xyrep_cmp);

		if (hit)
			v->zrows[i].k[2] = hit->rep;
	}
	sort_merge(v->zrows, &v->nzrows);
	/* and in the waste classes, merged when settled */
	for (size_t i = 0; e->p.waste && i < e->waste.used; i++) {
		struct xyrep key = { e->waste.cell[i].x, e->waste.cell[i].y, 0 };
		struct xyrep *hit = bsearch(&key, map, nmap, sizeof(*map), xyrep_cmp);

		if (hit)
			e->waste.cell[i].y = hit->rep;
	}
	rc = 0;
out:
	free(map);
	free(sigs);
	free(cl);
	free(member);
	free(best);
	return rc;
}

static int
prep_init(struct prep *p, struct oed_engine *e, struct oed_err *err)
{
	struct view *v = &p->v;
	struct yref *yr;

	p->e = e;
	p->whole = !e->xy.fractional && !e->zxy.fractional;
	/* the sorted rows are all the results need: they take the tables' memory */
	if (oed_tab_take_sorted(&e->xy, &v->rows, &v->nrows, err) == -1 ||
	    oed_tab_take_sorted(&e->zxy, &v->zrows, &v->nzrows, err) == -1)
		return -1;
	/* the running modes were for the text of each mode: the counts give the modes now */
	oed_map_release(&e->best);
	free(e->bests);
	e->bests = NULL;
	e->nbests = e->capbests = 0;
	if (e->has_mh && cluster_rows(e, v, err) == -1)
		return -1;
	if (e->p.waste)
		oed_waste_tab_settle(&e->waste);
	v->w = malloc((v->nrows + 1) * sizeof(double));
	v->yid = malloc((v->nrows + 1) * sizeof(size_t));
	v->zw = malloc((v->nzrows + 1) * sizeof(double));
	p->zunit = malloc((v->nzrows + 1) * sizeof(size_t));
	p->xrun = malloc((v->nzrows + 1) * sizeof(size_t));
	yr = malloc((v->nrows + 1) * sizeof(*yr));
	v->gstart = runs_of(v->rows, v->nrows, &v->ngroups);
	v->zstart = runs_of(v->zrows, v->nzrows, &v->nslices);
	if (!v->w || !v->yid || !v->zw || !p->zunit || !p->xrun || !yr || !v->gstart || !v->zstart ||
	    scratch(p, v->nrows > v->nzrows ? v->nrows : v->nzrows, false) == -1) {
		free(yr);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (size_t i = 0; i < v->nrows; i++) {
		v->w[i] = oed_count_value(&v->rows[i].n);
		yr[i] = (struct yref){ v->rows[i].k[1], i };
	}
	oed_sort(yr, v->nrows, sizeof(*yr), yref_cmp);
	for (size_t i = 0; i < v->nrows; i++) {
		if (i > 0 && yr[i].y != yr[i - 1].y)
			v->ny++;
		v->yid[yr[i].row] = v->ny;
	}
	if (v->nrows > 0)
		v->ny++;
	free(yr);
	for (size_t i = 0; i < v->nzrows; i++) {
		size_t lo = 0, hi = v->ngroups;

		v->zw[i] = oed_count_value(&v->zrows[i].n);
		/* the x group of the row, for resampling inputs (groups are in key order) */
		while (lo + 1 < hi) {
			size_t mid = (lo + hi) / 2;

			if (v->rows[v->gstart[mid]].k[0] <= v->zrows[i].k[1])
				lo = mid;
			else
				hi = mid;
		}
		p->zunit[i] = lo;
		p->xrun[i] = i > 0 && v->zrows[i].k[0] == v->zrows[i - 1].k[0] &&
				     v->zrows[i].k[1] == v->zrows[i - 1].k[1] ? p->xrun[i - 1] : i;
	}
	return 0;
}

static int
ycmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * I(X;Y) in nats of rows[0..n) (sorted by their keys kx, ky = kx + 1)
 * with weights w: the plug-in through mi.h, else H(X) + H(Y) - H(X,Y)
 * by the estimator (estimators.h).  mo, when not NULL, receives mi.h's
 * full plug-in result, E[I] included.
 */
static int
table_mi(struct prep *p, const struct oed_row *rows, const double *w, size_t n, int kx,
	 struct oed_mi *mo, double *hx, double *hy, double *mi, struct oed_err *err)
{
	struct oed_mi m;
	size_t k = 0, nx = 0, ny = 0;

	if (scratch(p, n, true) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (w[i] > 0)
			p->cells[k++] = (struct oed_cell){ rows[i].k[kx], rows[i].k[kx + 1], w[i] };
	if (mo || p->est.id == OED_EST_PLUGIN) {
		if (oed_mi_compute(p->cells, k, p->whole, &m, err) == -1)
			return -1;
		if (mo)
			*mo = m;
		if (p->est.id == OED_EST_PLUGIN) {
			*hx = m.h_x;
			*hy = m.h_y;
			*mi = m.mi;
			return 0;
		}
	}
	/* x marginals: cells are sorted by x */
	for (size_t i = 0; i < k;) {
		double s = 0;
		size_t j = i;

		while (j < k && p->cells[j].x == p->cells[i].x)
			s += p->cells[j++].n;
		p->buf[nx++] = s;
		i = j;
	}
	if (est_entropy(&p->est, p->buf, nx, 0, hx, err) == -1)
		return -1;
	for (size_t i = 0; i < k; i++) {
		p->ys[i].y = p->cells[i].y;
		p->ys[i].n = p->cells[i].n;
	}
	qsort(p->ys, k, sizeof(*p->ys), ycmp);
	for (size_t i = 0; i < k;) {
		double s = 0;
		size_t j = i;

		while (j < k && p->ys[j].y == p->ys[i].y)
			s += p->ys[j++].n;
		p->buf[ny++] = s;
		i = j;
	}
	if (est_entropy(&p->est, p->buf, ny, 0, hy, err) == -1)
		return -1;
	return oed_mi_estimate(p->est.id, p->cells, k, 0, 0, mi, err);
}

/* The zxy rows of v with positive weight as mi.h cells; their count, SIZE_MAX on error. */
static size_t
xyz_cells(struct prep *p, const struct view *v, struct oed_err *err)
{
	size_t k = 0;

	if (v->nzrows + 1 > p->xyzcap) {
		struct oed_xyz *c = realloc(p->xyz, (v->nzrows + 1) * sizeof(*c));

		if (c == NULL) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			return SIZE_MAX;
		}
		p->xyz = c;
		p->xyzcap = v->nzrows + 1;
	}
	for (size_t i = 0; i < v->nzrows; i++)
		if (v->zw[i] > 0)
			p->xyz[k++] = (struct oed_xyz){ v->zrows[i].k[1], v->zrows[i].k[2], v->zrows[i].k[0],
							v->zw[i] };
	return k;
}

/*
 * I(X;Y|Z) in nats from the zxy rows of v: the plug-in sum_z p(z)
 * I(X;Y|Z=z) through mi.h, else H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) by the
 * estimator (estimators.h).
 */
static int
cond_mi(struct prep *p, const struct view *v, double *out, struct oed_err *err)
{
	size_t k = xyz_cells(p, v, err);

	if (k == SIZE_MAX)
		return -1;
	if (p->est.id == OED_EST_PLUGIN)
		return oed_cmi(p->xyz, k, out, err);
	return oed_cmi_estimate(p->est.id, p->xyz, k, 0, 0, 0, out, err);
}

/*
 * --capacity: the channel capacity from actions to next states at each
 * state (capacity.h), and its mean over states weighted by p(s), in nats.
 * The states' results stay in p->states for the per-state records.
 */
static int
capacity_mean(struct prep *p, const struct view *v, double *out, struct oed_err *err)
{
	size_t k = xyz_cells(p, v, err);
	double total = 0, sum = 0;

	if (k == SIZE_MAX)
		return -1;
	free(p->states);
	p->states = NULL;
	p->nstates = 0;
	if (oed_empowerment(p->xyz, k, p->tol, p->max_iter, p->progress, &p->states, &p->nstates,
			    err) == -1)
		return -1;
	for (size_t i = 0; i < p->nstates; i++) {
		total += p->states[i].n;
		sum += p->states[i].n * p->states[i].c.capacity;
	}
	*out = total > 0 ? sum / total : 0;
	return 0;
}

/*
 * Every quantity the engine reports, in nats (NMI and AMI as ratios),
 * from a view; NAN where a quantity does not apply.
 */
static int
compute(struct prep *p, const struct view *v, double *q, struct oed_err *err)
{
	const struct oed_engine *e = p->e;
	double total = 0;

	for (int i = 0; i < Q_COUNT; i++)
		q[i] = NAN;
	if (e->emp) {
		if (cond_mi(p, v, &q[Q_EMP], err) == -1)
			return -1;
		return p->capacity ? capacity_mean(p, v, &q[Q_CAP], err) : 0;
	}
	if (scratch(p, v->nrows + v->ny, false) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < v->nrows; i++)
		total += v->w[i];
	if (e->p.kind == OED_ENGINE_ENTROPY) {
		double hyx = 0;
		size_t nx = 0;

		memset(p->ybuf, 0, (v->ny + 1) * sizeof(double));
		for (size_t i = 0; i < v->nrows; i++)
			p->ybuf[v->yid[i]] += v->w[i];
		if (est_entropy(&p->est, p->ybuf, v->ny, p->est.k, &q[Q_HY], err) == -1)
			return -1;
		if (e->p.x == NULL)
			return 0;
		for (size_t g = 0; g < v->ngroups; g++) {
			size_t a = v->gstart[g], b = v->gstart[g + 1];
			double ng = 0, hg;

			for (size_t i = a; i < b; i++)
				ng += v->w[i];
			if (ng <= 0)
				continue;
			if (est_entropy(&p->est, v->w + a, b - a, p->est.k, &hg, err) == -1)
				return -1;
			hyx += ng * hg;
			p->buf[nx++] = ng;
		}
		if (est_entropy(&p->est, p->buf, nx, 0, &q[Q_HX], err) == -1)
			return -1;
		q[Q_HYX] = total > 0 ? hyx / total : 0;
		q[Q_MI] = q[Q_HY] - q[Q_HYX];
		return 0;
	} else {
		struct oed_mi m = { 0 };
		double hx, hy, mi;

		if (table_mi(p, v->rows, v->w, v->nrows, 0, &m, &hx, &hy, &mi, err) == -1)
			return -1;
		q[Q_HX] = hx;
		q[Q_HY] = hy;
		q[Q_MI] = mi;
		/* the plug-in's rounding may leave -1e-17 where the truth is 0 */
		q[Q_HXY_COND] = p->est.id == OED_EST_PLUGIN ? fmax(hx - mi, 0) : hx - mi;
		q[Q_HYX] = p->est.id == OED_EST_PLUGIN ? fmax(hy - mi, 0) : hy - mi;
		q[Q_VI] = p->est.id == OED_EST_PLUGIN ? fmax(hx + hy - 2 * mi, 0) : hx + hy - 2 * mi;
		q[Q_NMI] = m.nmi[p->avg];
		/* E[I] counts records: fractional weights leave it undefined */
		q[Q_EMI] = p->whole ? m.emi : NAN;
		q[Q_AMI] = p->whole ? m.ami[p->avg] : NAN;
		if (e->has_z)
			return cond_mi(p, v, &q[Q_CMI], err);
		return 0;
	}
}

/* Make room for n rows (xy) and nz rows (zxy) in the replicate. */
static int
replicate_room(struct prep *p, size_t n, size_t nz)
{
	struct view *r = &p->rv;

	if (n > p->rcap) {
		size_t cap = n > 2 * p->rcap ? n : 2 * p->rcap;
		void *a = realloc(r->rows, cap * sizeof(*r->rows)), *b, *c, *d;

		if (a)
			r->rows = a;
		b = realloc(r->w, cap * sizeof(*r->w));
		if (b)
			r->w = b;
		c = realloc(r->yid, cap * sizeof(*r->yid));
		if (c)
			r->yid = c;
		d = realloc(r->gstart, (cap + 1) * sizeof(*r->gstart));
		if (d)
			r->gstart = d;
		if (!a || !b || !c || !d)
			return -1;
		p->rcap = cap;
	}
	if (nz > p->rzcap) {
		size_t cap = nz > 2 * p->rzcap ? nz : 2 * p->rzcap;
		void *a = realloc(r->zrows, cap * sizeof(*r->zrows)), *b;

		if (a)
			r->zrows = a;
		b = realloc(r->zw, cap * sizeof(*r->zw));
		if (b)
			r->zw = b;
		if (!a || !b)
			return -1;
		p->rzcap = cap;
	}
	return 0;
}

/*
 * A replicate that resamples inputs: input g drawn m times is m inputs of
 * its own (numbered copies, in the order of g), as a cluster bootstrap
 * treats its draws, so H(X) and the marginals of X see m classes, not one
 * class of m times the weight.
 */
static int
replicate_clusters(struct prep *p, const uint64_t *mult)
{
	const struct view *v = &p->v;
	struct view *r = &p->rv;
	size_t n = 0, nz = 0, *first;
	uint64_t c = 0;

	for (size_t g = 0; g < v->ngroups; g++)
		n += (size_t)mult[g] * (v->gstart[g + 1] - v->gstart[g]);
	for (size_t i = 0; i < v->nzrows; i++)
		nz += (size_t)mult[p->zunit[i]];
	if (replicate_room(p, n + 1, nz + 1) == -1 ||
	    (first = malloc((v->ngroups + 1) * sizeof(*first))) == NULL)
		return -1;
	r->nrows = 0;
	r->ngroups = 0;
	r->ny = v->ny;
	for (size_t g = 0; g < v->ngroups; g++) {
		first[g] = (size_t)c;
		for (uint64_t m = 0; m < mult[g]; m++, c++) {
			r->gstart[r->ngroups++] = r->nrows;
			for (size_t i = v->gstart[g]; i < v->gstart[g + 1]; i++) {
				r->rows[r->nrows] = v->rows[i];
				r->rows[r->nrows].k[0] = c;
				r->w[r->nrows] = v->w[i];
				r->yid[r->nrows++] = v->yid[i];
			}
		}
	}
	r->gstart[r->ngroups] = r->nrows;
	/* zxy: within each slice, each (z, x) run repeated per copy keeps (z, copy, y) order */
	r->nzrows = 0;
	for (size_t i = 0; i < v->nzrows;) {
		size_t j = i, g = p->zunit[i];

		while (j < v->nzrows && p->xrun[j] == i)
			j++;
		for (uint64_t m = 0; m < mult[g]; m++)
			for (size_t t = i; t < j; t++) {
				r->zrows[r->nzrows] = v->zrows[t];
				r->zrows[r->nzrows].k[1] = first[g] + m;
				r->zw[r->nzrows++] = v->zw[t];
			}
		i = j;
	}
	free(first);
	/* slices are the same z keys as the counts' */
	r->zstart = v->zstart;
	r->nslices = v->nslices;
	return 0;
}

/* The bootstrap's statistic: the replicate, then compute(). */
static int
boot_stat(void *ctx, const uint64_t *mult, double *out, struct oed_err *err)
{
	struct prep *p = ctx;
	const struct view *v = &p->v;
	struct view *r = &p->rv;

	if (p->e->emp || p->e->p.x == NULL) {
		/* records: the same rows, drawn counts as weights */
		size_t n = p->e->emp ? v->nzrows : v->nrows;
		double *w = malloc((n + 1) * sizeof(*w));
		struct view tmp = *v;
		int rc;

		if (w == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		for (size_t i = 0; i < n; i++)
			w[i] = (double)mult[i];
		if (p->e->emp)
			tmp.zw = w;
		else
			tmp.w = w;
		rc = compute(p, &tmp, out, err);
		free(w);
		return rc;
	}
	if (replicate_clusters(p, mult) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return compute(p, r, out, err);
}

/* ---- per-input records ---- */


static int
group_by_h(const void *a, const void *b)
{
	const struct group *p = a, *q = b;

	/* least consistent first, then larger groups, then key: a total order */
	if (p->h != q->h)
		return p->h > q->h ? -1 : 1;
	if (p->n != q->n)
		return p->n > q->n ? -1 : 1;
	return p->x < q->x ? -1 : p->x > q->x;
}

static int
group_by_name(const void *a, const void *b)
{
	const struct group *p = a, *q = b;
	int c;

	/* the missing class (no name) last */
	if (p->name == NULL || q->name == NULL)
		return (p->name == NULL) - (q->name == NULL);
	if ((c = strcmp(p->name, q->name)) != 0)
		return c;
	return p->x < q->x ? -1 : p->x > q->x;
}

static int
put_groups(struct oed_results *res, struct prep *p, const struct oed_engine_opts *o,
	   struct oed_err *err)
{
	struct oed_engine *e = (struct oed_engine *)p->e;
	struct group *g = malloc((p->v.ngroups + 1) * sizeof(*g));
	size_t limit = p->v.ngroups;

	if (g == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	/* the results keep the text the groups point to */
	res->names = e->names;
	res->inputs = e->inputs;
	res->modes = e->modes;
	oed_names_init(&e->names);
	oed_names_init(&e->inputs);
	oed_names_init(&e->modes);
	size_t wc = 0;		/* the waste cells, sorted by input like the groups */

	for (size_t i = 0; i < p->v.ngroups; i++) {
		size_t a = p->v.gstart[i], b = p->v.gstart[i + 1], best = a;

		g[i].x = p->v.rows[a].k[0];
		g[i].n = 0;
		for (size_t j = a; j < b; j++) {
			g[i].n += p->v.w[j];
			/* rows are in class order: the first of the largest is the smallest key */
			if (p->v.w[j] > p->v.w[best])
				best = j;
		}
		g[i].distinct = b - a;
		g[i].mode_n = p->v.w[best];
		if (est_entropy(&p->est, p->v.w + a, b - a, p->est.k, &g[i].h, err) == -1) {
			free(g);
			return -1;
		}
		g[i].h /= p->log_base;
		g[i].name = g[i].x == e->missing_key ? NULL : oed_names_get(&res->names, g[i].x);
		g[i].input = oed_names_get(&res->inputs, g[i].x);
		g[i].mode = oed_names_get(&res->modes, oed_pair_key(g[i].x, p->v.rows[best].k[1]));
		g[i].missing = g[i].x == e->missing_key;
		g[i].has_waste = e->p.waste;
		memset(&g[i].waste, 0, sizeof(g[i].waste));
		if (e->p.waste) {
			size_t c0;

			while (wc < e->waste.used && e->waste.cell[wc].x < g[i].x)
				wc++;
			for (c0 = wc; wc < e->waste.used && e->waste.cell[wc].x == g[i].x; wc++)
				;
			oed_waste_sum_cells(&g[i].waste, e->waste.cell + c0, wc - c0);
		}
	}
	if (o->top) {
		qsort(g, p->v.ngroups, sizeof(*g), group_by_h);
		if (o->top < limit)
			limit = o->top;
	} else {
		qsort(g, p->v.ngroups, sizeof(*g), group_by_name);
	}
	res->groups = g;
	res->ngroups = limit;
	return 0;
}

struct state_rec {
	uint64_t z;
	size_t a, b;		/* its zxy rows */
	const char *name;
};

static int
state_by_name(const void *a, const void *b)
{
	const struct state_rec *p = a, *q = b;
	int c;

	if (p->name == NULL || q->name == NULL)
		return (p->name == NULL) - (q->name == NULL);
	if ((c = strcmp(p->name, q->name)) != 0)
		return c;
	return p->z < q->z ? -1 : p->z > q->z;
}

/*
 * Empowerment --per-group: one mi.state record per state, in the order of
 * their names, with its steps, actions, next states, I(A;S'|S=s) and,
 * under --capacity, the capacity and how Blahut-Arimoto ended there.
 */
static int
put_states(struct oed_results *res, struct prep *p, const struct oed_engine_opts *o,
	   const struct oed_empowerment *caps, size_t ncaps, struct oed_err *err)
{
	const struct view *v = &p->v;
	struct state_rec *st = malloc((v->nslices + 1) * sizeof(*st));
	uint64_t *ys = malloc((v->nzrows + 1) * sizeof(*ys));
	int rc = -1;

	if (st == NULL || ys == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < v->nslices; s++) {
		st[s].a = v->zstart[s];
		st[s].b = v->zstart[s + 1];
		st[s].z = v->zrows[st[s].a].k[0];
		st[s].name = st[s].z == p->e->missing_key ? NULL : oed_names_get(&p->e->names, st[s].z);
	}
	qsort(st, v->nslices, sizeof(*st), state_by_name);
	for (size_t s = 0; s < v->nslices; s++) {
		struct view one = *v;
		size_t a = st[s].a, b = st[s].b, nact = 0, nnext = 0;
		double n = 0, emp;
		const struct oed_empowerment *c = NULL;
		struct rec *r;
		char hex[17];

		for (size_t i = a; i < b; i++) {
			n += v->zw[i];
			nact += i == a || v->zrows[i].k[1] != v->zrows[i - 1].k[1];
			ys[i - a] = v->zrows[i].k[2];
		}
		qsort(ys, b - a, sizeof(*ys), ycmp);
		for (size_t i = 0; i < b - a; i++)
			nnext += i == 0 || ys[i] != ys[i - 1];
		one.zrows = v->zrows + a;
		one.zw = v->zw + a;
		one.nzrows = b - a;
		if (cond_mi(p, &one, &emp, err) == -1)
			goto out;
		for (size_t i = 0; i < ncaps; i++)
			if (caps[i].state == st[s].z)
				c = &caps[i];
		if ((r = rec_new(res, "mi.state")) == NULL)
			break;
		put_str(res, r, "kind", "mi.state");
		if (st[s].name) {
			put_str(res, r, "state", st[s].name);
			r->grp = strdup(st[s].name);
		} else if (st[s].z == p->e->missing_key) {
			item_new(res, r, "state", IT_NULL);
			r->grp_null = true;
		} else {
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)st[s].z);
			put_str(res, r, "state_key", hex);
			r->grp = strdup(hex);
		}
		put_num(res, r, "n", n);
		put_uint(res, r, "actions", nact);
		put_uint(res, r, "next_states", nnext);
		put_num(res, r, "empowerment", emp / p->log_base);
		if (o->capacity && c) {
			struct item *it;

			put_num(res, r, "capacity", c->c.capacity / p->log_base);
			put_num(res, r, "capacity_upper", c->c.upper / p->log_base);
			put_uint(res, r, "iterations", c->c.iterations);
			if ((it = item_new(res, r, "converged", IT_BOOL)) != NULL)
				it->v = c->c.converged;
		}
	}
	rc = 0;
out:
	free(st);
	free(ys);
	return rc;
}

/* ---- the results ---- */

static double
log_base_of(const char *base)
{
	if (strcmp(base, "e") == 0)
		return 1;
	if (strcmp(base, "10") == 0)
		return log(10);
	return log(2);
}

int
oed_engine_check_opts(const struct oed_engine *e, const struct oed_engine_opts *o, struct oed_err *err)
{
	enum oed_estimator id = OED_EST_PLUGIN;
	enum oed_average avg;
	bool fractional = e->xy.fractional || e->zxy.fractional;

	if (o->estimator && oed_estimator_parse(o->estimator, &id, err) == -1)
		return -1;
	if (o->average && oed_average_parse(o->average, &avg, err) == -1)
		return -1;
	if (strcmp(o->base, "2") != 0 && strcmp(o->base, "e") != 0 && strcmp(o->base, "10") != 0)
		return oed_err_set(err, OED_EX_USAGE, "--base: '%s' is not 2, e or 10", o->base);
	if (e->p.kind == OED_ENGINE_MI && o->per_group && !e->emp)
		return oed_err_set(err, OED_EX_USAGE, "--per-group gives one record per state: it needs --action, --state and --next");
	if (e->p.kind == OED_ENGINE_ENTROPY && (o->per_group || o->top) && e->p.x == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--per-group and --top need an input field (-x)");
	if (o->capacity && !e->emp)
		return oed_err_set(err, OED_EX_USAGE, "--capacity needs --action, --state and --next");
	if (o->capacity && (!(o->tolerance > 0) || o->max_iter < 1 || o->max_iter > 100000000))
		return oed_err_set(err, OED_EX_USAGE, "--tolerance must be above 0 and --max-iter from 1 to 100000000");
	if (o->ci != 0 && !(o->ci > 0 && o->ci < 1))
		return oed_err_set(err, OED_EX_USAGE, "--ci: the level is between 0 and 1, like 0.95");
	if (o->classes && !oed_estimator_uses_k(id))
		return oed_err_set(err, OED_EX_USAGE,
				   "--classes: the %s estimator does not depend on the number of classes",
				   oed_estimator_name(id));
	if (fractional && oed_estimator_needs_integers(id))
		return oed_err_set(err, OED_EX_USAGE,
				   "--estimator %s needs whole counts, and the weights in '%s' are fractional",
				   oed_estimator_name(id), e->p.w ? e->p.w : "?");
	if (fractional && o->ci > 0 && (e->emp || e->p.x == NULL))
		return oed_err_set(err, OED_EX_USAGE,
				   "--ci resamples records here, which needs whole counts, and the weights in '%s' are fractional",
				   e->p.w ? e->p.w : "?");
	return 0;
}

static void
put_lengths(struct oed_results *res, struct rec *r, const char *key, const char *encoding,
	    const struct oed_lenhist *h, struct oed_err *err, int *rc)
{
	struct oed_lenbin *bins;
	struct oed_lensummary st;
	size_t n;

	if (oed_lenhist_bins(h, &bins, &n, err) == -1) {
		*rc = -1;
		return;
	}
	if (n > 0) {
		oed_lenhist_summary(bins, n, &st);
		item_new(res, r, key, IT_OBJ);
		if (encoding)
			put_str(res, r, "encoding", encoding);
		put_num(res, r, "mean", st.mean);
		put_num(res, r, "sd", st.sd);
		put_num(res, r, "min", st.min);
		put_num(res, r, "p50", st.p50);
		put_num(res, r, "p90", st.p90);
		put_num(res, r, "p99", st.p99);
		put_num(res, r, "max", st.max);
		item_new(res, r, NULL, IT_END);
	}
	free(bins);
}

/* The run's parameters as JSON for the store: the state's and the result options. */
static char *
run_params(const struct oed_engine *e, const struct oed_engine_opts *o, const char *est)
{
	json_t *j = oed_engine_params_json(&e->p);
	char *s;

	if (j == NULL)
		return NULL;
	json_object_set_new(j, "estimator", json_string(est));
	json_object_set_new(j, "base", json_string(o->base));
	if (o->classes)
		json_object_set_new(j, "classes", json_integer((json_int_t)o->classes));
	if (e->p.kind == OED_ENGINE_MI)
		json_object_set_new(j, "average", json_string(o->average ? o->average : "arithmetic"));
	if (o->ci > 0) {
		json_object_set_new(j, "ci", json_real(o->ci));
		json_object_set_new(j, "bootstrap", json_integer((json_int_t)o->bootstrap));
		json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
	}
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/*
 * Keep basic intervals in the range of their quantity: entropies and VI
 * (and, for the plug-in, MI, CMI, empowerment and capacity) are never
 * negative, NMI is in [0, 1], AMI at most 1.
 */
static void
clip_bounds(double *lo, double *hi, bool plugin)
{
	for (int i = 0; i < Q_COUNT; i++) {
		bool nonneg = i == Q_HX || i == Q_HY || i == Q_HYX || i == Q_HXY_COND || i == Q_VI ||
			      i == Q_NMI || i == Q_EMI || (plugin && (i == Q_MI || i == Q_CMI ||
								      i == Q_EMP || i == Q_CAP));

		if (nonneg && lo[i] < 0)
			lo[i] = 0;
		if (nonneg && hi[i] < 0)
			hi[i] = 0;
		if ((i == Q_NMI || i == Q_AMI) && hi[i] > 1)
			hi[i] = 1;
		if (i == Q_NMI && lo[i] > 1)
			lo[i] = 1;
	}
}

struct oed_results *
oed_engine_results(struct oed_engine *e, const struct oed_engine_opts *o, struct oed_err *err)
{
	struct oed_results *res = calloc(1, sizeof(*res));
	double q[Q_COUNT], lo[Q_COUNT], hi[Q_COUNT], n = oed_count_value(e->emp ? &e->zxy.total : &e->xy.total);
	bool ci = o->ci > 0 && o->bootstrap > 0;
	struct prep p;
	struct rec *r;
	const char *est_name;
	struct oed_empowerment *states = NULL;
	size_t nstates = 0;
	double lb;
	char ci_note[256] = "";
	int rc = 0;

	if (res == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	if (oed_engine_check_opts(e, o, err) == -1 || prep_init(&p, e, err) == -1)
		goto fail;
	p.est.id = OED_EST_PLUGIN;
	if (o->estimator)
		oed_estimator_parse(o->estimator, &p.est.id, err);
	p.est.k = (double)o->classes;
	p.avg = OED_AVG_ARITHMETIC;
	if (o->average)
		oed_average_parse(o->average, &p.avg, err);
	p.log_base = lb = log_base_of(o->base);
	est_name = oed_estimator_name(p.est.id);

	p.capacity = o->capacity;
	p.tol = o->tolerance * lb;
	p.max_iter = (unsigned)o->max_iter;
	p.progress = o->progress;
	if (compute(&p, &p.v, q, err) == -1)
		goto fail;
	p.progress = NULL;	/* the replicates are shown by the bootstrap */
	/* the states of the counts, not of the last replicate */
	states = p.states;
	nstates = p.nstates;
	p.states = NULL;
	p.nstates = 0;
	for (int i = 0; i < Q_COUNT; i++)
		lo[i] = hi[i] = NAN;
	if (ci) {
		struct oed_boot b = { .scheme = OED_BOOT_CLUSTERS, .nunits = p.v.ngroups,
				      .replicates = o->bootstrap, .level = o->ci, .seed = o->seed,
				      .estimate = q, .progress = o->progress };
		uint64_t *counts = NULL;

		if (e->emp || e->p.x == NULL) {
			/* no inputs to resample: records, drawn from the rows */
			const struct oed_row *rows = e->emp ? p.v.zrows : p.v.rows;

			b.scheme = OED_BOOT_RECORDS;
			b.nunits = e->emp ? p.v.nzrows : p.v.nrows;
			if ((counts = malloc((b.nunits + 1) * sizeof(*counts))) == NULL) {
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				goto fail;
			}
			for (size_t i = 0; i < b.nunits; i++)
				counts[i] = rows[i].n.whole;
			b.counts = counts;
		}
		rc = oed_bootstrap(&b, Q_COUNT, boot_stat, &p, lo, hi, err);
		free(counts);
		if (rc == -1)
			goto fail;
		clip_bounds(lo, hi, p.est.id == OED_EST_PLUGIN);
	}

	/* the summary record, keys in a stable order */
	r = rec_new(res, e->p.kind == OED_ENGINE_MI ? "mi" : "entropy");
	put_str(res, r, "kind", e->p.kind == OED_ENGINE_MI ? "mi" : "entropy");
	put_num(res, r, "n", n);
	if (e->emp) {
		put_str(res, r, "action", e->p.action);
		put_str(res, r, "state", e->p.state);
		put_str(res, r, "next", e->p.next);
	} else {
		if (e->p.x)
			put_str(res, r, "x", e->p.x);
		put_str(res, r, "y", e->p.y);
		if (e->p.z)
			put_str(res, r, "z", e->p.z);
	}
	if (e->p.w)
		put_str(res, r, "w", e->p.w);
	put_str(res, r, "estimator", est_name);
	if (o->classes)
		put_uint(res, r, "classes", o->classes);
	put_str(res, r, "base", o->base);
	if (e->p.kind == OED_ENGINE_MI && !e->emp)
		put_str(res, r, "average", oed_average_name(p.avg));
	if (e->p.normalize)
		put_str(res, r, "normalize", e->p.normalize);
	if (e->p.extract)
		put_str(res, r, "extract", e->p.extract);
	if (e->p.cluster) {
		put_str(res, r, "cluster", e->p.cluster);
		put_uint(res, r, "cluster_seed", e->p.cluster_seed);
		r->it[r->n - 1].metric = false;
	}
	if (e->p.cluster_field)
		put_str(res, r, "cluster_field", e->p.cluster_field);
	if (ci) {
		put_num(res, r, "ci", o->ci);
		r->it[r->n - 1].metric = false;
		put_uint(res, r, "bootstrap", o->bootstrap);
		r->it[r->n - 1].metric = false;
		put_uint(res, r, "seed", o->seed);
		r->it[r->n - 1].metric = false;
		put_str(res, r, "ci_method", "basic");
	}
#define Q(key, i) (put_q(res, r, key, q[i] / lb, ci, lo[i] / lb, hi[i] / lb), no_interval(ci_note, key, i))
#define R(key, i) (put_q(res, r, key, q[i], ci, lo[i], hi[i]), no_interval(ci_note, key, i))
#define no_interval(buf, key, i) \
	((void)(ci && isfinite(q[i]) && isnan(lo[i]) && \
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? ", " : "", key)))
	if (e->emp) {
		size_t na = 0;

		for (size_t i = 0; i < p.v.nzrows; i++)
			if (i == 0 || p.v.zrows[i].k[0] != p.v.zrows[i - 1].k[0] || p.v.zrows[i].k[1] != p.v.zrows[i - 1].k[1])
				na++;
		put_uint(res, r, "states", p.v.nslices);
		put_uint(res, r, "state_actions", na);
		Q("empowerment", Q_EMP);
		if (o->capacity) {
			unsigned most = 0;
			size_t open_ = 0;

			for (size_t i = 0; i < nstates; i++) {
				if (states[i].c.iterations > most)
					most = states[i].c.iterations;
				open_ += !states[i].c.converged;
			}
			Q("capacity", Q_CAP);
			put_num(res, r, "capacity_tolerance", o->tolerance);
			put_uint(res, r, "capacity_max_iter", o->max_iter);
			put_uint(res, r, "capacity_iterations", most);
			put_uint(res, r, "capacity_unconverged", open_);
		}
	} else if (e->p.kind == OED_ENGINE_ENTROPY) {
		if (e->p.x) {
			put_uint(res, r, "inputs", p.v.ngroups);
			Q("h_x", Q_HX);
		}
		put_uint(res, r, "distinct_outputs", p.v.ny);
		Q("h_y", Q_HY);
		if (e->p.x) {
			Q("h_y_given_x", Q_HYX);
			Q("mi", Q_MI);
		}
	} else {
		put_uint(res, r, "classes_x", p.v.ngroups);
		put_uint(res, r, "classes_y", p.v.ny);
		Q("h_x", Q_HX);
		Q("h_y", Q_HY);
		Q("mi", Q_MI);
		Q("h_x_given_y", Q_HXY_COND);
		Q("h_y_given_x", Q_HYX);
		R("nmi", Q_NMI);
		if (p.whole) {
			Q("emi", Q_EMI);
			R("ami", Q_AMI);
		}
		Q("vi", Q_VI);
		if (e->has_z) {
			put_uint(res, r, "classes_z", p.v.nslices);
			Q("cmi", Q_CMI);
		}
	}
#undef Q
#undef R
#undef no_interval
	if (ci_note[0]) {
		char note[sizeof(ci_note) + 96];

		snprintf(note, sizeof(note), "no interval for %s: the bootstrap's bias exceeds its spread",
			 ci_note);
		put_str(res, r, "ci_note", note);
	}
	if (e->p.extract) {
		/* the outputs REGEX did not match, a class of their own */
		const struct oed_row *rows = e->emp ? p.v.zrows : p.v.rows;
		size_t nr = e->emp ? p.v.nzrows : p.v.nrows;
		double nm = 0;

		for (size_t i = 0; i < nr; i++)
			if (rows[i].k[e->emp ? 2 : 1] == e->nomatch_key)
				nm += oed_count_value(&rows[i].n);
		put_num(res, r, "no_match", nm);
	}
	if (e->p.kind == OED_ENGINE_MI && !e->emp && !p.whole) {
		char note[300];

		snprintf(note, sizeof(note), "emi and ami are not given: they need whole counts, "
			 "and the weights in '%s' are fractional", e->p.w ? e->p.w : "?");
		put_str(res, r, "note", note);
	}
	if (e->p.kind == OED_ENGINE_ENTROPY) {
		put_lengths(res, r, "length_chars", NULL, &e->chars, err, &rc);
		if (e->p.tokens && rc == 0)
			put_lengths(res, r, "length_tokens", e->p.tokens, &e->tokens, err, &rc);
		if (rc == -1)
			goto fail;
	}
	if (e->p.waste) {
		struct oed_waste_sum ws = { 0, 0, 0 };

		oed_waste_sum_cells(&ws, e->waste.cell, e->waste.used);
		put_num(res, r, "output_tokens", ws.tokens);
		put_num(res, r, "waste_tokens", ws.waste);
		if (ws.tokens > 0)
			put_num(res, r, "waste_ratio", ws.waste / ws.tokens);
		else
			item_new(res, r, "waste_ratio", IT_NULL);
		put_num(res, r, "waste_per_output", ws.outputs > 0 ? ws.waste / ws.outputs : 0);
	}
	if (e->emp && o->per_group && put_states(res, &p, o, states, nstates, err) == -1)
		goto fail;
	if (!e->emp && (o->per_group || o->top) && put_groups(res, &p, o, err) == -1)
		goto fail;
	if ((res->params = run_params(e, o, est_name)) == NULL)
		res->oom = true;
	if (res->oom) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	free(states);
	prep_release(&p);
	return res;
fail:
	free(states);
	prep_release(&p);
	oed_results_free(res);
	return NULL;
}

