/// NumPy `.npy` arrays: the embedding exchange format (DESIGN: float32 N×d, one row per image).
///
/// Layout: magic `\x93NUMPY`, version byte pair (1.0: u16 header length; 2.0/3.0: u32), then a
/// Python-dict header such as `{'descr': '<f4', 'fortran_order': False, 'shape': (N, d), }` padded
/// with spaces and ended by `\n` so the data starts at a multiple of 64 bytes, then the raw values.
/// Only little-endian float32/float64 in C order, 1-D or 2-D, are accepted — what `np.save` writes for
/// embeddings; anything else is refused with a message naming the file.
public struct NPYArray: Equatable, Sendable {
    public enum DType: String, Sendable {
        case float32 = "<f4"
        case float64 = "<f8"
        var size: Int { self == .float32 ? 4 : 8 }
    }

    /// As stored: `[N]` or `[N, d]`.
    public var shape: [Int]
    /// The element type the file stored; `values` holds them widened to Double (exact for float32).
    public var dtype: DType
    /// Row-major values.
    public var values: [Double]

    public init(shape: [Int], dtype: DType, values: [Double]) {
        self.shape = shape; self.dtype = dtype; self.values = values
    }

    public var rows: Int { shape.first ?? 0 }
    /// 1 for a 1-D array.
    public var columns: Int { shape.count == 2 ? shape[1] : 1 }
}

public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads a `.npy` file (see `NPYArray` for what is accepted).
    public static func read(_ path: String) throws -> NPYArray {
        try decode(DataFile.readRaw(path), file: path)
    }

    /// Reads a `.npy` file that must hold a 2-D float matrix (N×d), e.g. embeddings.
    public static func readMatrix(_ path: String, what: String = "embeddings") throws -> NPYArray {
        let a = try read(path)
        guard a.shape.count == 2 else {
            throw DatasetError.invalid(file: path, offset: nil,
                                       message: "shape \(shapeText(a.shape)), expected a 2-D float array of \(what) (N×d)")
        }
        guard a.shape[0] > 0, a.shape[1] > 0 else {
            throw DatasetError.invalid(file: path, offset: nil, message: "shape \(shapeText(a.shape)) is empty, expected N×d with N, d ≥ 1")
        }
        return a
    }

    /// Writes float32 values of `shape` (any rank from 1, row-major) atomically.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try DataFile.write(encode(values, shape: shape), to: path)
    }

    public static func encode(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(!shape.isEmpty, "NPY.encode: a shape of rank 1 or more")
        precondition(shape.reduce(1, *) == values.count, "NPY.encode: \(values.count) values do not fill shape \(shape)")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        // Version 1.0 holds headers up to 65535 bytes, far more than a shape needs.
        let prefix = magic.count + 2 + 2
        let padded = (prefix + header.count + 1 + 63) / 64 * 64
        header += Array(repeating: UInt8(ascii: " "), count: padded - prefix - header.count - 1) + [UInt8(ascii: "\n")]
        var out = magic + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header
        out.reserveCapacity(out.count + values.count * 4)
        for v in values {
            let b = v.bitPattern.littleEndian
            out += [UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8),
                    UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24)]
        }
        return out
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> NPYArray {
        func fail(_ message: String, at offset: Int? = nil) -> DatasetError {
            .invalid(file: file, offset: offset, message: message)
        }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (expected the magic \\x93NUMPY at byte 0)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("header length cut off (expected 4 bytes at byte 8)", at: 8) }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("format version \(major).\(bytes[7]), expected 1.0, 2.0 or 3.0", at: 6)
        }
        guard headerStart + headerLength <= bytes.count else {
            throw DatasetError.truncated(file: file, header: headerStart, expected: headerLength,
                                         found: bytes.count - headerStart, what: "the .npy header")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let parsed = try NPYHeader(parsing: header, file: file, offset: headerStart)
        guard let dtype = NPYArray.DType(rawValue: parsed.descr) else {
            throw fail("dtype '\(parsed.descr)' is not supported, expected '<f4' (float32) or '<f8' (float64)", at: headerStart)
        }
        guard !parsed.fortranOrder else { throw fail("fortran_order True is not supported, expected C order", at: headerStart) }
        guard parsed.shape.count == 1 || parsed.shape.count == 2 else {
            throw fail("shape \(shapeText(parsed.shape)), expected a 1-D or 2-D array", at: headerStart)
        }
        let dataStart = headerStart + headerLength
        // The shape comes from the file: its element and byte counts may overflow Int.
        var count = 1, overflow = false
        for d in parsed.shape where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: d) }
        var expected = 0
        if !overflow { (expected, overflow) = count.multipliedReportingOverflow(by: dtype.size) }
        guard !overflow else {
            throw fail("shape \(shapeText(parsed.shape)) × \(dtype.size)-byte values is more than Int.max bytes (the file has \(bytes.count - dataStart) data bytes)", at: headerStart)
        }
        let found = bytes.count - dataStart
        if found < expected {
            throw DatasetError.truncated(file: file, header: dataStart, expected: expected, found: found,
                                         what: "shape \(shapeText(parsed.shape)) × \(dtype.size)-byte values")
        }
        if found > expected {
            throw DatasetError.trailingBytes(file: file, offset: dataStart + expected, extra: found - expected,
                                             what: "shape \(shapeText(parsed.shape)) × \(dtype.size)-byte values")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            switch dtype {
            case .float32:
                for i in 0..<count {
                    values[i] = Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                }
            case .float64:
                for i in 0..<count {
                    values[i] = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                }
            }
        }
        return NPYArray(shape: parsed.shape, dtype: dtype, values: values)
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
