/* Unit tests for lib/net and the provider helpers: headers, redaction, argv. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "net/net.h"
#include "provider/provider.h"

START_TEST(go_durations)
{
	ck_assert_double_eq(oed_net_parse_go_duration("1s"), 1000);
	ck_assert_double_eq(oed_net_parse_go_duration("6m0s"), 360000);
	ck_assert_double_eq(oed_net_parse_go_duration("20ms"), 20);
	ck_assert_double_eq(oed_net_parse_go_duration("1.5s"), 1500);
	ck_assert_double_eq(oed_net_parse_go_duration("2h"), 7200000);
	ck_assert_double_eq(oed_net_parse_go_duration("1m30.5s"), 90500);
	ck_assert_double_eq(oed_net_parse_go_duration("7x"), -1);
	ck_assert_double_eq(oed_net_parse_go_duration(""), -1);
	ck_assert_double_eq(oed_net_parse_go_duration("s"), -1);
}
END_TEST

START_TEST(retry_after)
{
	/* 1994-11-06 08:49:37 UTC is 784111777 */
	ck_assert_double_eq(oed_net_parse_retry_after("120", 0), 120000);
	ck_assert_double_eq(oed_net_parse_retry_after(" 0 ", 0), 0);
	ck_assert_double_eq(oed_net_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770), 7000);
	ck_assert_double_eq(oed_net_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), 0);
	ck_assert_double_eq(oed_net_parse_retry_after("-3", 0), -1);
	ck_assert_double_eq(oed_net_parse_retry_after("soon", 0), -1);
}
END_TEST

START_TEST(redaction)
{
	struct oed_net_opts o;
	struct oed_err err;
	struct oed_net *n;
	char s[128];
	size_t len;

	oed_net_opts_init(&o);
	n = oed_net_new(&o, &err);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(oed_net_secret(n, "sk-0123456789abcdef"), 0);
	ck_assert_int_eq(oed_net_secret(n, "abc"), 0);
	strcpy(s, "Bearer sk-0123456789abcdef and sk-0123456789abcdef, abc!");
	len = oed_net_redact(n, s, strlen(s));
	ck_assert_str_eq(s, "Bearer [redacted] and [redacted], [re!");
	ck_assert_uint_eq(len, strlen(s));
	oed_net_free(n);
}
END_TEST

START_TEST(argv_split)
{
	struct oed_err err;
	char **argv;
	size_t argc;

	ck_assert_int_eq(oed_split_argv("python3 -c 'print(1)' \"a b\\\"c\" d\\ e  ", &argv, &argc, &err), 0);
	ck_assert_uint_eq(argc, 5);
	ck_assert_str_eq(argv[0], "python3");
	ck_assert_str_eq(argv[2], "print(1)");
	ck_assert_str_eq(argv[3], "a b\"c");
	ck_assert_str_eq(argv[4], "d e");
	ck_assert_ptr_null(argv[5]);
	oed_free_argv(argv, argc);
	ck_assert_int_eq(oed_split_argv("a 'b", &argv, &argc, &err), -1);
	ck_assert_str_eq(err.msg, "command: unclosed quote or trailing backslash");
	ck_assert_int_eq(oed_split_argv("  ", &argv, &argc, &err), -1);
	ck_assert_str_eq(err.msg, "command: no program named");
	/* a shell's metacharacters are plain text */
	ck_assert_int_eq(oed_split_argv("echo $HOME;ls|wc", &argv, &argc, &err), 0);
	ck_assert_uint_eq(argc, 2);
	ck_assert_str_eq(argv[1], "$HOME;ls|wc");
	oed_free_argv(argv, argc);
}
END_TEST

START_TEST(provider_specs)
{
	struct oed_provider_opts o = { .timeout_s = 1 };
	struct oed_err err;
	struct oed_provider *p;

	ck_assert_ptr_null(oed_provider_new("antropic:x", &o, &err));
	ck_assert_str_eq(err.msg, "-m: unknown provider 'antropic' (did you mean 'anthropic'?)");
	ck_assert_ptr_null(oed_provider_new("openai:", &o, &err));
	ck_assert_str_eq(err.msg, "-m: 'openai:' needs a model after the colon, like openai:MODEL");
	o.base_url = "ftp://x";
	ck_assert_ptr_null(oed_provider_new("openai:m", &o, &err));
	ck_assert_str_eq(err.msg, "--base-url: 'ftp://x' is not an http:// or https:// URL");
	unsetenv("OPENAI_API_KEY");
	o.base_url = NULL;
	unsetenv("OPENAI_BASE_URL");
	ck_assert_ptr_null(oed_provider_new("openai:m", &o, &err));
	ck_assert_str_eq(err.msg, "OPENAI_API_KEY is not set: the OpenAI API needs an API key");
	o.base_url = "http://127.0.0.1:9/v1/";
	p = oed_provider_new("openai:m", &o, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(oed_provider_model(p), "m");
	oed_provider_free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, go_durations);
	tcase_add_test(tc, retry_after);
	tcase_add_test(tc, redaction);
	tcase_add_test(tc, argv_split);
	tcase_add_test(tc, provider_specs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
