/*
 * casefold.c: the table-driven Unicode steps of --normalize (case folding,
 * punctuation, White_Space).  The tables in normalize_table.h come from
 * Python's unicodedata through tests/ref/gen_casefold.py; regenerate them
 * rather than editing them.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "normalize.h"
#include "normalize_table.h"

_Static_assert(CASEFOLD_MAX_GROWTH <= OED_CASEFOLD_GROWTH,
	       "regenerated tables fold to longer strings than the header promises");

bool
oed_uni_white_space(uint32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof(white_space) / sizeof(white_space[0]); i++) {
		if (cp < white_space[i][0])
			return false;
		if (cp <= white_space[i][1])
			return true;
	}
	return false;
}

bool
oed_uni_punct(uint32_t cp)
{
	const uint64_t *bits;

	if (cp > 0x10FFFF)
		return false;
	bits = punct_stage2[punct_stage1[cp >> 8]];
	return (bits[(cp >> 6) & 3] >> (cp & 63)) & 1;
}

size_t
oed_uni_casefold(uint32_t cp, const unsigned char **utf8)
{
	unsigned idx;
	uint32_t m;

	if (cp > 0x10FFFF)
		return 0;
	idx = casefold_stage2[casefold_stage1[cp >> 8]][cp & 0xFF];
	if (idx == 0)
		return 0;
	m = casefold_map[idx - 1];
	*utf8 = casefold_pool + (m >> 8);
	return m & 0xFF;
}

#define HIGH_BITS 0x8080808080808080ULL
#define ONES 0x0101010101010101ULL

/*
 * Lower-case eight ASCII bytes at once: a byte gets 0x20 added when it is
 * in 'A'..'Z'.  The additions cannot carry between bytes because every
 * byte is below 0x80.
 */
static inline uint64_t
ascii_lower8(uint64_t w)
{
	uint64_t ge_a = w + ONES * (0x80 - 'A');
	uint64_t gt_z = w + ONES * (0x7F - 'Z');

	return w | (((ge_a & ~gt_z) & HIGH_BITS) >> 2);
}

size_t
oed_casefold(char *dst, const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *f;
	uint32_t cp;
	uint64_t w;
	size_t n, k;

	while (p < end) {
		/* Most model output is ASCII: eight bytes per step. */
		while (end - p >= 8) {
			memcpy(&w, p, 8);
			if (w & HIGH_BITS)
				break;
			w = ascii_lower8(w);
			memcpy(d, &w, 8);
			p += 8;
			d += 8;
		}
		if (p == end)
			break;
		if (*p < 0x80) {
			*d++ = (unsigned char)(*p >= 'A' && *p <= 'Z' ? *p + 0x20 : *p);
			p++;
			continue;
		}
		n = oed_utf8_decode(p, end, &cp);
		if (n == 0) {
			*d++ = *p++;	/* not UTF-8: keep the byte as it is */
			continue;
		}
		k = oed_uni_casefold(cp, &f);
		if (k > 0) {
			memcpy(d, f, k);
			d += k;
		} else {
			memcpy(d, p, n);
			d += n;
		}
		p += n;
	}
	return (size_t)(d - (unsigned char *)dst);
}

/*
 * Every White_Space character outside ASCII starts with one of these lead
 * bytes (U+0085 U+00A0; U+1680; U+2000..U+205F; U+3000), so other bytes
 * need no decoding; check_normalize verifies this against the table.
 */
static inline bool
ws_lead(unsigned c)
{
	return c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3;
}

static const unsigned char ascii_ws[128] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

/* Length of the White_Space character at p, 0 when there is none. */
static inline size_t
ws_at(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp;
	size_t n;

	if (*p < 0x80)
		return ascii_ws[*p];
	if (!ws_lead(*p))
		return 0;
	n = oed_utf8_decode(p, end, &cp);
	return n > 0 && oed_uni_white_space(cp) ? n : 0;
}

size_t
oed_norm_trim(const char *src, size_t len, size_t *start)
{
	const unsigned char *b = (const unsigned char *)src, *p = b, *end = b + len;
	const unsigned char *q;
	size_t n;

	while (p < end && (n = ws_at(p, end)) > 0)
		p += n;
	while (end > p) {
		/* Step back to the start of the last character. */
		q = end - 1;
		while (q > p && end - q < 4 && (*q & 0xC0) == 0x80)
			q--;
		n = ws_at(q, end);
		if (n == 0 || q + n != end)
			break;
		end = q;
	}
	*start = (size_t)(p - b);
	return (size_t)(end - p);
}

size_t
oed_norm_space(char *dst, const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;
	char *d = dst;
	size_t n;
	unsigned inrun = 0;

	while (p < end) {
		if (*p < 0x80) {
			/* Branch-free on ASCII: spaces are too frequent to predict. */
			unsigned ws = ascii_ws[*p];

			*d = ws ? ' ' : (char)*p;
			d += !(ws & inrun);
			inrun = ws;
			p++;
			continue;
		}
		if (!ws_lead(*p)) {
			*d++ = (char)*p++;
			inrun = 0;
			continue;
		}
		n = ws_at(p, end);
		if (n == 0) {
			*d++ = (char)*p++;
			inrun = 0;
			continue;
		}
		if (!inrun)
			*d++ = ' ';
		inrun = 1;
		p += n;
	}
	return (size_t)(d - dst);
}

size_t
oed_norm_punct(char *dst, const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;
	const uint64_t *ascii = punct_stage2[punct_stage1[0]];
	unsigned char *d = (unsigned char *)dst;
	uint32_t cp;
	size_t n;

	while (p < end) {
		if (*p < 0x80) {
			/* Branch-free: write, then advance only if it stays. */
			*d = *p;
			d += !((ascii[*p >> 6] >> (*p & 63)) & 1);
			p++;
			continue;
		}
		n = oed_utf8_decode(p, end, &cp);
		if (n == 0) {
			*d++ = *p++;
			continue;
		}
		if (!oed_uni_punct(cp)) {
			memcpy(d, p, n);
			d += n;
		}
		p += n;
	}
	return (size_t)(d - (unsigned char *)dst);
}
