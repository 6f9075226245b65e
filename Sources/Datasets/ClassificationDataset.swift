/// A labelled image set held in memory as bytes: `images` is N×C×H×W (channel-planar, row-major),
/// `labels[i]` in `0..<classes`.
public struct ClassificationDataset: Sendable, Equatable {
    public var name: String
    public var images: [UInt8]
    public var labels: [Int32]
    public var channels: Int
    public var height: Int
    public var width: Int
    public var classes: Int
    /// One name per class ("0"…"n-1" when the data set has none).
    public var classNames: [String]

    public init(name: String, images: [UInt8], labels: [Int32], channels: Int, height: Int, width: Int,
                classes: Int, classNames: [String]? = nil) {
        precondition(images.count == labels.count * channels * height * width,
                     "\(name): \(images.count) pixel bytes for \(labels.count) images of \(channels)x\(height)x\(width)")
        precondition(classNames == nil || classNames!.count == classes, "\(name): class names do not match \(classes) classes")
        self.name = name
        self.images = images
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classes = classes
        self.classNames = classNames ?? (0..<classes).map(String.init)
    }

    public var count: Int { labels.count }
    /// Bytes per image (C·H·W).
    public var imageSize: Int { channels * height * width }

    /// The bytes of image `i`.
    public func image(_ i: Int) -> ArraySlice<UInt8> { images[(i * imageSize)..<((i + 1) * imageSize)] }

    /// The images at `indices`, in that order (indices may repeat).
    public func subset(_ indices: [Int]) -> ClassificationDataset {
        let s = imageSize
        var out = [UInt8](repeating: 0, count: indices.count * s)
        images.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "\(name).subset: index \(i) out of 0..<\(count)")
                    (dst.baseAddress! + k * s).update(from: src.baseAddress! + i * s, count: s)
                }
            }
        }
        return ClassificationDataset(name: name, images: out, labels: indices.map { labels[$0] }, channels: channels,
                                     height: height, width: width, classes: classes, classNames: classNames)
    }

    /// Images per class.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classes)
        for l in labels where l >= 0 && Int(l) < classes { c[Int(l)] += 1 }
        return c
    }
}
