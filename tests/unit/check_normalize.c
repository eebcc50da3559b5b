/*
 * Unit tests for the equivalence layer's text side, --normalize and
 * --extract.  --normalize: every step and several chains against
 * outputs computed by Python (tests/ref/gen_casefold.py: str.casefold,
 * unicodedata categories, PropList White_Space, decimal.Decimal for
 * numbers), the tables against every code point, and robustness on bytes
 * that are not UTF-8.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "diag.h"
#include "exit.h"
#include "equiv/extract.h"
#include "equiv/normalize.h"
#include "../ref/normalize_ref.h"
#include "man_lists.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Apply spec to s; the result as a NUL-terminated copy the caller frees. */
static char *
norm(const char *spec, const char *s, size_t len, size_t *outlen)
{
	struct oed_norm n;
	struct oed_norm_scratch sc;
	struct oed_err err;
	const char *r;
	size_t rlen;
	char *copy;

	ck_assert_msg(oed_norm_parse(spec, &n, &err) == 0, "%s: %s", spec, err.msg);
	oed_norm_scratch_init(&sc);
	r = oed_norm_apply(&n, s, len, &sc, &rlen);
	ck_assert_ptr_nonnull(r);
	copy = malloc(rlen + 1);
	memcpy(copy, r, rlen);
	copy[rlen] = '\0';
	oed_norm_scratch_release(&sc);
	if (outlen)
		*outlen = rlen;
	return copy;
}

static void
assert_norm(const char *spec, const char *in, const char *want)
{
	char *got = norm(spec, in, strlen(in), NULL);

	ck_assert_msg(strcmp(got, want) == 0, "%s('%s') = '%s', want '%s'", spec, in, got, want);
	free(got);
}

/* ---- against Python ---- */

START_TEST(python_reference)
{
	struct oed_norm n;
	struct oed_norm_scratch sc;
	struct oed_err err;
	const char *r;
	size_t i, rlen, bad = 0;

	oed_norm_scratch_init(&sc);
	for (i = 0; i < NELEM(norm_cases); i++) {
		const struct norm_case *c = &norm_cases[i];

		ck_assert_int_eq(oed_norm_parse(c->spec, &n, &err), 0);
		r = oed_norm_apply(&n, c->in, c->inlen, &sc, &rlen);
		ck_assert_ptr_nonnull(r);
		if (rlen != c->outlen || memcmp(r, c->out, rlen) != 0) {
			if (bad++ < 10)
				fprintf(stderr, "case %zu %s: '%.*s' -> '%.*s', want '%.*s'\n",
				    i, c->spec, (int)c->inlen, c->in, (int)rlen, r,
				    (int)c->outlen, c->out);
		}
	}
	oed_norm_scratch_release(&sc);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_gt(NELEM(norm_cases), 4000);
}
END_TEST

START_TEST(fold_every_code_point)
{
	char in[4], out[16];
	const unsigned char *f;
	size_t i, n, k;
	uint32_t cp;
	size_t folded = 0;

	/* The mapped ones, as Python folds them ... */
	for (i = 0; i < NELEM(fold_cases); i++) {
		n = utf8_encode(fold_cases[i].cp, in);
		k = oed_casefold(out, in, n);
		ck_assert_msg(k == fold_cases[i].outlen && memcmp(out, fold_cases[i].out, k) == 0,
		    "U+%04X folds wrong", (unsigned)fold_cases[i].cp);
	}
	/* ... and nothing else changes. */
	for (cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (oed_uni_casefold(cp, &f) > 0 || (cp >= 'A' && cp <= 'Z'))
			folded++;
	}
	ck_assert_uint_eq(folded, NELEM(fold_cases));
	ck_assert_uint_eq(NELEM(fold_cases), 1530);
}
END_TEST

START_TEST(punct_and_space_tables)
{
	size_t r = 0, npunct = 0, nws = 0;
	uint32_t cp;
	bool want;
	char enc[4];

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		while (r < NELEM(punct_ranges) && punct_ranges[r][1] < cp)
			r++;
		want = r < NELEM(punct_ranges) && punct_ranges[r][0] <= cp;
		ck_assert_msg(oed_uni_punct(cp) == want, "U+%04X punct", (unsigned)cp);
		npunct += want;
		if (oed_uni_white_space(cp)) {
			nws++;
			/* casefold.c decodes only after these lead bytes */
			if (cp >= 0x80) {
				utf8_encode(cp, enc);
				ck_assert((unsigned char)enc[0] == 0xC2 || (unsigned char)enc[0] == 0xE1 ||
				    (unsigned char)enc[0] == 0xE2 || (unsigned char)enc[0] == 0xE3);
			}
		}
	}
	ck_assert_uint_eq(npunct, 819);		/* Unicode 14 */
	ck_assert_uint_eq(nws, 25);
	ck_assert(!oed_uni_white_space(0x1C));	/* isspace() but not White_Space */
	ck_assert(!oed_uni_white_space(0x200B));	/* zero width space is Cf */
	ck_assert(oed_uni_white_space(0x85));
	ck_assert(!oed_uni_punct('$') && !oed_uni_punct('+') && !oed_uni_punct('^'));	/* S* stay */
	ck_assert(oed_uni_punct('-') && oed_uni_punct('_') && oed_uni_punct(0x3002));
}
END_TEST

/* ---- the equalities the man page promises ---- */

START_TEST(number_equalities)
{
	static const char *const thousand[] = { "1,000", "1000.0", "1e3", "1000", "1E+3",
		"+1000", "10e2", "1000.000", "0.1e4", "1,000.00", "001000" };
	static const char *const half[] = { "0.50", ".5", "0.5", "+0.5", "5e-1", "50e-2", "000.500" };
	static const char *const zero[] = { "-0", "0", "+0", "-0.0", "0e9", ".000", "0,000" };
	size_t i;

	for (i = 0; i < NELEM(thousand); i++)
		assert_norm("number", thousand[i], "1000");
	for (i = 0; i < NELEM(half); i++)
		assert_norm("number", half[i], "0.5");
	for (i = 0; i < NELEM(zero); i++)
		assert_norm("number", zero[i], "0");
	/* huge integers stay exact: no doubles involved */
	assert_norm("number", "123456789012345678901", "123456789012345678901");
	assert_norm("number", "12345678901234567890123", "1.2345678901234567890123e22");
	assert_norm("number", "12,345,678,901,234,567,890,123.000", "1.2345678901234567890123e22");
	assert_norm("number", "9007199254740993", "9007199254740993");
	assert_norm("number", "1e-7", "0.0000001");
	assert_norm("number", "1.5e-8", "1.5e-8");
	assert_norm("number", "-2.50E-3 and +7", "-0.0025 and 7");
	/* not numbers, or glued to words: left exactly as written */
	assert_norm("number", "v1.20.3 2024-01-05 10:05 1/2 COVID-019 x007 5.0km",
	    "v1.20.3 2024-01-05 10:05 1/2 COVID-019 x007 5.0km");
	assert_norm("number", "1,2345 and 12,34", "1,2345 and 12,34");
	assert_norm("number", "It costs $1,000.00.", "It costs $1000.");
	assert_norm("number", "1e1000000000000000", "1e1000000000000000");
	assert_norm("number", "1e100000000000000", "1e100000000000000");
	assert_norm("number", "1e-100000000000000", "1e-100000000000000");
	assert_norm("number", "10e-100000000000000", "1e-99999999999999");
}
END_TEST

START_TEST(chains_and_examples)
{
	assert_norm("trim,space,case", "  The  ANSWER is\u00a0 Paris.\n", "the answer is paris.");
	assert_norm("trim,space,case,punct", "  The  ANSWER is\u00a0 Paris.\n", "the answer is paris");
	assert_norm("number,punct,space,trim", " Total: 1,000.0 ", "Total 1000");
	/* order matters: punct first eats the separators number needs */
	assert_norm("punct,number", "1,000.0", "10000");
	assert_norm("case", "Straße ΣΊΣΥΦΟΣ", "strasse σίσυφοσ");
	assert_norm("space", "a \t\u2003b\u3000\u3000c", "a b c");
	assert_norm("trim", "\u3000 \u2028x y\xc2\x85\t", "x y");
	assert_norm("trim,trim,case,case", "  ÀB  ", "àb");
	assert_norm("trim", "   ", "");
	assert_norm("punct", "¿Qué? «Sí» 3 + 4 = $7 ^_^", "Qué Sí 3 + 4 = $7 ^^");
}
END_TEST

START_TEST(parse_errors)
{
	struct oed_norm n;
	struct oed_err err;
	char buf[128];

	ck_assert_int_eq(oed_norm_parse("trim,space,case,punct,number", &n, &err), 0);
	ck_assert_uint_eq(n.nstep, 5);
	oed_norm_format(&n, buf, sizeof(buf));
	ck_assert_str_eq(buf, "trim,space,case,punct,number");

	ck_assert_int_eq(oed_norm_parse("trim,lower", &n, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg,
	    "--normalize: unknown step 'lower'; choices: trim, space, case, punct, number");
	ck_assert_int_eq(oed_norm_parse("trim,spaces", &n, &err), -1);
	ck_assert_str_eq(err.msg, "--normalize: unknown step 'spaces'; did you mean 'space'?"
	    " choices: trim, space, case, punct, number");
	ck_assert_int_eq(oed_norm_parse("trim,,case", &n, &err), -1);
	ck_assert_str_eq(err.msg,
	    "--normalize: empty step; choices: trim, space, case, punct, number");
	ck_assert_int_eq(oed_norm_parse("", &n, &err), -1);
	ck_assert_int_eq(oed_norm_parse("case,", &n, &err), -1);
	ck_assert_int_eq(oed_norm_parse("Case", &n, &err), -1);
	ck_assert_int_eq(oed_norm_parse("trim,trim,trim,trim,trim,trim,trim,trim,"
	    "trim,trim,trim,trim,trim,trim,trim,trim", &n, &err), 0);
	ck_assert_int_eq(oed_norm_parse("trim,trim,trim,trim,trim,trim,trim,trim,"
	    "trim,trim,trim,trim,trim,trim,trim,trim,trim", &n, &err), -1);
	ck_assert_str_eq(err.msg, "--normalize: more than 16 steps");
}
END_TEST

START_TEST(key_is_fingerprint)
{
	struct oed_norm n;
	struct oed_norm_scratch sc;
	struct oed_err err;
	uint64_t k1, k2;
	const char *a = "  Hello,  WORLD ", *b = "hello, world";

	ck_assert_int_eq(oed_norm_parse("trim,space,case", &n, &err), 0);
	oed_norm_scratch_init(&sc);
	ck_assert_int_eq(oed_norm_key(&n, a, strlen(a), &sc, &k1), 0);
	ck_assert_int_eq(oed_norm_key(&n, b, strlen(b), &sc, &k2), 0);
	ck_assert_uint_eq(k1, k2);
	ck_assert_uint_eq(k1, XXH3_64bits(b, strlen(b)));
	oed_norm_scratch_release(&sc);
}
END_TEST

/* ---- --extract ---- */

static void
assert_extract(const char *pattern, const char *s, int want_rc, const char *want)
{
	struct oed_extract *x;
	struct oed_err err;
	const char *out = NULL;
	size_t outlen = 0;
	int rc;

	x = oed_extract_new(pattern, &err);
	ck_assert_msg(x != NULL, "%s: %s", pattern, err.msg);
	rc = oed_extract_apply(x, s, strlen(s), &out, &outlen, &err);
	ck_assert_msg(rc == want_rc, "/%s/ on '%s': rc %d, want %d", pattern, s, rc, want_rc);
	if (rc == 1) {
		ck_assert_msg(outlen == strlen(want) && memcmp(out, want, outlen) == 0,
		    "/%s/ on '%s': '%.*s', want '%s'", pattern, s, (int)outlen, out, want);
		ck_assert(out >= s && out + outlen <= s + strlen(s));
	}
	oed_extract_free(x);
}

START_TEST(extract_classes)
{
	/* group 1 of the first match */
	assert_extract("answer is (\\d+)", "So the answer is 42, not 41; the answer is 43.", 1, "42");
	assert_extract("(?i)final answer:\\s*([A-D])\\b", "Reasoning...\nFinal Answer: C", 1, "C");
	/* no group: the whole match */
	assert_extract("\\d+(?:\\.\\d+)?", "pi is about 3.14 or 22/7", 1, "3.14");
	/* no match, and a group that took no part, are both "no class" */
	assert_extract("answer is (\\d+)", "I do not know", 0, NULL);
	assert_extract("(a)|b", "xbx", 0, NULL);
	assert_extract("(?|answer: (\\d+)|result=(\\d+))", "result=7", 1, "7");
	/* an empty match is a class of its own, the empty string */
	assert_extract("x*", "abc", 1, "");
	assert_extract("^(\\S*)", " lead", 1, "");
	/* UTF mode and Unicode properties */
	assert_extract("(\\w+)", "  naïve café", 1, "naïve");
	assert_extract("(\\d+)", "العدد ٤٢", 1, "٤٢");
	assert_extract("(.)", "😀x", 1, "😀");
	assert_extract("(\\p{Han}+)", "答案是北京. Done", 1, "答案是北京");
	/* subjects that are not UTF-8: the valid text around the bad bytes matches */
	assert_extract("(\\d+)", "\xff\xfe" "42\xc3", 1, "42");
	assert_extract("x(.)y", "x\xffy", 0, NULL);
	assert_extract("(\\d+)", "\xed\xa0\x80" "7", 1, "7");
}
END_TEST

START_TEST(extract_errors)
{
	struct oed_extract *x;
	struct oed_err err;
	const char *out;
	size_t outlen;
	char subject[64];

	ck_assert_ptr_null(oed_extract_new("answer is (\\d+", &err));
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "--extract: bad regex at offset 14: missing closing parenthesis");
	ck_assert_ptr_null(oed_extract_new("a{3,1}", &err));
	ck_assert_str_eq(err.msg,
	    "--extract: bad regex at offset 5: numbers out of order in {} quantifier");
	ck_assert_ptr_null(oed_extract_new("ab\\", &err));
	ck_assert_str_eq(err.msg, "--extract: bad regex at offset 3: \\ at end of pattern");
	ck_assert_ptr_null(oed_extract_new("a\xff", &err));
	ck_assert_str_eq(err.msg,
	    "--extract: bad regex at offset 1: UTF-8 error: illegal byte (0xfe or 0xff)");

	/* catastrophic backtracking stops at PCRE2's match limit */
	x = oed_extract_new("^(a+)+$", &err);
	ck_assert_ptr_nonnull(x);
	memset(subject, 'a', 40);
	subject[40] = '!';
	ck_assert_int_eq(oed_extract_apply(x, subject, 41, &out, &outlen, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "--extract: matching gave up: match limit exceeded");
	/* and the same object goes on working */
	ck_assert_int_eq(oed_extract_apply(x, subject, 40, &out, &outlen, &err), 1);
	ck_assert_uint_eq(outlen, 40);	/* greedy: group 1 took every 'a' */
	oed_extract_free(x);
	oed_extract_free(NULL);
}
END_TEST

START_TEST(extract_reuse)
{
	struct oed_extract *x;
	struct oed_err err;
	const char *out;
	size_t outlen, i, hits = 0;
	char s[64];
	int n;

	x = oed_extract_new("score: (\\d+)/10", &err);
	ck_assert_ptr_nonnull(x);
	for (i = 0; i < 100000; i++) {
		n = snprintf(s, sizeof(s), i % 3 ? "the score: %zu/10" : "no score %zu", i % 11);
		ck_assert_int_ge(oed_extract_apply(x, s, (size_t)n, &out, &outlen, &err), 0);
		if (i % 3) {
			hits++;
			ck_assert_uint_eq(outlen, i % 11 >= 10 ? 2 : 1);
		}
	}
	ck_assert_uint_gt(hits, 60000);
	oed_extract_free(x);
}
END_TEST

/* ---- limits ---- */

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

START_TEST(any_bytes)
{
	static const char *const specs[] = { "trim", "space", "case", "punct", "number",
		"number,case,punct,space,trim" };
	/* bytes that make UTF-8 interesting, plus number syntax */
	static const unsigned char alphabet[] = { 0x00, 0x20, 0x09, 'a', 'Z', '1', '0', ',', '.',
		'-', '+', 'e', 0x80, 0xBF, 0xC0, 0xC2, 0xA0, 0x85, 0xCE, 0xA3, 0xE1, 0x9A, 0xE2,
		0x80, 0x8A, 0xE3, 0xED, 0xA0, 0xF0, 0x90, 0xF4, 0x8F, 0xF5, 0xFF, 0xC3, 0x9F };
	struct oed_norm n[NELEM(specs)];
	struct oed_norm_scratch sc;
	struct oed_err err;
	unsigned char buf[64];
	const char *r;
	size_t i, j, k, len, rlen;
	uint64_t seed = 1;

	for (k = 0; k < NELEM(specs); k++)
		ck_assert_int_eq(oed_norm_parse(specs[k], &n[k], &err), 0);
	oed_norm_scratch_init(&sc);
	for (i = 0; i < 20000; i++) {
		len = rng_next(&seed) % sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = rng_next(&seed) & 1 ? alphabet[rng_next(&seed) % sizeof(alphabet)]
			    : (unsigned char)rng_next(&seed);
		for (k = 0; k < NELEM(specs); k++) {
			r = oed_norm_apply(&n[k], (const char *)buf, len, &sc, &rlen);
			ck_assert_ptr_nonnull(r);
			if (k < 4)
				ck_assert_uint_le(rlen, k == 2 ? 3 * len : len);
		}
	}
	oed_norm_scratch_release(&sc);
	/* invalid sequences pass through untouched */
	assert_norm("case", "\xff\xfe" "AB\xc3" "\xe2\x80", "\xff\xfe" "ab\xc3" "\xe2\x80");
	assert_norm("space", "a\xe2\x80 \xc2", "a\xe2\x80 \xc2");
	assert_norm("trim", " \xe2\x80\x80\xe2\x80 ", "\xe2\x80");
	assert_norm("punct", "\xed\xa0\x80!", "\xed\xa0\x80");
}
END_TEST

START_TEST(idempotent)
{
	/*
	 * Each step alone is idempotent, and so is a chain without both
	 * number and punct (punct removes the '.' that number writes).
	 */
	static const char *const specs[] = { "trim", "space", "case", "punct", "number",
		"trim,space,case,number", "number,space,case,trim" };
	size_t i, k, l1, l2;
	char *once, *twice;

	for (k = 0; k < NELEM(specs); k++)
		for (i = 0; i < NELEM(norm_cases); i++) {
			once = norm(specs[k], norm_cases[i].in, norm_cases[i].inlen, &l1);
			twice = norm(specs[k], once, l1, &l2);
			ck_assert_msg(l1 == l2 && memcmp(once, twice, l1) == 0,
			    "%s not idempotent on case %zu", specs[k], i);
			free(once);
			free(twice);
		}
}
END_TEST

START_TEST(long_inputs)
{
	size_t n = 4 << 20, i, rlen;
	char *big = malloc(n + 64), *out;

	/* a 4 MB integer: exact, not a double */
	big[0] = '1';
	memset(big + 1, '0', n - 1);
	memcpy(big + n, ".000e-4194303", 14);
	out = norm("number", big, n + 13, &rlen);
	ck_assert_str_eq(out, "1");
	free(out);
	memcpy(big + n, "1", 2);
	out = norm("number", big, n + 1, &rlen);
	ck_assert_uint_eq(rlen, 1 + 1 + n + 8);	/* 1.000...0001e4194304 */
	ck_assert_int_eq(memcmp(out, "1.0000", 6), 0);
	ck_assert_str_eq(out + rlen - 10, "01e4194304");
	free(out);
	/* many short numbers: the output grows past the input */
	for (i = 0; i + 5 <= n; i += 5)
		memcpy(big + i, "1e20 ", 5);
	out = norm("number", big, i, &rlen);
	ck_assert_uint_eq(rlen, i / 5 * 22);
	free(out);
	free(big);
}
END_TEST

START_TEST(no_allocation_after_warmup)
{
	struct oed_norm n;
	struct oed_norm_scratch sc;
	struct oed_err err;
	char text[2048];
	char *p0, *p1;
	size_t i, rlen;

	for (i = 0; i < sizeof(text); i++)
		text[i] = "Abc, 1,000 dEF.\t"[i % 16];
	ck_assert_int_eq(oed_norm_parse("trim,space,case,punct,number", &n, &err), 0);
	oed_norm_scratch_init(&sc);
	ck_assert_ptr_nonnull(oed_norm_apply(&n, text, sizeof(text), &sc, &rlen));
	p0 = sc.buf[0].data;
	p1 = sc.buf[1].data;
	for (i = 0; i < 1000; i++)
		ck_assert_ptr_nonnull(oed_norm_apply(&n, text, sizeof(text) - i, &sc, &rlen));
	ck_assert_ptr_eq(sc.buf[0].data, p0);
	ck_assert_ptr_eq(sc.buf[1].data, p1);
	oed_norm_scratch_release(&sc);
}
END_TEST

/* Every step of the table is documented: oed-entropy(1) and oed-equivalence.txt. */
START_TEST(table_in_man_pages)
{
	char *page = man_text("man/oed-entropy.1"), *txt = man_text("man/oed-equivalence.txt");

	ck_assert_msg(page && txt, "man pages not found: is top_srcdir set?");
	for (size_t i = 0; i < OED_NORM_NSTEPS; i++) {
		ck_assert_msg(man_has(page, "Cm ", oed_norm_steps[i].name, " \n"),
			      "'%s' is not in oed-entropy(1)", oed_norm_steps[i].name);
		ck_assert_msg(man_has(txt, "\n    ", oed_norm_steps[i].name, " "),
			      "'%s' has no entry in oed-equivalence.txt", oed_norm_steps[i].name);
		ck_assert_ptr_nonnull(oed_norm_steps[i].help);
	}
	free(page);
	free(txt);
}
END_TEST

static Suite *
normalize_suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, python_reference);
	tcase_add_test(tc, fold_every_code_point);
	tcase_add_test(tc, punct_and_space_tables);
	tcase_add_test(tc, number_equalities);
	tcase_add_test(tc, chains_and_examples);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, table_in_man_pages);
	tcase_add_test(tc, key_is_fingerprint);
	tcase_add_test(tc, extract_classes);
	tcase_add_test(tc, extract_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, any_bytes);
	tcase_add_test(tc, idempotent);
	tcase_add_test(tc, long_inputs);
	tcase_add_test(tc, no_allocation_after_warmup);
	tcase_add_test(tc, extract_reuse);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(normalize_suite());
	int failed;

	oed_diag_init("check_normalize");
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
