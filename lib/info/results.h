/*
 * results.h: the result records of an engine's counts, written as JSON
 * Lines and stored as metrics of a run.
 *
 * Ownership: the results own every string they hold; the engine may be
 * freed once they are computed.
 */
#ifndef OED_INFO_RESULTS_H
#define OED_INFO_RESULTS_H

#include "diag.h"
#include "engine.h"
#include "jsonw.h"

struct oed_results;

/*
 * Compute the results: one summary record (kind "entropy" or "mi"), then
 * entropy.group or mi.state records as asked.  The engine's count tables
 * are released on the way (their sorted copy is what the results need),
 * so results are computed once per engine.  NULL with err set.
 */
struct oed_results *oed_engine_results(struct oed_engine *e, const struct oed_engine_opts *o,
				       struct oed_err *err);
int oed_results_write(const struct oed_results *res, struct oed_writer *w);
/*
 * Store the run and every figure in the run store, one transaction:
 * oed_run_record (store.h) with io's store and run name; io->run_id is set.
 */
struct oed_input_opts;
int oed_results_record(const struct oed_results *res, struct oed_input_opts *io, const char *tool,
		       int argc, char *const *argv, const char *digest, struct oed_err *err);
void oed_results_free(struct oed_results *res);

#endif
