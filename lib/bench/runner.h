/*
 * runner.h: run a task over one or more providers, streaming bench.item
 * records in dataset order and one bench.summary per model.
 *
 * The dataset is read twice: a first pass renders every item (so a field
 * missing from record 9,000 stops the run before the first call, and
 * progress knows the total), a second streams it again while requests
 * fly.  At most `window` inputs are held at once (the reorder buffer), so
 * memory does not grow with the dataset.
 *
 * Every successful response is committed to the store's cache the moment
 * it arrives, keyed by the digest of its canonical request and its sample
 * index; a rerun of the same task finds it there and asks only for what is
 * missing.  Errors are never cached.
 *
 * Scoring goes through a hook (the scorer registry's), so this module
 * does not know any scorer by name.
 */
#ifndef OED_BENCH_RUNNER_H
#define OED_BENCH_RUNNER_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/mutate.h"
#include "bench/task.h"
#include "diag.h"
#include "jsonw.h"
#include "provider/provider.h"
#include "store.h"

/* What a scorer sees of one answer. */
struct oed_bench_answer {
	const char *extracted;		/* after the extraction pipeline */
	size_t extracted_len;
	bool invalid;			/* extraction found nothing */
	const char *output;		/* as the model gave it */
	size_t output_len;
	const char *target;		/* NULL: the task has none */
	const char *prompt;		/* the rendered prompt (judges show it) */
	json_t *choices;		/* NULL: none */
	double latency_ms, cost_usd;	/* NAN when unknown */
	const char *finish_reason;	/* NULL when unknown */
	long long tokens_out;		/* -1 when unknown */
};

struct oed_bench_scoring {
	size_t n;
	const char *const *names;	/* as written in records and --fail-under */
	/* 0 with *value and *pass, or -1 with err (the run stops) */
	int (*score)(void *ctx, size_t i, const struct oed_bench_answer *a, double *value,
		     bool *pass, struct oed_err *err);
	/* optional: why scorer i gave its last verdict, or NULL (valid until
	 * its next call); written as the item's "reasons" */
	const char *(*reason)(void *ctx, size_t i);
	/* optional: 1 when scorer i asks a judge, with its model, prompt version
	 * and last verdict (valid until its next call); written as the item's
	 * "judge": {NAME: {"model", "prompt", "verdict"}} */
	int (*judge)(void *ctx, size_t i, const char **model, const char **prompt_version,
		     const char **verdict);
	void *ctx;
};

struct oed_prices;

struct oed_bench_cfg {
	const struct oed_task *task;
	struct oed_provider **models;
	size_t nmodels;
	const char *data;		/* --data, else the task's */
	unsigned long limit;		/* 0: all */
	unsigned shard_i, shard_n;	/* 1-based; shard_n 0: the whole task */
	bool dry_run, no_cache, quiet;
	struct oed_store *store;	/* NULL only for a dry run */
	int argc;
	char **argv;
	const char *params_json;	/* for the runs table */
	struct oed_writer *w;
	struct oed_bench_scoring scoring;
	const struct oed_prices *prices;	/* may be NULL */
	volatile sig_atomic_t *stop;	/* set by a signal: stop sending */
	size_t window;			/* inputs held at once (default 256) */
	/*
	 * Red-team runs: every input also runs in each mutated form (a
	 * bench.item with "mutation" and "parent"); the summary gains per
	 * mutator the paired fragility of scorer frag_scorer (oed_fragility).
	 */
	const struct oed_mutator *const *mutators;
	size_t nmutators;
	size_t frag_scorer;
	uint64_t mutate_seed;
	/*
	 * Progress, called a few times a second and once at the end (final
	 * true): inputs done of total, errors so far, requests in flight
	 * and the current concurrency summed over models, seconds since
	 * the start.  NULL: none.
	 */
	void (*progress)(void *ctx, unsigned long long done, unsigned long long total,
			 unsigned long long errors, unsigned concurrency, double elapsed, bool final);
	void *progress_ctx;
};

struct oed_bench_model_outcome {
	int64_t run_id;
	unsigned long long items, errors;
	double *means;			/* per scorer, NAN when nothing scored */
};

struct oed_bench_outcome {
	struct oed_bench_model_outcome *m;	/* one per model */
	size_t nmodels;
	bool interrupted;
	bool fatal;			/* a provider said stop (quota, key) */
	char fatal_msg[512];
};

/*
 * Run (or with dry_run, render and estimate).  0 when the run got to its
 * end or was interrupted (see outcome), -1 with err when it could not
 * (bad data: OED_EX_DATA, already formatted with FILE:LINE; store or
 * I/O: OED_EX_FAIL).  The caller frees the outcome with
 * oed_bench_outcome_release.
 */
int oed_bench_run(const struct oed_bench_cfg *c, struct oed_bench_outcome *out,
		  struct oed_err *err);
void oed_bench_outcome_release(struct oed_bench_outcome *o);

#endif
