#include "config.h"
#include "ingest.h"
#include "csvin.h"
#include "exit.h"
#include "buf.h"
#include "jsonl.h"
#include "time.h"
#include "map.h"
#include "provider/openai_response.h"
#include "utf8.h"
#include "zstream.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
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

static bool is_responses(const json_t *body);

static const char *const format_names[] = { "auto", "map", "jsonl", "csv", "openai", "json-array" };

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
	return f == OED_FMT_CSV ? "rows" : f == OED_FMT_MAP ? "outputs" :
	       f == OED_FMT_JSON_ARRAY ? "elements" : "lines";
}

int
oed_ingest_add_map(struct oed_ingest_opts *o, const char *arg, struct oed_err *err)
{
	const char *eq = strchr(arg, '=');
	struct oed_field_map *m;
	char target[32];

	if (eq == NULL || eq == arg || eq[1] == '\0' || (size_t)(eq - arg) >= sizeof(target))
		return oed_err_set(err, OED_EX_USAGE, "--map: '%s' is not TARGET=SOURCE", oed_quote(arg));
	memcpy(target, arg, (size_t)(eq - arg));
	target[eq - arg] = '\0';
	if (field_index(target) < 0)
		return oed_err_set(err, OED_EX_USAGE,
				   "--map: '%s' is not a record field (dataset, input_id, input, output, "
				   "sample, model, ts, latency_ms, tokens_in, tokens_out, meta)", oed_quote(target));
	for (size_t i = 0; i < o->nmaps; i++)
		if (strcmp(o->maps[i].target, target) == 0)
			return oed_err_set(err, OED_EX_USAGE, "--map: '%s' is mapped twice", oed_quote(target));
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
		return oed_err_set(err, OED_EX_USAGE, "--inputs: no file in '%s'", oed_quote(arg));
	o->ninputs++;
	return 0;
}

/* Whether s ends in suffix, a .gz or .zst ending set aside: "a.csv.gz" is a CSV file. */
static bool
ends_with_base(const char *s, const char *suffix)
{
	size_t n = oed_zstream_base_len(s), m = strlen(suffix);

	return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

/*
 * Lines of a file, decompressed as read (zstream.h): the line reader
 * behind detection and the Batch input file.  Each line comes with its
 * newline when it has one; a line is held whole, however long.
 */
struct zlines {
	struct oed_zstream *zs;
	struct oed_buf buf;	/* data[pos..len) read and not yet handed out */
	size_t pos;
	bool eof;
};

/* Whether s[0..n) holds nothing but spacing. */
static bool
blank_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* 0 or -1 (err set: cannot open). */
static int
zlines_open(struct zlines *l, const char *path, struct oed_err *err)
{
	memset(l, 0, sizeof(*l));
	l->zs = oed_zstream_open(path, err);
	return l->zs ? 0 : -1;
}

static void
zlines_close(struct zlines *l)
{
	oed_zstream_close(l->zs);
	oed_buf_release(&l->buf);
}

/* The next line: 1 with it in *line and *len (valid until the next call), 0 at the end, -1 (err). */
static int
zlines_next(struct zlines *l, const char **line, size_t *len, struct oed_err *err)
{
	size_t scan = l->pos;

	for (;;) {
		const char *nl = l->buf.len > scan ? memchr(l->buf.data + scan, '\n', l->buf.len - scan) : NULL;
		ssize_t got;

		if (nl || (l->eof && l->pos < l->buf.len)) {
			size_t end = nl ? (size_t)(nl - l->buf.data) + 1 : l->buf.len;

			*line = l->buf.data + l->pos;
			*len = end - l->pos;
			l->pos = end;
			return 1;
		}
		if (l->eof)
			return 0;
		if (l->pos > 0) {
			memmove(l->buf.data, l->buf.data + l->pos, l->buf.len - l->pos);
			l->buf.len -= l->pos;
			l->pos = 0;
		}
		scan = l->buf.len;
		if (oed_buf_grow(&l->buf, 65536) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		if ((got = oed_zstream_read(l->zs, l->buf.data + l->buf.len, 65536, err)) == -1)
			return -1;
		l->buf.len += (size_t)got;
		l->eof = got == 0;
	}
}

/*
 * The first byte of a file past a BOM and spacing, as its reader will see
 * it (decompressed), or -1.
 */
static int
first_byte(const char *path)
{
	struct oed_zstream *zs;
	struct oed_err err;
	unsigned char buf[4096];
	ssize_t got;
	long n = 0;
	int c = -1;

	if ((zs = oed_zstream_open(path, &err)) == NULL)
		return -1;
	while (c == -1 && (got = oed_zstream_read(zs, buf, sizeof(buf), &err)) > 0)
		for (ssize_t i = 0; i < got; i++, n++) {
			/* a UTF-8 BOM at the start */
			if (n < 3 && (buf[i] == 0xEF || buf[i] == 0xBB || buf[i] == 0xBF))
				continue;
			if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') {
				c = buf[i];
				break;
			}
		}
	oed_zstream_close(zs);
	return c;
}

/* Look at the first line of a JSON Lines file: an OpenAI response or a plain record? */
static enum oed_ingest_format
sniff_jsonl(const char *path)
{
	enum oed_ingest_format f = OED_FMT_JSONL;
	struct zlines l;
	struct oed_err err;
	const char *line, *start = NULL;
	size_t len, skip = 0;
	json_t *j;

	if (zlines_open(&l, path, &err) == -1)
		return f;
	/* the first line with something on it, as the reader will see it */
	for (bool first = true; zlines_next(&l, &line, &len, &err) == 1; first = false) {
		skip = first && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
		while (skip < len && strchr(" \t\r\n", line[skip]))
			skip++;
		if (skip < len) {
			start = line;
			break;
		}
	}
	if (start && (j = json_loadb(start + skip, len - skip, 0, NULL)) != NULL) {
		if (json_object_get(j, "choices") || is_responses(j) ||
		    (json_object_get(j, "custom_id") && json_object_get(j, "response")))
			f = OED_FMT_OPENAI;
		json_decref(j);
	}
	zlines_close(&l);
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
	if (o->delimiter_given) {
		*out = OED_FMT_CSV;
		return 0;
	}
	for (int i = 0; i < nfiles; i++) {
		enum oed_ingest_format g;

		struct stat st;
		/*
		 * Only a regular file is looked into: what is read from a pipe
		 * (a FIFO, <(zcat ...)) would be gone for the reader.
		 */
		bool look = stat(files[i], &st) == 0 && S_ISREG(st.st_mode);

		if (strcmp(files[i], "-") == 0)
			g = OED_FMT_JSONL;
		else if (ends_with_base(files[i], ".csv"))
			g = OED_FMT_CSV;
		else if (look && first_byte(files[i]) == '[')
			g = OED_FMT_JSON_ARRAY;	/* a top-level array of records */
		else if (ends_with_base(files[i], ".json"))
			g = OED_FMT_MAP;
		else
			g = look ? sniff_jsonl(files[i]) : OED_FMT_JSONL;
		if (f != OED_FMT_AUTO && g != f)
			return oed_err_set(err, OED_EX_USAGE,
					   "'%s' looks like %s but '%s' like %s: give --format",
					   oed_quote(files[0]), format_names[f], oed_quote(files[i]), format_names[g]);
		f = g;
	}
	*out = f == OED_FMT_AUTO ? OED_FMT_JSONL : f;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Sample numbering: several outputs of one input share its id and count
 * from 0, in a map of 64-bit (dataset, id) keys to the next number.
 */
struct counter {
	struct oed_map next;
};

/* 64-bit key of (dataset, id): the id's hash seeded with the dataset's. */
static uint64_t
pair_key(const char *dataset, const char *id)
{
	return XXH3_64bits_withSeed(id, strlen(id), XXH3_64bits(dataset, strlen(dataset)));
}

static int
counter_next(struct counter *c, const char *dataset, const char *id, long long *out)
{
	uint64_t *v = oed_map_put(&c->next, pair_key(dataset, id), NULL);

	if (v == NULL)
		return -1;
	*out = (long long)(*v)++;
	return 0;
}

static void
counter_release(struct counter *c)
{
	oed_map_release(&c->next);
}

/* ---------------------------------------------------------------------------
 * Times: RFC 3339 as written, else what --ts-format says (epoch seconds,
 * epoch milliseconds, or a strptime pattern read in --ts-zone).
 */
enum ts_kind { TS_DEFAULT, TS_EPOCH_S, TS_EPOCH_MS, TS_PATTERN };

struct ts_rules {
	enum ts_kind kind;
	const char *pattern;
	bool named_zone;	/* an IANA zone, in TZ for the run */
	long offset;		/* seconds east of UTC, for a fixed zone */
};

static int
ts_rules_parse(const struct oed_ingest_opts *o, struct ts_rules *t, struct oed_err *err)
{
	const char *z = o->ts_zone;

	memset(t, 0, sizeof(*t));
	if (o->ts_format == NULL || strcmp(o->ts_format, "rfc3339") == 0)
		t->kind = TS_DEFAULT;
	else if (strcmp(o->ts_format, "epoch") == 0 || strcmp(o->ts_format, "epoch-s") == 0)
		t->kind = TS_EPOCH_S;
	else if (strcmp(o->ts_format, "epoch-ms") == 0)
		t->kind = TS_EPOCH_MS;
	else if (strchr(o->ts_format, '%'))
		t->kind = TS_PATTERN, t->pattern = o->ts_format;
	else
		return oed_err_set(err, OED_EX_USAGE, "--ts-format: '%s' is not rfc3339, epoch, epoch-ms"
				   " or a pattern such as '%%Y-%%m-%%d %%H:%%M:%%S'", oed_quote(o->ts_format));
	if (z == NULL || strcmp(z, "UTC") == 0 || strcmp(z, "Z") == 0)
		return 0;
	if (t->kind != TS_PATTERN)
		return oed_err_set(err, OED_EX_USAGE, "--ts-zone goes with a --ts-format pattern");
	if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 && z[3] == ':' &&
	    strspn(z + 1, "0123456789") == 2 && strspn(z + 4, "0123456789") == 2 &&
	    atoi(z + 1) <= 23 && atoi(z + 4) <= 59) {
		t->offset = (z[0] == '-' ? -1 : 1) * (atoi(z + 1) * 3600L + atoi(z + 4) * 60L);
		return 0;
	}
	{
		/* an IANA name: its file must be there, or glibc would quietly use UTC */
		const char *dir = getenv("TZDIR");
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", z);
		if (z[0] == '/' || strstr(z, "..") || access(path, R_OK) != 0)
			return oed_err_set(err, OED_EX_USAGE, "--ts-zone: '%s' is not UTC, +hh:mm or a"
					   " time zone name such as Europe/Paris", oed_quote(z));
		t->named_zone = true;
	}
	return 0;
}

/* A number of epoch units as RFC 3339 into out; -1 when out of range. */
static int
ts_number(const struct ts_rules *t, double v, char out[OED_RFC3339_SIZE])
{
	double secs = t->kind == TS_EPOCH_MS ? v / 1000 : v;

	if (!isfinite(secs) || secs < OED_TIME_MIN || secs >= OED_TIME_END)
		return -1;
	oed_time_to_rfc3339(secs, out);
	return 0;
}

/* s read with the pattern (and a fraction of a second after it), in the zone. */
static int
ts_pattern(const struct ts_rules *t, const char *s, size_t len, char out[OED_RFC3339_SIZE])
{
	struct tm tm, norm;
	char buf[128], *end;
	double frac = 0, secs;
	time_t u;

	if (len >= sizeof(buf) || memchr(s, '\0', len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	end = strptime(buf, t->pattern, &tm);
	if (end == NULL)
		return -1;
	if (end[0] == '.' && end[1] >= '0' && end[1] <= '9') {
		frac = strtod(end, &end);
	}
	if (*end != '\0')
		return -1;
	norm = tm;
	if (strstr(t->pattern, "%z")) {
		long off = tm.tm_gmtoff;

		u = timegm(&norm) - off;
	} else if (t->named_zone) {
		norm.tm_isdst = -1;
		u = mktime(&norm);
	} else {
		u = timegm(&norm) - t->offset;
	}
	/* strptime takes the 31st of February; the calendar does not */
	if (u == (time_t)-1 && errno == EOVERFLOW)
		return -1;
	if (norm.tm_mday != tm.tm_mday || norm.tm_mon != tm.tm_mon || norm.tm_year != tm.tm_year)
		return -1;
	secs = (double)u + frac;
	return ts_number(&(struct ts_rules){ .kind = TS_EPOCH_S }, secs, out);
}

/*
 * A time given as text: RFC 3339 is kept as written (*keep), anything else
 * converted into out as --ts-format says.  numeric: a number written as
 * text counts as one (CSV cells always; JSON strings with an epoch format).
 * 0, or -1 when it is no time.
 */
static int
ts_text(const struct ts_rules *t, const char *s, size_t len, bool numeric, char out[OED_RFC3339_SIZE],
	bool *keep)
{
	*keep = false;
	if (oed_time_valid(s, len)) {
		*keep = true;
		return 0;
	}
	if (t->kind == TS_PATTERN)
		return ts_pattern(t, s, len, out);
	if (numeric || t->kind != TS_DEFAULT) {
		char buf[64], *end;
		double v;

		if (len == 0 || len >= sizeof(buf))
			return -1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		v = strtod(buf, &end);
		if (*end != '\0' || errno || v < 0 || !strchr("0123456789", buf[0]))
			return -1;
		return ts_number(t, v, out);
	}
	return -1;
}

/* What --ts-format accepts, for messages. */
static const char *
ts_expected(const struct ts_rules *t)
{
	switch (t->kind) {
	case TS_EPOCH_S: return "an RFC 3339 time or epoch seconds";
	case TS_EPOCH_MS: return "an RFC 3339 time or epoch milliseconds";
	case TS_PATTERN: return "an RFC 3339 time or a time in --ts-format";
	default: return "an RFC 3339 time";
	}
}

/* ---------------------------------------------------------------------------
 * A light scanner of JSON text: past strings, values and lists without
 * building them, counting lines.  The map format's structure is read with
 * it, and the text of numbers too big to read as one.
 */
/* The structural scan: position, line, and where the line began (for columns). */
struct scan {
	const char *path;	/* for messages */
	struct mapfile *m;	/* map files: where entries go */
	const char *s;
	size_t n, i, bol;
	long line;
	struct oed_err *err;
};

static int
scan_fail(struct scan *sc, const char *what)
{
	char near[16];

	if (sc->i >= sc->n)
		snprintf(near, sizeof(near), "end of file");
	else if ((unsigned char)sc->s[sc->i] < 0x20 || (unsigned char)sc->s[sc->i] >= 0x7f)
		snprintf(near, sizeof(near), "byte 0x%02x", (unsigned char)sc->s[sc->i]);
	else
		snprintf(near, sizeof(near), "'%c'", sc->s[sc->i]);
	return oed_err_at(sc->err, OED_EX_DATA, sc->path, sc->line, (int)(sc->i - sc->bol) + 1,
			  "invalid JSON: %s near %s", what, near);
}

static void
scan_ws(struct scan *sc)
{
	for (; sc->i < sc->n; sc->i++) {
		char c = sc->s[sc->i];

		if (c == '\n') {
			sc->line++;
			sc->bol = sc->i + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
	}
}

/* At '"': past the closing quote.  Its content is judged when decoded. */
static int
scan_string(struct scan *sc)
{
	for (sc->i++; sc->i < sc->n; sc->i++) {
		char c = sc->s[sc->i];

		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c == '\\' && sc->i + 1 < sc->n && sc->s[sc->i + 1] != '\n') {
			sc->i++;
		} else if (c == '\n') {
			sc->line++;
			sc->bol = sc->i + 1;
		}
	}
	return scan_fail(sc, "a string is not closed");
}

/*
 * Past one value of any kind.  Arrays and objects are matched by counting
 * brackets, not by recursion, so no depth is too deep to get past; what
 * they hold is judged when the value is decoded.
 */
static int
scan_value(struct scan *sc)
{
	long depth = 0;
	char c;

	if (sc->i >= sc->n)
		return scan_fail(sc, "a value expected");
	c = sc->s[sc->i];
	if (c == '"')
		return scan_string(sc);
	if (c == '{' || c == '[') {
		while (sc->i < sc->n) {
			c = sc->s[sc->i];
			if (c == '"') {
				if (scan_string(sc) == -1)
					return -1;
				continue;
			}
			if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0) {
					sc->i++;
					return 0;
				}
			} else if (c == '\n') {
				sc->line++;
				sc->bol = sc->i + 1;
			}
			sc->i++;
		}
		return scan_fail(sc, "an array or object is not closed");
	}
	if (strchr(",:]}", c))
		return scan_fail(sc, "a value expected");
	while (sc->i < sc->n && !strchr(",:]} \t\r\n\"{[", sc->s[sc->i]))
		sc->i++;
	return 0;
}

/* At '[': past the list, its elements checked for separators only. */
static int
scan_list(struct scan *sc)
{
	sc->i++;
	scan_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == ']') {
		sc->i++;
		return 0;
	}
	for (;;) {
		if (scan_value(sc) == -1)
			return -1;
		scan_ws(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',') {
			sc->i++;
			scan_ws(sc);
			continue;
		}
		if (sc->i < sc->n && sc->s[sc->i] == ']') {
			sc->i++;
			return 0;
		}
		return scan_fail(sc, "',' or ']' expected");
	}
}

/*
 * The text of the value at path in a JSON line, when it is an integer
 * written in plain digits (one too big for a long long, which the reader
 * can only give as a double); 0 and the digits in out, or -1.  The line is
 * valid JSON (the reader said so), so the scan need not validate it.
 * Duplicate keys: the last one wins, as in the reader.
 */
static int
integer_text(const char *line, size_t len, const struct oed_path *path, char *out, size_t outsize)
{
	struct scan sc = { .path = "", .s = line, .n = len, .line = 1 };
	struct oed_err ignored;

	sc.err = &ignored;
	for (size_t d = 0; d < path->nseg; d++) {
		const struct oed_path_seg *seg = &path->seg[d];
		size_t found = (size_t)-1;

		scan_ws(&sc);
		if (sc.i >= sc.n)
			return -1;
		if (sc.s[sc.i] == '{') {
			sc.i++;
			for (;;) {
				size_t k;
				json_t *key;
				bool match;

				scan_ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != '"')
					break;
				k = sc.i;
				if (scan_string(&sc) == -1)
					return -1;
				key = json_loadb(sc.s + k, sc.i - k, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
				match = key && json_string_length(key) == seg->len &&
					memcmp(json_string_value(key), seg->key, seg->len) == 0;
				json_decref(key);
				scan_ws(&sc);
				sc.i++;		/* ':' */
				scan_ws(&sc);
				if (match)
					found = sc.i;
				if (scan_value(&sc) == -1)
					return -1;
				scan_ws(&sc);
				if (sc.i < sc.n && sc.s[sc.i] == ',')
					sc.i++;
			}
		} else if (sc.s[sc.i] == '[' && seg->index >= 0) {
			sc.i++;
			for (long j = 0;; j++) {
				scan_ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] == ']')
					break;
				if (j == seg->index) {
					found = sc.i;
					break;
				}
				if (scan_value(&sc) == -1)
					return -1;
				scan_ws(&sc);
				if (sc.i < sc.n && sc.s[sc.i] == ',')
					sc.i++;
			}
		}
		if (found == (size_t)-1)
			return -1;
		sc.i = found;
	}
	scan_ws(&sc);
	{
		size_t start = sc.i, end = start + (start < sc.n && sc.s[start] == '-');
		size_t digits = end;

		while (end < sc.n && sc.s[end] >= '0' && sc.s[end] <= '9')
			end++;
		if (end == digits || end - start + 1 > outsize ||
		    (end < sc.n && strchr(".eE", sc.s[end])))
			return -1;
		memcpy(out, sc.s + start, end - start);
		out[end - start] = '\0';
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * JSON Lines with --map, and OpenAI responses: both read through the reader.
 */
/* --batch-input: see batch_inputs_load. */
struct batch_inputs {
	struct oed_map index;		/* hash of custom_id -> row */
	struct { char *id, *text; } *rows;
	size_t n, cap;
};

struct array_elem;

struct line_state {
	const struct oed_ingest_opts *o;
	struct oed_reader *r;		/* JSON Lines, OpenAI; NULL for a JSON array */
	int idx[NFIELDS];
	const struct array_elem *elem;	/* JSON array: the element in hand */
	struct counter samples;
	char idbuf[400];	/* an integer id as text */
	const struct ts_rules *ts;
	struct batch_inputs batch;	/* --batch-input */
	char tsbuf[OED_RFC3339_SIZE];
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

/*
 * The record in hand, whether it came from the reader (a line) or from a
 * JSON array (an element parsed on its own): its values, its tree, its
 * text, and the policy for a bad one.
 */
struct array_elem {
	const char *source;
	long line;			/* where the element starts */
	json_t *root;
	const char *text;		/* the element as written */
	size_t len;
	struct oed_value vals[NFIELDS];
	json_t *json[NFIELDS];		/* borrowed from root */
};

static const struct oed_value *
field_value(struct line_state *s, int f)
{
	return s->r ? oed_reader_value(s->r, s->idx[f]) : &s->elem->vals[f];
}

static json_t *
field_json(struct line_state *s, int f)
{
	return s->r ? oed_reader_json(s->r, s->idx[f]) : s->elem->json[f];
}

static json_t *
record_root(struct line_state *s)
{
	return s->r ? oed_reader_root(s->r) : s->elem->root;
}

static const char *
record_text(struct line_state *s, size_t *len)
{
	if (s->r)
		return oed_reader_line(s->r, len);
	*len = s->elem->len;
	return s->elem->text;
}

/* A line or element for the reject file: one line, compact when it parsed. */
static int
elem_bad(struct line_state *s, struct oed_err *err)
{
	char *copy = s->elem->root ? json_dumps(s->elem->root, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	int rc;

	if (copy == NULL && (copy = malloc(s->elem->len + 1)) != NULL) {
		/* line ends outside strings are only spacing; inside them JSON forbids them */
		for (size_t i = 0; i < s->elem->len; i++)
			copy[i] = s->elem->text[i] == '\n' || s->elem->text[i] == '\r' ? ' ' : s->elem->text[i];
		copy[s->elem->len] = '\0';
	}
	rc = oed_policy_bad(s->o->policy, err, copy ? copy : "", copy ? strlen(copy) : 0);
	free(copy);
	return rc;
}

static int
record_bad(struct line_state *s, struct oed_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
record_bad(struct line_state *s, struct oed_err *err, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->r)
		return oed_reader_bad(s->r, err, "%s", msg);
	oed_err_at(err, OED_EX_DATA, s->elem->source, s->elem->line, 0, "%s", msg);
	return elem_bad(s, err);
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
	json_t *out = json_object(), *root = record_root(s), *v;
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
	v = field_value(s, field);
	name = map_source(s->o, field) ? map_source(s->o, field)->spec : field_names[field];
	if (v->type == OED_V_STRING) {
		/*
		 * \u0000 is valid JSON and the reader keeps it; output is
		 * carried with its length, the other fields as C strings,
		 * which would silently end at the NUL.
		 */
		if (field != F_OUTPUT && memchr(v->str, '\0', v->len) != NULL)
			return record_bad(s, err, "field '%s' holds \\u0000, which only 'output' may",
					      oed_quote(name)) == -1 ? -1 : 1;
		*out = v->str;
		return 0;
	}
	if (integer_ok && v->type == OED_V_NUMBER && v->is_int) {
		snprintf(s->idbuf, sizeof(s->idbuf), "%lld", v->i);
		*out = s->idbuf;
		return 0;
	}
	/* an integer past a long long: kept as its digits, not as a rounded double */
	if (integer_ok && v->type == OED_V_NUMBER && !(fabs(v->num) < 9.2e18)) {
		const struct oed_path *src = map_source(s->o, field);
		struct oed_path plain = { .spec = (char *)field_names[field] };
		struct oed_path_seg seg = { .key = (char *)field_names[field],
					    .len = strlen(field_names[field]), .index = -1 };
		const char *line;
		size_t len;

		if (src == NULL) {
			plain.seg = &seg;
			plain.nseg = 1;
			src = &plain;
		}
		line = record_text(s, &len);
		if (line && integer_text(line, len, src, s->idbuf, sizeof(s->idbuf)) == 0) {
			*out = s->idbuf;
			return 0;
		}
	}
	if (v->type == OED_V_MISSING || (v->type == OED_V_NULL && !required))
		goto missing;
	return record_bad(s, err, "field '%s' is %s, not a string", oed_quote(name),
			      type_name(v)) == -1 ? -1 : 1;
missing:
	if (!required)
		return 0;
	name = map_source(s->o, field) ? map_source(s->o, field)->spec : field_names[field];
	return record_bad(s, err, "missing field '%s'", oed_quote(name)) == -1 ? -1 : 1;
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
	v = field_value(s, field);
	if (v->type == OED_V_MISSING || v->type == OED_V_NULL)
		return 0;
	name = map_source(s->o, field) ? map_source(s->o, field)->spec : field_names[field];
	if (v->type != OED_V_NUMBER || (integer && !v->is_int) || (!integer && !isfinite(v->num)))
		return record_bad(s, err, "field '%s' is %s, not %s", oed_quote(name),
				      v->type == OED_V_NUMBER ? "a fraction" : type_name(v),
				      integer ? "a whole number" : "a number") == -1 ? -1 : 1;
	if (integer && v->i < 0)
		return record_bad(s, err, "field '%s' is negative", oed_quote(name)) == -1 ? -1 : 1;
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
	v = field_value(s, F_OUTPUT);
	rec.output_len = v->len;
	TRY(get_string(s, F_MODEL, false, false, &rec.model, err));
	TRY(get_number(s, F_SAMPLE, true, NULL, &rec.sample, &has_sample, err));
	TRY(get_number(s, F_LATENCY_MS, false, &rec.latency_ms, NULL, &rec.has_latency, err));
	TRY(get_number(s, F_TOKENS_IN, true, NULL, &rec.tokens_in, &rec.has_tokens_in, err));
	TRY(get_number(s, F_TOKENS_OUT, true, NULL, &rec.tokens_out, &rec.has_tokens_out, err));
	if (s->idx[F_TS] >= 0) {
		v = field_value(s, F_TS);
		if (v->type == OED_V_STRING) {
			bool keep;

			if (ts_text(s->ts, v->str, v->len, false, s->tsbuf, &keep) == -1)
				return record_bad(s, err, "field '%s' is not %s: '%s'",
						      oed_quote(field_spec(s->o, F_TS)), ts_expected(s->ts),
						      oed_quoten(v->str, v->len > 40 ? 40 : v->len)) == -1 ? -1 : 0;
			rec.ts = keep ? v->str : s->tsbuf;
		} else if (v->type == OED_V_NUMBER) {
			if (ts_number(s->ts, v->num, s->tsbuf) == -1)
				return record_bad(s, err, "field '%s' is a number out of the range of times",
						      oed_quote(field_spec(s->o, F_TS))) == -1 ? -1 : 0;
			rec.ts = s->tsbuf;
		} else if (v->type != OED_V_MISSING && v->type != OED_V_NULL) {
			return record_bad(s, err, "field '%s' is %s, not a time",
					      oed_quote(field_spec(s->o, F_TS)), type_name(v)) == -1 ? -1 : 0;
		}
	}
	if (s->idx[F_META] >= 0) {
		v = field_value(s, F_META);
		if (v->type == OED_V_OBJECT)
			rec.meta = field_json(s, F_META);
		else if (v->type != OED_V_MISSING && v->type != OED_V_NULL)
			return record_bad(s, err, "field '%s' is %s, not an object",
					      oed_quote(field_spec(s->o, F_META)), type_name(v)) == -1 ? -1 : 0;
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
 * --batch-input: the OpenAI Batch input file, custom_id -> the prompt it
 * sent, so that records keep their input.  The prompt is the last user
 * message of a chat request (its text parts joined), the input of a
 * Responses request (its last user message when it is a list), or the
 * prompt of a completions request.
 */
/* The text of a message's content: a string, or the text of its parts. */
static char *
content_text(const json_t *content)
{
	struct oed_buf b = OED_BUF_INIT;
	const json_t *part;
	size_t i;

	if (json_is_string(content))
		return strdup(json_string_value(content));
	if (!json_is_array(content))
		return NULL;
	json_array_foreach(content, i, part) {
		const json_t *t = json_is_string(part) ? part : json_object_get(part, "text");

		if (json_is_string(t) && oed_buf_add(&b, json_string_value(t), json_string_length(t)) == -1) {
			oed_buf_release(&b);
			return NULL;
		}
	}
	return b.data ? oed_buf_steal(&b, NULL) : NULL;
}

/* The last user message's text of a list of messages. */
static char *
last_user_text(const json_t *messages)
{
	for (size_t i = json_array_size(messages); i-- > 0;) {
		const json_t *m = json_array_get(messages, i);
		const char *role = json_string_value(json_object_get(m, "role"));

		if (role && strcmp(role, "user") == 0)
			return content_text(json_object_get(m, "content"));
	}
	return NULL;
}

static char *
request_prompt(const json_t *body)
{
	const json_t *v;

	if ((v = json_object_get(body, "messages")) != NULL)
		return last_user_text(v);
	if ((v = json_object_get(body, "input")) != NULL)
		return json_is_array(v) ? last_user_text(v) : content_text(v);
	if ((v = json_object_get(body, "prompt")) != NULL)
		return content_text(v);
	return NULL;
}

static void
batch_inputs_release(struct batch_inputs *bi)
{
	for (size_t i = 0; i < bi->n; i++) {
		free(bi->rows[i].id);
		free(bi->rows[i].text);
	}
	free(bi->rows);
	oed_map_release(&bi->index);
	memset(bi, 0, sizeof(*bi));
}

static bool
batch_input_find_id(const struct batch_inputs *bi, const char *id)
{
	const uint64_t *row = oed_map_get(&bi->index, XXH3_64bits(id, strlen(id)));

	return row && strcmp(bi->rows[*row].id, id) == 0;
}

static const char *
batch_input_find(const struct batch_inputs *bi, const char *id)
{
	const uint64_t *row = oed_map_get(&bi->index, XXH3_64bits(id, strlen(id)));

	return row && strcmp(bi->rows[*row].id, id) == 0 ? bi->rows[*row].text : NULL;
}

/* Read the whole Batch input file; a line that is not a request is an error at its line. */
static int
batch_inputs_load(struct batch_inputs *bi, const char *path, struct oed_err *err)
{
	struct zlines l;
	const char *line;
	size_t len;
	long lineno = 0;
	int rc = 0, more = 0;

	if (zlines_open(&l, path, err) == -1)
		return -1;
	while (rc == 0 && (more = zlines_next(&l, &line, &len, err)) == 1) {
		json_error_t jerr;
		const char *id;
		json_t *j;
		uint64_t *row;
		bool added;

		lineno++;
		if (blank_text(line, len))
			continue;
		j = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
		id = json_string_value(json_object_get(j, "custom_id"));
		if (j == NULL || id == NULL) {
			rc = oed_err_at(err, OED_EX_DATA, path, lineno, 0, "%s%s",
					j ? "not a Batch request line: no string 'custom_id'" : "invalid JSON: ",
					j ? "" : jerr.text);
			json_decref(j);
			break;
		}
		if (bi->n == bi->cap) {
			size_t c = bi->cap ? 2 * bi->cap : 256;
			void *p = realloc(bi->rows, c * sizeof(*bi->rows));

			if (p == NULL) {
				json_decref(j);
				rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
				break;
			}
			bi->rows = p;
			bi->cap = c;
		}
		row = oed_map_put(&bi->index, XXH3_64bits(id, strlen(id)), &added);
		if (row == NULL) {
			rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
		} else if (!added) {
			rc = oed_err_at(err, OED_EX_DATA, path, lineno, 0, "custom_id '%s' appears twice",
					oed_quote(id));
		} else {
			bi->rows[bi->n].id = strdup(id);
			bi->rows[bi->n].text = request_prompt(json_object_get(j, "body"));
			*row = bi->n++;
		}
		json_decref(j);
	}
	if (more == -1)
		rc = -1;
	zlines_close(&l);
	return rc;
}

/*
 * A reply that is only tool calls: the output is the calls as a compact
 * JSON array of {"name", "arguments"}, the arguments parsed (keys sorted)
 * when they are JSON, so that the same call gives the same output; the
 * call ids are left out, as they differ on every reply.  Malloc'd, or NULL.
 */
static char *
tool_calls_text(const struct oed_llm_response *r)
{
	json_t *calls = json_array();
	char *text;

	for (size_t i = 0; calls && i < r->n_tool_calls; i++) {
		const struct oed_llm_tool_call *tc = &r->tool_calls[i];
		json_t *args = tc->arguments ? json_loads(tc->arguments, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
					     : json_null();

		if (args == NULL)
			args = json_string(tc->arguments);
		if (json_array_append_new(calls, json_pack("{s:s?,s:o}", "name", tc->name,
							   "arguments", args ? args : json_null())) == -1) {
			json_decref(calls);
			return NULL;
		}
	}
	text = calls ? json_dumps(calls, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	json_decref(calls);
	return text;
}

/* A request that got no answer: counted and reported, not bad data. */
static int
request_failed(struct line_state *s, const struct oed_llm_response *r, const char *id)
{
	char status[32] = "";

	if (r->http_status && r->http_status != 200)
		snprintf(status, sizeof(status), "HTTP %d: ", r->http_status);
	oed_warn("%s:%ld: request '%s' failed: %s%s%s%s", oed_quote(oed_reader_source(s->r)),
		 oed_reader_lineno(s->r), oed_quote(id), status,
		 r->error_code ? oed_quote(r->error_code) : "", r->error_code && r->error_message ? ": " : "",
		 r->error_message ? oed_quote(r->error_message) : "");
	s->stats->failed++;
	return 0;
}

/* One parsed response: its record, or one per choice of a chat completion. */
static int
response_records(struct line_state *s, const json_t *body, struct oed_llm_response *first,
		 const char *input_id, bool chat, struct oed_err *err)
{
	struct oed_llm_response *resp;
	struct oed_err perr = { 0 };
	char **calls;
	size_t n = first->n_choices ? first->n_choices : 1, i;
	const char *input = NULL;
	int rc = 0;

	resp = calloc(n, sizeof(*resp));
	calls = calloc(n, sizeof(*calls));
	if (resp == NULL || calls == NULL) {
		free(resp);
		free(calls);
		oed_llm_response_release(first);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	resp[0] = *first;
	if (s->o->batch_input) {
		input = batch_input_find(&s->batch, input_id);
		if (input == NULL && !batch_input_find_id(&s->batch, input_id)) {
			rc = oed_reader_bad(s->r, err, "custom_id '%s' is not in the batch input '%s'",
					    oed_quote(input_id), oed_quote(s->o->batch_input));
			goto out;
		}
	}
	/* every choice first, so a bad one rejects the whole line, not half of it */
	for (i = 1; i < n && chat; i++)
		if (oed_openai_parse_chat_choice(body, i, &resp[i], &perr) == -1) {
			rc = perr.status == OED_EX_DATA ? oed_reader_bad(s->r, err, "%s", perr.msg)
							: oed_err_set(err, perr.status, "%s", perr.msg);
			goto out;
		}
	for (i = 0; i < n; i++) {
		if (resp[i].text)
			continue;
		if (resp[i].n_tool_calls == 0) {
			rc = chat ? oed_reader_bad(s->r, err, "choices.%zu.message.content is null, not a string", i)
				  : oed_reader_bad(s->r, err, "the response has no output text or tool calls");
			goto out;
		}
		if ((calls[i] = tool_calls_text(&resp[i])) == NULL) {
			rc = oed_err_set(err, OED_EX_FAIL, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		struct oed_record rec = { 0 };
		json_t *meta = NULL;

		rec.dataset = s->o->dataset;
		rec.input_id = input_id;
		rec.input = input;
		rec.model = resp[i].model;
		if (resp[i].prompt_tokens >= 0) {
			rec.tokens_in = resp[i].prompt_tokens;
			rec.has_tokens_in = true;
		}
		if (resp[i].created >= 0) {
			oed_time_to_rfc3339((double)resp[i].created, s->tsbuf);
			rec.ts = s->tsbuf;
		}
		rec.output = resp[i].text ? resp[i].text : calls[i];
		rec.output_len = resp[i].text ? resp[i].text_len : strlen(calls[i]);
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
	for (i = 0; i < n; i++) {
		oed_llm_response_release(&resp[i]);
		free(calls[i]);
	}
	free(resp);
	free(calls);
	return rc;
}

/* The body's shape: a Responses API object, else a chat completion. */
static bool
is_responses(const json_t *body)
{
	const char *object = json_string_value(json_object_get(body, "object"));

	return object ? strcmp(object, "response") == 0 :
		json_is_array(json_object_get(body, "output")) && !json_object_get(body, "choices");
}

static int
openai_line(struct line_state *s, struct oed_err *err)
{
	json_t *root = oed_reader_root(s->r), *body;
	struct oed_llm_response r;
	struct oed_err perr = { 0 };
	const char *id;
	bool chat;
	int rc;

	if (root == NULL)
		return oed_err_set(err, OED_EX_FAIL, "internal error: no parsed record");
	if (json_object_get(root, "custom_id")) {
		/* a Batch API output line */
		if (oed_openai_parse_batch_line(root, &r, &perr) == -1)
			return perr.status == OED_EX_DATA ? oed_reader_bad(s->r, err, "%s", perr.msg)
							  : oed_err_set(err, perr.status, "%s", perr.msg);
		if (oed_llm_response_failed(&r)) {
			rc = request_failed(s, &r, r.custom_id);
			oed_llm_response_release(&r);
			return rc;
		}
		oed_llm_response_release(&r);
		body = json_object_get(json_object_get(root, "response"), "body");
		id = json_string_value(json_object_get(root, "custom_id"));
	} else if (json_object_get(root, "choices") || is_responses(root)) {
		body = root;
		id = json_string_value(json_object_get(root, "id"));
		if (id == NULL)
			return oed_reader_bad(s->r, err, "the response has no string 'id'");
	} else if (json_is_object(json_object_get(root, "error"))) {
		/* an error body where a response was expected */
		oed_openai_parse_chat(root, &r, &perr);
		rc = request_failed(s, &r, r.response_id ? r.response_id : "(no id)");
		oed_llm_response_release(&r);
		return rc;
	} else {
		return oed_reader_bad(s->r, err, "not an OpenAI chat completion, Responses API object"
				      " or Batch API output line");
	}
	chat = !is_responses(body);
	rc = chat ? oed_openai_parse_chat(body, &r, &perr) : oed_openai_parse_responses(body, &r, &perr);
	if (rc == -1)
		return perr.status == OED_EX_DATA ? oed_reader_bad(s->r, err, "%s", perr.msg)
						  : oed_err_set(err, perr.status, "%s", perr.msg);
	if (oed_llm_response_failed(&r)) {
		rc = request_failed(s, &r, id);
		oed_llm_response_release(&r);
		return rc;
	}
	return response_records(s, body, &r, id, chat, err);
}

static int
ingest_lines(const struct oed_ingest_opts *o, const struct ts_rules *ts, bool openai, int nfiles,
	     char *const *files,
	     oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct line_state s = { .o = o, .ts = ts, .sink = sink, .ctx = ctx, .stats = stats };
	int rc;

	if (openai && o->dataset == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--format openai needs --dataset NAME");
	if (openai && o->batch_input && batch_inputs_load(&s.batch, o->batch_input, err) == -1) {
		batch_inputs_release(&s.batch);
		return -1;
	}
	s.r = oed_reader_new(nfiles, files, o->max_line, o->policy, err);
	if (s.r == NULL) {
		batch_inputs_release(&s.batch);
		return -1;
	}
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
	batch_inputs_release(&s.batch);
	oed_reader_free(s.r);
	return rc;
}

/* ---------------------------------------------------------------------------
 * A top-level JSON array of records (pandas orient='records', many
 * exporters), streamed: the bytes are read in blocks and each element is
 * cut out by a small state machine (strings, escapes, bracket depth), then
 * parsed on its own, so memory holds one element, not the file.  An
 * element longer than max_line is read past without being held.
 */
struct array_reader {
	struct oed_zstream *zs;	/* decompressed as read */
	const char *source;
	struct oed_buf buf;	/* bytes read and not yet consumed: data[pos..len) */
	size_t pos;
	long line;		/* line of data[pos] */
	bool eof;
	int state;		/* 0 before '[', 1 first element or ']', 2 ',' or ']', 3 done */
	size_t max_line;
};

/* More bytes: 1, 0 at the end of the file, -1 on a read error. */
static int
array_fill(struct array_reader *a, struct oed_err *err)
{
	ssize_t got;

	if (a->eof)
		return 0;
	if (a->pos > 0 && a->pos * 2 >= a->buf.len) {
		memmove(a->buf.data, a->buf.data + a->pos, a->buf.len - a->pos);
		a->buf.len -= a->pos;
		a->pos = 0;
	}
	if (oed_buf_grow(&a->buf, 65536) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if ((got = oed_zstream_read(a->zs, a->buf.data + a->buf.len, 65536, err)) == -1)
		return -1;
	a->buf.len += (size_t)got;
	a->buf.data[a->buf.len] = '\0';
	if (got == 0) {
		a->eof = true;
		return 0;
	}
	return 1;
}

/* Past spacing; the next byte, or -1 at the end of the file (-2: error). */
static int
array_peek(struct array_reader *a, struct oed_err *err)
{
	for (;;) {
		while (a->pos < a->buf.len) {
			char c = a->buf.data[a->pos];

			if (c == '\n')
				a->line++;
			else if (c != ' ' && c != '\t' && c != '\r')
				return (unsigned char)c;
			a->pos++;
		}
		switch (array_fill(a, err)) {
		case -1: return -2;
		case 0: return -1;
		}
	}
}

static int
array_fail(struct array_reader *a, struct oed_err *err, const char *what)
{
	return oed_err_at(err, OED_EX_DATA, a->source, a->line, 0, "invalid JSON: %s", what);
}

/*
 * The next element: 1 with its text in buf.data[*start .. *start + *len)
 * (valid until the next call) and its first line, 2 for one longer than
 * max_line (read past, *len its size), 0 after the closing ']', -1 on an
 * error of the array itself (err set).
 */
static int
array_next(struct array_reader *a, size_t *start, size_t *len, long *line, struct oed_err *err)
{
	int c = array_peek(a, err);
	size_t i, skipped = 0;
	long depth = 0;
	bool in_str = false, esc = false, scalar;

	if (c == -2)
		return -1;
	if (a->state == 0) {
		if (c == 0xEF && a->buf.len - a->pos >= 3 && memcmp(a->buf.data + a->pos, "\xEF\xBB\xBF", 3) == 0) {
			a->pos += 3;
			c = array_peek(a, err);
		}
		if (c != '[')
			return array_fail(a, err, c == -1 ? "empty file, '[' expected" : "'[' expected");
		a->pos++;
		a->state = 1;
		c = array_peek(a, err);
	} else if (a->state == 2) {
		if (c == ',') {
			a->pos++;
			c = array_peek(a, err);
			if (c == ']')
				return array_fail(a, err, "a value expected after ','");
		} else if (c != ']') {
			return array_fail(a, err, c == -1 ? "the array is not closed" : "',' or ']' expected");
		}
	} else if (a->state == 3) {
		return 0;
	}
	if (c == -2)
		return -1;
	if (c == ']') {
		a->pos++;
		a->state = 3;
		c = array_peek(a, err);
		if (c == -2)
			return -1;
		return c == -1 ? 0 : array_fail(a, err, "text after the array's closing ']'");
	}
	if (c == -1)
		return array_fail(a, err, "the array is not closed");
	if (c == ',' || c == ':' || c == '}')
		return array_fail(a, err, "a value expected");
	/* cut out one value */
	*line = a->line;
	*start = a->pos;
	scalar = c != '{' && c != '[' && c != '"';
	for (i = a->pos;; i++) {
		if (i == a->buf.len) {
			size_t off = i - a->pos;
			int r;

			/* too long: drop what is held, keep the state */
			if (off + skipped > a->max_line && off > 0) {
				skipped += off;
				a->pos = i;
			}
			off = i - a->pos;
			r = array_fill(a, err);
			if (r == -1)
				return -1;
			i = a->pos + off;
			if (r == 0) {
				if (scalar && depth == 0 && !in_str)
					break;
				return array_fail(a, err, "the array is not closed");
			}
		}
		c = (unsigned char)a->buf.data[i];
		if (c == '\n')
			a->line++;
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"') {
				in_str = false;
				if (depth == 0 && !scalar) {
					i++;
					break;
				}
			}
			continue;
		}
		if (scalar) {
			if (strchr(",] \t\r\n", c))
				break;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0) {
			i++;
			break;
		}
	}
	*start = a->pos;
	*len = i - a->pos;
	a->pos = i;
	a->state = 2;
	if (skipped || *len > a->max_line) {
		*len += skipped;
		return 2;
	}
	return 1;
}

/* The jansson value at a field's path, as the reader would give it. */
static void
elem_value(json_t *v, struct oed_value *out)
{
	memset(out, 0, sizeof(*out));
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT: out->type = OED_V_OBJECT; break;
	case JSON_ARRAY: out->type = OED_V_ARRAY; break;
	case JSON_STRING:
		out->type = OED_V_STRING;
		out->str = json_string_value(v);
		out->len = json_string_length(v);
		break;
	case JSON_INTEGER:
		out->type = OED_V_NUMBER;
		out->is_int = true;
		out->i = json_integer_value(v);
		out->num = (double)out->i;
		break;
	case JSON_REAL:
		out->type = OED_V_NUMBER;
		out->num = json_real_value(v);
		break;
	case JSON_TRUE: out->type = OED_V_TRUE; break;
	case JSON_FALSE: out->type = OED_V_FALSE; break;
	default: out->type = v ? OED_V_NULL : OED_V_MISSING; break;
	}
}

static int
ingest_array(const struct oed_ingest_opts *o, const struct ts_rules *ts, int nfiles,
	     char *const *files, oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats,
	     struct oed_err *err)
{
	struct line_state s = { .o = o, .ts = ts, .sink = sink, .ctx = ctx, .stats = stats };
	struct oed_path paths[NFIELDS];
	char *dash[] = { "-" };
	int rc = 0;

	if (nfiles == 0) {
		nfiles = 1;
		files = dash;
	}
	memset(paths, 0, sizeof(paths));
	for (int f = 0; f < NFIELDS; f++) {
		s.idx[f] = f;
		if (map_source(o, f) == NULL && oed_path_parse(&paths[f], field_names[f], err) == -1) {
			rc = -1;
			goto out;
		}
	}
	for (int k = 0; k < nfiles && rc == 0; k++) {
		struct array_reader a = { .line = 1, .max_line = o->max_line ? o->max_line : (size_t)-1 };
		size_t start = 0, len = 0;
		long line = 0;
		int r = 0;

		if ((a.zs = oed_zstream_open(files[k], err)) == NULL) {
			rc = -1;
			break;
		}
		a.source = oed_zstream_source(a.zs);
		while (rc == 0 && (r = array_next(&a, &start, &len, &line, err)) > 0) {
			struct array_elem e = { .source = a.source, .line = line };
			json_error_t jerr;

			stats->read++;
			s.elem = &e;
			if (r == 2) {
				e.text = "";
				rc = record_bad(&s, err, "element longer than %zu bytes (see --max-line)",
						o->max_line) == -1 ? -1 : 0;
				continue;
			}
			e.text = a.buf.data + start;
			e.len = len;
			e.root = json_loadb(e.text, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
			if (e.root == NULL) {
				e.line += jerr.line > 1 ? jerr.line - 1 : 0;
				if (json_error_code(&jerr) == json_error_numeric_overflow)
					rc = record_bad(&s, err, "number out of range");
				else
					rc = record_bad(&s, err, "invalid JSON: %s", jerr.text);
				rc = rc == -1 ? -1 : 0;
				continue;
			}
			if (!json_is_object(e.root)) {
				rc = record_bad(&s, err, "element is not a JSON object") == -1 ? -1 : 0;
				json_decref(e.root);
				continue;
			}
			for (int f = 0; f < NFIELDS; f++) {
				const struct oed_path *src = map_source(o, f);

				e.json[f] = oed_path_get(src ? src : &paths[f], e.root);
				elem_value(e.json[f], &e.vals[f]);
			}
			rc = jsonl_record(&s, err);
			json_decref(e.root);
		}
		if (r == -1)
			rc = -1;
		oed_buf_release(&a.buf);
		oed_zstream_close(a.zs);
	}
out:
	for (int f = 0; f < NFIELDS; f++)
		oed_path_release(&paths[f]);
	counter_release(&s.samples);
	return rc;
}

/* ---------------------------------------------------------------------------
 * CSV
 */
struct csv_state {
	const struct oed_ingest_opts *o;
	const struct ts_rules *ts;
	int col[NFIELDS];
	struct counter samples;
	bool mapped;
	char tsbuf[OED_RFC3339_SIZE];
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
	return csv_bad(c, s->o, err, "column '%s': '%s' is not %s", oed_quote(oed_csv_header(c, (size_t)s->col[field])),
		       oed_quote(v), integer ? "a whole number" : "a number") == -1 ? -1 : 1;
}

/*
 * --meta-rest: the columns that feed no field, as strings, after what the
 * meta column holds (meta may be NULL).  New reference or NULL.
 */
static json_t *
csv_meta_rest(struct oed_csv *c, struct csv_state *s, json_t *meta_col)
{
	json_t *meta = json_object();

	if (meta && meta_col && json_object_update(meta, meta_col) == -1)
		goto fail;
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
	json_t *meta_col = NULL;
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
				       oed_quote(oed_csv_header(c, (size_t)s->col[f])));
		if (memchr(val[f], '\0', len[f]))
			return csv_bad(c, s->o, err, "column '%s' holds a NUL byte",
				       oed_quote(oed_csv_header(c, (size_t)s->col[f])));
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
		bool keep;

		/* epoch seconds too, as spreadsheets of API logs often hold */
		if (ts_text(s->ts, val[F_TS], len[F_TS], true, s->tsbuf, &keep) == -1)
			return csv_bad(c, s->o, err, "column '%s': '%s' is not %s",
				       oed_quote(oed_csv_header(c, (size_t)s->col[F_TS])),
				       oed_quoten(val[F_TS], len[F_TS] > 40 ? 40 : len[F_TS]),
				       s->ts->kind == TS_DEFAULT ? "an RFC 3339 time or epoch seconds" :
				       ts_expected(s->ts)) == -1 ? -1 : 0;
		rec.ts = keep ? val[F_TS] : s->tsbuf;
	}
	if ((rc = csv_number(c, s, F_SAMPLE, true, NULL, &rec.sample, &has_sample, err)) != 0 ||
	    (rc = csv_number(c, s, F_LATENCY_MS, false, &rec.latency_ms, NULL, &rec.has_latency, err)) != 0 ||
	    (rc = csv_number(c, s, F_TOKENS_IN, true, NULL, &rec.tokens_in, &rec.has_tokens_in, err)) != 0 ||
	    (rc = csv_number(c, s, F_TOKENS_OUT, true, NULL, &rec.tokens_out, &rec.has_tokens_out, err)) != 0)
		return rc < 0 ? -1 : 0;
	if (!has_sample && counter_next(&s->samples, rec.dataset, rec.input_id, &rec.sample) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	/* -m meta=COLUMN: the cell holds a JSON object, as text */
	if (val[F_META] && len[F_META]) {
		json_error_t jerr;

		meta_col = json_loadb(val[F_META], len[F_META], 0, &jerr);
		if (!json_is_object(meta_col)) {
			json_decref(meta_col);
			return csv_bad(c, s->o, err, "column '%s' is not a JSON object%s%s",
				       oed_quote(oed_csv_header(c, (size_t)s->col[F_META])),
				       meta_col ? "" : ": ", meta_col ? "" : jerr.text) == -1 ? -1 : 0;
		}
	}
	rec.meta = meta_col;
	if (s->o->meta_rest) {
		json_t *meta = csv_meta_rest(c, s, meta_col);

		if (meta == NULL) {
			json_decref(meta_col);
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		}
		rec.meta = json_object_size(meta) ? meta : NULL;
		rc = s->sink(&rec, s->ctx, err);
		json_decref(meta);
	} else {
		rc = s->sink(&rec, s->ctx, err);
	}
	json_decref(meta_col);
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
					  "column '%s' appears %d times in the header", oed_quote(name),
					  oed_csv_column_count(c, name));
		if (s->col[f] < 0 && (src || f == F_OUTPUT || f == F_INPUT_ID)) {
			char cols[300] = "";
			size_t n = 0;

			for (size_t i = 0; i < oed_csv_columns(c) && n < sizeof(cols) - 40; i++)
				n += (size_t)snprintf(cols + n, sizeof(cols) - n, "%s'%s'", i ? ", " : "",
						      oed_quote(oed_csv_header(c, i)));
			if (n >= sizeof(cols) - 40)
				snprintf(cols + n, sizeof(cols) - n, ", ...");
			return oed_err_at(err, OED_EX_DATA, oed_csv_source(c), 1, 0,
					  "no column '%s' in the header%s; columns: %s", oed_quote(name),
					  src ? "" : f == F_OUTPUT ? " (give --map output=COLUMN)" :
					  " (give --map input_id=COLUMN)", cols);
		}
	}
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
ingest_csv(const struct oed_ingest_opts *o, const struct ts_rules *ts, int nfiles, char *const *files,
	   oed_record_sink sink, void *ctx, struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct csv_state s = { .o = o, .ts = ts, .sink = sink, .ctx = ctx, .stats = stats };
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
 * The map format: single JSON objects, read whole.  A scan checks the
 * structure the format has — an object of ids, or of datasets holding
 * objects of ids, whose values are lists (or, for --inputs, strings) — and
 * notes every key with its line and the span of its value; an error in
 * that structure refuses the file at its line and column.  Values are
 * judged one by one, each decoded on its own, so a bad one (a number past
 * a double, a lone surrogate, nesting deeper than any parser goes) drops
 * that value, through --on-error, and the rest of the file is kept.
 * Every message names a line; duplicates keep the first occurrence under
 * --on-error=skip; a rejected entry can be copied out on its own.
 */
struct entry {
	int depth;		/* 1 or 2 */
	int parent;		/* index of the depth-1 entry holding a depth-2 one */
	char *key;		/* decoded, NUL-terminated; NULL when keyerr says why not */
	char *keyerr;		/* why the key cannot be an id */
	const char *keytok;	/* the key as written, quotes included */
	size_t keytoklen;
	long line;		/* of the key */
	const char *value;	/* the value as written */
	size_t vlen;
	long vline;		/* where the value starts */
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
	struct oed_zstream *zs = oed_zstream_open(path, err);
	struct oed_buf b = OED_BUF_INIT;
	ssize_t got;

	if (zs == NULL)
		return -1;
	do {
		if (oed_buf_grow(&b, 65536) == -1) {
			oed_zstream_close(zs);
			oed_buf_release(&b);
			return oed_err_set(err, OED_EX_FAIL, "out of memory reading '%s'", oed_quote(path));
		}
		if ((got = oed_zstream_read(zs, b.data + b.len, 65536, err)) == -1) {
			oed_zstream_close(zs);
			oed_buf_release(&b);
			return -1;
		}
		b.len += (size_t)got;
	} while (got > 0);
	oed_zstream_close(zs);
	b.data[b.len] = '\0';
	*text = b.data;
	*len = b.len;
	return 0;
}

static int
add_entry(struct scan *sc, int depth, int parent, size_t keystart, long line)
{
	struct mapfile *m = sc->m;
	size_t keylen = sc->i - keystart;
	json_error_t jerr;
	struct entry *e;
	json_t *k;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;

		e = realloc(m->e, cap * sizeof(*e));
		if (e == NULL)
			return oed_err_set(sc->err, OED_EX_FAIL, "out of memory");
		m->e = e;
		m->cap = cap;
	}
	e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	e->depth = depth;
	e->parent = parent;
	e->keytok = sc->s + keystart;
	e->keytoklen = keylen;
	e->line = line;
	k = json_loadb(e->keytok, keylen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (k == NULL) {
		char msg[300];

		snprintf(msg, sizeof(msg), "key %.*s: invalid JSON: %s",
			 keylen > 40 ? 40 : (int)keylen, e->keytok, jerr.text);
		e->keyerr = strdup(msg);
	} else if (memchr(json_string_value(k), '\0', json_string_length(k))) {
		e->keyerr = strdup("an id holds \\u0000, which only outputs may");
	} else {
		e->key = strdup(json_string_value(k));
	}
	json_decref(k);
	if (e->key == NULL && e->keyerr == NULL)
		return oed_err_set(sc->err, OED_EX_FAIL, "out of memory");
	return 0;
}

/* At '{': the entries of an object of ids (depth 2) or of ids and datasets (depth 1). */
static int
scan_object(struct scan *sc, int depth, int parent)
{
	sc->i++;
	scan_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == '}') {
		sc->i++;
		return 0;
	}
	for (;;) {
		size_t keystart = sc->i, vstart;
		long line = sc->line;
		size_t idx;

		if (sc->i >= sc->n || sc->s[sc->i] != '"')
			return scan_fail(sc, "a string (an id) expected");
		if (scan_string(sc) == -1)
			return -1;
		if (add_entry(sc, depth, parent, keystart, line) == -1)
			return -1;
		idx = sc->m->n - 1;
		scan_ws(sc);
		if (sc->i >= sc->n || sc->s[sc->i] != ':')
			return scan_fail(sc, "':' expected");
		sc->i++;
		scan_ws(sc);
		vstart = sc->i;
		sc->m->e[idx].vline = sc->line;
		if (sc->i < sc->n && sc->s[sc->i] == '{' && depth == 1) {
			if (scan_object(sc, 2, (int)idx) == -1)
				return -1;
		} else if (sc->i < sc->n && sc->s[sc->i] == '[') {
			if (scan_list(sc) == -1)
				return -1;
		} else if (scan_value(sc) == -1) {
			return -1;
		}
		sc->m->e[idx].value = sc->s + vstart;
		sc->m->e[idx].vlen = sc->i - vstart;
		scan_ws(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',') {
			sc->i++;
			scan_ws(sc);
			continue;
		}
		if (sc->i < sc->n && sc->s[sc->i] == '}') {
			sc->i++;
			return 0;
		}
		return scan_fail(sc, "',' or '}' expected");
	}
}

static void
mapfile_release(struct mapfile *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].key);
		free(m->e[i].keyerr);
	}
	free(m->e);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* Load and scan; -1 when the file cannot be read or its structure is broken. */
static int
mapfile_load(struct mapfile *m, const char *path, struct oed_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	struct scan sc = { .m = m, .line = 1, .err = err };


	memset(m, 0, sizeof(*m));
	m->path = (char *)name;
	sc.path = name;
	if (read_whole(path, &m->text, &m->len, err) == -1)
		return -1;
	sc.s = m->text;
	sc.n = m->len;
	/* editors on Windows start JSON files with a BOM */
	if (m->len >= 3 && memcmp(m->text, "\xEF\xBB\xBF", 3) == 0)
		sc.i = sc.bol = 3;
	scan_ws(&sc);
	if (sc.i < sc.n && sc.s[sc.i] != '{') {
		oed_err_at(err, OED_EX_DATA, name, sc.line, 0, "not a JSON object of the form {\"id\": ...}");
		goto fail;
	}
	if (sc.i >= sc.n) {
		scan_fail(&sc, "'{' expected");
		goto fail;
	}
	if (scan_object(&sc, 1, -1) == -1)
		goto fail;
	scan_ws(&sc);
	if (sc.i < sc.n) {
		scan_fail(&sc, "end of file expected");
		goto fail;
	}
	return 0;
fail:
	mapfile_release(m);
	return -1;
}

/*
 * One value, decoded on its own: a new reference, or NULL with why in
 * *why ("invalid JSON: ..."); a number beyond a double is a number all
 * the same (what it is matters, not its size), so it comes back as null
 * with *kind set.  kind: what the value is, for messages.
 */
static json_t *
value_decode(const char *v, size_t len, const char **kind, char *why, size_t whysize)
{
	json_error_t jerr;
	json_t *j;

	*why = '\0';
	switch (len ? v[0] : 0) {
	case '"': *kind = "a string"; break;
	case '[': *kind = "a list"; break;
	case '{': *kind = "an object"; break;
	case 't': case 'f': *kind = "a boolean"; break;
	case 'n': *kind = "null"; break;
	default: *kind = "a number"; break;
	}
	j = json_loadb(v, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (j == NULL && json_error_code(&jerr) != json_error_numeric_overflow && v[0] != '[' &&
	    v[0] != '{')
		snprintf(why, whysize, "invalid JSON: %s", jerr.text);
	return j;
}

/* The value as JSON text to copy under reject: compact when it decodes, else as written. */
static char *
value_copy(const char *v, size_t len)
{
	json_t *j = json_loadb(v, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	if (s == NULL && (s = malloc(len + 1)) != NULL) {
		memcpy(s, v, len);
		s[len] = '\0';
	}
	return s;
}

struct ingest_map {
	const struct oed_ingest_opts *o;
	/* inputs, keyed by (dataset, id): the map gives the row */
	struct oed_map index;
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
	json_t *k = e->key ? json_string(e->key) : NULL;
	char *key = k ? json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *val = e->value ? value_copy(e->value, e->vlen) : NULL;
	char *copy = NULL;
	size_t len = 0;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_at(err, OED_EX_DATA, m->path, e->line, 0, "%s", msg);
	json_decref(k);
	if (key == NULL && (key = malloc(e->keytoklen + 1)) != NULL) {
		memcpy(key, e->keytok, e->keytoklen);
		key[e->keytoklen] = '\0';
	}
	if (key && val && (copy = malloc(strlen(key) + strlen(val) + 4)) != NULL)
		len = (size_t)sprintf(copy, "{%s:%s}", key, val);
	rc = oed_policy_bad(im->o->policy, err, copy ? copy : "", len);
	free(key);
	free(val);
	free(copy);
	return rc;
}

/* Index of (dataset, id) in rows, or -1. */
static long
input_find(const struct ingest_map *im, const char *dataset, const char *id)
{
	const uint64_t *row = oed_map_get(&im->index, pair_key(dataset, id));
	const struct inrow *r;

	if (row == NULL)
		return -1;
	r = &im->rows[*row];
	/* a 64-bit hash names the pair; the strings decide */
	return strcmp(r->id, id) == 0 && strcmp(r->dataset, dataset) == 0 ? (long)*row : -1;
}

static int
input_add(struct ingest_map *im, const char *dataset, const char *id, const char *text,
	  struct oed_err *err)
{
	struct inrow *r;
	uint64_t *row;
	bool added;

	if (im->nrows == im->rowcap) {
		size_t cap = im->rowcap ? im->rowcap * 2 : 256;

		r = realloc(im->rows, cap * sizeof(*r));
		if (r == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		im->rows = r;
		im->rowcap = cap;
	}
	row = oed_map_put(&im->index, pair_key(dataset, id), &added);
	if (row == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (!added)
		return oed_err_set(err, OED_EX_FAIL, "input ids '%s' and '%s' have the same 64-bit hash;"
				   " please report it", oed_quote(id), oed_quote(im->rows[*row].id));
	r = &im->rows[im->nrows];
	*r = (struct inrow){ strdup(dataset), strdup(id), strdup(text), false };
	if (r->dataset == NULL || r->id == NULL || r->text == NULL) {
		free(r->dataset);
		free(r->id);
		free(r->text);
		oed_map_del(&im->index, pair_key(dataset, id), NULL);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	*row = im->nrows++;
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

static int
load_inputs(struct ingest_map *im, const struct oed_inputs_file *f, struct oed_err *err)
{
	const char *dataset = f->dataset ? f->dataset : im->o->dataset;
	struct mapfile m;
	int rc = 0;
	char **d;

	if (dataset == NULL)
		return oed_err_set(err, OED_EX_USAGE, "--inputs '%s' needs --dataset NAME (or NAME=FILE)",
				   oed_quote(f->path));
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
		const char *kind;
		char why[300];
		json_t *v;

		if (e->depth != 1)
			continue;
		if (e->key == NULL) {
			rc = entry_bad(im, &m, e, err, "%s", e->keyerr);
			continue;
		}
		if (input_find(im, dataset, e->key) >= 0) {
			rc = entry_bad(im, &m, e, err, "duplicate input id '%s'", oed_quote(e->key));
			continue;
		}
		v = value_decode(e->value, e->vlen, &kind, why, sizeof(why));
		if (why[0])
			rc = entry_bad(im, &m, e, err, "input '%s': %s", oed_quote(e->key), why);
		else if (!json_is_string(v))
			rc = entry_bad(im, &m, e, err, "input '%s' is %s, not a string", oed_quote(e->key), kind);
		else if (memchr(json_string_value(v), '\0', json_string_length(v)))
			rc = entry_bad(im, &m, e, err, "input '%s' holds \\u0000, which only outputs may",
				       oed_quote(e->key));
		else
			rc = input_add(im, dataset, e->key, json_string_value(v), err);
		json_decref(v);
	}
	mapfile_release(&m);
	return rc;
}

/* One output of a list that cannot be kept: reported at its line, copied alone. */
static int
output_bad(const struct ingest_map *im, const struct mapfile *m, long line, const char *v,
	   size_t len, struct oed_err *err, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int
output_bad(const struct ingest_map *im, const struct mapfile *m, long line, const char *v,
	   size_t len, struct oed_err *err, const char *fmt, ...)
{
	va_list ap;
	char msg[400];
	char *copy = value_copy(v, len);
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	oed_err_at(err, OED_EX_DATA, m->path, line, 0, "%s", msg);
	rc = oed_policy_bad(im->o->policy, err, copy ? copy : "", copy ? strlen(copy) : 0);
	free(copy);
	return rc;
}

/* The outputs of one input: one record per string in the list. */
static int
emit_outputs(struct ingest_map *im, const struct mapfile *m, const struct entry *e,
	     const char *dataset, const char *id, oed_record_sink sink, void *ctx,
	     struct oed_ingest_stats *stats, struct oed_err *err)
{
	struct oed_record rec = { 0 };
	struct scan sc = { .path = m->path, .s = e->value, .n = e->vlen, .line = e->vline, .err = err };
	long row = -1;
	size_t i;
	int rc = 0;

	/* an entry rejected whole counts as one item read */
	if (e->vlen == 0 || e->value[0] != '[') {
		const char *kind;
		char why[300];
		json_t *v = value_decode(e->value, e->vlen, &kind, why, sizeof(why));

		json_decref(v);
		stats->read++;
		if (why[0])
			return entry_bad(im, m, e, err, "outputs of '%s': %s", oed_quote(id), why);
		return entry_bad(im, m, e, err, "outputs of '%s' are %s, not a list of strings", oed_quote(id), kind);
	}
	if (im->ndatasets > 0) {
		if (!has_inputs(im, dataset)) {
			stats->read++;
			return entry_bad(im, m, e, err, "dataset '%s' has no --inputs", oed_quote(dataset));
		}
		row = input_find(im, dataset, id);
		if (row < 0) {
			stats->read++;
			return entry_bad(im, m, e, err, "input id '%s' is not in the input dataset '%s'",
					 oed_quote(id), oed_quote(dataset));
		}
		if (im->rows[row].used) {
			stats->read++;
			return entry_bad(im, m, e, err, "duplicate input id '%s' in the outputs", oed_quote(id));
		}
		im->rows[row].used = true;
	} else {
		long long seen;

		/* no inputs to check against: still, one id must not have two lists */
		if (counter_next(&im->seen, dataset, id, &seen) == -1)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		if (seen > 0) {
			stats->read++;
			return entry_bad(im, m, e, err, "duplicate input id '%s' in the outputs", oed_quote(id));
		}
	}
	rec.dataset = dataset;
	rec.input_id = id;
	rec.input = row >= 0 ? im->rows[row].text : NULL;
	/* the list's structure was checked by the scan: walk its elements */
	sc.i = 1;
	for (i = 0;; i++) {
		const char *v, *kind;
		size_t vlen;
		long line;
		char why[300];
		json_t *out;

		scan_ws(&sc);
		if (sc.i >= sc.n || sc.s[sc.i] == ']')
			break;
		v = sc.s + sc.i;
		line = sc.line;
		if (scan_value(&sc) == -1)
			return -1;
		vlen = (size_t)(sc.s + sc.i - v);
		scan_ws(&sc);
		if (sc.i < sc.n && sc.s[sc.i] == ',')
			sc.i++;
		stats->read++;
		out = value_decode(v, vlen, &kind, why, sizeof(why));
		if (!json_is_string(out)) {
			/* only this output is bad: its siblings keep their sample numbers */
			json_decref(out);
			if (why[0])
				rc = output_bad(im, m, line, v, vlen, err, "output %zu of input '%s': %s",
						i, oed_quote(id), why);
			else
				rc = output_bad(im, m, line, v, vlen, err,
						"output %zu of input '%s' is %s, not a string", i, oed_quote(id), kind);
			if (rc == -1)
				break;
			continue;
		}
		rec.output = json_string_value(out);
		rec.output_len = json_string_length(out);
		rec.sample = (long long)i;
		rc = sink(&rec, ctx, err);
		json_decref(out);
		if (rc == -1)
			break;
		stats->written++;
	}
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

			if (e->depth == 2 && m.e[e->parent].key == NULL)
				continue;	/* in a dataset whose name was refused */
			if (e->key == NULL) {
				stats->read++;
				rc = entry_bad(&im, &m, e, err, "%s", e->keyerr);
				continue;
			}
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
					       oed_quote(e->key), oed_quote(e->key));
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
	oed_map_release(&im.index);
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
	struct ts_rules ts;
	char *old_tz = NULL;

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
	if (o->batch_input && f != OED_FMT_OPENAI)
		return oed_err_set(err, OED_EX_USAGE, "--batch-input goes with --format openai, not %s",
				   format_names[f]);
	if (o->delimiter_given && f != OED_FMT_CSV)
		return oed_err_set(err, OED_EX_USAGE, "--delimiter goes with --format csv, not %s",
				   format_names[f]);
	if (o->meta_rest && f != OED_FMT_JSONL && f != OED_FMT_CSV && f != OED_FMT_JSON_ARRAY)
		return oed_err_set(err, OED_EX_USAGE, "--meta-rest goes with --format jsonl, json-array or csv");
	if (o->nmaps > 0 && f != OED_FMT_JSONL && f != OED_FMT_CSV && f != OED_FMT_JSON_ARRAY)
		return oed_err_set(err, OED_EX_USAGE, "--map goes with --format jsonl, json-array or csv,"
				   " not %s", format_names[f]);
	if (ts_rules_parse(o, &ts, err) == -1)
		return -1;
	if ((o->ts_format || o->ts_zone) && f != OED_FMT_JSONL && f != OED_FMT_CSV &&
	    f != OED_FMT_JSON_ARRAY)
		return oed_err_set(err, OED_EX_USAGE, "--ts-format and --ts-zone go with --format jsonl,"
				   " json-array or csv, not %s", format_names[f]);
	if (o->tokenizer) {
		sink = count_tokens;
		ctx = &tokens;
	}
	/* a named zone: local time is that zone's for the run, and only for it */
	if (ts.named_zone) {
		const char *tz = getenv("TZ");

		if (tz && (old_tz = strdup(tz)) == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		setenv("TZ", o->ts_zone, 1);
		tzset();
	}
	switch (f) {
	case OED_FMT_MAP:
		rc = ingest_map(o, nfiles, files, sink, ctx, stats, err);
		break;
	case OED_FMT_CSV:
		rc = ingest_csv(o, &ts, nfiles, files, sink, ctx, stats, err);
		break;
	case OED_FMT_OPENAI:
		rc = ingest_lines(o, &ts, true, nfiles, files, sink, ctx, stats, err);
		break;
	case OED_FMT_JSON_ARRAY:
		rc = ingest_array(o, &ts, nfiles, files, sink, ctx, stats, err);
		break;
	default:
		rc = ingest_lines(o, &ts, false, nfiles, files, sink, ctx, stats, err);
		break;
	}
	if (ts.named_zone) {
		if (old_tz)
			setenv("TZ", old_tz, 1);
		else
			unsetenv("TZ");
		tzset();
		free(old_tz);
	}
	if (rc == 0 && stats->written == 0 && stats->failed > 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input: nothing but failed requests (%llu)",
				   (unsigned long long)stats->failed);
	if (rc == 0 && stats->written == 0 && o->policy->bad > 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input: nothing but bad %s (%lu)",
				   oed_ingest_unit(f), o->policy->bad);
	if (rc == 0 && stats->written == 0)
		return oed_err_set(err, OED_EX_DATA, "no records in the input");
	return rc;
}
