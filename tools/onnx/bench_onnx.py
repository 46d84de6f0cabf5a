"""Featurize throughput of an ONNX image model outside Graft: the references for `graft bench model:FILE.onnx`.

    /opt/kvenv/bin/python tools/onnx/bench_onnx.py FILE.onnx --arch resnet18 [--tensor T] [--batch 16] [--threads 2]

Runs, on the same random [0, 255) batch with the ImageNet normalization applied first (as Graft's featurizer does):
  ort        ONNX Runtime (Python) on FILE cut at TENSOR (default: the input of the last Gemm), intra_op threads =
             --threads, inter_op 1, spinning off (Graft's settings)
  torch      PyTorch eager, torchvision ARCH (weights=None) with its classifier replaced by Identity, NCHW
  torch-cl   the same in channels_last memory format
torch.set_num_threads(--threads). Prints one Markdown row per variant (bench_common.Report) and writes JSON lines
with --json. Speed does not depend on the weights' values.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import bench_common  # noqa: E402

_register_fake = torch.library.register_fake


def _skip(op, *a, **k):
    if isinstance(op, str) and op.startswith("torchvision::"):
        return (lambda f: f) if not a else a[0]
    return _register_fake(op, *a, **k)


torch.library.register_fake = _skip
import torchvision  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--arch", required=True)
    p.add_argument("--tensor")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    m = onnx.load(a.model)
    tensor = a.tensor or [n for n in m.graph.node if n.op_type == "Gemm"][-1].input[0]
    cut = a.model + ".cut.onnx"
    onnx.utils.extract_model(a.model, cut, ["input"], [tensor])
    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads = a.threads, 1
    o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(cut, o, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    raw = (rng.random((a.batch, 3, 224, 224), dtype=np.float32) * 255)
    report = bench_common.Report(f"{a.arch}: torch {torch.__version__}, onnxruntime {ort.__version__}, "
                                 f"{a.threads} threads, batch {a.batch}")
    name = os.path.basename(a.model)

    def run_ort():
        x = (raw / 255 - MEAN) / STD
        sess.run(None, {"input": x.astype(np.float32)})
        return a.batch

    report.emit(bench_common.result(f"ort:{name}", "ex/s", bench_common.measure(run_ort, a.warmup, a.runs),
                                    f"ONNX Runtime Python to '{tensor}', spinning off"))
    net = getattr(torchvision.models, a.arch)(weights=None)
    for attr in ("fc", "classifier"):
        if hasattr(net, attr):
            setattr(net, attr, torch.nn.Identity())
    net.eval()
    for label, fmt in (("torch", torch.contiguous_format), ("torch-cl", torch.channels_last)):
        model = net.to(memory_format=fmt)

        def run_torch():
            with torch.inference_mode():
                x = ((torch.from_numpy(raw) / 255 - torch.from_numpy(MEAN)) / torch.from_numpy(STD))
                model(x.contiguous(memory_format=fmt))
            return a.batch

        report.emit(bench_common.result(f"{label}:{a.arch}", "ex/s",
                                        bench_common.measure(run_torch, a.warmup, a.runs),
                                        "PyTorch eager, " + ("channels_last" if fmt == torch.channels_last else "NCHW")))
    report.write(a.json)
    os.remove(cut)


if __name__ == "__main__":
    main()
