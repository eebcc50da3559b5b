/*
 * libFuzzer target: the CSV reader (lib/ingest/csvin.c) on arbitrary bytes, under
 * --on-error=skip with a small line limit, so stray and unclosed quotes,
 * over-long rows and the re-reading after them are all reached.  Aborts
 * when a row starts on an earlier line than the one before it (a bare CR
 * may end a row within a line) or past the last line, when a field's
 * length disagrees with its bytes, when the bad rows counted differ from
 * the policy's, or when the read fails for anything but a bad header.
 * Built and run by hand, not by make check; from the source tree, with
 * BUILD a configured build directory (for config.h):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote lib -I$BUILD \
 *       tests/fuzz/fuzz_csv.c lib/ingest/csvin.c lib/buf.c lib/diag.c lib/reject.c \
 *       $(pkg-config --cflags --libs jansson) -lcsv -lm -o fuzz_csv
 *   mkdir -p corpus-csv && ./fuzz_csv -max_total_time=300 -max_len=4096 \
 *       -close_fd_mask=2 -dict=tests/fuzz/csv.dict corpus-csv/
 *
 * The bytes reach the reader through a memory file named by /proc/self/fd,
 * as a real file would.
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ingest/csvin.h"
#include "exit.h"
#include "reject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	long last;
	long lines;
};

static int
row(struct oed_csv *c, void *ctx, struct oed_err *err)
{
	struct seen *s = ctx;
	long line = oed_csv_row_line(c);

	(void)err;
	if (line < s->last || line < 1 || line > s->lines)
		abort();
	s->last = line;
	for (size_t i = 0; i < oed_csv_fields(c); i++) {
		size_t len;
		const char *f = oed_csv_field(c, i, &len);

		if (f == NULL || f[len] != '\0')
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	struct oed_policy p;
	struct oed_err err;
	struct oed_csv *c;
	struct seen s = { 0, 1 };
	int rc;

	if (fd == -1 && (fd = memfd_create("fuzz.csv", 0)) == -1)
		abort();
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	for (size_t i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	oed_policy_init(&p);
	p.mode = OED_ON_ERROR_SKIP;
	c = oed_csv_open(path, size && data[0] == ';' ? ';' : ',', 64, &p, &err);
	if (c == NULL)
		abort();
	rc = oed_csv_each(c, row, &s, &err);
	if (rc != 0 && (err.status != OED_EX_DATA || oed_csv_columns(c) != 0))
		abort();
	if (oed_csv_bad_rows(c) != p.bad)
		abort();
	oed_csv_close(c);
	oed_policy_release(&p);
	return 0;
}
