/*
 * man_lists.h: whether a family table's names are all in the man pages,
 * for the unit tests of the modules that own the tables.  Needs
 * $top_srcdir (make check sets it).
 */
#ifndef OED_TEST_MAN_LISTS_H
#define OED_TEST_MAN_LISTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of top_srcdir/rel (caller frees), or NULL. */
static char *
man_text(const char *rel)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	FILE *fp;
	char *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	buf = malloc(1 << 20);
	if (buf)
		buf[len = fread(buf, 1, (1 << 20) - 1, fp)] = '\0';
	fclose(fp);
	return buf;
}

/*
 * Whether text holds before NAME after, e.g. ("\n.It Cm ", "plugin", "\n")
 * or (".Cm ", "plugin", " ,"): after is a set of bytes that may follow.
 */
static int
man_has(const char *text, const char *before, const char *name, const char *after)
{
	size_t bl = strlen(before), nl = strlen(name);

	for (const char *p = strstr(text, before); p; p = strstr(p + 1, before))
		if (strncmp(p + bl, name, nl) == 0 && p[bl + nl] != '\0' && strchr(after, p[bl + nl]))
			return 1;
	return 0;
}

#endif
