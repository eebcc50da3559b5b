/* strdict.c: strings to small ids (see strdict.h). */
#include "config.h"
#include "strdict.h"

#include <stdlib.h>
#include <string.h>

#include "info/counts.h"

void
oed_strdict_init(struct oed_strdict *d, size_t max)
{
	memset(d, 0, sizeof(*d));
	oed_map_init(&d->ids);
	d->max = max;
}

void
oed_strdict_release(struct oed_strdict *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->lens);
	oed_map_release(&d->ids);
	memset(d, 0, sizeof(*d));
	oed_map_init(&d->ids);
}

/* Room for one more name; 0 or -1. */
static int
reserve(struct oed_strdict *d)
{
	size_t cap = d->names_cap ? d->names_cap * 2 : 16;
	char **names;
	size_t *lens;

	if (d->n < d->names_cap)
		return 0;
	if ((names = realloc(d->names, cap * sizeof(*names))) == NULL)
		return -1;
	d->names = names;
	if ((lens = realloc(d->lens, cap * sizeof(*lens))) == NULL)
		return -1;
	d->lens = lens;
	d->names_cap = cap;
	return 0;
}

int64_t
oed_strdict_id(struct oed_strdict *d, const char *s, size_t len)
{
	uint64_t h = oed_fingerprint(s, len), *id = oed_map_get(&d->ids, h);
	char *copy;

	if (id != NULL)
		return (int64_t)*id;
	if (d->n >= d->max)
		return OED_STRDICT_OTHER;
	if (reserve(d) == -1 || (copy = malloc(len + 1)) == NULL)
		return -1;
	if (oed_map_set(&d->ids, h, d->n) == -1) {
		free(copy);
		return -1;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	d->names[d->n] = copy;
	d->lens[d->n] = len;
	return (int64_t)d->n++;
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
