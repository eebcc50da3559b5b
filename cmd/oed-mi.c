/* oed-mi: how much the output depends on the input: MI, NMI, AMI, VI, CMI and empowerment. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "infoengine.h"
#include "estimators.h"
#include "normalize.h"
#include "opt.h"

enum {
	OPT_X = 1, OPT_Y, OPT_Z, OPT_W, OPT_ACTION, OPT_STATE, OPT_NEXT, OPT_AVERAGE, OPT_ESTIMATOR,
	OPT_BASE, OPT_MISSING, OPT_NORMALIZE, OPT_EXTRACT, OPT_CLUSTER, OPT_CLUSTER_FIELD,
	OPT_CI, OPT_BOOTSTRAP, OPT_SEED, OPT_EMIT_STATE, OPT_MERGE, OPT_RECORD, OPT_PER_GROUP,
	OPT_CAPACITY, OPT_TOLERANCE, OPT_MAX_ITER,
};

static const struct oed_option options[] = {
	{ "x", 'x', OED_ARG_REQUIRED, "FIELD", "the first field (default input_id)", OPT_X },
	{ "y", 'y', OED_ARG_REQUIRED, "FIELD", "the second field (default output)", OPT_Y },
	{ "z", 'z', OED_ARG_REQUIRED, "FIELD", "also I(X;Y|Z), the information given this field", OPT_Z },
	{ "weight", 'w', OED_ARG_REQUIRED, "FIELD", "each record counts this many times (pre-aggregated data)", OPT_W },
	{ "action", 0, OED_ARG_REQUIRED, "FIELD", "empowerment: the agent's action", OPT_ACTION },
	{ "state", 0, OED_ARG_REQUIRED, "FIELD", "empowerment: the state the action was taken in", OPT_STATE },
	{ "next", 0, OED_ARG_REQUIRED, "FIELD", "empowerment: the state the action led to", OPT_NEXT },
	{ "capacity", 0, OED_ARG_NONE, NULL,
	  "empowerment: also the channel capacity per state (Blahut-Arimoto)", OPT_CAPACITY },
	{ "tolerance", 0, OED_ARG_REQUIRED, "TOL",
	  "capacity: stop when its bounds are TOL apart, in the --base unit (default 1e-9)", OPT_TOLERANCE },
	{ "max-iter", 0, OED_ARG_REQUIRED, "N", "capacity: at most N iterations per state (default 10000)", OPT_MAX_ITER },
	{ "per-group", 'g', OED_ARG_NONE, NULL, "empowerment: one mi.state record per state", OPT_PER_GROUP },
	{ "average", 'a', OED_ARG_REQUIRED, "METHOD",
	  "normaliser of NMI and AMI: arithmetic (default), geometric, min, max", OPT_AVERAGE },
	{ "estimator", 'e', OED_ARG_REQUIRED, "NAME",
	  "entropy estimator behind I, H(X|Y), VI and CMI: plugin (default),\n"
	  "miller-madow, chao-shen, shrink, jeffreys, laplace, sg, minimax, grassberger or nsb", OPT_ESTIMATOR },
	{ "base", 'b', OED_ARG_REQUIRED, "BASE", "2 (bits, default), e (nats) or 10", OPT_BASE },
	{ "missing", 0, OED_ARG_REQUIRED, "POLICY", "a record without a field: error (default) or class", OPT_MISSING },
	{ "normalize", 'n', OED_ARG_REQUIRED, "STEPS",
	  "outputs equal after these steps are one class: trim,space,case,punct,number", OPT_NORMALIZE },
	{ "extract", 'E', OED_ARG_REQUIRED, "REGEX",
	  "the class of an output is the first capture group of REGEX (PCRE2)", OPT_EXTRACT },
	{ "cluster", 0, OED_ARG_REQUIRED, "jaccard:T",
	  "outputs of one input with MinHash Jaccard similarity >= T are one class", OPT_CLUSTER },
	{ "cluster-field", 0, OED_ARG_REQUIRED, "FIELD", "the class of an output is given by FIELD", OPT_CLUSTER_FIELD },
	{ "ci", 0, OED_ARG_REQUIRED, "LEVEL", "bootstrap percentile intervals at LEVEL, like 0.95", OPT_CI },
	{ "bootstrap", 0, OED_ARG_REQUIRED, "N", "bootstrap replicates for --ci (default 1000)", OPT_BOOTSTRAP },
	{ "seed", 0, OED_ARG_REQUIRED, "N", "seed of the bootstrap and of --cluster's MinHash (default 1)", OPT_SEED },
	{ "emit-state", 0, OED_ARG_NONE, NULL,
	  "write mergeable counts instead of results (for sharded runs)", OPT_EMIT_STATE },
	{ "merge", 0, OED_ARG_NONE, NULL,
	  "read states written by --emit-state and give the results of all of them", OPT_MERGE },
	OED_RECORD_OPTIONS(OPT_RECORD, "store the run and its results in the run store"),
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-mi", "[OPTIONS] [FILE...]",
	"Mutual information I(X;Y) between two fields of JSON Lines records, normalised (NMI),\n"
	"adjusted for chance (AMI), the variation of information, I(X;Y|Z), and the\n"
	"empowerment of an agent, I(A;S'|S).",
	options,
	"Examples:\n"
	"  oed-mi maths.jsonl\n"
	"  oed-mi -x meta.lang -y model traffic.jsonl\n"
	"  oed-mi --action action --state state --next next --capacity traces.jsonl\n"
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct oed_engine_job *j = ctx;
	struct oed_engine_params *p = &j->params, *g = &j->given;
	unsigned long v;

	switch (id) {
	case OPT_X:
		p->x = g->x = arg;
		return 0;
	case OPT_Y:
		p->y = g->y = arg;
		return 0;
	case OPT_W:
		p->w = g->w = arg;
		return 0;
	case OPT_Z:
		p->z = g->z = arg;
		return 0;
	case OPT_ACTION:
		p->action = g->action = arg;
		return 0;
	case OPT_STATE:
		p->state = g->state = arg;
		return 0;
	case OPT_NEXT:
		p->next = g->next = arg;
		return 0;
	case OPT_AVERAGE:
		j->opts.average = arg;
		return 0;
	case OPT_CAPACITY:
		j->opts.capacity = true;
		return 0;
	case OPT_TOLERANCE:
		return oed_parse_double("tolerance", arg, 1e-300, 1, &j->opts.tolerance, err);
	case OPT_MAX_ITER:
		return oed_parse_ulong("max-iter", arg, 1, 100000000, &j->opts.max_iter, err);
	case OPT_PER_GROUP:
		j->opts.per_group = true;
		return 0;
	case OPT_ESTIMATOR:
		j->opts.estimator = arg;
		return 0;
	case OPT_BASE:
		if (oed_parse_log_base(arg, NULL, err) == -1)
			return -1;
		j->opts.base = arg;
		return 0;
	case OPT_MISSING:
		if (strcmp(arg, "class") != 0 && strcmp(arg, "error") != 0)
			return oed_err_set(err, OED_EX_USAGE, "--missing: '%s' is not error or class", arg);
		p->missing_class = g->missing_class = strcmp(arg, "class") == 0;
		j->given_missing = true;
		return 0;
	case OPT_NORMALIZE:
		p->normalize = g->normalize = arg;
		return 0;
	case OPT_EXTRACT:
		p->extract = g->extract = arg;
		return 0;
	case OPT_CLUSTER:
		p->cluster = g->cluster = arg;
		return 0;
	case OPT_CLUSTER_FIELD:
		p->cluster_field = g->cluster_field = arg;
		return 0;
	case OPT_CI:
		if (oed_parse_double("ci", arg, 0, 1, &j->opts.ci, err) == -1)
			return -1;
		if (j->opts.ci <= 0 || j->opts.ci >= 1)
			return oed_err_set(err, OED_EX_USAGE, "--ci: the level is between 0 and 1, like 0.95");
		return 0;
	case OPT_BOOTSTRAP:
		return oed_parse_ulong("bootstrap", arg, 1, 10000000, &j->opts.bootstrap, err);
	case OPT_SEED:
		if (oed_parse_ulong("seed", arg, 0, (unsigned long)-1, &v, err) == -1)
			return -1;
		j->opts.seed = v;
		return 0;
	case OPT_EMIT_STATE:
		j->emit_state = true;
		return 0;
	case OPT_MERGE:
		j->merge = true;
		return 0;
	case OPT_RECORD:
		j->record = true;
		return 0;
	}
	return oed_input_opt(j->io, id, arg, err);
}

static int
run(struct oed_engine_job *j)
{
	struct oed_err err;
	int status;

	j->params.names = j->opts.per_group;
	j->params.cluster_seed = j->opts.seed;
	if (oed_input_open_output(j->io, &err) == -1)
		return oed_fail(&err);
	if (oed_engine_run(j, &err) == -1)
		status = err.status == OED_EX_USAGE ? oed_usage_error("%s", err.msg) : oed_fail(&err);
	else
		status = OED_EX_OK;
	oed_policy_summary(&j->io->policy);
	return status;
}

/* Option values for the shell completions (--list-options). */
static const char *
estimator_value(size_t i)
{
	return i < OED_EST_COUNT ? oed_estimator_name((enum oed_estimator)i) : NULL;
}

static const struct oed_opt_values values[] = {
	{ OPT_ESTIMATOR, estimator_value },
	{ OPT_NORMALIZE, oed_norm_step_name },
	{ 0, NULL }
};

int
main(int argc, char *argv[])
{
	struct oed_input_opts io;
	struct oed_engine_job j = {
		.tool = "oed-mi",
		.params = { .kind = OED_ENGINE_MI, .x = "input_id", .y = "output" },
		.given = { .kind = OED_ENGINE_MI },
		.opts = OED_ENGINE_OPTS_INIT,
		.io = &io, .argc = argc, .argv = argv,
	};
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&io);
	j.opts.seed = 1;
	oed_opt_values(values);
	first = oed_opt_parse(&tool, argc, argv, handle, &j);
	if (first <= 0) {
		status = oed_opt_exit(first);
	} else {
		oed_diag_quiet(io.quiet);
		j.nfiles = argc - first;
		j.files = argv + first;
		status = run(&j);
	}
	oed_input_opts_release(&io);
	return oed_close_stdout(status);
}
