#include "config.h"
#include "exit.h"
#include "ingest.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * CSV through libcsv, fed one physical line at a time so that every row
 * knows the line it starts on and its raw bytes (for messages and for
 * --on-error=reject).  A quoted field may span lines; the row then ends on
 * a later line.
 */
struct oed_csv {
	FILE *fp;
	char source[256];
	struct csv_parser parser;
	size_t max_line;

	char **header;
	size_t ncols;

	/* the row being built: fields packed in one buffer */
	char *buf;
	size_t blen, bcap;
	size_t *off, *len;
	size_t nfields, fcap;
	bool too_many;

	char *raw;		/* bytes of the lines since the last row ended */
	size_t rlen, rcap;
	long line, row_line;

	oed_csv_row row_cb;
	void *row_ctx;
	struct oed_err *err;
	int stop;		/* a callback asked to stop */
};

static int
grow(char **p, size_t *cap, size_t need)
{
	if (need > *cap) {
		size_t c = *cap ? *cap : 256;
		char *q;

		while (c < need)
			c *= 2;
		q = realloc(*p, c);
		if (q == NULL)
			return -1;
		*p = q;
		*cap = c;
	}
	return 0;
}

static void
on_field(void *field, size_t n, void *data)
{
	struct oed_csv *c = data;

	if (c->stop)
		return;
	if (c->nfields == c->fcap) {
		size_t cap = c->fcap ? c->fcap * 2 : 16;
		size_t *o = realloc(c->off, cap * sizeof(*o)), *l;

		if (o)
			c->off = o;
		l = o ? realloc(c->len, cap * sizeof(*l)) : NULL;
		if (l == NULL) {
			c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
			return;
		}
		c->len = l;
		c->fcap = cap;
	}
	if (grow(&c->buf, &c->bcap, c->blen + n + 1) == -1) {
		c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
		return;
	}
	if (n)
		memcpy(c->buf + c->blen, field, n);
	c->buf[c->blen + n] = '\0';
	c->off[c->nfields] = c->blen;
	c->len[c->nfields] = n;
	c->blen += n + 1;
	c->nfields++;
}

static void
on_row(int term, void *data)
{
	struct oed_csv *c = data;

	(void)term;
	if (c->stop)
		return;
	if (c->header == NULL) {
		c->header = calloc(c->nfields ? c->nfields : 1, sizeof(*c->header));
		if (c->header == NULL) {
			c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
			return;
		}
		c->ncols = c->nfields;
		for (size_t i = 0; i < c->nfields; i++) {
			c->header[i] = strdup(c->buf + c->off[i]);
			if (c->header[i] == NULL) {
				c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
				return;
			}
		}
	} else if (c->row_cb(c, c->row_ctx, c->err) == -1) {
		c->stop = -1;
	}
	c->nfields = 0;
	c->blen = 0;
	c->rlen = 0;
	c->row_line = 0;
}

struct oed_csv *
oed_csv_open(const char *path, char delimiter, size_t max_line, struct oed_err *err)
{
	struct oed_csv *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	if (path == NULL || strcmp(path, "-") == 0) {
		c->fp = stdin;
		snprintf(c->source, sizeof(c->source), "<stdin>");
	} else {
		c->fp = fopen(path, "rb");
		if (c->fp == NULL) {
			oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", path, strerror(errno));
			free(c);
			return NULL;
		}
		snprintf(c->source, sizeof(c->source), "%s", path);
	}
	/* strict: a stray quote is an error rather than a silently odd field */
	csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_delim(&c->parser, (unsigned char)(delimiter ? delimiter : ','));
	c->max_line = max_line;
	return c;
}

void
oed_csv_close(struct oed_csv *c)
{
	if (c == NULL)
		return;
	if (c->fp && c->fp != stdin)
		fclose(c->fp);
	csv_free(&c->parser);
	for (size_t i = 0; i < c->ncols; i++)
		free(c->header[i]);
	free(c->header);
	free(c->buf);
	free(c->off);
	free(c->len);
	free(c->raw);
	free(c);
}

int
oed_csv_each(struct oed_csv *c, oed_csv_row row, void *ctx, struct oed_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	c->row_cb = row;
	c->row_ctx = ctx;
	c->err = err;
	while ((n = getline(&line, &cap, c->fp)) > 0) {
		size_t from = 0;

		c->line++;
		if (c->line == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
			from = 3;
		if (c->rlen + (size_t)n > c->max_line) {
			rc = oed_err_at(err, OED_EX_DATA, c->source, c->row_line ? c->row_line : c->line, 0,
					"row longer than %zu bytes (see --max-line)", c->max_line);
			goto out;
		}
		if (c->row_line == 0)
			c->row_line = c->line;
		if (grow(&c->raw, &c->rcap, c->rlen + (size_t)n) == -1) {
			rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto out;
		}
		memcpy(c->raw + c->rlen, line, (size_t)n);
		c->rlen += (size_t)n;
		if (csv_parse(&c->parser, line + from, (size_t)n - from, on_field, on_row, c) !=
		    (size_t)n - from) {
			rc = oed_err_at(err, OED_EX_DATA, c->source, c->row_line, 0,
					"malformed CSV: %s", csv_strerror(csv_error(&c->parser)));
			goto out;
		}
		if (c->stop) {
			rc = -1;
			goto out;
		}
		/* a line of nothing but its end keeps no place */
		if (c->nfields == 0 && c->blen == 0 && (line[from] == '\n' || line[from] == '\r'))
			c->rlen = 0, c->row_line = 0;
	}
	if (ferror(c->fp)) {
		rc = oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", c->source, strerror(errno));
		goto out;
	}
	if (csv_fini(&c->parser, on_field, on_row, c) != 0) {
		rc = oed_err_at(err, OED_EX_DATA, c->source, c->row_line ? c->row_line : c->line, 0,
				"malformed CSV: %s", csv_error(&c->parser) == CSV_EPARSE ?
				"a quoted field is not closed" : csv_strerror(csv_error(&c->parser)));
		goto out;
	}
	if (c->stop)
		rc = -1;
out:
	free(line);
	return rc;
}

size_t
oed_csv_columns(const struct oed_csv *c)
{
	return c->ncols;
}

const char *
oed_csv_header(const struct oed_csv *c, size_t i)
{
	return i < c->ncols ? c->header[i] : NULL;
}

int
oed_csv_column(const struct oed_csv *c, const char *name)
{
	for (size_t i = 0; i < c->ncols; i++)
		if (strcmp(c->header[i], name) == 0)
			return (int)i;
	return -1;
}

size_t
oed_csv_fields(const struct oed_csv *c)
{
	return c->nfields;
}

const char *
oed_csv_field(const struct oed_csv *c, size_t i, size_t *len)
{
	if (i >= c->nfields) {
		*len = 0;
		return NULL;
	}
	*len = c->len[i];
	return c->buf + c->off[i];
}

const char *
oed_csv_source(const struct oed_csv *c)
{
	return c->source;
}

long
oed_csv_row_line(const struct oed_csv *c)
{
	return c->row_line;
}

const char *
oed_csv_raw(const struct oed_csv *c, size_t *len)
{
	*len = c->rlen;
	return c->raw;
}
