/* backfill.c: what a --backfill window would cost before it is scored (internal.h). */
#include "config.h"

#include "internal.h"

#include <math.h>
#include <string.h>

#include "bench/prices.h"

/* Bytes of a field's value: a string's length, else its JSON's; 0 when absent. */
static size_t
value_bytes(const struct oed_mon_field *f, json_t *rec)
{
	json_t *v = oed_path_get(&f->path, rec);
	char *s;
	size_t n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return json_string_length(v);
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	n = s ? strlen(s) : 0;
	free(s);
	return n;
}

int
oed_mon_backfill_estimate(const struct oed_monitor *m, const struct oed_mon_items *it,
			  int sampled_state, const char *prices_path, struct oed_mon_backfill *b,
			  struct oed_err *err)
{
	struct oed_prices *prices = NULL;
	double bytes = 0;

	b->judges = 0;
	b->cost = 0;
	b->tokens_in = b->tokens_out = 0;
	for (size_t i = 0; i < m->nspecs; i++) {
		const char *model, *version;

		if (oed_score_judge_info(m->specs[i], &model, &version) == 1)
			b->judges++;
	}
	if (b->judges == 0 || b->sampled == 0)
		return 0;
	for (size_t i = 0; i < it->n; i++) {
		if (it->v[i].state != sampled_state)
			continue;
		for (size_t k = 0; k < m->nfields && k < 2; k++)
			bytes += (double)value_bytes(&m->fields[k], it->v[i].rec);
	}
	if (prices_path && (prices = oed_prices_load(prices_path, err)) == NULL)
		return -1;
	for (size_t i = 0; i < m->nspecs; i++) {
		const char *model, *version, *name;
		double tin, tout;

		if (oed_score_judge_info(m->specs[i], &model, &version) != 1)
			continue;
		/* NEEDSWORK: the judge's own prompt is not measured; a flat allowance stands for it */
		tin = bytes / OED_MON_BYTES_PER_TOKEN +
		      (double)b->sampled * OED_MON_JUDGE_PROMPT_TOKENS;
		tout = (double)b->sampled * OED_MON_JUDGE_ANSWER_TOKENS;
		b->tokens_in += tin;
		b->tokens_out += tout;
		name = strchr(model, ':') ? strchr(model, ':') + 1 : model;
		b->cost += prices ? oed_prices_cost(prices, name, (long long)tin, 0, (long long)tout) : NAN;
	}
	oed_prices_free(prices);
	return 0;
}
