"""Reference files for the pretrained-model import tests, made with PyTorch (Debian's python3-torch).

The two public IResNet layouts are rebuilt here from their published module structure (the state
dict keys and the forward order are what an import must match), filled with seeded random
weights, and saved the way each project ships its models:

- insightface (arcface_torch): `backbone.pth` state dicts (torch.save, ZIP), and ONNX exported
  as its torch2onnx.py does (eval mode, input "data", constant folding on, batch dim renamed).
- AdaFace: a PyTorch Lightning-style checkpoint dict whose `state_dict` has `model.` and `head.`
  prefixes; the network takes BGR input.

    python3 iresnet_reference.py OUT BIN [spec ...]
    python3 iresnet_reference.py --tiny OUT     (small seeds of each file kind, for the fuzz harness)

BIN is an insightface verification .bin (pickle of encoded images and same/different flags); its
first 9 images become OUT/images/*.png. A spec is `layout:depth[:fp16][:legacy]` with layout
insightface or adaface and depth 18, 50 or 100. For each spec OUT/<name>.{pth,ckpt,onnx...} and
OUT/<name>.npy (raw embeddings of the PNGs, no flip, in file-name order) are written, plus
OUT/<name>_bin.npy (flip-fused raw embeddings of every .bin image) for the first spec, with
OUT/pairs.txt ("i j same" per pair) and OUT/manifest.json describing everything.
"""
import collections
import io
import json
import os
import pickle
import sys

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

STAGES = {18: [2, 2, 2, 2], 50: [3, 4, 14, 3], 100: [3, 13, 30, 3]}


# --- insightface's iresnet layout --------------------------------------------------------------

class InsightfaceBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-5)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout, eps=1e-5)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=1e-5))

    def forward(self, x):
        y = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return y + (self.downsample(x) if self.downsample is not None else x)


class InsightfaceIResNet(nn.Module):
    def __init__(self, stages, embedding=512, width=64, side=7):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width, eps=1e-5)
        self.prelu = nn.PReLU(width)
        cin = width
        for i, (count, width) in enumerate(zip(stages, [width * k for k in (1, 2, 4, 8)])):
            blocks = []
            for b in range(count):
                blocks.append(InsightfaceBlock(cin, width, 2 if b == 0 else 1))
                cin = width
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.bn2 = nn.BatchNorm2d(cin, eps=1e-5)
        self.dropout = nn.Dropout(p=0.0)
        self.fc = nn.Linear(cin * side * side, embedding)
        self.features = nn.BatchNorm1d(embedding, eps=1e-5)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.bn2(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.features(self.fc(x))


# --- AdaFace's IR layout -----------------------------------------------------------------------

class AdaFaceBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        if cin == cout:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.res_layer = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
                                       nn.PReLU(cout), nn.Conv2d(cout, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class Flat(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class AdaFaceIR(nn.Module):
    def __init__(self, stages, embedding=512, width=64, side=7):
        super().__init__()
        self.input_layer = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.PReLU(width))
        blocks, cin = [], width
        for count, width in zip(stages, [width * k for k in (1, 2, 4, 8)]):
            for b in range(count):
                blocks.append(AdaFaceBlock(cin, width, 2 if b == 0 else 1))
                cin = width
        self.body = nn.Sequential(*blocks)
        self.output_layer = nn.Sequential(nn.BatchNorm2d(cin), nn.Dropout(0.4), Flat(), nn.Linear(cin * side * side, embedding),
                                          nn.BatchNorm1d(embedding, affine=False))

    def forward(self, x):
        x = self.output_layer(self.body(self.input_layer(x)))
        norm = torch.norm(x, 2, 1, True)
        return torch.div(x, norm), norm


# --- weights that exercise every tensor --------------------------------------------------------

def randomize(model, seed):
    """Seeded weights with non-trivial batch-norm statistics and PReLU slopes, scaled so that a
    100-block network neither explodes nor collapses (the residual BN's gamma is small)."""
    g = torch.Generator().manual_seed(seed)

    def uniform(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g) * (hi - lo) + lo)

    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    uniform(m.bias, -0.1, 0.1)
            elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                uniform(m.running_mean, -0.2, 0.2)
                uniform(m.running_var, 0.5, 1.5)
                m.num_batches_tracked.fill_(1234)
                if m.affine:
                    residual_end = name.endswith("bn3") or name.endswith("res_layer.5")
                    if not name.endswith("features"):
                        uniform(m.weight, 0.05, 0.25) if residual_end else uniform(m.weight, 0.6, 1.4)
                    uniform(m.bias, -0.1, 0.1)
            elif isinstance(m, nn.PReLU):
                uniform(m.weight, 0.05, 0.4)
    return model


# --- inputs and outputs ------------------------------------------------------------------------

def read_bin(path):
    with open(path, "rb") as f:
        bins, same = pickle.load(f, encoding="bytes")
    images = [np.asarray(Image.open(io.BytesIO(bytes(b))).convert("RGB")) for b in bins]
    return images, [bool(s) for s in same]


def to_input(images, bgr):
    """HWC uint8 RGB → NCHW float32 (x/255 − 0.5)/0.5, channels reversed for BGR models."""
    a = np.stack(images).astype(np.float32)
    if bgr:
        a = a[..., ::-1]
    a = (a / 255.0 - 0.5) / 0.5
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def embed(model, images, bgr, flip=False):
    out = []
    with torch.no_grad():
        for i in range(0, len(images), 16):
            x = to_input(images[i:i + 16], bgr)
            y = raw(model, x)
            if flip:
                y = y + raw(model, torch.flip(x, dims=[3]))
            out.append(y.numpy())
    return np.concatenate(out).astype(np.float32)


def raw(model, x):
    y = model(x)
    if isinstance(y, tuple):  # AdaFace returns (normalised, norm); the raw embedding is their product
        y = y[0] * y[1]
    return y


def export_onnx(model, path, opset, side=112):
    """As insightface's torch2onnx.py: eval mode, input "data", initializers not inputs, then the
    batch dimension renamed so any batch size runs."""
    import onnx
    x = torch.zeros(1, 3, side, side)
    torch.onnx.export(model, x, path, input_names=["data"], keep_initializers_as_inputs=False, verbose=False,
                      opset_version=opset)
    m = onnx.load(path)
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "None"
    onnx.save(m, path)


def tiny(out):
    """Small seeds of every file kind (width 4, one block per stage, 16×16 input) for the fuzz harness."""
    os.makedirs(out, exist_ok=True)
    a = randomize(InsightfaceIResNet([1, 1, 1, 1], embedding=8, width=4, side=1), seed=3).eval()
    torch.save(a.state_dict(), os.path.join(out, "tiny.pth"))
    torch.save(a.state_dict(), os.path.join(out, "tiny_legacy.pt"), _use_new_zipfile_serialization=False)
    export_onnx(a, os.path.join(out, "tiny.onnx"), 11, side=16)
    b = randomize(AdaFaceIR([1, 1, 1, 1], embedding=8, width=4, side=1), seed=4).eval()
    sd = collections.OrderedDict(("model." + k, v) for k, v in b.state_dict().items())
    torch.save({"epoch": 1, "state_dict": sd, "hyper_parameters": {"arch": "ir_tiny"}}, os.path.join(out, "tiny.ckpt"))


def main():
    if sys.argv[1] == "--tiny":
        return tiny(sys.argv[2])
    out, bin_path, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    bin_images, same = read_bin(bin_path)
    images = bin_images[:9]  # onnx_check.py runs batches of 1, 7 and all, so at least 8
    for i, im in enumerate(images):
        Image.fromarray(im).save(os.path.join(out, "images", "img%d.png" % i))
    with open(os.path.join(out, "pairs.txt"), "w") as f:
        for k, s in enumerate(same):
            f.write("%d %d %d\n" % (2 * k, 2 * k + 1, int(s)))
    torch.set_num_threads(2)
    manifest = []
    for n, spec in enumerate(specs):
        parts = spec.split(":")
        layout, depth, fp16, legacy = parts[0], int(parts[1]), "fp16" in parts, "legacy" in parts
        name = "%s_ir%d%s%s" % (layout, depth, "_fp16" if fp16 else "", "_legacy" if legacy else "")
        model = (InsightfaceIResNet if layout == "insightface" else AdaFaceIR)(STAGES[depth])
        randomize(model, seed=1000 + depth + (7 if layout == "adaface" else 0)).eval()
        state = model.state_dict()
        if fp16:  # the file holds float16; the reference runs those rounded weights in float32
            state = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in state.items())
            model.load_state_dict(collections.OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in state.items()))
        files = []
        zipped = {"_use_new_zipfile_serialization": not legacy}
        if layout == "insightface":
            files.append(name + ".pth")
            torch.save(state, os.path.join(out, files[-1]), **zipped)
            if not fp16 and not legacy:
                for opset in (11, 17):
                    files.append("%s_opset%d.onnx" % (name, opset))
                    export_onnx(model, os.path.join(out, files[-1]), opset)
        else:
            sd = collections.OrderedDict(("model." + k, v) for k, v in state.items())
            sd["head.kernel"] = torch.randn(512, 40, generator=torch.Generator().manual_seed(5))
            ckpt = {"epoch": 25, "global_step": 1000, "pytorch-lightning_version": "1.8.6", "state_dict": sd,
                    "hyper_parameters": {"arch": "ir_%d" % depth, "head": "adaface", "m": 0.4, "h": 0.333, "s": 64.0,
                                         "t_alpha": 0.01, "lr": 0.1, "milestones": [12, 20, 24]},
                    "optimizer_states": [], "lr_schedulers": []}
            files.append(name + ".ckpt")
            torch.save(ckpt, os.path.join(out, files[-1]), **zipped)
        bgr = layout == "adaface"
        np.save(os.path.join(out, name + ".npy"), embed(model, images, bgr))
        if n == 0:
            np.save(os.path.join(out, name + "_bin.npy"), embed(model, bin_images, bgr, flip=True))
        params = sum(p.numel() for p in model.parameters())
        manifest.append({"name": name, "layout": layout, "depth": depth, "stages": STAGES[depth], "fp16": fp16,
                         "legacy": legacy, "files": files, "bgr": bgr, "parameters": params})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"images": len(images), "bin_images": len(bin_images), "models": manifest}, f, indent=1)


if __name__ == "__main__":
    main()
