/* source_http.c: the http source: items from any JSON API, page after page (internal.h). */
#include "config.h"

#include "internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exit.h"
#include "net/net.h"
#include "time.h"

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

/* "Name: value" for each header, values from the environment registered as secrets. */
static char **
build_headers(const struct oed_mon_source *s, struct oed_net *net, struct oed_err *err)
{
	char **h = calloc(s->nheaders + 2, sizeof(*h));
	size_t n = 0;
	bool accept = false;

	if (h == NULL) {
		nomem(err);
		return NULL;
	}
	for (size_t i = 0; i < s->nheaders; i++) {
		const struct oed_mon_header *x = &s->headers[i];
		const char *v = x->value;
		int rc;

		if (x->env) {
			v = getenv(x->env);
			if (v == NULL)
				v = "";	/* checked before the run */
			oed_net_secret(net, v);
		}
		if (strcasecmp(x->name, "accept") == 0)
			accept = true;
		rc = asprintf(&h[n], "%s: %s%s", x->name, x->prefix ? x->prefix : "", v);
		if (rc == -1) {
			h[n] = NULL;
			goto fail;
		}
		if (x->env)
			oed_net_secret(net, h[n] + strlen(x->name) + 2);
		n++;
	}
	if (!accept && (h[n++] = strdup("Accept: application/json")) == NULL)
		goto fail;
	return h;
fail:
	for (size_t i = 0; i < n; i++)
		free(h[i]);
	free(h);
	nomem(err);
	return NULL;
}

static void
free_headers(char **h)
{
	for (size_t i = 0; h && h[i]; i++) {
		explicit_bzero(h[i], strlen(h[i]));
		free(h[i]);
	}
	free(h);
}

static void
add_time(struct oed_buf *b, const char *param, double t, bool unix_)
{
	char txt[OED_RFC3339_SIZE];

	if (unix_)
		snprintf(txt, sizeof(txt), "%.0f", t);
	else
		oed_time_to_rfc3339(t, txt);
	oed_mon_query_add(b, param, txt);
}

/* A Link target resolved against the URL it came with (it may be relative). */
static char *
resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *out = NULL, *copy = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		copy = strdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return copy;
}

/* The next cursor in the answer: a non-empty string, or an integer. NULL: no more. */
static char *
next_cursor(const struct oed_mon_source *s, json_t *doc)
{
	json_t *v = oed_path_get(&s->cursor_field, doc);
	char num[32];

	if (json_is_string(v) && json_string_length(v) > 0)
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	}
	return NULL;
}

/*
 * GET the URL, then the next page while the paging says there is one and
 * the page was not empty, at most max_pages requests.  With since_param
 * the window [watermark less overlap, now) goes with every request and
 * the watermark moves to its end when the run is done, unless max_pages
 * stopped it.
 */
int
oed_mon_fetch_http(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	const char *base = s->url ? s->url : getenv(s->url_env);
	struct oed_buf url = OED_BUF_INIT;
	char **headers = NULL, *cursor = NULL, *link_url = NULL, what[128];
	struct oed_net *net;
	double from = 0, to = 0;
	long page = s->page_start, n;
	bool resumed = false;
	int rc = -1;

	if (base == NULL || *base == '\0')
		return oed_err_set(err, OED_EX_USAGE, "environment variable '%s' is not set (source)",
				   oed_quote(s->url_env));
	if (s->since_param && oed_mon_api_window(cx, &from, &to, err) == -1)
		return -1;
	/*
	 * The last run stopped at max_pages: go on from where it stopped, over
	 * its window (a cursor holds for the query that made it), and move the
	 * watermark only once that walk is done.  Not for Link paging: the next
	 * URL may carry what the base URL did (a key), and is not stored.
	 */
	if (!cx->backfill && (s->paging == OED_MON_PAGING_CURSOR || s->paging == OED_MON_PAGING_PAGE)) {
		char *pos;
		double rf, rt;

		if (oed_mon_resume_get(cx, &pos, &rf, &rt, err) == -1)
			return -1;
		if (pos) {
			resumed = true;
			if (s->since_param && rt > 0) {
				from = rf;
				to = rt;
			}
			if (s->paging == OED_MON_PAGING_CURSOR) {
				cursor = pos;
			} else {
				page = strtol(pos, NULL, 10);
				free(pos);
			}
		}
	}
	if ((net = oed_mon_api_net(err)) == NULL)
		return -1;
	if (s->url_env)
		oed_net_secret(net, base);	/* a URL kept in the environment may hold a key */
	if ((headers = build_headers(s, net, err)) == NULL)
		goto out;
	for (n = 0; n < s->max_pages; n++) {
		json_t *doc, *arr;
		char *link = NULL, *next;
		size_t got;

		oed_buf_reset(&url);
		if (link_url) {
			oed_buf_adds(&url, link_url);	/* the server's own next URL, as given */
		} else {
			oed_buf_adds(&url, base);
			if (s->since_param)
				add_time(&url, s->since_param, from, s->since_unix);
			if (s->until_param)
				add_time(&url, s->until_param, to, s->since_unix);
			if (s->paging == OED_MON_PAGING_PAGE) {
				char num[32];

				snprintf(num, sizeof(num), "%ld", page);
				oed_mon_query_add(&url, s->page_param, num);
				if (s->size_param) {
					snprintf(num, sizeof(num), "%ld", s->page_size);
					oed_mon_query_add(&url, s->size_param, num);
				}
			}
			if (s->paging == OED_MON_PAGING_CURSOR && cursor)
				oed_mon_query_add(&url, s->cursor_param, cursor);
		}
		if (url.data == NULL) {
			nomem(err);
			goto out;
		}
		snprintf(what, sizeof(what), "http: page %ld", n + 1);
		if (oed_mon_api_get(net, what, url.data, (const char *const *)headers,
				    s->paging == OED_MON_PAGING_LINK ? "Link" : NULL, &doc, &link, err) == -1)
			goto out;
		arr = s->items.nseg ? oed_path_get(&s->items, doc) : doc;
		if (!json_is_array(arr)) {
			json_decref(doc);
			free(link);
			if (s->items.nseg)
				oed_err_set(err, OED_EX_FAIL, "http: page %ld: no item array at '%s'", n + 1,
					    oed_quote(s->items.spec));
			else
				oed_err_set(err, OED_EX_FAIL, "http: page %ld: the answer is not an array"
					    " (give 'items: PATH')", n + 1);
			goto out;
		}
		got = json_array_size(arr);
		for (size_t i = 0; i < got; i++)
			if (oed_mon_item_add(cx->m, it, json_incref(json_array_get(arr, i)), "http", err) == -1) {
				json_decref(doc);
				free(link);
				goto out;
			}
		next = NULL;
		switch (s->paging) {
		case OED_MON_PAGING_CURSOR:
			next = next_cursor(s, doc);
			if (next && cursor && strcmp(next, cursor) == 0) {
				free(next);	/* the same cursor again: it would never end */
				next = NULL;
			}
			free(cursor);
			cursor = next;
			break;
		case OED_MON_PAGING_PAGE:
			page++;
			next = s->size_param && got < (size_t)s->page_size ? NULL : (char *)"";
			break;
		case OED_MON_PAGING_LINK: {
			char *target = link ? oed_mon_link_next(link) : NULL;

			free(link_url);
			link_url = target ? resolve(url.data, target) : NULL;
			if (target && link_url == NULL) {
				free(target);
				free(link);
				json_decref(doc);
				oed_err_set(err, OED_EX_FAIL, "http: page %ld: a bad next link in the Link header",
					    n + 1);
				goto out;
			}
			free(target);
			next = link_url;
			break;
		}
		case OED_MON_PAGING_NONE:
			break;
		}
		free(link);
		json_decref(doc);
		if (next == NULL || got == 0)
			break;
	}
	/*
	 * Stopped by max_pages: the items' order and times are unknown, so
	 * the watermark stays; the next run goes on from the next page (cursor
	 * and page paging), or reads the window again (Link paging).
	 */
	if (n == s->max_pages && !cx->backfill &&
	    ((s->paging == OED_MON_PAGING_CURSOR && cursor) || s->paging == OED_MON_PAGING_PAGE)) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", page);
		if ((cx->resume_position = strdup(s->paging == OED_MON_PAGING_CURSOR ? cursor : num)) == NULL) {
			nomem(err);
			goto out;
		}
		cx->resume = RESUME_SET;
		cx->resume_from = s->since_param ? from : 0;
		cx->resume_to = s->since_param ? to : 0;
		oed_warn("http: stopped after %ld pages (max_pages): the next run goes on from there%s",
			 s->max_pages, s->since_param ? " (the watermark stays till then)" : "");
	} else if (n == s->max_pages && s->since_param) {
		oed_warn("http: stopped after %ld pages (max_pages): the rest is read next run"
			 " (the watermark stays)", s->max_pages);
	} else if (n == s->max_pages) {
		oed_warn("http: stopped after %ld pages (max_pages): items past them are not read this run",
			 s->max_pages);
	} else if (resumed) {
		cx->resume = RESUME_CLEAR;	/* the walk is done */
	}
	if (s->since_param && !cx->backfill && n < s->max_pages)
		cx->watermark = to;
	rc = 0;
out:
	oed_net_free(net);
	free_headers(headers);
	free(cursor);
	free(link_url);
	oed_buf_release(&url);
	return rc;
}
