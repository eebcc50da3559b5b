/*
 * tokenizer.h: byte-level BPE identical to OpenAI's tiktoken
 * (encode_ordinary, and encode with special tokens allowed), for the
 * encodings cl100k_base, o200k_base, p50k_base and r50k_base.
 *
 * Text is split by the encoding's pattern (PCRE2, UTF and Unicode
 * properties, JIT when available), then each piece is looked up whole and,
 * when it is not one token, merged pair by pair in rank order.
 *
 * Invalid UTF-8: tiktoken encodes strings, so oed first decodes the bytes
 * as a UTF-8 decoder that replaces does (WHATWG TextDecoder, Python's
 * errors="replace"): each maximal ill-formed subsequence becomes U+FFFD.
 * The tokens are those of that string.
 *
 * Vocabularies are the .tiktoken files (base64 token, space, rank per
 * line) found as: the path given, else $OED_VOCAB_DIR/NAME.tiktoken, else
 * the installed copy under the package data folder.
 *
 * A tokenizer is not thread-safe (it keeps scratch buffers); open one per
 * thread.
 */
#ifndef OED_TOKENIZER_H
#define OED_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct oed_tokenizer;

/*
 * name: an encoding (cl100k_base ...) or a model (gpt-4o, gpt-4 ...).
 * vocab: a .tiktoken file, or NULL to look it up.  NULL on failure.
 */
struct oed_tokenizer *oed_tokenizer_open(const char *name, const char *vocab,
					 struct oed_err *err);
void oed_tokenizer_free(struct oed_tokenizer *t);
const char *oed_tokenizer_encoding(const struct oed_tokenizer *t);

/* The encoding a model uses, or NULL (an encoding name maps to itself). */
const char *oed_encoding_for(const char *name);
/*
 * Check an encoding or model name given to option opt (NULL: none): 0, or
 * -1 with a usage error that lists the encodings.
 */
int oed_encoding_check(const char *opt, const char *name, struct oed_err *err);
/* The same for --tokens. */
int oed_tokens_arg_check(const char *name, struct oed_err *err);
/* The i-th name oed_encoding_for knows (encodings, then models), or NULL. */
const char *oed_encoding_choice(size_t i);

/*
 * Token ids of text[0..len) appended to *ids (grown as needed; *n is the
 * count).  allow_special: special tokens such as <|endoftext|> in the text
 * become their ids; otherwise they are encoded as ordinary text.
 * 0 or -1 on out of memory (errno EOVERFLOW: one piece of 4 GiB or more).
 */
int oed_tokenizer_encode(struct oed_tokenizer *t, const char *text, size_t len,
			 bool allow_special, uint32_t **ids, size_t *n, size_t *cap);
/* The number of tokens, without keeping them; (size_t)-1 on out of memory. */
size_t oed_tokenizer_count(struct oed_tokenizer *t, const char *text, size_t len,
			   bool allow_special);

/*
 * Tokens of a text that comes in parts of any size, identical to those of
 * the whole text at once, in memory bounded by the parts' size and the
 * longest piece the pattern makes (a piece is merged whole: a run of
 * letters without a space, or of NUL bytes, is one piece however long).
 * Text is held until the pattern's matches are settled: a match that
 * reaches the end of what came, a UTF-8 sequence or a special token cut
 * there, wait for more.  chunk: how much text to gather before
 * tokenizing (0: OED_TOKSTREAM_CHUNK).  The stream uses its tokenizer's
 * scratch, so one stream per tokenizer at a time.
 */
#define OED_TOKSTREAM_CHUNK ((size_t)1 << 20)
struct oed_tokstream;
struct oed_tokstream *oed_tokstream_new(struct oed_tokenizer *t, bool allow_special,
					size_t chunk);
void oed_tokstream_free(struct oed_tokstream *s);
/*
 * Add text; the ids of the tokens it settles are appended to *ids as by
 * oed_tokenizer_encode (ids may be NULL to only count).  0 or -1 on out of
 * memory (errno EOVERFLOW: one piece of 4 GiB or more).
 */
int oed_tokstream_write(struct oed_tokstream *s, const char *text, size_t len,
			uint32_t **ids, size_t *n, size_t *cap);
/* The text has ended: tokenize what is left.  0 or -1. */
int oed_tokstream_finish(struct oed_tokstream *s, uint32_t **ids, size_t *n, size_t *cap);
/* The tokens so far. */
size_t oed_tokstream_tokens(const struct oed_tokstream *s);

#endif
