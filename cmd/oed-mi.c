/* oed-mi: how much the output depends on the input: MI, NMI, AMI, VI, CMI and empowerment. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "info/run.h"
#include "jsonw.h"
#include "opt.h"

enum {
	OPT_X = 1, OPT_Y, OPT_Z, OPT_ACTION, OPT_STATE, OPT_NEXT, OPT_AVERAGE, OPT_PER_GROUP,
	OPT_CAPACITY, OPT_TOLERANCE, OPT_MAX_ITER,
};

static const struct oed_option options[] = {
	{ "x", 'x', OED_ARG_REQUIRED, "FIELD", "the first field (default input_id)", OPT_X },
	{ "y", 'y', OED_ARG_REQUIRED, "FIELD", "the second field (default output)", OPT_Y },
	{ "z", 'z', OED_ARG_REQUIRED, "FIELD", "also I(X;Y|Z), the information given this field", OPT_Z },
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
	OED_ENGINE_OPTIONS,
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const char examples[] =
	"Examples:\n"
	"  oed-mi maths.jsonl\n"
	"  oed-mi -x meta.lang -y model traffic.jsonl\n"
	"  oed-mi --action action --state state --next next --capacity traces.jsonl\n";

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct oed_engine_job *j = ctx;
	struct oed_engine_params *p = &j->params, *g = &j->given;

	switch (id) {
	case OPT_X:
		p->x = g->x = arg;
		return 0;
	case OPT_Y:
		p->y = g->y = arg;
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
	}
	if (id >= OED_ENGINE_OPT_FIRST)
		return oed_engine_opt(j, id, arg, err);
	return oed_input_opt(j->io, id, arg, err);
}

static int
run(struct oed_engine_job *j)
{
	struct oed_writer w;
	struct oed_err err;
	int status = OED_EX_OK;

	j->params.names = j->opts.per_group;
	j->params.cluster_seed = j->opts.seed;
	if (oed_input_open_output(j->io, &err) == -1)
		return oed_fail(&err);
	oed_writer_init(&w, stdout);
	if (oed_engine_run(j, &w, &err) == -1)
		status = err.status == OED_EX_USAGE ? oed_usage_error("%s", err.msg) : oed_fail(&err);
	oed_writer_release(&w);
	oed_policy_summary(&j->io->policy);
	return status;
}

int
main(int argc, char *argv[])
{
	struct oed_input_opts io;
	struct oed_engine_job j;
	struct oed_tool tool = {
		"oed-mi", "[OPTIONS] [FILE...]",
		"Mutual information I(X;Y) between two fields of JSON Lines records, normalised (NMI),\n"
		"adjusted for chance (AMI), the variation of information, I(X;Y|Z), and the\n"
		"empowerment of an agent, I(A;S'|S).",
		options, NULL,
	};
	char *epilog;
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&io);
	oed_engine_job_init(&j, "oed-mi", OED_ENGINE_MI, &io, argc, argv);
	/* the lists in --help come from the family tables */
	tool.epilog = epilog = oed_engine_help_lists(examples);
	oed_opt_values(oed_engine_opt_values(NULL));
	first = oed_opt_parse(&tool, argc, argv, handle, &j);
	if (first <= 0) {
		status = oed_opt_exit(first);
	} else {
		oed_diag_quiet(io.quiet);
		j.nfiles = argc - first;
		j.files = argv + first;
		status = run(&j);
	}
	free(epilog);
	oed_input_opts_release(&io);
	return oed_close_stdout(status);
}
