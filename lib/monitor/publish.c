/* publish.c: the publishers table and the outbox (internal.h). */
#include "config.h"

#include "internal.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "base64.h"
#include "exit.h"
#include "net/net.h"
#include "time.h"

/* Slack's section text limit is 3000 characters; stay under it. */
#define SLACK_TEXT_MAX 2900

int
oed_mon_outbox_add(struct oed_mon_ctx *cx, size_t sink, const char *payload, size_t len,
		   struct oed_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	st = oed_store_prepare(cx->store, "INSERT INTO monitor_outbox (source_id, sink, payload, created)"
			       " VALUES (?, ?, ?, ?)", err);
	if (st == NULL)
		return -1;
	oed_now_rfc3339(now);
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sink);
	sqlite3_bind_text(st, 3, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : oed_store_fail(cx->store, err, "cannot queue a publish");
	sqlite3_finalize(st);
	return rc;
}

int
oed_mon_slack_escape(struct oed_buf *b, const char *s, size_t max)
{
	size_t start = b->len;

	for (; *s; s++) {
		const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
		size_t n = rep ? strlen(rep) : 1;

		if (b->len - start + n > max) {
			/* back to a UTF-8 boundary, then say it was cut */
			while (b->len > start && ((unsigned char)b->data[b->len - 1] & 0xC0) == 0x80)
				b->len--;
			if (b->len > start && (unsigned char)b->data[b->len - 1] >= 0xC0)
				b->len--;
			b->data[b->len] = '\0';
			return oed_buf_adds(b, "…");
		}
		if (rep ? oed_buf_adds(b, rep) : oed_buf_addc(b, *s))
			return -1;
	}
	return 0;
}

int
oed_mon_hmac_hex(const char *key, const char *body, size_t len, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, len, mac, &n) == NULL)
		return -1;
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	out[64] = '\0';
	return 0;
}

/* The Slack message of an alert record: blocks and a plain-text fallback. */
static char *
slack_body(const char *payload, size_t len)
{
	json_t *rec = json_loadb(payload, len, 0, NULL), *body;
	struct oed_buf t = OED_BUF_INIT, plain = OED_BUF_INIT;
	const char *state, *alert, *mon, *stat, *scorer, *op;
	char *out = NULL, v[32] = "null", th[32] = "?";
	json_t *value;

	if (rec == NULL)
		return NULL;
	mon = json_string_value(json_object_get(rec, "monitor"));
	alert = json_string_value(json_object_get(rec, "alert"));
	state = json_string_value(json_object_get(rec, "transition"));
	stat = json_string_value(json_object_get(rec, "stat"));
	scorer = json_string_value(json_object_get(rec, "scorer"));
	op = json_string_value(json_object_get(rec, "op"));
	value = json_object_get(rec, "value");
	if (json_is_number(value))
		oed_fmt_double(v, json_number_value(value));
	if (json_is_number(json_object_get(rec, "threshold")))
		oed_fmt_double(th, json_number_value(json_object_get(rec, "threshold")));
	if (json_is_string(json_object_get(rec, "slo"))) {
		char b[32] = "?";

		if (json_is_number(json_object_get(rec, "budget_remaining")))
			oed_fmt_double(b, json_number_value(json_object_get(rec, "budget_remaining")));
		oed_buf_printf(&plain, "[%s] SLO %s %s: error budget burning too fast (%s) (budget remaining %s)",
			       mon ? mon : "?", json_string_value(json_object_get(rec, "slo")),
			       state && strcmp(state, "resolved") == 0 ? "resolved" : "FIRING",
			       scorer ? scorer : "?", b);
	} else {
		oed_buf_printf(&plain, "[%s] %s %s: %s(%s) = %s %s %s (n=%lld)",
			       mon ? mon : "?", alert ? alert : "?",
			       state && strcmp(state, "resolved") == 0 ? "resolved" : "FIRING",
			       stat ? stat : "?", scorer ? scorer : "?", v,
			       state && strcmp(state, "resolved") == 0 ? "no longer" : op ? op : "?", th,
			       (long long)json_integer_value(json_object_get(rec, "n")));
	}
	oed_buf_adds(&t, state && strcmp(state, "resolved") == 0 ? ":white_check_mark: " : ":rotating_light: ");
	oed_mon_slack_escape(&t, plain.data ? plain.data : "", SLACK_TEXT_MAX);
	body = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text", t.data ? t.data : "",
			 "blocks", "type", "section", "text", "type", "mrkdwn", "text",
			 t.data ? t.data : "");
	if (body)
		out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_decref(rec);
	oed_buf_release(&t);
	oed_buf_release(&plain);
	return out;
}

struct http_wait {
	struct oed_mon_http *p;
	const char *want;
};

static void
post_done(const struct oed_net_result *r, void *ctx)
{
	struct http_wait *hw = ctx;
	struct oed_mon_http *p = hw->p;

	p->done = true;
	p->status = r->status;
	p->body = r->body ? strndup(r->body, r->len) : NULL;
	if (hw->want)
		p->header = oed_net_result_header(r, hw->want);
	snprintf(p->error, sizeof(p->error), "%s", r->failed ? r->error : "");
}

int
oed_mon_http_ex(struct oed_net *net, const char *method, const char *url, const char *const *headers,
		const char *body, const char *want_header, struct oed_mon_http *p, struct oed_err *err)
{
	struct oed_net_req rq = { method, url, headers, body, body ? strlen(body) : 0, 0, NULL };
	struct http_wait hw = { p, want_header };

	memset(p, 0, sizeof(*p));
	if (oed_net_submit(net, &rq, err) == -1)
		return -1;
	while (!p->done)
		if (oed_net_poll(net, 1000, post_done, &hw, err) == -1)
			return -1;
	return 0;
}

int
oed_mon_http(struct oed_net *net, const char *method, const char *url, const char *const *headers,
	     const char *body, struct oed_mon_http *p, struct oed_err *err)
{
	return oed_mon_http_ex(net, method, url, headers, body, NULL, p, err);
}

/* The score's id: the same for the same (monitor, trace, scorer), so a resend replaces it. */
static void
score_id(const char *monitor, const char *trace, const char *scorer, char out[40])
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_hash_t h;

	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, monitor, strlen(monitor) + 1);
	XXH3_128bits_update(st, trace, strlen(trace) + 1);
	XXH3_128bits_update(st, scorer, strlen(scorer) + 1);
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	snprintf(out, 40, "oed-%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

/* Each score of a monitor.item record to Langfuse; 1 all delivered, 0 one failed, -1 err. */
static int
deliver_scores(struct oed_mon_ctx *cx, struct oed_net *net, const struct oed_mon_publish *pub,
	       const char *payload, size_t len, char *why, size_t whysz, struct oed_err *err)
{
	const char *host = getenv(pub->host_env), *pk = getenv(pub->public_key_env),
		   *sk = getenv(pub->secret_key_env), *trace, *key;
	json_t *rec = json_loadb(payload, len, 0, NULL), *scores, *v;
	char *userpass = NULL, *auth64 = NULL, hdr[600], url[2048], id[40];
	int ok = 1;

	if (rec == NULL)
		return 1;	/* nothing this publisher can send */
	trace = json_string_value(json_object_get(rec, "id"));
	scores = json_object_get(rec, "scores");
	if (host == NULL || pk == NULL || sk == NULL) {
		snprintf(why, whysz, "the Langfuse variables are not set");
		json_decref(rec);
		return 0;
	}
	if (asprintf(&userpass, "%s:%s", pk, sk) == -1 ||
	    (auth64 = oed_base64_encode((const unsigned char *)userpass, strlen(userpass))) == NULL) {
		free(userpass);
		json_decref(rec);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	oed_net_secret(net, pk);
	oed_net_secret(net, sk);
	oed_net_secret(net, auth64);
	snprintf(hdr, sizeof(hdr), "Authorization: Basic %s", auth64);
	snprintf(url, sizeof(url), "%s/api/public/scores", host);
	json_object_foreach(scores, key, v) {
		const char *headers[3] = { "Content-Type: application/json", hdr, NULL };
		const struct oed_scorer_spec *spec = NULL;
		const char *reason;
		struct oed_mon_http p;
		json_t *body;
		char *text;

		if (json_is_null(v) || trace == NULL)
			continue;
		for (size_t k = 0; k < cx->m->nspecs; k++)
			if (strcmp(cx->m->specs[k]->key, key) == 0)
				spec = cx->m->specs[k];
		score_id(cx->m->name, trace, key, id);
		body = json_pack("{s:s, s:s, s:s, s:O, s:s}", "id", id, "traceId", trace, "name", key,
				 "value", v, "dataType",
				 json_is_string(v) ? "CATEGORICAL"
				 : spec && spec->scorer->kind == OED_SCORE_PASS ? "BOOLEAN" : "NUMERIC");
		reason = json_string_value(json_object_get(json_object_get(json_object_get(rec, "judge"),
									    key), "reasoning"));
		/* a judge's reasoning goes with its score */
		json_object_set_new(body, "comment",
				    reason ? json_sprintf("oed-monitor %s, run %lld: %s", cx->m->name,
							  (long long)json_integer_value(json_object_get(rec, "run")),
							  reason)
				    : json_sprintf("oed-monitor %s, run %lld", cx->m->name,
						   (long long)json_integer_value(json_object_get(rec, "run"))));
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (text == NULL || oed_mon_http(net, "POST", url, headers, text, &p, err) == -1) {
			free(text);
			ok = -1;
			break;
		}
		free(text);
		if (p.status < 200 || p.status >= 300) {
			snprintf(why, whysz, "%s", p.error[0] ? p.error : "");
			if (!p.error[0])
				snprintf(why, whysz, "HTTP %ld", p.status);
			oed_net_redact(net, why, strlen(why));
			free(p.body);
			ok = 0;
			break;
		}
		free(p.body);
	}
	free(userpass);
	free(auth64);
	json_decref(rec);
	return ok;
}

/* Deliver one payload; 1 delivered, 0 failed (why in why), -1 err. */
static int
deliver(struct oed_mon_ctx *cx, struct oed_net **net, const struct oed_mon_publish *pub,
	const char *payload, size_t len, char *why, size_t whysz, struct oed_err *err)
{
	const char *url, *secret = NULL;
	char *body = NULL, sig[65], sighdr[256];
	const char *headers[3] = { "Content-Type: application/json", NULL, NULL };
	struct oed_mon_http p;
	int ok;

	if (pub->type == OED_MON_PUB_JSONL) {
		FILE *fp = fopen(pub->path, "a");

		if (fp == NULL || fwrite(payload, 1, len, fp) != len || fflush(fp) == EOF ||
		    fsync(fileno(fp)) == -1) {
			snprintf(why, whysz, "cannot write '%s': %s", oed_quote(pub->path), strerror(errno));
			if (fp)
				fclose(fp);
			return 0;
		}
		if (fclose(fp) == EOF) {
			snprintf(why, whysz, "cannot write '%s': %s", oed_quote(pub->path), strerror(errno));
			return 0;
		}
		return 1;
	}
	if (*net == NULL) {
		struct oed_net_opts o;

		oed_net_opts_init(&o);
		o.concurrency = 1;
		o.max_retries = 2;
		o.backoff_base_ms = 200;
		o.backoff_cap_ms = 2000;
		o.timeout_s = 30;
		if ((*net = oed_net_new(&o, err)) == NULL)
			return -1;
	}
	if (pub->type == OED_MON_PUB_LANGFUSE_SCORES)
		return deliver_scores(cx, *net, pub, payload, len, why, whysz, err);
	url = getenv(pub->url_env);
	if (url == NULL || *url == '\0') {
		snprintf(why, whysz, "environment variable '%s' is not set", oed_quote(pub->url_env));
		return 0;
	}
	oed_net_secret(*net, url);
	if (pub->type == OED_MON_PUB_SLACK) {
		if ((body = slack_body(payload, len)) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	} else {
		if ((body = strndup(payload, len)) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		while (len && body[len - 1] == '\n')
			body[--len] = '\0';
		if (pub->secret_env) {
			secret = getenv(pub->secret_env);
			if (secret == NULL || *secret == '\0') {
				snprintf(why, whysz, "environment variable '%s' is not set",
					 oed_quote(pub->secret_env));
				free(body);
				return 0;
			}
			oed_net_secret(*net, secret);
			if (oed_mon_hmac_hex(secret, body, len, sig) == -1) {
				free(body);
				return oed_err_set(err, OED_EX_FAIL, "HMAC-SHA256 failed");
			}
			snprintf(sighdr, sizeof(sighdr), "%s: sha256=%s",
				 pub->signature_header ? pub->signature_header : "X-Oed-Signature", sig);
			headers[1] = sighdr;
		}
	}
	if (oed_mon_http(*net, "POST", url, headers, body, &p, err) == -1) {
		free(body);
		return -1;
	}
	free(body);
	if (pub->type == OED_MON_PUB_SLACK)
		ok = p.status == 200 && p.body && strcmp(p.body, "ok") == 0;
	else
		ok = p.status >= 200 && p.status < 300;
	if (!ok) {
		if (p.error[0])
			snprintf(why, whysz, "%s", p.error);
		else
			snprintf(why, whysz, "HTTP %ld", p.status);
		oed_net_redact(*net, why, strlen(why));
	}
	free(p.body);
	return ok;
}

static const char *const pub_names[] = { "jsonl", "webhook", "slack", "langfuse_scores" };

/*
 * The flush lease: one run of a monitor delivers its outbox at a time, or
 * two overlapping runs would read the same rows and both deliver them.
 * Taken when free or expired (a holder killed mid-flush); renewed after
 * each delivery; 1 when another live run holds it.
 */
static int
flush_lease(struct oed_mon_ctx *cx, bool take, struct oed_err *err)
{
	sqlite3_stmt *st;
	int64_t now = (int64_t)(oed_time_now() * 1000.0);
	int rc;

	st = oed_store_prepare(cx->store, take ?
			       "INSERT INTO monitor_flush_leases (source_id, run_id, until)"
			       " VALUES (?1, ?2, ?3) ON CONFLICT (source_id) DO UPDATE"
			       " SET run_id = ?2, until = ?3 WHERE until <= ?4 OR run_id = ?2" :
			       "DELETE FROM monitor_flush_leases WHERE source_id = ?1 AND run_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_int64(st, 2, cx->run);
	if (take) {
		sqlite3_bind_int64(st, 3, now + cx->m->lease_ms);
		sqlite3_bind_int64(st, 4, now);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = oed_store_fail(cx->store, err, "cannot take the outbox's lease");
	else
		rc = take && sqlite3_changes(oed_store_db(cx->store)) != 1 ? 1 : 0;
	sqlite3_finalize(st);
	return rc;
}

static int
flush_rows(struct oed_mon_ctx *cx, size_t *left, struct oed_err *err)
{
	sqlite3_stmt *sel, *del = NULL, *bump = NULL;
	struct oed_net *net = NULL;
	int rc = -1, step;

	*left = 0;
	sel = oed_store_prepare(cx->store, "SELECT id, sink, payload FROM monitor_outbox"
				" WHERE source_id = ? ORDER BY id", err);
	if (sel == NULL)
		return -1;
	del = oed_store_prepare(cx->store, "DELETE FROM monitor_outbox WHERE id = ?", err);
	bump = oed_store_prepare(cx->store, "UPDATE monitor_outbox SET attempts = attempts + 1 WHERE id = ?", err);
	if (del == NULL || bump == NULL)
		goto out;
	sqlite3_bind_int64(sel, 1, cx->source_id);
	/* read the ids first: the statement must not stay open across the deletes */
	{
		struct row { int64_t id, sink; char *payload; size_t len; } *rows = NULL;
		size_t n = 0, cap = 0, failed_sinks = 0;
		unsigned char failed[64] = { 0 };

		while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
			if (n == cap) {
				struct row *r2 = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof(*r2));

				if (r2 == NULL) {
					oed_err_set(err, OED_EX_FAIL, "out of memory");
					goto rows_out;
				}
				rows = r2;
			}
			rows[n].id = sqlite3_column_int64(sel, 0);
			rows[n].sink = sqlite3_column_int64(sel, 1);
			rows[n].len = (size_t)sqlite3_column_bytes(sel, 2);
			rows[n].payload = strndup((const char *)sqlite3_column_text(sel, 2), rows[n].len);
			if (rows[n].payload == NULL) {
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				goto rows_out;
			}
			n++;
		}
		if (step != SQLITE_DONE) {
			oed_store_fail(cx->store, err, "cannot read the outbox");
			goto rows_out;
		}
		for (size_t i = 0; i < n; i++) {
			char why[512] = "";
			const struct oed_mon_publish *pub;
			int d;

			if (rows[i].sink < 0 || (size_t)rows[i].sink >= cx->m->npubs) {
				(*left)++;	/* its publisher is gone from the file: keep it */
				continue;
			}
			pub = &cx->m->pubs[rows[i].sink];
			/* after a failure, later payloads of that sink wait: order is kept */
			if (rows[i].sink < 64 && failed[rows[i].sink]) {
				(*left)++;
				continue;
			}
			if (cx->delay_ms > 0)
				nanosleep(&(struct timespec){ cx->delay_ms / 1000, cx->delay_ms % 1000 * 1000000L }, NULL);
			d = deliver(cx, &net, pub, rows[i].payload, rows[i].len, why, sizeof(why), err);
			if (d == -1)
				goto rows_out;
			if (flush_lease(cx, true, err) == -1)
				goto rows_out;
			if (d == 1) {
				sqlite3_reset(del);
				sqlite3_bind_int64(del, 1, rows[i].id);
				if (sqlite3_step(del) != SQLITE_DONE) {
					oed_store_fail(cx->store, err, "cannot update the outbox");
					goto rows_out;
				}
				continue;
			}
			sqlite3_reset(bump);
			sqlite3_bind_int64(bump, 1, rows[i].id);
			if (sqlite3_step(bump) != SQLITE_DONE) {
				oed_store_fail(cx->store, err, "cannot update the outbox");
				goto rows_out;
			}
			if (rows[i].sink < 64)
				failed[rows[i].sink] = 1;
			failed_sinks++;
			(*left)++;
			oed_warn("publish to %s (publish %lld) failed: %s; kept for the next run",
				 pub_names[pub->type], (long long)rows[i].sink + 1, why);
		}
		rc = 0;
rows_out:
		for (size_t i = 0; i < n; i++)
			free(rows[i].payload);
		free(rows);
		(void)failed_sinks;
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	sqlite3_finalize(bump);
	oed_net_free(net);
	return rc;
}

int
oed_mon_outbox_flush(struct oed_mon_ctx *cx, size_t *left, struct oed_err *err)
{
	int held, rc;

	/* wait for an overlapping run's flush: it may not hold our rows yet */
	while ((held = flush_lease(cx, true, err)) == 1)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	if (held == -1)
		return -1;
	rc = flush_rows(cx, left, err);
	if (flush_lease(cx, false, rc == 0 ? err : &(struct oed_err){ 0 }) == -1)
		rc = -1;
	return rc;
}
