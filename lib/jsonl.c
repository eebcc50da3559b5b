#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strtod_l: numbers are read in the C locale, as jansson reads them */
#endif
#include "config.h"
#include "jsonl.h"
#include "exit.h"
#include "jscan.h"
#include "buf.h"
#include "zstream.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define CHUNK (256u * 1024u)

struct oed_reader {
	char *const *files;
	int nfiles, next_file;
	struct oed_zstream *zs;	/* the file at hand, decompressed as read (zstream.h) */
	uint64_t consumed;	/* bytes of the files already closed */
	uint64_t size;		/* of all the files, for progress; 0: not known */
	char source[256];
	bool at_file_start;

	char *chunk;		/* read buffer */
	size_t cpos, clen;
	bool eof;
	bool first_fill;	/* the next fill is the file's first */

	struct oed_buf line;	/* assembled line when it spans reads */
	const char *cur;	/* the current line, without BOM and CR/LF */
	size_t curlen;
	const char *raw;	/* the same with its BOM and CR, for a verbatim reject copy */
	size_t rawlen;
	bool raw_nl;		/* and a newline after it: not the last line of a file without one */
	long lineno;

	size_t max_line;
	struct oed_policy *policy;

	struct oed_path *paths;
	struct oed_value *vals;
	json_t **trees;		/* per-path tree when asked for */
	size_t npaths;
	struct oed_jscan *scan;
	bool fast;
	json_t *root;		/* jansson parse of the current line, lazily */
	struct oed_buf fix;	/* the line with numbers jansson cannot take rewritten */
	size_t *grew;		/* where fix grew by ".0", for error columns */
	size_t ngrew, grewcap;
	unsigned long lost;	/* numbers beyond a double, null in the tree */
	int lost_col;		/* the first of them */
	locale_t cloc;

	uint64_t records;
	bool digest_on;
	XXH3_state_t *digest;
};

const char *
oed_vtype_name(enum oed_vtype type)
{
	static const char *const names[] = {
		"missing", "null", "boolean", "boolean", "number", "string", "array", "object"
	};
	return names[type];
}

struct oed_reader *
oed_reader_new(int nfiles, char *const *files, size_t max_line,
	       struct oed_policy *policy, struct oed_err *err)
{
	static char *const dash[] = { "-" };
	struct oed_reader *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->chunk = malloc(CHUNK)) == NULL) {
		free(r);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	r->files = nfiles > 0 ? files : dash;
	r->nfiles = nfiles > 0 ? nfiles : 1;
	r->max_line = max_line ? max_line : OED_DEFAULT_MAX_LINE;
	r->policy = policy;
	r->fast = true;
	r->eof = true;		/* no file open yet */
	for (int i = 0; i < r->nfiles; i++) {
		uint64_t size;

		if (!oed_zstream_size_of(r->files[i], &size)) {
			r->size = 0;	/* a pipe or a terminal: no percentage */
			break;
		}
		r->size += size;
	}
	return r;
}

void
oed_reader_free(struct oed_reader *r)
{
	if (r == NULL)
		return;
	oed_zstream_close(r->zs);
	for (size_t i = 0; i < r->npaths; i++)
		oed_path_release(&r->paths[i]);
	json_decref(r->root);
	oed_jscan_free(r->scan);
	if (r->cloc != (locale_t)0)
		freelocale(r->cloc);
	oed_buf_release(&r->fix);
	free(r->grew);
	if (r->digest)
		XXH3_freeState(r->digest);
	free(r->paths);
	free(r->vals);
	free(r->trees);
	oed_buf_release(&r->line);
	free(r->chunk);
	free(r);
}

int
oed_reader_want(struct oed_reader *r, const char *spec, struct oed_err *err)
{
	struct oed_path *p;
	struct oed_value *v;
	json_t **t;

	for (size_t i = 0; i < r->npaths; i++)
		if (strcmp(r->paths[i].spec, spec) == 0)
			return (int)i;
	p = realloc(r->paths, (r->npaths + 1) * sizeof(*p));
	if (p)
		r->paths = p;
	v = realloc(r->vals, (r->npaths + 1) * sizeof(*v));
	if (v)
		r->vals = v;
	t = realloc(r->trees, (r->npaths + 1) * sizeof(*t));
	if (t)
		r->trees = t;
	if (p == NULL || v == NULL || t == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (oed_path_parse(&r->paths[r->npaths], spec, err) == -1)
		return -1;
	memset(&r->vals[r->npaths], 0, sizeof(*v));
	r->trees[r->npaths] = NULL;
	/* the scanner holds pointers into paths: rebuild it on each change */
	oed_jscan_free(r->scan);
	r->scan = NULL;
	return (int)r->npaths++;
}

void
oed_reader_set_fast(struct oed_reader *r, bool on)
{
	r->fast = on;
}

void
oed_reader_digest(struct oed_reader *r, bool on)
{
	r->digest_on = on;
	if (on && r->digest == NULL) {
		r->digest = XXH3_createState();
		if (r->digest)
			XXH3_64bits_reset(r->digest);
	}
}

static int
open_next(struct oed_reader *r, struct oed_err *err)
{
	const char *name;

	if (r->zs) {
		r->consumed += oed_zstream_consumed(r->zs);
		oed_zstream_close(r->zs);
		r->zs = NULL;
	}
	if (r->next_file >= r->nfiles)
		return 0;
	name = r->files[r->next_file++];
	if ((r->zs = oed_zstream_open(name, err)) == NULL)
		return -1;
	snprintf(r->source, sizeof(r->source), "%s", oed_zstream_source(r->zs));
	r->lineno = 0;
	r->at_file_start = true;
	r->first_fill = true;
	r->eof = false;
	r->cpos = r->clen = 0;
	return 1;
}

/*
 * A file's first bytes: a JSON array is refused with what to do instead
 * (compressed data not named so was refused by the stream).  0 or -1.
 */
static int
check_start(struct oed_reader *r, struct oed_err *err)
{
	const unsigned char *p = (const unsigned char *)r->chunk, *end = p + r->clen;

	if (r->clen >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p < end && *p == '[')
		return oed_err_at(err, OED_EX_DATA, r->source, 0, 0,
				  "a JSON array, not JSON Lines: use oed-ingest --format json-array"
				  " or jq -c '.[]'");
	return 0;
}

/*
 * The next block of the file.  The stream reads with read(2), not fread:
 * on a pipe it returns what has come, so a tool that answers per record or
 * per window (oed-drift --window) answers while its producer is still
 * writing.
 */
static int
fill(struct oed_reader *r, struct oed_err *err)
{
	ssize_t got = oed_zstream_read(r->zs, r->chunk, CHUNK, err);
	size_t n;

	if (got == -1)
		return -1;
	n = (size_t)got;
	if (n == 0)
		r->eof = true;
	r->clen = n;
	if (r->first_fill && n > 0) {
		r->first_fill = false;
		if (check_start(r, err) == -1)
			return -1;
	}
	if (r->digest_on && r->digest && n)
		XXH3_64bits_update(r->digest, r->chunk, n);
	r->cpos = 0;
	return 0;
}

static int
append(struct oed_reader *r, size_t *len, const char *src, size_t n, struct oed_err *err)
{
	r->line.len = *len;	/* 0 for the first piece of a line */
	if (oed_buf_add(&r->line, src, n) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	*len = r->line.len;
	return 0;
}

/*
 * Read the next physical line into r->cur/r->curlen.  1 line, 0 end of all
 * input, -1 error.  A line longer than max_line is reported as bad and
 * streamed past (to the reject file under reject=FILE).
 */
static int
read_line(struct oed_reader *r, struct oed_err *err)
{
	for (;;) {
		size_t len = 0;
		bool spanned = false, too_long = false, got = false, ended = false;

		if (r->zs == NULL || (r->eof && r->cpos >= r->clen)) {
			int rc = open_next(r, err);

			if (rc <= 0)
				return rc;
		}
		for (;;) {
			const char *start, *nl;
			size_t avail, take;

			if (r->cpos >= r->clen) {
				if (r->eof || fill(r, err) == -1 || r->clen == 0) {
					if (!r->eof)
						return -1;
					break;
				}
			}
			start = r->chunk + r->cpos;
			avail = r->clen - r->cpos;
			nl = memchr(start, '\n', avail);
			take = nl ? (size_t)(nl - start) : avail;
			got = true;
			if (too_long) {
				if (oed_policy_more(r->policy, start, nl ? take + 1 : take, err) == -1) {
					oed_report(err);
					return -1;
				}
			} else if (len + take > r->max_line) {
				struct oed_err bad;

				too_long = true;
				oed_err_at(&bad, OED_EX_DATA, r->source, r->lineno + 1, 0,
					   "line longer than %zu bytes (see --max-line)", r->max_line);
				if (oed_policy_bad(r->policy, &bad, NULL, 0) == -1) {
					*err = bad;
					return -1;
				}
				/* what is held first, so the reject copy is whole */
				if ((spanned && oed_policy_more(r->policy, r->line.data, len, err) == -1) ||
				    oed_policy_more(r->policy, start, nl ? take + 1 : take, err) == -1) {
					oed_report(err);
					return -1;
				}
			} else if (nl && !spanned) {
				r->cur = start;	/* the common case: no copy */
				len = take;
			} else {
				if (append(r, &len, start, take, err) == -1)
					return -1;
				spanned = true;
			}
			r->cpos += nl ? take + 1 : take;
			if (nl) {
				ended = true;
				break;
			}
		}
		if (!got)
			continue;	/* this file is done; on to the next */
		r->lineno++;
		if (too_long) {
			r->at_file_start = false;	/* a BOM is only at the very start */
			continue;
		}
		r->raw_nl = ended;
		if (spanned)
			r->cur = r->line.data;
		r->curlen = len;
		r->raw = r->cur;
		r->rawlen = len;
		if (r->at_file_start) {
			r->at_file_start = false;
			/* parsing skips the BOM; the reject copy keeps it */
			if (len >= 3 && memcmp(r->cur, "\xEF\xBB\xBF", 3) == 0) {
				r->cur += 3;
				r->curlen -= 3;
			}
		}
		if (r->curlen && r->cur[r->curlen - 1] == '\r')
			r->curlen--;
		return 1;
	}
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static void
value_from_json(struct oed_value *v, json_t *j)
{
	memset(v, 0, sizeof(*v));
	switch (j ? json_typeof(j) : JSON_NULL) {
	case JSON_OBJECT:
		v->type = OED_V_OBJECT;
		break;
	case JSON_ARRAY:
		v->type = OED_V_ARRAY;
		break;
	case JSON_STRING:
		v->type = OED_V_STRING;
		v->str = json_string_value(j);
		v->len = json_string_length(j);
		break;
	case JSON_INTEGER:
		v->type = OED_V_NUMBER;
		v->is_int = true;
		v->i = json_integer_value(j);
		v->num = (double)v->i;
		break;
	case JSON_REAL:
		v->type = OED_V_NUMBER;
		v->num = json_real_value(j);
		break;
	case JSON_TRUE:
		v->type = OED_V_TRUE;
		v->num = 1;
		break;
	case JSON_FALSE:
		v->type = OED_V_FALSE;
		break;
	case JSON_NULL:
		v->type = j ? OED_V_NULL : OED_V_MISSING;
		break;
	}
}

static int
fix_put(struct oed_reader *r, const char *bytes, size_t len)
{
	return oed_buf_add(&r->fix, bytes, len);
}

/* The length of the number token at p, RFC 8259 grammar, or 0. */
static size_t
number_token(const char *p, const char *end, bool *real)
{
	const char *q = p;

	*real = false;
	if (q < end && *q == '-')
		q++;
	if (q >= end || (unsigned)(*q - '0') >= 10)
		return 0;
	if (*q++ != '0')
		while (q < end && (unsigned)(*q - '0') < 10)
			q++;
	if (q < end && *q == '.') {
		*real = true;
		if (++q >= end || (unsigned)(*q - '0') >= 10)
			return 0;
		while (q < end && (unsigned)(*q - '0') < 10)
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		*real = true;
		if (++q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || (unsigned)(*q - '0') >= 10)
			return 0;
		while (q < end && (unsigned)(*q - '0') < 10)
			q++;
	}
	return (size_t)(q - p);
}

/*
 * jansson refuses numbers that RFC 8259 allows: integers past a long long
 * ("too big integer") and numbers beyond a double ("real number
 * overflow"), and has no flag for either.  Copy the line to r->fix with
 * such numbers rewritten for it: an integer that a double holds gets ".0"
 * (jansson reads the same digits as a real, with the value the scanner
 * gives), a number beyond a double becomes null padded with spaces to its
 * length (at least 5 bytes) and is counted in r->lost.  Strings are copied
 * as they are.  -1 on out of memory.
 */
static int
fix_numbers(struct oed_reader *r)
{
	const char *p = r->cur, *end = r->cur + r->curlen;

	r->ngrew = 0;
	r->lost = 0;
	r->lost_col = 0;
	oed_buf_reset(&r->fix);
	if (oed_buf_grow(&r->fix, r->curlen) == -1)
		return -1;
	if (r->cloc == (locale_t)0 &&
	    (r->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) == (locale_t)0)
		return -1;
	while (p < end) {
		const char *q = p;
		size_t len;
		bool real;

		if (*q == '"') {
			/* to the closing quote, over escapes */
			for (q++; q < end && *q != '"'; q++)
				if (*q == '\\' && q + 1 < end)
					q++;
			q += q < end;
		} else if ((*q == '-' || (unsigned)(*q - '0') < 10) &&
			   (len = number_token(q, end, &real)) > 0) {
			char local[64], *buf = len < sizeof(local) ? local : malloc(len + 1);
			bool big, over;
			double d;

			if (buf == NULL)
				return -1;
			memcpy(buf, q, len);
			buf[len] = '\0';
			errno = 0;
			big = real || (strtoll(buf, NULL, 10), errno == ERANGE);
			errno = 0;
			d = big ? strtod_l(buf, NULL, r->cloc) : 0;
			over = big && errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
			if (buf != local)
				free(buf);
			q += len;
			if (over) {
				if (r->lost++ == 0)
					r->lost_col = (int)(p - r->cur) + 1;
				if (fix_put(r, "null", 4) == -1)
					return -1;
				for (size_t i = 4; i < len; i++)
					if (fix_put(r, " ", 1) == -1)
						return -1;
				p = q;
				continue;
			}
			if (big && !real) {
				if (fix_put(r, p, len) == -1)
					return -1;
				if (r->ngrew == r->grewcap) {
					size_t cap = r->grewcap ? 2 * r->grewcap : 16;
					size_t *g = realloc(r->grew, cap * sizeof(*g));

					if (g == NULL)
						return -1;
					r->grew = g;
					r->grewcap = cap;
				}
				r->grew[r->ngrew++] = r->fix.len;
				if (fix_put(r, ".0", 2) == -1)
					return -1;
				p = q;
				continue;
			}
		} else {
			q++;
		}
		if (fix_put(r, p, (size_t)(q - p)) == -1)
			return -1;
		p = q;
	}
	return 0;
}

/*
 * Parse the current line with jansson; 0 ok, -1 bad record (bad filled).
 * \u0000 is valid JSON: JSON_ALLOW_NUL keeps it, with the string's length.
 */
static int
parse_tree(struct oed_reader *r, struct oed_err *bad)
{
	json_error_t jerr;
	int col;

	json_decref(r->root);
	r->lost = 0;
	r->ngrew = 0;
	r->root = json_loadb(r->cur, r->curlen, JSON_ALLOW_NUL, &jerr);
	if (r->root == NULL && json_error_code(&jerr) == json_error_numeric_overflow) {
		if (fix_numbers(r) == -1)
			return oed_err_set(bad, OED_EX_FAIL, "out of memory");
		r->root = json_loadb(r->fix.data, r->fix.len, JSON_ALLOW_NUL, &jerr);
	}
	if (r->root == NULL) {
		/* the column in the line as written, not in its rewritten copy */
		col = jerr.column > 0 ? jerr.column : 0;
		for (size_t i = 0; i < r->ngrew && col > 0; i++)
			if (r->grew[i] < (size_t)jerr.position)
				col -= 2;
		if (json_error_code(&jerr) == json_error_numeric_overflow)
			return oed_err_at(bad, OED_EX_DATA, r->source, r->lineno, col,
					  "number out of range");
		return oed_err_at(bad, OED_EX_DATA, r->source, r->lineno, col,
				  "invalid JSON: %s", jerr.text);
	}
	if (!json_is_object(r->root)) {
		json_decref(r->root);
		r->root = NULL;
		return oed_err_at(bad, OED_EX_DATA, r->source, r->lineno, 0,
				  "record is not a JSON object");
	}
	return 0;
}

/*
 * A requested field holding a number beyond a double cannot be read: the
 * record is bad, by the field's name.  Returns 0 when no field does, else
 * what oed_policy_bad returns.
 */
static int
check_range(struct oed_reader *r, struct oed_err *bad, bool *refused)
{
	*refused = false;
	for (size_t i = 0; i < r->npaths; i++) {
		if (!r->vals[i].overflow)
			continue;
		*refused = true;
		oed_err_at(bad, OED_EX_DATA, r->source, r->lineno, 0,
			   "field '%s': number out of range", oed_quote(r->paths[i].spec));
		return oed_policy_bad_line(r->policy, bad, r->raw, r->rawlen, r->raw_nl);
	}
	return 0;
}

int
oed_reader_next(struct oed_reader *r, struct oed_err *err)
{
	if (r->scan == NULL && r->fast && r->npaths)
		r->scan = oed_jscan_new(r->paths, r->npaths);
	/* a digest asked for but not had would be recorded as 0000... */
	if (r->digest_on && r->digest == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (;;) {
		struct oed_err bad;
		bool refused;
		int rc;

		json_decref(r->root);
		r->root = NULL;
		for (size_t i = 0; i < r->npaths; i++)
			r->trees[i] = NULL;
		rc = read_line(r, err);
		if (rc <= 0)
			return rc;
		if (blank(r->cur, r->curlen))
			continue;
		if (r->fast && r->scan &&
		    oed_jscan_line(r->scan, r->cur, r->curlen, r->vals) == 1) {
			if (check_range(r, &bad, &refused) == -1) {
				*err = bad;
				return -1;
			}
			if (refused)
				continue;
			r->records++;
			return 1;
		}
		if (parse_tree(r, &bad) == -1) {
			if (bad.status == OED_EX_FAIL) {
				*err = bad;
				return -1;
			}
			if (oed_policy_bad_line(r->policy, &bad, r->raw, r->rawlen, r->raw_nl) == -1) {
				*err = bad;
				return -1;
			}
			continue;
		}
		if (r->lost && r->npaths) {
			/*
			 * The tree has null for a number beyond a double: only the
			 * scanner can say whether a requested field held it (with
			 * the fast path off too).  It declines only lines nested
			 * deeper than it goes; then no field can be trusted.
			 */
			if (r->scan == NULL)
				r->scan = oed_jscan_new(r->paths, r->npaths);
			if (r->scan && oed_jscan_line(r->scan, r->cur, r->curlen, r->vals) == 1) {
				if (check_range(r, &bad, &refused) == -1) {
					*err = bad;
					return -1;
				}
				if (refused)
					continue;
			} else {
				oed_err_at(&bad, OED_EX_DATA, r->source, r->lineno, r->lost_col,
					   "number out of range");
				if (oed_policy_bad_line(r->policy, &bad, r->raw, r->rawlen, r->raw_nl) == -1) {
					*err = bad;
					return -1;
				}
				continue;
			}
		}
		for (size_t i = 0; i < r->npaths; i++) {
			r->trees[i] = oed_path_get(&r->paths[i], r->root);
			value_from_json(&r->vals[i], r->trees[i]);
		}
		r->records++;
		return 1;
	}
}

const struct oed_value *
oed_reader_value(struct oed_reader *r, int index)
{
	return &r->vals[index];
}

json_t *
oed_reader_root(struct oed_reader *r)
{
	struct oed_err ignored;

	if (r->root == NULL && r->cur && parse_tree(r, &ignored) == 0) {
		for (size_t i = 0; i < r->npaths; i++)
			r->trees[i] = oed_path_get(&r->paths[i], r->root);
	}
	return r->root;
}

json_t *
oed_reader_json(struct oed_reader *r, int index)
{
	if (r->root == NULL)
		oed_reader_root(r);
	return r->trees[index];
}

int
oed_reader_bad(struct oed_reader *r, struct oed_err *err, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(err->msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_at(err, OED_EX_DATA, r->source, r->lineno, 0, "%s", msg);
	r->records--;
	return oed_policy_bad_line(r->policy, err, r->raw, r->rawlen, r->raw_nl);
}

const char *
oed_reader_source(const struct oed_reader *r)
{
	return r->source;
}

long
oed_reader_lineno(const struct oed_reader *r)
{
	return r->lineno;
}

const char *
oed_reader_line(const struct oed_reader *r, size_t *len)
{
	*len = r->curlen;
	return r->cur;
}

uint64_t
oed_reader_records(const struct oed_reader *r)
{
	return r->records;
}

void
oed_reader_bytes(const struct oed_reader *r, uint64_t *done, uint64_t *total)
{
	*done = r->consumed + (r->zs ? oed_zstream_consumed(r->zs) : 0);
	*total = r->size;
}

bool
oed_reader_buffered(const struct oed_reader *r)
{
	return r->cpos < r->clen;
}

void
oed_reader_digest_hex(const struct oed_reader *r, char out[17])
{
	uint64_t h = r->digest ? XXH3_64bits_digest(r->digest) : 0;

	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
