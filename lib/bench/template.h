/*
 * template.h: the `{{path | filter}}` templates of task files.
 *
 * A template is text with fields of the dataset record in double braces:
 * `{{question}}`, `{{meta.lang}}` (a dot path or JSON Pointer, as
 * everywhere in oed), optionally followed by filters, left to right:
 *
 *   json      the value as compact JSON (strings quoted)
 *   upper     upper-case ASCII letters
 *   lower     lower-case ASCII letters
 *   trim      drop leading and trailing white space
 *   letter    a number i as the letter A+i (0 -> A): a choice's label
 *   choices   a list as lines "A. first", "B. second", ...
 *
 * Without a filter a string is its text, a number its shortest form, true
 * and false themselves, null the empty string, and a list or object its
 * JSON.  A field missing from the record is an error, never empty text.
 * There is no escape for a literal "{{": task text never needed one.
 *
 * A compiled template owns its pieces; rendering returns malloc'd text.
 */
#ifndef OED_BENCH_TEMPLATE_H
#define OED_BENCH_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct oed_tmpl;

/*
 * Compile text.  NULL with err set (OED_EX_USAGE), the message naming the
 * byte offset: "template at offset 9: '{{' is not closed".
 */
struct oed_tmpl *oed_tmpl_compile(const char *text, struct oed_err *err);
void oed_tmpl_free(struct oed_tmpl *t);
/* The text as written. */
const char *oed_tmpl_text(const struct oed_tmpl *t);
/* Whether the template names no field. */
bool oed_tmpl_is_const(const struct oed_tmpl *t);

/*
 * Render against rec.  0 with *out (malloc'd, NUL-terminated) and *len,
 * or -1 with err set (OED_EX_DATA): "field 'question' is missing",
 * "field 'n': filter 'choices' needs a list".
 */
int oed_tmpl_render(const struct oed_tmpl *t, json_t *rec, char **out, size_t *len,
		    struct oed_err *err);

#endif
