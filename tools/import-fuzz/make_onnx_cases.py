"""ONNX import fuzz cases: small graphs built with onnx.helper, ops at non-default attribute values, several opsets,
initializers listed as graph inputs, fixed batch, several outputs, inputs Graft must refuse.

    /opt/kvenv/bin/python tools/import-fuzz/make_onnx_cases.py OUT_DIR [CASE ...]

Writes CASE.onnx and CASE.npz (`input`, `output` = ONNX Runtime's first output in Python, the source framework
here). Random seeded weights; batch of 2 (or the fixed batch).
"""
import os
import sys
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SEED = 20261130


def tensor(name, a):
    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def graph(nodes, inits, in_shape, out_shape, opset=17, name="g", extra_inputs=(), outputs=None, in_type=TensorProto.FLOAT,
          inits_as_inputs=False):
    inputs = [helper.make_tensor_value_info("input", in_type, in_shape)] + list(extra_inputs)
    if inits_as_inputs:
        inputs += [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, list(t.dims)) for t in inits]
    outs = outputs or [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)]
    g = helper.make_graph(nodes, name, inputs, outs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="graft-import-fuzz")
    m.ir_version = min(m.ir_version, 9)
    m = onnx.shape_inference.infer_shapes(m)
    return m


def conv(rng, name="conv", cin=3, cout=4, k=3, **attrs):
    w = rng.normal(0, 0.3, (cout, cin // attrs.get("group", 1), k, k))
    b = rng.normal(0, 0.1, (cout,))
    return helper.make_node("Conv", ["input", name + "_w", name + "_b"], ["output"], **attrs), \
        [tensor(name + "_w", w), tensor(name + "_b", b)]


def c_conv(**attrs):
    def build(rng):
        n, i = conv(rng, **attrs)
        return graph([n], i, ["N", 3, 7, 7], None)
    return build, (3, 7, 7)


def c_op(op, in_shape, extra_inits=(), opset=17, inputs_extra=(), **attrs):
    def build(rng):
        inits = [tensor(k, v) if not isinstance(v, np.ndarray) or v.dtype != np.int64
                 else numpy_helper.from_array(v, k) for k, v in extra_inits]
        n = helper.make_node(op, ["input"] + [k for k, _ in extra_inits] + list(inputs_extra), ["output"], **attrs)
        return graph([n], inits, ["N"] + list(in_shape), None, opset=opset)
    return build, in_shape


def gemm(**attrs):
    def build(rng):
        a = rng.normal(0, 0.5, (5, 4) if attrs.get("transB") else (4, 5))
        c = rng.normal(0, 0.5, (5,))
        n = helper.make_node("Gemm", ["flat", "B", "C"], ["output"], **attrs)
        fl = helper.make_node("Flatten", ["input"], ["flat"], axis=1)
        return graph([fl, n], [tensor("B", a), tensor("C", c)], ["N", 4, 1, 1], None)
    return build, (4, 1, 1)


def i64(*v):
    return np.array(v, dtype=np.int64)


CASES = {
    "conv_same_upper_s2": c_conv(auto_pad="SAME_UPPER", strides=[2, 2]),
    "conv_same_lower_s2": c_conv(auto_pad="SAME_LOWER", strides=[2, 2]),
    "conv_pads_asym": c_conv(pads=[0, 1, 2, 0]),
    "conv_group3": c_conv(cout=6, group=3),
    "conv_dilated": c_conv(dilations=[2, 2], pads=[1, 1, 1, 1]),
    "maxpool_ceil": c_op("MaxPool", (3, 7, 7), kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    "avgpool_pad_count_include": c_op("AveragePool", (3, 7, 7), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                      count_include_pad=1),
    "avgpool_pad_exclude": c_op("AveragePool", (3, 7, 7), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "gemm_transB_alpha_beta": gemm(transB=1, alpha=0.5, beta=2.0),
    "gemm_plain": gemm(),
    "resize_nearest_op13": c_op("Resize", (3, 4, 4), extra_inits=[("roi", np.zeros(0, np.float32)),
                                                                   ("scales", np.array([1, 1, 2, 2], np.float32))],
                                opset=13, mode="nearest"),
    "resize_linear_half_pixel": c_op("Resize", (3, 4, 4), extra_inits=[("roi", np.zeros(0, np.float32)),
                                                                        ("scales", np.array([1, 1, 1.5, 2], np.float32))],
                                     opset=18, mode="linear", coordinate_transformation_mode="half_pixel"),
    "pad_reflect": c_op("Pad", (3, 5, 5), extra_inits=[("pads", i64(0, 0, 1, 2, 0, 0, 2, 1))], mode="reflect"),
    "slice_neg_step": c_op("Slice", (3, 6, 6), extra_inits=[("starts", i64(-1)), ("ends", i64(-7)), ("axes", i64(-1)),
                                                            ("steps", i64(-2))]),
    "opset11_clip_relu": c_op("Clip", (3, 4, 4), extra_inits=[("min", np.array(0.0, np.float32)),
                                                              ("max", np.array(0.5, np.float32))], opset=11),
    "opset21_gelu": c_op("Gelu", (3, 4, 4), opset=21, approximate="tanh"),
    "opset20_gelu_exact": c_op("Gelu", (3, 4, 4), opset=20),
    "hardsigmoid_custom": c_op("HardSigmoid", (3, 4, 4), alpha=0.3, beta=0.4),
    "leakyrelu_03": c_op("LeakyRelu", (3, 4, 4), alpha=0.3),
    "lrn": c_op("LRN", (3, 4, 4), size=3, alpha=0.001, beta=0.75, bias=2.0),
    "instance_norm": c_op("InstanceNormalization", (3, 4, 4), extra_inits=[("s", np.array([1.0, 0.5, 2.0])),
                                                                           ("b", np.array([0.1, 0.2, 0.3]))],
                          epsilon=0.01),
}


def inits_as_inputs(rng):
    n, i = conv(rng)
    return graph([n], i, ["N", 3, 7, 7], None, inits_as_inputs=True)


def fixed_batch1(rng):
    n, i = conv(rng)
    return graph([n], i, [1, 3, 7, 7], None)


def two_outputs(rng):
    n, i = conv(rng)
    r = helper.make_node("Relu", ["output"], ["relu_out"])
    s = helper.make_node("Sigmoid", ["output"], ["sig_out"])
    outs = [helper.make_tensor_value_info("sig_out", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("relu_out", TensorProto.FLOAT, None)]
    return graph([n, r, s], i, ["N", 3, 7, 7], None, outputs=outs)


def two_inputs(rng):
    n, i = conv(rng)
    a = helper.make_node("Add", ["output", "bias_in"], ["sum"])
    outs = [helper.make_tensor_value_info("sum", TensorProto.FLOAT, None)]
    return graph([n, a], i, ["N", 3, 7, 7], None, outputs=outs,
                 extra_inputs=[helper.make_tensor_value_info("bias_in", TensorProto.FLOAT, ["N", 4, 5, 5])])


def int_input(rng):
    c = helper.make_node("Cast", ["input"], ["f"], to=TensorProto.FLOAT)
    r = helper.make_node("Relu", ["f"], ["output"])
    return graph([c, r], [], ["N", 3, 4, 4], None, in_type=TensorProto.INT64)


def tabular_rank2(rng):
    w = rng.normal(0, 0.5, (6, 3))
    n = helper.make_node("MatMul", ["input", "W"], ["output"])
    return graph([n], [tensor("W", w)], ["N", 6], None)


def double_input(rng):
    c = helper.make_node("Cast", ["input"], ["f"], to=TensorProto.FLOAT)
    r = helper.make_node("Relu", ["f"], ["output"])
    return graph([c, r], [], ["N", 3, 4, 4], None, in_type=TensorProto.DOUBLE)


def output_float16(rng):
    r = helper.make_node("Relu", ["input"], ["r"])
    c = helper.make_node("Cast", ["r"], ["output"], to=TensorProto.FLOAT16)
    outs = [helper.make_tensor_value_info("output", TensorProto.FLOAT16, None)]
    return graph([r, c], [], ["N", 3, 4, 4], None, outputs=outs)


CASES.update({
    "initializers_as_inputs": (inits_as_inputs, (3, 7, 7)),
    "fixed_batch1": (fixed_batch1, (3, 7, 7)),
    "two_outputs": (two_outputs, (3, 7, 7)),
    "two_inputs": (two_inputs, (3, 7, 7)),
    "int64_input": (int_input, (3, 4, 4)),
    "double_input": (double_input, (3, 4, 4)),
    "tabular_rank2": (tabular_rank2, (6,)),
    "output_float16": (output_float16, (3, 4, 4)),
})


def make(out, name):
    build, shape = CASES[name]
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode())])
    m = build(rng)
    path = os.path.join(out, name + ".onnx")
    onnx.save(m, path)
    batch = 1 if name == "fixed_batch1" else 2
    x = rng.uniform(-1, 1, (batch,) + tuple(shape)).astype(np.float32)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feed = {}
    for i in s.get_inputs():
        if i.name == "input":
            feed[i.name] = x.astype({"tensor(int64)": np.int64, "tensor(double)": np.float64}.get(i.type, np.float32))
        elif i.name == "bias_in":
            feed[i.name] = np.ones((batch, 4, 5, 5), np.float32)
    y = s.run(None, feed)[0]
    np.savez(os.path.join(out, name + ".npz"), input=x, output=np.asarray(y, dtype=np.float32))
    print(f"{name}: input {x.shape} output {y.shape}", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in sys.argv[2:] or list(CASES):
        try:
            make(out, name)
        except Exception as e:
            print(f"{name}: FAILED: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}", flush=True)


if __name__ == "__main__":
    main()
