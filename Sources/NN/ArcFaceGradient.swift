/// How an ArcFace head passes the loss gradient through its margin (`MarginKind.arcFace`).
///
/// The two insightface heads give the same target logit s·cos(θ+m) wherever θ + m ≤ π, and
/// differ in the gradient and past θ + m = π (facts: arcface_torch `losses.py`, before and after
/// its December 2022 change).
public enum ArcFaceGradient: String, CaseIterable, Sendable, Codable {
    /// arcface_torch since December 2022: cos(θ+m) is computed without gradient and written over
    /// the target cosine, so the margin acts on the gradient like an additive constant
    /// (d logit / d cosθ = s, as for every other class); no fallback past θ + m = π, where
    /// cos(θ+m) rises again.
    case straightThrough = "straight-through"
    /// insightface before: the derivative of cos(θ+m), sin(θ+m)/sinθ, and past θ + m = π the
    /// fallback cosθ − m·sin m (slope 1) that keeps the target logit monotonic in θ.
    case exact
}
