/* Unit tests for lib/net and the provider helpers: headers, redaction, argv. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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

START_TEST(header_lookup)
{
	static const char block[] =
		"HTTP/1.1 200 OK\r\n"
		"Content-Type: application/json\r\n"
		"link: <https://x/?page=2>; rel=\"next\"\r\n"
		"X-Link-Extra: no\r\n"
		"LINK:   <https://x/?page=9>; rel=\"last\"  \r\n"
		"Links: not this one\r\n"
		"\r\n";
	char *v;

	v = oed_net_header(block, strlen(block), "Link");
	ck_assert_str_eq(v, "<https://x/?page=2>; rel=\"next\", <https://x/?page=9>; rel=\"last\"");
	free(v);
	v = oed_net_header(block, strlen(block), "content-type");
	ck_assert_str_eq(v, "application/json");
	free(v);
	ck_assert_ptr_null(oed_net_header(block, strlen(block), "X-Link"));
	ck_assert_ptr_null(oed_net_header(block, strlen(block), "Retry-After"));
	ck_assert_ptr_null(oed_net_header("", 0, "Link"));
}
END_TEST

/* A server on 127.0.0.1 that answers each connection with the next canned response. */
static pid_t
canned_server(const char *const *answers, int *port)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	pid_t pid;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s, 4), 0);
	getsockname(s, (struct sockaddr *)&a, &alen);
	*port = ntohs(a.sin_port);
	if ((pid = fork()) == 0) {
		for (size_t i = 0; answers[i]; i++) {
			char buf[4096];
			int c = accept(s, NULL, NULL);

			if (c < 0)
				_exit(1);
			(void)!read(c, buf, sizeof(buf));	/* one small request */
			(void)!write(c, answers[i], strlen(answers[i]));
			shutdown(c, SHUT_WR);
			while (read(c, buf, sizeof(buf)) > 0)
				;
			close(c);
		}
		_exit(0);
	}
	close(s);
	return pid;
}

struct got {
	bool done;
	long status;
	unsigned attempts;
	char *link, *first, *interim;
};

static void
got_done(const struct oed_net_result *r, void *ctx)
{
	struct got *g = ctx;

	g->done = true;
	g->status = r->status;
	g->attempts = r->attempts;
	g->link = oed_net_result_header(r, "link");
	g->first = oed_net_result_header(r, "x-first");
	g->interim = oed_net_result_header(r, "x-interim");
}

START_TEST(headers_of_last_response)
{
	/* a 503 that asks for a retry at once, then a 100 Continue before the 200 */
	static const char *const answers[] = {
		"HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nX-First: yes\r\n"
		"Link: <http://old/>; rel=\"next\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
		"HTTP/1.1 200 OK\r\nlink: <http://new/?p=2>; rel=\"next\"\r\n"
		"Content-Length: 2\r\nConnection: close\r\n\r\nok",
		NULL
	};
	struct oed_net_opts o;
	struct oed_err err;
	struct oed_net *n;
	struct got g = { 0 };
	char url[64];
	int port, st;
	pid_t pid = canned_server(answers, &port);
	struct oed_net_req rq = { "GET", url, NULL, NULL, 0, 0, NULL };

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	oed_net_opts_init(&o);
	o.concurrency = 1;
	o.timeout_s = 10;
	n = oed_net_new(&o, &err);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(oed_net_submit(n, &rq, &err), 0);
	for (int i = 0; i < 200 && !g.done; i++)
		ck_assert_int_eq(oed_net_poll(n, 100, got_done, &g, &err), 0);
	ck_assert(g.done);
	ck_assert_int_eq(g.status, 200);
	ck_assert_uint_eq(g.attempts, 2);
	ck_assert_str_eq(g.link, "<http://new/?p=2>; rel=\"next\"");
	ck_assert_ptr_null(g.first);
	ck_assert_ptr_null(g.interim);
	free(g.link);
	oed_net_free(n);
	/* the server ends once it has given every answer */
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
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
	tcase_add_test(tc, header_lookup);
	tcase_add_test(tc, headers_of_last_response);
	tcase_add_test(tc, argv_split);
	tcase_add_test(tc, provider_specs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
