/*
 * sbuf.h: a growing byte buffer for the bench modules (text always
 * NUL-terminated).  On allocation failure the buffer stays as it was and
 * `failed` is set; callers check once at the end.
 */
#ifndef OED_BENCH_SBUF_H
#define OED_BENCH_SBUF_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static inline bool
sbuf_grow(struct sbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->s, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->s = p;
	b->cap = cap;
	return true;
}

static inline void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (!sbuf_grow(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static inline void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static inline void
sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

/* Hand the text over (never NULL unless failed); the buffer is empty after. */
static inline char *
sbuf_take(struct sbuf *b, size_t *len)
{
	char *s;

	if (b->failed) {
		free(b->s);
		b->s = NULL;
		b->len = b->cap = 0;
		return NULL;
	}
	if (b->s == NULL)
		sbuf_grow(b, 0);
	s = b->s;
	if (s != NULL)
		s[b->len] = '\0';
	if (len)
		*len = b->len;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

static inline void
sbuf_release(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

#endif
