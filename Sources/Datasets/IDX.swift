/// An IDX array of unsigned bytes (the MNIST family's format): `dims` row-major, `bytes` the payload.
public struct IDXArray: Equatable, Sendable {
    public var dims: [Int]
    public var bytes: [UInt8]

    public init(dims: [Int], bytes: [UInt8]) {
        precondition(dims.reduce(1, *) == bytes.count, "IDXArray: \(bytes.count) bytes for dims \(dims)")
        self.dims = dims
        self.bytes = bytes
    }
}

/// IDX files: 4-byte magic `00 00 08 rank` (type 08 = unsigned byte), `rank` big-endian UInt32
/// dimension sizes, then the payload. Only the unsigned-byte type is used by the data sets here.
/// Files may be gzip-compressed; compression is detected from the content, not the name.
public enum IDX {
    public static let unsignedByte: UInt8 = 0x08

    /// The magic number of an unsigned-byte IDX file of `rank` dimensions (0x00000803 for images).
    public static func magic(rank: Int) -> UInt32 { UInt32(unsignedByte) << 8 | UInt32(rank) }

    /// Reads a plain or gzip-compressed IDX file; `rank` (when given) is checked against the magic.
    /// A compressed file inflates to at most what its IDX header declares (plus `gzipSlack`, so that
    /// a few extra bytes are still reported exactly by `decode`), never to what its trailer claims.
    public static func read(_ path: String, rank: Int? = nil) throws -> IDXArray {
        let raw = try DataFile.readRaw(path)
        let data = Gzip.isGzip(raw) ? try Gzip.decompress(raw, file: path, declaredSize: declaredSize) : raw
        return try decode(data, file: path, rank: rank)
    }

    static let gzipSlack = 1 << 16

    /// The inflated size the IDX header at the start of `prefix` announces (see `read`); nil while
    /// the header is incomplete, unlimited when it is not an IDX header (`decode` then says why).
    static func declaredSize(_ prefix: ArraySlice<UInt8>) -> (bytes: Int, what: String)? {
        let unlimited = (Int.max, "")
        guard prefix.count >= 4 else { return nil }
        let p = Array(prefix.prefix(4 + 4 * 255))
        // Not an IDX file: inflate no more than `decode` needs to say so (a gzip of zeros would
        // otherwise run to the gigabyte limit first).
        guard p[0] == 0, p[1] == 0, p[2] == unsignedByte else {
            return (gzipSlack, String(format: "its first bytes %02x %02x %02x %02x are no IDX header", p[0], p[1], p[2], p[3]))
        }
        let rank = Int(p[3]), header = 4 + 4 * rank
        guard p.count >= header else { return nil }
        var dims: [Int] = []
        var total = 1
        for i in 0..<rank {
            let d = Int(readBE32(p, 4 + 4 * i))
            dims.append(d)
            let (t, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return unlimited }
            total = t
        }
        guard total <= Int.max - header - gzipSlack else { return unlimited }
        return (header + total + gzipSlack, "its IDX header declares \(describe(dims)) = \(header)+\(total) bytes")
    }

    /// Parses IDX bytes (already decompressed). `file` names the source in errors.
    public static func decode(_ data: [UInt8], file: String, rank: Int? = nil) throws -> IDXArray {
        guard data.count >= 4 else {
            throw DatasetError.truncated(file: file, header: 0, expected: 4, found: data.count, what: "an IDX magic number")
        }
        let found = readBE32(data, 0)
        let fileRank = Int(data[3])
        let expectRank = rank ?? fileRank
        let expected = magic(rank: expectRank)
        guard found == expected else {
            throw DatasetError.badMagic(file: file, found: found, expected: expected,
                                        what: "IDX unsigned-byte \(expectRank)-D")
        }
        let header = 4 + 4 * fileRank
        guard data.count >= header else {
            throw DatasetError.truncated(file: file, header: 4, expected: 4 * fileRank, found: data.count - 4,
                                         what: "\(fileRank) big-endian dimension sizes")
        }
        var dims: [Int] = []
        var total = 1
        for i in 0..<fileRank {
            let d = Int(readBE32(data, 4 + 4 * i))
            dims.append(d)
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Int(Int32.max) * 64 else {
                throw DatasetError.invalid(file: file, offset: 4 + 4 * i, message: "dimensions \(dims) are implausibly large")
            }
            total = p
        }
        let what = describe(dims)
        guard data.count >= header + total else {
            throw DatasetError.truncated(file: file, header: header, expected: total, found: data.count - header, what: what)
        }
        guard data.count == header + total else {
            throw DatasetError.trailingBytes(file: file, offset: header + total, extra: data.count - header - total, what: what)
        }
        return IDXArray(dims: dims, bytes: Array(data[header...]))
    }

    /// The IDX bytes of `array` (header + payload).
    public static func encode(_ array: IDXArray) -> [UInt8] {
        var out: [UInt8] = [0, 0, unsignedByte, UInt8(array.dims.count)]
        out.reserveCapacity(4 + 4 * array.dims.count + array.bytes.count)
        for d in array.dims {
            precondition(d >= 0 && d <= Int(UInt32.max), "IDX dimension \(d) out of range")
            out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                    UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
        }
        out += array.bytes
        return out
    }

    /// Writes `array` as an IDX file, gzip-compressed when `gzip` (the name is the caller's choice).
    public static func write(_ array: IDXArray, to path: String, gzip: Bool = false) throws {
        try DataFile.write(encode(array), to: path, gzip: gzip)
    }

    /// "60000 images of 28x28", "60000 labels", or the dimensions.
    static func describe(_ dims: [Int]) -> String {
        switch dims.count {
        case 1: return "\(dims[0]) labels"
        case 3: return "\(dims[0]) images of \(dims[1])x\(dims[2])"
        default: return "an array of \(dims.map(String.init).joined(separator: "x")) bytes"
        }
    }
}

@inline(__always)
func readBE32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
}
