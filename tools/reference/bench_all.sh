#!/usr/bin/env bash
# One run of the whole comparison behind BENCHMARKS.md ("Performance suite"), on an otherwise idle machine:
#   1. graft bench with Graft's defaults (as the ./graft launcher runs it),
#   2. graft bench with DL4J's defaults (ND4J's plain native build, layer helpers off, channels-first featurizing,
#      OMP_NUM_THREADS=cores with spinning OpenMP threads, every network trained on all threads with DL4J's fit and
#      libnd4j's Adam),
#   3. the PyTorch reference (tools/reference/bench_reference.py, from the local wheel index),
#   4. with TF_PYTHON set (a Python with tensorflow-cpu), the TensorFlow / Keras 3 featurize reference,
# then prints each Graft run's medians as ratios to the fastest reference variant.
#
#   tools/reference/bench_all.sh [OUT_DIR] [graft bench args, e.g. --runs 5 vgg16 resnet50 head cache]
# Needs: the CLI built (./graft --help builds it), Maven (to fetch ND4J's plain native jar once), and for step 3 a
# Python with torch + numpy: PYTHON=/tmp/refvenv/bin/python, optionally TF_PYTHON=/tmp/tfenv/bin/python (see
# tools/reference/README.md). ~15 min on 2 cores (~18 with TensorFlow).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-/tmp/graft-bench}"
shift || true
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--runs 5)
mkdir -p "$out"
cores="$(nproc)"

# a private copy of the CLI, so a rebuild cannot replace the jar under a running benchmark
rm -rf "$out/cli" && mkdir -p "$out/cli"
cp -r "$root/examples/target/graft-cli.jar" "$root/examples/target/lib" "$out/cli/"

# the same CLI with ND4J's plain native build instead of Graft's oneDNN build
rm -rf "$out/cli-plain" && cp -r "$out/cli" "$out/cli-plain"
rm "$out/cli-plain/lib/"nd4j-native-*-linux-x86_64-*.jar
(cd "$root" && mvn -q dependency:copy -Dartifact=org.nd4j:nd4j-native:1.0.0-M2.1:jar:linux-x86_64 \
    -DoutputDirectory="$out/cli-plain/lib")
# the jar's manifest class path names the oneDNN jar; run from the lib folder's contents instead
run_plain() { java -Xmx8g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$out/cli-plain/lib/*:$out/cli-plain/graft-cli.jar" "$@"; }

echo "== Graft defaults"
OMP_NUM_THREADS="$cores" OMP_WAIT_POLICY=PASSIVE java -Xmx8g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -jar "$out/cli/graft-cli.jar" bench --json "$out/graft.jsonl" "${args[@]}"

echo "== DL4J defaults"
OMP_NUM_THREADS="$cores" GRAFT_HELPERS=off GRAFT_TRAIN_THREADS="$cores" GRAFT_JAVA_ADAM=off GRAFT_DENSE_HEAD_TRAINER=off \
    run_plain -Dgraft.channelsLast=off dev.graft.cli.GraftCli bench --json "$out/dl4j-defaults.jsonl" "${args[@]}"

echo "== PyTorch"
"${PYTHON:-python3}" "$root/tools/reference/bench_reference.py" --threads "$cores" --runs 5 --json "$out/torch.jsonl"
refs="$out/torch.jsonl"

if [ -n "${TF_PYTHON:-}" ]; then
  echo "== TensorFlow / Keras 3"
  "$TF_PYTHON" "$root/tools/reference/bench_reference_tf.py" --threads "$cores" --runs 5 --xla --json "$out/tf.jsonl"
  refs="$refs,$out/tf.jsonl"
fi

python3 "$root/tools/reference/bench_compare.py" "$out/graft.jsonl" "$refs" "$out/dl4j-defaults.jsonl"
