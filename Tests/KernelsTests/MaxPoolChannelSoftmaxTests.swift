import Foundation
import Testing
import Tensor
import Kernels

/// Naive max pooling: every output's window read straight from PyTorch's definition (windows
/// start at o·s, are clipped at the edge, and in ceil mode a window must start inside the input).
private func naiveMaxPool(_ x: [Float], planes: Int, h: Int, w: Int, k: Int, s: Int, ceilMode: Bool) -> [Float] {
    func size(_ n: Int) -> Int {
        let exact = Double(n - k) / Double(s)
        var o = Int(ceilMode ? exact.rounded(.up) : exact.rounded(.down)) + 1
        if ceilMode && (o - 1) * s >= n { o -= 1 }
        return o
    }
    let oh = size(h), ow = size(w)
    var y: [Float] = []
    for p in 0..<planes {
        for oy in 0..<oh {
            for ox in 0..<ow {
                var m = -Float.infinity
                for yy in (oy * s)..<min(oy * s + k, h) {
                    for xx in (ox * s)..<min(ox * s + k, w) { m = max(m, x[(p * h + yy) * w + xx]) }
                }
                y.append(m)
            }
        }
    }
    return y
}

struct PoolCase: Sendable, CustomStringConvertible {
    let planes: Int, h: Int, w: Int, k: Int, s: Int, ceil: Bool
    var description: String { "p\(planes) \(h)x\(w) k\(k) s\(s) \(ceil ? "ceil" : "floor")" }
}

private let poolCases = [
    PoolCase(planes: 3, h: 10, w: 10, k: 2, s: 2, ceil: true), PoolCase(planes: 2, h: 11, w: 9, k: 2, s: 2, ceil: true),
    PoolCase(planes: 4, h: 22, w: 22, k: 3, s: 2, ceil: true), PoolCase(planes: 1, h: 46, w: 46, k: 3, s: 2, ceil: true),
    PoolCase(planes: 2, h: 10, w: 7, k: 3, s: 2, ceil: true), PoolCase(planes: 2, h: 10, w: 7, k: 3, s: 2, ceil: false),
    PoolCase(planes: 64, h: 95, w: 131, k: 2, s: 2, ceil: true), PoolCase(planes: 1, h: 1, w: 1, k: 2, s: 2, ceil: true),
]

@Suite struct MaxPoolChannelSoftmaxTests {
    @Test(arguments: poolCases)
    func maxPoolMatchesNaive(_ c: PoolCase) {
        var rng = RNG(seed: UInt64(c.h * 131 + c.w))
        let x = randomTensor([c.planes * c.h * c.w], &rng)
        let expected = naiveMaxPool(x.array, planes: c.planes, h: c.h, w: c.w, k: c.k, s: c.s, ceilMode: c.ceil)
        let oh = maxPoolOutputSize(c.h, kernel: c.k, stride: c.s, ceilMode: c.ceil)
        let ow = maxPoolOutputSize(c.w, kernel: c.k, stride: c.s, ceilMode: c.ceil)
        #expect(c.planes * oh * ow == expected.count)
        let y = Tensor(shape: [max(expected.count, 1)], repeating: .nan)
        maxPoolForward(x.data, planes: c.planes, height: c.h, width: c.w, kernel: c.k, stride: c.s, ceilMode: c.ceil, y: y.data)
        #expect(Array(y.array.prefix(expected.count)) == expected)
    }

    /// PyTorch's sizes for the MTCNN layers: 10 → 5 (k2 s2), 22 → 11 and 9 → 4 (k3 s2, ceil), 4 → 2 (k2 s2).
    @Test func ceilModeSizesMatchPyTorch() {
        #expect(maxPoolOutputSize(10, kernel: 2, stride: 2, ceilMode: true) == 5)
        #expect(maxPoolOutputSize(11, kernel: 2, stride: 2, ceilMode: true) == 6)
        #expect(maxPoolOutputSize(22, kernel: 3, stride: 2, ceilMode: true) == 11)
        #expect(maxPoolOutputSize(9, kernel: 3, stride: 2, ceilMode: true) == 4)
        #expect(maxPoolOutputSize(46, kernel: 3, stride: 2, ceilMode: true) == 23)
        #expect(maxPoolOutputSize(21, kernel: 3, stride: 2, ceilMode: true) == 10)
        #expect(maxPoolOutputSize(8, kernel: 2, stride: 2, ceilMode: true) == 4)
    }

    @Test(arguments: [(1, 2, 1), (3, 2, 77), (2, 5, 19), (4, 10, 1)])
    func channelSoftmaxMatchesNaive(_ n: Int, _ c: Int, _ hw: Int) {
        var rng = RNG(seed: UInt64(n * 100 + c * 10 + hw))
        let x = randomTensor([n * c * hw], &rng)
        for i in 0..<x.count { x[i] *= 20 }  // large logits: the max shift must keep exp finite
        let y = Tensor(shape: [n * c * hw], repeating: .nan)
        channelSoftmaxForward(x.data, batch: n, channels: c, spatial: hw, y: y.data)
        for b in 0..<n {
            for i in 0..<hw {
                let logits = (0..<c).map { Double(x[(b * c + $0) * hw + i]) }
                let m = logits.max()!, z = logits.map { Foundation.exp($0 - m) }.reduce(0, +)
                for k in 0..<c {
                    let expected = Foundation.exp(logits[k] - m) / z
                    #expect(abs(Double(y[(b * c + k) * hw + i]) - expected) <= 1e-6)
                }
            }
        }
        // In place gives the same values.
        channelSoftmaxForward(x.data, batch: n, channels: c, spatial: hw, y: x.data)
        #expect(x.array == y.array)
    }
}
