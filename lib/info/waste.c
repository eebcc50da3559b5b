/*
 * waste.c: token waste, per class, per (input, class) of a stream, and
 * over a run (see waste.h).
 */
#include "config.h"
#include "waste.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"

int
oed_waste_class_add(struct oed_waste_class *c, uint64_t tokens, const struct oed_count *w)
{
	struct oed_count t;

	if (oed_count_mul(&t, tokens, w) == -1 || oed_count_add(&c->tokens, &t) == -1 ||
	    oed_count_add(&c->n, w) == -1)
		return -1;
	if (tokens < c->fewest)
		c->fewest = tokens;
	return 0;
}

int
oed_waste_class_merge(struct oed_waste_class *a, const struct oed_waste_class *b)
{
	if (oed_count_add(&a->n, &b->n) == -1 || oed_count_add(&a->tokens, &b->tokens) == -1)
		return -1;
	if (b->fewest < a->fewest)
		a->fewest = b->fewest;
	return 0;
}

double
oed_waste_class_total(const struct oed_waste_class *c)
{
	if (oed_count_is_zero(&c->n))
		return 0;
	if (c->n.frac == 0 && c->tokens.frac == 0) {
		/* whole counts: exact before the one rounding to double */
		unsigned __int128 least = (unsigned __int128)c->n.whole * c->fewest;

		return least >= c->tokens.whole ? 0 : (double)(c->tokens.whole - least);
	}
	double v = oed_count_value(&c->tokens) - (double)c->fewest * oed_count_value(&c->n);

	return v > 0 ? v : 0;
}

double
oed_waste_ratio_of(double waste, double tokens)
{
	return tokens > 0 ? waste / tokens : NAN;
}

/* ---- one class per (input, class) ---- */

void
oed_waste_tab_init(struct oed_waste_tab *t)
{
	memset(t, 0, sizeof(*t));
	oed_map_init(&t->at);
}

void
oed_waste_tab_release(struct oed_waste_tab *t)
{
	oed_map_release(&t->at);
	free(t->cell);
	oed_waste_tab_init(t);
}

/* The cell of (x, y), made empty when new; NULL when out of memory. */
static struct oed_waste_cell *
cell_of(struct oed_waste_tab *t, uint64_t x, uint64_t y)
{
	uint64_t key = oed_map_pair_key(x, y);
	const uint64_t *v;

	while ((v = oed_map_get(&t->at, key)) != NULL) {
		if (t->cell[*v].x == x && t->cell[*v].y == y)
			return &t->cell[*v];
		key += OED_MAP_PAIR_STEP;
	}
	if (t->used == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct oed_waste_cell *c = realloc(t->cell, cap * sizeof(*c));

		if (c == NULL)
			return NULL;
		t->cell = c;
		t->cap = cap;
	}
	if (oed_map_set(&t->at, key, t->used) == -1)
		return NULL;
	t->cell[t->used] = (struct oed_waste_cell){ x, y, OED_WASTE_CLASS_INIT };
	return &t->cell[t->used++];
}

int
oed_waste_tab_add(struct oed_waste_tab *t, uint64_t x, uint64_t y, uint64_t tokens,
		  const struct oed_count *w, struct oed_err *err)
{
	struct oed_waste_cell *c = cell_of(t, x, y);

	if (c == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (oed_waste_class_add(&c->c, tokens, w) == -1)
		return oed_err_set(err, OED_EX_DATA, "token counts pass 2^64");
	return 0;
}

int
oed_waste_tab_put(struct oed_waste_tab *t, uint64_t x, uint64_t y,
		  const struct oed_waste_class *cl, struct oed_err *err)
{
	struct oed_waste_cell *c = cell_of(t, x, y);

	if (c == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	if (oed_waste_class_merge(&c->c, cl) == -1)
		return oed_err_set(err, OED_EX_DATA, "token counts pass 2^64");
	return 0;
}

static int
cell_cmp(const void *a, const void *b)
{
	const struct oed_waste_cell *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->y < q->y ? -1 : p->y > q->y;
}

void
oed_waste_tab_settle(struct oed_waste_tab *t)
{
	size_t k = 0;

	oed_map_release(&t->at);
	if (t->used == 0)
		return;
	oed_sort(t->cell, t->used, sizeof(*t->cell), cell_cmp);
	for (size_t i = 0; i < t->used; i++) {
		/* overflow was ruled out when the cells were counted apart */
		if (k > 0 && cell_cmp(&t->cell[k - 1], &t->cell[i]) == 0)
			(void)oed_waste_class_merge(&t->cell[k - 1].c, &t->cell[i].c);
		else
			t->cell[k++] = t->cell[i];
	}
	t->used = k;
}

void
oed_waste_sum_cells(struct oed_waste_sum *s, const struct oed_waste_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->outputs += oed_count_value(&cells[i].c.n);
		s->tokens += oed_count_value(&cells[i].c.tokens);
		s->waste += oed_waste_class_total(&cells[i].c);
	}
}
