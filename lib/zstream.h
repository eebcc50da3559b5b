/*
 * zstream.h: the bytes of one input file, decompressed as they are read
 * when the file is named so.
 *
 * A name ending in .gz (gzip, or zlib) or .zst (zstd) is decoded as it is
 * read, a block at a time, never whole; members or frames one after the
 * other read as one stream, as zcat does.  A stream that ends inside a
 * member or frame is an error ("gzip data cut short: the file ends inside
 * it"), so a truncated download never reads as a shorter file.  Any other
 * name, and "-" (standard input), is read as it is, with read(2), so on a
 * pipe a read returns what has come; but data that starts with the magic
 * number of a compressor is refused with what to do instead ("gzip data:
 * use zcat or name it .gz"), never handed on as text.
 *
 * Errors: OED_EX_FAIL for I/O and memory, OED_EX_DATA (at the file, line
 * 0) for data that cannot be decoded.  Standard input is never closed.
 * The JSON Lines reader (jsonl.h), the CSV reader (ingest/csvin.h) and
 * oed-ingest's other readers all read through here.
 */
#ifndef OED_ZSTREAM_H
#define OED_ZSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

struct oed_zstream;

/* name "-" (or NULL) is standard input.  NULL with err set (cannot open, out of memory). */
struct oed_zstream *oed_zstream_open(const char *name, struct oed_err *err);
/* Safe on NULL. */
void oed_zstream_close(struct oed_zstream *z);

/*
 * Up to n (> 0) bytes into buf: how many (0 at the end of the stream), or
 * -1 with err set.  A read may return fewer than n before the end.
 */
ssize_t oed_zstream_read(struct oed_zstream *z, void *buf, size_t n, struct oed_err *err);

/* The name for messages: the file name, or "<stdin>". */
const char *oed_zstream_source(const struct oed_zstream *z);
/* Bytes of the file read so far (compressed bytes for .gz and .zst). */
uint64_t oed_zstream_consumed(const struct oed_zstream *z);

/*
 * The length of name without a .gz or .zst ending (any case), so that
 * "answers.csv.gz" is recognised by its ".csv".
 */
size_t oed_zstream_base_len(const char *name);
/* Whether name ends in .gz or .zst: it is decoded as it is read. */
bool oed_zstream_named_compressed(const char *name);

/*
 * The size in bytes of what name would read (for a percentage of
 * progress) into *size: a regular file's size, less the offset already
 * read of standard input.  false when it cannot be known (a pipe, a
 * terminal, no such file).
 */
bool oed_zstream_size_of(const char *name, uint64_t *size);

#endif
