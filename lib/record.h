/*
 * record.h: the normalised record of oed(7), the one every tool reads.
 *
 *   {"dataset":"…","input_id":"…","input":"…","output":"…","sample":0,
 *    "model":"…","ts":"RFC 3339","latency_ms":…,"tokens_in":…,
 *    "tokens_out":…,"meta":{…}}
 *
 * dataset, input_id and output are required, the rest optional.  Tools
 * that produce such records (oed-ingest, oed-bench, oed-monitor) fill a
 * struct oed_record and write it with oed_record_write, so the keys come
 * in one order and the optional ones are left out the same way.
 *
 * Ownership: every pointer in a record is borrowed; a record handed to a
 * sink lives only for that call.
 */
#ifndef OED_RECORD_H
#define OED_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "jsonw.h"

struct oed_record {
	const char *dataset;
	const char *input_id;
	const char *input;		/* NULL when absent */
	const char *output;		/* may hold NUL bytes: output_len counts */
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

/* Where a producer hands its records: 0 to go on, -1 to stop (err set). */
typedef int (*oed_record_sink)(const struct oed_record *rec, void *ctx, struct oed_err *err);

/* Write rec as one record line (keys in oed(7)'s order) through w, not yet emitted. */
void oed_record_write(struct oed_writer *w, const struct oed_record *rec);

#endif
