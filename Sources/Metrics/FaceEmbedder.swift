import Datasets
import Foundation
import NN
import Tensor

/// Embeddings of a set of face images, one row per image that could be read.
public struct FaceEmbeddings: Sendable {
    /// Row-major [count, dimension], each row L2-normalised (the flip-fused embedding).
    public var vectors: [Float]
    /// The raw (pre-normalisation) L2 norm of each image's unflipped embedding: AdaFace's quality score.
    public var norms: [Float]
    /// Source index of each row (rows skip unreadable images).
    public var indices: [Int]
    public var dimension: Int
    /// Images that could not be read, with the reason (file and record).
    public var skipped: [SkippedImage]

    public var count: Int { indices.count }
    public func row(_ i: Int) -> ArraySlice<Float> { vectors[(i * dimension)..<((i + 1) * dimension)] }
}

/// Runs a backbone over face images in evaluation mode and fuses the flipped view as insightface
/// and AdaFace both do: the raw embeddings of the image and of its mirror image are summed, then
/// the sum is normalised (AdaFace's `unit·norm + unit_f·norm_f` is the same vector).
///
/// Decoding, resizing to the network's input side and normalisation run on the face loader's
/// background thread; the original and flipped images go through the network as one batch.
public struct FaceEmbedder {
    public var network: Layer
    public var inputSize: Int
    public var bgr: Bool
    public var flip: Bool
    public var batchSize: Int

    public init(network: Layer, inputSize: Int, bgr: Bool = false, flip: Bool = true, batchSize: Int = 32) {
        self.network = network; self.inputSize = inputSize; self.bgr = bgr; self.flip = flip; self.batchSize = batchSize
    }

    /// Embeds `indices` of `source` (all when nil) in order; `progress(done, total)` after every batch.
    public func embed(_ source: any FaceImageSource, indices: [Int]? = nil,
                      progress: ((Int, Int) -> Void)? = nil) -> FaceEmbeddings {
        var options = FaceBatchLoader.Options(batchSize: batchSize, imageSize: inputSize)
        options.shuffle = false
        options.bgr = bgr
        let loader = FaceBatchLoader(source: source, options: options, indices: indices)
        let total = loader.order.count
        var vectors: [Float] = [], norms: [Float] = [], rows: [Int] = []
        var dimension = 0, done = 0
        while let batch = loader.next() {
            let n = batch.labels.count
            let input = flip ? Self.withMirrorImages(batch.x) : batch.x
            let y = network.forward(input, training: false)
            precondition(y.rank == 2 && y.shape[0] == input.shape[0], "FaceEmbedder: the network returned \(y.shape), expected [batch, d]")
            let d = y.shape[1]
            dimension = d
            vectors.reserveCapacity(vectors.count + n * d)
            for i in 0..<n {
                let a = y.data + i * d
                var sum = [Float](UnsafeBufferPointer(start: a, count: d))
                if flip {
                    let b = y.data + (n + i) * d
                    for j in 0..<d { sum[j] += b[j] }
                }
                norms.append(Self.norm(a, d))
                vectors += Self.normalized(sum)
            }
            rows += batch.indices
            done += n
            progress?(done, total)
        }
        return FaceEmbeddings(vectors: vectors, norms: norms, indices: rows, dimension: dimension, skipped: loader.skipped)
    }

    /// [n, c, h, w] → [2n, c, h, w]: the images, then the same images mirrored left–right.
    public static func withMirrorImages(_ x: Tensor) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let plane = c * h * w
        let out = Tensor(zeros: [2 * n, c, h, w])
        out.data.update(from: x.data, count: n * plane)
        let flipped = out.data + n * plane
        for row in 0..<(n * c * h) {
            let src = x.data + row * w, dst = flipped + row * w
            for j in 0..<w { dst[j] = src[w - 1 - j] }
        }
        return out
    }

    static func norm(_ p: UnsafePointer<Float>, _ d: Int) -> Float {
        var s = 0.0
        for j in 0..<d { s += Double(p[j]) * Double(p[j]) }
        return Float(s.squareRoot())
    }

    /// v/‖v‖ with the norm in Double; a zero vector stays zero (sklearn's `normalize` does the same).
    static func normalized(_ v: [Float]) -> [Float] {
        let n = v.withUnsafeBufferPointer { norm($0.baseAddress!, v.count) }
        guard n > 0 else { return v }
        let inv = 1 / Double(n)
        return v.map { Float(Double($0) * inv) }
    }
}
