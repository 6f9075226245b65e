import Foundation

/// A labelled set of encoded face images (RecordIO, identity folders, generated sets): what the
/// face loader reads. Decoding happens in the loader, so a source only hands out bytes.
public protocol FaceImageSource: Sendable {
    /// For messages: the file or folder the images come from.
    var name: String { get }
    var count: Int { get }
    /// Number of identities (labels lie in `0..<classes`).
    var classes: Int { get }
    /// The encoded bytes and identity of image `index`; throws a one-line error naming the file and
    /// the record when the image cannot be read.
    func encodedImage(at index: Int) throws -> (label: Int, bytes: Data)
    /// Where image `index` lives, for messages about its content ("train.rec: record 17 at byte 4096").
    func location(of index: Int) -> String
    /// The identity of every image, in index order, read without decoding any image where the
    /// format allows (the default reads every record).
    func identityLabels() throws -> [Int]
}

extension FaceImageSource {
    public func identityLabels() throws -> [Int] { try (0..<count).map { try encodedImage(at: $0).label } }
}

/// Encoded images held in memory.
public struct InMemoryFaceImages: FaceImageSource {
    public var name: String
    public var images: [Data]
    public var labels: [Int]
    public var classes: Int

    public init(name: String, images: [Data], labels: [Int], classes: Int? = nil) {
        precondition(images.count == labels.count, "\(name): \(images.count) images for \(labels.count) labels")
        self.name = name; self.images = images; self.labels = labels
        self.classes = classes ?? ((labels.max() ?? -1) + 1)
    }

    public var count: Int { images.count }
    public func encodedImage(at index: Int) throws -> (label: Int, bytes: Data) { (labels[index], images[index]) }
    public func location(of index: Int) -> String { "\(name): image \(index)" }
    public func identityLabels() throws -> [Int] { labels }
}

extension RecordIOReader: FaceImageSource {
    public var name: String { directory }
    /// From `property`, else the header record's identity count; 0 when the folder says neither.
    public var classes: Int { property?.classes ?? identities ?? 0 }
    public func encodedImage(at index: Int) throws -> (label: Int, bytes: Data) {
        let r = try record(at: index)
        // A label past the classifier's rows would index out of bounds in training.
        if classes > 0 && r.label >= classes {
            throw DatasetError.badRecord(file: recordFile, record: r.key, offset: offset(ofKey: r.key) ?? 0,
                                         message: "label \(r.label), expected 0..<\(classes) (the identities of the set)")
        }
        return (r.label, r.imageBytes)
    }
    public func location(of index: Int) -> String {
        let key = keys[index]
        return "\(recordFile): record \(key)" + (offset(ofKey: key).map { " at byte \($0)" } ?? "")
    }
    /// From the header's identity records (one read per identity, not per image) when the file has
    /// them; identity i owns the image keys of its record's range, as insightface writes them.
    public func identityLabels() throws -> [Int] {
        let ranges = try identityRanges()
        guard !ranges.isEmpty else { return try (0..<count).map { try record(at: $0).label } }
        var labelOfKey: [Int: Int] = [:]
        for (identity, range) in ranges.enumerated() { for key in range { labelOfKey[key] = identity } }
        return try keys.map { key in
            guard let l = labelOfKey[key] else {
                throw DatasetError.invalid(file: recordFile, offset: offset(ofKey: key), message: "image record \(key) lies in no identity record's range")
            }
            return l
        }
    }
}

extension IdentityFolders: FaceImageSource {
    public var name: String { root }
    public var classes: Int { classNames.count }
    public func encodedImage(at index: Int) throws -> (label: Int, bytes: Data) { (images[index].label, try imageBytes(at: index)) }
    public func location(of index: Int) -> String { DataFile.join(root, images[index].path) }
    public func identityLabels() throws -> [Int] { images.map(\.label) }
}
