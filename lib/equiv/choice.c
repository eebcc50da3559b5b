/* choice.c: names in family tables (see choice.h). */
#include "config.h"
#include "choice.h"

#include <stdio.h>
#include <string.h>

#include "exit.h"
#include "opt.h"

#define MAX_CHOICES 64

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

int
oed_choice_unknown(struct oed_err *err, const char *opt, const char *what, const char *s,
		   size_t len, const void *table, size_t n, size_t stride)
{
	const char *names[MAX_CHOICES];
	char word[80], msg[sizeof(err->msg)];

	if (n > MAX_CHOICES)
		n = MAX_CHOICES;
	for (size_t i = 0; i < n; i++)
		names[i] = oed_choice_name(table, stride, i);
	snprintf(word, sizeof(word), "%.*s", (int)(len < sizeof(word) - 1 ? len : sizeof(word) - 1), s);
	/* the family's wording, with the suggestion of oed_did_you_mean */
	oed_err_unknown(err, what, word, names, n);
	if (len == 0) {
		/* "unknown step ''" reads oddly: say what it is */
		const char *choices = strstr(err->msg, "choices: ");

		snprintf(msg, sizeof(msg), "%s: empty %s; %.400s", opt, what, choices ? choices : "");
	} else {
		snprintf(msg, sizeof(msg), "%s: %.480s", opt, err->msg);
	}
	return oed_err_set(err, OED_EX_USAGE, "%s", msg);
}
