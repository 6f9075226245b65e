import Foundation

/// Some images of a face source with their identities renumbered `0..<classes` in order of first
/// appearance in `indices`, so a margin head over a subset of identities has no unused centres.
public struct FaceIdentitySubset: FaceImageSource {
    public let base: any FaceImageSource
    /// Base index of each image of the subset.
    public let indices: [Int]
    /// The renumbered identity of each image of the subset.
    public let labels: [Int]
    public let classes: Int
    /// The base identity behind each new label.
    public let baseIdentities: [Int]

    /// `baseLabels` are the base's identity labels (`identityLabels()`), passed in because reading
    /// them can be a full pass over a large file.
    public init(base: any FaceImageSource, indices: [Int], baseLabels: [Int]) {
        var newLabel: [Int: Int] = [:], order: [Int] = []
        labels = indices.map { i in
            let l = baseLabels[i]
            if let n = newLabel[l] { return n }
            newLabel[l] = order.count; order.append(l)
            return order.count - 1
        }
        self.base = base; self.indices = indices; classes = order.count; baseIdentities = order
    }

    public var name: String { base.name }
    public var count: Int { indices.count }
    public func encodedImage(at index: Int) throws -> (label: Int, bytes: Data) {
        (labels[index], try base.encodedImage(at: indices[index]).bytes)
    }
    public func location(of index: Int) -> String { base.location(of: indices[index]) }
    public func identityLabels() throws -> [Int] { labels }
}
