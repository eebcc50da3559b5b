/*
 * Read a JSON Lines file through the oed reader, asking for input_id and
 * output, once with the fast scanner and once with jansson only; print
 * MB/s for each.  Build from a configured tree:
 *   cc -O2 -iquote lib -I. bench/jscan_bench.c lib/.libs/libcore.a $(pkg-config --libs jansson libxxhash) -o jscan_bench
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "jsonl.h"

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
	for (int fast = 1; fast >= 0; fast--) {
		struct oed_policy pol;
		struct oed_err err;
		struct oed_reader *r;
		double t0 = now(), t;
		unsigned long long n = 0, len = 0;

		oed_policy_init(&pol);
		r = oed_reader_new(argc - 1, argv + 1, 0, &pol, &err);
		oed_reader_set_fast(r, fast);
		int a = oed_reader_want(r, "input_id", &err), b = oed_reader_want(r, "output", &err);
		while (oed_reader_next(r, &err) == 1) {
			n++;
			len += oed_reader_value(r, a)->len + oed_reader_value(r, b)->len;
		}
		t = now() - t0;
		printf("%-8s %llu records, %.1f MB in %.3f s: %.0f MB/s (checksum %llu)\n",
		       fast ? "fast" : "jansson", n, oed_reader_bytes(r) / 1e6, t,
		       oed_reader_bytes(r) / 1e6 / t, len);
		oed_reader_free(r);
	}
	return 0;
}
