/*
 * Unit tests for code_exec: programs that pass and fail their tests, and
 * programs that try to escape (loop forever, fork-bomb, allocate 10 GB,
 * open a socket, write outside the work folder, read ~/.ssh) are
 * contained and scored as failures with the reason.  Skipped (77) where
 * bubblewrap cannot build a sandbox or python3 is missing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "exit.h"
#include "score/score.h"

static struct oed_score_result
exec1(const char *spec_text, const char *program, const char *tests)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;

	if (oed_scorer_spec_parse(spec_text, &spec, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	oed_score_input_init(&in, program, strlen(program));
	in.target = tests;
	in.target_len = strlen(tests);
	if (oed_score(spec, &in, &res, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	oed_scorer_spec_free(spec);
	return res;
}

START_TEST(passes_and_fails)
{
	struct oed_score_result r;

	r = exec1("code_exec", "def add(a, b):\n    return a + b\n", "assert add(2, 3) == 5");
	ck_assert_msg(r.pass == 1, "%s", r.reason ? r.reason : "");
	oed_score_result_release(&r);
	/* A fenced block in a chatty answer is the program. */
	r = exec1("code_exec", "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nDone.",
	    "assert add(2, 3) == 5");
	ck_assert_int_eq(r.pass, 1);
	oed_score_result_release(&r);
	r = exec1("code_exec", "def add(a, b):\n    return a - b\n", "assert add(2, 3) == 5");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "exit 1: AssertionError");
	oed_score_result_release(&r);
	r = exec1("code_exec", "def add(a, b) return", "pass");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "exit 1: SyntaxError: expected ':'");
	oed_score_result_release(&r);
	/* The work folder is writable, and private. */
	r = exec1("code_exec", "open('scratch.txt', 'w').write('x')\n", "assert open('scratch.txt').read() == 'x'");
	ck_assert_int_eq(r.pass, 1);
	oed_score_result_release(&r);
}
END_TEST

START_TEST(contained)
{
	struct oed_score_result r;

	r = exec1("code_exec:cpu=1,timeout=20", "while True:\n    pass\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "killed by XCPU (the CPU limit)");
	oed_score_result_release(&r);

	r = exec1("code_exec:cpu=30,timeout=1", "import time\ntime.sleep(60)\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "killed at the 1s wall timeout");
	oed_score_result_release(&r);

	r = exec1("code_exec", "b = bytearray(10 * 1024 ** 3)\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "exit 1: MemoryError");
	oed_score_result_release(&r);

	r = exec1("code_exec", "open('/usr/oed-escape', 'w')\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_ptr_nonnull(strstr(r.reason, "exit 1: "));
	ck_assert_ptr_nonnull(strstr(r.reason, "/usr/oed-escape"));
	oed_score_result_release(&r);
	ck_assert_int_eq(access("/usr/oed-escape", F_OK), -1);

	/* /tmp of the host is not there: nothing written lands on it. */
	unlink("/tmp/oed-escape-probe");
	r = exec1("code_exec", "open('/tmp/oed-escape-probe', 'w').write('x')\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "exit 1: FileNotFoundError: [Errno 2] No such file or directory: "
	    "'/tmp/oed-escape-probe'");
	oed_score_result_release(&r);
	ck_assert_int_eq(access("/tmp/oed-escape-probe", F_OK), -1);

	/* No home: ~/.ssh cannot be read. */
	r = exec1("code_exec", "import os\nprint(open(os.path.expanduser('/root/.ssh/id_rsa')).read())\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_str_eq(r.reason, "exit 1: FileNotFoundError: [Errno 2] No such file or directory: "
	    "'/root/.ssh/id_rsa'");
	oed_score_result_release(&r);
}
END_TEST

/* A server on the host's loopback: the sandbox has no network to reach it. */
START_TEST(no_network)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	char program[256];
	struct oed_score_result r;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
	snprintf(program, sizeof(program),
	    "import socket\nsocket.create_connection(('127.0.0.1', %d), timeout=2).send(b'leak')\n",
	    ntohs(a.sin_port));
	r = exec1("code_exec", program, "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_ptr_nonnull(strstr(r.reason, "exit 1: "));
	ck_assert_msg(strstr(r.reason, "Connection refused") != NULL ||
	    strstr(r.reason, "Network is unreachable") != NULL, "%s", r.reason);
	oed_score_result_release(&r);
	close(s);
}
END_TEST

/* Processes of uid nobody still exiting from earlier runs (they count against procs). */
static int
nobody_procs(void)
{
	char path[300], line[256];
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		FILE *fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL)
			if (strncmp(line, "Uid:", 4) == 0) {
				n += atoi(line + 5) == 65534;
				break;
			}
		fclose(fp);
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* A fork bomb stops at the process limit (as root, enforced as nobody) or the wall timeout. */
START_TEST(fork_bomb)
{
	struct oed_score_result r;

	/* Let the sandboxes killed by the tests before this one finish dying. */
	for (int i = 0; i < 100 && geteuid() == 0 && nobody_procs() > 0; i++)
		usleep(50 * 1000);
	r = exec1("code_exec:procs=32,timeout=5",
	    "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        os._exit(3)\n", "");
	ck_assert_int_eq(r.pass, 0);
	ck_assert_msg(strcmp(r.reason, "exit 3") == 0 ||
	    strcmp(r.reason, "killed at the 5s wall timeout") == 0, "%s", r.reason);
	oed_score_result_release(&r);
}
END_TEST

START_TEST(usage)
{
	struct oed_scorer_spec *spec;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("code_exec:interpreter=/bin/sh", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'code_exec': interpreter must be a name found in /usr/bin, "
	    "not a path");
	ck_assert_int_eq(oed_scorer_spec_parse("code_exec:timeout=0", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'code_exec': timeout, cpu, memory (16 or more), procs and "
	    "fsize must be positive");
	/* No bwrap on PATH: a refusal that says why, not an unsandboxed run. */
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent", 1);
	ck_assert_int_eq(oed_scorer_spec_parse("code_exec", &spec, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_str_eq(err.msg, "scorer 'code_exec': cannot build a sandbox (bwrap not found); "
	    "model code is never run unsandboxed unless asked with code_exec:unsafe=true");
	if (path != NULL) {
		setenv("PATH", path, 1);
		free(path);
	}
}
END_TEST

static Suite *
exec_suite(void)
{
	Suite *s = suite_create("score_exec");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, passes_and_fails);
	tcase_add_test(limits, contained);
	tcase_add_test(limits, no_network);
	tcase_add_test(limits, fork_bomb);
	tcase_add_test(core, usage);
	tcase_set_timeout(limits, 120);
	tcase_set_timeout(core, 60);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	struct oed_scorer_spec *spec;
	struct oed_err err;
	SRunner *sr;
	int failed;

	if (access("/usr/bin/python3", X_OK) != 0) {
		puts("SKIP: code_exec tests need /usr/bin/python3");
		return 77;
	}
	if (oed_scorer_spec_parse("code_exec", &spec, &err) != 0) {
		printf("SKIP: %s\n", err.msg);
		return 77;
	}
	oed_scorer_spec_free(spec);
	sr = srunner_create(exec_suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
