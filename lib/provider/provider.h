/*
 * provider.h: where a benchmark's answers come from.  `-m PROVIDER:MODEL`
 * names one of
 *
 *   openai:MODEL     Chat Completions, POST {base}/chat/completions
 *   anthropic:MODEL  Messages API, POST {base}/v1/messages
 *   command:ARGV     a local program: the prompt on stdin (or the request
 *                    as JSON), the answer on stdout
 *   replay:FILE      outputs already recorded (input_id, sample, output)
 *
 * Every provider is driven the same way, from one thread: submit requests
 * while oed_provider_room() says there is room, then oed_provider_poll()
 * runs the transfers (or processes) and calls back once per request with
 * its final response, after retries.  A provider never blocks longer than
 * the poll timeout.
 *
 * One request is one sample, except that openai asks the samples of an
 * input submitted as one batch (those the cache lacks) with n > 1 first
 * and falls back to one request per sample (with seed + sample when the
 * task gives a seed) once the server refuses n (http.c); every sample
 * still gets its own callback.
 *
 * The request's canonical text (oed_provider_canonical) is what the run
 * store's cache is keyed by: the provider, base URL or argv, and the
 * request body without the per-sample seed.  It never holds a key.
 */
#ifndef OED_PROVIDER_H
#define OED_PROVIDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "bench/task.h"
#include "diag.h"

struct oed_net_opts;

enum oed_provider_kind { OED_PROV_OPENAI, OED_PROV_ANTHROPIC, OED_PROV_COMMAND, OED_PROV_REPLAY };

struct oed_provider_opts {
	const char *base_url;		/* NULL: the environment, else the public endpoint */
	const char *api_key_env;	/* NULL: the provider's usual variable */
	bool command_json;		/* --command-io json */
	double timeout_s;		/* per request (command: per item) */
	unsigned concurrency;		/* command: programs at once (default 8) */
	const struct oed_net_opts *net;	/* HTTP providers */
};

struct oed_prov_req {
	json_t *messages;		/* [{role, content}], system first when any (borrowed) */
	const char *prompt;		/* the last user message's text */
	const struct oed_gen *gen;
	const char *input_id;
	unsigned sample;
	/*
	 * The samples of this input submitted one after the other, this one
	 * among them, ascending (NULL: this one alone): openai asks them in
	 * one request with n = nbatch.  Samples already cached are left out,
	 * so a resumed run asks only what is missing.
	 */
	const unsigned *batch;
	unsigned nbatch;
	void *user;			/* handed back with the response */
};

struct oed_prov_resp {
	void *user;
	bool failed;
	bool fatal;			/* the run cannot go on: quota, authentication */
	bool unavailable;		/* no answer after the transport's retries */
	char error[512];
	char *output;			/* malloc'd, owned by the provider until the callback returns */
	size_t output_len;
	char *model, *fingerprint, *finish_reason;	/* NULL when not given */
	long long tokens_in, tokens_out, tokens_cached, tokens_reasoning;	/* -1: not given */
	double latency_ms;
	unsigned attempts;
};

typedef void (*oed_prov_done)(struct oed_prov_resp *resp, void *ctx);

struct oed_provider;

/* spec: "openai:gpt-4o-mini" ...  NULL with err (OED_EX_USAGE for a bad spec). */
struct oed_provider *oed_provider_new(const char *spec, const struct oed_provider_opts *o,
				      struct oed_err *err);
void oed_provider_free(struct oed_provider *p);
enum oed_provider_kind oed_provider_kind(const struct oed_provider *p);
const char *oed_provider_spec(const struct oed_provider *p);
/* The model name as asked (for prices); "" for command and replay. */
const char *oed_provider_model(const struct oed_provider *p);
/* Whether responses go to the cache (not for replay). */
bool oed_provider_caches(const struct oed_provider *p);

/*
 * The canonical request text for the cache digest (malloc'd), and with
 * body non-NULL the exact body sent for this sample (malloc'd; for
 * --dry-run).  NULL on failure.
 */
char *oed_provider_canonical(struct oed_provider *p, const struct oed_prov_req *r, char **body,
			     struct oed_err *err);

/* Start one request.  0, or -1 with err (the run must stop). */
int oed_provider_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err);
/* How many more requests may be submitted now. */
size_t oed_provider_room(const struct oed_provider *p);
size_t oed_provider_inflight(const struct oed_provider *p);
/*
 * Run for at most timeout_ms (less when a response is ready), calling done
 * for each finished request.  0, or -1 with err (the run must stop).
 */
int oed_provider_poll(struct oed_provider *p, int timeout_ms, oed_prov_done done, void *ctx,
		      struct oed_err *err);
/* Abandon what is in flight (no callbacks). */
void oed_provider_abandon(struct oed_provider *p);

struct oed_prov_counts {
	unsigned long long requests, retries;
	unsigned concurrency;		/* current (adaptive) */
};
void oed_provider_counts(const struct oed_provider *p, struct oed_prov_counts *c);

/* Split a command line like a shell would (quotes, backslashes), never through one. */
int oed_split_argv(const char *s, char ***argv, size_t *argc, struct oed_err *err);
void oed_free_argv(char **argv, size_t argc);

#endif
