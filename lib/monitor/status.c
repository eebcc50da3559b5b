/* status.c: --status, what the store knows of each monitor (monitor.h). */
#include "config.h"

#include "internal.h"

#include <jansson.h>
#include <string.h>

#include "exit.h"
#include "store.h"
#include "time.h"

static bool
wanted(const char *name, const char *const *names, size_t n)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void
col_text(struct oed_writer *w, const char *key, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		oed_w_null(w, key);
	else
		oed_w_strn(w, key, (const char *)sqlite3_column_text(st, i),
			   (size_t)sqlite3_column_bytes(st, i));
}

static void
col_num(struct oed_writer *w, const char *key, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		oed_w_null(w, key);
	else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		oed_w_int(w, key, sqlite3_column_int64(st, i));
	else
		oed_w_num(w, key, sqlite3_column_double(st, i));
}

/*
 * Each SLO's state as its last run left it: firing, its last change, and
 * from its last monitor.slo record the budget remaining and burn rates.
 * null for a store from before SLOs were kept so.
 */
static int
slos(struct oed_store *s, int64_t id, bool have, struct oed_writer *w, struct oed_err *err)
{
	static const char *const keep[] = { "objective", "good", "total", "budget_remaining", "burn" };
	sqlite3_stmt *st;

	if (!have) {
		oed_w_null(w, "slos");
		return 0;
	}
	st = oed_store_prepare(s, "SELECT slo, firing, changed, run_id, last FROM monitor_slo_state"
			       " WHERE source_id = ? ORDER BY slo", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	oed_w_arr_begin(w, "slos");
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *last = NULL;

		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			last = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
		oed_w_obj_begin(w, NULL);
		col_text(w, "slo", st, 0);
		oed_w_bool(w, "firing", sqlite3_column_int(st, 1) != 0);
		col_text(w, "changed", st, 2);
		col_num(w, "run", st, 3);
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
			json_t *v = json_object_get(last, keep[i]);

			if (v)
				oed_w_json(w, keep[i], v);
			else
				oed_w_null(w, keep[i]);
		}
		oed_w_obj_end(w);
		json_decref(last);
	}
	oed_w_arr_end(w);
	sqlite3_finalize(st);
	return 0;
}

/* What an older store may lack. */
struct have {
	bool slos;		/* monitor_slo_state.last */
	bool pid;		/* runs.pid, host, proc_start: a dead run shows as abandoned */
	bool watermarks;	/* monitor_watermarks */
	bool keys;		/* monitor_key_chunks: scored ids counted by chunk, not by row */
};

/* The API source's watermark as RFC 3339, null when it has none (jsonl, command, not run yet). */
static int
watermark(struct oed_store *s, int64_t id, bool have, struct oed_writer *w, struct oed_err *err)
{
	sqlite3_stmt *st;
	char txt[OED_RFC3339_SIZE];

	if (!have) {
		oed_w_null(w, "watermark");
		return 0;
	}
	if ((st = oed_store_prepare(s, "SELECT until FROM monitor_watermarks WHERE source_id = ?", err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    oed_time_to_rfc3339(sqlite3_column_double(st, 0), txt) > 0)
		oed_w_str(w, "watermark", txt);
	else
		oed_w_null(w, "watermark");
	sqlite3_finalize(st);
	return 0;
}

static int
one(struct oed_store *s, int64_t id, const char *monitor, const char *source, long last_runs,
    const struct have *have, struct oed_writer *w, struct oed_err *err)
{
	const char *sql[] = {
		have->pid ?
		"SELECT id, started, finished, status, pid, host, proc_start FROM runs WHERE tool = 'oed-monitor'"
		" AND json_extract(params, '$.monitor') = ?2 ORDER BY id DESC LIMIT ?3" :
		"SELECT id, started, finished, status, NULL, NULL, NULL FROM runs WHERE tool = 'oed-monitor'"
		" AND json_extract(params, '$.monitor') = ?2 ORDER BY id DESC LIMIT ?3",
		"SELECT path, inode, offset FROM monitor_offsets WHERE source_id = ?1 ORDER BY path",
		have->keys ? oed_mon_keys_count_sql :
		"SELECT sum(scored), sum(1 - scored) FROM scored_items WHERE source_id = ?1",
		"SELECT name, state, streak, value, changed, run_id FROM monitor_alerts"
		" WHERE source_id = ?1 ORDER BY name",
		"SELECT count(*), max(attempts) FROM monitor_outbox WHERE source_id = ?1",
	};
	sqlite3_stmt *st[5] = { NULL };
	int rc = -1;

	for (int i = 0; i < 5; i++) {
		if ((st[i] = oed_store_prepare(s, sql[i], err)) == NULL)
			goto out;
		if (sqlite3_bind_parameter_count(st[i]) >= 1)
			sqlite3_bind_int64(st[i], 1, id);
		if (sqlite3_bind_parameter_count(st[i]) >= 2)
			sqlite3_bind_text(st[i], 2, monitor, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(st[i]) >= 3)
			sqlite3_bind_int64(st[i], 3, last_runs);
	}
	oed_w_begin(w);
	oed_w_str(w, "kind", "monitor.status");
	oed_w_str(w, "monitor", monitor);
	oed_w_strn(w, "source", source, strcspn(source, ":"));
	oed_w_arr_begin(w, "runs");
	while (sqlite3_step(st[0]) == SQLITE_ROW) {
		const char *status;

		oed_w_obj_begin(w, NULL);
		oed_w_int(w, "run", sqlite3_column_int64(st[0], 0));
		col_text(w, "started", st[0], 1);
		col_text(w, "finished", st[0], 2);
		/* "running" from a process that is gone: abandoned, as oed-report --list says */
		status = oed_run_status((const char *)sqlite3_column_text(st[0], 3), sqlite3_column_int64(st[0], 4),
					(const char *)sqlite3_column_text(st[0], 5),
					(const char *)sqlite3_column_text(st[0], 6));
		if (status)
			oed_w_str(w, "status", status);
		else
			oed_w_null(w, "status");
		oed_w_obj_end(w);
	}
	oed_w_arr_end(w);
	oed_w_arr_begin(w, "files");
	while (sqlite3_step(st[1]) == SQLITE_ROW) {
		oed_w_obj_begin(w, NULL);
		col_text(w, "path", st[1], 0);
		col_num(w, "inode", st[1], 1);
		col_num(w, "offset", st[1], 2);
		oed_w_obj_end(w);
	}
	oed_w_arr_end(w);
	if (watermark(s, id, have->watermarks, w, err) == -1) {
		const char *line;
		size_t len;

		oed_w_close(w, &line, &len);	/* dropped, not written */
		goto out;
	}
	if (sqlite3_step(st[2]) == SQLITE_ROW) {
		oed_w_int(w, "scored", sqlite3_column_int64(st[2], 0));
		oed_w_int(w, "claimed", sqlite3_column_int64(st[2], 1));
	}
	oed_w_arr_begin(w, "alerts");
	while (sqlite3_step(st[3]) == SQLITE_ROW) {
		oed_w_obj_begin(w, NULL);
		col_text(w, "alert", st[3], 0);
		col_text(w, "state", st[3], 1);
		col_num(w, "streak", st[3], 2);
		col_num(w, "value", st[3], 3);
		col_text(w, "changed", st[3], 4);
		col_num(w, "run", st[3], 5);
		oed_w_obj_end(w);
	}
	oed_w_arr_end(w);
	if (sqlite3_step(st[4]) == SQLITE_ROW) {
		oed_w_int(w, "outbox", sqlite3_column_int64(st[4], 0));
		col_num(w, "outbox_attempts", st[4], 1);
	}
	if (slos(s, id, have->slos, w, err) == -1) {
		const char *line;
		size_t len;

		oed_w_close(w, &line, &len);	/* dropped, not written */
		goto out;
	}
	rc = oed_w_end(w) == 0 ? 0 : oed_err_set(err, OED_EX_FAIL, "cannot write the status");
out:
	for (int i = 0; i < 5; i++)
		sqlite3_finalize(st[i]);
	return rc;
}

int
oed_monitor_status(const char *store_path, const char *const *names, size_t n, long last_runs,
		   struct oed_writer *w, struct oed_err *err)
{
	int version;
	struct oed_store *s = oed_store_open_readonly_any(store_path, &version, err);
	sqlite3_stmt *st;
	bool have_monitors;
	struct have have;
	int rc = 0;

	if (s == NULL)
		return -1;
	/* a store older than this oed is read as it is: what it does not keep is null */
	if (oed_store_has_column(s, "monitor_sources", "monitor", &have_monitors, err) == -1 ||
	    oed_store_has_column(s, "monitor_slo_state", "last", &have.slos, err) == -1 ||
	    oed_store_has_column(s, "runs", "proc_start", &have.pid, err) == -1 ||
	    oed_store_has_column(s, "monitor_watermarks", "until", &have.watermarks, err) == -1 ||
	    oed_store_has_column(s, "monitor_key_chunks", "n", &have.keys, err) == -1) {
		oed_store_close(s);
		return -1;
	}
	if (!have_monitors) {
		oed_store_close(s);
		return 0;
	}
	st = oed_store_prepare(s, "SELECT id, monitor, source FROM monitor_sources ORDER BY monitor, id", err);
	if (st == NULL) {
		oed_store_close(s);
		return -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *monitor = (const char *)sqlite3_column_text(st, 1);

		if (!wanted(monitor, names, n))
			continue;
		rc = one(s, sqlite3_column_int64(st, 0), monitor, (const char *)sqlite3_column_text(st, 2),
			 last_runs, &have, w, err);
	}
	sqlite3_finalize(st);
	oed_store_close(s);
	return rc;
}
