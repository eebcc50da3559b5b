/*
 * match.c: the matching scorers (exact_match, equals, contains and its
 * kin, regex, numeric, choice) and is_json, with the helpers they share:
 * case folding into scratch buffers, PCRE2, the last number in a text.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "internal.h"

/* ---- Shared helpers ---- */

void
oed_sc_scratch_release(struct oed_sc_scratch *sc)
{
	oed_buf_release(&sc->a);
	oed_buf_release(&sc->b);
	oed_buf_release(&sc->c);
}

const char *
oed_sc_fold(struct oed_buf *b, const char *s, size_t len, size_t *outlen)
{
	if (oed_buf_reserve(b, len * OED_CASEFOLD_GROWTH + 1) == -1)
		return NULL;
	*outlen = b->len = oed_casefold(b->data, s, len);
	return b->data;
}

struct oed_sc_regex {
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *stack;
};

void
oed_sc_regex_free(struct oed_sc_regex *re)
{
	if (re == NULL)
		return;
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mc);
	pcre2_jit_stack_free(re->stack);
	pcre2_code_free(re->re);
	free(re);
}

struct oed_sc_regex *
oed_sc_regex_new(const char *pattern, bool ignore_case, bool multiline, const char *what,
		 struct oed_err *err)
{
	struct oed_sc_regex *re = calloc(1, sizeof(*re));
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE at;
	int code;

	if (re == NULL)
		goto nomem;
	re->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF |
	    (ignore_case ? PCRE2_CASELESS : 0) | (multiline ? PCRE2_MULTILINE : 0),
	    &code, &at, NULL);
	if (re->re == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		oed_err_set(err, OED_EX_USAGE, "%s: invalid regex '%s' at offset %zu: %s", what,
		    pattern, (size_t)at, (const char *)msg);
		oed_sc_regex_free(re);
		return NULL;
	}
	re->md = pcre2_match_data_create_from_pattern(re->re, NULL);
	re->mc = pcre2_match_context_create(NULL);
	if (re->md == NULL || re->mc == NULL)
		goto nomem;
	if (pcre2_jit_compile(re->re, PCRE2_JIT_COMPLETE) == 0) {
		if ((re->stack = pcre2_jit_stack_create(32 << 10, 8 << 20, NULL)) == NULL)
			goto nomem;
		pcre2_jit_stack_assign(re->mc, NULL, re->stack);
	}
	return re;
nomem:
	oed_sc_regex_free(re);
	oed_err_set(err, OED_EX_FAIL, "out of memory");
	return NULL;
}

int
oed_sc_regex_search(struct oed_sc_regex *re, const char *s, size_t len, size_t start,
		    unsigned opts, size_t *mstart, size_t *mend, struct oed_err *err)
{
	int rc = pcre2_match(re->re, (PCRE2_SPTR)(s != NULL ? s : ""), len, start,
	    opts & OED_SC_NOTEMPTY_ATSTART ? PCRE2_NOTEMPTY_ATSTART : 0, re->md, re->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		return oed_err_set(err, OED_EX_DATA, "regex gave up on this output: %s",
		    (const char *)msg);
	}
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
	*mstart = ov[0];
	*mend = ov[1];
	return 1;
}

int
oed_sc_regex_replace(struct oed_sc_regex *re, const char *s, size_t len, char repl,
		     struct oed_buf *dst, struct oed_err *err)
{
	size_t pos = 0;
	unsigned opts = 0;

	/* A match is at least one byte unless empty, and empty ones are skipped. */
	if (oed_buf_reserve(dst, len + 1) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	dst->len = 0;
	while (pos <= len) {
		size_t ms, me;
		int rc = oed_sc_regex_search(re, s, len, pos, opts, &ms, &me, err);
		if (rc == -1)
			return -1;
		if (rc == 0)
			break;
		if (me == ms && ms == pos && opts == 0) {
			/* An empty match here: look for a non-empty one from here. */
			opts = OED_SC_NOTEMPTY_ATSTART;
			continue;
		}
		memcpy(dst->data + dst->len, s + pos, ms - pos);
		dst->len += ms - pos;
		if (repl != '\0' && me > ms)
			dst->data[dst->len++] = repl;
		pos = me;
		opts = me == ms ? OED_SC_NOTEMPTY_ATSTART : 0;
	}
	if (pos < len) {
		memcpy(dst->data + dst->len, s + pos, len - pos);
		dst->len += len - pos;
	}
	return 0;
}

/* Whether s[i] starts a number: [-+]?(digits[,ddd]*)?(.digits)?(e[-+]?digits)? */
int
oed_sc_last_number(const char *s, size_t len, double *v)
{
	size_t i = 0;
	int found = 0;
	char buf[128];

	while (i < len) {
		size_t st = i, k = 0, j = i;
		bool digits = false;

		if (s[j] == '-' || s[j] == '+')
			j++;
		size_t ds = j;
		while (j < len && s[j] >= '0' && s[j] <= '9')
			j++;
		digits = j > ds;
		/* Thousands separators: ",ddd" groups after one to three digits. */
		if (digits && j - ds <= 3) {
			while (j + 3 < len && s[j] == ',' && s[j + 1] >= '0' && s[j + 1] <= '9' &&
			    s[j + 2] >= '0' && s[j + 2] <= '9' && s[j + 3] >= '0' && s[j + 3] <= '9' &&
			    (j + 4 >= len || s[j + 4] < '0' || s[j + 4] > '9'))
				j += 4;
		}
		if (j < len && s[j] == '.' && j + 1 < len && s[j + 1] >= '0' && s[j + 1] <= '9') {
			j++;
			while (j < len && s[j] >= '0' && s[j] <= '9')
				j++;
			digits = true;
		}
		if (!digits) {
			i = st + 1;
			continue;
		}
		/* A sign counts only where no word character is glued before it. */
		if (st > 0 && ((s[st - 1] >= '0' && s[st - 1] <= '9') || s[st - 1] == '.'))
			st = ds;
		if (j < len && (s[j] == 'e' || s[j] == 'E')) {
			size_t e = j + 1;
			if (e < len && (s[e] == '-' || s[e] == '+'))
				e++;
			if (e < len && s[e] >= '0' && s[e] <= '9') {
				while (e < len && s[e] >= '0' && s[e] <= '9')
					e++;
				j = e;
			}
		}
		for (size_t q = (s[st] == '+' ? st + 1 : st); q < j && k + 1 < sizeof(buf); q++)
			if (s[q] != ',')
				buf[k++] = s[q];
		buf[k] = '\0';
		char *end;
		double d = strtod(buf, &end);
		if (end != buf && isfinite(d)) {
			*v = d;
			found = 1;
		}
		i = j;
	}
	return found;
}

/* ---- State of the matching scorers ---- */

struct match_state {
	struct oed_sc_scratch sc;
	struct oed_sc_regex *re;	/* regex */
	struct oed_sc_regex **ignore;	/* exact_match regexes_to_ignore */
	size_t nignore;
	struct oed_sc_regex *articles;	/* exact_match normalize=squad */
	struct oed_buf sq1, sq2;
	char **folded;			/* contains_any/all with ignore_case */
	size_t *foldlen;
	size_t nfolded;
};

void
oed_sc_match_release(struct oed_scorer_spec *spec)
{
	struct match_state *st = spec->state;

	if (st == NULL)
		return;
	oed_sc_scratch_release(&st->sc);
	oed_sc_regex_free(st->re);
	oed_sc_regex_free(st->articles);
	oed_buf_release(&st->sq1);
	oed_buf_release(&st->sq2);
	for (size_t i = 0; i < st->nignore; i++)
		oed_sc_regex_free(st->ignore[i]);
	free(st->ignore);
	for (size_t i = 0; i < st->nfolded; i++)
		free(st->folded[i]);
	free(st->folded);
	free(st->foldlen);
	free(st);
	spec->state = NULL;
}

/* Parameter rows.  Indices below follow them. */
const struct oed_scorer_param oed_sc_exact_match_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "compare with this text instead of the target", NULL },
	{ "ignore_case", OED_PARAM_BOOL, "false", "fold case on both sides", NULL },
	{ "ignore_punctuation", OED_PARAM_BOOL, "false",
	  "remove ASCII punctuation (Python's string.punctuation) from both sides", NULL },
	{ "ignore_numbers", OED_PARAM_BOOL, "false", "remove ASCII digits from both sides", NULL },
	{ "regexes_to_ignore", OED_PARAM_LIST, NULL,
	  "remove every match of these patterns from both sides first", NULL },
	{ "normalize", OED_PARAM_ENUM, "none",
	  "squad: then SQuAD v1.1's normalize_answer on both sides", "none|squad" },
	OED_SC_PARAMS_END
};
enum { EM_VALUE, EM_CASE, EM_PUNCT, EM_NUMBERS, EM_REGEXES, EM_NORMALIZE };

#define VALUE_ONLY(name, help) \
	const struct oed_scorer_param oed_sc_##name##_params[] = { \
		{ "value", OED_PARAM_STRING, NULL, help, NULL }, \
		OED_SC_PARAMS_END \
	}
VALUE_ONLY(equals, "compare with this text instead of the target");
VALUE_ONLY(contains, "the text to find (default: the target)");
VALUE_ONLY(icontains, "the text to find (default: the target)");
VALUE_ONLY(starts_with, "the prefix (default: the target)");
VALUE_ONLY(ends_with, "the suffix (default: the target)");

const struct oed_scorer_param oed_sc_contains_any_params[] = {
	{ "values", OED_PARAM_LIST, NULL, "the texts to look for", NULL },
	{ "ignore_case", OED_PARAM_BOOL, "false", "fold case on both sides", NULL },
	OED_SC_PARAMS_END
};
const struct oed_scorer_param oed_sc_contains_all_params[] = {
	{ "values", OED_PARAM_LIST, NULL, "the texts to look for", NULL },
	{ "ignore_case", OED_PARAM_BOOL, "false", "fold case on both sides", NULL },
	OED_SC_PARAMS_END
};
enum { CA_VALUES, CA_CASE };

const struct oed_scorer_param oed_sc_regex_params[] = {
	{ "pattern", OED_PARAM_REGEX, NULL, "PCRE2 pattern, searched anywhere in the output", NULL },
	{ "ignore_case", OED_PARAM_BOOL, "false", "match without regard to case", NULL },
	{ "multiline", OED_PARAM_BOOL, "false", "^ and $ match at every line", NULL },
	OED_SC_PARAMS_END
};
enum { RE_PATTERN, RE_CASE, RE_MULTILINE };

const struct oed_scorer_param oed_sc_numeric_params[] = {
	{ "value", OED_PARAM_NUMBER, NULL, "the expected number (default: the target's last number)",
	  NULL },
	{ "tolerance", OED_PARAM_NUMBER, "0", "absolute tolerance", NULL },
	{ "rel_tolerance", OED_PARAM_NUMBER, "0",
	  "relative tolerance, of the larger magnitude", NULL },
	OED_SC_PARAMS_END
};
enum { NUM_VALUE, NUM_ABS, NUM_REL };

const struct oed_scorer_param oed_sc_choice_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "the right choice (default: the target)", NULL },
	{ "letters", OED_PARAM_STRING, "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	  "the labels of the choices, in order", NULL },
	OED_SC_PARAMS_END
};
enum { CH_VALUE, CH_LETTERS };

const struct oed_scorer_param oed_sc_is_json_params[] = {
	{ "type", OED_PARAM_ENUM, "any", "the JSON type required", "any|object|array" },
	OED_SC_PARAMS_END
};
enum { JS_TYPE };

static const char *
spec_what(const struct oed_scorer_spec *spec, char *buf, size_t size, const char *param)
{
	snprintf(buf, size, "scorer '%s': %s", spec->scorer->name, param);
	return buf;
}

int
oed_sc_match_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	const struct oed_scorer *sc = spec->scorer;
	struct match_state *st = calloc(1, sizeof(*st));
	char what[128];

	if (st == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	spec->state = st;
	if (sc->params == oed_sc_regex_params) {
		const char *pat = spec->pv[RE_PATTERN].s;
		if (pat == NULL)
			return oed_err_set(err, OED_EX_USAGE, "scorer 'regex' needs pattern=");
		st->re = oed_sc_regex_new(pat, spec->pv[RE_CASE].b, spec->pv[RE_MULTILINE].b,
		    spec_what(spec, what, sizeof(what), "pattern"), err);
		return st->re == NULL ? -1 : 0;
	}
	if (sc->params == oed_sc_exact_match_params) {
		const struct oed_param_value *v = &spec->pv[EM_REGEXES];
		if (v->nlist > 0 && (st->ignore = calloc(v->nlist, sizeof(*st->ignore))) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		for (size_t i = 0; i < v->nlist; i++) {
			st->ignore[i] = oed_sc_regex_new(v->list[i], false, false,
			    spec_what(spec, what, sizeof(what), "regexes_to_ignore"), err);
			if (st->ignore[i] == NULL)
				return -1;
			st->nignore++;
		}
		if (spec->pv[EM_NORMALIZE].i == 1 && (st->articles = oed_sc_squad_articles(err)) == NULL)
			return -1;
		return 0;
	}
	if (sc->params == oed_sc_contains_any_params || sc->params == oed_sc_contains_all_params) {
		const struct oed_param_value *v = &spec->pv[CA_VALUES];
		if (v->nlist == 0)
			return oed_err_set(err, OED_EX_USAGE, "scorer '%s' needs values=", sc->name);
		if (!spec->pv[CA_CASE].b)
			return 0;
		st->folded = calloc(v->nlist, sizeof(*st->folded));
		st->foldlen = calloc(v->nlist, sizeof(*st->foldlen));
		if (st->folded == NULL || st->foldlen == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		for (size_t i = 0; i < v->nlist; i++) {
			size_t n = strlen(v->list[i]), fl;
			if ((st->folded[i] = malloc(n * OED_CASEFOLD_GROWTH + 1)) == NULL)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			fl = oed_casefold(st->folded[i], v->list[i], n);
			st->folded[i][fl] = '\0';
			st->foldlen[i] = fl;
			st->nfolded++;
		}
		return 0;
	}
	if (sc->params == oed_sc_choice_params && spec->pv[CH_LETTERS].s[0] == '\0')
		return oed_err_set(err, OED_EX_USAGE, "scorer 'choice': letters= cannot be empty");
	return 0;
}

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

/* ---- exact_match: lm-evaluation-harness's exact_match (HF evaluate) ---- */

/* Apply the options to s into b (which may be returned as is). */
static const char *
em_transform(struct oed_scorer_spec *spec, struct match_state *st, const char *s, size_t len,
	     struct oed_buf *b1, struct oed_buf *b2, size_t *outlen, struct oed_err *err)
{
	struct oed_buf *cur = NULL, *other;

	for (size_t i = 0; i < st->nignore; i++) {
		struct oed_buf *dst = cur == b1 ? b2 : b1;
		if (oed_sc_regex_replace(st->ignore[i], s, len, '\0', dst, err) == -1)
			return NULL;
		cur = dst;
		s = dst->data;
		len = dst->len;
	}
	if (spec->pv[EM_CASE].b) {
		struct oed_buf *dst = cur == b1 ? b2 : b1;
		if (oed_sc_fold(dst, s, len, &len) == NULL)
			return OOM(err), NULL;
		cur = dst;
		s = dst->data;
	}
	if (spec->pv[EM_PUNCT].b || spec->pv[EM_NUMBERS].b) {
		other = cur == b1 ? b2 : b1;
		if (oed_buf_reserve(other, len + 1) == -1)
			return OOM(err), NULL;
		size_t k = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			if (spec->pv[EM_PUNCT].b && c < 0x80 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) != NULL && c != 0)
				continue;
			if (spec->pv[EM_NUMBERS].b && c >= '0' && c <= '9')
				continue;
			other->data[k++] = (char)c;
		}
		other->len = k;
		s = other->data;
		len = k;
	}
	if (st->articles != NULL) {
		if (oed_sc_squad_normalize(st->articles, &st->sq1, &st->sq2, s, len, err) == -1)
			return NULL;
		s = st->sq2.data;
		len = st->sq2.len;
	}
	*outlen = len;
	return s;
}

int
oed_sc_exact_match(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		   struct oed_score_result *res, struct oed_err *err)
{
	struct match_state *st = spec->state;
	const char *ref, *a, *b;
	size_t reflen, alen, blen;

	if (oed_sc_reference(spec, EM_VALUE, in, &ref, &reflen, err) == -1)
		return -1;
	/* Output through buffers a/b, the reference through c and a spare. */
	if ((a = em_transform(spec, st, in->output, in->output_len, &st->sc.a, &st->sc.b, &alen,
	    err)) == NULL)
		return -1;
	/* The output's result may live in a or b: copy it aside into c. */
	if (a != in->output) {
		if (oed_buf_reserve(&st->sc.c, alen + 1) == -1)
			return OOM(err);
		memcpy(st->sc.c.data, a, alen);
		a = st->sc.c.data;
	}
	if ((b = em_transform(spec, st, ref, reflen, &st->sc.a, &st->sc.b, &blen, err)) == NULL)
		return -1;
	oed_sc_verdict(res, alen == blen && memcmp(a, b, alen) == 0);
	return 0;
}

int
oed_sc_equals(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	      struct oed_score_result *res, struct oed_err *err)
{
	const char *ref;
	size_t reflen;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	oed_sc_verdict(res, reflen == in->output_len && memcmp(ref, in->output, reflen) == 0);
	return 0;
}

static bool
has(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return true;
	return hay != NULL && memmem(hay, hlen, needle, nlen) != NULL;
}

int
oed_sc_contains(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		struct oed_score_result *res, struct oed_err *err)
{
	const char *ref;
	size_t reflen;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	oed_sc_verdict(res, has(in->output, in->output_len, ref, reflen));
	return 0;
}

int
oed_sc_icontains(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		 struct oed_score_result *res, struct oed_err *err)
{
	struct match_state *st = spec->state;
	const char *ref, *fo, *fr;
	size_t reflen, folen, frlen;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	if ((fo = oed_sc_fold(&st->sc.a, in->output, in->output_len, &folen)) == NULL ||
	    (fr = oed_sc_fold(&st->sc.b, ref, reflen, &frlen)) == NULL)
		return OOM(err);
	oed_sc_verdict(res, has(fo, folen, fr, frlen));
	return 0;
}

static int
contains_some(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	      struct oed_score_result *res, bool all, struct oed_err *err)
{
	struct match_state *st = spec->state;
	const struct oed_param_value *v = &spec->pv[CA_VALUES];
	const char *hay = in->output;
	size_t hlen = in->output_len, found = 0;

	if (st->nfolded > 0 && (hay = oed_sc_fold(&st->sc.a, hay, hlen, &hlen)) == NULL)
		return OOM(err);
	for (size_t i = 0; i < v->nlist; i++) {
		bool hit = st->nfolded > 0 ? has(hay, hlen, st->folded[i], st->foldlen[i]) :
		    has(hay, hlen, v->list[i], strlen(v->list[i]));
		if (hit)
			found++;
		else if (all) {
			oed_sc_reason(res, "missing '%s'", v->list[i]);
			break;
		}
		if (hit && !all)
			break;
	}
	oed_sc_verdict(res, all ? found == v->nlist : found > 0);
	return 0;
}

int
oed_sc_contains_any(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		    struct oed_score_result *res, struct oed_err *err)
{
	return contains_some(spec, in, res, false, err);
}

int
oed_sc_contains_all(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		    struct oed_score_result *res, struct oed_err *err)
{
	return contains_some(spec, in, res, true, err);
}

int
oed_sc_starts_with(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		   struct oed_score_result *res, struct oed_err *err)
{
	const char *ref;
	size_t reflen;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	oed_sc_verdict(res, reflen <= in->output_len && memcmp(in->output, ref, reflen) == 0);
	return 0;
}

int
oed_sc_ends_with(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		 struct oed_score_result *res, struct oed_err *err)
{
	const char *ref;
	size_t reflen;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	oed_sc_verdict(res, reflen <= in->output_len &&
	    memcmp(in->output + in->output_len - reflen, ref, reflen) == 0);
	return 0;
}

int
oed_sc_regex(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	     struct oed_score_result *res, struct oed_err *err)
{
	struct match_state *st = spec->state;
	size_t ms, me;
	int rc = oed_sc_regex_search(st->re, in->output, in->output_len, 0, 0, &ms, &me, err);

	if (rc == -1)
		return -1;
	oed_sc_verdict(res, rc == 1);
	return 0;
}

int
oed_sc_numeric(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	       struct oed_score_result *res, struct oed_err *err)
{
	double want, got;

	if (spec->pv[NUM_VALUE].set) {
		want = spec->pv[NUM_VALUE].d;
	} else if (in->target == NULL) {
		return oed_err_set(err, OED_EX_DATA, "scorer 'numeric' needs a target or value=");
	} else if (!oed_sc_last_number(in->target, in->target_len, &want)) {
		return oed_err_set(err, OED_EX_DATA, "scorer 'numeric': the target holds no number");
	}
	if (!oed_sc_last_number(in->output, in->output_len, &got)) {
		oed_sc_verdict(res, false);
		oed_sc_reason(res, "no number in the output");
		return 0;
	}
	/* math.isclose: |a-b| <= max(rel * max(|a|,|b|), abs) */
	double diff = fabs(got - want);
	double tol = fmax(spec->pv[NUM_REL].d * fmax(fabs(got), fabs(want)), spec->pv[NUM_ABS].d);
	oed_sc_verdict(res, diff <= tol);
	if (!res->pass)
		oed_sc_reason(res, "read %.17g, expected %.17g", got, want);
	return 0;
}

/* ---- choice ---- */

static bool
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    c >= 0x80 || c == '_';
}

/* The index of letter c among letters (limited to n when n > 0), or -1. */
static long
letter_index(const char *letters, size_t n, char c)
{
	const char *p = strchr(letters, c);

	if (c == '\0' || p == NULL)
		return -1;
	if (n > 0 && (size_t)(p - letters) >= n)
		return -1;
	return (long)(p - letters);
}

/* Trim white space and wrapping ( ) [ ] . : from both ends. */
static void
trim_choice(const char **s, size_t *len)
{
	while (*len > 0 && strchr(" \t\r\n([*\"'", (*s)[0]) != NULL)
		(*s)++, (*len)--;
	while (*len > 0 && strchr(" \t\r\n)].:*\"'", (*s)[*len - 1]) != NULL)
		(*len)--;
}

static bool
same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/*
 * The chosen index in s: a lone letter or 0-based number, a choice's
 * text, the letter after the last "answer is" / "answer:", else the first
 * letter standing alone.  -1 when none.
 */
static long
choose(const char *letters, const struct oed_score_input *in, const char *s, size_t len,
       bool is_target)
{
	size_t n = in->choices != NULL ? in->nchoices : 0;
	const char *t = s;
	size_t tl = len;

	trim_choice(&t, &tl);
	if (tl == 1 && letter_index(letters, n, t[0]) >= 0)
		return letter_index(letters, n, t[0]);
	if (tl > 0 && strspn(t, "0123456789") >= tl && tl < 9) {
		long k = strtol(t, NULL, 10);
		if (n == 0 || (size_t)k < n)
			return k;
	}
	for (size_t i = 0; i < n; i++)
		if (in->choices[i] != NULL && same_text(t, tl, in->choices[i], strlen(in->choices[i])))
			return (long)i;
	if (is_target)
		return -1;
	/* "The answer is (B)", "Answer: C": the last such phrase wins. */
	long found = -1;
	for (size_t i = 0; i + 6 <= len; i++) {
		if (strncasecmp(s + i, "answer", 6) != 0)
			continue;
		size_t j = i + 6;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j + 2 <= len && strncasecmp(s + j, "is", 2) == 0)
			j += 2;
		else if (j < len && s[j] == ':')
			j++;
		else
			continue;
		while (j < len && strchr(" \t\n(*[", s[j]) != NULL)
			j++;
		if (j < len && (j + 1 == len || !is_alnum((unsigned char)s[j + 1])) &&
		    letter_index(letters, n, s[j]) >= 0)
			found = letter_index(letters, n, s[j]);
	}
	if (found >= 0)
		return found;
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || !is_alnum((unsigned char)s[i - 1])) &&
		    (i + 1 == len || !is_alnum((unsigned char)s[i + 1])) &&
		    letter_index(letters, n, s[i]) >= 0 && s[i] != 'I' && s[i] != 'a')
			return letter_index(letters, n, s[i]);
	}
	return -1;
}

int
oed_sc_choice(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	      struct oed_score_result *res, struct oed_err *err)
{
	const char *letters = spec->pv[CH_LETTERS].s, *ref;
	size_t reflen;
	long want, got;

	if (oed_sc_reference(spec, CH_VALUE, in, &ref, &reflen, err) == -1)
		return -1;
	if ((want = choose(letters, in, ref, reflen, true)) < 0)
		return oed_err_set(err, OED_EX_DATA,
		    "scorer 'choice': the target '%.*s' names no choice", (int)(reflen > 40 ? 40 : reflen), ref);
	got = choose(letters, in, in->output, in->output_len, false);
	oed_sc_verdict(res, got == want);
	if (got < 0)
		oed_sc_reason(res, "no choice found in the output");
	return 0;
}

int
oed_sc_is_json(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	       struct oed_score_result *res, struct oed_err *err)
{
	json_error_t jerr;
	json_t *v = json_loadb(in->output != NULL ? in->output : "", in->output_len,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	long want = spec->pv[JS_TYPE].i;

	(void)err;
	if (v == NULL) {
		oed_sc_verdict(res, false);
		oed_sc_reason(res, "not JSON: %s at column %d", jerr.text, jerr.column);
		return 0;
	}
	oed_sc_verdict(res, want == 0 || (want == 1 && json_is_object(v)) ||
	    (want == 2 && json_is_array(v)));
	if (!res->pass)
		oed_sc_reason(res, "JSON, but not an %s", want == 1 ? "object" : "array");
	json_decref(v);
	return 0;
}
