/*
 * sortpack.h: an ascending run of doubles as compact text, for the
 * numeric baselines oed-drift keeps in the run store.
 *
 * Each double's bits are mapped to an unsigned integer that orders as the
 * double does; the run is written as the first integer and the gaps
 * between neighbours, each as a LEB128 varint, and the bytes as base64.
 * A tie costs one byte, which is most values of a large sample of
 * latencies in tenths of a millisecond or of token counts; neighbours
 * apart cost up to ten (six or seven for values of a few digits), so a
 * sample packs into at most 13.4 bytes a value, and most into far fewer.
 * The decoded values are bit for bit the ones packed; -0.0 is packed as
 * 0.0, its equal.
 */
#ifndef OED_SORTPACK_H
#define OED_SORTPACK_H

#include <stddef.h>

/*
 * x[0..n) ascending, finite, as a new NUL-terminated string (caller
 * frees); NULL when out of memory or x is not ascending.
 */
char *oed_sortpack_encode(const double *x, size_t n);
/*
 * Text made by oed_sortpack_encode back into x[0..n): 0, or -1 when the
 * text is not such a run of exactly n values.
 */
int oed_sortpack_decode(const char *text, size_t len, double *x, size_t n);

#endif
