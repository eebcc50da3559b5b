/* stats.c: clustered standard errors, pass@k and majority vote (stats.h). */
#include "config.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

void
oed_score_stats_init(struct oed_score_stats *s, unsigned samples)
{
	static const unsigned ks[] = { 1, 5, 10, 20, 50, 100 };
	size_t i;

	memset(s, 0, sizeof(*s));
	if (samples < 2)
		return;
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]) && ks[i] <= samples; i++)
		s->passk_k[s->npassk++] = ks[i];
	if (s->passk_k[s->npassk - 1] != samples && s->npassk < OED_PASSK_MAX)
		s->passk_k[s->npassk++] = samples;
}

double
oed_pass_at_k(unsigned n, unsigned c, unsigned k)
{
	double prod = 1;
	unsigned i;

	if (k > n || k == 0)
		return NAN;
	if (n - c < k)
		return 1;
	/* C(n-c, k)/C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i) */
	for (i = n - c + 1; i <= n; i++)
		prod *= 1 - (double)k / i;
	return 1 - prod;
}

void
oed_score_stats_add(struct oed_score_stats *s, const double *scores, size_t k, size_t passed)
{
	double sc = 0;
	size_t i;

	for (i = 0; i < k; i++)
		sc += scores[i];
	s->n += (double)k;
	s->sum += sc;
	s->g += 1;
	s->s2 += sc * sc;
	s->sk += sc * (double)k;
	s->k2 += (double)k * (double)k;
	for (i = 0; i < s->npassk; i++) {
		if (s->passk_k[i] > k)
			continue;
		s->passk_sum[i] += oed_pass_at_k((unsigned)k, (unsigned)passed, s->passk_k[i]);
		s->passk_n[i] += 1;
	}
}

void
oed_score_stats_add_majority(struct oed_score_stats *s, double value)
{
	s->maj_sum += value;
	s->maj_n += 1;
}

void
oed_score_stats_merge(struct oed_score_stats *s, const struct oed_score_stats *o)
{
	size_t i;

	s->n += o->n;
	s->sum += o->sum;
	s->g += o->g;
	s->s2 += o->s2;
	s->sk += o->sk;
	s->k2 += o->k2;
	for (i = 0; i < s->npassk && i < o->npassk; i++) {
		s->passk_sum[i] += o->passk_sum[i];
		s->passk_n[i] += o->passk_n[i];
	}
	s->maj_sum += o->maj_sum;
	s->maj_n += o->maj_n;
}

void
oed_score_stats_result(const struct oed_score_stats *s, struct oed_score_result *r)
{
	double m, ss;

	r->n = s->n;
	if (s->n == 0) {
		r->mean = r->stderr_ = r->lo = r->hi = NAN;
		return;
	}
	m = s->sum / s->n;
	r->mean = m;
	if (s->g < 2) {
		r->stderr_ = r->lo = r->hi = NAN;
		return;
	}
	ss = s->s2 - 2 * m * s->sk + m * m * s->k2;
	if (ss < 0)
		ss = 0;		/* rounding when every score is the same */
	r->stderr_ = sqrt(s->g / (s->g - 1) * ss) / s->n;
	r->lo = m - 1.959963984540054 * r->stderr_;
	r->hi = m + 1.959963984540054 * r->stderr_;
}

void
oed_score_stats_write(struct oed_writer *w, const char *name, const struct oed_score_stats *s,
		      struct oed_score_result *out)
{
	struct oed_score_result r;
	size_t k;

	oed_score_stats_result(s, &r);
	oed_w_obj_begin(w, name);
	if (r.n > 0) {
		oed_w_num(w, "mean", r.mean);
		if (!isnan(r.stderr_)) {
			oed_w_num(w, "stderr", r.stderr_);
			oed_w_num(w, "lo", r.lo);
			oed_w_num(w, "hi", r.hi);
		} else {
			oed_w_null(w, "stderr");
			oed_w_null(w, "lo");
			oed_w_null(w, "hi");
		}
	} else {
		oed_w_null(w, "mean");
	}
	oed_w_num(w, "n", r.n);
	if (s->npassk) {
		oed_w_obj_begin(w, "pass_at");
		for (k = 0; k < s->npassk; k++) {
			char key[16];

			snprintf(key, sizeof(key), "%u", s->passk_k[k]);
			if (s->passk_n[k] > 0)
				oed_w_num(w, key, s->passk_sum[k] / s->passk_n[k]);
			else
				oed_w_null(w, key);
		}
		oed_w_obj_end(w);
	}
	if (s->maj_n > 0)
		oed_w_num(w, "majority", s->maj_sum / s->maj_n);
	oed_w_obj_end(w);
	if (out)
		*out = r;
}
