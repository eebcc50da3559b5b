/*
 * The reader's fast path against jansson: hand-written cases for every
 * rule, each pinning jansson's verdict, the scanner's and the value of one
 * path; then nesting limits; then a differential run over generated lines
 * and mutated copies of them.
 */
#include "config.h"

#include <check.h>
#include <math.h>
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

static size_t
spec_index(const char *spec)
{
	for (size_t i = 0; i < DIFF_NPATHS; i++)
		if (strcmp(diff_specs[i], spec) == 0)
			return i;
	ck_abort_msg("no path '%s' in diff_specs", spec);
	return 0;
}

/*
 * want: M missing, N null, T true, F false, O object, A array, "S:bytes"
 * a string, "I:n" an integer, "R:x" a real (written exactly: hex floats or
 * decimals a double holds exactly; compared bit for bit).
 */
static void
check_value(const struct oed_value *v, const char *want, const char *who, const char *line)
{
	switch (want[0]) {
	case 'M': ck_assert_msg(v->type == OED_V_MISSING, "%s %s: not missing", who, line); break;
	case 'N': ck_assert_msg(v->type == OED_V_NULL, "%s %s: not null", who, line); break;
	case 'T': ck_assert_msg(v->type == OED_V_TRUE && v->num == 1, "%s %s: not true", who, line); break;
	case 'F': ck_assert_msg(v->type == OED_V_FALSE, "%s %s: not false", who, line); break;
	case 'O': ck_assert_msg(v->type == OED_V_OBJECT, "%s %s: not an object", who, line); break;
	case 'A': ck_assert_msg(v->type == OED_V_ARRAY, "%s %s: not an array", who, line); break;
	case 'S': {
		size_t n = strlen(want + 2);

		ck_assert_msg(v->type == OED_V_STRING, "%s %s: not a string", who, line);
		ck_assert_msg(v->len == n && memcmp(v->str, want + 2, n) == 0 && v->str[n] == '\0',
			      "%s %s: string '%.*s' (%zu bytes), want '%s'", who, line, (int)v->len,
			      v->str, v->len, want + 2);
		break;
	}
	case 'I': {
		long long i = strtoll(want + 2, NULL, 10);

		ck_assert_msg(v->type == OED_V_NUMBER && v->is_int && v->i == i &&
				  v->num == (double)i && (i != 0 || !signbit(v->num)),
			      "%s %s: integer %lld (is_int %d), want %lld", who, line, v->i, v->is_int, i);
		break;
	}
	case 'R': {
		double d = strtod(want + 2, NULL);

		ck_assert_msg(v->type == OED_V_NUMBER && !v->is_int && v->i == 0 && !v->overflow &&
				  memcmp(&v->num, &d, sizeof(d)) == 0,
			      "%s %s: real %a (is_int %d), want %a", who, line, v->num, v->is_int, d);
		break;
	}
	case 'W':
		ck_assert_msg(v->type == OED_V_NUMBER && v->overflow,
			      "%s %s: not a number flagged overflow", who, line);
		break;
	default:
		ck_abort_msg("bad expectation '%s'", want);
	}
}

/* jansson: 0 refuses, 1 accepts an object, 2 accepts something else. */
struct jcase {
	const char *line;
	int jscan, jansson;
	const char *path, *want;
};

/* 10^309 written out: 310 digits */
#define BIG309 "100000000000000000000000000000000000000000000000000000000000000000000000000000" \
	"000000000000000000000000000000000000000000000000000000000000000000000000000000" \
	"000000000000000000000000000000000000000000000000000000000000000000000000000000" \
	"0000000000000000000000000000000000000000000000000000000000000000000000000000"
#define LONGREAL "0.1000000000000000055511151231257827021181583404541015625000000000001"

static const struct jcase cases[] = {
	/* structure and whitespace */
	{ "{}", 1, 1, "a", "M" },
	{ " \t{\n} \r", 1, 1, "a", "M" },
	{ "{ \"a\" :\t\"x\" , \"b\":1 }", 1, 1, "a", "S:x" },
	{ "{\"a\":1,}", 0, 0, "a", "" },
	{ "{,}", 0, 0, "a", "" },
	{ "{\"a\":1,,\"b\":2}", 0, 0, "a", "" },
	{ "{\"a\":1 \"b\":2}", 0, 0, "a", "" },
	{ "{\"a\" 1}", 0, 0, "a", "" },
	{ "{a:1}", 0, 0, "a", "" },
	{ "{'a':1}", 0, 0, "a", "" },
	{ "{\"a\":[1,]}", 0, 0, "a", "" },
	{ "{\"a\":[,1]}", 0, 0, "a", "" },
	{ "{\"a\":[1 2]}", 0, 0, "a", "" },
	{ "{\"a\":{\"b\"}}", 0, 0, "a", "" },
	{ "{\"a\":1}x", 0, 0, "a", "" },
	{ "{\"a\":1}{}", 0, 0, "a", "" },
	{ "{\"a\":1} \t", 1, 1, "a", "I:1" },
	{ "{\"a\":1", 0, 0, "a", "" },
	{ "{\"a\":", 0, 0, "a", "" },
	{ "", 0, 0, "a", "" },
	{ "{\"a\":1\f}", 0, 0, "a", "" },		/* form feed is not JSON whitespace */
	{ "{\"a\":1\v}", 0, 0, "a", "" },
	{ "{\"a\":\xc2\xa0" "1}", 0, 0, "a", "" },	/* nor is U+00A0 */
	{ "\xef\xbb\xbf{}", 0, 0, "a", "" },		/* a BOM is the reader's to drop */
	{ "[1,2]", 0, 2, "a", "" },			/* not an object: the reader refuses */
	{ "[]", 0, 2, "a", "" },
	{ "\"s\"", 0, 0, "a", "" },			/* flags 0: '[' or '{' expected */
	{ "1", 0, 0, "a", "" },
	/* literals */
	{ "{\"a\":true,\"b\":false,\"s\":null}", 1, 1, "a", "T" },
	{ "{\"a\":true,\"b\":false,\"s\":null}", 1, 1, "b", "F" },
	{ "{\"a\":true,\"b\":false,\"s\":null}", 1, 1, "s", "N" },
	{ "{\"a\":tru}", 0, 0, "a", "" },
	{ "{\"a\":truex}", 0, 0, "a", "" },
	{ "{\"a\":nul}", 0, 0, "a", "" },
	{ "{\"a\":nulll}", 0, 0, "a", "" },
	{ "{\"a\":True}", 0, 0, "a", "" },
	{ "{\"a\":true1}", 0, 0, "a", "" },
	/* strings and escapes */
	{ "{\"a\":\"x\"}", 1, 1, "a", "S:x" },
	{ "{\"a\":\"\"}", 1, 1, "a", "S:" },
	{ "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 1, 1, "a", "S:\"\\/\b\f\n\r\t" },
	{ "{\"a\":\"\\u00e9\\u4e2d\\ud83d\\ude00\"}", 1, 1, "a", "S:\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80" },
	{ "{\"a\":\"\\uD834\\uDD1E\\u00C9\"}", 1, 1, "a", "S:\xf0\x9d\x84\x9e\xc3\x89" },
	{ "{\"a\":\"\\udbff\\udfff\"}", 1, 1, "a", "S:\xf4\x8f\xbf\xbf" },
	{ "{\"a\":\"\\u0041\\u002e\\u007f\\u0080\\u07ff\\u0800\\uffff\"}", 1, 1, "a",
	  "S:A.\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf" },
	{ "{\"a\":\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"}", 1, 1, "a", "S:\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80" },
	{ "{\"a\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}",
	  1, 1, "a", "S:\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf" },
	{ "{\"a\":\"del \x7f ok\"}", 1, 1, "a", "S:del \x7f ok" },
	{ "{\"a\":\"\xe2\x80\xa8 line separator\"}", 1, 1, "a", "S:\xe2\x80\xa8 line separator" },
	{ "{\"a\":\"a plain run longer than sixteen bytes, then \\n, then more than sixteen\"}", 1, 1,
	  "a", "S:a plain run longer than sixteen bytes, then \n, then more than sixteen" },
	{ "{\"a\":\"\\ud83d\"}", 0, 0, "a", "" },		/* lone high surrogate */
	{ "{\"a\":\"\\ud83dx\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\\ude00\"}", 0, 0, "a", "" },		/* lone low surrogate */
	{ "{\"a\":\"\\ud83d\\u0041\"}", 0, 0, "a", "" },	/* high + not low */
	{ "{\"a\":\"\\ud83d\\ud83d\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\\ude00\\ud83d\"}", 0, 0, "a", "" },	/* reversed pair */
	/* \u0000 is valid JSON, kept as a NUL byte (values_exact reads one) */
	{ "{\"x\":\"\\u0000\"}", 1, 1, "a", "M" },
	{ "{\"\\u0000\":1}", 0, 0, "a", "" },			/* not in a key: jansson */
	{ "{\"a\\u0000\":1}", 0, 0, "a", "" },			/* cannot hold one */
	{ "{\"a\":\"\\x\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\\U0041\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\\u12\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\\u12G4\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\\", 0, 0, "a", "" },
	{ "{\"a\":\"tab\there\"}", 0, 0, "a", "" },		/* raw control characters */
	{ "{\"a\":\"nl\nhere\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\x01\"}", 0, 0, "a", "" },
	{ "{\"x\":\"\x1f\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xc0\xaf\"}", 0, 0, "a", "" },		/* overlong forms */
	{ "{\"a\":\"\xc1\xbf\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xe0\x80\xaf\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xe0\x9f\xbf\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xf0\x80\x80\xaf\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xf0\x8f\xbf\xbf\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xed\xa0\x80\"}", 0, 0, "a", "" },	/* surrogates in UTF-8 */
	{ "{\"a\":\"\xed\xbf\xbf\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0, 0, "a", "" },	/* above U+10FFFF */
	{ "{\"a\":\"\xf5\x80\x80\x80\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xf8\x88\x80\x80\x80\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xfe\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xff\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\x80\"}", 0, 0, "a", "" },		/* stray continuation */
	{ "{\"a\":\"\xc3" "a\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xe4\xb8\"}", 0, 0, "a", "" },		/* truncated */
	{ "{\"a\":\"\xf0\x9f\x98\"}", 0, 0, "a", "" },
	{ "{\"a\":\"\xe4", 0, 0, "a", "" },
	{ "{\"x\":\"\xc0\xaf\"}", 0, 0, "a", "" },		/* skipped strings too */
	{ "{\"x\":[\"\xed\xa0\x80\"]}", 0, 0, "a", "" },
	{ "{\"\xff\":1}", 0, 0, "a", "" },			/* and keys */
	{ "{\"k\xc3\":1}", 0, 0, "a", "" },
	{ "{\"a\":1}\xff", 0, 0, "a", "" },
	/* numbers */
	{ "{\"a\":0}", 1, 1, "a", "I:0" },
	{ "{\"a\":-0}", 1, 1, "a", "I:0" },		/* an integer, and +0.0 as double */
	{ "{\"a\":-0.0}", 1, 1, "a", "R:-0x0p+0" },
	{ "{\"a\":-12}", 1, 1, "a", "I:-12" },
	{ "{\"a\":0.1}", 1, 1, "a", "R:0x1.999999999999ap-4" },
	{ "{\"a\":1.5e3}", 1, 1, "a", "R:1500" },
	{ "{\"a\":2E-2}", 1, 1, "a", "R:0x1.47ae147ae147bp-6" },
	{ "{\"a\":1e+2}", 1, 1, "a", "R:100" },
	{ "{\"a\":1E0}", 1, 1, "a", "R:1" },
	{ "{\"a\":0e0}", 1, 1, "a", "R:0" },
	{ "{\"a\":123456789012345678}", 1, 1, "a", "I:123456789012345678" },
	{ "{\"a\":1234567890123456789}", 1, 1, "a", "I:1234567890123456789" },
	{ "{\"a\":-1234567890123456789}", 1, 1, "a", "I:-1234567890123456789" },
	{ "{\"a\":9223372036854775807}", 1, 1, "a", "I:9223372036854775807" },
	{ "{\"a\":-9223372036854775808}", 1, 1, "a", "I:-9223372036854775808" },
	/* past a long long (jansson's "too big integer"): valid, read as a double */
	{ "{\"a\":9223372036854775808}", 1, 1, "a", "R:0x1p+63" },
	{ "{\"a\":-9223372036854775809}", 1, 1, "a", "R:-0x1p+63" },
	{ "{\"a\":12345678901234567890}", 1, 1, "a", "R:12345678901234567890" },
	{ "{\"a\":18446744073709551616}", 1, 1, "a", "R:0x1p+64" },
	{ "{\"x\":9223372036854775808}", 1, 1, "a", "M" },	/* skipped */
	{ "{\"x\":[100000000000000000000]}", 1, 1, "a", "M" },
	{ "{\"a\":" BIG309 "}", 1, 1, "a", "W" },		/* beyond a double */
	{ "{\"x\":" BIG309 "}", 1, 1, "a", "M" },
	{ "{\"x\":9223372036854775807}", 1, 1, "a", "M" },
	{ "{\"a\":9223372036854775808.0}", 1, 1, "a", "R:0x1p+63" },	/* a real is fine */
	/* beyond a double (jansson's "real number overflow"): valid, flagged when read */
	{ "{\"a\":1e400}", 1, 1, "a", "W" },
	{ "{\"a\":-1e400}", 1, 1, "a", "W" },
	{ "{\"x\":1e400}", 1, 1, "a", "M" },			/* nobody reads it */
	{ "{\"x\":{\"d\":1e400}}", 1, 1, "a", "M" },
	{ "{\"x\":1E309}", 1, 1, "a", "M" },
	{ "{\"a\":1.7976931348623159e308}", 1, 1, "a", "W" },	/* rounds to inf */
	{ "{\"a\":{\"d\":1e400},\"a\":1}", 1, 1, "a", "I:1" },	/* replaced */
	{ "{\"a\":1e400 x}", 0, 0, "a", "" },			/* still invalid */
	{ "{\"x\":1e400,}", 0, 0, "a", "" },
	{ "{\"a\":1.7976931348623157e308}", 1, 1, "a", "R:0x1.fffffffffffffp+1023" },
	{ "{\"x\":0.001e311}", 1, 1, "a", "M" },
	{ "{\"a\":" BIG309 ".0}", 1, 1, "a", "W" },		/* overflow without exponent */
	{ "{\"x\":" BIG309 "e-1}", 1, 1, "a", "M" },
	{ "{\"a\":1e0000000000000000001}", 1, 1, "a", "R:10" },
	{ "{\"a\":1e0000000000000000400}", 1, 1, "a", "W" },
	{ "{\"a\":1e-400}", 1, 1, "a", "R:0" },			/* underflow is fine */
	{ "{\"a\":-1e-400}", 1, 1, "a", "R:-0x0p+0" },
	{ "{\"a\":1e-99999999999999}", 1, 1, "a", "R:0" },
	{ "{\"a\":4.9e-324}", 1, 1, "a", "R:0x0.0000000000001p-1022" },
	{ "{\"a\":" LONGREAL "}", 1, 1, "a", "R:0x1.999999999999ap-4" },
	{ "{\"a\":01}", 0, 0, "a", "" },
	{ "{\"a\":-01}", 0, 0, "a", "" },
	{ "{\"a\":00}", 0, 0, "a", "" },
	{ "{\"a\":1.}", 0, 0, "a", "" },
	{ "{\"a\":.5}", 0, 0, "a", "" },
	{ "{\"a\":1.e5}", 0, 0, "a", "" },
	{ "{\"a\":-}", 0, 0, "a", "" },
	{ "{\"a\":-a}", 0, 0, "a", "" },
	{ "{\"a\":1e}", 0, 0, "a", "" },
	{ "{\"a\":1e+}", 0, 0, "a", "" },
	{ "{\"a\":+1}", 0, 0, "a", "" },
	{ "{\"a\":0x10}", 0, 0, "a", "" },
	{ "{\"a\":1 2}", 0, 0, "a", "" },
	{ "{\"a\":NaN}", 0, 0, "a", "" },
	{ "{\"a\":Infinity}", 0, 0, "a", "" },
	{ "{\"a\":-Infinity}", 0, 0, "a", "" },
	/* keys, duplicates and paths */
	{ "{\"a\":1,\"a\":\"later\"}", 1, 1, "a", "S:later" },	/* the last one wins */
	{ "{\"a\":\"first\",\"a\":null}", 1, 1, "a", "N" },
	{ "{\"\\u0061\":\"escaped key\"}", 1, 1, "a", "S:escaped key" },	/* keys compare decoded */
	{ "{\"\\u0071\":\"escaped key nobody asked for\"}", 1, 1, "a", "M" },
	{ "{\"e.f\":\"dotted key\"}", 1, 1, "e\\.f", "S:dotted key" },
	{ "{\"e\":{\"f\":1}}", 1, 1, "e\\.f", "M" },
	{ "{\"\":\"empty key\"}", 1, 1, "/", "S:empty key" },
	{ "{\"1\":\"digit key at the top\"}", 1, 1, "1", "S:digit key at the top" },
	{ "{\"n\":{\"x\":1},\"n\":{\"y\":{\"z\":2}}}", 1, 1, "n.x", "M" },	/* replaced */
	{ "{\"n\":{\"x\":1},\"n\":{\"y\":{\"z\":2}}}", 1, 1, "n.y.z", "I:2" },
	{ "{\"n\":{\"x\":1},\"n\":5}", 1, 1, "n.x", "M" },
	{ "{\"n\":{\"x\":1,\"x\":[]}}", 1, 1, "n.x", "A" },
	{ "{\"n\":{\"x\":\"one\"}}", 1, 1, "/n/x", "S:one" },	/* a second spelling */
	{ "{\"n\":{\"x\":1},\"n\":{}}", 1, 1, "/n/x", "M" },
	{ "{\"n\":[{\"x\":1}]}", 1, 1, "n.x", "M" },		/* a key finds nothing in an array */
	{ "{\"n\":{\"y\":{\"z\":[1,{\"q\":[]}]}}}", 1, 1, "n.y.z", "A" },
	{ "{\"arr\":[1,\"two\",[3],{\"4\":null}],\"u\":{}}", 1, 1, "arr", "A" },
	{ "{\"arr\":[1,\"two\",[3],{\"4\":null}],\"u\":{}}", 1, 1, "u", "O" },
	{ "{\"arr\":[10,20,30]}", 1, 1, "arr.0", "I:10" },
	{ "{\"arr\":[]}", 1, 1, "arr.0", "M" },
	{ "{\"arr\":{\"0\":\"key zero\"}}", 1, 1, "arr.0", "S:key zero" },	/* digits name a key */
	{ "{\"arr\":[1,2,{\"k\":\"v\"}]}", 1, 1, "arr.2.k", "S:v" },
	{ "{\"arr\":[1,2,{\"k\":\"v\",\"k\":\"w\"}]}", 1, 1, "arr.2.k", "S:w" },
	{ "{\"arr\":[1,2,{\"k\":\"v\"}],\"arr\":[1,2]}", 1, 1, "arr.2.k", "M" },
	{ "{\"arr\":[1]}", 1, 1, "arr.2.k", "M" },
	{ "{\"arr\":[1,2,[{\"k\":1}]]}", 1, 1, "arr.2.k", "M" },
	{ "{\"arr\":{\"2\":{\"k\":true}}}", 1, 1, "arr.2.k", "T" },
	{ "{\"n\":{\"y\":[0,\"one\"]}}", 1, 1, "n.y.1", "S:one" },
	{ "{\"n\":{\"y\":{\"1\":\"key one\"}}}", 1, 1, "n.y.1", "S:key one" },
	{ "{\"n\":{\"y\":[0,\"one\"]}}", 1, 1, "n.y.01", "M" },	/* "01" is a key only */
	{ "{\"n\":{\"y\":{\"01\":\"key 01\"}}}", 1, 1, "n.y.01", "S:key 01" },
	{ "{\"m\":[[1,\"x\"]]}", 1, 1, "m.0.1", "S:x" },
	{ "{\"m\":[[1,\"x\"],[2,\"y\"]]}", 1, 1, "m.0.1", "S:x" },
	{ "{\"m\":[{\"1\":\"key\"}]}", 1, 1, "m.0.1", "S:key" },
	{ "{\"m\":[[1,\"\\ud83d\"]]}", 0, 0, "m.0.1", "" },
};

START_TEST(hand_cases)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct jcase *c = &cases[i];
		struct oed_value got[DIFF_NPATHS], want;
		size_t len = strlen(c->line), k = spec_index(c->path);
		unsigned over;
		json_t *root = diff_load(c->line, len, &over);
		int j = root == NULL ? 0 : json_is_object(root) ? 1 : 2;
		int fast = oed_jscan_line(scan, c->line, len, got);
		char msg[256] = "";

		ck_assert_msg(j == c->jansson, "case %zu %s: jansson gives %d, want %d", i, c->line, j,
			      c->jansson);
		ck_assert_msg(fast == c->jscan, "case %zu %s: scanner gives %d, want %d", i, c->line,
			      fast, c->jscan);
		if (j == 1) {
			diff_expect(oed_path_get(&paths[k], root), &want);
			check_value(&want, c->want, "jansson", c->line);
		}
		if (fast == 1)
			check_value(&got[k], c->want, "scanner", c->line);
		json_decref(root);
		/* and all the other paths agree with jansson too */
		ck_assert_msg(diff_line(scan, paths, c->line, len, msg, sizeof(msg)) != -1,
			      "case %zu %s: %s", i, c->line, msg);
	}
}
END_TEST

START_TEST(values_exact)
{
	struct oed_value v[DIFF_NPATHS];
	const char *line = "{\"a\":\"caf\\u00e9\",\"b\":-12,\"s\":0.1,\"n\":{\"y\":{\"z\":true}},"
			   "\"a\":\"last\",\"arr\":[\"zero\"],\"n\":{\"x\":\"nx\",\"y\":[5,6]}}";
	const char nul_in_string[] = "{\"a\":\"x\0y\"}", nul_outside[] = "{\"a\":1}\0";

	ck_assert_int_eq(oed_jscan_line(scan, line, strlen(line), v), 1);
	ck_assert_int_eq(v[0].type, OED_V_STRING);
	ck_assert_str_eq(v[0].str, "last");
	ck_assert(v[1].is_int && v[1].i == -12 && v[1].num == -12.0);
	ck_assert(!v[2].is_int && v[2].num == 0.1);
	/* a number's text as written, borrowed from the line */
	ck_assert(v[1].len == 3 && memcmp(v[1].str, "-12", 3) == 0);
	ck_assert(v[2].len == 3 && memcmp(v[2].str, "0.1", 3) == 0);
	ck_assert_str_eq(v[spec_index("n.x")].str, "nx");
	ck_assert_str_eq(v[spec_index("/n/x")].str, "nx");	/* shares the node */
	ck_assert_int_eq(v[spec_index("n.y.z")].type, OED_V_MISSING);	/* n was replaced */
	ck_assert_int_eq(v[spec_index("n.y.1")].i, 6);
	ck_assert_str_eq(v[spec_index("arr.0")].str, "zero");
	ck_assert_int_eq(oed_jscan_line(scan, "{\"b\":18446744073709551616}", 26, v), 1);
	ck_assert(!v[1].is_int && v[1].len == 20 && memcmp(v[1].str, "18446744073709551616", 20) == 0);
	/* the line is not NUL-terminated and must not be read past its length */
	ck_assert_int_eq(oed_jscan_line(scan, "{\"a\":1}garbage", 7, v), 1);
	ck_assert_int_eq(oed_jscan_line(scan, "{\"a\":\"xy\"}\"}", 9, v), 0);
	/* a raw NUL byte is a control character in a string, and no token outside */
	ck_assert_int_eq(oed_jscan_line(scan, nul_in_string, sizeof(nul_in_string) - 1, v), 0);
	ck_assert_ptr_null(json_loadb(nul_in_string, sizeof(nul_in_string) - 1, 0, NULL));
	ck_assert_int_eq(oed_jscan_line(scan, nul_outside, sizeof(nul_outside) - 1, v), 0);
	ck_assert_ptr_null(json_loadb(nul_outside, sizeof(nul_outside) - 1, 0, NULL));
	/* \u0000 is kept as a NUL inside the string, its length counting it */
	line = "{\"a\":\"x\\u0000y\",\"b\":\"\\u0000\"}";
	ck_assert_int_eq(oed_jscan_line(scan, line, strlen(line), v), 1);
	ck_assert_uint_eq(v[0].len, 3);
	ck_assert(memcmp(v[0].str, "x\0y", 4) == 0);
	ck_assert_int_eq(v[1].type, OED_V_STRING);
	ck_assert_uint_eq(v[1].len, 1);
	ck_assert(v[1].str[0] == '\0' && v[1].str[1] == '\0');
	/*
	 * Range: a requested integer past a long long is a double, a number
	 * beyond a double is flagged, and so is a requested array or object
	 * holding one at any depth; the same numbers elsewhere do not matter.
	 */
	line = "{\"a\":[1,{\"q\":[2e400]}],\"b\":-18446744073709551616,\"s\":{\"t\":1e400},"
	       "\"u\":{\"v\":99999999999999999999999},\"arr\":[1e999]}";
	ck_assert_int_eq(oed_jscan_line(scan, line, strlen(line), v), 1);
	ck_assert(v[0].type == OED_V_ARRAY && v[0].overflow);
	ck_assert(v[1].type == OED_V_NUMBER && !v[1].is_int && !v[1].overflow &&
		  v[1].num == -0x1p64);
	ck_assert(v[2].type == OED_V_OBJECT && v[2].overflow);
	ck_assert(v[spec_index("u")].type == OED_V_OBJECT && !v[spec_index("u")].overflow);
	ck_assert(v[spec_index("arr")].overflow && v[spec_index("arr.0")].overflow);
	ck_assert_int_eq(v[spec_index("arr.0")].type, OED_V_NUMBER);
	/* strings stay valid and NUL-terminated until the next call, even when
	 * the scratch buffer must grow for a longer line */
	{
		size_t n = 100000;
		char *big = malloc(n + 16);

		ck_assert_ptr_nonnull(big);
		memcpy(big, "{\"a\":\"", 6);
		memset(big + 6, 'q', n);
		memcpy(big + 6 + n, "\"}", 2);
		ck_assert_int_eq(oed_jscan_line(scan, big, n + 8, v), 1);
		ck_assert_uint_eq(v[0].len, n);
		ck_assert(v[0].str[0] == 'q' && v[0].str[n - 1] == 'q' && v[0].str[n] == '\0');
		free(big);
	}
}
END_TEST

/* Nesting of depth containers (the record itself is one), innermost inner. */
static char *
nest(int depth, const char *inner)
{
	size_t n = strlen(inner);
	char *s = malloc(2 * (size_t)depth + n + 16), *p = s;

	p += sprintf(p, "{\"a\":");
	for (int i = 1; i < depth; i++)
		*p++ = '[';
	memcpy(p, inner, n);
	p += n;
	for (int i = 1; i < depth; i++)
		*p++ = ']';
	strcpy(p, "}");
	return s;
}

START_TEST(depth_limits)
{
	static const struct {
		int depth;
		const char *inner;
		int jscan, jansson;
	} d[] = {
		{ 511, "1", 1, 1 }, { 512, "", 1, 1 }, { 512, "1", 1, 1 }, { 513, "", 0, 1 },
		/* jansson counts every value: 2048 containers hold nothing more */
		{ 2048, "", 0, 1 }, { 2048, "1", 0, 0 }, { 2049, "", 0, 0 }, { 100000, "", 0, 0 },
	};
	struct oed_value v[DIFF_NPATHS];

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char *line = nest(d[i].depth, d[i].inner);
		json_t *root = json_loadb(line, strlen(line), 0, NULL);

		ck_assert_msg((root != NULL) == d[i].jansson, "depth %d: jansson %d", d[i].depth,
			      root != NULL);
		ck_assert_int_eq(oed_jscan_line(scan, line, strlen(line), v), d[i].jscan);
		if (d[i].jscan)
			ck_assert_int_eq(v[0].type, d[i].depth > 1 ? OED_V_ARRAY : OED_V_NUMBER);
		json_decref(root);
		free(line);
	}
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

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

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
		ck_assert_ptr_nonnull(b->p);
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
		"\\ud83d\\ude00", "\\uD834\\uDD1E", "\\udbff\\udfff", "\\uFFFF", "\\u0001",
		"\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xc2\x80", "\xdf\xbf",
		"\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
		"\x7f", "0", "z", "long text with words ", "\\b\\f\\r", "\xe2\x80\x8d", "\\u0041",
		"\\u0000",
		"0123456789abcdef0123456789ABCDEF", "\xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c",
	};
	int n = (int)rnd(rnd(8) ? 6 : 40);

	puts_(b, "\"");
	for (int i = 0; i < n; i++)
		puts_(b, PICK(pieces));
	puts_(b, "\"");
}

/* Numbers of every form, near every limit, valid or not for jansson. */
static void
gen_number(struct buf *b)
{
	static const char *const nums[] = {
		"0", "-0", "1", "-1", "42", "3.25", "-0.5", "1e3", "1E-3", "2.5e+10", "-0.0",
		"9223372036854775807", "-9223372036854775808", "9223372036854775806",
		"-9223372036854775807", "123456789012345678", "1234567890123456789",
		"0.1", "1e308", "1e-400", "1e-320", "4.9e-324", "2.2250738585072014e-308",
		"1.7976931348623157e308", "-7.0e2", "0e0", "1E+0", "1e0000000000000000001",
		"9223372036854775808.0", "0." "00000000000000000000000000000000000000000000000000000000000000001",
		"3.14159265358979323846264338327950288419716939937510582097494459230781640628",
	};
	/* beyond jansson's range, valid all the same: past a long long, beyond a double */
	static const char *const bad[] = {
		"9223372036854775808", "-9223372036854775809", "12345678901234567890",
		"100000000000000000000", "1e309", "1e400", "-1e400", "1.7976931348623159e308",
	};
	static const char *const digits = "0123456789";
	char tmp[128];
	size_t n = 0;

	if (rnd(50) == 0) {
		puts_(b, PICK(bad));
		return;
	}
	if (rnd(3)) {
		puts_(b, PICK(nums));
		return;
	}
	/* composed: sign, 1 to 25 digits, a fraction, an exponent up to 400 */
	if (rnd(3) == 0)
		tmp[n++] = '-';
	tmp[n++] = "123456789"[rnd(9)];
	for (unsigned k = rnd(rnd(16) ? 6 : 25); k > 0; k--)
		tmp[n++] = digits[rnd(10)];
	if (rnd(2)) {
		tmp[n++] = '.';
		for (unsigned k = 1 + rnd(rnd(4) ? 6 : 30); k > 0; k--)
			tmp[n++] = digits[rnd(10)];
	}
	if (rnd(2))
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%s%s%u", rnd(2) ? "e" : "E",
				      rnd(3) == 0 ? "-" : rnd(2) ? "+" : "", rnd(rnd(16) ? 20 : 400));
	put(b, tmp, n);
}

static void gen_value(struct buf *b, int depth, const char *key);

/* The key written, so that its value can take a shape the paths reach. */
static const char *
gen_key(struct buf *b, int depth)
{
	static const char *const keys[] = {
		"\"a\"", "\"b\"", "\"s\"", "\"n\"", "\"x\"", "\"y\"", "\"z\"", "\"arr\"", "\"u\"",
		"\"e.f\"", "\"other\"", "\"\"", "\"\\u0071\"", "\"k\xc3\xa9y\"", "\"k\"", "\"m\"",
		"\"0\"", "\"1\"", "\"2\"", "\"01\"", "\"\\u0061\"", "\"\\u0030\"", "\"e\"",
		"\"k\\u0000\"",	/* valid JSON, but no key jansson can hold: refused by both */
	};
	static const char *const inner[] = {
		"\"x\"", "\"y\"", "\"z\"", "\"k\"", "\"1\"", "\"01\"", "\"\\u0078\"", "\"q\"",
	};
	const char *k = depth > 0 && rnd(3) ? PICK(inner) : PICK(keys);

	puts_(b, k);
	return k;
}

static const char *const ws[] = { "", "", "", "", " ", "\t", "\n ", "\r\n" };

static void
gen_object(struct buf *b, int depth)
{
	int n = (int)rnd(depth == 0 ? 9 : 5);

	puts_(b, "{");
	puts_(b, PICK(ws));
	for (int i = 0; i < n; i++) {
		const char *k;

		if (i) {
			puts_(b, ",");
			puts_(b, PICK(ws));
		}
		k = gen_key(b, depth);
		puts_(b, PICK(ws));
		puts_(b, ":");
		puts_(b, PICK(ws));
		gen_value(b, depth + 1, k);
		puts_(b, PICK(ws));
	}
	puts_(b, "}");
}

static void
gen_array(struct buf *b, int depth, const char *elem)
{
	int n = (int)rnd(6);

	puts_(b, "[");
	for (int i = 0; i < n; i++) {
		if (i)
			puts_(b, rnd(4) ? "," : " , ");
		gen_value(b, depth + 1, elem);
	}
	puts_(b, "]");
}

/*
 * key: the key (or, for array elements, a shape hint) this value is for.
 * Keys on the requested paths lean towards the containers the paths go
 * through, so that nested paths are found often.
 */
static void
gen_value(struct buf *b, int depth, const char *key)
{
	if (depth <= 5 && rnd(10) < 6) {
		if (strcmp(key, "\"n\"") == 0 || strcmp(key, "\"2\"") == 0) {
			gen_object(b, depth);
			return;
		}
		if (strcmp(key, "\"y\"") == 0 || strcmp(key, "\"arr\"") == 0) {
			if (rnd(2))
				gen_array(b, depth, "elem");
			else
				gen_object(b, depth);
			return;
		}
		if (strcmp(key, "\"m\"") == 0) {
			gen_array(b, depth, "row");
			return;
		}
		if (strcmp(key, "row") == 0) {
			gen_array(b, depth, "elem");
			return;
		}
		if (strcmp(key, "elem") == 0 && rnd(2)) {
			gen_object(b, depth);
			return;
		}
	}
	switch (rnd(depth > 5 ? 5 : 8)) {
	case 0:
	case 4:
		gen_string(b);
		break;
	case 1:
		gen_number(b);
		break;
	case 2:
		puts_(b, rnd(2) ? "true" : "false");
		break;
	case 3:
		puts_(b, "null");
		break;
	case 5:
		gen_object(b, depth);
		break;
	default:
		gen_array(b, depth, "elem");
		break;
	}
}

static void
insert(struct buf *b, size_t at, const char *s)
{
	size_t n = strlen(s);

	put(b, s, n);	/* grow, then move into place */
	memmove(b->p + at + n, b->p + at, b->n - n - at);
	memcpy(b->p + at, s, n);
}

static void
mutate(struct buf *b)
{
	static const char bytes[] = "{}[]\":,\\u0 e-+.\x80\xc3\xff\x01tnf9\t\n";
	static const char *const seqs[] = {
		/* invalid UTF-8 */
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xf0\x80\x80\xaf",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", "\x80", "\xbf", "\xe4\xb8", "\xf0\x9f\x98", "\xfe", "\xff",
		"\xc3", "\xed\xa0\x80\xed\xb0\x80",
		/* valid UTF-8 at the edges */
		"\xc2\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80",
		/* escapes, good and bad */
		"\\ud800", "\\udc00", "\\u0000", "\\ud800\\u0041", "\\uD800\\uDC00", "\\ud800\\udbff",
		"\\u00", "\\", "\\q",
		/* raw controls, numbers that overflow, structure */
		"\x01", "\x1f", "\x7f", "99999999999", "e999", ".5", "-", "[", "]", "{\"a\":", ",\"a\":1",
	};
	size_t at = b->n ? rnd((unsigned)b->n) : 0;

	switch (rnd(5)) {
	case 0:		/* replace a byte */
		if (b->n)
			b->p[at] = bytes[rnd(sizeof(bytes) - 1)];
		break;
	case 1:		/* truncate */
		b->n = at;
		b->p[b->n] = '\0';
		break;
	case 2: {	/* insert a byte */
		char c[2] = { bytes[rnd(sizeof(bytes) - 1)], '\0' };

		insert(b, at, c);
		break;
	}
	case 3:		/* delete a byte */
		if (b->n) {
			memmove(b->p + at, b->p + at + 1, b->n - at - 1);
			b->n--;
			b->p[b->n] = '\0';
		}
		break;
	case 4:		/* insert a sequence: bytes, escapes, numbers */
		insert(b, at, PICK(seqs));
		break;
	}
}

START_TEST(differential)
{
	struct buf b = { 0 };
	unsigned long accepted = 0, declined = 0, refused = 0, mut_accepted = 0, mut_refused = 0,
		      mut_declined = 0;
	unsigned long present[DIFF_NPATHS] = { 0 }, flagged = 0;
	struct oed_value v[DIFF_NPATHS];
	char msg[256];
	int rc;

	for (int i = 0; i < 200000; i++) {
		b.n = 0;
		gen_object(&b, 0);
		rc = diff_line(scan, paths, b.p, b.n, msg, sizeof(msg));
		ck_assert_msg(rc != -1, "line %d %s: %s", i, b.p, msg);
		if (rc == 1 && oed_jscan_line(scan, b.p, b.n, v) == 1)
			for (size_t k = 0; k < DIFF_NPATHS; k++) {
				present[k] += v[k].type != OED_V_MISSING;
				flagged += v[k].overflow;
			}
		accepted += rc == 1;
		declined += rc == 0;
		refused += rc == 2;
		/* and a copy mutated once to three times */
		for (unsigned k = 1 + rnd(3); k > 0; k--)
			mutate(&b);
		rc = diff_line(scan, paths, b.p, b.n, msg, sizeof(msg));
		ck_assert_msg(rc != -1, "mutated line %d %s: %s", i, b.p, msg);
		mut_accepted += rc == 1;
		mut_declined += rc == 0;
		mut_refused += rc == 2;
	}
	free(b.p);
	printf("jscan differential: generated %lu accepted by both, %lu refused by both, "
	       "%lu declined though valid (%.3f%%); mutated %lu accepted by both, "
	       "%lu refused by both, %lu declined though valid\n",
	       accepted, refused, declined, 100.0 * (double)declined / (double)(accepted + declined),
	       mut_accepted, mut_refused, mut_declined);
	/* every path must be found often enough to have been tested */
	printf("jscan differential: %lu values flagged overflow\n", flagged);
	printf("jscan differential: lines where each path is present:");
	for (size_t k = 0; k < DIFF_NPATHS; k++)
		printf(" %s=%lu", diff_specs[k], present[k]);
	printf("\n");
	for (size_t k = 0; k < DIFF_NPATHS; k++)
		ck_assert_msg(present[k] >= 100, "path %s present in %lu lines only", diff_specs[k],
			      present[k]);
	/*
	 * The fast path must be real: every generated line jansson accepts has
	 * only supported paths and shallow nesting, so none should fall back;
	 * allow 0.1%.  Both verdicts must occur in numbers for the test to mean
	 * anything.
	 */
	ck_assert_uint_le(declined * 1000, accepted + declined);
	ck_assert_uint_le(mut_declined * 1000, mut_accepted + mut_declined);
	ck_assert_uint_gt(accepted, 100000);
	ck_assert_uint_gt(refused, 10000);
	ck_assert_uint_gt(flagged, 1000);	/* numbers beyond a double, read */
	ck_assert_uint_gt(mut_accepted, 10000);
	ck_assert_uint_gt(mut_refused, 100000);
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
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, depth_limits);
	tcase_add_test(tc, differential);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
