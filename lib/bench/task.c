/* task.c: task files, oed's own form and lm-evaluation-harness's (task.h). */
#include "config.h"

#include "task.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bench/mutate.h"
#include "buf.h"
#include "config/cfg.h"
#include "exit.h"
#include "opt.h"
#include "sbuf.h"

void
oed_task_init(struct oed_task *t)
{
	memset(t, 0, sizeof(*t));
	t->version = 1;
	t->gen.temperature = NAN;
	t->gen.top_p = NAN;
	t->gen.samples = 1;
}

void
oed_gen_release(struct oed_gen *g)
{
	size_t i;

	for (i = 0; i < g->nstop; i++)
		free(g->stop[i]);
	free(g->stop);
	g->stop = NULL;
	g->nstop = 0;
}

void
oed_task_release(struct oed_task *t)
{
	size_t i, j;

	free(t->path);
	free(t->name);
	free(t->data_path);
	free(t->data_store);
	free(t->id_field);
	free(t->choices_field);
	free(t->mutate);
	oed_tmpl_free(t->system);
	oed_tmpl_free(t->prompt);
	oed_tmpl_free(t->target);
	for (i = 0; i < t->nmessages; i++) {
		free(t->messages[i].role);
		oed_tmpl_free(t->messages[i].content);
	}
	free(t->messages);
	free(t->shots_path);
	free(t->shots_separator);
	oed_gen_release(&t->gen);
	oed_extractor_free(t->extract);
	for (i = 0; i < t->nscorers; i++) {
		for (j = 0; j < t->scorers[i].nparams; j++) {
			free(t->scorers[i].keys[j]);
			free(t->scorers[i].values[j]);
		}
		free(t->scorers[i].keys);
		free(t->scorers[i].values);
		free(t->scorers[i].name);
	}
	free(t->scorers);
	memset(t, 0, sizeof(*t));
}

/* Compile a template at node n; lm_eval: only plain {{field}} forms. */
static int load_mutate(const struct oed_cfg *c, const struct oed_cfg_node *v, struct oed_task *t,
		       struct oed_err *err);

static int
template_at(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what, bool lm_eval,
	    struct oed_tmpl **out, struct oed_err *err)
{
	const char *s, *p;
	struct oed_tmpl *t;

	if (oed_cfg_string(c, n, what, &s, err) == -1)
		return -1;
	if (lm_eval) {
		for (p = strstr(s, "{{"); p; p = strstr(p + 2, "{{")) {
			const char *q = p + 2;

			while (*q == ' ')
				q++;
			while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			       (*q >= '0' && *q <= '9') || *q == '_' || *q == '.')
				q++;
			while (*q == ' ')
				q++;
			if (strncmp(q, "}}", 2) != 0)
				return oed_cfg_error(c, n, err,
						     "%s: only plain {{field}} templates are supported, not Jinja expressions",
						     what);
		}
		if (strstr(s, "{%") != NULL)
			return oed_cfg_error(c, n, err,
					     "%s: Jinja statements ({%% ... %%}) are not supported", what);
	}
	t = oed_tmpl_compile(s, err);
	if (t == NULL)
		return err->status == OED_EX_USAGE ? oed_cfg_error(c, n, err, "%s: %s", what, err->msg) : -1;
	oed_tmpl_free(*out);
	*out = t;
	return 0;
}

static int
string_list(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	    char ***out, size_t *nout, struct oed_err *err)
{
	size_t i;

	if (n->type == OED_CFG_SCALAR) {
		*out = calloc(1, sizeof(**out));
		if (*out == NULL)
			return oed_cfg_nomem(err);
		*nout = 1;
		return oed_cfg_strdup(c, n, what, false, &(*out)[0], err);
	}
	if (oed_cfg_expect(c, n, OED_CFG_SEQ, what, err) == -1)
		return -1;
	*out = calloc(n->n ? n->n : 1, sizeof(**out));
	if (*out == NULL)
		return oed_cfg_nomem(err);
	*nout = n->n;
	for (i = 0; i < n->n; i++)
		if (oed_cfg_strdup(c, n->items[i], what, false, &(*out)[i], err) == -1)
			return -1;
	return 0;
}

static const char *const dataset_keys[] = { "path", "id", "format", "store", NULL };
static const char *const generation_keys[] = {
	"temperature", "top_p", "max_tokens", "stop", "samples", "seed", NULL
};
static const char *const few_shot_keys[] = { "n", "path", "seed", "as", "separator", NULL };
static const char *const task_keys[] = {
	"task", "version", "dataset", "system", "prompt", "messages", "target", "choices",
	"few_shot", "generation", "extract", "scorers", "mutate", NULL
};

static int
load_dataset(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
	     struct oed_err *err)
{
	const struct oed_cfg_node *v;
	const char *s;

	if (n->type == OED_CFG_SCALAR) {
		if (oed_cfg_string(c, n, "'dataset'", &s, err) == -1)
			return -1;
		t->data_path = oed_cfg_resolve(c, s);
		if (t->data_path == NULL)
			return oed_cfg_nomem(err);
		goto format;
	}
	if (oed_cfg_expect(c, n, OED_CFG_MAP, "'dataset'", err) == -1 ||
	    oed_cfg_check_keys(c, n, dataset_keys, "'dataset'", err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "path")) != NULL) {
		if (oed_cfg_string(c, v, "'dataset.path'", &s, err) == -1)
			return -1;
		t->data_path = oed_cfg_resolve(c, s);
		if (t->data_path == NULL)
			return oed_cfg_nomem(err);
	}
	if ((v = oed_cfg_get(n, "store")) != NULL) {
		if (t->data_path)
			return oed_cfg_error(c, v, err, "'dataset' takes a path or a store, not both");
		if (oed_cfg_strdup(c, v, "'dataset.store'", false, &t->data_store, err) == -1)
			return -1;
	}
	/* neither: the data comes from --data (built-in tasks name only the id) */
	if ((v = oed_cfg_get(n, "id")) != NULL &&
	    oed_cfg_strdup(c, v, "'dataset.id'", false, &t->id_field, err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "format")) != NULL) {
		if (oed_cfg_string(c, v, "'dataset.format'", &s, err) == -1)
			return -1;
		if (strcmp(s, "csv") == 0)
			t->data_csv = true;
		else if (strcmp(s, "jsonl") != 0)
			return oed_cfg_error(c, v, err, "'dataset.format' is jsonl or csv, not '%s'", s);
		return 0;
	}
format:
	if (t->data_path) {
		size_t l = strlen(t->data_path);

		t->data_csv = l > 4 && strcmp(t->data_path + l - 4, ".csv") == 0;
	}
	return 0;
}

static int
load_generation(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_gen *g,
		struct oed_err *err)
{
	const struct oed_cfg_node *v;
	long l;
	double d;

	if (oed_cfg_expect(c, n, OED_CFG_MAP, "'generation'", err) == -1 ||
	    oed_cfg_check_keys(c, n, generation_keys, "'generation'", err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "temperature")) &&
	    oed_cfg_number(c, v, "'temperature'", 0, 100, &g->temperature, err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "top_p")) &&
	    oed_cfg_number(c, v, "'top_p'", 0, 1, &g->top_p, err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "max_tokens")) &&
	    oed_cfg_long(c, v, "'max_tokens'", 1, 100000000, &g->max_tokens, err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "stop"))) {
		oed_gen_release(g);
		if (string_list(c, v, "'stop'", &g->stop, &g->nstop, err) == -1)
			return -1;
	}
	if ((v = oed_cfg_get(n, "samples"))) {
		if (oed_cfg_long(c, v, "'samples'", 1, 100000, &l, err) == -1)
			return -1;
		g->samples = (unsigned)l;
	}
	if ((v = oed_cfg_get(n, "seed"))) {
		if (oed_cfg_number(c, v, "'seed'", -9e15, 9e15, &d, err) == -1)
			return -1;
		if (d != floor(d))
			return oed_cfg_error(c, v, err, "'seed' must be a whole number, not '%s'", v->str);
		g->seed = (long long)d;
		g->has_seed = true;
	}
	return 0;
}

static int
load_few_shot(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
	      struct oed_err *err)
{
	const struct oed_cfg_node *v;
	const char *s;
	long l;
	double d;

	if (oed_cfg_expect(c, n, OED_CFG_MAP, "'few_shot'", err) == -1 ||
	    oed_cfg_check_keys(c, n, few_shot_keys, "'few_shot'", err) == -1)
		return -1;
	if ((v = oed_cfg_get(n, "n")) == NULL)
		return oed_cfg_error(c, n, err, "'few_shot' needs n, the number of examples");
	if (oed_cfg_long(c, v, "'few_shot.n'", 0, 1000, &l, err) == -1)
		return -1;
	t->shots = (unsigned)l;
	if ((v = oed_cfg_get(n, "path")) == NULL)
		return oed_cfg_error(c, n, err, "'few_shot' needs a path to the examples");
	if (oed_cfg_string(c, v, "'few_shot.path'", &s, err) == -1)
		return -1;
	if ((t->shots_path = oed_cfg_resolve(c, s)) == NULL)
		return oed_cfg_nomem(err);
	if ((v = oed_cfg_get(n, "seed"))) {
		if (oed_cfg_number(c, v, "'few_shot.seed'", 0, 9e15, &d, err) == -1)
			return -1;
		t->shots_seed = (unsigned long long)d;
	}
	if ((v = oed_cfg_get(n, "as"))) {
		if (oed_cfg_string(c, v, "'few_shot.as'", &s, err) == -1)
			return -1;
		if (strcmp(s, "text") == 0)
			t->shots_as_text = true;
		else if (strcmp(s, "messages") != 0)
			return oed_cfg_error(c, v, err, "'few_shot.as' is messages or text, not '%s'", s);
	}
	if ((v = oed_cfg_get(n, "separator")) &&
	    oed_cfg_strdup(c, v, "'few_shot.separator'", false, &t->shots_separator, err) == -1)
		return -1;
	return 0;
}

static int
load_extract(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
	     struct oed_err *err)
{
	size_t i;

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'extract'", err) == -1)
		return -1;
	for (i = 0; i < n->n; i++) {
		const struct oed_cfg_node *s = n->items[i], *v;
		const char *name, *arg, *to;
		long select = 0;
		int rc;

		if (s->type == OED_CFG_SCALAR) {
			if (oed_cfg_string(c, s, "an extraction step", &name, err) == -1)
				return -1;
			if (oed_extractor_step(t->extract, name, err) == -1)
				return oed_cfg_error(c, s, err, "%s", err->msg);
			continue;
		}
		if (oed_cfg_expect(c, s, OED_CFG_MAP, "an extraction step", err) == -1)
			return -1;
		if (s->n != 1)
			return oed_cfg_error(c, s, err, "an extraction step is one key, like {regex: ...}");
		name = s->keys[0]->str;
		v = s->items[0];
		if (strcmp(name, "regex") == 0) {
			if (v->type == OED_CFG_MAP) {
				static const char *const keys[] = { "pattern", "select", NULL };
				const struct oed_cfg_node *p = oed_cfg_get(v, "pattern"), *sel;

				if (oed_cfg_check_keys(c, v, keys, "'regex'", err) == -1)
					return -1;
				if (p == NULL)
					return oed_cfg_error(c, v, err, "'regex' needs a pattern");
				if (oed_cfg_string(c, p, "'pattern'", &arg, err) == -1)
					return -1;
				if ((sel = oed_cfg_get(v, "select")) &&
				    oed_cfg_long(c, sel, "'select'", -1, 1000000, &select, err) == -1)
					return -1;
				v = p;
			} else if (oed_cfg_string(c, v, "'regex'", &arg, err) == -1) {
				return -1;
			}
			rc = oed_extractor_regex(t->extract, arg, select, err);
		} else if (strcmp(name, "replace") == 0) {
			if (oed_cfg_expect(c, v, OED_CFG_SEQ, "'replace'", err) == -1)
				return -1;
			if (v->n != 2)
				return oed_cfg_error(c, v, err, "'replace' takes two texts: [FROM, TO]");
			if (oed_cfg_string(c, v->items[0], "'replace'", &arg, err) == -1 ||
			    oed_cfg_string(c, v->items[1], "'replace'", &to, err) == -1)
				return -1;
			rc = oed_extractor_replace(t->extract, arg, to, err);
		} else {
			rc = oed_extractor_step(t->extract, name, err);
			if (rc == 0)
				return oed_cfg_error(c, s->keys[0], err, "'%s' takes no argument", name);
			return oed_cfg_error(c, s->keys[0], err, "%s", err->msg);
		}
		if (rc == -1)
			return err->status == OED_EX_USAGE ? oed_cfg_error(c, v, err, "%s", err->msg) : -1;
	}
	return 0;
}

/* One key/value pair more for a scorer (a list value gives one pair per item). */
static int
push_pair(struct oed_task_scorer *s, const char *key, const char *value, struct oed_err *err)
{
	char **k = realloc(s->keys, (s->nparams + 1) * sizeof(*k)), **v;

	if (k == NULL)
		return oed_cfg_nomem(err);
	s->keys = k;
	v = realloc(s->values, (s->nparams + 1) * sizeof(*v));
	if (v == NULL)
		return oed_cfg_nomem(err);
	s->values = v;
	k[s->nparams] = strdup(key);
	v[s->nparams] = strdup(value);
	s->nparams++;
	return k[s->nparams - 1] && v[s->nparams - 1] ? 0 : oed_cfg_nomem(err);
}

static int
add_scorer(const struct oed_cfg *c, const struct oed_cfg_node *at, const char *name,
	   const struct oed_cfg_node *params, void *arg, struct oed_err *err)
{
	struct oed_task *t = arg;
	struct oed_task_scorer *s = realloc(t->scorers, (t->nscorers + 1) * sizeof(*s));
	size_t i;

	if (s == NULL)
		return oed_cfg_nomem(err);
	t->scorers = s;
	s = &s[t->nscorers++];
	memset(s, 0, sizeof(*s));
	s->line = at->line;
	s->col = at->col;
	if ((s->name = strdup(name)) == NULL)
		return oed_cfg_nomem(err);
	if (params == NULL || oed_cfg_is_null(params))
		return 0;
	if (oed_cfg_expect(c, params, OED_CFG_MAP, "a scorer's parameters", err) == -1)
		return -1;
	for (i = 0; i < params->n; i++) {
		const struct oed_cfg_node *v = params->items[i];
		const char *key = params->keys[i]->str;
		size_t j;

		if (v->type == OED_CFG_SCALAR) {
			if (push_pair(s, key, v->str, err) == -1)
				return -1;
			continue;
		}
		if (v->type != OED_CFG_SEQ)
			return oed_cfg_error(c, v, err, "a scorer parameter is a value or a list of values");
		for (j = 0; j < v->n; j++) {
			if (v->items[j]->type != OED_CFG_SCALAR)
				return oed_cfg_error(c, v->items[j], err,
						     "a scorer parameter list holds plain values");
			if (push_pair(s, key, v->items[j]->str, err) == -1)
				return -1;
		}
	}
	return 0;
}

static int
load_scorers(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
	     struct oed_err *err)
{
	return oed_cfg_scorers(c, n, add_scorer, t, err);
}

static int
load_messages(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
	      bool lm_eval, struct oed_err *err)
{
	static const char *const keys[] = { "role", "content", NULL };
	size_t i;

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'messages'", err) == -1)
		return -1;
	if (n->n == 0)
		return oed_cfg_error(c, n, err, "'messages' is empty");
	t->messages = calloc(n->n, sizeof(*t->messages));
	if (t->messages == NULL)
		return oed_cfg_nomem(err);
	for (i = 0; i < n->n; i++) {
		const struct oed_cfg_node *m = n->items[i], *role, *content;
		const char *r;

		t->nmessages++;
		if (oed_cfg_expect(c, m, OED_CFG_MAP, "a message", err) == -1 ||
		    oed_cfg_check_keys(c, m, keys, "a message", err) == -1)
			return -1;
		role = oed_cfg_get(m, "role");
		content = oed_cfg_get(m, "content");
		if (role == NULL || content == NULL)
			return oed_cfg_error(c, m, err, "a message needs a role and a content");
		if (oed_cfg_string(c, role, "'role'", &r, err) == -1)
			return -1;
		if (strcmp(r, "system") != 0 && strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0)
			return oed_cfg_error(c, role, err, "'role' is system, user or assistant, not '%s'", r);
		if ((t->messages[i].role = strdup(r)) == NULL)
			return oed_cfg_nomem(err);
		if (template_at(c, content, "'content'", lm_eval, &t->messages[i].content, err) == -1)
			return -1;
	}
	return 0;
}

static int
load_oed(const struct oed_cfg *c, struct oed_task *t, struct oed_err *err)
{
	const struct oed_cfg_node *root = c->root, *v;

	if (oed_cfg_check_keys(c, root, task_keys, "a task", err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "task")) == NULL)
		return oed_cfg_error(c, root, err, "a task needs a name: 'task: NAME'");
	if (oed_cfg_strdup(c, v, "'task'", false, &t->name, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "version")) &&
	    oed_cfg_long(c, v, "'version'", 0, 1000000000, &t->version, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "dataset")) && load_dataset(c, v, t, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "system")) &&
	    template_at(c, v, "'system'", false, &t->system, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "prompt")) &&
	    template_at(c, v, "'prompt'", false, &t->prompt, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "messages"))) {
		if (t->prompt)
			return oed_cfg_error(c, v, err, "a task has a prompt or messages, not both");
		if (load_messages(c, v, t, false, err) == -1)
			return -1;
	}
	if (t->prompt == NULL && t->nmessages == 0)
		return oed_cfg_error(c, root, err, "a task needs a prompt or messages");
	if ((v = oed_cfg_get(root, "target")) &&
	    template_at(c, v, "'target'", false, &t->target, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "choices")) &&
	    oed_cfg_strdup(c, v, "'choices'", false, &t->choices_field, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "few_shot")) && load_few_shot(c, v, t, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "generation")) && load_generation(c, v, &t->gen, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "extract")) && load_extract(c, v, t, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "scorers")) && load_scorers(c, v, t, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "mutate")) && load_mutate(c, v, t, err) == -1)
		return -1;
	return 0;
}

/*
 * mutate: a YAML list of mutator names, or the same comma-separated (as
 * --mutate takes them); kept as the comma-separated list.  An unknown
 * name is reported at its own position: the list item, or its column in
 * a plain one-line scalar.
 */
static int
load_mutate(const struct oed_cfg *c, const struct oed_cfg_node *v, struct oed_task *t,
	    struct oed_err *err)
{
	const struct oed_mutator *mu[64];
	struct oed_buf b = OED_BUF_INIT;
	size_t n;

	if (v->type == OED_CFG_SEQ) {
		if (v->n == 0)
			return oed_cfg_error(c, v, err, "'mutate' must name at least one mutator");
		for (size_t i = 0; i < v->n; i++) {
			const struct oed_cfg_node *it = v->items[i];
			const char *name;

			if (oed_cfg_string(c, it, "an item of 'mutate'", &name, err) == -1)
				goto fail;
			if (name[0] == '\0' || strchr(name, ',') != NULL) {
				oed_cfg_error(c, it, err,
				    "an item of 'mutate' is one mutator name, not '%s'", name);
				goto fail;
			}
			if (oed_mutator_list(name, mu, &n, err) == -1) {
				char msg[sizeof(err->msg)];

				snprintf(msg, sizeof(msg), "%s", err->msg);
				oed_cfg_error(c, it, err, "'mutate': %s", msg);
				goto fail;
			}
			if (oed_buf_printf(&b, "%s%s", i ? "," : "", name) == -1) {
				oed_cfg_nomem(err);
				goto fail;
			}
		}
		free(t->mutate);
		t->mutate = b.data;
		return 0;
	}
	if (oed_cfg_strdup(c, v, "'mutate'", false, &t->mutate, err) == -1)
		return -1;
	if (oed_mutator_list(t->mutate, mu, &n, err) == -1) {
		char msg[sizeof(err->msg)];
		struct oed_cfg_node at = *v;
		const char *p = t->mutate;

		snprintf(msg, sizeof(msg), "%s", err->msg);
		/* in a plain scalar on one line, point at the name that failed */
		for (size_t off = 0; !v->quoted && strchr(t->mutate, '\n') == NULL; off += strcspn(p + off, ",") + 1) {
			struct oed_err e2;
			char one[128];
			size_t l = strcspn(p + off, ",");

			snprintf(one, sizeof(one), "%.*s", (int)(l < sizeof(one) ? l : sizeof(one) - 1), p + off);
			if (oed_mutator_list(one, mu, &n, &e2) == -1) {
				at.col = v->col + (int)off;
				break;
			}
			if (p[off + l] == '\0')
				break;
		}
		return oed_cfg_error(c, &at, err, "'mutate': %s", msg);
	}
	return 0;
fail:
	oed_buf_release(&b);
	return -1;
}

/* lm-evaluation-harness task files: the keys oed reads, and what it makes of them. */
static const char *const lm_keys[] = {
	"task", "dataset_path", "dataset_kwargs", "test_split", "validation_split",
	"training_split", "fewshot_split", "output_type", "doc_to_text", "doc_to_target",
	"description", "target_delimiter", "fewshot_delimiter", "num_fewshot",
	"generation_kwargs", "filter_list", "metric_list", "repeats", "metadata", "tag",
	"group", "should_decontaminate", "doc_to_decontamination_query", NULL
};

static int
lm_data_file(const struct oed_cfg *c, const struct oed_cfg_node *root, const char *split,
	     char **out, struct oed_err *err)
{
	const struct oed_cfg_node *kw = oed_cfg_get(root, "dataset_kwargs"), *files, *f;
	const char *s;

	if (kw == NULL)
		return 0;
	if (oed_cfg_expect(c, kw, OED_CFG_MAP, "'dataset_kwargs'", err) == -1)
		return -1;
	{
		static const char *const keys[] = { "data_files", NULL };

		if (oed_cfg_check_keys(c, kw, keys, "'dataset_kwargs'", err) == -1)
			return -1;
	}
	if ((files = oed_cfg_get(kw, "data_files")) == NULL)
		return 0;
	if (files->type == OED_CFG_SCALAR) {
		f = files;
	} else {
		if (oed_cfg_expect(c, files, OED_CFG_MAP, "'data_files'", err) == -1)
			return -1;
		f = oed_cfg_get(files, split);
		if (f == NULL)
			return oed_cfg_error(c, files, err, "'data_files' has no '%s' split", split);
	}
	if (oed_cfg_string(c, f, "a data file", &s, err) == -1)
		return -1;
	*out = oed_cfg_resolve(c, s);
	return *out ? 0 : oed_cfg_nomem(err);
}

static int
load_lm_filters(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
		struct oed_err *err)
{
	static const char *const fl_keys[] = { "name", "filter", NULL };
	static const char *const f_keys[] = { "function", "regex_pattern", "group_select", "fallback", NULL };
	const struct oed_cfg_node *pipe, *steps;
	size_t i;

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'filter_list'", err) == -1)
		return -1;
	if (n->n == 0)
		return 0;
	if (n->n > 1)
		return oed_cfg_error(c, n->items[1], err,
				     "only one filter pipeline is supported in 'filter_list'");
	pipe = n->items[0];
	if (oed_cfg_expect(c, pipe, OED_CFG_MAP, "a filter pipeline", err) == -1 ||
	    oed_cfg_check_keys(c, pipe, fl_keys, "a filter pipeline", err) == -1)
		return -1;
	if ((steps = oed_cfg_get(pipe, "filter")) == NULL)
		return 0;
	if (oed_cfg_expect(c, steps, OED_CFG_SEQ, "'filter'", err) == -1)
		return -1;
	for (i = 0; i < steps->n; i++) {
		const struct oed_cfg_node *s = steps->items[i], *fn, *v;
		const char *name, *pat;
		long select = 0;
		int rc;

		if (oed_cfg_expect(c, s, OED_CFG_MAP, "a filter", err) == -1 ||
		    oed_cfg_check_keys(c, s, f_keys, "a filter", err) == -1)
			return -1;
		if ((fn = oed_cfg_get(s, "function")) == NULL)
			return oed_cfg_error(c, s, err, "a filter needs a function");
		if (oed_cfg_string(c, fn, "'function'", &name, err) == -1)
			return -1;
		if ((v = oed_cfg_get(s, "fallback")) && (v->type != OED_CFG_SCALAR ||
							  strcmp(v->str, OED_INVALID_ANSWER) != 0))
			return oed_cfg_error(c, v, err, "only the fallback '%s' is supported", OED_INVALID_ANSWER);
		if (strcmp(name, "regex") == 0) {
			if ((v = oed_cfg_get(s, "regex_pattern")) == NULL)
				return oed_cfg_error(c, s, err, "a regex filter needs a regex_pattern");
			if (oed_cfg_string(c, v, "'regex_pattern'", &pat, err) == -1)
				return -1;
			if (oed_cfg_get(s, "group_select") &&
			    oed_cfg_long(c, oed_cfg_get(s, "group_select"), "'group_select'", -1,
					 1000000, &select, err) == -1)
				return -1;
			rc = oed_extractor_regex(t->extract, pat, select, err);
			if (rc == -1)
				return err->status == OED_EX_USAGE ? oed_cfg_error(c, v, err, "%s", err->msg) : -1;
			continue;
		}
		if (oed_cfg_get(s, "regex_pattern") || oed_cfg_get(s, "group_select"))
			return oed_cfg_error(c, s, err, "'%s' takes no regex_pattern or group_select", name);
		if (strcmp(name, "lowercase") == 0 || strcmp(name, "uppercase") == 0 ||
		    strcmp(name, "take_first") == 0 || strcmp(name, "majority_vote") == 0)
			rc = oed_extractor_step(t->extract, name, err);
		else if (strcmp(name, "remove_whitespace") == 0)
			rc = oed_extractor_step(t->extract, "strip", err);
		else
			return oed_cfg_error(c, fn, err,
					     "filter '%s' is not supported (regex, take_first, majority_vote, lowercase, uppercase, remove_whitespace)",
					     name);
		if (rc == -1)
			return oed_cfg_error(c, fn, err, "%s", err->msg);
	}
	return 0;
}

static int
load_lm_metrics(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_task *t,
		struct oed_err *err)
{
	size_t i, j;

	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'metric_list'", err) == -1)
		return -1;
	for (i = 0; i < n->n; i++) {
		const struct oed_cfg_node *m = n->items[i], *name;
		struct oed_cfg_node params = { .type = OED_CFG_MAP };
		struct oed_cfg_node *keys[16], *vals[16];
		const char *s;
		int rc;

		if (oed_cfg_expect(c, m, OED_CFG_MAP, "a metric", err) == -1)
			return -1;
		if ((name = oed_cfg_get(m, "metric")) == NULL)
			return oed_cfg_error(c, m, err, "a metric needs a name: 'metric: exact_match'");
		if (oed_cfg_string(c, name, "'metric'", &s, err) == -1)
			return -1;
		if (strcmp(s, "exact_match") != 0)
			return oed_cfg_error(c, name, err,
					     "metric '%s' is not supported in lm-eval task files (exact_match)", s);
		/* aggregation and higher_is_better are lm-eval's bookkeeping; the rest goes to the scorer */
		for (j = 0; j < m->n; j++) {
			const char *k = m->keys[j]->str;

			if (strcmp(k, "metric") == 0)
				continue;
			if (strcmp(k, "aggregation") == 0) {
				if (m->items[j]->type != OED_CFG_SCALAR || strcmp(m->items[j]->str, "mean") != 0)
					return oed_cfg_error(c, m->items[j], err, "only the aggregation 'mean' is supported");
				continue;
			}
			if (strcmp(k, "higher_is_better") == 0)
				continue;
			if (strcmp(k, "ignore_case") != 0 && strcmp(k, "ignore_punctuation") != 0 &&
			    strcmp(k, "regexes_to_ignore") != 0)
				return oed_cfg_error(c, m->keys[j], err,
						     "unknown key '%s' in a metric (ignore_case, ignore_punctuation, regexes_to_ignore)", k);
			if (params.n == 16)
				return oed_cfg_error(c, m, err, "too many metric options");
			keys[params.n] = m->keys[j];
			vals[params.n++] = m->items[j];
		}
		params.keys = keys;
		params.items = vals;
		rc = add_scorer(c, name, s, params.n ? &params : NULL, t, err);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
load_lm_eval(const struct oed_cfg *c, struct oed_task *t, struct oed_err *err)
{
	static const char *const gen_keys[] = {
		"until", "max_gen_toks", "temperature", "do_sample", "top_p", NULL
	};
	const struct oed_cfg_node *root = c->root, *v, *g;
	const char *s, *split = "test";
	long l;
	bool b;

	t->lm_eval = true;
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i]->str, *near;
		size_t j;

		for (j = 0; lm_keys[j]; j++)
			if (strcmp(k, lm_keys[j]) == 0)
				break;
		if (lm_keys[j])
			continue;
		near = oed_did_you_mean(k, lm_keys, j);
		if (near)
			return oed_cfg_error(c, root->keys[i], err,
					     "unknown key '%s' in an lm-eval task (did you mean '%s'?)", k, near);
		return oed_cfg_error(c, root->keys[i], err,
				     "lm-eval key '%s' is not supported (see oed-bench(1), LM-EVAL TASK FILES)", k);
	}
	if ((v = oed_cfg_get(root, "task")) == NULL)
		return oed_cfg_error(c, root, err, "an lm-eval task needs a name: 'task: NAME'");
	if (oed_cfg_strdup(c, v, "'task'", false, &t->name, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "output_type"))) {
		if (oed_cfg_string(c, v, "'output_type'", &s, err) == -1)
			return -1;
		if (strcmp(s, "generate_until") != 0)
			return oed_cfg_error(c, v, err,
					     "output_type '%s' is not supported: oed-bench runs generate_until tasks", s);
	}
	if ((v = oed_cfg_get(root, "test_split")) || (v = oed_cfg_get(root, "validation_split"))) {
		if (oed_cfg_string(c, v, "a split", &split, err) == -1)
			return -1;
	}
	if ((v = oed_cfg_get(root, "dataset_path"))) {
		if (oed_cfg_string(c, v, "'dataset_path'", &s, err) == -1)
			return -1;
		if (strcmp(s, "json") == 0 || strcmp(s, "csv") == 0) {
			if (lm_data_file(c, root, split, &t->data_path, err) == -1)
				return -1;
			if (t->data_path == NULL)
				return oed_cfg_error(c, v, err, "dataset_path '%s' needs dataset_kwargs.data_files", s);
			t->data_csv = strcmp(s, "csv") == 0;
		}
		/* a hub name: the data comes from --data */
	}
	if ((v = oed_cfg_get(root, "doc_to_text")) == NULL)
		return oed_cfg_error(c, root, err, "an lm-eval task needs doc_to_text");
	if (template_at(c, v, "'doc_to_text'", true, &t->prompt, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "doc_to_target")) &&
	    template_at(c, v, "'doc_to_target'", true, &t->target, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "description")) &&
	    template_at(c, v, "'description'", true, &t->system, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "num_fewshot"))) {
		if (oed_cfg_long(c, v, "'num_fewshot'", 0, 1000, &l, err) == -1)
			return -1;
		if (l > 0) {
			if (lm_data_file(c, root, "train", &t->shots_path, err) == -1)
				return -1;
			if (t->shots_path == NULL)
				return oed_cfg_error(c, v, err, "num_fewshot needs a 'train' file in dataset_kwargs.data_files");
			t->shots = (unsigned)l;
			t->shots_as_text = true;
			t->shots_seed = 1234;	/* lm-eval's default fewshot seed */
		}
	}
	if ((v = oed_cfg_get(root, "fewshot_delimiter")) &&
	    oed_cfg_strdup(c, v, "'fewshot_delimiter'", false, &t->shots_separator, err) == -1)
		return -1;
	if ((g = oed_cfg_get(root, "generation_kwargs"))) {
		if (oed_cfg_expect(c, g, OED_CFG_MAP, "'generation_kwargs'", err) == -1 ||
		    oed_cfg_check_keys(c, g, gen_keys, "'generation_kwargs'", err) == -1)
			return -1;
		if ((v = oed_cfg_get(g, "until")) &&
		    string_list(c, v, "'until'", &t->gen.stop, &t->gen.nstop, err) == -1)
			return -1;
		if ((v = oed_cfg_get(g, "max_gen_toks")) &&
		    oed_cfg_long(c, v, "'max_gen_toks'", 1, 100000000, &t->gen.max_tokens, err) == -1)
			return -1;
		if ((v = oed_cfg_get(g, "temperature")) &&
		    oed_cfg_number(c, v, "'temperature'", 0, 100, &t->gen.temperature, err) == -1)
			return -1;
		if ((v = oed_cfg_get(g, "top_p")) &&
		    oed_cfg_number(c, v, "'top_p'", 0, 1, &t->gen.top_p, err) == -1)
			return -1;
		if ((v = oed_cfg_get(g, "do_sample"))) {
			if (oed_cfg_bool(c, v, "'do_sample'", &b, err) == -1)
				return -1;
			if (!b && isnan(t->gen.temperature))
				t->gen.temperature = 0;
		}
	}
	if ((v = oed_cfg_get(root, "repeats"))) {
		if (oed_cfg_long(c, v, "'repeats'", 1, 100000, &l, err) == -1)
			return -1;
		t->gen.samples = (unsigned)l;
	}
	if ((v = oed_cfg_get(root, "metadata")) && (g = oed_cfg_get(v, "version")) &&
	    g->type == OED_CFG_SCALAR) {
		double d;

		if (oed_cfg_number(c, g, "'metadata.version'", 0, 1e9, &d, err) == -1)
			return -1;
		t->version = (long)d;
	}
	if ((v = oed_cfg_get(root, "filter_list")) && load_lm_filters(c, v, t, err) == -1)
		return -1;
	if ((v = oed_cfg_get(root, "metric_list")) && load_lm_metrics(c, v, t, err) == -1)
		return -1;
	return 0;
}

static int
file_digest(const char *path, char out[33], struct oed_err *err)
{
	XXH3_state_t *st = XXH3_createState();
	FILE *fp = fopen(path, "rb");
	char buf[8192];
	size_t n;
	XXH128_hash_t h;

	if (st == NULL || fp == NULL) {
		if (fp)
			fclose(fp);
		XXH3_freeState(st);
		return oed_err_set(err, OED_EX_USAGE, "cannot open '%s': %s", path, strerror(errno));
	}
	XXH3_128bits_reset(st);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		XXH3_128bits_update(st, buf, n);
	fclose(fp);
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
	return 0;
}

static int
load_cfg(struct oed_cfg *c, struct oed_task *t, struct oed_err *err)
{
	if (c->root == NULL || c->root->type != OED_CFG_MAP)
		return oed_cfg_error(c, c->root, err, "a task file is a mapping of keys, like 'task: NAME'");
	if (oed_cfg_get(c->root, "doc_to_text") || oed_cfg_get(c->root, "output_type") ||
	    oed_cfg_get(c->root, "dataset_path"))
		return load_lm_eval(c, t, err);
	return load_oed(c, t, err);
}

int
oed_task_load(const char *path, struct oed_task *t, struct oed_err *err)
{
	struct oed_cfg *c;
	int rc;

	oed_task_init(t);
	if ((t->path = strdup(path)) == NULL || (t->extract = oed_extractor_new()) == NULL)
		return oed_cfg_nomem(err);
	c = oed_cfg_load(path, err);
	if (c == NULL)
		return -1;
	rc = load_cfg(c, t, err);
	if (rc == 0)
		rc = file_digest(path, t->digest, err);
	oed_cfg_free(c);
	return rc;
}

int
oed_task_load_text(const char *name, const char *text, const char *dir, struct oed_task *t,
		   struct oed_err *err)
{
	struct oed_cfg *c;
	XXH128_hash_t h;
	int rc;

	oed_task_init(t);
	if ((t->path = strdup(name)) == NULL || (t->extract = oed_extractor_new()) == NULL)
		return oed_cfg_nomem(err);
	c = oed_cfg_parse(text, strlen(text), name, dir, err);
	if (c == NULL)
		return -1;
	rc = load_cfg(c, t, err);
	h = XXH3_128bits(text, strlen(text));
	snprintf(t->digest, sizeof(t->digest), "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
	oed_cfg_free(c);
	return rc;
}
