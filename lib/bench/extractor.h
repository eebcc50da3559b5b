/*
 * extractor.h: the answer-extraction pipeline of a task (`extract:`), the
 * filters of lm-evaluation-harness in C.  Steps run in order on each
 * sample's output:
 *
 *   regex PATTERN      PCRE2 (UTF, Unicode classes); keeps capture group 1,
 *                      or the whole match when the pattern has no group.
 *                      `select` picks which match: 0 the first (default),
 *                      -1 the last, N the N+1-th.  No match gives
 *                      "[invalid]" and ends the pipeline (lm-eval's
 *                      fallback), and the item counts as invalid.
 *   replace [FROM, TO] every FROM (literal text) becomes TO
 *   strip              leading and trailing white space dropped
 *   lowercase, uppercase   ASCII letters
 *   take_first         accepted for lm-eval task files; a sample's answer
 *                      is already one text, so it changes nothing
 *   majority_vote      after the samples of one input are in, every sample's
 *                      answer becomes the most frequent one (ties: the one
 *                      seen first); must come last (take_first may follow)
 *
 * An empty pipeline hands the output through unchanged.  The object owns
 * its compiled patterns and one match block, so it serves one thread.
 */
#ifndef OED_BENCH_EXTRACTOR_H
#define OED_BENCH_EXTRACTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define OED_INVALID_ANSWER "[invalid]"

struct oed_extractor;

struct oed_extractor *oed_extractor_new(void);
void oed_extractor_free(struct oed_extractor *x);

/* Add steps; 0 or -1 with err (OED_EX_USAGE): "bad regex at offset 3: ...". */
int oed_extractor_regex(struct oed_extractor *x, const char *pattern, long select,
			struct oed_err *err);
int oed_extractor_replace(struct oed_extractor *x, const char *from, const char *to,
			  struct oed_err *err);
/* strip, lowercase, uppercase, take_first, majority_vote. */
int oed_extractor_step(struct oed_extractor *x, const char *name, struct oed_err *err);
/* The names oed_extractor_step takes and the two with arguments, for messages. */
extern const char *const oed_extractor_names[];

bool oed_extractor_majority(const struct oed_extractor *x);
size_t oed_extractor_steps(const struct oed_extractor *x);

/*
 * Run the per-sample steps on s[0..len).  0 with *out (malloc'd,
 * NUL-terminated), *outlen and *invalid set; -1 with err when PCRE2 gives
 * up on the subject (OED_EX_DATA) or memory runs out.
 */
int oed_extractor_apply(struct oed_extractor *x, const char *s, size_t len, char **out,
			size_t *outlen, bool *invalid, struct oed_err *err);

/*
 * The majority answer of n answers (index into answers), ties to the
 * earliest; answers marked invalid count like any other text, as in
 * lm-eval.  n must be at least 1.
 */
size_t oed_majority(char *const *answers, const size_t *lens, size_t n);

/*
 * The program in a code task's output: the first fenced block (```python,
 * ``` or any other info string, up to the closing fence or the end), else
 * the whole output cut at "[DONE]" (MBPP's end marker); then, when prefix
 * is given and the code does not contain def, prefix + code (HumanEval:
 * the prompt before a completion that does not restate the function, as
 * the harnesses assemble it).  0 with *out (malloc'd) and *outlen, or -1
 * when memory runs out.
 */
int oed_code_answer(const char *s, size_t len, const char *prefix, const char *def, char **out,
		    size_t *outlen);

#endif
