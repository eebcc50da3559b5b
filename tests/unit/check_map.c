/*
 * Unit tests for lib/map.c and lib/buf.c, the shared containers: the map
 * against a plain array that holds the same keys, through random puts,
 * deletes, growth and clears; the buffer's appends, printf and hand-over.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "map.h"
#include "splitmix.h"

/* The reference: keys and values in an array, searched one by one. */
struct ref {
	uint64_t key[4096], val[4096];
	size_t n;
};

static long
ref_find(const struct ref *r, uint64_t key)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->key[i] == key)
			return (long)i;
	return -1;
}

static void
check_same(const struct oed_map *m, const struct ref *r)
{
	size_t it = 0, seen = 0;
	uint64_t k, v;

	ck_assert_uint_eq(oed_map_size(m), r->n);
	for (size_t i = 0; i < r->n; i++) {
		const uint64_t *got = oed_map_get(m, r->key[i]);

		ck_assert_msg(got != NULL, "key %llu lost", (unsigned long long)r->key[i]);
		ck_assert_uint_eq(*got, r->val[i]);
	}
	while (oed_map_next(m, &it, &k, &v)) {
		long i = ref_find(r, k);

		ck_assert_msg(i >= 0, "key %llu not put", (unsigned long long)k);
		ck_assert_uint_eq(v, r->val[i]);
		seen++;
	}
	ck_assert_uint_eq(seen, r->n);
}

START_TEST(map_against_array)
{
	static struct ref r;
	struct oed_map m;
	uint64_t seed = 42;

	oed_map_init(&m);
	r.n = 0;
	for (int step = 0; step < 20000; step++) {
		uint64_t x = oed_splitmix64(&seed);
		/* keys from a small range collide in their home slots and get deleted often */
		uint64_t key = (x >> 8) % 3 == 0 ? (x >> 20) % 64 : (x >> 12) % 1500 * UINT64_C(0x100000001);
		long i = ref_find(&r, key);

		if (x % 4 == 0) {
			uint64_t v;
			bool had = oed_map_del(&m, key, &v);

			ck_assert(had == (i >= 0));
			if (had) {
				ck_assert_uint_eq(v, r.val[i]);
				r.key[i] = r.key[r.n - 1];
				r.val[i] = r.val[r.n - 1];
				r.n--;
			}
		} else {
			bool added;
			uint64_t *v = oed_map_put(&m, key, &added);

			ck_assert_ptr_nonnull(v);
			ck_assert(added == (i < 0));
			ck_assert(!added || *v == 0);
			*v += x % 1000;
			if (i < 0) {
				r.key[r.n] = key;
				r.val[r.n++] = x % 1000;
			} else {
				r.val[i] += x % 1000;
			}
		}
		if (step % 1999 == 0)
			check_same(&m, &r);
		/* below two thirds full, whatever happened */
		ck_assert(m.cap == 0 || m.used * 3 <= m.cap * 2);
	}
	check_same(&m, &r);
	oed_map_clear(&m);
	r.n = 0;
	check_same(&m, &r);
	ck_assert_ptr_null(oed_map_get(&m, 0));
	oed_map_release(&m);
}
END_TEST

START_TEST(map_zero_key_and_reserve)
{
	struct oed_map m = OED_MAP_INIT;
	struct oed_map zeroed;
	size_t it = 0, cap;
	uint64_t k, v;

	memset(&zeroed, 0, sizeof(zeroed));
	ck_assert_ptr_null(oed_map_get(&zeroed, 7));
	ck_assert_int_eq(oed_map_set(&zeroed, 7, 70), 0);
	ck_assert_uint_eq(*oed_map_get(&zeroed, 7), 70);
	oed_map_release(&zeroed);

	ck_assert_ptr_null(oed_map_get(&m, 0));
	ck_assert(!oed_map_del(&m, 0, NULL));
	ck_assert(!oed_map_next(&m, &it, &k, &v));
	ck_assert_int_eq(oed_map_set(&m, 0, 5), 0);
	ck_assert_uint_eq(oed_map_size(&m), 1);
	ck_assert_uint_eq(*oed_map_get(&m, 0), 5);
	it = 0;
	ck_assert(oed_map_next(&m, &it, &k, &v));
	ck_assert(k == 0 && v == 5);
	ck_assert(!oed_map_next(&m, &it, &k, &v));
	ck_assert(oed_map_del(&m, 0, &v));
	ck_assert_uint_eq(v, 5);
	ck_assert_uint_eq(oed_map_size(&m), 0);

	/* reserve: that many keys go in without the table moving */
	ck_assert_int_eq(oed_map_reserve(&m, 1000), 0);
	cap = m.cap;
	for (uint64_t i = 1; i <= 1000; i++)
		ck_assert_int_eq(oed_map_set(&m, i * 7919, i), 0);
	ck_assert_uint_eq(m.cap, cap);
	for (uint64_t i = 1; i <= 1000; i++)
		ck_assert_uint_eq(*oed_map_get(&m, i * 7919), i);
	/* pointers as values */
	ck_assert_int_eq(oed_map_set(&m, 1, (uintptr_t)&m), 0);
	ck_assert_ptr_eq((struct oed_map *)(uintptr_t)*oed_map_get(&m, 1), &m);
	oed_map_release(&m);
	ck_assert_uint_eq(oed_map_size(&m), 0);
}
END_TEST

START_TEST(buf_appends)
{
	struct oed_buf b = OED_BUF_INIT;
	char *s;
	size_t len;

	/* a buffer that never held anything hands over an empty string */
	s = oed_buf_steal(&b, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);

	ck_assert_int_eq(oed_buf_adds(&b, "ab"), 0);
	ck_assert_int_eq(oed_buf_addc(&b, 'c'), 0);
	ck_assert_int_eq(oed_buf_add(&b, "d\0e", 3), 0);
	ck_assert_uint_eq(b.len, 6);
	ck_assert(memcmp(b.data, "abcd\0e", 7) == 0);	/* the NUL after is kept */
	ck_assert_int_eq(oed_buf_printf(&b, "|%d|%s", 42, "x"), 0);
	ck_assert_uint_eq(b.len, 11);
	ck_assert(memcmp(b.data + 6, "|42|x", 6) == 0);
	oed_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");

	/* printf past the first guess of room, and growth across many appends */
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(oed_buf_printf(&b, "%0300d", i), 0);
	ck_assert_uint_eq(b.len, 300000);
	ck_assert(b.cap > b.len);
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert(strncmp(b.data + 299 * 300, "000", 3) == 0);
	ck_assert_int_eq(atoi(b.data + 999 * 300), 999);

	s = oed_buf_steal(&b, &len);
	ck_assert_uint_eq(len, 300000);
	ck_assert_uint_eq(strlen(s), 300000);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len + b.cap, 0);
	free(s);

	ck_assert_int_eq(oed_buf_reserve(&b, 5000), 0);
	ck_assert(b.cap >= 5000);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(oed_buf_grow(&b, (size_t)-1), -1);
	oed_buf_release(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

static Suite *
containers_suite(void)
{
	Suite *s = suite_create("containers");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);	/* a slow machine, a sanitizer build */
	tcase_add_test(tc, map_against_array);
	tcase_add_test(tc, map_zero_key_and_reserve);
	tcase_add_test(tc, buf_appends);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(containers_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
