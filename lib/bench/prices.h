/*
 * prices.h: the dated price table that turns token counts into dollars.
 *
 * A JSON file (data/prices.json ships with oed; --prices FILE overrides):
 *   {"date": "YYYY-MM-DD", "currency": "USD", "per": 1000000,
 *    "models": {"gpt-4o-mini": {"input": 0.15, "output": 0.6,
 *                               "cached_input": 0.075}, ...}}
 * A model is found by its exact name, else by the longest name in the
 * table that starts it ("gpt-4o-mini-2024-07-18" finds "gpt-4o-mini").
 */
#ifndef OED_BENCH_PRICES_H
#define OED_BENCH_PRICES_H

#include <stdbool.h>

#include "diag.h"

struct oed_prices;

struct oed_prices *oed_prices_load(const char *path, struct oed_err *err);
void oed_prices_free(struct oed_prices *p);
const char *oed_prices_date(const struct oed_prices *p);
/* Cost in dollars, or NAN when the model is not in the table or tokens unknown. */
double oed_prices_cost(const struct oed_prices *p, const char *model, long long tokens_in,
		       long long tokens_cached, long long tokens_out);

#endif
