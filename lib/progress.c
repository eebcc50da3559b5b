#include "config.h"
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

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
	p->on = !quiet && isatty(STDERR_FILENO);
	p->unit = unit;
	p->total = total;
	p->start = p->last = p->on ? now() : 0;
	p->drawn = false;
}

static void
draw(struct oed_progress *p, uint64_t done, double t)
{
	double rate = t > p->start ? (double)done / (t - p->start) : 0;

	if (p->total)
		fprintf(stderr, "\r%llu/%llu %s, %.0f/s, ETA %.0fs   ",
			(unsigned long long)done, (unsigned long long)p->total, p->unit, rate,
			rate > 0 && p->total > done ? (double)(p->total - done) / rate : 0.0);
	else
		fprintf(stderr, "\r%llu %s, %.0f/s   ", (unsigned long long)done, p->unit, rate);
	p->drawn = true;
}

void
oed_progress_tick(struct oed_progress *p, uint64_t done)
{
	double t;

	if (!p->on || (done & 4095) != 0)
		return;
	t = now();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	draw(p, done, t);
}

void
oed_progress_step(struct oed_progress *p, uint64_t done)
{
	double t;

	if (!p->on)
		return;
	t = now();
	if (p->drawn && t - p->last < 0.25)
		return;
	p->last = t;
	draw(p, done, t);
}

void
oed_progress_done(struct oed_progress *p, uint64_t done)
{
	if (!p->on || !p->drawn)
		return;
	draw(p, done, now());
	fputc('\n', stderr);
}
