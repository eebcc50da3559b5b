/*
 * keys.c: a source's scored ids and the claims on them (internal.h).
 *
 * An id is kept as a 128-bit hash of its source and text.  Scored ids
 * live in sorted segments, each cut into chunks of up to CHUNK_KEYS keys
 * (monitor_key_chunks).  A run writes what it scored as one new segment
 * and merges it with the newer segments not much larger than it, so a
 * source keeps a handful of segments of growing size and an id is
 * rewritten a few times in its life, never once per run: a run's writes
 * are its own ids, not pages all over a B-tree of every id.
 *
 * A look-up finds a key's chunk by the chunks' first keys (read once per
 * run, a few kilobytes), reads the chunk once and keeps it, up to
 * CACHE_BYTES: a run that meets most of the store reads it once, in
 * large pieces, instead of walking a B-tree per item.
 *
 * Claims are sets of one scoring batch each (monitor_claim_sets), marked
 * scored whole, with a lease while claimed.
 *
 * Two ids whose 128-bit hashes agree are taken as one: for a source of n
 * ids the chance that any two do is about n^2 / 2^129 (10^-21 at 10^9).
 */
#include "config.h"

#include "internal.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "exit.h"

enum {
	CHUNK_KEYS = 2048,		/* keys per chunk: 32 KB */
	KEY_BYTES = 16,
	FOLD_KEYS = 1 << 20,		/* text ids hashed and sorted at a time when folding */
	GROWTH = 3,			/* a segment merges into a newer one at most GROWTH times its size */
};
#define CACHE_BYTES ((size_t)256 << 20)

struct chunk {
	int64_t row;
	uint32_t n;
	struct oed_mon_key *keys;	/* NULL until read */
};

struct segment {
	uint64_t n;
	size_t nchunks;
	struct oed_mon_key *first;	/* [nchunks]: each chunk's first key */
	struct chunk *chunks;
};

struct claim {
	struct oed_mon_key key;
	int64_t lease;			/* 0: scored */
};

struct oed_mon_keys {
	struct oed_store *store;
	int64_t source;
	int64_t version;		/* PRAGMA data_version when loaded; -1: load again */
	bool tables;			/* the store has monitor_key_chunks (an older one, read only, may not) */
	bool old;			/* the older tables hold some of the source's ids */
	struct segment *segs;		/* largest first: most look-ups that find end in the first */
	size_t nsegs;
	struct claim *claims;		/* sorted */
	size_t nclaims;
	size_t cached;			/* bytes of chunks kept */
	size_t budget;			/* bytes of chunks kept at most */
	uint64_t epoch;			/* counts the times the chunks kept were dropped */
	sqlite3_stmt *read_chunk, *old_lookup;
};

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

struct oed_mon_key
oed_mon_key_of(int64_t source_id, const char *id, size_t len)
{
	XXH128_hash_t v = XXH3_128bits_withSeed(id, len, (uint64_t)source_id);

	/* a, the low half, was the key of the table these replace: folding keeps its order */
	return (struct oed_mon_key){ v.low64, v.high64 };
}

static inline int
key_cmp(struct oed_mon_key x, struct oed_mon_key y)
{
	if (x.a != y.a)
		return x.a < y.a ? -1 : 1;
	return x.b < y.b ? -1 : x.b > y.b;
}

static int
by_key(const void *x, const void *y)
{
	return key_cmp(*(const struct oed_mon_key *)x, *(const struct oed_mon_key *)y);
}

/* Sort and drop repeats; the new count. */
static size_t
sort_unique(struct oed_mon_key *v, size_t n)
{
	size_t w = 0;

	qsort(v, n, sizeof(*v), by_key);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || key_cmp(v[w - 1], v[i]) != 0)
			v[w++] = v[i];
	return w;
}

/* Stored big-endian, a then b: the bytes sort as the keys do. */
static inline void
put64(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static inline uint64_t
get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static void
encode(unsigned char *out, const struct oed_mon_key *v, size_t n)
{
	for (size_t i = 0; i < n; i++, out += KEY_BYTES) {
		put64(out, v[i].a);
		put64(out + 8, v[i].b);
	}
}

static void
decode(struct oed_mon_key *v, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n; i++, in += KEY_BYTES) {
		v[i].a = get64(in);
		v[i].b = get64(in + 8);
	}
}

/* A blob of keys as a malloc'd array; *n its count.  -1 with err when it is not one. */
static int
blob_keys(struct oed_mon_keys *k, sqlite3_stmt *st, int col, struct oed_mon_key **v, size_t *n,
	  struct oed_err *err)
{
	const unsigned char *p = sqlite3_column_blob(st, col);
	size_t bytes = (size_t)sqlite3_column_bytes(st, col);

	(void)k;
	*v = NULL;
	*n = bytes / KEY_BYTES;
	if (bytes % KEY_BYTES)
		return oed_err_set(err, OED_EX_FAIL, "store: a set of scored ids is damaged (%zu bytes)", bytes);
	if ((*v = malloc((*n ? *n : 1) * sizeof(**v))) == NULL)
		return nomem(err);
	decode(*v, p, *n);
	return 0;
}

static int64_t
data_version(struct oed_store *s)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(oed_store_db(s), "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool
has_table(struct oed_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(oed_store_db(s), "SELECT 1 FROM sqlite_master WHERE name = ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

struct oed_mon_keys *
oed_mon_keys_new(struct oed_store *s, int64_t source_id)
{
	struct oed_mon_keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->store = s;
	k->source = source_id;
	k->version = -1;
	k->budget = CACHE_BYTES;
	k->tables = has_table(s, "monitor_key_chunks");
	/*
	 * Up to 64 MB of the store's pages kept, and the file read through a
	 * map rather than copied page by page.  Best effort.
	 */
	sqlite3_exec(oed_store_db(s), "PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824", NULL,
		     NULL, NULL);
	return k;
}

void
oed_mon_keys_budget(struct oed_mon_keys *k, size_t bytes)
{
	k->budget = bytes;
}

static void
unload(struct oed_mon_keys *k)
{
	for (size_t i = 0; i < k->nsegs; i++) {
		for (size_t c = 0; c < k->segs[i].nchunks; c++)
			free(k->segs[i].chunks[c].keys);
		free(k->segs[i].chunks);
		free(k->segs[i].first);
	}
	free(k->segs);
	free(k->claims);
	k->segs = NULL;
	k->claims = NULL;
	k->nsegs = k->nclaims = 0;
	k->cached = 0;
	k->epoch++;
	k->version = -1;
}

void
oed_mon_keys_free(struct oed_mon_keys *k)
{
	if (k == NULL)
		return;
	unload(k);
	sqlite3_finalize(k->read_chunk);
	sqlite3_finalize(k->old_lookup);
	free(k);
}

static int
by_size(const void *x, const void *y)
{
	const struct segment *s = x, *t = y;

	return s->n > t->n ? -1 : s->n < t->n;
}

static int
by_claim(const void *x, const void *y)
{
	const struct claim *s = x, *t = y;

	return key_cmp(s->key, t->key);
}

/* The chunks' first keys, by segment. */
static int
load_segments(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "SELECT segment, id, first, n FROM monitor_key_chunks"
					     " WHERE source_id = ? ORDER BY segment, first", err);
	int64_t seg = 0;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct segment *s;

		if (k->nsegs == 0 || sqlite3_column_int64(st, 0) != seg) {
			struct segment *v = realloc(k->segs, (k->nsegs + 1) * sizeof(*v));

			if (v == NULL)
				goto nomem;
			k->segs = v;
			memset(&v[k->nsegs++], 0, sizeof(*v));
			seg = sqlite3_column_int64(st, 0);
			cap = 0;
		}
		s = &k->segs[k->nsegs - 1];
		if (s->nchunks == cap) {
			size_t c2 = cap ? cap * 2 : 64;
			struct chunk *c = realloc(s->chunks, c2 * sizeof(*c));
			struct oed_mon_key *f;

			if (c == NULL)
				goto nomem;
			s->chunks = c;
			if ((f = realloc(s->first, c2 * sizeof(*f))) == NULL)
				goto nomem;
			s->first = f;
			cap = c2;
		}
		if (sqlite3_column_bytes(st, 2) != KEY_BYTES || sqlite3_column_int64(st, 3) <= 0 ||
		    sqlite3_column_int64(st, 3) > CHUNK_KEYS) {
			sqlite3_finalize(st);
			return oed_err_set(err, OED_EX_FAIL, "store: a chunk of scored ids is damaged (row %lld)",
					   (long long)sqlite3_column_int64(st, 1));
		}
		decode(&s->first[s->nchunks], sqlite3_column_blob(st, 2), 1);
		s->chunks[s->nchunks].row = sqlite3_column_int64(st, 1);
		s->chunks[s->nchunks].n = (uint32_t)sqlite3_column_int64(st, 3);
		s->chunks[s->nchunks].keys = NULL;
		s->n += s->chunks[s->nchunks].n;
		s->nchunks++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oed_store_fail(k->store, err, "cannot read the scored ids");
	qsort(k->segs, k->nsegs, sizeof(*k->segs), by_size);
	return 0;
nomem:
	sqlite3_finalize(st);
	return nomem(err);
}

static int
load_claims(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "SELECT scored, lease, keys FROM monitor_claim_sets"
					     " WHERE source_id = ?", err);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t lease = sqlite3_column_int(st, 0) ? 0 : sqlite3_column_int64(st, 1);
		struct oed_mon_key *v;
		size_t n;

		if (sqlite3_column_int(st, 0) == 0 && lease <= 0)
			continue;	/* an odd claim with no time left: nobody's */
		if (blob_keys(k, st, 2, &v, &n, err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
		if (k->nclaims + n > cap) {
			size_t c2 = cap ? cap * 2 : 1024;
			struct claim *c;

			while (c2 < k->nclaims + n)
				c2 *= 2;
			if ((c = realloc(k->claims, c2 * sizeof(*c))) == NULL) {
				free(v);
				sqlite3_finalize(st);
				return nomem(err);
			}
			k->claims = c;
			cap = c2;
		}
		for (size_t i = 0; i < n; i++)
			k->claims[k->nclaims++] = (struct claim){ v[i], lease };
		free(v);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oed_store_fail(k->store, err, "cannot read the claims");
	qsort(k->claims, k->nclaims, sizeof(*k->claims), by_claim);
	return 0;
}

/* Whether the older tables hold anything of the source. */
static int
load_old(struct oed_mon_keys *k, struct oed_err *err)
{
	static const char *const sql[] = {
		"SELECT 1 FROM monitor_claims WHERE source_id = ? LIMIT 1",
		"SELECT 1 FROM monitor_scored_ids WHERE source_id = ? LIMIT 1",
		"SELECT 1 FROM monitor_scored WHERE source_id = ? LIMIT 1",
	};

	k->old = false;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && !k->old; i++) {
		sqlite3_stmt *st = oed_store_prepare(k->store, sql[i], err);
		int rc;

		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, k->source);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			k->old = true;
		else if (rc != SQLITE_DONE)
			return oed_store_fail(k->store, err, "cannot read the scored ids");
	}
	return 0;
}

int
oed_mon_keys_sync(struct oed_mon_keys *k, struct oed_err *err)
{
	int64_t v = data_version(k->store);

	if (v != -1 && v == k->version)
		return 0;
	unload(k);
	if ((k->tables && (load_segments(k, err) == -1 || load_claims(k, err) == -1)) || load_old(k, err) == -1) {
		unload(k);
		return -1;
	}
	k->version = v;
	return 1;
}

/* Read chunk c, dropping the chunks kept when they would pass the budget. */
static int
read_chunk(struct oed_mon_keys *k, struct chunk *c, struct oed_err *err)
{
	size_t bytes = (size_t)c->n * sizeof(*c->keys);
	const unsigned char *p;
	int rc;

	if (k->cached + bytes > k->budget) {
		for (size_t i = 0; i < k->nsegs; i++)
			for (size_t j = 0; j < k->segs[i].nchunks; j++) {
				free(k->segs[i].chunks[j].keys);
				k->segs[i].chunks[j].keys = NULL;
			}
		k->cached = 0;
		k->epoch++;
	}
	if (k->read_chunk == NULL &&
	    (k->read_chunk = oed_store_prepare(k->store, "SELECT keys FROM monitor_key_chunks WHERE id = ?",
					       err)) == NULL)
		return -1;
	sqlite3_reset(k->read_chunk);
	sqlite3_bind_int64(k->read_chunk, 1, c->row);
	if ((rc = sqlite3_step(k->read_chunk)) != SQLITE_ROW) {
		sqlite3_reset(k->read_chunk);
		if (rc == SQLITE_DONE)
			return oed_err_set(err, OED_EX_FAIL, "store: a chunk of scored ids is missing (row %lld)",
					   (long long)c->row);
		return oed_store_fail(k->store, err, "cannot read the scored ids");
	}
	p = sqlite3_column_blob(k->read_chunk, 0);
	if ((size_t)sqlite3_column_bytes(k->read_chunk, 0) != (size_t)c->n * KEY_BYTES) {
		sqlite3_reset(k->read_chunk);
		return oed_err_set(err, OED_EX_FAIL, "store: a chunk of scored ids is damaged (row %lld)",
				   (long long)c->row);
	}
	if ((c->keys = malloc(bytes)) == NULL) {
		sqlite3_reset(k->read_chunk);
		return nomem(err);
	}
	decode(c->keys, p, c->n);
	sqlite3_reset(k->read_chunk);
	k->cached += bytes;
	return 0;
}

/*
 * Where in chunk c key would be, guessed from where key.a falls between
 * the chunk's ends (the keys are hashes, spread evenly); n when key is
 * outside them.
 */
static inline size_t
guess(const struct chunk *c, struct oed_mon_key key)
{
	const struct oed_mon_key *v = c->keys;
	size_t n = c->n;

	if (key_cmp(key, v[0]) < 0 || key_cmp(key, v[n - 1]) > 0)
		return n;
	return (size_t)((unsigned __int128)(key.a - v[0].a) * (n - 1) /
			((unsigned __int128)(v[n - 1].a - v[0].a) + 1));
}

/*
 * Whether chunk c holds key, from guess g: two more guesses between the
 * bounds learnt (an interpolation search: about log log n steps on even
 * keys), then a binary search of what is left, so that a look-up touches
 * two or three cache lines of the chunk rather than a dozen.  Keys bunched
 * on purpose cost the binary search's log n, never more.
 */
static bool
chunk_has(const struct chunk *c, struct oed_mon_key key, size_t g)
{
	const struct oed_mon_key *v = c->keys;
	size_t lo = 0, hi = c->n;		/* if anywhere, key is in v[lo..hi) */
	uint64_t alo = v[0].a, ahi = v[c->n - 1].a;

	if (g >= c->n)
		return false;
	for (int step = 0;; step++) {
		int r = key_cmp(v[g], key);

		if (r == 0)
			return true;
		if (r < 0) {
			lo = g + 1;
			alo = v[g].a;
		} else {
			hi = g;
			ahi = v[g].a;
		}
		if (step == 2 || hi - lo < 8)
			break;
		g = lo + (size_t)((unsigned __int128)(key.a - alo) * (hi - lo) / ((unsigned __int128)(ahi - alo) + 1));
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = key_cmp(v[mid], key);

		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The chunk of segment s that would hold key, read if need be: NULL when none could, or on error (*failed). */
static struct chunk *
locate(struct oed_mon_keys *k, struct segment *s, struct oed_mon_key key, struct oed_err *err, bool *failed)
{
	size_t lo = 0, hi = s->nchunks;
	struct chunk *c;

	*failed = false;
	if (s->nchunks == 0 || key_cmp(key, s->first[0]) < 0)
		return NULL;
	/* the last chunk whose first key is at most key */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(s->first[mid], key) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	c = &s->chunks[lo];
	if (c->keys == NULL && read_chunk(k, c, err) == -1) {
		*failed = true;
		return NULL;
	}
	return c;
}

/* The older tables, one statement per id: only until a run folds them in. */
static int
old_find(struct oed_mon_keys *k, struct oed_mon_key key, const char *id, size_t len, int64_t now,
	 struct oed_err *err)
{
	sqlite3_stmt *st;
	int rc, found = OED_MON_KEY_NEW;

	if (k->old_lookup == NULL &&
	    (k->old_lookup = oed_store_prepare(k->store,
					       "SELECT 1, 0 FROM monitor_scored WHERE key = ?3 AND source_id = ?1"
					       " AND chk = ?4"
					       " UNION ALL SELECT scored, lease FROM monitor_claims"
					       " WHERE source_id = ?1 AND item = ?2"
					       " UNION ALL SELECT 1, 0 FROM monitor_scored_ids"
					       " WHERE source_id = ?1 AND item = ?2 LIMIT 1", err)) == NULL)
		return -1;
	st = k->old_lookup;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, k->source);
	sqlite3_bind_text(st, 2, id, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)key.a);
	sqlite3_bind_int64(st, 4, (int64_t)key.b);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) != 0)
			found = OED_MON_KEY_SCORED;
		else if (sqlite3_column_int64(st, 1) > now)
			found = OED_MON_KEY_HELD;
	} else if (rc != SQLITE_DONE) {
		found = oed_store_fail(k->store, err, "cannot look up scored items");
	}
	sqlite3_reset(st);
	return found;
}

/*
 * Find key, given its chunk c in the largest segment and the guess g
 * there (c NULL: that segment cannot hold it).
 */
static int
find_from(struct oed_mon_keys *k, struct oed_mon_key key, const struct chunk *c, size_t g, const char *id,
	  size_t len, int64_t now, struct oed_err *err)
{
	bool held = false;

	if (k->nclaims) {
		size_t lo = 0, hi = k->nclaims;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (key_cmp(k->claims[mid].key, key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < k->nclaims && key_cmp(k->claims[lo].key, key) == 0; lo++) {
			if (k->claims[lo].lease == 0)
				return OED_MON_KEY_SCORED;
			if (k->claims[lo].lease > now)
				held = true;
		}
	}
	if (c && chunk_has(c, key, g))
		return OED_MON_KEY_SCORED;
	for (size_t i = 1; i < k->nsegs; i++) {
		bool failed;
		const struct chunk *d = locate(k, &k->segs[i], key, err, &failed);

		if (failed)
			return -1;
		if (d && chunk_has(d, key, guess(d, key)))
			return OED_MON_KEY_SCORED;
	}
	if (k->old) {
		int r = old_find(k, key, id, len, now, err);

		if (r != OED_MON_KEY_NEW)
			return r;
	}
	return held ? OED_MON_KEY_HELD : OED_MON_KEY_NEW;
}

int
oed_mon_keys_find(struct oed_mon_keys *k, struct oed_mon_key key, const char *id, size_t len, int64_t now,
		  struct oed_err *err)
{
	const struct chunk *c = NULL;
	bool failed = false;

	if (k->nsegs && (c = locate(k, &k->segs[0], key, err, &failed)) == NULL && failed)
		return -1;
	return find_from(k, key, c, c ? guess(c, key) : 0, id, len, now, err);
}

/*
 * Items v[0..n) at once, each one's answer in found[]: the first guess of
 * the look-up a few items ahead is fetched from memory while this one is
 * searched, so that the cache misses overlap instead of following each
 * other.
 */
int
oed_mon_keys_find_many(struct oed_mon_keys *k, struct oed_mon_item *const *v, size_t n, int64_t now, int *found,
		       struct oed_err *err)
{
	enum { AHEAD = 16 };
	struct {
		const struct chunk *c;
		size_t g;
		uint64_t epoch;
	} ring[AHEAD];

	for (size_t i = 0; i < n + AHEAD; i++) {
		if (i >= AHEAD) {
			size_t j = i - AHEAD, r = j % AHEAD;

			/* its chunk may have been dropped since, to make room */
			if (ring[r].epoch == k->epoch)
				found[j] = find_from(k, v[j]->hash, ring[r].c, ring[r].g, v[j]->id, v[j]->idlen, now,
						     err);
			else
				found[j] = oed_mon_keys_find(k, v[j]->hash, v[j]->id, v[j]->idlen, now, err);
			if (found[j] == -1)
				return -1;
		}
		if (i < n) {
			struct oed_mon_key key = v[i]->hash;
			const struct chunk *c = NULL;
			bool failed = false;
			size_t r = i % AHEAD;

			if (k->nsegs && (c = locate(k, &k->segs[0], key, err, &failed)) == NULL && failed)
				return -1;
			ring[r].c = c;
			ring[r].g = c ? guess(c, key) : 0;
			ring[r].epoch = k->epoch;
			if (c && ring[r].g < c->n)
				__builtin_prefetch(&c->keys[ring[r].g]);
		}
	}
	return 0;
}

/* ---- writing: inside the caller's transaction ---- */

static int
step_done(struct oed_mon_keys *k, sqlite3_stmt *st, const char *what, struct oed_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return oed_store_fail(k->store, err, what);
	return 0;
}

static int
insert_set(struct oed_mon_keys *k, int64_t run, bool scored, int64_t lease, const struct oed_mon_key *v,
	   size_t n, int64_t *row, struct oed_err *err)
{
	sqlite3_stmt *st;
	unsigned char *blob = malloc(n * KEY_BYTES + 1);
	int rc = -1;

	if (blob == NULL)
		return nomem(err);
	encode(blob, v, n);
	st = oed_store_prepare(k->store, "INSERT INTO monitor_claim_sets (source_id, run_id, scored, lease, n, keys)"
			       " VALUES (?, ?, ?, ?, ?, ?)", err);
	if (st) {
		sqlite3_bind_int64(st, 1, k->source);
		sqlite3_bind_int64(st, 2, run);
		sqlite3_bind_int(st, 3, scored);
		sqlite3_bind_int64(st, 4, lease);
		sqlite3_bind_int64(st, 5, (int64_t)n);
		sqlite3_bind_blob(st, 6, blob, (int)(n * KEY_BYTES), SQLITE_STATIC);
		if (step_done(k, st, "cannot claim items", err) == 0) {
			if (row)
				*row = sqlite3_last_insert_rowid(oed_store_db(k->store));
			rc = 0;
		}
	}
	sqlite3_finalize(st);
	free(blob);
	k->version = -1;
	return rc;
}

int
oed_mon_keys_claim(struct oed_mon_keys *k, int64_t run, int64_t lease, const struct oed_mon_key *keys,
		   size_t n, int64_t *row, struct oed_err *err)
{
	struct oed_mon_key *v = malloc((n ? n : 1) * sizeof(*v));
	int rc;

	if (v == NULL)
		return nomem(err);
	memcpy(v, keys, n * sizeof(*v));
	n = sort_unique(v, n);
	rc = insert_set(k, run, false, lease, v, n, row, err);
	free(v);
	return rc;
}

int
oed_mon_keys_expire(struct oed_mon_keys *k, int64_t now, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "DELETE FROM monitor_claim_sets"
					     " WHERE source_id = ? AND scored = 0 AND lease <= ?", err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	sqlite3_bind_int64(st, 2, now);
	rc = step_done(k, st, "cannot release claims", err);
	sqlite3_finalize(st);
	k->version = -1;
	return rc;
}

int
oed_mon_keys_mark(struct oed_mon_keys *k, int64_t row, int64_t run, const struct oed_mon_key *keys, size_t n,
		  struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "SELECT run_id, scored, keys FROM monitor_claim_sets"
					     " WHERE id = ?", err);
	struct oed_mon_key *have = NULL, *done = NULL;
	size_t nhave = 0, left = 0;
	int rc = -1;

	if (st == NULL)
		return -1;
	k->version = -1;
	sqlite3_bind_int64(st, 1, row);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? 0 : oed_store_fail(k->store, err, "cannot mark items scored");
		goto out;
	}
	/* its lease ran out and another run took the set apart: the items are its now */
	if (sqlite3_column_int64(st, 0) != run || sqlite3_column_int(st, 1) != 0) {
		rc = 0;
		goto out;
	}
	if ((rc = blob_keys(k, st, 2, &have, &nhave, err)) == -1)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((done = malloc((n ? n : 1) * sizeof(*done))) == NULL) {
		rc = nomem(err);
		goto out;
	}
	memcpy(done, keys, n * sizeof(*done));
	n = sort_unique(done, n);
	/* what the set keeps claimed: its keys not among the done ones */
	for (size_t i = 0, j = 0; i < nhave; i++) {
		while (j < n && key_cmp(done[j], have[i]) < 0)
			j++;
		if (j == n || key_cmp(done[j], have[i]) != 0)
			have[left++] = have[i];
	}
	if (left == 0) {
		st = oed_store_prepare(k->store, "UPDATE monitor_claim_sets SET scored = 1, lease = 0 WHERE id = ?",
				       err);
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, row);
	} else {
		unsigned char *blob = malloc(left * KEY_BYTES);

		if (blob == NULL) {
			rc = nomem(err);
			goto out;
		}
		encode(blob, have, left);
		st = oed_store_prepare(k->store, "UPDATE monitor_claim_sets SET n = ?, keys = ? WHERE id = ?", err);
		if (st == NULL) {
			free(blob);
			goto fail;
		}
		sqlite3_bind_int64(st, 1, (int64_t)left);
		sqlite3_bind_blob(st, 2, blob, (int)(left * KEY_BYTES), free);
		sqlite3_bind_int64(st, 3, row);
	}
	if (step_done(k, st, "cannot mark items scored", err) == -1 ||
	    (left && insert_set(k, run, true, 0, done, n, NULL, err) == -1))
		goto fail;
	rc = 1;
	goto out;
fail:
	rc = -1;
out:
	sqlite3_finalize(st);
	free(have);
	free(done);
	return rc;
}

int
oed_mon_keys_release(struct oed_mon_keys *k, int64_t run, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "DELETE FROM monitor_claim_sets"
					     " WHERE source_id = ? AND run_id = ? AND scored = 0", err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	sqlite3_bind_int64(st, 2, run);
	rc = step_done(k, st, "cannot release claims", err);
	sqlite3_finalize(st);
	k->version = -1;
	return rc;
}

/* ---- segments: written in order, merged ---- */

struct writer {
	struct oed_mon_keys *k;
	sqlite3_stmt *ins;
	int64_t segment;
	unsigned char buf[CHUNK_KEYS * KEY_BYTES];
	size_t n;
	uint64_t total;
	struct oed_mon_key last;
};

static int
writer_open(struct oed_mon_keys *k, struct writer *w, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "SELECT coalesce(max(segment), 0) + 1"
					     " FROM monitor_key_chunks WHERE source_id = ?", err);

	memset(w, 0, sizeof(*w));
	w->k = k;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return oed_store_fail(k->store, err, "cannot read the scored ids");
	}
	w->segment = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	w->ins = oed_store_prepare(k->store, "INSERT INTO monitor_key_chunks (source_id, segment, first, n, keys)"
				   " VALUES (?, ?, ?, ?, ?)", err);
	if (w->ins == NULL)
		return -1;
	sqlite3_bind_int64(w->ins, 1, k->source);
	sqlite3_bind_int64(w->ins, 2, w->segment);
	return 0;
}

static int
writer_flush(struct writer *w, struct oed_err *err)
{
	if (w->n == 0)
		return 0;
	sqlite3_reset(w->ins);
	sqlite3_bind_blob(w->ins, 3, w->buf, KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(w->ins, 4, (int64_t)w->n);
	sqlite3_bind_blob(w->ins, 5, w->buf, (int)(w->n * KEY_BYTES), SQLITE_STATIC);
	if (step_done(w->k, w->ins, "cannot save scored ids", err) == -1)
		return -1;
	w->n = 0;
	return 0;
}

/* Append key, which comes at or after the last one (a repeat is dropped). */
static int
writer_put(struct writer *w, struct oed_mon_key key, struct oed_err *err)
{
	if (w->total) {
		int c = key_cmp(w->last, key);

		if (c == 0)
			return 0;
		if (c > 0)
			return oed_err_set(err, OED_EX_FAIL, "internal error: scored ids out of order");
	}
	encode(w->buf + w->n * KEY_BYTES, &key, 1);
	w->last = key;
	w->total++;
	if (++w->n == CHUNK_KEYS)
		return writer_flush(w, err);
	return 0;
}

static int
writer_close(struct writer *w, struct oed_err *err)
{
	int rc = writer_flush(w, err);

	sqlite3_finalize(w->ins);
	w->ins = NULL;
	w->k->version = -1;
	return rc;
}

/* Write sorted, unique v[0..n) as a new segment. */
static int
write_segment(struct oed_mon_keys *k, const struct oed_mon_key *v, size_t n, struct oed_err *err)
{
	struct writer *w;
	int rc = 0;

	if (n == 0)
		return 0;
	if ((w = malloc(sizeof(*w))) == NULL)
		return nomem(err);
	if (writer_open(k, w, err) == -1)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = writer_put(w, v[i], err);
	if (writer_close(w, rc == 0 ? err : &(struct oed_err){ 0 }) == -1)
		rc = -1;
	free(w);
	return rc;
}

/* One segment read in order, a chunk at a time. */
struct cursor {
	sqlite3_stmt *st;
	struct oed_mon_key v[CHUNK_KEYS];
	size_t n, i;
	bool end;
};

static int
cursor_next(struct oed_mon_keys *k, struct cursor *c, struct oed_err *err)
{
	int rc;
	size_t bytes;

	if (++c->i < c->n)
		return 0;
	if ((rc = sqlite3_step(c->st)) != SQLITE_ROW) {
		c->end = true;
		return rc == SQLITE_DONE ? 0 : oed_store_fail(k->store, err, "cannot read the scored ids");
	}
	bytes = (size_t)sqlite3_column_bytes(c->st, 0);
	if (bytes == 0 || bytes % KEY_BYTES || bytes > sizeof(c->v) / sizeof(c->v[0]) * KEY_BYTES)
		return oed_err_set(err, OED_EX_FAIL, "store: a chunk of scored ids is damaged (%zu bytes)", bytes);
	c->n = bytes / KEY_BYTES;
	c->i = 0;
	decode(c->v, sqlite3_column_blob(c->st, 0), c->n);
	return 0;
}

struct seginfo {
	int64_t segment;
	uint64_t n;
};

/*
 * Merge the newest segments while the one before is at most GROWTH times
 * their size: the sizes then grow by more than GROWTH from newest to
 * oldest, so a source of n ids has about log(n / batch) / log(GROWTH)
 * segments, and an id is rewritten about as many times in its life.
 */
static int
compact(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "SELECT segment, sum(n) FROM monitor_key_chunks"
					     " WHERE source_id = ? GROUP BY segment ORDER BY segment", err);
	struct seginfo *seg = NULL;
	struct cursor *cur = NULL;
	struct writer *w = NULL;
	size_t nseg = 0, from, ncur = 0;
	uint64_t size;
	int rc = -1, s;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct seginfo *v = realloc(seg, (nseg + 1) * sizeof(*v));

		if (v == NULL) {
			nomem(err);
			goto out;
		}
		seg = v;
		seg[nseg].segment = sqlite3_column_int64(st, 0);
		seg[nseg++].n = (uint64_t)sqlite3_column_int64(st, 1);
	}
	if (s != SQLITE_DONE) {
		oed_store_fail(k->store, err, "cannot read the scored ids");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (nseg < 2) {
		rc = 0;
		goto out;
	}
	from = nseg - 1;
	size = seg[from].n;
	while (from > 0 && seg[from - 1].n <= GROWTH * size)
		size += seg[--from].n;
	if (from == nseg - 1) {
		rc = 0;
		goto out;
	}
	if ((cur = calloc(nseg - from, sizeof(*cur))) == NULL || (w = malloc(sizeof(*w))) == NULL) {
		nomem(err);
		goto out;
	}
	if (writer_open(k, w, err) == -1)
		goto out;
	for (size_t i = from; i < nseg; i++) {
		struct cursor *c = &cur[ncur++];

		c->st = oed_store_prepare(k->store, "SELECT keys FROM monitor_key_chunks"
					  " WHERE source_id = ? AND segment = ? ORDER BY first", err);
		if (c->st == NULL)
			goto out;
		sqlite3_bind_int64(c->st, 1, k->source);
		sqlite3_bind_int64(c->st, 2, seg[i].segment);
		c->i = c->n = 0;
		if (cursor_next(k, c, err) == -1)
			goto out;
	}
	for (;;) {
		struct cursor *min = NULL;

		for (size_t i = 0; i < ncur; i++)
			if (!cur[i].end && (min == NULL || key_cmp(cur[i].v[cur[i].i], min->v[min->i]) < 0))
				min = &cur[i];
		if (min == NULL)
			break;
		if (writer_put(w, min->v[min->i], err) == -1 || cursor_next(k, min, err) == -1)
			goto out;
	}
	if (writer_flush(w, err) == -1)
		goto out;
	for (size_t i = 0; i < ncur; i++) {
		sqlite3_finalize(cur[i].st);
		cur[i].st = NULL;
	}
	st = oed_store_prepare(k->store, "DELETE FROM monitor_key_chunks WHERE source_id = ? AND segment = ?", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->source);
	for (size_t i = from; i < nseg; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 2, seg[i].segment);
		if (step_done(k, st, "cannot save scored ids", err) == -1)
			goto out;
	}
	rc = 0;
out:
	if (w) {
		sqlite3_finalize(w->ins);
		free(w);
	}
	for (size_t i = 0; i < ncur; i++)
		sqlite3_finalize(cur[i].st);
	free(cur);
	free(seg);
	sqlite3_finalize(st);
	k->version = -1;
	return rc;
}

int
oed_mon_keys_fold(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, "SELECT keys FROM monitor_claim_sets"
					     " WHERE source_id = ? AND scored = 1", err);
	struct oed_mon_key *all = NULL;
	size_t n = 0, cap = 0;
	int rc = -1, s;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, k->source);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct oed_mon_key *v;
		size_t m;

		if (blob_keys(k, st, 0, &v, &m, err) == -1)
			goto out;
		if (n + m > cap) {
			size_t c2 = cap ? cap * 2 : 4096;
			struct oed_mon_key *a;

			while (c2 < n + m)
				c2 *= 2;
			if ((a = realloc(all, c2 * sizeof(*a))) == NULL) {
				free(v);
				nomem(err);
				goto out;
			}
			all = a;
			cap = c2;
		}
		memcpy(all + n, v, m * sizeof(*v));
		n += m;
		free(v);
	}
	if (s != SQLITE_DONE) {
		oed_store_fail(k->store, err, "cannot read the claims");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	n = sort_unique(all, n);
	if (write_segment(k, all, n, err) == -1)
		goto out;
	st = oed_store_prepare(k->store, "DELETE FROM monitor_claim_sets WHERE source_id = ? AND scored = 1", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->source);
	if (step_done(k, st, "cannot save scored ids", err) == -1 || compact(k, err) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	free(all);
	k->version = -1;
	return rc;
}

/*
 * The older tables' ids of the source: monitor_scored's keys, read in
 * their order (unsigned: the non-negative half first), make one segment;
 * ids kept as text (scored claims, ids whose key another held) are hashed
 * FOLD_KEYS at a time into segments of their own; compact() merges.  An
 * older store's unscored claims are dropped: their runs are gone.
 */
int
oed_mon_keys_upgrade(struct oed_mon_keys *k, struct oed_err *err)
{
	static const char *const text_sql =
		"SELECT item FROM monitor_claims WHERE source_id = ?1 AND scored = 1"
		" UNION ALL SELECT item FROM monitor_scored_ids WHERE source_id = ?1";
	static const char *const del_sql[] = {
		"DELETE FROM monitor_claims WHERE source_id = ?",
		"DELETE FROM monitor_scored_ids WHERE source_id = ?",
		"DELETE FROM monitor_scored WHERE source_id = ?",
	};
	sqlite3_stmt *st = NULL;
	struct writer *w = NULL;
	struct oed_mon_key *v = NULL;
	size_t n = 0;
	int rc = -1, s;

	if (!k->tables)
		return 0;
	if (load_old(k, err) == -1)
		return -1;
	if (!k->old)
		return 0;
	if ((w = malloc(sizeof(*w))) == NULL || (v = malloc(FOLD_KEYS * sizeof(*v))) == NULL) {
		nomem(err);
		goto out;
	}
	if (writer_open(k, w, err) == -1)
		goto out;
	for (int half = 0; half < 2; half++) {
		st = oed_store_prepare(k->store, half == 0 ?
				       "SELECT key, chk FROM monitor_scored WHERE source_id = ? AND key >= 0 ORDER BY key" :
				       "SELECT key, chk FROM monitor_scored WHERE source_id = ? AND key < 0 ORDER BY key",
				       err);
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, k->source);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			struct oed_mon_key key = { (uint64_t)sqlite3_column_int64(st, 0),
						   (uint64_t)sqlite3_column_int64(st, 1) };

			if (writer_put(w, key, err) == -1)
				goto out;
		}
		if (s != SQLITE_DONE) {
			oed_store_fail(k->store, err, "cannot read the scored ids");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (writer_close(w, err) == -1)
		goto out;
	if ((st = oed_store_prepare(k->store, text_sql, err)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->source);
	do {
		s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			v[n++] = oed_mon_key_of(k->source, (const char *)sqlite3_column_text(st, 0),
						(size_t)sqlite3_column_bytes(st, 0));
		if (n == FOLD_KEYS || (s != SQLITE_ROW && n)) {
			n = sort_unique(v, n);
			if (write_segment(k, v, n, err) == -1)
				goto out;
			n = 0;
		}
	} while (s == SQLITE_ROW);
	if (s != SQLITE_DONE) {
		oed_store_fail(k->store, err, "cannot read the scored ids");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < sizeof(del_sql) / sizeof(del_sql[0]); i++) {
		if ((st = oed_store_prepare(k->store, del_sql[i], err)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, k->source);
		if (step_done(k, st, "cannot save scored ids", err) == -1)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	/* merge until no merge is due: the pieces are many and small */
	for (;;) {
		int64_t before = -1, after = -1;
		sqlite3_stmt *c = oed_store_prepare(k->store, "SELECT count(DISTINCT segment)"
						    " FROM monitor_key_chunks WHERE source_id = ?", err);

		if (c == NULL)
			goto out;
		sqlite3_bind_int64(c, 1, k->source);
		if (sqlite3_step(c) == SQLITE_ROW)
			before = sqlite3_column_int64(c, 0);
		if (compact(k, err) == -1) {
			sqlite3_finalize(c);
			goto out;
		}
		sqlite3_reset(c);
		if (sqlite3_step(c) == SQLITE_ROW)
			after = sqlite3_column_int64(c, 0);
		sqlite3_finalize(c);
		if (after >= before)
			break;
	}
	k->old = false;
	rc = 0;
out:
	if (w) {
		sqlite3_finalize(w->ins);
		free(w);
	}
	free(v);
	sqlite3_finalize(st);
	k->version = -1;
	return rc;
}

/* ?1 the source: how many of its ids are scored, and claimed but not scored */
const char oed_mon_keys_count_sql[] =
	"SELECT (SELECT coalesce(sum(n), 0) FROM monitor_key_chunks WHERE source_id = ?1)"
	" + (SELECT coalesce(sum(n), 0) FROM monitor_claim_sets WHERE source_id = ?1 AND scored = 1)"
	" + (SELECT count(*) FROM monitor_claims WHERE source_id = ?1 AND scored = 1)"
	" + (SELECT count(*) FROM monitor_scored_ids WHERE source_id = ?1)"
	" + (SELECT count(*) FROM monitor_scored WHERE source_id = ?1),"
	" (SELECT coalesce(sum(n), 0) FROM monitor_claim_sets WHERE source_id = ?1 AND scored = 0)"
	" + (SELECT count(*) FROM monitor_claims WHERE source_id = ?1 AND scored = 0)";
