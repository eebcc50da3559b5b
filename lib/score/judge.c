/*
 * judge.c: the scorers that ask a model, through the provider layer of
 * oed-bench (lib/provider/: retried with backoff, Retry-After honoured):
 *
 *   llm_judge             grade an output against a rubric
 *   semantic_equivalence  does a mean the same as b (entailment both ways)
 *   pairwise              is a better than b (asked in both orders)
 *
 * The prompts are versioned files under data/judge/, built in; the
 * judge must end its answer with a line "VERDICT: <value>", parsed
 * strictly: anything else is an error for that output (OED_EX_DATA),
 * never a score.  The reasoning before that line is the result's reason
 * and the verdict its label; oed_score_judge_info() names the judge model
 * and the prompt version for the record.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>
#include <xxhash.h>

#include "buf.h"
#include "exit.h"
#include "internal.h"
#include "provider/provider.h"
#include "store.h"

#include "lib/score/judge_prompts.h"

#define OOM(err) oed_err_set(err, OED_EX_FAIL, "out of memory")

const struct oed_scorer_param oed_sc_llm_judge_params[] = {
	{ "rubric", OED_PARAM_STRING, NULL, "what a good output does (or rubric_file=)", NULL },
	{ "rubric_file", OED_PARAM_STRING, NULL, "a file holding the rubric", NULL },
	{ "model", OED_PARAM_STRING, NULL, "the judge, PROVIDER:MODEL (openai:, anthropic:, command:)",
	  NULL },
	{ "scale", OED_PARAM_ENUM, "pass/fail", "the verdicts the judge may give",
	  "pass/fail|1-5|labels" },
	{ "labels", OED_PARAM_LIST, NULL, "scale=labels: the labels, best first", NULL },
	{ "passing", OED_PARAM_LIST, NULL, "scale=labels: the labels that pass (default: the first)",
	  NULL },
	{ "prompt", OED_PARAM_STRING, NULL, "a prompt file instead of the built-in llm_judge.v1",
	  NULL },
	{ "timeout", OED_PARAM_NUMBER, "120", "seconds per judge request", NULL },
	{ "cache", OED_PARAM_BOOL, "true", "reuse the judge's answers kept in the run store", NULL },
	OED_SC_PARAMS_END
};
enum { LJ_RUBRIC, LJ_RUBRIC_FILE, LJ_MODEL, LJ_SCALE, LJ_LABELS, LJ_PASSING, LJ_PROMPT,
       LJ_TIMEOUT, LJ_CACHE };

const struct oed_scorer_param oed_sc_semantic_equivalence_params[] = {
	{ "model", OED_PARAM_STRING, NULL, "the judge, PROVIDER:MODEL", NULL },
	{ "value", OED_PARAM_STRING, NULL, "the text to compare with (default: the target)", NULL },
	{ "prompt", OED_PARAM_STRING, NULL,
	  "a prompt file instead of the built-in semantic_equivalence.v1", NULL },
	{ "timeout", OED_PARAM_NUMBER, "120", "seconds per judge request", NULL },
	{ "cache", OED_PARAM_BOOL, "true", "reuse the judge's answers kept in the run store", NULL },
	OED_SC_PARAMS_END
};
enum { SE_MODEL, SE_VALUE, SE_PROMPT, SE_TIMEOUT, SE_CACHE };

const struct oed_scorer_param oed_sc_pairwise_params[] = {
	{ "model", OED_PARAM_STRING, NULL, "the judge, PROVIDER:MODEL", NULL },
	{ "rubric", OED_PARAM_STRING,
	  "Which answer is more helpful, correct and faithful to the input?",
	  "what makes an answer better", NULL },
	{ "value", OED_PARAM_STRING, NULL, "answer B (default: the target)", NULL },
	{ "prompt", OED_PARAM_STRING, NULL, "a prompt file instead of the built-in pairwise.v1",
	  NULL },
	{ "timeout", OED_PARAM_NUMBER, "120", "seconds per judge request", NULL },
	{ "cache", OED_PARAM_BOOL, "true", "reuse the judge's answers kept in the run store", NULL },
	OED_SC_PARAMS_END
};
enum { PW_MODEL, PW_RUBRIC, PW_VALUE, PW_PROMPT, PW_TIMEOUT, PW_CACHE };

struct judge {
	const struct oed_scorer_spec *spec;	/* its store names the response cache's (read on first use) */
	const char *name;		/* the scorer's, for messages */
	const char *model;		/* borrowed from the spec */
	double timeout_s;
	struct oed_provider *p;		/* opened on first use */
	bool cache;			/* cache= */
	struct oed_store *store;	/* the response cache, opened on first use */
	sqlite3_stmt *get, *put;
	char digest[33];		/* of the request in flight; "" when not cached */
	char *tmpl;			/* the prompt template */
	char *version;			/* "llm_judge.v1", or the prompt file's path */
	char *rubric;			/* llm_judge, pairwise */
	char **verdicts;		/* allowed values, as the prompt lists them */
	size_t nverdicts;
	char *scale_text;		/* "pass, fail" for {{scale}} */
	unsigned char *passing;		/* labels: 1 for each label that passes */
	struct oed_buf prompt, answer;
	/* one request's outcome */
	bool done, failed, fatal, unavailable;
	char error[512];
};

static int
read_file(const char *what, const char *path, char **out, struct oed_err *err)
{
	FILE *fp = fopen(path, "rb");
	struct oed_buf b = OED_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (fp == NULL)
		return oed_err_set(err, OED_EX_USAGE, "%s: cannot open '%s': %s", what, path,
		    strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (oed_buf_add(&b, chunk, n) == -1) {
			fclose(fp);
			oed_buf_release(&b);
			return OOM(err);
		}
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		oed_buf_release(&b);
		return oed_err_set(err, OED_EX_USAGE, "%s: cannot read '%s'", what, path);
	}
	if (b.data == NULL && oed_buf_add(&b, "", 0) == -1)
		return OOM(err);
	*out = b.data;
	return 0;
}

static int
add_verdict(struct judge *j, const char *v, struct oed_err *err)
{
	char **nv = realloc(j->verdicts, (j->nverdicts + 1) * sizeof(*nv));

	if (nv == NULL)
		return OOM(err);
	j->verdicts = nv;
	if ((nv[j->nverdicts] = strdup(v)) == NULL)
		return OOM(err);
	j->nverdicts++;
	return 0;
}

static int
finish_scale(struct judge *j, struct oed_err *err)
{
	struct oed_buf b = OED_BUF_INIT;

	for (size_t i = 0; i < j->nverdicts; i++)
		if (oed_buf_printf(&b, "%s%s", i ? ", " : "", j->verdicts[i]) == -1) {
			oed_buf_release(&b);
			return OOM(err);
		}
	j->scale_text = b.data;
	return 0;
}

static void judge_free(struct judge *j);

/*
 * The common part: the model, the prompt template and its version.  name
 * is the scorer's, for messages; prompt a file or NULL for the built-in.
 * NULL with err set (the judge freed).
 */
static struct judge *
judge_make(const char *name, const char *model, const char *prompt, double timeout_s, bool cache,
	   const struct oed_scorer_spec *spec, const char *builtin, const char *builtin_version,
	   struct oed_err *err)
{
	struct judge *j = calloc(1, sizeof(*j));
	char what[64];

	if (j == NULL) {
		OOM(err);
		return NULL;
	}
	j->spec = spec;
	j->name = name;
	j->model = model;
	j->timeout_s = timeout_s;
	j->cache = cache;
	if (j->model == NULL || j->model[0] == '\0') {
		oed_err_set(err, OED_EX_USAGE,
		    "scorer '%s' needs a judge: model=PROVIDER:MODEL, like model=openai:gpt-4o-mini",
		    name);
		goto fail;
	}
	if (strncmp(j->model, "replay:", 7) == 0) {
		oed_err_set(err, OED_EX_USAGE, "scorer '%s': a judge cannot be replay:, name a model",
		    name);
		goto fail;
	}
	if (!(j->timeout_s > 0)) {
		oed_err_set(err, OED_EX_USAGE, "scorer '%s': timeout must be more than 0", name);
		goto fail;
	}
	snprintf(what, sizeof(what), "scorer '%s': prompt", name);
	if (prompt != NULL) {
		if (read_file(what, prompt, &j->tmpl, err) == -1)
			goto fail;
		j->version = strdup(prompt);
	} else {
		j->tmpl = strdup(builtin);
		j->version = strdup(builtin_version);
	}
	if (j->tmpl == NULL || j->version == NULL) {
		OOM(err);
		goto fail;
	}
	return j;
fail:
	judge_free(j);
	return NULL;
}

/* The same for a judge scorer's spec, whose state it becomes. */
static struct judge *
judge_new(struct oed_scorer_spec *spec, size_t imodel, size_t iprompt, size_t itimeout,
	  const char *builtin, const char *builtin_version, struct oed_err *err)
{
	struct judge *j = judge_make(spec->scorer->name, spec->pv[imodel].s, spec->pv[iprompt].s,
				     spec->pv[itimeout].d, spec->pv[itimeout + 1].b, spec,
				     builtin, builtin_version, err);

	spec->state = j;
	return j;
}

int
oed_sc_judge_llm_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct judge *j = judge_new(spec, LJ_MODEL, LJ_PROMPT, LJ_TIMEOUT, oed_judge_prompt_llm_judge,
				    "llm_judge.v1", err);
	const struct oed_param_value *labels = &spec->pv[LJ_LABELS], *passing = &spec->pv[LJ_PASSING];

	if (j == NULL)
		return -1;
	if ((spec->pv[LJ_RUBRIC].s != NULL) == (spec->pv[LJ_RUBRIC_FILE].s != NULL))
		return oed_err_set(err, OED_EX_USAGE,
		    "scorer 'llm_judge' needs a rubric: rubric=TEXT or rubric_file=FILE, not both");
	if (spec->pv[LJ_RUBRIC].s != NULL)
		j->rubric = strdup(spec->pv[LJ_RUBRIC].s);
	else if (read_file("scorer 'llm_judge': rubric_file", spec->pv[LJ_RUBRIC_FILE].s, &j->rubric,
			   err) == -1)
		return -1;
	if (j->rubric == NULL)
		return OOM(err);
	switch (spec->pv[LJ_SCALE].i) {
	case 0:
		if (add_verdict(j, "pass", err) == -1 || add_verdict(j, "fail", err) == -1)
			return -1;
		break;
	case 1:
		for (int k = 1; k <= 5; k++) {
			char v[2] = { (char)('0' + k), '\0' };
			if (add_verdict(j, v, err) == -1)
				return -1;
		}
		break;
	default:
		if (labels->nlist < 2)
			return oed_err_set(err, OED_EX_USAGE,
			    "scorer 'llm_judge': scale=labels needs two labels or more: labels=good|bad");
		for (size_t i = 0; i < labels->nlist; i++) {
			const char *l = labels->list[i];
			if (l[0] == '\0' || strlen(l) >= OED_SCORE_LABEL_MAX || strchr(l, ',') != NULL)
				return oed_err_set(err, OED_EX_USAGE,
				    "scorer 'llm_judge': label '%s' must be 1 to %d characters, no comma",
				    l, OED_SCORE_LABEL_MAX - 1);
			for (size_t k = 0; k < i; k++)
				if (strcasecmp(labels->list[k], l) == 0)
					return oed_err_set(err, OED_EX_USAGE,
					    "scorer 'llm_judge': label '%s' is given twice", l);
			if (add_verdict(j, l, err) == -1)
				return -1;
		}
		if ((j->passing = calloc(j->nverdicts, 1)) == NULL)
			return OOM(err);
		if (!passing->given)
			j->passing[0] = 1;
		for (size_t i = 0; passing->given && i < passing->nlist; i++) {
			size_t k;
			for (k = 0; k < j->nverdicts; k++)
				if (strcasecmp(j->verdicts[k], passing->list[i]) == 0)
					break;
			if (k == j->nverdicts)
				return oed_err_set(err, OED_EX_USAGE,
				    "scorer 'llm_judge': passing label '%s' is not one of labels=",
				    passing->list[i]);
			j->passing[k] = 1;
		}
		break;
	}
	if (spec->pv[LJ_SCALE].i != 2 && (labels->given || passing->given))
		return oed_err_set(err, OED_EX_USAGE,
		    "scorer 'llm_judge': labels= and passing= go with scale=labels");
	return finish_scale(j, err);
}

int
oed_sc_judge_se_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct judge *j = judge_new(spec, SE_MODEL, SE_PROMPT, SE_TIMEOUT,
				    oed_judge_prompt_semantic_equivalence,
				    "semantic_equivalence.v1", err);

	if (j == NULL || add_verdict(j, "yes", err) == -1 || add_verdict(j, "no", err) == -1)
		return -1;
	return finish_scale(j, err);
}

int
oed_sc_judge_pw_prepare(struct oed_scorer_spec *spec, struct oed_err *err)
{
	struct judge *j = judge_new(spec, PW_MODEL, PW_PROMPT, PW_TIMEOUT, oed_judge_prompt_pairwise,
				    "pairwise.v1", err);

	if (j == NULL)
		return -1;
	if ((j->rubric = strdup(spec->pv[PW_RUBRIC].s)) == NULL)
		return OOM(err);
	if (add_verdict(j, "A", err) == -1 || add_verdict(j, "B", err) == -1 ||
	    add_verdict(j, "tie", err) == -1)
		return -1;
	return finish_scale(j, err);
}

static void
judge_free(struct judge *j)
{
	if (j == NULL)
		return;
	oed_provider_free(j->p);
	sqlite3_finalize(j->get);
	sqlite3_finalize(j->put);
	oed_store_close(j->store);
	free(j->tmpl);
	free(j->version);
	free(j->rubric);
	for (size_t i = 0; i < j->nverdicts; i++)
		free(j->verdicts[i]);
	free(j->verdicts);
	free(j->scale_text);
	free(j->passing);
	oed_buf_release(&j->prompt);
	oed_buf_release(&j->answer);
	free(j);
}

void
oed_sc_judge_release(struct oed_scorer_spec *spec)
{
	judge_free(spec->state);
	spec->state = NULL;
}

int
oed_score_judge_info(const struct oed_scorer_spec *spec, const char **model,
		     const char **prompt_version)
{
	const struct judge *j = spec->state;

	if (spec->scorer->prepare == oed_sc_samples_prepare)
		return oed_sc_samples_judge_info(spec, model, prompt_version);
	if (!(spec->scorer->needs & OED_NEEDS_PROVIDER) || j == NULL)
		return 0;
	*model = j->model;
	*prompt_version = j->version;
	return 1;
}

/* A placeholder's value in a template. */
struct slot {
	const char *name;
	const char *s;
	size_t len;
};

/* The template with every {{name}} of slots replaced; unknown ones kept. */
static int
render(struct judge *j, const struct slot *slots, size_t n, struct oed_err *err)
{
	const char *t = j->tmpl, *o;

	oed_buf_reset(&j->prompt);
	while ((o = strstr(t, "{{")) != NULL) {
		const char *c = strstr(o + 2, "}}");
		size_t i;

		if (c == NULL)
			break;
		for (i = 0; i < n; i++)
			if ((size_t)(c - o - 2) == strlen(slots[i].name) &&
			    memcmp(o + 2, slots[i].name, (size_t)(c - o - 2)) == 0)
				break;
		if (oed_buf_add(&j->prompt, t, (size_t)(o - t)) == -1)
			return OOM(err);
		if (i == n) {
			if (oed_buf_add(&j->prompt, o, (size_t)(c + 2 - o)) == -1)
				return OOM(err);
		} else if (slots[i].s == NULL || slots[i].len == 0) {
			if (oed_buf_adds(&j->prompt, "(none)") == -1)
				return OOM(err);
		} else if (oed_buf_add(&j->prompt, slots[i].s, slots[i].len) == -1) {
			return OOM(err);
		}
		t = c + 2;
	}
	if (oed_buf_adds(&j->prompt, t) == -1)
		return OOM(err);
	return 0;
}

static void
on_done(struct oed_prov_resp *r, void *ctx)
{
	struct judge *j = ctx;

	j->done = true;
	j->failed = r->failed;
	j->fatal = r->fatal;
	j->unavailable = r->unavailable;
	if (r->failed)
		snprintf(j->error, sizeof(j->error), "%s", r->error);
	else if (oed_buf_add(&j->answer, r->output ? r->output : "", r->output ? r->output_len : 0)
		 == -1) {
		j->failed = j->fatal = true;
		snprintf(j->error, sizeof(j->error), "out of memory");
	}
}

/*
 * The run store's response cache (bench_responses, as oed-bench's own
 * requests): the answer to the request with this digest, sample 0.
 * 1 found (in j->answer), 0 not, -1 error.
 */
static int
cache_get(struct judge *j, const char *digest, struct oed_err *err)
{
	json_t *o, *v;
	int rc;

	if (j->store == NULL) {
		if ((j->store = oed_store_open(j->spec->store, err)) == NULL ||
		    (j->get = oed_store_prepare(j->store,
			"SELECT response FROM bench_responses WHERE digest = ?1 AND sample = 0",
			err)) == NULL ||
		    (j->put = oed_store_prepare(j->store,
			"INSERT OR REPLACE INTO bench_responses (digest, sample, response, run_id, "
			"created) VALUES (?1, 0, ?2, NULL, ?3)", err)) == NULL) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return oed_err_set(err, OED_EX_FAIL, "scorer '%s': the judge's cache: %s "
			    "(cache=false goes without)", j->name, msg);
		}
	}
	sqlite3_reset(j->get);
	sqlite3_bind_text(j->get, 1, digest, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(j->get);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return oed_store_fail(j->store, err, "cannot read the judge's cache");
	o = json_loads((const char *)sqlite3_column_text(j->get, 0), 0, NULL);
	sqlite3_reset(j->get);
	v = json_object_get(o, "output");
	rc = 0;
	if (json_is_string(v))
		rc = oed_buf_add(&j->answer, json_string_value(v), json_string_length(v)) == -1 ?
		     OOM(err) : 1;
	json_decref(o);
	return rc;
}

static int
cache_put(struct judge *j, const char *digest, struct oed_err *err)
{
	json_t *o = json_pack("{s:s%,s:s}", "output", j->answer.data ? j->answer.data : "",
			      j->answer.len, "judge", j->model);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL, when[32];
	int rc;

	json_decref(o);
	if (text == NULL)
		return OOM(err);
	oed_now_rfc3339(when);
	sqlite3_reset(j->put);
	sqlite3_bind_text(j->put, 1, digest, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(j->put, 2, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(j->put, 3, when, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(j->put);
	sqlite3_reset(j->put);
	free(text);
	if (rc != SQLITE_DONE)
		return oed_store_fail(j->store, err, "cannot write the judge's cache");
	return 0;
}

/* Send j->prompt to the judge; its answer in j->answer. */
static int
ask(struct judge *j, struct oed_err *err)
{
	struct oed_prov_req rq;
	struct oed_gen g;
	json_t *msgs;
	char *digest = j->digest;
	int rc;

	digest[0] = '\0';
	if (j->p == NULL) {
		struct oed_provider_opts po;
		memset(&po, 0, sizeof(po));
		po.timeout_s = j->timeout_s;
		po.concurrency = 1;
		if ((j->p = oed_provider_new(j->model, &po, err)) == NULL) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return oed_err_set(err, err->status, "scorer '%s': %s", j->name, msg);
		}
	}
	memset(&g, 0, sizeof(g));
	g.temperature = 0;
	g.top_p = NAN;
	g.samples = 1;
	msgs = json_pack("[{s:s,s:s%}]", "role", "user", "content", j->prompt.data, j->prompt.len);
	if (msgs == NULL)
		return OOM(err);
	memset(&rq, 0, sizeof(rq));
	rq.messages = msgs;
	rq.prompt = j->prompt.data;
	rq.gen = &g;
	rq.input_id = "judge";
	rq.user = j;
	oed_buf_reset(&j->answer);
	j->done = j->failed = j->fatal = j->unavailable = false;
	if (j->cache) {
		char *canon = oed_provider_canonical(j->p, &rq, NULL, err);
		if (canon == NULL) {
			json_decref(msgs);
			return -1;
		}
		XXH128_hash_t h = XXH3_128bits(canon, strlen(canon));
		free(canon);
		snprintf(digest, sizeof(j->digest), "%016llx%016llx", (unsigned long long)h.high64,
			 (unsigned long long)h.low64);
		if ((rc = cache_get(j, digest, err)) != 0) {
			json_decref(msgs);
			digest[0] = '\0';	/* found: nothing to put back */
			return rc == 1 ? 0 : -1;
		}
	}
	rc = oed_provider_submit(j->p, &rq, err);
	while (rc == 0 && !j->done)
		rc = oed_provider_poll(j->p, 100, on_done, j, err);
	json_decref(msgs);
	if (rc == -1)
		return -1;
	if (j->failed) {
		oed_err_set(err, j->fatal ? OED_EX_FAIL : OED_EX_DATA, "scorer '%s': the judge %s failed: %s",
			    j->name, j->model, j->error);
		err->unavailable = j->unavailable;
		return -1;
	}
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The verdict of j->answer: its last non-blank line must be
 * "VERDICT: <value>" with value one of j->verdicts (ASCII case ignored).
 * Returns the index, or -1 with err set (OED_EX_DATA).  *reason_len: the
 * length of the reasoning before that line, trailing blanks cut.
 */
static int
verdict(struct judge *j, size_t *reason_len, struct oed_err *err)
{
	const char *a = j->answer.data ? j->answer.data : "";
	size_t n = j->answer.len, ls, vs, ve;

	while (n > 0 && is_space(a[n - 1]))
		n--;
	for (ls = n; ls > 0 && a[ls - 1] != '\n'; ls--)
		;
	if (n - ls < 8 || memcmp(a + ls, "VERDICT:", 8) != 0)
		return oed_err_set(err, OED_EX_DATA,
		    "scorer '%s': the judge's answer does not end with a line 'VERDICT: <value>'",
		    j->name);
	for (vs = ls + 8; vs < n && (a[vs] == ' ' || a[vs] == '\t'); vs++)
		;
	ve = n;
	for (size_t i = 0; i < j->nverdicts; i++)
		if (strlen(j->verdicts[i]) == ve - vs && strncasecmp(a + vs, j->verdicts[i], ve - vs) == 0) {
			while (ls > 0 && is_space(a[ls - 1]))
				ls--;
			*reason_len = ls;
			return (int)i;
		}
	return oed_err_set(err, OED_EX_DATA, "scorer '%s': the judge's verdict '%.*s' is not one of: %s",
	    j->name, (int)(ve - vs > 60 ? 60 : ve - vs), a + vs, j->scale_text);
}

/* Ask and parse: the verdict's index, the reasoning copied into *reason. */
static int
judge_once(struct judge *j, char **reason, struct oed_err *err)
{
	size_t rl = 0;
	int v;

	if (ask(j, err) == -1 || (v = verdict(j, &rl, err)) == -1)
		return -1;
	/* Only answers with a verdict are kept: a malformed one is asked again. */
	if (j->digest[0] != '\0' && cache_put(j, j->digest, err) == -1)
		return -1;
	if ((*reason = strndup(j->answer.data ? j->answer.data : "", rl)) == NULL)
		return OOM(err);
	return v;
}

int
oed_sc_llm_judge(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		 struct oed_score_result *res, struct oed_err *err)
{
	struct judge *j = spec->state;
	struct slot s[] = {
		{ "rubric", j->rubric, strlen(j->rubric) },
		{ "input", in->input, in->input_len },
		{ "reference", in->target, in->target_len },
		{ "output", in->output, in->output_len },
		{ "scale", j->scale_text, strlen(j->scale_text) },
	};
	int v;

	if (render(j, s, sizeof(s) / sizeof(s[0]), err) == -1 ||
	    (v = judge_once(j, &res->reason, err)) == -1)
		return -1;
	snprintf(res->label, sizeof(res->label), "%s", j->verdicts[v]);
	switch (spec->pv[LJ_SCALE].i) {
	case 0:
		oed_sc_verdict(res, v == 0);
		break;
	case 1:
		res->value = v / 4.0;	/* verdict v + 1 on 1..5 */
		res->pass = -1;
		break;
	default:
		oed_sc_verdict(res, j->passing[v]);
		break;
	}
	return 0;
}

/* Join two reasonings as "LABEL1: r1\n\nLABEL2: r2" into res->reason. */
static int
join_reasons(const char *l1, const char *r1, const char *l2, const char *r2,
	     struct oed_score_result *res, struct oed_err *err)
{
	struct oed_buf b = OED_BUF_INIT;

	if (oed_buf_printf(&b, "%s: %s\n\n%s: %s", l1, r1, l2, r2) == -1) {
		oed_buf_release(&b);
		return OOM(err);
	}
	free(res->reason);
	res->reason = b.data;
	return 0;
}

int
oed_sc_semantic_equivalence(struct oed_scorer_spec *spec, const struct oed_score_input *in,
			    struct oed_score_result *res, struct oed_err *err)
{
	struct judge *j = spec->state;
	const char *b;
	size_t bl;
	char *r1 = NULL, *r2 = NULL;
	int v1, v2, rc = -1;

	if (oed_sc_reference(spec, SE_VALUE, in, &b, &bl, err) == -1)
		return -1;
	struct slot s1[] = {
		{ "input", in->input, in->input_len },
		{ "text1", in->output, in->output_len },
		{ "text2", b, bl },
	};
	struct slot s2[] = {
		{ "input", in->input, in->input_len },
		{ "text1", b, bl },
		{ "text2", in->output, in->output_len },
	};
	if (render(j, s1, 3, err) == -1 || (v1 = judge_once(j, &r1, err)) == -1 ||
	    render(j, s2, 3, err) == -1 || (v2 = judge_once(j, &r2, err)) == -1)
		goto out;
	snprintf(res->label, sizeof(res->label), "%s,%s", j->verdicts[v1], j->verdicts[v2]);
	oed_sc_verdict(res, v1 == 0 && v2 == 0);
	rc = join_reasons("output entails the other", r1, "the other entails output", r2, res,
	    err);
out:
	free(r1);
	free(r2);
	return rc;
}

int
oed_sc_pairwise(struct oed_scorer_spec *spec, const struct oed_score_input *in,
		struct oed_score_result *res, struct oed_err *err)
{
	struct judge *j = spec->state;
	const char *b;
	size_t bl;
	char *r1 = NULL, *r2 = NULL;
	int v1, v2, rc = -1;
	/* The output's share of the win: verdict A, B, tie in each order. */
	static const double first[] = { 1.0, 0.0, 0.5 }, second[] = { 0.0, 1.0, 0.5 };

	if (oed_sc_reference(spec, PW_VALUE, in, &b, &bl, err) == -1)
		return -1;
	struct slot s1[] = {
		{ "rubric", j->rubric, strlen(j->rubric) },
		{ "input", in->input, in->input_len },
		{ "a", in->output, in->output_len },
		{ "b", b, bl },
	};
	struct slot s2[] = {
		{ "rubric", j->rubric, strlen(j->rubric) },
		{ "input", in->input, in->input_len },
		{ "a", b, bl },
		{ "b", in->output, in->output_len },
	};
	if (render(j, s1, 4, err) == -1 || (v1 = judge_once(j, &r1, err)) == -1 ||
	    render(j, s2, 4, err) == -1 || (v2 = judge_once(j, &r2, err)) == -1)
		goto out;
	snprintf(res->label, sizeof(res->label), "%s,%s", j->verdicts[v1], j->verdicts[v2]);
	res->value = (first[v1] + second[v2]) / 2.0;
	res->pass = -1;
	rc = join_reasons("output as A", r1, "output as B", r2, res, err);
out:
	free(r1);
	free(r2);
	return rc;
}

/* ---- semantic_equivalence as the equivalence of the samples scorers ---- */

struct oed_sc_judge *
oed_sc_equiv_judge_new(const char *scorer, const char *model, const char *prompt,
		       double timeout_s, bool cache, const struct oed_scorer_spec *spec,
		       struct oed_err *err)
{
	struct judge *j = judge_make(scorer, model, prompt, timeout_s, cache, spec,
				     oed_judge_prompt_semantic_equivalence,
				     "semantic_equivalence.v1", err);

	if (j == NULL)
		return NULL;
	if (add_verdict(j, "yes", err) == -1 || add_verdict(j, "no", err) == -1 ||
	    finish_scale(j, err) == -1) {
		judge_free(j);
		return NULL;
	}
	return (struct oed_sc_judge *)j;
}

void
oed_sc_equiv_judge_free(struct oed_sc_judge *j)
{
	judge_free((struct judge *)j);
}

const char *
oed_sc_equiv_judge_model(const struct oed_sc_judge *j)
{
	return ((const struct judge *)j)->model;
}

const char *
oed_sc_equiv_judge_version(const struct oed_sc_judge *j)
{
	return ((const struct judge *)j)->version;
}

int
oed_sc_equiv_judge_same(struct oed_sc_judge *jj, const char *input, size_t input_len,
			const char *a, size_t alen, const char *b, size_t blen, struct oed_err *err)
{
	struct judge *j = (struct judge *)jj;
	char *r = NULL;
	int v;

	/* a entails b, then (only when it does) b entails a */
	for (int dir = 0; dir < 2; dir++) {
		struct slot s[] = {
			{ "input", input, input_len },
			{ "text1", dir == 0 ? a : b, dir == 0 ? alen : blen },
			{ "text2", dir == 0 ? b : a, dir == 0 ? blen : alen },
		};
		if (render(j, s, 3, err) == -1 || (v = judge_once(j, &r, err)) == -1)
			return -1;
		free(r);
		r = NULL;
		if (v != 0)
			return 0;
	}
	return 1;
}
