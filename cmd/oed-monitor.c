/* oed-monitor: score new items from a source, exactly once, and publish alerts. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "monitor/monitor.h"
#include "opt.h"

enum { OPT_DRY_RUN = 1 };

static const struct oed_option options[] = {
	{ "dry-run", 'n', OED_ARG_NONE, NULL,
	  "fetch, dedup and sample; list what would be scored; write nothing", OPT_DRY_RUN },
	OED_STORE_OPTION,
	{ "quiet", 'q', OED_ARG_NONE, NULL, "no warnings on stderr", OED_OPT_QUIET },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-monitor", "[OPTIONS] MONITOR.yaml...",
	"Score the new items of a source once each, evaluate alerts and publish them.",
	options,
	"Each MONITOR.yaml (see oed-monitor.yaml(5)) is run once, in order.\n"
	"Exit status 4 when an alert is firing after the run.\n"
	"Example:\n  oed-monitor support.yaml || page-someone"
};

struct ctx {
	bool dry_run, quiet;
	const char *store;
};

static int
handle(int id, const char *arg, void *vctx, struct oed_err *err)
{
	struct ctx *c = vctx;

	(void)err;
	switch (id) {
	case OPT_DRY_RUN:
		c->dry_run = true;
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

static volatile int stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

int
main(int argc, char *argv[])
{
	struct ctx c = { false, false, NULL };
	struct oed_mon_run_opts o;
	struct oed_writer w;
	struct sigaction sa;
	const char *delay;
	int first, status = OED_EX_OK;
	bool firing = false;

	oed_diag_init(argv[0]);
	first = oed_opt_parse(&tool, argc, argv, handle, &c);
	if (first <= 0)
		return oed_close_stdout(first == 0 ? OED_EX_OK : OED_EX_USAGE);
	if (first >= argc)
		return oed_usage_error("no monitor file given");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&o, 0, sizeof(o));
	o.dry_run = c.dry_run;
	o.argc = argc;
	o.argv = argv;
	o.stop = &stop_signal;
	/* for tests: a pause before each item, so a run can be caught midway */
	if ((delay = getenv("OED_MONITOR_ITEM_DELAY_MS")) != NULL)
		o.item_delay_ms = atol(delay);
	oed_writer_init(&w, stdout);
	for (int i = first; i < argc && !stop_signal; i++) {
		struct oed_monitor m;
		struct oed_mon_result res;
		struct oed_err err;

		oed_err_clear(&err);
		/* a bad monitor file is not a bad command line: no "Try --help" */
		if (oed_monitor_load(argv[i], &m, &err) == -1) {
			oed_report(&err);
			status = err.status ? err.status : OED_EX_FAIL;
			break;
		}
		if (oed_monitor_run(&m, c.store, &o, &w, &res, &err) == -1) {
			oed_monitor_free(&m);
			oed_report(&err);
			status = err.status ? err.status : OED_EX_FAIL;
			break;
		}
		if (res.firing)
			firing = true;
		oed_monitor_free(&m);
		if (res.interrupted)
			break;
	}
	oed_writer_release(&w);
	if (status == OED_EX_OK && stop_signal)
		status = stop_signal == SIGINT ? 130 : 143;
	else if (status == OED_EX_OK && firing)
		status = OED_EX_GATE;
	return oed_close_stdout(status);
}
