import Foundation
@testable import ModelFormats
import TestSupport
import Testing

/// The reader on hand-made models: every message of the subset, and each semantic refusal
/// (external data, payload sizes, shapes, types) with the error line it gives.
struct ONNXModelTests {
    func read(_ p: ProtoBytes) throws -> ONNXModel { try ONNXModel.read(bytes: p.bytes, name: "m.onnx") }

    /// A model whose graph holds the tensor `body` writes, as initializer[0].
    func modelWithTensor(_ body: (inout ProtoBytes) -> Void) -> ProtoBytes {
        var m = ProtoBytes()
        m.int(1, 8)
        m.message(7) { g in g.message(5, body) }
        return m
    }

    func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as ModelFormatError { return e.description } catch { return "\(error)" }
    }

    @Test func readsTheSmallModel() throws {
        let model = try read(ONNXFixture.smallModel())
        #expect(model.path == "m.onnx")
        #expect(model.irVersion == 8)
        #expect(model.producerName == "tests" && model.producerVersion == "0.1")
        #expect(model.opsets == ["": 17, "com.microsoft": 1])
        #expect(model.opsetVersion == 17)
        #expect(model.metadata == ["key": "value"])
        let g = model.graph
        #expect(g.name == "small")
        #expect(g.nodes.map(\.opType) == ["Conv", "Constant", "Mul"])
        #expect(g.nodes.map(\.index) == [0, 1, 2])
        let conv = g.nodes[0]
        #expect(conv.name == "conv0" && conv.domain == "")
        #expect(conv.inputs == ["x", "w", "b"] && conv.outputs == ["y"])
        #expect(conv.ints("kernel_shape") == [3, 3])
        #expect(conv.ints("strides") == [2, 2])
        #expect(conv.int("group") == 1)
        #expect(conv.float("alpha") == 0.25)
        #expect(conv.int("alpha") == nil && conv.ints("missing") == nil)

        #expect(g.initializers.map(\.name) == ["w", "b", "i", "h"])
        let w = try #require(g.initializer(named: "w"))
        #expect(w.dims == [2, 1] && w.count == 2 && w.dataType == .float)
        #expect(try w.floats() == [0.5, -1])
        #expect(try g.initializer(named: "b")?.floats() == [3, 4])
        #expect(try g.initializer(named: "i")?.int64s() == [-1, 0, 1 << 40])
        #expect(try g.initializer(named: "h")?.floats() == [1, -.infinity])
        #expect(g.initializer(named: "k") == nil)

        let k = try #require(g.constant(named: "k"))
        #expect(k.name == "k" && k.dims == [2])
        #expect(try k.floats() == [1.5, -2])
        #expect(g.constant(named: "w")?.name == "w")
        #expect(g.constant(named: "y") == nil)

        #expect(g.producer(of: "y")?.index == 0)
        #expect(g.producer(of: "x") == nil)
        #expect(g.consumers(of: "y").map(\.index) == [2])
        #expect(g.consumers(of: "k").map(\.opType) == ["Mul"])
        #expect(g.consumers(of: "nothing").isEmpty)

        #expect(g.inputs.count == 1 && g.inputs[0].name == "x")
        #expect(g.inputs[0].elementType == .float)
        #expect(g.inputs[0].dims == [.parameter("batch"), .value(2), .unknown])
        #expect(g.outputs[0].name == "z" && g.outputs[0].dims == nil)
    }

    @Test func readsFromAFileAndNamesMissingOnes() throws {
        let dir = temporaryDirectory("onnx-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/small.onnx"
        try Data(ONNXFixture.smallModel().bytes).write(to: URL(fileURLWithPath: path))
        let model = try ONNXModel.read(path)
        #expect(model.path == path && model.graph.nodes.count == 3)
        #expect(error { _ = try ONNXModel.read(dir + "/none.onnx") }?.hasPrefix("\(dir)/none.onnx: cannot open: ") == true)
        #expect(error { _ = try ONNXModel.read(dir) } == "\(dir): is not a regular file")
        try Data().write(to: URL(fileURLWithPath: dir + "/empty.onnx"))
        #expect(error { _ = try ONNXModel.read(dir + "/empty.onnx") } == "\(dir)/empty.onnx: ModelProto: no graph (is this an ONNX model file?)")
    }

    @Test func externalDataIsRefusedNamingTheTensor() {
        let located = modelWithTensor { t in t.int(1, 4); t.int(2, 1); t.string(8, "fc.weight"); t.int(14, 1) }
        #expect(error { _ = try read(located) } == "m.onnx: ModelProto.graph.initializer[0]: tensor 'fc.weight' is stored in an "
            + "external file; FaceNAS reads self-contained .onnx files only, re-save with onnx.save(..., save_as_external_data=False)")
        let listed = modelWithTensor { t in
            t.int(1, 4); t.int(2, 1); t.string(8, "w2")
            t.message(13) { e in e.string(1, "location"); e.string(2, "w2.bin") }
        }
        #expect(error { _ = try read(listed) }?.contains("tensor 'w2' is stored in an external file") == true)
    }

    @Test func payloadSizesMustMatchTheShape() throws {
        let short = modelWithTensor { t in t.int(1, 3); t.int(2, 1); t.string(8, "w"); t.bytes(9, [0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(error { _ = try read(short) }
            == "m.onnx: ModelProto.graph.initializer[0]: tensor 'w': raw_data holds 8 bytes, but dims [3] of float need 12")
        let long = modelWithTensor { t in t.int(1, 1); t.int(2, 10); t.string(8, "h"); t.bytes(9, [0, 0, 0, 0]) }
        #expect(error { _ = try read(long) }?.contains("raw_data holds 4 bytes, but dims [1] of float16 need 2") == true)
        let typed = modelWithTensor { t in t.int(1, 3); t.int(2, 1); t.string(8, "f"); t.packedFloats(4, [1, 2]) }
        #expect(error { _ = try read(typed) }?.contains("tensor 'f': float_data holds 2 values, but dims [3] of float need 3") == true)
        let none = modelWithTensor { t in t.int(1, 2); t.int(2, 7); t.string(8, "n") }
        #expect(error { _ = try read(none) }?.contains("int64_data holds 0 values, but dims [2] of int64 need 2") == true)
        let both = modelWithTensor { t in t.int(2, 1); t.string(8, "b"); t.bytes(9, [0, 0, 0, 0]); t.packedFloats(4, [1]) }
        #expect(error { _ = try read(both) }?.contains("tensor 'b' holds both raw_data and float_data") == true)
        let wrong = modelWithTensor { t in t.int(2, 1); t.string(8, "x"); t.int(7, 5) }
        #expect(error { _ = try read(wrong) }?.contains("tensor 'x' holds int64_data, which does not go with data type float") == true)
        let empty = modelWithTensor { t in t.int(1, 0); t.int(1, 5); t.int(2, 1); t.string(8, "e") }
        #expect(try read(empty).graph.initializers[0].floats() == [])
    }

    @Test func shapesAndTypesAreChecked() {
        let negative = modelWithTensor { t in t.int(1, 2); t.int(1, -1); t.int(2, 1); t.string(8, "n") }
        #expect(error { _ = try read(negative) }?.contains("tensor 'n' has a negative dimension in [2, -1]") == true)
        let huge = modelWithTensor { t in t.int(1, 1 << 16); t.int(1, 1 << 16); t.int(1, 2); t.int(2, 1); t.string(8, "big") }
        #expect(error { _ = try read(huge) }?.contains("tensor 'big' has dims [65536, 65536, 2], more than 2147483648 elements") == true)
        let overflow = modelWithTensor { t in t.int(1, Int.max); t.int(1, Int.max); t.int(2, 1); t.string(8, "o") }
        #expect(error { _ = try read(overflow) }?.contains("more than 2147483648 elements") == true)
        let complex = modelWithTensor { t in t.int(2, 14); t.string(8, "c") }
        #expect(error { _ = try read(complex) }?.contains("tensor 'c' has data_type 14, which FaceNAS does not read") == true)
        let undefined = modelWithTensor { t in t.string(8, "u") }
        #expect(error { _ = try read(undefined) }?.contains("tensor 'u' has data_type 0") == true)
    }

    @Test func valuesOfTheWrongKindAreRefused() throws {
        let model = try read(ONNXFixture.smallModel())
        #expect(error { _ = try model.graph.initializer(named: "i")?.floats() }
            == "m.onnx: ModelProto.graph.initializer[2]: tensor 'i': holds int64 values, not floating point")
        #expect(error { _ = try model.graph.initializer(named: "w")?.int64s() }?.contains("holds float values, not integers") == true)
        let badHalf = modelWithTensor { t in t.int(2, 10); t.string(8, "h"); t.int(5, 0x10000) }
        #expect(error { _ = try read(badHalf).graph.initializers[0].floats() }?.contains("int32_data value 65536 is not a 16-bit pattern") == true)
    }

    @Test func errorsNameTheMessagePathAndOffset() throws {
        var m = ProtoBytes()
        m.message(7) { g in
            g.message(1) { n in n.string(4, "Relu") }
            g.message(1) { n in
                n.string(4, "Conv")
                n.message(5) { a in a.string(1, "MARK"); a.bytes = a.bytes + [0x18, 0x80] }
            }
        }
        let mark = Array("MARK".utf8)
        let at = try #require((0...(m.bytes.count - 4)).first { Array(m.bytes[$0..<($0 + 4)]) == mark }) + 5
        #expect(error { _ = try read(m) } == "m.onnx: ModelProto.graph.node[1].attribute[0]: varint runs past the end at byte \(at)")
    }

    @Test func nodesAndGraphsAreChecked() {
        var noOp = ProtoBytes()
        noOp.message(7) { g in g.message(1) { n in n.string(3, "anon") } }
        #expect(error { _ = try read(noOp) } == "m.onnx: ModelProto.graph.node[0]: node 'anon' has no op_type")
        var twice = ProtoBytes()
        twice.message(7) { g in
            g.message(1) { n in n.string(4, "Relu"); n.string(2, "v") }
            g.message(1) { n in n.string(4, "Relu"); n.string(2, "v") }
        }
        #expect(error { _ = try read(twice) } == "m.onnx: ModelProto.graph: value 'v' is produced by both node[0] and node[1]")
        var attribute = ProtoBytes()
        attribute.message(7) { g in
            g.message(1) { n in
                n.string(4, "Conv")
                n.message(5) { a in a.string(1, "group"); a.int(3, 1) }
                n.message(5) { a in a.string(1, "group"); a.int(3, 2) }
            }
        }
        #expect(error { _ = try read(attribute) }?.contains("attribute 'group' appears twice in the node") == true)
        var graphs = ProtoBytes()
        graphs.message(7) { _ in }
        graphs.message(7) { _ in }
        #expect(error { _ = try read(graphs) }?.contains("ModelProto: a second graph at byte 3") == true)
    }

    @Test func attributesWithoutATypeTakeTheFieldPresent() throws {
        var m = ProtoBytes()
        m.message(7) { g in
            g.message(1) { n in
                n.string(4, "X")
                n.message(5) { a in a.string(1, "f"); a.float(2, 2.5) }
                n.message(5) { a in a.string(1, "s"); a.string(4, "SAME_UPPER") }
                n.message(5) { a in a.string(1, "fs"); a.float(7, 1); a.float(7, 2) }
                n.message(5) { a in a.string(1, "ss"); a.string(9, "a"); a.string(9, "b") }
                n.message(5) { a in a.string(1, "g"); a.message(6) { $0.string(2, "sub") } }
                n.message(5) { a in a.string(1, "sparse"); a.int(20, 11) }
                n.message(5) { a in a.string(1, "none"); a.int(20, 7) }
            }
        }
        let node = try read(m).graph.nodes[0]
        #expect(node.float("f") == 2.5)
        #expect(node.string("s") == "SAME_UPPER")
        #expect(node.floats("fs") == [1, 2])
        guard case .strings(let ss) = node.attributes["ss"], case .graph = node.attributes["g"],
              case .unsupported(type: 11) = node.attributes["sparse"] else { Issue.record("\(node.attributes)"); return }
        #expect(ss == [Array("a".utf8), Array("b".utf8)])
        #expect(node.ints("none") == [])
        var untyped = ProtoBytes()
        untyped.message(7) { g in g.message(1) { n in n.string(4, "X"); n.message(5) { a in a.string(1, "empty") } } }
        #expect(error { _ = try read(untyped) }?.contains("attribute 'empty' has neither a type nor a value") == true)
    }
}
