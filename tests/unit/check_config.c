/* Unit tests for the YAML config layer: positions, types, keys, refusals. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "exit.h"
#include "opt.h"

static struct oed_cfg *
parse(const char *text, struct oed_err *err)
{
	return oed_cfg_parse(text, strlen(text), "t.yaml", "dir", err);
}

START_TEST(tree_and_positions)
{
	struct oed_err err;
	struct oed_cfg *c = parse("task: a\nlist: [1, \"2\"]\nmap:\n  k: v\n", &err);
	struct oed_cfg_node *list, *map, *k;
	double d;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->root->type, OED_CFG_MAP);
	ck_assert_str_eq(oed_cfg_get(c->root, "task")->str, "a");
	list = oed_cfg_get(c->root, "list");
	ck_assert_int_eq(list->type, OED_CFG_SEQ);
	ck_assert_uint_eq(list->n, 2);
	ck_assert_int_eq(list->items[1]->line, 2);
	ck_assert_int_eq(list->items[1]->col, 11);
	ck_assert(list->items[1]->quoted);
	ck_assert_int_eq(oed_cfg_number(c, list->items[0], "x", 0, 10, &d, &err), 0);
	ck_assert(d == 1);
	/* a quoted "2" is text, not a number */
	ck_assert_int_eq(oed_cfg_number(c, list->items[1], "'x'", 0, 10, &d, &err), -1);
	ck_assert_str_eq(err.msg, "'x' must be a number, not '2'");
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.column, 11);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	map = oed_cfg_get(c->root, "map");
	k = oed_cfg_get(map, "k");
	ck_assert_int_eq(k->line, 4);
	ck_assert_int_eq(k->col, 6);
	ck_assert_ptr_null(oed_cfg_get(map, "nope"));
	oed_cfg_free(c);
}
END_TEST

START_TEST(unknown_key_did_you_mean)
{
	static const char *const keys[] = { "task", "prompt", "dataset", NULL };
	struct oed_err err;
	struct oed_cfg *c = parse("task: a\npromt: b\n", &err);

	ck_assert_int_eq(oed_cfg_check_keys(c, c->root, keys, "a task", &err), -1);
	ck_assert_str_eq(err.msg, "unknown key 'promt' in a task (did you mean 'prompt'?)");
	ck_assert_str_eq(err.source, "t.yaml");
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.column, 1);
	oed_cfg_free(c);
	c = parse("zzzzzz: 1\n", &err);
	ck_assert_int_eq(oed_cfg_check_keys(c, c->root, keys, "a task", &err), -1);
	ck_assert_str_eq(err.msg, "unknown key 'zzzzzz' in a task");
	oed_cfg_free(c);
}
END_TEST

START_TEST(refusals)
{
	struct oed_err err;

	ck_assert_ptr_null(parse("a: 1\na: 2\n", &err));
	ck_assert_str_eq(err.msg, "duplicate key 'a' (first at line 1)");
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_null(parse("a: &x 1\nb: *x\n", &err));
	ck_assert_str_eq(err.msg, "YAML anchors are not supported");
	ck_assert_ptr_null(parse("a: !!binary aGk=\n", &err));
	ck_assert_str_eq(err.msg, "YAML tag 'tag:yaml.org,2002:binary' is not supported");
	ck_assert_ptr_null(parse("a: [1, 2\n", &err));
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert(strncmp(err.msg, "bad YAML: ", 10) == 0);
	ck_assert_ptr_null(parse("a: 1\n---\nb: 2\n", &err));
	ck_assert_str_eq(err.msg, "only one YAML document is allowed in a file");
}
END_TEST

START_TEST(scalars)
{
	struct oed_err err;
	struct oed_cfg *c = parse("t: true\nf: \"true\"\nn: 12\nr: 1e400\nz: ~\n", &err);
	bool b;
	long l;
	double d;
	char *p;

	ck_assert_int_eq(oed_cfg_bool(c, oed_cfg_get(c->root, "t"), "t", &b, &err), 0);
	ck_assert(b);
	ck_assert_int_eq(oed_cfg_bool(c, oed_cfg_get(c->root, "f"), "'f'", &b, &err), -1);
	ck_assert_str_eq(err.msg, "'f' must be true or false, not 'true'");
	ck_assert_int_eq(oed_cfg_long(c, oed_cfg_get(c->root, "n"), "'n'", 1, 10, &l, &err), -1);
	ck_assert_str_eq(err.msg, "'n' must be between 1 and 10, not 12");
	ck_assert_int_eq(oed_cfg_number(c, oed_cfg_get(c->root, "r"), "'r'", 0, 1, &d, &err), -1);
	ck_assert(oed_cfg_is_null(oed_cfg_get(c->root, "z")));
	ck_assert_int_eq(oed_cfg_expect(c, c->root, OED_CFG_SEQ, "the file", &err), -1);
	ck_assert_str_eq(err.msg, "the file must be a list, not a mapping");
	p = oed_cfg_resolve(c, "x.jsonl");
	ck_assert_str_eq(p, "dir/x.jsonl");
	free(p);
	p = oed_cfg_resolve(c, "/abs/x.jsonl");
	ck_assert_str_eq(p, "/abs/x.jsonl");
	free(p);
	oed_cfg_free(c);
}
END_TEST

START_TEST(did_you_mean)
{
	static const char *const names[] = { "exact_match", "contains", "regex" };

	ck_assert_str_eq(oed_did_you_mean("exact_mach", names, 3), "exact_match");
	ck_assert_str_eq(oed_did_you_mean("regx", names, 3), "regex");
	ck_assert_ptr_null(oed_did_you_mean("bleu", names, 3));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, tree_and_positions);
	tcase_add_test(tc, unknown_key_did_you_mean);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, scalars);
	tcase_add_test(tc, did_you_mean);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
