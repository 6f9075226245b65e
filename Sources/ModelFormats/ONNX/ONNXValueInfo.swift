/// A graph input or output (`ValueInfoProto`): its name, and its element type and shape when the
/// file gives them.
public struct ONNXValueInfo: Sendable {
    public let name: String
    /// nil when the type is absent, not a tensor, or an element type FaceNAS does not know.
    public let elementType: ONNXDataType?
    /// nil when the file gives no shape (rank unknown); otherwise one entry per axis.
    public let dims: [ONNXDimension]?
}

/// One axis of a value's shape (`TensorShapeProto.Dimension`).
public enum ONNXDimension: Sendable, Equatable {
    case value(Int)
    /// A named dynamic size, e.g. a `batch` axis from `torch.onnx.export(dynamic_axes=...)`.
    case parameter(String)
    case unknown
}

/// ValueInfoProto (name 1, type 2) → TypeProto (tensor_type 1) → Tensor (elem_type 1, shape 2)
/// → TensorShapeProto (dim 1) → Dimension (dim_value 1, dim_param 2).
extension ONNXValueInfo {
    init(reading r: inout ProtobufReader) throws {
        var name = ""
        var elementType: ONNXDataType?
        var dims: [ONNXDimension]?
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .lengthDelimited, for: "name"); name = try r.string()
            case 2:
                try r.expect(type, .lengthDelimited, for: "type")
                var typeProto = try r.message("type")
                while let (field, type) = try typeProto.nextField() {
                    guard field == 1 else { try typeProto.skip(type); continue }
                    try typeProto.expect(type, .lengthDelimited, for: "tensor_type")
                    var tensor = try typeProto.message("tensor_type")
                    while let (field, type) = try tensor.nextField() {
                        switch field {
                        case 1:
                            try tensor.expect(type, .varint, for: "elem_type")
                            elementType = ONNXDataType(rawValue: Int(try tensor.int32()))
                        case 2:
                            try tensor.expect(type, .lengthDelimited, for: "shape")
                            var shape = try tensor.message("shape")
                            dims = try Self.readShape(&shape)
                        default: try tensor.skip(type)
                        }
                    }
                }
            default: try r.skip(type)
            }
        }
        self.init(name: name, elementType: elementType, dims: dims)
    }

    private static func readShape(_ r: inout ProtobufReader) throws -> [ONNXDimension] {
        var dims: [ONNXDimension] = []
        while let (field, type) = try r.nextField() {
            guard field == 1 else { try r.skip(type); continue }
            try r.expect(type, .lengthDelimited, for: "dim")
            var d = try r.message("dim[\(dims.count)]")
            var dim = ONNXDimension.unknown
            while let (field, type) = try d.nextField() {
                switch field {
                case 1:
                    try d.expect(type, .varint, for: "dim_value")
                    let v = try d.int()
                    // Some converters write -1 for a dynamic axis; it means the same as no value.
                    dim = v >= 0 ? .value(v) : .unknown
                case 2: try d.expect(type, .lengthDelimited, for: "dim_param"); dim = .parameter(try d.string())
                default: try d.skip(type)
                }
            }
            dims.append(dim)
        }
        return dims
    }
}
