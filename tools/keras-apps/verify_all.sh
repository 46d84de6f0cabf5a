#!/usr/bin/env bash
# Imports every Keras file in a folder with Graft and checks it against Keras' own output.
#
#   tools/keras-apps/verify_all.sh DIR [GRAFT_COMMAND] [OUT_DIR]
#
# DIR holds NAME.keras and/or NAME.h5 with NAME.npz beside them (make_applications.py, make_layer_fixtures.py).
# GRAFT_COMMAND defaults to the launcher of this checkout (./graft); OUT_DIR (default /tmp/keras-apps-out/<dir name>)
# receives the imported models (NAME.FORMAT.zip) and one log per file (logs/NAME.FORMAT.log).
# Each file runs as:  timeout $TIMEOUT GRAFT import FILE --out OUT_DIR/NAME.FORMAT.zip --verify NAME.npz
# (TIMEOUT defaults to 120 s; TOLERANCE, when set, is passed as --tolerance). Only files whose name matches
# ONLY (a grep -E pattern, optional) are run.
#
# Prints a markdown table, one row per file: model, format, outcome, max abs diff, seconds. Outcomes:
#   OK                 imported, and --verify passed (diff within the tolerance, default 1e-4)
#   wrong              imported, but the outputs differ from Keras' by more than the tolerance
#   wrong: ...         imported, but the outputs could not be compared (another shape than Keras' output)
#   refused: ...       Graft refused the file with an error (first "cannot import" line, else the error line)
#   hang               still running after TIMEOUT seconds (killed)
#   crash (exit N)     the JVM died or an exception escaped (exit code; "hs_err" when the JVM wrote a crash log)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: verify_all.sh DIR [GRAFT_COMMAND] [OUT_DIR]}"
dir="$(cd "$dir" && pwd)"
graft="${2:-$here/../../graft}"
# each import runs in its own scratch directory, so a relative command path is made absolute first
case "$graft" in /*) ;; */*) graft="$(cd "$(dirname "$graft")" && pwd)/$(basename "$graft")" ;; esac
command -v "$graft" >/dev/null || { echo "verify_all.sh: cannot run $graft" >&2; exit 2; }
out="${3:-/tmp/keras-apps-out/$(basename "$dir")}"
timeout_s="${TIMEOUT:-120}"
mkdir -p "$out/logs"

cell() { tr '|' '/' | tr -d '\r' | cut -c1-"${2:-200}"; }

echo "| model | format | outcome | max abs diff | seconds |"
echo "|---|---|---|---|---|"
for file in $(ls "$dir" | grep -E '\.(keras|h5)$' | sort); do
  [ -n "${ONLY:-}" ] && ! echo "$file" | grep -qE "$ONLY" && continue
  name="${file%.*}"
  fmt="${file##*.}"
  npz="$dir/$name.npz"
  log="$out/logs/$name.$fmt.log"
  work="$(mktemp -d)"     # the JVM's working directory: an hs_err_pid*.log lands here
  args=(import "$dir/$file" --out "$out/$name.$fmt.zip")
  [ -f "$npz" ] && args+=(--verify "$npz")
  [ -n "${TOLERANCE:-}" ] && args+=(--tolerance "$TOLERANCE")
  start=$(date +%s.%N)
  (cd "$work" && timeout --kill-after=10 "$timeout_s" "$graft" "${args[@]}") >"$log" 2>&1
  rc=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  secs=$(printf '%.1f' "$secs")
  hs_err=""
  if ls "$work"/hs_err_pid*.log >/dev/null 2>&1; then
    hs_err=", hs_err"
    cp "$work"/hs_err_pid*.log "$out/logs/$name.$fmt.hs_err.log"
  fi
  rm -rf "$work"
  diff=$(grep -oE 'verify: max abs diff [^ ]+' "$log" | tail -1 | awk '{print $5}')
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    outcome="hang (killed after ${timeout_s} s)"
  elif [ -n "$hs_err" ] || [ "$rc" -gt 128 ]; then
    outcome="crash (exit $rc$hs_err)"
  elif [ "$rc" -eq 0 ]; then
    if grep -q 'verify: .*: OK' "$log"; then outcome="OK"; else outcome="OK (not verified)"; fi
  elif [ -n "$diff" ] && grep -q 'verify: .*FAILED' "$log"; then
    outcome="wrong"
  elif grep -q '^imported:' "$log" && grep -q 'graft import: error' "$log"; then
    # built, but the check could not compare (e.g. the output has another shape than Keras')
    outcome="wrong: $(grep -m1 'graft import: error' "$log" | sed -E 's/^graft import: error: //' | cell x 200)"
  elif grep -qE '^Exception in thread|^\s+at [a-z]' "$log" && ! grep -q 'graft import: error' "$log"; then
    outcome="crash (exit $rc): $(grep -m1 -E 'Exception|Error' "$log" | cell x 160)"
  else
    first=$(grep -m1 -E '^\s+cannot import' "$log" | sed -E 's/^\s+//')
    [ -z "$first" ] && first=$(grep -m1 -E 'error' "$log" | sed -E 's/^graft import: error: //')
    [ -z "$first" ] && first=$(grep -v '^\s*$' "$log" | tail -1)
    outcome="refused: $(echo "$first" | sed "s#$dir/##g" | cell x 220)"
  fi
  echo "| $name | $fmt | $outcome | ${diff:--} | $secs |"
done
