/// `TensorProto` off the wire: dims 1, data_type 2, float_data 4, int32_data 5, string_data 6,
/// int64_data 7, name 8, raw_data 9, double_data 10, uint64_data 11, external_data 13,
/// data_location 14. The shape is checked here, and the payload's size against it, so that a
/// tensor that was read can always be decoded.
extension ONNXTensor {
    /// The largest element count accepted: ONNX files are protobufs, limited to 2 GiB in all.
    static let maximumCount = 1 << 31

    init(reading r: inout ProtobufReader) throws {
        var dims64: [Int64] = []
        var dataTypeCode: Int32 = 0
        var name = ""
        var raw: ArraySlice<UInt8>?
        var floatBits: [UInt32] = []
        var int32Data: [Int64] = []
        var int64Data: [Int64] = []
        var doubleBits: [UInt64] = []
        var uint64Data: [Int64] = []
        var stringCount = 0
        var external = false
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.repeatedVarints(type, "dims", into: &dims64)
            case 2: try r.expect(type, .varint, for: "data_type"); dataTypeCode = try r.int32()
            case 4: try r.repeatedFixed32(type, "float_data", into: &floatBits)
            case 5: try r.repeatedVarints(type, "int32_data", into: &int32Data)
            case 6: try r.expect(type, .lengthDelimited, for: "string_data"); _ = try r.lengthDelimited(); stringCount += 1
            case 7: try r.repeatedVarints(type, "int64_data", into: &int64Data)
            case 8: try r.expect(type, .lengthDelimited, for: "name"); name = try r.string()
            case 9: try r.expect(type, .lengthDelimited, for: "raw_data"); raw = try r.bytesField()
            case 10: try r.repeatedFixed64(type, "double_data", into: &doubleBits)
            case 11: try r.repeatedVarints(type, "uint64_data", into: &uint64Data)
            case 13: try r.expect(type, .lengthDelimited, for: "external_data"); _ = try r.lengthDelimited(); external = true
            case 14: try r.expect(type, .varint, for: "data_location"); if try r.int32() == 1 { external = true }
            default: try r.skip(type)
            }
        }
        let described = "tensor '\(name)'"
        if external {
            throw r.invalid("\(described) is stored in an external file; FaceNAS reads self-contained .onnx files only, "
                + "re-save with onnx.save(..., save_as_external_data=False)")
        }
        guard let dataType = ONNXDataType(rawValue: Int(dataTypeCode)) else {
            throw r.invalid("\(described) has data_type \(dataTypeCode), which FaceNAS does not read")
        }
        var dims: [Int] = []
        var count = 1
        for d in dims64 {
            guard d >= 0 else { throw r.invalid("\(described) has a negative dimension in \(dims64)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow && product <= Self.maximumCount else {
                throw r.invalid("\(described) has dims \(dims64), more than \(Self.maximumCount) elements")
            }
            dims.append(Int(d))
            count = product
        }

        let typed: [(ONNXTensor.TypedField, Int)] = [
            (.floatData, floatBits.count), (.int32Data, int32Data.count), (.int64Data, int64Data.count),
            (.doubleData, doubleBits.count), (.uint64Data, uint64Data.count), (.stringData, stringCount),
        ].filter { $0.1 > 0 }
        let shape = "dims \(dims) of \(dataType.name)"
        let payload: Payload
        if let raw {
            if let (field, _) = typed.first { throw r.invalid("\(described) holds both raw_data and \(field.rawValue)") }
            guard let size = dataType.elementSize else { throw r.invalid("\(described) is a string tensor with raw_data") }
            guard raw.count == count * size else {
                throw r.invalid("\(described): raw_data holds \(raw.count) bytes, but \(shape) need \(count * size)")
            }
            payload = .raw(raw)
        } else {
            let expected = dataType.typedField
            if let (field, _) = typed.first(where: { $0.0 != expected }) {
                throw r.invalid("\(described) holds \(field.rawValue), which does not go with data type \(dataType.name)")
            }
            let found = typed.first?.1 ?? 0
            guard found == count else {
                throw r.invalid("\(described): \(expected.rawValue) holds \(found) values, but \(shape) need \(count)")
            }
            switch expected {
            case _ where count == 0: payload = .empty
            case .floatData: payload = .floats(floatBits.map { Float(bitPattern: $0) })
            case .int32Data:
                payload = .int32s(try int32Data.map { v in
                    guard let narrow = Int32(exactly: v) else { throw r.invalid("\(described): int32_data value \(v) is out of range") }
                    return narrow
                })
            case .int64Data: payload = .int64s(int64Data)
            case .doubleData: payload = .doubles(doubleBits.map { Double(bitPattern: $0) })
            case .uint64Data: payload = .uint64s(uint64Data.map { UInt64(bitPattern: $0) })
            case .stringData: payload = .empty
            }
        }
        self.init(name: name, dataType: dataType, dims: dims, count: count, payload: payload, file: r.file, location: r.path)
    }
}
