/*
 * progress.h: one line on stderr saying where a long run is, phase by
 * phase, only when stderr is a terminal and the user did not ask for
 * --quiet; nothing at all otherwise, so logs and CI stay clean.
 *
 *	oed-mi: read 1200000 records, 45%, ETA 12s
 *	oed-mi: bootstrap 120/1000 replicates, 12%, ETA 8s
 *
 * A run is a sequence of phases (read, bootstrap, capacity, permutations
 * ...), each with its unit and, when known, its total; the percentage and
 * the ETA come from the phase's own rate.  The read's percentage is of
 * the bytes of its files when their size is known (regular files; of the
 * compressed bytes for .gz and .zst), never of a pipe.
 *
 * The line is redrawn at most ten times a second and not before the run
 * has lasted a moment, so a short run shows nothing; it is cleared at the
 * end (oed_progress_end) and before any diagnostic (diag.c calls
 * oed_progress_clear), so messages never land in the middle of it.  It
 * holds no colour and no escape sequence (NO_COLOR has nothing to strip):
 * a carriage return, the text, and spaces over what was there.
 *
 * Every function but init takes NULL and then does nothing, so lib/ code
 * is handed a struct oed_progress * that is NULL when there is nothing to
 * show.  The handle is the caller's (usually on its stack); it owns
 * nothing.
 */
#ifndef OED_PROGRESS_H
#define OED_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct oed_reader;

struct oed_progress {
	bool on;
	const char *phase;	/* "read", "bootstrap"; NULL: none named */
	const char *unit;	/* "records", "replicates" */
	uint64_t total;		/* of the phase; 0 when unknown */
	double done;		/* of the phase, in units (fractions for a unit under way) */
	double start;		/* of the run */
	double phase_start;
	double last;		/* the last redraw */
	double delay;		/* seconds before the first draw (OED_PROGRESS_DELAY, for tests) */
	unsigned calls;		/* oed_progress_tick's, to look at the clock now and then */
	int width;		/* of the line on the screen; 0 when none is */
	const struct oed_reader *reader;	/* the read's bytes, for its percentage */
};

/*
 * Start: on when stderr is a terminal and not quiet.  The first phase has
 * no name, unit and total as given (total 0 when unknown).
 */
void oed_progress_init(struct oed_progress *p, bool quiet, const char *unit, uint64_t total);
/* p, or NULL when it shows nothing: what lib/ loops are handed. */
struct oed_progress *oed_progress_handle(struct oed_progress *p);

/*
 * A new phase: name ("bootstrap"), unit ("replicates") and total (0 when
 * unknown); done starts at 0 and the rate is the phase's own.
 */
void oed_progress_phase(struct oed_progress *p, const char *name, const char *unit, uint64_t total);
/* The phase is reading r: its percentage is of r's bytes when their total is known. */
void oed_progress_reader(struct oed_progress *p, const struct oed_reader *r);

/*
 * done units of the phase are done.  step looks at the clock on every
 * call (for loops whose steps take long: a replicate, a permutation, an
 * iteration), tick only every 4096th (for loops over records); both redraw
 * at most ten times a second.  stepf takes fractions (3.5: the fourth
 * unit half done).
 */
void oed_progress_step(struct oed_progress *p, uint64_t done);
void oed_progress_stepf(struct oed_progress *p, double done);
void oed_progress_tick(struct oed_progress *p, uint64_t done);

/* The run's work is done: clear the line (before results are written). */
void oed_progress_end(struct oed_progress *p);
/* Kept for the read loops: the same as oed_progress_end. */
void oed_progress_done(struct oed_progress *p, uint64_t done);

/* Clear whatever progress line is on the screen (the next step redraws it). */
void oed_progress_clear(void);

#endif
