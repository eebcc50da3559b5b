/*
 * diag.h: the one place diagnostics are formatted and written.
 *
 * lib/ code reports failures by filling a struct oed_err and returning -1;
 * cmd/ code decides what to print and which exit status follows.  The only
 * lib/ code that writes to stderr on its own is the --on-error policy
 * (skip/reject report each bad record as they go), and it does so through
 * these functions so every message has the same shape:
 *
 *	oed-TOOL: FILE:LINE: what is wrong
 *	oed-TOOL: warning: what is odd
 */
#ifndef OED_DIAG_H
#define OED_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct oed_err {
	char msg[512];		/* what is wrong, no program name, no newline */
	char source[256];	/* file name, "<stdin>", or "" when not about input */
	long line;		/* 1-based, 0 when unknown */
	int column;		/* 1-based, 0 when unknown */
	int status;		/* OED_EX_* this error maps to */
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
 */
int oed_close_stdout(int status);

/* Colour on stderr: only a terminal, never when NO_COLOR is set. */
bool oed_color_stderr(void);

#endif
