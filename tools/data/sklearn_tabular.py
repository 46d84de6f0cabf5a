"""Copies scikit-learn's bundled wine, breast-cancer and iris CSVs (with their header lines) into docs/data/sklearn,
and computes scikit-learn's MLPClassifier and LogisticRegression test accuracy on the exact stratified split that
`graft finetune --test-fraction 0.25 --seed 42` holds out (java.util.Random, class by class, as
LabeledData.stratifiedSplit does). Standardization uses the statistics of the non-test rows.

    /opt/kvenv/bin/python tools/data/sklearn_tabular.py          # writes the CSVs and docs/data/sklearn/reference.txt
"""
import importlib.util
import math
import os
import shutil
import sys

import numpy as np
import sklearn
import sklearn.datasets
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "docs", "data", "sklearn")
FILES = {"wine.csv": "wine_data.csv", "breast_cancer.csv": "breast_cancer.csv", "iris.csv": "iris.csv"}
TEST_FRACTION = 0.25
SEED = 42

# java.util.Random and Collections.shuffle, shared with the digits reference (no copy of them here)
_spec = importlib.util.spec_from_file_location("javarand", os.path.join(ROOT, "tools", "reference", "digits_demo_reference.py"))


def _java():
    src = open(_spec.origin).read()
    start = src.index("_MULT = 0x5DEECE66D")
    end = src.index("def _s64(")
    ns = {}
    exec(src[start:end], ns)  # the JavaRandom / java_shuffle block only (the module itself imports torch)
    return ns["JavaRandom"], ns["java_shuffle"]


JavaRandom, java_shuffle = _java()


def load(path):
    """Graft's reading of these files: the first line is scikit-learn's header, then features and an integer label."""
    rows = np.loadtxt(path, delimiter=",", skiprows=1)
    return rows[:, :-1].astype(np.float32).astype(np.float64), rows[:, -1].astype(int)


def stratified_test(y, fraction, seed):
    """LabeledData.stratifiedSplit: per class (label order) shuffle members with one Random, first round(n*f) are test."""
    rnd = JavaRandom(seed)
    test = np.zeros(len(y), dtype=bool)
    for c in sorted(set(y.tolist())):
        members = [i for i in range(len(y)) if y[i] == c]
        java_shuffle(members, rnd)
        n = int(math.floor(len(members) * fraction + 0.5))
        test[members[:n]] = True
    return test


def main():
    os.makedirs(OUT, exist_ok=True)
    data_dir = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data")
    lines = ["scikit-learn %s, test share %.2f (seed %d, Graft's stratified split), StandardScaler on the other rows"
             % (sklearn.__version__, TEST_FRACTION, SEED),
             "file rows features test_rows logistic_regression mlp_classifier(mean of 5 seeds) mlp_seeds"]
    for name, src in FILES.items():
        dst = os.path.join(OUT, name)
        shutil.copyfile(os.path.join(data_dir, src), dst)
        x, y = load(dst)
        test = stratified_test(y, TEST_FRACTION, SEED)
        sc = StandardScaler().fit(x[~test])
        xtr, xte = sc.transform(x[~test]), sc.transform(x[test])
        lr = LogisticRegression(max_iter=5000).fit(xtr, y[~test]).score(xte, y[test])
        mlp = [MLPClassifier(max_iter=2000, random_state=s).fit(xtr, y[~test]).score(xte, y[test]) for s in range(5)]
        lines.append("%s %d %d %d %.4f %.4f %s" % (name, len(y), x.shape[1], int(test.sum()), lr, float(np.mean(mlp)),
                                                   ",".join("%.4f" % m for m in mlp)))
    text = "\n".join(lines) + "\n"
    open(os.path.join(OUT, "reference.txt"), "w").write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
