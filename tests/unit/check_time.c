/*
 * Unit tests for lib/time.c: RFC 3339 in and out, durations, windows and
 * --since.  Reference values come from Python's datetime
 * (tests/ref/time_ref.h, made by tests/ref/gen_time_ref.py); leap seconds,
 * which Python does not know, are written here by hand.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "time.h"

#include "../ref/time_ref.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static int
parse(const char *s, double *t)
{
	return oed_time_parse(s, strlen(s), t);
}

START_TEST(parse_against_python)
{
	for (size_t i = 0; i < NCASES(time_parse_refs); i++) {
		double t = NAN;

		ck_assert_msg(parse(time_parse_refs[i].s, &t) == 0, "%s rejected", time_parse_refs[i].s);
		ck_assert_msg(t == time_parse_refs[i].t, "%s: %.17g, want %.17g", time_parse_refs[i].s,
			      t, time_parse_refs[i].t);
		ck_assert(oed_time_valid(time_parse_refs[i].s, strlen(time_parse_refs[i].s)));
	}
}
END_TEST

START_TEST(parse_spellings)
{
	static const char *const same[] = {
		"2026-11-22T10:00:00Z", "2026-11-22t10:00:00z", "2026-11-22 10:00:00Z",
		"2026-11-22T10:00:00+00:00", "2026-11-22T10:00:00-00:00", "2026-11-22T11:30:00+01:30",
		"2026-11-22T10:00:00.000Z",
	};
	static const char *const bad[] = {
		"", "2026-11-22", "2026-11-22T10:00:00", "2026-11-22T10:00Z", "2026-02-29T00:00:00Z",
		"1900-02-29T10:00:00Z", "2026-11-22T24:00:00Z", "2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-22T10:60:00Z",
		"2026-11-22T10:00:61Z", "2026-11-22T10:00:00+2:00", "2026-11-22T10:00:00+24:00",
		"2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk", "2026-11-22X10:00:00Z",
		"2026/11/22T10:00:00Z", "+2026-11-22T10:00:00Z", "2026-11-22T10:00:00+0200",
		" 2026-11-22T10:00:00Z", "2026-11-22T10:00:00+01:00 ", "2026-11-22T10:00:00ZZ",
		"\xef\xbc\x92" "026-11-22T10:00:00Z",
	};
	double t, want = 1795341600;

	for (size_t i = 0; i < NCASES(same); i++) {
		ck_assert_msg(parse(same[i], &t) == 0, "%s", same[i]);
		ck_assert_msg(t == want, "%s: %.17g", same[i], t);
	}
	for (size_t i = 0; i < NCASES(bad); i++) {
		ck_assert_msg(parse(bad[i], &t) == -1, "'%s' accepted", bad[i]);
		ck_assert(!oed_time_valid(bad[i], strlen(bad[i])));
	}
	/* the length bounds the parse: nothing past it is read */
	ck_assert_int_eq(oed_time_parse("2026-11-22T10:00:00Z", 19, &t), -1);
	ck_assert_int_eq(oed_time_parse("2026-11-22T10:00:00Zjunk", 20, &t), 0);
}
END_TEST

/*
 * Second 60 is a leap second only at 23:59:60 UTC, once the offset is
 * taken off; oed-ingest once wrote 10:00:60Z, which oed-drift refused.
 */
START_TEST(leap_second_only_at_the_end_of_a_utc_day)
{
	double t;

	ck_assert_int_eq(parse("2016-12-31T23:59:60Z", &t), 0);
	ck_assert(t == 1483228800);
	ck_assert_int_eq(parse("2017-01-01T00:59:60+01:00", &t), 0);
	ck_assert(t == 1483228800);
	ck_assert_int_eq(parse("2016-12-31T18:29:60-05:30", &t), 0);
	ck_assert(t == 1483228800);
	ck_assert_int_eq(parse("2016-12-31T23:59:60.5Z", &t), 0);
	ck_assert(t == 1483228800.5);
	ck_assert(!oed_time_valid("2026-01-01T10:00:60Z", 20));
	ck_assert_int_eq(parse("2016-12-31T12:00:60Z", &t), -1);
	ck_assert_int_eq(parse("2016-12-31T23:58:60Z", &t), -1);
	ck_assert_int_eq(parse("2016-12-31T23:59:60+01:00", &t), -1);
	ck_assert_int_eq(parse("2024-02-29T23:59:60.123456+05:30", &t), -1);
}
END_TEST

START_TEST(fraction_stays_in_its_second)
{
	double t;

	ck_assert_int_eq(parse("2027-01-01T00:59:59.99999999999+01:00", &t), 0);
	ck_assert(t < 1798761600 && t > 1798761599.9999);
	ck_assert_int_eq(oed_time_window_start(t, 86400000), (1798761600LL - 86400) * 1000);
	ck_assert_int_eq(parse("1969-12-31T23:59:59.99999999999Z", &t), 0);
	ck_assert(t < 0);
	ck_assert_int_eq(oed_time_window_start(t, 1000), -1000);
	ck_assert_int_eq(oed_time_window_start(t, 1), -1);
	/* more digits than a double holds */
	ck_assert_int_eq(parse("2026-11-22T10:00:00.1234567890123456789012345Z", &t), 0);
	ck_assert(fabs(t - 1795341600.1234567) < 1e-6);
}
END_TEST

START_TEST(format_against_python)
{
	char out[OED_RFC3339_SIZE];

	for (size_t i = 0; i < NCASES(time_format_refs); i++) {
		size_t n = oed_time_to_rfc3339(time_format_refs[i].t, out);

		ck_assert_msg(strcmp(out, time_format_refs[i].s) == 0, "%.17g: want %s got %s",
			      time_format_refs[i].t, time_format_refs[i].s, out);
		ck_assert_uint_eq(n, strlen(out));
	}
	ck_assert_uint_eq(oed_time_to_rfc3339(NAN, out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(oed_time_to_rfc3339(INFINITY, out), 0);
	oed_time_to_rfc3339(253402300800.0, out);
	ck_assert_str_eq(out, "10000-01-01T00:00:00Z");
}
END_TEST

START_TEST(format_round_trip)
{
	char out[OED_RFC3339_SIZE];
	double t;

	for (size_t i = 0; i < NCASES(time_parse_refs); i++) {
		double ms = floor(time_parse_refs[i].t * 1000 + 0.5) / 1000;

		oed_time_to_rfc3339(time_parse_refs[i].t, out);
		ck_assert_int_eq(parse(out, &t), 0);
		ck_assert_msg(fabs(t - ms) < 1e-6, "%s -> %s", time_parse_refs[i].s, out);
	}
	/* every week of four centuries either side, across the Gregorian leap rules */
	for (int64_t day = -146097 * 2; day < 146097 * 2; day += 7) {
		oed_time_to_rfc3339((double)(day * 86400 + 3661), out);
		ck_assert_int_eq(parse(out, &t), 0);
		ck_assert_msg(t == (double)(day * 86400 + 3661), "%s", out);
	}
	/* what the store records: whole seconds, parseable */
	oed_now_rfc3339(out);
	ck_assert_uint_eq(strlen(out), 20);
	ck_assert_int_eq(parse(out, &t), 0);
	ck_assert(fabs(t - oed_time_now()) < 5);
}
END_TEST

START_TEST(durations)
{
	static const struct { const char *s; int64_t ms; const char *back; } good[] = {
		{ "500ms", 500, "500ms" }, { "30s", 30000, "30s" }, { "15m", 900000, "15m" },
		{ "1h", 3600000, "1h" }, { "7d", 604800000, "1w" }, { "1w", 604800000, "1w" },
		{ "90m", 5400000, "90m" }, { "1500ms", 1500, "1500ms" }, { "2000ms", 2000, "2s" },
		{ "365d", 31536000000, "365d" }, { "24h", 86400000, "1d" },
	};
	static const char *const bad[] = {
		"", "h", "0h", "0ms", "1", "1x", "1.5h", "-1h", "+1h", "1hh", "1 h", "h1", " 1h",
		"1H", "1msx", "1mss", "99999999999999999999d", "1000000000w", "31557600000000001ms",
	};
	char out[OED_DURATION_SIZE];
	struct oed_err err;
	int64_t ms;

	for (size_t i = 0; i < NCASES(good); i++) {
		ck_assert_msg(oed_duration_parse("--window", good[i].s, &ms, &err) == 0, "%s", good[i].s);
		ck_assert_int_eq(ms, good[i].ms);
		ck_assert_uint_eq(oed_duration_format(ms, out), strlen(good[i].back));
		ck_assert_str_eq(out, good[i].back);
	}
	for (size_t i = 0; i < NCASES(bad); i++) {
		ck_assert_msg(oed_duration_parse("--window", bad[i], &ms, &err) == -1, "'%s' accepted",
			      bad[i]);
		ck_assert_int_eq(err.status, OED_EX_USAGE);
	}
	/* a million years is the longest */
	ck_assert_int_eq(oed_duration_parse("-w", "31557600000000000ms", &ms, &err), 0);
	oed_duration_parse("--window", "1y", &ms, &err);
	ck_assert_str_eq(err.msg, "--window: '1y' is not a duration such as 500ms, 30s, 15m, 1h, 7d or 1w");
}
END_TEST

START_TEST(windows_against_python)
{
	for (size_t i = 0; i < NCASES(time_window_refs); i++)
		ck_assert_msg(oed_time_window_start(time_window_refs[i].t, time_window_refs[i].width_ms) ==
			      time_window_refs[i].start_ms, "t %.17g width %lld ms",
			      time_window_refs[i].t, time_window_refs[i].width_ms);
}
END_TEST

START_TEST(since)
{
	struct oed_err err;
	double t;

	ck_assert_int_eq(oed_time_since("--since", "15m", 1795341600.5, &t, &err), 0);
	ck_assert(t == 1795341600.5 - 900);
	ck_assert_int_eq(oed_time_since("--since", "500ms", 10, &t, &err), 0);
	ck_assert(t == 9.5);
	ck_assert_int_eq(oed_time_since("--since", "2026-11-22T10:00:00+01:00", 0, &t, &err), 0);
	ck_assert(t == 1795341600 - 3600);
	ck_assert_int_eq(oed_time_since("--since", "yesterday", 0, &t, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "--since: 'yesterday' is neither an RFC 3339 date-time nor a"
			 " duration such as 15m, 1h or 7d");
}
END_TEST

static Suite *
time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_against_python);
	tcase_add_test(tc, parse_spellings);
	tcase_add_test(tc, leap_second_only_at_the_end_of_a_utc_day);
	tcase_add_test(tc, fraction_stays_in_its_second);
	tcase_add_test(tc, format_against_python);
	tcase_add_test(tc, format_round_trip);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, windows_against_python);
	tcase_add_test(tc, since);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(time_suite());
	int failed;

	oed_diag_init("check_time");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
