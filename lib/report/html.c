/*
 * html.c: the report as one self-contained HTML page.
 *
 * No script, no fetch of any kind (a Content-Security-Policy meta forbids
 * them), so the page reads the same attached to a mail or opened offline.
 * Charts are inline SVG drawn here, in the Okabe-Ito palette, which stays
 * distinct for the common kinds of colour blindness; a flagged mark also
 * differs in shape, not only in colour.  Every piece of text that came
 * from a record goes through oed_sb_html.
 */
#include "config.h"
#include "report/report.h"
#include "report/rows.h"
#include "exit.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLUE "#0072B2"
#define VERMILLION "#D55E00"
#define ORANGE "#E69F00"
#define GREY "#555555"

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
	"max-width:72em;padding:0 1em;color:#111;background:#fff}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
	".verdict{font-size:1.1em;padding:.6em .8em;background:#f2f6fa;border-left:4px solid " BLUE "}"
	"table{border-collapse:collapse;margin:.5em 0;font-size:13px}"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top;"
	"max-width:32em;overflow-wrap:anywhere}"
	"th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.flag td{background:#fbe9e0}"
	"svg{display:block;margin:.5em 0;max-width:100%;height:auto}"
	"svg text{font:11px sans-serif;fill:#111}"
	".note{color:#444;font-style:italic}pre{white-space:pre-wrap;overflow-wrap:anywhere}"
	"@media print{body{margin:0;max-width:none}h2{break-after:avoid}"
	"svg,tr{break-inside:avoid}.verdict{border:1px solid #999}}";

static void
text(struct oed_sb *b, const char *s)
{
	if (s)
		oed_sb_html(b, s, strlen(s));
}

static void
num(struct oed_sb *b, double v)
{
	oed_rep_fmt(b, v);
}

/* ---- axes ---- */

struct axis {
	double lo, hi;
	double ticks[12];
	int nticks;
};

/* lo..hi widened to round numbers with about five ticks. */
static void
axis_fit(struct axis *a, double lo, double hi)
{
	double span, step, mag;

	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi <= lo) {
		hi = lo + (lo == 0 ? 1 : fabs(lo) * 0.1);
		lo = lo - (lo == 0 ? 0 : fabs(lo) * 0.1);
	}
	span = hi - lo;
	mag = pow(10, floor(log10(span / 5)));
	step = mag;
	if (span / step > 10)
		step = 2 * mag;
	if (span / step > 10)
		step = 5 * mag;
	if (span / step > 10)
		step = 10 * mag;
	a->lo = floor(lo / step) * step;
	a->hi = ceil(hi / step) * step;
	a->nticks = 0;
	for (double t = a->lo; t <= a->hi + step / 2 && a->nticks < 12; t += step)
		a->ticks[a->nticks++] = fabs(t) < step / 1e6 ? 0 : t;
}

static double
scale(const struct axis *a, double v, double p0, double p1)
{
	return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

static void
svg_open(struct oed_sb *b, int w, int h, const char *title)
{
	oed_sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
		      " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h, w, h);
	text(b, title);
	oed_sb_puts(b, "\"><title>");
	text(b, title);
	oed_sb_printf(b, "</title><text x=\"%d\" y=\"16\" text-anchor=\"middle\" style=\"font-weight:bold\">",
		      w / 2);
	text(b, title);
	oed_sb_puts(b, "</text>");
}

/* A horizontal value axis at y from x0 to x1, its ticks and label. */
static void
x_axis(struct oed_sb *b, const struct axis *a, double x0, double x1, double y, const char *label)
{
	oed_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", x0, y, x1, y);
	for (int i = 0; i < a->nticks; i++) {
		double x = scale(a, a->ticks[i], x0, x1);

		oed_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
			      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y, x, y + 4, x, y + 15);
		num(b, a->ticks[i]);
		oed_sb_puts(b, "</text>");
	}
	oed_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x0 + x1) / 2, y + 30);
	text(b, label);
	oed_sb_puts(b, "</text>");
}

static void
y_axis(struct oed_sb *b, const struct axis *a, double y0, double y1, double x, const char *label)
{
	oed_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", x, y0, x, y1);
	for (int i = 0; i < a->nticks; i++) {
		double y = scale(a, a->ticks[i], y0, y1);

		oed_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
			      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x - 4, y, x, y, x - 6, y + 4);
		num(b, a->ticks[i]);
		oed_sb_puts(b, "</text>");
	}
	oed_sb_printf(b, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">",
		      x - 42, (y0 + y1) / 2);
	text(b, label);
	oed_sb_puts(b, "</text>");
}

static void
legend(struct oed_sb *b, double x, double y, const char *c1, const char *l1, const char *c2,
       const char *l2)
{
	oed_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		      "<text x=\"%.1f\" y=\"%.1f\">", x, y - 9, c1, x + 14, y);
	text(b, l1);
	oed_sb_printf(b, "</text><rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		      "<text x=\"%.1f\" y=\"%.1f\">", x + 110, y - 9, c2, x + 124, y);
	text(b, l2);
	oed_sb_puts(b, "</text>");
}

/*
 * Rows of labelled values, horizontal: bars from zero (lo, hi NULL) or
 * points with interval whiskers; flagged rows in vermillion with a square
 * mark; ref draws a dashed vertical line (zero for a difference).
 */
struct hrow {
	const char *label;
	double v, lo, hi;
	bool flag;
};

static void
hchart(struct oed_sb *b, const char *title, const char *xlabel, const struct hrow *r, size_t n,
       bool bars, double ref, const char *ref_label, const char *flag_label, const char *plain_label)
{
	int w = 720, left = 200, right = 160, top = 40, rowh = 22;
	int h = top + (int)n * rowh + 60;
	double lo = bars ? 0 : INFINITY, hi = bars ? 0 : -INFINITY;
	struct axis a;

	for (size_t i = 0; i < n; i++) {
		double vals[3] = { r[i].v, r[i].lo, r[i].hi };

		for (int j = 0; j < 3; j++)
			if (isfinite(vals[j])) {
				lo = fmin(lo, vals[j]);
				hi = fmax(hi, vals[j]);
			}
	}
	if (isfinite(ref)) {
		lo = fmin(lo, ref);
		hi = fmax(hi, ref);
	}
	axis_fit(&a, lo, hi);
	svg_open(b, w, h, title);
	for (size_t i = 0; i < n; i++) {
		double y = top + (double)i * rowh + rowh / 2.0;
		const char *c = r[i].flag ? VERMILLION : BLUE;
		double x = scale(&a, r[i].v, left, w - right);

		oed_sb_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", left - 6, y + 4);
		text(b, r[i].label);
		oed_sb_puts(b, "</text>");
		if (!isfinite(r[i].v))
			continue;
		if (bars) {
			double x0 = scale(&a, 0, left, w - right);

			oed_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
				      fmin(x, x0), y - 7, fmax(fabs(x - x0), 1), 14, c);
		} else {
			if (isfinite(r[i].lo) && isfinite(r[i].hi)) {
				double x1 = scale(&a, r[i].lo, left, w - right), x2 = scale(&a, r[i].hi, left, w - right);

				oed_sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
					      " stroke-width=\"2\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
					      " stroke=\"%s\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
					      " stroke=\"%s\"/>", x1, y, x2, y, c, x1, y - 5, x1, y + 5, c,
					      x2, y - 5, x2, y + 5, c);
			}
			if (r[i].flag)
				oed_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"%s\"/>",
					      x - 4.5, y - 4.5, c);
			else
				oed_sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>", x, y, c);
		}
		oed_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">", x + 8, y - 6);
		num(b, r[i].v);
		if (r[i].flag && flag_label) {
			oed_sb_puts(b, " (");
			text(b, flag_label);
			oed_sb_puts(b, ")");
		}
		oed_sb_puts(b, "</text>");
	}
	if (isfinite(ref)) {
		double x = scale(&a, ref, left, w - right);

		oed_sb_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"" GREY "\""
			      " stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"" GREY "\">",
			      x, top - 6, x, top + (int)n * rowh, x + 3, top - 8);
		text(b, ref_label);
		oed_sb_puts(b, "</text>");
	}
	x_axis(b, &a, left, w - right, top + (double)n * rowh + 4, xlabel);
	if (flag_label)
		legend(b, 10, h - 8, BLUE, plain_label, VERMILLION, flag_label);
	oed_sb_puts(b, "</svg>\n");
}

/* A histogram of v[0..n) in about sqrt(n) bins (10 to 30). */
static void
histogram(struct oed_sb *b, const char *title, const char *xlabel, const double *v, size_t n)
{
	int w = 680, h = 260, left = 60, right = 20, top = 30, bottom = 50;
	size_t nb = (size_t)ceil(sqrt((double)n)), counts[30] = { 0 }, maxc = 0;
	double lo = INFINITY, hi = -INFINITY, width;
	struct axis ax, ay;

	nb = nb < 10 ? 10 : nb > 30 ? 30 : nb;
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	axis_fit(&ax, lo, hi);
	width = (ax.hi - ax.lo) / (double)nb;
	for (size_t i = 0; i < n; i++) {
		size_t k = (size_t)((v[i] - ax.lo) / width);

		counts[k >= nb ? nb - 1 : k]++;
	}
	for (size_t k = 0; k < nb; k++)
		maxc = counts[k] > maxc ? counts[k] : maxc;
	axis_fit(&ay, 0, (double)maxc);
	svg_open(b, w, h, title);
	for (size_t k = 0; k < nb; k++) {
		double x0 = scale(&ax, ax.lo + (double)k * width, left, w - right);
		double x1 = scale(&ax, ax.lo + (double)(k + 1) * width, left, w - right);
		double y = scale(&ay, (double)counts[k], h - bottom, top);

		oed_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" BLUE "\""
			      " stroke=\"#fff\"><title>%zu</title></rect>", x0, y, x1 - x0, h - bottom - y,
			      counts[k]);
	}
	x_axis(b, &ax, left, w - right, h - bottom, xlabel);
	y_axis(b, &ay, h - bottom, top, left, "count");
	oed_sb_puts(b, "</svg>\n");
}

/*
 * One series over windows or runs: values y[0..n) with labels for the x
 * axis, a dashed threshold line, flagged points as vermillion squares.
 */
static void
series(struct oed_sb *b, const char *title, const char *ylabel, const char *const *xl,
       const double *y, const bool *flag, size_t n, double threshold, const char *tlabel,
       const double *fit)
{
	int w = 680, h = 230, left = 70, right = 20, top = 30, bottom = 50;
	double lo = INFINITY, hi = -INFINITY;
	struct axis ay;
	bool open = false;

	for (size_t i = 0; i < n; i++)
		if (isfinite(y[i])) {
			lo = fmin(lo, y[i]);
			hi = fmax(hi, y[i]);
		}
	if (isfinite(threshold)) {
		lo = fmin(lo, threshold);
		hi = fmax(hi, threshold);
	}
	if (fit)
		for (size_t i = 0; i < n; i++)
			if (isfinite(fit[i])) {
				lo = fmin(lo, fit[i]);
				hi = fmax(hi, fit[i]);
			}
	/* a fitted trend reads on its own scale; other series from zero */
	axis_fit(&ay, fit ? lo : fmin(lo, 0), hi);
	svg_open(b, w, h, title);
	if (fit && n > 1) {
		oed_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" ORANGE "\""
			      " stroke-width=\"2\" stroke-dasharray=\"6 3\"><title>Theil-Sen line</title></line>",
			      left, scale(&ay, fit[0], h - bottom, top), w - right,
			      scale(&ay, fit[n - 1], h - bottom, top));
		oed_sb_printf(b, "<text x=\"%d\" y=\"%d\" fill=\"#8a5a00\">dashed: Theil-Sen line</text>",
			      w - right - 150, top - 4);
	}
	oed_sb_puts(b, "<polyline fill=\"none\" stroke=\"" BLUE "\" stroke-width=\"1.5\" points=\"");
	for (size_t i = 0; i < n; i++) {
		double x = n > 1 ? left + (double)i * (w - left - right) / (double)(n - 1) : (left + w - right) / 2.0;

		if (isfinite(y[i])) {
			oed_sb_printf(b, "%s%.1f,%.1f", open ? " " : "", x, scale(&ay, y[i], h - bottom, top));
			open = true;
		}
	}
	oed_sb_puts(b, "\"/>");
	for (size_t i = 0; i < n; i++) {
		double x = n > 1 ? left + (double)i * (w - left - right) / (double)(n - 1) : (left + w - right) / 2.0;
		double yy = scale(&ay, y[i], h - bottom, top);

		if (!isfinite(y[i]))
			continue;
		if (flag[i])
			oed_sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"" VERMILLION "\"/>",
				      x - 4, yy - 4);
		else
			oed_sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"" BLUE "\"/>", x, yy);
		/* the first, the last and a few between get their label */
		if (n <= 6 || i == 0 || i + 1 == n || i % ((n + 3) / 4) == 0) {
			oed_sb_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">", x, h - bottom + 15,
				      n == 1 ? "middle" : i == 0 ? "start" : i + 1 == n ? "end" : "middle");
			text(b, xl[i]);
			oed_sb_puts(b, "</text>");
		}
	}
	if (isfinite(threshold)) {
		double yy = scale(&ay, threshold, h - bottom, top);

		oed_sb_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" VERMILLION "\""
			      " stroke-dasharray=\"5 3\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\""
			      VERMILLION "\">", left, yy, w - right, yy, w - right, yy - 4);
		text(b, tlabel);
		oed_sb_puts(b, "</text>");
	}
	oed_sb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", left, h - bottom,
		      w - right, h - bottom);
	y_axis(b, &ay, h - bottom, top, left, ylabel);
	if (isfinite(threshold))
		legend(b, 10, h - 8, BLUE, "below", VERMILLION, "over the threshold");
	oed_sb_puts(b, "</svg>\n");
}

/* ---- the charts each kind gets ---- */

static bool
is_kind(const json_t *rec, const char *kind)
{
	const char *k = oed_rep_kindof(rec);

	return k && strcmp(k, kind) == 0;
}

static void
chart_groups(struct oed_sb *b, const struct oed_report *rep)
{
	size_t n = oed_rep_count(rep, "entropy.group"), m = 0, i;
	double *v = n ? malloc(n * sizeof(*v)) : NULL;
	json_t *rec;

	if (v == NULL)
		return;
	json_array_foreach(rep->recs, i, rec)
		if (is_kind(rec, "entropy.group") && isfinite(oed_rep_num(rec, "h")))
			v[m++] = oed_rep_num(rec, "h");
	if (m)
		histogram(b, "Entropy of outputs per input, H(Y|X=x)", "H(Y|X=x) (bits)", v, m);
	free(v);
}

/* Lengths in characters of the outputs of per-item records. */
static void
chart_lengths(struct oed_sb *b, const struct oed_report *rep)
{
	size_t cap = 0, m = 0, i, t = 0;
	double *v = NULL, *tk = NULL;
	json_t *rec;

	json_array_foreach(rep->recs, i, rec) {
		const char *out = oed_rep_str(rec, "output");

		/* tokens: a tokens record's count, an output's tokens_out or tokens.completion */
		double ntok = is_kind(rec, "tokens") ? oed_rep_num(rec, "tokens") :
			      isfinite(oed_rep_num(rec, "tokens_out")) ? oed_rep_num(rec, "tokens_out") :
			      oed_rep_num(rec, "tokens.completion");

		if (isfinite(ntok)) {
			double *p = realloc(tk, (t + 1) * sizeof(*p));

			if (p == NULL)
				break;
			tk = p;
			tk[t++] = ntok;
		}
		if (is_kind(rec, "tokens"))
			continue;
		if (out == NULL || !(is_kind(rec, "bench.item") || is_kind(rec, "record") ||
				     is_kind(rec, "monitor.item")))
			continue;
		if (m == cap) {
			double *p = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*p));

			if (p == NULL)
				break;
			v = p;
		}
		{
			size_t chars = 0;

			for (const unsigned char *s = (const unsigned char *)out; *s; s++)
				chars += (*s & 0xc0) != 0x80;
			v[m++] = (double)chars;
		}
	}
	if (m > 1)
		histogram(b, "Length of outputs", "length (characters)", v, m);
	if (t > 1)
		histogram(b, "Length in tokens", "tokens per output", tk, t);
	free(v);
	free(tk);
}

/* Drift: the latest figure per feature as bars, then each feature over its windows. */
static void
chart_drift(struct oed_sb *b, const struct oed_report *rep)
{
	size_t n = oed_rep_count(rep, "drift"), nf = 0, i;
	const json_t **last = calloc(n ? n : 1, sizeof(*last));
	struct hrow *rows = calloc(n ? n : 1, sizeof(*rows));
	char **names = calloc(n ? n : 1, sizeof(*names));
	bool windowed = false;
	json_t *rec;

	if (last == NULL || rows == NULL || names == NULL)
		goto out;
	json_array_foreach(rep->recs, i, rec) {
		const char *f = oed_rep_str(rec, "feature");
		size_t j;

		if (!is_kind(rec, "drift") || f == NULL)
			continue;
		windowed |= oed_rep_str(rec, "window_start") != NULL;
		for (j = 0; j < nf && strcmp(names[j], f) != 0; j++)
			;
		if (j == nf)
			names[nf++] = strdup(f);
		last[j] = rec;
	}
	for (i = 0; i < nf; i++) {
		rows[i].label = names[i];
		rows[i].v = oed_rep_num(last[i], "statistic");
		rows[i].lo = rows[i].hi = NAN;
		rows[i].flag = json_is_true(json_object_get(last[i], "drift"));
	}
	if (nf)
		hchart(b, windowed ? "Drift statistic per feature (latest window)" : "Drift statistic per feature",
		       "test statistic (each feature's own test)", rows, nf, true, NAN, NULL, "drifted",
		       "no drift");
	if (!windowed)
		goto out;
	for (size_t f = 0; f < nf; f++) {
		size_t m = 0, cap = 0;
		double *y = NULL, thr = NAN;
		bool *flag = NULL, pv = false;
		const char **xl = NULL;
		char title[512];

		json_array_foreach(rep->recs, i, rec) {
			const char *fe = oed_rep_str(rec, "feature");

			if (!is_kind(rec, "drift") || fe == NULL || strcmp(fe, names[f]) != 0 ||
			    oed_rep_str(rec, "window_start") == NULL)
				continue;
			if (m == cap) {
				cap = cap ? 2 * cap : 16;
				y = realloc(y, cap * sizeof(*y));
				flag = realloc(flag, cap * sizeof(*flag));
				xl = realloc(xl, cap * sizeof(*xl));
				if (y == NULL || flag == NULL || xl == NULL)
					break;
			}
			/* a p-value test's threshold is on p: plot -log10 p against -log10 alpha */
			pv = isfinite(oed_rep_num(rec, "p_value"));
			y[m] = pv ? -log10(fmax(oed_rep_num(rec, "p_value"), 1e-300)) : oed_rep_num(rec, "statistic");
			thr = pv ? -log10(oed_rep_num(rec, "threshold")) : oed_rep_num(rec, "threshold");
			flag[m] = json_is_true(json_object_get(rec, "drift"));
			xl[m] = oed_rep_str(rec, "window_start") ? oed_rep_str(rec, "window_start") : "";
			m++;
		}
		if (m > 1 && y && flag && xl) {
			char tl[64];

			snprintf(title, sizeof(title), "%s per window", names[f]);
			snprintf(tl, sizeof(tl), pv ? "threshold: p = %g" : "threshold: %g",
				 pv ? pow(10, -thr) : thr);
			series(b, title, pv ? "−log10 p-value" : "statistic", xl, y, flag, m, thr, tl, NULL);
		}
		free(y);
		free(flag);
		free(xl);
	}
out:
	for (i = 0; names && i < nf; i++)
		free(names[i]);
	free(names);
	free(rows);
	free(last);
}

static void
chart_points(struct oed_sb *b, const struct oed_report *rep, const char *kind)
{
	struct hrow *rows = NULL;
	char **labels = NULL;
	size_t n = 0, cap = 0, i;
	json_t *rec;
	bool cmp = strcmp(kind, "report.compare") == 0;

	json_array_foreach(rep->recs, i, rec) {
		json_t *rs, *r;
		size_t j;

		if (!is_kind(rec, kind))
			continue;
		rs = oed_rep_rows(rec, kind);
		json_array_foreach(rs, j, r) {
			struct oed_sb l = { 0 };

			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				rows = realloc(rows, cap * sizeof(*rows));
				labels = realloc(labels, cap * sizeof(*labels));
				if (rows == NULL || labels == NULL) {
					json_decref(rs);
					goto out;
				}
			}
			if (!cmp && oed_rep_str(r, "model")) {
				text(&l, "");
				oed_sb_puts(&l, oed_rep_str(r, "model"));
				oed_sb_puts(&l, " · ");
			}
			oed_sb_puts(&l, oed_rep_str(r, "scorer") ? oed_rep_str(r, "scorer") : "?");
			labels[n] = l.s ? l.s : strdup("");
			rows[n].label = labels[n];
			rows[n].v = oed_rep_num(r, cmp ? "diff" : "mean");
			rows[n].lo = oed_rep_num(r, "lo");
			rows[n].hi = oed_rep_num(r, "hi");
			rows[n].flag = cmp && oed_rep_num(r, "p_holm") < 0.05;
			n++;
		}
		json_decref(rs);
	}
	if (n && cmp)
		hchart(b, "Difference B − A per scorer, with 95% intervals", "difference in mean score (B − A)",
		       rows, n, false, 0, "no change", "significant (Holm, 5%)", "not significant");
	else if (n)
		hchart(b, "Scores per model with 95% intervals", "mean score", rows, n, false, NAN, NULL,
		       NULL, NULL);
out:
	for (i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
	free(rows);
}

/*
 * The records of kind grouped by monitor and name (field: "alert",
 * "slo"), in the order they came: an object "MONITOR\tNAME" -> array of
 * the records (borrowed).  NULL when out of memory.
 */
static json_t *
by_monitor(const struct oed_report *rep, const char *kind, const char *field)
{
	json_t *groups = json_object(), *rec, *g = NULL;
	size_t i;

	json_array_foreach(rep->recs, i, rec) {
		const char *mon = oed_rep_str(rec, "monitor"), *name = oed_rep_str(rec, field);
		struct oed_sb key = { 0 };

		if (groups == NULL || !is_kind(rec, kind) || name == NULL)
			continue;
		oed_sb_printf(&key, "%s\t%s", mon ? mon : "", name);
		if (key.s && (g = json_object_get(groups, key.s)) == NULL) {
			g = json_array();
			if (json_object_set_new_nocheck(groups, key.s, g) == -1)
				g = NULL;
		}
		if (key.oom || g == NULL || json_array_append(g, rec) == -1) {
			json_decref(groups);
			groups = NULL;
		}
		oed_sb_release(&key);
	}
	return groups;
}

/* A monitor record's place in time: its "ts", else "run N". */
static const char *
when(const json_t *rec, char buf[32])
{
	json_t *run = json_object_get(rec, "run");

	if (oed_rep_str(rec, "ts"))
		return oed_rep_str(rec, "ts");
	if (json_is_integer(run)) {
		snprintf(buf, 32, "run %lld", (long long)json_integer_value(run));
		return buf;
	}
	return "";
}

/*
 * One series per monitor and name over its records: y is field's value,
 * flagged when firing; thr the threshold line (from the record's
 * threshold field when thr_field is given).
 */
static void
monitor_series(struct oed_sb *b, const struct oed_report *rep, const char *kind, const char *field,
	       const char *y_field, const char *thr_field, double thr, const char *tlabel,
	       const char *ylabel, const char *what)
{
	json_t *groups = by_monitor(rep, kind, field), *g, *rec;
	const char *key;
	size_t j;

	json_object_foreach(groups, key, g) {
		size_t m = json_array_size(g);
		double *y = calloc(m + 1, sizeof(*y));
		bool *flag = calloc(m + 1, sizeof(*flag));
		const char **xl = calloc(m + 1, sizeof(*xl));
		char (*lab)[32] = calloc(m + 1, sizeof(*lab));
		char title[512];
		const char *tab = strchr(key, '\t');

		if (m > 1 && y && flag && xl && lab) {
			json_array_foreach(g, j, rec) {
				const char *st = oed_rep_str(rec, "state");

				y[j] = oed_rep_num(rec, y_field);
				if (thr_field)
					thr = oed_rep_num(rec, thr_field);
				flag[j] = json_is_true(json_object_get(rec, "firing")) ||
					  (st && strcmp(st, "firing") == 0);
				xl[j] = when(rec, lab[j]);
			}
			snprintf(title, sizeof(title), "%.*s%s%s %s", (int)(tab - key), key,
				 tab > key ? ": " : "", tab + 1, what);
			series(b, title, ylabel, xl, y, flag, m, thr, tlabel, NULL);
		}
		free(y);
		free(flag);
		free(xl);
		free(lab);
	}
	json_decref(groups);
}

/* Monitor alerts: each alert's value over its runs, threshold line, firing marks. */
static void
chart_alerts(struct oed_sb *b, const struct oed_report *rep)
{
	monitor_series(b, rep, "monitor.alert", "alert", "value", "threshold", NAN, "alert threshold", "value",
		       "over time");
}

/* Monitor scores: each scorer's mean over its runs. */
static void
chart_scores(struct oed_sb *b, const struct oed_report *rep)
{
	monitor_series(b, rep, "monitor.score", "scorer", "mean", NULL, NAN, NULL, "mean score",
		       "mean over time");
}

/* The trend's values in time order, with the Theil-Sen line's values as the threshold is not. */
static void
chart_trend(struct oed_sb *b, const struct oed_report *rep)
{
	size_t n = oed_rep_count(rep, "report.trend.point"), m = 0, i;
	double *y = calloc(n + 1, sizeof(*y)), *fit = calloc(n + 1, sizeof(*fit));
	bool *flag = calloc(n + 1, sizeof(*flag));
	char (*lab)[32] = calloc(n + 1, sizeof(*lab));
	const char **xl = calloc(n + 1, sizeof(*xl));
	const char *scorer = NULL, *per = "run";
	json_t *rec;
	char title[300];

	if (y && fit && flag && lab && xl) {
		json_array_foreach(rep->recs, i, rec) {
			double x;

			if (!is_kind(rec, "report.trend.point"))
				continue;
			scorer = oed_rep_str(rec, "scorer");
			per = json_object_get(rec, "day") ? "day" : "run";
			x = oed_rep_num(rec, per);
			snprintf(lab[m], sizeof(lab[m]), "%s %g", per, round(x * 100) / 100);
			xl[m] = lab[m];
			fit[m] = oed_rep_num(rec, "fit");
			y[m++] = oed_rep_num(rec, "value");
		}
		snprintf(title, sizeof(title), "%s over time (%s 0 is the first)", scorer ? scorer : "", per);
		if (m > 1)
			series(b, title, scorer ? scorer : "value", xl, y, flag, m, NAN, NULL, fit);
	}
	free(y);
	free(fit);
	free(flag);
	free(lab);
	free(xl);
}

/* --by: each segment's rate effect (how much its own change moved the whole). */
static void
chart_by(struct oed_sb *b, const struct oed_report *rep)
{
	size_t n = oed_rep_count(rep, "report.by"), m = 0, i;
	struct hrow *rows = calloc(n + 1, sizeof(*rows));
	char (*lab)[160] = calloc(n + 1, sizeof(*lab));
	json_t *rec;

	if (rows && lab) {
		json_array_foreach(rep->recs, i, rec) {
			double rate;

			if (!is_kind(rec, "report.by"))
				continue;
			rate = oed_rep_num(rec, "rate");
			snprintf(lab[m], sizeof(lab[m]), "%s · %s", oed_rep_str(rec, "scorer") ? oed_rep_str(rec, "scorer") : "",
				 oed_rep_str(rec, "segment") ? oed_rep_str(rec, "segment") : "");
			rows[m] = (struct hrow){ lab[m], isfinite(rate) ? rate : oed_rep_num(rec, "mix"), NAN, NAN,
						 (isfinite(rate) ? rate : oed_rep_num(rec, "mix")) < 0 };
			m++;
		}
		if (m)
			hchart(b, "Rate effect per segment: its own change's share of the whole change",
			       "rate effect (difference in the overall mean)", rows, m, true, 0, "no change",
			       "worse", "better or equal");
	}
	free(rows);
	free(lab);
}

/* SLOs: each one's error budget left (its latest record), then over its runs. */
static void
chart_slo(struct oed_sb *b, const struct oed_report *rep)
{
	json_t *groups = by_monitor(rep, "monitor.slo", "slo"), *g;
	size_t n = json_object_size(groups), i = 0;
	struct hrow *rows = calloc(n + 1, sizeof(*rows));
	char (*labels)[128] = calloc(n + 1, sizeof(*labels));
	const char *key;

	if (rows && labels) {
		json_object_foreach(groups, key, g) {
			const json_t *last = json_array_get(g, json_array_size(g) - 1);
			const char *tab = strchr(key, '\t');

			snprintf(labels[i], sizeof(labels[i]), "%.*s%s%s", (int)(tab - key), key,
				 tab > key ? " · " : "", tab + 1);
			rows[i] = (struct hrow){ labels[i], oed_rep_num(last, "budget_remaining"), NAN, NAN,
						 oed_rep_num(last, "budget_remaining") < 0 };
			i++;
		}
		if (n)
			hchart(b, "SLO error budget remaining (latest)", "share of the error budget left", rows,
			       n, true, 0, "budget spent", "spent", "left");
	}
	free(rows);
	free(labels);
	json_decref(groups);
	monitor_series(b, rep, "monitor.slo", "slo", "budget_remaining", NULL, 0, "budget spent",
		       "share of the error budget left", "error budget over time");
}

/* ---- tables ---- */

static bool
numeric(const json_t *v)
{
	return json_is_number(v);
}

static bool
row_flagged(const json_t *r, const char *kind)
{
	if (strcmp(kind, "drift") == 0)
		return json_is_true(json_object_get(r, "drift"));
	if (strcmp(kind, "monitor.alert") == 0)
		return oed_rep_str(r, "state") && strcmp(oed_rep_str(r, "state"), "firing") == 0;
	if (strcmp(kind, "report.compare") == 0)
		return oed_rep_num(r, "p_holm") < 0.05;
	if (strcmp(kind, "bench.item") == 0)
		return json_object_get(r, "error") && !json_is_null(json_object_get(r, "error"));
	return false;
}

static void
table(struct oed_sb *b, const struct oed_report *rep, const struct oed_rep_kind *k, size_t n)
{
	size_t i, seen = 0, shown = 0, stride = 1;
	json_t *rec;

	if (k->per_item && n > rep->html_items)
		stride = (n + rep->html_items - 1) / rep->html_items;
	oed_sb_puts(b, "<table><thead><tr>");
	for (const struct oed_rep_col *c = k->cols; c->path; c++) {
		oed_sb_puts(b, "<th>");
		text(b, c->label);
		oed_sb_puts(b, "</th>");
	}
	oed_sb_puts(b, "</tr></thead><tbody>\n");
	json_array_foreach(rep->recs, i, rec) {
		json_t *rows, *r;
		size_t j;

		if (!is_kind(rec, k->kind))
			continue;
		if (seen++ % stride != 0)
			continue;
		shown++;
		rows = oed_rep_rows(rec, k->kind);
		json_array_foreach(rows, j, r) {
			oed_sb_puts(b, row_flagged(r, k->kind) ? "<tr class=\"flag\">" : "<tr>");
			for (const struct oed_rep_col *c = k->cols; c->path; c++) {
				json_t *v = oed_rep_get(r, c->path);
				struct oed_sb cell = { 0 };

				oed_rep_cell(&cell, v);
				oed_sb_puts(b, numeric(v) ? "<td class=\"num\">" : "<td>");
				if (cell.n)
					oed_sb_html(b, cell.s, cell.n);
				oed_sb_puts(b, "</td>");
				oed_sb_release(&cell);
			}
			oed_sb_puts(b, "</tr>\n");
		}
		json_decref(rows);
	}
	oed_sb_puts(b, "</tbody></table>\n");
	if (shown < n)
		oed_sb_printf(b, "<p class=\"note\">%zu of %zu rows shown: every %zu%s row. The JSON, CSV or"
			      " JUnit output holds them all.</p>\n", shown, n, stride,
			      stride == 2 ? "nd" : stride == 3 ? "rd" : "th");
}

int
oed_rep_html(const struct oed_report *rep, FILE *fp, struct oed_err *err)
{
	struct oed_sb b = { 0 };
	size_t i, unknown;
	json_t *rec;
	int rc = 0;
	bool lengths = false;

	oed_sb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
		    " style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"generator\" content=\"oed-report " PACKAGE_VERSION "\">\n<title>");
	text(&b, rep->title ? rep->title : "oed report");
	oed_sb_printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
	text(&b, rep->title ? rep->title : "oed report");
	oed_sb_puts(&b, "</h1>\n<p class=\"verdict\"><strong>Verdict:</strong> ");
	{
		struct oed_sb v = { 0 };

		oed_rep_verdict(rep, &v);
		if (v.n)
			oed_sb_html(&b, v.s, v.n);
		oed_sb_release(&v);
	}
	oed_sb_puts(&b, "</p>\n");
	for (const struct oed_rep_kind *k = oed_rep_kinds; k->kind; k++) {
		size_t n = oed_rep_count(rep, k->kind);

		if (n == 0)
			continue;
		oed_sb_printf(&b, "<section id=\"%s\">\n<h2>", k->kind);
		text(&b, k->title);
		oed_sb_printf(&b, " (%zu)</h2>\n", n);
		if (strcmp(k->kind, "entropy.group") == 0)
			chart_groups(&b, rep);
		else if (strcmp(k->kind, "drift") == 0)
			chart_drift(&b, rep);
		else if (strcmp(k->kind, "bench.summary") == 0 || strcmp(k->kind, "report.compare") == 0)
			chart_points(&b, rep, k->kind);
		else if (strcmp(k->kind, "monitor.alert") == 0)
			chart_alerts(&b, rep);
		else if (strcmp(k->kind, "monitor.slo") == 0)
			chart_slo(&b, rep);
		else if (strcmp(k->kind, "monitor.score") == 0)
			chart_scores(&b, rep);
		else if (strcmp(k->kind, "report.trend.point") == 0)
			chart_trend(&b, rep);
		else if (strcmp(k->kind, "report.by") == 0)
			chart_by(&b, rep);
		else if ((strcmp(k->kind, "bench.item") == 0 || strcmp(k->kind, "record") == 0 ||
			  strcmp(k->kind, "tokens") == 0 || strcmp(k->kind, "monitor.item") == 0) && !lengths) {
			/* over every kind that holds outputs: once, in the first of their sections */
			chart_lengths(&b, rep);
			lengths = true;
		}
		table(&b, rep, k, n);
		oed_sb_puts(&b, "</section>\n");
	}
	unknown = oed_rep_count(rep, NULL);
	if (unknown) {
		oed_sb_printf(&b, "<section id=\"other\">\n<h2>Other records (%zu)</h2>\n"
			      "<p class=\"note\">Kinds oed-report does not know, as they came.</p>\n<pre>",
			      unknown);
		json_array_foreach(rep->recs, i, rec) {
			char *t;

			if (oed_rep_kind_find(oed_rep_kindof(rec)))
				continue;
			t = json_dumps(rec, JSON_COMPACT);
			if (t)
				text(&b, t);
			oed_sb_puts(&b, "\n");
			free(t);
		}
		oed_sb_puts(&b, "</pre>\n</section>\n");
	}
	oed_sb_puts(&b, "</body>\n</html>\n");
	if (b.oom)
		rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
	else if (fwrite(b.s, 1, b.n, fp) != b.n)
		rc = oed_err_set(err, OED_EX_FAIL, "cannot write the report: %s", strerror(errno));
	oed_sb_release(&b);
	return rc;
}
