#include "config.h"
#include "counts.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

uint64_t
oed_fingerprint(const char *s, size_t len)
{
	return XXH3_64bits(s, len);
}

void
oed_cells_init(struct oed_cells *t)
{
	memset(t, 0, sizeof(*t));
}

void
oed_cells_release(struct oed_cells *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static inline size_t
slot_of(uint64_t x, uint64_t y, size_t cap)
{
	/* x and y are already well mixed; fold them so (x, y) and (y, x) differ */
	uint64_t h = x ^ (y * 0x9E3779B97F4A7C15ULL + (y >> 29));

	return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

static int
grow(struct oed_cells *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct oed_cell *slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		const struct oed_cell *c = &t->slot[i];
		size_t j;

		if (c->n == 0)
			continue;
		for (j = slot_of(c->x, c->y, cap); slot[j].n != 0; j = (j + 1) & (cap - 1))
			;
		slot[j] = *c;
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

int
oed_cells_add(struct oed_cells *t, uint64_t x, uint64_t y, double w)
{
	size_t i;

	if ((t->used + 1) * 4 > t->cap * 3 && grow(t) == -1)
		return -1;
	for (i = slot_of(x, y, t->cap); t->slot[i].n != 0; i = (i + 1) & (t->cap - 1))
		if (t->slot[i].x == x && t->slot[i].y == y) {
			t->slot[i].n += w;
			t->total += w;
			return 0;
		}
	t->slot[i].x = x;
	t->slot[i].y = y;
	t->slot[i].n = w;
	t->used++;
	t->total += w;
	return 0;
}

static int
cell_cmp(const void *a, const void *b)
{
	const struct oed_cell *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return 0;
}

struct oed_cell *
oed_cells_sorted(const struct oed_cells *t, size_t *n)
{
	struct oed_cell *out;
	size_t k = 0;

	*n = 0;
	if (t->used == 0 || (out = malloc(t->used * sizeof(*out))) == NULL)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].n != 0)
			out[k++] = t->slot[i];
	qsort(out, k, sizeof(*out), cell_cmp);
	*n = k;
	return out;
}
