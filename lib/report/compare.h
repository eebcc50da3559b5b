/*
 * compare.h: two runs compared item by item (--compare), split by a
 * field (--by), and a scorer's trend over runs (--trend).
 *
 * Items are the records that score one input: bench.item and
 * monitor.item (key input_id or id, and sample; each field of "scores"
 * is a scorer), entropy.group (key x; scorer "H(Y|X=x)"), drift (key
 * feature and window; scorer "drift") and run.metric (key grp; scorer
 * the metric's name).  Items are aligned on their key; those only one
 * side holds are counted and named.
 */
#ifndef OED_REPORT_COMPARE_H
#define OED_REPORT_COMPARE_H

#include <stdint.h>

#include "report/report.h"

struct oed_drop {
	const char *scorer;	/* borrowed */
	double max;		/* a significant drop larger than this trips the gate */
};

struct oed_scorer_spec;	/* score/score.h */

struct oed_cmp_opts {
	unsigned long bootstrap;	/* resamples for the interval (2000) */
	unsigned long permutations;	/* random sign patterns past exact (10000) */
	uint64_t seed;
	const char *by;			/* --by FIELD, or NULL */
	const struct oed_drop *drops;
	size_t ndrops;
	/*
	 * --judge: a pairwise judge (borrowed) asked, for each aligned item
	 * with an output on both sides, whether B's output beats A's; NULL:
	 * none.  Its row is a report.compare with test "pairwise".
	 */
	struct oed_scorer_spec *judge;
};

/*
 * Compare a with b and append to out: one report.alignment record, one
 * report.compare record per scorer and one for the pairwise judge (Holm
 * across them), report.by records under opts->by.  The judge's row
 * counts B's wins, ties and losses (its verdicts in both orders averaged:
 * above 1/2 a win), win_rate = wins / (wins + losses) with Wilson's 95%
 * interval, a = 1 - win_rate and b = win_rate, diff = b - a with its
 * interval, and the two-sided sign test of wins against losses.  *gate is set when a --max-drop limit is passed.  0 or
 * -1 (err set; status OED_EX_DATA when no item is in both).
 */
int oed_rep_compare(const struct oed_report *a, const struct oed_report *b,
		    const struct oed_cmp_opts *opts, struct oed_report *out, bool *gate,
		    struct oed_err *err);

/*
 * Theil-Sen slope and Mann-Kendall test of scorer over the report's runs
 * (bench.summary's metrics.SCORER.mean, a run.metric named SCORER, or a
 * record's numeric field SCORER), in time order when the records carry a
 * time (ts, finished, started, window_start) and in their order otherwise.
 * Appends one report.trend record to out.  0 or -1 (err set).
 */
int oed_rep_trend(const struct oed_report *in, const char *scorer, struct oed_report *out,
		  struct oed_err *err);

#endif
