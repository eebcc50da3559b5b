/* check_monitor: lib/monitor's config model, escaping, signatures and sampling. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "monitor/internal.h"
#include "monitor/monitor.h"

static int
load(const char *text, struct oed_monitor *m, struct oed_err *err)
{
	oed_err_clear(err);
	return oed_monitor_load_text("m.yaml", text, "/tmp", m, err);
}

START_TEST(config_full)
{
	struct oed_monitor m;
	struct oed_err err;

	ck_assert_int_eq(load("monitor: a\n"
			      "source: {type: jsonl, path: items.jsonl}\n"
			      "id: trace.id\n"
			      "fields:\n"
			      "  output: answer.text\n"
			      "  tier: {path: input.system, regex: \"tier: (\\\\w+)\"}\n"
			      "sample: {strategy: random, n: 5, seed: 7}\n"
			      "scorers: [refusal, {length: {max: 300}}]\n"
			      "alerts:\n"
			      "  - {name: r, scorer: refusal, stat: rate, op: \">=\", value: 0.5, min_n: 3, for: 2}\n"
			      "publish:\n"
			      "  - {type: jsonl, path: out.jsonl}\n"
			      "  - {type: slack, webhook_env: HOOK, on: [firing]}\n"
			      "lease: 30s\n", &m, &err), 0);
	ck_assert_str_eq(m.name, "a");
	ck_assert_str_eq(m.source.paths[0], "/tmp/items.jsonl");
	ck_assert_str_eq(m.source.ident, "jsonl:/tmp/items.jsonl");
	ck_assert_uint_eq(m.nfields, 3);
	ck_assert_str_eq(m.fields[1].path.spec, "answer.text");
	ck_assert_ptr_nonnull(m.fields[2].re);
	ck_assert_int_eq(m.sample, OED_MON_SAMPLE_RANDOM);
	ck_assert_int_eq(m.sample_n, 5);
	ck_assert_uint_eq(m.seed, 7);
	ck_assert_uint_eq(m.nspecs, 2);
	ck_assert_int_eq(m.alerts[0].stat, OED_MON_RATE);
	ck_assert_int_eq(m.alerts[0].op, OED_MON_GE);
	ck_assert_int_eq(m.alerts[0].for_runs, 2);
	ck_assert_str_eq(m.pubs[0].path, "/tmp/out.jsonl");
	ck_assert_uint_eq(m.pubs[1].on, OED_MON_ON_FIRING);
	ck_assert_int_eq(m.lease_ms, 30000);
	oed_monitor_free(&m);
}
END_TEST

START_TEST(config_errors)
{
	struct oed_monitor m;
	struct oed_err err;

	ck_assert_int_eq(load("monitor: a\nsource: {type: jsonl, path: x}\nid: id\nscorers: [refusal]\nsampel: all\n",
			      &m, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_int_eq(err.line, 5);
	ck_assert_str_eq(err.msg, "unknown key 'sampel' in a monitor file (did you mean 'sample'?)");
	ck_assert_int_eq(load("monitor: a\nsource: {type: jsonl, path: x}\nid: id\nscorers: [refusal]\n"
			      "alerts: [{name: x, scorer: refusl, value: 1}]\n", &m, &err), -1);
	ck_assert_int_eq(err.line, 5);
	ck_assert_int_eq(err.column, 28);
	ck_assert_int_eq(load("monitor: a\nsource: {type: ftp}\nid: id\nscorers: [refusal]\n", &m, &err), -1);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(load("monitor: a\nsource: {type: jsonl, path: x}\nid: id\nscorers: [refusal]\n"
			      "publish: [{type: webhook, url: http://x}]\n", &m, &err), -1);
	ck_assert_int_eq(err.line, 5);
}
END_TEST

START_TEST(slack_escape)
{
	struct oed_buf b = OED_BUF_INIT;

	ck_assert_int_eq(oed_mon_slack_escape(&b, "a<b>&c", 100), 0);
	ck_assert_str_eq(b.data, "a&lt;b&gt;&amp;c");
	oed_buf_reset(&b);
	/* cut on a character boundary, never inside an escape or a UTF-8 sequence */
	ck_assert_int_eq(oed_mon_slack_escape(&b, "ab\xc3\xa9\xc3\xa9", 5), 0);
	ck_assert_str_eq(b.data, "ab\xc3\xa9\xe2\x80\xa6");
	oed_buf_reset(&b);
	ck_assert_int_eq(oed_mon_slack_escape(&b, "abc&def", 5), 0);
	ck_assert_str_eq(b.data, "abc\xe2\x80\xa6");
	oed_buf_release(&b);
}
END_TEST

START_TEST(hmac_rfc4231)
{
	char hex[65];

	/* RFC 4231, test case 2 */
	ck_assert_int_eq(oed_mon_hmac_hex("Jefe", "what do ya want for nothing?", 28, hex), 0);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(sample_key_stable)
{
	/* the choice depends on the seed and the id only */
	ck_assert_uint_eq(oed_mon_sample_key(7, "abc", 3), oed_mon_sample_key(7, "abc", 3));
	ck_assert_uint_ne(oed_mon_sample_key(7, "abc", 3), oed_mon_sample_key(8, "abc", 3));
	ck_assert(oed_mon_compare(OED_MON_GT, 2, 1));
	ck_assert(!oed_mon_compare(OED_MON_GT, 1, 1));
	ck_assert(oed_mon_compare(OED_MON_LE, 1, 1));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, config_full);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, slack_escape);
	tcase_add_test(tc, hmac_rfc4231);
	tcase_add_test(tc, sample_key_stable);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
