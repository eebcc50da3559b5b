/*
 * normalize.h: --normalize, the chain of text transforms that decides when
 * two outputs count as the same class (see man/oed-equivalence.txt).
 *
 * A chain is parsed once (oed_norm_parse) into a small value struct and
 * applied to every record (oed_norm_apply / oed_norm_key).  Applying never
 * allocates once the caller's scratch buffers have grown to the largest
 * record seen, never reads past len, and accepts any bytes: input that is
 * not valid UTF-8 is processed code point by code point where it decodes
 * and copied through unchanged where it does not.
 *
 * Ownership: struct oed_norm is plain data (copy it freely).  The scratch
 * buffers belong to the caller, one per thread; the pointer
 * oed_norm_apply returns points into the input or into the scratch, and
 * stays valid until the next call with the same scratch.
 */
#ifndef OED_NORMALIZE_H
#define OED_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"

enum oed_norm_step {
	OED_NORM_TRIM,		/* strip leading and trailing White_Space */
	OED_NORM_SPACE,		/* each run of White_Space becomes one ' ' */
	OED_NORM_CASE,		/* full case folding, as str.casefold() */
	OED_NORM_PUNCT,		/* remove general categories P*; S* stay */
	OED_NORM_NUMBER,	/* numbers rewritten in one canonical form */
	OED_NORM_NSTEPS
};

/*
 * The family: one row per step, indexed by enum oed_norm_step.  A new step
 * is an enum value, a row and its function; --normalize, the --help list
 * and the man page list (checked by check_normalize) read the rows.
 */
struct oed_norm_step_def {
	const char *name;
	unsigned growth;	/* output bytes per input byte at most; 0: no copy (trim) */
	/* dst->data[0..dst->len) from src (room for growth * len + 1 is made); 0 or -1 */
	int (*apply)(struct oed_buf *dst, const char *src, size_t len);
	const char *help;
};
extern const struct oed_norm_step_def oed_norm_steps[OED_NORM_NSTEPS];

#define OED_NORM_MAX_STEPS 16

struct oed_norm {
	size_t nstep;
	unsigned char step[OED_NORM_MAX_STEPS];	/* enum oed_norm_step, in order */
};

/* Two buffers, because every step reads the previous step's output. */
struct oed_norm_scratch {
	struct oed_buf buf[2];
};

void oed_norm_scratch_init(struct oed_norm_scratch *sc);
void oed_norm_scratch_release(struct oed_norm_scratch *sc);

/*
 * Parse "trim,space,case": step names separated by commas, applied in
 * the order given; a step may repeat.  0, or -1 with err set
 * (OED_EX_USAGE) naming the bad step.
 */
int oed_norm_parse(const char *spec, struct oed_norm *out, struct oed_err *err);
/* The i-th step name ("trim" ...), NULL after the last. */
const char *oed_norm_step_name(size_t i);
/* "trim,space,case" again, for run records; size 128 always suffices. */
void oed_norm_format(const struct oed_norm *n, char *out, size_t size);

/*
 * Apply the chain to s[0..len).  Returns the result and its length in
 * *outlen: s itself when the chain is empty or only trims, else a
 * pointer into sc.  NULL only when out of memory.
 */
const char *oed_norm_apply(const struct oed_norm *n, const char *s, size_t len,
			   struct oed_norm_scratch *sc, size_t *outlen);
/*
 * The class key of s: XXH3-64 of the normalised bytes, the same value
 * oed_fingerprint() gives for them.  0, or -1 when out of memory.
 */
int oed_norm_key(const struct oed_norm *n, const char *s, size_t len,
		 struct oed_norm_scratch *sc, uint64_t *key);

/*
 * The single steps, for callers that manage their own buffers.  Each
 * writes to dst, which must not overlap src, and returns the length
 * written.  dst needs room for len bytes, except casefold, which needs
 * OED_CASEFOLD_GROWTH * len.  number writes dst->data[0..dst->len) and
 * grows dst as it goes: 0, or -1 when out of memory.
 */
#define OED_CASEFOLD_GROWTH 3
size_t oed_norm_space(char *dst, const char *src, size_t len);
size_t oed_norm_punct(char *dst, const char *src, size_t len);
size_t oed_casefold(char *dst, const char *src, size_t len);
int oed_norm_number(struct oed_buf *dst, const char *src, size_t len);
/* trim needs no copy: the kept part is src[*start .. *start + result). */
size_t oed_norm_trim(const char *src, size_t len, size_t *start);

/* Unicode properties behind the steps (tables generated from Python). */
bool oed_uni_white_space(uint32_t cp);
bool oed_uni_punct(uint32_t cp);
/* The full case folding of cp as UTF-8 (1 to 12 bytes); 0 when cp folds to itself. */
size_t oed_uni_casefold(uint32_t cp, const unsigned char **utf8);

/*
 * Decode one code point at p (p < end).  Returns its length in bytes and
 * stores it in *cp, or returns 0 when the bytes there are not valid
 * UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF);
 * callers then treat the single byte *p as an opaque character.
 */
static inline size_t
oed_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	unsigned c = p[0];
	size_t avail = (size_t)(end - p);

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		if (avail < 2 || (p[1] & 0xC0) != 0x80)
			return 0;
		*cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
		return 2;
	}
	if (c < 0xF0) {
		if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
			return 0;
		*cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
		    (p[2] & 0x3F);
		return 3;
	}
	if (c < 0xF5) {
		if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
			return 0;
		*cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
		    ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
		return 4;
	}
	return 0;
}

#endif
