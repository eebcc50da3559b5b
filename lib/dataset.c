#include "config.h"
#include "dataset.h"
#include "exit.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct oed_dataset_save {
	struct oed_store *s;
	sqlite3_stmt *insert;
	int64_t run_id, dataset_id, version_id;
	long long version, seq;
	XXH3_state_t *digest;
	int argc;		/* for the run row of an unchanged save */
	char *const *argv;
};

static long long
query_int(struct oed_store *s, const char *sql, int64_t arg, long long dflt, struct oed_err *err,
	  int *rc)
{
	sqlite3_stmt *st = oed_store_prepare(s, sql, err);
	long long v = dflt;

	*rc = st ? 0 : -1;
	if (st == NULL)
		return v;
	sqlite3_bind_int64(st, 1, arg);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(st, 0);
		break;
	case SQLITE_DONE:
		break;
	default:
		*rc = oed_store_fail(s, err, "query failed");
	}
	sqlite3_finalize(st);
	return v;
}

static int
step_done(struct oed_store *s, sqlite3_stmt *st, struct oed_err *err, const char *what)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : oed_store_fail(s, err, what);

	sqlite3_finalize(st);
	return rc;
}

struct oed_dataset_save *
oed_dataset_save_begin(struct oed_store *s, const char *name, int argc, char *const *argv,
		       struct oed_err *err)
{
	struct oed_dataset_save *d = calloc(1, sizeof(*d));
	sqlite3_stmt *st;
	char now[32];
	int rc;

	if (d == NULL || (d->digest = XXH3_createState()) == NULL) {
		free(d);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	XXH3_128bits_reset(d->digest);
	d->s = s;
	d->argc = argc;
	d->argv = argv;
	if (oed_store_begin(s, err) == -1)
		goto fail_nt;
	if (oed_run_begin(s, "oed-ingest", NULL, argc, argv, NULL, &d->run_id, err) == -1)
		goto fail;
	oed_now_rfc3339(now);
	st = oed_store_prepare(s, "INSERT INTO datasets (name, created) VALUES (?, ?)"
			       " ON CONFLICT(name) DO NOTHING", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (step_done(s, st, err, "cannot create the dataset") == -1)
		goto fail;
	st = oed_store_prepare(s, "SELECT id FROM datasets WHERE name = ?", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		oed_store_fail(s, err, "cannot find the dataset");
		goto fail;
	}
	d->dataset_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	d->version = query_int(s, "SELECT max(version) FROM dataset_versions WHERE dataset_id = ?",
			       d->dataset_id, 0, err, &rc) + 1;
	if (rc == -1)
		goto fail;
	/* the digest is not known yet: a unique stand-in until the end */
	st = oed_store_prepare(s, "INSERT INTO dataset_versions (dataset_id, version, digest, records,"
			       " created, run_id) VALUES (?, ?, 'pending:' || ?, 0, ?, ?)", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, d->dataset_id);
	sqlite3_bind_int64(st, 2, d->version);
	sqlite3_bind_int64(st, 3, d->run_id);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, d->run_id);
	if (step_done(s, st, err, "cannot create the version") == -1)
		goto fail;
	d->version_id = sqlite3_last_insert_rowid(oed_store_db(s));
	d->insert = oed_store_prepare(s, "INSERT INTO dataset_records (version_id, seq, record)"
				      " VALUES (?, ?, ?)", err);
	if (d->insert == NULL)
		goto fail;
	return d;
fail:
	oed_store_rollback(s);
fail_nt:
	XXH3_freeState(d->digest);
	free(d);
	return NULL;
}

int
oed_dataset_save_add(struct oed_dataset_save *d, const char *line, size_t len, struct oed_err *err)
{
	XXH3_128bits_update(d->digest, line, len);
	XXH3_128bits_update(d->digest, "\n", 1);
	sqlite3_reset(d->insert);
	sqlite3_bind_int64(d->insert, 1, d->version_id);
	sqlite3_bind_int64(d->insert, 2, d->seq++);
	sqlite3_bind_text(d->insert, 3, line, (int)len, SQLITE_STATIC);
	if (sqlite3_step(d->insert) != SQLITE_DONE)
		return oed_store_fail(d->s, err, "cannot save a record");
	return 0;
}

static void
save_free(struct oed_dataset_save *d)
{
	sqlite3_finalize(d->insert);
	XXH3_freeState(d->digest);
	free(d);
}

void
oed_dataset_save_abort(struct oed_dataset_save *d)
{
	if (d == NULL)
		return;
	sqlite3_finalize(d->insert);
	d->insert = NULL;
	oed_store_rollback(d->s);
	save_free(d);
}

int
oed_dataset_save_end(struct oed_dataset_save *d, long long *version, bool *unchanged,
		     char digest[33], struct oed_err *err)
{
	XXH128_hash_t h = XXH3_128bits_digest(d->digest);
	struct oed_store *s = d->s;
	sqlite3_stmt *st;
	int rc;

	snprintf(digest, 33, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
	sqlite3_finalize(d->insert);
	d->insert = NULL;
	st = oed_store_prepare(s, "SELECT version FROM dataset_versions WHERE dataset_id = ? AND digest = ?", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, d->dataset_id);
	sqlite3_bind_text(st, 2, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*unchanged = rc == SQLITE_ROW;
	if (*unchanged)
		*version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		oed_store_fail(s, err, "cannot compare versions");
		goto fail;
	}
	if (*unchanged) {
		/* same content as a version already kept: keep nothing new but the run */
		int64_t run_id;
		int argc = d->argc;
		char *const *argv = d->argv;

		oed_store_rollback(s);
		save_free(d);
		if (oed_store_begin(s, err) == -1)
			return -1;
		if (oed_run_begin(s, "oed-ingest", NULL, argc, argv, NULL, &run_id, err) == -1 ||
		    oed_run_finish(s, run_id, "ok", digest, err) == -1 ||
		    oed_store_commit(s, err) == -1) {
			oed_store_rollback(s);
			return -1;
		}
		return 0;
	}
	st = oed_store_prepare(s, "UPDATE dataset_versions SET digest = ?, records = ? WHERE id = ?", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, d->seq);
	sqlite3_bind_int64(st, 3, d->version_id);
	if (step_done(s, st, err, "cannot finish the version") == -1)
		goto fail;
	if (oed_run_finish(s, d->run_id, "ok", digest, err) == -1 || oed_store_commit(s, err) == -1)
		goto fail;
	*version = d->version;
	save_free(d);
	return 0;
fail:
	oed_store_rollback(s);
	save_free(d);
	return -1;
}

int
oed_dataset_list(struct oed_store *s, struct oed_writer *w, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s,
		"SELECT d.name, v.version, v.records, v.digest, v.created FROM dataset_versions v"
		" JOIN datasets d ON d.id = v.dataset_id ORDER BY d.name, v.version", err);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "dataset");
		oed_w_str(w, "name", (const char *)sqlite3_column_text(st, 0));
		oed_w_int(w, "version", sqlite3_column_int64(st, 1));
		oed_w_int(w, "records", sqlite3_column_int64(st, 2));
		oed_w_str(w, "digest", (const char *)sqlite3_column_text(st, 3));
		oed_w_str(w, "created", (const char *)sqlite3_column_text(st, 4));
		if (oed_w_end(w) == -1)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return oed_store_fail(s, err, "cannot list datasets");
	return 0;
}

int
oed_dataset_spec_parse(const char *spec, char *name, size_t size, long long *version,
		       struct oed_err *err)
{
	const char *at = strrchr(spec, '@');

	snprintf(name, size, "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec);
	*version = 0;
	if (at) {
		char *end;

		*version = strtoll(at + 1, &end, 10);
		if (*end != '\0' || *version < 1)
			return oed_err_set(err, OED_EX_USAGE, "--load: '%s' is not NAME or NAME@VERSION", spec);
	}
	return 0;
}

int
oed_dataset_load(struct oed_store *s, const char *spec, FILE *out, struct oed_err *err)
{
	char name[512];
	long long version;
	sqlite3_stmt *st;
	int rc;

	if (oed_dataset_spec_parse(spec, name, sizeof(name), &version, err) == -1)
		return -1;
	st = oed_store_prepare(s,
		"SELECT r.record FROM dataset_records r JOIN dataset_versions v ON v.id = r.version_id"
		" JOIN datasets d ON d.id = v.dataset_id WHERE d.name = ?1 AND v.version ="
		" (CASE WHEN ?2 > 0 THEN ?2 ELSE (SELECT max(version) FROM dataset_versions"
		"  WHERE dataset_id = d.id) END) ORDER BY r.seq", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return oed_err_set(err, OED_EX_FAIL, "no dataset '%s' in the store", spec);
	}
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		fwrite(sqlite3_column_text(st, 0), 1, (size_t)sqlite3_column_bytes(st, 0), out);
		if (putc('\n', out) == EOF)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return oed_store_fail(s, err, "cannot load the dataset");
	return 0;
}
