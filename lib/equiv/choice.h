/*
 * choice.h: looking a name up in a family table (estimators, --normalize
 * steps, --cluster modes), and the message when it is not there.
 *
 * A family is an array of rows whose first member is the name (const
 * char *); stride is the row size.  The lists in --help, the man pages'
 * lists (checked by the tests) and "did you mean" all read the same rows,
 * so a new row is the only edit a new member needs.
 */
#ifndef OED_EQUIV_CHOICE_H
#define OED_EQUIV_CHOICE_H

#include <stddef.h>

#include "diag.h"

/* The name of row i. */
const char *oed_choice_name(const void *table, size_t stride, size_t i);
/* The row named s[0..len), or -1. */
int oed_choice_find(const void *table, size_t n, size_t stride, const char *s, size_t len);
/* The row whose name is closest to s (a typo away), or -1. */
int oed_choice_closest(const void *table, size_t n, size_t stride, const char *s, size_t len);
/*
 * err (OED_EX_USAGE): "OPT: unknown WHAT 'S', did you mean 'X'? (one of
 * a, b or c)"; the suggestion only when a name is close.  Returns -1.
 */
int oed_choice_unknown(struct oed_err *err, const char *opt, const char *what, const char *s,
		       size_t len, const void *table, size_t n, size_t stride);
/* "a, b or c" into buf (truncated to size); the length it needed. */
size_t oed_choice_list(char *buf, size_t size, const void *table, size_t n, size_t stride);

#define OED_CHOICES(table) (table), sizeof(table) / sizeof((table)[0]), sizeof((table)[0])

#endif
