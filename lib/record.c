/* The normalised record's writer (record.h). */
#include "config.h"
#include "record.h"

void
oed_record_write(struct oed_writer *w, const struct oed_record *r)
{
	oed_w_begin(w);
	oed_w_str(w, "dataset", r->dataset);
	oed_w_str(w, "input_id", r->input_id);
	if (r->input)
		oed_w_str(w, "input", r->input);
	oed_w_strn(w, "output", r->output, r->output_len);
	oed_w_int(w, "sample", r->sample);
	if (r->model)
		oed_w_str(w, "model", r->model);
	if (r->ts)
		oed_w_str(w, "ts", r->ts);
	if (r->has_latency)
		oed_w_num(w, "latency_ms", r->latency_ms);
	if (r->has_tokens_in)
		oed_w_int(w, "tokens_in", r->tokens_in);
	if (r->has_tokens_out)
		oed_w_int(w, "tokens_out", r->tokens_out);
	if (r->meta)
		oed_w_json(w, "meta", r->meta);
}
