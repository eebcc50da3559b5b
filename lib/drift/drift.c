/* drift.c: the oed-drift engine (see drift.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* qsort_r */
#endif
#include "config.h"
#include "drift.h"
#include "exit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "drifttest.h"
#include "field.h"
#include "sortpack.h"
#include "progress.h"
#include "utf8.h"
#include "splitmix.h"
#include "strdict.h"
#include "time.h"
#include "words.h"

/* ---- the tests (drifttest.h) ---- */

/* Whether test name applies to a field or feature of kind (text: to one of its features). */
static bool
test_fits(const char *name, enum oed_fkind kind)
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
			if ((near = oed_drift_closest(c1 + 1, names, n)) != NULL)
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
static void
window_text(int64_t ms, char out[OED_RFC3339_SIZE])
{
	oed_time_to_rfc3339((double)ms / 1000, out);
}

/* ---- samples ---- */

enum { REF, CUR };
enum holds { H_NUM, H_CAT, H_VEC };
enum derived { D_NONE, D_CHARS, D_TOKENS, D_WORDS };
static const char *const derived_names[] = { "", "length_chars", "length_tokens", "words" };

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
	/* windows */
	bool in_window;
	int64_t ws;
	uint64_t window_no;
	/* results */
	struct oed_drift_finding *res;
	size_t nres, capres;
	struct summary *sums;
	size_t nsums, capsums;
	bool found;
};

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

static int
sample_push(struct sample *s, const double *v, size_t k)
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

static int
sample_count(struct sample *s, int64_t id, uint64_t k)
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
		return sample_push(s, row, dim);
	j = oed_splitmix64(&s->rng) % (i + 1);
	if (j < OED_DRIFT_MAX_ROWS)
		memcpy(s->x + j * dim, row, dim * sizeof(*row));
	return 0;
}

/* Sort a numeric sample once (drifttest's radix sort); 0 or -1 (err set). */
static int
sample_sort(struct sample *s, struct oed_err *err)
{
	if (!s->sorted && oed_drift_sort(s->x, s->n, err) == -1)
		return -1;
	s->sorted = true;
	return 0;
}
/* ---- the engine ---- */

struct oed_drift *
oed_drift_new(const struct oed_drift_opts *opts, struct oed_err *err)
{
	struct oed_drift *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	d->o = *opts;
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
	fl->probe = NULL;
	fl->plen = NULL;
	fl->nprobe = 0;
}

void
oed_drift_free(struct oed_drift *d)
{
	if (d == NULL)
		return;
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
	free(d->res);
	free(d->sums);
	free(d);
}

size_t
oed_drift_nfields(const struct oed_drift *d)
{
	return d->nfields;
}

static struct field *
find_field(struct oed_drift *d, const char *path)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (oed_path_same(d->fields[i]->spec.path, path))
			return d->fields[i];
	return NULL;
}

static int field_decide(struct oed_drift *d, struct field *fl, enum oed_fkind kind);

int
oed_drift_add_field(struct oed_drift *d, const struct oed_drift_spec *spec, struct oed_err *err)
{
	struct field **fields, *fl;
	struct staged *staged;

	if ((fl = find_field(d, spec->path)) != NULL) {
		if (strcmp(fl->spec.path, spec->path) == 0)
			return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is named twice", spec->path);
		return oed_err_set(err, OED_EX_USAGE, "--field: '%s' is '%s' again", spec->path,
				   fl->spec.path);
	}
	if (spec->test && spec->kind != OED_FK_AUTO &&
	    !test_fits(spec->test, spec->kind))
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
	if (spec->kind != OED_FK_AUTO && field_decide(d, fl, spec->kind) == -1)
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
		snprintf(f->name, len, "%s:%s", fl->spec.path, derived_names[der]);
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
static int
field_decide(struct oed_drift *d, struct field *fl, enum oed_fkind kind)
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
	return sample_count(&wc->f->s[wc->side], id, 1);
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
			if (sample_push(&f->s[side], &v, 1) == -1)
				return -1;
			break;
		case D_TOKENS: {
			size_t nt = oed_tokenizer_count(d->o.tok, s, len, false);

			if (nt == (size_t)-1)
				return -1;
			v = (double)nt;
			if (sample_push(&f->s[side], &v, 1) == -1)
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

	return id == -1 ? -1 : sample_count(&f->s[side], id, 1);
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
static int
vector_check(json_t *arr, size_t *dim, const char **why)
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
probe_add(struct field *fl, const char *s, size_t len)
{
	char **p = realloc(fl->probe, (fl->nprobe + 1) * sizeof(*p));
	size_t *l;

	if (p == NULL)
		return -1;
	fl->probe = p;
	if ((l = realloc(fl->plen, (fl->nprobe + 1) * sizeof(*l))) == NULL)
		return -1;
	fl->plen = l;
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
	int rc = 0;

	if (fl->kind != OED_FK_AUTO || fl->nprobe == 0)
		return 0;
	if (kind == OED_FK_AUTO)
		kind = oed_drift_infer_strings((const char *const *)fl->probe, fl->plen, fl->nprobe);
	if (field_decide(d, fl, kind) == -1)
		return -1;
	for (size_t i = 0; i < fl->nprobe && rc == 0; i++)
		rc = fl->kind == OED_FK_TEXT ? add_text(d, fl, side, fl->probe[i], fl->plen[i])
					     : add_category(fl->feat[0], side, fl->probe[i], fl->plen[i]);
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
		if (vector_check(st->arr, &dim, why) == -1) {
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
			return field_decide(d, fl, OED_FK_NUMERIC) == -1 ? -1 :
			       sample_push(&fl->feat[0]->s[side], &st->num, 1);
		} else if (v->type == OED_V_TRUE || v->type == OED_V_FALSE) {
			if (field_decide(d, fl, OED_FK_CATEGORICAL) == -1)
				return -1;
		} else if (v->type == OED_V_ARRAY) {
			return field_decide(d, fl, OED_FK_VECTOR) == -1 ? -1 : add_vector(fl, side, st->arr);
		} else {
			if (probe_add(fl, st->str, st->len) == -1)
				return -1;
			return fl->nprobe >= OED_DRIFT_PROBE ? probe_settle(d, fl, side, OED_FK_AUTO) : 0;
		}
	}
	switch (fl->kind) {
	case OED_FK_NUMERIC:
		return sample_push(&fl->feat[0]->s[side], &st->num, 1);
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

static void
key_add(struct oed_drift *d, const char *name)
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
		key_add(d, k);
		if (json_is_object(v)) {
			json_object_foreach(v, k2, w) {
				char *name = malloc(strlen(k) + strlen(k2) + 2);

				if (name == NULL)
					continue;
				sprintf(name, "%s.%s", k, k2);
				key_add(d, name);
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
		near = oed_drift_closest(name, (const char *const *)d->keys, d->nkeys);
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

	struct oed_progress prog;

	if (want_fields(d, r, err) == -1)
		return -1;
	oed_progress_init(&prog, d->o.quiet, "reference records", 0);
	while ((rc = oed_reader_next(r, err)) == 1) {
		oed_progress_tick(&prog, oed_reader_records(r));
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
	oed_progress_done(&prog, oed_reader_records(r));
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

/* The current sample (a window, or all of it) is complete: compare it, or make it the reference. */
static int
close_sample(struct oed_drift *d, struct oed_writer *w, struct oed_err *err)
{
	int64_t start = d->ws, end = d->ws + d->o.window;

	if (settle_all(d, CUR, err) == -1)
		return -1;
	if (!d->have_ref) {
		promote(d);
		return 0;
	}
	if (compare_all(d, w, d->o.time != NULL, start, end, err) == -1)
		return -1;
	reset_cur(d);
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
	struct oed_progress prog;

	if (want_fields(d, r, err) == -1)
		return -1;
	if (d->o.time && (tidx = oed_reader_want(r, d->o.time, err)) < 0) {
		err->status = OED_EX_USAGE;
		return -1;
	}
	oed_progress_init(&prog, d->o.quiet, "records", 0);
	while ((rc = oed_reader_next(r, err)) == 1) {
		int64_t ws = 0;

		oed_progress_tick(&prog, oed_reader_records(r));
		if (oed_reader_records(r) <= KEYS_RECORDS)
			keys_of(d, r);

		if (tidx >= 0) {
			const struct oed_value *tv = oed_reader_value(r, tidx);
			double t;

			if (oed_drift_time_of(tv, &t, &why) == -1) {
				if (oed_reader_bad(r, err, "field '%s': %s", d->o.time, why) == -1)
					return -1;
				continue;
			}
			ws = oed_time_window_start(t, d->o.window);
			if (d->in_window && ws < d->ws) {
				window_text(ws, a);
				window_text(d->ws, b);
				if (oed_reader_bad(r, err, "out of time order: its window %s is before "
						   "the window at hand, %s", a, b) == -1)
					return -1;
				continue;
			}
		}
		/*
		 * Check the record before it may close a window, against the
		 * kinds that closing decides (the first window's probes).
		 */
		if (tidx >= 0 && d->in_window && ws > d->ws && settle_all(d, CUR, err) == -1)
			return -1;
		if (check_record(d, r, &why, whybuf, sizeof(whybuf)) == 1) {
			if (oed_reader_bad(r, err, "%s", why) == -1)
				return -1;
			continue;
		}
		if (tidx >= 0) {
			if (d->in_window && ws > d->ws) {
				int64_t gap = (ws - d->ws) / d->o.window - 1;

				if (close_sample(d, w, err) == -1)
					return -1;
				if (gap > 0) {
					window_text(d->ws + d->o.window, a);
					window_text(ws, b);
					oed_note("no records from %s to %s: %lld empty window%s skipped",
						 a, b, (long long)gap, gap == 1 ? "" : "s");
				}
			}
			if (!d->in_window || ws != d->ws)
				windows++;
			d->in_window = true;
			d->ws = ws;
		}
		if (keep_record(d, r, CUR) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	oed_progress_done(&prog, oed_reader_records(r));
	if (rc == -1)
		return -1;
	if (oed_reader_records(r) == 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input: the current input is empty");
	if (check_fields_held(d, err) == -1)
		return -1;
	if (tidx < 0 || d->in_window) {
		if (close_sample(d, w, err) == -1)
			return -1;
	}
	if (!d->have_ref || (tidx >= 0 && windows == 0) || d->nsums == 0) {
		/* nothing was compared: say so, and still end with a summary */
		if (tidx >= 0 && windows == 0)
			oed_warn("no current records: nothing to compare");
		else if (d->nsums == 0)
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
static double
summary_share(const struct summary *s)
{
	return s->features ? (double)s->drifted / (double)s->features : 0;
}

static bool
summary_drift(const struct oed_drift *d, const struct summary *s)
{
	return s->drifted > 0 && (d->o.gate_any || summary_share(s) >= d->o.share);
}

/* The rule of summary_drift() in words, for the summary record: "any" or "share >= 0.5". */
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
	oed_w_num(w, "share", summary_share(s));
	gate_text(d, gate);
	oed_w_str(w, "gate", gate);
	oed_w_bool(w, "dataset_drift", summary_drift(d, s));
	if (s->windowed) {
		char a[OED_RFC3339_SIZE];

		window_text(s->window_start, a);
		oed_w_str(w, "window_start", a);
		window_text(s->window_end, a);
		oed_w_str(w, "window_end", a);
	}
	oed_w_end(w);
}

void
oed_drift_write_finding(struct oed_writer *w, const struct oed_drift_finding *res)
{
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
		char a[OED_RFC3339_SIZE];

		window_text(res->window_start, a);
		oed_w_str(w, "window_start", a);
		window_text(res->window_end, a);
		oed_w_str(w, "window_end", a);
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

/* Values of the sample as the tests count them. */
static uint64_t
sample_size(const struct feature *f, int side)
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
		if (test_fits(t, k)) {
			snprintf(reason, size, "--field %s", f->field->spec.path);
			return t;
		}
		/* a text field's test need fit only some of its features, but one at least */
		if (f->derived == D_NONE || !test_fits(t, f->field->kind)) {
			oed_err_set(err, OED_EX_USAGE, "field '%s' is %s: test '%s' does not apply",
				    f->field->spec.path, oed_fkind_name(f->field->kind), t);
			return NULL;
		}
	}
	if (d->o.test && test_fits(d->o.test, k)) {
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
	oed_err_clear(&e);
	switch (f->holds) {
	case H_NUM:
		if ((rc = sample_sort(sr, &e)) == 0 && (rc = sample_sort(sc, &e)) == 0) {
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
	oed_drift_write_finding(w, &res);
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
			oed_drift_write_finding(w, &res);
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
			res.n_ref = sample_size(f, REF);
			res.n_cur = sample_size(f, CUR);
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
			oed_drift_write_finding(w, &res);
		}
		if (missing_rate(d, fl, w, &sum, err) == -1)
			return -1;
	}
	sum.end = d->nres;
	if (push_summary(d, &sum) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	d->found |= summary_drift(d, &sum);
	write_summary(d, w, &sum);
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
/* ---- the run store ---- */

static int
metric(struct oed_store *s, int64_t run, const char *test, const char *what, const char *grp,
       double v, struct oed_err *err)
{
	char name[96];

	if (test)
		snprintf(name, sizeof(name), "%s/%s", test, what);
	else
		snprintf(name, sizeof(name), "%s", what);
	return oed_metric_add(s, run, name, grp, v, NAN, NAN, err);
}

static void
group_name(char *out, size_t size, const char *name, bool windowed, int64_t start)
{
	char a[OED_RFC3339_SIZE];

	if (!windowed) {
		snprintf(out, size, "%s", name);
		return;
	}
	window_text(start, a);
	snprintf(out, size, "%s@%s", name, a);
}

/* What a later --baseline needs of a feature's reference, as JSON (caller decrefs). */
/* Set key of obj to v (stolen), or note a failure: jansson answers NULL or -1 when out of memory. */
static void
put(json_t *obj, const char *key, json_t *v, bool *bad)
{
	if (v == NULL || json_object_set_new(obj, key, v) == -1)
		*bad = true;
}

static void
push(json_t *arr, json_t *v, bool *bad)
{
	if (v == NULL || json_array_append_new(arr, v) == -1)
		*bad = true;
}

/* What --baseline needs of f's reference, as JSON (caller decrefs); NULL when out of memory. */
static json_t *
baseline_json(struct oed_drift *d, struct feature *f, size_t seq)
{
	struct sample *s = &f->s[REF];
	json_t *j = json_object(), *a;
	bool bad = j == NULL;

	if (bad)
		return NULL;
	/* version 2 packs numeric values (sortpack.h); version 1 listed them */
	put(j, "version", json_integer(2), &bad);
	put(j, "seq", json_integer((json_int_t)seq), &bad);
	put(j, "field", json_string(f->field->spec.path), &bad);
	if (f->derived != D_NONE)
		put(j, "derived", json_string(derived_names[f->derived]), &bad);
	if (f->derived == D_TOKENS)
		put(j, "encoding", json_string(d->o.tok_name), &bad);
	put(j, "missing", json_integer((json_int_t)f->field->missing[REF]), &bad);
	switch (f->holds) {
	case H_NUM: {
		size_t bound = d->o.baseline_values ? d->o.baseline_values : OED_DRIFT_BASELINE_VALUES;
		size_t keep = s->n > bound ? bound : s->n;
		double *kept = s->x;
		char *packed = NULL;

		if (sample_sort(s, &(struct oed_err){ 0 }) == -1) {
			json_decref(j);
			return NULL;
		}
		put(j, "n", json_integer((json_int_t)s->n), &bad);
		/* above the bound, evenly spaced order statistics stand for the sample */
		put(j, "exact", json_boolean(keep == s->n), &bad);
		put(j, "kept", json_integer((json_int_t)keep), &bad);
		if (keep < s->n && (kept = malloc(keep * sizeof(*kept))) != NULL)
			for (size_t i = 0; i < keep; i++)
				kept[i] = s->x[(size_t)(((double)i + 0.5) * (double)s->n / (double)keep)];
		/* an empty reference packs to "" */
		if (keep == 0 || kept != NULL)
			packed = oed_sortpack_encode(kept, keep);
		if (kept != s->x)
			free(kept);
		put(j, "packed", packed ? json_string(packed) : NULL, &bad);
		free(packed);
		break;
	}
	case H_CAT:
		/* [name, count] pairs, not an object: a name may hold a NUL, which keys cannot */
		put(j, "n", json_integer((json_int_t)s->total), &bad);
		if ((a = json_array()) == NULL)
			bad = true;
		for (size_t i = 0; a && i < oed_strdict_size(&f->dict); i++)
			if (i < s->ncnt && s->cnt[i]) {
				size_t len;
				const char *name = oed_strdict_name(&f->dict, (uint32_t)i, &len);

				push(a, json_pack("[s%I]", name, len, (json_int_t)s->cnt[i]), &bad);
			}
		put(j, "categories", a, &bad);
		put(j, "other", json_integer((json_int_t)s->other), &bad);
		break;
	case H_VEC:
		put(j, "n", json_integer((json_int_t)s->total), &bad);
		put(j, "dim", json_integer((json_int_t)f->dim), &bad);
		if ((a = json_array()) == NULL)
			bad = true;
		/* a sum past the largest double is null: the mean tests then say it overflowed */
		for (size_t k = 0; a && s->colsum && k < f->dim; k++)
			push(a, isfinite(s->colsum[k]) ? json_real(s->colsum[k]) : json_null(), &bad);
		put(j, "sum", a, &bad);
		if ((a = json_array()) == NULL)
			bad = true;
		for (size_t i = 0; a && i < s->n; i++) {
			json_t *row = json_array();

			for (size_t k = 0; row && k < f->dim; k++)
				push(row, json_real(s->x[i * f->dim + k]), &bad);
			push(a, row, &bad);
		}
		put(j, "rows", a, &bad);
		break;
	}
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
store_baselines(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s,
		"INSERT INTO drift_baselines (run_id, feature, kind, summary) VALUES (?, ?, ?, ?)", err);
	size_t seq = 0;
	int rc = 0;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < d->nfields && rc == 0; i++) {
		struct field *fl = d->fields[i];
		bool ref_empty = true, typed;
		size_t rows;

		for (size_t j = 0; j < fl->nfeat; j++)
			ref_empty &= sample_size(fl->feat[j], REF) == 0;
		/*
		 * A reference that never held the field did not tell its kind
		 * (the current records did, or nothing did): one row says so,
		 * kind auto, unless --field forced the kind.
		 */
		typed = fl->nfeat > 0 && !(ref_empty && fl->spec.kind == OED_FK_AUTO);

		rows = typed ? fl->nfeat : 1;
		for (size_t j = 0; j < rows && rc == 0; j++) {
			json_t *js = typed ? baseline_json(d, fl->feat[j], seq++) :
				     json_pack("{s:i, s:I, s:s, s:I, s:i}", "version", 2, "seq", (json_int_t)seq++,
					       "field", fl->spec.path, "missing", (json_int_t)fl->missing[REF],
					       "n", 0);
			char *text = js ? json_dumps(js, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;

			json_decref(js);
			if (text == NULL) {
				rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
				break;
			}
			sqlite3_bind_int64(st, 1, run);
			sqlite3_bind_text(st, 2, typed ? fl->feat[j]->name : fl->spec.path, -1,
					  SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, typed ? oed_fkind_name(fl->kind) : "auto", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 4, text, -1, free);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = oed_store_fail(s, err, "saving a baseline");
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
oed_drift_store(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err)
{
	char grp[512];
	size_t k = 0;

	for (size_t i = 0; i < d->nres; i++) {
		const struct oed_drift_finding *r = &d->res[i];

		if (r->test == NULL || isnan(r->statistic))
			continue;
		group_name(grp, sizeof(grp), r->feature, r->windowed, r->window_start);
		if (metric(s, run, r->test, "statistic", grp, r->statistic, err) == -1 ||
		    (!isnan(r->p_value) && metric(s, run, r->test, "p_value", grp, r->p_value, err) == -1) ||
		    metric(s, run, r->test, "drift", grp, r->drift, err) == -1 ||
		    metric(s, run, NULL, "n_ref", grp, (double)r->n_ref, err) == -1 ||
		    metric(s, run, NULL, "n_cur", grp, (double)r->n_cur, err) == -1)
			return -1;
	}
	for (; k < d->nsums; k++) {
		const struct summary *sm = &d->sums[k];

		group_name(grp, sizeof(grp), "drift.summary", sm->windowed, sm->window_start);
		if (metric(s, run, NULL, "features", grp, (double)sm->features, err) == -1 ||
		    metric(s, run, NULL, "drifted", grp, (double)sm->drifted, err) == -1 ||
		    metric(s, run, NULL, "share", grp, summary_share(sm), err) == -1 ||
		    metric(s, run, NULL, "dataset_drift", grp, summary_drift(d, sm), err) == -1)
			return -1;
	}
	/* a reference read from records is kept; one loaded from a baseline already is */
	if (d->have_ref && !d->from_baseline)
		return store_baselines(d, s, run, err);
	return 0;
}
/* ---- --baseline RUN ---- */

/* A count a baseline row gives: key of j is an integer of at least min, into *out. */
static bool
stored_count(const json_t *j, const char *key, uint64_t min, uint64_t *out)
{
	const json_t *v = json_object_get(j, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < min)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static int
load_numeric(struct feature *f, json_t *j, struct oed_err *err)
{
	json_t *vals = json_object_get(j, "values"), *packed = json_object_get(j, "packed"), *v;
	json_int_t kept = json_integer_value(json_object_get(j, "kept"));
	struct sample *s = &f->s[REF];
	size_t i;

	if (json_is_string(packed)) {
		if (kept < 0 || (size_t)kept > json_string_length(packed))	/* a value takes a byte at least */
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
		if ((s->x = malloc(((size_t)kept ? (size_t)kept : 1) * sizeof(*s->x))) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		s->cap = kept ? (size_t)kept : 1;
		if (oed_sortpack_decode(json_string_value(packed), json_string_length(packed), s->x,
					(size_t)kept) == -1)
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
		s->n = (size_t)kept;
		s->sorted = true;
	} else if (json_is_array(vals)) {
		json_array_foreach(vals, i, v) {
			double x = json_number_value(v);

			if (!json_is_number(v) || !isfinite(x))
				return oed_err_set(err, OED_EX_DATA, "baseline of '%s' holds a value that is not "
						   "a number", f->name);
			if (sample_push(s, &x, 1) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
	} else {
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' has no values", f->name);
	}
	if (!stored_count(j, "n", s->n, &f->base_n))
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
	return 0;
}

/* One category of a baseline and its count into the reference. */
static int
load_category(struct feature *f, const char *name, size_t len, json_t *v, struct oed_err *err)
{
	int64_t id;

	if (name == NULL || !json_is_integer(v) || json_integer_value(v) <= 0)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s': a count is not a positive integer",
				   f->name);
	/* counts past 2^53 would not even add exactly as the tests' doubles */
	if (json_integer_value(v) > (json_int_t)1 << 53 ||
	    f->s[REF].total + (uint64_t)json_integer_value(v) > UINT64_C(1) << 53)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s': the counts are too large", f->name);
	if ((id = oed_strdict_id(&f->dict, name, len)) == -1 ||
	    sample_count(&f->s[REF], id, (uint64_t)json_integer_value(v)) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

static int
load_categorical(struct feature *f, json_t *j, struct oed_err *err)
{
	json_t *cats = json_object_get(j, "categories"), *v;
	const char *key;
	json_int_t other = json_integer_value(json_object_get(j, "other"));
	size_t i;

	if (json_is_array(cats)) {
		json_array_foreach(cats, i, v) {
			json_t *name = json_array_get(v, 0);

			if (load_category(f, json_string_value(name), json_string_length(name),
					  json_array_get(v, 1), err) == -1)
				return -1;
		}
	} else if (json_is_object(cats)) {
		/* version 1: an object of counts */
		json_object_foreach(cats, key, v)
			if (load_category(f, key, strlen(key), v, err) == -1)
				return -1;
	} else {
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' has no categories", f->name);
	}
	if (other < 0 || other > (json_int_t)1 << 53 ||
	    f->s[REF].total + (uint64_t)other > UINT64_C(1) << 53)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s': the counts are too large", f->name);
	if (other > 0 && sample_count(&f->s[REF], OED_STRDICT_OTHER, (uint64_t)other) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}

static int
load_vector(struct feature *f, json_t *j, struct oed_err *err)
{
	json_t *rows = json_object_get(j, "rows"), *sum = json_object_get(j, "sum"), *row;
	struct sample *s = &f->s[REF];
	size_t dim = (size_t)json_integer_value(json_object_get(j, "dim")), i;
	double *r;

	if (json_is_array(rows) && json_array_size(rows) == 0 &&
	    json_integer_value(json_object_get(j, "n")) == 0)
		return 0;	/* no row in the reference: the current rows give the length */
	if (!json_is_array(rows) || !json_is_array(sum) || dim == 0 || json_array_size(sum) != dim)
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not a vector summary", f->name);
	f->dim = dim;
	if ((r = malloc(dim * sizeof(*r))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	json_array_foreach(rows, i, row) {
		const char *why;
		size_t rd = dim;

		if (vector_check(row, &rd, &why) == -1) {
			free(r);
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s': %s", f->name, why);
		}
		for (size_t k = 0; k < dim; k++)
			r[k] = json_number_value(json_array_get(row, k));
		if (sample_push(s, r, dim) == -1) {
			free(r);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
	}
	free(r);
	if ((s->colsum = calloc(dim, sizeof(*s->colsum))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t k = 0; k < dim; k++) {
		json_t *v = json_array_get(sum, k);

		if (!json_is_number(v) && !json_is_null(v))
			return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not a vector summary",
					   f->name);
		/* null: a sum past the largest double */
		s->colsum[k] = json_is_null(v) ? INFINITY : json_number_value(v);
	}
	if (!stored_count(j, "n", s->n, &s->total))
		return oed_err_set(err, OED_EX_DATA, "baseline of '%s' is not readable", f->name);
	return 0;
}
/*
 * The feature a recorded baseline row is for: *out, or NULL when this run
 * does not test it (a field not asked for, token lengths not asked for).
 * Without --field every recorded field is made.  0 or -1 (err set).
 */
static int
baseline_feature(struct oed_drift *d, const char *path, const char *derived, enum oed_fkind kind,
		 const json_t *recorded, int64_t run, struct feature **out, struct oed_err *err)
{
	struct field *fl = find_field(d, path);
	enum derived der = D_NONE;

	*out = NULL;
	if (fl == NULL) {
		struct oed_drift_spec spec = { (char *)path, kind, NULL };
		bool named = false;
		size_t i;
		json_t *e;

		if (recorded == NULL)
			return 0;	/* --field named the fields, not this one */
		/* the field as the run tested it: its own test, if it named one */
		json_array_foreach(recorded, i, e) {
			const char *field = json_string_value(json_object_get(e, "field"));

			if (field && strcmp(field, path) == 0) {
				named = true;
				spec.test = (char *)json_string_value(json_object_get(e, "test"));
			}
		}
		/* a run tested against another's baseline may have tested fewer fields */
		if (!named && json_array_size(recorded) > 0)
			return 0;
		if (spec.test && !test_fits(spec.test, kind))
			spec.test = NULL;

		if (oed_drift_add_field(d, &spec, err) == -1)
			return -1;
		fl = d->fields[d->nfields - 1];
	}
	if (kind == OED_FK_AUTO) {
		/* never seen in the reference: the current values will say what it is */
		fl->from_baseline = true;
		return 0;
	}
	if (fl->spec.kind != OED_FK_AUTO && fl->spec.kind != kind)
		return oed_err_set(err, OED_EX_USAGE, "--baseline: field '%s' is %s in run %lld, not %s",
				   path, oed_fkind_name(kind), (long long)run, oed_fkind_name(fl->spec.kind));
	if (fl->spec.test && !test_fits(fl->spec.test, kind))
		return oed_err_set(err, OED_EX_USAGE, "--field: test '%s' does not apply to %s field '%s'",
				   fl->spec.test, oed_fkind_name(kind), path);
	if (fl->nfeat == 0 && field_decide(d, fl, kind) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	fl->from_baseline = true;
	for (int k = D_CHARS; derived && k <= D_WORDS; k++)
		if (strcmp(derived, derived_names[k]) == 0)
			der = (enum derived)k;
	for (size_t i = 0; i < fl->nfeat; i++)
		if (fl->feat[i]->derived == der)
			*out = fl->feat[i];
	return 0;
}

/* Run's row: an oed-drift run, and its parameters (caller decrefs; NULL if none).  0 or -1. */
static int
baseline_run(struct oed_store *s, int64_t run, json_t **params, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT tool, params FROM runs WHERE id = ?", err);
	const char *text;
	int rc = 0, step;

	*params = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (step != SQLITE_DONE)
			return oed_store_fail(s, err, "reading the runs");
		return oed_err_set(err, OED_EX_USAGE, "--baseline: no run %lld in the store '%s'",
				   (long long)run, oed_store_path(s));
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "oed-drift") != 0) {
		rc = oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld is an %s run, not oed-drift",
				 (long long)run, (const char *)sqlite3_column_text(st, 0));
	} else if ((text = (const char *)sqlite3_column_text(st, 1)) != NULL) {
		*params = json_loads(text, 0, NULL);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The run that holds the reference of run: itself, or, for a run that
 * was itself tested against a baseline (--record --baseline B), the run
 * that holds B's.  0 when none does; -1 (err set).
 */
static int64_t
baseline_holder(struct oed_store *s, int64_t run, json_t *params, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(s, "SELECT count(*) FROM drift_baselines WHERE run_id = ?",
					     err);
	int64_t holder = run, rows = 0;
	json_t *own = NULL;

	if (st == NULL)
		return -1;
	for (;;) {
		json_int_t base = json_integer_value(json_object_get(params, "baseline"));

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, holder);
		if (sqlite3_step(st) != SQLITE_ROW) {
			holder = oed_store_fail(s, err, "reading the baselines");
			break;
		}
		if ((rows = sqlite3_column_int64(st, 0)) > 0)
			break;
		/* runs only refer back, so this ends */
		if (base <= 0 || base >= holder) {
			holder = 0;
			break;
		}
		holder = base;
		json_decref(own);
		if (baseline_run(s, holder, &own, err) == -1) {
			holder = -1;
			break;
		}
		params = own;
	}
	json_decref(own);
	sqlite3_finalize(st);
	return holder;
}

int
oed_drift_load_baseline(struct oed_drift *d, struct oed_store *s, int64_t run, struct oed_err *err)
{
	sqlite3_stmt *st;
	json_t *params, *recorded = NULL;
	int64_t holder;
	int rc = 0, step;
	size_t rows = 0;

	if (baseline_run(s, run, &params, err) == -1)
		return -1;
	if (d->nfields == 0) {
		/* no --field: every field of the run, each with the test it named */
		recorded = json_object_get(params, "fields");
		if (!json_is_array(recorded))
			recorded = json_array();	/* an empty list: nothing named */
		else
			json_incref(recorded);
	}
	holder = baseline_holder(s, run, params, err);
	json_decref(params);
	if (holder <= 0) {
		json_decref(recorded);
		if (holder == 0)
			return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld recorded no baseline",
					   (long long)run);
		return -1;
	}
	st = oed_store_prepare(s, "SELECT kind, summary FROM drift_baselines WHERE run_id = ? ORDER BY rowid", err);
	if (st == NULL) {
		json_decref(recorded);
		return -1;
	}
	sqlite3_bind_int64(st, 1, holder);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kname = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);
		const char *path = json_string_value(json_object_get(j, "field"));
		const char *der = json_string_value(json_object_get(j, "derived"));
		const char *enc = json_string_value(json_object_get(j, "encoding"));
		enum oed_fkind kind;
		struct feature *f;
		struct field *wanted;
		uint64_t missing;

		rows++;
		if (j == NULL || path == NULL || kname == NULL ||
		    oed_fkind_parse(kname, strlen(kname), &kind) == -1 ||
		    (kind == OED_FK_AUTO && json_integer_value(json_object_get(j, "n")) != 0)) {
			json_decref(j);
			rc = oed_err_set(err, OED_EX_DATA, "--baseline: run %lld: a baseline is not readable",
					 (long long)run);
			break;
		}
		if (baseline_feature(d, path, der, kind, recorded, run, &f, err) == -1) {
			json_decref(j);
			rc = -1;
			break;
		}
		wanted = find_field(d, path);
		if (!stored_count(j, "missing", 0, &missing)) {
			json_decref(j);
			rc = oed_err_set(err, OED_EX_DATA, "--baseline: run %lld: a baseline is not readable",
					 (long long)run);
			break;
		}
		key_add(d, path);
		if (f == NULL && kind == OED_FK_AUTO && wanted != NULL) {
			wanted->missing[REF] = missing;
			wanted->records[REF] = missing;
		}
		if (f == NULL) {
			/* a feature the run tested cannot silently drop out of the verdict */
			if (der && strcmp(der, "length_tokens") == 0 && d->o.tok == NULL && wanted != NULL) {
				rc = oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld tested the token "
						 "lengths of '%s': give -T %s", (long long)run, path,
						 enc ? enc : "ENCODING");
				json_decref(j);
				break;
			}
			json_decref(j);
			continue;
		}
		if (f->loaded) {
			rc = oed_err_set(err, OED_EX_DATA, "--baseline: run %lld holds the baseline of '%s' "
					 "twice", (long long)run, f->name);
		} else if (f->derived == D_TOKENS && (enc == NULL || strcmp(enc, d->o.tok_name) != 0)) {
			rc = oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld counted the tokens of '%s' "
					 "with %s, not %s", (long long)run, path, enc ? enc : "?", d->o.tok_name);
		} else {
			f->field->missing[REF] = missing;
			rc = f->holds == H_NUM ? load_numeric(f, j, err) :
			     f->holds == H_CAT ? load_categorical(f, j, err) : load_vector(f, j, err);
			f->loaded = true;
			/* the field's first feature has one value per record that holds it */
			if (rc == 0 && f == f->field->feat[0]) {
				f->field->records[REF] = missing + (f->holds == H_NUM ? f->base_n : f->s[REF].total);
				f->field->ever |= f->field->records[REF] > missing;
			}
		}
		json_decref(j);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = oed_store_fail(s, err, "reading the baselines");
	sqlite3_finalize(st);
	json_decref(recorded);
	if (rc == -1)
		return -1;
	if (rows == 0)
		return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld recorded no baseline",
				   (long long)run);
	for (size_t i = 0; i < d->nfields; i++) {
		struct field *fl = d->fields[i];

		if (!fl->from_baseline)
			return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld has no field '%s'",
					   (long long)run, fl->spec.path);
		for (size_t k = 0; k < fl->nfeat; k++)
			if (!fl->feat[k]->loaded)
				return oed_err_set(err, OED_EX_USAGE, "--baseline: run %lld has no %s "
						   "(recorded without --tokens)", (long long)run, fl->feat[k]->name);
	}
	d->have_ref = true;
	d->from_baseline = true;
	return 0;
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

char *
oed_drift_run_params(const struct oed_drift *d)
{
	json_t *j = json_object(), *fields = json_array();
	char *s;

	if (j == NULL || fields == NULL) {
		json_decref(j);
		json_decref(fields);
		return NULL;
	}
	for (size_t i = 0; i < d->nfields; i++) {
		const struct field *fl = d->fields[i];

		json_array_append_new(fields, json_pack("{s:s, s:s, s:s?}", "field", fl->spec.path,
							"kind", oed_fkind_name(fl->kind), "test", fl->spec.test));
	}
	json_object_set_new(j, "fields", fields);
	if (d->o.test)
		json_object_set_new(j, "test", json_string(d->o.test));
	if (!isnan(d->o.threshold))
		json_object_set_new(j, "threshold", json_real(d->o.threshold));
	json_object_set_new(j, "share", json_real(d->o.share));
	if (d->o.gate_any)
		json_object_set_new(j, "gate", json_string("any"));
	if (d->o.time) {
		json_object_set_new(j, "time", json_string(d->o.time));
		json_object_set_new(j, "window_seconds", d->o.window % 1000 == 0 ?
				    json_integer(d->o.window / 1000) : json_real((double)d->o.window / 1000));
	}
	if (d->o.tok_name)
		json_object_set_new(j, "tokens", json_string(d->o.tok_name));
	if (d->o.permutations)
		json_object_set_new(j, "permutations", json_integer((json_int_t)d->o.permutations));
	json_object_set_new(j, "seed", json_integer((json_int_t)d->o.seed));
	if (d->o.bins)
		json_object_set_new(j, "bins", json_integer(d->o.bins));
	if (d->o.epsilon > 0)
		json_object_set_new(j, "epsilon", json_real(d->o.epsilon));
	if (d->o.base)
		json_object_set_new(j, "base", json_string(d->o.base));
	if (d->o.baseline)
		json_object_set_new(j, "baseline", json_integer(d->o.baseline));
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(j);
	return s;
}
