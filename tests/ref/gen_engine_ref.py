#!/usr/bin/python3
"""Reference data and values for the information engine (check_engine.c and
the oed-entropy / oed-mi end-to-end cases), from scipy, scikit-learn and numpy.

Run with Debian's python3 (python3-scipy, python3-sklearn, python3-numpy)
from the top of the source tree:
    /usr/bin/python3 tests/ref/gen_engine_ref.py

It writes
    tests/ref/engine_records.jsonl  records: input_id, output, meta.lang, w
    tests/ref/engine_traces.jsonl   agent traces: state, action, next
    tests/ref/engine_ref.h          the expected values, in nats
"""
import json
import re

import numpy as np
from scipy.stats import entropy
from sklearn.metrics import (adjusted_mutual_info_score, mutual_info_score,
                             normalized_mutual_info_score)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.metrics.cluster._expected_mutual_info_fast import \
    expected_mutual_information

rng = np.random.default_rng(20261122)

# ---- records: several samples per input, Zipf-like repeated outputs ----
words = ["the", "answer", "is", "Straße", "naïve", "café", "日本語", "Ωμέγα",
         "maybe", "42", "7", "x²", "emoji😀", "done"]
records = []
for q in range(40):
    nsamples = int(rng.integers(1, 30))
    # each input has its own small set of likely outputs
    pool = [" ".join(rng.choice(words, size=int(rng.integers(1, 6))))
            for _ in range(int(rng.integers(1, 8)))]
    ranks = np.arange(1, len(pool) + 1, dtype=float)
    p = ranks ** -1.3
    p /= p.sum()
    lang = ["en", "de", "ja"][q % 3]
    for s in range(nsamples):
        out = pool[int(rng.choice(len(pool), p=p))]
        records.append({"input_id": "q%02d" % q, "output": out, "sample": s,
                        "meta": {"lang": lang if rng.random() < 0.8 else "fr"},
                        "w": int(rng.integers(1, 4))})
order = rng.permutation(len(records))
with open("tests/ref/engine_records.jsonl", "w", encoding="utf-8") as f:
    for i, k in enumerate(order):
        # some lines with \u escapes, as other writers produce them
        f.write(json.dumps(records[k], ensure_ascii=(i % 4 == 0),
                           separators=(",", ":")) + "\n")

# ---- agent traces: the next state depends on state and action ----
traces = []
for t in range(600):
    s = int(rng.integers(0, 8))
    a = int(rng.integers(0, 3 if s < 4 else 2))
    if rng.random() < 0.75:
        nxt = (s + a + 1) % 8
    else:
        nxt = int(rng.integers(0, 8))
    traces.append({"state": "s%d" % s, "action": "a%d" % a, "next": "s%d" % nxt})
with open("tests/ref/engine_traces.jsonl", "w") as f:
    for tr in traces:
        f.write(json.dumps(tr, separators=(",", ":")) + "\n")


def h(labels, weights=None):
    _, inv = np.unique(labels, return_inverse=True)
    return entropy(np.bincount(inv, weights=weights))


def cond_h(x, y, w=None):
    """H(Y|X) = sum_x p(x) H(Y|X=x)."""
    x = np.asarray(x)
    y = np.asarray(y)
    w = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    total = w.sum()
    out = 0.0
    for v in np.unique(x):
        sel = x == v
        out += w[sel].sum() / total * h(y[sel], w[sel])
    return out


def mm_cond_h(x, y):
    """Miller-Madow per input: H + (m - 1) / (2 n)."""
    x = np.asarray(x)
    y = np.asarray(y)
    out = 0.0
    for v in np.unique(x):
        sel = y[x == v]
        m = len(np.unique(sel))
        out += len(sel) / len(x) * (h(sel) + (m - 1) / (2 * len(sel)))
    return out


def mi_block(x, y):
    x = np.asarray(x)
    y = np.asarray(y)
    c = contingency_matrix(x, y, sparse=True)
    mi = mutual_info_score(x, y)
    hx, hy = h(x), h(y)
    emi = expected_mutual_information(c.astype(np.int64), len(x))
    vals = [hx, hy, mi, hx - mi, hy - mi, hx + hy - 2 * mi, emi]
    for avg in ["arithmetic", "geometric", "min", "max"]:
        vals.append(normalized_mutual_info_score(x, y, average_method=avg))
    for avg in ["arithmetic", "geometric", "min", "max"]:
        vals.append(adjusted_mutual_info_score(x, y, average_method=avg))
    return vals


def cmi(x, y, z):
    x, y, z = np.asarray(x), np.asarray(y), np.asarray(z)
    out = 0.0
    for v in np.unique(z):
        sel = z == v
        out += sel.sum() / len(z) * mutual_info_score(x[sel], y[sel])
    return out


X = [r["input_id"] for r in records]
Y = [r["output"] for r in records]
Z = [r["meta"]["lang"] for r in records]
W = [r["w"] for r in records]
XW = np.repeat(X, W)
YW = np.repeat(Y, W)
ZW = np.repeat(Z, W)
lens = np.array([len(y) for y in Y], dtype=float)  # code points
lens_w = np.repeat(lens, W)

# --extract: the first number in the output, no match its own class
pat = re.compile(r"(\d+)")
YE = [m.group(1) if m else "\uffffno match" for m in map(pat.search, Y)]

S = [t["state"] for t in traces]
A = [t["action"] for t in traces]
N = [t["next"] for t in traces]

qs = [0.5, 0.9, 0.99]


def lenstats(v):
    return [v.mean(), v.std(), v.min()] + [np.quantile(v, q) for q in qs] + [v.max()]


def arr(name, vals):
    return "static const double %s[] = {\n\t%s,\n};" % (
        name, ",\n\t".join("%.17g" % v for v in vals))


with open("tests/ref/engine_ref.h", "w") as f:
    p = lambda s: print(s, file=f)
    p("/* Generated by tests/ref/gen_engine_ref.py from scipy, scikit-learn and numpy: do not edit. */")
    p("/* In nats.  Records: tests/ref/engine_records.jsonl; traces: engine_traces.jsonl. */")
    p("#define REF_N %d" % len(records))
    p("#define REF_NW %d" % int(sum(W)))
    p("#define REF_TRACES %d" % len(traces))
    p("/* oed-entropy: h_x, h_y, h_y_given_x (plug-in), h_y_given_x (Miller-Madow) */")
    p(arr("ref_entropy", [h(X), h(Y), cond_h(X, Y), mm_cond_h(X, Y)]))
    p("/* the same weighted by w (records repeated w times) */")
    p(arr("ref_entropy_w", [h(XW), h(YW), cond_h(XW, YW)]))
    p("/* lengths in code points: mean, sd, min, p50, p90, p99, max; then weighted */")
    p(arr("ref_len", lenstats(lens)))
    p(arr("ref_len_w", lenstats(lens_w)))
    p("/* oed-mi x=input_id y=output: h_x, h_y, mi, h_x_given_y, h_y_given_x, vi, emi,")
    p(" * nmi (arithmetic, geometric, min, max), ami (arithmetic, geometric, min, max) */")
    p(arr("ref_mi", mi_block(X, Y)))
    p("/* oed-mi x=meta.lang y=output, and weighted by w */")
    p(arr("ref_mi_lang", mi_block(Z, Y)))
    p(arr("ref_mi_w", mi_block(XW, YW)))
    p("/* I(X;Y|Z) with z=meta.lang, unweighted and weighted */")
    p(arr("ref_cmi", [cmi(X, Y, Z), cmi(XW, YW, ZW)]))
    p("/* --extract '(\\d+)': h_y, h_y_given_x, outputs with no match */")
    p(arr("ref_extract", [h(YE), cond_h(X, YE), sum(1 for y in YE if y.startswith("\uffff"))]))
    p("/* empowerment I(A;S'|S) of the traces */")
    p(arr("ref_emp", [cmi(A, N, S)]))
    # huge counts: three classes weighted 1e12, 1e12 + 1 and 3
    big = np.array([1e12, 1e12 + 1, 3])
    p("/* huge counts 1e12, 1e12 + 1, 3: h_y */")
    p(arr("ref_huge", [entropy(big)]))
print("wrote tests/ref/engine_records.jsonl, engine_traces.jsonl and engine_ref.h")
