/* oed-ingest: turn datasets into validated, normalised JSON Lines records. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/dataset.h"
#include "diag.h"
#include "exit.h"
#include "ingest/ingest.h"
#include "jsonw.h"
#include "opt.h"
#include "stop.h"
#include "store.h"
#include "tokenizer.h"

enum {
	OPT_FORMAT = 1, OPT_INPUTS, OPT_DATASET, OPT_MAP, OPT_META_REST, OPT_DELIMITER,
	OPT_TOKENS, OPT_RECOUNT, OPT_SAVE, OPT_LIST, OPT_LOAD, OPT_BATCH_INPUT,
	OPT_TS_FORMAT, OPT_TS_ZONE,
};

static const struct oed_option options[] = {
	{ "format", 'f', OED_ARG_REQUIRED, "FORMAT",
	  "auto (default), map, jsonl, json-array, csv or openai", OPT_FORMAT },
	{ "inputs", 'i', OED_ARG_REQUIRED, "[NAME=]FILE",
	  "inputs as a JSON object {\"input_id\": \"text\"} (map format)", OPT_INPUTS },
	{ "dataset", 'd', OED_ARG_REQUIRED, "NAME", "dataset name of records that carry none", OPT_DATASET },
	{ "map", 'm', OED_ARG_REQUIRED, "FIELD=PATH",
	  "take record FIELD from PATH (JSON Lines) or column (CSV)", OPT_MAP },
	{ "meta-rest", 0, OED_ARG_NONE, NULL,
	  "put the source fields or columns that feed no field into meta", OPT_META_REST },
	{ "delimiter", 0, OED_ARG_REQUIRED, "CHAR", "CSV field separator (default ',', 'tab' for TSV)",
	  OPT_DELIMITER },
	{ "ts-format", 0, OED_ARG_REQUIRED, "FORMAT",
	  "times that are not RFC 3339: epoch, epoch-ms, or a pattern ('%Y-%m-%d %H:%M:%S')",
	  OPT_TS_FORMAT },
	{ "ts-zone", 0, OED_ARG_REQUIRED, "ZONE",
	  "zone of --ts-format pattern times: UTC (default), +hh:mm or a name (Europe/Paris)",
	  OPT_TS_ZONE },
	{ "batch-input", 0, OED_ARG_REQUIRED, "FILE",
	  "OpenAI Batch input file: each record's input is the prompt its custom_id sent", OPT_BATCH_INPUT },
	{ "tokens", 'T', OED_ARG_REQUIRED, "ENCODING",
	  "fill tokens_in/tokens_out when absent, counted as tiktoken does\n"
	  "(cl100k_base, o200k_base, p50k_base, r50k_base, or a model: gpt-4o)", OPT_TOKENS },
	{ "recount", 0, OED_ARG_NONE, NULL, "with --tokens, replace the counts records carry", OPT_RECOUNT },
	{ "save", 's', OED_ARG_REQUIRED, "NAME", "also save the records as a new version of NAME in the store", OPT_SAVE },
	{ "list", 'l', OED_ARG_NONE, NULL, "list the dataset versions in the store and exit", OPT_LIST },
	{ "load", 0, OED_ARG_REQUIRED, "NAME[@VERSION]", "print a saved version (latest by default) and exit", OPT_LOAD },
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-ingest", "[OPTIONS] [FILE...]",
	"Turn datasets (JSON maps, JSON Lines, CSV, OpenAI responses) into validated, normalised records.",
	options,
	"Examples:\n"
	"  oed-ingest --inputs inputs.json --dataset maths outputs.json\n"
	"  oed-ingest --format jsonl --dataset chat --map input_id=id --map output=response.text log.jsonl\n"
	"  oed-ingest --format openai --dataset batch batch_output.jsonl --save batch\n"
};

struct ingest_args {
	struct oed_input_opts io;
	struct oed_ingest_opts in;
	const char *save, *load, *tokens;
	bool list;
	int argc;
	char **argv;
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct ingest_args *a = ctx;

	switch (id) {
	case OPT_FORMAT:
		if (oed_ingest_parse_format(arg, &a->in.format) == -1) {
			const char *names[OED_FMT_JSON_ARRAY + 1];

			for (int i = 0; i <= OED_FMT_JSON_ARRAY; i++)
				names[i] = oed_ingest_format_name((enum oed_ingest_format)i);
			return oed_err_unknown(err, "--format", arg, names, OED_FMT_JSON_ARRAY + 1);
		}
		return 0;
	case OPT_INPUTS:
		return oed_ingest_add_inputs(&a->in, arg, err);
	case OPT_DATASET:
		if (*arg == '\0')
			return oed_err_set(err, OED_EX_USAGE, "--dataset: empty name");
		a->in.dataset = arg;
		return 0;
	case OPT_MAP:
		return oed_ingest_add_map(&a->in, arg, err);
	case OPT_META_REST:
		a->in.meta_rest = true;
		return 0;
	case OPT_DELIMITER:
		if (strcmp(arg, "tab") == 0)
			arg = "\t";
		if (strlen(arg) != 1 || *arg == '"' || *arg == '\n' || *arg == '\r')
			return oed_err_set(err, OED_EX_USAGE, "--delimiter: '%s' is not one character", oed_quote(arg));
		a->in.delimiter = *arg;
		a->in.delimiter_given = true;
		return 0;
	case OPT_TOKENS:
		if (oed_tokens_arg_check(arg, err) == -1)
			return -1;
		a->tokens = arg;
		return 0;
	case OPT_RECOUNT:
		a->in.recount = true;
		return 0;
	case OPT_SAVE:
		if (*arg == '\0' || strchr(arg, '@'))
			return oed_err_set(err, OED_EX_USAGE, "--save: '%s' is not a dataset name", oed_quote(arg));
		a->save = arg;
		return 0;
	case OPT_LIST:
		a->list = true;
		return 0;
	case OPT_LOAD:
		a->load = arg;
		return 0;
	case OPT_BATCH_INPUT:
		a->in.batch_input = arg;
		return 0;
	case OPT_TS_FORMAT:
		a->in.ts_format = arg;
		return 0;
	case OPT_TS_ZONE:
		a->in.ts_zone = arg;
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

/*
 * SIGINT and SIGTERM (lib/stop.h) end the run after the record in hand:
 * the save is rolled back and the status says which signal it was.
 */
static int
interrupted_status(void)
{
	oed_error("interrupted");
	return oed_stop_signal == SIGINT ? OED_EX_SIGINT : OED_EX_SIGTERM;
}

struct sink_ctx {
	struct oed_writer w;
	struct oed_dataset_save *save;
};

static int
sink(const struct oed_record *rec, void *ctx, struct oed_err *err)
{
	struct sink_ctx *s = ctx;
	const char *line;
	size_t len;

	if (oed_stop_signal)
		return oed_err_set(err, OED_EX_SIGINT, "interrupted");
	oed_record_write(&s->w, rec);
	oed_w_close(&s->w, &line, &len);
	if (s->save && oed_dataset_save_add(s->save, line, len - 1, err) == -1)
		return -1;
	if (oed_w_emit(&s->w) == -1) {
		/* stop here; oed_close_stdout reports the write error once */
		oed_err_set(err, OED_EX_FAIL, "write error: %s", strerror(errno));
		err->reported = true;
		return -1;
	}
	return 0;
}

static int
run_store_only(struct ingest_args *a, int nfiles)
{
	char name[512];
	long long version;
	struct oed_err err;
	struct oed_store *s;
	struct oed_writer w;
	int rc;

	if (a->list && a->load)
		return oed_usage_error("--list and --load do not go together");
	if (nfiles > 0 || a->save)
		return oed_usage_error("%s reads the store only: no FILE or --save",
				       a->list ? "--list" : "--load");
	/* a bad NAME@VERSION is a usage error, whatever state the store is in */
	if (a->load && oed_dataset_spec_parse(a->load, name, sizeof(name), &version, &err) == -1)
		return oed_fail(&err);
	if (oed_input_open_output(&a->io, &err) == -1 ||
	    (s = oed_store_open_readonly(a->io.store, &err)) == NULL)
		return oed_fail(&err);
	oed_writer_init(&w, stdout);
	rc = a->list ? oed_dataset_list(s, &w, &err) : oed_dataset_load(s, a->load, stdout, &err);
	oed_writer_release(&w);
	oed_store_close(s);
	return rc == -1 ? oed_fail(&err) : OED_EX_OK;
}

/* "oed-ingest: 6 lines read, 5 records written, 1 bad (written to 'rej')" */
static void
summary(const struct oed_ingest_stats *st, const struct oed_policy *p)
{
	const char *unit = oed_ingest_unit(st->format);
	char where[300] = "", failed[64] = "";

	if (st->inputs_without_outputs)
		oed_warn("%llu input%s had no outputs",
			 (unsigned long long)st->inputs_without_outputs,
			 st->inputs_without_outputs == 1 ? "" : "s");
	if (p->bad && p->mode == OED_ON_ERROR_REJECT)
		snprintf(where, sizeof(where), " (written to '%s')", oed_quote(p->reject_path));
	if (st->failed)
		snprintf(failed, sizeof(failed), ", %llu failed request%s",
			 (unsigned long long)st->failed, st->failed == 1 ? "" : "s");
	oed_note("%llu %.*s read, %llu record%s written, %lu bad%s%s",
		 (unsigned long long)st->read, (int)strlen(unit) - (st->read == 1), unit,
		 (unsigned long long)st->written, st->written == 1 ? "" : "s", p->bad, where, failed);
}

static int
run(struct ingest_args *a, int nfiles, char **files)
{
	struct sink_ctx ctx = { 0 };
	struct oed_ingest_stats stats;
	struct oed_store *store = NULL;
	struct oed_err err;
	int rc, status = OED_EX_OK;

	if (a->list || a->load)
		return run_store_only(a, nfiles);
	if (a->in.recount && a->tokens == NULL)
		return oed_usage_error("--recount needs --tokens");
	a->in.max_line = a->io.max_line;
	a->in.policy = &a->io.policy;
	if (oed_input_open_output(&a->io, &err) == -1)
		return oed_fail(&err);
	/* the vocabulary loads only when tokens are asked for */
	if (a->tokens && (a->in.tokenizer = oed_tokenizer_open(a->tokens, NULL, &err)) == NULL)
		return oed_fail(&err);
	oed_writer_init(&ctx.w, stdout);
	if (a->save) {
		store = oed_store_open(a->io.store, &err);
		if (store == NULL) {
			oed_tokenizer_free(a->in.tokenizer);
			return oed_fail(&err);
		}
		ctx.save = oed_dataset_save_begin(store, a->save, a->argc, a->argv, &err);
		if (ctx.save == NULL) {
			oed_store_close(store);
			oed_tokenizer_free(a->in.tokenizer);
			return oed_fail(&err);
		}
	}
	oed_catch_stop_signals();
	rc = oed_ingest(&a->in, nfiles, files, sink, &ctx, &stats, &err);
	if (rc == 0 && oed_policy_close(&a->io.policy, &err) == -1)
		rc = -1;
	/* flush before the summary so it never claims records that were not written */
	if (rc == 0 && fflush(stdout) != 0) {
		rc = oed_err_set(&err, OED_EX_FAIL, "write error: %s", strerror(errno));
		err.reported = true;	/* oed_close_stdout says it */
	}
	if (oed_stop_signal) {
		oed_dataset_save_abort(ctx.save);
		status = interrupted_status();
	} else if (rc == -1) {
		oed_dataset_save_abort(ctx.save);
		status = oed_fail(&err);
	} else if (ctx.save) {
		long long version;
		bool unchanged;
		char digest[33];

		if (oed_dataset_save_end(ctx.save, &version, &unchanged, digest, &err) == -1)
			status = oed_fail(&err);
		else if (unchanged)
			oed_note("'%s' unchanged: same content as version %lld", oed_quote(a->save), version);
		else
			oed_note("saved '%s' version %lld (%llu records)", oed_quote(a->save), version,
				 (unsigned long long)stats.written);
	}
	if (status == OED_EX_OK)
		summary(&stats, &a->io.policy);
	oed_writer_release(&ctx.w);
	oed_store_close(store);
	oed_tokenizer_free(a->in.tokenizer);
	return status;
}

/* Option values for the shell completions (--list-options). */
static const char *
format_value(size_t i)
{
	return i <= OED_FMT_JSON_ARRAY ? oed_ingest_format_name((enum oed_ingest_format)i) : NULL;
}

static const struct oed_opt_values values[] = {
	{ OPT_FORMAT, format_value },
	{ OPT_TOKENS, oed_encoding_choice },
	{ 0, NULL }
};

int
main(int argc, char *argv[])
{
	struct ingest_args a = { .argc = argc, .argv = argv };
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&a.io);
	oed_ingest_opts_init(&a.in);
	oed_opt_values(values);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_ingest_opts_release(&a.in);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
