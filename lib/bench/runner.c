/* runner.c: items in, requests out, bench.item and bench.summary records back (runner.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "bench/prices.h"
#include "bench/runner.h"
#include "bench/sbuf.h"
#include "bench/stats.h"
#include "ingest/csvin.h"
#include "ingest/dataset.h"
#include "info/estimators.h"
#include "info/waste.h"
#include "exit.h"
#include "field.h"
#include "opt.h"
#include "splitmix.h"
#include "tokenizer.h"

/* --- the dataset, read as JSON objects ----------------------------------- */

struct source {
	const char *name;		/* for messages */
	FILE *fp;
	bool own_fp;
	char *line;
	size_t cap;
	long lineno;
	json_t *rows;			/* CSV: every row, read at open */
	size_t row;
	long *row_lines;
	unsigned long long index;	/* records returned so far */
};

struct csv_load {
	json_t *rows;
	long *lines;
	size_t cap;
};

static int
csv_row(struct oed_csv *csv, void *ctx, struct oed_err *err)
{
	struct csv_load *l = ctx;
	json_t *o = json_object();
	size_t i, n = oed_csv_columns(csv), len;

	if (o == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (i = 0; i < n; i++) {
		const char *f = oed_csv_field(csv, i, &len);

		json_object_set_new(o, oed_csv_header(csv, i), json_stringn(f ? f : "", f ? len : 0));
	}
	if (json_array_size(l->rows) == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		long *p = realloc(l->lines, cap * sizeof(*p));

		if (p == NULL) {
			json_decref(o);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		l->lines = p;
		l->cap = cap;
	}
	l->lines[json_array_size(l->rows)] = oed_csv_row_line(csv);
	json_array_append_new(l->rows, o);
	return 0;
}

/* A copy of a header-less CSV with header put first, in a temporary file. */
static int
with_header(const char *path, const char *header, char *tmp, size_t size, struct oed_err *err)
{
	const char *dir = getenv("TMPDIR");
	FILE *in = fopen(path, "rb"), *out;
	char buf[65536];
	size_t n;
	int fd;

	if (in == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", path, strerror(errno));
	snprintf(tmp, size, "%s/oed-bench-XXXXXX", dir && dir[0] ? dir : "/tmp");
	fd = mkstemp(tmp);
	if (fd == -1 || (out = fdopen(fd, "wb")) == NULL) {
		if (fd != -1)
			close(fd);
		fclose(in);
		return oed_err_set(err, OED_EX_FAIL, "cannot make a temporary file: %s", strerror(errno));
	}
	fprintf(out, "%s\n", header);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	if (fclose(out) != 0) {
		unlink(tmp);
		return oed_err_set(err, OED_EX_FAIL, "cannot write a temporary file: %s", strerror(errno));
	}
	return 0;
}

static int
source_open(struct source *s, const char *path, bool csv, FILE *fp, const char *header,
	    struct oed_err *err)
{
	memset(s, 0, sizeof(*s));
	s->name = path;
	if (csv) {
		struct csv_load l = { .rows = json_array() };
		char tmp[4096];
		struct oed_csv *c;

		if (header && with_header(path, header, tmp, sizeof(tmp), err) == -1) {
			json_decref(l.rows);
			return -1;
		}
		c = oed_csv_open(header ? tmp : path, ',', OED_DEFAULT_MAX_LINE, NULL, err);
		if (header)
			unlink(tmp);	/* open already: the name is not needed */
		if (c == NULL) {
			json_decref(l.rows);
			return -1;
		}
		if (oed_csv_each(c, csv_row, &l, err) == -1) {
			oed_csv_close(c);
			json_decref(l.rows);
			free(l.lines);
			return -1;
		}
		oed_csv_close(c);
		s->rows = l.rows;
		s->row_lines = l.lines;
		return 0;
	}
	if (fp != NULL) {
		s->fp = fp;
		return 0;
	}
	s->fp = fopen(path, "r");
	if (s->fp == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", path, strerror(errno));
	s->own_fp = true;
	return 0;
}

static void
source_close(struct source *s)
{
	if (s->fp && s->own_fp)
		fclose(s->fp);
	free(s->line);
	json_decref(s->rows);
	free(s->row_lines);
	memset(s, 0, sizeof(*s));
}

static int
source_rewind(struct source *s, struct oed_err *err)
{
	s->index = 0;
	s->row = 0;
	s->lineno = 0;
	if (s->fp && fseek(s->fp, 0, SEEK_SET) == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot read '%s' again: %s", s->name,
				   strerror(errno));
	return 0;
}

/* 1 with *rec (a new reference), 0 at the end, -1 with err. */
static int
source_next(struct source *s, json_t **rec, long *line, struct oed_err *err)
{
	ssize_t n;
	json_error_t je;

	if (s->rows) {
		if (s->row >= json_array_size(s->rows))
			return 0;
		*line = s->row_lines[s->row];
		*rec = json_incref(json_array_get(s->rows, s->row++));
		s->index++;
		return 1;
	}
	for (;;) {
		errno = 0;
		n = getline(&s->line, &s->cap, s->fp);
		if (n < 0) {
			if (ferror(s->fp))
				return oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", s->name,
						   strerror(errno));
			return 0;
		}
		s->lineno++;
		while (n && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		/* a BOM at the start of the file */
		if (s->lineno == 1 && n >= 3 && memcmp(s->line, "\xef\xbb\xbf", 3) == 0) {
			memmove(s->line, s->line + 3, (size_t)n - 3);
			n -= 3;
		}
		*rec = json_loadb(s->line, (size_t)n, JSON_ALLOW_NUL, &je);
		if (*rec == NULL)
			return oed_err_at(err, OED_EX_DATA, s->name, s->lineno, 0, "invalid JSON: %s",
					  je.text);
		if (!json_is_object(*rec)) {
			json_decref(*rec);
			return oed_err_at(err, OED_EX_DATA, s->name, s->lineno, 0,
					  "a record must be a JSON object");
		}
		*line = s->lineno;
		s->index++;
		return 1;
	}
}

/* The next record, rewritten by the task's prepare hook when it has one. */
static int
next_record(const struct oed_task *t, struct source *s, json_t **rec, long *line,
	    struct oed_err *err)
{
	int rc = source_next(s, rec, line, err);

	if (rc != 1 || t->prepare == NULL)
		return rc;
	*rec = t->prepare(*rec, s->name, err);
	if (*rec == NULL) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return oed_err_at(err, err->status, s->name, *line, 0, "%s", msg);
	}
	return 1;
}

/* --- rendering ------------------------------------------------------------ */

struct shot {
	char *user, *assistant;
};

struct render {
	const struct oed_task *t;
	struct shot *shots;
	size_t nshots;
	char *shot_text;		/* as: text */
	struct oed_path id, choices;
	bool has_id, has_choices;
};

struct item {
	unsigned long long seq;		/* position in the dataset */
	long line;
	char *id;
	char *prompt;
	json_t *messages;
	char *target;
	json_t *choices;
	char *code_prefix, *code_def;	/* code tasks (oed_code_answer) */
	struct job *jobs;		/* nmodels * samples */
	size_t left;			/* jobs not done */
	const struct oed_mutator *mut;	/* a red-team variant of the input before */
	char *parent;			/* its clean input_id */
	unsigned long long key;		/* its place in the run's items */
};

static void
item_release(struct item *it)
{
	free(it->id);
	free(it->prompt);
	json_decref(it->messages);
	free(it->target);
	json_decref(it->choices);
	free(it->code_prefix);
	free(it->code_def);
	free(it->parent);
	it->parent = NULL;
	it->code_prefix = it->code_def = NULL;
	it->id = it->prompt = it->target = NULL;
	it->messages = it->choices = NULL;
}

static json_t *
message(const char *role, const char *content)
{
	json_t *m = json_object();

	json_object_set_new(m, "role", json_string(role));
	json_object_set_new(m, "content", json_string(content));
	return m;
}

/* Put "what: " before err's message (which may not be its own source). */
static int
prefixed(struct oed_err *err, const char *what)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return oed_err_set(err, err->status, "%.60s: %.400s", what, msg);
}

/* Render one record into it; -1 with err naming the part (not yet the item). */
static int
render_item(const struct render *r, json_t *rec, unsigned long long seq, struct item *it,
	    struct oed_err *err)
{
	const struct oed_task *t = r->t;
	char *s = NULL, num[32];
	size_t len, i;
	json_t *v;

	struct job *jobs = it->jobs;	/* the slot keeps its job array */

	memset(it, 0, sizeof(*it));
	it->jobs = jobs;
	it->seq = seq;
	if (r->has_id) {
		v = oed_path_get(&r->id, rec);
		if (json_is_string(v))
			it->id = strdup(json_string_value(v));
		else if (json_is_integer(v))
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v)),
				it->id = strdup(num);
		else
			return oed_err_set(err, OED_EX_DATA, "id field '%s' is %s", r->id.spec,
					   v ? "not a string or whole number" : "missing");
	} else {
		snprintf(num, sizeof(num), "%llu", seq);
		it->id = strdup(num);
	}
	it->messages = json_array();
	if (it->id == NULL || it->messages == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (t->system) {
		if (oed_tmpl_render(t->system, rec, &s, &len, err) == -1)
			return prefixed(err, "system");
		json_array_append_new(it->messages, message("system", s));
		free(s);
	}
	for (i = 0; i < r->nshots && !t->shots_as_text; i++) {
		json_array_append_new(it->messages, message("user", r->shots[i].user));
		json_array_append_new(it->messages, message("assistant", r->shots[i].assistant));
	}
	if (t->prompt) {
		if (oed_tmpl_render(t->prompt, rec, &s, &len, err) == -1)
			return prefixed(err, "prompt");
		if (r->shot_text) {
			char *all = malloc(strlen(r->shot_text) + len + 1);

			if (all == NULL) {
				free(s);
				return oed_err_set(err, OED_EX_FAIL, "out of memory");
			}
			strcpy(all, r->shot_text);
			strcat(all, s);
			free(s);
			s = all;
		}
		json_array_append_new(it->messages, message("user", s));
		it->prompt = s;
	} else {
		for (i = 0; i < t->nmessages; i++) {
			if (oed_tmpl_render(t->messages[i].content, rec, &s, &len, err) == -1) {
				snprintf(num, sizeof(num), "messages[%zu]", i);
				return prefixed(err, num);
			}
			json_array_append_new(it->messages, message(t->messages[i].role, s));
			if (strcmp(t->messages[i].role, "user") == 0) {
				free(it->prompt);
				it->prompt = s;
			} else {
				free(s);
			}
		}
		if (it->prompt == NULL && (it->prompt = strdup("")) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	if (t->target && oed_tmpl_render(t->target, rec, &it->target, &len, err) == -1)
		return prefixed(err, "target");
	if (r->has_choices) {
		v = oed_path_get(&r->choices, rec);
		if (!json_is_array(v))
			return oed_err_set(err, OED_EX_DATA, "choices field '%s' is %s", r->choices.spec,
					   v ? "not a list" : "missing");
		it->choices = json_incref(v);
	}
	if (t->code_answer) {
		const char *p = json_string_value(json_object_get(rec, "code_prefix"));
		const char *d = json_string_value(json_object_get(rec, "code_def"));

		if ((p && (it->code_prefix = strdup(p)) == NULL) ||
		    (d && (it->code_def = strdup(d)) == NULL))
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

/* Read the few-shot file, shuffle it with the seed, keep the first n. */
static int
load_shots(struct render *r, struct oed_err *err)
{
	const struct oed_task *t = r->t;
	struct source s;
	json_t *all = json_array(), *rec;
	struct sbuf text = { 0 };
	size_t i, n;
	long line;
	uint64_t state = t->shots_seed;
	int rc;
	size_t pl = strlen(t->shots_path);
	const char *sep = t->shots_separator ? t->shots_separator : "\n\n";

	if (all == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (source_open(&s, t->shots_path, pl > 4 && strcmp(t->shots_path + pl - 4, ".csv") == 0,
			NULL, t->csv_header, err) == -1) {
		json_decref(all);
		return -1;
	}
	while ((rc = next_record(t, &s, &rec, &line, err)) == 1)
		json_array_append_new(all, rec);
	source_close(&s);
	if (rc == -1) {
		json_decref(all);
		return -1;
	}
	n = json_array_size(all);
	if (n < t->shots) {
		json_decref(all);
		return oed_err_set(err, OED_EX_DATA, "few_shot: '%s' holds %zu examples, %u asked",
				   t->shots_path, n, t->shots);
	}
	/* Fisher-Yates on the first shots positions */
	for (i = 0; i < t->shots; i++) {
		size_t j = i + (size_t)(oed_splitmix64(&state) % (n - i));
		json_t *a = json_incref(json_array_get(all, i)), *b = json_incref(json_array_get(all, j));

		json_array_set_new(all, i, b);
		json_array_set_new(all, j, a);
	}
	r->shots = calloc(t->shots ? t->shots : 1, sizeof(*r->shots));
	if (r->shots == NULL) {
		json_decref(all);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	for (i = 0; i < t->shots; i++) {
		size_t len;

		rec = json_array_get(all, i);
		r->nshots++;
		if (oed_tmpl_render(t->prompt ? t->prompt : t->messages[t->nmessages - 1].content, rec,
				    &r->shots[i].user, &len, err) == -1 ||
		    (t->target && oed_tmpl_render(t->target, rec, &r->shots[i].assistant, &len, err) == -1)) {
			char what[64];

			json_decref(all);
			snprintf(what, sizeof(what), "few_shot example %zu", i + 1);
			return prefixed(err, what);
		}
		if (r->shots[i].assistant == NULL && (r->shots[i].assistant = strdup("")) == NULL) {
			json_decref(all);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		if (t->shots_as_text) {
			sbuf_adds(&text, r->shots[i].user);
			sbuf_adds(&text, t->lm_eval ? " " : "");
			sbuf_adds(&text, r->shots[i].assistant);
			sbuf_adds(&text, sep);
		}
	}
	json_decref(all);
	if (t->shots_as_text) {
		r->shot_text = sbuf_take(&text, NULL);
		if (r->shot_text == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	return 0;
}

static void
render_release(struct render *r)
{
	size_t i;

	for (i = 0; i < r->nshots; i++) {
		free(r->shots[i].user);
		free(r->shots[i].assistant);
	}
	free(r->shots);
	free(r->shot_text);
	if (r->has_id)
		oed_path_release(&r->id);
	if (r->has_choices)
		oed_path_release(&r->choices);
}

/* --- jobs and per-model accumulators ------------------------------------- */

struct job {
	struct item *it;
	size_t model;
	unsigned sample;
	char digest[33];
	bool done, cached, failed;
	unsigned attempts;
	char *error;
	char *output;
	size_t output_len;
	char *model_name, *fingerprint, *finish_reason;
	long long tin, tout, tcached, treason;
	bool estimated;
	double latency_ms;
	struct job *next_queued;
};

struct model_acc {
	struct oed_provider *p;
	int64_t run_id;
	struct oed_score_stats *stats;	/* per scorer */
	double *vals;			/* scratch: samples per scorer */
	size_t *passed;
	unsigned long long items, errors, invalid, cache_hits;
	double hsum, hn;		/* sum k_c H_c and sum k_c over inputs */
	long long tin, tout, tcached, treason;
	bool tokens_estimated, tokens_any, tokens_est;
	double cost;
	bool cost_known;
	double *lat;
	size_t nlat, caplat;
	struct job *qhead, *qtail;	/* waiting to be submitted */
	double clean_score;		/* the last clean input's, for its variants */
	int clean_pass;
	struct frag_pairs *frag;	/* per mutator */
	/* samples > 1, clean inputs: sum W, sum T and P of oed-scorers(7) */
	double waste, waste_tokens;
	unsigned long long waste_passed;
	double cons_sum;		/* sum of per-input consistency */
	unsigned long long cons_n;
};

/* Paired scores of one mutator: clean vs mutated, per input. */
struct frag_pairs {
	double *clean, *mutated;
	int *clean_pass, *mutated_pass;
	size_t n, cap;
};

static int
frag_push(struct frag_pairs *f, double c, double m, int cp, int mp)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		double *a = realloc(f->clean, cap * sizeof(double)), *b;
		int *x, *y;

		if (a == NULL)
			return -1;
		f->clean = a;
		if ((b = realloc(f->mutated, cap * sizeof(double))) == NULL)
			return -1;
		f->mutated = b;
		if ((x = realloc(f->clean_pass, cap * sizeof(int))) == NULL)
			return -1;
		f->clean_pass = x;
		if ((y = realloc(f->mutated_pass, cap * sizeof(int))) == NULL)
			return -1;
		f->mutated_pass = y;
		f->cap = cap;
	}
	f->clean[f->n] = c;
	f->mutated[f->n] = m;
	f->clean_pass[f->n] = cp;
	f->mutated_pass[f->n++] = mp;
	return 0;
}

static void
job_clear(struct job *j)
{
	free(j->error);
	free(j->output);
	free(j->model_name);
	free(j->fingerprint);
	free(j->finish_reason);
	j->error = j->output = j->model_name = j->fingerprint = j->finish_reason = NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct runner {
	const struct oed_bench_cfg *c;
	const struct oed_task *t;
	size_t nm;
	unsigned samples;
	struct model_acc *m;
	struct item *ring;		/* window slots */
	size_t window, head, count;
	struct render r;
	sqlite3_stmt *cache_get, *cache_put, *item_put;
	unsigned long long done_inputs;
	bool fatal;
	char fatal_msg[512];
	struct oed_err *err;
	int failed;			/* a callback hit an error it could not return */
	struct oed_tokenizer *tok;	/* counts tokens a server did not report */
	unsigned long long nkeys;	/* items admitted so far */
	char **answers;			/* scratch for majority votes */
	size_t *anslen;
};

static void
digest_hex(const char *s, char out[33])
{
	XXH128_hash_t h = XXH3_128bits(s, strlen(s));

	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

/* A cached response into j; 1 found, 0 not, -1 error. */
static int
cache_lookup(struct runner *R, struct job *j, struct oed_err *err)
{
	sqlite3_stmt *st = R->cache_get;
	json_t *o, *v;
	int rc;

	if (st == NULL)
		return 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, j->digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->sample);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return oed_store_fail(R->c->store, err, "cannot read the cache");
	o = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_reset(st);
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "output"))) {
		json_decref(o);
		return 0;	/* unreadable: ask again */
	}
	v = json_object_get(o, "output");
	j->output_len = json_string_length(v);
	j->output = malloc(j->output_len + 1);
	if (j->output)
		memcpy(j->output, json_string_value(v), j->output_len + 1);
#define S(k, f) if (json_is_string(v = json_object_get(o, k))) j->f = strdup(json_string_value(v))
#define I(k, f) j->f = json_is_integer(v = json_object_get(o, k)) ? json_integer_value(v) : -1
	S("model", model_name);
	S("system_fingerprint", fingerprint);
	S("finish_reason", finish_reason);
	I("tokens_in", tin);
	I("tokens_out", tout);
	I("tokens_cached", tcached);
	I("tokens_reasoning", treason);
#undef S
#undef I
	v = json_object_get(o, "latency_ms");
	j->latency_ms = json_is_number(v) ? json_number_value(v) : NAN;
	j->estimated = json_is_true(json_object_get(o, "tokens_estimated"));
	json_decref(o);
	if (j->output == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	j->cached = true;
	j->done = true;
	return 1;
}

static int
cache_store(struct runner *R, struct job *j, struct oed_err *err)
{
	sqlite3_stmt *st = R->cache_put;
	json_t *o = json_object();
	char *text, ts[32];
	int rc;

	if (st == NULL) {
		json_decref(o);
		return 0;
	}
	json_object_set_new(o, "output", json_stringn(j->output, j->output_len));
	if (j->model_name)
		json_object_set_new(o, "model", json_string(j->model_name));
	if (j->fingerprint)
		json_object_set_new(o, "system_fingerprint", json_string(j->fingerprint));
	if (j->finish_reason)
		json_object_set_new(o, "finish_reason", json_string(j->finish_reason));
#define I(k, f) if (j->f >= 0) json_object_set_new(o, k, json_integer(j->f))
	I("tokens_in", tin);
	I("tokens_out", tout);
	I("tokens_cached", tcached);
	I("tokens_reasoning", treason);
#undef I
	if (!isnan(j->latency_ms))
		json_object_set_new(o, "latency_ms", json_real(j->latency_ms));
	if (j->estimated)
		json_object_set_new(o, "tokens_estimated", json_true());
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	oed_now_rfc3339(ts);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, j->digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->sample);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, R->m[j->model].run_id);
	sqlite3_bind_text(st, 5, ts, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(text);
	if (rc != SQLITE_DONE)
		return oed_store_fail(R->c->store, err, "cannot write the cache");
	return 0;
}

/*
 * A server that gave no usage (some local ones): count with oed's
 * tokenizer (o200k_base) and mark the counts estimated.  Only for the
 * HTTP providers; a command or a recording says what it knows.
 */
static void
estimate_tokens(struct runner *R, struct job *j)
{
	enum oed_provider_kind k = oed_provider_kind(R->m[j->model].p);
	json_t *m;
	size_t i, n;

	if (R->tok == NULL || (k != OED_PROV_OPENAI && k != OED_PROV_ANTHROPIC))
		return;
	if (j->tout < 0) {
		n = oed_tokenizer_count(R->tok, j->output, j->output_len, false);
		if (n != (size_t)-1) {
			j->tout = (long long)n;
			j->estimated = true;
		}
	}
	if (j->tin < 0) {
		long long sum = 0;

		json_array_foreach(j->it->messages, i, m) {
			json_t *c = json_object_get(m, "content");

			n = oed_tokenizer_count(R->tok, json_string_value(c), json_string_length(c), false);
			if (n == (size_t)-1)
				return;
			sum += (long long)n;
		}
		j->tin = sum;
		j->estimated = true;
	}
}

static void
on_response(struct oed_prov_resp *resp, void *ctx)
{
	struct runner *R = ctx;
	struct job *j = resp->user;

	j->done = true;
	j->it->left--;
	j->attempts = resp->attempts;
	j->latency_ms = resp->latency_ms >= 0 ? resp->latency_ms : NAN;
	if (resp->failed) {
		j->failed = true;
		j->error = strdup(resp->error);
		if (resp->fatal && !R->fatal) {
			R->fatal = true;
			snprintf(R->fatal_msg, sizeof(R->fatal_msg), "%.100s: %.400s",
				 oed_provider_spec(R->m[j->model].p), resp->error);
		}
		return;
	}
	j->output = resp->output;
	j->output_len = resp->output_len;
	j->model_name = resp->model;
	j->fingerprint = resp->fingerprint;
	j->finish_reason = resp->finish_reason;
	resp->output = resp->model = resp->fingerprint = resp->finish_reason = NULL;
	j->tin = resp->tokens_in;
	j->tout = resp->tokens_out;
	j->tcached = resp->tokens_cached;
	j->treason = resp->tokens_reasoning;
	estimate_tokens(R, j);
	if (oed_provider_caches(R->m[j->model].p) && cache_store(R, j, R->err) == -1)
		R->failed = 1;
}

/* --- finishing an input: extract, vote, score, write ---------------------- */

static void
push_latency(struct model_acc *m, double v)
{
	if (isnan(v))
		return;
	if (m->nlat == m->caplat) {
		size_t cap = m->caplat ? m->caplat * 2 : 1024;
		double *p = realloc(m->lat, cap * sizeof(*p));

		if (p == NULL)
			return;		/* percentiles from what fits */
		m->lat = p;
		m->caplat = cap;
	}
	m->lat[m->nlat++] = v;
}

static int
write_item(struct runner *R, struct job *j, const char *extracted, size_t elen, double cost,
	   const double *scores, const bool *passes)
{
	const struct oed_bench_cfg *c = R->c;
	struct oed_writer *w = c->w;
	struct item *it = j->it;
	const char *line;
	size_t len, i;
	bool opened = false;

	oed_w_begin(w);
	oed_w_str(w, "kind", "bench.item");
	oed_w_str(w, "task", R->t->name);
	oed_w_str(w, "model", oed_provider_spec(R->m[j->model].p));
	oed_w_str(w, "input_id", it->id);
	if (it->mut) {
		oed_w_str(w, "mutation", it->mut->name);
		oed_w_str(w, "parent", it->parent);
	}
	oed_w_uint(w, "sample", j->sample);
	oed_w_str(w, "input", it->prompt);
	if (j->failed) {
		if (it->target)
			oed_w_str(w, "target", it->target);
		oed_w_str(w, "error", j->error ? j->error : "unknown error");
		oed_w_uint(w, "attempts", j->attempts);
	} else {
		oed_w_strn(w, "output", j->output, j->output_len);
		oed_w_strn(w, "extracted", extracted, elen);
		if (it->target)
			oed_w_str(w, "target", it->target);
		oed_w_obj_begin(w, "scores");
		for (i = 0; i < c->scoring.n; i++)
			oed_w_num(w, c->scoring.names[i], scores[i]);
		oed_w_obj_end(w);
		for (i = 0; c->scoring.reason && i < c->scoring.n; i++)
			if (c->scoring.reason(c->scoring.ctx, i) != NULL)
				break;
		if (c->scoring.reason && i < c->scoring.n) {
			oed_w_obj_begin(w, "reasons");
			for (i = 0; i < c->scoring.n; i++) {
				const char *why = c->scoring.reason(c->scoring.ctx, i);

				if (why != NULL)
					oed_w_str(w, c->scoring.names[i], why);
			}
			oed_w_obj_end(w);
		}
		/* each judge's model, prompt version and verdict, as --score records them */
		for (i = 0; c->scoring.judge && i < c->scoring.n; i++) {
			const char *jm, *jv, *verdict;

			if (!c->scoring.judge(c->scoring.ctx, i, &jm, &jv, &verdict))
				continue;
			if (!opened) {
				oed_w_obj_begin(w, "judge");
				opened = true;
			}
			oed_w_obj_begin(w, c->scoring.names[i]);
			oed_w_str(w, "model", jm);
			oed_w_str(w, "prompt", jv);
			oed_w_str(w, "verdict", verdict);
			oed_w_obj_end(w);
		}
		if (opened)
			oed_w_obj_end(w);
		if (c->scoring.n) {
			bool all = true;

			for (i = 0; i < c->scoring.n; i++)
				all = all && passes[i];
			oed_w_bool(w, "pass", all);
		}
		if (j->model_name)
			oed_w_str(w, "response_model", j->model_name);
		if (j->fingerprint)
			oed_w_str(w, "system_fingerprint", j->fingerprint);
		if (j->finish_reason)
			oed_w_str(w, "finish_reason", j->finish_reason);
		if (j->tin >= 0)
			oed_w_int(w, "tokens_in", j->tin);
		if (j->tout >= 0)
			oed_w_int(w, "tokens_out", j->tout);
		if (j->tcached >= 0)
			oed_w_int(w, "tokens_cached", j->tcached);
		if (j->treason >= 0)
			oed_w_int(w, "tokens_reasoning", j->treason);
		if (j->estimated)
			oed_w_bool(w, "tokens_estimated", true);
		if (!isnan(j->latency_ms))
			oed_w_num(w, "latency_ms", round(j->latency_ms * 1000) / 1000);
		if (!isnan(cost))
			oed_w_num(w, "cost_usd", cost);
		oed_w_bool(w, "cached", j->cached);
		if (j->attempts)
			oed_w_uint(w, "attempts", j->attempts);
	}
	oed_w_close(w, &line, &len);
	if (R->item_put) {
		sqlite3_reset(R->item_put);
		sqlite3_bind_int64(R->item_put, 1, R->m[j->model].run_id);
		sqlite3_bind_int64(R->item_put, 2,
				   (sqlite3_int64)(it->key * R->samples + j->sample));
		sqlite3_bind_text(R->item_put, 3, line, (int)len - 1, SQLITE_TRANSIENT);
		if (sqlite3_step(R->item_put) != SQLITE_DONE) {
			sqlite3_reset(R->item_put);
			return oed_store_fail(c->store, R->err, "cannot record an item");
		}
		sqlite3_reset(R->item_put);
	}
	if (oed_w_emit(w) == -1)
		return oed_err_set(R->err, OED_EX_FAIL, "write error: %s", strerror(errno));
	return 0;
}

static int
finish_input(struct runner *R, struct item *it)
{
	const struct oed_bench_cfg *c = R->c;
	struct oed_extractor *x = R->t->extract;
	size_t ns = c->scoring.n, mi, k, i;
	double *scores = calloc(ns ? ns * R->samples : 1, sizeof(double));
	bool *passes = calloc(ns ? ns * R->samples : 1, sizeof(bool)), *invalid;
	int rc = -1;

	invalid = calloc(R->samples, sizeof(bool));
	if (scores == NULL || passes == NULL || invalid == NULL) {
		oed_err_set(R->err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (mi = 0; mi < R->nm; mi++) {
		struct model_acc *m = &R->m[mi];
		struct job *js = it->jobs + mi * R->samples;
		size_t ok = 0, maj = 0;
		bool tokens_known = true;

		/* extraction, per sample */
		for (k = 0; k < R->samples; k++) {
			R->answers[k] = NULL;
			if (js[k].failed)
				continue;
			if (oed_extractor_apply(x, js[k].output, js[k].output_len, &R->answers[k],
						&R->anslen[k], &invalid[k], R->err) == -1) {
				for (i = 0; i < k; i++)
					free(R->answers[i]);
				goto out;
			}
			if (R->t->code_answer && !invalid[k]) {
				char *code;

				if (oed_code_answer(R->answers[k], R->anslen[k], it->code_prefix,
						    it->code_def, &code, &R->anslen[k]) == -1) {
					for (i = 0; i <= k; i++)
						free(R->answers[i]);
					oed_err_set(R->err, OED_EX_FAIL, "out of memory");
					goto out;
				}
				free(R->answers[k]);
				R->answers[k] = code;
			}
		}
		/* majority vote over the samples that answered */
		{
			char *a[R->samples ? R->samples : 1];
			size_t l[R->samples ? R->samples : 1], idx[R->samples ? R->samples : 1];

			for (k = 0; k < R->samples; k++)
				if (!js[k].failed) {
					a[ok] = R->answers[k];
					l[ok] = R->anslen[k];
					idx[ok++] = k;
				}
			if (ok)
				maj = idx[oed_majority(a, l, ok)];
			if (ok && oed_extractor_majority(x)) {
				for (k = 0; k < R->samples; k++) {
					if (js[k].failed || k == maj)
						continue;
					free(R->answers[k]);
					R->answers[k] = strdup(R->answers[maj]);
					R->anslen[k] = R->anslen[maj];
					invalid[k] = invalid[maj];
				}
			}
		}
		/* entropy of the answers of this input (samples are few: pairwise is fine) */
		if (ok > 1 && it->mut == NULL) {
			double counts[ok], h;
			size_t nc = 0, q;

			for (k = 0; k < R->samples; k++) {
				bool first = true;

				if (js[k].failed)
					continue;
				for (q = 0; q < k && first; q++)
					if (!js[q].failed && R->anslen[q] == R->anslen[k] &&
					    memcmp(R->answers[q], R->answers[k], R->anslen[k]) == 0)
						first = false;
				if (!first)
					continue;
				counts[nc] = 0;
				for (q = k; q < R->samples; q++)
					if (!js[q].failed && R->anslen[q] == R->anslen[k] &&
					    memcmp(R->answers[q], R->answers[k], R->anslen[k]) == 0)
						counts[nc] += 1;
				nc++;
			}
			if (oed_entropy(OED_EST_PLUGIN, counts, nc, 0, &h, R->err) == -1)
				goto out;
			m->hsum += (double)ok * h / log(2);
			m->hn += (double)ok;
			/* consistency = 1 - H(Y|X=x)/log2 k (oed-scorers(7)) */
			m->cons_sum += 1 - h / log((double)ok);
			m->cons_n++;
		} else if (ok == 1 && it->mut == NULL) {
			m->hn += 1;
		}
		/* score, write, count */
		for (k = 0; k < R->samples; k++) {
			struct job *j = &js[k];
			double cost = NAN;

			if (it->mut == NULL)
				m->items++;	/* the summary's n: clean items */
			if (j->failed) {
				m->errors++;
				if (write_item(R, j, NULL, 0, NAN, NULL, NULL) == -1)
					goto out;
				continue;
			}
			if (j->cached)
				m->cache_hits++;
			if (invalid[k])
				m->invalid++;
			cost = oed_prices_cost(c->prices, oed_provider_model(m->p)[0] ?
					       oed_provider_model(m->p) : j->model_name,
					       j->tin, j->tcached, j->tout);
			for (i = 0; i < ns; i++) {
				struct oed_bench_answer a = {
					.extracted = R->answers[k], .extracted_len = R->anslen[k],
					.invalid = invalid[k], .output = j->output,
					.output_len = j->output_len, .target = it->target,
					.prompt = it->prompt,
					.choices = it->choices, .latency_ms = j->latency_ms,
					.cost_usd = cost, .finish_reason = j->finish_reason,
					.tokens_out = j->tout,
				};

				if (c->scoring.score(c->scoring.ctx, i, &a, &scores[i * R->samples + k],
						     &passes[i * R->samples + k], R->err) == -1)
					goto out;
			}
			{
				double row[ns ? ns : 1];
				bool prow[ns ? ns : 1];

				for (i = 0; i < ns; i++) {
					row[i] = scores[i * R->samples + k];
					prow[i] = passes[i * R->samples + k];
				}
				if (write_item(R, j, R->answers[k], R->anslen[k], cost, row, prow) == -1)
					goto out;
			}
			if (j->tin >= 0 || j->tout >= 0)
				m->tokens_any = true;
			if (j->estimated)
				m->tokens_est = true;
			if (j->tin >= 0)
				m->tin += j->tin;
			else
				tokens_known = false;
			if (j->tout >= 0)
				m->tout += j->tout;
			else
				tokens_known = false;
			if (j->tcached > 0)
				m->tcached += j->tcached;
			if (j->treason > 0)
				m->treason += j->treason;
			if (!isnan(cost)) {
				m->cost += cost;
				m->cost_known = true;
			}
			if (!j->cached)
				push_latency(m, j->latency_ms);
		}
		if (!tokens_known)
			m->tokens_estimated = true;
		/*
		 * token waste (oed-scorers(7)): an output's tokens minus the
		 * fewest of a sample of this input with the same answer; outputs
		 * whose tokens are unknown are left out
		 */
		if (R->samples > 1 && it->mut == NULL) {
			for (k = 0; k < R->samples; k++) {
				struct oed_waste_class cl = OED_WASTE_CLASS_INIT;
				size_t q;
				int pass = ns > 0;

				if (js[k].failed || js[k].tout < 0)
					continue;
				for (q = 0; q < R->samples; q++)
					if (!js[q].failed && js[q].tout >= 0 &&
					    R->anslen[q] == R->anslen[k] &&
					    memcmp(R->answers[q], R->answers[k], R->anslen[k]) == 0)
						(void)oed_waste_class_add(&cl, (uint64_t)js[q].tout, &OED_COUNT_ONE);
				for (i = 0; i < ns; i++)
					pass = pass && passes[i * R->samples + k];
				m->waste += (double)oed_waste_of(&cl, (uint64_t)js[k].tout);
				m->waste_tokens += (double)js[k].tout;
				m->waste_passed += pass;
			}
		}
		/* red-team pairs: the input's mean score and all-pass on one scorer */
		if (c->nmutators && ns) {
			size_t fi = c->frag_scorer, n = 0, passed = 0;
			double sum = 0, v;

			for (k = 0; k < R->samples; k++) {
				if (js[k].failed)
					continue;
				sum += scores[fi * R->samples + k];
				passed += passes[fi * R->samples + k];
				n++;
			}
			v = n ? sum / (double)n : NAN;
			if (it->mut == NULL) {
				m->clean_score = v;
				m->clean_pass = n ? passed == n : -1;
			} else if (frag_push(&m->frag[it->mut - oed_mutator_table(&i)], m->clean_score, v,
					     m->clean_pass, n ? passed == n : -1) == -1) {
				oed_err_set(R->err, OED_EX_FAIL, "out of memory");
				goto out;
			}
		}
		/* the input's scores into each scorer's figures (clean inputs only) */
		if (ok && it->mut == NULL) {
			for (i = 0; i < ns; i++) {
				size_t n = 0, passed = 0;

				for (k = 0; k < R->samples; k++) {
					if (js[k].failed)
						continue;
					m->vals[n++] = scores[i * R->samples + k];
					passed += passes[i * R->samples + k];
				}
				oed_score_stats_add(&m->stats[i], m->vals, n, passed);
				if (R->samples > 1)
					oed_score_stats_add_majority(&m->stats[i],
								     scores[i * R->samples + maj]);
			}
		}
		for (k = 0; k < R->samples; k++) {
			free(R->answers[k]);
			R->answers[k] = NULL;
		}
	}
	rc = 0;
out:
	free(scores);
	free(passes);
	free(invalid);
	return rc;
}

/* --- the run ---------------------------------------------------------------- */

static int
prepare(struct runner *R, struct oed_err *err)
{
	sqlite3 *db;

	if (R->c->store == NULL)
		return 0;
	db = oed_store_db(R->c->store);
	(void)db;
	if (!R->c->no_cache &&
	    (R->cache_get = oed_store_prepare(R->c->store,
		"SELECT response FROM bench_responses WHERE digest = ?1 AND sample = ?2", err)) == NULL)
		return -1;
	if ((R->cache_put = oed_store_prepare(R->c->store,
		"INSERT OR REPLACE INTO bench_responses (digest, sample, response, run_id, created) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", err)) == NULL)
		return -1;
	if ((R->item_put = oed_store_prepare(R->c->store,
		"INSERT OR REPLACE INTO bench_items (run_id, seq, record) VALUES (?1, ?2, ?3)", err)) == NULL)
		return -1;
	return 0;
}

/* Whether the record at position idx (from 0) belongs to this shard. */
static bool
in_shard(const struct oed_bench_cfg *c, unsigned long long idx)
{
	return c->shard_n == 0 || idx % c->shard_n == (unsigned long long)(c->shard_i - 1);
}

static int
item_error(const struct source *s, long line, json_t *rec, unsigned long long idx,
	   const struct render *r, struct oed_err *err)
{
	char msg[sizeof(err->msg)], id[96];
	json_t *v = r->has_id ? oed_path_get(&r->id, rec) : NULL;

	if (json_is_string(v))
		snprintf(id, sizeof(id), "%.80s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(id, sizeof(id), "%llu", idx);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return oed_err_at(err, err->status == OED_EX_FAIL ? OED_EX_FAIL : OED_EX_DATA, s->name,
			  line, 0, "item '%s': %s", id, msg);
}

/* The first pass: render everything, count, and with --dry-run write the requests. */
static int
first_pass(struct runner *R, struct source *s, unsigned long long *total, bool emit,
	   struct oed_err *err)
{
	const struct oed_bench_cfg *c = R->c;
	json_t *rec;
	long line;
	int rc;
	unsigned long long idx = 0, n = 0, chars = 0, requests = 0;
	struct item it = { 0 };
	size_t mi;
	unsigned k;

	while ((rc = next_record(R->t, s, &rec, &line, err)) == 1) {
		unsigned long long at = idx++;

		if (!in_shard(c, at)) {
			json_decref(rec);
			continue;
		}
		if (c->limit && n >= c->limit) {
			json_decref(rec);
			break;
		}
		if (render_item(&R->r, rec, at, &it, err) == -1) {
			rc = item_error(s, line, rec, at, &R->r, err);
			json_decref(rec);
			item_release(&it);
			return rc;
		}
		json_decref(rec);
		n++;
		if (emit) {
			for (mi = 0; mi < R->nm; mi++) {
				for (k = 0; k < R->samples; k++) {
					struct oed_prov_req req = {
						.messages = it.messages, .prompt = it.prompt,
						.gen = &R->t->gen, .input_id = it.id, .sample = k,
					};
					char *body, *canon = oed_provider_canonical(R->m[mi].p, &req, &body, err);
					json_t *jb;

					if (canon == NULL) {
						item_release(&it);
						return -1;
					}
					chars += strlen(body);
					requests++;
					jb = json_loads(body, JSON_DECODE_ANY, NULL);
					oed_w_begin(c->w);
					oed_w_str(c->w, "kind", "bench.request");
					oed_w_str(c->w, "task", R->t->name);
					oed_w_str(c->w, "model", oed_provider_spec(R->m[mi].p));
					oed_w_str(c->w, "input_id", it.id);
					oed_w_uint(c->w, "sample", k);
					if (it.target)
						oed_w_str(c->w, "target", it.target);
					if (jb)
						oed_w_json(c->w, "request", jb);
					json_decref(jb);
					free(canon);
					free(body);
					if (oed_w_end(c->w) == -1) {
						item_release(&it);
						return oed_err_set(err, OED_EX_FAIL, "write error: %s",
								   strerror(errno));
					}
				}
			}
		}
		item_release(&it);
	}
	if (rc == -1)
		return -1;
	*total = n;
	if (emit) {
		double est_in = (double)chars / 4, est_out = 0, cost = NAN;

		for (mi = 0; mi < R->nm; mi++) {
			long long mt = R->t->gen.max_tokens ? R->t->gen.max_tokens : 256;
			double ci = oed_prices_cost(c->prices, oed_provider_model(R->m[mi].p),
						    (long long)(est_in / (double)R->nm), 0,
						    (long long)(n * R->samples) * mt);

			est_out += (double)(n * R->samples) * (double)mt;
			if (!isnan(ci))
				cost = isnan(cost) ? ci : cost + ci;
		}
		oed_w_begin(c->w);
		oed_w_str(c->w, "kind", "bench.estimate");
		oed_w_str(c->w, "task", R->t->name);
		oed_w_uint(c->w, "items", n);
		oed_w_uint(c->w, "requests", requests);
		oed_w_uint(c->w, "tokens_in_est", (unsigned long long)est_in);
		oed_w_uint(c->w, "tokens_out_max", (unsigned long long)est_out);
		if (!isnan(cost))
			oed_w_num(c->w, "cost_usd_max", round(cost * 1e6) / 1e6);
		if (c->prices)
			oed_w_str(c->w, "prices_date", oed_prices_date(c->prices));
		if (oed_w_end(c->w) == -1)
			return oed_err_set(err, OED_EX_FAIL, "write error: %s", strerror(errno));
	}
	return 0;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, size_t n, double p)
{
	double pos;
	size_t lo;

	if (n == 0)
		return NAN;
	pos = p * (double)(n - 1);
	lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

static void
num_or_null(struct oed_writer *w, const char *key, double v)
{
	if (isnan(v))
		oed_w_null(w, key);
	else
		oed_w_num(w, key, v);
}

static int
write_summary(struct runner *R, size_t mi, const char *status, double wall, struct oed_err *err)
{
	const struct oed_bench_cfg *c = R->c;
	struct oed_writer *w = c->w;
	struct model_acc *m = &R->m[mi];
	struct oed_prov_counts pc;
	size_t i;

	oed_provider_counts(m->p, &pc);
	if (m->nlat)
		qsort(m->lat, m->nlat, sizeof(double), dcmp);
	oed_w_begin(w);
	oed_w_str(w, "kind", "bench.summary");
	oed_w_str(w, "task", R->t->name);
	oed_w_int(w, "task_version", R->t->version);
	oed_w_str(w, "model", oed_provider_spec(m->p));
	if (m->run_id)
		oed_w_int(w, "run", m->run_id);
	oed_w_str(w, "status", status);
	oed_w_uint(w, "n", m->items);
	oed_w_uint(w, "errors", m->errors);
	oed_w_uint(w, "invalid", m->invalid);
	oed_w_uint(w, "samples", R->samples);
	oed_w_obj_begin(w, "metrics");
	for (i = 0; i < c->scoring.n; i++) {
		struct oed_score_result r;

		oed_score_stats_write(w, c->scoring.names[i], &m->stats[i], &r);
		if (c->store && m->run_id && r.n > 0 &&
		    oed_metric_add(c->store, m->run_id, c->scoring.names[i], NULL, r.mean,
				   r.lo, r.hi, err) == -1)
			return -1;
	}
	oed_w_obj_end(w);
	if (m->hn > 0 && R->samples > 1)
		oed_w_num(w, "answer_entropy_bits", m->hsum / m->hn);
	if (m->cons_n > 0 && R->samples > 1)
		oed_w_num(w, "consistency", m->cons_sum / (double)m->cons_n);
	if (R->samples > 1 && m->waste_tokens > 0) {
		oed_w_num(w, "waste_ratio", m->waste / m->waste_tokens);
		oed_w_num(w, "token_efficiency", 1000.0 * (double)m->waste_passed / m->waste_tokens);
	}
	if (c->nmutators && c->scoring.n) {
		size_t k;
		const struct oed_mutator *tab = oed_mutator_table(&k);

		oed_w_obj_begin(w, "mutations");
		oed_w_str(w, "scorer", c->scoring.names[c->frag_scorer]);
		for (i = 0; i < c->nmutators; i++) {
			const struct frag_pairs *fp = &m->frag[c->mutators[i] - tab];
			struct oed_fragility f;

			if (oed_fragility(fp->clean, fp->mutated, fp->clean_pass, fp->mutated_pass, fp->n,
					  1000, 0.95, c->mutate_seed, &f, err) == -1)
				return -1;
			oed_w_obj_begin(w, c->mutators[i]->name);
			oed_w_obj_begin(w, "fragility");
			num_or_null(w, "mean", f.fragility);
			num_or_null(w, "lo", f.lo);
			num_or_null(w, "hi", f.hi);
			oed_w_uint(w, "n", f.n);
			oed_w_obj_end(w);
			num_or_null(w, "adversarial_stress", f.adversarial_stress);
			oed_w_obj_end(w);
		}
		oed_w_obj_end(w);
	}
	if (m->tokens_any) {
		oed_w_int(w, "tokens_in", m->tin);
		oed_w_int(w, "tokens_out", m->tout);
	}
	if (m->tcached)
		oed_w_int(w, "tokens_cached", m->tcached);
	if (m->treason)
		oed_w_int(w, "tokens_reasoning", m->treason);
	if (m->tokens_any && m->tokens_estimated)
		oed_w_bool(w, "tokens_incomplete", true);
	if (m->tokens_est)
		oed_w_bool(w, "tokens_estimated", true);
	if (m->cost_known)
		oed_w_num(w, "cost_usd", round(m->cost * 1e9) / 1e9);
	if (m->nlat) {
		oed_w_obj_begin(w, "latency_ms");
		oed_w_num(w, "p50", round(pct(m->lat, m->nlat, 0.5) * 1000) / 1000);
		oed_w_num(w, "p90", round(pct(m->lat, m->nlat, 0.9) * 1000) / 1000);
		oed_w_num(w, "p99", round(pct(m->lat, m->nlat, 0.99) * 1000) / 1000);
		oed_w_obj_end(w);
	}
	oed_w_uint(w, "requests", pc.requests);
	oed_w_uint(w, "retries", pc.retries);
	oed_w_uint(w, "cache_hits", m->cache_hits);
	oed_w_num(w, "wall_s", round(wall * 1000) / 1000);
	if (oed_w_end(w) == -1)
		return oed_err_set(err, OED_EX_FAIL, "write error: %s", strerror(errno));
	return 0;
}

/* Take the next input into the window: render, look up the cache, queue the rest. */
static int mutate_item(struct runner *R, struct item *it, const struct oed_mutator *mu,
		       struct oed_err *err);
static int queue_item(struct runner *R, struct item *it, struct oed_err *err);

static int
admit(struct runner *R, json_t *rec, unsigned long long at, long line, struct source *s,
      struct oed_err *err)
{
	struct item *it = &R->ring[(R->head + R->count) % R->window];
	size_t i;

	if (render_item(&R->r, rec, at, it, err) == -1) {
		item_release(it);
		return item_error(s, line, rec, at, &R->r, err);
	}
	it->line = line;
	if (queue_item(R, it, err) == -1)
		return -1;
	for (i = 0; i < R->c->nmutators; i++) {
		struct item *v = &R->ring[(R->head + R->count) % R->window];

		if (render_item(&R->r, rec, at, v, err) == -1) {
			item_release(v);
			return item_error(s, line, rec, at, &R->r, err);
		}
		v->line = line;
		if (mutate_item(R, v, R->c->mutators[i], err) == -1)
			return -1;
		if (queue_item(R, v, err) == -1)
			return -1;
	}
	return 0;
}

/* Turn a rendered item into its variant by mutator mu (the last user turn). */
static int
mutate_item(struct runner *R, struct item *it, const struct oed_mutator *mu, struct oed_err *err)
{
	struct oed_buf out, sys;
	size_t i, last = (size_t)-1;
	int rc = -1;

	oed_buf_init(&out);
	oed_buf_init(&sys);
	if (mu->apply(it->prompt, strlen(it->prompt),
		      oed_mutate_seed(R->c->mutate_seed, it->id, mu->name), &out, &sys, err) == -1)
		goto done;
	if (oed_buf_addc(&out, '\0') == -1 || oed_buf_addc(&sys, '\0') == -1) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto done;
	}
	for (i = 0; i < json_array_size(it->messages); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(it->messages, i),
							     "role")), "user") == 0)
			last = i;
	if (last != (size_t)-1)
		json_object_set_new(json_array_get(it->messages, last), "content",
				    json_string(out.data));
	else
		json_array_append_new(it->messages, message("user", out.data));
	if (sys.len > 1) {
		json_t *m0 = json_array_get(it->messages, 0);
		const char *role = json_string_value(json_object_get(m0, "role"));

		if (role && strcmp(role, "system") == 0) {
			char *both = NULL;

			if (asprintf(&both, "%s\n\n%s", sys.data,
				     json_string_value(json_object_get(m0, "content"))) < 0) {
				oed_err_set(err, OED_EX_FAIL, "out of memory");
				goto done;
			}
			json_object_set_new(m0, "content", json_string(both));
			free(both);
		} else {
			json_array_insert_new(it->messages, 0, message("system", sys.data));
		}
	}
	free(it->prompt);
	it->prompt = oed_buf_steal(&out, NULL);
	it->mut = mu;
	it->parent = it->id;
	if (asprintf(&it->id, "%s~%s", it->parent, mu->name) < 0) {
		it->id = NULL;
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	oed_buf_release(&out);
	oed_buf_release(&sys);
	return rc;
}

/* Count a rendered item into the window and queue what the cache lacks. */
static int
queue_item(struct runner *R, struct item *it, struct oed_err *err)
{
	size_t mi;
	unsigned k;

	it->left = R->nm * R->samples;
	it->key = R->nkeys++;
	R->count++;
	for (mi = 0; mi < R->nm; mi++) {
		struct oed_prov_req req = {
			.messages = it->messages, .prompt = it->prompt, .gen = &R->t->gen,
			.input_id = it->id, .sample = 0,
		};
		char digest[33], *canon = NULL;

		if (oed_provider_caches(R->m[mi].p)) {
			canon = oed_provider_canonical(R->m[mi].p, &req, NULL, err);
			if (canon == NULL)
				return -1;
			digest_hex(canon, digest);
			free(canon);
		} else {
			digest[0] = '\0';
		}
		for (k = 0; k < R->samples; k++) {
			struct job *j = &it->jobs[mi * R->samples + k];
			int found;

			memset(j, 0, sizeof(*j));
			j->it = it;
			j->model = mi;
			j->sample = k;
			j->tin = j->tout = j->tcached = j->treason = -1;
			j->latency_ms = NAN;
			memcpy(j->digest, digest, sizeof(digest));
			found = digest[0] ? cache_lookup(R, j, err) : 0;
			if (found == -1)
				return -1;
			if (found) {
				it->left--;
				continue;
			}
			if (R->m[mi].qtail)
				R->m[mi].qtail->next_queued = j;
			else
				R->m[mi].qhead = j;
			R->m[mi].qtail = j;
		}
	}
	return 0;
}

/*
 * Submit what waits, a batch at a time: the queued samples of one input
 * (those the cache lacks, consecutive in the queue) go together, so that
 * openai can ask them in one request with n = their number.
 */
static int
submit_queued(struct runner *R, struct oed_err *err)
{
	unsigned batch[R->samples];
	size_t mi;

	for (mi = 0; mi < R->nm; mi++) {
		struct model_acc *m = &R->m[mi];
		size_t room = oed_provider_room(m->p);

		while (room > 0 && m->qhead) {
			struct item *it = m->qhead->it;
			unsigned nb = 0, i;
			struct job *j;

			for (j = m->qhead; j != NULL && j->it == it && nb < R->samples; j = j->next_queued)
				batch[nb++] = j->sample;
			for (i = 0; i < nb; i++) {
				struct oed_prov_req req = {
					.messages = it->messages, .prompt = it->prompt,
					.gen = &R->t->gen, .input_id = it->id,
					.batch = batch, .nbatch = nb,
				};

				j = m->qhead;
				req.sample = j->sample;
				req.user = j;
				m->qhead = j->next_queued;
				if (m->qhead == NULL)
					m->qtail = NULL;
				j->next_queued = NULL;
				if (oed_provider_submit(m->p, &req, err) == -1)
					return -1;
			}
			room = room > nb ? room - nb : 0;
		}
	}
	return 0;
}

static void
unqueue_all(struct runner *R)
{
	size_t mi;

	for (mi = 0; mi < R->nm; mi++)
		R->m[mi].qhead = R->m[mi].qtail = NULL;
}

static void
report_progress(struct runner *R, unsigned long long total, double elapsed, bool final)
{
	unsigned long long errors = 0;
	unsigned conc = 0;
	size_t mi;

	for (mi = 0; mi < R->nm; mi++) {
		struct oed_prov_counts pc;

		oed_provider_counts(R->m[mi].p, &pc);
		errors += R->m[mi].errors;
		conc += pc.concurrency;
	}
	R->c->progress(R->c->progress_ctx, R->done_inputs, total, errors, conc, elapsed, final);
}

static int
run_models(struct runner *R, struct source *s, unsigned long long total, bool *interrupted,
	   struct oed_err *err)
{
	const struct oed_bench_cfg *c = R->c;
	unsigned long long idx = 0, admitted = 0;
	bool eof = false;
	json_t *rec;
	long line;
	size_t mi, i;
	int rc;

	double t0 = now_s(), last = 0;

	for (;;) {
		bool busy = false;

		if (c->stop && *c->stop) {
			*interrupted = true;
			break;
		}
		if (R->fatal)
			break;
		/* fill the window */
		while (!eof && R->count + 1 + c->nmutators <= R->window) {
			unsigned long long at;

			if (c->limit && admitted >= c->limit) {
				eof = true;
				break;
			}
			rc = next_record(R->t, s, &rec, &line, err);
			if (rc == -1)
				return -1;
			if (rc == 0) {
				eof = true;
				break;
			}
			at = idx++;
			if (!in_shard(c, at)) {
				json_decref(rec);
				continue;
			}
			rc = admit(R, rec, at, line, s, err);
			json_decref(rec);
			if (rc == -1)
				return -1;
			admitted++;
		}
		if (submit_queued(R, err) == -1)
			return -1;
		/* let the providers work */
		for (mi = 0; mi < R->nm; mi++) {
			if (oed_provider_inflight(R->m[mi].p) == 0)
				continue;
			busy = true;
			if (oed_provider_poll(R->m[mi].p, R->nm > 1 ? 5 : 50, on_response, R, err) == -1)
				return -1;
			if (R->failed)
				return -1;
		}
		/* write what is complete, in order */
		while (R->count && R->ring[R->head].left == 0) {
			struct item *it = &R->ring[R->head];

			if (finish_input(R, it) == -1)
				return -1;
			for (i = 0; i < R->nm * R->samples; i++)
				job_clear(&it->jobs[i]);
			item_release(it);
			R->head = (R->head + 1) % R->window;
			R->count--;
			R->done_inputs++;
		}
		if (c->progress && now_s() - last >= 0.25) {
			last = now_s();
			report_progress(R, total, last - t0, false);
		}
		if (eof && R->count == 0)
			break;
		if (!busy && R->count && R->ring[R->head].left) {
			/* nothing in flight yet the head waits: only queued work is left */
			bool queued = false;

			for (mi = 0; mi < R->nm; mi++)
				queued = queued || R->m[mi].qhead != NULL;
			if (!queued)
				return oed_err_set(err, OED_EX_FAIL, "internal error: a request was lost");
		}
	}
	if (c->progress)
		report_progress(R, total, now_s() - t0, true);
	if (*interrupted || R->fatal) {
		for (mi = 0; mi < R->nm; mi++)
			oed_provider_abandon(R->m[mi].p);
		unqueue_all(R);
	}
	return 0;
}

int
oed_bench_run(const struct oed_bench_cfg *c, struct oed_bench_outcome *out, struct oed_err *err)
{
	struct runner R = { .c = c, .t = c->task, .nm = c->nmodels, .err = err };
	const struct oed_task *t = c->task;
	struct source s = { 0 };
	const char *data = c->data ? c->data : t->data_path;
	FILE *tmp = NULL;
	unsigned long long total = 0;
	bool interrupted = false, csv = t->data_csv;
	double t0 = now_s();
	size_t mi, i, q;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	R.samples = t->gen.samples ? t->gen.samples : 1;
	R.window = c->window ? c->window : 256;
	if (R.window < 1 + c->nmutators)
		R.window = 1 + c->nmutators;
	if (c->data) {
		size_t l = strlen(c->data);

		csv = l > 4 && strcmp(c->data + l - 4, ".csv") == 0;
	}
	if (data == NULL && t->data_store != NULL && c->data == NULL) {
		if (c->store == NULL)
			return oed_err_set(err, OED_EX_USAGE,
					   "dataset '%s' is in the run store: give --store or drop --dry-run's store-less mode",
					   t->data_store);
		tmp = tmpfile();
		if (tmp == NULL)
			return oed_err_set(err, OED_EX_FAIL, "cannot make a temporary file: %s",
					   strerror(errno));
		if (oed_dataset_load(c->store, t->data_store, tmp, err) == -1) {
			fclose(tmp);
			return -1;
		}
		rewind(tmp);
		data = t->data_store;
		csv = false;
	}
	if (data == NULL)
		return oed_err_set(err, OED_EX_USAGE, "task '%s' names no dataset: give --data FILE",
				   t->name);
	R.r.t = t;
	if (t->id_field) {
		if (oed_path_parse(&R.r.id, t->id_field, err) == -1)
			goto out;
		R.r.has_id = true;
	}
	if (t->choices_field) {
		if (oed_path_parse(&R.r.choices, t->choices_field, err) == -1)
			goto out;
		R.r.has_choices = true;
	}
	if (t->shots && load_shots(&R.r, err) == -1)
		goto out;
	if (source_open(&s, data, csv, tmp, t->csv_header, err) == -1)
		goto out;
	R.m = calloc(R.nm, sizeof(*R.m));
	out->m = calloc(R.nm, sizeof(*out->m));
	R.answers = calloc(R.samples, sizeof(char *));
	R.anslen = calloc(R.samples, sizeof(size_t));
	if (R.m == NULL || out->m == NULL || R.answers == NULL || R.anslen == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	out->nmodels = R.nm;
	for (mi = 0; mi < R.nm; mi++) {
		R.m[mi].p = c->models[mi];
		R.m[mi].stats = calloc(c->scoring.n ? c->scoring.n : 1, sizeof(struct oed_score_stats));
		R.m[mi].vals = calloc(R.samples, sizeof(double));
		out->m[mi].means = calloc(c->scoring.n ? c->scoring.n : 1, sizeof(double));
		oed_mutator_table(&i);
		R.m[mi].frag = calloc(i, sizeof(struct frag_pairs));
		if (R.m[mi].stats == NULL || R.m[mi].vals == NULL || out->m[mi].means == NULL ||
		    R.m[mi].frag == NULL) {
			oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto out;
		}
		for (i = 0; i < c->scoring.n; i++)
			oed_score_stats_init(&R.m[mi].stats[i], R.samples);
	}
	if (first_pass(&R, &s, &total, false, err) == -1)
		goto out;
	if (c->dry_run) {
		/* everything rendered: now write it */
		if (source_rewind(&s, err) == 0 && first_pass(&R, &s, &total, true, err) == 0)
			rc = 0;
		goto out;
	}
	if (total == 0) {
		oed_err_set(err, OED_EX_DATA, "no records in the input: '%s' holds no items%s", data,
			    c->shard_n || c->limit ? " for this shard or limit" : "");
		goto out;
	}
	if (source_rewind(&s, err) == -1)
		goto out;
	R.ring = calloc(R.window, sizeof(*R.ring));
	if (R.ring == NULL)
		goto nomem;
	for (i = 0; i < R.window; i++)
		if ((R.ring[i].jobs = calloc(R.nm * R.samples, sizeof(struct job))) == NULL)
			goto nomem;
	for (mi = 0; mi < R.nm; mi++) {
		char params[1024];
		json_t *pj = json_object();
		char *pt;

		json_object_set_new(pj, "task", json_string(t->name));
		json_object_set_new(pj, "task_version", json_integer(t->version));
		json_object_set_new(pj, "task_digest", json_string(t->digest));
		json_object_set_new(pj, "model", json_string(oed_provider_spec(R.m[mi].p)));
		json_object_set_new(pj, "samples", json_integer(R.samples));
		if (c->limit)
			json_object_set_new(pj, "limit", json_integer((json_int_t)c->limit));
		if (c->shard_n) {
			snprintf(params, sizeof(params), "%u/%u", c->shard_i, c->shard_n);
			json_object_set_new(pj, "shard", json_string(params));
		}
		pt = json_dumps(pj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(pj);
		if (pt == NULL)
			goto nomem;
		rc = oed_run_begin(c->store, "oed-bench", NULL, c->argc, c->argv, pt, &R.m[mi].run_id, err);
		free(pt);
		if (rc == -1)
			goto out;
		rc = -1;
		out->m[mi].run_id = R.m[mi].run_id;
	}
	if (prepare(&R, err) == -1)
		goto out;
	for (mi = 0; mi < R.nm; mi++) {
		enum oed_provider_kind k = oed_provider_kind(R.m[mi].p);

		if (k == OED_PROV_OPENAI || k == OED_PROV_ANTHROPIC) {
			struct oed_err e2;

			/* without the vocabulary, counts stay unknown: not a reason to stop */
			R.tok = oed_tokenizer_open("o200k_base", NULL, &e2);
			break;
		}
	}
	rc = run_models(&R, &s, total, &interrupted, err);
	for (mi = 0; mi < R.nm; mi++) {
		const char *status = rc == -1 ? "failed" : interrupted ? "interrupted" :
				     R.fatal ? "failed" : "ok";
		struct oed_err e2;

		if (rc == 0 && write_summary(&R, mi, status, now_s() - t0, err) == -1)
			rc = -1;
		oed_run_finish(c->store, R.m[mi].run_id, rc == -1 ? "failed" : status, t->digest, &e2);
		out->m[mi].items = R.m[mi].items;
		out->m[mi].errors = R.m[mi].errors;
		for (i = 0; i < c->scoring.n; i++) {
			struct oed_score_result r;

			oed_score_stats_result(&R.m[mi].stats[i], &r);
			out->m[mi].means[i] = r.mean;
		}
	}
	out->interrupted = interrupted;
	out->fatal = R.fatal;
	snprintf(out->fatal_msg, sizeof(out->fatal_msg), "%s", R.fatal_msg);
	goto out;
nomem:
	oed_err_set(err, OED_EX_FAIL, "out of memory");
out:
	if (R.ring) {
		for (i = 0; i < R.count; i++) {
			struct item *it = &R.ring[(R.head + i) % R.window];
			size_t j;

			for (j = 0; j < R.nm * R.samples; j++)
				job_clear(&it->jobs[j]);
			item_release(it);
		}
		for (i = 0; i < R.window; i++)
			free(R.ring[i].jobs);
		free(R.ring);
	}
	sqlite3_finalize(R.cache_get);
	sqlite3_finalize(R.cache_put);
	sqlite3_finalize(R.item_put);
	if (R.m) {
		for (mi = 0; mi < R.nm; mi++) {
			free(R.m[mi].stats);
			free(R.m[mi].vals);
			free(R.m[mi].passed);
			free(R.m[mi].lat);
			oed_mutator_table(&i);
			for (q = 0; R.m[mi].frag && q < i; q++) {
				free(R.m[mi].frag[q].clean);
				free(R.m[mi].frag[q].mutated);
				free(R.m[mi].frag[q].clean_pass);
				free(R.m[mi].frag[q].mutated_pass);
			}
			free(R.m[mi].frag);
		}
		free(R.m);
	}
	free(R.answers);
	free(R.anslen);
	oed_tokenizer_free(R.tok);
	render_release(&R.r);
	source_close(&s);
	if (tmp)
		fclose(tmp);
	return rc;
}

void
oed_bench_outcome_release(struct oed_bench_outcome *o)
{
	size_t i;

	if (o->m)
		for (i = 0; i < o->nmodels; i++)
			free(o->m[i].means);
	free(o->m);
	memset(o, 0, sizeof(*o));
}
