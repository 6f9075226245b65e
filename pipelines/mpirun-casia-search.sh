#!/bin/bash
# The CASIA-WebFace search of slurm-casia-search.sh started with Open MPI's mpirun instead of Slurm:
# one rank per host of HOSTS (an Open MPI hostfile, e.g. "node1 slots=1" per line; the data and RUN
# on a file system all hosts see), or NP ranks on this machine when HOSTS is unset.
#
#   HOSTS=hosts.txt NP=4 pipelines/mpirun-casia-search.sh
#   NP=2 pipelines/mpirun-casia-search.sh          # 2 ranks on one 2-core machine, 1 thread each
#   NP=2 CASIA=runs/synth SUBSET_IDENTITIES=50 SUBSET_IMAGES=800 pipelines/mpirun-casia-search.sh --max-candidates 2
# Extra arguments go to `facenas search`.
set -euo pipefail

CASIA=${CASIA:-data/faces_webface_112x112}
RUN=${RUN:-runs/casia-search-small}
FACENAS=${FACENAS:-facenas}
NP=${NP:-2}
where=(--oversubscribe)
[ -n "${HOSTS:-}" ] && where=(--hostfile "$HOSTS" --map-by node -x FACENAS_THREADS)
[ "$(id -u)" = 0 ] && where+=(--allow-run-as-root)

mpirun -np "$NP" "${where[@]}" "$FACENAS" search --data "recordio:$CASIA" --space ir --input-size 112 \
    --width-step 8 --min-width 16 --max-width 32 --min-depth 4 --max-depth 28 \
    --subset-identities "${SUBSET_IDENTITIES:-2000}" --subset-images "${SUBSET_IMAGES:-60000}" \
    --epochs-start 2 --micro-epochs 1 --batch-size 128 --lr 0.1 --seed 1 --sync-bn --out "$RUN/search" "$@"
