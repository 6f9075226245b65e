#!/usr/bin/env bash
# A real ranking study on Fashion-MNIST, sized to about an hour on 2 cores (issue 21): 20 networks
# of the plain space, a 5-epoch reference on a seeded 3,000-image subset, ranked on 5% of the
# training set held out, against epochs:1, params and dynamic:1:0.2. Rerunning resumes from the
# journal. Usage: study-smoke.sh BIN DATA OUT
set -euo pipefail
BIN=${1:?facenas binary}; DATA=${2:?fashion-mnist folder}; OUT=${3:?output folder}
mkdir -p "$OUT"
"$BIN" study --data "fashion-mnist:$DATA" --space plain --networks 20 --reference-epochs 5 \
  --budgets epochs:1,params,dynamic:1:0.2 --subset 3000 --heldout-fraction 0.05 \
  --min-depth 4 --max-depth 10 --min-width 8 --max-width 24 --width-step 4 --seed 1 --out "$OUT"
