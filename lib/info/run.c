/*
 * run.c: a whole run of oed-entropy or oed-mi, shared by both tools:
 * records (or states) in, a state or the results out through the writer
 * the tool gives, and the run store.
 */
#include "config.h"
#include "run.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators.h"
#include "exit.h"
#include "equiv/choice.h"
#include "progress.h"
#include "results.h"
#include "state.h"
#include "store.h"
#include "equiv/minhash.h"
#include "equiv/normalize.h"

bool
oed_engine_uses_classes(const char *estimator)
{
	enum oed_estimator id = OED_EST_PLUGIN;
	struct oed_err ignored;

	if (estimator && oed_estimator_parse(estimator, &id, &ignored) == -1)
		return false;
	return oed_estimator_uses_k(id);
}

void
oed_engine_job_init(struct oed_engine_job *j, const char *tool, enum oed_engine_kind kind,
		    struct oed_input_opts *io, int argc, char **argv)
{
	*j = (struct oed_engine_job){
		.tool = tool,
		.params = { .kind = kind, .x = "input_id", .y = "output" },
		.given = { .kind = kind },
		.opts = OED_ENGINE_OPTS_INIT,
		.io = io, .argc = argc, .argv = argv,
	};
}

int
oed_engine_opt(struct oed_engine_job *j, int id, const char *arg, struct oed_err *err)
{
	struct oed_engine_params *p = &j->params, *g = &j->given;
	enum oed_estimator est;
	unsigned long v;

	switch (id) {
	case OED_ENGINE_OPT_WEIGHT:
		p->w = g->w = arg;
		return 0;
	case OED_ENGINE_OPT_ESTIMATOR:
		/* a typo is a usage error before anything is read */
		if (oed_estimator_parse(arg, &est, err) == -1)
			return -1;
		j->opts.estimator = arg;
		return 0;
	case OED_ENGINE_OPT_BASE:
		if (oed_parse_log_base(arg, NULL, err) == -1)
			return -1;
		j->opts.base = arg;
		return 0;
	case OED_ENGINE_OPT_MISSING:
		if (strcmp(arg, "class") != 0 && strcmp(arg, "error") != 0)
			return oed_err_set(err, OED_EX_USAGE, "--missing: '%s' is not error or class", arg);
		p->missing_class = g->missing_class = strcmp(arg, "class") == 0;
		j->given_missing = true;
		return 0;
	case OED_ENGINE_OPT_NORMALIZE:
		p->normalize = g->normalize = arg;
		return 0;
	case OED_ENGINE_OPT_EXTRACT:
		p->extract = g->extract = arg;
		return 0;
	case OED_ENGINE_OPT_CLUSTER:
		p->cluster = g->cluster = arg;
		return 0;
	case OED_ENGINE_OPT_CLUSTER_FIELD:
		p->cluster_field = g->cluster_field = arg;
		return 0;
	case OED_ENGINE_OPT_CI:
		if (oed_parse_double("ci", arg, 0, 1, &j->opts.ci, err) == -1)
			return -1;
		if (j->opts.ci <= 0 || j->opts.ci >= 1)
			return oed_err_set(err, OED_EX_USAGE, "--ci: the level is between 0 and 1, like 0.95");
		return 0;
	case OED_ENGINE_OPT_BOOTSTRAP:
		return oed_parse_ulong("bootstrap", arg, 1, 10000000, &j->opts.bootstrap, err);
	case OED_ENGINE_OPT_SEED:
		if (oed_parse_ulong("seed", arg, 0, (unsigned long)-1, &v, err) == -1)
			return -1;
		j->opts.seed = v;
		return 0;
	case OED_ENGINE_OPT_EMIT_STATE:
		j->emit_state = true;
		return 0;
	case OED_ENGINE_OPT_MERGE:
		j->merge = true;
		return 0;
	case OED_ENGINE_OPT_RECORD:
		j->record = true;
		return 0;
	}
	return oed_err_set(err, OED_EX_FAIL, "option %d is not an engine option", id);
}

static const char *
estimator_value(size_t i)
{
	return i < OED_EST_COUNT ? oed_estimators[i].name : NULL;
}

const struct oed_opt_values *
oed_engine_opt_values(const struct oed_opt_values *extra)
{
	static struct oed_opt_values list[8] = {
		{ OED_ENGINE_OPT_ESTIMATOR, estimator_value },
		{ OED_ENGINE_OPT_NORMALIZE, oed_norm_step_name },
	};
	size_t n = 2;

	for (; extra && extra->value && n + 1 < sizeof(list) / sizeof(list[0]); extra++)
		list[n++] = *extra;
	list[n] = (struct oed_opt_values){ 0, NULL };
	return list;
}

/* Append one family's rows ("  name  help") to b; false when out of memory. */
static bool
add_list(char **b, size_t *len, const char *title, const void *table, size_t n, size_t stride,
	 size_t help_off)
{
	int k;

	if ((k = snprintf(NULL, 0, "%s:\n", title)) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *row = (const char *)table + i * stride;
		int m = snprintf(NULL, 0, "  %-14s%s\n", *(const char *const *)(const void *)row,
				 *(const char *const *)(const void *)(row + help_off));

		if (m < 0)
			return false;
		k += m;
	}
	{
		char *nb = realloc(*b, *len + (size_t)k + 1);

		if (nb == NULL)
			return false;
		*b = nb;
	}
	*len += (size_t)sprintf(*b + *len, "%s:\n", title);
	for (size_t i = 0; i < n; i++) {
		const char *row = (const char *)table + i * stride;

		*len += (size_t)sprintf(*b + *len, "  %-14s%s\n", *(const char *const *)(const void *)row,
					*(const char *const *)(const void *)(row + help_off));
	}
	return true;
}

char *
oed_engine_help_lists(const char *examples)
{
	size_t len = strlen(examples);
	char *b = malloc(len + 1);

	if (b == NULL)
		return NULL;
	memcpy(b, examples, len + 1);
	if (!add_list(&b, &len, "\nEstimators (--estimator)", OED_CHOICES(oed_estimators),
		      offsetof(struct oed_estimator_def, help)) ||
	    !add_list(&b, &len, "\nSteps of --normalize, applied in the order given",
		      OED_CHOICES(oed_norm_steps), offsetof(struct oed_norm_step_def, help)) ||
	    !add_list(&b, &len, "\nModes of --cluster MODE:T", OED_CHOICES(oed_cluster_modes),
		      offsetof(struct oed_cluster_mode_def, help))) {
		free(b);
		return NULL;
	}
	return b;
}

/* Count the records of r into e: the phase "read". */
static int
count_records(struct oed_engine *e, struct oed_reader *r, struct oed_progress *prog,
	      struct oed_err *err)
{
	int rc;

	oed_progress_phase(prog, "read", "records", 0);
	oed_progress_reader(prog, r);
	while ((rc = oed_reader_next(r, err)) == 1) {
		if (oed_engine_add(e, r, err) == -1)
			return -1;
		oed_progress_tick(prog, oed_reader_records(r));
	}
	return rc;
}

int
oed_engine_run(struct oed_engine_job *job, struct oed_writer *w, struct oed_err *err)
{
	struct oed_engine *e = NULL;
	struct oed_reader *r = NULL;
	struct oed_results *res = NULL;
	struct oed_policy strict;
	char digest[17];
	struct oed_progress prog;
	int rc = -1;

	/* the read, then the results' long steps (bootstrap, capacity), on one line */
	oed_progress_init(&prog, job->io->quiet, "records", 0);
	job->opts.progress = oed_progress_handle(&prog);
	oed_policy_init(&strict);
	if (job->emit_state && job->merge) {
		oed_err_set(err, OED_EX_USAGE, "--emit-state and --merge do not go together");
		goto out;
	}
	if (job->emit_state && (job->record || job->opts.per_group || job->opts.top || job->opts.ci > 0)) {
		/* a state has no results: these apply where the states are merged */
		oed_err_set(err, OED_EX_USAGE, "--%s applies to results: give it to --merge, not --emit-state",
			    job->record ? "record" : job->opts.per_group ? "per-group" : job->opts.top ? "top" : "ci");
		goto out;
	}
	if (job->record && oed_store_check(job->io->store, err) == -1)
		goto out;
	if (job->merge) {
		/* a state with a line skipped would merge into wrong results: any bad line stops */
		if ((r = oed_reader_new(job->nfiles, job->files, job->io->max_line, &strict, err)) == NULL)
			goto out;
		oed_reader_digest(r, job->record);
		if ((e = oed_engine_merge(r, job->params.kind, &job->given, job->given_missing, err)) == NULL)
			goto out;
		if (oed_engine_check_opts(e, &job->opts, err) == -1)
			goto out;
	} else {
		job->params.names = job->params.names || job->emit_state;
		if ((e = oed_engine_new(&job->params, err)) == NULL)
			goto out;
		if (!job->emit_state && oed_engine_check_opts(e, &job->opts, err) == -1)
			goto out;
		if ((r = oed_reader_new(job->nfiles, job->files, job->io->max_line, &job->io->policy,
					err)) == NULL)
			goto out;
		if (oed_engine_bind(e, r, err) == -1)
			goto out;
		oed_reader_digest(r, job->record);
		if (count_records(e, r, job->opts.progress, err) == -1)
			goto out;
		if (oed_policy_close(&job->io->policy, err) == -1)
			goto out;
		/* empty input is not success: zeros would read as a perfectly consistent model */
		if (oed_engine_records(e) == 0) {
			if (job->io->policy.bad > 0)
				oed_err_set(err, OED_EX_DATA, "no records in the input: nothing but bad records");
			else
				oed_err_set(err, OED_EX_DATA, "no records in the input");
			goto out;
		}
	}
	oed_reader_digest_hex(r, digest);
	if (job->emit_state) {
		if (oed_engine_write_state(e, w, err) == -1)
			goto out;
	} else {
		oed_progress_phase(job->opts.progress, "results", "", 0);
		res = oed_engine_results(e, &job->opts, err);
		oed_progress_end(job->opts.progress);
		if (res == NULL)
			goto out;
		/* recorded first, so that the summary can name its run */
		if (job->record &&
		    oed_results_record(res, job->io, job->tool, job->argc, job->argv, digest, err) == -1)
			goto out;
		if (oed_results_write(res, job->record ? job->io->run_id : 0, w) == -1) {
			oed_err_set(err, OED_EX_FAIL, "cannot write the results");
			goto out;
		}
	}
	rc = 0;
out:
	oed_progress_end(job->opts.progress);
	job->opts.progress = NULL;	/* it was on this stack */
	oed_results_free(res);
	oed_reader_free(r);
	oed_engine_free(e);
	oed_policy_release(&strict);
	return rc;
}

