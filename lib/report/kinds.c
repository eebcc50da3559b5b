/*
 * kinds.c: the record kinds oed-report knows, the report model, the small
 * string buffer and the verdict line.
 */
#include "config.h"
#include "report/report.h"
#include "exit.h"
#include "jsonl.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_none[] = { NULL };
static const char *const k_x[] = { "x", NULL };
static const char *const k_feature[] = { "feature", "window_start", NULL };
static const char *const k_window[] = { "window_start", NULL };
static const char *const k_source[] = { "source", "line", NULL };
static const char *const k_dataset[] = { "name", "version", NULL };
static const char *const k_item[] = { "model", "input_id", "sample", NULL };
static const char *const k_model[] = { "model", "scorer", NULL };
static const char *const k_mitem[] = { "monitor", "id", NULL };
static const char *const k_monitor[] = { "monitor", "run", NULL };
static const char *const k_alert[] = { "monitor", "alert", NULL };
static const char *const k_slo[] = { "monitor", "slo", NULL };
static const char *const k_mscore[] = { "monitor", "scorer", "run", NULL };
static const char *const k_scorer[] = { "scorer", NULL };
static const char *const k_run[] = { "run", NULL };
static const char *const k_metric[] = { "run", "name", "grp", NULL };
static const char *const k_msum[] = { "run", "name", NULL };
static const char *const k_trend[] = { "scorer", NULL };
static const char *const k_by[] = { "scorer", "segment", NULL };
static const char *const k_comp[] = { "component", NULL };
static const char *const k_tpoint[] = { "scorer", "day", "run", NULL };

static const struct oed_rep_col c_entropy[] = {
	{ "n", "n" }, { "inputs", "inputs" }, { "estimator", "estimator" },
	{ "base", "base" }, { "h_y", "H(Y)" }, { "h_y_given_x", "H(Y|X)" },
	{ "mi", "I(X;Y)" }, { "distinct_outputs", "distinct outputs" },
	{ "length_chars.mean", "mean length (chars)" }, { NULL, NULL }
};
static const struct oed_rep_col c_group[] = {
	{ "x", "input" }, { "n", "n" }, { "distinct", "distinct" }, { "h", "H(Y|X=x)" },
	{ NULL, NULL }
};
static const struct oed_rep_col c_mi[] = {
	{ "n", "n" }, { "estimator", "estimator" }, { "mi", "I(X;Y)" }, { "mi_lo", "lo" },
	{ "mi_hi", "hi" }, { "nmi", "NMI" }, { "ami", "AMI" }, { "h_y_given_x", "H(Y|X)" },
	{ NULL, NULL }
};
static const struct oed_rep_col c_drift[] = {
	{ "window_start", "window" }, { "feature", "feature" }, { "test", "test" },
	{ "statistic", "statistic" }, { "p_value", "p-value" }, { "threshold", "threshold" },
	{ "drift", "drift" }, { "n_ref", "n ref" }, { "n_cur", "n cur" }, { NULL, NULL }
};
static const struct oed_rep_col c_dsum[] = {
	{ "window_start", "window" }, { "features", "features" }, { "drifted", "drifted" },
	{ "share", "share" }, { "dataset_drift", "dataset drift" },
	{ "drifted_features", "drifted features" }, { NULL, NULL }
};
static const struct oed_rep_col c_tokens[] = {
	{ "source", "source" }, { "line", "line" }, { "encoding", "encoding" },
	{ "tokens", "tokens" }, { "bytes", "bytes" }, { NULL, NULL }
};
static const struct oed_rep_col c_dataset[] = {
	{ "name", "dataset" }, { "version", "version" }, { "records", "records" },
	{ "digest", "digest" }, { "created", "created" }, { NULL, NULL }
};
static const struct oed_rep_col c_record[] = {
	{ "dataset", "dataset" }, { "input_id", "input" }, { "sample", "sample" },
	{ "model", "model" }, { "output", "output" }, { NULL, NULL }
};
static const struct oed_rep_col c_bitem[] = {
	{ "model", "model" }, { "input_id", "input" }, { "sample", "sample" },
	{ "output", "output" }, { "target", "target" }, { "scores", "scores" },
	{ "latency_ms", "latency (ms)" }, { "error", "error" }, { NULL, NULL }
};
static const struct oed_rep_col c_bsum[] = {
	{ "model", "model" }, { "scorer", "scorer" }, { "mean", "mean" }, { "lo", "95% lo" },
	{ "hi", "95% hi" }, { "stderr", "stderr" }, { "n", "n" }, { "errors", "errors" },
	{ NULL, NULL }
};
static const struct oed_rep_col c_mitem[] = {
	{ "monitor", "monitor" }, { "id", "item" }, { "output", "output" },
	{ "scores", "scores" }, { "pass", "pass" }, { "error", "error" }, { "run", "run" }, { NULL, NULL }
};
/* the fields oed-monitor writes (tests/cli/report/041-monitor-end-to-end) */
static const struct oed_rep_col c_mrun[] = {
	{ "monitor", "monitor" }, { "run", "run" }, { "fetched", "fetched" },
	{ "new", "new" }, { "sampled", "sampled" }, { "scored", "scored" },
	{ "errors", "errors" }, { "alerts_firing", "alerts firing" },
	{ "undelivered", "undelivered" }, { NULL, NULL }
};
static const struct oed_rep_col c_alert[] = {
	{ "monitor", "monitor" }, { "alert", "alert" }, { "run", "run" }, { "state", "state" },
	{ "stat", "statistic" }, { "op", "op" }, { "threshold", "threshold" }, { "value", "value" },
	{ "n", "n" }, { "transition", "transition" }, { NULL, NULL }
};
static const struct oed_rep_col c_slo[] = {
	{ "monitor", "monitor" }, { "slo", "SLO" }, { "run", "run" }, { "good_when", "good when" },
	{ "objective", "objective" }, { "good", "good" }, { "total", "total" },
	{ "budget_remaining", "budget remaining" }, { "burn", "burn rates" },
	{ "firing", "firing" }, { "transition", "transition" }, { NULL, NULL }
};
/* a stored oed-monitor run's aggregate per scorer (lib/report/runs.c) */
static const struct oed_rep_col c_mscore[] = {
	{ "monitor", "monitor" }, { "scorer", "scorer" }, { "run", "run" }, { "n", "n" },
	{ "mean", "mean" }, { "sd", "sd" }, { "min", "min" }, { "max", "max" },
	{ "pass_rate", "pass rate" }, { NULL, NULL }
};
static const struct oed_rep_col c_mcand[] = {
	{ "monitor", "monitor" }, { "id", "item" }, { NULL, NULL }
};
static const struct oed_rep_col c_compare[] = {
	{ "scorer", "scorer" }, { "n", "n" }, { "a", "A" }, { "b", "B" }, { "diff", "B − A" },
	{ "lo", "95% lo" }, { "hi", "95% hi" }, { "test", "test" }, { "p_value", "p" },
	{ "p_holm", "p (Holm)" }, { "mde", "MDE" }, { NULL, NULL }
};
static const struct oed_rep_col c_trend[] = {
	{ "scorer", "scorer" }, { "n", "runs" }, { "per", "per" }, { "slope", "slope" },
	{ "lo", "95% lo" }, { "hi", "95% hi" }, { "tau", "Kendall tau" },
	{ "p_value", "p (Mann-Kendall)" }, { NULL, NULL }
};
static const struct oed_rep_col c_align[] = {
	{ "aligned", "aligned items" }, { "items_a", "items in A" }, { "items_b", "items in B" },
	{ "only_a", "only in A" }, { "only_a_items", "first of them" }, { "only_b", "only in B" },
	{ "only_b_items", "first of them" }, { "errored_a", "errored in A" },
	{ "errored_b", "errored in B" }, { NULL, NULL }
};
static const struct oed_rep_col c_by[] = {
	{ "scorer", "scorer" }, { "segment", "segment" }, { "n_a", "n A" }, { "n_b", "n B" },
	{ "mean_a", "mean A" }, { "mean_b", "mean B" }, { "mix", "mix effect" },
	{ "rate", "rate effect" }, { NULL, NULL }
};
static const struct oed_rep_col c_trust[] = {
	{ "model", "model" }, { "score", "trust score (0-100)" }, { "weight", "weight counted" },
	{ "missing", "missing components" }, { NULL, NULL }
};
static const struct oed_rep_col c_tcomp[] = {
	{ "component", "component" }, { "status", "status" }, { "value", "value (0-1)" },
	{ "weight", "weight" }, { "share", "share of the score" }, { "source", "source" },
	{ "detail", "from" }, { NULL, NULL }
};
static const struct oed_rep_col c_tpoint[] = {
	{ "scorer", "scorer" }, { "day", "day" }, { "run", "run" }, { "value", "value" },
	{ "fit", "Theil-Sen line" }, { NULL, NULL }
};
static const struct oed_rep_col c_run[] = {
	{ "run", "run" }, { "tool", "tool" }, { "status", "status" }, { "started", "started" },
	{ "finished", "finished" }, { "metrics", "metrics" }, { "hash", "hash" }, { NULL, NULL }
};
static const struct oed_rep_col c_msum[] = {
	{ "run", "run" }, { "name", "metric" }, { "n", "values" }, { "nulls", "nulls" },
	{ "mean", "mean" }, { "min", "min" }, { "max", "max" }, { NULL, NULL }
};
static const struct oed_rep_col c_metric[] = {
	{ "run", "run" }, { "name", "metric" }, { "grp", "group" }, { "value", "value" },
	{ "lo", "lo" }, { "hi", "hi" }, { NULL, NULL }
};

const struct oed_rep_kind oed_rep_kinds[] = {
	{ "report.compare", "Comparison", k_scorer, c_compare, false },
	{ "report.trust", "Trust score", k_none, c_trust, false },
	{ "report.trust.component", "Trust score components", k_comp, c_tcomp, false },
	{ "report.alignment", "Items compared", k_none, c_align, false },
	{ "report.by", "Change by segment: mix and rate effects", k_by, c_by, false },
	{ "report.trend", "Trend", k_trend, c_trend, false },
	{ "report.trend.point", "Values over time", k_tpoint, c_tpoint, true },
	{ "bench.summary", "Bench scores", k_model, c_bsum, false },
	{ "monitor.alert", "Monitor alerts", k_alert, c_alert, false },
	{ "monitor.slo", "Monitor SLOs", k_slo, c_slo, false },
	{ "monitor.run", "Monitor runs", k_monitor, c_mrun, false },
	{ "monitor.score", "Monitor scores per run", k_mscore, c_mscore, false },
	{ "drift.summary", "Drift summary", k_window, c_dsum, false },
	{ "drift", "Drift per feature", k_feature, c_drift, false },
	{ "entropy", "Entropy", k_none, c_entropy, false },
	{ "mi", "Mutual information", k_none, c_mi, false },
	{ "entropy.group", "Entropy per input", k_x, c_group, true },
	{ "tokens", "Tokens", k_source, c_tokens, false },
	{ "dataset", "Datasets", k_dataset, c_dataset, false },
	{ "run", "Runs", k_run, c_run, false },
	{ "run.metric", "Run metrics", k_metric, c_metric, true },
	{ "run.metric.summary", "Run metrics, totals per name", k_msum, c_msum, true },
	{ "bench.item", "Bench items", k_item, c_bitem, true },
	{ "monitor.item", "Monitor items", k_mitem, c_mitem, true },
	{ "monitor.candidate", "Monitor items a run would score (--dry-run)", k_mitem, c_mcand, true },
	{ "record", "Records", k_item, c_record, true },
	{ NULL, NULL, NULL, NULL, false }
};

const char *
oed_rep_kindof(const json_t *rec)
{
	json_t *k = json_object_get(rec, "kind");

	if (json_is_string(k))
		return json_string_value(k);
	if (k == NULL && json_is_string(json_object_get(rec, "input_id")) &&
	    json_object_get(rec, "output"))
		return "record";
	return NULL;
}

const struct oed_rep_kind *
oed_rep_kind_find(const char *kind)
{
	if (kind == NULL)
		return NULL;
	for (const struct oed_rep_kind *k = oed_rep_kinds; k->kind; k++)
		if (strcmp(k->kind, kind) == 0)
			return k;
	return NULL;
}

json_t *
oed_rep_get(const json_t *rec, const char *path)
{
	const json_t *v = rec;
	char key[256];

	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += n + (dot != NULL);
	}
	return (json_t *)v;
}

double
oed_rep_num(const json_t *rec, const char *path)
{
	json_t *v = oed_rep_get(rec, path);

	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? 1 : 0;
	return NAN;
}

const char *
oed_rep_str(const json_t *rec, const char *path)
{
	return json_string_value(oed_rep_get(rec, path));
}

void
oed_rep_init(struct oed_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->recs = json_array();
	rep->md_limit = 65000;
	rep->html_items = 500;
}

void
oed_rep_release(struct oed_report *rep)
{
	json_decref(rep->recs);
	rep->recs = NULL;
}

int
oed_rep_add(struct oed_report *rep, json_t *rec, struct oed_err *err)
{
	if (rec == NULL || rep->recs == NULL || json_array_append_new(rep->recs, rec) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

int
oed_rep_read(struct oed_report *rep, int nfiles, char *const *files, size_t max_line,
	     struct oed_policy *policy, struct oed_err *err)
{
	struct oed_reader *r = oed_reader_new(nfiles, files, max_line, policy, err);
	int rc;

	if (r == NULL)
		return -1;
	oed_reader_set_fast(r, false);
	while ((rc = oed_reader_next(r, err)) == 1) {
		json_t *root = oed_reader_root(r);

		if (oed_rep_add(rep, json_deep_copy(root), err) == -1) {
			rc = -1;
			break;
		}
	}
	oed_reader_free(r);
	return rc;
}

/* ---- string buffer ---- */

void
oed_sb_put(struct oed_sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void
oed_sb_puts(struct oed_sb *b, const char *s)
{
	oed_sb_put(b, s, strlen(s));
}

void
oed_sb_printf(struct oed_sb *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		oed_sb_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);

	if (big == NULL) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	oed_sb_put(b, big, (size_t)n);
	free(big);
}

void
oed_sb_release(struct oed_sb *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void
oed_sb_html(struct oed_sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': oed_sb_puts(b, "&amp;"); break;
		case '<': oed_sb_puts(b, "&lt;"); break;
		case '>': oed_sb_puts(b, "&gt;"); break;
		case '"': oed_sb_puts(b, "&quot;"); break;
		case '\'': oed_sb_puts(b, "&#39;"); break;
		case '\0': oed_sb_puts(b, "\xef\xbf\xbd"); break;
		default: oed_sb_put(b, s + i, 1);
		}
	}
}

void
oed_rep_fmt(struct oed_sb *b, double v)
{
	if (!isfinite(v))
		oed_sb_puts(b, isnan(v) ? "" : v > 0 ? "inf" : "-inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		oed_sb_printf(b, "%.0f", v == 0 ? 0 : v);
	else
		oed_sb_printf(b, "%.4g", v);
}

void
oed_rep_cell(struct oed_sb *b, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	bool first = true;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		oed_sb_put(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		oed_sb_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		oed_rep_fmt(b, json_real_value(v));
		break;
	case JSON_TRUE:
		oed_sb_puts(b, "yes");
		break;
	case JSON_FALSE:
		oed_sb_puts(b, "no");
		break;
	case JSON_NULL:
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) {
			if (i)
				oed_sb_puts(b, ", ");
			oed_rep_cell(b, x);
		}
		break;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, x) {
			if (!first)
				oed_sb_puts(b, ", ");
			first = false;
			oed_sb_puts(b, k);
			oed_sb_puts(b, "=");
			oed_rep_cell(b, x);
		}
		break;
	}
}

/* ---- the verdict ---- */

static void
sep(struct oed_sb *b, size_t start)
{
	if (b->n > start)
		oed_sb_puts(b, "; ");
}

/* Keep rec as the latest record of its alert or SLO in last ("KIND\tMONITOR\tNAME" -> rec, borrowed). */
static void
latest(json_t *last, const json_t *rec, const char *kind)
{
	const char *mon = oed_rep_str(rec, "monitor");
	const char *name = oed_rep_str(rec, strcmp(kind, "monitor.alert") == 0 ? "alert" : "slo");
	struct oed_sb key = { 0 };

	oed_sb_printf(&key, "%s\t%s\t%s", kind, mon ? mon : "", name ? name : "");
	if (last && key.s)
		json_object_set_nocheck(last, key.s, (json_t *)rec);
	oed_sb_release(&key);
}

/*
 * One line saying what matters most first: comparisons, then alerts and
 * SLOs, bench scores, drift, entropy, and what could not be read.
 */
void
oed_rep_verdict(const struct oed_report *rep, struct oed_sb *b)
{
	size_t start = b->n, i, unknown = 0, firing = 0, alerts = 0, slos = 0, burnt = 0, slo_firing = 0;
	size_t drifts = 0, drifted = 0, cmp_sig = 0, cmps = 0, runs = 0;
	const json_t *dsum = NULL, *ent = NULL, *rec;
	json_t *last = json_object();
	const char *key;

	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);

		if (!oed_rep_kind_find(kind))
			unknown++;
		else if (strcmp(kind, "report.compare") == 0) {
			cmps++;
			if (oed_rep_num(rec, "p_holm") < 0.05)
				cmp_sig++;
		} else if (strcmp(kind, "monitor.alert") == 0 || strcmp(kind, "monitor.slo") == 0) {
			latest(last, rec, kind);
		} else if (strcmp(kind, "drift.summary") == 0) {
			dsum = rec;
		} else if (strcmp(kind, "drift") == 0) {
			drifts++;
			if (json_is_true(oed_rep_get(rec, "drift")))
				drifted++;
		} else if (strcmp(kind, "entropy") == 0 && ent == NULL) {
			ent = rec;
		} else if (strcmp(kind, "run") == 0) {
			runs++;
		}
	}
	/* an alert or SLO counts once, as its latest record says */
	json_object_foreach(last, key, rec) {
		if (strncmp(key, "monitor.alert", 13) == 0) {
			alerts++;
			if (json_is_true(oed_rep_get(rec, "firing")) ||
			    (oed_rep_str(rec, "state") && strcmp(oed_rep_str(rec, "state"), "firing") == 0))
				firing++;
		} else {
			slos++;
			burnt += oed_rep_num(rec, "budget_remaining") < 0;
			slo_firing += json_is_true(oed_rep_get(rec, "firing"));
		}
	}
	json_decref(last);
	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);

		if (kind == NULL || strcmp(kind, "report.trust") != 0)
			continue;
		sep(b, start);
		oed_sb_puts(b, "trust score ");
		if (isfinite(oed_rep_num(rec, "score")))
			oed_rep_fmt(b, round(oed_rep_num(rec, "score") * 10) / 10);
		else
			oed_sb_puts(b, "unknown (no component)");
		if (json_array_size(json_object_get(rec, "missing"))) {
			oed_sb_puts(b, " (missing: ");
			oed_rep_cell(b, json_object_get(rec, "missing"));
			oed_sb_puts(b, ")");
		}
	}
	if (cmps) {
		sep(b, start);
		oed_sb_printf(b, "%zu of %zu scorers changed significantly (Holm, 5%%)", cmp_sig, cmps);
		json_array_foreach(rep->recs, i, rec) {
			const char *kind = oed_rep_kindof(rec);

			if (kind == NULL || strcmp(kind, "report.compare") != 0)
				continue;
			oed_sb_printf(b, "; %s B - A ", oed_rep_str(rec, "scorer") ? oed_rep_str(rec, "scorer") : "?");
			oed_rep_fmt(b, oed_rep_num(rec, "diff"));
			oed_sb_puts(b, " [");
			oed_rep_fmt(b, oed_rep_num(rec, "lo"));
			oed_sb_puts(b, ", ");
			oed_rep_fmt(b, oed_rep_num(rec, "hi"));
			oed_sb_puts(b, "], p (Holm) ");
			oed_rep_fmt(b, oed_rep_num(rec, "p_holm"));
			if (json_is_true(json_object_get(rec, "gate")))
				oed_sb_puts(b, ", over --max-drop");
		}
	}
	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec);

		if (kind == NULL || strcmp(kind, "report.trend") != 0)
			continue;
		sep(b, start);
		oed_sb_printf(b, "%s trend ", oed_rep_str(rec, "scorer") ? oed_rep_str(rec, "scorer") : "?");
		oed_rep_fmt(b, oed_rep_num(rec, "slope"));
		oed_sb_printf(b, " per %s [", oed_rep_str(rec, "per") ? oed_rep_str(rec, "per") : "run");
		oed_rep_fmt(b, oed_rep_num(rec, "lo"));
		oed_sb_puts(b, ", ");
		oed_rep_fmt(b, oed_rep_num(rec, "hi"));
		oed_sb_puts(b, "], Mann-Kendall p ");
		oed_rep_fmt(b, oed_rep_num(rec, "p_value"));
	}
	if (alerts) {
		sep(b, start);
		oed_sb_printf(b, "%zu of %zu alerts firing", firing, alerts);
	}
	if (slos) {
		sep(b, start);
		oed_sb_printf(b, "%zu of %zu SLOs out of budget", burnt, slos);
		if (slo_firing)
			oed_sb_printf(b, ", %zu burning fast", slo_firing);
	}
	json_array_foreach(rep->recs, i, rec) {
		const char *kind = oed_rep_kindof(rec), *k;
		json_t *m, *s;

		if (kind == NULL || strcmp(kind, "bench.summary") != 0)
			continue;
		m = json_object_get(rec, "metrics");
		json_object_foreach(m, k, s) {
			sep(b, start);
			oed_sb_printf(b, "%s %s ", oed_rep_str(rec, "model") ? oed_rep_str(rec, "model") : "model", k);
			oed_rep_fmt(b, oed_rep_num(s, "mean"));
			if (isfinite(oed_rep_num(s, "lo"))) {
				oed_sb_puts(b, " [");
				oed_rep_fmt(b, oed_rep_num(s, "lo"));
				oed_sb_puts(b, ", ");
				oed_rep_fmt(b, oed_rep_num(s, "hi"));
				oed_sb_puts(b, "]");
			}
			if (isfinite(oed_rep_num(s, "n")))
				oed_sb_printf(b, " (n=%.0f)", oed_rep_num(s, "n"));
		}
	}
	if (dsum) {
		double nf = oed_rep_num(dsum, "features"), nd = oed_rep_num(dsum, "drifted");
		json_t *names = json_object_get(dsum, "drifted_features");

		sep(b, start);
		if (nd > 0) {
			oed_sb_printf(b, "drift in %.0f of %.0f features", nd, nf);
			if (json_array_size(names)) {
				oed_sb_puts(b, " (");
				oed_rep_cell(b, names);
				oed_sb_puts(b, ")");
			}
		} else {
			oed_sb_printf(b, "no drift in %.0f features", nf);
		}
		if (oed_rep_str(dsum, "window_start"))
			oed_sb_printf(b, " in the window from %s", oed_rep_str(dsum, "window_start"));
	} else if (drifts) {
		sep(b, start);
		oed_sb_printf(b, "drift in %zu of %zu feature tests", drifted, drifts);
	}
	if (ent) {
		sep(b, start);
		oed_sb_puts(b, "H(Y|X) = ");
		oed_rep_fmt(b, oed_rep_num(ent, "h_y_given_x"));
		oed_sb_printf(b, " %s over ", oed_rep_str(ent, "base") && strcmp(oed_rep_str(ent, "base"), "2") ?
			      (strcmp(oed_rep_str(ent, "base"), "e") == 0 ? "nats" : "hartleys") : "bits");
		oed_rep_fmt(b, oed_rep_num(ent, "inputs"));
		oed_sb_puts(b, " inputs");
	}
	if (runs) {
		sep(b, start);
		oed_sb_printf(b, "%zu run%s from the store", runs, runs == 1 ? "" : "s");
	}
	if (unknown) {
		sep(b, start);
		oed_sb_printf(b, "%zu record%s of a kind oed-report does not know, listed raw", unknown,
			      unknown == 1 ? "" : "s");
	}
	if (b->n == start)
		oed_sb_printf(b, "%zu records", json_array_size(rep->recs));
}
