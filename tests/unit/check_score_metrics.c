/*
 * Unit tests for the reference-text scorers (levenshtein, f1, bleu, chrf,
 * rouge_l, exact_match's SQuAD mode) against tests/ref/score_ref.h and
 * against the test vectors sacreBLEU publishes.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "buf.h"
#include "equiv/normalize.h"
#include "score/internal.h"
#include "score/score.h"
#include "splitmix.h"
#include "../ref/score_ref.h"
#include "../ref/f1_ref.h"

static double
score_text(const char *spec_text, const char *out, size_t outlen, const char *tgt, size_t tgtlen)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;
	double v;

	if (oed_scorer_spec_parse(spec_text, &spec, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	oed_score_input_init(&in, out, outlen);
	in.target = tgt;
	in.target_len = tgtlen;
	if (oed_score(spec, &in, &res, &err) != 0)
		ck_abort_msg("%s: %s", spec_text, err.msg);
	v = res.value;
	oed_score_result_release(&res);
	oed_scorer_spec_free(spec);
	return v;
}

static double
score1(const char *spec_text, const char *out, const char *tgt)
{
	return score_text(spec_text, out, strlen(out), tgt, strlen(tgt));
}

START_TEST(reference_values)
{
	size_t n = sizeof(text_cases) / sizeof(text_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct text_case *c = &text_cases[i];
		double got = score1(c->spec, c->out, c->tgt);
		ck_assert_msg(fabs(got - c->want) <= 1e-12 * fmax(1.0, fabs(c->want)),
		    "%s on '%s' vs '%s': %.17g, reference %.17g", c->spec, c->out, c->tgt, got, c->want);
	}
}
END_TEST

/* Corpus BLEU and chrF through the corpus accumulator. */
START_TEST(corpus_reference_values)
{
	size_t n = sizeof(corpus_cases) / sizeof(corpus_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct corpus_case *c = &corpus_cases[i];
		struct oed_scorer_spec *spec;
		struct oed_score_corpus acc;
		struct oed_err err;

		ck_assert_int_eq(oed_scorer_spec_parse(c->spec, &spec, &err), 0);
		ck_assert_int_eq(oed_score_corpus_init(&acc, spec, &err), 0);
		for (size_t k = 0; k < c->n; k++) {
			struct oed_score_input in;
			struct oed_score_sample refs[4];
			oed_score_input_init(&in, c->hyp[k], strlen(c->hyp[k]));
			for (size_t j = 0; j < c->nref; j++) {
				refs[j].text = c->ref[k * c->nref + j];
				refs[j].len = strlen(refs[j].text);
			}
			in.target = refs[0].text;
			in.target_len = refs[0].len;
			in.references = refs;
			in.nreferences = c->nref;
			ck_assert_int_eq(oed_score_corpus_add(&acc, &in, &err), 0);
		}
		double got = oed_score_corpus_value(&acc);
		ck_assert_msg(fabs(got - c->want) <= 1e-12, "corpus case %zu (%s): %.17g, reference %.17g",
		    i, c->spec, got, c->want);
		oed_scorer_spec_free(spec);
	}
}
END_TEST

/*
 * sacreBLEU's own test vectors (github.com/mjpost/sacrebleu, test/), in
 * its 0-100 scale, with its tolerances.
 */
START_TEST(sacrebleu_vectors)
{
	static const char ref98[] = "produc\xc5\xa3ia de zah\xc4\x83r brut se exprim\xc4\x83 "
	    "\xc3\xaen zah\xc4\x83r alb;";
	static const char sys98[] = "Produc\xc8\x9bia de zah\xc4\x83r prim\xc4\x83 va fi "
	    "exprimat\xc4\x83 \xc3\xaen ceea ce prive\xc8\x99te zah\xc4\x83rul alb;";

	/* test_sentence_bleu.py */
	ck_assert_double_eq_tol(100 * score1("bleu", sys98, ref98), 8.493, 1e-3);
	ck_assert_double_eq_tol(100 * score1("bleu:tokenize=none", sys98, ref98), 7.347, 1e-3);
	ck_assert_double_eq_tol(100 * score1("bleu:smooth=none", sys98, ref98), 0.0, 1e-3);
	ck_assert_double_eq(score1("bleu", "this is a cat", "okay thanks"), 0.0);
	/* test_chrf.py, sentence level (eps smoothing, beta 2) */
	ck_assert_double_eq_tol(100 * score1("chrf:eps_smoothing=true",
	    "Co n\xc3\xa1s nejv\xc3\xad""c tr\xc3\xa1p\xc3\xad, proto\xc5\xbe""e l\xc3\xa9ka\xc5\x99i si "
	    "vyb\xc3\xadraj\xc3\xad, kdo bude \xc5\xbe\xc3\xadt a kdo zem\xc5\x99""e.",
	    "Nejv\xc3\xad""ce smutn\xc3\xad jsme z toho, \xc5\xbe""e mus\xc3\xadme rozhodovat o tom, "
	    "kdo bude \xc5\xbe\xc3\xadt a kdo zem\xc5\x99""e."), 39.14078509, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:eps_smoothing=true",
	    "Nebo prost\xc4\x9b nemaj\xc3\xad vybaven\xc3\xad, kter\xc3\xa9 by jim pomohlo, uvedli "
	    "l\xc3\xa9ka\xc5\x99i.",
	    "A n\xc4\x9bkdy nem\xc3\xa1me ani pot\xc5\x99""ebn\xc3\xbd materi\xc3\xa1l, abychom jim "
	    "pomohli, popsali l\xc3\xa9ka\xc5\x99i."), 31.22557079, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:eps_smoothing=true",
	    "Lapali po dechu, jejich \xc5\xbeivoty skon\xc4\x8dily d\xc5\x99\xc3\xadv, ne\xc5\xbe "
	    "skute\xc4\x8dn\xc4\x9b za\xc4\x8d""aly.",
	    "Lapali po dechu a pak jejich \xc5\xbeivot skon\xc4\x8dil - d\xc5\x99\xc3\xadv, ne\xc5\xbe "
	    "skute\xc4\x8dn\xc4\x9b mohl za\xc4\x8d\xc3\xadt, p\xc5\x99ipomn\xc4\x9bli."), 57.15704367, 1e-4);
	/* test_chrf.py, beta 3 */
	ck_assert_double_eq_tol(100 * score1("chrf:beta=3,eps_smoothing=true", "aa", "ab"), 8.3333, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:beta=3,eps_smoothing=true", "a b c", "abc"), 50.0, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:beta=3", "aa", "ab"), 25.0, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:beta=3", "", "reference"), 0.0, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:beta=3,whitespace=true",
	    "Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.",
	    "Das Verh\xc3\xa4ltnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."),
	    67.3481606, 1e-4);
	ck_assert_double_eq_tol(100 * score1("chrf:beta=3,eps_smoothing=true",
	    " risk assessment must be made of those who are qualified and expertise in the sector - "
	    "these are the scientists .",
	    "risk assessment has to be undertaken by those who are qualified and expert in that area - "
	    "that is the scientists ."), 63.361730, 1e-4);
}
END_TEST

/* Known differences from the references, kept visible. */
START_TEST(documented_differences)
{
	/*
	 * Case folding is Unicode full folding (str.casefold), where SQuAD's
	 * script lowers (str.lower): "straße" and "STRASSE" agree here only.
	 */
	ck_assert_double_eq(score1("f1", "stra\xc3\x9f""e", "STRASSE"), 1.0);
	/* rouge-score keeps only [a-z0-9]: Greek has no tokens at all. */
	ck_assert_double_eq(score1("rouge_l", "\xce\xb1\xce\xb2", "\xce\xb1\xce\xb2"), 0.0);
}
END_TEST

START_TEST(metric_edges)
{
	/* Empty sides. */
	ck_assert_double_eq(score1("levenshtein", "", ""), 1.0);
	ck_assert_double_eq(score1("levenshtein", "", "abc"), 0.0);
	ck_assert_double_eq(score1("f1", "", ""), 0.0);
	ck_assert_double_eq(score1("rouge_l", "", "x"), 0.0);
	ck_assert_double_eq(score1("bleu", "", "a b c d"), 0.0);
	ck_assert_double_eq(score1("chrf", "", ""), 0.0);
	/* Invalid UTF-8 counts byte by byte, never crashes. */
	ck_assert_double_eq_tol(score1("levenshtein", "a\xff", "a\xfe"), 0.5, 1e-15);
	ck_assert_double_eq_tol(score1("bleu", "\xff\xfe x y z", "\xff\xfe x y z"), 1.0, 1e-12);
	/* NUL bytes inside the texts are text. */
	ck_assert_double_eq(score_text("levenshtein", "a\0b", 3, "a\0c", 3), 1.0 - 1.0 / 3);
	ck_assert_double_eq(score_text("chrf", "a\0b", 3, "a\0b", 3), 1.0);
	/* Negation of a [0,1] scorer. */
	ck_assert_double_eq_tol(score1("not_levenshtein", "ab", "ac"), 0.5, 1e-15);
}
END_TEST

/* A megabyte of output: linear scorers stay fast, nothing overflows. */
START_TEST(huge_outputs)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		big[i] = "abcd efgh "[i % 10];
	big[n] = '\0';
	ck_assert_double_eq_tol(score_text("bleu", big, n, big, n), 1.0, 1e-12);
	ck_assert_double_eq_tol(score_text("chrf", big, n, big, n), 1.0, 1e-12);
	ck_assert_double_eq(score_text("f1", big, n, "abcd", 4) > 0, 1);
	ck_assert_double_eq(score_text("exact_match", big, n, big, n), 1.0);
	ck_assert_double_eq(score_text("contains:efgh abcd", big, n, NULL, 0), 1.0);
	free(big);
}
END_TEST

/* json_schema against python3-jsonschema, case by case. */
START_TEST(json_schema_reference)
{
	size_t n = sizeof(schema_cases) / sizeof(schema_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct schema_case *c = &schema_cases[i];
		const char *keys[] = { "schema" };
		const char *vals[] = { c->schema };
		struct oed_scorer_spec *spec;
		struct oed_score_input in;
		struct oed_score_result res;
		struct oed_err err;

		spec = oed_scorer_spec_from_pairs("json_schema", 1, keys, vals, &err);
		ck_assert_msg(spec != NULL, "%s: %s", c->schema, err.msg);
		oed_score_input_init(&in, c->instance, strlen(c->instance));
		ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
		ck_assert_msg(res.pass == c->valid, "schema %s, instance %s: %d, jsonschema says %d (%s)",
		    c->schema, c->instance, res.pass, c->valid, res.reason ? res.reason : "");
		ck_assert_msg(c->valid || res.reason != NULL, "no reason for %s", c->instance);
		oed_score_result_release(&res);
		oed_scorer_spec_free(spec);
	}
}
END_TEST

START_TEST(json_schema_reasons_and_errors)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;
	static const char *const bad[][2] = {
		{ "json_schema", "scorer 'json_schema' needs one of schema= and schema_file=" },
		{ "json_schema:schema={\"type\":\"text\"}",
		  "scorer 'json_schema': schema: type must be a type name or a list of them" },
		{ "json_schema:schema={\"properties\":{\"a\":{\"format\":\"email\"}}}",
		  "scorer 'json_schema': schema at /properties/a: keyword 'format' is not in the "
		  "supported subset (type, properties, required, enum, items, minimum, maximum, "
		  "minLength, maxLength, pattern)" },
		{ "json_schema:schema={\"items\":[{}]}",
		  "scorer 'json_schema': schema: items as a list of schemas is not in the subset" },
		{ "json_schema:schema={\"pattern\":\"(\"}",
		  "scorer 'json_schema': pattern at /pattern: invalid regex '(' at offset 1: "
		  "missing closing parenthesis" },
		{ "json_schema:schema={",
		  "scorer 'json_schema': the schema is not JSON: string or '}' expected near end of "
		  "file at line 1, column 1" },
		{ "json_schema:schema_file=/nonexistent/s.json",
		  "scorer 'json_schema': unable to open /nonexistent/s.json: No such file or directory" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(oed_scorer_spec_parse(bad[i][0], &spec, &err), -1);
		ck_assert_str_eq(err.msg, bad[i][1]);
	}
	ck_assert_int_eq(oed_scorer_spec_parse("json_schema:schema={\"type\":\"object\","
	    "\"properties\":{\"a\":{\"items\":{\"maximum\":3}}}}", &spec, &err), 0);
	oed_score_input_init(&in, "{\"a\":[1,5]}", 11);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_int_eq(res.pass, 0);
	ck_assert_str_eq(res.reason, "/a/1: 5 is above the maximum");
	oed_score_result_release(&res);
	oed_score_input_init(&in, "{\"a\":", 5);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_str_eq(res.reason, "not JSON: unexpected token near end of file at column 5");
	oed_score_result_release(&res);
	oed_scorer_spec_free(spec);
}
END_TEST

/* Words as count_words defined them before its fast paths: decode every code point. */
static size_t
words_reference(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;
	bool in = false;

	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		bool sp;
		if (k == 0) {
			sp = false;
			k = 1;
		} else {
			sp = cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 ||
			    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
			    cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
		}
		n += !sp && !in;
		in = !sp;
		p += k;
	}
	return n;
}

/*
 * The word count's sixteen-byte and byte-table paths against the
 * decoding one, on generated text of ASCII, White_Space above ASCII,
 * other code points, and broken sequences, cut anywhere.
 */
START_TEST(words_fast_paths_agree)
{
	static const char *const pieces[] = {
		"a", "word", " ", "  ", "\t", "\n", "\r\v\f", "\xc2\xa0", "\xc2\x85", "\xc2\xa9",
		"\xe1\x9a\x80", "\xe1\x9a\x81", "\xe2\x80\x80", "\xe2\x80\x8a", "\xe2\x80\x8b",
		"\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe2\x9c\x93",
		"\xe3\x80\x80", "\xe3\x80\x81", "\xe6\x9d\xb1", "\xd0\xbe", "\xf0\x9f\x98\x80",
		"\xe2\x80", "\xe2", "\xc2", "\x80", "\xbf", "\xff", "\xe3\x80", "\xe1\x9a",
		"\x1c", "\x1f", "x\xe2\x80\x83y",
	};
	size_t np = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t seed = 12;
	char buf[400];

	for (int round = 0; round < 20000; round++) {
		size_t len = 0, want = oed_splitmix64(&seed) % 60;
		for (size_t i = 0; i < want; i++) {
			const char *pc = pieces[oed_splitmix64(&seed) % np];
			size_t l = strlen(pc);
			if (len + l >= sizeof(buf))
				break;
			memcpy(buf + len, pc, l);
			len += l;
		}
		/* cut anywhere, so sequences break at the end too */
		size_t cut = len ? oed_splitmix64(&seed) % (len + 1) : 0;
		char text[400];
		memcpy(text, buf, cut);
		text[cut] = '\0';
		double got = score_text("length:unit=words", text, cut, "", 0);
		ck_assert_msg(got == (double)words_reference(text, cut),
		    "round %d: %g words, the decoding count says %zu", round, got,
		    words_reference(text, cut));
	}
}
END_TEST

/*
 * f1's one-pass scan (inlined hashing, the reference's table, the ASCII
 * and two- and three-byte paths) against SQuAD's normalize_answer as the
 * library's plain path writes it, tokens counted here by their text.
 */
static double
f1_reference(struct oed_sc_regex *articles, const char *a, const char *b)
{
	struct oed_buf tmp = OED_BUF_INIT, na = OED_BUF_INIT, nb = OED_BUF_INIT;
	struct oed_err err;
	char *ta[400], *tb[400];
	size_t ka = 0, kb = 0, common = 0;

	ck_assert_int_eq(oed_sc_squad_normalize(articles, &tmp, &na, a, strlen(a), &err), 0);
	ck_assert_int_eq(oed_sc_squad_normalize(articles, &tmp, &nb, b, strlen(b), &err), 0);
	ck_assert_int_eq(oed_buf_add(&na, "", 1), 0);
	ck_assert_int_eq(oed_buf_add(&nb, "", 1), 0);
	for (char *t = strtok(na.data, " "); t != NULL && ka < 400; t = strtok(NULL, " "))
		ta[ka++] = t;
	for (char *t = strtok(nb.data, " "); t != NULL && kb < 400; t = strtok(NULL, " "))
		tb[kb++] = t;
	/* the multiset intersection: each token of a used once */
	bool used[400] = { false };
	for (size_t i = 0; i < kb; i++)
		for (size_t j = 0; j < ka; j++)
			if (!used[j] && strcmp(ta[j], tb[i]) == 0) {
				used[j] = true;
				common++;
				break;
			}
	oed_buf_release(&tmp);
	oed_buf_release(&na);
	oed_buf_release(&nb);
	if (common == 0)
		return 0;
	double p = (double)common / (double)ka, r = (double)common / (double)kb;
	return 2 * p * r / (p + r);
}

START_TEST(f1_fast_path_agrees)
{
	static const char *const words[] = {
		"the", "The", "a", "An", "an", "answer", "Answer!", "is", "42", "42.", "don't", "(paris)",
		"PARIS", "Paris,", "caf\xc3\xa9", "CAF\xc3\x89", "\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82",
		"\xd0\x9e\xd0\xa2\xd0\x92\xd0\x95\xd0\xa2", "stra\xc3\x9f" "e", "STRASSE", "\xe6\x9d\xb1\xe4\xba\xac",
		"\xe2\x9c\x93", "x\xc2\xa0y", "\xc3\xa9the", "the\xc3\xa9", "a\xe6\x9d\xb1", "verylongword12345",
		"evenlongerwordthanthat", "\xf0\x9f\x98\x80", "\xe2\x80\x83", "-", "--the--", "\x01", "ab\x7f",
		"na\xc3\xafve", "NA\xc3\x8fVE", "\xe1\xba\x9e", "\xc2\xbd",
	};
	size_t nw = sizeof(words) / sizeof(words[0]);
	struct oed_err err;
	struct oed_sc_regex *articles = oed_sc_squad_articles(&err);
	uint64_t seed = 7;
	char a[800], b[800];

	ck_assert_ptr_nonnull(articles);
	for (int round = 0; round < 5000; round++) {
		char *bufs[2] = { a, b };
		for (int side = 0; side < 2; side++) {
			size_t len = 0, n = oed_splitmix64(&seed) % (side ? 12 : 60);
			for (size_t i = 0; i < n; i++) {
				const char *w = words[oed_splitmix64(&seed) % nw];
				const char *sep = (oed_splitmix64(&seed) & 7) == 0 ? "\t " : " ";
				size_t l = strlen(w), ls = strlen(sep);
				if (len + l + ls + 1 >= sizeof(a))
					break;
				memcpy(bufs[side] + len, w, l);
				memcpy(bufs[side] + len + l, sep, ls);
				len += l + ls;
			}
			bufs[side][len] = '\0';
		}
		double got = score1("f1", a, b), want = f1_reference(articles, a, b);
		ck_assert_msg(fabs(got - want) <= 1e-15, "round %d: f1('%s', '%s') = %.17g, reference %.17g",
		    round, a, b, got, want);
	}
	oed_sc_regex_free(articles);
}
END_TEST

/*
 * f1 through one scorer over a stream, as oed-bench --score runs it: the
 * white-space tokens it has normalized before are looked up in its memo,
 * so the words repeat across records, with tokens of 8, 16, 24 and 25
 * bytes, one that articles split into five, Unicode White_Space between
 * words and near misses of it, each text in a buffer of its exact length
 * (the sanitizers catch a read past it).
 */
START_TEST(f1_stream_agrees)
{
	static const char *const words[] = {
		"the", "The", "a", "An", "answer", "Answer!", "42", "don't", "PARIS", "Paris,",
		"caf\xc3\xa9", "CAF\xc3\x89", "\xd0\x9e\xd0\xa2\xd0\x92\xd0\x95\xd0\xa2", "stra\xc3\x9f" "e",
		"STRASSE", "\xe6\x9d\xb1\xe4\xba\xac", "\xc3\xa9the", "the\xc3\xa9", "abcdefgh", "ABCDEFGH",
		"abcdefghijklmnop", "abcdefghijklmnopqrstuvwx", "ABCDEFGHIJKLMNOPQRSTUVWX",
		"abcdefghijklmnopqrstuvwxy", "abcdefg9", "abcdefgh12345678", "abcdefghijklmnopqrstuvw9",
		"\xe2\x86\x92" "a\xe2\x86\x92" "a\xe2\x86\x92" "a\xe2\x86\x92" "a\xe2\x86\x92",
		"\xe2\x86\x92the\xe2\x86\x92", "x\xe2\x80\x8by", "\xe3\x81\x82", "\xe0\xa4\x85", "\xc2\xa9", "--the--",
		"\x01" "a\x01", "\xe1\xba\x9e", "\xf0\x9f\x98\x80",
	};
	static const char *const seps[] = {
		" ", "\t ", "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\xa8", "\xc2\x85", "\xe1\x9a\x80",
		"\xe2\x81\x9f", "\x1c", "\n",
	};
	size_t nw = sizeof(words) / sizeof(words[0]), ns = sizeof(seps) / sizeof(seps[0]);
	struct oed_scorer_spec *spec;
	struct oed_err err;
	struct oed_sc_regex *articles = oed_sc_squad_articles(&err);
	uint64_t seed = 11;
	char a[800], b[800];

	ck_assert_ptr_nonnull(articles);
	ck_assert_int_eq(oed_scorer_spec_parse("f1", &spec, &err), 0);
	/* odd rounds draw from 30 words made up for the round: thousands in all, so they collide in the memo */
	static const char *const letters[] = { "a", "b", "t", "h", "e", "n", "A", "T", "1", "\xc3\xa9", "-" };
	char pool[30][64];
	for (int round = 0; round < 3000; round++) {
		char *bufs[2] = { a, b };
		size_t lens[2];
		for (size_t i = 0; i < 30; i++) {
			size_t k = 0, n = 1 + oed_splitmix64(&seed) % 26;
			for (size_t j = 0; j < n; j++) {
				const char *l = letters[oed_splitmix64(&seed) % (sizeof(letters) / sizeof(letters[0]))];
				memcpy(pool[i] + k, l, strlen(l));
				k += strlen(l);
			}
			pool[i][k] = '\0';
		}
		for (int side = 0; side < 2; side++) {
			size_t len = 0, last = 0, n = oed_splitmix64(&seed) % (side ? 12 : 60);
			for (size_t i = 0; i < n; i++) {
				const char *w = round & 1 ? pool[oed_splitmix64(&seed) % 30] :
				    words[oed_splitmix64(&seed) % nw];
				const char *sep = (oed_splitmix64(&seed) & 3) == 0 ?
				    seps[oed_splitmix64(&seed) % ns] : " ";
				size_t l = strlen(w), ls = strlen(sep);
				if (len + l + ls + 1 >= sizeof(a))
					break;
				memcpy(bufs[side] + len, w, l);
				memcpy(bufs[side] + len + l, sep, ls);
				len += l + ls;
				last = ls;
			}
			/* half the texts end in a word, not a separator */
			if (oed_splitmix64(&seed) & 1)
				len -= last;
			bufs[side][len] = '\0';
			lens[side] = len;
		}
		char *x = malloc(lens[0] + 1), *y = malloc(lens[1] + 1);
		struct oed_score_input in;
		struct oed_score_result res;
		ck_assert(x != NULL && y != NULL);
		memcpy(x, a, lens[0]);
		memcpy(y, b, lens[1]);
		oed_score_input_init(&in, x, lens[0]);
		in.target = y;
		in.target_len = lens[1];
		ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
		double want = f1_reference(articles, a, b);
		ck_assert_msg(fabs(res.value - want) <= 1e-15, "round %d: f1('%s', '%s') = %.17g, reference %.17g",
		    round, a, b, res.value, want);
		oed_score_result_release(&res);
		free(x);
		free(y);
	}
	oed_scorer_spec_free(spec);
	oed_sc_regex_free(articles);
}
END_TEST

/*
 * f1 on adversarial texts (tests/ref/gen_f1_ref.py: SQuAD's f1 with case
 * folding), three ways: a fresh scorer for each pair, one scorer over all
 * the pairs twice (its memo warm the second time, each text in a buffer
 * of its exact length), and the plain normalize path (f1_reference).
 */
START_TEST(f1_adversarial)
{
	size_t n = sizeof(f1_cases) / sizeof(f1_cases[0]);
	struct oed_scorer_spec *spec;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("f1", &spec, &err), 0);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct f1_case *c = &f1_cases[i];
			double got;
			if (pass == 0) {
				got = score_text("f1", c->out, c->outlen, c->tgt, c->tgtlen);
			} else {
				char *x = malloc(c->outlen + 1), *y = malloc(c->tgtlen + 1);
				struct oed_score_input in;
				struct oed_score_result res;
				ck_assert(x != NULL && y != NULL);
				memcpy(x, c->out, c->outlen);
				memcpy(y, c->tgt, c->tgtlen);
				oed_score_input_init(&in, x, c->outlen);
				in.target = y;
				in.target_len = c->tgtlen;
				ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
				got = res.value;
				oed_score_result_release(&res);
				free(x);
				free(y);
			}
			ck_assert_msg(got == c->want, "pass %d, case %zu: f1 %.17g, reference %.17g",
			    pass, i, got, c->want);
		}
	}
	oed_scorer_spec_free(spec);
}
END_TEST

/* The plain normalize path on the same cases (texts without NUL). */
START_TEST(f1_adversarial_plain_path)
{
	size_t n = sizeof(f1_cases) / sizeof(f1_cases[0]), checked = 0;
	struct oed_err err;
	struct oed_sc_regex *articles = oed_sc_squad_articles(&err);

	ck_assert_ptr_nonnull(articles);
	for (size_t i = 0; i < n; i++) {
		const struct f1_case *c = &f1_cases[i];
		if (strlen(c->out) != c->outlen || strlen(c->tgt) != c->tgtlen)
			continue;
		double want = f1_reference(articles, c->out, c->tgt);
		ck_assert_msg(fabs(want - c->want) <= 1e-15, "case %zu: plain path %.17g, reference %.17g",
		    i, want, c->want);
		checked++;
	}
	ck_assert_uint_gt(checked, n * 3 / 4);
	oed_sc_regex_free(articles);
}
END_TEST

/*
 * f1 over a stream of 600 records of 300 words, most of them never seen
 * before: past about 100,000 the memo and the dictionary start over
 * between two records, and the words every record has are normalized
 * again.  Each record against the plain path.
 */
START_TEST(f1_memo_starts_over)
{
	static const char *const common[] = { "The", "answer", "Answer,", "caf\xc3\xa9", "\xd0\x9e\xd0\xa2",
	    "a", "42", "(the)", "x\xe2\x86\x92" "a" };
	struct oed_scorer_spec *spec;
	struct oed_err err;
	struct oed_sc_regex *articles = oed_sc_squad_articles(&err);
	uint64_t seed = 5;
	char *a = malloc(300 * 24), b[400];

	ck_assert_ptr_nonnull(articles);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(oed_scorer_spec_parse("f1", &spec, &err), 0);
	for (int rec = 0; rec < 600; rec++) {
		size_t la = 0, lb = 0;
		for (int i = 0; i < 300; i++) {
			uint64_t r = oed_splitmix64(&seed);
			if (r % 4 == 0)
				la += (size_t)sprintf(a + la, "%s ", common[r / 4 % 9]);
			else
				la += (size_t)sprintf(a + la, "w%dx%d%s ", rec, i, r & 16 ? "\xc3\xa9" : "");
		}
		for (int i = 0; i < 12; i++) {
			uint64_t r = oed_splitmix64(&seed);
			if (r % 2 == 0)
				lb += (size_t)sprintf(b + lb, "%s ", common[r / 2 % 9]);
			else
				lb += (size_t)sprintf(b + lb, "w%dx%d ", rec, (int)(r / 2 % 300));
		}
		struct oed_score_input in;
		struct oed_score_result res;
		oed_score_input_init(&in, a, la);
		in.target = b;
		in.target_len = lb;
		ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
		double want = f1_reference(articles, a, b);
		ck_assert_msg(fabs(res.value - want) <= 1e-15, "record %d: f1 %.17g, reference %.17g",
		    rec, res.value, want);
		oed_score_result_release(&res);
	}
	free(a);
	oed_scorer_spec_free(spec);
	oed_sc_regex_free(articles);
}
END_TEST

/*
 * f1 over a stream where the reference comes again and again, as it
 * does for several samples of one input: its counts are kept from one
 * record to the next, the output's start over, and an output that
 * comes again has its value.  Half the outputs repeat the one before,
 * across a change of reference too.  Each text in a fresh buffer of its
 * exact length, against the plain path.
 */
START_TEST(f1_same_reference_in_a_row)
{
	static const char *const words[] = {
		"the", "The", "a", "An", "answer", "Answer!", "42", "PARIS", "Paris,", "caf\xc3\xa9",
		"\xd0\x9e\xd0\xa2\xd0\x92\xd0\x95\xd0\xa2", "stra\xc3\x9f" "e", "STRASSE",
		"\xe2\x86\x92" "a\xe2\x86\x92" "b\xe2\x86\x92" "a", "x\x01y", "abcdefghijklmnopqrstuvwxyz", "--",
	};
	size_t nw = sizeof(words) / sizeof(words[0]);
	struct oed_scorer_spec *spec;
	struct oed_err err;
	struct oed_sc_regex *articles = oed_sc_squad_articles(&err);
	uint64_t seed = 3;
	char a[400], b[400];
	size_t la = 0;

	ck_assert_ptr_nonnull(articles);
	ck_assert_int_eq(oed_scorer_spec_parse("f1", &spec, &err), 0);
	for (int round = 0; round < 1000; round++) {
		size_t lb = 0, n = oed_splitmix64(&seed) % 10;
		for (size_t i = 0; i < n; i++)
			lb += (size_t)sprintf(b + lb, "%s ", words[oed_splitmix64(&seed) % nw]);
		for (int k = 0, samples = 1 + (int)(oed_splitmix64(&seed) % 5); k < samples; k++) {
			/* half the samples repeat the one before, the first one against the last reference */
			if (oed_splitmix64(&seed) % 2 == 0 || round == 0) {
				size_t m = oed_splitmix64(&seed) % 20;
				la = 0;
				for (size_t i = 0; i < m; i++)
					la += (size_t)sprintf(a + la, "%s ", words[oed_splitmix64(&seed) % nw]);
			}
			char *x = malloc(la + 1), *y = malloc(lb + 1);
			struct oed_score_input in;
			struct oed_score_result res;
			ck_assert(x != NULL && y != NULL);
			memcpy(x, a, la);
			memcpy(y, b, lb);
			oed_score_input_init(&in, x, la);
			in.target = y;
			in.target_len = lb;
			ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
			a[la] = b[lb] = '\0';
			double want = f1_reference(articles, a, b);
			ck_assert_msg(fabs(res.value - want) <= 1e-15, "round %d, sample %d: f1('%s', '%s') = %.17g, "
			    "reference %.17g", round, k, a, b, res.value, want);
			oed_score_result_release(&res);
			free(x);
			free(y);
		}
	}
	oed_scorer_spec_free(spec);
	oed_sc_regex_free(articles);
}
END_TEST

START_TEST(length_units)
{
	/* "naïve 東京 ok": 11 code points, 3 words, 16 bytes. */
	static const char t[] = "na\xc3\xafve \xe6\x9d\xb1\xe4\xba\xac ok";
	ck_assert_double_eq(score1("length", t, ""), 11);
	ck_assert_double_eq(score1("length:unit=words", t, ""), 3);
	ck_assert_double_eq(score1("length:unit=bytes", t, ""), 16);
	ck_assert_double_eq(score1("length:unit=words", "  \t\n", ""), 0);
	ck_assert_double_eq(score1("length", "", ""), 0);
	/* tiktoken cl100k_base: "hello world" is [15339, 1917]. */
	ck_assert_double_eq(score1("length:unit=tokens", "hello world", ""), 2);
	ck_assert_double_eq(score1("length:unit=tokens,encoding=gpt-4o", "hello world", ""), 2);

	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("length:max=3", &spec, &err), 0);
	oed_score_input_init(&in, "abcd", 4);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_int_eq(res.pass, 0);
	ck_assert_str_eq(res.reason, "4 chars, more than 3");
	oed_score_result_release(&res);
	oed_score_input_init(&in, "abc", 3);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_int_eq(res.pass, 1);
	oed_scorer_spec_free(spec);
	ck_assert_int_eq(oed_scorer_spec_parse("length:min=2,unit=words", &spec, &err), 0);
	oed_score_input_init(&in, "one", 3);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_str_eq(res.reason, "1 words, fewer than 2");
	oed_score_result_release(&res);
	oed_scorer_spec_free(spec);
	/* No bounds: a number and no verdict. */
	ck_assert_int_eq(oed_scorer_spec_parse("length", &spec, &err), 0);
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	ck_assert_int_eq(res.pass, -1);
	oed_scorer_spec_free(spec);

	ck_assert_int_eq(oed_scorer_spec_parse("length:min=5,max=2", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'length': min is above max");
	ck_assert_int_eq(oed_scorer_spec_parse("length:unit=tokens,encoding=gpt-9", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'length': 'gpt-9' is not an encoding or a known model");
	ck_assert_int_eq(oed_scorer_spec_parse("length:threshold=3", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'length' gives a number: bound it with its own parameters, "
	    "not threshold=");
	ck_assert_int_eq(oed_scorer_spec_parse("not_length", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'length' gives a number, which not_ cannot negate");
}
END_TEST

/* Several references, by hand: each n-gram clipped at its best reference. */
START_TEST(bleu_several_references)
{
	struct oed_scorer_spec *spec;
	struct oed_score_input in;
	struct oed_score_result res;
	struct oed_score_sample refs[2] = { { "a b x x", 7 }, { "x x c d", 7 } };
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("bleu", &spec, &err), 0);
	oed_score_input_init(&in, "a b c d", 7);
	in.references = refs;
	in.nreferences = 2;
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	/* 1-grams 4/4, 2-grams 2/3, then 0/2 and 0/1 smoothed to 1/(2*2) and 1/(4*1). */
	ck_assert_double_eq_tol(res.value, pow(1.0 * (2.0 / 3) * 0.25 * 0.25, 0.25), 1e-15);
	in.nreferences = 1;
	ck_assert_int_eq(oed_score(spec, &in, &res, &err), 0);
	/* One reference: 2/4, 1/3, then smoothed as above. */
	ck_assert_double_eq_tol(res.value, pow(0.5 * (1.0 / 3) * 0.25 * 0.25, 0.25), 1e-15);
	oed_scorer_spec_free(spec);
}
END_TEST

START_TEST(corpus_needs_corpus_scorer)
{
	struct oed_scorer_spec *spec;
	struct oed_score_corpus acc;
	struct oed_err err;

	ck_assert_int_eq(oed_scorer_spec_parse("f1", &spec, &err), 0);
	ck_assert_int_eq(oed_score_corpus_init(&acc, spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'f1' has no corpus score");
	oed_scorer_spec_free(spec);
	ck_assert_int_eq(oed_scorer_spec_parse("chrf:char_order=17", &spec, &err), -1);
	ck_assert_str_eq(err.msg, "scorer 'chrf': char_order must be 1 to 16");
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("score_metrics");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, reference_values);
	tcase_add_test(core, words_fast_paths_agree);
	tcase_add_test(core, f1_fast_path_agrees);
	tcase_add_test(core, f1_stream_agrees);
	tcase_add_test(core, f1_adversarial);
	tcase_add_test(core, f1_adversarial_plain_path);
	tcase_add_test(core, f1_same_reference_in_a_row);
	tcase_add_test(limits, f1_memo_starts_over);
	tcase_add_test(core, corpus_reference_values);
	tcase_add_test(core, sacrebleu_vectors);
	tcase_add_test(core, documented_differences);
	tcase_add_test(core, bleu_several_references);
	tcase_add_test(core, json_schema_reference);
	tcase_add_test(limits, json_schema_reasons_and_errors);
	tcase_add_test(core, length_units);
	tcase_add_test(limits, metric_edges);
	tcase_add_test(limits, huge_outputs);
	tcase_add_test(limits, corpus_needs_corpus_scorer);
	tcase_set_timeout(limits, 60);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
