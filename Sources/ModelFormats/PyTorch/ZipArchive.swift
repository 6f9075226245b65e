import CZlib

/// The central directory of a ZIP archive held in memory (APPNOTE 6.3: ZIP64 records and extra
/// fields, stored and deflated entries). Only what `torch.save` archives need: no encryption, no
/// multi-disk archives. Every offset and size is checked against the bytes before use.
struct ZipArchive {
    struct Entry {
        let name: String
        let flags: UInt16
        let method: UInt16
        let crc: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    let file: String
    let bytes: [UInt8]
    /// In central-directory order, which is the order `torch.save` wrote them.
    let entries: [Entry]
    private let index: [String: Int]

    static let localHeaderSignature: UInt32 = 0x0403_4b50
    static let centralHeaderSignature: UInt32 = 0x0201_4b50
    static let endSignature: UInt32 = 0x0605_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50

    /// True when the bytes start like a ZIP archive (a local file header), as `torch.load` checks.
    static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.has(4, at: 0) && bytes.littleEndian(at: 0, as: UInt32.self) == localHeaderSignature
    }

    init(bytes: [UInt8], file: String) throws {
        self.file = file
        self.bytes = bytes
        func fail(_ what: String) -> ModelFormatError { ModelFormatError(file: file, what) }

        // The end record is the last 22 bytes plus a comment of up to 65,535 bytes.
        var end = -1
        var candidate = bytes.count - 22
        while candidate >= 0 && candidate >= bytes.count - 22 - 0xffff {
            if bytes.littleEndian(at: candidate, as: UInt32.self) == Self.endSignature,
               Int(bytes.littleEndian(at: candidate + 20, as: UInt16.self)) <= bytes.count - candidate - 22 {
                end = candidate
                break
            }
            candidate -= 1
        }
        guard end >= 0 else { throw fail("ZIP archive without an end-of-central-directory record (truncated?)") }
        var entryCount = Int(bytes.littleEndian(at: end + 10, as: UInt16.self))
        var directorySize = Int(bytes.littleEndian(at: end + 12, as: UInt32.self))
        var directoryOffset = Int(bytes.littleEndian(at: end + 16, as: UInt32.self))

        // ZIP64: a locator just before the end record points at the ZIP64 end record, whose 8-byte
        // fields replace the saturated (0xFFFF…) ones.
        let locator = end - 20
        if bytes.has(20, at: locator), bytes.littleEndian(at: locator, as: UInt32.self) == Self.zip64LocatorSignature {
            guard let record = Int(exactly: bytes.littleEndian(at: locator + 8, as: UInt64.self)), bytes.has(56, at: record),
                  bytes.littleEndian(at: record, as: UInt32.self) == Self.zip64EndSignature else {
                throw fail("byte \(locator): ZIP64 locator does not point at a ZIP64 end-of-central-directory record")
            }
            guard let n = Int(exactly: bytes.littleEndian(at: record + 32, as: UInt64.self)),
                  let size = Int(exactly: bytes.littleEndian(at: record + 40, as: UInt64.self)),
                  let offset = Int(exactly: bytes.littleEndian(at: record + 48, as: UInt64.self)) else {
                throw fail("byte \(record): ZIP64 end record with sizes beyond any file")
            }
            (entryCount, directorySize, directoryOffset) = (n, size, offset)
        }
        guard bytes.has(directorySize, at: directoryOffset) else {
            throw fail("central directory at byte \(directoryOffset) of \(directorySize) bytes lies outside the \(bytes.count)-byte file")
        }
        // Each central header takes at least 46 bytes, which bounds a claimed count.
        guard entryCount >= 0, entryCount <= directorySize / 46 else {
            throw fail("central directory of \(directorySize) bytes cannot hold the \(entryCount) entries it claims")
        }

        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var index: [String: Int] = [:]
        var p = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for _ in 0..<entryCount {
            guard p <= directoryEnd - 46, bytes.littleEndian(at: p, as: UInt32.self) == Self.centralHeaderSignature else {
                throw fail("byte \(p): expected a ZIP central directory header (PK\\1\\2)")
            }
            let nameLength = Int(bytes.littleEndian(at: p + 28, as: UInt16.self))
            let extraLength = Int(bytes.littleEndian(at: p + 30, as: UInt16.self))
            let commentLength = Int(bytes.littleEndian(at: p + 32, as: UInt16.self))
            let headerLength = 46 + nameLength + extraLength + commentLength
            guard headerLength <= directoryEnd - p else { throw fail("byte \(p): central directory header runs past the directory") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            var uncompressed = UInt64(bytes.littleEndian(at: p + 24, as: UInt32.self))
            var compressed = UInt64(bytes.littleEndian(at: p + 20, as: UInt32.self))
            var local = UInt64(bytes.littleEndian(at: p + 42, as: UInt32.self))
            try Self.applyZip64Extra(bytes, from: p + 46 + nameLength, count: extraLength,
                                     uncompressed: &uncompressed, compressed: &compressed, local: &local,
                                     fail: { fail("entry \(name): \($0)") })
            guard let u = Int(exactly: uncompressed), let c = Int(exactly: compressed), let l = Int(exactly: local) else {
                throw fail("entry \(name): sizes beyond any file")
            }
            let entry = Entry(name: name, flags: bytes.littleEndian(at: p + 8, as: UInt16.self),
                              method: bytes.littleEndian(at: p + 10, as: UInt16.self),
                              crc: bytes.littleEndian(at: p + 16, as: UInt32.self),
                              compressedSize: c, uncompressedSize: u, localHeaderOffset: l)
            if index[name] == nil { index[name] = entries.count }
            entries.append(entry)
            p += headerLength
        }
        self.entries = entries
        self.index = index
    }

    /// The ZIP64 extra field (id 1) holds 8-byte values for exactly those of the three fields whose
    /// 4-byte form is saturated, in this order.
    private static func applyZip64Extra(_ bytes: [UInt8], from start: Int, count: Int, uncompressed: inout UInt64,
                                        compressed: inout UInt64, local: inout UInt64,
                                        fail: (String) -> ModelFormatError) throws {
        var p = start
        let end = start + count
        while p <= end - 4 {
            let id = bytes.littleEndian(at: p, as: UInt16.self)
            let size = Int(bytes.littleEndian(at: p + 2, as: UInt16.self))
            guard size <= end - p - 4 else { throw fail("extra field \(id) runs past its header") }
            if id == 1 {
                var q = p + 4
                for field in [0, 1, 2] {
                    let saturated = field == 0 ? uncompressed == 0xffff_ffff : field == 1 ? compressed == 0xffff_ffff : local == 0xffff_ffff
                    guard saturated else { continue }
                    guard q <= p + 4 + size - 8 else { throw fail("ZIP64 extra field too short") }
                    let value = bytes.littleEndian(at: q, as: UInt64.self)
                    switch field {
                    case 0: uncompressed = value
                    case 1: compressed = value
                    default: local = value
                    }
                    q += 8
                }
            }
            p += 4 + size
        }
    }

    func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The entry's uncompressed bytes: a range of `bytes` when stored (no copy), else a fresh
    /// array. The CRC-32 is checked, so a damaged download is named rather than read as weights.
    func contents(of entry: Entry) throws -> (bytes: [UInt8], range: Range<Int>) {
        func fail(_ what: String) -> ModelFormatError { ModelFormatError(file: file, "ZIP entry \(entry.name): \(what)") }
        guard entry.flags & 1 == 0 else { throw fail("is encrypted") }
        let p = entry.localHeaderOffset
        guard bytes.has(30, at: p), bytes.littleEndian(at: p, as: UInt32.self) == Self.localHeaderSignature else {
            throw fail("byte \(p): expected a local file header (PK\\3\\4)")
        }
        let skip = 30 + Int(bytes.littleEndian(at: p + 26, as: UInt16.self)) + Int(bytes.littleEndian(at: p + 28, as: UInt16.self))
        guard bytes.has(entry.compressedSize, at: p + skip) else {
            throw fail("\(entry.compressedSize) bytes at byte \(p + skip) run past the end of the \(bytes.count)-byte file")
        }
        let raw = (p + skip)..<(p + skip + entry.compressedSize)
        let result: (bytes: [UInt8], range: Range<Int>)
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw fail("stored entry of \(entry.compressedSize) bytes claims \(entry.uncompressedSize) uncompressed")
            }
            result = (bytes, raw)
        case 8:
            let inflated = try RawInflate.inflate(bytes[raw], size: entry.uncompressedSize, file: file, entry: entry.name)
            result = (inflated, 0..<inflated.count)
        default:
            throw fail("compression method \(entry.method), expected 0 (stored) or 8 (deflate)")
        }
        let crc = Self.crc32(result.bytes, result.range)
        guard crc == entry.crc else {
            throw fail("CRC-32 is \(String(crc, radix: 16)), the directory says \(String(entry.crc, radix: 16)) (damaged file?)")
        }
        return result
    }

    static func crc32(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc: UInt = 0
            var start = range.lowerBound
            while start < range.upperBound {
                let n = min(range.upperBound - start, 1 << 30)
                crc = CZlib.crc32(crc, buffer.baseAddress! + start, UInt32(n))
                start += n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
