/* source_api.c: what the API sources (langfuse, http, slack) share: windows, requests, items (internal.h). */
#include "config.h"

#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exit.h"
#include "net/net.h"
#include "time.h"

int
oed_mon_api_window(struct oed_mon_ctx *cx, double *from, double *to, struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	double now = oed_time_now(), wm = 0;

	if (cx->backfill) {
		*from = cx->bf_from;
		*to = cx->bf_to;
		return 0;
	}
	if (cx->store && oed_mon_watermark_get(cx, &wm, err) == -1)
		return -1;
	*from = now - (double)s->lookback_ms / 1000.0;
	if (wm > 0 && wm - (double)s->overlap_ms / 1000.0 > *from)
		*from = wm - (double)s->overlap_ms / 1000.0;
	*to = now;
	return 0;
}

int
oed_mon_item_add(const struct oed_monitor *m, struct oed_mon_items *it, json_t *rec,
		 const char *where, struct oed_err *err)
{
	struct oed_mon_item *x;
	char *id;

	if (!json_is_object(rec)) {
		oed_warn("%s: item %zu: not a JSON object", where, it->n + (size_t)it->errors + 1);
		json_decref(rec);
		it->errors++;
		return 0;
	}
	if ((id = oed_mon_record_id(m, rec)) == NULL) {
		oed_warn("%s: item %zu: no id at '%s' (a string or an integer)", where,
			 it->n + (size_t)it->errors + 1, oed_quote(m->id_spec));
		json_decref(rec);
		it->errors++;
		return 0;
	}
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 256;
		struct oed_mon_item *v = realloc(it->v, cap * sizeof(*v));

		if (v == NULL) {
			free(id);
			json_decref(rec);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		it->v = v;
		it->cap = cap;
	}
	x = &it->v[it->n++];
	memset(x, 0, sizeof(*x));
	x->id = id;
	x->idlen = strlen(id);
	x->rec = rec;
	x->file = (size_t)-1;
	x->seq = it->n - 1;
	return 0;
}

void
oed_mon_query_add(struct oed_buf *b, const char *key, const char *s)
{
	oed_buf_addc(b, b->data && strchr(b->data, '?') ? '&' : '?');
	oed_buf_adds(b, key);
	oed_buf_addc(b, '=');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			oed_buf_addc(b, (char)ch);
		else
			oed_buf_printf(b, "%%%02X", ch);
	}
}

struct oed_net *
oed_mon_api_net(struct oed_err *err)
{
	struct oed_net_opts o;

	oed_net_opts_init(&o);
	o.concurrency = 1;
	o.max_retries = 4;
	o.timeout_s = 60;
	return oed_net_new(&o, err);
}

int
oed_mon_api_get(struct oed_net *net, const char *what, const char *url, const char *const *headers,
		const char *want_header, json_t **doc, char **header, struct oed_err *err)
{
	struct oed_mon_http p;
	json_error_t je;

	*doc = NULL;
	if (header)
		*header = NULL;
	if (oed_mon_http_ex(net, "GET", url, headers, NULL, want_header, &p, err) == -1)
		return -1;
	if (p.status < 200 || p.status > 299) {
		char why[600];

		snprintf(why, sizeof(why), "%s", p.error[0] ? p.error : "");
		oed_net_redact(net, why, strlen(why));
		if (why[0])
			oed_err_set(err, OED_EX_FAIL, "%s: %s", what, why);
		else
			oed_err_set(err, OED_EX_FAIL, "%s: HTTP %ld", what, p.status);
		free(p.body);
		free(p.header);
		return -1;
	}
	*doc = p.body ? json_loads(p.body, 0, &je) : NULL;
	free(p.body);
	if (*doc == NULL) {
		free(p.header);
		return oed_err_set(err, OED_EX_FAIL, "%s: the answer is not JSON", what);
	}
	if (header)
		*header = p.header;
	else
		free(p.header);
	return 0;
}

/*
 * RFC 8288: Link = #( "<" URI-Reference ">" *( OWS ";" OWS link-param ) ),
 * link-param = token BWS [ "=" BWS ( token / quoted-string ) ]; rel holds
 * one or more relation types separated by spaces.
 */
char *
oed_mon_link_next(const char *s)
{
	while (s && *s) {
		const char *u, *ue;
		bool next = false;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s != '<')
			return NULL;
		u = ++s;
		while (*s && *s != '>')
			s++;
		if (*s != '>')
			return NULL;
		ue = s++;
		for (;;) {
			const char *name, *ne;
			char val[256];
			size_t vl = 0;

			while (*s == ' ' || *s == '\t')
				s++;
			if (*s != ';')
				break;
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
			name = s;
			while (*s && *s != '=' && *s != ';' && *s != ',' && *s != ' ' && *s != '\t')
				s++;
			ne = s;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '=') {
				s++;
				while (*s == ' ' || *s == '\t')
					s++;
				if (*s == '"') {
					for (s++; *s && *s != '"'; s++) {
						if (*s == '\\' && s[1])
							s++;
						if (vl + 1 < sizeof(val))
							val[vl++] = *s;
					}
					if (*s == '"')
						s++;
				} else {
					for (; *s && *s != ';' && *s != ',' && *s != ' ' && *s != '\t'; s++)
						if (vl + 1 < sizeof(val))
							val[vl++] = *s;
				}
			}
			val[vl] = '\0';
			if (ne - name == 3 && strncasecmp(name, "rel", 3) == 0) {
				char *save = NULL, *tok;

				for (tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
					if (strcasecmp(tok, "next") == 0)
						next = true;
			}
		}
		if (next)
			return strndup(u, (size_t)(ue - u));
		while (*s && *s != ',')
			s++;
	}
	return NULL;
}
