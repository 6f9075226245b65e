import Foundation

/// The label of an MXNet `IRHeader`: one float (`flag == 0`) or a float array (`flag` = its length).
public enum RecordIOLabel: Equatable, Sendable {
    case scalar(Float)
    case array([Float])

    /// The class as insightface and AdaFace take it: the scalar, or the first element of an array.
    public var classValue: Float? {
        switch self {
        case let .scalar(v): return v
        case let .array(a): return a.first
        }
    }

    /// `v` as a whole number in `0...2^24` (the integers a Float holds exactly), nil otherwise:
    /// labels and keys are read from untrusted floats, and `Int(_: Float)` traps on NaN, ±inf and
    /// values beyond Int's range.
    public static func wholeNumber(_ v: Float) -> Int? {
        guard v.isFinite, v >= 0, v <= 16_777_216, v == v.rounded() else { return nil }
        return Int(v)
    }
}

/// The 24-byte `IRHeader` (`'IfQQ'`: flag, label, id, id2) that `mx.recordio.pack` puts in front
/// of every payload, with the label array that follows it when `flag > 0`.
public struct RecordIOHeader: Equatable, Sendable {
    public var label: RecordIOLabel
    public var id: UInt64
    public var id2: UInt64

    public init(label: RecordIOLabel, id: UInt64, id2: UInt64 = 0) {
        self.label = label
        self.id = id
        self.id2 = id2
    }

    public var flag: UInt32 {
        if case let .array(a) = label { return UInt32(a.count) }
        return 0
    }
}

/// One logical record: its header and whatever follows it (JPEG bytes, or nothing).
public struct RecordIOPacket: Equatable, Sendable {
    public var header: RecordIOHeader
    public var payload: Data

    public init(header: RecordIOHeader, payload: Data) {
        self.header = header
        self.payload = payload
    }
}

/// dmlc-core's physical framing and MXNet's `pack`/`unpack`, byte for byte.
public enum RecordIO {
    /// Starts every physical record; stored little-endian as `0A 23 D7 CE`.
    public static let magic: UInt32 = 0xced7230a
    static let lengthMask: UInt32 = (1 << 29) - 1
    static let irHeaderSize = 24

    /// `mx.recordio.pack`: an array label sets `flag` to its length and the header float to 0.
    public static func pack(_ packet: RecordIOPacket) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(irHeaderSize + packet.payload.count + 16)
        out.appendLE(packet.header.flag)
        switch packet.header.label {
        case let .scalar(v): out.appendLE(v.bitPattern)
        case .array: out.appendLE(UInt32(0))
        }
        out.appendLE(packet.header.id)
        out.appendLE(packet.header.id2)
        if case let .array(a) = packet.header.label { for v in a { out.appendLE(v.bitPattern) } }
        out.append(contentsOf: packet.payload)
        return out
    }

    /// `mx.recordio.unpack`; failures are reported against `file`, `record` and `offset`.
    public static func unpack(_ bytes: [UInt8], file: String, record: Int, offset: Int) throws -> RecordIOPacket {
        guard bytes.count >= irHeaderSize else {
            throw DatasetError.badRecord(file: file, record: record, offset: offset,
                                         message: "payload has \(bytes.count) bytes, expected at least the 24-byte IRHeader")
        }
        let flag = Int(bytes.u32LE(at: 0))
        let id = bytes.u64LE(at: 8), id2 = bytes.u64LE(at: 16)
        var start = irHeaderSize
        let label: RecordIOLabel
        if flag > 0 {
            guard bytes.count >= irHeaderSize + 4 * flag else {
                throw DatasetError.badRecord(file: file, record: record, offset: offset,
                                             message: "IRHeader flag \(flag) announces \(flag) label floats (\(4 * flag) bytes) but the payload has \(bytes.count - irHeaderSize) bytes after the header")
            }
            label = .array((0..<flag).map { Float(bitPattern: bytes.u32LE(at: irHeaderSize + 4 * $0)) })
            start += 4 * flag
        } else {
            label = .scalar(Float(bitPattern: bytes.u32LE(at: 4)))
        }
        return RecordIOPacket(header: RecordIOHeader(label: label, id: id, id2: id2),
                              payload: Data(bytes[start...]))
    }

    /// dmlc-core's `WriteRecord`: wherever the magic word sits at a 4-aligned offset of the data,
    /// the data is cut there and those 4 bytes dropped (cflag 1 first, 2 middle, 3 last part), so
    /// a reader that resynchronises on the magic never mistakes payload for a record start. Only
    /// the last part is zero-padded to a multiple of 4.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        precondition(data.count <= Int(lengthMask), "a RecordIO record holds at most 2^29-1 bytes")
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        func part(_ cflag: UInt32, _ range: Range<Int>) {
            out.appendLE(magic)
            out.appendLE(cflag << 29 | UInt32(range.count))
            out.append(contentsOf: data[range])
        }
        var start = 0
        var i = 0
        while i + 4 <= data.count {
            if data.u32LE(at: i) == magic {
                part(start == 0 ? 1 : 2, start..<i)
                start = i + 4
            }
            i += 4
        }
        part(start == 0 ? 0 : 3, start..<data.count)
        out.append(contentsOf: repeatElement(0, count: (4 - data.count % 4) % 4))
        return out
    }

    /// Reads the logical record whose first physical part starts at `offset`, re-inserting the
    /// magic word between parts. Returns the data and the offset just past the record.
    static func readLogical(_ file: RandomAccessFile, at offset: Int, record: Int) throws -> (data: [UInt8], end: Int) {
        var data: [UInt8] = []
        var position = offset
        var expectContinuation = false
        while true {
            let head = try file.read(at: position, count: 8)
            func fail(_ message: String) -> DatasetError {
                .badRecord(file: file.path, record: record, offset: position, message: message)
            }
            guard head.count == 8 else {
                throw fail("truncated: expected an 8-byte record header (magic, length), the file ends after \(head.count) bytes")
            }
            let found = head.u32LE(at: 0)
            guard found == magic else {
                throw fail("bad magic \(hex32(found)), expected \(hex32(magic)) (start of a RecordIO record)")
            }
            let lrec = head.u32LE(at: 4)
            let cflag = lrec >> 29, length = Int(lrec & lengthMask)
            if expectContinuation {
                guard cflag == 2 || cflag == 3 else {
                    throw fail("continuation flag \(cflag), expected 2 or 3 (middle or last part of a split record)")
                }
                data.append(contentsOf: [0x0a, 0x23, 0xd7, 0xce])
            } else {
                guard cflag == 0 || cflag == 1 else {
                    throw fail("continuation flag \(cflag), expected 0 or 1 (a whole record or the first part of a split one)")
                }
            }
            let body = try file.read(at: position + 8, count: length)
            guard body.count == length else {
                throw fail("truncated: expected \(length) payload bytes, the file ends after \(body.count)")
            }
            data.append(contentsOf: body)
            position += 8 + length + (4 - length % 4) % 4
            if cflag == 0 || cflag == 3 { return (data, min(position, file.size)) }
            expectContinuation = true
        }
    }
}

/// `property`: `classes,height,width`, e.g. `10572,112,112`.
public struct RecordIOProperty: Equatable, Sendable {
    public var classes: Int
    public var height: Int
    public var width: Int

    public init(classes: Int, height: Int, width: Int) {
        self.classes = classes
        self.height = height
        self.width = width
    }

    public init(parsing text: String, file: String) throws {
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count == 3, let c = Int(fields[0]), let h = Int(fields[1]), let w = Int(fields[2]), c >= 0, h > 0, w > 0 else {
            throw DatasetError.invalid(file: file, offset: 0,
                                       message: "expected one line 'classes,height,width' (e.g. 10572,112,112), found '\(text.trimmingCharacters(in: .whitespacesAndNewlines))'")
        }
        self.init(classes: c, height: h, width: w)
    }

    public var text: String { "\(classes),\(height),\(width)\n" }
}
