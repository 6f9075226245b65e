import Datasets
import Foundation
import ImageIO

/// The raw-pixel baseline of `verify --pixels`: every image's embedding is its flattened RGB
/// pixels mapped as a model input is, (x/255 − 0.5)/0.5, without flip fusion, L2-normalised like
/// any embedding, then scored with the same 10-fold protocol as a model.
public enum PixelVerification {
    /// Pairs are decoded one at a time, so a 12,000-image set never holds more than two images'
    /// vectors; every image must be at the size of the set's first image.
    public static func evaluate(bin path: String) throws -> VerificationResult {
        let bin = try VerificationBin(path: path)
        // A public set must have its protocol's pairs, as in the model form of `verify`.
        if let p = EvaluationProtocol.forVerificationFile(path) { try p.checkPairs(bin.pairCount, file: path) }
        var size: (width: Int, height: Int)?
        func vector(_ index: Int, pair: Int) throws -> [Float] {
            let image: RGBImage
            do { image = try decodeImage([UInt8](bin.images[index])) } catch {
                throw MetricError("\(path): image \(index) (pair \(pair)): \(error)")
            }
            if let s = size, s != (image.width, image.height) {
                throw MetricError("\(path): image \(index) (pair \(pair)) is \(image.width)×\(image.height), expected \(s.width)×\(s.height) like the set's first image")
            }
            size = size ?? (image.width, image.height)
            return pixelEmbedding(image)
        }
        var distances: [Double] = []
        distances.reserveCapacity(bin.pairCount)
        for p in 0..<bin.pairCount {
            let a = try vector(2 * p, pair: p), b = try vector(2 * p + 1, pair: p)
            // The same normalisation and distance as `verify --embeddings` on these rows, so the
            // two forms agree exactly.
            let m = try EmbeddingMatrix(values: (a + b).map(Double.init), rows: 2, columns: a.count, source: "\(path): pair \(p)")
            distances.append(m.squaredDistance(0, 1))
        }
        return try Verification.evaluate(distances: distances, isSame: bin.isSame)
    }

    /// (x/255 − 0.5)/0.5 per byte, in Float as the model would see it; RGB interleaved, row-major.
    public static func pixelEmbedding(_ image: RGBImage) -> [Float] {
        image.pixels.map { (Float($0) / 255 - 0.5) / 0.5 }
    }
}
