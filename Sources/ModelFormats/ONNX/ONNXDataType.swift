/// `TensorProto.DataType`: the element types FaceNAS recognises (complex and 8-bit float types
/// are refused where they occur).
public enum ONNXDataType: Int, Sendable, CaseIterable {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8, bool = 9,
         float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

    /// Bytes per element in `raw_data`; nil for strings, which have no raw form.
    public var elementSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        case .float, .int32, .uint32: 4
        case .int64, .double, .uint64: 8
        case .string: nil
        }
    }

    /// The name ONNX gives the type, for messages.
    public var name: String {
        switch self {
        case .float: "float"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .float16: "float16"
        case .double: "double"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bfloat16: "bfloat16"
        }
    }

    /// The typed `TensorProto` field that holds values of this type when `raw_data` is absent.
    var typedField: ONNXTensor.TypedField {
        switch self {
        case .float: .floatData
        case .uint8, .int8, .uint16, .int16, .int32, .bool, .float16, .bfloat16: .int32Data
        case .int64: .int64Data
        case .double: .doubleData
        case .uint32, .uint64: .uint64Data
        case .string: .stringData
        }
    }
}
