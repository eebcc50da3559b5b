#include "config.h"
#include "ingest.h"
#include "csvin.h"
#include "exit.h"
#include "jsonl.h"
#include "provider/openai_response.h"
#include "utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

/* The normalised fields, in output order; --map targets must be one of these. */
enum {
	F_DATASET, F_INPUT_ID, F_INPUT, F_OUTPUT, F_SAMPLE, F_MODEL, F_TS,
	F_LATENCY_MS, F_TOKENS_IN, F_TOKENS_OUT, F_META, NFIELDS
};
static const char *const field_names[NFIELDS] = {
	"dataset", "input_id", "input", "output", "sample", "model", "ts",
	"latency_ms", "tokens_in", "tokens_out", "meta"
};

static int
field_index(const char *name)
{
	for (int i = 0; i < NFIELDS; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

void
oed_ingest_opts_init(struct oed_ingest_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->delimiter = ',';
}

void
oed_ingest_opts_release(struct oed_ingest_opts *o)
{
	for (size_t i = 0; i < o->nmaps; i++) {
		free(o->maps[i].target);
		oed_path_release(&o->maps[i].source);
	}
	for (size_t i = 0; i < o->ninputs; i++) {
		free(o->inputs[i].dataset);
		free(o->inputs[i].path);
	}
	free(o->maps);
	free(o->inputs);
	memset(o, 0, sizeof(*o));
}

static const char *const format_names[] = { "auto", "map", "jsonl", "csv", "openai" };

int
oed_ingest_parse_format(const char *name, enum oed_ingest_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum oed_ingest_format)i;
			return 0;
		}
	return -1;
}

const char *
oed_ingest_format_name(enum oed_ingest_format f)
{
	return format_names[f];
}

const char *
oed_ingest_unit(enum oed_ingest_format f)
{
	return f == OED_FMT_CSV ? "rows" : f == OED_FMT_MAP ? "outputs" : "lines";
}

int
oed_ingest_add_map(struct oed_ingest_opts *o, const char *arg, struct oed_err *err)
{
	const char *eq = strchr(arg, '=');
	struct oed_field_map *m;
	char target[32];

	if (eq == NULL || eq == arg || eq[1] == '\0' || (size_t)(eq - arg) >= sizeof(target))
		return oed_err_set(err, OED_EX_USAGE, "--map: '%s' is not TARGET=SOURCE", arg);
	memcpy(target, arg, (size_t)(eq - arg));
	target[eq - arg] = '\0';
	if (field_index(target) < 0)
		return oed_err_set(err, OED_EX_USAGE,
				   "--map: '%s' is not a record field (dataset, input_id, input, output, "
				   "sample, model, ts, latency_ms, tokens_in, tokens_out, meta)", target);
	for (size_t i = 0; i < o->nmaps; i++)
		if (strcmp(o->maps[i].target, target) == 0)
			return oed_err_set(err, OED_EX_USAGE, "--map: '%s' is mapped twice", target);
	m = realloc(o->maps, (o->nmaps + 1) * sizeof(*m));
	if (m == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	o->maps = m;
	m = &o->maps[o->nmaps];
	if (oed_path_parse(&m->source, eq + 1, err) == -1) {
		err->status = OED_EX_USAGE;
		return -1;
	}
	m->target = strdup(target);
	o->nmaps++;
	return 0;
}

int
oed_ingest_add_inputs(struct oed_ingest_opts *o, const char *arg, struct oed_err *err)
{
	const char *eq = strchr(arg, '=');
	struct oed_inputs_file *in = realloc(o->inputs, (o->ninputs + 1) * sizeof(*in));

	if (in == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	o->inputs = in;
	in = &o->inputs[o->ninputs];
	if (eq && eq != arg) {
		in->dataset = strndup(arg, (size_t)(eq - arg));
		in->path = strdup(eq + 1);
	} else {
		in->dataset = NULL;
		in->path = strdup(arg);
	}
	if (in->path[0] == '\0')
		return oed_err_set(err, OED_EX_USAGE, "--inputs: no file in '%s'", arg);
	o->ninputs++;
	return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Look at the first line of a JSON Lines file: an OpenAI response or a plain record? */
static enum oed_ingest_format
sniff_jsonl(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	enum oed_ingest_format f = OED_FMT_JSONL;
	json_t *j;

	ssize_t n;
	char *start;

	if (fp == NULL)
		return f;
	/* the first line with something on it, as the reader will see it */
	for (bool first = true; (n = getline(&line, &cap, fp)) > 0; first = false) {
		start = first && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? line + 3 : line;
		if (start[strspn(start, " \t\r\n")] != '\0')
			break;
	}
	if (n > 0 && (j = json_loads(start, 0, NULL)) != NULL) {
		if (json_object_get(j, "choices") ||
		    (json_object_get(j, "custom_id") && json_object_get(j, "response")))
			f = OED_FMT_OPENAI;
		json_decref(j);
	}
	free(line);
	fclose(fp);
	return f;
}

int
oed_ingest_detect(const struct oed_ingest_opts *o, int nfiles, char *const *files,
		  enum oed_ingest_format *out, struct oed_err *err)
{
	enum oed_ingest_format f = OED_FMT_AUTO;

	if (o->format != OED_FMT_AUTO) {
		*out = o->format;
		return 0;
	}
	if (o->ninputs > 0) {
		*out = OED_FMT_MAP;
		return 0;
	}
	for (int i = 0; i < nfiles; i++) {
		enum oed_ingest_format g;

		if (strcmp(files[i], "-") == 0)
			g = OED_FMT_JSONL;
		else if (ends_with(files[i], ".csv"))
			g = OED_FMT_CSV;
		else if (ends_with(files[i], ".json"))
			g = OED_FMT_MAP;
		else
			g = sniff_jsonl(files[i]);
		if (f != OED_FMT_AUTO && g != f)
			return oed_err_set(err, OED_EX_USAGE,
					   "'%s' looks like %s but '%s' like %s: give --format",
					   files[0], format_names[f], files[i], format_names[g]);
		f = g;
	}
	*out = f == OED_FMT_AUTO ? OED_FMT_JSONL : f;
	return 0;
}

void
oed_epoch_to_rfc3339(double secs, char out[40])
{
	/* round to the millisecond first, so .9996 s carries into the second */
	long long ms = (long long)floor(secs * 1000 + 0.5);
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (long long)t * 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac > 0)
		snprintf(out + n, 40 - n, ".%03dZ", frac);
	else
		snprintf(out + n, 40 - n, "Z");
}

/* n digits at s as a number, -1 when they are not all digits. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool
oed_rfc3339_valid(const char *s, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se;
	size_t i = 19;

	if (n < 20)
		return false;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 0 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
		return false;
	if (s[i] == '.') {
		size_t start = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z'))
		return true;
	if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		h = digits(s + i + 1, 2);
		mi = digits(s + i + 4, 2);
		return h >= 0 && h <= 23 && mi >= 0 && mi <= 59;
	}
	return false;
}

void
oed_record_write(struct oed_writer *w, const struct oed_record *r)
{
	oed_w_begin(w);
	oed_w_str(w, "dataset", r->dataset);
	oed_w_str(w, "input_id", r->input_id);
	if (r->input)
		oed_w_str(w, "input", r->input);
	oed_w_strn(w, "output", r->output, r->output_len);
	oed_w_int(w, "sample", r->sample);
	if (r->model)
		oed_w_str(w, "model", r->model);
	if (r->ts)
		oed_w_str(w, "ts", r->ts);
	if (r->has_latency)
		oed_w_num(w, "latency_ms", r->latency_ms);
	if (r->has_tokens_in)
		oed_w_int(w, "tokens_in", r->tokens_in);
	if (r->has_tokens_out)
		oed_w_int(w, "tokens_out", r->tokens_out);
	if (r->meta)
		oed_w_json(w, "meta", r->meta);
}

/* ---------------------------------------------------------------------------
 * Sample numbering: several outputs of one input share its id and count
 * from 0.  A small open-addressing table of 64-bit (dataset, id) keys.
 */
struct counter {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
};

/* 64-bit key of (dataset, id); never 0, which marks an empty slot. */
static uint64_t
pair_key(const char *dataset, const char *id)
{
	return XXH3_64bits_withSeed(id, strlen(id), XXH3_64bits(dataset, strlen(dataset))) | 1;
}

static int
counter_next(struct counter *c, const char *dataset, const char *id, long long *out)
{
	uint64_t key;
	size_t i;

	if (c->n * 2 >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		uint64_t *k = calloc(cap, sizeof(*k));
		uint32_t *v = calloc(cap, sizeof(*v));

		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			return -1;
		}
		for (size_t j = 0; j < c->cap; j++) {
			if (c->keys[j] == 0)
				continue;
			for (i = c->keys[j] & (cap - 1); k[i]; i = (i + 1) & (cap - 1))
				;
			k[i] = c->keys[j];
			v[i] = c->vals[j];
		}
		free(c->keys);
		free(c->vals);
		c->keys = k;
		c->vals = v;
		c->cap = cap;
	}
	key = pair_key(dataset, id);
	for (i = key & (c->cap - 1); c->keys[i] && c->keys[i] != key; i = (i + 1) & (c->cap - 1))
		;
	if (c->keys[i] == 0) {
		c->keys[i] = key;
		c->n++;
	}
	*out = c->vals[i]++;
	return 0;
}

static void
counter_release(struct counter *c)
{
	free(c->keys);
	free(c->vals);
}

/* ---------------------------------------------------------------------------
 * JSON Lines with --map, and OpenAI responses: both read through the reader.
 */
struct line_state {
	const struct oed_ingest_opts *o;
	struct oed_reader *r;
	int idx[NFIELDS];
	struct counter samples;
	char idbuf[32];
	char tsbuf[40];
	oed_record_sink sink;
	void *ctx;
	struct oed_ingest_stats *stats;
};

static const struct oed_path *
map_source(const struct oed_ingest_opts *o, int field)
{
	for (size_t i = 0; i < o->nmaps; i++)
		if (strcmp(o->maps[i].target, field_names[field]) == 0)
			return &o->maps[i].source;
	return NULL;
}

/* The name a field is read from, for messages. */
static const char *
field_spec(const struct oed_ingest_opts *o, int field)
{
	const struct oed_path *src = map_source(o, field);

	return src ? src->spec : field_names[field];
}

/* Whether top-level key k of a source record feeds a normalised field. */
static bool
key_used(const struct oed_ingest_opts *o, const char *k)
{
	for (int f = 0; f < NFIELDS; f++) {
		const struct oed_path *src = map_source(o, f);

		if (src ? src->nseg > 0 && strcmp(src->seg[0].key, k) == 0 :
			  strcmp(field_names[f], k) == 0)
			return true;
	}
	return false;
}

/*
 * --meta-rest: the record's meta object (if any) followed by every
 * top-level field of the source that feeds no normalised field; a key meta
 * already has keeps meta's value.  New reference, NULL when out of memory.
 */
static json_t *
meta_rest(struct line_state *s, json_t *meta)
{
	json_t *out = json_object(), *root = oed_reader_root(s->r), *v;
	const char *k;

	if (out == NULL)
		return NULL;
	if (meta && json_object_update(out, meta) == -1) {
		json_decref(out);
		return NULL;
	}
	json_object_foreach(root, k, v) {
		if (key_used(s->o, k) || json_object_get(out, k))
			continue;
		if (json_object_set(out, k, v) == -1) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* "a string", "an array" ... for messages */
static const char *
type_name(const struct oed_value *v)
{
	static const char *const names[] = {
		"missing", "null", "a boolean", "a boolean", "a number", "a string", "an array", "an object"
	};
	return names[v->type];
}

/* A string field, or an id that may also be an integer. NULL + bad when wrong. */
static int
get_string(struct line_state *s, int field, bool integer_ok, bool required,
	   const char **out, struct oed_err *err)
{
	const struct oed_value *v;
	const char *name;

	*out = NULL;
	if (s->idx[field] < 0)
		goto missing;
	v = oed_reader_value(s->r, s->idx[field]);
	name = map_source(s->o, field) ? map_source(s->o, field)->spec : field_names[field];
	if (v->type == OED_V_STRING) {
		/*
		 * \u0000 is valid JSON and the reader keeps it; output is
		 * carried with its length, the other fields as C strings,
		 * which would silently end at the NUL.
		 */
		if (field != F_OUTPUT && memchr(v->str, '\0', v->len) != NULL)
			return oed_reader_bad(s->r, err, "field '%s' holds \\u0000, which only 'output' may",
					      name) == -1 ? -1 : 1;
		*out = v->str;
		return 0;
	}
	if (integer_ok && v->type == OED_V_NUMBER && v->is_int) {
		snprintf(s->idbuf, sizeof(s->idbuf), "%lld", v->i);
		*out = s->idbuf;
		return 0;
	}
	if (v->type == OED_V_MISSING || (v->type == OED_V_NULL && !required))
		goto missing;
	return oed_reader_bad(s->r, err, "field '%s' is %s, not a string", name,
			      type_name(v)) == -1 ? -1 : 1;
missing:
	if (!required)
		return 0;
	name = map_source(s->o, field) ? map_source(s->o, field)->spec : field_names[field];
	return oed_reader_bad(s->r, err, "missing field '%s'", name) == -1 ? -1 : 1;
}

static int
get_number(struct line_state *s, int field, bool integer, double *num, long long *i,
	   bool *has, struct oed_err *err)
{
	const struct oed_value *v;
	const char *name;

	*has = false;
	if (s->idx[field] < 0)
		return 0;
	v = oed_reader_value(s->r, s->idx[field]);
	if (v->type == OED_V_MISSING || v->type == OED_V_NULL)
		return 0;
	name = map_source(s->o, field) ? map_source(s->o, field)->spec : field_names[field];
	if (v->type != OED_V_NUMBER || (integer && !v->is_int) || (!integer && !isfinite(v->num)))
		return oed_reader_bad(s->r, err, "field '%s' is %s, not %s", name,
				      v->type == OED_V_NUMBER ? "a fraction" : type_name(v),
				      integer ? "a whole number" : "a number") == -1 ? -1 : 1;
	if (integer && v->i < 0)
		return oed_reader_bad(s->r, err, "field '%s' is negative", name) == -1 ? -1 : 1;
	*has = true;
	if (num)
		*num = v->num;
	if (i)
		*i = v->i;
	return 0;
}

/* Returns 0 written or skipped, -1 stop. */
static int
jsonl_record(struct line_state *s, struct oed_err *err)
{
	struct oed_record rec = { 0 };
	const struct oed_value *v;
	bool has_sample = false;
	int rc;

#define TRY(call) do { if ((rc = (call)) != 0) return rc < 0 ? -1 : 0; } while (0)
	TRY(get_string(s, F_DATASET, false, s->o->dataset == NULL, &rec.dataset, err));
	if (rec.dataset == NULL)
		rec.dataset = s->o->dataset;
	TRY(get_string(s, F_INPUT_ID, true, true, &rec.input_id, err));
	TRY(get_string(s, F_INPUT, false, false, &rec.input, err));
	TRY(get_string(s, F_OUTPUT, false, true, &rec.output, err));
	v = oed_reader_value(s->r, s->idx[F_OUTPUT]);
	rec.output_len = v->len;
	TRY(get_string(s, F_MODEL, false, false, &rec.model, err));
	TRY(get_number(s, F_SAMPLE, true, NULL, &rec.sample, &has_sample, err));
	TRY(get_number(s, F_LATENCY_MS, false, &rec.latency_ms, NULL, &rec.has_latency, err));
	TRY(get_number(s, F_TOKENS_IN, true, NULL, &rec.tokens_in, &rec.has_tokens_in, err));
	TRY(get_number(s, F_TOKENS_OUT, true, NULL, &rec.tokens_out, &rec.has_tokens_out, err));
	if (s->idx[F_TS] >= 0) {
		v = oed_reader_value(s->r, s->idx[F_TS]);
		if (v->type == OED_V_STRING) {
			if (!oed_rfc3339_valid(v->str, v->len))
				return oed_reader_bad(s->r, err, "field '%s' is not an RFC 3339 time: '%.40s'",
						      field_spec(s->o, F_TS), v->str) == -1 ? -1 : 0;
			rec.ts = v->str;
		} else if (v->type == OED_V_NUMBER) {
			oed_epoch_to_rfc3339(v->num, s->tsbuf);
			rec.ts = s->tsbuf;
		} else if (v->type != OED_V_MISSING && v->type != OED_V_NULL) {
			return oed_reader_bad(s->r, err, "field '%s' is %s, not a time",
					      field_spec(s->o, F_TS), type_name(v)) == -1 ? -1 : 0;
		}
	}
	if (s->idx[F_META] >= 0) {
		v = oed_reader_value(s->r, s->idx[F_META]);
		if (v->type == OED_V_OBJECT)
			rec.meta = oed_reader_json(s->r, s->idx[F_META]);
		else if (v->type != OED_V_MISSING && v->type != OED_V_NULL)
			return oed_reader_bad(s->r, err, "field '%s' is %s, not an object",
					      field_spec(s->o, F_META), type_name(v)) == -1 ? -1 : 0;
	}
#undef TRY
	if (!has_sample && counter_next(&s->samples, rec.dataset, rec.input_id, &rec.sample) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (s->o->meta_rest) {
		json_t *meta = meta_rest(s, rec.meta);

		if (meta == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		rec.meta = json_object_size(meta) ? meta : NULL;
		rc = s->sink(&rec, s->ctx, err);
		json_decref(meta);
	} else {
		rc = s->sink(&rec, s->ctx, err);
	}
	if (rc == -1)
		return -1;
	s->stats->written++;
	return 0;
}

/*
 * One OpenAI chat completion (body), one record per choice.  All choices
 * are parsed first, so a bad one rejects the whole line, not half of it.
 */
static int
openai_completion(struct line_state *s, const json_t *body, const char *input_id, struct oed_err *err)
{
	struct oed_llm_response first, *resp;
	struct oed_err perr = { 0 };
	size_t n, i;
	int rc = 0;

	if (oed_openai_parse_chat(body, &first, &perr) == -1)
		return perr.status == OED_EX_DATA ? oed_reader_bad(s->r, err, "%s", perr.msg)
						  : oed_err_set(err, perr.status, "%s", perr.msg);
	if (oed_llm_response_failed(&first)) {
		rc = oed_reader_bad(s->r, err, "the response is an error: %s",
				    first.error_message ? first.error_message :
				    first.error_type ? first.error_type : first.error_code);
		oed_llm_response_release(&first);
		return rc;
	}
	n = first.n_choices;
	resp = calloc(n, sizeof(*resp));
	if (resp == NULL) {
		oed_llm_response_release(&first);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	resp[0] = first;
	for (i = 1; i < n; i++)
		if (oed_openai_parse_chat_choice(body, i, &resp[i], &perr) == -1) {
			rc = perr.status == OED_EX_DATA ? oed_reader_bad(s->r, err, "%s", perr.msg)
							: oed_err_set(err, perr.status, "%s", perr.msg);
			goto out;
		}
	for (i = 0; i < n; i++)
		if (resp[i].text == NULL) {
			rc = oed_reader_bad(s->r, err, "choices.%zu.message.content is null, not a string", i);
			goto out;
		}
	for (i = 0; i < n && rc == 0; i++) {
		struct oed_record rec = { 0 };
		json_t *meta = NULL;

		rec.dataset = s->o->dataset;
		rec.input_id = input_id;
		rec.model = resp[i].model;
		if (resp[i].prompt_tokens >= 0) {
			rec.tokens_in = resp[i].prompt_tokens;
			rec.has_tokens_in = true;
		}
		if (resp[i].created >= 0) {
			oed_epoch_to_rfc3339((double)resp[i].created, s->tsbuf);
			rec.ts = s->tsbuf;
		}
		rec.output = resp[i].text;
		rec.output_len = resp[i].text_len;
		rec.sample = resp[i].choice_index >= 0 ? resp[i].choice_index : (long long)i;
		/* completion tokens are for all choices together: only exact with one */
		if (n == 1 && resp[i].completion_tokens >= 0) {
			rec.tokens_out = resp[i].completion_tokens;
			rec.has_tokens_out = true;
		}
		if (resp[i].finish_reason) {
			meta = json_object();
			if (meta == NULL ||
			    json_object_set_new(meta, "finish_reason",
						json_string(resp[i].finish_reason)) == -1) {
				json_decref(meta);
				rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
				break;
			}
		}
		rec.meta = meta;
		rc = s->sink(&rec, s->ctx, err);
		json_decref(meta);
		if (rc == 0)
			s->stats->written++;
	}
out:
	for (i = 0; i < n; i++)
		oed_llm_response_release(&resp[i]);
	free(resp);
	return rc;
}

static int
openai_line(struct line_state *s, struct oed_err *err)
{
	json_t *root = oed_reader_root(s->r), *resp, *e, *body;
	const char *custom_id;

	if (root == NULL)
		return oed_err_set(err, OED_EX_FAIL, "internal error: no parsed record");
	resp = json_object_get(root, "response");
	custom_id = json_string_value(json_object_get(root, "custom_id"));
	if (json_object_get(root, "custom_id")) {
		/* a Batch API output line */
		if (custom_id == NULL)
			return oed_reader_bad(s->r, err, "'custom_id' is not a string");
		e = json_object_get(root, "error");
		if (e && !json_is_null(e)) {
			const char *msg = json_string_value(json_object_get(e, "message"));

			return oed_reader_bad(s->r, err, "batch request '%s' failed: %s", custom_id,
					      msg ? msg : "error without a message");
		}
		if (!json_is_object(resp))
			return oed_reader_bad(s->r, err, "batch request '%s' has no response", custom_id);
		if (json_integer_value(json_object_get(resp, "status_code")) != 200) {
			/* the API's own words, when the body has them */
			const char *msg = json_string_value(json_object_get(json_object_get(
				json_object_get(resp, "body"), "error"), "message"));

			return oed_reader_bad(s->r, err, "batch request '%s' returned HTTP status %lld%s%s",
					      custom_id,
					      (long long)json_integer_value(json_object_get(resp, "status_code")),
					      msg ? ": " : "", msg ? msg : "");
		}
		body = json_object_get(resp, "body");
		if (!json_is_object(body))
			return oed_reader_bad(s->r, err, "batch request '%s' has no response body", custom_id);
		return openai_completion(s, body, custom_id, err);
	}
	if (json_object_get(root, "choices")) {
		const char *id = json_string_value(json_object_get(root, "id"));

		if (id == NULL)
			return oed_reader_bad(s->r, err, "the response has no string 'id'");
		return openai_completion(s, root, id, err);
	}
	return oed_reader_bad(s->r, err, "not an OpenAI chat completion or Batch API output line");
}

static int
ingest_lines(const struct oed_ingest_opts *o, bool openai, int nfiles, char *const *files,
	     oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct line_state s = { .o = o, .sink = sink, .ctx = ctx, .stats = stats };
	int rc;

	if (openai && o->dataset == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--format openai needs --dataset NAME");
	s.r = oed_reader_new(nfiles, files, o->max_line, o->policy, err);
	if (s.r == NULL)
		return -1;
	for (int f = 0; f < NFIELDS; f++) {
		const struct oed_path *src = map_source(o, f);

		s.idx[f] = -1;
		if (openai)
			continue;
		s.idx[f] = oed_reader_want(s.r, src ? src->spec : field_names[f], err);
		if (s.idx[f] < 0) {
			oed_reader_free(s.r);
			return -1;
		}
	}
	for (;;) {
		unsigned long bad_before = o->policy->bad;

		rc = oed_reader_next(s.r, err);
		/* lines the reader itself found bad were read too */
		stats->read += o->policy->bad - bad_before + (rc == 1);
		if (rc != 1)
			break;
		if ((openai ? openai_line(&s, err) : jsonl_record(&s, err)) == -1) {
			rc = -1;
			break;
		}
	}
	counter_release(&s.samples);
	oed_reader_free(s.r);
	return rc;
}

/* ---------------------------------------------------------------------------
 * CSV
 */
struct csv_state {
	const struct oed_ingest_opts *o;
	int col[NFIELDS];
	struct counter samples;
	bool mapped;
	char tsbuf[40];
	oed_record_sink sink;
	void *ctx;
	struct oed_ingest_stats *stats;
};

static int
csv_bad(struct oed_csv *c, const struct oed_ingest_opts *o, struct oed_err *err,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
csv_bad(struct oed_csv *c, const struct oed_ingest_opts *o, struct oed_err *err,
	const char *fmt, ...)
{
	va_list ap;
	char msg[400];
	size_t len;
	const char *raw = oed_csv_raw(c, &len);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_at(err, OED_EX_DATA, oed_csv_source(c), oed_csv_row_line(c), 0, "%s", msg);
	if (len && raw[len - 1] == '\n')
		len--;
	return oed_policy_bad(o->policy, err, raw, len);
}

static int
csv_number(struct oed_csv *c, struct csv_state *s, int field, bool integer, double *num,
	   long long *i, bool *has, struct oed_err *err)
{
	size_t len;
	const char *v;
	char *end;

	*has = false;
	if (s->col[field] < 0)
		return 0;
	v = oed_csv_field(c, (size_t)s->col[field], &len);
	if (len == 0)
		return 0;
	errno = 0;
	if (integer) {
		*i = strtoll(v, &end, 10);
		if (errno || *end != '\0' || *i < 0)
			goto bad;
	} else {
		*num = strtod(v, &end);
		if (errno || *end != '\0' || !isfinite(*num))
			goto bad;
	}
	*has = true;
	return 0;
bad:
	return csv_bad(c, s->o, err, "column '%s': '%s' is not %s", oed_csv_header(c, (size_t)s->col[field]),
		       v, integer ? "a whole number" : "a number") == -1 ? -1 : 1;
}

/* --meta-rest: the columns that feed no field, as strings.  New reference or NULL. */
static json_t *
csv_meta_rest(struct oed_csv *c, struct csv_state *s)
{
	json_t *meta = json_object();

	for (size_t i = 0; meta && i < oed_csv_columns(c); i++) {
		const char *v;
		size_t len;
		bool used = false;

		for (int f = 0; f < NFIELDS; f++)
			used |= s->col[f] == (int)i;
		if (used || json_object_get(meta, oed_csv_header(c, i)))
			continue;
		v = oed_csv_field(c, i, &len);
		if (!oed_utf8_valid(v, len) || memchr(v, '\0', len)) {
			/* not text: say so rather than drop the row or the cell silently */
			if (json_object_set_new(meta, oed_csv_header(c, i), json_null()) == -1)
				goto fail;
			continue;
		}
		if (json_object_set_new(meta, oed_csv_header(c, i), json_stringn(v, len)) == -1)
			goto fail;
	}
	return meta;
fail:
	json_decref(meta);
	return NULL;
}

static int
csv_row(struct oed_csv *c, void *ctx, struct oed_err *err)
{
	struct csv_state *s = ctx;
	struct oed_record rec = { 0 };
	const char *val[NFIELDS] = { 0 };
	size_t len[NFIELDS] = { 0 };
	bool has_sample = false;
	int rc;

	s->stats->read++;
	if (oed_csv_fields(c) != oed_csv_columns(c))
		return csv_bad(c, s->o, err, "row has %zu fields, the header has %zu",
			       oed_csv_fields(c), oed_csv_columns(c));
	for (int f = 0; f < NFIELDS; f++) {
		if (s->col[f] < 0)
			continue;
		val[f] = oed_csv_field(c, (size_t)s->col[f], &len[f]);
		if (!oed_utf8_valid(val[f], len[f]))
			return csv_bad(c, s->o, err, "column '%s' is not valid UTF-8",
				       oed_csv_header(c, (size_t)s->col[f]));
		if (memchr(val[f], '\0', len[f]))
			return csv_bad(c, s->o, err, "column '%s' holds a NUL byte",
				       oed_csv_header(c, (size_t)s->col[f]));
	}
	rec.dataset = val[F_DATASET] && len[F_DATASET] ? val[F_DATASET] : s->o->dataset;
	if (rec.dataset == NULL)
		return csv_bad(c, s->o, err, "no dataset: give --dataset or a 'dataset' column");
	if (val[F_INPUT_ID] == NULL || len[F_INPUT_ID] == 0)
		return csv_bad(c, s->o, err, "empty input id");
	rec.input_id = val[F_INPUT_ID];
	rec.input = val[F_INPUT];
	rec.output = val[F_OUTPUT];
	rec.output_len = len[F_OUTPUT];
	rec.model = val[F_MODEL] && len[F_MODEL] ? val[F_MODEL] : NULL;
	if (val[F_TS] && len[F_TS]) {
		char *end;
		double secs;

		errno = 0;
		if (oed_rfc3339_valid(val[F_TS], len[F_TS])) {
			rec.ts = val[F_TS];
		} else if ((secs = strtod(val[F_TS], &end)) >= 0 && *end == '\0' && errno == 0 &&
			   isfinite(secs) && end != val[F_TS]) {
			/* epoch seconds, as spreadsheets of API logs often hold */
			oed_epoch_to_rfc3339(secs, s->tsbuf);
			rec.ts = s->tsbuf;
		} else {
			return csv_bad(c, s->o, err, "column '%s': '%.40s' is not an RFC 3339 time"
				       " or epoch seconds", oed_csv_header(c, (size_t)s->col[F_TS]),
				       val[F_TS]) == -1 ? -1 : 0;
		}
	}
	if ((rc = csv_number(c, s, F_SAMPLE, true, NULL, &rec.sample, &has_sample, err)) != 0 ||
	    (rc = csv_number(c, s, F_LATENCY_MS, false, &rec.latency_ms, NULL, &rec.has_latency, err)) != 0 ||
	    (rc = csv_number(c, s, F_TOKENS_IN, true, NULL, &rec.tokens_in, &rec.has_tokens_in, err)) != 0 ||
	    (rc = csv_number(c, s, F_TOKENS_OUT, true, NULL, &rec.tokens_out, &rec.has_tokens_out, err)) != 0)
		return rc < 0 ? -1 : 0;
	if (!has_sample && counter_next(&s->samples, rec.dataset, rec.input_id, &rec.sample) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (s->o->meta_rest) {
		json_t *meta = csv_meta_rest(c, s);

		if (meta == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		rec.meta = json_object_size(meta) ? meta : NULL;
		rc = s->sink(&rec, s->ctx, err);
		json_decref(meta);
	} else {
		rc = s->sink(&rec, s->ctx, err);
	}
	if (rc == -1)
		return -1;
	s->stats->written++;
	return 0;
}

/* Map normalised fields to columns once the header is known. */
static int
csv_map_columns(struct oed_csv *c, struct csv_state *s, struct oed_err *err)
{
	for (int f = 0; f < NFIELDS; f++) {
		const struct oed_path *src = map_source(s->o, f);
		const char *name = src ? src->spec : field_names[f];

		s->col[f] = oed_csv_column(c, name);
		if (s->col[f] >= 0 && oed_csv_column_count(c, name) > 1)
			return oed_err_at(err, OED_EX_DATA, oed_csv_source(c), 1, 0,
					  "column '%s' appears %d times in the header", name,
					  oed_csv_column_count(c, name));
		if (s->col[f] < 0 && (src || f == F_OUTPUT || f == F_INPUT_ID))
			return oed_err_at(err, OED_EX_DATA, oed_csv_source(c), 1, 0,
					  "no column '%s' in the header%s", name,
					  src ? "" : f == F_OUTPUT ? " (give --map output=COLUMN)" :
					  " (give --map input_id=COLUMN)");
	}
	s->col[F_META] = -1;	/* a CSV cell holds no object */
	return 0;
}

static int
csv_first_row(struct oed_csv *c, void *ctx, struct oed_err *err)
{
	struct csv_state *s = ctx;

	if (!s->mapped) {
		if (csv_map_columns(c, s, err) == -1)
			return -1;
		s->mapped = true;
	}
	return csv_row(c, ctx, err);
}

static int
ingest_csv(const struct oed_ingest_opts *o, int nfiles, char *const *files,
	   oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct csv_state s = { .o = o, .sink = sink, .ctx = ctx, .stats = stats };
	char *dash[] = { "-" };
	int rc = 0;

	if (nfiles == 0) {
		nfiles = 1;
		files = dash;
	}
	for (int i = 0; i < nfiles && rc == 0; i++) {
		struct oed_csv *c = oed_csv_open(files[i], o->delimiter, o->max_line, o->policy, err);

		if (c == NULL) {
			rc = -1;
			break;
		}
		s.mapped = false;	/* each file has its own header */
		rc = oed_csv_each(c, csv_first_row, &s, err);
		stats->read += oed_csv_bad_rows(c);	/* rows that did not split were read too */
		oed_csv_close(c);
	}
	counter_release(&s.samples);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The map format: single JSON objects, parsed whole.  jansson validates
 * the file and gives the position of a syntax error; a light scan of the
 * already valid text then lists the keys of the first two levels with their
 * lines and value spans, so that every message names a line, duplicates
 * keep the first occurrence under --on-error=skip, and a rejected entry can
 * be copied out on its own.
 */
struct entry {
	int depth;		/* 1 or 2 */
	int parent;		/* index of the depth-1 entry holding a depth-2 one */
	char *key;
	long line;
	const char *value;
	size_t vlen;
};

struct mapfile {
	char *path;
	char *text;
	size_t len;
	struct entry *e;
	size_t n, cap;
};

static int
read_whole(const char *path, char **text, size_t *len, struct oed_err *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *buf;

	if (fp == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", path, strerror(errno));
	buf = malloc(cap);
	for (;;) {
		size_t got;

		if (buf == NULL) {
			if (fp != stdin)
				fclose(fp);
			return oed_err_set(err, OED_EX_FAIL, "out of memory reading '%s'", path);
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (n + 1 < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	if (ferror(fp)) {
		free(buf);
		if (fp != stdin)
			fclose(fp);
		return oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", path, strerror(errno));
	}
	if (fp != stdin)
		fclose(fp);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Skip a string starting at s[i] == '"'; returns the index after it. */
static size_t
skip_string(const char *s, size_t i, size_t n)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

static int
add_entry(struct mapfile *m, int depth, int parent, const char *keytok, size_t keylen,
	  long line, struct oed_err *err)
{
	json_t *k = json_loadb(keytok, keylen, JSON_DECODE_ANY, NULL);

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct entry *e = realloc(m->e, cap * sizeof(*e));

		if (e == NULL) {
			json_decref(k);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		m->e = e;
		m->cap = cap;
	}
	m->e[m->n] = (struct entry){ depth, parent, strdup(k ? json_string_value(k) : ""), line, NULL, 0 };
	json_decref(k);
	m->n++;
	return 0;
}

/* The text is valid JSON (checked by jansson), so the scan need not validate. */
static int
scan_entries(struct mapfile *m, struct oed_err *err)
{
	const char *s = m->text;
	size_t n = m->len, i = 0, keystart = 0, keylen = 0;
	long line = 1;
	int depth = 0, parent = -1;
	long open_entry[3] = { -1, -1, -1 };	/* entry whose value is being read, per depth */
	bool expect_key = false;

	for (; i < n; i++) {
		char c = s[i];

		switch (c) {
		case '\n':
			line++;
			break;
		case '"': {
			size_t end = skip_string(s, i, n);

			for (size_t j = i; j < end; j++)
				if (s[j] == '\n')
					line++;
			if (expect_key && depth <= 2) {
				keystart = i;
				keylen = end - i;
			} else if (depth >= 1 && depth <= 2 && open_entry[depth] >= 0 &&
				   m->e[open_entry[depth]].value == NULL) {
				/* a string value of an entry */
				m->e[open_entry[depth]].value = s + i;
				m->e[open_entry[depth]].vlen = end - i;
			}
			i = end - 1;
			break;
		}
		case ':':
			if (depth == 1 || depth == 2) {
				if (add_entry(m, depth, depth == 2 ? parent : -1, s + keystart, keylen, line,
					      err) == -1)
					return -1;
				open_entry[depth] = (long)m->n - 1;
				if (depth == 1)
					parent = (int)m->n - 1;
			}
			expect_key = false;
			break;
		case '{':
		case '[':
			if (depth >= 1 && depth <= 2 && open_entry[depth] >= 0 &&
			    m->e[open_entry[depth]].value == NULL)
				m->e[open_entry[depth]].value = s + i;
			depth++;
			if (c == '{')
				expect_key = true;
			if (depth <= 2)
				open_entry[depth] = -1;
			break;
		case '}':
		case ']':
			depth--;
			if (depth >= 1 && depth <= 2 && open_entry[depth] >= 0) {
				struct entry *e = &m->e[open_entry[depth]];

				if (e->vlen == 0 && e->value)
					e->vlen = (size_t)(s + i + 1 - e->value);
			}
			break;
		case ',':
			if (depth >= 1 && depth <= 2 && open_entry[depth] >= 0) {
				struct entry *e = &m->e[open_entry[depth]];

				/* scalars other than strings end at the comma */
				if (e->value && e->vlen == 0)
					e->vlen = (size_t)(s + i - e->value);
			}
			/* in an object a key follows; in an array the flag is harmless */
			if (depth >= 1 && depth <= 2)
				expect_key = true;
			break;
		default:
			if (c != ' ' && c != '\t' && c != '\r' && depth >= 1 && depth <= 2 &&
			    open_entry[depth] >= 0 && m->e[open_entry[depth]].value == NULL && !expect_key) {
				m->e[open_entry[depth]].value = s + i;
			}
			break;
		}
	}
	/* a scalar that ends at the closing brace */
	for (size_t k = 0; k < m->n; k++)
		if (m->e[k].value && m->e[k].vlen == 0) {
			const char *v = m->e[k].value;
			size_t len = 0;

			while (v + len < s + n && !strchr(",}] \t\r\n", v[len]))
				len++;
			m->e[k].vlen = len;
		}
	return 0;
}

static void
mapfile_release(struct mapfile *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].key);
	free(m->e);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* Load, validate as one JSON object, list the entries. */
static int
mapfile_load(struct mapfile *m, const char *path, struct oed_err *err)
{
	json_error_t jerr;
	json_t *root;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

	memset(m, 0, sizeof(*m));
	m->path = (char *)name;
	if (read_whole(path, &m->text, &m->len, err) == -1)
		return -1;
	/* editors on Windows start JSON files with a BOM, which jansson refuses */
	if (m->len >= 3 && memcmp(m->text, "\xEF\xBB\xBF", 3) == 0) {
		memmove(m->text, m->text + 3, m->len - 3 + 1);
		m->len -= 3;
	}
	root = json_loadb(m->text, m->len, 0, &jerr);
	if (root == NULL) {
		oed_err_at(err, OED_EX_DATA, name, jerr.line > 0 ? jerr.line : 0,
			   jerr.column > 0 ? jerr.column : 0, "invalid JSON: %s", jerr.text);
		mapfile_release(m);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		oed_err_at(err, OED_EX_DATA, name, 1, 0, "not a JSON object of the form {\"id\": ...}");
		mapfile_release(m);
		return -1;
	}
	json_decref(root);
	if (scan_entries(m, err) == -1) {
		mapfile_release(m);
		return -1;
	}
	return 0;
}

static json_t *
entry_value(const struct entry *e)
{
	return e->value ? json_loadb(e->value, e->vlen, JSON_DECODE_ANY, NULL) : NULL;
}

struct ingest_map {
	const struct oed_ingest_opts *o;
	/* inputs, keyed by (dataset, id) */
	uint64_t *keys;
	uint32_t *slot;
	size_t cap;
	struct inrow { char *dataset; char *id; char *text; bool used; } *rows;
	size_t nrows, rowcap;
	char **datasets_with_inputs;
	size_t ndatasets;
	struct counter seen;	/* (dataset, id) of the outputs, when there are no inputs */
};

/* A bad map entry: report it and, under reject, copy it as {"key": value}. */
static int
entry_bad(const struct ingest_map *im, const struct mapfile *m, const struct entry *e,
	  struct oed_err *err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
entry_bad(const struct ingest_map *im, const struct mapfile *m, const struct entry *e,
	  struct oed_err *err, const char *fmt, ...)
{
	va_list ap;
	char msg[400];
	json_t *obj = json_object(), *v = entry_value(e);
	char *copy;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_at(err, OED_EX_DATA, m->path, e->line, 0, "%s", msg);
	json_object_set_new(obj, e->key, v ? v : json_null());
	copy = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
	rc = oed_policy_bad(im->o->policy, err, copy ? copy : "", copy ? strlen(copy) : 0);
	free(copy);
	json_decref(obj);
	return rc;
}

/* Index of (dataset, id) in rows, or -1. */
static long
input_find(const struct ingest_map *im, const char *dataset, const char *id)
{
	uint64_t k;

	if (im->cap == 0)
		return -1;
	k = pair_key(dataset, id);
	for (size_t i = k & (im->cap - 1); im->keys[i]; i = (i + 1) & (im->cap - 1)) {
		const struct inrow *r = &im->rows[im->slot[i]];

		if (im->keys[i] == k && strcmp(r->id, id) == 0 && strcmp(r->dataset, dataset) == 0)
			return im->slot[i];
	}
	return -1;
}

static int
input_add(struct ingest_map *im, const char *dataset, const char *id, const char *text,
	  struct oed_err *err)
{
	uint64_t k;
	size_t i;

	if ((im->nrows + 1) * 2 > im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 1024;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		uint32_t *slot = calloc(cap, sizeof(*slot));

		if (keys == NULL || slot == NULL) {
			free(keys);
			free(slot);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		for (size_t j = 0; j < im->cap; j++) {
			if (im->keys[j] == 0)
				continue;
			for (i = im->keys[j] & (cap - 1); keys[i]; i = (i + 1) & (cap - 1))
				;
			keys[i] = im->keys[j];
			slot[i] = im->slot[j];
		}
		free(im->keys);
		free(im->slot);
		im->keys = keys;
		im->slot = slot;
		im->cap = cap;
	}
	if (im->nrows == im->rowcap) {
		size_t cap = im->rowcap ? im->rowcap * 2 : 256;
		struct inrow *r = realloc(im->rows, cap * sizeof(*r));

		if (r == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		im->rows = r;
		im->rowcap = cap;
	}
	im->rows[im->nrows] = (struct inrow){ strdup(dataset), strdup(id), strdup(text), false };
	k = pair_key(dataset, id);
	for (i = k & (im->cap - 1); im->keys[i]; i = (i + 1) & (im->cap - 1))
		;
	im->keys[i] = k;
	im->slot[i] = (uint32_t)im->nrows++;
	return 0;
}

static bool
has_inputs(const struct ingest_map *im, const char *dataset)
{
	for (size_t i = 0; i < im->ndatasets; i++)
		if (strcmp(im->datasets_with_inputs[i], dataset) == 0)
			return true;
	return false;
}

static const char *
json_kind(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int
load_inputs(struct ingest_map *im, const struct oed_inputs_file *f, struct oed_err *err)
{
	const char *dataset = f->dataset ? f->dataset : im->o->dataset;
	struct mapfile m;
	int rc = 0;
	char **d;

	if (dataset == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--inputs '%s' needs --dataset NAME (or NAME=FILE)",
				   f->path);
	if (mapfile_load(&m, f->path, err) == -1)
		return -1;
	d = realloc(im->datasets_with_inputs, (im->ndatasets + 1) * sizeof(*d));
	if (d == NULL) {
		mapfile_release(&m);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	im->datasets_with_inputs = d;
	d[im->ndatasets++] = strdup(dataset);
	for (size_t i = 0; i < m.n && rc == 0; i++) {
		const struct entry *e = &m.e[i];
		json_t *v;
		long prev;

		if (e->depth != 1)
			continue;
		prev = input_find(im, dataset, e->key);
		if (prev >= 0) {
			rc = entry_bad(im, &m, e, err, "duplicate input id '%s'", e->key);
			continue;
		}
		v = entry_value(e);
		if (!json_is_string(v))
			rc = entry_bad(im, &m, e, err, "input '%s' is %s, not a string", e->key, json_kind(v));
		else
			rc = input_add(im, dataset, e->key, json_string_value(v), err);
		json_decref(v);
	}
	mapfile_release(&m);
	return rc;
}

/* The outputs of one input: one record per string in the list. */
static int
emit_outputs(struct ingest_map *im, const struct mapfile *m, const struct entry *e,
	     const char *dataset, const char *id, oed_record_sink sink, void *ctx,
	     struct oed_ingest_stats *stats, struct oed_err *err)
{
	json_t *list = entry_value(e), *out;
	struct oed_record rec = { 0 };
	long row = -1;
	size_t i;
	int rc = 0;

	/* an entry rejected whole counts as one item read */
	if (!json_is_array(list)) {
		stats->read++;
		rc = entry_bad(im, m, e, err, "outputs of '%s' are %s, not a list of strings", id,
			       json_kind(list));
		json_decref(list);
		return rc;
	}
	if (im->ndatasets > 0) {
		if (!has_inputs(im, dataset)) {
			stats->read++;
			rc = entry_bad(im, m, e, err, "dataset '%s' has no --inputs", dataset);
			json_decref(list);
			return rc;
		}
		row = input_find(im, dataset, id);
		if (row < 0) {
			stats->read++;
			rc = entry_bad(im, m, e, err, "input id '%s' is not in the input dataset '%s'",
				       id, dataset);
			json_decref(list);
			return rc;
		}
		if (im->rows[row].used) {
			stats->read++;
			rc = entry_bad(im, m, e, err, "duplicate input id '%s' in the outputs", id);
			json_decref(list);
			return rc;
		}
		im->rows[row].used = true;
	} else {
		long long seen;

		/* no inputs to check against: still, one id must not have two lists */
		if (counter_next(&im->seen, dataset, id, &seen) == -1) {
			json_decref(list);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		if (seen > 0) {
			stats->read++;
			rc = entry_bad(im, m, e, err, "duplicate input id '%s' in the outputs", id);
			json_decref(list);
			return rc;
		}
	}
	rec.dataset = dataset;
	rec.input_id = id;
	rec.input = row >= 0 ? im->rows[row].text : NULL;
	json_array_foreach(list, i, out) {
		stats->read++;
		if (!json_is_string(out)) {
			/* only this output is bad: its siblings keep their sample numbers */
			oed_err_at(err, OED_EX_DATA, m->path, e->line, 0,
				   "output %zu of input '%s' is %s, not a string", i, id, json_kind(out));
			char *copy = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
			rc = oed_policy_bad(im->o->policy, err, copy ? copy : "", copy ? strlen(copy) : 0);
			free(copy);
			if (rc == -1)
				break;
			continue;
		}
		rec.output = json_string_value(out);
		rec.output_len = json_string_length(out);
		rec.sample = (long long)i;
		if ((rc = sink(&rec, ctx, err)) == -1)
			break;
		stats->written++;
	}
	json_decref(list);
	return rc;
}

static int
ingest_map(const struct oed_ingest_opts *o, int nfiles, char *const *files,
	   oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct ingest_map im = { .o = o };
	char *dash[] = { "-" };
	int rc = 0;

	if (nfiles == 0) {
		nfiles = 1;
		files = dash;
	}
	for (size_t i = 0; i < o->ninputs && rc == 0; i++)
		rc = load_inputs(&im, &o->inputs[i], err);
	for (int f = 0; f < nfiles && rc == 0; f++) {
		struct mapfile m;

		if (mapfile_load(&m, files[f], err) == -1) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < m.n && rc == 0; i++) {
			const struct entry *e = &m.e[i];
			char dsbuf[256];
			const char *dataset = o->dataset, *id = e->key, *slash;

			if (e->depth == 2) {
				dataset = m.e[e->parent].key;
			} else if (e->value && e->value[0] == '{') {
				continue;	/* a dataset: its entries follow at depth 2 */
			} else if ((slash = strchr(e->key, '/')) != NULL &&
				   (o->dataset == NULL || input_find(&im, o->dataset, e->key) < 0) &&
				   (size_t)(slash - e->key) < sizeof(dsbuf)) {
				memcpy(dsbuf, e->key, (size_t)(slash - e->key));
				dsbuf[slash - e->key] = '\0';
				dataset = dsbuf;
				id = slash + 1;
			} else if (dataset == NULL) {
				stats->read++;
				rc = entry_bad(&im, &m, e, err,
					       "key '%s' names no dataset: give --dataset or write 'dataset/%s'",
					       e->key, e->key);
				continue;
			}
			rc = emit_outputs(&im, &m, e, dataset, id, sink, ctx, stats, err);
		}
		mapfile_release(&m);
	}
	for (size_t i = 0; i < im.nrows; i++) {
		stats->inputs_without_outputs += !im.rows[i].used;
		free(im.rows[i].dataset);
		free(im.rows[i].id);
		free(im.rows[i].text);
	}
	for (size_t i = 0; i < im.ndatasets; i++)
		free(im.datasets_with_inputs[i]);
	free(im.datasets_with_inputs);
	counter_release(&im.seen);
	free(im.rows);
	free(im.keys);
	free(im.slot);
	return rc;
}

/* --tokens: between the parsers and the caller's sink. */
struct token_sink {
	const struct oed_ingest_opts *o;
	oed_record_sink sink;
	void *ctx;
};

static int
count_tokens(const struct oed_record *in, void *ctx, struct oed_err *err)
{
	struct token_sink *t = ctx;
	struct oed_record rec = *in;
	size_t n;

	if (rec.output && (t->o->recount || !rec.has_tokens_out)) {
		n = oed_tokenizer_count(t->o->tokenizer, rec.output, rec.output_len, false);
		if (n == (size_t)-1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		rec.tokens_out = (long long)n;
		rec.has_tokens_out = true;
	}
	if (rec.input && (t->o->recount || !rec.has_tokens_in)) {
		n = oed_tokenizer_count(t->o->tokenizer, rec.input, strlen(rec.input), false);
		if (n == (size_t)-1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		rec.tokens_in = (long long)n;
		rec.has_tokens_in = true;
	}
	return t->sink(&rec, t->ctx, err);
}

int
oed_ingest(const struct oed_ingest_opts *o, int nfiles, char *const *files,
	   oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct token_sink tokens = { o, sink, ctx };
	enum oed_ingest_format f;
	int rc;

	struct oed_ingest_opts copy;
	struct oed_policy fail;

	memset(stats, 0, sizeof(*stats));
	if (o->policy == NULL) {
		/* no policy given: the default one, stop at the first bad record */
		copy = *o;
		oed_policy_init(&fail);
		copy.policy = &fail;
		o = &copy;
	}
	if (oed_ingest_detect(o, nfiles, files, &f, err) == -1)
		return -1;
	stats->format = f;
	if (f != OED_FMT_MAP && o->ninputs > 0)
		return oed_err_set(err, OED_EX_USAGE, "--inputs goes with --format map");
	if (o->meta_rest && f != OED_FMT_JSONL && f != OED_FMT_CSV)
		return oed_err_set(err, OED_EX_USAGE, "--meta-rest goes with --format jsonl or csv");
	if (o->nmaps > 0 && f != OED_FMT_JSONL && f != OED_FMT_CSV)
		return oed_err_set(err, OED_EX_USAGE, "--map goes with --format jsonl or csv, not %s",
				   format_names[f]);
	if (o->tokenizer) {
		sink = count_tokens;
		ctx = &tokens;
	}
	switch (f) {
	case OED_FMT_MAP:
		rc = ingest_map(o, nfiles, files, sink, ctx, stats, err);
		break;
	case OED_FMT_CSV:
		rc = ingest_csv(o, nfiles, files, sink, ctx, stats, err);
		break;
	case OED_FMT_OPENAI:
		rc = ingest_lines(o, true, nfiles, files, sink, ctx, stats, err);
		break;
	default:
		rc = ingest_lines(o, false, nfiles, files, sink, ctx, stats, err);
		break;
	}
	if (rc == 0 && stats->written == 0 && o->policy->bad > 0)
		return oed_err_set(err, OED_EX_DATA, "no records: nothing but bad %s (%lu)",
				   oed_ingest_unit(f), o->policy->bad);
	if (rc == 0 && stats->written == 0)
		return oed_err_set(err, OED_EX_DATA, "no records: the dataset is empty");
	return rc;
}
