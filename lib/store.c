#include "config.h"
#include "store.h"
#include "exit.h"
#include "jsonw.h"
#include "opt.h"
#include "report/audit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct oed_store {
	sqlite3 *db;
	char *path;
	/*
	 * oed_metric_add's INSERT, prepared on first use: a recorded run adds
	 * one row per window and metric, and preparing each time cost ten
	 * times the work of the run itself.  Finalized by oed_store_close,
	 * which sqlite3_close needs before it lets the connection go.
	 */
	sqlite3_stmt *metric_insert;
	int readonly;		/* opened by oed_store_open_readonly */
};

/*
 * The schema, one migration per entry; entry i moves user_version from i to
 * i + 1.  Never edit a shipped entry: append a new one.
 */
static const char *const migrations[] = {
	/* 1: runs, results, datasets */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  tool TEXT NOT NULL,"
	"  argv TEXT NOT NULL,"		/* JSON array */
	"  params TEXT,"		/* JSON object */
	"  input_digest TEXT,"
	"  version TEXT NOT NULL,"
	"  started TEXT NOT NULL,"
	"  finished TEXT,"
	"  status TEXT NOT NULL DEFAULT 'running'"
	"    CHECK (status IN ('running','ok','failed','interrupted'))"
	");"
	"CREATE INDEX runs_tool ON runs(tool, started);"
	"CREATE TABLE metrics ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  grp TEXT,"
	"  value REAL,"
	"  lo REAL,"
	"  hi REAL"
	");"
	"CREATE INDEX metrics_run ON metrics(run_id, name);"
	"CREATE TABLE datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created TEXT NOT NULL"
	");"
	"CREATE TABLE dataset_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL,"
	"  digest TEXT NOT NULL,"
	"  records INTEGER NOT NULL,"
	"  created TEXT NOT NULL,"
	"  run_id INTEGER REFERENCES runs(id),"
	"  UNIQUE (dataset_id, version),"
	"  UNIQUE (dataset_id, digest)"
	");"
	"CREATE TABLE dataset_records ("
	"  version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  record TEXT NOT NULL,"
	"  PRIMARY KEY (version_id, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE drift_baselines ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  feature TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, feature)"
	");",
	/* audit chain: each finished run's place and hash (lib/report/audit.h) */
	"ALTER TABLE runs ADD COLUMN chain_seq INTEGER;"
	"ALTER TABLE runs ADD COLUMN hash TEXT;"
	"CREATE UNIQUE INDEX runs_chain ON runs(chain_seq);"
	"CREATE TABLE audit ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");",
	/* oed-bench: the response cache and the items of each run */
	"CREATE TABLE bench_responses ("
	"  digest TEXT NOT NULL,"	/* XXH3-128 of the canonical request */
	"  sample INTEGER NOT NULL,"
	"  response TEXT NOT NULL,"	/* JSON: output, model, usage, latency */
	"  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
	"  created TEXT NOT NULL,"
	"  PRIMARY KEY (digest, sample)"
	") WITHOUT ROWID;"
	"CREATE TABLE bench_items ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  record TEXT NOT NULL,"	/* the bench.item line */
	"  PRIMARY KEY (run_id, seq)"
	") WITHOUT ROWID;",
	/* a run may have a name (--record --name), unique, to find it by */
	"ALTER TABLE runs ADD COLUMN name TEXT;"
	"CREATE UNIQUE INDEX runs_name ON runs(name);",
	/* oed-monitor: sources, exactly-once claims, file offsets, alert state, outbox */
	"CREATE TABLE monitor_sources ("
	"  id INTEGER PRIMARY KEY,"
	"  monitor TEXT NOT NULL,"
	"  source TEXT NOT NULL,"	/* type and what it reads; never a secret */
	"  UNIQUE (monitor, source)"
	");"
	"CREATE TABLE scored_items ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  item TEXT NOT NULL,"
	"  run_id INTEGER NOT NULL,"	/* the run that claimed or scored it */
	"  scored INTEGER NOT NULL,"	/* 0 claimed, 1 scored */
	"  lease INTEGER NOT NULL,"	/* claim valid until (ms since the epoch); 0 once scored */
	"  PRIMARY KEY (source_id, item)"
	") WITHOUT ROWID;"
	"CREATE TABLE monitor_offsets ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  inode INTEGER NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  PRIMARY KEY (source_id, path)"
	") WITHOUT ROWID;"
	"CREATE TABLE monitor_alerts ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('ok','pending','firing')),"
	"  streak INTEGER NOT NULL,"
	"  value REAL,"
	"  changed TEXT,"
	"  run_id INTEGER,"
	"  PRIMARY KEY (source_id, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE monitor_outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  sink INTEGER NOT NULL,"	/* index in the monitor's publish list */
	"  payload TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL"
	");"
	"CREATE INDEX monitor_outbox_source ON monitor_outbox(source_id, id);"
	"CREATE TABLE monitor_locks ("	/* one run at a time per monitor (--every) */
	"  source_id INTEGER PRIMARY KEY REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  run_id INTEGER NOT NULL,"
	"  until INTEGER NOT NULL"	/* ms since the epoch */
	");"
	"CREATE TABLE monitor_watermarks ("	/* API sources: items up to here were fetched */
	"  source_id INTEGER PRIMARY KEY REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  until REAL NOT NULL"		/* epoch seconds */
	");",
	/* oed-monitor SLOs: each run's good and total items, and whether a burn alert fires */
	"CREATE TABLE monitor_slo_events ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  slo TEXT NOT NULL,"
	"  t INTEGER NOT NULL,"	/* ms since the epoch */
	"  run_id INTEGER NOT NULL,"
	"  good INTEGER NOT NULL,"
	"  total INTEGER NOT NULL,"
	"  PRIMARY KEY (source_id, slo, t, run_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE monitor_slo_state ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  slo TEXT NOT NULL,"
	"  firing INTEGER NOT NULL,"
	"  changed TEXT,"
	"  run_id INTEGER,"
	"  PRIMARY KEY (source_id, slo)"
	") WITHOUT ROWID;",
	/* who runs a run, so a "running" run whose process died shows as abandoned */
	"ALTER TABLE runs ADD COLUMN pid INTEGER;"
	"ALTER TABLE runs ADD COLUMN host TEXT;"
	"ALTER TABLE runs ADD COLUMN proc_start TEXT;",	/* "BOOT_ID/START_TICKS", Linux */
	/*
	 * oed-monitor: each run's aggregate per scorer, for alerts over a
	 * sliding window; each SLO's last record
	 */
	"CREATE TABLE monitor_run_aggs ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  scorer TEXT NOT NULL,"	/* a key of scores */
	"  t INTEGER NOT NULL,"		/* ms since the epoch */
	"  run_id INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"		/* values */
	"  sum REAL NOT NULL,"
	"  sumsq REAL NOT NULL,"
	"  min REAL,"
	"  max REAL,"
	"  verdicts INTEGER NOT NULL,"
	"  passes INTEGER NOT NULL,"
	"  PRIMARY KEY (source_id, scorer, t, run_id)"
	") WITHOUT ROWID;"
	/* and each SLO's last monitor.slo record, for --status */
	"ALTER TABLE monitor_slo_state ADD COLUMN last TEXT;",
	/* oed-monitor: one run at a time delivers a monitor's outbox */
	"CREATE TABLE monitor_flush_leases ("
	"  source_id INTEGER PRIMARY KEY REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  run_id INTEGER NOT NULL,"
	"  until INTEGER NOT NULL"	/* ms since the epoch */
	");",
	/*
	 * oed-monitor: claims apart from the scored ids, which are kept
	 * compact (a 128-bit hash of the source and id, lib/monitor/run.c);
	 * the scored items of an older store become scored claims, which the
	 * next run moves (the store has no hash function to do it here).
	 * scored_items stays, as a view, for --status and the sqlite3 shell.
	 */
	"CREATE TABLE monitor_claims ("
	"  id INTEGER PRIMARY KEY,"	/* in the order claimed: batches mark neighbours */
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  item TEXT NOT NULL,"
	"  run_id INTEGER NOT NULL,"	/* the run that claimed or scored it */
	"  scored INTEGER NOT NULL,"	/* 0 claimed, 1 scored (not yet moved to monitor_scored) */
	"  lease INTEGER NOT NULL,"	/* claim valid until (ms since the epoch); 0 once scored */
	"  UNIQUE (source_id, item)"
	");"
	"INSERT INTO monitor_claims (source_id, item, run_id, scored, lease)"
	"  SELECT source_id, item, run_id, scored, lease FROM scored_items;"
	"DROP TABLE scored_items;"
	"CREATE TABLE monitor_scored ("
	"  key INTEGER PRIMARY KEY,"	/* low 64 bits of the hash */
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  chk INTEGER NOT NULL"	/* high 64 bits */
	");"
	"CREATE TABLE monitor_scored_ids ("	/* scored ids whose key another id holds */
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  item TEXT NOT NULL,"
	"  PRIMARY KEY (source_id, item)"
	") WITHOUT ROWID;"
	"CREATE VIEW scored_items (source_id, item, run_id, scored, lease) AS"
	"  SELECT source_id, item, run_id, scored, lease FROM monitor_claims"
	"  UNION ALL SELECT source_id, item, NULL, 1, 0 FROM monitor_scored_ids"
	"  UNION ALL SELECT source_id, NULL, NULL, 1, 0 FROM monitor_scored;",
	/*
	 * oed-monitor: scored ids as sorted segments of 128-bit hashes cut in
	 * chunks, claims as sets of one batch (lib/monitor/keys.c); a run
	 * folds its source's rows of the three tables before in.  The view
	 * has a row per id as before (a chunk's or set's n rows).
	 */
	"CREATE TABLE monitor_key_chunks ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"	/* never reused: a run keeps chunks it read by id */
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  segment INTEGER NOT NULL,"
	"  first BLOB NOT NULL,"	/* its first key */
	"  n INTEGER NOT NULL,"
	"  keys BLOB NOT NULL"		/* n keys of 16 bytes, big-endian, ascending */
	");"
	"CREATE INDEX monitor_key_chunks_by_segment ON monitor_key_chunks (source_id, segment, first, n);"
	"CREATE TABLE monitor_claim_sets ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  run_id INTEGER NOT NULL,"
	"  scored INTEGER NOT NULL,"	/* 0 claimed, 1 scored (not yet in a segment) */
	"  lease INTEGER NOT NULL,"	/* claim valid until (ms since the epoch); 0 once scored */
	"  n INTEGER NOT NULL,"
	"  keys BLOB NOT NULL"
	");"
	"CREATE INDEX monitor_claim_sets_by_source ON monitor_claim_sets (source_id, scored);"
	"DROP VIEW scored_items;"
	"CREATE VIEW scored_items (source_id, item, run_id, scored, lease) AS"
	"  WITH RECURSIVE k (source_id, run_id, scored, lease, i, n) AS ("
	"    SELECT source_id, NULL, 1, 0, 1, n FROM monitor_key_chunks"
	"    UNION ALL SELECT source_id, run_id, scored, lease, 1, n FROM monitor_claim_sets WHERE n > 0"
	"    UNION ALL SELECT source_id, run_id, scored, lease, i + 1, n FROM k WHERE i < n)"
	"  SELECT source_id, NULL, run_id, scored, lease FROM k"
	"  UNION ALL SELECT source_id, item, run_id, scored, lease FROM monitor_claims"
	"  UNION ALL SELECT source_id, item, NULL, 1, 0 FROM monitor_scored_ids"
	"  UNION ALL SELECT source_id, NULL, NULL, 1, 0 FROM monitor_scored;",
	/* oed-monitor: a Bloom filter per segment of scored ids (lib/monitor/keys.c) */
	"CREATE TABLE monitor_key_filters ("
	"  source_id INTEGER NOT NULL REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  segment INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"		/* the keys of the segment it was made for */
	"  bits BLOB NOT NULL,"
	"  PRIMARY KEY (source_id, segment)"
	");",
	/*
	 * oed-monitor: where an http source's walk stopped at max_pages, so
	 * that the next run goes on from there over the same window
	 */
	"CREATE TABLE monitor_resume ("
	"  source_id INTEGER PRIMARY KEY REFERENCES monitor_sources(id) ON DELETE CASCADE,"
	"  since REAL,"			/* the window walked, seconds since the epoch; NULL: none */
	"  until REAL,"
	"  position TEXT NOT NULL"	/* the next cursor, or page number */
	");",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/*
 * How long a command waits for another one's write lock before it gives
 * up: generous, as a long --save or --record may hold it for a while;
 * $OED_BUSY_TIMEOUT (milliseconds) sets it.
 */
#define BUSY_TIMEOUT_MS 60000

static int
busy_timeout_ms(void)
{
	const char *env = getenv("OED_BUSY_TIMEOUT");
	static bool warned;
	unsigned long v;
	char *end;

	if (env == NULL || *env == '\0')
		return BUSY_TIMEOUT_MS;
	errno = 0;
	v = strtoul(env, &end, 10);
	if (*env >= '0' && *env <= '9' && *end == '\0' && errno == 0 && v <= INT32_MAX)
		return (int)v;
	if (!warned)
		oed_warn("OED_BUSY_TIMEOUT: '%s' is not a number of milliseconds; waiting %d",
			 oed_quote(env), BUSY_TIMEOUT_MS);
	warned = true;
	return BUSY_TIMEOUT_MS;
}

/*
 * The tables of a store at schema version 0, as "a, b, c" in out: none in
 * a store oed made (its first migration creates them and sets the version
 * in one transaction), so any is a file that is not an oed store.  The
 * number of tables, or -1 (err set).
 */
static int
foreign_tables(struct oed_store *s, char *out, size_t size, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT name FROM sqlite_master WHERE type = 'table'"
					     " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", err);
	size_t len = 0;
	int n = 0, rc;

	if (st == NULL)
		return -1;
	out[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		/* a few names, whole: a cut one would read as a name of its own */
		if (n < 6 && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s'%s'", n ? ", " : "",
						oed_quote(name));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oed_store_fail(s, err, "cannot read the store");
	if (n > 6 && len < size)
		snprintf(out + len, size - len, " and %d more", n - 6);
	return n;
}

/* err for a store at version 0 holding tables: it is not an oed store. */
static int
not_an_oed_store(struct oed_store *s, const char *tables, struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL,
			   "store '%s' is not an oed store: it holds tables oed did not make (%s)"
			   " and no oed schema version; give another --store or OED_STORE",
			   oed_quote(s->path), tables);
}

int
oed_store_fail(struct oed_store *s, struct oed_err *err, const char *what)
{
	return oed_err_set(err, OED_EX_FAIL, "store '%s': %s: %s", oed_quote(s->path), what,
			   sqlite3_errmsg(s->db));
}

int
oed_store_step(struct oed_store *s, sqlite3_stmt *st, const char *what, struct oed_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return oed_store_fail(s, err, what);
	return 0;
}

int
oed_store_has_column(struct oed_store *s, const char *table, const char *column, bool *yes,
		     struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	*yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return 0;
}

sqlite3_stmt *
oed_store_prepare(struct oed_store *s, const char *sql, struct oed_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		oed_store_fail(s, err, "cannot prepare statement");
		return NULL;
	}
	return st;
}

static int
exec(struct oed_store *s, const char *sql, struct oed_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		oed_err_set(err, OED_EX_FAIL, "store '%s': %s", oed_quote(s->path),
			    msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
oed_store_default_path(char *out, size_t size, struct oed_err *err)
{
	const char *env = getenv("OED_STORE"), *xdg = getenv("XDG_DATA_HOME"), *home;
	int n;

	if (env && *env)
		n = snprintf(out, size, "%s", env);
	else if (xdg && *xdg == '/')
		n = snprintf(out, size, "%s/oed/oed.db", xdg);
	else if ((home = getenv("HOME")) && *home)
		n = snprintf(out, size, "%s/.local/share/oed/oed.db", home);
	else
		return oed_err_set(err, OED_EX_FAIL,
				   "no store path: set --store, OED_STORE, XDG_DATA_HOME or HOME");
	if (n < 0 || (size_t)n >= size)
		return oed_err_set(err, OED_EX_FAIL, "store path too long");
	return 0;
}

/* mkdir -p for the folders above path's last component */
static int
make_parents(const char *path, struct oed_err *err)
{
	char *dir = strdup(path), *p;

	if (dir == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
			oed_err_set(err, OED_EX_FAIL, "cannot create folder '%s': %s", oed_quote(dir),
				    strerror(errno));
			free(dir);
			return -1;
		}
		*p = '/';
	}
	free(dir);
	return 0;
}

static int
migrate(struct oed_store *s, struct oed_err *err)
{
	sqlite3_stmt *st;
	int version = 0;

	st = oed_store_prepare(s, "PRAGMA user_version", err);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > NMIGRATIONS)
		return oed_err_set(err, OED_EX_FAIL,
				   "store '%s' has schema version %d, newer than this oed (%d): upgrade oed",
				   oed_quote(s->path), version, NMIGRATIONS);
	while (version < NMIGRATIONS) {
		char pragma[64];

		/* IMMEDIATE: two tools opening a new store at once migrate once */
		if (exec(s, "BEGIN IMMEDIATE", err) == -1)
			return -1;
		st = oed_store_prepare(s, "PRAGMA user_version", err);
		if (st == NULL) {
			oed_store_rollback(s);
			return -1;
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (version >= NMIGRATIONS) {
			if (exec(s, "COMMIT", err) == -1) {
				oed_store_rollback(s);
				return -1;
			}
			break;
		}
		if (version == 0) {
			char tables[256];
			int n = foreign_tables(s, tables, sizeof(tables), err);

			if (n != 0) {
				oed_store_rollback(s);
				return n < 0 ? -1 : not_an_oed_store(s, tables, err);
			}
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
		if (exec(s, migrations[version], err) == -1 || exec(s, pragma, err) == -1 ||
		    exec(s, "COMMIT", err) == -1) {
			oed_store_rollback(s);
			return -1;
		}
		version++;
	}
	return 0;
}

/* The handle with its path resolved, not yet connected; NULL on failure (err set). */
static struct oed_store *
store_new(const char *path, struct oed_err *err)
{
	struct oed_store *s = calloc(1, sizeof(*s));
	char def[4096];

	if (s == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	if (path == NULL) {
		if (oed_store_default_path(def, sizeof(def), err) == -1)
			goto fail;
		path = def;
	}
	s->path = strdup(path);
	if (s->path == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	return s;
fail:
	free(s);
	return NULL;
}

struct oed_store *
oed_store_open(const char *path, struct oed_err *err)
{
	struct oed_store *s = store_new(path, err);

	if (s == NULL)
		return NULL;
	if (make_parents(s->path, err) == -1)
		goto fail;
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		oed_err_set(err, OED_EX_FAIL, "cannot open store '%s': %s", oed_quote(s->path),
			    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, busy_timeout_ms());
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", err) == -1)
		goto fail;
	if (migrate(s, err) == -1)
		goto fail;
	/* chain the runs an older oed or an interrupted seal left out */
	if (oed_audit_seal(s, err) == -1)
		goto fail;
	return s;
fail:
	oed_store_close(s);
	return NULL;
}

/* "file:" URI for path with immutable=1; NULL when out of memory. */
static char *
immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *uri = malloc(sizeof("file://?immutable=1") + 3 * n), *o;

	if (uri == NULL)
		return NULL;
	/* an absolute path gets an empty authority, so "//x" stays a path */
	o = uri + sprintf(uri, "%s", *path == '/' ? "file://" : "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	strcpy(o, "?immutable=1");
	return uri;
}

static int
connect_readonly(struct oed_store *s, int immutable, struct oed_err *err)
{
	char *uri = NULL;
	int rc;

	if (immutable && (uri = immutable_uri(s->path)) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	rc = sqlite3_open_v2(uri ? uri : s->path, &s->db,
			     SQLITE_OPEN_READONLY | (uri ? SQLITE_OPEN_URI : 0), NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return oed_err_set(err, OED_EX_FAIL, "cannot open store '%s': %s", oed_quote(s->path),
				   s->db ? sqlite3_errmsg(s->db) : "out of memory");
	/* a reader can still meet SQLITE_BUSY while a writer recovers the WAL */
	sqlite3_busy_timeout(s->db, busy_timeout_ms());
	return 0;
}

/* PRAGMA user_version into *version: the first read, which opens the WAL. */
static int
read_version(struct oed_store *s, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * May the store be read with immutable=1?  Only called when SQLite could
 * not create the -wal or -shm file a WAL database is read through (the
 * folder is not writable by us).  immutable=1 makes SQLite skip those
 * files and all locking, which is only right when nothing can change the
 * file while we read it:
 *   - a -wal file that is not empty may hold committed transactions not
 *     yet copied into the main file; immutable would silently ignore them,
 *     so we refuse (a writer that closes cleanly removes it; an empty one
 *     is what a read-only reader leaves behind, and holds nothing);
 *   - the file must be beyond every writer: on a read-only file system, or
 *     with no write permission bit at all (chmod a-w), so no oed and no
 *     SQLite opens it for writing; otherwise a writer's checkpoint could
 *     rewrite pages under us, unlocked, and we would read a torn tree.
 * Root ignores permission bits; a root that writes into a store others
 * read as immutable is on its own.  0 or -1 (err set, saying what to do).
 */
static int
immutable_is_safe(const struct oed_store *s, const struct stat *sb, struct oed_err *err)
{
	size_t n = strlen(s->path) + sizeof("-wal");
	char *wal = malloc(n);
	struct statvfs vfs;
	struct stat wb;
	int has_wal;

	if (wal == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	snprintf(wal, n, "%s-wal", s->path);
	/* one we cannot stat for another reason than ENOENT counts as full */
	has_wal = stat(wal, &wb) == 0 ? wb.st_size > 0 : errno != ENOENT;
	free(wal);
	if (has_wal)
		return oed_err_set(err, OED_EX_FAIL,
				   "store '%s': cannot read it from a folder you cannot write while its"
				   " '-wal' file may hold changes: let a command that writes to the store"
				   " finish, or make the folder writable", oed_quote(s->path));
	if (statvfs(s->path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return 0;
	if ((sb->st_mode & 0222) == 0)
		return 0;
	return oed_err_set(err, OED_EX_FAIL,
			   "store '%s': cannot read it from a folder you cannot write while the store"
			   " itself is writable: make the folder writable, or the store read-only for"
			   " everyone (chmod a-w)", oed_quote(s->path));
}

static struct oed_store *
open_readonly(const char *path, bool older_ok, int *version_out, struct oed_err *err)
{
	struct oed_store *s = store_new(path, err);
	struct stat sb;
	int version, code;

	if (s == NULL)
		return NULL;
	s->readonly = 1;
	/* SQLite would say "unable to open database file"; say what is wrong */
	if (stat(s->path, &sb) == -1) {
		if (errno == ENOENT)
			oed_err_set(err, OED_EX_FAIL, "no store at '%s': nothing has been recorded there yet",
				    oed_quote(s->path));
		else
			oed_err_set(err, OED_EX_FAIL, "cannot open store '%s': %s", oed_quote(s->path),
				    strerror(errno));
		goto fail;
	}
	if (connect_readonly(s, 0, err) == -1)
		goto fail;
	if (read_version(s, &version) == -1) {
		/*
		 * A read-only folder: SQLite cannot create the -wal and -shm
		 * (SQLITE_READONLY_DIRECTORY, or CANTOPEN for the -shm).  Fall
		 * back to immutable=1 only where that is safe, see above.
		 */
		code = sqlite3_extended_errcode(s->db);
		if (code != SQLITE_READONLY_DIRECTORY && (code & 0xff) != SQLITE_CANTOPEN) {
			oed_store_fail(s, err, "cannot read the store");
			goto fail;
		}
		if (immutable_is_safe(s, &sb, err) == -1)
			goto fail;
		sqlite3_close(s->db);
		s->db = NULL;
		if (connect_readonly(s, 1, err) == -1)
			goto fail;
		if (read_version(s, &version) == -1) {
			oed_store_fail(s, err, "cannot read the store");
			goto fail;
		}
	}
	if (version > NMIGRATIONS) {
		oed_err_set(err, OED_EX_FAIL,
			    "store '%s' has schema version %d, newer than this oed (%d): upgrade oed",
			    oed_quote(s->path), version, NMIGRATIONS);
		goto fail;
	}
	if (version == 0) {
		char tables[256];
		int n = foreign_tables(s, tables, sizeof(tables), err);

		if (n < 0)
			goto fail;
		if (n > 0) {
			not_an_oed_store(s, tables, err);
			goto fail;
		}
	}
	/* migrating is a write: leave it to the next command that writes */
	if (version < NMIGRATIONS && !older_ok) {
		oed_err_set(err, OED_EX_FAIL,
			    "store '%s' has schema version %d, older than this oed (%d): run a command"
			    " that writes to the store (such as oed-drift --record) once to upgrade it",
			    oed_quote(s->path), version, NMIGRATIONS);
		goto fail;
	}
	if (version_out)
		*version_out = version;
	return s;
fail:
	oed_store_close(s);
	return NULL;
}

struct oed_store *
oed_store_open_readonly(const char *path, struct oed_err *err)
{
	return open_readonly(path, false, NULL, err);
}

struct oed_store *
oed_store_open_readonly_any(const char *path, int *version, struct oed_err *err)
{
	return open_readonly(path, true, version, err);
}

void
oed_store_close(struct oed_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->metric_insert);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

sqlite3 *
oed_store_db(struct oed_store *s)
{
	return s->db;
}

const char *
oed_store_path(const struct oed_store *s)
{
	return s->path;
}

int
oed_store_begin(struct oed_store *s, struct oed_err *err)
{
	/* SQLite would say "attempt to write a readonly database" at the first write */
	if (s->readonly)
		return oed_err_set(err, OED_EX_FAIL, "store '%s' is open read-only", oed_quote(s->path));
	return exec(s, "BEGIN IMMEDIATE", err);
}

int
oed_store_commit(struct oed_store *s, struct oed_err *err)
{
	return exec(s, "COMMIT", err);
}

void
oed_store_rollback(struct oed_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- who runs a run: process id, host and process start ---- */

/* This machine's host name into out (empty when unknown). */
static void
host_name(char *out, size_t size)
{
	if (gethostname(out, size) != 0)
		out[0] = '\0';
	out[size - 1] = '\0';
}

/*
 * When process pid started, as "BOOT_ID/TICKS": the boot's random id and
 * the start time in clock ticks since boot (field 22 of /proc/PID/stat),
 * which together name one process for good, where a pid alone is reused.
 * *zombie tells a process that has exited but is not yet reaped.  0, or
 * -1 when /proc cannot say (not Linux, no such process).
 */
static int
proc_start(long pid, char *out, size_t size, bool *zombie)
{
	char path[64], boot[64], stat[1024], *p;
	unsigned long long ticks;
	size_t n;
	FILE *fp;

	if ((fp = fopen("/proc/sys/kernel/random/boot_id", "r")) == NULL)
		return -1;
	n = fread(boot, 1, sizeof(boot) - 1, fp);
	fclose(fp);
	while (n > 0 && (boot[n - 1] == '\n' || boot[n - 1] == ' '))
		n--;
	boot[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(stat, 1, sizeof(stat) - 1, fp);
	fclose(fp);
	stat[n] = '\0';
	/* "PID (COMM) S ...": COMM may hold spaces and parentheses */
	if (n == 0 || (p = strrchr(stat, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	*zombie = *p == 'Z' || *p == 'X';
	/* the state is field 3, the start time field 22 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -1;
		p++;
	}
	if (sscanf(p, "%llu", &ticks) != 1)
		return -1;
	snprintf(out, size, "%s/%llu", boot, ticks);
	return 0;
}

const char *
oed_run_status(const char *status, int64_t pid, const char *host, const char *started)
{
	char here[256], now[128];
	bool zombie = false;

	if (status == NULL || strcmp(status, "running") != 0 || pid <= 0 || pid > INT32_MAX ||
	    host == NULL)
		return status;
	host_name(here, sizeof(here));
	/* a process on another machine cannot be asked */
	if (strcmp(here, host) != 0)
		return status;
	if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		return "abandoned";
	/* the pid lives: is it still the run's process (not a reused pid, nor a zombie)? */
	if (proc_start((long)pid, now, sizeof(now), &zombie) == 0 &&
	    (zombie || (started && strcmp(started, now) != 0)))
		return "abandoned";
	return status;
}

int
oed_run_begin(struct oed_store *s, const char *tool, const char *name, int argc,
	      char *const *argv, const char *params_json, int64_t *run_id, struct oed_err *err)
{
	json_t *args = json_array();
	char *argv_json = NULL, now[32], host[256], start[128];
	sqlite3_stmt *st = NULL;
	bool zombie;
	int rc = -1;

	for (int i = 0; args && i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	argv_json = args ? json_dumps(args, JSON_COMPACT) : NULL;
	if (argv_json == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	oed_now_rfc3339(now);
	st = oed_store_prepare(s, "INSERT INTO runs (tool, argv, params, version, started, name,"
			       " pid, host, proc_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, tool, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, argv_json, -1, SQLITE_STATIC);
	if (params_json)
		sqlite3_bind_text(st, 3, params_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, PACKAGE_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (name)
		sqlite3_bind_text(st, 6, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)getpid());
	host_name(host, sizeof(host));
	if (*host)
		sqlite3_bind_text(st, 8, host, -1, SQLITE_STATIC);
	if (proc_start((long)getpid(), start, sizeof(start), &zombie) == 0)
		sqlite3_bind_text(st, 9, start, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		int64_t other;
		struct oed_err ignored;

		if (name && sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE &&
		    oed_store_find_run(s, NULL, name, &other, &ignored) == 0)
			oed_err_set(err, OED_EX_USAGE, "--name: run %lld is already named '%s'",
				    (long long)other, oed_quote(name));
		else
			oed_store_fail(s, err, "cannot record the run");
		goto out;
	}
	*run_id = sqlite3_last_insert_rowid(s->db);
	rc = 0;
out:
	sqlite3_finalize(st);
	free(argv_json);
	json_decref(args);
	return rc;
}

int
oed_run_finish(struct oed_store *s, int64_t run_id, const char *status,
	       const char *input_digest, struct oed_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc = 0;

	oed_now_rfc3339(now);
	st = oed_store_prepare(s, "UPDATE runs SET status = ?, finished = ?,"
			       " input_digest = coalesce(?, input_digest) WHERE id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (input_digest)
		sqlite3_bind_text(st, 3, input_digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = oed_store_fail(s, err, "cannot finish the run");
	sqlite3_finalize(st);
	/* a finished run joins the audit chain at once */
	if (rc == 0)
		rc = oed_audit_seal(s, err);
	return rc;
}

int
oed_store_check(const char *path, struct oed_err *err)
{
	struct oed_store *s = oed_store_open(path, err);

	if (s == NULL)
		return -1;
	oed_store_close(s);
	return 0;
}

int
oed_run_record(struct oed_input_opts *io, const char *tool, int argc, char *const *argv,
	       const char *params_json, const char *input_digest, oed_run_fill_fn *fill,
	       void *ctx, struct oed_err *err)
{
	struct oed_store *s = oed_store_open(io->store, err);
	int64_t run;
	int rc = -1;

	if (s == NULL)
		return -1;
	if (oed_store_begin(s, err) == -1)
		goto out;
	if (oed_run_begin(s, tool, io->name, argc, argv, params_json, &run, err) == 0 &&
	    fill(s, run, ctx, err) == 0 && oed_run_finish(s, run, "ok", input_digest, err) == 0 &&
	    oed_store_commit(s, err) == 0) {
		rc = 0;
		io->run_id = run;
		oed_note("recorded run %lld", (long long)run);
	} else {
		oed_store_rollback(s);
	}
out:
	oed_store_close(s);
	return rc;
}

int
oed_run_start(struct oed_input_opts *io, const char *tool, int argc, char *const *argv,
	      struct oed_err *err)
{
	struct oed_store *s = oed_store_open(io->store, err);
	int64_t run;
	int rc = -1;

	if (s == NULL)
		return -1;
	if (oed_store_begin(s, err) == -1)
		goto out;
	if (oed_run_begin(s, tool, io->name, argc, argv, NULL, &run, err) == 0 &&
	    oed_store_commit(s, err) == 0) {
		rc = 0;
		io->run_id = run;
	} else {
		oed_store_rollback(s);
	}
out:
	oed_store_close(s);
	return rc;
}

/* Mark io->run_id status on a fresh connection; errors are noted, not returned. */
static void
run_mark(struct oed_input_opts *io, const char *status)
{
	struct oed_err err;
	struct oed_store *s = oed_store_open(io->store, &err);

	if (s == NULL || oed_store_begin(s, &err) == -1 ||
	    oed_run_finish(s, io->run_id, status, NULL, &err) == -1 ||
	    oed_store_commit(s, &err) == -1) {
		if (s)
			oed_store_rollback(s);
		oed_warn("run %lld stays 'running' in the store: %s", (long long)io->run_id, err.msg);
	}
	oed_store_close(s);
}

int
oed_run_end(struct oed_input_opts *io, const char *params_json, const char *input_digest,
	    oed_run_fill_fn *fill, void *ctx, struct oed_err *err)
{
	struct oed_store *s = oed_store_open(io->store, err);
	sqlite3_stmt *st;
	int rc = -1;

	if (s == NULL)
		goto failed;
	if (oed_store_begin(s, err) == -1)
		goto out;
	st = oed_store_prepare(s, "UPDATE runs SET params = ? WHERE id = ?", err);
	if (st == NULL)
		goto back;
	if (params_json)
		sqlite3_bind_text(st, 1, params_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, io->run_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : oed_store_fail(s, err, "cannot record the run");
	sqlite3_finalize(st);
	if (rc == 0 && fill(s, io->run_id, ctx, err) == 0 &&
	    oed_run_finish(s, io->run_id, "ok", input_digest, err) == 0 &&
	    oed_store_commit(s, err) == 0) {
		oed_note("recorded run %lld", (long long)io->run_id);
		goto out;
	}
	rc = -1;
back:
	oed_store_rollback(s);
out:
	oed_store_close(s);
	if (rc == 0)
		return 0;
failed:
	run_mark(io, "failed");
	return -1;
}

void
oed_run_fail(struct oed_input_opts *io, int status)
{
	if (io->run_id > 0)
		run_mark(io, status == OED_EX_SIGINT || status == OED_EX_SIGTERM ? "interrupted" : "failed");
}

int
oed_store_list_runs(struct oed_store *s, const char *tool, oed_run_list_fn *fn, void *ctx,
		    struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT id, tool, name, started, finished, status,"
					     " argv, input_digest, pid, host, proc_start FROM runs"
					     " WHERE ?1 IS NULL OR tool = ?1 ORDER BY id", err);
	int rc;

	if (st == NULL)
		return -1;
	if (tool)
		sqlite3_bind_text(st, 1, tool, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct oed_run_info run;

		run.id = sqlite3_column_int64(st, 0);
		run.tool = (const char *)sqlite3_column_text(st, 1);
		run.name = (const char *)sqlite3_column_text(st, 2);
		run.started = (const char *)sqlite3_column_text(st, 3);
		run.finished = (const char *)sqlite3_column_text(st, 4);
		run.status = oed_run_status((const char *)sqlite3_column_text(st, 5),
					    sqlite3_column_int64(st, 8),
					    (const char *)sqlite3_column_text(st, 9),
					    (const char *)sqlite3_column_text(st, 10));
		run.argv = (const char *)sqlite3_column_text(st, 6);
		run.input_digest = (const char *)sqlite3_column_text(st, 7);
		if (fn(&run, ctx, err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oed_store_fail(s, err, "cannot list the runs");
	return 0;
}

static void
w_str_or_null(struct oed_writer *w, const char *key, const char *v)
{
	if (v)
		oed_w_str(w, key, v);
	else
		oed_w_null(w, key);
}

static int
write_run(const struct oed_run_info *run, void *ctx, struct oed_err *err)
{
	struct oed_writer *w = ctx;

	oed_w_begin(w);
	oed_w_int(w, "id", run->id);
	oed_w_str(w, "tool", run->tool);
	w_str_or_null(w, "name", run->name);
	oed_w_str(w, "started", run->started);
	w_str_or_null(w, "finished", run->finished);
	oed_w_str(w, "status", run->status);
	/* stored by oed_run_begin as a JSON array */
	oed_w_raw(w, "argv", run->argv, strlen(run->argv));
	w_str_or_null(w, "input_digest", run->input_digest);
	if (oed_w_end(w) == -1)
		return oed_err_set(err, OED_EX_FAIL, "write error: %s", strerror(errno));
	return 0;
}

int
oed_runs_write(const char *path, struct oed_writer *w, struct oed_err *err)
{
	char def[4096];
	struct oed_store *s;
	struct stat sb;
	int rc;

	if (path == NULL) {
		if (oed_store_default_path(def, sizeof(def), err) == -1)
			return -1;
		path = def;
	}
	/* no store yet: no runs, and nothing is created to say so */
	if (stat(path, &sb) == -1 && errno == ENOENT)
		return 0;
	if ((s = oed_store_open_readonly(path, err)) == NULL)
		return -1;
	rc = oed_store_list_runs(s, NULL, write_run, w, err);
	oed_store_close(s);
	return rc;
}

/* The id of the newest finished run of tool (any tool when NULL); 0 or -1 (err set). */
static int
latest_run(struct oed_store *s, const char *tool, int64_t *id, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT max(id) FROM runs WHERE status = 'ok'"
					     " AND (?1 IS NULL OR tool = ?1)", err);
	int rc = -1;

	if (st == NULL)
		return -1;
	if (tool)
		sqlite3_bind_text(st, 1, tool, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		oed_store_fail(s, err, "cannot read the runs");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		oed_err_set(err, OED_EX_USAGE, "no %s%srun recorded in store '%s' yet", tool ? tool : "",
			    tool ? " " : "", oed_quote(s->path));
	else {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
oed_store_find_run(struct oed_store *s, const char *tool, const char *spec, int64_t *id,
		   struct oed_err *err)
{
	sqlite3_stmt *st;
	const char *p;
	int rc;

	if (strcmp(spec, "latest") == 0)
		return latest_run(s, tool, id, err);
	if (strncmp(spec, "latest:", 7) == 0) {
		if (tool && strcmp(spec + 7, tool) != 0)
			return oed_err_set(err, OED_EX_USAGE, "'%s': this needs an %s run",
					   oed_quote(spec), tool);
		return latest_run(s, spec + 7, id, err);
	}
	for (p = spec; *p >= '0' && *p <= '9'; p++)
		;
	/* all digits: an id; anything else: a name */
	if (*spec && *p == '\0' && p - spec < 19)
		st = oed_store_prepare(s, "SELECT id, tool FROM runs WHERE id = ?", err);
	else
		st = oed_store_prepare(s, "SELECT id, tool FROM runs WHERE name = ?", err);
	if (st == NULL)
		return -1;
	if (*spec && *p == '\0' && p - spec < 19)
		sqlite3_bind_int64(st, 1, strtoll(spec, NULL, 10));
	else
		sqlite3_bind_text(st, 1, spec, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 1);

		*id = sqlite3_column_int64(st, 0);
		if (tool && strcmp(t, tool) != 0)
			rc = oed_err_set(err, OED_EX_USAGE, "run %lld is an %s run, not an %s run",
					 (long long)*id, t, tool);
		else
			rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = *spec && *p == '\0' ?
			oed_err_set(err, OED_EX_USAGE, "no run %s in store '%s'", spec, oed_quote(s->path)) :
			oed_err_set(err, OED_EX_USAGE, "no run named '%s' in store '%s'", oed_quote(spec),
				    oed_quote(s->path));
	} else {
		rc = oed_store_fail(s, err, "cannot read the runs");
	}
	sqlite3_finalize(st);
	return rc;
}

int
oed_metric_add(struct oed_store *s, int64_t run_id, const char *name,
	       const char *grp, double value, double lo, double hi, struct oed_err *err)
{
	static const char sql[] =
		"INSERT INTO metrics (run_id, name, grp, value, lo, hi) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = s->metric_insert;
	int rc = 0;

	if (st == NULL && (st = s->metric_insert = oed_store_prepare(s, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (grp)
		sqlite3_bind_text(st, 3, grp, -1, SQLITE_STATIC);
	/* non-finite values are stored as NULL, as the writer prints null */
	if (isfinite(value))
		sqlite3_bind_double(st, 4, value);
	if (isfinite(lo))
		sqlite3_bind_double(st, 5, lo);
	if (isfinite(hi))
		sqlite3_bind_double(st, 6, hi);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = oed_store_fail(s, err, "cannot record a metric");
	/*
	 * Reset so the statement holds no lock between calls, and clear the
	 * bindings: unbound parameters must read NULL next time, and the
	 * caller's strings (bound SQLITE_STATIC) may be gone by then.
	 */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}
