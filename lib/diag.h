/*
 * diag.h: the one place diagnostics are formatted and written.
 *
 * Who writes where: standard output carries records only, and only a
 * tool's cmd/ code or the writer it hands to lib/ (jsonw.h) writes there;
 * lib/ never picks stdout and never exits.  lib/ reports a failure by
 * filling a struct oed_err and returning -1, and cmd/ decides what to
 * print and which exit status follows (oed_fail).  What lib/ must say on
 * its own while a run goes on (the --on-error policy reporting each bad
 * record, warnings, notes) it says through oed_warn, oed_note and
 * oed_report, never with fprintf (the one exception is progress.h's
 * line, drawn on a terminal only), so every message has the same shape:
 *
 *	oed-TOOL: FILE:LINE: what is wrong
 *	oed-TOOL: warning: what is odd
 *
 * Text from data or the command line (values, keys, file names, option
 * arguments) goes into a message through oed_quote, between single
 * quotes: 'caf\u00e9' stays café, but control characters become \n, \t,
 * \r or \u00NN, bytes that are not UTF-8 \xNN, and ' and \ are
 * escaped, as git and jq do, so data can neither drive the terminal nor
 * forge a message.  As a last guard every message is escaped again on its
 * way out (control characters and bad bytes only).
 */
#ifndef OED_DIAG_H
#define OED_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct oed_err {
	char msg[512];		/* what is wrong, no program name, no newline */
	char source[256];	/* file name, "<stdin>", or "" when not about input */
	long line;		/* 1-based, 0 when unknown */
	int column;		/* 1-based, 0 when unknown */
	int status;		/* OED_EX_* this error maps to */
	bool unavailable;	/* a service gave no answer after the transport's retries */
	bool reported;		/* already written to stderr (by the policy) */
};

void oed_diag_init(const char *argv0);
const char *oed_progname(void);
void oed_diag_quiet(bool quiet);	/* suppress warnings (not errors) */

/* Fill err; status is an OED_EX_* value. Returns -1 so callers can 'return oed_err_set(...)'. */
int oed_err_set(struct oed_err *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int oed_err_at(struct oed_err *err, int status, const char *source, long line,
	       int column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void oed_err_clear(struct oed_err *err);

/* "prog: SOURCE:LINE[:COL]: msg" (or "prog: msg"); skipped if already reported. */
void oed_report(struct oed_err *err);
void oed_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oed_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oed_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* "prog: msg", suppressed by quiet */

/* Print "prog: msg" and "Try 'prog --help'."; returns OED_EX_USAGE. */
int oed_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report err and return its status: the usual last step of a failed run. */
int oed_fail(struct oed_err *err);

/*
 * Flush and close stdout; a write error (disk full) turns a successful
 * status into OED_EX_FAIL with a message.  EPIPE is left to SIGPIPE.
 * The message gives the reason of the first write that failed, as told
 * by oed_stdout_failed, not whatever errno holds by then (SQLite and
 * others overwrite it).
 */
int oed_close_stdout(int status);
/*
 * A write to standard output failed with errnum (errno right after the
 * failed call): the first one is kept for oed_close_stdout.  Code that
 * writes stdout itself calls it and stops writing.
 */
void oed_stdout_failed(int errnum);

/*
 * s made safe to print between single quotes in a message (see above).
 * The result lives in one of eight rotating buffers: valid until eight
 * more calls, enough for the arguments of one message.  NULL gives "".
 */
const char *oed_quote(const char *s);
/* The same for s[0..n), which may hold NUL bytes (shown as \u0000). */
const char *oed_quoten(const char *s, size_t n);

#endif
