/* provider.c: provider specs, dispatch, the replay provider, argv splitting (provider.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "config/cfg.h"
#include "exit.h"
#include "opt.h"
#include "provider_impl.h"

void
oed_prov_resp_release(struct oed_prov_resp *r)
{
	free(r->output);
	free(r->model);
	free(r->fingerprint);
	free(r->finish_reason);
	r->output = r->model = r->fingerprint = r->finish_reason = NULL;
}

int
oed_prov_ready(struct oed_provider *p, struct oed_prov_resp *r)
{
	if (p->nready == p->capready) {
		size_t cap = p->capready ? p->capready * 2 : 16;
		struct oed_prov_resp *q = realloc(p->ready, cap * sizeof(*q));

		if (q == NULL)
			return -1;
		p->ready = q;
		p->capready = cap;
	}
	p->ready[p->nready++] = *r;
	return 0;
}

json_t *
oed_prov_request_json(const struct oed_prov_req *r, bool with_sample)
{
	const struct oed_gen *g = r->gen;
	json_t *o = json_object(), *stop;
	size_t i;

	if (o == NULL)
		return NULL;
	json_object_set(o, "messages", r->messages);
	if (!isnan(g->temperature))
		json_object_set_new(o, "temperature", json_real(g->temperature));
	if (!isnan(g->top_p))
		json_object_set_new(o, "top_p", json_real(g->top_p));
	if (g->max_tokens)
		json_object_set_new(o, "max_tokens", json_integer(g->max_tokens));
	if (g->nstop) {
		stop = json_array();
		for (i = 0; i < g->nstop; i++)
			json_array_append_new(stop, json_string(g->stop[i]));
		json_object_set_new(o, "stop", stop);
	}
	if (g->has_seed)
		json_object_set_new(o, "seed", json_integer(g->seed + (with_sample ? r->sample : 0)));
	if (with_sample) {
		json_object_set_new(o, "input_id", json_string(r->input_id));
		json_object_set_new(o, "sample", json_integer(r->sample));
	}
	return o;
}

/* --- replay ------------------------------------------------------------ */

static uint64_t
key_hash(const char *k, size_t n)
{
	return XXH3_64bits(k, n);
}

static char *
replay_key(const char *id, unsigned sample, size_t *len)
{
	size_t il = strlen(id);
	char *k = malloc(il + 24);

	if (k == NULL)
		return NULL;
	memcpy(k, id, il + 1);
	*len = il + 1 + (size_t)snprintf(k + il + 1, 23, "%u", sample);
	return k;
}

static struct replay_entry *
replay_slot(struct oed_provider *p, const char *k, size_t n)
{
	size_t i = key_hash(k, n) & (p->tabcap - 1);

	while (p->tab[i].key != NULL &&
	       !(p->tab[i].klen == n && memcmp(p->tab[i].key, k, n) == 0))
		i = (i + 1) & (p->tabcap - 1);
	return &p->tab[i];
}

static int
replay_grow(struct oed_provider *p)
{
	struct replay_entry *old = p->tab;
	size_t oldcap = p->tabcap, i;

	p->tabcap = oldcap ? oldcap * 2 : 1024;
	p->tab = calloc(p->tabcap, sizeof(*p->tab));
	if (p->tab == NULL)
		return -1;
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			*replay_slot(p, old[i].key, old[i].klen) = old[i];
	free(old);
	return 0;
}

static int
replay_load(struct oed_provider *p, const char *path, struct oed_err *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, id[64];
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = -1;

	if (fp == NULL)
		return oed_err_set(err, OED_EX_USAGE, "replay: cannot open '%s': %s", path, strerror(errno));
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *rec, *jid, *js, *jo;
		json_error_t je;
		struct replay_entry *e;
		const char *ids;
		long long sample = 0;
		char *k;
		size_t klen;

		lineno++;
		if (n == 1 && line[0] == '\n')
			continue;
		rec = json_loadb(line, (size_t)n, JSON_ALLOW_NUL, &je);
		if (rec == NULL || !json_is_object(rec)) {
			oed_err_at(err, OED_EX_DATA, path, lineno, 0, "%s",
				   rec ? "not a JSON object" : je.text);
			json_decref(rec);
			goto out;
		}
		jid = json_object_get(rec, "input_id");
		js = json_object_get(rec, "sample");
		jo = json_object_get(rec, "output");
		if (json_is_integer(jid)) {
			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
			ids = id;
		} else if (json_is_string(jid)) {
			ids = json_string_value(jid);
		} else {
			oed_err_at(err, OED_EX_DATA, path, lineno, 0, "field 'input_id' is %s",
				   jid ? "not a string" : "missing");
			json_decref(rec);
			goto out;
		}
		if (js != NULL && (!json_is_integer(js) || json_integer_value(js) < 0)) {
			oed_err_at(err, OED_EX_DATA, path, lineno, 0,
				   "field 'sample' is not a whole number from 0");
			json_decref(rec);
			goto out;
		}
		if (js)
			sample = json_integer_value(js);
		if (!json_is_string(jo)) {
			oed_err_at(err, OED_EX_DATA, path, lineno, 0, "field 'output' is %s",
				   jo ? "not a string" : "missing");
			json_decref(rec);
			goto out;
		}
		if ((p->tabn + 1) * 2 > p->tabcap && replay_grow(p) == -1) {
			json_decref(rec);
			goto nomem;
		}
		if ((k = replay_key(ids, (unsigned)sample, &klen)) == NULL) {
			json_decref(rec);
			goto nomem;
		}
		e = replay_slot(p, k, klen);
		if (e->key != NULL) {
			oed_err_at(err, OED_EX_DATA, path, lineno, 0,
				   "input '%s' sample %lld is recorded twice", ids, sample);
			free(k);
			json_decref(rec);
			goto out;
		}
		e->key = k;
		e->klen = klen;
		e->rec = rec;
		p->tabn++;
	}
	if (ferror(fp)) {
		oed_err_set(err, OED_EX_FAIL, "replay: cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	oed_err_set(err, OED_EX_FAIL, "out of memory");
out:
	free(line);
	fclose(fp);
	return rc;
}

static char *
opt_str(json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static long long
opt_int(json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static int
replay_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err)
{
	struct oed_prov_resp resp = { .user = r->user, .attempts = 0 };
	struct replay_entry *e = NULL;
	size_t klen;
	char *k = replay_key(r->input_id, r->sample, &klen);
	json_t *v;

	if (k == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (p->tabcap)
		e = replay_slot(p, k, klen);
	free(k);
	resp.tokens_in = resp.tokens_out = resp.tokens_cached = resp.tokens_reasoning = -1;
	if (e == NULL || e->key == NULL) {
		resp.failed = true;
		snprintf(resp.error, sizeof(resp.error), "no recorded output for input '%s' sample %u",
			 r->input_id, r->sample);
	} else {
		v = json_object_get(e->rec, "output");
		resp.output_len = json_string_length(v);
		resp.output = malloc(resp.output_len + 1);
		if (resp.output)
			memcpy(resp.output, json_string_value(v), resp.output_len + 1);
		resp.model = opt_str(e->rec, "model");
		resp.finish_reason = opt_str(e->rec, "finish_reason");
		resp.tokens_in = opt_int(e->rec, "tokens_in");
		resp.tokens_out = opt_int(e->rec, "tokens_out");
		v = json_object_get(e->rec, "latency_ms");
		resp.latency_ms = json_is_number(v) ? json_number_value(v) : -1;
		if (resp.output == NULL) {
			oed_prov_resp_release(&resp);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
	}
	if (oed_prov_ready(p, &resp) == -1) {
		oed_prov_resp_release(&resp);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

/* --- dispatch ---------------------------------------------------------- */

struct oed_provider *
oed_provider_new(const char *spec, const struct oed_provider_opts *o, struct oed_err *err)
{
	static const char *const kinds[] = { "openai", "anthropic", "command", "replay" };
	const char *colon = strchr(spec, ':'), *near;
	struct oed_provider *p;
	size_t i, n = colon ? (size_t)(colon - spec) : strlen(spec);
	char kind[32];
	int rc;

	snprintf(kind, sizeof(kind), "%.*s", (int)(n < 31 ? n : 31), spec);
	for (i = 0; i < 4; i++)
		if (strcmp(kind, kinds[i]) == 0)
			break;
	if (i == 4) {
		near = oed_did_you_mean(kind, kinds, 4);
		if (near)
			oed_err_set(err, OED_EX_USAGE, "-m: unknown provider '%s' (did you mean '%s'?)", kind, near);
		else
			oed_err_set(err, OED_EX_USAGE,
				    "-m: unknown provider '%s' (openai, anthropic, command, replay)", kind);
		return NULL;
	}
	if (colon == NULL || colon[1] == '\0') {
		oed_err_set(err, OED_EX_USAGE, "-m: '%s' needs %s after the colon, like %s:%s", spec,
			    i == 2 ? "a command" : i == 3 ? "a file" : "a model", kind,
			    i == 2 ? "./answer.sh" : i == 3 ? "outputs.jsonl" : "MODEL");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->spec = strdup(spec)) == NULL) {
		free(p);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	p->kind = (enum oed_provider_kind)i;
	p->model = strdup(i < 2 ? colon + 1 : "");
	p->timeout_s = o->timeout_s;
	p->command_json = o->command_json;
	p->concurrency = o->concurrency ? o->concurrency : 8;
	if (p->model == NULL) {
		oed_provider_free(p);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	switch (p->kind) {
	case OED_PROV_REPLAY:
		rc = replay_load(p, colon + 1, err);
		break;
	case OED_PROV_COMMAND:
		rc = oed_command_init(p, colon + 1, err);
		break;
	default:
		rc = oed_http_init(p, o, err);
	}
	if (rc == -1) {
		oed_provider_free(p);
		return NULL;
	}
	return p;
}

void
oed_provider_free(struct oed_provider *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->kind == OED_PROV_COMMAND)
		oed_command_abandon(p);
	if (p->kind == OED_PROV_OPENAI || p->kind == OED_PROV_ANTHROPIC)
		oed_http_free(p);
	for (i = 0; i < p->nready; i++)
		oed_prov_resp_release(&p->ready[i]);
	free(p->ready);
	for (i = 0; i < p->tabcap; i++) {
		free(p->tab[i].key);
		json_decref(p->tab[i].rec);
	}
	free(p->tab);
	oed_free_argv(p->argv, p->argc);
	free(p->procs);
	free(p->spec);
	free(p->model);
	free(p);
}

enum oed_provider_kind
oed_provider_kind(const struct oed_provider *p)
{
	return p->kind;
}

const char *
oed_provider_spec(const struct oed_provider *p)
{
	return p->spec;
}

const char *
oed_provider_model(const struct oed_provider *p)
{
	return p->model;
}

bool
oed_provider_caches(const struct oed_provider *p)
{
	return p->kind != OED_PROV_REPLAY;
}

char *
oed_provider_canonical(struct oed_provider *p, const struct oed_prov_req *r, char **body,
		       struct oed_err *err)
{
	json_t *o, *req;
	char *s;

	if (body)
		*body = NULL;
	if (p->kind == OED_PROV_OPENAI || p->kind == OED_PROV_ANTHROPIC) {
		char *b = oed_http_body(p, r, false, err);

		if (b == NULL)
			return NULL;
		req = json_loads(b, 0, NULL);
		free(b);
		if (body && (*body = oed_http_body(p, r, true, err)) == NULL) {
			json_decref(req);
			return NULL;
		}
	} else {
		req = oed_prov_request_json(r, false);
		if (body) {
			json_t *full = p->kind == OED_PROV_COMMAND && !p->command_json ?
				       json_string(r->prompt) : oed_prov_request_json(r, true);

			*body = full ? json_dumps(full, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			json_decref(full);
		}
	}
	o = json_object();
	if (o == NULL || req == NULL) {
		json_decref(o);
		json_decref(req);
		goto nomem;
	}
	json_object_set_new(o, "provider", json_string(p->kind == OED_PROV_OPENAI ? "openai" :
				p->kind == OED_PROV_ANTHROPIC ? "anthropic" :
				p->kind == OED_PROV_COMMAND ? "command" : "replay"));
	if (p->kind == OED_PROV_OPENAI || p->kind == OED_PROV_ANTHROPIC) {
		json_object_set_new(o, "url", json_string(oed_http_url(p)));
	} else if (p->kind == OED_PROV_COMMAND) {
		json_t *a = json_array();
		size_t i;

		for (i = 0; i < p->argc; i++)
			json_array_append_new(a, json_string(p->argv[i]));
		json_object_set_new(o, "argv", a);
		json_object_set_new(o, "io", json_string(p->command_json ? "json" : "text"));
	}
	json_object_set_new(o, "request", req);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (s != NULL)
		return s;
nomem:
	if (body) {
		free(*body);
		*body = NULL;
	}
	oed_err_set(err, OED_EX_FAIL, "out of memory");
	return NULL;
}

int
oed_provider_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err)
{
	p->counts.requests++;
	switch (p->kind) {
	case OED_PROV_REPLAY:
		return replay_submit(p, r, err);
	case OED_PROV_COMMAND:
		return oed_command_submit(p, r, err);
	default:
		return oed_http_submit(p, r, err);
	}
}

size_t
oed_provider_room(const struct oed_provider *p)
{
	switch (p->kind) {
	case OED_PROV_REPLAY:
		return 64;
	case OED_PROV_COMMAND:
		return p->nprocs < p->concurrency ? p->concurrency - p->nprocs : 0;
	default:
		return oed_http_room(p);
	}
}

size_t
oed_provider_inflight(const struct oed_provider *p)
{
	switch (p->kind) {
	case OED_PROV_REPLAY:
		return p->nready;
	case OED_PROV_COMMAND:
		return p->nprocs + p->nready;
	default:
		return oed_http_inflight(p) + p->nready;
	}
}

int
oed_provider_poll(struct oed_provider *p, int timeout_ms, oed_prov_done done, void *ctx,
		  struct oed_err *err)
{
	size_t i, n;
	int rc = 0;

	if (p->nready)
		timeout_ms = 0;
	if (p->kind == OED_PROV_COMMAND)
		rc = oed_command_poll(p, timeout_ms, err);
	else if (p->kind != OED_PROV_REPLAY)
		rc = oed_http_poll(p, timeout_ms, err);
	/* callbacks may submit more, which may queue more: take this batch only */
	n = p->nready;
	for (i = 0; i < n; i++) {
		struct oed_prov_resp r = p->ready[i];

		done(&r, ctx);
		oed_prov_resp_release(&r);
	}
	if (n > 0) {
		memmove(p->ready, p->ready + n, (p->nready - n) * sizeof(*p->ready));
		p->nready -= n;
	}
	return rc;
}

void
oed_provider_abandon(struct oed_provider *p)
{
	size_t i;

	if (p->kind == OED_PROV_COMMAND)
		oed_command_abandon(p);
	else if (p->kind != OED_PROV_REPLAY)
		oed_http_abandon(p);
	for (i = 0; i < p->nready; i++)
		oed_prov_resp_release(&p->ready[i]);
	p->nready = 0;
}

void
oed_provider_counts(const struct oed_provider *p, struct oed_prov_counts *c)
{
	*c = p->counts;
	c->concurrency = p->concurrency;
	if (p->kind == OED_PROV_OPENAI || p->kind == OED_PROV_ANTHROPIC)
		oed_http_counts(p, c);
}

/* --- argv -------------------------------------------------------------- */

void
oed_free_argv(char **argv, size_t argc)
{
	size_t i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int
oed_split_argv(const char *s, char ***argvp, size_t *argcp, struct oed_err *err)
{
	char **argv = NULL, *word = malloc(strlen(s) + 1);
	size_t argc = 0, len = 0;
	bool in_word = false;
	char q = 0;

	if (word == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (;; s++) {
		char c = *s;

		if (q == '\'') {
			if (c == '\0')
				goto unclosed;
			if (c == '\'')
				q = 0;
			else
				word[len++] = c;
			continue;
		}
		if (q == '"') {
			if (c == '\0')
				goto unclosed;
			if (c == '"')
				q = 0;
			else if (c == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '$' || s[1] == '`'))
				word[len++] = *++s;
			else
				word[len++] = c;
			continue;
		}
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				char **a = realloc(argv, (argc + 2) * sizeof(*a));

				if (a == NULL)
					goto nomem;
				argv = a;
				argv[argc] = malloc(len + 1);
				if (argv[argc] == NULL)
					goto nomem;
				memcpy(argv[argc], word, len);
				argv[argc++][len] = '\0';
				argv[argc] = NULL;
				len = 0;
				in_word = false;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_word = true;
		if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '\\') {
			if (s[1] == '\0')
				goto unclosed;
			word[len++] = *++s;
		} else {
			word[len++] = c;
		}
	}
	free(word);
	if (argc == 0) {
		free(argv);
		return oed_err_set(err, OED_EX_USAGE, "command: no program named");
	}
	*argvp = argv;
	*argcp = argc;
	return 0;
unclosed:
	free(word);
	oed_free_argv(argv, argc);
	return oed_err_set(err, OED_EX_USAGE, "command: unclosed quote or trailing backslash");
nomem:
	free(word);
	oed_free_argv(argv, argc);
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}
