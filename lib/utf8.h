/* utf8.h: UTF-8 validation and code point counting (RFC 3629: no surrogates, no overlongs). */
#ifndef OED_UTF8_H
#define OED_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid prefix: n when s[0..n) is valid UTF-8. */
size_t oed_utf8_valid_prefix(const char *s, size_t n);
static inline bool
oed_utf8_valid(const char *s, size_t n)
{
	return oed_utf8_valid_prefix(s, n) == n;
}
/* Code points in valid UTF-8 (bytes that are not continuation bytes). */
size_t oed_utf8_count(const char *s, size_t n);

#endif
