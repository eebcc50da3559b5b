/*
 * jsonw.h: the JSON Lines writer.  Records are built key by key into a
 * buffer and written whole, so a record is never half on stdout unless the
 * process is killed mid-write.
 *
 * Output is compact UTF-8, keys in the order the tool writes them (a stable
 * order is the tool's contract), numbers in the shortest form that reads
 * back to the same double.  A non-finite number is written as null with one
 * warning per key.  A write error is sticky and reported by the return of
 * oed_w_end(); EPIPE (| head) is left to SIGPIPE, which ends the tool
 * quietly with status 141.
 *
 * Inside an array pass key == NULL.
 */
#ifndef OED_JSONW_H
#define OED_JSONW_H

#define OED_TABLE_BLOCK 1000

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct oed_writer {
	FILE *fp;
	struct oed_buf buf;	/* the record being built */
	int depth;
	unsigned long long first;	/* bit per depth: nothing written yet */
	bool failed;
	char warned[8][48];		/* keys already warned about (non-finite) */
	int nwarned;
	bool table;			/* collect records, print them as tables on release */
	json_t *rows;			/* the records collected, with table */
};

/*
 * Human output.  OED_OUT_AUTO: a table when standard output is a terminal,
 * else JSON Lines.  With a table, a writer on stdout collects its records
 * and oed_writer_release prints one aligned table per record kind: the
 * columns are the keys in first-seen order, nested objects flattened with
 * dots, cells longer than 40 columns cut with an ellipsis.  Set before
 * oed_writer_init (--json, --table).  A long stream is printed in blocks of
 * OED_TABLE_BLOCK records, each block its own tables, so memory stays bounded.
 */
enum oed_out_mode { OED_OUT_AUTO, OED_OUT_JSON, OED_OUT_TABLE };
void oed_writer_mode(enum oed_out_mode mode);

void oed_writer_init(struct oed_writer *w, FILE *fp);
void oed_writer_release(struct oed_writer *w);

void oed_w_begin(struct oed_writer *w);		/* { */
int oed_w_end(struct oed_writer *w);		/* }\n and write; 0 or -1 */
/* Close the record without writing; line and len (newline included) stay valid until oed_w_begin. */
void oed_w_close(struct oed_writer *w, const char **line, size_t *len);
int oed_w_emit(struct oed_writer *w);		/* write the closed record; 0 or -1 */
void oed_w_obj_begin(struct oed_writer *w, const char *key);
void oed_w_obj_end(struct oed_writer *w);
void oed_w_arr_begin(struct oed_writer *w, const char *key);
void oed_w_arr_end(struct oed_writer *w);

void oed_w_str(struct oed_writer *w, const char *key, const char *s);
void oed_w_strn(struct oed_writer *w, const char *key, const char *s, size_t n);
void oed_w_num(struct oed_writer *w, const char *key, double v);
void oed_w_int(struct oed_writer *w, const char *key, long long v);
void oed_w_uint(struct oed_writer *w, const char *key, unsigned long long v);
void oed_w_bool(struct oed_writer *w, const char *key, bool v);
void oed_w_null(struct oed_writer *w, const char *key);
/* A jansson value, with oed's number format; objects keep their order. */
void oed_w_json(struct oed_writer *w, const char *key, const json_t *v);
/* Pre-formatted JSON text, trusted to be valid. */
void oed_w_raw(struct oed_writer *w, const char *key, const char *json, size_t n);

/* Shortest decimal that reads back to v (finite v); returns its length. */
int oed_fmt_double(char out[32], double v);
/* Append s[0..n) as a JSON string literal (quotes included) to b; 0 or -1 (out of memory). */
int oed_json_quote(struct oed_buf *b, const char *s, size_t n);

#endif
