/* oed-drift: has the traffic changed?  Drift tests of current records against a reference. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "drift/drift.h"
#include "drift/drifttest.h"
#include "exit.h"
#include "jsonl.h"
#include "jsonw.h"
#include "opt.h"
#include "store.h"
#include "time.h"
#include "tokenizer.h"

enum {
	OPT_REF = 1, OPT_BASELINE, OPT_FIELD, OPT_TEST, OPT_THRESHOLD, OPT_SHARE, OPT_TIME,
	OPT_WINDOW, OPT_TOKENS, OPT_PERMUTATIONS, OPT_SEED, OPT_FAIL, OPT_RECORD, OPT_BINS,
	OPT_EPSILON, OPT_BASE, OPT_LATENESS,
};

static const struct oed_option options[] = {
	{ "ref", 'R', OED_ARG_REQUIRED, "FILE", "the reference records (repeat for several files)", OPT_REF },
	{ "baseline", 0, OED_ARG_REQUIRED, "RUN",
	  "the reference kept by an earlier --record run:\n"
	  "latest, the --name given to it, or its id", OPT_BASELINE },
	{ "field", 'f', OED_ARG_REQUIRED, "F[:KIND[:TEST]]",
	  "a feature to test (repeat, or F1,F2); KIND\n"
	  "numeric, categorical, text, vector or auto", OPT_FIELD },
	{ "test", 't', OED_ARG_REQUIRED, "NAME", "the test for every feature it applies to\n"
	  "(default: chosen per feature, see oed-drift(1))", OPT_TEST },
	{ "threshold", 0, OED_ARG_REQUIRED, "X",
	  "drift when p < X (tests with a p-value) or statistic >= X (others)", OPT_THRESHOLD },
	{ "share", 0, OED_ARG_REQUIRED, "S",
	  "dataset drift when this share of features drifted, and one at\nleast (0 to 1, default 0.5)", OPT_SHARE },
	{ "time", 0, OED_ARG_REQUIRED, "FIELD", "the timestamp field (RFC 3339 or epoch seconds)", OPT_TIME },
	{ "window", 'w', OED_ARG_REQUIRED, "DURATION",
	  "compare tumbling windows of this width (500ms, 15m, 1d)", OPT_WINDOW },
	{ "lateness", 0, OED_ARG_REQUIRED, "DURATION",
	  "how long a record may come after a later one\n"
	  "and still count in its window (default 0)", OPT_LATENESS },
	{ "tokens", 'T', OED_ARG_REQUIRED, "ENCODING",
	  "also test the token lengths of text fields (encoding or model)", OPT_TOKENS },
	{ "bins", 0, OED_ARG_REQUIRED, "N",
	  "reference-quantile bins of psi, kl, js, tvd, hellinger on numbers\n(2 to 10000, default 10)", OPT_BINS },
	{ "epsilon", 0, OED_ARG_REQUIRED, "X", "floor of zero shares in psi and kl (default 0.0001)",
	  OPT_EPSILON },
	{ "base", 'b', OED_ARG_REQUIRED, "BASE", "logarithms of kl and js: 2 (bits, default), e or 10",
	  OPT_BASE },
	{ "permutations", 0, OED_ARG_REQUIRED, "N",
	  "permutations of the mmd p-value (1 to 1000000, default 200)", OPT_PERMUTATIONS },
	{ "seed", 0, OED_ARG_REQUIRED, "N", "seed of permutations and vector samples (default 0)", OPT_SEED },
	{ "fail-on-drift", 0, OED_ARG_OPTIONAL, "GATE",
	  "exit 4 when dataset drift is found; GATE share\n"
	  "(the --share rule, the default) or any", OPT_FAIL },
	OED_RECORD_OPTIONS(OPT_RECORD, "store the run, its results and the reference in the run store"),
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-drift", "[OPTIONS] (--ref FILE | --baseline RUN | --time FIELD --window DURATION) [FILE...]",
	"Statistical drift tests of current records against a reference: whole, per\n"
	"time window, or against a baseline kept in the run store.",
	options,
	"Examples:\n"
	"  oed-drift --ref last_week.jsonl -f latency_ms -f model today.jsonl\n"
	"  oed-drift --time ts --window 1d -f output --fail-on-drift events.jsonl\n"
};

struct drift_args {
	struct oed_input_opts io;
	struct oed_drift_opts o;
	struct oed_drift_spec *specs;
	size_t nspecs;
	char **refs;
	int nrefs;
	const char *baseline;		/* --baseline RUN as given */
	const char *tokens;
	bool fail, record;
	int argc;
	char **argv;
};

/*
 * --field F1,F2,...: each piece is a field spec.  A JSON Pointer (/a,b)
 * is one field, so a name that holds a comma can still be named.
 */
static int
add_fields(struct drift_args *a, const char *arg, struct oed_err *err)
{
	const char *p = arg, *comma;

	do {
		struct oed_drift_spec *s = realloc(a->specs, (a->nspecs + 1) * sizeof(*s));
		char *piece;
		int rc;

		if (s == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		a->specs = s;
		comma = arg[0] == '/' ? NULL : strchr(p, ',');
		if ((piece = strndup(p, comma ? (size_t)(comma - p) : strlen(p))) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		if (piece[0] == '\0' && (comma || p != arg)) {
			free(piece);
			return oed_err_set(err, OED_EX_USAGE, "--field: '%s' has an empty field between "
					   "commas", arg);
		}
		rc = oed_drift_spec_parse(&s[a->nspecs], piece, err);
		free(piece);
		if (rc == -1)
			return -1;
		a->nspecs++;
		if (comma)
			p = comma + 1;
	} while (comma);
	return 0;
}

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct drift_args *a = ctx;
	unsigned long n;

	switch (id) {
	case OPT_REF: {
		char **refs = realloc(a->refs, (size_t)(a->nrefs + 1) * sizeof(*refs));

		if (refs == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		a->refs = refs;
		a->refs[a->nrefs++] = (char *)arg;
		return 0;
	}
	case OPT_BASELINE:
		if (arg[0] == '\0')
			return oed_err_set(err, OED_EX_USAGE, "--baseline: give latest, a run name or an id");
		a->baseline = arg;
		return 0;
	case OPT_FIELD:
		return add_fields(a, arg, err);
	case OPT_TEST:
		if (oed_drift_test_find(arg) == NULL)
			return oed_drift_test_unknown("--test", arg, err);
		a->o.test = arg;
		return 0;
	case OPT_THRESHOLD:
		return oed_parse_double("threshold", arg, 0, INFINITY, &a->o.threshold, err);
	case OPT_SHARE:
		return oed_parse_double("share", arg, 0, 1, &a->o.share, err);
	case OPT_TIME:
		a->o.time = arg;
		return 0;
	case OPT_WINDOW:
		return oed_duration_parse("--window", arg, &a->o.window, err);
	case OPT_LATENESS:
		if (strcmp(arg, "0") == 0) {
			a->o.lateness = 0;
			return 0;
		}
		return oed_duration_parse("--lateness", arg, &a->o.lateness, err);
	case OPT_TOKENS:
		if (oed_tokens_arg_check(arg, err) == -1)
			return -1;
		a->tokens = arg;
		return 0;
	case OPT_BINS:
		if (oed_parse_ulong("bins", arg, 2, 10000, &n, err) == -1)
			return -1;
		a->o.bins = (unsigned)n;
		return 0;
	case OPT_EPSILON:
		if (oed_parse_double("epsilon", arg, 0, 1, &a->o.epsilon, err) == -1 ||
		    !(a->o.epsilon > 0 && a->o.epsilon < 1))
			return oed_err_set(err, OED_EX_USAGE, "--epsilon: '%s' is not a number between 0 "
					   "and 1, both excluded", arg);
		return 0;
	case OPT_BASE:
		if (oed_parse_log_base(arg, &a->o.log_base, err) == -1)
			return -1;
		a->o.base = arg;
		return 0;
	case OPT_PERMUTATIONS:
		if (oed_parse_ulong("permutations", arg, 1, 1000000, &n, err) == -1)
			return -1;
		a->o.permutations = n;
		return 0;
	case OPT_SEED:
		if (oed_parse_ulong("seed", arg, 0, ULONG_MAX, &n, err) == -1)
			return -1;
		a->o.seed = n;
		return 0;
	case OPT_FAIL:
		if (arg != NULL && strcmp(arg, "any") != 0 && strcmp(arg, "share") != 0)
			return oed_err_set(err, OED_EX_USAGE, "--fail-on-drift: '%s' is not a gate (any, share)",
					   arg);
		a->fail = true;
		a->o.gate_any = arg != NULL && strcmp(arg, "any") == 0;
		return 0;
	case OPT_RECORD:
		a->record = true;
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

/* Options that do not go together, caught before any input is read. */
static int
check_args(const struct drift_args *a, int nfiles, char **files)
{
	int stdin_cur = nfiles == 0;

	if (a->nrefs && a->baseline)
		return oed_usage_error("--ref and --baseline do not go together");
	if ((a->o.time != NULL) != (a->o.window != 0))
		return oed_usage_error("--time and --window go together");
	if (a->o.lateness && !a->o.time)
		return oed_usage_error("--lateness needs --time and --window");
	if (!a->nrefs && !a->baseline && !a->o.time)
		return oed_usage_error("nothing to compare with: give --ref, --baseline or --time and --window");
	if (!a->baseline && a->nspecs == 0)
		return oed_usage_error("no feature to test: give --field");
	for (int i = 0; i < nfiles; i++)
		stdin_cur |= strcmp(files[i], "-") == 0;
	for (int i = 0; i < a->nrefs; i++)
		if (strcmp(a->refs[i], "-") == 0 && stdin_cur)
			return oed_usage_error("the reference and the current records cannot both be standard input");
	return 0;
}

static int
fill_run(struct oed_store *st, int64_t run, void *d, struct oed_err *err)
{
	return oed_drift_store(d, st, run, err);
}

static int
record_run(struct drift_args *a, struct oed_drift *d, const char *digest, struct oed_err *err)
{
	char *params = oed_drift_run_params(d);
	int rc;

	if (params == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	rc = oed_run_end(&a->io, params, digest, fill_run, d, err);
	free(params);
	return rc;
}

/* Read the reference from --ref files or the stored baseline; 0 or -1 (err set). */
static int
read_reference(struct drift_args *a, struct oed_drift *d, struct oed_err *err)
{
	struct oed_reader *r;
	struct oed_store *st;
	int rc;

	if (a->baseline) {
		int64_t run;

		if ((st = oed_store_open_readonly(a->io.store, err)) == NULL)
			return -1;
		/* latest: the newest oed-drift run; a name; an id */
		if ((rc = oed_store_find_run(st, "oed-drift", a->baseline, &run, err)) == 0)
			rc = oed_drift_load_baseline(d, st, run, err);
		else if (err->status == OED_EX_USAGE) {
			char msg[sizeof(err->msg)];

			memcpy(msg, err->msg, sizeof(msg));
			oed_err_set(err, OED_EX_USAGE, "--baseline: %s", msg);
		}
		oed_store_close(st);
		return rc;
	}
	if (a->nrefs == 0)
		return 0;	/* the first window is the reference */
	if ((r = oed_reader_new(a->nrefs, a->refs, a->io.max_line, &a->io.policy, err)) == NULL)
		return -1;
	rc = oed_drift_read_ref(d, r, err);
	oed_reader_free(r);
	return rc;
}

static int
run(struct drift_args *a, int nfiles, char **files)
{
	struct oed_tokenizer *tok = NULL;
	struct oed_drift *d = NULL;
	struct oed_reader *r = NULL;
	struct oed_writer w;
	struct oed_err err;
	char digest[17];
	int status = OED_EX_OK;

	if ((status = check_args(a, nfiles, files)) != 0)
		return status;
	if (oed_input_open_output(&a->io, &err) == -1 ||
	    (a->record && oed_run_start(&a->io, "oed-drift", a->argc, a->argv, &err) == -1))
		return oed_fail(&err);
	a->o.run = a->io.run_id;	/* the summaries carry it as they stream out */
	if (a->tokens) {
		if ((tok = oed_tokenizer_open(a->tokens, NULL, &err)) == NULL)
			goto fail;
		a->o.tok = tok;
		a->o.tok_name = oed_tokenizer_encoding(tok);
	}
	a->o.keep_findings = a->record;	/* the store takes them at the end */
	a->o.quiet = a->io.quiet;
	if ((d = oed_drift_new(&a->o, &err)) == NULL)
		goto fail;
	for (size_t i = 0; i < a->nspecs; i++)
		if (oed_drift_add_field(d, &a->specs[i], &err) == -1)
			goto fail;
	if (read_reference(a, d, &err) == -1)
		goto fail;
	if ((r = oed_reader_new(nfiles, files, a->io.max_line, &a->io.policy, &err)) == NULL)
		goto fail;
	oed_reader_digest(r, a->record);
	oed_writer_init(&w, stdout);
	if (oed_drift_read_cur(d, r, &w, &err) == -1) {
		oed_writer_release(&w);
		goto fail;
	}
	oed_writer_release(&w);
	oed_reader_digest_hex(r, digest);
	if (oed_policy_close(&a->io.policy, &err) == -1)
		goto fail;
	if (a->record) {
		int rc = record_run(a, d, digest, &err);

		a->io.run_id = 0;	/* ended, "ok" or "failed" */
		if (rc == -1)
			goto fail;
	}
	if (a->io.policy.bad)
		oed_policy_summary(&a->io.policy);
	if (a->fail && oed_drift_found(d))
		status = OED_EX_GATE;
	goto out;
fail:
	status = oed_fail(&err);
	oed_run_fail(&a->io, status);
out:
	oed_reader_free(r);
	oed_drift_free(d);
	oed_tokenizer_free(tok);
	return status;
}

/* Option values for the shell completions (--list-options). */
static const char *
test_value(size_t i)
{
	size_t n;
	const struct oed_drift_test *t = oed_drift_tests(&n);

	return i < n ? t[i].name : NULL;
}

static const struct oed_opt_values values[] = {
	{ OPT_TEST, test_value },
	{ OPT_TOKENS, oed_encoding_choice },
	{ 0, NULL }
};

int
main(int argc, char *argv[])
{
	struct drift_args a = { .argc = argc, .argv = argv };
	int first, status;

	oed_diag_init(argv[0]);
	a.o.share = 0.5;
	a.o.threshold = NAN;
	oed_input_opts_init(&a.io);
	oed_opt_values(values);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = oed_opt_exit(first);
	else
		status = run(&a, argc - first, argv + first);
	for (size_t i = 0; i < a.nspecs; i++)
		oed_drift_spec_release(&a.specs[i]);
	free(a.specs);
	free(a.refs);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
