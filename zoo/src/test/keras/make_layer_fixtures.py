"""Generates one tiny Keras 3 model per (layer, option) case, to check Graft's Keras import layer by layer.

Run from the repository root with the same Python as make_fixtures.py (TensorFlow 2.21 / Keras 3.15.1):

    /opt/kvenv/bin/python zoo/src/test/keras/make_layer_fixtures.py [CASE ...]

Writes into zoo/src/test/resources/keras/keras3/layers/:
  CASE.keras   Keras 3 native zip (config.json + model.weights.h5)
  CASE.h5      the same model saved by Keras 3 in the legacy HDF5 format
  CASE.npz     `input` (float32, batch of 3; integer token ids are stored as float32) and
               `output` = model.predict(input), which is the reference: whatever Keras computes is right
  cases.json   name -> {layers, options, description, input_shape, output_shape}

Each case is a function below (its docstring says what it tests); CASES lists name -> (builder, input maker,
short description). Weights are random and seeded, batch-norm statistics included (moving means N(0, 0.1),
variances U(0.5, 1.5)); adapted Normalization statistics are kept as adapted. Python is only used to write these
files: Graft's tests read the files, never Python.
"""
import json
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "keras", "keras3", "layers")
SEED = 20261130
RNG = np.random.default_rng(SEED)
BATCH = 3


def randomize(model):
    """Random values for every trainable variable and for batch-norm moving statistics (nested models included).
    Other non-trainable state (Normalization's adapted mean/variance, random layers' seed state) is left alone."""
    for v in model.weights:
        name = v.path.split("/")[-1]
        if not v.trainable and name not in ("moving_mean", "moving_variance"):
            continue
        shape = tuple(v.shape)
        if name == "moving_variance":
            x = RNG.uniform(0.5, 1.5, shape)
        elif name == "gamma":
            x = RNG.uniform(0.8, 1.2, shape)
        elif name in ("moving_mean", "beta", "bias"):
            x = RNG.normal(0.0, 0.1, shape)
        elif name == "embeddings":
            x = RNG.normal(0.0, 0.5, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            x = RNG.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)
        v.assign(x.astype(v.dtype))


# ---- input makers -------------------------------------------------------------------------------------------

def uniform(*shape, lo=-1.0, hi=1.0):
    return lambda: RNG.uniform(lo, hi, size=(BATCH,) + shape).astype(np.float32)


def normal(*shape, scale=1.5):
    return lambda: RNG.normal(0.0, scale, size=(BATCH,) + shape).astype(np.float32)


def tokens(length, vocab, pad_from=None):
    """Integer token ids in [1, vocab); with pad_from, each row ends in zeros (row i padded from pad_from[i])."""
    def make():
        x = RNG.integers(1, vocab, size=(BATCH, length))
        if pad_from is not None:
            for i, p in enumerate(pad_from):
                x[i, p:] = 0
        return x.astype(np.int32)
    return make


def pixels(*shape):
    return lambda: RNG.uniform(0.0, 255.0, size=(BATCH,) + shape).astype(np.float32)


def seq(*layer_list, inp, name):
    return keras.Sequential([keras.Input(inp[0], dtype=inp[1] if len(inp) > 1 else "float32")] + list(layer_list),
                            name=name)


# ---- cases --------------------------------------------------------------------------------------------------

def avgpool1d():
    """AveragePooling1D(2) on [N, 6, 2] (steps, channels), flattened: the pooling runs over the steps axis."""
    return seq(layers.AveragePooling1D(2, name="pool"), layers.Flatten(name="flatten"), inp=[(6, 2)],
               name="avgpool1d")


def cropping2d_conv():
    """Cropping2D(((1, 0), (2, 1))): asymmetric crop (top 1, bottom 0, left 2, right 1), then a 1x1 convolution
    without bias and Flatten, so the order of the cropped rows/columns shows in the output."""
    return seq(layers.Cropping2D(((1, 0), (2, 1)), name="crop"), layers.Conv2D(1, 1, use_bias=False, name="conv"),
               layers.Flatten(name="flatten"), inp=[(4, 4, 2)], name="cropping2d_conv")


def hard_sigmoid():
    """Dense(5, activation="hard_sigmoid"). Keras 3 defines hard_sigmoid as relu6(x + 3) / 6, i.e. slope 1/6,
    not Keras 2's clip(0.2 x + 0.5, 0, 1)."""
    return seq(layers.Dense(5, activation="hard_sigmoid", name="dense"), inp=[(4,)], name="hard_sigmoid")


def dense_on_sequence():
    """Dense applied to a rank-3 tensor [N, 5, 4]: Keras applies it to the last axis at every step."""
    return seq(layers.Dense(6, activation="relu", name="dense1"), layers.Dense(3, name="dense2"), inp=[(5, 4)],
               name="dense_on_sequence")


def embedding_flatten():
    """int32 token ids -> Embedding(50, 8) -> Flatten -> Dense(1) (the classic IMDB-tutorial model)."""
    return seq(layers.Embedding(50, 8, name="embedding"), layers.Flatten(name="flatten"), layers.Dense(1, name="dense"),
               inp=[(40,), "int32"], name="embedding_flatten")


def embedding_conv1d():
    """int32 token ids -> Embedding(50, 8) -> Conv1D(4, 3, relu) -> Flatten -> Dense(1)."""
    return seq(layers.Embedding(50, 8, name="embedding"), layers.Conv1D(4, 3, activation="relu", name="conv1d"),
               layers.Flatten(name="flatten"), layers.Dense(1, name="dense"), inp=[(40,), "int32"],
               name="embedding_conv1d")


def bn_no_center():
    """Conv2D -> BatchNormalization(center=False): no beta weight is stored (gamma, moving mean/variance only)."""
    return seq(layers.Conv2D(3, 3, name="conv"), layers.BatchNormalization(center=False, name="bn"),
               inp=[(5, 5, 2)], name="bn_no_center")


def bn_no_scale():
    """Conv2D -> BatchNormalization(scale=False): no gamma weight is stored (beta, moving mean/variance only)."""
    return seq(layers.Conv2D(3, 3, name="conv"), layers.BatchNormalization(scale=False, name="bn"),
               inp=[(5, 5, 2)], name="bn_no_scale")


def _act_dense(activation):
    def build():
        return seq(layers.Dense(5, activation=activation, name="dense"), inp=[(4,)], name="act_" + activation)
    build.__doc__ = f'Dense(5, activation="{activation}").'
    return build


def silu_layer():
    """Dense(5) -> Activation("silu") as a separate layer."""
    return seq(layers.Dense(5, name="dense"), layers.Activation("silu", name="silu"), inp=[(4,)], name="silu_layer")


def gelu_fn_layer():
    """Dense(5) -> Activation(keras.activations.gelu): the function object, its default approximate=False."""
    return seq(layers.Dense(5, name="dense"), layers.Activation(keras.activations.gelu, name="gelu"), inp=[(4,)],
               name="gelu_fn_layer")


def add_const():
    """x + 3.0 written as a Python operator on a functional tensor: Keras 3 records a keras.ops operation node."""
    inp = keras.Input((4,), name="x")
    h = layers.Dense(5, name="dense")(inp)
    return keras.Model(inp, h + 3.0, name="add_const")


def mul_const():
    """x * (1/6) written as a Python operator on a functional tensor."""
    inp = keras.Input((4,), name="x")
    h = layers.Dense(5, name="dense")(inp)
    return keras.Model(inp, h * (1.0 / 6.0), name="mul_const")


def hard_sigmoid_written_out():
    """relu6(x + 3) * (1/6) exactly as keras.applications.MobileNetV3 writes hard_sigmoid:
    layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0), then hard_swish as x * that (a Multiply of two tensors)."""
    inp = keras.Input((4,), name="x")
    h = layers.Dense(5, name="dense")(inp)
    hs = layers.ReLU(6.0, name="relu6")(h + 3.0) * (1.0 / 6.0)
    out = layers.Multiply(name="hard_swish")([h, hs])
    return keras.Model(inp, [out], name="hard_sigmoid_written_out")


def mask_lstm():
    """Embedding(mask_zero=True) -> LSTM(4): rows end in zero padding, which the mask makes the LSTM skip
    (its output is the state at the last unpadded step)."""
    return seq(layers.Embedding(20, 6, mask_zero=True, name="embedding"), layers.LSTM(4, name="lstm"),
               layers.Dense(2, name="dense"), inp=[(7,), "int32"], name="mask_lstm")


def se_multiply():
    """Squeeze-and-excitation: Conv2D -> GlobalAveragePooling2D(keepdims=True) [N,1,1,C] -> Conv2D 1x1 relu ->
    Conv2D 1x1 sigmoid -> Multiply with the conv output ([N,H,W,C] x [N,1,1,C], broadcast)."""
    inp = keras.Input((5, 5, 2), name="image")
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inp)
    s = layers.GlobalAveragePooling2D(keepdims=True, name="squeeze")(x)
    s = layers.Conv2D(2, 1, activation="relu", name="reduce")(s)
    s = layers.Conv2D(4, 1, activation="sigmoid", name="expand")(s)
    out = layers.Multiply(name="excite")([x, s])
    return keras.Model(inp, out, name="se_multiply")


def gap_keepdims():
    """Conv2D -> GlobalAveragePooling2D(keepdims=True): output [N, 1, 1, C]."""
    return seq(layers.Conv2D(3, 3, name="conv"), layers.GlobalAveragePooling2D(keepdims=True, name="gap"),
               inp=[(5, 5, 2)], name="gap_keepdims")


def separable_bn():
    """SeparableConv2D(4, 3, same, no bias) -> BatchNormalization -> ReLU (the Xception block pattern)."""
    return seq(layers.SeparableConv2D(4, 3, padding="same", use_bias=False, name="sepconv"),
               layers.BatchNormalization(name="bn"), layers.ReLU(name="relu"), inp=[(5, 5, 3)], name="separable_bn")


def separable():
    """SeparableConv2D(4, 3, depth_multiplier=2, valid, with bias) alone."""
    return seq(layers.SeparableConv2D(4, 3, depth_multiplier=2, name="sepconv"), inp=[(5, 5, 3)], name="separable")


def depthwise_bn():
    """DepthwiseConv2D(3, same, no bias) -> BatchNormalization -> ReLU(6) (the MobileNet block pattern)."""
    return seq(layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="dwconv"),
               layers.BatchNormalization(name="bn"), layers.ReLU(6.0, name="relu6"), inp=[(5, 5, 3)],
               name="depthwise_bn")


def grouped_conv():
    """Conv2D(4, 3, groups=4) on 4 channels: a depthwise convolution written as a grouped convolution."""
    return seq(layers.Conv2D(4, 3, groups=4, name="conv"), inp=[(5, 5, 4)], name="grouped_conv")


def grouped_conv_g2():
    """Conv2D(6, 3, groups=2) on 4 channels: two groups of 2 input -> 3 output channels."""
    return seq(layers.Conv2D(6, 3, groups=2, name="conv"), inp=[(5, 5, 4)], name="grouped_conv_g2")


def rescaling():
    """Rescaling(1/127.5, offset=-1) as the first layer (pixels 0..255 -> -1..1), then a 1x1 Conv2D."""
    return seq(layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale"), layers.Conv2D(2, 1, name="conv"),
               inp=[(4, 4, 3)], name="rescaling")


def normalization():
    """Normalization() adapted on a sample (per-channel mean/variance stored as non-trainable weights), first."""
    norm = layers.Normalization(axis=-1, name="norm")
    norm.adapt(RNG.normal([1.0, -2.0, 5.0], [2.0, 0.5, 3.0], size=(64, 4, 4, 3)).astype(np.float32))
    return seq(norm, layers.Conv2D(2, 1, name="conv"), inp=[(4, 4, 3)], name="normalization")


def normalization_given():
    """Normalization(mean=..., variance=...) given as arguments (values are in the config, not in weights)."""
    return seq(layers.Normalization(mean=[1.0, -2.0, 5.0], variance=[4.0, 0.25, 9.0], name="norm"),
               layers.Conv2D(2, 1, name="conv"), inp=[(4, 4, 3)], name="normalization_given")


def random_flip_rotation():
    """RandomFlip("horizontal") + RandomRotation(0.1) first: identity at inference."""
    return seq(layers.RandomFlip("horizontal", name="flip"), layers.RandomRotation(0.1, name="rotate"),
               layers.Conv2D(2, 3, name="conv"), layers.Flatten(name="flatten"), inp=[(5, 5, 3)],
               name="random_flip_rotation")


def layer_norm_4d():
    """Conv2D -> LayerNormalization(epsilon=1e-6) on [N, H, W, C] (normalizes over C, as ConvNeXt does)."""
    return seq(layers.Conv2D(4, 1, name="conv"), layers.LayerNormalization(epsilon=1e-6, name="ln"),
               inp=[(3, 3, 2)], name="layer_norm_4d")


def layer_norm_2d():
    """Dense -> LayerNormalization on [N, C]."""
    return seq(layers.Dense(6, name="dense"), layers.LayerNormalization(name="ln"), inp=[(4,)], name="layer_norm_2d")


def layer_scale():
    """ConvNeXt's LayerScale (keras.applications.convnext, a custom layer: x * gamma, gamma per channel)."""
    from keras.src.applications.convnext import LayerScale
    return seq(layers.Conv2D(4, 1, name="conv"), LayerScale(1e-6, 4, name="layer_scale"), inp=[(3, 3, 2)],
               name="layer_scale")


def nested_model():
    """The Keras transfer-learning guide pattern: a functional base model used as one layer:
    Input -> RandomFlip -> Rescaling -> base(training=False) -> GlobalAveragePooling2D -> Dropout -> Dense(1)."""
    b_in = keras.Input((6, 6, 3), name="base_input")
    b = layers.Conv2D(4, 3, padding="same", use_bias=False, name="base_conv")(b_in)
    b = layers.BatchNormalization(name="base_bn")(b)
    b = layers.ReLU(name="base_relu")(b)
    base = keras.Model(b_in, b, name="base")
    base.trainable = False
    inp = keras.Input((6, 6, 3), name="image")
    x = layers.RandomFlip("horizontal", name="flip")(inp)
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(x)
    x = base(x, training=False)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.2, name="dropout")(x)
    out = layers.Dense(1, name="dense")(x)
    return keras.Model(inp, out, name="nested_model")


def zero_padding2d_asym():
    """ZeroPadding2D(((1, 2), (0, 1))) then a 2x2 convolution (valid)."""
    return seq(layers.ZeroPadding2D(((1, 2), (0, 1)), name="pad"), layers.Conv2D(2, 2, name="conv"),
               inp=[(3, 3, 2)], name="zero_padding2d_asym")


def upsampling2d():
    """UpSampling2D(2) (nearest) then a 2x2 convolution."""
    return seq(layers.UpSampling2D(2, name="up"), layers.Conv2D(2, 2, name="conv"), inp=[(3, 3, 2)],
               name="upsampling2d")


def conv2d_valid():
    """Conv2D(3, 3, padding="valid", relu)."""
    return seq(layers.Conv2D(3, 3, activation="relu", name="conv"), inp=[(5, 5, 2)], name="conv2d_valid")


def conv2d_same():
    """Conv2D(3, 3, padding="same")."""
    return seq(layers.Conv2D(3, 3, padding="same", name="conv"), inp=[(5, 5, 2)], name="conv2d_same")


def conv2d_strides2_valid():
    """Conv2D(3, 3, strides=2, valid) on 7x7."""
    return seq(layers.Conv2D(3, 3, strides=2, name="conv"), inp=[(7, 7, 2)], name="conv2d_strides2_valid")


def conv2d_strides2_same_even():
    """Conv2D(3, 3, strides=2, same) on 6x6: TF pads asymmetrically (0 before, 1 after)."""
    return seq(layers.Conv2D(3, 3, strides=2, padding="same", name="conv"), inp=[(6, 6, 2)],
               name="conv2d_strides2_same_even")


def conv2d_dilation2_same():
    """Conv2D(2, 3, dilation_rate=2, same) on 6x6."""
    return seq(layers.Conv2D(2, 3, dilation_rate=2, padding="same", name="conv"), inp=[(6, 6, 2)],
               name="conv2d_dilation2_same")


def conv1d():
    """Conv1D(3, 3, relu) on [N, 8, 2]."""
    return seq(layers.Conv1D(3, 3, activation="relu", name="conv"), inp=[(8, 2)], name="conv1d")


def maxpool2d_same():
    """MaxPooling2D(3, strides=2, padding="same") on 6x6 (inputs in -1..1 so padding must not count as 0)."""
    return seq(layers.MaxPooling2D(3, strides=2, padding="same", name="pool"), inp=[(6, 6, 2)], name="maxpool2d_same")


def avgpool2d_same():
    """AveragePooling2D(3, strides=2, padding="same") on 5x5: Keras excludes the padding from the average."""
    return seq(layers.AveragePooling2D(3, strides=2, padding="same", name="pool"), inp=[(5, 5, 2)],
               name="avgpool2d_same")


def global_maxpool2d():
    """Conv2D -> GlobalMaxPooling2D."""
    return seq(layers.Conv2D(3, 3, name="conv"), layers.GlobalMaxPooling2D(name="gmp"), inp=[(5, 5, 2)],
               name="global_maxpool2d")


def concat_channels():
    """Two Conv2D branches concatenated on the channel axis (-1)."""
    inp = keras.Input((4, 4, 2), name="image")
    a = layers.Conv2D(2, 1, name="conv_a")(inp)
    b = layers.Conv2D(3, 3, padding="same", name="conv_b")(inp)
    out = layers.Concatenate(axis=-1, name="concat")([a, b])
    return keras.Model(inp, out, name="concat_channels")


def dense_regularizers():
    """Dense with kernel, bias and activity regularizers and kernel/bias constraints (none affect inference)."""
    return seq(layers.Dense(5, kernel_regularizer=keras.regularizers.L1L2(0.01, 0.02),
                            bias_regularizer=keras.regularizers.L2(0.03),
                            activity_regularizer=keras.regularizers.L1(0.001),
                            kernel_constraint=keras.constraints.MaxNorm(2.0),
                            bias_constraint=keras.constraints.NonNeg(), name="dense"),
               layers.Dense(2, kernel_regularizer="l2", name="dense2"), inp=[(4,)], name="dense_regularizers")


def prelu():
    """Dense(5) -> PReLU (one alpha per unit)."""
    return seq(layers.Dense(5, name="dense"), layers.PReLU(name="prelu"), inp=[(4,)], name="prelu")


def gru():
    """GRU(4) (Keras 3 default reset_after=True) -> Dense(2)."""
    return seq(layers.GRU(4, name="gru"), layers.Dense(2, name="dense"), inp=[(5, 3)], name="gru")


def bidirectional_lstm():
    """Bidirectional(LSTM(3)) (concat merge) -> Dense(2)."""
    return seq(layers.Bidirectional(layers.LSTM(3), name="bilstm"), layers.Dense(2, name="dense"), inp=[(5, 3)],
               name="bidirectional_lstm")


def bidirectional_sum_sequences():
    """Bidirectional(LSTM(3, return_sequences=True), merge_mode="sum") -> Flatten -> Dense(2)."""
    return seq(layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="sum", name="bilstm"),
               layers.Flatten(name="flat"), layers.Dense(2, name="dense"), inp=[(5, 3)],
               name="bidirectional_sum_sequences")


def bidirectional_concat_sequences():
    """Bidirectional(LSTM(3, return_sequences=True)) (concat) -> Flatten -> Dense(2): DL4J sizes the Dense wrong."""
    return seq(layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bilstm"),
               layers.Flatten(name="flat"), layers.Dense(2, name="dense"), inp=[(5, 3)],
               name="bidirectional_concat_sequences")


def bidirectional_simple_rnn_no_bias():
    """Bidirectional(SimpleRNN(3, use_bias=False), merge_mode="ave") -> Dense(2)."""
    return seq(layers.Bidirectional(layers.SimpleRNN(3, use_bias=False), merge_mode="ave", name="birnn"),
               layers.Dense(2, name="dense"), inp=[(5, 3)], name="bidirectional_simple_rnn_no_bias")


def lstm_no_bias():
    """LSTM(3, use_bias=False) -> Dense(2)."""
    return seq(layers.LSTM(3, use_bias=False, name="lstm"), layers.Dense(2, name="dense"), inp=[(5, 3)],
               name="lstm_no_bias")


def lstm_go_backwards():
    """LSTM(3, go_backwards=True): DL4J ran it forwards (refused)."""
    return seq(layers.LSTM(3, go_backwards=True, name="lstm"), inp=[(5, 3)], name="lstm_go_backwards")


def batchnorm_axis1():
    """BatchNormalization(axis=1) on an image batch: DL4J normalized the channels (refused)."""
    return seq(layers.BatchNormalization(axis=1, name="bn"), inp=[(4, 5, 3)], name="batchnorm_axis1")


def softmax_axis1():
    """Softmax(axis=1) on a sequence: DL4J took the last axis (refused)."""
    return seq(layers.Softmax(axis=1, name="softmax"), inp=[(3, 4)], name="softmax_axis1")


def upsampling1d():
    """UpSampling1D(2): DL4J repeated the wrong axis (refused)."""
    return seq(layers.UpSampling1D(2, name="up"), inp=[(4, 3)], name="upsampling1d")


def dense_bn():
    """Dense -> BatchNormalization -> Dense: batch norm of a flat batch (DL4J's native helper needs the channel axis
    set for it)."""
    return seq(layers.Dense(6, name="dense1"), layers.BatchNormalization(name="bn"), layers.Dense(2, name="dense2"),
               inp=[(5,)], name="dense_bn")


def flatten_output():
    """Functional Conv2D -> Flatten as the model's output (a feature extractor)."""
    inp = keras.Input((4, 4, 2))
    x = layers.Conv2D(3, 3, name="conv")(inp)
    return keras.Model(inp, layers.Flatten(name="flat")(x), name="flatten_output")


def depthwise_after_swish():
    """Conv2D -> Activation(swish) -> DepthwiseConv2D -> Flatten -> Dense: the preflight hung on this before."""
    inp = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, name="conv")(inp)
    x = layers.Activation("swish", name="swish")(x)
    x = layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(x)
    x = layers.Flatten(name="flat")(x)
    return keras.Model(inp, layers.Dense(2, name="dense")(x), name="depthwise_after_swish")


def ops_constant_first():
    """Keras 3 ops with the constant first: 2.0 - x, 3.0 * x, and x / 4.0 (affine in x)."""
    inp = keras.Input((4,))
    x = layers.Dense(5, name="dense")(inp)
    x = 2.0 - x
    x = 3.0 * x
    return keras.Model(inp, x / 4.0, name="ops_constant_first")


def simple_rnn():
    """SimpleRNN(4) (tanh) -> Dense(2)."""
    return seq(layers.SimpleRNN(4, name="rnn"), layers.Dense(2, name="dense"), inp=[(5, 3)], name="simple_rnn")


def lstm_return_sequences():
    """LSTM(4, return_sequences=True) -> LSTM(3): stacked, the first returns every step."""
    return seq(layers.LSTM(4, return_sequences=True, name="lstm1"), layers.LSTM(3, name="lstm2"), inp=[(5, 3)],
               name="lstm_return_sequences")


def dropout_spatialdropout():
    """Conv2D -> SpatialDropout2D(0.3) -> Flatten -> Dropout(0.5) -> Dense: identity at inference."""
    return seq(layers.Conv2D(3, 3, name="conv"), layers.SpatialDropout2D(0.3, name="sdrop"),
               layers.Flatten(name="flatten"), layers.Dropout(0.5, name="drop"), layers.Dense(2, name="dense"),
               inp=[(5, 5, 2)], name="dropout_spatialdropout")


ACTIVATIONS = ["swish", "silu", "gelu", "hard_silu", "hard_swish", "relu6", "elu", "selu", "softplus", "softsign",
               "tanh", "sigmoid", "exponential", "linear", "leaky_relu", "mish"]

CASES = {
    "avgpool1d": (avgpool1d, uniform(6, 2), "AveragePooling1D(2) over steps, then Flatten"),
    "cropping2d_conv": (cropping2d_conv, uniform(4, 4, 2), "asymmetric Cropping2D(((1,0),(2,1))) -> 1x1 Conv2D"),
    "hard_sigmoid": (hard_sigmoid, normal(4, scale=3.0), "Dense activation hard_sigmoid (Keras 3: relu6(x+3)/6)"),
    "dense_on_sequence": (dense_on_sequence, normal(5, 4), "Dense on a rank-3 [N, steps, features] tensor"),
    "embedding_flatten": (embedding_flatten, tokens(40, 50), "int32 Embedding -> Flatten -> Dense"),
    "embedding_conv1d": (embedding_conv1d, tokens(40, 50), "int32 Embedding -> Conv1D -> Flatten -> Dense"),
    "bn_no_center": (bn_no_center, uniform(5, 5, 2), "BatchNormalization(center=False): no beta"),
    "bn_no_scale": (bn_no_scale, uniform(5, 5, 2), "BatchNormalization(scale=False): no gamma"),
}
for _a in ACTIVATIONS:
    CASES["act_" + _a] = (_act_dense(_a), normal(4, scale=2.0), f'Dense(5, activation="{_a}")')
CASES.update({
    "silu_layer": (silu_layer, normal(4, scale=2.0), 'Activation("silu") layer'),
    "gelu_fn_layer": (gelu_fn_layer, normal(4, scale=2.0), "Activation(keras.activations.gelu), approximate=False"),
    "add_const": (add_const, normal(4), "x + 3.0 (operator on a functional tensor)"),
    "mul_const": (mul_const, normal(4), "x * (1/6) (operator on a functional tensor)"),
    "hard_sigmoid_written_out": (hard_sigmoid_written_out, normal(4, scale=3.0),
                                 "MobileNetV3's ReLU(6)(x+3)*(1/6) and x*that"),
    "mask_lstm": (mask_lstm, tokens(7, 20, pad_from=[4, 7, 2]), "Embedding(mask_zero=True) -> LSTM, zero-padded"),
    "se_multiply": (se_multiply, uniform(5, 5, 2), "GAP(keepdims) squeeze-excite, Multiply [N,H,W,C]x[N,1,1,C]"),
    "gap_keepdims": (gap_keepdims, uniform(5, 5, 2), "GlobalAveragePooling2D(keepdims=True)"),
    "separable_bn": (separable_bn, uniform(5, 5, 3), "SeparableConv2D -> BatchNormalization -> ReLU (Xception)"),
    "separable": (separable, uniform(5, 5, 3), "SeparableConv2D(depth_multiplier=2) with bias"),
    "depthwise_bn": (depthwise_bn, uniform(5, 5, 3), "DepthwiseConv2D -> BatchNormalization -> ReLU6"),
    "grouped_conv": (grouped_conv, uniform(5, 5, 4), "Conv2D(groups=C): depthwise as groups"),
    "grouped_conv_g2": (grouped_conv_g2, uniform(5, 5, 4), "Conv2D(groups=2)"),
    "rescaling": (rescaling, pixels(4, 4, 3), "Rescaling(1/127.5, offset=-1) first"),
    "normalization": (normalization, normal(4, 4, 3, scale=3.0), "Normalization adapted (weights mean/variance)"),
    "normalization_given": (normalization_given, normal(4, 4, 3, scale=3.0), "Normalization(mean=, variance=) in config"),
    "random_flip_rotation": (random_flip_rotation, uniform(5, 5, 3), "RandomFlip + RandomRotation first (inference identity)"),
    "layer_norm_4d": (layer_norm_4d, uniform(3, 3, 2), "LayerNormalization on [N,H,W,C]"),
    "layer_norm_2d": (layer_norm_2d, normal(4), "LayerNormalization on [N,C]"),
    "layer_scale": (layer_scale, uniform(3, 3, 2), "ConvNeXt LayerScale (custom layer)"),
    "nested_model": (nested_model, pixels(6, 6, 3), "functional base model as a layer (transfer-learning guide)"),
    "zero_padding2d_asym": (zero_padding2d_asym, uniform(3, 3, 2), "ZeroPadding2D(((1,2),(0,1)))"),
    "upsampling2d": (upsampling2d, uniform(3, 3, 2), "UpSampling2D(2) nearest"),
    "conv2d_valid": (conv2d_valid, uniform(5, 5, 2), "Conv2D 3x3 valid"),
    "conv2d_same": (conv2d_same, uniform(5, 5, 2), "Conv2D 3x3 same"),
    "conv2d_strides2_valid": (conv2d_strides2_valid, uniform(7, 7, 2), "Conv2D 3x3 strides 2 valid"),
    "conv2d_strides2_same_even": (conv2d_strides2_same_even, uniform(6, 6, 2), "Conv2D 3x3 strides 2 same, 6x6"),
    "conv2d_dilation2_same": (conv2d_dilation2_same, uniform(6, 6, 2), "Conv2D 3x3 dilation 2 same"),
    "conv1d": (conv1d, uniform(8, 2), "Conv1D 3 valid"),
    "maxpool2d_same": (maxpool2d_same, uniform(6, 6, 2), "MaxPooling2D(3, 2, same)"),
    "avgpool2d_same": (avgpool2d_same, uniform(5, 5, 2), "AveragePooling2D(3, 2, same): padding excluded"),
    "global_maxpool2d": (global_maxpool2d, uniform(5, 5, 2), "GlobalMaxPooling2D"),
    "concat_channels": (concat_channels, uniform(4, 4, 2), "Concatenate(axis=-1) of two conv branches"),
    "dense_regularizers": (dense_regularizers, normal(4), "Dense with every regularizer and constraints"),
    "prelu": (prelu, normal(4), "PReLU after Dense"),
    "gru": (gru, normal(5, 3), "GRU(4), reset_after=True"),
    "bidirectional_lstm": (bidirectional_lstm, normal(5, 3), "Bidirectional(LSTM(3))"),
    "bidirectional_sum_sequences": (bidirectional_sum_sequences, normal(5, 3),
                                    "Bidirectional(LSTM, return_sequences, merge sum) -> Flatten -> Dense"),
    "bidirectional_concat_sequences": (bidirectional_concat_sequences, normal(5, 3),
                                       "Bidirectional(LSTM, return_sequences, concat) -> Flatten -> Dense"),
    "bidirectional_simple_rnn_no_bias": (bidirectional_simple_rnn_no_bias, normal(5, 3),
                                         "Bidirectional(SimpleRNN(use_bias=False), merge ave)"),
    "lstm_no_bias": (lstm_no_bias, normal(5, 3), "LSTM(use_bias=False)"),
    "lstm_go_backwards": (lstm_go_backwards, normal(5, 3), "LSTM(go_backwards=True)"),
    "batchnorm_axis1": (batchnorm_axis1, uniform(4, 5, 3), "BatchNormalization(axis=1) on [H, W, C]"),
    "softmax_axis1": (softmax_axis1, normal(3, 4), "Softmax(axis=1) on [T, C]"),
    "upsampling1d": (upsampling1d, normal(4, 3), "UpSampling1D(2)"),
    "dense_bn": (dense_bn, normal(5), "Dense -> BatchNormalization on a flat batch -> Dense"),
    "flatten_output": (flatten_output, uniform(4, 4, 2), "Conv2D -> Flatten as a functional model's output"),
    "depthwise_after_swish": (depthwise_after_swish, uniform(8, 8, 3), "Conv2D -> swish -> DepthwiseConv2D"),
    "ops_constant_first": (ops_constant_first, normal(4), "2.0 - x, 3.0 * x, x / 4.0 as Keras 3 ops"),
    "simple_rnn": (simple_rnn, normal(5, 3), "SimpleRNN(4)"),
    "lstm_return_sequences": (lstm_return_sequences, normal(5, 3), "LSTM(return_sequences) -> LSTM"),
    "dropout_spatialdropout": (dropout_spatialdropout, uniform(5, 5, 2), "SpatialDropout2D + Dropout (identity)"),
})

# config keys worth listing in cases.json as the case's options (when a layer has them)
OPTION_KEYS = ["units", "filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "depth_multiplier",
               "activation", "use_bias", "center", "scale", "epsilon", "axis", "keepdims", "pool_size", "cropping",
               "size", "interpolation", "offset", "mean", "variance", "mode", "factor", "mask_zero", "input_dim",
               "output_dim", "return_sequences", "reset_after", "merge_mode", "rate", "max_value", "negative_slope",
               "shared_axes", "target_shape", "dims", "init_values", "projection_dim", "kernel_regularizer",
               "bias_regularizer", "activity_regularizer", "data_format", "trainable"]


def _options(model):
    out = {}
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        cfg = layer.get_config()
        opts = {}
        for k in OPTION_KEYS:
            if k in cfg and cfg[k] is not None:
                v = cfg[k]
                if isinstance(v, dict) and "class_name" in v:
                    v = {"class_name": v["class_name"], "config": v.get("config")}
                if k == "trainable" and v:
                    continue
                if k == "data_format" and v == "channels_last":
                    continue
                opts[k] = v
        if isinstance(layer, keras.layers.Bidirectional):
            opts["layer"] = layer.forward_layer.__class__.__name__
        out[layer.name] = opts
    return out


def _all_layers(model):
    """Layers in order, nested models expanded (the nested model itself listed too) and operation nodes
    (x + 3.0, x * c) named by their class."""
    result = []
    ops = model.operations if hasattr(model, "operations") else model.layers
    for op in ops:
        result.append(op)
        if isinstance(op, keras.Model):
            result.extend(_all_layers(op))
    return result


def _jsonable(v):
    if isinstance(v, (np.ndarray, np.generic)):
        return v.tolist()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def make(name):
    global RNG
    builder, inputs, description = CASES[name]
    keras.utils.set_random_seed(SEED)
    RNG = np.random.default_rng([SEED, zlib.crc32(name.encode())])  # each case the same alone or in the full run
    model = builder()
    randomize(model)
    x = inputs()
    y = model.predict(x, batch_size=BATCH, verbose=0)
    model.save(os.path.join(OUT, name + ".keras"))
    model.save(os.path.join(OUT, name + ".h5"))
    np.savez(os.path.join(OUT, name + ".npz"), input=x.astype(np.float32), output=np.asarray(y, dtype=np.float32))
    entry = {
        "layers": [op.__class__.__name__ for op in _all_layers(model)
                   if not isinstance(op, keras.layers.InputLayer)],
        "options": _jsonable(_options(model)),
        "description": description,
        "doc": " ".join((builder.__doc__ or "").split()),
        "input_shape": list(x.shape),
        "input_dtype": str(model.inputs[0].dtype),
        "output_shape": list(np.asarray(y).shape),
    }
    print(f"{name}: {model.count_params()} params, input {x.shape}, output {np.asarray(y).shape}", flush=True)
    return entry


def main():
    os.makedirs(OUT, exist_ok=True)
    names = sys.argv[1:] or list(CASES)
    path = os.path.join(OUT, "cases.json")
    cases = json.load(open(path)) if os.path.exists(path) and sys.argv[1:] else {}
    failed = []
    for name in names:
        try:
            cases[name] = make(name)
        except Exception as e:  # a case Keras itself cannot build or save is reported, not fatal
            failed.append(name)
            print(f"{name}: FAILED in Keras: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                  flush=True)
    cases = {k: cases[k] for k in CASES if k in cases}
    with open(path, "w") as f:  # one case per line
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in cases.items()) + "\n}\n")
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write(f"keras {keras.__version__}\ntensorflow {tf.__version__}\nnumpy {np.__version__}\n")
    print(f"{len(cases)} cases written to {OUT}" + (f"; failed: {', '.join(failed)}" if failed else ""))


if __name__ == "__main__":
    main()
