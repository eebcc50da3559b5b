/*
 * cron.h: 5-field crontab schedules, as Vixie cron reads them.
 *
 *	minute hour day-of-month month day-of-week
 *
 * Each field is a comma-separated list of `*`, a number, a range `a-b`,
 * each optionally followed by `/step` (`*` and `a` alone with a step run
 * to the field's end: `5/15` is `5-59/15`).  Months and weekdays take
 * their three-letter English names (jan..dec, sun..sat, any case), also in
 * ranges; weekday 7 is Sunday as 0 is.  When both the day of the month
 * and the day of the week are restricted (neither field begins with `*`)
 * a day matches when either matches, as Vixie cron decides; otherwise it
 * must match both.  @hourly, @daily (@midnight), @weekly, @monthly and
 * @yearly (@annually) stand for their usual expressions.
 *
 * Times are local: oed_cron_next walks real minutes (epoch seconds, whole
 * minutes) and takes each whose local wall-clock time, as localtime_r
 * gives it under TZ, matches.  So a time in a daylight-saving gap never
 * comes, and one that occurs twice when the clocks go back fires twice.
 *
 * A struct oed_cron is plain data: nothing to release.
 */
#ifndef OED_CRON_H
#define OED_CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"

struct oed_cron {
	uint64_t minute;	/* bit m: minute m, 0..59 */
	uint32_t hour;		/* bit h: 0..23 */
	uint32_t dom;		/* bit d: 1..31 */
	uint16_t month;		/* bit m: 1..12 */
	uint8_t dow;		/* bit d: 0..6, Sunday 0 */
	bool dom_star, dow_star;	/* the field began with '*' */
};

/*
 * Parse expr.  0, or -1 with err set (OED_EX_USAGE): err->msg says what is
 * wrong, without the expression, and err->column is the 1-based column of
 * expr where the trouble starts.
 */
int oed_cron_parse(const char *expr, struct oed_cron *c, struct oed_err *err);

/* Whether the local time tm matches (its minute, hour, day, month, weekday). */
bool oed_cron_match(const struct oed_cron *c, const struct tm *tm);

/*
 * The first whole minute strictly after t whose local time matches: 0 and
 * *next, or -1 when none comes within the next ten years.  A schedule
 * oed_cron_parse accepted always has one (it refuses days that never come,
 * as "0 0 31 2 *"), unless the time zone's clock changes skip every time
 * it names.
 */
int oed_cron_next(const struct oed_cron *c, time_t t, time_t *next);

#endif
