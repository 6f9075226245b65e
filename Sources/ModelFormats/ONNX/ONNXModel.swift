/// An ONNX model file (`ModelProto`), read without running it: the graph's nodes and attributes,
/// and its initializers with their values left in place until asked for.
public struct ONNXModel: Sendable {
    public let path: String
    public let irVersion: Int
    public let producerName: String
    public let producerVersion: String
    /// Operator set versions by domain; "" is the default domain.
    public let opsets: [String: Int]
    /// `metadata_props`, as key → value.
    public let metadata: [String: String]
    public let graph: ONNXGraph

    /// The default domain's operator set version; 0 when the file imports none.
    public var opsetVersion: Int { opsets[""] ?? opsets["ai.onnx"] ?? 0 }

    /// Reads the model at `path`; errors name `path`.
    public static func read(_ path: String) throws -> ONNXModel {
        try read(bytes: try readWholeFile(path), name: path)
    }

    /// Reads a model from its serialized bytes; errors (and `path`) name the file `name`.
    public static func read(bytes: [UInt8], name: String) throws -> ONNXModel {
        var r = ProtobufReader(bytes: bytes, file: name, path: "ModelProto")
        return try ONNXModel(path: name, reading: &r)
    }
}

/// ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8,
/// metadata_props 14; OperatorSetIdProto: domain 1, version 2; StringStringEntryProto: key 1, value 2.
extension ONNXModel {
    init(path: String, reading r: inout ProtobufReader) throws {
        var irVersion = 0
        var producerName = "", producerVersion = ""
        var opsets: [String: Int] = [:]
        var metadata: [String: String] = [:]
        var graph: ONNXGraph?
        var opsetCount = 0, metadataCount = 0
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .varint, for: "ir_version"); irVersion = try r.int()
            case 2: try r.expect(type, .lengthDelimited, for: "producer_name"); producerName = try r.string()
            case 3: try r.expect(type, .lengthDelimited, for: "producer_version"); producerVersion = try r.string()
            case 7:
                try r.expect(type, .lengthDelimited, for: "graph")
                let start = r.offset
                var m = try r.message("graph")
                guard graph == nil else { throw r.error("a second graph", at: start) }
                graph = try ONNXGraph(reading: &m)
            case 8:
                try r.expect(type, .lengthDelimited, for: "opset_import")
                var m = try r.message("opset_import[\(opsetCount)]")
                var domain = "", version = 0
                while let (field, type) = try m.nextField() {
                    switch field {
                    case 1: try m.expect(type, .lengthDelimited, for: "domain"); domain = try m.string()
                    case 2: try m.expect(type, .varint, for: "version"); version = try m.int()
                    default: try m.skip(type)
                    }
                }
                opsets[domain] = version
                opsetCount += 1
            case 14:
                try r.expect(type, .lengthDelimited, for: "metadata_props")
                var m = try r.message("metadata_props[\(metadataCount)]")
                var key = "", value = ""
                while let (field, type) = try m.nextField() {
                    switch field {
                    case 1: try m.expect(type, .lengthDelimited, for: "key"); key = try m.string()
                    case 2: try m.expect(type, .lengthDelimited, for: "value"); value = try m.string()
                    default: try m.skip(type)
                    }
                }
                metadata[key] = value
                metadataCount += 1
            default: try r.skip(type)
            }
        }
        guard let graph else { throw r.invalid("no graph (is this an ONNX model file?)") }
        self.init(path: path, irVersion: irVersion, producerName: producerName, producerVersion: producerVersion,
                  opsets: opsets, metadata: metadata, graph: graph)
    }
}
