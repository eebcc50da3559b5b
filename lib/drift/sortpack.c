#include "config.h"
#include "sortpack.h"
#include "base64.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The double's bits as an integer in the double's order: negatives reversed below positives. */
static uint64_t
ordered(double v)
{
	uint64_t b;

	if (v == 0)
		v = 0;	/* -0.0 */
	memcpy(&b, &v, sizeof(b));
	return b >> 63 ? ~b : b | UINT64_C(1) << 63;
}

static double
unordered(uint64_t u)
{
	uint64_t b = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

char *
oed_sortpack_encode(const double *x, size_t n)
{
	unsigned char *buf = malloc(n * 10 + 1), *p = buf;
	uint64_t prev = 0;
	char *text;

	if (buf == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint64_t u = ordered(x[i]), gap = u - prev;

		if (u < prev || !isfinite(x[i])) {
			free(buf);
			return NULL;
		}
		prev = u;
		do {
			*p++ = (unsigned char)((gap & 0x7f) | (gap >= 0x80 ? 0x80 : 0));
			gap >>= 7;
		} while (gap);
	}
	text = oed_base64_encode(buf, (size_t)(p - buf));
	free(buf);
	return text;
}

int
oed_sortpack_decode(const char *text, size_t len, double *x, size_t n)
{
	unsigned char *buf = malloc(len / 4 * 3 + 3);
	long nb = buf ? oed_base64_decode(text, len, buf) : -1;
	uint64_t prev = 0;
	size_t i = 0;
	long k = 0;

	if (nb < 0) {
		free(buf);
		return -1;
	}
	while (k < nb && i < n) {
		uint64_t gap = 0;
		unsigned shift = 0;

		do {
			/* the tenth byte holds the 64th bit only */
			if (k == nb || shift > 63 || (shift == 63 && (buf[k] & 0x7e)))
				goto bad;
			gap |= (uint64_t)(buf[k] & 0x7f) << shift;
			shift += 7;
		} while (buf[k++] & 0x80);
		if (prev + gap < prev)
			goto bad;
		prev += gap;
		x[i] = unordered(prev);
		if (!isfinite(x[i++]))
			goto bad;
	}
	if (i != n || k != nb)
		goto bad;
	free(buf);
	return 0;
bad:
	free(buf);
	return -1;
}
