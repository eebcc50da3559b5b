/* Unit tests for the run store: path precedence, migrations, runs, metrics, transactions. */
#include "config.h"

#include <check.h>
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
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
