/* source.c: the sources table: fetch a monitor's items (internal.h). */
#include "config.h"

#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base64.h"
#include "exit.h"
#include "net/net.h"

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

/* Append s to b percent-encoded for a query string. */
static void
query_add(struct oed_buf *b, const char *key, const char *s)
{
	oed_buf_printf(b, "&%s=", key);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			oed_buf_addc(b, (char)ch);
		else
			oed_buf_printf(b, "%%%02X", ch);
	}
}

/*
 * Langfuse: GET /api/public/traces, page by page, oldest first, always
 * bounded: from the watermark less the overlap (never before now less the
 * lookback) to now.  The watermark moves to "now" once the run is done.
 */
static int
fetch_langfuse(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	const struct oed_mon_source *s = &cx->m->source;
	const char *host = getenv(s->host_env), *pk = getenv(s->public_key_env),
		   *sk = getenv(s->secret_key_env);
	char from_s[OED_RFC3339_SIZE], to_s[OED_RFC3339_SIZE], *auth64, *userpass = NULL;
	struct oed_buf url = OED_BUF_INIT, hdr = OED_BUF_INIT;
	struct oed_net_opts o;
	struct oed_net *net;
	double now = oed_time_now(), from, wm;
	long page = 1, pages = 1;
	int rc = -1;

	if (cx->store && oed_mon_watermark_get(cx, &wm, err) == -1)
		return -1;
	else if (cx->store == NULL)
		wm = 0;
	from = now - (double)s->lookback_ms / 1000.0;
	if (wm > 0 && wm - (double)s->overlap_ms / 1000.0 > from)
		from = wm - (double)s->overlap_ms / 1000.0;
	oed_time_to_rfc3339(from, from_s);
	oed_time_to_rfc3339(now, to_s);
	if (asprintf(&userpass, "%s:%s", pk, sk) == -1)
		return nomem(err);
	auth64 = oed_base64_encode((const unsigned char *)userpass, strlen(userpass));
	oed_net_opts_init(&o);
	o.concurrency = 1;
	o.max_retries = 4;
	o.timeout_s = 60;
	if (auth64 == NULL || (net = oed_net_new(&o, err)) == NULL) {
		if (auth64 == NULL)
			nomem(err);
		free(userpass);
		free(auth64);
		return -1;
	}
	oed_net_secret(net, pk);
	oed_net_secret(net, sk);
	oed_net_secret(net, auth64);
	oed_buf_printf(&hdr, "Authorization: Basic %s", auth64);
	while (page <= pages) {
		const char *headers[3] = { hdr.data, "Accept: application/json", NULL };
		struct oed_mon_http p;
		json_t *doc, *data, *meta;
		size_t i, got;

		oed_buf_reset(&url);
		oed_buf_printf(&url, "%s/api/public/traces?page=%ld&limit=%ld&orderBy=timestamp.asc",
			       host, page, s->page_size);
		query_add(&url, "fromTimestamp", from_s);
		query_add(&url, "toTimestamp", to_s);
		if (s->name)
			query_add(&url, "name", s->name);
		if (s->user_id)
			query_add(&url, "userId", s->user_id);
		for (i = 0; i < s->ntags; i++)
			query_add(&url, "tags", s->tags[i]);
		if (oed_mon_http(net, "GET", url.data, headers, NULL, &p, err) == -1)
			goto out;
		if (p.status != 200) {
			char why[600];

			snprintf(why, sizeof(why), "%s", p.error[0] ? p.error : "");
			oed_net_redact(net, why, strlen(why));
			if (why[0])
				oed_err_set(err, OED_EX_FAIL, "langfuse: GET /api/public/traces page %ld: %s",
					    page, why);
			else
				oed_err_set(err, OED_EX_FAIL, "langfuse: GET /api/public/traces page %ld: HTTP %ld",
					    page, p.status);
			free(p.body);
			goto out;
		}
		doc = p.body ? json_loads(p.body, 0, NULL) : NULL;
		free(p.body);
		data = json_object_get(doc, "data");
		meta = json_object_get(doc, "meta");
		if (!json_is_array(data)) {
			json_decref(doc);
			oed_err_set(err, OED_EX_FAIL, "langfuse: page %ld: no 'data' array in the answer", page);
			goto out;
		}
		for (i = 0; i < json_array_size(data); i++) {
			char *line = json_dumps(json_array_get(data, i), JSON_COMPACT);

			if (line == NULL) {
				json_decref(doc);
				nomem(err);
				goto out;
			}
			if (add_line(cx->m, it, line, strlen(line), "langfuse", (long long)it->n + 1,
				     (size_t)-1, err) == -1) {
				free(line);
				json_decref(doc);
				goto out;
			}
			free(line);
		}
		got = json_array_size(data);
		if (json_is_integer(json_object_get(meta, "totalPages")))
			pages = (long)json_integer_value(json_object_get(meta, "totalPages"));
		else if (got < (size_t)s->page_size)
			pages = page;
		else
			pages = page + 1;
		json_decref(doc);
		if (got == 0)
			break;
		page++;
	}
	cx->watermark = now;
	rc = 0;
out:
	oed_net_free(net);
	oed_buf_release(&url);
	oed_buf_release(&hdr);
	free(userpass);
	free(auth64);
	return rc;
}

static const struct oed_mon_source_kind sources[] = {
	{ "jsonl", OED_MON_SRC_JSONL, fetch_jsonl },
	{ "command", OED_MON_SRC_COMMAND, fetch_command },
	{ "langfuse", OED_MON_SRC_LANGFUSE, fetch_langfuse },
};

int
oed_mon_fetch(struct oed_mon_ctx *cx, struct oed_mon_items *it, struct oed_err *err)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (sources[i].type == cx->m->source.type)
			return sources[i].fetch(cx, it, err);
	return oed_err_set(err, OED_EX_FAIL, "no such source type");
}
