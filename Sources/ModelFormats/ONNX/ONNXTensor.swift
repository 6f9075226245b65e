/// A `TensorProto`: an initializer or a constant. Its values stay where they were in the file
/// (`raw_data` as a slice of the file's bytes) until `floats()` or `int64s()` asks for them, so a
/// 600 MB model is not held twice. Shape and payload size were checked when the file was read.
public struct ONNXTensor: Sendable {
    public let name: String
    public let dataType: ONNXDataType
    public let dims: [Int]
    /// The number of elements: the product of `dims`, 1 for a scalar.
    public var count: Int { elementCount }

    let elementCount: Int
    let payload: Payload
    /// The file and the message path it came from, for errors raised when its values are decoded.
    let file: String
    let location: String

    /// Where the values are: `raw_data` (little-endian), or the typed field its type uses.
    enum Payload: Sendable {
        case empty
        case raw(ArraySlice<UInt8>)
        case floats([Float])
        case int32s([Int32])
        case int64s([Int64])
        case doubles([Double])
        case uint64s([UInt64])
    }

    enum TypedField: String {
        case floatData = "float_data", int32Data = "int32_data", int64Data = "int64_data",
             doubleData = "double_data", uint64Data = "uint64_data", stringData = "string_data"
    }

    init(name: String, dataType: ONNXDataType, dims: [Int], count: Int, payload: Payload, file: String, location: String) {
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.elementCount = count
        self.payload = payload
        self.file = file
        self.location = location
    }

    /// The same values under another name (a `Constant` node's tensor takes its output's name).
    func renamed(_ newName: String) -> ONNXTensor {
        ONNXTensor(name: newName, dataType: dataType, dims: dims, count: elementCount, payload: payload, file: file,
                   location: location)
    }

    func error(_ message: String) -> ModelFormatError {
        ModelFormatError(file: file, "\(location): tensor '\(name)': \(message)")
    }

    /// The values of a float, float16, bfloat16 or double tensor as `Float`, in row-major order
    /// (doubles are rounded to the nearest float).
    public func floats() throws -> [Float] {
        switch (payload, dataType) {
        case (.empty, _) where elementCount == 0: return []
        case (.raw(let raw), .float): return try decode(raw) { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) }
        case (.raw(let raw), .float16): return try decode(raw) { Float(float16Bits: UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt16.self))) }
        case (.raw(let raw), .bfloat16): return try decode(raw) { Float(bfloat16Bits: UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt16.self))) }
        case (.raw(let raw), .double): return try decode(raw) { Float(Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self)))) }
        case (.floats(let values), .float): return values
        case (.doubles(let values), .double): return values.map { Float($0) }
        case (.int32s(let values), .float16): return try halfBitPatterns(values).map { Float(float16Bits: $0) }
        case (.int32s(let values), .bfloat16): return try halfBitPatterns(values).map { Float(bfloat16Bits: $0) }
        default: throw error("holds \(dataType.name) values, not floating point")
        }
    }

    /// The values of an integer or bool tensor as `Int64`, in row-major order.
    public func int64s() throws -> [Int64] {
        switch (payload, dataType) {
        case (.empty, _) where elementCount == 0: return []
        case (.raw(let raw), .int64): return try decode(raw) { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int64.self)) }
        case (.raw(let raw), .int32): return try decode(raw) { Int64(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int32.self))) }
        case (.raw(let raw), .uint32): return try decode(raw) { Int64(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) }
        case (.raw(let raw), .int16): return try decode(raw) { Int64(Int16(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int16.self))) }
        case (.raw(let raw), .uint16): return try decode(raw) { Int64(UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt16.self))) }
        case (.raw(let raw), .int8): return try decode(raw) { Int64($0.load(fromByteOffset: $1, as: Int8.self)) }
        case (.raw(let raw), .uint8), (.raw(let raw), .bool): return try decode(raw) { Int64($0[$1]) }
        case (.raw(let raw), .uint64):
            return try unsigned(try decode(raw) { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self)) })
        case (.int64s(let values), .int64): return values
        case (.int32s(let values), .int32), (.int32s(let values), .int16), (.int32s(let values), .int8),
             (.int32s(let values), .uint16), (.int32s(let values), .uint8), (.int32s(let values), .bool):
            return values.map { Int64($0) }
        case (.uint64s(let values), .uint32), (.uint64s(let values), .uint64): return try unsigned(values)
        default: throw error("holds \(dataType.name) values, not integers")
        }
    }

    /// Decodes `elementCount` little-endian values from `raw`, whose length was checked on reading.
    private func decode<T>(_ raw: ArraySlice<UInt8>, _ element: (UnsafeRawBufferPointer, Int) -> T) throws -> [T] {
        let size = dataType.elementSize ?? 1
        let n = elementCount
        guard raw.count == n * size else { throw error("raw_data holds \(raw.count) bytes, expected \(n * size)") }
        return raw.withUnsafeBytes { buffer in (0..<n).map { element(buffer, $0 * size) } }
    }

    /// float16 and bfloat16 values kept in `int32_data`, one 16-bit pattern each.
    private func halfBitPatterns(_ values: [Int32]) throws -> [UInt16] {
        try values.map { v in
            // Writers store the pattern unsigned; a sign-extended one is accepted too.
            guard v >= -0x8000 && v <= 0xffff else { throw error("int32_data value \(v) is not a 16-bit pattern") }
            return UInt16(truncatingIfNeeded: v)
        }
    }

    private func unsigned(_ values: [UInt64]) throws -> [Int64] {
        try values.map { v in
            guard let s = Int64(exactly: v) else { throw error("uint64 value \(v) does not fit in Int64") }
            return s
        }
    }
}
