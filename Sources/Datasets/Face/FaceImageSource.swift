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
}
