"""Writes torch.save files for ModelFormatsTests into the folder given as argument, with the values
the Swift reader must find in them in expected.json.

    python3 make_torch_files.py OUT_DIR

Floats are recorded as float32 bit patterns (of torch's own `.float()` for float16/bfloat16), so
the comparison is exact. The malicious files are written, never loaded.
"""
import argparse
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import types
import zipfile
import zlib
from collections import OrderedDict

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(1234)
expected = {"files": {}}


def describe(t):
    entry = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
             "stride": list(t.stride()), "offset": t.storage_offset()}
    if t.dtype.is_floating_point:
        entry["bits"] = t.detach().float().contiguous().view(torch.int32).flatten().tolist()
    else:
        entry["ints"] = t.detach().flatten().tolist()
    return entry


def save(name, obj, legacy=False, state_dict=None):
    torch.save(obj, os.path.join(out, name), _use_new_zipfile_serialization=not legacy)
    sd = obj if state_dict is None else state_dict
    expected["files"][name] = {"format": "legacy" if legacy else "zip", "keys": list(sd.keys()),
                               "tensors": {k: describe(v) for k, v in sd.items()}}


def conv_state_dict(dtype=torch.float32):
    sd = OrderedDict()
    sd["conv1.weight"] = torch.randn(4, 3, 3, 3).to(dtype)
    sd["conv1.bias"] = torch.randn(4).to(dtype)
    sd["bn1.running_mean"] = torch.randn(4).to(dtype)
    sd["bn1.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    sd["fc.weight"] = torch.randn(5, 36).to(dtype)
    return sd


# 1. float32, both formats.
sd32 = conv_state_dict()
save("f32_zip.pt", sd32)
save("f32_legacy.pt", sd32, legacy=True)



def repack_zip64_deflated(source, target):
    """Rewrites a torch ZIP with every size and offset in ZIP64 extra fields (the 4-byte fields
    saturated) and data.pkl and every other storage deflated, as other ZIP tools may leave it."""
    with zipfile.ZipFile(source) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    body, central = b"", b""
    for n, (name, data) in enumerate(items):
        method = 8 if name.endswith("data.pkl") or n % 2 == 0 else 0
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            stored = c.compress(data) + c.flush()
        else:
            stored = data
        crc = zlib.crc32(data)
        fname = name.encode()
        offset = len(body)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(stored))
        body += struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, method, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                            len(fname), len(local_extra)) + fname + local_extra + stored
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(stored), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, method, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(fname), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + fname + extra
    end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(items), len(items), len(central), len(body), 0)
    with open(target, "wb") as f:
        f.write(body + central + end)
    with zipfile.ZipFile(target) as z:
        assert z.testzip() is None and [z.read(n) for n, _ in items] == [d for _, d in items]


# Protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL) instead of torch.save's default 2.
torch.save(sd32, os.path.join(out, "f32_proto4_zip.pt"), pickle_protocol=4)
torch.save(sd32, os.path.join(out, "f32_proto4_legacy.pt"), pickle_protocol=4, _use_new_zipfile_serialization=False)
expected["files"]["f32_proto4_zip.pt"] = expected["files"]["f32_zip.pt"]
expected["files"]["f32_proto4_legacy.pt"] = expected["files"]["f32_legacy.pt"]

repack_zip64_deflated(os.path.join(out, "f32_zip.pt"), os.path.join(out, "f32_zip64_deflated.pt"))
expected["files"]["f32_zip64_deflated.pt"] = expected["files"]["f32_zip.pt"]

# 2. float16 and bfloat16, with the values whose conversion is easy to get wrong.
special16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.0e-8, -3.0e-6, 1.0e-5, float("inf"), float("-inf"), float("nan")])
sd16 = conv_state_dict(torch.float16)
sd16["special"] = special16.half()
save("f16_zip.pt", sd16)
save("f16_legacy.pt", sd16, legacy=True)
sdbf = conv_state_dict(torch.bfloat16)
sdbf["special"] = torch.tensor([0.0, -0.0, 1.0, 3.0e38, 1.0e-40, -1.0e-39, float("inf"), float("nan")]).bfloat16()
save("bf16_zip.pt", sdbf)

# 3. Views: a transposed matrix (non-contiguous), a slice at a storage offset, two tensors sharing one storage.
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7
flat = torch.randn(20)
views = OrderedDict()
views["transposed"] = base.t()
views["slice"] = flat[5:11]
views["first_half"] = flat[:10]
views["strided"] = base[1:, ::2]
save("views_zip.pt", views)
save("views_legacy.pt", views, legacy=True)

# 4. A Lightning-style checkpoint, with the plain containers Lightning pickles.
for name in ["pytorch_lightning", "pytorch_lightning.utilities", "pytorch_lightning.utilities.parsing"]:
    sys.modules.setdefault(name, types.ModuleType(name))


class AttributeDict(dict):
    pass


AttributeDict.__module__ = "pytorch_lightning.utilities.parsing"
sys.modules["pytorch_lightning.utilities.parsing"].AttributeDict = AttributeDict

model = torch.nn.Sequential(OrderedDict(x=torch.nn.Linear(3, 2)))
head = torch.nn.Linear(2, 4, bias=False)
opt = torch.optim.SGD(list(model.parameters()) + list(head.parameters()), lr=0.1, momentum=0.9)
head(model(torch.randn(5, 3))).sum().backward()
opt.step()
state = OrderedDict()
for k, v in model.state_dict().items():
    state["model." + k] = v
state["head.kernel"] = head.weight.detach()
hparams = AttributeDict(lr=0.1, arch="ir_50", head={"m": 0.4, "h": 0.333}, milestones=[8, 12],
                        flags=(True, None), tags={"a"}, raw=b"\x00\xffab", big=2 ** 70,
                        args=argparse.Namespace(depth=50, name="x"), torch_version=torch.__version__)
ckpt = {"epoch": 3, "global_step": 10, "pytorch-lightning_version": "1.8.6", "state_dict": state,
        "callbacks": {"ModelCheckpoint{'monitor': None}": {"best_model_score": torch.tensor(0.5), "dirpath": "/tmp/x"}},
        "optimizer_states": [opt.state_dict()], "lr_schedulers": [], "hparams_name": "hparams",
        "hyper_parameters": hparams}
save("lightning.ckpt", ckpt, state_dict=state)
save("lightning_legacy.ckpt", ckpt, legacy=True, state_dict=state)
expected["torch_version"] = str(torch.__version__)
expected["torch_version_type"] = type(torch.__version__).__name__
expected["momentum_buffer"] = describe(opt.state_dict()["state"][0]["momentum_buffer"])

# 5. Small files for the mutation tests.
tiny = OrderedDict(w=torch.randn(2, 3), b=torch.randn(3), n=torch.tensor(1))
save("tiny_zip.pt", tiny)
save("tiny_legacy.pt", tiny, legacy=True)

# A ZIP that declares itself big-endian (torch ≥ 2.1 writes <prefix>/byteorder).
with zipfile.ZipFile(os.path.join(out, "tiny_zip.pt")) as z, zipfile.ZipFile(os.path.join(out, "big_endian_zip.pt"), "w") as w:
    for info in z.infolist():
        w.writestr(info.filename, z.read(info.filename))
    w.writestr("tiny_zip/byteorder", "big")

# 6. Malicious: unpickling would run `touch MARKER`. Written only; the offset of the opcode naming
# the global is found with pickletools.
marker = os.path.join(out, "MARKER")


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))


def global_offset(stream):
    while True:
        for op, arg, pos in pickletools.genops(stream):
            if op.name in ("GLOBAL", "STACK_GLOBAL") and (op.name == "STACK_GLOBAL" or "system" in arg):
                return pos
            if op.name == "STOP":
                break
        else:
            raise RuntimeError("no global")


evil = {"weight": torch.zeros(2), "evil": Evil()}
torch.save(evil, os.path.join(out, "evil_zip.pt"))
with zipfile.ZipFile(os.path.join(out, "evil_zip.pt")) as z:
    pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
    zip_offset = global_offset(io.BytesIO(z.read(pkl)))
torch.save(evil, os.path.join(out, "evil_legacy.pt"), _use_new_zipfile_serialization=False)
with open(os.path.join(out, "evil_legacy.pt"), "rb") as f:
    legacy_offset = global_offset(f)
with open(os.path.join(out, "evil_pickle4.pt"), "wb") as f:
    pickle.dump(Evil(), f, protocol=4)
with open(os.path.join(out, "evil_pickle4.pt"), "rb") as f:
    pickle4_offset = global_offset(f)
expected["malicious"] = {"marker": marker, "evil_zip.pt": zip_offset, "evil_legacy.pt": legacy_offset,
                         "evil_pickle4.pt": pickle4_offset}

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print("wrote", len(expected["files"]) + 3, "files to", out)
