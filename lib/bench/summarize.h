/*
 * summarize.h: bench.summary records again from bench.item records, so
 * that the shards of one task (--shard I/N, one file each) combine into
 * the summary the whole run would have given: `oed-bench --summarize
 * part*.jsonl`.
 *
 * Items are grouped by model (in order of first appearance) and input;
 * each scorer's figures are computed exactly as a run computes them
 * (stats.h), with pass@k counting a sample as passed when its score is 1.
 * Records of other kinds are skipped; run-time counters (requests,
 * retries, wall time) are not in the items and are left out.
 */
#ifndef OED_BENCH_SUMMARIZE_H
#define OED_BENCH_SUMMARIZE_H

#include "diag.h"
#include "jsonw.h"
#include "opt.h"

/* 0, or -1 with err (bad records under --on-error=fail, I/O). */
int oed_bench_summarize(int nfiles, char *const *files, struct oed_input_opts *io,
			struct oed_writer *w, struct oed_err *err);

#endif
