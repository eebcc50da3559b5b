/*
 * normalize.c: parsing and applying --normalize chains, and the number
 * step.  The Unicode steps live in casefold.c beside their tables.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "exit.h"
#include "normalize.h"
#include "choice.h"

void
oed_norm_scratch_init(struct oed_norm_scratch *sc)
{
	oed_buf_init(&sc->buf[0]);
	oed_buf_init(&sc->buf[1]);
}

void
oed_norm_scratch_release(struct oed_norm_scratch *sc)
{
	oed_buf_release(&sc->buf[0]);
	oed_buf_release(&sc->buf[1]);
}

/* The steps as uniform functions: dst from src[0..len); 0, or -1 when out of memory. */
static int
step_space(struct oed_buf *dst, const char *s, size_t len)
{
	dst->len = oed_norm_space(dst->data, s, len);
	return 0;
}

static int
step_case(struct oed_buf *dst, const char *s, size_t len)
{
	dst->len = oed_casefold(dst->data, s, len);
	return 0;
}

static int
step_punct(struct oed_buf *dst, const char *s, size_t len)
{
	dst->len = oed_norm_punct(dst->data, s, len);
	return 0;
}

static int
step_number(struct oed_buf *dst, const char *s, size_t len)
{
	return oed_norm_number(dst, s, len);
}

const struct oed_norm_step_def oed_norm_steps[OED_NORM_NSTEPS] = {
	[OED_NORM_TRIM] = { "trim", 0, NULL,
		"strip leading and trailing White_Space" },
	[OED_NORM_SPACE] = { "space", 1, step_space,
		"each run of White_Space becomes one space" },
	[OED_NORM_CASE] = { "case", OED_CASEFOLD_GROWTH, step_case,
		"full Unicode case folding, as Python's str.casefold()" },
	[OED_NORM_PUNCT] = { "punct", 1, step_punct,
		"remove punctuation (categories P*; symbols stay)" },
	[OED_NORM_NUMBER] = { "number", 1, step_number,
		"numbers in one canonical form (1.50, +1.5 and 1.5e0 are 1.5)" },
};

const char *
oed_norm_step_name(size_t i)
{
	return i < OED_NORM_NSTEPS ? oed_norm_steps[i].name : NULL;
}

int
oed_norm_parse(const char *spec, struct oed_norm *out, struct oed_err *err)
{
	const char *p = spec, *e;
	size_t n;
	int k;

	memset(out, 0, sizeof(*out));
	for (;;) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		if ((k = oed_choice_find(OED_CHOICES(oed_norm_steps), p, n)) < 0)
			return oed_choice_unknown(err, "--normalize", "step", p, n, OED_CHOICES(oed_norm_steps));
		if (out->nstep == OED_NORM_MAX_STEPS)
			return oed_err_set(err, OED_EX_USAGE,
			    "--normalize: more than %d steps", OED_NORM_MAX_STEPS);
		out->step[out->nstep++] = (unsigned char)k;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

void
oed_norm_format(const struct oed_norm *n, char *out, size_t size)
{
	size_t i, at = 0;
	int k;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < n->nstep && at < size; i++) {
		k = snprintf(out + at, size - at, "%s%s", i ? "," : "", oed_norm_steps[n->step[i]].name);
		if (k < 0)
			break;
		at += (size_t)k;
	}
}

const char *
oed_norm_apply(const struct oed_norm *n, const char *s, size_t len,
	       struct oed_norm_scratch *sc, size_t *outlen)
{
	struct oed_buf *dst;
	size_t i, start, need;
	int in = -1;		/* scratch buffer holding s, -1 for the caller's */

	for (i = 0; i < n->nstep; i++) {
		const struct oed_norm_step_def *d = &oed_norm_steps[n->step[i]];

		if (d->apply == NULL) {
			/* trim needs no copy */
			len = oed_norm_trim(s, len, &start);
			s += start;
			continue;
		}
		dst = &sc->buf[in == 0];
		need = len * d->growth + 1;
		if ((len > 0 && need / len < d->growth) || oed_buf_reserve(dst, need) == -1)
			return NULL;
		if (d->apply(dst, s, len) == -1)
			return NULL;
		s = dst->data;
		len = dst->len;
		in = in == 0;
	}
	*outlen = len;
	return s;
}

int
oed_norm_key(const struct oed_norm *n, const char *s, size_t len,
	     struct oed_norm_scratch *sc, uint64_t *key)
{
	const char *t;
	size_t tlen;

	if ((t = oed_norm_apply(n, s, len, sc, &tlen)) == NULL)
		return -1;
	*key = XXH3_64bits(t, tlen);
	return 0;
}

/* ---- numbers (grammar and canonical form: man/oed-equivalence.txt) ---- */

enum { C_DIGIT = 1, C_WORD = 2, C_JOIN = 4, C_START = 8 };

/*
 * Byte classes.  Word characters are ASCII letters, digits and '_'; a
 * joiner glues a number to a neighbouring word ("1.2.3", "2024-01-05",
 * "10:05", "1/2", "1,5") and then the number is left alone.  Bytes of
 * non-ASCII characters belong to no class: they separate like spaces.
 */
static const unsigned char numclass[256] = {
	['0'] = C_DIGIT | C_WORD | C_START, ['1'] = C_DIGIT | C_WORD | C_START,
	['2'] = C_DIGIT | C_WORD | C_START, ['3'] = C_DIGIT | C_WORD | C_START,
	['4'] = C_DIGIT | C_WORD | C_START, ['5'] = C_DIGIT | C_WORD | C_START,
	['6'] = C_DIGIT | C_WORD | C_START, ['7'] = C_DIGIT | C_WORD | C_START,
	['8'] = C_DIGIT | C_WORD | C_START, ['9'] = C_DIGIT | C_WORD | C_START,
	['_'] = C_WORD,
	['A'] = C_WORD, ['B'] = C_WORD, ['C'] = C_WORD, ['D'] = C_WORD, ['E'] = C_WORD,
	['F'] = C_WORD, ['G'] = C_WORD, ['H'] = C_WORD, ['I'] = C_WORD, ['J'] = C_WORD,
	['K'] = C_WORD, ['L'] = C_WORD, ['M'] = C_WORD, ['N'] = C_WORD, ['O'] = C_WORD,
	['P'] = C_WORD, ['Q'] = C_WORD, ['R'] = C_WORD, ['S'] = C_WORD, ['T'] = C_WORD,
	['U'] = C_WORD, ['V'] = C_WORD, ['W'] = C_WORD, ['X'] = C_WORD, ['Y'] = C_WORD,
	['Z'] = C_WORD,
	['a'] = C_WORD, ['b'] = C_WORD, ['c'] = C_WORD, ['d'] = C_WORD, ['e'] = C_WORD,
	['f'] = C_WORD, ['g'] = C_WORD, ['h'] = C_WORD, ['i'] = C_WORD, ['j'] = C_WORD,
	['k'] = C_WORD, ['l'] = C_WORD, ['m'] = C_WORD, ['n'] = C_WORD, ['o'] = C_WORD,
	['p'] = C_WORD, ['q'] = C_WORD, ['r'] = C_WORD, ['s'] = C_WORD, ['t'] = C_WORD,
	['u'] = C_WORD, ['v'] = C_WORD, ['w'] = C_WORD, ['x'] = C_WORD, ['y'] = C_WORD,
	['z'] = C_WORD,
	['.'] = C_JOIN | C_START, [','] = C_JOIN, [':'] = C_JOIN, ['/'] = C_JOIN,
	['-'] = C_JOIN | C_START, ['+'] = C_START,
};

#define IS(c, k) (numclass[(unsigned char)(c)] & (k))

/* Exponents with more significant digits than this leave the token as written. */
#define MAX_EXP_DIGITS 15

struct numtok {
	size_t end;		/* one past the token */
	size_t first, last;	/* source offsets of the first and last significant digit */
	int64_t exp10;		/* value = digits[first..last] * 10^exp10 */
	size_t ndigits;		/* significant digits */
	bool neg, zero;
};

static size_t
digit_run(const unsigned char *s, size_t i, size_t len)
{
	size_t j = i;

	while (j < len && IS(s[j], C_DIGIT))
		j++;
	return j - i;
}

/*
 * Take the longest number at s[i] without looking at its context.
 * Returns false when none starts there.
 */
static bool
scan_number(const unsigned char *s, size_t i, size_t len, struct numtok *t)
{
	size_t p = i, r, mant_end, fraclen = 0, ez, k;
	bool has_int, has_frac = false;
	int64_t e = 0;

	t->neg = false;
	if (s[p] == '+' || s[p] == '-') {
		t->neg = s[p] == '-';
		p++;
	}
	r = digit_run(s, p, len);
	has_int = r > 0;
	if (has_int) {
		p += r;
		/* Thousands groups only after a first group of 1 to 3 digits. */
		if (r <= 3)
			while (p + 3 < len && s[p] == ',' && digit_run(s, p + 1, p + 4) == 3)
				p += 4;
	}
	if (p + 1 < len && s[p] == '.' && IS(s[p + 1], C_DIGIT)) {
		has_frac = true;
		fraclen = digit_run(s, p + 1, len);
		p += 1 + fraclen;
	}
	if (!has_int && !has_frac)
		return false;
	mant_end = p;
	if (p + 1 < len && (s[p] == 'e' || s[p] == 'E')) {
		k = p + 1;
		if (k < len && (s[k] == '+' || s[k] == '-'))
			k++;
		if ((r = digit_run(s, k, len)) > 0) {
			for (ez = k; ez < k + r && s[ez] == '0'; ez++)
				;
			if (k + r - ez > MAX_EXP_DIGITS) {
				/* Mark as unrewritable; the caller copies it. */
				t->end = k + r;
				t->ndigits = 0;
				t->zero = false;
				return true;
			}
			for (; ez < k + r; ez++)
				e = e * 10 + (s[ez] - '0');
			if (s[p + 1] == '-')
				e = -e;
			p = k + r;
		}
	}
	t->end = p;

	/* Significant digits: from the first non-zero to the last non-zero. */
	for (t->first = i; t->first < mant_end && (s[t->first] < '1' || s[t->first] > '9');
	    t->first++)
		;
	if (t->first == mant_end) {
		t->zero = true;
		t->ndigits = 1;
		return true;
	}
	t->zero = false;
	for (t->last = mant_end - 1; s[t->last] < '1' || s[t->last] > '9'; t->last--)
		;
	t->ndigits = 0;
	for (k = t->first; k <= t->last; k++)
		t->ndigits += IS(s[k], C_DIGIT) != 0;
	/* value = digits x 10^(exponent - fraction digits + zeros dropped at the end) */
	e -= (int64_t)fraclen;
	for (k = t->last + 1; k < mant_end; k++)
		e += IS(s[k], C_DIGIT) != 0;
	t->exp10 = e;
	return true;
}

/* Copy the next n digits from s[*at..], skipping ',' and '.'. */
static char *
put_digits(char *d, const unsigned char *s, size_t *at, size_t n)
{
	while (n > 0) {
		if (IS(s[*at], C_DIGIT)) {
			*d++ = (char)s[*at];
			n--;
		}
		(*at)++;
	}
	return d;
}

static char *
put_zeros(char *d, int64_t n)
{
	while (n-- > 0)
		*d++ = '0';
	return d;
}

/*
 * Write the canonical form: plain decimal while the leading digit's
 * position a (value = d.ddd x 10^a) is in [-7, 21), as JavaScript prints
 * numbers, else d.ddde±a.  Exact: the digits are the source's digits.
 */
static char *
put_number(char *d, const unsigned char *s, const struct numtok *t)
{
	int64_t n = (int64_t)t->ndigits, q = t->exp10, a = n - 1 + q;
	size_t at = t->first;
	char tmp[24];
	int k;

	if (t->zero) {
		*d++ = '0';
		return d;
	}
	if (t->neg)
		*d++ = '-';
	if (a >= 21 || a < -7) {
		d = put_digits(d, s, &at, 1);
		if (n > 1) {
			*d++ = '.';
			d = put_digits(d, s, &at, (size_t)(n - 1));
		}
		k = snprintf(tmp, sizeof(tmp), "e%lld", (long long)a);
		memcpy(d, tmp, (size_t)k);
		return d + k;
	}
	if (q >= 0) {
		d = put_digits(d, s, &at, (size_t)n);
		return put_zeros(d, q);
	}
	if (a >= 0) {
		d = put_digits(d, s, &at, (size_t)(a + 1));
		*d++ = '.';
		return put_digits(d, s, &at, (size_t)(n - a - 1));
	}
	*d++ = '0';
	*d++ = '.';
	d = put_zeros(d, -a - 1);
	return put_digits(d, s, &at, (size_t)n);
}

static int
append(struct oed_buf *b, const unsigned char *s, size_t n)
{
	if (oed_buf_reserve(b, b->len + n + 1) == -1)
		return -1;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

int
oed_norm_number(struct oed_buf *dst, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	struct numtok t;
	size_t i = 0, done = 0;	/* s[done..i) is waiting to be copied */
	bool ok;

	dst->len = 0;
	if (oed_buf_reserve(dst, len + 1) == -1)
		return -1;
	while (i < len) {
		if (!IS(s[i], C_START)) {
			i++;
			continue;
		}
		/*
		 * Not glued to a word on the left, directly or by a joiner;
		 * not the digits after a '.', which belong to whatever the
		 * '.' ends or starts; not right after a sign, so that "+-0"
		 * cannot become "+0" and then "0" on a second pass.
		 */
		if (i > 0 && (IS(s[i - 1], C_WORD) || s[i - 1] == '.' ||
		    s[i - 1] == '+' || s[i - 1] == '-' ||
		    (IS(s[i - 1], C_JOIN) && i > 1 && IS(s[i - 2], C_WORD)))) {
			i++;
			continue;
		}
		if (!scan_number(s, i, len, &t)) {
			i++;
			continue;
		}
		/* ... nor on the right. */
		ok = t.ndigits > 0;
		if (t.end < len && (IS(s[t.end], C_WORD) ||
		    (IS(s[t.end], C_JOIN) && t.end + 1 < len && IS(s[t.end + 1], C_WORD))))
			ok = false;
		if (!ok) {
			/*
			 * Go on at the next byte, as a regular expression
			 * search would.  Every position inside the rejected
			 * text follows a digit, a sign, a '.', an 'e' or a
			 * ',' after a digit, so none starts a number and
			 * this costs one test per byte.
			 */
			i++;
			continue;
		}
		if (append(dst, s + done, i - done) == -1 ||
		    oed_buf_reserve(dst, dst->len + (t.end - i) + 40) == -1)
			return -1;
		dst->len = (size_t)(put_number(dst->data + dst->len, s, &t) - dst->data);
		i = done = t.end;
	}
	return append(dst, s + done, len - done);
}
