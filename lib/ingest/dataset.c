#include "config.h"
#include "dataset.h"
#include "exit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct oed_dataset_save {
	struct oed_store *s;
	sqlite3_stmt *insert;	/* into the staging table */
	char *name;
	long long seq;
	XXH3_state_t *digest;
	char started[32];
	int argc;		/* for the run row */
	char *const *argv;
	bool staging;		/* the staging transaction is open */
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

static int
exec_sql(struct oed_store *s, const char *sql, struct oed_err *err, const char *what)
{
	if (sqlite3_exec(oed_store_db(s), sql, NULL, NULL, NULL) != SQLITE_OK)
		return oed_store_fail(s, err, what);
	return 0;
}

static void
digest_text(XXH128_hash_t h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

/*
 * Whether the records stored for a version are what its digest and count
 * say: the digest again over the bytes really stored.  0 with *ok set, or
 * -1 (err) when the store cannot be read.
 */
static int
version_verify(struct oed_store *s, int64_t version_id, const char *digest, long long records,
	       bool *ok, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT record FROM dataset_records"
					     " WHERE version_id = ? ORDER BY seq", err);
	XXH3_state_t *h = XXH3_createState();
	long long n = 0;
	char got[33];
	int rc;

	if (st == NULL || h == NULL) {
		sqlite3_finalize(st);
		XXH3_freeState(h);
		return st ? oed_err_set(err, OED_EX_FAIL, "out of memory") : -1;
	}
	XXH3_128bits_reset(h);
	sqlite3_bind_int64(st, 1, version_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		XXH3_128bits_update(h, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		XXH3_128bits_update(h, "\n", 1);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		XXH3_freeState(h);
		return oed_store_fail(s, err, "cannot read the dataset");
	}
	digest_text(XXH3_128bits_digest(h), got);
	XXH3_freeState(h);
	*ok = n == records && strcmp(got, digest) == 0;
	return 0;
}

static int
tampered(struct oed_err *err, const char *name, long long version)
{
	return oed_err_set(err, OED_EX_FAIL,
			   "dataset '%s' version %lld: the stored records do not match the version's"
			   " digest (the store was changed outside oed)", name, version);
}

/*
 * The records are staged in a temporary table of this connection, which
 * takes no lock on the store: reading the input may take as long as it
 * likes while other tools write.  Only oed_dataset_save_end opens a write
 * transaction, and holds it for the copy alone.
 */
struct oed_dataset_save *
oed_dataset_save_begin(struct oed_store *s, const char *name, int argc, char *const *argv,
		       struct oed_err *err)
{
	struct oed_dataset_save *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->digest = XXH3_createState()) == NULL || (d->name = strdup(name)) == NULL) {
		if (d)
			XXH3_freeState(d->digest);
		free(d);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	XXH3_128bits_reset(d->digest);
	d->s = s;
	d->argc = argc;
	d->argv = argv;
	oed_now_rfc3339(d->started);
	if (exec_sql(s, "CREATE TEMP TABLE IF NOT EXISTS oed_stage (seq INTEGER PRIMARY KEY,"
		     " record TEXT NOT NULL); DELETE FROM temp.oed_stage", err, "cannot stage the records") == -1)
		goto fail;
	/* one transaction on the temporary table only: the store itself stays unlocked */
	if (exec_sql(s, "BEGIN", err, "cannot stage the records") == -1)
		goto fail;
	d->staging = true;
	d->insert = oed_store_prepare(s, "INSERT INTO temp.oed_stage (seq, record) VALUES (?, ?)", err);
	if (d->insert == NULL)
		goto fail;
	return d;
fail:
	oed_dataset_save_abort(d);
	return NULL;
}

int
oed_dataset_save_add(struct oed_dataset_save *d, const char *line, size_t len, struct oed_err *err)
{
	XXH3_128bits_update(d->digest, line, len);
	XXH3_128bits_update(d->digest, "\n", 1);
	sqlite3_reset(d->insert);
	sqlite3_bind_int64(d->insert, 1, d->seq++);
	sqlite3_bind_text(d->insert, 2, line, (int)len, SQLITE_STATIC);
	if (sqlite3_step(d->insert) != SQLITE_DONE)
		return oed_store_fail(d->s, err, "cannot save a record");
	return 0;
}

void
oed_dataset_save_abort(struct oed_dataset_save *d)
{
	if (d == NULL)
		return;
	sqlite3_finalize(d->insert);
	if (d->staging)
		oed_store_rollback(d->s);
	sqlite3_exec(oed_store_db(d->s), "DROP TABLE IF EXISTS temp.oed_stage", NULL, NULL, NULL);
	XXH3_freeState(d->digest);
	free(d->name);
	free(d);
}

/* Record the run, started when the save began; inside the caller's transaction. */
static int
save_run(struct oed_dataset_save *d, const char *digest, int64_t *run_id, struct oed_err *err)
{
	sqlite3_stmt *st;

	if (oed_run_begin(d->s, "oed-ingest", NULL, d->argc, d->argv, NULL, run_id, err) == -1)
		return -1;
	st = oed_store_prepare(d->s, "UPDATE runs SET started = ? WHERE id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, d->started, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, *run_id);
	if (step_done(d->s, st, err, "cannot record the run") == -1)
		return -1;
	return oed_run_finish(d->s, *run_id, "ok", digest, err);
}

int
oed_dataset_save_end(struct oed_dataset_save *d, long long *version, bool *unchanged,
		     char digest[33], struct oed_err *err)
{
	struct oed_store *s = d->s;
	int64_t run_id, dataset_id, version_id;
	sqlite3_stmt *st;
	char now[32];
	int rc;

	digest_text(XXH3_128bits_digest(d->digest), digest);
	sqlite3_finalize(d->insert);
	d->insert = NULL;
	if (exec_sql(s, "COMMIT", err, "cannot stage the records") == -1)
		goto fail;
	d->staging = false;
	/* from here on, one short write transaction */
	if (oed_store_begin(s, err) == -1)
		goto fail;
	oed_now_rfc3339(now);
	st = oed_store_prepare(s, "INSERT INTO datasets (name, created) VALUES (?, ?)"
			       " ON CONFLICT(name) DO NOTHING", err);
	if (st == NULL)
		goto fail_tx;
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (step_done(s, st, err, "cannot create the dataset") == -1)
		goto fail_tx;
	st = oed_store_prepare(s, "SELECT id FROM datasets WHERE name = ?", err);
	if (st == NULL)
		goto fail_tx;
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		oed_store_fail(s, err, "cannot find the dataset");
		goto fail_tx;
	}
	dataset_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	/* unchanged: a version with this digest whose stored records really give it */
	st = oed_store_prepare(s, "SELECT id, version, records FROM dataset_versions"
			       " WHERE dataset_id = ? AND digest = ?", err);
	if (st == NULL)
		goto fail_tx;
	sqlite3_bind_int64(st, 1, dataset_id);
	sqlite3_bind_text(st, 2, digest, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*unchanged = rc == SQLITE_ROW;
	if (*unchanged) {
		int64_t vid = sqlite3_column_int64(st, 0);
		long long records = sqlite3_column_int64(st, 2);
		bool ok;

		*version = sqlite3_column_int64(st, 1);
		sqlite3_finalize(st);
		if (version_verify(s, vid, digest, records, &ok, err) == -1)
			goto fail_tx;
		if (!ok) {
			tampered(err, d->name, *version);
			goto fail_tx;
		}
		/* same content as a version already kept: keep nothing new but the run */
		if (save_run(d, digest, &run_id, err) == -1 || oed_store_commit(s, err) == -1)
			goto fail_tx;
		goto done;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		oed_store_fail(s, err, "cannot compare versions");
		goto fail_tx;
	}
	*version = query_int(s, "SELECT max(version) FROM dataset_versions WHERE dataset_id = ?",
			     dataset_id, 0, err, &rc) + 1;
	if (rc == -1 || save_run(d, digest, &run_id, err) == -1)
		goto fail_tx;
	st = oed_store_prepare(s, "INSERT INTO dataset_versions (dataset_id, version, digest, records,"
			       " created, run_id) VALUES (?, ?, ?, ?, ?, ?)", err);
	if (st == NULL)
		goto fail_tx;
	sqlite3_bind_int64(st, 1, dataset_id);
	sqlite3_bind_int64(st, 2, *version);
	sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, d->seq);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, run_id);
	if (step_done(s, st, err, "cannot create the version") == -1)
		goto fail_tx;
	version_id = sqlite3_last_insert_rowid(oed_store_db(s));
	st = oed_store_prepare(s, "INSERT INTO dataset_records (version_id, seq, record)"
			       " SELECT ?, seq, record FROM temp.oed_stage ORDER BY seq", err);
	if (st == NULL)
		goto fail_tx;
	sqlite3_bind_int64(st, 1, version_id);
	if (step_done(s, st, err, "cannot save the records") == -1 || oed_store_commit(s, err) == -1)
		goto fail_tx;
done:
	sqlite3_exec(oed_store_db(s), "DROP TABLE IF EXISTS temp.oed_stage", NULL, NULL, NULL);
	XXH3_freeState(d->digest);
	free(d->name);
	free(d);
	return 0;
fail_tx:
	oed_store_rollback(s);
fail:
	oed_dataset_save_abort(d);
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
	long long version, records;
	int64_t version_id;
	char digest[64];
	sqlite3_stmt *st;
	bool ok;
	int rc;

	if (oed_dataset_spec_parse(spec, name, sizeof(name), &version, err) == -1)
		return -1;
	/* one read transaction: the records checked are the records printed */
	if (exec_sql(s, "BEGIN", err, "cannot read the store") == -1)
		return -1;
	st = oed_store_prepare(s,
		"SELECT v.id, v.version, v.digest, v.records FROM dataset_versions v"
		" JOIN datasets d ON d.id = v.dataset_id WHERE d.name = ?1 AND v.version ="
		" (CASE WHEN ?2 > 0 THEN ?2 ELSE (SELECT max(version) FROM dataset_versions"
		"  WHERE dataset_id = d.id) END)", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			oed_err_set(err, OED_EX_FAIL, "no dataset '%s' in the store", spec);
		else
			oed_store_fail(s, err, "cannot load the dataset");
		goto fail;
	}
	version_id = sqlite3_column_int64(st, 0);
	version = sqlite3_column_int64(st, 1);
	snprintf(digest, sizeof(digest), "%s", (const char *)sqlite3_column_text(st, 2));
	records = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	if (version_verify(s, version_id, digest, records, &ok, err) == -1)
		goto fail;
	if (!ok) {
		tampered(err, name, version);
		goto fail;
	}
	st = oed_store_prepare(s, "SELECT record FROM dataset_records WHERE version_id = ? ORDER BY seq",
			       err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, version_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (fwrite(sqlite3_column_blob(st, 0), 1, n, out) != n || putc('\n', out) == EOF) {
			/* stop at the first failed write; its errno is the one to report */
			if (out == stdout)
				oed_stdout_failed(errno);
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		oed_store_fail(s, err, "cannot load the dataset");
		goto fail;
	}
	sqlite3_exec(oed_store_db(s), "COMMIT", NULL, NULL, NULL);
	return 0;
fail:
	sqlite3_exec(oed_store_db(s), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
