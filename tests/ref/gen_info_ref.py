#!/usr/bin/python3
"""Reference values for tests/unit/check_estimators.c and check_mi.c.

    /usr/bin/python3 tests/ref/gen_info_ref.py > tests/ref/info_ref.h

It takes about twenty minutes, nearly all of it scikit-learn's
expected_mutual_information on the 9,520 x 9,467 table.

Plug-in entropy comes from scipy.stats.entropy and, to 50 digits, from
mpmath; MI, NMI, AMI and E[I] from scikit-learn.  The other estimators are
written here from their published formulas, independently of lib/:

  Miller-Madow   G. Miller (1955), "Note on the bias of information
                 estimates": H_ML + (m - 1) / (2N)
  Chao-Shen      A. Chao and T.-J. Shen (2003), Environ. Ecol. Stat. 10:
                 429-443, with the R package entropy's guard (f1 = N - 1
                 when every count is a singleton)
  shrink         J. Hausser and K. Strimmer (2009), JMLR 10: 1469-1484,
                 eq. 8 and the lambda of their appendix, target 1/K
  Dirichlet      posterior mean (n_k + a) / (N + K a), a = 1/2 (Jeffreys),
                 1 (Laplace), 1/K (Schurmann-Grassberger), sqrt(N)/K
                 (minimax), as R's entropy.Dirichlet
  Grassberger    P. Grassberger (2003), arXiv:physics/0307138, eq. 35:
                 H = log N - 1/N sum n G(n), G(n) = psi(n) +
                 (-1)^n / 2 (psi((n+1)/2) - psi(n/2))
  NSB            I. Nemenman, F. Shafee and W. Bialek (2002), "Entropy and
                 inference, revisited", NIPS 14: the posterior mean of H
                 under a Dirichlet(beta) prior averaged over beta with
                 d xi / d beta, xi(beta) = psi(K beta + 1) - psi(beta + 1).
                 lib/info/estimators.c integrates over log beta with adaptive
                 Gauss-Kronrod; here the integral runs over xi itself
                 (the NSB prior is uniform in xi) with scipy's quad, beta
                 found from xi by root finding: a different variable and
                 different code.
"""
import math
import sys
import time

import mpmath
import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar
from scipy.special import digamma, gammaln
from scipy.stats import entropy as scipy_entropy
from sklearn.metrics import (adjusted_mutual_info_score, mutual_info_score,
                             normalized_mutual_info_score)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import \
    expected_mutual_information

T0 = time.time()
mpmath.mp.dps = 50
AVG = ["arithmetic", "geometric", "min", "max"]
EST = ["plugin", "miller-madow", "chao-shen", "shrink", "jeffreys", "laplace",
       "sg", "minimax", "grassberger", "nsb"]
NEEDS_INT = {"miller-madow", "chao-shen", "grassberger", "nsb"}


def observed(c):
    c = np.asarray(c, dtype=float)
    return c[c > 0]


def h_plugin_exact(c):
    c = [mpmath.mpf(float(v)) for v in observed(c)]
    n = sum(c)
    if n == 0:
        return 0.0
    return float(-sum(v / n * mpmath.log(v / n) for v in c))


def h_plugin_scipy(c):
    c = observed(c)
    return float(scipy_entropy(c)) if len(c) else 0.0


def h_mm(c):
    c = observed(c)
    if len(c) == 0:
        return 0.0
    return h_plugin_exact(c) + (len(c) - 1) / (2 * c.sum())


def h_cs(c):
    c = observed(c)
    n = c.sum()
    if n == 0:
        return 0.0
    f1 = float(np.sum(c == 1))
    if f1 == n:
        f1 = n - 1
    cov = 1 - f1 / n
    pa = cov * c / n
    la = 1 - (1 - pa) ** n
    return float(-np.sum(pa * np.log(pa) / la))


def padded(c, k):
    c = observed(c)
    k = max(int(k), len(c)) if k else len(c)
    return np.concatenate([c, np.zeros(k - len(c))]), k


def h_of_freqs(p):
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def h_shrink(c, k):
    y, k = padded(c, k)
    n = y.sum()
    if n == 0:
        return 0.0
    t = 1.0 / k
    u = y / n
    if n == 1:
        lam = 1.0
    else:
        msp = np.sum((u - t) ** 2)
        lam = 1.0 if msp == 0 else np.sum(u * (1 - u) / (n - 1)) / msp
    lam = min(1.0, max(0.0, lam))
    return h_of_freqs(lam * t + (1 - lam) * u)


def h_dirichlet(c, k, which):
    y, k = padded(c, k)
    n = y.sum()
    if n == 0:
        return 0.0
    a = {"jeffreys": 0.5, "laplace": 1.0, "sg": 1.0 / k,
         "minimax": math.sqrt(n) / k}[which]
    return h_of_freqs((y + a) / (n + k * a))


def h_grassberger(c):
    c = observed(c)
    n = c.sum()
    if n == 0:
        return 0.0
    g = digamma(c) + 0.5 * (-1.0) ** c * (digamma((c + 1) / 2) - digamma(c / 2))
    return float(math.log(n) - np.sum(c * g) / n)


def h_nsb(c, k):
    c = observed(c)
    n, m = float(c.sum()), len(c)
    k = max(int(k), m) if k else m
    if n == 0 or k <= 1:
        return 0.0
    vals, mult = np.unique(c, return_counts=True)

    def logev(b):
        # log p(n | beta) without the multinomial coefficient; log-gamma
        # differences to 50 digits, so large beta loses nothing
        b = mpmath.mpf(b)
        s = mpmath.loggamma(k * b) - mpmath.loggamma(n + k * b)
        for v, w in zip(vals, mult):
            s += int(w) * (mpmath.loggamma(float(v) + b) - mpmath.loggamma(b))
        return float(s)

    def mean_h(b):
        a = n + k * b
        return float(digamma(a + 1) - np.sum(mult * (vals + b) / a * digamma(vals + b + 1))
                     - (k - m) * b / a * digamma(b + 1))

    def xi(b):
        return digamma(k * b + 1) - digamma(b + 1)

    top = math.log(k)

    def beta_of(x):
        f = lambda t: xi(math.exp(t)) - x
        if f(80) <= 0:
            # xi within rounding of log K: beta is past anything that matters
            return math.exp(80)
        return math.exp(brentq(f, -80, 80, xtol=1e-15, rtol=1e-15))

    # the peak of the evidence over xi (the prior is flat in xi)
    r = minimize_scalar(lambda t: -logev(math.exp(t)), bounds=(-40, 40), method="bounded",
                        options={"xatol": 1e-10})
    peak = -r.fun
    xpk = xi(math.exp(r.x))

    def w(x):
        if x <= 0 or x >= top:
            return 0.0 if x <= 0 else math.exp(-n * math.log(k) - peak)
        return math.exp(logev(beta_of(x)) - peak)

    def wh(x):
        if x <= 0:
            return 0.0
        if x >= top:
            return w(x) * top
        b = beta_of(x)
        return math.exp(logev(b) - peak) * mean_h(b)

    pts = sorted({min(max(xpk + d, 1e-12), top - 1e-12) for d in (-1e-3, 0, 1e-3)})
    opts = dict(points=pts, limit=400, epsabs=0, epsrel=1e-12)
    z = quad(w, 0, top, **opts)[0]
    return quad(wh, 0, top, **opts)[0] / z


def h_nsb_mp(c, k):
    """NSB a second way: over t = log beta, as lib/ does, but with mpmath
    at 60 digits and Gauss-Legendre between grid points where the log
    weight is within 60 of its peak.  Where the posterior sits at large
    beta (no coincidences) the xi integral above crowds against log K and
    quad loses digits; this one does not."""
    c = observed(c)
    n, m = int(c.sum()), len(c)
    k = max(int(k), m) if k else m
    if n == 0 or k <= 1:
        return 0.0
    vals, mult = np.unique(c, return_counts=True)
    vals = [int(v) for v in vals]
    mult = [int(w) for w in mult]
    old = mpmath.mp.dps
    mpmath.mp.dps = 60
    lg = mpmath.loggamma

    def logw(t):
        b = mpmath.e ** t
        ev = lg(k * b) - lg(n + k * b) + sum(w * (lg(v + b) - lg(b)) for v, w in zip(vals, mult))
        return mpmath.log(k * mpmath.psi(1, k * b + 1) - mpmath.psi(1, b + 1)) + t + ev

    def mean_h(t):
        b = mpmath.e ** t
        a = n + k * b
        return (mpmath.psi(0, a + 1) - sum(w * (v + b) / a * mpmath.psi(0, v + b + 1)
                                           for v, w in zip(vals, mult))
                - (k - m) * b / a * mpmath.psi(0, b + 1))

    ts = [mpmath.mpf(x) / 2 - math.log(k) for x in range(-80, 200)]
    lw = [logw(t) for t in ts]
    top = max(lw)
    keep = [i for i in range(len(ts)) if lw[i] > top - 60]
    pts = ts[max(keep[0] - 1, 0):keep[-1] + 2]
    z = mpmath.quad(lambda t: mpmath.e ** (logw(t) - top), pts)
    zh = mpmath.quad(lambda t: mpmath.e ** (logw(t) - top) * mean_h(t), pts)
    mpmath.mp.dps = old
    return float(zh / z)


def estimate(name, c, k):
    c = np.asarray(c, dtype=float)
    if name in NEEDS_INT and np.any(c != np.floor(c)):
        return None
    return {
        "plugin": lambda: h_plugin_exact(c),
        "miller-madow": lambda: h_mm(c),
        "chao-shen": lambda: h_cs(c),
        "shrink": lambda: h_shrink(c, k),
        "grassberger": lambda: h_grassberger(c),
        "nsb": lambda: h_nsb(c, k),
    }.get(name, lambda: h_dirichlet(c, k, name))()


# ---- count vectors -------------------------------------------------------

vectors = [
    ("empty", []),
    ("one record", [1]),
    ("all identical", [7]),
    ("all distinct", [1] * 100),
    ("singletons", [1] * 5),
    ("two classes", [3, 5]),
    ("typical", [10, 5, 3, 1, 1, 0, 2]),
    ("coincidences", [2, 2, 2, 1, 1, 1, 1]),
    ("zipf", [1000 // (i + 1) for i in range(50)]),
    ("huge", [1e9, 3e9, 5]),
    ("huge skew", [1e9, 1]),
    ("many classes", [1 + (i * 7919) % 13 for i in range(10000)]),
    ("weighted", [0.5, 2.25, 3]),
]


def cnum(v):
    if v is None:
        return "0"
    if v == 0:
        return "0.0"
    return repr(float(v))


def carr(name, xs, ctype="double"):
    body = ", ".join(cnum(x) if ctype == "double" else str(int(x)) for x in xs)
    return "static const %s %s[] = { %s };" % (ctype, name, body if len(xs) else "0")


out = []
p = out.append
p("/* Generated by tests/ref/gen_info_ref.py (scipy %s, scikit-learn %s); do not edit. */"
  % (__import__("scipy").__version__, __import__("sklearn").__version__))
p("#ifndef INFO_REF_H\n#define INFO_REF_H\n#include <stddef.h>\n#include <stdbool.h>\n")
p("/* estimator order: %s */" % ", ".join(EST))
p("#define INFO_NEST %d" % len(EST))
p("struct info_vec {\n\tconst char *name;\n\tsize_t n;\n\tconst double *c;\n"
  "\tdouble scipy;\t\t/* scipy.stats.entropy */\n"
  "\tbool scipy_ill;\t\t/* scipy's -sum p log p is off by more than 1e-10 here */\n"
  "\tdouble k5;\t\t/* the K of the second row: classes seen + 5 */\n"
  "\tdouble seen[INFO_NEST], more[INFO_NEST];\t/* K = seen, K = k5 */\n"
  "\tbool err[INFO_NEST];\t/* the estimator must refuse these counts */\n};")
for i, (name, c) in enumerate(vectors):
    p(carr("iv_%d" % i, c))
p("static const struct info_vec info_vecs[] = {")
for i, (name, c) in enumerate(vectors):
    print("entropy: %s %.1f" % (name, time.time() - T0), file=sys.stderr)
    m = len(observed(c))
    k5 = m + 5
    exact = h_plugin_exact(c)
    sc = h_plugin_scipy(c)
    ill = abs(sc - exact) > 1e-10 * abs(exact) + 1e-15
    seen = [estimate(e, c, 0) for e in EST]
    more = [estimate(e, c, k5) for e in EST]
    p("\t{ \"%s\", %d, iv_%d, %s, %s, %d," % (name, len(c), i, cnum(sc), "true" if ill else "false", k5))
    p("\t  { %s }," % ", ".join(cnum(v) for v in seen))
    p("\t  { %s }," % ", ".join(cnum(v) for v in more))
    p("\t  { %s } }," % ", ".join("true" if v is None else "false" for v in seen))
p("};\n")

# NSB with a declared K well above the classes seen
nsb_cases = [("typical", [10, 5, 3, 1, 1, 2], 100), ("coincidences", [2, 2, 2, 1, 1, 1, 1], 1000),
             ("all distinct", [1] * 100, 1000), ("zipf", [1000 // (i + 1) for i in range(50)], 200),
             ("one class", [7], 10), ("two classes", [3, 5], 2), ("big K", [4, 3, 2, 2, 1, 1, 1], 1e6),
             ("3000 distinct", [1] * 3000, 3000), ("one coincidence, K 1e9", [1] * 50 + [2], 1e9)]
p("struct info_nsb {\n\tconst char *name;\n\tsize_t n;\n\tconst double *c;\n"
  "\tdouble k, h;\t/* h: scipy quad over xi */\n"
  "\tdouble h_mp;\t/* mpmath over log beta, 60 digits */\n"
  "\tbool xi_off;\t/* the xi integral disagrees with mpmath by more than 1e-10 */\n};")
for i, (name, c, k) in enumerate(nsb_cases):
    p(carr("in_%d" % i, c))
p("static const struct info_nsb info_nsb_cases[] = {")
for i, (name, c, k) in enumerate(nsb_cases):
    print("nsb: %s" % name, file=sys.stderr)
    hx, hm = h_nsb(c, k), h_nsb_mp(c, k)
    off = abs(hx - hm) > 1e-10 * abs(hm)
    p("\t{ \"%s\", %d, in_%d, %s, %s, %s, %s }," % (name, len(c), i, cnum(k), cnum(hx), cnum(hm),
                                                "true" if off else "false"))
p("};\n")

# ---- label pairs: MI, NMI, AMI, E[I] -------------------------------------

rng = np.random.default_rng(20261122)
pairs = []


def pair(name, x, y):
    pairs.append((name, np.asarray(x), np.asarray(y)))


pair("identical", [0, 0, 1, 1, 2, 2, 3], [0, 0, 1, 1, 2, 2, 3])
pair("renamed", [0, 0, 1, 1, 2], [5, 5, 3, 3, 9])
pair("both one class", [1] * 4, [7] * 4)
pair("x one class", [1] * 6, [0, 1, 2, 0, 1, 2])
pair("one record", [0], [0])
pair("all distinct", list(range(20)), list(range(20)))
pair("distinct vs two", list(range(20)), [0, 1] * 10)
pair("two classes noisy", rng.integers(0, 2, 1000), None)
pairs[-1] = (pairs[-1][0], pairs[-1][1], np.where(rng.random(1000) < 0.8, pairs[-1][1], 1 - pairs[-1][1]))
x = rng.integers(0, 5, 500)
pair("independent", x, rng.integers(0, 7, 500))
x = rng.zipf(1.6, 3000) % 40
pair("skewed", x, (x + rng.integers(0, 3, 3000)) % 25)
x = rng.integers(0, 10000, 30000)
pair("many classes", x, np.where(rng.random(30000) < 0.5, x, rng.integers(0, 10000, 30000)))
x = rng.integers(0, 300, 5000)
pair("refinement", x, x // 10)



def emi_exact(c, n):
    """E[I] to 40 digits: the hypergeometric sum over pairs of distinct
    marginal values, each term through mpmath's log-gamma."""
    mpmath.mp.dps = 40
    a = np.asarray(c.sum(axis=1)).ravel()
    b = np.asarray(c.sum(axis=0)).ravel()
    av, am = np.unique(a, return_counts=True)
    bv, bm = np.unique(b, return_counts=True)
    lf = lambda v: mpmath.loggamma(v + 1)
    total = mpmath.mpf(0)
    for x, mx in zip(av, am):
        for y, my in zip(bv, bm):
            x, y = int(x), int(y)
            s = mpmath.mpf(0)
            for k in range(max(1, x + y - n), min(x, y) + 1):
                lp = (lf(x) + lf(y) + lf(n - x) + lf(n - y) - lf(n) - lf(k) - lf(x - k)
                      - lf(y - k) - lf(n - x - y + k))
                s += mpmath.mpf(k) / n * mpmath.log(mpmath.mpf(n) * k / (x * y)) * mpmath.exp(lp)
            total += int(mx) * int(my) * s
    mpmath.mp.dps = 50
    return float(total)


def ami_of(mi, emi, hx, hy, avg):
    """scikit-learn's AMI formula, fed another E[I]."""
    norm = {"arithmetic": (hx + hy) / 2, "geometric": math.sqrt(hx * hy),
            "min": min(hx, hy), "max": max(hx, hy)}[avg]
    den = norm - emi
    eps = np.finfo(np.float64).eps
    den = min(den, -eps) if den < 0 else max(den, eps)
    return (mi - emi) / den


p("struct info_mi {\n\tconst char *name;\n\tsize_t nrows, ncols, ncells;\n"
  "\tconst size_t *ci, *cj;\n\tconst double *nij;\n"
  "\tdouble h_x, h_y, mi, emi, nmi[4], ami[4];\t/* scikit-learn */\n"
  "\tdouble emi_exact, ami_exact[4];\t/* E[I] to 40 digits, and AMI from it */\n"
  "\tbool sk_emi_off;\t/* scikit-learn's E[I] is off by more than 1e-11 */\n};")
for i, (name, x, y) in enumerate(pairs):
    cm = contingency_matrix(x, y, sparse=True).tocoo()
    p(carr("im_%d_i" % i, cm.row, "size_t"))
    p(carr("im_%d_j" % i, cm.col, "size_t"))
    p(carr("im_%d_n" % i, cm.data))
p("static const struct info_mi info_mi_cases[] = {")
for i, (name, x, y) in enumerate(pairs):
    print("mi: %s" % name, file=sys.stderr)
    c = contingency_matrix(x, y, sparse=True)
    cm = c.tocoo()
    emi = expected_mutual_information(c.astype(np.float64), len(x))
    hx = float(scipy_entropy(np.bincount(np.unique(x, return_inverse=True)[1])))
    hy = float(scipy_entropy(np.bincount(np.unique(y, return_inverse=True)[1])))
    nmi = [normalized_mutual_info_score(x, y, average_method=a) for a in AVG]
    ami = [adjusted_mutual_info_score(x, y, average_method=a) for a in AVG]
    p("\t{ \"%s\", %d, %d, %d, im_%d_i, im_%d_j, im_%d_n, %s, %s, %s, %s," % (
        name, c.shape[0], c.shape[1], cm.nnz, i, i, i, cnum(hx), cnum(hy),
        cnum(mutual_info_score(x, y)), cnum(emi)))
    ex = emi_exact(c, len(x))
    mi = mutual_info_score(x, y)
    if len(np.unique(x)) == len(np.unique(y)) == 1:
        amix = [1.0] * 4
    elif len(np.unique(x)) == 1 or len(np.unique(y)) == 1:
        amix = [0.0] * 4
    else:
        amix = [ami_of(mi, ex, hx, hy, a) for a in AVG]
    off = abs(emi - ex) > 1e-11 * abs(ex)
    p("\t  { %s }, { %s }," % (", ".join(cnum(v) for v in nmi), ", ".join(cnum(v) for v in ami)))
    p("\t  %s, { %s }, %s }," % (cnum(ex), ", ".join(cnum(v) for v in amix), "true" if off else "false"))
p("};\n")

# ---- conditional MI and MI with an estimator -----------------------------


def counts_of(*cols):
    keys = np.stack(cols, axis=1)
    _, cnt = np.unique(keys, axis=0, return_counts=True)
    return cnt.astype(float)


def nclasses(col):
    return len(np.unique(col))


triples = []
x = rng.integers(0, 4, 400)
z = rng.integers(0, 3, 400)
triples.append(("xor-ish", x, (x + z + (rng.random(400) < 0.2)) % 4, z))
x = rng.integers(0, 6, 2000)
z = x // 2
triples.append(("z explains", x, (z + (rng.random(2000) < 0.3)) % 3, z))
x = rng.integers(0, 3, 60)
triples.append(("small", x, rng.integers(0, 2, 60), rng.integers(0, 5, 60)))
triples.append(("one z", [0, 1, 1, 2, 0, 2], [0, 1, 1, 1, 0, 0], [3] * 6))

p("struct info_cmi {\n\tconst char *name;\n\tsize_t n;\n\tconst int *x, *y, *z;\n"
  "\tdouble kx, ky, kz;\t/* declared: classes seen + 2 each */\n"
  "\tdouble cmi;\t\t/* plug-in, from scikit-learn per z */\n"
  "\tdouble cmi_est[INFO_NEST], mi_est[INFO_NEST];\t/* K = kx ky kz products */\n};")
for i, (name, x, y, z) in enumerate(triples):
    p(carr("ic_%d_x" % i, x, "int"))
    p(carr("ic_%d_y" % i, y, "int"))
    p(carr("ic_%d_z" % i, z, "int"))
p("static const struct info_cmi info_cmi_cases[] = {")
for i, (name, x, y, z) in enumerate(triples):
    print("cmi: %s" % name, file=sys.stderr)
    x, y, z = np.asarray(x), np.asarray(y), np.asarray(z)
    n = len(x)
    cmi = 0.0
    for v in np.unique(z):
        s = z == v
        cmi += s.sum() / n * mutual_info_score(x[s], y[s])
    kx, ky, kz = nclasses(x) + 2, nclasses(y) + 2, nclasses(z) + 2
    ce, me = [], []
    for e in EST:
        ce.append(estimate(e, counts_of(x, z), kx * kz) + estimate(e, counts_of(y, z), ky * kz)
                  - estimate(e, counts_of(x, y, z), kx * ky * kz) - estimate(e, counts_of(z), kz))
        me.append(estimate(e, counts_of(x), kx) + estimate(e, counts_of(y), ky)
                  - estimate(e, counts_of(x, y), kx * ky))
    p("\t{ \"%s\", %d, ic_%d_x, ic_%d_y, ic_%d_z, %d, %d, %d, %s," % (name, n, i, i, i, kx, ky, kz, cnum(cmi)))
    p("\t  { %s }," % ", ".join(cnum(v) for v in ce))
    p("\t  { %s } }," % ", ".join(cnum(v) for v in me))
p("};\n")
p("#endif")
print("\n".join(out))
