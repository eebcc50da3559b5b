/* source.c: the sources table: fetch a monitor's items (internal.h). */
#include "config.h"

#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit.h"
#include "jscan.h"

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

/*
 * The fetch's arena: blocks that the ids and lines of the jsonl reader's
 * items are copied into, so that the nine in ten a dedup drops cost no
 * malloc and free of their own; the ones kept are copied on into blocks
 * kept for the run (no malloc and free each either).
 */
struct oed_mon_block {
	struct oed_mon_block *next;
	size_t used, size;
	char data[];
};

enum { BLOCK_BYTES = 1 << 20 };

/* A NUL-terminated copy of s[0..len) in the blocks at *head. */
static char *
block_copy(struct oed_mon_block **head, const char *s, size_t len)
{
	struct oed_mon_block *b = *head;
	char *p;

	if (b == NULL || b->size - b->used < len + 1) {
		size_t size = len + 1 > BLOCK_BYTES ? len + 1 : BLOCK_BYTES;

		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->next = *head;
		b->used = 0;
		b->size = size;
		*head = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

static char *
arena_copy(struct oed_mon_items *it, const char *s, size_t len)
{
	return block_copy(&it->arena, s, len);
}

char *
oed_mon_keep_copy(struct oed_mon_items *it, const char *s, size_t len)
{
	return block_copy(&it->kept, s, len);
}

static void
blocks_free(struct oed_mon_block *b)
{
	while (b) {
		struct oed_mon_block *next = b->next;

		free(b);
		b = next;
	}
}

void
oed_mon_arena_reset(struct oed_mon_items *it)
{
	struct oed_mon_block *b = it->arena;

	if (b == NULL)
		return;
	/* the newest block stays, for the next batch */
	while (b->next) {
		struct oed_mon_block *old = b->next;

		b->next = old->next;
		free(old);
	}
	b->used = 0;
}

void
oed_mon_items_release(struct oed_mon_items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		if (!it->v[i].borrowed) {
			free(it->v[i].id);
			free(it->v[i].line);
		}
		json_decref(it->v[i].rec);
	}
	blocks_free(it->arena);
	blocks_free(it->kept);
	oed_mon_projection_free(it->projection);
	free(it->v);
	for (size_t i = 0; i < it->nfiles; i++)
		free(it->files[i].path);
	free(it->files);
	oed_map_release(&it->ids);
	oed_mon_keys_free(it->keys);
	memset(it, 0, sizeof(*it));
}

char *
oed_mon_record_id(const struct oed_monitor *m, json_t *rec)
{
	json_t *v = oed_path_get(&m->id, rec);
	char num[32];

	if (json_is_string(v))
		return json_string_length(v) ? strndup(json_string_value(v), json_string_length(v)) : NULL;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	}
	return NULL;
}

static struct oed_mon_item *
item_new(struct oed_mon_items *it)
{
	struct oed_mon_item *x;

	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 256;
		struct oed_mon_item *v = realloc(it->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		it->v = v;
		it->cap = cap;
	}
	x = &it->v[it->n++];
	memset(x, 0, sizeof(*x));
	x->seq = it->n - 1;
	return x;
}

static void
warn_line(const char *where, size_t file, long long at, const char *what)
{
	oed_warn("%s: %s %lld: %s", oed_quote(where), file == (size_t)-1 ? "line" : "byte", at, what);
}

/* One line of JSON: an item more, or a warning and an error counted. */
static int
add_line(const struct oed_monitor *m, struct oed_mon_items *it, const char *line, size_t len,
	 const char *where, long long at, size_t file, struct oed_err *err)
{
	json_error_t je;
	json_t *rec;
	struct oed_mon_item *x;
	char *id;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;
	rec = json_loadb(line, len, JSON_ALLOW_NUL, &je);
	if (rec == NULL || !json_is_object(rec)) {
		warn_line(where, file, at, rec ? "not a JSON object" : je.text);
		json_decref(rec);
		it->errors++;
		return 0;
	}
	if ((id = oed_mon_record_id(m, rec)) == NULL) {
		oed_warn("%s: %s %lld: no id at '%s' (a string or an integer)", oed_quote(where),
			 file == (size_t)-1 ? "line" : "byte", at, oed_quote(m->id_spec));
		json_decref(rec);
		it->errors++;
		return 0;
	}
	if ((x = item_new(it)) == NULL) {
		free(id);
		json_decref(rec);
		return nomem(err);
	}
	x->id = id;
	x->idlen = strlen(id);
	x->rec = rec;
	x->where = where;
	x->at = at;
	x->file = file;
	return 0;
}

int
oed_mon_item_parse(struct oed_mon_item *x)
{
	json_error_t je;
	json_t *rec;

	if (x->rec)
		return 1;
	rec = json_loadb(x->line, x->linelen, JSON_ALLOW_NUL, &je);
	/*
	 * The scanner took the line, so it is valid JSON: what jansson
	 * refuses is an integer past a long long.  NEEDSWORK: the record's
	 * integers all read as reals then, as jansson offers no finer way.
	 */
	if (rec == NULL && json_error_code(&je) == json_error_numeric_overflow)
		rec = json_loadb(x->line, x->linelen, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
	if (rec == NULL || !json_is_object(rec)) {
		warn_line(x->where, x->file, x->at, rec ? "not a JSON object" : je.text);
		json_decref(rec);
		return 0;
	}
	x->rec = rec;
	if (!x->borrowed)
		free(x->line);
	x->line = NULL;
	return 1;
}

/*
 * The fast parse of a kept line: the scanner pulls just the values the
 * monitor reads (its fields, the meta fields the scorers take, the
 * stratum) and rec is built of those alone, at the paths they came from,
 * instead of a tree of the whole record by jansson: a few values where
 * jansson allocates a node per value and a table per object.  Values the
 * scanner leaves to jansson (an array or object where a field points, an
 * integer past a long long), a line with a number out of range anywhere
 * (jansson refuses it, or reads its integers as reals), paths through
 * arrays and the drift section (which reads the whole record) take the
 * whole parse.
 */
struct oed_mon_projection {
	struct oed_path *paths;
	size_t n;
	struct oed_jscan *scan;
	struct oed_value *vals;
	bool off;		/* this monitor takes the whole parse */
};

static int
projection_init(const struct oed_monitor *m, struct oed_mon_projection *p)
{
	size_t cap = m->nfields + OED_MON_NMETA + 1;
	struct oed_err err;

	memset(p, 0, sizeof(*p));
	if (m->drift.baseline) {
		p->off = true;
		return 0;
	}
	if ((p->paths = calloc(cap, sizeof(*p->paths))) == NULL)
		return -1;
	for (size_t i = 0; i < m->nfields; i++)
		if (oed_path_parse(&p->paths[p->n++], m->fields[i].path.spec, &err) == -1)
			return -1;
	for (size_t i = 0; i < OED_MON_NMETA; i++)
		if (oed_path_parse(&p->paths[p->n++], oed_mon_meta[i], &err) == -1)
			return -1;
	if (m->stratum.spec && oed_path_parse(&p->paths[p->n++], m->stratum.spec, &err) == -1)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->paths[i].nseg; k++)
			if (p->paths[i].seg[k].index >= 0)
				p->off = true;	/* an array, or an object's key of digits: the scanner cannot say */
	if (p->off)
		return 0;
	p->scan = oed_jscan_new(p->paths, p->n);
	p->vals = calloc(p->n, sizeof(*p->vals));
	if (p->scan == NULL || p->vals == NULL)
		return -1;
	oed_jscan_check_numbers(p->scan);
	return 0;
}

void
oed_mon_projection_free(struct oed_mon_projection *p)
{
	if (p == NULL)
		return;
	oed_jscan_free(p->scan);
	for (size_t i = 0; i < p->n; i++)
		oed_path_release(&p->paths[i]);
	free(p->paths);
	free(p->vals);
	free(p);
}

/* Set v at path in rec, making the objects on the way; v is stolen. */
static int
set_at(json_t *rec, const struct oed_path *path, json_t *v)
{
	json_t *o = rec;

	if (v == NULL)
		return -1;
	for (size_t k = 0; k + 1 < path->nseg; k++) {
		json_t *next = json_object_getn(o, path->seg[k].key, path->seg[k].len);

		if (next == NULL) {
			next = json_object();
			if (next == NULL || json_object_setn_new_nocheck(o, path->seg[k].key, path->seg[k].len,
									 next) == -1) {
				json_decref(v);
				return -1;
			}
		}
		if (!json_is_object(next)) {
			json_decref(v);
			return -1;
		}
		o = next;
	}
	return json_object_setn_new_nocheck(o, path->seg[path->nseg - 1].key, path->seg[path->nseg - 1].len, v);
}

/* 1 parsed, 0 not an item, -1 out of memory. */
int
oed_mon_item_parse_fast(const struct oed_monitor *m, struct oed_mon_items *it, struct oed_mon_item *x)
{
	struct oed_mon_projection *p = it->projection;
	json_t *rec;

	if (x->rec)
		return 1;
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return -1;
		it->projection = p;
		if (projection_init(m, p) == -1)
			return -1;
	}
	if (p->off || x->line == NULL || oed_jscan_line(p->scan, x->line, x->linelen, p->vals) != 1 ||
	    oed_jscan_out_of_range(p->scan))
		return oed_mon_item_parse(x);
	if ((rec = json_object()) == NULL)
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		const struct oed_value *v = &p->vals[i];
		json_t *j;

		switch (v->type) {
		case OED_V_MISSING:
			continue;
		case OED_V_STRING:
			j = json_stringn_nocheck(v->str, v->len);	/* the scanner checked the UTF-8 */
			break;
		case OED_V_NUMBER:
			if (v->overflow || (!v->is_int && v->str &&
					    strspn(v->str + (v->str[0] == '-'), "0123456789") == v->len - (v->str[0] == '-'))) {
				json_decref(rec);
				return oed_mon_item_parse(x);	/* an integer past a long long: as jansson reads it */
			}
			j = v->is_int ? json_integer(v->i) : json_real(v->num);
			break;
		case OED_V_TRUE:
			j = json_true();
			break;
		case OED_V_FALSE:
			j = json_false();
			break;
		case OED_V_NULL:
			j = json_null();
			break;
		default:
			/* an array or object: its text is the whole parse's to make */
			json_decref(rec);
			return oed_mon_item_parse(x);
		}
		if (set_at(rec, &p->paths[i], j) == -1) {
			json_decref(rec);
			return oed_mon_item_parse(x);
		}
	}
	x->rec = rec;
	if (!x->borrowed)
		free(x->line);
	x->line = NULL;
	return 1;
}

enum {
	DEDUP_EVERY = 8192,		/* items read between two dedups */
	READ_CHUNK = 1 << 20,		/* bytes asked of read(2) at once, at least */
};

/*
 * One line, the fast way: the scanner validates it and pulls the id
 * without building a tree, and the line is kept as it is for a parse
 * once the item is known to be new and sampled.  What the scanner leaves
 * (errors, for their message; the rare valid lines it declines) goes
 * through add_line.  An id is a non-empty string or an integer, an
 * integer past a long long kept as its digits.
 */
static int
add_fast(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_jscan *scan,
	 const char *line, size_t len, const char *where, long long at, size_t file,
	 struct oed_err *err)
{
	struct oed_value v;
	struct oed_mon_item *x;
	char num[32], *id = NULL, *copy;
	const char *idp = NULL;
	size_t idlen = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;
	if (oed_jscan_line(scan, line, len, &v) != 1) {
		if (add_line(cx->m, it, line, len, where, at, file, err) == -1)
			return -1;
		goto check;
	}
	if (v.type == OED_V_STRING && v.len) {
		idp = v.str;
		idlen = v.len;
	} else if (v.type == OED_V_NUMBER && v.is_int) {
		idlen = (size_t)snprintf(num, sizeof(num), "%lld", v.i);
		idp = num;
	} else if (v.type == OED_V_NUMBER && v.str && !v.overflow &&
		   strspn(v.str + (v.str[0] == '-'), "0123456789") == v.len - (v.str[0] == '-')) {
		idp = v.str;	/* an integer past a long long */
		idlen = v.len;
	}
	if (idp == NULL) {
		oed_warn("%s: %s %lld: no id at '%s' (a string or an integer)", oed_quote(where),
			 file == (size_t)-1 ? "line" : "byte", at, oed_quote(cx->m->id_spec));
		it->errors++;
		return 0;
	}
	id = arena_copy(it, idp, idlen);
	copy = id ? arena_copy(it, line, len) : NULL;
	if (copy == NULL || (x = item_new(it)) == NULL)
		return nomem(err);
	x->borrowed = true;
	x->id = id;
	x->idlen = idlen;
	x->line = copy;
	x->linelen = len;
	x->where = where;
	x->at = at;
	x->file = file;
check:
	if (it->n - it->checked >= DEDUP_EVERY)
		return oed_mon_dedup(cx, it, err);
	return 0;
}

/*
 * Read fd from byte start to its end, line by line, in large reads.  In a
 * file (file != -1) a last line without its newline is still being
 * written: it is left for the next run and *end stops before it; a stream
 * takes it as a line.  Messages name a file's lines by byte offset and a
 * stream's by number.
 */
static int
read_lines(struct oed_mon_ctx *cx, struct oed_mon_items *it, int fd, const char *where,
	   size_t file, long long start, long long *end, struct oed_err *err)
{
	struct oed_jscan *scan = oed_jscan_new(&cx->m->id, 1);
	size_t cap = READ_CHUNK, len = 0, pos, seen;
	char *buf = malloc(cap);
	long long off = start, lineno = 0;
	bool stream = file == (size_t)-1;
	int rc = 0;

	if (scan == NULL || buf == NULL) {
		oed_jscan_free(scan);
		free(buf);
		return nomem(err);
	}
	seen = 0;	/* buf[0..seen) holds no newline */
	for (;;) {
		ssize_t got;
		const char *nl;

		pos = 0;
		while ((nl = memchr(buf + seen, '\n', len - seen)) != NULL) {
			size_t n = (size_t)(nl - (buf + pos)) + 1;

			lineno++;
			if (add_fast(cx, it, scan, buf + pos, n, where, stream ? lineno : off, file,
				     err) == -1) {
				rc = -1;
				goto out;
			}
			off += (long long)n;
			pos += n;
			seen = pos;
		}
		memmove(buf, buf + pos, len - pos);
		len -= pos;
		seen = len;
		if (cap - len < READ_CHUNK / 2) {
			char *b = realloc(buf, cap * 2);

			if (b == NULL) {
				rc = nomem(err);
				goto out;
			}
			buf = b;
			cap *= 2;
		}
		got = read(fd, buf + len, cap - len);
		if (got == -1) {
			rc = oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", oed_quote(where),
					 strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	/* the end: a last line without a newline */
	if (len && stream) {
		lineno++;
		rc = add_fast(cx, it, scan, buf, len, where, lineno, file, err);
	}
out:
	*end = off;
	oed_jscan_free(scan);
	free(buf);
	return rc;
}

static int
fetch_jsonl(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;

	it->files = calloc(m->source.npaths ? m->source.npaths : 1, sizeof(*it->files));
	if (it->files == NULL)
		return nomem(err);
	for (size_t i = 0; i < m->source.npaths; i++) {
		const char *p = m->source.paths[i];
		struct oed_mon_file *f = &it->files[it->nfiles++];
		struct stat st;
		long long end;
		int fd, rc;

		if ((f->path = strdup(p)) == NULL)
			return nomem(err);
		if (strcmp(p, "-") == 0) {
			f->stdin_ = true;
			if (read_lines(cx, it, STDIN_FILENO, "<stdin>", (size_t)-1, 0, &end, err) == -1)
				return -1;
			continue;
		}
		if ((fd = open(p, O_RDONLY)) == -1)
			return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", oed_quote(p),
					   strerror(errno));
		if (fstat(fd, &st) == -1) {
			close(fd);
			return oed_err_set(err, OED_EX_FAIL, "cannot stat '%s': %s", oed_quote(p),
					   strerror(errno));
		}
		f->inode = (long long)st.st_ino;
		f->start = 0;
		if (cx->store && oed_mon_offset_get(cx, p, &f->start, &f->old_inode, err) == -1) {
			close(fd);
			return -1;
		}
		/* a new file in that place, or one cut shorter: read it all */
		if (f->old_inode != f->inode || f->start > (long long)st.st_size)
			f->start = 0;
		if (f->start && lseek(fd, (off_t)f->start, SEEK_SET) == -1) {
			close(fd);
			return oed_err_set(err, OED_EX_FAIL, "cannot seek '%s': %s", oed_quote(p),
					   strerror(errno));
		}
		/* f->path, not p: items point at the name, which must outlive them */
		rc = read_lines(cx, it, fd, f->path, i, f->start, &f->end, err);
		close(fd);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
fetch_command(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;
	FILE *fp;
	long long end;
	int status, rc;

	fflush(NULL);
	if ((fp = popen(m->source.command, "r")) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot run the source command: %s", strerror(errno));
	rc = read_lines(cx, it, fileno(fp), "command", (size_t)-1, 0, &end, err);
	status = pclose(fp);
	if (rc == -1)
		return -1;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return oed_err_set(err, OED_EX_FAIL, "the source command failed (%s %d)",
				   status != -1 && WIFEXITED(status) ? "exit status" : "signal",
				   status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status)
				   : WTERMSIG(status));
	return 0;
}

static const struct oed_mon_source_kind sources[] = {
	{ "jsonl", OED_MON_SRC_JSONL, fetch_jsonl },
	{ "command", OED_MON_SRC_COMMAND, fetch_command },
	{ "langfuse", OED_MON_SRC_LANGFUSE, oed_mon_fetch_langfuse },
	{ "http", OED_MON_SRC_HTTP, oed_mon_fetch_http },
	{ "slack", OED_MON_SRC_SLACK, oed_mon_fetch_slack },
};

const char *
oed_mon_source_name(enum oed_mon_source_type t)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (sources[i].type == t)
			return sources[i].name;
	return "?";
}

bool
oed_mon_source_has_window(const struct oed_mon_source *s)
{
	/* an http window needs its end too, or a backfill would read up to now */
	return s->type == OED_MON_SRC_LANGFUSE || s->type == OED_MON_SRC_SLACK ||
	       (s->type == OED_MON_SRC_HTTP && s->since_param != NULL && s->until_param != NULL);
}

int
oed_mon_source_check_env(const struct oed_monitor *m, struct oed_err *err)
{
	const struct oed_mon_source *s = &m->source;
	const char *names[4] = { s->host_env, s->public_key_env, s->secret_key_env, NULL };
	size_t n = 3;

	if (s->type == OED_MON_SRC_HTTP) {
		n = 0;
		names[n++] = s->url_env;
	} else if (s->type == OED_MON_SRC_SLACK) {
		n = 0;
		names[n++] = s->token_env;
	}
	for (size_t k = 0; k < n + s->nheaders; k++) {
		const char *v = k < n ? names[k] : s->headers[k - n].env;

		if (v && (getenv(v) == NULL || *getenv(v) == '\0'))
			return oed_err_set(err, OED_EX_USAGE,
					   "%s: environment variable '%s' is not set (source)",
					   m->file, oed_quote(v));
	}
	return 0;
}

int
oed_mon_fetch(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (sources[i].type == cx->m->source.type)
			return sources[i].fetch(cx, it, err);
	return oed_err_set(err, OED_EX_FAIL, "no such source type");
}
