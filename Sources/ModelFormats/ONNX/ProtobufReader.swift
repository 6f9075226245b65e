/// The protocol-buffer wire format, read strictly: every length, varint and nested message is
/// checked against the bytes that are there, and anything malformed becomes a `ModelFormatError`
/// naming the file, the message path (`ModelProto.graph.node[12].attribute[0]`) and the byte
/// offset. Nothing here traps on any byte sequence, and every read advances, so no input hangs.
///
/// The reader is a window (`offset..<end`) onto the whole file's bytes; nested messages get a
/// narrower window onto the same array, so nothing is copied until a value is decoded.
struct ProtobufReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5

        var name: String {
            switch self {
            case .varint: "varint"
            case .fixed64: "fixed64"
            case .lengthDelimited: "length-delimited"
            case .startGroup: "start-group"
            case .endGroup: "end-group"
            case .fixed32: "fixed32"
            }
        }
    }

    /// Deep enough for any ONNX model (a graph inside an attribute inside a node inside a graph …
    /// is a handful of levels); shallow enough that a hostile file cannot exhaust the stack.
    static let maximumDepth = 64

    let bytes: [UInt8]
    let file: String
    /// The message being read, for error messages.
    let path: String
    let depth: Int
    private(set) var offset: Int
    let end: Int

    /// A reader of the whole of `bytes` as the message `path`.
    init(bytes: [UInt8], file: String, path: String) {
        self.init(bytes: bytes, file: file, path: path, depth: 0, range: 0..<bytes.count)
    }

    private init(bytes: [UInt8], file: String, path: String, depth: Int, range: Range<Int>) {
        self.bytes = bytes
        self.file = file
        self.path = path
        self.depth = depth
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { offset >= end }

    func error(_ message: String, at position: Int? = nil) -> ModelFormatError {
        ModelFormatError(file: file, "\(path): \(message) at byte \(position ?? offset)")
    }

    /// An error about a value that was read well but makes no sense, where no byte offset helps.
    func invalid(_ message: String) -> ModelFormatError {
        ModelFormatError(file: file, "\(path): \(message)")
    }

    // MARK: Scalars

    mutating func varint() throws -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw error("varint runs past the end", at: start) }
            let byte = bytes[offset]
            offset += 1
            // The tenth byte holds bit 63 only; more would overflow 64 bits.
            if shift == 63 && byte > 1 { throw error("varint overflows 64 bits", at: start) }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// An `int64`/`uint64`-typed varint, as two's complement.
    mutating func int64() throws -> Int64 { Int64(bitPattern: try varint()) }

    /// An `int64` field as `Int` (64 bits on every platform FaceNAS builds for).
    mutating func int() throws -> Int { Int(try int64()) }

    /// An `int32` or enum field: protobuf writes negative ones sign-extended to ten bytes, so a
    /// value outside the 32-bit range is a corrupt field rather than a big number.
    mutating func int32() throws -> Int32 {
        let start = offset
        let v = try int64()
        guard let narrow = Int32(exactly: v) else { throw error("int32 value \(v) is out of range", at: start) }
        return narrow
    }

    mutating func fixed32() throws -> UInt32 {
        guard end - offset >= 4 else { throw error("fixed32 runs past the end") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func fixed64() throws -> UInt64 {
        guard end - offset >= 8 else { throw error("fixed64 runs past the end") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    mutating func float() throws -> Float { Float(bitPattern: try fixed32()) }

    // MARK: Length-delimited

    /// The byte range of a length-delimited payload, which the reader then steps over.
    mutating func lengthDelimited() throws -> Range<Int> {
        let start = offset
        let length = try varint()
        guard length <= UInt64(end - offset) else {
            throw error("length \(length) runs past the end (\(end - offset) bytes left)", at: start)
        }
        let range = offset..<(offset + Int(length))
        offset = range.upperBound
        return range
    }

    /// A `bytes` payload as a slice sharing the file's storage.
    mutating func bytesField() throws -> ArraySlice<UInt8> { bytes[try lengthDelimited()] }

    /// A `string` field. Invalid UTF-8 is repaired rather than refused: protobuf does not check it
    /// in proto2 files like ONNX's, and a mangled node name should not make a model unreadable.
    mutating func string() throws -> String { String(decoding: bytes[try lengthDelimited()], as: UTF8.self) }

    /// A reader of a nested message, named `name` in error messages.
    mutating func message(_ name: String) throws -> ProtobufReader {
        let start = offset
        let range = try lengthDelimited()
        guard depth < Self.maximumDepth else {
            throw error("messages nest deeper than \(Self.maximumDepth) levels", at: start)
        }
        return ProtobufReader(bytes: bytes, file: file, path: path + "." + name, depth: depth + 1, range: range)
    }

    // MARK: Fields

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws -> (number: Int, wireType: WireType)? {
        guard !isAtEnd else { return nil }
        let start = offset
        let key = try varint()
        guard key <= UInt64(UInt32.max) else { throw error("field key \(key) is out of range", at: start) }
        let number = Int(key >> 3)
        guard number > 0 else { throw error("field number 0", at: start) }
        guard let type = WireType(rawValue: UInt8(key & 7)) else {
            throw error("field \(number) has invalid wire type \(key & 7)", at: start)
        }
        if type == .startGroup || type == .endGroup {
            throw error("field \(number) is a group (wire type \(type.rawValue)), which ONNX never uses", at: start)
        }
        return (number, type)
    }

    /// Steps over a field this reader does not use.
    mutating func skip(_ type: WireType) throws {
        switch type {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        case .startGroup, .endGroup: throw error("groups are not supported")
        }
    }

    /// Checks that field `name` came with the wire type its declaration gives it.
    func expect(_ type: WireType, _ expected: WireType, for name: String) throws {
        guard type == expected else {
            throw error("field \(name) has wire type \(type.name), expected \(expected.name)")
        }
    }

    // MARK: Repeated scalars
    // Writers may use either form: packed (one length-delimited run) or one field per value,
    // which proto2 files such as ONNX's use for fields declared without [packed = true].

    mutating func repeatedVarints(_ type: WireType, _ name: String, into values: inout [Int64]) throws {
        if type == .lengthDelimited {
            var run = try packedRun()
            while !run.isAtEnd { values.append(try run.int64()) }
        } else {
            try expect(type, .varint, for: name)
            values.append(try int64())
        }
    }

    mutating func repeatedFixed32(_ type: WireType, _ name: String, into values: inout [UInt32]) throws {
        if type == .lengthDelimited {
            var run = try packedRun(elementSize: 4)
            values.reserveCapacity(values.count + (run.end - run.offset) / 4)
            while !run.isAtEnd { values.append(try run.fixed32()) }
        } else {
            try expect(type, .fixed32, for: name)
            values.append(try fixed32())
        }
    }

    mutating func repeatedFixed64(_ type: WireType, _ name: String, into values: inout [UInt64]) throws {
        if type == .lengthDelimited {
            var run = try packedRun(elementSize: 8)
            values.reserveCapacity(values.count + (run.end - run.offset) / 8)
            while !run.isAtEnd { values.append(try run.fixed64()) }
        } else {
            try expect(type, .fixed64, for: name)
            values.append(try fixed64())
        }
    }

    /// A reader over a packed run; this reader has already stepped past it.
    private mutating func packedRun(elementSize: Int? = nil) throws -> ProtobufReader {
        let start = offset
        let range = try lengthDelimited()
        if let size = elementSize, range.count % size != 0 {
            throw error("packed run of \(range.count) bytes is not a whole number of \(size)-byte values", at: start)
        }
        return ProtobufReader(bytes: bytes, file: file, path: path, depth: depth, range: range)
    }
}
