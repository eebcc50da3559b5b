/*
 * Unit tests for ingest: the CSV reader against Python's csv module, times
 * against Python's datetime (tests/ref/ingest_ref.h), and the map, JSON
 * Lines and OpenAI parsers through oed_ingest() with a collecting sink.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/csvin.h"
#include "diag.h"
#include "exit.h"
#include "ingest/ingest.h"
#include "jsonw.h"
#include "reject.h"
#include "time.h"
#include "tokenizer.h"

#include "../ref/ingest_ref.h"

static char tmpdir[] = "/tmp/oed-ingest-XXXXXX";

static const char *
write_tmp(const char *name, const char *bytes, size_t n)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	FILE *fp;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	fp = fopen(p, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(bytes, 1, n, fp), n);
	fclose(fp);
	return p;
}

static const char *
write_str(const char *name, const char *s)
{
	return write_tmp(name, s, strlen(s));
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);

	ck_assert_ptr_nonnull(fp);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

/* ---- CSV ---- */

struct rows {
	json_t *got;		/* [[line, [fields...]], ...] */
};

static int
collect_row(struct oed_csv *c, void *ctx, struct oed_err *err)
{
	struct rows *r = ctx;
	json_t *fields = json_array();

	(void)err;
	for (size_t i = 0; i < oed_csv_fields(c); i++) {
		size_t len;
		const char *f = oed_csv_field(c, i, &len);

		json_array_append_new(fields, json_stringn(f, len));
	}
	json_array_append_new(r->got, json_pack("[io]", (int)oed_csv_row_line(c), fields));
	return 0;
}

/* Read path as CSV: header first (as line 1's row), then the data rows. */
static json_t *
read_csv(const char *path, char delim, size_t max_line, struct oed_policy *p, int *rc,
	 struct oed_err *err)
{
	struct oed_csv *c = oed_csv_open(path, delim, max_line, p, err);
	struct rows r = { json_array() };
	json_t *all = json_array(), *header = json_array();

	ck_assert_ptr_nonnull(c);
	*rc = oed_csv_each(c, collect_row, &r, err);
	for (size_t i = 0; i < oed_csv_columns(c); i++)
		json_array_append_new(header, json_string(oed_csv_header(c, i)));
	if (json_array_size(header))
		json_array_append_new(all, json_pack("[io]", 0, header));
	else
		json_decref(header);
	json_array_extend(all, r.got);
	json_decref(r.got);
	oed_csv_close(c);
	return all;
}

START_TEST(csv_agrees_with_python)
{
	for (size_t k = 0; k < sizeof(csv_refs) / sizeof(csv_refs[0]); k++) {
		const struct csv_ref *ref = &csv_refs[k];
		const char *path = write_tmp("ref.csv", ref->bytes, ref->len);
		json_t *want = json_loads(ref->rows, 0, NULL), *got;
		struct oed_err err;
		int rc;

		ck_assert_ptr_nonnull(want);
		got = read_csv(path, ref->delim, 1 << 20, NULL, &rc, &err);
		ck_assert_msg(rc == 0, "%s: %s", ref->name, err.msg);
		/* the header's line is not kept: compare it by its fields only */
		json_array_set_new(json_array_get(want, 0), 0, json_integer(0));
		if (!json_equal(want, got)) {
			char *a = json_dumps(want, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);

			ck_abort_msg("%s: want %s got %s", ref->name, a, b);
		}
		json_decref(want);
		json_decref(got);
	}
}
END_TEST

START_TEST(csv_bom_and_header)
{
	const char *path = write_str("bom.csv", "\xEF\xBB\xBFinput_id,output,output\nq,a,b\n");
	struct oed_err err;
	struct oed_csv *c = oed_csv_open(path, ',', 1 << 20, NULL, &err);
	struct rows r = { json_array() };

	ck_assert_int_eq(oed_csv_each(c, collect_row, &r, &err), 0);
	ck_assert_str_eq(oed_csv_header(c, 0), "input_id");
	ck_assert_int_eq(oed_csv_column(c, "output"), 1);
	ck_assert_int_eq(oed_csv_column_count(c, "output"), 2);
	ck_assert_int_eq(oed_csv_column(c, "nope"), -1);
	ck_assert_ptr_null(oed_csv_header(c, 3));
	ck_assert_str_eq(oed_csv_source(c), path);
	ck_assert_uint_eq(json_array_size(r.got), 1);
	json_decref(r.got);
	oed_csv_close(c);
}
END_TEST

/* Malformed rows: counted, reported at their first line, copied byte for byte. */
START_TEST(csv_bad_rows_reject)
{
	static const char data[] =
		"id,text\r\n"
		"a,\"x\"y\r\n"		/* text after a closing quote */
		"b,ok\r\n"
		"c,\"two\r\nlines\"z\r\n"	/* the same, on the row's second line: two bad rows */
		"d,fine\r\n"
		"e,\"never closed\r\n";
	static const char want_rej[] =
		"a,\"x\"y\r\n"
		"c,\"two\r\nlines\"z\r\n"
		"e,\"never closed\r\n";
	const char *path = write_tmp("bad.csv", data, sizeof(data) - 1);
	char rej[600];
	struct oed_policy p;
	struct oed_err err;
	json_t *got, *want;
	char *bytes;
	size_t len;
	int rc;

	snprintf(rej, sizeof(rej), "reject=%s/rej", tmpdir);
	oed_policy_init(&p);
	ck_assert_int_eq(oed_policy_parse(&p, rej, &err), 0);
	got = read_csv(path, ',', 1 << 20, &p, &rc, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(p.bad, 4);
	ck_assert_int_eq(oed_policy_close(&p, &err), 0);
	want = json_loads("[[0,[\"id\",\"text\"]],[3,[\"b\",\"ok\"]],[6,[\"d\",\"fine\"]]]", 0, NULL);
	ck_assert(json_equal(want, got));
	bytes = slurp(rej + 7, &len);
	ck_assert_uint_eq(len, sizeof(want_rej) - 1);
	ck_assert_mem_eq(bytes, want_rej, len);
	free(bytes);
	json_decref(want);
	json_decref(got);
	oed_policy_release(&p);

	/* no policy: the first malformed row stops the read, at its line */
	got = read_csv(path, ',', 1 << 20, NULL, &rc, &err);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.source, path);
	json_decref(got);
}
END_TEST

/* ---- times ---- */

START_TEST(epoch_agrees_with_python)
{
	for (size_t k = 0; k < sizeof(time_refs) / sizeof(time_refs[0]); k++) {
		char out[OED_RFC3339_SIZE];

		oed_time_to_rfc3339(time_refs[k].secs, out);
		ck_assert_msg(strcmp(out, time_refs[k].rfc3339) == 0, "%.4f: want %s got %s",
			      time_refs[k].secs, time_refs[k].rfc3339, out);
	}
}
END_TEST

START_TEST(rfc3339_check)
{
	static const char *const good[] = {
		"2024-11-22T10:00:00Z", "2024-11-22t10:00:00z", "2024-11-22 10:00:00Z",
		"2024-02-29T05:29:60.123456+05:30", "2016-12-31T23:59:60Z", "2000-02-29T00:00:00-00:00",
		"1999-12-31T23:59:59.9Z",
	};
	static const char *const bad[] = {
		"", "2024-11-22", "2024-11-22T10:00:00", "2024-11-22T10:00Z", "2023-02-29T10:00:00Z",
		"1900-02-29T10:00:00Z", "2024-13-01T10:00:00Z", "2024-04-31T10:00:00Z",
		"2024-11-22T24:00:00Z", "2024-11-22T10:60:00Z", "2024-11-22T10:00:00.Z",
		"2024-11-22T10:00:00+0100", "2024-11-22T10:00:00+01:00 ", "2024-11-22T10:00:00ZZ",
		"２024-11-22T10:00:00Z", "2026-01-01T10:00:60Z",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(oed_time_valid(good[i], strlen(good[i])), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!oed_time_valid(bad[i], strlen(bad[i])), "%s", bad[i]);
}
END_TEST

/* ---- oed_ingest() with a sink that keeps the record lines ---- */

struct out {
	char *buf;
	size_t len;
	FILE *fp;
	struct oed_writer w;
	int fail_after;		/* the sink fails on this record (1-based), 0 never */
	int n;
};

static int
keep(const struct oed_record *rec, void *ctx, struct oed_err *err)
{
	struct out *o = ctx;

	if (++o->n == o->fail_after)
		return oed_err_set(err, OED_EX_FAIL, "sink stops");
	oed_record_write(&o->w, rec);
	return oed_w_end(&o->w);
}

/* Run oed_ingest over files with policy mode; the records in *text (caller frees). */
static int
ingest(struct oed_ingest_opts *o, int nfiles, const char **files, enum oed_on_error mode,
       struct oed_ingest_stats *st, char **text, unsigned long *bad, struct oed_err *err)
{
	struct oed_policy p;
	struct out out = { 0 };
	int rc;

	oed_policy_init(&p);
	p.mode = mode;
	o->policy = &p;
	if (o->max_line == 0)
		o->max_line = 1 << 20;
	out.fp = open_memstream(&out.buf, &out.len);
	oed_writer_init(&out.w, out.fp);
	rc = oed_ingest(o, nfiles, (char *const *)files, keep, &out, st, err);
	oed_writer_release(&out.w);
	fclose(out.fp);
	*text = out.buf;
	if (bad)
		*bad = p.bad;
	oed_policy_release(&p);
	o->policy = NULL;
	return rc;
}

START_TEST(map_three_shapes)
{
	const char *inputs = write_str("in.json", "{\"q1\": \"2+2?\", \"q2\": \"Capital?\"}");
	const char *flat = write_str("flat.json", "{\n\"q2\": [\"Paris\"],\n\"q1\": [\"4\", \"four\"]\n}");
	const char *nested = write_str("nested.json", "{\"m\": {\"q1\": [\"4\"]}, \"g\": {\"x\": [\"a\", \"b\"]}}");
	const char *slash = write_str("slash.json", "{\"m/q1\": [\"4\"], \"g/x/y\": [\"a\"]}");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "maths";
	ck_assert_int_eq(oed_ingest_add_inputs(&o, inputs, &err), 0);
	ck_assert_int_eq(ingest(&o, 1, &flat, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"maths\",\"input_id\":\"q2\",\"input\":\"Capital?\",\"output\":\"Paris\",\"sample\":0}\n"
		"{\"dataset\":\"maths\",\"input_id\":\"q1\",\"input\":\"2+2?\",\"output\":\"4\",\"sample\":0}\n"
		"{\"dataset\":\"maths\",\"input_id\":\"q1\",\"input\":\"2+2?\",\"output\":\"four\",\"sample\":1}\n");
	ck_assert_int_eq(st.format, OED_FMT_MAP);
	ck_assert_uint_eq(st.read, 3);
	ck_assert_uint_eq(st.written, 3);
	ck_assert_uint_eq(st.inputs_without_outputs, 0);
	free(text);
	oed_ingest_opts_release(&o);

	oed_ingest_opts_init(&o);
	ck_assert_int_eq(ingest(&o, 1, &nested, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"m\",\"input_id\":\"q1\",\"output\":\"4\",\"sample\":0}\n"
		"{\"dataset\":\"g\",\"input_id\":\"x\",\"output\":\"a\",\"sample\":0}\n"
		"{\"dataset\":\"g\",\"input_id\":\"x\",\"output\":\"b\",\"sample\":1}\n");
	free(text);
	ck_assert_int_eq(ingest(&o, 1, &slash, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"m\",\"input_id\":\"q1\",\"output\":\"4\",\"sample\":0}\n"
		"{\"dataset\":\"g\",\"input_id\":\"x/y\",\"output\":\"a\",\"sample\":0}\n");
	free(text);
	oed_ingest_opts_release(&o);
}
END_TEST

START_TEST(map_errors_name_the_line)
{
	const char *inputs = write_str("in2.json", "{\n\"q1\": \"a\",\n\"q2\": \"b\",\n\"q1\": \"c\"\n}\n");
	const char *inputs_ok = write_str("in3.json", "{\"q1\": \"a\"}");
	const char *outs = write_str("o2.json", "{\n  \"q1\": [\"x\", 7, \"y\"],\n  \"q9\": [\"z\"]\n}\n");
	const char *broken = write_str("broken.json", "{\"q1\": [\"x\",\n\"q2\": 1}");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	unsigned long bad;
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "d";
	ck_assert_int_eq(oed_ingest_add_inputs(&o, inputs, &err), 0);
	ck_assert_int_eq(ingest(&o, 1, &outs, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_int_eq(err.line, 4);
	ck_assert_str_eq(err.msg, "duplicate input id 'q1'");
	free(text);
	oed_ingest_opts_release(&o);

	oed_ingest_opts_init(&o);
	o.dataset = "d";
	ck_assert_int_eq(oed_ingest_add_inputs(&o, inputs_ok, &err), 0);
	ck_assert_int_eq(ingest(&o, 1, &outs, OED_ON_ERROR_SKIP, &st, &text, &bad, &err), 0);
	ck_assert_uint_eq(bad, 2);
	ck_assert_uint_eq(st.read, 4);	/* three outputs of q1, and q9 rejected whole */
	ck_assert_uint_eq(st.written, 2);
	/* the bad output keeps its place: samples 0 and 2 */
	ck_assert_str_eq(text,
		"{\"dataset\":\"d\",\"input_id\":\"q1\",\"input\":\"a\",\"output\":\"x\",\"sample\":0}\n"
		"{\"dataset\":\"d\",\"input_id\":\"q1\",\"input\":\"a\",\"output\":\"y\",\"sample\":2}\n");
	free(text);
	ck_assert_int_eq(ingest(&o, 1, &outs, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), -1);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "output 1 of input 'q1' is a number, not a string");
	free(text);
	oed_ingest_opts_release(&o);

	oed_ingest_opts_init(&o);
	o.dataset = "d";
	ck_assert_int_eq(ingest(&o, 1, &broken, OED_ON_ERROR_SKIP, &st, &text, NULL, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_gt(err.column, 0);
	ck_assert(strncmp(err.msg, "invalid JSON: ", 14) == 0);
	free(text);
	oed_ingest_opts_release(&o);
}
END_TEST

START_TEST(openai_chat_and_batch)
{
	const char *chat = write_str("chat.jsonl",
		"{\"id\":\"c1\",\"created\":1732269600,\"model\":\"gpt-4o\",\"choices\":["
		"{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"A\"},\"finish_reason\":\"stop\"},"
		"{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"B\"},\"finish_reason\":\"length\"}],"
		"\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":7}}\n");
	const char *batch = write_str("batch.jsonl",
		"{\"id\":\"b1\",\"custom_id\":\"item-1\",\"response\":{\"status_code\":200,\"body\":"
		"{\"id\":\"x\",\"created\":1732269601,\"model\":\"m\",\"choices\":[{\"index\":0,"
		"\"message\":{\"content\":\"Yes\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}},"
		"\"error\":null}\n"
		"{\"id\":\"b2\",\"custom_id\":\"item-2\",\"response\":null,\"error\":{\"message\":\"boom\"}}\n"
		"{\"id\":\"b3\",\"custom_id\":\"item-3\",\"response\":{\"status_code\":500,\"body\":{}},\"error\":null}\n"
		"{\"id\":\"b4\",\"custom_id\":\"item-4\",\"response\":{\"status_code\":200,\"body\":"
		"{\"choices\":[{\"message\":{\"content\":null}}]}},\"error\":null}\n");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	enum oed_ingest_format f;
	unsigned long bad;
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "gen";
	ck_assert_int_eq(oed_ingest_detect(&o, 1, (char *const *)&chat, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_OPENAI);
	ck_assert_int_eq(ingest(&o, 1, &chat, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"gen\",\"input_id\":\"c1\",\"output\":\"A\",\"sample\":0,\"model\":\"gpt-4o\","
		"\"ts\":\"2024-11-22T10:00:00Z\",\"tokens_in\":9,\"meta\":{\"finish_reason\":\"stop\"}}\n"
		"{\"dataset\":\"gen\",\"input_id\":\"c1\",\"output\":\"B\",\"sample\":1,\"model\":\"gpt-4o\","
		"\"ts\":\"2024-11-22T10:00:00Z\",\"tokens_in\":9,\"meta\":{\"finish_reason\":\"length\"}}\n");
	ck_assert_uint_eq(st.read, 1);
	ck_assert_uint_eq(st.written, 2);
	free(text);

	ck_assert_int_eq(ingest(&o, 1, &batch, OED_ON_ERROR_SKIP, &st, &text, &bad, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"gen\",\"input_id\":\"item-1\",\"output\":\"Yes\",\"sample\":0,\"model\":\"m\","
		"\"ts\":\"2024-11-22T10:00:01Z\",\"tokens_in\":3,\"tokens_out\":1}\n");
	/* the two failed requests are counted apart, the empty choice is bad */
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_uint_eq(st.read, 4);
	free(text);
	/* failed requests do not stop the run; the bad line does */
	ck_assert_int_eq(ingest(&o, 1, &batch, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), -1);
	ck_assert_int_eq(err.line, 4);
	ck_assert_str_eq(err.msg, "choices.0.message.content is null, not a string");
	ck_assert_uint_eq(st.failed, 2);
	free(text);

	/* OpenAI lines need a dataset name */
	o.dataset = NULL;
	ck_assert_int_eq(ingest(&o, 1, &chat, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	free(text);
	oed_ingest_opts_release(&o);
}
END_TEST

START_TEST(jsonl_nested_map_and_meta_rest)
{
	const char *log = write_str("log.jsonl",
		"{\"id\":7,\"req\":{\"msgs\":[{\"content\":\"hi\"}]},\"resp\":{\"text\":\"yo\"},\"u\":\"x\",\"lat\":1.5}\n"
		"{\"id\":7,\"req\":{\"msgs\":[{\"content\":\"hi\"}]},\"resp\":{\"text\":\"hey\"},\"lat\":2}\n"
		"{\"id\":8,\"resp\":{\"text\":5}}\n");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	unsigned long bad;
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "chat";
	o.format = OED_FMT_JSONL;
	o.meta_rest = true;
	ck_assert_int_eq(oed_ingest_add_map(&o, "input_id=id", &err), 0);
	ck_assert_int_eq(oed_ingest_add_map(&o, "input=req.msgs.0.content", &err), 0);
	ck_assert_int_eq(oed_ingest_add_map(&o, "output=/resp/text", &err), 0);
	ck_assert_int_eq(oed_ingest_add_map(&o, "latency_ms=lat", &err), 0);
	ck_assert_int_eq(ingest(&o, 1, &log, OED_ON_ERROR_SKIP, &st, &text, &bad, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"chat\",\"input_id\":\"7\",\"input\":\"hi\",\"output\":\"yo\",\"sample\":0,"
		"\"latency_ms\":1.5,\"meta\":{\"u\":\"x\"}}\n"
		"{\"dataset\":\"chat\",\"input_id\":\"7\",\"input\":\"hi\",\"output\":\"hey\",\"sample\":1,"
		"\"latency_ms\":2}\n");
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(st.read, 3);
	free(text);
	ck_assert_int_eq(ingest(&o, 1, &log, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "field '/resp/text' is a number, not a string");
	ck_assert_int_eq(err.line, 3);
	free(text);
	oed_ingest_opts_release(&o);
}
END_TEST

START_TEST(csv_records)
{
	const char *rows = write_str("rows.csv",
		"qid,answer,tokens_out,latency_ms,ts,extra\n"
		"a,\"x, y\",3,1.25,1732269600,e1\n"
		"a,z,,,,\n"
		"b,w,-1,,,\n"
		"c,v,2\n");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	unsigned long bad;
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "s";
	ck_assert_int_eq(oed_ingest_add_map(&o, "input_id=qid", &err), 0);
	ck_assert_int_eq(oed_ingest_add_map(&o, "output=answer", &err), 0);
	ck_assert_int_eq(ingest(&o, 1, &rows, OED_ON_ERROR_SKIP, &st, &text, &bad, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"s\",\"input_id\":\"a\",\"output\":\"x, y\",\"sample\":0,"
		"\"ts\":\"2024-11-22T10:00:00Z\",\"latency_ms\":1.25,\"tokens_out\":3}\n"
		"{\"dataset\":\"s\",\"input_id\":\"a\",\"output\":\"z\",\"sample\":1}\n");
	ck_assert_uint_eq(bad, 2);	/* a negative count, a short row */
	ck_assert_uint_eq(st.read, 4);
	ck_assert_int_eq(st.format, OED_FMT_CSV);
	free(text);
	ck_assert_int_eq(ingest(&o, 1, &rows, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "column 'tokens_out': '-1' is not a whole number");
	ck_assert_int_eq(err.line, 4);
	free(text);
	oed_ingest_opts_release(&o);

	/* a mapped column that is not there */
	oed_ingest_opts_init(&o);
	o.dataset = "s";
	ck_assert_int_eq(oed_ingest_add_map(&o, "input_id=qid", &err), 0);
	ck_assert_int_eq(oed_ingest_add_map(&o, "output=nope", &err), 0);
	ck_assert_int_eq(ingest(&o, 1, &rows, OED_ON_ERROR_SKIP, &st, &text, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "no column 'nope' in the header; columns: 'qid', 'answer', 'tokens_out', 'latency_ms', 'ts', 'extra'");
	free(text);
	oed_ingest_opts_release(&o);
}
END_TEST

START_TEST(options_and_detect)
{
	struct oed_ingest_opts o;
	struct oed_err err;
	enum oed_ingest_format f;
	const char *plain = write_str("plain.jsonl", "{\"input_id\":\"a\",\"output\":\"b\"}\n");
	const char *bom_openai = write_str("bom.jsonl",
		"\xEF\xBB\xBF\n \r\n{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"x\"}}]}\n");
	char *mixed[] = { "a.csv", "b.json" };
	char *csv[] = { "A.CSV" };
	char *json[] = { "x.json" };

	oed_ingest_opts_init(&o);
	ck_assert_int_eq(oed_ingest_add_map(&o, "output=a.b", &err), 0);
	ck_assert_int_eq(oed_ingest_add_map(&o, "output=c", &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_int_eq(oed_ingest_add_map(&o, "answer=c", &err), -1);
	ck_assert_int_eq(oed_ingest_add_map(&o, "=c", &err), -1);
	ck_assert_int_eq(oed_ingest_add_map(&o, "input=", &err), -1);
	ck_assert_int_eq(oed_ingest_add_inputs(&o, "maths=in.json", &err), 0);
	ck_assert_str_eq(o.inputs[0].dataset, "maths");
	ck_assert_str_eq(o.inputs[0].path, "in.json");
	ck_assert_int_eq(oed_ingest_detect(&o, 1, json, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_MAP);	/* --inputs means map */
	oed_ingest_opts_release(&o);

	oed_ingest_opts_init(&o);
	ck_assert_int_eq(oed_ingest_detect(&o, 1, csv, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_CSV);
	ck_assert_int_eq(oed_ingest_detect(&o, 1, json, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_MAP);
	ck_assert_int_eq(oed_ingest_detect(&o, 1, (char *const *)&plain, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_JSONL);
	/* a BOM and blank lines before the first response do not hide it */
	ck_assert_int_eq(oed_ingest_detect(&o, 1, (char *const *)&bom_openai, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_OPENAI);
	ck_assert_int_eq(oed_ingest_detect(&o, 0, NULL, &f, &err), 0);
	ck_assert_int_eq(f, OED_FMT_JSONL);
	ck_assert_int_eq(oed_ingest_detect(&o, 2, mixed, &f, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(oed_ingest_unit(OED_FMT_CSV), "rows");
	ck_assert_int_eq(oed_ingest_parse_format("openai", &f), 0);
	ck_assert_int_eq(f, OED_FMT_OPENAI);
	ck_assert_int_eq(oed_ingest_parse_format("xml", &f), -1);
	oed_ingest_opts_release(&o);
}
END_TEST

/* --tokens: counts fill what is absent, --recount replaces; tiktoken gives
 * cl100k_base "Hello, world!" = [9906, 11, 1917, 0] and "Say hello" = 2 tokens. */
START_TEST(tokens_fill_and_recount)
{
	const char *recs = write_str("tok.jsonl",
		"{\"input_id\":\"a\",\"input\":\"Say hello\",\"output\":\"Hello, world!\"}\n"
		"{\"input_id\":\"a\",\"input\":\"Say hello\",\"output\":\"Hello, world!\",\"tokens_out\":99}\n");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "d";
	o.tokenizer = oed_tokenizer_open("cl100k_base", NULL, &err);
	ck_assert_msg(o.tokenizer != NULL, "%s (is OED_VOCAB_DIR set?)", err.msg);
	ck_assert_int_eq(ingest(&o, 1, &recs, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_str_eq(text,
		"{\"dataset\":\"d\",\"input_id\":\"a\",\"input\":\"Say hello\",\"output\":\"Hello, world!\","
		"\"sample\":0,\"tokens_in\":2,\"tokens_out\":4}\n"
		"{\"dataset\":\"d\",\"input_id\":\"a\",\"input\":\"Say hello\",\"output\":\"Hello, world!\","
		"\"sample\":1,\"tokens_in\":2,\"tokens_out\":99}\n");
	free(text);
	o.recount = true;
	ck_assert_int_eq(ingest(&o, 1, &recs, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(strchr(text, '\n'), "\"tokens_in\":2,\"tokens_out\":4}"));
	free(text);
	oed_tokenizer_free(o.tokenizer);
	oed_ingest_opts_release(&o);
}
END_TEST

/* ---- limits ---- */

/* Fields longer than the read block, and a quoted newline right at its edge. */
START_TEST(csv_across_blocks)
{
	size_t big = 70000, n = 0, start;
	char *data = calloc(1, 2 * big + 100);
	struct oed_err err;
	json_t *got;
	const char *path;
	int rc;

	n += (size_t)sprintf(data, "id,text\nq1,");
	memset(data + n, 'x', big);
	n += big;
	data[n++] = '\n';
	/* the second row's quoted newline is the last byte of the second read block */
	n += (size_t)sprintf(data + n, "q2,\"");
	start = n;
	while (n < 2 * 65536 - 1)
		data[n++] = 'y';
	data[n++] = '\n';
	n += (size_t)sprintf(data + n, "tail\"\nq3,end\n");
	path = write_tmp("big.csv", data, n);
	got = read_csv(path, ',', 1 << 20, NULL, &rc, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(json_array_size(got), 4);
	ck_assert_uint_eq(json_string_length(json_array_get(json_array_get(json_array_get(got, 1), 1), 1)), big);
	ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(got, 2), 0)), 3);
	ck_assert_uint_eq(json_string_length(json_array_get(json_array_get(json_array_get(got, 2), 1), 1)),
			  2 * 65536 - 1 - start + 1 + 4);
	ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(got, 3), 0)), 5);
	json_decref(got);

	/* the same file with rows capped below the long one: skipped whole, the rest read */
	{
		struct oed_policy p;

		oed_policy_init(&p);
		p.mode = OED_ON_ERROR_SKIP;
		got = read_csv(path, ',', 60000, &p, &rc, &err);
		ck_assert_int_eq(rc, 0);
		/* the 70000-byte row, the ~61000-byte line that opens a quote, and the
		 * line that closes it, read again as a row of its own */
		ck_assert_uint_eq(p.bad, 3);
		ck_assert_uint_eq(json_array_size(got), 2);
		ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(got, 1), 0)), 5);
		json_decref(got);
		oed_policy_release(&p);
	}
	/* and under reject the two rows are copied whole, byte for byte */
	{
		struct oed_policy p;
		char spec[600];
		const char *rows = data + 8;	/* after "id,text\n" */
		size_t want = (size_t)(strstr(data + start, "q3,end") - rows), len;
		char *bytes;

		snprintf(spec, sizeof(spec), "reject=%s/big.rej", tmpdir);
		oed_policy_init(&p);
		ck_assert_int_eq(oed_policy_parse(&p, spec, &err), 0);
		got = read_csv(path, ',', 60000, &p, &rc, &err);
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(oed_policy_close(&p, &err), 0);
		bytes = slurp(spec + 7, &len);
		ck_assert_uint_eq(len, want);
		ck_assert_mem_eq(bytes, rows, want);
		free(bytes);
		json_decref(got);
		oed_policy_release(&p);
	}
	free(data);
}
END_TEST

/*
 * A quote that never closes is one bad row at its line; every row after it
 * is read again and kept, whether the open field reaches the end of the
 * file or the line limit first.
 */
START_TEST(csv_unclosed_quote_keeps_later_rows)
{
	size_t cap = 1 << 20, n = 0;
	char *data = malloc(cap);
	const char *path;
	static const size_t limits[] = { 1 << 20, 100, 70000 };

	n += (size_t)sprintf(data, "id,out\nq1,a\nq2,\"open\n");
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(data + n, "r%d,v%d\n", i, i);
	path = write_tmp("open.csv", data, n);
	for (size_t k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
		struct oed_policy p;
		struct oed_err err;
		json_t *got;
		int rc;

		oed_policy_init(&p);
		p.mode = OED_ON_ERROR_SKIP;
		got = read_csv(path, ',', limits[k], &p, &rc, &err);
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(p.bad, 1);
		ck_assert_int_eq(err.line, 3);
		ck_assert_uint_eq(json_array_size(got), 1 + 1 + 5000);
		ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(got, 2), 0)), 4);
		ck_assert_str_eq(json_string_value(json_array_get(json_array_get(json_array_get(got, 5001), 1), 0)),
				 "r4999");
		ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(got, 5001), 0)), 5003);
		json_decref(got);
		oed_policy_release(&p);

		/* fail: stops at the open quote's line */
		got = read_csv(path, ',', limits[k], NULL, &rc, &err);
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(err.status, OED_EX_DATA);
		ck_assert_int_eq(err.line, 3);
		ck_assert_uint_eq(json_array_size(got), 2);
		json_decref(got);
	}
	/* the last line without a newline, under reject: the copy is the open line */
	{
		static const char tail[] = "id,out\nq1,a\nq2,\"open\nq3,b\nq4,c";
		char spec[600];
		struct oed_policy p;
		struct oed_err err;
		json_t *got;
		char *bytes;
		size_t len;
		int rc;

		path = write_tmp("open2.csv", tail, sizeof(tail) - 1);
		snprintf(spec, sizeof(spec), "reject=%s/open.rej", tmpdir);
		oed_policy_init(&p);
		ck_assert_int_eq(oed_policy_parse(&p, spec, &err), 0);
		got = read_csv(path, ',', 1 << 20, &p, &rc, &err);
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(json_array_size(got), 4);
		ck_assert_int_eq(oed_policy_close(&p, &err), 0);
		bytes = slurp(spec + 7, &len);
		ck_assert_uint_eq(len, 9);
		ck_assert_mem_eq(bytes, "q2,\"open\n", 9);
		free(bytes);
		json_decref(got);
		oed_policy_release(&p);
	}
	free(data);
}
END_TEST

/* A bare CR ends a row inside a line: the next row still knows its line. */
START_TEST(csv_bare_cr_row_line)
{
	const char *path = write_str("cr.csv", "id,out\nq1,a\rq2,b\nq3,c\n");
	json_t *got, *want;
	struct oed_err err;
	int rc;

	got = read_csv(path, ',', 1 << 20, NULL, &rc, &err);
	ck_assert_int_eq(rc, 0);
	want = json_loads("[[0,[\"id\",\"out\"]],[2,[\"q1\",\"a\"]],[2,[\"q2\",\"b\"]],"
			  "[3,[\"q3\",\"c\"]]]", 0, NULL);
	ck_assert_msg(json_equal(want, got), "%s", json_dumps(got, 0));
	json_decref(want);
	json_decref(got);
}
END_TEST

/* Many distinct ids: the sample counter's table grows and keeps counting right. */
START_TEST(many_ids_count_samples)
{
	FILE *fp;
	char path[600];
	const char *files[1] = { path };
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	char *text, *line;
	long n = 0;

	snprintf(path, sizeof(path), "%s/many.jsonl", tmpdir);
	fp = fopen(path, "w");
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 5000; i++)
			fprintf(fp, "{\"input_id\":\"q%d\",\"output\":\"o%d\"}\n", i, round);
	fclose(fp);
	oed_ingest_opts_init(&o);
	o.dataset = "d";
	ck_assert_int_eq(ingest(&o, 1, files, OED_ON_ERROR_FAIL, &st, &text, NULL, &err), 0);
	ck_assert_uint_eq(st.written, 15000);
	for (line = text; *line; line = strchr(line, '\n') + 1, n++) {
		char want[40];

		snprintf(want, sizeof(want), "\"sample\":%ld}", n / 5000);
		ck_assert_ptr_nonnull(strstr(line, want));
	}
	ck_assert_int_eq(n, 15000);
	free(text);
	oed_ingest_opts_release(&o);
}
END_TEST

START_TEST(empty_and_sink_failure)
{
	const char *empty = write_str("empty.jsonl", "\n\n");
	const char *two = write_str("two.jsonl", "{\"input_id\":\"a\",\"output\":\"x\"}\n{\"input_id\":\"a\",\"output\":\"y\"}\n");
	struct oed_ingest_opts o;
	struct oed_ingest_stats st;
	struct oed_err err;
	struct oed_policy p;
	struct out out = { 0 };
	char *text;

	oed_ingest_opts_init(&o);
	o.dataset = "d";
	ck_assert_int_eq(ingest(&o, 1, &empty, OED_ON_ERROR_SKIP, &st, &text, NULL, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "no records: the dataset is empty");
	free(text);

	/* a sink failure stops the run with the sink's error */
	oed_policy_init(&p);
	o.policy = &p;
	o.max_line = 1 << 20;
	out.fp = open_memstream(&out.buf, &out.len);
	oed_writer_init(&out.w, out.fp);
	out.fail_after = 2;
	ck_assert_int_eq(oed_ingest(&o, 1, (char *const *)&two, keep, &out, &st, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_str_eq(err.msg, "sink stops");
	ck_assert_uint_eq(st.written, 1);
	oed_writer_release(&out.w);
	fclose(out.fp);
	free(out.buf);
	oed_policy_release(&p);
	oed_ingest_opts_release(&o);
}
END_TEST

static void
remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[600];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

static Suite *
ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, csv_agrees_with_python);
	tcase_add_test(tc, csv_bom_and_header);
	tcase_add_test(tc, csv_bad_rows_reject);
	tcase_add_test(tc, epoch_agrees_with_python);
	tcase_add_test(tc, rfc3339_check);
	tcase_add_test(tc, map_three_shapes);
	tcase_add_test(tc, map_errors_name_the_line);
	tcase_add_test(tc, openai_chat_and_batch);
	tcase_add_test(tc, jsonl_nested_map_and_meta_rest);
	tcase_add_test(tc, csv_records);
	tcase_add_test(tc, options_and_detect);
	tcase_add_test(tc, tokens_fill_and_recount);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, csv_across_blocks);
	tcase_add_test(tc, csv_unclosed_quote_keeps_later_rows);
	tcase_add_test(tc, csv_bare_cr_row_line);
	tcase_add_test(tc, many_ids_count_samples);
	tcase_add_test(tc, empty_and_sink_failure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ingest_suite());
	int failed;

	if (mkdtemp(tmpdir) == NULL)
		return 99;
	oed_diag_init("check_ingest");
	/* the policy reports bad records on stderr; keep the log readable */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tmpdir();
	return failed ? 1 : 0;
}
