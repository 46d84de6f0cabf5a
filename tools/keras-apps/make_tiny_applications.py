"""Builds real keras.applications architectures at drastically reduced width/depth, small enough to commit.

    /opt/kvenv/bin/python tools/keras-apps/make_tiny_applications.py [OUT_DIR] [--only NAME,NAME]

OUT_DIR defaults to zoo/src/test/resources/keras/keras3/apps. For each model NAME it writes NAME.keras (Keras 3
zip), NAME.h5 (legacy HDF5 written by Keras 3, `model.save("x.h5")`) and NAME.npz, and it (re)writes apps.json
(name -> builder call, input shape and range, description, the Keras features exercised, params, file sizes).

NAME.npz holds
    input     a batch of 2 (uniform 0..255 where the model has its preprocessing inside, else uniform -1..1);
    output    the FLOAT64 result, as float32: the model rebuilt from its config with every DTypePolicy float64
              (keras.config.set_floatx("float64") around from_config) and given the same weights, as
              float64_reference.py does; this is the truth tests compare against;
    output32  model.predict(input) of the float32 model itself;
    output64  the float64 result in float64.

The models come from Keras' own builders (keras.src.applications.*) with their size knobs: width/depth
coefficients, alpha, depths/projection_dims, blocks, penultimate_filters/num_blocks/stem_block_filters, the
ResNet stack_fn composed of Keras' own stack_residual_blocks_v1/v2. Two widths that the builders hard-code and that
alone would put a file over the size budget are narrowed by wrapping the module function the builder calls
(nothing of Keras is copied; see HEAD_PATCHES): MobileNetV3's last_point_ch (1024, the 1x1 conv after pooling)
and DenseNet's growth rate (32, passed by dense_block to conv_block). apps.json records both.

Weights follow make_applications.py: weights=None, seeded with keras.utils.set_random_seed; batch-norm gamma
U(0.8, 1.2) and beta N(0, 0.1), moving statistics calibrated by one training-mode pass with momentum 0 (dropout,
stochastic depth off) over a batch of 32 that contains the reference batch. In addition, because the builders'
initial values would make them invisible to a test: LayerNormalization gamma U(0.8, 1.2) and beta N(0, 0.1);
ConvNeXt's LayerScale gamma U(0.3, 1.0) per channel (its default 1e-6 turns every block into an identity);
EfficientNet (v1)'s adaptable Normalization gets the ImageNet mean/variance (weights=None leaves it 0/1).
The classifier has classes=10 and no activation (classifier_activation=None); where the largest |logit| on the
reference batch is above 20 or below 1 the last Dense/Conv classifier is scaled so it is 5 ("classifier xF").

Sizes: below ~60k parameters a file's size is set by its number of layers, not its weights: Keras writes an HDF5
group per layer (weightless ones included) and an object per variable, about 3 KB per layer in each of .keras and
.h5, mostly zeros (git's zlib packs the folder's ~10 MB into ~2.9 MB). TinyNASNet (363 layers for 28k parameters,
num_blocks=1 and penultimate_filters=96 being NASNet's minimum) is 3.1 MB on disk, 0.35 MB packed.

Per model it prints params, file sizes, max|output|, the float32-vs-float64 max difference, and checks that the
saved .keras and .h5 reload to the float32 output.
"""
import contextlib
import json
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import float64_reference  # noqa: E402
from keras.src.applications import convnext, densenet, efficientnet, efficientnet_v2, mobilenet_v3  # noqa: E402
from keras.src.applications import nasnet, resnet  # noqa: E402

SEED = 20261130
BATCH = 2
CALIBRATION_BATCH = 32
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                           "zoo", "src", "test", "resources", "keras", "keras3", "apps")
COMMON = dict(weights=None, include_top=True, classes=10, classifier_activation=None)
COMMON_TEXT = "weights=None, include_top=True, classes=10, classifier_activation=None"


@contextlib.contextmanager
def wrapped(module, attr, wrapper):
    """Temporarily replace module.attr by wrapper(original): the builder looks the function up at call time."""
    original = getattr(module, attr)
    setattr(module, attr, wrapper(original))
    try:
        yield
    finally:
        setattr(module, attr, original)


MOBILENET_V3_LAST_POINT_CH = 64
DENSENET_GROWTH_RATE = 8


def last_point_ch(original):
    def mobilenet_v3_(stack_fn, last_point_ch_, *args, **kwargs):
        return original(stack_fn, MOBILENET_V3_LAST_POINT_CH, *args, **kwargs)
    return mobilenet_v3_


def growth_rate(original):
    def conv_block_(x, growth_rate_, name):
        return original(x, DENSENET_GROWTH_RATE, name=name)
    return conv_block_


HEAD_PATCHES = {
    "MobileNetV3Small": f"keras.src.applications.mobilenet_v3.MobileNetV3 is called with last_point_ch="
                        f"{MOBILENET_V3_LAST_POINT_CH} instead of MobileNetV3Small's 1024 (the 1x1 conv_2 after "
                        f"global pooling; at alpha 0.1 and 1024 it alone holds ~100k of the ~155k parameters)",
    "DenseNet": f"keras.src.applications.densenet.conv_block is called with growth_rate={DENSENET_GROWTH_RATE} "
                f"instead of the 32 that dense_block hard-codes (at 32 DenseNet(blocks=[1,1,1,1]) has 196k "
                f"parameters, ~1.6 MB per .keras+.h5)",
}


def build_mobilenet_v3_small(side):
    with wrapped(mobilenet_v3, "MobileNetV3", last_point_ch):
        return mobilenet_v3.MobileNetV3Small(input_shape=(side, side, 3), alpha=0.1, minimalistic=False,
                                             name="tiny_mobilenetv3small", **COMMON)


def build_efficientnet_b0(side):
    return efficientnet.EfficientNet(width_coefficient=0.1, depth_coefficient=0.3, default_size=side,
                                     name="tiny_efficientnetb0", input_shape=(side, side, 3), **COMMON)


def build_efficientnet_v2_b0(side):
    return efficientnet_v2.EfficientNetV2(width_coefficient=0.1, depth_coefficient=0.25, default_size=side,
                                          blocks_args=efficientnet_v2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"],
                                          name="tiny_efficientnetv2-b0", input_shape=(side, side, 3), **COMMON)


def build_convnext(side):
    return convnext.ConvNeXt(depths=[1, 1, 1, 1], projection_dims=[8, 16, 32, 64], layer_scale_init_value=0.5,
                             default_size=side, name="tiny_convnext", input_shape=(side, side, 3), **COMMON)


def build_densenet(side):
    with wrapped(densenet, "conv_block", growth_rate):
        return densenet.DenseNet(blocks=[1, 2, 2, 1], name="tiny_densenet", input_shape=(side, side, 3),
                                 **COMMON)


def build_nasnet(side):
    return nasnet.NASNet(input_shape=(side, side, 3), penultimate_filters=96, num_blocks=1, stem_block_filters=8,
                         skip_reduction=False, filter_multiplier=2, default_size=side, name="tiny_nasnet",
                         **COMMON)


def resnet_v1_stacks(x):
    x = resnet.stack_residual_blocks_v1(x, 4, 2, stride1=1, name="conv2")
    x = resnet.stack_residual_blocks_v1(x, 8, 1, name="conv3")
    x = resnet.stack_residual_blocks_v1(x, 16, 1, name="conv4")
    return resnet.stack_residual_blocks_v1(x, 32, 1, name="conv5")


def resnet_v2_stacks(x):
    x = resnet.stack_residual_blocks_v2(x, 4, 2, name="conv2")
    x = resnet.stack_residual_blocks_v2(x, 4, 2, name="conv3")
    x = resnet.stack_residual_blocks_v2(x, 8, 2, name="conv4")
    return resnet.stack_residual_blocks_v2(x, 8, 2, stride1=1, name="conv5")


def build_resnet(side):
    return resnet.ResNet(resnet_v1_stacks, preact=False, use_bias=True, name="tiny_resnet",
                         input_shape=(side, side, 3), **COMMON)


def build_resnet_v2(side):
    return resnet.ResNet(resnet_v2_stacks, preact=True, use_bias=True, name="tiny_resnetv2",
                         input_shape=(side, side, 3), **COMMON)


# name: (builder, input side, input range, builder call as text, description, features exercised)
MODELS = {
    "TinyMobileNetV3Small": (
        build_mobilenet_v3_small, 32, "pixels",
        f"keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.1, minimalistic=False, "
        f"name='tiny_mobilenetv3small', {COMMON_TEXT}) with last_point_ch {MOBILENET_V3_LAST_POINT_CH}",
        "MobileNetV3Small's full block stack (11 inverted residual blocks) at alpha 0.1 (every depth 8, the "
        "divisor's minimum); " + HEAD_PATCHES["MobileNetV3Small"],
        ["Rescaling(1/127.5, offset=-1) inside the model", "Activation('hard_swish')",
         "squeeze-excite: GlobalAveragePooling2D(keepdims=True) -> Conv2D -> ReLU -> Conv2D -> hard_sigmoid -> "
         "Multiply, where hard_sigmoid is ReLU(6.0)(x + 3.0) * (1/6): keras ops on symbolic tensors, saved as "
         "operation nodes (not layers) in the functional config", "DepthwiseConv2D 3x3 and 5x5 with ZeroPadding2D "
         "(correct_pad) and stride 2", "BatchNormalization epsilon 1e-3", "Add residuals",
         "Conv2D 1x1 classifier on a 1x1 map + Flatten + Activation(None)", "Dropout"]),
    "TinyEfficientNetB0": (
        build_efficientnet_b0, 32, "pixels",
        f"keras.src.applications.efficientnet.EfficientNet(width_coefficient=0.1, depth_coefficient=0.3, "
        f"default_size=32, name='tiny_efficientnetb0', input_shape=(32, 32, 3), {COMMON_TEXT})",
        "EfficientNet-B0's 7 stages (blocks_args default, repeats 1,1,1,1,1,2,1 at depth 0.3) at width 0.1 "
        "(filters 8..32, top conv 128); residual Adds in block1a and block6b (with its drop-connect Dropout)",
        ["Rescaling(1/255) + adaptable Normalization (ImageNet mean/variance set) inside the model",
         "swish activations", "squeeze-excite: GlobalAveragePooling2D -> Reshape -> Conv2D -> swish -> Conv2D -> "
         "sigmoid -> Multiply", "DepthwiseConv2D 3x3/5x5 with ZeroPadding2D(correct_pad) + valid padding",
         "drop-connect Dropout(noise_shape=(None,1,1,1)) before Add residuals", "BatchNormalization",
         "GlobalAveragePooling2D + Dropout + Dense classifier"]),
    "TinyEfficientNetV2B0": (
        build_efficientnet_v2_b0, 32, "pixels",
        f"keras.src.applications.efficientnet_v2.EfficientNetV2(width_coefficient=0.1, depth_coefficient=0.25, "
        f"default_size=32, blocks_args=efficientnet_v2.DEFAULT_BLOCKS_ARGS['efficientnetv2-b0'], "
        f"name='tiny_efficientnetv2-b0', input_shape=(32, 32, 3), {COMMON_TEXT})",
        "EfficientNetV2-B0's 6 stages (3 FusedMBConv, 3 MBConv; repeats 1,1,1,1,2,2 at depth 0.25) at width 0.1 "
        "(min_depth 8 filters, top conv 128)",
        ["Rescaling(1/255) + Normalization(mean, variance) inside the model", "FusedMBConv (Conv2D 3x3 expand, "
         "no depthwise) and MBConv blocks", "squeeze-excite (Reshape + Conv2D + sigmoid + Multiply)",
         "stochastic depth Dropout(noise_shape) before Add", "swish", "Conv2D padding='same' stride 2",
         "BatchNormalization momentum 0.9", "GlobalAveragePooling2D + Dropout + Dense"]),
    "TinyConvNeXt": (
        build_convnext, 32, "pixels",
        f"keras.src.applications.convnext.ConvNeXt(depths=[1, 1, 1, 1], projection_dims=[8, 16, 32, 64], "
        f"layer_scale_init_value=0.5, default_size=32, name='tiny_convnext', input_shape=(32, 32, 3), "
        f"{COMMON_TEXT})",
        "ConvNeXt's 4 stages of one block each, projection dims 8/16/32/64",
        ["PreStem: Normalization(ImageNet mean/variance, scaled to 0..255) inside the model",
         "nested Sequential stem (Conv2D 4x4/4 + LayerNormalization) and downsampling blocks "
         "(LayerNormalization + Conv2D 2x2/2)", "depthwise conv as Conv2D(groups=channels) 7x7 padding same",
         "LayerNormalization epsilon 1e-6 on 4-d input", "Dense on 4-d input (pointwise, 4x expansion)",
         "gelu (exact, approximate=False)", "LayerScale (custom layer, per-channel gamma)",
         "stochastic depth as identity Activation('linear') at drop_path_rate 0", "Add residuals",
         "Head: GlobalAveragePooling2D + LayerNormalization + Dense"]),
    "TinyDenseNet": (
        build_densenet, 32, "unit",
        f"keras.src.applications.densenet.DenseNet(blocks=[1, 2, 2, 1], name='tiny_densenet', "
        f"input_shape=(32, 32, 3), {COMMON_TEXT}) with growth_rate {DENSENET_GROWTH_RATE}",
        "DenseNet's stem (7x7/2 conv 64, 3x3/2 max pool), 4 dense blocks of 1,2,2,1 conv blocks and 3 "
        "transitions (compression 0.5); " + HEAD_PATCHES["DenseNet"],
        ["ZeroPadding2D + Conv2D 7x7 stride 2 valid", "ZeroPadding2D + MaxPooling2D 3x3 stride 2",
         "BN-ReLU-Conv1x1-BN-ReLU-Conv3x3 bottlenecks", "Concatenate on the channel axis (growing inputs)",
         "transition: BN-ReLU-Conv1x1 + AveragePooling2D 2x2", "BatchNormalization epsilon 1.001e-5",
         "GlobalAveragePooling2D + Dense"]),
    "TinyNASNet": (
        build_nasnet, 32, "unit",
        f"keras.src.applications.nasnet.NASNet(input_shape=(32, 32, 3), penultimate_filters=96, num_blocks=1, "
        f"stem_block_filters=8, skip_reduction=False, filter_multiplier=2, default_size=32, name='tiny_nasnet', "
        f"{COMMON_TEXT})",
        "NASNet-A: stem, 2 stem reduction cells, then 3 x (1 normal cell) separated by 2 reduction cells, "
        "filters 1..16 (penultimate 96); skip_reduction=False as in NASNetMobile/Large",
        ["separable convolutions (SeparableConv2D 3x3/5x5/7x7, stride 1 and 2)",
         "ZeroPadding2D + valid padding for stride-2 branches", "Cropping2D + AveragePooling2D 'factorized "
         "reduction' (_adjust_block: shifted path, two Conv2D 1x1 concatenated)", "MaxPooling2D and "
         "AveragePooling2D 3x3 same/valid", "Add and Concatenate of many branches", "ReLU before every conv",
         "BatchNormalization momentum 0.9997 epsilon 1e-3", "GlobalAveragePooling2D + Dense"]),
    "TinyResNet": (
        build_resnet, 32, "unit",
        f"keras.src.applications.resnet.ResNet(stack_fn, preact=False, use_bias=True, name='tiny_resnet', "
        f"input_shape=(32, 32, 3), {COMMON_TEXT}) with stack_fn = stack_residual_blocks_v1(x, 4, 2, stride1=1, "
        f"name='conv2'), (8, 1, name='conv3'), (16, 1, name='conv4'), (32, 1, name='conv5')",
        "ResNet50's structure (v1 bottleneck blocks, 4 stacks, ResNet50's stem) with bottleneck filters "
        "4/8/16/32 and blocks 2/1/1/1",
        ["ZeroPadding2D + Conv2D 7x7 stride 2 with bias", "ZeroPadding2D + MaxPooling2D 3x3 stride 2",
         "bottleneck: Conv1x1-BN-ReLU-Conv3x3(same)-BN-ReLU-Conv1x1-BN + Add + ReLU", "1x1 stride-2 projection "
         "shortcuts and identity shortcuts", "BatchNormalization epsilon 1.001e-5", "GlobalAveragePooling2D + "
         "Dense"]),
    "TinyResNetV2": (
        build_resnet_v2, 32, "unit",
        f"keras.src.applications.resnet.ResNet(stack_fn, preact=True, use_bias=True, name='tiny_resnetv2', "
        f"input_shape=(32, 32, 3), {COMMON_TEXT}) with stack_fn = stack_residual_blocks_v2(x, 4, 2, "
        f"name='conv2'), (4, 2, name='conv3'), (8, 2, name='conv4'), (8, 2, stride1=1, name='conv5')",
        "ResNet50V2's structure (pre-activation blocks, stride on each stack's last block, post_bn) with "
        "bottleneck filters 4/4/8/8 and 2 blocks per stack (a v2 stack needs 2: block1 and block{blocks} share a "
        "name at 1)",
        ["pre-activation: BN-ReLU before the block, shared by the projection shortcut", "MaxPooling2D 1x1 "
         "stride 2 identity shortcut on the strided block", "ZeroPadding2D + Conv2D 3x3 stride 2 valid inside "
         "the block", "Conv2D without bias followed by BN", "post_bn + ReLU before pooling",
         "GlobalAveragePooling2D + Dense"]),
}
SKIPPED = {
    "InceptionResNetV2": "no size knob in keras.applications (fixed filters and repeats)",
    "Xception": "no size knob (fixed filters, 8 middle-flow blocks)",
    "InceptionV3": "no size knob (fixed filters)",
    "VGG16/VGG19": "no size knob; VGG16 at 32x32 with classes=10 has 33.6M parameters (~135 MB per file)",
    "MobileNet": "alpha=0.25 at 32x32 still has 221k parameters (~1.8 MB per .keras+.h5); not built here",
    "MobileNetV2": "alpha=0.35 at 32x32 still has 423k parameters (the last 1x1 conv keeps 1280 channels); "
                   "not built here",
    "MobileNetV3Large": "alpha=0.1 still has 197k parameters and 193 layers (last_point_ch 1280); "
                        "TinyMobileNetV3Small covers the same layer kinds",
}


def sublayers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from sublayers(layer)
        else:
            yield layer


def randomize_and_calibrate(model, calib):
    """Random gamma/beta of BN and LN layers, LayerScale gammas, EfficientNet's Normalization statistics; BN moving
    statistics from one training pass with momentum 0 and dropout off. Returns counts per kind."""
    rng = np.random.default_rng(SEED)
    counts = {"bn": 0, "ln": 0, "layerscale": 0, "normalization": 0}
    bns, drops = [], []
    for la in sublayers(model):
        if isinstance(la, layers.BatchNormalization):
            bns.append(la)
        elif isinstance(la, layers.Dropout):
            drops.append(la)
        elif isinstance(la, layers.LayerNormalization):
            if la.gamma is not None:
                la.gamma.assign(rng.uniform(0.8, 1.2, la.gamma.shape).astype("float32"))
            if la.beta is not None:
                la.beta.assign(rng.normal(0.0, 0.1, la.beta.shape).astype("float32"))
            counts["ln"] += 1
        elif isinstance(la, convnext.LayerScale):
            la.gamma.assign(rng.uniform(0.3, 1.0, la.gamma.shape).astype("float32"))
            counts["layerscale"] += 1
        elif isinstance(la, layers.Normalization) and getattr(la, "input_mean", None) is None:
            la.adapt_mean.assign(np.array([0.485, 0.456, 0.406], dtype="float32"))
            la.adapt_variance.assign(np.array([0.229 ** 2, 0.224 ** 2, 0.225 ** 2], dtype="float32"))
            la.finalize_state()
            counts["normalization"] += 1
    saved = []
    for bn in bns:
        if bn.gamma is not None:
            bn.gamma.assign(rng.uniform(0.8, 1.2, bn.gamma.shape).astype("float32"))
        if bn.beta is not None:
            bn.beta.assign(rng.normal(0.0, 0.1, bn.beta.shape).astype("float32"))
        saved.append(bn.momentum)
        bn.momentum = 0.0
    rates = [d.rate for d in drops]
    for d in drops:
        d.rate = 0.0
    if bns:
        model(calib, training=True)
    for bn, m in zip(bns, saved):
        bn.momentum = m
    for d, r in zip(drops, rates):
        d.rate = r
    counts["bn"] = len(bns)
    return counts


def tame_logits(model, x, target=5.0):
    """Scale the classifier (last Dense or Conv2D with a kernel) so the largest |logit| on x is `target` when it is
    above 20 or below 1; returns the factor."""
    y = np.abs(np.asarray(model.predict(x, verbose=0))).max()
    if 1.0 <= y <= 20.0:
        return 1.0
    last = [la for la in sublayers(model) if isinstance(la, (layers.Dense, layers.Conv2D))][-1]
    factor = target / y
    last.kernel.assign(last.kernel * factor)
    if last.use_bias:
        last.bias.assign(last.bias * factor)
    return factor


def make_input(side, kind, seed, batch=BATCH):
    rng = np.random.default_rng(seed)
    if kind == "pixels":
        return rng.uniform(0.0, 255.0, size=(batch, side, side, 3)).astype(np.float32)
    return rng.uniform(-1.0, 1.0, size=(batch, side, side, 3)).astype(np.float32)


def float64_output(model, x):
    return float64_reference.float64_output(model, x, batch=BATCH)


def build(name):
    builder, side, kind = MODELS[name][:3]
    keras.utils.set_random_seed(SEED)
    model = builder(side)
    x = make_input(side, kind, SEED + 3)
    calib = np.concatenate([x, make_input(side, kind, SEED + 1, CALIBRATION_BATCH - BATCH)])
    counts = randomize_and_calibrate(model, calib)
    return model, x, counts, tame_logits(model, x)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--only")]
    only = None
    for i, a in enumerate(sys.argv[1:]):
        if a.startswith("--only"):
            only = (a.split("=", 1)[1] if "=" in a else sys.argv[i + 2]).split(",")
            if "=" not in a:
                args.remove(sys.argv[i + 2])
    out = os.path.normpath(args[0] if args else DEFAULT_OUT)
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "apps.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    failed = []
    for name in only or list(MODELS):
        t0 = time.time()
        _, side, kind, call, description, features = MODELS[name]
        model, x, counts, factor = build(name)
        y32 = np.asarray(model.predict(x, batch_size=BATCH, verbose=0), dtype=np.float32)
        y64 = float64_output(model, x)
        paths = {ext: os.path.join(out, name + ext) for ext in (".keras", ".h5", ".npz")}
        model.save(paths[".keras"])
        model.save(paths[".h5"])
        np.savez(paths[".npz"], input=x, output=y64.astype(np.float32), output32=y32, output64=y64)
        reload = {}
        for ext in (".keras", ".h5"):
            try:
                m = keras.saving.load_model(paths[ext], compile=False)
                reload[ext] = float(np.abs(np.asarray(m.predict(x, verbose=0)) - y32).max())
            except Exception as e:  # noqa: BLE001 - Keras itself may not read back what it wrote (see below)
                reload[ext] = f"Keras cannot load it: {type(e).__name__}: {str(e).splitlines()[0]}"
        size = {ext: os.path.getsize(p) for ext, p in paths.items()}
        diff = float(np.abs(y32 - y64).max())
        # a numeric mismatch fails the run; a file Keras cannot read back is reported (MobileNetV3's legacy .h5:
        # hard_sigmoid's `x + 3.0` is saved as an operation node whose scalar operand Keras' legacy loader
        # refuses, "Only input tensors may be passed as positional arguments")
        ok = all(not isinstance(v, float) or v <= 1e-6 for v in reload.values())
        if not ok:
            failed.append(name)
        print(f"{name}: {model.count_params():,} params, {len(list(sublayers(model)))} layers, input "
              f"{side}x{side}x3 ({kind}), {counts}, classifier x{factor:.3g}, max|output| "
              f"{np.abs(y64).max():.4g}, float32 vs float64 max diff {diff:.3g}, .keras {size['.keras']:,} B, "
              f".h5 {size['.h5']:,} B, .npz {size['.npz']:,} B, total {sum(size.values()) / 1e6:.3f} MB, "
              f"reload diff .keras {reload['.keras']} .h5 {reload['.h5']}, {time.time() - t0:.1f} s",
              flush=True)
        manifest[name] = {
            "builder": call,
            "input_shape": [side, side, 3],
            "batch": BATCH,
            "input_range": "uniform 0..255 (preprocessing inside the model)" if kind == "pixels"
            else "uniform -1..1",
            "description": description,
            "exercises": features,
            "params": model.count_params(),
            "weights": f"seed {SEED}; BN gamma U(0.8,1.2) beta N(0,0.1), moving statistics from a training pass "
                       f"(momentum 0) over 32 images incl. the reference batch; LN gamma/beta and LayerScale "
                       f"randomized; classifier scaled x{factor:.4g}",
            "randomized_layers": counts,
            "npz": "input; output = float64 result as float32 (the reference); output32 = float32 "
                   "model.predict; output64 = float64 result",
            "max_abs_output": float(np.abs(y64).max()),
            "float32_vs_float64_max_abs_diff": diff,
            "bytes": {ext.lstrip("."): size[ext] for ext in size},
            "keras_reload_max_abs_diff": {ext.lstrip("."): v for ext, v in reload.items()},
        }
        keras.backend.clear_session()
    manifest = {k: manifest[k] for k in MODELS if k in manifest}
    manifest["_skipped"] = SKIPPED
    manifest["_sizes"] = ("bytes are on disk; below ~60k parameters they follow the layer count (Keras writes an "
                          "HDF5 group per layer and an object per variable, mostly zeros), and git's zlib packs "
                          "each .keras/.h5 to 20-45% of it")
    manifest["_generator"] = ("tools/keras-apps/make_tiny_applications.py, Keras " + keras.__version__
                              + ", TensorFlow " + tf.__version__)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"folder {out}: {total / 1e6:.3f} MB")
    if failed:
        sys.exit(f"reload mismatch: {failed}")


if __name__ == "__main__":
    main()
