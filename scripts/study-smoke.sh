#!/usr/bin/env bash
# A real ranking study on Fashion-MNIST (issue 21), sized down to about 20 minutes on 2 shared cores: 20 networks
# of the plain space, width 8-16, depth 4-10, a 4-epoch reference on a seeded 2,000-image subset, ranked on
# 4% of the training set (2,400 images) held out, against epochs:1, params and dynamic:1:0.15. Rerunning resumes from the
# journal. Usage: study-smoke.sh BIN DATA OUT
set -euo pipefail
BIN=${1:?facenas binary}; DATA=${2:?fashion-mnist folder}; OUT=${3:?output folder}
mkdir -p "$OUT"
"$BIN" study --data "fashion-mnist:$DATA" --space plain --networks 20 --reference-epochs 4 \
  --budgets epochs:1,params,dynamic:1:0.15 --subset 2000 --heldout-fraction 0.04 \
  --min-depth 4 --max-depth 10 --min-width 8 --max-width 16 --width-step 4 --seed 1 --out "$OUT"
