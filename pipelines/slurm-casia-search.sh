#!/bin/bash
# CASIA-WebFace face-backbone search (the article's small budget, as pipelines/casia-search-small.json)
# run data-parallel on N nodes under Slurm, then the found macro architecture trained the same way.
# Every candidate trains on all nodes at once: each rank reads its shard of every global batch from
# the shared RecordIO, gradients are summed with MPI, rank 0 alone writes the journal and checkpoints.
#
#   sbatch --nodes=4 pipelines/slurm-casia-search.sh            # CASIA=... RUN=... to override
#
# Resubmitting the same script continues where the job stopped: the search from its journal, the
# training from its checkpoint (--resume). Costs per candidate: pipelines/README.md, "Several machines".
#SBATCH --job-name=facenas-casia-search
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=2
#SBATCH --time=7-00:00:00
#SBATCH --requeue
#SBATCH --output=facenas-casia-search-%j.log
set -euo pipefail

CASIA=${CASIA:-data/faces_webface_112x112}     # train.rec, train.idx, property and the five .bin files
RUN=${RUN:-runs/casia-search-small}             # on a file system every node sees
FACENAS=${FACENAS:-facenas}
# One rank per node using the node's cores for its own loops (facenas defaults to 2 workers).
export FACENAS_THREADS=${SLURM_CPUS_PER_TASK:-2}

srun --mpi=pmix "$FACENAS" search --data "recordio:$CASIA" --space ir --input-size 112 \
    --width-step 8 --min-width 16 --max-width 32 --min-depth 4 --max-depth 28 \
    --subset-identities "${SUBSET_IDENTITIES:-2000}" --subset-images "${SUBSET_IMAGES:-60000}" \
    --epochs-start 2 --micro-epochs 1 --batch-size 128 --lr 0.1 --seed 1 --sync-bn --out "$RUN/search" "$@"

srun --mpi=pmix "$FACENAS" train --task face --data "recordio:$CASIA" --arch "$RUN/search/macro-arch.json" \
    --epochs 26 --batch-size 512 --val "$CASIA/lfw.bin" --resume --out "$RUN/train"

# Scoring and export need one process.
"$FACENAS" verify --model "$RUN/train/best.safetensors" --bin "$CASIA/lfw.bin" --bin "$CASIA/cfp_fp.bin" \
    --bin "$CASIA/agedb_30.bin" --bin "$CASIA/calfw.bin" --bin "$CASIA/cplfw.bin" --json "$RUN/verify.json"
"$FACENAS" export --model "$RUN/train/best.safetensors" --onnx "$RUN/train/model.onnx"
"$FACENAS" report "$RUN"
