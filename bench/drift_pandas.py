#!/usr/bin/python3
"""The pandas + scipy way for bench/drift.sh: load both files with pandas,
then ks_2samp and wasserstein_distance (and the normed distance) on each
numeric column, Jensen-Shannon distance (base 2, zero shares floored at
1e-4, as oed-drift) on each categorical one.

    drift_pandas.py REFERENCE.jsonl CURRENT.jsonl

The files are read in chunks of 100,000 lines, keeping only the five
columns: read whole, a million records of this corpus need more than
20 GiB.
"""
import sys

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance

NUM = ["latency_ms", "tokens_in", "tokens_out"]
CAT = ["model", "sample"]


def load(path):
    parts = [chunk[NUM + CAT] for chunk in pd.read_json(path, lines=True, chunksize=100000)]
    return pd.concat(parts, ignore_index=True)


ref = load(sys.argv[1])
cur = load(sys.argv[2])
for c in NUM:
    a = ref[c].dropna().to_numpy(float)
    b = cur[c].dropna().to_numpy(float)
    ks = ks_2samp(a, b)
    w = wasserstein_distance(a, b)
    print("%s n_ref=%d n_cur=%d ks=%.12g p=%.6g wasserstein=%.12g wasserstein_normed=%.12g"
          % (c, len(a), len(b), ks.statistic, ks.pvalue, w, w / max(np.std(a), 0.001)))
for c in CAT:
    r = ref[c].dropna().astype(str).value_counts()
    q = cur[c].dropna().astype(str).value_counts()
    names = sorted(set(r.index) | set(q.index))
    p1 = np.array([r.get(k, 0) for k in names], float)
    p2 = np.array([q.get(k, 0) for k in names], float)
    p1, p2 = p1 / p1.sum(), p2 / p2.sum()
    p1[p1 == 0] = 1e-4
    p2[p2 == 0] = 1e-4
    print("%s n_ref=%d n_cur=%d js=%.12g" % (c, r.sum(), q.sum(), jensenshannon(p1, p2, base=2)))
