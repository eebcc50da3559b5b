/*
 * Unit tests for --cluster jaccard:T: MinHash estimates against the
 * exact Jaccard similarity of the shingle sets (computed here from the
 * shingle strings themselves), the clustering's promises (identical
 * outputs together, disjoint ones apart, ids independent of input order,
 * LSH agreeing with the exhaustive check), and the spec parser.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "exit.h"
#include "equiv/minhash.h"
#include "man_lists.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static struct oed_minhash
mh_of(const char *spec, uint64_t seed)
{
	struct oed_minhash mh;
	struct oed_err err;

	ck_assert_msg(oed_minhash_parse(spec, seed, &mh, &err) == 0, "%s: %s", spec, err.msg);
	return mh;
}

/* ---- exact Jaccard of shingle sets, from the strings ---- */

struct span {
	const char *p;
	size_t n;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/*
 * Shingles of s: K code points (char) or K space-separated words (word;
 * the test texts use single ASCII spaces), sorted and unique.
 */
static size_t
shingles(const char *s, int word, unsigned K, struct span *out)
{
	size_t len = strlen(s), units[4096], nu = 0, i, n = 0, m;

	for (i = 0; i < len; i++) {
		if (word ? (s[i] != ' ' && (i == 0 || s[i - 1] == ' '))
			 : ((unsigned char)s[i] & 0xC0) != 0x80)
			units[nu++] = i;
	}
	if (nu == 0)
		return 0;
	if (nu < K) {
		out[0].p = s;
		out[0].n = len;
		return 1;
	}
	for (i = 0; i + K <= nu; i++) {
		size_t end;

		if (word) {
			const char *e = strchr(s + units[i + K - 1], ' ');

			end = e ? (size_t)(e - s) : len;
		} else {
			end = i + K < nu ? units[i + K] : len;
		}
		out[n].p = s + units[i];
		out[n].n = end - units[i];
		n++;
	}
	qsort(out, n, sizeof(*out), span_cmp);
	for (i = m = 0; i < n; i++)
		if (m == 0 || span_cmp(&out[m - 1], &out[i]) != 0)
			out[m++] = out[i];
	return m;
}

static double
exact_jaccard(const char *a, const char *b, int word, unsigned K)
{
	static struct span sa[4096], sb[4096];
	size_t na = shingles(a, word, K, sa), nb = shingles(b, word, K, sb), i = 0, j = 0, both = 0;
	int c;

	if (na + nb == 0)
		return 1;
	while (i < na && j < nb) {
		c = span_cmp(&sa[i], &sb[j]);
		both += c == 0;
		i += c <= 0;
		j += c >= 0;
	}
	return (double)both / (double)(na + nb - both);
}

/* ---- random texts ---- */

static char vocab[300][16];

static void
make_vocab(void)
{
	static const char *const extra[] = { "café", "naïve", "中文", "答案", "Größe", "😀", "ünd" };
	uint64_t seed = 99;
	size_t i, j, n;

	for (i = 0; i < NELEM(vocab); i++) {
		if (i < NELEM(extra)) {
			strcpy(vocab[i], extra[i]);
			continue;
		}
		n = 2 + rng_next(&seed) % 7;
		for (j = 0; j < n; j++)
			vocab[i][j] = (char)('a' + rng_next(&seed) % 26);
		vocab[i][n] = '\0';
	}
}

/* m random words separated by single spaces. */
static void
random_text(char *out, size_t m, uint64_t *seed)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < m; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, vocab[rng_next(seed) % NELEM(vocab)]);
	}
}

/* b = a with about a fraction f of its words replaced, dropped or doubled. */
static void
mutate(const char *a, char *b, double f, uint64_t *seed)
{
	char copy[8192], *w, *save = NULL;
	double u;

	strcpy(copy, a);
	b[0] = '\0';
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		u = rng_unit(seed);
		if (u < f * 0.6)
			w = vocab[rng_next(seed) % NELEM(vocab)];
		else if (u < f * 0.8)
			continue;
		if (b[0])
			strcat(b, " ");
		strcat(b, w);
		if (u >= f * 0.8 && u < f) {
			strcat(b, " ");
			strcat(b, vocab[rng_next(seed) % NELEM(vocab)]);
		}
	}
}

/*
 * Estimate against truth over many random pairs.  MinHash's standard
 * error is sqrt(J (1 - J) / P) <= 0.5 / sqrt(P), so 5 / sqrt(P) is ten
 * standard errors: more than 1% of pairs beyond it means a real fault.
 */
static void
accuracy(const char *spec, size_t minwords, size_t maxwords, size_t pairs)
{
	struct oed_minhash mh = mh_of(spec, 42);
	uint64_t *sa = malloc(mh.perm * sizeof(uint64_t)), *sb = malloc(mh.perm * sizeof(uint64_t));
	static char a[8192], b[8192];
	uint64_t seed = 1234 + mh.perm;
	double bound = 5 / sqrt(mh.perm), est, truth, sum = 0, sq = 0, var = 0, meanj = 0;
	size_t i, within = 0;

	for (i = 0; i < pairs; i++) {
		/*
		 * A fresh hash function per pair: the pairs share a small
		 * vocabulary, so under one seed their errors would be
		 * correlated and the mean error would not shrink.
		 */
		mh.seed = i;
		random_text(a, minwords + rng_next(&seed) % (maxwords - minwords + 1), &seed);
		mutate(a, b, rng_unit(&seed), &seed);
		oed_minhash_signature(&mh, a, strlen(a), sa);
		oed_minhash_signature(&mh, b, strlen(b), sb);
		est = oed_minhash_similarity(sa, sb, mh.perm);
		truth = exact_jaccard(a, b, mh.shingle == OED_SHINGLE_WORD, mh.k);
		within += fabs(est - truth) < bound;
		sum += est - truth;
		sq += (est - truth) * (est - truth);
		var += truth * (1 - truth) / mh.perm;
		meanj += truth;
	}
	printf("minhash %-40s %zu-%zu words: mean J %.3f, bias %+.4f, rmse %.4f (MinHash %.4f), "
	    "%zu/%zu within 5/sqrt(P)\n", spec, minwords, maxwords, meanj / pairs, sum / pairs,
	    sqrt(sq / pairs), sqrt(var / pairs), within, pairs);
	ck_assert_uint_ge(within * 100, pairs * 99);
	/* no bias: the mean error is within 4 of its own standard errors */
	ck_assert_double_le(fabs(sum / pairs), 4 * sqrt(var) / pairs + 0.001);
	/* and the spread is MinHash's, give or take */
	ck_assert_double_le(sqrt(sq / pairs), 1.3 * sqrt(var / pairs) + 0.005);
	ck_assert_double_gt(meanj / pairs, 0.2);
	ck_assert_double_lt(meanj / pairs, 0.8);
	free(sa);
	free(sb);
}

START_TEST(estimate_long_texts)
{
	make_vocab();
	accuracy("jaccard:0.5,perm=64", 120, 250, 400);
	accuracy("jaccard:0.5", 120, 250, 400);
	accuracy("jaccard:0.5,perm=256", 120, 250, 300);
	accuracy("jaccard:0.5,shingle=word:1,perm=128", 120, 250, 300);
	accuracy("jaccard:0.5,shingle=word:2,perm=128", 120, 250, 300);
}
END_TEST

/* Texts with fewer shingles than slots: most slots come from densification. */
START_TEST(estimate_short_texts)
{
	make_vocab();
	accuracy("jaccard:0.5,perm=64", 3, 12, 600);
	accuracy("jaccard:0.5", 3, 12, 600);
	accuracy("jaccard:0.5,shingle=word:1", 4, 15, 600);
	accuracy("jaccard:0.5,shingle=char:3,perm=256", 2, 6, 600);
}
END_TEST

START_TEST(signature_properties)
{
	struct oed_minhash mh = mh_of("jaccard:0.8", 7), mh2 = mh_of("jaccard:0.8", 8);
	uint64_t a[128], b[128], c[128];
	const char *t = "The answer is Paris, the capital of France.";
	size_t i;

	/* the same text, the same signature; another seed, another one */
	oed_minhash_signature(&mh, t, strlen(t), a);
	oed_minhash_signature(&mh, t, strlen(t), b);
	ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
	oed_minhash_signature(&mh2, t, strlen(t), c);
	ck_assert_double_lt(oed_minhash_similarity(a, c, 128), 0.05);
	/*
	 * Pinned values: signatures are stored and merged across runs, so a
	 * change of algorithm must show up here.
	 */
	ck_assert_uint_eq(a[0], 0xf4bd7015f9d8a682ULL);
	ck_assert_uint_eq(a[127], 0xe139cb2d1263d949ULL);
	mh2 = mh_of("jaccard:0.8,shingle=word:2", 7);
	oed_minhash_signature(&mh2, t, strlen(t), c);
	ck_assert_uint_eq(c[0], 0x0768a4335eb427c5ULL);
	ck_assert_uint_eq(c[127], 0x80f8b308a611da18ULL);

	/* the empty text: equal to itself only */
	oed_minhash_signature(&mh, "", 0, b);
	for (i = 0; i < 128; i++)
		ck_assert_uint_eq(b[i], UINT64_MAX);
	ck_assert_double_eq(oed_minhash_similarity(a, b, 128), 0);

	/* shorter than a shingle: the whole text is the one shingle */
	oed_minhash_signature(&mh, "abc", 3, a);
	oed_minhash_signature(&mh, "abc", 3, b);
	oed_minhash_signature(&mh, "abd", 3, c);
	ck_assert_double_eq(oed_minhash_similarity(a, b, 128), 1);
	ck_assert_double_eq(oed_minhash_similarity(a, c, 128), 0);

	/* words: any run of White_Space separates, and only separates */
	mh = mh_of("jaccard:0.8,shingle=word:2", 7);
	oed_minhash_signature(&mh, "the cat sat", 11, a);
	t = "  the\u3000cat \t\n sat\u2003";
	oed_minhash_signature(&mh, t, strlen(t), b);
	ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
	oed_minhash_signature(&mh, "sat cat the", 11, c);
	ck_assert_double_eq(oed_minhash_similarity(a, c, 128), 0);
	oed_minhash_signature(&mh, " \t", 2, c);
	ck_assert_uint_eq(c[5], UINT64_MAX);
}
END_TEST

/* ---- clustering ---- */

static bool
sig_less(const uint64_t *a, const uint64_t *b, unsigned perm)
{
	unsigned k;

	for (k = 0; k < perm; k++)
		if (a[k] != b[k])
			return a[k] < b[k];
	return false;
}

static void
exact_clusters(const struct oed_minhash *mh, const uint64_t *sigs, size_t n, double t,
	       uint32_t *out)
{
	/* The definition, literally: components of "agree in >= ceil(tP) slots". */
	size_t *comp = malloc(n * sizeof(size_t)), i, j, k, old, nc = 0;
	uint32_t *lab = malloc(n * sizeof(uint32_t));
	unsigned need = (unsigned)ceil(t * mh->perm - 1e-9), same;

	for (i = 0; i < n; i++)
		comp[i] = i;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			for (k = same = 0; k < mh->perm; k++)
				same += sigs[i * mh->perm + k] == sigs[j * mh->perm + k];
			if (same >= need && comp[i] != comp[j]) {
				old = comp[i];
				for (k = 0; k < n; k++)
					if (comp[k] == old)
						comp[k] = comp[j];
			}
		}
	/* label by smallest signature: the smallest unlabelled one, again and again */
	for (i = 0; i < n; i++)
		lab[i] = UINT32_MAX;
	for (;;) {
		size_t best = n;

		for (i = 0; i < n; i++)
			if (lab[comp[i]] == UINT32_MAX &&
			    (best == n || sig_less(&sigs[i * mh->perm], &sigs[best * mh->perm], mh->perm)))
				best = i;
		if (best == n)
			break;
		lab[comp[best]] = (uint32_t)nc++;
	}
	for (i = 0; i < n; i++)
		out[i] = lab[comp[i]];
	free(comp);
	free(lab);
}

/*
 * A group of n outputs from `topics` unrelated base texts, each output a
 * light variant of its topic's text, with some exact repeats.
 */
static char **
make_group(size_t n, size_t topics, uint64_t *seed)
{
	char **out = malloc(n * sizeof(char *)), base[4096];
	char (*bases)[4096] = malloc(topics * sizeof(*bases));
	size_t i;

	for (i = 0; i < topics; i++)
		random_text(bases[i], 30 + rng_next(seed) % 30, seed);
	for (i = 0; i < n; i++) {
		out[i] = malloc(8192);
		strcpy(base, bases[rng_next(seed) % topics]);
		if (rng_next(seed) % 4 == 0)
			strcpy(out[i], base);
		else
			mutate(base, out[i], 0.05, seed);
	}
	free(bases);
	return out;
}

static void
free_group(char **g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(g[i]);
	free(g);
}

static void
check_group(size_t n, size_t topics, double t)
{
	struct oed_minhash mh = mh_of("jaccard:0.5", 11);
	uint64_t seed = n * 31 + topics, *sigs, *shuf;
	uint32_t *got, *want, *got2, *perm, tmp;
	char **g;
	size_t i, j, round, k;

	make_vocab();
	g = make_group(n, topics, &seed);
	sigs = malloc(n * mh.perm * sizeof(uint64_t));
	shuf = malloc(n * mh.perm * sizeof(uint64_t));
	got = malloc(n * sizeof(uint32_t));
	got2 = malloc(n * sizeof(uint32_t));
	want = malloc(n * sizeof(uint32_t));
	perm = malloc(n * sizeof(uint32_t));
	for (i = 0; i < n; i++)
		oed_minhash_signature(&mh, g[i], strlen(g[i]), sigs + i * mh.perm);
	ck_assert_int_eq(oed_cluster_group(&mh, sigs, n, t, got), 0);
	exact_clusters(&mh, sigs, n, t, want);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(got[i], want[i]);
	/* identical texts together */
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(g[i], g[j]) == 0)
				ck_assert_uint_eq(got[i], got[j]);
	/* the same ids whatever the order */
	for (round = 0; round < 5; round++) {
		for (i = 0; i < n; i++)
			perm[i] = (uint32_t)i;
		for (i = n - 1; i > 0; i--) {
			j = rng_next(&seed) % (i + 1);
			tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (i = 0; i < n; i++)
			for (k = 0; k < mh.perm; k++)
				shuf[i * mh.perm + k] = sigs[perm[i] * mh.perm + k];
		ck_assert_int_eq(oed_cluster_group(&mh, shuf, n, t, got2), 0);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(got2[i], got[perm[i]]);
	}
	/* ids are 0 .. k-1, every one used */
	for (i = j = 0; i < n; i++)
		j = got[i] > j ? got[i] : j;
	ck_assert_uint_le(j + 1, n);
	ck_assert_uint_ge(j + 1, topics / 2);
	free_group(g, n);
	free(sigs);
	free(shuf);
	free(got);
	free(got2);
	free(want);
	free(perm);
}

START_TEST(cluster_small_groups)
{
	check_group(1, 1, 0.5);
	check_group(2, 2, 0.5);
	check_group(30, 5, 0.5);
	check_group(30, 5, 0.9);
	check_group(200, 40, 0.6);
}
END_TEST

/* Above OED_CLUSTER_EXACT_MAX the candidates come from LSH bands. */
START_TEST(cluster_large_groups)
{
	check_group(600, 80, 0.5);
	check_group(900, 300, 0.7);
}
END_TEST

START_TEST(cluster_identical_and_disjoint)
{
	struct oed_minhash mh = mh_of("jaccard:0.01,shingle=char:3,perm=64", 5);
	uint64_t sigs[4 * 64];
	uint32_t cl[4];
	/* no shingle in common between a Latin, a Greek and a Cyrillic text */
	const char *t[4] = { "abcdefghij", "αβγδεζηθικ", "абвгдежзий", "abcdefghij" };
	size_t i;

	for (i = 0; i < 4; i++)
		oed_minhash_signature(&mh, t[i], strlen(t[i]), sigs + i * 64);
	ck_assert_double_eq(oed_minhash_similarity(sigs, sigs + 64, 64), 0);
	ck_assert_int_eq(oed_cluster_group(&mh, sigs, 4, 0.01, cl), 0);
	ck_assert_uint_eq(cl[0], cl[3]);
	ck_assert_uint_ne(cl[0], cl[1]);
	ck_assert_uint_ne(cl[0], cl[2]);
	ck_assert_uint_ne(cl[1], cl[2]);
	/* threshold 1: only equal signatures */
	ck_assert_int_eq(oed_cluster_group(&mh, sigs, 4, 1.0, cl), 0);
	ck_assert_uint_eq(cl[0], cl[3]);
	ck_assert_uint_ne(cl[0], cl[1]);
	ck_assert_int_eq(oed_cluster_group(&mh, sigs, 0, 0.5, cl), 0);
}
END_TEST

/* Every mode and shingle kind of the tables is documented in oed-equivalence.txt. */
START_TEST(table_in_man_pages)
{
	char *txt = man_text("man/oed-equivalence.txt"), *page = man_text("man/oed-entropy.1");
	char buf[64];

	ck_assert_msg(txt && page, "man pages not found: is top_srcdir set?");
	for (size_t i = 0; i < sizeof(oed_cluster_modes) / sizeof(oed_cluster_modes[0]); i++) {
		ck_assert_msg(man_has(txt, "--cluster ", oed_cluster_modes[i].name, ":"),
			      "'%s' is not in oed-equivalence.txt", oed_cluster_modes[i].name);
		ck_assert_msg(man_has(page, "Fl Fl cluster Ar ", oed_cluster_modes[i].name, ":"),
			      "'%s' is not in oed-entropy(1)", oed_cluster_modes[i].name);
	}
	for (size_t i = 0; i < sizeof(oed_shingles) / sizeof(oed_shingles[0]); i++) {
		snprintf(buf, sizeof(buf), "shingle=%s", oed_shingles[i].name);
		ck_assert_msg(man_has(txt, "\n    ", buf, ":"), "'%s' has no entry in oed-equivalence.txt", buf);
	}
	free(txt);
	free(page);
}
END_TEST

START_TEST(parse_spec)
{
	struct oed_minhash mh;
	struct oed_err err;
	char buf[128];
	unsigned b, r, p;
	double t;

	mh = mh_of("jaccard:0.8", 3);
	ck_assert_double_eq(mh.threshold, 0.8);
	ck_assert_int_eq(mh.shingle, OED_SHINGLE_CHAR);
	ck_assert_uint_eq(mh.k, 5);
	ck_assert_uint_eq(mh.perm, 128);
	ck_assert_uint_eq(mh.bands, 25);	/* 5 rows: 0.67232^25 = 5e-5 misses at J = 0.8 */
	ck_assert_uint_eq(mh.seed, 3);
	oed_minhash_format(&mh, buf, sizeof(buf));
	ck_assert_str_eq(buf, "jaccard:0.8,shingle=char:5,perm=128,bands=25");
	mh = mh_of("jaccard:1,shingle=word:3,perm=64,bands=8", 0);
	ck_assert_int_eq(mh.shingle, OED_SHINGLE_WORD);
	ck_assert_uint_eq(mh.k, 3);
	ck_assert_uint_eq(mh.perm, 64);
	ck_assert_uint_eq(mh.bands, 8);
	ck_assert_uint_eq(mh_of("jaccard:0.5", 0).bands, 64);
	ck_assert_uint_eq(mh_of("jaccard:1", 0).bands, 1);
	ck_assert_uint_eq(mh_of("jaccard:0.05,perm=16", 0).bands, 16);

	/* auto bands: the most rows whose miss chance at J = t is <= 1e-3 */
	for (t = 0.05; t <= 1.0; t += 0.05)
		for (p = 16; p <= 1024; p *= 2) {
			b = oed_minhash_auto_bands(t, p);
			r = p / b;
			ck_assert(r == 1 || pow(1 - pow(t, r), b) <= 1e-3);
			ck_assert(r == p || pow(1 - pow(t, r + 1), p / (r + 1)) > 1e-3);
		}

	ck_assert_int_eq(oed_minhash_parse("cosine:0.8", 0, &mh, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg,
	    "--cluster: unknown mode 'cosine'; choices: jaccard");
	ck_assert_int_eq(oed_minhash_parse("jacard:0.8", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg,
	    "--cluster: unknown mode 'jacard'; did you mean 'jaccard'? choices: jaccard");
	ck_assert_int_eq(oed_minhash_parse("jaccard", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg, "--cluster: 'jaccard' has no threshold: MODE:T, like jaccard:0.8");
	ck_assert_int_eq(oed_minhash_parse("jaccard:0", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg, "--cluster: threshold '0' is not a number above 0 and at most 1");
	ck_assert_int_eq(oed_minhash_parse("jaccard:1.5", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:nan", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8x", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,shingle=byte:3", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg,
	    "--cluster: shingle 'byte:3' is not char:K or word:K with K from 1 to 32");
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,shingle=char:33", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,shingle=char:0", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,perm=0", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg, "--cluster: perm '0' is not a whole number from 1 to 1024");
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,perm=2000", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,perm=64,bands=65", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg, "--cluster: bands=65 is more than perm=64");
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,bands=x", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg, "--cluster: bands 'x' is not a whole number from 1 to perm");
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,rows=4", 0, &mh, &err), -1);
	ck_assert_str_eq(err.msg,
	    "--cluster: unknown setting 'rows=4' (expected shingle=, perm= or bands=)");
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,", 0, &mh, &err), -1);
	ck_assert_int_eq(oed_minhash_parse("jaccard:0.8,perm", 0, &mh, &err), -1);
}
END_TEST

/* ---- limits ---- */

START_TEST(any_bytes)
{
	static const char *const specs[] = { "jaccard:0.5,shingle=char:1,perm=1",
		"jaccard:0.5,shingle=char:32,perm=1024", "jaccard:0.5,shingle=word:32,perm=7",
		"jaccard:0.5,shingle=word:1" };
	uint64_t sig[1024], seed = 5;
	unsigned char buf[300];
	size_t i, j, len, k;

	for (k = 0; k < NELEM(specs); k++) {
		struct oed_minhash mh = mh_of(specs[k], k);

		for (i = 0; i < 3000; i++) {
			len = rng_next(&seed) % sizeof(buf);
			for (j = 0; j < len; j++)
				buf[j] = (unsigned char)(rng_next(&seed) % 4 == 0 ? ' ' : rng_next(&seed));
			oed_minhash_signature(&mh, (const char *)buf, len, sig);
		}
	}
}
END_TEST

START_TEST(throughput)
{
	static const char *const specs[] = { "jaccard:0.8,perm=64", "jaccard:0.8,perm=128",
		"jaccard:0.8,shingle=word:1,perm=64", "jaccard:0.8,shingle=word:1,perm=128",
		"jaccard:0.8,shingle=word:3,perm=128" };
	struct timespec t0, t1;
	static char text[8192];
	uint64_t seed = 3, sig[128], *sigs, acc = 0;
	uint32_t *cl;
	size_t i, k, len, reps = 4000, n = 2000, round;
	char **g;
	double secs, best;

	make_vocab();
	random_text(text, 180, &seed);
	text[1024] = '\0';
	len = strlen(text);
	for (k = 0; k < NELEM(specs); k++) {
		struct oed_minhash mh = mh_of(specs[k], 1);

		/* the best of five rounds: the machine may be busy */
		best = HUGE_VAL;
		for (round = 0; round < 5; round++) {
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
			for (i = 0; i < reps; i++) {
				oed_minhash_signature(&mh, text, len, sig);
				acc += sig[i % mh.perm];
			}
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
			secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			best = secs < best ? secs : best;
		}
		printf("minhash signature %-36s %6.0f MB/s on %zu-byte texts\n", specs[k],
		    (double)len * (double)reps / best / 1e6, len);
	}
	ck_assert_uint_ne(acc, 0);

	{
		struct oed_minhash mh = mh_of("jaccard:0.5", 1);

		g = make_group(n, 200, &seed);
		sigs = malloc(n * 128 * sizeof(uint64_t));
		cl = malloc(n * sizeof(uint32_t));
		for (i = 0; i < n; i++)
			oed_minhash_signature(&mh, g[i], strlen(g[i]), sigs + i * 128);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		ck_assert_int_eq(oed_cluster_group(&mh, sigs, n, 0.5, cl), 0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("cluster group of %zu outputs (LSH, %u bands): %.1f ms\n", n, mh.bands,
		    secs * 1e3);
		free_group(g, n);
		free(sigs);
		free(cl);
	}
}
END_TEST

static Suite *
minhash_suite(void)
{
	Suite *s = suite_create("minhash");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, parse_spec);
	tcase_add_test(tc, table_in_man_pages);
	tcase_add_test(tc, signature_properties);
	tcase_add_test(tc, estimate_long_texts);
	tcase_add_test(tc, estimate_short_texts);
	tcase_add_test(tc, cluster_identical_and_disjoint);
	tcase_add_test(tc, cluster_small_groups);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, cluster_large_groups);
	tcase_add_test(tc, any_bytes);
	tcase_add_test(tc, throughput);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(minhash_suite());
	int failed;

	oed_diag_init("check_minhash");
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
