/*
 * Token ids identical to tiktoken's on the committed fixture corpus
 * (tests/tokenizer/fixtures.tsv, made by gen_fixtures.js from npm tiktoken),
 * for four encodings, ordinary and with special tokens allowed; and on
 * long pieces (tests/tokenizer/long.tsv, made by gen_long.js), whose texts
 * are made again here and whose ids are checked by count and digest.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "tokenizer.h"

static const char *const names[] = { "cl100k_base", "o200k_base", "p50k_base", "r50k_base" };
static struct oed_tokenizer *tok[4];

static void
setup(void)
{
	struct oed_err err;

	for (int i = 0; i < 4; i++) {
		tok[i] = oed_tokenizer_open(names[i], NULL, &err);
		ck_assert_msg(tok[i] != NULL, "%s", err.msg);
	}
}

static void
teardown(void)
{
	for (int i = 0; i < 4; i++)
		oed_tokenizer_free(tok[i]);
}

static size_t
parse_ids(char *list, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (char *p = list; *p && n < max;) {
		out[n++] = (uint32_t)strtoul(p, &p, 10);
		if (*p == ',')
			p++;
	}
	return n;
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

START_TEST(fixtures_match_tiktoken)
{
	char path[4096], *line = NULL;
	const char *top = getenv("top_srcdir");
	size_t cap = 0, lines = 0, tokens = 0;
	FILE *fp;
	uint32_t *want = malloc(100000 * sizeof(*want)), *got = NULL;
	size_t gotcap = 0;

	snprintf(path, sizeof(path), "%s/tests/tokenizer/fixtures.tsv", top ? top : ".");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	while (getline(&line, &cap, fp) > 0) {
		char *cols[7], *save = NULL, *text;
		size_t tlen;
		int k = 0;

		line[strcspn(line, "\n")] = '\0';
		for (char *c = strtok_r(line, "\t", &save); c && k < 7; c = strtok_r(NULL, "\t", &save))
			cols[k++] = c;
		/* every fixture has text, so every column has ids */
		ck_assert_msg(k == 7, "line %zu has %d columns", lines + 1, k);
		tlen = strlen(cols[0]) / 2;
		text = malloc(tlen + 1);
		for (size_t i = 0; i < tlen; i++)
			text[i] = (char)(hexval(cols[0][2 * i]) << 4 | hexval(cols[0][2 * i + 1]));
		for (int e = 0; e < 6; e++) {
			struct oed_tokenizer *t = tok[e < 4 ? e : e - 4];
			bool special = e >= 4;
			size_t nwant = parse_ids(cols[e + 1], want, 100000), n = 0;

			ck_assert_int_eq(oed_tokenizer_encode(t, text, tlen, special, &got, &n, &gotcap), 0);
			ck_assert_msg(n == nwant && memcmp(got, want, n * sizeof(*got)) == 0,
				      "line %zu (%s, %s): %zu ids, tiktoken has %zu; text %s", lines + 1,
				      oed_tokenizer_encoding(t), special ? "special allowed" : "ordinary",
				      n, nwant, cols[0]);
			ck_assert_uint_eq(oed_tokenizer_count(t, text, tlen, special), n);
			tokens += n;
		}
		free(text);
		lines++;
	}
	fclose(fp);
	free(line);
	free(want);
	free(got);
	printf("tokenizer: %zu fixture strings, %zu tokens identical to tiktoken\n", lines, tokens);
	ck_assert_uint_ge(lines, 2000);
}
END_TEST

/* The alphabets of gen_long.js, as UTF-8 (zeros is one NUL byte). */
static const struct {
	const char *kind, *chars;
	size_t len;
} alphabets[] = {
#define A(k, s) { k, s, sizeof(s) - 1 }
	A("lower", "abcdefghijklmnopqrstuvwxyz"),
	A("letters", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèßñøÅÖç"),
	A("digits", "0123456789"),
	A("scripts", "aeiostnrкаждыйсловоαβγδεζ数据模型答案한국어문장مرحباשלוםनमसतदुनिया"),
	A("symbols", "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~"),
	A("zeros", "\0"),
#undef A
};

/* gen_long.js's text: n code points drawn from the kind's alphabet. */
static char *
long_text(const char *kind, size_t n, uint32_t seed, size_t *len)
{
	const char *cp[128];
	size_t cplen[128], ncp = 0, o = 0;
	const char *chars = NULL, *p;
	size_t clen = 0;
	char *out;

	for (size_t i = 0; i < sizeof(alphabets) / sizeof(alphabets[0]); i++)
		if (strcmp(alphabets[i].kind, kind) == 0) {
			chars = alphabets[i].chars;
			clen = alphabets[i].len;
		}
	ck_assert_msg(chars != NULL, "unknown kind %s", kind);
	for (p = chars; p < chars + clen && ncp < 128; ncp++) {
		unsigned char c = (unsigned char)*p;
		size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

		cp[ncp] = p;
		cplen[ncp] = k;
		p += k;
	}
	out = malloc(n * 4);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i++) {
		size_t k;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 16) % ncp;
		memcpy(out + o, cp[k], cplen[k]);
		o += cplen[k];
	}
	*len = o;
	return out;
}

static uint64_t
fnv_ids(const uint32_t *ids, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++) {
			h ^= (ids[i] >> (8 * k)) & 0xff;
			h *= 0x100000001b3u;
		}
	return h;
}

START_TEST(long_pieces_match_tiktoken)
{
	char path[4096], *line = NULL;
	const char *top = getenv("top_srcdir");
	size_t cap = 0, cases = 0, tokens = 0, longest = 0;
	FILE *fp;
	uint32_t *got = NULL;
	size_t gotcap = 0;

	snprintf(path, sizeof(path), "%s/tests/tokenizer/long.tsv", top ? top : ".");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	while (getline(&line, &cap, fp) > 0) {
		char kind[16], enc[16], digest[17], first[256];
		size_t chars, count, tlen, n = 0;
		unsigned long seed;
		uint32_t want[8];
		size_t nfirst;
		struct oed_tokenizer *t = NULL;
		char *text;

		ck_assert_int_eq(sscanf(line, "%15s %zu %lu %15s %zu %16s %255s", kind, &chars, &seed, enc,
					&count, digest, first), 7);
		for (int e = 0; e < 4; e++)
			if (strcmp(names[e], enc) == 0)
				t = tok[e];
		ck_assert_ptr_nonnull(t);
		text = long_text(kind, chars, (uint32_t)seed, &tlen);
		ck_assert_int_eq(oed_tokenizer_encode(t, text, tlen, false, &got, &n, &gotcap), 0);
		nfirst = parse_ids(first, want, 8);
		ck_assert_msg(n >= nfirst && memcmp(got, want, nfirst * sizeof(*got)) == 0,
			      "%s %zu %s: the first ids differ from tiktoken's", kind, chars, enc);
		ck_assert_msg(n == count, "%s %zu %s: %zu ids, tiktoken has %zu", kind, chars, enc, n, count);
		snprintf(first, sizeof(first), "%016llx", (unsigned long long)fnv_ids(got, n));
		ck_assert_msg(strcmp(first, digest) == 0, "%s %zu %s: ids differ from tiktoken's (digest %s, want %s)",
			      kind, chars, enc, first, digest);
		ck_assert_uint_eq(oed_tokenizer_count(t, text, tlen, false), n);
		free(text);
		tokens += n;
		longest = chars > longest ? chars : longest;
		cases++;
	}
	fclose(fp);
	free(line);
	free(got);
	printf("tokenizer: %zu long pieces up to %zu characters, %zu tokens identical to tiktoken\n",
	       cases, longest, tokens);
	ck_assert_uint_ge(cases, 100);
}
END_TEST

/* Ids of text written to a stream in parts of the given sizes (cycled). */
static size_t
stream_ids(struct oed_tokenizer *t, bool special, size_t chunk, const char *text, size_t len,
	   const size_t *parts, size_t nparts, uint32_t **ids, size_t *cap)
{
	struct oed_tokstream *s = oed_tokstream_new(t, special, chunk);
	size_t n = 0, k = 0;

	ck_assert_ptr_nonnull(s);
	for (size_t at = 0; at < len; k++) {
		size_t m = parts[k % nparts] < len - at ? parts[k % nparts] : len - at;

		ck_assert_int_eq(oed_tokstream_write(s, text + at, m, ids, &n, cap), 0);
		at += m;
	}
	ck_assert_int_eq(oed_tokstream_finish(s, ids, &n, cap), 0);
	ck_assert_uint_eq(oed_tokstream_tokens(s), n);
	oed_tokstream_free(s);
	return n;
}

/*
 * Streaming gives the ids of the whole text, wherever the parts end: every
 * fixture in parts of 1, 2, 3 and 7 bytes and in one-byte parts with the
 * smallest chunk, and the first 600 (the crafted ones: contractions,
 * spaces before newlines, invalid UTF-8, special tokens) cut in two at
 * every byte.
 */
START_TEST(stream_matches_whole)
{
	char path[4096], *line = NULL;
	const char *top = getenv("top_srcdir");
	size_t cap = 0, lines = 0, cuts = 0;
	FILE *fp;
	uint32_t *whole = NULL, *got = NULL;
	size_t wholecap = 0, gotcap = 0;
	static const size_t small[] = { 1, 2, 3, 7 }, one[] = { 1 };

	snprintf(path, sizeof(path), "%s/tests/tokenizer/fixtures.tsv", top ? top : ".");
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	while (getline(&line, &cap, fp) > 0) {
		size_t tlen = strcspn(line, "\t") / 2;
		char *text = malloc(tlen + 1);

		for (size_t i = 0; i < tlen; i++)
			text[i] = (char)(hexval(line[2 * i]) << 4 | hexval(line[2 * i + 1]));
		for (int e = 0; e < 6; e++) {
			struct oed_tokenizer *t = tok[e < 4 ? e : e - 4];
			bool special = e >= 4;
			size_t n = 0, m;

			ck_assert_int_eq(oed_tokenizer_encode(t, text, tlen, special, &whole, &n, &wholecap), 0);
			for (int way = 0; way < 2; way++) {
				m = way == 0 ? stream_ids(t, special, 0, text, tlen, small, 4, &got, &gotcap)
					     : stream_ids(t, special, 1, text, tlen, one, 1, &got, &gotcap);
				ck_assert_msg(m == n && memcmp(got, whole, n * sizeof(*got)) == 0,
					      "line %zu (%s%s): streamed in %s parts, %zu ids, whole %zu",
					      lines + 1, oed_tokenizer_encoding(t), special ? ", special" : "",
					      way ? "1-byte" : "1/2/3/7-byte", m, n);
			}
			for (size_t cut = 1; lines < 600 && cut < tlen; cut++) {
				size_t two[] = { cut, tlen };

				m = stream_ids(t, special, 1, text, tlen, two, 2, &got, &gotcap);
				ck_assert_msg(m == n && memcmp(got, whole, n * sizeof(*got)) == 0,
					      "line %zu (%s%s): cut at %zu, %zu ids, whole %zu", lines + 1,
					      oed_tokenizer_encoding(t), special ? ", special" : "", cut, m, n);
				cuts++;
			}
		}
		free(text);
		lines++;
	}
	fclose(fp);
	free(line);
	free(whole);
	free(got);
	printf("tokenizer: %zu fixture strings streamed, %zu cuts, ids as whole\n", lines, cuts);
	ck_assert_uint_ge(cuts, 10000);
}
END_TEST

/* Long pieces streamed in parts smaller than the piece, ids as tiktoken's. */
START_TEST(stream_long_pieces)
{
	static const char *const kinds[] = { "lower", "scripts", "symbols", "zeros", "digits" };
	static const size_t parts[] = { 1000, 4093, 1, 65536 };
	uint32_t *whole = NULL, *got = NULL;
	size_t wholecap = 0, gotcap = 0;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (int e = 0; e < 4; e++) {
			size_t tlen, n = 0, m;
			char *text = long_text(kinds[k], 50000, 7 + (uint32_t)k, &tlen);

			ck_assert_int_eq(oed_tokenizer_encode(tok[e], text, tlen, false, &whole, &n, &wholecap), 0);
			m = stream_ids(tok[e], false, 4096, text, tlen, parts, 4, &got, &gotcap);
			ck_assert_msg(m == n && memcmp(got, whole, n * sizeof(*got)) == 0,
				      "%s %s: streamed %zu ids, whole %zu", kinds[k], names[e], m, n);
			free(text);
		}
	free(whole);
	free(got);
}
END_TEST

START_TEST(models_and_errors)
{
	struct oed_err err;
	struct oed_tokenizer *t;

	ck_assert_str_eq(oed_encoding_for("gpt-4o"), "o200k_base");
	ck_assert_str_eq(oed_encoding_for("gpt-4o-mini-2024-07-18"), "o200k_base");
	ck_assert_str_eq(oed_encoding_for("o3-mini"), "o200k_base");
	ck_assert_str_eq(oed_encoding_for("gpt-4.1-nano"), "o200k_base");
	ck_assert_str_eq(oed_encoding_for("gpt-4"), "cl100k_base");
	ck_assert_str_eq(oed_encoding_for("gpt-4-turbo-2024-04-09"), "cl100k_base");
	ck_assert_str_eq(oed_encoding_for("gpt-3.5-turbo-0125"), "cl100k_base");
	ck_assert_str_eq(oed_encoding_for("text-embedding-3-small"), "cl100k_base");
	ck_assert_str_eq(oed_encoding_for("ft:gpt-4o-2024-08-06:org::id"), "o200k_base");
	ck_assert_str_eq(oed_encoding_for("text-davinci-003"), "p50k_base");
	ck_assert_str_eq(oed_encoding_for("davinci"), "r50k_base");
	ck_assert_ptr_null(oed_encoding_for("llama-3"));

	t = oed_tokenizer_open("llama-3", NULL, &err);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "unknown encoding 'llama-3'; choices: cl100k_base, o200k_base,"
			 " p50k_base, r50k_base, or a model (gpt-4o, gpt-4 ...)");
	ck_assert_int_eq(oed_encoding_check("--encoding", "cl100k", &err), -1);
	ck_assert_str_eq(err.msg, "--encoding: unknown encoding 'cl100k'; did you mean 'cl100k_base'?"
			 " choices: cl100k_base, o200k_base, p50k_base, r50k_base, or a model (gpt-4o, gpt-4 ...)");
	ck_assert_int_eq(oed_encoding_check("--tokens", "gpt4o", &err), -1);
	ck_assert_str_eq(err.msg, "--tokens: unknown encoding 'gpt4o'; did you mean 'gpt-4o'?"
			 " choices: cl100k_base, o200k_base, p50k_base, r50k_base, or a model (gpt-4o, gpt-4 ...)");
	ck_assert_int_eq(oed_encoding_check("--tokens", "gpt-4o-mini", &err), 0);
	t = oed_tokenizer_open("cl100k_base", "/nonexistent/cl100k_base.tiktoken", &err);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.msg, "cannot open vocabulary '/nonexistent/cl100k_base.tiktoken':"
			 " No such file or directory");
}
END_TEST

START_TEST(special_tokens)
{
	uint32_t *ids = NULL;
	size_t n = 0, cap = 0;
	const char *s = "a<|endoftext|>b";

	ck_assert_int_eq(oed_tokenizer_encode(tok[0], s, strlen(s), true, &ids, &n, &cap), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(ids[1], 100257);
	n = 0;
	ck_assert_int_eq(oed_tokenizer_encode(tok[0], s, strlen(s), false, &ids, &n, &cap), 0);
	ck_assert_uint_gt(n, 3);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_ne(ids[i], 100257);
	free(ids);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("tokenizer");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fixtures_match_tiktoken);
	tcase_add_test(tc, long_pieces_match_tiktoken);
	tcase_add_test(tc, stream_matches_whole);
	tcase_add_test(tc, stream_long_pieces);
	tcase_add_test(tc, models_and_errors);
	tcase_add_test(tc, special_tokens);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
