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
	if (strcmp(s, "last") == 0 || strncmp(s, "last:", 5) == 0)
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

static int
push_id(int64_t **ids, size_t *n, int64_t id, struct oed_err *err)
{
	int64_t *p;

	for (size_t i = 0; i < *n; i++)
		if ((*ids)[i] == id)
			return 0;
	p = realloc(*ids, (*n + 1) * sizeof(*p));
	if (p == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	*ids = p;
	p[(*n)++] = id;
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

		if (strncmp(ref, "last", 4) == 0) {
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
			rc = push_id(ids, n, sqlite3_column_int64(st, 0), err);
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
			rc = push_id(ids, n, id, err);
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
			if (push_id(ids, n, sqlite3_column_int64(st, 0), err) == -1)
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
		 " (SELECT count(*) FROM metrics WHERE run_id = runs.id), %s FROM runs WHERE id = ?",
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
		json_object_set_new(run, "status", col_text(st, 2));
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

int
oed_rep_load_run(struct oed_report *rep, struct oed_store *s, int64_t id, struct oed_err *err)
{
	json_t *run = oed_rep_run_json(s, id, true, err), *tool;
	sqlite3_stmt *st;
	int rc;

	if (run == NULL)
		return -1;
	tool = json_incref(json_object_get(run, "tool"));
	if (oed_rep_add(rep, run, err) == -1) {
		json_decref(tool);
		return -1;
	}
	st = oed_store_prepare(s, "SELECT name, grp, value, lo, hi FROM metrics WHERE run_id = ?"
			       " ORDER BY rowid", err);
	if (st == NULL) {
		json_decref(tool);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *m = json_object();

		json_object_set_new(m, "kind", json_string("run.metric"));
		json_object_set_new(m, "run", json_integer(id));
		json_object_set(m, "tool", tool);
		json_object_set_new(m, "name", col_text(st, 0));
		json_object_set_new(m, "grp", col_text(st, 1));
		json_object_set_new(m, "value", col_real(st, 2));
		json_object_set_new(m, "lo", col_real(st, 3));
		json_object_set_new(m, "hi", col_real(st, 4));
		if (oed_rep_add(rep, m, err) == -1)
			break;
	}
	sqlite3_finalize(st);
	json_decref(tool);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			oed_store_fail(s, err, "cannot read the metrics");
		return -1;
	}
	return 0;
}
