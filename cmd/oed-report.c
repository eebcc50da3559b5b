/* oed-report: write Markdown, HTML, CSV or JUnit reports from the run store. */
#include "config.h"

#include "diag.h"
#include "exit.h"
#include "opt.h"

static const struct oed_option options[] = {
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-report", "[OPTIONS]",
	"Write Markdown, HTML, CSV or JUnit reports from the run store. Not available yet in this release.",
	options, NULL
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	(void)id; (void)arg; (void)ctx; (void)err;
	return 0;
}

int
main(int argc, char *argv[])
{
	int first;

	oed_diag_init(argv[0]);
	first = oed_opt_parse(&tool, argc, argv, handle, NULL);
	if (first <= 0)
		return oed_close_stdout(first == 0 ? OED_EX_OK : OED_EX_USAGE);
	oed_error("this command is not available yet in oed %s", PACKAGE_VERSION);
	return OED_EX_FAIL;
}
