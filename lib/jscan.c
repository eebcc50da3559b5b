#include "config.h"
#include "jscan.h"

#include <stdlib.h>

/*
 * NEEDSWORK: the validating scanner lands in its own commit; until then
 * every line goes through jansson, which is always correct, only slower.
 */
struct oed_jscan {
	size_t npaths;
};

struct oed_jscan *
oed_jscan_new(const struct oed_path *paths, size_t npaths)
{
	struct oed_jscan *scan = calloc(1, sizeof(*scan));

	(void)paths;
	if (scan)
		scan->npaths = npaths;
	return scan;
}

void
oed_jscan_free(struct oed_jscan *scan)
{
	free(scan);
}

int
oed_jscan_line(struct oed_jscan *scan, const char *line, size_t len,
	       struct oed_value *vals)
{
	(void)scan; (void)line; (void)len; (void)vals;
	return 0;
}
