#include "config.h"
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void
oed_buf_init(struct oed_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
oed_buf_release(struct oed_buf *b)
{
	free(b->data);
	oed_buf_init(b);
}

int
oed_buf_reserve(struct oed_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (need <= b->cap && b->data)
		return 0;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	if (b->data == NULL)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int
oed_buf_vprintf(struct oed_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (oed_buf_grow(b, 64) == -1)
		return -1;
	va_copy(again, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		if (oed_buf_grow(b, (size_t)n) == -1)
			n = -1;
		else
			vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
	}
	va_end(again);
	if (n < 0) {
		b->data[b->len] = '\0';
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

int
oed_buf_printf(struct oed_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = oed_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
oed_buf_steal(struct oed_buf *b, size_t *len)
{
	char *p = b->data;

	if (p == NULL && (p = malloc(1)) != NULL)
		p[0] = '\0';
	if (p && len)
		*len = b->len;
	if (p)
		oed_buf_init(b);
	return p;
}
