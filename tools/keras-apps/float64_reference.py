"""Writes a float64 reference for a keras.applications file made by make_applications.py.

A float32 reference carries float32 rounding of its own: on the random-weight ResNet101 here, Keras' float32 output
differs from the same model run in float64 by 1.6e-3 (logits up to 5.9), ResNet50 by 3.6e-4, InceptionV3 by 4.2e-4,
which is more than `graft import --verify`'s default bound (1e-4 + 1e-3 |ref|) allows on small logits. Comparing
Graft's float32 output with the float64 one measures Graft's rounding alone.

    /opt/kvenv/bin/python tools/keras-apps/float64_reference.py /tmp/keras-apps ResNet50 [NAME ...]

Reads DIR/NAME.keras and DIR/NAME.npz; writes DIR/NAME.f64.npz with `input` (the same batch), `output` (the
float64 result as float32, what --verify reads) and `output64` (float64). The model is rebuilt from its config with
every dtype policy set to float64 and given the same weights.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)


def to_float64(o):
    """Every DTypePolicy in a config, float64."""
    if isinstance(o, dict):
        if o.get("class_name") == "DTypePolicy":
            o["config"]["name"] = "float64"
        for v in o.values():
            to_float64(v)
    elif isinstance(o, list):
        for v in o:
            to_float64(v)


def sublayers(model):
    """The layers of a model, nested models' layers inlined."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from sublayers(layer)
        else:
            yield layer


def float64_output(model, x, batch=32):
    """The model rebuilt from its config in float64 with the same weights, applied to x (float64 result)."""
    cfg = model.get_config()
    to_float64(cfg)
    keras.config.set_floatx("float64")
    try:
        m64 = model.__class__.from_config(cfg)
    finally:
        keras.config.set_floatx("float32")
    m64.set_weights([w.astype(np.float64) for w in model.get_weights()])
    for la in sublayers(m64):  # set_weights does not refresh an adapted Normalization's mean/variance
        if isinstance(la, keras.layers.Normalization):
            la.finalize_state()
    dtypes = {v.dtype for v in m64.weights} - {"int64", "int32"}
    assert dtypes == {"float64"}, dtypes
    return np.asarray(m64.predict(x.astype(np.float64), batch_size=batch, verbose=0), dtype=np.float64)


def main(d, names):
    for name in names:
        m = keras.saving.load_model(os.path.join(d, name + ".keras"), compile=False)
        ref = np.load(os.path.join(d, name + ".npz"))
        y64 = float64_output(m, ref["input"])
        print(f"{name}: float32 vs float64 max abs diff {np.abs(ref['output'] - y64).max():.3g}, "
              f"max |output| {np.abs(y64).max():.3g}")
        np.savez(os.path.join(d, name + ".f64.npz"), input=ref["input"], output=y64.astype(np.float32),
                 output64=y64)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
