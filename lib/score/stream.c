/*
 * stream.c: oed-bench --score, scorers over a JSON Lines stream.  Records
 * come through the fast reader; each is copied as read with "scores" (and
 * "pass") spliced in before its closing brace, so a record costs one scan
 * and one copy, never a tree.  Only a record that already holds "scores"
 * or "pass" is rebuilt from its tree, so that no key appears twice.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "exit.h"
#include "internal.h"
#include "jsonl.h"
#include "opt.h"

/*
 * One record to score.  Without groups its pointers borrow the reader's
 * buffers (valid until the next record); in a group they point into own,
 * one block holding copies of everything.
 */
struct pending {
	const char *line;	/* the record as read (no BOM, no CR) */
	size_t len;
	const char *out;
	size_t out_len;
	const char *tgt;	/* NULL when there is no target */
	size_t tgt_len;
	double latency, cost;
	long long tokens_out;
	const char *finish;	/* NULL when absent */
	const char *input;	/* the prompt, for judges; NULL when absent */
	size_t input_len;
	json_t *choices;	/* NULL when absent; owned */
	json_t *refs;		/* a target that is a list of texts; owned */
	json_t *root;		/* the tree when it must be rebuilt; owned */
	const char *source;
	long lineno;
	char *own;
};

struct stream {
	const struct oed_score_stream_opts *o;
	struct oed_reader *r;
	struct oed_writer *w;
	int iout, itgt, igrp, ichoices, ilat, icost, ifin, itok, iscores, ipass, iin, ijudge;
	bool want_choices, want_meta, need_target, want_input;
	struct pending *pend;
	size_t npend, cappend;
	char *group;		/* current group's key */
	size_t grouplen;
	/* Keys of groups already closed, to catch one that comes back. */
	uint64_t *seen;
	size_t nseen, capseen;
	struct oed_score_result *res;
	struct oed_score_sample *samples;
	size_t capsamples;
	const char **choices;
	size_t capchoices;
	struct oed_score_sample refs[OED_SCORE_MAX_REFS];
	uint64_t written;
	char num[32];		/* a numeric target as text */
	/*
	 * Scores as text, by the bits of the double: a stream repeats its
	 * values (f1 is a ratio of small counts), and the shortest form
	 * costs a printf and a strtod or more.  Direct-mapped, allocated on
	 * first use.
	 */
	struct numtext {
		uint64_t bits;
		unsigned char len;	/* 0: empty */
		char text[23];
	} *numcache;
};

#define NUMCACHE 4096

static void
pending_release(struct pending *p)
{
	free(p->own);
	json_decref(p->choices);
	json_decref(p->refs);
	json_decref(p->root);
	memset(p, 0, sizeof(*p));
}

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

/* The text of a target value (string, or a number as written). */
static bool
target_text(const struct oed_value *v, char *num, const char **s, size_t *len)
{
	if (v->type == OED_V_STRING) {
		*s = v->str;
		*len = v->len;
		return true;
	}
	if (v->type == OED_V_NUMBER) {
		if (v->is_int)
			*len = (size_t)snprintf(num, 32, "%lld", v->i);
		else
			*len = (size_t)oed_fmt_double(num, v->num);
		*s = num;
		return true;
	}
	return false;
}

/* Splice scores into the record and write it. */

/*
 * A score as oed_w_num writes it, the whole numbers most scores are (0, 1,
 * counts) without going through printf, others from the stream's cache:
 * the same bytes, sooner.
 */
static void
put_value(struct stream *st, struct oed_writer *w, const char *key, double v)
{
	char buf[32], *p = buf + sizeof(buf);
	unsigned long long u;

	if (!isfinite(v) || (v == 0 && signbit(v))) {
		oed_w_num(w, key, v);
		return;
	}
	if (v > -1e15 && v < 1e15 && v == floor(v)) {
		u = (unsigned long long)(v < 0 ? -v : v);
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (v < 0)
			*--p = '-';
		oed_w_raw(w, key, p, (size_t)(buf + sizeof(buf) - p));
		return;
	}
	if (st->numcache == NULL && (st->numcache = calloc(NUMCACHE, sizeof(*st->numcache))) == NULL) {
		oed_w_num(w, key, v);
		return;
	}
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	struct numtext *c = &st->numcache[(bits * 0x9E3779B97F4A7C15ULL) >> 52];	/* 12 bits: NUMCACHE */
	if (c->len == 0 || c->bits != bits) {
		int n = oed_fmt_double(buf, v);
		if (n <= 0 || (size_t)n >= sizeof(c->text)) {
			oed_w_num(w, key, v);
			return;
		}
		c->bits = bits;
		c->len = (unsigned char)n;
		memcpy(c->text, buf, (size_t)n);
	}
	oed_w_raw(w, key, c->text, c->len);
}

static int
write_record(struct stream *st, struct pending *p, struct oed_err *err)
{
	struct oed_writer *w = st->w;
	const struct oed_score_stream_opts *o = st->o;
	int verdict = -1;

	if (p->root != NULL) {
		/* Rebuild: every key but ours, in order, then ours. */
		const char *k;
		json_t *v;

		oed_w_begin(w);
		json_object_foreach(p->root, k, v)
			if (strcmp(k, "scores") != 0 && strcmp(k, "pass") != 0 &&
			    !(st->want_input && strcmp(k, "judge") == 0))
				oed_w_json(w, k, v);
	} else {
		const char *a = p->line, *b = p->line + p->len;

		while (a < b && *a != '{')
			a++;
		while (b > a && b[-1] != '}')
			b--;
		/* a at '{', b just past '}'; the body lies between. */
		const char *body = a + 1, *end = b - 1;
		while (body < end && (*body == ' ' || *body == '\t'))
			body++;
		oed_w_begin(w);
		if (body < end)
			oed_w_raw(w, NULL, body, (size_t)(end - body));
	}
	oed_w_obj_begin(w, "scores");
	for (size_t i = 0; i < o->nspecs; i++) {
		const struct oed_score_result *r = &st->res[i];
		if (o->specs[i]->scorer->kind == OED_SCORE_LABEL && r->label[0] != '\0')
			oed_w_str(w, o->specs[i]->key, r->label);
		else if (isnan(r->value))
			oed_w_null(w, o->specs[i]->key);
		else
			put_value(st, w, o->specs[i]->key, r->value);
		if (r->pass == 0)
			verdict = 0;
		else if (r->pass == 1 && verdict == -1)
			verdict = 1;
	}
	oed_w_obj_end(w);
	if (st->want_input) {
		/* Each judge's model, prompt version, verdict and reasoning. */
		oed_w_obj_begin(w, "judge");
		for (size_t i = 0; i < o->nspecs; i++) {
			const struct oed_score_result *r = &st->res[i];
			const char *model, *version;
			if (!oed_score_judge_info(o->specs[i], &model, &version))
				continue;
			oed_w_obj_begin(w, o->specs[i]->key);
			oed_w_str(w, "model", model);
			oed_w_str(w, "prompt", version);
			oed_w_str(w, "verdict", r->label);
			if (r->reason != NULL)
				oed_w_str(w, "reasoning", r->reason);
			else
				oed_w_null(w, "reasoning");
			oed_w_obj_end(w);
		}
		oed_w_obj_end(w);
	}
	if (verdict != -1)
		oed_w_bool(w, "pass", verdict == 1);
	if (oed_w_end(w) == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot write the output");
	st->written++;
	return 0;
}

/* Score every pending record (one input's samples, or one record) and write them. */
static int
flush(struct stream *st, struct oed_err *err)
{
	const struct oed_score_stream_opts *o = st->o;
	int rc = 0;

	if (st->npend > st->capsamples) {
		struct oed_score_sample *s = realloc(st->samples, st->npend * sizeof(*s));
		if (s == NULL)
			return OOM(err);
		st->samples = s;
		st->capsamples = st->npend;
	}
	for (size_t i = 0; i < st->npend; i++) {
		st->samples[i].text = st->pend[i].out;
		st->samples[i].len = st->pend[i].out_len;
	}
	for (size_t i = 0; i < st->npend && rc == 0; i++) {
		struct pending *p = &st->pend[i];
		struct oed_score_input in;
		size_t k;
		bool bad = false;

		oed_score_input_init(&in, p->out, p->out_len);
		in.target = p->tgt;
		in.target_len = p->tgt_len;
		in.latency_ms = p->latency;
		in.cost_usd = p->cost;
		in.tokens_out = p->tokens_out;
		in.finish_reason = p->finish;
		in.input = p->input;
		in.input_len = p->input_len;
		if (o->samples_by != NULL) {
			in.samples = st->samples;
			in.nsamples = st->npend;
		}
		if (p->refs != NULL) {
			size_t n = json_array_size(p->refs);
			in.nreferences = n < OED_SCORE_MAX_REFS ? n : OED_SCORE_MAX_REFS;
			for (size_t j = 0; j < in.nreferences; j++) {
				json_t *r = json_array_get(p->refs, j);
				st->refs[j].text = json_string_value(r);
				st->refs[j].len = json_string_length(r);
			}
			in.references = st->refs;
			in.target = st->refs[0].text;
			in.target_len = st->refs[0].len;
		}
		if (p->choices != NULL) {
			size_t n = json_array_size(p->choices);
			if (n > st->capchoices) {
				const char **c = realloc(st->choices, n * sizeof(*c));
				if (c == NULL)
					return OOM(err);
				st->choices = c;
				st->capchoices = n;
			}
			for (size_t j = 0; j < n; j++)
				st->choices[j] = json_string_value(json_array_get(p->choices, j));
			in.choices = st->choices;
			in.nchoices = n;
		}
		for (k = 0; k < o->nspecs; k++) {
			if (oed_score(o->specs[k], &in, &st->res[k], err) == -1) {
				if (err->status != OED_EX_DATA)
					rc = -1;
				bad = true;
				break;
			}
		}
		if (bad) {
			for (size_t j = 0; j < k; j++)
				oed_score_result_release(&st->res[j]);
			if (rc == -1)
				break;
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			if (p->own == NULL) {
				/* Still the reader's record: its raw bytes go to the rejects. */
				if (oed_reader_bad(st->r, err, "%s", msg) == -1)
					rc = -1;
				continue;
			}
			oed_err_at(err, OED_EX_DATA, p->source, p->lineno, 0, "%s", msg);
			if (oed_policy_bad(o->policy, err, p->line, p->len) == -1)
				rc = -1;
			continue;
		}
		rc = write_record(st, p, err);
		for (k = 0; k < o->nspecs; k++)
			oed_score_result_release(&st->res[k]);
	}
	for (size_t i = 0; i < st->npend; i++)
		pending_release(&st->pend[i]);
	st->npend = 0;
	return rc;
}

static bool
seen_has(const struct stream *st, uint64_t h)
{
	if (st->capseen == 0)
		return false;
	for (size_t i = h & (st->capseen - 1);; i = (i + 1) & (st->capseen - 1)) {
		if (st->seen[i] == 0)
			return false;
		if (st->seen[i] == h)
			return true;
	}
}

static int
seen_add(struct stream *st, uint64_t h)
{
	if (h == 0)
		h = 1;	/* 0 marks an empty slot */
	if ((st->nseen + 1) * 2 > st->capseen) {
		size_t ncap = st->capseen ? st->capseen * 2 : 1024;
		uint64_t *t = calloc(ncap, sizeof(*t));
		if (t == NULL)
			return -1;
		for (size_t i = 0; i < st->capseen; i++) {
			if (st->seen[i] == 0)
				continue;
			size_t j = st->seen[i] & (ncap - 1);
			while (t[j] != 0)
				j = (j + 1) & (ncap - 1);
			t[j] = st->seen[i];
		}
		free(st->seen);
		st->seen = t;
		st->capseen = ncap;
	}
	size_t j = h & (st->capseen - 1);
	while (st->seen[j] != 0 && st->seen[j] != h)
		j = (j + 1) & (st->capseen - 1);
	if (st->seen[j] == 0) {
		st->seen[j] = h;
		st->nseen++;
	}
	return 0;
}

/* Take the current record into the pending list; 1 taken, 0 bad and skipped, -1 stop. */
static int
take(struct stream *st, struct oed_err *err)
{
	const struct oed_score_stream_opts *o = st->o;
	struct oed_reader *r = st->r;
	const struct oed_value *out = oed_reader_value(r, st->iout);
	const struct oed_value *tgt = oed_reader_value(r, st->itgt);
	const char *ts = NULL;
	size_t tl = 0;
	char *num = st->num;
	struct pending *p;

	if (out->type != OED_V_STRING)
		return oed_reader_bad(r, err, out->type == OED_V_MISSING ? "missing field '%s'" :
		    "field '%s' is not a string", o->output_field != NULL ? o->output_field : "output") == -1 ? -1 : 0;
	json_t *refs = NULL;
	if (tgt->type == OED_V_ARRAY) {
		/* Several references: a non-empty list of texts. */
		json_t *a = oed_reader_json(r, st->itgt), *e;
		size_t k;
		bool ok = json_array_size(a) > 0;
		json_array_foreach(a, k, e)
			ok = ok && json_is_string(e);
		if (!ok)
			return oed_reader_bad(r, err, "field '%s' is a list, but not a non-empty list "
			    "of strings", o->target_field != NULL ? o->target_field : "target") == -1 ? -1 : 0;
		refs = a;
	} else if (tgt->type != OED_V_MISSING && tgt->type != OED_V_NULL &&
	    !target_text(tgt, num, &ts, &tl)) {
		return oed_reader_bad(r, err, "field '%s' is not a string, a number or a list of strings",
		    o->target_field != NULL ? o->target_field : "target") == -1 ? -1 : 0;
	}

	/* Groups: a new key closes the previous input. */
	if (st->igrp >= 0) {
		const struct oed_value *g = oed_reader_value(r, st->igrp);
		const char *gs;
		size_t gl;
		char gnum[32];

		if (!target_text(g, gnum, &gs, &gl))
			return oed_reader_bad(r, err, "field '%s' is %s, not a string or a number",
			    o->samples_by, g->type == OED_V_MISSING ? "missing" :
			    oed_vtype_name(g->type)) == -1 ? -1 : 0;
		if (st->group == NULL || gl != st->grouplen || memcmp(gs, st->group, gl) != 0) {
			if (st->group != NULL) {
				if (seen_add(st, XXH3_64bits(st->group, st->grouplen)) == -1)
					return OOM(err);
				if (flush(st, err) == -1)
					return -1;
			}
			uint64_t h = XXH3_64bits(gs, gl);
			if (seen_has(st, h == 0 ? 1 : h))
				return oed_err_at(err, OED_EX_DATA, oed_reader_source(r),
				    oed_reader_lineno(r), 0,
				    "input '%.*s' comes again after other inputs: the records of one "
				    "input must be adjacent (sort by '%s')", (int)(gl > 60 ? 60 : gl), gs,
				    o->samples_by);
			free(st->group);
			if ((st->group = malloc(gl + 1)) == NULL)
				return OOM(err);
			memcpy(st->group, gs, gl);
			st->grouplen = gl;
		}
	}

	if (st->npend == st->cappend) {
		size_t ncap = st->cappend ? st->cappend * 2 : 8;
		struct pending *np = realloc(st->pend, ncap * sizeof(*np));
		if (np == NULL)
			return OOM(err);
		st->pend = np;
		st->cappend = ncap;
	}
	p = &st->pend[st->npend];
	memset(p, 0, sizeof(*p));
	p->latency = p->cost = NAN;
	p->tokens_out = -1;
	st->npend++;

	const char *line, *fin = NULL, *inp = NULL;
	size_t len, finlen = 0, inplen = 0;
	line = oed_reader_line(r, &len);
	p->lineno = oed_reader_lineno(r);
	if (st->want_meta) {
		const struct oed_value *v;
		if ((v = oed_reader_value(r, st->ilat))->type == OED_V_NUMBER)
			p->latency = v->num;
		if ((v = oed_reader_value(r, st->icost))->type == OED_V_NUMBER)
			p->cost = v->num;
		if ((v = oed_reader_value(r, st->itok))->type == OED_V_NUMBER)
			p->tokens_out = (long long)v->num;
		if ((v = oed_reader_value(r, st->ifin))->type == OED_V_STRING) {
			fin = v->str;
			finlen = v->len;
		}
	}
	if (st->want_input) {
		const struct oed_value *v = oed_reader_value(r, st->iin);
		if (v->type == OED_V_STRING) {
			inp = v->str;
			inplen = v->len;
		}
	}
	if (st->igrp < 0) {
		p->input = inp;
		p->input_len = inplen;
		p->line = line;
		p->len = len;
		p->out = out->str;
		p->out_len = out->len;
		p->tgt = ts;
		p->tgt_len = tl;
		p->finish = fin;
		p->source = oed_reader_source(r);
	} else {
		/* Copies, for the records wait for the rest of their input. */
		const char *src = oed_reader_source(r);
		size_t srclen = strlen(src);
		char *q = malloc(len + out->len + tl + finlen + inplen + srclen + 6);
		if ((p->own = q) == NULL)
			return OOM(err);
		p->line = memcpy(q, line, len), q += len, *q++ = '\0';
		p->len = len;
		p->out = memcpy(q, out->str, out->len), q += out->len, *q++ = '\0';
		p->out_len = out->len;
		if (ts != NULL) {
			p->tgt = memcpy(q, ts, tl), q += tl, *q++ = '\0';
			p->tgt_len = tl;
		}
		if (fin != NULL)
			p->finish = memcpy(q, fin, finlen), q += finlen, *q++ = '\0';
		if (inp != NULL) {
			p->input = memcpy(q, inp, inplen), q += inplen, *q++ = '\0';
			p->input_len = inplen;
		}
		p->source = memcpy(q, src, srclen + 1);
	}
	if (refs != NULL)
		p->refs = json_incref(refs);
	if (st->want_choices) {
		json_t *c = oed_reader_json(r, st->ichoices);
		if (json_is_array(c))
			p->choices = json_incref(c);
	}
	if (oed_reader_value(r, st->iscores)->type != OED_V_MISSING ||
	    oed_reader_value(r, st->ipass)->type != OED_V_MISSING ||
	    (st->want_input && oed_reader_value(r, st->ijudge)->type != OED_V_MISSING))
		p->root = json_incref(oed_reader_root(r));
	return 1;
}

int
oed_score_stream(const struct oed_score_stream_opts *o, int nfiles, char *const *files,
		 struct oed_writer *w, struct oed_err *err)
{
	struct stream st;
	int rc = -1, n;

	memset(&st, 0, sizeof(st));
	st.o = o;
	st.w = w;
	st.igrp = -1;
	if (o->nspecs == 0)
		return oed_err_set(err, OED_EX_USAGE, "no scorer given");
	for (size_t i = 0; i < o->nspecs; i++) {
		unsigned needs = o->specs[i]->scorer->needs;
		if (needs & OED_NEEDS_CHOICES)
			st.want_choices = true;
		if (needs & OED_NEEDS_META)
			st.want_meta = true;
		const char *jm, *jv;
		if ((needs & OED_NEEDS_PROVIDER) || oed_score_judge_info(o->specs[i], &jm, &jv))
			st.want_input = true;
		if ((needs & OED_NEEDS_SAMPLES) && o->samples_by == NULL)
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer '%s' compares the samples of an input: give --samples-by FIELD",
			    o->specs[i]->scorer->name);
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->specs[i]->key, o->specs[j]->key) == 0)
				return oed_err_set(err, OED_EX_USAGE,
				    "two scorers would both write scores.%s: name one with as=",
				    o->specs[i]->key);
	}
	if ((st.res = calloc(o->nspecs, sizeof(*st.res))) == NULL)
		return OOM(err);
	if ((st.r = oed_reader_new(nfiles, files, o->max_line ? o->max_line : OED_DEFAULT_MAX_LINE,
	    o->policy, err)) == NULL)
		goto out;
	if ((st.iout = oed_reader_want(st.r, o->output_field ? o->output_field : "output", err)) < 0 ||
	    (st.itgt = oed_reader_want(st.r, o->target_field ? o->target_field : "target", err)) < 0 ||
	    (st.iscores = oed_reader_want(st.r, "scores", err)) < 0 ||
	    (st.ipass = oed_reader_want(st.r, "pass", err)) < 0)
		goto out;
	if (st.want_input && ((st.iin = oed_reader_want(st.r, "input", err)) < 0 ||
	    (st.ijudge = oed_reader_want(st.r, "judge", err)) < 0))
		goto out;
	if (o->samples_by != NULL && (st.igrp = oed_reader_want(st.r, o->samples_by, err)) < 0)
		goto out;
	if (st.want_choices &&
	    (st.ichoices = oed_reader_want(st.r, o->choices_field ? o->choices_field : "choices", err)) < 0)
		goto out;
	if (st.want_meta &&
	    ((st.ilat = oed_reader_want(st.r, "latency_ms", err)) < 0 ||
	     (st.icost = oed_reader_want(st.r, "cost_usd", err)) < 0 ||
	     (st.itok = oed_reader_want(st.r, "tokens_out", err)) < 0 ||
	     (st.ifin = oed_reader_want(st.r, "finish_reason", err)) < 0))
		goto out;
	while ((n = oed_reader_next(st.r, err)) == 1) {
		if (take(&st, err) == -1)
			goto out;
		if (st.igrp < 0 && st.npend > 0 && flush(&st, err) == -1)
			goto out;
	}
	if (n == -1)
		goto out;
	if (flush(&st, err) == -1)
		goto out;
	if (oed_reader_records(st.r) == 0) {
		oed_err_set(err, OED_EX_DATA, "no records in the input");
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < st.npend; i++)
		pending_release(&st.pend[i]);
	free(st.pend);
	free(st.group);
	free(st.seen);
	free(st.numcache);
	free(st.res);
	free(st.samples);
	free(st.choices);
	oed_reader_free(st.r);
	return rc;
}
