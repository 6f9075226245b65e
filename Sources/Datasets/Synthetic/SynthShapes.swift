import Foundation
import ImageIO

/// The outline of one drawn part of a synthetic face. All kinds are "bent" ellipses: in the
/// region's local frame (centre at the origin, rotated by `angle`) the vertical coordinate is
/// replaced by y − bend·x², which turns an ellipse into an arc (brows, smiling lips) and a line into
/// a parabola (hairline). One primitive with a cheap signed distance keeps the renderer a single
/// kernel and lets every part be anti-aliased analytically.
struct SynthRegion: Sendable {
    enum Kind: Sendable {
        /// (x/a)² + (y'/b)² ≤ 1.
        case ellipse
        /// y' ≤ 0: everything above a parabola (rotate by π for "below").
        case halfPlane
        /// A head: the upper half an ellipse of semi-axes (a, b), the lower half one of (a, `lowerB`)
        /// whose width shrinks toward the chin by the factor 1 − taper·(y/lowerB)².
        case head(lowerB: Float, taper: Float)
    }

    var kind: Kind
    var cx: Float, cy: Float
    var a: Float, b: Float
    var angle: Float = 0
    var bend: Float = 0
    /// > 0 draws only a band of this width centred on the outline (glasses frames, eye lids).
    var ring: Float = 0
    /// > 0 draws only a band of this width just inside the outline (the shading of a rounded face).
    var innerRing: Float = 0

    /// Canonical-frame region → pixel-frame region under a similarity (uniform scale, rotation, shift).
    func mapped(by m: AffineMatrix) -> SynthRegion {
        let s = Float(m.scale)
        let p = m.apply(Point2D(x: Double(cx), y: Double(cy)))
        var r = self
        r.cx = Float(p.x); r.cy = Float(p.y)
        r.a = a * s; r.b = b * s; r.ring = ring * s; r.innerRing = innerRing * s
        r.angle = angle + Float(atan2(m.c, m.a))
        // y' = y − bend·x² must describe the same curve after x, y are scaled by s.
        r.bend = bend / s
        if case let .head(lowerB, taper) = kind { r.kind = .head(lowerB: lowerB * s, taper: taper) }
        return r
    }

    /// Half the side of a square around the centre that holds every point within 2 px of the region.
    var reach: Float {
        let lower: Float
        if case let .head(lowerB, _) = kind { lower = lowerB } else { lower = 0 }
        return max(a, b, lower) + abs(bend) * a * a + ring + 3
    }
}

/// What is painted inside a region: colour (0…255 per channel) and opacity, optionally clipped by a
/// second region (iris inside the eye, hair above the hairline) and with a soft edge.
struct SynthShape: Sendable {
    var region: SynthRegion
    var clip: SynthRegion? = nil
    var color: SIMD3<Float>
    var alpha: Float = 1
    /// Edge softness in the region's units beyond the 1-pixel anti-aliasing ramp (shading blobs).
    var feather: Float = 0

    func mapped(by m: AffineMatrix) -> SynthShape {
        var s = self
        s.region = region.mapped(by: m)
        s.clip = clip?.mapped(by: m)
        s.feather = feather * Float(m.scale)
        return s
    }
}

/// Approximate signed distance in the region's units (negative inside): F/|∇F| of the implicit
/// function, exact on the outline and monotone away from it, which is all a 1-pixel coverage ramp
/// needs.
@inline(__always)
func signedDistance(_ r: SynthRegion, _ px: Float, _ py: Float, cos ca: Float, sin sa: Float) -> Float {
    let dx = px - r.cx, dy = py - r.cy
    let x = ca * dx + sa * dy
    let y = -sa * dx + ca * dy - r.bend * x * x
    var d: Float
    switch r.kind {
    case .halfPlane:
        let gx = -2 * r.bend * x
        d = y / (gx * gx + 1).squareRoot()
    case .ellipse:
        let ia = 1 / r.a, ib = 1 / r.b
        let f = x * x * ia * ia + y * y * ib * ib - 1
        let fy = 2 * y * ib * ib
        let fx = 2 * x * ia * ia - 2 * r.bend * x * fy
        d = f / max((fx * fx + fy * fy).squareRoot(), 1e-6)
    case let .head(lowerB, taper):
        d = headDistance(x, y, a: r.a, upperB: r.b, lowerB: lowerB, taper: taper)
    }
    if r.ring > 0 { d = abs(d) - 0.5 * r.ring }
    if r.innerRing > 0 { d = max(d, -d - r.innerRing) }
    return d
}

/// The head's implicit function and its analytic gradient: an ellipse above the centre row, below
/// it one whose half-width w(y) = a·(1 − taper·(y/lowerB)²) narrows toward the chin.
private func headDistance(_ x: Float, _ y: Float, a: Float, upperB: Float, lowerB: Float, taper: Float) -> Float {
    let f: Float, gx: Float, gy: Float
    if y < 0 {
        f = x * x / (a * a) + y * y / (upperB * upperB) - 1
        gx = 2 * x / (a * a); gy = 2 * y / (upperB * upperB)
    } else {
        let t = y / lowerB
        let narrowing = t < 1 ? max(1 - taper * t * t, 0.05) : max(1 - taper, 0.05)
        let w = a * narrowing
        let dw: Float = t < 1 && narrowing > 0.05 ? -2 * a * taper * y / (lowerB * lowerB) : 0
        f = x * x / (w * w) + t * t - 1
        gx = 2 * x / (w * w)
        gy = -2 * x * x * dw / (w * w * w) + 2 * y / (lowerB * lowerB)
    }
    return f / max((gx * gx + gy * gy).squareRoot(), 1e-6)
}

// Shapes: canvas height×width×3 Float (RGB, 0…255), row-major. Blends one pixel-frame shape over
// the pixels within its reach with coverage clamp(0.5 − d/(1 + feather)), the fraction of a pixel
// a straight edge at signed distance d covers.
func paintShape(_ canvas: UnsafeMutablePointer<Float>, width: Int, height: Int, _ shape: SynthShape) {
    let r = shape.region
    let reach = r.reach + shape.feather
    var x0 = Int((r.cx - reach).rounded(.down)), x1 = Int((r.cx + reach).rounded(.up))
    var y0 = Int((r.cy - reach).rounded(.down)), y1 = Int((r.cy + reach).rounded(.up))
    if let c = shape.clip, case .ellipse = c.kind {
        x0 = max(x0, Int((c.cx - c.reach).rounded(.down))); x1 = min(x1, Int((c.cx + c.reach).rounded(.up)))
        y0 = max(y0, Int((c.cy - c.reach).rounded(.down))); y1 = min(y1, Int((c.cy + c.reach).rounded(.up)))
    }
    x0 = max(x0, 0); y0 = max(y0, 0); x1 = min(x1, width - 1); y1 = min(y1, height - 1)
    guard x0 <= x1, y0 <= y1 else { return }
    let ca = cos(r.angle), sa = sin(r.angle)
    let cc = cos(shape.clip?.angle ?? 0), cs = sin(shape.clip?.angle ?? 0)
    let ramp = 1 + shape.feather
    let color = shape.color
    for y in y0...y1 {
        let py = Float(y)
        for x in x0...x1 {
            let px = Float(x)
            var d = signedDistance(r, px, py, cos: ca, sin: sa)
            if let c = shape.clip { d = max(d, signedDistance(c, px, py, cos: cc, sin: cs)) }
            let coverage = min(max(0.5 - d / ramp, 0), 1) * shape.alpha
            if coverage <= 0 { continue }
            let p = canvas + (y * width + x) * 3
            p[0] += coverage * (color.x - p[0])
            p[1] += coverage * (color.y - p[1])
            p[2] += coverage * (color.z - p[2])
        }
    }
}
