/*
 * minhash.h: --cluster jaccard:T, outputs whose shingle sets are similar
 * enough (estimated Jaccard similarity >= T) fall in one class.  A fast,
 * model-free stand-in for semantic clustering (man/oed-equivalence.txt).
 *
 * Two parts, because the engine streams:
 *
 *   oed_minhash_signature   on the hot path: P 64-bit values per output,
 *                           a function of the text, the parameters and the
 *                           seed only, so signatures from different runs,
 *                           shards or threads can be compared and merged.
 *                           It never allocates.
 *   oed_cluster_group       once per input x, over the signatures of its
 *                           distinct outputs: links outputs whose
 *                           signatures agree in at least ceil(T * P)
 *                           slots and returns connected components.
 *
 * Signatures are one-permutation MinHash with optimal densification
 * (Shrivastava, ICML 2017): each shingle is hashed once and kept in one
 * of P bins if it is the bin's minimum; bins left empty borrow the value
 * of a filled bin chosen by a seeded probe sequence that depends only on
 * the bin, so two texts borrow alike.  The fraction of equal slots
 * estimates the Jaccard similarity of the two shingle sets, unbiased, with
 * a standard error near sqrt(J (1 - J) / P).
 */
#ifndef OED_MINHASH_H
#define OED_MINHASH_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum oed_shingle {
	OED_SHINGLE_CHAR,	/* K consecutive code points */
	OED_SHINGLE_WORD,	/* K consecutive words (runs without White_Space) */
};

/*
 * The families --cluster takes: similarity modes (MODE:T) and shingle
 * kinds, one row each, read by the parser, --help and the man page check.
 */
struct oed_cluster_mode_def {
	const char *name;
	const char *help;
};
extern const struct oed_cluster_mode_def oed_cluster_modes[1];
struct oed_shingle_def {
	const char *name;	/* indexed by enum oed_shingle */
	const char *help;
};
extern const struct oed_shingle_def oed_shingles[2];

#define OED_MINHASH_MAX_PERM 1024
#define OED_MINHASH_MAX_K 32

struct oed_minhash {
	double threshold;	/* T in (0, 1] */
	enum oed_shingle shingle;
	unsigned k;		/* shingle size, 1 .. OED_MINHASH_MAX_K */
	unsigned perm;		/* P, signature slots, 1 .. OED_MINHASH_MAX_PERM */
	unsigned bands;		/* LSH bands B, 1 .. P; rows per band P / B */
	uint64_t seed;
};

/*
 * Parse "jaccard:T[,shingle=char:K|word:K][,perm=P][,bands=B]"; seed is
 * the tool's --seed.  Defaults: shingle=char:5, perm=128, bands chosen
 * from T and P (oed_minhash_auto_bands).  0, or -1 with err set
 * (OED_EX_USAGE).
 */
int oed_minhash_parse(const char *spec, uint64_t seed, struct oed_minhash *out,
		      struct oed_err *err);
/* The full spec with every default filled in; size 128 suffices. */
void oed_minhash_format(const struct oed_minhash *mh, char *out, size_t size);
/*
 * The bands for threshold t and perm slots: the most rows per band (the
 * fewest chance candidates) that still makes two outputs of Jaccard
 * similarity exactly t share a band with probability at least 0.999.
 */
unsigned oed_minhash_auto_bands(double t, unsigned perm);

/* Fill sig[0 .. mh->perm) for s[0..len).  Any bytes; no allocation. */
void oed_minhash_signature(const struct oed_minhash *mh, const char *s, size_t len,
			   uint64_t *sig);
/* Estimated Jaccard similarity: the fraction of equal slots. */
double oed_minhash_similarity(const uint64_t *a, const uint64_t *b, unsigned perm);

/*
 * Cluster n outputs of one input.  sigs holds n signatures of mh->perm
 * values each, one after the other.  Two outputs are linked when their
 * signatures agree in at least ceil(threshold * perm) slots; clusters are
 * the connected components.  cluster_of[i] receives output i's cluster,
 * numbered 0, 1, ... in the order of each cluster's smallest signature
 * (compared slot by slot as unsigned integers), so the numbering does
 * not depend on the order of sigs.
 *
 * Candidates: every pair when n <= OED_CLUSTER_EXACT_MAX; above that only
 * pairs that agree on all rows of at least one of mh->bands bands (LSH),
 * each candidate then verified as above.  0, or -1 when out of memory.
 */
#define OED_CLUSTER_EXACT_MAX 256
int oed_cluster_group(const struct oed_minhash *mh, const uint64_t *sigs, size_t n,
		      double threshold, uint32_t *cluster_of);

#endif
