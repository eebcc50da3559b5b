#include "config.h"
#include "jsonw.h"
#include "diag.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum oed_out_mode out_mode;

void
oed_writer_mode(enum oed_out_mode mode)
{
	out_mode = mode;
}

void
oed_writer_init(struct oed_writer *w, FILE *fp)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
	if (fp == stdout && (out_mode == OED_OUT_TABLE ||
			     (out_mode == OED_OUT_AUTO && isatty(fileno(fp)))))
		w->table = true;
}

#define CELL_MAX 40	/* columns; a longer cell is cut, with an ellipsis */

/* Display columns of UTF-8 s: one per code point. */
static size_t
cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The cell text of v: strings bare, numbers as in JSON, null empty; malloc'd. */
static char *
cell_text(const json_t *v)
{
	char num[32];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	case JSON_REAL:
		oed_fmt_double(num, json_real_value(v));
		return strdup(num);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("");
	default:
		return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	}
}

/* Add v's leaves to flat (key -> text), keys joined with dots. */
static void
flatten(json_t *flat, const char *prefix, const json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		char key[256];
		char *t;

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v)) {
			flatten(flat, key, v);
			continue;
		}
		if ((t = cell_text(v)) != NULL) {
			json_object_set_new(flat, key, json_string(t));
			free(t);
		}
	}
}

/* Write s padded to width, cut at CELL_MAX with an ellipsis. */
static void
put_cell(FILE *fp, const char *s, size_t width, bool last)
{
	size_t n = cols(s), shown = 0;

	if (n > CELL_MAX) {
		for (; *s && shown < CELL_MAX - 1; shown++) {
			fputc(*s++, fp);
			while (((unsigned char)*s & 0xC0) == 0x80)
				fputc(*s++, fp);
		}
		fputs("\u2026", fp);
		n = CELL_MAX;
	} else {
		fputs(s, fp);
	}
	if (!last)
		for (; n < width + 2; n++)
			fputc(' ', fp);
}

/* One table per kind, in first-seen order. */
static void
print_tables(struct oed_writer *w)
{
	json_t *kinds = json_object();	/* kind -> array of flat rows, first-seen order */
	const char *kind;
	json_t *rows;
	size_t i;
	json_t *rec;
	bool first = true;

	if (kinds == NULL)
		return;
	json_array_foreach(w->rows, i, rec) {
		json_t *k = json_object_get(rec, "kind"), *flat = json_object(), *list;
		const char *name = json_is_string(k) ? json_string_value(k) : "";

		if (flat == NULL)
			break;
		flatten(flat, "", rec);
		if ((list = json_object_get(kinds, name)) == NULL) {
			list = json_array();
			json_object_set_new(kinds, name, list);
		}
		json_array_append_new(list, flat);
	}
	json_object_foreach(kinds, kind, rows) {
		json_t *colsw = json_object(), *row;	/* column -> width, first-seen order */
		const char *c;
		json_t *wv;
		size_t j, ncol, at;

		json_array_foreach(rows, j, row) {
			const char *k;
			json_t *v;

			json_object_foreach(row, k, v) {
				size_t n = cols(json_string_value(v));

				if (n > CELL_MAX)
					n = CELL_MAX;
				if ((wv = json_object_get(colsw, k)) == NULL) {
					size_t h = cols(k);

					json_object_set_new(colsw, k, json_integer(h > n ? h : n));
				} else if ((json_int_t)n > json_integer_value(wv)) {
					json_integer_set(wv, n);
				}
			}
		}
		if (!first)
			fputc('\n', w->fp);
		first = false;
		ncol = json_object_size(colsw);
		at = 0;
		json_object_foreach(colsw, c, wv)
			put_cell(w->fp, c, json_integer_value(wv), ++at == ncol);
		fputc('\n', w->fp);
		json_array_foreach(rows, j, row) {
			at = 0;
			json_object_foreach(colsw, c, wv) {
				json_t *v = json_object_get(row, c);

				put_cell(w->fp, v ? json_string_value(v) : "", json_integer_value(wv),
					 ++at == ncol);
			}
			fputc('\n', w->fp);
		}
		json_decref(colsw);
	}
	json_decref(kinds);
}

void
oed_writer_release(struct oed_writer *w)
{
	if (w->table && w->rows) {
		print_tables(w);
		if (fflush(w->fp) == EOF && w->fp == stdout)
			oed_stdout_failed(errno);
	}
	json_decref(w->rows);
	w->rows = NULL;
	oed_buf_release(&w->buf);
}

static void
put(struct oed_writer *w, const char *s, size_t n)
{
	if (!w->failed && oed_buf_add(&w->buf, s, n) == -1)
		w->failed = true;
}

static void
putc_(struct oed_writer *w, char c)
{
	put(w, &c, 1);
}

int
oed_json_quote(struct oed_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o;

	/* worst case every byte becomes \u00XX */
	if (n > ((size_t)-1 - 2) / 6 || oed_buf_grow(b, n * 6 + 2) == -1)
		return -1;
	o = b->data + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hex[c >> 4]; *o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
	return 0;
}

static void
quote(struct oed_writer *w, const char *s, size_t n)
{
	if (!w->failed && oed_json_quote(&w->buf, s, n) == -1)
		w->failed = true;
}

static void
key_(struct oed_writer *w, const char *key)
{
	unsigned long long bit = 1ULL << (w->depth & 63);

	if (w->first & bit)
		w->first &= ~bit;
	else
		putc_(w, ',');
	if (key) {
		quote(w, key, strlen(key));
		putc_(w, ':');
	}
}

static void
open_(struct oed_writer *w, char c)
{
	putc_(w, c);
	w->depth++;
	w->first |= 1ULL << (w->depth & 63);
}

void
oed_w_begin(struct oed_writer *w)
{
	oed_buf_reset(&w->buf);
	w->depth = 0;
	w->first = 0;
	open_(w, '{');
}

void
oed_w_close(struct oed_writer *w, const char **line, size_t *len)
{
	w->depth--;
	put(w, "}\n", 2);
	*line = w->failed ? "" : w->buf.data;
	*len = w->failed ? 0 : w->buf.len;
}

int
oed_w_end(struct oed_writer *w)
{
	const char *line;
	size_t len;

	oed_w_close(w, &line, &len);
	return oed_w_emit(w);
}

int
oed_w_emit(struct oed_writer *w)
{
	if (w->failed)
		return -1;
	if (w->table) {
		json_t *rec = json_loadb(w->buf.data, w->buf.len, JSON_DECODE_ANY, NULL);

		if (rec == NULL || (w->rows == NULL && (w->rows = json_array()) == NULL) ||
		    json_array_append_new(w->rows, rec) == -1) {
			w->failed = true;
			return -1;
		}
		oed_buf_reset(&w->buf);
		/* a long stream is shown in blocks, so memory stays bounded */
		if (json_array_size(w->rows) >= OED_TABLE_BLOCK) {
			print_tables(w);
			json_array_clear(w->rows);
		}
		return 0;
	}
	if (fwrite(w->buf.data, 1, w->buf.len, w->fp) != w->buf.len) {
		/* sticky: nothing more is written, and the first reason is kept */
		w->failed = true;
		if (w->fp == stdout)
			oed_stdout_failed(errno);
		return -1;
	}
	oed_buf_reset(&w->buf);
	return 0;
}

void
oed_w_obj_begin(struct oed_writer *w, const char *key)
{
	key_(w, key);
	open_(w, '{');
}

void
oed_w_obj_end(struct oed_writer *w)
{
	w->depth--;
	putc_(w, '}');
}

void
oed_w_arr_begin(struct oed_writer *w, const char *key)
{
	key_(w, key);
	open_(w, '[');
}

void
oed_w_arr_end(struct oed_writer *w)
{
	w->depth--;
	putc_(w, ']');
}

void
oed_w_strn(struct oed_writer *w, const char *key, const char *s, size_t n)
{
	key_(w, key);
	quote(w, s, n);
}

void
oed_w_str(struct oed_writer *w, const char *key, const char *s)
{
	oed_w_strn(w, key, s, strlen(s));
}

int
oed_fmt_double(char out[32], double v)
{
	int n = 0;

	if (v == 0)
		return snprintf(out, 32, signbit(v) ? "-0" : "0");
	/* integral values print as integers while that is no longer (17 digits) */
	if (fabs(v) < 1e17 && v == floor(v))
		return snprintf(out, 32, "%.0f", v);
	/*
	 * A normal double's shortest form has at most 15 digits or needs 16
	 * or 17, and %.15g finds the former exactly; subnormals carry fewer
	 * digits, so they search from 1.
	 */
	for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return n;
}

static void
warn_nonfinite(struct oed_writer *w, const char *key)
{
	const char *k = key ? key : "(array element)";

	for (int i = 0; i < w->nwarned; i++)
		if (strncmp(w->warned[i], k, sizeof(w->warned[i]) - 1) == 0)
			return;
	if (w->nwarned < 8)
		snprintf(w->warned[w->nwarned++], sizeof(w->warned[0]), "%s", k);
	oed_warn("non-finite value for '%s' written as null", oed_quote(k));
}

void
oed_w_num(struct oed_writer *w, const char *key, double v)
{
	char tmp[32];
	int n;

	key_(w, key);
	if (!isfinite(v)) {
		warn_nonfinite(w, key);
		put(w, "null", 4);
		return;
	}
	n = oed_fmt_double(tmp, v);
	put(w, tmp, (size_t)n);
}

void
oed_w_int(struct oed_writer *w, const char *key, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);

	key_(w, key);
	put(w, tmp, (size_t)n);
}

void
oed_w_uint(struct oed_writer *w, const char *key, unsigned long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", v);

	key_(w, key);
	put(w, tmp, (size_t)n);
}

void
oed_w_bool(struct oed_writer *w, const char *key, bool v)
{
	key_(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
oed_w_null(struct oed_writer *w, const char *key)
{
	key_(w, key);
	put(w, "null", 4);
}

void
oed_w_raw(struct oed_writer *w, const char *key, const char *json, size_t n)
{
	key_(w, key);
	put(w, json, n);
}

void
oed_w_json(struct oed_writer *w, const char *key, const json_t *v)
{
	const char *k;
	json_t *val;
	size_t i;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		oed_w_obj_begin(w, key);
		/* jansson keeps insertion order, so records keep theirs */
		json_object_foreach((json_t *)v, k, val)
			oed_w_json(w, k, val);
		oed_w_obj_end(w);
		break;
	case JSON_ARRAY:
		oed_w_arr_begin(w, key);
		json_array_foreach(v, i, val)
			oed_w_json(w, NULL, val);
		oed_w_arr_end(w);
		break;
	case JSON_STRING:
		oed_w_strn(w, key, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		oed_w_int(w, key, json_integer_value(v));
		break;
	case JSON_REAL:
		oed_w_num(w, key, json_real_value(v));
		break;
	case JSON_TRUE:
		oed_w_bool(w, key, true);
		break;
	case JSON_FALSE:
		oed_w_bool(w, key, false);
		break;
	case JSON_NULL:
		oed_w_null(w, key);
		break;
	}
}
