/*
 * score.h: the scorer registry.  One table row per scorer (lib/score/
 * registry.c) answers everything about it: its parameters with types and
 * defaults, what it needs (a target, samples of the same input, a
 * tokenizer, a provider), the kind of result it gives and how a run
 * aggregates it.  Help text, the list in oed-scorers(7), YAML validation
 * and "unknown scorer 'x', did you mean 'y'" all come from that table.
 *
 * A scorer is used through a spec: the scorer's row plus the parameters
 * one use of it was given, parsed and checked once (a regex compiled, a
 * tokenizer opened), then applied to any number of outputs.
 *
 *	contains:refund			first parameter given positionally
 *	not_contains:value=sorry	not_ negates a pass/fail or [0,1] scorer
 *	regex:pattern=^\d{1,3}$,ignore_case=true
 *	length:max=200,unit=tokens,weight=2
 *	f1:threshold=0.8,as=f1_strict
 *
 * The compact text form splits parameters at a comma followed by a known
 * parameter name and '=' (so a pattern may hold commas); "\," and "\\"
 * escape a comma and a backslash elsewhere.  A list parameter takes
 * several values separated by '|' ("\|" for a literal bar) in the compact
 * form; from key/value pairs (YAML) each occurrence of the key adds one
 * value, taken literally.
 *
 * Ownership: a spec owns its copies of every string and its compiled
 * state; oed_scorer_spec_free() releases it (NULL is fine).  A spec keeps
 * scratch buffers, so one spec serves one thread at a time.  A result
 * owns its reason text: oed_score_result_release() frees it.
 */
#ifndef OED_SCORE_H
#define OED_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "jsonw.h"
#include "reject.h"

/* What a scorer's value means. */
enum oed_score_kind {
	OED_SCORE_PASS,		/* 1 or 0; pass when 1 */
	OED_SCORE_UNIT,		/* a number in [0,1]; pass only with threshold= */
	OED_SCORE_NUMBER,	/* any number (latency, tokens); pass from its bounds */
	OED_SCORE_LABEL,	/* a string (finish_reason) */
};

/* How a run sums a scorer up over items (bench.summary). */
enum oed_score_agg {
	OED_AGG_MEAN,		/* mean with standard error */
	OED_AGG_CORPUS,		/* recomputed over the corpus (BLEU, chrF) */
	OED_AGG_SUM,		/* a total (waste tokens, cost) */
	OED_AGG_COUNT,		/* counts per label */
};

/* What a scorer needs besides the output (flags). */
#define OED_NEEDS_TARGET	0x1u	/* a reference, unless value= is given */
#define OED_NEEDS_SAMPLES	0x2u	/* the other samples of the same input */
#define OED_NEEDS_TOKENIZER	0x4u	/* libcore's tokenizer */
#define OED_NEEDS_PROVIDER	0x8u	/* a model (judges) */
#define OED_NEEDS_CHOICES	0x10u	/* the item's choices (optional) */
#define OED_NEEDS_META		0x20u	/* latency, cost, finish reason */

enum oed_param_type {
	OED_PARAM_STRING,
	OED_PARAM_LIST,		/* one or more strings */
	OED_PARAM_BOOL,		/* true/false, yes/no, 1/0 */
	OED_PARAM_INT,
	OED_PARAM_NUMBER,
	OED_PARAM_ENUM,		/* one of choices, '|'-separated */
	OED_PARAM_REGEX,	/* PCRE2, compiled when parsed */
};

struct oed_scorer_param {
	const char *name;
	enum oed_param_type type;
	const char *def;	/* default as text; NULL: none (unset) */
	const char *help;
	const char *choices;	/* OED_PARAM_ENUM: "chars|words|tokens" */
};

struct oed_scorer_spec;
struct oed_score_input;
struct oed_score_result;

struct oed_scorer {
	const char *name;
	const char *summary;		/* one line for --help */
	const struct oed_scorer_param *params;	/* NULL-name terminated */
	unsigned needs;			/* OED_NEEDS_* */
	enum oed_score_kind kind;
	enum oed_score_agg agg;
	/* Check parameters together, build compiled state; 0 or -1 (usage). */
	int (*prepare)(struct oed_scorer_spec *spec, struct oed_err *err);
	int (*score)(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		     struct oed_score_result *res, struct oed_err *err);
	void (*release)(struct oed_scorer_spec *spec);
};

/* The table, in the order of the manual; *n its length. */
const struct oed_scorer *oed_scorer_table(size_t *n);
/* A scorer by exact name (no not_ prefix), or NULL. */
const struct oed_scorer *oed_scorer_find(const char *name);
/* The closest name within a small edit distance, or NULL. */
const char *oed_scorer_suggest(const char *name);
/* "kind" and "aggregate" names as the manual writes them. */
const char *oed_score_kind_name(enum oed_score_kind kind);
const char *oed_score_agg_name(enum oed_score_agg agg);
/*
 * The scorer list for --help: one line per scorer, its parameters
 * indented under it.  Returns malloc'd text, or NULL when out of memory.
 */
char *oed_scorer_help_text(void);

/* The version of the refusal phrase list a refusal spec uses (for run records), else NULL. */
const char *oed_score_refusal_version(const struct oed_scorer_spec *spec);

/*
 * A judge's model spec and prompt version ("llm_judge.v1", or the prompt
 * file's path) for the record: 1 for a judge scorer, else 0.
 */
int oed_score_judge_info(const struct oed_scorer_spec *spec, const char **model,
			 const char **prompt_version);

/* One parameter's value after parsing (defaults filled in). */
struct oed_param_value {
	bool set;		/* given or defaulted */
	bool given;		/* given by the user */
	const char *s;		/* STRING, ENUM, REGEX: the text (owned by the spec) */
	char **list;		/* LIST: items (owned by the spec) */
	size_t nlist;
	double d;		/* NUMBER, INT */
	long long i;		/* INT; ENUM: index of the choice */
	bool b;			/* BOOL */
};

struct oed_scorer_spec {
	const struct oed_scorer *scorer;
	char *text;		/* as written ("not_contains:refund") */
	char *key;		/* the key in "scores": as=, else name with not_ */
	bool negate;
	double weight;		/* weight= (default 1) */
	double threshold;	/* threshold= (NAN when not given) */
	struct oed_param_value *pv;	/* one per row of scorer->params */
	void *state;		/* the scorer's compiled state */
	/*
	 * The run store a judge keeps its answers in (borrowed; read when
	 * the first answer is looked up); NULL: the default, OED_STORE or
	 * $XDG_DATA_HOME/oed/oed.db.
	 */
	const char *store;
};

/*
 * Parse "name[:params]".  0 with *out set, or -1 with err set
 * (OED_EX_USAGE): unknown scorer (with a suggestion), unknown or
 * repeated parameter, a value of the wrong type, an invalid regex
 * (naming its offset), not_ on a scorer that gives a number.
 */
int oed_scorer_spec_parse(const char *text, struct oed_scorer_spec **out,
			  struct oed_err *err);
/*
 * The same from key/value pairs (a YAML mapping): values are taken
 * literally; a LIST key may repeat.  Returns the spec, or NULL with err
 * set (OED_EX_USAGE; err->line/column are left for the caller to fill).
 */
struct oed_scorer_spec *oed_scorer_spec_from_pairs(const char *name, size_t n,
						   const char *const *keys,
						   const char *const *values,
						   struct oed_err *err);
void oed_scorer_spec_free(struct oed_scorer_spec *spec);

/* A text: one sample of an input (consistency, waste), or a reference. */
struct oed_score_sample {
	const char *text;
	size_t len;
};

#define OED_SCORE_MAX_REFS 16

struct oed_score_input {
	const char *output;		/* need not be NUL-terminated */
	size_t output_len;
	const char *input;		/* the prompt (judges); NULL when unknown */
	size_t input_len;
	const char *target;		/* NULL when there is none */
	size_t target_len;
	/*
	 * Several references (BLEU clips against each, as sacreBLEU with
	 * several reference streams); NULL: the target is the one reference.
	 * At most OED_SCORE_MAX_REFS are used.
	 */
	const struct oed_score_sample *references;
	size_t nreferences;
	const char *const *choices;	/* multiple choice; NULL when none */
	size_t nchoices;
	double latency_ms;		/* NAN when unknown */
	double cost_usd;		/* NAN when unknown */
	const char *finish_reason;	/* NULL when unknown */
	long long tokens_out;		/* -1 when unknown */
	/* Every sample of this input, this output included; NULL when none. */
	const struct oed_score_sample *samples;
	size_t nsamples;
};

/* Fill an input with "unknown" everywhere, then set what you have. */
void oed_score_input_init(struct oed_score_input *in, const char *output, size_t len);

#define OED_SCORE_LABEL_MAX 48

struct oed_score_result {
	double value;		/* NAN when not applicable */
	int pass;		/* 1, 0, or -1 when there is no verdict */
	char label[OED_SCORE_LABEL_MAX];	/* OED_SCORE_LABEL, a judge's verdict; "" otherwise */
	char *reason;		/* why, when it says more than the value; owned */
};

void oed_score_result_init(struct oed_score_result *res);
void oed_score_result_release(struct oed_score_result *res);

/*
 * Score one output.  The result's value and pass take not_, weight does
 * not (it weights the case, see oed_score_weighted), and threshold=
 * decides pass as value >= threshold.  0, or -1 with err set: OED_EX_DATA
 * when this output cannot be scored (a target is needed and missing,
 * matching gave up), OED_EX_FAIL when out of memory.
 */
int oed_score(const struct oed_scorer_spec *spec, const struct oed_score_input *in,
	      struct oed_score_result *res, struct oed_err *err);

/*
 * A case's weighted score: sum(weight * value) / sum(weight) over the
 * results that have a value; NAN when none has.
 */
double oed_score_weighted(struct oed_scorer_spec *const *specs,
			  const struct oed_score_result *res, size_t n);

/*
 * Corpus scores, for the scorers whose aggregate is "corpus" (BLEU,
 * chrF): the sufficient statistics of every output are summed and the
 * score computed once from the sums, as sacreBLEU's corpus_bleu and
 * corpus_chrf do.  A plain struct; nothing to release.
 */
#define OED_SCORE_STATS_MAX 64
struct oed_score_corpus {
	const struct oed_scorer_spec *spec;	/* borrowed */
	double stats[OED_SCORE_STATS_MAX];
	size_t nstats;
	uint64_t n;				/* outputs added */
};

/* 0, or -1 with err set (OED_EX_USAGE) when the scorer has no corpus score. */
int oed_score_corpus_init(struct oed_score_corpus *c, const struct oed_scorer_spec *spec,
			  struct oed_err *err);
/* Add one output (needs its target); 0 or -1 as oed_score(). */
int oed_score_corpus_add(struct oed_score_corpus *c, const struct oed_score_input *in,
			 struct oed_err *err);
/* The corpus score in [0,1] (not_ applied); NAN when nothing was added. */
double oed_score_corpus_value(const struct oed_score_corpus *c);

/*
 * Token waste over a run (oed-scorers(7)): waste_ratio = sum of
 * waste_tokens / sum of output tokens; token_efficiency = items that
 * passed per 1,000 output tokens.  A plain struct.
 */
struct oed_waste {
	double waste, tokens;
	uint64_t passed, n;
};
void oed_waste_init(struct oed_waste *w);
/* One output: its waste_tokens, its tokens, and its case verdict (1 pass). */
void oed_waste_add(struct oed_waste *w, double waste_tokens, double output_tokens, int pass);
double oed_waste_ratio(const struct oed_waste *w);	/* NAN without tokens */
double oed_token_efficiency(const struct oed_waste *w);	/* NAN without tokens */

/*
 * oed-bench --score: read JSON Lines, score each record's output and copy
 * the record with "scores":{KEY: value, ...} and "pass": true|false
 * spliced in before its closing brace, every other byte kept as read.
 * "pass" is true when every scorer with a verdict passed, absent when none
 * has one.  With samples_by, records sharing that field's value are one
 * input's samples; they must be adjacent (as oed-bench and oed-ingest
 * write them) and are buffered until the group ends.
 */
struct oed_score_stream_opts {
	struct oed_scorer_spec *const *specs;
	size_t nspecs;
	const char *output_field;	/* default "output" */
	const char *target_field;	/* default "target"; missing is allowed */
	const char *samples_by;		/* NULL: no groups */
	const char *choices_field;	/* default "choices" */
	struct oed_policy *policy;	/* --on-error; borrowed */
	size_t max_line;		/* 0: the default */
};

int oed_score_stream(const struct oed_score_stream_opts *opts, int nfiles, char *const *files,
		     struct oed_writer *w, struct oed_err *err);

#endif
