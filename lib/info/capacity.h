/*
 * capacity.h: channel capacity by the Blahut-Arimoto algorithm, and
 * empowerment, the capacity of the channel from actions to next states.
 *
 * A channel is given by counts: cell c says input ai[c] was followed by
 * output xj[c] n[c] times (cells in any order; repeats add up).  Each input's row is normalised to its
 * conditional law W(x | a) = n(a, x) / n(a); inputs with no counts are not
 * part of the channel (nothing is known of them) and get probability 0.
 *
 * Blahut (1972) and Arimoto (1972): from the uniform input law p, repeat
 *   q(x) = sum_a p(a) W(x|a),  D(a) = sum_x W(x|a) log(W(x|a) / q(x)),
 *   p(a) <- p(a) exp(D(a)) / sum_a' p(a') exp(D(a')).
 * Each step brackets the capacity C (Blahut's theorem 2):
 *   log sum_a p(a) exp(D(a))  <=  C  <=  max_a D(a),
 * and the loop stops when the bracket is narrower than tol (in nats) or
 * after max_iter steps.  Each step costs O(cells), with no dense matrix.
 *
 * Empowerment of a state s (Klyubin, Polani and Nehaniv 2005) is the
 * capacity of the channel A -> X' observed at s: max over action laws of
 * I(A; X' | S = s).
 */
#ifndef OED_CAPACITY_H
#define OED_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "mi.h"

struct oed_progress;

struct oed_channel {
	size_t nin, nout, ncells;
	const size_t *ai, *xj;	/* input and output of each cell */
	const double *n;	/* its count, >= 0 */
};

struct oed_capacity {
	double capacity;	/* nats: the lower bound, C lies in [capacity, upper] */
	double upper;		/* nats: max_a D(a) */
	double gap;		/* upper - capacity, the tolerance reached */
	unsigned iterations;	/* updates of p made */
	bool converged;		/* gap <= tol */
	size_t inputs;		/* inputs with counts */
};

/*
 * Capacity of ch.  p, when not NULL, receives the input law reached
 * (nin entries, 0 for inputs without counts).  tol > 0 in nats; max_iter
 * >= 1.  An empty channel, or one with a single input, has capacity 0.
 * -1 with err on a negative or non-finite count, an index out of range, a
 * bad tol or max_iter, or out of memory.
 */
int oed_capacity(const struct oed_channel *ch, double tol, unsigned max_iter, double *p,
		 struct oed_capacity *out, struct oed_err *err);

/* The empowerment of one state. */
struct oed_empowerment {
	uint64_t state;
	double n;		/* records at this state */
	size_t actions, outcomes;	/* distinct actions and next states seen */
	struct oed_capacity c;
};

/*
 * Empowerment per state from (x = action, y = next state, z = state)
 * cells in any order (repeated keys add up).  *out (caller frees) gets one
 * entry per state in key order, *nstates how many.  Same errors as
 * oed_capacity.  progress (NULL: none) shows the states as phase
 * "capacity", moving on within a state as its iterations close the gap.
 */
int oed_empowerment(const struct oed_xyz *cells, size_t ncells, double tol, unsigned max_iter,
		    struct oed_progress *progress, struct oed_empowerment **out, size_t *nstates,
		    struct oed_err *err);

#endif
