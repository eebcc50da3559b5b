/*
 * Unit tests for lib/cron.c: parsing, errors with their columns, and next
 * fire times against tests/ref/cron_ref.h, which tests/ref/gen_cron_ref.py
 * found by trying every minute (POSIX TZ strings: daylight saving that
 * skips and repeats an hour, a half hour, or midnight).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "diag.h"
#include "exit.h"

#include "../ref/cron_ref.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

START_TEST(next_against_brute_force)
{
	for (size_t i = 0; i < NCASES(cron_refs); i++) {
		const struct cron_ref *r = &cron_refs[i];
		struct oed_cron c;
		struct oed_err err;
		time_t t = (time_t)r->start;

		set_tz(r->tz);
		ck_assert_msg(oed_cron_parse(r->expr, &c, &err) == 0, "%s: %s", r->expr, err.msg);
		for (int k = 0; k < r->n; k++) {
			time_t next = 0;

			ck_assert_msg(oed_cron_next(&c, t, &next) == 0, "%s: none after %lld", r->expr,
				      (long long)t);
			ck_assert_msg(next == (time_t)r->next[k], "%s under %s, fire %d: %lld, want %lld",
				      r->expr, r->tz, k + 1, (long long)next, r->next[k]);
			t = next;
		}
	}
}
END_TEST

/* From a time between fires, and from a fire itself: strictly after. */
START_TEST(next_is_strictly_after)
{
	struct oed_cron c;
	struct oed_err err;
	time_t next;

	set_tz("UTC0");
	ck_assert_int_eq(oed_cron_parse("*/15 * * * *", &c, &err), 0);
	ck_assert_int_eq(oed_cron_next(&c, 1767226500, &next), 0);	/* 00:15:00 */
	ck_assert_int_eq(next, 1767227400);
	ck_assert_int_eq(oed_cron_next(&c, 1767226499, &next), 0);	/* 00:14:59 */
	ck_assert_int_eq(next, 1767226500);
	ck_assert_int_eq(oed_cron_next(&c, -1, &next), 0);		/* before the epoch */
	ck_assert_int_eq(next, 0);
}
END_TEST

START_TEST(same_sets)
{
	static const char *const same[][2] = {
		{ "0 0 * * 0", "0 0 * * 7" },
		{ "0 0 * * sun", "0 0 * * SUN" },
		{ "0 0 * * mon-fri", "0 0 * * 1-5" },
		{ "0 0 * jan-mar *", "0 0 * 1,2,3 *" },
		{ "*/20 * * * *", "0,20,40 * * * *" },
		{ "10/20 * * * *", "10,30,50 * * * *" },
		{ "0 0 * * 5-7", "0 0 * * 0,5,6" },
		{ "@daily", "0 0 * * *" },
		{ "@midnight", "0 0 * * *" },
		{ "@annually", "0 0 1 1 *" },
		{ "  @hourly  ", "0 * * * *" },
		{ "\t0  0\t* * *", "0 0 * * *" },
	};

	for (size_t i = 0; i < NCASES(same); i++) {
		struct oed_cron a, b;
		struct oed_err err;

		ck_assert_msg(oed_cron_parse(same[i][0], &a, &err) == 0, "%s: %s", same[i][0], err.msg);
		ck_assert_msg(oed_cron_parse(same[i][1], &b, &err) == 0, "%s: %s", same[i][1], err.msg);
		ck_assert_msg(a.minute == b.minute && a.hour == b.hour && a.dom == b.dom &&
			      a.month == b.month && a.dow == b.dow, "%s != %s", same[i][0], same[i][1]);
	}
}
END_TEST

START_TEST(errors_name_the_column)
{
	static const struct {
		const char *expr, *msg;
		int column;
	} bad[] = {
		{ "60 * * * *", "minute 60 is out of range 0-59", 1 },
		{ "* 24 * * *", "hour 24 is out of range 0-23", 3 },
		{ "* * 0 * *", "day of month 0 is out of range 1-31", 5 },
		{ "* * * 13 *", "month 13 is out of range 1-12", 7 },
		{ "* * * * 8", "day of week 8 is out of range 0-7", 9 },
		{ "* * * foo *", "'foo' is not a month name (jan, feb ... dec)", 7 },
		{ "* * * * mon-xyz", "'xyz' is not a day of week name (sun, mon ... sat)", 13 },
		{ "mon * * * *", "the minute field takes numbers, not names", 1 },
		{ "5-1 * * * *", "the minute range 5-1 runs backwards", 1 },
		{ "*/0 * * * *", "step 0 of the minute field is out of range 1-59", 3 },
		{ "*/x * * * *", "a step in the minute field must be a number", 3 },
		{ "1,,2 * * * *", "an empty item in the minute field", 3 },
		{ "1, * * * *", "an empty item in the minute field", 3 },
		{ "1x * * * *", "'x' does not belong in the minute field", 2 },
		{ "* * * *", "the day of week field is missing (5 fields: minute hour day-of-month"
		  " month day-of-week)", 8 },
		{ "", "the minute field is missing (5 fields: minute hour day-of-month month"
		  " day-of-week)", 1 },
		{ "* * * * * *", "more than 5 fields (minute hour day-of-month month day-of-week)", 11 },
		{ "@reboot", "unknown schedule '@reboot' (@hourly, @daily, @weekly, @monthly or @yearly)", 1 },
		{ "@daily 5", "nothing may follow @daily", 8 },
		{ "0 0 30 2 *", "no day of month given comes in the months given", 5 },
		{ "0 0 31 4,6 */2", "no day of month given comes in the months given", 5 },
		{ "- * * * *", "'-' where the minute field expects a number", 1 },
		{ "* * * * 1-", "the day of week field ends where a value was expected", 11 },
	};

	for (size_t i = 0; i < NCASES(bad); i++) {
		struct oed_cron c;
		struct oed_err err;

		oed_err_clear(&err);
		ck_assert_msg(oed_cron_parse(bad[i].expr, &c, &err) == -1, "'%s' accepted", bad[i].expr);
		ck_assert_int_eq(err.status, OED_EX_USAGE);
		ck_assert_str_eq(err.msg, bad[i].msg);
		ck_assert_msg(err.column == bad[i].column, "'%s': column %d, want %d", bad[i].expr,
			      err.column, bad[i].column);
	}
}
END_TEST

/* Both days restricted: either may match, so February 30 still fires on Mondays. */
START_TEST(dom_or_dow)
{
	struct oed_cron c;
	struct oed_err err;
	time_t next;

	set_tz("UTC0");
	ck_assert_int_eq(oed_cron_parse("0 0 30 2 mon", &c, &err), 0);
	ck_assert_int_eq(oed_cron_next(&c, 1767225600, &next), 0);
	ck_assert_int_eq(next, 1769990400);	/* Monday 2026-02-02 */
}
END_TEST

static Suite *
cron_suite(void)
{
	Suite *s = suite_create("cron");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, next_against_brute_force);
	tcase_add_test(tc, next_is_strictly_after);
	tcase_add_test(tc, same_sets);
	tcase_add_test(tc, errors_name_the_column);
	tcase_add_test(tc, dom_or_dow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cron_suite());
	int failed;

	oed_diag_init("check_cron");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
