"""Generates the Keras fixtures Graft's Keras import is tested against.

Run from the repository root (tensorflow-cpu comes from the local wheel index):

    python3 -m venv /tmp/kerasvenv && /tmp/kerasvenv/bin/pip install --retries 0 tensorflow-cpu h5py
    /tmp/kerasvenv/bin/python zoo/src/test/keras/make_fixtures.py [DL4J_TEST_RESOURCES_CHECKOUT]

Writes into zoo/src/test/resources/keras/:
  keras3/NAME.keras   Keras 3 native zip (config.json + model.weights.h5)
  keras3/NAME.h5      the same model saved by Keras 3 in the legacy HDF5 format
  keras3/NAME.npz     `input` and `output`: a batch and what Keras predicted for it
  keras3/unsupported.keras, unsupported.h5  a model with layers DL4J cannot import (preflight test)
  keras2/...          Keras 2 files (see below) with their reference npz

Keras 2: no Keras 2 wheel exists here, so Keras 2 files cannot be written. Instead, when a checkout of
DL4J's test resources (github.com/KonduitAI/dl4j-test-resources, Apache-2.0) is given, a few small files that
real Keras 2 releases wrote are copied from it, and their reference outputs are the ones Keras 2 itself stored
beside them (`*_inputs_and_outputs.h5`) -- never recomputed. See keras2/PROVENANCE.md.

Every weight is random (seeded), batch-norm statistics included, so parity tests see non-trivial numbers.
"""
import hashlib
import os
import shutil
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "keras")
K3 = os.path.join(ROOT, "keras3")
K2 = os.path.join(ROOT, "keras2")
RNG = np.random.default_rng(20261123)


def randomize(model):
    """Random weights everywhere; batch-norm variances positive; so outputs depend on every parameter."""
    for layer in model.layers:
        new = []
        for w in layer.weights:
            name = w.path.split("/")[-1]
            shape = tuple(w.shape)
            if name == "moving_variance":
                v = RNG.uniform(0.5, 1.5, shape)
            elif name == "gamma":
                v = RNG.uniform(0.8, 1.2, shape)
            elif name in ("moving_mean", "beta", "bias"):
                v = RNG.normal(0.0, 0.1, shape)
            else:
                fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
                v = RNG.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)
            new.append(v.astype(np.float32))
        if new:
            layer.set_weights(new)


def save(model, name, x):
    randomize(model)
    y = model.predict(x, verbose=0)
    model.save(os.path.join(K3, name + ".keras"))
    model.save(os.path.join(K3, name + ".h5"))
    np.savez(os.path.join(K3, name + ".npz"), input=x.astype(np.float32), output=y.astype(np.float32))
    print(f"{name}: {model.count_params()} params, input {x.shape}, output {y.shape}")


def mlp():
    m = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu", name="fc1"),
                          layers.Dense(8, activation="tanh", name="fc2"),
                          layers.Dense(3, activation="softmax", name="predictions")], name="mlp")
    save(m, "mlp", RNG.normal(size=(4, 8)).astype(np.float32))


def cnn():
    m = keras.Sequential([keras.Input((12, 12, 3)),
                          layers.Conv2D(6, 3, padding="same", name="conv1"),
                          layers.BatchNormalization(name="bn1"),
                          layers.Activation("relu", name="relu1"),
                          layers.MaxPooling2D(2, name="pool1"),
                          layers.Conv2D(8, 3, activation="relu", name="conv2"),
                          layers.Dropout(0.25, name="drop"),
                          layers.Flatten(name="flatten"),
                          layers.Dense(5, activation="softmax", name="predictions")], name="cnn")
    save(m, "cnn", RNG.uniform(0, 1, size=(3, 12, 12, 3)).astype(np.float32))


def two_branch():
    inp = keras.Input((10,), name="features")
    a = layers.Dense(8, activation="relu", name="branch_a")(inp)
    b = layers.Dense(8, activation="tanh", name="branch_b")(inp)
    s = layers.Add(name="add")([a, b])
    c = layers.Dense(4, activation="sigmoid", name="branch_c")(inp)
    cat = layers.Concatenate(name="concat")([s, c])
    out = layers.Dense(3, activation="softmax", name="predictions")(cat)
    m = keras.Model(inp, out, name="two_branch")
    save(m, "two_branch", RNG.normal(size=(4, 10)).astype(np.float32))


def mobilenet():
    m = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.25, weights=None, classes=5,
                                       classifier_activation="softmax", name="mobilenetv2_tiny")
    save(m, "mobilenetv2", RNG.uniform(-1, 1, size=(2, 32, 32, 3)).astype(np.float32))


def text_lstm():
    m = keras.Sequential([keras.Input((12,), dtype="int32"),
                          layers.Embedding(50, 8, name="embedding"),
                          layers.LSTM(6, name="lstm"),
                          layers.Dense(3, activation="softmax", name="predictions")], name="text_lstm")
    save(m, "text_lstm", RNG.integers(0, 50, size=(3, 12)).astype(np.int32))


def gap_head():
    inp = keras.Input((16, 16, 3), name="image")
    x = layers.Conv2D(6, 3, activation="relu", name="conv")(inp)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(4, activation="softmax", name="predictions")(x)
    m = keras.Model(inp, out, name="gap_head")
    save(m, "gap_head", RNG.uniform(0, 1, size=(3, 16, 16, 3)).astype(np.float32))


def unsupported():
    """GRU and LayerNormalization have no DL4J importer; the preflight must name both."""
    inp = keras.Input((12,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 8, name="embedding")(inp)
    x = layers.GRU(6, name="gru")(x)
    x = layers.LayerNormalization(name="norm")(x)
    out = layers.Dense(3, activation="softmax", name="predictions")(x)
    m = keras.Model(inp, out, name="unsupported")
    m.save(os.path.join(K3, "unsupported.keras"))
    m.save(os.path.join(K3, "unsupported.h5"))
    print("unsupported: written")


KERAS2_FILES = {
    # fixture name: (model file, Keras-2-written inputs and outputs file or None)
    "simple_lstm": ("src/main/resources/modelimport/keras/examples/simple_lstm/simple_lstm_tf_keras_2_model.h5",
                    "src/main/resources/modelimport/keras/examples/simple_lstm/"
                    "simple_lstm_tf_keras_2_inputs_and_outputs.h5"),
    "simple_mlp": ("src/main/resources/modelimport/keras/examples/simple_sparse_xent/"
                   "simple_sparse_xent_mlp_keras_2_model.h5",
                   "src/main/resources/modelimport/keras/examples/simple_sparse_xent/"
                   "simple_sparse_xent_mlp_keras_2_inputs_and_outputs.h5"),
}
KERAS2_WEIGHTS_ONLY = {
    # JSON config + weights-only HDF5, the other Keras 2 form
    "simple_lstm_weights": "src/main/resources/modelimport/keras/examples/simple_lstm/"
                           "simple_lstm_tf_keras_2_weights.h5",
}


def keras2(checkout):
    os.makedirs(K2, exist_ok=True)
    commit = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()

    def copy(path, dest_name):
        dest = os.path.join(K2, dest_name)
        if os.path.isfile(os.path.join(checkout, path)):
            shutil.copyfile(os.path.join(checkout, path), dest)
        else:  # a bare mirror: read the blob
            with open(dest, "wb") as f:
                f.write(subprocess.run(["git", "-C", checkout, "show", "HEAD:" + path], capture_output=True,
                                       check=True).stdout)
        return hashlib.sha256(open(dest, "rb").read()).hexdigest()

    lines = ["# Keras 2 fixtures: provenance", "",
             "Written by real Keras 2 releases; copied unchanged from DL4J's test resources",
             f"(https://github.com/KonduitAI/dl4j-test-resources, Apache License 2.0, commit {commit}).",
             "Reference outputs (`.npz`) are the arrays Keras 2 itself stored in the `*_inputs_and_outputs.h5`",
             "file beside each model, converted by make_fixtures.py; nothing was recomputed.", "",
             "| file | Keras version | source path | sha256 |", "|---|---|---|---|"]
    for name, (model_path, io_path) in KERAS2_FILES.items():
        sha = copy(model_path, name + ".h5")
        with h5py.File(os.path.join(K2, name + ".h5"), "r") as h:
            version = h.attrs["keras_version"]
            version = version.decode() if isinstance(version, bytes) else version
        lines.append(f"| {name}.h5 | {version} | {model_path} | {sha} |")
        with h5py.File(os.path.join(checkout, io_path) if os.path.isfile(os.path.join(checkout, io_path))
                       else _blob_to_tmp(checkout, io_path), "r") as io:
            ins = list(io["inputs"].keys())
            outs = list(io["outputs"].keys())
            assert len(ins) == 1 and len(outs) == 1, (ins, outs)
            x = np.asarray(io["inputs"][ins[0]], dtype=np.float32)
            y = np.asarray(io["outputs"][outs[0]], dtype=np.float32)
        np.savez(os.path.join(K2, name + ".npz"), input=x, output=y)
        lines.append(f"| {name}.npz | (from {io_path.split('/')[-1]}) | {io_path} | |")
        print(f"keras2 {name}: Keras {version}, input {x.shape}, output {y.shape}")
    for name, weights_path in KERAS2_WEIGHTS_ONLY.items():
        sha = copy(weights_path, name + ".h5")
        lines.append(f"| {name}.h5 | (weights only) | {weights_path} | {sha} |")
        # its JSON config is the model_config attribute of the matching full model file
        with h5py.File(os.path.join(K2, "simple_lstm.h5"), "r") as h:
            cfg = h.attrs["model_config"]
            cfg = cfg.decode() if isinstance(cfg, bytes) else cfg
        with open(os.path.join(K2, name + ".json"), "w") as f:
            f.write(cfg)
        lines.append(f"| {name}.json | | model_config attribute of simple_lstm.h5, written out as text | |")
    with open(os.path.join(K2, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def _blob_to_tmp(checkout, path):
    tmp = os.path.join("/tmp", "graft-k2-" + os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(subprocess.run(["git", "-C", checkout, "show", "HEAD:" + path], capture_output=True,
                               check=True).stdout)
    return tmp


def main():
    os.makedirs(K3, exist_ok=True)
    keras.utils.set_random_seed(7)
    with open(os.path.join(K3, "VERSIONS.txt"), "w") as f:
        import tensorflow as tf
        f.write(f"keras {keras.__version__}\ntensorflow {tf.__version__}\nnumpy {np.__version__}\n")
    mlp()
    cnn()
    two_branch()
    mobilenet()
    text_lstm()
    gap_head()
    unsupported()
    if len(sys.argv) > 1:
        keras2(sys.argv[1])


if __name__ == "__main__":
    main()
