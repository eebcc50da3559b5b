/*
 * normalize_bench.c: throughput of each --normalize chain on prose that
 * is mostly ASCII, in CPU time, the best of five rounds.  Not a test: it
 * prints figures (bench/normalize.sh builds and runs it).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "equiv/normalize.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

int
main(void)
{
	/* trim alone is left out: it reads only the ends, whatever the length */
	static const char *const specs[] = { "space", "case", "punct", "number",
		"trim,space,case", "trim,space,case,punct", "trim,space,case,punct,number" };
	static const char *const words[] = { "The", "answer", "is", "42", "because", "of",
		"1,000", "reasons;", "however,", "Paris", "(France)", "costs", "$3.50.", "\n",
		"model", "output", "—", "Größe", "naïve", "über", "3.14159", "and", "THE", "end." };
	struct oed_norm n;
	struct oed_norm_scratch sc;
	struct oed_err err;
	char *text = malloc(2100);
	size_t total = 0, len = 0, rlen, reps = 1000;
	uint64_t seed = 7;
	struct timespec t0, t1;

	if (text == NULL)
		return 1;
	while (len < 2000) {
		const char *w = words[rng_next(&seed) % NELEM(words)];

		memcpy(text + len, w, strlen(w));
		len += strlen(w);
		text[len++] = ' ';
	}
	oed_norm_scratch_init(&sc);
	for (size_t k = 0; k < NELEM(specs); k++) {
		double best = HUGE_VAL;

		if (oed_norm_parse(specs[k], &n, &err) == -1) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		for (int round = 0; round < 5; round++) {
			double secs;

			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
			for (size_t i = 0; i < reps; i++)
				total += oed_norm_apply(&n, text, len, &sc, &rlen) ? rlen : 0;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			best = secs < best ? secs : best;
		}
		printf("normalize %-30s %7.0f MB/s on %zu-byte texts\n", specs[k],
		       (double)len * (double)reps / best / 1e6, len);
	}
	oed_norm_scratch_release(&sc);
	free(text);
	/* the output's total length keeps the loop from being optimised away */
	return total == 0;
}
