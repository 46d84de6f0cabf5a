#!/usr/bin/env python3
"""TensorFlow / Keras 3 reference for `graft bench`'s featurize workloads (issue 7 asks for the best of PyTorch and
TF), on the same machine, so ratios come from one run. Same ids and JSON format as bench_reference.py.

Workloads:
  featurize-vgg16      VGG16 to fc2 (+ReLU), batch 16, 224x224x3, random weights, inference
  featurize-resnet50   ResNet50 with DL4J's zoo geometry (zero-pad 3, 7x7/2 conv, 3x3/2 max pool without padding,
                       stride 2 on the 1x1 conv of every stage's first block), to the pooled 2048-d vector
Keras on TensorFlow's CPU backend is channels-last (NHWC) already. Each model runs as a compiled tf.function
(`jit_compile=False`, TF's default graph mode with oneDNN) and, with --xla, also with XLA (suffix -xla).
Batch norm stays as Keras builds it (TF's grappler folds inference batch norms into convolutions itself).

Usage (Python and TensorFlow are used only by this tool; Graft does not depend on them):
  python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install --retries 0 tensorflow-cpu numpy
  /tmp/tfenv/bin/python tools/reference/bench_reference_tf.py --threads 2 --runs 5 --json /tmp/tf.jsonl
  python3 tools/reference/bench_compare.py /tmp/graft.jsonl /tmp/tf.jsonl
"""
import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

from bench_common import Report, measure, result  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workloads", nargs="*", default=["vgg16", "resnet50"], help="vgg16, resnet50 (default: both)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--xla", action="store_true", help="also run each model XLA-compiled")
    p.add_argument("--json", help="write results as JSON lines")
    return p


a = parse().parse_args()
import tensorflow as tf  # noqa: E402  (after the environment settings above)

tf.config.threading.set_intra_op_parallelism_threads(a.threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras  # noqa: E402
from keras import layers  # noqa: E402


def vgg16_to_fc2():
    x = inp = keras.Input((224, 224, 3))
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        x = layers.MaxPooling2D(2, 2)(x) if v == "M" else layers.Conv2D(v, 3, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dense(4096, activation="relu")(x)
    return keras.Model(inp, x)


def bottleneck(x, cin, mid, stride):
    y = layers.Conv2D(mid, 1, stride, use_bias=False)(x)  # DL4J geometry: the stride on the 1x1 convolution
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.Conv2D(mid, 3, 1, padding="same", use_bias=False)(y)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(mid * 4, 1, use_bias=False)(y))
    if stride != 1 or cin != mid * 4:
        x = layers.BatchNormalization()(layers.Conv2D(mid * 4, 1, stride, use_bias=False)(x))
    return layers.ReLU()(layers.Add()([y, x]))


def resnet50_pooled():
    x = inp = keras.Input((224, 224, 3))
    x = layers.ZeroPadding2D(3)(x)
    x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(64, 7, 2)(x)))
    x = layers.MaxPooling2D(3, 2)(x)
    cin = 64
    for mid, n in zip([64, 128, 256, 512], [3, 4, 6, 3]):
        for i in range(n):
            x = bottleneck(x, cin, mid, 2 if i == 0 else 1)
            cin = mid * 4
    return keras.Model(inp, layers.GlobalAveragePooling2D()(x))


def featurize(name, model, batch, warmup, runs, xla):
    x = tf.constant(np.random.default_rng(7).random((batch, 224, 224, 3), dtype=np.float32) * 255)
    call = tf.function(lambda t: model(t, training=False), jit_compile=xla)

    def run():
        y = call(x).numpy()
        assert np.isfinite(y).all()
        return batch

    return result("featurize-" + name + ("-xla" if xla else ""), "img/s", measure(run, warmup, runs),
                  "batch %d, 224x224x3, random weights, Keras %s on TF %s, channels-last%s" % (
                      batch, keras.__version__, tf.__version__, ", XLA" if xla else ""))


def main():
    env = "date %s; %s; %d cores; tensorflow %s, keras %s, %d intra-op threads" % (
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), platform.processor() or platform.machine(),
        os.cpu_count(), tf.__version__, keras.__version__, a.threads)
    report = Report(env)
    builders = {"vgg16": vgg16_to_fc2, "resnet50": resnet50_pooled}
    for w in a.workloads:
        if w not in builders:
            parse().error("unknown workload " + w)
        keras.utils.set_random_seed(3)
        model = builders[w]()
        for xla in ([False, True] if a.xla else [False]):
            report.emit(featurize(w, model, a.batch, a.warmup, a.runs, xla))
    report.write(a.json)


if __name__ == "__main__":
    main()
