/*
 * The jansson floor: parse every line with jansson, take input_id and
 * output, and count distinct (input_id, output) pairs in a hash table.
 * What any jansson-based tool must at least spend.  Build:
 *   cc -O2 bench/jansson_floor.c $(pkg-config --cflags --libs jansson libxxhash) -o jansson_floor
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int
main(int argc, char **argv)
{
	FILE *fp = argc > 1 ? fopen(argv[1], "r") : stdin;
	size_t cap = 1 << 22, used = 0, n = 0, lcap = 0;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	char *line = NULL;
	ssize_t len;

	if (fp == NULL || keys == NULL)
		return 1;
	while ((len = getline(&line, &lcap, fp)) > 0) {
		json_t *j = json_loadb(line, (size_t)len, 0, NULL);
		const char *x, *y;
		uint64_t k;
		size_t i;

		if (j == NULL)
			continue;
		x = json_string_value(json_object_get(j, "input_id"));
		y = json_string_value(json_object_get(j, "output"));
		if (x && y) {
			k = XXH3_64bits_withSeed(y, strlen(y), XXH3_64bits(x, strlen(x))) | 1;
			for (i = k & (cap - 1); keys[i] && keys[i] != k; i = (i + 1) & (cap - 1))
				;
			if (!keys[i]) {
				keys[i] = k;
				used++;
			}
			n++;
		}
		json_decref(j);
	}
	printf("%zu records, %zu distinct pairs\n", n, used);
	return 0;
}
