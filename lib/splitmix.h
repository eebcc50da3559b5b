/*
 * splitmix.h: SplitMix64 (Steele, Lea and Flood, 2014), the small
 * generator behind every seeded choice in oed: bootstrap seeds, MinHash
 * permutations, reservoirs and permutation tests.  The reference
 * generators under tests/ref/ reproduce it bit for bit, so keep it as is.
 */
#ifndef OED_SPLITMIX_H
#define OED_SPLITMIX_H

#include <stdint.h>

/* The next output; advances *state. */
static inline uint64_t
oed_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#endif
