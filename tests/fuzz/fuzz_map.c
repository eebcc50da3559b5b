/*
 * libFuzzer target: oed-ingest's map format (lib/ingest/ingest.c) on arbitrary
 * bytes, as an outputs file under --on-error=skip.  The run must either
 * refuse the file as bad data or hand over records whose output is valid
 * UTF-8 of the length given, whose input id holds no NUL, and whose sample
 * numbers are below the count of values read; a file that jansson reads
 * as an object of lists of strings must give exactly its strings.  Built
 * and run by hand, not by make check; from the source tree, with BUILD a
 * configured build directory (for config.h):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote lib -I$BUILD \
 *       tests/fuzz/fuzz_map.c lib/ingest/ingest.c lib/ingest/csvin.c lib/jsonl.c \
 *       lib/jscan.c lib/jsonw.c lib/field.c lib/diag.c lib/reject.c \
 *       lib/utf8.c lib/tokenizer.c lib/base64.c lib/time.c lib/map.c \
 *       lib/buf.c lib/record.c \
 *       lib/provider/openai_response.c \
 *       $(pkg-config --cflags --libs jansson libxxhash libpcre2-8) \
 *       -lcsv -lm -o fuzz_map
 *   mkdir -p corpus-map && ./fuzz_map -max_total_time=300 -max_len=2048 \
 *       -close_fd_mask=2 -dict=tests/fuzz/map.dict corpus-map/
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exit.h"
#include "ingest/ingest.h"
#include "reject.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct got {
	uint64_t n;
	json_t *strings;	/* the outputs, in order */
};

static int
sink(const struct oed_record *rec, void *ctx, struct oed_err *err)
{
	struct got *g = ctx;

	(void)err;
	if (rec->output == NULL || rec->input_id == NULL || rec->dataset == NULL)
		abort();
	if (!oed_utf8_valid(rec->output, rec->output_len) || rec->output[rec->output_len] != '\0')
		abort();
	if (rec->sample < 0)
		abort();
	json_array_append_new(g->strings, json_stringn(rec->output, rec->output_len));
	g->n++;
	return 0;
}

/* What jansson makes of the file when it is a flat object of lists of strings: those strings. */
static json_t *
reference(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
				  NULL), *v, *s, *all;
	const char *k;
	size_t i;

	if (!json_is_object(root))
		goto no;
	all = json_array();
	json_object_foreach(root, k, v) {
		if (!json_is_array(v) || strchr(k, '/'))
			goto mixed;
		json_array_foreach(v, i, s)
			if (!json_is_string(s))
				goto mixed;
		json_array_extend(all, v);
	}
	json_decref(root);
	return all;
mixed:
	json_decref(all);
no:
	json_decref(root);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], *files[1] = { path };
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_policy p;
	struct oed_err err;
	struct got g = { 0, json_array() };
	json_t *want;
	int rc;

	if (fd == -1 && (fd = memfd_create("fuzz.json", 0)) == -1)
		abort();
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	oed_policy_init(&p);
	p.mode = OED_ON_ERROR_SKIP;
	oed_ingest_opts_init(&o);
	o.format = OED_FMT_MAP;
	o.dataset = "d";
	o.policy = &p;
	o.max_line = 1 << 20;
	rc = oed_ingest(&o, 1, files, sink, &g, &st, &err);
	if (rc != 0 && err.status != OED_EX_DATA)
		abort();
	if (rc == 0 && (g.n != st.written || st.written + p.bad < st.read))
		abort();
	want = reference(data, size);
	if (want && json_array_size(want) > 0 && !json_equal(want, g.strings))
		abort();
	json_decref(want);
	json_decref(g.strings);
	oed_ingest_opts_release(&o);
	oed_policy_release(&p);
	return 0;
}
