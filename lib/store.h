/*
 * store.h: the SQLite run store shared by every tool.
 *
 * One file: --store PATH, else $OED_STORE, else $XDG_DATA_HOME/oed/oed.db
 * (~/.local/share/oed/oed.db), created with its folder on first use.  WAL
 * mode, a busy timeout, foreign keys on; the schema version lives in
 * PRAGMA user_version and moves forward through the migration list in
 * store.c, each migration one transaction.  All SQL binds its parameters.
 *
 * Tables (see store.c for the exact schema):
 *   runs              one row per tool run: tool, argv, params (JSON),
 *                     input digest, oed version, start/end (RFC 3339), status,
 *                     and the process id, host and process start of its run
 *   metrics           run, name, grp, value, lo, hi (entropy, mi, drift ...)
 *   datasets          name
 *   dataset_versions  dataset, version (1, 2, ...), digest, records, created
 *   dataset_records   version, seq, record (normalised JSON line)
 *   drift_baselines   run, feature, kind, summary (JSON: what a later
 *                     --baseline needs instead of the raw reference)
 *   bench_responses   oed-bench's cache: (request digest, sample) -> the
 *                     response as JSON; only successful responses
 *   bench_items       run, seq, the bench.item record as written
 *
 * Writes that belong together go in one oed_store_begin/commit pair, so a
 * killed process leaves the store as it was before the pair.
 */
#ifndef OED_STORE_H
#define OED_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "time.h"	/* oed_now_rfc3339: the runs' times */

struct oed_store;
struct oed_input_opts;	/* opt.h */
struct oed_writer;	/* jsonw.h */

/* path NULL: $OED_STORE, else the XDG default.  NULL on failure (err set). */
struct oed_store *oed_store_open(const char *path, struct oed_err *err);
/*
 * For commands that only read (drift --baseline, ingest --list/--load):
 * SQLITE_OPEN_READONLY, no pragma writes, no migrations, so a store the
 * user cannot write (a shared baseline) can be read.  A missing file is an
 * error and is not created; a schema older or newer than this build is
 * refused.  In a folder the user cannot write, SQLite cannot create the
 * -wal and -shm files it reads through; the store is then read as
 * immutable when nothing can be writing it (see store.c), else refused.
 * In a writable folder SQLite creates them and, being read-only, cannot
 * remove them on close: an empty -wal and a -shm stay, which the next
 * writer reuses.  oed_store_begin and every write fail on this handle.
 * NULL on failure (err set).
 */
struct oed_store *oed_store_open_readonly(const char *path, struct oed_err *err);
/*
 * The same, but a store older than this build is opened as it is, not
 * refused: *version is its schema version (PRAGMA user_version), and the
 * caller reads only the tables it has (oed-monitor --status).
 */
struct oed_store *oed_store_open_readonly_any(const char *path, int *version, struct oed_err *err);
void oed_store_close(struct oed_store *s);
sqlite3 *oed_store_db(struct oed_store *s);
const char *oed_store_path(const struct oed_store *s);
/* Where the store would be, without opening it; 0 or -1 (err set). */
int oed_store_default_path(char *out, size_t size, struct oed_err *err);

int oed_store_begin(struct oed_store *s, struct oed_err *err);
int oed_store_commit(struct oed_store *s, struct oed_err *err);
void oed_store_rollback(struct oed_store *s);

/*
 * Run bookkeeping.  name (--name) may be NULL; a name another run has is
 * refused (OED_EX_USAGE).  params_json may be NULL; status "ok", "failed",
 * "interrupted".
 */
int oed_run_begin(struct oed_store *s, const char *tool, const char *name, int argc,
		  char *const *argv, const char *params_json, int64_t *run_id, struct oed_err *err);
int oed_run_finish(struct oed_store *s, int64_t run_id, const char *status,
		   const char *input_digest, struct oed_err *err);

/*
 * Record one finished run in one transaction: open the store at
 * io->store, begin, add the run (named io->name, --name), let fill write
 * its rows, mark the run "ok" with input_digest, commit.  Any failure
 * rolls it all back, so the store holds the whole run or none of it.  On
 * success io->run_id is the run's id (for the summary record's "run") and
 * "oed-TOOL: recorded run N" is noted on stderr.  0 or -1 (err set).
 */
typedef int oed_run_fill_fn(struct oed_store *s, int64_t run_id, void *ctx, struct oed_err *err);
/*
 * Open the store at path (creating and migrating it) and close it again,
 * so that a run that will record fails before it reads any input, not
 * after all its work.  0 or -1 (err set).
 */
int oed_store_check(const char *path, struct oed_err *err);
int oed_run_record(struct oed_input_opts *io, const char *tool, int argc, char *const *argv,
		   const char *params_json, const char *input_digest, oed_run_fill_fn *fill,
		   void *ctx, struct oed_err *err);

/*
 * A run whose records stream out while it reads, so that they carry its
 * id before it ends.  oed_run_start opens the store at io->store and
 * commits the run row (named io->name, status "running") on its own, and
 * leaves its id in io->run_id.  oed_run_end writes the parameters, fill's
 * rows and status "ok" with input_digest in one transaction, as
 * oed_run_record does, and notes "recorded run N"; if that fails, it is
 * rolled back and the run marked "failed".  oed_run_fail marks it
 * "failed" ("interrupted" for an exit status of 130 or 143) when the run
 * stops before oed_run_end.  The store thus holds a finished run whole,
 * or its bare row with why it did not finish.  0 or -1 (err set).
 */
int oed_run_start(struct oed_input_opts *io, const char *tool, int argc, char *const *argv,
		  struct oed_err *err);
int oed_run_end(struct oed_input_opts *io, const char *params_json, const char *input_digest,
		oed_run_fill_fn *fill, void *ctx, struct oed_err *err);
void oed_run_fail(struct oed_input_opts *io, int status);

/*
 * The status a run shows: its stored status, but "abandoned" for a
 * "running" run recorded on this host whose process is gone: no process
 * has its id (kill(pid, 0) fails with ESRCH), or the one that has it is
 * a zombie or started at another time or boot (proc_start differs, Linux
 * /proc), so a reused pid is not taken for the run.  A run from another
 * host, or one an older oed recorded without its pid, shows as stored.
 * Computed as runs are read, never written: the store keeps "running".
 */
const char *oed_run_status(const char *status, int64_t pid, const char *host,
			   const char *proc_start);

/* A run as listed (status as oed_run_status shows it); the strings are borrowed for the call, name, finished and input_digest may be NULL. */
struct oed_run_info {
	int64_t id;
	const char *tool, *name, *started, *finished, *status;
	const char *argv;	/* JSON array */
	const char *input_digest;
};
typedef int oed_run_list_fn(const struct oed_run_info *run, void *ctx, struct oed_err *err);
/* Call fn for each run of tool (every run when NULL), oldest first; 0 or -1 (err set). */
int oed_store_list_runs(struct oed_store *s, const char *tool, oed_run_list_fn *fn, void *ctx,
			struct oed_err *err);
/*
 * --runs: every run of the store at path (NULL: the default) as one JSON
 * Lines record on w: id, tool, name, started, finished, status, argv,
 * input_digest (null when absent).  A store that does not exist lists
 * nothing and is not created; the store is opened read-only.  0 or -1.
 */
int oed_runs_write(const char *path, struct oed_writer *w, struct oed_err *err);
/*
 * The run spec names: "latest" (the newest finished run of tool, any tool
 * when tool is NULL), "latest:TOOL", a name given with --name, or an id.
 * With tool given, a run of another tool is refused.  0 and *id, or -1
 * (err set: OED_EX_USAGE when there is no such run).
 */
int oed_store_find_run(struct oed_store *s, const char *tool, const char *spec, int64_t *id,
		       struct oed_err *err);

/* One result figure; grp may be NULL, lo/hi NAN when there is no interval. */
int oed_metric_add(struct oed_store *s, int64_t run_id, const char *name,
		   const char *grp, double value, double lo, double hi,
		   struct oed_err *err);

/* Prepare or fail with the store's message in err. */
sqlite3_stmt *oed_store_prepare(struct oed_store *s, const char *sql, struct oed_err *err);
/* err from the last failure on s's connection, status OED_EX_FAIL; returns -1. */
int oed_store_fail(struct oed_store *s, struct oed_err *err, const char *what);
/* Step st once: 0 when it ran (a row or done), else -1 with err "store 'P': what: SQLite's words". */
int oed_store_step(struct oed_store *s, sqlite3_stmt *st, const char *what, struct oed_err *err);
/* *yes: whether the store has this column of this table (a store made by an older oed may not). */
int oed_store_has_column(struct oed_store *s, const char *table, const char *column, bool *yes,
			 struct oed_err *err);

#endif
