/*
 * http.c: the openai and anthropic providers: request bodies, headers and
 * keys, over the network layer (net/net.h).
 *
 * openai: POST {base}/chat/completions with a Bearer key when the
 * variable is set (local servers need none).  The token limit is sent as
 * max_completion_tokens to api.openai.com (its reasoning models refuse
 * max_tokens) and as max_tokens elsewhere (vLLM, llama.cpp, Ollama and
 * LM Studio read that one).
 *
 * anthropic: POST {base}/v1/messages with x-api-key and
 * anthropic-version; the system prompt travels apart from the messages,
 * and max_tokens is required (1024 when the task gives none).
 *
 * The samples of an input that the cache lacks (all of them on a fresh
 * run; only the new ones when --samples grows or a run resumes) go to
 * openai as one request with n = their number and seed + the first of
 * them, choice i to the i-th missing sample; the request's usage is
 * given to the first sample asked, 0 tokens to the others.  A lone
 * missing sample is asked on its own, with seed + sample.  A server
 * that answers such a request 400 (vLLM with beam search off, llama.cpp,
 * Ollama...) gets one request per sample with seed + sample from then on,
 * for the rest of the run.
 *
 * Keys are read from the environment once, handed to the network layer
 * as secrets (so every message it gives is redacted), and appear nowhere
 * else: not in the canonical request, not in --dry-run's bodies.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "net/net.h"
#include "openai_response.h"
#include "provider_impl.h"

/* One request with n > 1: the missing samples of one input. */
struct ngroup {
	struct ngroup *next;
	char *input_id;
	json_t *messages;
	const struct oed_gen *gen;
	unsigned k;		/* n */
	unsigned *samples;	/* [k]: choice i answers sample samples[i] */
	void **users;		/* [k]: each sample's handle, NULL until submitted */
};

struct http {
	struct oed_net *net;
	char *url;
	char *auth;		/* the header carrying the key, or NULL */
	bool completion_tokens;	/* send max_completion_tokens */
	bool no_n;		/* the server refused n > 1: one request per sample */
	struct ngroup *groups;	/* in flight */
	struct oed_prov_req *redo;	/* samples of a refused group, to send one by one */
	size_t nredo, capredo;
};

static void
ngroup_free(struct ngroup *g)
{
	free(g->input_id);
	json_decref(g->messages);
	free(g->samples);
	free(g->users);
	free(g);
}

static void
redo_clear(struct http *h)
{
	size_t i;

	for (i = 0; i < h->nredo; i++) {
		json_decref(h->redo[i].messages);
		free((char *)h->redo[i].input_id);
	}
	h->nredo = 0;
}

static void
groups_clear(struct http *h)
{
	while (h->groups) {
		struct ngroup *g = h->groups;

		h->groups = g->next;
		ngroup_free(g);
	}
}

static char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return strdup(v && v[0] ? v : dflt);
}

int
oed_http_init(struct oed_provider *p, const struct oed_provider_opts *o, struct oed_err *err)
{
	bool anthropic = p->kind == OED_PROV_ANTHROPIC;
	const char *keyvar = o->api_key_env ? o->api_key_env :
			     anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
	const char *key = getenv(keyvar);
	char *base;
	size_t bl;
	struct http *h;
	struct oed_net_opts no;

	if (o->net)
		no = *o->net;
	else
		oed_net_opts_init(&no);
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	p->http = h;
	base = o->base_url ? strdup(o->base_url) :
	       anthropic ? env_or("ANTHROPIC_BASE_URL", "https://api.anthropic.com") :
			   env_or("OPENAI_BASE_URL", "https://api.openai.com/v1");
	if (base == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		base[--bl] = '\0';
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
		oed_err_set(err, OED_EX_USAGE, "--base-url: '%s' is not an http:// or https:// URL", base);
		free(base);
		return -1;
	}
	h->url = malloc(bl + 32);
	if (h->url == NULL) {
		free(base);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	snprintf(h->url, bl + 32, "%s%s", base, anthropic ? "/v1/messages" : "/chat/completions");
	h->completion_tokens = !anthropic && strstr(base, "://api.openai.com") != NULL;
	if ((key == NULL || key[0] == '\0') &&
	    (strstr(base, "://api.openai.com") || strstr(base, "://api.anthropic.com"))) {
		free(base);
		return oed_err_set(err, OED_EX_USAGE, "%s is not set: %s needs an API key", keyvar,
				   anthropic ? "the Anthropic API" : "the OpenAI API");
	}
	free(base);
	if (key && key[0]) {
		size_t n = strlen(key) + 32;

		h->auth = malloc(n);
		if (h->auth == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		snprintf(h->auth, n, anthropic ? "x-api-key: %s" : "Authorization: Bearer %s", key);
	}
	h->net = oed_net_new(&no, err);
	if (h->net == NULL)
		return -1;
	if (key && key[0] && oed_net_secret(h->net, key) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	p->concurrency = no.concurrency;
	return 0;
}

void
oed_http_free(struct oed_provider *p)
{
	struct http *h = p->http;

	if (h == NULL)
		return;
	oed_net_free(h->net);
	groups_clear(h);
	redo_clear(h);
	free(h->redo);
	if (h->auth) {
		explicit_bzero(h->auth, strlen(h->auth));
		free(h->auth);
	}
	free(h->url);
	free(h);
	p->http = NULL;
}

const char *
oed_http_url(const struct oed_provider *p)
{
	return p->http->url;
}

static void
set_stop(json_t *o, const char *key, const struct oed_gen *g)
{
	json_t *a;
	size_t i;

	if (g->nstop == 0)
		return;
	a = json_array();
	for (i = 0; i < g->nstop; i++)
		json_array_append_new(a, json_string(g->stop[i]));
	json_object_set_new(o, key, a);
}

char *
oed_http_body(struct oed_provider *p, const struct oed_prov_req *r, bool per_sample,
	      struct oed_err *err)
{
	const struct oed_gen *g = r->gen;
	json_t *o = json_object();
	char *s;

	if (o == NULL)
		goto nomem;
	json_object_set_new(o, "model", json_string(p->model));
	if (p->kind == OED_PROV_ANTHROPIC) {
		json_t *msgs = json_array(), *m;
		size_t i;

		json_object_set_new(o, "max_tokens", json_integer(g->max_tokens ? g->max_tokens : 1024));
		json_array_foreach(r->messages, i, m) {
			const char *role = json_string_value(json_object_get(m, "role"));

			if (role && strcmp(role, "system") == 0)
				json_object_set(o, "system", json_object_get(m, "content"));
			else
				json_array_append(msgs, m);
		}
		json_object_set_new(o, "messages", msgs);
		set_stop(o, "stop_sequences", g);
	} else {
		json_object_set(o, "messages", r->messages);
		if (g->max_tokens)
			json_object_set_new(o, p->http->completion_tokens ? "max_completion_tokens" : "max_tokens",
					    json_integer(g->max_tokens));
		set_stop(o, "stop", g);
		if (g->has_seed)
			json_object_set_new(o, "seed",
					    json_integer(g->seed + (per_sample ? r->sample : 0)));
	}
	if (!isnan(g->temperature))
		json_object_set_new(o, "temperature", json_real(g->temperature));
	if (!isnan(g->top_p))
		json_object_set_new(o, "top_p", json_real(g->top_p));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s)
		return s;
nomem:
	oed_err_set(err, OED_EX_FAIL, "out of memory");
	return NULL;
}

/* Send one request: one sample, or with n > 1 the samples of group g. */
static int
send_one(struct oed_provider *p, const struct oed_prov_req *r, struct ngroup *g,
	 struct oed_err *err)
{
	struct http *h = p->http;
	const char *headers[4];
	struct oed_net_req req = { 0 };
	size_t nh = 0;
	struct oed_prov_req q = *r;
	char *body;
	int rc;

	if (g != NULL)
		q.sample = g->samples[0];	/* seed + the first sample asked */
	body = oed_http_body(p, &q, true, err);
	if (body == NULL)
		return -1;
	if (g != NULL) {
		/* the body is a compact JSON object: n goes before its closing brace */
		size_t len = strlen(body);
		char *b = realloc(body, len + 32);

		if (b == NULL) {
			free(body);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		body = b;
		snprintf(body + len - 1, 32, ",\"n\":%u}", g->k);
	}
	headers[nh++] = "Content-Type: application/json";
	if (h->auth)
		headers[nh++] = h->auth;
	if (p->kind == OED_PROV_ANTHROPIC)
		headers[nh++] = "anthropic-version: 2023-06-01";
	headers[nh] = NULL;
	req.url = h->url;
	req.headers = headers;
	req.body = body;
	req.len = strlen(body);
	/* what the tokens-per-minute budget charges: the prompt, roughly, and the most the answer may take */
	req.tokens = (double)req.len / 4 + (r->gen->max_tokens ? (double)r->gen->max_tokens : 256);
	req.user = g != NULL ? (void *)g : r->user;
	rc = oed_net_submit(h->net, &req, err);
	free(body);
	return rc;
}

int
oed_http_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err)
{
	struct http *h = p->http;
	struct ngroup *g;
	unsigned i;

	if (p->kind != OED_PROV_OPENAI || h->no_n || r->batch == NULL || r->nbatch < 2)
		return send_one(p, r, NULL, err);
	/* a later sample of the batch joins the request of its first */
	for (g = h->groups; g != NULL; g = g->next)
		if (strcmp(g->input_id, r->input_id) == 0)
			for (i = 0; i < g->k; i++)
				if (g->samples[i] == r->sample && g->users[i] == NULL) {
					g->users[i] = r->user;
					return 0;
				}
	if (r->sample != r->batch[0])
		return send_one(p, r, NULL, err);	/* not the batch's first: not grouped */
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->users = calloc(r->nbatch, sizeof(*g->users))) == NULL ||
	    (g->samples = malloc(r->nbatch * sizeof(*g->samples))) == NULL ||
	    (g->input_id = strdup(r->input_id)) == NULL) {
		if (g != NULL)
			ngroup_free(g);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	g->messages = json_incref(r->messages);
	g->gen = r->gen;
	g->k = r->nbatch;
	memcpy(g->samples, r->batch, r->nbatch * sizeof(*g->samples));
	g->users[0] = r->user;
	if (send_one(p, r, g, err) == -1) {
		ngroup_free(g);
		return -1;
	}
	g->next = h->groups;
	h->groups = g;
	return 0;
}

/* A 2xx body into r, through the shared parser; false with r->error when it is not an answer. */
static bool
parse_body(const struct oed_provider *p, const char *body, size_t len, struct oed_prov_resp *r)
{
	struct oed_llm_response lr;
	struct oed_err err;
	json_error_t je;
	json_t *o = json_loadb(body, len, JSON_ALLOW_NUL, &je);
	int rc;

	if (o == NULL) {
		snprintf(r->error, sizeof(r->error), "malformed JSON in the response: %s", je.text);
		return false;
	}
	oed_llm_response_init(&lr);
	rc = p->kind == OED_PROV_ANTHROPIC ? oed_anthropic_parse_messages(o, &lr, &err) :
					     oed_openai_parse_chat(o, &lr, &err);
	json_decref(o);
	if (rc == -1) {
		snprintf(r->error, sizeof(r->error), "unexpected response: %.400s", err.msg);
		return false;
	}
	if (oed_llm_response_failed(&lr)) {
		snprintf(r->error, sizeof(r->error), "the API answered an error: %s",
			 lr.error_message ? lr.error_message : lr.error_type);
		oed_llm_response_release(&lr);
		return false;
	}
	if (lr.text == NULL) {
		lr.text = strdup("");
		lr.text_len = 0;
	}
	r->output = lr.text;
	r->output_len = lr.text_len;
	r->model = lr.model;
	r->finish_reason = lr.finish_reason;
	r->fingerprint = lr.system_fingerprint;
	lr.text = lr.model = lr.finish_reason = lr.system_fingerprint = NULL;
	r->tokens_in = lr.prompt_tokens;
	r->tokens_out = lr.completion_tokens;
	r->tokens_cached = lr.cached_tokens;
	r->tokens_reasoning = lr.reasoning_tokens;
	oed_llm_response_release(&lr);
	if (r->output == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return false;
	}
	return true;
}

/* The answer to a group's request: each sample asked its choice. */
static void
group_done(struct oed_provider *p, struct ngroup *g, const struct oed_net_result *nr)
{
	struct http *h = p->http;
	json_t *choices = NULL, *o = NULL;
	struct oed_prov_resp base = { .attempts = nr->attempts };
	bool ok = false, first = true;
	unsigned s;

	base.tokens_in = base.tokens_out = base.tokens_cached = base.tokens_reasoning = -1;
	base.latency_ms = nr->latency_ms;
	if (nr->failed && nr->status == 400) {
		/* refused: every sample again on its own, now and for the rest of the
		 * run (groups already in flight are refused too) */
		h->no_n = true;
		for (s = 0; s < g->k; s++) {
			struct oed_prov_req *q;

			if (g->users[s] == NULL)
				continue;
			if (h->nredo == h->capredo) {
				size_t cap = h->capredo ? h->capredo * 2 : 16;
				struct oed_prov_req *n = realloc(h->redo, cap * sizeof(*n));

				if (n == NULL)
					break;	/* NEEDSWORK: lost on out of memory */
				h->redo = n;
				h->capredo = cap;
			}
			q = &h->redo[h->nredo];
			memset(q, 0, sizeof(*q));
			q->messages = json_incref(g->messages);
			q->gen = g->gen;
			q->input_id = strdup(g->input_id);
			q->sample = g->samples[s];
			q->user = g->users[s];
			if (q->input_id == NULL) {
				json_decref(q->messages);
				break;
			}
			h->nredo++;
		}
		return;
	}
	if (nr->failed) {
		base.failed = true;
		base.fatal = nr->quota || nr->status == 401 || nr->status == 403;
		base.unavailable = nr->exhausted;
		snprintf(base.error, sizeof(base.error), "%s", nr->error);
	} else if (!parse_body(p, nr->body, nr->len, &base)) {
		base.failed = true;
	} else {
		o = json_loadb(nr->body, nr->len, JSON_ALLOW_NUL, NULL);
		choices = json_object_get(o, "choices");
		ok = true;
	}
	for (s = 0; s < g->k; s++) {
		struct oed_prov_resp r = base;
		json_t *c = NULL;
		const char *text, *fin;

		if (g->users[s] == NULL)
			continue;
		r.user = g->users[s];
		r.output = r.model = r.fingerprint = r.finish_reason = NULL;
		if (ok) {
			size_t i;
			json_t *e;

			json_array_foreach(choices, i, e) {
				json_t *ix = json_object_get(e, "index");

				if ((json_is_integer(ix) ? (size_t)json_integer_value(ix) : i) == s) {
					c = e;
					break;
				}
			}
			text = json_string_value(json_object_get(json_object_get(c, "message"), "content"));
			fin = json_string_value(json_object_get(c, "finish_reason"));
			if (c == NULL) {
				r.failed = true;
				snprintf(r.error, sizeof(r.error),
					 "the server gave %zu choices for n = %u", json_array_size(choices), g->k);
			} else {
				r.output = strdup(text ? text : "");
				r.output_len = text ? strlen(text) : 0;
				r.model = base.model ? strdup(base.model) : NULL;
				r.fingerprint = base.fingerprint ? strdup(base.fingerprint) : NULL;
				r.finish_reason = fin ? strdup(fin) : NULL;
				if (!first)
					r.tokens_in = r.tokens_out = r.tokens_cached = r.tokens_reasoning = 0;
				first = false;
			}
		}
		if (oed_prov_ready(p, &r) == -1)
			oed_prov_resp_release(&r);	/* NEEDSWORK: lost on out of memory */
	}
	json_decref(o);
	oed_prov_resp_release(&base);
}

static void
on_done(const struct oed_net_result *nr, void *ctx)
{
	struct oed_provider *p = ctx;
	struct oed_prov_resp r = { .user = nr->user, .attempts = nr->attempts };
	struct ngroup **gp;

	for (gp = &p->http->groups; *gp != NULL; gp = &(*gp)->next)
		if (*gp == nr->user) {
			struct ngroup *g = *gp;

			*gp = g->next;
			group_done(p, g, nr);
			ngroup_free(g);
			return;
		}

	r.tokens_in = r.tokens_out = r.tokens_cached = r.tokens_reasoning = -1;
	r.latency_ms = nr->latency_ms;
	if (nr->failed) {
		r.failed = true;
		r.fatal = nr->quota || nr->status == 401 || nr->status == 403;
		r.unavailable = nr->exhausted;
		snprintf(r.error, sizeof(r.error), "%s", nr->error);
	} else if (!parse_body(p, nr->body, nr->len, &r)) {
		r.failed = true;
		oed_prov_resp_release(&r);
	}
	if (oed_prov_ready(p, &r) == -1)
		oed_prov_resp_release(&r);	/* NEEDSWORK: lost on out of memory */
}

int
oed_http_poll(struct oed_provider *p, int timeout_ms, struct oed_err *err)
{
	struct http *h = p->http;
	size_t i;
	int rc;

	rc = oed_net_poll(h->net, h->nredo ? 0 : timeout_ms, on_done, p, err);
	for (i = 0; rc == 0 && i < h->nredo; i++)
		rc = send_one(p, &h->redo[i], NULL, err);
	redo_clear(h);
	return rc;
}

size_t
oed_http_room(const struct oed_provider *p)
{
	return oed_net_room(p->http->net);
}

size_t
oed_http_inflight(const struct oed_provider *p)
{
	return oed_net_pending(p->http->net) + p->http->nredo;
}

void
oed_http_abandon(struct oed_provider *p)
{
	oed_net_abandon(p->http->net);
	groups_clear(p->http);
	redo_clear(p->http);
}

void
oed_http_counts(const struct oed_provider *p, struct oed_prov_counts *c)
{
	struct oed_net_stats s;

	oed_net_stats(p->http->net, &s);
	c->requests = s.attempts;
	c->retries = s.retries;
	c->concurrency = s.concurrency;
}
