#include "config.h"
#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t
oed_utf8_valid_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];

		/* ASCII runs eight bytes at a time */
		if (c < 0x80) {
			while (i + 8 <= n) {
				uint64_t w;

				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			while (i < n && s[i] < 0x80)
				i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
				return i;
			i += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

			if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80)
				return i;
			i += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

			if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
				return i;
			i += 4;
		} else {
			return i;
		}
	}
	return n;
}

size_t
oed_utf8_count(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	const uint64_t high = UINT64_C(0x8080808080808080), low = UINT64_C(0x0101010101010101);
	size_t cont = 0, i = 0;

	/*
	 * Eight bytes at a time: a continuation byte has bit 7 set and bit 6
	 * clear; mark each with a 1 in its lowest bit and count.
	 */
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, sizeof(w));
		/* at most 1 in each byte: the product's top byte is their sum */
		cont += (size_t)(((((w & high) >> 7) & (~w >> 6) & low) * low) >> 56);
	}
	for (; i < n; i++)
		cont += (s[i] & 0xC0) == 0x80;
	return n - cont;
}
