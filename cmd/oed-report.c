/* oed-report: reports from oed records and store runs as Markdown, HTML, JSON, CSV, JUnit or Prometheus text. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "opt.h"
#include "report/report.h"
#include "report/audit.h"
#include "report/compare.h"
#include "report/runs.h"
#include "report/trust.h"
#include "score/score.h"
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
	OPT_COMPARE,
	OPT_MAX_DROP,
	OPT_SEED,
	OPT_BOOTSTRAP,
	OPT_PERMUTATIONS,
	OPT_BY,
	OPT_TREND,
	OPT_VERIFY,
	OPT_EVIDENCE,
	OPT_PRUNE,
	OPT_TRUST,
	OPT_WEIGHT,
	OPT_JUDGE,
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
	{ "compare", 0, OED_ARG_NONE, NULL,
	  "compare the two operands A B (runs or files) item by item", OPT_COMPARE },
	{ "max-drop", 0, OED_ARG_REQUIRED, "SCORER=X",
	  "exit 4 when SCORER drops significantly by more than X (repeatable)", OPT_MAX_DROP },
	{ "judge", 0, OED_ARG_REQUIRED, "SPEC",
	  "with --compare: ask a pairwise judge (pairwise:model=PROVIDER:MODEL,...)\nwhether B's output beats A's, item by item", OPT_JUDGE },
	{ "by", 0, OED_ARG_REQUIRED, "FIELD",
	  "split the comparison by FIELD into mix and rate effects", OPT_BY },
	{ "trend", 0, OED_ARG_REQUIRED, "SCORER",
	  "Theil-Sen slope and Mann-Kendall test of SCORER over the runs", OPT_TREND },
	{ "trust", 0, OED_ARG_OPTIONAL, "MODEL",
	  "the trust score from the records' entropy, bench, drift and red-team results", OPT_TRUST },
	{ "weight", 0, OED_ARG_REQUIRED, "NAME=W",
	  "weight of a trust component (consistency, quality, reliability, stability,\nrobustness); 0 leaves it out (repeatable)", OPT_WEIGHT },
	{ "seed", 0, OED_ARG_REQUIRED, "N", "seed of the bootstrap and permutations (default 0)", OPT_SEED },
	{ "bootstrap", 0, OED_ARG_REQUIRED, "N", "bootstrap resamples (default 2000)", OPT_BOOTSTRAP },
	{ "permutations", 0, OED_ARG_REQUIRED, "N",
	  "random sign patterns when more than 20 pairs differ (default 10000)", OPT_PERMUTATIONS },
	{ "verify", 0, OED_ARG_OPTIONAL, "FILE",
	  "check the store's audit chain, or an --evidence FILE; exit 4 at the first bad run", OPT_VERIFY },
	{ "evidence", 0, OED_ARG_NONE, NULL,
	  "write the runs named (default all) with their hashes, for --verify FILE", OPT_EVIDENCE },
	{ "prune", 0, OED_ARG_REQUIRED, "WHEN",
	  "delete the runs started before WHEN, keeping the chain's boundary hash", OPT_PRUNE },
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
	bool compare;
	struct oed_cmp_opts cmp;
	struct oed_drop drops[32];
	const char *trend;
	bool verify, evidence;
	const char *verify_file, *prune;
	bool trust;
	struct oed_trust_opts tr;
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
	case OPT_COMPARE:
		a->compare = true;
		return 0;
	case OPT_MAX_DROP: {
		const char *eq = strrchr(arg, '=');
		struct oed_drop *d = &a->drops[a->cmp.ndrops];

		if (eq == NULL || eq == arg)
			return oed_err_set(err, OED_EX_USAGE, "--max-drop: '%s' is not SCORER=X", arg);
		if (a->cmp.ndrops == sizeof(a->drops) / sizeof(a->drops[0]))
			return oed_err_set(err, OED_EX_USAGE, "--max-drop: more than 32 scorers");
		if (oed_parse_double("--max-drop", eq + 1, 0, 1e300, &d->max, err) == -1)
			return -1;
		d->scorer = strndup(arg, (size_t)(eq - arg));
		if (d->scorer == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		a->cmp.ndrops++;
		return 0;
	}
	case OPT_SEED: {
		unsigned long v;

		if (oed_parse_ulong("--seed", arg, 0, ULONG_MAX, &v, err) == -1)
			return -1;
		a->cmp.seed = v;
		return 0;
	}
	case OPT_BOOTSTRAP:
		return oed_parse_ulong("--bootstrap", arg, 100, 10000000, &a->cmp.bootstrap, err);
	case OPT_PERMUTATIONS:
		return oed_parse_ulong("--permutations", arg, 100, 100000000, &a->cmp.permutations, err);
	case OPT_BY:
		a->cmp.by = arg;
		return 0;
	case OPT_TREND:
		a->trend = arg;
		return 0;
	case OPT_VERIFY:
		a->verify = true;
		a->verify_file = arg;
		return 0;
	case OPT_EVIDENCE:
		a->evidence = true;
		return 0;
	case OPT_PRUNE:
		a->prune = arg;
		return 0;
	case OPT_TRUST:
		a->trust = true;
		a->tr.model = arg;
		return 0;
	case OPT_WEIGHT:
		return oed_trust_weight(&a->tr, arg, err);
	case OPT_JUDGE:
		oed_scorer_spec_free(a->cmp.judge);
		a->cmp.judge = NULL;
		if (oed_scorer_spec_parse(arg, &a->cmp.judge, err) == -1) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return oed_err_set(err, OED_EX_USAGE, "--judge: %s", msg);
		}
		if (strcmp(a->cmp.judge->scorer->name, "pairwise") != 0 || a->cmp.judge->negate) {
			oed_scorer_spec_free(a->cmp.judge);
			a->cmp.judge = NULL;
			return oed_err_set(err, OED_EX_USAGE,
					   "--judge: '%s' is not a pairwise judge (pairwise:model=PROVIDER:MODEL)",
					   arg);
		}
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

static bool
wants_store(const struct report_args *a)
{
	return a->list || a->since_arg || a->tool || a->task || a->model;
}

/*
 * The metric rows a report keeps one by one; OED_REPORT_MAX_ROWS sets
 * another number, so that a test reaches the limit with a small store
 * (for tests, not users).
 */
static size_t
max_rows(void)
{
	const char *env = getenv("OED_REPORT_MAX_ROWS");
	char *end;
	unsigned long v;

	if (env && *env >= '1' && *env <= '9' && (v = strtoul(env, &end, 10)) > 0 && *end == '\0')
		return v;
	return OED_REP_MAX_METRICS;
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

/* Does the store (if there is one) hold a run named name? */
static bool
named_run(const struct report_args *a, const char *name)
{
	struct oed_err err = { 0 };
	struct oed_store *s;
	int64_t id;
	bool found;

	if (a->io.store == NULL && getenv("OED_STORE") == NULL) {
		char path[4096];
		struct stat sb;

		if (oed_store_default_path(path, sizeof(path), &err) == -1 || stat(path, &sb) == -1)
			return false;
	} else {
		struct stat sb;
		const char *p = a->io.store ? a->io.store : getenv("OED_STORE");

		if (stat(p, &sb) == -1)
			return false;
	}
	s = oed_store_open_readonly(a->io.store, &err);
	if (s == NULL)
		return false;
	found = oed_store_find_run(s, NULL, name, &id, &err) == 0;
	oed_store_close(s);
	return found;
}

/* One side of --compare: a run from the store or a file of records. */
static int
load_side(struct oed_report *rep, struct oed_store *s, const struct report_args *a, char *op,
	  struct oed_err *err)
{
	struct stat sb;

	if (oed_rep_is_runref(op) || (strcmp(op, "-") != 0 && stat(op, &sb) == -1 && named_run(a, op))) {
		struct oed_rep_sel sel = { .refs = &op, .nrefs = 1 };
		int64_t *ids;
		size_t n;
		size_t summarised, no_items;
		int rc;

		if (oed_rep_select(s, &sel, &ids, &n, err) == -1)
			return -1;
		rc = oed_rep_load_runs(rep, s, ids, 1, max_rows(), &summarised, &no_items, err);
		free(ids);
		return rc;
	}
	if (oed_rep_read(rep, 1, &op, a->io.max_line, (struct oed_policy *)&a->io.policy, err) == -1)
		return -1;
	if (json_array_size(rep->recs) == 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input: '%s' is empty", op);
	return 0;
}

static int
compare(struct report_args *a, struct oed_store *s, char **ops, struct oed_err *err)
{
	struct oed_report ra, rb, out;
	bool gate = false;
	int status = OED_EX_OK;

	oed_rep_init(&ra);
	oed_rep_init(&rb);
	oed_rep_init(&out);
	out.title = a->title;
	out.md_limit = a->max_chars ? a->max_chars : out.md_limit;
	if (load_side(&ra, s, a, ops[0], err) == -1 || load_side(&rb, s, a, ops[1], err) == -1 ||
	    oed_rep_compare(&ra, &rb, &a->cmp, &out, &gate, err) == -1 ||
	    a->format->render(&out, stdout, err) == -1) {
		status = oed_fail(err);
	} else if (gate) {
		size_t i;
		json_t *r;

		json_array_foreach(out.recs, i, r)
			if (json_is_true(json_object_get(r, "gate")))
				oed_error("gate: %s dropped by %g (p = %.3g after Holm's correction),"
					  " more than --max-drop %g", oed_rep_str(r, "scorer"),
					  -oed_rep_num(r, "diff"), oed_rep_num(r, "p_holm"),
					  oed_rep_num(r, "max_drop"));
		status = OED_EX_GATE;
	}
	oed_rep_release(&ra);
	oed_rep_release(&rb);
	oed_rep_release(&out);
	return status;
}

/* --verify, --evidence, --prune: the audit chain. */
static int
audit(struct report_args *a, int nops, char **ops)
{
	struct oed_store *s = NULL;
	struct oed_err err = { 0 };
	struct oed_writer w;
	char cutoff[32], since[32];
	size_t n = 0;
	int status = OED_EX_OK;

	if (a->since_arg && oed_rep_since(a->since_arg, time(NULL), since, &err) == -1)
		return oed_usage_error("%s", err.msg);
	if (a->prune && oed_rep_since(a->prune, time(NULL), cutoff, &err) == -1)
		return oed_usage_error("--prune%s", strncmp(err.msg, "--since", 7) == 0 ? err.msg + 7 : err.msg);
	if (oed_input_open_output(&a->io, &err) == -1)
		return oed_fail(&err);
	if (a->verify && a->verify_file) {
		if (oed_audit_verify_file(a->verify_file, &n, &err) == -1)
			return oed_fail(&err);
	} else {
		s = a->prune ? oed_store_open(a->io.store, &err) : oed_store_open_readonly(a->io.store, &err);
		if (s == NULL)
			return oed_fail(&err);
		if (a->prune) {
			if (oed_audit_prune(s, cutoff, &n, &err) == -1)
				status = oed_fail(&err);
		} else if (a->verify) {
			if (oed_audit_verify(s, &n, &err) == -1)
				status = oed_fail(&err);
		} else {
			struct oed_rep_sel sel = { .refs = ops, .nrefs = nops, .tool = a->tool,
						   .task = a->task, .model = a->model };
			int64_t *ids = NULL;
			size_t nids;

			if (a->since_arg)
				sel.since = since;
			if (oed_rep_select(s, &sel, &ids, &nids, &err) == -1 ||
			    oed_audit_evidence(s, ids, nids, stdout, &err) == -1)
				status = oed_fail(&err);
			free(ids);
			oed_store_close(s);
			return status;
		}
		oed_store_close(s);
	}
	if (status != OED_EX_OK)
		return status;
	oed_writer_init(&w, stdout);
	oed_w_begin(&w);
	oed_w_str(&w, "kind", a->prune ? "report.prune" : "report.verify");
	if (a->prune) {
		oed_w_str(&w, "before", cutoff);
		oed_w_uint(&w, "deleted", n);
	} else {
		oed_w_str(&w, "source", a->verify_file ? a->verify_file : "store");
		oed_w_uint(&w, "runs", n);
		oed_w_bool(&w, "ok", true);
	}
	oed_w_end(&w);
	oed_writer_release(&w);
	return status;
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

	if (a->verify || a->evidence || a->prune) {
		if ((a->verify && a->evidence) || (a->verify && a->prune) || (a->evidence && a->prune))
			return oed_usage_error("--verify, --evidence and --prune go alone");
		if (nops && a->verify)
			return oed_usage_error("--verify takes no operand: check a file with --verify=%s", ops[0]);
		if (nops && a->prune)
			return oed_usage_error("--prune takes no operand");
		for (int i = 0; i < nops; i++)
			if (!oed_rep_is_runref(ops[i]))
				return oed_usage_error("--evidence: '%s' is not a run (an id, last or last:TOOL)",
						       ops[i]);
		return audit(a, nops, ops);
	}
	oed_rep_init(&rep);
	if (a->items)
		rep.html_items = a->items;
	if (a->max_chars)
		rep.md_limit = a->max_chars;
	rep.title = a->title;
	a->cmp.drops = a->drops;
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
		struct stat sb;

		/* a run, or a name given with --name when there is no such file */
		if (oed_rep_is_runref(ops[i]) ||
		    (strcmp(ops[i], "-") != 0 && stat(ops[i], &sb) == -1 && named_run(a, ops[i])))
			sel.refs[sel.nrefs++] = ops[i];
		else
			files[nfiles++] = ops[i];
	}
	if (a->compare && nops != 2) {
		status = oed_usage_error("--compare takes two operands, A and B (runs or files); %d given",
					 nops);
		goto out;
	}
	if ((a->trend != NULL) + a->trust + a->compare > 1) {
		status = oed_usage_error("--compare, --trend and --trust go alone");
		goto out;
	}
	if (!a->compare && (a->cmp.ndrops || a->cmp.by || a->cmp.judge)) {
		status = oed_usage_error("%s needs --compare", a->cmp.by ? "--by" : a->cmp.judge ? "--judge" :
					 "--max-drop");
		goto out;
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
	if (a->compare) {
		status = compare(a, s, ops, &err);
		goto out;
	}
	if (s) {
		int64_t *ids;
		size_t n, summarised, no_items, share;

		if (oed_rep_select(s, &sel, &ids, &n, &err) == -1)
			goto fail;
		if (oed_rep_load_runs(&rep, s, ids, n, max_rows(), &summarised, &no_items, &err) == -1) {
			free(ids);
			goto fail;
		}
		share = n && max_rows() / n ? max_rows() / n : 1;
		if (summarised)
			oed_warn("runs with more than %zu metric rows each (%zu of %zu) are reported by"
				 " totals per metric name (run.metric.summary); name fewer runs to see every row",
				 share, summarised, n);
		if (no_items)
			oed_warn("bench runs with more than %zu items each (%zu of %zu) are reported by their"
				 " summary alone; name fewer runs to see their items", share, no_items, n);
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
	if (a->trend || a->trust) {
		struct oed_report tr;

		oed_rep_init(&tr);
		tr.title = a->title;
		if ((a->trend ? oed_rep_trend(&rep, a->trend, &tr, &err) :
				oed_rep_trust(&rep, &a->tr, &tr, &err)) == -1 ||
		    a->format->render(&tr, stdout, &err) == -1) {
			oed_rep_release(&tr);
			goto fail;
		}
		oed_rep_release(&tr);
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
	struct report_args a = { .format = &oed_rep_formats[0],
				 .cmp = { .bootstrap = 2000, .permutations = 10000 } };
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&a.io);
	oed_trust_opts_init(&a.tr);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_input_opts_release(&a.io);
	for (size_t i = 0; i < a.cmp.ndrops; i++)
		free((char *)a.drops[i].scorer);
	oed_scorer_spec_free(a.cmp.judge);
	return oed_close_stdout(status);
}
