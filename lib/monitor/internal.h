/* internal.h: what the files of lib/monitor share; not for other modules. */
#ifndef OED_MONITOR_INTERNAL_H
#define OED_MONITOR_INTERNAL_H

#include <jansson.h>

#include "map.h"
#include "monitor.h"
#include "store.h"

/* A 128-bit hash of an id and its source (keys.c). */
struct oed_mon_key {
	uint64_t a, b;
};

struct oed_mon_item {
	char *id;
	size_t idlen;
	json_t *rec;		/* NULL until parsed (oed_mon_item_parse) */
	char *line;		/* the line, kept unparsed while rec is NULL */
	size_t linelen;
	const char *where;	/* for messages: a file's path (owned by files), "<stdin>"... */
	long long at;		/* for messages: byte offset in a file, else line number */
	size_t file;		/* index into files, (size_t)-1: none */
	size_t seq;		/* order read */
	uint64_t key;		/* sample key */
	struct oed_mon_key hash;	/* its place among the scored ids (keys.c) */
	int64_t claim;		/* its claim set, once claimed */
	int state;		/* ITEM_* in run.c */
	bool borrowed;		/* id and line live in the fetch's blocks (source.c), not freed each */
};

struct oed_mon_file {
	char *path;
	bool stdin_;
	long long inode, old_inode;
	long long start, end;	/* bytes read: [start, end) */
	bool held;		/* an item of it is in another run's hands: keep the offset */
};

/*
 * What a fetch keeps: the new items only.  A source appends items to v and
 * may call oed_mon_dedup() as it goes (the jsonl reader does, every few
 * thousand lines), which drops those already scored, held by a live run
 * or repeated, so memory follows the new items, not the input.
 */
struct oed_mon_items {
	struct oed_mon_item *v;
	size_t n, cap;
	size_t checked;		/* v[0..checked) are deduplicated: new items */
	struct oed_mon_file *files;
	size_t nfiles;
	uint64_t fetched;	/* items deduplicated so far, seen ones included */
	uint64_t fresh;		/* of them new */
	uint64_t errors;	/* lines that are not items */
	bool held;		/* some item is in another run's hands */
	struct oed_map ids;	/* hash of a new item's id -> its index in v */
	struct oed_mon_keys *keys;	/* the source's scored ids and claims, once looked up */
	struct oed_mon_block *arena;	/* the ids and lines of items not deduplicated yet (source.c) */
	struct oed_mon_block *kept;	/* those of the new items, for the run */
	struct oed_mon_projection *projection;	/* what oed_mon_item_parse_fast pulls from a line */
};

struct oed_net;

/* One request, waited for (the transport retries and honours Retry-After). */
struct oed_mon_http {
	bool done;
	long status;		/* 0: no answer */
	char *body;		/* malloc'd; the caller frees */
	char error[512];	/* when the transport gave up */
	char *header;		/* oed_mon_http_ex: the header asked for, malloc'd, NULL if absent */
};
int oed_mon_http(struct oed_net *net, const char *method, const char *url,
		 const char *const *headers, const char *body, struct oed_mon_http *p,
		 struct oed_err *err);
/* The same, keeping the value of response header want_header (any case) in p->header. */
int oed_mon_http_ex(struct oed_net *net, const char *method, const char *url,
		    const char *const *headers, const char *body, const char *want_header,
		    struct oed_mon_http *p, struct oed_err *err);

struct oed_mon_ctx {
	struct oed_monitor *m;
	struct oed_store *store;	/* NULL: a dry run on a store not created yet */
	int64_t source_id;		/* 0 when not in the store yet */
	int64_t run;
	double watermark;		/* API sources: fetched up to here (0: none) */
	bool backfill;			/* fetch [bf_from, bf_to) only; the watermark stays */
	double bf_from, bf_to;
	long delay_ms;			/* tests: sleep before each delivery, to widen races */
	/* an http walk stopped by max_pages: where the next run goes on (finish saves it) */
	enum { RESUME_KEEP, RESUME_SET, RESUME_CLEAR } resume;
	char *resume_position;
	double resume_from, resume_to;	/* its window; 0 when none */
};

struct oed_mon_source_kind {
	const char *name;
	enum oed_mon_source_type type;
	int (*fetch)(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
};

int oed_mon_fetch(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
/* The variables a source needs, each set and not empty (OED_EX_USAGE naming the first missing). */
int oed_mon_source_check_env(const struct oed_monitor *m, struct oed_err *err);
/* Whether the source reads a bounded time window (so --backfill has a meaning). */
bool oed_mon_source_has_window(const struct oed_mon_source *s);

/* ---- what the API sources share (source_api.c) ---- */

/*
 * The window to fetch: [from, to) from the watermark less the overlap, never
 * before now less the lookback, to now; under backfill the backfill window.
 */
int oed_mon_api_window(struct oed_mon_ctx *cx, double *from, double *to, struct oed_err *err);
/* Add rec (the reference is stolen) as an item; one without an id is a warning and an error counted. */
int oed_mon_item_add(const struct oed_monitor *m, struct oed_mon_items *it, json_t *rec,
		     const char *where, struct oed_err *err);
/* Append "?key=value" or "&key=value" (percent-encoded) to the URL in b. */
void oed_mon_query_add(struct oed_buf *b, const char *key, const char *value);
/* The transport for reading an API: one request at a time, 4 retries, 60 s each. */
struct oed_net *oed_mon_api_net(struct oed_err *err);
/*
 * GET url and parse the JSON answer into *doc (the caller decrefs).  Not
 * 2xx, or not JSON: -1 with err "WHAT: HTTP 401: why" (secrets
 * redacted).  want_header: its value in *header (malloc'd, or NULL).
 */
int oed_mon_api_get(struct oed_net *net, const char *what, const char *url,
		    const char *const *headers, const char *want_header, json_t **doc,
		    char **header, struct oed_err *err);
/* The target of the first link with rel "next" in a Link header (RFC 8288), malloc'd, or NULL. */
char *oed_mon_link_next(const char *link);

/*
 * --backfill's estimate for the items in state sampled_state: judge
 * scorers make one model call per item, of (input + output bytes) / 4
 * tokens plus a flat allowance for the prompt in, a flat answer out,
 * priced from the table at prices_path (NULL: the cost is NAN).
 */
#define OED_MON_BYTES_PER_TOKEN		4.0
#define OED_MON_JUDGE_PROMPT_TOKENS	500.0
#define OED_MON_JUDGE_ANSWER_TOKENS	200.0
int oed_mon_backfill_estimate(const struct oed_monitor *m, const struct oed_mon_items *it,
			      int sampled_state, const char *prices_path, struct oed_mon_backfill *b,
			      struct oed_err *err);

int oed_mon_fetch_http(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
int oed_mon_fetch_slack(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
int oed_mon_fetch_langfuse(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
void oed_mon_items_release(struct oed_mon_items *it);
/* After a dedup: the items still borrowing from the arena are gone or kept whole; empty it. */
void oed_mon_arena_reset(struct oed_mon_items *it);
/* A NUL-terminated copy of s[0..len) kept till the items are released; NULL out of memory. */
char *oed_mon_keep_copy(struct oed_mon_items *it, const char *s, size_t len);
/* The id of a record as text (malloc'd): a string as is, an integer in decimal; NULL when neither. */
char *oed_mon_record_id(const struct oed_monitor *m, json_t *rec);
/*
 * Dedup v[checked..n) in order read: an item already scored, or claimed
 * by a live run (the file is then held), or whose id came earlier in this
 * fetch, is dropped; the new ones stay, compacted, with their sample keys.
 * Counts fetched and fresh.  0, or -1 with err.
 */
int oed_mon_dedup(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
/*
 * Parse a new item's kept line into rec: 1 done, 0 not an item after all
 * (warned as a line that is not an item is; the caller counts it).
 */
int oed_mon_item_parse(struct oed_mon_item *x);
/*
 * The same, keeping in rec only the values the monitor reads (its fields,
 * meta fields, stratum) where it can: 1, 0, or -1 out of memory.
 */
int oed_mon_item_parse_fast(const struct oed_monitor *m, struct oed_mon_items *it, struct oed_mon_item *x);
void oed_mon_projection_free(struct oed_mon_projection *p);
/* The stored offset and inode of a jsonl file (0, 0 when none). */
int oed_mon_offset_get(struct oed_mon_ctx *cx, const char *path, long long *offset,
		       long long *inode, struct oed_err *err);

/*
 * Where the last walk of an http source stopped at max_pages: *position
 * (malloc'd) NULL when it did not; its window in *from, *to (0 if none).
 */
int oed_mon_resume_get(struct oed_mon_ctx *cx, char **position, double *from, double *to, struct oed_err *err);

/* The stored watermark of an API source (0 when none). */
int oed_mon_watermark_get(struct oed_mon_ctx *cx, double *t, struct oed_err *err);

/*
 * keys.c: the scored ids of a source and the claims on them.  Look-ups
 * run inside a transaction after oed_mon_keys_sync(); the writers inside
 * the caller's write transaction.
 */
enum { OED_MON_KEY_NEW, OED_MON_KEY_SCORED, OED_MON_KEY_HELD };
struct oed_mon_keys;
struct oed_mon_key oed_mon_key_of(int64_t source_id, const char *id, size_t len);
struct oed_mon_keys *oed_mon_keys_new(struct oed_store *s, int64_t source_id);
void oed_mon_keys_free(struct oed_mon_keys *k);
/* At most bytes of chunks kept in memory (256 MB unless set; tests set less). */
void oed_mon_keys_budget(struct oed_mon_keys *k, size_t bytes);
/* The bytes of chunks read and kept now. */
size_t oed_mon_keys_cached(const struct oed_mon_keys *k);
/* Load what another connection changed since the last call: 1 loaded, 0 unchanged, -1 err. */
int oed_mon_keys_sync(struct oed_mon_keys *k, struct oed_err *err);
/* OED_MON_KEY_SCORED, _HELD (claimed by a run whose lease runs past now), _NEW, or -1 with err. */
int oed_mon_keys_find(struct oed_mon_keys *k, struct oed_mon_key key, const char *id, size_t len, int64_t now,
		      struct oed_err *err);
/* The same for the items v[0..n) (their hash, id and idlen), each one's answer in found[]; 0 or -1. */
int oed_mon_keys_find_many(struct oed_mon_keys *k, struct oed_mon_item *const *v, size_t n, int64_t now,
			   int *found, struct oed_err *err);
/* Claim keys[0..n) for run until lease (ms): one set, its row in *row. */
int oed_mon_keys_claim(struct oed_mon_keys *k, int64_t run, int64_t lease, const struct oed_mon_key *keys,
		       size_t n, int64_t *row, struct oed_err *err);
/* Drop the claims whose lease ran out by now: their items are free again. */
int oed_mon_keys_expire(struct oed_mon_keys *k, int64_t now, struct oed_err *err);
/*
 * Mark keys[0..n) of claim set row scored: 1 done, 0 when run no longer
 * holds the set (its lease ran out and another run took its items).
 */
int oed_mon_keys_mark(struct oed_mon_keys *k, int64_t row, int64_t run, const struct oed_mon_key *keys,
		      size_t n, struct oed_err *err);
/* Give back what run claimed and did not score. */
int oed_mon_keys_release(struct oed_mon_keys *k, int64_t run, struct oed_err *err);
/* The scored claim sets (any run's) into a new segment, merged as due. */
int oed_mon_keys_fold(struct oed_mon_keys *k, struct oed_err *err);
/* An older store's scored ids (kept one row per id), every source's, into segments. */
int oed_mon_keys_upgrade_store(struct oed_store *s, struct oed_err *err);
/* SQL, ?1 the source id: one row, how many of its ids are scored, and claimed but not scored. */
extern const char oed_mon_keys_count_sql[];

/* Queue a payload for publisher sink (inside the caller's transaction). */
int oed_mon_outbox_add(struct oed_mon_ctx *cx, size_t sink, const char *payload, size_t len,
		       struct oed_err *err);
/*
 * Deliver every queued payload of this monitor, oldest first; a delivered
 * one is removed, a failed one stays with its attempts counted and a
 * warning.  *left: how many stay.  0, or -1 with err (store failure).
 */
int oed_mon_outbox_flush(struct oed_mon_ctx *cx, size_t *left, struct oed_err *err);

/* Slack's mrkdwn escaping (& < >) of s, cut to at most max bytes on a UTF-8 boundary. */
int oed_mon_slack_escape(struct oed_buf *b, const char *s, size_t max);
/* HMAC-SHA256 of body with key, as lower-case hex (65 bytes with the NUL). */
int oed_mon_hmac_hex(const char *key, const char *body, size_t len, char out[65]);

/*
 * The record's top-level values a scorer takes besides the fields (unless
 * a field of that name is configured), by name: run.c reads them, the
 * fast parse keeps them.
 */
enum { OED_MON_META_LATENCY, OED_MON_META_COST, OED_MON_META_TOKENS_OUT, OED_MON_META_FINISH, OED_MON_NMETA };
extern const char *const oed_mon_meta[OED_MON_NMETA];

/* A field's text from an item: a string as is, else JSON; NULL when absent or unmatched. */
char *oed_mon_field_text(const struct oed_mon_field *f, json_t *rec, void *match_data, size_t *len);

/* What a run's drift found for one feature (alert rules on drift:FEATURE). */
struct oed_mon_drift_value {
	char *feature;
	double statistic, p_value;	/* NAN: none */
	bool drift, ran;
	uint64_t n;			/* n_cur */
};
struct oed_mon_drift_values {
	struct oed_mon_drift_value *v;
	size_t n;
};
/* The section's fields and test parse and go together (monitor files); 0 or -1. */
int oed_mon_drift_check(const struct oed_mon_drift *dr, struct oed_err *err);
/*
 * Run the drift section on the n items scored, against the baseline run
 * in cx->store: monitor.drift records to w, the findings in out (released
 * by the caller).  0, or -1 with err.
 */
int oed_mon_drift_run(struct oed_mon_ctx *cx, int64_t baseline, struct oed_mon_item *const *items,
		      size_t n, struct oed_writer *w, struct oed_mon_drift_values *out,
		      struct oed_err *err);
/* The baseline run the section names, looked for before anything is claimed; 0 or -1. */
int oed_mon_drift_baseline(struct oed_mon_ctx *cx, int64_t *run, struct oed_err *err);
void oed_mon_drift_values_release(struct oed_mon_drift_values *v);

/*
 * Keep the run's figures as metrics (metrics.c), inside the caller's
 * transaction, before the run is finished: per scorer (grp: its key)
 * monitor.score.{n,mean,sd,min,max,verdicts,pass_rate}; per alert the run
 * evaluated (grp: its name) monitor.alert.{value,threshold,n,streak},
 * monitor.alert.state (0 ok, 1 pending, 2 firing) and
 * monitor.alert.transition (1 firing, -1 resolved, 0 none); per SLO
 * (grp: its name) monitor.slo.{good,total,budget_remaining,firing,
 * transition} and one monitor.slo.burn.{long_rate,short_rate,firing} row
 * each per burn pair, in order.  The rules go into the run's params
 * ("alerts", "slos").  0, or -1 with err.
 */
int oed_mon_run_metrics(struct oed_mon_ctx *cx, struct oed_err *err);

#endif
