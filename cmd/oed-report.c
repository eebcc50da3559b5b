/* oed-report: reports from oed records and store runs as Markdown, HTML, JSON, CSV, JUnit or Prometheus text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "opt.h"
#include "report/report.h"
#include "report/runs.h"
#include "store.h"

enum {
	OPT_FORMAT = 1,
	OPT_LIST,
	OPT_SINCE,
	OPT_TOOL,
	OPT_TASK,
	OPT_MODEL,
	OPT_TITLE,
	OPT_ITEMS,
	OPT_MAX_CHARS,
};

static const struct oed_option options[] = {
	{ "format", 'f', OED_ARG_REQUIRED, "FMT",
	  "md (default), html, json, csv, junit or prom", OPT_FORMAT },
	{ "list", 0, OED_ARG_NONE, NULL, "print the store's runs as JSON Lines and exit", OPT_LIST },
	{ "since", 0, OED_ARG_REQUIRED, "WHEN",
	  "runs started since WHEN: a duration back from now (7d, 12h) or an RFC 3339 time", OPT_SINCE },
	{ "tool", 0, OED_ARG_REQUIRED, "TOOL", "runs of TOOL only (oed-bench or bench)", OPT_TOOL },
	{ "task", 0, OED_ARG_REQUIRED, "TASK", "runs whose parameters name task TASK", OPT_TASK },
	{ "model", 0, OED_ARG_REQUIRED, "MODEL", "runs whose parameters name model MODEL", OPT_MODEL },
	{ "title", 0, OED_ARG_REQUIRED, "TEXT", "the HTML page's title (default 'oed report')", OPT_TITLE },
	{ "items", 0, OED_ARG_REQUIRED, "N",
	  "per-item rows an HTML table shows at most, sampled evenly (default 500)", OPT_ITEMS },
	{ "max-chars", 0, OED_ARG_REQUIRED, "N",
	  "Markdown stays under N bytes, cut with a note (default 65000)", OPT_MAX_CHARS },
	OED_STORE_OPTION,
	OED_INPUT_OPTIONS,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-report", "[OPTIONS] [RUN | FILE]...",
	"Report oed records (from FILEs or standard input) and store runs as Markdown, HTML,"
	" JSON, CSV, JUnit XML or Prometheus text.",
	options,
	"RUN is a run id, 'last' or 'last:TOOL'; any other operand is a file of records.\n"
	"Examples:\n"
	"  oed-drift -R ref.jsonl cur.jsonl | oed-report -f html -o drift.html\n"
	"  oed-report last:oed-bench >> \"$GITHUB_STEP_SUMMARY\"\n"
	"  oed-report --since 7d --tool oed-drift -f prom -o /var/lib/node_exporter/oed.prom\n"
};

struct report_args {
	struct oed_input_opts io;
	const struct oed_rep_format *format;
	bool list;
	const char *since_arg, *tool, *task, *model, *title;
	unsigned long items, max_chars;
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct report_args *a = ctx;

	switch (id) {
	case OPT_FORMAT:
		a->format = oed_rep_format_find(arg);
		if (a->format == NULL)
			return oed_err_set(err, OED_EX_USAGE,
					   "--format: '%s' is not one of md, html, json, csv, junit, prom", arg);
		return 0;
	case OPT_LIST:
		a->list = true;
		return 0;
	case OPT_SINCE:
		a->since_arg = arg;
		return 0;
	case OPT_TOOL:
		a->tool = arg;
		return 0;
	case OPT_TASK:
		a->task = arg;
		return 0;
	case OPT_MODEL:
		a->model = arg;
		return 0;
	case OPT_TITLE:
		a->title = arg;
		return 0;
	case OPT_ITEMS:
		return oed_parse_ulong("--items", arg, 1, 100000000, &a->items, err);
	case OPT_MAX_CHARS:
		return oed_parse_ulong("--max-chars", arg, 1000, 100000000, &a->max_chars, err);
	}
	return oed_input_opt(&a->io, id, arg, err);
}

static bool
wants_store(const struct report_args *a)
{
	return a->list || a->since_arg || a->tool || a->task || a->model;
}

/* --list: every run (or those the filters keep) as a JSON Lines record. */
static int
list_runs(struct oed_store *s, const struct oed_rep_sel *sel, struct oed_err *err)
{
	struct oed_writer w;
	int64_t *ids;
	size_t n;
	int rc = 0;

	if (oed_rep_select(s, sel, &ids, &n, err) == -1)
		return -1;
	oed_writer_init(&w, stdout);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *run = oed_rep_run_json(s, ids[i], false, err);
		const char *k;
		json_t *v;

		if (run == NULL) {
			rc = -1;
			break;
		}
		oed_w_begin(&w);
		json_object_foreach(run, k, v)
			oed_w_json(&w, k, v);
		if (oed_w_end(&w) == -1)
			rc = oed_err_set(err, OED_EX_FAIL, "cannot write the runs");
		json_decref(run);
	}
	oed_writer_release(&w);
	free(ids);
	return rc;
}

static int
run(struct report_args *a, int nops, char **ops)
{
	struct oed_report rep;
	struct oed_rep_sel sel = { 0 };
	struct oed_store *s = NULL;
	struct oed_err err = { 0 };
	char since[32], **files = NULL;
	int nfiles = 0, status = OED_EX_OK;
	bool any_runs = false;

	oed_rep_init(&rep);
	if (a->items)
		rep.html_items = a->items;
	if (a->max_chars)
		rep.md_limit = a->max_chars;
	rep.title = a->title;
	if (a->since_arg) {
		if (oed_rep_since(a->since_arg, time(NULL), since, &err) == -1) {
			oed_rep_release(&rep);
			return oed_usage_error("%s", err.msg);
		}
		sel.since = since;
	}
	sel.tool = a->tool;
	sel.task = a->task;
	sel.model = a->model;
	files = calloc((size_t)nops + 1, sizeof(*files));
	sel.refs = calloc((size_t)nops + 1, sizeof(*sel.refs));
	if (files == NULL || sel.refs == NULL) {
		oed_err_set(&err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	for (int i = 0; i < nops; i++) {
		if (oed_rep_is_runref(ops[i]))
			sel.refs[sel.nrefs++] = ops[i];
		else
			files[nfiles++] = ops[i];
	}
	if (oed_input_open_output(&a->io, &err) == -1)
		goto fail;
	if (sel.nrefs || wants_store(a)) {
		s = oed_store_open_readonly(a->io.store, &err);
		if (s == NULL)
			goto fail;
	}
	if (a->list) {
		if (list_runs(s, &sel, &err) == -1)
			goto fail;
		goto out;
	}
	if (s) {
		int64_t *ids;
		size_t n;

		if (oed_rep_select(s, &sel, &ids, &n, &err) == -1)
			goto fail;
		for (size_t i = 0; i < n; i++)
			if (oed_rep_load_run(&rep, s, ids[i], &err) == -1) {
				free(ids);
				goto fail;
			}
		free(ids);
		any_runs = true;
	}
	/* records from FILEs, or from standard input when nothing else was named */
	if (nfiles || !any_runs) {
		if (oed_rep_read(&rep, nfiles, files, a->io.max_line, &a->io.policy, &err) == -1)
			goto fail;
	}
	if (json_array_size(rep.recs) == 0) {
		oed_error(any_runs ? "no records in the input: no run in the store matches" :
			  "no records in the input");
		status = OED_EX_DATA;
		goto out;
	}
	if (a->format->render(&rep, stdout, &err) == -1)
		goto fail;
	goto out;
fail:
	status = oed_fail(&err);
out:
	oed_store_close(s);
	free(files);
	free(sel.refs);
	oed_rep_release(&rep);
	return status;
}

int
main(int argc, char *argv[])
{
	struct report_args a = { .format = &oed_rep_formats[0] };
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&a.io);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
