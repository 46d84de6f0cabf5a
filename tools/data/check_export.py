"""Checks a `graft featurize --export` pair with NumPy: FILE.npz loads without pickle, has the documented arrays and
dtypes, and holds the same values as the FILE.csv export of the same cache.

    graft featurize MODEL --cut LAYER --data SPEC --cache DIR --export f.npz
    graft featurize MODEL --cut LAYER --data SPEC --cache DIR --export f.csv     # reuses the cache
    /opt/kvenv/bin/python tools/data/check_export.py f.npz f.csv
"""
import csv
import sys

import numpy as np


def main(npz_path, csv_path):
    d = np.load(npz_path, allow_pickle=False)
    x, y, ids, names = d["features"], d["labels"], d["ids"], d["label_names"]
    assert x.dtype == np.float32 and x.flags["C_CONTIGUOUS"], x.dtype
    assert y.dtype == np.int32 and y.shape == (x.shape[0],), (y.dtype, y.shape)
    assert ids.dtype.kind == "U" and names.dtype.kind == "U"
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    views = header[1] == "view"
    first = 3 if views else 2
    assert len(rows) == x.shape[0], (len(rows), x.shape)
    flat = x.reshape(x.shape[0], -1)
    for i, r in enumerate(rows):
        assert r[0] == ids[i], (i, r[0], ids[i])
        assert r[first - 1] == names[y[i]], (i, r[first - 1], names[y[i]])
        assert np.array_equal(np.array(r[first:], dtype=np.float32), flat[i]), i
    print("ok: %d rows, features %s %s, %d classes" % (x.shape[0], x.dtype, x.shape[1:], len(names)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
