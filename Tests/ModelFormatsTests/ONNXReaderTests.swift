import Foundation
@testable import ModelFormats
import TestSupport
import Testing

/// Real ONNX files, written by `torch.onnx.export` and by `onnx.helper`
/// (Fixtures/make_onnx_files.py), read back and compared exactly with what the `onnx` package
/// reads in them.
struct ONNXReaderTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/make_onnx_files.py").path

    /// What make_onnx_files.py dumps; floating-point values as float32 bit patterns.
    struct Dump: Decodable {
        struct Tensor: Decodable {
            let name: String?
            let data_type: Int?
            let dims: [Int]
            let raw: Bool?
            let bits: [UInt32]?
            let ints: [Int64]?
        }
        struct Attribute: Decodable {
            let float: UInt32?
            let int: Int?
            let ints: [Int]?
            let floats: [UInt32]?
            let string: String?
            let tensor: Tensor?
        }
        struct Node: Decodable {
            let name: String
            let op_type: String
            let domain: String
            let inputs: [String]
            let outputs: [String]
            let attributes: [String: Attribute]
        }
        struct Dimension: Decodable {
            let value: Int?
            let param: String?
        }
        struct Value: Decodable {
            let name: String
            let elem_type: Int
            let dims: [Dimension]?
        }
        let ir_version: Int
        let producer_name: String
        let producer_version: String
        let opsets: [String: Int]
        let graph_name: String
        let nodes: [Node]
        let initializers: [Tensor]
        let inputs: [Value]
        let outputs: [Value]
        let constants: [String: Tensor]?
    }

    /// Runs the generator with `python` and reads the model and its dump.
    func generate(_ python: (String, Bool, [String]) throws -> String, _ arguments: [String], stem: String)
        throws -> (ONNXModel, Dump, [UInt8])
    {
        let dir = temporaryDirectory("onnx-\(stem)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try python(Self.script, false, [arguments[0], dir] + arguments.dropFirst())
        let model = try ONNXModel.read(dir + "/\(stem).onnx")
        let dump = try JSONDecoder().decode(Dump.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/\(stem).json")))
        return (model, dump, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/\(stem).onnx"))))
    }

    func expectValues(_ tensor: ONNXTensor, _ reference: Dump.Tensor, _ what: String) throws {
        #expect(tensor.dims == reference.dims, "\(what)")
        #expect(tensor.count == reference.dims.reduce(1, *), "\(what)")
        if let data = reference.data_type { #expect(tensor.dataType.rawValue == data, "\(what)") }
        if let bits = reference.bits {
            #expect(try tensor.floats().map(\.bitPattern) == bits, "\(what)")
        } else {
            #expect(try tensor.int64s() == reference.ints, "\(what)")
        }
    }

    func expectDims(_ dims: [ONNXDimension]?, _ reference: [Dump.Dimension]?) {
        let expected = reference?.map { d -> ONNXDimension in
            if let v = d.value { return .value(v) }
            if let p = d.param { return .parameter(p) }
            return .unknown
        }
        #expect(dims == expected)
    }

    /// Everything the dump holds, compared exactly.
    func expectMatches(_ model: ONNXModel, _ dump: Dump) throws {
        #expect(model.irVersion == dump.ir_version)
        #expect(model.producerName == dump.producer_name && model.producerVersion == dump.producer_version)
        #expect(model.opsets == dump.opsets)
        let g = model.graph
        #expect(g.name == dump.graph_name)
        try #require(g.nodes.count == dump.nodes.count)
        for (node, ref) in zip(g.nodes, dump.nodes) {
            #expect(node.opType == ref.op_type && node.name == ref.name && node.domain == ref.domain)
            #expect(node.inputs == ref.inputs && node.outputs == ref.outputs, "\(ref.name)")
            #expect(Set(node.attributes.keys) == Set(ref.attributes.keys), "\(ref.name)")
            for (key, a) in ref.attributes {
                let what = "\(ref.name).\(key)"
                switch node.attributes[key] {
                case .float(let f): #expect(f.bitPattern == a.float, "\(what)")
                case .int(let i): #expect(i == a.int, "\(what)")
                case .ints(let v): #expect(v == a.ints, "\(what)")
                case .floats(let v): #expect(v.map(\.bitPattern) == a.floats, "\(what)")
                case .string(let s): #expect(String(decoding: s, as: UTF8.self) == a.string, "\(what)")
                case .tensor(let t): try expectValues(t, try #require(a.tensor), what)
                default: Issue.record("\(what): \(String(describing: node.attributes[key]))")
                }
            }
        }
        #expect(g.initializers.map(\.name) == dump.initializers.map { $0.name ?? "" })
        for (tensor, ref) in zip(g.initializers, dump.initializers) {
            try expectValues(tensor, ref, tensor.name)
            // The onnx package cannot tell an empty raw_data from none, so empty tensors are left out.
            if tensor.count > 0, let raw = ref.raw {
                if case .raw = tensor.payload { #expect(raw, "\(tensor.name)") } else { #expect(!raw, "\(tensor.name)") }
            }
        }
        for (values, refs) in [(g.inputs, dump.inputs), (g.outputs, dump.outputs)] {
            #expect(values.map(\.name) == refs.map(\.name))
            for (v, ref) in zip(values, refs) {
                #expect(v.elementType?.rawValue == ref.elem_type, "\(v.name)")
                expectDims(v.dims, ref.dims)
            }
        }
    }

    @Test(arguments: [11, 17])
    func torchExportedNet(opset: Int) throws {
        guard TorchPython.available(for: "ONNX files from torch.onnx.export") else { return }
        let (model, dump, bytes) = try generate(TorchPython.run, ["torch", String(opset)], stem: "net_opset\(opset)")
        try expectMatches(model, dump)
        #expect(model.opsetVersion == opset)
        #expect(model.producerName == "pytorch")
        let g = model.graph
        // conv1's BatchNorm is folded into its bias by the export; bn2 sits before a conv and stays.
        #expect(g.nodes.map(\.opType) == ["Conv", "PRelu", "BatchNormalization", "Conv", "Conv", "Add", "Flatten", "Gemm",
                                          "BatchNormalization"])
        let (stem, conv2, down, gemm) = (g.nodes[0], g.nodes[3], g.nodes[4], g.nodes[7])
        #expect(stem.inputs.count == 3 && stem.ints("kernel_shape") == [3, 3] && stem.ints("pads") == [1, 1, 1, 1])
        #expect(conv2.int("group") == 2 && conv2.ints("strides") == [2, 2] && conv2.ints("kernel_shape") == [3, 3])
        #expect(down.ints("kernel_shape") == [1, 1] && down.ints("strides") == [2, 2] && down.ints("pads") == [0, 0, 0, 0])
        #expect(gemm.int("transB") == 1 && gemm.float("alpha") == 1)
        #expect(g.nodes[2].float("epsilon") == Float(2e-5))
        #expect(g.initializer(named: "conv2.weight")?.dims == [8, 4, 3, 3])
        #expect(g.initializer(named: "fc.weight")?.dims == [16, 128])
        #expect(g.constant(named: stem.inputs[1])?.dims == [8, 3, 3, 3])
        #expect(g.inputs.map(\.name) == ["input"])
        #expect(g.inputs[0].dims == [.parameter("batch"), .value(3), .value(8), .value(8)])
        #expect(g.outputs[0].dims == [.parameter("batch"), .value(16)])
        #expect(g.consumers(of: g.nodes[1].outputs[0]).map(\.index) == [2, 4])
        #expect(g.producer(of: "embedding")?.opType == "BatchNormalization")
        #expect(g.consumers(of: "embedding").isEmpty)

        // The exporter's own layout, damaged: 300 seeded mutations must each read or throw.
        let fuzz = ONNXFuzzTests()
        var rng = ONNXFuzzTests.SplitMix64(state: UInt64(opset) * 7919)
        var threw = 0
        for _ in 0..<300 {
            var damaged = bytes
            fuzz.mutate(&damaged, kind: rng.below(4), lengthOffsets: [], original: bytes, rng: &rng)
            if fuzz.outcome(damaged) == .threw { threw += 1 }
        }
        print("ONNX mutations of net_opset\(opset).onnx: \(300 - threw) read, \(threw) threw")
        #expect(threw > 0)
    }

    @Test func helperBuiltTensorForms() throws {
        let python: (String, Bool, [String]) throws -> String
        if InteropPython.executable != nil {
            python = InteropPython.run
        } else if TorchPython.available(for: "ONNX files from onnx.helper") {
            python = TorchPython.run
        } else { return }
        let (model, dump, _) = try generate(python, ["helper"], stem: "helper")
        try expectMatches(model, dump)
        let g = model.graph
        #expect(model.opsetVersion == 13 && model.metadata == ["author": "FaceNAS tests"])
        #expect(g.nodes.map(\.opType) == ["Constant", "Constant", "Constant", "Constant", "Sub", "Mul", "Mul"])
        let types = Set(g.initializers.map(\.dataType))
        #expect(types == [.float, .float16, .bfloat16, .double, .int64, .int32])
        // Both storage forms of each floating-point type are there.
        for type in [ONNXDataType.float, .float16, .bfloat16, .double] {
            let forms = g.initializers.filter { $0.dataType == type }.map { t -> Bool in if case .raw = t.payload { true } else { false } }
            #expect(Set(forms) == [true, false], "\(type)")
        }
        let constants = try #require(dump.constants)
        #expect(constants.count == 4)
        for (name, ref) in constants {
            let t = try #require(g.constant(named: name), "\(name)")
            #expect(t.name == name)
            try expectValues(t, ref, name)
        }
        #expect(g.constant(named: "d") == nil)
        #expect(g.consumers(of: "d").map(\.name) == ["mul", "mul_scalar"])
        #expect(g.initializer(named: "scalar")?.dims == [] && g.initializer(named: "scalar")?.count == 1)
        #expect(g.initializer(named: "empty")?.count == 0)
        #expect(g.outputs[1].dims == [.unknown, .value(3), .value(2)])
    }
}
