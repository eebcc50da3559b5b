/*
 * metrics.c: what a finished monitor run keeps in the store's metrics
 * table, so that oed-report rebuilds its monitor.score, monitor.alert and
 * monitor.slo records from the run alone (lib/report/runs.c).
 *
 * Values are metric rows, named monitor.score.*, monitor.alert.* and
 * monitor.slo.*, grouped by the scorer's, alert's or SLO's name; states
 * are numbers (see the comment of oed_mon_run_metrics in internal.h).
 * The rules themselves (an alert's scorer, statistic, operator, min_n; an
 * SLO's objective and burn windows) are parameters of the run: they go
 * into its params as "alerts" and "slos", next to "monitor".  Everything
 * is read back from the tables the run has just written (the scorers'
 * aggregates, each alert's and SLO's state), inside the caller's
 * transaction, before the run is finished and sealed.
 */
#include "config.h"

#include "internal.h"

#include "exit.h"
#include "time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

static int
metric(struct oed_mon_ctx *cx, const char *name, const char *grp, double v, struct oed_err *err)
{
	return oed_metric_add(cx->store, cx->run, name, grp, v, NAN, NAN, err);
}

/* The rules, as the run's parameters "alerts" and "slos". */
static int
save_rules(struct oed_mon_ctx *cx, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	json_t *alerts = json_array(), *slos = json_array(), *o;
	char *a = NULL, *s = NULL, num[32], good[48];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (alerts == NULL || slos == NULL)
		goto oom;
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct oed_mon_alert *r = &m->alerts[i];

		o = json_pack("{s:s, s:s, s:s, s:s, s:f, s:i, s:i}", "name", r->name, "scorer", r->scorer,
			      "stat", oed_mon_stat_name(r->stat), "op", oed_mon_op_name(r->op),
			      "threshold", r->value, "min_n", (json_int_t)r->min_n,
			      "for", (json_int_t)r->for_runs);
		if (o && r->window_ms > 0)
			json_object_set_new(o, "window_s", json_real((double)r->window_ms / 1000));
		if (json_array_append_new(alerts, o) == -1)
			goto oom;
	}
	for (size_t i = 0; i < m->nslos; i++) {
		const struct oed_mon_slo *r = &m->slos[i];
		json_t *burn = json_array();

		oed_fmt_double(num, r->value);
		snprintf(good, sizeof(good), "%s %s", oed_mon_op_name(r->op), num);
		for (size_t j = 0; burn && j < r->nburn; j++)
			if (json_array_append_new(burn, json_pack("{s:f, s:f, s:f}", "long_s",
						  (double)r->burn[j].long_ms / 1000, "short_s",
						  (double)r->burn[j].short_ms / 1000, "rate", r->burn[j].rate)) == -1)
				goto oom_burn;
		o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:o}", "name", r->name, "scorer", r->scorer,
			      "good_when", good, "objective", r->objective, "window_s",
			      (double)r->window_ms / 1000, "burn", burn);
		if (json_array_append_new(slos, o) == -1)
			goto oom;
		continue;
oom_burn:
		json_decref(burn);
		goto oom;
	}
	a = json_dumps(alerts, JSON_COMPACT);
	s = json_dumps(slos, JSON_COMPACT);
	if (a == NULL || s == NULL)
		goto oom;
	st = oed_store_prepare(cx->store, "UPDATE runs SET params = json_set(coalesce(params, '{}'),"
			       " '$.alerts', json(?1), '$.slos', json(?2)) WHERE id = ?3", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, cx->run);
	if (sqlite3_step(st) != SQLITE_DONE) {
		oed_store_fail(cx->store, err, "cannot save the monitor's rules with its run");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	nomem(err);
out:
	sqlite3_finalize(st);
	json_decref(alerts);
	json_decref(slos);
	free(a);
	free(s);
	return rc;
}

struct agg_row {
	bool found;
	int64_t t, n, verdicts, passes;
	double sum, sumsq, min, max;
};

static void
agg_read(sqlite3_stmt *st, struct agg_row *g)
{
	g->found = true;
	g->t = sqlite3_column_int64(st, 0);
	g->n = sqlite3_column_int64(st, 1);
	g->sum = sqlite3_column_double(st, 2);
	g->sumsq = sqlite3_column_double(st, 3);
	g->min = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
	g->max = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
	g->verdicts = sqlite3_column_int64(st, 6);
	g->passes = sqlite3_column_int64(st, 7);
}

/* This run's aggregate of scorer (found false when it had no values). */
static int
run_agg(struct oed_mon_ctx *cx, sqlite3_stmt *st, const char *scorer, struct agg_row *g,
	struct oed_err *err)
{
	int rc;

	memset(g, 0, sizeof(*g));
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_int64(st, 2, cx->run);
	sqlite3_bind_text(st, 3, scorer, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		agg_read(st, g);
	else if (rc != SQLITE_DONE)
		return oed_store_fail(cx->store, err, "cannot read a run's aggregates");
	return 0;
}

/* Per scorer: values, mean, standard deviation (n - 1), min, max; verdicts and pass rate. */
static int
save_scores(struct oed_mon_ctx *cx, sqlite3_stmt *agg, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;

	for (size_t k = 0; k < m->nspecs; k++) {
		const char *s = m->specs[k]->key;
		struct agg_row g;
		double mean, var;

		if (run_agg(cx, agg, s, &g, err) == -1)
			return -1;
		if (!g.found)
			continue;
		mean = g.n ? g.sum / (double)g.n : NAN;
		/* from the sums: clamped at 0, as rounding may leave it a hair below */
		var = g.n > 1 ? fmax(0, (g.sumsq - g.sum * mean) / (double)(g.n - 1)) : NAN;
		if (metric(cx, "monitor.score.n", s, (double)g.n, err) == -1 ||
		    metric(cx, "monitor.score.mean", s, mean, err) == -1 ||
		    metric(cx, "monitor.score.sd", s, sqrt(var), err) == -1 ||
		    metric(cx, "monitor.score.min", s, g.n ? g.min : NAN, err) == -1 ||
		    metric(cx, "monitor.score.max", s, g.n ? g.max : NAN, err) == -1 ||
		    metric(cx, "monitor.score.verdicts", s, (double)g.verdicts, err) == -1 ||
		    metric(cx, "monitor.score.pass_rate", s,
			   g.verdicts ? (double)g.passes / (double)g.verdicts : NAN, err) == -1)
			return -1;
	}
	return 0;
}

static double
state_code(const char *s)
{
	return strcmp(s, "firing") == 0 ? 2 : strcmp(s, "pending") == 0 ? 1 : 0;
}

/*
 * The state an alert had before this run: its state metric in the latest
 * earlier run of this monitor that stored one; *found false when none.
 */
static int
prev_state(struct oed_mon_ctx *cx, sqlite3_stmt *st, const char *alert, double *code, bool *found,
	   struct oed_err *err)
{
	int rc;

	*found = false;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, alert, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cx->run);
	sqlite3_bind_text(st, 3, cx->m->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		*code = sqlite3_column_double(st, 0);
	} else if (rc != SQLITE_DONE) {
		return oed_store_fail(cx->store, err, "cannot read an alert's earlier state");
	}
	return 0;
}

/* Each alert this run evaluated: value, threshold, n, state, streak, transition. */
static int
save_alerts(struct oed_mon_ctx *cx, sqlite3_stmt *agg, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	sqlite3_stmt *get = NULL, *win = NULL, *prev = NULL, *any = NULL;
	int64_t t_run;
	int rc = -1;

	get = oed_store_prepare(cx->store, "SELECT a.state, a.streak, a.value, a.changed < r.started"
				" FROM monitor_alerts a, runs r WHERE a.source_id = ? AND a.name = ?"
				" AND a.run_id = ?3 AND r.id = ?3", err);
	win = oed_store_prepare(cx->store, "SELECT coalesce(sum(n), 0), coalesce(sum(verdicts), 0)"
				" FROM monitor_run_aggs WHERE source_id = ? AND scorer = ? AND t > ?", err);
	/* newest first down the runs' ids (+tool: not through runs_tool), so it stops at the first */
	prev = oed_store_prepare(cx->store, "SELECT x.value FROM runs r JOIN metrics x ON x.run_id = r.id"
				 " WHERE r.id < ?2 AND +r.tool = 'oed-monitor'"
				 " AND json_extract(r.params, '$.monitor') = ?3"
				 " AND x.name = 'monitor.alert.state' AND x.grp = ?1"
				 " ORDER BY r.id DESC LIMIT 1", err);
	/* the time this run's aggregates were saved at: the end of the alerts' windows */
	any = oed_store_prepare(cx->store, "SELECT max(t) FROM monitor_run_aggs WHERE source_id = ?"
				" AND run_id = ?", err);
	if (get == NULL || win == NULL || prev == NULL || any == NULL)
		goto out;
	sqlite3_bind_int64(any, 1, cx->source_id);
	sqlite3_bind_int64(any, 2, cx->run);
	t_run = sqlite3_step(any) == SQLITE_ROW && sqlite3_column_type(any, 0) != SQLITE_NULL ?
		sqlite3_column_int64(any, 0) : (int64_t)(oed_time_now() * 1000);
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct oed_mon_alert *a = &m->alerts[i];
		char state[16];
		double v, n = NAN, before = 0, transition = 0;
		bool had, older;
		long streak;

		sqlite3_reset(get);
		sqlite3_bind_int64(get, 1, cx->source_id);
		sqlite3_bind_text(get, 2, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(get, 3, cx->run);
		rc = sqlite3_step(get);
		if (rc != SQLITE_ROW) {
			if (rc != SQLITE_DONE) {
				rc = oed_store_fail(cx->store, err, "cannot read an alert's state");
				goto out;
			}
			continue;	/* not evaluated by this run (interrupted) */
		}
		snprintf(state, sizeof(state), "%s", (const char *)sqlite3_column_text(get, 0));
		streak = sqlite3_column_int(get, 1);
		v = sqlite3_column_type(get, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(get, 2);
		/* changed before this run started: the state is not this run's doing */
		older = sqlite3_column_type(get, 3) != SQLITE_NULL && sqlite3_column_int(get, 3);
		/* n as the rule counted it: values, or verdicts for a rate; a drift rule's is not kept */
		if (!a->drift && a->window_ms > 0) {
			sqlite3_reset(win);
			sqlite3_bind_int64(win, 1, cx->source_id);
			sqlite3_bind_text(win, 2, a->scorer, -1, SQLITE_STATIC);
			sqlite3_bind_int64(win, 3, t_run - a->window_ms);
			if (sqlite3_step(win) != SQLITE_ROW) {
				rc = oed_store_fail(cx->store, err, "cannot read the aggregates of a window");
				goto out;
			}
			n = (double)sqlite3_column_int64(win, a->stat == OED_MON_RATE ? 1 : 0);
		} else if (!a->drift) {
			struct agg_row g;

			if (run_agg(cx, agg, a->scorer, &g, err) == -1) {
				rc = -1;
				goto out;
			}
			n = (double)(a->stat == OED_MON_RATE ? g.verdicts : g.n);
		}
		if (prev_state(cx, prev, a->name, &before, &had, err) == -1) {
			rc = -1;
			goto out;
		}
		/* firing and resolved as the run said them: from the state before it */
		if (strcmp(state, "firing") == 0 && (had ? before != 2 : !older))
			transition = 1;
		else if (strcmp(state, "ok") == 0 && had && before == 2)
			transition = -1;
		if (metric(cx, "monitor.alert.value", a->name, v, err) == -1 ||
		    metric(cx, "monitor.alert.threshold", a->name, a->value, err) == -1 ||
		    metric(cx, "monitor.alert.n", a->name, n, err) == -1 ||
		    metric(cx, "monitor.alert.state", a->name, state_code(state), err) == -1 ||
		    metric(cx, "monitor.alert.streak", a->name, (double)streak, err) == -1 ||
		    metric(cx, "monitor.alert.transition", a->name, transition, err) == -1) {
			rc = -1;
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(get);
	sqlite3_finalize(win);
	sqlite3_finalize(prev);
	sqlite3_finalize(any);
	return rc;
}

static double
num(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : json_is_boolean(v) ? json_is_true(v) : NAN;
}

/* Each SLO this run evaluated, from the record it wrote (monitor_slo_state.last). */
static int
save_slos(struct oed_mon_ctx *cx, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	sqlite3_stmt *st;
	int rc = 0;

	if (m->nslos == 0)
		return 0;
	st = oed_store_prepare(cx->store, "SELECT last FROM monitor_slo_state WHERE source_id = ?"
			       " AND slo = ? AND run_id = ? AND last IS NOT NULL", err);
	if (st == NULL)
		return -1;
	for (size_t i = 0; i < m->nslos && rc == 0; i++) {
		const char *name = m->slos[i].name, *tr;
		json_t *rec, *b;
		size_t j;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, cx->source_id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, cx->run);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		rec = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (rec == NULL)
			continue;
		tr = json_string_value(json_object_get(rec, "transition"));
		if (metric(cx, "monitor.slo.good", name, num(rec, "good"), err) == -1 ||
		    metric(cx, "monitor.slo.total", name, num(rec, "total"), err) == -1 ||
		    metric(cx, "monitor.slo.budget_remaining", name, num(rec, "budget_remaining"), err) == -1 ||
		    metric(cx, "monitor.slo.firing", name, num(rec, "firing"), err) == -1 ||
		    metric(cx, "monitor.slo.transition", name, tr == NULL ? 0 : strcmp(tr, "firing") == 0 ?
			   1 : -1, err) == -1)
			rc = -1;
		/* one row of each per burn window pair, in the rule's order */
		json_array_foreach(json_object_get(rec, "burn"), j, b)
			if (rc == 0 &&
			    (metric(cx, "monitor.slo.burn.long_rate", name, num(b, "long_rate"), err) == -1 ||
			     metric(cx, "monitor.slo.burn.short_rate", name, num(b, "short_rate"), err) == -1 ||
			     metric(cx, "monitor.slo.burn.firing", name, num(b, "firing"), err) == -1))
				rc = -1;
		json_decref(rec);
	}
	sqlite3_finalize(st);
	return rc;
}

int
oed_mon_run_metrics(struct oed_mon_ctx *cx, struct oed_err *err)
{
	sqlite3_stmt *agg;
	int rc;

	if (save_rules(cx, err) == -1)
		return -1;
	agg = oed_store_prepare(cx->store, "SELECT t, n, sum, sumsq, min, max, verdicts, passes"
				" FROM monitor_run_aggs WHERE source_id = ? AND run_id = ? AND scorer = ?"
				" ORDER BY t DESC LIMIT 1", err);
	if (agg == NULL)
		return -1;
	rc = save_scores(cx, agg, err);
	if (rc == 0)
		rc = save_alerts(cx, agg, err);
	sqlite3_finalize(agg);
	if (rc == 0)
		rc = save_slos(cx, err);
	return rc;
}
