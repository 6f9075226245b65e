/// A node attribute's value (`AttributeProto`).
public enum ONNXAttribute: Sendable {
    case float(Float)
    case int(Int)
    case string([UInt8])
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int])
    case strings([[UInt8]])
    /// A subgraph (GRAPH or GRAPHS, as `If` and `Loop` carry); its content is not read.
    case graph
    /// A kind FaceNAS has no use for (sparse tensors, type protos), by its `AttributeType` code.
    case unsupported(type: Int)
}

/// AttributeProto: name 1, f 2, i 3, s 4, t 5, g 6, floats 7, ints 8, strings 9, graphs 11,
/// sparse_tensor 22, type 20. The value is the field `type` names; files from before IR version 2
/// have no `type`, and then the one value field present decides.
extension ONNXAttribute {
    private enum Kind: Int {
        case float = 1, int = 2, string = 3, tensor = 4, graph = 5, floats = 6, ints = 7, strings = 8, graphs = 10
    }

    static func read(_ r: inout ProtobufReader) throws -> (name: String, value: ONNXAttribute) {
        var name = ""
        var typeCode: Int32?
        var f: Float = 0, i = 0, s: [UInt8] = [], t: ONNXTensor?
        var floats: [UInt32] = [], ints: [Int64] = [], strings: [[UInt8]] = []
        var present: Kind?
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .lengthDelimited, for: "name"); name = try r.string()
            case 2: try r.expect(type, .fixed32, for: "f"); f = try r.float(); present = .float
            case 3: try r.expect(type, .varint, for: "i"); i = try r.int(); present = .int
            case 4: try r.expect(type, .lengthDelimited, for: "s"); s = Array(try r.bytesField()); present = .string
            case 5:
                try r.expect(type, .lengthDelimited, for: "t")
                var m = try r.message("t")
                t = try ONNXTensor(reading: &m)
                present = .tensor
            case 6: try r.expect(type, .lengthDelimited, for: "g"); _ = try r.lengthDelimited(); present = .graph
            case 7: try r.repeatedFixed32(type, "floats", into: &floats); present = .floats
            case 8: try r.repeatedVarints(type, "ints", into: &ints); present = .ints
            case 9: try r.expect(type, .lengthDelimited, for: "strings"); strings.append(Array(try r.bytesField())); present = .strings
            case 11: try r.expect(type, .lengthDelimited, for: "graphs"); _ = try r.lengthDelimited(); present = .graphs
            case 20: try r.expect(type, .varint, for: "type"); typeCode = try r.int32()
            default: try r.skip(type)
            }
        }
        guard let code = typeCode.map({ Int($0) }) ?? present?.rawValue else {
            throw r.invalid("attribute '\(name)' has neither a type nor a value")
        }
        let value: ONNXAttribute
        switch Kind(rawValue: code) {
        case .float: value = .float(f)
        case .int: value = .int(i)
        case .string: value = .string(s)
        case .tensor:
            guard let t else { throw r.invalid("attribute '\(name)' is of type TENSOR but holds no tensor") }
            value = .tensor(t)
        case .graph, .graphs: value = .graph
        case .floats: value = .floats(floats.map { Float(bitPattern: $0) })
        case .ints: value = .ints(ints.map { Int($0) })
        case .strings: value = .strings(strings)
        case nil: value = .unsupported(type: code)
        }
        return (name, value)
    }
}
