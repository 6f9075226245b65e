import Datasets
import Foundation

/// A verification `.bin` used to validate during face training, optionally cut to `pairs` pairs.
///
/// The cut keeps pairs spread evenly over the file (pair ⌊k·P/N⌋ for k < N), not the first N: the
/// insightface bins are stored fold by fold as [positives, negatives], so a prefix would hold one
/// class only, while the spread keeps both classes and the fold structure in proportion.
public struct FaceValidationSet: Sendable {
    public let name: String
    public let path: String
    public let images: InMemoryFaceImages
    public let isSame: [Bool]
    /// Pairs in the file before the cut.
    public let pairsInFile: Int

    /// A set built in memory (e.g. pairs of held-out identities); image 2i and 2i+1 form pair i.
    public init(name: String, path: String, images: InMemoryFaceImages, isSame: [Bool]) {
        precondition(images.count == 2 * isSame.count, "\(name): \(images.count) images for \(isSame.count) pairs")
        self.name = name; self.path = path; self.images = images; self.isSame = isSame; pairsInFile = isSame.count
    }

    public init(path: String, pairs limit: Int? = nil) throws {
        let bin = try VerificationBin(path: path)
        let total = bin.pairCount
        let n = min(limit ?? total, total)
        let picked = n == total ? Array(0..<total) : (0..<n).map { $0 * total / n }
        var images: [Data] = []
        images.reserveCapacity(2 * n)
        for p in picked { images += [bin.images[2 * p], bin.images[2 * p + 1]] }
        self.path = path
        name = Self.setName(path)
        pairsInFile = total
        isSame = picked.map { bin.isSame[$0] }
        self.images = InMemoryFaceImages(name: path, images: images, labels: Array(repeating: 0, count: images.count), classes: 1)
    }

    /// `lfw.bin` → `lfw`.
    public static func setName(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }
}
