/*
 * libFuzzer target: the fast scanner against jansson on arbitrary bytes,
 * with the paths of tests/unit/jscan_diff.h.  A line the scanner accepts
 * must be one jansson accepts as an object, with the same values; any
 * disagreement aborts.  Built and run by hand, not by make check; from the
 * source tree, with BUILD a configured build directory (for config.h):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote lib -I$BUILD \
 *       -Itests/unit tests/fuzz/fuzz_jscan.c lib/jscan.c lib/field.c \
 *       lib/jsonl.c lib/diag.c lib/reject.c \
 *       $(pkg-config --cflags --libs jansson libxxhash) -lm -o fuzz_jscan
 *   mkdir -p corpus && ./fuzz_jscan -max_total_time=300 -max_len=512 \
 *       -dict=tests/fuzz/jscan.dict corpus/
 *
 * The input is the line as the reader hands it over: not NUL-terminated,
 * so ASan catches any read past its end.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jscan_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oed_path paths[DIFF_NPATHS];
	static struct oed_jscan *scan;
	char msg[256];

	if (scan == NULL) {
		struct oed_err err;

		for (size_t i = 0; i < DIFF_NPATHS; i++)
			if (oed_path_parse(&paths[i], diff_specs[i], &err) == -1)
				abort();
		scan = oed_jscan_new(paths, DIFF_NPATHS);
	}
	if (diff_line(scan, paths, (const char *)data, size, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "disagreement: %s\n", msg);
		abort();
	}
	return 0;
}
