#include "config.h"
#include "entropy.h"
#include "exit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const estimator_names[] = {
	"plugin", "miller-madow", "chao-shen", "shrink", "jeffreys", "laplace", "sg", "minimax",
	"grassberger",
};

int
oed_estimator_parse(const char *name, enum oed_estimator *out, struct oed_err *err)
{
	for (size_t i = 0; i < sizeof(estimator_names) / sizeof(estimator_names[0]); i++)
		if (strcmp(name, estimator_names[i]) == 0) {
			*out = (enum oed_estimator)i;
			return 0;
		}
	if (strcmp(name, "nsb") == 0)
		return oed_err_set(err, OED_EX_USAGE, "--estimator: nsb is not available in this release");
	return oed_err_set(err, OED_EX_USAGE,
			   "--estimator: '%s' is not plugin, miller-madow, chao-shen, shrink, jeffreys,"
			   " laplace, sg, minimax or grassberger", name);
}

const char *
oed_estimator_name(enum oed_estimator e)
{
	return estimator_names[e];
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

bool
oed_estimator_uses_k(enum oed_estimator e)
{
	return e == OED_EST_SHRINK || e == OED_EST_JEFFREYS || e == OED_EST_LAPLACE ||
	       e == OED_EST_SG || e == OED_EST_MINIMAX;
}

bool
oed_estimator_needs_integers(enum oed_estimator e)
{
	return e == OED_EST_CHAO_SHEN || e == OED_EST_GRASSBERGER || e == OED_EST_MILLER_MADOW;
}

double
oed_digamma(double x)
{
	double r = 0, f;

	/* recurrence up to where the asymptotic series is exact to double precision */
	while (x < 6) {
		r -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return r + log(x) - 0.5 / x -
	       f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/* -sum p log p over the frequencies f_k = (n_k + a) / (total + K a). */
static double
dirichlet(const double *c, size_t n, double total, double k, double a)
{
	double den = total + k * a, h = 0, unseen = k - (double)n;

	for (size_t i = 0; i < n; i++) {
		double f = (c[i] + a) / den;

		if (f > 0)
			h -= f * log(f);
	}
	/* classes never seen share the pseudocount alone */
	if (unseen > 0 && a > 0) {
		double f = a / den;

		h -= unseen * f * log(f);
	}
	return h;
}

static double
shrink(const double *c, size_t n, double total, double k)
{
	double target = 1 / k, sum_u2 = 0, msp = 0, lambda, h = 0, unseen = k - (double)n;

	for (size_t i = 0; i < n; i++) {
		double u = c[i] / total;

		sum_u2 += u * u;
		msp += (u - target) * (u - target);
	}
	if (unseen > 0)
		msp += unseen * target * target;
	if (total <= 1 || msp == 0)
		lambda = 1;
	else
		lambda = (1 - sum_u2) / ((total - 1) * msp);
	lambda = lambda < 0 ? 0 : lambda > 1 ? 1 : lambda;
	for (size_t i = 0; i < n; i++) {
		double u = lambda * target + (1 - lambda) * c[i] / total;

		if (u > 0)
			h -= u * log(u);
	}
	if (unseen > 0 && lambda > 0)
		h -= unseen * lambda * target * log(lambda * target);
	return h;
}

double
oed_entropy_k(enum oed_estimator e, double *counts, size_t n, double k)
{
	double total = 0, sum = 0, h;
	size_t m = 0;

	if (n > 0)
		qsort(counts, n, sizeof(*counts), dbl_cmp);
	/* the zeros sort first: drop them, they are classes not seen */
	while (n > 0 && counts[0] <= 0) {
		counts++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		total += counts[i];
		sum += counts[i] * log(counts[i]);
		m++;
	}
	if (k < (double)m)
		k = (double)m;
	if (total <= 0)
		return 0;
	switch (e) {
	case OED_EST_CHAO_SHEN: {
		double f1 = 0, c;

		for (size_t i = 0; i < n; i++)
			f1 += counts[i] == 1;
		if (f1 == total)
			f1 = total - 1;	/* all singletons: keep the coverage above 0 */
		c = 1 - f1 / total;
		h = 0;
		for (size_t i = 0; i < n; i++) {
			double p = c * counts[i] / total, la = 1 - pow(1 - p, total);

			if (p > 0 && la > 0)
				h -= p * log(p) / la;
		}
		return h;
	}
	case OED_EST_SHRINK:
		return shrink(counts, n, total, k);
	case OED_EST_JEFFREYS:
		return dirichlet(counts, n, total, k, 0.5);
	case OED_EST_LAPLACE:
		return dirichlet(counts, n, total, k, 1);
	case OED_EST_SG:
		return dirichlet(counts, n, total, k, 1 / k);
	case OED_EST_MINIMAX:
		return dirichlet(counts, n, total, k, sqrt(total) / k);
	case OED_EST_GRASSBERGER:
		h = 0;
		for (size_t i = 0; i < n; i++) {
			double c = counts[i], sign = fmod(c, 2) == 0 ? 1 : -1;
			double g = oed_digamma(c) + 0.5 * sign * (oed_digamma((c + 1) / 2) - oed_digamma(c / 2));

			h += c * g;
		}
		return log(total) - h / total;
	default:
		break;
	}
	if (m <= 1)
		return 0;
	h = log(total) - sum / total;
	if (h < 0)
		h = 0;	/* rounding when one class holds nearly all */
	if (e == OED_EST_MILLER_MADOW)
		h += (double)(m - 1) / (2 * total);
	return h;
}

double
oed_entropy_nats(enum oed_estimator e, double *counts, size_t n)
{
	return oed_entropy_k(e, counts, n, 0);
}

static int
y_cmp(const void *a, const void *b)
{
	const struct oed_cell *p = a, *q = b;

	return p->y < q->y ? -1 : p->y > q->y;
}

int
oed_entropy_summarize(enum oed_estimator e, const struct oed_cell *cells, size_t ncells,
		      struct oed_entropy_summary *out, struct oed_group **groups_out,
		      struct oed_err *err)
{
	return oed_entropy_summarize_k(e, 0, cells, ncells, out, groups_out, err);
}

int
oed_entropy_summarize_k(enum oed_estimator e, double k, const struct oed_cell *cells,
			size_t ncells, struct oed_entropy_summary *out,
			struct oed_group **groups_out, struct oed_err *err)
{
	double *buf = malloc((ncells ? ncells : 1) * sizeof(*buf));
	double *xs = malloc((ncells ? ncells : 1) * sizeof(*xs));
	struct oed_cell *byy = malloc((ncells ? ncells : 1) * sizeof(*byy));
	struct oed_group *groups = NULL;
	double hyx = 0;
	size_t nx = 0, ny = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (groups_out)
		*groups_out = NULL;
	if (buf == NULL || xs == NULL || byy == NULL)
		goto oom;
	if (groups_out && (groups = malloc((ncells ? ncells : 1) * sizeof(*groups))) == NULL)
		goto oom;

	/* per x: the group's counts, its entropy; H(Y|X) = sum p(x) H(Y|X=x) */
	for (size_t i = 0; i < ncells;) {
		size_t j = i, kk = 0;
		double nxs = 0, h;

		for (; j < ncells && cells[j].x == cells[i].x; j++) {
			buf[kk++] = cells[j].n;
			nxs += cells[j].n;
			out->n += cells[j].n;
		}
		h = oed_entropy_k(e, buf, kk, k);
		xs[nx] = nxs;
		hyx += nxs * h;
		if (groups)
			groups[nx] = (struct oed_group){ cells[i].x, nxs, kk, h };
		nx++;
		i = j;
	}
	/* the sums above ran in key order; divide once */
	out->h_y_given_x = out->n > 0 ? hyx / out->n : 0;
	out->nx = nx;
	out->h_x = oed_entropy_nats(e, xs, nx);

	if (ncells > 0) {
		memcpy(byy, cells, ncells * sizeof(*byy));
		qsort(byy, ncells, sizeof(*byy), y_cmp);
	}
	for (size_t i = 0; i < ncells;) {
		double s = 0;
		size_t j = i;

		for (; j < ncells && byy[j].y == byy[i].y; j++)
			s += byy[j].n;
		buf[ny++] = s;
		i = j;
	}
	out->ny = ny;
	out->h_y = oed_entropy_k(e, buf, ny, k);
	for (size_t i = 0; i < ncells; i++)
		buf[i] = cells[i].n;
	out->h_xy = oed_entropy_nats(e, buf, ncells);
	if (groups_out)
		*groups_out = groups;
	groups = NULL;
	rc = 0;
	goto out;
oom:
	oed_err_set(err, OED_EX_FAIL, "out of memory");
out:
	free(groups);
	free(buf);
	free(xs);
	free(byy);
	return rc;
}

/* The value at 0-based order statistic k of a sorted histogram. */
static double
order_stat(const struct oed_cell *hist, size_t n, double k)
{
	double seen = 0;

	for (size_t i = 0; i < n; i++) {
		seen += hist[i].n;
		if (k < seen)
			return (double)hist[i].x;
	}
	return n ? (double)hist[n - 1].x : 0;
}

double
oed_hist_quantile(const struct oed_cell *hist, size_t n, double total, double q)
{
	double h = (total - 1) * q, lo = floor(h);
	double a = order_stat(hist, n, lo), b = order_stat(hist, n, lo + 1 < total ? lo + 1 : lo);

	return a + (h - lo) * (b - a);
}

void
oed_lenstats_compute(const struct oed_cell *hist, size_t n, struct oed_lenstats *out)
{
	double total = 0, sum = 0, var = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		total += hist[i].n;
		sum += hist[i].n * (double)hist[i].x;
	}
	if (total <= 0)
		return;
	out->n = total;
	out->mean = sum / total;
	for (size_t i = 0; i < n; i++) {
		double d = (double)hist[i].x - out->mean;

		var += hist[i].n * d * d;
	}
	out->sd = sqrt(var / total);
	out->min = (double)hist[0].x;
	out->max = (double)hist[n - 1].x;
	out->p50 = oed_hist_quantile(hist, n, total, 0.50);
	out->p90 = oed_hist_quantile(hist, n, total, 0.90);
	out->p99 = oed_hist_quantile(hist, n, total, 0.99);
}

#include "jsonw.h"
#include "utf8.h"

void
oed_entropy_acc_init(struct oed_entropy_acc *a, bool keep_names)
{
	memset(a, 0, sizeof(*a));
	oed_cells_init(&a->cells);
	oed_cells_init(&a->lengths);
	oed_cells_init(&a->token_lengths);
	a->keep_names = keep_names;
}

void
oed_entropy_acc_release(struct oed_entropy_acc *a)
{
	oed_cells_release(&a->cells);
	oed_cells_release(&a->lengths);
	oed_cells_release(&a->token_lengths);
	for (size_t i = 0; i < a->name_cap; i++)
		free(a->names[i]);
	free(a->names);
	free(a->name_keys);
	memset(a, 0, sizeof(*a));
}

static int
keep_name(struct oed_entropy_acc *a, uint64_t key, const char *s, size_t len)
{
	size_t i;

	if ((a->name_used + 1) * 2 > a->name_cap) {
		size_t cap = a->name_cap ? a->name_cap * 2 : 1024;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		char **names = calloc(cap, sizeof(*names));

		if (keys == NULL || names == NULL) {
			free(keys);
			free(names);
			return -1;
		}
		for (size_t j = 0; j < a->name_cap; j++) {
			if (a->names[j] == NULL)
				continue;
			for (i = a->name_keys[j] & (cap - 1); names[i]; i = (i + 1) & (cap - 1))
				;
			keys[i] = a->name_keys[j];
			names[i] = a->names[j];
		}
		free(a->name_keys);
		free(a->names);
		a->name_keys = keys;
		a->names = names;
		a->name_cap = cap;
	}
	for (i = key & (a->name_cap - 1); a->names[i]; i = (i + 1) & (a->name_cap - 1))
		if (a->name_keys[i] == key)
			return 0;
	a->names[i] = strndup(s, len);
	if (a->names[i] == NULL)
		return -1;
	a->name_keys[i] = key;
	a->name_used++;
	return 0;
}

int
oed_entropy_acc_add(struct oed_entropy_acc *a, const char *x, size_t xlen,
		    const char *y, size_t ylen, double w, bool with_length)
{
	uint64_t kx = x ? oed_fingerprint(x, xlen) : 0, ky = oed_fingerprint(y, ylen);

	if (oed_cells_add(&a->cells, kx, ky, w) == -1)
		return -1;
	if (with_length && oed_cells_add(&a->lengths, oed_utf8_count(y, ylen), 0, w) == -1)
		return -1;
	if (a->keep_names && x && keep_name(a, kx, x, xlen) == -1)
		return -1;
	return 0;
}

int
oed_entropy_acc_add_tokens(struct oed_entropy_acc *a, size_t ntokens, double w)
{
	return oed_cells_add(&a->token_lengths, ntokens, 0, w);
}

const char *
oed_entropy_acc_name(const struct oed_entropy_acc *a, uint64_t key)
{
	if (a->name_cap == 0)
		return NULL;
	for (size_t i = key & (a->name_cap - 1); a->names[i]; i = (i + 1) & (a->name_cap - 1))
		if (a->name_keys[i] == key)
			return a->names[i];
	return NULL;
}

/*
 * The class text of a value: strings as they are, numbers in their
 * shortest form, booleans as words; missing and null become one class of
 * their own under --missing=class.  0, 1 (bad record, skipped) or -1.
 */
int
oed_class_of(struct oed_reader *r, const struct oed_value *v, const char *field, bool missing_class,
	 char tmp[32], const char **s, size_t *len, struct oed_err *err)
{
	switch (v->type) {
	case OED_V_STRING:
		*s = v->str;
		*len = v->len;
		return 0;
	case OED_V_NUMBER:
		*len = (size_t)oed_fmt_double(tmp, v->num);
		*s = tmp;
		return 0;
	case OED_V_TRUE:
	case OED_V_FALSE:
		*s = v->type == OED_V_TRUE ? "true" : "false";
		*len = strlen(*s);
		return 0;
	case OED_V_MISSING:
	case OED_V_NULL:
		if (missing_class) {
			/* a byte no JSON string holds keeps the class apart from any text */
			*s = "\x01missing";
			*len = 8;
			return 0;
		}
		return oed_reader_bad(r, err, "%s field '%s'", v->type == OED_V_NULL ? "null" : "missing",
				      field) == -1 ? -1 : 1;
	default:
		return oed_reader_bad(r, err, "field '%s' is %s, not a string, number or boolean", field,
				      v->type == OED_V_ARRAY ? "an array" : "an object") == -1 ? -1 : 1;
	}
}


static int
emit_cells(struct oed_writer *w, const struct oed_cells *t, const char *kind, const char *unit)
{
	size_t n;
	struct oed_cell *c = oed_cells_sorted(t, &n);
	char hx[17], hy[17];
	int rc = 0;

	if (n && c == NULL)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		oed_w_begin(w);
		oed_w_str(w, "kind", kind);
		if (unit) {
			oed_w_str(w, "unit", unit);
			oed_w_uint(w, "len", c[i].x);
		} else {
			snprintf(hx, sizeof(hx), "%016llx", (unsigned long long)c[i].x);
			snprintf(hy, sizeof(hy), "%016llx", (unsigned long long)c[i].y);
			oed_w_str(w, "x", hx);
			oed_w_str(w, "y", hy);
		}
		oed_w_num(w, "n", c[i].n);
		rc = oed_w_end(w);
	}
	free(c);
	return rc;
}

int
oed_entropy_acc_emit(const struct oed_entropy_acc *a, struct oed_writer *w, const json_t *params)
{
	oed_w_begin(w);
	oed_w_str(w, "kind", "entropy.state");
	oed_w_int(w, "version", 1);
	oed_w_json(w, "params", params);
	if (oed_w_end(w) == -1 || emit_cells(w, &a->cells, "entropy.cell", NULL) == -1 ||
	    emit_cells(w, &a->lengths, "entropy.length", "chars") == -1 ||
	    emit_cells(w, &a->token_lengths, "entropy.length", "tokens") == -1)
		return -1;
	for (size_t i = 0; i < a->name_cap; i++) {
		char hx[17];

		if (a->names == NULL || a->names[i] == NULL)
			continue;
		snprintf(hx, sizeof(hx), "%016llx", (unsigned long long)a->name_keys[i]);
		oed_w_begin(w);
		oed_w_str(w, "kind", "entropy.name");
		oed_w_str(w, "x", hx);
		oed_w_str(w, "text", a->names[i]);
		if (oed_w_end(w) == -1)
			return -1;
	}
	return 0;
}

static int
hex_key(json_t *rec, const char *field, uint64_t *out)
{
	const char *s = json_string_value(json_object_get(rec, field));
	char *end;

	if (s == NULL || strlen(s) != 16)
		return -1;
	*out = strtoull(s, &end, 16);
	return *end == '\0' ? 0 : -1;
}

int
oed_entropy_acc_merge(struct oed_entropy_acc *a, json_t *rec, struct oed_err *err)
{
	const char *kind = json_string_value(json_object_get(rec, "kind"));
	json_t *n = json_object_get(rec, "n");
	uint64_t x, y;

	if (kind == NULL)
		return oed_err_set(err, OED_EX_DATA, "not an entropy state line (no 'kind')");
	if (strcmp(kind, "entropy.name") == 0) {
		const char *text = json_string_value(json_object_get(rec, "text"));

		if (hex_key(rec, "x", &x) == -1 || text == NULL)
			return oed_err_set(err, OED_EX_DATA, "bad entropy.name line");
		if (a->keep_names && keep_name(a, x, text, strlen(text)) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		return 0;
	}
	if (!json_is_number(n) || json_number_value(n) <= 0)
		return oed_err_set(err, OED_EX_DATA, "bad count 'n' in a %s line", kind);
	if (strcmp(kind, "entropy.cell") == 0) {
		if (hex_key(rec, "x", &x) == -1 || hex_key(rec, "y", &y) == -1)
			return oed_err_set(err, OED_EX_DATA, "bad keys in an entropy.cell line");
		if (oed_cells_add(&a->cells, x, y, json_number_value(n)) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		return 0;
	}
	if (strcmp(kind, "entropy.length") == 0) {
		const char *unit = json_string_value(json_object_get(rec, "unit"));
		json_t *len = json_object_get(rec, "len");
		struct oed_cells *t = unit && strcmp(unit, "tokens") == 0 ? &a->token_lengths :
				      unit && strcmp(unit, "chars") == 0 ? &a->lengths : NULL;

		if (t == NULL || !json_is_integer(len) || json_integer_value(len) < 0)
			return oed_err_set(err, OED_EX_DATA, "bad entropy.length line");
		if (oed_cells_add(t, (uint64_t)json_integer_value(len), 0, json_number_value(n)) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		return 0;
	}
	return oed_err_set(err, OED_EX_DATA, "'%s' is not a line of an entropy state", kind);
}
