"""Builds keras.applications models (random weights) to check Graft's Keras import on real architectures.

    /opt/kvenv/bin/python tools/keras-apps/make_applications.py [OUT_DIR] [--only NAME,NAME]
    /opt/kvenv/bin/python tools/keras-apps/make_applications.py --check-min   # each model at its minimum and -1

OUT_DIR defaults to /tmp/keras-apps. These files are large (up to ~200 MB each) and are not committed.
For each model NAME it writes NAME.keras (Keras 3 zip), NAME.h5 (legacy HDF5 written by Keras 3) and
NAME.npz (`input`: a batch of 2, `output`: model.predict(input)), plus sizes.tsv (name, input, params,
seconds, file sizes) appended per model.

Weights: weights=None, seeded with keras.utils.set_random_seed. Batch-norm layers get gamma U(0.8, 1.2) and
beta N(0, 0.1), then their moving statistics are calibrated: with momentum temporarily 0, one forward pass in
training mode over a random batch of 32 makes every moving_mean/moving_variance the statistics of that layer's
input, so inference sees realistic, non-trivial per-channel statistics and activations that neither explode
nor vanish in deep networks. The classifier has classes=10 and no softmax (classifier_activation=None), so the
reference compares logits rather than saturated probabilities. Networks without normalization layers (VGG)
have their kernels scaled layer by layer to unit output variance; where the logits still exceed 20 in magnitude
the last Dense layer is scaled down so the largest is 5 (printed as "classifier xF"), so that an absolute
tolerance of 1e-4 means about the same relative precision for every model.

Input sizes are the smallest each model accepts with weights=None (the sides in MODELS below; --check-min builds
each at that size and one pixel smaller).
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)

import keras  # noqa: E402
from keras import layers  # noqa: E402

A = keras.applications
SEED = 20261130
BATCH = 2
# batch of the calibration pass: at the smallest inputs the last stages are 1x1 or 2x2, so the statistics come
# from few values per channel; 32 images keep them close to what the reference batch sees
CALIBRATION_BATCH = 32

# name: (constructor, smallest input side, input range, extra keyword arguments)
# input range "pixels" = 0..255 for models whose preprocessing is inside the model, else -1..1
MODELS = {
    "MobileNet": (A.MobileNet, 32, "unit", {}),
    "MobileNetV2": (A.MobileNetV2, 32, "unit", {}),
    "MobileNetV3Small": (A.MobileNetV3Small, 32, "pixels", {}),
    "MobileNetV3Large": (A.MobileNetV3Large, 32, "pixels", {}),
    "ResNet50": (A.ResNet50, 32, "unit", {}),
    "ResNet101": (A.ResNet101, 32, "unit", {}),
    "ResNet50V2": (A.ResNet50V2, 32, "unit", {}),
    "InceptionV3": (A.InceptionV3, 75, "unit", {}),
    "InceptionResNetV2": (A.InceptionResNetV2, 75, "unit", {}),
    "Xception": (A.Xception, 71, "unit", {}),
    "DenseNet121": (A.DenseNet121, 32, "unit", {}),
    "NASNetMobile": (A.NASNetMobile, 32, "unit", {}),
    "EfficientNetB0": (A.EfficientNetB0, 32, "pixels", {}),
    "EfficientNetV2B0": (A.EfficientNetV2B0, 32, "pixels", {}),
    "ConvNeXtTiny": (A.ConvNeXtTiny, 32, "pixels", {}),
    "VGG16": (A.VGG16, 32, "unit", {}),
    "VGG19": (A.VGG19, 32, "unit", {}),
}
GUIDE = "TransferGuideXception"
GUIDE_SIZE = 71  # Xception's minimum; the guide itself uses 150x150


def batchnorms(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from batchnorms(layer)
        elif isinstance(layer, layers.BatchNormalization):
            yield layer


def all_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from all_layers(layer)
        else:
            yield layer


def calibrate(model, x):
    """gamma/beta random; moving statistics = the batch statistics each BN layer sees in one training pass
    (dropout, including EfficientNet's stochastic depth, switched off for that pass)."""
    rng = np.random.default_rng(SEED)
    bns = list(batchnorms(model))
    drops = [d for d in all_layers(model) if isinstance(d, layers.Dropout)]
    saved, saved_rates = [], [d.rate for d in drops]
    for bn in bns:
        if bn.gamma is not None:
            bn.gamma.assign(rng.uniform(0.8, 1.2, bn.gamma.shape).astype("float32"))
        if bn.beta is not None:
            bn.beta.assign(rng.normal(0.0, 0.1, bn.beta.shape).astype("float32"))
        saved.append(bn.momentum)
        bn.momentum = 0.0
    for d in drops:
        d.rate = 0.0
    if bns:
        model(x, training=True)
    for bn, m in zip(bns, saved):
        bn.momentum = m
    for d, r in zip(drops, saved_rates):
        d.rate = r
    return len(bns)


def unit_variance(model, x):
    """For networks without normalization layers (VGG): scale each Conv2D/Dense kernel and bias, in order, so
    its output has standard deviation 1 on x (LSUV-style); Glorot weights alone shrink VGG's logits to ~1e-4."""
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2D, layers.Dense)):
            std = float(np.std(keras.Model(model.input, layer.output)(x, training=False)))
            layer.kernel.assign(layer.kernel / std)
            if layer.use_bias:
                layer.bias.assign(layer.bias / std)


def tame_logits(model, x, target=5.0):
    """Scale the last Dense layer (kernel and bias) so the largest |logit| on x is `target`; returns the factor
    (1.0 when they were already below 20). Absolute differences are then read relative to a logit scale of ~5."""
    y = np.abs(np.asarray(model.predict(x, verbose=0))).max()
    if y <= 20.0:
        return 1.0
    dense = [la for la in model.layers if isinstance(la, layers.Dense)][-1]
    factor = target / y
    dense.kernel.assign(dense.kernel * factor)
    dense.bias.assign(dense.bias * factor)
    return factor


def make_input(side, kind, seed, batch=BATCH):
    rng = np.random.default_rng(seed)
    if kind == "pixels":
        return rng.uniform(0.0, 255.0, size=(batch, side, side, 3)).astype(np.float32)
    return rng.uniform(-1.0, 1.0, size=(batch, side, side, 3)).astype(np.float32)


def build(name):
    """The model, its reference input (batch of 2), the number of BN layers calibrated, the classifier factor."""
    keras.utils.set_random_seed(SEED)
    if name == GUIDE:
        return build_guide()
    ctor, side, kind, extra = MODELS[name]
    model = ctor(weights=None, input_shape=(side, side, 3), include_top=True, classes=10,
                 classifier_activation=None, **extra)
    x = make_input(side, kind, SEED + 3)
    # the reference batch is part of the calibration batch: at 32x32 the last stages see 1x1 maps, and statistics
    # from other random images alone left EfficientNetV2B0's logits at ~500 on the reference batch
    calib = np.concatenate([x, make_input(side, kind, SEED + 1, CALIBRATION_BATCH - BATCH)])
    n = calibrate(model, calib)
    if not n and not any(isinstance(la, layers.LayerNormalization) for la in model.layers):
        unit_variance(model, calib)
    return model, x, n, tame_logits(model, x)


def build_guide():
    """keras.io/guides/transfer_learning: Input -> RandomFlip("horizontal") + RandomRotation(0.1) ->
    Rescaling(1/127.5, offset=-1) -> Xception(weights=None, include_top=False) called with training=False ->
    GlobalAveragePooling2D -> Dropout(0.2) -> Dense(1), at Xception's smallest input instead of 150x150."""
    side = GUIDE_SIZE
    x = make_input(side, "pixels", SEED + 3)
    base = A.Xception(weights=None, input_shape=(side, side, 3), include_top=False)
    n = calibrate(base, np.concatenate([x / 127.5 - 1.0,
                                        make_input(side, "unit", SEED + 1, CALIBRATION_BATCH - BATCH)]))
    base.trainable = False
    inputs = keras.Input(shape=(side, side, 3))
    aug = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)], name="data_augmentation")
    h = aug(inputs)
    h = layers.Rescaling(scale=1 / 127.5, offset=-1)(h)
    h = base(h, training=False)
    h = layers.GlobalAveragePooling2D()(h)
    h = layers.Dropout(0.2)(h)
    outputs = layers.Dense(1)(h)
    model = keras.Model(inputs, outputs, name="transfer_guide_xception")
    return model, x, n, tame_logits(model, x)


def check_minimums():
    """Builds each model at its MIN_SIZE and one pixel smaller; prints whether Keras accepts each."""
    for name, (ctor, side, _, extra) in MODELS.items():
        row = []
        for s in (side, side - 1):
            try:
                ctor(weights=None, input_shape=(s, s, 3), include_top=True, classes=10, **extra)
                row.append(f"{s}: builds")
            except Exception as e:  # noqa: BLE001
                row.append(f"{s}: {type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ''}")
            keras.backend.clear_session()
        print(f"{name}: " + " | ".join(row), flush=True)


def main():
    if "--check-min" in sys.argv:
        check_minimums()
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--only")]
    only = None
    for i, a in enumerate(sys.argv[1:]):
        if a.startswith("--only"):
            only = (a.split("=", 1)[1] if "=" in a else sys.argv[i + 2]).split(",")
            if "=" not in a:
                args.remove(sys.argv[i + 2])
    out = args[0] if args else "/tmp/keras-apps"
    os.makedirs(out, exist_ok=True)
    names = only or (list(MODELS) + [GUIDE])
    sizes = open(os.path.join(out, "sizes.tsv"), "a")
    for name in names:
        t0 = time.time()
        try:
            model, x, n_bn, factor = build(name)
            side, kind = x.shape[1], ("pixels" if x.max() > 1.5 else "unit")
            y = model.predict(x, batch_size=BATCH, verbose=0)
            t1 = time.time()
            model.save(os.path.join(out, name + ".keras"))
            model.save(os.path.join(out, name + ".h5"))
            np.savez(os.path.join(out, name + ".npz"), input=x, output=np.asarray(y, dtype=np.float32))
            t2 = time.time()
        except Exception as e:  # noqa: BLE001 - report and go on with the next model
            print(f"{name}: FAILED in Keras after {time.time() - t0:.1f} s: {type(e).__name__}: "
                  f"{str(e).splitlines()[0] if str(e) else ''}", flush=True)
            continue
        mb = {ext: os.path.getsize(os.path.join(out, name + ext)) / 1e6 for ext in (".keras", ".h5")}
        print(f"{name}: input {side}x{side}x3 ({kind}), {model.count_params():,} params, {len(model.layers)} "
              f"top-level layers, {n_bn} BN calibrated, classifier x{factor:.3g}, output {np.asarray(y).shape} |y|max {np.abs(y).max():.3g}, "
              f"build+predict {t1 - t0:.1f} s, save {t2 - t1:.1f} s, .keras {mb['.keras']:.1f} MB, "
              f".h5 {mb['.h5']:.1f} MB", flush=True)
        sizes.write(f"{name}\t{side}\t{model.count_params()}\t{t2 - t0:.1f}\t{mb['.keras']:.1f}\t{mb['.h5']:.1f}\n")
        sizes.flush()
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
