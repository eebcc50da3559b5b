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

START_TEST(config_sources)
{
	struct oed_monitor m;
	struct oed_err err;

	ck_assert_int_eq(load("monitor: a\n"
			      "source:\n"
			      "  type: http\n"
			      "  url: https://api.example.com/v1/answers\n"
			      "  items: data.items\n"
			      "  headers: {Authorization: {env: TOK, prefix: \"Bearer \"}, Accept: application/json}\n"
			      "  cursor: {field: meta.next, param: after}\n"
			      "  since_param: updated_since\n"
			      "  until_param: updated_before\n"
			      "  since_format: unix\n"
			      "  max_pages: 7\n"
			      "id: id\nscorers: [refusal]\n", &m, &err), 0);
	ck_assert_int_eq(m.source.type, OED_MON_SRC_HTTP);
	ck_assert_int_eq(m.source.paging, OED_MON_PAGING_CURSOR);
	ck_assert_str_eq(m.source.items.spec, "data.items");
	ck_assert_str_eq(m.source.cursor_param, "after");
	ck_assert_uint_eq(m.source.nheaders, 2);
	ck_assert_str_eq(m.source.headers[0].env, "TOK");
	ck_assert_str_eq(m.source.headers[0].prefix, "Bearer ");
	ck_assert_ptr_null(m.source.headers[0].value);
	ck_assert_str_eq(m.source.headers[1].value, "application/json");
	ck_assert(m.source.since_unix);
	ck_assert_int_eq(m.source.max_pages, 7);
	ck_assert_int_eq(m.source.lookback_ms, 86400000);
	ck_assert(oed_mon_source_has_window(&m.source));
	ck_assert_str_eq(m.source.ident, "http:https://api.example.com/v1/answers:data.items");
	oed_monitor_free(&m);

	ck_assert_int_eq(load("monitor: a\nsource: {type: slack, token_env: T, channel: C1, replies: true}\n"
			      "id: id\nscorers: [refusal]\n", &m, &err), 0);
	ck_assert_str_eq(m.source.base_url, "https://slack.com/api");
	ck_assert(m.source.replies);
	ck_assert_int_eq(m.source.page_size, 200);
	ck_assert_str_eq(m.source.ident, "slack:C1");
	oed_monitor_free(&m);

	ck_assert_int_eq(load("monitor: a\nsource: {type: langfuse, host_env: H, public_key_env: P,"
			      " secret_key_env: S, objects: observations, page_size: 500,"
			      " filter: {type: GENERATION, name: answer}}\n"
			      "id: id\nscorers: [refusal]\n", &m, &err), 0);
	ck_assert(m.source.observations);
	ck_assert_int_eq(m.source.page_size, 500);
	ck_assert_str_eq(m.source.ident, "langfuse:observations:H:answer:type=GENERATION");
	oed_monitor_free(&m);
	/* the traces' identity is what earlier versions stored */
	ck_assert_int_eq(load("monitor: a\nsource: {type: langfuse, host_env: H, public_key_env: P,"
			      " secret_key_env: S, filter: {name: n, tags: [a, b]}}\nid: id\nscorers: [refusal]\n",
			      &m, &err), 0);
	ck_assert_str_eq(m.source.ident, "langfuse:traces:H:n:a:b");
	ck_assert(!oed_mon_source_has_window(&(struct oed_mon_source){ .type = OED_MON_SRC_HTTP }));
	/* no end to the window: a backfill would read up to now */
	ck_assert(!oed_mon_source_has_window(&(struct oed_mon_source){ .type = OED_MON_SRC_HTTP,
								       .since_param = "since" }));
	oed_monitor_free(&m);

	ck_assert_int_eq(load("monitor: a\nsource: {type: http, url: https://x/,"
			      " headers: {X-Api-Key: k-123}}\nid: id\nscorers: [refusal]\n", &m, &err), -1);
	ck_assert_str_eq(err.msg, "header 'X-Api-Key' carries a secret: give {env: VARIABLE, prefix: ...}, not its value");
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(load("monitor: a\nsource: {type: http, url: https://x/, link: true,"
			      " page: {param: p}}\nid: id\nscorers: [refusal]\n", &m, &err), -1);
	ck_assert_str_eq(err.msg, "give one of 'cursor', 'page' and 'link', not several");
	ck_assert_int_eq(load("monitor: a\nsource: {type: langfuse, host_env: H, public_key_env: P,"
			      " secret_key_env: S, objects: observations, filter: {tags: [x]}}\n"
			      "id: id\nscorers: [refusal]\n", &m, &err), -1);
	ck_assert_str_eq(err.msg, "unknown key 'tags' in the filter of observations");
}
END_TEST

START_TEST(link_next)
{
	char *u;

	u = oed_mon_link_next("<https://a/?page=2>; rel=\"next\"");
	ck_assert_str_eq(u, "https://a/?page=2");
	free(u);
	/* several links, a quoted comma, a relation list, case */
	u = oed_mon_link_next("<https://a/?p=1>; rel=\"first\", <https://a/?p=3>; title=\"a, b; c\";"
			      " rel=\"last NEXT\" , <https://a/?p=9>; rel=next");
	ck_assert_str_eq(u, "https://a/?p=3");
	free(u);
	u = oed_mon_link_next("</items?cursor=abc,def>;rel=next;type=\"application/json\"");
	ck_assert_str_eq(u, "/items?cursor=abc,def");
	free(u);
	ck_assert_ptr_null(oed_mon_link_next("<https://a/?p=1>; rel=\"prev\", <https://a/?p=0>; rel=first"));
	ck_assert_ptr_null(oed_mon_link_next("<https://a/?p=1>; rel=\"nextpage\""));
	ck_assert_ptr_null(oed_mon_link_next(""));
	ck_assert_ptr_null(oed_mon_link_next("garbage"));
}
END_TEST

START_TEST(backfill_estimate)
{
	const char *keys[] = { "rubric", "model" }, *vals[] = { "helpful?", "openai:gpt-4o-mini" };
	struct oed_monitor m;
	struct oed_err err;
	struct oed_mon_items it = { 0 };
	struct oed_mon_backfill b = { 0 };
	struct oed_scorer_spec *judge, **v;
	const char *top = getenv("top_srcdir");
	char prices[4096];

	ck_assert_int_eq(load("monitor: a\nsource: {type: slack, token_env: T, channel: C1}\n"
			      "id: id\nfields: {input: q, output: a}\nscorers: [refusal]\n", &m, &err), 0);
	b.sampled = 2;
	it.v = calloc(3, sizeof(*it.v));
	it.n = 3;
	it.v[0].rec = json_pack("{s:s, s:s}", "q", "abcd", "a", "12345678");
	it.v[1].rec = json_pack("{s:s, s:{s:i}}", "q", "ab", "a", "x", 1);	/* {"x":1}: 7 bytes */
	it.v[2].rec = json_pack("{s:s, s:s}", "q", "not sampled", "a", "no");
	it.v[0].state = it.v[1].state = 3;
	/* no judge: no model calls */
	ck_assert_int_eq(oed_mon_backfill_estimate(&m, &it, 3, NULL, &b, &err), 0);
	ck_assert_uint_eq(b.judges, 0);
	ck_assert_double_eq(b.cost, 0);
	judge = oed_scorer_spec_from_pairs("llm_judge", 2, keys, vals, &err);
	ck_assert_ptr_nonnull(judge);
	v = realloc(m.specs, (m.nspecs + 1) * sizeof(*v));
	ck_assert_ptr_nonnull(v);
	m.specs = v;
	m.specs[m.nspecs++] = judge;
	snprintf(prices, sizeof(prices), "%s/data/prices.json", top ? top : ".");
	ck_assert_int_eq(oed_mon_backfill_estimate(&m, &it, 3, prices, &b, &err), 0);
	ck_assert_uint_eq(b.judges, 1);
	/* (4 + 8 + 2 + 7) bytes / 4 + 2 prompts of 500; 2 answers of 200 */
	ck_assert_double_eq_tol(b.tokens_in, 21 / 4.0 + 1000, 1e-9);
	ck_assert_double_eq_tol(b.tokens_out, 400, 1e-9);
	/* gpt-4o-mini at $0.15 in and $0.60 out per million tokens (data/prices.json), whole tokens */
	ck_assert_double_eq_tol(b.cost, (1005 * 0.15 + 400 * 0.6) / 1e6, 1e-12);
	ck_assert_int_eq(oed_mon_backfill_estimate(&m, &it, 3, NULL, &b, &err), 0);
	ck_assert(isnan(b.cost));
	oed_mon_items_release(&it);
	oed_monitor_free(&m);
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

/*
 * The fast parse keeps, at every path the monitor reads, what the whole
 * parse has there (compared as compact JSON, absent as absent), and
 * leaves to the whole parse the lines it cannot stand for: arrays and
 * objects at a field, numbers out of range anywhere, lines jansson
 * refuses.
 */
START_TEST(fast_parse_same_values)
{
	static const char *const lines[] = {
		"{\"id\":\"a\",\"output\":\"plain\",\"q\":{\"text\":\"deep\"},\"tier\":\"gold\"}",
		"{\"id\":\"b\",\"output\":null,\"latency_ms\":12,\"cost_usd\":0.1,\"tokens_out\":-0,\"q\":{}}",
		"{\"id\":\"c\",\"output\":\"\\u00e9\\u0000x\\ud83d\\ude00\",\"finish_reason\":\"stop\",\"tier\":7}",
		"{\"id\":\"d\",\"output\":\"dup\",\"output\":\"last wins\",\"q\":{\"text\":1e5},\"tier\":true}",
		"{\"id\":\"e\",\"output\":[1,2],\"q\":{\"text\":{\"x\":1}},\"tier\":false}",
		"{\"id\":\"f\",\"output\":\"x\",\"other\":18446744073709551616,\"latency_ms\":5}",
		"{\"id\":\"g\",\"output\":\"x\",\"other\":[1e400]}",
		"{\"id\":\"h\",\"output\":\"x\",\"q\":\"not an object\",\"latency_ms\":1.5e-3}",
		"{\"id\":\"i\",\"q\":{\"text\":\"only nested\"},\"cost_usd\":12345678901234567}",
		"{\"id\":\"j\",\"output\":\"x\",\"q\":{\"text\":\"a\",\"text\":[\"later array\"]}}",
	};
	static const char *const paths[] = { "output", "input", "q.text", "/q/text", "tier", "latency_ms",
					     "cost_usd", "tokens_out", "finish_reason" };
	struct oed_monitor m;
	struct oed_err err;

	ck_assert_int_eq(load("monitor: p\n"
			      "source: {type: jsonl, path: items.jsonl}\n"
			      "id: id\n"
			      "fields: {output: output, question: q.text}\n"
			      "sample: {strategy: stratified, by: tier, n: 5}\n"
			      "scorers: [refusal]\n", &m, &err), 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct oed_mon_items fast, whole;
		struct oed_mon_item *x, *y;
		int rf, rw;

		memset(&fast, 0, sizeof(fast));
		memset(&whole, 0, sizeof(whole));
		fast.v = x = calloc(1, sizeof(*x));
		whole.v = y = calloc(1, sizeof(*y));
		fast.n = whole.n = 1;
		x->line = strdup(lines[i]);
		y->line = strdup(lines[i]);
		x->linelen = y->linelen = strlen(lines[i]);
		x->where = y->where = "items.jsonl";
		rf = oed_mon_item_parse_fast(&m, &fast, x);
		rw = oed_mon_item_parse(y);
		ck_assert_msg(rf == rw, "line %zu: fast %d, whole %d", i, rf, rw);
		for (size_t k = 0; rw == 1 && k < sizeof(paths) / sizeof(paths[0]); k++) {
			struct oed_path path;
			json_t *a, *b;
			char *sa, *sb;

			ck_assert_int_eq(oed_path_parse(&path, paths[k], &err), 0);
			a = oed_path_get(&path, x->rec);
			b = oed_path_get(&path, y->rec);
			sa = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			sb = b ? json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			/* a path the monitor does not read may be missing from the fast one, never different */
			if (sa || k < 2 || k >= 4)
				ck_assert_msg((sa == NULL) == (sb == NULL) && (sa == NULL || strcmp(sa, sb) == 0),
					      "line %zu, %s: fast %s, whole %s", i, paths[k], sa ? sa : "absent",
					      sb ? sb : "absent");
			free(sa);
			free(sb);
			oed_path_release(&path);
		}
		oed_mon_items_release(&fast);
		oed_mon_items_release(&whole);
	}
	oed_monitor_free(&m);
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
	tcase_add_test(tc, config_sources);
	tcase_add_test(tc, link_next);
	tcase_add_test(tc, backfill_estimate);
	tcase_add_test(tc, slack_escape);
	tcase_add_test(tc, hmac_rfc4231);
	tcase_add_test(tc, sample_key_stable);
	tcase_add_test(tc, fast_parse_same_values);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
