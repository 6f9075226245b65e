#!/usr/bin/env bash
# Shows that two facenas binaries compute the same things: Fashion-MNIST and face training for
# two steps give the same checkpoint tensors, the authors' recorded searches replay to the same
# journals, verify/identify give the same JSON on one model, and export gives the same ONNX bytes.
# Usage: scripts/compare-engines.sh OLD_BIN NEW_BIN [WORK_DIR]   (needs .venv with numpy, safetensors)
set -euo pipefail
old=$1 new=$2 work=${3:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
py=${FACENAS_PYTHON:-$here/.venv/bin/python}
fm=${FACENAS_FMNIST:-/usr/share/datasets/fashion-mnist}
fixtures=$here/Tests/SearchTests/Fixtures
mkdir -p "$work"
same_tensors() {   # every tensor of two safetensors files, bit for bit
  "$py" - "$1" "$2" <<'PY'
import sys
from safetensors.numpy import load_file
a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
assert sorted(a) == sorted(b), f"names differ: {sorted(set(a) ^ set(b))}"
bad = [k for k in a if a[k].shape != b[k].shape or a[k].tobytes() != b[k].tobytes()]
print(f"  {len(a)} tensors, {sum(v.size for v in a.values())} values: " + ("identical" if not bad else f"DIFFER in {bad[:5]}"))
sys.exit(1 if bad else 0)
PY
}
status=0
run() { "$@" > /dev/null 2>&1 || { echo "failed: $*"; exit 1; }; }
for v in old new; do
  bin=${!v}
  echo "== $v: $bin"
  run "$bin" train --data "fashion-mnist:$fm" --depth 6 --width 8 --std-layers 1 --k5-layers 3 --epochs 1 --limit-train 128 \
      --batch-size 64 --seed 5 --out "$work/$v/fm"
  [ -d "$work/synth" ] || run "$bin" synth --out "$work/synth" --size 32 --seed 6 --identities 20 --images-per-identity 8
  run "$bin" train --task face --data "synth:$work/synth" --space ir --width 8 --stages 1,1,1,1 --std-layers 0,1,2,3 --k5-layers 2,5 \
      --embedding-size 32 --epochs 1 --batch-size 32 --limit-train 64 --seed 5 --val-pairs 50 --out "$work/$v/face"
  for f in fashionmnist-tiny cifar10-tiny; do
    ch=1; [ $f = cifar10-tiny ] && ch=3
    run "$bin" search --space plain --in-channels $ch --classes 10 --max-width 64 --scores "$fixtures/$f.jsonl" --out "$work/$v/replay-$f"
  done
done
echo "== Fashion-MNIST, 2 steps, seed 5: checkpoint.safetensors"; same_tensors "$work/old/fm/checkpoint.safetensors" "$work/new/fm/checkpoint.safetensors" || status=1
echo "== face (IR + AdaFace), 2 steps, seed 5: checkpoint.safetensors"; same_tensors "$work/old/face/checkpoint.safetensors" "$work/new/face/checkpoint.safetensors" || status=1
echo "== face: best.safetensors"; same_tensors "$work/old/face/best.safetensors" "$work/new/face/best.safetensors" || status=1
for f in fashionmnist-tiny cifar10-tiny; do
  echo "== replay of the authors' $f search: search.jsonl"
  if cmp -s "$work/old/replay-$f/search.jsonl" "$work/new/replay-$f/search.jsonl"; then echo "  identical ($(wc -l < "$work/new/replay-$f/search.jsonl") lines)"; else echo "  DIFFER"; status=1; fi
done
model=$work/old/face/best.safetensors
for v in old new; do
  bin=${!v}
  run "$bin" verify --model "$model" --bin "$work/synth/verification/synth.bin" --json "$work/$v/verify.json"
  run "$bin" identify --model "$model" --tinyface "$work/synth/tinyface" --json "$work/$v/identify.json"
  run "$bin" export --model "$model" --onnx "$work/$v/model.onnx"
done
for f in verify.json identify.json model.onnx; do
  echo "== $f on one model"
  if cmp -s "$work/old/$f" "$work/new/$f"; then echo "  identical ($(wc -c < "$work/new/$f") bytes)"; else echo "  DIFFER"; status=1; fi
done
exit $status
