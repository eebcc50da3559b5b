/*
 * engine_priv.h: what engine.c (counting), state.c (states) and results.c
 * (quantities and records) share, and nothing outside lib/info sees: the
 * engine's insides and the map of MinHash signatures behind --cluster.
 */
#ifndef OED_INFO_ENGINE_PRIV_H
#define OED_INFO_ENGINE_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "counts.h"
#include "engine.h"
#include "lenstats.h"
#include "map.h"
#include "equiv/extract.h"
#include "equiv/minhash.h"
#include "equiv/normalize.h"
#include "tokenizer.h"
#include "waste.h"

/* The MinHash signature of each distinct (x, class) pair, for --cluster. */
struct oed_sigmap {
	struct oed_map at;	/* pair key -> entry; a key taken by another pair moves on */
	uint64_t *kx, *ky;	/* entry i is the pair (kx[i], ky[i]) ... */
	uint64_t *sig;		/* ... with signature sig[i * perm .. (i + 1) * perm) */
	size_t used, cap;	/* entries, and room for them */
	unsigned perm;
};

struct oed_sigmap *oed_sigmap_new(unsigned perm);
void oed_sigmap_free(struct oed_sigmap *m);
/* The signature of (x, y), or NULL. */
const uint64_t *oed_sigmap_get(const struct oed_sigmap *m, uint64_t x, uint64_t y);
/* Keep sig for (x, y) unless one is kept; 0 or -1 (out of memory). */
int oed_sigmap_put(struct oed_sigmap *m, uint64_t x, uint64_t y, const uint64_t *sig);

/* Strings of struct oed_engine_params the engine copies: 12 today. */
#define OED_ENGINE_OWN 16

struct oed_engine {
	struct oed_engine_params p;
	char *own[OED_ENGINE_OWN];	/* copies of p's strings */
	bool own_failed;		/* a copy could not be made */
	bool emp;			/* empowerment: z = state, x = action, y = next */
	bool has_z;			/* the zxy table is kept */
	const char *xf, *yf, *zf;	/* the fields in the x, y and z roles */
	int ix, iy, iz, iw, icf;	/* reader field indices, -1 when not read */
	uint64_t missing_key, nomatch_key;

	bool has_norm;
	struct oed_norm norm;
	struct oed_norm_scratch nsc;
	struct oed_extract *ex;
	bool has_mh;
	struct oed_minhash mh;
	char cluster_spec[160];
	struct oed_sigmap *sigs;
	uint64_t *sigbuf;
	struct oed_tokenizer *tok;
	const char *encoding;

	struct oed_tab xy, zxy;
	struct oed_lenhist chars, tokens;
	struct oed_waste_tab waste;	/* --waste */
	struct oed_names names;
	uint64_t records;		/* records counted (weight 0 included) */

	/*
	 * With names, for entropy.group: the text of each input's "input"
	 * field (inputs, by x), and each input's running mode, the class
	 * with the largest count so far (ties: the smallest key), whose
	 * output text is kept in modes by oed_pair_key(x, class).  Counts
	 * only grow, so the running mode at the end is the mode, and its
	 * text is there whatever the order of records.
	 */
	int iin;			/* reader index of "input", -1 when not read */
	struct oed_names inputs, modes;
	struct oed_map best;		/* x -> index into bests */
	struct oed_best {
		uint64_t y;
		struct oed_count n;
	} *bests;
	size_t nbests, capbests;
};

/* The key of an (input, class) pair in modes. */
static inline uint64_t
oed_pair_key(uint64_t x, uint64_t y)
{
	uint64_t k[2] = { x, y };

	return oed_fingerprint((const char *)k, sizeof(k));
}

/* The parameters a state is made with, in a fixed order; NULL on out of memory. */
json_t *oed_engine_params_json(const struct oed_engine_params *p);

#endif
