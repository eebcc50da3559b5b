/*
 * trust.c: the trust score (trust.h).
 */
#include "config.h"
#include "report/trust.h"
#include "exit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const oed_trust_components[OED_TRUST_NCOMP] = {
	"consistency", "quality", "reliability", "stability", "robustness"
};

static const double default_weight[OED_TRUST_NCOMP] = { 0.2, 0.3, 0.2, 0.15, 0.15 };

void
oed_trust_opts_init(struct oed_trust_opts *o)
{
	o->model = NULL;
	memcpy(o->weight, default_weight, sizeof(o->weight));
}

int
oed_trust_weight(struct oed_trust_opts *o, const char *arg, struct oed_err *err)
{
	const char *eq = strchr(arg, '=');
	char *end;
	double w;

	if (eq == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--weight: '%s' is not COMPONENT=W", arg);
	w = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !isfinite(w) || w < 0)
		return oed_err_set(err, OED_EX_USAGE, "--weight: '%s' is not a weight of 0 or more", eq + 1);
	for (int i = 0; i < OED_TRUST_NCOMP; i++)
		if (strlen(oed_trust_components[i]) == (size_t)(eq - arg) &&
		    strncmp(oed_trust_components[i], arg, (size_t)(eq - arg)) == 0) {
			o->weight[i] = w;
			return 0;
		}
	return oed_err_set(err, OED_EX_USAGE,
			   "--weight: '%.*s' is not a component (consistency, quality, reliability,"
			   " stability, robustness)", (int)(eq - arg), arg);
}

static bool
is(const json_t *rec, const char *kind)
{
	const char *k = oed_rep_kindof(rec);

	return k && strcmp(k, kind) == 0;
}

/* "run 12" when the record names its run, else "record N" (1-based, in the input). */
static json_t *
source(const json_t *rec, size_t index)
{
	json_t *run = json_object_get(rec, "run");
	char buf[64];

	if (json_is_integer(run))
		snprintf(buf, sizeof(buf), "run %lld", (long long)json_integer_value(run));
	else
		snprintf(buf, sizeof(buf), "record %zu", index + 1);
	return json_string(buf);
}

int
oed_rep_trust(const struct oed_report *in, const struct oed_trust_opts *o, struct oed_report *out,
	      struct oed_err *err)
{
	double value[OED_TRUST_NCOMP], sum_h = 0, wsum = 0, vsum = 0;
	json_t *src[OED_TRUST_NCOMP] = { NULL }, *detail[OED_TRUST_NCOMP] = { NULL }, *missing, *r, *rec;
	size_t ngroups = 0, i, first_group = 0;
	const json_t *bench = NULL, *drift = NULL, *red = NULL;
	size_t bench_at = 0, drift_at = 0, red_at = 0;

	double ln_base = log(2);	/* groups are in the unit of the entropy record before them */

	for (int c = 0; c < OED_TRUST_NCOMP; c++)
		value[c] = NAN;
	json_array_foreach(in->recs, i, rec) {
		if (is(rec, "entropy")) {
			const char *b = oed_rep_str(rec, "base");

			ln_base = b && strcmp(b, "e") == 0 ? 1 : b && strcmp(b, "10") == 0 ? log(10) : log(2);
		} else if (is(rec, "entropy.group")) {
			double h = oed_rep_num(rec, "h"), n = oed_rep_num(rec, "n");

			/* one sample cannot disagree with itself: no information, left out */
			if (isfinite(h) && n > 1) {
				if (ngroups++ == 0)
					first_group = i;
				/* H / log(n) in one unit; a bias-corrected estimate may pass the bound */
				sum_h += fmin(1, fmax(0, h / (log(n) / ln_base)));
			}
		} else if (is(rec, "bench.summary")) {
			const char *m = oed_rep_str(rec, "model");

			if (o->model == NULL || (m && strcmp(m, o->model) == 0)) {
				bench = rec;
				bench_at = i;
			}
		} else if (is(rec, "drift.summary") && oed_rep_str(rec, "window_start") == NULL) {
			drift = rec;
			drift_at = i;
		} else if (is(rec, "redteam.summary")) {
			red = rec;
			red_at = i;
		}
	}
	if (ngroups) {
		value[0] = 1 - sum_h / (double)ngroups;
		src[0] = source(json_array_get(in->recs, first_group), first_group);
		detail[0] = json_sprintf("%zu inputs with more than one sample", ngroups);
	}
	if (bench) {
		json_t *metrics = json_object_get(bench, "metrics");
		const char *scorer = NULL;
		double n = oed_rep_num(bench, "n"), errors = oed_rep_num(bench, "errors");
		double refusals = oed_rep_num(bench, "refusals");

		if (json_is_object(metrics) && json_object_size(metrics)) {
			void *it = json_object_iter(metrics);

			scorer = json_object_iter_key(it);
			value[1] = oed_rep_num(json_object_iter_value(it), "mean");
			src[1] = source(bench, bench_at);
			detail[1] = json_sprintf("mean %s", scorer);
		}
		if (n > 0 && isfinite(errors)) {
			value[2] = 1 - (errors + (isfinite(refusals) ? refusals : 0)) / n;
			src[2] = source(bench, bench_at);
			detail[2] = json_sprintf("%.0f errors%s of %.0f items",
						 errors + (isfinite(refusals) ? refusals : 0),
						 isfinite(refusals) ? " and refusals" : "", n);
		}
	}
	if (drift && oed_rep_num(drift, "features") > 0) {
		value[3] = 1 - oed_rep_num(drift, "drifted") / oed_rep_num(drift, "features");
		src[3] = source(drift, drift_at);
		detail[3] = json_sprintf("%.0f of %.0f features drifted", oed_rep_num(drift, "drifted"),
					 oed_rep_num(drift, "features"));
	}
	if (red && isfinite(oed_rep_num(red, "attack_success_rate"))) {
		value[4] = 1 - oed_rep_num(red, "attack_success_rate");
		src[4] = source(red, red_at);
		detail[4] = json_sprintf("attack success rate %g", oed_rep_num(red, "attack_success_rate"));
	}
	missing = json_array();
	for (int c = 0; c < OED_TRUST_NCOMP; c++) {
		if (!isfinite(value[c])) {
			if (o->weight[c] > 0)
				json_array_append_new(missing, json_string(oed_trust_components[c]));
			continue;
		}
		wsum += o->weight[c];
		vsum += o->weight[c] * value[c];
	}
	r = json_object();
	json_object_set_new(r, "kind", json_string("report.trust"));
	if (o->model)
		json_object_set_new(r, "model", json_string(o->model));
	json_object_set_new(r, "score", wsum > 0 ? json_real(100 * vsum / wsum) : json_null());
	json_object_set_new(r, "weight", json_real(wsum));
	json_object_set_new(r, "missing", missing);
	if (oed_rep_add(out, r, err) == -1)
		goto fail;
	for (int c = 0; c < OED_TRUST_NCOMP; c++) {
		bool has = isfinite(value[c]);

		r = json_object();
		json_object_set_new(r, "kind", json_string("report.trust.component"));
		json_object_set_new(r, "component", json_string(oed_trust_components[c]));
		json_object_set_new(r, "status", json_string(!has ? "missing" : o->weight[c] > 0 ? "counted" :
							     "weight 0"));
		json_object_set_new(r, "value", has ? json_real(value[c]) : json_null());
		json_object_set_new(r, "weight", json_real(o->weight[c]));
		json_object_set_new(r, "share", has && wsum > 0 ? json_real(o->weight[c] / wsum) : json_null());
		json_object_set_new(r, "source", src[c] ? src[c] : json_null());
		json_object_set_new(r, "detail", detail[c] ? detail[c] : json_null());
		src[c] = detail[c] = NULL;
		if (oed_rep_add(out, r, err) == -1)
			goto fail;
	}
	return 0;
fail:
	for (int c = 0; c < OED_TRUST_NCOMP; c++) {
		json_decref(src[c]);
		json_decref(detail[c]);
	}
	return -1;
}
