/*
 * base64.h: RFC 4648 base64 (the standard alphabet, '=' padding), for
 * binary data kept inside JSON text: tokenizer vocabularies, baselines.
 */
#ifndef OED_BASE64_H
#define OED_BASE64_H

#include <stddef.h>

/* Bytes in[0..n) as base64 in a new NUL-terminated string (caller frees); NULL: out of memory. */
char *oed_base64_encode(const unsigned char *in, size_t n);
/*
 * Decode base64 in[0..n) into out, which must hold n * 3 / 4 bytes.
 * Decoding stops at the first '='.  Returns the decoded length, or -1 on a
 * character outside the alphabet.
 */
long oed_base64_decode(const char *in, size_t n, unsigned char *out);

#endif
