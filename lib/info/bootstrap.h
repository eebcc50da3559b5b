/*
 * bootstrap.h: percentile bootstrap intervals, deterministic for a seed.
 *
 * The generator is xoshiro256** (Blackman and Vigna) seeded through
 * splitmix64, so a seed gives the same draws on every platform; integers
 * below n come from Lemire's multiply-and-reject method, without bias.
 *
 * Two resampling schemes, both described as multiplicities of units (how
 * often each unit is in a replicate):
 *   clusters  G units (inputs, i.e. values of X) drawn G times with
 *             replacement: a unit keeps all its records together
 *   records   N records drawn from units that hold c_u of them (a
 *             multinomial over the units, drawn record by record through
 *             Walker's alias table; needs whole counts)
 *
 * oed_bootstrap() runs B replicates of a statistic given as a callback.
 * With q_lo = Q((1 - level) / 2) and q_hi = Q((1 + level) / 2) of the B
 * values of a quantity, Q being numpy's default (linear) quantile:
 *
 *   without estimate  the percentile interval [q_lo, q_hi];
 *   with estimate t   the basic (reverse percentile) interval
 *                     [2t - q_hi, 2t - q_lo] (Davison and Hinkley 1997,
 *                     5.2), which corrects to first order for the bias the
 *                     percentile interval inherits: a plug-in entropy's
 *                     replicates lose classes, so they sit below t, and
 *                     the percentile interval can miss t altogether.
 *                     When t lies outside [q_lo, q_hi] the bootstrap's
 *                     bias exceeds its spread and no interval is valid:
 *                     both bounds are NAN.
 *
 * Replicates where a quantity is not finite are left out of that
 * quantity's interval.
 */
#ifndef OED_BOOTSTRAP_H
#define OED_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct oed_progress;

struct oed_rng {
	uint64_t s[4];
};

void oed_rng_seed(struct oed_rng *r, uint64_t seed);
uint64_t oed_rng_next(struct oed_rng *r);
/* Uniform on 0 .. n - 1 (n > 0). */
uint64_t oed_rng_below(struct oed_rng *r, uint64_t n);
/* Uniform on [0, 1), 53 random bits. */
double oed_rng_unit(struct oed_rng *r);

/* The q-quantile of v[0..n) (sorted in place), numpy's linear method; NAN when n == 0. */
double oed_quantile(double *v, size_t n, double q);

enum oed_boot_scheme { OED_BOOT_CLUSTERS, OED_BOOT_RECORDS };

/*
 * The statistic: given mult[0..nunits) (the replicate), write nstat values
 * to out.  0, or -1 with err set to stop.
 */
typedef int (*oed_boot_stat)(void *ctx, const uint64_t *mult, double *out, struct oed_err *err);

struct oed_boot {
	enum oed_boot_scheme scheme;
	size_t nunits;
	const uint64_t *counts;	/* OED_BOOT_RECORDS: records per unit */
	unsigned long replicates;
	double level;		/* 0.95 */
	uint64_t seed;
	const double *estimate;	/* the nstat full-sample values: basic intervals; NULL: percentile */
	double *bias;		/* NULL, or receives mean(replicates) - estimate per quantity */
	struct oed_progress *progress;	/* NULL, or where the replicates are shown (phase "bootstrap") */
};

/*
 * lo[0..nstat) and hi[0..nstat) receive the intervals (NAN where no
 * replicate gave a finite value).  0, or -1 with err set.
 */
int oed_bootstrap(const struct oed_boot *b, size_t nstat, oed_boot_stat stat, void *ctx,
		  double *lo, double *hi, struct oed_err *err);

#endif
