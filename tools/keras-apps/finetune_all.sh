#!/usr/bin/env bash
# Imports every keras.applications file (NAME.keras, with NAME.npz) from DIR with `graft import --verify`, then runs
# `graft finetune` on it: cut at the model's pooled features, a new head on a small synthetic image folder, one
# unfreeze stage. Prints a markdown table (model, import, finetune, seconds). Needs a built ./graft.
#   tools/keras-apps/finetune_all.sh /tmp/keras-apps ./graft /tmp/keras-apps-ft > finetune.md
set -uo pipefail
dir=${1:?apps dir}; graft=${2:-./graft}; out=${3:-/tmp/keras-apps-ft}
mkdir -p "$out"
# two classes of flat-colour images with a square: enough to train a head, not a benchmark
python3 - "$out/img" <<'PY'
import os, random, struct, sys, zlib
root = sys.argv[1]
def png(path, w, h, rgb):
    raw = b"".join(b"\0" + b"".join(bytes(rgb(x, y)) for x in range(w)) for y in range(h))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)
for cls, col in (("red", (200, 30, 30)), ("blue", (30, 30, 200))):
    os.makedirs(os.path.join(root, cls), exist_ok=True)
    r = random.Random(cls)
    for i in range(6):
        x0, y0 = r.randrange(0, 16), r.randrange(0, 16)
        png(os.path.join(root, cls, f"{i}.png"), 48, 48,
            lambda x, y: col if x0 <= x < x0 + 24 and y0 <= y < y0 + 24 else (128, 128, 128))
PY
echo "| model | import --verify | finetune (cut, 1 unfreeze stage) | seconds |"
echo "|---|---|---|---|"
for k in "$dir"/*.keras; do
  name=$(basename "$k" .keras)
  [ -f "$dir/$name.npz" ] || continue
  start=$(date +%s)
  ref="$dir/$name.npz"; [ -f "$dir/$name.f64.npz" ] && ref="$dir/$name.f64.npz"   # float64_reference.py
  imp=$(timeout 600 "$graft" import "$k" --out "$out/$name.zip" --verify "$ref" 2>&1)
  irc=$?
  if [ $irc -ne 0 ]; then
    echo "| $name | FAIL ($irc): $(echo "$imp" | tail -1 | cut -c1-160) | - | $(( $(date +%s) - start )) |"; continue
  fi
  cut=$("$graft" inspect "$out/$name.zip" --json 2>/dev/null | python3 -c "
import json, sys
j = json.load(sys.stdin)
rows = j['layers']
last = rows[-1]['name']
pooled = [r['name'] for r in rows if r['cutPoint'] and 'GlobalPooling' in r['type'] and r['name'] != last]
cuts = [c for c in j['cutPoints'] if c != last]
print(pooled[-1] if pooled else cuts[-1] if cuts else j['cutPoints'][-1])")   # the pooled features
  ft=$(timeout 900 "$graft" finetune "$out/$name.zip" --cut "$cut" --data "images:$out/img" --out "$out/$name-tuned.zip" \
        --epochs 2 --batch 4 --val-fraction 0.25 --unfreeze 1:1@0.1 2>&1)
  frc=$?
  if [ $frc -eq 0 ]; then fres="OK at '$cut'"; else fres="FAIL ($frc) at '$cut': $(echo "$ft" | tail -1 | cut -c1-160)"; fi
  echo "| $name | OK | $fres | $(( $(date +%s) - start )) |"
done
