/*
 * libFuzzer target: the fast scanner against jansson on arbitrary bytes.
 * Any line the scanner accepts must be one jansson accepts, with the same
 * values; a disagreement aborts.  Built and run by hand, not by make check:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -I<builddir> \
 *       -Itests/unit tests/fuzz/fuzz_jscan.c lib/jscan.c lib/field.c \
 *       lib/jsonl.c lib/diag.c lib/reject.c -ljansson -lxxhash -o fuzz_jscan
 *   ./fuzz_jscan -max_total_time=300 -max_len=512 corpus/
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
