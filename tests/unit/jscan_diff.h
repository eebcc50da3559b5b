/*
 * jscan_diff.h: the differential oracle shared by the unit test and the
 * fuzz target.  A line is compared between the fast scanner and jansson,
 * the reference: the scanner may decline any line (0), but a line it
 * accepts must be one jansson accepts as an object, with identical values
 * for every requested path.
 *
 * jansson is asked as the reader asks it (JSON_ALLOW_NUL), and for the
 * numbers RFC 8259 allows and jansson refuses this file rewrites the line
 * on its own, independently of the reader: an integer past a long long
 * gets ".0" (a real of the same digits), a number beyond a double becomes
 * the string DIFF_OVER, which the scanner must report as a number flagged
 * overflow, and any array or object holding one must be flagged too.
 */
#ifndef OED_JSCAN_DIFF_H
#define OED_JSCAN_DIFF_H

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "jscan.h"

/*
 * The requested paths: short keys so that random lines hit them and repeat
 * them; keys and array indices at several depths, a digit segment that is
 * a key only ("01"), an empty key ("/"), and "/n/x", a second spelling of
 * "n.x" that shares its node.
 */
static const char *const diff_specs[] = {
	"a", "b", "s", "n.x", "n.y.z", "arr", "u", "e\\.f",
	"arr.0", "arr.2.k", "n.y.1", "n.y.01", "m.0.1", "/n/x", "/", "1",
};
#define DIFF_NPATHS (sizeof(diff_specs) / sizeof(diff_specs[0]))

/* What stands for a number beyond a double in the rewritten line. */
#define DIFF_OVER "\\u0000oed:overflow"
#define DIFF_OVER_LEN 13	/* decoded: NUL and 12 bytes */

static bool
diff_is_over(json_t *j)
{
	return json_is_string(j) && json_string_length(j) == DIFF_OVER_LEN &&
	    memcmp(json_string_value(j), "\0oed:overflow", DIFF_OVER_LEN) == 0;
}

/* Whether j is, or holds at any depth, a number beyond a double. */
static bool
diff_holds_over(json_t *j)
{
	size_t i;
	const char *k;
	json_t *e;

	if (diff_is_over(j))
		return true;
	if (json_is_array(j)) {
		json_array_foreach(j, i, e)
			if (diff_holds_over(e))
				return true;
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, e)
			if (diff_holds_over(e))
				return true;
	}
	return false;
}

/*
 * The reference parse: jansson with JSON_ALLOW_NUL, and when it refuses a
 * number for its range only, again on the line rewritten as above.  *over
 * counts the numbers beyond a double.  NULL when refused.
 */
static json_t *
diff_load(const char *line, size_t len, unsigned *over)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	char *fix, *w;
	const char *p = line, *end = line + len;

	*over = 0;
	if (root || json_error_code(&jerr) != json_error_numeric_overflow)
		return root;
	/* a rewritten number grows by less than DIFF_OVER and its quotes */
	if ((fix = malloc(len * (DIFF_OVER_LEN + 8) + 1)) == NULL)
		return NULL;
	w = fix;
	while (p < end) {
		const char *q = p, *digits;
		bool real = false;

		if (*p == '"') {
			for (q++; q < end && *q != '"'; q++)
				if (*q == '\\' && q + 1 < end)
					q++;
			q += q < end;
			memcpy(w, p, (size_t)(q - p));
			w += q - p;
			p = q;
			continue;
		}
		/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
		if (q < end && *q == '-')
			q++;
		digits = q;
		if (q < end && *q == '0')
			q++;
		else
			while (q < end && *q >= '0' && *q <= '9')
				q++;
		if (q > digits && q < end && *q == '.' && q + 1 < end && q[1] >= '0' && q[1] <= '9') {
			real = true;
			for (q++; q < end && *q >= '0' && *q <= '9'; q++)
				;
		}
		if (q > digits && q < end && (*q == 'e' || *q == 'E')) {
			const char *e = q + 1;

			if (e < end && (*e == '+' || *e == '-'))
				e++;
			if (e < end && *e >= '0' && *e <= '9') {
				real = true;
				for (q = e; q < end && *q >= '0' && *q <= '9'; q++)
					;
			}
		}
		if (q == digits) {
			*w++ = *p++;
			continue;
		}
		{
			char *tok = strndup(p, (size_t)(q - p));
			double d;
			bool big;

			errno = 0;
			(void)strtoll(tok, NULL, 10);
			big = real || errno == ERANGE;
			errno = 0;
			d = strtod(tok, NULL);
			free(tok);
			if (big && errno == ERANGE && isinf(d)) {
				memcpy(w, "\"" DIFF_OVER "\"", sizeof(DIFF_OVER) + 1);
				w += sizeof(DIFF_OVER) + 1;
				(*over)++;
			} else {
				memcpy(w, p, (size_t)(q - p));
				w += q - p;
				if (big && !real) {
					memcpy(w, ".0", 2);
					w += 2;
				}
			}
			p = q;
		}
	}
	root = json_loadb(fix, (size_t)(w - fix), JSON_ALLOW_NUL, NULL);
	free(fix);
	return root;
}

static void
diff_expect(json_t *j, struct oed_value *v)
{
	memset(v, 0, sizeof(*v));
	if (diff_is_over(j)) {
		v->type = OED_V_NUMBER;
		v->overflow = true;
		return;
	}
	switch (j ? json_typeof(j) : JSON_NULL) {
	case JSON_OBJECT: v->type = OED_V_OBJECT; break;
	case JSON_ARRAY: v->type = OED_V_ARRAY; break;
	case JSON_STRING:
		v->type = OED_V_STRING;
		v->str = json_string_value(j);
		v->len = json_string_length(j);
		break;
	case JSON_INTEGER:
		v->type = OED_V_NUMBER;
		v->is_int = true;
		v->i = json_integer_value(j);
		v->num = (double)v->i;
		break;
	case JSON_REAL:
		v->type = OED_V_NUMBER;
		v->num = json_real_value(j);
		break;
	case JSON_TRUE: v->type = OED_V_TRUE; v->num = 1; break;
	case JSON_FALSE: v->type = OED_V_FALSE; break;
	case JSON_NULL: v->type = j ? OED_V_NULL : OED_V_MISSING; break;
	}
}

/*
 * Returns: 1 scanner accepted (and agreed), 0 scanner declined a line
 * jansson accepts as an object, 2 both refuse, -1 disagreement (why in msg).
 */
static int
diff_line(struct oed_jscan *scan, const struct oed_path *paths, const char *line, size_t len,
	  char *msg, size_t msgsz)
{
	struct oed_value got[DIFF_NPATHS], want;
	unsigned over;
	json_t *root = diff_load(line, len, &over);
	int fast = oed_jscan_line(scan, line, len, got);
	bool object = root && json_is_object(root);
	int rc;

	if (fast == 1 && !object) {
		snprintf(msg, msgsz, "scanner accepted a line jansson refuses");
		rc = -1;
	} else if (fast == 1) {
		rc = 1;
		for (size_t i = 0; i < DIFF_NPATHS && rc == 1; i++) {
			json_t *j = oed_path_get(&paths[i], root);

			diff_expect(j, &want);
			/*
			 * A container: flagged when it holds a number beyond a
			 * double; also allowed when one is in the line but a later
			 * duplicate key dropped it from the tree (the scanner counts
			 * numbers as written).
			 */
			if ((want.type == OED_V_ARRAY || want.type == OED_V_OBJECT) &&
			    (diff_holds_over(j) ? !got[i].overflow : got[i].overflow && over == 0)) {
				snprintf(msg, msgsz, "path '%s': scanner overflow %d, jansson %d",
					 diff_specs[i], got[i].overflow, diff_holds_over(j));
				rc = -1;
				break;
			}
			if (want.type == OED_V_NUMBER && got[i].overflow != want.overflow) {
				snprintf(msg, msgsz, "path '%s': scanner overflow %d, jansson %d",
					 diff_specs[i], got[i].overflow, want.overflow);
				rc = -1;
				break;
			}
			if (want.overflow)
				continue;	/* no value to compare */
			if (got[i].type != want.type ||
			    (want.type == OED_V_STRING &&
			     (got[i].len != want.len || memcmp(got[i].str, want.str, want.len) != 0 ||
			      got[i].str[got[i].len] != '\0')) ||
			    (want.type == OED_V_NUMBER &&
			     (got[i].is_int != want.is_int || got[i].i != want.i ||
			      memcmp(&got[i].num, &want.num, sizeof(double)) != 0))) {
				snprintf(msg, msgsz, "path '%s': scanner %s, jansson %s", diff_specs[i],
					 oed_vtype_name(got[i].type), oed_vtype_name(want.type));
				rc = -1;
			}
		}
	} else {
		rc = object ? 0 : 2;
	}
	json_decref(root);
	return rc;
}

#endif
