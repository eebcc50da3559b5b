/*
 * Tokens per second of oed's tokenizer over a text file, one text per line
 * (JSON-escaped newlines are not unescaped: each line is one text).
 * Prints the vocabulary load time and, per encoding, total tokens, seconds,
 * tokens/s and MB/s.  Build from a configured tree (see bench/tokens.sh).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tokenizer.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	FILE *fp;
	char *buf = NULL, **lines = NULL;
	size_t cap = 0, n = 0, bytes = 0, lcap = 0;
	ssize_t got;

	if (argc < 3 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: tokens_bench TEXTS ENCODING...\n");
		return 2;
	}
	while ((got = getline(&buf, &cap, fp)) > 0) {
		if (n == lcap)
			lines = realloc(lines, (lcap = lcap ? lcap * 2 : 1024) * sizeof(*lines));
		buf[got - 1] = '\0';
		lines[n++] = strdup(buf);
		bytes += (size_t)got - 1;
	}
	fclose(fp);
	for (int e = 2; e < argc; e++) {
		struct oed_err err;
		double t0 = now(), t1, t2;
		struct oed_tokenizer *t = oed_tokenizer_open(argv[e], NULL, &err);
		size_t total = 0;

		if (t == NULL) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		t1 = now();
		for (size_t i = 0; i < n; i++)
			total += oed_tokenizer_count(t, lines[i], strlen(lines[i]), false);
		t2 = now();
		printf("oed-c\t%s\t%zu\t%.3f\t%.0f\t%.2f\tload %.1f ms\n", argv[e], total, t2 - t1,
		       total / (t2 - t1), bytes / 1e6 / (t2 - t1), (t1 - t0) * 1e3);
		oed_tokenizer_free(t);
	}
	return 0;
}
