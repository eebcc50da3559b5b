#include "config.h"
#include "time.h"
#include "exit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n ASCII digits at s into *out; false when one is not a digit. */
static bool
digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int
oed_time_parse(const char *s, size_t len, double *t)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t whole;
	double frac = 0, v;
	size_t i = 19;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	if (s[i] == '.') {
		char buf[24] = "0.";
		size_t k = 2;

		if (++i == len || s[i] < '0' || s[i] > '9')
			return -1;
		/* strtod rounds the fraction correctly; past 20 digits nothing changes */
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (k < sizeof(buf) - 1)
				buf[k++] = s[i];
		buf[k] = '\0';
		frac = strtod(buf, NULL);
	}
	if (i == len)
		return -1;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
		    !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	if (i != len)
		return -1;
	/* a leap second is 23:59:60 in UTC, whatever the offset it is written in */
	if (sec == 60 && ((h * 60 + mi - sign * (oh * 60 + om)) % 1440 + 1440) % 1440 != 1439)
		return -1;
	if (t == NULL)
		return 0;
	whole = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
		sign * (oh * 3600 + om * 60);
	v = (double)whole + frac;
	/* 59.9999999999 s must stay in its second, and so in its window, not round up to the next */
	if (floor(v) > (double)whole)
		v = nextafter((double)whole + 1, -INFINITY);
	*t = v;
	return 0;
}

bool
oed_time_valid(const char *s, size_t len)
{
	return oed_time_parse(s, len, NULL) == 0;
}

size_t
oed_time_to_rfc3339(double t, char out[OED_RFC3339_SIZE])
{
	int64_t ms, secs, days, y;
	unsigned m, d, sod;
	int frac, n;

	/* a million years either side: beyond, a time means nothing */
	if (!(t > -3.2e13 && t < 3.2e13)) {
		out[0] = '\0';
		return 0;
	}
	/* round to the millisecond first, so .9996 s carries into the second */
	ms = (int64_t)floor(t * 1000 + 0.5);
	secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	frac = (int)(ms - secs * 1000);
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	sod = (unsigned)(secs - days * 86400);
	civil_from_days(days, &y, &m, &d);
	n = snprintf(out, OED_RFC3339_SIZE, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d,
		     sod / 3600, sod / 60 % 60, sod % 60);
	if (frac > 0)
		n += snprintf(out + n, OED_RFC3339_SIZE - (size_t)n, ".%03dZ", frac);
	else
		n += snprintf(out + n, OED_RFC3339_SIZE - (size_t)n, "Z");
	return (size_t)n;
}

double
oed_time_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (double)time(NULL);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
oed_now_rfc3339(char out[32])
{
	char buf[OED_RFC3339_SIZE];

	oed_time_to_rfc3339((double)time(NULL), buf);
	memcpy(out, buf, 32);
	out[31] = '\0';
}

static const struct unit {
	const char *name;
	int64_t ms;
} units[] = {
	/* largest first: oed_duration_format takes the first that divides */
	{ "w", INT64_C(604800000) },
	{ "d", INT64_C(86400000) },
	{ "h", INT64_C(3600000) },
	{ "m", INT64_C(60000) },
	{ "s", INT64_C(1000) },
	{ "ms", INT64_C(1) },
};

#define NUNITS (sizeof(units) / sizeof(units[0]))
/* a million Julian years */
#define DURATION_MAX_MS INT64_C(31557600000000000)

int
oed_duration_parse(const char *what, const char *arg, int64_t *ms, struct oed_err *err)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		goto bad;
	n = strtoull(arg, &end, 10);
	if (n == 0 || errno != 0)
		goto bad;
	for (size_t i = 0; i < NUNITS; i++) {
		if (strcmp(end, units[i].name) != 0)
			continue;
		if (n > (unsigned long long)(DURATION_MAX_MS / units[i].ms))
			goto bad;
		*ms = (int64_t)n * units[i].ms;
		return 0;
	}
bad:
	return oed_err_set(err, OED_EX_USAGE,
			   "%s: '%s' is not a duration such as 500ms, 30s, 15m, 1h, 7d or 1w",
			   what, oed_quote(arg));
}

size_t
oed_duration_format(int64_t ms, char out[OED_DURATION_SIZE])
{
	size_t i = 0;

	if (ms > 0)
		while (ms % units[i].ms != 0)
			i++;
	else
		i = NUNITS - 1;
	return (size_t)snprintf(out, OED_DURATION_SIZE, "%lld%s",
				(long long)(ms > 0 ? ms / units[i].ms : ms), units[i].name);
}

int64_t
oed_time_window_start(double t, int64_t width_ms)
{
	int64_t sec, frac, s, q, origin;

	if (!(t > -3.2e13 && t < 3.2e13))
		t = 0;
	/*
	 * Whole seconds first, then the milliseconds of the fraction: t * 1000
	 * could round 0.9999999 into the next second and so the next window.
	 */
	sec = (int64_t)floor(t);
	frac = (int64_t)((t - (double)sec) * 1000);
	if (frac > 999)
		frac = 999;
	/* weeks start on Monday (ISO 8601), 1970-01-05, not on the epoch's Thursday */
	origin = width_ms % INT64_C(604800000) == 0 ? INT64_C(4) * 86400000 : 0;
	s = sec * 1000 + frac - origin;
	q = s / width_ms;
	if (s % width_ms < 0)
		q--;
	return q * width_ms + origin;
}

int
oed_time_since(const char *what, const char *arg, double now, double *t, struct oed_err *err)
{
	int64_t ms;
	struct oed_err ignored;

	if (oed_time_parse(arg, strlen(arg), t) == 0)
		return 0;
	if (oed_duration_parse(what, arg, &ms, &ignored) == 0) {
		*t = now - (double)ms / 1000;
		return 0;
	}
	return oed_err_set(err, OED_EX_USAGE,
			   "%s: '%s' is neither an RFC 3339 date-time nor a duration"
			   " such as 15m, 1h or 7d", what, oed_quote(arg));
}
