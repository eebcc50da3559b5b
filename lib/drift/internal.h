/*
 * internal.h: what the files of the oed-drift engine share (drift.c reads
 * and compares, baseline.c keeps and loads references in the run store).
 * Not for use outside lib/drift/: drift.h is the engine's interface.
 *
 * A field (--field) gives one feature, or three for text; each feature
 * keeps two samples, the reference (REF) and the current records or window
 * (CUR).  The engine owns everything here.
 */
#ifndef OED_DRIFT_INTERNAL_H
#define OED_DRIFT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "drift.h"
#include "progress.h"
#include "strdict.h"
#include "time.h"

enum { REF, CUR };
enum holds { H_NUM, H_CAT, H_VEC };
enum derived { D_NONE, D_CHARS, D_TOKENS, D_WORDS };
/* by enum derived: "", "length_chars", "length_tokens", "words" */
extern const char *const oed_drift_derived_names[];

/* What one feature keeps of one sample (the reference, or the current window). */
struct sample {
	double *x;		/* numeric values, or vector rows (n rows of dim) */
	size_t n, cap;
	bool sorted;
	uint64_t *cnt;		/* categorical: counts by category id */
	size_t ncnt;
	/*
	 * The ids whose count is not zero, in the order first counted: a
	 * window costs its own categories and the reference's, not every
	 * category the dictionary ever saw.
	 */
	uint32_t *seen;
	size_t nseen, capseen;
	uint64_t other;		/* categories past the dictionary's bound */
	uint64_t total;		/* categorical: values; vector: rows seen */
	double *colsum;		/* vector: sums over every row seen */
	uint64_t rng;		/* vector: the reservoir's generator */
};

struct feature {
	char *name;
	struct field *field;
	enum derived derived;
	enum holds holds;
	struct oed_strdict dict;	/* categories, shared by the samples: one id in all */
	struct sample s[2];
	uint32_t *ref_order;	/* categorical: the reference's ids in byte order of names */
	bool ref_ordered;	/* ref_order is up to date */
	size_t dim;		/* vectors */
	uint64_t base_n;	/* from a baseline: values the reference had */
	bool loaded;		/* from a baseline: its reference was read */
};

struct field {
	struct oed_drift_spec spec;
	size_t no;			/* its place among the fields */
	enum oed_fkind kind;
	int ridx;			/* index in the reader being read */
	struct feature *feat[3];
	size_t nfeat;
	uint64_t missing[2];		/* records without a value (absent or null) */
	uint64_t records[2];		/* records read into each sample */
	bool ever;			/* some record of either input holds the field (null included) */
	char *missing_name;		/* "F:missing", the feature of the missing-rate test */
	char **probe;			/* strings read before the kind was decided */
	size_t *plen, nprobe;
	int64_t *pwin;			/* ... and the window each came in (with --time) */
	bool from_baseline;
};

/* A value of a field in the record at hand, checked before any is kept. */
struct staged {
	enum { ST_MISSING, ST_NUM, ST_STR, ST_VEC } type;
	double num;
	const char *str;
	size_t len;
	json_t *arr;
};

struct summary {
	size_t features, drifted;
	bool windowed;
	int64_t window_start, window_end;
	size_t first, end;	/* its findings: res[first..end) */
};

/*
 * A time window still open for records (--lateness): its samples while it
 * is parked.  The window records go to is the active one, whose samples
 * are the features' CUR samples; the others keep theirs here, one per
 * possible feature (field i's feature j at 3 i + j).  See activate().
 */
struct window {
	int64_t start;		/* milliseconds since the epoch */
	struct sample *s;	/* 3 nfields: the parked samples, or the active's spares */
	uint64_t *missing, *records;	/* by field, likewise */
};

struct oed_drift {
	struct oed_drift_opts o;
	struct field **fields;		/* each on its own: features point to their field */
	size_t nfields;
	struct staged *staged;
	char *wordbuf;
	size_t wordcap;
	char **keys;			/* fields seen in the first records, for messages */
	size_t nkeys;
	bool have_ref;			/* a reference was read or loaded */
	bool from_baseline;		/* ... from the run store */
	/* windows: open ones in order of start, none before closed_end */
	struct window **win;
	size_t nwin, capwin;
	struct window *active;		/* its samples are the features' CUR, or NULL */
	struct window *spare;		/* the last window closed, active, kept for reuse */
	double newest;			/* the latest time read */
	int64_t closed_end;		/* end of the last window closed */
	bool closed_any;
	uint64_t compared;		/* comparisons written */
	bool unflushed;			/* a window was written since the last flush */
	char bounds[2][OED_RFC3339_SIZE];	/* the compared window's start and end, as text */
	/* results */
	struct oed_drift_finding *res;
	size_t nres, capres;
	struct summary *sums;
	size_t nsums, capsums;
	bool found;
	struct oed_progress prog;	/* the reads, then the long tests (mmd) */
};

/* ---- shared between drift.c and baseline.c ---- */

/* Append k doubles (one value, or one vector row) to s; 0 or -1 (out of memory). */
int oed_drift_sample_push(struct sample *s, const double *v, size_t k);
/* Count k more of category id (OED_STRDICT_OTHER: the other bucket) in s; 0 or -1. */
int oed_drift_sample_count(struct sample *s, int64_t id, uint64_t k);
/* Sort a numeric sample once; 0 or -1 (err set). */
int oed_drift_sample_sort(struct sample *s, struct oed_err *err);
/* Values of f's sample side as the tests count them. */
uint64_t oed_drift_sample_size(const struct feature *f, int side);
/* The field named path (any spelling of it), or NULL. */
struct field *oed_drift_find_field(struct oed_drift *d, const char *path);
/* The kind is known: make the field's features; 0 or -1 (out of memory). */
int oed_drift_field_decide(struct oed_drift *d, struct field *fl, enum oed_fkind kind);
/* Whether test name applies to a field or feature of kind. */
bool oed_drift_test_fits(const char *name, enum oed_fkind kind);
/* The elements of a vector, checked; *dim 0 takes the array's length.  0 or -1 with why. */
int oed_drift_vector_check(json_t *arr, size_t *dim, const char **why);
/* A summary's share of drifted features, and its verdict by the gate. */
double oed_drift_summary_share(const struct summary *s);
bool oed_drift_summary_drift(const struct oed_drift *d, const struct summary *s);
/* A window bound (milliseconds since the epoch) as RFC 3339. */
void oed_drift_window_text(int64_t ms, char out[OED_RFC3339_SIZE]);
/* Note a field name seen in the input, for messages. */
void oed_drift_key_add(struct oed_drift *d, const char *name);

#endif
