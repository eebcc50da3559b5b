/*
 * time.h: the one place oed reads and writes times and durations.
 *
 * A time is a double of seconds since 1970-01-01T00:00:00Z (UTC, no leap
 * seconds counted, as POSIX time_t).  Text is RFC 3339: a date, 'T' (or
 * 't' or a space), a time with optional fraction, then 'Z' or an offset
 * +hh:mm.  A leap second is second 60 of 23:59 in UTC, after the offset is
 * taken off ("2017-01-01T00:59:60+01:00" is one, "10:00:60Z" is not); it
 * counts as the first second of the next day, as POSIX does.  Years 0001
 * to 9999 are what RFC 3339 can write back (OED_TIME_MIN, OED_TIME_END).
 *
 * A duration is a whole number of milliseconds, written as a positive
 * integer and one unit: ms, s, m, h, d, w ("500ms", "30s", "15m", "1h",
 * "7d", "1w").  Windows of a duration are aligned on the epoch, except
 * that any multiple of a week starts on a Monday (ISO 8601): 1970-01-05.
 *
 * Nothing here allocates, prints or keeps state; the output buffers are
 * the caller's.  Every tool parses and prints time through these
 * functions so that what one tool writes another reads.
 */
#ifndef OED_TIME_H
#define OED_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define OED_TIME_MIN (-62135596800.0)	/* 0001-01-01T00:00:00Z */
#define OED_TIME_END 253402300800.0	/* 10000-01-01T00:00:00Z, not included */

/* Room for any time oed_time_to_rfc3339 writes, with its NUL. */
#define OED_RFC3339_SIZE 32
/* Room for any duration oed_duration_format writes, with its NUL. */
#define OED_DURATION_SIZE 32

/*
 * Parse s[0..len) (not NUL-terminated, nothing past len is read) as an RFC
 * 3339 date-time; 0 and *t set, or -1 when it is not one.  A fraction is
 * kept to the double's precision but never carries into the next second
 * (59.99999999999 stays in second 59, so in its window).  t may be NULL
 * to only check.
 */
int oed_time_parse(const char *s, size_t len, double *t);
/* The same check as a bool. */
bool oed_time_valid(const char *s, size_t len);

/*
 * t as "2026-11-22T10:00:00Z", or "...00.250Z" when t has a fraction: the
 * fraction rounded to the millisecond first (so .9996 carries into the
 * next second), three digits, none when it rounds to 0.  Returns the
 * length.  Times outside the years 1 to 9999 are written with as many year
 * digits as they need (and a '-' before the years before year 0).
 */
size_t oed_time_to_rfc3339(double t, char out[OED_RFC3339_SIZE]);

/* Now, as a time (wall clock, to the microsecond or better). */
double oed_time_now(void);
/* "2026-11-22T10:00:00Z" for now (UTC), whole seconds: what the store records. */
void oed_now_rfc3339(char out[32]);

/*
 * Parse a duration; 0 and *ms set, or -1 with err (OED_EX_USAGE):
 * "WHAT: 'ARG' is not a duration such as 500ms, 30s, 15m, 1h, 7d or 1w".
 * what names the option ("--window"); zero, signs, fractions, spaces and
 * more than a million years are refused.
 */
int oed_duration_parse(const char *what, const char *arg, int64_t *ms, struct oed_err *err);
/* ms (> 0) in the largest unit that holds it whole: 604800000 -> "1w", 90000 -> "90s". */
size_t oed_duration_format(int64_t ms, char out[OED_DURATION_SIZE]);

/*
 * The start of the window of width_ms (> 0) holding t, in milliseconds
 * since the epoch (floor semantics, also before 1970); weeks (any multiple
 * of 7 days) start on a Monday.  For windows of whole seconds divide by
 * 1000: the result is exact.
 */
int64_t oed_time_window_start(double t, int64_t width_ms);

/*
 * --since: ARG is either an RFC 3339 date-time or a duration meaning that
 * long before now (now given by the caller, usually oed_time_now()).
 * 0 and *t set, or -1 with err (OED_EX_USAGE) naming what.
 */
int oed_time_since(const char *what, const char *arg, double now, double *t,
		   struct oed_err *err);

#endif
