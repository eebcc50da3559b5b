/* template.c: compile and render `{{path | filter}}` templates (template.h). */
#include "config.h"

#include "template.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "field.h"
#include "jsonw.h"
#include "sbuf.h"

enum filter { F_JSON, F_UPPER, F_LOWER, F_TRIM, F_LETTER, F_CHOICES };
static const char *const filter_names[] = { "json", "upper", "lower", "trim", "letter", "choices" };
#define NFILTERS (sizeof(filter_names) / sizeof(filter_names[0]))

struct piece {
	char *text;		/* literal text, or NULL for a field */
	size_t len;
	struct oed_path path;
	enum filter *filters;
	size_t nfilters;
};

struct oed_tmpl {
	char *src;
	struct piece *p;
	size_t n;
	bool nfields;
};

void
oed_tmpl_free(struct oed_tmpl *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->p[i].text);
		if (t->p[i].text == NULL)
			oed_path_release(&t->p[i].path);
		free(t->p[i].filters);
	}
	free(t->p);
	free(t->src);
	free(t);
}

const char *
oed_tmpl_text(const struct oed_tmpl *t)
{
	return t->src;
}

bool
oed_tmpl_is_const(const struct oed_tmpl *t)
{
	return !t->nfields;
}

static struct piece *
piece_new(struct oed_tmpl *t)
{
	struct piece *p = realloc(t->p, (t->n + 1) * sizeof(*p));

	if (p == NULL)
		return NULL;
	t->p = p;
	memset(&p[t->n], 0, sizeof(p[t->n]));
	return &p[t->n++];
}

static char *
trimmed(const char *s, size_t n)
{
	char *out;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	out = malloc(n + 1);
	if (out) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
	return out;
}

/* Parse "path | f | g" (the inside of the braces) into p. */
static int
parse_field(struct piece *p, const char *s, size_t n, size_t offset, struct oed_err *err)
{
	const char *bar = memchr(s, '|', n);
	size_t plen = bar ? (size_t)(bar - s) : n;
	char *path = trimmed(s, plen);
	int rc;

	if (path == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (path[0] == '\0') {
		free(path);
		return oed_err_set(err, OED_EX_USAGE, "template at offset %zu: '{{}}' names no field",
				   offset);
	}
	rc = oed_path_parse(&p->path, path, err);
	free(path);
	if (rc == -1)
		return oed_err_set(err, OED_EX_USAGE, "template at offset %zu: %s", offset, err->msg);
	while (bar != NULL) {
		const char *start = bar + 1, *end = s + n;
		char *name;
		size_t i;
		enum filter *f;

		bar = memchr(start, '|', (size_t)(end - start));
		name = trimmed(start, (size_t)((bar ? bar : end) - start));
		if (name == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		for (i = 0; i < NFILTERS; i++)
			if (strcmp(name, filter_names[i]) == 0)
				break;
		if (i == NFILTERS) {
			oed_err_set(err, OED_EX_USAGE,
				    "template at offset %zu: unknown filter '%s' (json, upper, lower, trim, letter, choices)",
				    offset, name);
			free(name);
			return -1;
		}
		free(name);
		f = realloc(p->filters, (p->nfilters + 1) * sizeof(*f));
		if (f == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		p->filters = f;
		f[p->nfilters++] = (enum filter)i;
	}
	return 0;
}

struct oed_tmpl *
oed_tmpl_compile(const char *text, struct oed_err *err)
{
	struct oed_tmpl *t = calloc(1, sizeof(*t));
	const char *s = text, *open, *close;
	struct piece *p;

	if (t == NULL || (t->src = strdup(text)) == NULL)
		goto nomem;
	while (*s) {
		open = strstr(s, "{{");
		if (open != s) {
			size_t n = open ? (size_t)(open - s) : strlen(s);

			if ((p = piece_new(t)) == NULL || (p->text = malloc(n + 1)) == NULL)
				goto nomem;
			memcpy(p->text, s, n);
			p->text[n] = '\0';
			p->len = n;
			s += n;
			continue;
		}
		close = strstr(open + 2, "}}");
		if (close == NULL) {
			oed_err_set(err, OED_EX_USAGE, "template at offset %zu: '{{' is not closed",
				    (size_t)(open - text));
			oed_tmpl_free(t);
			return NULL;
		}
		if ((p = piece_new(t)) == NULL)
			goto nomem;
		if (parse_field(p, open + 2, (size_t)(close - open - 2), (size_t)(open - text), err) == -1) {
			oed_tmpl_free(t);
			return NULL;
		}
		t->nfields = true;
		s = close + 2;
	}
	return t;
nomem:
	oed_tmpl_free(t);
	oed_err_set(err, OED_EX_FAIL, "out of memory");
	return NULL;
}

static void
add_json(struct sbuf *b, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);

	if (s == NULL) {
		b->failed = true;
		return;
	}
	sbuf_adds(b, s);
	free(s);
}

/* A value as plain text. */
static void
add_text(struct sbuf *b, const json_t *v)
{
	char num[32];

	switch (json_typeof(v)) {
	case JSON_STRING:
		sbuf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		sbuf_adds(b, num);
		break;
	case JSON_REAL:
		oed_fmt_double(num, json_real_value(v));
		sbuf_adds(b, num);
		break;
	case JSON_TRUE:
		sbuf_adds(b, "true");
		break;
	case JSON_FALSE:
		sbuf_adds(b, "false");
		break;
	case JSON_NULL:
		break;
	default:
		add_json(b, v);
	}
}

static int
apply_filters(const struct piece *p, json_t *v, struct sbuf *out, struct oed_err *err)
{
	struct sbuf cur = { 0 };
	size_t i, k;
	char *s;

	/* The first filter may need the value itself; later ones see text. */
	if (p->nfilters && p->filters[0] == F_CHOICES) {
		if (!json_is_array(v))
			return oed_err_set(err, OED_EX_DATA, "field '%s': filter 'choices' needs a list",
					   p->path.spec);
		for (k = 0; k < json_array_size(v); k++) {
			char head[32];

			if (k)
				sbuf_addc(&cur, '\n');
			if (k < 26)
				snprintf(head, sizeof(head), "%c. ", (char)('A' + k));
			else
				snprintf(head, sizeof(head), "%zu. ", k + 1);
			sbuf_adds(&cur, head);
			add_text(&cur, json_array_get(v, k));
		}
	} else if (p->nfilters && p->filters[0] == F_LETTER) {
		double d = json_number_value(v);

		if (!json_is_number(v) || d < 0 || d >= 26 || d != floor(d))
			return oed_err_set(err, OED_EX_DATA,
					   "field '%s': filter 'letter' needs a whole number from 0 to 25",
					   p->path.spec);
		sbuf_addc(&cur, (char)('A' + (int)d));
	} else if (p->nfilters && p->filters[0] == F_JSON) {
		add_json(&cur, v);
	} else {
		add_text(&cur, v);
	}
	for (i = 0; i < p->nfilters; i++) {
		if (i == 0 && (p->filters[0] == F_CHOICES || p->filters[0] == F_LETTER ||
			       p->filters[0] == F_JSON))
			continue;
		switch (p->filters[i]) {
		case F_UPPER:
			for (k = 0; k < cur.len; k++)
				cur.s[k] = (char)toupper((unsigned char)cur.s[k]);
			break;
		case F_LOWER:
			for (k = 0; k < cur.len; k++)
				cur.s[k] = (char)tolower((unsigned char)cur.s[k]);
			break;
		case F_TRIM:
			if (cur.s) {
				s = trimmed(cur.s, cur.len);
				if (s == NULL) {
					sbuf_release(&cur);
					return oed_err_set(err, OED_EX_FAIL, "out of memory");
				}
				cur.len = 0;
				sbuf_adds(&cur, s);
				free(s);
			}
			break;
		case F_JSON: {
			json_t *str = json_stringn(cur.s ? cur.s : "", cur.len);

			cur.len = 0;
			if (str == NULL)
				cur.failed = true;
			else
				add_json(&cur, str);
			json_decref(str);
			break;
		}
		default:
			sbuf_release(&cur);
			return oed_err_set(err, OED_EX_DATA,
					   "field '%s': filter '%s' must come first", p->path.spec,
					   filter_names[p->filters[i]]);
		}
	}
	if (cur.failed) {
		sbuf_release(&cur);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	if (cur.s)
		sbuf_add(out, cur.s, cur.len);
	sbuf_release(&cur);
	return 0;
}

int
oed_tmpl_render(const struct oed_tmpl *t, json_t *rec, char **out, size_t *len,
		struct oed_err *err)
{
	struct sbuf b = { 0 };
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct piece *p = &t->p[i];
		json_t *v;

		if (p->text != NULL) {
			sbuf_add(&b, p->text, p->len);
			continue;
		}
		v = rec ? oed_path_get(&p->path, rec) : NULL;
		if (v == NULL) {
			sbuf_release(&b);
			return oed_err_set(err, OED_EX_DATA, "field '%s' is missing", p->path.spec);
		}
		if (apply_filters(p, v, &b, err) == -1) {
			sbuf_release(&b);
			return -1;
		}
	}
	*out = sbuf_take(&b, len);
	if (*out == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	return 0;
}
