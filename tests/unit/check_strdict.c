/* Unit tests of lib/strdict.c and lib/words.c: ids, the bound, byte order, word splitting. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "strdict.h"
#include "words.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(ids_in_order_seen)
{
	struct oed_strdict d;
	size_t len;
	char name[32];

	oed_strdict_init(&d, 1000);
	ck_assert_int_eq(oed_strdict_id(&d, "b", 1), 0);
	ck_assert_int_eq(oed_strdict_id(&d, "a", 1), 1);
	ck_assert_int_eq(oed_strdict_id(&d, "b", 1), 0);
	/* a NUL inside is part of the string, and a prefix is another string */
	ck_assert_int_eq(oed_strdict_id(&d, "a\0b", 3), 2);
	ck_assert_int_eq(oed_strdict_id(&d, "a\0b", 3), 2);
	ck_assert_uint_eq(oed_strdict_size(&d), 3);
	ck_assert(memcmp(oed_strdict_name(&d, 2, &len), "a\0b", 3) == 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_lt(oed_strdict_cmp(&d, 1, 2), 0);	/* "a" before "a\0b" */
	ck_assert_int_gt(oed_strdict_cmp(&d, 0, 2), 0);
	ck_assert_int_eq(oed_strdict_cmp(&d, 0, 0), 0);
	/* the table grows past its first size and keeps every id */
	for (int i = 0; i < 900; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		ck_assert_int_eq(oed_strdict_id(&d, name, strlen(name)), 3 + i);
	}
	for (int i = 0; i < 900; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		ck_assert_int_eq(oed_strdict_id(&d, name, strlen(name)), 3 + i);
	}
	oed_strdict_release(&d);
}
END_TEST

START_TEST(bound_gives_other)
{
	struct oed_strdict d;

	oed_strdict_init(&d, 2);
	ck_assert_int_eq(oed_strdict_id(&d, "x", 1), 0);
	ck_assert_int_eq(oed_strdict_id(&d, "y", 1), 1);
	ck_assert_int_eq(oed_strdict_id(&d, "z", 1), OED_STRDICT_OTHER);
	ck_assert_int_eq(oed_strdict_id(&d, "x", 1), 0);	/* known strings keep their ids */
	ck_assert_uint_eq(oed_strdict_size(&d), 2);
	oed_strdict_release(&d);
	oed_strdict_release(&d);	/* released twice: harmless */
}
END_TEST

struct words {
	char text[16][32];
	int n;
};

static int
collect(void *ctx, const char *w, size_t n)
{
	struct words *ws = ctx;

	ck_assert_uint_lt(n, 32);
	memcpy(ws->text[ws->n], w, n);
	ws->text[ws->n++][n] = '\0';
	return 0;
}

static int
stop(void *ctx, const char *w, size_t n)
{
	(void)ctx;
	(void)w;
	(void)n;
	return -1;
}

START_TEST(words_split)
{
	const char *s = "  Hello, WORLD! it's café\t数据 -- x_y (42)\n";
	static const char *const want[] = { "hello", "world", "it", "s", "café", "数据", "x", "y", "42" };
	struct words ws = { .n = 0 };
	char buf[64];

	ck_assert_int_eq(oed_words(s, strlen(s), buf, collect, &ws), (long)NCASES(want));
	for (size_t i = 0; i < NCASES(want); i++)
		ck_assert_str_eq(ws.text[i], want[i]);
	ck_assert_int_eq(oed_words("", 0, buf, NULL, NULL), 0);
	ck_assert_int_eq(oed_words(" ,.;", 4, buf, NULL, NULL), 0);
	ck_assert_int_eq(oed_words("a b", 3, buf, NULL, NULL), 2);
	ck_assert_int_eq(oed_words("a b", 3, buf, stop, NULL), -1);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("strdict");
	TCase *core = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(core, ids_in_order_seen);
	tcase_add_test(core, bound_gives_other);
	tcase_add_test(core, words_split);
	suite_add_tcase(su, core);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
