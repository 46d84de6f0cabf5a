"""Keras 3 import fuzz cases: layer options and combinations that zoo/src/test/keras/make_layer_fixtures.py does
not cover. One tiny model per case, random seeded weights, Keras' own output as the reference.

    /opt/kvenv/bin/python tools/import-fuzz/make_keras_cases.py OUT_DIR [CASE ...]

Writes OUT_DIR/CASE.keras, CASE.h5 and CASE.npz (`input` float32 batch of 3, `output` = model.predict(input)).
Run every file through `graft import FILE --out X.zip --verify CASE.npz` (tools/import-fuzz/run_cases.sh) and
classify: OK / refused / wrong / crash / hang. Python only writes files; Graft never runs Python.
"""
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
from keras import layers as L  # noqa: E402

SEED = 20261130
RNG = np.random.default_rng(SEED)
BATCH = 3


def randomize(model):
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
            x = RNG.normal(0.0, 0.3, shape)
        elif name == "embeddings":
            x = RNG.normal(0.0, 0.5, shape)
        elif name == "alpha":  # PReLU
            x = RNG.uniform(0.1, 0.5, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            x = RNG.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)
        v.assign(x.astype(v.dtype))


def U(*shape, lo=-1.0, hi=1.0):
    return lambda: RNG.uniform(lo, hi, size=(BATCH,) + shape).astype(np.float32)


def N(*shape, scale=1.5):
    return lambda: RNG.normal(0.0, scale, size=(BATCH,) + shape).astype(np.float32)


def T(length, vocab):
    return lambda: RNG.integers(1, vocab, size=(BATCH, length)).astype(np.int32)


def seq(shape, *ls, dtype="float32"):
    return keras.Sequential([keras.Input(shape, dtype=dtype)] + list(ls))


def fn(shape, body):
    inp = keras.Input(shape, name="x")
    return keras.Model(inp, body(inp))


CASES = {
    # --- convolutions, padding and strides
    "conv2d_same_s2_odd7": (lambda: seq((7, 7, 2), L.Conv2D(3, 3, strides=2, padding="same")), U(7, 7, 2)),
    "conv2d_same_k4_s2_even8": (lambda: seq((8, 8, 2), L.Conv2D(3, 4, strides=2, padding="same")), U(8, 8, 2)),
    "conv2d_same_k2_s1": (lambda: seq((5, 5, 2), L.Conv2D(3, 2, padding="same")), U(5, 5, 2)),
    "conv2d_same_k5_s3": (lambda: seq((10, 10, 2), L.Conv2D(3, 5, strides=3, padding="same")), U(10, 10, 2)),
    "conv2d_rect_kernel_strides": (lambda: seq((7, 9, 2), L.Conv2D(3, (1, 3), strides=(1, 2), padding="same")), U(7, 9, 2)),
    "conv2d_dilation_valid": (lambda: seq((9, 9, 2), L.Conv2D(3, 3, dilation_rate=(2, 3))), U(9, 9, 2)),
    "conv2d_no_bias_act": (lambda: seq((5, 5, 2), L.Conv2D(3, 3, use_bias=False, activation="hard_sigmoid")), N(5, 5, 2, scale=3)),
    "conv2d_channels_first": (lambda: seq((2, 5, 5), L.Conv2D(3, 3, data_format="channels_first"), L.Flatten()), U(2, 5, 5)),
    "conv1d_same_s2_even": (lambda: seq((8, 2), L.Conv1D(3, 3, strides=2, padding="same"), L.Flatten()), U(8, 2)),
    "conv1d_same_s2_odd": (lambda: seq((9, 2), L.Conv1D(3, 3, strides=2, padding="same"), L.Flatten()), U(9, 2)),
    "conv1d_causal": (lambda: seq((8, 2), L.Conv1D(3, 3, padding="causal"), L.Flatten()), U(8, 2)),
    "conv1d_causal_dilated": (lambda: seq((10, 2), L.Conv1D(3, 2, padding="causal", dilation_rate=2), L.Flatten()), U(10, 2)),
    "conv1d_dilated_valid": (lambda: seq((10, 2), L.Conv1D(3, 3, dilation_rate=2), L.Flatten()), U(10, 2)),
    "conv1d_gap1d": (lambda: seq((8, 2), L.Conv1D(4, 3, activation="relu"), L.GlobalAveragePooling1D()), U(8, 2)),
    "conv1d_gmp1d": (lambda: seq((8, 2), L.Conv1D(4, 3), L.GlobalMaxPooling1D()), U(8, 2)),
    "maxpool1d_same_s2": (lambda: seq((7, 2), L.MaxPooling1D(2, 2, padding="same"), L.Flatten()), U(7, 2)),
    "avgpool1d_same": (lambda: seq((7, 2), L.AveragePooling1D(3, 2, padding="same"), L.Flatten()), U(7, 2)),
    "conv3d": (lambda: seq((4, 4, 4, 2), L.Conv3D(3, 2), L.Flatten()), U(4, 4, 4, 2)),
    "conv3d_same_pool": (lambda: seq((4, 4, 4, 2), L.Conv3D(3, 3, padding="same"), L.MaxPooling3D(2), L.Flatten()), U(4, 4, 4, 2)),
    "depthwise_dm2_s2_same": (lambda: seq((7, 7, 3), L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2)), U(7, 7, 3)),
    "depthwise_dilated": (lambda: seq((8, 8, 3), L.DepthwiseConv2D(3, dilation_rate=2, use_bias=False)), U(8, 8, 3)),
    "separable_s2_same_dm1": (lambda: seq((7, 7, 3), L.SeparableConv2D(4, 3, strides=2, padding="same")), U(7, 7, 3)),
    "separable_no_bias_relu": (lambda: seq((6, 6, 3), L.SeparableConv2D(4, 3, use_bias=False, activation="relu")), U(6, 6, 3)),
    "separable_conv1d": (lambda: seq((8, 3), L.SeparableConv1D(4, 3), L.Flatten()), U(8, 3)),
    "depthwise_conv1d": (lambda: seq((8, 3), L.DepthwiseConv1D(3), L.Flatten()), U(8, 3)),
    "conv2d_transpose_valid": (lambda: seq((3, 3, 2), L.Conv2DTranspose(3, 3)), U(3, 3, 2)),
    "conv2d_transpose_s2_same": (lambda: seq((3, 3, 2), L.Conv2DTranspose(3, 3, strides=2, padding="same")), U(3, 3, 2)),
    "conv2d_transpose_s2_valid": (lambda: seq((3, 3, 2), L.Conv2DTranspose(3, 2, strides=2)), U(3, 3, 2)),
    "conv2d_transpose_outpad": (lambda: seq((3, 3, 2), L.Conv2DTranspose(3, 3, strides=2, output_padding=1)), U(3, 3, 2)),
    "conv1d_transpose": (lambda: seq((4, 2), L.Conv1DTranspose(3, 3, strides=2), L.Flatten()), U(4, 2)),
    # --- pooling
    "maxpool2d_s1_same_k2": (lambda: seq((5, 5, 2), L.MaxPooling2D(2, 1, padding="same")), U(5, 5, 2)),
    "maxpool2d_valid_overlap": (lambda: seq((7, 7, 2), L.MaxPooling2D(3, 2)), U(7, 7, 2)),
    "maxpool2d_rect": (lambda: seq((6, 6, 2), L.MaxPooling2D((2, 3))), U(6, 6, 2)),
    "avgpool2d_valid_s1": (lambda: seq((5, 5, 2), L.AveragePooling2D(2, 1)), U(5, 5, 2)),
    "avgpool2d_same_even_k2_odd5": (lambda: seq((5, 5, 2), L.AveragePooling2D(2, padding="same")), U(5, 5, 2)),
    "gap2d_channels_first": (lambda: seq((2, 4, 4), L.GlobalAveragePooling2D(data_format="channels_first")), U(2, 4, 4)),
    "maxpool2d_channels_first": (lambda: seq((2, 4, 4), L.MaxPooling2D(2, data_format="channels_first"), L.Flatten()), U(2, 4, 4)),
    "gap1d_keepdims_flatten": (lambda: seq((6, 3), L.GlobalAveragePooling1D(keepdims=True), L.Flatten()), U(6, 3)),
    "gmp2d_keepdims": (lambda: seq((4, 4, 3), L.GlobalMaxPooling2D(keepdims=True)), U(4, 4, 3)),
    # --- activations as layers and options
    "relu_max_value_4": (lambda: seq((4,), L.Dense(5), L.ReLU(max_value=4.0)), N(4, scale=4)),
    "relu_negative_slope": (lambda: seq((4,), L.Dense(5), L.ReLU(negative_slope=0.1)), N(4, scale=3)),
    "relu_threshold": (lambda: seq((4,), L.Dense(5), L.ReLU(threshold=0.5)), N(4, scale=3)),
    "relu_all_options": (lambda: seq((4,), L.Dense(5), L.ReLU(max_value=3.0, negative_slope=0.2, threshold=0.5)), N(4, scale=4)),
    "leaky_relu_layer_03": (lambda: seq((4,), L.Dense(5), L.LeakyReLU(negative_slope=0.3)), N(4, scale=3)),
    "leaky_relu_layer_default": (lambda: seq((4,), L.Dense(5), L.LeakyReLU()), N(4, scale=3)),
    "elu_layer_alpha05": (lambda: seq((4,), L.Dense(5), L.ELU(alpha=0.5)), N(4, scale=3)),
    "softmax_layer_4d": (lambda: seq((3, 3, 4), L.Conv2D(4, 1), L.Softmax()), N(3, 3, 4)),
    "softmax_act_conv": (lambda: seq((3, 3, 2), L.Conv2D(4, 1, activation="softmax")), N(3, 3, 2)),
    "softmax_dense_sequence": (lambda: seq((5, 3), L.Dense(4, activation="softmax")), N(5, 3)),
    "act_log_softmax": (lambda: seq((4,), L.Dense(5, activation="log_softmax")), N(4)),
    "act_relu6_conv": (lambda: seq((4, 4, 2), L.Conv2D(3, 3, activation="relu6")), N(4, 4, 2, scale=6)),
    "act_hard_tanh": (lambda: seq((4,), L.Dense(5, activation="hard_tanh")), N(4, scale=3)),
    "act_soft_shrink": (lambda: seq((4,), L.Dense(5, activation="soft_shrink")), N(4, scale=3)),
    "act_tanh_shrink": (lambda: seq((4,), L.Dense(5, activation="tanh_shrink")), N(4, scale=3)),
    "act_squareplus": (lambda: seq((4,), L.Dense(5, activation="squareplus")), N(4, scale=3)),
    "act_celu": (lambda: seq((4,), L.Dense(5, activation="celu")), N(4, scale=3)),
    "act_glu": (lambda: seq((4,), L.Dense(6, activation="glu")), N(4, scale=3)),
    "act_sparse_plus": (lambda: seq((4,), L.Dense(5, activation="sparse_plus")), N(4, scale=3)),
    "act_relu_dense_sigmoid_conv": (lambda: seq((4, 4, 2), L.Conv2D(3, 3, activation="sigmoid")), N(4, 4, 2, scale=3)),
    "prelu_shared_axes": (lambda: seq((4, 4, 2), L.Conv2D(3, 1), L.PReLU(shared_axes=[1, 2])), N(4, 4, 2)),
    "prelu_conv": (lambda: seq((4, 4, 2), L.Conv2D(3, 1), L.PReLU()), N(4, 4, 2)),
    # --- normalization
    "bn_eps_01": (lambda: seq((4, 4, 2), L.Conv2D(3, 1), L.BatchNormalization(epsilon=0.1)), U(4, 4, 2)),
    "bn_no_center_no_scale": (lambda: seq((4, 4, 2), L.Conv2D(3, 1), L.BatchNormalization(center=False, scale=False)), U(4, 4, 2)),
    "bn_on_sequence": (lambda: seq((5, 3), L.BatchNormalization()), N(5, 3)),
    "bn_axis1_channels_first": (lambda: seq((2, 4, 4), L.BatchNormalization(axis=1), L.Flatten()), U(2, 4, 4)),
    "bn_first_layer": (lambda: seq((4, 4, 2), L.BatchNormalization(), L.Conv2D(3, 1)), U(4, 4, 2)),
    "layer_norm_no_center_scale": (lambda: seq((5,), L.Dense(6), L.LayerNormalization(center=False, scale=False, epsilon=0.01)), N(5)),
    "layer_norm_axis_12_4d": (lambda: seq((3, 3, 2), L.LayerNormalization(axis=[1, 2, 3])), U(3, 3, 2)),
    "layer_norm_sequence": (lambda: seq((5, 4), L.LayerNormalization()), N(5, 4)),
    "layer_norm_rms": (lambda: seq((5,), L.Dense(6), L.LayerNormalization(rms_scaling=True)), N(5)),
    "group_norm": (lambda: seq((3, 3, 4), L.GroupNormalization(groups=2)), U(3, 3, 4)),
    "unit_norm": (lambda: seq((4,), L.Dense(5), L.UnitNormalization()), N(4)),
    "rescaling_per_channel": (lambda: seq((3, 3, 3), L.Rescaling(scale=[0.5, 1.0, 2.0], offset=[0.1, 0.2, 0.3]), L.Conv2D(2, 1)), U(3, 3, 3)),
    "rescaling_mid": (lambda: seq((4,), L.Dense(5), L.Rescaling(2.0, offset=1.0), L.Dense(3)), N(4)),
    "normalization_axis_none": (lambda: seq((3, 3, 3), L.Normalization(axis=None, mean=2.0, variance=4.0), L.Conv2D(2, 1)), U(3, 3, 3)),
    "normalization_invert": (lambda: seq((4,), L.Normalization(mean=[1., 2, 3, 4], variance=[1., 4, 9, 16], invert=True)), N(4)),
    # --- resizing, padding, cropping, reshape
    "upsampling2d_bilinear": (lambda: seq((3, 3, 2), L.UpSampling2D(2, interpolation="bilinear")), U(3, 3, 2)),
    "upsampling2d_rect": (lambda: seq((3, 3, 2), L.UpSampling2D((2, 3))), U(3, 3, 2)),
    "zero_padding2d_sym_conv": (lambda: seq((3, 3, 2), L.ZeroPadding2D(1), L.Conv2D(2, 3)), U(3, 3, 2)),
    "cropping2d_sym": (lambda: seq((5, 5, 2), L.Cropping2D(1), L.Flatten()), U(5, 5, 2)),
    "resizing_layer": (lambda: seq((6, 6, 2), L.Resizing(3, 3), L.Flatten()), U(6, 6, 2)),
    "center_crop_layer": (lambda: seq((6, 6, 2), L.CenterCrop(4, 4), L.Flatten()), U(6, 6, 2)),
    "reshape_to_image_conv": (lambda: seq((12,), L.Reshape((2, 3, 2)), L.Conv2D(2, (1, 2)), L.Flatten()), N(12)),
    "reshape_dense_seq": (lambda: seq((12,), L.Reshape((4, 3)), L.Dense(2), L.Flatten()), N(12)),
    "permute_dense": (lambda: seq((3, 4), L.Permute((2, 1)), L.Dense(2), L.Flatten()), N(3, 4)),
    "permute_flatten": (lambda: seq((3, 4), L.Permute((2, 1)), L.Flatten()), N(3, 4)),
    "permute_4d_flatten": (lambda: seq((2, 3, 4), L.Permute((3, 1, 2)), L.Flatten(), L.Dense(3)), N(2, 3, 4)),
    "flatten_conv_dense": (lambda: seq((4, 3, 2), L.Conv2D(3, (2, 1)), L.Flatten(), L.Dense(4)), U(4, 3, 2)),
    "repeat_vector_lstm": (lambda: seq((3,), L.RepeatVector(4), L.LSTM(2, return_sequences=True), L.Flatten()), N(3)),
    "time_distributed_dense": (lambda: seq((4, 3), L.TimeDistributed(L.Dense(2, activation="tanh")), L.Flatten()), N(4, 3)),
    "time_distributed_conv": (lambda: seq((2, 4, 4, 2), L.TimeDistributed(L.Conv2D(2, 3)), L.Flatten()), U(2, 4, 4, 2)),
    "identity_layer": (lambda: seq((4,), L.Dense(3), L.Identity()), N(4)),
    "gaussian_noise_dropout": (lambda: seq((4,), L.GaussianNoise(0.5), L.Dense(3), L.GaussianDropout(0.3), L.AlphaDropout(0.2)), N(4)),
    "activity_regularization": (lambda: seq((4,), L.Dense(3), L.ActivityRegularization(l1=0.1)), N(4)),
    "masking_lstm": (lambda: seq((5, 3), L.Masking(0.0), L.LSTM(2)), N(5, 3)),
    # --- recurrent
    "lstm_hard_sigmoid_rec": (lambda: seq((5, 3), L.LSTM(4, recurrent_activation="hard_sigmoid")), N(5, 3)),
    "lstm_relu_act": (lambda: seq((5, 3), L.LSTM(4, activation="relu")), N(5, 3)),
    "lstm_unit_forget_bias_false": (lambda: seq((5, 3), L.LSTM(4, unit_forget_bias=False)), N(5, 3)),
    "lstm_return_state": (lambda: fn((5, 3), lambda x: L.LSTM(4, return_state=True)(x)[1]), N(5, 3)),
    "gru_reset_after_false": (lambda: seq((5, 3), L.GRU(4, reset_after=False)), N(5, 3)),
    "simple_rnn_relu_seq": (lambda: seq((5, 3), L.SimpleRNN(4, activation="relu", return_sequences=True), L.Flatten()), N(5, 3)),
    "embedding_gap1d": (lambda: seq((6,), L.Embedding(20, 4), L.GlobalAveragePooling1D(), L.Dense(2), dtype="int32"), T(6, 20)),
    "embedding_lstm": (lambda: seq((6,), L.Embedding(20, 4), L.LSTM(3), dtype="int32"), T(6, 20)),
    "bidirectional_gru": (lambda: seq((5, 3), L.Bidirectional(L.GRU(3))), N(5, 3)),
    "conv_lstm2d": (lambda: seq((3, 4, 4, 2), L.ConvLSTM2D(2, 3), L.Flatten()), U(3, 4, 4, 2)),
    # --- merges, graphs
    "subtract": (lambda: fn((4,), lambda x: L.Subtract()([L.Dense(3, name="a")(x), L.Dense(3, name="b")(x)])), N(4)),
    "maximum_minimum": (lambda: fn((4,), lambda x: L.Add()([L.Maximum()([L.Dense(3, name="a")(x), L.Dense(3, name="b")(x)]),
                                                             L.Minimum()([L.Dense(3, name="c")(x), L.Dense(3, name="d")(x)])])), N(4)),
    "average3": (lambda: fn((4,), lambda x: L.Average()([L.Dense(3, name=n)(x) for n in "abc"])), N(4)),
    "add3_multiply": (lambda: fn((4,), lambda x: L.Multiply()([L.Add()([L.Dense(3, name=n)(x) for n in "abc"]), L.Dense(3, name="d")(x)])), N(4)),
    "dot_layer": (lambda: fn((4,), lambda x: L.Dot(axes=1)([L.Dense(3, name="a")(x), L.Dense(3, name="b")(x)])), N(4)),
    "dot_normalize": (lambda: fn((4,), lambda x: L.Dot(axes=1, normalize=True)([L.Dense(3, name="a")(x), L.Dense(3, name="b")(x)])), N(4)),
    "concat_axis1_seq": (lambda: fn((3, 2), lambda x: L.Flatten()(L.Concatenate(axis=1)([L.Dense(2, name="a")(x), L.Dense(2, name="b")(x)]))), N(3, 2)),
    "concat_dense_flat": (lambda: fn((4,), lambda x: L.Concatenate()([L.Dense(2, name="a")(x), L.Dense(3, name="b")(x)])), N(4)),
    "shared_dense_twice": (lambda: (lambda d: fn((4,), lambda x: d(L.Dense(4, name="pre")(d(x)))))(L.Dense(4, name="shared")), N(4)),
    "multi_output": (lambda: fn((4,), lambda x: [L.Dense(2, name="o1")(x), L.Dense(3, activation="softmax", name="o2")(x)]), N(4)),
    "nested_sequential_in_functional": (lambda: fn((4, 4, 2), lambda x: L.Dense(2)(keras.Sequential([L.Conv2D(3, 3), L.Flatten()], name="inner")(x))), U(4, 4, 2)),
    "nested_twice": (lambda: fn((4,), lambda x: keras.Sequential([keras.Sequential([L.Dense(3, activation="relu")], name="in2"), L.Dense(2)], name="in1")(x)), N(4)),
    "residual_add_conv": (lambda: fn((4, 4, 2), lambda x: L.Add()([x, L.Conv2D(2, 3, padding="same")(x)])), U(4, 4, 2)),
    "input_to_two_outputs_order": (lambda: fn((4,), lambda x: [L.Dense(1, name="z_last")(x), L.Dense(2, name="a_first")(x)]), N(4)),
    "attention_layer": (lambda: fn((4, 3), lambda x: L.Flatten()(L.Attention()([x, x]))), N(4, 3)),
    "mha": (lambda: fn((4, 3), lambda x: L.Flatten()(L.MultiHeadAttention(2, 2)(x, x))), N(4, 3)),
    "dense_3d_use_bias_false": (lambda: seq((3, 4), L.Dense(2, use_bias=False), L.Flatten()), N(3, 4)),
    "dense_4d": (lambda: seq((2, 2, 3), L.Dense(2), L.Flatten()), N(2, 2, 3)),
    "conv_dense_on_image_relu": (lambda: seq((3, 3, 2), L.Dense(4, activation="relu"), L.GlobalAveragePooling2D()), N(3, 3, 2)),
    "ops_subtract_tensors": (lambda: fn((4,), lambda x: L.Dense(3, name="a")(x) - L.Dense(3, name="b")(x)), N(4)),
    "ops_square_sqrt": (lambda: fn((4,), lambda x: keras.ops.sqrt(keras.ops.square(L.Dense(3)(x)) + 1.0)), N(4)),
    "ops_mean_axis": (lambda: fn((3, 4), lambda x: keras.ops.mean(L.Dense(2)(x), axis=1)), N(3, 4)),
    "ops_reshape": (lambda: fn((12,), lambda x: L.Flatten()(L.Dense(2)(keras.ops.reshape(x, (-1, 4, 3))))), N(12)),
    "ops_transpose": (lambda: fn((3, 4), lambda x: L.Flatten()(keras.ops.transpose(x, (0, 2, 1)))), N(3, 4)),
    "ops_tanh_act": (lambda: fn((4,), lambda x: keras.ops.tanh(L.Dense(3)(x))), N(4)),
    "ops_add_vector_const": (lambda: fn((3,), lambda x: L.Dense(3)(x) + np.array([1.0, 2.0, 3.0], dtype="float32")), N(3)),
    "ops_max_two": (lambda: fn((4,), lambda x: keras.ops.maximum(L.Dense(3)(x), 0.5)), N(4)),
    "ops_relu6_minus": (lambda: fn((4,), lambda x: keras.ops.relu6(L.Dense(3)(x)) - 3.0), N(4, scale=4)),
    "ops_negative": (lambda: fn((4,), lambda x: -L.Dense(3)(x)), N(4)),
    "ops_matmul": (lambda: fn((4,), lambda x: keras.ops.matmul(L.Dense(3)(x), np.eye(3, dtype="float32") * 2)), N(4)),
    "ops_power": (lambda: fn((4,), lambda x: L.Dense(3)(x) ** 2), N(4)),
    "ops_scalar_div_tensor": (lambda: fn((4,), lambda x: 1.0 / (keras.ops.abs(L.Dense(3)(x)) + 1.0)), N(4)),
    "ops_slice": (lambda: fn((6,), lambda x: L.Dense(3)(x[:, 1:4])), N(6)),
    "ops_getitem_channel": (lambda: fn((3, 3, 4), lambda x: L.Flatten()(x[..., :2])), N(3, 3, 4)),
    "mixed_precision_dense": (lambda: seq((4,), L.Dense(3, dtype="mixed_float16"), L.Activation("linear", dtype="float32")), N(4)),
    "float64_model": (lambda: seq((4,), L.Dense(3, dtype="float64")), N(4)),
}


def make(out, name):
    global RNG
    builder, inputs = CASES[name]
    keras.utils.set_random_seed(SEED)
    RNG = np.random.default_rng([SEED, zlib.crc32(name.encode())])
    model = builder()
    randomize(model)
    x = inputs()
    y = model.predict(x, batch_size=BATCH, verbose=0)
    if isinstance(y, (list, tuple)):
        ys = {f"output_{i}": np.asarray(v, dtype=np.float32) for i, v in enumerate(y)}
        ys["output"] = ys["output_0"]
    else:
        ys = {"output": np.asarray(y, dtype=np.float32)}
    for fmt in ("keras", "h5"):
        try:
            model.save(os.path.join(out, f"{name}.{fmt}"))
        except Exception as e:
            print(f"{name}.{fmt}: Keras cannot save: {type(e).__name__}: {str(e).splitlines()[0][:120]}")
    np.savez(os.path.join(out, name + ".npz"), input=x.astype(np.float32), **ys)
    print(f"{name}: input {x.shape} output {ys['output'].shape}", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[2:] or list(CASES)
    for name in names:
        try:
            make(out, name)
        except Exception as e:
            print(f"{name}: FAILED in Keras: {type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}", flush=True)


if __name__ == "__main__":
    main()
