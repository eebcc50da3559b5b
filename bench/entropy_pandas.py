#!/usr/bin/python3
"""The pandas + scikit-learn way: load JSON Lines, compute I(X;Y) and H(Y|X)."""
import sys
import numpy as np
import pandas as pd
from scipy.stats import entropy
from sklearn.metrics import mutual_info_score

df = pd.read_json(sys.argv[1], lines=True)
mi = mutual_info_score(df["input_id"], df["output"]) / np.log(2)
hx = entropy(df["input_id"].value_counts().to_numpy(), base=2)
hy = entropy(df["output"].value_counts().to_numpy(), base=2)
print("n=%d h_x=%.12g h_y=%.12g mi=%.12g h_y_given_x=%.12g" % (len(df), hx, hy, mi, hy - mi))
