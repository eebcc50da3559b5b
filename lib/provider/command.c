/*
 * command.c: the command:ARGV provider.  Each request runs the program
 * once (fork and exec, never a shell) with the prompt, or the request as
 * JSON, on its standard input; its standard output is the answer.  Up to
 * the concurrency limit run at once, all watched by one poll() loop.  A
 * program that outlives the per-item timeout is killed.
 *
 * Standard input is one end of a socket pair, written with MSG_NOSIGNAL,
 * so a program that exits without reading costs no SIGPIPE here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/sbuf.h"
#include "exit.h"
#include "provider_impl.h"

struct proc {
	pid_t pid;
	int in, out, errfd;	/* -1 once closed */
	char *inbuf;
	size_t inlen, inoff;
	struct sbuf outb, errb;
	double start;
	void *user;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
oed_command_init(struct oed_provider *p, const char *argv, struct oed_err *err)
{
	if (oed_split_argv(argv, &p->argv, &p->argc, err) == -1)
		return -1;
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
proc_release(struct proc *c)
{
	close_fd(&c->in);
	close_fd(&c->out);
	close_fd(&c->errfd);
	free(c->inbuf);
	sbuf_release(&c->outb);
	sbuf_release(&c->errb);
}

int
oed_command_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err)
{
	int sv[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	struct proc *c;
	pid_t pid;

	if (p->nprocs == p->capprocs) {
		size_t cap = p->capprocs ? p->capprocs * 2 : 8;
		struct proc *q = realloc(p->procs, cap * sizeof(*q));

		if (q == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		p->procs = q;
		p->capprocs = cap;
	}
	c = &p->procs[p->nprocs];
	memset(c, 0, sizeof(*c));
	c->in = c->out = c->errfd = -1;
	c->user = r->user;
	if (p->command_json) {
		json_t *o = oed_prov_request_json(r, true);

		c->inbuf = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (c->inbuf == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		c->inlen = strlen(c->inbuf);
	} else {
		c->inlen = strlen(r->prompt);
		c->inbuf = malloc(c->inlen + 1);
		if (c->inbuf == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		memcpy(c->inbuf, r->prompt, c->inlen + 1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1) {
		oed_err_set(err, OED_EX_FAIL, "command: cannot make pipes: %s", strerror(errno));
		goto fail;
	}
	fflush(stdout);
	pid = fork();
	if (pid == -1) {
		oed_err_set(err, OED_EX_FAIL, "command: cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		dup2(sv[1], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(p->argv[0], p->argv);
		dprintf(2, "cannot run '%s': %s", p->argv[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	close(po[1]);
	close(pe[1]);
	c->pid = pid;
	c->in = sv[0];
	c->out = po[0];
	c->errfd = pe[0];
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	if (c->inlen == 0)
		shutdown(c->in, SHUT_WR), close_fd(&c->in);
	c->start = now_ms();
	p->nprocs++;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(c->inbuf);
	return -1;
}

/* The last line of what the program wrote on stderr, for the error message. */
static void
last_line(const struct sbuf *b, char *out, size_t size)
{
	size_t end = b->len, start;

	while (end && (b->s[end - 1] == '\n' || b->s[end - 1] == '\r'))
		end--;
	start = end;
	while (start && b->s[start - 1] != '\n')
		start--;
	snprintf(out, size, "%.*s", (int)(end - start > 300 ? 300 : end - start),
		 b->s ? b->s + start : "");
}

static int
finish(struct oed_provider *p, struct proc *c, int status, bool timed_out, struct oed_err *err)
{
	struct oed_prov_resp r = { .user = c->user, .attempts = 1 };
	char tail[320];

	r.tokens_in = r.tokens_out = r.tokens_cached = r.tokens_reasoning = -1;
	r.latency_ms = now_ms() - c->start;
	last_line(&c->errb, tail, sizeof(tail));
	if (timed_out) {
		r.failed = true;
		snprintf(r.error, sizeof(r.error), "command timed out after %gs", p->timeout_s);
	} else if (WIFSIGNALED(status)) {
		r.failed = true;
		snprintf(r.error, sizeof(r.error), "command killed by signal %d%s%s", WTERMSIG(status),
			 tail[0] ? ": " : "", tail);
	} else if (WEXITSTATUS(status) != 0) {
		r.failed = true;
		snprintf(r.error, sizeof(r.error), "command exited with status %d%s%s",
			 WEXITSTATUS(status), tail[0] ? ": " : "", tail);
	} else if (c->outb.failed) {
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	} else if (p->command_json) {
		json_error_t je;
		json_t *o = json_loadb(c->outb.s ? c->outb.s : "", c->outb.len, 0, &je), *v;

		if (!json_is_object(o) || !json_is_string(json_object_get(o, "output"))) {
			r.failed = true;
			snprintf(r.error, sizeof(r.error),
				 "command answered no JSON object with a string 'output'%s%s",
				 o ? "" : ": ", o ? "" : je.text);
		} else {
			v = json_object_get(o, "output");
			r.output_len = json_string_length(v);
			r.output = malloc(r.output_len + 1);
			if (r.output)
				memcpy(r.output, json_string_value(v), r.output_len + 1);
			if (json_is_string(v = json_object_get(o, "model")))
				r.model = strdup(json_string_value(v));
			if (json_is_string(v = json_object_get(o, "finish_reason")))
				r.finish_reason = strdup(json_string_value(v));
			if (json_is_integer(v = json_object_get(o, "tokens_in")))
				r.tokens_in = json_integer_value(v);
			if (json_is_integer(v = json_object_get(o, "tokens_out")))
				r.tokens_out = json_integer_value(v);
		}
		json_decref(o);
	} else {
		/* the answer is stdout, less one final newline */
		size_t n = c->outb.len;

		if (n && c->outb.s[n - 1] == '\n')
			n--;
		r.output = malloc(n + 1);
		if (r.output) {
			if (n)
				memcpy(r.output, c->outb.s, n);
			r.output[n] = '\0';
		}
		r.output_len = n;
	}
	if (!r.failed && r.output == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (oed_prov_ready(p, &r) == -1) {
		oed_prov_resp_release(&r);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

static void
drain(int *fd, struct sbuf *b, size_t cap)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (b->len + (size_t)n <= cap)
			sbuf_add(b, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close_fd(fd);
	}
}

int
oed_command_poll(struct oed_provider *p, int timeout_ms, struct oed_err *err)
{
	struct pollfd *fds;
	size_t i, nf = 0;
	double now = now_ms(), wait = timeout_ms;
	int rc = 0;

	if (p->nprocs == 0)
		return 0;
	fds = calloc(p->nprocs * 3, sizeof(*fds));
	if (fds == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (i = 0; i < p->nprocs; i++) {
		struct proc *c = &p->procs[i];
		double left = c->start + p->timeout_s * 1e3 - now;

		if (c->in >= 0)
			fds[nf++] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
		if (c->out >= 0)
			fds[nf++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		if (c->errfd >= 0)
			fds[nf++] = (struct pollfd){ .fd = c->errfd, .events = POLLIN };
		if (c->out < 0 && c->errfd < 0 && wait > 5)
			wait = 5;	/* output closed: waiting for the exit */
		if (left < wait)
			wait = left < 0 ? 0 : left;
	}
	if (poll(fds, nf, (int)wait) == -1 && errno != EINTR) {
		free(fds);
		return oed_err_set(err, OED_EX_FAIL, "poll: %s", strerror(errno));
	}
	for (i = 0; i < nf; i++) {
		size_t j;

		if (fds[i].revents == 0)
			continue;
		for (j = 0; j < p->nprocs; j++) {
			struct proc *c = &p->procs[j];

			if (fds[i].fd == c->in) {
				ssize_t n = send(c->in, c->inbuf + c->inoff, c->inlen - c->inoff,
						 MSG_NOSIGNAL);

				if (n > 0)
					c->inoff += (size_t)n;
				if ((n < 0 && errno != EAGAIN && errno != EINTR) || c->inoff == c->inlen) {
					shutdown(c->in, SHUT_WR);
					close_fd(&c->in);
				}
			} else if (fds[i].fd == c->out) {
				drain(&c->out, &c->outb, (size_t)1 << 30);
			} else if (fds[i].fd == c->errfd) {
				drain(&c->errfd, &c->errb, 65536);
			} else {
				continue;
			}
			break;
		}
	}
	free(fds);
	now = now_ms();
	for (i = 0; i < p->nprocs && rc == 0;) {
		struct proc *c = &p->procs[i];
		bool timed_out = now - c->start >= p->timeout_s * 1e3;
		int status = 0;
		pid_t w = 0;

		if (timed_out) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &status, 0);
			w = c->pid;
		} else if (c->out < 0 && c->errfd < 0) {
			w = waitpid(c->pid, &status, WNOHANG);
		}
		if (w != c->pid) {
			i++;
			continue;
		}
		rc = finish(p, c, status, timed_out, err);
		proc_release(c);
		p->procs[i] = p->procs[--p->nprocs];
	}
	return rc;
}

void
oed_command_abandon(struct oed_provider *p)
{
	size_t i;

	for (i = 0; i < p->nprocs; i++) {
		kill(p->procs[i].pid, SIGKILL);
		waitpid(p->procs[i].pid, NULL, 0);
		proc_release(&p->procs[i]);
	}
	p->nprocs = 0;
}
