/*
 * report.h: oed-report's model and renderers.
 *
 * A report is a list of records in the order they came: records read from
 * JSON Lines (any kind an oed tool writes, and kinds it does not know,
 * which are kept and listed raw) and runs loaded from the store (a "run"
 * record, then one "run.metric" record per metric row).  The report owns
 * every record (one jansson array, rep->recs).
 *
 * Each output format is one row of oed_rep_formats: a name and a function
 * that writes the whole report to a FILE.  Each known record kind is one
 * row of oed_rep_kinds: its section title and the columns its table shows.
 * A new kind is a row there; a new format is a function and a row.
 *
 * Nothing here prints to stderr or exits; errors fill struct oed_err.
 */
#ifndef OED_REPORT_H
#define OED_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "reject.h"

struct oed_report {
	json_t *recs;		/* array of objects, owned */
	size_t md_limit;	/* Markdown output stays under this many bytes */
	size_t html_items;	/* per-item rows an HTML table shows at most */
	const char *title;	/* borrowed; NULL for "oed report" */
};

void oed_rep_init(struct oed_report *rep);
void oed_rep_release(struct oed_report *rep);
/* Append rec (the reference is stolen); 0 or -1 (out of memory). */
int oed_rep_add(struct oed_report *rep, json_t *rec, struct oed_err *err);

/*
 * Read every record of FILEs (stdin when nfiles == 0, "-" for stdin)
 * into rep, through the shared reader (--on-error policy, --max-line).
 * 0 or -1 (err set; status OED_EX_DATA for a bad record under fail).
 */
int oed_rep_read(struct oed_report *rep, int nfiles, char *const *files, size_t max_line,
		 struct oed_policy *policy, struct oed_err *err);

/* ---- record kinds ---- */

struct oed_rep_col {
	const char *path;	/* dot path into the record */
	const char *label;	/* column header */
};

struct oed_rep_kind {
	const char *kind;
	const char *title;		/* section heading */
	const char *const *key;		/* fields naming a row (CSV key, JUnit test name) */
	const struct oed_rep_col *cols;	/* NULL-terminated */
	bool per_item;			/* one row per item: tables are sampled */
};

extern const struct oed_rep_kind oed_rep_kinds[];
/* The record's kind: its "kind" string, "record" for a normalised record without one, else NULL. */
const char *oed_rep_kindof(const json_t *rec);
/* The table row for kind, NULL when oed does not know it. */
const struct oed_rep_kind *oed_rep_kind_find(const char *kind);

/* A dot path's value, NULL when absent (borrowed). */
json_t *oed_rep_get(const json_t *rec, const char *path);
/* Number at path, NAN when absent or not a number (true/false read 1/0). */
double oed_rep_num(const json_t *rec, const char *path);
/* String at path, NULL when absent or not a string. */
const char *oed_rep_str(const json_t *rec, const char *path);

/* ---- a growing string ---- */

struct oed_sb {
	char *s;
	size_t n, cap;
	bool oom;
};
void oed_sb_put(struct oed_sb *b, const char *s, size_t n);
void oed_sb_puts(struct oed_sb *b, const char *s);
void oed_sb_printf(struct oed_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void oed_sb_release(struct oed_sb *b);
/* A table cell's text for v: numbers to 4 significant digits, objects as k=v, ... */
void oed_rep_cell(struct oed_sb *b, const json_t *v);
/* v in short form ("0.1235", "42", "1.2e-05"). */
void oed_rep_fmt(struct oed_sb *b, double v);
/* HTML text (& < > " ' escaped). */
void oed_sb_html(struct oed_sb *b, const char *s, size_t n);

/* The one-line verdict that opens every report (plain text). */
void oed_rep_verdict(const struct oed_report *rep, struct oed_sb *b);

/* ---- formats ---- */

struct oed_rep_format {
	const char *name;
	int (*render)(const struct oed_report *rep, FILE *fp, struct oed_err *err);
};

extern const struct oed_rep_format oed_rep_formats[];
const struct oed_rep_format *oed_rep_format_find(const char *name);

int oed_rep_md(const struct oed_report *rep, FILE *fp, struct oed_err *err);
int oed_rep_json(const struct oed_report *rep, FILE *fp, struct oed_err *err);
int oed_rep_csv(const struct oed_report *rep, FILE *fp, struct oed_err *err);
int oed_rep_prom(const struct oed_report *rep, FILE *fp, struct oed_err *err);
int oed_rep_junit(const struct oed_report *rep, FILE *fp, struct oed_err *err);
int oed_rep_html(const struct oed_report *rep, FILE *fp, struct oed_err *err);

#endif
