/* Unit tests for libcore's record plumbing: paths, reader, writer, policy, options. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dlfcn.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "diag.h"
#include "exit.h"
#include "field.h"
#include "jsonl.h"
#include "utf8.h"
#include "zstream.h"
#include "jsonw.h"
#include "opt.h"
#include "reject.h"

static char tmpdir[] = "/tmp/oed-core-XXXXXX";

static const char *
write_tmp(const char *name, const char *bytes, size_t n)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(bytes, 1, n, fp), n);
	fclose(fp);
	return path;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = calloc(1, 4 << 20);
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, (4 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* ---- field paths ---- */

START_TEST(path_dot_and_pointer)
{
	json_error_t je;
	json_t *root = json_loads("{\"a\":{\"b.c\":1,\"x\":[10,{\"y\":\"z\"}]},\"0\":\"zero\",\"m/n\":{\"~k\":true}}", 0, &je);
	struct oed_path p;
	struct oed_err err;

	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(oed_path_parse(&p, "a.x.1.y", &err), 0);
	ck_assert_str_eq(json_string_value(oed_path_get(&p, root)), "z");
	oed_path_release(&p);

	ck_assert_int_eq(oed_path_parse(&p, "a.b\\.c", &err), 0);
	ck_assert_int_eq(json_integer_value(oed_path_get(&p, root)), 1);
	oed_path_release(&p);

	ck_assert_int_eq(oed_path_parse(&p, "/a/b.c", &err), 0);
	ck_assert_int_eq(json_integer_value(oed_path_get(&p, root)), 1);
	oed_path_release(&p);

	ck_assert_int_eq(oed_path_parse(&p, "/m~1n/~0k", &err), 0);
	ck_assert(json_is_true(oed_path_get(&p, root)));
	oed_path_release(&p);

	/* a digit segment names an object key too */
	ck_assert_int_eq(oed_path_parse(&p, "0", &err), 0);
	ck_assert_str_eq(json_string_value(oed_path_get(&p, root)), "zero");
	oed_path_release(&p);

	ck_assert_int_eq(oed_path_parse(&p, "a.x.7", &err), 0);
	ck_assert_ptr_null(oed_path_get(&p, root));
	oed_path_release(&p);

	ck_assert_int_eq(oed_path_parse(&p, "a..b", &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_int_eq(oed_path_parse(&p, "/a~2", &err), -1);
	ck_assert_int_eq(oed_path_parse(&p, "", &err), -1);
	json_decref(root);
}
END_TEST

/* ---- reader ---- */

static void
read_all(const char *path, struct oed_policy *pol, size_t max_line, bool fast,
	 char *out, size_t outsz, int *status)
{
	char *files[1] = { (char *)path };
	struct oed_err err;
	struct oed_reader *r = oed_reader_new(1, files, max_line, pol, &err);
	int id, rc;

	ck_assert_ptr_nonnull(r);
	oed_reader_set_fast(r, fast);
	id = oed_reader_want(r, "id", &err);
	ck_assert_int_eq(id, 0);
	out[0] = '\0';
	while ((rc = oed_reader_next(r, &err)) == 1) {
		const struct oed_value *v = oed_reader_value(r, id);
		char line[128];

		snprintf(line, sizeof(line), "%ld:%s:%s;", oed_reader_lineno(r),
			 oed_vtype_name(v->type), v->type == OED_V_STRING ? v->str : "-");
		strncat(out, line, outsz - strlen(out) - 1);
	}
	*status = rc == 0 ? 0 : err.status;
	oed_reader_free(r);
}

START_TEST(reader_lines_bom_crlf_blank)
{
	const char data[] = "\xEF\xBB\xBF{\"id\":\"a\"}\r\n\n   \n{\"id\":\"b\"}\n{\"x\":1}\n{\"id\":2}";
	const char *path = write_tmp("a.jsonl", data, sizeof(data) - 1);
	struct oed_policy pol;
	char out[1024];
	int status;

	for (int fast = 0; fast < 2; fast++) {
		oed_policy_init(&pol);
		read_all(path, &pol, 0, fast, out, sizeof(out), &status);
		ck_assert_int_eq(status, 0);
		ck_assert_str_eq(out, "1:string:a;4:string:b;5:missing:-;6:number:-;");
		oed_policy_release(&pol);
	}
}
END_TEST

START_TEST(reader_bad_fail_and_reject)
{
	const char data[] = "{\"id\":\"a\"}\n{\"id\": nope}\r\n[1,2]\n{\"id\":\"\xff\"}\n{\"id\":\"d\"}\n";
	const char *path = write_tmp("b.jsonl", data, sizeof(data) - 1);
	struct oed_policy pol;
	struct oed_err err;
	char out[1024], rejpath[600], *rej;
	int status;

	oed_policy_init(&pol);
	read_all(path, &pol, 0, true, out, sizeof(out), &status);
	ck_assert_int_eq(status, OED_EX_DATA);
	ck_assert_str_eq(out, "1:string:a;");
	oed_policy_release(&pol);

	oed_policy_init(&pol);
	snprintf(rejpath, sizeof(rejpath), "reject=%s/rej", tmpdir);
	ck_assert_int_eq(oed_policy_parse(&pol, rejpath, &err), 0);
	read_all(path, &pol, 0, true, out, sizeof(out), &status);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out, "1:string:a;5:string:d;");
	ck_assert_uint_eq(pol.bad, 3);
	ck_assert_int_eq(oed_policy_close(&pol, &err), 0);
	rej = slurp(rejpath + 7);
	/* byte for byte, CR kept */
	ck_assert_str_eq(rej, "{\"id\": nope}\r\n[1,2]\n{\"id\":\"\xff\"}\n");
	free(rej);
	oed_policy_release(&pol);
}
END_TEST

START_TEST(reader_long_lines)
{
	/* a line over max_line in the middle and one at the end with no newline;
	 * lines also cross the reader's internal buffer */
	size_t big = 600 * 1024, n = 0;
	char *data = malloc(big * 3), rejpath[600], *rej;
	struct oed_policy pol;
	struct oed_err err;
	char out[1024];
	int status;

	n += sprintf(data + n, "{\"id\":\"a\"}\n{\"id\":\"");
	memset(data + n, 'x', big); n += big;
	n += sprintf(data + n, "\"}\n{\"id\":\"");
	memset(data + n, 'y', 1000); n += 1000;
	n += sprintf(data + n, "\"}\n{\"id\":\"");
	memset(data + n, 'z', big); n += big;
	n += sprintf(data + n, "\"}");
	const char *path = write_tmp("c.jsonl", data, n);

	oed_policy_init(&pol);
	snprintf(rejpath, sizeof(rejpath), "reject=%s/rej2", tmpdir);
	ck_assert_int_eq(oed_policy_parse(&pol, rejpath, &err), 0);
	read_all(path, &pol, 4096, true, out, sizeof(out), &status);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(strncmp(out, "1:string:a;3:string:yyy", 23), 0);
	ck_assert_uint_eq(pol.bad, 2);
	ck_assert_int_eq(oed_policy_close(&pol, &err), 0);
	rej = slurp(rejpath + 7);
	/* byte for byte: the last line had no newline, and its copy has none */
	ck_assert_uint_eq(strlen(rej), 2 * (big + 10) - 1);
	ck_assert_int_eq(rej[big + 9], '\n');
	ck_assert_int_eq(rej[strlen(rej) - 1], '}');
	free(rej);
	oed_policy_release(&pol);

	/* without a limit the same lines are fine */
	oed_policy_init(&pol);
	read_all(path, &pol, 0, true, out, sizeof(out), &status);
	ck_assert_int_eq(status, 0);
	oed_policy_release(&pol);
	free(data);
}
END_TEST

START_TEST(reader_missing_file)
{
	char *files[2] = { "/nonexistent/x.jsonl", NULL };
	struct oed_policy pol;
	struct oed_err err;
	struct oed_reader *r;

	oed_policy_init(&pol);
	r = oed_reader_new(1, files, 0, &pol, &err);
	ck_assert_int_eq(oed_reader_next(r, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_str_eq(err.msg, "cannot open '/nonexistent/x.jsonl': No such file or directory");
	oed_reader_free(r);
}
END_TEST

/*
 * Valid JSON that jansson alone would refuse: integers past a long long,
 * numbers beyond a double, \u0000.  They matter only in a field that is
 * read; both paths of the reader must agree.
 */
static const char range_data[] =
	"{\"id\":\"a\",\"big\":18446744073709551616}\n"
	"{\"id\":\"b\",\"o\":{\"d\":1e400}}\n"
	"{\"id\":\"c\\u0000d\",\"s\":\"\\u0000\"}\n"
	"{\"id\":18446744073709551616}\n"
	"{\"id\":1e400}\n"
	"{\"id\":[1,{\"k\":-1e400}]}\n"
	"{\"id\":\"e\",\"o\":{\"d\":-1e400,\"n\":12345678901234567890}}\n"
	"{\"id\":\"f\"}\n";

static void
read_range(struct oed_policy *pol, bool fast, char *out, size_t outsz, struct oed_err *err,
	   int *status)
{
	const char *path = write_tmp("range.jsonl", range_data, sizeof(range_data) - 1);
	char *files[1] = { (char *)path };
	struct oed_reader *r = oed_reader_new(1, files, 0, pol, err);
	int id, rc;

	ck_assert_ptr_nonnull(r);
	oed_reader_set_fast(r, fast);
	id = oed_reader_want(r, "id", err);
	out[0] = '\0';
	while ((rc = oed_reader_next(r, err)) == 1) {
		const struct oed_value *v = oed_reader_value(r, id);
		char line[128];

		ck_assert(!v->overflow);
		if (v->type == OED_V_STRING)
			snprintf(line, sizeof(line), "%ld:%zu:%.*s;", oed_reader_lineno(r), v->len,
				 (int)v->len, v->str);	/* %.*s stops at a NUL */
		else
			snprintf(line, sizeof(line), "%ld:%s:%d:%a;", oed_reader_lineno(r),
				 oed_vtype_name(v->type), v->is_int, v->num);
		strncat(out, line, outsz - strlen(out) - 1);
		if (oed_reader_lineno(r) == 3)
			ck_assert(memcmp(v->str, "c\0d", 4) == 0);
		if (oed_reader_lineno(r) == 7) {
			/* a whole tree has null for a number beyond a double, and the
			 * big integer as a real */
			json_t *root = oed_reader_root(r), *o = json_object_get(root, "o");

			ck_assert_ptr_nonnull(root);
			ck_assert(json_is_null(json_object_get(o, "d")));
			ck_assert(json_real_value(json_object_get(o, "n")) == 12345678901234567890.0);
		}
	}
	*status = rc == 0 ? 0 : err->status;
	oed_reader_free(r);
}

START_TEST(reader_big_numbers_and_nul)
{
	struct oed_policy pol;
	struct oed_err err;
	char out[1024];
	int status;

	for (int fast = 0; fast < 2; fast++) {
		oed_policy_init(&pol);
		ck_assert_int_eq(oed_policy_parse(&pol, "skip", &err), 0);
		read_range(&pol, fast, out, sizeof(out), &err, &status);
		ck_assert_int_eq(status, 0);
		ck_assert_str_eq(out, "1:1:a;2:1:b;3:3:c;4:number:0:0x1p+64;7:1:e;8:1:f;");
		ck_assert_uint_eq(pol.bad, 2);
		oed_policy_release(&pol);

		/* the field read names the problem, never jansson's wording */
		oed_policy_init(&pol);
		read_range(&pol, fast, out, sizeof(out), &err, &status);
		ck_assert_int_eq(status, OED_EX_DATA);
		ck_assert_int_eq(err.line, 5);
		ck_assert_str_eq(err.msg, "field 'id': number out of range");
		oed_policy_release(&pol);
	}
}
END_TEST

START_TEST(reader_range_in_jansson_fallback)
{
	char *files[1];
	struct oed_policy pol;
	struct oed_err err;
	struct oed_reader *r;
	size_t n = 0;
	char *deep = malloc(4096);

	/* an error after a rewritten number is placed in the line as written */
	files[0] = (char *)write_tmp("col.jsonl", "{\"id\":18446744073709551616 x}\n", 30);
	oed_policy_init(&pol);
	r = oed_reader_new(1, files, 0, &pol, &err);
	ck_assert_int_eq(oed_reader_want(r, "id", &err), 0);
	ck_assert_int_eq(oed_reader_next(r, &err), -1);
	ck_assert_int_eq(err.column, 28);
	ck_assert_str_eq(err.msg, "invalid JSON: '}' expected near 'x'");
	oed_reader_free(r);

	/* too deep for the scanner: no field can be told apart, the record is bad */
	n += (size_t)sprintf(deep, "{\"id\":1,\"d\":");
	for (int i = 0; i < 600; i++)
		deep[n++] = '[';
	n += (size_t)sprintf(deep + n, "1e400");
	for (int i = 0; i < 600; i++)
		deep[n++] = ']';
	n += (size_t)sprintf(deep + n, "}\n");
	files[0] = (char *)write_tmp("deep.jsonl", deep, n);
	r = oed_reader_new(1, files, 0, &pol, &err);
	ck_assert_int_eq(oed_reader_want(r, "id", &err), 0);
	ck_assert_int_eq(oed_reader_next(r, &err), -1);
	ck_assert_int_eq(err.column, 613);
	ck_assert_str_eq(err.msg, "number out of range");
	oed_reader_free(r);
	oed_policy_release(&pol);
	free(deep);
}
END_TEST

/* The reject copy is the line byte for byte: with its BOM and its CR. */
START_TEST(reader_reject_keeps_bom)
{
	const char data[] = "\xEF\xBB\xBF{\"id\": nope}\r\n{\"id\":\"a\"}\n";
	const char ok[] = "\xEF\xBB\xBF{\"id\":\"b\"}\n";
	const char *path = write_tmp("bom.jsonl", data, sizeof(data) - 1);
	char *files[1], out[256], rejpath[600], *rej;
	struct oed_policy pol;
	struct oed_err err;
	struct oed_reader *r;
	int status;

	for (int fast = 0; fast < 2; fast++) {
		oed_policy_init(&pol);
		snprintf(rejpath, sizeof(rejpath), "reject=%s/rej-bom", tmpdir);
		ck_assert_int_eq(oed_policy_parse(&pol, rejpath, &err), 0);
		read_all(path, &pol, 0, fast, out, sizeof(out), &status);
		ck_assert_int_eq(status, 0);
		ck_assert_str_eq(out, "2:string:a;");
		ck_assert_int_eq(oed_policy_close(&pol, &err), 0);
		rej = slurp(rejpath + 7);
		ck_assert_str_eq(rej, "\xEF\xBB\xBF{\"id\": nope}\r\n");
		free(rej);
		oed_policy_release(&pol);
	}

	/* a record the tool finds bad: the same */
	files[0] = (char *)write_tmp("bom2.jsonl", ok, sizeof(ok) - 1);
	oed_policy_init(&pol);
	ck_assert_int_eq(oed_policy_parse(&pol, rejpath, &err), 0);
	r = oed_reader_new(1, files, 0, &pol, &err);
	ck_assert_int_eq(oed_reader_want(r, "id", &err), 0);
	ck_assert_int_eq(oed_reader_next(r, &err), 1);
	ck_assert_str_eq(oed_reader_value(r, 0)->str, "b");	/* parsed without it */
	ck_assert_int_eq(oed_reader_bad(r, &err, "not wanted"), 0);
	ck_assert_int_eq(oed_reader_next(r, &err), 0);
	oed_reader_free(r);
	ck_assert_int_eq(oed_policy_close(&pol, &err), 0);
	rej = slurp(rejpath + 7);
	ck_assert_str_eq(rej, ok);
	free(rej);
	oed_policy_release(&pol);
}
END_TEST

/* The reject file is there from the start: truncated, or the run fails. */
START_TEST(policy_open_at_start)
{
	struct oed_input_opts io;
	struct oed_err err;
	char arg[600], *rej;

	snprintf(arg, sizeof(arg), "reject=%s/stale", tmpdir);
	write_tmp("stale", "yesterday\n", 10);
	oed_input_opts_init(&io);
	ck_assert_int_eq(oed_input_opt(&io, OED_OPT_ON_ERROR, arg, &err), 0);
	rej = slurp(arg + 7);
	ck_assert_str_eq(rej, "yesterday\n");	/* parsing alone does not touch it */
	free(rej);
	ck_assert_int_eq(oed_input_open_output(&io, &err), 0);
	ck_assert_int_eq(oed_policy_close(&io.policy, &err), 0);
	rej = slurp(arg + 7);
	ck_assert_str_eq(rej, "");
	free(rej);
	oed_input_opts_release(&io);

	oed_input_opts_init(&io);
	ck_assert_int_eq(oed_input_opt(&io, OED_OPT_ON_ERROR, "reject=/nonexistent/dir/x", &err), 0);
	ck_assert_int_eq(oed_input_open_output(&io, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_str_eq(err.msg, "cannot open reject file '/nonexistent/dir/x': No such file or directory");
	oed_input_opts_release(&io);

	/* nothing to open under fail or skip */
	oed_input_opts_init(&io);
	ck_assert_int_eq(oed_input_opt(&io, OED_OPT_ON_ERROR, "skip", &err), 0);
	ck_assert_int_eq(oed_input_open_output(&io, &err), 0);
	oed_input_opts_release(&io);
}
END_TEST

/* ---- writer ---- */

/* The word-at-a-time count agrees with a byte loop at every length and alignment. */
START_TEST(utf8_count_words)
{
	static const char sample[] = "naïve café 😀 straße 数据 ответ x\xc3\x28\x80\xbf end";
	char buf[160];
	uint64_t seed = 11;

	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; off + n <= sizeof(sample) - 1; n++) {
			size_t want = 0;

			for (size_t i = 0; i < n; i++)
				want += ((unsigned char)sample[off + i] & 0xC0) != 0x80;
			ck_assert_uint_eq(oed_utf8_count(sample + off, n), want);
		}
	for (int round = 0; round < 200; round++) {
		size_t n = round % 150, want = 0;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[i] = (char)(seed >> 56);
			want += ((unsigned char)buf[i] & 0xC0) != 0x80;
		}
		ck_assert_uint_eq(oed_utf8_count(buf, n), want);
	}
}
END_TEST

START_TEST(writer_numbers_and_strings)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *fp = open_memstream(&buf, &sz);
	struct oed_writer w;
	json_t *meta = json_loads("{\"z\":1,\"a\":[0.1,true,null,\"q\"]}", 0, NULL);

	oed_writer_init(&w, fp);
	oed_diag_quiet(true);
	oed_w_begin(&w);
	oed_w_str(&w, "kind", "t\"\n\x01\xC3\xA9");
	oed_w_num(&w, "a", 0.1);
	oed_w_num(&w, "b", 1.0 / 3.0);
	oed_w_num(&w, "c", 3.0);
	oed_w_num(&w, "d", 1e300);
	oed_w_num(&w, "e", NAN);
	oed_w_num(&w, "f", -0.0);
	oed_w_int(&w, "g", -42);
	oed_w_json(&w, "meta", meta);
	oed_w_arr_begin(&w, "v");
	oed_w_num(&w, NULL, 2.5);
	oed_w_num(&w, NULL, 5e-324);
	oed_w_arr_end(&w);
	ck_assert_int_eq(oed_w_end(&w), 0);
	oed_diag_quiet(false);
	fclose(fp);
	ck_assert_str_eq(buf, "{\"kind\":\"t\\\"\\n\\u0001\xC3\xA9\",\"a\":0.1,\"b\":0.3333333333333333,"
			 "\"c\":3,\"d\":1e+300,\"e\":null,\"f\":-0,\"g\":-42,"
			 "\"meta\":{\"z\":1,\"a\":[0.1,true,null,\"q\"]},\"v\":[2.5,5e-324]}\n");
	free(buf);
	json_decref(meta);
	oed_writer_release(&w);
}
END_TEST

START_TEST(writer_shortest_roundtrip)
{
	/* every printed double reads back exactly, and is never longer than %.17g */
	unsigned long long x = 88172645463325252ULL;

	for (int i = 0; i < 200000; i++) {
		double v, back;
		char buf[32], ref[32];

		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		oed_fmt_double(buf, v);
		back = strtod(buf, NULL);
		ck_assert(back == v);
		snprintf(ref, sizeof(ref), "%.17g", v);
		ck_assert_uint_le(strlen(buf), strlen(ref) + 1);
	}
}
END_TEST

/* ---- options and policy ---- */

START_TEST(policy_parse)
{
	struct oed_policy p;
	struct oed_err err;

	oed_policy_init(&p);
	ck_assert_int_eq(oed_policy_parse(&p, "skip", &err), 0);
	ck_assert_int_eq(p.mode, OED_ON_ERROR_SKIP);
	ck_assert_int_eq(oed_policy_parse(&p, "reject=", &err), -1);
	ck_assert_int_eq(oed_policy_parse(&p, "ignore", &err), -1);
	ck_assert_str_eq(err.msg, "--on-error: 'ignore' is not fail, skip or reject=FILE");
	oed_policy_release(&p);
}
END_TEST

START_TEST(parse_numbers)
{
	struct oed_err err;
	unsigned long u;
	double d;
	size_t s;

	ck_assert_int_eq(oed_parse_ulong("top", "12", 1, 100, &u, &err), 0);
	ck_assert_uint_eq(u, 12);
	ck_assert_int_eq(oed_parse_ulong("top", "-1", 1, 100, &u, &err), -1);
	ck_assert_int_eq(oed_parse_ulong("top", "101", 1, 100, &u, &err), -1);
	ck_assert_int_eq(oed_parse_ulong("top", "1x", 1, 100, &u, &err), -1);
	ck_assert_int_eq(oed_parse_double("ci", "0.95", 0, 1, &d, &err), 0);
	ck_assert(d == 0.95);
	ck_assert_int_eq(oed_parse_double("ci", "nan", 0, 1, &d, &err), -1);
	ck_assert_int_eq(oed_parse_size("max-line", "64M", &s, &err), 0);
	ck_assert_uint_eq(s, 64u << 20);
	ck_assert_int_eq(oed_parse_size("max-line", "0", &s, &err), -1);
}
END_TEST

/* What fn writes to stderr, NUL-terminated, in buf. */
static void
capture_stderr(void (*fn)(void), char *buf, size_t size)
{
	char path[512];
	int saved = dup(STDERR_FILENO), fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fflush(stderr);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, size - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
}

/* ---- compressed input and what is not JSON Lines ---- */

struct readout {
	long records;
	int status;
	char msg[600], source[256], digest[17];
};

static void
read_file(const char *path, struct readout *o)
{
	char *files[1] = { (char *)path };
	struct oed_policy pol;
	struct oed_err err;
	struct oed_reader *r;
	int rc;

	oed_policy_init(&pol);
	r = oed_reader_new(1, files, 0, &pol, &err);
	ck_assert_ptr_nonnull(r);
	oed_reader_digest(r, true);
	ck_assert_int_eq(oed_reader_want(r, "id", &err), 0);
	o->records = 0;
	while ((rc = oed_reader_next(r, &err)) == 1)
		o->records++;
	o->status = rc == 0 ? 0 : err.status;
	snprintf(o->msg, sizeof(o->msg), "%s", rc == 0 ? "" : err.msg);
	snprintf(o->source, sizeof(o->source), "%s", rc == 0 ? "" : err.source);
	oed_reader_digest_hex(r, o->digest);
	oed_reader_free(r);
	oed_policy_release(&pol);
}

/* n records, some long enough that the compressed stream crosses reads */
static char *
records(int n, size_t *len)
{
	struct oed_buf b = OED_BUF_INIT;

	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(oed_buf_printf(&b, "{\"id\":\"r%d\",\"pad\":\"", i), 0);
		for (int k = 0; k < (i % 50) * 97; k++)
			ck_assert_int_eq(oed_buf_addc(&b, (char)('a' + (i * 7 + k * k) % 26)), 0);
		ck_assert_int_eq(oed_buf_adds(&b, "\"}\n"), 0);
	}
	return oed_buf_steal(&b, len);
}

static void
write_gzip(const char *path, const char *data, size_t n, int members)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	for (int m = 0; m < members; m++) {
		size_t from = n * m / members, to = n * (m + 1) / members;
		z_stream z;
		unsigned char out[1 << 16];
		int rc;

		memset(&z, 0, sizeof(z));
		ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (Bytef *)data + from;
		z.avail_in = (uInt)(to - from);
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			rc = deflate(&z, Z_FINISH);
			fwrite(out, 1, sizeof(out) - z.avail_out, fp);
		} while (rc == Z_OK);
		ck_assert_int_eq(rc, Z_STREAM_END);
		deflateEnd(&z);
	}
	fclose(fp);
}

START_TEST(reader_compressed_input)
{
	size_t n, zn;
	char *data = records(3000, &n), *z, path[600];
	struct readout plain, got;
	FILE *fp;

	read_file(write_tmp("plain.jsonl", data, n), &plain);
	ck_assert_int_eq(plain.status, 0);
	ck_assert_int_eq(plain.records, 3000);

	/* gzip, one member and several (as cat a.gz b.gz makes): the same records and digest */
	for (int members = 1; members <= 3; members += 2) {
		snprintf(path, sizeof(path), "%s/in%d.jsonl.gz", tmpdir, members);
		write_gzip(path, data, n, members);
		read_file(path, &got);
		ck_assert_msg(got.status == 0, "%s", got.msg);
		ck_assert_int_eq(got.records, 3000);
		ck_assert_str_eq(got.digest, plain.digest);
	}
	/* zstd, two frames */
	zn = ZSTD_compressBound(n);
	z = malloc(2 * zn);
	ck_assert_ptr_nonnull(z);
	{
		size_t a = ZSTD_compress(z, zn, data, n / 2, 3);
		size_t b = ZSTD_compress(z + a, 2 * zn - a, data + n / 2, n - n / 2, 3);

		ck_assert(!ZSTD_isError(a) && !ZSTD_isError(b));
		zn = a + b;
	}
	snprintf(path, sizeof(path), "%s/in.jsonl.zst", tmpdir);
	fp = fopen(path, "wb");
	fwrite(z, 1, zn, fp);
	fclose(fp);
	read_file(path, &got);
	ck_assert_msg(got.status == 0, "%s", got.msg);
	ck_assert_int_eq(got.records, 3000);
	ck_assert_str_eq(got.digest, plain.digest);

	/* cut short: an error, not a quiet end */
	fp = fopen(path, "wb");
	fwrite(z, 1, zn - 10, fp);
	fclose(fp);
	read_file(path, &got);
	ck_assert_int_eq(got.status, OED_EX_DATA);
	ck_assert_str_eq(got.msg, "zstd data cut short: the file ends inside it");
	ck_assert_str_eq(got.source, path);
	/* compressed data not named so is refused, not read as 16,000 lines of binary */
	read_file(write_tmp("z.jsonl", z, zn), &got);
	ck_assert_int_eq(got.status, OED_EX_DATA);
	ck_assert_str_eq(got.msg, "zstd data: use zstdcat or name it .zst");
	snprintf(path, sizeof(path), "%s/in1.jsonl.gz", tmpdir);
	fp = fopen(path, "rb");
	zn = fread(z, 1, 2 * ZSTD_compressBound(n), fp);
	fclose(fp);
	read_file(write_tmp("g.jsonl", z, zn), &got);
	ck_assert_int_eq(got.status, OED_EX_DATA);
	ck_assert_str_eq(got.msg, "gzip data: use zcat or name it .gz");
	/* named .gz but not gzip */
	read_file(write_tmp("plain.gz", data, n), &got);
	ck_assert_int_eq(got.status, OED_EX_DATA);
	ck_assert_str_eq(got.msg, "not valid gzip data: incorrect header check");
	free(z);
	free(data);
}
END_TEST

/*
 * The stream alone: reads of any size give the same bytes (a 1-byte
 * buffer through a multi-member gzip), names set the codec whatever
 * their case, and the reader counts the compressed bytes it went
 * through against the files' size, for progress.
 */
START_TEST(zstream_reads_and_names)
{
	size_t n, k = 0;
	char *data = records(500, &n), path[600], *back = malloc(n + 1);
	struct oed_zstream *zs;
	struct oed_err err;
	struct oed_reader *r;
	struct oed_policy pol;
	uint64_t done, total;
	struct stat st;
	ssize_t got;
	char *files[2];

	ck_assert_ptr_nonnull(back);
	snprintf(path, sizeof(path), "%s/tiny.JSONL.GZ", tmpdir);
	write_gzip(path, data, n, 3);
	ck_assert_ptr_nonnull(zs = oed_zstream_open(path, &err));
	ck_assert_str_eq(oed_zstream_source(zs), path);
	while ((got = oed_zstream_read(zs, back + k, 1, &err)) == 1)
		ck_assert_uint_le(++k, n);
	ck_assert_int_eq(got, 0);
	ck_assert_uint_eq(k, n);
	ck_assert(memcmp(back, data, n) == 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(oed_zstream_consumed(zs), (uint64_t)st.st_size);
	oed_zstream_close(zs);
	oed_zstream_close(NULL);

	ck_assert_uint_eq(oed_zstream_base_len("a.csv.gz"), 5);
	ck_assert_uint_eq(oed_zstream_base_len("a.json.ZST"), 6);
	ck_assert_uint_eq(oed_zstream_base_len("a.gzip"), 6);
	ck_assert_uint_eq(oed_zstream_base_len(".gz"), 3);	/* a name, not an ending */
	ck_assert(oed_zstream_named_compressed("x.jsonl.zst"));
	ck_assert(!oed_zstream_named_compressed("-"));
	ck_assert(!oed_zstream_named_compressed("x.jsonl"));
	ck_assert(oed_zstream_size_of(path, &total));
	ck_assert_uint_eq(total, (uint64_t)st.st_size);
	ck_assert(!oed_zstream_size_of(tmpdir, &total));	/* not a regular file */
	ck_assert(!oed_zstream_size_of("/nonexistent/x", &total));
	ck_assert_ptr_null(oed_zstream_open("/nonexistent/x", &err));
	ck_assert_int_eq(err.status, OED_EX_FAIL);

	/* the reader: the compressed bytes of both files, of their total size */
	files[0] = path;
	files[1] = (char *)write_tmp("plain2.jsonl", data, n);
	oed_policy_init(&pol);
	ck_assert_ptr_nonnull(r = oed_reader_new(2, files, 0, &pol, &err));
	oed_reader_bytes(r, &done, &total);
	ck_assert_uint_eq(done, 0);
	ck_assert_uint_eq(total, (uint64_t)st.st_size + n);
	while (oed_reader_next(r, &err) == 1)
		;
	oed_reader_bytes(r, &done, &total);
	ck_assert_uint_eq(done, total);
	ck_assert_uint_eq(oed_reader_records(r), 1000);
	oed_reader_free(r);
	oed_policy_release(&pol);
	free(back);
	free(data);
}
END_TEST

/*
 * XXH3_createState, failing when asked: the reader's digest state is its
 * one allocation a test can make fail without failing everything else.
 */
static bool fail_xxh3_state;

XXH3_state_t *
XXH3_createState(void)
{
	static XXH3_state_t *(*real)(void);

	if (fail_xxh3_state)
		return NULL;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "XXH3_createState");
	return real();
}

START_TEST(reader_digest_out_of_memory)
{
	char *files[1];
	struct oed_policy pol;
	struct oed_err err;
	struct oed_reader *r;

	files[0] = (char *)write_tmp("d.jsonl", "{\"id\":\"a\"}\n", 11);
	oed_policy_init(&pol);
	r = oed_reader_new(1, files, 0, &pol, &err);
	ck_assert_ptr_nonnull(r);
	fail_xxh3_state = true;
	oed_reader_digest(r, true);
	fail_xxh3_state = false;
	/* no digest of 0000000000000000 recorded as if it were the input's */
	ck_assert_int_eq(oed_reader_next(r, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert_str_eq(err.msg, "out of memory");
	oed_reader_free(r);
	oed_policy_release(&pol);
}
END_TEST

START_TEST(reader_refuses_a_json_array)
{
	static const char *const arrays[] = {
		"[{\"id\":\"a\"},{\"id\":\"b\"}]\n", "\n  \r\n\t[\n{\"id\":\"a\"}\n]", "\xEF\xBB\xBF[]",
	};
	struct readout got;

	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		read_file(write_tmp("array.json", arrays[i], strlen(arrays[i])), &got);
		ck_assert_int_eq(got.status, OED_EX_DATA);
		ck_assert_str_eq(got.msg, "a JSON array, not JSON Lines: use oed-ingest --format"
				 " json-array or jq -c '.[]'");
		ck_assert_int_eq(got.records, 0);
	}
	/* a line that is an array later in a file is one bad record, as before */
	read_file(write_tmp("later.jsonl", "{\"id\":\"a\"}\n[1]\n", 16), &got);
	ck_assert_int_eq(got.records, 1);
	ck_assert_int_eq(got.status, OED_EX_DATA);
	ck_assert_str_ne(got.msg, "");
	ck_assert_ptr_null(strstr(got.msg, "JSON array"));
}
END_TEST

START_TEST(reject_copy_is_byte_for_byte)
{
	static const char data[] = "{\"id\":\"a\"}\r\nbad one\r\n{\"id\":\"b\"}\nbad last";
	char rejpath[600], out[1024], *rej;
	struct oed_policy pol;
	struct oed_err err;
	int status;
	const char *path = write_tmp("nonl.jsonl", data, sizeof(data) - 1);

	oed_policy_init(&pol);
	snprintf(rejpath, sizeof(rejpath), "reject=%s/rej3", tmpdir);
	ck_assert_int_eq(oed_policy_parse(&pol, rejpath, &err), 0);
	read_all(path, &pol, 0, true, out, sizeof(out), &status);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(pol.bad, 2);
	ck_assert_int_eq(oed_policy_close(&pol, &err), 0);
	rej = slurp(rejpath + 7);
	ck_assert_str_eq(rej, "bad one\r\nbad last");
	free(rej);
	oed_policy_release(&pol);
}
END_TEST

static void
reject_to_dev_full(void)
{
	struct oed_policy pol;
	struct oed_err err;

	oed_policy_init(&pol);
	ck_assert_int_eq(oed_policy_parse(&pol, "reject=/dev/full", &err), 0);
	ck_assert_int_eq(oed_policy_open(&pol, &err), 0);
	oed_err_at(&err, OED_EX_DATA, "in", 2, 0, "bad");
	/* the first bad record stops the run, with the real reason, told once */
	ck_assert_int_eq(oed_policy_bad(&pol, &err, "x", 1), -1);
	ck_assert_int_eq(err.status, OED_EX_FAIL);
	ck_assert(err.reported);
	ck_assert_int_eq(oed_policy_close(&pol, &err), 0);
	oed_policy_summary(&pol);
	oed_policy_release(&pol);
}

START_TEST(reject_file_full)
{
	char out[1024];

	if (access("/dev/full", W_OK) != 0)
		return;
	capture_stderr(reject_to_dev_full, out, sizeof(out));
	ck_assert_str_eq(out, "check_core: in:2: bad\n"
			 "check_core: cannot write reject file '/dev/full': No space left on device\n");
}
END_TEST

/* ---- messages: quoting, near misses ---- */

/*
 * A write to stdout failed (disk full), then other work (SQLite) left
 * errno at something else: the message gives the first failure's reason.
 */
START_TEST(write_error_tells_the_first_reason)
{
	int fds[2], status;
	char msg[256] = "";
	ssize_t n;
	pid_t pid;

	if (access("/dev/full", W_OK) != 0)
		return;
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static char block[1 << 16];
		int full = open("/dev/full", O_WRONLY);

		dup2(full, STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		memset(block, 'x', sizeof(block));
		if (fwrite(block, 1, sizeof(block), stdout) == sizeof(block))
			_exit(90);
		oed_stdout_failed(errno);
		__fpurge(stdout);	/* nothing left to flush: only the error flag stays */
		errno = EBADF;
		_exit(oed_close_stdout(OED_EX_OK));
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	msg[n > 0 ? n : 0] = '\0';
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), OED_EX_FAIL);
	ck_assert_str_eq(msg, "check_core: write error: No space left on device\n");
}
END_TEST

START_TEST(quote_control_bytes)
{
	static const struct { const char *in; size_t n; const char *out; } cases[] = {
		{ "plain text", 10, "plain text" },
		{ "caf\xc3\xa9 \xe6\x97\xa5", 9, "caf\xc3\xa9 \xe6\x97\xa5" },
		{ "\x1b]0;PWNED\x07\x1b[2J", 14, "\\u001b]0;PWNED\\u0007\\u001b[2J" },
		{ "a\nb\tc\rd", 7, "a\\nb\\tc\\rd" },
		{ "it's a\\b", 8, "it\\'s a\\\\b" },
		{ "nul\0x", 5, "nul\\u0000x" },
		{ "del\x7f", 4, "del\\u007f" },
		{ "bad \xff\xc3(", 7, "bad \\xff\\xc3(" },
		{ "c1 \xc2\x9b", 5, "c1 \\u009b" },
		{ "rtl \xe2\x80\xae", 7, "rtl \\u202e" },
		{ "overlong \xc0\xaf", 11, "overlong \\xc0\\xaf" },
		{ "surrogate \xed\xa0\x80", 13, "surrogate \\xed\\xa0\\x80" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(oed_quoten(cases[i].in, cases[i].n), cases[i].out);
	ck_assert_str_eq(oed_quote(NULL), "");
	ck_assert_str_eq(oed_quote("x\x1by"), "x\\u001by");
	/* eight results stay valid together */
	{
		const char *q[8];
		char want[8];

		for (int i = 0; i < 8; i++) {
			snprintf(want, sizeof(want), "%d\n", i);
			q[i] = oed_quote(want);
		}
		for (int i = 0; i < 8; i++) {
			snprintf(want, sizeof(want), "%d\\n", i);
			ck_assert_str_eq(q[i], want);
		}
	}
}
END_TEST

static void
say_raw_escape(void)
{
	struct oed_err err;

	oed_err_at(&err, OED_EX_DATA, "in\x1b.jsonl", 3, 0, "bad value '\x1b]0;x\x07'");
	oed_report(&err);
	oed_warn("odd %s", "\x9b\xc2\x9b");
	oed_error("it's fine: caf\xc3\xa9");
}

START_TEST(messages_never_carry_control_bytes)
{
	char out[1024];

	capture_stderr(say_raw_escape, out, sizeof(out));
	ck_assert_str_eq(out,
			 "check_core: in\\u001b.jsonl:3: bad value '\\u001b]0;x\\u0007'\n"
			 "check_core: warning: odd \\x9b\\u009b\n"
			 "check_core: it's fine: caf\xc3\xa9\n");
}
END_TEST

START_TEST(did_you_mean)
{
	static const char *const est[] = { "plugin", "miller-madow", NULL, "chao-shen", "nsb", "jackknife" };
	static const char *const opts[] = { "estimator", "encoding", "tokens", "top", "output" };
	struct oed_err err;

	ck_assert_str_eq(oed_did_you_mean("chao-shenn", est, 6), "chao-shen");
	ck_assert_str_eq(oed_did_you_mean("chaoshen", est, 6), "chao-shen");
	ck_assert_str_eq(oed_did_you_mean("plugn", est, 6), "plugin");
	ck_assert_ptr_null(oed_did_you_mean("plgu", est, 6));	/* 3 edits from plugin: too far */
	ck_assert_str_eq(oed_did_you_mean("NSB", est, 6), "nsb");
	ck_assert_str_eq(oed_did_you_mean("nbs", est, 6), "nsb");	/* a swap is one edit */
	ck_assert_str_eq(oed_did_you_mean("miller-madwo", est, 6), "miller-madow");
	ck_assert_ptr_null(oed_did_you_mean("entropy", est, 6));
	ck_assert_ptr_null(oed_did_you_mean("", est, 6));
	ck_assert_ptr_null(oed_did_you_mean("x", est, 6));
	ck_assert_str_eq(oed_did_you_mean("estimater", opts, 5), "estimator");
	ck_assert_str_eq(oed_did_you_mean("tpo", opts, 5), "top");
	ck_assert_str_eq(oed_did_you_mean("ouput", opts, 5), "output");

	oed_err_unknown(&err, "estimator", "chao-shenn", est, 6);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "unknown estimator 'chao-shenn'; did you mean 'chao-shen'?"
			 " choices: plugin, miller-madow, chao-shen, nsb, jackknife");
	oed_err_unknown(&err, "estimator", "\x1b[2J", est, 6);
	ck_assert_str_eq(err.msg, "unknown estimator '\\u001b[2J';"
			 " choices: plugin, miller-madow, chao-shen, nsb, jackknife");
}
END_TEST

static Suite *
core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, path_dot_and_pointer);
	tcase_add_test(tc, reader_lines_bom_crlf_blank);
	tcase_add_test(tc, reader_bad_fail_and_reject);
	tcase_add_test(tc, reader_missing_file);
	tcase_add_test(tc, reader_big_numbers_and_nul);
	tcase_add_test(tc, reader_range_in_jansson_fallback);
	tcase_add_test(tc, reader_reject_keeps_bom);
	tcase_add_test(tc, policy_open_at_start);
	tcase_add_test(tc, utf8_count_words);
	tcase_add_test(tc, writer_numbers_and_strings);
	tcase_add_test(tc, policy_parse);
	tcase_add_test(tc, parse_numbers);
	tcase_add_test(tc, reader_compressed_input);
	tcase_add_test(tc, zstream_reads_and_names);
	tcase_add_test(tc, reader_refuses_a_json_array);
	tcase_add_test(tc, reader_digest_out_of_memory);
	tcase_add_test(tc, reject_copy_is_byte_for_byte);
	tcase_add_test(tc, reject_file_full);
	tcase_add_test(tc, write_error_tells_the_first_reason);
	tcase_add_test(tc, quote_control_bytes);
	tcase_add_test(tc, messages_never_carry_control_bytes);
	tcase_add_test(tc, did_you_mean);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reader_long_lines);
	tcase_add_test(tc, writer_shortest_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(core_suite());
	int failed;

	if (mkdtemp(tmpdir) == NULL)
		return 99;
	oed_diag_init("check_core");
	/* the policy reports bad records on stderr; keep the log readable */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
