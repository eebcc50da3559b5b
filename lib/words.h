/*
 * words.h: the word splitter of text features.
 *
 * A word is a longest run of bytes that are neither ASCII whitespace,
 * ASCII controls nor ASCII punctuation; bytes of UTF-8 sequences never
 * end a word, so words in any script stay whole.  ASCII letters are
 * lowered; nothing else is changed (no Unicode case folding).
 * "It's café!" gives "it", "s", "café".
 */
#ifndef OED_WORDS_H
#define OED_WORDS_H

#include <stddef.h>

/*
 * Call fn(ctx, word, length) for each word of s[0..len), in order; buf
 * must hold len bytes and receives each word in turn (fn may not keep
 * it).  fn may be NULL to count.  Returns the number of words, or -1 when
 * fn returned -1.
 */
long oed_words(const char *s, size_t len, char *buf,
	       int (*fn)(void *ctx, const char *w, size_t n), void *ctx);

#endif
