"""Builds the ONNX test fixtures of zoo/src/test/resources/onnx and their PyTorch reference outputs.

Run from the repository root with the venv that has torch (cpu) and torchvision:
    /opt/kvenv/bin/python zoo/src/test/onnx/make_onnx_fixtures.py

Each model is exported with torch.onnx.export(opset 17, dynamo=False, dynamic batch), with random weights and
random, non-trivial batch-norm statistics (eval mode). Beside each NAME.onnx, NAME.npz holds
  input    float32 [4, 3, H, W]  (NCHW, already normalized: the model sees it as is)
  output   float32 [4, classes]  PyTorch's logits
  features float32 [4, C]        PyTorch's pooled features (the input of the final classifier)
Models: small_cnn (residual blocks with squeeze-excite, hardswish, ReLU6), mobilenet_v3_small_025 (torchvision,
width 0.25), concat_bn (a ceil_mode max pool, two branches concatenated, a batch norm no convolution absorbs, mean over H and W).
and the tensor name of the pooled features in the ONNX graph is printed (the tests name it).
Files stay small (< 1 MB each). Deterministic: seeded.

Edge-case fixtures (tiny: a 3->4 conv, batch norm, ReLU, global average pool, flatten, Linear 4->3 at 8x8; `--edge`
writes only these, leaving the ones above unchanged):
  tiny_fixedbatch2   exported without dynamic_axes from a batch of 2: the batch dimension is fixed at 2
  tiny_fp16_inside   float32 input cast to float16 inside (weights float16), float32 output; features: the float16
                     pooled features (Flatten) as float32
  tiny_nhwc          takes NHWC [?, 8, 8, 3] and permutes to NCHW inside
  tiny_dynhw         batch, height and width dynamic ([?, 3, ?, ?]); no .npz
  concat_bn_op18     concat_bn exported at opset 18 (ReduceMean takes its axes as an input, not an attribute)
  clip_op10          written with onnx.helper at opset 10: Conv, Clip with min/max as attributes (0, 6), global
                     average pool, Flatten, Gemm (no .npz: the tests compare with ONNX Runtime on the whole graph)
Each NAME.npz holds input and output (and features where the tests need them).
"""
import os
import sys

import numpy as np
import torch

# The torchvision wheel of the local index is a CUDA build: its fake-op registrations for torchvision:: operators
# fail on torch+cpu at import. Skip them (they are only used by torch.compile/export tracing of those ops).
_register_fake = torch.library.register_fake


def _skip_torchvision_fakes(op, *args, **kwargs):
    if isinstance(op, str) and op.startswith("torchvision::"):
        return (lambda f: f) if not args else args[0]
    return _register_fake(op, *args, **kwargs)


torch.library.register_fake = _skip_torchvision_fakes
import torchvision  # noqa: E402
from torch import nn  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "onnx")


class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = torch.relu(self.fc1(s))
        return x * torch.sigmoid(self.fc2(s))


class Block(nn.Module):
    """Residual block: conv-bn-hardswish, conv-bn, squeeze-excite, + identity, relu."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.act = nn.Hardswish()
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.se = SqueezeExcite(c)

    def forward(self, x):
        y = self.act(self.bn1(self.conv1(x)))
        y = self.se(self.bn2(self.conv2(y)))
        return torch.relu(x + y)


class SmallCnn(nn.Module):
    """Stem conv-bn-relu, max pool, two residual blocks (with SE and hardswish), global average pool, Gemm."""

    def __init__(self, classes=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.block1 = Block(16)
        self.down = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU6())
        self.block2 = Block(32)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = self.block2(self.down(self.block1(self.pool(self.stem(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))

    def features(self, x):
        x = self.block2(self.down(self.block1(self.pool(self.stem(x)))))
        return torch.flatten(self.avgpool(x), 1)


class ConcatNet(nn.Module):
    """DenseNet-style: a ceil_mode max pool, two branches concatenated, batch norm that no convolution absorbs, mean
    over H and W."""

    def __init__(self, classes=3):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)  # 16 -> 8 (7 when rounding down)
        self.a = nn.Conv2d(8, 6, 1)
        self.b = nn.Conv2d(8, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(12)
        self.fc = nn.Linear(12, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.stem(x)))
        y = torch.relu(self.bn(torch.cat([self.a(x), self.b(x)], 1)))
        return self.fc(y.mean((2, 3)))

    def features(self, x):
        x = self.pool(torch.relu(self.stem(x)))
        return torch.relu(self.bn(torch.cat([self.a(x), self.b(x)], 1))).mean((2, 3))


def randomize_batch_norm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) * 0.8 + 0.4)
            m.weight.data.copy_(torch.rand(c, generator=gen) * 0.8 + 0.6)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)


def export(name, model, features_fn, size, metadata=None):
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        randomize_batch_norm(model, gen)
    model.eval()
    x = torch.randn(4, 3, size, size, generator=gen)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    if metadata:
        import onnx
        m = onnx.load(path)
        for k, v in metadata.items():
            p = m.metadata_props.add()
            p.key, p.value = k, v
        onnx.save(m, path)
    with torch.no_grad():
        out = model(x).numpy()
        feats = features_fn(x).numpy()
    np.savez(os.path.join(OUT, name + ".npz"), input=x.numpy(), output=out, features=feats)
    print(f"{name}: {os.path.getsize(path)} bytes, output {out.shape}, features {feats.shape}")


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                               nn.Flatten())
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.f(x))


class Fp16Inside(nn.Module):
    def __init__(self, tiny):
        super().__init__()
        self.m = tiny.half()

    def forward(self, x):
        return self.m(x.half()).float()


class Nhwc(nn.Module):
    def __init__(self, tiny):
        super().__init__()
        self.m = tiny

    def forward(self, x):
        return self.m(x.permute(0, 3, 1, 2))


def clip_op10():
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(13)
    w = numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.normal(0, 0.5, (4,)).astype(np.float32), "b")
    fw = numpy_helper.from_array(rng.normal(0, 0.5, (2, 4)).astype(np.float32), "fw")
    fb = numpy_helper.from_array(rng.normal(0, 0.5, (2,)).astype(np.float32), "fb")
    nodes = [helper.make_node("Conv", ["input", "w", "b"], ["/conv/Conv_output_0"], name="/conv/Conv", pads=[1, 1, 1, 1]),
             helper.make_node("Clip", ["/conv/Conv_output_0"], ["/act/Clip_output_0"], name="/act/Clip", min=0.0, max=6.0),
             helper.make_node("GlobalAveragePool", ["/act/Clip_output_0"], ["/pool/GlobalAveragePool_output_0"],
                              name="/pool/GlobalAveragePool"),
             helper.make_node("Flatten", ["/pool/GlobalAveragePool_output_0"], ["/Flatten_output_0"], name="/Flatten"),
             helper.make_node("Gemm", ["/Flatten_output_0", "fw", "fb"], ["logits"], name="/fc/Gemm", transB=1)]
    g = helper.make_graph(nodes, "clip_op10", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 8, 8])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])], [w, b, fw, fb])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 10)], producer_name="graft-fixture")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT, "clip_op10.onnx"))


def edge():
    gen = torch.Generator().manual_seed(11)
    torch.manual_seed(11)
    tiny = Tiny()
    with torch.no_grad():
        randomize_batch_norm(tiny, gen)
    tiny.eval()
    x = torch.randn(2, 3, 8, 8, generator=gen)
    # fixed batch: what torch.onnx.export writes without dynamic_axes
    path = os.path.join(OUT, "tiny_fixedbatch2.onnx")
    torch.onnx.export(tiny, (x,), path, opset_version=17, dynamo=False, input_names=["input"], output_names=["logits"])
    x5 = torch.randn(5, 3, 8, 8, generator=gen)
    with torch.no_grad():
        np.savez(os.path.join(OUT, "tiny_fixedbatch2.npz"), input=x.numpy(), output=tiny(x).numpy(),
                 input5=x5.numpy(), output5=tiny(x5).numpy())
    # NHWC input
    nhwc = Nhwc(tiny).eval()
    xh = x.permute(0, 2, 3, 1).contiguous()
    torch.onnx.export(nhwc, (xh,), os.path.join(OUT, "tiny_nhwc.onnx"), opset_version=17, dynamo=False,
                      input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}})
    # dynamic height and width
    torch.onnx.export(tiny, (x,), os.path.join(OUT, "tiny_dynhw.onnx"), opset_version=17, dynamo=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch", 2: "h", 3: "w"}, "logits": {0: "batch"}})
    # float16 inside
    half = Fp16Inside(Tiny()).eval()
    half.m.load_state_dict({k: v.half() if v.is_floating_point() else v for k, v in tiny.state_dict().items()})
    torch.onnx.export(half, (x,), os.path.join(OUT, "tiny_fp16_inside.onnx"), opset_version=17, dynamo=False,
                      input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}})
    with torch.no_grad():
        np.savez(os.path.join(OUT, "tiny_fp16_inside.npz"), input=x.numpy(), output=half(x).numpy(),
                 features=half.m.f(x.half()).float().numpy())
    # opset 18: ReduceMean with its axes as an input
    torch.manual_seed(5)
    cat = ConcatNet()
    g5 = torch.Generator().manual_seed(7)
    with torch.no_grad():
        randomize_batch_norm(cat, g5)
    cat.eval()
    xc = torch.randn(4, 3, 16, 16, generator=g5)
    torch.onnx.export(cat, (xc,), os.path.join(OUT, "concat_bn_op18.onnx"), opset_version=18, dynamo=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        np.savez(os.path.join(OUT, "concat_bn_op18.npz"), input=xc.numpy(), output=cat(xc).numpy())
    clip_op10()
    for n in ("clip_op10", "tiny_fixedbatch2", "tiny_nhwc", "tiny_dynhw", "tiny_fp16_inside", "concat_bn_op18"):
        print(f"{n}: {os.path.getsize(os.path.join(OUT, n + '.onnx'))} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--edge" in sys.argv[1:]:
        return edge()
    torch.manual_seed(3)
    cnn = SmallCnn()
    export("small_cnn", cnn, cnn.features, 32,
           metadata={"mean": "0.485,0.456,0.406", "std": "0.229,0.224,0.225", "labels": "a,b,c,d,e",
                     "license": "MIT", "origin": "Graft test fixture (random weights)"})
    torch.manual_seed(4)
    mnv3 = torchvision.models.mobilenet_v3_small(weights=None, num_classes=10, width_mult=0.25)

    def mnv3_features(x):
        return torch.flatten(mnv3.avgpool(mnv3.features(x)), 1)

    export("mobilenet_v3_small_025", mnv3, mnv3_features, 64)
    torch.manual_seed(5)
    cat = ConcatNet()
    export("concat_bn", cat, cat.features, 16)
    edge()


if __name__ == "__main__":
    sys.exit(main())
