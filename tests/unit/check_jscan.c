/*
 * The reader's fast path against jansson: hand-written cases for every
 * rule, then a differential run over generated and mutated lines.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jscan_diff.h"

static struct oed_path paths[DIFF_NPATHS];
static struct oed_jscan *scan;

static void
setup(void)
{
	struct oed_err err;

	for (size_t i = 0; i < DIFF_NPATHS; i++)
		ck_assert_int_eq(oed_path_parse(&paths[i], diff_specs[i], &err), 0);
	scan = oed_jscan_new(paths, DIFF_NPATHS);
	ck_assert_ptr_nonnull(scan);
}

static void
teardown(void)
{
	oed_jscan_free(scan);
	for (size_t i = 0; i < DIFF_NPATHS; i++)
		oed_path_release(&paths[i]);
}

/* Each line with the scanner's expected answer: 1 accept, 0 decline. */
static const struct { const char *line; int accept; } cases[] = {
	{ "{}", 1 },
	{ " \t{ } \r", 1 },
	{ "{\"a\":\"x\"}", 1 },
	{ "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 1 },
	{ "{\"a\":\"\\u00e9\\u4e2d\\ud83d\\ude00\"}", 1 },
	{ "{\"a\":\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"}", 1 },
	{ "{\"a\":\"\\ud83d\"}", 0 },		/* lone high surrogate */
	{ "{\"a\":\"\\ude00\"}", 0 },		/* lone low surrogate */
	{ "{\"a\":\"\\ud83d\\u0041\"}", 0 },	/* high + non-low */
	{ "{\"a\":\"\\u0000\"}", 0 },		/* NUL refused */
	{ "{\"a\":\"\\x\"}", 0 },
	{ "{\"a\":\"\\u12\"}", 0 },
	{ "{\"a\":\"tab\there\"}", 0 },	/* raw control character */
	{ "{\"a\":\"\xc0\xaf\"}", 0 },		/* overlong */
	{ "{\"a\":\"\xed\xa0\x80\"}", 0 },	/* encoded surrogate */
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0 },	/* above U+10FFFF */
	{ "{\"a\":\"\xe4\xb8\"}", 0 },		/* truncated */
	{ "{\"a\":\"\xff\"}", 0 },
	{ "{\"b\":0,\"a\":-0}", 1 },
	{ "{\"a\":-0.0}", 1 },
	{ "{\"a\":1.5e3,\"b\":2E-2,\"s\":1e+2}", 1 },
	{ "{\"a\":9223372036854775807}", 1 },
	{ "{\"a\":-9223372036854775808}", 1 },
	{ "{\"a\":9223372036854775808}", 0 },	/* too big integer */
	{ "{\"x\":9223372036854775808}", 0 },	/* ... also when skipped */
	{ "{\"a\":1e400}", 0 },			/* real overflow */
	{ "{\"x\":1e400}", 0 },
	{ "{\"a\":1e-400}", 1 },		/* underflow is fine */
	{ "{\"a\":01}", 0 },
	{ "{\"a\":1.}", 0 },
	{ "{\"a\":.5}", 0 },
	{ "{\"a\":-}", 0 },
	{ "{\"a\":1e}", 0 },
	{ "{\"a\":+1}", 0 },
	{ "{\"a\":true,\"b\":false,\"s\":null}", 1 },
	{ "{\"a\":tru}", 0 },
	{ "{\"a\":nul}", 0 },
	{ "{\"a\":1,\"a\":\"later\"}", 1 },	/* last wins */
	{ "{\"n\":{\"x\":1},\"n\":{\"y\":{\"z\":2}}}", 1 },	/* a later object replaces */
	{ "{\"n\":{\"x\":1},\"n\":5}", 1 },
	{ "{\"n\":{\"y\":{\"z\":[1,{\"q\":[]}]}}}", 1 },
	{ "{\"arr\":[1,\"two\",[3],{\"4\":null}],\"u\":{}}", 1 },
	{ "{\"e.f\":\"dotted key\"}", 1 },
	{ "{\"a\":1,}", 0 },
	{ "{\"a\":1 \"b\":2}", 0 },
	{ "{\"a\" 1}", 0 },
	{ "{a:1}", 0 },
	{ "{\"a\":[1,]}", 0 },
	{ "{\"a\":1}x", 0 },
	{ "{\"a\":1}{}", 0 },
	{ "[1,2]", 0 },				/* not an object: jansson decides */
	{ "\"s\"", 0 },
	{ "{\"a\":1", 0 },
	{ "{\"\\u0061\":\"escaped key\"}", 1 },	/* keys compare decoded */
	{ "{\"\\u0071\":\"escaped key nobody asked for\"}", 1 },
	{ "{\"a\":\"\xe2\x80\xa8 line separator\"}", 1 },
};

START_TEST(hand_cases)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[256] = "";
		int rc = diff_line(scan, paths, cases[i].line, strlen(cases[i].line), msg, sizeof(msg));

		ck_assert_msg(rc != -1, "case %zu %s: %s", i, cases[i].line, msg);
		ck_assert_msg((rc == 1) == (cases[i].accept == 1), "case %zu %s: scanner %s",
			      i, cases[i].line, rc == 1 ? "accepted" : "declined");
	}
}
END_TEST

START_TEST(values_exact)
{
	struct oed_value v[DIFF_NPATHS];
	const char *line = "{\"a\":\"caf\\u00e9\",\"b\":-12,\"s\":0.1,\"n\":{\"y\":{\"z\":true}},\"a\":\"last\"}";

	ck_assert_int_eq(oed_jscan_line(scan, line, strlen(line), v), 1);
	ck_assert_int_eq(v[0].type, OED_V_STRING);
	ck_assert_str_eq(v[0].str, "last");
	ck_assert(v[1].is_int && v[1].i == -12);
	ck_assert(!v[2].is_int && v[2].num == 0.1);
	ck_assert_int_eq(v[3].type, OED_V_MISSING);
	ck_assert_int_eq(v[4].type, OED_V_TRUE);
	/* the line is not NUL-terminated and must not be read past its length */
	ck_assert_int_eq(oed_jscan_line(scan, "{\"a\":1}garbage", 7, v), 1);
}
END_TEST

/* ---- generated lines ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct buf {
	char *p;
	size_t n, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
gen_string(struct buf *b)
{
	static const char *const pieces[] = {
		"a", "hello", " ", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u4e2d",
		"\\ud83d\\ude00", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "0", "z",
		"long text with words ", "\\b\\f\\r", "\xe2\x80\x8d", "\\u0041",
	};
	int n = (int)rnd(6);

	puts_(b, "\"");
	for (int i = 0; i < n; i++)
		puts_(b, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
	puts_(b, "\"");
}

static void
gen_number(struct buf *b)
{
	static const char *const nums[] = {
		"0", "-0", "1", "-1", "42", "3.25", "-0.5", "1e3", "1E-3", "2.5e+10",
		"9223372036854775807", "-9223372036854775808", "123456789012345678",
		"1234567890123456789", "0.1", "1e308", "1e-320", "-7.0e2", "100000000000000000000",
	};
	puts_(b, nums[rnd(sizeof(nums) / sizeof(nums[0]))]);
}

static void gen_value(struct buf *b, int depth);

static void
gen_key(struct buf *b)
{
	static const char *const keys[] = {
		"\"a\"", "\"b\"", "\"s\"", "\"n\"", "\"x\"", "\"y\"", "\"z\"", "\"arr\"", "\"u\"",
		"\"e.f\"", "\"other\"", "\"\"", "\"\\u0071\"", "\"k\xc3\xa9y\"",
	};
	puts_(b, keys[rnd(sizeof(keys) / sizeof(keys[0]))]);
}

static void
gen_object(struct buf *b, int depth)
{
	int n = (int)rnd(depth == 0 ? 8 : 4);

	puts_(b, rnd(4) ? "{" : "{ ");
	for (int i = 0; i < n; i++) {
		if (i)
			puts_(b, rnd(5) ? "," : " ,\t");
		gen_key(b);
		puts_(b, rnd(4) ? ":" : " : ");
		gen_value(b, depth + 1);
	}
	puts_(b, "}");
}

static void
gen_value(struct buf *b, int depth)
{
	switch (rnd(depth > 4 ? 5 : 7)) {
	case 0: gen_string(b); break;
	case 1: gen_number(b); break;
	case 2: puts_(b, rnd(2) ? "true" : "false"); break;
	case 3: puts_(b, "null"); break;
	case 4: gen_string(b); break;
	case 5: gen_object(b, depth); break;
	case 6: {
		int n = (int)rnd(4);

		puts_(b, "[");
		for (int i = 0; i < n; i++) {
			if (i)
				puts_(b, ",");
			gen_value(b, depth + 1);
		}
		puts_(b, "]");
		break;
	}
	}
}

static void
mutate(struct buf *b)
{
	static const char bytes[] = "{}[]\":,\\u0 e-+.\x80\xc3\xff\x01tnf";
	size_t at = b->n ? rnd((unsigned)b->n) : 0;

	switch (rnd(4)) {
	case 0:		/* flip a byte */
		if (b->n)
			b->p[at] = bytes[rnd(sizeof(bytes) - 1)];
		break;
	case 1:		/* truncate */
		b->n = at;
		b->p[b->n] = '\0';
		break;
	case 2: {	/* insert a byte */
		char c = bytes[rnd(sizeof(bytes) - 1)];

		put(b, " ", 1);
		memmove(b->p + at + 1, b->p + at, b->n - at - 1);
		b->p[at] = c;
		break;
	}
	case 3:		/* delete a byte */
		if (b->n) {
			memmove(b->p + at, b->p + at + 1, b->n - at - 1);
			b->n--;
			b->p[b->n] = '\0';
		}
		break;
	}
}

START_TEST(differential)
{
	struct buf b = { 0 };
	unsigned long accepted = 0, declined = 0, refused = 0, mutated_ok = 0;
	char msg[256];

	for (int i = 0; i < 200000; i++) {
		int rc;

		b.n = 0;
		gen_object(&b, 0);
		rc = diff_line(scan, paths, b.p, b.n, msg, sizeof(msg));
		ck_assert_msg(rc != -1, "line %d %s: %s", i, b.p, msg);
		accepted += rc == 1;
		declined += rc == 0;
		/* and a mutated copy */
		mutate(&b);
		if (rnd(2))
			mutate(&b);
		rc = diff_line(scan, paths, b.p, b.n, msg, sizeof(msg));
		ck_assert_msg(rc != -1, "mutated line %d %s: %s", i, b.p, msg);
		refused += rc == 2;
		mutated_ok += rc == 1;
	}
	free(b.p);
	printf("jscan differential: %lu generated lines accepted, %lu declined; "
	       "mutated: %lu refused by both, %lu accepted by both\n",
	       accepted, declined, refused, mutated_ok);
	/* the fast path must be real: valid generated lines go through it */
	ck_assert_uint_gt(accepted, 150000);
	ck_assert_uint_gt(refused, 50000);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("jscan");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hand_cases);
	tcase_add_test(tc, values_exact);
	suite_add_tcase(su, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, differential);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
