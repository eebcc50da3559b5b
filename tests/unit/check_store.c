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
#include <unistd.h>

#include "exit.h"
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
	ck_assert_int_eq(oed_run_begin(s, "oed-entropy", 3, argv, "{\"base\":2}", &id, &err), 0);
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
	ck_assert_int_eq(oed_run_begin(s, "oed-mi", 1, argv, NULL, &id, &err), 0);
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
	struct oed_err err;
	struct oed_store *s;
	int fail = 0;

	snprintf(path, sizeof(path), "%s/record.db", tmpdir);
	ck_assert_int_eq(oed_run_record(path, "oed-drift", 2, argv, "{}", "abcd", fill_two, &fail,
					&err), 0);
	fail = 1;
	ck_assert_int_eq(oed_run_record(path, "oed-drift", 2, argv, "{}", "abcd", fill_two, &fail,
					&err), -1);
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
	ck_assert_int_eq(oed_run_begin(s, "oed-drift", 2, argv, "{}", &id, &err), 0);
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
	ck_assert_int_eq(oed_run_begin(s, "oed-mi", 1, argv, NULL, &id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "readonly"));
	ck_assert_int_ne(sqlite3_exec(oed_store_db(s), "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(scalar(s, "SELECT count(*) FROM metrics"), 2);
	oed_store_close(s);
	assert_unchanged(path, &before);

	/* a reader sees what a writer still holding the store has committed (in the WAL) */
	w = oed_store_open(path, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(oed_store_begin(w, &err), 0);
	ck_assert_int_eq(oed_run_begin(w, "oed-mi", 1, argv, NULL, &id, &err), 0);
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
	set_user_version(path, 0);
	ck_assert_ptr_null(oed_store_open_readonly(path, &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "schema version 0, older than this oed"));
	ck_assert_ptr_nonnull(strstr(err.msg, "once to upgrade it"));
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
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
