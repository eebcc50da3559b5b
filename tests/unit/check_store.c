/*
 * Unit tests for the run store: path precedence, migrations, runs, metrics,
 * transactions, and the read-only open.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit.h"
#include "jsonw.h"
#include "opt.h"
#include "store.h"

static char tmpdir[] = "/tmp/oed-store-XXXXXX";

static long long
scalar(struct oed_store *s, const char *sql)
{
	struct oed_err err;
	sqlite3_stmt *st = oed_store_prepare(s, sql, &err);
	long long v = -1;

	ck_assert_ptr_nonnull(st);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(path_precedence)
{
	char path[4096], want[600];
	struct oed_err err;

	setenv("OED_STORE", "/x/explicit.db", 1);
	ck_assert_int_eq(oed_store_default_path(path, sizeof(path), &err), 0);
	ck_assert_str_eq(path, "/x/explicit.db");
	unsetenv("OED_STORE");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	ck_assert_int_eq(oed_store_default_path(path, sizeof(path), &err), 0);
	ck_assert_str_eq(path, "/xdg/oed/oed.db");
	/* a relative XDG_DATA_HOME is invalid per the spec and ignored */
	setenv("XDG_DATA_HOME", "rel", 1);
	setenv("HOME", tmpdir, 1);
	ck_assert_int_eq(oed_store_default_path(path, sizeof(path), &err), 0);
	snprintf(want, sizeof(want), "%s/.local/share/oed/oed.db", tmpdir);
	ck_assert_str_eq(path, want);
	unsetenv("XDG_DATA_HOME");
}
END_TEST

START_TEST(create_and_migrate)
{
	char path[600];
	struct oed_err err;
	struct oed_store *s;
	struct stat st;

	snprintf(path, sizeof(path), "%s/deep/er/oed.db", tmpdir);
	s = oed_store_open(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_ge(scalar(s, "PRAGMA user_version"), 1);
	ck_assert_int_eq(scalar(s, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM sqlite_master WHERE name IN"
			 " ('runs','metrics','datasets','dataset_versions','dataset_records','drift_baselines')"), 6);
	oed_store_close(s);
	/* opening again is a no-op migration */
	s = oed_store_open(path, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sqlite3_exec(oed_store_db(s), "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	oed_store_close(s);
	s = oed_store_open(path, &err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer than this oed"));
}
END_TEST

START_TEST(runs_and_metrics)
{
	char path[600];
	char *argv[] = { "oed-entropy", "--record", "x.jsonl" };
	struct oed_err err;
	struct oed_store *s;
	int64_t id = 0;

	snprintf(path, sizeof(path), "%s/runs.db", tmpdir);
	s = oed_store_open(path, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(oed_store_begin(s, &err), 0);
	ck_assert_int_eq(oed_run_begin(s, "oed-entropy", NULL, 3, argv, "{\"base\":2}", &id, &err), 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(oed_metric_add(s, id, "h_x", NULL, 1.5, NAN, NAN, &err), 0);
	ck_assert_int_eq(oed_metric_add(s, id, "h_y_given_x", "q1", 0.25, 0.1, 0.4, &err), 0);
	ck_assert_int_eq(oed_metric_add(s, id, "bad", NULL, INFINITY, NAN, NAN, &err), 0);
	ck_assert_int_eq(oed_run_finish(s, id, "ok", "00ff", &err), 0);
	ck_assert_int_eq(oed_store_commit(s, &err), 0);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics WHERE value IS NULL"), 1);
	/* the INSERT is reused: a row binds nothing left over from the one before */
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics WHERE name = 'bad' AND grp IS NULL"
			 " AND lo IS NULL AND hi IS NULL"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs WHERE status='ok' AND finished IS NOT NULL"
			 " AND argv='[\"oed-entropy\",\"--record\",\"x.jsonl\"]' AND input_digest='00ff'"), 1);

	/* a transaction that is rolled back leaves nothing behind */
	ck_assert_int_eq(oed_store_begin(s, &err), 0);
	ck_assert_int_eq(oed_run_begin(s, "oed-mi", NULL, 1, argv, NULL, &id, &err), 0);
	ck_assert_int_eq(oed_metric_add(s, id, "mi", NULL, 1, NAN, NAN, &err), 0);
	oed_store_rollback(s);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics"), 3);

	/* a bad status is refused by the schema */
	ck_assert_int_eq(oed_run_finish(s, 1, "weird", NULL, &err), -1);
	oed_store_close(s);
}
END_TEST

/* oed_run_record's fill: two metrics, then a failure when ctx says so. */
static int
fill_two(struct oed_store *s, int64_t run, void *ctx, struct oed_err *err)
{
	if (oed_metric_add(s, run, "a", NULL, 1, NAN, NAN, err) == -1 ||
	    oed_metric_add(s, run, "b", NULL, 2, NAN, NAN, err) == -1)
		return -1;
	if (*(int *)ctx)
		return oed_err_set(err, OED_EX_DATA, "fill failed on purpose");
	return 0;
}

START_TEST(record_whole_run_or_nothing)
{
	char path[600];
	char *argv[] = { "oed-drift", "--record" };
	struct oed_input_opts io;
	struct oed_err err;
	struct oed_store *s;
	int fail = 0;

	oed_input_opts_init(&io);
	snprintf(path, sizeof(path), "%s/record.db", tmpdir);
	io.store = path;
	oed_diag_quiet(true);
	ck_assert_int_eq(oed_run_record(&io, "oed-drift", 2, argv, "{}", "abcd", fill_two, &fail,
					&err), 0);
	ck_assert_int_eq(io.run_id, 1);
	fail = 1;
	ck_assert_int_eq(oed_run_record(&io, "oed-drift", 2, argv, "{}", "abcd", fill_two, &fail,
					&err), -1);
	oed_diag_quiet(false);
	oed_input_opts_release(&io);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "fill failed on purpose");
	s = oed_store_open(path, &err);
	ck_assert_ptr_nonnull(s);
	/* the failed run left nothing: one run, its two metrics */
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs WHERE status = 'ok' AND"
			 " input_digest = 'abcd' AND finished IS NOT NULL"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics"), 2);
	oed_store_close(s);
}
END_TEST

START_TEST(unwritable_folder)
{
	struct oed_err err;
	struct oed_store *s = oed_store_open("/proc/oed-cannot/x.db", &err);

	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot create folder '/proc/oed-cannot'"));
}
END_TEST

/* ---- the read-only open ---- */

/* The whole file into *len bytes (malloc'd). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Bytes and mtime of a file, to show a reader left it as it was. */
struct snapshot {
	char *bytes;
	size_t len;
	struct timespec mtime;
};

static void
snap(const char *path, struct snapshot *sn)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	sn->mtime = st.st_mtim;
	sn->bytes = slurp(path, &sn->len);
}

static void
assert_unchanged(const char *path, struct snapshot *before)
{
	struct snapshot now;

	snap(path, &now);
	ck_assert_uint_eq(now.len, before->len);
	ck_assert_msg(memcmp(now.bytes, before->bytes, now.len) == 0, "%s changed", path);
	ck_assert_msg(now.mtime.tv_sec == before->mtime.tv_sec &&
		      now.mtime.tv_nsec == before->mtime.tv_nsec, "%s touched", path);
	free(now.bytes);
	free(before->bytes);
}

static int
exists(const char *path, const char *suffix)
{
	char p[700];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return access(p, F_OK) == 0;
}

/* A store at tmpdir/name with one drift run, two metrics and a baseline, closed. */
static void
make_store(char *path, size_t size, const char *name)
{
	char *argv[] = { "oed-drift", "--record" };
	struct oed_err err;
	struct oed_store *s;
	int64_t id;

	snprintf(path, size, "%s/%s", tmpdir, name);
	s = oed_store_open(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(oed_store_begin(s, &err), 0);
	ck_assert_int_eq(oed_run_begin(s, "oed-drift", NULL, 2, argv, "{}", &id, &err), 0);
	ck_assert_int_eq(oed_metric_add(s, id, "ks", "latency_ms", 0.2, NAN, NAN, &err), 0);
	ck_assert_int_eq(oed_metric_add(s, id, "psi", "latency_ms", 0.1, NAN, NAN, &err), 0);
	ck_assert_int_eq(sqlite3_exec(oed_store_db(s), "INSERT INTO drift_baselines VALUES"
				      " (1, 'latency_ms', 'numeric', '{}')", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(oed_run_finish(s, id, "ok", "00ff", &err), 0);
	ck_assert_int_eq(oed_store_commit(s, &err), 0);
	oed_store_close(s);
	/* a writer that closes cleanly checkpoints and removes its WAL */
	ck_assert(!exists(path, "-wal"));
}

/* Set PRAGMA user_version behind the store's back. */
static void
set_user_version(const char *path, int version)
{
	char sql[64];
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(readonly_reads_and_refuses_writes)
{
	char path[600], *argv[] = { "oed-mi" };
	struct oed_err err;
	struct oed_store *s, *w;
	struct snapshot before;
	int64_t id;

	make_store(path, sizeof(path), "ro-reads.db");
	snap(path, &before);
	s = oed_store_open_readonly(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs WHERE tool = 'oed-drift' AND status = 'ok'"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics"), 2);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM drift_baselines"), 1);

	/* every way of writing fails with a message, and the handle stays usable */
	ck_assert_int_eq(oed_store_begin(s, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "is open read-only"));
	ck_assert_int_eq(oed_metric_add(s, 1, "mi", NULL, 1, NAN, NAN, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot record a metric: attempt to write a readonly database"));
	ck_assert_int_eq(oed_run_begin(s, "oed-mi", NULL, 1, argv, NULL, &id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "readonly"));
	ck_assert_int_ne(sqlite3_exec(oed_store_db(s), "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics"), 2);
	oed_store_close(s);
	assert_unchanged(path, &before);

	/* a reader sees what a writer still holding the store has committed (in the WAL) */
	w = oed_store_open(path, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(oed_store_begin(w, &err), 0);
	ck_assert_int_eq(oed_run_begin(w, "oed-mi", NULL, 1, argv, NULL, &id, &err), 0);
	ck_assert_int_eq(oed_store_commit(w, &err), 0);
	ck_assert(exists(path, "-wal"));
	s = oed_store_open_readonly(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs"), 2);
	oed_store_close(s);
	oed_store_close(w);
}
END_TEST

START_TEST(readonly_missing_is_not_created)
{
	char path[600], want[700];
	struct oed_err err;
	struct stat st;

	snprintf(path, sizeof(path), "%s/absent/oed.db", tmpdir);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	snprintf(want, sizeof(want), "no store at '%s': nothing has been recorded there yet", path);
	ck_assert_str_eq(err.msg, want);
	snprintf(path, sizeof(path), "%s/absent", tmpdir);
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* the default path too: $OED_STORE */
	snprintf(path, sizeof(path), "%s/absent.db", tmpdir);
	setenv("OED_STORE", path, 1);
	ck_assert_ptr_null(oed_store_open_readonly(NULL, &err));
	unsetenv("OED_STORE");
	ck_assert_ptr_nonnull(strstr(err.msg, "no store at"));
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

static int
user_version_cb(void *ctx, int n, char **values, char **names)
{
	*(int *)ctx = atoi(values[0]);
	return 0;
}

START_TEST(readonly_schema_versions)
{
	char path[600];
	struct oed_err err;
	struct oed_store *s;
	sqlite3 *db;
	int version = -1;
	FILE *f;

	make_store(path, sizeof(path), "ro-versions.db");
	set_user_version(path, 999);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "schema version 999, newer than this oed"));

	/* older: refused and left alone, not migrated */
	set_user_version(path, 1);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "schema version 1, older than this oed"));
	ck_assert_ptr_nonnull(strstr(err.msg, "once to upgrade it"));
	/* version 0 with tables: not a store oed made, whatever the advice would be */
	set_user_version(path, 0);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "is not an oed store"));
	s = oed_store_open_readonly(path, &err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version", user_version_cb, &version, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(version, 0);

	/* not a database at all */
	snprintf(path, sizeof(path), "%s/not-a-store.db", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not SQLite, but it is long enough to have a header of sorts..........\n", f);
	fclose(f);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot read the store: file is not a database"));
}
END_TEST

/*
 * A folder the user cannot write, even for root (who ignores permission
 * bits): a VFS in front of the default one that fails to open any -wal as
 * the unix VFS does in such a folder: SQLITE_READONLY_DIRECTORY when it
 * would have to create it, SQLITE_CANTOPEN when one exists (SQLite then
 * cannot create the -shm next to it).
 */
static sqlite3_vfs *real_vfs;
static sqlite3_vfs rofolder_vfs;

static int
rofolder_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	if (flags & SQLITE_OPEN_WAL) {
		f->pMethods = NULL;	/* SQLite closes nothing after a failed open */
		return access(name, F_OK) == 0 ? SQLITE_CANTOPEN : SQLITE_READONLY_DIRECTORY;
	}
	return real_vfs->xOpen(real_vfs, name, f, flags, out);
}

static void
rofolder_on(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	rofolder_vfs = *real_vfs;
	rofolder_vfs.zName = "oed-test-rofolder";
	rofolder_vfs.xOpen = rofolder_open;
	ck_assert_int_eq(sqlite3_vfs_register(&rofolder_vfs, 1), SQLITE_OK);
}

static void
rofolder_off(void)
{
	sqlite3_vfs_unregister(&rofolder_vfs);
	sqlite3_vfs_register(real_vfs, 1);
}

START_TEST(readonly_folder)
{
	char path[600], wal[700];
	struct oed_err err;
	struct oed_store *s;
	struct snapshot before;
	FILE *f;

	make_store(path, sizeof(path), "ro-folder.db");
	rofolder_on();
	/* the owner, or anyone, may still write the store: immutable would be unsafe */
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot read it from a folder you cannot write while"
				     " the store itself is writable"));

	/* read-only for everyone: read as immutable, nothing created or touched */
	ck_assert_int_eq(chmod(path, 0444), 0);
	snap(path, &before);
	s = oed_store_open_readonly(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM drift_baselines"), 1);
	ck_assert_int_eq(oed_metric_add(s, 1, "mi", NULL, 1, NAN, NAN, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "readonly"));
	oed_store_close(s);
	ck_assert(!exists(path, "-wal"));
	ck_assert(!exists(path, "-shm"));
	ck_assert(!exists(path, "-journal"));
	assert_unchanged(path, &before);

	/* an empty -wal, as a read-only reader leaves behind, holds nothing */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	f = fopen(wal, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	s = oed_store_open_readonly(path, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM runs"), 1);
	oed_store_close(s);

	/* one that is not may hold commits that immutable would not see: refused */
	f = fopen(wal, "w");
	ck_assert_ptr_nonnull(f);
	fputs("frames", f);
	fclose(f);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "while its '-wal' file may hold changes"));
	rofolder_off();
	unlink(wal);
}
END_TEST

/* An SQLite file some other program made: refused by name, left alone. */
START_TEST(not_an_oed_store)
{
	char path[600], want[900];
	struct oed_err err;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/other.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE runs (x); CREATE TABLE notes (y)", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(want, sizeof(want), "store '%s' is not an oed store: it holds tables oed did not make"
		 " ('notes', 'runs') and no oed schema version; give another --store or OED_STORE", path);
	ck_assert_ptr_null(oed_store_open(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_str_eq(err.msg, want);
	/* and nothing was added to it */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;

		ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL),
				 SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), 2);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}
END_TEST

static int
fill_none(struct oed_store *s, int64_t run, void *ctx, struct oed_err *err)
{
	return 0;
}

static int64_t
record(const char *path, const char *tool, const char *name, struct oed_err *err)
{
	char *argv[] = { (char *)tool, "--record" };
	struct oed_input_opts io;
	int rc;

	oed_input_opts_init(&io);
	io.store = path;
	io.name = name;
	rc = oed_run_record(&io, tool, 2, argv, NULL, "d1g", fill_none, NULL, err);
	oed_input_opts_release(&io);
	return rc == -1 ? -1 : io.run_id;
}

START_TEST(named_runs_and_specs)
{
	char path[600], want[800];
	struct oed_err err;
	struct oed_store *s;
	int64_t id;

	snprintf(path, sizeof(path), "%s/named.db", tmpdir);
	oed_diag_quiet(true);
	ck_assert_int_eq(record(path, "oed-ingest", NULL, &err), 1);
	ck_assert_int_eq(record(path, "oed-drift", "nightly-ref", &err), 2);
	ck_assert_int_eq(record(path, "oed-drift", NULL, &err), 3);
	ck_assert_int_eq(record(path, "oed-entropy", NULL, &err), 4);
	/* a name is unique */
	ck_assert_int_eq(record(path, "oed-drift", "nightly-ref", &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "--name: run 2 is already named 'nightly-ref'");
	oed_diag_quiet(false);

	s = oed_store_open_readonly(path, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(oed_store_find_run(s, "oed-drift", "latest", &id, &err), 0);
	ck_assert_int_eq(id, 3);
	ck_assert_int_eq(oed_store_find_run(s, NULL, "latest", &id, &err), 0);
	ck_assert_int_eq(id, 4);
	ck_assert_int_eq(oed_store_find_run(s, NULL, "latest:oed-ingest", &id, &err), 0);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(oed_store_find_run(s, "oed-drift", "nightly-ref", &id, &err), 0);
	ck_assert_int_eq(id, 2);
	ck_assert_int_eq(oed_store_find_run(s, "oed-drift", "3", &id, &err), 0);
	ck_assert_int_eq(id, 3);
	/* the README's --baseline 1 was the oed-ingest run */
	ck_assert_int_eq(oed_store_find_run(s, "oed-drift", "1", &id, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "run 1 is an oed-ingest run, not an oed-drift run");
	ck_assert_int_eq(oed_store_find_run(s, "oed-drift", "latest:oed-ingest", &id, &err), -1);
	ck_assert_int_eq(oed_store_find_run(s, "oed-drift", "99", &id, &err), -1);
	snprintf(want, sizeof(want), "no run 99 in store '%s'", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(oed_store_find_run(s, NULL, "nightly", &id, &err), -1);
	snprintf(want, sizeof(want), "no run named 'nightly' in store '%s'", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(oed_store_find_run(s, "oed-mi", "latest", &id, &err), -1);
	snprintf(want, sizeof(want), "no oed-mi run recorded in store '%s' yet", path);
	ck_assert_str_eq(err.msg, want);
	oed_store_close(s);
}
END_TEST

START_TEST(runs_listed)
{
	char path[600], out[4096], *p;
	struct oed_writer w;
	struct oed_err err;
	struct stat st;
	FILE *fp;
	size_t n;

	/* no store: nothing listed, nothing created */
	snprintf(path, sizeof(path), "%s/none/oed.db", tmpdir);
	fp = tmpfile();
	oed_writer_init(&w, fp);
	ck_assert_int_eq(oed_runs_write(path, &w, &err), 0);
	ck_assert_int_eq(ftell(fp), 0);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	ck_assert_int_eq(stat(path, &st), -1);

	snprintf(path, sizeof(path), "%s/listed.db", tmpdir);
	oed_diag_quiet(true);
	ck_assert_int_eq(record(path, "oed-ingest", NULL, &err), 1);
	ck_assert_int_eq(record(path, "oed-drift", "ref \"1\"", &err), 2);
	oed_diag_quiet(false);
	ck_assert_int_eq(oed_runs_write(path, &w, &err), 0);
	oed_writer_release(&w);
	rewind(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	/* the times change from run to run: blank them */
	while ((p = strstr(out, "\"20")) != NULL)
		memcpy(p + 1, "XXXX-XX-XXTXX:XX:XXZ", 20);
	ck_assert_str_eq(out,
			 "{\"id\":1,\"tool\":\"oed-ingest\",\"name\":null,\"started\":\"XXXX-XX-XXTXX:XX:XXZ\","
			 "\"finished\":\"XXXX-XX-XXTXX:XX:XXZ\",\"status\":\"ok\","
			 "\"argv\":[\"oed-ingest\",\"--record\"],\"input_digest\":\"d1g\"}\n"
			 "{\"id\":2,\"tool\":\"oed-drift\",\"name\":\"ref \\\"1\\\"\",\"started\":\"XXXX-XX-XXTXX:XX:XXZ\","
			 "\"finished\":\"XXXX-XX-XXTXX:XX:XXZ\",\"status\":\"ok\","
			 "\"argv\":[\"oed-drift\",\"--record\"],\"input_digest\":\"d1g\"}\n");
}
END_TEST

/* A child holds the write lock for hold_ms; the parent returns once it has it. */
static pid_t
hold_lock(const char *path, int hold_ms)
{
	int fds[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3 *db;

		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		usleep((useconds_t)hold_ms * 1000);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

START_TEST(busy_timeout_from_the_environment)
{
	char path[600];
	struct oed_err err;
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/busy.db", tmpdir);
	oed_diag_quiet(true);
	ck_assert_int_eq(record(path, "oed-drift", NULL, &err), 1);
	/* a short wait gives up while another command holds the lock */
	setenv("OED_BUSY_TIMEOUT", "100", 1);
	pid = hold_lock(path, 1500);
	ck_assert_int_eq(record(path, "oed-drift", NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "database is locked"));
	waitpid(pid, &status, 0);
	/* a longer one outlasts it */
	setenv("OED_BUSY_TIMEOUT", "20000", 1);
	pid = hold_lock(path, 500);
	ck_assert_int_eq(record(path, "oed-drift", NULL, &err), 2);
	waitpid(pid, &status, 0);
	unsetenv("OED_BUSY_TIMEOUT");
	oed_diag_quiet(false);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (mkdtemp(tmpdir) == NULL)
		return 99;
	tcase_add_test(tc, path_precedence);
	tcase_add_test(tc, create_and_migrate);
	tcase_add_test(tc, runs_and_metrics);
	tcase_add_test(tc, record_whole_run_or_nothing);
	tcase_add_test(tc, unwritable_folder);
	tcase_add_test(tc, readonly_reads_and_refuses_writes);
	tcase_add_test(tc, readonly_missing_is_not_created);
	tcase_add_test(tc, readonly_schema_versions);
	tcase_add_test(tc, readonly_folder);
	tcase_add_test(tc, not_an_oed_store);
	tcase_add_test(tc, named_runs_and_specs);
	tcase_add_test(tc, runs_listed);
	tcase_add_test(tc, busy_timeout_from_the_environment);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
