/* oed-mi: how much the output depends on the input: MI, NMI, AMI, VI. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "diag.h"
#include "entropy.h"
#include "exit.h"
#include "jsonl.h"
#include "jsonw.h"
#include "mi.h"
#include "opt.h"
#include "progress.h"
#include "store.h"

enum { OPT_X = 1, OPT_Y, OPT_AVERAGE, OPT_BASE, OPT_MISSING, OPT_RECORD };

static const struct oed_option options[] = {
	{ "x", 'x', OED_ARG_REQUIRED, "FIELD", "the first field (default input_id)", OPT_X },
	{ "y", 'y', OED_ARG_REQUIRED, "FIELD", "the second field (default output)", OPT_Y },
	{ "average", 'a', OED_ARG_REQUIRED, "METHOD",
	  "normaliser of NMI and AMI: arithmetic (default), geometric, min, max", OPT_AVERAGE },
	{ "base", 'b', OED_ARG_REQUIRED, "BASE", "2 (bits, default), e (nats) or 10", OPT_BASE },
	{ "missing", 0, OED_ARG_REQUIRED, "POLICY", "a record without x or y: error (default) or class", OPT_MISSING },
	{ "record", 'r', OED_ARG_NONE, NULL, "store the run and its results in the run store", OPT_RECORD },
	OED_INPUT_OPTIONS,
	OED_STORE_OPTION,
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-mi", "[OPTIONS] [FILE...]",
	"Mutual information I(X;Y) between two fields of JSON Lines records, normalised (NMI),\n"
	"adjusted for chance (AMI), and the variation of information.",
	options,
	"Examples:\n"
	"  oed-mi maths.jsonl\n"
	"  oed-mi -x meta.lang -y model traffic.jsonl\n"
};

struct mi_args {
	struct oed_input_opts io;
	const char *x, *y, *base_name;
	double base;
	enum oed_average avg;
	bool missing_class, record;
	int argc;
	char **argv;
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct mi_args *a = ctx;

	switch (id) {
	case OPT_X:
		a->x = arg;
		return 0;
	case OPT_Y:
		a->y = arg;
		return 0;
	case OPT_AVERAGE:
		return oed_average_parse(arg, &a->avg, err);
	case OPT_BASE:
		if (strcmp(arg, "2") == 0)
			a->base = log(2);
		else if (strcmp(arg, "e") == 0)
			a->base = 1;
		else if (strcmp(arg, "10") == 0)
			a->base = log(10);
		else
			return oed_err_set(err, OED_EX_USAGE, "--base: '%s' is not 2, e or 10", arg);
		a->base_name = arg;
		return 0;
	case OPT_MISSING:
		if (strcmp(arg, "class") != 0 && strcmp(arg, "error") != 0)
			return oed_err_set(err, OED_EX_USAGE, "--missing: '%s' is not error or class", arg);
		a->missing_class = strcmp(arg, "class") == 0;
		return 0;
	case OPT_RECORD:
		a->record = true;
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

static int
record_run(struct mi_args *a, const struct oed_mi *m, const char *digest, struct oed_err *err)
{
	struct oed_store *st = oed_store_open(a->io.store, err);
	char params[512];
	int64_t run;
	int rc = -1;

	if (st == NULL)
		return -1;
	snprintf(params, sizeof(params), "{\"x\":\"%s\",\"y\":\"%s\",\"average\":\"%s\",\"base\":\"%s\"}",
		 a->x, a->y, oed_average_name(a->avg), a->base_name);
	if (oed_store_begin(st, err) == 0 &&
	    oed_run_begin(st, "oed-mi", a->argc, a->argv, params, &run, err) == 0 &&
	    oed_metric_add(st, run, "n", NULL, m->n, NAN, NAN, err) == 0 &&
	    oed_metric_add(st, run, "mi", NULL, m->mi / a->base, NAN, NAN, err) == 0 &&
	    oed_metric_add(st, run, "nmi", NULL, m->nmi[a->avg], NAN, NAN, err) == 0 &&
	    oed_metric_add(st, run, "ami", NULL, m->ami[a->avg], NAN, NAN, err) == 0 &&
	    oed_metric_add(st, run, "vi", NULL, (m->h_x + m->h_y - 2 * m->mi) / a->base, NAN, NAN, err) == 0 &&
	    oed_run_finish(st, run, "ok", digest, err) == 0 && oed_store_commit(st, err) == 0)
		rc = 0;
	else
		oed_store_rollback(st);
	oed_store_close(st);
	return rc;
}

static int
run(struct mi_args *a, int nfiles, char **files)
{
	struct oed_cells cells;
	struct oed_cell *sorted = NULL;
	struct oed_progress prog;
	struct oed_writer w;
	struct oed_reader *r;
	struct oed_err err;
	struct oed_mi m;
	size_t n = 0;
	int ix, iy, rc, status = OED_EX_OK;
	char digest[17];

	if (oed_input_open_output(&a->io, &err) == -1)
		return oed_fail(&err);
	r = oed_reader_new(nfiles, files, a->io.max_line, &a->io.policy, &err);
	if (r == NULL)
		return oed_fail(&err);
	if ((ix = oed_reader_want(r, a->x, &err)) < 0 || (iy = oed_reader_want(r, a->y, &err)) < 0) {
		oed_reader_free(r);
		err.status = OED_EX_USAGE;
		return oed_fail(&err);
	}
	oed_reader_digest(r, a->record);
	oed_cells_init(&cells);
	oed_progress_init(&prog, a->io.quiet, "records", 0);
	while ((rc = oed_reader_next(r, &err)) == 1) {
		const char *xs, *ys;
		size_t xl, yl;
		char xt[32], yt[32];
		int c = oed_class_of(r, oed_reader_value(r, ix), a->x, a->missing_class, xt, &xs, &xl, &err);

		if (c == 0)
			c = oed_class_of(r, oed_reader_value(r, iy), a->y, a->missing_class, yt, &ys, &yl, &err);
		if (c == -1) {
			rc = -1;
			break;
		}
		if (c == 1)
			continue;
		if (oed_cells_add(&cells, oed_fingerprint(xs, xl), oed_fingerprint(ys, yl), 1) == -1) {
			oed_err_set(&err, OED_EX_FAIL, "out of memory");
			rc = -1;
			break;
		}
		oed_progress_tick(&prog, oed_reader_records(r));
	}
	oed_progress_done(&prog, oed_reader_records(r));
	oed_reader_digest_hex(r, digest);
	oed_reader_free(r);
	if (rc == -1 || oed_policy_close(&a->io.policy, &err) == -1) {
		status = oed_fail(&err);
		goto out;
	}
	sorted = oed_cells_sorted(&cells, &n);
	if (oed_mi_compute(sorted, n, &m, &err) == -1) {
		status = oed_fail(&err);
		goto out;
	}
	oed_writer_init(&w, stdout);
	oed_w_begin(&w);
	oed_w_str(&w, "kind", "mi");
	oed_w_num(&w, "n", m.n);
	oed_w_str(&w, "x", a->x);
	oed_w_str(&w, "y", a->y);
	oed_w_str(&w, "estimator", "plugin");
	oed_w_str(&w, "base", a->base_name);
	oed_w_str(&w, "average", oed_average_name(a->avg));
	oed_w_uint(&w, "classes_x", m.nx);
	oed_w_uint(&w, "classes_y", m.ny);
	oed_w_num(&w, "h_x", m.h_x / a->base);
	oed_w_num(&w, "h_y", m.h_y / a->base);
	oed_w_num(&w, "mi", m.mi / a->base);
	oed_w_num(&w, "h_x_given_y", fmax(m.h_x - m.mi, 0) / a->base);
	oed_w_num(&w, "h_y_given_x", fmax(m.h_y - m.mi, 0) / a->base);
	oed_w_num(&w, "nmi", m.nmi[a->avg]);
	oed_w_num(&w, "emi", m.emi / a->base);
	oed_w_num(&w, "ami", m.ami[a->avg]);
	oed_w_num(&w, "vi", fmax(m.h_x + m.h_y - 2 * m.mi, 0) / a->base);
	oed_w_end(&w);
	oed_writer_release(&w);
	if (a->record && record_run(a, &m, digest, &err) == -1)
		status = oed_fail(&err);
	if (a->io.policy.bad)
		oed_policy_summary(&a->io.policy);
out:
	free(sorted);
	oed_cells_release(&cells);
	return status;
}

int
main(int argc, char *argv[])
{
	struct mi_args a = {
		.x = "input_id", .y = "output", .base_name = "2", .avg = OED_AVG_ARITHMETIC,
		.argc = argc, .argv = argv,
	};
	int first, status;

	oed_diag_init(argv[0]);
	a.base = log(2);
	oed_input_opts_init(&a.io);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
