/*
 * baseline.c: the oed-drift engine and the run store (see drift.h):
 * --record keeps each feature's reference as a baseline and the findings
 * as metrics; --baseline RUN loads a recorded reference back.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "internal.h"
#include "sortpack.h"
#include "store.h"

/* ---- the run store ---- */

static int
metric(struct oed_store *s, int64_t run, const char *test, const char *what, const char *grp,
       double v, struct oed_err *err)
{
	char name[96];

	if (test)
		snprintf(name, sizeof(name), "%s/%s", test, what);
	else
		snprintf(name, sizeof(name), "%s", what);
	return oed_metric_add(s, run, name, grp, v, NAN, NAN, err);
}

static void
group_name(char *out, size_t size, const char *name, bool windowed, int64_t start)
{
	char a[OED_RFC3339_SIZE];

	if (!windowed) {
		snprintf(out, size, "%s", name);
		return;
	}
	oed_drift_window_text(start, a);
	snprintf(out, size, "%s@%s", name, a);
}

/* What a later --baseline needs of a feature's reference, as JSON (caller decrefs). */
/* Set key of obj to v (stolen), or note a failure: jansson answers NULL or -1 when out of memory. */
static void
put(json_t *obj, const char *key, json_t *v, bool *bad)
{
	if (v == NULL || json_object_set_new(obj, key, v) == -1)
		*bad = true;
}

static void
push(json_t *arr, json_t *v, bool *bad)
{
	if (v == NULL || json_array_append_new(arr, v) == -1)
		*bad = true;
}

/* What --baseline needs of f's reference, as JSON (caller decrefs); NULL when out of memory. */
static json_t *
baseline_json(struct oed_drift *d, struct feature *f, size_t seq)
{
	struct sample *s = &f->s[REF];
	json_t *j = json_object(), *a;
	bool bad = j == NULL;

	if (bad)
		return NULL;
	/* version 2 packs numeric values (sortpack.h); version 1 listed them */
	put(j, "version", json_integer(2), &bad);
	put(j, "seq", json_integer((json_int_t)seq), &bad);
	put(j, "field", json_string(f->field->spec.path), &bad);
	if (f->derived != D_NONE)
		put(j, "derived", json_string(oed_drift_derived_names[f->derived]), &bad);
	if (f->derived == D_TOKENS)
		put(j, "encoding", json_string(d->o.tok_name), &bad);
	put(j, "missing", json_integer((json_int_t)f->field->missing[REF]), &bad);
	switch (f->holds) {
	case H_NUM: {
		size_t bound = d->o.baseline_values ? d->o.baseline_values : OED_DRIFT_BASELINE_VALUES;
		size_t keep = s->n > bound ? bound : s->n;
		double *kept = s->x;
		char *packed = NULL;

		if (oed_drift_sample_sort(s, &(struct oed_err){ 0 }) == -1) {
			json_decref(j);
			return NULL;
		}
		put(j, "n", json_integer((json_int_t)s->n), &bad);
		/* above the bound, evenly spaced order statistics stand for the sample */
		put(j, "exact", json_boolean(keep == s->n), &bad);
		put(j, "kept", json_integer((json_int_t)keep), &bad);
		if (keep < s->n && (kept = malloc(keep * sizeof(*kept))) != NULL)
			for (size_t i = 0; i < keep; i++)
				kept[i] = s->x[(size_t)(((double)i + 0.5) * (double)s->n / (double)keep)];
		/* an empty reference packs to "" */
		if (keep == 0 || kept != NULL)
			packed = oed_sortpack_encode(kept, keep);
		if (kept != s->x)
			free(kept);
		put(j, "packed", packed ? json_string(packed) : NULL, &bad);
		free(packed);
		break;
	}
	case H_CAT:
		/* [name, count] pairs, not an object: a name may hold a NUL, which keys cannot */
		put(j, "n", json_integer((json_int_t)s->total), &bad);
		if ((a = json_array()) == NULL)
			bad = true;
		for (size_t i = 0; a && i < oed_strdict_size(&f->dict); i++)
			if (i < s->ncnt && s->cnt[i]) {
				size_t len;
				const char *name = oed_strdict_name(&f->dict, (uint32_t)i, &len);

				push(a, json_pack("[s%I]", name, len, (json_int_t)s->cnt[i]), &bad);
			}
		put(j, "categories", a, &bad);
		put(j, "other", json_integer((json_int_t)s->other), &bad);
		break;
	case H_VEC:
		put(j, "n", json_integer((json_int_t)s->total), &bad);
		put(j, "dim", json_integer((json_int_t)f->dim), &bad);
		if ((a = json_array()) == NULL)
			bad = true;
		/* a sum past the largest double is null: the mean tests then say it overflowed */
		for (size_t k = 0; a && s->colsum && k < f->dim; k++)
			push(a, isfinite(s->colsum[k]) ? json_real(s->colsum[k]) : json_null(), &bad);
		put(j, "sum", a, &bad);
		if ((a = json_array()) == NULL)
			bad = true;
		for (size_t i = 0; a && i < s->n; i++) {
			json_t *row = json_array();

			for (size_t k = 0; row && k < f->dim; k++)
				push(row, json_real(s->x[i * f->dim + k]), &bad);
			push(a, row, &bad);
		}
		put(j, "rows", a, &bad);
		break;
	}
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
store_baselines(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s,
		"INSERT INTO drift_baselines (run_id, feature, kind, summary) VALUES (?, ?, ?, ?)", err);
	size_t seq = 0;
	int rc = 0;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < d->nfields && rc == 0; i++) {
		struct field *fl = d->fields[i];
		bool ref_empty = true, typed;
		size_t rows;

		for (size_t j = 0; j < fl->nfeat; j++)
			ref_empty &= oed_drift_sample_size(fl->feat[j], REF) == 0;
		/*
		 * A reference that never held the field did not tell its kind
		 * (the current records did, or nothing did): one row says so,
		 * kind auto, unless --field forced the kind.
		 */
		typed = fl->nfeat > 0 && !(ref_empty && fl->spec.kind == OED_FK_AUTO);

		rows = typed ? fl->nfeat : 1;
		for (size_t j = 0; j < rows && rc == 0; j++) {
			json_t *js = typed ? baseline_json(d, fl->feat[j], seq++) :
				     json_pack("{s:i, s:I, s:s, s:I, s:i}", "version", 2, "seq", (json_int_t)seq++,
					       "field", fl->spec.path, "missing", (json_int_t)fl->missing[REF],
					       "n", 0);
			char *text = js ? json_dumps(js, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;

			json_decref(js);
			if (text == NULL) {
				rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
				break;
			}
			sqlite3_bind_int64(st, 1, run);
			sqlite3_bind_text(st, 2, typed ? fl->feat[j]->name : fl->spec.path, -1,
					  SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, typed ? oed_fkind_name(fl->kind) : "auto", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 4, text, -1, free);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = oed_store_fail(s, err, "saving a baseline");
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
oed_drift_store(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err)
{
	char grp[512];
	size_t k = 0;

	for (size_t i = 0; i < d->nres; i++) {
		const struct oed_drift_finding *r = &d->res[i];

		if (r->test == NULL || isnan(r->statistic))
			continue;
		group_name(grp, sizeof(grp), r->feature, r->windowed, r->window_start);
		if (metric(s, run, r->test, "statistic", grp, r->statistic, err) == -1 ||
		    (!isnan(r->p_value) && metric(s, run, r->test, "p_value", grp, r->p_value, err) == -1) ||
		    /* so a report of the stored run draws the line the verdict was drawn at */
		    (!isnan(r->threshold) && metric(s, run, r->test, "threshold", grp, r->threshold, err) == -1) ||
		    metric(s, run, r->test, "drift", grp, r->drift, err) == -1 ||
		    metric(s, run, NULL, "n_ref", grp, (double)r->n_ref, err) == -1 ||
		    metric(s, run, NULL, "n_cur", grp, (double)r->n_cur, err) == -1)
			return -1;
	}
	for (; k < d->nsums; k++) {
		const struct summary *sm = &d->sums[k];

		group_name(grp, sizeof(grp), "drift.summary", sm->windowed, sm->window_start);
		if (metric(s, run, NULL, "features", grp, (double)sm->features, err) == -1 ||
		    metric(s, run, NULL, "drifted", grp, (double)sm->drifted, err) == -1 ||
		    metric(s, run, NULL, "share", grp, oed_drift_summary_share(sm), err) == -1 ||
		    metric(s, run, NULL, "dataset_drift", grp, oed_drift_summary_drift(d, sm), err) == -1)
			return -1;
	}
	/* a reference read from records is kept; one loaded from a baseline already is */
	if (d->have_ref && !d->from_baseline)
		return store_baselines(d, s, run, err);
	return 0;
}
/* ---- --baseline RUN ---- */

/* A count a baseline row gives: key of j is an integer of at least min, into *out. */
static bool
stored_count(const json_t *j, const char *key, uint64_t min, uint64_t *out)
{
	const json_t *v = json_object_get(j, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < min)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static int
load_numeric(struct feature *f, json_t *j, struct oed_err *err)
{
	json_t *vals = json_object_get(j, "values"), *packed = json_object_get(j, "packed"), *v;
	json_int_t kept = json_integer_value(json_object_get(j, "kept"));
	struct sample *s = &f->s[REF];
	size_t i;

	if (json_is_string(packed)) {
		if (kept < 0 || (size_t)kept > json_string_length(packed))	/* a value takes a byte at least */
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
		if ((s->x = malloc(((size_t)kept ? (size_t)kept : 1) * sizeof(*s->x))) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		s->cap = kept ? (size_t)kept : 1;
		if (oed_sortpack_decode(json_string_value(packed), json_string_length(packed), s->x,
					(size_t)kept) == -1)
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
		s->n = (size_t)kept;
		s->sorted = true;
	} else if (json_is_array(vals)) {
		json_array_foreach(vals, i, v) {
			double x = json_number_value(v);

			if (!json_is_number(v) || !isfinite(x))
				return oed_err_set(err, OED_EX_DATA, "baseline of '%s' holds a value that is not "
						   "a number", f->name);
			if (oed_drift_sample_push(s, &x, 1) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
	} else {
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' has no values", f->name);
	}
	if (!stored_count(j, "n", s->n, &f->base_n))
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
	return 0;
}

/* One category of a baseline and its count into the reference. */
static int
load_category(struct feature *f, const char *name, size_t len, json_t *v, struct oed_err *err)
{
	int64_t id;

	if (name == NULL || !json_is_integer(v) || json_integer_value(v) <= 0)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s': a count is not a positive integer",
				   f->name);
	/* counts past 2^53 would not even add exactly as the tests' doubles */
	if (json_integer_value(v) > (json_int_t)1 << 53 ||
	    f->s[REF].total + (uint64_t)json_integer_value(v) > UINT64_C(1) << 53)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s': the counts are too large", f->name);
	if ((id = oed_strdict_id(&f->dict, name, len)) == -1 ||
	    oed_drift_sample_count(&f->s[REF], id, (uint64_t)json_integer_value(v)) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

static int
load_categorical(struct feature *f, json_t *j, struct oed_err *err)
{
	json_t *cats = json_object_get(j, "categories"), *v;
	const char *key;
	json_int_t other = json_integer_value(json_object_get(j, "other"));
	size_t i;

	if (json_is_array(cats)) {
		json_array_foreach(cats, i, v) {
			json_t *name = json_array_get(v, 0);

			if (load_category(f, json_string_value(name), json_string_length(name),
					  json_array_get(v, 1), err) == -1)
				return -1;
		}
	} else if (json_is_object(cats)) {
		/* version 1: an object of counts */
		json_object_foreach(cats, key, v)
			if (load_category(f, key, strlen(key), v, err) == -1)
				return -1;
	} else {
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' has no categories", f->name);
	}
	if (other < 0 || other > (json_int_t)1 << 53 ||
	    f->s[REF].total + (uint64_t)other > UINT64_C(1) << 53)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s': the counts are too large", f->name);
	if (other > 0 && oed_drift_sample_count(&f->s[REF], OED_STRDICT_OTHER, (uint64_t)other) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

static int
load_vector(struct feature *f, json_t *j, struct oed_err *err)
{
	json_t *rows = json_object_get(j, "rows"), *sum = json_object_get(j, "sum"), *row;
	struct sample *s = &f->s[REF];
	size_t dim = (size_t)json_integer_value(json_object_get(j, "dim")), i;
	double *r;

	if (json_is_array(rows) && json_array_size(rows) == 0 &&
	    json_integer_value(json_object_get(j, "n")) == 0)
		return 0;	/* no row in the reference: the current rows give the length */
	if (!json_is_array(rows) || !json_is_array(sum) || dim == 0 || json_array_size(sum) != dim)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not a vector summary", f->name);
	f->dim = dim;
	if ((r = malloc(dim * sizeof(*r))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	json_array_foreach(rows, i, row) {
		const char *why;
		size_t rd = dim;

		if (oed_drift_vector_check(row, &rd, &why) == -1) {
			free(r);
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s': %s", f->name, why);
		}
		for (size_t k = 0; k < dim; k++)
			r[k] = json_number_value(json_array_get(row, k));
		if (oed_drift_sample_push(s, r, dim) == -1) {
			free(r);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
	}
	free(r);
	if ((s->colsum = calloc(dim, sizeof(*s->colsum))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t k = 0; k < dim; k++) {
		json_t *v = json_array_get(sum, k);

		if (!json_is_number(v) && !json_is_null(v))
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not a vector summary",
					   f->name);
		/* null: a sum past the largest double */
		s->colsum[k] = json_is_null(v) ? INFINITY : json_number_value(v);
	}
	if (!stored_count(j, "n", s->n, &s->total))
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
	return 0;
}
/*
 * The feature a recorded baseline row is for: *out, or NULL when this run
 * does not test it (a field not asked for, token lengths not asked for).
 * Without --field every recorded field is made.  0 or -1 (err set).
 */
static int
baseline_feature(struct oed_drift *d, const char *path, const char *derived, enum oed_fkind kind,
		 const json_t *recorded, int64_t run, struct feature **out, struct oed_err *err)
{
	struct field *fl = oed_drift_find_field(d, path);
	enum derived der = D_NONE;

	*out = NULL;
	if (fl == NULL) {
		struct oed_drift_spec spec = { (char *)path, kind, NULL };
		bool named = false;
		size_t i;
		json_t *e;

		if (recorded == NULL)
			return 0;	/* --field named the fields, not this one */
		/* the field as the run tested it: its own test, if it named one */
		json_array_foreach(recorded, i, e) {
			const char *field = json_string_value(json_object_get(e, "field"));

			if (field && strcmp(field, path) == 0) {
				named = true;
				spec.test = (char *)json_string_value(json_object_get(e, "test"));
			}
		}
		/* a run tested against another's baseline may have tested fewer fields */
		if (!named && json_array_size(recorded) > 0)
			return 0;
		if (spec.test && !oed_drift_test_fits(spec.test, kind))
			spec.test = NULL;

		if (oed_drift_add_field(d, &spec, err) == -1)
			return -1;
		fl = d->fields[d->nfields - 1];
	}
	if (kind == OED_FK_AUTO) {
		/* never seen in the reference: the current values will say what it is */
		fl->from_baseline = true;
		return 0;
	}
	if (fl->spec.kind != OED_FK_AUTO && fl->spec.kind != kind)
		return oed_err_set(err, OED_EX_USAGE, "--baseline: field '%s' is %s in run %lld, not %s",
				   path, oed_fkind_name(kind), (long long)run, oed_fkind_name(fl->spec.kind));
	if (fl->spec.test && !oed_drift_test_fits(fl->spec.test, kind))
		return oed_err_set(err, OED_EX_USAGE, "--field: test '%s' does not apply to %s field '%s'",
				   fl->spec.test, oed_fkind_name(kind), path);
	if (fl->nfeat == 0 && oed_drift_field_decide(d, fl, kind) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	fl->from_baseline = true;
	for (int k = D_CHARS; derived && k <= D_WORDS; k++)
		if (strcmp(derived, oed_drift_derived_names[k]) == 0)
			der = (enum derived)k;
	for (size_t i = 0; i < fl->nfeat; i++)
		if (fl->feat[i]->derived == der)
			*out = fl->feat[i];
	return 0;
}

/* Run's row: an oed-drift run, and its parameters (caller decrefs; NULL if none).  0 or -1. */
static int
baseline_run(struct oed_store *s, int64_t run, json_t **params, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT tool, params FROM runs WHERE id = ?", err);
	const char *text;
	int rc = 0, step;

	*params = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (step != SQLITE_DONE)
			return oed_store_fail(s, err, "reading the runs");
		return oed_err_set(err, OED_EX_USAGE, "--baseline: no run %lld in the store '%s'",
				   (long long)run, oed_store_path(s));
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "oed-drift") != 0) {
		rc = oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld is an %s run, not oed-drift",
				 (long long)run, (const char *)sqlite3_column_text(st, 0));
	} else if ((text = (const char *)sqlite3_column_text(st, 1)) != NULL) {
		*params = json_loads(text, 0, NULL);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The run that holds the reference of run: itself, or, for a run that
 * was itself tested against a baseline (--record --baseline B), the run
 * that holds B's.  0 when none does; -1 (err set).
 */
static int64_t
baseline_holder(struct oed_store *s, int64_t run, json_t *params, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT count(*) FROM drift_baselines WHERE run_id = ?",
					     err);
	int64_t holder = run, rows = 0;
	json_t *own = NULL;

	if (st == NULL)
		return -1;
	for (;;) {
		json_int_t base = json_integer_value(json_object_get(params, "baseline"));

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, holder);
		if (sqlite3_step(st) != SQLITE_ROW) {
			holder = oed_store_fail(s, err, "reading the baselines");
			break;
		}
		if ((rows = sqlite3_column_int64(st, 0)) > 0)
			break;
		/* runs only refer back, so this ends */
		if (base <= 0 || base >= holder) {
			holder = 0;
			break;
		}
		holder = base;
		json_decref(own);
		if (baseline_run(s, holder, &own, err) == -1) {
			holder = -1;
			break;
		}
		params = own;
	}
	json_decref(own);
	sqlite3_finalize(st);
	return holder;
}

int
oed_drift_load_baseline(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err)
{
	sqlite3_stmt *st;
	json_t *params, *recorded = NULL;
	int64_t holder;
	int rc = 0, step;
	size_t rows = 0;

	d->o.baseline = run;	/* the run's parameters name the run it was tested against */
	if (baseline_run(s, run, &params, err) == -1)
		return -1;
	if (d->nfields == 0) {
		/* no --field: every field of the run, each with the test it named */
		recorded = json_object_get(params, "fields");
		if (!json_is_array(recorded))
			recorded = json_array();	/* an empty list: nothing named */
		else
			json_incref(recorded);
	}
	holder = baseline_holder(s, run, params, err);
	json_decref(params);
	if (holder <= 0) {
		json_decref(recorded);
		if (holder == 0)
			return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld recorded no baseline",
					   (long long)run);
		return -1;
	}
	st = oed_store_prepare(s, "SELECT kind, summary FROM drift_baselines WHERE run_id = ? ORDER BY rowid", err);
	if (st == NULL) {
		json_decref(recorded);
		return -1;
	}
	sqlite3_bind_int64(st, 1, holder);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kname = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);
		const char *path = json_string_value(json_object_get(j, "field"));
		const char *der = json_string_value(json_object_get(j, "derived"));
		const char *enc = json_string_value(json_object_get(j, "encoding"));
		enum oed_fkind kind;
		struct feature *f;
		struct field *wanted;
		uint64_t missing;

		rows++;
		if (j == NULL || path == NULL || kname == NULL ||
		    oed_fkind_parse(kname, strlen(kname), &kind) == -1 ||
		    (kind == OED_FK_AUTO && json_integer_value(json_object_get(j, "n")) != 0)) {
			json_decref(j);
			rc = oed_err_set(err, OED_EX_DATA, "--baseline: run %lld: a baseline is not readable",
					 (long long)run);
			break;
		}
		if (baseline_feature(d, path, der, kind, recorded, run, &f, err) == -1) {
			json_decref(j);
			rc = -1;
			break;
		}
		wanted = oed_drift_find_field(d, path);
		if (!stored_count(j, "missing", 0, &missing)) {
			json_decref(j);
			rc = oed_err_set(err, OED_EX_DATA, "--baseline: run %lld: a baseline is not readable",
					 (long long)run);
			break;
		}
		oed_drift_key_add(d, path);
		if (f == NULL && kind == OED_FK_AUTO && wanted != NULL) {
			wanted->missing[REF] = missing;
			wanted->records[REF] = missing;
		}
		if (f == NULL) {
			/* a feature the run tested cannot silently drop out of the verdict */
			if (der && strcmp(der, "length_tokens") == 0 && d->o.tok == NULL && wanted != NULL) {
				rc = oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld tested the token "
						 "lengths of '%s': give -T %s", (long long)run, path,
						 enc ? enc : "ENCODING");
				json_decref(j);
				break;
			}
			json_decref(j);
			continue;
		}
		if (f->loaded) {
			rc = oed_err_set(err, OED_EX_DATA, "--baseline: run %lld holds the baseline of '%s' "
					 "twice", (long long)run, f->name);
		} else if (f->derived == D_TOKENS && (enc == NULL || strcmp(enc, d->o.tok_name) != 0)) {
			rc = oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld counted the tokens of '%s' "
					 "with %s, not %s", (long long)run, path, enc ? enc : "?", d->o.tok_name);
		} else {
			f->field->missing[REF] = missing;
			rc = f->holds == H_NUM ? load_numeric(f, j, err) :
			     f->holds == H_CAT ? load_categorical(f, j, err) : load_vector(f, j, err);
			f->loaded = true;
			/* the field's first feature has one value per record that holds it */
			if (rc == 0 && f == f->field->feat[0]) {
				f->field->records[REF] = missing + (f->holds == H_NUM ? f->base_n : f->s[REF].total);
				f->field->ever |= f->field->records[REF] > missing;
			}
		}
		json_decref(j);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = oed_store_fail(s, err, "reading the baselines");
	sqlite3_finalize(st);
	json_decref(recorded);
	if (rc == -1)
		return -1;
	if (rows == 0)
		return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld recorded no baseline",
				   (long long)run);
	for (size_t i = 0; i < d->nfields; i++) {
		struct field *fl = d->fields[i];

		if (!fl->from_baseline)
			return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld has no field '%s'",
					   (long long)run, fl->spec.path);
		for (size_t k = 0; k < fl->nfeat; k++)
			if (!fl->feat[k]->loaded)
				return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld has no %s "
						   "(recorded without --tokens)", (long long)run, fl->feat[k]->name);
	}
	d->have_ref = true;
	d->from_baseline = true;
	return 0;
}
char *
oed_drift_run_params(const struct oed_drift *d)
{
	json_t *j = json_object(), *fields = json_array();
	char *s;

	if (j == NULL || fields == NULL) {
		json_decref(j);
		json_decref(fields);
		return NULL;
	}
	for (size_t i = 0; i < d->nfields; i++) {
		const struct field *fl = d->fields[i];

		json_array_append_new(fields, json_pack("{s:s, s:s, s:s?}", "field", fl->spec.path,
							"kind", oed_fkind_name(fl->kind), "test", fl->spec.test));
	}
	json_object_set_new(j, "fields", fields);
	if (d->o.test)
		json_object_set_new(j, "test", json_string(d->o.test));
	if (!isnan(d->o.threshold))
		json_object_set_new(j, "threshold", json_real(d->o.threshold));
	json_object_set_new(j, "share", json_real(d->o.share));
	if (d->o.gate_any)
		json_object_set_new(j, "gate", json_string("any"));
	if (d->o.time) {
		json_object_set_new(j, "time", json_string(d->o.time));
		json_object_set_new(j, "window_seconds", d->o.window % 1000 == 0 ?
				    json_integer(d->o.window / 1000) : json_real((double)d->o.window / 1000));
	}
	if (d->o.tok_name)
		json_object_set_new(j, "tokens", json_string(d->o.tok_name));
	if (d->o.permutations)
		json_object_set_new(j, "permutations", json_integer((json_int_t)d->o.permutations));
	json_object_set_new(j, "seed", json_integer((json_int_t)d->o.seed));
	if (d->o.bins)
		json_object_set_new(j, "bins", json_integer(d->o.bins));
	if (d->o.epsilon > 0)
		json_object_set_new(j, "epsilon", json_real(d->o.epsilon));
	if (d->o.base)
		json_object_set_new(j, "base", json_string(d->o.base));
	if (d->o.baseline)
		json_object_set_new(j, "baseline", json_integer(d->o.baseline));
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(j);
	return s;
}
