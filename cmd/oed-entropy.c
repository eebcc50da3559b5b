/* oed-entropy: how spread the inputs are and how consistent the model is per input. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "info/run.h"
#include "jsonw.h"
#include "opt.h"
#include "tokenizer.h"

enum { OPT_X = 1, OPT_Y, OPT_PER_GROUP, OPT_TOP, OPT_CLASSES, OPT_TOKENS, OPT_WASTE };

static const struct oed_option options[] = {
	{ "x", 'x', OED_ARG_REQUIRED, "FIELD", "the input field (default input_id; 'none': H(Y) alone)", OPT_X },
	{ "y", 'y', OED_ARG_REQUIRED, "FIELD", "the output field (default output)", OPT_Y },
	{ "per-group", 'g', OED_ARG_NONE, NULL, "one entropy.group record per input", OPT_PER_GROUP },
	{ "top", 't', OED_ARG_REQUIRED, "N", "the N least consistent inputs as entropy.group records", OPT_TOP },
	{ "classes", 'K', OED_ARG_REQUIRED, "K",
	  "the number of possible outputs, for the estimators that use it", OPT_CLASSES },
	{ "tokens", 'T', OED_ARG_REQUIRED, "ENCODING",
	  "token-length statistics with this encoding or model (as tiktoken)", OPT_TOKENS },
	{ "waste", 0, OED_ARG_NONE, NULL,
	  "token waste: tokens beyond the shortest equivalent output of each input", OPT_WASTE },
	OED_ENGINE_OPTIONS,
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const char examples[] =
	"Examples:\n"
	"  oed-entropy maths.jsonl\n"
	"  oed-ingest --inputs in.json --dataset maths out.json | oed-entropy --top 5\n"
	"  parallel --pipe oed-entropy --emit-state < big.jsonl | oed-entropy --merge\n";

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct oed_engine_job *j = ctx;

	switch (id) {
	case OPT_X:
		j->params.x = j->given.x = strcmp(arg, "none") == 0 ? NULL : arg;
		return 0;
	case OPT_Y:
		j->params.y = j->given.y = arg;
		return 0;
	case OPT_PER_GROUP:
		j->opts.per_group = true;
		return 0;
	case OPT_TOP:
		return oed_parse_ulong("top", arg, 1, 100000000, &j->opts.top, err);
	case OPT_CLASSES:
		return oed_parse_ulong("classes", arg, 1, 1UL << 52, &j->opts.classes, err);
	case OPT_TOKENS:
		j->params.tokens = j->given.tokens = arg;
		return 0;
	case OPT_WASTE:
		j->params.waste = j->given.waste = true;
		return 0;
	}
	if (id >= OED_ENGINE_OPT_FIRST)
		return oed_engine_opt(j, id, arg, err);
	return oed_input_opt(j->io, id, arg, err);
}

/* Values for the shell completions beside the engine's (--list-options). */
static const struct oed_opt_values values[] = {
	{ OPT_TOKENS, oed_encoding_choice },
	{ 0, NULL }
};

static int
run(struct oed_engine_job *j)
{
	struct oed_writer w;
	struct oed_err err;
	int status = OED_EX_OK;

	j->params.names = j->opts.per_group || j->opts.top;
	if (j->opts.classes && !oed_engine_uses_classes(j->opts.estimator)) {
		oed_warn("--classes is ignored: %s does not depend on the number of classes",
			 j->opts.estimator ? j->opts.estimator : "plugin");
		j->opts.classes = 0;
	}
	j->params.cluster_seed = j->opts.seed;
	/* waste is counted in tokens: the waste_tokens scorer's encoding unless one is named */
	if (j->params.waste && j->params.tokens == NULL && !j->merge)
		j->params.tokens = "cl100k_base";
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
		"oed-entropy", "[OPTIONS] [FILE...]",
		"Input entropy H(X), output entropy H(Y), response entropy H(Y|X) and per-input\n"
		"consistency of normalised records, with length statistics of the outputs.",
		options, NULL,
	};
	char *epilog;
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&io);
	oed_engine_job_init(&j, "oed-entropy", OED_ENGINE_ENTROPY, &io, argc, argv);
	/* the lists in --help come from the family tables */
	tool.epilog = epilog = oed_engine_help_lists(examples);
	oed_opt_values(oed_engine_opt_values(values));
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
