/*
 * engine.h: the streaming information engine behind oed-entropy and
 * oed-mi.
 *
 * One pass over records counts classes into exact tables (counts.h):
 *   xy    (x, y) pairs; x is 0 when there is no X (-x none)
 *   zxy   (z, x, y) triples, for I(X;Y|Z) (-z) and for empowerment, where
 *         z is the state, x the action and y the next state
 * with exact histograms of the output lengths in code points and, with
 * --tokens, in tokens (lenstats.h), and the text of each x (or state) only
 * when output must name it.  Values are hashed to 64-bit fingerprints
 * (see counts.h for the collision odds), so memory grows with the number
 * of distinct classes, not with the input.
 *
 * What counts as the same output is decided here, in this order:
 * --cluster-field (the class is that field), else --extract (capture
 * group 1 of the first match; outputs with no match form one class of
 * their own, reported as no_match), then --normalize on what was
 * extracted, then --cluster (per input, over the distinct classes).
 * Lengths are always those of the raw output.
 *
 * Everything that decides what is counted is in struct oed_engine_params
 * and is written into a state (--emit-state); states merge only when
 * their parameters agree.  Everything that only decides how results are
 * computed from the counts (estimator, base, intervals) is in struct
 * oed_engine_opts and may be given at merge time.
 *
 * Results are computed from the sorted tables, so a single pass, any
 * split of the input, and any order of records give the same bytes.  The
 * math is the info module's: entropies by estimators.h, MI, NMI, AMI and
 * CMI by mi.h and estimators.h, capacity by capacity.h; the engine only
 * gathers the counts they take, and resamples them for intervals
 * (bootstrap.h).
 *
 * Ownership: oed_engine_new copies the strings of the parameters; the
 * engine owns its tables.  Values read from a reader are used before the
 * next oed_reader_next().
 */
#ifndef OED_INFOENGINE_H
#define OED_INFOENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "jsonl.h"
#include "jsonw.h"

enum oed_engine_kind { OED_ENGINE_ENTROPY, OED_ENGINE_MI };

/* What is counted.  NULL strings are options not given. */
struct oed_engine_params {
	enum oed_engine_kind kind;
	const char *x;			/* NULL: no X (-x none) */
	const char *y;
	const char *z;			/* oed-mi -z */
	const char *w;			/* weight field */
	const char *action, *state, *next;	/* empowerment: all three or none */
	bool missing_class;		/* --missing=class */
	const char *normalize;		/* --normalize chain */
	const char *extract;		/* --extract REGEX */
	const char *cluster;		/* --cluster jaccard:T */
	const char *cluster_field;	/* --cluster-field F */
	uint64_t cluster_seed;		/* --seed, for the MinHash of --cluster */
	const char *tokens;		/* --tokens ENCODING|MODEL */
	bool waste;			/* --waste: token waste per (input, class), by tokens */
	bool names;			/* keep the text of each x (state) */
};

struct oed_progress;

/* How results are computed and written. */
struct oed_engine_opts {
	const char *estimator;		/* NULL: plugin */
	unsigned long classes;		/* --classes K; 0: the classes seen */
	const char *base;		/* "2", "e" or "10" */
	const char *average;		/* NMI/AMI normaliser; NULL: arithmetic */
	bool per_group;			/* entropy.group / mi.state records */
	unsigned long top;		/* the N least consistent inputs; 0: none */
	double ci;			/* interval level; 0: none */
	unsigned long bootstrap;	/* replicates */
	uint64_t seed;
	bool capacity;			/* Blahut-Arimoto per state */
	double tolerance;		/* capacity: stop when the bounds are this close, in base units */
	unsigned long max_iter;		/* capacity: iteration limit per state */
	struct oed_progress *progress;	/* where bootstrap and capacity show their way; NULL: nowhere */
};

/* The defaults, each given here and nowhere else. */
#define OED_ENGINE_OPTS_INIT {						\
	.estimator = NULL,		/* plugin */			\
	.base = "2",							\
	.bootstrap = 1000,						\
	.seed = 1,							\
	.tolerance = 1e-9,						\
	.max_iter = 10000,						\
}

struct oed_engine;

/* Check and copy the parameters; NULL with err set (OED_EX_USAGE for bad options). */
struct oed_engine *oed_engine_new(const struct oed_engine_params *p, struct oed_err *err);
void oed_engine_free(struct oed_engine *e);
const struct oed_engine_params *oed_engine_params(const struct oed_engine *e);

/* Check result options against the parameters; 0, or -1 with err (OED_EX_USAGE). */
int oed_engine_check_opts(const struct oed_engine *e, const struct oed_engine_opts *o,
			  struct oed_err *err);

/* Ask r for the fields the parameters name; 0 or -1 with err set. */
int oed_engine_bind(struct oed_engine *e, struct oed_reader *r, struct oed_err *err);
/*
 * Count r's current record.  A record missing a field it needs, or with a
 * value of the wrong type, goes to oed_reader_bad().  0 when the run goes
 * on (counted or skipped), -1 when it must stop (err set; OED_EX_DATA
 * errors are already reported).
 */
int oed_engine_add(struct oed_engine *e, struct oed_reader *r, struct oed_err *err);
/* The records counted so far (weight 0 included, bad records not). */
uint64_t oed_engine_records(const struct oed_engine *e);

/* Whether an estimator (NULL: plugin) uses --classes; false for unknown names. */
bool oed_engine_uses_classes(const char *estimator);

#endif
