/*
 * drift.c: a monitor's drift section (monitor.h): oed-drift's engine on
 * the items a run scored, against a baseline oed-drift --record stored.
 *
 * Each scored item becomes one record for the engine: the item as read,
 * with the monitor's fields (input, output and the others, as extracted)
 * set at the top, so a drift field names either.  The records go through
 * a temporary file, which is what the engine's reader reads; its findings
 * come back as "drift" records and are written as monitor.drift, with the
 * monitor and the run added, and kept for the alert rules that name a
 * drift feature.
 */
#include "config.h"

#include "internal.h"

#include <errno.h>
#include <math.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drift/drift.h"
#include "exit.h"
#include "reject.h"

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

/* An engine with the section's fields and test, no reference yet. */
static struct oed_drift *
engine(const struct oed_mon_drift *dr, struct oed_err *err)
{
	struct oed_drift_opts o;
	struct oed_drift *d;

	memset(&o, 0, sizeof(o));
	o.test = dr->test;
	o.threshold = dr->threshold;
	o.share = 0.5;
	o.log_base = 2;
	o.keep_findings = true;
	o.quiet = true;
	if ((d = oed_drift_new(&o, err)) == NULL)
		return NULL;
	for (size_t i = 0; i < dr->nfields; i++) {
		struct oed_drift_spec spec;
		int rc;

		if (oed_drift_spec_parse(&spec, dr->fields[i], err) == -1) {
			oed_drift_free(d);
			return NULL;
		}
		rc = oed_drift_add_field(d, &spec, err);
		oed_drift_spec_release(&spec);
		if (rc == -1) {
			oed_drift_free(d);
			return NULL;
		}
	}
	return d;
}

int
oed_mon_drift_check(const struct oed_mon_drift *dr, struct oed_err *err)
{
	struct oed_drift *d = engine(dr, err);

	oed_drift_free(d);
	return d ? 0 : -1;
}

void
oed_mon_drift_values_release(struct oed_mon_drift_values *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].feature);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* The item's record for the engine, as one line in b. */
static int
item_line(const struct oed_monitor *m, const struct oed_mon_item *x, pcre2_match_data *md,
	  struct oed_buf *b, struct oed_err *err)
{
	json_t *rec = json_is_object(x->rec) ? json_copy(x->rec) : json_object();
	char *line;

	if (rec == NULL)
		return nomem(err);
	for (size_t i = 0; i < m->nfields; i++) {
		size_t len = 0;
		char *s = oed_mon_field_text(&m->fields[i], x->rec, md, &len);

		if (s == NULL) {
			json_object_del(rec, m->fields[i].name);
			continue;
		}
		json_object_set_new(rec, m->fields[i].name, json_stringn(s, len));
		free(s);
	}
	line = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (line == NULL || oed_buf_adds(b, line) == -1 || oed_buf_addc(b, '\n') == -1) {
		free(line);
		return nomem(err);
	}
	free(line);
	return 0;
}

/* The engine's findings (its output in text) as monitor.drift records in lines, kept in out. */
static int
convert(struct oed_mon_ctx *cx, const char *text, size_t size, struct oed_buf *lines,
	struct oed_mon_drift_values *out, struct oed_err *err)
{
	const char *p = text, *end = text + size;
	struct oed_writer rw, *w = &rw;

	oed_writer_init(&rw, NULL);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *f = json_loadb(p, len, 0, NULL), *v;
		struct oed_mon_drift_value *dv, *nv;
		const char *key;

		p += len + 1;
		if (f == NULL || strcmp(json_string_value(json_object_get(f, "kind")) ?
				       json_string_value(json_object_get(f, "kind")) : "", "drift") != 0) {
			json_decref(f);
			continue;
		}
		oed_w_begin(w);
		oed_w_str(w, "kind", "monitor.drift");
		oed_w_str(w, "monitor", cx->m->name);
		json_object_foreach(f, key, v)
			if (strcmp(key, "kind") != 0)
				oed_w_json(w, key, v);
		oed_w_int(w, "run", cx->run);
		{
			const char *line;
			size_t n;

			oed_w_close(w, &line, &n);
			if (oed_buf_add(lines, line, n) == -1) {
				json_decref(f);
				oed_writer_release(&rw);
				return nomem(err);
			}
		}
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			json_decref(f);
			oed_writer_release(&rw);
			return nomem(err);
		}
		out->v = nv;
		dv = &nv[out->n];
		memset(dv, 0, sizeof(*dv));
		dv->feature = strdup(json_string_value(json_object_get(f, "feature")) ?
				     json_string_value(json_object_get(f, "feature")) : "");
		v = json_object_get(f, "statistic");
		dv->statistic = json_is_number(v) ? json_number_value(v) : NAN;
		v = json_object_get(f, "p_value");
		dv->p_value = json_is_number(v) ? json_number_value(v) : NAN;
		dv->drift = json_is_true(json_object_get(f, "drift"));
		dv->ran = json_is_string(json_object_get(f, "test")) && !isnan(dv->statistic);
		dv->n = (uint64_t)json_integer_value(json_object_get(f, "n_cur"));
		json_decref(f);
		if (dv->feature == NULL) {
			oed_writer_release(&rw);
			return nomem(err);
		}
		out->n++;
	}
	oed_writer_release(&rw);
	return 0;
}

/*
 * Keep what the drift found, in one transaction: the findings as metrics
 * of the run (as oed-drift --record keeps them, so oed-report shows
 * them) and the monitor.drift records queued for the jsonl sinks; then
 * the records go to w.
 */
static int
keep(struct oed_mon_ctx *cx, struct oed_drift *d, const struct oed_buf *lines, struct oed_writer *w,
     struct oed_err *err)
{
	const struct oed_monitor *m = cx->m;

	if (oed_store_begin(cx->store, err) == -1)
		return -1;
	if (oed_drift_store(d, cx->store, cx->run, err) == -1)
		goto fail;
	for (size_t s = 0; s < m->npubs && lines->len; s++)
		if (m->pubs[s].type == OED_MON_PUB_JSONL &&
		    oed_mon_outbox_add(cx, s, lines->data, lines->len, err) == -1)
			goto fail;
	if (oed_store_commit(cx->store, err) == -1)
		goto fail;
	if (lines->len && w->fp && !w->failed) {
		if (fwrite(lines->data, 1, lines->len, w->fp) != lines->len)
			w->failed = true;
		fflush(w->fp);
	}
	return 0;
fail:
	oed_store_rollback(cx->store);
	return -1;
}

int
oed_mon_drift_baseline(struct oed_mon_ctx *cx, int64_t *run, struct oed_err *err)
{
	const struct oed_mon_drift *dr = &cx->m->drift;

	/* latest: the newest oed-drift run; a name; an id */
	if (oed_store_find_run(cx->store, "oed-drift", dr->baseline, run, err) == -1) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return oed_err_set(err, err->status, "%s: drift: baseline '%s': %s", cx->m->file,
				   oed_quote(dr->baseline), msg);
	}
	return 0;
}

int
oed_mon_drift_run(struct oed_mon_ctx *cx, int64_t run, struct oed_mon_item *const *items, size_t n,
		  struct oed_writer *w, struct oed_mon_drift_values *out, struct oed_err *err)
{
	const struct oed_mon_drift *dr = &cx->m->drift;
	struct oed_drift *d = NULL;
	struct oed_reader *r = NULL;
	struct oed_policy policy;
	struct oed_writer dw;
	struct oed_buf b = OED_BUF_INIT, lines = OED_BUF_INIT;
	pcre2_match_data *md = NULL;
	char path[4096], *files[1], *text = NULL;
	const char *tmp = getenv("TMPDIR");
	size_t size = 0;
	FILE *mem = NULL, *fp = NULL;
	int fd = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	oed_policy_init(&policy);
	if (n == 0)
		return 0;
	if ((d = engine(dr, err)) == NULL)
		goto out;
	if (oed_drift_load_baseline(d, cx->store, run, err) == -1) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		oed_err_set(err, err->status, "%s: drift: baseline '%s': %s", cx->m->file,
			    oed_quote(dr->baseline), msg);
		goto out;
	}
	if ((md = pcre2_match_data_create(32, NULL)) == NULL) {
		nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (item_line(cx->m, items[i], md, &b, err) == -1)
			goto out;
	snprintf(path, sizeof(path), "%s/oed-monitor-drift.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		oed_err_set(err, OED_EX_FAIL, "drift: cannot create a temporary file in '%s': %s",
			    oed_quote(tmp && *tmp ? tmp : "/tmp"), strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(path);
		}
		fd = -1;
		goto out;
	}
	{
		bool bad = fwrite(b.data, 1, b.len, fp) != b.len;

		bad = fclose(fp) == EOF || bad;
		fp = NULL;
		if (bad) {
			oed_err_set(err, OED_EX_FAIL, "drift: cannot write '%s': %s", oed_quote(path),
				    strerror(errno));
			goto out;
		}
	}
	files[0] = path;
	if ((r = oed_reader_new(1, files, 0, &policy, err)) == NULL ||
	    (mem = open_memstream(&text, &size)) == NULL) {
		if (mem == NULL && r != NULL)
			nomem(err);
		goto out;
	}
	oed_writer_init(&dw, mem);
	rc = oed_drift_read_cur(d, r, &dw, err);
	oed_writer_release(&dw);
	if (fclose(mem) == EOF && rc == 0)
		rc = nomem(err);
	mem = NULL;
	if (rc == 0)
		rc = convert(cx, text, size, &lines, out, err);
	if (rc == 0)
		rc = keep(cx, d, &lines, w, err);
out:
	if (fp)
		fclose(fp);
	if (fd != -1)
		unlink(path);
	if (mem)
		fclose(mem);
	free(text);
	oed_reader_free(r);
	oed_policy_release(&policy);
	oed_drift_free(d);
	pcre2_match_data_free(md);
	oed_buf_release(&b);
	oed_buf_release(&lines);
	if (rc == -1)
		oed_mon_drift_values_release(out);
	return rc;
}
