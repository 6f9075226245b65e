import Testing
import Tensor
import Kernels

private let counts = [1, 15, 16, 17, 1000, 200_003]

@Suite struct ElementwiseTests {
    @Test(arguments: counts)
    func addAndScaleMatchNaive(_ n: Int) {
        var rng = RNG(seed: UInt64(n) + 100)
        let a = randomTensor([n], &rng), b = randomTensor([n], &rng)
        let y = Tensor(shape: [n], repeating: .nan)
        add(a.data, b.data, count: n, y: y.data)
        #expect(y.array == zip(a.array, b.array).map { $0 + $1 })
        let acc = a.copy()
        addInPlace(acc.data, b.data, count: n)
        #expect(acc.array == y.array)
        scale(acc.data, by: -0.375, count: n)
        #expect(acc.array == y.array.map { $0 * -0.375 })
    }

    @Test(arguments: counts)
    func sumOfSquaresIsAccurate(_ n: Int) {
        var rng = RNG(seed: UInt64(n) + 200)
        let x = randomTensor([n], &rng, lo: -3, hi: 3)
        let want = x.array.reduce(0.0) { $0 + Double($1) * Double($1) }
        expectClose(sumOfSquares(x.data, count: n), want, tolerance: 1e-12, "sum of squares \(n)")
    }

    /// Hand-worked values, w = 1, grad = 0.5, lr 0.1, momentum 0.9, weight decay 0.01:
    /// plain:    step 1 g = 0.51, buf = 0.51, w = 0.949;
    ///           step 2 g = 0.5 + 0.01·0.949 = 0.50949, buf = 0.9·0.51 + 0.50949 = 0.96849, w = 0.852151.
    /// nesterov: step 1 buf = 0.51, step = 0.51 + 0.9·0.51 = 0.969, w = 0.9031;
    ///           step 2 g = 0.509031, buf = 0.968031, step = 0.509031 + 0.9·0.968031 = 1.3802589,
    ///           w = 0.76507411.
    @Test(arguments: [false, true])
    func sgdMatchesHandComputedSteps(_ nesterov: Bool) {
        let n = 37  // SIMD body and scalar tail
        let w = Tensor(shape: [n], repeating: 1), g = Tensor(shape: [n], repeating: 0.5)
        let buf = Tensor(shape: [n], repeating: .nan)  // ignored on the first step
        let expected: [(buf: Float, w: Float)] = nesterov
            ? [(0.51, 0.9031), (0.968031, 0.76507411)]
            : [(0.51, 0.949), (0.96849, 0.852151)]
        for (i, e) in expected.enumerated() {
            sgdMomentumUpdate(weight: w.data, grad: g.data, momentum: buf.data, count: n, lr: 0.1, momentum: 0.9,
                              weightDecay: 0.01, nesterov: nesterov, firstStep: i == 0)
            for j in 0..<n {
                #expect(abs(buf[j] - e.buf) <= 1e-6, "step \(i + 1) buf[\(j)] = \(buf[j])")
                #expect(abs(w[j] - e.w) <= 1e-6, "step \(i + 1) w[\(j)] = \(w[j])")
            }
        }
    }

    /// Random tensors against the same recurrence in Double, over several steps.
    @Test(arguments: [(false, Float(0)), (false, 5e-4), (true, 5e-4)])
    func sgdMatchesDoubleRecurrence(_ nesterov: Bool, _ wd: Float) {
        let n = 1003
        var rng = RNG(seed: 77)
        let w = randomTensor([n], &rng), buf = Tensor(zeros: [n])
        var wd64 = doubles(w), bd = [Double](repeating: 0, count: n)
        for step in 0..<4 {
            let g = randomTensor([n], &rng)
            sgdMomentumUpdate(weight: w.data, grad: g.data, momentum: buf.data, count: n, lr: 0.05, momentum: 0.9,
                              weightDecay: wd, nesterov: nesterov, firstStep: step == 0)
            for i in 0..<n {
                let gi = Double(g[i]) + Double(wd) * wd64[i]
                bd[i] = step == 0 ? gi : 0.9 * bd[i] + gi
                wd64[i] -= 0.05 * (nesterov ? gi + 0.9 * bd[i] : bd[i])
            }
        }
        expectClose(w, wd64, tolerance: 1e-6, "weights")
        expectClose(buf, bd, tolerance: 1e-5, "momentum buffer")
    }
}
