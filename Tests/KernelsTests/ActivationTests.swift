import Testing
import Tensor
import Kernels

/// Counts around the SIMD width, plus one large enough to be split over both workers.
private let counts = [1, 15, 16, 17, 1000, 200_003]

/// Random values with exact zeros mixed in (the kink of ReLU and PReLU).
private func withZeros(_ n: Int, _ rng: inout RNG) -> Tensor {
    let t = randomTensor([n], &rng)
    for i in stride(from: 0, to: n, by: 7) { t[i] = 0 }
    return t
}

struct PReLUCase: Sendable, CustomStringConvertible {
    let n: Int, c: Int, hw: Int
    init(_ n: Int, _ c: Int, _ hw: Int) { self.n = n; self.c = c; self.hw = hw }
    var description: String { "n\(n) c\(c) hw\(hw)" }
}

private let preluCases = [PReLUCase(1, 1, 1), PReLUCase(3, 17, 1), PReLUCase(3, 3, 63), PReLUCase(1, 17, 49),
                          PReLUCase(2, 5, 35), PReLUCase(2, 8, 9001)]

@Suite struct ActivationTests {
    // Every kernel path this CPU can run (avx2, and avx512 where the CPU has it) against the naive loops.
    @Test(arguments: KernelDispatch.runnablePaths, counts)
    func reluMatchesNaive(_ path: KernelPath, _ n: Int) {
        var rng = RNG(seed: UInt64(n))
        let x = withZeros(n, &rng), dy = randomTensor([n], &rng)
        let y = Tensor(shape: [n], repeating: .nan), dx = Tensor(shape: [n], repeating: .nan)
        reluForward(x.data, count: n, y: y.data, path: path)
        reluBackward(dy.data, x.data, count: n, dx: dx.data, path: path)
        #expect(y.array == x.array.map { max($0, 0) })
        #expect(dx.array == (0..<n).map { x[$0] > 0 ? dy[$0] : 0 })
    }

    @Test func reluInPlace() {
        let x = Tensor(shape: [19], values: (0..<19).map { Float($0) - 9 })
        reluForward(x.data, count: 19, y: x.data)
        #expect(x.array == (0..<19).map { max(Float($0) - 9, 0) })
    }

    @Test(arguments: KernelDispatch.runnablePaths, preluCases)
    func preluMatchesNaive(_ path: KernelPath, _ g: PReLUCase) {
        var rng = RNG(seed: UInt64(g.n * 1000 + g.c * 10 + g.hw))
        let count = g.n * g.c * g.hw
        let x = withZeros(count, &rng), dy = randomTensor([count], &rng)
        let alpha = randomTensor([g.c], &rng, lo: 0, hi: 0.5)
        let dalpha = randomTensor([g.c], &rng)
        let da0 = doubles(dalpha)
        let y = Tensor(shape: [count], repeating: .nan), dx = Tensor(shape: [count], repeating: .nan)
        preluForward(x.data, alpha: alpha.data, batch: g.n, channels: g.c, spatial: g.hw, y: y.data, path: path)
        preluBackward(dy.data, x.data, alpha: alpha.data, batch: g.n, channels: g.c, spatial: g.hw,
                      dx: dx.data, dalpha: dalpha.data, path: path)
        var wantY = [Float](repeating: 0, count: count), wantDx = wantY
        var wantDa = da0, scale = 1.0
        for b in 0..<g.n {
            for ci in 0..<g.c {
                for i in 0..<g.hw {
                    let j = (b * g.c + ci) * g.hw + i
                    let v = x[j], a = alpha[ci]
                    wantY[j] = v > 0 ? v : a * v
                    wantDx[j] = v > 0 ? dy[j] : a * dy[j]
                    if v <= 0 { wantDa[ci] += Double(dy[j]) * Double(v) }
                    scale += abs(Double(dy[j]) * Double(v))
                }
            }
        }
        #expect(y.array == wantY, "prelu y \(g)")
        #expect(dx.array == wantDx, "prelu dx \(g)")
        let err = zip(doubles(dalpha), wantDa).map { abs($0 - $1) }.max() ?? 0
        #expect(err <= 1e-6 * scale, "dalpha \(g): error \(err)")
    }
}
