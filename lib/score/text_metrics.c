/*
 * text_metrics.c: scorers that compare an output with a reference text
 * by overlap or distance: levenshtein, f1, bleu, chrf, rouge_l.  Each
 * follows a published reference implementation, named where it is
 * defined; oed-scorers(7) gives the formulas.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* f1 hashes millions of short tokens: XXH3 inlined, not through the library */
#define XXH_INLINE_ALL
#include <xxhash.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "exit.h"
#include "internal.h"

/* Decode s into code points (a byte that is not UTF-8 counts as one). */
static size_t
decode(const char *s, size_t len, uint32_t *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		if (k == 0) {
			cp = 0x110000u + *p;	/* apart from every code point */
			k = 1;
		}
		out[n++] = cp;
		p += k;
	}
	return n;
}

size_t
oed_sc_edit_distance(const char *a, size_t alen, const char *b, size_t blen,
		   uint32_t **scratch, size_t *cap)
{
	size_t need = alen + blen + blen + 1;
	uint32_t *ca, *cb, *row;
	size_t na, nb;

	if (need > *cap) {
		uint32_t *p = realloc(*scratch, need * sizeof(*p));
		if (p == NULL)
			return (size_t)-1;
		*scratch = p;
		*cap = need;
	}
	ca = *scratch;
	na = decode(a, alen, ca);
	cb = ca + na;
	nb = decode(b, blen, cb);
	row = cb + nb;
	/* Trim the common prefix and suffix: they cost nothing. */
	while (na > 0 && nb > 0 && ca[0] == cb[0])
		ca++, cb++, na--, nb--;
	while (na > 0 && nb > 0 && ca[na - 1] == cb[nb - 1])
		na--, nb--;
	if (na == 0 || nb == 0)
		return na + nb;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (uint32_t)j;
	for (size_t i = 1; i <= na; i++) {
		uint32_t diag = row[0], c;
		row[0] = (uint32_t)i;
		for (size_t j = 1; j <= nb; j++) {
			uint32_t up = row[j];
			c = diag + (ca[i - 1] != cb[j - 1]);
			if (up + 1 < c)
				c = up + 1;
			if (row[j - 1] + 1 < c)
				c = row[j - 1] + 1;
			row[j] = c;
			diag = up;
		}
	}
	return row[nb];
}

/* ---- Shared: Python's str.split(), token ids, n-gram matches ---- */

/* ASCII bytes that Python's str.split() splits at. */
static const unsigned char ascii_space[128] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
	[0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, [' '] = 1,
};

static inline bool
ascii_space_table(uint32_t c)
{
	return ascii_space[c];
}

/* Python's str.isspace(): Unicode White_Space and U+001C..U+001F. */
static inline bool
py_space(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_space_table(cp);
	/* Unicode White_Space above ASCII, all of it. */
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

struct span {
	const char *s;
	size_t len;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static int
spans_push(struct spans *sp, const char *s, size_t len)
{
	if (sp->n == sp->cap) {
		size_t ncap = sp->cap ? sp->cap * 2 : 64;
		struct span *v = realloc(sp->v, ncap * sizeof(*v));
		if (v == NULL)
			return -1;
		sp->v = v;
		sp->cap = ncap;
	}
	sp->v[sp->n].s = s;
	sp->v[sp->n].len = len;
	sp->n++;
	return 0;
}

/* Split s at runs of white space, as Python's s.split(); spans appended. */
static int
py_split(const char *s, size_t len, struct spans *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *tok = NULL;

	while (p < end) {
		uint32_t cp;
		size_t k;
		bool sp;
		if (*p < 0x80) {
			sp = ascii_space[*p];
			k = 1;
		} else {
			k = oed_utf8_decode(p, end, &cp);
			sp = k > 0 && py_space(cp);
			if (k == 0)
				k = 1;
		}
		if (sp && tok != NULL) {
			if (spans_push(out, (const char *)tok, (size_t)(p - tok)) == -1)
				return -1;
			tok = NULL;
		} else if (!sp && tok == NULL) {
			tok = p;
		}
		p += k;
	}
	if (tok != NULL && spans_push(out, (const char *)tok, (size_t)(end - tok)) == -1)
		return -1;
	return 0;
}

/* Token ids: equal texts get equal ids (within one table's life). */
struct intern {
	struct span *slot;
	uint32_t *id;
	size_t cap, n;
};

static void
intern_clear(struct intern *t)
{
	if (t->slot != NULL)
		memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
}

static uint64_t
hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static long
intern_id(struct intern *t, const char *s, size_t len)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct span *ns = calloc(ncap, sizeof(*ns));
		uint32_t *ni = calloc(ncap, sizeof(*ni));
		if (ns == NULL || ni == NULL) {
			free(ns);
			free(ni);
			return -1;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (t->slot[i].s == NULL)
				continue;
			size_t j = hash_bytes(t->slot[i].s, t->slot[i].len) & (ncap - 1);
			while (ns[j].s != NULL)
				j = (j + 1) & (ncap - 1);
			ns[j] = t->slot[i];
			ni[j] = t->id[i];
		}
		free(t->slot);
		free(t->id);
		t->slot = ns;
		t->id = ni;
		t->cap = ncap;
	}
	size_t j = hash_bytes(s, len) & (t->cap - 1);
	while (t->slot[j].s != NULL) {
		if (t->slot[j].len == len && memcmp(t->slot[j].s, s, len) == 0)
			return t->id[j];
		j = (j + 1) & (t->cap - 1);
	}
	t->slot[j].s = s != NULL ? s : "";
	t->slot[j].len = len;
	t->id[j] = (uint32_t)t->n++;
	return t->id[j];
}

static void
intern_release(struct intern *t)
{
	free(t->slot);
	free(t->id);
	memset(t, 0, sizeof(*t));
}

/* Sorting n-gram start positions by the n symbols they start (qsort_r). */
struct ngram_sort {
	const uint32_t *seq;
	size_t n;
};

static int
cmp_ngram(const void *a, const void *b, void *ctx)
{
	const struct ngram_sort *c = ctx;
	const uint32_t *x = c->seq + *(const size_t *)a, *y = c->seq + *(const size_t *)b;
	for (size_t i = 0; i < c->n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static int
cmp_seq(const uint32_t *x, const uint32_t *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Scratch for n-gram matching. */
struct ngram_scratch {
	size_t *ih, *ir;
	size_t cap;
	size_t *gcnt, *gmax;	/* per group of equal hypothesis n-grams */
	size_t gcap;
};

/* Room for need n-gram indexes on each side (ih, ir).  0 or -1 (oom). */
static int
scratch_reserve(struct ngram_scratch *sc, size_t need)
{
	size_t *x;

	if (need <= sc->cap)
		return 0;
	if ((x = realloc(sc->ih, need * sizeof(*x))) == NULL)
		return -1;
	sc->ih = x;
	if ((x = realloc(sc->ir, need * sizeof(*x))) == NULL)
		return -1;
	sc->ir = x;
	sc->cap = need;
	return 0;
}

/*
 * The n-grams of h (nh symbols) and r: their totals and the clipped
 * matches sum over n-grams of min(count in h, count in r).  0 or -1 (oom).
 */
static int
ngram_match(struct ngram_scratch *sc, const uint32_t *h, size_t nh, const uint32_t *r,
	    size_t nr, size_t n, size_t *th, size_t *tr, size_t *match)
{
	size_t a = nh >= n ? nh - n + 1 : 0, b = nr >= n ? nr - n + 1 : 0, m = 0;
	size_t need = a > b ? a : b;

	*th = a;
	*tr = b;
	*match = 0;
	if (a == 0 || b == 0)
		return 0;
	if (scratch_reserve(sc, need) == -1)
		return -1;
	for (size_t i = 0; i < a; i++)
		sc->ih[i] = i;
	for (size_t i = 0; i < b; i++)
		sc->ir[i] = i;
	struct ngram_sort hs = { h, n }, rs = { r, n };
	qsort_r(sc->ih, a, sizeof(size_t), cmp_ngram, &hs);
	qsort_r(sc->ir, b, sizeof(size_t), cmp_ngram, &rs);
	/* Merge the two sorted runs, counting equal groups on each side. */
	for (size_t i = 0, j = 0; i < a && j < b;) {
		const uint32_t *x = h + sc->ih[i], *y = r + sc->ir[j];
		int c = cmp_seq(x, y, n);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			size_t ci = 0, cj = 0;
			while (i < a && cmp_seq(h + sc->ih[i], x, n) == 0)
				i++, ci++;
			while (j < b && cmp_seq(r + sc->ir[j], y, n) == 0)
				j++, cj++;
			m += ci < cj ? ci : cj;
		}
	}
	*match = m;
	return 0;
}

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

/*
 * BLEU's clipped matches against several references: each hypothesis
 * n-gram counts up to its largest count in any one reference.  refs[k]
 * and nref[k] give each reference's symbols.  0 or -1 (oom).
 */
static int
ngram_match_refs(struct ngram_scratch *sc, const uint32_t *h, size_t nh,
		 const uint32_t *const *refs, const size_t *nref, size_t nrefs, size_t n,
		 size_t *th, size_t *match)
{
	size_t a = nh >= n ? nh - n + 1 : 0, ng = 0, m = 0, need = a;

	*th = a;
	*match = 0;
	if (a == 0)
		return 0;
	for (size_t k = 0; k < nrefs; k++)
		if (nref[k] >= n && nref[k] - n + 1 > need)
			need = nref[k] - n + 1;
	if (scratch_reserve(sc, need) == -1)
		return -1;
	if (a > sc->gcap) {
		size_t *x = realloc(sc->gcnt, a * sizeof(*x));
		if (x == NULL)
			return -1;
		sc->gcnt = x;
		if ((x = realloc(sc->gmax, a * sizeof(*x))) == NULL)
			return -1;
		sc->gmax = x;
		sc->gcap = a;
	}
	for (size_t i = 0; i < a; i++)
		sc->ih[i] = i;
	struct ngram_sort hs = { h, n };
	qsort_r(sc->ih, a, sizeof(size_t), cmp_ngram, &hs);
	/* Groups: ih[] compacted to one representative each, with counts. */
	for (size_t i = 0; i < a;) {
		size_t j = i;
		while (j < a && cmp_seq(h + sc->ih[j], h + sc->ih[i], n) == 0)
			j++;
		sc->ih[ng] = sc->ih[i];
		sc->gcnt[ng] = j - i;
		sc->gmax[ng] = 0;
		ng++;
		i = j;
	}
	for (size_t k = 0; k < nrefs; k++) {
		size_t b = nref[k] >= n ? nref[k] - n + 1 : 0;
		const uint32_t *r = refs[k];
		if (b == 0)
			continue;
		for (size_t i = 0; i < b; i++)
			sc->ir[i] = i;
		struct ngram_sort rs = { r, n };
		qsort_r(sc->ir, b, sizeof(size_t), cmp_ngram, &rs);
		for (size_t g = 0, j = 0; g < ng && j < b;) {
			const uint32_t *x = h + sc->ih[g];
			int c = cmp_seq(r + sc->ir[j], x, n);
			if (c < 0) {
				j++;
			} else if (c > 0) {
				g++;
			} else {
				size_t cj = 0;
				while (j < b && cmp_seq(r + sc->ir[j], x, n) == 0)
					j++, cj++;
				if (cj > sc->gmax[g])
					sc->gmax[g] = cj;
				g++;
			}
		}
	}
	for (size_t g = 0; g < ng; g++)
		m += sc->gcnt[g] < sc->gmax[g] ? sc->gcnt[g] : sc->gmax[g];
	*match = m;
	return 0;
}

/* ---- State shared by the reference metrics ---- */

/*
 * f1: a white-space token of up to F1_RAW bytes as it was (its last byte
 * not NUL, so the zero-padded bytes tell its length), and the normalized
 * tokens it gives, by their fingerprints (f1_hash): tok is 0 for none,
 * the fingerprint (odd) for one, else n << 1 | off << 9 for n of them at
 * f1_table.multi[off].  32 bytes.
 */
#define F1_RAW 24
struct f1_memo {
	uint64_t raw[3];	/* the bytes, zero-padded */
	uint64_t tok;
};

/* f1: the distinct outputs it remembers per reference, with their values */
#define F1_SEEN 8

/*
 * f1 over a stream.  The memo maps white-space tokens, compared byte for
 * byte, to their normalized tokens, so text that repeats its words is
 * normalized once per word for the whole stream; it grows with the
 * vocabulary up to F1_MEMO_MAX and then starts over empty at the next
 * record.  A record's tokens are counted by fingerprint (f1_hash) in a
 * table as small as the reference: the reference's tokens with their
 * count in the output beside their own.  A 4,096-bit filter on the
 * reference's fingerprints turns most of the output's tokens away before
 * the table is read.  While the same reference comes again (several
 * samples of one input in a row) its counts stay, and an output scored
 * against it before has its value.
 */
struct f1_table {
	uint64_t *key;		/* fingerprints, 0: empty */
	uint32_t *cnt;		/* two per slot: the output's count, the reference's */
	size_t *used;		/* slots in use, to clear them */
	size_t cap, n;
	uint64_t filter[64];
	size_t common;		/* the record's shared tokens so far */
	uint32_t *mslot;	/* the memo's index (F1_TAG) */
	size_t mcap;
	unsigned mshift;	/* 64 - log2(mcap) */
	struct f1_memo *memo;	/* its entries, in the order they came */
	size_t mn, mecap;
	uint64_t *multi;	/* fingerprints of the memo's tokens that give several */
	size_t nmulti, cmulti;
	bool full;		/* start over at the next record */
	struct oed_buf tok, tmp;
	struct spans sp;
	uint64_t *rec;		/* f1_scan's fingerprints */
	size_t nrec, crec;
	/* the last reference, whose counts stay while it comes again */
	struct oed_buf ref;
	bool ref_ok;		/* the table holds its counts (ref_ntok tokens) */
	size_t ref_ntok;
	/* outputs scored against it, their texts one after the other in seen */
	struct f1_seen {
		size_t off, len;
		double value;
	} seenv[F1_SEEN];
	size_t nseen;
	struct oed_buf seen;
};

static void
f1_table_release(struct f1_table *t)
{
	free(t->key);
	free(t->cnt);
	free(t->used);
	free(t->mslot);
	free(t->memo);
	free(t->multi);
	oed_buf_release(&t->tok);
	oed_buf_release(&t->tmp);
	free(t->sp.v);
	free(t->rec);
	oed_buf_release(&t->ref);
	oed_buf_release(&t->seen);
}

struct tm_state {
	struct oed_sc_scratch sc;
	struct spans sh, sr;		/* token spans */
	struct spans raw;		/* white-space tokens before articles go */
	struct f1_table f1;
	struct intern in;
	uint32_t *ids;			/* token ids or code points: hyp then ref */
	size_t capids;
	struct ngram_scratch ng;
	uint32_t *lev;			/* levenshtein scratch */
	size_t levcap;
	struct oed_sc_regex *articles;	/* f1: SQuAD's \\b(a|an|the)\\b */
	struct oed_buf th, tr;		/* tokenized hyp and ref */
};

void
oed_sc_tm_release(struct oed_scorer_spec *spec)
{
	struct tm_state *st = spec->state;

	if (st == NULL)
		return;
	oed_sc_scratch_release(&st->sc);
	free(st->sh.v);
	free(st->sr.v);
	free(st->raw.v);
	f1_table_release(&st->f1);
	intern_release(&st->in);
	free(st->ids);
	free(st->ng.ih);
	free(st->ng.ir);
	free(st->ng.gcnt);
	free(st->ng.gmax);
	free(st->lev);
	oed_sc_regex_free(st->articles);
	oed_buf_release(&st->th);
	oed_buf_release(&st->tr);
	free(st);
	spec->state = NULL;
}

int
oed_sc_tm_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct tm_state *st;

	if ((spec->state = st = calloc(1, sizeof(struct tm_state))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (spec->scorer->params == oed_sc_f1_params &&
	    (st->articles = oed_sc_squad_articles(err)) == NULL)
		return -1;
	return 0;
}

static int
ids_reserve(struct tm_state *st, size_t n)
{
	if (n <= st->capids)
		return 0;
	uint32_t *p = realloc(st->ids, n * sizeof(*p));
	if (p == NULL)
		return -1;
	st->ids = p;
	st->capids = n;
	return 0;
}

/* Intern the spans of hyp then ref into st->ids. */
static int
spans_to_ids(struct tm_state *st)
{
	if (ids_reserve(st, st->sh.n + st->sr.n + 1) == -1)
		return -1;
	intern_clear(&st->in);
	for (size_t i = 0; i < st->sh.n; i++) {
		long id = intern_id(&st->in, st->sh.v[i].s, st->sh.v[i].len);
		if (id < 0)
			return -1;
		st->ids[i] = (uint32_t)id;
	}
	for (size_t i = 0; i < st->sr.n; i++) {
		long id = intern_id(&st->in, st->sr.v[i].s, st->sr.v[i].len);
		if (id < 0)
			return -1;
		st->ids[st->sh.n + i] = (uint32_t)id;
	}
	return 0;
}

/* ---- levenshtein ---- */

const struct oed_scorer_param oed_sc_levenshtein_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "compare with this text instead of the target", NULL },
	{ "ignore_case", OED_PARAM_BOOL, "false", "fold case on both sides first", NULL },
	OED_SC_PARAMS_END
};

static size_t
count_cps(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		p += k ? k : 1;
		n++;
	}
	return n;
}

int
oed_sc_levenshtein(struct oed_scorer_spec *spec, const struct oed_score_input *in,
			 struct oed_score_result *res, struct oed_err *err)
{
	struct tm_state *st = spec->state;
	const char *ref, *a = in->output;
	size_t reflen, alen = in->output_len, d, la, lb;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	if (spec->pv[1].b) {
		if ((a = oed_sc_fold(&st->sc.a, a, alen, &alen)) == NULL ||
		    (ref = oed_sc_fold(&st->sc.b, ref, reflen, &reflen)) == NULL)
			return OOM(err);
	}
	la = count_cps(a, alen);
	lb = count_cps(ref, reflen);
	if (la == 0 && lb == 0) {
		res->value = 1.0;
		return 0;
	}
	if ((d = oed_sc_edit_distance(a, alen, ref, reflen, &st->lev, &st->levcap)) == (size_t)-1)
		return OOM(err);
	res->value = 1.0 - (double)d / (double)(la > lb ? la : lb);
	return 0;
}

/* ---- f1: SQuAD v1.1 ---- */

const struct oed_scorer_param oed_sc_f1_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "compare with this text instead of the target", NULL },
	OED_SC_PARAMS_END
};


struct oed_sc_regex *
oed_sc_squad_articles(struct oed_err *err)
{
	return oed_sc_regex_new("\\b(a|an|the)\\b", false, false, "SQuAD articles", err);
}

/* Python's string.punctuation, as a table. */
static const unsigned char ascii_punct[128] = {
	['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1,
	['/'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1,
	['@'] = 1, ['['] = 1, ['\\'] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1,
	['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

/*
 * SQuAD v1.1's normalize_answer, as tokens: lower case, drop
 * string.punctuation, replace \b(a|an|the)\b by a space, split at white
 * space.  Spans point into fold (scratch kept by the caller).  A token of
 * [0-9a-z] alone can hold an article only as the whole token; any other
 * token goes through the regular expression, whose result is written
 * back over the token (it is never longer) and split again.
 */
static int
squad_tokens(struct oed_sc_regex *articles, struct oed_buf *fold, struct oed_buf *tmp,
	     const char *s, size_t len, struct spans *raw, struct spans *out, struct oed_err *err)
{
	size_t flen, k = 0;

	if (oed_sc_fold(fold, s, len, &flen) == NULL)
		return OOM(err);
	for (size_t i = 0; i < flen; i++) {
		unsigned char c = (unsigned char)fold->data[i];
		if (c < 0x80 && ascii_punct[c])
			continue;
		fold->data[k++] = (char)c;
	}
	raw->n = out->n = 0;
	if (py_split(fold->data, k, raw) == -1)
		return OOM(err);
	for (size_t i = 0; i < raw->n; i++) {
		struct span t = raw->v[i];
		bool plain = true;
		for (size_t j = 0; j < t.len && plain; j++) {
			unsigned char c = (unsigned char)t.s[j];
			plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		}
		if (plain) {
			if ((t.len == 1 && t.s[0] == 'a') || (t.len == 2 && memcmp(t.s, "an", 2) == 0) ||
			    (t.len == 3 && memcmp(t.s, "the", 3) == 0))
				continue;
			if (spans_push(out, t.s, t.len) == -1)
				return OOM(err);
			continue;
		}
		if (oed_sc_regex_replace(articles, t.s, t.len, ' ', tmp, err) == -1)
			return -1;
		char *w = (char *)t.s;
		memcpy(w, tmp->data, tmp->len);
		memset(w + tmp->len, ' ', t.len - tmp->len);
		if (py_split(w, t.len, out) == -1)
			return OOM(err);
	}
	return 0;
}

/*
 * SQuAD v1.1's normalize_answer into out: the tokens joined by single
 * spaces.  tmp is scratch.  0 or -1 (err set).
 */
int
oed_sc_squad_normalize(struct oed_sc_regex *articles, struct oed_buf *tmp, struct oed_buf *out,
		       const char *s, size_t len, struct oed_err *err)
{
	struct spans raw = { NULL, 0, 0 }, toks = { NULL, 0, 0 };
	struct oed_buf scratch = OED_BUF_INIT;
	int rc = squad_tokens(articles, tmp, &scratch, s, len, &raw, &toks, err);

	if (rc == 0 && oed_buf_reserve(out, len * OED_CASEFOLD_GROWTH + 1) == -1)
		rc = OOM(err);
	if (rc == 0) {
		size_t k = 0;
		for (size_t i = 0; i < toks.n; i++) {
			if (i > 0)
				out->data[k++] = ' ';
			memcpy(out->data + k, toks.v[i].s, toks.v[i].len);
			k += toks.v[i].len;
		}
		out->len = k;
	}
	free(raw.v);
	free(toks.v);
	oed_buf_release(&scratch);
	return rc;
}

/*
 * f1's hot path.  f1_scan() normalizes one white-space token in one pass
 * (folds case, drops ASCII punctuation, splits at white space, and sends
 * tokens other than [0-9a-z] runs through the articles pattern): the same
 * normalize_answer as squad_tokens(), without the intermediate copies,
 * each token it gives noted by its fingerprint.  f1_text() walks a text a
 * white-space token at a time and takes the fingerprints from the memo,
 * calling f1_scan() only for a token it has not seen.
 */

/*
 * A normalized token's 64-bit fingerprint, as XXH3 would serve but
 * inlined and without its dispatch on length: eight bytes at a time, the
 * last word masked to the token.  Two tokens count as one when their
 * fingerprints are equal, as they have since f1 was written: only one
 * record's tokens are ever compared, and k distinct ones share a
 * fingerprint with odds of about k^2 / 2^64 (bit 0 is set: 2^63 values)
 * when the hash spreads them evenly, some 1 in 10^13 for a thousand;
 * tokens of up to 8 bytes and one length map one to one before bit 0 is
 * set.  It reads up to 7 bytes past the token, so every buffer a token
 * lies in keeps F1_SLACK bytes of room after its text.
 */
#define F1_SLACK 8
static inline uint64_t
f1_hash(const char *s, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)len << 56), w;
	size_t i = 0;

	for (; len - i > 8; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
		h ^= h >> 31;
	}
	memcpy(&w, s + i, 8);
	w &= ~0ULL >> (64 - 8 * (len - i));
	h = (h ^ w) * 0x94D049BB133111EBULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	return h | 1;
#else
	return XXH3_64bits(s, len) | 1;
#endif
}

/* The memo's largest index in slots (512 KiB), kept at most 3/4 full (3 MiB of entries). */
#define F1_MEMO_MAX ((size_t)1 << 17)

/* Start over with an empty memo. */
static void
f1_memo_reset(struct f1_table *t)
{
	if (t->mslot != NULL)
		memset(t->mslot, 0, t->mcap * sizeof(*t->mslot));
	t->mn = t->nmulti = 0;
	t->full = false;
}

/* The record's table emptied: no reference, no filter. */
static void
f1_table_clear(struct f1_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		t->key[t->used[i]] = 0;
		t->cnt[2 * t->used[i]] = t->cnt[2 * t->used[i] + 1] = 0;
	}
	t->n = 0;
	memset(t->filter, 0, sizeof(t->filter));
}

/* A normalized token of f1_scan(): its fingerprint noted in t->rec.  0 or -1 (oom). */
static int
f1_count(struct f1_table *t, const char *s, size_t len)
{
	if (t->nrec == t->crec) {
		size_t ncap = t->crec ? t->crec * 2 : 64;
		uint64_t *r = realloc(t->rec, ncap * sizeof(*r));
		if (r == NULL)
			return -1;
		t->rec = r;
		t->crec = ncap;
	}
	t->rec[t->nrec++] = f1_hash(s, len);
	return 0;
}

/* The filter's bit of a fingerprint: its top 12 bits. */
#define F1_FWORD(h) ((size_t)((h) >> 58))
#define F1_FBIT(h) (UINT64_C(1) << ((h) >> 52 & 63))

/* The reference's table grown to twice its size.  0 or -1 (oom). */
static int
f1_table_grow(struct f1_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	uint64_t *k = calloc(ncap, sizeof(*k));
	uint32_t *c = calloc(2 * ncap, sizeof(*c));
	size_t *u = malloc(ncap / 2 * sizeof(*u));

	if (k == NULL || c == NULL || u == NULL) {
		free(k);
		free(c);
		free(u);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t o = t->used[i], j = t->key[o] & (ncap - 1);
		while (k[j] != 0)
			j = (j + 1) & (ncap - 1);
		k[j] = t->key[o];
		c[2 * j] = t->cnt[2 * o];
		c[2 * j + 1] = t->cnt[2 * o + 1];
		u[i] = j;
	}
	free(t->key);
	free(t->cnt);
	free(t->used);
	t->key = k;
	t->cnt = c;
	t->used = u;
	t->cap = ncap;
	return 0;
}

/*
 * Count the token of fingerprint h on its side of the record: side 1
 * (the reference, read first) adds it to the table, side 0 (the output)
 * counts a shared token while the output has fewer of it than the
 * reference.  0 or -1 (oom, side 1 only).
 */
static inline __attribute__((always_inline)) int
f1_add(struct f1_table *t, uint64_t h, int side)
{
	size_t j;

	if (side == 0) {
		/*
		 * The token's home slot read whatever the filter says (the
		 * table is small), so a shared token, found there, costs no
		 * branch; only one that collided with another goes further.
		 */
		uint64_t in = (t->filter[F1_FWORD(h)] & F1_FBIT(h)) != 0, k;
		uint32_t hit;

		j = h & (t->cap - 1);
		k = t->key[j];
		if (__builtin_expect(in && k != h && k != 0, 0)) {
			do
				j = (j + 1) & (t->cap - 1);
			while ((k = t->key[j]) != 0 && k != h);
		}
		hit = in && k == h;
		t->common += hit & (t->cnt[2 * j] < t->cnt[2 * j + 1]);
		t->cnt[2 * j] += hit;
		return 0;
	}
	if ((t->n + 1) * 2 > t->cap && f1_table_grow(t) == -1)
		return -1;
	t->filter[F1_FWORD(h)] |= F1_FBIT(h);
	for (j = h & (t->cap - 1); t->key[j] != 0 && t->key[j] != h; j = (j + 1) & (t->cap - 1))
		;
	if (t->key[j] == 0) {
		t->key[j] = h;
		t->used[t->n++] = j;
	}
	t->cnt[2 * j + 1]++;
	return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define F1_SWAR 1
#define F1_ONES UINT64_C(0x0101010101010101)
#define F1_HIGH UINT64_C(0x8080808080808080)
#endif

/* Per byte: what f1_scan does with it (KEEP: controls, DEL, and every byte above 0x7F). */
enum { F1_KEEP = 0, F1_PLAIN = 1, F1_DROP = 2, F1_SPACE = 3 };
static const unsigned char f1_class[256] = {
	['0' ... '9'] = F1_PLAIN, ['a' ... 'z'] = F1_PLAIN, ['A' ... 'Z'] = F1_PLAIN,
	['!' ... '/'] = F1_DROP, [':' ... '@'] = F1_DROP, ['[' ... '`'] = F1_DROP,
	['{' ... '~'] = F1_DROP,
	['\t' ... '\r'] = F1_SPACE, [0x1C ... 0x1F] = F1_SPACE, [' '] = F1_SPACE,
};

/* ASCII lowered, the other bytes as they are (f1_class is 0 above 0x7F: never plain). */
static const unsigned char f1_lower[256] = {
#define R16(b) b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, \
	b + 11, b + 12, b + 13, b + 14, b + 15
	R16(0x00), R16(0x10), R16(0x20), R16(0x30),
	0x40, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
	R16(0x60), R16(0x70), R16(0x80), R16(0x90), R16(0xA0), R16(0xB0), R16(0xC0), R16(0xD0),
	R16(0xE0), R16(0xF0),
#undef R16
};

/* One token of normalize_answer, before articles go: note what is left. */
static inline __attribute__((always_inline)) int
f1_token(struct f1_table *t, struct oed_sc_regex *articles, const char *s, size_t len, bool plain,
	 struct oed_err *err)
{
	if (plain) {
		if ((len == 1 && s[0] == 'a') || (len == 2 && s[0] == 'a' && s[1] == 'n') ||
		    (len == 3 && s[0] == 't' && s[1] == 'h' && s[2] == 'e'))
			return 0;
		return f1_count(t, s, len) == -1 ? OOM(err) : 0;
	}
	/*
	 * An article needs a word boundary on both sides; next to an ASCII
	 * letter or digit there is none.  Only a token where one might be
	 * goes through the pattern.
	 */
	bool maybe = false;
	for (size_t i = 0; i < len && !maybe; i++) {
		size_t n = s[i] == 'a' ? (i + 1 < len && s[i + 1] == 'n' ? 2 : 1) :
		    (s[i] == 't' && i + 2 < len && s[i + 1] == 'h' && s[i + 2] == 'e') ? 3 : 0;
		for (size_t m = n; m >= 1 && !maybe; m = m == 2 ? 1 : 0) {
			unsigned char b = i > 0 ? (unsigned char)s[i - 1] : ' ';
			unsigned char e = i + m < len ? (unsigned char)s[i + m] : ' ';
			maybe = !(b < 0x80 && f1_class[b] == F1_PLAIN) &&
			    !(e < 0x80 && f1_class[e] == F1_PLAIN);
			if (m == 3)
				break;
		}
	}
	if (!maybe)
		return f1_count(t, s, len) == -1 ? OOM(err) : 0;
	if (oed_sc_regex_replace(articles, s, len, ' ', &t->tmp, err) == -1)
		return -1;
	if (oed_buf_reserve(&t->tmp, t->tmp.len + F1_SLACK) == -1)
		return OOM(err);
	t->sp.n = 0;
	if (py_split(t->tmp.data, t->tmp.len, &t->sp) == -1)
		return OOM(err);
	for (size_t i = 0; i < t->sp.n; i++)
		if (f1_count(t, t->sp.v[i].s, t->sp.v[i].len) == -1)
			return OOM(err);
	return 0;
}

/* normalize_answer's tokens of s[0..len), their fingerprints into t->rec[0..t->nrec). */
static int
f1_scan(struct f1_table *t, struct oed_sc_regex *articles, const char *s, size_t len,
	struct oed_err *err)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	char *out;
	size_t k = 0;
	bool plain = true;

	t->nrec = 0;
	if (oed_buf_reserve(&t->tok, len * OED_CASEFOLD_GROWTH + 1 + F1_SLACK) == -1)
		return OOM(err);
	out = t->tok.data;
	for (;;) {
		/* ASCII runs, the common case, in a tight loop. */
		while (p < end && *p < 0x80) {
			unsigned char c = *p++, cls = f1_class[c];
			if (cls == F1_PLAIN) {
				/* the rest of a run of letters and digits, lowered by a table */
				char *o = out + k;
				*o++ = (char)f1_lower[c];
				while (p < end && f1_class[*p] == F1_PLAIN)
					*o++ = (char)f1_lower[*p++];
				k = (size_t)(o - out);
			} else if (cls == F1_SPACE) {
				if (k > 0 && f1_token(t, articles, out, k, plain, err) == -1)
					return -1;
				k = 0;
				plain = true;
			} else if (cls == F1_KEEP) {
				out[k++] = (char)c;
				plain = false;
			}
		}
		if (p >= end)
			break;
		uint32_t cp;
		size_t n;
		/* two- and three-byte code points inline (accents, Cyrillic, CJK), the rest decoded */
		if (*p >= 0xC2 && *p <= 0xDF && end - p >= 2 && (p[1] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x1F) << 6 | (p[1] & 0x3F);
			n = 2;
		} else if (((*p >= 0xE1 && *p <= 0xEC) || *p == 0xEE || *p == 0xEF) && end - p >= 3 &&
			   (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
			n = 3;
		} else {
			n = oed_utf8_decode(p, end, &cp);
		}
		if (n == 0) {
			out[k++] = (char)*p++;
			plain = false;
			continue;
		}
		p += n;
		if (py_space(cp)) {
			if (k > 0 && f1_token(t, articles, out, k, plain, err) == -1)
				return -1;
			k = 0;
			plain = true;
			continue;
		}
		const unsigned char *f;
		size_t fl = oed_uni_casefold(cp, &f);
		if (fl == 0) {
			for (size_t i = 0; i < n; i++)
				out[k++] = (char)p[(ptrdiff_t)i - (ptrdiff_t)n];
		} else {
			for (size_t i = 0; i < fl; i++)
				if (f[i] >= 0x80 || !ascii_punct[f[i]])
					out[k++] = (char)f[i];
		}
		plain = false;
	}
	if (k > 0 && f1_token(t, articles, out, k, plain, err) == -1)
		return -1;
	return 0;
}

/* The length of the White_Space code point at p (py_space), else 0. */
static inline size_t
f1_space_at(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp;
	size_t n;

	if (*p < 0x80)
		return f1_class[*p] == F1_SPACE;
	if (*p != 0xC2 && (*p < 0xE1 || *p > 0xE3))
		return 0;
	n = oed_utf8_decode(p, end, &cp);
	return n > 0 && py_space(cp) ? n : 0;
}

#ifdef F1_SWAR
/*
 * The bytes of w that may begin white space, flagged by their high bit:
 * those below '!', C2, and E0..E3.  The lowest flag is exact; above it a
 * borrow may flag a byte that is none of these.
 */
static inline uint64_t
f1_maybe_space(uint64_t w)
{
	uint64_t e0 = w ^ 0xE0 * F1_ONES, c2 = w ^ 0xC2 * F1_ONES;

	return (((w - 0x21 * F1_ONES) & ~w) | ((e0 - 4 * F1_ONES) & ~e0) | ((c2 - F1_ONES) & ~c2)) &
	    F1_HIGH;
}
#endif

#if defined(__SSE2__) && defined(__x86_64__)
#define F1_SSE2 1
/* The bytes of v that may begin white space: those below '!', C2, and E0..E3. */
static inline unsigned
f1_maybe_space16(__m128i v)
{
	__m128i ctl = _mm_cmpeq_epi8(_mm_subs_epu8(v, _mm_set1_epi8(0x20)), _mm_setzero_si128());
	__m128i c2 = _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2));
	__m128i e0 = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xFC)),
	    _mm_set1_epi8((char)0xE0));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, _mm_or_si128(c2, e0)));
}

/* 32 bytes kept then 32 dropped: loaded at 32 - n, a mask of the low n bytes. */
static const unsigned char f1_keep[64] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};
#endif

/* The memo's hash of a token zero-padded into w0, w1, w2. */
static inline uint64_t
f1_memo_hash(uint64_t w0, uint64_t w1, uint64_t w2)
{
	return (w0 ^ w1 * 0xC2B2AE3D27D4EB4FULL ^ w2 * 0x165667B19E3779F9ULL) * 0x9E3779B97F4A7C15ULL;
}

/*
 * The memo's index: per slot, 12 bits of the hash (F1_TAG) over the
 * entry's number + 1 (0: empty), so a probe reads an entry only when the
 * bits agree.  The slot is the hash's top bits (17 at most), the tag its
 * bits 35 to 46.
 */
#define F1_TAG(h) ((uint32_t)((h) >> 15) & 0xFFF00000u)
#define F1_ENTRY 0xFFFFFu

/* The index twice the size (or its first 4,096 slots), the entries put back.  0 or -1 (oom). */
static int
f1_memo_grow(struct f1_table *t)
{
	size_t ncap = t->mcap ? t->mcap * 2 : 4096;
	uint32_t *s = calloc(ncap, sizeof(*s));

	if (s == NULL)
		return -1;
	free(t->mslot);
	t->mslot = s;
	t->mcap = ncap;
	t->mshift = 64 - (unsigned)__builtin_ctzll(ncap);
	for (size_t i = 0; i < t->mn; i++) {
		const struct f1_memo *e = &t->memo[i];
		uint64_t h = f1_memo_hash(e->raw[0], e->raw[1], e->raw[2]);
		size_t j = (size_t)(h >> t->mshift);
		while (s[j] != 0)
			j = (j + 1) & (ncap - 1);
		s[j] = F1_TAG(h) | (uint32_t)(i + 1);
	}
	return 0;
}

/*
 * Note a white-space token (tl bytes in w0..w2, hash h, its last byte
 * not NUL) and the t->nrec fingerprints f1_scan() gave it in the memo,
 * at slot j found empty, if there is room.  0 or -1 (oom).
 */
static int
f1_memo_add(struct f1_table *t, size_t j, uint64_t h, uint64_t w0, uint64_t w1, uint64_t w2)
{
	uint64_t tok;

	if (t->nrec > UCHAR_MAX)
		return 0;
	if ((t->mn + 1) * 4 > t->mcap * 3) {
		if (t->mcap >= F1_MEMO_MAX) {
			t->full = true;
			return 0;
		}
		if (f1_memo_grow(t) == -1)
			return -1;
		for (j = (size_t)(h >> t->mshift); t->mslot[j] != 0; j = (j + 1) & (t->mcap - 1))
			;
	}
	if (t->mn == t->mecap) {
		size_t ncap = t->mecap ? t->mecap * 2 : 1024;
		struct f1_memo *e = realloc(t->memo, ncap * sizeof(*e));
		if (e == NULL)
			return -1;
		t->memo = e;
		t->mecap = ncap;
	}
	if (t->nrec > 1) {
		if (t->nmulti + t->nrec > t->cmulti) {
			size_t ncap = t->cmulti ? t->cmulti * 2 : 256;
			while (ncap < t->nmulti + t->nrec)
				ncap *= 2;
			uint64_t *m = realloc(t->multi, ncap * sizeof(*m));
			if (m == NULL)
				return -1;
			t->multi = m;
			t->cmulti = ncap;
		}
		memcpy(t->multi + t->nmulti, t->rec, t->nrec * sizeof(*t->rec));
		tok = (uint64_t)t->nmulti << 9 | (uint64_t)t->nrec << 1;
		t->nmulti += t->nrec;
	} else {
		tok = t->nrec == 1 ? t->rec[0] : 0;
	}
	t->memo[t->mn] = (struct f1_memo){ { w0, w1, w2 }, tok };
	t->mslot[j] = F1_TAG(h) | (uint32_t)++t->mn;
	return 0;
}

/* A white-space token normalized where it stands (f1_scan) and counted on its side. */
static int
f1_scan_add(struct f1_table *t, struct oed_sc_regex *articles, const unsigned char *q, size_t tl,
	    int side, size_t *nt, struct oed_err *err)
{
	if (f1_scan(t, articles, (const char *)q, tl, err) == -1)
		return -1;
	for (size_t k = 0; k < t->nrec; k++)
		if ((side == 1 ? f1_add(t, t->rec[k], 1) : f1_add(t, t->rec[k], 0)) == -1)
			return OOM(err);
	*nt += t->nrec;
	return 0;
}

/*
 * The normalized tokens of a text counted on its side (f1_add), their
 * number into *ntok: a white-space token at a time, each looked up in
 * the memo first.  A token normalizes the same wherever it stands (white
 * space ends a word for the articles pattern as the text's ends do), so
 * the counts are f1_scan()'s over the whole text.
 */
static inline __attribute__((always_inline)) int
f1_text(struct f1_table *t, struct oed_sc_regex *articles, const char *s, size_t len, int side,
	size_t *ntok, struct oed_err *err)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t nt = 0;

	while (p < end) {
		const unsigned char *q;
		uint64_t w0, w1, w2, h;
		size_t sl, tl;

		if ((sl = f1_space_at(p, end)) > 0) {
			p += sl;
			continue;
		}
		q = p;
#ifdef F1_SSE2
		/*
		 * The token's first 32 bytes loaded once: the first byte that may
		 * begin white space ends the token if it does, and masks them.
		 */
		if (end - q >= 32) {
			__m128i v = _mm_loadu_si128((const __m128i *)q);
			__m128i v2 = _mm_loadu_si128((const __m128i *)(q + 16));
			unsigned m = f1_maybe_space16(v) | f1_maybe_space16(v2) << 16;

			tl = (size_t)__builtin_ctz(m | 1u << (F1_RAW + 1));
			v = _mm_and_si128(v, _mm_loadu_si128((const __m128i *)(f1_keep + 32 - tl)));
			v2 = _mm_and_si128(v2, _mm_loadu_si128((const __m128i *)(f1_keep + 48 - tl)));
			w0 = (uint64_t)_mm_cvtsi128_si64(v);
			w1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
			w2 = (uint64_t)_mm_cvtsi128_si64(v2);
			if (tl <= F1_RAW && (sl = q[tl] == ' ' ? 1 : f1_space_at(q + tl, end)) > 0) {
				p = q + tl + sl;
				goto found;
			}
		}
#endif
		for (;;) {
#ifdef F1_SWAR
			/* eight bytes at a time to the first that may begin white space */
			while (end - p >= 8) {
				uint64_t w, m;

				memcpy(&w, p, 8);
				if ((m = f1_maybe_space(w)) != 0) {
					p += (size_t)__builtin_ctzll(m) >> 3;
					goto candidate;
				}
				p += 8;
			}
#endif
			while (p < end && *p > ' ' && *p != 0xC2 && (*p < 0xE0 || *p > 0xE3))
				p++;
#ifdef F1_SWAR
candidate:
#endif
			if (p >= end || f1_space_at(p, end) > 0)
				break;
			p++;
		}
		tl = (size_t)(p - q);
		if (tl > F1_RAW) {
			/* too long for the memo: normalized where it stands */
			if (f1_scan_add(t, articles, q, tl, side, &nt, err) == -1)
				return -1;
			continue;
		}
		{
			uint64_t w[3] = { 0, 0, 0 };
			memcpy(w, q, tl);
			w0 = w[0];
			w1 = w[1];
			w2 = w[2];
		}
#ifdef F1_SSE2
found:
#endif
		if (__builtin_expect(q[tl - 1] == 0, 0)) {
			/* not for the memo: its length would not show in its bytes */
			if (f1_scan_add(t, articles, q, tl, side, &nt, err) == -1)
				return -1;
			continue;
		}
		h = f1_memo_hash(w0, w1, w2);
		for (size_t j = (size_t)(h >> t->mshift);; j = (j + 1) & (t->mcap - 1)) {
			uint32_t v = t->mslot[j];
			const struct f1_memo *e;
			if (v == 0) {
				if (f1_scan_add(t, articles, q, tl, side, &nt, err) == -1)
					return -1;
				if (f1_memo_add(t, j, h, w0, w1, w2) == -1)
					return OOM(err);
				break;
			}
			if ((v & ~F1_ENTRY) != F1_TAG(h))
				continue;
			e = &t->memo[(v & F1_ENTRY) - 1];
			if (e->raw[0] == w0 && e->raw[1] == w1 && e->raw[2] == w2) {
				uint64_t tok = e->tok;
				if (tok & 1) {
					if (f1_add(t, tok, side) == -1)
						return OOM(err);
					nt++;
				} else if (tok != 0) {
					size_t n = tok >> 1 & UCHAR_MAX;
					for (size_t k = 0; k < n; k++)
						if (f1_add(t, t->multi[(tok >> 9) + k], side) == -1)
							return OOM(err);
					nt += n;
				}
				break;
			}
		}
	}
	*ntok = nt;
	return 0;
}

/* A new record: the memo started over if full; it and the table there.  0 or -1. */
static int
f1_record(struct f1_table *t, struct oed_err *err)
{
	if (t->full)
		f1_memo_reset(t);
	if ((t->mslot == NULL && f1_memo_grow(t) == -1) || (t->cap == 0 && f1_table_grow(t) == -1))
		return OOM(err);
	return 0;
}

/*
 * The reference's counts: those of the last record when it is the same
 * text (several samples of one input in a row), the output's counts
 * cleared; else the table emptied and the reference counted.  Its number
 * of tokens into *nr.  0 or -1.
 */
static int
f1_count_reference(struct f1_table *t, struct oed_sc_regex *articles, const char *ref, size_t reflen,
		   size_t *nr, struct oed_err *err)
{
	t->common = 0;
	if (t->ref_ok && reflen == t->ref.len && memcmp(ref, t->ref.data, reflen) == 0) {
		for (size_t i = 0; i < t->n; i++)
			t->cnt[2 * t->used[i]] = 0;
		*nr = t->ref_ntok;
		return 0;
	}
	f1_table_clear(t);
	t->ref_ok = false;
	t->nseen = t->seen.len = 0;
	if (f1_text(t, articles, ref, reflen, 1, nr, err) == -1)
		return -1;
	t->ref.len = 0;
	if (oed_buf_add(&t->ref, ref, reflen) == -1)
		return OOM(err);
	t->ref_ntok = *nr;
	t->ref_ok = true;
	return 0;
}

int
oed_sc_f1(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	  struct oed_score_result *res, struct oed_err *err)
{
	struct tm_state *st = spec->state;
	struct f1_table *t = &st->f1;
	const char *ref;
	size_t reflen, nh = 0, nr = 0, common;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	/* the reference first: the output's tokens only count where it has them */
	if (f1_record(t, err) == -1 || f1_count_reference(t, st->articles, ref, reflen, &nr, err) == -1)
		return -1;
	/* an output scored before against this reference (samples that agree) has its value */
	for (size_t i = 0; i < t->nseen; i++) {
		const struct f1_seen *e = &t->seenv[i];
		if (e->len == in->output_len && memcmp(t->seen.data + e->off, in->output, e->len) == 0) {
			res->value = e->value;
			return 0;
		}
	}
	if (f1_text(t, st->articles, in->output, in->output_len, 0, &nh, err) == -1)
		return -1;
	common = t->common;
	/* SQuAD: 0 when nothing is shared (an empty side included). */
	if (common == 0) {
		res->value = 0.0;
	} else {
		double p = (double)common / (double)nh, r = (double)common / (double)nr;
		res->value = 2 * p * r / (p + r);
	}
	if (t->nseen < F1_SEEN) {
		struct f1_seen *e = &t->seenv[t->nseen];
		*e = (struct f1_seen){ t->seen.len, in->output_len, res->value };
		if (oed_buf_add(&t->seen, in->output, in->output_len) == -1)
			return OOM(err);
		t->nseen++;
	}
	return 0;
}

/* ---- BLEU: sacreBLEU's corpus and sentence BLEU ---- */

const struct oed_scorer_param oed_sc_bleu_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "compare with this text instead of the target", NULL },
	{ "tokenize", OED_PARAM_ENUM, "13a", "sacreBLEU's tokenizer", "13a|none" },
	{ "lowercase", OED_PARAM_BOOL, "false", "fold case first", NULL },
	{ "smooth", OED_PARAM_ENUM, "exp", "smoothing of zero n-gram matches", "exp|none" },
	OED_SC_PARAMS_END
};
enum { BLEU_VALUE, BLEU_TOK, BLEU_LOWER, BLEU_SMOOTH };

/* Append s[0..n) to b. */
static int
put(struct oed_buf *b, const char *s, size_t n)
{
	if (oed_buf_reserve(b, b->len + n + 1) == -1)
		return -1;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

/* Replace every pat by rep from src into dst. */
static int
replace_all(struct oed_buf *dst, const char *src, size_t len, const char *pat, const char *rep)
{
	size_t pl = strlen(pat), rl = strlen(rep), i = 0;

	dst->len = 0;
	if (oed_buf_reserve(dst, len + 1) == -1)
		return -1;
	while (i < len) {
		const char *hit = pl <= len - i ? memmem(src + i, len - i, pat, pl) : NULL;
		size_t upto = hit != NULL ? (size_t)(hit - src) : len;
		if (put(dst, src + i, upto - i) == -1)
			return -1;
		if (hit == NULL)
			break;
		if (put(dst, rep, rl) == -1)
			return -1;
		i = upto + pl;
	}
	return 0;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * sacreBLEU's tokenizer 13a (mteval-v13a.pl) from s into b (b2 scratch):
 * drop "<skipped>" and "-\n", newlines become spaces, four entities are
 * decoded, then punctuation is split off by the four regular expressions
 * of TokenizerRegexp, applied one after the other.
 */
static int
tok13a(struct oed_buf *b, struct oed_buf *b2, const char *s, size_t len)
{
	static const char *const steps[][2] = {
		{ "<skipped>", "" }, { "-\n", "" }, { "\n", " " },
		{ "&quot;", "\"" }, { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
	};
	struct oed_buf *cur = b, *oth = b2;

	if (replace_all(cur, s, len, steps[0][0], steps[0][1]) == -1)
		return -1;
	for (size_t k = 1; k < sizeof(steps) / sizeof(steps[0]); k++) {
		if (k >= 3 && memchr(cur->data, '&', cur->len) == NULL)
			break;
		if (replace_all(oth, cur->data, cur->len, steps[k][0], steps[k][1]) == -1)
			return -1;
		struct oed_buf *t = cur;
		cur = oth;
		oth = t;
	}
	/* f' {line} ' and rule 1: every character of the class gets spaces around. */
	oth->len = 0;
	if (put(oth, " ", 1) == -1)
		return -1;
	for (size_t i = 0; i < cur->len; i++) {
		unsigned char c = (unsigned char)cur->data[i];
		bool cls = (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
		    (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
		if (cls ? put(oth, " ", 1) == -1 || put(oth, (char *)&c, 1) == -1 || put(oth, " ", 1) == -1 :
		    put(oth, (char *)&c, 1) == -1)
			return -1;
	}
	if (put(oth, " ", 1) == -1)
		return -1;
	/* Rules 2 to 4, each a left-to-right substitution of two characters. */
	for (int rule = 2; rule <= 4; rule++) {
		struct oed_buf *src = oth, *dst = cur;
		dst->len = 0;
		for (size_t i = 0; i < src->len;) {
			unsigned char c = (unsigned char)src->data[i];
			unsigned char d = i + 1 < src->len ? (unsigned char)src->data[i + 1] : 0;
			bool have = i + 1 < src->len;
			bool hit = have && ((rule == 2 && !is_digit(c) && (d == '.' || d == ',')) ||
			    (rule == 3 && (c == '.' || c == ',') && !is_digit(d)) ||
			    (rule == 4 && is_digit(c) && d == '-'));
			if (!hit) {
				if (put(dst, (char *)&c, 1) == -1)
					return -1;
				i++;
				continue;
			}
			/* Rules 2 and 4 give "\1 \2 ", rule 3 gives " \1 \2". */
			const char sp = ' ';
			if (rule == 3 && put(dst, &sp, 1) == -1)
				return -1;
			if (put(dst, (char *)&c, 1) == -1 || put(dst, &sp, 1) == -1 ||
			    put(dst, (char *)&d, 1) == -1)
				return -1;
			if (rule != 3 && put(dst, &sp, 1) == -1)
				return -1;
			i += 2;
		}
		oth = dst;
		cur = src;
	}
	/* The result is in oth; make it b. */
	if (oth != b) {
		struct oed_buf t = *b;
		*b = *oth;
		*oth = t;
	}
	return 0;
}

/* s without trailing white space (Python's rstrip()): the kept length. */
static size_t
py_rstrip(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t keep = 0;

	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		bool sp = k > 0 && py_space(cp);
		p += k ? k : 1;
		if (!sp)
			keep = (size_t)(p - (const unsigned char *)s);
	}
	return keep;
}

/* Tokens of one side of BLEU into spans (text kept in b). */
static int
bleu_tokens(struct oed_scorer_spec *spec, struct tm_state *st, const char *s, size_t len,
	    struct oed_buf *b, struct spans *out)
{
	if (spec->pv[BLEU_LOWER].b) {
		if (oed_sc_fold(&st->sc.c, s, len, &len) == NULL)
			return -1;
		s = st->sc.c.data;
	}
	len = py_rstrip(s, len);
	out->n = 0;
	if (spec->pv[BLEU_TOK].i == 0) {
		if (tok13a(b, &st->sc.b, s, len) == -1)
			return -1;
		return py_split(b->data, b->len, out);
	}
	b->len = 0;
	if (put(b, s, len) == -1)
		return -1;
	return py_split(b->data, b->len, out);
}

/* stats: correct[4], total[4], sys_len, ref_len. */
#define BLEU_NSTATS 10

static int
bleu_stats(struct oed_scorer_spec *spec, const struct oed_score_input *in, double *stats,
	   struct oed_err *err)
{
	struct tm_state *st = spec->state;
	struct oed_score_sample one;
	const struct oed_score_sample *refs = in->references;
	size_t nrefs = in->nreferences, ntok[OED_SCORE_MAX_REFS], all = 0;
	const uint32_t *rp[OED_SCORE_MAX_REFS];
	struct oed_buf *joined = &st->sc.a;

	if (refs == NULL || nrefs == 0) {
		if (oed_sc_reference(spec, BLEU_VALUE, in, &one.text, &one.len, err) == -1)
			return -1;
		refs = &one;
		nrefs = 1;
	}
	if (nrefs > OED_SCORE_MAX_REFS)
		nrefs = OED_SCORE_MAX_REFS;
	if (bleu_tokens(spec, st, in->output, in->output_len, &st->th, &st->sh) == -1)
		return OOM(err);
	/* Every reference's tokens, joined by spaces into one buffer. */
	joined->len = 0;
	for (size_t k = 0; k < nrefs; k++) {
		if (bleu_tokens(spec, st, refs[k].text, refs[k].len, &st->tr, &st->sr) == -1)
			return OOM(err);
		ntok[k] = st->sr.n;
		for (size_t i = 0; i < st->sr.n; i++)
			if (put(joined, st->sr.v[i].s, st->sr.v[i].len) == -1 || put(joined, " ", 1) == -1)
				return OOM(err);
	}
	st->sr.n = 0;
	if (py_split(joined->data, joined->len, &st->sr) == -1 || spans_to_ids(st) == -1)
		return OOM(err);
	for (size_t k = 0; k < nrefs; k++) {
		rp[k] = st->ids + st->sh.n + all;
		all += ntok[k];
	}
	for (size_t n = 1; n <= 4; n++) {
		size_t th, m;
		if (ngram_match_refs(&st->ng, st->ids, st->sh.n, rp, ntok, nrefs, n, &th, &m) == -1)
			return OOM(err);
		stats[n - 1] = (double)m;
		stats[4 + n - 1] = (double)th;
	}
	/* sacreBLEU's closest reference length, the shorter on a tie. */
	size_t hl = st->sh.n, best = ntok[0];
	for (size_t k = 1; k < nrefs; k++) {
		size_t d = ntok[k] > hl ? ntok[k] - hl : hl - ntok[k];
		size_t bd = best > hl ? best - hl : hl - best;
		if (d < bd || (d == bd && ntok[k] < best))
			best = ntok[k];
	}
	stats[8] = (double)hl;
	stats[9] = (double)best;
	return 0;
}

/* sacreBLEU's BLEU.compute_bleu, as a fraction of 1 instead of 100. */
static double
bleu_from_stats(const struct oed_scorer_spec *spec, const double *stats, bool effective_order)
{
	double prec[4] = { 0, 0, 0, 0 }, smooth = 1.0, sys = stats[8], ref = stats[9], bp, sum = 0;
	int eff = 4;
	bool any = false;

	bp = sys < ref ? (sys > 0 ? exp(1.0 - ref / sys) : 0.0) : 1.0;
	for (int n = 0; n < 4; n++)
		any |= stats[n] != 0;
	if (!any)
		return 0.0;
	for (int n = 1; n <= 4; n++) {
		double correct = stats[n - 1], total = stats[4 + n - 1];
		if (total == 0)
			break;
		if (effective_order)
			eff = n;
		if (correct == 0) {
			if (spec->pv[BLEU_SMOOTH].i == 0) {
				smooth *= 2;
				prec[n - 1] = 1.0 / (smooth * total);
			}
		} else {
			prec[n - 1] = correct / total;
		}
	}
	for (int n = 0; n < eff; n++)
		sum += prec[n] == 0 ? -9999999999.0 : log(prec[n]);
	/* On 0-1 rather than 0-100: a perfect match is exactly 1. */
	return bp * exp(sum / eff);
}

int
oed_sc_bleu(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	    struct oed_score_result *res, struct oed_err *err)
{
	double stats[BLEU_NSTATS];

	if (bleu_stats(spec, in, stats, err) == -1)
		return -1;
	/* sacreBLEU's sentence_bleu: effective order on. */
	res->value = bleu_from_stats(spec, stats, true);
	return 0;
}

/* ---- chrF: sacreBLEU's CHRF (character n-grams only) ---- */

const struct oed_scorer_param oed_sc_chrf_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "compare with this text instead of the target", NULL },
	{ "char_order", OED_PARAM_INT, "6", "longest character n-gram (1 to 16)", NULL },
	{ "beta", OED_PARAM_NUMBER, "2", "weight of recall over precision", NULL },
	{ "whitespace", OED_PARAM_BOOL, "false", "keep white space in the n-grams", NULL },
	{ "eps_smoothing", OED_PARAM_BOOL, "false",
	  "average the F-scores of all orders (chrF++.py, NLTK) instead of sacreBLEU's default",
	  NULL },
	{ "lowercase", OED_PARAM_BOOL, "false", "fold case first", NULL },
	OED_SC_PARAMS_END
};
enum { CHRF_VALUE, CHRF_ORDER, CHRF_BETA, CHRF_WS, CHRF_EPS, CHRF_LOWER };

/* Code points of s (white space dropped unless kept) into ids + off. */
static int
chrf_chars(struct oed_scorer_spec *spec, struct tm_state *st, const char *s, size_t len,
	   size_t off, size_t *n)
{
	const unsigned char *p, *end;
	size_t k = 0;

	if (spec->pv[CHRF_LOWER].b) {
		if (oed_sc_fold(&st->sc.c, s, len, &len) == NULL)
			return -1;
		s = st->sc.c.data;
	}
	if (ids_reserve(st, off + len + 1) == -1)
		return -1;
	p = (const unsigned char *)s;
	end = p + len;
	while (p < end) {
		uint32_t cp;
		size_t l = oed_utf8_decode(p, end, &cp);
		if (l == 0) {
			cp = 0x110000u + *p;
			l = 1;
		} else if (!spec->pv[CHRF_WS].b && py_space(cp)) {
			p += l;
			continue;
		}
		st->ids[off + k++] = cp;
		p += l;
	}
	*n = k;
	return 0;
}

static int
chrf_stats(struct oed_scorer_spec *spec, const struct oed_score_input *in, double *stats,
	   struct oed_err *err)
{
	struct tm_state *st = spec->state;
	const char *ref;
	size_t reflen, nh, nr, order = (size_t)spec->pv[CHRF_ORDER].i;

	if (oed_sc_reference(spec, CHRF_VALUE, in, &ref, &reflen, err) == -1)
		return -1;
	if (chrf_chars(spec, st, in->output, in->output_len, 0, &nh) == -1 ||
	    chrf_chars(spec, st, ref, reflen, nh, &nr) == -1)
		return OOM(err);
	for (size_t n = 1; n <= order; n++) {
		size_t th, tr, m;
		if (ngram_match(&st->ng, st->ids, nh, st->ids + nh, nr, n, &th, &tr, &m) == -1)
			return OOM(err);
		stats[3 * (n - 1)] = (double)th;
		stats[3 * (n - 1) + 1] = (double)tr;
		stats[3 * (n - 1) + 2] = (double)m;
	}
	return 0;
}

/* sacreBLEU's CHRF._compute_f_score, as a fraction of 1. */
static double
chrf_from_stats(const struct oed_scorer_spec *spec, const double *stats)
{
	const double eps = 1e-16, factor = spec->pv[CHRF_BETA].d * spec->pv[CHRF_BETA].d;
	size_t order = (size_t)spec->pv[CHRF_ORDER].i;
	double score = 0, avg_p = 0, avg_r = 0;
	int eff = 0;

	for (size_t i = 0; i < order; i++) {
		double nh = stats[3 * i], nr = stats[3 * i + 1], m = stats[3 * i + 2];
		double p = nh > 0 ? m / nh : eps, r = nr > 0 ? m / nr : eps;
		double denom = factor * p + r;
		score += denom > 0 ? (1 + factor) * p * r / denom : eps;
		if (nh > 0 && nr > 0) {
			avg_p += p;
			avg_r += r;
			eff++;
		}
	}
	if (spec->pv[CHRF_EPS].b)
		return score / (double)order;
	if (eff == 0)
		return 0.0;
	avg_p /= eff;
	avg_r /= eff;
	if (avg_p + avg_r == 0)
		return 0.0;
	return (1 + factor) * avg_p * avg_r / (factor * avg_p + avg_r);
}

int
oed_sc_chrf(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	    struct oed_score_result *res, struct oed_err *err)
{
	double stats[3 * 16];

	if (chrf_stats(spec, in, stats, err) == -1)
		return -1;
	res->value = chrf_from_stats(spec, stats);
	return 0;
}

int
oed_sc_chrf_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	if (spec->pv[CHRF_ORDER].i < 1 || spec->pv[CHRF_ORDER].i > 16)
		return oed_err_set(err, OED_EX_USAGE, "scorer 'chrf': char_order must be 1 to 16");
	if (spec->pv[CHRF_BETA].d <= 0)
		return oed_err_set(err, OED_EX_USAGE, "scorer 'chrf': beta must be above 0");
	return oed_sc_tm_prepare(spec, err);
}

/* ---- Corpus statistics (BLEU, chrF) ---- */

int
oed_sc_corpus_stats(const struct oed_scorer_spec *spec, const struct oed_score_input *in,
		    double *stats, size_t *n, struct oed_err *err)
{
	struct oed_scorer_spec *s = (struct oed_scorer_spec *)spec;

	if (spec->scorer->params == oed_sc_bleu_params) {
		*n = BLEU_NSTATS;
		return bleu_stats(s, in, stats, err);
	}
	*n = 3 * (size_t)spec->pv[CHRF_ORDER].i;
	return chrf_stats(s, in, stats, err);
}

double
oed_sc_corpus_value(const struct oed_scorer_spec *spec, const double *stats)
{
	if (spec->scorer->params == oed_sc_bleu_params)
		return bleu_from_stats(spec, stats, false);
	return chrf_from_stats(spec, stats);
}

/* ---- rouge_l: Google's rouge-score, rougeL F-measure, no stemming ---- */

const struct oed_scorer_param oed_sc_rouge_l_params[] = {
	{ "value", OED_PARAM_STRING, NULL, "compare with this text instead of the target", NULL },
	OED_SC_PARAMS_END
};

/*
 * rouge_score.tokenize: lower case, every run of characters other than
 * [a-z0-9] is a separator.  Only ASCII survives, plus the two code points
 * whose lower case is ASCII (U+0130 -> "i" + U+0307, U+212A -> "k").
 * The lowered text goes to b; spans point into it.
 */
static int
rouge_tokens(struct oed_buf *b, const char *s, size_t len, struct spans *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t start = 0;
	bool in = false;

	b->len = 0;
	out->n = 0;
	if (oed_buf_reserve(b, len + 1) == -1)
		return -1;
	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		char c = 0;
		if (k == 0)
			k = 1;
		else if (cp >= 'A' && cp <= 'Z')
			c = (char)(cp - 'A' + 'a');
		else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			c = (char)cp;
		else if (cp == 0x212A)
			c = 'k';
		p += k;
		if (cp == 0x130 && k == 2) {
			/* "i" then U+0307, a separator. */
			if (!in)
				start = b->len;
			b->data[b->len++] = 'i';
			in = true;
			c = 0;
		}
		if (c != 0) {
			if (!in) {
				start = b->len;
				in = true;
			}
			b->data[b->len++] = c;
		} else if (in) {
			if (spans_push(out, b->data + start, b->len - start) == -1)
				return -1;
			/* A separator byte keeps the spans apart. */
			b->data[b->len++] = ' ';
			in = false;
		}
	}
	if (in && spans_push(out, b->data + start, b->len - start) == -1)
		return -1;
	/* Spans were taken while b->data could not move (reserved up front). */
	return 0;
}

int
oed_sc_rouge_l(struct oed_scorer_spec *spec, const struct oed_score_input *in,
	       struct oed_score_result *res, struct oed_err *err)
{
	struct tm_state *st = spec->state;
	const char *ref;
	size_t reflen, nh, nr;

	if (oed_sc_reference(spec, 0, in, &ref, &reflen, err) == -1)
		return -1;
	if (rouge_tokens(&st->th, in->output, in->output_len, &st->sh) == -1 ||
	    rouge_tokens(&st->tr, ref, reflen, &st->sr) == -1 || spans_to_ids(st) == -1)
		return OOM(err);
	nh = st->sh.n;
	nr = st->sr.n;
	if (nh == 0 || nr == 0) {
		res->value = 0.0;
		return 0;
	}
	/* LCS length by one DP row over the reference. */
	if (ids_reserve(st, nh + nr + nr + 1) == -1)
		return OOM(err);
	uint32_t *h = st->ids, *r = st->ids + nh, *row = r + nr;
	memset(row, 0, (nr + 1) * sizeof(*row));
	for (size_t i = 0; i < nh; i++) {
		uint32_t diag = 0;
		for (size_t j = 1; j <= nr; j++) {
			uint32_t up = row[j];
			row[j] = h[i] == r[j - 1] ? diag + 1 : (up > row[j - 1] ? up : row[j - 1]);
			diag = up;
		}
	}
	double lcs = row[nr], p = lcs / (double)nh, rc = lcs / (double)nr;
	res->value = p + rc > 0 ? 2 * p * rc / (p + rc) : 0.0;
	return 0;
}
