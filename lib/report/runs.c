/*
 * runs.c: runs from the store, chosen by id, "last", "last:TOOL" and
 * filters, loaded into a report as "run" and "run.metric" records.
 */
#include "config.h"
#include "report/runs.h"
#include "time.h"
#include "exit.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool
oed_rep_is_runref(const char *s)
{
	if (strcmp(s, "last") == 0 || strncmp(s, "last:", 5) == 0 || strcmp(s, "latest") == 0 ||
	    strncmp(s, "latest:", 7) == 0)
		return true;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
oed_rep_since(const char *arg, time_t now, char out[32], struct oed_err *err)
{
	double t;
	char buf[OED_RFC3339_SIZE];
	size_t n;

	if (oed_time_since("--since", arg, (double)now, &t, err) == -1)
		return -1;
	n = oed_time_to_rfc3339(floor(t), buf);
	if (n > 31)	/* only past year 9999, where no run was started */
		n = 31;
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

/* The WHERE clause the filters add; binds in the order of sel's fields. */
static const char filters[] =
	" (?1 IS NULL OR started >= ?1)"
	" AND (?2 IS NULL OR tool = ?2 OR tool = 'oed-' || ?2)"
	" AND (?3 IS NULL OR json_extract(params, '$.task') = ?3)"
	" AND (?4 IS NULL OR json_extract(params, '$.model') = ?4)";

static void
bind_filters(sqlite3_stmt *st, const struct oed_rep_sel *sel)
{
	const char *v[4] = { sel->since, sel->tool, sel->task, sel->model };

	for (int i = 0; i < 4; i++)
		if (v[i])
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
}

/* Append id unless it is there (dedup: the few runs named by refs). */
static int
push_id(int64_t **ids, size_t *n, int64_t id, bool dedup, struct oed_err *err)
{
	int64_t *p;

	for (size_t i = 0; dedup && i < *n; i++)
		if ((*ids)[i] == id)
			return 0;
	/* grow by doubling: the sizes that are powers of two */
	if ((*n & (*n - 1)) == 0) {
		p = realloc(*ids, (*n ? 2 * *n : 1) * sizeof(*p));
		if (p == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		*ids = p;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

int
oed_rep_select(struct oed_store *s, const struct oed_rep_sel *sel, int64_t **ids, size_t *n,
	       struct oed_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*ids = NULL;
	*n = 0;
	for (int i = 0; i < sel->nrefs; i++) {
		const char *ref = sel->refs[i];
		char sql[512];

		if (strncmp(ref, "latest", 6) == 0 || (!oed_rep_is_runref(ref) && strcmp(ref, "-") != 0)) {
			/* the store's own run specs: latest, latest:TOOL, a --name */
			int64_t id;

			if (oed_store_find_run(s, NULL, ref, &id, err) == -1)
				goto fail;
			rc = push_id(ids, n, id, true, err);
		} else if (strncmp(ref, "last", 4) == 0) {
			snprintf(sql, sizeof(sql), "SELECT max(id) FROM runs WHERE%s%s", filters,
				 ref[4] == ':' ? " AND (tool = ?5 OR tool = 'oed-' || ?5)" : "");
			st = oed_store_prepare(s, sql, err);
			if (st == NULL)
				goto fail;
			bind_filters(st, sel);
			if (ref[4] == ':')
				sqlite3_bind_text(st, 5, ref + 5, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			if (rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) {
				sqlite3_finalize(st);
				if (rc != SQLITE_ROW) {
					oed_store_fail(s, err, "cannot read the runs");
					goto fail;
				}
				oed_err_set(err, OED_EX_FAIL, "no run in the store matches '%s'", ref);
				goto fail;
			}
			rc = push_id(ids, n, sqlite3_column_int64(st, 0), true, err);
			sqlite3_finalize(st);
		} else {
			char *end;
			long long id = strtoll(ref, &end, 10);

			st = oed_store_prepare(s, "SELECT id FROM runs WHERE id = ?", err);
			if (st == NULL)
				goto fail;
			sqlite3_bind_int64(st, 1, id);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
			if (rc != SQLITE_ROW) {
				oed_err_set(err, OED_EX_FAIL, "no run %s in the store", ref);
				goto fail;
			}
			rc = push_id(ids, n, id, true, err);
		}
		if (rc == -1)
			goto fail;
	}
	if (sel->nrefs == 0) {
		char sql[512];

		snprintf(sql, sizeof(sql), "SELECT id FROM runs WHERE%s ORDER BY id", filters);
		st = oed_store_prepare(s, sql, err);
		if (st == NULL)
			goto fail;
		bind_filters(st, sel);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			/* ORDER BY id: each id once */
			if (push_id(ids, n, sqlite3_column_int64(st, 0), false, err) == -1)
				break;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			if (rc != SQLITE_ROW)
				oed_store_fail(s, err, "cannot read the runs");
			goto fail;
		}
	}
	return 0;
fail:
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}

static json_t *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? json_string((const char *)t) : json_null();
}

static json_t *
col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	       json_real(sqlite3_column_double(st, i));
}

/* Has the store the audit columns (an older build's schema may lack them)? */
static bool
has_hash(struct oed_store *s)
{
	sqlite3_stmt *st = NULL;
	bool yes = sqlite3_prepare_v2(oed_store_db(s), "SELECT hash FROM runs LIMIT 0", -1, &st, NULL) ==
		   SQLITE_OK;

	sqlite3_finalize(st);
	return yes;
}

json_t *
oed_rep_run_json(struct oed_store *s, int64_t id, bool with_argv, struct oed_err *err)
{
	char sql[512];
	sqlite3_stmt *st;
	json_t *run = NULL;

	snprintf(sql, sizeof(sql),
		 "SELECT id, tool, status, started, finished, version, input_digest, argv, params,"
		 " (SELECT count(*) FROM metrics WHERE run_id = runs.id), %s, pid, host, proc_start"
		 " FROM runs WHERE id = ?",
		 has_hash(s) ? "hash" : "NULL");
	st = oed_store_prepare(s, sql, err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *argv = NULL, *params = NULL;
		const char *t;

		run = json_object();
		json_object_set_new(run, "kind", json_string("run"));
		json_object_set_new(run, "run", json_integer(sqlite3_column_int64(st, 0)));
		json_object_set_new(run, "tool", col_text(st, 1));
		/* a "running" run whose process is gone shows as "abandoned" */
		t = oed_run_status((const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 11),
				   (const char *)sqlite3_column_text(st, 12),
				   (const char *)sqlite3_column_text(st, 13));
		json_object_set_new(run, "status", t ? json_string(t) : json_null());
		json_object_set_new(run, "started", col_text(st, 3));
		json_object_set_new(run, "finished", col_text(st, 4));
		json_object_set_new(run, "version", col_text(st, 5));
		json_object_set_new(run, "input_digest", col_text(st, 6));
		if (with_argv && (t = (const char *)sqlite3_column_text(st, 7)))
			argv = json_loads(t, 0, NULL);
		if ((t = (const char *)sqlite3_column_text(st, 8)))
			params = json_loads(t, 0, NULL);
		if (with_argv)
			json_object_set_new(run, "argv", argv ? argv : json_null());
		json_object_set_new(run, "params", params ? params : json_null());
		json_object_set_new(run, "metrics", json_integer(sqlite3_column_int64(st, 9)));
		json_object_set_new(run, "hash", col_text(st, 10));
	} else {
		oed_err_set(err, OED_EX_FAIL, "no run %lld in the store", (long long)id);
	}
	sqlite3_finalize(st);
	return run;
}

/* Set a dot path ("length_chars.mean") in obj to v (stolen). */
static void
set_path(json_t *obj, const char *path, json_t *v)
{
	const char *dot = strchr(path, '.');

	if (dot == NULL) {
		json_object_set_new(obj, path, v);
		return;
	}
	char key[128];
	json_t *sub;

	snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
	sub = json_object_get(obj, key);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(obj, key, sub);
	}
	set_path(sub, dot + 1, v);
}

/*
 * A run's metrics are read one row at a time, each row going straight
 * into the records the run printed (oed-drift, oed-entropy, oed-mi: one
 * record per group, found through an index; oed-bench: its summary, one
 * entry per scorer), or into a "run.metric" record for the other tools.
 * A run holding more than max_rows rows is not rebuilt: SQLite sums its
 * rows per metric name (GROUP BY over the metrics_run index, streaming),
 * and each name is one "run.metric.summary" record, so memory stays
 * bounded by max_rows whatever the store holds.  A bench summary is
 * itself one entry per name and is always rebuilt.
 */
enum derive_mode { D_RAW, D_INFO, D_DRIFT, D_BENCH, D_MONITOR };

struct loader {
	enum derive_mode mode;
	int64_t id;
	const char *tool;
	json_t *recs;		/* the records so far, in order */
	json_t *groups;		/* group -> its record in recs (borrowed) */
	json_t *bench;		/* D_BENCH: the bench.summary */
	const json_t *params;	/* D_MONITOR: the run's params (monitor, alerts, slos), borrowed */
	bool oom;
};

/* The record of rows that holds group g, made on first use. */
static json_t *
group_rec(struct loader *l, const char *kind, const char *key, const char *g)
{
	json_t *r = json_object_get(l->groups, g);
	const char *at = strchr(g, '@');
	size_t glen = strlen(g);

	if (r)
		return r;
	r = json_object();
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "run", json_integer(l->id));
	if (key) {
		/* drift groups are "feature" or "feature@window start" */
		if (at && strcmp(kind, "drift") == 0)
			glen = (size_t)(at - g);
		json_object_set_new(r, key, json_stringn(g, glen));
	}
	if (at && (strcmp(kind, "drift") == 0 || strcmp(kind, "drift.summary") == 0))
		json_object_set_new(r, "window_start", json_string(at + 1));
	if (json_array_append_new(l->recs, r) == -1 || json_object_set_nocheck(l->groups, g, r) == -1)
		l->oom = true;
	return r;
}

/* A row as it is stored: a "run.metric" record. */
static void
raw_row(struct loader *l, sqlite3_stmt *st, const char *name)
{
	json_t *r = json_object();

	json_object_set_new(r, "kind", json_string("run.metric"));
	json_object_set_new(r, "run", json_integer(l->id));
	json_object_set_new(r, "tool", json_string(l->tool));
	json_object_set_new(r, "name", json_string(name));
	json_object_set_new(r, "grp", col_text(st, 1));
	json_object_set_new(r, "value", col_real(st, 2));
	json_object_set_new(r, "lo", col_real(st, 3));
	json_object_set_new(r, "hi", col_real(st, 4));
	if (json_array_append_new(l->recs, r) == -1)
		l->oom = true;
}

/* ---- oed-monitor runs: monitor.run, monitor.score, monitor.alert, monitor.slo ---- */

/* A count as an integer, as the tool printed it; null when absent. */
static json_t *
col_count(sqlite3_stmt *st, int i)
{
	double v = sqlite3_column_double(st, i);

	if (sqlite3_column_type(st, i) == SQLITE_NULL || !isfinite(v))
		return json_null();
	return v == floor(v) && fabs(v) < 9e15 ? json_integer((json_int_t)v) : json_real(v);
}

/* The rule named name in the run's params list ("alerts", "slos"); NULL when absent. */
static const json_t *
rule(const struct loader *l, const char *list, const char *name)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(l->params, list), i, r)
		if (json_is_string(json_object_get(r, "name")) &&
		    strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
			return r;
	return NULL;
}

/* Copy field from the rule (or null) into r. */
static void
from_rule(json_t *r, const json_t *ru, const char *field)
{
	json_t *v = ru ? json_object_get(ru, field) : NULL;

	json_object_set_new(r, field, v ? json_deep_copy(v) : json_null());
}

/*
 * The record of kind for name (key: its name field), made on first use
 * with the fields of the record oed-monitor prints, in its order; values
 * the rows do not give stay null.
 */
static json_t *
monitor_rec(struct loader *l, const char *kind, const char *key, const char *name)
{
	struct oed_sb k = { 0 };
	json_t *r, *mon = json_object_get(l->params, "monitor");
	const json_t *ru;

	oed_sb_printf(&k, "%s\t%s", kind, name ? name : "");
	if (k.oom) {
		l->oom = true;
		return NULL;
	}
	r = json_object_get(l->groups, k.s);
	if (r) {
		oed_sb_release(&k);
		return r;
	}
	r = json_object();
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "monitor", json_is_string(mon) ? json_incref(mon) :
			    name && strcmp(kind, "monitor.run") == 0 ? json_string(name) : json_null());
	if (strcmp(kind, "monitor.run") == 0) {
		json_object_set_new(r, "run", json_integer(l->id));
	} else if (strcmp(kind, "monitor.alert") == 0) {
		static const char *const f[] = { "value", "n", "window_s", "evaluated", "state", "streak",
						 "transition", NULL };

		ru = rule(l, "alerts", name);
		json_object_set_new(r, key, json_string(name));
		from_rule(r, ru, "scorer");
		from_rule(r, ru, "stat");
		from_rule(r, ru, "op");
		from_rule(r, ru, "threshold");
		for (int i = 0; f[i]; i++)
			if (strcmp(f[i], "window_s") != 0 || (ru && json_object_get(ru, "window_s")))
				from_rule(r, strcmp(f[i], "window_s") == 0 ? ru : NULL, f[i]);
	} else if (strcmp(kind, "monitor.slo") == 0) {
		ru = rule(l, "slos", name);
		json_object_set_new(r, key, json_string(name));
		from_rule(r, ru, "scorer");
		from_rule(r, ru, "good_when");
		from_rule(r, ru, "objective");
		from_rule(r, ru, "window_s");
		json_object_set_new(r, "good", json_null());
		json_object_set_new(r, "total", json_null());
		json_object_set_new(r, "budget_remaining", json_null());
		json_object_set_new(r, "burn", json_array());
		json_object_set_new(r, "firing", json_null());
		json_object_set_new(r, "transition", json_null());
	} else {
		json_object_set_new(r, key, json_string(name));
	}
	if (json_array_append_new(l->recs, r) == -1 || json_object_set_nocheck(l->groups, k.s, r) == -1)
		l->oom = true;
	oed_sb_release(&k);
	return r;
}

static json_t *
transition(sqlite3_stmt *st)
{
	double v = sqlite3_column_double(st, 2);

	if (sqlite3_column_type(st, 2) == SQLITE_NULL || v == 0)
		return json_null();
	return json_string(v > 0 ? "firing" : "resolved");
}

/* One row of an oed-monitor run; false when it is none of the monitor's figures. */
static bool
monitor_row(struct loader *l, sqlite3_stmt *st, const char *name, const char *g)
{
	static const char *const counts[] = { "fetched", "new", "sampled", "scored", "errors",
					      "alerts_firing", NULL };
	static const char *const states[] = { "ok", "pending", "firing" };
	json_t *r;

	if (strncmp(name, "monitor.", 8) != 0 || g == NULL)
		return false;
	for (int i = 0; counts[i]; i++)
		if (strcmp(name + 8, counts[i]) == 0) {
			if ((r = monitor_rec(l, "monitor.run", NULL, g)))
				json_object_set_new(r, counts[i], col_count(st, 2));
			return true;
		}
	if (strncmp(name, "monitor.score.", 14) == 0) {
		const char *f = name + 14;

		if ((r = monitor_rec(l, "monitor.score", "scorer", g)))
			json_object_set_new(r, f, strcmp(f, "n") == 0 || strcmp(f, "verdicts") == 0 ?
					    col_count(st, 2) : col_real(st, 2));
		return true;
	}
	if (strncmp(name, "monitor.alert.", 14) == 0) {
		const char *f = name + 14;
		double v = sqlite3_column_double(st, 2);

		if ((r = monitor_rec(l, "monitor.alert", "alert", g)) == NULL)
			return true;
		if (strcmp(f, "state") == 0)
			json_object_set_new(r, f, sqlite3_column_type(st, 2) == SQLITE_NULL || v < 0 || v > 2 ?
					    json_null() : json_string(states[(int)v]));
		else if (strcmp(f, "transition") == 0)
			json_object_set_new(r, f, transition(st));
		else
			json_object_set_new(r, f, strcmp(f, "n") == 0 || strcmp(f, "streak") == 0 ?
					    col_count(st, 2) : col_real(st, 2));
		return true;
	}
	if (strncmp(name, "monitor.slo.", 12) == 0) {
		const char *f = name + 12;
		json_t *burn;

		if ((r = monitor_rec(l, "monitor.slo", "slo", g)) == NULL)
			return true;
		burn = json_object_get(r, "burn");
		if (strcmp(f, "burn.long_rate") == 0) {
			/* each pair starts with its long window's rate; its windows are the rule's */
			const json_t *ru = json_array_get(json_object_get(rule(l, "slos", g), "burn"),
							  json_array_size(burn));
			json_t *b = json_object();

			from_rule(b, ru, "long_s");
			from_rule(b, ru, "short_s");
			from_rule(b, ru, "rate");
			json_object_set_new(b, "long_rate", col_real(st, 2));
			json_object_set_new(b, "short_rate", json_null());
			json_object_set_new(b, "firing", json_null());
			if (json_array_append_new(burn, b) == -1)
				l->oom = true;
		} else if (strncmp(f, "burn.", 5) == 0) {
			json_t *b = json_array_get(burn, json_array_size(burn) - 1);

			if (b)
				json_object_set_new(b, f + 5, strcmp(f + 5, "firing") == 0 ?
						    json_boolean(sqlite3_column_double(st, 2) != 0) :
						    col_real(st, 2));
		} else if (strcmp(f, "firing") == 0) {
			json_object_set_new(r, f, json_boolean(sqlite3_column_double(st, 2) != 0));
		} else if (strcmp(f, "transition") == 0) {
			json_object_set_new(r, f, transition(st));
		} else {
			json_object_set_new(r, f, strcmp(f, "good") == 0 || strcmp(f, "total") == 0 ?
					    col_count(st, 2) : col_real(st, 2));
		}
		return true;
	}
	return false;
}

/*
 * The monitor's records complete: an alert is evaluated when it had its
 * min_n values and a value (a drift rule's n is not kept: a value
 * suffices); each record but monitor.run ends with its run, as printed.
 */
static void
monitor_finish(struct loader *l)
{
	json_t *r;
	size_t i;

	json_array_foreach(l->recs, i, r) {
		const char *kind = json_string_value(json_object_get(r, "kind"));

		if (kind == NULL || strncmp(kind, "monitor.", 8) != 0 || strcmp(kind, "monitor.run") == 0)
			continue;
		if (strcmp(kind, "monitor.alert") == 0) {
			const json_t *ru = rule(l, "alerts", json_string_value(json_object_get(r, "alert")));
			json_t *n = json_object_get(r, "n"), *min_n = ru ? json_object_get(ru, "min_n") : NULL;
			bool has = json_is_number(json_object_get(r, "value"));

			json_object_set_new(r, "evaluated", json_boolean(has && (!json_is_number(n) ||
					    json_number_value(n) >= (json_is_number(min_n) ?
								     json_number_value(min_n) : 0))));
		}
		json_object_set_new(r, "run", json_integer(l->id));
	}
}

/* One metric row (name, grp, value, lo, hi) into the run's records. */
static void
load_row(struct loader *l, sqlite3_stmt *st)
{
	const char *name = (const char *)sqlite3_column_text(st, 0);
	const char *g = (const char *)sqlite3_column_text(st, 1);
	const char *slash;
	json_t *r;

	if (name == NULL)
		name = "";
	switch (l->mode) {
	case D_MONITOR:
		if (!monitor_row(l, st, name, g))
			raw_row(l, st, name);
		return;
	case D_RAW:
		raw_row(l, st, name);
		return;
	case D_BENCH:
		if (json_object_set_new(json_object_get(l->bench, "metrics"), name,
					json_pack("{s:o, s:o, s:o}", "mean", col_real(st, 2), "lo", col_real(st, 3),
						  "hi", col_real(st, 4))) == -1)
			l->oom = true;
		return;
	case D_INFO:
		if (g == NULL || strcmp(g, "null") == 0)
			r = group_rec(l, l->tool + 4, NULL, "");
		else
			r = group_rec(l, "entropy.group", "x", g);
		set_path(r, name, col_real(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			char k[160];

			snprintf(k, sizeof(k), "%s_lo", name);
			set_path(r, k, col_real(st, 3));
			snprintf(k, sizeof(k), "%s_hi", name);
			set_path(r, k, col_real(st, 4));
		}
		return;
	case D_DRIFT:
		if (g && strncmp(g, "drift.summary", 13) == 0 && (g[13] == '\0' || g[13] == '@')) {
			r = group_rec(l, "drift.summary", NULL, g);
			set_path(r, name, strcmp(name, "dataset_drift") == 0 ?
				 json_boolean(sqlite3_column_double(st, 2) != 0) : col_real(st, 2));
			return;
		}
		r = group_rec(l, "drift", "feature", g ? g : "");
		if ((slash = strchr(name, '/'))) {
			json_object_set_new(r, "test", json_stringn(name, (size_t)(slash - name)));
			set_path(r, slash + 1, strcmp(slash + 1, "drift") == 0 ?
				 json_boolean(sqlite3_column_double(st, 2) != 0) : col_real(st, 2));
		} else {
			set_path(r, name, col_real(st, 2));
		}
		return;
	}
}

/* The run's records into rep. */
static int
load_flush(struct oed_report *rep, struct loader *l, struct oed_err *err)
{
	json_t *r;
	size_t i;

	if (l->oom)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (l->mode == D_BENCH)
		return oed_rep_add(rep, json_incref(l->bench), err);
	if (l->mode == D_MONITOR)
		monitor_finish(l);
	json_array_foreach(l->recs, i, r)
		if (oed_rep_add(rep, json_incref(r), err) == -1)
			return -1;
	return 0;
}

static void
load_release(struct loader *l)
{
	json_decref(l->recs);
	json_decref(l->groups);
	json_decref(l->bench);
}

/* ---- totals per metric name, for a run too large to rebuild ---- */

struct tot {
	uint64_t n, nulls;
	double sum, min, max;
};

/* One run's totals: names in the order they first came. */
struct runtot {
	int64_t id;
	const char *tool;	/* borrowed from the caller's table */
	json_t *names;		/* name -> index in t */
	json_t *order;		/* the names, in order */
	struct tot *t;
	size_t nt, cap, last;
};

static int
tot_add(struct runtot *r, const char *name, sqlite3_stmt *st, int col)
{
	struct tot *t = NULL;
	double v;

	/* rows come in the same few names over and over: try the next one first */
	if (r->nt) {
		size_t next = (r->last + 1) % r->nt;

		if (strcmp(json_string_value(json_array_get(r->order, next)), name) == 0)
			t = &r->t[r->last = next];
		else if (strcmp(json_string_value(json_array_get(r->order, r->last)), name) == 0)
			t = &r->t[r->last];
	}
	if (t == NULL) {
		json_t *ix = json_object_get(r->names, name);

		if (ix) {
			r->last = (size_t)json_integer_value(ix);
		} else {
			if (r->nt == r->cap) {
				size_t cap = r->cap ? 2 * r->cap : 8;
				struct tot *p = realloc(r->t, cap * sizeof(*p));

				if (p == NULL)
					return -1;
				r->t = p;
				r->cap = cap;
			}
			if (json_object_set_new_nocheck(r->names, name, json_integer((json_int_t)r->nt)) == -1 ||
			    json_array_append_new(r->order, json_string_nocheck(name)) == -1)
				return -1;
			r->t[r->nt] = (struct tot){ 0, 0, 0, INFINITY, -INFINITY };
			r->last = r->nt++;
		}
		t = &r->t[r->last];
	}
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		t->nulls++;
		return 0;
	}
	v = sqlite3_column_double(st, col);
	t->n++;
	t->sum += v;
	t->min = fmin(t->min, v);
	t->max = fmax(t->max, v);
	return 0;
}

/* r's totals into rep as run.metric.summary records. */
static int
tot_flush(struct oed_report *rep, const struct runtot *r, struct oed_err *err)
{
	for (size_t i = 0; i < r->nt; i++) {
		const struct tot *t = &r->t[i];
		json_t *rec = json_object();

		json_object_set_new(rec, "kind", json_string("run.metric.summary"));
		json_object_set_new(rec, "run", json_integer(r->id));
		json_object_set_new(rec, "tool", json_string(r->tool));
		json_object_set(rec, "name", json_array_get(r->order, i));
		json_object_set_new(rec, "n", json_integer((json_int_t)t->n));
		json_object_set_new(rec, "nulls", json_integer((json_int_t)t->nulls));
		json_object_set_new(rec, "mean", t->n ? json_real(t->sum / (double)t->n) : json_null());
		json_object_set_new(rec, "min", t->n ? json_real(t->min) : json_null());
		json_object_set_new(rec, "max", t->n ? json_real(t->max) : json_null());
		if (oed_rep_add(rep, rec, err) == -1)
			return -1;
	}
	return 0;
}

static void
tot_release(struct runtot *r)
{
	json_decref(r->names);
	json_decref(r->order);
	free(r->t);
	r->names = r->order = NULL;
	r->t = NULL;
}

static int
tot_init(struct runtot *r, int64_t id, const char *tool)
{
	*r = (struct runtot){ .id = id, .tool = tool, .names = json_object(), .order = json_array() };
	return r->names && r->order ? 0 : -1;
}

static int
cmp_runtot(const void *a, const void *b)
{
	int64_t x = ((const struct runtot *)a)->id, y = ((const struct runtot *)b)->id;

	return (x > y) - (x < y);
}

/*
 * Sum rows (run_id, name, value) from st into the runs of tots (sorted by
 * id), skipping the rows of other runs.  0 or -1 (err set).
 */
static int
tot_read(struct oed_store *s, sqlite3_stmt *st, struct runtot *tots, size_t n, struct oed_err *err)
{
	struct runtot *cur = NULL;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);

		/* a run's rows come together: look the run up when it changes */
		if (cur == NULL || cur->id != id) {
			struct runtot key = { .id = id };

			cur = bsearch(&key, tots, n, sizeof(*tots), cmp_runtot);
			if (cur == NULL)
				continue;
		}
		if (tot_add(cur, name ? name : "", st, 2) == -1) {
			sqlite3_reset(st);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return oed_store_fail(s, err, "cannot read the metrics");
	return 0;
}

/*
 * The totals of the runs tots[0..n) (sorted by id) holding rows in all.
 * When they hold a good part of the store's rows, one pass over the table
 * in storage order reads them (three times faster a row than going
 * through the index, which must look each row up); otherwise each run's
 * rows are read through the index.
 */
static int
tot_scan(struct oed_store *s, struct runtot *tots, size_t n, int64_t rows, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT max(rowid) FROM metrics", err);
	int64_t top = 0;
	int rc = 0;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		top = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rows * 3 >= top) {
		st = oed_store_prepare(s, "SELECT run_id, name, value FROM metrics NOT INDEXED", err);
		if (st == NULL)
			return -1;
		rc = tot_read(s, st, tots, n, err);
	} else {
		st = oed_store_prepare(s, "SELECT run_id, name, value FROM metrics WHERE run_id = ?"
				       " ORDER BY rowid", err);
		if (st == NULL)
			return -1;
		for (size_t i = 0; i < n && rc == 0; i++) {
			sqlite3_bind_int64(st, 1, tots[i].id);
			rc = tot_read(s, st, tots, n, err);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* The bench.item records an oed-bench run kept in the store, in their order. */
static int
load_items(struct oed_report *rep, struct oed_store *s, int64_t id, struct oed_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* a store from before oed-bench has no such table: nothing to load */
	if (sqlite3_prepare_v2(oed_store_db(s), "SELECT record FROM bench_items WHERE run_id = ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec = json_loads((const char *)sqlite3_column_text(st, 0), JSON_ALLOW_NUL, NULL);

		if (rec && oed_rep_add(rep, rec, err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oed_store_fail(s, err, "cannot read the run's items");
	return 0;
}

/* Add run id to rep: its records rebuilt, or its totals when tot is given. */
static int
load_run(struct oed_report *rep, struct oed_store *s, int64_t id, const struct runtot *tot,
	 bool items, struct oed_err *err)
{
	json_t *run = oed_rep_run_json(s, id, true, err), *params;
	struct loader l = { .id = id };
	static const char *const keep[] = { "task", "model", NULL };
	sqlite3_stmt *st;
	int rc;

	if (run == NULL)
		return -1;
	l.tool = json_string_value(json_object_get(run, "tool"));
	if (l.tool == NULL)
		l.tool = "";
	if (strcmp(l.tool, "oed-drift") == 0)
		l.mode = D_DRIFT;
	else if (strcmp(l.tool, "oed-entropy") == 0 || strcmp(l.tool, "oed-mi") == 0)
		l.mode = D_INFO;
	else if (strcmp(l.tool, "oed-bench") == 0)
		l.mode = D_BENCH;
	else if (strcmp(l.tool, "oed-monitor") == 0)
		l.mode = D_MONITOR;
	l.params = json_object_get(run, "params");
	if (tot) {
		if (oed_rep_add(rep, run, err) == -1 || tot_flush(rep, tot, err) == -1)
			return -1;
		return items ? load_items(rep, s, id, err) : 0;
	}
	l.recs = json_array();
	l.groups = json_object();
	if (l.mode == D_BENCH) {
		/* an oed-bench run's summary: one entry per scorer, with its interval */
		params = json_object_get(run, "params");
		l.bench = json_pack("{s:s, s:I}", "kind", "bench.summary", "run", (json_int_t)id);
		for (int k = 0; l.bench && keep[k]; k++)
			if (json_is_string(json_object_get(params, keep[k])))
				json_object_set(l.bench, keep[k], json_object_get(params, keep[k]));
		if (l.bench)
			json_object_set_new(l.bench, "metrics", json_object());
	}
	rc = oed_rep_add(rep, run, err);
	if (rc == 0 && (l.recs == NULL || l.groups == NULL ||
			(l.mode == D_BENCH && l.bench == NULL)))
		rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (rc == -1) {
		load_release(&l);
		return -1;
	}
	st = oed_store_prepare(s, "SELECT name, grp, value, lo, hi FROM metrics WHERE run_id = ?"
			       " ORDER BY rowid", err);
	if (st == NULL) {
		load_release(&l);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !l.oom)
		load_row(&l, st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rc = oed_store_fail(s, err, "cannot read the metrics");
	else
		rc = load_flush(rep, &l, err);
	load_release(&l);
	if (rc == 0 && items)
		rc = load_items(rep, s, id, err);
	return rc;
}

int
oed_rep_load_runs(struct oed_report *rep, struct oed_store *s, const int64_t *ids, size_t n,
		  size_t max_rows, size_t *summarised, size_t *no_items, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT tool, (SELECT count(*) FROM metrics"
					     " WHERE run_id = runs.id), (SELECT count(*) FROM bench_items"
					     " WHERE run_id = runs.id) FROM runs WHERE id = ?", err);
	size_t share = n && max_rows / n ? max_rows / n : 1, nt = 0;
	struct runtot *tots = NULL;
	json_t *tools = json_array();
	bool *items = NULL;
	int64_t rows = 0;
	int rc = 0;

	*summarised = *no_items = 0;
	if (st == NULL || tools == NULL || (items = calloc(n + 1, sizeof(*items))) == NULL ||
	    (n && (tots = calloc(n, sizeof(*tots))) == NULL)) {
		sqlite3_finalize(st);
		json_decref(tools);
		free(items);
		return st ? oed_err_set(err, OED_EX_FAIL, "out of memory") : -1;
	}
	/* which runs hold more rows than their share (a bench run's summary is always small) */
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *tool;
		int64_t count;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			rc = oed_err_set(err, OED_EX_FAIL, "no run %lld in the store", (long long)ids[i]);
			break;
		}
		tool = (const char *)sqlite3_column_text(st, 0);
		count = sqlite3_column_int64(st, 1);
		/* a bench run's items share the rows too: past its share, its summary stands alone */
		items[i] = (uint64_t)sqlite3_column_int64(st, 2) <= share;
		*no_items += !items[i];
		if ((uint64_t)count <= share || (tool && strcmp(tool, "oed-bench") == 0))
			continue;
		json_array_append_new(tools, json_string(tool ? tool : ""));
		if (tot_init(&tots[nt], ids[i], json_string_value(json_array_get(tools, nt))) == -1)
			rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
		nt++;
		rows += count;
	}
	sqlite3_finalize(st);
	if (rc == 0 && nt) {
		qsort(tots, nt, sizeof(*tots), cmp_runtot);
		rc = tot_scan(s, tots, nt, rows, err);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct runtot key = { .id = ids[i] };
		struct runtot *tot = nt ? bsearch(&key, tots, nt, sizeof(*tots), cmp_runtot) : NULL;

		rc = load_run(rep, s, ids[i], tot, items[i], err);
		if (tot)
			tot_release(tot);
	}
	*summarised = nt;
	for (size_t i = 0; i < nt; i++)
		tot_release(&tots[i]);
	free(tots);
	free(items);
	json_decref(tools);
	return rc;
}
