/*
 * buf.h: the one growable byte buffer of lib/.
 *
 * data[0..len) are the bytes; cap is what is allocated.  data is NULL
 * until the first byte is added or room reserved.  The appending
 * functions keep a NUL at data[len] (not counted in len), so a buffer of
 * text can be used as a C string; bytes may hold NULs of their own.
 * Capacity doubles (from 256), so appending is amortised O(1).
 *
 * Ownership: the buffer owns data until oed_buf_steal hands it to the
 * caller (who frees it) or oed_buf_release frees it.  A pointer into data
 * is valid until the next call that may grow the buffer.  Functions
 * return 0, or -1 when out of memory, and then leave the contents as they
 * were.  A zeroed struct is an empty buffer, as is OED_BUF_INIT.
 */
#ifndef OED_BUF_H
#define OED_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct oed_buf {
	char *data;
	size_t len, cap;
};

#define OED_BUF_INIT { NULL, 0, 0 }

void oed_buf_init(struct oed_buf *b);
void oed_buf_release(struct oed_buf *b);
/* Make room for at least need bytes in all (not more: need counts the NUL if you want one). */
int oed_buf_reserve(struct oed_buf *b, size_t need);

/* Room for n more bytes and the NUL after them. */
static inline int
oed_buf_grow(struct oed_buf *b, size_t n)
{
	if (n < b->cap - b->len && b->data)
		return 0;
	if (n > (size_t)-1 - b->len - 1)
		return -1;
	return oed_buf_reserve(b, b->len + n + 1);
}

static inline int
oed_buf_add(struct oed_buf *b, const void *s, size_t n)
{
	if (oed_buf_grow(b, n) == -1)
		return -1;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int
oed_buf_addc(struct oed_buf *b, char c)
{
	if (oed_buf_grow(b, 1) == -1)
		return -1;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

static inline int
oed_buf_adds(struct oed_buf *b, const char *s)
{
	return oed_buf_add(b, s, strlen(s));
}

/* Append printf-formatted text. */
int oed_buf_printf(struct oed_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int oed_buf_vprintf(struct oed_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Empty the buffer, keep the memory. */
static inline void
oed_buf_reset(struct oed_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/*
 * Hand the bytes over: a NUL-terminated malloc'd copy of len bytes (an
 * empty string for an empty buffer) that the caller frees, *len set when
 * len is not NULL; the buffer is left empty and owns nothing.  NULL when
 * out of memory (only possible for a buffer that never held anything).
 */
char *oed_buf_steal(struct oed_buf *b, size_t *len);

#endif
