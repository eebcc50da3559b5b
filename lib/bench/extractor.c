/* extractor.c: the answer-extraction pipeline (extractor.h). */
#include "config.h"

#include "extractor.h"

#include <ctype.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "exit.h"
#include "opt.h"
#include "sbuf.h"

enum kind { K_REGEX, K_REPLACE, K_STRIP, K_LOWER, K_UPPER, K_TAKE_FIRST, K_MAJORITY };

const char *const oed_extractor_names[] = {
	"regex", "replace", "strip", "lowercase", "uppercase", "take_first", "majority_vote", NULL
};

struct step {
	enum kind kind;
	pcre2_code *re;
	long select;
	char *from, *to;
};

struct oed_extractor {
	struct step *s;
	size_t n;
	bool majority;
	pcre2_match_data *md;
};

struct oed_extractor *
oed_extractor_new(void)
{
	return calloc(1, sizeof(struct oed_extractor));
}

void
oed_extractor_free(struct oed_extractor *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->n; i++) {
		pcre2_code_free(x->s[i].re);
		free(x->s[i].from);
		free(x->s[i].to);
	}
	pcre2_match_data_free(x->md);
	free(x->s);
	free(x);
}

static struct step *
add(struct oed_extractor *x, enum kind kind, struct oed_err *err)
{
	struct step *s;

	if (x->majority && kind != K_TAKE_FIRST && kind != K_MAJORITY) {
		oed_err_set(err, OED_EX_USAGE, "majority_vote must be the last step (take_first may follow)");
		return NULL;
	}
	s = realloc(x->s, (x->n + 1) * sizeof(*s));
	if (s == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	x->s = s;
	s = &x->s[x->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	return s;
}

int
oed_extractor_regex(struct oed_extractor *x, const char *pattern, long select,
		    struct oed_err *err)
{
	PCRE2_SIZE off;
	int code;
	pcre2_code *re;
	struct step *s;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return oed_err_set(err, OED_EX_USAGE, "bad regex at offset %zu: %s", (size_t)off,
				   (char *)msg);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if ((s = add(x, K_REGEX, err)) == NULL) {
		pcre2_code_free(re);
		return -1;
	}
	s->re = re;
	s->select = select;
	if (x->md == NULL) {
		x->md = pcre2_match_data_create(32, NULL);
		if (x->md == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

int
oed_extractor_replace(struct oed_extractor *x, const char *from, const char *to,
		      struct oed_err *err)
{
	struct step *s;

	if (from[0] == '\0')
		return oed_err_set(err, OED_EX_USAGE, "replace: the text to replace is empty");
	if ((s = add(x, K_REPLACE, err)) == NULL)
		return -1;
	s->from = strdup(from);
	s->to = strdup(to);
	if (s->from == NULL || s->to == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

int
oed_extractor_step(struct oed_extractor *x, const char *name, struct oed_err *err)
{
	static const struct { const char *name; enum kind kind; } simple[] = {
		{ "strip", K_STRIP }, { "lowercase", K_LOWER }, { "uppercase", K_UPPER },
		{ "take_first", K_TAKE_FIRST }, { "majority_vote", K_MAJORITY },
	};
	size_t i;
	const char *near;

	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(name, simple[i].name) == 0) {
			if (add(x, simple[i].kind, err) == NULL)
				return -1;
			if (simple[i].kind == K_MAJORITY)
				x->majority = true;
			return 0;
		}
	}
	if (strcmp(name, "regex") == 0 || strcmp(name, "replace") == 0)
		return oed_err_set(err, OED_EX_USAGE, "'%s' needs an argument: {%s: ...}", name, name);
	near = oed_did_you_mean(name, oed_extractor_names, 7);
	if (near)
		return oed_err_set(err, OED_EX_USAGE, "unknown extraction step '%s' (did you mean '%s'?)",
				   name, near);
	return oed_err_set(err, OED_EX_USAGE,
			   "unknown extraction step '%s' (regex, replace, strip, lowercase, uppercase, take_first, majority_vote)",
			   name);
}

bool
oed_extractor_majority(const struct oed_extractor *x)
{
	return x->majority;
}

size_t
oed_extractor_steps(const struct oed_extractor *x)
{
	return x->n;
}

/* Match number `select` of re in s; 1 found (*a, *b bounds), 0 none, -1 gave up. */
static int
find(struct oed_extractor *x, const struct step *st, const char *s, size_t len, size_t *a,
     size_t *b)
{
	PCRE2_SIZE start = 0, *ov;
	uint32_t ngroups;
	long count = 0;
	int rc, found = 0;

	pcre2_pattern_info(st->re, PCRE2_INFO_CAPTURECOUNT, &ngroups);
	while (start <= len) {
		rc = pcre2_match(st->re, (PCRE2_SPTR)s, len, start, 0, x->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0)
			return -1;
		ov = pcre2_get_ovector_pointer(x->md);
		if (ngroups >= 1 && rc >= 2 && ov[2] != PCRE2_UNSET) {
			/* lm-eval keeps the first group that took part */
			*a = ov[2];
			*b = ov[3];
		} else if (ngroups >= 1) {
			uint32_t g;

			*a = *b = 0;
			for (g = 2; g <= ngroups && (int)g < rc; g++)
				if (ov[2 * g] != PCRE2_UNSET) {
					*a = ov[2 * g];
					*b = ov[2 * g + 1];
					break;
				}
		} else {
			*a = ov[0];
			*b = ov[1];
		}
		found = 1;
		if (st->select >= 0 && count == st->select)
			return 1;
		count++;
		start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	if (st->select < 0 && found)
		return 1;	/* the last match, kept above */
	return 0;
}

int
oed_extractor_apply(struct oed_extractor *x, const char *s, size_t len, char **out,
		    size_t *outlen, bool *invalid, struct oed_err *err)
{
	struct sbuf cur = { 0 }, next = { 0 };
	size_t i, k, a, b;

	*invalid = false;
	sbuf_add(&cur, s, len);
	for (i = 0; i < x->n && !cur.failed; i++) {
		const struct step *st = &x->s[i];

		switch (st->kind) {
		case K_REGEX: {
			int rc = find(x, st, cur.s ? cur.s : "", cur.len, &a, &b);

			if (rc == -1) {
				sbuf_release(&cur);
				return oed_err_set(err, OED_EX_DATA,
						   "extract: the regex gave up on this output (match limit)");
			}
			next.len = 0;
			if (rc == 0) {
				sbuf_adds(&next, OED_INVALID_ANSWER);
				*invalid = true;
			} else {
				sbuf_add(&next, cur.s + a, b - a);
			}
			sbuf_release(&cur);
			cur = next;
			memset(&next, 0, sizeof(next));
			if (*invalid)
				i = x->n;
			break;
		}
		case K_REPLACE: {
			size_t fl = strlen(st->from), tl = strlen(st->to);
			const char *p = cur.s ? cur.s : "", *end = p + cur.len, *hit;

			while ((hit = memmem(p, (size_t)(end - p), st->from, fl)) != NULL) {
				sbuf_add(&next, p, (size_t)(hit - p));
				sbuf_add(&next, st->to, tl);
				p = hit + fl;
			}
			sbuf_add(&next, p, (size_t)(end - p));
			sbuf_release(&cur);
			cur = next;
			memset(&next, 0, sizeof(next));
			break;
		}
		case K_STRIP:
			a = 0;
			b = cur.len;
			while (a < b && isspace((unsigned char)cur.s[a]))
				a++;
			while (b > a && isspace((unsigned char)cur.s[b - 1]))
				b--;
			if (cur.s) {
				memmove(cur.s, cur.s + a, b - a);
				cur.len = b - a;
				cur.s[cur.len] = '\0';
			}
			break;
		case K_LOWER:
		case K_UPPER:
			for (k = 0; k < cur.len; k++)
				cur.s[k] = (char)(st->kind == K_LOWER ? tolower((unsigned char)cur.s[k])
								     : toupper((unsigned char)cur.s[k]));
			break;
		case K_TAKE_FIRST:
		case K_MAJORITY:
			break;
		}
	}
	sbuf_release(&next);
	*out = sbuf_take(&cur, outlen);
	if (*out == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

size_t
oed_majority(char *const *answers, const size_t *lens, size_t n)
{
	size_t i, j, best = 0, bestc = 0;

	/* samples per input are few: the quadratic count is cheaper than a table */
	for (i = 0; i < n; i++) {
		size_t c = 0;

		for (j = 0; j < n; j++)
			if (lens[j] == lens[i] && memcmp(answers[j], answers[i], lens[i]) == 0)
				c++;
		if (c > bestc) {
			bestc = c;
			best = i;
		}
	}
	return best;
}

int
oed_code_answer(const char *s, size_t len, const char *prefix, const char *def, char **out,
		size_t *outlen)
{
	const char *code = s, *f = len >= 3 ? memmem(s, len, "```", 3) : NULL;
	size_t clen = len, plen = 0;
	char *o;

	if (f != NULL) {
		const char *nl = memchr(f, '\n', len - (size_t)(f - s));

		if (nl != NULL) {
			const char *end;

			code = nl + 1;
			clen = len - (size_t)(code - s);
			end = clen >= 3 ? memmem(code, clen, "```", 3) : NULL;
			if (end != NULL)
				clen = (size_t)(end - code);
		}
	} else {
		const char *done = len >= 6 ? memmem(s, len, "[DONE]", 6) : NULL;

		if (done != NULL)
			clen = (size_t)(done - s);
	}
	if (prefix != NULL && (def == NULL || def[0] == '\0' ||
			       memmem(code, clen, def, strlen(def)) == NULL))
		plen = strlen(prefix);
	if ((o = malloc(plen + clen + 1)) == NULL)
		return -1;
	if (plen)
		memcpy(o, prefix, plen);
	if (clen)
		memcpy(o + plen, code, clen);
	o[plen + clen] = '\0';
	*out = o;
	*outlen = plen + clen;
	return 0;
}
