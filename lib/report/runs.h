/*
 * runs.h: choosing runs in the store and loading them into a report.
 */
#ifndef OED_REPORT_RUNS_H
#define OED_REPORT_RUNS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "report/report.h"
#include "store.h"

struct oed_rep_sel {
	char **refs;		/* "12", "last", "last:oed-bench", "latest", a run's name (borrowed) */
	int nrefs;
	const char *since;	/* RFC 3339 cut-off, from oed_rep_since */
	const char *tool, *task, *model;
};

/*
 * Does the operand name a run (digits, "last", "last:TOOL", "latest",
 * "latest:TOOL") rather than a file?  The command also takes an operand
 * that is no file as a run's --name.
 */
bool oed_rep_is_runref(const char *s);
/* --since ARG (a duration back from now or an RFC 3339 time) as an RFC 3339 cut-off. */
int oed_rep_since(const char *arg, time_t now, char out[32], struct oed_err *err);
/*
 * The ids sel names, in its order; with no refs, every run the filters
 * keep, oldest first.  *ids is malloc'd (caller frees).  0 or -1.
 */
int oed_rep_select(struct oed_store *s, const struct oed_rep_sel *sel, int64_t **ids, size_t *n,
		   struct oed_err *err);
/* A run as a "run" record (new reference); NULL when absent (err set). */
json_t *oed_rep_run_json(struct oed_store *s, int64_t id, bool with_argv, struct oed_err *err);
/*
 * Add the runs ids[0..n) to rep, each a "run" record and its metrics: the
 * records the run printed, rebuilt from its metric rows (drift, entropy,
 * mi, bench.summary), or one "run.metric" per row for other tools.  The
 * runs share max_rows rows kept one by one; a run holding more than its
 * share (max_rows / n) is reported instead by one "run.metric.summary"
 * per metric name (n, nulls, mean, min, max), and counted in
 * *summarised.  An oed-bench run's bench.item records share the rows
 * too: a run holding more items than its share is loaded without them
 * (its bench.summary stays), counted in *no_items.  Rows are read one at
 * a time, so memory is bounded by max_rows and the names, not by the
 * store.  0 or -1 (err set).
 */
int oed_rep_load_runs(struct oed_report *rep, struct oed_store *s, const int64_t *ids, size_t n,
		      size_t max_rows, size_t *summarised, size_t *no_items, struct oed_err *err);

/* Metric rows a report keeps one by one, shared by the runs it loads. */
#define OED_REP_MAX_METRICS 1000000

#endif
