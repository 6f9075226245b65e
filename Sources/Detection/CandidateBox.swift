// The box arithmetic between MTCNN's stages, with facenet-pytorch's conventions (Float32 like its
// tensors): P-Net's regression scales by x2 − x1, R-Net's and O-Net's by x2 − x1 + 1; boxes are
// squared about their centre onto the longer side; crops take the truncated box, clamped to the
// image, and never pad.

/// A candidate face box with its score and the regression offsets of the stage that scored it.
struct CandidateBox {
    var x1: Float, y1: Float, x2: Float, y2: Float
    var score: Float
    var offsets: SIMD4<Float> = .zero

    /// Applies regression offsets scaled by the box size; `inclusive` adds one pixel to the size.
    mutating func regress(_ r: SIMD4<Float>, inclusive: Bool) {
        let extra: Float = inclusive ? 1 : 0
        let w = x2 - x1 + extra, h = y2 - y1 + extra
        x1 += r[0] * w; y1 += r[1] * h; x2 += r[2] * w; y2 += r[3] * h
    }

    /// Squares the box on its longer side, keeping the centre.
    mutating func square() {
        let w = x2 - x1, h = y2 - y1, l = max(w, h)
        x1 = x1 + w * 0.5 - l * 0.5
        y1 = y1 + h * 0.5 - l * 0.5
        x2 = x1 + l; y2 = y1 + l
    }

    /// The pixel region to crop, 0-based half-open, or nil when it is empty: the box truncated to
    /// integers, its start clamped to pixel 1 and its end to the image size (1-based inclusive).
    func cropRegion(width: Int, height: Int) -> (rows: Range<Int>, cols: Range<Int>)? {
        func int(_ v: Float) -> Int { v.isFinite ? Int(max(min(v, 1e9), -1e9)) : 0 }
        let x = max(int(x1), 1), y = max(int(y1), 1), ex = min(int(x2), width), ey = min(int(y2), height)
        guard ey > y - 1, ex > x - 1 else { return nil }
        return ((y - 1)..<ey, (x - 1)..<ex)
    }
}

/// How overlap is measured when suppressing.
enum OverlapKind {
    /// Intersection over union with areas (x2 − x1)·(y2 − y1) (torchvision's `nms`).
    case union
    /// Intersection over the smaller area, with +1 sizes (the original MTCNN's "Min").
    case minimumInclusive
}

/// Greedy non-maximum suppression: visits boxes by descending score and drops every later box
/// whose overlap with a kept one exceeds `threshold`. Returns the kept indices, best first.
func nonMaximumSuppression(_ boxes: [CandidateBox], threshold: Float, kind: OverlapKind) -> [Int] {
    let order = boxes.indices.sorted { boxes[$0].score != boxes[$1].score ? boxes[$0].score > boxes[$1].score : $0 < $1 }
    let extra: Float = kind == .union ? 0 : 1
    let areas = boxes.map { ($0.x2 - $0.x1 + extra) * ($0.y2 - $0.y1 + extra) }
    var suppressed = [Bool](repeating: false, count: boxes.count)
    var keep: [Int] = []
    for (rank, i) in order.enumerated() where !suppressed[i] {
        keep.append(i)
        let a = boxes[i]
        for j in order[(rank + 1)...] where !suppressed[j] {
            let b = boxes[j]
            let iw = max(0, min(a.x2, b.x2) - max(a.x1, b.x1) + extra)
            let ih = max(0, min(a.y2, b.y2) - max(a.y1, b.y1) + extra)
            let inter = iw * ih
            let overlap = kind == .union ? inter / (areas[i] + areas[j] - inter) : inter / min(areas[i], areas[j])
            if overlap > threshold { suppressed[j] = true }
        }
    }
    return keep
}
