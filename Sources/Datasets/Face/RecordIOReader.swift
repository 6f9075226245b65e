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

    /// `checkLabels` reads the class of every image record once (its 36 leading bytes, not the
    /// image) and refuses a set whose labels exceed the identity count that `property` or the header
    /// record announces, or a `property` whose class count exceeds both the images and the labels:
    /// training sizes its classifier from that count, so a wrong one crashes or exhausts memory.
    /// Records too damaged to give a label are left to fail (and be skipped) when read.
    public init(directory: String, checkLabels: Bool = true) throws {
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
                guard let first = RecordIOLabel.wholeNumber(a[0]), let end = RecordIOLabel.wholeNumber(a[1]),
                      first >= 1, end >= first else {
                    throw DatasetError.badRecord(file: recordFile, record: 0, offset: metaOffset,
                                                 message: "header record label [\(a[0]), \(a[1])], expected [N+1, N+1+C] (images are keys 1...N, identities N+1..<N+1+C)")
                }
                // Every announced key must have a record, so counts beyond the records are lies;
                // checked before the key list is allocated.
                guard first - 1 <= offsets.count, end - first <= offsets.count else {
                    throw DatasetError.badRecord(file: recordFile, record: 0, offset: metaOffset,
                                                 message: "header record announces \(first - 1) images and \(end - first) identities, but the file has only \(offsets.count) records")
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
        if checkLabels { try checkLabelsAgainstIdentities(propertyFile: propertyFile) }
    }

    /// See `init(directory:checkLabels:)`.
    private func checkLabelsAgainstIdentities(propertyFile: String) throws {
        guard property != nil || identityKeys != nil else { return }
        var reach = 0
        var highest: (key: Int, label: Int)?
        for key in keys {
            guard let label = quickLabel(key: key) else { continue }
            if label >= reach { reach = label + 1; highest = (key, label) }
        }
        let example = highest.map { " (record \($0.key) at byte \(offsets[$0.key]!) has label \($0.label))" } ?? ""
        if let p = property {
            if p.classes < reach {
                throw DatasetError.invalid(file: propertyFile, offset: nil,
                                           message: "property says \(p.classes) classes, labels reach \(reach)\(example); expected classes ≥ \(reach)")
            }
            if p.classes > max(count, reach) {
                throw DatasetError.invalid(file: propertyFile, offset: nil,
                                           message: "property says \(p.classes) classes, labels reach \(reach) and the set has \(count) images; expected at most \(max(count, reach)) classes")
            }
        } else if let identities, identities < reach {
            throw DatasetError.badRecord(file: recordFile, record: 0, offset: offsets[0]!,
                                         message: "header record announces \(identities) identities, labels reach \(reach)\(example)")
        }
    }

    /// The class of image record `key` from its framing and IRHeader alone, nil when the record is
    /// damaged or its label is not a class number (reading it then fails and the loader skips it).
    private func quickLabel(key: Int) -> Int? {
        guard let offset = offsets[key], let head = try? file.read(at: offset, count: 8 + RecordIO.irHeaderSize + 4),
              head.count >= 8 + RecordIO.irHeaderSize, head.u32LE(at: 0) == RecordIO.magic else { return nil }
        let lrec = head.u32LE(at: 4)
        let value: Float?
        if lrec >> 29 == 0 && Int(lrec & RecordIO.lengthMask) >= RecordIO.irHeaderSize {
            let flag = head.u32LE(at: 8)
            if flag == 0 {
                value = Float(bitPattern: head.u32LE(at: 12))
            } else {
                guard head.count >= 8 + RecordIO.irHeaderSize + 4, Int(lrec & RecordIO.lengthMask) >= RecordIO.irHeaderSize + 4 else { return nil }
                value = Float(bitPattern: head.u32LE(at: 8 + RecordIO.irHeaderSize))
            }
        } else {
            // A record split at a magic word inside its header: rare, read it whole.
            value = (try? packet(key: key))?.header.label.classValue
        }
        return value.flatMap(RecordIOLabel.wholeNumber)
    }

    /// Byte offset of the record with `key` in `train.rec`.
    public func offset(ofKey key: Int) -> Int? { offsets[key] }

    /// The `index`-th image (0-based): its class (a scalar label, or the first element of an
    /// array label) and its encoded bytes.
    public func record(at index: Int) throws -> RecordIOImage {
        precondition(index >= 0 && index < keys.count, "image index \(index) outside 0..<\(keys.count)")
        let key = keys[index]
        let packet = try packet(key: key)
        guard let value = packet.header.label.classValue, let label = RecordIOLabel.wholeNumber(value), label < 16_777_216 else {
            throw DatasetError.badRecord(file: recordFile, record: key, offset: offsets[key]!,
                                         message: "label \(packet.header.label), expected a whole non-negative class number")
        }
        return RecordIOImage(key: key, label: label, imageBytes: packet.payload)
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
        let imageKeys = 1..<(identityKeys.lowerBound)
        return try identityKeys.map { key in
            let p = try packet(key: key)
            guard case let .array(a) = p.header.label, a.count >= 2,
                  let start = RecordIOLabel.wholeNumber(a[0]), let end = RecordIOLabel.wholeNumber(a[1]), start <= end,
                  start == end || (imageKeys.contains(start) && end <= imageKeys.upperBound) else {
                throw DatasetError.badRecord(file: recordFile, record: key, offset: offsets[key]!,
                                             message: "identity record label \(p.header.label), expected [start_key, end_key) within the image keys 1..<\(imageKeys.upperBound)")
            }
            return start..<end
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
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
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
