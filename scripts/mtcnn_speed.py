"""facenet-pytorch's MTCNN throughput, the reference for `facenas detect` (issue 20, acceptance 4).

Usage: /usr/bin/python3 scripts/mtcnn_speed.py FACENET_DIR IMAGE REPEATS [THREADS]

FACENET_DIR is the unpacked facenet-pytorch 2.6.0 wheel (.cache/mtcnn after `make mtcnn-weights`).
The image is decoded once; the timing covers MTCNN.detect with landmarks, REPEATS times, after one
warm-up call. Prints "images/s N faces F".
"""
import os
import sys
import time
import types

import torch
from PIL import Image

root, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
package = types.ModuleType("facenet_pytorch")
package.__path__ = [os.path.join(root, "facenet_pytorch")]
sys.modules["facenet_pytorch"] = package
from facenet_pytorch.models.mtcnn import MTCNN  # noqa: E402

mtcnn = MTCNN(keep_all=True)
image = Image.open(path).convert("RGB")
boxes, _, _ = mtcnn.detect(image, landmarks=True)
start = time.perf_counter()
for _ in range(repeats):
    boxes, _, _ = mtcnn.detect(image, landmarks=True)
elapsed = time.perf_counter() - start
print(f"images/s {repeats / elapsed:.2f} faces {0 if boxes is None else len(boxes)}")
