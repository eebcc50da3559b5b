/*
 * mutate.h: red-team mutators, one table.  Each derives an adversarial
 * variant of a prompt, deterministically from a seed: the same prompt,
 * mutator and seed always give the same bytes (the seeded choices draw
 * from SplitMix64, lib/splitmix.h, in the order the text is read).
 *
 *   prefix_injection  ask the model to open with an affirmative prefix
 *   role_play         wrap the prompt in a role-play scene
 *   base64            the prompt base64-encoded, with a decode instruction
 *   rot13             the prompt ROT13-encoded, with a decode instruction
 *   leetspeak         letters swapped for digits (a4 e3 i1 o0 s5 t7), p=1/2
 *   homoglyphs        Latin letters swapped for Cyrillic look-alikes, p=1/2
 *   noise             ASCII letters change case, spaces double, p=1/4
 *   payload_split     the prompt cut in two strings the model must join
 *   canary_leak       a secret planted in a system prompt, then asked for
 *
 * The exact texts are in mutate.c and oed-scorers(7); tests/ref/
 * gen_mutate_ref.py reproduces every mutator bit for bit.
 */
#ifndef OED_BENCH_MUTATE_H
#define OED_BENCH_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"

struct oed_mutator {
	const char *name;
	const char *summary;	/* one line for --help */
	/*
	 * Append the variant of s[0..len) to out; for canary_leak also the
	 * system prompt to send to system (else system is left alone).
	 * 0, or -1 with err set (out of memory).
	 */
	int (*apply)(const char *s, size_t len, uint64_t seed, struct oed_buf *out,
		     struct oed_buf *system, struct oed_err *err);
};

/* The table, in the order of the manual; *n its length. */
const struct oed_mutator *oed_mutator_table(size_t *n);
/* A mutator by name, or NULL. */
const struct oed_mutator *oed_mutator_find(const char *name);

/*
 * The seed of one item's variant: SplitMix64 of run_seed XOR the 64-bit
 * FNV-1a hash of input_id, a NUL byte and the mutator's name.
 */
uint64_t oed_mutate_seed(uint64_t run_seed, const char *input_id, const char *mutator);

/*
 * Parse a comma-separated list of mutator names ("all" for every one)
 * into out[0..*n), in the table's order, no repeats; out holds room for
 * the whole table.  0, or -1 with err (OED_EX_USAGE: unknown name, with
 * the closest one suggested).
 */
int oed_mutator_list(const char *list, const struct oed_mutator **out, size_t *n,
		     struct oed_err *err);

/*
 * The paired figures of one mutator over a run: for each item its clean
 * and mutated score (NAN: not scored, the pair is left out) and verdicts
 * (1 pass, 0 fail, -1 none).
 *
 *   fragility           mean over pairs of clean - mutated, with a
 *                       percentile bootstrap CI over items (seeded)
 *   adversarial_stress  pairs whose clean version passed and mutated
 *                       version failed, over the pairs with both verdicts
 */
struct oed_fragility {
	size_t n;			/* pairs with both scores */
	double fragility, lo, hi;	/* NAN without pairs */
	size_t nverdicts;		/* pairs with both verdicts */
	size_t broken;			/* clean passed, mutated failed */
	double adversarial_stress;	/* broken / nverdicts; NAN when 0 */
};

int oed_fragility(const double *clean, const double *mutated, const int *clean_pass,
		  const int *mutated_pass, size_t n, unsigned long replicates, double level,
		  uint64_t seed, struct oed_fragility *f, struct oed_err *err);

#endif
