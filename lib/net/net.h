/*
 * net.h: the HTTP transport of oed-bench and oed-monitor, on libcurl's
 * multi interface in one thread.
 *
 * - Connection reuse and HTTP/2 where the server offers it, TLS
 *   verification on, connect and total timeouts, proxies from the usual
 *   environment variables (libcurl's own handling).
 * - Retries for 408, 409, 429, 500, 502, 503, 504, 529 and connection
 *   errors and timeouts, with exponential backoff and full jitter
 *   (a uniform wait in [0, min(cap, base * 2^attempt))), and never sooner
 *   than the server asks: Retry-After (seconds or an HTTP date),
 *   retry-after-ms, x-ratelimit-reset-requests and -tokens ("1s", "6m0s",
 *   "20ms").  A 429 whose body says insufficient_quota is not retried: the
 *   result says quota, and the caller stops.
 * - Adaptive concurrency: start at `concurrency`, halve on a 429 (once per
 *   round of requests already in flight), grow by one after `current`
 *   successes in a row, never above max_concurrency.
 * - Optional budgets as token buckets: requests per minute and tokens per
 *   minute (each request says how many tokens it may use).
 * - Secrets given to oed_net_secret() are replaced by "[redacted]" in
 *   every text the layer hands out (errors, log lines).
 *
 * Requests are copied on submit; result texts (body, error, headers) are
 * valid during the done callback only.  The headers are those of the last
 * response only: an earlier attempt's, or an interim 1xx response's, are
 * dropped when the next status line arrives.  lib/ never prints: log lines go to the caller's hook.
 */
#ifndef OED_NET_H
#define OED_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct oed_net_opts {
	unsigned concurrency;		/* at the start (default 8) */
	unsigned max_concurrency;	/* ceiling (default: max(64, concurrency)) */
	double connect_timeout_s;	/* default 10 */
	double timeout_s;		/* whole request, default 120 */
	unsigned max_retries;		/* after the first attempt (default 6) */
	double backoff_base_ms;		/* default 500 */
	double backoff_cap_ms;		/* default 60000 */
	double rpm, tpm;		/* budgets; 0: none */
	uint64_t seed;			/* of the jitter */
	void (*log)(const char *line, void *ctx);	/* --verbose; NULL: quiet */
	void *log_ctx;
};
void oed_net_opts_init(struct oed_net_opts *o);

struct oed_net_req {
	const char *method;		/* NULL: POST when there is a body, else GET */
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const char *body;
	size_t len;
	double tokens;			/* for the tpm budget */
	void *user;
};

struct oed_net_result {
	void *user;
	long status;			/* HTTP status of the last attempt, 0: none */
	const char *body;		/* of the last attempt */
	size_t len;
	bool failed;			/* gave up (or not retryable): error says why */
	bool quota;			/* 429 insufficient_quota */
	bool exhausted;			/* failed after every retry the options allow */
	char error[512];
	double latency_ms;		/* of the last attempt */
	unsigned attempts;
	const char *headers;		/* raw header lines of the last response, CRLF kept */
	size_t headers_len;
};

typedef void (*oed_net_done)(const struct oed_net_result *r, void *ctx);

struct oed_net;

struct oed_net *oed_net_new(const struct oed_net_opts *o, struct oed_err *err);
void oed_net_free(struct oed_net *n);
/* A value never to show (an API key): copied. */
int oed_net_secret(struct oed_net *n, const char *value);
/* Replace every secret in s[0..len) (NUL-terminated) in place; returns the new length. */
size_t oed_net_redact(const struct oed_net *n, char *s, size_t len);

int oed_net_submit(struct oed_net *n, const struct oed_net_req *r, struct oed_err *err);
/* Requests submitted and not yet done (waiting, in flight, or backing off). */
size_t oed_net_pending(const struct oed_net *n);
/* How many more the caller should submit now to keep the pipe full. */
size_t oed_net_room(const struct oed_net *n);
/*
 * Drive the transfers for at most timeout_ms, calling done once per request
 * that finished for good.  0, or -1 with err (libcurl failed as a whole).
 */
int oed_net_poll(struct oed_net *n, int timeout_ms, oed_net_done done, void *ctx,
		 struct oed_err *err);
/* Drop every request (no callbacks). */
void oed_net_abandon(struct oed_net *n);

struct oed_net_stats {
	unsigned long long attempts, retries;
	unsigned concurrency;
};
void oed_net_stats(const struct oed_net *n, struct oed_net_stats *s);

/*
 * The value of header name (any case) in a raw header block, malloc'd; a
 * header given several times is joined with ", " (RFC 9110 5.3); NULL
 * when absent (or out of memory).  oed_net_result_header reads r's block.
 */
char *oed_net_header(const char *block, size_t len, const char *name);
char *oed_net_result_header(const struct oed_net_result *r, const char *name);

/* Parse "1s", "6m0s", "20ms", "1.5s", "2h" (Go durations) into ms; -1 if not one. */
double oed_net_parse_go_duration(const char *s);
/* Retry-After: seconds or an HTTP date (against now, epoch seconds); ms or -1. */
double oed_net_parse_retry_after(const char *s, double now);

#endif
