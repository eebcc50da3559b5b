/*
 * provider_impl.h: what the provider kinds share inside lib/provider/
 * (not for callers: see provider.h).
 */
#ifndef OED_PROVIDER_IMPL_H
#define OED_PROVIDER_IMPL_H

#include "provider.h"

struct replay_entry {
	char *key;		/* input_id NUL sample as text */
	size_t klen;
	json_t *rec;
};

struct proc;
struct http;

struct oed_provider {
	enum oed_provider_kind kind;
	char *spec, *model;
	struct oed_prov_counts counts;
	unsigned concurrency;
	/* finished responses waiting for the next poll */
	struct oed_prov_resp *ready;
	size_t nready, capready;
	/* replay */
	struct replay_entry *tab;
	size_t tabcap, tabn;
	/* command */
	char **argv;
	size_t argc;
	bool command_json;
	double timeout_s;
	struct proc *procs;
	size_t nprocs, capprocs;
	/* openai, anthropic */
	struct http *http;
};

/* Queue a finished response (takes the strings in r). 0 or -1 on no memory. */
int oed_prov_ready(struct oed_provider *p, struct oed_prov_resp *r);
void oed_prov_resp_release(struct oed_prov_resp *r);
/* The JSON a request stands for with --command-io json and in canonical texts. */
json_t *oed_prov_request_json(const struct oed_prov_req *r, bool with_sample);

int oed_command_init(struct oed_provider *p, const char *argv, struct oed_err *err);
int oed_command_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err);
int oed_command_poll(struct oed_provider *p, int timeout_ms, struct oed_err *err);
void oed_command_abandon(struct oed_provider *p);

int oed_http_init(struct oed_provider *p, const struct oed_provider_opts *o, struct oed_err *err);
void oed_http_free(struct oed_provider *p);
char *oed_http_body(struct oed_provider *p, const struct oed_prov_req *r, bool per_sample,
		    struct oed_err *err);
const char *oed_http_url(const struct oed_provider *p);
int oed_http_submit(struct oed_provider *p, const struct oed_prov_req *r, struct oed_err *err);
int oed_http_poll(struct oed_provider *p, int timeout_ms, struct oed_err *err);
size_t oed_http_room(const struct oed_provider *p);
size_t oed_http_inflight(const struct oed_provider *p);
void oed_http_abandon(struct oed_provider *p);
void oed_http_counts(const struct oed_provider *p, struct oed_prov_counts *c);

#endif
