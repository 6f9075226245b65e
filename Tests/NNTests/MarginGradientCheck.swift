import TestSupport
import Foundation
import NN
import Tensor

/// Central-difference check of a margin head's full loss (head + cross-entropy, accumulated in
/// Double by the head) against its analytic gradients w.r.t. the embeddings and the centres.
///
/// A mismatch counts when |analytic − numeric| > tolerance · max(|analytic|, |numeric|, floor).
/// There is no kink band: the tests place every sample away from the margins' branch points.
struct HeadGradientCheck {
    var h: Float = 1e-3
    var tolerance = 1e-2
    var floor = 0.1
    /// Training flag of the forward whose gradients are checked, and of the perturbed forwards.
    var analyticTraining = false
    var numericTraining = false
    /// Check the embeddings along directions orthogonal to each x_i (where ‖x_i‖ is unchanged by ±h,
    /// so AdaFace's norm-dependent ŝ is equal in both evaluations) and require the radial component
    /// of dL/dx_i to vanish, instead of element by element.
    var tangentOnly = false

    struct Outcome { var checked = 0, failures: [String] = [], maxError = 0.0 }

    func run(_ head: MarginHead, x: Tensor, labels: [Int32]) -> Outcome {
        head.centres.grad.zero()
        _ = head.forward(x, labels: labels, training: analyticTraining)
        let dx = head.backward().copy(), dw = head.centres.grad.copy()
        var out = Outcome()

        func loss() -> Double { head.forward(x, labels: labels, training: numericTraining) }
        func compare(_ what: String, analytic a: Double, numeric n: Double) {
            let scale = max(abs(a), abs(n), floor)
            out.checked += 1
            let e = abs(a - n) / scale
            out.maxError = max(out.maxError, e)
            if e > tolerance { out.failures.append("\(what): analytic \(a), numeric \(n)") }
        }
        func elementwise(_ name: String, _ t: Tensor, _ analytic: Tensor) {
            for i in 0..<t.count {
                let old = t[i]
                t[i] = old + h; let lp = loss()
                t[i] = old - h; let lm = loss()
                t[i] = old
                compare("\(name)[\(i)]", analytic: Double(analytic[i]), numeric: (lp - lm) / Double(2 * h))
            }
        }

        elementwise("centres", head.centres.value, dw)
        if !tangentOnly {
            elementwise("x", x, dx)
            return out
        }
        let n = x.shape[0], d = x.shape[1]
        for i in 0..<n {
            let xi = (0..<d).map { Double(x[i * d + $0]) }, gi = (0..<d).map { Double(dx[i * d + $0]) }
            let nx = xi.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let radial = zip(gi, xi).reduce(0) { $0 + $1.0 * $1.1 } / nx
            let gn = gi.reduce(0) { $0 + $1 * $1 }.squareRoot()
            out.checked += 1
            if abs(radial) > 1e-4 * gn + 1e-6 { out.failures.append("x row \(i): radial gradient \(radial), |g| \(gn)") }
            for v in orthonormalComplement(of: xi) {
                let old = (0..<d).map { x[i * d + $0] }
                for t in 0..<d { x[i * d + t] = Float(xi[t] + Double(h) * v[t]) }
                let lp = loss()
                for t in 0..<d { x[i * d + t] = Float(xi[t] - Double(h) * v[t]) }
                let lm = loss()
                for t in 0..<d { x[i * d + t] = old[t] }
                compare("x row \(i) tangent", analytic: zip(gi, v).reduce(0) { $0 + $1.0 * $1.1 }, numeric: (lp - lm) / Double(2 * h))
            }
        }
        return out
    }
}

/// d−1 orthonormal vectors orthogonal to `x` (Gram–Schmidt of the standard basis).
func orthonormalComplement(of x: [Double]) -> [[Double]] {
    let d = x.count
    let nx = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
    var basis: [[Double]] = [x.map { $0 / nx }]
    for e in 0..<d where basis.count < d {
        var v = (0..<d).map { $0 == e ? 1.0 : 0.0 }
        for b in basis {
            let p = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
            for t in 0..<d { v[t] -= p * b[t] }
        }
        let nv = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if nv > 1e-6 { basis.append(v.map { $0 / nv }) }
    }
    return Array(basis.dropFirst())
}

/// Embeddings [n, d] whose cosine with their own class centre is exactly `cosines[i]` (before
/// Float rounding) and whose norm is `norms[i]`: x_i = ‖x‖·(c·ŵ_y + √(1−c²)·u), u ⊥ ŵ_y random.
func embeddings(towards centres: Tensor, labels: [Int32], cosines: [Double], norms: [Double], seed: UInt64) -> Tensor {
    var rng = RNG(seed: seed)
    let d = centres.shape[1], n = labels.count
    let x = Tensor(zeros: [n, d])
    for i in 0..<n {
        let y = Int(labels[i])
        var w = (0..<d).map { Double(centres[y * d + $0]) }
        let nw = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        w = w.map { $0 / nw }
        var u = (0..<d).map { _ in Double(rng.normal()) }
        let p = zip(u, w).reduce(0) { $0 + $1.0 * $1.1 }
        for t in 0..<d { u[t] -= p * w[t] }
        let nu = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let c = cosines[i], sn = (1 - c * c).squareRoot()
        for t in 0..<d { x[i * d + t] = Float(norms[i] * (c * w[t] + sn * u[t] / nu)) }
    }
    return x
}
