/// The protocol-buffer wire encoding, only as much as an ONNX model needs: varints, 32-bit
/// floats, and length-delimited fields (strings, bytes, packed numbers, nested messages).
///
/// A field is a key varint (field number << 3 | wire type) followed by its payload. Wire types:
/// 0 varint, 2 length-delimited, 5 fixed 32-bit. Negative int64 values are written as ten-byte
/// two's-complement varints, as protobuf does for `int64` (never zigzag, which is `sint64`).
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    enum WireType: UInt64 { case varint = 0, lengthDelimited = 2, fixed32 = 5 }

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) {
        precondition(field > 0, "protobuf field numbers start at 1")
        appendVarint(UInt64(field) << 3 | type.rawValue)
    }

    /// An `int64`, `int32` or enum field.
    public mutating func int(_ field: Int, _ value: Int) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: Int64(value)))
    }

    /// A `float` field: four little-endian bytes.
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func bytes(_ field: Int, _ payload: [UInt8]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// A `repeated int64` field in packed form (proto3's default, accepted by proto2 parsers).
    public mutating func packedInts(_ field: Int, _ values: [Int]) {
        var inner = ProtobufWriter()
        for v in values { inner.appendVarint(UInt64(bitPattern: Int64(v))) }
        bytes(field, inner.bytes)
    }

    /// A nested message, encoded by `body` and written with its length in front.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }
}
