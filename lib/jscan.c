/*
 * jscan: the reader's fast path.  One pass over a line validates it as
 * RFC 8259 JSON exactly as jansson (flags 0) does and decodes only the
 * values of the paths asked for; everything else is skipped, but still
 * validated, without building a tree.
 *
 * What goes to jansson instead (oed_jscan_line returns 0):
 *   - any line that is invalid or that jansson might reject: jansson then
 *     writes the message;
 *   - a top-level value that is not an object;
 *   - nesting deeper than 512 levels (jansson's own limit is 2048);
 *   - an integer that does not fit a long long, or a real that overflows
 *     a double (errors in jansson);
 *   - a path that goes through an array (a digit segment applied to an
 *     array rather than an object).
 * Duplicate keys behave as in jansson: the last one wins, and a later
 * duplicate of an object on a path replaces everything beneath it.
 */
#include "config.h"
#include "jscan.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_DEPTH 512

/* A node of the trie of requested paths. */
struct node {
	const char *key;	/* NULL at the root */
	size_t keylen;
	int leaf;		/* index into vals, or -1 */
	int first_leaf, end_leaf;	/* leaves beneath (incl. own), as a sorted index list range */
	struct node **kids;
	size_t nkids;
	bool index_kid;		/* a child segment could index an array */
};

struct oed_jscan {
	struct node root;
	int *order;		/* leaf indices grouped by subtree */
	size_t npaths;
	char *scratch;		/* decoded strings */
	size_t slen, scap;
	size_t *soff;		/* per path: offset of its string in scratch */
	const unsigned char *p, *end;
	struct oed_value *vals;
	bool fail;
};

static struct node *
child(struct node *n, const char *key, size_t len, bool create)
{
	struct node **kids, *c;

	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->keylen == len && memcmp(n->kids[i]->key, key, len) == 0)
			return n->kids[i];
	if (!create)
		return NULL;
	kids = realloc(n->kids, (n->nkids + 1) * sizeof(*kids));
	c = calloc(1, sizeof(*c));
	if (kids == NULL || c == NULL) {
		free(c);
		if (kids)
			n->kids = kids;
		return NULL;
	}
	n->kids = kids;
	c->key = key;
	c->keylen = len;
	c->leaf = -1;
	n->kids[n->nkids++] = c;
	return c;
}

static void
free_node(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		free_node(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
}

/* Number the leaves depth first so every subtree owns a contiguous range. */
static void
order_leaves(struct oed_jscan *s, struct node *n, int *k)
{
	n->first_leaf = *k;
	if (n->leaf >= 0)
		s->order[(*k)++] = n->leaf;
	for (size_t i = 0; i < n->nkids; i++)
		order_leaves(s, n->kids[i], k);
	n->end_leaf = *k;
}

struct oed_jscan *
oed_jscan_new(const struct oed_path *paths, size_t npaths)
{
	struct oed_jscan *s = calloc(1, sizeof(*s));
	int k = 0;

	if (s == NULL)
		return NULL;
	s->root.leaf = -1;
	s->npaths = npaths;
	s->order = calloc(npaths + 1, sizeof(*s->order));
	s->soff = calloc(npaths + 1, sizeof(*s->soff));
	if (s->order == NULL || s->soff == NULL)
		goto fail;
	for (size_t i = 0; i < npaths; i++) {
		struct node *n = &s->root;

		for (size_t j = 0; j < paths[i].nseg; j++) {
			if (paths[i].seg[j].index >= 0)
				n->index_kid = true;
			n = child(n, paths[i].seg[j].key, paths[i].seg[j].len, true);
			if (n == NULL)
				goto fail;
		}
		/* the same path twice cannot happen: the reader dedups specs, but
		 * "a.b" and "/a/b" are one path with two spellings */
		if (n->leaf >= 0)
			goto fail;
		n->leaf = (int)i;
	}
	order_leaves(s, &s->root, &k);
	return s;
fail:
	oed_jscan_free(s);
	return NULL;
}

void
oed_jscan_free(struct oed_jscan *s)
{
	if (s == NULL)
		return;
	free_node(&s->root);
	free(s->order);
	free(s->soff);
	free(s->scratch);
	free(s);
}

static inline void
skip_ws(struct oed_jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
scratch_put(struct oed_jscan *s, const void *bytes, size_t n)
{
	if (s->slen + n + 1 > s->scap) {
		size_t cap = s->scap ? s->scap : 4096;
		char *q;

		while (cap < s->slen + n + 1)
			cap *= 2;
		q = realloc(s->scratch, cap);
		if (q == NULL)
			return -1;
		s->scratch = q;
		s->scap = cap;
	}
	memcpy(s->scratch + s->slen, bytes, n);
	s->slen += n;
	return 0;
}

static int
hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

static int
read_u4(struct oed_jscan *s, unsigned *out)
{
	unsigned v = 0;

	if (s->end - s->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s->p[i]);

		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	s->p += 4;
	*out = v;
	return 0;
}

/* Validate one non-ASCII UTF-8 sequence at s->p; its length or 0. */
static inline size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t avail = (size_t)(end - p);

	if (c >= 0xC2 && c <= 0xDF)
		return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

		return avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

		return avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
		       (p[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* Length of the run of plain string bytes (printable ASCII but '"' and '\\'). */
static inline size_t
plain_run(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1F);

	while (end - q >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)q);
		/* bytes >= 0x80 are negative as signed: they compare below 0x20 too */
		__m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
							    _mm_cmpeq_epi8(v, bslash)),
					       _mm_cmplt_epi8(v, _mm_add_epi8(ctl, _mm_set1_epi8(1))));
		int mask = _mm_movemask_epi8(special);

		if (mask)
			return (size_t)(q - p) + (size_t)__builtin_ctz((unsigned)mask);
		q += 16;
	}
#endif
	while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
		q++;
	return (size_t)(q - p);
}

/*
 * A string at s->p (after the opening quote).  With keep, its decoded bytes
 * go to scratch (offset in *off, length in *len).  0 or -1 (fall back).
 */
static int
scan_string(struct oed_jscan *s, bool keep, size_t *off, size_t *len)
{
	size_t start = s->slen;

	for (;;) {
		size_t run = plain_run(s->p, s->end);

		if (keep && run && scratch_put(s, s->p, run) == -1)
			return -1;
		s->p += run;
		if (s->p >= s->end)
			return -1;
		if (*s->p == '"') {
			s->p++;
			break;
		}
		if (*s->p == '\\') {
			unsigned cp;
			char buf[4];
			size_t n;

			s->p++;
			if (s->p >= s->end)
				return -1;
			switch (*s->p++) {
			case '"': buf[0] = '"'; n = 1; break;
			case '\\': buf[0] = '\\'; n = 1; break;
			case '/': buf[0] = '/'; n = 1; break;
			case 'b': buf[0] = '\b'; n = 1; break;
			case 'f': buf[0] = '\f'; n = 1; break;
			case 'n': buf[0] = '\n'; n = 1; break;
			case 'r': buf[0] = '\r'; n = 1; break;
			case 't': buf[0] = '\t'; n = 1; break;
			case 'u':
				if (read_u4(s, &cp) == -1)
					return -1;
				if (cp == 0)
					return -1;	/* \u0000: jansson refuses without JSON_ALLOW_NUL */
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return -1;	/* lone low surrogate */
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					unsigned lo;

					if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
						return -1;
					s->p += 2;
					if (read_u4(s, &lo) == -1 || lo < 0xDC00 || lo > 0xDFFF)
						return -1;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				}
				if (cp < 0x80) {
					buf[0] = (char)cp;
					n = 1;
				} else if (cp < 0x800) {
					buf[0] = (char)(0xC0 | cp >> 6);
					buf[1] = (char)(0x80 | (cp & 0x3F));
					n = 2;
				} else if (cp < 0x10000) {
					buf[0] = (char)(0xE0 | cp >> 12);
					buf[1] = (char)(0x80 | (cp >> 6 & 0x3F));
					buf[2] = (char)(0x80 | (cp & 0x3F));
					n = 3;
				} else {
					buf[0] = (char)(0xF0 | cp >> 18);
					buf[1] = (char)(0x80 | (cp >> 12 & 0x3F));
					buf[2] = (char)(0x80 | (cp >> 6 & 0x3F));
					buf[3] = (char)(0x80 | (cp & 0x3F));
					n = 4;
				}
				break;
			default:
				return -1;
			}
			if (keep && scratch_put(s, buf, n) == -1)
				return -1;
			continue;
		}
		if (*s->p < 0x20)
			return -1;	/* control character */
		/* non-ASCII: one UTF-8 sequence */
		{
			size_t n = utf8_seq(s->p, s->end);

			if (n == 0)
				return -1;
			if (keep && scratch_put(s, s->p, n) == -1)
				return -1;
			s->p += n;
		}
	}
	if (keep) {
		if (scratch_put(s, "", 1) == -1)	/* NUL terminator */
			return -1;
		*off = start;
		*len = s->slen - start - 1;
	}
	return 0;
}

/* A number; fills v when v != NULL.  0 or -1. */
static int
scan_number(struct oed_jscan *s, struct oed_value *v)
{
	const unsigned char *start = s->p;
	bool is_int = true, has_exp = false;
	char buf[64], *endp;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p >= s->end)
		return -1;
	if (*s->p == '0') {
		s->p++;
	} else if (*s->p >= '1' && *s->p <= '9') {
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	} else {
		return -1;
	}
	if (s->p < s->end && *s->p == '.') {
		is_int = false;
		s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return -1;
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		is_int = false;
		has_exp = true;
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return -1;
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	/*
	 * A skipped number still has to be one jansson accepts: an integer of
	 * up to 18 digits always fits a long long, and a real without an
	 * exponent and under 300 characters cannot overflow; only the rest is
	 * converted to find out.
	 */
	if (v == NULL && ((is_int && s->p - start <= 18) ||
			  (!is_int && !has_exp && s->p - start < 300)))
		return 0;
	if ((size_t)(s->p - start) >= sizeof(buf))
		return -1;	/* very long numbers: jansson decides */
	memcpy(buf, start, (size_t)(s->p - start));
	buf[s->p - start] = '\0';
	errno = 0;
	if (is_int) {
		long long i = strtoll(buf, &endp, 10);

		if (errno == ERANGE)
			return -1;	/* "too big integer" in jansson */
		if (v) {
			v->type = OED_V_NUMBER;
			v->is_int = true;
			v->i = i;
			v->num = (double)i;
		}
	} else {
		double d = strtod(buf, &endp);

		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			return -1;	/* "real number overflow" */
		if (v) {
			v->type = OED_V_NUMBER;
			v->is_int = false;
			v->i = 0;
			v->num = d;
		}
	}
	return 0;
}

static int
literal(struct oed_jscan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static void
clear_leaves(struct oed_jscan *s, const struct node *n)
{
	for (int k = n->first_leaf; k < n->end_leaf; k++)
		memset(&s->vals[s->order[k]], 0, sizeof(s->vals[0]));
}

static int scan_value(struct oed_jscan *s, const struct node *n, int depth);

static int
scan_object(struct oed_jscan *s, const struct node *n, int depth)
{
	s->p++;		/* { */
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		const unsigned char *kstart;
		const struct node *c = NULL;
		bool escaped;

		if (s->p >= s->end || *s->p != '"')
			return -1;
		s->p++;
		kstart = s->p;
		if (scan_string(s, false, NULL, NULL) == -1)
			return -1;
		escaped = memchr(kstart, '\\', (size_t)(s->p - 1 - kstart)) != NULL;
		if (n && n->nkids) {
			const char *key = (const char *)kstart;
			size_t keylen = (size_t)(s->p - 1 - kstart), mark = s->slen;

			if (escaped) {
				/* compare the decoded key; scratch is rolled back after */
				const unsigned char *after = s->p;
				size_t off;

				s->p = kstart;
				if (scan_string(s, true, &off, &keylen) == -1)
					return -1;
				key = s->scratch + off;
				s->p = after;
			}
			for (size_t i = 0; i < n->nkids; i++)
				if (n->kids[i]->keylen == keylen &&
				    memcmp(n->kids[i]->key, key, keylen) == 0) {
					c = n->kids[i];
					break;
				}
			s->slen = mark;
		}
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -1;
		s->p++;
		skip_ws(s);
		if (c) {
			clear_leaves(s, c);	/* a later duplicate replaces all beneath */
			if (scan_value(s, c, depth) == -1)
				return -1;
		} else if (scan_value(s, NULL, depth) == -1) {
			return -1;
		}
		skip_ws(s);
		if (s->p >= s->end)
			return -1;
		if (*s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (*s->p == '}') {
			s->p++;
			return 0;
		}
		return -1;
	}
}

static int
scan_array(struct oed_jscan *s, const struct node *n, int depth)
{
	/* a path that indexes into an array: let jansson resolve it; a path
	 * of object keys finds nothing in an array, as in jansson */
	if (n && n->index_kid)
		return -1;
	s->p++;		/* [ */
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		if (scan_value(s, NULL, depth) == -1)
			return -1;
		skip_ws(s);
		if (s->p >= s->end)
			return -1;
		if (*s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		return -1;
	}
}

/* n: the trie node this value sits at, NULL when nothing beneath is wanted. */
static int
scan_value(struct oed_jscan *s, const struct node *n, int depth)
{
	struct oed_value *v = n && n->leaf >= 0 ? &s->vals[n->leaf] : NULL;

	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '{':
		if (depth + 1 > MAX_DEPTH)
			return -1;
		if (v)
			v->type = OED_V_OBJECT;
		return scan_object(s, n, depth + 1);
	case '[':
		if (depth + 1 > MAX_DEPTH)
			return -1;
		if (v)
			v->type = OED_V_ARRAY;
		return scan_array(s, n, depth + 1);
	case '"': {
		size_t off = 0, len = 0;

		s->p++;
		if (scan_string(s, v != NULL, &off, &len) == -1)
			return -1;
		if (v) {
			v->type = OED_V_STRING;
			v->len = len;
			v->num = 0;
			v->is_int = false;
			v->i = 0;
			s->soff[n->leaf] = off;
		}
		return 0;
	}
	case 't':
		if (literal(s, "true", 4) == -1)
			return -1;
		if (v) {
			memset(v, 0, sizeof(*v));
			v->type = OED_V_TRUE;
			v->num = 1;
		}
		return 0;
	case 'f':
		if (literal(s, "false", 5) == -1)
			return -1;
		if (v) {
			memset(v, 0, sizeof(*v));
			v->type = OED_V_FALSE;
		}
		return 0;
	case 'n':
		if (literal(s, "null", 4) == -1)
			return -1;
		if (v) {
			memset(v, 0, sizeof(*v));
			v->type = OED_V_NULL;
		}
		return 0;
	default:
		if (v)
			memset(v, 0, sizeof(*v));
		return scan_number(s, v);
	}
}

int
oed_jscan_line(struct oed_jscan *s, const char *line, size_t len, struct oed_value *vals)
{
	s->p = (const unsigned char *)line;
	s->end = s->p + len;
	s->vals = vals;
	s->slen = 0;
	for (size_t i = 0; i < s->npaths; i++)
		memset(&vals[i], 0, sizeof(vals[i]));
	skip_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return 0;
	if (scan_value(s, &s->root, 0) == -1)
		return 0;
	skip_ws(s);
	if (s->p != s->end)
		return 0;
	/* strings last: scratch may have moved while it grew */
	for (size_t i = 0; i < s->npaths; i++)
		if (vals[i].type == OED_V_STRING)
			vals[i].str = s->scratch + s->soff[i];
	return 1;
}
