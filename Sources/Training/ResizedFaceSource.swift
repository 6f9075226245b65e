import Datasets
import Foundation
import ImageIO

/// A face source seen at another image side: the `size:` proxy of a ranking study trains (and
/// ranks) on the same images as the reference, only smaller. Images are re-encoded as PNG, which
/// is lossless, so the proxy loses detail to the resize alone.
public struct ResizedFaceSource: FaceImageSource {
    public let base: any FaceImageSource
    public let size: Int

    public init(_ base: any FaceImageSource, size: Int) { self.base = base; self.size = size }

    public var name: String { "\(base.name) at \(size)x\(size)" }
    public var count: Int { base.count }
    public var classes: Int { base.classes }

    public func encodedImage(at index: Int) throws -> (label: Int, bytes: Data) {
        let (label, bytes) = try base.encodedImage(at: index)
        let image = try decodeImage(Array(bytes))
        let small = image.width == size && image.height == size ? image : image.resized(width: size, height: size, filter: .area)
        return (label, Data(try encodePNG(small)))
    }

    public func location(of index: Int) -> String { base.location(of: index) }
    public func identityLabels() throws -> [Int] { try base.identityLabels() }
}
