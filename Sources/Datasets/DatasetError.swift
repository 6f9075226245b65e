/// Everything that can go wrong while reading or writing a data set. Each case renders as one line
/// that names the file (or the `KIND:PATH` spec), the byte offset or record, and what was expected.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A `KIND:PATH` string that could not be parsed.
    case badSpec(String, reason: String)
    /// The data kind exists but this operation does not support it (e.g. a face kind given to
    /// `loadClassification`).
    case unsupportedKind(spec: String, operation: String)
    /// The folder of a spec does not exist (or is not a folder).
    case folderMissing(spec: String)
    /// A required file was not found; `name` is the base name, `alternatives` the accepted
    /// spellings (e.g. "(.gz)"), `searched` the extra sub-folders that were also looked in.
    case fileMissing(spec: String, name: String, searched: [String])
    /// The operating system refused to read or write a file.
    case io(file: String, reason: String)
    /// The file ends before `header + expected` bytes; `found` is the number of payload bytes present.
    case truncated(file: String, header: Int, expected: Int, found: Int, what: String)
    /// Extra bytes after the last expected byte.
    case trailingBytes(file: String, offset: Int, extra: Int, what: String)
    /// Wrong magic number at the start of a file.
    case badMagic(file: String, found: UInt32, expected: UInt32, what: String)
    /// A gzip stream that zlib refused; `offset` is the compressed byte where it stopped.
    case corruptGzip(file: String, offset: Int, reason: String)
    /// Two files of one split disagree on the number of records.
    case countMismatch(imagesFile: String, images: Int, labelsFile: String, labels: Int)
    /// A label outside `0..<classes`.
    case labelOutOfRange(file: String, record: Int, offset: Int, label: Int, classes: Int)
    /// Any other structural problem (wrong image size, bad dimension, …).
    case invalid(file: String, offset: Int?, message: String)
    /// One record of a large container (RecordIO, `.bin`) is damaged; `record` is its index, so a
    /// loader can skip it, count it and go on with the next one.
    case badRecord(file: String, record: Int, offset: Int, message: String)

    public var description: String {
        switch self {
        case let .badSpec(s, reason):
            return "data spec '\(s)': \(reason)"
        case let .unsupportedKind(spec, operation):
            return "\(spec): \(operation) is not supported for this data kind"
        case let .folderMissing(spec):
            return "\(spec): folder does not exist"
        case let .fileMissing(spec, name, searched):
            let extra = searched.isEmpty ? "" : " (also looked in \(searched.map { $0 + "/" }.joined(separator: ", ")))"
            return "\(spec): missing file \(name)\(extra)"
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .truncated(file, header, expected, found, what):
            return "\(file): truncated at byte \(header)+\(expected) (expected \(what) = \(expected) bytes, found \(found))"
        case let .trailingBytes(file, offset, extra, what):
            return "\(file): \(extra) unexpected bytes after byte \(offset) (expected the file to end after \(what))"
        case let .badMagic(file, found, expected, what):
            return "\(file): bad magic \(hex32(found)), expected \(hex32(expected)) (\(what))"
        case let .corruptGzip(file, offset, reason):
            return "\(file): corrupt gzip at compressed byte \(offset): \(reason)"
        case let .countMismatch(imagesFile, images, labelsFile, labels):
            return "\(labelsFile): \(labels) labels but \(imagesFile) has \(images) images (expected one label per image)"
        case let .labelOutOfRange(file, record, offset, label, classes):
            return "\(file): label \(label) of record \(record) at byte \(offset) is out of range (expected 0..<\(classes))"
        case let .invalid(file, offset, message):
            if let offset { return "\(file): at byte \(offset): \(message)" }
            return "\(file): \(message)"
        case let .badRecord(file, record, offset, message):
            return "\(file): record \(record) at byte \(offset): \(message)"
        }
    }
}

/// `0x00000803` style.
func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
