#include "config.h"
#include "jsonw.h"
#include "diag.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
oed_writer_init(struct oed_writer *w, FILE *fp)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
}

void
oed_writer_release(struct oed_writer *w)
{
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
