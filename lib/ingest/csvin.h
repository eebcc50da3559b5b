/*
 * csvin.h: CSV files with a header row, streamed through libcsv.
 *
 * The file is read in blocks and fed to libcsv a physical line at a time,
 * so every row knows the line it starts on and its raw bytes (for messages
 * and for --on-error=reject), and memory stays bounded by max_line whatever
 * the file holds.  A quoted field may span lines; the row then ends on a
 * later line.  A UTF-8 BOM at the start is dropped; CRLF ends are accepted;
 * blank lines are skipped; spaces around a field belong to it (RFC 4180).
 *
 * Rows that cannot be split into fields (a stray quote, a row longer than
 * max_line, a quoted field still open at the end of the file) go through
 * the --on-error policy given to oed_csv_open as one bad row at the line
 * where the row started.  A row that had spread over several lines is
 * taken to be a quote that never closed: its first line is the bad row
 * (reported, and copied under reject=FILE) and reading resumes on the line
 * after it, so the rows a stray quote swallowed are read again and kept.
 * A fault on a row's first line drops the rest of that line.  With a NULL
 * policy such a row stops the read.  Rows that split fine but hold wrong
 * values are the caller's to judge (see oed_csv_raw for the bytes to copy).
 *
 * Field and header strings are owned by the oed_csv and valid until the
 * row callback returns (header strings until oed_csv_close).
 */
#ifndef OED_CSVIN_H
#define OED_CSVIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "reject.h"

struct oed_csv;

/* A data row is ready: 0 to go on, -1 to stop (err set). */
typedef int (*oed_csv_row)(struct oed_csv *csv, void *ctx, struct oed_err *err);

/* path NULL or "-" is standard input.  policy may be NULL; it is borrowed. */
struct oed_csv *oed_csv_open(const char *path, char delimiter, size_t max_line,
			     struct oed_policy *policy, struct oed_err *err);
void oed_csv_close(struct oed_csv *csv);

/*
 * Read the header, then call row() for each data row.  0 at the end of the
 * file, -1 on an I/O error, a malformed row under --on-error=fail, or when
 * row() says stop (err set; bad data already reported).
 */
int oed_csv_each(struct oed_csv *csv, oed_csv_row row, void *ctx, struct oed_err *err);

size_t oed_csv_columns(const struct oed_csv *csv);		/* in the header */
const char *oed_csv_header(const struct oed_csv *csv, size_t i);
int oed_csv_column(const struct oed_csv *csv, const char *name);	/* first match, -1 when absent */
int oed_csv_column_count(const struct oed_csv *csv, const char *name);	/* header cells so named */
size_t oed_csv_fields(const struct oed_csv *csv);		/* in the current row */
/* Field i of the current row, NUL-terminated (it may hold NULs too); NULL past the end. */
const char *oed_csv_field(const struct oed_csv *csv, size_t i, size_t *len);
const char *oed_csv_source(const struct oed_csv *csv);	/* file name or "<stdin>" */
long oed_csv_row_line(const struct oed_csv *csv);	/* line where the current row starts */
/* The current row's bytes as read, line ends included. */
const char *oed_csv_raw(const struct oed_csv *csv, size_t *len);
uint64_t oed_csv_bad_rows(const struct oed_csv *csv);	/* rows that could not be split */

#endif
