/* net.c: libcurl multi transport with retries, budgets and adaptive concurrency (net.h). */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bench/sbuf.h"
#include "exit.h"
#include "net/net.h"
#include "splitmix.h"

enum state { QUEUED, ACTIVE };

struct xfer {
	enum state state;
	char *url, *method, *body;
	size_t len;
	char **headers;
	size_t nheaders;
	double tokens;
	void *user;
	unsigned attempts;
	double not_before;		/* ms, monotonic */
	double started;			/* of the current attempt */
	unsigned long long epoch;	/* concurrency epoch when started */
	double hint_ms;			/* the server's wait hint, -1: none */
	CURL *easy;
	struct curl_slist *hl;
	struct sbuf resp;
	struct sbuf hdrs;		/* of the current response */
	struct xfer *next;		/* in the free or pending lists */
};

struct oed_net {
	struct oed_net_opts o;
	CURLM *multi;
	struct xfer **all;		/* pending requests, any state */
	size_t n, cap;
	unsigned active;
	double cur;			/* current concurrency */
	unsigned streak;
	unsigned long long epoch;	/* bumped at each decrease */
	double rpm_tokens, tpm_tokens, bucket_t;
	uint64_t rng;
	char **secrets;
	size_t nsecrets;
	struct oed_net_stats stats;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
oed_net_opts_init(struct oed_net_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->concurrency = 8;
	o->connect_timeout_s = 10;
	o->timeout_s = 120;
	o->max_retries = 6;
	o->backoff_base_ms = 500;
	o->backoff_cap_ms = 60000;
	o->seed = 1;
}

static int curl_ready;

struct oed_net *
oed_net_new(const struct oed_net_opts *o, struct oed_err *err)
{
	struct oed_net *n;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			oed_err_set(err, OED_EX_FAIL, "libcurl failed to start");
			return NULL;
		}
		curl_ready = 1;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL || (n->multi = curl_multi_init()) == NULL) {
		free(n);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	n->o = *o;
	if (n->o.concurrency == 0)
		n->o.concurrency = 1;
	if (n->o.max_concurrency == 0)
		n->o.max_concurrency = n->o.concurrency > 64 ? n->o.concurrency : 64;
	if (n->o.max_concurrency < n->o.concurrency)
		n->o.max_concurrency = n->o.concurrency;
	n->cur = n->o.concurrency;
	n->rng = o->seed ? o->seed : 1;
	n->bucket_t = now_ms();
	n->rpm_tokens = o->rpm > 0 ? fmax(1, o->rpm / 60) : 0;
	n->tpm_tokens = o->tpm > 0 ? o->tpm / 60 : 0;
	curl_multi_setopt(n->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(n->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n->o.max_concurrency);
	return n;
}

static void
xfer_free(struct oed_net *n, struct xfer *x)
{
	size_t i;

	if (x->easy) {
		curl_multi_remove_handle(n->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hl);
	for (i = 0; i < x->nheaders; i++)
		free(x->headers[i]);
	free(x->headers);
	free(x->url);
	free(x->method);
	free(x->body);
	sbuf_release(&x->resp);
	sbuf_release(&x->hdrs);
	free(x);
}

void
oed_net_abandon(struct oed_net *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		xfer_free(n, n->all[i]);
	n->n = 0;
	n->active = 0;
}

void
oed_net_free(struct oed_net *n)
{
	size_t i;

	if (n == NULL)
		return;
	oed_net_abandon(n);
	free(n->all);
	curl_multi_cleanup(n->multi);
	for (i = 0; i < n->nsecrets; i++) {
		explicit_bzero(n->secrets[i], strlen(n->secrets[i]));
		free(n->secrets[i]);
	}
	free(n->secrets);
	free(n);
}

int
oed_net_secret(struct oed_net *n, const char *value)
{
	char **s;

	if (value == NULL || value[0] == '\0')
		return 0;
	s = realloc(n->secrets, (n->nsecrets + 1) * sizeof(*s));
	if (s == NULL)
		return -1;
	n->secrets = s;
	if ((s[n->nsecrets] = strdup(value)) == NULL)
		return -1;
	n->nsecrets++;
	return 0;
}

size_t
oed_net_redact(const struct oed_net *n, char *s, size_t len)
{
	static const char mark[] = "[redacted]";
	size_t i;

	for (i = 0; i < n->nsecrets; i++) {
		size_t sl = strlen(n->secrets[i]);
		char *hit;

		/* the mark is never longer than a key worth hiding; shorter keys get a cut mark */
		while ((hit = memmem(s, len, n->secrets[i], sl)) != NULL) {
			size_t ml = sl < sizeof(mark) - 1 ? sl : sizeof(mark) - 1;

			memcpy(hit, mark, ml);
			memmove(hit + ml, hit + sl, len - (size_t)(hit - s) - sl);
			len -= sl - ml;
			s[len] = '\0';
		}
	}
	return len;
}

static void
logf_(struct oed_net *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct oed_net *n, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len;

	if (n->o.log == NULL)
		return;
	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	oed_net_redact(n, line, strlen(line));
	n->o.log(line, n->o.log_ctx);
}

int
oed_net_submit(struct oed_net *n, const struct oed_net_req *r, struct oed_err *err)
{
	struct xfer *x = calloc(1, sizeof(*x));
	size_t i, nh = 0;

	if (x == NULL)
		goto nomem;
	while (r->headers && r->headers[nh])
		nh++;
	x->url = strdup(r->url);
	x->method = r->method ? strdup(r->method) : NULL;
	x->headers = calloc(nh + 1, sizeof(char *));
	if (x->url == NULL || x->headers == NULL || (r->method && x->method == NULL))
		goto nomem;
	for (i = 0; i < nh; i++) {
		if ((x->headers[i] = strdup(r->headers[i])) == NULL)
			goto nomem;
		x->nheaders++;
	}
	if (r->body) {
		x->body = malloc(r->len + 1);
		if (x->body == NULL)
			goto nomem;
		memcpy(x->body, r->body, r->len);
		x->body[r->len] = '\0';
		x->len = r->len;
	}
	x->tokens = r->tokens;
	x->user = r->user;
	x->hint_ms = -1;
	x->state = QUEUED;
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 64;
		struct xfer **a = realloc(n->all, cap * sizeof(*a));

		if (a == NULL)
			goto nomem;
		n->all = a;
		n->cap = cap;
	}
	n->all[n->n++] = x;
	return 0;
nomem:
	if (x)
		xfer_free(n, x);
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

size_t
oed_net_pending(const struct oed_net *n)
{
	return n->n;
}

size_t
oed_net_room(const struct oed_net *n)
{
	size_t want = (size_t)n->cur * 2 + 2;

	return n->n < want ? want - n->n : 0;
}

void
oed_net_stats(const struct oed_net *n, struct oed_net_stats *s)
{
	*s = n->stats;
	s->concurrency = (unsigned)n->cur;
}

double
oed_net_parse_go_duration(const char *s)
{
	double total = 0;
	bool any = false;

	while (*s) {
		char *end;
		double v = strtod(s, &end);

		if (end == s || v < 0)
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0) {
			total += v;
			s += 2;
		} else if (strncmp(s, "us", 2) == 0 || strncmp(s, "µs", 3) == 0) {
			total += v / 1e3;
			s += s[0] == 'u' ? 2 : 3;
		} else if (strncmp(s, "ns", 2) == 0) {
			total += v / 1e6;
			s += 2;
		} else if (*s == 's') {
			total += v * 1e3;
			s++;
		} else if (*s == 'm') {
			total += v * 60e3;
			s++;
		} else if (*s == 'h') {
			total += v * 3600e3;
			s++;
		} else {
			return -1;
		}
		any = true;
	}
	return any ? total : -1;
}

double
oed_net_parse_retry_after(const char *s, double now)
{
	char *end;
	double v;
	time_t t;

	while (isspace((unsigned char)*s))
		s++;
	v = strtod(s, &end);
	if (end != s) {
		while (isspace((unsigned char)*end))
			end++;
		return *end == '\0' && v >= 0 ? v * 1e3 : -1;
	}
	t = curl_getdate(s, NULL);
	if (t == (time_t)-1)
		return -1;
	v = ((double)t - now) * 1e3;
	return v < 0 ? 0 : v;
}

char *
oed_net_header(const char *block, size_t len, const char *name)
{
	size_t nl = strlen(name), i = 0;
	struct sbuf out = { 0 };
	bool any = false;

	while (i < len) {
		size_t end = i, vs, ve;

		while (end < len && block[end] != '\n')
			end++;
		/* "Name:" at the start of a line (no folded continuation lines) */
		if (end - i > nl && block[i + nl] == ':' && strncasecmp(block + i, name, nl) == 0) {
			vs = i + nl + 1;
			ve = end;
			while (vs < ve && (block[vs] == ' ' || block[vs] == '\t'))
				vs++;
			while (ve > vs && (block[ve - 1] == '\r' || block[ve - 1] == ' ' ||
					   block[ve - 1] == '\t'))
				ve--;
			if (any)
				sbuf_add(&out, ", ", 2);
			sbuf_add(&out, block + vs, ve - vs);
			any = true;
		}
		i = end + 1;
	}
	if (!any) {
		sbuf_release(&out);
		return NULL;
	}
	return sbuf_take(&out, NULL);
}

char *
oed_net_result_header(const struct oed_net_result *r, const char *name)
{
	return r->headers ? oed_net_header(r->headers, r->headers_len, name) : NULL;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;

	sbuf_add(&x->resp, p, size * nmemb);
	return x->resp.failed ? 0 : size * nmemb;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * nmemb;
	char line[256], *colon, *v;
	double ms = -1;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		x->hdrs.len = 0;	/* a new response: only the last one's headers count */
	if (len > 2 || (p[0] != '\r' && p[0] != '\n'))
		sbuf_add(&x->hdrs, p, len);
	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		x->hint_ms = -1;	/* a new response (after a 100 Continue) */
		return size * nmemb;
	}
	colon = strchr(line, ':');
	if (colon == NULL)
		return size * nmemb;
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	if (strcasecmp(line, "retry-after") == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ms = oed_net_parse_retry_after(v, (double)ts.tv_sec);
	} else if (strcasecmp(line, "retry-after-ms") == 0) {
		char *end;

		ms = strtod(v, &end);
		if (end == v || ms < 0)
			ms = -1;
	} else if (strcasecmp(line, "x-ratelimit-reset-requests") == 0 ||
		   strcasecmp(line, "x-ratelimit-reset-tokens") == 0) {
		ms = oed_net_parse_go_duration(v);
	}
	if (ms >= 0 && ms > x->hint_ms)
		x->hint_ms = ms;
	return size * nmemb;
}

static int
start(struct oed_net *n, struct xfer *x, struct oed_err *err)
{
	size_t i;
	CURL *e = curl_easy_init();

	if (e == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	curl_slist_free_all(x->hl);
	x->hl = NULL;
	for (i = 0; i < x->nheaders; i++) {
		struct curl_slist *l = curl_slist_append(x->hl, x->headers[i]);

		if (l == NULL) {
			curl_easy_cleanup(e);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		x->hl = l;
	}
	if (x->body) {
		struct curl_slist *l = curl_slist_append(x->hl, "Expect:");

		if (l)
			x->hl = l;
	}
	sbuf_release(&x->resp);
	sbuf_release(&x->hdrs);
	x->hint_ms = -1;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hl);
	if (x->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->len);
	}
	if (x->method)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(n->o.connect_timeout_s * 1e3));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(n->o.timeout_s * 1e3));
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "oed/" PACKAGE_VERSION);
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return oed_err_set(err, OED_EX_FAIL, "libcurl refused a transfer");
	}
	x->easy = e;
	x->state = ACTIVE;
	x->attempts++;
	x->started = now_ms();
	x->epoch = n->epoch;
	n->active++;
	n->stats.attempts++;
	logf_(n, "%s %s (attempt %u, %u in flight)", x->body ? "POST" : "GET", x->url, x->attempts,
	      n->active);
	return 0;
}

static void
refill(struct oed_net *n, double t)
{
	double dt = t - n->bucket_t;

	n->bucket_t = t;
	if (n->o.rpm > 0)
		n->rpm_tokens = fmin(fmax(1, n->o.rpm / 60), n->rpm_tokens + dt * n->o.rpm / 60000);
	if (n->o.tpm > 0)
		n->tpm_tokens = fmin(n->o.tpm / 60, n->tpm_tokens + dt * n->o.tpm / 60000);
}

/* Whether the budgets allow x now; when not, *wait says how long. */
static bool
budget_ok(struct oed_net *n, const struct xfer *x, double *wait)
{
	double need, cap;

	if (n->o.rpm > 0 && n->rpm_tokens < 1) {
		*wait = fmin(*wait, (1 - n->rpm_tokens) * 60000 / n->o.rpm);
		return false;
	}
	if (n->o.tpm > 0) {
		cap = n->o.tpm / 60;
		need = fmin(x->tokens, cap);	/* a request bigger than the bucket waits for a full one */
		if (n->tpm_tokens < need) {
			*wait = fmin(*wait, (need - n->tpm_tokens) * 60000 / n->o.tpm);
			return false;
		}
	}
	return true;
}

/* Start what the concurrency, the budgets and the backoffs allow; *wait: ms until more could start. */
static int
start_ready(struct oed_net *n, double *wait, struct oed_err *err)
{
	double t = now_ms();
	size_t i;

	refill(n, t);
	for (i = 0; i < n->n && n->active < (unsigned)n->cur; i++) {
		struct xfer *x = n->all[i];

		if (x->state != QUEUED)
			continue;
		if (x->not_before > t) {
			*wait = fmin(*wait, x->not_before - t);
			continue;
		}
		if (!budget_ok(n, x, wait))
			break;	/* keep the order: no overtaking by smaller requests */
		if (n->o.rpm > 0)
			n->rpm_tokens -= 1;
		if (n->o.tpm > 0)
			n->tpm_tokens -= fmin(x->tokens, n->o.tpm / 60);
		if (start(n, x, err) == -1)
			return -1;
	}
	return 0;
}

static bool
retryable_status(long s)
{
	return s == 408 || s == 409 || s == 429 || s == 500 || s == 502 || s == 503 ||
	       s == 504 || s == 529;
}

static bool
retryable_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* The error message of a JSON error body ({"error": {"message": ...}}), or its start. */
static void
describe_body(const struct sbuf *b, char *out, size_t size)
{
	const char *s = b->s ? b->s : "", *m;
	size_t i, n;

	m = strstr(s, "\"message\"");
	if (m != NULL && (m = strchr(m + 9, '"')) != NULL) {
		m++;
		for (n = 0; m[n] && m[n] != '"' && n < 200; n++)
			if (m[n] == '\\' && m[n + 1])
				n++;
		snprintf(out, size, "%.*s", (int)n, m);
		return;
	}
	n = b->len < 200 ? b->len : 200;
	snprintf(out, size, "%.*s", (int)n, s);
	for (i = 0; out[i]; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = ' ';
}

static double
backoff(struct oed_net *n, unsigned attempt)
{
	double ceil = n->o.backoff_base_ms * pow(2, attempt > 30 ? 30 : attempt - 1);
	double u = (double)(oed_splitmix64(&n->rng) >> 11) / 9007199254740992.0;

	if (ceil > n->o.backoff_cap_ms)
		ceil = n->o.backoff_cap_ms;
	return u * ceil;
}

static void
remove_at(struct oed_net *n, size_t i)
{
	memmove(n->all + i, n->all + i + 1, (n->n - i - 1) * sizeof(*n->all));
	n->n--;
}

/* A transfer ended: retry it, or hand the result over and free it. */
static void
ended(struct oed_net *n, struct xfer *x, CURLcode code, oed_net_done done, void *ctx)
{
	struct oed_net_result r = { .user = x->user, .attempts = x->attempts };
	double t = now_ms(), wait;
	bool retry = false;
	char what[300];
	size_t i;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_multi_remove_handle(n->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	x->state = QUEUED;
	n->active--;
	r.latency_ms = t - x->started;
	if (code != CURLE_OK) {
		snprintf(r.error, sizeof(r.error), "%s", curl_easy_strerror(code));
		r.status = 0;
		retry = retryable_curl(code);
	} else if (r.status == 429 && x->resp.s && strstr(x->resp.s, "insufficient_quota")) {
		r.quota = true;
		snprintf(r.error, sizeof(r.error),
			 "HTTP 429 insufficient_quota: the account has no quota left (not retried)");
	} else if (r.status >= 200 && r.status < 300) {
		r.failed = false;
	} else {
		describe_body(&x->resp, what, sizeof(what));
		snprintf(r.error, sizeof(r.error), "HTTP %ld%s%s", r.status, what[0] ? ": " : "", what);
		retry = retryable_status(r.status);
	}
	r.failed = r.error[0] != '\0';
	/* adaptive concurrency */
	if (r.status == 429 && !r.quota) {
		if (x->epoch == n->epoch && n->cur > 1) {
			n->cur = floor(n->cur / 2);
			n->epoch++;
			logf_(n, "429 from %s: concurrency down to %u", x->url, (unsigned)n->cur);
		}
		n->streak = 0;
	} else if (!r.failed) {
		if (++n->streak >= (unsigned)n->cur && n->cur < n->o.max_concurrency) {
			n->cur += 1;
			n->streak = 0;
		}
	}
	if (r.failed && retry && x->attempts <= n->o.max_retries) {
		/* the server knows best when it says; else back off with jitter */
		wait = x->hint_ms >= 0 ? x->hint_ms : backoff(n, x->attempts);
		x->not_before = t + wait;
		n->stats.retries++;
		oed_net_redact(n, r.error, strlen(r.error));
		logf_(n, "%s: %s; retry %u in %.0f ms", x->url, r.error, x->attempts, wait);
		return;
	}
	if (r.failed && retry) {
		r.exhausted = true;
		snprintf(r.error + strlen(r.error), sizeof(r.error) - strlen(r.error),
			 " (after %u attempts)", x->attempts);
	}
	r.body = x->resp.s ? x->resp.s : "";
	r.len = x->resp.len;
	r.headers = x->hdrs.s && !x->hdrs.failed ? x->hdrs.s : "";
	r.headers_len = x->hdrs.s && !x->hdrs.failed ? x->hdrs.len : 0;
	oed_net_redact(n, r.error, strlen(r.error));
	logf_(n, "%s: %s after %.0f ms", x->url, r.failed ? r.error : "ok", r.latency_ms);
	for (i = 0; i < n->n; i++)
		if (n->all[i] == x)
			break;
	remove_at(n, i);
	done(&r, ctx);
	xfer_free(n, x);
}

int
oed_net_poll(struct oed_net *n, int timeout_ms, oed_net_done done, void *ctx, struct oed_err *err)
{
	double wait = timeout_ms;
	int running, msgs, numfds;
	CURLMsg *m;

	if (start_ready(n, &wait, err) == -1)
		return -1;
	if (n->active == 0 && n->n > 0 && wait > 0) {
		struct timespec ts = { (time_t)(wait / 1e3), (long)(fmod(wait, 1e3) * 1e6) };

		nanosleep(&ts, NULL);
		return start_ready(n, &wait, err);
	}
	if (curl_multi_perform(n->multi, &running) != CURLM_OK)
		return oed_err_set(err, OED_EX_FAIL, "libcurl failed");
	while ((m = curl_multi_info_read(n->multi, &msgs)) != NULL) {
		struct xfer *x;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		ended(n, x, m->data.result, done, ctx);
	}
	if (start_ready(n, &wait, err) == -1)
		return -1;
	if (n->active > 0 &&
	    curl_multi_poll(n->multi, NULL, 0, (int)fmax(0, fmin(wait, timeout_ms)), &numfds) != CURLM_OK)
		return oed_err_set(err, OED_EX_FAIL, "libcurl failed");
	return 0;
}
