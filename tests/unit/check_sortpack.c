/* Unit tests of lib/base64.c and lib/drift/sortpack.c: round trips, sizes, bad text. */
#include "config.h"
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "drift/sortpack.h"

/* RFC 4648, section 10 */
START_TEST(base64_rfc4648_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	unsigned char back[16];

	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		char *e = oed_base64_encode((const unsigned char *)plain[i], strlen(plain[i]));

		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e, coded[i]);
		ck_assert_int_eq(oed_base64_decode(e, strlen(e), back), (long)strlen(plain[i]));
		ck_assert(memcmp(back, plain[i], strlen(plain[i])) == 0);
		free(e);
	}
	ck_assert_int_eq(oed_base64_decode("Zm9v!", 5, back), -1);
}
END_TEST

static int
cmp(const void *p, const void *q)
{
	double a = *(const double *)p, b = *(const double *)q;

	return (a > b) - (a < b);
}

static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Every kind of double comes back bit for bit, and ties cost a byte. */
START_TEST(round_trip)
{
	enum { N = 20000 };
	static double x[N], y[N];
	uint64_t seed = 7;
	char *text;
	size_t i;

	for (i = 0; i < N; i++) {
		uint64_t b = next(&seed);

		switch (i % 5) {
		case 0: /* any finite bit pattern: subnormals, huge values, both signs */
			memcpy(&x[i], &b, sizeof(b));
			if (!isfinite(x[i]))
				x[i] = DBL_MAX;
			break;
		case 1:
			x[i] = (double)(b % 50) / 10;	/* tenths, many ties */
			break;
		case 2:
			x[i] = -DBL_MIN * (double)(b % 3);
			break;
		case 3:
			x[i] = (b & 1) ? -0.0 : 0.0;
			break;
		default:
			x[i] = (double)(int64_t)b;
		}
	}
	qsort(x, N, sizeof(*x), cmp);
	text = oed_sortpack_encode(x, N);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(oed_sortpack_decode(text, strlen(text), y, N), 0);
	for (i = 0; i < N; i++)
		ck_assert_msg(x[i] == y[i] && (x[i] != 0 || !signbit(y[i])) &&
			      (x[i] == 0 || memcmp(&x[i], &y[i], sizeof(*x)) == 0), "value %zu", i);
	free(text);

	/* ties cost a byte each: a thousand equal values, then a thousand in tenths */
	for (i = 0; i < 2000; i++)
		x[i] = i < 1000 ? 42.5 : 100 + (double)(i - 1000) / 10;
	text = oed_sortpack_encode(x, 1000);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_le(strlen(text), (1000 + 9) * 4 / 3 + 4);
	free(text);
	text = oed_sortpack_encode(x, 2000);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_le(strlen(text), (2000 * 8) * 4 / 3);	/* never more than raw doubles here */
	ck_assert_int_eq(oed_sortpack_decode(text, strlen(text), y, 2000), 0);
	ck_assert(memcmp(x, y, 2000 * sizeof(*x)) == 0);
	free(text);

	text = oed_sortpack_encode(x, 0);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(oed_sortpack_decode(text, 0, y, 0), 0);
	free(text);
}
END_TEST

START_TEST(bad_input)
{
	double x[3] = { 1, 2, 3 }, down[3] = { 3, 2, 1 }, y[4];
	char *text = oed_sortpack_encode(x, 3);
	size_t len = strlen(text);

	ck_assert_ptr_null(oed_sortpack_encode(down, 3));
	ck_assert_int_eq(oed_sortpack_decode(text, len, y, 3), 0);
	ck_assert_int_eq(oed_sortpack_decode(text, len, y, 2), -1);	/* more values than said */
	ck_assert_int_eq(oed_sortpack_decode(text, len, y, 4), -1);	/* fewer */
	ck_assert_int_eq(oed_sortpack_decode(text, len - 4, y, 3), -1);	/* cut short */
	ck_assert_int_eq(oed_sortpack_decode("@@@@", 4, y, 1), -1);	/* not base64 */
	ck_assert_int_eq(oed_sortpack_decode("////////////////", 16, y, 1), -1);	/* a varint past 64 bits */
	free(text);
	/* not finite, either way */
	{
		double inf[2] = { 1, INFINITY }, nan[1] = { NAN };
		unsigned char raw[10];
		char *t;
		size_t k = 0;
		uint64_t u = UINT64_C(0xFFF8000000000000);	/* the ordered form of +NaN */

		ck_assert_ptr_null(oed_sortpack_encode(inf, 2));
		ck_assert_ptr_null(oed_sortpack_encode(nan, 1));
		do {
			raw[k++] = (unsigned char)((u & 0x7f) | (u >= 0x80 ? 0x80 : 0));
			u >>= 7;
		} while (u);
		t = oed_base64_encode(raw, k);
		ck_assert_int_eq(oed_sortpack_decode(t, strlen(t), y, 1), -1);
		free(t);
		/* ten bytes whose last one holds more than the 64th bit */
		memset(raw, 0xff, 9);
		raw[9] = 0x02;
		t = oed_base64_encode(raw, 10);
		ck_assert_int_eq(oed_sortpack_decode(t, strlen(t), y, 1), -1);
		free(t);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sortpack");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");
	SRunner *sr;
	int failed;

	tcase_add_test(core, base64_rfc4648_vectors);
	tcase_add_test(core, round_trip);
	tcase_add_test(limits, bad_input);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
