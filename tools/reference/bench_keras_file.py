"""Featurize throughput of a Keras model file in TensorFlow / Keras 3: the reference for `graft bench model:FILE.zip`
on the zip `graft import` made of the same file.

    /opt/kvenv/bin/python tools/reference/bench_keras_file.py MODEL.keras [--layer NAME] [--batch 16] \\
        [--threads 2] [--runs 5] [--warmup 1] [--json out.jsonl]

Random input of the model's input shape scaled to [0, 255) as Graft's workload draws it, batch 16, inference
(`model(x, training=False)` inside a tf.function, so Python overhead is not timed), TensorFlow's intra-op threads
set to --threads, inter-op 1. To a layer: a sub-model ending at that layer's output. Prints the same table and
writes the same JSON lines as bench_reference.py (bench_common.py), workload `keras:<file name>`.
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_common  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--layer")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--json")
    return p.parse_args()


a = parse()
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(a.threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras  # noqa: E402


def main():
    model = keras.saving.load_model(a.model, compile=False)
    if a.layer:
        model = keras.Model(model.inputs, model.get_layer(a.layer).output)
    shape = (a.batch,) + tuple(model.inputs[0].shape[1:])
    x = tf.constant(np.random.default_rng(7).uniform(0, 255, shape).astype(np.float32))
    run = tf.function(lambda t: model(t, training=False))
    if not np.isfinite(run(x).numpy()).all():
        sys.exit("features are not finite")

    def featurize():
        run(x).numpy()
        return a.batch

    env = "date %s; %s; %d cores; tensorflow %s, keras %s, %d intra-op threads" % (
        __import__("datetime").datetime.now().isoformat(timespec="seconds"),
        __import__("platform").processor() or __import__("platform").machine(), os.cpu_count(), tf.__version__,
        keras.__version__, a.threads)
    report = bench_common.Report(env)
    report.emit(bench_common.result("keras:" + os.path.basename(a.model), "ex/s",
                                    bench_common.measure(featurize, a.warmup, a.runs),
                                    "%s to %s, batch %d, input %s" % (model.name, a.layer or "output", a.batch,
                                                                       list(shape[1:]))))
    report.write(a.json)


if __name__ == "__main__":
    main()
