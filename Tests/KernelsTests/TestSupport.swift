import Testing
import Tensor

// Helpers shared by the kernel tests: random tensors and tolerance checks against Double references.

func randomTensor(_ shape: [Int], _ rng: inout RNG, lo: Float = -1, hi: Float = 1) -> Tensor {
    let t = Tensor(zeros: shape)
    for i in 0..<t.count { t[i] = rng.uniform(lo, hi) }
    return t
}

func doubles(_ t: Tensor) -> [Double] { t.array.map(Double.init) }

func dot(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var s = 0.0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

/// Largest |got - want| relative to the largest |want| (or `floor`, whichever is bigger).
func relativeError(_ got: [Double], _ want: [Double], floor: Double = 1e-30) -> Double {
    precondition(got.count == want.count, "length \(got.count) vs \(want.count)")
    var scale = floor, err = 0.0
    for i in 0..<want.count {
        scale = max(scale, abs(want[i]))
        err = max(err, abs(got[i] - want[i]))
    }
    return err / scale
}

func expectClose(_ got: Tensor, _ want: [Double], tolerance: Double = 1e-5, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let e = relativeError(doubles(got), want)
    #expect(e <= tolerance, "\(what): relative error \(e)", sourceLocation: sourceLocation)
}

func expectClose(_ got: Double, _ want: Double, tolerance: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let e = abs(got - want) / max(abs(want), 1e-30)
    #expect(e <= tolerance, "\(what): got \(got), want \(want)", sourceLocation: sourceLocation)
}

/// Relative closeness of two scalars on a shared scale (for adjoint identities).
func expectAdjoint(_ lhs: Double, _ rhs: Double, scale: Double, tolerance: Double = 1e-5, _ what: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(lhs - rhs) <= tolerance * max(scale, 1e-30), "\(what): \(lhs) vs \(rhs)", sourceLocation: sourceLocation)
}

/// Geometry of a convolution case: batch, channels, input size, kernel, stride, padding.
struct ConvCase: Sendable, CustomStringConvertible {
    let n: Int, c: Int, h: Int, w: Int, k: Int, s: Int, p: Int
    init(_ n: Int, _ c: Int, _ h: Int, _ w: Int, k: Int, s: Int, p: Int) {
        self.n = n; self.c = c; self.h = h; self.w = w; self.k = k; self.s = s; self.p = p
    }
    var oh: Int { (h + 2 * p - k) / s + 1 }
    var ow: Int { (w + 2 * p - k) / s + 1 }
    var description: String { "n\(n) c\(c) \(h)x\(w) k\(k) s\(s) p\(p)" }
    var seed: UInt64 { UInt64(n * 1_000_003 + c * 10_007 + h * 1009 + w * 101 + k * 13 + s * 7 + p) }
}
