import Testing
import Foundation
import Tensor
import Kernels

/// Mean cross-entropy and probabilities computed plainly in Double (log-sum-exp with the max).
private func naive(_ z: [Double], _ labels: [Int32], n: Int, k: Int) -> (loss: Double, p: [Double]) {
    var p = z, total = 0.0
    for r in 0..<n {
        let row = Array(z[r * k..<(r + 1) * k])
        let mx = row.max()!
        let sum = row.reduce(0.0) { $0 + exp($1 - mx) }
        for j in 0..<k { p[r * k + j] = exp(row[j] - mx) / sum }
        total += log(sum) + mx - row[Int(labels[r])]
    }
    return (total / Double(n), p)
}

private func randomLabels(_ n: Int, _ k: Int, _ rng: inout RNG) -> [Int32] { (0..<n).map { _ in Int32(rng.int(k)) } }

@Suite struct SoftmaxTests {
    /// (batch, classes, logit spread, logit offset); spreads of 1000 would overflow exp unshifted.
    @Test(arguments: [(1, 1, 1.0, 0.0), (3, 10, 3.0, 0.0), (17, 1000, 5.0, -2.0), (5, 37, 1000.0, 10_000.0),
                      (4, 19, 200.0, -30_000.0), (70, 2000, 4.0, 0.0), (6, 333, 40.0, 7.0)])
    func forwardMatchesNaive(_ n: Int, _ k: Int, _ spread: Double, _ offset: Double) {
        var rng = RNG(seed: UInt64(n * 31 + k))
        let z = Tensor(zeros: [n, k])
        for i in 0..<z.count { z[i] = Float(offset) + Float(spread) * rng.uniform(-1, 1) }
        let labels = randomLabels(n, k, &rng)
        let p = Tensor(shape: [n, k], repeating: .nan)
        let loss = labels.withUnsafeBufferPointer {
            softmaxCrossEntropyForward(z.data, labels: $0.baseAddress!, batch: n, classes: k, probabilities: p.data)
        }
        let want = naive(doubles(z), labels, n: n, k: k)
        #expect(loss.isFinite)
        expectClose(loss, want.loss, tolerance: 1e-6, "loss n\(n) k\(k)")
        let err = relativeError(doubles(p), want.p, floor: 1)
        #expect(err <= 1e-6, "probabilities n\(n) k\(k): \(err)")
        // Each probability to a few ulp of its own size, down to 1e-30 (the Float exp flushes
        // below e^-87 ≈ 1.6e-38). Rounding z - max to Float moves the exponent by up to half an
        // ulp of |z - max|, which is an equal relative error in e^(z - max): allowed on top.
        var worst = 0.0
        for r in 0..<n {
            let mx = (0..<k).map { Double(z[r * k + $0]) }.max()!
            for j in 0..<k where want.p[r * k + j] > 1e-30 {
                let i = r * k + j
                let allowed = 1e-6 + 6e-8 * abs(Double(z[i]) - mx)
                worst = max(worst, abs(Double(p[i]) - want.p[i]) / want.p[i] / allowed)
            }
        }
        #expect(worst <= 1, "element-wise relative error n\(n) k\(k): \(worst) of the allowance")
    }

    /// dlogits against the formula and against central differences of the Double mean loss.
    @Test(arguments: [Float(1), 0.5])
    func backwardIsGradientOfMeanLoss(_ scale: Float) {
        let n = 3, k = 7
        var rng = RNG(seed: 5)
        let z = randomTensor([n, k], &rng, lo: -3, hi: 3)
        let labels = randomLabels(n, k, &rng)
        let p = Tensor(zeros: [n, k]), d = Tensor(shape: [n, k], repeating: .nan)
        labels.withUnsafeBufferPointer { lb in
            _ = softmaxCrossEntropyForward(z.data, labels: lb.baseAddress!, batch: n, classes: k, probabilities: p.data)
            softmaxCrossEntropyBackward(p.data, labels: lb.baseAddress!, batch: n, classes: k, scale: scale, dlogits: d.data)
        }
        var formula = [Double](repeating: 0, count: n * k)
        for r in 0..<n {
            for j in 0..<k {
                formula[r * k + j] = Double(scale) * (Double(p[r * k + j]) - (j == Int(labels[r]) ? 1 : 0)) / Double(n)
            }
        }
        expectClose(d, formula, tolerance: 1e-6, "formula")
        let zd = doubles(z), h = 1e-6
        var numeric = zd
        for i in 0..<zd.count {
            var a = zd, b = zd; a[i] += h; b[i] -= h
            numeric[i] = Double(scale) * (naive(a, labels, n: n, k: k).loss - naive(b, labels, n: n, k: k).loss) / (2 * h)
        }
        expectClose(d, numeric, tolerance: 1e-5, "finite differences")
    }
}
