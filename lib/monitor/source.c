/* source.c: the sources table: fetch a monitor's items (internal.h). */
#include "config.h"

#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "exit.h"

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

void
oed_mon_items_release(struct oed_mon_items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].id);
		json_decref(it->v[i].rec);
	}
	free(it->v);
	for (size_t i = 0; i < it->nfiles; i++)
		free(it->files[i].path);
	free(it->files);
	memset(it, 0, sizeof(*it));
}

/* The id of a record as text: a string as is, an integer in decimal. */
static char *
item_id(const struct oed_monitor *m, json_t *rec)
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
		oed_warn("%s: %s %lld: %s", oed_quote(where), file == (size_t)-1 ? "line" : "byte", at,
			 rec ? "not a JSON object" : je.text);
		json_decref(rec);
		it->errors++;
		return 0;
	}
	if ((id = item_id(m, rec)) == NULL) {
		oed_warn("%s: %s %lld: no id at '%s' (a string or an integer)", oed_quote(where),
			 file == (size_t)-1 ? "line" : "byte", at, oed_quote(m->id_spec));
		json_decref(rec);
		it->errors++;
		return 0;
	}
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 256;
		struct oed_mon_item *v = realloc(it->v, cap * sizeof(*v));

		if (v == NULL) {
			free(id);
			json_decref(rec);
			return nomem(err);
		}
		it->v = v;
		it->cap = cap;
	}
	x = &it->v[it->n++];
	memset(x, 0, sizeof(*x));
	x->id = id;
	x->idlen = strlen(id);
	x->rec = rec;
	x->file = file;
	x->seq = it->n - 1;
	return 0;
}

static int
read_lines(const struct oed_monitor *m, struct oed_mon_items *it, FILE *fp, const char *where,
	   size_t file, long long start, long long *end, struct oed_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long long off = start, lineno = 0;
	int rc = 0;

	while ((len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (file != (size_t)-1 && line[len - 1] != '\n')
			break;	/* a line still being written: read next time */
		if (add_line(m, it, line, (size_t)len, where, file == (size_t)-1 ? lineno : off, file,
			     err) == -1) {
			rc = -1;
			break;
		}
		off += len;
	}
	if (rc == 0 && ferror(fp))
		rc = oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", oed_quote(where), strerror(errno));
	free(line);
	*end = off;
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
		FILE *fp;
		long long end;

		if ((f->path = strdup(p)) == NULL)
			return nomem(err);
		if (strcmp(p, "-") == 0) {
			f->stdin_ = true;
			if (read_lines(m, it, stdin, "<stdin>", (size_t)-1, 0, &end, err) == -1)
				return -1;
			continue;
		}
		if ((fp = fopen(p, "r")) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", oed_quote(p),
					   strerror(errno));
		if (fstat(fileno(fp), &st) == -1) {
			fclose(fp);
			return oed_err_set(err, OED_EX_FAIL, "cannot stat '%s': %s", oed_quote(p),
					   strerror(errno));
		}
		f->inode = (long long)st.st_ino;
		f->start = 0;
		if (cx->store && oed_mon_offset_get(cx, p, &f->start, &f->old_inode, err) == -1) {
			fclose(fp);
			return -1;
		}
		/* a new file in that place, or one cut shorter: read it all */
		if (f->old_inode != f->inode || f->start > (long long)st.st_size)
			f->start = 0;
		if (f->start && fseeko(fp, (off_t)f->start, SEEK_SET) == -1) {
			fclose(fp);
			return oed_err_set(err, OED_EX_FAIL, "cannot seek '%s': %s", oed_quote(p),
					   strerror(errno));
		}
		if (read_lines(m, it, fp, p, i, f->start, &f->end, err) == -1) {
			fclose(fp);
			return -1;
		}
		fclose(fp);
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
	rc = read_lines(m, it, fp, "command", (size_t)-1, 0, &end, err);
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
