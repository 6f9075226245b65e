"""Reference numbers for FaceNAS's MTCNN tests, computed once with facenet-pytorch 2.6.0 in PyTorch.

Usage: /usr/bin/python3 mtcnn_reference.py FACENET_DIR PHOTO... > mtcnn_reference.json

FACENET_DIR is the unpacked facenet-pytorch 2.6.0 wheel (the folder holding facenet_pytorch/).
Only its MTCNN module is imported (the package's __init__ also pulls in the recognition model and
its download helpers, which need packages the detector does not). Runs on Debian's python3-torch
1.13 and python3-torchvision 0.14 with Pillow and NumPy.

Output: the three networks' outputs on one fixed input (values sin(0.37 i) in float32, shapes
below) and, for every photo, the faces MTCNN(keep_all=True) finds: box, probability, landmarks,
largest box first.
"""
import json
import math
import os
import sys
import types

import numpy as np
import torch
from PIL import Image

torch.set_num_threads(1)
root = sys.argv[1]
package = types.ModuleType("facenet_pytorch")
package.__path__ = [os.path.join(root, "facenet_pytorch")]
sys.modules["facenet_pytorch"] = package
from facenet_pytorch.models.mtcnn import MTCNN  # noqa: E402


def fixed_input(shape):
    n = int(np.prod(shape))
    values = np.array([math.sin(0.37 * i) for i in range(n)], dtype=np.float64).astype(np.float32)
    return torch.from_numpy(values.reshape(shape))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).numpy()]


mtcnn = MTCNN(keep_all=True)
result = {"source": "facenet-pytorch 2.6.0, torch " + torch.__version__, "networks": {}, "photos": {}}
with torch.no_grad():
    x = fixed_input((1, 3, 31, 37))
    reg, prob = mtcnn.pnet(x)
    result["networks"]["pnet"] = {"input": list(x.shape), "probability": flat(prob), "probability_shape": list(prob.shape),
                                  "regression": flat(reg)}
    x = fixed_input((2, 3, 24, 24))
    reg, prob = mtcnn.rnet(x)
    result["networks"]["rnet"] = {"input": list(x.shape), "probability": flat(prob), "regression": flat(reg)}
    x = fixed_input((2, 3, 48, 48))
    reg, points, prob = mtcnn.onet(x)
    result["networks"]["onet"] = {"input": list(x.shape), "probability": flat(prob), "regression": flat(reg),
                                  "landmarks": flat(points)}

for path in sys.argv[2:]:
    image = Image.open(path).convert("RGB")
    boxes, probs, points = mtcnn.detect(image, landmarks=True)
    faces = []
    if boxes is not None:
        for b, p, l in zip(boxes, probs, points):
            faces.append({"box": [float(v) for v in b], "score": float(p), "landmarks": [[float(v) for v in q] for q in l]})
    result["photos"][os.path.basename(path)] = {"width": image.width, "height": image.height, "faces": faces}

json.dump(result, sys.stdout, indent=1)
print()
