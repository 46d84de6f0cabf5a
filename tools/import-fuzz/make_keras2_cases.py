"""Keras 2 (`.h5`, keras_version 2.x) import fuzz cases, written by hand with h5py in the layout Keras 2's
`model.save("m.h5")` uses, because no Keras 2 (tf_keras) wheel is available here.

    /opt/kvenv/bin/python tools/import-fuzz/make_keras2_cases.py OUT_DIR [CASE ...]

Each case is a Keras 3 model (built and run by Keras 3 for the reference output) whose config is rewritten into the
Keras 2 form (no module/registered_name, dtype strings, `batch_input_shape`, list-shaped inbound nodes) and whose
weights are stored as Keras 2 does: /model_weights/LAYER/LAYER/NAME:0 with `weight_names` and `layer_names`
attributes; root attributes keras_version "2.15.0", backend "tensorflow". The arrays are the same as Keras 3's
(Keras 3 kept the Keras 2 shapes). Writes CASE.h5 and CASE.npz (`input`, `output` = Keras' prediction).

These layers compute the same in Keras 2.15 and Keras 3 for the options used here (hard_sigmoid is avoided: its
formula changed). The point is Graft's Keras 2 path, which reads such files with DL4J's own importer.
"""
import json
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

import keras  # noqa: E402
from keras import layers as L  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_keras_cases import randomize, U, N, T, SEED  # noqa: E402
import make_keras_cases as base  # noqa: E402


def clean(o):
    if isinstance(o, dict):
        if o.get("class_name", "").endswith("DTypePolicy"):
            return o["config"]["name"]
        return {k: clean(v) for k, v in o.items() if k not in ("module", "registered_name", "build_config",
                                                                   "compile_config", "shared_object_id")}
    if isinstance(o, list):
        return [clean(x) for x in o]
    return o


def node2(node):
    """Keras 3 {'args': [...], 'kwargs': {}} -> Keras 2 [[name, node, tensor, {}], ...]."""
    out = []

    def walk(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            h = x["config"]["keras_history"]
            out.append([h[0], h[1], h[2], {}])
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
    walk(node["args"])
    return out


def keras2_config(model):
    cfg = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    c = cfg["config"]
    for layer in c["layers"]:
        lc = layer["config"]
        if "batch_shape" in lc:
            lc["batch_input_shape"] = lc.pop("batch_shape")
        if layer["class_name"] == "Embedding" and "input_length" not in lc:
            lc["input_length"] = model.inputs[0].shape[1]  # Keras 2 wrote it (None when variable)
        if layer["class_name"] == "LeakyReLU" and "negative_slope" in lc:
            lc["alpha"] = lc.pop("negative_slope")
        if "inbound_nodes" in layer:
            layer["inbound_nodes"] = [node2(n) for n in layer["inbound_nodes"]]
    if cfg["class_name"] != "Sequential":
        cfg["class_name"] = "Functional"
        for key in ("input_layers", "output_layers"):
            v = c[key]
            if v and isinstance(v[0], str):
                c[key] = [v]
    return {"class_name": cfg["class_name"], "config": clean(c), "keras_version": "2.15.0", "backend": "tensorflow"}


def write_h5(model, path):
    config = keras2_config(model)
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        mw = f.create_group("model_weights")
        mw.attrs["keras_version"] = "2.15.0"
        mw.attrs["backend"] = "tensorflow"
        names = []
        for layer in model.layers:
            names.append(layer.name)
            g = mw.create_group(layer.name)
            wn = []
            for v in layer.weights:
                vname = v.name
                if isinstance(layer, keras.layers.DepthwiseConv2D) and vname == "kernel":
                    vname = "depthwise_kernel"  # Keras 3 renamed it; Keras 2 files say depthwise_kernel
                n = f"{layer.name}/{vname}:0"
                if isinstance(layer, keras.layers.Bidirectional):
                    n = v.path + ":0"  # bidirectional/forward_lstm/lstm_cell/kernel:0, as Keras 2 names them
                wn.append(n.encode())
                g.create_dataset(n, data=np.asarray(v.numpy()))
            g.attrs["weight_names"] = np.array(wn, dtype="S")
        mw.attrs["layer_names"] = np.array([n.encode() for n in names], dtype="S")


def seq(shape, *ls, dtype="float32"):
    return keras.Sequential([keras.Input(shape, dtype=dtype)] + list(ls))


def fn(shape, body):
    inp = keras.Input(shape, name="x")
    return keras.Model(inp, body(inp))


CASES = {
    "k2_dense_relu": (lambda: seq((4,), L.Dense(5, activation="relu"), L.Dense(3)), N(4)),
    "k2_avgpool1d": (lambda: seq((6, 2), L.AveragePooling1D(2), L.Flatten()), U(6, 2)),
    "k2_dense_on_sequence": (lambda: seq((5, 4), L.Dense(3), L.Flatten()), N(5, 4)),
    "k2_bn_axis1": (lambda: seq((4, 5, 3), L.BatchNormalization(axis=1), L.Flatten()), U(4, 5, 3)),
    "k2_softmax_axis1": (lambda: seq((3, 4), L.Softmax(axis=1), L.Flatten()), N(3, 4)),
    "k2_upsampling1d": (lambda: seq((4, 3), L.UpSampling1D(2), L.Flatten()), N(4, 3)),
    "k2_zeropadding1d": (lambda: seq((4, 3), L.ZeroPadding1D((1, 2)), L.Flatten()), N(4, 3)),
    "k2_cropping1d": (lambda: seq((6, 3), L.Cropping1D((1, 2)), L.Flatten()), N(6, 3)),
    "k2_upsampling2d": (lambda: seq((3, 3, 2), L.UpSampling2D(2), L.Flatten()), U(3, 3, 2)),
    "k2_prelu": (lambda: seq((4,), L.Dense(5), L.PReLU()), N(4)),
    "k2_mask_zero_lstm": (lambda: seq((7,), L.Embedding(20, 6, mask_zero=True), L.LSTM(4), dtype="int32"),
                          lambda: np.where(np.arange(7)[None, :] < np.array([[4], [7], [2]]),
                                           base.RNG.integers(1, 20, size=(3, 7)), 0).astype(np.int32)),
    "k2_masking_lstm": (lambda: seq((5, 3), L.Masking(0.0), L.LSTM(2)),
                        lambda: (base.RNG.normal(size=(3, 5, 3)) * (np.arange(5)[None, :, None] < 3)).astype(np.float32)),
    "k2_conv_channels_first": (lambda: seq((2, 5, 5), L.Conv2D(3, 3, data_format="channels_first"), L.Flatten()), U(2, 5, 5)),
    "k2_gap_channels_first": (lambda: seq((2, 4, 4), L.Conv2D(3, 1, data_format="channels_first"),
                                          L.GlobalAveragePooling2D(data_format="channels_first")), U(2, 4, 4)),
    "k2_separable_bn": (lambda: seq((5, 5, 3), L.SeparableConv2D(4, 3, padding="same"), L.BatchNormalization(), L.ReLU()), U(5, 5, 3)),
    "k2_depthwise_bn": (lambda: seq((5, 5, 3), L.DepthwiseConv2D(3), L.BatchNormalization(), L.ReLU(6.0)), U(5, 5, 3)),
    "k2_concat_axis1": (lambda: fn((3, 2), lambda x: L.Flatten()(L.Concatenate(axis=1)([L.Dense(2, name="a")(x), L.Dense(2, name="b")(x)]))), N(3, 2)),
    "k2_conv_dense_4d": (lambda: seq((3, 3, 2), L.Dense(4), L.Flatten()), N(3, 3, 2)),
    "k2_se_multiply": (lambda: fn((4, 4, 2), lambda x: L.Multiply()([x, L.Dense(2, activation="sigmoid")(L.GlobalAveragePooling2D(keepdims=True)(x))])), U(4, 4, 2)),
    "k2_flatten_output": (lambda: fn((4, 4, 2), lambda x: L.Flatten()(L.Conv2D(2, 3)(x))), U(4, 4, 2)),
    "k2_lstm_go_backwards": (lambda: seq((5, 3), L.LSTM(3, go_backwards=True)), N(5, 3)),
    "k2_conv1d_causal": (lambda: seq((8, 2), L.Conv1D(3, 3, padding="causal"), L.Flatten()), U(8, 2)),
    "k2_relu_threshold": (lambda: seq((4,), L.Dense(5), L.ReLU(threshold=0.5, negative_slope=0.1)), N(4, scale=3)),
    "k2_layer_norm": (lambda: seq((5,), L.Dense(6), L.LayerNormalization()), N(5)),
    "k2_gelu": (lambda: seq((4,), L.Dense(5, activation="gelu")), N(4)),
    "k2_avgpool2d_same": (lambda: seq((5, 5, 2), L.AveragePooling2D(3, 2, padding="same")), U(5, 5, 2)),
    "k2_grouped_conv": (lambda: seq((5, 5, 4), L.Conv2D(4, 3, groups=4)), U(5, 5, 4)),
    "k2_lstm_no_bias": (lambda: seq((5, 3), L.LSTM(3, use_bias=False)), N(5, 3)),
    "k2_bn_no_center": (lambda: seq((4, 4, 2), L.BatchNormalization(center=False)), U(4, 4, 2)),
    "k2_permute_dense": (lambda: seq((3, 4), L.Permute((2, 1)), L.Dense(2), L.Flatten()), N(3, 4)),
    "k2_bidirectional_concat_seq": (lambda: seq((5, 3), L.Bidirectional(L.LSTM(2, return_sequences=True)), L.Flatten(), L.Dense(2)), N(5, 3)),
    "k2_dense_swish": (lambda: seq((4,), L.Dense(5, activation="swish")), N(4)),
    "k2_leaky_relu_layer": (lambda: seq((4,), L.Dense(5), L.LeakyReLU(0.3)), N(4)),
    "k2_gap_keepdims_conv": (lambda: seq((4, 4, 2), L.Conv2D(3, 1), L.GlobalAveragePooling2D(keepdims=True), L.Conv2D(2, 1),
                                         L.Flatten()), U(4, 4, 2)),
    "k2_time_distributed_dense": (lambda: seq((4, 3), L.TimeDistributed(L.Dense(2, activation="tanh")), L.Flatten()), N(4, 3)),
    "k2_lstm_seq_td": (lambda: seq((5, 3), L.LSTM(4, return_sequences=True), L.TimeDistributed(L.Dense(2)), L.Flatten()), N(5, 3)),
    "k2_conv1d_gmp": (lambda: seq((8, 3), L.Conv1D(4, 3, activation="relu"), L.GlobalMaxPooling1D(), L.Dense(2)), U(8, 3)),
    "k2_imdb_cnn": (lambda: seq((12,), L.Embedding(30, 6), L.Dropout(0.2), L.Conv1D(5, 3, padding="valid", activation="relu",
                                                                                 strides=1), L.GlobalMaxPooling1D(), L.Dense(4),
                                L.Activation("relu"), L.Dense(1, activation="sigmoid"), dtype="int32"), T(12, 30)),
    "k2_conv1d_maxpool_flatten": (lambda: seq((10, 2), L.Conv1D(3, 3), L.MaxPooling1D(2), L.Flatten(), L.Dense(2)), U(10, 2)),
    "k2_bidirectional_lstm": (lambda: seq((5, 3), L.Bidirectional(L.LSTM(3))), N(5, 3)),
    "k2_bidirectional_lstm_seq_sum": (lambda: seq((5, 3), L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum"),
                                                  L.Flatten()), N(5, 3)),
    "k2_simple_rnn": (lambda: seq((5, 3), L.SimpleRNN(4)), N(5, 3)),
    "k2_lstm_stack": (lambda: seq((5, 3), L.LSTM(4, return_sequences=True), L.LSTM(2)), N(5, 3)),
    "k2_cropping2d_asym": (lambda: seq((5, 5, 2), L.Cropping2D(((1, 0), (2, 1))), L.Conv2D(2, 1), L.Flatten()), U(5, 5, 2)),
    "k2_zeropad2d_asym": (lambda: seq((3, 3, 2), L.ZeroPadding2D(((1, 2), (0, 1))), L.Conv2D(2, 2), L.Flatten()), U(3, 3, 2)),
    "k2_conv_dilated_same": (lambda: seq((6, 6, 2), L.Conv2D(3, 3, dilation_rate=2, padding="same")), U(6, 6, 2)),
    "k2_conv_s2_same_odd": (lambda: seq((7, 7, 2), L.Conv2D(3, 3, strides=2, padding="same")), U(7, 7, 2)),
    "k2_maxpool_same": (lambda: seq((5, 5, 2), L.MaxPooling2D(3, 2, padding="same")), U(5, 5, 2)),
    "k2_flatten_dense_cnn": (lambda: seq((4, 3, 2), L.Conv2D(3, (2, 1)), L.Flatten(), L.Dense(4, activation="softmax")), U(4, 3, 2)),
    "k2_reshape_conv": (lambda: seq((12,), L.Reshape((2, 3, 2)), L.Conv2D(2, (1, 2)), L.Flatten()), N(12)),
    "k2_repeat_vector": (lambda: seq((3,), L.RepeatVector(4), L.LSTM(2)), N(3)),
    "k2_functional_add_concat": (lambda: fn((4, 4, 2), lambda x: L.Flatten()(L.Concatenate()([
        L.Add()([L.Conv2D(3, 1, name="c1")(x), L.Conv2D(3, 1, name="c2")(x)]), L.Conv2D(2, 3, padding="same", name="c3")(x)]))),
        U(4, 4, 2)),
    "k2_functional_bn_after_add": (lambda: fn((4, 4, 2), lambda x: L.BatchNormalization(name="bn")(
        L.Add()([L.Conv2D(3, 1, name="c1")(x), L.Conv2D(3, 1, name="c2")(x)]))), U(4, 4, 2)),
    "k2_dense_softmax_relu6": (lambda: seq((4,), L.Dense(5, activation="relu6"), L.Dense(3, activation="softmax")), N(4, scale=4)),
    "k2_softmax_layer": (lambda: seq((4,), L.Dense(5), L.Softmax()), N(4)),
    "k2_multiply_merge": (lambda: fn((4,), lambda x: L.Multiply()([L.Dense(3, name="a")(x), L.Dense(3, name="b")(x)])), N(4)),
    "k2_subtract_average_max": (lambda: fn((4,), lambda x: L.Average()([L.Subtract()([L.Dense(3, name="a")(x), L.Dense(3, name="b")(x)]),
                                                                         L.Maximum()([L.Dense(3, name="c")(x), L.Dense(3, name="d")(x)])])), N(4)),
    "k2_gap1d_seq": (lambda: seq((5, 3), L.Dense(4), L.GlobalAveragePooling1D()), N(5, 3)),
    "k2_lstm_seq_flatten": (lambda: seq((5, 3), L.LSTM(4, return_sequences=True), L.Flatten()), N(5, 3)),
    "k2_td_dense_only": (lambda: seq((4, 3), L.TimeDistributed(L.Dense(2))), N(4, 3)),
    "k2_bn_no_scale": (lambda: seq((4, 4, 2), L.Conv2D(3, 1), L.BatchNormalization(scale=False)), U(4, 4, 2)),
    "k2_elu_layer": (lambda: seq((4,), L.Dense(5), L.ELU(0.5)), N(4)),
}


A = keras.applications
# keras.applications models in the Keras 2 layout (weights=None, small inputs; not committed: up to 100 MB each).
# Run with: make_keras2_cases.py OUT --apps
APPS = {
    "k2app_mobilenet": (lambda: A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, weights=None, classes=5), U(32, 32, 3)),
    "k2app_mobilenetv2": (lambda: A.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=5), U(32, 32, 3)),
    "k2app_resnet50": (lambda: A.ResNet50(input_shape=(32, 32, 3), weights=None, classes=5), U(32, 32, 3)),
    "k2app_densenet121": (lambda: A.DenseNet121(input_shape=(32, 32, 3), weights=None, classes=5), U(32, 32, 3)),
    "k2app_inceptionv3": (lambda: A.InceptionV3(input_shape=(75, 75, 3), weights=None, classes=5), U(75, 75, 3)),
    "k2app_xception": (lambda: A.Xception(input_shape=(71, 71, 3), weights=None, classes=5), U(71, 71, 3)),
    "k2app_vgg16": (lambda: A.VGG16(input_shape=(32, 32, 3), weights=None, classes=5), U(32, 32, 3)),
}


def make(out, name):
    builder, inputs = CASES[name] if name in CASES else APPS[name]
    keras.utils.set_random_seed(SEED)
    base.RNG = np.random.default_rng([SEED, zlib.crc32(name.encode())])
    model = builder()
    randomize(model)
    x = inputs()
    y = np.asarray(model.predict(x, batch_size=3, verbose=0), dtype=np.float32)
    write_h5(model, os.path.join(out, name + ".h5"))
    np.savez(os.path.join(out, name + ".npz"), input=x.astype(np.float32), output=y)
    print(f"{name}: input {x.shape} output {y.shape}", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[2:] or list(CASES)
    if names == ["--apps"]:
        names = list(APPS)
    for name in names:
        try:
            make(out, name)
        except Exception as e:
            print(f"{name}: FAILED: {type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}", flush=True)


if __name__ == "__main__":
    main()
