import Foundation
import ImageIO
import Tensor

/// MTCNN's settings, with facenet-pytorch's defaults.
public struct DetectorSettings: Sendable, Equatable {
    /// The smallest face searched for, in pixels: the first pyramid level scales by 12 / this.
    public var minFaceSize: Int = 20
    /// Scale step between pyramid levels.
    public var scaleFactor: Double = 0.709
    /// Face-probability thresholds of P-Net (kept when ≥), R-Net and O-Net (kept when >).
    public var thresholds: (pnet: Float, rnet: Float, onet: Float) = (0.6, 0.7, 0.7)

    public init() {}

    public init(minFaceSize: Int) { self.minFaceSize = minFaceSize }

    public static func == (a: Self, b: Self) -> Bool {
        a.minFaceSize == b.minFaceSize && a.scaleFactor == b.scaleFactor && a.thresholds == b.thresholds
    }

    /// Pyramid scales for an image whose shorter side is `shorterSide`: 12/min face, then ×factor
    /// while the scaled shorter side is still at least P-Net's 12-pixel window.
    public func scales(shorterSide: Int) -> [Double] {
        let first = 12.0 / Double(minFaceSize)
        var side = Double(shorterSide) * first, scale = first
        var out: [Double] = []
        while side >= 12 {
            out.append(scale)
            scale *= scaleFactor
            side *= scaleFactor
        }
        return out
    }
}

/// Finds faces and their five landmarks with MTCNN (P-Net over an image pyramid, R-Net, O-Net),
/// following facenet-pytorch 2.6.0's `detect_face` step by step so that boxes agree with it:
/// area resampling, NMS 0.5 within each scale and 0.7 across scales, regression and squaring,
/// R-Net, NMS 0.7, O-Net, landmarks, regression and a final "Min" NMS 0.7.
///
/// Not thread-safe: the networks keep their activations; use one detector per thread.
public final class FaceDetector {
    public let settings: DetectorSettings
    private let nets: MTCNNNetworks
    /// R-Net and O-Net crops per forward pass (bounds memory on images with many candidates).
    private let cropBatch = 256

    public init(weights: MTCNNWeights, settings: DetectorSettings = DetectorSettings(), source: String = "weights") throws {
        guard settings.minFaceSize >= 1 else { throw DetectionError("--min-face: \(settings.minFaceSize), expected a size of at least 1 pixel") }
        self.settings = settings
        nets = try MTCNNNetworks(weights, source: source)
    }

    /// Loads the weights from `folder` (see `MTCNNWeights.load`).
    public convenience init(weightsFolder folder: String, settings: DetectorSettings = DetectorSettings()) throws {
        try self.init(weights: try MTCNNWeights.load(from: folder), settings: settings, source: folder)
    }

    /// All faces in `image`, largest box first (facenet-pytorch's `select_largest` order).
    public func detect(_ image: RGBImage) -> [FaceDetection] {
        guard image.width > 0, image.height > 0 else { return [] }
        let planes = planarFloats(image)
        var boxes = proposals(planes)
        if boxes.isEmpty { return [] }
        boxes = refine(planes, boxes)
        if boxes.isEmpty { return [] }
        return output(planes, boxes).sorted { $0.area > $1.area }
    }

    // MARK: Stage 1: P-Net over the pyramid

    private func proposals(_ planes: Tensor) -> [CandidateBox] {
        let (h, w) = (planes.shape[1], planes.shape[2])
        var all: [CandidateBox] = []
        for scale in settings.scales(shorterSide: min(h, w)) {
            let sh = Int(Double(h) * scale + 1), sw = Int(Double(w) * scale + 1)
            let input = Tensor(zeros: [1, 3, sh, sw])
            areaResample(planes, rows: 0..<h, cols: 0..<w, outHeight: sh, outWidth: sw, into: input.data)
            let (p, r) = nets.pnet.forward(input)
            let level = windows(probability: p, regression: r, scale: Float(scale))
            all += nonMaximumSuppression(level, threshold: 0.5, kind: .union).map { level[$0] }
        }
        var kept = nonMaximumSuppression(all, threshold: 0.7, kind: .union).map { all[$0] }
        for i in kept.indices {
            kept[i].regress(kept[i].offsets, inclusive: false)
            kept[i].square()
        }
        return kept
    }

    /// P-Net cells whose face probability reaches the threshold, as boxes in image pixels.
    private func windows(probability p: Tensor, regression r: Tensor, scale: Float) -> [CandidateBox] {
        let (oh, ow) = (p.shape[2], p.shape[3]), plane = oh * ow
        let face = p.data + plane
        var out: [CandidateBox] = []
        for y in 0..<oh {
            for x in 0..<ow where face[y * ow + x] >= settings.thresholds.pnet {
                let i = y * ow + x
                let fx = Float(2 * x), fy = Float(2 * y)
                var b = CandidateBox(x1: ((fx + 1) / scale).rounded(.down), y1: ((fy + 1) / scale).rounded(.down),
                                     x2: ((fx + 12) / scale).rounded(.down), y2: ((fy + 12) / scale).rounded(.down),
                                     score: face[i])
                b.offsets = SIMD4(r.data[i], r.data[plane + i], r.data[2 * plane + i], r.data[3 * plane + i])
                out.append(b)
            }
        }
        return out
    }

    // MARK: Stage 2: R-Net on 24×24 crops

    private func refine(_ planes: Tensor, _ boxes: [CandidateBox]) -> [CandidateBox] {
        let crops = cropBatches(planes, boxes, size: 24)
        var passed: [CandidateBox] = []
        for batch in crops {
            let (p, r) = nets.rnet.forward(batch.input)
            for (row, index) in batch.indices.enumerated() where p.data[2 * row + 1] > settings.thresholds.rnet {
                var b = boxes[index]
                b.score = p.data[2 * row + 1]
                b.offsets = SIMD4(r.data[4 * row], r.data[4 * row + 1], r.data[4 * row + 2], r.data[4 * row + 3])
                passed.append(b)
            }
        }
        var kept = nonMaximumSuppression(passed, threshold: 0.7, kind: .union).map { passed[$0] }
        for i in kept.indices {
            kept[i].regress(kept[i].offsets, inclusive: true)
            kept[i].square()
        }
        return kept
    }

    // MARK: Stage 3: O-Net on 48×48 crops, landmarks

    private func output(_ planes: Tensor, _ boxes: [CandidateBox]) -> [FaceDetection] {
        var passed: [CandidateBox] = []
        var points: [[Point2D]] = []
        for batch in cropBatches(planes, boxes, size: 48) {
            let (p, r, l) = nets.onet.forward(batch.input)
            for (row, index) in batch.indices.enumerated() where p.data[2 * row + 1] > settings.thresholds.onet {
                var b = boxes[index]
                b.score = p.data[2 * row + 1]
                // Landmarks are relative to the crop box before this stage's regression moves it.
                let bw = b.x2 - b.x1 + 1, bh = b.y2 - b.y1 + 1
                let lm = l.data + 10 * row
                points.append((0..<5).map { Point2D(x: Double(bw * lm[$0] + b.x1 - 1), y: Double(bh * lm[5 + $0] + b.y1 - 1)) })
                b.regress(SIMD4(r.data[4 * row], r.data[4 * row + 1], r.data[4 * row + 2], r.data[4 * row + 3]), inclusive: true)
                passed.append(b)
            }
        }
        return nonMaximumSuppression(passed, threshold: 0.7, kind: .minimumInclusive).map {
            let b = passed[$0]
            return FaceDetection(x1: Double(b.x1), y1: Double(b.y1), x2: Double(b.x2), y2: Double(b.y2), score: Double(b.score),
                                 landmarks: points[$0])
        }
    }

    /// The boxes' crops resampled to size×size in batches of at most `cropBatch`, each with the
    /// indices of the boxes it holds (a box whose crop is empty is dropped).
    private func cropBatches(_ planes: Tensor, _ boxes: [CandidateBox], size: Int) -> [(input: Tensor, indices: [Int])] {
        let (h, w) = (planes.shape[1], planes.shape[2])
        let regions = boxes.enumerated().compactMap { i, b in b.cropRegion(width: w, height: h).map { (i, $0) } }
        var out: [(input: Tensor, indices: [Int])] = []
        for start in stride(from: 0, to: regions.count, by: cropBatch) {
            let part = regions[start..<min(start + cropBatch, regions.count)]
            let input = Tensor(zeros: [part.count, 3, size, size])
            let per = 3 * size * size
            let ip = SendableCrops(base: input.data)
            let list = Array(part)
            Parallel.forChunks(list.count) { lo, hi in
                for k in lo..<hi {
                    areaResample(planes, rows: list[k].1.rows, cols: list[k].1.cols, outHeight: size, outWidth: size,
                                 into: ip.base + k * per)
                }
            }
            out.append((input, list.map(\.0)))
        }
        return out
    }
}

/// A pointer handed to parallel workers that each write their own crops.
private struct SendableCrops: @unchecked Sendable { let base: UnsafeMutablePointer<Float> }
