/* Unit tests for the red-team mutators: exact outputs against tests/ref/gen_mutate_ref.py, determinism, lists, fragility. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/mutate.h"
#include "buf.h"
#include "diag.h"
#include "exit.h"

#include "../ref/mutate_ref.h"

static void
run(const struct oed_mutator *m, const char *in, uint64_t seed, struct oed_buf *out,
    struct oed_buf *sys)
{
	struct oed_err err;

	oed_buf_reset(out);
	oed_buf_reset(sys);
	ck_assert_int_eq(m->apply(in, strlen(in), seed, out, sys, &err), 0);
	if (out->data == NULL)
		oed_buf_add(out, "", 0);
}

START_TEST(exact_outputs)
{
	struct oed_buf out = OED_BUF_INIT, sys = OED_BUF_INIT;
	size_t nt, seen = 0;
	const struct oed_mutator *t = oed_mutator_table(&nt);

	for (size_t i = 0; i < sizeof(mutate_cases) / sizeof(mutate_cases[0]); i++) {
		const struct mutate_case *c = &mutate_cases[i];
		const struct oed_mutator *m = oed_mutator_find(c->mutator);
		ck_assert_msg(m != NULL, "%s", c->mutator);
		run(m, mutate_inputs[c->input], mutate_seeds[c->seed], &out, &sys);
		ck_assert_msg(strcmp(out.data, c->out) == 0, "%s input %u seed %u:\n%s\nwant\n%s",
			      c->mutator, c->input, c->seed, out.data, c->out);
		if (c->system != NULL)
			ck_assert_msg(sys.data != NULL && strcmp(sys.data, c->system) == 0,
				      "%s system: %s", c->mutator, sys.data ? sys.data : "(none)");
		else
			ck_assert_uint_eq(sys.len, 0);
		seen++;
	}
	/* every mutator of the table is covered */
	ck_assert_uint_eq(seen, nt * 4 * 3);
	for (size_t i = 0; i < nt; i++) {
		bool found = false;
		for (size_t k = 0; k < seen; k++)
			found |= strcmp(mutate_cases[k].mutator, t[i].name) == 0;
		ck_assert_msg(found, "%s has no reference", t[i].name);
	}
	oed_buf_release(&out);
	oed_buf_release(&sys);
}
END_TEST

START_TEST(deterministic_per_seed)
{
	struct oed_buf a = OED_BUF_INIT, b = OED_BUF_INIT, sa = OED_BUF_INIT, sb = OED_BUF_INIT;
	size_t nt;
	const struct oed_mutator *t = oed_mutator_table(&nt);
	const char *p = "Please explain, at some length, how photosynthesis stores energy.";
	size_t differ = 0;

	for (size_t i = 0; i < nt; i++) {
		for (uint64_t s = 0; s < 50; s++) {
			run(&t[i], p, s, &a, &sa);
			run(&t[i], p, s, &b, &sb);
			ck_assert_str_eq(a.data, b.data);
			ck_assert_uint_eq(sa.len, sb.len);
		}
		/* the seeded ones do depend on the seed */
		run(&t[i], p, 1, &a, &sa);
		run(&t[i], p, 2, &b, &sb);
		if (strcmp(a.data, b.data) != 0 || (sa.len && strcmp(sa.data, sb.data) != 0))
			differ++;
	}
	/* prefix_injection, role_play, leetspeak, homoglyphs, noise, canary_leak */
	ck_assert_uint_eq(differ, 6);
	oed_buf_release(&a);
	oed_buf_release(&b);
	oed_buf_release(&sa);
	oed_buf_release(&sb);
}
END_TEST

START_TEST(item_seeds)
{
	for (size_t i = 0; i < sizeof(seed_cases) / sizeof(seed_cases[0]); i++)
		ck_assert_uint_eq(oed_mutate_seed(seed_cases[i].run, seed_cases[i].id,
						  seed_cases[i].mutator), seed_cases[i].seed);
}
END_TEST

START_TEST(lists)
{
	const struct oed_mutator *m[16];
	size_t n, nt;
	struct oed_err err;

	oed_mutator_table(&nt);
	ck_assert_int_eq(oed_mutator_list("rot13,base64,rot13", m, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(m[0]->name, "base64");
	ck_assert_str_eq(m[1]->name, "rot13");
	ck_assert_int_eq(oed_mutator_list("all", m, &n, &err), 0);
	ck_assert_uint_eq(n, nt);
	ck_assert_int_eq(oed_mutator_list("base46", m, &n, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "unknown mutator 'base46', did you mean 'base64'?");
	ck_assert_int_eq(oed_mutator_list("rot13,", m, &n, &err), -1);
	ck_assert_str_eq(err.msg, "unknown mutator '' (known: all, prefix_injection, role_play, "
			 "base64, rot13, leetspeak, homoglyphs, noise, payload_split, canary_leak)");
}
END_TEST

START_TEST(fragility_figures)
{
	/* hand-computed: differences 1, 0, 0.5, -0.25 (item 4 unscored) */
	const double clean[] = { 1, 1, 0.5, 0.5, NAN };
	const double mut[] = { 0, 1, 0, 0.75, 1 };
	const int cp[] = { 1, 1, -1, 0, 1 }, mp[] = { 0, 1, 0, 1, 0 };
	struct oed_fragility f, g;
	struct oed_err err;

	ck_assert_int_eq(oed_fragility(clean, mut, cp, mp, 5, 2000, 0.95, 7, &f, &err), 0);
	ck_assert_uint_eq(f.n, 4);
	ck_assert_double_eq_tol(f.fragility, 1.25 / 4, 1e-15);
	/* verdict pairs: items 0, 1, 3, 4; broken: 0 and 4 */
	ck_assert_uint_eq(f.nverdicts, 4);
	ck_assert_uint_eq(f.broken, 2);
	ck_assert_double_eq(f.adversarial_stress, 0.5);
	ck_assert(f.lo <= f.fragility && f.fragility <= f.hi);
	ck_assert(f.lo >= -0.25 && f.hi <= 1);
	ck_assert(f.lo < f.hi);
	ck_assert_int_eq(oed_fragility(clean, mut, cp, mp, 5, 2000, 0.95, 7, &g, &err), 0);
	ck_assert_double_eq(f.lo, g.lo);
	ck_assert_double_eq(f.hi, g.hi);
	/* nothing paired: no figures */
	ck_assert_int_eq(oed_fragility(clean + 4, mut + 4, NULL, NULL, 1, 2000, 0.95, 7, &g, &err), 0);
	ck_assert_uint_eq(g.n, 0);
	ck_assert(isnan(g.fragility) && isnan(g.lo) && isnan(g.adversarial_stress));
}
END_TEST

static Suite *
mutate_suite(void)
{
	Suite *s = suite_create("mutate");
	TCase *core = tcase_create("core");

	tcase_add_test(core, exact_outputs);
	tcase_add_test(core, deterministic_per_seed);
	tcase_add_test(core, item_seeds);
	tcase_add_test(core, lists);
	tcase_add_test(core, fragility_figures);
	suite_add_tcase(s, core);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mutate_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
