"""Reference ONNX files for ONNXReaderTests, each with a JSON dump of what the `onnx` package reads
in it (the values the Swift reader must reproduce exactly).

  python make_onnx_files.py torch  OUTDIR OPSET   # a small IResNet-like net via torch.onnx.export
  python make_onnx_files.py helper OUTDIR         # a graph built with onnx.helper: every tensor form

Writes OUTDIR/<stem>.onnx and OUTDIR/<stem>.json. Floating-point values are dumped as float32 bit
patterns (after numpy's conversion to float32) so that the comparison is exact.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def float_bits(array):
    with np.errstate(over="ignore"):  # doubles beyond float32's range become inf, as in the Swift reader
        return np.ascontiguousarray(array, dtype=np.float32).reshape(-1).view(np.uint32).tolist()


def tensor_values(t):
    """The tensor's values as onnx reads them: float32 bit patterns or integers."""
    if t.data_type == TensorProto.BFLOAT16:
        # Older onnx has no bfloat16 numpy type; the stored patterns are the upper halves of float32s.
        if t.raw_data:
            patterns = np.frombuffer(t.raw_data, dtype="<u2").astype(np.uint32)
        else:
            patterns = np.array(t.int32_data, dtype=np.uint32)
        return {"bits": (patterns << 16).tolist()}
    array = numpy_helper.to_array(t)
    if array.dtype.kind == "f":
        return {"bits": float_bits(array)}
    return {"ints": [int(v) for v in array.reshape(-1)]}


def attribute_value(a):
    kind = helper.get_attribute_value(a)
    if a.type == onnx.AttributeProto.FLOAT:
        return {"float": float_bits([a.f])[0]}
    if a.type == onnx.AttributeProto.INT:
        return {"int": a.i}
    if a.type == onnx.AttributeProto.INTS:
        return {"ints": list(a.ints)}
    if a.type == onnx.AttributeProto.FLOATS:
        return {"floats": float_bits(list(a.floats))}
    if a.type == onnx.AttributeProto.STRING:
        return {"string": a.s.decode()}
    if a.type == onnx.AttributeProto.TENSOR:
        return {"tensor": dict(dims=list(a.t.dims), data_type=a.t.data_type, **tensor_values(a.t))}
    return {"other": str(type(kind))}


def value_info(v):
    tt = v.type.tensor_type
    dims = []
    for d in tt.shape.dim:
        which = d.WhichOneof("value")
        dims.append({"value": d.dim_value} if which == "dim_value" else {"param": d.dim_param} if which == "dim_param" else {})
    return {"name": v.name, "elem_type": tt.elem_type, "dims": dims if tt.HasField("shape") else None}


def dump(path, extra=None):
    m = onnx.load(path)
    g = m.graph
    out = {
        "ir_version": m.ir_version,
        "producer_name": m.producer_name,
        "producer_version": m.producer_version,
        "opsets": {o.domain: o.version for o in m.opset_import},
        "graph_name": g.name,
        "nodes": [{"name": n.name, "op_type": n.op_type, "domain": n.domain, "inputs": list(n.input),
                   "outputs": list(n.output), "attributes": {a.name: attribute_value(a) for a in n.attribute}}
                  for n in g.node],
        "initializers": [dict(name=t.name, data_type=t.data_type, dims=list(t.dims), raw=bool(t.raw_data),
                              **tensor_values(t)) for t in g.initializer],
        "inputs": [value_info(v) for v in g.input],
        "outputs": [value_info(v) for v in g.output],
    }
    out.update(extra or {})
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(out, f)


def make_torch(outdir, opset):
    import torch
    from torch import nn

    class Net(nn.Module):
        """Stem conv + BN + PReLU, then an IResNet-style block (BN before its conv, so export
        cannot fold it away; grouped strided conv; 1×1 downsample; residual Add), then
        Flatten + Linear + BatchNorm1d like insightface's embedding head."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=True)
            self.bn1 = nn.BatchNorm2d(8)
            self.prelu = nn.PReLU(8)
            self.bn2 = nn.BatchNorm2d(8, eps=2e-5)
            self.conv2 = nn.Conv2d(8, 8, 3, 2, 1, bias=False, groups=2)
            self.down = nn.Conv2d(8, 8, 1, 2, 0, bias=False)
            self.fc = nn.Linear(8 * 4 * 4, 16)
            self.features = nn.BatchNorm1d(16, eps=1e-5)

        def forward(self, x):
            x = self.prelu(self.bn1(self.conv1(x)))
            y = self.conv2(self.bn2(x)) + self.down(x)
            return self.features(self.fc(torch.flatten(y, 1)))

    torch.manual_seed(7)
    net = Net()
    with torch.no_grad():
        for bn in (net.bn1, net.bn2, net.features):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.3, 2.0)
        net.prelu.weight.uniform_(0.0, 0.5)
    net.eval()
    path = os.path.join(outdir, "net_opset%d.onnx" % opset)
    torch.onnx.export(net, torch.randn(1, 3, 8, 8), path, opset_version=opset, input_names=["input"],
                      output_names=["embedding"], dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}})
    dump(path)


def make_helper(outdir):
    specials16 = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08, -3.0e-07,
                           np.inf, -np.inf, np.nan, 0.1], dtype=np.float16)
    rng = np.random.default_rng(3)
    f32 = rng.standard_normal((3, 2)).astype(np.float32)
    f64 = np.array([[1.0 / 3.0, -1e-300], [1e300, 2.5]], dtype=np.float64)  # rounds to 0 and inf in float32
    i64 = np.array([0, -1, 2**40, -(2**62), 7], dtype=np.int64)
    bf16_values = [1.0, -0.3, 3.0e38, 1.0e-39, float("inf"), 0.0078125]
    bf16_bits = (np.array(bf16_values, dtype=np.float32).view(np.uint32) >> 16).astype("<u2")

    initializers = [
        numpy_helper.from_array(f32, "f32_raw"),
        helper.make_tensor("f32_typed", TensorProto.FLOAT, f32.shape, f32.reshape(-1).tolist()),
        numpy_helper.from_array(specials16.reshape(3, 4), "f16_raw"),
        helper.make_tensor("f16_typed", TensorProto.FLOAT16, [12], specials16.tolist()),
        helper.make_tensor("bf16_raw", TensorProto.BFLOAT16, [6], bf16_bits.tobytes(), raw=True),
        helper.make_tensor("bf16_typed", TensorProto.BFLOAT16, [2, 3], bf16_values),
        numpy_helper.from_array(f64, "f64_raw"),
        helper.make_tensor("f64_typed", TensorProto.DOUBLE, f64.shape, f64.reshape(-1).tolist()),
        numpy_helper.from_array(i64, "i64_raw"),
        helper.make_tensor("i64_typed", TensorProto.INT64, [5], i64.tolist()),
        helper.make_tensor("i32_typed", TensorProto.INT32, [3], [-5, 0, 2**31 - 1]),
        numpy_helper.from_array(np.array(0.25, dtype=np.float32), "scalar"),
        numpy_helper.from_array(np.zeros((0, 4), dtype=np.float32), "empty"),
    ]
    c = np.array([[1.5, -2.0], [0.125, 4.0], [-0.0, 1e-3]], dtype=np.float32)
    nodes = [
        helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(c, "c_value")),
        helper.make_node("Constant", [], ["c_floats"], value_floats=[0.5, -1.25]),
        helper.make_node("Constant", [], ["c_int"], value_int=-3),
        helper.make_node("Constant", [], ["c_ints"], value_ints=[2, -2, 9]),
        helper.make_node("Sub", ["x", "c"], ["d"], name="sub"),
        helper.make_node("Mul", ["d", "f32_raw"], ["y0"], name="mul"),
        helper.make_node("Mul", ["d", "scalar"], ["y"], name="mul_scalar"),
    ]
    graph = helper.make_graph(
        nodes, "helper_graph",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, 2]),
         helper.make_tensor_value_info("y0", TensorProto.FLOAT, [None, 3, 2])],
        initializer=initializers)
    model = helper.make_model(graph, producer_name="make_onnx_files", opset_imports=[helper.make_opsetid("", 13)])
    model.producer_version = "1.0"
    model.metadata_props.add(key="author", value="FaceNAS tests")
    onnx.checker.check_model(model)
    path = os.path.join(outdir, "helper.onnx")
    onnx.save(model, path)
    constants = {}
    for n in nodes[:4]:
        a = n.attribute[0]
        if a.name == "value":
            constants[n.output[0]] = dict(dims=list(a.t.dims), **tensor_values(a.t))
        elif a.name == "value_floats":
            constants[n.output[0]] = {"dims": [len(a.floats)], "bits": float_bits(list(a.floats))}
        elif a.name == "value_int":
            constants[n.output[0]] = {"dims": [], "ints": [a.i]}
        else:
            constants[n.output[0]] = {"dims": [len(a.ints)], "ints": list(a.ints)}
    dump(path, {"constants": constants})


if __name__ == "__main__":
    if sys.argv[1] == "torch":
        make_torch(sys.argv[2], int(sys.argv[3]))
    else:
        make_helper(sys.argv[2])
