#!/usr/bin/env bash
# Issue 15's end-to-end check on a real torchvision architecture (not part of the Maven suite: a 45 MB model):
#   torchvision resnet18 (weights=None, random BN statistics) -> graft import --verify -> graft finetune on an image
#   folder with --unfreeze 3:1@0.1 (layer4.1 becomes DL4J layers) -> graft predict -> graft export -> ONNX Runtime
#   (Python) on the exported file gives graft predict's probabilities.
#
#   tools/onnx/end_to_end_resnet18.sh [WORK_DIR]      (needs /opt/kvenv with torch, torchvision, onnxruntime, pillow)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
graft="$here/../../graft"
py="${PYTHON:-/opt/kvenv/bin/python}"
work="${1:-/tmp/resnet18-e2e}"
mkdir -p "$work"
[ -f "$work/resnet18.onnx" ] || "$py" "$here/make_torchvision.py" "$work" resnet18
# two classes of 224x224 photos-to-be: noisy red-ish and blue-ish squares, plus 4 held-out probes
"$py" - "$work" <<'PY'
import sys, numpy as np
from PIL import Image
w = sys.argv[1]; rng = np.random.default_rng(7)
import os
for cls, ch in (("red", 0), ("blue", 2)):
    for split, n in (("img", 12), ("probe", 2)):
        d = os.path.join(w, split, cls); os.makedirs(d, exist_ok=True)
        for i in range(n):
            a = rng.integers(0, 120, (224, 224, 3)).astype(np.uint8); a[..., ch] = rng.integers(150, 256, (224, 224))
            Image.fromarray(a).save(os.path.join(d, f"{i}.png"))
PY
"$graft" import "$work/resnet18.onnx" --out "$work/resnet18.zip" --verify "$work/resnet18.npz" --scale 0.00392156862745098 \
    --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225
"$graft" finetune "$work/resnet18.zip" --cut /Flatten_output_0 --data "images:$work/img" --out "$work/tuned.zip" \
    --unfreeze 3:1@0.1 --lr 0.001 --epochs 6 --batch 8 --cache "$work/cache"
"$graft" predict "$work/tuned.zip" "$work"/probe/*/*.png --output "$work/preds.csv"
"$graft" export "$work/tuned.zip" --out "$work/tuned.onnx"
"$py" - "$work" <<'PY'
import sys, csv, glob, numpy as np, onnxruntime as ort
from PIL import Image
w = sys.argv[1]
s = ort.InferenceSession(f"{w}/tuned.onnx", providers=["CPUExecutionProvider"])
rows = list(csv.DictReader(open(f"{w}/preds.csv")))
worst = 0.0
for r in rows:
    x = np.asarray(Image.open(r["input"]).convert("RGB"), dtype=np.float32).transpose(2, 0, 1)[None]
    p = s.run(None, {"raw_input": x})[0][0]
    cols = sorted(k for k in r if k.startswith("p_"))
    graft = np.array([float(r[c]) for c in cols])
    worst = max(worst, float(np.abs(p - graft).max()))
    print(r["input"].split("/")[-2:], "graft", r["predicted"], "onnxruntime", cols[int(p.argmax())][2:])
print(f"max |onnxruntime - graft predict| over {len(rows)} images: {worst:.2e}")
assert worst < 1e-4, "the exported file does not reproduce graft predict"
PY
