/* oed-monitor: score new items from a source, exactly once, and publish alerts. */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cron.h"
#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "monitor/monitor.h"
#include "opt.h"
#include "stop.h"
#include "time.h"

enum { OPT_DRY_RUN = 1, OPT_EVERY, OPT_STATUS, OPT_CRON };
enum { OPT_BACKFILL = 100, OPT_YES };

static const struct oed_option options[] = {
	{ "dry-run", 'n', OED_ARG_NONE, NULL,
	  "fetch, dedup and sample; list what would be scored; write nothing", OPT_DRY_RUN },
	{ "every", 0, OED_ARG_REQUIRED, "DURATION",
	  "keep running: a run of every monitor each DURATION (15m, 1h ...),\n"
	  "one run at a time per monitor; SIGTERM stops after the item in hand", OPT_EVERY },
	{ "cron", 0, OED_ARG_REQUIRED, "EXPR",
	  "keep running: a run of every monitor at the minutes the 5-field\n"
	  "crontab EXPR names, in local time ('*/15 * * * *', '0 9 * * mon-fri', @hourly)", OPT_CRON },
	{ "status", 0, OED_ARG_NONE, NULL,
	  "print each monitor's state in the store (the MONITOR.yaml files given, else all)", OPT_STATUS },
	{ "backfill", 0, OED_ARG_REQUIRED, "FROM..TO",
	  "score a past window of an API source (RFC 3339 times or durations back\n"
	  "from now; TO empty: now): print its count and cost estimate, then stop", OPT_BACKFILL },
	{ "yes", 'y', OED_ARG_NONE, NULL, "with --backfill: go on and score the window", OPT_YES },
	OED_STORE_OPTION,
	{ "quiet", 'q', OED_ARG_NONE, NULL, "no warnings and no progress on stderr", OED_OPT_QUIET },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-monitor", "[OPTIONS] MONITOR.yaml...",
	"Score the new items of a source once each, evaluate alerts and publish them.",
	options,
	"Each MONITOR.yaml (see oed-monitor.yaml(5)) is run once, in order.\n"
	"Exit status 4 when an alert or an SLO burn alert is firing after the run.\n"
	"Example:\n  oed-monitor support.yaml || page-someone"
};

struct ctx {
	bool dry_run, quiet, status;
	const char *store;
	int64_t every_ms;
	bool cron_set;
	struct oed_cron cron;
};

/* --backfill FROM..TO and --yes */
static struct {
	bool on, yes;
	double from, to;
} backfill;

/* FROM..TO: each an RFC 3339 time or a duration back from now; TO may be empty (now). */
static int
parse_backfill(const char *arg, struct oed_err *err)
{
	const char *dots = strstr(arg, "..");
	double now = oed_time_now();
	char *from;
	int rc;

	if (dots == NULL || dots == arg)
		return oed_err_set(err, OED_EX_USAGE, "--backfill: '%s' is not FROM..TO (7d..1d, "
				   "2026-01-01T00:00:00Z..2026-01-02T00:00:00Z, or 2d.. up to now)",
				   oed_quote(arg));
	if ((from = strndup(arg, (size_t)(dots - arg))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	rc = oed_time_since("--backfill", from, now, &backfill.from, err);
	free(from);
	if (rc == -1)
		return -1;
	backfill.to = now;
	if (dots[2] && oed_time_since("--backfill", dots + 2, now, &backfill.to, err) == -1)
		return -1;
	if (backfill.from >= backfill.to)
		return oed_err_set(err, OED_EX_USAGE, "--backfill: '%s' is an empty window (FROM must come before TO)",
				   oed_quote(arg));
	backfill.on = true;
	return 0;
}

static int
handle(int id, const char *arg, void *vctx, struct oed_err *err)
{
	struct ctx *c = vctx;

	switch (id) {
	case OPT_DRY_RUN:
		c->dry_run = true;
		break;
	case OPT_EVERY:
		return oed_duration_parse("--every", arg, &c->every_ms, err);
	case OPT_CRON:
		if (oed_cron_parse(arg, &c->cron, err) == -1) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return oed_err_set(err, OED_EX_USAGE, "--cron: '%s' column %d: %s", oed_quote(arg),
					   err->column, msg);
		}
		c->cron_set = true;
		break;
	case OPT_STATUS:
		c->status = true;
		break;
	case OPT_BACKFILL:
		return parse_backfill(arg, err);
	case OPT_YES:
		backfill.yes = true;
		break;
	case OED_OPT_STORE:
		c->store = arg;
		break;
	case OED_OPT_QUIET:
		c->quiet = true;
		oed_diag_quiet(true);
		break;
	}
	return 0;
}

/* Sleep until t (epoch seconds) or a signal. */
static void
wait_until(double t)
{
	while (!oed_stop_signal) {
		double left = t - oed_time_now();
		struct timespec ts;

		if (left <= 0)
			return;
		if (left > 0.2)
			left = 0.2;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* Sleep until the schedule's next minute after now, or a signal; -1 when none comes. */
static int
wait_cron(const struct oed_cron *cron)
{
	time_t next;

	if (oed_cron_next(cron, (time_t)oed_time_now(), &next) == -1) {
		oed_error("--cron: the schedule names no time in the next ten years");
		return -1;
	}
	wait_until((double)next);
	return 0;
}

/* What a backfill window holds and would cost, before anything is scored. */
static void
preview(const struct oed_monitor *m, const struct oed_mon_backfill *b, void *vctx)
{
	const struct ctx *c = vctx;
	char from[OED_RFC3339_SIZE], to[OED_RFC3339_SIZE], cost[160];

	oed_time_to_rfc3339(b->from, from);
	oed_time_to_rfc3339(b->to, to);
	if (b->judges == 0 || b->sampled == 0)
		snprintf(cost, sizeof(cost), "no model calls");
	else if (isnan(b->cost))
		snprintf(cost, sizeof(cost), "%llu model calls, about %.0f tokens in and %.0f out; "
			 "cost unknown (a model without a price)",
			 (unsigned long long)(b->sampled * b->judges), b->tokens_in, b->tokens_out);
	else
		snprintf(cost, sizeof(cost), "%llu model calls, about %.0f tokens in and %.0f out, "
			 "about $%.4f", (unsigned long long)(b->sampled * b->judges), b->tokens_in,
			 b->tokens_out, b->cost);
	oed_note("backfill of '%s' from %s to %s: %llu items, %llu not scored yet, %llu to score; %s",
		 oed_quote(m->name), from, to, (unsigned long long)b->fetched,
		 (unsigned long long)b->fresh, (unsigned long long)b->sampled, cost);
	if (!backfill.yes && !c->dry_run)
		oed_note("nothing scored: run again with --yes to score them");
}

static int
status(struct ctx *c, int n, char **files, struct oed_writer *w)
{
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	struct oed_monitor *ms = calloc((size_t)n + 1, sizeof(*ms));
	struct oed_err err;
	int rc = OED_EX_OK, i;

	if (names == NULL || ms == NULL) {
		free(names);
		free(ms);
		oed_error("out of memory");
		return OED_EX_FAIL;
	}
	oed_err_clear(&err);
	for (i = 0; i < n; i++) {
		if (oed_monitor_load(files[i], &ms[i], &err) == -1)
			break;
		names[i] = ms[i].name;
	}
	if (i < n || oed_monitor_status(c->store, names, (size_t)n, 5, w, &err) == -1) {
		oed_report(&err);
		rc = err.status ? err.status : OED_EX_FAIL;
	}
	for (int k = 0; k < i; k++)
		oed_monitor_free(&ms[k]);
	free(names);
	free(ms);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct ctx c = { false, false, false, NULL, 0, false, { 0 } };
	char prices[4096];
	struct oed_mon_run_opts o;
	struct oed_writer w;
	const char *delay;
	int first, status_ = OED_EX_OK;
	bool firing = false;
	double next;

	oed_diag_init(argv[0]);
	first = oed_opt_parse(&tool, argc, argv, handle, &c);
	if (first <= 0)
		return oed_close_stdout(first == 0 ? OED_EX_OK : OED_EX_USAGE);
	oed_writer_init(&w, stdout);
	if (c.status && backfill.on)
		return oed_usage_error("--backfill goes with a run, not --status");
	if (c.status) {
		if (c.dry_run || c.every_ms || c.cron_set)
			return oed_usage_error("--status goes with none of --dry-run, --every and --cron");
		status_ = status(&c, argc - first, argv + first, &w);
		oed_writer_release(&w);
		return oed_close_stdout(status_);
	}
	if (first >= argc)
		return oed_usage_error("no monitor file given");
	if (c.every_ms && c.cron_set)
		return oed_usage_error("give --every or --cron, not both");
	if (c.dry_run && (c.every_ms || c.cron_set))
		return oed_usage_error("--dry-run goes with a single run, not --every or --cron");
	if (backfill.yes && !backfill.on)
		return oed_usage_error("--yes goes with --backfill");
	if (backfill.on && (c.every_ms || c.cron_set))
		return oed_usage_error("--backfill goes with a single run, not --every or --cron");
	oed_catch_stop_signals();
	memset(&o, 0, sizeof(o));
	o.dry_run = c.dry_run;
	o.argc = argc;
	o.argv = argv;
	o.stop = &oed_stop_signal;
	o.quiet = c.quiet;
	o.lock = c.every_ms > 0 || c.cron_set;
	o.backfill = backfill.on;
	o.backfill_yes = backfill.yes;
	o.backfill_from = backfill.from;
	o.backfill_to = backfill.to;
	o.backfill_preview = preview;
	o.preview_ctx = &c;
	{
		const char *dir = getenv("OED_DATA_DIR");

		snprintf(prices, sizeof(prices), "%s/prices.json", dir && dir[0] ? dir : OED_PKGDATADIR);
		o.prices = access(prices, R_OK) == 0 ? prices : NULL;
	}
	/* for tests: a pause before each item, so a run can be caught midway */
	if ((delay = getenv("OED_MONITOR_ITEM_DELAY_MS")) != NULL)
		o.item_delay_ms = atol(delay);
	next = oed_time_now();
	/* cron: the first run at the first matching minute, as cron would */
	if (c.cron_set && wait_cron(&c.cron) == -1)
		status_ = OED_EX_FAIL;
	while (status_ == OED_EX_OK && !oed_stop_signal) {
		firing = false;
		for (int i = first; i < argc && !oed_stop_signal; i++) {
			struct oed_monitor m;
			struct oed_mon_result res;
			struct oed_err err;

			oed_err_clear(&err);
			/* a bad monitor file is not a bad command line: no "Try --help" */
			if (oed_monitor_load(argv[i], &m, &err) == -1) {
				oed_report(&err);
				status_ = err.status ? err.status : OED_EX_FAIL;
				break;
			}
			if (oed_monitor_run(&m, c.store, &o, &w, &res, &err) == -1) {
				oed_monitor_free(&m);
				oed_report(&err);
				status_ = err.status ? err.status : OED_EX_FAIL;
				/* a loop outlives a failed run (the network, a busy store) */
				if ((c.every_ms || c.cron_set) && status_ == OED_EX_FAIL)
					continue;
				break;
			}
			if (res.skipped)
				oed_warn("monitor '%s' is being run elsewhere; skipped", oed_quote(m.name));
			if (res.firing)
				firing = true;
			oed_monitor_free(&m);
			if (res.interrupted)
				break;
		}
		fflush(stdout);
		if ((c.every_ms == 0 && !c.cron_set) || (status_ != OED_EX_OK && status_ != OED_EX_FAIL))
			break;
		if (c.cron_set) {
			/* the next matching minute after now: fires missed by a long run are skipped */
			if (wait_cron(&c.cron) == -1) {
				status_ = OED_EX_FAIL;
				break;
			}
			status_ = OED_EX_OK;
			continue;
		}
		next += (double)c.every_ms / 1000.0;
		if (next < oed_time_now())	/* a run longer than the period: start again now */
			next = oed_time_now();
		wait_until(next);
		status_ = OED_EX_OK;
	}
	oed_writer_release(&w);
	if (oed_stop_signal && (status_ == OED_EX_OK || status_ == OED_EX_FAIL))
		status_ = oed_stop_signal == SIGINT ? 130 : 143;
	else if (status_ == OED_EX_OK && firing)
		status_ = OED_EX_GATE;
	return oed_close_stdout(status_);
}
