/*
 * reject.h: the --on-error policy, implemented once for every tool.
 *
 *   fail		stop at the first bad record (exit 3) after reporting it
 *   skip		report each bad record on stderr and go on
 *   reject=FILE	copy each bad line byte for byte to FILE and go on
 *
 * Every bad record is reported on stderr as "oed-TOOL: FILE:LINE: what"
 * whatever the mode, so the user always sees why a record was dropped.
 */
#ifndef OED_REJECT_H
#define OED_REJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"

enum oed_on_error { OED_ON_ERROR_FAIL, OED_ON_ERROR_SKIP, OED_ON_ERROR_REJECT };

struct oed_policy {
	enum oed_on_error mode;
	char *reject_path;	/* owned */
	FILE *reject;		/* opened by oed_policy_open, else at the first bad record */
	unsigned long bad;	/* bad records seen */
	bool failed;		/* a write to the reject file failed (and was reported) */
};

void oed_policy_init(struct oed_policy *p);
void oed_policy_release(struct oed_policy *p);
/* Parse "fail", "skip" or "reject=FILE"; 0 or -1 with err set. */
int oed_policy_parse(struct oed_policy *p, const char *arg, struct oed_err *err);
/*
 * Under reject=FILE, create or truncate FILE now (a no-op otherwise, or
 * when open already).  Tools call it before reading any input, so a path
 * that cannot be written fails the run at start rather than at the first
 * bad record, and a run without bad records leaves an empty FILE instead
 * of an earlier run's rejects.  0 or -1 with err set (OED_EX_FAIL).
 */
int oed_policy_open(struct oed_policy *p, struct oed_err *err);

/*
 * A bad record: report err (which names the place), copy the line and a
 * newline under reject.  line == NULL: the bytes follow through
 * oed_policy_more (a line too long to hold), newline included.  Returns 0
 * when the run goes on, -1 when it must stop; then err->status says why
 * (OED_EX_DATA, or OED_EX_FAIL if the reject file cannot be written) and
 * err has been reported.  Each bad record is flushed to the reject file at
 * once, so a reject file that cannot be written stops the run at the
 * first bad record, with the real reason.
 */
int oed_policy_bad(struct oed_policy *p, struct oed_err *err,
		   const char *line, size_t len);
/*
 * The same for a line read as bytes: the copy is line[0..len) and a
 * newline only when newline is true (the input had one), so that the
 * reject file holds the bad lines byte for byte, a last line without a
 * newline included.
 */
int oed_policy_bad_line(struct oed_policy *p, struct oed_err *err,
			const char *line, size_t len, bool newline);
/* Copy more bytes of the current bad line (a line too long to hold). */
int oed_policy_more(struct oed_policy *p, const char *bytes, size_t len, struct oed_err *err);
/*
 * Finish: flush and close the reject file; 0 or -1 with err set.  After a
 * write that failed (already reported), 0: the failure is not told twice.
 */
int oed_policy_close(struct oed_policy *p, struct oed_err *err);
/*
 * "N bad records skipped" / "... written to FILE" on stderr, if any;
 * nothing about a reject file that could not be written.
 */
void oed_policy_summary(const struct oed_policy *p);

#endif
