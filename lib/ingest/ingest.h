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
 * writes it and may save it in the store), in input order.  Bad records go
 * through the --on-error policy in opts->policy (NULL: stop at the first);
 * the run fails with OED_EX_DATA when no record at all reached the sink.
 * With opts->tokenizer set, token counts are filled in before the sink.
 *
 * Ownership: opts owns its maps and inputs (oed_ingest_opts_release);
 * dataset, policy and tokenizer are borrowed.  A record and everything
 * it points to (meta included) live only for the sink call.
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
#include "record.h"
#include "reject.h"
#include "tokenizer.h"

enum oed_ingest_format {
	OED_FMT_AUTO,
	OED_FMT_MAP,
	OED_FMT_JSONL,
	OED_FMT_CSV,
	OED_FMT_OPENAI,
};

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
	bool delimiter_given;		/* --delimiter: the input is CSV */
	const char *batch_input;	/* openai: Batch input file joined by custom_id */
	/* ts: rfc3339 (NULL), epoch, epoch-ms or a strptime pattern; the
	 * pattern's zone: UTC (NULL), +hh:mm or an IANA name */
	const char *ts_format, *ts_zone;
	bool meta_rest;			/* unmapped source fields go into meta */
	size_t max_line;
	struct oed_policy *policy;
	/* Count tokens_in (of input) and tokens_out (of output) when a record
	 * has none; recount: replace those it has.  Borrowed; NULL: never. */
	struct oed_tokenizer *tokenizer;
	bool recount;
};

/*
 * What a run saw.  read counts the input items, good and bad: lines (jsonl,
 * openai), data rows (csv), outputs (map; an entry rejected whole, such as
 * an id not in the inputs, counts as one).  oed_ingest_unit names them.
 */
struct oed_ingest_stats {
	enum oed_ingest_format format;	/* the format read (after auto) */
	uint64_t read;
	uint64_t written;		/* records handed to the sink */
	uint64_t inputs_without_outputs;	/* map: inputs that got no output */
	uint64_t failed;		/* openai: requests that got an error, not an answer */
};

void oed_ingest_opts_init(struct oed_ingest_opts *o);
void oed_ingest_opts_release(struct oed_ingest_opts *o);
int oed_ingest_parse_format(const char *name, enum oed_ingest_format *out);
const char *oed_ingest_format_name(enum oed_ingest_format f);
/* "lines", "rows" or "outputs": what stats.read counts for format f. */
const char *oed_ingest_unit(enum oed_ingest_format f);
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


#endif
