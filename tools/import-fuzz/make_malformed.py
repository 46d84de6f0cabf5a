"""Malformed Keras files for the import fuzz: weights missing or reshaped, NaN weights, a .h5 without a model config.

    /opt/kvenv/bin/python tools/import-fuzz/make_malformed.py SRC_DIR OUT_DIR

SRC_DIR holds the outputs of make_keras_cases.py / make_keras2_cases.py (the sources named below). Each malformed
file is a copy of a good one with one thing changed by h5py; the .npz of the good model is copied beside it (the
reference a user would hold). What a correct importer must do: refuse with a message naming the layer / the file
(never import random or misplaced weights quietly).
"""
import io
import os
import shutil
import sys
import zipfile

import h5py
import numpy as np


def copy(src_dir, out, src, dst):
    shutil.copy(os.path.join(src_dir, src), os.path.join(out, dst))
    base = os.path.splitext(src)[0]
    if os.path.exists(os.path.join(src_dir, base + ".npz")):
        shutil.copy(os.path.join(src_dir, base + ".npz"), os.path.join(out, os.path.splitext(dst)[0] + ".npz"))
    return os.path.join(out, dst)


def edit_keras_weights(path, fn):
    """Applies fn(h5py.File) to model.weights.h5 inside a .keras zip."""
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    tmp = path + ".weights.h5"
    with open(tmp, "wb") as f:
        f.write(entries["model.weights.h5"])
    with h5py.File(tmp, "r+") as h:
        fn(h)
    with open(tmp, "rb") as f:
        entries["model.weights.h5"] = f.read()
    os.remove(tmp)
    with zipfile.ZipFile(path, "w") as z:
        for n, b in entries.items():
            z.writestr(n, b)


def find(h, suffix):
    hits = []
    h.visititems(lambda n, o: hits.append(n) if isinstance(o, h5py.Dataset) and n.endswith(suffix) else None)
    return hits


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    # Keras 2 path (DL4J reads the weights): a layer's weights missing, one weight missing, reshaped, NaN
    p = copy(src, out, "k2_dense_relu.h5", "bad_k2_layer_weights_missing.h5")
    with h5py.File(p, "r+") as h:
        del h["model_weights/dense"]
    p = copy(src, out, "k2_dense_relu.h5", "bad_k2_bias_missing.h5")
    with h5py.File(p, "r+") as h:
        g = h["model_weights/dense"]
        del g["dense/bias:0"]
        g.attrs["weight_names"] = np.array([b"dense/kernel:0"], dtype="S")
    p = copy(src, out, "k2_dense_relu.h5", "bad_k2_kernel_transposed.h5")
    with h5py.File(p, "r+") as h:
        k = h["model_weights/dense/dense/kernel:0"][()]
        del h["model_weights/dense/dense/kernel:0"]
        h["model_weights/dense/dense/kernel:0"] = k.T.copy()
    p = copy(src, out, "k2_dense_relu.h5", "bad_k2_kernel_same_count.h5")
    with h5py.File(p, "r+") as h:
        k = h["model_weights/dense/dense/kernel:0"][()]
        del h["model_weights/dense/dense/kernel:0"]
        h["model_weights/dense/dense/kernel:0"] = k.reshape(2, 10)
    p = copy(src, out, "k2_dense_relu.h5", "bad_k2_nan_weight.h5")
    with h5py.File(p, "r+") as h:
        d = h["model_weights/dense/dense/kernel:0"]
        k = d[()]
        k[0, 0] = np.nan
        d[...] = k
    p = copy(src, out, "k2_dense_relu.h5", "bad_k2_no_model_config.h5")
    with h5py.File(p, "r+") as h:
        del h.attrs["model_config"]
    p = copy(src, out, "k2_separable_bn.h5", "bad_k2_conv_kernel_permuted.h5")
    with h5py.File(p, "r+") as h:
        n = find(h, "pointwise_kernel:0")[0]
        k = h[n][()]  # [1, 1, 3, 4]
        del h[n]
        h[n] = k.reshape(3, 1, 1, 4)
    # Keras 3 path (Graft reads the weights)
    p = copy(src, out, "conv2d_same_s2_odd7.keras", "bad_k3_conv_kernel_permuted.keras")
    edit_keras_weights(p, lambda h: _permute(h, find(h, "vars/0")[0], (2, 0, 1, 3)))
    p = copy(src, out, "conv2d_same_s2_odd7.keras", "bad_k3_bias_missing.keras")
    edit_keras_weights(p, lambda h: h.__delitem__(find(h, "vars/1")[0]))
    p = copy(src, out, "conv2d_same_s2_odd7.keras", "bad_k3_all_weights_missing.keras")
    edit_keras_weights(p, lambda h: [h.__delitem__(n) for n in find(h, "vars/0") + find(h, "vars/1")])
    p = copy(src, out, "bn_eps_01.keras", "bad_k3_bn_variance_short.keras")
    edit_keras_weights(p, lambda h: _replace(h, find(h, "vars/3")[-1], lambda a: a[:2]))
    p = copy(src, out, "depthwise_dm2_s2_same.keras", "bad_k3_depthwise_same_count.keras")
    edit_keras_weights(p, lambda h: _replace(h, find(h, "vars/0")[0], lambda a: a.reshape(3, 3, 6, 1)))
    p = copy(src, out, "embedding_gap1d.keras", "bad_k3_embedding_short.keras")
    edit_keras_weights(p, lambda h: _replace(h, find(h, "vars/0")[0], lambda a: a[:10]))
    p = copy(src, out, "conv2d_same_s2_odd7.h5", "bad_k3h5_kernel_permuted.h5")
    with h5py.File(p, "r+") as h:
        _permute(h, [n for n in find(h, "kernel") + find(h, "kernel:0")][0], (2, 0, 1, 3))
    for f in sorted(os.listdir(out)):
        print(f)


def _replace(h, name, fn):
    a = h[name][()]
    del h[name]
    h[name] = fn(a)


def _permute(h, name, axes):
    _replace(h, name, lambda a: np.ascontiguousarray(np.transpose(a, axes)))


if __name__ == "__main__":
    main()
