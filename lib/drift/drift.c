/* drift.c: the oed-drift engine (see drift.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* qsort_r */
#endif
#include "config.h"
#include "internal.h"
#include "exit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info/counts.h"
#include "drifttest.h"
#include "field.h"
#include "opt.h"
#include "progress.h"
#include "utf8.h"
#include "splitmix.h"
#include "strdict.h"
#include "time.h"
#include "words.h"

/* ---- the tests (drifttest.h) ---- */

/* Whether test name applies to a field or feature of kind (text: to one of its features). */
bool
oed_drift_test_fits(const char *name, enum oed_fkind kind)
{
	const struct oed_drift_test *t = oed_drift_test_find(name);
	unsigned k;

	if (t == NULL)
		return false;
	k = oed_drift_kinds(t);
	switch (kind) {
	case OED_FK_NUMERIC:
		return k & OED_DK_NUMERIC;
	case OED_FK_CATEGORICAL:
		return k & OED_DK_CATEGORICAL;
	case OED_FK_TEXT:
		return k & (OED_DK_NUMERIC | OED_DK_CATEGORICAL);
	case OED_FK_VECTOR:
		return k & OED_DK_VECTOR;
	default:
		return true;
	}
}

/* ---- kinds ---- */

static const char *const kind_names[] = {
	[OED_FK_AUTO] = "auto",
	[OED_FK_NUMERIC] = "numeric",
	[OED_FK_CATEGORICAL] = "categorical",
	[OED_FK_TEXT] = "text",
	[OED_FK_VECTOR] = "vector",
};

const char *
oed_fkind_name(enum oed_fkind kind)
{
	return kind == OED_FK_AUTO ? "unknown" : kind_names[kind];
}

int
oed_fkind_parse(const char *s, size_t n, enum oed_fkind *kind)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strlen(kind_names[i]) == n && memcmp(kind_names[i], s, n) == 0) {
			*kind = (enum oed_fkind)i;
			return 0;
		}
	return -1;
}

/* ---- inference ---- */

static int
u64_cmp(const void *p, const void *q)
{
	uint64_t a = *(const uint64_t *)p, b = *(const uint64_t *)q;

	return a < b ? -1 : a > b;
}

enum oed_fkind
oed_drift_infer_strings(const char *const *s, const size_t *len, size_t n)
{
	uint64_t *fp;
	size_t distinct = 0, spaced = 0, chars = 0;

	if (n == 0)
		return OED_FK_CATEGORICAL;
	if ((fp = malloc(n * sizeof(*fp))) == NULL)
		return OED_FK_CATEGORICAL;
	for (size_t i = 0; i < n; i++) {
		fp[i] = oed_fingerprint(s[i], len[i]);
		chars += oed_utf8_count(s[i], len[i]);
		for (size_t j = 0; j < len[i]; j++)
			if (s[i][j] == ' ' || s[i][j] == '\t' || s[i][j] == '\n' || s[i][j] == '\r') {
				spaced++;
				break;
			}
	}
	qsort(fp, n, sizeof(*fp), u64_cmp);
	for (size_t i = 0; i < n; i++)
		distinct += i == 0 || fp[i] != fp[i - 1];
	free(fp);
	/*
	 * Labels are short and repeat.  Long strings are text even when they
	 * repeat (a consistent model answers an input with the same sentences);
	 * short ones are text when most are distinct and have words.
	 */
	if (chars > 64 * n || (2 * distinct > n && 2 * spaced >= n))
		return OED_FK_TEXT;
	return OED_FK_CATEGORICAL;
}

const char *
oed_drift_auto_test(enum oed_fkind kind, uint64_t n_ref, size_t ncat, char *reason, size_t size)
{
	const char *small = n_ref <= OED_DRIFT_SMALL ? "n_ref<=1000" : "n_ref>1000";

	switch (kind) {
	case OED_FK_VECTOR:
		snprintf(reason, size, "vector");
		return "mmd";
	case OED_FK_CATEGORICAL:
	case OED_FK_TEXT:
		if (ncat == 2) {
			snprintf(reason, size, "categorical, binary");
			return "z";
		}
		snprintf(reason, size, "categorical, %s", small);
		return n_ref <= OED_DRIFT_SMALL ? "chi2" : "js";
	default:
		snprintf(reason, size, "numeric, %s", small);
		return n_ref <= OED_DRIFT_SMALL ? "ks" : "wasserstein_normed";
	}
}

/* ---- --field F[:KIND[:TEST]] ---- */

void
oed_drift_spec_release(struct oed_drift_spec *spec)
{
	free(spec->path);
	free(spec->test);
	spec->path = spec->test = NULL;
}

int
oed_drift_spec_parse(struct oed_drift_spec *spec, const char *arg, struct oed_err *err)
{
	const char *c1 = strrchr(arg, ':'), *c2 = NULL, *end = arg + strlen(arg);
	enum oed_fkind kind = OED_FK_AUTO;

	memset(spec, 0, sizeof(*spec));
	/* records are UTF-8, and the name goes into the run store's JSON */
	if (!oed_utf8_valid(arg, strlen(arg)))
		return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is not UTF-8", arg);
	if (c1 != NULL) {
		if (oed_fkind_parse(c1 + 1, (size_t)(end - c1 - 1), &kind) == 0) {
			end = c1;
		} else if (oed_drift_test_find(c1 + 1) != NULL) {
			/* F:TEST or F:KIND:TEST; an empty KIND is auto */
			end = c1;
			for (const char *p = c1; p > arg; p--)
				if (p[-1] == ':') {
					c2 = p - 1;
					break;
				}
			if (c2 != NULL && (c2 + 1 == c1 ||
					   oed_fkind_parse(c2 + 1, (size_t)(c1 - c2 - 1), &kind) == 0))
				end = c2;
			if ((spec->test = strdup(c1 + 1)) == NULL)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		} else {
			const char *names[64], *near;
			size_t n = 0, ntests;
			const struct oed_drift_test *tests = oed_drift_tests(&ntests);

			for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
				names[n++] = kind_names[i];
			for (size_t i = 0; i < ntests && n < 64; i++)
				names[n++] = tests[i].name;
			if ((near = oed_did_you_mean(c1 + 1, names, n)) != NULL)
				return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is not a kind (numeric, "
						   "categorical, text, vector, auto) or a test (did you "
						   "mean '%s'?)", c1 + 1, near);
			return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is not a kind (numeric, "
					   "categorical, text, vector, auto) or a test", c1 + 1);
		}
	}
	if (end == arg) {
		oed_drift_spec_release(spec);
		return oed_err_set(err, OED_EX_USAGE, "--field: '%s' names no field", arg);
	}
	if ((spec->path = strndup(arg, (size_t)(end - arg))) == NULL) {
		oed_drift_spec_release(spec);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	spec->kind = kind;
	return 0;
}

/* A window bound (milliseconds since the epoch) as RFC 3339. */
void
oed_drift_window_text(int64_t ms, char out[OED_RFC3339_SIZE])
{
	oed_time_to_rfc3339((double)ms / 1000, out);
}

/* ---- samples ---- */

const char *const oed_drift_derived_names[] = { "", "length_chars", "length_tokens", "words" };

static void
sample_release(struct sample *s)
{
	free(s->x);
	free(s->cnt);
	free(s->seen);
	free(s->colsum);
	memset(s, 0, sizeof(*s));
}

/* Empty a sample for the next window, keeping its memory. */
static void
sample_reset(struct sample *s, size_t dim)
{
	s->n = 0;
	s->sorted = false;
	for (size_t i = 0; i < s->nseen; i++)
		s->cnt[s->seen[i]] = 0;
	s->nseen = 0;
	s->other = s->total = 0;
	if (s->colsum)
		memset(s->colsum, 0, dim * sizeof(*s->colsum));
}

int
oed_drift_sample_push(struct sample *s, const double *v, size_t k)
{
	if ((s->n + 1) * k > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *x;

		while (cap < (s->n + 1) * k)
			cap *= 2;
		if ((x = realloc(s->x, cap * sizeof(*x))) == NULL)
			return -1;
		s->x = x;
		s->cap = cap;
	}
	memcpy(s->x + s->n * k, v, k * sizeof(*v));
	s->n++;
	s->sorted = false;
	return 0;
}

int
oed_drift_sample_count(struct sample *s, int64_t id, uint64_t k)
{
	if (id == OED_STRDICT_OTHER) {
		s->other += k;
	} else {
		if ((size_t)id >= s->ncnt) {
			size_t n = s->ncnt ? s->ncnt * 2 : 64;
			uint64_t *cnt;

			while (n <= (size_t)id)
				n *= 2;
			if ((cnt = realloc(s->cnt, n * sizeof(*cnt))) == NULL)
				return -1;
			memset(cnt + s->ncnt, 0, (n - s->ncnt) * sizeof(*cnt));
			s->cnt = cnt;
			s->ncnt = n;
		}
		if (s->cnt[id] == 0 && k > 0) {
			if (s->nseen == s->capseen) {
				size_t cap = s->capseen ? s->capseen * 2 : 64;
				uint32_t *seen = realloc(s->seen, cap * sizeof(*seen));

				if (seen == NULL)
					return -1;
				s->seen = seen;
				s->capseen = cap;
			}
			s->seen[s->nseen++] = (uint32_t)id;
		}
		s->cnt[id] += k;
	}
	s->total += k;
	return 0;
}

/*
 * A vector row: every row adds to the column sums; the first
 * OED_DRIFT_MAX_ROWS are kept, then each later row i replaces a kept one
 * with probability MAX_ROWS / (i + 1) (Vitter's algorithm R), with a
 * generator seeded from --seed, so the same input keeps the same rows.
 */
static int
sample_row(struct sample *s, const double *row, size_t dim)
{
	uint64_t i = s->total++, j;

	if (s->colsum == NULL && (s->colsum = calloc(dim, sizeof(*s->colsum))) == NULL)
		return -1;
	for (size_t k = 0; k < dim; k++)
		s->colsum[k] += row[k];
	if (i < OED_DRIFT_MAX_ROWS)
		return oed_drift_sample_push(s, row, dim);
	j = oed_splitmix64(&s->rng) % (i + 1);
	if (j < OED_DRIFT_MAX_ROWS)
		memcpy(s->x + j * dim, row, dim * sizeof(*row));
	return 0;
}

/* Sort a numeric sample once (drifttest's radix sort); 0 or -1 (err set). */
int
oed_drift_sample_sort(struct sample *s, struct oed_err *err)
{
	if (!s->sorted && oed_drift_sort(s->x, s->n, err) == -1)
		return -1;
	s->sorted = true;
	return 0;
}
/* ---- the engine ---- */

static void window_free(struct oed_drift *d, struct window *w);

struct oed_drift *
oed_drift_new(const struct oed_drift_opts *opts, struct oed_err *err)
{
	struct oed_drift *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	d->o = *opts;
	oed_progress_init(&d->prog, opts->quiet, "records", 0);
	return d;
}

static void
feature_free(struct feature *f)
{
	if (f == NULL)
		return;
	free(f->name);
	oed_strdict_release(&f->dict);
	sample_release(&f->s[REF]);
	sample_release(&f->s[CUR]);
	free(f->ref_order);
	free(f);
}

static void
probe_release(struct field *fl)
{
	for (size_t i = 0; i < fl->nprobe; i++)
		free(fl->probe[i]);
	free(fl->probe);
	free(fl->plen);
	free(fl->pwin);
	fl->probe = NULL;
	fl->plen = NULL;
	fl->pwin = NULL;
	fl->nprobe = 0;
}

void
oed_drift_free(struct oed_drift *d)
{
	if (d == NULL)
		return;
	oed_progress_end(&d->prog);
	for (size_t i = 0; i < d->nfields; i++) {
		for (size_t j = 0; j < d->fields[i]->nfeat; j++)
			feature_free(d->fields[i]->feat[j]);
		probe_release(d->fields[i]);
		free(d->fields[i]->missing_name);
		oed_drift_spec_release(&d->fields[i]->spec);
		free(d->fields[i]);
	}
	free(d->fields);
	for (size_t i = 0; i < d->nkeys; i++)
		free(d->keys[i]);
	free(d->keys);
	free(d->staged);
	free(d->wordbuf);
	for (size_t i = 0; i < d->nwin; i++)
		window_free(d, d->win[i]);
	window_free(d, d->spare);	/* closed: never among the open ones */
	free(d->win);
	free(d->res);
	free(d->sums);
	free(d);
}

size_t
oed_drift_nfields(const struct oed_drift *d)
{
	return d->nfields;
}

struct field *
oed_drift_find_field(struct oed_drift *d, const char *path)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (oed_path_same(d->fields[i]->spec.path, path))
			return d->fields[i];
	return NULL;
}


int
oed_drift_add_field(struct oed_drift *d, const struct oed_drift_spec *spec, struct oed_err *err)
{
	struct field **fields, *fl;
	struct staged *staged;

	if ((fl = oed_drift_find_field(d, spec->path)) != NULL) {
		if (strcmp(fl->spec.path, spec->path) == 0)
			return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is named twice", spec->path);
		return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is '%s' again", spec->path,
				   fl->spec.path);
	}
	if (spec->test && spec->kind != OED_FK_AUTO &&
	    !oed_drift_test_fits(spec->test, spec->kind))
		return oed_err_set(err, OED_EX_USAGE, "--field: test '%s' does not apply to %s fields",
				   spec->test, oed_fkind_name(spec->kind));
	fields = realloc(d->fields, (d->nfields + 1) * sizeof(*fields));
	if (fields == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	d->fields = fields;
	staged = realloc(d->staged, (d->nfields + 1) * sizeof(*staged));
	if (staged == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	d->staged = staged;
	if ((fl = calloc(1, sizeof(*fl))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	fl->no = d->nfields;
	fl->spec.path = strdup(spec->path);
	fl->spec.test = spec->test ? strdup(spec->test) : NULL;
	fl->spec.kind = spec->kind;
	if (fl->spec.path != NULL &&
	    (fl->missing_name = malloc(strlen(fl->spec.path) + sizeof(":missing"))) != NULL)
		sprintf(fl->missing_name, "%s:missing", fl->spec.path);
	if (fl->spec.path == NULL || fl->missing_name == NULL || (spec->test && fl->spec.test == NULL)) {
		oed_drift_spec_release(&fl->spec);
		free(fl->missing_name);
		free(fl);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	d->fields[d->nfields++] = fl;
	/* a forced kind needs no values to decide it */
	if (spec->kind != OED_FK_AUTO && oed_drift_field_decide(d, fl, spec->kind) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

static struct feature *
feature_new(struct field *fl, enum derived der, enum holds holds, uint64_t seed, size_t no)
{
	struct feature *f = calloc(1, sizeof(*f));
	size_t len = strlen(fl->spec.path) + 16;

	if (f == NULL || (f->name = malloc(len)) == NULL) {
		free(f);
		return NULL;
	}
	if (der == D_NONE)
		snprintf(f->name, len, "%s", fl->spec.path);
	else
		snprintf(f->name, len, "%s:%s", fl->spec.path, oed_drift_derived_names[der]);
	f->field = fl;
	f->derived = der;
	f->holds = holds;
	oed_strdict_init(&f->dict, der == D_WORDS ? OED_DRIFT_MAX_WORDS : OED_DRIFT_MAX_CATEGORIES);
	/* each sample's reservoir has its own stream, fixed by the seed */
	f->s[REF].rng = seed ^ (UINT64_C(0x5851f42d4c957f2d) * (2 * no + 1));
	f->s[CUR].rng = seed ^ (UINT64_C(0x5851f42d4c957f2d) * (2 * no + 2));
	return f;
}

/* The kind is known: make the field's features. */
int
oed_drift_field_decide(struct oed_drift *d, struct field *fl, enum oed_fkind kind)
{
	size_t no = fl->no * 3;

	fl->kind = kind;
	switch (kind) {
	case OED_FK_NUMERIC:
		fl->feat[fl->nfeat++] = feature_new(fl, D_NONE, H_NUM, d->o.seed, no);
		break;
	case OED_FK_CATEGORICAL:
		fl->feat[fl->nfeat++] = feature_new(fl, D_NONE, H_CAT, d->o.seed, no);
		break;
	case OED_FK_VECTOR:
		fl->feat[fl->nfeat++] = feature_new(fl, D_NONE, H_VEC, d->o.seed, no);
		break;
	case OED_FK_TEXT:
		fl->feat[fl->nfeat++] = feature_new(fl, D_CHARS, H_NUM, d->o.seed, no);
		if (d->o.tok)
			fl->feat[fl->nfeat++] = feature_new(fl, D_TOKENS, H_NUM, d->o.seed, no + 1);
		fl->feat[fl->nfeat++] = feature_new(fl, D_WORDS, H_CAT, d->o.seed, no + 2);
		break;
	case OED_FK_AUTO:
		break;
	}
	for (size_t i = 0; i < fl->nfeat; i++)
		if (fl->feat[i] == NULL)
			return -1;
	return 0;
}

/* ---- open windows ---- */

/* Exchange the features' CUR samples and counts with w's parked ones. */
static void
exchange(struct oed_drift *d, struct window *w)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct field *fl = d->fields[i];
		uint64_t t;

		for (size_t j = 0; j < fl->nfeat; j++) {
			struct sample s = fl->feat[j]->s[CUR];

			fl->feat[j]->s[CUR] = w->s[3 * i + j];
			w->s[3 * i + j] = s;
		}
		t = fl->missing[CUR];
		fl->missing[CUR] = w->missing[i];
		w->missing[i] = t;
		t = fl->records[CUR];
		fl->records[CUR] = w->records[i];
		w->records[i] = t;
	}
}

static void
window_free(struct oed_drift *d, struct window *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; w->s && i < 3 * d->nfields; i++)
		sample_release(&w->s[i]);
	free(w->s);
	free(w->missing);
	free(w->records);
	free(w);
}

/*
 * Make w the window records go to: its samples become the features' CUR
 * samples.  The spare (the last window closed) is freed on the way: its
 * memory is reused only while no other window is open.
 */
static void
activate(struct oed_drift *d, struct window *w)
{
	if (d->active == w)
		return;
	if (d->active == NULL) {
		/* the first window: the features' empty samples are its own */
		d->active = w;
		return;
	}
	if (d->active) {
		exchange(d, d->active);
		if (d->active == d->spare) {
			window_free(d, d->spare);
			d->spare = NULL;
		}
	}
	exchange(d, w);
	d->active = w;
}

static struct window *
find_window(struct oed_drift *d, int64_t start)
{
	for (size_t i = d->nwin; i-- > 0;)
		if (d->win[i]->start == start)
			return d->win[i];
	return NULL;
}

/* The open window that starts at start, opened if need be; NULL out of memory. */
static struct window *
open_window(struct oed_drift *d, int64_t start)
{
	struct window *w = find_window(d, start);
	size_t at;

	if (w)
		return w;
	if (d->nwin == d->capwin) {
		size_t cap = d->capwin ? 2 * d->capwin : 4;
		struct window **p = realloc(d->win, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		d->win = p;
		d->capwin = cap;
	}
	if (d->spare && d->active == d->spare) {
		/* in order: the window just closed is emptied and reused, memory and all */
		w = d->spare;
		d->spare = NULL;
	} else {
		if ((w = calloc(1, sizeof(*w))) == NULL ||
		    (w->s = calloc(3 * d->nfields + 1, sizeof(*w->s))) == NULL ||
		    (w->missing = calloc(d->nfields + 1, sizeof(*w->missing))) == NULL ||
		    (w->records = calloc(d->nfields + 1, sizeof(*w->records))) == NULL) {
			window_free(d, w);
			return NULL;
		}
		/* each window's reservoir has its own stream, fixed by the seed and its start */
		for (size_t i = 0; i < 3 * d->nfields; i++)
			w->s[i].rng = d->o.seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(start + 1)) ^ i;
	}
	w->start = start;
	for (at = d->nwin; at > 0 && d->win[at - 1]->start > start; at--)
		d->win[at] = d->win[at - 1];
	d->win[at] = w;
	d->nwin++;
	return w;
}

/* ---- values ---- */

struct word_ctx {
	struct feature *f;
	int side;
};

static int
word_add(void *ctx, const char *w, size_t n)
{
	struct word_ctx *wc = ctx;
	int64_t id = oed_strdict_id(&wc->f->dict, w, n);

	if (id == -1)
		return -1;
	return oed_drift_sample_count(&wc->f->s[wc->side], id, 1);
}

/* Keep a text value in the sample being read; -1 on out of memory. */
static int
add_text(struct oed_drift *d, struct field *fl, int side, const char *s, size_t len)
{
	for (size_t i = 0; i < fl->nfeat; i++) {
		struct feature *f = fl->feat[i];
		double v;

		switch (f->derived) {
		case D_CHARS:
			v = (double)oed_utf8_count(s, len);
			if (oed_drift_sample_push(&f->s[side], &v, 1) == -1)
				return -1;
			break;
		case D_TOKENS: {
			size_t nt = oed_tokenizer_count(d->o.tok, s, len, false);

			if (nt == (size_t)-1)
				return -1;
			v = (double)nt;
			if (oed_drift_sample_push(&f->s[side], &v, 1) == -1)
				return -1;
			break;
		}
		case D_WORDS: {
			struct word_ctx wc = { f, side };

			if (len > d->wordcap) {
				char *buf = realloc(d->wordbuf, len);

				if (buf == NULL)
					return -1;
				d->wordbuf = buf;
				d->wordcap = len;
			}
			if (oed_words(s, len, d->wordbuf, word_add, &wc) == -1)
				return -1;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}
/* Keep a categorical value; -1 on out of memory. */
static int
add_category(struct feature *f, int side, const char *s, size_t len)
{
	int64_t id = oed_strdict_id(&f->dict, s, len);

	return id == -1 ? -1 : oed_drift_sample_count(&f->s[side], id, 1);
}

/* A category's text for a number or a boolean, as the record would print it. */
static size_t
category_text(const struct staged *st, const struct oed_value *v, char buf[32], const char **s)
{
	(void)st;
	switch (v->type) {
	case OED_V_TRUE:
		*s = "true";
		return 4;
	case OED_V_FALSE:
		*s = "false";
		return 5;
	case OED_V_NUMBER:
		*s = buf;
		return (size_t)oed_fmt_double(buf, v->num);
	default:
		*s = v->str;
		return v->len;
	}
}

/* The elements of a vector, checked; dim 0 takes the array's length.  0 or -1 with why. */
int
oed_drift_vector_check(json_t *arr, size_t *dim, const char **why)
{
	size_t n = json_array_size(arr);

	if (arr == NULL || n == 0) {
		*why = "an empty array is not a vector";
		return -1;
	}
	if (*dim && n != *dim) {
		*why = "a vector of another length than the first one";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!json_is_number(json_array_get(arr, i))) {
			*why = "a vector holds only numbers";
			return -1;
		}
	*dim = n;
	return 0;
}

static int
add_vector(struct field *fl, int side, json_t *arr)
{
	struct feature *f = fl->feat[0];
	double stackrow[64], *row = stackrow;
	size_t n = json_array_size(arr);
	int rc;

	if (f->dim == 0)
		f->dim = n;
	if (n > 64 && (row = malloc(n * sizeof(*row))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		row[i] = json_number_value(json_array_get(arr, i));
	rc = sample_row(&f->s[side], row, n);
	if (row != stackrow)
		free(row);
	return rc;
}

static int
probe_add(struct oed_drift *d, struct field *fl, const char *s, size_t len)
{
	char **p = realloc(fl->probe, (fl->nprobe + 1) * sizeof(*p));
	size_t *l;
	int64_t *win;

	if (p == NULL)
		return -1;
	fl->probe = p;
	if ((l = realloc(fl->plen, (fl->nprobe + 1) * sizeof(*l))) == NULL)
		return -1;
	fl->plen = l;
	if ((win = realloc(fl->pwin, (fl->nprobe + 1) * sizeof(*win))) == NULL)
		return -1;
	fl->pwin = win;
	win[fl->nprobe] = d->active ? d->active->start : 0;
	if ((p[fl->nprobe] = malloc(len + 1)) == NULL)
		return -1;
	memcpy(p[fl->nprobe], s, len);
	p[fl->nprobe][len] = '\0';
	l[fl->nprobe++] = len;
	return 0;
}

/*
 * Decide a probing field's kind, from its strings unless kind says it
 * (OED_FK_AUTO: infer), and keep them; -1 on out of memory.
 */
static int
probe_settle(struct oed_drift *d, struct field *fl, int side, enum oed_fkind kind)
{
	struct window *active = d->active;
	int rc = 0;

	if (fl->kind != OED_FK_AUTO || fl->nprobe == 0)
		return 0;
	if (kind == OED_FK_AUTO)
		kind = oed_drift_infer_strings((const char *const *)fl->probe, fl->plen, fl->nprobe);
	if (oed_drift_field_decide(d, fl, kind) == -1)
		return -1;
	for (size_t i = 0; i < fl->nprobe && rc == 0; i++) {
		/* each string into the window it came in, which is still open */
		if (side == CUR && d->active && fl->pwin[i] != d->active->start)
			activate(d, find_window(d, fl->pwin[i]));
		rc = fl->kind == OED_FK_TEXT ? add_text(d, fl, side, fl->probe[i], fl->plen[i])
					     : add_category(fl->feat[0], side, fl->probe[i], fl->plen[i]);
	}
	if (active)
		activate(d, active);
	probe_release(fl);
	return rc;
}

/*
 * Check a field's value in the record at hand against the field's kind
 * (deciding it on the first value when it is inferred).  0, or -1 with a
 * message in why for a bad record.
 */
static int
stage(struct field *fl, struct oed_reader *r, struct staged *st,
      const char **why, char *whybuf, size_t whysize)
{
	const struct oed_value *v = oed_reader_value(r, fl->ridx);
	enum oed_fkind kind = fl->kind;
	size_t dim;

	memset(st, 0, sizeof(*st));
	if (v->type == OED_V_MISSING || v->type == OED_V_NULL) {
		st->type = ST_MISSING;
		return 0;
	}
	if (kind == OED_FK_AUTO && fl->nprobe == 0) {
		/* the first value says what the field is (strings wait for more) */
		switch (v->type) {
		case OED_V_NUMBER:
			kind = OED_FK_NUMERIC;
			break;
		case OED_V_TRUE:
		case OED_V_FALSE:
			kind = OED_FK_CATEGORICAL;
			break;
		case OED_V_ARRAY:
			kind = OED_FK_VECTOR;
			break;
		case OED_V_STRING:
			break;
		default:
			snprintf(whybuf, whysize, "field '%s': an object is not a feature value",
				 fl->spec.path);
			*why = whybuf;
			return -1;
		}
	}
	switch (kind) {
	case OED_FK_NUMERIC:
		if (v->type != OED_V_NUMBER)
			goto wrong;
		st->type = ST_NUM;
		st->num = v->num;
		break;
	case OED_FK_CATEGORICAL:
		if (v->type == OED_V_ARRAY || v->type == OED_V_OBJECT)
			goto wrong;
		st->type = ST_STR;
		break;
	case OED_FK_AUTO:
		/* strings, then a number or a boolean: labels of mixed types */
		if (v->type == OED_V_NUMBER || v->type == OED_V_TRUE || v->type == OED_V_FALSE) {
			st->type = ST_STR;
			break;
		}
		/* fall through */
	case OED_FK_TEXT:
		if (v->type != OED_V_STRING)
			goto wrong;
		st->type = ST_STR;
		st->str = v->str;
		st->len = v->len;
		break;
	case OED_FK_VECTOR:
		if (v->type != OED_V_ARRAY)
			goto wrong;
		st->arr = oed_reader_json(r, fl->ridx);
		dim = fl->nfeat ? fl->feat[0]->dim : 0;
		if (oed_drift_vector_check(st->arr, &dim, why) == -1) {
			snprintf(whybuf, whysize, "field '%s': %s", fl->spec.path, *why);
			*why = whybuf;
			return -1;
		}
		st->type = ST_VEC;
		break;
	}
	return 0;
wrong:
	snprintf(whybuf, whysize, "field '%s': expected %s, got %s", fl->spec.path,
		 kind == OED_FK_NUMERIC ? "a number" :
		 kind == OED_FK_VECTOR ? "an array of numbers" :
		 kind == OED_FK_CATEGORICAL ? "a string, number or boolean" : "a string",
		 oed_vtype_name(v->type));
	*why = whybuf;
	return -1;
}

/* Keep a staged value of fl in side; -1 on out of memory. */
static int
commit(struct oed_drift *d, struct field *fl, struct oed_reader *r, const struct staged *st, int side)
{
	const struct oed_value *v;
	const char *s;
	char buf[32];
	size_t len;

	fl->records[side]++;
	if (oed_reader_value(r, fl->ridx)->type != OED_V_MISSING)
		fl->ever = true;
	if (st->type == ST_MISSING) {
		fl->missing[side]++;
		return 0;
	}
	if (fl->kind == OED_FK_AUTO) {
		v = oed_reader_value(r, fl->ridx);
		if (fl->nprobe > 0 && v->type != OED_V_STRING) {
			/* stage() let only numbers and booleans through: the field holds labels */
			if (probe_settle(d, fl, side, OED_FK_CATEGORICAL) == -1)
				return -1;
		} else if (v->type == OED_V_NUMBER) {
			return oed_drift_field_decide(d, fl, OED_FK_NUMERIC) == -1 ? -1 :
			       oed_drift_sample_push(&fl->feat[0]->s[side], &st->num, 1);
		} else if (v->type == OED_V_TRUE || v->type == OED_V_FALSE) {
			if (oed_drift_field_decide(d, fl, OED_FK_CATEGORICAL) == -1)
				return -1;
		} else if (v->type == OED_V_ARRAY) {
			return oed_drift_field_decide(d, fl, OED_FK_VECTOR) == -1 ? -1 : add_vector(fl, side, st->arr);
		} else {
			if (probe_add(d, fl, st->str, st->len) == -1)
				return -1;
			return fl->nprobe >= OED_DRIFT_PROBE ? probe_settle(d, fl, side, OED_FK_AUTO) : 0;
		}
	}
	switch (fl->kind) {
	case OED_FK_NUMERIC:
		return oed_drift_sample_push(&fl->feat[0]->s[side], &st->num, 1);
	case OED_FK_CATEGORICAL:
		len = category_text(st, oed_reader_value(r, fl->ridx), buf, &s);
		return add_category(fl->feat[0], side, s, len);
	case OED_FK_TEXT:
		return add_text(d, fl, side, st->str, st->len);
	case OED_FK_VECTOR:
		return add_vector(fl, side, st->arr);
	default:
		return 0;
	}
}

/* The record at hand: check every field first, so that a bad record leaves nothing behind.  0 or 1 (bad, why set). */
static int
check_record(struct oed_drift *d, struct oed_reader *r, const char **why, char *whybuf, size_t whysize)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (stage(d->fields[i], r, &d->staged[i], why, whybuf, whysize) == -1)
			return 1;
	return 0;
}

/* Keep every value of the checked record in side; -1 on out of memory. */
static int
keep_record(struct oed_drift *d, struct oed_reader *r, int side)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (commit(d, d->fields[i], r, &d->staged[i], side) == -1)
			return -1;
	return 0;
}

/* ---- the fields the records hold, for messages ---- */

#define KEYS_RECORDS 100	/* records of each input whose fields are listed */
#define KEYS_MAX 64		/* names kept */

void
oed_drift_key_add(struct oed_drift *d, const char *name)
{
	char **keys;

	if (d->nkeys >= KEYS_MAX)
		return;
	for (size_t i = 0; i < d->nkeys; i++)
		if (strcmp(d->keys[i], name) == 0)
			return;
	if ((keys = realloc(d->keys, (d->nkeys + 1) * sizeof(*keys))) == NULL)
		return;
	d->keys = keys;
	if ((keys[d->nkeys] = strdup(name)) != NULL)
		d->nkeys++;
}

/* The record's fields and those of its objects one level down ("meta.lang"); messages only. */
static void
keys_of(struct oed_drift *d, struct oed_reader *r)
{
	json_t *root = oed_reader_root(r), *v, *w;
	const char *k, *k2;

	json_object_foreach(root, k, v) {
		oed_drift_key_add(d, k);
		if (json_is_object(v)) {
			json_object_foreach(v, k2, w) {
				char *name = malloc(strlen(k) + strlen(k2) + 2);

				if (name == NULL)
					continue;
				sprintf(name, "%s.%s", k, k2);
				oed_drift_key_add(d, name);
				free(name);
			}
		}
	}
}

/*
 * Every field named must be in some record of either input: a typo would
 * otherwise test nothing and pass a gate.  0, or -1 with err set (usage).
 */
static int
check_fields_held(struct oed_drift *d, struct oed_err *err)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const char *name = d->fields[i]->spec.path, *near;
		size_t len;

		if (d->fields[i]->ever)
			continue;
		near = oed_did_you_mean(name, (const char *const *)d->keys, d->nkeys);
		if (near)
			oed_err_set(err, OED_EX_USAGE, "no record has field '%s' (did you mean '%s'?); "
				    "fields seen:", name, near);
		else
			oed_err_set(err, OED_EX_USAGE, "no record has field '%s'; fields seen:", name);
		len = strlen(err->msg);
		for (size_t k = 0; k < d->nkeys; k++) {
			size_t n = strlen(d->keys[k]);

			if (len + n + 8 >= sizeof(err->msg)) {
				snprintf(err->msg + len, sizeof(err->msg) - len, " ...");
				break;
			}
			len += (size_t)snprintf(err->msg + len, sizeof(err->msg) - len, "%s %s",
						k ? "," : "", d->keys[k]);
		}
		if (d->nkeys == 0)
			snprintf(err->msg + len, sizeof(err->msg) - len, " none");
		return -1;
	}
	return 0;
}


/* ---- reading ---- */

static int
want_fields(struct oed_drift *d, struct oed_reader *r, struct oed_err *err)
{
	for (size_t i = 0; i < d->nfields; i++)
		if ((d->fields[i]->ridx = oed_reader_want(r, d->fields[i]->spec.path, err)) < 0) {
			err->status = OED_EX_USAGE;
			return -1;
		}
	return 0;
}

/* The sample being read is complete: settle the fields still probing. */
static int
settle_all(struct oed_drift *d, int side, struct oed_err *err)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (probe_settle(d, d->fields[i], side, OED_FK_AUTO) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

static int check_tests(struct oed_drift *d, struct oed_err *err);

int
oed_drift_read_ref(struct oed_drift *d, struct oed_reader *r, struct oed_err *err)
{
	char whybuf[384];
	const char *why;
	int rc;

	if (want_fields(d, r, err) == -1)
		return -1;
	oed_progress_phase(&d->prog, "reference", "records", 0);
	oed_progress_reader(&d->prog, r);
	while ((rc = oed_reader_next(r, err)) == 1) {
		oed_progress_tick(&d->prog, oed_reader_records(r));
		if (oed_reader_records(r) <= KEYS_RECORDS)
			keys_of(d, r);
		if (check_record(d, r, &why, whybuf, sizeof(whybuf)) == 1) {
			if (oed_reader_bad(r, err, "%s", why) == -1)
				return -1;
			continue;
		}
		if (keep_record(d, r, REF) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	oed_progress_reader(&d->prog, NULL);	/* r is the caller's, freed next */
	if (rc == -1)
		return -1;
	if (oed_reader_records(r) == 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input: the reference is empty");
	d->have_ref = true;
	/* the kinds are known now: a test that does not apply need not wait for the current records */
	if (settle_all(d, REF, err) == -1)
		return -1;
	return check_tests(d, err);
}

/* The window at hand is the reference of the later ones: move it there. */
static void
promote(struct oed_drift *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct field *fl = d->fields[i];

		for (size_t j = 0; j < fl->nfeat; j++) {
			struct feature *f = fl->feat[j];
			struct sample t = f->s[REF];

			f->ref_ordered = false;
			f->s[REF] = f->s[CUR];
			f->s[CUR] = t;
			sample_reset(&f->s[CUR], f->dim);
			/* the next window draws its own reservoir */
			f->s[CUR].rng = f->s[REF].rng ^ UINT64_C(0xd1b54a32d192ed03);
		}
		fl->missing[REF] = fl->missing[CUR];
		fl->missing[CUR] = 0;
		fl->records[REF] = fl->records[CUR];
		fl->records[CUR] = 0;
	}
	d->have_ref = true;
}

static void
reset_cur(struct oed_drift *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct field *fl = d->fields[i];

		for (size_t j = 0; j < fl->nfeat; j++)
			sample_reset(&fl->feat[j]->s[CUR], fl->feat[j]->dim);
		fl->missing[CUR] = 0;
		fl->records[CUR] = 0;
	}
}

static int compare_all(struct oed_drift *d, struct oed_writer *w, bool windowed,
		       int64_t start, int64_t end, struct oed_err *err);
static void write_summary(struct oed_drift *d, struct oed_writer *w, const struct summary *s);

/*
 * The current sample (the active window, or all of it) is complete: compare
 * it, or make it the reference.
 */
static int
close_sample(struct oed_drift *d, struct oed_writer *w, int64_t start, struct oed_err *err)
{
	if (settle_all(d, CUR, err) == -1)
		return -1;
	if (!d->have_ref) {
		promote(d);
		return 0;
	}
	if (compare_all(d, w, d->o.time != NULL, start, start + d->o.window, err) == -1)
		return -1;
	reset_cur(d);
	return 0;
}

/*
 * Close the first open window: its findings are written and flushed, so
 * that a stream shows each window as it ends; a gap since the window
 * closed before it is noted.  0 or -1 (err set).
 */
static int
close_first_window(struct oed_drift *d, struct oed_writer *w, struct oed_err *err)
{
	struct window *win = d->win[0];
	char a[OED_RFC3339_SIZE], b[OED_RFC3339_SIZE];

	activate(d, win);
	if (d->closed_any && win->start > d->closed_end) {
		long long gap = (long long)((win->start - d->closed_end) / d->o.window);

		oed_drift_window_text(d->closed_end, a);
		oed_drift_window_text(win->start, b);
		oed_note("no records from %s to %s: %lld empty window%s skipped", a, b, gap,
			 gap == 1 ? "" : "s");
	}
	if (close_sample(d, w, win->start, err) == -1)
		return -1;
	memmove(d->win, d->win + 1, (d->nwin - 1) * sizeof(*d->win));
	d->nwin--;
	d->closed_end = win->start + d->o.window;
	d->closed_any = true;
	/* win stays active, emptied: the next window in order reuses it */
	d->spare = win;
	d->unflushed = true;
	return 0;
}

/*
 * Before the reader may wait for input, write out the windows closed
 * since: a stream shows each window when the next starts, and a file
 * costs one flush per chunk read, not one per window.  0 or -1.
 */
static int
flush_before_wait(struct oed_drift *d, struct oed_reader *r, struct oed_writer *w,
		  struct oed_err *err)
{
	if (!d->unflushed || oed_reader_buffered(r))
		return 0;
	d->unflushed = false;
	if (fflush(w->fp) == EOF)
		return oed_err_set(err, OED_EX_FAIL, "write error: %s", strerror(errno));
	return 0;
}

/* Whether the first open window is complete: a record at least --lateness past its end was read. */
static bool
first_window_done(const struct oed_drift *d, double newest)
{
	return d->nwin > 0 &&
	       (double)(d->win[0]->start + d->o.window) / 1000 <= newest - (double)d->o.lateness / 1000;
}

/*
 * The window of a good record at time t: late (0 with *late set), or open,
 * after closing every window complete by then.  0, or -1 (err set).
 */
static int
window_of(struct oed_drift *d, struct oed_reader *r, double t, int64_t ws, struct oed_writer *w,
	  struct oed_err *err)
{
	struct window *win;

	if (t > d->newest || d->nwin == 0)
		d->newest = fmax(t, d->newest);
	while (first_window_done(d, d->newest))
		if (close_first_window(d, w, err) == -1)
			return -1;
	(void)r;
	if ((win = open_window(d, ws)) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	activate(d, win);
	return 0;
}

int
oed_drift_read_cur(struct oed_drift *d, struct oed_reader *r, struct oed_writer *w,
		   struct oed_err *err)
{
	char whybuf[384], a[OED_RFC3339_SIZE], b[OED_RFC3339_SIZE];
	const char *why;
	int tidx = -1, rc;
	uint64_t windows = 0;

	if (want_fields(d, r, err) == -1)
		return -1;
	if (d->o.time && (tidx = oed_reader_want(r, d->o.time, err)) < 0) {
		err->status = OED_EX_USAGE;
		return -1;
	}
	d->newest = -INFINITY;
	oed_progress_phase(&d->prog, "read", "records", 0);
	oed_progress_reader(&d->prog, r);
	while ((rc = flush_before_wait(d, r, w, err)) == 0 && (rc = oed_reader_next(r, err)) == 1) {
		int64_t ws = 0;
		double t = 0;

		oed_progress_tick(&d->prog, oed_reader_records(r));
		if (oed_reader_records(r) <= KEYS_RECORDS)
			keys_of(d, r);

		if (tidx >= 0) {
			const struct oed_value *tv = oed_reader_value(r, tidx);

			if (oed_drift_time_of(tv, &t, &why) == -1) {
				if (oed_reader_bad(r, err, "field '%s': %s", d->o.time, why) == -1)
					return -1;
				continue;
			}
			ws = oed_time_window_start(t, d->o.window);
			if (d->closed_any && ws < d->closed_end) {
				char late[OED_DURATION_SIZE];

				oed_drift_window_text(ws, a);
				if (d->o.lateness == 0) {
					oed_drift_window_text(oed_time_window_start(d->newest, d->o.window), b);
					rc = oed_reader_bad(r, err, "out of time order: its window %s is before "
							    "the window at hand, %s", a, b);
				} else {
					oed_duration_format(d->o.lateness, late);
					rc = oed_reader_bad(r, err, "out of time order: more than --lateness "
							    "%s before the latest record, and its window %s "
							    "is closed", late, a);
				}
				if (rc == -1)
					return -1;
				continue;
			}
			/*
			 * Check the record against the kinds that closing a window
			 * or opening a second one decides (the probes so far).
			 */
			if ((first_window_done(d, fmax(t, d->newest)) ||
			     (d->nwin > 0 && find_window(d, ws) == NULL)) && settle_all(d, CUR, err) == -1)
				return -1;
		}
		if (check_record(d, r, &why, whybuf, sizeof(whybuf)) == 1) {
			if (oed_reader_bad(r, err, "%s", why) == -1)
				return -1;
			continue;
		}
		if (tidx >= 0) {
			if (find_window(d, ws) == NULL)
				windows++;
			if (window_of(d, r, t, ws, w, err) == -1)
				return -1;
		}
		if (keep_record(d, r, CUR) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	oed_progress_reader(&d->prog, NULL);	/* r is the caller's */
	if (rc == -1)
		return -1;
	if (oed_reader_records(r) == 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input: the current input is empty");
	if (check_fields_held(d, err) == -1)
		return -1;
	if (tidx < 0) {
		if (close_sample(d, w, 0, err) == -1)
			return -1;
	}
	while (d->nwin > 0)
		if (close_first_window(d, w, err) == -1)
			return -1;
	if (!d->have_ref || (tidx >= 0 && windows == 0) || d->compared == 0) {
		/* nothing was compared: say so, and still end with a summary */
		if (tidx >= 0 && windows == 0)
			oed_warn("no current records: nothing to compare");
		else if (d->compared == 0)
			oed_warn("only one window: nothing to compare it with");
		write_summary(d, w, &(struct summary){ 0 });
	}
	return 0;
}
/* ---- comparing ---- */

static enum oed_fkind
holds_kind(const struct feature *f)
{
	return f->holds == H_NUM ? OED_FK_NUMERIC : f->holds == H_CAT ? OED_FK_CATEGORICAL : OED_FK_VECTOR;
}

static int
push_result(struct oed_drift *d, const struct oed_drift_finding *res)
{
	if (d->nres == d->capres) {
		size_t cap = d->capres ? d->capres * 2 : 16;
		struct oed_drift_finding *p = realloc(d->res, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		d->res = p;
		d->capres = cap;
	}
	d->res[d->nres++] = *res;
	return 0;
}

static int
push_summary(struct oed_drift *d, const struct summary *s)
{
	if (d->nsums == d->capsums) {
		size_t cap = d->capsums ? d->capsums * 2 : 8;
		struct summary *p = realloc(d->sums, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		d->sums = p;
		d->capsums = cap;
	}
	d->sums[d->nsums++] = *s;
	return 0;
}

/* share and the dataset-drift rule, the same for output and store */
double
oed_drift_summary_share(const struct summary *s)
{
	return s->features ? (double)s->drifted / (double)s->features : 0;
}

bool
oed_drift_summary_drift(const struct oed_drift *d, const struct summary *s)
{
	return s->drifted > 0 && (d->o.gate_any || oed_drift_summary_share(s) >= d->o.share);
}

/* The rule of oed_drift_summary_drift() in words, for the summary record: "any" or "share >= 0.5". */
static void
gate_text(const struct oed_drift *d, char out[48])
{
	char num[32];

	if (d->o.gate_any) {
		strcpy(out, "any");
		return;
	}
	oed_fmt_double(num, d->o.share);
	snprintf(out, 48, "share >= %s", num);
}

static void
write_summary(struct oed_drift *d, struct oed_writer *w, const struct summary *s)
{
	char gate[48];

	oed_progress_clear();	/* a record on a terminal never follows the progress line */
	oed_w_begin(w);
	oed_w_str(w, "kind", "drift.summary");
	oed_w_uint(w, "features", s->features);
	oed_w_uint(w, "drifted", s->drifted);
	/* the names an alert wants, without a second pass over the findings */
	oed_w_arr_begin(w, "drifted_features");
	for (size_t i = s->first; i < s->end; i++)
		if (d->res[i].ran && d->res[i].drift)
			oed_w_str(w, NULL, d->res[i].feature);
	oed_w_arr_end(w);
	oed_w_num(w, "share", oed_drift_summary_share(s));
	gate_text(d, gate);
	oed_w_str(w, "gate", gate);
	oed_w_bool(w, "dataset_drift", oed_drift_summary_drift(d, s));
	if (s->windowed) {
		oed_w_str(w, "window_start", d->bounds[0]);
		oed_w_str(w, "window_end", d->bounds[1]);
	}
	if (d->o.run > 0)
		oed_w_int(w, "run", d->o.run);
	oed_w_end(w);
}

/* A finding, its window's bounds (if windowed) already written out as text. */
static void
write_finding(struct oed_writer *w, const struct oed_drift_finding *res, const char *start,
	      const char *end)
{
	oed_progress_clear();
	oed_w_begin(w);
	oed_w_str(w, "kind", "drift");
	oed_w_str(w, "feature", res->feature);
	oed_w_str(w, "feature_kind", res->feature_kind);
	if (res->test)
		oed_w_str(w, "test", res->test);
	else
		oed_w_null(w, "test");
	if (res->method)
		oed_w_str(w, "method", res->method);
	else
		oed_w_null(w, "method");
	/* JSON has no infinity: an infinite statistic says so in its notes */
	if (!res->ran || !isfinite(res->statistic))
		oed_w_null(w, "statistic");
	else
		oed_w_num(w, "statistic", res->statistic);
	if (isnan(res->p_value))
		oed_w_null(w, "p_value");
	else
		oed_w_num(w, "p_value", res->p_value);
	if (!isnan(res->df))
		oed_w_num(w, "df", res->df);
	if (isnan(res->threshold))
		oed_w_null(w, "threshold");
	else
		oed_w_num(w, "threshold", res->threshold);
	oed_w_bool(w, "drift", res->drift);
	oed_w_uint(w, "n_ref", res->n_ref);
	if (res->n_ref_recorded)
		oed_w_uint(w, "n_ref_recorded", res->n_ref_recorded);
	oed_w_uint(w, "n_cur", res->n_cur);
	oed_w_uint(w, "missing_ref", res->missing_ref);
	oed_w_uint(w, "missing_cur", res->missing_cur);
	if (res->new_categories >= 0)
		oed_w_int(w, "new_categories", res->new_categories);
	if (res->windowed) {
		oed_w_str(w, "window_start", start);
		oed_w_str(w, "window_end", end);
	}
	oed_w_str(w, "reason", res->reason);
	if (res->note[0])
		oed_w_str(w, "note", res->note);
	if (res->notes) {
		oed_w_arr_begin(w, "notes");
		for (unsigned bit = 1; bit <= res->notes; bit <<= 1)
			if (res->notes & bit)
				oed_w_str(w, NULL, oed_drift_note_text(bit));
		oed_w_arr_end(w);
	}
	oed_w_end(w);
}

void
oed_drift_write_finding(struct oed_writer *w, const struct oed_drift_finding *res)
{
	char a[OED_RFC3339_SIZE] = "", b[OED_RFC3339_SIZE] = "";

	if (res->windowed) {
		oed_drift_window_text(res->window_start, a);
		oed_drift_window_text(res->window_end, b);
	}
	write_finding(w, res, a, b);
}

/* Values of the sample as the tests count them. */
uint64_t
oed_drift_sample_size(const struct feature *f, int side)
{
	return f->holds == H_NUM ? f->s[side].n : f->s[side].total;
}

/* The count of category id in sample s (0 past its table). */
static uint64_t
count_of(const struct sample *s, uint32_t id)
{
	return id < s->ncnt ? s->cnt[id] : 0;
}

/* Categories seen in either sample (the other bucket counts as one). */
static size_t
categories_seen(const struct feature *f, long long *unseen)
{
	const struct sample *r = &f->s[REF], *c = &f->s[CUR];
	size_t n = r->nseen;

	*unseen = 0;
	for (size_t i = 0; i < c->nseen; i++)
		*unseen += count_of(r, c->seen[i]) == 0;
	n += (size_t)*unseen;
	n += r->other || c->other;
	*unseen += c->other && !r->other;
	return n;
}

/*
 * The test a feature runs and why: the field's own (--field F:K:T), else
 * --test, else the automatic table.  A test named for all fields that
 * does not fit this feature's values leaves it to the table.
 */
static const char *
choose_test(struct oed_drift *d, const struct feature *f, uint64_t n_ref, size_t ncat,
	    char *reason, size_t size, struct oed_err *err)
{
	enum oed_fkind k = holds_kind(f);
	const char *t = f->field->spec.test;

	if (t) {
		if (oed_drift_test_fits(t, k)) {
			snprintf(reason, size, "--field %s", f->field->spec.path);
			return t;
		}
		/* a text field's test need fit only some of its features, but one at least */
		if (f->derived == D_NONE || !oed_drift_test_fits(t, f->field->kind)) {
			oed_err_set(err, OED_EX_USAGE, "field '%s' is %s: test '%s' does not apply",
				    f->field->spec.path, oed_fkind_name(f->field->kind), t);
			return NULL;
		}
	}
	if (d->o.test && oed_drift_test_fits(d->o.test, k)) {
		snprintf(reason, size, "--test");
		return d->o.test;
	}
	t = oed_drift_auto_test(k, n_ref, ncat, reason, size);
	if (d->o.test) {
		size_t len = strlen(reason);

		snprintf(reason + len, size - len, "; --test %s is not for %s values", d->o.test,
			 oed_fkind_name(k));
	}
	return t;
}

static double
test_threshold(const struct oed_drift *d, const char *name)
{
	const struct oed_drift_test *t = oed_drift_test_find(name);

	if (!isnan(d->o.threshold))
		return d->o.threshold;
	return t ? t->threshold : NAN;
}

/* qsort_r's comparison: ids of the dictionary passed as ctx, in byte order of their names */
static int
name_cmp(const void *p, const void *q, void *ctx)
{
	uint32_t a = *(const uint32_t *)p, b = *(const uint32_t *)q;

	return oed_strdict_cmp(ctx, a, b);
}

/*
 * The two count tables of a categorical feature, categories in byte order
 * of their names and the "other" bucket last, so that a reference read
 * from records and one loaded from a baseline give the same sums in the
 * same order.  The reference's order is sorted once; each comparison
 * sorts only the categories new in the current sample and merges them
 * in, so a window costs O(R + C log C) for R reference and C new
 * categories.  Returns the number of categories, or (size_t)-1.
 */
static size_t
count_tables(struct feature *f, double **rc, double **cc)
{
	const struct sample *r = &f->s[REF], *c = &f->s[CUR];
	size_t nr = r->nseen, nnew = 0, k = 0, i = 0, j = 0;
	uint32_t *fresh = malloc((c->nseen ? c->nseen : 1) * sizeof(*fresh));

	*rc = calloc(nr + c->nseen + 1, sizeof(**rc));
	*cc = calloc(nr + c->nseen + 1, sizeof(**cc));
	if (!f->ref_ordered) {
		uint32_t *order = realloc(f->ref_order, (nr ? nr : 1) * sizeof(*order));

		if (order != NULL) {
			f->ref_order = order;
			memcpy(order, r->seen, nr * sizeof(*order));
			qsort_r(order, nr, sizeof(*order), name_cmp, &f->dict);
			f->ref_ordered = true;
		}
	}
	if (fresh == NULL || *rc == NULL || *cc == NULL || !f->ref_ordered) {
		free(fresh);
		free(*rc);
		free(*cc);
		return (size_t)-1;
	}
	for (size_t q = 0; q < c->nseen; q++)
		if (count_of(r, c->seen[q]) == 0)
			fresh[nnew++] = c->seen[q];
	qsort_r(fresh, nnew, sizeof(*fresh), name_cmp, &f->dict);
	while (i < nr || j < nnew) {
		uint32_t id;

		if (j == nnew || (i < nr && oed_strdict_cmp(&f->dict, f->ref_order[i], fresh[j]) < 0))
			id = f->ref_order[i++];
		else
			id = fresh[j++];
		(*rc)[k] = (double)count_of(r, id);
		(*cc)[k++] = (double)count_of(c, id);
	}
	if (r->other || c->other) {
		(*rc)[k] = (double)r->other;
		(*cc)[k++] = (double)c->other;
	}
	free(fresh);
	return k;
}

/*
 * Run test name on feature f's two samples into res.  A test that cannot
 * run on these data (too few values, more than two categories for z) is
 * not a failure of the run: the finding says why, with no statistic.
 * 0, or -1 with err set (out of memory).
 */
static int
run_test(struct oed_drift *d, struct feature *f, const char *name, struct oed_drift_finding *res,
	 struct oed_err *err)
{
	struct oed_drift_params p = OED_DRIFT_PARAMS_INIT;
	struct oed_drift_result r;
	struct oed_err e;
	struct sample *sr = &f->s[REF], *sc = &f->s[CUR];
	const struct oed_drift_test *t = oed_drift_test_find(name);
	int rc;

	if (t == NULL)
		return oed_drift_test_unknown("--test", name, err);
	p.threshold = d->o.threshold;
	p.seed = d->o.seed;
	if (d->o.permutations)
		p.permutations = d->o.permutations;
	if (d->o.bins)
		p.bins = d->o.bins;
	if (d->o.epsilon > 0)
		p.epsilon = d->o.epsilon;
	if (d->o.base)
		p.log_base = d->o.log_base;
	p.max_rows = OED_DRIFT_MAX_ROWS;
	/* windows go by as the read goes on: its line stays; a single comparison shows its tests */
	p.progress = d->o.time ? NULL : oed_progress_handle(&d->prog);
	oed_err_clear(&e);
	switch (f->holds) {
	case H_NUM:
		if ((rc = oed_drift_sample_sort(sr, &e)) == 0 && (rc = oed_drift_sample_sort(sc, &e)) == 0) {
			p.sorted = true;
			rc = oed_drift_numeric(t, sr->x, sr->n, sc->x, sc->n, &p, &r, &e);
		}
		break;
	case H_CAT: {
		double *rcnt, *ccnt;
		size_t k = count_tables(f, &rcnt, &ccnt);

		if (k == (size_t)-1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		rc = oed_drift_categorical(t, rcnt, ccnt, k, &p, &r, &e);
		free(rcnt);
		free(ccnt);
		break;
	}
	default:
		if (t->flags & OED_DTF_MEANS) {
			/* the means of every row, not of the rows kept for mmd */
			double *m = malloc(2 * f->dim * sizeof(*m));

			if (m == NULL)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			rc = 0;
			for (size_t k = 0; k < f->dim; k++) {
				m[k] = sr->colsum[k] / (double)sr->total;
				m[f->dim + k] = sc->colsum[k] / (double)sc->total;
				if (!isfinite(m[k]) || !isfinite(m[f->dim + k]))
					rc = oed_err_set(&e, OED_EX_DATA, "the embedding values are too "
							 "large to sum (they overflow)");
			}
			if (rc == 0)
				rc = oed_drift_vector(t, m, 1, m + f->dim, 1, f->dim, &p, &r, &e);
			free(m);
		} else {
			rc = oed_drift_vector(t, sr->x, sr->n, sc->x, sc->n, f->dim, &p, &r, &e);
		}
		break;
	}
	if (rc == -1) {
		if (e.status == OED_EX_FAIL) {
			*err = e;
			return -1;
		}
		/* the data cannot carry this test: say so in the finding */
		snprintf(res->reason + strlen(res->reason), sizeof(res->reason) - strlen(res->reason),
			 "; %.150s", e.msg);
		return 0;
	}
	res->statistic = r.statistic;
	res->p_value = r.has_p ? r.p_value : NAN;
	res->threshold = r.threshold;
	res->drift = r.drift;
	res->method = r.method;
	res->df = r.df;
	res->notes |= r.notes;
	res->ran = true;
	return 0;
}

static unsigned
test_min_n(const char *name)
{
	const struct oed_drift_test *t = oed_drift_test_find(name);

	return t ? t->min_n : 0;
}

/*
 * F:missing, the test of a change in how often field fl is missing (absent
 * or null): a field that vanishes from the current records, or appears in
 * them, is drift of its own, whatever its values do.  Written when either
 * sample has a record without the field and one has a record with it: the
 * 2 x 2 table (records with and without the field, in each sample) goes
 * to the two-proportion z test, or to Fisher's exact test when an expected
 * count is below 5.  0, or -1 (err set: out of memory).
 */
static int
missing_rate(struct oed_drift *d, struct field *fl, struct oed_writer *w, struct summary *sum,
	     struct oed_err *err)
{
	uint64_t nr = fl->records[REF], nc = fl->records[CUR], mr = fl->missing[REF], mc = fl->missing[CUR];
	struct oed_drift_params p = OED_DRIFT_PARAMS_INIT;
	struct oed_drift_finding res;
	struct oed_drift_result r;
	const struct oed_drift_test *t;
	double rc[2], cc[2], held, gone, least;
	struct oed_err e;

	if (nr == 0 || nc == 0 || (mr == 0 && mc == 0) || (mr == nr && mc == nc))
		return 0;
	rc[0] = (double)(nr - mr);
	rc[1] = (double)mr;
	cc[0] = (double)(nc - mc);
	cc[1] = (double)mc;
	held = rc[0] + cc[0];
	gone = rc[1] + cc[1];
	/* the smallest expected count of the table: smaller row times smaller column over the total */
	least = fmin((double)nr, (double)nc) * fmin(held, gone) / (double)(nr + nc);
	t = oed_drift_test_find(least < 5 ? "fisher" : "z");
	memset(&res, 0, sizeof(res));
	res.feature = fl->missing_name;
	res.feature_kind = oed_fkind_name(fl->kind);
	res.test = t->name;
	res.missing_rate = true;
	res.n_ref = nr;
	res.n_cur = nc;
	res.missing_ref = mr;
	res.missing_cur = mc;
	res.new_categories = -1;
	res.windowed = sum->windowed;
	res.window_start = sum->window_start;
	res.window_end = sum->window_end;
	res.df = NAN;
	snprintf(res.reason, sizeof(res.reason), "missing rate%s",
		 least < 5 ? ", an expected count below 5" : "");
	p.threshold = d->o.threshold;
	oed_err_clear(&e);
	if (oed_drift_categorical(t, rc, cc, 2, &p, &r, &e) == -1)
		return oed_err_set(err, e.status ? e.status : OED_EX_FAIL, "%s", e.msg);
	res.statistic = r.statistic;
	res.p_value = r.p_value;
	res.threshold = r.threshold;
	res.drift = r.drift;
	res.method = r.method;
	res.notes = r.notes;
	res.ran = true;
	sum->features++;
	sum->drifted += res.drift;
	if (push_result(d, &res) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	write_finding(w, &res, d->bounds[0], d->bounds[1]);
	return 0;
}

/* A test named for a field whose kind it does not fit is a usage error; 0 or -1 (err set). */
static int
check_tests(struct oed_drift *d, struct oed_err *err)
{
	for (size_t i = 0; i < d->nfields; i++) {
		for (size_t j = 0; j < d->fields[i]->nfeat; j++) {
			char reason[96];

			if (choose_test(d, d->fields[i]->feat[j], 0, 0, reason, sizeof(reason), err) == NULL)
				return -1;
		}
	}
	return 0;
}

static int
compare_all(struct oed_drift *d, struct oed_writer *w, bool windowed, int64_t start, int64_t end,
	    struct oed_err *err)
{
	struct summary sum = { 0, 0, windowed, start, end, d->nres, 0 };

	/* the window's bounds as text once, for all its records */
	if (windowed) {
		oed_drift_window_text(start, d->bounds[0]);
		oed_drift_window_text(end, d->bounds[1]);
	}

	if (check_tests(d, err) == -1)
		return -1;
	for (size_t i = 0; i < d->nfields; i++) {
		struct field *fl = d->fields[i];
		struct oed_drift_finding res;

		if (fl->nfeat == 0) {
			/* never a value: nothing to test */
			memset(&res, 0, sizeof(res));
			res.feature = fl->spec.path;
			res.feature_kind = oed_fkind_name(fl->kind);
			res.statistic = res.p_value = res.threshold = res.df = NAN;
			res.missing_ref = fl->missing[REF];
			res.missing_cur = fl->missing[CUR];
			res.new_categories = -1;
			res.windowed = windowed;
			res.window_start = start;
			res.window_end = end;
			snprintf(res.reason, sizeof(res.reason), "no values in either sample");
			if (push_result(d, &res) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			write_finding(w, &res, d->bounds[0], d->bounds[1]);
			continue;
		}
		for (size_t j = 0; j < fl->nfeat; j++) {
			struct feature *f = fl->feat[j];
			long long unseen = -1;
			size_t ncat = f->holds == H_CAT ? categories_seen(f, &unseen) : 0;
			char reason[96];
			unsigned min_n;

			memset(&res, 0, sizeof(res));
			res.feature = f->name;
			res.feature_kind = oed_fkind_name(fl->kind);
			res.n_ref = oed_drift_sample_size(f, REF);
			res.n_cur = oed_drift_sample_size(f, CUR);
			if (f->holds == H_NUM && f->base_n > res.n_ref) {
				res.n_ref_recorded = f->base_n;
				res.notes |= OED_DN_SUMMARISED;
			}
			res.missing_ref = fl->missing[REF];
			res.missing_cur = fl->missing[CUR];
			res.new_categories = unseen;
			res.windowed = windowed;
			res.window_start = start;
			res.window_end = end;
			res.statistic = res.p_value = res.df = NAN;
			res.test = choose_test(d, f, res.n_ref, ncat, reason, sizeof(reason), err);
			if (res.test == NULL)
				return -1;
			res.threshold = test_threshold(d, res.test);
			min_n = test_min_n(res.test);
			if (res.n_ref == 0 || res.n_cur == 0) {
				snprintf(res.reason, sizeof(res.reason), "%s; no values in the %s sample",
					 reason, res.n_ref == 0 ? "reference" : "current");
			} else if (res.n_ref < min_n || res.n_cur < min_n) {
				/* too few values for a fixed threshold to mean anything: not counted */
				snprintf(res.reason, sizeof(res.reason), "%s", reason);
				snprintf(res.note, sizeof(res.note), "%s %llu < minimum %u for %s",
					 res.n_ref < min_n ? "n_ref" : "n_cur",
					 (unsigned long long)(res.n_ref < min_n ? res.n_ref : res.n_cur),
					 min_n, res.test);
			} else {
				snprintf(res.reason, sizeof(res.reason), "%s", reason);
				if (run_test(d, f, res.test, &res, err) == -1)
					return -1;
				/* the reservoir, not the test, left rows out */
				if (res.ran && f->holds == H_VEC && strcmp(res.test, "mmd") == 0 &&
				    (f->s[REF].total > f->s[REF].n || f->s[CUR].total > f->s[CUR].n))
					res.notes |= OED_DN_SUBSAMPLED;
				if (res.ran) {
					sum.features++;
					sum.drifted += res.drift;
				}
			}
			if (push_result(d, &res) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			write_finding(w, &res, d->bounds[0], d->bounds[1]);
		}
		if (missing_rate(d, fl, w, &sum, err) == -1)
			return -1;
	}
	sum.end = d->nres;
	d->found |= oed_drift_summary_drift(d, &sum);
	d->compared++;
	write_summary(d, w, &sum);
	if (d->o.keep_findings) {
		if (push_summary(d, &sum) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	} else if (d->o.time != NULL) {
		/* a stream keeps nothing of the windows it has written */
		d->nres = sum.first;
	}
	return 0;
}

bool
oed_drift_found(const struct oed_drift *d)
{
	return d->found;
}

const struct oed_drift_finding *
oed_drift_findings(const struct oed_drift *d, size_t *n)
{
	*n = d->nres;
	return d->res;
}
int
oed_drift_time_of(const struct oed_value *v, double *t, const char **why)
{
	switch (v->type) {
	case OED_V_MISSING:
	case OED_V_NULL:
		*why = "no timestamp";
		return -1;
	case OED_V_NUMBER:
		/* years 1 to 9999: what RFC 3339 can write back */
		if (!(v->num >= OED_TIME_MIN && v->num < OED_TIME_END)) {
			*why = "epoch seconds out of the years 1 to 9999";
			return -1;
		}
		*t = v->num;
		return 0;
	case OED_V_STRING:
		if (oed_time_parse(v->str, v->len, t) == -1 || !(*t >= OED_TIME_MIN && *t < OED_TIME_END)) {
			*why = "not an RFC 3339 date-time such as 2026-11-22T10:00:00Z";
			return -1;
		}
		return 0;
	default:
		*why = "a timestamp is an RFC 3339 string or a number of epoch seconds";
		return -1;
	}
}
