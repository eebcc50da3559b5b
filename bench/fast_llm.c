/*
 * fast_llm.c: an OpenAI-compatible server that answers every POST at once
 * with the same small chat completion, for timing oed-bench's own cost
 * (bench/bench-speed.sh).  One thread, epoll, HTTP/1.1 keep-alive; it
 * reads a request's headers and Content-Length bytes of body and answers.
 * Not a real server: no chunked bodies, no pipelining beyond what fits.
 *
 *   cc -O2 -o fast_llm bench/fast_llm.c && ./fast_llm PORTFILE
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char body[] =
	"{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"fast\",\"choices\":[{\"index\":0,"
	"\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":\"#### 42\"}}],"
	"\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":3,\"total_tokens\":23}}";

struct conn {
	char buf[65536];
	size_t len;
};

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), ep = epoll_create1(0), one = 1;
	char resp[1024];
	int rlen = snprintf(resp, sizeof(resp),
			    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			    sizeof(body) - 1, body);
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	FILE *pf;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1024) ||
	    getsockname(ls, (struct sockaddr *)&a, &al))
		return perror("listen"), 1;
	pf = fopen(argc > 1 ? argv[1] : "/dev/stdout", "w");
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1), i;

		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				int fd;

				while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event ce = { .events = EPOLLIN };

					c = calloc(1, sizeof(*c) + sizeof(int));
					*(int *)(c + 1) = fd;
					ce.data.ptr = c;
					setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
				}
				continue;
			}
			int fd = *(int *)(c + 1);
			ssize_t r = read(fd, c->buf + c->len, sizeof(c->buf) - c->len - 1);

			if (r <= 0) {
				close(fd);
				free(c);
				continue;
			}
			c->len += (size_t)r;
			c->buf[c->len] = '\0';
			for (;;) {
				char *end = strstr(c->buf, "\r\n\r\n"), *cl;
				size_t need, blen = 0;

				if (end == NULL)
					break;
				cl = strcasestr(c->buf, "content-length:");
				if (cl && cl < end)
					blen = strtoul(cl + 15, NULL, 10);
				need = (size_t)(end + 4 - c->buf) + blen;
				if (c->len < need)
					break;
				if (write(fd, resp, (size_t)rlen) < 0)
					break;
				memmove(c->buf, c->buf + need, c->len - need);
				c->len -= need;
				c->buf[c->len] = '\0';
			}
		}
	}
}
