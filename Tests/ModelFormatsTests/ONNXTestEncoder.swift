import ModelFormats

/// A protobuf writer for the tests' hand-made ONNX files: malformed variants need byte-level
/// control that no real exporter gives. It remembers where each length prefix starts so that
/// the fuzz test can corrupt lengths on purpose.
struct ProtoBytes {
    var bytes: [UInt8] = []
    private(set) var lengthOffsets: [Int] = []

    static func varint(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    mutating func key(_ field: Int, _ wireType: UInt8) { bytes += Self.varint(UInt64(field) << 3 | UInt64(wireType)) }

    mutating func int(_ field: Int, _ value: Int) {
        key(field, 0)
        bytes += Self.varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        key(field, 5)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    mutating func float(_ field: Int, _ value: Float) { fixed32(field, value.bitPattern) }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    mutating func bytes(_ field: Int, _ payload: [UInt8], innerLengths: [Int] = []) {
        key(field, 2)
        lengthOffsets.append(bytes.count)
        bytes += Self.varint(UInt64(payload.count))
        let base = bytes.count
        lengthOffsets += innerLengths.map { $0 + base }
        bytes += payload
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ body: (inout ProtoBytes) -> Void) {
        var inner = ProtoBytes()
        body(&inner)
        bytes(field, inner.bytes, innerLengths: inner.lengthOffsets)
    }

    mutating func packedInts(_ field: Int, _ values: [Int]) {
        bytes(field, values.flatMap { Self.varint(UInt64(bitPattern: Int64($0))) })
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        bytes(field, ONNXFixture.floatBytes(values))
    }
}

/// Pieces of ONNX messages, with the field numbers the reader uses.
enum ONNXFixture {
    static func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
    }

    static func valueInfo(_ p: inout ProtoBytes, field: Int, name: String, dims: [ONNXDimension]?) {
        p.message(field) { v in
            v.string(1, name)
            v.message(2) { type in
                type.message(1) { tensor in
                    tensor.int(1, 1)
                    guard let dims else { return }
                    tensor.message(2) { shape in
                        for d in dims {
                            shape.message(1) { dim in
                                switch d {
                                case .value(let n): dim.int(1, n)
                                case .parameter(let s): dim.string(2, s)
                                case .unknown: break
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A small valid model touching every message and both repeated-scalar forms: a Conv node with
    /// packed and unpacked INTS, a FLOAT and an INT attribute, initializers as raw_data, packed
    /// float_data, unpacked int64_data and float16 in int32_data, a Constant node, value infos with
    /// a dim_param and a missing shape, opsets and metadata, and unknown fields of each wire type.
    static func smallModel() -> ProtoBytes {
        var m = ProtoBytes()
        m.int(1, 8)
        m.string(2, "tests")
        m.string(3, "0.1")
        m.message(8) { o in o.string(1, ""); o.int(2, 17) }
        m.message(8) { o in o.string(1, "com.microsoft"); o.int(2, 1) }
        m.int(99, 5)            // unknown varint
        m.fixed64(98, 42)       // unknown fixed64
        m.message(7) { g in
            g.string(2, "small")
            g.message(1) { n in
                n.string(1, "x"); n.string(1, "w"); n.string(1, "b")
                n.string(2, "y")
                n.string(3, "conv0")
                n.string(4, "Conv")
                n.message(5) { a in a.string(1, "kernel_shape"); a.packedInts(8, [3, 3]); a.int(20, 7) }
                n.message(5) { a in a.string(1, "strides"); a.int(8, 2); a.int(8, 2); a.int(20, 7) }
                n.message(5) { a in a.string(1, "group"); a.int(3, 1); a.int(20, 2) }
                n.message(5) { a in a.string(1, "alpha"); a.float(2, 0.25); a.int(20, 1) }
                n.fixed32(77, 1)    // unknown fixed32
            }
            g.message(1) { n in
                n.string(2, "k")
                n.string(4, "Constant")
                n.message(5) { a in
                    a.string(1, "value")
                    a.message(5) { t in t.int(1, 2); t.int(2, 1); t.packedFloats(4, [1.5, -2]); t.string(8, "kv") }
                    a.int(20, 4)
                }
            }
            g.message(1) { n in n.string(1, "y"); n.string(1, "k"); n.string(2, "z"); n.string(4, "Mul") }
            g.message(5) { t in t.int(1, 2); t.int(1, 1); t.int(2, 1); t.string(8, "w"); t.bytes(9, floatBytes([0.5, -1])) }
            g.message(5) { t in t.packedInts(1, [2]); t.int(2, 1); t.string(8, "b"); t.packedFloats(4, [3, 4]) }
            g.message(5) { t in t.int(1, 3); t.int(2, 7); t.string(8, "i"); t.int(7, -1); t.int(7, 0); t.int(7, 1 << 40) }
            g.message(5) { t in t.int(1, 2); t.int(2, 10); t.string(8, "h"); t.packedInts(5, [0x3c00, 0xfc00]) }
            valueInfo(&g, field: 11, name: "x", dims: [.parameter("batch"), .value(2), .unknown])
            valueInfo(&g, field: 12, name: "z", dims: nil)
            g.string(66, "unknown bytes")
        }
        m.message(14) { e in e.string(1, "key"); e.string(2, "value") }
        return m
    }
}
