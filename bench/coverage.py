#!/usr/bin/python3
"""Coverage of oed-entropy's bootstrap intervals on data of known entropy.

    /usr/bin/python3 bench/coverage.py BUILD_DIR [DATASETS] [REPLICATES]

DATASETS (default 1000) datasets of 40 inputs with 10 samples each, every
output drawn from one law p over 7 classes, so H(Y) = H(Y|X) = H(p).  For
each, oed-entropy --ci 0.95 gives intervals for h_y (inputs resampled), h_y
with -x none (records resampled) and h_y_given_x with chao-shen; the script
prints how often each held H(p), and how often an interval was withheld
(the bootstrap's bias larger than its spread).  Seeded: the same arguments
give the same figures.  tests/unit/check_engine.c runs 200 of these.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

build = sys.argv[1]
datasets = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
replicates = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
tool = os.path.join(build, "oed-entropy")
p = np.array([0.4, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03])
truth = -(p * np.log(p)).sum()
rng = np.random.default_rng(20261201)
runs = {"h_y": [], "h_y -x none": [], "h_y_given_x chao-shen": []}


def run(args, text, key):
    out = subprocess.run([tool, "-b", "e", "--ci", "0.95", "--bootstrap", str(replicates)] + args,
                         input=text, capture_output=True, text=True, check=True).stdout
    rec = json.loads(out.splitlines()[0])
    lo, hi = rec.get(key + "_lo"), rec.get(key + "_hi")
    return None if lo is None else (lo <= truth <= hi)


for d in range(datasets):
    y = rng.choice(len(p), size=(40, 10), p=p)
    text = "".join('{"input_id":"q%d","output":"c%d"}\n' % (g, c)
                   for g in range(40) for c in y[g])
    seed = ["--seed", str(d + 1)]
    runs["h_y"].append(run(seed, text, "h_y"))
    runs["h_y -x none"].append(run(seed + ["-x", "none"], text, "h_y"))
    runs["h_y_given_x chao-shen"].append(run(seed + ["-e", "chao-shen"], text, "h_y_given_x"))

print("%d datasets, %d replicates, true entropy %.4f nats" % (datasets, replicates, truth))
for name, v in runs.items():
    given = [x for x in v if x is not None]
    print("%-24s covered %5.1f%% of %d intervals (%d withheld)" % (
        name, 100.0 * sum(given) / max(len(given), 1), len(given), len(v) - len(given)))
