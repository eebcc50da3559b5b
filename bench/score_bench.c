/*
 * The scoring loop of `oed-bench --score`, alone: oed_score_stream() over
 * FILE with the scorers given, records written to standard output.
 *   score_bench [--target F] SPEC... -- FILE
 * Build against a configured tree (bench/score.sh does):
 *   cc -O2 -I lib -I BUILD bench/score_bench.c BUILD/lib/.libs/libcore.a $(pkg-config ...)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jsonw.h"
#include "reject.h"
#include "score/score.h"

int
main(int argc, char **argv)
{
	struct oed_scorer_spec *specs[32];
	struct oed_score_stream_opts o;
	struct oed_policy pol;
	struct oed_writer w;
	struct oed_err err;
	size_t n = 0;
	int i = 1, rc;

	oed_diag_init(argv[0]);
	memset(&o, 0, sizeof(o));
	if (i + 1 < argc && strcmp(argv[i], "--target") == 0) {
		o.target_field = argv[i + 1];
		i += 2;
	}
	for (; i < argc && strcmp(argv[i], "--") != 0 && n < 32; i++)
		if (oed_scorer_spec_parse(argv[i], &specs[n++], &err) == -1)
			return oed_fail(&err);
	if (i >= argc)
		return 2;
	i++;
	oed_policy_init(&pol);
	o.specs = specs;
	o.nspecs = n;
	o.policy = &pol;
	oed_writer_init(&w, stdout);
	rc = oed_score_stream(&o, argc - i, argv + i, &w, &err);
	oed_writer_release(&w);
	for (size_t k = 0; k < n; k++)
		oed_scorer_spec_free(specs[k]);
	if (rc == -1)
		return oed_fail(&err);
	return oed_close_stdout(0);
}
