/*
 * monitor.h: oed-monitor's model and engine.
 *
 * A monitor file (oed-monitor.yaml(5)) is read through lib/config into a
 * struct oed_monitor: where items come from (a source), what names an
 * item (id), which fields to pull out of it (a path, optionally a PCRE2
 * pattern whose first group, else whole match, is kept), how many of the
 * new items to score (sample), the scorers (lib/score), alert rules and
 * where to publish.  Every error is `FILE:LINE:COL: what is wrong`
 * (OED_EX_USAGE).  Secrets are never values: keys ending in _env name the
 * environment variable that holds them.
 *
 * One run (oed_monitor_run): fetch the source's items, drop those already
 * scored or claimed by a live run (the scored_items table), sample, claim
 * the sample in one transaction, score in batches, and for each batch mark
 * the items scored and queue their records for the jsonl sinks in one
 * transaction (the outbox), so an item's scores are committed once even
 * when two runs overlap or one is killed: a claim whose lease ran out is
 * taken over by the next run, and a run that lost its claim drops its
 * result.  Then the alert rules are evaluated over the run's aggregates,
 * their state kept in the store; transitions (firing, resolved) are queued
 * in the outbox in the same transaction and delivered after it; a failed
 * delivery stays queued for the next run.
 *
 * Records go to the writer the caller gives (monitor.item, monitor.alert,
 * monitor.run; monitor.candidate under dry_run).  lib/ never prints to
 * stdout itself and never exits.
 *
 * Ownership: struct oed_monitor owns everything in it; oed_monitor_free
 * releases it.
 */
#ifndef OED_MONITOR_H
#define OED_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "field.h"
#include "jsonw.h"
#include "score/score.h"

enum oed_mon_source_type {
	OED_MON_SRC_JSONL,
	OED_MON_SRC_COMMAND,
	OED_MON_SRC_LANGFUSE,
	OED_MON_SRC_HTTP,
	OED_MON_SRC_SLACK,
};

/* http: how to ask for the next page. */
enum oed_mon_paging {
	OED_MON_PAGING_NONE,	/* one request */
	OED_MON_PAGING_CURSOR,	/* a field of the answer, sent back as a query parameter */
	OED_MON_PAGING_PAGE,	/* page numbers (and a page size) as query parameters */
	OED_MON_PAGING_LINK,	/* the Link: <...>; rel="next" header (RFC 8288) */
};

/* http: a request header; its value is literal text, or an environment variable's (a secret). */
struct oed_mon_header {
	char *name;
	char *value;		/* literal, NULL when from env */
	char *env;		/* the variable's name */
	char *prefix;		/* before the variable's value ("Bearer "), may be NULL */
};

struct oed_mon_source {
	enum oed_mon_source_type type;
	char **paths;		/* jsonl: files or globs, resolved; "-" is stdin */
	size_t npaths;
	char *command;		/* command: run by /bin/sh -c in the working folder */
	/* langfuse: variable names of the host and keys; filters; the window */
	char *host_env, *public_key_env, *secret_key_env;
	char *name, *user_id, **tags;
	size_t ntags;
	int64_t lookback_ms;	/* default 24h: never further back */
	int64_t overlap_ms;	/* default 10m: re-read before the watermark */
	long page_size;		/* default 50 (langfuse), 100 (http), 200 (slack) */
	char *ident;		/* the source's identity in the store */
	/* langfuse: objects: observations (GET /api/public/v2/observations) */
	bool observations;
	char *obs_type;		/* filter: type (GENERATION, SPAN ...) */
	char *obs_fields;	/* field groups asked for (default core,basic,io,metadata) */
	/* http: where, what is an item, which headers, how pages follow */
	char *url, *url_env;
	struct oed_path items;	/* the item array in the answer; no segments: the answer itself */
	struct oed_mon_header *headers;
	size_t nheaders;
	enum oed_mon_paging paging;
	struct oed_path cursor_field;	/* cursor: where the next cursor is */
	char *cursor_param;		/* cursor: the query parameter that sends it */
	char *page_param, *size_param;	/* page: page number and page size parameters */
	long page_start;		/* page: the first page's number (default 1) */
	long max_pages;			/* at most this many requests a run (default 1000) */
	char *since_param, *until_param;	/* the time window's query parameters */
	bool since_unix;		/* send the window in epoch seconds, not RFC 3339 */
	/* slack: the bot token's variable, the channel, threads, the Web API's root */
	char *token_env, *channel, *base_url;
	bool replies;
};

struct oed_mon_field {
	char *name;
	struct oed_path path;
	void *re;		/* pcre2_code *, NULL: the value as is */
};

enum oed_mon_sample {
	OED_MON_SAMPLE_ALL,
	OED_MON_SAMPLE_RANDOM,
	OED_MON_SAMPLE_MOST_RECENT,
	OED_MON_SAMPLE_OLDEST,
	OED_MON_SAMPLE_STRATIFIED,
};

enum oed_mon_stat {
	OED_MON_MEAN, OED_MON_MAX, OED_MON_MIN, OED_MON_COUNT, OED_MON_RATE,
	/* drift:FEATURE only: the test's statistic, its p-value, drift as 1 or 0 */
	OED_MON_STATISTIC, OED_MON_P_VALUE, OED_MON_DRIFT,
};
enum oed_mon_op { OED_MON_GT, OED_MON_GE, OED_MON_LT, OED_MON_LE, OED_MON_EQ, OED_MON_NE };

struct oed_mon_alert {
	char *name;
	char *scorer;		/* a key of "scores", or drift:FEATURE */
	bool drift;		/* scorer is drift:FEATURE */
	enum oed_mon_stat stat;
	enum oed_mon_op op;
	double value;
	long min_n;		/* fewer scored values: not evaluated */
	long for_runs;		/* consecutive breaching runs before firing */
	int64_t window_ms;	/* 0: this run's values; else every run's within it */
};

/* Multi-window burn-rate alert: fires when both windows burn faster than rate. */
struct oed_mon_burn {
	int64_t long_ms, short_ms;
	double rate;
};

/*
 * A service level objective over a scorer: an item is good when its score
 * passes op value; the objective is the share of good items wanted over
 * the window; the error budget is 1 - objective.
 */
struct oed_mon_slo {
	char *name;
	char *scorer;
	enum oed_mon_op op;
	double value;
	double objective;	/* (0, 1) */
	int64_t window_ms;	/* default 7d */
	struct oed_mon_burn *burn;	/* default: 1h/5m 14.4 and 6h/30m 6 */
	size_t nburn;
};

/*
 * drift: oed-drift's engine on each run's scored items (the item as read,
 * with the monitor's fields set at its top) against a baseline stored by
 * oed-drift --record.
 */
struct oed_mon_drift {
	char *baseline;		/* "latest", a run's name or id; NULL: no drift section */
	char **fields;		/* oed-drift --field specs: F[:KIND[:TEST]] */
	size_t nfields;
	char *test;		/* NULL: each feature's automatic test */
	double threshold;	/* NAN: the test's default */
};

enum oed_mon_pub_type {
	OED_MON_PUB_JSONL, OED_MON_PUB_WEBHOOK, OED_MON_PUB_SLACK, OED_MON_PUB_LANGFUSE_SCORES
};

#define OED_MON_ON_FIRING	0x1u
#define OED_MON_ON_RESOLVED	0x2u

struct oed_mon_publish {
	enum oed_mon_pub_type type;
	char *path;		/* jsonl: resolved against the file's folder */
	char *url_env;		/* webhook: url_env; slack: webhook_env */
	char *secret_env;	/* webhook: HMAC-SHA256 key, optional */
	char *signature_header;	/* webhook: default X-Oed-Signature */
	/* langfuse_scores: the variables (default: the langfuse source's) */
	char *host_env, *public_key_env, *secret_key_env;
	unsigned on;		/* OED_MON_ON_* (webhook, slack) */
	bool items;		/* jsonl: monitor.item records (default), alerts always */
};

struct oed_monitor {
	char *file;		/* as given */
	char *name;
	struct oed_mon_source source;
	struct oed_path id;
	char *id_spec;
	struct oed_mon_field *fields;	/* input and output first, then the rest */
	size_t nfields;
	enum oed_mon_sample sample;
	long sample_n;		/* 0: use fraction */
	double fraction;	/* random: (0,1], NAN when n is given */
	uint64_t seed;
	struct oed_path stratum;	/* stratified: by */
	struct oed_scorer_spec **specs;
	size_t nspecs;
	struct oed_mon_alert *alerts;
	size_t nalerts;
	struct oed_mon_slo *slos;
	size_t nslos;
	struct oed_mon_drift drift;
	struct oed_mon_publish *pubs;
	size_t npubs;
	int64_t lease_ms;	/* a claim's life (default 10m) */
	long batch;		/* items per commit (default 256) */
};

/* Read and check a monitor file.  0, or -1 with err (OED_EX_USAGE for a bad file). */
int oed_monitor_load(const char *path, struct oed_monitor *m, struct oed_err *err);
int oed_monitor_load_text(const char *name, const char *text, const char *dir,
			  struct oed_monitor *m, struct oed_err *err);
void oed_monitor_free(struct oed_monitor *m);

/* Names for records and messages. */
const char *oed_mon_source_name(enum oed_mon_source_type t);
const char *oed_mon_stat_name(enum oed_mon_stat s);
const char *oed_mon_op_name(enum oed_mon_op op);
bool oed_mon_compare(enum oed_mon_op op, double a, double b);

/*
 * Whether the sample keeps an item: random sampling is by a hash of the
 * seed and the item's id, so the choice depends on neither order nor run.
 * oed_mon_sample_key is that hash.
 */
uint64_t oed_mon_sample_key(uint64_t seed, const char *id, size_t len);

struct oed_store;

/* --backfill: what the window holds, before anything is scored. */
struct oed_mon_backfill {
	double from, to;
	uint64_t fetched, fresh, sampled;
	size_t judges;		/* judge scorers, each one model call per item */
	double cost;		/* estimated dollars, NAN when some model has no price */
	double tokens_in, tokens_out;	/* estimated, over all judge calls */
};

struct oed_mon_run_opts {
	bool dry_run;
	/*
	 * backfill: fetch [backfill_from, backfill_to) only, leave the
	 * watermark; call backfill_preview with the counts and the estimate,
	 * then score only when backfill_yes (else nothing is written).
	 */
	bool backfill, backfill_yes;
	double backfill_from, backfill_to;
	const char *prices;	/* price table for the estimate (NULL: none) */
	void (*backfill_preview)(const struct oed_monitor *m, const struct oed_mon_backfill *b,
				 void *ctx);
	void *preview_ctx;
	int argc;		/* recorded with the run */
	char *const *argv;
	volatile sig_atomic_t *stop;	/* set by a signal: finish the item in hand */
	long item_delay_ms;	/* tests: sleep before each item */
	bool lock;		/* one run at a time per monitor: skip when another holds it */
	bool quiet;		/* no progress line on a terminal */
};

struct oed_mon_result {
	int64_t run;
	uint64_t fetched, fresh, sampled, scored, errors;
	size_t firing;		/* alerts and SLO burn alerts firing after the run */
	bool interrupted;
	bool judge_failed;	/* a judge failed for every item: the rest waits for the next run */
	size_t undelivered;	/* outbox entries left for the next run */
	bool skipped;		/* lock: another run of this monitor holds it */
};

/*
 * One run of m against the store at store_path (NULL: the default).
 * Records go to w.  0, or -1 with err.
 */
int oed_monitor_run(struct oed_monitor *m, const char *store_path,
		    const struct oed_mon_run_opts *o, struct oed_writer *w,
		    struct oed_mon_result *res, struct oed_err *err);

/*
 * --status: one monitor.status record per monitor in the store (only
 * those named in names, when n > 0): its last runs, file offsets, counts
 * of scored and claimed items, alert states and the outbox.  The store is
 * opened read-only.  0, or -1 with err.
 */
int oed_monitor_status(const char *store_path, const char *const *names, size_t n,
		       long last_runs, struct oed_writer *w, struct oed_err *err);

#endif
