import Foundation
import NN
import Tensor

// A naive Double re-statement of the margin heads from the reference facts, per-sample loops only,
// written apart from the library so the tests compare two independent derivations.

struct MarginReference {
    var kind: MarginKind
    var s: Double
    /// AdaFace's (μ, σ) as used by the forward (after the training update when training).
    var adaFaceStatistics: (mean: Double, std: Double) = (20, 100)

    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    func cosines(x: [[Double]], w: [[Double]]) -> [[Double]] {
        x.map { xi in
            let nx = norm(xi)
            return w.map { wj in
                let nw = norm(wj)
                var dot = 0.0
                for t in 0..<xi.count { dot += xi[t] / nx * wj[t] / nw }
                return dot
            }
        }
    }

    /// Logits [n][C] and the mean cross-entropy.
    func forward(x: [[Double]], w: [[Double]], labels: [Int]) -> (logits: [[Double]], loss: Double) {
        let cos = cosines(x: x, w: w)
        var logits: [[Double]] = []
        var loss = 0.0
        for i in 0..<x.count {
            var row: [Double] = []
            for j in 0..<w.count {
                var c = cos[i][j]
                if case .adaFace = kind { c = min(max(c, -1 + 1e-3), 1 - 1e-3) } else { c = min(max(c, -1), 1) }
                row.append(s * (j == labels[i] ? target(c, featureNorm: norm(x[i])) : c))
            }
            let mx = row.max()!
            var sum = 0.0
            for v in row { sum += Foundation.exp(v - mx) }
            loss += Foundation.log(sum) + mx - row[labels[i]]
            logits.append(row)
        }
        return (logits, loss / Double(x.count))
    }

    func target(_ c: Double, featureNorm: Double) -> Double {
        switch kind {
        case let .arcFace(m, easy, .straightThrough):
            // arcface_torch since December 2022: cos(acos(c) + m), no fallback.
            return !easy || c > 0 ? Foundation.cos(Foundation.acos(c) + Double(m)) : c
        case let .arcFace(m, easy, .exact):
            let m = Double(m)
            let sine = (1 - c * c).squareRoot()
            let phi = c * Foundation.cos(m) - sine * Foundation.sin(m)
            if easy { return c > 0 ? phi : c }
            return c > Foundation.cos(Double.pi - m) ? phi : c - Foundation.sin(Double.pi - m) * m
        case let .cosFace(m):
            return c - Double(m)
        case let .combined(m1, m2, m3):
            return Foundation.cos(Double(m1) * Foundation.acos(c) + Double(m2)) - Double(m3)
        case let .adaFace(m, h, _):
            let m = Double(m)
            let z = min(max(featureNorm, 0.001), 100)
            let shat = min(max(Double(h) * (z - adaFaceStatistics.mean) / (adaFaceStatistics.std + 1e-3), -1), 1)
            let angle = min(max(Foundation.acos(c) - m * shat, 1e-3), Double.pi - 1e-3)
            return Foundation.cos(angle) - (m + m * shat)
        }
    }
}

/// Rows of a rank-2 tensor as Double arrays.
func rows(_ t: Tensor) -> [[Double]] {
    let c = t.shape[1]
    return (0..<t.shape[0]).map { r in (0..<c).map { Double(t[r * c + $0]) } }
}
