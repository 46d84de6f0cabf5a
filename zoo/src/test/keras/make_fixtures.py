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
real Keras 2 releases wrote are copied from it unchanged, with reference outputs as keras2/PROVENANCE.md
describes (Keras 2's own stored predictions where the file has them, else a NumPy forward pass).

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


def two_inputs_two_outputs():
    """Keras 3 writes several input/output tensors as lists of [name, node, tensor]; npz has input_0/1, output_0/1."""
    a = keras.Input((6,), name="in_a")
    b = keras.Input((4,), name="in_b")
    cat = layers.Concatenate(name="concat")([layers.Dense(5, activation="relu", name="dense_a")(a),
                                            layers.Dense(5, activation="relu", name="dense_b")(b)])
    cls = layers.Dense(2, activation="softmax", name="class_out")(cat)
    reg = layers.Dense(1, name="value_out")(cat)
    m = keras.Model([a, b], [cls, reg], name="two_inputs_two_outputs")
    randomize(m)
    xa = RNG.normal(size=(3, 6)).astype(np.float32)
    xb = RNG.normal(size=(3, 4)).astype(np.float32)
    y = m.predict([xa, xb], verbose=0)
    m.save(os.path.join(K3, "two_inputs_two_outputs.keras"))
    np.savez(os.path.join(K3, "two_inputs_two_outputs.npz"), input_0=xa, input_1=xb, output_0=y[0], output_1=y[1])
    print(f"two_inputs_two_outputs: {m.count_params()} params")


def unsupported():
    """Four layers the import cannot handle, for the preflight test: GRU and LayerNormalization (no DL4J importer),
    a Lambda (Python code), and a Dense layer applied twice (shared weights)."""
    inp = keras.Input((12,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 8, name="embedding")(inp)
    x = layers.GRU(6, name="gru")(x)
    x = layers.LayerNormalization(name="norm")(x)
    x = layers.Lambda(lambda t: t * 2.0, name="double")(x)
    shared = layers.Dense(6, activation="relu", name="shared")
    x = shared(shared(x))
    out = layers.Dense(3, activation="softmax", name="predictions")(x)
    m = keras.Model(inp, out, name="unsupported")
    m.save(os.path.join(K3, "unsupported.keras"))
    m.save(os.path.join(K3, "unsupported.h5"))
    print("unsupported: written")


KERAS2_FILES = {
    # fixture name: (model file, file with reference arrays, group holding Keras 2's predictions or None)
    "simple_mlp": ("src/main/resources/modelimport/keras/examples/simple_sparse_xent/"
                   "simple_sparse_xent_mlp_keras_2_model.h5",
                   "src/main/resources/modelimport/keras/examples/simple_sparse_xent/"
                   "simple_sparse_xent_mlp_keras_2_inputs_and_outputs.h5", "predictions"),
    # This file's "outputs" group holds the training targets, not predictions (a NumPy forward pass of the
    # stored weights differs from them by 85), so its reference output is that NumPy forward pass instead.
    "simple_lstm": ("src/main/resources/modelimport/keras/examples/simple_lstm/simple_lstm_tf_keras_2_model.h5",
                    "src/main/resources/modelimport/keras/examples/simple_lstm/"
                    "simple_lstm_tf_keras_2_inputs_and_outputs.h5", None),
}
KERAS2_WEIGHTS_ONLY = {
    # JSON config + weights-only HDF5, the other Keras 2 form; the config comes from the full model file
    "simple_lstm_weights": ("src/main/resources/modelimport/keras/examples/simple_lstm/"
                            "simple_lstm_tf_keras_2_weights.h5", "simple_lstm"),
}

KERAS2_PREFLIGHT = {
    # a Keras 2.0.9 Sequential with two Lambda layers: the preflight must name both
    "lambda_layers": "src/main/resources/modelimport/keras/examples/lambda/sequential_lambda.h5",
}


def numpy_lstm_dense(model_file, x):
    """Forward pass of the Keras 2 LSTM(units) -> Dense(1, linear) model, as Keras 2.0.6 defines it:
    gates i, f, c, o in that order, recurrent_activation from the config (hard_sigmoid = clip(0.2x+0.5, 0, 1))."""
    import json
    with h5py.File(model_file, "r") as h:
        cfg = json.loads(_text(h.attrs["model_config"]))
        lstm_cfg = cfg["config"][0]["config"]
        assert cfg["config"][0]["class_name"] == "LSTM" and cfg["config"][1]["class_name"] == "Dense"
        assert lstm_cfg["activation"] == "tanh" and cfg["config"][1]["config"]["activation"] == "linear"
        w = h["model_weights/lstm_1/lstm_1"]
        k, r, b = (np.asarray(w[n], dtype=np.float64) for n in ("kernel:0", "recurrent_kernel:0", "bias:0"))
        d = h["model_weights/dense_1/dense_1"]
        dk, db = np.asarray(d["kernel:0"], dtype=np.float64), np.asarray(d["bias:0"], dtype=np.float64)
    ra = {"hard_sigmoid": lambda z: np.clip(0.2 * z + 0.5, 0, 1),
          "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[lstm_cfg["recurrent_activation"]]
    n = lstm_cfg["units"]
    hh = np.zeros((x.shape[0], n))
    c = np.zeros_like(hh)
    for t in range(x.shape[1]):
        z = x[:, t, :].astype(np.float64) @ k + hh @ r + b
        i, f, g, o = ra(z[:, :n]), ra(z[:, n:2 * n]), np.tanh(z[:, 2 * n:3 * n]), ra(z[:, 3 * n:])
        c = f * c + i * g
        hh = o * np.tanh(c)
    return (hh @ dk + db).astype(np.float32)


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def keras2(checkout):
    os.makedirs(K2, exist_ok=True)
    commit = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()

    def copy(path, dest_name):
        dest = os.path.join(K2, dest_name)
        shutil.copyfile(_local(checkout, path), dest)
        return hashlib.sha256(open(dest, "rb").read()).hexdigest()

    lines = ["# Keras 2 fixtures: provenance", "",
             "The `.h5` files were written by real Keras 2 releases and are copied unchanged from DL4J's test",
             f"resources (https://github.com/KonduitAI/dl4j-test-resources, Apache License 2.0, commit {commit}).",
             "No Keras 2 can run here (only Keras 3 wheels exist), so nothing here was written by Graft's own code.",
             "", "Reference outputs (`.npz`, arrays `input` and `output`):", "",
             "- `simple_mlp.npz`: the input batch and the predictions Keras 2.3.1 itself stored in",
             "  `simple_sparse_xent_mlp_keras_2_inputs_and_outputs.h5` (group `predictions`).",
             "- `simple_lstm.npz`: the input batch stored beside the model, and a NumPy forward pass of the stored",
             "  weights (`numpy_lstm_dense` in make_fixtures.py). The file's own `outputs` group holds training",
             "  targets, not predictions (they differ from the model's outputs by up to 85), so it is not used.",
             "- `simple_lstm_weights.json`: the `model_config` attribute of `simple_lstm.h5` plus the",
             "  `keras_version`/`backend` fields Keras 2's `model.to_json()` adds (taken from the same file's attributes).",
             "", "| file | Keras version | source path | sha256 |", "|---|---|---|---|"]
    for name, (model_path, io_path, group) in KERAS2_FILES.items():
        sha = copy(model_path, name + ".h5")
        with h5py.File(os.path.join(K2, name + ".h5"), "r") as h:
            version = _text(h.attrs["keras_version"])
        lines.append(f"| {name}.h5 | {version} | {model_path} | {sha} |")
        with h5py.File(_local(checkout, io_path), "r") as io:
            ins = list(io["inputs"].keys())
            assert len(ins) == 1, ins
            x = np.asarray(io["inputs"][ins[0]], dtype=np.float32)
            if group is not None:
                outs = list(io[group].keys())
                assert len(outs) == 1, outs
                y = np.asarray(io[group][outs[0]], dtype=np.float32)
            else:
                y = numpy_lstm_dense(os.path.join(K2, name + ".h5"), x)
        np.savez(os.path.join(K2, name + ".npz"), input=x, output=y)
        print(f"keras2 {name}: Keras {version}, input {x.shape}, output {y.shape}, reference from {group or 'numpy'}")
    for name, (weights_path, model_name) in KERAS2_WEIGHTS_ONLY.items():
        sha = copy(weights_path, name + ".h5")
        lines.append(f"| {name}.h5 | (weights only) | {weights_path} | {sha} |")
        import json
        with h5py.File(os.path.join(K2, model_name + ".h5"), "r") as h:
            cfg = json.loads(_text(h.attrs["model_config"]))
            cfg["keras_version"] = _text(h.attrs["keras_version"])
            cfg["backend"] = _text(h.attrs["backend"])
        with open(os.path.join(K2, name + ".json"), "w") as f:
            json.dump(cfg, f)
    for name, model_path in KERAS2_PREFLIGHT.items():
        sha = copy(model_path, name + ".h5")
        with h5py.File(os.path.join(K2, name + ".h5"), "r") as h:
            version = _text(h.attrs["keras_version"])
        lines.append(f"| {name}.h5 | {version} (preflight test, no reference) | {model_path} | {sha} |")
    with open(os.path.join(K2, "PROVENANCE.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def _local(checkout, path):
    """A path to the file: in a work tree, or read from a bare mirror's HEAD into /tmp."""
    if os.path.isfile(os.path.join(checkout, path)):
        return os.path.join(checkout, path)
    return _blob_to_tmp(checkout, path)


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
    two_inputs_two_outputs()
    unsupported()
    if len(sys.argv) > 1:
        keras2(sys.argv[1])


if __name__ == "__main__":
    main()
