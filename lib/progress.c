#include "config.h"
#include "progress.h"
#include "diag.h"
#include "jsonl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define FIRST_DRAW 0.25	/* seconds into the run: a shorter run shows nothing */
#define REDRAW 0.1	/* seconds between redraws: ten a second at most */

/* The width of the line on the screen, 0 when none is: one stderr, one line. */
static int shown;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
oed_progress_init(struct oed_progress *p, bool quiet, const char *unit, uint64_t total)
{
	const char *delay = getenv("OED_PROGRESS_DELAY");

	*p = (struct oed_progress){ .on = !quiet && isatty(STDERR_FILENO), .unit = unit, .total = total };
	p->start = p->phase_start = p->on ? now() : 0;
	/* for tests: OED_PROGRESS_DELAY=0 shows every phase, however short the run */
	p->delay = delay && delay[0] ? strtod(delay, NULL) : FIRST_DRAW;
}

struct oed_progress *
oed_progress_handle(struct oed_progress *p)
{
	return p && p->on ? p : NULL;
}

/* "8s", "3m12s", "2h05m" */
static void
duration(char *out, size_t size, double s)
{
	unsigned long long t = (unsigned long long)(s + 0.5);

	if (t < 60)
		snprintf(out, size, "%llus", t);
	else if (t < 3600)
		snprintf(out, size, "%llum%02llus", t / 60, t % 60);
	else
		snprintf(out, size, "%lluh%02llum", t / 3600, t / 60 % 60);
}

/* Append to line[0..*n) as snprintf would, never past size. */
static void __attribute__((format(printf, 4, 5)))
add(char *line, size_t size, int *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if ((size_t)*n >= size - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(line + *n, size - (size_t)*n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = (size_t)(*n + k) < size ? *n + k : (int)size - 1;
}

/*
 * "oed-mi: bootstrap 120/1000 replicates, 12%, ETA 8s": the phase, what is
 * done (of the total when known), and the percentage and ETA when the
 * share done is known, else the rate.
 */
static void
draw(struct oed_progress *p, double t)
{
	char line[192], eta[32];
	double frac = -1, elapsed = t - p->phase_start;
	unsigned long long done = (unsigned long long)p->done;
	int n = 0;

	if (p->reader) {
		uint64_t at, size;

		oed_reader_bytes(p->reader, &at, &size);
		if (size > 0)
			frac = fmin(1, (double)at / (double)size);
	} else if (p->total > 0) {
		frac = fmin(1, p->done / (double)p->total);
	}
	add(line, sizeof(line), &n, "%s:", oed_progname());
	if (p->phase)
		add(line, sizeof(line), &n, " %s", p->phase);
	if (p->unit && p->unit[0]) {
		if (p->total > 0 && p->reader == NULL)
			add(line, sizeof(line), &n, " %llu/%llu %s", done, (unsigned long long)p->total,
			    p->unit);
		else
			add(line, sizeof(line), &n, " %llu %s", done, p->unit);
		if (frac >= 0) {
			add(line, sizeof(line), &n, ", %d%%", (int)floor(frac * 100));
			if (frac > 0 && frac < 1 && elapsed > 0) {
				duration(eta, sizeof(eta), elapsed * (1 - frac) / frac);
				add(line, sizeof(line), &n, ", ETA %s", eta);
			}
		} else if (elapsed > 0) {
			add(line, sizeof(line), &n, ", %.0f/s", p->done / elapsed);
		}
	}
	/* spaces over the rest of a longer line drawn before */
	fprintf(stderr, "\r%s%*s", line, shown > n ? shown - n : 0, "");
	fflush(stderr);
	shown = n > shown ? n : shown;
	p->last = t;
}

/* Redraw if it is time. */
static void
maybe_draw(struct oed_progress *p)
{
	double t = now();

	if (t - p->start < p->delay || (shown && p->last > 0 && t - p->last < REDRAW))
		return;
	draw(p, t);
}

void
oed_progress_phase(struct oed_progress *p, const char *name, const char *unit, uint64_t total)
{
	if (p == NULL || !p->on)
		return;
	p->phase = name;
	p->unit = unit;
	p->total = total;
	p->done = 0;
	p->reader = NULL;
	p->phase_start = now();
	p->last = 0;	/* the new phase shows at its first step */
	if (unit == NULL || unit[0] == '\0')
		maybe_draw(p);	/* it has no steps: its name, now */
}

void
oed_progress_reader(struct oed_progress *p, const struct oed_reader *r)
{
	if (p && p->on)
		p->reader = r;
}

void
oed_progress_stepf(struct oed_progress *p, double done)
{
	if (p == NULL || !p->on)
		return;
	p->done = done;
	maybe_draw(p);
}

void
oed_progress_step(struct oed_progress *p, uint64_t done)
{
	oed_progress_stepf(p, (double)done);
}

void
oed_progress_tick(struct oed_progress *p, uint64_t done)
{
	if (p == NULL || !p->on)
		return;
	p->done = (double)done;
	if ((++p->calls & 4095) == 0)
		maybe_draw(p);
}

void
oed_progress_clear(void)
{
	if (shown == 0)
		return;
	fprintf(stderr, "\r%*s\r", shown, "");
	fflush(stderr);
	shown = 0;
}

void
oed_progress_end(struct oed_progress *p)
{
	if (p == NULL || !p->on)
		return;
	oed_progress_clear();
}

void
oed_progress_done(struct oed_progress *p, uint64_t done)
{
	(void)done;
	oed_progress_end(p);
}
