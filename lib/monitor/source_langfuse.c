/* source_langfuse.c: the langfuse source: traces or observations of a project (internal.h). */
#include "config.h"

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "exit.h"
#include "net/net.h"
#include "time.h"

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

/*
 * GET one page (what names it in messages) and add the items of its
 * "data" array.  The answer, whose data *data points into (the caller
 * releases it), or NULL with err.
 */
static json_t *
get_page(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_net *net, const char *what,
	 const char *url, const char *const *headers, long page, json_t **data, struct oed_err *err)
{
	json_t *doc;

	if (oed_mon_api_get(net, what, url, headers, NULL, &doc, NULL, err) == -1)
		return NULL;
	*data = json_object_get(doc, "data");
	if (!json_is_array(*data)) {
		json_decref(doc);
		oed_err_set(err, OED_EX_FAIL, "langfuse: page %ld: no 'data' array in the answer", page);
		return NULL;
	}
	for (size_t i = 0; i < json_array_size(*data); i++)
		if (oed_mon_item_add(cx->m, it, json_incref(json_array_get(*data, i)), "langfuse", err) == -1) {
			json_decref(doc);
			return NULL;
		}
	return doc;
}

/* The newest "timestamp" (RFC 3339) of the traces in data, or newest as it was. */
static double
newest_of(json_t *data, double newest)
{
	for (size_t i = 0; i < json_array_size(data); i++) {
		json_t *ts = json_object_get(json_array_get(data, i), "timestamp");
		double t;

		if (json_is_string(ts) && oed_time_parse(json_string_value(ts), json_string_length(ts), &t) == 0 &&
		    t > newest)
			newest = t;
	}
	return newest;
}

/*
 * GET /api/public/traces, page by page (meta.totalPages), oldest first.
 * Stopped by max_pages, *capped is set and *newest is the newest trace's
 * time read (0: none): the watermark goes no further, so the rest comes
 * next run.
 */
static int
traces(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_net *net, const char *host,
       const char *const *headers, const char *from_s, const char *to_s, bool *capped, double *newest,
       struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	struct oed_buf url = OED_BUF_INIT;
	long page = 1, pages = 1;
	int rc = -1;

	while (page <= pages) {
		json_t *doc, *data, *meta;
		char what[96];
		size_t got;

		if (page > s->max_pages) {
			*capped = true;
			oed_warn("langfuse: stopped after %ld pages (max_pages): the rest is read next run",
				 s->max_pages);
			break;
		}
		oed_buf_reset(&url);
		oed_buf_printf(&url, "%s/api/public/traces?page=%ld&limit=%ld&orderBy=timestamp.asc",
			       host, page, s->page_size);
		oed_mon_query_add(&url, "fromTimestamp", from_s);
		oed_mon_query_add(&url, "toTimestamp", to_s);
		if (s->name)
			oed_mon_query_add(&url, "name", s->name);
		if (s->user_id)
			oed_mon_query_add(&url, "userId", s->user_id);
		for (size_t i = 0; i < s->ntags; i++)
			oed_mon_query_add(&url, "tags", s->tags[i]);
		if (url.data == NULL) {
			nomem(err);
			goto out;
		}
		snprintf(what, sizeof(what), "langfuse: GET /api/public/traces page %ld", page);
		if ((doc = get_page(cx, it, net, what, url.data, headers, page, &data, err)) == NULL)
			goto out;
		meta = json_object_get(doc, "meta");
		*newest = newest_of(data, *newest);
		got = json_array_size(data);
		if (json_is_integer(json_object_get(meta, "totalPages")))
			pages = (long)json_integer_value(json_object_get(meta, "totalPages"));
		else if (got < (size_t)s->page_size)
			pages = page;
		else
			pages = page + 1;
		json_decref(doc);
		if (got == 0)
			break;
		page++;
	}
	rc = 0;
out:
	oed_buf_release(&url);
	return rc;
}

/*
 * GET /api/public/v2/observations, page by page while meta.cursor is
 * there: a page may be short, even empty, and still have a cursor (a slow
 * query goes on across requests), so only the cursor ends the walk.
 * Their order is not documented: stopped by max_pages (*capped), the
 * watermark stays and the window is read again next run.
 */
static int
observations(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_net *net, const char *host,
	     const char *const *headers, const char *from_s, const char *to_s, bool *capped,
	     struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	struct oed_buf url = OED_BUF_INIT;
	char *cursor = NULL;
	long page;
	int rc = -1;

	for (page = 1; page <= s->max_pages; page++) {
		json_t *doc, *data, *c;
		char what[96], num[32];

		oed_buf_reset(&url);
		oed_buf_printf(&url, "%s/api/public/v2/observations", host);
		oed_mon_query_add(&url, "fields", s->obs_fields ? s->obs_fields : "core,basic,io,metadata");
		snprintf(num, sizeof(num), "%ld", s->page_size);
		oed_mon_query_add(&url, "limit", num);
		oed_mon_query_add(&url, "fromStartTime", from_s);
		oed_mon_query_add(&url, "toStartTime", to_s);
		if (s->name)
			oed_mon_query_add(&url, "name", s->name);
		if (s->obs_type)
			oed_mon_query_add(&url, "type", s->obs_type);
		if (s->user_id)
			oed_mon_query_add(&url, "userId", s->user_id);
		if (cursor)
			oed_mon_query_add(&url, "cursor", cursor);
		if (url.data == NULL) {
			nomem(err);
			goto out;
		}
		snprintf(what, sizeof(what), "langfuse: GET /api/public/v2/observations page %ld", page);
		if ((doc = get_page(cx, it, net, what, url.data, headers, page, &data, err)) == NULL)
			goto out;
		c = json_object_get(json_object_get(doc, "meta"), "cursor");
		if (json_is_string(c) && json_string_length(c) > 0 &&
		    (cursor == NULL || strcmp(cursor, json_string_value(c)) != 0)) {
			free(cursor);
			if ((cursor = strdup(json_string_value(c))) == NULL) {
				json_decref(doc);
				nomem(err);
				goto out;
			}
		} else {
			free(cursor);
			cursor = NULL;
		}
		json_decref(doc);
		if (cursor == NULL)
			break;
	}
	if (page > s->max_pages) {
		*capped = true;
		oed_warn("langfuse: stopped after %ld pages (max_pages): the rest is read next run"
			 " (the watermark stays)", s->max_pages);
	}
	rc = 0;
out:
	free(cursor);
	oed_buf_release(&url);
	return rc;
}

/*
 * Always bounded: from the watermark less the overlap (never before now
 * less the lookback) to now, or the backfill window.  The watermark moves
 * to the window's end once the run is done (not under backfill), or,
 * when max_pages stopped the walk, only as far as what was read.  HTTP
 * Basic auth with the public and secret keys.
 */
int
oed_mon_fetch_langfuse(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	const char *host = getenv(s->host_env), *pk = getenv(s->public_key_env),
		   *sk = getenv(s->secret_key_env);
	char from_s[OED_RFC3339_SIZE], to_s[OED_RFC3339_SIZE], *auth64, *userpass = NULL;
	struct oed_buf hdr = OED_BUF_INIT;
	struct oed_net *net;
	double from, to, newest = 0;
	bool capped = false;
	int rc;

	if (oed_mon_api_window(cx, &from, &to, err) == -1)
		return -1;
	oed_time_to_rfc3339(from, from_s);
	oed_time_to_rfc3339(to, to_s);
	if (asprintf(&userpass, "%s:%s", pk, sk) == -1)
		return nomem(err);
	auth64 = oed_base64_encode((const unsigned char *)userpass, strlen(userpass));
	if (auth64 == NULL || (net = oed_mon_api_net(err)) == NULL) {
		if (auth64 == NULL)
			nomem(err);
		free(userpass);
		free(auth64);
		return -1;
	}
	oed_net_secret(net, pk);
	oed_net_secret(net, sk);
	oed_net_secret(net, auth64);
	oed_buf_printf(&hdr, "Authorization: Basic %s", auth64);
	{
		const char *headers[3] = { hdr.data, "Accept: application/json", NULL };

		if (hdr.data == NULL)
			rc = nomem(err);
		else if (s->observations)
			rc = observations(cx, it, net, host, headers, from_s, to_s, &capped, err);
		else
			rc = traces(cx, it, net, host, headers, from_s, to_s, &capped, &newest, err);
	}
	if (rc == 0 && !cx->backfill && !capped)
		cx->watermark = to;
	else if (rc == 0 && !cx->backfill && newest > 0)
		cx->watermark = newest;	/* oldest first: what came after it is read next run */
	oed_net_free(net);
	if (hdr.data)
		explicit_bzero(hdr.data, hdr.len);
	oed_buf_release(&hdr);
	explicit_bzero(userpass, strlen(userpass));
	free(userpass);
	free(auth64);
	return rc;
}
