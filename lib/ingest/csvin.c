#include "config.h"
#include "csvin.h"
#include "buf.h"
#include "exit.h"
#include "zstream.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The file is read in blocks; a "segment" is the rest of a block up to and
 * including the next newline, so a physical line arrives in one segment or,
 * when long, in several.  libcsv gets each segment whole and calls back
 * per field and per row; the raw bytes since the last row ended are kept
 * beside it so a row can be reported by its first line and copied out.
 */
struct oed_csv {
	struct oed_zstream *zs;	/* decompressed as read (zstream.h) */
	char source[256];
	struct csv_parser parser;
	char delimiter;
	size_t max_line;
	struct oed_policy *policy;

	char **header;
	size_t ncols;

	/* the row being built: fields packed in one buffer */
	struct oed_buf buf;
	size_t *off, *len;
	size_t nfields, fcap;

	struct oed_buf raw;	/* bytes since the last row ended */
	long line;		/* physical lines begun */
	long row_line;		/* line the row being read starts on, 0 before it starts */
	bool at_bol;		/* the next byte begins a line */
	bool skipping;		/* dropping the rest of a bad line after a fault */
	uint64_t bad;

	/* bytes to read again before the file's: the lines after a bad row's first */
	char *pend;
	size_t plen, ppos, pcap;

	char in[65536];
	size_t ipos, ilen;

	oed_csv_row row_cb;
	void *row_ctx;
	struct oed_err *err;
	int stop;		/* a callback asked to stop */
};

static void
on_field(void *field, size_t n, void *data)
{
	struct oed_csv *c = data;

	if (c->stop)
		return;
	/* a row after a bare CR begins inside the segment that ended the one before */
	if (c->row_line == 0)
		c->row_line = c->line;
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
	c->off[c->nfields] = c->buf.len;
	c->len[c->nfields] = n;
	/* fields packed one after the other, each with its NUL */
	if (oed_buf_add(&c->buf, field, n) == -1 || oed_buf_addc(&c->buf, '\0') == -1) {
		c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
		return;
	}
	c->nfields++;
}

static void
row_reset(struct oed_csv *c)
{
	c->nfields = 0;
	oed_buf_reset(&c->buf);
	oed_buf_reset(&c->raw);
	c->row_line = 0;
}

static void
on_row(int term, void *data)
{
	struct oed_csv *c = data;

	(void)term;
	if (c->stop)
		return;
	if (c->header == NULL) {
		c->header = calloc(c->nfields, sizeof(*c->header));
		if (c->header == NULL) {
			c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
			return;
		}
		c->ncols = c->nfields;
		for (size_t i = 0; i < c->nfields; i++) {
			c->header[i] = strdup(c->buf.data + c->off[i]);
			if (c->header[i] == NULL) {
				c->stop = oed_err_set(c->err, OED_EX_FAIL, "out of memory");
				return;
			}
		}
	} else if (c->row_cb(c, c->row_ctx, c->err) == -1) {
		c->stop = -1;
	}
	row_reset(c);
}

/* No byte is padding: spaces around a field are part of it (RFC 4180, Python, pandas). */
static int
no_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static void
parser_init(struct oed_csv *c)
{
	/* strict: a stray quote is an error rather than a silently odd field */
	csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_delim(&c->parser, (unsigned char)c->delimiter);
	csv_set_space_func(&c->parser, no_space);
}

struct oed_csv *
oed_csv_open(const char *path, char delimiter, size_t max_line, struct oed_policy *policy,
	     struct oed_err *err)
{
	struct oed_csv *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	if ((c->zs = oed_zstream_open(path, err)) == NULL) {
		free(c);
		return NULL;
	}
	snprintf(c->source, sizeof(c->source), "%s", oed_zstream_source(c->zs));
	c->delimiter = delimiter ? delimiter : ',';
	parser_init(c);
	c->max_line = max_line;
	c->policy = policy;
	c->at_bol = true;
	return c;
}

void
oed_csv_close(struct oed_csv *c)
{
	if (c == NULL)
		return;
	oed_zstream_close(c->zs);
	csv_free(&c->parser);
	for (size_t i = 0; i < c->ncols; i++)
		free(c->header[i]);
	free(c->header);
	oed_buf_release(&c->buf);
	free(c->off);
	free(c->len);
	oed_buf_release(&c->raw);
	free(c->pend);
	free(c);
}

/* The next segment: 1 with one, 0 at the end of the file, -1 on a read error. */
static int
next_segment(struct oed_csv *c, const char **seg, size_t *n, bool *eol, struct oed_err *err)
{
	const char *p, *nl;
	size_t avail;

	if (c->ppos < c->plen) {
		p = c->pend + c->ppos;
		avail = c->plen - c->ppos;
		nl = memchr(p, '\n', avail);
		*n = nl ? (size_t)(nl - p) + 1 : avail;
		*eol = nl != NULL;
		*seg = p;
		c->ppos += *n;
		return 1;
	}
	if (c->ipos == c->ilen) {
		ssize_t got = oed_zstream_read(c->zs, c->in, sizeof(c->in), err);

		c->ipos = c->ilen = 0;
		if (got <= 0)
			return (int)got;	/* -1, or 0 at the end of the file */
		c->ilen = (size_t)got;
	}
	p = c->in + c->ipos;
	avail = c->ilen - c->ipos;
	nl = memchr(p, '\n', avail);
	*n = nl ? (size_t)(nl - p) + 1 : avail;
	*eol = nl != NULL;
	*seg = p;
	c->ipos += *n;
	return 1;
}

/* libcsv's own words for a strict-mode error name the mode, not the fault. */
static const char *
parse_error(struct csv_parser *p)
{
	if (csv_error(p) == CSV_EPARSE)
		return "a quote inside an unquoted field, or text after a closing quote";
	return csv_strerror(csv_error(p));
}

/* Nothing but line ends since the last row: blank lines, which libcsv skips. */
static bool
only_blank(const struct oed_csv *c)
{
	if (c->nfields)
		return false;
	for (size_t i = 0; i < c->raw.len; i++)
		if (c->raw.data[i] != '\r' && c->raw.data[i] != '\n')
			return false;
	return true;
}

/*
 * Read a + b again, before what is left of the pushed-back bytes and of the
 * file.  a and b may point into pend itself, so the new bytes are built
 * apart and swapped in.
 */
static int
push_back(struct oed_csv *c, const char *a, size_t alen, const char *b, size_t blen,
	  struct oed_err *err)
{
	size_t rest = c->plen - c->ppos, n = alen + blen + rest;
	char *p = malloc(n ? n : 1);

	if (p == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (alen)
		memcpy(p, a, alen);
	if (blen)
		memcpy(p + alen, b, blen);
	if (rest)
		memcpy(p + alen + blen, c->pend + c->ppos, rest);
	free(c->pend);
	c->pend = p;
	c->plen = c->pcap = n;
	c->ppos = 0;
	return 0;
}

/*
 * A row that cannot be split into fields: a stray quote, a row longer than
 * max_line, a quoted field still open at the end of the file.  The header
 * must split, so there it stops the read.  A data row goes through the
 * policy as one bad row at the line where it started; when it had spread
 * over several lines (an open quote swallows the lines after it), only its
 * first line is the bad row, and reading resumes on the line after it, so
 * no later row is lost to a quote that never closes.  A fault on the row's
 * first line drops the rest of that line.  tail: bytes of the current
 * segment not yet in raw (the too-long case); eol: the segment ended a line.
 */
static int
row_fault(struct oed_csv *c, const char *tail, size_t tlen, bool eol,
	  struct oed_err *err, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int
row_fault(struct oed_csv *c, const char *tail, size_t tlen, bool eol,
	  struct oed_err *err, const char *fmt, ...)
{
	const char *nl = c->raw.len ? memchr(c->raw.data, '\n', c->raw.len) : NULL;
	size_t first = nl ? (size_t)(nl - c->raw.data) + 1 : c->raw.len;
	bool spread = nl != NULL && first < c->raw.len + tlen;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_at(err, OED_EX_DATA, c->source, c->row_line ? c->row_line : c->line, 0, "%s", msg);
	if (c->header == NULL || c->policy == NULL)
		return -1;
	c->bad++;
	if (oed_policy_bad(c->policy, err, NULL, 0) == -1)
		return -1;
	if (spread) {
		if (oed_policy_more(c->policy, c->raw.data, first, err) == -1) {
			oed_report(err);
			return -1;
		}
		if (push_back(c, c->raw.data + first, c->raw.len - first, tail, tlen, err) == -1)
			return -1;
		c->line = c->row_line;
		c->at_bol = true;
		c->skipping = false;
	} else {
		if (oed_policy_more(c->policy, c->raw.data, c->raw.len, err) == -1 ||
		    (tlen && oed_policy_more(c->policy, tail, tlen, err) == -1)) {
			oed_report(err);
			return -1;
		}
		c->skipping = !eol;
	}
	csv_free(&c->parser);
	parser_init(c);
	row_reset(c);
	return 0;
}

/* At the end of the file: a last line without a newline still gets one in a copy. */
static int
end_copy(struct oed_csv *c, struct oed_err *err)
{
	if (c->skipping && !c->at_bol && oed_policy_more(c->policy, "\n", 1, err) == -1) {
		oed_report(err);
		return -1;
	}
	c->skipping = false;
	return 0;
}

int
oed_csv_each(struct oed_csv *c, oed_csv_row row, void *ctx, struct oed_err *err)
{
	const char *seg = NULL;
	size_t n = 0;
	bool eol = false;
	int rc;

	c->row_cb = row;
	c->row_ctx = ctx;
	c->err = err;
again:
	while ((rc = next_segment(c, &seg, &n, &eol, err)) == 1) {
		size_t from = 0;

		if (c->at_bol) {
			c->line++;
			c->at_bol = false;
			if (c->line == 1 && n >= 3 && memcmp(seg, "\xEF\xBB\xBF", 3) == 0)
				from = 3;
		}
		if (eol)
			c->at_bol = true;
		if (c->skipping) {
			if (oed_policy_more(c->policy, seg, n, err) == -1) {
				oed_report(err);
				return -1;
			}
			c->skipping = !eol;
			continue;
		}
		if (c->row_line == 0)
			c->row_line = c->line;
		if (c->raw.len + n > c->max_line) {
			if (row_fault(c, seg, n, eol, err,
				      "row longer than %zu bytes (see --max-line)", c->max_line) == -1)
				return -1;
			continue;
		}
		if (oed_buf_add(&c->raw, seg, n) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		if (csv_parse(&c->parser, seg + from, n - from, on_field, on_row, c) != n - from) {
			if (c->stop)
				return -1;
			if (row_fault(c, NULL, 0, eol, err, "malformed CSV: %s",
				      parse_error(&c->parser)) == -1)
				return -1;
			continue;
		}
		if (c->stop)
			return -1;
		if (eol && only_blank(c))
			row_reset(c);
	}
	if (rc == -1)
		return -1;
	if (end_copy(c, err) == -1)
		return -1;
	if (csv_fini(&c->parser, on_field, on_row, c) != 0) {
		if (c->stop)
			return -1;
		if (row_fault(c, NULL, 0, true, err, "malformed CSV: %s",
			      csv_error(&c->parser) == CSV_EPARSE ?
			      "a quoted field is not closed" : parse_error(&c->parser)) == -1)
			return -1;
		/* the lines after the open quote's are read again */
		if (c->ppos < c->plen)
			goto again;
		if (c->raw.len == 0 && !c->at_bol && oed_policy_more(c->policy, "\n", 1, err) == -1) {
			oed_report(err);
			return -1;
		}
	}
	return c->stop ? -1 : 0;
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

int
oed_csv_column_count(const struct oed_csv *c, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < c->ncols; i++)
		n += strcmp(c->header[i], name) == 0;
	return n;
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
	return c->buf.data + c->off[i];
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
	*len = c->raw.len;
	return c->raw.data;
}

uint64_t
oed_csv_bad_rows(const struct oed_csv *c)
{
	return c->bad;
}
