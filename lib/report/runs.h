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
	char **refs;		/* "12", "last", "last:oed-bench" (borrowed) */
	int nrefs;
	const char *since;	/* RFC 3339 cut-off, from oed_rep_since */
	const char *tool, *task, *model;
};

/* Does the operand name a run (digits, "last", "last:TOOL") rather than a file? */
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
/* Add the run and, when metrics, one "run.metric" per metric row to rep. */
int oed_rep_load_run(struct oed_report *rep, struct oed_store *s, int64_t id, bool metrics,
		     struct oed_err *err);
/* The metric rows the runs ids[0..n) hold; -1 on failure (err set). */
int64_t oed_rep_metric_count(struct oed_store *s, const int64_t *ids, size_t n, struct oed_err *err);

/* Past this many metric rows over several runs, only the runs are loaded. */
#define OED_REP_MAX_METRICS 1000000

#endif
