/* strdict.c: strings to small ids (see strdict.h). */
#include "config.h"
#include "strdict.h"

#include <stdlib.h>
#include <string.h>

#include "counts.h"

void
oed_strdict_init(struct oed_strdict *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	d->max = max;
}

void
oed_strdict_release(struct oed_strdict *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->lens);
	free(d->fp);
	free(d->slot);
	memset(d, 0, sizeof(*d));
}

static int
grow(struct oed_strdict *d)
{
	size_t cap = d->cap ? d->cap * 2 : 64;
	uint64_t *fp = calloc(cap, sizeof(*fp));
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (fp == NULL || slot == NULL) {
		free(fp);
		free(slot);
		return -1;
	}
	for (size_t i = 0; i < d->cap; i++) {
		size_t j;

		if (d->slot[i] == 0)
			continue;
		for (j = d->fp[i] & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		fp[j] = d->fp[i];
		slot[j] = d->slot[i];
	}
	free(d->fp);
	free(d->slot);
	d->fp = fp;
	d->slot = slot;
	d->cap = cap;
	return 0;
}

int64_t
oed_strdict_id(struct oed_strdict *d, const char *s, size_t len)
{
	uint64_t h = oed_fingerprint(s, len);
	size_t i;

	if (d->cap) {
		for (i = h & (d->cap - 1); d->slot[i]; i = (i + 1) & (d->cap - 1))
			if (d->fp[i] == h)
				return d->slot[i] - 1;
	}
	if (d->n >= d->max)
		return OED_STRDICT_OTHER;
	if ((d->n + 1) * 2 > d->cap && grow(d) == -1)
		return -1;
	if (d->n == d->names_cap) {
		size_t cap = d->names_cap ? d->names_cap * 2 : 16;
		char **names = realloc(d->names, cap * sizeof(*names));
		size_t *lens;

		if (names == NULL)
			return -1;
		d->names = names;
		if ((lens = realloc(d->lens, cap * sizeof(*lens))) == NULL)
			return -1;
		d->lens = lens;
		d->names_cap = cap;
	}
	if ((d->names[d->n] = malloc(len + 1)) == NULL)
		return -1;
	memcpy(d->names[d->n], s, len);
	d->names[d->n][len] = '\0';
	d->lens[d->n] = len;
	for (i = h & (d->cap - 1); d->slot[i]; i = (i + 1) & (d->cap - 1))
		;
	d->fp[i] = h;
	d->slot[i] = (uint32_t)++d->n;
	return (int64_t)d->n - 1;
}

size_t
oed_strdict_size(const struct oed_strdict *d)
{
	return d->n;
}

const char *
oed_strdict_name(const struct oed_strdict *d, uint32_t id, size_t *len)
{
	*len = d->lens[id];
	return d->names[id];
}

int
oed_strdict_cmp(const struct oed_strdict *d, uint32_t a, uint32_t b)
{
	size_t la = d->lens[a], lb = d->lens[b];
	int c = memcmp(d->names[a], d->names[b], la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}
