#include "config.h"
#include "field.h"
#include "exit.h"

#include <stdlib.h>
#include <string.h>

static int
push(struct oed_path *p, const char *buf, size_t len, struct oed_err *err)
{
	struct oed_path_seg *s = realloc(p->seg, (p->nseg + 1) * sizeof(*s));
	long index = -1;

	if (s == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	p->seg = s;
	s = &p->seg[p->nseg];
	s->key = malloc(len + 1);
	if (s->key == NULL)
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	memcpy(s->key, buf, len);
	s->key[len] = '\0';
	s->len = len;
	/* "0" or a number without a leading zero can index an array */
	if (len > 0 && len < 10 && (buf[0] != '0' || len == 1)) {
		size_t i;

		for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
			;
		if (i == len)
			index = strtol(s->key, NULL, 10);
	}
	s->index = index;
	p->nseg++;
	return 0;
}

int
oed_path_parse(struct oed_path *path, const char *spec, struct oed_err *err)
{
	size_t n = strlen(spec), len = 0;
	char *buf;
	int rc = -1;

	memset(path, 0, sizeof(*path));
	if (n == 0)
		return oed_err_set(err, OED_EX_USAGE, "empty field path");
	path->spec = strdup(spec);
	buf = malloc(n + 1);
	if (path->spec == NULL || buf == NULL) {
		free(buf);
		oed_path_release(path);
		return oed_err_set(err, OED_EX_FAIL, "out of memory");
	}
	if (spec[0] == '/') {
		for (const char *c = spec + 1;; c++) {
			if (*c == '/' || *c == '\0') {
				if (push(path, buf, len, err) == -1)
					goto out;
				len = 0;
				if (*c == '\0')
					break;
			} else if (*c == '~') {
				if (c[1] == '0')
					buf[len++] = '~';
				else if (c[1] == '1')
					buf[len++] = '/';
				else {
					oed_err_set(err, OED_EX_USAGE,
						    "field '%s': '~' must be followed by 0 or 1 in a JSON Pointer",
						    oed_quote(spec));
					goto out;
				}
				c++;
			} else {
				buf[len++] = *c;
			}
		}
	} else {
		for (const char *c = spec;; c++) {
			if (*c == '.' || *c == '\0') {
				if (len == 0) {
					oed_err_set(err, OED_EX_USAGE, "field '%s' has an empty segment",
						    oed_quote(spec));
					goto out;
				}
				if (push(path, buf, len, err) == -1)
					goto out;
				len = 0;
				if (*c == '\0')
					break;
			} else if (*c == '\\' && c[1] == '.') {
				buf[len++] = '.';
				c++;
			} else {
				buf[len++] = *c;
			}
		}
	}
	rc = 0;
out:
	free(buf);
	if (rc == -1)
		oed_path_release(path);
	return rc;
}

void
oed_path_release(struct oed_path *path)
{
	for (size_t i = 0; i < path->nseg; i++)
		free(path->seg[i].key);
	free(path->seg);
	free(path->spec);
	memset(path, 0, sizeof(*path));
}

json_t *
oed_path_get(const struct oed_path *path, json_t *root)
{
	json_t *v = root;

	for (size_t i = 0; i < path->nseg && v != NULL; i++) {
		const struct oed_path_seg *s = &path->seg[i];

		if (json_is_object(v))
			v = json_object_getn(v, s->key, s->len);
		else if (json_is_array(v) && s->index >= 0)
			v = json_array_get(v, (size_t)s->index);
		else
			v = NULL;
	}
	return v;
}

bool
oed_path_same(const char *a, const char *b)
{
	struct oed_path pa, pb;
	struct oed_err err;
	bool same;

	if (strcmp(a, b) == 0)
		return true;
	if (oed_path_parse(&pa, a, &err) == -1)
		return false;
	if (oed_path_parse(&pb, b, &err) == -1) {
		oed_path_release(&pa);
		return false;
	}
	same = pa.nseg == pb.nseg;
	for (size_t i = 0; same && i < pa.nseg; i++)
		same = pa.seg[i].len == pb.seg[i].len &&
		       memcmp(pa.seg[i].key, pb.seg[i].key, pa.seg[i].len) == 0;
	oed_path_release(&pa);
	oed_path_release(&pb);
	return same;
}
