import Testing
import Tensor
import Kernels

/// x viewed as [n, c, hw].
struct BNCase: Sendable, CustomStringConvertible {
    let n: Int, c: Int, hw: Int
    init(_ n: Int, _ c: Int, _ hw: Int) { self.n = n; self.c = c; self.hw = hw }
    var count: Int { n * c * hw }
    var description: String { "n\(n) c\(c) hw\(hw)" }
    var seed: UInt64 { UInt64(n * 7919 + c * 104_729 + hw) }
}

private let cases: [BNCase] = [
    BNCase(1, 1, 1), BNCase(3, 17, 1), BNCase(1, 3, 25), BNCase(3, 3, 63), BNCase(2, 5, 35), BNCase(3, 1, 49),
]
/// Large enough for the channels to be split over both workers; checked against the analytic
/// formulas only (finite differences would take too long).
private let bigCase = BNCase(2, 4, 16_411)
private let eps: Float = 1e-5

private struct Stats { var mean: [Double]; var variance: [Double] }

private func naiveStats(_ x: [Double], _ g: BNCase) -> Stats {
    let m = Double(g.n * g.hw)
    var mean = [Double](repeating: 0, count: g.c), variance = mean
    for ci in 0..<g.c {
        var s = 0.0
        for b in 0..<g.n { for i in 0..<g.hw { s += x[(b * g.c + ci) * g.hw + i] } }
        mean[ci] = s / m
        var v = 0.0
        for b in 0..<g.n { for i in 0..<g.hw { let d = x[(b * g.c + ci) * g.hw + i] - mean[ci]; v += d * d } }
        variance[ci] = v / m
    }
    return Stats(mean: mean, variance: variance)
}

private func naiveForward(_ x: [Double], _ gamma: [Double], _ beta: [Double], _ g: BNCase) -> [Double] {
    let st = naiveStats(x, g)
    var y = x
    for b in 0..<g.n {
        for ci in 0..<g.c {
            let inv = 1 / (st.variance[ci] + Double(eps)).squareRoot()
            for i in 0..<g.hw {
                let j = (b * g.c + ci) * g.hw + i
                y[j] = gamma[ci] * (x[j] - st.mean[ci]) * inv + beta[ci]
            }
        }
    }
    return y
}

/// The textbook training-mode backward, in Double.
private func naiveBackward(_ dy: [Double], _ x: [Double], _ gamma: [Double], _ g: BNCase)
    -> (dx: [Double], dgamma: [Double], dbeta: [Double]) {
    let st = naiveStats(x, g)
    let m = Double(g.n * g.hw)
    var dx = x, dgamma = [Double](repeating: 0, count: g.c), dbeta = dgamma
    for ci in 0..<g.c {
        let inv = 1 / (st.variance[ci] + Double(eps)).squareRoot()
        var sdy = 0.0, sdyxh = 0.0
        for b in 0..<g.n {
            for i in 0..<g.hw {
                let j = (b * g.c + ci) * g.hw + i
                sdy += dy[j]; sdyxh += dy[j] * (x[j] - st.mean[ci]) * inv
            }
        }
        dgamma[ci] = sdyxh; dbeta[ci] = sdy
        for b in 0..<g.n {
            for i in 0..<g.hw {
                let j = (b * g.c + ci) * g.hw + i
                let xh = (x[j] - st.mean[ci]) * inv
                dx[j] = gamma[ci] * inv / m * (m * dy[j] - sdy - xh * sdyxh)
            }
        }
    }
    return (dx, dgamma, dbeta)
}

private struct BNRun {
    let y: Tensor, mean: Tensor, invStd: Tensor, variance: Tensor
}

private func runForward(_ x: Tensor, _ gamma: Tensor, _ beta: Tensor, _ g: BNCase,
                        path: KernelPath = KernelDispatch.path) -> BNRun {
    let r = BNRun(y: Tensor(shape: [g.count], repeating: .nan), mean: Tensor(zeros: [g.c]),
                  invStd: Tensor(zeros: [g.c]), variance: Tensor(zeros: [g.c]))
    batchNormForwardTraining(x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data, beta: beta.data,
                             epsilon: eps, y: r.y.data, mean: r.mean.data, invStd: r.invStd.data, variance: r.variance.data,
                             path: path)
    return r
}

@Suite struct BatchNormTests {
    // Every kernel path this CPU can run (avx2, and avx512 where the CPU has it) against the naive loops.
    @Test(arguments: KernelDispatch.runnablePaths, cases + [bigCase])
    func trainingForwardMatchesNaive(_ path: KernelPath, _ g: BNCase) {
        var rng = RNG(seed: g.seed)
        let x = randomTensor([g.count], &rng, lo: -2, hi: 3)
        let gamma = randomTensor([g.c], &rng, lo: 0.5, hi: 1.5), beta = randomTensor([g.c], &rng)
        let r = runForward(x, gamma, beta, g, path: path)
        let st = naiveStats(doubles(x), g)
        expectClose(r.mean, st.mean, tolerance: 1e-6, "mean \(g)")
        expectClose(r.variance, st.variance, tolerance: 1e-6, "variance \(g)")
        expectClose(r.invStd, st.variance.map { 1 / ($0 + Double(eps)).squareRoot() }, tolerance: 1e-6, "invStd \(g)")
        expectClose(r.y, naiveForward(doubles(x), doubles(gamma), doubles(beta), g), "y \(g)")
    }

    /// With gamma 1 and beta 0 each channel comes out with mean 0 and variance var/(var + eps) ≈ 1.
    @Test func trainingForwardNormalises() {
        let g = BNCase(3, 5, 41)
        var rng = RNG(seed: 11)
        let x = randomTensor([g.count], &rng, lo: -4, hi: 10)
        let r = runForward(x, Tensor(shape: [g.c], repeating: 1), Tensor(zeros: [g.c]), g)
        let st = naiveStats(doubles(r.y), g)
        for ci in 0..<g.c {
            #expect(abs(st.mean[ci]) < 1e-6, "channel \(ci) mean \(st.mean[ci])")
            #expect(abs(st.variance[ci] - 1) < 1e-4, "channel \(ci) variance \(st.variance[ci])")
        }
    }

    /// A large common offset must not destroy the variance (no E[x²] - E[x]² cancellation).
    @Test func trainingStatisticsSurviveLargeMean() {
        let g = BNCase(4, 2, 300)
        var rng = RNG(seed: 12)
        let x = Tensor(zeros: [g.count])
        for i in 0..<g.count { x[i] = 1000 + 0.01 * rng.uniform(-1, 1) }
        let r = runForward(x, Tensor(shape: [g.c], repeating: 1), Tensor(zeros: [g.c]), g)
        let st = naiveStats(doubles(x), g)
        expectClose(r.mean, st.mean, tolerance: 1e-7, "mean")
        expectClose(r.variance, st.variance, tolerance: 1e-4, "variance")
    }

    /// PyTorch's numbers: channel 0 holds [1, 2, 3, 4] (batch mean 2.5, biased variance 1.25,
    /// unbiased 1.6667); from running (0, 1) with momentum 0.1: mean 0.1·2.5 = 0.25 and variance
    /// 0.9·1 + 0.1·1.6667 = 1.06667. Channel 1 holds [5, 5, 5, 5]: mean 0.5, variance 0.9.
    @Test func runningStatisticsFollowPyTorch() {
        let g = BNCase(2, 2, 2)
        // [n, c, hw]: image 0 = ch0 [1, 2], ch1 [5, 5]; image 1 = ch0 [3, 4], ch1 [5, 5].
        let x = Tensor(shape: [2, 2, 2], values: [1, 2, 5, 5, 3, 4, 5, 5])
        let r = runForward(x, Tensor(shape: [2], repeating: 1), Tensor(zeros: [2]), g)
        #expect(r.mean.array == [2.5, 5])
        #expect(r.variance.array == [1.25, 0])
        let rm = Tensor(zeros: [2]), rv = Tensor(shape: [2], repeating: 1)
        batchNormUpdateRunning(runningMean: rm.data, runningVariance: rv.data, mean: r.mean.data, variance: r.variance.data,
                               channels: 2, count: g.n * g.hw, momentum: 0.1)
        expectClose(rm, [0.25, 0.5], tolerance: 1e-7, "running mean")
        expectClose(rv, [0.9 + 0.1 * 5.0 / 3.0, 0.9], tolerance: 1e-6, "running variance")
        #expect(abs(rv[0] - 1.0666667) < 1e-6)

        // One value per channel (m == 1): the biased variance is used, there is no m - 1.
        let rv1 = Tensor(shape: [1], repeating: 1), rm1 = Tensor(zeros: [1])
        let v1 = Tensor(shape: [1], values: [0.5]), m1 = Tensor(shape: [1], values: [3])
        batchNormUpdateRunning(runningMean: rm1.data, runningVariance: rv1.data, mean: m1.data, variance: v1.data,
                               channels: 1, count: 1, momentum: 0.1)
        expectClose(rm1, [0.3], tolerance: 1e-7, "m == 1 mean")
        expectClose(rv1, [0.95], tolerance: 1e-7, "m == 1 variance")
    }

    @Test(arguments: KernelDispatch.runnablePaths, cases + [bigCase])
    func backwardMatchesAnalytic(_ path: KernelPath, _ g: BNCase) {
        var rng = RNG(seed: g.seed + 1)
        let x = randomTensor([g.count], &rng, lo: -2, hi: 3)
        let dy = randomTensor([g.count], &rng)
        let gamma = randomTensor([g.c], &rng, lo: 0.5, hi: 1.5), beta = randomTensor([g.c], &rng)
        let r = runForward(x, gamma, beta, g, path: path)
        let dx = Tensor(shape: [g.count], repeating: .nan)
        let dgamma = randomTensor([g.c], &rng), dbeta = randomTensor([g.c], &rng)
        let dg0 = doubles(dgamma), db0 = doubles(dbeta)
        batchNormBackward(dy.data, x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data,
                          mean: r.mean.data, invStd: r.invStd.data, dx: dx.data, dgamma: dgamma.data, dbeta: dbeta.data, path: path)
        let want = naiveBackward(doubles(dy), doubles(x), doubles(gamma), g)
        expectClose(dx, want.dx, tolerance: 2e-5, "dx \(g)")
        expectClose(dgamma, zip(dg0, want.dgamma).map { $0 + $1 }, tolerance: 1e-5, "dgamma \(g)")
        expectClose(dbeta, zip(db0, want.dbeta).map { $0 + $1 }, tolerance: 1e-5, "dbeta \(g)")
    }

    /// Central differences of L = Σ y·r through the Double forward (batch statistics included).
    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ g: BNCase) {
        var rng = RNG(seed: g.seed + 2)
        let x = randomTensor([g.count], &rng, lo: -2, hi: 3)
        let r = randomTensor([g.count], &rng)
        let gamma = randomTensor([g.c], &rng, lo: 0.5, hi: 1.5), beta = randomTensor([g.c], &rng)
        let fw = runForward(x, gamma, beta, g)
        let dx = Tensor(zeros: [g.count]), dgamma = Tensor(zeros: [g.c]), dbeta = Tensor(zeros: [g.c])
        batchNormBackward(r.data, x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data,
                          mean: fw.mean.data, invStd: fw.invStd.data, dx: dx.data, dgamma: dgamma.data, dbeta: dbeta.data)

        let xd = doubles(x), gd = doubles(gamma), bd = doubles(beta), rd = doubles(r)
        func loss(_ x: [Double], _ gm: [Double], _ bt: [Double]) -> Double { dot(naiveForward(x, gm, bt, g), rd) }
        let h = 1e-5
        var numX = xd, numG = gd, numB = bd
        for i in 0..<xd.count {
            var p = xd, m = xd; p[i] += h; m[i] -= h
            numX[i] = (loss(p, gd, bd) - loss(m, gd, bd)) / (2 * h)
        }
        for ci in 0..<g.c {
            var p = gd, m = gd; p[ci] += h; m[ci] -= h
            numG[ci] = (loss(xd, p, bd) - loss(xd, m, bd)) / (2 * h)
            var pb = bd, mb = bd; pb[ci] += h; mb[ci] -= h
            numB[ci] = (loss(xd, gd, pb) - loss(xd, gd, mb)) / (2 * h)
        }
        // With m == 1 the gradient wrt x is 0 and any Float noise is absolute: compare on scale 1.
        #expect(relativeError(doubles(dx), numX, floor: 1) <= 2e-5, "dx \(g)")
        #expect(relativeError(doubles(dgamma), numG, floor: 1) <= 1e-5, "dgamma \(g)")
        #expect(relativeError(doubles(dbeta), numB, floor: 1) <= 1e-5, "dbeta \(g)")
    }

    @Test(arguments: KernelDispatch.runnablePaths, cases + [bigCase])
    func inferencePassesMatchNaive(_ path: KernelPath, _ g: BNCase) {
        var rng = RNG(seed: g.seed + 3)
        let x = randomTensor([g.count], &rng, lo: -2, hi: 3), dy = randomTensor([g.count], &rng)
        let gamma = randomTensor([g.c], &rng, lo: 0.5, hi: 1.5), beta = randomTensor([g.c], &rng)
        let rm = randomTensor([g.c], &rng), rv = randomTensor([g.c], &rng, lo: 0.1, hi: 2)
        let y = Tensor(shape: [g.count], repeating: .nan), dx = Tensor(shape: [g.count], repeating: .nan)
        batchNormForwardInference(x.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data, beta: beta.data,
                                  runningMean: rm.data, runningVariance: rv.data, epsilon: eps, y: y.data, path: path)
        batchNormBackwardInference(dy.data, batch: g.n, channels: g.c, spatial: g.hw, gamma: gamma.data,
                                   runningVariance: rv.data, epsilon: eps, dx: dx.data, path: path)
        var wantY = [Double](repeating: 0, count: g.count), wantDx = wantY
        for b in 0..<g.n {
            for ci in 0..<g.c {
                let a = Double(gamma[ci]) / (Double(rv[ci]) + Double(eps)).squareRoot()
                for i in 0..<g.hw {
                    let j = (b * g.c + ci) * g.hw + i
                    wantY[j] = a * (Double(x[j]) - Double(rm[ci])) + Double(beta[ci])
                    wantDx[j] = a * Double(dy[j])
                }
            }
        }
        expectClose(y, wantY, "inference y \(g)")
        expectClose(dx, wantDx, "inference dx \(g)")
    }
}
