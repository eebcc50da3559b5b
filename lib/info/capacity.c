#include "config.h"
#include "capacity.h"
#include "exit.h"
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * oed_capacity on a channel with each (input, output) at most once.  With
 * prog, each iteration moves the phase on from done0 towards done0 + 1 by
 * the larger of the iterations' share of max_iter and the gap's way down
 * to tol on a log scale (it shrinks about geometrically).
 */
static int
capacity(const struct oed_channel *ch, double tol, unsigned max_iter, double *p_out,
	 struct oed_capacity *out, struct oed_progress *prog, double done0, struct oed_err *err)
{
	double gap0 = NAN;

	size_t nin = ch->nin, nout = ch->nout, m = (nin ? nin : 1) + (nout ? nout : 1);
	double *buf = NULL, *row, *p, *d, *q;
	double *w = NULL;	/* W(x|a) per cell */
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (p_out && nin > 0)
		memset(p_out, 0, nin * sizeof(*p_out));
	if (!(tol > 0) || max_iter < 1)
		return oed_err_set(err, OED_EX_USAGE, "capacity needs a tolerance above 0 and at least"
				   " one iteration");
	for (size_t c = 0; c < ch->ncells; c++) {
		if (!(ch->n[c] >= 0) || isinf(ch->n[c]))
			return oed_err_set(err, OED_EX_DATA, "count %g is not a finite non-negative number",
					   ch->n[c]);
		if (ch->ai[c] >= nin || ch->xj[c] >= nout)
			return oed_err_set(err, OED_EX_FAIL, "cell %zu lies outside the %zu x %zu channel",
					   c, nin, nout);
	}
	buf = malloc((3 * m) * sizeof(*buf));
	w = malloc((ch->ncells ? ch->ncells : 1) * sizeof(*w));
	if (buf == NULL || w == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto out;
	}
	row = buf;		/* n(a) */
	p = row + nin;		/* the input law */
	d = p + nin;		/* D(a) */
	q = d + nin;		/* the output law, nout entries: 3 m >= 3 nin + nout */
	memset(row, 0, nin * sizeof(*row));
	for (size_t c = 0; c < ch->ncells; c++)
		row[ch->ai[c]] += ch->n[c];
	for (size_t a = 0; a < nin; a++)
		out->inputs += row[a] > 0;
	for (size_t c = 0; c < ch->ncells; c++)
		w[c] = ch->n[c] > 0 ? ch->n[c] / row[ch->ai[c]] : 0;
	for (size_t a = 0; a < nin; a++)
		p[a] = row[a] > 0 ? 1.0 / (double)out->inputs : 0;
	if (out->inputs <= 1) {
		/* one input (or none) carries no information */
		out->converged = true;
		goto done;
	}
	for (;;) {
		double lower, upper = -INFINITY, z = 0;

		memset(q, 0, nout * sizeof(*q));
		for (size_t c = 0; c < ch->ncells; c++)
			q[ch->xj[c]] += p[ch->ai[c]] * w[c];
		memset(d, 0, nin * sizeof(*d));
		for (size_t c = 0; c < ch->ncells; c++)
			if (w[c] > 0)
				d[ch->ai[c]] += w[c] * log(w[c] / q[ch->xj[c]]);
		for (size_t a = 0; a < nin; a++)
			if (row[a] > 0 && d[a] > upper)
				upper = d[a];
		/* sum p e^D, scaled by e^-upper so nothing overflows */
		for (size_t a = 0; a < nin; a++)
			if (row[a] > 0)
				z += p[a] * exp(d[a] - upper);
		lower = upper + log(z);
		out->capacity = lower > 0 ? lower : 0;
		out->upper = upper > 0 ? upper : 0;
		out->gap = out->upper - out->capacity;
		if (out->gap <= tol) {
			out->converged = true;
			break;
		}
		if (out->iterations >= max_iter)
			break;
		for (size_t a = 0; a < nin; a++)
			if (row[a] > 0)
				p[a] = p[a] * exp(d[a] - upper) / z;
		out->iterations++;
		if (prog) {
			double f = (double)out->iterations / max_iter;

			if (isnan(gap0))
				gap0 = out->gap;
			else if (gap0 > tol && out->gap < gap0)
				f = fmax(f, log(gap0 / out->gap) / log(gap0 / tol));
			oed_progress_stepf(prog, done0 + fmin(f, 1));
		}
	}
done:
	if (p_out)
		memcpy(p_out, p, nin * sizeof(*p));
	rc = 0;
out:
	free(buf);
	free(w);
	return rc;
}

/*
 * D(a) sums W log(W / q) per cell, which needs each cell's whole count:
 * cells sorted by (input, output) without repeats go straight through,
 * others are sorted and repeats added up.
 */
static int
capacity_any(const struct oed_channel *ch, double tol, unsigned max_iter, double *p_out,
	     struct oed_capacity *out, struct oed_progress *prog, double done0, struct oed_err *err)
{
	struct oed_channel u = *ch;
	size_t *ax, k;
	double *n;
	int rc;

	for (k = 1; k < ch->ncells; k++)
		if (ch->ai[k - 1] > ch->ai[k] ||
		    (ch->ai[k - 1] == ch->ai[k] && ch->xj[k - 1] >= ch->xj[k]))
			break;
	if (k >= ch->ncells)
		return capacity(ch, tol, max_iter, p_out, out, prog, done0, err);
	for (size_t c = 0; c < ch->ncells; c++)
		if (ch->ai[c] >= ch->nin || ch->xj[c] >= ch->nout) {
			memset(out, 0, sizeof(*out));
			return oed_err_set(err, OED_EX_FAIL, "cell %zu lies outside the %zu x %zu channel",
					   c, ch->nin, ch->nout);
		}
	if (oed_cells_merge(ch->ai, ch->xj, ch->n, ch->ncells, &ax, &n, &k, err) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	u.ai = ax;
	u.xj = ax + ch->ncells;
	u.n = n;
	u.ncells = k;
	rc = capacity(&u, tol, max_iter, p_out, out, prog, done0, err);
	free(ax);
	free(n);
	return rc;
}

int
oed_capacity(const struct oed_channel *ch, double tol, unsigned max_iter, double *p_out,
	     struct oed_capacity *out, struct oed_err *err)
{
	return capacity_any(ch, tol, max_iter, p_out, out, NULL, 0, err);
}

struct yref {
	uint64_t y;
	size_t i;
};

static int
yref_cmp(const void *p, const void *q)
{
	const struct yref *a = p, *b = q;

	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

int
oed_empowerment(const struct oed_xyz *cells, size_t ncells, double tol, unsigned max_iter,
		struct oed_progress *progress, struct oed_empowerment **out, size_t *nstates,
		struct oed_err *err)
{
	size_t m = ncells ? ncells : 1, k = 0, ns = 0;
	struct oed_xyz *s = malloc(m * sizeof(*s));
	struct yref *ys = malloc(m * sizeof(*ys));
	size_t *ai = malloc(2 * m * sizeof(size_t));
	double *n = malloc(m * sizeof(double));
	struct oed_empowerment *e = malloc(m * sizeof(*e));
	int rc = -1;

	*out = NULL;
	*nstates = 0;
	if (s == NULL || ys == NULL || ai == NULL || n == NULL || e == NULL) {
		oed_err_set(err, OED_EX_FAIL, "out of memory");
		goto fail;
	}
	if ((k = oed_xyz_merge(cells, ncells, s, err)) == (size_t)-1)
		goto fail;
	if (progress) {
		size_t states = 0;

		for (size_t i = 0; i < k; i++)
			states += i == 0 || s[i].z != s[i - 1].z;
		oed_progress_phase(progress, "capacity", "states", states);
	}
	for (size_t i = 0; i < k;) {
		size_t j = i, g, na = 0, nx = 0;
		struct oed_channel ch;
		double tot = 0;

		while (j < k && s[j].z == s[i].z)
			j++;
		g = j - i;
		/* actions number by their runs, outcomes through a sort */
		for (size_t c = 0; c < g; c++) {
			if (c > 0 && s[i + c].x != s[i + c - 1].x)
				na++;
			ai[c] = na;
			n[c] = s[i + c].n;
			tot += n[c];
			ys[c] = (struct yref){ s[i + c].y, c };
		}
		na++;
		qsort(ys, g, sizeof(*ys), yref_cmp);
		for (size_t c = 0; c < g; c++) {
			if (c > 0 && ys[c].y != ys[c - 1].y)
				nx++;
			ai[m + ys[c].i] = nx;
		}
		nx++;
		ch = (struct oed_channel){ .nin = na, .nout = nx, .ncells = g, .ai = ai,
					   .xj = ai + m, .n = n };
		e[ns] = (struct oed_empowerment){ .state = s[i].z, .n = tot, .actions = na,
						  .outcomes = nx };
		if (capacity_any(&ch, tol, max_iter, NULL, &e[ns].c, progress, (double)ns, err) == -1)
			goto fail;
		ns++;
		oed_progress_step(progress, ns);
		i = j;
	}
	*out = e;
	*nstates = ns;
	e = NULL;
	rc = 0;
fail:
	free(s);
	free(ys);
	free(ai);
	free(n);
	free(e);
	return rc;
}
