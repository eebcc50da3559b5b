/* internal.h: what the files of lib/monitor share; not for other modules. */
#ifndef OED_MONITOR_INTERNAL_H
#define OED_MONITOR_INTERNAL_H

#include <jansson.h>

#include "monitor.h"
#include "store.h"

struct oed_mon_item {
	char *id;
	size_t idlen;
	json_t *rec;
	size_t file;		/* index into files, (size_t)-1: none */
	size_t seq;		/* order read */
	uint64_t key;		/* sample key */
	int state;		/* ITEM_* in run.c */
};

struct oed_mon_file {
	char *path;
	bool stdin_;
	long long inode, old_inode;
	long long start, end;	/* bytes read: [start, end) */
	bool held;		/* an item of it is in another run's hands: keep the offset */
};

struct oed_mon_items {
	struct oed_mon_item *v;
	size_t n, cap;
	struct oed_mon_file *files;
	size_t nfiles;
	uint64_t errors;	/* lines that are not items */
	bool held;		/* some item is in another run's hands */
};

struct oed_net;

/* One request, waited for (the transport retries and honours Retry-After). */
struct oed_mon_http {
	bool done;
	long status;		/* 0: no answer */
	char *body;		/* malloc'd; the caller frees */
	char error[512];	/* when the transport gave up */
};
int oed_mon_http(struct oed_net *net, const char *method, const char *url,
		 const char *const *headers, const char *body, struct oed_mon_http *p,
		 struct oed_err *err);

struct oed_mon_ctx {
	struct oed_monitor *m;
	struct oed_store *store;	/* NULL: a dry run on a store not created yet */
	int64_t source_id;		/* 0 when not in the store yet */
	int64_t run;
	double watermark;		/* API sources: fetched up to here (0: none) */
};

struct oed_mon_source_kind {
	const char *name;
	enum oed_mon_source_type type;
	int (*fetch)(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
};

int oed_mon_fetch(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err);
void oed_mon_items_release(struct oed_mon_items *it);
/* The stored offset and inode of a jsonl file (0, 0 when none). */
int oed_mon_offset_get(struct oed_mon_ctx *cx, const char *path, long long *offset,
		       long long *inode, struct oed_err *err);

/* The stored watermark of an API source (0 when none). */
int oed_mon_watermark_get(struct oed_mon_ctx *cx, double *t, struct oed_err *err);

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

#endif
