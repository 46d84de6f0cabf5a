"""Exports torchvision models to ONNX with PyTorch reference outputs, for `graft import x.onnx --verify x.npz`.

    /opt/kvenv/bin/python tools/onnx/make_torchvision.py OUT_DIR [NAME ...]

Without names, the list of Graft issue 15. Each model: weights=None (no downloads), random non-trivial batch-norm
statistics and affine parameters, eval mode, torch.onnx.export(opset_version=17, dynamo=False) with a dynamic batch
axis, input "input" NCHW float32 [N, 3, 224, 224]. Beside NAME.onnx, NAME.npz holds input (2 random examples, as the
graph receives them: no further normalization) and output (PyTorch's logits). Not part of the Maven test suite
(the files are 5-530 MB); tools/onnx/verify_torchvision.sh imports and checks them.
"""
import os
import sys
import time

import numpy as np
import torch

# The local torchvision wheel is a CUDA build: skip its fake-op registrations for torchvision:: operators, which
# fail on torch+cpu at import (see zoo/src/test/onnx/make_onnx_fixtures.py).
_register_fake = torch.library.register_fake


def _skip_torchvision_fakes(op, *args, **kwargs):
    if isinstance(op, str) and op.startswith("torchvision::"):
        return (lambda f: f) if not args else args[0]
    return _register_fake(op, *args, **kwargs)


torch.library.register_fake = _skip_torchvision_fakes
import torchvision  # noqa: E402
from torch import nn  # noqa: E402

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
          "convnext_tiny", "densenet121", "regnet_y_400mf", "shufflenet_v2_x1_0", "squeezenet1_1", "vgg11_bn",
          "googlenet", "mnasnet1_0"]


def randomize(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.05)


def export(name, out):
    torch.manual_seed(0)
    kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    model = getattr(torchvision.models, name)(weights=None, **kwargs)
    gen = torch.Generator().manual_seed(1)
    randomize(model, gen)
    model.eval()
    x = torch.randn(2, 3, 224, 224, generator=gen)
    path = os.path.join(out, name + ".onnx")
    t0 = time.time()
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        y = model(x).numpy()
    np.savez(os.path.join(out, name + ".npz"), input=x.numpy(), output=y)
    print(f"{name}: {os.path.getsize(path) / 1e6:.1f} MB, output {y.shape}, |y| max {np.abs(y).max():.3g}, "
          f"{time.time() - t0:.1f} s", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for name in sys.argv[2:] or MODELS:
        export(name, out)


if __name__ == "__main__":
    main()
