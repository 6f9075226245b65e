#!/usr/bin/env bash
# A real, CPU-sized search on Fashion-MNIST for two seeds, then the check of issue 3: the searched
# macro architecture, trained on the full training set for the start architecture's epochs, must
# reach the start architecture's test accuracy minus 0.3 points. Usage: search-smoke.sh BIN DATA OUT
set -euo pipefail
BIN=${1:?facenas binary}; DATA=${2:?fashion-mnist folder}; OUT=${3:?output folder}
EPOCHS=2
SEARCH_FLAGS=(--data "fashion-mnist:$DATA" --subset 6000 --max-width 32 --min-width 24 --min-depth 6 --max-depth 10
              --epochs-start $EPOCHS --narrower-epochs 1 --micro-epochs 1 --heldout-fraction 0.05)
mkdir -p "$OUT"
summary="$OUT/summary.md"
echo "| seed | search | search s | start acc | macro acc | macro − start (points) | verdict |" > "$summary"
echo "|---|---|---|---|---|---|---|" >> "$summary"
status=0
for seed in 1 2; do
  dir="$OUT/seed$seed"
  t0=$(date +%s)
  "$BIN" search "${SEARCH_FLAGS[@]}" --seed $seed --out "$dir/search" | tee "$dir.search.log" | grep -E '^(final|stopped|\[)' 
  t1=$(date +%s)
  final=$(grep '^final:' "$dir.search.log")
  "$BIN" train --data "fashion-mnist:$DATA" --depth 6 --width 32 --epochs $EPOCHS --seed $seed --out "$dir/start" > "$dir.start.log"
  "$BIN" train --data "fashion-mnist:$DATA" --arch "$dir/search/macro-arch.json" --epochs $EPOCHS --seed $seed --out "$dir/macro" > "$dir.macro.log"
  start=$(grep '^test_accuracy:' "$dir.start.log" | awk '{print $2}')
  macro=$(grep '^test_accuracy:' "$dir.macro.log" | awk '{print $2}')
  verdict=$(python3 -c "print('pass' if 100*$macro >= 100*$start - 0.3 else 'FAIL')")
  diff=$(python3 -c "print(f'{100*($macro-$start):+.2f}')")
  [ "$verdict" = pass ] || status=1
  echo "| $seed | \`${final}\` | $((t1 - t0)) | $(python3 -c "print(f'{100*$start:.2f}')") | $(python3 -c "print(f'{100*$macro:.2f}')") | $diff | $verdict |" >> "$summary"
done
cat "$summary"
exit $status
