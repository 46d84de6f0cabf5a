#!/usr/bin/env python3
"""PyTorch reference for `graft bench`: the same workloads, on the same machine, so ratios come from one run.

Workloads (ids match graft bench's JSON):
  featurize-vgg16               VGG16 to fc2 (+ReLU), batch 16, 224x224x3, random weights, eval mode
  featurize-resnet50            ResNet50 with DL4J's zoo geometry (stride 2 in every stage, 4x4 before pooling),
                                to the pooled 2048-d vector -- the architecture graft bench runs
  featurize-resnet50-standard   torchvision's ResNet50 geometry (7x7 before pooling), for reference
  head-memory                   4096 -> 256 ReLU -> 10 softmax (cross-entropy), Adam 1e-3, batch 64, 10,240 rows
  head-memmap                   the same, rows read per batch from a numpy memmap file (a disk cache)
Each featurize workload is also run channels-last (suffix -channels-last). ResNet50 (DL4J geometry) also runs
with its batch norms folded into the convolutions (torch.fx.experimental.optimization.fuse, channels-last; suffix
-folded-channels-last), as Graft's channels-last featurizing copy folds them.

Usage (Python and PyTorch are used only by this tool; Graft does not depend on them):
  python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install --retries 0 torch numpy
  /tmp/refvenv/bin/python tools/reference/bench_reference.py --threads 2 --runs 5 --json /tmp/torch.jsonl
  python3 tools/reference/bench_compare.py /tmp/graft.jsonl /tmp/torch.jsonl
No torchvision: the two networks are defined here (torchvision wheels must match the torch build exactly).
"""
import argparse
import os
import platform
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from bench_common import Report, measure, result


# ---------------------------------------------------------------------------------------------------------------
# networks

def vgg16_to_fc2():
    layers, c = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True),
                         nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(inplace=True))


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride, stride_on_1x1):
        super().__init__()
        s1, s3 = (stride, 1) if stride_on_1x1 else (1, stride)
        self.c1, self.b1 = nn.Conv2d(cin, mid, 1, s1, bias=False), nn.BatchNorm2d(mid)
        self.c2, self.b2 = nn.Conv2d(mid, mid, 3, s3, padding=1, bias=False), nn.BatchNorm2d(mid)
        self.c3, self.b3 = nn.Conv2d(mid, mid * 4, 1, bias=False), nn.BatchNorm2d(mid * 4)
        self.short = None
        if stride != 1 or cin != mid * 4:
            self.short = nn.Sequential(nn.Conv2d(cin, mid * 4, 1, stride, bias=False), nn.BatchNorm2d(mid * 4))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


def resnet50_pooled(dl4j_geometry):
    """dl4j_geometry: DL4J zoo's ResNet50 (Keras-1 style: zero-pad 3, 7x7/2 conv, 3x3/2 max pool without padding,
    stride 2 on the 1x1 conv of every stage's first block including stage 2). Otherwise torchvision's."""
    if dl4j_geometry:
        stem = [nn.ZeroPad2d(3), nn.Conv2d(3, 64, 7, 2), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2)]
        strides = [2, 2, 2, 2]
    else:
        stem = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2, 1)]
        strides = [1, 2, 2, 2]
    blocks, cin = [], 64
    for mid, n, stride in zip([64, 128, 256, 512], [3, 4, 6, 3], strides):
        for i in range(n):
            blocks.append(Bottleneck(cin, mid, stride if i == 0 else 1, stride_on_1x1=dl4j_geometry))
            cin = mid * 4
    return nn.Sequential(*stem, *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def gflop_per_image(model, x):
    try:
        from torch.utils.flop_counter import FlopCounterMode
        with FlopCounterMode(display=False) as fc:
            model(x[:1])
        return fc.get_total_flops() / 1e9
    except Exception:  # older torch
        return float("nan")


# ---------------------------------------------------------------------------------------------------------------
# timing

def featurize(name, model, batch, warmup, runs, channels_last, folded=False):
    model.eval()
    torch.manual_seed(7)
    x = torch.rand(batch, 3, 224, 224) * 255
    if folded:
        from torch.fx.experimental.optimization import fuse
        model = fuse(model)  # conv + batch norm -> one convolution (inference only)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    gf = gflop_per_image(model, x)

    def run():
        with torch.inference_mode():
            y = model(x)
        assert torch.isfinite(y).all()
        return batch

    suffix = ("-folded" if folded else "") + ("-channels-last" if channels_last else "")
    return result("featurize-" + name + suffix, "img/s", measure(run, warmup, runs),
                  "batch %d, 224x224x3, random weights, %.2f GFLOP/img%s%s" % (
                      batch, gf, ", batch norm folded" if folded else "", ", channels-last" if channels_last else ""))


def head(rows, warmup, runs, memmap_dir):
    torch.manual_seed(3)
    g = np.random.default_rng(11)
    x = g.standard_normal((rows, 4096), dtype=np.float32)
    y = g.integers(0, 10, rows)
    out = []
    for source in ["memory", "memmap"]:
        if source == "memmap":
            path = os.path.join(memmap_dir, "rows.f32")
            x.tofile(path)
            xs = np.memmap(path, dtype=np.float32, mode="r", shape=(rows, 4096))
        else:
            xs = torch.from_numpy(x)
        ys = torch.from_numpy(y)
        model = nn.Sequential(nn.Linear(4096, 256), nn.ReLU(), nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        perm_rng = np.random.default_rng(5)

        def epoch():
            order = perm_rng.permutation(rows)
            for i in range(0, rows, 64):
                idx = order[i:i + 64]
                xb = torch.from_numpy(np.ascontiguousarray(xs[np.sort(idx)])) if source == "memmap" else xs[idx]
                loss = F.cross_entropy(model(xb), ys[idx] if source == "memory" else ys[np.sort(idx)])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            return rows

        out.append(result("head-" + source, "examples/s", measure(epoch, warmup, runs),
                          "4096->256 ReLU->10, Adam, batch 64, %d rows, shuffled, %s" % (rows, source)))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workloads", nargs="*", default=["vgg16", "resnet50", "head"],
                   help="vgg16, resnet50, head (default: all)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--head-rows", type=int, default=10240)
    p.add_argument("--no-channels-last", action="store_true")
    p.add_argument("--json", help="write results as JSON lines")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    env = "date %s; %s; %s; torch %s, %d threads, %s" % (
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), platform.processor() or platform.machine(),
        "%d cores" % os.cpu_count(), torch.__version__, torch.get_num_threads(),
        torch.backends.mkldnn.is_available() and "oneDNN available" or "no oneDNN")
    report = Report(env)
    emit = report.emit
    layouts = [False] if a.no_channels_last else [False, True]
    for w in a.workloads:
        if w == "vgg16":
            for cl in layouts:
                emit(featurize("vgg16", vgg16_to_fc2(), a.batch, a.warmup, a.runs, cl))
        elif w == "resnet50":
            for cl in layouts:
                emit(featurize("resnet50", resnet50_pooled(True), a.batch, a.warmup, a.runs, cl))
                emit(featurize("resnet50-standard", resnet50_pooled(False), a.batch, a.warmup, a.runs, cl))
            emit(featurize("resnet50", resnet50_pooled(True), a.batch, a.warmup, a.runs, not a.no_channels_last,
                           folded=True))
        elif w == "head":
            with tempfile.TemporaryDirectory() as d:
                for r in head(a.head_rows, a.warmup, a.runs, d):
                    emit(r)
        else:
            p.error("unknown workload " + w)
    report.write(a.json)


if __name__ == "__main__":
    main()
