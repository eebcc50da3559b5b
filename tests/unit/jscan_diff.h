/*
 * jscan_diff.h: the differential oracle shared by the unit test and the
 * fuzz target.  A line is compared between the fast scanner and jansson,
 * the reference: the scanner may decline any line (0), but a line it
 * accepts must be one jansson accepts as an object, with identical values
 * for every requested path.
 */
#ifndef OED_JSCAN_DIFF_H
#define OED_JSCAN_DIFF_H

#include <jansson.h>
#include <stdio.h>
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

static void
diff_expect(json_t *j, struct oed_value *v)
{
	memset(v, 0, sizeof(*v));
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
	json_t *root = json_loadb(line, len, 0, NULL);
	int fast = oed_jscan_line(scan, line, len, got);
	bool object = root && json_is_object(root);
	int rc;

	if (fast == 1 && !object) {
		snprintf(msg, msgsz, "scanner accepted a line jansson refuses");
		rc = -1;
	} else if (fast == 1) {
		rc = 1;
		for (size_t i = 0; i < DIFF_NPATHS && rc == 1; i++) {
			diff_expect(oed_path_get(&paths[i], root), &want);
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
