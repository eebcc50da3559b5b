/* choice.c: names in family tables (see choice.h). */
#include "config.h"
#include "choice.h"

#include <stdio.h>
#include <string.h>

#include "exit.h"

const char *
oed_choice_name(const void *table, size_t stride, size_t i)
{
	return *(const char *const *)(const void *)((const char *)table + i * stride);
}

int
oed_choice_find(const void *table, size_t n, size_t stride, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = oed_choice_name(table, stride, i);

		if (strlen(name) == len && memcmp(name, s, len) == 0)
			return (int)i;
	}
	return -1;
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), capped. */
static size_t
distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[3][33], *prev2 = d[0], *prev = d[1], *cur = d[2];

	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < c)
				c = prev[j] + 1;
			if (cur[j - 1] + 1 < c)
				c = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < c)
				c = prev2[j - 2] + 1;
			cur[j] = c;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/*
 * NEEDSWORK: lib/ is to get one oed_did_you_mean() for every family and
 * option; this becomes a call to it then.
 */
int
oed_choice_closest(const void *table, size_t n, size_t stride, const char *s, size_t len)
{
	size_t best = (size_t)-1;
	int at = -1;

	for (size_t i = 0; i < n; i++) {
		const char *name = oed_choice_name(table, stride, i);
		size_t nl = strlen(name), d = distance(s, len, name, nl);
		/* a typo: one edit in short names, a third of the letters in long ones */
		size_t limit = (nl > len ? nl : len) / 3 > 1 ? (nl > len ? nl : len) / 3 : 1;

		if (len >= 2 && nl > len && memcmp(name, s, len) == 0)
			d = 1;	/* a prefix */
		if (d <= limit && d < best) {
			best = d;
			at = (int)i;
		}
	}
	return at;
}

size_t
oed_choice_list(char *buf, size_t size, const void *table, size_t n, size_t stride)
{
	size_t at = 0;

	if (size > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, "%s%s",
				 i == 0 ? "" : i + 1 == n ? " or " : ", ", oed_choice_name(table, stride, i));

		if (k > 0)
			at += (size_t)k;
	}
	return at;
}

int
oed_choice_unknown(struct oed_err *err, const char *opt, const char *what, const char *s,
		   size_t len, const void *table, size_t n, size_t stride)
{
	char list[512];
	int near = oed_choice_closest(table, n, stride, s, len);
	int shown = (int)(len > 64 ? 64 : len);

	oed_choice_list(list, sizeof(list), table, n, stride);
	if (len == 0)
		return oed_err_set(err, OED_EX_USAGE, "%s: empty %s (one of %s)", opt, what, list);
	if (near >= 0)
		return oed_err_set(err, OED_EX_USAGE, "%s: unknown %s '%.*s', did you mean '%s'? (one of %s)",
				   opt, what, shown, s, oed_choice_name(table, stride, (size_t)near), list);
	return oed_err_set(err, OED_EX_USAGE, "%s: unknown %s '%.*s' (one of %s)", opt, what, shown, s,
			   list);
}
