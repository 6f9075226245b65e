#!/bin/bash
# Throughput of the training cases as 1 process x 2 threads against 2 MPI ranks x 1 thread (each
# rank half of every batch, gradients summed), run alternately ROUNDS times; prints every round and
# the medians. Usage: scripts/bench-mpi.sh BIN [ROUNDS] [CASES...]
set -euo pipefail
bin=$1; rounds=${2:-3}; shift $(( $# >= 2 ? 2 : 1 ))
cases=("$@"); [ ${#cases[@]} -eq 0 ] && cases=(tiny-sep12-w64 ir18-train)
args=(); for c in "${cases[@]}"; do args+=(--case "$c"); done
root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$rounds"); do
  "$bin" bench "${args[@]}" --json > "$tmp/one.$r.json"
  mpirun "${root[@]}" --oversubscribe -np 2 "$bin" bench "${args[@]}" --json > "$tmp/two.$r.json"
done
python3 - "$tmp" "$rounds" "${cases[@]}" <<'PY'
import json, statistics, sys
tmp, rounds, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def load(kind, r): return {x["case"]: x["images_per_s"] for x in json.load(open(f"{tmp}/{kind}.{r}.json"))}
one = [load("one", r) for r in range(1, rounds + 1)]; two = [load("two", r) for r in range(1, rounds + 1)]
print("%-16s %-26s %-26s %s" % ("case", "1 process x 2 threads", "2 ranks x 1 thread", "ratio of medians"))
for c in cases:
    a = [o[c] for o in one]; b = [t[c] for t in two]
    print("%-16s %-26s %-26s %.2f" % (c, " ".join("%.1f" % v for v in a) + "  (%.1f)" % statistics.median(a),
                                      " ".join("%.1f" % v for v in b) + "  (%.1f)" % statistics.median(b),
                                      statistics.median(b) / statistics.median(a)))
PY
