#!/usr/bin/env bash
# Issue 22's yardstick: `facenas bench` against PyTorch on the same cores, run back to back and
# alternating, ROUNDS times; prints every round, the medians, the ratio of medians and the per-round
# ratios, then the peak resident memory (/usr/bin/time -v) of IR-18 training at batch 32 alone on
# each side. PyTorch runs shared/bench/torch_reference.py (tiny-sep12-w64, IR-18 + Linear 1000 +
# softmax = facenas's ir18-train-softmax, IR-18 embedding) and scripts/torch_face_step.py (IR-18 +
# AdaFace over 10,572 identities = facenas's ir18-train), with TORCH_FLAGS (default
# --channels-last, PyTorch's fastest fp32 CPU setting).
# Usage: bench-vs-torch.sh FACENAS_BIN TORCH_PYTHON [ROUNDS=5]
# TORCH_PYTHON is a Python with torch installed (shared/bench/README.md shows how).
set -euo pipefail
BIN=${1:?facenas binary}; PY=${2:?python with torch}; ROUNDS=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
REF=$(cd "$HERE/../../shared/bench" 2>/dev/null && pwd || true)
REF=${TORCH_REFERENCE_DIR:-$REF}
[ -f "$REF/torch_reference.py" ] || { echo "bench-vs-torch: no torch_reference.py in '$REF' (set TORCH_REFERENCE_DIR)" >&2; exit 2; }
FLAGS=${TORCH_FLAGS---channels-last}
out=$(mktemp -d)
echo "CPU: $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -1); PyTorch $("$PY" -c 'import torch; print(torch.__version__, torch.backends.cpu.get_cpu_capability())') $FLAGS"
for r in $(seq 1 "$ROUNDS"); do
  "$BIN" bench --case tiny-sep12-w64 --case ir18-train-softmax --case ir18-embed --case ir18-train --json > "$out/f$r.json"
  # shellcheck disable=SC2086
  { "$PY" "$REF/torch_reference.py" --threads 2 $FLAGS; "$PY" "$HERE/torch_face_step.py" --reference-dir "$REF" --threads 2 $FLAGS; } > "$out/t$r.txt"
  echo "round $r: facenas $(python3 -c "import json,sys; print(' '.join('%s %.2f' % (c['case'], c['images_per_s']) for c in json.load(open(sys.argv[1]))))" "$out/f$r.json")" \
       "| torch $(sed -E 's/.*_img_s=([0-9.]+).*/\1/' "$out/t$r.txt" | tr '\n' ' ')"
done
python3 - "$out" "$ROUNDS" <<'PY'
import json, re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
cases = ("tiny-sep12-w64", "ir18-train-softmax", "ir18-embed", "ir18-train")
ours = {c: [] for c in cases}; theirs = {c: [] for c in cases}; meta = {}
for r in range(1, n + 1):
    for c in json.load(open(f"{d}/f{r}.json")):
        ours[c["case"]].append(c["images_per_s"]); meta = c
    vals = [float(v) for v in re.findall(r"_img_s=([0-9.]+)", open(f"{d}/t{r}.txt").read())]
    for c, v in zip(cases, vals): theirs[c].append(v)
print(f"OpenBLAS core: {meta.get('core')}; kernels: {meta.get('kernels', 'n/a')}")
print("| case | FaceNAS img/s (median) | PyTorch img/s (median) | ratio of medians | per-round ratios |")
print("|---|---|---|---|---|")
for c in cases:
    a, b = statistics.median(ours[c]), statistics.median(theirs[c])
    rr = " ".join(f"{x / y:.2f}" for x, y in zip(ours[c], theirs[c]))
    print(f"| {c} | {a:.1f} | {b:.1f} | {a / b:.2f} | {rr} |")
PY
cat > "$out/ir18.py" <<'PY'
import sys, torch, torch.nn as nn
sys.path.insert(0, sys.argv[1]); import torch_reference as r
r.FAST.update(channels_last="--channels-last" in sys.argv, bf16="--bf16" in sys.argv)
torch.set_num_threads(2); torch.manual_seed(0)
x = torch.randn(32, 3, 112, 112); y = torch.randint(0, 1000, (32,))
print(f"ir18 train_img_s={r.train_case(r.IResNet(), x, y, nn.Linear(512, 1000), 5):.2f}")
PY
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p'; }
# shellcheck disable=SC2086
f=$(peak "$BIN" bench --case ir18-train-softmax); t=$(peak "$PY" "$out/ir18.py" "$REF" $FLAGS)
echo "peak RSS, IR-18 training at batch 32 (Linear 1000 + softmax): facenas $((f / 1024)) MiB, PyTorch $((t / 1024)) MiB, ratio $(python3 -c "print(f'{$f / $t:.2f}')")"
rm -rf "$out"
