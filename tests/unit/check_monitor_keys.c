/*
 * check_monitor_keys: lib/monitor/keys.c, the scored ids and claims of a
 * source, against a plain sorted reference over many simulated runs.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exit.h"
#include "monitor/internal.h"

struct fixture {
	char path[64];
	struct oed_store *store;
	struct oed_mon_keys *keys;
};

static void
fixture_open(struct fixture *f)
{
	struct oed_err err;
	int fd;

	strcpy(f->path, "/tmp/check_monitor_keys.XXXXXX");
	fd = mkstemp(f->path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(f->path);
	oed_err_clear(&err);
	f->store = oed_store_open(f->path, &err);
	ck_assert_msg(f->store != NULL, "%s", err.msg);
	ck_assert_int_eq(sqlite3_exec(oed_store_db(f->store),
				      "INSERT INTO monitor_sources (id, monitor, source) VALUES (1, 'm', 'jsonl:x')",
				      NULL, NULL, NULL), SQLITE_OK);
	f->keys = oed_mon_keys_new(f->store, 1);
	ck_assert_ptr_nonnull(f->keys);
}

static void
fixture_close(struct fixture *f)
{
	char p[96];

	oed_mon_keys_free(f->keys);
	oed_store_close(f->store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
}

static void
begin(struct fixture *f)
{
	struct oed_err err;

	oed_err_clear(&err);
	ck_assert_msg(oed_store_begin(f->store, &err) == 0, "%s", err.msg);
}

static void
commit(struct fixture *f)
{
	struct oed_err err;

	oed_err_clear(&err);
	ck_assert_msg(oed_store_commit(f->store, &err) == 0, "%s", err.msg);
}

static int
find(struct fixture *f, struct oed_mon_key k, int64_t now)
{
	struct oed_err err;
	int r;

	oed_err_clear(&err);
	ck_assert_msg(oed_mon_keys_sync(f->keys, &err) >= 0, "%s", err.msg);
	r = oed_mon_keys_find(f->keys, k, "", 0, now, &err);
	ck_assert_msg(r >= 0, "%s", err.msg);
	return r;
}

static int64_t
one_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(oed_store_db(f->store), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static uint64_t
rnd(uint64_t *s)
{
	/* splitmix64: a fixed sequence, the same on every machine */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
cmp_key(const void *x, const void *y)
{
	const struct oed_mon_key *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

/*
 * Forty runs of a few hundred to a few thousand new keys each (some keys
 * sharing their high half, some at the ends of the range), each claimed
 * in batches, scored whole or in part, the rest given back, then folded:
 * after each run every scored key is found, every key given back and a
 * sample of never-seen keys are new, the segments hold each key once, and
 * there are few of them.
 */
START_TEST(runs_against_reference)
{
	struct fixture f;
	struct oed_err err;
	struct oed_mon_key *scored = NULL, *given = NULL;
	size_t nscored = 0, ngiven = 0, cap = 0, gcap = 0;
	uint64_t seed = 42;
	int64_t now = 1000000;

	fixture_open(&f);
	oed_err_clear(&err);
	for (int run = 1; run <= 40; run++) {
		size_t n = 200 + rnd(&seed) % (run % 7 == 0 ? 9000 : 1500), batch = 1 + rnd(&seed) % 700;
		struct oed_mon_key *v = malloc(n * sizeof(*v));
		int64_t *row = malloc(n * sizeof(*row));

		for (size_t i = 0; i < n; i++) {
			v[i].a = rnd(&seed);
			v[i].b = rnd(&seed);
			if (i % 97 == 1)
				v[i].a = v[i - 1].a;	/* same high half, another low one */
			if (i % 501 == 3)
				v[i].a = i % 2 ? UINT64_MAX : 0;
		}
		/* new to the store, as a run's dedup would have found them */
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(find(&f, v[i], now), OED_MON_KEY_NEW);
		begin(&f);
		ck_assert(oed_mon_keys_expire(f.keys, now, &err) == 0);
		for (size_t i = 0; i < n; i += batch) {
			size_t m = n - i < batch ? n - i : batch;
			int64_t r;

			ck_assert_msg(oed_mon_keys_claim(f.keys, run, now + 60000, v + i, m, &r, &err) == 0, "%s",
				      err.msg);
			for (size_t j = 0; j < m; j++)
				row[i + j] = r;
		}
		commit(&f);
		/* claimed: held for a live lease, free once it has run out */
		ck_assert_int_eq(find(&f, v[0], now), OED_MON_KEY_HELD);
		ck_assert_int_eq(find(&f, v[n - 1], now + 60000), OED_MON_KEY_NEW);
		/* score whole batches, the last one only in part, some of it out of order */
		begin(&f);
		for (size_t i = 0; i < n; i += batch) {
			size_t m = n - i < batch ? n - i : batch, take = i + batch >= n ? m / 2 : m;

			if (take == 0)
				continue;
			if (take > 2) {
				struct oed_mon_key t = v[i];

				v[i] = v[i + take - 1];
				v[i + take - 1] = t;
			}
			ck_assert_int_eq(oed_mon_keys_mark(f.keys, row[i], run, v + i, take, &err), 1);
			if (nscored + take > cap) {
				cap = (nscored + take) * 2;
				scored = realloc(scored, cap * sizeof(*scored));
			}
			memcpy(scored + nscored, v + i, take * sizeof(*v));
			nscored += take;
			if (take < m) {
				if (ngiven + m - take > gcap) {
					gcap = (ngiven + m - take) * 2;
					given = realloc(given, gcap * sizeof(*given));
				}
				memcpy(given + ngiven, v + i + take, (m - take) * sizeof(*v));
				ngiven += m - take;
			}
		}
		ck_assert(oed_mon_keys_release(f.keys, run, &err) == 0);
		ck_assert_msg(oed_mon_keys_fold(f.keys, &err) == 0, "%s", err.msg);
		commit(&f);
		for (size_t i = 0; i < nscored; i++)
			ck_assert_int_eq(find(&f, scored[i], now), OED_MON_KEY_SCORED);
		for (size_t i = 0; i < ngiven; i++)
			ck_assert_int_eq(find(&f, given[i], now), OED_MON_KEY_NEW);
		for (int i = 0; i < 200; i++) {
			struct oed_mon_key k = { rnd(&seed), rnd(&seed) };

			ck_assert_int_eq(find(&f, k, now), OED_MON_KEY_NEW);
		}
		free(v);
		free(row);
		ck_assert_int_eq(one_int(&f, "SELECT count(*) FROM monitor_claim_sets"), 0);
		ck_assert_int_eq(one_int(&f, "SELECT sum(n) FROM monitor_key_chunks"), (int64_t)nscored);
	}
	/* each chunk in order, the chunks of a segment in order, no key twice */
	{
		sqlite3_stmt *st;
		size_t n = 0;
		struct oed_mon_key *all = malloc(nscored * sizeof(*all));

		ck_assert_int_eq(sqlite3_prepare_v2(oed_store_db(f.store),
						    "SELECT keys FROM monitor_key_chunks ORDER BY segment, first", -1,
						    &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *p = sqlite3_column_blob(st, 0);
			int bytes = sqlite3_column_bytes(st, 0);

			for (int i = 0; i < bytes; i += 16, n++) {
				ck_assert_uint_lt(n, nscored);
				all[n].a = all[n].b = 0;
				for (int j = 0; j < 8; j++) {
					all[n].a = all[n].a << 8 | p[i + j];
					all[n].b = all[n].b << 8 | p[i + 8 + j];
				}
			}
		}
		sqlite3_finalize(st);
		ck_assert_uint_eq(n, nscored);
		qsort(all, n, sizeof(*all), cmp_key);
		qsort(scored, nscored, sizeof(*scored), cmp_key);
		ck_assert_int_eq(memcmp(all, scored, n * sizeof(*all)), 0);
		free(all);
	}
	/* sizes grow by more than 3 from newest to oldest: few segments for ~100,000 keys */
	ck_assert_int_le(one_int(&f, "SELECT count(DISTINCT segment) FROM monitor_key_chunks"), 6);
	free(scored);
	free(given);
	fixture_close(&f);
}
END_TEST

/* A run whose lease ran out loses its set to the run that takes the items over. */
START_TEST(lease_taken_over)
{
	struct fixture f;
	struct oed_err err;
	struct oed_mon_key k[3] = { { 1, 1 }, { 2, 2 }, { 3, 3 } };
	int64_t r1, r2;

	fixture_open(&f);
	oed_err_clear(&err);
	begin(&f);
	ck_assert(oed_mon_keys_claim(f.keys, 1, 5000, k, 3, &r1, &err) == 0);
	commit(&f);
	ck_assert_int_eq(find(&f, k[1], 4999), OED_MON_KEY_HELD);
	ck_assert_int_eq(find(&f, k[1], 5000), OED_MON_KEY_NEW);
	begin(&f);
	ck_assert(oed_mon_keys_expire(f.keys, 5000, &err) == 0);
	ck_assert(oed_mon_keys_claim(f.keys, 2, 9000, k, 2, &r2, &err) == 0);
	/* run 1 comes back: its set is gone, its results do not count */
	ck_assert_int_eq(oed_mon_keys_mark(f.keys, r1, 1, k, 3, &err), 0);
	ck_assert_int_eq(oed_mon_keys_mark(f.keys, r2, 2, k, 2, &err), 1);
	ck_assert(oed_mon_keys_fold(f.keys, &err) == 0);
	commit(&f);
	ck_assert_int_eq(find(&f, k[0], 6000), OED_MON_KEY_SCORED);
	ck_assert_int_eq(find(&f, k[2], 6000), OED_MON_KEY_NEW);
	/* scored, not yet folded: found as scored too */
	begin(&f);
	ck_assert(oed_mon_keys_claim(f.keys, 3, 9000, k + 2, 1, &r1, &err) == 0);
	ck_assert_int_eq(oed_mon_keys_mark(f.keys, r1, 3, k + 2, 1, &err), 1);
	commit(&f);
	ck_assert_int_eq(find(&f, k[2], 6000), OED_MON_KEY_SCORED);
	ck_assert_int_eq(one_int(&f, "SELECT scored FROM monitor_claim_sets"), 1);
	fixture_close(&f);
}
END_TEST

/* A damaged chunk is said, not taken for "not scored". */
START_TEST(damaged_chunk)
{
	struct fixture f;
	struct oed_err err;
	struct oed_mon_key k[2] = { { 1, 1 }, { 2, 2 } };
	int64_t r;

	fixture_open(&f);
	oed_err_clear(&err);
	begin(&f);
	ck_assert(oed_mon_keys_claim(f.keys, 1, 5000, k, 2, &r, &err) == 0);
	ck_assert_int_eq(oed_mon_keys_mark(f.keys, r, 1, k, 2, &err), 1);
	ck_assert(oed_mon_keys_fold(f.keys, &err) == 0);
	commit(&f);
	ck_assert_int_eq(sqlite3_exec(oed_store_db(f.store), "UPDATE monitor_key_chunks SET keys = x'00'",
				      NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(oed_mon_keys_sync(f.keys, &err), 1);
	ck_assert_int_eq(oed_mon_keys_find(f.keys, k[1], "", 0, 0, &err), -1);
	ck_assert_str_eq(err.msg, "store: a chunk of scored ids is damaged (row 1)");
	fixture_close(&f);
}
END_TEST


/*
 * Many look-ups at once, the chunks kept limited to three (so that chunks
 * are dropped while look-ups ahead still point into them), over several
 * segments and a few claims: each answer as one look-up at a time gives,
 * and as the reference says.
 */
START_TEST(find_many_small_budget)
{
	struct fixture f;
	struct oed_err err;
	enum { RUNS = 5, PER = 6000, PROBES = 20000 };
	struct oed_mon_key *all = malloc(RUNS * PER * sizeof(*all));
	struct oed_mon_item *items = calloc(PROBES, sizeof(*items));
	struct oed_mon_item **v = malloc(PROBES * sizeof(*v));
	int *found = malloc(PROBES * sizeof(*found)), *want = malloc(PROBES * sizeof(*want));
	uint64_t seed = 7;
	int64_t r;

	fixture_open(&f);
	oed_err_clear(&err);
	/* sizes 6000 x 1, then a run of 6000 not folded with the rest (3000 is below a third) */
	for (int run = 0; run < RUNS; run++) {
		size_t n = run == RUNS - 1 ? PER / 2 : PER;

		for (size_t i = 0; i < n; i++)
			all[run * PER + i] = (struct oed_mon_key){ rnd(&seed), rnd(&seed) };
		begin(&f);
		ck_assert(oed_mon_keys_claim(f.keys, run + 1, 1000, all + run * PER, n, &r, &err) == 0);
		ck_assert_int_eq(oed_mon_keys_mark(f.keys, r, run + 1, all + run * PER, n, &err), 1);
		ck_assert(oed_mon_keys_fold(f.keys, &err) == 0);
		commit(&f);
	}
	ck_assert_int_ge(one_int(&f, "SELECT count(DISTINCT segment) FROM monitor_key_chunks"), 2);
	/* a live claim and an expired one */
	begin(&f);
	ck_assert(oed_mon_keys_claim(f.keys, 9, 5000, &(struct oed_mon_key){ 5, 5 }, 1, &r, &err) == 0);
	ck_assert(oed_mon_keys_claim(f.keys, 9, 10, &(struct oed_mon_key){ 6, 6 }, 1, &r, &err) == 0);
	commit(&f);
	for (size_t i = 0; i < PROBES; i++) {
		uint64_t pick = rnd(&seed) % 4;

		if (pick < 2) {
			size_t at = rnd(&seed) % (RUNS * PER);

			if (at >= (RUNS - 1) * PER + PER / 2)
				at -= PER;
			items[i].hash = all[at];
			want[i] = OED_MON_KEY_SCORED;
		} else if (pick == 2) {
			items[i].hash = (struct oed_mon_key){ rnd(&seed), rnd(&seed) };
			want[i] = OED_MON_KEY_NEW;
		} else {
			items[i].hash = i % 2 ? (struct oed_mon_key){ 5, 5 } : (struct oed_mon_key){ 6, 6 };
			want[i] = i % 2 ? OED_MON_KEY_HELD : OED_MON_KEY_NEW;
		}
		items[i].id = "";
		v[i] = &items[i];
	}
	oed_mon_keys_budget(f.keys, 3 * 2048 * sizeof(struct oed_mon_key));
	ck_assert_int_eq(oed_mon_keys_sync(f.keys, &err), 1);
	ck_assert_msg(oed_mon_keys_find_many(f.keys, v, PROBES, 100, found, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < PROBES; i++) {
		ck_assert_int_eq(found[i], want[i]);
		ck_assert_int_eq(oed_mon_keys_find(f.keys, items[i].hash, "", 0, 100, &err), want[i]);
	}
	fixture_close(&f);
	free(all);
	free(items);
	free(v);
	free(found);
	free(want);
}
END_TEST

/*
 * The filters: looking up 1,000 keys the store lacks reads few of its 49
 * chunks (each key has a 1-2% chance to pass the filter: about 13 chunks;
 * without a filter, all 49), and the filter of a segment made for more
 * keys than it holds still lets every one of them through.
 */
START_TEST(filters_spare_chunks)
{
	struct fixture f;
	struct oed_err err;
	enum { N = 100000 };
	struct oed_mon_key *v = malloc(N * sizeof(*v));
	uint64_t seed = 11;
	size_t chunk_bytes = 2048 * sizeof(struct oed_mon_key);
	int64_t r;

	fixture_open(&f);
	oed_err_clear(&err);
	for (size_t i = 0; i < N; i++)
		v[i] = (struct oed_mon_key){ rnd(&seed), rnd(&seed) };
	/* twice over: the set dedups to N, its filter made for 2N */
	begin(&f);
	ck_assert(oed_mon_keys_claim(f.keys, 1, 1000, v, N, &r, &err) == 0);
	ck_assert_int_eq(oed_mon_keys_mark(f.keys, r, 1, v, N, &err), 1);
	ck_assert(oed_mon_keys_claim(f.keys, 2, 1000, v, N, &r, &err) == 0);
	ck_assert_int_eq(oed_mon_keys_mark(f.keys, r, 2, v, N, &err), 1);
	ck_assert(oed_mon_keys_fold(f.keys, &err) == 0);
	commit(&f);
	ck_assert_int_eq(one_int(&f, "SELECT count(*) FROM monitor_key_filters"), 1);
	ck_assert_int_eq(one_int(&f, "SELECT n FROM monitor_key_filters"), N);
	ck_assert_int_eq(one_int(&f, "SELECT count(*) FROM monitor_key_chunks"), (N + 2047) / 2048);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(find(&f, (struct oed_mon_key){ rnd(&seed), rnd(&seed) }, 0), OED_MON_KEY_NEW);
	ck_assert_uint_le(oed_mon_keys_cached(f.keys), 25 * chunk_bytes);
	for (size_t i = 0; i < N; i++)
		ck_assert_int_eq(find(&f, v[i], 0), OED_MON_KEY_SCORED);
	ck_assert_uint_eq(oed_mon_keys_cached(f.keys), (size_t)N * sizeof(struct oed_mon_key));
	free(v);
	fixture_close(&f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("monitor_keys");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, runs_against_reference);
	tcase_add_test(tc, lease_taken_over);
	tcase_add_test(tc, damaged_chunk);
	tcase_add_test(tc, find_many_small_budget);
	tcase_add_test(tc, filters_spare_chunks);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
