#!/usr/bin/env bash
# Imports every NAME.onnx of a folder with Graft, checks it against PyTorch's outputs (NAME.npz), and lists its cut
# points; prints one markdown row per model.
#
#   tools/onnx/verify_torchvision.sh DIR [GRAFT_COMMAND] [OUT_DIR]
#
# DIR comes from tools/onnx/make_torchvision.py. GRAFT_COMMAND defaults to this checkout's ./graft launcher.
# Each model runs:  GRAFT import DIR/NAME.onnx --out OUT_DIR/NAME.zip --verify DIR/NAME.npz
#            then:  GRAFT inspect OUT_DIR/NAME.zip      (logs in OUT_DIR/logs/NAME.log)
# Columns: model, outcome (OK / FAILED / error line), max abs diff, cut points listed (logits-input, pooled, block),
# seconds of the import.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$(cd "${1:?usage: verify_torchvision.sh DIR [GRAFT_COMMAND] [OUT_DIR]}" && pwd)"
graft="${2:-$here/../../graft}"
out="${3:-/tmp/onnx-verify}"
mkdir -p "$out/logs"
echo "| model | outcome | max abs diff | cut points (logits-input / pooled / block) | import s |"
echo "|---|---|---|---|---|"
for f in "$dir"/*.onnx; do
  name="$(basename "$f" .onnx)"
  log="$out/logs/$name.log"
  t0=$(date +%s.%N)
  $graft import "$f" --out "$out/$name.zip" --verify "$dir/$name.npz" >"$log" 2>&1
  rc=$?
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  diff=$(grep -o 'verify: max abs diff [^ ]*' "$log" | head -1 | awk '{print $5}')
  if [ $rc -eq 0 ] && grep -q 'verify saved file: .*: OK' "$log"; then
    outcome=OK
    $graft inspect "$out/$name.zip" >>"$log" 2>&1
    cuts="$(grep -c ' logits-input ' "$log") / $(grep -c ' pooled ' "$log") / $(grep -c ' block ' "$log")"
  else
    outcome="$(grep -m1 -E 'FAILED|error|Exception' "$log" | cut -c1-120)"
    [ -z "$outcome" ] && outcome="exit $rc"
    cuts="-"
  fi
  printf '| %s | %s | %s | %s | %.1f |\n' "$name" "$outcome" "${diff:--}" "$cuts" "$secs"
done
