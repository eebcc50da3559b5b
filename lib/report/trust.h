/*
 * trust.h: the trust score (--trust): a 0-100 score from components each
 * shown with its value, weight and source, a missing one reported as
 * missing and left out, never imputed.
 *
 *   consistency  1 - mean over inputs of H(Y|X=x) / log2(n_x)   (entropy.group)
 *   quality      the mean score of the latest bench.summary's first scorer
 *   reliability  1 - (errors + refusals) / n of that summary
 *   stability    1 - drifted / features of the latest drift.summary
 *   robustness   1 - attack_success_rate of the latest redteam.summary
 *
 * score = 100 * sum(w_i v_i) / sum(w_i) over the components present.
 */
#ifndef OED_REPORT_TRUST_H
#define OED_REPORT_TRUST_H

#include "report/report.h"

enum { OED_TRUST_NCOMP = 5 };

struct oed_trust_opts {
	const char *model;			/* only bench records of this model; NULL: any */
	double weight[OED_TRUST_NCOMP];		/* in the order above; 0 leaves one out */
};

extern const char *const oed_trust_components[OED_TRUST_NCOMP];
void oed_trust_opts_init(struct oed_trust_opts *o);
/* "quality=0.5": set one weight; 0 or -1 (err set, usage). */
int oed_trust_weight(struct oed_trust_opts *o, const char *arg, struct oed_err *err);

/* Append report.trust and one report.trust.component per component to out. */
int oed_rep_trust(const struct oed_report *in, const struct oed_trust_opts *o, struct oed_report *out,
		  struct oed_err *err);

#endif
