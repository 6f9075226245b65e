import Foundation

/// A point in image pixel coordinates (x right, y down; integer values are pixel centres).
public struct Point2D: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// A 2×3 affine map p ↦ [a b; c d]·p + [tx; ty], laid out as OpenCV's `M` for `cv2.warpAffine`.
public struct AffineMatrix: Sendable, Equatable {
    public var a, b, tx: Double
    public var c, d, ty: Double

    public init(a: Double, b: Double, tx: Double, c: Double, d: Double, ty: Double) {
        self.a = a; self.b = b; self.tx = tx; self.c = c; self.d = d; self.ty = ty
    }

    /// The similarity x ↦ scale·R(angle)·x + shift, R a counter-clockwise rotation in the usual
    /// maths orientation of (x, y) (which looks clockwise on screen, y pointing down).
    public init(scale: Double, angle: Double, shift: Point2D) {
        let cs = scale * cos(angle), sn = scale * sin(angle)
        self.init(a: cs, b: -sn, tx: shift.x, c: sn, d: cs, ty: shift.y)
    }

    public func apply(_ p: Point2D) -> Point2D {
        Point2D(x: a * p.x + b * p.y + tx, y: c * p.x + d * p.y + ty)
    }

    /// The inverse map; nil when the linear part is singular.
    public var inverse: AffineMatrix? {
        let det = a * d - b * c
        guard det != 0, det.isFinite else { return nil }
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return AffineMatrix(a: ia, b: ib, tx: -(ia * tx + ib * ty), c: ic, d: id, ty: -(ic * tx + id * ty))
    }

    /// The uniform scale of a similarity (√|det|).
    public var scale: Double { abs(a * d - b * c).squareRoot() }
}

/// The least-squares similarity (rotation, uniform scale, shift; never a reflection) taking `source`
/// to `destination`, as Umeyama (1991) and skimage's `SimilarityTransform.estimate`: it minimises
/// Σ‖s·R·srcᵢ + t − dstᵢ‖², the error measured in destination (template) space.
///
/// In 2-D the SVD step has a closed form. With the centred cross-covariance A = Σ dstᵢ·srcᵢᵀ / N,
/// the best proper rotation maximises tr(Rᵀ·A), reached at angle atan2(A₁₀ − A₀₁, A₀₀ + A₁₁), and the
/// maximum √((A₀₀ + A₁₁)² + (A₁₀ − A₀₁)²) equals Umeyama's Σ dᵢ·σᵢ including the d₂ = −1 correction
/// when det A < 0; the scale is that over the source variance.
public func estimateSimilarity(from source: [Point2D], to destination: [Point2D]) throws -> AffineMatrix {
    guard source.count == destination.count, source.count >= 2 else {
        throw ImageIOError("a similarity needs at least 2 matching point pairs, got \(source.count) source and \(destination.count) destination points")
    }
    let n = Double(source.count)
    let ms = Point2D(x: source.map(\.x).reduce(0, +) / n, y: source.map(\.y).reduce(0, +) / n)
    let md = Point2D(x: destination.map(\.x).reduce(0, +) / n, y: destination.map(\.y).reduce(0, +) / n)
    var a00 = 0.0, a01 = 0.0, a10 = 0.0, a11 = 0.0, variance = 0.0
    for (s, t) in zip(source, destination) {
        let sx = s.x - ms.x, sy = s.y - ms.y, dx = t.x - md.x, dy = t.y - md.y
        a00 += dx * sx; a01 += dx * sy; a10 += dy * sx; a11 += dy * sy
        variance += sx * sx + sy * sy
    }
    guard variance > 1e-12 * n else { throw ImageIOError("the source points coincide: no similarity is defined") }
    let cosPart = a00 + a11, sinPart = a10 - a01
    let norm = (cosPart * cosPart + sinPart * sinPart).squareRoot()
    let scale = norm / variance
    let angle = atan2(sinPart, cosPart)
    var m = AffineMatrix(scale: scale, angle: angle, shift: Point2D(x: 0, y: 0))
    let moved = m.apply(ms)
    m.tx = md.x - moved.x
    m.ty = md.y - moved.y
    return m
}
