/* words.c: the word splitter (see words.h). */
#include "config.h"
#include "words.h"

#include <stdbool.h>

/* ASCII whitespace, controls and punctuation end a word; bytes of UTF-8 sequences never do. */
static bool
separator(unsigned char c)
{
	/* ASCII whitespace, controls and punctuation: one load, not six comparisons */
	static const unsigned char sep[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 10 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,	/* 30 */
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,	/* 50 */
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,	/* 70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* a0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* b0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* c0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* d0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* e0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* f0 */
	};

	return sep[c];
}

long
oed_words(const char *s, size_t len, char *buf,
	  int (*fn)(void *ctx, const char *w, size_t n), void *ctx)
{
	long words = 0;
	size_t i = 0, n;

	while (i < len) {
		while (i < len && separator((unsigned char)s[i]))
			i++;
		for (n = 0; i < len && !separator((unsigned char)s[i]); i++, n++) {
			unsigned char c = (unsigned char)s[i];

			buf[n] = (char)(c | ((unsigned)(c - 'A') < 26 ? 0x20 : 0));
		}
		if (n > 0) {
			if (fn && fn(ctx, buf, n) == -1)
				return -1;
			words++;
		}
	}
	return words;
}
