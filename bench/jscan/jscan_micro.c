/*
 * jscan_micro: the fast scanner against jansson on lines held in memory,
 * so that reading and line splitting do not count.  Each line is scanned
 * with oed_jscan_line() asking for the given fields, then parsed with
 * json_loadb() and the same fields looked up; MB/s counts line bytes.
 *
 * Build from a configured build tree (BUILD) and run on a corpus made by
 * bench/gen_corpus.py:
 *   cc -O2 -iquote $SRC/lib -I$BUILD $SRC/bench/jscan/jscan_micro.c \
 *       $BUILD/lib/.libs/libcore.a $(pkg-config --libs jansson libxxhash) \
 *       -lm -o jscan_micro
 *   ./jscan_micro corpus.jsonl [FIELD...]     (default: input_id output)
 *
 * With JSCAN_ONLY set in the environment jansson is not run, so that
 * `perf stat -e cycles:u` counts the scanner alone (the machine may be
 * shared, and cycles vary less than seconds).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "jscan.h"

struct line {
	const char *p;
	size_t n;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *name, size_t *size)
{
	FILE *fp = fopen(name, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				exit(1);
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	fclose(fp);
	*size = n;
	return buf;
}

int
main(int argc, char **argv)
{
	static const char *const defaults[] = { "input_id", "output" };
	const char *const *specs = argc > 2 ? (const char *const *)argv + 2 : defaults;
	size_t nspecs = argc > 2 ? (size_t)argc - 2 : 2, size, nlines = 0, cap = 0;
	struct oed_path *paths = calloc(nspecs, sizeof(*paths));
	struct oed_value *vals = calloc(nspecs, sizeof(*vals));
	struct line *lines = NULL;
	struct oed_jscan *scan;
	struct oed_err err;
	unsigned long long sum = 0, sum2 = 0, accepted = 0;
	double t, best = 1e9;
	char *buf;

	if (argc < 2 || (buf = slurp(argv[1], &size)) == NULL) {
		fprintf(stderr, "usage: jscan_micro FILE [FIELD...]\n");
		return 2;
	}
	for (size_t i = 0; i < nspecs; i++)
		if (oed_path_parse(&paths[i], specs[i], &err) == -1)
			return 2;
	for (char *p = buf, *e; p < buf + size; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(buf + size - p))) == NULL)
			e = buf + size;
		if (nlines == cap && (lines = realloc(lines, (cap = cap * 2 + 1024) * sizeof(*lines))) == NULL)
			return 1;
		lines[nlines].p = p;
		lines[nlines++].n = (size_t)(e - p);
	}
	if ((scan = oed_jscan_new(paths, nspecs)) == NULL)
		return 1;
	/* best of five passes: the machine may be shared */
	for (int rep = 0; rep < 5; rep++) {
		t = now();
		accepted = 0;
		for (size_t i = 0; i < nlines; i++) {
			if (oed_jscan_line(scan, lines[i].p, lines[i].n, vals) == 1) {
				accepted++;
				for (size_t k = 0; k < nspecs; k++)
					sum += vals[k].len;
			}
		}
		t = now() - t;
		if (t < best)
			best = t;
	}
	printf("jscan    %zu lines (%llu accepted), %.1f MB: %.0f MB/s\n", nlines, accepted,
	       (double)size / 1e6, (double)size / 1e6 / best);
	best = 1e9;
	for (int rep = 0; rep < (getenv("JSCAN_ONLY") ? 0 : 2); rep++) {
		t = now();
		for (size_t i = 0; i < nlines; i++) {
			json_t *root = json_loadb(lines[i].p, lines[i].n, 0, NULL);

			for (size_t k = 0; k < nspecs && root; k++) {
				json_t *v = oed_path_get(&paths[k], root);

				if (json_is_string(v))
					sum2 += json_string_length(v);
			}
			json_decref(root);
		}
		t = now() - t;
		if (t < best)
			best = t;
	}
	if (!getenv("JSCAN_ONLY"))
		printf("jansson  %zu lines, %.1f MB: %.0f MB/s\n", nlines, (double)size / 1e6,
		       (double)size / 1e6 / best);
	printf("string bytes per pass: jscan %llu, jansson %llu\n", sum / 5, sum2 / 2);
	oed_jscan_free(scan);
	for (size_t i = 0; i < nspecs; i++)
		oed_path_release(&paths[i]);
	free(paths);
	free(vals);
	free(lines);
	free(buf);
	return 0;
}
