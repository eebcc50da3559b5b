/*
 * jsonl.h: the JSON Lines reader every tool reads records through.
 *
 * It streams FILE... (or standard input) in order, never holding more than
 * one line, and keeps the place (file name, line number) for messages.
 * Files named .gz or .zst are decompressed as they are read (zstream.h).
 * Per line: a UTF-8 BOM at the start of a file and a CR before the LF are
 * dropped for parsing (kept in the reject copy), blank lines are skipped, a line longer than max_line is a bad
 * record.  Bad records go through the --on-error policy (reject.h).
 *
 * Access is by field: a tool names the fields it needs once with
 * oed_reader_want() and reads their values after each oed_reader_next().
 * Lines are decoded by the fast scanner (jscan.h) when it can; anything it
 * does not accept goes through jansson, which gives the error message.  A
 * valid record is any RFC 8259 object: jansson's limits are worked around
 * (JSON_ALLOW_NUL; numbers past its range rewritten in a copy of the
 * line), so only a field that is read can make a record bad for its value:
 * an integer past a long long reads as a double, and a number beyond a
 * double, there or inside, is "field 'F': number out of range".  Tools never walk
 * jansson trees for the common case; oed_reader_json()/oed_reader_root()
 * hand one out where a tool truly needs a tree (meta objects, vectors).
 *
 * Values and trees are borrowed: valid until the next oed_reader_next().
 */
#ifndef OED_JSONL_H
#define OED_JSONL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "field.h"
#include "reject.h"

enum oed_vtype {
	OED_V_MISSING,
	OED_V_NULL,
	OED_V_FALSE,
	OED_V_TRUE,
	OED_V_NUMBER,
	OED_V_STRING,
	OED_V_ARRAY,
	OED_V_OBJECT,
};

struct oed_value {
	enum oed_vtype type;
	/*
	 * STRING: decoded UTF-8 of len bytes, NUL-terminated; a \u0000 in
	 * the JSON is kept as a NUL byte inside, so use len, not strlen.
	 * NUMBER, from the scanner only (NULL from jansson): its text as
	 * written, borrowed from the line and not NUL-terminated (the
	 * digits of an integer past a long long, for one).
	 */
	const char *str;
	size_t len;
	double num;		/* NUMBER */
	bool is_int;		/* NUMBER written without fraction or exponent that fits a long long */
	long long i;		/* NUMBER when is_int */
	/*
	 * A number beyond a double, here or anywhere inside (NUMBER, ARRAY,
	 * OBJECT).  Set by the scanner only; the reader refuses such a record
	 * ("field 'F': number out of range"), so tools never see it set.
	 */
	bool overflow;
};

const char *oed_vtype_name(enum oed_vtype type);

struct oed_reader;

/* The longest line read when the caller gives no limit (--max-line). */
#define OED_DEFAULT_MAX_LINE ((size_t)64 << 20)

/*
 * files: names in order, "-" for standard input; nfiles == 0 reads stdin.
 * policy is borrowed and must outlive the reader.
 */
struct oed_reader *oed_reader_new(int nfiles, char *const *files, size_t max_line,
				  struct oed_policy *policy, struct oed_err *err);
void oed_reader_free(struct oed_reader *r);

/* Ask for a field; returns its index for oed_reader_value, or -1 (err set). */
int oed_reader_want(struct oed_reader *r, const char *path, struct oed_err *err);
/* Turn the fast scanner off (tests compare both paths). */
void oed_reader_set_fast(struct oed_reader *r, bool on);
/*
 * Keep an xxh3 digest of every input byte read (for the run store), after
 * decompression.  When it cannot be had (out of memory) oed_reader_next
 * fails rather than let a digest of 0 be recorded.
 */
void oed_reader_digest(struct oed_reader *r, bool on);

/*
 * Next record: 1 with a record, 0 at the end of input, -1 when the run must
 * stop (err set: OED_EX_FAIL for I/O, OED_EX_DATA for a bad record under
 * --on-error=fail, already reported).  Bad records under skip/reject are
 * handled here and never returned.
 */
int oed_reader_next(struct oed_reader *r, struct oed_err *err);

const struct oed_value *oed_reader_value(struct oed_reader *r, int index);
/* The value as a jansson tree (borrowed), NULL when missing. */
json_t *oed_reader_json(struct oed_reader *r, int index);
/* The whole record (borrowed). */
json_t *oed_reader_root(struct oed_reader *r);

/*
 * The tool found the current record bad (missing field, wrong type): apply
 * the policy.  Returns 0 to go on with the next record, -1 to stop (err
 * filled and reported, status OED_EX_DATA or OED_EX_FAIL).
 */
int oed_reader_bad(struct oed_reader *r, struct oed_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *oed_reader_source(const struct oed_reader *r);
long oed_reader_lineno(const struct oed_reader *r);
const char *oed_reader_line(const struct oed_reader *r, size_t *len);
uint64_t oed_reader_records(const struct oed_reader *r);	/* good records returned */
/*
 * Progress through the input: *done bytes of the files read so far (of
 * the compressed file for .gz and .zst), of *total, their size, or 0 when
 * it cannot be known (standard input from a pipe).
 */
void oed_reader_bytes(const struct oed_reader *r, uint64_t *done, uint64_t *total);
/*
 * Whether input already read waits in the reader's buffer, so that the
 * next oed_reader_next() need not read (and perhaps wait on a pipe).  A
 * tool that writes as it goes flushes its output before that wait.
 */
bool oed_reader_buffered(const struct oed_reader *r);
/* Hex digest of all bytes read so far (needs oed_reader_digest(r, true)). */
void oed_reader_digest_hex(const struct oed_reader *r, char out[17]);

#endif
