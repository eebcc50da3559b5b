/* run.c: one monitor run: fetch, dedup, sample, claim, score, alert, publish (monitor.h). */
#include "config.h"

#include "internal.h"

#include <math.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

#include "exit.h"
#include "map.h"
#include "progress.h"
#include "provider/provider.h"

enum { ITEM_NEW, ITEM_SEEN, ITEM_DUP, ITEM_SAMPLED, ITEM_CLAIMED, ITEM_LOST, ITEM_BAD };

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

static int64_t
now_ms(void)
{
	return (int64_t)(oed_time_now() * 1000.0);
}

/* The (monitor, source) row; created unless create is false (then 0 when absent). */
static int
source_id(struct oed_mon_ctx *cx, bool create, struct oed_err *err)
{
	sqlite3_stmt *st;

	if (create) {
		st = oed_store_prepare(cx->store, "INSERT OR IGNORE INTO monitor_sources (monitor, source)"
				       " VALUES (?, ?)", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, cx->m->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cx->m->source.ident, -1, SQLITE_STATIC);
		if (oed_store_step(cx->store, st, "cannot add the monitor", err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
	}
	st = oed_store_prepare(cx->store, "SELECT id FROM monitor_sources WHERE monitor = ? AND source = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, cx->m->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cx->m->source.ident, -1, SQLITE_STATIC);
	cx->source_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

int
oed_mon_offset_get(struct oed_mon_ctx *cx, const char *path, long long *offset, long long *inode,
		   struct oed_err *err)
{
	sqlite3_stmt *st;

	*offset = *inode = 0;
	if (cx->source_id == 0)
		return 0;
	st = oed_store_prepare(cx->store, "SELECT offset, inode FROM monitor_offsets"
			       " WHERE source_id = ? AND path = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*offset = sqlite3_column_int64(st, 0);
		*inode = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int
oed_mon_watermark_get(struct oed_mon_ctx *cx, double *t, struct oed_err *err)
{
	sqlite3_stmt *st;

	*t = 0;
	if (cx->source_id == 0)
		return 0;
	st = oed_store_prepare(cx->store, "SELECT until FROM monitor_watermarks WHERE source_id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cx->source_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*t = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
oed_mon_resume_get(struct oed_mon_ctx *cx, char **position, double *from, double *to, struct oed_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*position = NULL;
	*from = *to = 0;
	if (cx->store == NULL || cx->source_id == 0)
		return 0;
	/* a store older than the table (read only, a dry run): no walk to go on with */
	if (sqlite3_prepare_v2(oed_store_db(cx->store), "SELECT since, until, position FROM monitor_resume"
			       " WHERE source_id = ?", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_bind_int64(st, 1, cx->source_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*from = sqlite3_column_double(st, 0);
		*to = sqlite3_column_double(st, 1);
		if ((*position = strdup((const char *)sqlite3_column_text(st, 2))) == NULL)
			rc = -1;
	}
	sqlite3_finalize(st);
	if (rc == -1)
		return nomem(err);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return oed_store_fail(cx->store, err, "cannot read where the last walk stopped");
	return 0;
}

/* In finish's transaction: keep or forget where the walk stopped, as the fetch said. */
static int
save_resume(struct oed_mon_ctx *cx, struct oed_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (cx->resume == RESUME_KEEP)
		return 0;
	st = oed_store_prepare(cx->store, cx->resume == RESUME_SET ?
			       "INSERT INTO monitor_resume (source_id, since, until, position) VALUES (?1, ?2, ?3, ?4)"
			       " ON CONFLICT (source_id) DO UPDATE SET since = ?2, until = ?3, position = ?4" :
			       "DELETE FROM monitor_resume WHERE source_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cx->source_id);
	if (cx->resume == RESUME_SET) {
		if (cx->resume_to > 0) {
			sqlite3_bind_double(st, 2, cx->resume_from);
			sqlite3_bind_double(st, 3, cx->resume_to);
		}
		sqlite3_bind_text(st, 4, cx->resume_position, -1, SQLITE_STATIC);
	}
	rc = oed_store_step(cx->store, st, "cannot save where the walk stopped", err);
	sqlite3_finalize(st);
	return rc;
}

/* ---- dedup, sample, claim ---- */

static void
item_drop(struct oed_mon_item *x)
{
	if (!x->borrowed) {
		free(x->id);
		free(x->line);
	}
	json_decref(x->rec);
}

int
oed_mon_dedup(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	struct oed_map batch;
	struct oed_mon_item **look = NULL;
	int *found = NULL;
	size_t from = it->checked, nlook = 0, w;
	int64_t now = now_ms();

	if (from == it->n)
		return 0;
	if (cx->source_id && it->keys == NULL && (it->keys = oed_mon_keys_new(cx->store, cx->source_id)) == NULL)
		return nomem(err);
	oed_map_init(&batch);
	if ((look = malloc((it->n - from) * sizeof(*look))) == NULL)
		goto nomem;
	/*
	 * In the order read, a repeat of an id met earlier in this fetch (a
	 * new item kept from an earlier batch, or anything in this one) is
	 * no item: the first is.
	 */
	for (size_t i = from; i < it->n; i++) {
		struct oed_mon_item *x = &it->v[i];
		uint64_t h = oed_mon_sample_key(0, x->id, x->idlen), *slot;
		struct oed_mon_item *y;
		bool added;

		x->seq = (size_t)it->fetched++;
		x->state = ITEM_NEW;
		if ((slot = oed_map_get(&it->ids, h)) != NULL) {
			y = &it->v[*slot];
			if (y->idlen == x->idlen && memcmp(y->id, x->id, x->idlen) == 0) {
				x->state = ITEM_DUP;
				continue;
			}
		}
		if ((slot = oed_map_put(&batch, h, &added)) == NULL)
			goto nomem;
		if (!added) {
			y = &it->v[*slot];
			if (y->idlen == x->idlen && memcmp(y->id, x->id, x->idlen) == 0) {
				x->state = ITEM_DUP;
				continue;
			}
		} else {
			*slot = i;
		}
		x->hash = oed_mon_key_of(cx->source_id, x->id, x->idlen);
		look[nlook++] = x;
	}
	if (it->keys) {
		sqlite3 *db = oed_store_db(cx->store);
		bool txn;

		/* one read transaction per batch: the claims and chunks read hold together */
		txn = sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
		if (oed_mon_keys_sync(it->keys, err) == -1) {
			if (txn)
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		if ((found = malloc((nlook ? nlook : 1) * sizeof(*found))) == NULL ||
		    oed_mon_keys_find_many(it->keys, look, nlook, now, found, err) == -1) {
			if (found == NULL)
				nomem(err);
			if (txn)
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		for (size_t k = 0; k < nlook; k++) {
			struct oed_mon_item *x = look[k];

			if (found[k] == OED_MON_KEY_NEW)
				continue;
			x->state = ITEM_SEEN;
			if (found[k] == OED_MON_KEY_HELD) {	/* a live run has it */
				if (x->file != (size_t)-1)
					it->files[x->file].held = true;
				it->held = true;
			}
		}
		if (txn)
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	/* keep the new items, in the order read */
	w = from;
	for (size_t i = from; i < it->n; i++) {
		struct oed_mon_item *x = &it->v[i];
		uint64_t *slot;
		bool added;

		if (x->state != ITEM_NEW) {
			item_drop(x);
			continue;
		}
		x->key = oed_mon_sample_key(cx->m->seed, x->id, x->idlen);
		if (x->borrowed) {
			/* kept: copied on into the run's blocks, the arena is emptied below */
			char *id = oed_mon_keep_copy(it, x->id, x->idlen);
			char *line = id && x->line ? oed_mon_keep_copy(it, x->line, x->linelen) : NULL;

			if (id == NULL || (x->line && line == NULL)) {
				it->n = w;
				it->checked = it->n;
				goto nomem;
			}
			x->id = id;
			x->line = line;
		}
		if (w != i)
			it->v[w] = *x;
		if ((slot = oed_map_put(&it->ids, oed_mon_sample_key(0, x->id, x->idlen), &added)) == NULL) {
			/* the items from i + 1 on are still whole: drop them too */
			for (size_t j = i + 1; j < it->n; j++)
				item_drop(&it->v[j]);
			it->n = w + 1;
			it->checked = it->n;
			goto nomem;
		}
		if (added)
			*slot = w;
		w++;
		it->fresh++;
	}
	it->n = it->checked = w;
	oed_mon_arena_reset(it);
	oed_map_release(&batch);
	free(look);
	free(found);
	return 0;
nomem:
	nomem(err);
	oed_mon_arena_reset(it);
fail:
	oed_map_release(&batch);
	free(look);
	free(found);
	return -1;
}

/*
 * Parse the kept lines of the items in state (new, before a stratified
 * sample; sampled, after any): one that turns out not to be an item is
 * counted an error and no longer fetched, new or sampled.
 */
static int
parse_items(const struct oed_monitor *m, struct oed_mon_items *it, int state, struct oed_mon_result *res,
	    struct oed_err *err)
{
	for (size_t i = 0; i < it->n; i++) {
		struct oed_mon_item *x = &it->v[i];
		int r;

		if (x->state != state || x->rec)
			continue;
		if ((r = oed_mon_item_parse_fast(m, it, x)) == -1)
			return nomem(err);
		if (r == 0) {
			x->state = ITEM_BAD;
			res->errors++;
			res->fetched--;
			res->fresh--;
			if (state == ITEM_SAMPLED)
				res->sampled--;
		}
	}
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	const struct oed_mon_item *const *x = a, *const *y = b;

	if ((*x)->key != (*y)->key)
		return (*x)->key < (*y)->key ? -1 : 1;
	return (*x)->seq < (*y)->seq ? -1 : (*x)->seq > (*y)->seq;
}

static char *
stratum_of(const struct oed_monitor *m, json_t *rec)
{
	json_t *v = oed_path_get(&m->stratum, rec);

	if (v == NULL)
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Choose which new items are scored: state ITEM_SAMPLED. */
static int
sample(struct oed_mon_ctx *cx, struct oed_mon_items *it, uint64_t *sampled, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	struct oed_mon_item **v;
	size_t n = 0, keep;

	*sampled = 0;
	if ((v = malloc((it->n ? it->n : 1) * sizeof(*v))) == NULL)
		return nomem(err);
	for (size_t i = 0; i < it->n; i++)
		if (it->v[i].state == ITEM_NEW)
			v[n++] = &it->v[i];
	keep = n;
	switch (m->sample) {
	case OED_MON_SAMPLE_ALL:
		break;
	case OED_MON_SAMPLE_RANDOM:
		if (m->sample_n == 0) {
			/* a fraction: each item by its own hash, so runs agree */
			double lim = m->fraction * 18446744073709551616.0;
			size_t k = 0;

			for (size_t i = 0; i < n; i++)
				if (m->fraction >= 1 || (double)v[i]->key < lim)
					v[k++] = v[i];
			n = keep = k;
			break;
		}
		qsort(v, n, sizeof(*v), by_key);
		keep = n < (size_t)m->sample_n ? n : (size_t)m->sample_n;
		break;
	case OED_MON_SAMPLE_OLDEST:
		keep = n < (size_t)m->sample_n ? n : (size_t)m->sample_n;
		break;
	case OED_MON_SAMPLE_MOST_RECENT:
		keep = n < (size_t)m->sample_n ? n : (size_t)m->sample_n;
		memmove(v, v + (n - keep), keep * sizeof(*v));
		break;
	case OED_MON_SAMPLE_STRATIFIED: {
		/* n per stratum, chosen by hash within each */
		struct oed_map counts;
		size_t k = 0;

		qsort(v, n, sizeof(*v), by_key);
		oed_map_init(&counts);
		for (size_t i = 0; i < n; i++) {
			char *s = stratum_of(m, v[i]->rec);
			uint64_t *c;
			bool added;

			if (s == NULL) {
				oed_map_release(&counts);
				free(v);
				return nomem(err);
			}
			c = oed_map_put(&counts, oed_mon_sample_key(1, s, strlen(s)), &added);
			free(s);
			if (c == NULL) {
				oed_map_release(&counts);
				free(v);
				return nomem(err);
			}
			if (added)
				*c = 0;
			if (*c < (uint64_t)m->sample_n) {
				(*c)++;
				v[k++] = v[i];
			}
		}
		oed_map_release(&counts);
		keep = k;
		break;
	}
	}
	for (size_t i = 0; i < keep; i++)
		v[i]->state = ITEM_SAMPLED;
	*sampled = keep;
	free(v);
	return 0;
}

/* A sampled item another run scored or holds since the look-up: not this run's. */
static void
lose(struct oed_mon_items *it, struct oed_mon_item *x)
{
	x->state = ITEM_LOST;
	if (x->file != (size_t)-1)
		it->files[x->file].held = true;
	it->held = true;
}

/*
 * One transaction: claim every sampled item that is not scored and that no
 * live run holds, in sets of one scoring batch, in the order scored: each
 * batch then marks its set whole.  Claims whose lease ran out are dropped
 * first; what the look-ups found holds unless another run committed since,
 * and then each item is looked up again.
 */
static int
claim(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	int64_t now = now_ms(), lease = now + cx->m->lease_ms;
	size_t batch = (size_t)cx->m->batch, n = 0;
	struct oed_mon_key *v;
	size_t *at;
	int changed;

	if (it->keys == NULL && (it->keys = oed_mon_keys_new(cx->store, cx->source_id)) == NULL)
		return nomem(err);
	v = malloc(batch * sizeof(*v));
	at = malloc(batch * sizeof(*at));
	if (v == NULL || at == NULL) {
		free(v);
		free(at);
		return nomem(err);
	}
	if (oed_store_begin(cx->store, err) == -1)
		goto out;
	if ((changed = oed_mon_keys_sync(it->keys, err)) == -1 || oed_mon_keys_expire(it->keys, now, err) == -1)
		goto fail;
	for (size_t i = 0; i <= it->n; i++) {
		struct oed_mon_item *x = i < it->n ? &it->v[i] : NULL;

		if (x && x->state != ITEM_SAMPLED)
			continue;
		if (x && changed) {
			int found = oed_mon_keys_find(it->keys, x->hash, x->id, x->idlen, now, err);

			if (found == -1)
				goto fail;
			if (found != OED_MON_KEY_NEW) {
				lose(it, x);
				continue;
			}
		}
		if (x) {
			at[n] = i;
			v[n++] = x->hash;
		}
		if (n && (n == batch || x == NULL)) {
			int64_t row;

			if (oed_mon_keys_claim(it->keys, cx->run, lease, v, n, &row, err) == -1)
				goto fail;
			for (size_t j = 0; j < n; j++) {
				it->v[at[j]].state = ITEM_CLAIMED;
				it->v[at[j]].claim = row;
			}
			n = 0;
		}
	}
	if (oed_store_commit(cx->store, err) == -1)
		goto fail;
	free(v);
	free(at);
	return 0;
fail:
	oed_store_rollback(cx->store);
out:
	free(v);
	free(at);
	return -1;
}

/* ---- scoring ---- */

struct agg {
	uint64_t n, verdicts, fails;
	double sum, sumsq, min, max;
};

/* A field's text: a string as is, anything else as JSON; NULL when absent. */
char *
oed_mon_field_text(const struct oed_mon_field *f, json_t *rec, void *match_data, size_t *len)
{
	json_t *v = oed_path_get(&f->path, rec);
	pcre2_match_data *md = match_data;
	char *s;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v)) {
		*len = json_string_length(v);
		s = malloc(*len + 1);
		if (s) {
			memcpy(s, json_string_value(v), *len);
			s[*len] = '\0';
		}
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		*len = s ? strlen(s) : 0;
	}
	if (s && f->re) {
		int rc = pcre2_match(f->re, (PCRE2_SPTR)s, *len, 0, 0, md, NULL);
		PCRE2_SIZE *ov;
		char *g;
		int k;

		if (rc <= 0) {
			free(s);
			return NULL;
		}
		ov = pcre2_get_ovector_pointer(md);
		k = rc > 1 && ov[2] != PCRE2_UNSET ? 1 : 0;
		*len = ov[2 * k + 1] - ov[2 * k];
		g = strndup(s + ov[2 * k], *len);
		free(s);
		s = g;
	}
	return s;
}

/*
 * What the metadata scorers read (latency, cost, finish_reason): the
 * monitor's field of that name when it has one, else the item's top-level
 * key, as oed-ingest's records have them.  NAN or NULL when absent.
 */
const char *const oed_mon_meta[OED_MON_NMETA] = {
	[OED_MON_META_LATENCY] = "latency_ms",
	[OED_MON_META_COST] = "cost_usd",
	[OED_MON_META_TOKENS_OUT] = "tokens_out",
	[OED_MON_META_FINISH] = "finish_reason",
};

static const char *
meta_text(const struct oed_monitor *m, json_t *rec, char **vals, const char *name)
{
	for (size_t i = 2; i < m->nfields; i++)
		if (strcmp(m->fields[i].name, name) == 0)
			return vals[i];
	return json_string_value(json_object_get(rec, name));
}

static double
meta_number(const struct oed_monitor *m, json_t *rec, char **vals, const char *name)
{
	json_t *v;

	for (size_t i = 2; i < m->nfields; i++)
		if (strcmp(m->fields[i].name, name) == 0) {
			char *end;
			double d;

			if (vals[i] == NULL)
				return NAN;
			d = strtod(vals[i], &end);
			return end != vals[i] && *end == '\0' && isfinite(d) ? d : NAN;
		}
	v = json_object_get(rec, name);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/*
 * Each judge's model, prompt version, verdict and reasoning, as oed-bench
 * --score writes them; a judge that failed on this item is left out.
 */
static void
write_judges(const struct oed_monitor *m, const struct oed_score_result *res, struct oed_writer *rw)
{
	bool open = false;

	for (size_t k = 0; k < m->nspecs; k++) {
		const char *model, *version;

		if (!oed_score_judge_info(m->specs[k], &model, &version) || res[k].label[0] == '\0')
			continue;
		if (!open)
			oed_w_obj_begin(rw, "judge");
		open = true;
		oed_w_obj_begin(rw, m->specs[k]->key);
		oed_w_str(rw, "model", model);
		oed_w_str(rw, "prompt", version);
		oed_w_str(rw, "verdict", res[k].label);
		if (res[k].reason)
			oed_w_str(rw, "reasoning", res[k].reason);
		else
			oed_w_null(rw, "reasoning");
		oed_w_obj_end(rw);
	}
	if (open)
		oed_w_obj_end(rw);
}

/*
 * Whether a judge's failure is about the judge, not the item: its key
 * refused (401, 403), no quota left, the cache or the provider unusable
 * (all but OED_EX_DATA), or the service still failing after the
 * transport's retries (err->unavailable).  A malformed verdict or a 400
 * for this prompt is the item's.
 */
static bool
judge_down(const struct oed_err *e)
{
	return e->status != OED_EX_DATA || e->unavailable;
}

/* err: "FILE: judge 'KEY': what", the scorer's own "scorer 'NAME': " cut. */
static int
judge_down_err(const struct oed_monitor *m, const char *key, const struct oed_err *e, struct oed_err *err)
{
	const char *msg = e->msg, *q;

	if (strncmp(msg, "scorer '", 8) == 0 && (q = strstr(msg + 8, "': ")) != NULL)
		msg = q + 3;
	return oed_err_set(err, OED_EX_FAIL, "%s: judge '%s': %s", m->file, oed_quote(key), msg);
}

/*
 * Score one item into its monitor.item line in b; 1 scored, 0 an error
 * (counted), -1 err, -2 a judge failed for every item (err says why): the
 * run stops, this item is left for the next run.
 */
/* What score_item needs per item, allocated once per run: a field's text, its length, whether it is a copy. */
struct item_scratch {
	char **vals;
	size_t *lens;
	bool *owned;
	struct oed_score_result *res;
};

static void
item_scratch_free(struct item_scratch *sc)
{
	free(sc->vals);
	free(sc->lens);
	free(sc->owned);
	free(sc->res);
}

static int
item_scratch_init(struct item_scratch *sc, const struct oed_monitor *m)
{
	sc->vals = calloc(m->nfields ? m->nfields : 1, sizeof(*sc->vals));
	sc->lens = calloc(m->nfields ? m->nfields : 1, sizeof(*sc->lens));
	sc->owned = calloc(m->nfields ? m->nfields : 1, sizeof(*sc->owned));
	sc->res = calloc(m->nspecs ? m->nspecs : 1, sizeof(*sc->res));
	if (sc->vals && sc->lens && sc->owned && sc->res)
		return 0;
	item_scratch_free(sc);
	return -1;
}

static int
score_item(struct oed_mon_ctx *cx, struct oed_mon_item *x, struct oed_writer *rw,
	   pcre2_match_data *md, struct agg *agg, struct oed_buf *b, struct item_scratch *sc,
	   struct oed_err *err)
{
	struct oed_monitor *m = cx->m;
	char **vals = sc->vals;
	size_t *lens = sc->lens;
	const char *line;
	size_t len;
	int ok = 1;
	bool any_verdict = false, all_pass = true, partial = false;
	char errmsg[768] = "";
	struct oed_score_result *res = sc->res;

	memset(res, 0, m->nspecs * sizeof(*res));
	for (size_t i = 0; i < m->nfields; i++) {
		json_t *v = oed_path_get(&m->fields[i].path, x->rec);

		/* a string as it is, borrowed from rec: no copy for most fields */
		sc->owned[i] = !(json_is_string(v) && m->fields[i].re == NULL);
		if (sc->owned[i]) {
			vals[i] = oed_mon_field_text(&m->fields[i], x->rec, md, &lens[i]);
		} else {
			vals[i] = (char *)json_string_value(v);
			lens[i] = json_string_length(v);
		}
	}
	if (vals[1] == NULL) {
		snprintf(errmsg, sizeof(errmsg), "no output at '%s'", m->fields[1].path.spec);
		ok = 0;
	}
	for (size_t k = 0; ok && k < m->nspecs; k++) {
		struct oed_score_input in;
		struct oed_err e;
		size_t t;

		oed_score_result_init(&res[k]);
		oed_score_input_init(&in, vals[1], lens[1]);
		in.input = vals[0];	/* the judges show it */
		in.input_len = vals[0] ? lens[0] : 0;
		in.latency_ms = meta_number(m, x->rec, vals, oed_mon_meta[OED_MON_META_LATENCY]);
		in.cost_usd = meta_number(m, x->rec, vals, oed_mon_meta[OED_MON_META_COST]);
		{
			double tok = meta_number(m, x->rec, vals, oed_mon_meta[OED_MON_META_TOKENS_OUT]);

			in.tokens_out = isnan(tok) ? -1 : (long long)tok;
		}
		in.finish_reason = meta_text(m, x->rec, vals, oed_mon_meta[OED_MON_META_FINISH]);
		for (t = 2; t < m->nfields; t++)
			if (strcmp(m->fields[t].name, "target") == 0 && vals[t]) {
				in.target = vals[t];
				in.target_len = lens[t];
			}
		oed_err_clear(&e);
		if (oed_score(m->specs[k], &in, &res[k], &e) == -1) {
			if (e.status != OED_EX_DATA && !(m->specs[k]->scorer->needs & OED_NEEDS_PROVIDER)) {
				*err = e;
				ok = -1;
				break;
			}
			/*
			 * A judge that cannot judge at all (its key, its quota,
			 * the service down after the retries) stops the run:
			 * were the item an error it would never be scored.
			 */
			if ((m->specs[k]->scorer->needs & OED_NEEDS_PROVIDER) && judge_down(&e)) {
				judge_down_err(m, m->specs[k]->key, &e, err);
				ok = -2;
				break;
			}
			/* the model's answer malformed, a request refused for this item: the item's error */
			/* this scorer cannot score this output: its score is null, the others stand */
			if (errmsg[0] == '\0')
				snprintf(errmsg, sizeof(errmsg), "%s: %s", m->specs[k]->key, e.msg);
			res[k].value = NAN;
			res[k].pass = -1;
			res[k].label[0] = '\0';
			partial = true;
		}
	}
	if (ok < 0)
		goto out;
	oed_w_begin(rw);
	oed_w_str(rw, "kind", "monitor.item");
	oed_w_str(rw, "monitor", m->name);
	oed_w_strn(rw, "id", x->id, x->idlen);
	for (size_t i = 0; i < 2; i++)
		if (vals[i])
			oed_w_strn(rw, m->fields[i].name, vals[i], lens[i]);
		else
			oed_w_null(rw, m->fields[i].name);
	if (m->nfields > 2) {
		oed_w_obj_begin(rw, "fields");
		for (size_t i = 2; i < m->nfields; i++)
			if (vals[i])
				oed_w_strn(rw, m->fields[i].name, vals[i], lens[i]);
			else
				oed_w_null(rw, m->fields[i].name);
		oed_w_obj_end(rw);
	}
	if (ok == 1) {
		oed_w_obj_begin(rw, "scores");
		for (size_t k = 0; k < m->nspecs; k++) {
			struct oed_score_result *r = &res[k];

			if (m->specs[k]->scorer->kind == OED_SCORE_LABEL && r->label[0])
				oed_w_str(rw, m->specs[k]->key, r->label);
			else if (isnan(r->value))
				oed_w_null(rw, m->specs[k]->key);
			else
				oed_w_num(rw, m->specs[k]->key, r->value);
			if (!isnan(r->value)) {
				agg[k].n++;
				agg[k].sum += r->value;
				agg[k].sumsq += r->value * r->value;
				if (agg[k].n == 1 || r->value < agg[k].min)
					agg[k].min = r->value;
				if (agg[k].n == 1 || r->value > agg[k].max)
					agg[k].max = r->value;
			}
			if (r->pass >= 0) {
				agg[k].verdicts++;
				any_verdict = true;
				if (r->pass == 0) {
					agg[k].fails++;
					all_pass = false;
				}
			}
		}
		oed_w_obj_end(rw);
		write_judges(m, res, rw);
		if (any_verdict)
			oed_w_bool(rw, "pass", all_pass);
		/* SLOs: agg[nspecs + j] counts the items scored (n) and the bad ones (fails) */
		for (size_t j = 0; j < m->nslos; j++) {
			struct agg *g = &agg[m->nspecs + j];

			for (size_t k = 0; k < m->nspecs; k++) {
				if (strcmp(m->specs[k]->key, m->slos[j].scorer) != 0 || isnan(res[k].value))
					continue;
				g->n++;
				if (!oed_mon_compare(m->slos[j].op, res[k].value, m->slos[j].value))
					g->fails++;
			}
		}
		if (partial) {
			oed_w_str(rw, "error", errmsg);
			ok = 0;
		}
	} else {
		oed_w_null(rw, "scores");
		oed_w_str(rw, "error", errmsg);
	}
	oed_w_int(rw, "run", cx->run);
	oed_w_close(rw, &line, &len);
	if (oed_buf_add(b, line, len) == -1)
		ok = nomem(err);
out:
	for (size_t i = 0; i < m->nfields; i++)
		if (sc->owned[i])
			free(vals[i]);
	for (size_t k = 0; k < m->nspecs; k++)
		oed_score_result_release(&res[k]);
	return ok;
}

struct pending {
	struct oed_mon_item *x;
	size_t off, len;	/* its line in the batch buffer */
	bool error;
};

/*
 * Commit a batch: mark each item scored if this run still holds it, queue
 * the lines of those for the jsonl sinks, one transaction; then write them
 * to w.
 */
static int
commit_batch(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct pending *p, size_t n,
	     struct oed_mon_key *keys, struct oed_buf *b, struct oed_writer *w, struct oed_mon_result *res,
	     struct oed_err *err)
{
	struct oed_buf keep = OED_BUF_INIT;

	if (n == 0)
		return 0;
	if (oed_store_begin(cx->store, err) == -1)
		return -1;
	/* the items of one claim set are neighbours (claim() made the sets in this order) */
	for (size_t i = 0, j; i < n; i = j) {
		int held;

		for (j = i; j < n && p[j].x->claim == p[i].x->claim; j++)
			keys[j - i] = p[j].x->hash;
		if ((held = oed_mon_keys_mark(it->keys, p[i].x->claim, cx->run, keys, j - i, err)) == -1)
			goto fail;
		for (size_t q = i; q < j; q++) {
			if (!held) {
				/* the lease ran out and another run took the items: its results count */
				p[q].x->state = ITEM_LOST;
				continue;
			}
			if (oed_buf_add(&keep, b->data + p[q].off, p[q].len) == -1) {
				nomem(err);
				goto fail;
			}
			if (p[q].error)
				res->errors++;
			else
				res->scored++;
		}
	}
	for (size_t s = 0; s < cx->m->npubs && keep.len; s++) {
		if (cx->m->pubs[s].type == OED_MON_PUB_JSONL && cx->m->pubs[s].items &&
		    oed_mon_outbox_add(cx, s, keep.data, keep.len, err) == -1)
			goto fail;
		if (cx->m->pubs[s].type != OED_MON_PUB_LANGFUSE_SCORES)
			continue;
		/* one entry per item: a retry re-sends that item's scores, which replace themselves */
		for (size_t i = 0; i < n; i++)
			if (p[i].x->state != ITEM_LOST &&
			    oed_mon_outbox_add(cx, s, b->data + p[i].off, p[i].len, err) == -1)
				goto fail;
	}
	if (oed_store_commit(cx->store, err) == -1)
		goto fail;
	if (keep.len && w->fp && !w->failed) {
		if (fwrite(keep.data, 1, keep.len, w->fp) != keep.len)
			w->failed = true;
		fflush(w->fp);
	}
	oed_buf_release(&keep);
	return 0;
fail:
	oed_store_rollback(cx->store);
	oed_buf_release(&keep);
	return -1;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Score the claimed items, committing batch by batch.  A judge down for
 * every item stops the scoring: what was scored is committed, the rest
 * stays unscored (finish gives the claims back), res->judge_failed is
 * set and *why says it.
 */
static int
score_all(struct oed_mon_ctx *cx, struct oed_mon_items *it, const struct oed_mon_run_opts *o,
	  struct oed_writer *w, struct agg *agg, struct oed_mon_result *res, struct oed_err *why,
	  struct oed_err *err)
{
	struct oed_writer rw;
	struct oed_buf b = OED_BUF_INIT;
	struct pending *p;
	struct oed_mon_key *keys;	/* a batch's, for marking */
	struct item_scratch sc;
	size_t np = 0, batch = (size_t)cx->m->batch;
	pcre2_match_data *md = pcre2_match_data_create(32, NULL);
	struct oed_progress prog;
	uint64_t claimed = 0, done = 0;
	char unit[160];
	int rc = 0;

	p = malloc(batch * sizeof(*p));
	keys = malloc(batch * sizeof(*keys));
	if (p == NULL || keys == NULL || md == NULL || item_scratch_init(&sc, cx->m) == -1) {
		free(p);
		free(keys);
		pcre2_match_data_free(md);
		return nomem(err);
	}
	oed_writer_init(&rw, NULL);
	for (size_t i = 0; i < it->n; i++)
		claimed += it->v[i].state == ITEM_CLAIMED;
	/* on a terminal: "12/50 items of 'support' scored (1,204 fetched, 61 new), 3/s, ETA 13s" */
	snprintf(unit, sizeof(unit), "items of '%s' scored (%llu fetched, %llu new)", oed_quote(cx->m->name),
		 (unsigned long long)res->fetched, (unsigned long long)res->fresh);
	oed_progress_init(&prog, o->quiet, unit, claimed);
	oed_progress_step(&prog, 0);
	for (size_t i = 0; i < it->n; i++) {
		struct oed_mon_item *x = &it->v[i];
		size_t off = b.len;
		struct oed_err e;
		int s;

		if (x->state != ITEM_CLAIMED)
			continue;
		oed_progress_step(&prog, done++);
		if (o->stop && *o->stop) {
			res->interrupted = true;
			break;
		}
		if (o->item_delay_ms > 0)
			sleep_ms(o->item_delay_ms);
		oed_err_clear(&e);
		s = score_item(cx, x, &rw, md, agg, &b, &sc, &e);
		if (s == -2) {
			*why = e;
			res->judge_failed = true;
			break;
		}
		if (s == -1) {
			*err = e;
			rc = -1;
			break;
		}
		p[np].x = x;
		p[np].off = off;
		p[np].len = b.len - off;
		p[np].error = s == 0;
		np++;
		if (np == batch) {
			if (commit_batch(cx, it, p, np, keys, &b, w, res, err) == -1) {
				rc = -1;
				np = 0;
				break;
			}
			np = 0;
			oed_buf_reset(&b);
		}
	}
	if (rc == 0 && commit_batch(cx, it, p, np, keys, &b, w, res, err) == -1)
		rc = -1;
	oed_progress_done(&prog, res->interrupted || res->judge_failed || rc == -1 ? done - (done > 0) : done);
	oed_writer_release(&rw);
	oed_buf_release(&b);
	pcre2_match_data_free(md);
	item_scratch_free(&sc);
	free(p);
	free(keys);
	return rc;
}

/* ---- alerts ---- */

static double
stat_value(const struct oed_mon_alert *a, const struct agg *g, uint64_t *n)
{
	*n = a->stat == OED_MON_RATE ? g->verdicts : g->n;
	if (*n == 0)
		return a->stat == OED_MON_COUNT ? 0 : NAN;
	switch (a->stat) {
	case OED_MON_MEAN: return g->sum / (double)g->n;
	case OED_MON_MAX: return g->max;
	case OED_MON_MIN: return g->min;
	case OED_MON_COUNT: return (double)g->n;
	case OED_MON_RATE: return (double)g->fails / (double)g->verdicts;
	case OED_MON_STATISTIC: case OED_MON_P_VALUE: case OED_MON_DRIFT: break;	/* drift_value */
	}
	return NAN;
}

/* A drift feature's value for a rule; NAN and *n 0 when the run did not test it. */
static double
drift_value(const struct oed_mon_alert *a, const struct oed_mon_drift_values *dv, uint64_t *n)
{
	const char *feature = a->scorer + 6;

	*n = 0;
	for (size_t i = 0; dv && i < dv->n; i++) {
		const struct oed_mon_drift_value *x = &dv->v[i];

		if (strcmp(x->feature, feature) != 0 || !x->ran)
			continue;
		*n = x->n;
		return a->stat == OED_MON_STATISTIC ? x->statistic :
		       a->stat == OED_MON_P_VALUE ? x->p_value : x->drift ? 1 : 0;
	}
	return NAN;
}

/*
 * Keep an alert or SLO record in out (printed once the run commits) and
 * queue it for the publishers that take it: jsonl
 * sinks every run (transition NULL), the others on the transitions they
 * subscribe to (firing, resolved); Langfuse scores never take SLO records.
 */
static int
queue_state(struct oed_mon_ctx *cx, struct oed_buf *out, const char *transition, bool slo,
	    const char *line, size_t len, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	unsigned bit = transition == NULL ? 0 : strcmp(transition, "firing") == 0
		       ? OED_MON_ON_FIRING : OED_MON_ON_RESOLVED;

	if (oed_buf_add(out, line, len) == -1)
		return nomem(err);
	for (size_t s = 0; s < m->npubs; s++) {
		const struct oed_mon_publish *pub = &m->pubs[s];

		if ((slo && pub->type == OED_MON_PUB_LANGFUSE_SCORES) ||
		    (pub->type == OED_MON_PUB_JSONL ? transition == NULL : !(pub->on & bit)))
			continue;
		if (oed_mon_outbox_add(cx, s, line, len, err) == -1)
			return -1;
	}
	return 0;
}

/* Commit the states and their outbox entries, then print what was kept in out. */
static int
commit_states(struct oed_mon_ctx *cx, const struct oed_buf *out, struct oed_writer *w,
	      struct oed_err *err)
{
	if (oed_store_commit(cx->store, err) == -1)
		return -1;
	if (out->len && w->fp && fwrite(out->data, 1, out->len, w->fp) != out->len)
		w->failed = true;
	return 0;
}

/*
 * This run's aggregate of each scorer with values or verdicts, kept with
 * the time so that alerts over a window combine the runs in it (inside
 * the caller's transaction).
 */
static int
save_aggs(struct oed_mon_ctx *cx, const struct agg *agg, int64_t now, struct oed_err *err)
{
	struct oed_monitor *m = cx->m;
	sqlite3_stmt *st;

	st = oed_store_prepare(cx->store, "INSERT OR REPLACE INTO monitor_run_aggs (source_id, scorer, t,"
			       " run_id, n, sum, sumsq, min, max, verdicts, passes)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (st == NULL)
		return -1;
	for (size_t k = 0; k < m->nspecs; k++) {
		const struct agg *g = &agg[k];

		if (g->n == 0 && g->verdicts == 0)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, cx->source_id);
		sqlite3_bind_text(st, 2, m->specs[k]->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, cx->run);
		sqlite3_bind_int64(st, 5, (int64_t)g->n);
		sqlite3_bind_double(st, 6, g->sum);
		sqlite3_bind_double(st, 7, g->sumsq);
		if (g->n) {
			sqlite3_bind_double(st, 8, g->min);
			sqlite3_bind_double(st, 9, g->max);
		} else {
			sqlite3_bind_null(st, 8);
			sqlite3_bind_null(st, 9);
		}
		sqlite3_bind_int64(st, 10, (int64_t)g->verdicts);
		sqlite3_bind_int64(st, 11, (int64_t)(g->verdicts - g->fails));
		if (sqlite3_step(st) != SQLITE_DONE) {
			oed_store_fail(cx->store, err, "cannot save a run's aggregates");
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* A scorer's aggregate over the runs stored in (since, now]: one row per run, not per item. */
static int
window_agg(struct oed_mon_ctx *cx, sqlite3_stmt *st, const char *scorer, int64_t since,
	   struct agg *g, struct oed_err *err)
{
	memset(g, 0, sizeof(*g));
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_text(st, 2, scorer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	if (sqlite3_step(st) != SQLITE_ROW)
		return oed_store_fail(cx->store, err, "cannot read the aggregates of a window");
	g->n = (uint64_t)sqlite3_column_int64(st, 0);
	g->sum = sqlite3_column_double(st, 1);
	g->sumsq = sqlite3_column_double(st, 2);
	g->min = sqlite3_column_double(st, 3);
	g->max = sqlite3_column_double(st, 4);
	g->verdicts = (uint64_t)sqlite3_column_int64(st, 5);
	g->fails = g->verdicts - (uint64_t)sqlite3_column_int64(st, 6);
	return 0;
}

static int
alerts(struct oed_mon_ctx *cx, struct agg *agg, const struct oed_mon_drift_values *dv,
       struct oed_writer *w, struct oed_mon_result *res, struct oed_err *err)
{
	struct oed_monitor *m = cx->m;
	sqlite3_stmt *get = NULL, *put = NULL, *win = NULL;
	struct oed_buf out = OED_BUF_INIT;
	int64_t now_t = now_ms();
	int rc = -1;

	if (oed_store_begin(cx->store, err) == -1)
		return -1;
	if (save_aggs(cx, agg, now_t, err) == -1)
		goto out;
	win = oed_store_prepare(cx->store, "SELECT coalesce(sum(n), 0), coalesce(sum(sum), 0),"
				" coalesce(sum(sumsq), 0), min(min), max(max), coalesce(sum(verdicts), 0),"
				" coalesce(sum(passes), 0) FROM monitor_run_aggs"
				" WHERE source_id = ? AND scorer = ? AND t > ?", err);
	if (win == NULL)
		goto out;
	get = oed_store_prepare(cx->store, "SELECT state, streak FROM monitor_alerts"
				" WHERE source_id = ? AND name = ?", err);
	put = oed_store_prepare(cx->store, "INSERT INTO monitor_alerts (source_id, name, state, streak,"
				" value, changed, run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
				" ON CONFLICT (source_id, name) DO UPDATE SET state = ?3, streak = ?4,"
				" value = ?5, changed = coalesce(?6, changed), run_id = ?7", err);
	if (get == NULL || put == NULL)
		goto out;
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct oed_mon_alert *a = &m->alerts[i];
		char state[16] = "ok", now[32];
		const char *transition = NULL;
		long streak = 0;
		uint64_t n;
		size_t k;
		double v;
		bool evaluated;
		const char *line;
		size_t len;

		for (k = 0; k < m->nspecs; k++)
			if (strcmp(m->specs[k]->key, a->scorer) == 0)
				break;
		sqlite3_reset(get);
		sqlite3_bind_int64(get, 1, cx->source_id);
		sqlite3_bind_text(get, 2, a->name, -1, SQLITE_STATIC);
		if (sqlite3_step(get) == SQLITE_ROW) {
			snprintf(state, sizeof(state), "%s", (const char *)sqlite3_column_text(get, 0));
			streak = sqlite3_column_int(get, 1);
		}
		if (a->drift) {
			v = drift_value(a, dv, &n);
		} else if (a->window_ms > 0) {
			struct agg g;

			if (window_agg(cx, win, a->scorer, now_t - a->window_ms, &g, err) == -1)
				goto out;
			v = stat_value(a, &g, &n);
		} else {
			v = stat_value(a, &agg[k], &n);
		}
		evaluated = n >= (uint64_t)a->min_n && !isnan(v);
		if (evaluated) {
			if (oed_mon_compare(a->op, v, a->value)) {
				streak++;
				if (streak >= a->for_runs && strcmp(state, "firing") != 0) {
					strcpy(state, "firing");
					transition = "firing";
				} else if (strcmp(state, "firing") != 0) {
					strcpy(state, "pending");
				}
			} else {
				streak = 0;
				if (strcmp(state, "firing") == 0)
					transition = "resolved";
				strcpy(state, "ok");
			}
		}
		oed_now_rfc3339(now);
		sqlite3_reset(put);
		sqlite3_bind_int64(put, 1, cx->source_id);
		sqlite3_bind_text(put, 2, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(put, 3, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(put, 4, streak);
		if (isnan(v))
			sqlite3_bind_null(put, 5);
		else
			sqlite3_bind_double(put, 5, v);
		if (transition)
			sqlite3_bind_text(put, 6, now, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(put, 6);
		sqlite3_bind_int64(put, 7, cx->run);
		if (sqlite3_step(put) != SQLITE_DONE) {
			oed_store_fail(cx->store, err, "cannot save an alert's state");
			goto out;
		}
		if (strcmp(state, "firing") == 0)
			res->firing++;
		oed_w_begin(w);
		oed_w_str(w, "kind", "monitor.alert");
		oed_w_str(w, "monitor", m->name);
		oed_w_str(w, "alert", a->name);
		oed_w_str(w, "scorer", a->scorer);
		oed_w_str(w, "stat", oed_mon_stat_name(a->stat));
		oed_w_str(w, "op", oed_mon_op_name(a->op));
		oed_w_num(w, "threshold", a->value);
		if (isnan(v))
			oed_w_null(w, "value");
		else
			oed_w_num(w, "value", v);
		oed_w_uint(w, "n", n);
		if (a->window_ms > 0)
			oed_w_num(w, "window_s", (double)a->window_ms / 1000);
		oed_w_bool(w, "evaluated", evaluated);
		oed_w_str(w, "state", state);
		oed_w_int(w, "streak", streak);
		if (transition)
			oed_w_str(w, "transition", transition);
		else
			oed_w_null(w, "transition");
		oed_w_int(w, "run", cx->run);
		oed_w_close(w, &line, &len);
		if (queue_state(cx, &out, transition, false, line, len, err) == -1)
			goto out;
	}
	if (commit_states(cx, &out, w, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		oed_store_rollback(cx->store);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_finalize(win);
	oed_buf_release(&out);
	return rc;
}

/* ---- SLOs ---- */

/* good and total items of an SLO in (since, now] */
static int
slo_window(struct oed_mon_ctx *cx, sqlite3_stmt *sum, const char *name, int64_t since,
	   int64_t *good, int64_t *total, struct oed_err *err)
{
	sqlite3_reset(sum);
	sqlite3_bind_int64(sum, 1, cx->source_id);
	sqlite3_bind_text(sum, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sum, 3, since);
	if (sqlite3_step(sum) != SQLITE_ROW)
		return oed_store_fail(cx->store, err, "cannot read an SLO's events");
	*good = sqlite3_column_int64(sum, 0);
	*total = sqlite3_column_int64(sum, 1);
	return 0;
}

/* How fast the budget burns: the error rate over the budget (NAN: no items). */
static double
burn_rate(int64_t good, int64_t total, double objective)
{
	if (total <= 0)
		return NAN;
	return ((double)(total - good) / (double)total) / (1 - objective);
}

static void
w_num_or_null(struct oed_writer *w, const char *k, double v)
{
	if (isnan(v))
		oed_w_null(w, k);
	else
		oed_w_num(w, k, v);
}

/*
 * Record this run's counts, then for each SLO: the error budget left over
 * its window, and the burn rate over each long and short window; a burn
 * alert fires while both windows of a pair burn faster than its rate.
 */
static int
slos(struct oed_mon_ctx *cx, const struct agg *agg, struct oed_writer *w, struct oed_mon_result *res,
     struct oed_err *err)
{
	struct oed_monitor *m = cx->m;
	sqlite3_stmt *add = NULL, *sum = NULL, *get = NULL, *put = NULL;
	struct oed_buf out = OED_BUF_INIT;
	int64_t now = now_ms();
	int rc = -1;

	if (m->nslos == 0)
		return 0;
	if (oed_store_begin(cx->store, err) == -1)
		return -1;
	add = oed_store_prepare(cx->store, "INSERT OR REPLACE INTO monitor_slo_events (source_id, slo, t,"
				" run_id, good, total) VALUES (?, ?, ?, ?, ?, ?)", err);
	sum = oed_store_prepare(cx->store, "SELECT coalesce(sum(good), 0), coalesce(sum(total), 0)"
				" FROM monitor_slo_events WHERE source_id = ? AND slo = ? AND t > ?", err);
	get = oed_store_prepare(cx->store, "SELECT firing FROM monitor_slo_state WHERE source_id = ? AND slo = ?", err);
	put = oed_store_prepare(cx->store, "INSERT INTO monitor_slo_state (source_id, slo, firing, changed, run_id,"
				" last) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (source_id, slo) DO UPDATE"
				" SET firing = ?3, changed = coalesce(?4, changed), run_id = ?5, last = ?6", err);
	if (add == NULL || sum == NULL || get == NULL || put == NULL)
		goto out;
	for (size_t i = 0; i < m->nslos; i++) {
		const struct oed_mon_slo *o = &m->slos[i];
		int64_t good, total, g2, t2;
		bool was = false, firing = false;
		const char *transition = NULL, *line;
		char now_s[32], good_s[48], num[32];
		size_t len;

		if (agg[i].n > 0) {
			sqlite3_reset(add);
			sqlite3_bind_int64(add, 1, cx->source_id);
			sqlite3_bind_text(add, 2, o->name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(add, 3, now);
			sqlite3_bind_int64(add, 4, cx->run);
			sqlite3_bind_int64(add, 5, (int64_t)(agg[i].n - agg[i].fails));
			sqlite3_bind_int64(add, 6, (int64_t)agg[i].n);
			if (sqlite3_step(add) != SQLITE_DONE) {
				oed_store_fail(cx->store, err, "cannot save an SLO's counts");
				goto out;
			}
		}
		if (slo_window(cx, sum, o->name, now - o->window_ms, &good, &total, err) == -1)
			goto out;
		sqlite3_reset(get);
		sqlite3_bind_int64(get, 1, cx->source_id);
		sqlite3_bind_text(get, 2, o->name, -1, SQLITE_STATIC);
		if (sqlite3_step(get) == SQLITE_ROW)
			was = sqlite3_column_int(get, 0) != 0;
		oed_w_begin(w);
		oed_w_str(w, "kind", "monitor.slo");
		oed_w_str(w, "monitor", m->name);
		oed_w_str(w, "slo", o->name);
		oed_w_str(w, "scorer", o->scorer);
		oed_fmt_double(num, o->value);
		snprintf(good_s, sizeof(good_s), "%s %s", oed_mon_op_name(o->op), num);
		oed_w_str(w, "good_when", good_s);
		oed_w_num(w, "objective", o->objective);
		oed_w_num(w, "window_s", (double)o->window_ms / 1000);
		oed_w_int(w, "good", good);
		oed_w_int(w, "total", total);
		oed_w_num(w, "budget_remaining", total ? 1 - burn_rate(good, total, o->objective) : 1);
		oed_w_arr_begin(w, "burn");
		for (size_t j = 0; j < o->nburn; j++) {
			const struct oed_mon_burn *b = &o->burn[j];
			double rl, rs;
			bool f;

			if (slo_window(cx, sum, o->name, now - b->long_ms, &g2, &t2, err) == -1)
				goto out;
			rl = burn_rate(g2, t2, o->objective);
			if (slo_window(cx, sum, o->name, now - b->short_ms, &g2, &t2, err) == -1)
				goto out;
			rs = burn_rate(g2, t2, o->objective);
			f = !isnan(rl) && !isnan(rs) && rl > b->rate && rs > b->rate;
			firing = firing || f;
			oed_w_obj_begin(w, NULL);
			oed_w_num(w, "long_s", (double)b->long_ms / 1000);
			oed_w_num(w, "short_s", (double)b->short_ms / 1000);
			oed_w_num(w, "rate", b->rate);
			w_num_or_null(w, "long_rate", rl);
			w_num_or_null(w, "short_rate", rs);
			oed_w_bool(w, "firing", f);
			oed_w_obj_end(w);
		}
		oed_w_arr_end(w);
		if (firing && !was)
			transition = "firing";
		else if (!firing && was)
			transition = "resolved";
		oed_w_bool(w, "firing", firing);
		if (transition)
			oed_w_str(w, "transition", transition);
		else
			oed_w_null(w, "transition");
		oed_w_int(w, "run", cx->run);
		oed_w_close(w, &line, &len);
		if (firing)
			res->firing++;
		oed_now_rfc3339(now_s);
		sqlite3_reset(put);
		sqlite3_bind_int64(put, 1, cx->source_id);
		sqlite3_bind_text(put, 2, o->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(put, 3, firing);
		if (transition)
			sqlite3_bind_text(put, 4, now_s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(put, 4);
		sqlite3_bind_int64(put, 5, cx->run);
		sqlite3_bind_text(put, 6, line, len && line[len - 1] == '\n' ? (int)len - 1 : (int)len,
				  SQLITE_TRANSIENT);
		if (sqlite3_step(put) != SQLITE_DONE) {
			oed_store_fail(cx->store, err, "cannot save an SLO's state");
			goto out;
		}
		if (queue_state(cx, &out, transition, true, line, len, err) == -1)
			goto out;
	}
	if (commit_states(cx, &out, w, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		oed_store_rollback(cx->store);
	sqlite3_finalize(add);
	sqlite3_finalize(sum);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	oed_buf_release(&out);
	return rc;
}

/* ---- the run ---- */

/* The drift section on the items this run scored and committed. */
static int
run_drift(struct oed_mon_ctx *cx, int64_t baseline, struct oed_mon_items *it, struct oed_writer *w,
	  struct oed_mon_drift_values *dv, struct oed_err *err)
{
	struct oed_mon_item **v = malloc((it->n ? it->n : 1) * sizeof(*v));
	size_t n = 0;
	int rc;

	if (v == NULL)
		return nomem(err);
	for (size_t i = 0; i < it->n; i++)
		if (it->v[i].state == ITEM_CLAIMED)
			v[n++] = &it->v[i];
	rc = oed_mon_drift_run(cx, baseline, v, n, w, dv, err);
	free(v);
	return rc;
}

/*
 * The runs' aggregates no window reaches any more: older than the longest
 * window of the monitor's alerts and SLOs (all of them when none has one);
 * and each SLO's events older than its own longest window.
 */
static int
prune_aggs(struct oed_mon_ctx *cx, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	int64_t keep = 0;
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; i < m->nalerts; i++)
		if (m->alerts[i].window_ms > keep)
			keep = m->alerts[i].window_ms;
	for (size_t i = 0; i < m->nslos; i++) {
		if (m->slos[i].window_ms > keep)
			keep = m->slos[i].window_ms;
		for (size_t b = 0; b < m->slos[i].nburn; b++)
			if (m->slos[i].burn[b].long_ms > keep)
				keep = m->slos[i].burn[b].long_ms;
	}
	/* a window takes the rows with t > now - window: the others are never read again */
	st = oed_store_prepare(cx->store, "DELETE FROM monitor_run_aggs WHERE source_id = ? AND t <= ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_int64(st, 2, now_ms() - keep);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = oed_store_fail(cx->store, err, "cannot prune the runs' aggregates");
	sqlite3_finalize(st);
	if (rc == -1 || m->nslos == 0)
		return rc;
	/* each SLO's events past its window and its burn windows, likewise */
	st = oed_store_prepare(cx->store, "DELETE FROM monitor_slo_events WHERE source_id = ? AND slo = ?"
			       " AND t <= ?", err);
	if (st == NULL)
		return -1;
	for (size_t i = 0; i < m->nslos && rc == 0; i++) {
		int64_t slo_keep = m->slos[i].window_ms;

		for (size_t b = 0; b < m->slos[i].nburn; b++)
			if (m->slos[i].burn[b].long_ms > slo_keep)
				slo_keep = m->slos[i].burn[b].long_ms;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, cx->source_id);
		sqlite3_bind_text(st, 2, m->slos[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now_ms() - slo_keep);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = oed_store_fail(cx->store, err, "cannot prune the SLO events");
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Offsets move on for files whose every item this run handled; the runs'
 * aggregates no window needs are dropped; the run is finished.
 */
static int
finish(struct oed_mon_ctx *cx, struct oed_mon_items *it, const struct oed_mon_result *res,
       struct oed_err *err)
{
	sqlite3_stmt *st = NULL;
	char buf[64];

	if (oed_store_begin(cx->store, err) == -1)
		return -1;
	if (prune_aggs(cx, err) == -1)
		goto fail;
	if (!res->interrupted && !res->judge_failed) {
		st = oed_store_prepare(cx->store, "INSERT INTO monitor_offsets (source_id, path, inode, offset)"
				       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source_id, path)"
				       " DO UPDATE SET inode = ?3, offset = ?4", err);
		if (st == NULL)
			goto fail;
		for (size_t i = 0; i < it->nfiles; i++) {
			const struct oed_mon_file *f = &it->files[i];

			if (f->stdin_ || f->held)
				continue;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, cx->source_id);
			sqlite3_bind_text(st, 2, f->path, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, f->inode);
			sqlite3_bind_int64(st, 4, f->end);
			if (sqlite3_step(st) != SQLITE_DONE) {
				oed_store_fail(cx->store, err, "cannot save a file offset");
				goto fail;
			}
		}
		sqlite3_finalize(st);
		st = NULL;
		if (!it->held && save_resume(cx, err) == -1)
			goto fail;
		if (cx->watermark > 0 && !it->held) {
			st = oed_store_prepare(cx->store, "INSERT INTO monitor_watermarks (source_id, until)"
					       " VALUES (?1, ?2) ON CONFLICT (source_id) DO UPDATE SET until = ?2", err);
			if (st == NULL)
				goto fail;
			sqlite3_bind_int64(st, 1, cx->source_id);
			sqlite3_bind_double(st, 2, cx->watermark);
			if (sqlite3_step(st) != SQLITE_DONE) {
				oed_store_fail(cx->store, err, "cannot save the watermark");
				goto fail;
			}
			sqlite3_finalize(st);
			st = NULL;
		}
	} else {
		/* give back what this run claimed and did not score */
		if (oed_mon_keys_release(it->keys, cx->run, err) == -1)
			goto fail;
	}
	if (oed_mon_keys_fold(it->keys, err) == -1)
		goto fail;
	if (oed_metric_add(cx->store, cx->run, "monitor.fetched", cx->m->name, (double)res->fetched, NAN, NAN, err) == -1 ||
	    oed_metric_add(cx->store, cx->run, "monitor.new", cx->m->name, (double)res->fresh, NAN, NAN, err) == -1 ||
	    oed_metric_add(cx->store, cx->run, "monitor.sampled", cx->m->name, (double)res->sampled, NAN, NAN, err) == -1 ||
	    oed_metric_add(cx->store, cx->run, "monitor.scored", cx->m->name, (double)res->scored, NAN, NAN, err) == -1 ||
	    oed_metric_add(cx->store, cx->run, "monitor.errors", cx->m->name, (double)res->errors, NAN, NAN, err) == -1 ||
	    oed_metric_add(cx->store, cx->run, "monitor.alerts_firing", cx->m->name, (double)res->firing, NAN, NAN, err) == -1)
		goto fail;
	if (oed_mon_run_metrics(cx, err) == -1)
		goto fail;
	snprintf(buf, sizeof(buf), "%s", res->interrupted ? "interrupted" : res->judge_failed ? "failed" : "ok");
	if (oed_run_finish(cx->store, cx->run, buf, NULL, err) == -1)
		goto fail;
	return oed_store_commit(cx->store, err);
fail:
	sqlite3_finalize(st);
	oed_store_rollback(cx->store);
	return -1;
}

static void
write_run(struct oed_mon_ctx *cx, const struct oed_mon_result *res, bool dry, struct oed_writer *w)
{
	oed_w_begin(w);
	oed_w_str(w, "kind", "monitor.run");
	oed_w_str(w, "monitor", cx->m->name);
	if (dry)
		oed_w_null(w, "run");
	else
		oed_w_int(w, "run", cx->run);
	oed_w_uint(w, "fetched", res->fetched);
	oed_w_uint(w, "new", res->fresh);
	oed_w_uint(w, "sampled", res->sampled);
	oed_w_uint(w, "scored", res->scored);
	oed_w_uint(w, "errors", res->errors);
	oed_w_uint(w, "alerts_firing", res->firing);
	if (dry)
		oed_w_bool(w, "dry_run", true);
	if (res->interrupted)
		oed_w_bool(w, "interrupted", true);
	if (res->judge_failed)
		oed_w_bool(w, "judge_failed", true);
	if (res->undelivered)
		oed_w_uint(w, "undelivered", res->undelivered);
	oed_w_end(w);
}

static int
check_env(const struct oed_monitor *m, bool pubs, struct oed_err *err)
{
	if (oed_mon_source_check_env(m, err) == -1)
		return -1;
	/* a judge's key: said now, not as an error on every item */
	for (size_t i = 0; pubs && i < m->nspecs; i++) {
		const char *model, *version;
		struct oed_provider_opts po;
		struct oed_provider *p;

		if (!oed_score_judge_info(m->specs[i], &model, &version))
			continue;
		memset(&po, 0, sizeof(po));
		if ((p = oed_provider_new(model, &po, err)) == NULL) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return oed_err_set(err, err->status, "%s: scorer '%s': %s", m->file,
					   oed_quote(m->specs[i]->key), msg);
		}
		oed_provider_free(p);
	}
	for (size_t i = 0; pubs && i < m->npubs; i++) {
		const char *names[5] = { m->pubs[i].url_env, m->pubs[i].secret_env, m->pubs[i].host_env,
					 m->pubs[i].public_key_env, m->pubs[i].secret_key_env };

		for (int k = 0; k < 5; k++)
			if (names[k] && (getenv(names[k]) == NULL || *getenv(names[k]) == '\0'))
				return oed_err_set(err, OED_EX_USAGE,
						   "%s: environment variable '%s' is not set (publish %zu)",
						   m->file, oed_quote(names[k]), i + 1);
	}
	return 0;
}

/* Inside the run's first transaction: 0 taken, 1 held by a live run, -1 err. */
static int
take_lock(struct oed_mon_ctx *cx, struct oed_err *err)
{
	sqlite3_stmt *st;
	int64_t now = now_ms();
	int rc;

	st = oed_store_prepare(cx->store, "INSERT INTO monitor_locks (source_id, run_id, until)"
			       " VALUES (?1, ?2, ?3) ON CONFLICT (source_id) DO UPDATE"
			       " SET run_id = ?2, until = ?3 WHERE until <= ?4", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_int64(st, 2, cx->run);
	sqlite3_bind_int64(st, 3, now + cx->m->lease_ms);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = oed_store_fail(cx->store, err, "cannot take the monitor's lock");
	else
		rc = sqlite3_changes(oed_store_db(cx->store)) == 1 ? 0 : 1;
	sqlite3_finalize(st);
	return rc;
}

static void
drop_lock(struct oed_mon_ctx *cx)
{
	sqlite3_stmt *st;
	struct oed_err e;

	st = oed_store_prepare(cx->store, "DELETE FROM monitor_locks WHERE source_id = ? AND run_id = ?", &e);
	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, cx->source_id);
	sqlite3_bind_int64(st, 2, cx->run);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static char *
params_json(const struct oed_monitor *m)
{
	json_t *p = json_pack("{s:s, s:s, s:s}", "monitor", m->name, "file", m->file, "source",
			      oed_mon_source_name(m->source.type));
	char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;

	json_decref(p);
	return s;
}

int
oed_monitor_run(struct oed_monitor *m, const char *store_path, const struct oed_mon_run_opts *o,
		struct oed_writer *w, struct oed_mon_result *res, struct oed_err *err)
{
	struct oed_mon_ctx cx = { m, NULL, 0, 0, 0, o->backfill, o->backfill_from, o->backfill_to,
				  o->item_delay_ms, RESUME_KEEP, NULL, 0, 0 };
	struct oed_mon_items it;
	struct agg *agg = NULL;
	struct oed_mon_drift_values dv = { NULL, 0 };
	int64_t baseline = 0;
	/* a backfill not yet confirmed only looks, as a dry run does */
	bool readonly = o->dry_run || (o->backfill && !o->backfill_yes);
	bool stopped, finished = false;
	struct oed_err why;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&it, 0, sizeof(it));
	if (o->backfill && !oed_mon_source_has_window(&m->source))
		return oed_err_set(err, OED_EX_USAGE, "%s: --backfill needs a source with a time window"
				   " (langfuse, slack, or http with 'since_param' and 'until_param'), not %s %s source",
				   m->file, m->source.type == OED_MON_SRC_HTTP ? "an" : "a",
				   oed_mon_source_name(m->source.type));
	if (check_env(m, !readonly, err) == -1)
		return -1;
	/* the judges keep their answers in the monitor's store */
	for (size_t k = 0; k < m->nspecs; k++)
		m->specs[k]->store = store_path;
	if (readonly) {
		char path[4096];
		struct stat st;

		if (store_path == NULL && oed_store_default_path(path, sizeof(path), err) == -1)
			return -1;
		if (stat(store_path ? store_path : path, &st) == 0) {
			if ((cx.store = oed_store_open_readonly(store_path ? store_path : path, err)) == NULL)
				return -1;
			if (source_id(&cx, false, err) == -1)
				goto out;
		}
	} else {
		char *params = params_json(m);

		if ((cx.store = oed_store_open(store_path, err)) == NULL) {
			free(params);
			return -1;
		}
		if (oed_store_begin(cx.store, err) == -1 ||
		    oed_run_begin(cx.store, "oed-monitor", NULL, o->argc, o->argv, params, &cx.run, err) == -1 ||
		    source_id(&cx, true, err) == -1) {
			free(params);
			oed_store_rollback(cx.store);
			cx.run = 0;
			goto out;
		}
		free(params);
		if (o->lock) {
			int held = take_lock(&cx, err);

			if (held != 0) {
				oed_store_rollback(cx.store);
				cx.run = 0;
				if (held == 1) {
					res->skipped = true;
					rc = 0;
				}
				goto out;
			}
		}
		if (oed_store_commit(cx.store, err) == -1) {
			oed_store_rollback(cx.store);
			cx.run = 0;
			goto out;
		}
		res->run = cx.run;
		/* an older store's scored ids, folded in once, before any look-up */
		if (oed_store_begin(cx.store, err) == -1)
			goto out;
		if (oed_mon_keys_upgrade_store(cx.store, err) == -1 || oed_store_commit(cx.store, err) == -1) {
			oed_store_rollback(cx.store);
			goto out;
		}
		/* a baseline the store does not hold: said before anything is claimed */
		if (m->drift.baseline && oed_mon_drift_baseline(&cx, &baseline, err) == -1)
			goto out;
		/* what earlier runs could not deliver goes first */
		if (oed_mon_outbox_flush(&cx, &res->undelivered, err) == -1)
			goto out;
	}
	if (oed_mon_fetch(&cx, &it, err) == -1 || oed_mon_dedup(&cx, &it, err) == -1)
		goto out;
	res->fetched = it.fetched;
	res->fresh = it.fresh;
	res->errors = it.errors;
	if (m->sample == OED_MON_SAMPLE_STRATIFIED && parse_items(m, &it, ITEM_NEW, res, err) == -1)
		goto out;
	if (sample(&cx, &it, &res->sampled, err) == -1 || parse_items(m, &it, ITEM_SAMPLED, res, err) == -1)
		goto out;
	if (o->backfill) {
		struct oed_mon_backfill b = { o->backfill_from, o->backfill_to, res->fetched, res->fresh,
					      res->sampled, 0, 0, 0, 0 };

		if (oed_mon_backfill_estimate(m, &it, ITEM_SAMPLED, o->prices, &b, err) == -1)
			goto out;
		if (o->backfill_preview)
			o->backfill_preview(m, &b, o->preview_ctx);
		if (readonly && !o->dry_run) {
			rc = 0;
			goto out;
		}
	}
	if (o->dry_run) {
		for (size_t i = 0; i < it.n; i++) {
			if (it.v[i].state != ITEM_SAMPLED)
				continue;
			oed_w_begin(w);
			oed_w_str(w, "kind", "monitor.candidate");
			oed_w_str(w, "monitor", m->name);
			oed_w_strn(w, "id", it.v[i].id, it.v[i].idlen);
			oed_w_end(w);
		}
		write_run(&cx, res, true, w);
		rc = 0;
		goto out;
	}
	if ((agg = calloc(m->nspecs + m->nslos, sizeof(*agg))) == NULL) {
		nomem(err);
		goto out;
	}
	oed_err_clear(&why);
	if (claim(&cx, &it, err) == -1 || score_all(&cx, &it, o, w, agg, res, &why, err) == -1)
		goto out;
	/* a run cut short judges nothing: its alerts and drift wait for a whole run */
	stopped = res->interrupted || res->judge_failed;
	if (!stopped && m->drift.baseline && run_drift(&cx, baseline, &it, w, &dv, err) == -1)
		goto out;
	if (!stopped && alerts(&cx, agg, &dv, w, res, err) == -1)
		goto out;
	if (!stopped && slos(&cx, agg + m->nspecs, w, res, err) == -1)
		goto out;
	if (finish(&cx, &it, res, err) == -1)
		goto out;
	if (oed_mon_outbox_flush(&cx, &res->undelivered, err) == -1)
		goto out;
	write_run(&cx, res, false, w);
	rc = 0;
	if (res->judge_failed) {
		/* reported as the run's failure, after its record; the run is finished already */
		*err = why;
		rc = -1;
		finished = true;
	}
out:
	if (rc == -1 && !finished && cx.store && cx.run && !o->dry_run) {
		struct oed_err e2;

		oed_store_rollback(cx.store);
		oed_run_finish(cx.store, cx.run, "failed", NULL, &e2);
	}
	if (o->lock && cx.store && cx.run && !o->dry_run)
		drop_lock(&cx);
	free(agg);
	oed_mon_drift_values_release(&dv);
	oed_mon_items_release(&it);
	free(cx.resume_position);
	oed_store_close(cx.store);
	return rc;
}
