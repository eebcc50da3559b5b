/*
 * structure.c: scorers of an output's form: json_schema (a documented
 * subset of JSON Schema, Draft 7 semantics, checked against
 * python3-jsonschema) and length (characters, words, bytes or tokens).
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "exit.h"
#include "internal.h"
#include "tokenizer.h"

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

/* ---- json_schema ---- */

const struct oed_scorer_param oed_sc_json_schema_params[] = {
	{ "schema", OED_PARAM_STRING, NULL, "the schema as JSON text", NULL },
	{ "schema_file", OED_PARAM_STRING, NULL, "a file holding the schema", NULL },
	OED_SC_PARAMS_END
};
enum { JS_SCHEMA, JS_FILE };

/* A compiled pattern for each "pattern" keyword, by its schema node. */
struct js_pattern {
	const json_t *node;
	struct oed_sc_regex *re;
};

struct js_state {
	json_t *schema;
	struct js_pattern *pat;
	size_t npat, cappat;
};

/* Keywords that only annotate: accepted and ignored. */
static const char *const annotations[] = {
	"$schema", "$id", "$comment", "title", "description", "default", "examples",
	NULL
};
static const char *const keywords[] = {
	"type", "properties", "required", "enum", "items", "minimum", "maximum",
	"minLength", "maxLength", "pattern", NULL
};
static const char *const types[] = {
	"object", "array", "string", "number", "integer", "boolean", "null", NULL
};

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static int
schema_bad(struct oed_err *err, const char *where, const char *what)
{
	return oed_err_set(err, OED_EX_USAGE, "scorer 'json_schema': schema%s%s: %s",
	    *where ? " at " : "", where, what);
}

/* Check one schema node and compile its patterns; where is a JSON Pointer. */
static int
check_schema(struct js_state *st, const json_t *s, const char *where, struct oed_err *err)
{
	const char *k;
	json_t *v;
	char sub[512], msg[300];

	if (json_is_boolean(s))
		return 0;
	if (!json_is_object(s))
		return schema_bad(err, where, "a schema must be an object or a boolean");
	json_object_foreach((json_t *)s, k, v) {
		if (in_list(annotations, k))
			continue;
		if (!in_list(keywords, k)) {
			snprintf(msg, sizeof(msg), "keyword '%s' is not in the supported subset "
			    "(type, properties, required, enum, items, minimum, maximum, minLength, "
			    "maxLength, pattern)", k);
			return schema_bad(err, where, msg);
		}
		if (strcmp(k, "type") == 0) {
			size_t i;
			json_t *t;
			bool ok = json_is_string(v) && in_list(types, json_string_value(v));
			if (json_is_array(v) && json_array_size(v) > 0) {
				ok = true;
				json_array_foreach(v, i, t)
					ok = ok && json_is_string(t) && in_list(types, json_string_value(t));
			}
			if (!ok)
				return schema_bad(err, where, "type must be a type name or a list of them");
		} else if (strcmp(k, "properties") == 0) {
			const char *pk;
			json_t *pv;
			if (!json_is_object(v))
				return schema_bad(err, where, "properties must be an object");
			json_object_foreach(v, pk, pv) {
				snprintf(sub, sizeof(sub), "%s/properties/%s", where, pk);
				if (check_schema(st, pv, sub, err) == -1)
					return -1;
			}
		} else if (strcmp(k, "required") == 0) {
			size_t i;
			json_t *t;
			bool ok = json_is_array(v);
			json_array_foreach(v, i, t)
				ok = ok && json_is_string(t);
			if (!ok)
				return schema_bad(err, where, "required must be a list of names");
		} else if (strcmp(k, "enum") == 0) {
			if (!json_is_array(v))
				return schema_bad(err, where, "enum must be a list");
		} else if (strcmp(k, "items") == 0) {
			if (json_is_array(v))
				return schema_bad(err, where, "items as a list of schemas is not in the subset");
			snprintf(sub, sizeof(sub), "%s/items", where);
			if (check_schema(st, v, sub, err) == -1)
				return -1;
		} else if (strcmp(k, "minimum") == 0 || strcmp(k, "maximum") == 0) {
			if (!json_is_number(v))
				return schema_bad(err, where, "minimum and maximum must be numbers");
		} else if (strcmp(k, "minLength") == 0 || strcmp(k, "maxLength") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return schema_bad(err, where, "minLength and maxLength must be integers >= 0");
		} else if (strcmp(k, "pattern") == 0) {
			if (!json_is_string(v))
				return schema_bad(err, where, "pattern must be a string");
			if (st->npat == st->cappat) {
				size_t ncap = st->cappat ? st->cappat * 2 : 4;
				struct js_pattern *p = realloc(st->pat, ncap * sizeof(*p));
				if (p == NULL)
					return OOM(err);
				st->pat = p;
				st->cappat = ncap;
			}
			snprintf(sub, sizeof(sub), "scorer 'json_schema': pattern at %s/pattern", where);
			struct oed_sc_regex *re = oed_sc_regex_new(json_string_value(v), false, false, sub, err);
			if (re == NULL)
				return -1;
			st->pat[st->npat].node = s;
			st->pat[st->npat].re = re;
			st->npat++;
		}
	}
	return 0;
}

void
oed_sc_json_schema_release(struct oed_scorer_spec *spec)
{
	struct js_state *st = spec->state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->npat; i++)
		oed_sc_regex_free(st->pat[i].re);
	free(st->pat);
	json_decref(st->schema);
	free(st);
	spec->state = NULL;
}

int
oed_sc_json_schema_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct js_state *st = calloc(1, sizeof(*st));
	const char *text = spec->pv[JS_SCHEMA].s, *file = spec->pv[JS_FILE].s;
	json_error_t je;

	if ((spec->state = st) == NULL)
		return OOM(err);
	if ((text == NULL) == (file == NULL))
		return oed_err_set(err, OED_EX_USAGE,
		    "scorer 'json_schema' needs one of schema= and schema_file=");
	if (text != NULL)
		st->schema = json_loads(text, JSON_DECODE_ANY, &je);
	else
		st->schema = json_load_file(file, JSON_DECODE_ANY, &je);
	if (st->schema == NULL) {
		if (file != NULL && je.line <= 0)
			return oed_err_set(err, OED_EX_USAGE, "scorer 'json_schema': %s", je.text);
		return oed_err_set(err, OED_EX_USAGE, "scorer 'json_schema': %s%s%s is not JSON: %s "
		    "at line %d, column %d", file ? "'" : "", file ? file : "the schema",
		    file ? "'" : "", je.text, je.line, je.column);
	}
	return check_schema(st, st->schema, "", err);
}

static struct oed_sc_regex *
pattern_of(const struct js_state *st, const json_t *node)
{
	for (size_t i = 0; i < st->npat; i++)
		if (st->pat[i].node == node)
			return st->pat[i].re;
	return NULL;
}

static bool
is_type(const json_t *v, const char *t)
{
	switch (t[0]) {
	case 'o': return json_is_object(v);
	case 'a': return json_is_array(v);
	case 's': return json_is_string(v);
	case 'b': return json_is_boolean(v);
	case 'n':
		if (t[1] == 'u' && t[2] == 'l')
			return json_is_null(v);
		return json_is_number(v);
	case 'i':
		/* Draft 4 on: a number with no fraction is an integer, 1.0 too. */
		return json_is_integer(v) ||
		    (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
	}
	return false;
}

/* JSON equality as jsonschema's enum sees it: 1 == 1.0, true != 1. */
static bool
js_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b) &&
		    (!json_is_integer(a) || !json_is_integer(b) ||
		    json_integer_value(a) == json_integer_value(b));
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!js_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v) {
			json_t *w = json_object_get(b, k);
			if (w == NULL || !js_equal(v, w))
				return false;
		}
		return true;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

static size_t
code_points(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		p += k ? k : 1;
		n++;
	}
	return n;
}

/*
 * Validate v against schema s; 1 valid, 0 invalid with why[] set, -1
 * error (err set: a pattern gave up).  where is v's JSON Pointer.
 */
static int
validate(const struct js_state *st, const json_t *s, const json_t *v, char *where, size_t wlen,
	 char *why, size_t whysize, struct oed_err *err)
{
	json_t *k;
	const char *at = *where ? where : "/";

	if (json_is_boolean(s)) {
		if (json_is_true(s))
			return 1;
		snprintf(why, whysize, "%s: the schema allows nothing here", at);
		return 0;
	}
	if ((k = json_object_get(s, "type")) != NULL) {
		bool ok = false;
		if (json_is_string(k)) {
			ok = is_type(v, json_string_value(k));
		} else {
			size_t i;
			json_t *t;
			json_array_foreach(k, i, t)
				ok = ok || is_type(v, json_string_value(t));
		}
		if (!ok) {
			char *t = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
			snprintf(why, whysize, "%s: not of type %s", at, t != NULL ? t : "?");
			free(t);
			return 0;
		}
	}
	if ((k = json_object_get(s, "enum")) != NULL) {
		size_t i;
		json_t *e;
		bool ok = false;
		json_array_foreach(k, i, e)
			ok = ok || js_equal(v, e);
		if (!ok) {
			snprintf(why, whysize, "%s: not one of the enum's values", at);
			return 0;
		}
	}
	if (json_is_number(v)) {
		double x = json_number_value(v);
		if ((k = json_object_get(s, "minimum")) != NULL && x < json_number_value(k)) {
			snprintf(why, whysize, "%s: %.17g is below the minimum", at, x);
			return 0;
		}
		if ((k = json_object_get(s, "maximum")) != NULL && x > json_number_value(k)) {
			snprintf(why, whysize, "%s: %.17g is above the maximum", at, x);
			return 0;
		}
	}
	if (json_is_string(v)) {
		size_t n = code_points(json_string_value(v), json_string_length(v));
		if ((k = json_object_get(s, "minLength")) != NULL && (json_int_t)n < json_integer_value(k)) {
			snprintf(why, whysize, "%s: shorter than minLength", at);
			return 0;
		}
		if ((k = json_object_get(s, "maxLength")) != NULL && (json_int_t)n > json_integer_value(k)) {
			snprintf(why, whysize, "%s: longer than maxLength", at);
			return 0;
		}
		struct oed_sc_regex *re = pattern_of(st, s);
		if (re != NULL) {
			size_t ms, me;
			int rc = oed_sc_regex_search(re, json_string_value(v), json_string_length(v), 0, 0,
			    &ms, &me, err);
			if (rc == -1)
				return -1;
			if (rc == 0) {
				snprintf(why, whysize, "%s: does not match the pattern", at);
				return 0;
			}
		}
	}
	if (json_is_object(v)) {
		json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");
		size_t i;
		json_t *r;
		json_array_foreach(req, i, r) {
			if (json_object_get(v, json_string_value(r)) == NULL) {
				snprintf(why, whysize, "%s: required property '%s' is missing", at,
				    json_string_value(r));
				return 0;
			}
		}
		if (props != NULL) {
			const char *pk;
			json_t *ps;
			json_object_foreach(props, pk, ps) {
				json_t *pv = json_object_get(v, pk);
				if (pv == NULL)
					continue;
				size_t l = strlen(where);
				snprintf(where + l, wlen - l, "/%s", pk);
				int rc = validate(st, ps, pv, where, wlen, why, whysize, err);
				where[l] = '\0';
				if (rc != 1)
					return rc;
			}
		}
	}
	if (json_is_array(v) && (k = json_object_get(s, "items")) != NULL) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			size_t l = strlen(where);
			snprintf(where + l, wlen - l, "/%zu", i);
			int rc = validate(st, k, e, where, wlen, why, whysize, err);
			where[l] = '\0';
			if (rc != 1)
				return rc;
		}
	}
	return 1;
}

int
oed_sc_json_schema(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		   struct oed_score_result *res, struct oed_err *err)
{
	struct js_state *st = spec->state;
	json_error_t je;
	char where[1024] = "", why[1400];
	json_t *v = json_loadb(in->output != NULL ? in->output : "", in->output_len,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	int rc;

	if (v == NULL) {
		oed_sc_verdict(res, false);
		oed_sc_reason(res, "not JSON: %s at column %d", je.text, je.column);
		return 0;
	}
	rc = validate(st, st->schema, v, where, sizeof(where), why, sizeof(why), err);
	json_decref(v);
	if (rc == -1)
		return -1;
	oed_sc_verdict(res, rc == 1);
	if (rc == 0)
		oed_sc_reason(res, "%s", why);
	return 0;
}

/* ---- length ---- */

const struct oed_scorer_param oed_sc_length_params[] = {
	{ "max", OED_PARAM_INT, NULL, "pass only up to this length", NULL },
	{ "min", OED_PARAM_INT, NULL, "pass only from this length", NULL },
	{ "unit", OED_PARAM_ENUM, "chars", "what is counted", "chars|words|bytes|tokens" },
	{ "encoding", OED_PARAM_STRING, "cl100k_base",
	  "tokenizer encoding or model for unit=tokens", NULL },
	OED_SC_PARAMS_END
};
enum { LEN_MAX, LEN_MIN, LEN_UNIT, LEN_ENC };
enum { UNIT_CHARS, UNIT_WORDS, UNIT_BYTES, UNIT_TOKENS };

int
oed_sc_length_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	const struct oed_param_value *mx = &spec->pv[LEN_MAX], *mn = &spec->pv[LEN_MIN];

	if ((mx->set && mx->i < 0) || (mn->set && mn->i < 0))
		return oed_err_set(err, OED_EX_USAGE, "scorer 'length': min and max must be >= 0");
	if (mx->set && mn->set && mn->i > mx->i)
		return oed_err_set(err, OED_EX_USAGE, "scorer 'length': min is above max");
	if (spec->pv[LEN_UNIT].i == UNIT_TOKENS) {
		if (oed_encoding_for(spec->pv[LEN_ENC].s) == NULL)
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer 'length': '%s' is not an encoding or a known model",
			    spec->pv[LEN_ENC].s);
		if ((spec->state = oed_tokenizer_open(spec->pv[LEN_ENC].s, NULL, err)) == NULL)
			return -1;
	}
	return 0;
}

void
oed_sc_length_release(struct oed_scorer_spec *spec)
{
	oed_tokenizer_free(spec->state);
	spec->state = NULL;
}

/*
 * Per byte, for counting words: 0 a byte of a word, 1 ASCII White_Space,
 * 2 the lead byte of a code point that may be White_Space above ASCII
 * (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000: leads C2, E1, E2, E3), decoded.  Any other byte, a lead
 * or a continuation, is part of a word: a continuation after its lead
 * changes nothing, and a stray one starts a word as an undecodable byte
 * does.
 */
static const unsigned char word_byte[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
	[0xC2] = 2, [0xE1] = 2, [0xE2] = 2, [0xE3] = 2,
};

/* The length of the White_Space code point above ASCII at p (lead C2, E1, E2, E3), else 0. */
static inline size_t
wide_space(const unsigned char *p, const unsigned char *end)
{
	size_t left = (size_t)(end - p);

	if (p[0] == 0xC2)
		return left >= 2 && (p[1] == 0x85 || p[1] == 0xA0) ? 2 : 0;
	if (left < 3)
		return 0;
	if (p[0] == 0xE1)
		return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
	if (p[0] == 0xE3)
		return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
	if (p[1] == 0x80)	/* E2 80: U+2000..U+200A, U+2028, U+2029, U+202F */
		return (p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 ||
		    p[2] == 0xAF ? 3 : 0;
	return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;	/* U+205F */
}

/* One byte (or one White_Space code point) of count_words at *p. */
static inline void
word_step(const unsigned char **pp, const unsigned char *end, size_t *n, unsigned *in)
{
	const unsigned char *p = *pp;
	unsigned c = word_byte[*p];

	if (__builtin_expect(c == 2, 0)) {
		size_t k = wide_space(p, end);
		if (k > 0) {
			*in = 0;
			*pp = p + k;
			return;
		}
		c = 0;
	}
	unsigned word = c == 0;
	*n += word & (*in ^ 1);
	*in = word;
	*pp = p + 1;
}

/* Words: maximal runs of code points that are not White_Space. */
static size_t
count_words(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;
	unsigned in = 0;

#ifdef __SSE2__
	/*
	 * Sixteen bytes at a time: a word starts at each byte that is not
	 * ASCII White_Space after one that is (the first byte: unless a word
	 * runs on).  A block holding a byte that may lead White_Space above
	 * ASCII (C2, E1..E3) goes byte by byte.
	 */
	const __m128i xc2 = _mm_set1_epi8((char)0xC2), xe1 = _mm_set1_epi8((char)0xE1);
	const __m128i two = _mm_set1_epi8(2), four = _mm_set1_epi8(4);
	const __m128i tab = _mm_set1_epi8(0x09), blank = _mm_set1_epi8(' ');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i e = _mm_sub_epi8(v, xe1);	/* E1..E3: 0..2 */
		__m128i lead = _mm_or_si128(_mm_cmpeq_epi8(v, xc2),
		    _mm_cmpeq_epi8(_mm_max_epu8(e, two), two));
		if (_mm_movemask_epi8(lead) != 0) {
			const unsigned char *stop = p + 16;
			while (p < stop)
				word_step(&p, end, &n, &in);
			continue;
		}
		__m128i c = _mm_sub_epi8(v, tab);	/* TAB..CR: 0..4 */
		__m128i sp = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(c, four), four),
		    _mm_cmpeq_epi8(v, blank));
		unsigned word = ~(unsigned)_mm_movemask_epi8(sp) & 0xFFFFu;
		/* the bits of the 16-bit starts, added in place (no libgcc call) */
		unsigned b = word & ~((word << 1) | in) & 0xFFFFu;
		b -= (b >> 1) & 0x5555u;
		b = (b & 0x3333u) + ((b >> 2) & 0x3333u);
		b = (b + (b >> 4)) & 0x0F0Fu;
		n += (b + (b >> 8)) & 0x1Fu;
		in = word >> 15;
		p += 16;
	}
#endif
	while (p < end)
		word_step(&p, end, &n, &in);
	return n;
}

int
oed_sc_length(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	      struct oed_score_result *res, struct oed_err *err)
{
	const struct oed_param_value *mx = &spec->pv[LEN_MAX], *mn = &spec->pv[LEN_MIN];
	size_t n = 0;

	switch (spec->pv[LEN_UNIT].i) {
	case UNIT_CHARS:
		n = code_points(in->output, in->output_len);
		break;
	case UNIT_WORDS:
		n = count_words(in->output, in->output_len);
		break;
	case UNIT_BYTES:
		n = in->output_len;
		break;
	default:
		n = oed_tokenizer_count(spec->state, in->output != NULL ? in->output : "",
		    in->output_len, false);
		if (n == (size_t)-1)
			return OOM(err);
	}
	res->value = (double)n;
	if (mx->set || mn->set) {
		res->pass = (!mx->set || (long long)n <= mx->i) && (!mn->set || (long long)n >= mn->i);
		if (!res->pass)
			oed_sc_reason(res, "%zu %s, %s %lld", n, spec->pv[LEN_UNIT].s,
			    mx->set && (long long)n > mx->i ? "more than" : "fewer than",
			    mx->set && (long long)n > mx->i ? mx->i : mn->i);
	}
	return 0;
}
