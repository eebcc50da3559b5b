#include "config.h"
#include "tokenizer.h"
#include "base64.h"
#include "exit.h"
#include "opt.h"
#include "utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#ifndef OED_PKGDATADIR
#define OED_PKGDATADIR "/usr/local/share/oed"
#endif

struct special {
	const char *text;
	uint32_t id;
};

struct encoding {
	const char *name;
	const char *pattern;
	struct special special[6];
};

/* Patterns and special tokens as tiktoken defines them. */
#define CONTRACTIONS "'s|'t|'re|'ve|'m|'ll|'d"
static const struct encoding encodings[] = {
	{ "cl100k_base",
	  "(?i:" CONTRACTIONS ")|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
	  "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	  { { "<|endoftext|>", 100257 }, { "<|fim_prefix|>", 100258 }, { "<|fim_middle|>", 100259 },
	    { "<|fim_suffix|>", 100260 }, { "<|endofprompt|>", 100276 }, { NULL, 0 } } },
	{ "o200k_base",
	  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
	  "(?i:" CONTRACTIONS ")?"
	  "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
	  "(?i:" CONTRACTIONS ")?"
	  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	  { { "<|endoftext|>", 199999 }, { "<|endofprompt|>", 200018 }, { NULL, 0 } } },
	{ "p50k_base",
	  CONTRACTIONS "| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
	  { { "<|endoftext|>", 50256 }, { NULL, 0 } } },
	{ "r50k_base",
	  CONTRACTIONS "| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
	  { { "<|endoftext|>", 50256 }, { NULL, 0 } } },
};

/* Models, as tiktoken's encoding_for_model: exact names first, then prefixes. */
static const char *const model_exact[][2] = {
	{ "gpt-4o", "o200k_base" }, { "gpt-4.1", "o200k_base" }, { "gpt-4.5-preview", "o200k_base" },
	{ "gpt-5", "o200k_base" }, { "o1", "o200k_base" }, { "o3", "o200k_base" },
	{ "o4-mini", "o200k_base" }, { "chatgpt-4o-latest", "o200k_base" },
	{ "gpt-4", "cl100k_base" }, { "gpt-3.5-turbo", "cl100k_base" }, { "gpt-35-turbo", "cl100k_base" },
	{ "davinci-002", "cl100k_base" }, { "babbage-002", "cl100k_base" },
	{ "text-embedding-ada-002", "cl100k_base" }, { "text-embedding-3-small", "cl100k_base" },
	{ "text-embedding-3-large", "cl100k_base" },
	{ "text-davinci-003", "p50k_base" }, { "text-davinci-002", "p50k_base" },
	{ "code-davinci-002", "p50k_base" }, { "code-davinci-001", "p50k_base" },
	{ "code-cushman-002", "p50k_base" }, { "code-cushman-001", "p50k_base" },
	{ "davinci-codex", "p50k_base" }, { "cushman-codex", "p50k_base" },
	{ "text-davinci-001", "r50k_base" }, { "text-curie-001", "r50k_base" },
	{ "text-babbage-001", "r50k_base" }, { "text-ada-001", "r50k_base" },
	{ "davinci", "r50k_base" }, { "curie", "r50k_base" }, { "babbage", "r50k_base" },
	{ "ada", "r50k_base" },
};
static const char *const model_prefix[][2] = {
	{ "gpt-5-", "o200k_base" }, { "gpt-4.5-", "o200k_base" }, { "gpt-4.1-", "o200k_base" },
	{ "chatgpt-4o-", "o200k_base" }, { "gpt-4o-", "o200k_base" }, { "o1-", "o200k_base" },
	{ "o3-", "o200k_base" }, { "o4-mini-", "o200k_base" }, { "ft:gpt-4o", "o200k_base" },
	{ "gpt-4-", "cl100k_base" }, { "gpt-3.5-turbo-", "cl100k_base" },
	{ "gpt-35-turbo-", "cl100k_base" }, { "ft:gpt-4", "cl100k_base" },
	{ "ft:gpt-3.5-turbo", "cl100k_base" }, { "ft:davinci-002", "cl100k_base" },
	{ "ft:babbage-002", "cl100k_base" }, { "text-embedding-", "cl100k_base" },
};

struct entry {
	uint64_t hash;		/* 0: free */
	uint32_t off, len, rank;
};

struct oed_tokenizer {
	const struct encoding *enc;
	unsigned char *bytes;	/* all token bytes */
	struct entry *table;
	size_t cap;
	pcre2_code *re;
	pcre2_match_data *md;
	bool jit;
	/* scratch */
	char *clean;		/* text with invalid UTF-8 replaced */
	size_t cleancap;
	struct part { uint32_t start, rank; } *parts;
	size_t partcap;
};

const char *
oed_encoding_for(const char *name)
{
	size_t best = 0;
	const char *enc = NULL;

	for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++)
		if (strcmp(name, encodings[i].name) == 0)
			return encodings[i].name;
	for (size_t i = 0; i < sizeof(model_exact) / sizeof(model_exact[0]); i++)
		if (strcmp(name, model_exact[i][0]) == 0)
			return model_exact[i][1];
	for (size_t i = 0; i < sizeof(model_prefix) / sizeof(model_prefix[0]); i++) {
		size_t n = strlen(model_prefix[i][0]);

		if (n > best && strncmp(name, model_prefix[i][0], n) == 0) {
			best = n;
			enc = model_prefix[i][1];
		}
	}
	return enc;
}

const char *
oed_encoding_choice(size_t i)
{
	size_t ne = sizeof(encodings) / sizeof(encodings[0]);

	if (i < ne)
		return encodings[i].name;
	i -= ne;
	return i < sizeof(model_exact) / sizeof(model_exact[0]) ? model_exact[i][0] : NULL;
}

int
oed_encoding_check(const char *opt, const char *name, struct oed_err *err)
{
	size_t ne = sizeof(encodings) / sizeof(encodings[0]);
	size_t nm = sizeof(model_exact) / sizeof(model_exact[0]);
	const char *choices[sizeof(encodings) / sizeof(encodings[0]) +
			    sizeof(model_exact) / sizeof(model_exact[0])];
	const char *near;
	char list[256], dym[128] = "";
	size_t len = 0;

	if (oed_encoding_for(name) != NULL)
		return 0;
	/* a typo of a model is caught too, though only encodings are listed */
	for (size_t i = 0; i < ne + nm; i++)
		choices[i] = oed_encoding_choice(i);
	near = oed_did_you_mean(name, choices, ne + nm);
	/* or the one name it begins ("cl100k" for cl100k_base) */
	for (size_t i = 0; near == NULL && strlen(name) >= 2 && i < ne + nm; i++)
		if (strncmp(choices[i], name, strlen(name)) == 0) {
			for (size_t j = i + 1; j < ne + nm; j++)
				if (strncmp(choices[j], name, strlen(name)) == 0)
					goto listed;	/* not one */
			near = choices[i];
		}
listed:
	if (near != NULL)
		snprintf(dym, sizeof(dym), " did you mean '%s'?", near);
	list[0] = '\0';
	for (size_t i = 0; i < ne; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					encodings[i].name);
	return oed_err_set(err, OED_EX_USAGE,
			   "%s%sunknown encoding '%s';%s choices: %s, or a model (gpt-4o, gpt-4 ...)",
			   opt ? opt : "", opt ? ": " : "", oed_quote(name), dym, list);
}

int
oed_tokens_arg_check(const char *name, struct oed_err *err)
{
	return oed_encoding_check("--tokens", name, err);
}

static inline uint32_t
lookup(const struct oed_tokenizer *t, const unsigned char *s, size_t n)
{
	uint64_t h = XXH3_64bits(s, n) | 1;

	for (size_t i = h & (t->cap - 1); t->table[i].hash; i = (i + 1) & (t->cap - 1)) {
		const struct entry *e = &t->table[i];

		if (e->hash == h && e->len == n && memcmp(t->bytes + e->off, s, n) == 0)
			return e->rank;
	}
	return UINT32_MAX;
}

static int
load_vocab(struct oed_tokenizer *t, const char *path, struct oed_err *err)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	char *text = NULL;
	size_t n, lines = 0, used = 0;
	int rc = -1;
	long lineno = 0;

	if (fp == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot open vocabulary '%s': %s", path,
				   strerror(errno));
	if (fstat(fileno(fp), &st) == -1 || (text = malloc((size_t)st.st_size + 1)) == NULL ||
	    (n = fread(text, 1, (size_t)st.st_size, fp)) != (size_t)st.st_size) {
		oed_err_set(err, OED_EX_FAIL, "cannot read vocabulary '%s'", path);
		goto out;
	}
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	for (t->cap = 1024; t->cap < lines * 2 + 2; t->cap *= 2)
		;
	t->table = calloc(t->cap, sizeof(*t->table));
	t->bytes = malloc(n);	/* decoded tokens are shorter than their base64 */
	if (t->table == NULL || t->bytes == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	for (char *p = text, *nl; p < text + n; p = nl + 1) {
		char *sp, *end;
		unsigned long rank;
		long len;
		uint64_t h;
		size_t i;

		nl = memchr(p, '\n', (size_t)(text + n - p));
		if (nl == NULL)
			nl = text + n;
		lineno++;
		if (nl == p)
			continue;
		sp = memchr(p, ' ', (size_t)(nl - p));
		rank = sp ? strtoul(sp + 1, &end, 10) : 0;
		if (sp == NULL || end != nl || rank >= UINT32_MAX ||
		    (len = oed_base64_decode(p, (size_t)(sp - p), t->bytes + used)) <= 0) {
			oed_err_at(err, OED_EX_FAIL, path, lineno, 0, "not a 'base64 rank' vocabulary line");
			goto out;
		}
		h = XXH3_64bits(t->bytes + used, (size_t)len) | 1;
		for (i = h & (t->cap - 1); t->table[i].hash; i = (i + 1) & (t->cap - 1))
			;
		t->table[i] = (struct entry){ h, (uint32_t)used, (uint32_t)len, (uint32_t)rank };
		used += (size_t)len;
	}
	/* byte-level BPE needs every single byte to be a token */
	for (int b = 0; b < 256; b++) {
		unsigned char c = (unsigned char)b;

		if (lookup(t, &c, 1) == UINT32_MAX) {
			oed_err_set(err, OED_EX_FAIL, "vocabulary '%s' lacks the byte 0x%02x", path, b);
			goto out;
		}
	}
	rc = 0;
out:
	if (fp)
		fclose(fp);
	free(text);
	return rc;
}

struct oed_tokenizer *
oed_tokenizer_open(const char *name, const char *vocab, struct oed_err *err)
{
	const char *encname = oed_encoding_for(name);
	struct oed_tokenizer *t;
	char path[4096];
	const char *dir;
	int errcode;
	PCRE2_SIZE erroff;

	if (encname == NULL) {
		oed_encoding_check(NULL, name, err);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++)
		if (strcmp(encodings[i].name, encname) == 0)
			t->enc = &encodings[i];
	if (vocab == NULL) {
		dir = getenv("OED_VOCAB_DIR");
		snprintf(path, sizeof(path), "%s/%s.tiktoken", dir && *dir ? dir : OED_PKGDATADIR, encname);
		vocab = path;
		/* not installed yet: a build tree keeps them in data/ beside the tools */
		if (!(dir && *dir) && access(path, R_OK) == -1) {
			char self[2048], alt[sizeof(path)];
			ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
			char *slash;

			if (n > 0) {
				self[n] = '\0';
				if ((slash = strrchr(self, '/')) != NULL) {
					*slash = '\0';
					snprintf(alt, sizeof(alt), "%s/data/%s.tiktoken", self, encname);
					if (access(alt, R_OK) == 0)
						memcpy(path, alt, sizeof(path));
				}
			}
		}
	}
	if (load_vocab(t, vocab, err) == -1)
		goto fail;
	t->re = pcre2_compile((PCRE2_SPTR)t->enc->pattern, PCRE2_ZERO_TERMINATED,
			      PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &errcode, &erroff, NULL);
	if (t->re == NULL) {
		oed_err_set(err, OED_EX_FAIL, "internal error: pattern of %s does not compile", encname);
		goto fail;
	}
	t->jit = pcre2_jit_compile(t->re, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD) == 0;
	t->md = pcre2_match_data_create(1, NULL);
	if (t->md == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	return t;
fail:
	oed_tokenizer_free(t);
	return NULL;
}

void
oed_tokenizer_free(struct oed_tokenizer *t)
{
	if (t == NULL)
		return;
	pcre2_match_data_free(t->md);
	pcre2_code_free(t->re);
	free(t->table);
	free(t->bytes);
	free(t->clean);
	free(t->parts);
	free(t);
}

const char *
oed_tokenizer_encoding(const struct oed_tokenizer *t)
{
	return t->enc->name;
}

/*
 * Replace each maximal ill-formed subsequence of text[0..len) with U+FFFD
 * (EF BF BD), as the WHATWG decoder does, writing to out (room for len * 3
 * bytes).  Returns the bytes written; *used is the bytes of text read:
 * all of them when final, else up to a sequence cut short by the end of
 * text that more bytes could complete or change, which is left.
 */
static size_t
sanitize_into(const char *text, size_t len, char *out, bool final, size_t *used)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, o = 0;

	while (i < len) {
		size_t good = oed_utf8_valid_prefix(text + i, len - i);
		unsigned c, lo = 0x80, hi = 0xBF;
		size_t need = 0, k;

		memcpy(out + o, text + i, good);
		o += good;
		i += good;
		if (i >= len)
			break;
		c = s[i];
		if (c >= 0xC2 && c <= 0xDF)
			need = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0) lo = 0xA0;
			if (c == 0xED) hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0) lo = 0x90;
			if (c == 0xF4) hi = 0x8F;
		}
		/*
		 * The maximal subpart: a lead byte and the continuation bytes
		 * that still fit it; the sequence is cut short, since a whole
		 * one would have been valid.
		 */
		k = 1;
		if (need && i + 1 < len && s[i + 1] >= lo && s[i + 1] <= hi) {
			k = 2;
			while (k <= need && i + k < len && (s[i + k] & 0xC0) == 0x80)
				k++;
		}
		if (!final && need && i + k == len && k <= need)
			break;	/* the next bytes decide */
		memcpy(out + o, "\xEF\xBF\xBD", 3);
		o += 3;
		i += k;
	}
	*used = i;
	return o;
}

/* The whole text made valid in t->clean, or NULL (out of memory). */
static const char *
sanitize(struct oed_tokenizer *t, const char *text, size_t len, size_t *outlen)
{
	size_t used;

	if (t->cleancap < len * 3 + 1) {
		char *p = realloc(t->clean, len * 3 + 1);

		if (p == NULL)
			return NULL;
		t->clean = p;
		t->cleancap = len * 3 + 1;
	}
	*outlen = sanitize_into(text, len, t->clean, true, &used);
	return t->clean;
}

/* The rank of the bytes from parts[i] to parts[i + skip + 1]. */
static inline uint32_t
pair_rank(const struct oed_tokenizer *t, const unsigned char *piece, const struct part *parts,
	  size_t nparts, size_t i)
{
	if (i + 2 >= nparts)
		return UINT32_MAX;
	return lookup(t, piece + parts[i].start, parts[i + 2].start - parts[i].start);
}

/* Make room for k more ids. */
static int
reserve(uint32_t **ids, size_t *n, size_t *cap, size_t k)
{
	size_t c = *cap ? *cap : 256;
	uint32_t *p;

	if (*n + k <= *cap)
		return 0;
	while (c < *n + k)
		c *= 2;
	p = realloc(*ids, c * sizeof(*p));
	if (p == NULL)
		return -1;
	*ids = p;
	*cap = c;
	return 0;
}

/*
 * Merge a short piece that is not a whole token, as tiktoken's
 * byte_pair_merge: repeatedly join the adjacent pair of lowest rank (the
 * leftmost of equals).  Quadratic, and the fastest for short pieces.
 */
static int
merge_short(struct oed_tokenizer *t, const unsigned char *piece, size_t len,
	    uint32_t **ids, size_t *n, size_t *cap, size_t *count)
{
	struct part *parts;
	size_t np = len + 1;

	if (t->partcap < np) {
		struct part *p = realloc(t->parts, np * sizeof(*p));

		if (p == NULL)
			return -1;
		t->parts = p;
		t->partcap = np;
	}
	parts = t->parts;
	for (size_t i = 0; i < np; i++)
		parts[i].start = (uint32_t)i;
	for (size_t i = 0; i + 1 < np; i++)
		parts[i].rank = pair_rank(t, piece, parts, np, i);
	parts[np - 1].rank = UINT32_MAX;
	for (;;) {
		uint32_t best = UINT32_MAX;
		size_t at = 0;

		for (size_t i = 0; i + 1 < np; i++)
			if (parts[i].rank < best) {
				best = parts[i].rank;
				at = i;
			}
		if (best == UINT32_MAX)
			break;
		memmove(&parts[at + 1], &parts[at + 2], (np - at - 2) * sizeof(*parts));
		np--;
		parts[at].rank = pair_rank(t, piece, parts, np, at);
		if (at > 0)
			parts[at - 1].rank = pair_rank(t, piece, parts, np, at - 1);
	}
	if (ids) {
		if (reserve(ids, n, cap, np - 1) == -1)
			return -1;
		for (size_t i = 0; i + 1 < np; i++)
			(*ids)[(*n)++] = lookup(t, piece + parts[i].start, parts[i + 1].start - parts[i].start);
	}
	*count += np - 1;
	return 0;
}

/*
 * The same merges for a long piece in O(n log n): the parts are a doubly
 * linked list over the byte offsets (a part is named by the offset it
 * starts at, so the order of names is the order in the piece), and the
 * pairs of finite rank sit in a binary heap keyed by (rank, offset), which
 * gives the lowest rank and, among equals, the leftmost pair, as the
 * linear scan does.  The heap is indexed (pos[] says where each part
 * sits) so a merged-away part leaves it at once and its size stays within
 * the piece's: 20 bytes per byte of the piece, freed on return.
 */
struct bpe {
	const unsigned char *piece;
	uint32_t len;
	uint32_t *next, *prev, *rank, *heap, *pos;	/* pos: UINT32_MAX when not in heap */
	uint32_t nheap;
};

static inline bool
bpe_less(const struct bpe *b, uint32_t x, uint32_t y)
{
	return b->rank[x] < b->rank[y] || (b->rank[x] == b->rank[y] && x < y);
}

static inline void
bpe_place(struct bpe *b, uint32_t at, uint32_t part)
{
	b->heap[at] = part;
	b->pos[part] = at;
}

static void
bpe_up(struct bpe *b, uint32_t at)
{
	uint32_t part = b->heap[at];

	while (at > 0 && bpe_less(b, part, b->heap[(at - 1) / 2])) {
		bpe_place(b, at, b->heap[(at - 1) / 2]);
		at = (at - 1) / 2;
	}
	bpe_place(b, at, part);
}

static void
bpe_down(struct bpe *b, uint32_t at)
{
	uint32_t part = b->heap[at];

	for (;;) {
		uint32_t c = 2 * at + 1;

		if (c >= b->nheap)
			break;
		if (c + 1 < b->nheap && bpe_less(b, b->heap[c + 1], b->heap[c]))
			c++;
		if (!bpe_less(b, b->heap[c], part))
			break;
		bpe_place(b, at, b->heap[c]);
		at = c;
	}
	bpe_place(b, at, part);
}

static void
bpe_remove(struct bpe *b, uint32_t part)
{
	uint32_t at = b->pos[part], last;

	if (at == UINT32_MAX)
		return;
	b->pos[part] = UINT32_MAX;
	last = b->heap[--b->nheap];
	if (at == b->nheap)
		return;
	bpe_place(b, at, last);
	bpe_up(b, at);
	bpe_down(b, b->pos[last]);
}

/* Recompute the rank of the pair that starts at part and requeue it. */
static void
bpe_rerank(const struct oed_tokenizer *t, struct bpe *b, uint32_t part)
{
	uint32_t mid = b->next[part], end;

	end = mid < b->len ? b->next[mid] : b->len;
	b->rank[part] = mid < b->len ? lookup(t, b->piece + part, end - part) : UINT32_MAX;
	if (b->rank[part] == UINT32_MAX) {
		bpe_remove(b, part);
	} else if (b->pos[part] == UINT32_MAX) {
		bpe_place(b, b->nheap++, part);
		bpe_up(b, b->pos[part]);
	} else {
		bpe_up(b, b->pos[part]);
		bpe_down(b, b->pos[part]);
	}
}

static int
merge_long(struct oed_tokenizer *t, const unsigned char *piece, size_t len,
	   uint32_t **ids, size_t *n, size_t *cap, size_t *count)
{
	struct bpe b = { piece, (uint32_t)len, NULL, NULL, NULL, NULL, NULL, 0 };
	uint32_t *mem;
	size_t parts = 0;

	if (len >= UINT32_MAX) {
		errno = EOVERFLOW;	/* a piece of 4 GiB: the offsets are 32 bits */
		return -1;
	}
	mem = malloc(5 * len * sizeof(*mem));
	if (mem == NULL)
		return -1;
	b.next = mem;
	b.prev = mem + len;
	b.rank = mem + 2 * len;
	b.heap = mem + 3 * len;
	b.pos = mem + 4 * len;
	for (uint32_t i = 0; i < b.len; i++) {
		b.next[i] = i + 1;
		b.prev[i] = i - 1;	/* UINT32_MAX for the first */
		b.rank[i] = i + 1 < b.len ? lookup(t, piece + i, 2) : UINT32_MAX;
		b.pos[i] = UINT32_MAX;
		if (b.rank[i] != UINT32_MAX)
			bpe_place(&b, b.nheap++, i);
	}
	for (uint32_t at = b.nheap / 2; at-- > 0;)
		bpe_down(&b, at);
	while (b.nheap > 0) {
		uint32_t i = b.heap[0], gone = b.next[i];

		bpe_remove(&b, gone);
		b.next[i] = b.next[gone];
		if (b.next[i] < b.len)
			b.prev[b.next[i]] = i;
		bpe_rerank(t, &b, i);
		if (b.prev[i] != UINT32_MAX)
			bpe_rerank(t, &b, b.prev[i]);
	}
	for (uint32_t i = 0; i < b.len; i = b.next[i])
		parts++;
	if (ids) {
		if (reserve(ids, n, cap, parts) == -1) {
			free(mem);
			return -1;
		}
		for (uint32_t i = 0; i < b.len; i = b.next[i])
			(*ids)[(*n)++] = lookup(t, piece + i, b.next[i] - i);
	}
	*count += parts;
	free(mem);
	return 0;
}

/*
 * Below this many bytes the quadratic scan is as fast as the heap or
 * faster (its setup is nothing); both give the same merges.
 */
#define OED_BPE_LONG 64

static int
merge_piece(struct oed_tokenizer *t, const unsigned char *piece, size_t len,
	    uint32_t **ids, size_t *n, size_t *cap, size_t *count)
{
	if (len < OED_BPE_LONG)
		return merge_short(t, piece, len, ids, n, cap, count);
	return merge_long(t, piece, len, ids, n, cap, count);
}

static int
push(uint32_t **ids, size_t *n, size_t *cap, uint32_t id)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		uint32_t *p = realloc(*ids, c * sizeof(*p));

		if (p == NULL)
			return -1;
		*ids = p;
		*cap = c;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

/*
 * Ordinary text (no special tokens): split s[*pos..len) by the pattern as
 * find_iter does, then BPE each piece.  Unless final, len is not the end
 * of the text: a match that reaches it, or looked at it (a lookahead, a
 * quantifier that backtracked), might come out otherwise with more text,
 * which PCRE2's hard partial matching tells; that match and the rest are
 * left, and *pos says where they start.
 */
static int
encode_pieces(struct oed_tokenizer *t, const char *s, size_t len, size_t *pos, bool final,
	      uint32_t **ids, size_t *n, size_t *cap, size_t *count)
{
	PCRE2_SIZE start = *pos, *ov = pcre2_get_ovector_pointer(t->md);
	uint32_t opts = final ? 0 : PCRE2_PARTIAL_HARD;

	while (start < len) {
		int rc = t->jit ? pcre2_jit_match(t->re, (PCRE2_SPTR)s, len, start, opts, t->md, NULL)
				: pcre2_match(t->re, (PCRE2_SPTR)s, len, start, opts | PCRE2_NO_UTF_CHECK,
					      t->md, NULL);
		const unsigned char *piece;
		size_t plen;
		uint32_t r;

		if (rc == PCRE2_ERROR_PARTIAL)
			break;
		if (rc < 0) {
			start = len;	/* no further piece: like find_iter, the rest yields nothing */
			break;
		}
		piece = (const unsigned char *)s + ov[0];
		plen = ov[1] - ov[0];
		if (plen == 0) {
			start = len;
			break;
		}
		start = ov[1];
		r = lookup(t, piece, plen);
		if (r != UINT32_MAX) {
			if (ids && push(ids, n, cap, r) == -1)
				return -1;
			(*count)++;
		} else if (merge_piece(t, piece, plen, ids, n, cap, count) == -1) {
			return -1;
		}
	}
	*pos = start;
	return 0;
}

static int
encode_ordinary(struct oed_tokenizer *t, const char *s, size_t len,
		uint32_t **ids, size_t *n, size_t *cap, size_t *count)
{
	size_t pos = 0;

	return encode_pieces(t, s, len, &pos, true, ids, n, cap, count);
}

/* The first special token in s[0..len), or NULL. */
static const char *
find_special(const struct encoding *enc, const char *s, size_t len, const struct special **which)
{
	for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), "<|", 2)) != NULL; p++)
		for (const struct special *sp = enc->special; sp->text; sp++) {
			size_t k = strlen(sp->text);

			if ((size_t)(s + len - p) >= k && memcmp(p, sp->text, k) == 0) {
				*which = sp;
				return p;
			}
		}
	return NULL;
}

static int
encode(struct oed_tokenizer *t, const char *text, size_t len, bool allow_special,
       uint32_t **ids, size_t *n, size_t *cap, size_t *count)
{
	const char *s = text;
	size_t slen = len;

	if (!oed_utf8_valid(text, len)) {
		s = sanitize(t, text, len, &slen);
		if (s == NULL)
			return -1;
	}
	if (!allow_special)
		return encode_ordinary(t, s, slen, ids, n, cap, count);
	/* cut at the earliest special token, encode the text before it, repeat */
	for (;;) {
		const struct special *which = NULL;
		const char *best = find_special(t->enc, s, slen, &which);

		if (best == NULL)
			return encode_ordinary(t, s, slen, ids, n, cap, count);
		if (encode_ordinary(t, s, (size_t)(best - s), ids, n, cap, count) == -1)
			return -1;
		if (ids && push(ids, n, cap, which->id) == -1)
			return -1;
		(*count)++;
		slen -= (size_t)(best - s) + strlen(which->text);
		s = best + strlen(which->text);
	}
}

int
oed_tokenizer_encode(struct oed_tokenizer *t, const char *text, size_t len, bool allow_special,
		     uint32_t **ids, size_t *n, size_t *cap)
{
	size_t count = 0;

	return encode(t, text, len, allow_special, ids, n, cap, &count);
}

size_t
oed_tokenizer_count(struct oed_tokenizer *t, const char *text, size_t len, bool allow_special)
{
	size_t count = 0;

	if (encode(t, text, len, allow_special, NULL, NULL, NULL, &count) == -1)
		return (size_t)-1;
	return count;
}

/*
 * A stream keeps the text not yet tokenized, valid UTF-8, in buf: the
 * match PCRE2 could not yet settle and what follows it, or a possible
 * special token cut by the end of what came.  raw holds the bytes of a
 * UTF-8 sequence the next bytes decide.  Text is tokenized again once buf
 * reaches want, which doubles with what is left, so a piece longer than
 * any read is scanned a bounded number of times in all.
 */
struct oed_tokstream {
	struct oed_tokenizer *t;
	bool special;
	char *buf;
	size_t len, cap, want, chunk;
	char raw[4];
	size_t nraw;
	size_t tokens;
};

struct oed_tokstream *
oed_tokstream_new(struct oed_tokenizer *t, bool allow_special, size_t chunk)
{
	struct oed_tokstream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->t = t;
	s->special = allow_special;
	s->chunk = chunk ? chunk : OED_TOKSTREAM_CHUNK;
	s->want = s->chunk;
	return s;
}

void
oed_tokstream_free(struct oed_tokstream *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	free(s);
}

size_t
oed_tokstream_tokens(const struct oed_tokstream *s)
{
	return s->tokens;
}

static int
grow(struct oed_tokstream *s, size_t more)
{
	size_t c = s->cap ? s->cap : 4096;
	char *p;

	if (s->len + more <= s->cap)
		return 0;
	while (c < s->len + more)
		c *= 2;
	if ((p = realloc(s->buf, c)) == NULL)
		return -1;
	s->buf = p;
	s->cap = c;
	return 0;
}

/* Append text made valid; a sequence cut short at its end goes to raw. */
static int
take(struct oed_tokstream *s, const char *text, size_t len, bool final)
{
	size_t used;

	if (s->nraw) {
		/* the held bytes and up to 4 more settle the held sequence */
		char tmp[8];
		size_t k = len < 4 ? len : 4, held = s->nraw;

		memcpy(tmp, s->raw, held);
		memcpy(tmp + held, text, k);
		if (grow(s, (held + k) * 3) == -1)
			return -1;
		s->len += sanitize_into(tmp, held + k, s->buf + s->len, final && k == len, &used);
		s->nraw = 0;
		if (used < held) {
			/* still undecided: all of it is held (at most 3 bytes) */
			memcpy(s->raw, tmp + used, held + k - used);
			s->nraw = held + k - used;
			return 0;
		}
		text += used - held;
		len -= used - held;
	}
	if (grow(s, len * 3) == -1)
		return -1;
	s->len += sanitize_into(text, len, s->buf + s->len, final, &used);
	memcpy(s->raw, text + used, len - used);
	s->nraw = len - used;
	return 0;
}

/* Where a special token that more text could complete starts, else len. */
static size_t
special_cut(const struct encoding *enc, const char *s, size_t len)
{
	size_t longest = 0;

	for (const struct special *sp = enc->special; sp->text; sp++)
		if (strlen(sp->text) > longest)
			longest = strlen(sp->text);
	for (size_t q = len > longest ? len - longest + 1 : 0; q < len; q++)
		for (const struct special *sp = enc->special; sp->text; sp++)
			if (s[q] == '<' && strlen(sp->text) > len - q &&
			    memcmp(s + q, sp->text, len - q) == 0)
				return q;
	return len;
}

/* Tokenize what buf settles; keep the rest. */
static int
tokenize(struct oed_tokstream *s, bool final, uint32_t **ids, size_t *n, size_t *cap)
{
	size_t pos = 0;

	for (;;) {
		const struct special *which = NULL;
		const char *sp = s->special ? find_special(s->t->enc, s->buf + pos, s->len - pos, &which)
					    : NULL;
		size_t end;

		if (sp != NULL) {
			/* the text before a special token ends there */
			end = (size_t)(sp - s->buf);
			if (encode_pieces(s->t, s->buf, end, &pos, true, ids, n, cap, &s->tokens) == -1 ||
			    (ids && push(ids, n, cap, which->id) == -1))
				return -1;
			s->tokens++;
			pos = end + strlen(which->text);
			continue;
		}
		end = s->special && !final ? special_cut(s->t->enc, s->buf, s->len) : s->len;
		if (end < pos)
			end = pos;
		if (encode_pieces(s->t, s->buf, end, &pos, final, ids, n, cap, &s->tokens) == -1)
			return -1;
		break;
	}
	memmove(s->buf, s->buf + pos, s->len - pos);
	s->len -= pos;
	s->want = s->len * 2 > s->chunk ? s->len * 2 : s->chunk;
	return 0;
}

int
oed_tokstream_write(struct oed_tokstream *s, const char *text, size_t len,
		    uint32_t **ids, size_t *n, size_t *cap)
{
	if (take(s, text, len, false) == -1)
		return -1;
	if (s->len < s->want)
		return 0;
	return tokenize(s, false, ids, n, cap);
}

int
oed_tokstream_finish(struct oed_tokstream *s, uint32_t **ids, size_t *n, size_t *cap)
{
	if (take(s, "", 0, true) == -1)
		return -1;
	return tokenize(s, true, ids, n, cap);
}
