#include "config.h"
#include "infoengine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "capacity.h"
#include "counts.h"
#include "estimators.h"
#include "exit.h"
#include "extract.h"
#include "lenstats.h"
#include "mi.h"
#include "minhash.h"
#include "normalize.h"
#include "store.h"
#include "tokenizer.h"
#include "utf8.h"

#define STATE_VERSION 1
#define STATE_CHUNK 4096	/* rows per state line: lines stay far below --max-line */

/*
 * The class of a missing or null value under --missing=class.  The reader
 * only hands out valid UTF-8, so text starting with 0xFF never comes from
 * a record and the class stays apart from every real value.
 */
static const char MISSING_TEXT[] = "\xff" "missing";
#define MISSING_LEN (sizeof(MISSING_TEXT) - 1)
/* Under --extract, the class of the outputs REGEX does not match. */
static const char NOMATCH_TEXT[] = "\xff" "no match";

struct oed_engine {
	struct oed_engine_params p;
	char *own[16];			/* copies of p's strings */
	bool emp;			/* empowerment: z = state, x = action, y = next */
	bool has_z;			/* the zxy table is kept */
	const char *xf, *yf, *zf;	/* the fields in the x, y and z roles */
	int ix, iy, iz, iw, icf;	/* reader field indices, -1 when not read */
	uint64_t missing_key, nomatch_key;

	bool has_norm;
	struct oed_norm norm;
	struct oed_norm_scratch nsc;
	struct oed_extract *ex;
	bool has_mh;
	struct oed_minhash mh;
	char cluster_spec[160];
	struct sigmap *sigs;
	uint64_t *sigbuf;
	struct oed_tokenizer *tok;
	const char *encoding;

	struct oed_tab xy, zxy;
	struct oed_lenhist chars, tokens;
	struct oed_names names;
};

/* ---- the estimators (estimators.h, mi.h) ---- */

struct est {
	enum oed_estimator id;
	double k;			/* classes declared for Y; 0: the classes seen */
};

/* Entropy in nats of the counts c[0..n) (zeros are classes not seen). */
static int
est_entropy(const struct est *est, const double *c, size_t n, double k, double *h,
	    struct oed_err *err)
{
	return oed_entropy(est->id, c, n, k, h, err);
}

/* ---- MinHash signatures of the distinct (x, class) pairs, for --cluster ---- */

struct sigmap {
	uint64_t *kx, *ky;	/* open addressing on (kx, ky); idx == SIZE_MAX marks a free slot */
	size_t *idx;
	size_t cap, used;
	uint64_t *sig;		/* used * perm values */
	size_t sigcap;
	unsigned perm;
};

static struct sigmap *
sigmap_new(unsigned perm)
{
	struct sigmap *m = calloc(1, sizeof(*m));

	if (m)
		m->perm = perm;
	return m;
}

static void
sigmap_free(struct sigmap *m)
{
	if (m == NULL)
		return;
	free(m->kx);
	free(m->ky);
	free(m->idx);
	free(m->sig);
	free(m);
}

static inline size_t
sig_slot(uint64_t x, uint64_t y, size_t cap)
{
	uint64_t h = x ^ (y * 0x9E3779B97F4A7C15ULL);

	return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

/* The signature of (x, y), or NULL. */
static const uint64_t *
sigmap_get(const struct sigmap *m, uint64_t x, uint64_t y)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = sig_slot(x, y, m->cap); m->idx[i] != SIZE_MAX; i = (i + 1) & (m->cap - 1))
		if (m->kx[i] == x && m->ky[i] == y)
			return m->sig + m->idx[i] * m->perm;
	return NULL;
}

static int
sigmap_grow(struct sigmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	uint64_t *kx = malloc(cap * sizeof(*kx)), *ky = malloc(cap * sizeof(*ky));
	size_t *idx = malloc(cap * sizeof(*idx));

	if (kx == NULL || ky == NULL || idx == NULL) {
		free(kx);
		free(ky);
		free(idx);
		return -1;
	}
	for (size_t i = 0; i < cap; i++)
		idx[i] = SIZE_MAX;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (m->idx[i] == SIZE_MAX)
			continue;
		for (j = sig_slot(m->kx[i], m->ky[i], cap); idx[j] != SIZE_MAX; j = (j + 1) & (cap - 1))
			;
		kx[j] = m->kx[i];
		ky[j] = m->ky[i];
		idx[j] = m->idx[i];
	}
	free(m->kx);
	free(m->ky);
	free(m->idx);
	m->kx = kx;
	m->ky = ky;
	m->idx = idx;
	m->cap = cap;
	return 0;
}

/* Keep sig for (x, y) unless one is kept; 0 or -1 (out of memory). */
static int
sigmap_put(struct sigmap *m, uint64_t x, uint64_t y, const uint64_t *sig)
{
	size_t i;

	if (sigmap_get(m, x, y))
		return 0;
	if ((m->used + 1) * 2 > m->cap && sigmap_grow(m) == -1)
		return -1;
	if ((m->used + 1) * m->perm > m->sigcap) {
		size_t cap = m->sigcap ? m->sigcap * 2 : 64 * (size_t)m->perm;
		uint64_t *p = realloc(m->sig, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		m->sig = p;
		m->sigcap = cap;
	}
	for (i = sig_slot(x, y, m->cap); m->idx[i] != SIZE_MAX; i = (i + 1) & (m->cap - 1))
		;
	m->kx[i] = x;
	m->ky[i] = y;
	m->idx[i] = m->used;
	memcpy(m->sig + m->used * m->perm, sig, m->perm * sizeof(*sig));
	m->used++;
	return 0;
}

/* ---- parameters ---- */

static char *
own(struct oed_engine *e, const char *s)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < sizeof(e->own) / sizeof(e->own[0]) && e->own[i]; i++)
		;
	return e->own[i] = strdup(s);
}

const struct oed_engine_params *
oed_engine_params(const struct oed_engine *e)
{
	return &e->p;
}

struct oed_engine *
oed_engine_new(const struct oed_engine_params *p, struct oed_err *err)
{
	struct oed_engine *e = calloc(1, sizeof(*e));
	int nemp = (p->action != NULL) + (p->state != NULL) + (p->next != NULL);

	if (e == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	e->p = *p;
	e->ix = e->iy = e->iz = e->iw = e->icf = -1;
	oed_tab_init(&e->xy, 2);
	oed_tab_init(&e->zxy, 3);
	oed_lenhist_init(&e->chars);
	oed_lenhist_init(&e->tokens);
	oed_names_init(&e->names);
	oed_norm_scratch_init(&e->nsc);
	e->missing_key = oed_fingerprint(MISSING_TEXT, MISSING_LEN);
	e->nomatch_key = oed_fingerprint(NOMATCH_TEXT, sizeof(NOMATCH_TEXT) - 1);

	if (nemp != 0 && nemp != 3) {
		oed_err_set(err, OED_EX_USAGE, "empowerment needs --action, --state and --next together");
		goto fail;
	}
	e->emp = nemp == 3;
	if (e->emp && p->kind != OED_ENGINE_MI) {
		oed_err_set(err, OED_EX_USAGE, "empowerment is computed by oed-mi");
		goto fail;
	}
	if (e->emp && p->z) {
		oed_err_set(err, OED_EX_USAGE, "-z and empowerment do not go together: the state is the condition");
		goto fail;
	}
	if (p->kind == OED_ENGINE_MI && !e->emp && p->x == NULL) {
		oed_err_set(err, OED_EX_USAGE, "mutual information needs an input field (-x)");
		goto fail;
	}
	if (p->z && p->kind != OED_ENGINE_MI) {
		oed_err_set(err, OED_EX_USAGE, "-z (conditional mutual information) is computed by oed-mi");
		goto fail;
	}
	if (p->cluster_field && (p->normalize || p->extract || p->cluster)) {
		oed_err_set(err, OED_EX_USAGE,
			    "--cluster-field gives the classes: it does not go with --normalize, --extract or --cluster");
		goto fail;
	}
	if (p->cluster) {
		if (e->emp) {
			oed_err_set(err, OED_EX_USAGE, "--cluster does not go with empowerment");
			goto fail;
		}
		if (oed_minhash_parse(p->cluster, p->cluster_seed, &e->mh, err) == -1)
			goto fail;
		e->has_mh = true;
		/* a state names every default, so states compare on what was done */
		oed_minhash_format(&e->mh, e->cluster_spec, sizeof(e->cluster_spec));
		if ((e->sigs = sigmap_new(e->mh.perm)) == NULL ||
		    (e->sigbuf = malloc(e->mh.perm * sizeof(*e->sigbuf))) == NULL) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto fail;
		}
	}
	if (p->extract && (e->ex = oed_extract_new(p->extract, err)) == NULL)
		goto fail;
	if (p->normalize) {
		if (oed_norm_parse(p->normalize, &e->norm, err) == -1)
			goto fail;
		e->has_norm = e->norm.nstep > 0;
	}
	if (p->tokens) {
		if (oed_tokens_arg_check(p->tokens, err) == -1)
			goto fail;
		e->encoding = oed_encoding_for(p->tokens);
	}
	/* the copies the engine keeps; a state names the encoding, not the model */
	e->p.x = own(e, p->x);
	e->p.y = own(e, p->y);
	e->p.z = own(e, p->z);
	e->p.w = own(e, p->w);
	e->p.action = own(e, p->action);
	e->p.state = own(e, p->state);
	e->p.next = own(e, p->next);
	e->p.normalize = own(e, p->normalize);
	e->p.extract = own(e, p->extract);
	e->p.cluster = own(e, p->cluster ? e->cluster_spec : NULL);
	e->p.cluster_field = own(e, p->cluster_field);
	e->p.tokens = own(e, e->encoding);
	if ((p->y && !e->p.y) || (p->x && !e->p.x) || (p->z && !e->p.z) || (p->w && !e->p.w) ||
	    (p->action && !e->p.action) || (p->state && !e->p.state) || (p->next && !e->p.next) ||
	    (p->normalize && !e->p.normalize) || (p->cluster_field && !e->p.cluster_field) ||
	    (p->tokens && !e->p.tokens)) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	if (e->emp) {
		e->xf = e->p.action;
		e->yf = e->p.next;
		e->zf = e->p.state;
		e->has_z = true;
	} else {
		e->xf = e->p.x;
		e->yf = e->p.y;
		e->zf = e->p.z;
		e->has_z = e->p.z != NULL;
	}
	return e;
fail:
	oed_engine_free(e);
	return NULL;
}

void
oed_engine_free(struct oed_engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < sizeof(e->own) / sizeof(e->own[0]); i++)
		free(e->own[i]);
	oed_tab_release(&e->xy);
	oed_tab_release(&e->zxy);
	oed_lenhist_release(&e->chars);
	oed_lenhist_release(&e->tokens);
	oed_names_release(&e->names);
	oed_norm_scratch_release(&e->nsc);
	oed_extract_free(e->ex);
	sigmap_free(e->sigs);
	free(e->sigbuf);
	oed_tokenizer_free(e->tok);
	free(e);
}

/* Open what counting needs beyond the tables: the tokenizer. */
static int
engine_open(struct oed_engine *e, struct oed_err *err)
{
	if (e->p.tokens && e->tok == NULL &&
	    (e->tok = oed_tokenizer_open(e->p.tokens, NULL, err)) == NULL)
		return -1;
	return 0;
}

int
oed_engine_bind(struct oed_engine *e, struct oed_reader *r, struct oed_err *err)
{
	if (engine_open(e, err) == -1)
		return -1;
	if ((e->xf && (e->ix = oed_reader_want(r, e->xf, err)) < 0) ||
	    (e->iy = oed_reader_want(r, e->yf, err)) < 0 ||
	    (e->zf && (e->iz = oed_reader_want(r, e->zf, err)) < 0) ||
	    (e->p.w && (e->iw = oed_reader_want(r, e->p.w, err)) < 0) ||
	    (e->p.cluster_field && (e->icf = oed_reader_want(r, e->p.cluster_field, err)) < 0)) {
		err->status = OED_EX_USAGE;
		return -1;
	}
	return 0;
}

/* ---- counting ---- */

/*
 * The class text of a value: strings as they are, numbers in their
 * shortest form, booleans as words; missing and null are the missing
 * class under --missing=class, else the record is bad.  0 with *s and
 * *len set, 1 when the record was bad (and the policy let the run go on),
 * -1 when the run must stop.
 */
static int
class_text(struct oed_engine *e, struct oed_reader *r, const struct oed_value *v, const char *field,
	   char tmp[32], const char **s, size_t *len, struct oed_err *err)
{
	switch (v->type) {
	case OED_V_STRING:
		*s = v->str;
		*len = v->len;
		return 0;
	case OED_V_NUMBER:
		*len = (size_t)(v->is_int ? snprintf(tmp, 32, "%lld", v->i) : oed_fmt_double(tmp, v->num));
		*s = tmp;
		return 0;
	case OED_V_TRUE:
	case OED_V_FALSE:
		*s = v->type == OED_V_TRUE ? "true" : "false";
		*len = strlen(*s);
		return 0;
	case OED_V_MISSING:
	case OED_V_NULL:
		if (e->p.missing_class) {
			*s = MISSING_TEXT;
			*len = MISSING_LEN;
			return 0;
		}
		return oed_reader_bad(r, err, "%s field '%s'", v->type == OED_V_NULL ? "null" : "missing",
				      field) == -1 ? -1 : 1;
	default:
		return oed_reader_bad(r, err, "field '%s' is %s, not a string, number or boolean", field,
				      v->type == OED_V_ARRAY ? "an array" : "an object") == -1 ? -1 : 1;
	}
}

/* The weight of the record: a non-negative number below 2^64. */
static int
weight_of(struct oed_engine *e, struct oed_reader *r, struct oed_count *w, struct oed_err *err)
{
	const struct oed_value *v = oed_reader_value(r, e->iw);
	char tmp[32];

	if (v->type == OED_V_NUMBER) {
		if (oed_count_from_double(v->num, w) == 0)
			return 0;
		oed_fmt_double(tmp, v->num);
		return oed_reader_bad(r, err, "weight field '%s' is %s, not a non-negative number below 2^64",
				      e->p.w, tmp) == -1 ? -1 : 1;
	}
	return oed_reader_bad(r, err, "%s weight field '%s'%s",
			      v->type == OED_V_MISSING ? "missing" : v->type == OED_V_NULL ? "null" : "the",
			      e->p.w, v->type > OED_V_NULL ? " is not a number" : "") == -1 ? -1 : 1;
}

int
oed_engine_add(struct oed_engine *e, struct oed_reader *r, struct oed_err *err)
{
	const struct oed_value *yv = oed_reader_value(r, e->iy);
	const char *xs = NULL, *ys, *zs = NULL, *cs = NULL;
	size_t xl = 0, yl, zl = 0, cl = 0;
	char xt[32], yt[32], zt[32], ct[32];
	struct oed_count w = OED_COUNT_ONE;
	uint64_t k[3];
	int c;

	/* every check first: a bad record counts nowhere */
	if (e->ix >= 0 &&
	    (c = class_text(e, r, oed_reader_value(r, e->ix), e->xf, xt, &xs, &xl, err)) != 0)
		return c < 0 ? -1 : 0;
	if ((c = class_text(e, r, yv, e->yf, yt, &ys, &yl, err)) != 0)
		return c < 0 ? -1 : 0;
	if (e->iz >= 0 &&
	    (c = class_text(e, r, oed_reader_value(r, e->iz), e->zf, zt, &zs, &zl, err)) != 0)
		return c < 0 ? -1 : 0;
	if (e->icf >= 0 &&
	    (c = class_text(e, r, oed_reader_value(r, e->icf), e->p.cluster_field, ct, &cs, &cl,
			    err)) != 0)
		return c < 0 ? -1 : 0;
	if (e->iw >= 0 && (c = weight_of(e, r, &w, err)) != 0)
		return c < 0 ? -1 : 0;
	if (oed_count_is_zero(&w))
		return 0;

	/* the output's class: the cluster field, else the extracted part, normalised */
	if (cs) {
		k[2] = oed_fingerprint(cs, cl);
	} else if (ys == MISSING_TEXT) {
		k[2] = e->missing_key;
	} else {
		const char *cls = ys;
		size_t clen = yl;

		if (e->ex && (c = oed_extract_apply(e->ex, ys, yl, &cls, &clen, err)) != 1) {
			/* matching gave up: a bad record like any other */
			if (c == -1)
				return oed_reader_bad(r, err, "%s", err->msg);
			cls = NULL;
		}
		if (cls == NULL) {
			k[2] = e->nomatch_key;
		} else if (e->has_mh) {
			/* the signature is of the class's text, so normalise it first */
			if (e->has_norm && (cls = oed_norm_apply(&e->norm, cls, clen, &e->nsc, &clen)) == NULL)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			k[2] = oed_fingerprint(cls, clen);
			if (sigmap_get(e->sigs, xs ? oed_fingerprint(xs, xl) : 0, k[2]) == NULL) {
				oed_minhash_signature(&e->mh, cls, clen, e->sigbuf);
				if (sigmap_put(e->sigs, xs ? oed_fingerprint(xs, xl) : 0, k[2], e->sigbuf) == -1)
					return oed_err_set(err, OED_EX_FAIL, "out of memory");
			}
		} else if (e->has_norm) {
			if (oed_norm_key(&e->norm, cls, clen, &e->nsc, &k[2]) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		} else {
			k[2] = oed_fingerprint(cls, clen);
		}
	}
	k[1] = xs ? oed_fingerprint(xs, xl) : 0;
	k[0] = zs ? oed_fingerprint(zs, zl) : 0;

	/* lengths of what was written, not of the class */
	if (yv->type > OED_V_NULL) {
		if (oed_lenhist_add(&e->chars, oed_utf8_count(ys, yl), &w, err) == -1)
			return -1;
		if (e->tok) {
			size_t nt = oed_tokenizer_count(e->tok, ys, yl, false);

			if (nt == (size_t)-1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			if (oed_lenhist_add(&e->tokens, nt, &w, err) == -1)
				return -1;
		}
	}
	if (!e->emp && oed_tab_add(&e->xy, k + 1, &w, err) == -1)
		return -1;
	if (e->has_z && oed_tab_add(&e->zxy, k, &w, err) == -1)
		return -1;
	if (e->p.names) {
		/* the inputs name entropy.group records, the states mi.state records */
		if (e->emp ? oed_names_put(&e->names, k[0], zs, zl) : xs ? oed_names_put(&e->names, k[1], xs, xl) : 0)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

/* ---- states ---- */

static const char *
kind_tool(enum oed_engine_kind kind)
{
	return kind == OED_ENGINE_MI ? "oed-mi" : "oed-entropy";
}

/* The parameters a state is made with, in a fixed order; NULL on out of memory. */
static json_t *
params_json(const struct oed_engine_params *p)
{
	json_t *o = json_object();
	const char *keys[] = { "x", "y", "z", "w", "action", "state", "next", "normalize", "extract",
			       "cluster", "cluster_field", "tokens" };
	const char *vals[] = { p->x, p->y, p->z, p->w, p->action, p->state, p->next, p->normalize,
			       p->extract, p->cluster, p->cluster_field, p->tokens };

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_set_new(o, keys[i], vals[i] ? json_string(vals[i]) : json_null()) == -1) {
			json_decref(o);
			return NULL;
		}
	if (json_object_set_new(o, "missing", json_string(p->missing_class ? "class" : "error")) == -1 ||
	    (p->cluster &&
	     json_object_set_new(o, "cluster_seed", json_integer((json_int_t)p->cluster_seed)) == -1)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
w_hex(struct oed_writer *w, uint64_t v)
{
	char hex[17];

	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)v);
	oed_w_str(w, NULL, hex);
}

/* A count as whole, or [whole, "frac in hex"] when it has a fractional part. */
static void
w_count(struct oed_writer *w, const struct oed_count *c)
{
	if (c->frac == 0) {
		oed_w_uint(w, NULL, c->whole);
		return;
	}
	oed_w_arr_begin(w, NULL);
	oed_w_uint(w, NULL, c->whole);
	w_hex(w, c->frac);
	oed_w_arr_end(w);
}

static int
write_rows(struct oed_writer *w, const char *table, const struct oed_tab *t, unsigned *lines,
	   struct oed_err *err)
{
	struct oed_row *rows;
	size_t n;
	int rc = 0;

	if (oed_tab_sorted(t, &rows, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i += STATE_CHUNK) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "oed.state.rows");
		oed_w_str(w, "table", table);
		oed_w_arr_begin(w, "rows");
		for (size_t j = i; j < n && j < i + STATE_CHUNK; j++) {
			oed_w_arr_begin(w, NULL);
			for (unsigned k = 0; k < t->nkeys; k++)
				w_hex(w, rows[j].k[k]);
			w_count(w, &rows[j].n);
			oed_w_arr_end(w);
		}
		oed_w_arr_end(w);
		rc = oed_w_end(w);
		++*lines;
	}
	free(rows);
	if (rc == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the state");
	return 0;
}

static int
write_hist(struct oed_writer *w, const char *table, const struct oed_lenhist *h, unsigned *lines,
	   struct oed_err *err)
{
	struct oed_lenbin *bins;
	size_t n;
	int rc = 0;

	if (oed_lenhist_bins(h, &bins, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i += STATE_CHUNK) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "oed.state.lengths");
		oed_w_str(w, "table", table);
		oed_w_arr_begin(w, "bins");
		for (size_t j = i; j < n && j < i + STATE_CHUNK; j++) {
			oed_w_arr_begin(w, NULL);
			oed_w_uint(w, NULL, bins[j].len);
			w_count(w, &bins[j].n);
			oed_w_arr_end(w);
		}
		oed_w_arr_end(w);
		rc = oed_w_end(w);
		++*lines;
	}
	if (rc == 0 && n > 0) {
		char cnt[80], sum[80], sq[80];

		/* the integer moments, for readers of the state; --merge recomputes them */
		oed_w_begin(w);
		oed_w_str(w, "kind", "oed.state.moments");
		oed_w_str(w, "table", table);
		if (oed_lenhist_moments(bins, n, cnt, sum, sq) == 0) {
			oed_w_raw(w, "n", cnt, strlen(cnt));
			oed_w_raw(w, "sum", sum, strlen(sum));
			oed_w_raw(w, "sum_squares", sq, strlen(sq));
		} else {
			struct oed_lensummary st;

			oed_lenhist_summary(bins, n, &st);
			oed_w_num(w, "n", st.n);
			oed_w_num(w, "mean", st.mean);
		}
		rc = oed_w_end(w);
		++*lines;
	}
	free(bins);
	if (rc == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the state");
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
write_names(struct oed_writer *w, const struct oed_names *m, unsigned *lines, struct oed_err *err)
{
	uint64_t *keys;
	size_t n = 0;
	int rc = 0;

	if (m->used == 0)
		return 0;
	if ((keys = malloc(m->used * sizeof(*keys))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < m->cap; i++)
		if (m->text[i])
			keys[n++] = m->keys[i];
	qsort(keys, n, sizeof(*keys), name_cmp);
	for (size_t i = 0; i < n && rc == 0; i += STATE_CHUNK) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "oed.state.names");
		oed_w_arr_begin(w, "names");
		for (size_t j = i; j < n && j < i + STATE_CHUNK; j++) {
			oed_w_arr_begin(w, NULL);
			w_hex(w, keys[j]);
			oed_w_str(w, NULL, oed_names_get(m, keys[j]));
			oed_w_arr_end(w);
		}
		oed_w_arr_end(w);
		rc = oed_w_end(w);
		++*lines;
	}
	free(keys);
	if (rc == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the state");
	return 0;
}

struct sigref {
	uint64_t x, y;
	const uint64_t *sig;
};

static int
sigref_cmp(const void *a, const void *b)
{
	const struct sigref *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->y < q->y ? -1 : p->y > q->y;
}

/* Signatures as [x, y, "hex of every slot"], in key order. */
static int
write_sigs(struct oed_writer *w, const struct sigmap *m, unsigned *lines, struct oed_err *err)
{
	struct sigref *refs;
	char *hex;
	size_t n = 0, chunk = STATE_CHUNK / 16 + 1;
	int rc = 0;

	if (m->used == 0)
		return 0;
	refs = malloc(m->used * sizeof(*refs));
	hex = malloc(m->perm * 16 + 1);
	if (refs == NULL || hex == NULL) {
		free(refs);
		free(hex);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->idx[i] != SIZE_MAX)
			refs[n++] = (struct sigref){ m->kx[i], m->ky[i], m->sig + m->idx[i] * m->perm };
	qsort(refs, n, sizeof(*refs), sigref_cmp);
	for (size_t i = 0; i < n && rc == 0; i += chunk) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "oed.state.sigs");
		oed_w_arr_begin(w, "sigs");
		for (size_t j = i; j < n && j < i + chunk; j++) {
			for (unsigned s = 0; s < m->perm; s++)
				snprintf(hex + 16 * s, 17, "%016llx", (unsigned long long)refs[j].sig[s]);
			oed_w_arr_begin(w, NULL);
			w_hex(w, refs[j].x);
			w_hex(w, refs[j].y);
			oed_w_str(w, NULL, hex);
			oed_w_arr_end(w);
		}
		oed_w_arr_end(w);
		rc = oed_w_end(w);
		++*lines;
	}
	free(refs);
	free(hex);
	if (rc == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the state");
	return 0;
}

int
oed_engine_write_state(struct oed_engine *e, struct oed_writer *w, struct oed_err *err)
{
	json_t *params = params_json(&e->p);
	unsigned lines = 1;
	int rc;

	if (params == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	oed_w_begin(w);
	oed_w_str(w, "kind", "oed.state");
	oed_w_int(w, "version", STATE_VERSION);
	oed_w_str(w, "tool", kind_tool(e->p.kind));
	oed_w_json(w, "params", params);
	json_decref(params);
	if (oed_w_end(w) == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the state");
	if ((!e->emp && write_rows(w, "xy", &e->xy, &lines, err) == -1) ||
	    (e->has_z && write_rows(w, "zxy", &e->zxy, &lines, err) == -1) ||
	    write_hist(w, "chars", &e->chars, &lines, err) == -1 ||
	    (e->p.tokens && write_hist(w, "tokens", &e->tokens, &lines, err) == -1) ||
	    write_names(w, &e->names, &lines, err) == -1 ||
	    (e->has_mh && write_sigs(w, e->sigs, &lines, err) == -1))
		return -1;
	/* the count of lines lets --merge tell a whole state from a cut one */
	oed_w_begin(w);
	oed_w_str(w, "kind", "oed.state.end");
	oed_w_uint(w, "lines", lines + 1);
	rc = oed_w_end(w);
	if (rc == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the state");
	return 0;
}

/* ---- merging states ---- */

static int
parse_hex(json_t *v, uint64_t *out)
{
	const char *s = json_string_value(v);
	char *end;

	if (s == NULL || strlen(s) != 16)
		return -1;
	*out = strtoull(s, &end, 16);
	return *end == '\0' ? 0 : -1;
}

static int
parse_count(json_t *v, struct oed_count *c)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*c = (struct oed_count){ (uint64_t)json_integer_value(v), 0 };
		return 0;
	}
	/* jansson reads integers past 2^63 as reals: such counts are whole */
	if (json_is_real(v) && json_real_value(v) >= 9223372036854775808.0 &&
	    json_real_value(v) < 18446744073709551616.0) {
		*c = (struct oed_count){ (uint64_t)json_real_value(v), 0 };
		return 0;
	}
	if (json_is_array(v) && json_array_size(v) == 2 && json_is_integer(json_array_get(v, 0)) &&
	    json_integer_value(json_array_get(v, 0)) >= 0 &&
	    parse_hex(json_array_get(v, 1), &c->frac) == 0 && c->frac != 0) {
		c->whole = (uint64_t)json_integer_value(json_array_get(v, 0));
		return 0;
	}
	return -1;
}

/* Where a state line is wrong: FILE:LINE: msg, exit status 3. */
static int
state_bad(struct oed_reader *r, struct oed_err *err, const char *what)
{
	return oed_err_at(err, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0, "%s", what);
}

static int
merge_line(struct oed_engine *e, struct oed_reader *r, json_t *rec, const char *kind,
	   struct oed_err *err)
{
	const char *table = json_string_value(json_object_get(rec, "table"));
	json_t *arr, *item;
	size_t i;

	if (strcmp(kind, "oed.state.rows") == 0) {
		struct oed_tab *t = table && strcmp(table, "xy") == 0 && !e->emp ? &e->xy :
				    table && strcmp(table, "zxy") == 0 && e->has_z ? &e->zxy : NULL;

		if (t == NULL || !json_is_array(arr = json_object_get(rec, "rows")))
			return state_bad(r, err, "state rows of an unknown table");
		json_array_foreach(arr, i, item) {
			uint64_t k[3] = { 0, 0, 0 };
			struct oed_count c;
			unsigned j;

			if (!json_is_array(item) || json_array_size(item) != t->nkeys + 1)
				return state_bad(r, err, "a state row is not [keys..., count]");
			for (j = 0; j < t->nkeys; j++)
				if (parse_hex(json_array_get(item, j), &k[j]) == -1)
					return state_bad(r, err, "a state key is not 16 hex digits");
			if (parse_count(json_array_get(item, j), &c) == -1)
				return state_bad(r, err, "a state count is not a positive count");
			if (oed_tab_add(t, k, &c, err) == -1)
				return -1;
		}
		return 0;
	}
	if (strcmp(kind, "oed.state.lengths") == 0) {
		struct oed_lenhist *h = table && strcmp(table, "chars") == 0 ? &e->chars :
					table && strcmp(table, "tokens") == 0 && e->p.tokens ? &e->tokens : NULL;

		if (h == NULL || !json_is_array(arr = json_object_get(rec, "bins")))
			return state_bad(r, err, "state lengths of an unknown table");
		json_array_foreach(arr, i, item) {
			struct oed_count c;

			if (!json_is_array(item) || json_array_size(item) != 2 ||
			    !json_is_integer(json_array_get(item, 0)) ||
			    json_integer_value(json_array_get(item, 0)) < 0 ||
			    parse_count(json_array_get(item, 1), &c) == -1)
				return state_bad(r, err, "a state length bin is not [length, count]");
			if (oed_lenhist_add(h, (uint64_t)json_integer_value(json_array_get(item, 0)), &c,
					    err) == -1)
				return -1;
		}
		return 0;
	}
	if (strcmp(kind, "oed.state.names") == 0) {
		if (!json_is_array(arr = json_object_get(rec, "names")))
			return state_bad(r, err, "state names are not an array");
		json_array_foreach(arr, i, item) {
			uint64_t k;
			json_t *text = json_array_get(item, 1);

			if (json_array_size(item) != 2 || parse_hex(json_array_get(item, 0), &k) == -1 ||
			    !json_is_string(text))
				return state_bad(r, err, "a state name is not [key, text]");
			if (oed_names_put(&e->names, k, json_string_value(text), json_string_length(text)) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		return 0;
	}
	if (strcmp(kind, "oed.state.sigs") == 0) {
		if (!e->has_mh || !json_is_array(arr = json_object_get(rec, "sigs")))
			return state_bad(r, err, "state signatures without --cluster");
		json_array_foreach(arr, i, item) {
			uint64_t x, y;
			const char *hex = json_string_value(json_array_get(item, 2));

			if (json_array_size(item) != 3 || parse_hex(json_array_get(item, 0), &x) == -1 ||
			    parse_hex(json_array_get(item, 1), &y) == -1 || hex == NULL ||
			    strlen(hex) != 16 * (size_t)e->mh.perm)
				return state_bad(r, err, "a state signature is not [x, y, hex]");
			for (unsigned s = 0; s < e->mh.perm; s++) {
				char word[17], *end;

				memcpy(word, hex + 16 * s, 16);
				word[16] = '\0';
				e->sigbuf[s] = strtoull(word, &end, 16);
				if (*end != '\0')
					return state_bad(r, err, "a state signature is not hex");
			}
			if (sigmap_put(e->sigs, x, y, e->sigbuf) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		return 0;
	}
	if (strcmp(kind, "oed.state.moments") == 0)
		return 0;
	return state_bad(r, err, "not a line of an oed state");
}

/* The first parameter in which a and b differ, or NULL. */
static const char *
params_differ(json_t *a, json_t *b, const char **va, const char **vb)
{
	const char *key;
	json_t *v;

	json_object_foreach(a, key, v) {
		json_t *w = json_object_get(b, key);

		if (!json_equal(v, w)) {
			*va = json_is_string(v) ? json_string_value(v) : NULL;
			*vb = json_is_string(w) ? json_string_value(w) : NULL;
			return key;
		}
	}
	json_object_foreach(b, key, v)
		if (json_object_get(a, key) == NULL) {
			*va = NULL;
			*vb = json_is_string(v) ? json_string_value(v) : NULL;
			return key;
		}
	return NULL;
}

/* "'trim'" or "none", for messages. */
static const char *
quoted(const char *s, char *buf, size_t size)
{
	if (s == NULL)
		return "none";
	snprintf(buf, size, "'%s'", s);
	return buf;
}

/* The parameters named in a state header, as strings borrowed from hdr. */
static void
params_from_json(json_t *o, struct oed_engine_params *p)
{
	const char *m;

#define GET(k) (json_is_string(json_object_get(o, k)) ? json_string_value(json_object_get(o, k)) : NULL)
	p->x = GET("x");
	p->y = GET("y");
	p->z = GET("z");
	p->w = GET("w");
	p->action = GET("action");
	p->state = GET("state");
	p->next = GET("next");
	p->normalize = GET("normalize");
	p->extract = GET("extract");
	p->cluster = GET("cluster");
	p->cluster_field = GET("cluster_field");
	p->tokens = GET("tokens");
	m = GET("missing");
	p->missing_class = m && strcmp(m, "class") == 0;
	p->cluster_seed = (uint64_t)json_integer_value(json_object_get(o, "cluster_seed"));
#undef GET
}

static uint64_t
s_seed(const json_t *params)
{
	return (uint64_t)json_integer_value(json_object_get(params, "cluster_seed"));
}

/* Whether the options given on the command line agree with the states'. */
static int
check_given(const json_t *first, const struct oed_engine_params *g, bool given_missing,
	    struct oed_err *err)
{
	struct oed_engine_params s = { 0 };
	const char *keys[] = { "x", "y", "z", "w", "action", "state", "next", "normalize", "extract",
			       "cluster", "cluster_field" };
	const char *gv[] = { g->x, g->y, g->z, g->w, g->action, g->state, g->next, g->normalize,
			     g->extract, g->cluster, g->cluster_field };
	const char *sv[11];
	char b1[300], b2[300];

	params_from_json((json_t *)first, &s);
	sv[0] = s.x, sv[1] = s.y, sv[2] = s.z, sv[3] = s.w, sv[4] = s.action, sv[5] = s.state;
	sv[6] = s.next, sv[7] = s.normalize, sv[8] = s.extract, sv[9] = s.cluster;
	sv[10] = s.cluster_field;
	struct oed_minhash mh;
	char spec[160];

	/* a --cluster spec compares with every default filled in, as states keep it */
	if (g->cluster && oed_minhash_parse(g->cluster, s_seed(first), &mh, err) == 0) {
		oed_minhash_format(&mh, spec, sizeof(spec));
		gv[9] = spec;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (gv[i] && (sv[i] == NULL || strcmp(gv[i], sv[i]) != 0))
			return oed_err_set(err, OED_EX_USAGE,
					   "--merge: the states were made with %s %s, not %s", keys[i],
					   quoted(sv[i], b1, sizeof(b1)), quoted(gv[i], b2, sizeof(b2)));
	if (g->tokens && (s.tokens == NULL || oed_encoding_for(g->tokens) == NULL ||
			  strcmp(oed_encoding_for(g->tokens), s.tokens) != 0))
		return oed_err_set(err, OED_EX_USAGE, "--merge: the states were made with tokens %s, not '%s'",
				   quoted(s.tokens, b1, sizeof(b1)), g->tokens);
	if (given_missing && g->missing_class != s.missing_class)
		return oed_err_set(err, OED_EX_USAGE, "--merge: the states were made with --missing=%s",
				   s.missing_class ? "class" : "error");
	return 0;
}

struct oed_engine *
oed_engine_merge(struct oed_reader *r, enum oed_engine_kind kind,
		 const struct oed_engine_params *given, bool given_missing, struct oed_err *err)
{
	struct oed_engine *e = NULL;
	json_t *first = NULL;
	char first_src[256] = "";
	long lines = 0, want = 0;	/* lines of the state being read; 0: between states */
	int rc;

	while ((rc = oed_reader_next(r, err)) == 1) {
		json_t *rec = oed_reader_root(r), *params;
		const char *kind_s = json_string_value(json_object_get(rec, "kind"));

		if (kind_s == NULL) {
			state_bad(r, err, "not an oed state (no \"kind\")");
			goto fail;
		}
		if (strcmp(kind_s, "oed.state") == 0) {
			const char *tool = json_string_value(json_object_get(rec, "tool"));
			const char *key, *va, *vb;
			char b1[300], b2[300];

			if (lines != 0) {
				state_bad(r, err, "a state starts before the one above it ended (cut short?)");
				goto fail;
			}
			params = json_object_get(rec, "params");
			if (json_integer_value(json_object_get(rec, "version")) != STATE_VERSION ||
			    !json_is_object(params) || tool == NULL) {
				state_bad(r, err, "not a version 1 oed state");
				goto fail;
			}
			if (strcmp(tool, kind_tool(kind)) != 0) {
				char msg[300];

				snprintf(msg, sizeof(msg), "a state of %s, not of %s", tool, kind_tool(kind));
				state_bad(r, err, msg);
				goto fail;
			}
			lines = 1;
			if (first == NULL) {
				struct oed_engine_params p = { 0 };

				first = json_incref(params);
				snprintf(first_src, sizeof(first_src), "%s", oed_reader_source(r));
				if (given && check_given(first, given, given_missing, err) == -1)
					goto fail;
				params_from_json(first, &p);
				p.kind = kind;
				p.names = true;
				if ((e = oed_engine_new(&p, err)) == NULL) {
					/* a state this build cannot read */
					struct oed_err at;

					oed_err_at(&at, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0,
						   "%s", err->msg);
					*err = at;
					goto fail;
				}
				continue;
			}
			if ((key = params_differ(first, params, &va, &vb)) != NULL) {
				oed_err_at(err, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0,
					   "this state was made with %s %s, the one in '%s' with %s: they do not merge",
					   key, quoted(vb, b2, sizeof(b2)), first_src, quoted(va, b1, sizeof(b1)));
				goto fail;
			}
			continue;
		}
		if (lines == 0) {
			state_bad(r, err, "an oed state must start with its \"oed.state\" line");
			goto fail;
		}
		lines++;
		if (strcmp(kind_s, "oed.state.end") == 0) {
			want = (long)json_integer_value(json_object_get(rec, "lines"));
			if (want != lines) {
				char msg[128];

				snprintf(msg, sizeof(msg), "the state has %ld lines where its end says %ld (lines lost?)",
					 lines, want);
				state_bad(r, err, msg);
				goto fail;
			}
			lines = 0;
			continue;
		}
		if (merge_line(e, r, rec, kind_s, err) == -1)
			goto fail;
	}
	if (rc == -1)
		goto fail;
	if (lines != 0) {
		oed_err_at(err, OED_EX_DATA, oed_reader_source(r), oed_reader_lineno(r), 0,
			   "the last state has no end line (cut short?)");
		goto fail;
	}
	if (e == NULL) {
		oed_err_set(err, OED_EX_DATA, "--merge: no state in the input");
		goto fail;
	}
	json_decref(first);
	return e;
fail:
	json_decref(first);
	oed_engine_free(e);
	return NULL;
}

/* ---- results: records of items, written as JSON and stored as metrics ---- */

enum itype { IT_STR, IT_NUM, IT_UINT, IT_NULL, IT_BOOL, IT_OBJ, IT_END };

struct item {
	char key[48];
	enum itype type;
	char *s;		/* IT_STR, owned */
	double v, lo, hi;
	bool ci;		/* key_lo and key_hi follow the value */
	bool metric;		/* a figure for the run store */
};

struct rec {
	const char *kind;
	char *grp;		/* the group's text (NULL: the summary, or the missing class) */
	bool grp_null;
	struct item *it;
	size_t n, cap;
};

struct oed_results {
	struct rec *rec;
	size_t n, cap;
	char *params;		/* JSON of the run's parameters, for the store */
	bool oom;
};

void
oed_results_free(struct oed_results *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->n; i++) {
		for (size_t j = 0; j < res->rec[i].n; j++)
			free(res->rec[i].it[j].s);
		free(res->rec[i].it);
		free(res->rec[i].grp);
	}
	free(res->rec);
	free(res->params);
	free(res);
}

static struct rec *
rec_new(struct oed_results *res, const char *kind)
{
	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 8;
		struct rec *r = realloc(res->rec, cap * sizeof(*r));

		if (r == NULL) {
			res->oom = true;
			return NULL;
		}
		res->rec = r;
		res->cap = cap;
	}
	memset(&res->rec[res->n], 0, sizeof(res->rec[0]));
	res->rec[res->n].kind = kind;
	return &res->rec[res->n++];
}

static struct item *
item_new(struct oed_results *res, struct rec *r, const char *key, enum itype type)
{
	struct item *it;

	if (r == NULL)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct item *p = realloc(r->it, cap * sizeof(*p));

		if (p == NULL) {
			res->oom = true;
			return NULL;
		}
		r->it = p;
		r->cap = cap;
	}
	it = &r->it[r->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->key, sizeof(it->key), "%s", key ? key : "");
	it->type = type;
	it->lo = it->hi = NAN;
	return it;
}

static void
put_str(struct oed_results *res, struct rec *r, const char *key, const char *s)
{
	struct item *it = item_new(res, r, key, IT_STR);

	if (it && (it->s = strdup(s)) == NULL) {
		res->oom = true;
		it->type = IT_NULL;
	}
}

static void
put_num(struct oed_results *res, struct rec *r, const char *key, double v)
{
	struct item *it = item_new(res, r, key, IT_NUM);

	if (it) {
		it->v = v;
		it->metric = true;
	}
}

static void
put_uint(struct oed_results *res, struct rec *r, const char *key, uint64_t v)
{
	struct item *it = item_new(res, r, key, IT_UINT);

	if (it) {
		it->v = (double)v;
		it->metric = true;
	}
}

/* A quantity, with its interval when one was asked for. */
static void
put_q(struct oed_results *res, struct rec *r, const char *key, double v, bool ci, double lo, double hi)
{
	struct item *it = item_new(res, r, key, IT_NUM);

	if (it) {
		it->v = v;
		it->metric = true;
		it->ci = ci;
		it->lo = lo;
		it->hi = hi;
	}
}

static void
write_bound(struct oed_writer *w, const char *key, const char *suffix, double v)
{
	char k[64];

	snprintf(k, sizeof(k), "%s%s", key, suffix);
	if (isfinite(v))
		oed_w_num(w, k, v);
	else
		oed_w_null(w, k);
}

int
oed_results_write(const struct oed_results *res, struct oed_writer *w)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct rec *r = &res->rec[i];

		oed_w_begin(w);
		for (size_t j = 0; j < r->n; j++) {
			const struct item *it = &r->it[j];

			switch (it->type) {
			case IT_STR:
				oed_w_str(w, it->key, it->s);
				break;
			case IT_NUM:
				oed_w_num(w, it->key, it->v);
				if (it->ci) {
					write_bound(w, it->key, "_lo", it->lo);
					write_bound(w, it->key, "_hi", it->hi);
				}
				break;
			case IT_UINT:
				oed_w_uint(w, it->key, (unsigned long long)it->v);
				break;
			case IT_NULL:
				oed_w_null(w, it->key);
				break;
			case IT_BOOL:
				oed_w_bool(w, it->key, it->v != 0);
				break;
			case IT_OBJ:
				oed_w_obj_begin(w, it->key);
				break;
			case IT_END:
				oed_w_obj_end(w);
				break;
			}
		}
		if (oed_w_end(w) == -1)
			return -1;
	}
	return 0;
}

/* Every figure of the results as metrics of run. */
static int
results_fill(struct oed_store *st, int64_t run, void *ctx, struct oed_err *err)
{
	const struct oed_results *res = ctx;

	for (size_t i = 0; i < res->n; i++) {
		const struct rec *r = &res->rec[i];
		char prefix[sizeof(r->it[0].key) + 1] = "", name[128];

		for (size_t j = 0; j < r->n; j++) {
			const struct item *it = &r->it[j];

			if (it->type == IT_OBJ)
				snprintf(prefix, sizeof(prefix), "%s.", it->key);
			else if (it->type == IT_END)
				prefix[0] = '\0';
			if (!it->metric)
				continue;
			snprintf(name, sizeof(name), "%s%s", prefix, it->key);
			if (oed_metric_add(st, run, name, r->grp_null ? "null" : r->grp, it->v, it->lo, it->hi,
					   err) == -1)
				return -1;
		}
	}
	return 0;
}

int
oed_results_record(const struct oed_results *res, struct oed_input_opts *io, const char *tool,
		   int argc, char *const *argv, const char *digest, struct oed_err *err)
{
	return oed_run_record(io, tool, argc, argv, res->params, digest, results_fill,
			      (void *)res, err);
}

/* ---- the quantities ---- */

enum {
	Q_HX, Q_HY, Q_HYX, Q_MI, Q_HXY_COND, Q_NMI, Q_EMI, Q_AMI, Q_VI, Q_CMI, Q_EMP, Q_CAP, Q_COUNT
};

/*
 * A table the quantities are computed from: the xy rows sorted by (x, y)
 * in groups of one x, and the zxy rows sorted by (z, x, y) in slices of
 * one z, each row with its weight.  The counted tables make one view; a
 * bootstrap replicate makes another.
 */
struct view {
	struct oed_row *rows;
	double *w;
	size_t *yid;		/* dense index of each row's y */
	size_t nrows;
	size_t *gstart;		/* group g is rows gstart[g] .. gstart[g + 1] */
	size_t ngroups, ny;

	struct oed_row *zrows;
	double *zw;
	size_t nzrows;
	size_t *zstart;		/* slice s is zrows zstart[s] .. zstart[s + 1] */
	size_t nslices;
};

struct prep {
	const struct oed_engine *e;
	struct est est;
	enum oed_average avg;
	double log_base;

	struct view v;		/* the counts */
	size_t *zunit;		/* the x group of each zxy row */
	size_t *xrun;		/* zxy rows: start of the run of one (z, x) */

	struct view rv;		/* a replicate, rebuilt for each draw */
	size_t rcap, rzcap;

	/* scratch for the quantities */
	double *buf, *ybuf;
	size_t bufcap, cellcap;
	struct oed_cell *cells;
	struct { uint64_t y; double n; } *ys;
	struct oed_xyz *xyz;
	size_t xyzcap;

	/* --capacity: Blahut-Arimoto per state; the last run's states */
	bool capacity;
	double tol;		/* nats */
	unsigned max_iter;
	struct oed_empowerment *states;
	size_t nstates;
};

static void
view_release(struct view *v)
{
	free(v->rows);
	free(v->w);
	free(v->yid);
	free(v->gstart);
	free(v->zrows);
	free(v->zw);
	free(v->zstart);
	memset(v, 0, sizeof(*v));
}

static void
prep_release(struct prep *p)
{
	p->rv.zstart = NULL;	/* borrowed from the counts' view */
	view_release(&p->v);
	view_release(&p->rv);
	free(p->zunit);
	free(p->xrun);
	free(p->buf);
	free(p->ybuf);
	free(p->cells);
	free(p->ys);
	free(p->xyz);
	free(p->states);
}

struct yref {
	uint64_t y;
	size_t row;
};

static int
yref_cmp(const void *a, const void *b)
{
	const struct yref *p = a, *q = b;

	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return p->row < q->row ? -1 : p->row > q->row;
}

/* Split sorted rows into runs of equal first key; starts[0..nruns] (caller frees). */
static size_t *
runs_of(const struct oed_row *rows, size_t n, size_t *nruns)
{
	size_t *start = malloc((n + 1) * sizeof(*start)), k = 0;

	if (start == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || rows[i].k[0] != rows[i - 1].k[0])
			start[k++] = i;
	start[k] = n;
	*nruns = k;
	return start;
}

/* Room for n doubles of scratch (and, with cells, n cells for mi.h). */
static int
scratch(struct prep *p, size_t n, bool cells)
{
	if (n + 1 > p->bufcap) {
		size_t cap = n + 1 > 2 * p->bufcap ? n + 1 : 2 * p->bufcap;
		double *b = realloc(p->buf, cap * sizeof(*b)), *yb;

		if (b == NULL)
			return -1;
		p->buf = b;
		if ((yb = realloc(p->ybuf, cap * sizeof(*yb))) == NULL)
			return -1;
		p->ybuf = yb;
		p->bufcap = cap;
	}
	if (cells && n + 1 > p->cellcap) {
		size_t cap = n + 1 > 2 * p->cellcap ? n + 1 : 2 * p->cellcap;
		struct oed_cell *c = realloc(p->cells, cap * sizeof(*c));
		void *ys;

		if (c == NULL)
			return -1;
		p->cells = c;
		if ((ys = realloc(p->ys, cap * sizeof(*p->ys))) == NULL)
			return -1;
		p->ys = ys;
		p->cellcap = cap;
	}
	return 0;
}

static int
sig_cmp(const uint64_t *a, const uint64_t *b, unsigned perm)
{
	for (unsigned i = 0; i < perm; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Sort rows and add up the counts of rows whose keys became equal. */
static void
sort_merge(struct oed_row *rows, size_t *n)
{
	size_t k = 0;

	if (*n == 0)
		return;		/* rows may be NULL: qsort must not see it */
	qsort(rows, *n, sizeof(*rows), oed_row_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (k > 0 && oed_row_cmp(&rows[k - 1], &rows[i]) == 0)
			oed_count_add(&rows[k - 1].n, &rows[i].n);
		else
			rows[k++] = rows[i];
	}
	*n = k;
}

struct xyrep {
	uint64_t x, y, rep;
};

static int
xyrep_cmp(const void *a, const void *b)
{
	const struct xyrep *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->y < q->y ? -1 : p->y > q->y;
}

/*
 * --cluster: within each input, outputs whose signatures are close enough
 * are one class, named by the member with the smallest signature (so the
 * name does not depend on the order of anything).  Rewrites the rows of
 * v (sorted by (x, y)) and the zxy rows, sorted again and merged.
 */
static int
cluster_rows(const struct oed_engine *e, struct view *v, struct oed_err *err)
{
	unsigned perm = e->mh.perm;
	struct xyrep *map = malloc((v->nrows + 1) * sizeof(*map));
	uint64_t *sigs = malloc(((size_t)v->nrows + 1) * perm * sizeof(*sigs));
	uint32_t *cl = malloc((v->nrows + 1) * sizeof(*cl));
	size_t *member = malloc((v->nrows + 1) * sizeof(*member)), *best = malloc((v->nrows + 1) * sizeof(*best));
	size_t nmap;
	int rc = -1;

	if (!map || !sigs || !cl || !member || !best) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (size_t a = 0; a < v->nrows;) {
		size_t b = a, m = 0;

		while (b < v->nrows && v->rows[b].k[0] == v->rows[a].k[0])
			b++;
		/* rows without a signature (missing, no match) stay classes of their own */
		for (size_t i = a; i < b; i++) {
			const uint64_t *sg = sigmap_get(e->sigs, v->rows[i].k[0], v->rows[i].k[1]);

			map[i] = (struct xyrep){ v->rows[i].k[0], v->rows[i].k[1], v->rows[i].k[1] };
			if (sg) {
				memcpy(sigs + m * perm, sg, perm * sizeof(*sigs));
				member[m++] = i;
			}
		}
		if (m > 1) {
			if (oed_cluster_group(&e->mh, sigs, m, e->mh.threshold, cl) == -1) {
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				goto out;
			}
			for (size_t j = 0; j < m; j++)
				best[j] = SIZE_MAX;
			for (size_t j = 0; j < m; j++) {
				size_t c = cl[j];

				if (best[c] == SIZE_MAX ||
				    sig_cmp(sigs + j * perm, sigs + best[c] * perm, perm) < 0)
					best[c] = j;
			}
			for (size_t j = 0; j < m; j++)
				map[member[j]].rep = v->rows[member[best[cl[j]]]].k[1];
		}
		a = b;
	}
	nmap = v->nrows;
	for (size_t i = 0; i < v->nrows; i++)
		v->rows[i].k[1] = map[i].rep;
	sort_merge(v->rows, &v->nrows);
	/* the same classes in the (z, x, y) rows; map is sorted by (x, y) */
	for (size_t i = 0; i < v->nzrows; i++) {
		struct xyrep key = { v->zrows[i].k[1], v->zrows[i].k[2], 0 };
		struct xyrep *hit = bsearch(&key, map, nmap, sizeof(*map), xyrep_cmp);

		if (hit)
			v->zrows[i].k[2] = hit->rep;
	}
	sort_merge(v->zrows, &v->nzrows);
	rc = 0;
out:
	free(map);
	free(sigs);
	free(cl);
	free(member);
	free(best);
	return rc;
}

static int
prep_init(struct prep *p, struct oed_engine *e, struct oed_err *err)
{
	struct view *v = &p->v;
	struct yref *yr;

	p->e = e;
	if (oed_tab_sorted(&e->xy, &v->rows, &v->nrows, err) == -1 ||
	    oed_tab_sorted(&e->zxy, &v->zrows, &v->nzrows, err) == -1)
		return -1;
	/* the sorted rows are all the results need: the hash tables go */
	oed_tab_release(&e->xy);
	oed_tab_release(&e->zxy);
	if (e->has_mh && cluster_rows(e, v, err) == -1)
		return -1;
	v->w = malloc((v->nrows + 1) * sizeof(double));
	v->yid = malloc((v->nrows + 1) * sizeof(size_t));
	v->zw = malloc((v->nzrows + 1) * sizeof(double));
	p->zunit = malloc((v->nzrows + 1) * sizeof(size_t));
	p->xrun = malloc((v->nzrows + 1) * sizeof(size_t));
	yr = malloc((v->nrows + 1) * sizeof(*yr));
	v->gstart = runs_of(v->rows, v->nrows, &v->ngroups);
	v->zstart = runs_of(v->zrows, v->nzrows, &v->nslices);
	if (!v->w || !v->yid || !v->zw || !p->zunit || !p->xrun || !yr || !v->gstart || !v->zstart ||
	    scratch(p, v->nrows > v->nzrows ? v->nrows : v->nzrows, false) == -1) {
		free(yr);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (size_t i = 0; i < v->nrows; i++) {
		v->w[i] = oed_count_value(&v->rows[i].n);
		yr[i] = (struct yref){ v->rows[i].k[1], i };
	}
	qsort(yr, v->nrows, sizeof(*yr), yref_cmp);
	for (size_t i = 0; i < v->nrows; i++) {
		if (i > 0 && yr[i].y != yr[i - 1].y)
			v->ny++;
		v->yid[yr[i].row] = v->ny;
	}
	if (v->nrows > 0)
		v->ny++;
	free(yr);
	for (size_t i = 0; i < v->nzrows; i++) {
		size_t lo = 0, hi = v->ngroups;

		v->zw[i] = oed_count_value(&v->zrows[i].n);
		/* the x group of the row, for resampling inputs (groups are in key order) */
		while (lo + 1 < hi) {
			size_t mid = (lo + hi) / 2;

			if (v->rows[v->gstart[mid]].k[0] <= v->zrows[i].k[1])
				lo = mid;
			else
				hi = mid;
		}
		p->zunit[i] = lo;
		p->xrun[i] = i > 0 && v->zrows[i].k[0] == v->zrows[i - 1].k[0] &&
				     v->zrows[i].k[1] == v->zrows[i - 1].k[1] ? p->xrun[i - 1] : i;
	}
	return 0;
}

static int
ycmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * I(X;Y) in nats of rows[0..n) (sorted by their keys kx, ky = kx + 1)
 * with weights w: the plug-in through mi.h, else H(X) + H(Y) - H(X,Y)
 * by the estimator (estimators.h).  mo, when not NULL, receives mi.h's
 * full plug-in result, E[I] included.
 */
static int
table_mi(struct prep *p, const struct oed_row *rows, const double *w, size_t n, int kx,
	 struct oed_mi *mo, double *hx, double *hy, double *mi, struct oed_err *err)
{
	struct oed_mi m;
	size_t k = 0, nx = 0, ny = 0;

	if (scratch(p, n, true) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (w[i] > 0)
			p->cells[k++] = (struct oed_cell){ rows[i].k[kx], rows[i].k[kx + 1], w[i] };
	if (mo || p->est.id == OED_EST_PLUGIN) {
		if (oed_mi_compute(p->cells, k, &m, err) == -1)
			return -1;
		if (mo)
			*mo = m;
		if (p->est.id == OED_EST_PLUGIN) {
			*hx = m.h_x;
			*hy = m.h_y;
			*mi = m.mi;
			return 0;
		}
	}
	/* x marginals: cells are sorted by x */
	for (size_t i = 0; i < k;) {
		double s = 0;
		size_t j = i;

		while (j < k && p->cells[j].x == p->cells[i].x)
			s += p->cells[j++].n;
		p->buf[nx++] = s;
		i = j;
	}
	if (est_entropy(&p->est, p->buf, nx, 0, hx, err) == -1)
		return -1;
	for (size_t i = 0; i < k; i++) {
		p->ys[i].y = p->cells[i].y;
		p->ys[i].n = p->cells[i].n;
	}
	qsort(p->ys, k, sizeof(*p->ys), ycmp);
	for (size_t i = 0; i < k;) {
		double s = 0;
		size_t j = i;

		while (j < k && p->ys[j].y == p->ys[i].y)
			s += p->ys[j++].n;
		p->buf[ny++] = s;
		i = j;
	}
	if (est_entropy(&p->est, p->buf, ny, 0, hy, err) == -1)
		return -1;
	return oed_mi_estimate(p->est.id, p->cells, k, 0, 0, mi, err);
}

/* The zxy rows of v with positive weight as mi.h cells; their count, SIZE_MAX on error. */
static size_t
xyz_cells(struct prep *p, const struct view *v, struct oed_err *err)
{
	size_t k = 0;

	if (v->nzrows + 1 > p->xyzcap) {
		struct oed_xyz *c = realloc(p->xyz, (v->nzrows + 1) * sizeof(*c));

		if (c == NULL) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			return SIZE_MAX;
		}
		p->xyz = c;
		p->xyzcap = v->nzrows + 1;
	}
	for (size_t i = 0; i < v->nzrows; i++)
		if (v->zw[i] > 0)
			p->xyz[k++] = (struct oed_xyz){ v->zrows[i].k[1], v->zrows[i].k[2], v->zrows[i].k[0],
							v->zw[i] };
	return k;
}

/*
 * I(X;Y|Z) in nats from the zxy rows of v: the plug-in sum_z p(z)
 * I(X;Y|Z=z) through mi.h, else H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) by the
 * estimator (estimators.h).
 */
static int
cond_mi(struct prep *p, const struct view *v, double *out, struct oed_err *err)
{
	size_t k = xyz_cells(p, v, err);

	if (k == SIZE_MAX)
		return -1;
	if (p->est.id == OED_EST_PLUGIN)
		return oed_cmi(p->xyz, k, out, err);
	return oed_cmi_estimate(p->est.id, p->xyz, k, 0, 0, 0, out, err);
}

/*
 * --capacity: the channel capacity from actions to next states at each
 * state (capacity.h), and its mean over states weighted by p(s), in nats.
 * The states' results stay in p->states for the per-state records.
 */
static int
capacity_mean(struct prep *p, const struct view *v, double *out, struct oed_err *err)
{
	size_t k = xyz_cells(p, v, err);
	double total = 0, sum = 0;

	if (k == SIZE_MAX)
		return -1;
	free(p->states);
	p->states = NULL;
	p->nstates = 0;
	if (oed_empowerment(p->xyz, k, p->tol, p->max_iter, &p->states, &p->nstates, err) == -1)
		return -1;
	for (size_t i = 0; i < p->nstates; i++) {
		total += p->states[i].n;
		sum += p->states[i].n * p->states[i].c.capacity;
	}
	*out = total > 0 ? sum / total : 0;
	return 0;
}

/*
 * Every quantity the engine reports, in nats (NMI and AMI as ratios),
 * from a view; NAN where a quantity does not apply.
 */
static int
compute(struct prep *p, const struct view *v, double *q, struct oed_err *err)
{
	const struct oed_engine *e = p->e;
	double total = 0;

	for (int i = 0; i < Q_COUNT; i++)
		q[i] = NAN;
	if (e->emp) {
		if (cond_mi(p, v, &q[Q_EMP], err) == -1)
			return -1;
		return p->capacity ? capacity_mean(p, v, &q[Q_CAP], err) : 0;
	}
	if (scratch(p, v->nrows + v->ny, false) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < v->nrows; i++)
		total += v->w[i];
	if (e->p.kind == OED_ENGINE_ENTROPY) {
		double hyx = 0;
		size_t nx = 0;

		memset(p->ybuf, 0, (v->ny + 1) * sizeof(double));
		for (size_t i = 0; i < v->nrows; i++)
			p->ybuf[v->yid[i]] += v->w[i];
		if (est_entropy(&p->est, p->ybuf, v->ny, p->est.k, &q[Q_HY], err) == -1)
			return -1;
		if (e->p.x == NULL)
			return 0;
		for (size_t g = 0; g < v->ngroups; g++) {
			size_t a = v->gstart[g], b = v->gstart[g + 1];
			double ng = 0, hg;

			for (size_t i = a; i < b; i++)
				ng += v->w[i];
			if (ng <= 0)
				continue;
			if (est_entropy(&p->est, v->w + a, b - a, p->est.k, &hg, err) == -1)
				return -1;
			hyx += ng * hg;
			p->buf[nx++] = ng;
		}
		if (est_entropy(&p->est, p->buf, nx, 0, &q[Q_HX], err) == -1)
			return -1;
		q[Q_HYX] = total > 0 ? hyx / total : 0;
		q[Q_MI] = q[Q_HY] - q[Q_HYX];
		return 0;
	} else {
		struct oed_mi m = { 0 };
		double hx, hy, mi;

		if (table_mi(p, v->rows, v->w, v->nrows, 0, &m, &hx, &hy, &mi, err) == -1)
			return -1;
		q[Q_HX] = hx;
		q[Q_HY] = hy;
		q[Q_MI] = mi;
		/* the plug-in's rounding may leave -1e-17 where the truth is 0 */
		q[Q_HXY_COND] = p->est.id == OED_EST_PLUGIN ? fmax(hx - mi, 0) : hx - mi;
		q[Q_HYX] = p->est.id == OED_EST_PLUGIN ? fmax(hy - mi, 0) : hy - mi;
		q[Q_VI] = p->est.id == OED_EST_PLUGIN ? fmax(hx + hy - 2 * mi, 0) : hx + hy - 2 * mi;
		q[Q_NMI] = m.nmi[p->avg];
		q[Q_EMI] = m.emi;
		q[Q_AMI] = m.ami[p->avg];
		if (e->has_z)
			return cond_mi(p, v, &q[Q_CMI], err);
		return 0;
	}
}

/* Make room for n rows (xy) and nz rows (zxy) in the replicate. */
static int
replicate_room(struct prep *p, size_t n, size_t nz)
{
	struct view *r = &p->rv;

	if (n > p->rcap) {
		size_t cap = n > 2 * p->rcap ? n : 2 * p->rcap;
		void *a = realloc(r->rows, cap * sizeof(*r->rows)), *b, *c, *d;

		if (a)
			r->rows = a;
		b = realloc(r->w, cap * sizeof(*r->w));
		if (b)
			r->w = b;
		c = realloc(r->yid, cap * sizeof(*r->yid));
		if (c)
			r->yid = c;
		d = realloc(r->gstart, (cap + 1) * sizeof(*r->gstart));
		if (d)
			r->gstart = d;
		if (!a || !b || !c || !d)
			return -1;
		p->rcap = cap;
	}
	if (nz > p->rzcap) {
		size_t cap = nz > 2 * p->rzcap ? nz : 2 * p->rzcap;
		void *a = realloc(r->zrows, cap * sizeof(*r->zrows)), *b;

		if (a)
			r->zrows = a;
		b = realloc(r->zw, cap * sizeof(*r->zw));
		if (b)
			r->zw = b;
		if (!a || !b)
			return -1;
		p->rzcap = cap;
	}
	return 0;
}

/*
 * A replicate that resamples inputs: input g drawn m times is m inputs of
 * its own (numbered copies, in the order of g), as a cluster bootstrap
 * treats its draws, so H(X) and the marginals of X see m classes, not one
 * class of m times the weight.
 */
static int
replicate_clusters(struct prep *p, const uint64_t *mult)
{
	const struct view *v = &p->v;
	struct view *r = &p->rv;
	size_t n = 0, nz = 0, *first;
	uint64_t c = 0;

	for (size_t g = 0; g < v->ngroups; g++)
		n += (size_t)mult[g] * (v->gstart[g + 1] - v->gstart[g]);
	for (size_t i = 0; i < v->nzrows; i++)
		nz += (size_t)mult[p->zunit[i]];
	if (replicate_room(p, n + 1, nz + 1) == -1 ||
	    (first = malloc((v->ngroups + 1) * sizeof(*first))) == NULL)
		return -1;
	r->nrows = 0;
	r->ngroups = 0;
	r->ny = v->ny;
	for (size_t g = 0; g < v->ngroups; g++) {
		first[g] = (size_t)c;
		for (uint64_t m = 0; m < mult[g]; m++, c++) {
			r->gstart[r->ngroups++] = r->nrows;
			for (size_t i = v->gstart[g]; i < v->gstart[g + 1]; i++) {
				r->rows[r->nrows] = v->rows[i];
				r->rows[r->nrows].k[0] = c;
				r->w[r->nrows] = v->w[i];
				r->yid[r->nrows++] = v->yid[i];
			}
		}
	}
	r->gstart[r->ngroups] = r->nrows;
	/* zxy: within each slice, each (z, x) run repeated per copy keeps (z, copy, y) order */
	r->nzrows = 0;
	for (size_t i = 0; i < v->nzrows;) {
		size_t j = i, g = p->zunit[i];

		while (j < v->nzrows && p->xrun[j] == i)
			j++;
		for (uint64_t m = 0; m < mult[g]; m++)
			for (size_t t = i; t < j; t++) {
				r->zrows[r->nzrows] = v->zrows[t];
				r->zrows[r->nzrows].k[1] = first[g] + m;
				r->zw[r->nzrows++] = v->zw[t];
			}
		i = j;
	}
	free(first);
	/* slices are the same z keys as the counts' */
	r->zstart = v->zstart;
	r->nslices = v->nslices;
	return 0;
}

/* The bootstrap's statistic: the replicate, then compute(). */
static int
boot_stat(void *ctx, const uint64_t *mult, double *out, struct oed_err *err)
{
	struct prep *p = ctx;
	const struct view *v = &p->v;
	struct view *r = &p->rv;

	if (p->e->emp || p->e->p.x == NULL) {
		/* records: the same rows, drawn counts as weights */
		size_t n = p->e->emp ? v->nzrows : v->nrows;
		double *w = malloc((n + 1) * sizeof(*w));
		struct view tmp = *v;
		int rc;

		if (w == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		for (size_t i = 0; i < n; i++)
			w[i] = (double)mult[i];
		if (p->e->emp)
			tmp.zw = w;
		else
			tmp.w = w;
		rc = compute(p, &tmp, out, err);
		free(w);
		return rc;
	}
	if (replicate_clusters(p, mult) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return compute(p, r, out, err);
}

/* ---- per-input records ---- */

struct group {
	uint64_t x;
	double n, h;
	size_t distinct;
	const char *name;
};

static int
group_by_h(const void *a, const void *b)
{
	const struct group *p = a, *q = b;

	/* least consistent first, then larger groups, then key: a total order */
	if (p->h != q->h)
		return p->h > q->h ? -1 : 1;
	if (p->n != q->n)
		return p->n > q->n ? -1 : 1;
	return p->x < q->x ? -1 : p->x > q->x;
}

static int
group_by_name(const void *a, const void *b)
{
	const struct group *p = a, *q = b;
	int c;

	/* the missing class (no name) last */
	if (p->name == NULL || q->name == NULL)
		return (p->name == NULL) - (q->name == NULL);
	if ((c = strcmp(p->name, q->name)) != 0)
		return c;
	return p->x < q->x ? -1 : p->x > q->x;
}

static int
put_groups(struct oed_results *res, struct prep *p, const struct oed_engine_opts *o,
	   struct oed_err *err)
{
	struct group *g = malloc((p->v.ngroups + 1) * sizeof(*g));
	size_t limit = p->v.ngroups;

	if (g == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < p->v.ngroups; i++) {
		size_t a = p->v.gstart[i], b = p->v.gstart[i + 1];

		g[i].x = p->v.rows[a].k[0];
		g[i].n = 0;
		for (size_t j = a; j < b; j++)
			g[i].n += p->v.w[j];
		g[i].distinct = b - a;
		if (est_entropy(&p->est, p->v.w + a, b - a, p->est.k, &g[i].h, err) == -1) {
			free(g);
			return -1;
		}
		g[i].h /= p->log_base;
		g[i].name = g[i].x == p->e->missing_key ? NULL : oed_names_get(&p->e->names, g[i].x);
	}
	if (o->top) {
		qsort(g, p->v.ngroups, sizeof(*g), group_by_h);
		if (o->top < limit)
			limit = o->top;
	} else {
		qsort(g, p->v.ngroups, sizeof(*g), group_by_name);
	}
	for (size_t i = 0; i < limit; i++) {
		struct rec *r = rec_new(res, "entropy.group");
		char hex[17];

		if (r == NULL)
			break;
		put_str(res, r, "kind", "entropy.group");
		if (g[i].name) {
			put_str(res, r, "x", g[i].name);
			r->grp = strdup(g[i].name);
		} else if (g[i].x == p->e->missing_key) {
			item_new(res, r, "x", IT_NULL);
			r->grp_null = true;
		} else {
			/* a state merged without its names: the fingerprint is all there is */
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)g[i].x);
			put_str(res, r, "x_key", hex);
			r->grp = strdup(hex);
		}
		put_num(res, r, "n", g[i].n);
		put_uint(res, r, "distinct", g[i].distinct);
		put_num(res, r, "h", g[i].h);
	}
	free(g);
	return 0;
}

struct state_rec {
	uint64_t z;
	size_t a, b;		/* its zxy rows */
	const char *name;
};

static int
state_by_name(const void *a, const void *b)
{
	const struct state_rec *p = a, *q = b;
	int c;

	if (p->name == NULL || q->name == NULL)
		return (p->name == NULL) - (q->name == NULL);
	if ((c = strcmp(p->name, q->name)) != 0)
		return c;
	return p->z < q->z ? -1 : p->z > q->z;
}

/*
 * Empowerment --per-group: one mi.state record per state, in the order of
 * their names, with its steps, actions, next states, I(A;S'|S=s) and,
 * under --capacity, the capacity and how Blahut-Arimoto ended there.
 */
static int
put_states(struct oed_results *res, struct prep *p, const struct oed_engine_opts *o,
	   const struct oed_empowerment *caps, size_t ncaps, struct oed_err *err)
{
	const struct view *v = &p->v;
	struct state_rec *st = malloc((v->nslices + 1) * sizeof(*st));
	uint64_t *ys = malloc((v->nzrows + 1) * sizeof(*ys));
	int rc = -1;

	if (st == NULL || ys == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < v->nslices; s++) {
		st[s].a = v->zstart[s];
		st[s].b = v->zstart[s + 1];
		st[s].z = v->zrows[st[s].a].k[0];
		st[s].name = st[s].z == p->e->missing_key ? NULL : oed_names_get(&p->e->names, st[s].z);
	}
	qsort(st, v->nslices, sizeof(*st), state_by_name);
	for (size_t s = 0; s < v->nslices; s++) {
		struct view one = *v;
		size_t a = st[s].a, b = st[s].b, nact = 0, nnext = 0;
		double n = 0, emp;
		const struct oed_empowerment *c = NULL;
		struct rec *r;
		char hex[17];

		for (size_t i = a; i < b; i++) {
			n += v->zw[i];
			nact += i == a || v->zrows[i].k[1] != v->zrows[i - 1].k[1];
			ys[i - a] = v->zrows[i].k[2];
		}
		qsort(ys, b - a, sizeof(*ys), ycmp);
		for (size_t i = 0; i < b - a; i++)
			nnext += i == 0 || ys[i] != ys[i - 1];
		one.zrows = v->zrows + a;
		one.zw = v->zw + a;
		one.nzrows = b - a;
		if (cond_mi(p, &one, &emp, err) == -1)
			goto out;
		for (size_t i = 0; i < ncaps; i++)
			if (caps[i].state == st[s].z)
				c = &caps[i];
		if ((r = rec_new(res, "mi.state")) == NULL)
			break;
		put_str(res, r, "kind", "mi.state");
		if (st[s].name) {
			put_str(res, r, "state", st[s].name);
			r->grp = strdup(st[s].name);
		} else if (st[s].z == p->e->missing_key) {
			item_new(res, r, "state", IT_NULL);
			r->grp_null = true;
		} else {
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)st[s].z);
			put_str(res, r, "state_key", hex);
			r->grp = strdup(hex);
		}
		put_num(res, r, "n", n);
		put_uint(res, r, "actions", nact);
		put_uint(res, r, "next_states", nnext);
		put_num(res, r, "empowerment", emp / p->log_base);
		if (o->capacity && c) {
			struct item *it;

			put_num(res, r, "capacity", c->c.capacity / p->log_base);
			put_num(res, r, "capacity_upper", c->c.upper / p->log_base);
			put_uint(res, r, "iterations", c->c.iterations);
			if ((it = item_new(res, r, "converged", IT_BOOL)) != NULL)
				it->v = c->c.converged;
		}
	}
	rc = 0;
out:
	free(st);
	free(ys);
	return rc;
}

/* ---- the results ---- */

static double
log_base_of(const char *base)
{
	if (strcmp(base, "e") == 0)
		return 1;
	if (strcmp(base, "10") == 0)
		return log(10);
	return log(2);
}

int
oed_engine_check_opts(const struct oed_engine *e, const struct oed_engine_opts *o, struct oed_err *err)
{
	enum oed_estimator id = OED_EST_PLUGIN;
	enum oed_average avg;
	bool fractional = e->xy.fractional || e->zxy.fractional;

	if (o->estimator && oed_estimator_parse(o->estimator, &id, err) == -1)
		return -1;
	if (o->average && oed_average_parse(o->average, &avg, err) == -1)
		return -1;
	if (strcmp(o->base, "2") != 0 && strcmp(o->base, "e") != 0 && strcmp(o->base, "10") != 0)
		return oed_err_set(err, OED_EX_USAGE, "--base: '%s' is not 2, e or 10", o->base);
	if (e->p.kind == OED_ENGINE_MI && o->per_group && !e->emp)
		return oed_err_set(err, OED_EX_USAGE, "--per-group gives one record per state: it needs --action, --state and --next");
	if (e->p.kind == OED_ENGINE_ENTROPY && (o->per_group || o->top) && e->p.x == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--per-group and --top need an input field (-x)");
	if (o->capacity && !e->emp)
		return oed_err_set(err, OED_EX_USAGE, "--capacity needs --action, --state and --next");
	if (o->capacity && (!(o->tolerance > 0) || o->max_iter < 1 || o->max_iter > 100000000))
		return oed_err_set(err, OED_EX_USAGE, "--tolerance must be above 0 and --max-iter from 1 to 100000000");
	if (o->ci != 0 && !(o->ci > 0 && o->ci < 1))
		return oed_err_set(err, OED_EX_USAGE, "--ci: the level is between 0 and 1, like 0.95");
	if (o->classes && !oed_estimator_uses_k(id))
		return oed_err_set(err, OED_EX_USAGE,
				   "--classes: the %s estimator does not depend on the number of classes",
				   oed_estimator_name(id));
	if (fractional && oed_estimator_needs_integers(id))
		return oed_err_set(err, OED_EX_USAGE,
				   "--estimator %s needs whole counts, and the weights in '%s' are fractional",
				   oed_estimator_name(id), e->p.w ? e->p.w : "?");
	if (fractional && e->p.kind == OED_ENGINE_MI)
		return oed_err_set(err, OED_EX_USAGE,
				   "oed-mi needs whole counts (for the expected MI and AMI), and the weights in '%s' are fractional",
				   e->p.w ? e->p.w : "?");
	if (fractional && o->ci > 0 && (e->emp || e->p.x == NULL))
		return oed_err_set(err, OED_EX_USAGE,
				   "--ci resamples records here, which needs whole counts, and the weights in '%s' are fractional",
				   e->p.w ? e->p.w : "?");
	return 0;
}

static void
put_lengths(struct oed_results *res, struct rec *r, const char *key, const char *encoding,
	    const struct oed_lenhist *h, struct oed_err *err, int *rc)
{
	struct oed_lenbin *bins;
	struct oed_lensummary st;
	size_t n;

	if (oed_lenhist_bins(h, &bins, &n, err) == -1) {
		*rc = -1;
		return;
	}
	if (n > 0) {
		oed_lenhist_summary(bins, n, &st);
		item_new(res, r, key, IT_OBJ);
		if (encoding)
			put_str(res, r, "encoding", encoding);
		put_num(res, r, "mean", st.mean);
		put_num(res, r, "sd", st.sd);
		put_num(res, r, "min", st.min);
		put_num(res, r, "p50", st.p50);
		put_num(res, r, "p90", st.p90);
		put_num(res, r, "p99", st.p99);
		put_num(res, r, "max", st.max);
		item_new(res, r, NULL, IT_END);
	}
	free(bins);
}

/* The run's parameters as JSON for the store: the state's and the result options. */
static char *
run_params(const struct oed_engine *e, const struct oed_engine_opts *o, const char *est)
{
	json_t *j = params_json(&e->p);
	char *s;

	if (j == NULL)
		return NULL;
	json_object_set_new(j, "estimator", json_string(est));
	json_object_set_new(j, "base", json_string(o->base));
	if (o->classes)
		json_object_set_new(j, "classes", json_integer((json_int_t)o->classes));
	if (e->p.kind == OED_ENGINE_MI)
		json_object_set_new(j, "average", json_string(o->average ? o->average : "arithmetic"));
	if (o->ci > 0) {
		json_object_set_new(j, "ci", json_real(o->ci));
		json_object_set_new(j, "bootstrap", json_integer((json_int_t)o->bootstrap));
		json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
	}
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

struct oed_results *
oed_engine_results(struct oed_engine *e, const struct oed_engine_opts *o, struct oed_err *err)
{
	struct oed_results *res = calloc(1, sizeof(*res));
	double q[Q_COUNT], lo[Q_COUNT], hi[Q_COUNT], n = oed_count_value(e->emp ? &e->zxy.total : &e->xy.total);
	bool ci = o->ci > 0 && o->bootstrap > 0;
	struct prep p;
	struct rec *r;
	const char *est_name;
	struct oed_empowerment *states = NULL;
	size_t nstates = 0;
	double lb;
	int rc = 0;

	if (res == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	if (oed_engine_check_opts(e, o, err) == -1 || prep_init(&p, e, err) == -1)
		goto fail;
	p.est.id = OED_EST_PLUGIN;
	if (o->estimator)
		oed_estimator_parse(o->estimator, &p.est.id, err);
	p.est.k = (double)o->classes;
	p.avg = OED_AVG_ARITHMETIC;
	if (o->average)
		oed_average_parse(o->average, &p.avg, err);
	p.log_base = lb = log_base_of(o->base);
	est_name = oed_estimator_name(p.est.id);

	p.capacity = o->capacity;
	p.tol = o->tolerance * lb;
	p.max_iter = (unsigned)o->max_iter;
	if (compute(&p, &p.v, q, err) == -1)
		goto fail;
	/* the states of the counts, not of the last replicate */
	states = p.states;
	nstates = p.nstates;
	p.states = NULL;
	p.nstates = 0;
	for (int i = 0; i < Q_COUNT; i++)
		lo[i] = hi[i] = NAN;
	if (ci) {
		struct oed_boot b = { OED_BOOT_CLUSTERS, p.v.ngroups, NULL, o->bootstrap, o->ci, o->seed };
		uint64_t *counts = NULL;

		if (e->emp || e->p.x == NULL) {
			/* no inputs to resample: records, drawn from the rows */
			const struct oed_row *rows = e->emp ? p.v.zrows : p.v.rows;

			b.scheme = OED_BOOT_RECORDS;
			b.nunits = e->emp ? p.v.nzrows : p.v.nrows;
			if ((counts = malloc((b.nunits + 1) * sizeof(*counts))) == NULL) {
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				goto fail;
			}
			for (size_t i = 0; i < b.nunits; i++)
				counts[i] = rows[i].n.whole;
			b.counts = counts;
		}
		rc = oed_bootstrap(&b, Q_COUNT, boot_stat, &p, lo, hi, err);
		free(counts);
		if (rc == -1)
			goto fail;
	}

	/* the summary record, keys in a stable order */
	r = rec_new(res, e->p.kind == OED_ENGINE_MI ? "mi" : "entropy");
	put_str(res, r, "kind", e->p.kind == OED_ENGINE_MI ? "mi" : "entropy");
	put_num(res, r, "n", n);
	if (e->emp) {
		put_str(res, r, "action", e->p.action);
		put_str(res, r, "state", e->p.state);
		put_str(res, r, "next", e->p.next);
	} else {
		if (e->p.x)
			put_str(res, r, "x", e->p.x);
		put_str(res, r, "y", e->p.y);
		if (e->p.z)
			put_str(res, r, "z", e->p.z);
	}
	if (e->p.w)
		put_str(res, r, "w", e->p.w);
	put_str(res, r, "estimator", est_name);
	if (o->classes)
		put_uint(res, r, "classes", o->classes);
	put_str(res, r, "base", o->base);
	if (e->p.kind == OED_ENGINE_MI && !e->emp)
		put_str(res, r, "average", oed_average_name(p.avg));
	if (e->p.normalize)
		put_str(res, r, "normalize", e->p.normalize);
	if (e->p.extract)
		put_str(res, r, "extract", e->p.extract);
	if (e->p.cluster) {
		put_str(res, r, "cluster", e->p.cluster);
		put_uint(res, r, "cluster_seed", e->p.cluster_seed);
		r->it[r->n - 1].metric = false;
	}
	if (e->p.cluster_field)
		put_str(res, r, "cluster_field", e->p.cluster_field);
	if (ci) {
		put_num(res, r, "ci", o->ci);
		r->it[r->n - 1].metric = false;
		put_uint(res, r, "bootstrap", o->bootstrap);
		r->it[r->n - 1].metric = false;
		put_uint(res, r, "seed", o->seed);
		r->it[r->n - 1].metric = false;
	}
#define Q(key, i) put_q(res, r, key, q[i] / lb, ci, lo[i] / lb, hi[i] / lb)
#define R(key, i) put_q(res, r, key, q[i], ci, lo[i], hi[i])
	if (e->emp) {
		size_t na = 0;

		for (size_t i = 0; i < p.v.nzrows; i++)
			if (i == 0 || p.v.zrows[i].k[0] != p.v.zrows[i - 1].k[0] || p.v.zrows[i].k[1] != p.v.zrows[i - 1].k[1])
				na++;
		put_uint(res, r, "states", p.v.nslices);
		put_uint(res, r, "state_actions", na);
		Q("empowerment", Q_EMP);
		if (o->capacity) {
			unsigned most = 0;
			size_t open_ = 0;

			for (size_t i = 0; i < nstates; i++) {
				if (states[i].c.iterations > most)
					most = states[i].c.iterations;
				open_ += !states[i].c.converged;
			}
			Q("capacity", Q_CAP);
			put_num(res, r, "capacity_tolerance", o->tolerance);
			put_uint(res, r, "capacity_max_iter", o->max_iter);
			put_uint(res, r, "capacity_iterations", most);
			put_uint(res, r, "capacity_unconverged", open_);
		}
	} else if (e->p.kind == OED_ENGINE_ENTROPY) {
		if (e->p.x) {
			put_uint(res, r, "inputs", p.v.ngroups);
			Q("h_x", Q_HX);
		}
		put_uint(res, r, "distinct_outputs", p.v.ny);
		Q("h_y", Q_HY);
		if (e->p.x) {
			Q("h_y_given_x", Q_HYX);
			Q("mi", Q_MI);
		}
	} else {
		put_uint(res, r, "classes_x", p.v.ngroups);
		put_uint(res, r, "classes_y", p.v.ny);
		Q("h_x", Q_HX);
		Q("h_y", Q_HY);
		Q("mi", Q_MI);
		Q("h_x_given_y", Q_HXY_COND);
		Q("h_y_given_x", Q_HYX);
		R("nmi", Q_NMI);
		Q("emi", Q_EMI);
		R("ami", Q_AMI);
		Q("vi", Q_VI);
		if (e->has_z) {
			put_uint(res, r, "classes_z", p.v.nslices);
			Q("cmi", Q_CMI);
		}
	}
#undef Q
#undef R
	if (e->p.extract) {
		/* the outputs REGEX did not match, a class of their own */
		const struct oed_row *rows = e->emp ? p.v.zrows : p.v.rows;
		size_t nr = e->emp ? p.v.nzrows : p.v.nrows;
		double nm = 0;

		for (size_t i = 0; i < nr; i++)
			if (rows[i].k[e->emp ? 2 : 1] == e->nomatch_key)
				nm += oed_count_value(&rows[i].n);
		put_num(res, r, "no_match", nm);
	}
	if (e->p.kind == OED_ENGINE_ENTROPY) {
		put_lengths(res, r, "length_chars", NULL, &e->chars, err, &rc);
		if (e->p.tokens && rc == 0)
			put_lengths(res, r, "length_tokens", e->p.tokens, &e->tokens, err, &rc);
		if (rc == -1)
			goto fail;
	}
	if (e->emp && o->per_group && put_states(res, &p, o, states, nstates, err) == -1)
		goto fail;
	if (!e->emp && (o->per_group || o->top) && put_groups(res, &p, o, err) == -1)
		goto fail;
	if ((res->params = run_params(e, o, est_name)) == NULL)
		res->oom = true;
	if (res->oom) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	free(states);
	prep_release(&p);
	return res;
fail:
	free(states);
	prep_release(&p);
	oed_results_free(res);
	return NULL;
}

/* ---- a whole run ---- */

#include "opt.h"
#include "progress.h"

bool
oed_engine_uses_classes(const char *estimator)
{
	enum oed_estimator id = OED_EST_PLUGIN;
	struct oed_err ignored;

	if (estimator && oed_estimator_parse(estimator, &id, &ignored) == -1)
		return false;
	return oed_estimator_uses_k(id);
}

/* Count the records of r into e. */
static int
count_records(struct oed_engine *e, struct oed_reader *r, bool quiet, struct oed_err *err)
{
	struct oed_progress prog;
	int rc;

	oed_progress_init(&prog, quiet, "records", 0);
	while ((rc = oed_reader_next(r, err)) == 1) {
		if (oed_engine_add(e, r, err) == -1)
			return -1;
		oed_progress_tick(&prog, oed_reader_records(r));
	}
	oed_progress_done(&prog, oed_reader_records(r));
	return rc;
}

int
oed_engine_run(struct oed_engine_job *job, struct oed_err *err)
{
	struct oed_engine *e = NULL;
	struct oed_reader *r = NULL;
	struct oed_results *res = NULL;
	struct oed_policy strict;
	struct oed_writer w;
	char digest[17];
	int rc = -1;

	oed_policy_init(&strict);
	oed_writer_init(&w, stdout);
	if (job->emit_state && job->merge) {
		oed_err_set(err, OED_EX_USAGE, "--emit-state and --merge do not go together");
		goto out;
	}
	if (job->emit_state && (job->record || job->opts.per_group || job->opts.top || job->opts.ci > 0)) {
		/* a state has no results: these apply where the states are merged */
		oed_err_set(err, OED_EX_USAGE, "--%s applies to results: give it to --merge, not --emit-state",
			    job->record ? "record" : job->opts.per_group ? "per-group" : job->opts.top ? "top" : "ci");
		goto out;
	}
	if (job->record && oed_store_check(job->io->store, err) == -1)
		goto out;
	if (job->merge) {
		/* a state with a line skipped would merge into wrong results: any bad line stops */
		if ((r = oed_reader_new(job->nfiles, job->files, job->io->max_line, &strict, err)) == NULL)
			goto out;
		oed_reader_digest(r, job->record);
		if ((e = oed_engine_merge(r, job->params.kind, &job->given, job->given_missing, err)) == NULL)
			goto out;
		if (oed_engine_check_opts(e, &job->opts, err) == -1)
			goto out;
	} else {
		job->params.names = job->params.names || job->emit_state;
		if ((e = oed_engine_new(&job->params, err)) == NULL)
			goto out;
		if (!job->emit_state && oed_engine_check_opts(e, &job->opts, err) == -1)
			goto out;
		if ((r = oed_reader_new(job->nfiles, job->files, job->io->max_line, &job->io->policy,
					err)) == NULL)
			goto out;
		if (oed_engine_bind(e, r, err) == -1)
			goto out;
		oed_reader_digest(r, job->record);
		if (count_records(e, r, job->io->quiet, err) == -1)
			goto out;
		if (oed_policy_close(&job->io->policy, err) == -1)
			goto out;
	}
	oed_reader_digest_hex(r, digest);
	if (job->emit_state) {
		if (oed_engine_write_state(e, &w, err) == -1)
			goto out;
	} else {
		if ((res = oed_engine_results(e, &job->opts, err)) == NULL)
			goto out;
		if (oed_results_write(res, &w) == -1) {
			oed_err_set(err, OED_EX_FAIL, "cannot write the results");
			goto out;
		}
		if (job->record &&
		    oed_results_record(res, job->io, job->tool, job->argc, job->argv, digest, err) == -1)
			goto out;
	}
	rc = 0;
out:
	oed_results_free(res);
	oed_reader_free(r);
	oed_engine_free(e);
	oed_writer_release(&w);
	oed_policy_release(&strict);
	return rc;
}
