/*
 * ingest.h: turning what users have into normalised records (oed(7)).
 *
 * Formats: map (a JSON object of outputs per input id, with the inputs
 * given as a JSON object {id: text}), jsonl (any JSON Lines, fields mapped
 * by path), csv (header row, columns mapped by name), openai (chat
 * completion responses and Batch API output lines).  Every format but map
 * streams; a map file is one JSON object and is parsed whole.
 *
 * Each normalised record goes to a sink the caller provides (the tool
 * writes it and may save it in the store).  Bad records go through the
 * --on-error policy in opts->policy.
 */
#ifndef OED_INGEST_H
#define OED_INGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "field.h"
#include "jsonw.h"
#include "reject.h"

enum oed_ingest_format {
	OED_FMT_AUTO,
	OED_FMT_MAP,
	OED_FMT_JSONL,
	OED_FMT_CSV,
	OED_FMT_OPENAI,
};

/* The normalised record; strings are borrowed for the sink call only. */
struct oed_record {
	const char *dataset;
	const char *input_id;
	const char *input;		/* NULL when absent */
	const char *output;
	size_t output_len;
	long long sample;
	const char *model;		/* NULL when absent */
	const char *ts;			/* RFC 3339, NULL when absent */
	double latency_ms;
	bool has_latency;
	long long tokens_in, tokens_out;
	bool has_tokens_in, has_tokens_out;
	json_t *meta;			/* borrowed object, NULL when absent */
};

typedef int (*oed_record_sink)(const struct oed_record *rec, void *ctx, struct oed_err *err);

/* One --map TARGET=SOURCE. */
struct oed_field_map {
	char *target;
	struct oed_path source;
};

struct oed_inputs_file {
	char *dataset;		/* NULL: the --dataset name */
	char *path;
};

struct oed_ingest_opts {
	enum oed_ingest_format format;
	const char *dataset;		/* --dataset */
	struct oed_inputs_file *inputs;	/* --inputs [NAME=]FILE, repeatable */
	size_t ninputs;
	struct oed_field_map *maps;	/* --map */
	size_t nmaps;
	char delimiter;			/* CSV */
	size_t max_line;
	struct oed_policy *policy;
};

struct oed_ingest_stats {
	uint64_t read;		/* outputs (map), lines (jsonl, openai), rows (csv) */
	uint64_t written;
	uint64_t inputs_without_outputs;	/* map: inputs that got no output */
};

void oed_ingest_opts_init(struct oed_ingest_opts *o);
void oed_ingest_opts_release(struct oed_ingest_opts *o);
int oed_ingest_parse_format(const char *name, enum oed_ingest_format *out);
const char *oed_ingest_format_name(enum oed_ingest_format f);
/* Parse "TARGET=SOURCE" into opts; 0 or -1 (err, usage). */
int oed_ingest_add_map(struct oed_ingest_opts *o, const char *arg, struct oed_err *err);
/* Parse "[NAME=]FILE"; 0 or -1. */
int oed_ingest_add_inputs(struct oed_ingest_opts *o, const char *arg, struct oed_err *err);
/* Decide the format of files for OED_FMT_AUTO; 0 or -1 (err, usage). */
int oed_ingest_detect(const struct oed_ingest_opts *o, int nfiles, char *const *files,
		      enum oed_ingest_format *out, struct oed_err *err);

/*
 * Read files (or stdin) in the given format and hand every record to sink.
 * 0 when all input was read; -1 when the run stopped (err set and, for bad
 * data, already reported).
 */
int oed_ingest(const struct oed_ingest_opts *o, int nfiles, char *const *files,
	       oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats,
	       struct oed_err *err);

/* Write rec as one normalised JSON line (keys in oed(7)'s order). */
void oed_record_write(struct oed_writer *w, const struct oed_record *rec);

/* "2026-11-22T10:00:00Z" from epoch seconds. */
void oed_epoch_to_rfc3339(double secs, char out[40]);

/* --- CSV (csvin.c): rows of a file with a header, streamed through libcsv --- */
struct oed_csv;
typedef int (*oed_csv_row)(struct oed_csv *csv, void *ctx, struct oed_err *err);
struct oed_csv *oed_csv_open(const char *path, char delimiter, size_t max_line,
			     struct oed_err *err);
void oed_csv_close(struct oed_csv *csv);
/* Calls row() for each data row; 0 at the end, -1 on error or when row() says stop. */
int oed_csv_each(struct oed_csv *csv, oed_csv_row row, void *ctx, struct oed_err *err);
size_t oed_csv_columns(const struct oed_csv *csv);
const char *oed_csv_header(const struct oed_csv *csv, size_t i);
int oed_csv_column(const struct oed_csv *csv, const char *name);	/* -1 when absent */
size_t oed_csv_fields(const struct oed_csv *csv);	/* in the current row */
const char *oed_csv_field(const struct oed_csv *csv, size_t i, size_t *len);
const char *oed_csv_source(const struct oed_csv *csv);
long oed_csv_row_line(const struct oed_csv *csv);	/* line where the row starts */
const char *oed_csv_raw(const struct oed_csv *csv, size_t *len);	/* its bytes */

#endif
