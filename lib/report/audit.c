/*
 * audit.c: the run store's hash chain (audit.h).
 */
#include "config.h"
#include "report/audit.h"
#include "exit.h"
#include "store.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static json_t *
col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return json_null();
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	default:
		return json_string((const char *)sqlite3_column_text(st, i));
	}
}

/* REAL columns stay reals even when SQLite hands back a whole number */
static json_t *
col_real(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_real(sqlite3_column_double(st, i));
}

json_t *
oed_audit_canonical(struct oed_store *s, int64_t id, struct oed_err *err)
{
	static const char *const names[] = { "id", "chain_seq", "tool", "argv", "params", "input_digest",
					     "version", "started", "finished", "status" };
	sqlite3_stmt *st;
	json_t *run = NULL, *arr;
	int rc;

	st = oed_store_prepare(s, "SELECT id, chain_seq, tool, argv, params, input_digest, version,"
			       " started, finished, status FROM runs WHERE id = ?", err);
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		oed_err_set(err, OED_EX_FAIL, "no run %lld in the store", (long long)id);
		return NULL;
	}
	run = json_object();
	for (int i = 0; i < 10; i++)
		json_object_set_new(run, names[i], col(st, i));
	sqlite3_finalize(st);

	arr = json_array();
	json_object_set_new(run, "metrics", arr);
	st = oed_store_prepare(s, "SELECT name, grp, value, lo, hi FROM metrics WHERE run_id = ?"
			       " ORDER BY name, grp, value, lo, hi", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", col(st, 0),
						     "grp", col(st, 1), "value", col_real(st, 2),
						     "lo", col_real(st, 3), "hi", col_real(st, 4)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto store_fail;

	arr = json_array();
	json_object_set_new(run, "baselines", arr);
	st = oed_store_prepare(s, "SELECT feature, kind, summary FROM drift_baselines WHERE run_id = ?"
			       " ORDER BY feature", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o}", "feature", col(st, 0),
						     "kind", col(st, 1), "summary", col(st, 2)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto store_fail;

	/* oed-bench's items, as their stored lines, where the store has them */
	st = NULL;
	if (sqlite3_prepare_v2(oed_store_db(s), "SELECT record FROM bench_items WHERE run_id = ? ORDER BY seq",
			       -1, &st, NULL) == SQLITE_OK) {
		arr = json_array();
		json_object_set_new(run, "items", arr);
		sqlite3_bind_int64(st, 1, id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(arr, col(st, 0));
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(st);
			goto store_fail;
		}
	}
	sqlite3_finalize(st);
	return run;
store_fail:
	oed_store_fail(s, err, "cannot read the run's results");
fail:
	json_decref(run);
	return NULL;
}

int
oed_audit_hash(const char *prev, const json_t *run, char hex[65], struct oed_err *err)
{
	char *text = json_dumps(run, CANON_FLAGS);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = text && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, prev, strlen(prev)) == 1 &&
	     EVP_DigestUpdate(ctx, text, strlen(text)) == 1 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
	     mdlen == 32;
	EVP_MD_CTX_free(ctx);
	free(text);
	if (!ok)
		return oed_err_set(err, OED_EX_FAIL, "cannot compute a SHA-256 digest");
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The chain's end: its last place and hash, or the prune boundary, or (0, ""). */
static int
chain_head(struct oed_store *s, int64_t *seq, char prev[65], struct oed_err *err)
{
	sqlite3_stmt *st;

	*seq = 0;
	prev[0] = '\0';
	st = oed_store_prepare(s, "SELECT chain_seq, hash FROM runs WHERE chain_seq IS NOT NULL"
			       " UNION ALL SELECT CAST(b.value AS INTEGER), h.value FROM audit b, audit h"
			       " WHERE b.key = 'boundary_seq' AND h.key = 'boundary'"
			       " ORDER BY 1 DESC LIMIT 1", err);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 1);

		*seq = sqlite3_column_int64(st, 0);
		snprintf(prev, 65, "%s", h ? (const char *)h : "");
	}
	sqlite3_finalize(st);
	return 0;
}

static int
seal_pending(struct oed_store *s, struct oed_err *err)
{
	sqlite3_stmt *st, *up = NULL;
	int64_t *ids = NULL, seq;
	size_t n = 0, cap = 0;
	char prev[65], hex[65];
	int rc = -1, step;

	st = oed_store_prepare(s, "SELECT id FROM runs WHERE chain_seq IS NULL AND status <> 'running'"
			       " ORDER BY id", err);
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *p = realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*p));

			if (p == NULL) {
				sqlite3_finalize(st);
				free(ids);
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			}
			ids = p;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		free(ids);
		return oed_store_fail(s, err, "cannot read the runs to seal");
	}
	if (n == 0)
		return 0;
	if (chain_head(s, &seq, prev, err) == -1)
		goto out;
	up = oed_store_prepare(s, "UPDATE runs SET chain_seq = ?, hash = ? WHERE id = ?", err);
	if (up == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *run;

		sqlite3_reset(up);
		/* the place is part of what the hash covers */
		sqlite3_bind_int64(up, 1, seq + 1);
		sqlite3_bind_null(up, 2);
		sqlite3_bind_int64(up, 3, ids[i]);
		if (sqlite3_step(up) != SQLITE_DONE) {
			oed_store_fail(s, err, "cannot seal a run");
			goto out;
		}
		run = oed_audit_canonical(s, ids[i], err);
		if (run == NULL || oed_audit_hash(prev, run, hex, err) == -1) {
			json_decref(run);
			goto out;
		}
		json_decref(run);
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, seq + 1);
		sqlite3_bind_text(up, 2, hex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, ids[i]);
		if (sqlite3_step(up) != SQLITE_DONE) {
			oed_store_fail(s, err, "cannot seal a run");
			goto out;
		}
		memcpy(prev, hex, sizeof(hex));
		seq++;
	}
	rc = 0;
out:
	sqlite3_finalize(up);
	free(ids);
	return rc;
}

int
oed_audit_seal(struct oed_store *s, struct oed_err *err)
{
	sqlite3 *db = oed_store_db(s);

	sqlite3_stmt *st;
	int pending;

	/* inside the caller's transaction, or in one of our own */
	if (!sqlite3_get_autocommit(db))
		return seal_pending(s, err);
	/* most opens find nothing to seal: no write lock for them */
	st = oed_store_prepare(s, "SELECT EXISTS (SELECT 1 FROM runs WHERE chain_seq IS NULL"
			       " AND status <> 'running')", err);
	if (st == NULL)
		return -1;
	pending = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!pending)
		return 0;
	if (oed_store_begin(s, err) == -1)
		return -1;
	if (seal_pending(s, err) == -1) {
		oed_store_rollback(s);
		return -1;
	}
	return oed_store_commit(s, err);
}

static int
boundary(struct oed_store *s, int64_t *seq, char prev[65], struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT (SELECT value FROM audit WHERE key = 'boundary_seq'),"
					     " (SELECT value FROM audit WHERE key = 'boundary')", err);

	*seq = 0;
	prev[0] = '\0';
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(prev, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

int
oed_audit_verify(struct oed_store *s, size_t *nruns, struct oed_err *err)
{
	sqlite3_stmt *st;
	char prev[65], hex[65];
	int64_t seq;
	int step, rc = 0;

	*nruns = 0;
	if (boundary(s, &seq, prev, err) == -1)
		return -1;
	/* a finished run outside the chain was unsealed by hand */
	st = oed_store_prepare(s, "SELECT id FROM runs WHERE chain_seq IS NULL AND status <> 'running'"
			       " ORDER BY id LIMIT 1", err);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = oed_err_set(err, OED_EX_GATE, "run %lld is finished but not in the chain: its seal was removed",
				 (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (rc == -1)
		return -1;
	st = oed_store_prepare(s, "SELECT id, chain_seq, hash FROM runs WHERE chain_seq IS NOT NULL"
			       " ORDER BY chain_seq", err);
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), at = sqlite3_column_int64(st, 1);
		const char *h = (const char *)sqlite3_column_text(st, 2);
		json_t *run;

		if (at != seq + 1) {
			rc = oed_err_set(err, OED_EX_GATE,
					 "run %lld does not match the chain: %s before it in the chain is missing"
					 " (deleted or moved)", (long long)id,
					 at - seq - 1 == 1 ? "the run" : "runs");
			break;
		}
		run = oed_audit_canonical(s, id, err);
		if (run == NULL || oed_audit_hash(prev, run, hex, err) == -1) {
			json_decref(run);
			rc = -1;
			break;
		}
		json_decref(run);
		if (h == NULL || strcmp(h, hex) != 0) {
			rc = oed_err_set(err, OED_EX_GATE,
					 "run %lld does not match its hash: the run, its results, its place in"
					 " the chain or the run before it were changed", (long long)id);
			break;
		}
		memcpy(prev, hex, sizeof(hex));
		seq = at;
		(*nruns)++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = oed_store_fail(s, err, "cannot read the runs");
	sqlite3_finalize(st);
	return rc;
}

int
oed_audit_evidence(struct oed_store *s, const int64_t *ids, size_t n, FILE *fp, struct oed_err *err)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st;
		json_t *run, *rec;
		char *line;
		const unsigned char *prev = NULL, *hash = NULL;
		char prevbuf[65] = "", hashbuf[65] = "";
		int64_t seq;
		int wrote;

		run = oed_audit_canonical(s, ids[i], err);
		if (run == NULL)
			return -1;
		if (!json_is_integer(json_object_get(run, "chain_seq"))) {
			json_decref(run);
			return oed_err_set(err, OED_EX_FAIL, "run %lld is not sealed yet (still running)",
					   (long long)ids[i]);
		}
		seq = json_integer_value(json_object_get(run, "chain_seq"));
		st = oed_store_prepare(s, "SELECT (SELECT hash FROM runs WHERE chain_seq = ?1 - 1),"
				       " (SELECT hash FROM runs WHERE chain_seq = ?1),"
				       " (SELECT value FROM audit WHERE key = 'boundary_seq'),"
				       " (SELECT value FROM audit WHERE key = 'boundary')", err);
		if (st == NULL) {
			json_decref(run);
			return -1;
		}
		sqlite3_bind_int64(st, 1, seq);
		if (sqlite3_step(st) == SQLITE_ROW) {
			prev = sqlite3_column_text(st, 0);
			hash = sqlite3_column_text(st, 1);
			if (prev == NULL && seq > 1 && sqlite3_column_int64(st, 2) == seq - 1)
				prev = sqlite3_column_text(st, 3);
			snprintf(prevbuf, sizeof(prevbuf), "%s", prev ? (const char *)prev : "");
			snprintf(hashbuf, sizeof(hashbuf), "%s", hash ? (const char *)hash : "");
		}
		sqlite3_finalize(st);
		if (prev == NULL && seq > 1) {
			json_decref(run);
			return oed_err_set(err, OED_EX_GATE, "run %lld: the run before it in the chain is missing",
					   (long long)ids[i]);
		}
		rec = json_pack("{s:s, s:o, s:s, s:s}", "kind", "report.evidence", "run", run, "prev", prevbuf,
				"hash", hashbuf);
		line = rec ? json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		json_decref(rec);
		if (line == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		wrote = fprintf(fp, "%s\n", line);
		free(line);
		if (wrote < 0)
			return oed_err_set(err, OED_EX_FAIL, "cannot write the evidence: %s", strerror(errno));
	}
	return 0;
}

int
oed_audit_verify_file(const char *path, size_t *nruns, struct oed_err *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *src = fp == stdin ? "<stdin>" : path;
	char *line = NULL, last_hash[65] = "", hex[65];
	size_t cap = 0;
	long lineno = 0;
	int64_t last_seq = -1;
	int rc = 0;

	*nruns = 0;
	if (fp == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", path, strerror(errno));
	while (rc == 0 && getline(&line, &cap, fp) != -1) {
		json_error_t je;
		json_t *rec, *run;
		const char *prev, *hash;
		int64_t id, seq;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		rec = json_loads(line, 0, &je);
		run = json_object_get(rec, "run");
		prev = json_string_value(json_object_get(rec, "prev"));
		hash = json_string_value(json_object_get(rec, "hash"));
		if (!json_is_object(run) || prev == NULL || hash == NULL ||
		    !json_is_integer(json_object_get(run, "id")) ||
		    !json_is_integer(json_object_get(run, "chain_seq"))) {
			rc = oed_err_at(err, OED_EX_DATA, src, lineno, 0,
					rec ? "not an evidence record (run, prev, hash)" : "invalid JSON: %s",
					je.text);
			json_decref(rec);
			break;
		}
		id = json_integer_value(json_object_get(run, "id"));
		seq = json_integer_value(json_object_get(run, "chain_seq"));
		if (oed_audit_hash(prev, run, hex, err) == -1) {
			rc = -1;
		} else if (strcmp(hex, hash) != 0) {
			rc = oed_err_at(err, OED_EX_GATE, src, lineno, 0,
					"run %lld does not match its hash: the run or its results were changed",
					(long long)id);
		} else if (last_seq >= 0 && seq == last_seq + 1 && strcmp(prev, last_hash) != 0) {
			rc = oed_err_at(err, OED_EX_GATE, src, lineno, 0,
					"run %lld does not follow the run before it in the chain", (long long)id);
		} else {
			snprintf(last_hash, sizeof(last_hash), "%s", hash);
			last_seq = seq;
			(*nruns)++;
		}
		json_decref(rec);
	}
	if (rc == 0 && ferror(fp))
		rc = oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", src, strerror(errno));
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

int
oed_audit_prune(struct oed_store *s, const char *cutoff, size_t *deleted, struct oed_err *err)
{
	sqlite3_stmt *st;
	int64_t cut = -1, bseq;
	char prev[65];
	int rc = -1;

	*deleted = 0;
	if (oed_store_begin(s, err) == -1)
		return -1;
	if (seal_pending(s, err) == -1)
		goto fail;
	/* the chain's prefix started before the cut-off, up to the first run that did not */
	st = oed_store_prepare(s, "SELECT coalesce((SELECT min(chain_seq) FROM runs WHERE chain_seq IS NOT NULL"
			       " AND started >= ?1), (SELECT max(chain_seq) + 1 FROM runs))", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		cut = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (boundary(s, &bseq, prev, err) == -1)
		goto fail;
	if (cut > bseq + 1) {
		char hash[65] = "";

		st = oed_store_prepare(s, "SELECT hash FROM runs WHERE chain_seq = ?", err);
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, cut - 1);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		st = oed_store_prepare(s, "INSERT OR REPLACE INTO audit (key, value) VALUES"
				       " ('boundary', ?1), ('boundary_seq', ?2)", err);
		if (st == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cut - 1);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			oed_store_fail(s, err, "cannot keep the boundary hash");
			goto fail;
		}
		sqlite3_finalize(st);
		st = oed_store_prepare(s, "UPDATE dataset_versions SET run_id = NULL WHERE run_id IN"
				       " (SELECT id FROM runs WHERE chain_seq < ?1)", err);
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, cut);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			oed_store_fail(s, err, "cannot prune the runs");
			rc = -1;
			goto fail;
		}
		st = oed_store_prepare(s, "DELETE FROM runs WHERE chain_seq < ?1", err);
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, cut);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			oed_store_fail(s, err, "cannot prune the runs");
			rc = -1;
			goto fail;
		}
		*deleted = (size_t)sqlite3_changes(oed_store_db(s));
	}
	if (oed_store_commit(s, err) == -1)
		goto fail;
	return 0;
fail:
	oed_store_rollback(s);
	return -1;
}
