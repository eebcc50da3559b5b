/*
 * run.h: what oed-entropy and oed-mi share on the command line and in a
 * run.
 *
 * The options both tools take come from OED_ENGINE_OPTIONS and are handled
 * by oed_engine_opt(); a tool's handler forwards ids from
 * OED_ENGINE_OPT_FIRST on there (and ids from OED_OPT_COMMON to
 * oed_input_opt()).  The defaults live in OED_ENGINE_OPTS_INIT (engine.h)
 * and oed_engine_job_init(), nowhere else.
 *
 * oed_engine_run() is a whole run: records (or, with merge, states) from
 * the files, then a state or the results to the writer the tool gives, and
 * the run store with record.  It never picks stdout and never exits.
 */
#ifndef OED_INFO_RUN_H
#define OED_INFO_RUN_H

#include <stdbool.h>

#include "diag.h"
#include "engine.h"
#include "jsonw.h"
#include "opt.h"

/* Ids of the shared engine options: past the input options' ids. */
#define OED_ENGINE_OPT_FIRST (OED_OPT_COMMON + 1000)
enum {
	OED_ENGINE_OPT_WEIGHT = OED_ENGINE_OPT_FIRST,
	OED_ENGINE_OPT_ESTIMATOR,
	OED_ENGINE_OPT_BASE,
	OED_ENGINE_OPT_MISSING,
	OED_ENGINE_OPT_NORMALIZE,
	OED_ENGINE_OPT_EXTRACT,
	OED_ENGINE_OPT_CLUSTER,
	OED_ENGINE_OPT_CLUSTER_FIELD,
	OED_ENGINE_OPT_CI,
	OED_ENGINE_OPT_BOOTSTRAP,
	OED_ENGINE_OPT_SEED,
	OED_ENGINE_OPT_EMIT_STATE,
	OED_ENGINE_OPT_MERGE,
	OED_ENGINE_OPT_RECORD,
};

#define OED_ENGINE_OPTIONS \
	{ "weight", 'w', OED_ARG_REQUIRED, "FIELD", \
	  "each record counts this many times (pre-aggregated data)", OED_ENGINE_OPT_WEIGHT }, \
	{ "estimator", 'e', OED_ARG_REQUIRED, "NAME", \
	  "entropy estimator (default plugin; the list is below)", OED_ENGINE_OPT_ESTIMATOR }, \
	{ "base", 'b', OED_ARG_REQUIRED, "BASE", "2 (bits, default), e (nats) or 10", OED_ENGINE_OPT_BASE }, \
	{ "missing", 0, OED_ARG_REQUIRED, "POLICY", \
	  "a record without a field it needs: error (default) or class", OED_ENGINE_OPT_MISSING }, \
	{ "normalize", 'n', OED_ARG_REQUIRED, "STEPS", \
	  "outputs equal after these steps (listed below) are one class", OED_ENGINE_OPT_NORMALIZE }, \
	{ "extract", 'E', OED_ARG_REQUIRED, "REGEX", \
	  "the class of an output is the first capture group of REGEX (PCRE2)", OED_ENGINE_OPT_EXTRACT }, \
	{ "cluster", 0, OED_ARG_REQUIRED, "MODE:T", \
	  "outputs of one input this similar are one class (modes below)", OED_ENGINE_OPT_CLUSTER }, \
	{ "cluster-field", 0, OED_ARG_REQUIRED, "FIELD", \
	  "the class of an output is given by FIELD", OED_ENGINE_OPT_CLUSTER_FIELD }, \
	{ "ci", 0, OED_ARG_REQUIRED, "LEVEL", \
	  "bootstrap intervals at LEVEL, like 0.95", OED_ENGINE_OPT_CI }, \
	{ "bootstrap", 0, OED_ARG_REQUIRED, "N", \
	  "bootstrap replicates for --ci (default 1000)", OED_ENGINE_OPT_BOOTSTRAP }, \
	{ "seed", 0, OED_ARG_REQUIRED, "N", \
	  "seed of the bootstrap and of --cluster's MinHash (default 1)", OED_ENGINE_OPT_SEED }, \
	{ "emit-state", 0, OED_ARG_NONE, NULL, \
	  "write mergeable counts instead of results (for sharded runs)", OED_ENGINE_OPT_EMIT_STATE }, \
	{ "merge", 0, OED_ARG_NONE, NULL, \
	  "read states written by --emit-state and give the results of all of them", OED_ENGINE_OPT_MERGE }, \
	OED_RECORD_OPTIONS(OED_ENGINE_OPT_RECORD, "store the run and its results in the run store")

struct oed_input_opts;

/* A run as the command line describes it. */
struct oed_engine_job {
	const char *tool;			/* "oed-entropy" */
	struct oed_engine_params params;
	struct oed_engine_params given;		/* with merge: what the command line named */
	bool given_missing;
	struct oed_engine_opts opts;
	bool emit_state, merge, record;
	struct oed_input_opts *io;
	int nfiles;
	char **files;
	int argc;
	char **argv;
};

/* A job of kind with the defaults: x = input_id, y = output, OED_ENGINE_OPTS_INIT. */
void oed_engine_job_init(struct oed_engine_job *j, const char *tool, enum oed_engine_kind kind,
			 struct oed_input_opts *io, int argc, char **argv);

/* Handle a shared engine option; 0 done, -1 bad argument (err set, OED_EX_USAGE). */
int oed_engine_opt(struct oed_engine_job *j, int id, const char *arg, struct oed_err *err);

/*
 * The values --list-options offers the shell completions for the engine's
 * options with a family table (estimators, --normalize steps), with
 * extra, the tool's own (ending { 0, NULL }), after them.  The list is
 * static: one call per process.
 */
const struct oed_opt_values *oed_engine_opt_values(const struct oed_opt_values *extra);

/*
 * The help epilog's lists: estimators, normalisation steps and --cluster
 * modes, one per line with their help, from the family tables, after
 * examples.  A new string the caller frees, or NULL (out of memory).
 */
char *oed_engine_help_lists(const char *examples);

/*
 * The run.  w: where records and states go.  0, or -1 with err set
 * (OED_EX_USAGE: the options cannot work, known before reading when
 * possible; OED_EX_DATA: bad input, already reported; OED_EX_FAIL).
 */
int oed_engine_run(struct oed_engine_job *job, struct oed_writer *w, struct oed_err *err);

#endif
