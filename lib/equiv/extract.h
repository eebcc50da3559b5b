/*
 * extract.h: --extract REGEX, the class of an output is a part of it.
 *
 * The pattern is PCRE2 syntax, compiled once in UTF mode with Unicode
 * properties for \d \w \s and friends (PCRE2_UCP), and JIT-compiled when
 * the library supports it.  For each output the class is capture group 1
 * of the first match, or the whole match when the pattern has no group.
 * Outputs with no match (or whose group 1 took no part in the match)
 * together form one more class, "no match", which the caller must key
 * apart from every extracted text (the empty one included) and report.
 *
 * Subjects need not be valid UTF-8: invalid sequences never match
 * anything, and matching goes on in the valid text around them
 * (PCRE2_MATCH_INVALID_UTF).
 *
 * Ownership: struct oed_extract owns its compiled pattern and one match
 * data block that every call reuses, so one object serves one thread.
 * The extracted text points into the subject: nothing is copied.
 */
#ifndef OED_EXTRACT_H
#define OED_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct oed_extract;

/*
 * Compile pattern.  NULL with err set (OED_EX_USAGE) on a bad pattern,
 * "--extract: bad regex at offset 5: missing closing parenthesis", where
 * the offset counts bytes from 0; or (OED_EX_FAIL) out of memory.
 */
struct oed_extract *oed_extract_new(const char *pattern, struct oed_err *err);
void oed_extract_free(struct oed_extract *x);

/*
 * Find the class of s[0..len).  Returns 1 with *out, *outlen set to the
 * extracted part (inside s), 0 when there is no match, or -1 with err
 * set (OED_EX_DATA) when matching gave up: the pattern backtracks past
 * PCRE2's match or depth limit on this subject.
 */
int oed_extract_apply(struct oed_extract *x, const char *s, size_t len,
		      const char **out, size_t *outlen, struct oed_err *err);

#endif
