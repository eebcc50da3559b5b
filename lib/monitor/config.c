/* config.c: monitor files into struct oed_monitor (monitor.h). */
#include "config.h"

#include "monitor.h"

#include <glob.h>
#include <errno.h>
#include <math.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "config/cfg.h"
#include "exit.h"
#include "opt.h"
#include "time.h"

static int
parse_path(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	   struct oed_path *p, struct oed_err *err)
{
	const char *s;

	if (oed_cfg_string(c, n, what, &s, err) == -1)
		return -1;
	if (oed_path_parse(p, s, err) == -1)
		return oed_cfg_error(c, n, err, "%s: %s", what, err->msg);
	return 0;
}

static int
env_name(const struct oed_cfg *c, const struct oed_cfg_node *map, const char *key,
	 bool required, char **out, struct oed_err *err)
{
	const struct oed_cfg_node *n = oed_cfg_get(map, key);
	char what[64];

	if (n == NULL) {
		if (required)
			return oed_cfg_error(c, map, err, "'%s' is required", key);
		return 0;
	}
	snprintf(what, sizeof(what), "'%s'", key);
	return oed_cfg_strdup(c, n, what, true, out, err);
}

/* ---- source ---- */

static int
add_path(struct oed_mon_source *s, const char *p, struct oed_err *err)
{
	char **v = realloc(s->paths, (s->npaths + 1) * sizeof(*v));

	if (v == NULL)
		return oed_cfg_nomem(err);
	s->paths = v;
	if ((v[s->npaths] = strdup(p)) == NULL)
		return oed_cfg_nomem(err);
	s->npaths++;
	return 0;
}

/* lookback, overlap and max_pages of an API source (defaults 24h, 10m, 1000). */
static int
window_keys(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_mon_source *s,
	    struct oed_err *err)
{
	static const char *const durs[] = { "lookback", "overlap" };
	const struct oed_cfg_node *v;

	s->lookback_ms = 86400000;
	s->overlap_ms = 600000;
	s->max_pages = 1000;
	for (size_t i = 0; i < 2; i++) {
		const char *d;
		int64_t *out = i == 0 ? &s->lookback_ms : &s->overlap_ms;
		char what[32];

		if ((v = oed_cfg_get(n, durs[i])) == NULL)
			continue;
		snprintf(what, sizeof(what), "'%s'", durs[i]);
		if (oed_cfg_string(c, v, what, &d, err) == -1)
			return -1;
		if (oed_duration_parse(what, d, out, err) == -1)
			return oed_cfg_error(c, v, err, "%s", err->msg);
	}
	if ((v = oed_cfg_get(n, "max_pages")) &&
	    oed_cfg_long(c, v, "'max_pages'", 1, 1000000, &s->max_pages, err) == -1)
		return -1;
	return 0;
}

/* An http(s) URL as a literal value. */
static int
load_url(const struct oed_cfg *c, const struct oed_cfg_node *v, const char *what, char **out,
	 struct oed_err *err)
{
	if (oed_cfg_strdup(c, v, what, true, out, err) == -1)
		return -1;
	if (strncmp(*out, "http://", 7) != 0 && strncmp(*out, "https://", 8) != 0)
		return oed_cfg_error(c, v, err, "%s must start with http:// or https://", what);
	return 0;
}

/* A header that carries credentials: its value comes from the environment only. */
static bool
secret_header(const char *name)
{
	static const char *const words[] = { "auth", "token", "key", "secret", "cookie", "session",
					     "password", "signature" };

	if (strcasecmp(name, "authorization") == 0)
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(name, words[i]))
			return true;
	return false;
}

static int
load_headers(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_mon_source *s,
	     struct oed_err *err)
{
	static const char *const keys[] = { "env", "prefix", NULL };

	if (oed_cfg_expect(c, n, OED_CFG_MAP, "'headers'", err) == -1)
		return -1;
	if ((s->headers = calloc(n->n ? n->n : 1, sizeof(*s->headers))) == NULL)
		return oed_cfg_nomem(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct oed_cfg_node *k = n->keys[i], *v = n->items[i], *e;
		struct oed_mon_header *h = &s->headers[s->nheaders++];

		if (k->len == 0 || strpbrk(k->str, ": \t\r\n") != NULL)
			return oed_cfg_error(c, k, err, "'%s' is not a header name", oed_quote(k->str));
		if ((h->name = strdup(k->str)) == NULL)
			return oed_cfg_nomem(err);
		if (v->type == OED_CFG_SCALAR) {
			if (secret_header(k->str))
				return oed_cfg_error(c, v, err,
						     "header '%s' carries a secret: give {env: VARIABLE, prefix: ...}, not its value",
						     oed_quote(k->str));
			if (oed_cfg_strdup(c, v, "a header value", false, &h->value, err) == -1)
				return -1;
			if (strpbrk(h->value, "\r\n"))
				return oed_cfg_error(c, v, err, "a header value is one line");
			continue;
		}
		if (oed_cfg_expect(c, v, OED_CFG_MAP, "a header", err) == -1 ||
		    oed_cfg_check_keys(c, v, keys, "a header", err) == -1)
			return -1;
		if ((e = oed_cfg_get(v, "env")) == NULL)
			return oed_cfg_error(c, v, err, "a header from the environment needs 'env: VARIABLE'");
		if (oed_cfg_strdup(c, e, "'env'", true, &h->env, err) == -1)
			return -1;
		if ((e = oed_cfg_get(v, "prefix")) && oed_cfg_strdup(c, e, "'prefix'", false, &h->prefix, err) == -1)
			return -1;
	}
	return 0;
}

static int
load_http(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_mon_source *s,
	  struct oed_err *err)
{
	static const char *const keys[] = {
		"type", "url", "url_env", "items", "headers", "cursor", "page", "link", "max_pages",
		"since_param", "until_param", "since_format", "lookback", "overlap", NULL
	};
	static const char *const cursor_keys[] = { "field", "param", NULL };
	static const char *const page_keys[] = { "param", "start", "size_param", "size", NULL };
	const struct oed_cfg_node *v, *p;
	const char *txt;
	int npaging = 0;

	s->type = OED_MON_SRC_HTTP;
	s->page_size = 100;
	if (oed_cfg_check_keys(c, n, keys, "an http source", err) == -1 ||
	    window_keys(c, n, s, err) == -1)
		return -1;
	if (oed_cfg_get(n, "url") && oed_cfg_get(n, "url_env"))
		return oed_cfg_error(c, oed_cfg_get(n, "url_env"), err, "give 'url' or 'url_env', not both");
	if ((v = oed_cfg_get(n, "url")) != NULL) {
		if (load_url(c, v, "'url'", &s->url, err) == -1)
			return -1;
	} else if (env_name(c, n, "url_env", false, &s->url_env, err) == -1) {
		return -1;
	} else if (s->url_env == NULL) {
		return oed_cfg_error(c, n, err, "an http source needs 'url' or 'url_env'");
	}
	if ((v = oed_cfg_get(n, "items"))) {
		if (oed_cfg_string(c, v, "'items'", &txt, err) == -1)
			return -1;
		if (txt[0] && parse_path(c, v, "'items'", &s->items, err) == -1)
			return -1;
	}
	if ((v = oed_cfg_get(n, "headers")) && load_headers(c, v, s, err) == -1)
		return -1;
	if ((p = oed_cfg_get(n, "cursor"))) {
		npaging++;
		s->paging = OED_MON_PAGING_CURSOR;
		if (oed_cfg_expect(c, p, OED_CFG_MAP, "'cursor'", err) == -1 ||
		    oed_cfg_check_keys(c, p, cursor_keys, "'cursor'", err) == -1)
			return -1;
		if ((v = oed_cfg_get(p, "field")) == NULL || oed_cfg_get(p, "param") == NULL)
			return oed_cfg_error(c, p, err, "'cursor' needs 'field' (where the answer has the next cursor) and 'param'");
		if (parse_path(c, v, "'field'", &s->cursor_field, err) == -1 ||
		    oed_cfg_strdup(c, oed_cfg_get(p, "param"), "'param'", true, &s->cursor_param, err) == -1)
			return -1;
	}
	if ((p = oed_cfg_get(n, "page"))) {
		npaging++;
		s->paging = OED_MON_PAGING_PAGE;
		s->page_start = 1;
		if (oed_cfg_expect(c, p, OED_CFG_MAP, "'page'", err) == -1 ||
		    oed_cfg_check_keys(c, p, page_keys, "'page'", err) == -1)
			return -1;
		if ((v = oed_cfg_get(p, "param")) == NULL)
			return oed_cfg_error(c, p, err, "'page' needs 'param' (the page number's query parameter)");
		if (oed_cfg_strdup(c, v, "'param'", true, &s->page_param, err) == -1)
			return -1;
		if ((v = oed_cfg_get(p, "start")) && oed_cfg_long(c, v, "'start'", 0, 1000000, &s->page_start, err) == -1)
			return -1;
		if ((v = oed_cfg_get(p, "size_param")) &&
		    oed_cfg_strdup(c, v, "'size_param'", true, &s->size_param, err) == -1)
			return -1;
		if ((v = oed_cfg_get(p, "size")) && oed_cfg_long(c, v, "'size'", 1, 1000000, &s->page_size, err) == -1)
			return -1;
	}
	if ((p = oed_cfg_get(n, "link"))) {
		bool on = false;

		if (oed_cfg_bool(c, p, "'link'", &on, err) == -1)
			return -1;
		if (on) {
			npaging++;
			s->paging = OED_MON_PAGING_LINK;
		}
	}
	if (npaging > 1)
		return oed_cfg_error(c, n, err, "give one of 'cursor', 'page' and 'link', not several");
	if ((v = oed_cfg_get(n, "since_param")) && oed_cfg_strdup(c, v, "'since_param'", true, &s->since_param, err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "until_param"))) {
		if (s->since_param == NULL)
			return oed_cfg_error(c, v, err, "'until_param' goes with 'since_param'");
		if (oed_cfg_strdup(c, v, "'until_param'", true, &s->until_param, err) == -1)
			return -1;
	}
	if ((v = oed_cfg_get(n, "since_format"))) {
		if (oed_cfg_string(c, v, "'since_format'", &txt, err) == -1)
			return -1;
		if (strcmp(txt, "unix") == 0)
			s->since_unix = true;
		else if (strcmp(txt, "rfc3339") != 0)
			return oed_cfg_error(c, v, err, "since_format '%s': rfc3339 or unix", oed_quote(txt));
	}
	return 0;
}

static int
load_source(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	    struct oed_err *err)
{
	static const char *const types[] = { "jsonl", "command", "http", "langfuse", "slack" };
	static const char *const jsonl_keys[] = { "type", "path", "paths", NULL };
	static const char *const command_keys[] = { "type", "command", NULL };
	struct oed_mon_source *s = &m->source;
	const struct oed_cfg_node *t, *v;
	const char *type;
	size_t i;

	if (oed_cfg_expect(c, n, OED_CFG_MAP, "'source'", err) == -1)
		return -1;
	if ((t = oed_cfg_get(n, "type")) == NULL)
		return oed_cfg_error(c, n, err, "a source needs a 'type' (jsonl, command, langfuse, http or slack)");
	if (oed_cfg_string(c, t, "'type'", &type, err) == -1)
		return -1;
	if (strcmp(type, "jsonl") == 0) {
		s->type = OED_MON_SRC_JSONL;
		if (oed_cfg_check_keys(c, n, jsonl_keys, "a jsonl source", err) == -1)
			return -1;
		v = oed_cfg_get(n, "paths");
		if (v == NULL)
			v = oed_cfg_get(n, "path");
		if (v == NULL)
			return oed_cfg_error(c, n, err, "a jsonl source needs 'path' or 'paths' ('-' for standard input)");
		if (oed_cfg_get(n, "paths") && oed_cfg_get(n, "path"))
			return oed_cfg_error(c, oed_cfg_get(n, "path"), err,
					     "give 'path' or 'paths', not both");
		for (i = 0; i < (v->type == OED_CFG_SEQ ? v->n : 1); i++) {
			const struct oed_cfg_node *p = v->type == OED_CFG_SEQ ? v->items[i] : v;
			const char *txt;
			char *abs;
			glob_t g;
			int rc;

			if (oed_cfg_string(c, p, "a source path", &txt, err) == -1)
				return -1;
			if (strcmp(txt, "-") == 0) {
				if (add_path(s, "-", err) == -1)
					return -1;
				continue;
			}
			if ((abs = oed_cfg_resolve(c, txt)) == NULL)
				return oed_cfg_nomem(err);
			if (strpbrk(txt, "*?[") == NULL) {
				rc = add_path(s, abs, err);
				free(abs);
				if (rc == -1)
					return -1;
				continue;
			}
			rc = glob(abs, 0, NULL, &g);
			free(abs);
			if (rc == GLOB_NOSPACE)
				return oed_cfg_nomem(err);
			for (size_t j = 0; rc == 0 && j < g.gl_pathc; j++)
				if (add_path(s, g.gl_pathv[j], err) == -1) {
					globfree(&g);
					return -1;
				}
			if (rc == 0)
				globfree(&g);
		}
	} else if (strcmp(type, "command") == 0) {
		s->type = OED_MON_SRC_COMMAND;
		if (oed_cfg_check_keys(c, n, command_keys, "a command source", err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "command")) == NULL)
			return oed_cfg_error(c, n, err, "a command source needs 'command'");
		if (oed_cfg_strdup(c, v, "'command'", true, &s->command, err) == -1)
			return -1;
	} else if (strcmp(type, "langfuse") == 0) {
		static const char *const lf_keys[] = {
			"type", "host_env", "public_key_env", "secret_key_env", "objects", "filter",
			"lookback", "overlap", "page_size", "fields", "max_pages", NULL
		};
		static const char *const filter_keys[] = { "name", "tags", "user_id", NULL };
		static const char *const obs_filter_keys[] = { "name", "type", "user_id", NULL };
		const struct oed_cfg_node *f;

		s->type = OED_MON_SRC_LANGFUSE;
		s->page_size = 50;
		if (oed_cfg_check_keys(c, n, lf_keys, "a langfuse source", err) == -1 ||
		    env_name(c, n, "host_env", true, &s->host_env, err) == -1 ||
		    env_name(c, n, "public_key_env", true, &s->public_key_env, err) == -1 ||
		    env_name(c, n, "secret_key_env", true, &s->secret_key_env, err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "objects"))) {
			const char *o;

			if (oed_cfg_string(c, v, "'objects'", &o, err) == -1)
				return -1;
			if (strcmp(o, "observations") == 0)
				s->observations = true;
			else if (strcmp(o, "traces") != 0)
				return oed_cfg_error(c, v, err, "objects '%s': traces or observations",
						     oed_quote(o));
		}
		if (window_keys(c, n, s, err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "page_size")) &&
		    oed_cfg_long(c, v, "'page_size'", 1, s->observations ? 1000 : 100, &s->page_size, err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "fields"))) {
			if (!s->observations)
				return oed_cfg_error(c, v, err, "'fields' goes with objects: observations");
			if (oed_cfg_strdup(c, v, "'fields'", true, &s->obs_fields, err) == -1)
				return -1;
		}
		if ((f = oed_cfg_get(n, "filter"))) {
			if (oed_cfg_expect(c, f, OED_CFG_MAP, "'filter'", err) == -1 ||
			    oed_cfg_check_keys(c, f, s->observations ? obs_filter_keys : filter_keys,
					       s->observations ? "the filter of observations" : "the filter of traces",
					       err) == -1)
				return -1;
			if ((v = oed_cfg_get(f, "name")) && oed_cfg_strdup(c, v, "'name'", true, &s->name, err) == -1)
				return -1;
			if ((v = oed_cfg_get(f, "user_id")) && oed_cfg_strdup(c, v, "'user_id'", true, &s->user_id, err) == -1)
				return -1;
			if ((v = oed_cfg_get(f, "type")) && oed_cfg_strdup(c, v, "'type'", true, &s->obs_type, err) == -1)
				return -1;
			if ((v = oed_cfg_get(f, "tags"))) {
				size_t k = v->type == OED_CFG_SEQ ? v->n : 1;

				if ((s->tags = calloc(k ? k : 1, sizeof(*s->tags))) == NULL)
					return oed_cfg_nomem(err);
				for (size_t j = 0; j < k; j++)
					if (oed_cfg_strdup(c, v->type == OED_CFG_SEQ ? v->items[j] : v, "a tag", true,
						    &s->tags[s->ntags++], err) == -1)
						return -1;
			}
		}
	} else if (strcmp(type, "http") == 0) {
		if (load_http(c, n, s, err) == -1)
			return -1;
	} else if (strcmp(type, "slack") == 0) {
		static const char *const slack_keys[] = {
			"type", "token_env", "channel", "replies", "base_url", "lookback", "overlap",
			"page_size", "max_pages", NULL
		};

		s->type = OED_MON_SRC_SLACK;
		s->page_size = 200;
		if (oed_cfg_check_keys(c, n, slack_keys, "a slack source", err) == -1 ||
		    env_name(c, n, "token_env", true, &s->token_env, err) == -1 ||
		    window_keys(c, n, s, err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "channel")) == NULL)
			return oed_cfg_error(c, n, err, "a slack source needs 'channel' (an id such as C0123ABCD)");
		if (oed_cfg_strdup(c, v, "'channel'", true, &s->channel, err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "replies")) && oed_cfg_bool(c, v, "'replies'", &s->replies, err) == -1)
			return -1;
		if ((v = oed_cfg_get(n, "base_url")) && load_url(c, v, "'base_url'", &s->base_url, err) == -1)
			return -1;
		if (s->base_url == NULL && (s->base_url = strdup("https://slack.com/api")) == NULL)
			return oed_cfg_nomem(err);
		if ((v = oed_cfg_get(n, "page_size")) &&
		    oed_cfg_long(c, v, "'page_size'", 1, 999, &s->page_size, err) == -1)
			return -1;
	} else {
		oed_err_unknown(err, "source type", type, types, sizeof(types) / sizeof(types[0]));
		return oed_cfg_error(c, t, err, "%s", err->msg);
	}
	return 0;
}

/* The source's identity in the store: its type and what it reads. */
static int
source_ident(struct oed_monitor *m, struct oed_err *err)
{
	struct oed_mon_source *s = &m->source;
	struct oed_buf b;

	oed_buf_init(&b);
	if (s->type == OED_MON_SRC_COMMAND) {
		oed_buf_adds(&b, "command:");
		oed_buf_adds(&b, s->command);
	} else if (s->type == OED_MON_SRC_LANGFUSE) {
		/* the variables' names, never their values */
		oed_buf_printf(&b, "langfuse:%s:%s:%s", s->observations ? "observations" : "traces",
			       s->host_env, s->name ? s->name : "");
		for (size_t i = 0; i < s->ntags; i++)
			oed_buf_printf(&b, ":%s", s->tags[i]);
		if (s->obs_type)
			oed_buf_printf(&b, ":type=%s", s->obs_type);
	} else if (s->type == OED_MON_SRC_HTTP) {
		if (s->url)
			oed_buf_printf(&b, "http:%s", s->url);
		else
			oed_buf_printf(&b, "http:$%s", s->url_env);
		if (s->items.spec)
			oed_buf_printf(&b, ":%s", s->items.spec);
	} else if (s->type == OED_MON_SRC_SLACK) {
		oed_buf_printf(&b, "slack:%s", s->channel);
	} else {
		oed_buf_adds(&b, "jsonl:");
		for (size_t i = 0; i < s->npaths; i++) {
			if (i)
				oed_buf_addc(&b, '\n');
			oed_buf_adds(&b, s->paths[i]);
		}
	}
	s->ident = oed_buf_steal(&b, NULL);
	return s->ident ? 0 : oed_cfg_nomem(err);
}

static void
source_release(struct oed_mon_source *s)
{
	free(s->obs_type);
	free(s->obs_fields);
	free(s->url);
	free(s->url_env);
	oed_path_release(&s->items);
	for (size_t i = 0; i < s->nheaders; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value);
		free(s->headers[i].env);
		free(s->headers[i].prefix);
	}
	free(s->headers);
	oed_path_release(&s->cursor_field);
	free(s->cursor_param);
	free(s->page_param);
	free(s->size_param);
	free(s->since_param);
	free(s->until_param);
	free(s->token_env);
	free(s->channel);
	free(s->base_url);
}

/* ---- fields ---- */

static int
add_field(const struct oed_cfg *c, const struct oed_cfg_node *key, const struct oed_cfg_node *v,
	  struct oed_monitor *m, struct oed_err *err)
{
	static const char *const keys[] = { "path", "regex", NULL };
	struct oed_mon_field *f;
	const struct oed_cfg_node *pn = v, *rn = NULL;
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (strcmp(m->fields[i].name, key->str) == 0)
			break;
	if (i == m->nfields) {
		f = realloc(m->fields, (m->nfields + 1) * sizeof(*f));
		if (f == NULL)
			return oed_cfg_nomem(err);
		m->fields = f;
		f = &f[m->nfields++];
		memset(f, 0, sizeof(*f));
		if ((f->name = strdup(key->str)) == NULL)
			return oed_cfg_nomem(err);
	} else {
		f = &m->fields[i];
		oed_path_release(&f->path);
	}
	if (v->type == OED_CFG_MAP) {
		if (oed_cfg_check_keys(c, v, keys, "a field", err) == -1)
			return -1;
		if ((pn = oed_cfg_get(v, "path")) == NULL)
			return oed_cfg_error(c, v, err, "field '%s' needs a 'path'", oed_quote(key->str));
		rn = oed_cfg_get(v, "regex");
	}
	if (parse_path(c, pn, "a field path", &f->path, err) == -1)
		return -1;
	if (rn) {
		const char *pat;
		PCRE2_SIZE off;
		int code;
		pcre2_code *re;

		if (oed_cfg_string(c, rn, "'regex'", &pat, err) == -1)
			return -1;
		re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
		if (re == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(code, msg, sizeof(msg));
			return oed_cfg_error(c, rn, err, "bad regex at offset %zu: %s", (size_t)off,
					     (char *)msg);
		}
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
		if (f->re)
			pcre2_code_free(f->re);
		f->re = re;
	}
	return 0;
}

static int
default_field(struct oed_monitor *m, const char *name, struct oed_err *err)
{
	struct oed_mon_field *f = realloc(m->fields, (m->nfields + 1) * sizeof(*f));

	if (f == NULL)
		return oed_cfg_nomem(err);
	m->fields = f;
	f = &f[m->nfields++];
	memset(f, 0, sizeof(*f));
	if ((f->name = strdup(name)) == NULL)
		return oed_cfg_nomem(err);
	return oed_path_parse(&f->path, name, err);
}

static int
load_fields(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	    struct oed_err *err)
{
	if (default_field(m, "input", err) == -1 || default_field(m, "output", err) == -1)
		return -1;
	if (n == NULL)
		return 0;
	if (oed_cfg_expect(c, n, OED_CFG_MAP, "'fields'", err) == -1)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const struct oed_cfg_node *v = n->items[i];

		if (v->type == OED_CFG_SEQ)
			return oed_cfg_error(c, v, err, "a field is a path or {path: P, regex: R}");
		if (add_field(c, n->keys[i], v, m, err) == -1)
			return -1;
	}
	return 0;
}

/* ---- sample ---- */

static int
load_sample(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	    struct oed_err *err)
{
	static const char *const names[] = { "all", "random", "most_recent", "oldest", "stratified" };
	static const char *const keys[] = { "strategy", "n", "fraction", "seed", "by", NULL };
	const struct oed_cfg_node *v, *sn;
	const char *s;
	size_t i;

	m->sample = OED_MON_SAMPLE_ALL;
	m->fraction = NAN;
	if (n == NULL)
		return 0;
	if (n->type == OED_CFG_SCALAR) {
		sn = n;
	} else {
		if (oed_cfg_expect(c, n, OED_CFG_MAP, "'sample'", err) == -1 ||
		    oed_cfg_check_keys(c, n, keys, "'sample'", err) == -1)
			return -1;
		if ((sn = oed_cfg_get(n, "strategy")) == NULL)
			return oed_cfg_error(c, n, err, "'sample' needs a 'strategy'");
	}
	if (oed_cfg_string(c, sn, "'strategy'", &s, err) == -1)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0])) {
		oed_err_unknown(err, "sampling strategy", s, names, i);
		return oed_cfg_error(c, sn, err, "%s", err->msg);
	}
	m->sample = (enum oed_mon_sample)i;
	if (n->type == OED_CFG_SCALAR) {
		if (m->sample != OED_MON_SAMPLE_ALL)
			return oed_cfg_error(c, n, err, "sampling '%s' needs 'n'", s);
		return 0;
	}
	if ((v = oed_cfg_get(n, "n")) && oed_cfg_long(c, v, "'n'", 1, 1000000000L, &m->sample_n, err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "fraction"))) {
		if (m->sample != OED_MON_SAMPLE_RANDOM)
			return oed_cfg_error(c, v, err, "'fraction' is for random sampling");
		if (m->sample_n)
			return oed_cfg_error(c, v, err, "give 'n' or 'fraction', not both");
		if (oed_cfg_number(c, v, "'fraction'", 0, 1, &m->fraction, err) == -1)
			return -1;
		if (m->fraction <= 0)
			return oed_cfg_error(c, v, err, "'fraction' must be above 0");
	}
	if ((v = oed_cfg_get(n, "seed"))) {
		long seed;

		if (oed_cfg_long(c, v, "'seed'", 0, 0x7fffffffL, &seed, err) == -1)
			return -1;
		m->seed = (uint64_t)seed;
	}
	if ((v = oed_cfg_get(n, "by"))) {
		if (m->sample != OED_MON_SAMPLE_STRATIFIED)
			return oed_cfg_error(c, v, err, "'by' is for stratified sampling");
		if (parse_path(c, v, "'by'", &m->stratum, err) == -1)
			return -1;
	}
	if (m->sample == OED_MON_SAMPLE_ALL)
		return 0;
	if (m->sample_n == 0 && isnan(m->fraction))
		return oed_cfg_error(c, n, err, "sampling '%s' needs 'n'%s", s,
				     m->sample == OED_MON_SAMPLE_RANDOM ? " or 'fraction'" : "");
	if (m->sample == OED_MON_SAMPLE_STRATIFIED && m->stratum.spec == NULL)
		return oed_cfg_error(c, n, err, "stratified sampling needs 'by' (a field path)");
	return 0;
}

/* ---- scorers (the shape oed-bench tasks use) ---- */

static int
add_scorer(const struct oed_cfg *c, const struct oed_cfg_node *at, const char *name,
	   const struct oed_cfg_node *params, void *arg, struct oed_err *err)
{
	struct oed_monitor *m = arg;
	const char **keys = NULL, **vals = NULL;
	size_t np = 0, cap = 0;
	struct oed_scorer_spec *spec, **v;
	int rc = -1;

	if (params && !oed_cfg_is_null(params)) {
		if (oed_cfg_expect(c, params, OED_CFG_MAP, "a scorer's parameters", err) == -1)
			return -1;
		for (size_t i = 0; i < params->n; i++) {
			const struct oed_cfg_node *pv = params->items[i];
			size_t k = pv->type == OED_CFG_SEQ ? pv->n : 1;

			if (pv->type == OED_CFG_MAP)
				return oed_cfg_error(c, pv, err, "a scorer parameter is a value or a list of values");
			for (size_t j = 0; j < k; j++) {
				const struct oed_cfg_node *x = pv->type == OED_CFG_SEQ ? pv->items[j] : pv;

				if (x->type != OED_CFG_SCALAR) {
					oed_cfg_error(c, x, err, "a scorer parameter list holds plain values");
					goto out;
				}
				if (np == cap) {
					const char **nk, **nv;

					cap = cap ? cap * 2 : 8;
					nk = realloc(keys, cap * sizeof(*nk));
					if (nk)
						keys = nk;
					nv = realloc(vals, cap * sizeof(*nv));
					if (nv)
						vals = nv;
					if (nk == NULL || nv == NULL) {
						oed_cfg_nomem(err);
						goto out;
					}
				}
				keys[np] = params->keys[i]->str;
				vals[np++] = x->str;
			}
		}
	}
	spec = oed_scorer_spec_from_pairs(name, np, keys, vals, err);
	if (spec == NULL) {
		if (err->status == OED_EX_USAGE)
			oed_cfg_error(c, at, err, "%s", err->msg);
		goto out;
	}
	if (spec->scorer->needs & OED_NEEDS_PROVIDER) {
		oed_scorer_spec_free(spec);
		oed_cfg_error(c, at, err, "scorer '%s' needs a model, which oed-monitor does not call yet",
			      oed_quote(name));
		goto out;
	}
	v = realloc(m->specs, (m->nspecs + 1) * sizeof(*v));
	if (v == NULL) {
		oed_scorer_spec_free(spec);
		oed_cfg_nomem(err);
		goto out;
	}
	m->specs = v;
	v[m->nspecs++] = spec;
	rc = 0;
out:
	free(keys);
	free(vals);
	return rc;
}

static int
load_scorers(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	     struct oed_err *err)
{
	if (oed_cfg_scorers(c, n, add_scorer, m, err) == -1)
		return -1;
	for (size_t i = 0; i < m->nspecs; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->specs[i]->key, m->specs[j]->key) == 0)
				return oed_cfg_error(c, n, err,
						     "two scorers are both named '%s': give one as=NAME",
						     oed_quote(m->specs[i]->key));
	return 0;
}

/* ---- alerts ---- */

static const char *const stat_names[] = { "mean", "max", "min", "count", "rate" };
static const char *const op_names[] = { ">", ">=", "<", "<=", "==", "!=" };

const char *
oed_mon_stat_name(enum oed_mon_stat s)
{
	return stat_names[s];
}

const char *
oed_mon_op_name(enum oed_mon_op op)
{
	return op_names[op];
}

bool
oed_mon_compare(enum oed_mon_op op, double a, double b)
{
	switch (op) {
	case OED_MON_GT: return a > b;
	case OED_MON_GE: return a >= b;
	case OED_MON_LT: return a < b;
	case OED_MON_LE: return a <= b;
	case OED_MON_EQ: return a == b;
	case OED_MON_NE: return a != b;
	}
	return false;
}

static int
pick(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
     const char *const *names, size_t nn, int *out, struct oed_err *err)
{
	const char *s;

	if (oed_cfg_string(c, n, what, &s, err) == -1)
		return -1;
	for (size_t i = 0; i < nn; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	oed_err_unknown(err, what, s, names, nn);
	return oed_cfg_error(c, n, err, "%s", err->msg);
}

static int
load_alerts(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	    struct oed_err *err)
{
	static const char *const keys[] = { "name", "scorer", "stat", "op", "value", "min_n", "for", NULL };

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'alerts'", err) == -1)
		return -1;
	if ((m->alerts = calloc(n->n ? n->n : 1, sizeof(*m->alerts))) == NULL)
		return oed_cfg_nomem(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct oed_cfg_node *a = n->items[i], *v;
		struct oed_mon_alert *al = &m->alerts[m->nalerts++];
		size_t k;
		int x = 0;

		al->stat = OED_MON_MEAN;
		al->op = OED_MON_GT;
		al->min_n = 1;
		al->for_runs = 1;
		if (oed_cfg_expect(c, a, OED_CFG_MAP, "an alert", err) == -1 ||
		    oed_cfg_check_keys(c, a, keys, "an alert", err) == -1)
			return -1;
		if ((v = oed_cfg_get(a, "name")) == NULL)
			return oed_cfg_error(c, a, err, "an alert needs a 'name'");
		if (oed_cfg_strdup(c, v, "'name'", true, &al->name, err) == -1)
			return -1;
		for (k = 0; k + 1 < m->nalerts; k++)
			if (strcmp(m->alerts[k].name, al->name) == 0)
				return oed_cfg_error(c, v, err, "two alerts are named '%s'", oed_quote(al->name));
		if ((v = oed_cfg_get(a, "scorer")) == NULL)
			return oed_cfg_error(c, a, err, "alert '%s' needs a 'scorer'", oed_quote(al->name));
		if (oed_cfg_strdup(c, v, "'scorer'", true, &al->scorer, err) == -1)
			return -1;
		for (k = 0; k < m->nspecs; k++)
			if (strcmp(m->specs[k]->key, al->scorer) == 0)
				break;
		if (k == m->nspecs) {
			const char **names = malloc((m->nspecs + 1) * sizeof(*names));

			if (names == NULL)
				return oed_cfg_nomem(err);
			for (k = 0; k < m->nspecs; k++)
				names[k] = m->specs[k]->key;
			oed_err_unknown(err, "scorer", al->scorer, names, m->nspecs);
			free(names);
			return oed_cfg_error(c, v, err, "%s (alerts name a scorer of 'scorers')", err->msg);
		}
		if ((v = oed_cfg_get(a, "stat"))) {
			if (pick(c, v, "stat", stat_names, 5, &x, err) == -1)
				return -1;
			al->stat = (enum oed_mon_stat)x;
		}
		if ((v = oed_cfg_get(a, "op"))) {
			if (pick(c, v, "op", op_names, 6, &x, err) == -1)
				return -1;
			al->op = (enum oed_mon_op)x;
		}
		if ((v = oed_cfg_get(a, "value")) == NULL)
			return oed_cfg_error(c, a, err, "alert '%s' needs a 'value'", oed_quote(al->name));
		if (oed_cfg_number(c, v, "'value'", -HUGE_VAL, HUGE_VAL, &al->value, err) == -1)
			return -1;
		if ((v = oed_cfg_get(a, "min_n")) &&
		    oed_cfg_long(c, v, "'min_n'", 1, 1000000000L, &al->min_n, err) == -1)
			return -1;
		if ((v = oed_cfg_get(a, "for")) &&
		    oed_cfg_long(c, v, "'for'", 1, 100000, &al->for_runs, err) == -1)
			return -1;
	}
	return 0;
}

/* ---- SLOs ---- */

static int
slo_duration(const struct oed_cfg *c, const struct oed_cfg_node *v, const char *what,
	     int64_t *out, struct oed_err *err)
{
	const char *d;

	if (oed_cfg_string(c, v, what, &d, err) == -1)
		return -1;
	if (oed_duration_parse(what, d, out, err) == -1)
		return oed_cfg_error(c, v, err, "%s", err->msg);
	if (*out <= 0)
		return oed_cfg_error(c, v, err, "%s must be more than 0", what);
	return 0;
}

static int
load_slos(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	  struct oed_err *err)
{
	static const char *const keys[] = { "name", "scorer", "good", "objective", "window", "burn", NULL };
	static const char *const bkeys[] = { "long", "short", "rate", NULL };

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'slo'", err) == -1)
		return -1;
	if ((m->slos = calloc(n->n ? n->n : 1, sizeof(*m->slos))) == NULL)
		return oed_cfg_nomem(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct oed_cfg_node *a = n->items[i], *v;
		struct oed_mon_slo *o = &m->slos[m->nslos++];
		const char *g;
		char *end;
		size_t k;
		int x;

		o->window_ms = 7LL * 86400000;
		if (oed_cfg_expect(c, a, OED_CFG_MAP, "an SLO", err) == -1 ||
		    oed_cfg_check_keys(c, a, keys, "an SLO", err) == -1)
			return -1;
		if ((v = oed_cfg_get(a, "name")) == NULL)
			return oed_cfg_error(c, a, err, "an SLO needs a 'name'");
		if (oed_cfg_strdup(c, v, "'name'", true, &o->name, err) == -1)
			return -1;
		for (k = 0; k + 1 < m->nslos; k++)
			if (strcmp(m->slos[k].name, o->name) == 0)
				return oed_cfg_error(c, v, err, "two SLOs are named '%s'", oed_quote(o->name));
		if ((v = oed_cfg_get(a, "scorer")) == NULL)
			return oed_cfg_error(c, a, err, "SLO '%s' needs a 'scorer'", oed_quote(o->name));
		if (oed_cfg_strdup(c, v, "'scorer'", true, &o->scorer, err) == -1)
			return -1;
		for (k = 0; k < m->nspecs; k++)
			if (strcmp(m->specs[k]->key, o->scorer) == 0)
				break;
		if (k == m->nspecs)
			return oed_cfg_error(c, v, err, "SLO '%s': unknown scorer '%s' (an SLO names a scorer of 'scorers')",
					     oed_quote(o->name), oed_quote(o->scorer));
		if ((v = oed_cfg_get(a, "good")) == NULL)
			return oed_cfg_error(c, a, err, "SLO '%s' needs 'good' (e.g. \">= 4\")", oed_quote(o->name));
		if (oed_cfg_string(c, v, "'good'", &g, err) == -1)
			return -1;
		while (*g == ' ')
			g++;
		for (x = 5; x >= 0; x--)	/* two-character operators first */
			if (strncmp(g, op_names[x], strlen(op_names[x])) == 0 &&
			    (strlen(op_names[x]) == 2 || g[1] != '='))
				break;
		if (x < 0)
			return oed_cfg_error(c, v, err, "'good' must be an operator and a number, as \">= 4\"");
		o->op = (enum oed_mon_op)x;
		g += strlen(op_names[x]);
		errno = 0;
		o->value = strtod(g, &end);
		while (*end == ' ')
			end++;
		if (end == g || *end != '\0' || errno || !isfinite(o->value))
			return oed_cfg_error(c, v, err, "'good' must be an operator and a number, as \">= 4\"");
		if ((v = oed_cfg_get(a, "objective")) == NULL)
			return oed_cfg_error(c, a, err, "SLO '%s' needs an 'objective'", oed_quote(o->name));
		if (oed_cfg_number(c, v, "'objective'", 0, 1, &o->objective, err) == -1)
			return -1;
		if (o->objective <= 0 || o->objective >= 1)
			return oed_cfg_error(c, v, err, "'objective' must be between 0 and 1, both excluded");
		if ((v = oed_cfg_get(a, "window")) && slo_duration(c, v, "'window'", &o->window_ms, err) == -1)
			return -1;
		if ((v = oed_cfg_get(a, "burn")) == NULL) {
			static const struct oed_mon_burn def[2] = { { 3600000, 300000, 14.4 },
								    { 21600000, 1800000, 6 } };

			if ((o->burn = malloc(sizeof(def))) == NULL)
				return oed_cfg_nomem(err);
			memcpy(o->burn, def, sizeof(def));
			o->nburn = 2;
			continue;
		}
		if (oed_cfg_expect(c, v, OED_CFG_SEQ, "'burn'", err) == -1)
			return -1;
		if ((o->burn = calloc(v->n ? v->n : 1, sizeof(*o->burn))) == NULL)
			return oed_cfg_nomem(err);
		for (size_t j = 0; j < v->n; j++) {
			const struct oed_cfg_node *b = v->items[j], *f;
			struct oed_mon_burn *bw = &o->burn[o->nburn++];

			if (oed_cfg_expect(c, b, OED_CFG_MAP, "a burn window", err) == -1 ||
			    oed_cfg_check_keys(c, b, bkeys, "a burn window", err) == -1)
				return -1;
			if ((f = oed_cfg_get(b, "long")) == NULL || oed_cfg_get(b, "short") == NULL ||
			    oed_cfg_get(b, "rate") == NULL)
				return oed_cfg_error(c, b, err, "a burn window needs 'long', 'short' and 'rate'");
			if (slo_duration(c, f, "'long'", &bw->long_ms, err) == -1 ||
			    slo_duration(c, oed_cfg_get(b, "short"), "'short'", &bw->short_ms, err) == -1 ||
			    oed_cfg_number(c, oed_cfg_get(b, "rate"), "'rate'", 0, HUGE_VAL, &bw->rate, err) == -1)
				return -1;
			if (bw->short_ms > bw->long_ms)
				return oed_cfg_error(c, b, err, "'short' is longer than 'long'");
		}
	}
	return 0;
}

/* ---- publish ---- */

static int
load_on(const struct oed_cfg *c, const struct oed_cfg_node *n, unsigned *on, struct oed_err *err)
{
	static const char *const names[] = { "firing", "resolved" };

	*on = OED_MON_ON_FIRING | OED_MON_ON_RESOLVED;
	if (n == NULL)
		return 0;
	*on = 0;
	for (size_t i = 0; i < (n->type == OED_CFG_SEQ ? n->n : 1); i++) {
		int x = 0;

		if (pick(c, n->type == OED_CFG_SEQ ? n->items[i] : n, "event", names, 2, &x, err) == -1)
			return -1;
		*on |= 1u << x;
	}
	return 0;
}

static int
load_publish(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_monitor *m,
	     struct oed_err *err)
{
	static const char *const types[] = { "jsonl", "webhook", "slack", "langfuse_scores" };
	static const char *const jsonl_keys[] = { "type", "path", "items", NULL };
	static const char *const webhook_keys[] = { "type", "url_env", "secret_env", "signature_header", "on", NULL };
	static const char *const slack_keys[] = { "type", "webhook_env", "on", NULL };

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'publish'", err) == -1)
		return -1;
	if ((m->pubs = calloc(n->n ? n->n : 1, sizeof(*m->pubs))) == NULL)
		return oed_cfg_nomem(err);
	for (size_t i = 0; i < n->n; i++) {
		const struct oed_cfg_node *p = n->items[i], *t, *v;
		struct oed_mon_publish *pub = &m->pubs[m->npubs++];
		int x = 0;

		pub->items = true;
		if (oed_cfg_expect(c, p, OED_CFG_MAP, "a publisher", err) == -1)
			return -1;
		if ((t = oed_cfg_get(p, "type")) == NULL)
			return oed_cfg_error(c, p, err, "a publisher needs a 'type'");
		if (pick(c, t, "publisher type", types, 4, &x, err) == -1)
			return -1;
		pub->type = (enum oed_mon_pub_type)x;
		switch (pub->type) {
		case OED_MON_PUB_JSONL:
			if (oed_cfg_check_keys(c, p, jsonl_keys, "a jsonl publisher", err) == -1)
				return -1;
			if ((v = oed_cfg_get(p, "path")) == NULL)
				return oed_cfg_error(c, p, err, "a jsonl publisher needs a 'path'");
			{
				const char *s;

				if (oed_cfg_string(c, v, "'path'", &s, err) == -1)
					return -1;
				if ((pub->path = oed_cfg_resolve(c, s)) == NULL)
					return oed_cfg_nomem(err);
			}
			if ((v = oed_cfg_get(p, "items")) && oed_cfg_bool(c, v, "'items'", &pub->items, err) == -1)
				return -1;
			break;
		case OED_MON_PUB_WEBHOOK:
			if (oed_cfg_check_keys(c, p, webhook_keys, "a webhook publisher", err) == -1 ||
			    env_name(c, p, "url_env", true, &pub->url_env, err) == -1 ||
			    env_name(c, p, "secret_env", false, &pub->secret_env, err) == -1 ||
			    env_name(c, p, "signature_header", false, &pub->signature_header, err) == -1 ||
			    load_on(c, oed_cfg_get(p, "on"), &pub->on, err) == -1)
				return -1;
			break;
		case OED_MON_PUB_LANGFUSE_SCORES: {
			static const char *const lf_keys[] = {
				"type", "host_env", "public_key_env", "secret_key_env", NULL
			};
			bool own = m->source.type != OED_MON_SRC_LANGFUSE;
			const char *from[3] = { m->source.host_env, m->source.public_key_env,
						m->source.secret_key_env };
			char **to[3] = { &pub->host_env, &pub->public_key_env, &pub->secret_key_env };
			static const char *const names[3] = { "host_env", "public_key_env", "secret_key_env" };

			if (oed_cfg_check_keys(c, p, lf_keys, "a langfuse_scores publisher", err) == -1)
				return -1;
			for (int k = 0; k < 3; k++) {
				if (env_name(c, p, names[k], own, to[k], err) == -1)
					return -1;
				if (*to[k] == NULL && (*to[k] = strdup(from[k])) == NULL)
					return oed_cfg_nomem(err);
			}
			break;
		}
		case OED_MON_PUB_SLACK:
			if (oed_cfg_check_keys(c, p, slack_keys, "a slack publisher", err) == -1 ||
			    env_name(c, p, "webhook_env", true, &pub->url_env, err) == -1 ||
			    load_on(c, oed_cfg_get(p, "on"), &pub->on, err) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

/* ---- the file ---- */

static int
load(const struct oed_cfg *c, struct oed_monitor *m, struct oed_err *err)
{
	static const char *const keys[] = {
		"monitor", "source", "id", "fields", "sample", "scorers", "alerts", "slo", "publish",
		"lease", "batch", NULL
	};
	const struct oed_cfg_node *root = c->root, *v;

	m->lease_ms = 600000;
	m->batch = 256;
	if (root == NULL)
		return oed_err_at(err, OED_EX_USAGE, c->path, 1, 1, "empty monitor file");
	if (oed_cfg_expect(c, root, OED_CFG_MAP, "a monitor file", err) == -1 ||
	    oed_cfg_check_keys(c, root, keys, "a monitor file", err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "monitor")) == NULL)
		return oed_cfg_error(c, root, err, "a monitor file needs 'monitor: NAME'");
	if (oed_cfg_strdup(c, v, "'monitor'", true, &m->name, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "source")) == NULL)
		return oed_cfg_error(c, root, err, "a monitor file needs a 'source'");
	if (load_source(c, v, m, err) == -1 || source_ident(m, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "id")) == NULL)
		return oed_cfg_error(c, root, err, "a monitor file needs 'id' (the path of each item's identity)");
	if (oed_cfg_strdup(c, v, "'id'", true, &m->id_spec, err) == -1 || parse_path(c, v, "'id'", &m->id, err) == -1)
		return -1;
	if (load_fields(c, oed_cfg_get(root, "fields"), m, err) == -1)
		return -1;
	if (load_sample(c, oed_cfg_get(root, "sample"), m, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "scorers")) == NULL)
		return oed_cfg_error(c, root, err, "a monitor file needs 'scorers'");
	if (load_scorers(c, v, m, err) == -1)
		return -1;
	if (m->nspecs == 0)
		return oed_cfg_error(c, v, err, "'scorers' is empty");
	if ((v = oed_cfg_get(root, "alerts")) && load_alerts(c, v, m, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "slo")) && load_slos(c, v, m, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "publish")) && load_publish(c, v, m, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "lease"))) {
		const char *s;

		if (oed_cfg_string(c, v, "'lease'", &s, err) == -1)
			return -1;
		if (oed_duration_parse("'lease'", s, &m->lease_ms, err) == -1)
			return oed_cfg_error(c, v, err, "%s", err->msg);
	}
	if ((v = oed_cfg_get(root, "batch")) && oed_cfg_long(c, v, "'batch'", 1, 1000000, &m->batch, err) == -1)
		return -1;
	return 0;
}

static int
finish(struct oed_cfg *c, const char *name, struct oed_monitor *m, struct oed_err *err)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (c == NULL)
		return -1;
	if ((m->file = strdup(name)) == NULL) {
		oed_cfg_free(c);
		return oed_cfg_nomem(err);
	}
	rc = load(c, m, err);
	oed_cfg_free(c);
	if (rc == -1)
		oed_monitor_free(m);
	return rc;
}

int
oed_monitor_load(const char *path, struct oed_monitor *m, struct oed_err *err)
{
	return finish(oed_cfg_load(path, err), path, m, err);
}

int
oed_monitor_load_text(const char *name, const char *text, const char *dir, struct oed_monitor *m,
		      struct oed_err *err)
{
	return finish(oed_cfg_parse(text, strlen(text), name, dir, err), name, m, err);
}

void
oed_monitor_free(struct oed_monitor *m)
{
	size_t i;

	free(m->file);
	free(m->name);
	for (i = 0; i < m->source.npaths; i++)
		free(m->source.paths[i]);
	free(m->source.paths);
	free(m->source.command);
	free(m->source.host_env);
	free(m->source.public_key_env);
	free(m->source.secret_key_env);
	free(m->source.name);
	free(m->source.user_id);
	for (i = 0; i < m->source.ntags; i++)
		free(m->source.tags[i]);
	free(m->source.tags);
	free(m->source.ident);
	source_release(&m->source);
	oed_path_release(&m->id);
	free(m->id_spec);
	for (i = 0; i < m->nfields; i++) {
		free(m->fields[i].name);
		oed_path_release(&m->fields[i].path);
		if (m->fields[i].re)
			pcre2_code_free(m->fields[i].re);
	}
	free(m->fields);
	oed_path_release(&m->stratum);
	for (i = 0; i < m->nspecs; i++)
		oed_scorer_spec_free(m->specs[i]);
	free(m->specs);
	for (i = 0; i < m->nalerts; i++) {
		free(m->alerts[i].name);
		free(m->alerts[i].scorer);
	}
	free(m->alerts);
	for (i = 0; i < m->nslos; i++) {
		free(m->slos[i].name);
		free(m->slos[i].scorer);
		free(m->slos[i].burn);
	}
	free(m->slos);
	for (i = 0; i < m->npubs; i++) {
		free(m->pubs[i].path);
		free(m->pubs[i].url_env);
		free(m->pubs[i].secret_env);
		free(m->pubs[i].signature_header);
		free(m->pubs[i].host_env);
		free(m->pubs[i].public_key_env);
		free(m->pubs[i].secret_key_env);
	}
	free(m->pubs);
	memset(m, 0, sizeof(*m));
}

uint64_t
oed_mon_sample_key(uint64_t seed, const char *id, size_t len)
{
	return XXH3_64bits_withSeed(id, len, seed);
}
