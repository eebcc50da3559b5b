/*
 * progress.h: "done/total, rate, ETA" on stderr for long work, only when
 * stderr is a terminal and the user did not ask for --quiet.  Redrawn at
 * most a few times a second so it costs nothing on the hot path.
 */
#ifndef OED_PROGRESS_H
#define OED_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct oed_progress {
	bool on;
	const char *unit;	/* "records", "items" */
	uint64_t total;		/* 0 when unknown */
	double start, last;
	bool drawn;
};

void oed_progress_init(struct oed_progress *p, bool quiet, const char *unit, uint64_t total);
/* Cheap to call per item: checks the clock only every 4096 calls. */
void oed_progress_tick(struct oed_progress *p, uint64_t done);
/* For slow items (a model call each): checks the clock on every call. */
void oed_progress_step(struct oed_progress *p, uint64_t done);
void oed_progress_done(struct oed_progress *p, uint64_t done);

#endif
