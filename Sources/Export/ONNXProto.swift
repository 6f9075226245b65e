/// The parts of ONNX's protobuf schema (onnx/onnx.proto) that an inference graph of FaceNAS
/// layers uses, as plain values that encode themselves. Field numbers are the specification's;
/// everything not listed is left at its default by not being written.

/// ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
/// opset_import 8 (OperatorSetIdProto: domain 1, version 2), metadata_props 14.
public struct ONNXModel {
    public var irVersion: Int
    public var opsetVersion: Int
    public var producerName = "facenas"
    public var producerVersion: String
    public var docString: String
    public var graph: ONNXGraph
    /// StringStringEntryProto key 1, value 2; written in this order.
    public var metadata: [(key: String, value: String)]

    public func encoded() -> [UInt8] {
        var w = ProtobufWriter()
        w.int(1, irVersion)
        w.string(2, producerName)
        w.string(3, producerVersion)
        w.string(6, docString)
        w.message(7) { graph.encode(into: &$0) }
        w.message(8) { $0.string(1, ""); $0.int(2, opsetVersion) }   // "" is the default ai.onnx domain
        for (k, v) in metadata { w.message(14) { $0.string(1, k); $0.string(2, v) } }
        return w.bytes
    }
}

/// GraphProto: node 1, name 2, initializer 5, input 11, output 12.
public struct ONNXGraph {
    public var name: String
    public var nodes: [ONNXNode] = []
    public var initializers: [ONNXTensor] = []
    public var inputs: [ONNXValueInfo] = []
    public var outputs: [ONNXValueInfo] = []

    public func encode(into w: inout ProtobufWriter) {
        for n in nodes { w.message(1) { n.encode(into: &$0) } }
        w.string(2, name)
        for t in initializers { w.message(5) { t.encode(into: &$0) } }
        for v in inputs { w.message(11) { v.encode(into: &$0) } }
        for v in outputs { w.message(12) { v.encode(into: &$0) } }
    }
}

/// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
public struct ONNXNode {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute] = []

    public func encode(into w: inout ProtobufWriter) {
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        w.string(3, name)
        w.string(4, opType)
        for a in attributes { w.message(5) { a.encode(into: &$0) } }
    }
}

/// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
public struct ONNXAttribute {
    public enum Value { case float(Float), int(Int), ints([Int]) }
    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) { self.name = name; self.value = value }

    public func encode(into w: inout ProtobufWriter) {
        w.string(1, name)
        switch value {
        case .float(let f): w.float(2, f); w.int(20, 1)
        case .int(let i): w.int(3, i); w.int(20, 2)
        case .ints(let v): w.packedInts(8, v); w.int(20, 7)
        }
    }
}

/// TensorProto: dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9 (little-endian values).
public struct ONNXTensor {
    public var name: String
    public var dims: [Int]
    public var values: [Float]

    public init(name: String, dims: [Int], values: [Float]) {
        precondition(dims.reduce(1, *) == values.count, "ONNXTensor \(name): dims \(dims) hold \(dims.reduce(1, *)) values, got \(values.count)")
        self.name = name; self.dims = dims; self.values = values
    }

    public func encode(into w: inout ProtobufWriter) {
        w.packedInts(1, dims)
        w.int(2, 1)
        w.string(8, name)
        var raw = [UInt8]()
        raw.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        w.bytes(9, raw)
    }
}

/// ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1 (FLOAT = 1), shape 2
/// → TensorShapeProto.dim 1 → dim_value 1 or dim_param 2.
public struct ONNXValueInfo {
    public enum Dimension: Equatable, Sendable { case fixed(Int), named(String) }
    public var name: String
    public var shape: [Dimension]
    public var docString = ""

    public init(name: String, shape: [Dimension], docString: String = "") {
        self.name = name; self.shape = shape; self.docString = docString
    }

    public func encode(into w: inout ProtobufWriter) {
        w.string(1, name)
        w.message(2) { type in
            type.message(1) { tensor in
                tensor.int(1, 1)
                tensor.message(2) { shape in
                    for d in self.shape {
                        shape.message(1) { dim in
                            switch d {
                            case .fixed(let v): dim.int(1, v)
                            case .named(let p): dim.string(2, p)
                            }
                        }
                    }
                }
            }
        }
        if !docString.isEmpty { w.string(3, docString) }
    }
}
