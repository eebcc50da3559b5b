#include "config.h"
#include "diag.h"
#include "progress.h"
#include "buf.h"
#include "exit.h"

#include <errno.h>
#include <stdint.h>
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
	err->unavailable = false;
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

/* ---- quoting text from data and argv ---- */

/*
 * The length of the UTF-8 sequence at s[0..n) (1 to 4), or 0 when the
 * bytes there are not one (overlong, surrogate, past U+10FFFF, cut short).
 * *cp gets the code point.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points a terminal acts on or that reorder the text around them. */
static bool
unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
	       c == 0x200f || c == 0x061c;
}

/*
 * Append s[0..n) to out escaped for a terminal; with quotes, also ' and \
 * (the text then sits between quotes in the message).  0 or -1.
 */
static int
escape(struct oed_buf *out, const char *s, size_t n, bool quotes)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = utf8_seq(p + i, n - i, &c);
		int rc;

		if (len == 0) {
			rc = oed_buf_printf(out, "\\x%02x", p[i]);
			len = 1;
		} else if (c == '\n') {
			rc = oed_buf_add(out, "\\n", 2);
		} else if (c == '\t') {
			rc = oed_buf_add(out, "\\t", 2);
		} else if (c == '\r') {
			rc = oed_buf_add(out, "\\r", 2);
		} else if (unsafe(c)) {
			rc = oed_buf_printf(out, "\\u%04x", (unsigned)c);
		} else if (quotes && (c == '\'' || c == '\\')) {
			char esc[2] = { '\\', (char)c };

			rc = oed_buf_add(out, esc, 2);
		} else {
			rc = oed_buf_add(out, p + i, len);
		}
		if (rc == -1)
			return -1;
		i += len;
	}
	return 0;
}

/*
 * A ring of buffers, so that one message may quote several things: each
 * call reuses the oldest.  They live until exit.
 */
#define NQUOTE 8

const char *
oed_quoten(const char *s, size_t n)
{
	static struct oed_buf ring[NQUOTE];
	static unsigned next;
	struct oed_buf *b = &ring[next++ % NQUOTE];

	oed_buf_reset(b);
	if (s == NULL)
		return "";
	if (escape(b, s, n, true) == -1 || oed_buf_grow(b, 0) == -1)
		return "(out of memory)";
	return b->data;
}

const char *
oed_quote(const char *s)
{
	return oed_quoten(s, s ? strlen(s) : 0);
}

/*
 * Write "prog: PREFIX" and the message to stderr, with whatever control
 * bytes still hide in the message escaped: the last guard, for text that
 * reached a message without oed_quote.
 */
static void
say(const char *prefix, const char *msg)
{
	struct oed_buf b = OED_BUF_INIT;

	oed_progress_clear();	/* a message never lands inside the progress line */
	if (escape(&b, msg, strlen(msg), false) == -1)
		fprintf(stderr, "%s: %s(out of memory)\n", progname, prefix);
	else
		fprintf(stderr, "%s: %s%s\n", progname, prefix, b.data ? b.data : "");
	oed_buf_release(&b);
}

static void
vsay(const char *prefix, const char *fmt, va_list ap)
{
	struct oed_buf b = OED_BUF_INIT;

	if (oed_buf_vprintf(&b, fmt, ap) == -1)
		say(prefix, "(out of memory)");
	else
		say(prefix, b.data);
	oed_buf_release(&b);
}

void
oed_report(struct oed_err *err)
{
	char where[300];

	if (err->reported)
		return;
	fflush(stdout);
	if (err->source[0] != '\0' && err->line > 0 && err->column > 0)
		snprintf(where, sizeof(where), "%s:%ld:%d: ", err->source, err->line, err->column);
	else if (err->source[0] != '\0' && err->line > 0)
		snprintf(where, sizeof(where), "%s:%ld: ", err->source, err->line);
	else if (err->source[0] != '\0')
		snprintf(where, sizeof(where), "%s: ", err->source);
	else
		where[0] = '\0';
	{
		struct oed_buf b = OED_BUF_INIT;

		if (oed_buf_printf(&b, "%s%s", where, err->msg) == -1)
			say("", "(out of memory)");
		else
			say("", b.data);
		oed_buf_release(&b);
	}
	err->reported = true;
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

static int stdout_errno;	/* of the first failed write to stdout, 0 if none */

void
oed_stdout_failed(int errnum)
{
	if (stdout_errno == 0)
		stdout_errno = errnum ? errnum : EIO;
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
	if (failed && stdout_errno)
		saved = stdout_errno;
	if (failed) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			saved ? strerror(saved) : "unknown error");
		return status == OED_EX_OK ? OED_EX_FAIL : status;
	}
	return status;
}
