/* cfg.c: libyaml events -> a position-keeping tree (cfg.h). */
#include "config.h"

#include "cfg.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "exit.h"
#include "opt.h"

#define MAX_DEPTH 64

static struct oed_cfg_node *
node_new(struct oed_cfg *c, enum oed_cfg_type type, const yaml_mark_t *m)
{
	struct oed_cfg_node *n;

	if (c->nall == c->capall) {
		size_t cap = c->capall ? c->capall * 2 : 64;
		struct oed_cfg_node **p = realloc(c->all, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		c->all = p;
		c->capall = cap;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->type = type;
	n->line = (long)m->line + 1;
	n->col = (int)m->column + 1;
	c->all[c->nall++] = n;
	return n;
}

static int
push_child(struct oed_cfg_node *parent, struct oed_cfg_node *key, struct oed_cfg_node *child)
{
	struct oed_cfg_node **items = realloc(parent->items, (parent->n + 1) * sizeof(*items));

	if (items == NULL)
		return -1;
	parent->items = items;
	if (parent->type == OED_CFG_MAP) {
		struct oed_cfg_node **keys = realloc(parent->keys, (parent->n + 1) * sizeof(*keys));

		if (keys == NULL)
			return -1;
		parent->keys = keys;
		keys[parent->n] = key;
	}
	items[parent->n++] = child;
	return 0;
}

void
oed_cfg_free(struct oed_cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nall; i++) {
		free(c->all[i]->str);
		free(c->all[i]->items);
		free(c->all[i]->keys);
		free(c->all[i]);
	}
	free(c->all);
	free(c->path);
	free(c->dir);
	free(c);
}

int
oed_cfg_error(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_err *err,
	      const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n == NULL)
		return oed_err_at(err, OED_EX_USAGE, c->path, 0, 0, "%s", msg);
	return oed_err_at(err, OED_EX_USAGE, c->path, n->line, n->col, "%s", msg);
}

static int
yaml_fail(struct oed_cfg *c, const yaml_parser_t *p, struct oed_err *err)
{
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;

	if (p->error == YAML_MEMORY_ERROR)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return oed_err_at(err, OED_EX_USAGE, c->path, (long)m->line + 1, (int)m->column + 1,
			  "bad YAML: %s%s%s", p->problem ? p->problem : "syntax error",
			  p->context ? " " : "", p->context ? p->context : "");
}

/* Only the core schema's tags; anything else would change a value's meaning. */
static bool
tag_ok(const yaml_char_t *tag)
{
	const char *t = (const char *)tag;

	return t == NULL || strcmp(t, "!") == 0 || strcmp(t, YAML_STR_TAG) == 0 ||
	       strcmp(t, YAML_MAP_TAG) == 0 || strcmp(t, YAML_SEQ_TAG) == 0;
}

static struct oed_cfg *
cfg_new(const char *name, const char *dir)
{
	struct oed_cfg *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->path = strdup(name);
	c->dir = strdup(dir ? dir : ".");
	if (c->path == NULL || c->dir == NULL) {
		oed_cfg_free(c);
		return NULL;
	}
	return c;
}

struct oed_cfg *
oed_cfg_parse(const char *text, size_t len, const char *name, const char *dir,
	      struct oed_err *err)
{
	struct oed_cfg *c = cfg_new(name, dir);
	struct oed_cfg_node *stack[MAX_DEPTH], *pending[MAX_DEPTH];
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = -1;
	bool done = false;

	if (c == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	if (!yaml_parser_initialize(&p)) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		oed_cfg_free(c);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		struct oed_cfg_node *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			yaml_fail(c, &p, err);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				oed_err_at(err, OED_EX_USAGE, c->path, (long)ev.start_mark.line + 1,
					   (int)ev.start_mark.column + 1,
					   "only one YAML document is allowed in a file");
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			oed_err_at(err, OED_EX_USAGE, c->path, (long)ev.start_mark.line + 1,
				   (int)ev.start_mark.column + 1, "YAML aliases are not supported");
			yaml_event_delete(&ev);
			goto out;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			const yaml_char_t *anchor, *tag;

			if (ev.type == YAML_SCALAR_EVENT) {
				anchor = ev.data.scalar.anchor;
				tag = ev.data.scalar.tag;
			} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
				anchor = ev.data.sequence_start.anchor;
				tag = ev.data.sequence_start.tag;
			} else {
				anchor = ev.data.mapping_start.anchor;
				tag = ev.data.mapping_start.tag;
			}
			if (anchor != NULL || !tag_ok(tag)) {
				if (anchor)
					oed_err_at(err, OED_EX_USAGE, c->path, (long)ev.start_mark.line + 1,
						   (int)ev.start_mark.column + 1, "YAML anchors are not supported");
				else
					oed_err_at(err, OED_EX_USAGE, c->path, (long)ev.start_mark.line + 1,
						   (int)ev.start_mark.column + 1, "YAML tag '%.60s' is not supported",
						   (const char *)tag);
				yaml_event_delete(&ev);
				goto out;
			}
			n = node_new(c, ev.type == YAML_SCALAR_EVENT ? OED_CFG_SCALAR :
				     ev.type == YAML_SEQUENCE_START_EVENT ? OED_CFG_SEQ : OED_CFG_MAP,
				     &ev.start_mark);
			if (n == NULL)
				goto nomem;
			if (ev.type == YAML_SCALAR_EVENT) {
				n->len = ev.data.scalar.length;
				n->str = malloc(n->len + 1);
				if (n->str == NULL)
					goto nomem;
				memcpy(n->str, ev.data.scalar.value, n->len);
				n->str[n->len] = '\0';
				n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
					    (tag != NULL && strcmp((const char *)tag, "!") == 0);
			}
			/* attach n to its parent */
			if (depth == 0) {
				c->root = n;
			} else {
				struct oed_cfg_node *parent = stack[depth - 1];

				if (parent->type == OED_CFG_SEQ) {
					if (push_child(parent, NULL, n) == -1)
						goto nomem;
				} else if (pending[depth - 1] == NULL) {
					size_t i;

					if (n->type != OED_CFG_SCALAR) {
						oed_cfg_error(c, n, err, "a key must be a plain word");
						yaml_event_delete(&ev);
						goto out;
					}
					for (i = 0; i < parent->n; i++) {
						if (strcmp(parent->keys[i]->str, n->str) == 0) {
							oed_cfg_error(c, n, err,
								      "duplicate key '%s' (first at line %ld)",
								      n->str, parent->keys[i]->line);
							yaml_event_delete(&ev);
							goto out;
						}
					}
					pending[depth - 1] = n;
				} else {
					if (push_child(parent, pending[depth - 1], n) == -1)
						goto nomem;
					pending[depth - 1] = NULL;
				}
			}
			if (n->type != OED_CFG_SCALAR) {
				if (depth == MAX_DEPTH) {
					oed_cfg_error(c, n, err, "nested deeper than %d levels", MAX_DEPTH);
					yaml_event_delete(&ev);
					goto out;
				}
				pending[depth] = NULL;
				stack[depth++] = n;
			}
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	rc = 0;
	goto out;
nomem:
	yaml_event_delete(&ev);
	oed_err_set(err, OED_EX_FAIL, "out of memory");
out:
	yaml_parser_delete(&p);
	if (rc == -1) {
		oed_cfg_free(c);
		return NULL;
	}
	return c;
}

struct oed_cfg *
oed_cfg_load(const char *path, struct oed_err *err)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL, *dir, *slash;
	size_t len = 0, cap = 0, got;
	struct oed_cfg *c;

	if (fp == NULL) {
		oed_err_set(err, OED_EX_USAGE, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *t = realloc(text, cap = cap ? cap * 2 : 8192);

			if (t == NULL) {
				free(text);
				fclose(fp);
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				return NULL;
			}
			text = t;
		}
		got = fread(text + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", path, strerror(errno));
		free(text);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	dir = strdup(path);
	if (dir == NULL) {
		free(text);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	c = oed_cfg_parse(text, len, path, dir, err);
	free(dir);
	free(text);
	return c;
}

struct oed_cfg_node *
oed_cfg_get(const struct oed_cfg_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != OED_CFG_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}


int
oed_cfg_check_keys(const struct oed_cfg *c, const struct oed_cfg_node *map,
		   const char *const *allowed, const char *what, struct oed_err *err)
{
	size_t i, j, n = 0;

	while (allowed[n] != NULL)
		n++;
	for (i = 0; i < map->n; i++) {
		const char *key = map->keys[i]->str, *near;

		for (j = 0; j < n; j++)
			if (strcmp(key, allowed[j]) == 0)
				break;
		if (j < n)
			continue;
		near = oed_did_you_mean(key, allowed, n);
		if (near != NULL)
			return oed_cfg_error(c, map->keys[i], err,
					     "unknown key '%s' in %s (did you mean '%s'?)", key, what, near);
		return oed_cfg_error(c, map->keys[i], err, "unknown key '%s' in %s", key, what);
	}
	return 0;
}

static const char *
type_name(enum oed_cfg_type t)
{
	return t == OED_CFG_SCALAR ? "a single value" : t == OED_CFG_SEQ ? "a list" : "a mapping";
}

int
oed_cfg_expect(const struct oed_cfg *c, const struct oed_cfg_node *n, enum oed_cfg_type type,
	       const char *what, struct oed_err *err)
{
	if (n->type == type)
		return 0;
	return oed_cfg_error(c, n, err, "%s must be %s, not %s", what, type_name(type),
			     type_name(n->type));
}

int
oed_cfg_nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

int
oed_cfg_strdup(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	       bool nonempty, char **out, struct oed_err *err)
{
	const char *s;

	if (oed_cfg_string(c, n, what, &s, err) == -1)
		return -1;
	if (nonempty && *s == '\0')
		return oed_cfg_error(c, n, err, "%s must not be empty", what);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : oed_cfg_nomem(err);
}

int
oed_cfg_scorers(const struct oed_cfg *c, const struct oed_cfg_node *n,
		oed_cfg_scorer_fn *add, void *arg, struct oed_err *err)
{
	size_t i;

	if (n->type == OED_CFG_SCALAR)
		return add(c, n, n->str, NULL, arg, err);
	if (oed_cfg_expect(c, n, OED_CFG_SEQ, "'scorers'", err) == -1)
		return -1;
	for (i = 0; i < n->n; i++) {
		const struct oed_cfg_node *s = n->items[i];

		if (s->type == OED_CFG_SCALAR) {
			if (add(c, s, s->str, NULL, arg, err) == -1)
				return -1;
			continue;
		}
		if (oed_cfg_expect(c, s, OED_CFG_MAP, "a scorer", err) == -1)
			return -1;
		if (s->n != 1)
			return oed_cfg_error(c, s, err, "a scorer is a name or one key: {NAME: {PARAM: VALUE}}");
		if (add(c, s->keys[0], s->keys[0]->str, s->items[0], arg, err) == -1)
			return -1;
	}
	return 0;
}

bool
oed_cfg_is_null(const struct oed_cfg_node *n)
{
	return n->type == OED_CFG_SCALAR && !n->quoted &&
	       (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
		strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

int
oed_cfg_string(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	       const char **out, struct oed_err *err)
{
	if (oed_cfg_expect(c, n, OED_CFG_SCALAR, what, err) == -1)
		return -1;
	if (strlen(n->str) != n->len)
		return oed_cfg_error(c, n, err, "%s must not hold a NUL character", what);
	*out = n->str;
	return 0;
}

int
oed_cfg_number(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	       double min, double max, double *out, struct oed_err *err)
{
	char *end;
	double v;

	if (oed_cfg_expect(c, n, OED_CFG_SCALAR, what, err) == -1)
		return -1;
	errno = 0;
	v = strtod(n->str, &end);
	if (n->quoted || n->len == 0 || *end != '\0' || errno == ERANGE || !isfinite(v))
		return oed_cfg_error(c, n, err, "%s must be a number, not '%s'", what, n->str);
	if (v < min || v > max)
		return oed_cfg_error(c, n, err, "%s must be between %g and %g, not %s", what,
				     min, max, n->str);
	*out = v;
	return 0;
}

int
oed_cfg_long(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	     long min, long max, long *out, struct oed_err *err)
{
	char *end;
	long v;

	if (oed_cfg_expect(c, n, OED_CFG_SCALAR, what, err) == -1)
		return -1;
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (n->quoted || n->len == 0 || *end != '\0' || errno == ERANGE)
		return oed_cfg_error(c, n, err, "%s must be a whole number, not '%s'", what, n->str);
	if (v < min || v > max)
		return oed_cfg_error(c, n, err, "%s must be between %ld and %ld, not %s", what,
				     min, max, n->str);
	*out = v;
	return 0;
}

int
oed_cfg_bool(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
	     bool *out, struct oed_err *err)
{
	if (oed_cfg_expect(c, n, OED_CFG_SCALAR, what, err) == -1)
		return -1;
	if (!n->quoted && (strcmp(n->str, "true") == 0 || strcmp(n->str, "True") == 0)) {
		*out = true;
		return 0;
	}
	if (!n->quoted && (strcmp(n->str, "false") == 0 || strcmp(n->str, "False") == 0)) {
		*out = false;
		return 0;
	}
	return oed_cfg_error(c, n, err, "%s must be true or false, not '%s'", what, n->str);
}

char *
oed_cfg_resolve(const struct oed_cfg *c, const char *rel)
{
	char *out;
	size_t n;

	if (rel[0] == '/' || strcmp(c->dir, ".") == 0)
		return strdup(rel);
	n = strlen(c->dir) + strlen(rel) + 2;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s/%s", c->dir, rel);
	return out;
}
