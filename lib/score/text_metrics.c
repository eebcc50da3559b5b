/*
 * text_metrics.c: scorers that compare an output with a reference text
 * by overlap or distance: levenshtein, f1, bleu, chrf, rouge_l.  Each
 * follows a published reference implementation, named where it is
 * defined; oed-scorers(7) gives the formulas.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "internal.h"

/* Decode s into code points (a byte that is not UTF-8 counts as one). */
static size_t
decode(const char *s, size_t len, uint32_t *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	while (p < end) {
		uint32_t cp;
		size_t k = oed_utf8_decode(p, end, &cp);
		if (k == 0) {
			cp = 0x110000u + *p;	/* apart from every code point */
			k = 1;
		}
		out[n++] = cp;
		p += k;
	}
	return n;
}

size_t
oed_sc_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
		   uint32_t **scratch, size_t *cap)
{
	size_t need = alen + blen + blen + 1;
	uint32_t *ca, *cb, *row;
	size_t na, nb;

	if (need > *cap) {
		uint32_t *p = realloc(*scratch, need * sizeof(*p));
		if (p == NULL)
			return (size_t)-1;
		*scratch = p;
		*cap = need;
	}
	ca = *scratch;
	na = decode(a, alen, ca);
	cb = ca + na;
	nb = decode(b, blen, cb);
	row = cb + nb;
	/* Trim the common prefix and suffix: they cost nothing. */
	while (na > 0 && nb > 0 && ca[0] == cb[0])
		ca++, cb++, na--, nb--;
	while (na > 0 && nb > 0 && ca[na - 1] == cb[nb - 1])
		na--, nb--;
	if (na == 0 || nb == 0)
		return na + nb;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (uint32_t)j;
	for (size_t i = 1; i <= na; i++) {
		uint32_t diag = row[0], c;
		row[0] = (uint32_t)i;
		for (size_t j = 1; j <= nb; j++) {
			uint32_t up = row[j];
			c = diag + (ca[i - 1] != cb[j - 1]);
			if (up + 1 < c)
				c = up + 1;
			if (row[j - 1] + 1 < c)
				c = row[j - 1] + 1;
			row[j] = c;
			diag = up;
		}
	}
	return row[nb];
}
