#!/usr/bin/env bash
# Generates every import fuzz case and runs `graft import FILE --out X.zip --verify CASE.npz` on each, one JVM per set
# (tools/import-fuzz/FuzzRunner.java). Results: OUT/results-SET.tsv; summarize with summarize.py.
#   tools/import-fuzz/run_cases.sh [OUT]        (default /tmp/import-fuzz; ~10 min on 2 busy cores)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
out="${1:-/tmp/import-fuzz}"
py=/opt/kvenv/bin/python
"$root/graft" --help >/dev/null     # builds the CLI jar when it is stale
$py "$here/make_keras_cases.py" "$out/keras" >/dev/null
$py "$here/make_keras2_cases.py" "$out/keras2" >/dev/null
$py "$here/make_onnx_cases.py" "$out/onnx" >/dev/null
mkdir -p "$out/src" && cp "$out"/keras/* "$out"/keras2/* "$out/src/"
$py "$here/make_malformed.py" "$out/src" "$out/bad" >/dev/null
for set in keras keras2 bad onnx; do
  OMP_NUM_THREADS=2 java -cp "$root/examples/target/graft-cli.jar" "$here/FuzzRunner.java" "$out/$set" \
      "$out/imported-$set" 60 2>/dev/null > "$out/results-$set.tsv"
  echo "$set: $(wc -l < "$out/results-$set.tsv") files, results in $out/results-$set.tsv"
done
