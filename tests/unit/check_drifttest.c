/* Drift tests against scipy.stats and the documented definitions (tests/ref/drift_ref.h). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "drift/drifttest.h"
#include "exit.h"
#include "../ref/drift_ref.h"

/* The agreement asked of every statistic and p-value. */
#define RTOL	1e-6
#define ATOL	1e-12

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The largest relative difference seen per test (on values >= 1e-8),
 * printed at the end for the log; DRIFT_DEBUG=1e-12 also prints every
 * comparison worse than that.
 */
static double worst[64];

/* t's row in the table, for worst[] */
static size_t
row_of(const struct oed_drift_test *t)
{
	size_t n;

	return (size_t)(t - oed_drift_tests(&n));
}

static void
close_to(double got, double want, const struct oed_drift_test *t, const char *what, const char *name)
{
	double err = fabs(got - want), rel;

	ck_assert_msg(err <= RTOL * fabs(want) + ATOL, "%s, %s %s: got %.17g, want %.17g",
	    name, t->name, what, got, want);
	rel = want != 0 ? err / fabs(want) : err;
	if (fabs(want) > 1e-300 && rel > worst[row_of(t)] && getenv("DRIFT_DEBUG") != NULL && rel > atof(getenv("DRIFT_DEBUG")))
		printf("%s %s %s: got %.17g want %.17g\n", name, t->name, what, got, want);
	if (fabs(want) >= 1e-8 && rel > worst[row_of(t)])	/* smaller values pass on ATOL */
		worst[row_of(t)] = rel;
}

/* ---- the generator shared with gen_drift_ref.py ---- */

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
unif(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * 0x1.0p-53;
}

static double *
gen_sample(const struct num_spec *sp)
{
	double *x = malloc(sp->n * sizeof(*x));
	uint64_t s = sp->seed;
	size_t i;

	ck_assert_ptr_nonnull(x);
	if (sp->x != NULL) {
		memcpy(x, sp->x, sp->n * sizeof(*x));
		return x;
	}
	for (i = 0; i < sp->n; i++) {
		double t, u;

		switch (sp->kind) {
		case GEN_NORMAL4:
			t = unif(&s);
			t = t + unif(&s);
			t = t + unif(&s);
			t = t + unif(&s);
			t = t - 2.0;
			x[i] = sp->a + sp->b * t;
			break;
		case GEN_UNIFORM:
			x[i] = sp->a + sp->b * unif(&s);
			break;
		case GEN_FLOOR:
			x[i] = floor(sp->a + sp->b * unif(&s));
			break;
		default:
			u = unif(&s);
			x[i] = sp->a + sp->b * (u * u);
			break;
		}
	}
	return x;
}

static const struct oed_drift_test *
test_named(const char *name)
{
	const struct oed_drift_test *t = oed_drift_test_find(name);

	ck_assert_msg(t != NULL, "no test %s", name);
	return t;
}

#define DT(name) test_named(name)

/* ---- core ---- */

START_TEST(numeric_against_scipy)
{
	size_t c, k, checked = 0, undefined = 0;

	for (c = 0; c < NELEM(num_cases); c++) {
		const struct num_case *nc = &num_cases[c];
		double *r = gen_sample(&nc->ref), *u = gen_sample(&nc->cur);
		struct oed_drift_params par = OED_DRIFT_PARAMS_INIT;
		struct oed_err err;

		/* sort once, as the tool does, and let every test share it */
		ck_assert_int_eq(oed_drift_sort(r, nc->ref.n, &err), 0);
		ck_assert_int_eq(oed_drift_sort(u, nc->cur.n, &err), 0);
		par.sorted = true;
		for (k = 0; k < NELEM(num_tests); k++) {
			const struct oed_drift_test *t = test_named(num_tests[k]);
			const struct num_want *want = &nc->want[k];
			struct oed_drift_result res;
			int rc = oed_drift_numeric(t, r, nc->ref.n, u, nc->cur.n, &par, &res, &err);

			if (!want->defined) {
				/* scipy raised or gave NaN: we must fail cleanly or answer finitely */
				undefined++;
				if (rc == 0)
					ck_assert_msg(isfinite(res.statistic) || isinf(res.statistic),
					    "%s %s: NaN statistic", nc->name, num_tests[k]);
				else
					ck_assert_int_eq(err.status, OED_EX_DATA);
				continue;
			}
			ck_assert_msg(rc == 0, "%s, %s: %s", nc->name, num_tests[k], err.msg);
			close_to(res.statistic, want->stat, t, "statistic", nc->name);
			if (res.has_p)
				close_to(res.p_value, want->p, t, "p-value", nc->name);
			else
				ck_assert(isnan(res.p_value));
			checked++;
		}
		free(r);
		free(u);
	}
	ck_assert_uint_gt(checked, 300);
	ck_assert_uint_lt(undefined, 40);
}
END_TEST

START_TEST(categorical_against_scipy)
{
	size_t c, k;

	for (c = 0; c < NELEM(cat_cases); c++) {
		const struct cat_case *cc = &cat_cases[c];

		for (k = 0; k < NELEM(cat_tests); k++) {
			const struct oed_drift_test *t = test_named(cat_tests[k]);
			const struct num_want *want = &cc->want[k];
			struct oed_drift_result res;
			struct oed_err err;
			int rc = oed_drift_categorical(t, cc->r, cc->c, cc->k, NULL, &res, &err);

			if (!want->defined) {
				if (t == DT("z") || t == DT("fisher")) {
					ck_assert_int_eq(rc, -1);
					ck_assert_int_eq(err.status, OED_EX_DATA);
				} else {
					ck_assert_int_eq(rc, 0);
				}
				continue;
			}
			ck_assert_msg(rc == 0, "%s, %s: %s", cc->name, cat_tests[k], err.msg);
			close_to(res.statistic, want->stat, t, "statistic", cc->name);
			if (res.has_p)
				close_to(res.p_value, want->p, t, "p-value", cc->name);
		}
	}
}
END_TEST

START_TEST(vector_against_reference)
{
	size_t c;

	for (c = 0; c < NELEM(vec_cases); c++) {
		const struct vec_case *v = &vec_cases[c];
		struct oed_drift_params par = OED_DRIFT_PARAMS_INIT;
		struct oed_drift_result res;
		struct oed_err err;

		ck_assert_int_eq(oed_drift_vector(DT("mean_cosine"), v->r, v->nr, v->c, v->nc, v->dim,
		    NULL, &res, &err), 0);
		close_to(res.statistic, v->cosine, DT("mean_cosine"), "statistic", v->name);
		ck_assert_int_eq(oed_drift_vector(DT("mean_euclidean"), v->r, v->nr, v->c, v->nc, v->dim,
		    NULL, &res, &err), 0);
		close_to(res.statistic, v->euclid, DT("mean_euclidean"), "statistic", v->name);
		par.permutations = v->perms;
		par.seed = v->seed;
		par.max_rows = v->max_rows;
		ck_assert_int_eq(oed_drift_vector(DT("mmd"), v->r, v->nr, v->c, v->nc, v->dim, &par,
		    &res, &err), 0);
		close_to(res.statistic, v->mmd, DT("mmd"), "statistic", v->name);
		/* the permutation count must match exactly: same generator, same shuffles */
		ck_assert_msg(res.p_value == v->mmd_p, "%s: mmd p %.17g, want %.17g", v->name,
		    res.p_value, v->mmd_p);
		ck_assert_int_eq(!!(res.notes & OED_DN_SUBSAMPLED), v->nr > v->max_rows || v->nc > v->max_rows);
	}
}
END_TEST

/* scipy's method switches, seen from the result's method string. */
START_TEST(method_switches)
{
	static const struct {
		const char *cname, *test, *method;
	} want[] = {
		{ "exact ks 10000 vs 9999", "ks", "exact" },
		{ "exact ks 10000 vs 10000", "ks", "exact" },
		{ "500 vs 10001", "ks", "asymptotic" },
		{ "one vs 20000", "ks", "asymptotic" },
		{ "twenty vs twenty", "cvm", "exact" },
		{ "shifted normals", "cvm", "asymptotic" },
		{ "seven vs six", "mannwhitney", "exact" },
		{ "eight vs three hundred", "mannwhitney", "exact" },
		{ "five vs five, integer ties", "mannwhitney", "asymptotic" },
		{ "one vs 20000", "mannwhitney", "exact" },
		{ "shifted normals", "anderson", "interpolated" },
		{ "3000 vs 200000, far apart", "anderson", "interpolated, floored at 0.001" },
		{ "equal samples", "anderson", "interpolated, capped at 0.25" },
	};
	size_t i, c;

	for (i = 0; i < NELEM(want); i++) {
		for (c = 0; c < NELEM(num_cases); c++)
			if (strcmp(num_cases[c].name, want[i].cname) == 0)
				break;
		ck_assert_uint_lt(c, NELEM(num_cases));
		{
			double *r = gen_sample(&num_cases[c].ref), *u = gen_sample(&num_cases[c].cur);
			struct oed_drift_result res;
			struct oed_err err;

			ck_assert_int_eq(oed_drift_numeric(test_named(want[i].test), r, num_cases[c].ref.n,
			    u, num_cases[c].cur.n, NULL, &res, &err), 0);
			ck_assert_msg(strcmp(res.method, want[i].method) == 0, "%s %s: method %s, want %s",
			    want[i].cname, want[i].test, res.method, want[i].method);
			free(r);
			free(u);
		}
	}
}
END_TEST

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

START_TEST(radix_sort)
{
	size_t sizes[] = { 0, 1, 255, 256, 1000, 100003 }, s, i;
	uint64_t seed = 99;
	struct oed_err err;

	for (s = 0; s < NELEM(sizes); s++) {
		size_t n = sizes[s];
		double *x = malloc((n + 1) * sizeof(*x)), *y = malloc((n + 1) * sizeof(*y));

		for (i = 0; i < n; i++) {
			double u = unif(&seed);

			/* signs, zeros of both signs, subnormals, huge values, many ties */
			switch (i % 7) {
			case 0: x[i] = -0.0; break;
			case 1: x[i] = 0.0; break;
			case 2: x[i] = (u - 0.5) * 1e300; break;
			case 3: x[i] = (u - 0.5) * 4.9e-322; break;
			case 4: x[i] = floor(u * 10) - 5; break;
			default: x[i] = u - 0.5; break;
			}
			y[i] = x[i];
		}
		ck_assert_int_eq(oed_drift_sort(x, n, &err), 0);
		qsort(y, n, sizeof(*y), cmp_d);
		for (i = 0; i < n; i++)
			ck_assert_msg(x[i] == y[i], "n=%zu, [%zu]: %g vs %g", n, i, x[i], y[i]);
		for (i = 1; i < n; i++)
			ck_assert(x[i - 1] <= x[i]);
		free(x);
		free(y);
	}
}
END_TEST

START_TEST(registry)
{
	static const char *names[] = { "ks", "wasserstein", "wasserstein_normed", "cvm", "anderson",
		"mannwhitney", "energy", "epps_singleton", "psi", "kl", "js", "ttest", "chi2", "g_test",
		"z", "tvd", "hellinger", "fisher", "mean_cosine", "mean_euclidean", "mmd" };
	size_t i, n;
	const struct oed_drift_test *tests = oed_drift_tests(&n);
	struct oed_err err;

	ck_assert_uint_eq(NELEM(names), n);
	for (i = 0; i < NELEM(names); i++) {
		const struct oed_drift_test *t = oed_drift_test_find(names[i]);

		ck_assert_ptr_eq(t, &tests[i]);
		ck_assert_str_eq(t->name, names[i]);
		ck_assert(t->threshold > 0);
		ck_assert(oed_drift_kinds(t) != 0);
		ck_assert(t->help != NULL && t->help[0] != '\0');
		/* a binned distance has its distance, and only those */
		ck_assert((t->distance != NULL) == (t->categorical && t->numeric));
		/* a distance decided on a fixed threshold asks for enough values */
		ck_assert(oed_drift_has_p(t) || t->min_n == OED_DRIFT_MIN_DISTANCE);
	}
	ck_assert_ptr_null(oed_drift_test_find("kolmogorov"));
	ck_assert_double_eq(DT("psi")->threshold, 0.1);
	ck_assert_double_eq(DT("ks")->threshold, 0.05);
	ck_assert(oed_drift_has_p(DT("ks")));
	ck_assert(!oed_drift_has_p(DT("js")));
	ck_assert_uint_eq(oed_drift_kinds(DT("psi")), OED_DK_NUMERIC | OED_DK_CATEGORICAL);
	ck_assert_uint_eq(oed_drift_kinds(DT("mmd")), OED_DK_VECTOR);
	ck_assert_str_ne(oed_drift_note_text(OED_DN_SMALL_EXPECTED), "");
	ck_assert_str_eq(oed_drift_note_text(0x8000), "");
	/* unknown names: did you mean, and the list from the table */
	ck_assert_int_eq(oed_drift_test_unknown("--test", "kss", &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_str_eq(err.msg, "--test: unknown test 'kss'; did you mean 'ks'? choices: ks, "
			 "wasserstein, wasserstein_normed, cvm, anderson, mannwhitney, energy, "
			 "epps_singleton, psi, kl, js, ttest, chi2, g_test, z, tvd, hellinger, fisher, "
			 "mean_cosine, mean_euclidean, mmd");
	ck_assert_int_eq(oed_drift_test_unknown("--test", "kolmogorov", &err), -1);
	ck_assert(strstr(err.msg, "--test: unknown test 'kolmogorov'; choices: ks, ") == err.msg);
}
END_TEST

/* The whole text of a file under top_srcdir (the caller frees). */
static char *
source_file(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	FILE *fp;
	char *text;
	long n;

	snprintf(path, sizeof(path), "%s/%s", top ? top : "../..", rel);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	text = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	return text;
}

/* The man page's table of tests and the tests' reference have a row for every test of the table. */
START_TEST(documented)
{
	char *man = source_file("man/oed-drift.1"), *txt = source_file("man/oed-drift-tests.txt");
	size_t n;
	const struct oed_drift_test *tests = oed_drift_tests(&n);

	for (size_t i = 0; i < n; i++) {
		char row[64];

		snprintf(row, sizeof(row), "\n.It Cm %s Ta ", tests[i].name);
		ck_assert_msg(strstr(man, row) != NULL, "oed-drift(1) has no row for %s", tests[i].name);
		snprintf(row, sizeof(row), "\n%s ", tests[i].name);
		ck_assert_msg(strstr(txt, row) != NULL, "oed-drift-tests.txt does not describe %s",
			      tests[i].name);
	}
	free(man);
	free(txt);
}
END_TEST

/* ---- limits ---- */

START_TEST(empty_and_bad_input)
{
	double a[3] = { 1, 2, 3 }, b[3] = { 1, NAN, 3 }, c[2] = { 4, 5 };
	double rc[2] = { 3, 4 }, cc[2] = { 0, 0 }, neg[2] = { -1, 2 }, frac[2] = { 1.5, 2 };
	struct oed_drift_params par = OED_DRIFT_PARAMS_INIT;
	struct oed_drift_result res;
	struct oed_err err;
	size_t ntests;
	const struct oed_drift_test *tests = oed_drift_tests(&ntests), *t;

	for (t = tests; t < tests + ntests; t++) {
		if (!(oed_drift_kinds(t) & OED_DK_NUMERIC))
			continue;
		ck_assert_int_eq(oed_drift_numeric(t, a, 3, c, 0, NULL, &res, &err), -1);
		ck_assert_int_eq(err.status, OED_EX_DATA);
		ck_assert_str_eq(err.msg, "the current sample is empty");
		ck_assert_int_eq(oed_drift_numeric(t, a, 0, c, 2, NULL, &res, &err), -1);
		ck_assert_str_eq(err.msg, "the reference sample is empty");
	}
	ck_assert_int_eq(oed_drift_numeric(DT("ks"), a, 3, b, 3, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "a sample holds a non-finite value");
	ck_assert_int_eq(oed_drift_sort(NULL, 0, &err), 0);
	c[0] = 9;		/* c is now {9, 5}: not sorted */
	par.sorted = true;
	ck_assert_int_eq(oed_drift_numeric(DT("ks"), a, 3, c, 2, &par, &res, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_int_eq(oed_drift_numeric(DT("chi2"), a, 3, c, 2, NULL, &res, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_int_eq(oed_drift_categorical(DT("ks"), rc, rc, 2, NULL, &res, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
	ck_assert_int_eq(oed_drift_categorical(DT("chi2"), rc, cc, 2, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "the current sample is empty");
	ck_assert_int_eq(oed_drift_categorical(DT("chi2"), neg, rc, 2, NULL, &res, &err), -1);
	ck_assert_int_eq(oed_drift_categorical(DT("fisher"), frac, rc, 2, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "fisher needs whole-number counts");
	ck_assert_int_eq(oed_drift_vector(DT("mmd"), a, 1, c, 2, 1, NULL, &res, &err), -1);
	ck_assert_int_eq(oed_drift_vector(DT("mean_cosine"), a, 3, b, 3, 1, NULL, &res, &err), -1);
	ck_assert_int_eq(oed_drift_vector(DT("mean_cosine"), a, 3, c, 2, 0, NULL, &res, &err), -1);
	par = (struct oed_drift_params)OED_DRIFT_PARAMS_INIT;
	par.log_base = 1;
	ck_assert_int_eq(oed_drift_categorical(DT("kl"), rc, rc, 2, &par, &res, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_USAGE);
}
END_TEST

START_TEST(too_small_for_the_test)
{
	double a[4] = { 1, 2, 3, 4 }, b[4] = { 2, 3, 4, 5 };
	struct oed_drift_result res;
	struct oed_err err;

	ck_assert_int_eq(oed_drift_numeric(DT("epps_singleton"), a, 4, b, 4, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "epps_singleton needs at least 5 values in each sample");
	ck_assert_int_eq(oed_drift_numeric(DT("cvm"), a, 1, b, 4, NULL, &res, &err), -1);
	ck_assert_int_eq(oed_drift_numeric(DT("ttest"), a, 4, b, 1, NULL, &res, &err), -1);
	ck_assert_int_eq(oed_drift_numeric(DT("anderson"), a, 1, b, 2, NULL, &res, &err), -1);
	/* ks, mannwhitney and the distances work from one value each */
	ck_assert_int_eq(oed_drift_numeric(DT("ks"), a, 1, b, 1, NULL, &res, &err), 0);
	ck_assert_double_eq(res.statistic, 1);
	ck_assert_double_eq(res.p_value, 1);
	ck_assert_int_eq(oed_drift_numeric(DT("mannwhitney"), a, 1, b, 1, NULL, &res, &err), 0);
	ck_assert_double_eq(res.p_value, 1);
}
END_TEST

START_TEST(constant_samples)
{
	double a[12], b[12];
	struct oed_drift_result res;
	struct oed_err err;
	size_t ntests;
	const struct oed_drift_test *tests = oed_drift_tests(&ntests), *t;
	int i;

	/* the same constant in both: no test may see drift or say NaN */
	for (t = tests; t < tests + ntests; t++) {
		if (!(oed_drift_kinds(t) & OED_DK_NUMERIC))
			continue;
		for (i = 0; i < 12; i++)
			a[i] = b[i] = 3;
		ck_assert_msg(oed_drift_numeric(t, a, 10, b, 12, NULL, &res, &err) == 0, "%s: %s",
		    t->name, err.msg);
		ck_assert_msg(!res.drift, "%s sees drift", t->name);
		ck_assert(!isnan(res.statistic));
		if (res.has_p)
			ck_assert_msg(res.p_value >= 0.25, "%s: p %g", t->name, res.p_value);
	}
	ck_assert_int_eq(oed_drift_numeric(DT("ks"), a, 10, b, 12, NULL, &res, &err), 0);
	ck_assert_double_eq(res.statistic, 0);
	ck_assert_double_eq(res.p_value, 1);
	ck_assert_int_eq(oed_drift_numeric(DT("ttest"), a, 10, b, 12, NULL, &res, &err), 0);
	ck_assert_double_eq(res.statistic, 0);
	ck_assert_double_eq(res.p_value, 1);
	ck_assert(res.notes & OED_DN_DEGENERATE);
	ck_assert_int_eq(oed_drift_numeric(DT("anderson"), a, 10, b, 12, NULL, &res, &err), 0);
	ck_assert_str_eq(res.method, "degenerate");

	/* two different constants: the t-test's t is infinite, p is 0 */
	for (i = 0; i < 12; i++)
		b[i] = 4;
	ck_assert_int_eq(oed_drift_numeric(DT("ttest"), a, 10, b, 12, NULL, &res, &err), 0);
	ck_assert(isinf(res.statistic) && res.statistic < 0);
	ck_assert_double_eq(res.p_value, 0);
	ck_assert(res.drift);
	ck_assert(res.notes & OED_DN_INFINITE);
	ck_assert(!(res.notes & OED_DN_DEGENERATE));
	/* epps_singleton's covariance is zero: a clear error, not NaN or noise */
	ck_assert_int_eq(oed_drift_numeric(DT("epps_singleton"), a, 10, b, 12, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "epps_singleton needs variation within a sample");
	/* nor can it scale by a zero interquartile range */
	for (i = 0; i < 11; i++)
		b[i] = 3;
	ck_assert_int_eq(oed_drift_numeric(DT("epps_singleton"), a, 10, b, 12, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "epps_singleton needs a pooled sample with a positive interquartile range");
	for (i = 0; i < 12; i++)
		b[i] = 4;
	/* wasserstein_normed divides by max(std(ref), 0.001) */
	ck_assert_int_eq(oed_drift_numeric(DT("wasserstein_normed"), a, 10, b, 12, NULL, &res, &err), 0);
	ck_assert_double_eq_tol(res.statistic, 1000, 1e-9);
}
END_TEST

/* digits that float sums lose, and values whose arithmetic overflows */
START_TEST(cancellation_and_overflow)
{
	double a[400], b[70], big[4] = { -1e308, -1e308, 1e308, 1e308 }, top[4] = { 1e308, 1e308, 1e308, 1e308 };
	double r2[2] = { 2, 0 }, c2[2] = { 0, 2 };
	struct oed_drift_result res;
	struct oed_err err;
	int i;

	for (i = 0; i < 400; i++)
		a[i] = 1e6 + (1e-6 * ((i * 37) % 101)) / 101;
	for (i = 0; i < 70; i++)
		b[i] = 1e6 + (1e-6 * ((i * 53) % 101)) / 101 + 5e-8;
	ck_assert_int_eq(oed_drift_numeric(DT("ttest"), a, 400, b, 70, NULL, &res, &err), 0);
	ck_assert_double_eq_tol(res.statistic, ttest_offset_t, 1e-9 * fabs(ttest_offset_t));
	ck_assert_double_eq_tol(res.df, ttest_offset_df, 1e-9 * ttest_offset_df);
	ck_assert_double_eq_tol(res.p_value, ttest_offset_p, 1e-9 * ttest_offset_p);

	/* tiny values: their variances' squares underflow, the degrees of freedom must not */
	{
		double ta[3] = { 0, 1e-100, 2e-100 }, tb[3] = { 0, 3e-100, 1e-100 };
		double ua[3] = { 0, 1, 2 }, ub[3] = { 0, 3, 1 };
		struct oed_drift_result unit;

		ck_assert_int_eq(oed_drift_numeric(DT("ttest"), ta, 3, tb, 3, NULL, &res, &err), 0);
		ck_assert_int_eq(oed_drift_numeric(DT("ttest"), ua, 3, ub, 3, NULL, &unit, &err), 0);
		ck_assert_double_eq_tol(res.statistic, unit.statistic, 1e-12);
		ck_assert_double_eq_tol(res.df, unit.df, 1e-12);
		ck_assert_double_eq_tol(res.p_value, 0.7700256383911764, 1e-12);	/* scipy */
	}
	/* finite values whose squares or sums overflow: an error, never a decision on NaN */
	ck_assert_int_eq(oed_drift_numeric(DT("ttest"), big, 4, top, 4, NULL, &res, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "the values are too large for the arithmetic of ttest (it overflows)");
	ck_assert_int_eq(oed_drift_numeric(DT("wasserstein_normed"), big, 4, top, 4, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "the values are too large to take their standard deviation");

	/* fisher's odds ratio is infinite with a zero cell, and says so */
	ck_assert_int_eq(oed_drift_categorical(DT("fisher"), r2, c2, 2, NULL, &res, &err), 0);
	ck_assert(isinf(res.statistic));
	ck_assert(res.notes & OED_DN_INFINITE);
	ck_assert_double_eq_tol(res.p_value, 1.0 / 3, 1e-12);
}
END_TEST

START_TEST(categorical_edges)
{
	double r3[3] = { 3, 0, 2 }, c3[3] = { 1, 0, 4 }, ru[3] = { 50, 50, 0 }, cu[3] = { 40, 45, 15 };
	double one_r[2] = { 7, 0 }, one_c[2] = { 9, 0 }, m3[3] = { 1, 2, 3 };
	struct oed_drift_params par = OED_DRIFT_PARAMS_INIT;
	struct oed_drift_result res;
	struct oed_err err;

	/* a category empty in both is dropped, leaving a 2 x 2 table: Yates applies */
	ck_assert_int_eq(oed_drift_categorical(DT("chi2"), r3, c3, 3, NULL, &res, &err), 0);
	ck_assert(res.notes & OED_DN_DROPPED);
	ck_assert_double_eq(res.df, 1);
	ck_assert_str_eq(res.method, "asymptotic, Yates correction");
	ck_assert(res.notes & OED_DN_SMALL_EXPECTED);
	/* z and fisher accept it as binary */
	ck_assert_int_eq(oed_drift_categorical(DT("z"), r3, c3, 3, NULL, &res, &err), 0);
	ck_assert_int_eq(oed_drift_categorical(DT("fisher"), r3, c3, 3, NULL, &res, &err), 0);
	/* a category unseen in the reference: psi uses the epsilon floor, stays finite */
	ck_assert_int_eq(oed_drift_categorical(DT("psi"), ru, cu, 3, NULL, &res, &err), 0);
	ck_assert(isfinite(res.statistic) && res.statistic > 0.1);
	ck_assert(res.drift);
	par.epsilon = 1e-2;
	ck_assert_int_eq(oed_drift_categorical(DT("psi"), ru, cu, 3, &par, &res, &err), 0);
	ck_assert_double_eq_tol(res.statistic,
	    (0.5 - 0.4) * log(0.5 / 0.4) + (0.5 - 0.45) * log(0.5 / 0.45) + (0.01 - 0.15) * log(0.01 / 0.15), 1e-15);
	/* only one category with counts: nothing to test */
	ck_assert_int_eq(oed_drift_categorical(DT("chi2"), one_r, one_c, 2, NULL, &res, &err), 0);
	ck_assert_double_eq(res.statistic, 0);
	ck_assert_double_eq(res.p_value, 1);
	ck_assert_int_eq(oed_drift_categorical(DT("z"), one_r, one_c, 2, NULL, &res, &err), 0);
	ck_assert_double_eq(res.p_value, 1);
	ck_assert_int_eq(oed_drift_categorical(DT("fisher"), one_r, one_c, 2, NULL, &res, &err), 0);
	ck_assert_double_eq(res.p_value, 1);
	ck_assert_double_eq(res.statistic, 1);
	/* z and fisher refuse three categories */
	ck_assert_int_eq(oed_drift_categorical(DT("z"), m3, m3, 3, NULL, &res, &err), -1);
	ck_assert_str_eq(err.msg, "z needs a binary feature: more than 2 categories have counts");
	ck_assert_int_eq(oed_drift_categorical(DT("fisher"), m3, m3, 3, NULL, &res, &err), -1);
	/* identical tables: every distance is 0 */
	ck_assert_int_eq(oed_drift_categorical(DT("js"), m3, m3, 3, NULL, &res, &err), 0);
	ck_assert_double_eq(res.statistic, 0);
	ck_assert(!res.drift);
	/* disjoint tables: js is exactly 1 bit, with no floor (scipy's jensenshannon(p, q, 2)) */
	{
		const double dr[] = { 10, 20, 0, 0 }, dc[] = { 0, 0, 15, 5 };
		double nr[] = { 1, 1, 1 }, nc[] = { 7, 8, 9 };

		ck_assert_int_eq(oed_drift_categorical(DT("js"), dr, dc, 4, NULL, &res, &err), 0);
		ck_assert_double_eq(res.statistic, 1);
		ck_assert_str_eq(res.method, "distance");
		/* and on numeric bins: every edge is 1, every current value above it */
		ck_assert_int_eq(oed_drift_numeric(DT("js"), nr, 3, nc, 3, NULL, &res, &err), 0);
		ck_assert_double_eq(res.statistic, 1);
		ck_assert_str_eq(res.method, "quantile bins");
	}
}
END_TEST

START_TEST(thresholds_and_flags)
{
	double r[2] = { 30, 70 }, c[2] = { 45, 55 };
	struct oed_drift_params par = OED_DRIFT_PARAMS_INIT;
	struct oed_drift_result res;
	struct oed_err err;

	ck_assert_int_eq(oed_drift_categorical(DT("chi2"), r, c, 2, NULL, &res, &err), 0);
	ck_assert(res.has_p);
	ck_assert_double_eq(res.threshold, 0.05);
	ck_assert(res.drift == (res.p_value < 0.05));
	par.threshold = res.p_value / 2;
	ck_assert_int_eq(oed_drift_categorical(DT("chi2"), r, c, 2, &par, &res, &err), 0);
	ck_assert(!res.drift);
	ck_assert_double_eq(res.threshold, par.threshold);
	ck_assert_int_eq(oed_drift_categorical(DT("tvd"), r, c, 2, NULL, &res, &err), 0);
	ck_assert(!res.has_p);
	ck_assert(isnan(res.p_value));
	ck_assert_double_eq_tol(res.statistic, 0.15, 1e-15);
	ck_assert(res.drift);	/* 0.15 >= 0.1 */
	par.threshold = 0.15;
	ck_assert_int_eq(oed_drift_categorical(DT("tvd"), r, c, 2, &par, &res, &err), 0);
	ck_assert(res.drift == (res.statistic >= 0.15));
	par.threshold = INFINITY;
	ck_assert_int_eq(oed_drift_categorical(DT("tvd"), r, c, 2, &par, &res, &err), -1);
}
END_TEST

START_TEST(mmd_determinism)
{
	double x[40 * 3], y[40 * 3];
	struct oed_drift_params par = OED_DRIFT_PARAMS_INIT;
	struct oed_drift_result a, b;
	struct oed_err err;
	uint64_t s = 5;
	size_t i;

	for (i = 0; i < 40 * 3; i++) {
		x[i] = unif(&s);
		y[i] = unif(&s) + 0.05;
	}
	par.seed = 42;
	par.permutations = 99;
	ck_assert_int_eq(oed_drift_vector(DT("mmd"), x, 40, y, 40, 3, &par, &a, &err), 0);
	ck_assert_int_eq(oed_drift_vector(DT("mmd"), x, 40, y, 40, 3, &par, &b, &err), 0);
	ck_assert(a.statistic == b.statistic && a.p_value == b.p_value);
	ck_assert(a.p_value >= 0.01 && a.p_value <= 1);
	ck_assert_double_eq_tol(fmod(a.p_value * 100, 1), 0, 1e-9);	/* a multiple of 1/100 */
	/* identical rows everywhere: no bandwidth, no drift */
	for (i = 0; i < 40 * 3; i++)
		x[i] = y[i] = 1.5;
	ck_assert_int_eq(oed_drift_vector(DT("mmd"), x, 40, y, 40, 3, &par, &a, &err), 0);
	ck_assert_double_eq(a.statistic, 0);
	ck_assert_double_eq(a.p_value, 1);
	ck_assert(a.notes & OED_DN_DEGENERATE);
	/* zero mean vectors: cosine distance defined as 0 */
	for (i = 0; i < 40 * 3; i++)
		x[i] = y[i] = 0;
	ck_assert_int_eq(oed_drift_vector(DT("mean_cosine"), x, 40, y, 40, 3, NULL, &a, &err), 0);
	ck_assert_double_eq(a.statistic, 0);
	ck_assert(a.notes & OED_DN_ZERO_MEAN);
	/* rows that vary around a zero mean: distance 1, and the note says why, not "no variation" */
	for (i = 0; i < 40 * 3; i++)
		x[i] = i / 3 % 2 ? 1 : -1;
	for (i = 0; i < 40 * 3; i++)
		y[i] = 0.5 + (double)(i % 5);
	ck_assert_int_eq(oed_drift_vector(DT("mean_cosine"), x, 40, y, 40, 3, NULL, &a, &err), 0);
	ck_assert_double_eq(a.statistic, 1);
	ck_assert(a.notes == OED_DN_ZERO_MEAN);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("drifttest");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");
	SRunner *sr;
	size_t ntests;
	const struct oed_drift_test *tests = oed_drift_tests(&ntests), *t;
	int failed;

	tcase_set_timeout(core, 120);
	tcase_add_test(core, numeric_against_scipy);
	tcase_add_test(core, documented);
	tcase_add_test(core, categorical_against_scipy);
	tcase_add_test(core, vector_against_reference);
	tcase_add_test(core, method_switches);
	tcase_add_test(core, radix_sort);
	tcase_add_test(core, registry);
	tcase_add_test(limits, empty_and_bad_input);
	tcase_add_test(limits, too_small_for_the_test);
	tcase_add_test(limits, constant_samples);
	tcase_add_test(limits, categorical_edges);
	tcase_add_test(limits, cancellation_and_overflow);
	tcase_add_test(limits, thresholds_and_flags);
	tcase_add_test(limits, mmd_determinism);
	suite_add_tcase(su, core);
	suite_add_tcase(su, limits);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (t = tests; t < tests + ntests; t++)
		if (worst[row_of(t)] > 0)
			printf("%-20s largest relative difference from the reference: %.2g\n",
			    t->name, worst[row_of(t)]);
	return failed ? 1 : 0;
}
