/*
 * choice.h: looking a name up in a family table (estimators, --normalize
 * steps, --cluster modes), and the message when it is not there.
 *
 * A family is an array of rows whose first member is the name (const
 * char *); stride is the row size.  The lists in --help, the man pages'
 * lists (checked by the tests) and "did you mean" all read the same rows,
 * so a new row is the only edit a new member needs.  The suggestion is
 * lib/'s one oed_did_you_mean().
 */
#ifndef OED_EQUIV_CHOICE_H
#define OED_EQUIV_CHOICE_H

#include <stddef.h>

#include "diag.h"

/* The name of row i. */
const char *oed_choice_name(const void *table, size_t stride, size_t i);
/* The row named s[0..len), or -1. */
int oed_choice_find(const void *table, size_t n, size_t stride, const char *s, size_t len);
/*
 * err (OED_EX_USAGE): "OPT: unknown WHAT 'S'; did you mean 'X'? choices:
 * a, b, c", oed_err_unknown's wording (opt.h) with the option in front;
 * the suggestion only when a name is a typo away.  Returns -1.
 */
int oed_choice_unknown(struct oed_err *err, const char *opt, const char *what, const char *s,
		       size_t len, const void *table, size_t n, size_t stride);

#define OED_CHOICES(table) (table), sizeof(table) / sizeof((table)[0]), sizeof((table)[0])

#endif
