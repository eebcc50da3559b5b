/* oed-bench: run a model over a benchmark task written in YAML and score it. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/builtin.h"
#include "bench/prices.h"
#include "bench/runner.h"
#include "bench/summarize.h"
#include "bench/task.h"
#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "net/net.h"
#include "opt.h"
#include "provider/provider.h"
#include "score/score.h"
#include "stop.h"
#include "store.h"
#include "time.h"

enum {
	OPT_MODEL = 1, OPT_DATA, OPT_BASE_URL, OPT_API_KEY_ENV, OPT_CONCURRENCY, OPT_MAX_CONCURRENCY,
	OPT_RPM, OPT_TPM, OPT_TIMEOUT, OPT_CONNECT_TIMEOUT, OPT_RETRIES, OPT_COMMAND_IO, OPT_LIMIT, OPT_SAMPLES,
	OPT_SHARD, OPT_DRY_RUN, OPT_NO_CACHE, OPT_FAIL_UNDER, OPT_MAX_ERRORS, OPT_PRICES,
	OPT_MUTATE, OPT_FRAGILITY_SCORER, OPT_SUMMARIZE, OPT_SCORE, OPT_TARGET, OPT_SAMPLES_BY, OPT_LIST_TASKS, OPT_VERBOSE,
};

static const struct oed_option options[] = {
	{ "model", 'm', OED_ARG_REQUIRED, "PROVIDER:MODEL",
	  "openai:MODEL, anthropic:MODEL, command:ARGV or replay:FILE;\nrepeat to run several models over the same items", OPT_MODEL },
	{ "data", 'd', OED_ARG_REQUIRED, "FILE", "the dataset (JSON Lines or CSV) instead of the task's", OPT_DATA },
	{ "base-url", 0, OED_ARG_REQUIRED, "URL",
	  "API base URL (default $OPENAI_BASE_URL or $ANTHROPIC_BASE_URL,\nelse the public endpoint)", OPT_BASE_URL },
	{ "api-key-env", 0, OED_ARG_REQUIRED, "VAR",
	  "the environment variable holding the API key\n(default OPENAI_API_KEY or ANTHROPIC_API_KEY)", OPT_API_KEY_ENV },
	{ "concurrency", 'c', OED_ARG_REQUIRED, "N", "requests in flight at the start (default 8)", OPT_CONCURRENCY },
	{ "max-concurrency", 0, OED_ARG_REQUIRED, "N", "ceiling of the adaptive concurrency (default 64)", OPT_MAX_CONCURRENCY },
	{ "rpm", 0, OED_ARG_REQUIRED, "N", "at most N requests per minute", OPT_RPM },
	{ "tpm", 0, OED_ARG_REQUIRED, "N", "at most N tokens per minute (prompt estimate + max_tokens)", OPT_TPM },
	{ "timeout", 0, OED_ARG_REQUIRED, "DURATION", "per request or command (default 120s)", OPT_TIMEOUT },
	{ "connect-timeout", 0, OED_ARG_REQUIRED, "DURATION", "to connect (default 10s)", OPT_CONNECT_TIMEOUT },
	{ "retries", 0, OED_ARG_REQUIRED, "N", "retries after the first attempt (default 6)", OPT_RETRIES },
	{ "command-io", 0, OED_ARG_REQUIRED, "MODE",
	  "command: text (the prompt on stdin, default) or json (the request)", OPT_COMMAND_IO },
	{ "limit", 'n', OED_ARG_REQUIRED, "N", "the first N items only", OPT_LIMIT },
	{ "samples", 'k', OED_ARG_REQUIRED, "K", "answers per input (instead of the task's samples)", OPT_SAMPLES },
	{ "shard", 0, OED_ARG_REQUIRED, "I/N", "every N-th item from the I-th (1-based)", OPT_SHARD },
	{ "dry-run", 0, OED_ARG_NONE, NULL, "render every request and estimate the cost; no calls", OPT_DRY_RUN },
	{ "no-cache", 0, OED_ARG_NONE, NULL, "ask again even for answers the store holds", OPT_NO_CACHE },
	{ "fail-under", 0, OED_ARG_REQUIRED, "SCORER=VALUE", "exit 4 when a model's mean SCORER is under VALUE", OPT_FAIL_UNDER },
	{ "max-errors", 0, OED_ARG_REQUIRED, "N", "errors left after retries that still exit 0 (default 0)", OPT_MAX_ERRORS },
	{ "prices", 0, OED_ARG_REQUIRED, "FILE", "price table instead of the one shipped", OPT_PRICES },
	{ "mutate", 0, OED_ARG_REQUIRED, "LIST",
	  "red-team run: each input also in every mutated form of LIST\n(comma-separated mutator names, or all)", OPT_MUTATE },
	{ "fragility-scorer", 0, OED_ARG_REQUIRED, "NAME",
	  "the scorer red-team fragility compares (default the first)", OPT_FRAGILITY_SCORER },
	{ "list-tasks", 0, OED_ARG_NONE, NULL, "the built-in tasks, one bench.task record each", OPT_LIST_TASKS },
	{ "summarize", 0, OED_ARG_NONE, NULL,
	  "read bench.item records (FILE... or stdin) and write one\nbench.summary per model", OPT_SUMMARIZE },
	{ "score", 0, OED_ARG_REQUIRED, "SPEC",
	  "score the records of FILE... (or stdin) with SPEC, like contains:refund;\nno task, no model", OPT_SCORE },
	{ "target", 0, OED_ARG_REQUIRED, "FIELD", "with --score: the reference field (default target)", OPT_TARGET },
	{ "samples-by", 0, OED_ARG_REQUIRED, "FIELD", "with --score: records sharing FIELD are one input's samples", OPT_SAMPLES_BY },
	{ "verbose", 'v', OED_ARG_NONE, NULL, "log each request and retry on stderr (keys redacted)", OPT_VERBOSE },
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const char examples[] =
	"Examples:\n"
	"  oed-bench -m openai:gpt-4o-mini gsm.yaml --fail-under exact_match=0.8\n"
	"  oed-bench -m replay:outputs.jsonl task.yaml | oed-entropy\n"
	"  oed-bench --shard 2/4 -m anthropic:claude-3-5-haiku-latest task.yaml > part2.jsonl\n"
	"  oed-bench --summarize part*.jsonl\n"
	"  oed-ingest answers.json | oed-bench --score contains:refund\n";

/* The help epilog: the examples, then the scorers from the registry's table. */
static char *
help_epilog(void)
{
	static const char head[] = "\nScorers (--score NAME[:KEY=VALUE,...] and a task's scorers:; "
				   "see oed-scorers(7)):\n";
	char *list = oed_scorer_help_text(), *out = NULL;
	size_t n;

	if (list != NULL) {
		n = strlen(examples) + strlen(head) + strlen(list) + 1;
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "%s%s%s", examples, head, list);
	}
	free(list);
	return out;
}

static struct oed_tool tool = {
	"oed-bench", "[OPTIONS] TASK.yaml|BUILTIN | --score SPEC [FILE...] | --summarize [FILE...]",
	"Run models over a benchmark task written in YAML, cache every answer in the run store,\n"
	"and write one bench.item record per answer and one bench.summary per model.",
	options, examples,
};

struct gate {
	char *scorer;
	double value;
};

struct args {
	struct oed_input_opts io;
	struct oed_net_opts net;
	char **models;
	size_t nmodels;
	const char *data, *base_url, *api_key_env, *prices;
	double timeout_s;
	bool command_json, dry_run, no_cache, summarize, list_tasks, verbose;
	unsigned long limit, max_errors, samples;
	unsigned shard_i, shard_n;
	struct gate *gates;
	size_t ngates;
	char **scores;
	size_t nscores;
	const char *target, *samples_by;
	const char *mutate, *fragility_scorer;
};

static int
push(char ***list, size_t *n, const char *v)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (l == NULL)
		return -1;
	*list = l;
	l[(*n)++] = (char *)v;
	return 0;
}

static int
duration_s(const char *opt, const char *arg, double *out, struct oed_err *err)
{
	int64_t ms;

	if (oed_duration_parse(opt, arg, &ms, err) == -1)
		return -1;
	*out = (double)ms / 1e3;
	return 0;
}

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct args *a = ctx;
	unsigned long v;
	double d;

	switch (id) {
	case OPT_MUTATE:
		a->mutate = arg;
		return 0;
	case OPT_FRAGILITY_SCORER:
		a->fragility_scorer = arg;
		return 0;
	case OPT_MODEL:
		return push(&a->models, &a->nmodels, arg) == -1 ?
		       oed_err_set(err, OED_EX_FAIL, "out of memory") : 0;
	case OPT_DATA:
		a->data = arg;
		return 0;
	case OPT_BASE_URL:
		a->base_url = arg;
		return 0;
	case OPT_API_KEY_ENV:
		a->api_key_env = arg;
		return 0;
	case OPT_CONCURRENCY:
		if (oed_parse_ulong("concurrency", arg, 1, 4096, &v, err) == -1)
			return -1;
		a->net.concurrency = (unsigned)v;
		return 0;
	case OPT_MAX_CONCURRENCY:
		if (oed_parse_ulong("max-concurrency", arg, 1, 4096, &v, err) == -1)
			return -1;
		a->net.max_concurrency = (unsigned)v;
		return 0;
	case OPT_RPM:
		return oed_parse_double("rpm", arg, 1e-6, 1e12, &a->net.rpm, err);
	case OPT_TPM:
		return oed_parse_double("tpm", arg, 1e-6, 1e15, &a->net.tpm, err);
	case OPT_TIMEOUT:
		if (duration_s("--timeout", arg, &a->timeout_s, err) == -1)
			return -1;
		a->net.timeout_s = a->timeout_s;
		return 0;
	case OPT_CONNECT_TIMEOUT:
		return duration_s("--connect-timeout", arg, &a->net.connect_timeout_s, err);
	case OPT_RETRIES:
		if (oed_parse_ulong("retries", arg, 0, 100, &v, err) == -1)
			return -1;
		a->net.max_retries = (unsigned)v;
		return 0;
	case OPT_COMMAND_IO:
		if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0)
			return oed_err_set(err, OED_EX_USAGE, "--command-io: '%s' is not text or json", arg);
		a->command_json = strcmp(arg, "json") == 0;
		return 0;
	case OPT_LIMIT:
		return oed_parse_ulong("limit", arg, 1, (unsigned long)-1, &a->limit, err);
	case OPT_SAMPLES:
		return oed_parse_ulong("samples", arg, 1, 1000, &a->samples, err);
	case OPT_SHARD: {
		unsigned i, n;
		char extra;

		if (sscanf(arg, "%u/%u%c", &i, &n, &extra) != 2 || n == 0 || i == 0 || i > n)
			return oed_err_set(err, OED_EX_USAGE,
					   "--shard: '%s' is not I/N with 1 <= I <= N, like 2/4", arg);
		a->shard_i = i;
		a->shard_n = n;
		return 0;
	}
	case OPT_DRY_RUN:
		a->dry_run = true;
		return 0;
	case OPT_NO_CACHE:
		a->no_cache = true;
		return 0;
	case OPT_FAIL_UNDER: {
		const char *eq = strrchr(arg, '=');
		struct gate *g;
		char *end;

		if (eq == NULL || eq == arg)
			return oed_err_set(err, OED_EX_USAGE, "--fail-under: '%s' is not SCORER=VALUE", arg);
		d = strtod(eq + 1, &end);
		if (eq[1] == '\0' || *end != '\0' || !isfinite(d))
			return oed_err_set(err, OED_EX_USAGE, "--fail-under: '%s' is not a number", eq + 1);
		g = realloc(a->gates, (a->ngates + 1) * sizeof(*g));
		if (g == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		a->gates = g;
		g[a->ngates].scorer = strndup(arg, (size_t)(eq - arg));
		g[a->ngates++].value = d;
		return 0;
	}
	case OPT_MAX_ERRORS:
		return oed_parse_ulong("max-errors", arg, 0, (unsigned long)-1, &a->max_errors, err);
	case OPT_PRICES:
		a->prices = arg;
		return 0;
	case OPT_SUMMARIZE:
		a->summarize = true;
		return 0;
	case OPT_SCORE:
		return push(&a->scores, &a->nscores, arg) == -1 ?
		       oed_err_set(err, OED_EX_FAIL, "out of memory") : 0;
	case OPT_TARGET:
		a->target = arg;
		return 0;
	case OPT_SAMPLES_BY:
		a->samples_by = arg;
		return 0;
	case OPT_LIST_TASKS:
		a->list_tasks = true;
		return 0;
	case OPT_VERBOSE:
		a->verbose = true;
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

/* --- scoring through the registry ---------------------------------------- */

struct scoring {
	struct oed_scorer_spec **specs;
	size_t n;
	const char **names;
	const char **choices;
	size_t capchoices;
	char **reasons;		/* each scorer's last reason, or NULL */
	char (*labels)[OED_SCORE_LABEL_MAX];	/* each scorer's last verdict */
};

static int
score_judge(void *ctx, size_t i, const char **model, const char **prompt_version,
	    const char **verdict)
{
	const struct scoring *s = ctx;

	if (!oed_score_judge_info(s->specs[i], model, prompt_version))
		return 0;
	*verdict = s->labels ? s->labels[i] : "";
	return 1;
}

static const char *
score_reason(void *ctx, size_t i)
{
	const struct scoring *s = ctx;

	return s->reasons ? s->reasons[i] : NULL;
}

static int
score_one(void *ctx, size_t i, const struct oed_bench_answer *a, double *value, bool *pass,
	  struct oed_err *err)
{
	struct scoring *s = ctx;
	struct oed_score_input in;
	struct oed_score_result res;
	size_t k, nc = a->choices ? json_array_size(a->choices) : 0;

	oed_score_input_init(&in, a->extracted, a->extracted_len);
	if (a->target) {
		in.target = a->target;
		in.target_len = strlen(a->target);
	}
	if (a->prompt) {
		in.input = a->prompt;
		in.input_len = strlen(a->prompt);
	}
	if (nc) {
		if (nc > s->capchoices) {
			const char **c = realloc(s->choices, nc * sizeof(*c));

			if (c == NULL)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			s->choices = c;
			s->capchoices = nc;
		}
		for (k = 0; k < nc; k++) {
			const char *t = json_string_value(json_array_get(a->choices, k));

			s->choices[k] = t ? t : "";
		}
		in.choices = s->choices;
		in.nchoices = nc;
	}
	in.latency_ms = a->latency_ms;
	in.cost_usd = a->cost_usd;
	in.finish_reason = a->finish_reason;
	in.tokens_out = a->tokens_out;
	oed_score_result_init(&res);
	if (oed_score(s->specs[i], &in, &res, err) == -1) {
		oed_score_result_release(&res);
		return -1;
	}
	*value = res.value;
	*pass = res.pass == 1;
	if (s->labels)
		memcpy(s->labels[i], res.label, sizeof(res.label));
	if (s->reasons) {
		free(s->reasons[i]);
		s->reasons[i] = res.reason;
		res.reason = NULL;
	}
	oed_score_result_release(&res);
	return 0;
}

static void
scoring_release(struct scoring *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		oed_scorer_spec_free(s->specs[i]);
		if (s->reasons)
			free(s->reasons[i]);
	}
	free(s->reasons);
	free(s->labels);
	free(s->specs);
	free(s->names);
	free(s->choices);
}

static int
scoring_from_task(const struct oed_task *t, struct scoring *s, struct oed_err *err)
{
	size_t i;

	s->specs = calloc(t->nscorers ? t->nscorers : 1, sizeof(*s->specs));
	s->names = calloc(t->nscorers ? t->nscorers : 1, sizeof(*s->names));
	s->reasons = calloc(t->nscorers ? t->nscorers : 1, sizeof(*s->reasons));
	s->labels = calloc(t->nscorers ? t->nscorers : 1, sizeof(*s->labels));
	if (s->specs == NULL || s->names == NULL || s->reasons == NULL || s->labels == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (i = 0; i < t->nscorers; i++) {
		const struct oed_task_scorer *ts = &t->scorers[i];

		s->specs[i] = oed_scorer_spec_from_pairs(ts->name, ts->nparams,
							 (const char *const *)ts->keys,
							 (const char *const *)ts->values, err);
		if (s->specs[i] == NULL) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return oed_err_at(err, OED_EX_USAGE, t->path, ts->line, ts->col, "%s", msg);
		}
		s->names[i] = s->specs[i]->key;
		s->n++;
	}
	return 0;
}

/* --- the modes ------------------------------------------------------------- */

static int
score_mode(struct args *a, int nfiles, char **files)
{
	struct oed_scorer_spec **specs = calloc(a->nscores, sizeof(*specs));
	struct oed_score_stream_opts so = { 0 };
	struct oed_writer w;
	struct oed_err err;
	size_t i;
	int status = OED_EX_OK;

	if (specs == NULL) {
		oed_error("out of memory");
		return OED_EX_FAIL;
	}
	for (i = 0; i < a->nscores; i++) {
		if (oed_scorer_spec_parse(a->scores[i], &specs[i], &err) == -1) {
			status = err.status == OED_EX_USAGE ? oed_usage_error("--score: %s", err.msg) :
							      oed_fail(&err);
			goto out;
		}
	}
	if (oed_input_open_output(&a->io, &err) == -1) {
		status = oed_fail(&err);
		goto out;
	}
	so.specs = specs;
	so.nspecs = a->nscores;
	so.target_field = a->target;
	so.samples_by = a->samples_by;
	so.policy = &a->io.policy;
	so.max_line = a->io.max_line;
	oed_writer_init(&w, stdout);
	if (oed_score_stream(&so, nfiles, files, &w, &err) == -1)
		status = err.status == OED_EX_USAGE ? oed_usage_error("%s", err.msg) : oed_fail(&err);
	oed_writer_release(&w);
	oed_policy_summary(&a->io.policy);
out:
	for (i = 0; i < a->nscores; i++)
		oed_scorer_spec_free(specs[i]);
	free(specs);
	return status;
}

static void
verbose_log(const char *line, void *ctx)
{
	(void)ctx;
	/* asked for with -v: shown even under -q */
	fprintf(stderr, "%s: %s\n", oed_progname(), line);
}

/* done/total, rate, ETA, errors and concurrency, redrawn on one terminal line */
static void
show_progress(void *ctx, unsigned long long done, unsigned long long total,
	      unsigned long long errors, unsigned concurrency, double elapsed, bool final)
{
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	char eta[32] = "?";

	(void)ctx;
	if (rate > 0 && total >= done)
		snprintf(eta, sizeof(eta), "%.0fs", (double)(total - done) / rate);
	fprintf(stderr, "\r%s: %llu/%llu items, %.1f/s, ETA %s, %llu errors, concurrency %u\033[K",
		oed_progname(), done, total, rate, eta, errors, concurrency);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static const char *
default_prices(char *buf, size_t size)
{
	const char *dir = getenv("OED_DATA_DIR");

	snprintf(buf, size, "%s/prices.json", dir && dir[0] ? dir : OED_PKGDATADIR);
	return buf;
}

static int
gates_check(const struct args *a, const struct scoring *s, const struct oed_bench_outcome *o,
	    char *const *models)
{
	size_t g, i, m;
	int status = OED_EX_OK;

	for (g = 0; g < a->ngates; g++) {
		for (i = 0; i < s->n; i++)
			if (strcmp(s->names[i], a->gates[g].scorer) == 0)
				break;
		for (m = 0; m < o->nmodels; m++) {
			double v = o->m[m].means[i];

			if (isnan(v)) {
				oed_error("%s: %s has no score to compare with %g (--fail-under)",
					  models[m], a->gates[g].scorer, a->gates[g].value);
				status = OED_EX_GATE;
			} else if (v < a->gates[g].value) {
				oed_error("%s: %s is %.6g, under %g (--fail-under)", models[m],
					  a->gates[g].scorer, v, a->gates[g].value);
				status = OED_EX_GATE;
			}
		}
	}
	return status;
}

static int
bench_mode(struct args *a, int argc, char **argv, const char *task_path)
{
	struct oed_task task;
	struct scoring sc = { 0 };
	struct oed_provider **prov = NULL;
	struct oed_prices *prices = NULL;
	struct oed_store *store = NULL;
	struct oed_writer w;
	struct oed_bench_outcome out = { 0 };
	struct oed_bench_cfg cfg = { 0 };
	const struct oed_mutator **mutators = NULL;
	struct oed_provider_opts po = { 0 };
	struct oed_err err;
	char pbuf[4096];
	size_t i, g;
	int status = OED_EX_OK;

	oed_writer_init(&w, stdout);
	memset(&task, 0, sizeof(task));
	if (access(task_path, F_OK) != 0 && oed_builtin_find(task_path) != NULL) {
		if (oed_builtin_load(oed_builtin_find(task_path), &task, &err) == -1) {
			status = oed_fail(&err);
			goto out;
		}
		if (a->data == NULL) {
			status = oed_usage_error("%s: give the dataset with --data FILE (%s)", task_path,
						 oed_builtin_find(task_path)->data);
			goto out;
		}
	} else if (oed_task_load(task_path, &task, &err) == -1) {
		status = err.status == OED_EX_USAGE || err.status == OED_EX_DATA ? OED_EX_USAGE : err.status;
		oed_report(&err);
		goto out;
	}
	if (a->samples)
		task.gen.samples = (unsigned)a->samples;
	if (scoring_from_task(&task, &sc, &err) == -1) {
		/* an error in the task file: its position says where, no --help hint */
		oed_report(&err);
		status = err.status;
		goto out;
	}
	for (g = 0; g < a->ngates; g++) {
		for (i = 0; i < sc.n; i++)
			if (strcmp(sc.names[i], a->gates[g].scorer) == 0)
				break;
		if (i == sc.n) {
			status = oed_usage_error("--fail-under: the task has no scorer '%s'", a->gates[g].scorer);
			goto out;
		}
	}
	if (a->mutate || task.mutate) {
		size_t tn;

		oed_mutator_table(&tn);
		if ((mutators = calloc(tn, sizeof(*mutators))) == NULL) {
			oed_error("out of memory");
			status = OED_EX_FAIL;
			goto out;
		}
		if (oed_mutator_list(a->mutate ? a->mutate : task.mutate, mutators, &cfg.nmutators,
				     &err) == -1) {
			status = oed_usage_error("--mutate: %s", err.msg);
			goto out;
		}
		cfg.mutators = mutators;
		cfg.mutate_seed = task.gen.has_seed ? (uint64_t)task.gen.seed : 0;
		if (sc.n == 0) {
			status = oed_usage_error("--mutate: the task has no scorer to compare");
			goto out;
		}
	}
	if (a->fragility_scorer) {
		for (i = 0; i < sc.n; i++)
			if (strcmp(sc.names[i], a->fragility_scorer) == 0)
				break;
		if (i == sc.n) {
			status = oed_usage_error("--fragility-scorer: the task has no scorer '%s'",
						 a->fragility_scorer);
			goto out;
		}
		cfg.frag_scorer = i;
	}
	if (a->nmodels == 0) {
		status = oed_usage_error("no model: give -m PROVIDER:MODEL (openai, anthropic, command, replay)");
		goto out;
	}
	prices = oed_prices_load(a->prices ? a->prices : default_prices(pbuf, sizeof(pbuf)), &err);
	if (prices == NULL && a->prices) {
		status = oed_fail(&err);
		goto out;
	}
	if (a->verbose) {
		a->net.log = verbose_log;
	}
	po.base_url = a->base_url;
	po.api_key_env = a->api_key_env;
	po.command_json = a->command_json;
	po.timeout_s = a->timeout_s;
	po.concurrency = a->net.concurrency;
	po.net = &a->net;
	prov = calloc(a->nmodels, sizeof(*prov));
	if (prov == NULL) {
		oed_error("out of memory");
		status = OED_EX_FAIL;
		goto out;
	}
	for (i = 0; i < a->nmodels; i++) {
		prov[i] = oed_provider_new(a->models[i], &po, &err);
		if (prov[i] == NULL) {
			status = err.status == OED_EX_USAGE ? oed_usage_error("%s", err.msg) : oed_fail(&err);
			goto out;
		}
	}
	if (!a->dry_run || task.data_store) {
		store = oed_store_open(a->io.store, &err);
		if (store == NULL) {
			status = oed_fail(&err);
			goto out;
		}
	}
	if (oed_input_open_output(&a->io, &err) == -1) {
		status = oed_fail(&err);
		goto out;
	}
	w.fp = stdout;
	cfg.task = &task;
	cfg.models = prov;
	cfg.nmodels = a->nmodels;
	cfg.data = a->data;
	cfg.limit = a->limit;
	cfg.shard_i = a->shard_i;
	cfg.shard_n = a->shard_n;
	cfg.dry_run = a->dry_run;
	cfg.no_cache = a->no_cache;
	cfg.quiet = a->io.quiet;
	cfg.store = store;
	cfg.argc = argc;
	cfg.argv = argv;
	cfg.w = &w;
	cfg.scoring.n = sc.n;
	cfg.scoring.names = sc.names;
	cfg.scoring.score = score_one;
	cfg.scoring.reason = score_reason;
	cfg.scoring.judge = score_judge;
	cfg.scoring.ctx = &sc;
	cfg.prices = prices;
	cfg.stop = &oed_stop_signal;
	if (!a->io.quiet && isatty(STDERR_FILENO))
		cfg.progress = show_progress;
	oed_catch_stop_signals();
	if (oed_bench_run(&cfg, &out, &err) == -1) {
		status = err.status == OED_EX_USAGE ? oed_usage_error("%s", err.msg) : oed_fail(&err);
		goto out;
	}
	if (a->dry_run)
		goto out;
	if (out.fatal) {
		oed_error("%s", out.fatal_msg);
		status = OED_EX_FAIL;
		goto out;
	}
	if (out.interrupted) {
		oed_error("interrupted: run the same command again to resume");
		status = oed_stop_signal == SIGTERM ? OED_EX_SIGTERM : OED_EX_SIGINT;
		goto out;
	}
	for (i = 0; i < out.nmodels; i++) {
		if (out.m[i].errors > a->max_errors) {
			oed_error("%s: %llu of %llu items failed after retries (--max-errors %lu)",
				  a->models[i], out.m[i].errors, out.m[i].items, a->max_errors);
			status = OED_EX_FAIL;
		}
	}
	if (status == OED_EX_OK)
		status = gates_check(a, &sc, &out, a->models);
out:
	oed_bench_outcome_release(&out);
	free(mutators);
	if (prov)
		for (i = 0; i < a->nmodels; i++)
			oed_provider_free(prov[i]);
	free(prov);
	oed_prices_free(prices);
	oed_store_close(store);
	scoring_release(&sc);
	if (task.path)
		oed_task_release(&task);
	oed_writer_release(&w);
	return status;
}

static int
list_tasks(void)
{
	struct oed_writer w;
	size_t i, n;
	const struct oed_builtin *b = oed_builtin_table(&n);
	int rc = 0;

	oed_writer_init(&w, stdout);
	for (i = 0; i < n && rc == 0; i++) {
		oed_w_begin(&w);
		oed_w_str(&w, "kind", "bench.task");
		oed_w_str(&w, "name", b[i].name);
		oed_w_str(&w, "data", b[i].data);
		oed_w_str(&w, "summary", b[i].summary);
		rc = oed_w_end(&w);
	}
	oed_writer_release(&w);
	return rc == 0 ? OED_EX_OK : OED_EX_FAIL;
}

int
main(int argc, char *argv[])
{
	struct args a;
	char *epilog;
	int first, status;
	size_t i;

	oed_diag_init(argv[0]);
	memset(&a, 0, sizeof(a));
	oed_input_opts_init(&a.io);
	oed_net_opts_init(&a.net);
	a.timeout_s = 120;
	/* the scorer list comes from the registry's table (out of memory: examples alone) */
	if ((epilog = help_epilog()) != NULL)
		tool.epilog = epilog;
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0) {
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
		goto out;
	}
	oed_diag_quiet(a.io.quiet);
	if (a.nscores) {
		if (a.nmodels || a.summarize) {
			status = oed_usage_error("--score scores records already answered: no -m or --summarize with it");
			goto out;
		}
		status = score_mode(&a, argc - first, argv + first);
	} else if (a.target || a.samples_by) {
		status = oed_usage_error("--target and --samples-by go with --score");
	} else if (a.list_tasks) {
		status = list_tasks();
	} else if (a.summarize) {
		struct oed_writer w;
		struct oed_err err;

		if (a.nmodels) {
			status = oed_usage_error("--summarize reads bench.item records: no -m with it");
		} else if (oed_input_open_output(&a.io, &err) == -1) {
			status = oed_fail(&err);
		} else {
			oed_writer_init(&w, stdout);
			status = oed_bench_summarize(argc - first, argv + first, &a.io, &w, &err) == -1 ?
				 oed_fail(&err) : OED_EX_OK;
			oed_writer_release(&w);
			oed_policy_summary(&a.io.policy);
		}
	} else if (argc - first != 1) {
		status = oed_usage_error(argc == first ? "no task: give TASK.yaml or a built-in name (--list-tasks)" :
					 "one task at a time (got %d)", argc - first);
	} else {
		status = bench_mode(&a, argc, argv, argv[first]);
	}
out:
	for (i = 0; i < a.ngates; i++)
		free(a.gates[i].scorer);
	free(a.gates);
	free(a.models);
	free(a.scores);
	oed_input_opts_release(&a.io);
	free(epilog);
	return oed_close_stdout(status);
}
