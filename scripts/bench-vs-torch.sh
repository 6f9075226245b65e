#!/usr/bin/env bash
# Issue 7's yardstick: `facenas bench` and shared/bench/torch_reference.py run back to back,
# alternating, ROUNDS times on the same cores; prints every round, the medians and the ratios,
# then peak memory (/usr/bin/time -v) of ir18-train-softmax alone on each side. The reference's IR-18
# training case (Linear 512→1000 + softmax) is facenas's `ir18-train-softmax`; facenas's `ir18-train`
# is the face step (AdaFace head over 10,572 classes), which the reference does not have.
# Usage: bench-vs-torch.sh FACENAS_BIN TORCH_PYTHON [ROUNDS=5]
# TORCH_PYTHON is a Python with torch installed (shared/bench/README.md shows how).
set -euo pipefail
BIN=${1:?facenas binary}; PY=${2:?python with torch}; ROUNDS=${3:-5}
REF=$(cd "$(dirname "$0")/../../shared/bench" 2>/dev/null && pwd || true)
REF=${TORCH_REFERENCE_DIR:-$REF}
[ -f "$REF/torch_reference.py" ] || { echo "bench-vs-torch: no torch_reference.py in '$REF' (set TORCH_REFERENCE_DIR)" >&2; exit 2; }
# No OPENBLAS_CORETYPE default: SKYLAKEX is wrong on an AVX2-only CPU, and facenas's CoreTypeGuard
# already picks the core for the CPU it runs on. A value set by the caller still passes through.
out=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  "$BIN" bench --case tiny-sep12-w64 --case ir18-train-softmax --case ir18-embed --json > "$out/f$r.json"
  "$PY" "$REF/torch_reference.py" --threads 2 > "$out/t$r.txt"
  echo "round $r: facenas $(python3 -c "import json,sys; print(' '.join('%s %.2f' % (c['case'], c['images_per_s']) for c in json.load(open(sys.argv[1]))))" "$out/f$r.json")" \
       "| torch $(sed -E 's/.*(train|embed)_img_s=([0-9.]+).*/\2/' "$out/t$r.txt" | tr '\n' ' ')"
done
python3 - "$out" "$ROUNDS" <<'PY'
import json, re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
ours = {c: [] for c in ("tiny-sep12-w64", "ir18-train-softmax", "ir18-embed")}; theirs = {c: [] for c in ours}
for r in range(1, n + 1):
    for c in json.load(open(f"{d}/f{r}.json")): ours[c["case"]].append(c["images_per_s"])
    vals = [float(v) for v in re.findall(r"_img_s=([0-9.]+)", open(f"{d}/t{r}.txt").read())]
    for c, v in zip(ours, vals): theirs[c].append(v)
print("| case | FaceNAS img/s (median) | PyTorch img/s (median) | ratio of medians | per-round ratios |")
print("|---|---|---|---|---|")
for c in ours:
    a, b = statistics.median(ours[c]), statistics.median(theirs[c])
    rr = " ".join(f"{x / y:.2f}" for x, y in zip(ours[c], theirs[c]))
    print(f"| {c} | {a:.1f} | {b:.1f} | {a / b:.2f} | {rr} |")
PY
cat > "$out/ir18.py" <<'PY'
import sys, torch, torch.nn as nn
sys.path.insert(0, sys.argv[1]); import torch_reference as r
torch.set_num_threads(2); torch.manual_seed(0)
x = torch.randn(32, 3, 112, 112); y = torch.randint(0, 1000, (32,))
print(f"ir18 train_img_s={r.train_case(r.IResNet(), x, y, nn.Linear(512, 1000), 5):.2f}")
PY
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p'; }
f=$(peak "$BIN" bench --case ir18-train-softmax); t=$(peak "$PY" "$out/ir18.py" "$REF")
echo "peak RSS, ir18-train-softmax at batch 32: facenas $((f / 1024)) MiB, PyTorch $((t / 1024)) MiB"
rm -rf "$out"
