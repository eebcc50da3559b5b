/*
 * keys.c: a source's scored ids and the claims on them (internal.h).
 *
 * An id is kept as a 128-bit hash of its source and text.  Scored ids
 * live in sorted segments, each cut into chunks of up to CHUNK_KEYS keys
 * (monitor_key_chunks), each with a Bloom filter (monitor_key_filters).
 * A run writes what it scored as one new segment and merges it with the
 * segments before it while they are at most GROWTH times what is being
 * merged, so a source keeps a handful of segments of growing size and an
 * id is rewritten a few times in its life, never once per run: a run's
 * writes are its own ids, not pages all over a B-tree of every id.
 *
 * A look-up asks the filters first (a new id: one cache line, mostly no
 * chunk), then finds the key's chunk by the chunks' first keys (read
 * once per run, 16 bytes a chunk), reads the chunk once and keeps it, up
 * to CACHE_BYTES: a run that meets most of the store reads it once, in
 * large pieces, instead of walking a B-tree per item.  A batch's
 * look-ups run as a pipeline, so their cache misses overlap.
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
#include <sys/mman.h>

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
	int64_t id;
	uint64_t n;
	unsigned char *filter;		/* its Bloom filter, NULL if none: a key it lacks is not there */
	size_t nblocks;
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
	bool filters;			/* and monitor_key_filters */
	bool old;			/* the older tables hold some of the source's ids */
	struct segment *segs;		/* largest first: most look-ups that find end in the first */
	size_t nsegs;
	struct claim *claims;		/* sorted */
	size_t nclaims;
	size_t cached;			/* bytes of chunks kept */
	struct oed_mon_key *scratch[3];	/* for sorting and marking, kept between calls */
	size_t nscratch[3];
	size_t budget;			/* bytes of chunks kept at most */
	unsigned char *arena;		/* where they are kept: mapped on first use */
	size_t arena_size;
	uint64_t epoch;			/* counts the times the chunks kept were dropped */
	sqlite3_stmt *read_chunk, *old_lookup;
};

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

/* Scratch buffer i of k, room for n keys: a batch's keys every batch, not a malloc and free each. */
static struct oed_mon_key *
scratch(struct oed_mon_keys *k, int i, size_t n)
{
	if (n > k->nscratch[i]) {
		size_t cap = n < 4096 ? 4096 : n;
		struct oed_mon_key *v = realloc(k->scratch[i], cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		k->scratch[i] = v;
		k->nscratch[i] = cap;
	}
	return k->scratch[i];
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

/*
 * Sort by a, a byte at a time from the lowest (a radix sort: the keys are
 * hashes, and a comparison sort of a batch's keys through qsort's
 * callback cost more than the rest of claiming it); passes in which every
 * key has the same byte are skipped; then keys of equal a, which hashes
 * all but never have, are put in order of b.  tmp holds n keys.
 */
static void
radix_sort(struct oed_mon_key *v, struct oed_mon_key *tmp, size_t n)
{
	size_t count[8][256] = { { 0 } };
	struct oed_mon_key *src = v, *dst = tmp;

	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][(v[i].a >> (8 * d)) & 255]++;
	for (int d = 0; d < 8; d++) {
		size_t at = 0, *c = count[d];

		if (c[(v[0].a >> (8 * d)) & 255] == n)
			continue;
		for (int b = 0; b < 256; b++) {
			size_t k = c[b];

			c[b] = at;
			at += k;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i].a >> (8 * d)) & 255]++] = src[i];
		src = dst;
		dst = src == v ? tmp : v;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	for (size_t i = 1; i < n; i++) {
		struct oed_mon_key x = v[i];
		size_t j = i;

		while (j > 0 && v[j - 1].a == x.a && v[j - 1].b > x.b) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Sort v[0..n) and drop repeats, tmp holding n keys; the new count. */
static size_t
sort_unique(struct oed_mon_key *v, struct oed_mon_key *tmp, size_t n)
{
	size_t w = 0;

	if (n < 2)
		return n;
	radix_sort(v, tmp, n);
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

/*
 * Each segment has a blocked Bloom filter (Putze et al., 2007): ten bits
 * per key in blocks of one cache line, a key's block chosen by its high
 * half and its FILTER_K bits within the block by its low half, so a
 * look-up of a key the segment lacks (a new item: most of what an
 * incremental run reads) costs one cache line, about 1.3% of the time a
 * chunk, instead of a chunk always.  Bytes, not words: a store reads the
 * same on any machine.
 */
enum { FILTER_BLOCK = 64, FILTER_BITS_PER_KEY = 10, FILTER_K = 6 };

static size_t
filter_blocks(uint64_t n)
{
	return (size_t)((n * FILTER_BITS_PER_KEY + FILTER_BLOCK * 8 - 1) / (FILTER_BLOCK * 8));
}

static inline unsigned char *
filter_block(unsigned char *f, size_t nblocks, struct oed_mon_key key)
{
	return f + (size_t)(((unsigned __int128)key.b * nblocks) >> 64) * FILTER_BLOCK;
}

static void
filter_add(unsigned char *f, size_t nblocks, struct oed_mon_key key)
{
	unsigned char *b = filter_block(f, nblocks, key);

	for (int i = 0; i < FILTER_K; i++) {
		unsigned pos = (unsigned)(key.a >> (9 * i)) & 511;

		b[pos >> 3] |= (unsigned char)(1u << (pos & 7));
	}
}

static inline bool
filter_may_have(const struct segment *s, struct oed_mon_key key)
{
	const unsigned char *b;

	if (s->filter == NULL)
		return true;
	b = filter_block(s->filter, s->nblocks, key);
	for (int i = 0; i < FILTER_K; i++) {
		unsigned pos = (unsigned)(key.a >> (9 * i)) & 511;

		if (!(b[pos >> 3] & (1u << (pos & 7))))
			return false;
	}
	return true;
}

/* A blob of keys as a malloc'd array; *n its count.  -1 with err when it is not one. */
static int
blob_keys(sqlite3_stmt *st, int col, struct oed_mon_key **v, size_t *n, struct oed_err *err)
{
	const unsigned char *p = sqlite3_column_blob(st, col);
	size_t bytes = (size_t)sqlite3_column_bytes(st, col);

	*v = NULL;
	*n = bytes / KEY_BYTES;
	if (bytes % KEY_BYTES)
		return oed_err_set(err, OED_EX_FAIL, "store: a set of scored ids is damaged (%zu bytes)", bytes);
	if ((*v = malloc((*n ? *n : 1) * sizeof(**v))) == NULL)
		return nomem(err);
	decode(*v, p, *n);
	return 0;
}

/* A statement of sql whose ?1 is bound to the source; NULL with err. */
static sqlite3_stmt *
source_stmt(struct oed_mon_keys *k, const char *sql, struct oed_err *err)
{
	sqlite3_stmt *st = oed_store_prepare(k->store, sql, err);

	if (st)
		sqlite3_bind_int64(st, 1, k->source);
	return st;
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
	/*
	 * Asking can fail only if the schema cannot be read: the tables then
	 * count as there, and the look-ups fail with their own message rather
	 * than find every id new.
	 */
	k->tables = k->filters = true;
	oed_store_has_column(s, "monitor_key_chunks", "keys", &k->tables, &(struct oed_err){ 0 });
	oed_store_has_column(s, "monitor_key_filters", "bits", &k->filters, &(struct oed_err){ 0 });
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
	k->budget = bytes;	/* before the first chunk is read: the arena is mapped then */
}

size_t
oed_mon_keys_cached(const struct oed_mon_keys *k)
{
	return k->cached;
}

static void
unload(struct oed_mon_keys *k)
{
	for (size_t i = 0; i < k->nsegs; i++) {
		free(k->segs[i].chunks);
		free(k->segs[i].first);
		free(k->segs[i].filter);
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
	for (int i = 0; i < 3; i++)
		free(k->scratch[i]);
	if (k->arena)
		munmap(k->arena, k->arena_size);
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

/* The segments' filters; a segment without one (or with a damaged one) is searched always. */
static int
load_filters(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = source_stmt(k, "SELECT segment, n, bits FROM monitor_key_filters"
					  " WHERE source_id = ? ORDER BY segment", err);
	size_t i = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seg = sqlite3_column_int64(st, 0);
		size_t bytes = (size_t)sqlite3_column_bytes(st, 2);

		while (i < k->nsegs && k->segs[i].id < seg)
			i++;
		if (i == k->nsegs)
			break;
		if (k->segs[i].id != seg || (uint64_t)sqlite3_column_int64(st, 1) != k->segs[i].n || bytes == 0 ||
		    bytes % FILTER_BLOCK)
			continue;
		if ((k->segs[i].filter = malloc(bytes)) == NULL) {
			sqlite3_finalize(st);
			return nomem(err);
		}
		memcpy(k->segs[i].filter, sqlite3_column_blob(st, 2), bytes);
		k->segs[i].nblocks = bytes / FILTER_BLOCK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return oed_store_fail(k->store, err, "cannot read the scored ids");
	return 0;
}

/* The chunks' first keys, by segment. */
static int
load_segments(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = source_stmt(k, "SELECT segment, id, first, n FROM monitor_key_chunks"
					  " WHERE source_id = ? ORDER BY segment, first", err);
	int64_t seg = 0;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct segment *s;

		if (k->nsegs == 0 || sqlite3_column_int64(st, 0) != seg) {
			struct segment *v = realloc(k->segs, (k->nsegs + 1) * sizeof(*v));

			if (v == NULL)
				goto nomem;
			k->segs = v;
			memset(&v[k->nsegs++], 0, sizeof(*v));
			seg = sqlite3_column_int64(st, 0);
			v[k->nsegs - 1].id = seg;
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
	if (k->filters && load_filters(k, err) == -1)
		return -1;
	if (k->nsegs > 1)
		qsort(k->segs, k->nsegs, sizeof(*k->segs), by_size);
	return 0;
nomem:
	sqlite3_finalize(st);
	return nomem(err);
}

static int
load_claims(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = source_stmt(k, "SELECT scored, lease, keys FROM monitor_claim_sets"
					  " WHERE source_id = ?", err);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t lease = sqlite3_column_int(st, 0) ? 0 : sqlite3_column_int64(st, 1);
		struct oed_mon_key *v;
		size_t n;

		if (sqlite3_column_int(st, 0) == 0 && lease <= 0)
			continue;	/* an odd claim with no time left: nobody's */
		if (blob_keys(st, 2, &v, &n, err) == -1) {
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
	if (k->nclaims > 1)
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
		sqlite3_stmt *st = source_stmt(k, sql[i], err);
		int rc;

		if (st == NULL)
			return -1;
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

/*
 * Read chunk c into the arena, dropping every chunk kept when it would
 * pass the budget: one mapping, filled in order, and dropping is one
 * reset.  (Huge pages for it were tried: look-ups got ~15% faster, but
 * the kernel's compaction for them made one run in three twice as slow.)
 */
static int
read_chunk(struct oed_mon_keys *k, struct chunk *c, struct oed_err *err)
{
	size_t bytes = (size_t)c->n * sizeof(*c->keys);
	const unsigned char *p;
	int rc;

	if (k->arena == NULL) {
		void *m = mmap(NULL, k->budget, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		if (m == MAP_FAILED)
			return nomem(err);
		k->arena = m;
		k->arena_size = k->budget;
	}
	if (bytes > k->arena_size)
		return nomem(err);
	if (k->cached + bytes > k->arena_size) {
		for (size_t i = 0; i < k->nsegs; i++)
			for (size_t j = 0; j < k->segs[i].nchunks; j++)
				k->segs[i].chunks[j].keys = NULL;
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
	c->keys = (struct oed_mon_key *)(k->arena + k->cached);
	decode(c->keys, p, c->n);
	sqlite3_reset(k->read_chunk);
	k->cached += bytes;
	return 0;
}

/*
 * A search of one chunk, in steps that can be spread out: each step reads
 * one key and says which key the next reads, so that memory for the next
 * step can be fetched while other searches run (oed_mon_keys_find_many).
 *
 * The keys are hashes, spread evenly: the first guess is where key.a falls
 * between the chunk's first key and the next chunk's, and up to two more
 * guesses between the bounds learnt (an interpolation search, about
 * log log n steps), then a binary search of what is left.  A look-up
 * touches two or three cache lines of the chunk rather than a dozen, and
 * keys bunched on purpose cost the binary search's log n, never more.
 */
struct search {
	const struct chunk *c;		/* NULL: the segment cannot hold the key */
	size_t lo, hi, g;		/* if anywhere, the key is in c->keys[lo..hi); next to read: g */
	uint64_t alo, ahi;		/* bounds of key.a learnt */
	int steps;
	int state;			/* SEARCHING, FOUND, ABSENT */
};

enum { SEARCHING, FOUND, ABSENT };

static inline size_t
interpolate(size_t lo, size_t hi, uint64_t alo, uint64_t ahi, uint64_t a)
{
	if (a <= alo)
		return lo;
	if (a >= ahi)
		return hi - 1;
	return lo + (size_t)((unsigned __int128)(a - alo) * (hi - lo) / ((unsigned __int128)(ahi - alo) + 1));
}

static inline void
search_start(struct search *s, const struct chunk *c, uint64_t lower, uint64_t upper, struct oed_mon_key key)
{
	s->c = c;
	s->steps = 0;
	if (c == NULL) {
		s->state = ABSENT;
		return;
	}
	s->state = SEARCHING;
	s->lo = 0;
	s->hi = c->n;
	s->alo = lower;	/* the chunk's first key.a, from the directory: its memory is not read yet */
	s->ahi = upper;
	s->g = interpolate(0, c->n, s->alo, s->ahi, key.a);
	__builtin_prefetch(&c->keys[s->g]);
}

/* One step: read the key at g; then FOUND, ABSENT, or SEARCHING with g the next to read. */
static inline void
search_step(struct search *s, struct oed_mon_key key)
{
	const struct oed_mon_key *v;
	int r;

	if (s->state != SEARCHING)
		return;
	v = s->c->keys;
	r = key_cmp(v[s->g], key);
	if (r == 0) {
		s->state = FOUND;
		return;
	}
	if (r < 0) {
		s->lo = s->g + 1;
		s->alo = v[s->g].a;
	} else {
		s->hi = s->g;
		s->ahi = v[s->g].a;
	}
	if (s->lo >= s->hi) {
		s->state = ABSENT;
		return;
	}
	if (++s->steps < 3 && s->hi - s->lo >= 8)
		s->g = interpolate(s->lo, s->hi, s->alo, s->ahi, key.a);
	else
		s->g = s->lo + (s->hi - s->lo) / 2;
	if (s->hi - s->lo <= 16) {
		/* what is left is a few lines: all of them, the binary search then reads no further */
		for (size_t i = s->lo; i < s->hi; i += 4)
			__builtin_prefetch(&v[i]);
		__builtin_prefetch(&v[s->hi - 1]);
	} else {
		__builtin_prefetch(&v[s->g]);
	}
}

static inline bool
search_end(struct search *s, struct oed_mon_key key)
{
	while (s->state == SEARCHING)
		search_step(s, key);
	return s->state == FOUND;
}

/*
 * The chunk of segment s that would hold key, read if need be, and the
 * least key.a of the chunk after it (an upper bound for the search):
 * NULL when no chunk could hold it, or on error (*failed).  The chunks'
 * first keys are spread evenly too: a guess, then a short walk.
 */
static struct chunk *
locate(struct oed_mon_keys *k, struct segment *s, struct oed_mon_key key, uint64_t *lower, uint64_t *upper,
       struct oed_err *err, bool *failed)
{
	size_t n = s->nchunks, i;
	struct chunk *c;

	*failed = false;
	if (n == 0 || key_cmp(key, s->first[0]) < 0)
		return NULL;
	i = (size_t)((unsigned __int128)key.a * n >> 64);
	for (int walk = 0;; walk++) {
		if (walk == 8) {
			/* not spread evenly after all: a binary search */
			size_t lo = 0, hi = n;

			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;

				if (key_cmp(s->first[mid], key) <= 0)
					lo = mid;
				else
					hi = mid;
			}
			i = lo;
			break;
		}
		if (key_cmp(s->first[i], key) > 0)
			i--;	/* i > 0: first[0] <= key */
		else if (i + 1 < n && key_cmp(s->first[i + 1], key) <= 0)
			i++;
		else
			break;
	}
	c = &s->chunks[i];
	*lower = s->first[i].a;
	*upper = i + 1 < n ? s->first[i + 1].a : UINT64_MAX;
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

/* Find key, its search in the largest segment started (or done) in s. */
static int
find_from(struct oed_mon_keys *k, struct oed_mon_key key, struct search *s, const char *id, size_t len,
	  int64_t now, struct oed_err *err)
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
	if (search_end(s, key))
		return OED_MON_KEY_SCORED;
	for (size_t i = 1; i < k->nsegs; i++) {
		struct search t;

		if (!filter_may_have(&k->segs[i], key))
			continue;
		{
		uint64_t lower = 0, upper = 0;
		bool failed;
		const struct chunk *c = locate(k, &k->segs[i], key, &lower, &upper, err, &failed);

		if (failed)
			return -1;
		search_start(&t, c, lower, upper, key);
		if (search_end(&t, key))
			return OED_MON_KEY_SCORED;
		}
	}
	if (k->old) {
		int r = old_find(k, key, id, len, now, err);

		if (r != OED_MON_KEY_NEW)
			return r;
	}
	return held ? OED_MON_KEY_HELD : OED_MON_KEY_NEW;
}

/* Start the search of key in the largest segment: -1 on error. */
static int
start(struct oed_mon_keys *k, struct oed_mon_key key, struct search *s, struct oed_err *err)
{
	const struct chunk *c = NULL;
	uint64_t lower = 0, upper = 0;
	bool failed = false;

	if (k->nsegs && filter_may_have(&k->segs[0], key) &&
	    (c = locate(k, &k->segs[0], key, &lower, &upper, err, &failed)) == NULL && failed)
		return -1;
	search_start(s, c, lower, upper, key);
	return 0;
}

int
oed_mon_keys_find(struct oed_mon_keys *k, struct oed_mon_key key, const char *id, size_t len, int64_t now,
		  struct oed_err *err)
{
	struct search s;

	if (start(k, key, &s, err) == -1)
		return -1;
	return find_from(k, key, &s, id, len, now, err);
}

/*
 * Items v[0..n) at once, each one's answer in found[].  The searches run
 * in a pipeline of stages AHEAD items apart: an item's filter line is
 * fetched; AHEAD items later the filter is read and, if the key may be
 * there, its chunk found and its first read fetched; AHEAD items later
 * that read is made and the next one fetched, and so on; at the last
 * stage the search ends.
 * So the cache misses of many look-ups overlap instead of following each
 * other.
 */
int
oed_mon_keys_find_many(struct oed_mon_keys *k, struct oed_mon_item *const *v, size_t n, int64_t now, int *found,
		       struct oed_err *err)
{
	enum { AHEAD = 8, STEPS = 2, RING = (STEPS + 2) * AHEAD };
	struct {
		struct search s;
		uint64_t epoch;
	} ring[RING];

	for (size_t i = 0; i < n + RING; i++) {
		if (i >= RING && i - RING < n) {
			size_t j = i - RING, r = j % RING;

			/* its chunk may have been dropped since, to make room */
			if (ring[r].epoch == k->epoch)
				found[j] = find_from(k, v[j]->hash, &ring[r].s, v[j]->id, v[j]->idlen, now, err);
			else
				found[j] = oed_mon_keys_find(k, v[j]->hash, v[j]->id, v[j]->idlen, now, err);
			if (found[j] == -1)
				return -1;
		}
		for (size_t st = STEPS + 1; st >= 2; st--) {
			if (i >= st * AHEAD && i - st * AHEAD < n) {
				size_t j = i - st * AHEAD, r = j % RING;

				if (ring[r].epoch == k->epoch)
					search_step(&ring[r].s, v[j]->hash);
			}
		}
		if (i >= AHEAD && i - AHEAD < n) {
			size_t j = i - AHEAD, r = j % RING;

			if (start(k, v[j]->hash, &ring[r].s, err) == -1)
				return -1;
			ring[r].epoch = k->epoch;
		}
		/* the filter's line first: start() reads it */
		if (i < n && k->nsegs && k->segs[0].filter)
			__builtin_prefetch(filter_block(k->segs[0].filter, k->segs[0].nblocks, v[i]->hash));
	}
	return 0;
}

/* ---- writing: inside the caller's transaction ---- */

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
	st = source_stmt(k, "INSERT INTO monitor_claim_sets (source_id, run_id, scored, lease, n, keys)"
			    " VALUES (?, ?, ?, ?, ?, ?)", err);
	if (st) {
		sqlite3_bind_int64(st, 2, run);
		sqlite3_bind_int(st, 3, scored);
		sqlite3_bind_int64(st, 4, lease);
		sqlite3_bind_int64(st, 5, (int64_t)n);
		sqlite3_bind_blob(st, 6, blob, (int)(n * KEY_BYTES), SQLITE_STATIC);
		if (oed_store_step(k->store, st, "cannot claim items", err) == 0) {
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
	struct oed_mon_key *v = scratch(k, 0, n), *tmp = scratch(k, 1, n);

	if (v == NULL || tmp == NULL)
		return nomem(err);
	memcpy(v, keys, n * sizeof(*v));
	n = sort_unique(v, tmp, n);
	return insert_set(k, run, false, lease, v, n, row, err);
}

/* Delete the source's claim sets that sql (?1 the source, ?2 v) says. */
static int
drop_sets(struct oed_mon_keys *k, const char *sql, int64_t v, struct oed_err *err)
{
	sqlite3_stmt *st = source_stmt(k, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, v);
	rc = oed_store_step(k->store, st, "cannot release claims", err);
	sqlite3_finalize(st);
	k->version = -1;
	return rc;
}

int
oed_mon_keys_expire(struct oed_mon_keys *k, int64_t now, struct oed_err *err)
{
	return drop_sets(k, "DELETE FROM monitor_claim_sets WHERE source_id = ?1 AND scored = 0 AND lease <= ?2",
			 now, err);
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
	if ((rc = blob_keys(st, 2, &have, &nhave, err)) == -1)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((done = scratch(k, 0, n)) == NULL || scratch(k, 1, n) == NULL) {
		rc = nomem(err);
		goto out;
	}
	memcpy(done, keys, n * sizeof(*done));
	n = sort_unique(done, k->scratch[1], n);
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
	if (oed_store_step(k->store, st, "cannot mark items scored", err) == -1 ||
	    (left && insert_set(k, run, true, 0, done, n, NULL, err) == -1))
		goto fail;
	rc = 1;
	goto out;
fail:
	rc = -1;
out:
	sqlite3_finalize(st);
	free(have);
	return rc;
}

int
oed_mon_keys_release(struct oed_mon_keys *k, int64_t run, struct oed_err *err)
{
	return drop_sets(k, "DELETE FROM monitor_claim_sets WHERE source_id = ?1 AND run_id = ?2 AND scored = 0",
			 run, err);
}

/* ---- segments: written in order, merged ---- */

struct writer {
	struct oed_mon_keys *k;
	sqlite3_stmt *ins;
	int64_t segment;
	unsigned char *filter;		/* sized for the keys expected */
	size_t nblocks;
	unsigned char buf[CHUNK_KEYS * KEY_BYTES];
	size_t n;
	uint64_t total;
	struct oed_mon_key last;
};

/* A writer of a new segment of at most expected keys. */
static int
writer_open(struct oed_mon_keys *k, struct writer *w, uint64_t expected, struct oed_err *err)
{
	sqlite3_stmt *st = source_stmt(k, "SELECT coalesce(max(segment), 0) + 1"
					  " FROM monitor_key_chunks WHERE source_id = ?", err);

	memset(w, 0, sizeof(*w));
	w->k = k;
	if (st == NULL)
		return -1;
	if (k->filters && expected && (w->filter = calloc(filter_blocks(expected), FILTER_BLOCK)) != NULL)
		w->nblocks = filter_blocks(expected);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return oed_store_fail(k->store, err, "cannot read the scored ids");
	}
	w->segment = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	w->ins = source_stmt(k, "INSERT INTO monitor_key_chunks (source_id, segment, first, n, keys)"
				" VALUES (?, ?, ?, ?, ?)", err);
	if (w->ins == NULL)
		return -1;
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
	if (oed_store_step(w->k->store, w->ins, "cannot save scored ids", err) == -1)
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
	if (w->filter)
		filter_add(w->filter, w->nblocks, key);
	w->last = key;
	w->total++;
	if (++w->n == CHUNK_KEYS)
		return writer_flush(w, err);
	return 0;
}

/* The last chunk, and the filter (sized for the keys expected: they may have been fewer). */
static int
writer_close(struct writer *w, struct oed_err *err)
{
	int rc = writer_flush(w, err);

	sqlite3_finalize(w->ins);
	w->ins = NULL;
	if (rc == 0 && w->filter && w->total) {
		sqlite3_stmt *st = oed_store_prepare(w->k->store, "INSERT INTO monitor_key_filters"
						     " (source_id, segment, n, bits) VALUES (?, ?, ?, ?)", err);

		if (st == NULL) {
			rc = -1;
		} else {
			sqlite3_bind_int64(st, 1, w->k->source);
			sqlite3_bind_int64(st, 2, w->segment);
			sqlite3_bind_int64(st, 3, (int64_t)w->total);
			sqlite3_bind_blob(st, 4, w->filter, (int)(w->nblocks * FILTER_BLOCK), SQLITE_STATIC);
			rc = oed_store_step(w->k->store, st, "cannot save scored ids", err);
			sqlite3_finalize(st);
		}
	}
	free(w->filter);
	w->filter = NULL;
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
	if (writer_open(k, w, n, err) == -1)
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
 * their size (1 merged, 0 none due, -1 with err): the sizes then grow by more than GROWTH from newest to
 * oldest, so a source of n ids has about log(n / batch) / log(GROWTH)
 * segments, and an id is rewritten about as many times in its life.
 */
static int
compact(struct oed_mon_keys *k, struct oed_err *err)
{
	sqlite3_stmt *st = source_stmt(k, "SELECT segment, sum(n) FROM monitor_key_chunks"
					  " WHERE source_id = ? GROUP BY segment ORDER BY segment", err);
	struct seginfo *seg = NULL;
	struct cursor *cur = NULL;
	struct writer *w = NULL;
	size_t nseg = 0, from, ncur = 0;
	uint64_t size;
	int rc = -1, s;

	if (st == NULL)
		return -1;
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
	if (writer_open(k, w, size, err) == -1)
		goto out;
	for (size_t i = from; i < nseg; i++) {
		struct cursor *c = &cur[ncur++];

		c->st = source_stmt(k, "SELECT keys FROM monitor_key_chunks"
				       " WHERE source_id = ? AND segment = ? ORDER BY first", err);
		if (c->st == NULL)
			goto out;
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
	if (writer_close(w, err) == -1)
		goto out;
	for (size_t i = 0; i < ncur; i++) {
		sqlite3_finalize(cur[i].st);
		cur[i].st = NULL;
	}
	for (int t = 0; t < 2; t++) {
		st = source_stmt(k, t == 0 ?
				    "DELETE FROM monitor_key_chunks WHERE source_id = ? AND segment = ?" :
				    "DELETE FROM monitor_key_filters WHERE source_id = ? AND segment = ?", err);
		if (st == NULL)
			goto out;
		for (size_t i = from; i < nseg; i++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 2, seg[i].segment);
			if (oed_store_step(k->store, st, "cannot save scored ids", err) == -1)
				goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	rc = 1;
out:
	if (w) {
		sqlite3_finalize(w->ins);
		free(w->filter);
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
	sqlite3_stmt *st = source_stmt(k, "SELECT keys FROM monitor_claim_sets"
					  " WHERE source_id = ? AND scored = 1", err);
	struct oed_mon_key *all = NULL;
	size_t n = 0, cap = 0;
	int rc = -1, s;

	if (st == NULL)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct oed_mon_key *v;
		size_t m;

		if (blob_keys(st, 0, &v, &m, err) == -1)
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
	if (scratch(k, 2, n) == NULL) {
		nomem(err);
		goto out;
	}
	n = sort_unique(all, k->scratch[2], n);
	if (write_segment(k, all, n, err) == -1)
		goto out;
	st = source_stmt(k, "DELETE FROM monitor_claim_sets WHERE source_id = ? AND scored = 1", err);
	if (st == NULL)
		goto out;
	if (oed_store_step(k->store, st, "cannot save scored ids", err) == -1 || compact(k, err) == -1)
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
static int
upgrade_source(struct oed_mon_keys *k, struct oed_err *err)
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
	if ((st = source_stmt(k, "SELECT count(*) FROM monitor_scored WHERE source_id = ?", err)) == NULL)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		oed_store_fail(k->store, err, "cannot read the scored ids");
		goto out;
	}
	if (writer_open(k, w, (uint64_t)sqlite3_column_int64(st, 0), err) == -1)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	for (int half = 0; half < 2; half++) {
		st = source_stmt(k, half == 0 ?
				    "SELECT key, chk FROM monitor_scored WHERE source_id = ? AND key >= 0 ORDER BY key" :
				    "SELECT key, chk FROM monitor_scored WHERE source_id = ? AND key < 0 ORDER BY key",
				       err);
		if (st == NULL)
			goto out;
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
	if ((st = source_stmt(k, text_sql, err)) == NULL)
		goto out;
	do {
		s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			v[n++] = oed_mon_key_of(k->source, (const char *)sqlite3_column_text(st, 0),
						(size_t)sqlite3_column_bytes(st, 0));
		if (n == FOLD_KEYS || (s != SQLITE_ROW && n)) {
			if (scratch(k, 2, n) == NULL) {
				nomem(err);
				goto out;
			}
			n = sort_unique(v, k->scratch[2], n);
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
		if ((st = source_stmt(k, del_sql[i], err)) == NULL)
			goto out;
		if (oed_store_step(k->store, st, "cannot save scored ids", err) == -1)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	/* merge until no merge is due: the pieces are many and small */
	while ((s = compact(k, err)) == 1)
		;
	if (s == -1)
		goto out;
	k->old = false;
	rc = 0;
out:
	if (w) {
		sqlite3_finalize(w->ins);
		free(w->filter);
		free(w);
	}
	free(v);
	sqlite3_finalize(st);
	k->version = -1;
	return rc;
}

/*
 * Every source's at once, in the first writing run after an upgrade: the
 * older table of hashed ids has no index by source, so a monitor asking
 * for its own rows there would read the whole table on every run until
 * each monitor of the store had run once.
 */
int
oed_mon_keys_upgrade_store(struct oed_store *s, struct oed_err *err)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = -1, r;

	bool tables = false;

	if (oed_store_has_column(s, "monitor_key_chunks", "keys", &tables, err) == -1)
		return -1;
	if (!tables)
		return 0;
	if ((st = oed_store_prepare(s, "SELECT EXISTS (SELECT 1 FROM monitor_claims)"
				    " OR EXISTS (SELECT 1 FROM monitor_scored_ids)"
				    " OR EXISTS (SELECT 1 FROM monitor_scored)", err)) == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_int(st, 0) == 0) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return oed_store_fail(s, err, "cannot read the scored ids");
	if ((st = oed_store_prepare(s, "SELECT source_id FROM monitor_claims UNION SELECT source_id"
				    " FROM monitor_scored_ids UNION SELECT source_id FROM monitor_scored", err)) == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *v = realloc(ids, (n + 1) * sizeof(*v));

		if (v == NULL) {
			nomem(err);
			goto out;
		}
		ids = v;
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (r != SQLITE_DONE) {
		oed_store_fail(s, err, "cannot read the scored ids");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct oed_mon_keys *k = oed_mon_keys_new(s, ids[i]);

		if (k == NULL) {
			nomem(err);
			goto out;
		}
		r = upgrade_source(k, err);
		oed_mon_keys_free(k);
		if (r == -1)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	free(ids);
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
