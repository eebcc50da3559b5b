/*
 * state.c: an engine's counts written as a state (--emit-state), and
 * states read back and merged (--merge); see oed-entropy(1), STATES.
 */
#include "config.h"
#include "engine_priv.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"

#define STATE_VERSION 1
#define STATE_CHUNK 4096	/* rows per state line: lines stay far below --max-line */

/* ---- states ---- */

static const char *
kind_tool(enum oed_engine_kind kind)
{
	return kind == OED_ENGINE_MI ? "oed-mi" : "oed-entropy";
}

json_t *
oed_engine_params_json(const struct oed_engine_params *p)
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
	    (p->waste && json_object_set_new(o, "waste", json_true()) == -1) ||
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

/* The texts of m as lines of kind ("oed.state.names"), each [key, text], in key order. */
static int
write_names(struct oed_writer *w, const char *kind, const struct oed_names *m, unsigned *lines,
	    struct oed_err *err)
{
	uint64_t *keys, key;
	size_t n = 0, it = 0;
	int rc = 0;

	if (oed_names_size(m) == 0)
		return 0;
	if ((keys = malloc(oed_names_size(m) * sizeof(*keys))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	while (oed_names_next(m, &it, &key))
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), name_cmp);
	for (size_t i = 0; i < n && rc == 0; i += STATE_CHUNK) {
		oed_w_begin(w);
		oed_w_str(w, "kind", kind);
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

/* Waste classes as [x, y, outputs, tokens, fewest], in key order. */
static int
write_waste(struct oed_writer *w, struct oed_waste_tab *t, unsigned *lines, struct oed_err *err)
{
	int rc = 0;

	/* a state is the engine's last act: the cells may be sorted where they are */
	oed_waste_tab_settle(t);
	for (size_t i = 0; i < t->used && rc == 0; i += STATE_CHUNK) {
		oed_w_begin(w);
		oed_w_str(w, "kind", "oed.state.waste");
		oed_w_arr_begin(w, "cells");
		for (size_t j = i; j < t->used && j < i + STATE_CHUNK; j++) {
			const struct oed_waste_cell *c = &t->cell[j];

			oed_w_arr_begin(w, NULL);
			w_hex(w, c->x);
			w_hex(w, c->y);
			w_count(w, &c->c.n);
			w_count(w, &c->c.tokens);
			oed_w_uint(w, NULL, c->c.fewest);
			oed_w_arr_end(w);
		}
		oed_w_arr_end(w);
		rc = oed_w_end(w);
		++*lines;
	}
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
write_sigs(struct oed_writer *w, const struct oed_sigmap *m, unsigned *lines, struct oed_err *err)
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
	for (size_t i = 0; i < m->used; i++)
		refs[n++] = (struct sigref){ m->kx[i], m->ky[i], m->sig + i * m->perm };
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
	json_t *params = oed_engine_params_json(&e->p);
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
	    write_names(w, "oed.state.names", &e->names, &lines, err) == -1 ||
	    write_names(w, "oed.state.inputs", &e->inputs, &lines, err) == -1 ||
	    write_names(w, "oed.state.modes", &e->modes, &lines, err) == -1 ||
	    (e->has_mh && write_sigs(w, e->sigs, &lines, err) == -1) ||
	    (e->p.waste && write_waste(w, &e->waste, &lines, err) == -1))
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
	if (strcmp(kind, "oed.state.names") == 0 || strcmp(kind, "oed.state.inputs") == 0 ||
	    strcmp(kind, "oed.state.modes") == 0) {
		struct oed_names *m = kind[10] == 'n' ? &e->names : kind[10] == 'i' ? &e->inputs : &e->modes;

		if (!json_is_array(arr = json_object_get(rec, "names")))
			return state_bad(r, err, "state names are not an array");
		json_array_foreach(arr, i, item) {
			uint64_t k;
			json_t *text = json_array_get(item, 1);

			if (json_array_size(item) != 2 || parse_hex(json_array_get(item, 0), &k) == -1 ||
			    !json_is_string(text))
				return state_bad(r, err, "a state name is not [key, text]");
			if (oed_names_put(m, k, json_string_value(text), json_string_length(text)) == -1)
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
			if (oed_sigmap_put(e->sigs, x, y, e->sigbuf) == -1)
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		return 0;
	}
	if (strcmp(kind, "oed.state.waste") == 0) {
		if (!e->p.waste || !json_is_array(arr = json_object_get(rec, "cells")))
			return state_bad(r, err, "state waste without --waste");
		json_array_foreach(arr, i, item) {
			uint64_t x, y;
			struct oed_waste_class c = OED_WASTE_CLASS_INIT;
			json_t *tk = json_array_get(item, 3), *few = json_array_get(item, 4);

			/* tokens may sum to zero (empty outputs); the count of outputs may not */
			if (json_array_size(item) != 5 || parse_hex(json_array_get(item, 0), &x) == -1 ||
			    parse_hex(json_array_get(item, 1), &y) == -1 ||
			    parse_count(json_array_get(item, 2), &c.n) == -1 ||
			    (!(json_is_integer(tk) && json_integer_value(tk) == 0) &&
			     parse_count(tk, &c.tokens) == -1) ||
			    !json_is_integer(few) || json_integer_value(few) < 0)
				return state_bad(r, err, "a state waste cell is not [x, y, outputs, tokens, fewest]");
			c.fewest = (uint64_t)json_integer_value(few);
			if (oed_waste_tab_put(&e->waste, x, y, &c, err) == -1)
				return -1;
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
			*va = json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "true" : NULL;
			*vb = json_is_string(w) ? json_string_value(w) : json_is_true(w) ? "true" : NULL;
			return key;
		}
	}
	json_object_foreach(b, key, v)
		if (json_object_get(a, key) == NULL) {
			*va = NULL;
			*vb = json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "true" : NULL;
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
	p->waste = json_is_true(json_object_get(o, "waste"));
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
	if (g->waste && !s.waste)
		return oed_err_set(err, OED_EX_USAGE,
				   "--merge: the states were made without --waste: give --waste to --emit-state");
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
		oed_err_set(err, OED_EX_DATA, "no records in the input: no state to merge");
		goto fail;
	}
	json_decref(first);
	return e;
fail:
	json_decref(first);
	oed_engine_free(e);
	return NULL;
}

