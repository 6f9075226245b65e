import Foundation

/// Interpolation of `RGBImage.resized`. Source pixel i has its centre at i + 0.5 in continuous
/// coordinates (half-pixel centres, as OpenCV `cv2.resize` and PyTorch `align_corners=False`), so
/// output pixel o samples the source at c = (o + 0.5)·in/out − 0.5. Samples past the edge repeat the
/// edge pixel. There is no antialiasing: a downscale by more than 2× with `.bilinear` skips pixels,
/// exactly as OpenCV's INTER_LINEAR does — which is the point of the low-resolution augmentation.
public enum ResizeFilter: CaseIterable, Sendable {
    /// OpenCV INTER_NEAREST: source index floor(o·in/out) (no half-pixel shift, as OpenCV).
    case nearest
    /// INTER_LINEAR: the two source pixels around c, weights 1 − f and f.
    case bilinear
    /// INTER_AREA: each output pixel averages the source interval [o·in/out, (o+1)·in/out),
    /// weighting partly covered pixels by their overlap (also for upscaling, as OpenCV does).
    case area
    /// INTER_CUBIC: four taps of the Keys cubic with a = −0.75.
    case bicubic
    /// INTER_LANCZOS4: eight taps of sinc(d)·sinc(d/4), normalised to sum 1.
    case lanczos4
}

/// Per-axis sampling plan: output index o reads `index[o*taps + k]` with weight `weight[o*taps + k]`.
struct AxisTaps {
    let taps: Int
    var index: [Int32]
    var weight: [Float]

    init(filter: ResizeFilter, from inSize: Int, to outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let clampIndex = { (i: Int) in Int32(min(max(i, 0), inSize - 1)) }
        switch filter {
        case .nearest: taps = 1
        case .bilinear: taps = 2
        case .bicubic: taps = 4
        case .lanczos4: taps = 8
        case .area: taps = Int(scale.rounded(.up)) + 1
        }
        index = [Int32](repeating: 0, count: outSize * taps)
        weight = [Float](repeating: 0, count: outSize * taps)
        for o in 0..<outSize {
            let c = (Double(o) + 0.5) * scale - 0.5
            let i0 = Int(c.rounded(.down)), f = c - Double(i0)
            var w = [Double](repeating: 0, count: taps)
            var idx = [Int](repeating: 0, count: taps)
            switch filter {
            case .nearest:
                idx[0] = min(Int((Double(o) * scale).rounded(.down)), inSize - 1); w[0] = 1
            case .bilinear:
                idx = [i0, i0 + 1]; w = [1 - f, f]
            case .bicubic:
                for k in 0..<4 { idx[k] = i0 - 1 + k; w[k] = cubic(Double(k - 1) - f) }
            case .lanczos4:
                for k in 0..<8 { idx[k] = i0 - 3 + k; w[k] = lanczos4(Double(k - 3) - f) }
            case .area:
                let lo = Double(o) * scale, hi = Double(o + 1) * scale
                let first = Int(lo.rounded(.down))
                for k in 0..<taps {
                    let p = first + k
                    idx[k] = p
                    w[k] = p < inSize ? max(0, min(hi, Double(p + 1)) - max(lo, Double(p))) : 0
                }
            }
            let sum = w.reduce(0, +)
            for k in 0..<taps {
                index[o * taps + k] = clampIndex(idx[k])
                weight[o * taps + k] = Float(w[k] / sum)
            }
        }
    }
}

private func cubic(_ d: Double) -> Double {
    let a = -0.75, x = abs(d)
    if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
    if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
    return 0
}

private func lanczos4(_ d: Double) -> Double {
    if abs(d) < 1e-9 { return 1 }
    let x = Double.pi * d
    return 4 * sin(x) * sin(x / 4) / (x * x)
}
