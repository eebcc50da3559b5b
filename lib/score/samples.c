/*
 * samples.c: scorers over the k samples of one input, with the same
 * equivalence as oed-entropy (--extract, then --normalize, then
 * --cluster jaccard:T):
 *
 *   consistency         1 - H(Y|X=x) / log2 k, in [0,1]
 *   hallucination_risk  H(Y|X=x) in bits: the semantic entropy of Farquhar
 *                       et al. (Nature, 2024) with this equivalence
 *   waste_tokens        this output's tokens minus the fewest tokens of an
 *                       output of the same input in its class
 *
 * With equivalence=semantic the semantic_equivalence judge (judge.c)
 * joins those classes, as Farquhar et al. cluster by bidirectional
 * entailment.
 *
 * The classes of an input's samples are computed once and reused for each
 * of its records: the cache is keyed by a digest of the samples' texts.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "exit.h"
#include "equiv/extract.h"
#include "internal.h"
#include "equiv/minhash.h"
#include "info/waste.h"
#include "tokenizer.h"

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

#define EQUIV_PARAMS \
	{ "normalize", OED_PARAM_STRING, "trim", \
	  "steps that make outputs the same (oed-entropy --normalize)", NULL }, \
	{ "extract", OED_PARAM_REGEX, NULL, \
	  "compare only this part of each output (oed-entropy --extract)", NULL }, \
	{ "cluster", OED_PARAM_STRING, NULL, \
	  "jaccard:T groups near-duplicates (oed-entropy --cluster)", NULL }, \
	{ "equivalence", OED_PARAM_ENUM, "text", \
	  "text: the steps above; semantic: a judge clusters the samples (semantic entropy)", \
	  "text|semantic" }, \
	{ "model", OED_PARAM_STRING, NULL, "equivalence=semantic: the judge, PROVIDER:MODEL", NULL }, \
	{ "prompt", OED_PARAM_STRING, NULL, \
	  "equivalence=semantic: a prompt file instead of the built-in semantic_equivalence.v1", \
	  NULL }, \
	{ "timeout", OED_PARAM_NUMBER, "120", "equivalence=semantic: seconds per judge request", \
	  NULL }, \
	{ "cache", OED_PARAM_BOOL, "true", \
	  "equivalence=semantic: reuse the judge's answers kept in the run store", NULL }

const struct oed_scorer_param oed_sc_consistency_params[] = {
	EQUIV_PARAMS,
	OED_SC_PARAMS_END
};
const struct oed_scorer_param oed_sc_hallucination_risk_params[] = {
	EQUIV_PARAMS,
	{ "max", OED_PARAM_NUMBER, "1", "pass up to this many bits", NULL },
	OED_SC_PARAMS_END
};
const struct oed_scorer_param oed_sc_waste_tokens_params[] = {
	EQUIV_PARAMS,
	{ "encoding", OED_PARAM_STRING, "cl100k_base", "tokenizer encoding or model", NULL },
	OED_SC_PARAMS_END
};
enum { EQ_NORMALIZE, EQ_EXTRACT, EQ_CLUSTER, EQ_EQUIVALENCE, EQ_MODEL, EQ_PROMPT, EQ_TIMEOUT,
       EQ_CACHE, EQ_EXTRA };

struct samples_state {
	struct oed_norm norm;
	struct oed_extract *extract;
	struct oed_minhash mh;
	bool cluster;
	struct oed_sc_judge *judge;	/* equivalence=semantic */
	struct oed_tokenizer *tok;
	struct oed_norm_scratch ns;
	/* The last input's classes. */
	uint64_t digest;
	size_t n;
	bool valid;
	uint32_t *cls;		/* class of each sample (n, plus one for an outsider) */
	size_t *tokens;		/* tokens of each sample (waste_tokens) */
	size_t cap;
	double entropy;		/* H of the class distribution, bits */
	size_t nclasses;
	/* Work space. */
	struct oed_buf keys;	/* normalised texts, one after another */
	size_t *koff, *klen;
	bool *nomatch;
	uint64_t *sigs;
	size_t *order;
};

int
oed_sc_samples_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct samples_state *st = calloc(1, sizeof(*st));
	const char *name = spec->scorer->name;

	if ((spec->state = st) == NULL)
		return OOM(err);
	oed_norm_scratch_init(&st->ns);
	const char *chain = spec->pv[EQ_NORMALIZE].s;
	if (*chain != '\0' && strcmp(chain, "none") != 0 &&
	    oed_norm_parse(chain, &st->norm, err) == -1) {
		char msg[sizeof(err->msg)];
		memcpy(msg, err->msg, sizeof(msg));
		return oed_err_set(err, OED_EX_USAGE, "scorer '%s': normalize: %.400s", name,
		    strncmp(msg, "--normalize: ", 13) == 0 ? msg + 13 : msg);
	}
	if (spec->pv[EQ_EXTRACT].s != NULL) {
		/* Checked here first for a message in the scorers' words. */
		char what[96];
		snprintf(what, sizeof(what), "scorer '%s': extract", name);
		struct oed_sc_regex *re = oed_sc_regex_new(spec->pv[EQ_EXTRACT].s, false, false, what, err);
		if (re == NULL)
			return -1;
		oed_sc_regex_free(re);
		if ((st->extract = oed_extract_new(spec->pv[EQ_EXTRACT].s, err)) == NULL)
			return -1;
	}
	if (spec->pv[EQ_CLUSTER].s != NULL) {
		if (oed_minhash_parse(spec->pv[EQ_CLUSTER].s, 1, &st->mh, err) == -1) {
			char msg[sizeof(err->msg)];
			memcpy(msg, err->msg, sizeof(msg));
			return oed_err_set(err, OED_EX_USAGE, "scorer '%s': cluster: %.400s", name,
			    strncmp(msg, "--cluster: ", 11) == 0 ? msg + 11 : msg);
		}
		st->cluster = true;
	}
	if (spec->pv[EQ_EQUIVALENCE].i == 1) {
		if (st->cluster)
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer '%s': cluster= and equivalence=semantic do not go together: "
			    "the judge does the clustering", name);
		if ((st->judge = oed_sc_equiv_judge_new(name, spec->pv[EQ_MODEL].s,
		    spec->pv[EQ_PROMPT].s, spec->pv[EQ_TIMEOUT].d, spec->pv[EQ_CACHE].b, err)) == NULL)
			return -1;
	} else if (spec->pv[EQ_MODEL].given || spec->pv[EQ_PROMPT].given ||
		   spec->pv[EQ_TIMEOUT].given || spec->pv[EQ_CACHE].given) {
		return oed_err_set(err, OED_EX_USAGE,
		    "scorer '%s': model=, prompt=, timeout= and cache= go with equivalence=semantic",
		    name);
	}
	if (spec->scorer->params == oed_sc_waste_tokens_params) {
		const char *enc = spec->pv[EQ_EXTRA].s;
		if (oed_encoding_for(enc) == NULL)
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer 'waste_tokens': '%s' is not an encoding or a known model", enc);
		if ((st->tok = oed_tokenizer_open(enc, NULL, err)) == NULL)
			return -1;
	}
	return 0;
}

void
oed_sc_samples_release(struct oed_scorer_spec *spec)
{
	struct samples_state *st = spec->state;

	if (st == NULL)
		return;
	oed_extract_free(st->extract);
	oed_sc_equiv_judge_free(st->judge);
	oed_tokenizer_free(st->tok);
	oed_norm_scratch_release(&st->ns);
	oed_buf_release(&st->keys);
	free(st->cls);
	free(st->tokens);
	free(st->koff);
	free(st->klen);
	free(st->nomatch);
	free(st->sigs);
	free(st->order);
	free(st);
	spec->state = NULL;
}

static int
reserve(struct samples_state *st, size_t n)
{
	if (n <= st->cap)
		return 0;
	size_t c = n * 2;
	uint32_t *cls = realloc(st->cls, c * sizeof(*cls));
	if (cls == NULL)
		return -1;
	st->cls = cls;
	size_t *p;
	if ((p = realloc(st->tokens, c * sizeof(*p))) == NULL)
		return -1;
	st->tokens = p;
	if ((p = realloc(st->koff, c * sizeof(*p))) == NULL)
		return -1;
	st->koff = p;
	if ((p = realloc(st->klen, c * sizeof(*p))) == NULL)
		return -1;
	st->klen = p;
	if ((p = realloc(st->order, c * sizeof(*p))) == NULL)
		return -1;
	st->order = p;
	bool *b = realloc(st->nomatch, c * sizeof(*b));
	if (b == NULL)
		return -1;
	st->nomatch = b;
	st->cap = c;
	return 0;
}

/* For sorting sample indices by (no match, key bytes), with qsort_r. */
static int
cmp_key(const void *a, const void *b, void *ctx)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct samples_state *st = ctx;

	if (st->nomatch[i] != st->nomatch[j])
		return st->nomatch[i] ? 1 : -1;
	size_t li = st->klen[i], lj = st->klen[j];
	int c = memcmp(st->keys.data + st->koff[i], st->keys.data + st->koff[j], li < lj ? li : lj);
	if (c != 0)
		return c;
	return li < lj ? -1 : li > lj;
}

/*
 * Classes of the n texts t[i] (the samples, maybe with this output
 * appended).  Fills st->cls, st->entropy (of the first k only, the
 * input's samples), st->tokens when counting.  0 or -1 (err set).
 */
/* What the judge reads of a sample: the part extract= keeps, else all of it. */
static int
judged_text(struct samples_state *st, const struct oed_score_sample *t, const char **s,
	    size_t *len, struct oed_err *err)
{
	*s = t->text != NULL ? t->text : "";
	*len = t->len;
	if (st->extract != NULL && oed_extract_apply(st->extract, *s, *len, s, len, err) == -1)
		return -1;
	return 0;
}

/*
 * equivalence=semantic: the exact classes (equal after extract and
 * normalize) joined by the judge, as Farquhar et al. cluster: each class,
 * in the order its first sample comes, is compared (both ways) with the
 * first sample of each cluster made so far and joins the first that
 * means the same, else starts a cluster.  Outputs without a match under
 * extract= stay a class of their own.  0 or -1 (err set).
 */
static int
semantic_classes(struct samples_state *st, const struct oed_score_sample *t, size_t n,
		 const struct oed_score_input *in, struct oed_err *err)
{
	uint32_t nexact = 0;
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		if (st->cls[i] + 1 > nexact)
			nexact = st->cls[i] + 1;
	uint32_t *to = malloc(((size_t)nexact + 1) * sizeof(*to));	/* exact class -> cluster */
	size_t *rep = malloc((n + 1) * sizeof(*rep));		/* cluster -> its first sample */
	uint32_t nclu = 0;

	if (to == NULL || rep == NULL) {
		OOM(err);
		goto out;
	}
	for (uint32_t c = 0; c < nexact; c++)
		to[c] = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = st->cls[i], q;

		if (to[c] != UINT32_MAX)
			continue;
		for (q = 0; q < nclu && !st->nomatch[i]; q++) {
			int same;

			if (st->nomatch[rep[q]])
				continue;
			const char *a, *b;
			size_t al, bl;
			if (judged_text(st, &t[i], &a, &al, err) == -1 ||
			    judged_text(st, &t[rep[q]], &b, &bl, err) == -1)
				goto out;
			same = oed_sc_equiv_judge_same(st->judge, in->input, in->input_len, a, al, b, bl,
			    err);
			if (same == -1)
				goto out;
			if (same == 1)
				break;
		}
		if (q == nclu || st->nomatch[i])
			rep[q = nclu++] = i;
		to[c] = q;
	}
	for (size_t i = 0; i < n; i++)
		st->cls[i] = to[st->cls[i]];
	rc = 0;
out:
	free(to);
	free(rep);
	return rc;
}

static int
classify(struct samples_state *st, const struct oed_score_sample *t, size_t n, size_t k,
	 const struct oed_score_input *in, struct oed_err *err)
{
	if (reserve(st, n) == -1)
		return OOM(err);
	st->keys.len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = t[i].text != NULL ? t[i].text : "";
		size_t len = t[i].len, nl;
		st->nomatch[i] = false;
		if (st->extract != NULL) {
			int rc = oed_extract_apply(st->extract, s, len, &s, &len, err);
			if (rc == -1)
				return -1;
			st->nomatch[i] = rc == 0;
			if (rc == 0)
				len = 0;
		}
		const char *norm = oed_norm_apply(&st->norm, s, len, &st->ns, &nl);
		if (norm == NULL || oed_buf_reserve(&st->keys, st->keys.len + nl + 1) == -1)
			return OOM(err);
		st->koff[i] = st->keys.len;
		st->klen[i] = nl;
		memcpy(st->keys.data + st->keys.len, norm, nl);
		st->keys.len += nl;
		if (st->tok != NULL) {
			size_t c = oed_tokenizer_count(st->tok, t[i].text != NULL ? t[i].text : "",
			    t[i].len, false);
			if (c == (size_t)-1)
				return OOM(err);
			st->tokens[i] = c;
		}
	}
	/* Exact classes first: equal keys. */
	for (size_t i = 0; i < n; i++)
		st->order[i] = i;
	qsort_r(st->order, n, sizeof(*st->order), cmp_key, st);
	uint32_t c = 0;
	for (size_t r = 0; r < n; r++) {
		if (r > 0 && cmp_key(&st->order[r - 1], &st->order[r], st) != 0)
			c++;
		st->cls[st->order[r]] = c;
	}
	if (st->cluster) {
		/* Near-duplicates among the matched texts, by MinHash. */
		uint64_t *sigs = realloc(st->sigs, n * st->mh.perm * sizeof(*sigs));
		uint32_t *of = malloc(n * sizeof(*of));
		size_t m = 0;
		if (sigs == NULL || of == NULL) {
			free(of);
			if (sigs != NULL)
				st->sigs = sigs;
			return OOM(err);
		}
		st->sigs = sigs;
		for (size_t i = 0; i < n; i++) {
			if (st->nomatch[i])
				continue;
			oed_minhash_signature(&st->mh, st->keys.data + st->koff[i], st->klen[i],
			    sigs + m * st->mh.perm);
			st->order[m++] = i;
		}
		if (oed_cluster_group(&st->mh, sigs, m, st->mh.threshold, of) == -1) {
			free(of);
			return OOM(err);
		}
		uint32_t top = 0;
		for (size_t j = 0; j < m; j++) {
			st->cls[st->order[j]] = of[j];
			if (of[j] + 1 > top)
				top = of[j] + 1;
		}
		for (size_t i = 0; i < n; i++)
			if (st->nomatch[i])
				st->cls[i] = top;
		free(of);
	}
	if (st->judge != NULL && semantic_classes(st, t, n, in, err) == -1)
		return -1;
	/* H over the input's k samples. */
	uint32_t maxc = 0;
	for (size_t i = 0; i < k; i++)
		if (st->cls[i] > maxc)
			maxc = st->cls[i];
	size_t *count = calloc((size_t)maxc + 1, sizeof(*count));
	if (count == NULL)
		return OOM(err);
	for (size_t i = 0; i < k; i++)
		count[st->cls[i]]++;
	st->entropy = 0;
	st->nclasses = 0;
	for (size_t c2 = 0; c2 <= maxc; c2++) {
		if (count[c2] == 0)
			continue;
		double p = (double)count[c2] / (double)k;
		st->entropy -= p * log2(p);
		st->nclasses++;
	}
	free(count);
	if (st->entropy < 0)	/* -0 */
		st->entropy = 0;
	return 0;
}

static uint64_t
digest(const struct oed_score_sample *s, size_t n)
{
	XXH3_state_t *h = XXH3_createState();
	uint64_t d;

	if (h == NULL)
		return 0;
	XXH3_64bits_reset(h);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = s[i].len;
		XXH3_64bits_update(h, &len, sizeof(len));
		XXH3_64bits_update(h, s[i].text != NULL ? s[i].text : "", s[i].len);
	}
	d = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	return d;
}

/*
 * Classes of the input's samples; *self is the index of this output among
 * them (an outsider is classified as sample n).  0 or -1.
 */
static int
prepare_input(struct oed_scorer_spec *spec, const struct oed_score_input *in, size_t *self,
	      struct oed_err *err)
{
	struct samples_state *st = spec->state;
	const struct oed_score_sample *s = in->samples;
	size_t k = in->nsamples, i;

	if (s == NULL || k == 0)
		return oed_err_set(err, OED_EX_DATA,
		    "scorer '%s' needs the samples of the input (--samples-by)", spec->scorer->name);
	for (i = 0; i < k; i++)
		if (s[i].text == in->output && s[i].len == in->output_len)
			break;
	for (size_t j = 0; i == k && j < k; j++)
		if (s[j].len == in->output_len &&
		    (in->output_len == 0 || memcmp(s[j].text, in->output, in->output_len) == 0))
			i = j;
	*self = i;
	uint64_t d = digest(s, k);
	if (st->judge != NULL && in->input != NULL)	/* the judge sees the input too */
		d ^= XXH3_64bits(in->input, in->input_len) * 0x9E3779B97F4A7C15ULL;
	if (i < k && st->valid && st->n == k && st->digest == d)
		return 0;
	struct oed_score_sample *all = malloc((k + 1) * sizeof(*all));
	if (all == NULL)
		return OOM(err);
	memcpy(all, s, k * sizeof(*all));
	all[k].text = in->output;
	all[k].len = in->output_len;
	st->valid = false;
	int rc = classify(st, all, i < k ? k : k + 1, k, in, err);
	free(all);
	if (rc == 0 && i < k) {
		st->valid = true;
		st->digest = d;
		st->n = k;
	}
	return rc;
}

int
oed_sc_consistency(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		   struct oed_score_result *res, struct oed_err *err)
{
	struct samples_state *st = spec->state;
	size_t self;

	if (prepare_input(spec, in, &self, err) == -1)
		return -1;
	if (in->nsamples < 2) {
		oed_sc_reason(res, "one sample: nothing to compare");
		return 0;
	}
	res->value = 1.0 - st->entropy / log2((double)in->nsamples);
	if (res->value < 0)
		res->value = 0;
	oed_sc_reason(res, "%zu classes among %zu samples", st->nclasses, in->nsamples);
	return 0;
}

int
oed_sc_hallucination_risk(struct oed_scorer_spec *spec, const struct oed_score_input *in,
			  struct oed_score_result *res, struct oed_err *err)
{
	struct samples_state *st = spec->state;
	size_t self;

	if (prepare_input(spec, in, &self, err) == -1)
		return -1;
	res->value = st->entropy;
	res->pass = st->entropy <= spec->pv[EQ_EXTRA].d;
	oed_sc_reason(res, "%zu classes among %zu samples", st->nclasses, in->nsamples);
	return 0;
}

int
oed_sc_waste_tokens(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		    struct oed_score_result *res, struct oed_err *err)
{
	struct samples_state *st = spec->state;
	size_t self, k = in->nsamples;
	struct oed_waste_class c = OED_WASTE_CLASS_INIT;

	if (prepare_input(spec, in, &self, err) == -1)
		return -1;
	/* the class of this output among the input's samples (waste.h) */
	for (size_t i = 0; i < k; i++)
		if (st->cls[i] == st->cls[self])
			(void)oed_waste_class_add(&c, st->tokens[i], &OED_COUNT_ONE);
	if (self == k)
		(void)oed_waste_class_add(&c, st->tokens[self], &OED_COUNT_ONE);
	res->value = (double)oed_waste_of(&c, st->tokens[self]);
	return 0;
}

int
oed_sc_samples_judge_info(const struct oed_scorer_spec *spec, const char **model,
			  const char **prompt_version)
{
	const struct samples_state *st = spec->state;

	if (st == NULL || st->judge == NULL)
		return 0;
	*model = oed_sc_equiv_judge_model(st->judge);
	*prompt_version = oed_sc_equiv_judge_version(st->judge);
	return 1;
}

/* ---- Run-level figures ---- */

void
oed_waste_init(struct oed_waste *w)
{
	memset(w, 0, sizeof(*w));
}

void
oed_waste_add(struct oed_waste *w, double waste_tokens, double output_tokens, int pass)
{
	w->waste += waste_tokens;
	w->tokens += output_tokens;
	w->passed += pass == 1;
	w->n++;
}

double
oed_waste_ratio(const struct oed_waste *w)
{
	return oed_waste_ratio_of(w->waste, w->tokens);
}

double
oed_token_efficiency(const struct oed_waste *w)
{
	return w->tokens > 0 ? 1000.0 * (double)w->passed / w->tokens : NAN;
}
