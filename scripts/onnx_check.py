#!/usr/bin/env python3
"""Check a model written by `facenas export` with onnx's checker and ONNX Runtime (CPU),
against FaceNAS's own outputs for the same inputs.

  face:      onnx_check.py MODEL.onnx --images DIR --embeddings E.npy
             (E.npy, E.names.txt, E.norms.npy from `facenas embed --no-flip --images DIR --out E.npy`;
             each image is read with Pillow and normalised as the model's metadata says)
  classify:  onnx_check.py MODEL.onnx --inputs X.npy --logits Y.npy

Runs the model at batch 1, at batch 7 and on everything at once (a fixed-batch model only at
its batch), and prints one JSON object: checker result, graph facts, metadata and the largest
absolute difference from FaceNAS with the reference's scale (max |reference|).
Needs: pip install numpy onnx onnxruntime pillow
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def metadata(model):
    return {p.key: p.value for p in model.metadata_props}


def image_tensor(path, meta, side):
    from PIL import Image
    order = meta["channel_order"]
    img = Image.open(path)
    if img.size != (side, side):
        # FaceNAS resizes other sizes with its own filter; compare on images that need none
        sys.exit(f"{path}: {img.size[0]}x{img.size[1]} image, the model takes {side}x{side}")
    if order == "gray":
        planes = np.asarray(img.convert("L"), dtype=np.float32)[None]
    else:
        planes = np.asarray(img.convert("RGB"), dtype=np.float32).transpose(2, 0, 1)
        if order == "BGR":
            planes = planes[::-1]
    mean = np.array([float(v) for v in meta["mean"].split(",")], dtype=np.float32)[:, None, None]
    std = np.array([float(v) for v in meta["std"].split(",")], dtype=np.float32)[:, None, None]
    return (planes / np.float32(255) - mean) / std


def face_reference(args, meta):
    e = np.load(args.embeddings)
    norms = np.load(args.embeddings[:-4] + ".norms.npy")
    with open(args.embeddings[:-4] + ".names.txt", encoding="utf-8") as f:
        names = [line.rstrip("\n") for line in f if line.strip()]
    assert len(names) == e.shape[0] == norms.shape[0], (len(names), e.shape, norms.shape)
    side = json.loads(meta["architecture"])["input_size"]
    x = np.stack([image_tensor(os.path.join(args.images, n), meta, side) for n in names]).astype(np.float32)
    # embed writes unit rows and the raw norm of each (unflipped) embedding: their product is the raw output
    return x, (e * norms[:, None]).astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--images")
    p.add_argument("--embeddings")
    p.add_argument("--inputs")
    p.add_argument("--logits")
    args = p.parse_args()

    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    meta = metadata(model)
    graph = model.graph
    in_dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    out_dims = [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]

    if args.embeddings:
        x, ref = face_reference(args, meta)
    else:
        x, ref = np.load(args.inputs).astype(np.float32), np.load(args.logits).astype(np.float32)

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    input_name, output_name = session.get_inputs()[0].name, session.get_outputs()[0].name
    fixed = in_dims[0] if isinstance(in_dims[0], int) else None
    if fixed:
        slices = [(0, fixed)]
    else:
        slices = [(0, 1), (1, 8), (0, x.shape[0])]
    worst, batches = 0.0, []
    for a, b in slices:
        assert b <= x.shape[0], f"need at least {b} inputs, got {x.shape[0]}"
        y = session.run([output_name], {input_name: x[a:b]})[0]
        assert y.shape == ref[a:b].shape, (y.shape, ref[a:b].shape)
        worst = max(worst, float(np.abs(y - ref[a:b]).max()))
        batches.append(b - a)
    scale = float(np.abs(ref).max())
    ops = {}
    for n in graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(json.dumps({
        "checker": "ok", "ir_version": model.ir_version, "opset": model.opset_import[0].version,
        "producer": model.producer_name, "input": graph.input[0].name, "input_shape": in_dims,
        "output": output_name, "output_shape": out_dims, "ops": ops,
        "initializers": len(graph.initializer), "metadata": meta, "batches": batches,
        "rows": int(x.shape[0]), "max_abs_diff": worst, "scale": scale, "relative": worst / scale,
    }, indent=1))


if __name__ == "__main__":
    sys.exit(main())
