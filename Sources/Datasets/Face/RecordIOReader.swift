import Foundation

/// One training image of a RecordIO set: its class and its encoded (JPEG or PNG) bytes.
public struct RecordIOImage: Sendable {
    public var key: Int
    public var label: Int
    public var imageBytes: Data
}

/// An MXNet RecordIO folder (`train.rec`, optional `train.idx` and `property`) as insightface
/// writes it. Image `i` (0-based) is the record with key `keys[i]`: keys `1..<label[0]` of the
/// header record 0 when it has one (`flag > 0`), else every record in `.idx` order. Without
/// `.idx` the offsets come from one sequential scan of `train.rec` (keys = IRHeader ids).
/// Damaged records throw `DatasetError.badRecord` with the record's key, so a loader can skip them.
public final class RecordIOReader: Sendable {
    public let directory: String
    public let recordFile: String
    /// The parsed `property` file, nil when the folder has none.
    public let property: RecordIOProperty?
    /// Keys of the image records, in image order.
    public let keys: [Int]
    /// Keys of the identity records announced by record 0 (`label[0]..<label[1]`), nil without one.
    public let identityKeys: Range<Int>?
    /// True when the offsets were read from `train.idx`, false when found by scanning.
    public let hasIndex: Bool
    private let offsets: [Int: Int]
    private let file: RandomAccessFile

    public var count: Int { keys.count }
    /// The identity count announced by the header record, nil when the file has none.
    public var identities: Int? { identityKeys?.count }

    public init(directory: String) throws {
        self.directory = directory
        guard DataFile.isDirectory(directory) else { throw DatasetError.folderMissing(spec: "recordio:\(directory)") }
        recordFile = DataFile.join(directory, "train.rec")
        guard DataFile.isFile(recordFile) else {
            throw DatasetError.fileMissing(spec: "recordio:\(directory)", name: "train.rec", searched: [])
        }
        let propertyFile = DataFile.join(directory, "property")
        property = DataFile.isFile(propertyFile)
            ? try RecordIOProperty(parsing: String(decoding: DataFile.readRaw(propertyFile), as: UTF8.self), file: propertyFile)
            : nil
        file = try RandomAccessFile(path: recordFile)

        let indexFile = DataFile.join(directory, "train.idx")
        var order: [Int] = []
        var offsets: [Int: Int] = [:]
        if DataFile.isFile(indexFile) {
            hasIndex = true
            (order, offsets) = try Self.parseIndex(indexFile)
        } else {
            hasIndex = false
            try Self.scan(file) { offset, packet in
                let key = Int(packet.header.id)
                if offsets[key] == nil { order.append(key) }
                offsets[key] = offset
            }
        }
        self.offsets = offsets

        var identityKeys: Range<Int>?
        var keys = order
        if let metaOffset = offsets[0] {
            let meta = try RecordIO.unpack(RecordIO.readLogical(file, at: metaOffset, record: 0).data,
                                           file: recordFile, record: 0, offset: metaOffset)
            if case let .array(a) = meta.header.label, a.count >= 2 {
                let first = Int(a[0]), end = Int(a[1])
                guard a[0] >= 1, end >= first, Float(first) == a[0], Float(end) == a[1] else {
                    throw DatasetError.badRecord(file: recordFile, record: 0, offset: metaOffset,
                                                 message: "header record label [\(a[0]), \(a[1])], expected [N+1, N+1+C] (images are keys 1...N, identities N+1..<N+1+C)")
                }
                keys = Array(1..<first)
                identityKeys = first..<end
                for k in keys where offsets[k] == nil {
                    throw DatasetError.invalid(file: hasIndex ? indexFile : recordFile, offset: nil,
                                               message: "header record says images are keys 1...\(first - 1) but key \(k) is missing")
                }
            }
        }
        self.keys = keys
        self.identityKeys = identityKeys
    }

    /// Byte offset of the record with `key` in `train.rec`.
    public func offset(ofKey key: Int) -> Int? { offsets[key] }

    /// The `index`-th image (0-based): its class (a scalar label, or the first element of an
    /// array label) and its encoded bytes.
    public func record(at index: Int) throws -> RecordIOImage {
        precondition(index >= 0 && index < keys.count, "image index \(index) outside 0..<\(keys.count)")
        let key = keys[index]
        let packet = try packet(key: key)
        guard let value = packet.header.label.classValue, value >= 0, value == value.rounded(), value < 16_777_216 else {
            throw DatasetError.badRecord(file: recordFile, record: key, offset: offsets[key]!,
                                         message: "label \(packet.header.label), expected a whole non-negative class number")
        }
        return RecordIOImage(key: key, label: Int(value), imageBytes: packet.payload)
    }

    /// The record with `key`, header and payload as stored.
    public func packet(key: Int) throws -> RecordIOPacket {
        guard let offset = offsets[key] else {
            throw DatasetError.invalid(file: recordFile, offset: nil, message: "no record with key \(key)")
        }
        let data = try RecordIO.readLogical(file, at: offset, record: key).data
        return try RecordIO.unpack(data, file: recordFile, record: key, offset: offset)
    }

    /// The image-key range `[start, end)` of every identity record announced by the header.
    public func identityRanges() throws -> [Range<Int>] {
        guard let identityKeys else { return [] }
        return try identityKeys.map { key in
            let p = try packet(key: key)
            guard case let .array(a) = p.header.label, a.count >= 2, a[0] <= a[1] else {
                throw DatasetError.badRecord(file: recordFile, record: key, offset: offsets[key]!,
                                             message: "identity record label \(p.header.label), expected [start_key, end_key)")
            }
            return Int(a[0])..<Int(a[1])
        }
    }

    /// Walks `train.rec` from the start without `.idx`, calling `body` with the byte offset and
    /// packet of every logical record; stops at the first damaged record with its ordinal.
    public static func scan(recordFile: String, _ body: (Int, RecordIOPacket) throws -> Void) throws {
        try scan(RandomAccessFile(path: recordFile), body)
    }

    static func scan(_ file: RandomAccessFile, _ body: (Int, RecordIOPacket) throws -> Void) throws {
        var offset = 0
        var ordinal = 0
        while offset < file.size {
            let (data, end) = try RecordIO.readLogical(file, at: offset, record: ordinal)
            try body(offset, RecordIO.unpack(data, file: file.path, record: ordinal, offset: offset))
            offset = end
            ordinal += 1
        }
    }

    /// `train.idx`: `key<TAB>offset` per line, in any key order. Offsets past the end of a cut
    /// `train.rec` are kept: those records fail one by one when read, the rest stay usable.
    private static func parseIndex(_ path: String) throws -> ([Int], [Int: Int]) {
        let text = String(decoding: try DataFile.readRaw(path), as: UTF8.self)
        var order: [Int] = []
        var offsets: [Int: Int] = [:]
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 2, let key = Int(fields[0]), let offset = Int(fields[1]), key >= 0, offset >= 0 else {
                throw DatasetError.invalid(file: path, offset: nil, message: "line \(n + 1): expected 'key<TAB>byte_offset', found '\(line)'")
            }
            guard offsets[key] == nil else {
                throw DatasetError.invalid(file: path, offset: nil, message: "line \(n + 1): key \(key) listed twice")
            }
            order.append(key)
            offsets[key] = offset
        }
        return (order, offsets)
    }
}
