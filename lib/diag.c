#include "config.h"
#include "diag.h"
#include "exit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "oed";
static bool quiet;

void
oed_diag_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
	/* libtool wrappers run the real binary as lt-NAME */
	if (strncmp(progname, "lt-", 3) == 0)
		progname += 3;
}

const char *
oed_progname(void)
{
	return progname;
}

void
oed_diag_quiet(bool q)
{
	quiet = q;
}

void
oed_err_clear(struct oed_err *err)
{
	memset(err, 0, sizeof(*err));
}

int
oed_err_set(struct oed_err *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->source[0] = '\0';
	err->line = 0;
	err->column = 0;
	err->status = status;
	err->reported = false;
	return -1;
}

int
oed_err_at(struct oed_err *err, int status, const char *source, long line,
	   int column, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
	err->line = line;
	err->column = column;
	err->status = status;
	err->reported = false;
	return -1;
}

void
oed_report(struct oed_err *err)
{
	if (err->reported)
		return;
	fflush(stdout);
	if (err->source[0] != '\0' && err->line > 0 && err->column > 0)
		fprintf(stderr, "%s: %s:%ld:%d: %s\n", progname, err->source,
			err->line, err->column, err->msg);
	else if (err->source[0] != '\0' && err->line > 0)
		fprintf(stderr, "%s: %s:%ld: %s\n", progname, err->source,
			err->line, err->msg);
	else if (err->source[0] != '\0')
		fprintf(stderr, "%s: %s: %s\n", progname, err->source, err->msg);
	else
		fprintf(stderr, "%s: %s\n", progname, err->msg);
	err->reported = true;
}

static void
vsay(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", progname, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
oed_warn(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
}

void
oed_note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void
oed_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

int
oed_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", progname);
	return OED_EX_USAGE;
}

int
oed_fail(struct oed_err *err)
{
	bool fresh = !err->reported;

	oed_report(err);
	if (fresh && err->status == OED_EX_USAGE)
		fprintf(stderr, "Try '%s --help'.\n", progname);
	return err->status ? err->status : OED_EX_FAIL;
}

int
oed_close_stdout(int status)
{
	bool failed = fflush(stdout) != 0 || ferror(stdout);
	int saved = errno;

	if (fclose(stdout) != 0 && !failed) {
		failed = true;
		saved = errno;
	}
	if (failed) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			saved ? strerror(saved) : "unknown error");
		return status == OED_EX_OK ? OED_EX_FAIL : status;
	}
	return status;
}

bool
oed_color_stderr(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && *nc != '\0')
		return false;
	return isatty(STDERR_FILENO) != 0;
}
