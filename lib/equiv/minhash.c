/* minhash.c: --cluster jaccard:T, MinHash signatures and clustering (see minhash.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
/* Inlined: a call per shingle would cost more than the hash itself. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "exit.h"
#include "minhash.h"
#include "jsonw.h"
#include "normalize.h"
#include "splitmix.h"
#include "choice.h"

#define DEFAULT_K 5
#define DEFAULT_PERM 128
/* Probability that a pair exactly at the threshold shares no band. */
#define AUTO_BANDS_MISS 1e-3

/* ---- the spec ---- */

const struct oed_cluster_mode_def oed_cluster_modes[1] = {
	{ "jaccard", "MinHash estimate of the Jaccard similarity of shingle sets >= T" },
};

const struct oed_shingle_def oed_shingles[2] = {
	[OED_SHINGLE_CHAR] = { "char", "K consecutive code points (shingle=char:K, default char:5)" },
	[OED_SHINGLE_WORD] = { "word", "K consecutive words (shingle=word:K)" },
};

static int
parse_uint(const char *s, size_t n, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

unsigned
oed_minhash_auto_bands(double t, unsigned perm)
{
	unsigned r, b;

	for (r = perm; r > 1; r--) {
		b = perm / r;
		if (pow(1 - pow(t, r), b) <= AUTO_BANDS_MISS)
			return b;
	}
	return perm;
}

int
oed_minhash_parse(const char *spec, uint64_t seed, struct oed_minhash *out,
		  struct oed_err *err)
{
	const char *p, *e, *v;
	char tbuf[32], *end;
	size_t n, kn;
	bool bands_set = false;
	double t;

	memset(out, 0, sizeof(*out));
	out->shingle = OED_SHINGLE_CHAR;
	out->k = DEFAULT_K;
	out->perm = DEFAULT_PERM;
	out->seed = seed;
	n = strcspn(spec, ":");
	if (oed_choice_find(OED_CHOICES(oed_cluster_modes), spec, n) < 0)
		return oed_choice_unknown(err, "--cluster", "mode", spec, n, OED_CHOICES(oed_cluster_modes));
	if (spec[n] != ':')
		return oed_err_set(err, OED_EX_USAGE,
		    "--cluster: '%s' has no threshold: MODE:T, like jaccard:0.8", spec);
	p = spec + n + 1;
	n = strcspn(p, ",");
	if (n == 0 || n >= sizeof(tbuf))
		goto bad_t;
	memcpy(tbuf, p, n);
	tbuf[n] = '\0';
	errno = 0;
	t = strtod(tbuf, &end);
	if (errno != 0 || *end != '\0' || !(t > 0 && t <= 1))
		goto bad_t;
	out->threshold = t;
	p += n;
	while (*p == ',') {
		p++;
		n = strcspn(p, ",");
		e = memchr(p, '=', n);
		if (e == NULL)
			goto bad_key;
		v = e + 1;
		kn = (size_t)(e - p);
		if (kn == 7 && memcmp(p, "shingle", 7) == 0) {
			size_t sl = strcspn(v, ":,");
			int sh = oed_choice_find(OED_CHOICES(oed_shingles), v, sl);

			if (sh < 0 || v[sl] != ':')
				goto bad_shingle;
			out->shingle = (enum oed_shingle)sh;
			if (parse_uint(v + sl + 1, (size_t)(p + n - v) - sl - 1, 1, OED_MINHASH_MAX_K, &out->k) == -1)
				goto bad_shingle;
		} else if (kn == 4 && memcmp(p, "perm", 4) == 0) {
			if (parse_uint(v, (size_t)(p + n - v), 1, OED_MINHASH_MAX_PERM, &out->perm) == -1)
				return oed_err_set(err, OED_EX_USAGE,
				    "--cluster: perm '%.*s' is not a whole number from 1 to %d",
				    (int)(p + n - v), v, OED_MINHASH_MAX_PERM);
		} else if (kn == 5 && memcmp(p, "bands", 5) == 0) {
			if (parse_uint(v, (size_t)(p + n - v), 1, OED_MINHASH_MAX_PERM, &out->bands) == -1)
				return oed_err_set(err, OED_EX_USAGE,
				    "--cluster: bands '%.*s' is not a whole number from 1 to perm",
				    (int)(p + n - v), v);
			bands_set = true;
		} else {
			goto bad_key;
		}
		p += n;
	}
	if (*p != '\0')
		goto bad_key;
	if (!bands_set)
		out->bands = oed_minhash_auto_bands(out->threshold, out->perm);
	else if (out->bands > out->perm)
		return oed_err_set(err, OED_EX_USAGE,
		    "--cluster: bands=%u is more than perm=%u", out->bands, out->perm);
	return 0;
bad_t:
	return oed_err_set(err, OED_EX_USAGE,
	    "--cluster: threshold '%.*s' is not a number above 0 and at most 1",
	    (int)(n > 32 ? 32 : n), p);
bad_key:
	return oed_err_set(err, OED_EX_USAGE,
	    "--cluster: unknown setting '%.*s' (expected shingle=, perm= or bands=)",
	    (int)(n > 64 ? 64 : n), p);
bad_shingle:
	return oed_err_set(err, OED_EX_USAGE,
	    "--cluster: shingle '%.*s' is not char:K or word:K with K from 1 to %d",
	    (int)(p + n - v), v, OED_MINHASH_MAX_K);
}

void
oed_minhash_format(const struct oed_minhash *mh, char *out, size_t size)
{
	char t[32];

	/* the threshold as the user would write it: shortest round-trip form */
	oed_fmt_double(t, mh->threshold);
	snprintf(out, size, "jaccard:%s,shingle=%s:%u,perm=%u,bands=%u", t,
	    oed_shingles[mh->shingle].name, mh->k, mh->perm, mh->bands);
}

/* ---- signatures ---- */

struct sketch {
	uint64_t *sig;
	unsigned perm, nfilled;
	uint64_t filled[OED_MINHASH_MAX_PERM / 64];
};

/* Bin from the high 32 bits, so the bin and the low bits stay independent. */
static inline unsigned
bin_of(uint64_t h, unsigned perm)
{
	return (unsigned)(((h >> 32) * perm) >> 32);
}

static inline void
sketch_add(struct sketch *k, uint64_t h)
{
	unsigned b = bin_of(h, k->perm);
	uint64_t bit = 1ULL << (b & 63);

	if (!(k->filled[b >> 6] & bit)) {
		k->filled[b >> 6] |= bit;
		k->nfilled++;
		k->sig[b] = h;
	} else if (h < k->sig[b]) {
		k->sig[b] = h;
	}
}


#define FILLED(k, b) (((k)->filled[(b) >> 6] >> ((b) & 63)) & 1)

/*
 * Optimal densification: an empty bin takes the value of the first
 * filled bin along its own probe sequence.  The sequence depends on the
 * seed and the bin only, never on the text, which is what keeps the
 * estimate unbiased.
 */
static void
densify(struct sketch *k, uint64_t seed)
{
	unsigned i, j, tries;
	uint64_t st;

	if (k->nfilled == 0) {
		/* The empty set: equal to itself, to nothing else. */
		for (i = 0; i < k->perm; i++)
			k->sig[i] = UINT64_MAX;
		return;
	}
	for (i = 0; i < k->perm && k->nfilled < k->perm; i++) {
		if (FILLED(k, i))
			continue;
		st = seed ^ (0xD6E8FEB86659FD93ULL * (i + 1));
		for (tries = 0;; tries++) {
			j = bin_of(oed_splitmix64(&st), k->perm);
			if (FILLED(k, j))
				break;
			/* Never in practice; bounds the loop all the same. */
			if (tries > 64 * k->perm) {
				for (j = (i + 1) % k->perm; !FILLED(k, j); j = (j + 1) % k->perm)
					;
				break;
			}
		}
		k->sig[i] = k->sig[j];
	}
}

static inline void
put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
char_shingles(struct sketch *k, const char *s, size_t len, unsigned K, uint64_t seed)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t ring[OED_MINHASH_MAX_K], ncp = 0, i, a;

	/* i runs over code point boundaries, len included. */
	for (i = 0; i <= len; i++) {
		if (i > 0 && i < len && (p[i] & 0xC0) == 0x80)
			continue;
		if (ncp >= K) {
			a = ring[(ncp - K) % OED_MINHASH_MAX_K];
			sketch_add(k, XXH3_64bits_withSeed(s + a, i - a, seed));
		}
		if (i == len)
			break;
		ring[ncp % OED_MINHASH_MAX_K] = i;
		ncp++;
	}
	/* Shorter than one shingle: the whole text is the shingle. */
	if (ncp > 0 && ncp < K)
		sketch_add(k, XXH3_64bits_withSeed(s, len, seed));
}

static inline size_t
space_at(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp;
	size_t n;

	if (*p < 0x80)
		return *p == ' ' || (*p >= '\t' && *p <= '\r');
	n = oed_utf8_decode(p, end, &cp);
	return n > 0 && oed_uni_white_space(cp) ? n : 0;
}

static void
word_shingles(struct sketch *k, const char *s, size_t len, unsigned K, uint64_t seed)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *w;
	/* Word hashes, little-endian, twice over so any K in a row are contiguous. */
	unsigned char ring[2 * OED_MINHASH_MAX_K * 8];
	uint64_t wseed = seed ^ 0x5851F42D4C957F2DULL, h;
	size_t nw = 0, n, at;

	while (p < end) {
		if ((n = space_at(p, end)) > 0) {
			p += n;
			continue;
		}
		for (w = p; p < end && space_at(p, end) == 0; p++)
			;
		h = XXH3_64bits_withSeed(w, (size_t)(p - w), wseed);
		at = nw % K;
		put_le64(ring + 8 * at, h);
		put_le64(ring + 8 * (at + K), h);
		nw++;
		if (nw >= K)
			sketch_add(k, XXH3_64bits_withSeed(ring + 8 * (nw % K), 8 * K, seed));
	}
	if (nw > 0 && nw < K)
		sketch_add(k, XXH3_64bits_withSeed(ring, 8 * nw, seed));
}

void
oed_minhash_signature(const struct oed_minhash *mh, const char *s, size_t len, uint64_t *sig)
{
	struct sketch k;

	k.sig = sig;
	k.perm = mh->perm;
	k.nfilled = 0;
	memset(k.filled, 0, sizeof(k.filled));
	if (mh->shingle == OED_SHINGLE_WORD)
		word_shingles(&k, s, len, mh->k, mh->seed);
	else
		char_shingles(&k, s, len, mh->k, mh->seed);
	densify(&k, mh->seed ^ 0x2545F4914F6CDD1DULL);
}

double
oed_minhash_similarity(const uint64_t *a, const uint64_t *b, unsigned perm)
{
	unsigned i, same = 0;

	for (i = 0; i < perm; i++)
		same += a[i] == b[i];
	return perm ? (double)same / perm : 1.0;
}

/* ---- clustering ---- */

struct group {
	const uint64_t *sigs;
	unsigned perm, need;
	uint32_t *parent;
};

static uint32_t
find(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];	/* path halving */
		i = parent[i];
	}
	return i;
}

/* Whether outputs a and b agree in at least need slots; stops early. */
static bool
linked(const struct group *g, size_t a, size_t b)
{
	const uint64_t *x = g->sigs + a * g->perm, *y = g->sigs + b * g->perm;
	unsigned i, miss = 0, slack = g->perm - g->need;

	for (i = 0; i < g->perm; i++)
		if (x[i] != y[i] && ++miss > slack)
			return false;
	return true;
}

static void
consider(struct group *g, uint32_t a, uint32_t b)
{
	uint32_t ra = find(g->parent, a), rb = find(g->parent, b);

	if (ra == rb || !linked(g, a, b))
		return;
	if (ra < rb)
		g->parent[rb] = ra;
	else
		g->parent[ra] = rb;
}

struct bucket {
	uint64_t key;
	uint32_t idx;
};

static int
bucket_cmp(const void *pa, const void *pb)
{
	const struct bucket *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int
lsh_candidates(struct group *g, size_t n, unsigned bands)
{
	unsigned rows = g->perm / bands, b;
	struct bucket *bk;
	size_t i, lo, hi, x, y;

	if ((bk = malloc(n * sizeof(*bk))) == NULL)
		return -1;
	for (b = 0; b < bands; b++) {
		for (i = 0; i < n; i++) {
			bk[i].key = XXH3_64bits_withSeed(g->sigs + i * g->perm + (size_t)b * rows,
			    rows * sizeof(uint64_t), b);
			bk[i].idx = (uint32_t)i;
		}
		qsort(bk, n, sizeof(*bk), bucket_cmp);
		for (lo = 0; lo < n; lo = hi) {
			for (hi = lo + 1; hi < n && bk[hi].key == bk[lo].key; hi++)
				;
			for (x = lo + 1; x < hi; x++)
				for (y = lo; y < x; y++)
					consider(g, bk[y].idx, bk[x].idx);
		}
	}
	free(bk);
	return 0;
}

static int
sig_cmp(const struct group *g, uint32_t a, uint32_t b)
{
	const uint64_t *x = g->sigs + (size_t)a * g->perm, *y = g->sigs + (size_t)b * g->perm;
	unsigned i;

	for (i = 0; i < g->perm; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Stable merge sort of indices by signature (qsort has no context). */
static void
sort_by_sig(const struct group *g, uint32_t *v, uint32_t *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	sort_by_sig(g, v, tmp, mid);
	sort_by_sig(g, v + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = sig_cmp(g, v[i], v[j]) <= 0 ? v[i++] : v[j++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

int
oed_cluster_group(const struct oed_minhash *mh, const uint64_t *sigs, size_t n,
		  double threshold, uint32_t *cluster_of)
{
	struct group g;
	uint32_t *order = NULL, *tmp = NULL, *label = NULL, next = 0, r;
	size_t i, j;
	double need;
	int rc = -1;

	if (n == 0)
		return 0;
	if (n > UINT32_MAX)
		return -1;
	g.sigs = sigs;
	g.perm = mh->perm;
	/* The least number of equal slots whose fraction reaches the threshold. */
	need = ceil(threshold * mh->perm - 1e-9);
	g.need = need < 1 ? 1 : need > mh->perm ? mh->perm : (unsigned)need;
	g.parent = malloc(n * sizeof(*g.parent));
	order = malloc(n * sizeof(*order));
	tmp = malloc(n * sizeof(*tmp));
	label = malloc(n * sizeof(*label));
	if (g.parent == NULL || order == NULL || tmp == NULL || label == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		g.parent[i] = (uint32_t)i;
		order[i] = (uint32_t)i;
		label[i] = UINT32_MAX;
	}
	if (n <= OED_CLUSTER_EXACT_MAX) {
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				consider(&g, (uint32_t)j, (uint32_t)i);
	} else if (lsh_candidates(&g, n, mh->bands ? mh->bands : 1) == -1) {
		goto out;
	}
	/* Number the components by their smallest signature. */
	sort_by_sig(&g, order, tmp, n);
	for (i = 0; i < n; i++) {
		r = find(g.parent, order[i]);
		if (label[r] == UINT32_MAX)
			label[r] = next++;
		cluster_of[order[i]] = label[r];
	}
	rc = 0;
out:
	free(g.parent);
	free(order);
	free(tmp);
	free(label);
	return rc;
}
