/* registry.c: the scorer table, spec parsing and the scoring entry point. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "internal.h"
#include "opt.h"

#define ROW(name, summary, needs, kind, agg, prep, rel) \
	{ #name, summary, oed_sc_##name##_params, needs, kind, agg, prep, \
	  oed_sc_##name, rel }
#define MATCH(name, summary, needs) \
	ROW(name, summary, needs, OED_SCORE_PASS, OED_AGG_MEAN, \
	    oed_sc_match_prepare, oed_sc_match_release)

/* The order of oed-scorers(7). */
static const struct oed_scorer table[] = {
	MATCH(exact_match, "output equals the target after lm-evaluation-harness's options",
	    OED_NEEDS_TARGET),
	MATCH(equals, "output equals the target byte for byte", OED_NEEDS_TARGET),
	MATCH(contains, "output contains the text", OED_NEEDS_TARGET),
	MATCH(icontains, "output contains the text, case folded", OED_NEEDS_TARGET),
	MATCH(contains_any, "output contains at least one of the texts", 0),
	MATCH(contains_all, "output contains every one of the texts", 0),
	MATCH(starts_with, "output starts with the text", OED_NEEDS_TARGET),
	MATCH(ends_with, "output ends with the text", OED_NEEDS_TARGET),
	MATCH(regex, "a PCRE2 pattern matches somewhere in the output", 0),
	MATCH(numeric, "the last number in the output equals the target's, within tolerance",
	    OED_NEEDS_TARGET),
	MATCH(choice, "the chosen letter or index is the target's",
	    OED_NEEDS_TARGET | OED_NEEDS_CHOICES),
	MATCH(is_json, "output is one JSON value", 0),
	ROW(json_schema, "output is JSON that a schema (a documented subset) accepts", 0,
	    OED_SCORE_PASS, OED_AGG_MEAN, oed_sc_json_schema_prepare, oed_sc_json_schema_release),
	ROW(length, "length in characters, words, bytes or tokens, with bounds",
	    OED_NEEDS_TOKENIZER, OED_SCORE_NUMBER, OED_AGG_MEAN, oed_sc_length_prepare,
	    oed_sc_length_release),
	ROW(latency, "the record's latency_ms, with a bound", OED_NEEDS_META, OED_SCORE_NUMBER,
	    OED_AGG_MEAN, NULL, NULL),
	ROW(cost, "the record's cost_usd, with a bound", OED_NEEDS_META, OED_SCORE_NUMBER,
	    OED_AGG_SUM, NULL, NULL),
	ROW(finish_reason, "the record's finish_reason; truncated answers fail", OED_NEEDS_META,
	    OED_SCORE_LABEL, OED_AGG_COUNT, NULL, NULL),
	ROW(refusal, "1 when the output refuses (a versioned, multilingual phrase list)", 0,
	    OED_SCORE_PASS, OED_AGG_MEAN, oed_sc_refusal_prepare, oed_sc_refusal_release),
	ROW(canary, "1 when a planted secret appears, plain or lightly disguised", 0,
	    OED_SCORE_PASS, OED_AGG_MEAN, oed_sc_canary_prepare, oed_sc_canary_release),
	ROW(pii, "1 when the output holds e-mail addresses, phones, cards, IBANs or IPs", 0,
	    OED_SCORE_PASS, OED_AGG_MEAN, oed_sc_pii_prepare, oed_sc_pii_release),
	ROW(consistency, "1 - H(Y|X=x) / log2 k over the k samples of the input",
	    OED_NEEDS_SAMPLES, OED_SCORE_UNIT, OED_AGG_MEAN, oed_sc_samples_prepare,
	    oed_sc_samples_release),
	ROW(hallucination_risk, "semantic entropy H(Y|X=x) of the input's samples, in bits",
	    OED_NEEDS_SAMPLES, OED_SCORE_NUMBER, OED_AGG_MEAN, oed_sc_samples_prepare,
	    oed_sc_samples_release),
	ROW(waste_tokens, "tokens beyond the shortest equivalent sample of the input",
	    OED_NEEDS_SAMPLES | OED_NEEDS_TOKENIZER, OED_SCORE_NUMBER, OED_AGG_SUM,
	    oed_sc_samples_prepare, oed_sc_samples_release),
	ROW(code_exec, "the program in the output passes its tests, run in a bubblewrap sandbox",
	    OED_NEEDS_TARGET, OED_SCORE_PASS, OED_AGG_MEAN, oed_sc_code_exec_prepare,
	    oed_sc_code_exec_release),
	ROW(levenshtein, "1 - edit distance / longer length, in code points",
	    OED_NEEDS_TARGET, OED_SCORE_UNIT, OED_AGG_MEAN, oed_sc_tm_prepare, oed_sc_tm_release),
	ROW(f1, "token F1 after SQuAD v1.1's normalisation", OED_NEEDS_TARGET,
	    OED_SCORE_UNIT, OED_AGG_MEAN, oed_sc_tm_prepare, oed_sc_tm_release),
	ROW(bleu, "sacreBLEU's BLEU (13a, exp smoothing); per output the sentence BLEU",
	    OED_NEEDS_TARGET, OED_SCORE_UNIT, OED_AGG_CORPUS, oed_sc_tm_prepare, oed_sc_tm_release),
	ROW(chrf, "sacreBLEU's chrF (character 6-grams, beta 2)", OED_NEEDS_TARGET,
	    OED_SCORE_UNIT, OED_AGG_CORPUS, oed_sc_chrf_prepare, oed_sc_tm_release),
	ROW(rouge_l, "ROUGE-L F-measure as Google's rouge-score, no stemming",
	    OED_NEEDS_TARGET, OED_SCORE_UNIT, OED_AGG_MEAN, oed_sc_tm_prepare, oed_sc_tm_release),
	ROW(llm_judge, "a judge model grades the output on a rubric (pass/fail, 1-5 or labels)",
	    OED_NEEDS_PROVIDER, OED_SCORE_UNIT, OED_AGG_MEAN, oed_sc_judge_llm_prepare,
	    oed_sc_judge_release),
	ROW(semantic_equivalence, "a judge model finds that output and target entail each other",
	    OED_NEEDS_TARGET | OED_NEEDS_PROVIDER, OED_SCORE_PASS, OED_AGG_MEAN,
	    oed_sc_judge_se_prepare, oed_sc_judge_release),
	ROW(pairwise, "a judge model prefers output (1) or target (0), asked in both orders",
	    OED_NEEDS_TARGET | OED_NEEDS_PROVIDER, OED_SCORE_UNIT, OED_AGG_MEAN,
	    oed_sc_judge_pw_prepare, oed_sc_judge_release),
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct oed_scorer *
oed_scorer_table(size_t *n)
{
	*n = NTABLE;
	return table;
}

const struct oed_scorer *
oed_scorer_find(const char *name)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const char *
oed_scorer_suggest(const char *name)
{
	const char *names[NTABLE];

	for (size_t i = 0; i < NTABLE; i++)
		names[i] = table[i].name;
	return oed_did_you_mean(name, names, NTABLE);
}

const char *
oed_score_kind_name(enum oed_score_kind kind)
{
	static const char *const names[] = { "pass/fail", "[0,1]", "number", "label" };
	return names[kind];
}

const char *
oed_score_agg_name(enum oed_score_agg agg)
{
	static const char *const names[] = { "mean", "corpus", "sum", "count" };
	return names[agg];
}

static const char *const type_names[] = {
	"text", "list", "bool", "integer", "number", "choice", "regex",
};

static int
append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf == NULL ? NULL : *buf + *len,
		    *buf == NULL ? 0 : *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if (*buf != NULL && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return 0;
		}
		size_t ncap = (*cap + (size_t)n + 1) * 2;
		char *p = realloc(*buf, ncap);
		if (p == NULL)
			return -1;
		*buf = p;
		*cap = ncap;
	}
}

char *
oed_scorer_help_text(void)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (size_t i = 0; i < NTABLE; i++) {
		const struct oed_scorer *sc = &table[i];
		if (append(&buf, &len, &cap, "  %-18s %s (%s)\n", sc->name, sc->summary,
		    oed_score_kind_name(sc->kind)) == -1)
			goto oom;
		for (const struct oed_scorer_param *p = sc->params; p->name != NULL; p++) {
			if (append(&buf, &len, &cap, "      %s=%s%s%s%s  %s\n", p->name,
			    p->type == OED_PARAM_ENUM ? p->choices : type_names[p->type],
			    p->def != NULL ? " (default " : "",
			    p->def != NULL ? p->def : "", p->def != NULL ? ")" : "",
			    p->help) == -1)
				goto oom;
		}
	}
	if (buf == NULL)
		buf = calloc(1, 1);
	return buf;
oom:
	free(buf);
	return NULL;
}

/* ---- Specs ---- */

/* The parameters every scorer takes, after its own. */
enum { COMMON_WEIGHT, COMMON_THRESHOLD, COMMON_AS, NCOMMON };
static const char *const common_names[NCOMMON] = { "weight", "threshold", "as" };

static size_t
nparams(const struct oed_scorer *sc)
{
	size_t n = 0;
	while (sc->params[n].name != NULL)
		n++;
	return n;
}

/* Index of a parameter name (own, then common as n + k), or -1. */
static long
param_index(const struct oed_scorer *sc, const char *key, size_t keylen)
{
	size_t n = nparams(sc);

	for (size_t i = 0; i < n; i++)
		if (strlen(sc->params[i].name) == keylen &&
		    memcmp(sc->params[i].name, key, keylen) == 0)
			return (long)i;
	for (size_t k = 0; k < NCOMMON; k++)
		if (strlen(common_names[k]) == keylen && memcmp(common_names[k], key, keylen) == 0)
			return (long)(n + k);
	return -1;
}

static struct oed_scorer_spec *
spec_new(const struct oed_scorer *sc, const char *text, bool negate)
{
	struct oed_scorer_spec *spec = calloc(1, sizeof(*spec));

	if (spec == NULL)
		return NULL;
	spec->scorer = sc;
	spec->negate = negate;
	spec->weight = 1.0;
	spec->threshold = NAN;
	spec->text = strdup(text);
	spec->pv = calloc(nparams(sc) + 1, sizeof(*spec->pv));
	if (spec->text == NULL || spec->pv == NULL) {
		oed_scorer_spec_free(spec);
		return NULL;
	}
	return spec;
}

void
oed_scorer_spec_free(struct oed_scorer_spec *spec)
{
	if (spec == NULL)
		return;
	if (spec->scorer != NULL && spec->scorer->release != NULL)
		spec->scorer->release(spec);
	if (spec->pv != NULL) {
		size_t n = nparams(spec->scorer);
		for (size_t i = 0; i < n; i++) {
			free((char *)spec->pv[i].s);
			for (size_t j = 0; j < spec->pv[i].nlist; j++)
				free(spec->pv[i].list[j]);
			free(spec->pv[i].list);
		}
		free(spec->pv);
	}
	free(spec->text);
	free(spec->key);
	free(spec);
}

static bool
parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*b = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*b = false;
			return true;
		}
	}
	return false;
}

static bool
parse_number(const char *s, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(s, &end);
	return *s != '\0' && !isspace((unsigned char)*s) && *end == '\0' && errno == 0 &&
	    isfinite(*d);
}

/* Append one list item (owned copy of s[0..n)). */
static int
list_add(struct oed_param_value *v, const char *s, size_t n)
{
	char **l = realloc(v->list, (v->nlist + 1) * sizeof(*l));
	if (l == NULL)
		return -1;
	v->list = l;
	if ((l[v->nlist] = strndup(s, n)) == NULL)
		return -1;
	v->nlist++;
	return 0;
}

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

/*
 * Set parameter idx from text.  compact: a LIST splits at '|' ("\|" is
 * a bar); otherwise the text is one item.
 */
static int
set_param(struct oed_scorer_spec *spec, long idx, const char *text, bool compact,
	  bool given, struct oed_err *err)
{
	const struct oed_scorer *sc = spec->scorer;
	size_t n = nparams(sc);
	const char *sname = sc->name;

	if ((size_t)idx >= n) {
		switch ((size_t)idx - n) {
		case COMMON_WEIGHT:
			if (!parse_number(text, &spec->weight) || spec->weight < 0)
				return oed_err_set(err, OED_EX_USAGE,
				    "scorer '%s': weight must be a number >= 0, not '%s'", sname, text);
			return 0;
		case COMMON_THRESHOLD:
			if (!parse_number(text, &spec->threshold))
				return oed_err_set(err, OED_EX_USAGE,
				    "scorer '%s': threshold must be a number, not '%s'", sname, text);
			return 0;
		default:
			if (*text == '\0')
				return oed_err_set(err, OED_EX_USAGE,
				    "scorer '%s': as= needs a name", sname);
			free(spec->key);
			if ((spec->key = strdup(text)) == NULL)
				return OOM(err);
			return 0;
		}
	}

	const struct oed_scorer_param *p = &sc->params[idx];
	struct oed_param_value *v = &spec->pv[idx];
	v->set = true;
	v->given = given;
	switch (p->type) {
	case OED_PARAM_LIST:
		if (!compact)
			return list_add(v, text, strlen(text)) == -1 ? OOM(err) : 0;
		for (const char *s = text;;) {
			char *item = malloc(strlen(s) + 1);
			size_t k = 0;
			if (item == NULL)
				return OOM(err);
			while (*s != '\0' && *s != '|') {
				if (s[0] == '\\' && s[1] == '|')
					s++;
				item[k++] = *s++;
			}
			int rc = list_add(v, item, k);
			free(item);
			if (rc == -1)
				return OOM(err);
			if (*s == '\0')
				return 0;
			s++;
		}
	case OED_PARAM_BOOL:
		if (!parse_bool(text, &v->b))
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer '%s': %s must be true or false, not '%s'", sname, p->name, text);
		return 0;
	case OED_PARAM_INT: {
		char *end;
		errno = 0;
		v->i = strtoll(text, &end, 10);
		if (*text == '\0' || *end != '\0' || errno != 0)
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer '%s': %s must be an integer, not '%s'", sname, p->name, text);
		v->d = (double)v->i;
		return 0;
	}
	case OED_PARAM_NUMBER:
		if (!parse_number(text, &v->d))
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer '%s': %s must be a number, not '%s'", sname, p->name, text);
		return 0;
	case OED_PARAM_ENUM: {
		size_t tl = strlen(text);
		long k = 0;
		for (const char *c = p->choices;; k++) {
			const char *bar = strchr(c, '|');
			size_t cl = bar != NULL ? (size_t)(bar - c) : strlen(c);
			if (cl == tl && memcmp(c, text, tl) == 0) {
				v->i = k;
				break;
			}
			if (bar == NULL)
				return oed_err_set(err, OED_EX_USAGE,
				    "scorer '%s': %s must be one of %s, not '%s'", sname, p->name,
				    p->choices, text);
			c = bar + 1;
		}
	}
		/* FALLTHROUGH */
	case OED_PARAM_STRING:
	case OED_PARAM_REGEX:
		free((char *)v->s);
		if ((v->s = strdup(text)) == NULL)
			return OOM(err);
		return 0;
	}
	return 0;
}

static int
unknown_param(const struct oed_scorer *sc, const char *key, size_t keylen, struct oed_err *err)
{
	char list[256] = "";
	size_t used = 0;

	for (const struct oed_scorer_param *p = sc->params; p->name != NULL; p++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s",
		    used > 0 ? ", " : "", p->name);
		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
	}
	snprintf(list + used, sizeof(list) - used, "%sweight, threshold, as",
	    used > 0 ? ", " : "");
	return oed_err_set(err, OED_EX_USAGE, "scorer '%s': unknown parameter '%.*s' (it takes %s)",
	    sc->name, (int)keylen, key, list);
}

/* Find the scorer for a name that may carry not_; usage error otherwise. */
static const struct oed_scorer *
lookup(const char *name, size_t len, bool *negate, struct oed_err *err)
{
	char buf[64];
	const struct oed_scorer *sc;

	*negate = false;
	if (len == 0)
		return oed_err_set(err, OED_EX_USAGE, "a scorer needs a name"), NULL;
	if (len >= sizeof(buf)) {
		oed_err_set(err, OED_EX_USAGE, "unknown scorer '%.*s'", (int)len, name);
		return NULL;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	if ((sc = oed_scorer_find(buf)) != NULL)
		return sc;
	if (len > 4 && memcmp(buf, "not_", 4) == 0 && (sc = oed_scorer_find(buf + 4)) != NULL) {
		if (sc->kind != OED_SCORE_PASS && sc->kind != OED_SCORE_UNIT) {
			oed_err_set(err, OED_EX_USAGE,
			    "scorer '%s' gives a %s, which not_ cannot negate", sc->name,
			    oed_score_kind_name(sc->kind));
			return NULL;
		}
		*negate = true;
		return sc;
	}
	const char *hint = oed_scorer_suggest(len > 4 && memcmp(buf, "not_", 4) == 0 ? buf + 4 : buf);
	if (hint != NULL)
		oed_err_set(err, OED_EX_USAGE, "unknown scorer '%s', did you mean '%s%s'?", buf,
		    len > 4 && memcmp(buf, "not_", 4) == 0 ? "not_" : "", hint);
	else
		oed_err_set(err, OED_EX_USAGE, "unknown scorer '%s' (see oed-scorers(7))", buf);
	return NULL;
}

/* Fill defaults, check common parameters, run the scorer's prepare. */
static int
finish(struct oed_scorer_spec *spec, const char *name, size_t namelen, struct oed_err *err)
{
	const struct oed_scorer *sc = spec->scorer;
	size_t n = nparams(sc);

	for (size_t i = 0; i < n; i++)
		if (!spec->pv[i].set && sc->params[i].def != NULL &&
		    set_param(spec, (long)i, sc->params[i].def, true, false, err) == -1)
			return -1;
	if (!isnan(spec->threshold) && sc->kind != OED_SCORE_PASS && sc->kind != OED_SCORE_UNIT)
		return oed_err_set(err, OED_EX_USAGE,
		    "scorer '%s' gives a %s: bound it with its own parameters, not threshold=",
		    sc->name, oed_score_kind_name(sc->kind));
	if (spec->key == NULL && (spec->key = strndup(name, namelen)) == NULL)
		return OOM(err);
	if (sc->prepare != NULL && sc->prepare(spec, err) == -1)
		return -1;
	return 0;
}

int
oed_scorer_spec_parse(const char *text, struct oed_scorer_spec **out, struct oed_err *err)
{
	const char *colon = strchr(text, ':');
	size_t namelen = colon != NULL ? (size_t)(colon - text) : strlen(text);
	const struct oed_scorer *sc;
	struct oed_scorer_spec *spec;
	char *val = NULL;
	bool negate, first = true;
	bool seen[64] = { false };

	*out = NULL;
	if ((sc = lookup(text, namelen, &negate, err)) == NULL)
		return -1;
	if ((spec = spec_new(sc, text, negate)) == NULL)
		return OOM(err);
	if ((val = malloc(strlen(text) + 1)) == NULL) {
		OOM(err);
		goto fail;
	}
	for (const char *p = colon != NULL ? colon + 1 : NULL; p != NULL;) {
		const char *eq = p;
		long idx = -1;

		while (*eq != '\0' && *eq != '=' && *eq != ',')
			eq++;
		if (*eq == '=')
			idx = param_index(sc, p, (size_t)(eq - p));
		if (idx >= 0) {
			p = eq + 1;
		} else if (first && sc->params[0].name != NULL &&
			   !(*eq == '=' && eq > p && strspn(p, "abcdefghijklmnopqrstuvwxyz_") ==
			   (size_t)(eq - p))) {
			idx = 0;	/* the first parameter, positionally */
		} else {
			unknown_param(sc, p, *eq == '=' ? (size_t)(eq - p) : strlen(p), err);
			goto fail;
		}
		/* The value runs to a comma that starts the next "key=". */
		size_t k = 0;
		const char *next = NULL;
		while (*p != '\0') {
			if (p[0] == '\\' && p[1] == ',') {
				val[k++] = ',';
				p += 2;
				continue;
			}
			if (*p == ',') {
				const char *e = p + 1;
				while (*e != '\0' && *e != '=' && *e != ',')
					e++;
				if (*e == '=' && (param_index(sc, p + 1, (size_t)(e - p - 1)) >= 0 ||
				    strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") == (size_t)(e - p - 1))) {
					next = p + 1;
					break;
				}
			}
			val[k++] = *p++;
		}
		val[k] = '\0';
		if ((size_t)idx < sizeof(seen) && seen[idx]) {
			oed_err_set(err, OED_EX_USAGE, "scorer '%s': parameter '%s' given twice",
			    sc->name, (size_t)idx < nparams(sc) ? sc->params[idx].name :
			    common_names[(size_t)idx - nparams(sc)]);
			goto fail;
		}
		if ((size_t)idx < sizeof(seen))
			seen[idx] = true;
		if (set_param(spec, idx, val, true, true, err) == -1)
			goto fail;
		first = false;
		p = next;
	}
	if (finish(spec, text, namelen, err) == -1)
		goto fail;
	free(val);
	*out = spec;
	return 0;
fail:
	free(val);
	oed_scorer_spec_free(spec);
	return -1;
}

struct oed_scorer_spec *
oed_scorer_spec_from_pairs(const char *name, size_t n, const char *const *keys,
			   const char *const *values, struct oed_err *err)
{
	const struct oed_scorer *sc;
	struct oed_scorer_spec *spec;
	bool negate;
	size_t np;

	if ((sc = lookup(name, strlen(name), &negate, err)) == NULL)
		return NULL;
	if ((spec = spec_new(sc, name, negate)) == NULL) {
		OOM(err);
		return NULL;
	}
	np = nparams(sc);
	for (size_t i = 0; i < n; i++) {
		long idx = param_index(sc, keys[i], strlen(keys[i]));
		if (idx < 0) {
			unknown_param(sc, keys[i], strlen(keys[i]), err);
			goto fail;
		}
		bool list = (size_t)idx < np && sc->params[idx].type == OED_PARAM_LIST;
		for (size_t j = 0; j < i && !list; j++) {
			if (strcmp(keys[j], keys[i]) == 0) {
				oed_err_set(err, OED_EX_USAGE, "scorer '%s': parameter '%s' given twice",
				    sc->name, keys[i]);
				goto fail;
			}
		}
		if (set_param(spec, idx, values[i], false, true, err) == -1)
			goto fail;
	}
	if (finish(spec, name, strlen(name), err) == -1)
		goto fail;
	return spec;
fail:
	oed_scorer_spec_free(spec);
	return NULL;
}

/* ---- Scoring ---- */

void
oed_score_input_init(struct oed_score_input *in, const char *output, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->output = output;
	in->output_len = len;
	in->latency_ms = NAN;
	in->cost_usd = NAN;
	in->tokens_out = -1;
}

void
oed_score_result_init(struct oed_score_result *res)
{
	res->value = NAN;
	res->pass = -1;
	res->label[0] = '\0';
	res->reason = NULL;
}

void
oed_score_result_release(struct oed_score_result *res)
{
	free(res->reason);
	res->reason = NULL;
}

void
oed_sc_reason(struct oed_score_result *res, const char *fmt, ...)
{
	va_list ap;

	free(res->reason);
	res->reason = NULL;
	va_start(ap, fmt);
	if (vasprintf(&res->reason, fmt, ap) < 0)
		res->reason = NULL;
	va_end(ap);
}

int
oed_sc_reference(const struct oed_scorer_spec *spec, size_t vi,
		 const struct oed_score_input *in, const char **s, size_t *len,
		 struct oed_err *err)
{
	if (vi != (size_t)-1 && spec->pv[vi].set && spec->pv[vi].s != NULL) {
		*s = spec->pv[vi].s;
		*len = strlen(*s);
		return 0;
	}
	if (in->target != NULL) {
		*s = in->target;
		*len = in->target_len;
		return 0;
	}
	if (vi != (size_t)-1)
		return oed_err_set(err, OED_EX_DATA,
		    "scorer '%s' needs a target or %s=", spec->scorer->name,
		    spec->scorer->params[vi].name);
	return oed_err_set(err, OED_EX_DATA, "scorer '%s' needs a target", spec->scorer->name);
}

int
oed_score(const struct oed_scorer_spec *spec, const struct oed_score_input *in,
	  struct oed_score_result *res, struct oed_err *err)
{
	oed_score_result_init(res);
	/* The spec's scratch and compiled state are its own, not the caller's. */
	if (spec->scorer->score((struct oed_scorer_spec *)spec, in, res, err) == -1) {
		oed_score_result_release(res);
		return -1;
	}
	if (spec->negate && !isnan(res->value)) {
		res->value = 1.0 - res->value;
		if (res->pass != -1)
			res->pass = !res->pass;
	}
	if (!isnan(spec->threshold) && !isnan(res->value))
		res->pass = res->value >= spec->threshold;
	return 0;
}

double
oed_score_weighted(struct oed_scorer_spec *const *specs, const struct oed_score_result *res,
		   size_t n)
{
	double sw = 0, s = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(res[i].value) || specs[i]->scorer->kind == OED_SCORE_LABEL)
			continue;
		sw += specs[i]->weight;
		s += specs[i]->weight * res[i].value;
	}
	return sw > 0 ? s / sw : NAN;
}

/* ---- Corpus scores ---- */

int
oed_score_corpus_init(struct oed_score_corpus *c, const struct oed_scorer_spec *spec,
		      struct oed_err *err)
{
	memset(c, 0, sizeof(*c));
	c->spec = spec;
	if (spec->scorer->agg != OED_AGG_CORPUS)
		return oed_err_set(err, OED_EX_USAGE, "scorer '%s' has no corpus score",
		    spec->scorer->name);
	return 0;
}

int
oed_score_corpus_add(struct oed_score_corpus *c, const struct oed_score_input *in,
		     struct oed_err *err)
{
	double stats[OED_SCORE_STATS_MAX];
	size_t n;

	if (oed_sc_corpus_stats(c->spec, in, stats, &n, err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		c->stats[i] += stats[i];
	c->nstats = n;
	c->n++;
	return 0;
}

double
oed_score_corpus_value(const struct oed_score_corpus *c)
{
	if (c->n == 0)
		return NAN;
	double v = oed_sc_corpus_value(c->spec, c->stats);
	return c->spec->negate ? 1.0 - v : v;
}
