/*
 * code_exec.c: run generated code with the item's tests, inside a
 * sandbox, and pass when it exits 0 (HumanEval/MBPP style; pass@k comes
 * from several samples).
 *
 * The sandbox is bubblewrap: new user, PID, network, IPC, UTS and cgroup
 * namespaces (no network at all), a root built from read-only binds of
 * /usr (and the /bin, /lib links), /proc and a minimal /dev, the program
 * bound read-only at /prog, and a fresh tmpfs at /work as the only
 * writable place and the working directory; nothing of the host's home,
 * /tmp or /etc but what the interpreter needs.  Before bwrap starts, the
 * child process takes rlimits on CPU time, address space, file size,
 * open files and (when oed runs as root, after dropping to nobody, so the
 * limit counts) processes; the parent kills the whole session at the wall
 * timeout, and the PID namespace takes every process with it.
 *
 * Where bubblewrap cannot build a sandbox the scorer refuses to prepare;
 * the parameter unsafe=true (code_exec:unsafe=true, or unsafe: true in a
 * task's scorer) runs the program with the rlimits
 * and the timeout only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exit.h"
#include "internal.h"

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

const struct oed_scorer_param oed_sc_code_exec_params[] = {
	{ "tests", OED_PARAM_STRING, NULL, "code run after the program (default: the target)", NULL },
	{ "interpreter", OED_PARAM_STRING, "python3", "the program's interpreter, found in /usr/bin",
	  NULL },
	{ "timeout", OED_PARAM_NUMBER, "10", "wall-clock seconds before the run is killed", NULL },
	{ "cpu", OED_PARAM_INT, "5", "CPU seconds", NULL },
	{ "memory", OED_PARAM_INT, "1024", "address space in MiB", NULL },
	{ "procs", OED_PARAM_INT, "256",
	  "processes of all sandboxed runs together (enforced when oed runs as root)", NULL },
	{ "fsize", OED_PARAM_INT, "16", "largest file written, MiB (output included)", NULL },
	{ "unsafe", OED_PARAM_BOOL, "false", "run without the sandbox, only the limits and the timeout",
	  NULL },
	OED_SC_PARAMS_END
};
enum { CE_TESTS, CE_INTERP, CE_TIMEOUT, CE_CPU, CE_MEM, CE_PROCS, CE_FSIZE, CE_UNSAFE };

#define NOBODY 65534

/* The argv of bwrap around cmd (NULL-terminated), in argv[]. */
static int
bwrap_argv(const char **argv, size_t cap, const char *prog, const char *const *cmd)
{
	static const char *const pre[] = {
		"bwrap", "--unshare-all", "--die-with-parent", "--new-session",
		"--ro-bind", "/usr", "/usr",
		"--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
		"--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
		"--symlink", "usr/lib32", "/lib32",
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
		"--proc", "/proc", "--dev", "/dev",
		"--tmpfs", "/work", "--chdir", "/work",
		"--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/work",
		"--setenv", "LC_ALL", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]) && n < cap; i++)
		argv[n++] = pre[i];
	if (prog != NULL && n + 3 < cap) {
		argv[n++] = "--ro-bind";
		argv[n++] = prog;
		argv[n++] = "/prog";
	}
	for (size_t i = 0; cmd[i] != NULL && n + 1 < cap; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	return 0;
}

struct limits {
	long cpu, mem_mb, procs, fsize_mb;
};

/* In the child: limits, identity, descriptors; then exec.  Never returns. */
static void
child_exec(const struct limits *lim, int out, const char *const *argv)
{
	struct rlimit r;
	bool root = geteuid() == 0;
	int in = open("/dev/null", O_RDONLY);

	setsid();
	if (in >= 0)
		dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (root) {
		/* As nobody, RLIMIT_NPROC counts; root ignores it. */
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(126);
		r.rlim_cur = r.rlim_max = (rlim_t)lim->procs;
		setrlimit(RLIMIT_NPROC, &r);
	}
	r.rlim_cur = (rlim_t)lim->cpu;
	r.rlim_max = (rlim_t)lim->cpu + 1;
	setrlimit(RLIMIT_CPU, &r);
	r.rlim_cur = r.rlim_max = (rlim_t)lim->mem_mb << 20;
	setrlimit(RLIMIT_AS, &r);
	r.rlim_cur = r.rlim_max = (rlim_t)lim->fsize_mb << 20;
	setrlimit(RLIMIT_FSIZE, &r);
	r.rlim_cur = r.rlim_max = 64;
	setrlimit(RLIMIT_NOFILE, &r);
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &r);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv with the limits; output (stdout and stderr) to the file out.
 * Returns the wait status, or -1 with *timed_out set when it was killed
 * at the wall timeout; -2 when it could not start.
 */
static int
run(const struct limits *lim, double timeout, int out, const char *const *argv, bool *timed_out)
{
	int status;
	pid_t pid = fork();
	double deadline = now() + timeout;

	*timed_out = false;
	if (pid < 0)
		return -2;
	if (pid == 0)
		child_exec(lim, out, argv);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return status;
		if (w < 0 && errno != EINTR)
			return -2;
		if (now() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			*timed_out = true;
			return -1;
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct ce_state {
	char dir[64];		/* the host folder holding /prog and the output */
	struct oed_buf prog;
};

void
oed_sc_code_exec_release(struct oed_scorer_spec *spec)
{
	struct ce_state *st = spec->state;

	if (st == NULL)
		return;
	if (st->dir[0] != '\0')
		nftw(st->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	oed_buf_release(&st->prog);
	free(st);
	spec->state = NULL;
}

static struct limits
limits_of(const struct oed_scorer_spec *spec)
{
	struct limits l = { spec->pv[CE_CPU].i, spec->pv[CE_MEM].i, spec->pv[CE_PROCS].i,
	    spec->pv[CE_FSIZE].i };
	return l;
}

/* The first line of the file at fd (from its start), into buf. */
static void
first_line(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int
oed_sc_code_exec_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct ce_state *st = calloc(1, sizeof(*st));
	const char *tmp = getenv("TMPDIR");

	if ((spec->state = st) == NULL)
		return OOM(err);
	if (spec->pv[CE_TIMEOUT].d <= 0 || spec->pv[CE_CPU].i < 1 || spec->pv[CE_MEM].i < 16 ||
	    spec->pv[CE_PROCS].i < 1 || spec->pv[CE_FSIZE].i < 1)
		return oed_err_set(err, OED_EX_USAGE, "scorer 'code_exec': timeout, cpu, memory (16 "
		    "or more), procs and fsize must be positive");
	if (strchr(spec->pv[CE_INTERP].s, '/') != NULL)
		return oed_err_set(err, OED_EX_USAGE,
		    "scorer 'code_exec': interpreter must be a name found in /usr/bin, not a path");
	snprintf(st->dir, sizeof(st->dir), "%s/oed-exec-XXXXXX", tmp != NULL && strlen(tmp) < 40 ?
	    tmp : "/tmp");
	if (mkdtemp(st->dir) == NULL) {
		st->dir[0] = '\0';
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': cannot make a folder: %s",
		    strerror(errno));
	}
	chmod(st->dir, 0755);
	if (spec->pv[CE_UNSAFE].b)
		return 0;
	/* Refuse now, not at the first output, when no sandbox can be built. */
	char out[96], line[256];
	snprintf(out, sizeof(out), "%s/probe", st->dir);
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': %s: %s", out, strerror(errno));
	const char *cmd[] = { "/usr/bin/true", NULL };
	const char *argv[96];
	struct limits lim = limits_of(spec);
	bool to;
	bwrap_argv(argv, 96, NULL, cmd);
	int status = run(&lim, 10, fd, argv, &to);
	first_line(fd, line, sizeof(line));
	close(fd);
	unlink(out);
	if (status == -2 || to || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': cannot build a sandbox "
		    "(bwrap %s%s%s); model code is never run unsandboxed unless asked with "
		    "code_exec:unsafe=true",
		    status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not found" :
		    "failed", line[0] ? ": " : "", line);
	return 0;
}

/* The program: the first fenced code block of the output, else all of it. */
static void
program_text(const char *s, size_t len, const char **code, size_t *codelen)
{
	const char *f = len >= 3 ? memmem(s, len, "```", 3) : NULL;

	*code = s;
	*codelen = len;
	if (f == NULL)
		return;
	const char *nl = memchr(f, '\n', len - (size_t)(f - s));
	if (nl == NULL)
		return;
	const char *start = nl + 1, *end = memmem(start, len - (size_t)(start - s), "```", 3);
	*code = start;
	*codelen = end != NULL ? (size_t)(end - start) : len - (size_t)(start - s);
}

int
oed_sc_code_exec(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		 struct oed_score_result *res, struct oed_err *err)
{
	struct ce_state *st = spec->state;
	const char *tests = spec->pv[CE_TESTS].s, *code;
	size_t testslen, codelen;
	char prog[96], out[96], line[256];
	struct limits lim = limits_of(spec);
	bool to;

	if (tests != NULL) {
		testslen = strlen(tests);
	} else if (in->target != NULL) {
		tests = in->target;
		testslen = in->target_len;
	} else {
		return oed_err_set(err, OED_EX_DATA, "scorer 'code_exec' needs tests= or a target");
	}
	program_text(in->output != NULL ? in->output : "", in->output_len, &code, &codelen);
	snprintf(prog, sizeof(prog), "%s/prog", st->dir);
	snprintf(out, sizeof(out), "%s/out", st->dir);
	FILE *fp = fopen(prog, "wb");
	if (fp == NULL)
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': %s: %s", prog, strerror(errno));
	fwrite(code, 1, codelen, fp);
	fputs("\n\n", fp);
	fwrite(tests, 1, testslen, fp);
	fputc('\n', fp);
	if (fclose(fp) != 0)
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': cannot write %s", prog);
	chmod(prog, 0644);
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': %s: %s", out, strerror(errno));

	const char *cmd[] = { spec->pv[CE_INTERP].s, spec->pv[CE_UNSAFE].b ? prog : "/prog", NULL };
	const char *argv[96];
	if (spec->pv[CE_UNSAFE].b) {
		argv[0] = cmd[0];
		argv[1] = cmd[1];
		argv[2] = NULL;
	} else {
		bwrap_argv(argv, 96, prog, cmd);
	}
	int status = run(&lim, spec->pv[CE_TIMEOUT].d, fd, argv, &to);
	first_line(fd, line, sizeof(line));
	/* The last line says more than the first (a Python traceback ends with the error). */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
		char tail[256];
		off_t from = sb.st_size > (off_t)sizeof(tail) - 1 ? sb.st_size - (off_t)sizeof(tail) + 1 : 0;
		ssize_t n = pread(fd, tail, sizeof(tail) - 1, from);
		if (n > 0) {
			tail[n] = '\0';
			while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
				tail[--n] = '\0';
			char *last = strrchr(tail, '\n');
			snprintf(line, sizeof(line), "%s", last != NULL ? last + 1 : tail);
		}
	}
	close(fd);
	if (status == -2)
		return oed_err_set(err, OED_EX_FAIL, "scorer 'code_exec': cannot start the run: %s",
		    strerror(errno));
	oed_sc_verdict(res, !to && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* bwrap reports a program killed by signal s as exit 128 + s. */
	int sig = to ? 0 : WIFSIGNALED(status) ? WTERMSIG(status) :
	    !spec->pv[CE_UNSAFE].b && WEXITSTATUS(status) > 128 && WEXITSTATUS(status) < 128 + 65 ?
	    WEXITSTATUS(status) - 128 : 0;
	if (to)
		oed_sc_reason(res, "killed at the %gs wall timeout", spec->pv[CE_TIMEOUT].d);
	else if (sig != 0)
		oed_sc_reason(res, "killed by %s%s", sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "a signal",
		    sig == SIGXCPU ? " (the CPU limit)" : sig == SIGXFSZ ? " (the file size limit)" : "");
	else if (WEXITSTATUS(status) != 0)
		oed_sc_reason(res, "exit %d%s%s", WEXITSTATUS(status), line[0] ? ": " : "", line);
	return 0;
}
