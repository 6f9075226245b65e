import Foundation

/// Writes a RecordIO folder the way insightface's packers do: header record 0 with label
/// `[N+1, N+1+C]`, images as keys `1...N`, then one identity record per class with its key range.
/// Images must come grouped by class in ascending class order (as `face2rec2` requires of its
/// list). Everything goes to a sibling temporary folder that `finish()` renames into place, so an
/// interrupted conversion never leaves a folder that looks complete.
public final class RecordIOWriter {
    /// How image labels are stored: a scalar (`RecBuilder`, flag 0) or `[class, 1.0]` (`face2rec2`, flag 2).
    public enum LabelForm: Sendable { case scalar, array }

    public let directory: String
    public let labelForm: LabelForm
    public let imageSize: (height: Int, width: Int)
    /// False writes plain `im2rec` output: no header or identity records, images as keys 0..<N.
    public let writesHeader: Bool
    private let temporary: String
    private let handle: FileHandle
    private var offset = 0
    private var index = ""
    private var labels: [Int] = []
    private var buffer: [UInt8] = []
    private var finished = false

    public init(directory: String, imageSize: (height: Int, width: Int) = (112, 112),
                labelForm: LabelForm = .scalar, writesHeader: Bool = true) throws {
        self.directory = directory
        self.imageSize = imageSize
        self.labelForm = labelForm
        self.writesHeader = writesHeader
        temporary = try FolderTransaction.begin(directory)
        let rec = DataFile.join(temporary, "train.rec")
        guard FileManager.default.createFile(atPath: rec, contents: nil),
              let h = FileHandle(forWritingAtPath: rec) else {
            throw DatasetError.io(file: rec, reason: "cannot create")
        }
        handle = h
        // The header record's real label is only known at the end; reserve it with the same
        // size now (two floats) and overwrite it in place in finish().
        if writesHeader { try append(key: 0, RecordIOPacket(header: RecordIOHeader(label: .array([0, 0]), id: 0), payload: Data())) }
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    /// Number of images appended so far.
    public var count: Int { labels.count }

    /// Appends one image with its class; classes must not decrease.
    public func append(imageBytes: Data, label: Int) throws {
        precondition(!finished, "RecordIOWriter used after finish()")
        guard label >= 0, label < 16_777_216 else {
            throw DatasetError.invalid(file: directory, offset: nil, message: "image \(labels.count): label \(label), expected 0..<2^24 (stored as float32)")
        }
        if let last = labels.last, label < last {
            throw DatasetError.invalid(file: directory, offset: nil,
                                       message: "image \(labels.count): label \(label) after \(last), expected images grouped by class in ascending order")
        }
        let key = writesHeader ? labels.count + 1 : labels.count
        let l: RecordIOLabel = labelForm == .scalar ? .scalar(Float(label)) : .array([Float(label), 1])
        try append(key: key, RecordIOPacket(header: RecordIOHeader(label: l, id: UInt64(key)), payload: imageBytes))
        labels.append(label)
    }

    /// Writes the identity records, the header, `train.idx` and `property`, then moves the folder
    /// into place. `classes` counts trailing classes without images too (default: last label + 1).
    public func finish(classes: Int? = nil) throws {
        precondition(!finished, "RecordIOWriter.finish() called twice")
        let classes = max(classes ?? 0, (labels.last ?? -1) + 1)
        if writesHeader {
            let n = labels.count
            var start = 0
            for c in 0..<classes {
                var end = start
                while end < n && labels[end] == c { end += 1 }
                let key = n + 1 + c
                let range: RecordIOLabel = .array([Float(start + 1), Float(end + 1)])
                try append(key: key, RecordIOPacket(header: RecordIOHeader(label: range, id: UInt64(key)), payload: Data()))
                start = end
            }
            let meta = RecordIO.frame(RecordIO.pack(RecordIOPacket(
                header: RecordIOHeader(label: .array([Float(n + 1), Float(n + 1 + classes)]), id: 0), payload: Data())))
            try flush()
            do {
                try handle.seek(toOffset: 0)
                try handle.write(contentsOf: Data(meta))
            } catch {
                throw DatasetError.io(file: directory, reason: "cannot rewrite the header record (\(error))")
            }
        }
        try flush()
        do { try handle.synchronize(); try handle.close() } catch {
            throw DatasetError.io(file: DataFile.join(temporary, "train.rec"), reason: "cannot close (\(error))")
        }
        try DataFile.write(Array(index.utf8), to: DataFile.join(temporary, "train.idx"))
        let property = RecordIOProperty(classes: classes, height: imageSize.height, width: imageSize.width)
        try DataFile.write(Array(property.text.utf8), to: DataFile.join(temporary, "property"))
        try FolderTransaction.commit(temporary, to: directory)
        finished = true
    }

    private func append(key: Int, _ packet: RecordIOPacket) throws {
        let framed = RecordIO.frame(RecordIO.pack(packet))
        index += "\(key)\t\(offset)\n"
        offset += framed.count
        buffer.append(contentsOf: framed)
        if buffer.count >= 1 << 22 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: Data(buffer)) } catch {
            throw DatasetError.io(file: DataFile.join(temporary, "train.rec"), reason: "cannot write (\(error))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
