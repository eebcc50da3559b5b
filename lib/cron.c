/* cron.c: 5-field crontab schedules (cron.h). */
#include "config.h"

#include "cron.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exit.h"

struct field {
	const char *name;
	int lo, hi;
	const char *const *names;	/* names[i] is lo + i; NULL: numbers only */
	int nnames;
	bool dow;			/* 7 is Sunday, as 0 */
};

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
};
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static const struct field fields[5] = {
	{ "minute", 0, 59, NULL, 0, false },
	{ "hour", 0, 23, NULL, 0, false },
	{ "day of month", 1, 31, NULL, 0, false },
	{ "month", 1, 12, months, 12, false },
	{ "day of week", 0, 7, days, 7, true },
};

static const struct {
	const char *name, *expr;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

static int
fail(struct oed_err *err, const char *expr, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(struct oed_err *err, const char *expr, const char *at, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_set(err, OED_EX_USAGE, "%s", msg);
	err->column = (int)(at - expr) + 1;
	return -1;
}

/* A number or (months, weekdays) a name at *p; moves *p past it. */
static int
value(const struct field *f, const char *expr, const char **p, int *out, struct oed_err *err)
{
	const char *s = *p;
	long v = 0;

	if (isdigit((unsigned char)*s)) {
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s - '0');
			if (v > 1000)
				v = 1000;
			s++;
		}
		if (v < f->lo || v > f->hi)
			return fail(err, expr, *p, "%s %ld is out of range %d-%d", f->name, v, f->lo, f->hi);
		*p = s;
		*out = (int)v;
		return 0;
	}
	if (isalpha((unsigned char)*s)) {
		size_t n = 0;

		while (isalpha((unsigned char)s[n]))
			n++;
		if (f->names == NULL)
			return fail(err, expr, s, "the %s field takes numbers, not names", f->name);
		for (int i = 0; i < f->nnames; i++)
			if (n == 3 && strncasecmp(s, f->names[i], 3) == 0) {
				*p = s + n;
				*out = f->lo + i;
				return 0;
			}
		return fail(err, expr, s, "'%.*s' is not a %s name (%s)", (int)(n > 20 ? 20 : n), s,
			    f->name, f->lo ? "jan, feb ... dec" : "sun, mon ... sat");
	}
	if (*s == '\0' || *s == ' ' || *s == '\t')
		return fail(err, expr, s, "the %s field ends where a value was expected", f->name);
	return fail(err, expr, s, "'%c' where the %s field expects a %s", *s, f->name,
		    f->names ? "number or a name" : "number");
}

/* One field, s[0..end), into bits; *star when it begins with '*'. */
static int
parse_field(const struct field *f, const char *expr, const char *s, const char *end,
	    uint64_t *bits, bool *star, struct oed_err *err)
{
	const char *p = s;

	*bits = 0;
	*star = *s == '*';
	for (;;) {
		const char *item = p;
		int a, b, step = 1;
		bool range = false;

		if (p == end || *p == ',')
			return fail(err, expr, p, "an empty item in the %s field", f->name);
		if (*p == '*') {
			a = f->lo;
			b = f->dow ? 6 : f->hi;
			p++;
		} else {
			if (value(f, expr, &p, &a, err) == -1)
				return -1;
			b = a;
			if (*p == '-') {
				p++;
				range = true;
				if (value(f, expr, &p, &b, err) == -1)
					return -1;
				if (b < a)
					return fail(err, expr, item, "the %s range %d-%d runs backwards",
						    f->name, a, b);
			}
		}
		if (*p == '/') {
			const char *q = ++p;
			long v = 0;

			if (!isdigit((unsigned char)*p))
				return fail(err, expr, p, "a step in the %s field must be a number", f->name);
			while (isdigit((unsigned char)*p)) {
				v = v * 10 + (*p - '0');
				if (v > 1000)
					v = 1000;
				p++;
			}
			if (v < 1 || v > f->hi)
				return fail(err, expr, q, "step %ld of the %s field is out of range 1-%d",
					    v, f->name, f->hi);
			step = (int)v;
			/* "a/step" runs to the field's end */
			if (*item != '*' && !range)
				b = f->hi;
		}
		for (int v = a; v <= b; v += step)
			*bits |= 1ULL << (f->dow && v == 7 ? 0 : v);
		if (p == end)
			return 0;
		if (*p != ',')
			return fail(err, expr, p, "'%c' does not belong in the %s field", *p, f->name);
		p++;
	}
}

static const int month_days[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

int
oed_cron_parse(const char *expr, struct oed_cron *c, struct oed_err *err)
{
	const char *text = expr, *p, *start[5];
	uint64_t bits[5];
	bool star[5];
	int n = 0;

	memset(c, 0, sizeof(*c));
	p = expr;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '@') {
		size_t len = strcspn(p, " \t");
		const char *q = p + len;

		while (*q == ' ' || *q == '\t')
			q++;
		for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (strlen(macros[i].name) == len && strncmp(p, macros[i].name, len) == 0) {
				if (*q != '\0')
					return fail(err, expr, q, "nothing may follow %s", macros[i].name);
				return oed_cron_parse(macros[i].expr, c, err);
			}
		return fail(err, expr, p, "unknown schedule '%.*s' (@hourly, @daily, @weekly, @monthly"
			    " or @yearly)", (int)(len > 20 ? 20 : len), p);
	}
	for (;;) {
		const char *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == 5)
			return fail(err, expr, p, "more than 5 fields (minute hour day-of-month month"
				    " day-of-week)");
		e = p + strcspn(p, " \t");
		start[n] = p;
		if (parse_field(&fields[n], text, p, e, &bits[n], &star[n], err) == -1)
			return -1;
		n++;
		p = e;
	}
	if (n < 5)
		return fail(err, expr, p, "the %s field is missing (5 fields: minute hour"
			    " day-of-month month day-of-week)", fields[n].name);
	c->minute = bits[0];
	c->hour = (uint32_t)bits[1];
	c->dom = (uint32_t)bits[2];
	c->month = (uint16_t)bits[3];
	c->dow = (uint8_t)bits[4];
	c->dom_star = star[2];
	c->dow_star = star[4];
	/* both days must match: some selected day must exist in some selected month */
	if (c->dom_star || c->dow_star) {
		bool any = false;

		for (int m = 1; m <= 12 && !any; m++)
			for (int d = 1; d <= month_days[m] && (c->month >> m & 1); d++)
				if (c->dom >> d & 1) {
					any = true;
					break;
				}
		if (!any)
			return fail(err, expr, start[2], "no day of month given comes in the months"
				    " given");
	}
	return 0;
}

bool
oed_cron_match(const struct oed_cron *c, const struct tm *tm)
{
	bool dom, dow;

	if (!(c->minute >> tm->tm_min & 1) || !(c->hour >> tm->tm_hour & 1) ||
	    !(c->month >> (tm->tm_mon + 1) & 1))
		return false;
	dom = c->dom >> tm->tm_mday & 1;
	dow = c->dow >> tm->tm_wday & 1;
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

static bool
day_matches(const struct oed_cron *c, const struct tm *tm)
{
	bool dom, dow;

	if (!(c->month >> (tm->tm_mon + 1) & 1))
		return false;
	dom = c->dom >> tm->tm_mday & 1;
	dow = c->dow >> tm->tm_wday & 1;
	return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

/*
 * Jump ahead by k real minutes when that skips only minutes that cannot
 * match: the local UTC offset is the same at t and at the last minute
 * skipped, so no clock change falls in between and the wall clock moved
 * as the real one did.  Otherwise one minute.
 */
static time_t
jump(time_t t, long k, const struct tm *now)
{
	long tries[2] = { k, 60L - now->tm_min };

	for (int i = 0; i < 2; i++) {
		struct tm last;
		time_t end = t + (time_t)(tries[i] - 1) * 60;

		if (tries[i] > 1 && tries[i] <= k && localtime_r(&end, &last) != NULL &&
		    last.tm_gmtoff == now->tm_gmtoff)
			return t + (time_t)tries[i] * 60;
	}
	return t + 60;
}

int
oed_cron_next(const struct oed_cron *c, time_t t, time_t *next)
{
	time_t limit = t + (time_t)10 * 366 * 86400;
	struct tm tm;

	t = t - (t % 60 + 60) % 60 + 60;	/* the next whole minute */
	while (t < limit) {
		if (localtime_r(&t, &tm) == NULL)
			return -1;
		if (!day_matches(c, &tm)) {
			t = jump(t, (24 - tm.tm_hour) * 60L - tm.tm_min, &tm);
			continue;
		}
		if (!(c->hour >> tm.tm_hour & 1)) {
			t = jump(t, 60L - tm.tm_min, &tm);
			continue;
		}
		if (!(c->minute >> tm.tm_min & 1)) {
			t += 60;
			continue;
		}
		*next = t;
		return 0;
	}
	return -1;
}
