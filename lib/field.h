/*
 * field.h: naming a value inside a record.
 *
 * Two spellings (see oed(7)):
 *   dot path      choices.0.message.content   a segment that is all digits
 *                                             indexes an array, or names a key
 *                                             of an object; "\." is a literal dot
 *   JSON Pointer  /meta/a.b                   RFC 6901, with ~0 and ~1
 *
 * A parsed path owns its segments; oed_path_release frees them.
 */
#ifndef OED_FIELD_H
#define OED_FIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct oed_path_seg {
	char *key;	/* NUL-terminated, may not contain NUL */
	size_t len;
	long index;	/* array index when key is all digits, else -1 */
};

struct oed_path {
	char *spec;	/* as the user wrote it */
	struct oed_path_seg *seg;
	size_t nseg;
};

int oed_path_parse(struct oed_path *path, const char *spec, struct oed_err *err);
void oed_path_release(struct oed_path *path);
/* The value at path in root (borrowed), or NULL when absent. */
json_t *oed_path_get(const struct oed_path *path, json_t *root);
/* Whether two spellings name the same value ("meta.lang" and "/meta/lang"); unparsable: false. */
bool oed_path_same(const char *a, const char *b);

#endif
