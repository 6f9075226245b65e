import Foundation

/// The margin a `MarginHead` applies to the target logit (facts: face-formats-and-protocols §5).
public enum MarginKind: Sendable, Equatable {
    /// ArcFace: cos(θ+m) = cosθ·cos m − sinθ·sin m; `easyMargin` applies it only where cosθ > 0.
    /// `gradient` picks arcface_torch's current straight-through head (no fallback) or the earlier
    /// exact one (with the fallback cosθ − sin(m)·m past θ+m = π); see `ArcFaceGradient`.
    case arcFace(margin: Float = 0.5, easyMargin: Bool = false, gradient: ArcFaceGradient = .straightThrough)
    /// cosθ − m.
    case cosFace(margin: Float = 0.4)
    /// cos(m1·θ + m2) − m3 for any (m1, m2, m3), as mxnet applied it, with the ordinary gradient.
    case combined(m1: Float, m2: Float, m3: Float)
    /// AdaFace: the margin moves between ArcFace and CosFace with the feature norm relative to its
    /// running statistics (defaults m 0.4, h 0.333, t_alpha 0.01 as the AdaFace CLI uses).
    case adaFace(margin: Float = 0.4, h: Float = 0.333, tAlpha: Float = 0.01)
}

/// How a `MarginHead` draws its class centres.
public enum CentreInit: Sendable {
    /// insightface: every element N(0, std²), std 0.01 in the reference.
    case normal(std: Float)
    /// AdaFace: U(−1, 1), then every centre rescaled to unit norm.
    case unitUniform
}

/// f(cosθ_y) for the target logit (the logit is s·f) and df/dcos with respect to the *raw*
/// (unclamped) cosine, so a clamped cosine has slope 0.
struct TargetMargin: Equatable {
    var value: Double
    var slope: Double
}

/// The derivatives sin(φ)/sinθ of cos(φ(θ)) blow up as θ → 0 or π (the forward is fine there). The
/// slope is evaluated at θ clamped to [1e-3, π − 1e-3]: exact for every cosine below
/// cos(1e-3) = 1 − 5e-7, i.e. all but a Float ulp or so from ±1, and finite at ±1.
private let angleFloor = 1e-3

/// AdaFace's clip of the cosine and of θ_y + g_angle (its ε).
let adaFaceEpsilon = 1e-3

extension MarginKind {
    /// The cosine clamp per head: the insightface heads (ArcFace, CosFace, combined) clamp to
    /// [−1, 1], which only removes rounding past ±1; AdaFace clamps to [−1+ε, 1−ε], ε = 1e-3, as its
    /// reference does, which also keeps acos away from its infinite slope.
    var cosineBounds: (lower: Float, upper: Float) {
        if case .adaFace = self { return (Float(-1 + adaFaceEpsilon), Float(1 - adaFaceEpsilon)) }
        return (-1, 1)
    }

    /// The target margin for one sample. `qualityScaler` is AdaFace's ŝ (a constant for the
    /// gradient: the norm statistic is detached); the other kinds ignore it.
    func target(rawCosine raw: Float, qualityScaler: Double) -> TargetMargin {
        let bounds = cosineBounds
        let inside = raw >= bounds.lower && raw <= bounds.upper
        let c = Double(min(max(raw, bounds.lower), bounds.upper))
        var t: TargetMargin
        switch self {
        case let .arcFace(m, easy, .straightThrough):
            // The value as arcface_torch computes it, cos(acos(c) + m) wherever the margin applies;
            // the gradient reaches the cosine unchanged (the clamp still stops it below).
            let useMargin = !easy || c > 0
            t = TargetMargin(value: useMargin ? Foundation.cos(Foundation.acos(c) + Double(m)) : c, slope: 1)
        case let .arcFace(m, easy, .exact):
            let m = Double(m)
            let th = Foundation.cos(Double.pi - m), mm = Foundation.sin(Double.pi - m) * m
            let useMargin = easy ? c > 0 : c > th
            if useMargin {
                let sine = max(0, 1 - c * c).squareRoot()
                let value = c * Foundation.cos(m) - sine * Foundation.sin(m)
                // d/dc cos(θ+m) = sin(θ+m)/sinθ; θ+m < π here (c > th), so it is positive.
                t = TargetMargin(value: value, slope: angleSlope(c) { θ in (Foundation.sin(θ + m), 1) })
            } else {
                t = TargetMargin(value: easy ? c : c - mm, slope: 1)
            }
        case let .cosFace(m):
            t = TargetMargin(value: c - Double(m), slope: 1)
        case let .combined(m1, m2, m3):
            let m1 = Double(m1), m2 = Double(m2)
            let θ = Foundation.acos(c)
            t = TargetMargin(value: Foundation.cos(m1 * θ + m2) - Double(m3),
                             slope: angleSlope(c) { θ in (Foundation.sin(m1 * θ + m2), m1) })
        case let .adaFace(m, _, _):
            let θ = Foundation.acos(c)
            let gAngle = -Double(m) * qualityScaler, gAdd = Double(m) + Double(m) * qualityScaler
            let φ = θ + gAngle
            let clipped = min(max(φ, adaFaceEpsilon), Double.pi - adaFaceEpsilon)
            // Inside the clip d cos(φ)/dc = sin φ / sin θ (sin θ ≥ sin(acos(1−ε)) ≈ 0.045: no floor
            // needed); a clipped angle is constant, slope 0.
            let slope = clipped == φ ? Foundation.sin(φ) / Foundation.sin(θ) : 0
            t = TargetMargin(value: Foundation.cos(clipped) - gAdd, slope: slope)
        }
        if !inside { t.slope = 0 }
        return t
    }
}

/// d/dc of cos(g(θ)) with θ = acos(c) is g'(θ)·sin(g(θ))/sinθ; `parts(θ)` gives (sin g(θ), g'(θ)).
private func angleSlope(_ c: Double, _ parts: (Double) -> (Double, Double)) -> Double {
    let θ = min(max(Foundation.acos(c), angleFloor), Double.pi - angleFloor)
    let (s, dg) = parts(θ)
    return dg * s / Foundation.sin(θ)
}

extension MarginKind {
    /// "arcface m=0.5", "cosface m=0.4", "combined m1=0.9 m2=0.4 m3=0.15", "adaface m=0.4 h=0.333 t=0.01".
    /// ArcFace's gradient is not part of the label: runs record it as a setting of its own
    /// (`arcFaceGradient`), so the label of an exact head is the one written before the choice existed.
    public var label: String {
        switch self {
        case let .arcFace(m, easy, _): return (easy ? "arcface-easy" : "arcface") + " m=\(compact(m))"
        case let .cosFace(m): return "cosface m=\(compact(m))"
        case let .combined(m1, m2, m3): return "combined m1=\(compact(m1)) m2=\(compact(m2)) m3=\(compact(m3))"
        case let .adaFace(m, h, t): return "adaface m=\(compact(m)) h=\(compact(h)) t=\(compact(t))"
        }
    }
}

extension MarginKind {
    /// The ArcFace head's gradient; nil for the other kinds.
    public var arcFaceGradient: ArcFaceGradient? {
        if case let .arcFace(_, _, gradient) = self { return gradient }
        return nil
    }
}

/// "64" rather than "64.0" for whole numbers, Swift's shortest form otherwise.
func compact(_ v: Float) -> String {
    v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v)
}

/// The margin losses by the names the command line and pipeline files use.
public enum MarginLoss: String, CaseIterable, Sendable {
    case adaface, arcface, cosface, combined

    /// The head with each loss's usual margin (AdaFace 0.4, ArcFace 0.5, CosFace 0.4) unless `margin` is given.
    public func kind(margin: Float? = nil, h: Float = 0.333, tAlpha: Float = 0.01, easyMargin: Bool = false,
                     arcFaceGradient: ArcFaceGradient = .straightThrough,
                     m1: Float = 1, m2: Float = 0.3, m3: Float = 0.2) -> MarginKind {
        switch self {
        case .adaface: return .adaFace(margin: margin ?? 0.4, h: h, tAlpha: tAlpha)
        case .arcface: return .arcFace(margin: margin ?? 0.5, easyMargin: easyMargin, gradient: arcFaceGradient)
        case .cosface: return .cosFace(margin: margin ?? 0.4)
        case .combined: return .combined(m1: m1, m2: m2, m3: m3)
        }
    }
}
