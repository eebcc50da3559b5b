/*
 * drift.h: the oed-drift engine.  Reads the reference and the current
 * records, keeps per feature what the tests need, and compares the current
 * sample (whole, or one time window at a time) with the reference through
 * the tests of drifttest.h.
 *
 * Fields and features.  A field is a path in the record (--field).  Its
 * kind is forced (F:KIND) or inferred from the first values read (see
 * oed_drift_infer_strings): a number makes it numeric, true/false
 * categorical, an array of numbers a vector, and strings categorical or
 * text.  A field gives one feature, the unit a test runs on, except text,
 * which gives F:length_chars (numeric), F:length_tokens (numeric, with a
 * tokenizer) and F:words (categorical over word unigrams, words.h).
 *
 * What is kept.  Numeric values as doubles in a growable array (8 bytes
 * each, sorted once per comparison); categories in one dictionary per
 * feature (fingerprint -> id, the text kept once) with one count array per
 * sample (strdict.h); vectors as a deterministic reservoir of OED_DRIFT_MAX_ROWS rows
 * plus the column sums of every row.  Dictionaries are bounded
 * (OED_DRIFT_MAX_CATEGORIES, OED_DRIFT_MAX_WORDS): values past the bound
 * are counted together in one "other" category.
 *
 * Windows.  With a time field and a width, current records are split into
 * tumbling windows aligned on the Unix epoch (UTC, time.h; weeks start on
 * a Monday).  A window closes, and its findings are written and flushed,
 * once a record at least lateness after its end has been read (with no
 * lateness: when a record of a later window comes); within that any order
 * is fine, and a record of a window already closed is a bad record.
 * Memory is that of the windows open, however long the stream, unless
 * keep_findings asks for every finding (--record).  Windows with no record
 * are skipped with a note on stderr (oed_note).  Without a reference, the first window is
 * the reference of the others.
 *
 * Ownership: the engine owns its fields, samples and results; readers,
 * writer, store and tokenizer are borrowed.  Result strings are valid
 * until oed_drift_free().
 */
#ifndef OED_DRIFT_H
#define OED_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "jsonl.h"
#include "jsonw.h"
#include "store.h"
#include "tokenizer.h"

#define OED_DRIFT_MAX_CATEGORIES 100000	/* distinct values of a categorical field */
#define OED_DRIFT_MAX_WORDS 10000	/* distinct words of a text field */
#define OED_DRIFT_MAX_ROWS 500		/* vectors kept per sample for mmd */
#define OED_DRIFT_PROBE 1000		/* strings looked at to tell text from categories */
#define OED_DRIFT_BASELINE_VALUES 1000000	/* numeric values a baseline keeps exactly */
#define OED_DRIFT_SMALL 1000		/* n_ref up to this is a small sample (auto choice) */

enum oed_fkind {
	OED_FK_AUTO,		/* not decided yet */
	OED_FK_NUMERIC,
	OED_FK_CATEGORICAL,
	OED_FK_TEXT,
	OED_FK_VECTOR,
};

const char *oed_fkind_name(enum oed_fkind kind);	/* "numeric" ...; "unknown" for AUTO */
/* s[0..n) as a kind; "auto" is OED_FK_AUTO.  0 or -1. */
int oed_fkind_parse(const char *s, size_t n, enum oed_fkind *kind);

/* ---- --field F[:KIND[:TEST]] ---- */

struct oed_drift_spec {
	char *path;		/* owned */
	enum oed_fkind kind;	/* OED_FK_AUTO: inferred */
	char *test;		/* owned; NULL: --test or the automatic choice */
};

/*
 * Parse a --field argument: F, F:KIND, F:TEST or F:KIND:TEST (an empty
 * KIND is auto).  The text after the last colon must be a kind or a test,
 * so a field whose name holds a colon is written with its kind:
 * "a:b:auto" names the field "a:b".  0 or -1 with err set (OED_EX_USAGE).
 */
int oed_drift_spec_parse(struct oed_drift_spec *spec, const char *arg, struct oed_err *err);
void oed_drift_spec_release(struct oed_drift_spec *spec);

/* ---- kind inference and the automatic test ---- */

/*
 * Text or categorical, from the first strings of a field: text when their
 * mean length passes 64 code points, or when more than half of them are
 * distinct and half of them hold whitespace; categorical otherwise.
 */
enum oed_fkind oed_drift_infer_strings(const char *const *s, const size_t *len, size_t n);

/*
 * The automatic test for a feature holding values of kind (numeric,
 * categorical or vector; text features are numeric or categorical) with
 * n_ref reference values and ncat categories seen in either sample:
 *
 *   vector                      mmd
 *   categorical, 2 categories   z
 *   categorical, n_ref <= 1000  chi2
 *   categorical, n_ref > 1000   js
 *   numeric, n_ref <= 1000      ks
 *   numeric, n_ref > 1000       wasserstein_normed
 *
 * reason gets the row, as "numeric, n_ref<=1000".  Returns the test name.
 */
const char *oed_drift_auto_test(enum oed_fkind kind, uint64_t n_ref, size_t ncat,
				char *reason, size_t size);

/* ---- time ---- */

/*
 * A record's time: an RFC 3339 string (time.h) or a number of epoch
 * seconds, in the years 1 to 9999; 0, or -1 with why.
 */
int oed_drift_time_of(const struct oed_value *v, double *t, const char **why);

/* ---- the engine ---- */

struct oed_drift_opts {
	const char *test;		/* --test; NULL: automatic */
	double threshold;		/* NAN: each test's default */
	double share;			/* dataset drift when drifted / features >= share */
	unsigned long permutations;	/* mmd; 0: drifttest's default */
	uint64_t seed;
	size_t baseline_values;		/* --record: numeric values kept; 0: OED_DRIFT_BASELINE_VALUES */
	unsigned bins;			/* binned tests on numbers; 0: drifttest's default (10) */
	double epsilon;			/* psi and kl floor of zero shares; 0: default (1e-4) */
	const char *base;		/* --base as given ("2", "e", "10"), NULL: 2 */
	double log_base;		/* kl and js logarithms: its value, with base */
	const char *time;		/* --time field; NULL: no windows */
	int64_t window;			/* milliseconds (time.h durations), with time */
	int64_t lateness;		/* milliseconds a record may come after a later one */
	bool keep_findings;		/* keep every finding for oed_drift_findings() and --record */
	struct oed_tokenizer *tok;	/* borrowed; NULL: no token lengths */
	const char *tok_name;		/* encoding name, for baselines */
	long long baseline;		/* the run oed_drift_load_baseline() loaded (it sets it), for the parameters; 0: none */
	bool gate_any;			/* dataset drift when any feature drifted, whatever the share */
	bool quiet;			/* no progress on stderr */
	long long run;			/* the run --record stores, for the summaries' "run"; 0: none */
};

struct oed_drift_finding {
	const char *feature;
	const char *feature_kind;	/* the field's kind: text for derived features */
	const char *test;		/* NULL when nothing could run */
	bool ran;			/* the test ran: statistic and drift mean something */
	const char *method;		/* drifttest's: "exact", "asymptotic" ...; NULL when not run */
	double statistic;		/* NAN: none (an empty sample) */
	double p_value;			/* NAN: the test has none, or an empty sample */
	double df;			/* degrees of freedom, NAN when the test has none */
	double threshold;
	bool drift;
	unsigned notes;			/* drifttest's OED_DN_* bits */
	uint64_t n_ref, n_cur;
	uint64_t n_ref_recorded;	/* from a baseline that summarised more values than n_ref; else 0 */
	uint64_t missing_ref, missing_cur;
	long long new_categories;	/* categorical: in cur, not in ref; -1 otherwise */
	bool missing_rate;		/* the finding is F:missing, the test of how often F is missing */
	char note[96];			/* why the test did not decide ("n_ref 3 < minimum 30 for psi"), or "" */
	bool windowed;
	int64_t window_start, window_end;	/* milliseconds since the epoch */
	char reason[192];
};

struct oed_drift;

struct oed_drift *oed_drift_new(const struct oed_drift_opts *opts, struct oed_err *err);
void oed_drift_free(struct oed_drift *d);
/* Add a field; 0 or -1 with err set (usage: a bad test name, a field twice). */
int oed_drift_add_field(struct oed_drift *d, const struct oed_drift_spec *spec,
			struct oed_err *err);
size_t oed_drift_nfields(const struct oed_drift *d);

/*
 * Read the reference: every record of r.  Bad records go through the
 * reader's policy.  0, or -1 with err set (and reported when it was a bad
 * record under --on-error=fail).
 */
int oed_drift_read_ref(struct oed_drift *d, struct oed_reader *r, struct oed_err *err);
/* The reference from a run recorded with --record (all its fields when none were added). */
int oed_drift_load_baseline(struct oed_drift *d, struct oed_store *s, int64_t run,
			    struct oed_err *err);
/*
 * Read the current records and write drift and drift.summary records to w
 * as windows close, and for the last one at the end.  0 or -1 (err set).
 */
int oed_drift_read_cur(struct oed_drift *d, struct oed_reader *r, struct oed_writer *w,
		       struct oed_err *err);

/* Some summary found dataset drift. */
bool oed_drift_found(const struct oed_drift *d);
/* All results written so far (with keep_findings; else the last comparison's). */
const struct oed_drift_finding *oed_drift_findings(const struct oed_drift *d, size_t *n);
/* Write one result as a drift record. */
void oed_drift_write_finding(struct oed_writer *w, const struct oed_drift_finding *res);

/*
 * --record: metrics (grp "FEATURE" or "FEATURE@WINDOW_START", names
 * TEST/statistic, TEST/p_value, drift, n_ref, n_cur) and one baseline per
 * feature of the reference, for run.  The caller holds the transaction.
 */
int oed_drift_store(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err);
/* The run's parameters as a JSON object (caller frees). */
char *oed_drift_run_params(const struct oed_drift *d);

#endif
