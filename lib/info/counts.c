#include "config.h"
#include "counts.h"
#include "exit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

uint64_t
oed_fingerprint(const char *s, size_t len)
{
	return XXH3_64bits(s, len);
}

/* ---- exact counts ---- */

int
oed_count_from_double(double w, struct oed_count *c)
{
	double whole;

	if (!(w >= 0) || !(w < 18446744073709551616.0))
		return -1;
	whole = floor(w);
	c->whole = (uint64_t)whole;
	/* w - whole is exact (Sterbenz); scaling by 2^64 keeps every bit above 2^-64 */
	c->frac = (uint64_t)ldexp(w - whole, 64);
	return 0;
}

int
oed_count_add(struct oed_count *a, const struct oed_count *b)
{
	uint64_t frac = a->frac + b->frac, carry = frac < a->frac;
	uint64_t whole = a->whole + b->whole;

	if (whole < a->whole || whole + carry < whole)
		return -1;
	a->whole = whole + carry;
	a->frac = frac;
	return 0;
}

/* The 128-bit product a * b as hi:lo, in portable C. */
static void
mul_64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = a & 0xFFFFFFFF, a1 = a >> 32, b0 = b & 0xFFFFFFFF, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFF) + (p10 & 0xFFFFFFFF);

	*lo = (mid << 32) | (p00 & 0xFFFFFFFF);
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

int
oed_count_mul(struct oed_count *a, uint64_t m, const struct oed_count *b)
{
	uint64_t fhi, flo, whi, wlo;

	mul_64(b->frac, m, &fhi, &flo);
	mul_64(b->whole, m, &whi, &wlo);
	if (whi != 0 || wlo + fhi < wlo)
		return -1;
	a->whole = wlo + fhi;
	a->frac = flo;
	return 0;
}

double
oed_count_value(const struct oed_count *c)
{
	return (double)c->whole + ldexp((double)c->frac, -64);
}

int
oed_count_cmp(const struct oed_count *a, const struct oed_count *b)
{
	if (a->whole != b->whole)
		return a->whole < b->whole ? -1 : 1;
	if (a->frac != b->frac)
		return a->frac < b->frac ? -1 : 1;
	return 0;
}

/* ---- exact tables ---- */

void
oed_tab_init(struct oed_tab *t, unsigned nkeys)
{
	memset(t, 0, sizeof(*t));
	t->nkeys = nkeys;
}

void
oed_tab_release(struct oed_tab *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->used = 0;
	t->total = (struct oed_count){ 0, 0 };
	t->fractional = false;
}

static inline size_t
row_hash(const uint64_t *k, unsigned nkeys, size_t cap)
{
	/*
	 * The keys are XXH3 outputs and already well mixed; multiply the later
	 * ones by odd constants so that permuted keys land apart.
	 */
	uint64_t h = k[0];

	if (nkeys > 1)
		h ^= k[1] * 0x9E3779B97F4A7C15ULL;
	if (nkeys > 2)
		h ^= k[2] * 0xC2B2AE3D27D4EB4FULL;
	return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

#define STRIDE(t) ((size_t)(t)->nkeys + 2)
#define FREE(s, n) ((s)[(n)] == 0 && (s)[(n) + 1] == 0)

static int
tab_grow(struct oed_tab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256, st = STRIDE(t);
	uint64_t *slot = calloc(cap, st * sizeof(*slot));

	if (slot == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		const uint64_t *r = t->slot + i * st;
		size_t j;

		if (FREE(r, t->nkeys))
			continue;
		for (j = row_hash(r, t->nkeys, cap); !FREE(slot + j * st, t->nkeys); j = (j + 1) & (cap - 1))
			;
		memcpy(slot + j * st, r, st * sizeof(*slot));
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

int
oed_tab_add(struct oed_tab *t, const uint64_t *k, const struct oed_count *w, struct oed_err *err)
{
	return oed_tab_add_get(t, k, w, NULL, err);
}

int
oed_tab_add_get(struct oed_tab *t, const uint64_t *k, const struct oed_count *w,
		struct oed_count *now, struct oed_err *err)
{
	size_t st = STRIDE(t), nk = t->nkeys, i;
	struct oed_count c;
	uint64_t *r;

	if (oed_count_is_zero(w))
		return 0;
	if ((t->used + 1) * 4 > t->cap * 3 && tab_grow(t) == -1)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (i = row_hash(k, t->nkeys, t->cap);; i = (i + 1) & (t->cap - 1)) {
		r = t->slot + i * st;
		if (FREE(r, nk)) {
			memcpy(r, k, nk * sizeof(*k));
			t->used++;
			break;
		}
		if (r[0] == k[0] && (nk < 2 || r[1] == k[1]) && (nk < 3 || r[2] == k[2]))
			break;
	}
	c = (struct oed_count){ r[nk], r[nk + 1] };
	if (oed_count_add(&c, w) == -1 || oed_count_add(&t->total, w) == -1)
		return oed_err_set(err, OED_EX_FAIL, "a count passed 2^64");
	r[nk] = c.whole;
	r[nk + 1] = c.frac;
	if (w->frac)
		t->fractional = true;
	if (now)
		*now = c;
	return 0;
}

int
oed_tab_get(const struct oed_tab *t, size_t i, struct oed_row *row)
{
	const uint64_t *r = t->slot + i * STRIDE(t);

	if (FREE(r, t->nkeys))
		return 0;
	memset(row->k, 0, sizeof(row->k));
	memcpy(row->k, r, t->nkeys * sizeof(*r));
	row->n = (struct oed_count){ r[t->nkeys], r[t->nkeys + 1] };
	return 1;
}

int
oed_tab_merge(struct oed_tab *t, const struct oed_tab *src, struct oed_err *err)
{
	struct oed_row row;

	for (size_t i = 0; i < src->cap; i++)
		if (oed_tab_get(src, i, &row) && oed_tab_add(t, row.k, &row.n, err) == -1)
			return -1;
	return 0;
}

int
oed_row_cmp(const void *a, const void *b)
{
	const struct oed_row *p = a, *q = b;

	for (int i = 0; i < OED_TAB_MAXKEYS; i++)
		if (p->k[i] != q->k[i])
			return p->k[i] < q->k[i] ? -1 : 1;
	return 0;
}

int
oed_tab_sorted(const struct oed_tab *t, struct oed_row **rows, size_t *n, struct oed_err *err)
{
	struct oed_row *out;
	size_t k = 0;

	*rows = NULL;
	*n = 0;
	if (t->used == 0)
		return 0;
	if ((out = malloc(t->used * sizeof(*out))) == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	for (size_t i = 0; i < t->cap; i++)
		k += oed_tab_get(t, i, &out[k]);
	qsort(out, k, sizeof(*out), oed_row_cmp);
	*rows = out;
	*n = k;
	return 0;
}

/* ---- sorting without allocation ---- */

static void
swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

static void
sift_down(char *base, size_t root, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

static void
heap_sort(char *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t i = n; i-- > 1;) {
		swap_bytes(base, base + i * size, size);
		sift_down(base, 0, i, size, cmp);
	}
}

/* Introsort: quicksort (median of three), heapsort past a depth, insertion below 16. */
static void
intro_sort(char *base, size_t n, size_t size, int (*cmp)(const void *, const void *), int depth)
{
	while (n > 16) {
		char *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
		size_t i, j;

		if (depth-- == 0) {
			heap_sort(base, n, size, cmp);
			return;
		}
		if (cmp(mid, lo) < 0)
			swap_bytes(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap_bytes(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap_bytes(mid, lo, size);
		}
		/* the pivot to the front, then Hoare's partition */
		swap_bytes(base, mid, size);
		i = 0;
		j = n;
		for (;;) {
			do
				i++;
			while (i < n && cmp(base + i * size, base) < 0);
			do
				j--;
			while (cmp(base + j * size, base) > 0);
			if (i >= j)
				break;
			swap_bytes(base + i * size, base + j * size, size);
		}
		swap_bytes(base, base + j * size, size);
		/* recurse on the smaller side, loop on the larger: O(log n) stack */
		if (j < n - j - 1) {
			intro_sort(base, j, size, cmp, depth);
			base += (j + 1) * size;
			n -= j + 1;
		} else {
			intro_sort(base + (j + 1) * size, n - j - 1, size, cmp, depth);
			n = j;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
			swap_bytes(base + (j - 1) * size, base + j * size, size);
}

void
oed_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	int depth = 0;

	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	intro_sort(base, n, size, cmp, depth);
}

int
oed_tab_take_sorted(struct oed_tab *t, struct oed_row **rows, size_t *n, struct oed_err *err)
{
	size_t st = STRIDE(t), k = 0, have = t->cap * st * sizeof(uint64_t);
	struct oed_row *out;
	char *bytes;

	*rows = NULL;
	*n = 0;
	if (t->used == 0) {
		oed_tab_release(t);
		return 0;
	}
	/* the rows to the front, as they are stored */
	for (size_t i = 0; i < t->cap; i++) {
		const uint64_t *r = t->slot + i * st;

		if (!FREE(r, t->nkeys)) {
			if (k != i)
				memmove(t->slot + k * st, r, st * sizeof(*r));
			k++;
		}
	}
	if (k * sizeof(*out) > have) {
		uint64_t *grown = realloc(t->slot, k * sizeof(*out));

		if (grown == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		t->slot = grown;
	}
	/* widen each into a struct oed_row, from the back: a row never overwrites one not yet read */
	bytes = (char *)t->slot;
	for (size_t i = k; i-- > 0;) {
		const uint64_t *r = t->slot + i * st;
		struct oed_row row = { { 0, 0, 0 }, { r[t->nkeys], r[t->nkeys + 1] } };

		memcpy(row.k, r, t->nkeys * sizeof(*r));
		memcpy(bytes + i * sizeof(row), &row, sizeof(row));
	}
	out = (struct oed_row *)(void *)bytes;
	oed_sort(out, k, sizeof(*out), oed_row_cmp);
	/* the slots are the rows now: the table lets go of them */
	t->slot = NULL;
	oed_tab_release(t);
	if (k * sizeof(*out) < have) {
		struct oed_row *shrunk = realloc(out, k * sizeof(*out));

		if (shrunk)
			out = shrunk;
	}
	*rows = out;
	*n = k;
	return 0;
}

/* ---- fingerprint -> text ---- */

void
oed_names_init(struct oed_names *m)
{
	oed_map_init(&m->map);
	oed_buf_init(&m->text);
}

void
oed_names_release(struct oed_names *m)
{
	oed_map_release(&m->map);
	oed_buf_release(&m->text);
}

int
oed_names_put(struct oed_names *m, uint64_t key, const char *s, size_t len)
{
	size_t at = m->text.len;
	uint64_t *v;
	bool added;

	if (oed_map_get(&m->map, key))
		return 0;
	/* the text first: a key never points past the arena */
	if (oed_buf_reserve(&m->text, at + len + 1) == -1)
		return -1;
	if ((v = oed_map_put(&m->map, key, &added)) == NULL)
		return -1;
	memcpy(m->text.data + at, s, len);
	m->text.data[at + len] = '\0';
	m->text.len = at + len + 1;
	*v = at;
	return 0;
}

const char *
oed_names_get(const struct oed_names *m, uint64_t key)
{
	const uint64_t *v = oed_map_get(&m->map, key);

	return v ? m->text.data + *v : NULL;
}

size_t
oed_names_size(const struct oed_names *m)
{
	return oed_map_size(&m->map);
}

bool
oed_names_next(const struct oed_names *m, size_t *it, uint64_t *key)
{
	uint64_t off;

	return oed_map_next(&m->map, it, key, &off);
}
