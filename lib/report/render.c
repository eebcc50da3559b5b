/*
 * render.c: the text formats: Markdown, JSON Lines, CSV, Prometheus text
 * and JUnit XML.  HTML is in html.c.
 */
#include "config.h"
#include "report/report.h"
#include "report/rows.h"
#include "exit.h"
#include "jsonw.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct oed_rep_format oed_rep_formats[] = {
	{ "md", oed_rep_md },
	{ "html", oed_rep_html },
	{ "json", oed_rep_json },
	{ "csv", oed_rep_csv },
	{ "junit", oed_rep_junit },
	{ "prom", oed_rep_prom },
	{ NULL, NULL }
};

const struct oed_rep_format *
oed_rep_format_find(const char *name)
{
	for (const struct oed_rep_format *f = oed_rep_formats; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static int
put_out(FILE *fp, const struct oed_sb *b, struct oed_err *err)
{
	if (b->oom)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (b->n && fwrite(b->s, 1, b->n, fp) != b->n)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the report: %s", strerror(errno));
	return 0;
}

json_t *
oed_rep_rows(const json_t *rec, const char *kind)
{
	json_t *rows = json_array();

	if (rows == NULL)
		return NULL;
	if (kind && strcmp(kind, "bench.summary") == 0 && json_is_object(json_object_get(rec, "metrics"))) {
		const char *k;
		json_t *m;

		/* a row per scorer: the table reads model, scorer, mean, CI */
		json_object_foreach(json_object_get(rec, "metrics"), k, m) {
			json_t *row = json_is_object(m) ? json_deep_copy(m) : json_object();
			static const char *const keep[] = { "model", "task", "run", "errors", NULL };

			if (row == NULL)
				break;
			for (int i = 0; keep[i]; i++)
				if (json_object_get(rec, keep[i]))
					json_object_set(row, keep[i], json_object_get(rec, keep[i]));
			json_object_set_new(row, "scorer", json_string(k));
			json_array_append_new(rows, row);
		}
		return rows;
	}
	json_array_append(rows, (json_t *)rec);
	return rows;
}

size_t
oed_rep_count(const struct oed_report *rep, const char *kind)
{
	size_t i, n = 0;
	json_t *rec;

	json_array_foreach(rep->recs, i, rec) {
		const char *k = oed_rep_kindof(rec);

		if (kind ? k && strcmp(k, kind) == 0 : oed_rep_kind_find(k) == NULL)
			n++;
	}
	return n;
}

/* ---- Markdown ---- */

/* A cell's text, one line, | and HTML escaped, cut at limit bytes (on a UTF-8 boundary). */
static void
md_cell(struct oed_sb *b, const json_t *v, size_t limit)
{
	struct oed_sb t = { 0 };
	size_t n;

	oed_rep_cell(&t, v);
	n = t.n;
	if (n > limit) {
		n = limit;
		while (n && ((unsigned char)t.s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		char c = t.s[i];

		switch (c) {
		case '|': oed_sb_puts(b, "\\|"); break;
		case '\n': case '\r': case '\t': oed_sb_puts(b, " "); break;
		case '<': oed_sb_puts(b, "&lt;"); break;
		case '>': oed_sb_puts(b, "&gt;"); break;
		case '&': oed_sb_puts(b, "&amp;"); break;
		case '\\': case '`': case '*': case '_': case '[': case ']':
			oed_sb_put(b, "\\", 1);
			oed_sb_put(b, &c, 1);
			break;
		case '\0': break;
		default: oed_sb_put(b, &c, 1);
		}
	}
	if (n < t.n)
		oed_sb_puts(b, "…");
	oed_sb_release(&t);
}

int
oed_rep_md(const struct oed_report *rep, FILE *fp, struct oed_err *err)
{
	struct oed_sb b = { 0 }, row = { 0 };
	size_t shown = 0, omitted = 0, i, unknown;
	size_t budget = rep->md_limit > 400 ? rep->md_limit - 400 : 0;
	bool full = false;
	json_t *rec;
	int rc;

	oed_sb_puts(&b, "**Verdict:** ");
	oed_rep_verdict(rep, &b);
	oed_sb_puts(&b, "\n\n");
	for (const struct oed_rep_kind *k = oed_rep_kinds; k->kind; k++) {
		size_t n = oed_rep_count(rep, k->kind);

		if (n == 0)
			continue;
		row.n = 0;
		oed_sb_printf(&row, "## %s (%zu)\n\n|", k->title, n);
		for (const struct oed_rep_col *c = k->cols; c->path; c++)
			oed_sb_printf(&row, " %s |", c->label);
		oed_sb_puts(&row, "\n|");
		for (const struct oed_rep_col *c = k->cols; c->path; c++)
			oed_sb_puts(&row, "---|");
		oed_sb_puts(&row, "\n");
		if (full || b.n + row.n > budget) {
			full = true;
			omitted += n;
			continue;
		}
		oed_sb_put(&b, row.s, row.n);
		json_array_foreach(rep->recs, i, rec) {
			const char *kind = oed_rep_kindof(rec);
			json_t *rows, *r;
			size_t j;

			if (kind == NULL || strcmp(kind, k->kind) != 0)
				continue;
			if (full) {
				/* nothing more fits: count what is left out */
				omitted += strcmp(kind, "bench.summary") == 0 ?
					   json_object_size(json_object_get(rec, "metrics")) : 1;
				continue;
			}
			rows = oed_rep_rows(rec, kind);
			json_array_foreach(rows, j, r) {
				row.n = 0;
				oed_sb_puts(&row, "|");
				for (const struct oed_rep_col *c = k->cols; c->path; c++) {
					oed_sb_puts(&row, " ");
					md_cell(&row, oed_rep_get(r, c->path), 120);
					oed_sb_puts(&row, " |");
				}
				oed_sb_puts(&row, "\n");
				if (full || b.n + row.n > budget) {
					full = true;
					omitted++;
				} else {
					oed_sb_put(&b, row.s, row.n);
					shown++;
				}
			}
			json_decref(rows);
		}
		oed_sb_puts(&b, "\n");
	}
	unknown = oed_rep_count(rep, NULL);
	if (unknown) {
		row.n = 0;
		oed_sb_printf(&row, "## Other records (%zu)\n\n| kind | record |\n|---|---|\n", unknown);
		if (full || b.n + row.n > budget) {
			full = true;
			omitted += unknown;
		} else {
			oed_sb_put(&b, row.s, row.n);
		}
		json_array_foreach(rep->recs, i, rec) {
			char *text;
			json_t *js;

			if (full || oed_rep_kind_find(oed_rep_kindof(rec)))
				continue;
			text = json_dumps(rec, JSON_COMPACT);
			js = json_string(text ? text : "");
			row.n = 0;
			oed_sb_puts(&row, "| ");
			md_cell(&row, json_object_get(rec, "kind"), 60);
			oed_sb_puts(&row, " | ");
			md_cell(&row, js, 300);
			oed_sb_puts(&row, " |\n");
			json_decref(js);
			free(text);
			if (b.n + row.n > budget) {
				full = true;
				omitted++;
			} else {
				oed_sb_put(&b, row.s, row.n);
			}
		}
		if (!full)
			oed_sb_puts(&b, "\n");
	}
	if (omitted)
		oed_sb_printf(&b, "_Truncated to fit a comment: %zu row%s left out; the whole report:"
			      " `oed-report -f html`._\n", omitted, omitted == 1 ? "" : "s");
	oed_sb_release(&row);
	rc = put_out(fp, &b, err);
	oed_sb_release(&b);
	return rc;
}

/* ---- JSON Lines ---- */

int
oed_rep_json(const struct oed_report *rep, FILE *fp, struct oed_err *err)
{
	struct oed_writer w;
	struct oed_sb b = { 0 };
	size_t i;
	json_t *rec;
	int rc = 0;

	oed_writer_init(&w, fp);
	oed_rep_verdict(rep, &b);
	oed_w_begin(&w);
	oed_w_str(&w, "kind", "report.verdict");
	oed_w_str(&w, "verdict", b.s ? b.s : "");
	oed_w_uint(&w, "records", json_array_size(rep->recs));
	rc = oed_w_end(&w);
	oed_sb_release(&b);
	json_array_foreach(rep->recs, i, rec) {
		if (rc == -1)
			break;
		oed_w_begin(&w);
		{
			const char *k;
			json_t *v;

			json_object_foreach(rec, k, v)
				oed_w_json(&w, k, v);
		}
		rc = oed_w_end(&w);
	}
	oed_writer_release(&w);
	if (rc == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the report: %s", strerror(errno));
	return 0;
}

/* ---- CSV: one row per figure, long format ---- */

static int
csv_field(FILE *fp, const char *s, size_t n)
{
	return csv_fwrite(fp, s, n);
}

/* The row's key: its key fields joined by '/'. */
static void
row_key(struct oed_sb *b, const json_t *rec, const struct oed_rep_kind *k, size_t index)
{
	size_t start = b->n;

	if (k)
		for (const char *const *f = k->key; *f; f++) {
			json_t *v = oed_rep_get(rec, *f);

			if (v == NULL || json_is_null(v))
				continue;
			if (b->n > start)
				oed_sb_puts(b, "/");
			oed_rep_cell(b, v);
		}
	if (b->n == start)
		oed_sb_printf(b, "%zu", index + 1);
}

static int
csv_flat(FILE *fp, const char *kind, const char *run, const char *key, const char *prefix,
	 const json_t *v)
{
	struct oed_sb b = { 0 };
	const char *k;
	json_t *x;
	int rc = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			char *p;
			size_t n = strlen(prefix) + strlen(k) + 2;

			if (strcmp(k, "kind") == 0 && *prefix == '\0')
				continue;
			if ((p = malloc(n)) == NULL)
				return -1;
			snprintf(p, n, "%s%s%s", prefix, *prefix ? "." : "", k);
			rc = csv_flat(fp, kind, run, key, p, x);
			free(p);
			if (rc == -1)
				return -1;
		}
		return 0;
	}
	if (json_is_array(v) || json_is_null(v)) {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (t == NULL)
			return -1;
		oed_sb_puts(&b, json_is_null(v) ? "" : t);
		free(t);
	} else if (json_is_real(v)) {
		char num[32];

		oed_sb_put(&b, num, (size_t)oed_fmt_double(num, json_real_value(v)));
	} else if (json_is_boolean(v)) {
		oed_sb_puts(&b, json_is_true(v) ? "true" : "false");
	} else {
		oed_rep_cell(&b, v);
	}
	if (csv_field(fp, kind, strlen(kind)) == EOF || fputc(',', fp) == EOF ||
	    csv_field(fp, run, strlen(run)) == EOF || fputc(',', fp) == EOF ||
	    csv_field(fp, key, strlen(key)) == EOF || fputc(',', fp) == EOF ||
	    csv_field(fp, prefix, strlen(prefix)) == EOF || fputc(',', fp) == EOF ||
	    csv_field(fp, b.s ? b.s : "", b.n) == EOF || fputs("\r\n", fp) == EOF)
		rc = -1;
	oed_sb_release(&b);
	return rc;
}

int
oed_rep_csv(const struct oed_report *rep, FILE *fp, struct oed_err *err)
{
	size_t i;
	json_t *rec;

	if (fputs("kind,run,key,field,value\r\n", fp) == EOF)
		goto fail;
	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);
		struct oed_sb key = { 0 }, run = { 0 };
		json_t *r = json_object_get(rec, "run");
		int rc;

		row_key(&key, rec, oed_rep_kind_find(kind), i);
		if (json_is_integer(r) || json_is_string(r))
			oed_rep_cell(&run, r);
		rc = csv_flat(fp, kind ? kind : "", run.s ? run.s : "", key.s ? key.s : "", "", rec);
		oed_sb_release(&key);
		oed_sb_release(&run);
		if (rc == -1)
			goto fail;
	}
	return 0;
fail:
	return oed_err_set(err, OED_EX_FAIL, "cannot write the report: %s", strerror(errno));
}

/* ---- Prometheus text format ---- */

struct series {
	const char *family, *help;
	char *labels;		/* {a="b",...} or "" */
	double value;
};

struct prom {
	struct series *s;
	size_t n, cap;
	size_t *slot, nslot;	/* open addressing over s: index + 1, 0 empty */
	bool oom;
};

static uint64_t
series_hash(const char *family, const char *labels)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = family; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* Grow the table to twice the series it must hold; false when out of memory. */
static bool
prom_rehash(struct prom *p)
{
	size_t n = p->nslot ? 2 * p->nslot : 64;
	size_t *slot = calloc(n, sizeof(*slot));

	if (slot == NULL)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		size_t k = series_hash(p->s[i].family, p->s[i].labels) & (n - 1);

		while (slot[k])
			k = (k + 1) & (n - 1);
		slot[k] = i + 1;
	}
	free(p->slot);
	p->slot = slot;
	p->nslot = n;
	return true;
}

static void
label_value(struct oed_sb *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\')
			oed_sb_puts(b, "\\\\");
		else if (*v == '"')
			oed_sb_puts(b, "\\\"");
		else if (*v == '\n')
			oed_sb_puts(b, "\\n");
		else
			oed_sb_put(b, v, 1);
	}
}

/*
 * Add a sample; labels come in name, value pairs ending with NULL (a NULL
 * value drops the label).  A later sample of the same series replaces the
 * earlier one: a windowed drift run ends on its latest window.
 */
static void
prom_add(struct prom *p, const char *family, const char *help, double value, ...)
{
	struct oed_sb b = { 0 };
	const char *name;
	va_list ap;
	bool any = false;

	if (isnan(value))
		return;	/* an absent figure is no sample */
	va_start(ap, value);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		if (v == NULL)
			continue;
		oed_sb_puts(&b, any ? "," : "{");
		any = true;
		oed_sb_printf(&b, "%s=\"", name);
		label_value(&b, v);
		oed_sb_puts(&b, "\"");
	}
	va_end(ap);
	if (any)
		oed_sb_puts(&b, "}");
	if (b.oom) {
		p->oom = true;
		oed_sb_release(&b);
		return;
	}
	if (2 * (p->n + 1) > p->nslot && !prom_rehash(p)) {
		p->oom = true;
		oed_sb_release(&b);
		return;
	}
	size_t k = series_hash(family, b.s ? b.s : "") & (p->nslot - 1);

	for (; p->slot[k]; k = (k + 1) & (p->nslot - 1)) {
		struct series *x = &p->s[p->slot[k] - 1];

		if (strcmp(x->family, family) == 0 && strcmp(x->labels, b.s ? b.s : "") == 0) {
			x->value = value;
			oed_sb_release(&b);
			return;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct series *s = realloc(p->s, cap * sizeof(*s));

		if (s == NULL) {
			p->oom = true;
			oed_sb_release(&b);
			return;
		}
		p->s = s;
		p->cap = cap;
	}
	p->s[p->n].family = family;
	p->s[p->n].help = help;
	p->s[p->n].labels = b.s ? b.s : strdup("");
	p->s[p->n].value = value;
	p->slot[k] = ++p->n;
}

/* Entropies are written in bits whatever --base the tool used. */
static double
to_bits(const json_t *rec, double v)
{
	const char *base = oed_rep_str(rec, "base");

	if (base && strcmp(base, "e") == 0)
		return v / log(2);
	if (base && strcmp(base, "10") == 0)
		return v * log2(10);
	return v;
}

static void
prom_record(struct prom *p, const json_t *rec, const char *kind)
{
	static const char *const hq[] = { "h_x", "h_y", "h_y_given_x", "h_x_given_y", "mi", NULL };
	const char *k;
	json_t *v;
	char run[32];

	if (strcmp(kind, "entropy") == 0 || strcmp(kind, "mi") == 0) {
		for (int i = 0; hq[i]; i++)
			if (isfinite(oed_rep_num(rec, hq[i])))
				prom_add(p, "oed_entropy_shannons",
					 "Information quantities of outputs, in shannons (bits; promtool refuses a _bits name).",
					 to_bits(rec, oed_rep_num(rec, hq[i])), "quantity", hq[i],
					 "x", oed_rep_str(rec, "x"), "y", oed_rep_str(rec, "y"), NULL);
		if (isfinite(oed_rep_num(rec, "n")))
			prom_add(p, "oed_entropy_records", "Records the entropy was computed over.",
				 oed_rep_num(rec, "n"), "tool", kind, NULL);
	} else if (strcmp(kind, "entropy.group") == 0) {
		prom_add(p, "oed_entropy_input_shannons", "H(Y|X=x) per input, in shannons (bits).",
			 oed_rep_num(rec, "h"), "input", oed_rep_str(rec, "x"), NULL);
	} else if (strcmp(kind, "drift") == 0) {
		const char *f = oed_rep_str(rec, "feature"), *t = oed_rep_str(rec, "test");

		prom_add(p, "oed_drift_statistic", "Drift test statistic per feature (latest window).",
			 oed_rep_num(rec, "statistic"), "feature", f, "test", t, NULL);
		if (isfinite(oed_rep_num(rec, "p_value")))
			prom_add(p, "oed_drift_p_value", "Drift test p-value per feature (latest window).",
				 oed_rep_num(rec, "p_value"), "feature", f, "test", t, NULL);
		prom_add(p, "oed_drift_detected", "1 when the feature drifted (latest window).",
			 oed_rep_num(rec, "drift"), "feature", f, "test", t, NULL);
	} else if (strcmp(kind, "drift.summary") == 0) {
		prom_add(p, "oed_drift_share", "Share of features that drifted (latest window).",
			 oed_rep_num(rec, "share"), NULL);
	} else if (strcmp(kind, "tokens") == 0) {
		prom_add(p, "oed_tokens", "Tokens counted per source.", oed_rep_num(rec, "tokens"),
			 "source", oed_rep_str(rec, "source"), "encoding", oed_rep_str(rec, "encoding"),
			 NULL);
	} else if (strcmp(kind, "bench.summary") == 0) {
		const char *task = oed_rep_str(rec, "task"), *model = oed_rep_str(rec, "model");

		json_object_foreach(json_object_get(rec, "metrics"), k, v) {
			prom_add(p, "oed_bench_score", "Mean bench score per task, model and scorer.",
				 oed_rep_num(v, "mean"), "task", task, "model", model, "scorer", k, NULL);
			prom_add(p, "oed_bench_score_lo", "Lower end of the score's 95% interval.",
				 oed_rep_num(v, "lo"), "task", task, "model", model, "scorer", k, NULL);
			prom_add(p, "oed_bench_score_hi", "Upper end of the score's 95% interval.",
				 oed_rep_num(v, "hi"), "task", task, "model", model, "scorer", k, NULL);
		}
		prom_add(p, "oed_bench_items", "Items in the bench run.", oed_rep_num(rec, "n"),
			 "task", task, "model", model, NULL);
		prom_add(p, "oed_bench_errors", "Items that errored in the bench run.",
			 oed_rep_num(rec, "errors"), "task", task, "model", model, NULL);
	} else if (strcmp(kind, "monitor.alert") == 0) {
		const char *st = oed_rep_str(rec, "state");
		double firing = json_is_boolean(oed_rep_get(rec, "firing")) ? oed_rep_num(rec, "firing") :
				st ? strcmp(st, "firing") == 0 : NAN;

		prom_add(p, "oed_monitor_alert_firing", "1 while the monitor's alert is firing.", firing,
			 "monitor", oed_rep_str(rec, "monitor"), "alert", oed_rep_str(rec, "alert"), NULL);
	} else if (strcmp(kind, "monitor.slo") == 0) {
		prom_add(p, "oed_monitor_slo_budget_remaining", "Share of the SLO's error budget left.",
			 oed_rep_num(rec, "budget_remaining"), "monitor", oed_rep_str(rec, "monitor"),
			 "slo", oed_rep_str(rec, "slo"), NULL);
		if (json_is_boolean(oed_rep_get(rec, "firing")))
			prom_add(p, "oed_monitor_slo_firing", "1 while the SLO's burn-rate alert is firing.",
				 oed_rep_num(rec, "firing"), "monitor", oed_rep_str(rec, "monitor"),
				 "slo", oed_rep_str(rec, "slo"), NULL);
	} else if (strcmp(kind, "monitor.score") == 0) {
		prom_add(p, "oed_monitor_score", "Mean score per monitor and scorer (latest run).",
			 oed_rep_num(rec, "mean"), "monitor", oed_rep_str(rec, "monitor"),
			 "scorer", oed_rep_str(rec, "scorer"), NULL);
		prom_add(p, "oed_monitor_pass_rate", "Share of verdicts that passed (latest run).",
			 oed_rep_num(rec, "pass_rate"), "monitor", oed_rep_str(rec, "monitor"),
			 "scorer", oed_rep_str(rec, "scorer"), NULL);
	} else if (strcmp(kind, "monitor.run") == 0) {
		static const char *const f[] = { "fetched", "new", "sampled", "scored", "errors", NULL };

		for (int i = 0; f[i]; i++)
			if (isfinite(oed_rep_num(rec, f[i])))
				prom_add(p, "oed_monitor_items", "Items in the monitor's latest run.",
					 oed_rep_num(rec, f[i]), "monitor", oed_rep_str(rec, "monitor"),
					 "stage", f[i], NULL);
	} else if (strcmp(kind, "report.compare") == 0) {
		const char *s = oed_rep_str(rec, "scorer");

		prom_add(p, "oed_compare_diff", "Paired difference B - A per scorer.",
			 oed_rep_num(rec, "diff"), "scorer", s, NULL);
		prom_add(p, "oed_compare_p_value", "Holm-adjusted p-value of the difference.",
			 oed_rep_num(rec, "p_holm"), "scorer", s, NULL);
	} else if (strcmp(kind, "run.metric") == 0) {
		snprintf(run, sizeof(run), "%lld", (long long)json_integer_value(json_object_get(rec, "run")));
		prom_add(p, "oed_run_metric", "A metric recorded in the run store.",
			 oed_rep_num(rec, "value"), "tool", oed_rep_str(rec, "tool"), "run", run,
			 "name", oed_rep_str(rec, "name"), "group", oed_rep_str(rec, "grp"), NULL);
	} else if (strcmp(kind, "run.metric.summary") == 0) {
		snprintf(run, sizeof(run), "%lld", (long long)json_integer_value(json_object_get(rec, "run")));
		prom_add(p, "oed_run_metric_mean", "Mean of a metric's values in a run too large to list.",
			 oed_rep_num(rec, "mean"), "tool", oed_rep_str(rec, "tool"), "run", run,
			 "name", oed_rep_str(rec, "name"), NULL);
	}
}

int
oed_rep_prom(const struct oed_report *rep, FILE *fp, struct oed_err *err)
{
	struct prom p = { 0 };
	struct oed_sb b = { 0 };
	size_t i;
	json_t *rec;
	int rc;

	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);

		if (kind)
			prom_record(&p, rec, kind);
	}
	/* a family's samples together, under one HELP and TYPE, in first-seen order */
	{
		const char *fam[64];
		size_t nfam = 0;

		/* the families are string constants, a few dozen: compare addresses */
		for (i = 0; i < p.n; i++) {
			size_t f;

			for (f = 0; f < nfam && fam[f] != p.s[i].family; f++)
				;
			if (f == nfam && nfam < sizeof(fam) / sizeof(fam[0]))
				fam[nfam++] = p.s[i].family;
		}
		for (size_t f = 0; f < nfam; f++) {
			bool head = false;

			for (size_t j = 0; j < p.n; j++) {
				char num[32];

				if (p.s[j].family != fam[f])
					continue;
				if (!head) {
					oed_sb_printf(&b, "# HELP %s %s\n# TYPE %s gauge\n", fam[f], p.s[j].help, fam[f]);
					head = true;
				}
				if (isinf(p.s[j].value))
					strcpy(num, p.s[j].value > 0 ? "+Inf" : "-Inf");
				else
					oed_fmt_double(num, p.s[j].value);
				oed_sb_printf(&b, "%s%s %s\n", p.s[j].family, p.s[j].labels, num);
			}
		}
	}
	if (p.oom)
		b.oom = true;
	rc = put_out(fp, &b, err);
	for (i = 0; i < p.n; i++)
		free(p.s[i].labels);
	free(p.s);
	free(p.slot);
	oed_sb_release(&b);
	return rc;
}

/* ---- JUnit XML ---- */

struct jcase {
	char *name, *classname, *failure, *error;
};

struct jsuite {
	char *name;
	struct jcase *c;
	size_t n, cap, failures, errors;
};

static void
xml_text(struct oed_sb *b, const char *s)
{
	/* XML 1.0 cannot hold most control characters, even escaped */
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			oed_sb_puts(b, "\xef\xbf\xbd");
		else
			oed_sb_html(b, s, 1);
	}
}

static char *
sb_take(struct oed_sb *b)
{
	char *s = b->s ? b->s : strdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

static struct jsuite *
suite_for(struct jsuite **suites, size_t *n, const char *name)
{
	struct jsuite *s;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*suites)[i].name, name) == 0)
			return &(*suites)[i];
	s = realloc(*suites, (*n + 1) * sizeof(**suites));
	if (s == NULL)
		return NULL;
	*suites = s;
	s = &(*suites)[(*n)++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	return s;
}

static int
suite_add(struct jsuite *s, char *name, char *classname, char *failure, char *error)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct jcase *c = realloc(s->c, cap * sizeof(*c));

		if (c == NULL)
			return -1;
		s->c = c;
		s->cap = cap;
	}
	s->c[s->n++] = (struct jcase){ name, classname, failure, error };
	s->failures += failure != NULL;
	s->errors += error != NULL;
	return 0;
}

/* A bench or monitor item fails when a score says false or 0. */
static char *
failed_scores(const json_t *scores)
{
	struct oed_sb b = { 0 };
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)scores, k, v) {
		if (json_is_false(v) || (json_is_number(v) && json_number_value(v) == 0)) {
			oed_sb_printf(&b, "%s%s", b.n ? ", " : "scorer failed: ", k);
		} else if (json_is_object(v)) {
			json_t *pass = json_object_get(v, "pass");

			if (json_is_false(pass))
				oed_sb_printf(&b, "%s%s", b.n ? ", " : "scorer failed: ", k);
		}
	}
	return b.s;
}

int
oed_rep_junit(const struct oed_report *rep, FILE *fp, struct oed_err *err)
{
	struct jsuite *suites = NULL;
	struct oed_sb b = { 0 };
	size_t nsuites = 0, i;
	json_t *rec;
	int rc = 0;

	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);
		const struct oed_rep_kind *k = oed_rep_kind_find(kind);
		struct oed_sb name = { 0 }, sname = { 0 }, cls = { 0 }, msg = { 0 };
		char *failure = NULL, *error = NULL;
		struct jsuite *s;
		json_t *run = json_object_get(rec, "run");

		if (k == NULL)
			continue;
		if (strcmp(kind, "bench.item") == 0 || strcmp(kind, "monitor.item") == 0) {
			json_t *e = json_object_get(rec, "error");

			if (e && !json_is_null(e)) {
				oed_rep_cell(&msg, e);
				error = sb_take(&msg);
			} else if (strcmp(kind, "monitor.item") == 0) {
				/* the monitor's own verdict: every scorer with one passed */
				if (json_is_false(json_object_get(rec, "pass"))) {
					oed_sb_puts(&msg, "did not pass: ");
					oed_rep_cell(&msg, json_object_get(rec, "scores"));
					failure = sb_take(&msg);
				}
			} else {
				failure = failed_scores(json_object_get(rec, "scores"));
			}
		} else if (strcmp(kind, "drift") == 0) {
			if (json_is_true(json_object_get(rec, "drift"))) {
				oed_sb_printf(&msg, "%s drifted: statistic ",
					      oed_rep_str(rec, "test") ? oed_rep_str(rec, "test") : "test");
				oed_rep_fmt(&msg, oed_rep_num(rec, "statistic"));
				if (isfinite(oed_rep_num(rec, "p_value"))) {
					oed_sb_puts(&msg, ", p-value ");
					oed_rep_fmt(&msg, oed_rep_num(rec, "p_value"));
				}
				oed_sb_puts(&msg, ", threshold ");
				oed_rep_fmt(&msg, oed_rep_num(rec, "threshold"));
				failure = sb_take(&msg);
			}
		} else if (strcmp(kind, "monitor.alert") == 0) {
			const char *st = oed_rep_str(rec, "state");

			if (json_is_true(json_object_get(rec, "firing")) || (st && strcmp(st, "firing") == 0)) {
				oed_sb_puts(&msg, "alert firing: value ");
				oed_rep_fmt(&msg, oed_rep_num(rec, "value"));
				oed_sb_puts(&msg, ", threshold ");
				oed_rep_fmt(&msg, oed_rep_num(rec, "threshold"));
				failure = sb_take(&msg);
			}
		} else if (strcmp(kind, "monitor.slo") == 0) {
			if (oed_rep_num(rec, "budget_remaining") < 0 || json_is_true(json_object_get(rec, "firing"))) {
				oed_sb_puts(&msg, json_is_true(json_object_get(rec, "firing")) ?
					    "burn-rate alert firing, budget remaining " : "error budget spent: remaining ");
				oed_rep_fmt(&msg, oed_rep_num(rec, "budget_remaining"));
				failure = sb_take(&msg);
			}
		} else if (strcmp(kind, "report.compare") == 0) {
			if (json_is_true(json_object_get(rec, "gate"))) {
				oed_sb_puts(&msg, "significant drop larger than allowed: ");
				oed_rep_fmt(&msg, oed_rep_num(rec, "diff"));
				failure = sb_take(&msg);
			}
		} else {
			continue;	/* not a check */
		}
		/* a suite per tool family and run */
		oed_sb_put(&sname, kind, strcspn(kind, "."));
		if (json_is_integer(run) || json_is_string(run)) {
			oed_sb_puts(&sname, " run ");
			oed_rep_cell(&sname, run);
		}
		s = suite_for(&suites, &nsuites, sname.s);
		row_key(&name, rec, k, i);
		oed_sb_puts(&cls, kind);
		if (s == NULL || suite_add(s, sb_take(&name), sb_take(&cls), failure, error) == -1)
			rc = -1;
		oed_sb_release(&sname);
		oed_sb_release(&name);
		oed_sb_release(&cls);
		if (rc == -1)
			break;
	}
	if (rc == 0) {
		size_t tests = 0, failures = 0, errors = 0;

		for (i = 0; i < nsuites; i++) {
			tests += suites[i].n;
			failures += suites[i].failures;
			errors += suites[i].errors;
		}
		oed_sb_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<testsuites name=\"oed-report\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
			      tests, failures, errors);
		for (i = 0; i < nsuites; i++) {
			struct jsuite *s = &suites[i];

			oed_sb_puts(&b, "  <testsuite name=\"");
			xml_text(&b, s->name);
			oed_sb_printf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n",
				      s->n, s->failures, s->errors);
			for (size_t j = 0; j < s->n; j++) {
				struct jcase *c = &s->c[j];

				oed_sb_puts(&b, "    <testcase name=\"");
				xml_text(&b, c->name);
				oed_sb_puts(&b, "\" classname=\"");
				xml_text(&b, c->classname);
				if (c->failure == NULL && c->error == NULL) {
					oed_sb_puts(&b, "\"/>\n");
					continue;
				}
				oed_sb_puts(&b, "\">\n");
				oed_sb_printf(&b, "      <%s message=\"", c->error ? "error" : "failure");
				xml_text(&b, c->error ? c->error : c->failure);
				oed_sb_printf(&b, "\" type=\"%s\"/>\n", c->error ? "error" : "failure");
				oed_sb_puts(&b, "    </testcase>\n");
			}
			oed_sb_puts(&b, "  </testsuite>\n");
		}
		oed_sb_puts(&b, "</testsuites>\n");
		rc = put_out(fp, &b, err);
	} else {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (i = 0; i < nsuites; i++) {
		for (size_t j = 0; j < suites[i].n; j++) {
			free(suites[i].c[j].name);
			free(suites[i].c[j].classname);
			free(suites[i].c[j].failure);
			free(suites[i].c[j].error);
		}
		free(suites[i].c);
		free(suites[i].name);
	}
	free(suites);
	oed_sb_release(&b);
	return rc;
}
