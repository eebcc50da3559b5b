/*
 * state.h: an engine's counts as a state, JSON Lines that a later --merge
 * reads (see oed-entropy(1), STATES), for sharded runs.  A state holds the
 * parameters it was made with; states merge only when these agree, and
 * merging any split of the input gives the counts of a single pass.
 */
#ifndef OED_INFO_STATE_H
#define OED_INFO_STATE_H

#include <stdbool.h>

#include "diag.h"
#include "engine.h"
#include "jsonl.h"
#include "jsonw.h"

/* Write e's counts as a state to w.  0, or -1 with err set. */
int oed_engine_write_state(struct oed_engine *e, struct oed_writer *w, struct oed_err *err);

/*
 * Read states from r (every record of every file) into a new engine.
 * given: the parameters the user named on this command line, or NULL;
 * where set (non-NULL strings, and the booleans when given_missing), they
 * must agree with the states'.  NULL with err set.
 */
struct oed_engine *oed_engine_merge(struct oed_reader *r, enum oed_engine_kind kind,
				    const struct oed_engine_params *given, bool given_missing,
				    struct oed_err *err);

#endif
