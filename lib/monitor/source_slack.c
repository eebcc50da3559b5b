/* source_slack.c: the slack source: a channel's messages through the Web API (internal.h). */
#include "config.h"

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "net/net.h"
#include "time.h"

struct slack {
	struct oed_mon_ctx *cx;
	struct oed_mon_items *it;
	struct oed_net *net;
	const char *headers[3];
	double newest;		/* the newest message's ts */
	bool capped;		/* max_pages stopped a method */
	bool history_capped;	/* max_pages stopped conversations.history */
	char *oldest_ts;	/* the oldest top-level message's ts, as Slack wrote it */
	char **threads;		/* ts of parents with replies */
	size_t nthreads;
};

/* Add a message as an item: its channel, and "id" = CHANNEL:TS. */
static int
add_message(struct slack *sl, json_t *msg, const char *where, struct oed_err *err)
{
	const char *ch = sl->cx->m->source.channel, *ts;
	json_t *rec;
	char *id;
	int rc;

	ts = json_string_value(json_object_get(msg, "ts"));
	if (!json_is_object(msg) || ts == NULL) {
		oed_warn("%s: a message without 'ts' skipped", where);
		sl->it->errors++;
		return 0;
	}
	if ((rec = json_deep_copy(msg)) == NULL || asprintf(&id, "%s:%s", ch, ts) == -1) {
		json_decref(rec);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	json_object_set_new(rec, "channel", json_string(ch));
	json_object_set_new(rec, "id", json_string(id));
	free(id);
	if (atof(ts) > sl->newest)
		sl->newest = atof(ts);
	rc = oed_mon_item_add(sl->cx->m, sl->it, rec, where, err);
	return rc;
}

/*
 * One Web API method, page by page (response_metadata.next_cursor), at
 * most max_pages requests.  thread: NULL for conversations.history, else
 * the parent's ts for conversations.replies (whose first message, the
 * parent itself, is skipped).
 */
static int
method(struct slack *sl, const char *name, const char *query, const char *thread, struct oed_err *err)
{
	const struct oed_mon_source *s = &sl->cx->m->source;
	struct oed_buf url = OED_BUF_INIT;
	char *cursor = NULL, what[160];
	long n;
	int rc = -1;

	for (n = 0; n < s->max_pages; n++) {
		json_t *doc, *msgs, *nc;
		size_t i;

		oed_buf_reset(&url);
		oed_buf_printf(&url, "%s/%s%s", s->base_url, name, query);
		if (cursor)
			oed_mon_query_add(&url, "cursor", cursor);
		if (url.data == NULL) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto out;
		}
		snprintf(what, sizeof(what), "slack: %s", name);
		if (oed_mon_api_get(sl->net, what, url.data, sl->headers, NULL, &doc, NULL, err) == -1)
			goto out;
		if (!json_is_true(json_object_get(doc, "ok"))) {
			const char *e = json_string_value(json_object_get(doc, "error"));

			if (e)
				oed_err_set(err, OED_EX_FAIL, "slack: %s: '%s'", name, oed_quote(e));
			else
				oed_err_set(err, OED_EX_FAIL, "slack: %s: the answer is not ok", name);
			json_decref(doc);
			goto out;
		}
		msgs = json_object_get(doc, "messages");
		for (i = 0; i < json_array_size(msgs); i++) {
			json_t *m = json_array_get(msgs, i);
			const char *ts = json_string_value(json_object_get(m, "ts"));
			const char *tts = json_string_value(json_object_get(m, "thread_ts"));

			if (thread && ts && strcmp(ts, thread) == 0)
				continue;
			if (!thread && ts && (sl->oldest_ts == NULL || atof(ts) < atof(sl->oldest_ts))) {
				free(sl->oldest_ts);
				if ((sl->oldest_ts = strdup(ts)) == NULL) {
					json_decref(doc);
					oed_err_set(err, OED_EX_FAIL, "out of memory");
					goto out;
				}
			}
			if (add_message(sl, m, name, err) == -1) {
				json_decref(doc);
				goto out;
			}
			/* a thread's parent: its replies are read after the history */
			if (!thread && s->replies && ts && tts && strcmp(ts, tts) == 0 &&
			    json_integer_value(json_object_get(m, "reply_count")) > 0) {
				char **v = realloc(sl->threads, (sl->nthreads + 1) * sizeof(*v));

				if (v == NULL || (v[sl->nthreads] = strdup(ts)) == NULL) {
					if (v)
						sl->threads = v;
					json_decref(doc);
					oed_err_set(err, OED_EX_FAIL, "out of memory");
					goto out;
				}
				sl->threads = v;
				sl->nthreads++;
			}
		}
		free(cursor);
		cursor = NULL;
		nc = json_object_get(json_object_get(doc, "response_metadata"), "next_cursor");
		if (json_is_string(nc) && json_string_length(nc) > 0)
			cursor = strdup(json_string_value(nc));
		json_decref(doc);
		if (cursor == NULL)
			break;
	}
	if (n == s->max_pages) {
		sl->capped = true;
		if (thread == NULL)
			sl->history_capped = true;	/* said by the caller: it may go on next run */
		else
			oed_warn("slack: %s: stopped after %ld pages (max_pages): the rest is read next run"
				 " (the watermark stays)", name, s->max_pages);
	}
	rc = 0;
out:
	free(cursor);
	oed_buf_release(&url);
	return rc;
}

/*
 * conversations.history from the watermark (the newest message seen, as
 * Slack's ts) less the overlap, never before now less the lookback; with
 * replies, conversations.replies of each thread found.  Slack's ts are
 * microseconds: written back with six decimals they are exact.
 */
int
oed_mon_fetch_slack(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	const char *token = getenv(s->token_env);
	struct slack sl = { cx, it, NULL, { NULL }, 0, false, false, NULL, NULL, 0 };
	struct oed_buf q = OED_BUF_INIT;
	char *auth = NULL, *latest = NULL, num[64];
	double from, to, newest_before = 0;
	int rc = -1;

	if (oed_mon_api_window(cx, &from, &to, err) == -1)
		return -1;
	/*
	 * The last run's history stopped at max_pages: history comes newest
	 * first, so go on below the oldest message it read (Slack's latest),
	 * down to its window's start, and move the watermark to the newest it
	 * read once that walk is done.
	 */
	if (!cx->backfill) {
		double rf, rt;

		if (oed_mon_resume_get(cx, &latest, &rf, &rt, err) == -1)
			return -1;
		if (latest) {
			from = rf;
			newest_before = rt;
		}
	}
	if ((sl.net = oed_mon_api_net(err)) == NULL)
		return -1;
	oed_net_secret(sl.net, token);
	if (asprintf(&auth, "Authorization: Bearer %s", token ? token : "") == -1) {
		auth = NULL;
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	sl.headers[0] = auth;
	sl.headers[1] = "Accept: application/json";
	oed_mon_query_add(&q, "channel", s->channel);
	snprintf(num, sizeof(num), "%ld", s->page_size);
	oed_mon_query_add(&q, "limit", num);
	snprintf(num, sizeof(num), "%.6f", from);
	oed_mon_query_add(&q, "oldest", num);
	if (cx->backfill) {
		snprintf(num, sizeof(num), "%.6f", to);
		oed_mon_query_add(&q, "latest", num);
	} else if (latest) {
		oed_mon_query_add(&q, "latest", latest);	/* exact, as Slack wrote it */
	}
	if (q.data == NULL || method(&sl, "conversations.history", q.data, NULL, err) == -1)
		goto out;
	for (size_t i = 0; i < sl.nthreads; i++) {
		oed_buf_reset(&q);
		oed_mon_query_add(&q, "channel", s->channel);
		oed_mon_query_add(&q, "ts", sl.threads[i]);
		snprintf(num, sizeof(num), "%ld", s->page_size);
		oed_mon_query_add(&q, "limit", num);
		if (q.data == NULL || method(&sl, "conversations.replies", q.data, sl.threads[i], err) == -1)
			goto out;
	}
	/*
	 * History comes newest first: stopped early, what it did not read is
	 * older, so the watermark stays and the next run goes on below the
	 * oldest message read.
	 */
	if (sl.newest < newest_before)
		sl.newest = newest_before;
	if (sl.history_capped && !cx->backfill && sl.oldest_ts) {
		cx->resume = RESUME_SET;
		cx->resume_position = sl.oldest_ts;
		sl.oldest_ts = NULL;
		cx->resume_from = from;
		cx->resume_to = sl.newest;
		oed_warn("slack: conversations.history: stopped after %ld pages (max_pages): the next run goes on"
			 " with older messages (the watermark stays till then)", s->max_pages);
	} else if (sl.history_capped) {
		oed_warn("slack: conversations.history: stopped after %ld pages (max_pages): the rest is read"
			 " next run (the watermark stays)", s->max_pages);
	} else if (latest) {
		cx->resume = RESUME_CLEAR;	/* the walk is done */
	}
	if (!cx->backfill && sl.newest > 0 && !sl.capped)
		cx->watermark = sl.newest;
	rc = 0;
out:
	free(latest);
	free(sl.oldest_ts);
	for (size_t i = 0; i < sl.nthreads; i++)
		free(sl.threads[i]);
	free(sl.threads);
	if (auth)
		explicit_bzero(auth, strlen(auth));
	free(auth);
	oed_buf_release(&q);
	oed_net_free(sl.net);
	return rc;
}
