/* prices.c: the price table (prices.h). */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "prices.h"

struct oed_prices {
	json_t *root, *models;
	double per;
};

struct oed_prices *
oed_prices_load(const char *path, struct oed_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *v;
	struct oed_prices *p;

	if (root == NULL) {
		oed_err_at(err, OED_EX_USAGE, path, je.line, je.column, "%s", je.text);
		return NULL;
	}
	if (!json_is_object(json_object_get(root, "models")) ||
	    !json_is_string(json_object_get(root, "date"))) {
		json_decref(root);
		oed_err_set(err, OED_EX_USAGE, "prices '%s': needs a 'date' and a 'models' object", path);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_decref(root);
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		return NULL;
	}
	p->root = root;
	p->models = json_object_get(root, "models");
	v = json_object_get(root, "per");
	p->per = json_is_number(v) && json_number_value(v) > 0 ? json_number_value(v) : 1e6;
	return p;
}

void
oed_prices_free(struct oed_prices *p)
{
	if (p == NULL)
		return;
	json_decref(p->root);
	free(p);
}

const char *
oed_prices_date(const struct oed_prices *p)
{
	return json_string_value(json_object_get(p->root, "date"));
}

static double
num(json_t *o, const char *k, double dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

double
oed_prices_cost(const struct oed_prices *p, const char *model, long long tokens_in,
		long long tokens_cached, long long tokens_out)
{
	json_t *m, *best = NULL;
	const char *key;
	size_t bestlen = 0;
	double in, out;

	if (p == NULL || model == NULL || tokens_in < 0 || tokens_out < 0)
		return NAN;
	m = json_object_get(p->models, model);
	if (m == NULL) {
		json_object_foreach(p->models, key, m) {
			size_t kl = strlen(key);

			if (kl > bestlen && strncmp(model, key, kl) == 0) {
				best = m;
				bestlen = kl;
			}
		}
		m = best;
	}
	if (!json_is_object(m))
		return NAN;
	in = num(m, "input", NAN);
	out = num(m, "output", NAN);
	if (tokens_cached < 0)
		tokens_cached = 0;
	if (tokens_cached > tokens_in)
		tokens_cached = tokens_in;
	return ((double)(tokens_in - tokens_cached) * in +
		(double)tokens_cached * num(m, "cached_input", in) + (double)tokens_out * out) / p->per;
}
