#include "config.h"
#include "map.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 16

void
oed_map_init(struct oed_map *m)
{
	static const struct oed_map empty = OED_MAP_INIT;

	*m = empty;
}

void
oed_map_release(struct oed_map *m)
{
	free(m->slot);
	oed_map_init(m);
}

void
oed_map_clear(struct oed_map *m)
{
	if (m->slot)
		memset(m->slot, 0, m->cap * sizeof(*m->slot));
	m->used = 0;
	m->has_zero = false;
	m->zero_val = 0;
}

/* Below two thirds full with n keys in cap slots. */
static bool
fits(size_t n, size_t cap)
{
	return n <= cap / 3 * 2;
}

static int
rehash(struct oed_map *m, size_t cap)
{
	struct oed_map_slot *slot;
	unsigned shift = 64;
	size_t mask = cap - 1;

	for (size_t c = cap; c > 1; c >>= 1)
		shift--;
	if ((slot = calloc(cap, sizeof(*slot))) == NULL)
		return -1;
	for (size_t j = 0; j < m->cap; j++) {
		size_t i;

		if (m->slot[j].key == 0)
			continue;
		for (i = oed_map_home_(m->slot[j].key, shift); slot[i].key; i = (i + 1) & mask)
			;
		slot[i] = m->slot[j];
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	m->shift = shift;
	return 0;
}

int
oed_map_reserve(struct oed_map *m, size_t n)
{
	size_t cap = m->cap ? m->cap : MIN_CAP;

	while (!fits(n, cap)) {
		if (cap > SIZE_MAX / 2 / sizeof(*m->slot))
			return -1;
		cap *= 2;
	}
	return cap == m->cap ? 0 : rehash(m, cap);
}

uint64_t *
oed_map_put(struct oed_map *m, uint64_t key, bool *added)
{
	size_t i, mask;
	bool dummy;

	if (added == NULL)
		added = &dummy;
	*added = false;
	if (key == 0) {
		if (!m->has_zero) {
			m->has_zero = true;
			m->zero_val = 0;
			*added = true;
		}
		return &m->zero_val;
	}
	if (m->cap) {
		mask = m->cap - 1;
		for (i = oed_map_home_(key, m->shift); m->slot[i].key; i = (i + 1) & mask)
			if (m->slot[i].key == key)
				return &m->slot[i].val;
	}
	if (!fits(m->used + 1, m->cap) && oed_map_reserve(m, m->used + 1) == -1)
		return NULL;
	mask = m->cap - 1;
	for (i = oed_map_home_(key, m->shift); m->slot[i].key; i = (i + 1) & mask)
		;
	m->slot[i].key = key;
	m->slot[i].val = 0;
	m->used++;
	*added = true;
	return &m->slot[i].val;
}

int
oed_map_set(struct oed_map *m, uint64_t key, uint64_t val)
{
	uint64_t *v = oed_map_put(m, key, NULL);

	if (v == NULL)
		return -1;
	*v = val;
	return 0;
}

bool
oed_map_del(struct oed_map *m, uint64_t key, uint64_t *val)
{
	size_t i, j, mask;

	if (key == 0) {
		if (!m->has_zero)
			return false;
		if (val)
			*val = m->zero_val;
		m->has_zero = false;
		m->zero_val = 0;
		return true;
	}
	if (m->cap == 0)
		return false;
	mask = m->cap - 1;
	for (i = oed_map_home_(key, m->shift); m->slot[i].key != key; i = (i + 1) & mask)
		if (m->slot[i].key == 0)
			return false;
	if (val)
		*val = m->slot[i].val;
	/*
	 * Shift the rest of the run back over the hole: a key moves into the
	 * hole when the hole lies between its home and where it sits, so no
	 * lookup ever stops at an empty slot before its key.
	 */
	for (j = (i + 1) & mask; m->slot[j].key; j = (j + 1) & mask) {
		size_t home = oed_map_home_(m->slot[j].key, m->shift);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].key = 0;
	m->slot[i].val = 0;
	m->used--;
	return true;
}

bool
oed_map_next(const struct oed_map *m, size_t *it, uint64_t *key, uint64_t *val)
{
	/* *it: 0 is the zero key, then slot *it - 1 */
	if (*it == 0) {
		*it = 1;
		if (m->has_zero) {
			*key = 0;
			*val = m->zero_val;
			return true;
		}
	}
	for (; *it <= m->cap; (*it)++) {
		const struct oed_map_slot *s = &m->slot[*it - 1];

		if (s->key) {
			(*it)++;
			*key = s->key;
			*val = s->val;
			return true;
		}
	}
	return false;
}
