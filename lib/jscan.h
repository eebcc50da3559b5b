/*
 * jscan.h: the reader's fast path.  A validating scanner for one JSON Lines
 * record that pulls out the fields a tool asked for without building a tree.
 *
 * Contract (checked by differential tests and a fuzz target against
 * jansson, the reference): oed_jscan_line() returns 1 only for a line that
 * json_loadb(line, len, JSON_ALLOW_NUL) accepts as an object once its
 * numbers out of jansson's range are rewritten as the reader rewrites them
 * (jsonl.c: an integer past a long long as the same digits with ".0", a
 * number beyond a double as null), and then every value it yields is
 * exactly what the reader would take from that tree for the path
 * (oed_path_get): decoded escapes, surrogate pairs and NULs, duplicate keys
 * with the last one winning, integers as long long, reals and larger
 * integers as strtod reads them, array indices, nested values skipped but
 * validated; a requested number beyond a double, or an array or object
 * holding one, is flagged overflow.  On any doubt it returns 0 and the
 * reader asks jansson, which also writes the error message; lib/jscan.c
 * lists which valid lines it leaves to jansson.
 *
 * The scanner borrows the paths and owns the decoded strings: they stay
 * valid until the next call or oed_jscan_free().  The line is only read,
 * never past len, and need not be NUL-terminated.
 */
#ifndef OED_JSCAN_H
#define OED_JSCAN_H

#include <stddef.h>

#include "field.h"
#include "jsonl.h"

struct oed_jscan;

/* paths are borrowed and must outlive the scanner; NULL on out of memory. */
struct oed_jscan *oed_jscan_new(const struct oed_path *paths, size_t npaths);
void oed_jscan_free(struct oed_jscan *scan);

/*
 * 1: valid object, vals[0..npaths) filled (OED_V_MISSING when absent;
 * strings live in the scanner until the next call; ARRAY/OBJECT carry only
 * their type).  0: not handled here, ask jansson.
 */
int oed_jscan_line(struct oed_jscan *scan, const char *line, size_t len,
		   struct oed_value *vals);
/*
 * From now on check the range of every number of a line, read or not, for
 * oed_jscan_out_of_range(): how many numbers in the last line jansson
 * would not take as they are (beyond a double, integers past a long long).
 */
void oed_jscan_check_numbers(struct oed_jscan *scan);
unsigned long oed_jscan_out_of_range(const struct oed_jscan *scan);

#endif
