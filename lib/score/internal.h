/*
 * internal.h: what the scorer files share with the registry (not for
 * tools).  Each group file (match.c, text_metrics.c, structure.c, ops.c,
 * samples.c) defines its scorers' parameter rows and functions; the
 * registry (registry.c) holds the one table that names them.
 */
#ifndef OED_SCORE_INTERNAL_H
#define OED_SCORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "equiv/normalize.h"
#include "score.h"

#define OED_SC_PARAMS_END { NULL, 0, NULL, NULL, NULL }

/* Scorer function signatures, for the table. */
#define OED_SC_DECLARE(name) \
	extern const struct oed_scorer_param oed_sc_##name##_params[]; \
	int oed_sc_##name(struct oed_scorer_spec *spec, const struct oed_score_input *in, \
			  struct oed_score_result *res, struct oed_err *err)

/* The value of parameter i of the spec. */
static inline const struct oed_param_value *
oed_sc_pv(const struct oed_scorer_spec *spec, size_t i)
{
	return &spec->pv[i];
}

/* Every scorer, by group file. */
OED_SC_DECLARE(exact_match);
OED_SC_DECLARE(equals);
OED_SC_DECLARE(contains);
OED_SC_DECLARE(icontains);
OED_SC_DECLARE(contains_any);
OED_SC_DECLARE(contains_all);
OED_SC_DECLARE(starts_with);
OED_SC_DECLARE(ends_with);
OED_SC_DECLARE(regex);
OED_SC_DECLARE(numeric);
OED_SC_DECLARE(choice);
OED_SC_DECLARE(is_json);
OED_SC_DECLARE(levenshtein);
OED_SC_DECLARE(f1);
OED_SC_DECLARE(bleu);
OED_SC_DECLARE(chrf);
OED_SC_DECLARE(rouge_l);
OED_SC_DECLARE(json_schema);
OED_SC_DECLARE(length);
OED_SC_DECLARE(latency);
OED_SC_DECLARE(cost);
OED_SC_DECLARE(finish_reason);
OED_SC_DECLARE(refusal);
OED_SC_DECLARE(canary);
OED_SC_DECLARE(pii);
OED_SC_DECLARE(consistency);
OED_SC_DECLARE(hallucination_risk);
OED_SC_DECLARE(waste_tokens);
OED_SC_DECLARE(code_exec);
OED_SC_DECLARE(llm_judge);
OED_SC_DECLARE(semantic_equivalence);
OED_SC_DECLARE(pairwise);
int oed_sc_judge_llm_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
int oed_sc_judge_se_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
int oed_sc_judge_pw_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_judge_release(struct oed_scorer_spec *spec);
int oed_sc_code_exec_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_code_exec_release(struct oed_scorer_spec *spec);
int oed_sc_samples_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
/* A samples scorer's judge under equivalence=semantic: 1 with its model and prompt, else 0. */
int oed_sc_samples_judge_info(const struct oed_scorer_spec *spec, const char **model,
			      const char **prompt_version);

/*
 * The semantic_equivalence judge (judge.c) as an equivalence: scorer
 * names the scorer in messages; model, prompt (a file, NULL for the
 * built-in semantic_equivalence.v1), timeout and cache as that scorer's
 * parameters.  oed_sc_equiv_judge_same asks whether a entails b and b
 * entails a (the second only when the first holds): 1 yes both ways, 0
 * not, -1 with err set (OED_EX_DATA for a verdict that does not parse).
 */
struct oed_sc_judge;
struct oed_sc_judge *oed_sc_equiv_judge_new(const char *scorer, const char *model,
					    const char *prompt, double timeout_s, bool cache,
					    struct oed_err *err);
void oed_sc_equiv_judge_free(struct oed_sc_judge *j);
const char *oed_sc_equiv_judge_model(const struct oed_sc_judge *j);
const char *oed_sc_equiv_judge_version(const struct oed_sc_judge *j);
int oed_sc_equiv_judge_same(struct oed_sc_judge *j, const char *input, size_t input_len,
			    const char *a, size_t alen, const char *b, size_t blen,
			    struct oed_err *err);
void oed_sc_samples_release(struct oed_scorer_spec *spec);
int oed_sc_refusal_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_refusal_release(struct oed_scorer_spec *spec);
int oed_sc_canary_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_canary_release(struct oed_scorer_spec *spec);
int oed_sc_pii_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_pii_release(struct oed_scorer_spec *spec);
int oed_sc_json_schema_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_json_schema_release(struct oed_scorer_spec *spec);
int oed_sc_length_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_length_release(struct oed_scorer_spec *spec);
int oed_sc_tm_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
int oed_sc_chrf_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_tm_release(struct oed_scorer_spec *spec);
/* Sufficient statistics of BLEU and chrF, summed over a corpus. */
int oed_sc_corpus_stats(const struct oed_scorer_spec *spec, const struct oed_score_input *in,
			double *stats, size_t *n, struct oed_err *err);
double oed_sc_corpus_value(const struct oed_scorer_spec *spec, const double *stats);
/* SQuAD v1.1: the articles pattern, and normalize_answer into out. */
struct oed_sc_regex *oed_sc_squad_articles(struct oed_err *err);
struct oed_sc_regex;
int oed_sc_squad_normalize(struct oed_sc_regex *articles, struct oed_buf *tmp,
			   struct oed_buf *out, const char *s, size_t len, struct oed_err *err);
int oed_sc_match_prepare(struct oed_scorer_spec *spec, struct oed_err *err);
void oed_sc_match_release(struct oed_scorer_spec *spec);
int oed_sc_plain_prepare(struct oed_scorer_spec *spec, struct oed_err *err);


/* Set the result to a pass/fail verdict. */
static inline void
oed_sc_verdict(struct oed_score_result *res, bool ok)
{
	res->value = ok ? 1.0 : 0.0;
	res->pass = ok ? 1 : 0;
}

/* res->reason = printf(fmt, ...); out of memory leaves it NULL. */
void oed_sc_reason(struct oed_score_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The text a matching scorer compares against: value= when given (its
 * parameter index vi, or (size_t)-1 when it has none), else the target.
 * 0 with *s, *len set, or -1 with err set (OED_EX_DATA) when neither.
 */
int oed_sc_reference(const struct oed_scorer_spec *spec, size_t vi,
		     const struct oed_score_input *in, const char **s, size_t *len,
		     struct oed_err *err);

/*
 * Scratch space a spec keeps between calls (one per spec, so one thread).
 * Scorers with their own state put this first in it.
 */
struct oed_sc_scratch {
	struct oed_buf a, b, c;
};
void oed_sc_scratch_release(struct oed_sc_scratch *sc);
/* Full case folding of s into b; returns b->data (NULL: out of memory). */
const char *oed_sc_fold(struct oed_buf *b, const char *s, size_t len, size_t *outlen);

/* PCRE2 wrapped for scorers: compile once, match with one match block. */
struct oed_sc_regex;
/*
 * what names the place in messages ("scorer 'regex': pattern").  NULL
 * with err set (OED_EX_USAGE) naming the offset of a bad pattern.
 */
struct oed_sc_regex *oed_sc_regex_new(const char *pattern, bool ignore_case,
				      bool multiline, const char *what,
				      struct oed_err *err);
void oed_sc_regex_free(struct oed_sc_regex *re);
/*
 * Search s[start..len): 1 with the match's bounds in *mstart, *mend, 0
 * when none, -1 with err set (OED_EX_DATA) when PCRE2 gave up.  opts:
 * OED_SC_NOTEMPTY_ATSTART refuses an empty match at start.
 */
#define OED_SC_NOTEMPTY_ATSTART 0x1u
int oed_sc_regex_search(struct oed_sc_regex *re, const char *s, size_t len,
			size_t start, unsigned opts, size_t *mstart, size_t *mend,
			struct oed_err *err);

/*
 * Replace every non-empty match of re in s[0..len) by the byte repl ('\0':
 * remove it), scanning left to right as Python's re.sub does, into dst.
 * 0 or -1 (err set).
 */
int oed_sc_regex_replace(struct oed_sc_regex *re, const char *s, size_t len, char repl,
			 struct oed_buf *dst, struct oed_err *err);

/* Edit distance in code points (bytes where the text is not UTF-8). */
size_t oed_sc_edit_distance(const char *a, size_t alen, const char *b, size_t blen,
			  uint32_t **scratch, size_t *cap);

/*
 * The last number written in s (sign, digits with optional thousands
 * commas, a fraction, an exponent): 1 with *v, 0 when there is none.
 */
int oed_sc_last_number(const char *s, size_t len, double *v);

#endif
