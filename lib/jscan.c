/*
 * jscan: the reader's fast path.  One pass over a line validates it as
 * RFC 8259 JSON and decodes only the values of the paths asked for;
 * everything else is skipped, but still validated (grammar, UTF-8,
 * escapes), without building a tree.
 *
 * Valid is what jansson accepts with JSON_ALLOW_NUL, and two things more
 * that RFC 8259 allows and jansson refuses: integers past a long long and
 * numbers beyond a double.  The range of a number only matters when it is
 * read, so a number nobody asked for is checked for its grammar alone.  A
 * requested integer past a long long is read as a double; a requested
 * number beyond a double, or one inside a requested array or object, is
 * flagged (oed_value.overflow) for the reader to refuse by name.  \u0000
 * decodes to a NUL byte kept inside the string (lengths are carried).
 *
 * What goes to jansson instead (oed_jscan_line returns 0): every line that
 * is not valid (jansson then writes the message), and of the valid lines
 * exactly two kinds: a top-level value that is not an object (the reader
 * says why it refuses it), and nesting of arrays and objects deeper than
 * 512 levels (jansson's own limit is 2048; the scanner recurses and keeps
 * its stack small).  Everything else is handled here: paths of keys and of
 * array indices at any depth, the same path spelled twice ("a.b" and
 * "/a/b"), duplicate keys (the last one wins, and a later duplicate
 * replaces everything beneath it), numbers and strings of any length.
 *
 * Strings asked for are decoded into a scratch buffer owned by the scanner
 * and NUL-terminated there; the line itself is never written to and never
 * read past its length.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strtod_l: reals are read in the C locale, as jansson reads them */
#endif
#include "config.h"
#include "jscan.h"
#include "buf.h"
#include "map.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_DEPTH 512

/*
 * A node of the trie of requested paths.  A segment names a key of an
 * object and, when it is "0" or digits without a leading zero, also an
 * element of an array (field.h); both kinds of child live in kids, and
 * ikids lists the second kind again sorted by index.
 */
struct node {
	const char *key;	/* NULL at the root */
	size_t keylen;
	long index;		/* the array element this segment names, or -1 */
	int leaf;		/* the path ending here, or -1 */
	int first, end;		/* the leaves beneath, own included: order[first..end) */
	struct node **kids;
	size_t nkids;
	struct node **ikids;
	size_t nikids;
	/*
	 * With many kids, a key is looked up by its hash in a map to the
	 * kid's number, so that a record of K keys costs O(K), not O(K x
	 * fields).  Two kids whose keys share a 64-bit hash leave the node
	 * to the linear scan (hashed false).
	 */
	struct oed_map byhash;
	bool hashed;
};

enum { LINEAR_KIDS = 8 };	/* up to this many, a scan beats hashing the key */

static inline uint64_t
key_hash(const char *key, size_t len)
{
	uint64_t h = UINT64_C(1469598103934665603);	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * UINT64_C(1099511628211);
	return h;
}

struct oed_jscan {
	struct node root;
	size_t npaths;
	int *order;		/* leaf paths, each subtree a contiguous range */
	int *alias;		/* per path: the path that owns its node (itself mostly) */
	size_t *soff;		/* per path: offset of its string in scratch */
	struct oed_buf scratch;	/* decoded strings, NUL-terminated */
	locale_t cloc;
	const unsigned char *p, *end;
	struct oed_value *vals;
	int inside;		/* requested arrays and objects open around s->p */
	unsigned long nuls;	/* \u0000 escapes decoded */
	unsigned long overflows;	/* numbers beyond a double seen in them */
	bool every_number;		/* oed_jscan_check_numbers(): count them anywhere */
	unsigned long bigints;		/* then also integers past a long long */
};

/*
 * Bytes that may appear in a string as they are: printable ASCII but the
 * quote and the backslash.  Control characters must be escaped, and bytes
 * from 0x80 start a UTF-8 sequence to validate.
 */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* a0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* b0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* c0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* d0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* e0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* f0 */
};

static struct node *
child(struct node *n, const char *key, size_t len, long index)
{
	struct node **kids, *c;

	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->keylen == len && memcmp(n->kids[i]->key, key, len) == 0)
			return n->kids[i];
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->key = key;
	c->keylen = len;
	c->index = index;
	c->leaf = -1;
	if ((kids = realloc(n->kids, (n->nkids + 1) * sizeof(*kids))) == NULL) {
		free(c);
		return NULL;
	}
	n->kids = kids;
	n->kids[n->nkids++] = c;
	if (index >= 0) {
		size_t i;

		if ((kids = realloc(n->ikids, (n->nikids + 1) * sizeof(*kids))) == NULL)
			return NULL;	/* c is freed with n's kids */
		n->ikids = kids;
		for (i = n->nikids; i > 0 && kids[i - 1]->index > index; i--)
			kids[i] = kids[i - 1];
		kids[i] = c;
		n->nikids++;
	}
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
	free(n->ikids);
	oed_map_release(&n->byhash);
}

/*
 * Number the leaves depth first so that every subtree owns a range, and
 * give nodes with many kids their key table.  -1 on out of memory.
 */
static int
order_leaves(struct oed_jscan *s, struct node *n, int *k)
{
	n->first = *k;
	if (n->leaf >= 0)
		s->order[(*k)++] = n->leaf;
	for (size_t i = 0; i < n->nkids; i++)
		if (order_leaves(s, n->kids[i], k) == -1)
			return -1;
	n->end = *k;
	if (n->nkids > LINEAR_KIDS) {
		if (oed_map_reserve(&n->byhash, n->nkids) == -1)
			return -1;
		n->hashed = true;
		for (size_t i = 0; i < n->nkids && n->hashed; i++) {
			bool added;
			uint64_t *v = oed_map_put(&n->byhash,
						  key_hash(n->kids[i]->key, n->kids[i]->keylen), &added);

			if (v == NULL)
				return -1;
			*v = i;
			n->hashed = added;
		}
	}
	return 0;
}

struct oed_jscan *
oed_jscan_new(const struct oed_path *paths, size_t npaths)
{
	struct oed_jscan *s = calloc(1, sizeof(*s));
	int k = 0;

	if (s == NULL)
		return NULL;
	s->root.leaf = -1;
	s->root.index = -1;
	s->npaths = npaths;
	s->order = calloc(npaths + 1, sizeof(*s->order));
	s->alias = calloc(npaths + 1, sizeof(*s->alias));
	s->soff = calloc(npaths + 1, sizeof(*s->soff));
	s->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (s->order == NULL || s->alias == NULL || s->soff == NULL || s->cloc == (locale_t)0)
		goto fail;
	for (size_t i = 0; i < npaths; i++) {
		struct node *n = &s->root;

		for (size_t j = 0; j < paths[i].nseg; j++) {
			const struct oed_path_seg *seg = &paths[i].seg[j];

			if ((n = child(n, seg->key, seg->len, seg->index)) == NULL)
				goto fail;
		}
		/* two spellings of one path ("a.b", "/a/b") share the node */
		if (n->leaf < 0)
			n->leaf = (int)i;
		s->alias[i] = n->leaf;
	}
	if (order_leaves(s, &s->root, &k) == -1)
		goto fail;
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
	if (s->cloc != (locale_t)0)
		freelocale(s->cloc);
	free(s->order);
	free(s->alias);
	free(s->soff);
	oed_buf_release(&s->scratch);
	free(s);
}

static inline void
skip_ws(struct oed_jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/*
 * Scratch is reserved per line for the worst case (decoding never makes
 * a string longer than its source), so this check never fails on a line
 * jansson accepts; it stays as a guard.
 */
static inline int
put(struct oed_jscan *s, const void *bytes, size_t n)
{
	if (n > s->scratch.cap - s->scratch.len)
		return -1;
	memcpy(s->scratch.data + s->scratch.len, bytes, n);
	s->scratch.len += n;
	return 0;
}

static inline int
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

/*
 * The length of the UTF-8 sequence at p (first byte >= 0x80), or 0 when it
 * is not one jansson accepts: jansson refuses overlong forms, surrogates
 * encoded directly, code points above U+10FFFF and truncated sequences,
 * which leaves exactly the well-formed sequences of RFC 3629.
 */
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

#ifdef __SSE2__
/*
 * The bytes of v that end a run of plain bytes, as a mask: a quote, a
 * backslash, a control byte, and a byte from 0x80 that is not part of a
 * two-byte UTF-8 sequence (a lead C2..DF and its continuation) wholly
 * inside v.  Latin, Greek, Cyrillic, Hebrew and Arabic text is mostly
 * such pairs and stays in the vector loop; anything else (longer
 * sequences, a pair cut by the vector's end, bad bytes) goes to the
 * scalar check.  ASCII text costs what it did: the first test is the one
 * it always was (signed: bytes from 0x80 are below 0x20 too).
 */
static inline unsigned
stop_mask(__m128i v)
{
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
		_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
	unsigned high, lead, cont, lead_ok;
	__m128i t;

	if (m == 0 || ((high = (unsigned)_mm_movemask_epi8(v)) & m) == 0)
		return m;
	/* v ^ 0x80 as signed: C2..DF become 0x42..0x5F */
	t = _mm_xor_si128(v, _mm_set1_epi8((char)0x80));
	lead = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(t, _mm_set1_epi8(0x41)),
							 _mm_cmplt_epi8(t, _mm_set1_epi8(0x60))));
	cont = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xC0)),
							  _mm_set1_epi8((char)0x80)));
	lead_ok = lead & (cont >> 1);
	return (m & ~high) | (high & ~(lead_ok | (cont & (lead_ok << 1))));
}
#endif

/*
 * The length of the run of plain bytes at p (valid two-byte UTF-8 pairs
 * count as plain in the vector loop), 16 at a time where SSE2 is.
 */
static inline size_t
plain_run(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

#ifdef __SSE2__
	/* 32 bytes a round while text lasts: prose runs long between specials */
	while (end - q >= 32) {
		unsigned mask = stop_mask(_mm_loadu_si128((const __m128i *)(const void *)q)) |
		    stop_mask(_mm_loadu_si128((const __m128i *)(const void *)(q + 16))) << 16;

		if (mask)
			return (size_t)(q - p) + (size_t)__builtin_ctz(mask);
		q += 32;
	}
	if (end - q >= 16) {
		unsigned mask = stop_mask(_mm_loadu_si128((const __m128i *)(const void *)q));

		if (mask)
			return (size_t)(q - p) + (size_t)__builtin_ctz(mask);
		q += 16;
	}
#endif
	while (q < end && plain[*q])
		q++;
	return (size_t)(q - p);
}

/* One escape after the backslash at s->p; its UTF-8 bytes in buf. */
static int
escape(struct oed_jscan *s, char buf[4], size_t *n)
{
	unsigned cp, lo;

	s->p++;
	if (s->p >= s->end)
		return -1;
	*n = 1;
	switch (*s->p++) {
	case '"': buf[0] = '"'; return 0;
	case '\\': buf[0] = '\\'; return 0;
	case '/': buf[0] = '/'; return 0;
	case 'b': buf[0] = '\b'; return 0;
	case 'f': buf[0] = '\f'; return 0;
	case 'n': buf[0] = '\n'; return 0;
	case 'r': buf[0] = '\r'; return 0;
	case 't': buf[0] = '\t'; return 0;
	case 'u':
		break;
	default:
		return -1;
	}
	if (read_u4(s, &cp) == -1)
		return -1;
	s->nuls += cp == 0;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return -1;	/* a low surrogate alone */
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
			return -1;
		s->p += 2;
		if (read_u4(s, &lo) == -1 || lo < 0xDC00 || lo > 0xDFFF)
			return -1;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp < 0x80) {
		buf[0] = (char)cp;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xC0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3F));
		*n = 2;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xE0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		buf[2] = (char)(0x80 | (cp & 0x3F));
		*n = 3;
	} else {
		buf[0] = (char)(0xF0 | cp >> 18);
		buf[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		buf[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		buf[3] = (char)(0x80 | (cp & 0x3F));
		*n = 4;
	}
	return 0;
}

/*
 * A string at s->p, just after its opening quote.  With keep, its decoded
 * bytes go to scratch, NUL-terminated, at *off for *len bytes.  Returns -1
 * (decline), 0, or 1 when the string held an escape.
 */
static int
scan_string(struct oed_jscan *s, bool keep, size_t *off, size_t *len)
{
	size_t start = s->scratch.len;
	int escaped = 0;

	for (;;) {
		size_t run = plain_run(s->p, s->end);

		if (keep && run && put(s, s->p, run) == -1)
			return -1;
		s->p += run;
		if (s->p >= s->end)
			return -1;
		if (*s->p == '"') {
			s->p++;
			break;
		}
		if (*s->p == '\\') {
			char buf[4];
			size_t n;

			if (escape(s, buf, &n) == -1)
				return -1;
			if (keep && put(s, buf, n) == -1)
				return -1;
			escaped = 1;
		} else if (*s->p < 0x20) {
			return -1;	/* a control character must be escaped */
		} else {
			/*
			 * Non-ASCII text comes in runs, its words split by a
			 * space or a mark: stay here over up to 3 plain bytes
			 * between sequences rather than go back to the vector
			 * loop for each.
			 */
			const unsigned char *q = s->p, *r;

			for (;;) {
				size_t n = utf8_seq(q, s->end);

				if (n == 0)
					return -1;
				q += n;
				for (r = q; r < s->end && r - q < 4 && plain[*r]; r++)
					;
				if (r == s->end || *r < 0x80)
					break;
				q = r;
			}
			if (keep && put(s, s->p, (size_t)(q - s->p)) == -1)
				return -1;
			s->p = q;
		}
	}
	if (keep) {
		if (put(s, "", 1) == -1)
			return -1;
		*off = start;
		*len = s->scratch.len - start - 1;
	}
	return escaped;
}

static inline bool
digit(const unsigned char *p, const unsigned char *end)
{
	return p < end && (unsigned)(*p - '0') < 10;
}

/*
 * Read the number of n bytes at start with strtod in the C locale, whatever
 * the program's (jansson swaps '.' for the locale's decimal point to get
 * the same value).  Sets *over when it is beyond a double; underflow is
 * fine, as in jansson.  -1 only when scratch is short (never, see put).
 */
static int
read_double(struct oed_jscan *s, const unsigned char *start, size_t n, double *d, bool *over)
{
	char local[64], *buf = local, *endp;
	size_t mark = s->scratch.len;

	if (n >= sizeof(local)) {
		buf = s->scratch.data + s->scratch.len;
		if (put(s, start, n) == -1 || put(s, "", 1) == -1)
			return -1;
	} else {
		memcpy(local, start, n);
		local[n] = '\0';
	}
	errno = 0;
	*d = strtod_l(buf, &endp, s->cloc);
	s->scratch.len = mark;
	*over = errno == ERANGE && (*d == HUGE_VAL || *d == -HUGE_VAL);
	return 0;
}

/*
 * A number, RFC 8259 grammar, which is jansson's.  Every number the
 * grammar allows is valid, whatever its size: range matters only for a
 * number that is read.  So where nothing is read (v NULL, not inside a
 * requested array or object) only the grammar is checked.  Read, one
 * without fraction or exponent is an integer when it fits a long long,
 * else a double, like any other number (strtod); beyond a double (1e400,
 * or 400 digits) it is marked overflow in v, or counted in s->overflows
 * for the requested container around it; underflow is fine.  0 or -1.
 */
static int
scan_number(struct oed_jscan *s, struct oed_value *v)
{
	const unsigned char *p = s->p, *end = s->end, *start = p, *ip;
	bool neg = false, real = false, over = false;
	long ndig, exp = 0;
	double d;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	ip = p;
	if (p >= end)
		return -1;
	if (*p == '0')
		p++;
	else if ((unsigned)(*p - '1') < 9)
		do
			p++;
		while (digit(p, end));
	else
		return -1;
	ndig = (long)(p - ip);
	if (p < end && *p == '.') {
		real = true;
		if (!digit(++p, end))
			return -1;
		do
			p++;
		while (digit(p, end));
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const unsigned char *ed;
		bool eneg = false;

		real = true;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (!digit(p, end))
			return -1;
		while (p < end && *p == '0')
			p++;
		for (ed = p; digit(p, end); p++)
			if (p - ed < 7)
				exp = exp * 10 + (*p - '0');
		if (p - ed >= 7)
			exp = 10000000;	/* far beyond any double either way */
		if (eneg)
			exp = -exp;
	}
	s->p = p;
	if (v == NULL && s->inside == 0 && !s->every_number)
		return 0;	/* valid, and nobody reads it */
	if (v) {
		v->str = (const char *)start;	/* the text as written (jscan.h) */
		v->len = (size_t)(p - start);
	}
	if (!real && ndig <= 18) {
		/* up to 18 digits always fit: the common case, no strtoll */
		long long i = 0;

		for (const unsigned char *q = ip; q < p; q++)
			i = i * 10 + (*q - '0');
		if (v) {
			v->type = OED_V_NUMBER;
			v->is_int = true;
			v->i = neg ? -i : i;
			v->num = (double)v->i;
		}
		return 0;
	}
	if (!real && ndig == 19) {
		char buf[24];
		long long i;

		memcpy(buf, start, (size_t)(p - start));
		buf[p - start] = '\0';
		errno = 0;
		i = strtoll(buf, NULL, 10);
		if (errno != ERANGE) {
			if (v) {
				v->type = OED_V_NUMBER;
				v->is_int = true;
				v->i = i;
				v->num = (double)i;
			}
			return 0;
		}
	}
	if (!real)
		s->bigints++;
	/*
	 * A real, or an integer past a long long.  |value| < 10^(ndig + exp):
	 * up to 10^308 it cannot overflow, so inside a container that is all
	 * there is to know.
	 */
	if (v == NULL && ndig + exp <= 308)
		return 0;
	if (read_double(s, start, (size_t)(p - start), &d, &over) == -1)
		return -1;
	if (over)
		s->overflows++;
	if (v) {
		v->type = OED_V_NUMBER;
		v->is_int = false;
		v->i = 0;
		v->num = over ? 0 : d;
		v->overflow = over;
	}
	return 0;
}

static inline int
literal(struct oed_jscan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

/* A later duplicate key replaces its value, and all beneath it. */
static void
clear_leaves(struct oed_jscan *s, const struct node *n)
{
	for (int k = n->first; k < n->end; k++)
		memset(&s->vals[s->order[k]], 0, sizeof(s->vals[0]));
}

static int scan_value(struct oed_jscan *s, const struct node *n, int depth);

static const struct node *
find_key(const struct node *n, const char *key, size_t len)
{
	if (n->hashed) {
		const uint64_t *k = oed_map_get(&n->byhash, key_hash(key, len));
		const struct node *c;

		if (k == NULL)
			return NULL;
		c = n->kids[*k];
		return c->keylen == len && memcmp(c->key, key, len) == 0 ? c : NULL;
	}
	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->keylen == len && memcmp(n->kids[i]->key, key, len) == 0)
			return n->kids[i];
	return NULL;
}

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
		unsigned long nuls = s->nuls;
		int esc;

		if (s->p >= s->end || *s->p != '"')
			return -1;
		kstart = ++s->p;
		if ((esc = scan_string(s, false, NULL, NULL)) == -1)
			return -1;
		/* jansson cannot hold a key with a NUL: leave it the line to refuse */
		if (esc && s->nuls != nuls)
			return -1;
		if (n && n->nkids) {
			if (esc) {
				/* compare the decoded key, then give the scratch back */
				const unsigned char *after = s->p;
				size_t off, klen, mark = s->scratch.len;

				s->p = kstart;
				if (scan_string(s, true, &off, &klen) == -1)
					return -1;
				c = find_key(n, s->scratch.data + off, klen);
				s->scratch.len = mark;
				s->p = after;
			} else {
				c = find_key(n, (const char *)kstart, (size_t)(s->p - 1 - kstart));
			}
		}
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -1;
		s->p++;
		skip_ws(s);
		if (c)
			clear_leaves(s, c);
		if (scan_value(s, c, depth) == -1)
			return -1;
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

/*
 * Elements are matched to the index children of n in order; a key that is
 * not an index finds nothing in an array, as in oed_path_get().
 */
static int
scan_array(struct oed_jscan *s, const struct node *n, int depth)
{
	size_t k = 0, nik = n ? n->nikids : 0;

	s->p++;		/* [ */
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (long i = 0;; i++) {
		const struct node *c = NULL;

		if (k < nik && n->ikids[k]->index == i)
			c = n->ikids[k++];
		if (scan_value(s, c, depth) == -1)
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

/* n: the trie node of this value, NULL when nothing beneath is wanted. */
static int
scan_value(struct oed_jscan *s, const struct node *n, int depth)
{
	struct oed_value *v = n && n->leaf >= 0 ? &s->vals[n->leaf] : NULL;

	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '{':
	case '[': {
		unsigned long before = s->overflows;
		int rc;

		if (depth >= MAX_DEPTH)
			return -1;
		if (v == NULL)
			return *s->p == '{' ? scan_object(s, n, depth + 1) : scan_array(s, n, depth + 1);
		/*
		 * A tool may take this value whole as a tree, where jansson
		 * cannot hold a number beyond a double: check the range of every
		 * number inside, and say whether one overflowed.
		 */
		v->type = *s->p == '{' ? OED_V_OBJECT : OED_V_ARRAY;
		s->inside++;
		rc = *s->p == '{' ? scan_object(s, n, depth + 1) : scan_array(s, n, depth + 1);
		s->inside--;
		/*
		 * Counted as written: an overflowing number under a key that a
		 * later duplicate replaces still counts (erring on refusing).
		 */
		if (rc == 0 && s->overflows != before)
			v->overflow = true;
		return rc;
	}
	case '"': {
		size_t off = 0, len = 0;

		s->p++;
		if (scan_string(s, v != NULL, &off, &len) == -1)
			return -1;
		if (v) {
			memset(v, 0, sizeof(*v));
			v->type = OED_V_STRING;
			v->len = len;
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

void
oed_jscan_check_numbers(struct oed_jscan *s)
{
	s->every_number = true;
}

unsigned long
oed_jscan_out_of_range(const struct oed_jscan *s)
{
	return s->overflows + s->bigints;
}

int
oed_jscan_line(struct oed_jscan *s, const char *line, size_t len, struct oed_value *vals)
{
	/* decoded strings and numbers copied for strtod never outgrow this */
	size_t need = len + 72;

	s->p = (const unsigned char *)line;
	s->end = s->p + len;
	s->vals = vals;
	s->scratch.len = 0;
	s->inside = 0;
	s->overflows = 0;
	s->bigints = 0;
	s->nuls = 0;
	for (size_t i = 0; i < s->npaths; i++)
		memset(&vals[i], 0, sizeof(vals[i]));
	if (oed_buf_reserve(&s->scratch, need) == -1)
		return 0;
	skip_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return 0;
	if (scan_value(s, &s->root, 0) == -1)
		return 0;
	skip_ws(s);
	if (s->p != s->end)
		return 0;
	for (size_t i = 0; i < s->npaths; i++) {
		if ((size_t)s->alias[i] != i)
			vals[i] = vals[s->alias[i]];
		else if (vals[i].type == OED_V_STRING)
			vals[i].str = s->scratch.data + s->soff[i];
	}
	return 1;
}
