/*
 * engine.c: the engine's parameters and the counting of records into its
 * tables (see engine.h); states are in state.c, results in results.c.
 */
#include "config.h"
#include "engine_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "utf8.h"

/*
 * The class of a missing or null value under --missing=class.  The reader
 * only hands out valid UTF-8, so text starting with 0xFF never comes from
 * a record and the class stays apart from every real value.
 */
static const char MISSING_TEXT[] = "\xff" "missing";
#define MISSING_LEN (sizeof(MISSING_TEXT) - 1)
/* Under --extract, the class of the outputs REGEX does not match. */
static const char NOMATCH_TEXT[] = "\xff" "no match";

/* ---- MinHash signatures of the distinct (x, class) pairs, for --cluster ---- */

struct oed_sigmap *
oed_sigmap_new(unsigned perm)
{
	struct oed_sigmap *m = calloc(1, sizeof(*m));

	if (m) {
		oed_map_init(&m->at);
		m->perm = perm;
	}
	return m;
}

void
oed_sigmap_free(struct oed_sigmap *m)
{
	if (m == NULL)
		return;
	oed_map_release(&m->at);
	free(m->kx);
	free(m->ky);
	free(m->sig);
	free(m);
}

/* The entry of (x, y), or SIZE_MAX; *free_key receives the first key no pair holds. */
static size_t
sig_find(const struct oed_sigmap *m, uint64_t x, uint64_t y, uint64_t *free_key)
{
	uint64_t key = oed_map_pair_key(x, y);
	const uint64_t *v;

	/* two pairs share a key about once in 2^64: then the second takes the next */
	while ((v = oed_map_get(&m->at, key)) != NULL) {
		if (m->kx[*v] == x && m->ky[*v] == y)
			return (size_t)*v;
		key += OED_MAP_PAIR_STEP;
	}
	if (free_key)
		*free_key = key;
	return SIZE_MAX;
}

/* The signature of (x, y), or NULL. */
const uint64_t *
oed_sigmap_get(const struct oed_sigmap *m, uint64_t x, uint64_t y)
{
	size_t i = sig_find(m, x, y, NULL);

	return i == SIZE_MAX ? NULL : m->sig + i * m->perm;
}

/* Keep sig for (x, y) unless one is kept; 0 or -1 (out of memory). */
int
oed_sigmap_put(struct oed_sigmap *m, uint64_t x, uint64_t y, const uint64_t *sig)
{
	uint64_t key;

	if (sig_find(m, x, y, &key) != SIZE_MAX)
		return 0;
	if (m->used == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		uint64_t *kx = realloc(m->kx, cap * sizeof(*kx)), *ky, *sg;

		if (kx == NULL)
			return -1;
		m->kx = kx;
		if ((ky = realloc(m->ky, cap * sizeof(*ky))) == NULL)
			return -1;
		m->ky = ky;
		if ((sg = realloc(m->sig, cap * m->perm * sizeof(*sg))) == NULL)
			return -1;
		m->sig = sg;
		m->cap = cap;
	}
	if (oed_map_set(&m->at, key, m->used) == -1)
		return -1;
	m->kx[m->used] = x;
	m->ky[m->used] = y;
	memcpy(m->sig + m->used * m->perm, sig, m->perm * sizeof(*sig));
	m->used++;
	return 0;
}

/* ---- parameters ---- */

/*
 * A copy of s the engine keeps (NULL stays NULL).  A copy that cannot be
 * made, for want of memory or of room in own[], sets own_failed, which
 * oed_engine_new checks once after every copy.
 */
static char *
own(struct oed_engine *e, const char *s)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < OED_ENGINE_OWN && e->own[i]; i++)
		;
	if (i == OED_ENGINE_OWN || (e->own[i] = strdup(s)) == NULL) {
		e->own_failed = true;
		return NULL;
	}
	return e->own[i];
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
	e->ix = e->iy = e->iz = e->iw = e->icf = e->iin = -1;
	oed_names_init(&e->inputs);
	oed_names_init(&e->modes);
	oed_map_init(&e->best);
	oed_tab_init(&e->xy, 2);
	oed_tab_init(&e->zxy, 3);
	oed_lenhist_init(&e->chars);
	oed_lenhist_init(&e->tokens);
	oed_waste_tab_init(&e->waste);
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
		if ((e->sigs = oed_sigmap_new(e->mh.perm)) == NULL ||
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
	if (p->waste && (p->kind != OED_ENGINE_ENTROPY || p->x == NULL || p->tokens == NULL)) {
		oed_err_set(err, OED_EX_USAGE, p->kind != OED_ENGINE_ENTROPY ?
			    "token waste is computed by oed-entropy" : p->x == NULL ?
			    "--waste compares the outputs of each input: it needs an input field (-x)" :
			    "--waste needs a tokenizer (--tokens)");
		goto fail;
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
	if (e->own_failed) {
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
	for (size_t i = 0; i < OED_ENGINE_OWN; i++)
		free(e->own[i]);
	oed_tab_release(&e->xy);
	oed_tab_release(&e->zxy);
	oed_lenhist_release(&e->chars);
	oed_lenhist_release(&e->tokens);
	oed_waste_tab_release(&e->waste);
	oed_names_release(&e->names);
	oed_names_release(&e->inputs);
	oed_names_release(&e->modes);
	oed_map_release(&e->best);
	free(e->bests);
	oed_norm_scratch_release(&e->nsc);
	oed_extract_free(e->ex);
	oed_sigmap_free(e->sigs);
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
	    (e->p.cluster_field && (e->icf = oed_reader_want(r, e->p.cluster_field, err)) < 0) ||
	    (e->p.names && !e->emp && e->xf && e->p.kind == OED_ENGINE_ENTROPY &&
	     (e->iin = oed_reader_want(r, "input", err)) < 0)) {
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

/*
 * For entropy.group: keep the input's text (its first) and follow its
 * running mode, given that class y of input x now counts now.  0 or -1
 * (out of memory).
 */
static int
note_group(struct oed_engine *e, struct oed_reader *r, uint64_t x, uint64_t y,
	   const struct oed_count *now, const char *text, size_t len)
{
	const struct oed_value *in = oed_reader_value(r, e->iin);
	uint64_t *slot;
	struct oed_best *b;
	bool added;
	int c;

	if (in->type == OED_V_STRING && oed_names_put(&e->inputs, x, in->str, in->len) == -1)
		return -1;
	if ((slot = oed_map_put(&e->best, x, &added)) == NULL)
		return -1;
	if (added) {
		if (e->nbests == e->capbests) {
			size_t cap = e->capbests ? 2 * e->capbests : 256;
			struct oed_best *p = realloc(e->bests, cap * sizeof(*p));

			if (p == NULL) {
				oed_map_del(&e->best, x, NULL);
				return -1;
			}
			e->bests = p;
			e->capbests = cap;
		}
		*slot = e->nbests;
		e->bests[e->nbests++] = (struct oed_best){ y, { 0, 0 } };
	}
	b = &e->bests[*slot];
	c = oed_count_cmp(now, &b->n);
	if (c > 0 || (c == 0 && y <= b->y)) {
		b->y = y;
		b->n = *now;
		/* the text the class was counted from (missing and no match have none) */
		if (y != e->missing_key && y != e->nomatch_key &&
		    oed_names_put(&e->modes, oed_pair_key(x, y), text, len) == -1)
			return -1;
	}
	return 0;
}

int
oed_engine_add(struct oed_engine *e, struct oed_reader *r, struct oed_err *err)
{
	const struct oed_value *yv = oed_reader_value(r, e->iy);
	const char *xs = NULL, *ys, *zs = NULL, *cs = NULL, *ms;
	size_t xl = 0, yl, zl = 0, cl = 0, ml;
	struct oed_count now;
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
	e->records++;
	if (oed_count_is_zero(&w))
		return 0;

	/* the output's class: the cluster field, else the extracted part, normalised */
	ms = ys;
	ml = yl;
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
		} else if ((ms = cls, ml = clen, e->has_mh)) {
			/* the signature is of the class's text, so normalise it first */
			if (e->has_norm && (cls = oed_norm_apply(&e->norm, cls, clen, &e->nsc, &clen)) == NULL)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			k[2] = oed_fingerprint(cls, clen);
			if (oed_sigmap_get(e->sigs, xs ? oed_fingerprint(xs, xl) : 0, k[2]) == NULL) {
				oed_minhash_signature(&e->mh, cls, clen, e->sigbuf);
				if (oed_sigmap_put(e->sigs, xs ? oed_fingerprint(xs, xl) : 0, k[2], e->sigbuf) == -1)
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
			/* waste: against the other outputs of this input in its class */
			if (e->p.waste && oed_waste_tab_add(&e->waste, k[1], k[2], nt, &w, err) == -1)
				return -1;
		}
	}
	if (!e->emp && oed_tab_add_get(&e->xy, k + 1, &w, &now, err) == -1)
		return -1;
	if (e->iin >= 0 && xs && note_group(e, r, k[1], k[2], &now, cs ? cs : ms, cs ? cl : ml) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (e->has_z && oed_tab_add(&e->zxy, k, &w, err) == -1)
		return -1;
	if (e->p.names) {
		/* the inputs name entropy.group records, the states mi.state records */
		if (e->emp ? oed_names_put(&e->names, k[0], zs, zl) : xs ? oed_names_put(&e->names, k[1], xs, xl) : 0)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

uint64_t
oed_engine_records(const struct oed_engine *e)
{
	return e->records;
}
