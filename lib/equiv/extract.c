/* extract.c: --extract REGEX through PCRE2 (see extract.h). */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>

#include "exit.h"
#include "extract.h"

/*
 * The JIT stack starts small and may grow to this size: enough for
 * deeply nested patterns on long outputs without letting one record
 * eat memory.
 */
#define JIT_STACK_MIN (32 << 10)
#define JIT_STACK_MAX (8 << 20)

struct oed_extract {
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *stack;
	bool jit;
	bool whole;		/* no capture group: the class is the whole match */
};

void
oed_extract_free(struct oed_extract *x)
{
	if (x == NULL)
		return;
	pcre2_match_data_free(x->md);
	pcre2_match_context_free(x->mc);
	pcre2_jit_stack_free(x->stack);
	pcre2_code_free(x->re);
	free(x);
}

struct oed_extract *
oed_extract_new(const char *pattern, struct oed_err *err)
{
	struct oed_extract *x;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE at;
	uint32_t groups = 0;
	int code;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	x->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &at, NULL);
	if (x->re == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		oed_err_set(err, OED_EX_USAGE, "--extract: bad regex at offset %zu: %s",
		    (size_t)at, (const char *)msg);
		oed_extract_free(x);
		return NULL;
	}
	pcre2_pattern_info(x->re, PCRE2_INFO_CAPTURECOUNT, &groups);
	x->whole = groups == 0;
	/* Without JIT support the interpreter runs the same pattern. */
	x->jit = pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE) == 0;
	x->md = pcre2_match_data_create_from_pattern(x->re, NULL);
	x->mc = pcre2_match_context_create(NULL);
	if (x->md == NULL || x->mc == NULL)
		goto nomem;
	if (x->jit) {
		if ((x->stack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL)) == NULL)
			goto nomem;
		pcre2_jit_stack_assign(x->mc, NULL, x->stack);
	}
	return x;
nomem:
	oed_extract_free(x);
	oed_err_set(err, OED_EX_FAIL, "out of memory");
	return NULL;
}

int
oed_extract_apply(struct oed_extract *x, const char *s, size_t len,
		  const char **out, size_t *outlen, struct oed_err *err)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE *ov;
	int rc, g;

	rc = pcre2_match(x->re, (PCRE2_SPTR)s, len, 0, 0, x->md, x->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		return oed_err_set(err, OED_EX_DATA, "--extract: matching gave up: %s",
		    (const char *)msg);
	}
	ov = pcre2_get_ovector_pointer(x->md);
	g = x->whole ? 0 : 1;
	/* rc counts the pairs up to the highest group that was set. */
	if (g >= rc || ov[2 * g] == PCRE2_UNSET)
		return 0;
	/* Defensive: \K in a lookaround (when allowed) can put the start after the end. */
	*out = s + ov[2 * g];
	*outlen = ov[2 * g + 1] > ov[2 * g] ? ov[2 * g + 1] - ov[2 * g] : 0;
	return 1;
}
