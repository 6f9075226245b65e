import Kernels
import Tensor
import Testing

/// Synchronised batch norm's two-phase kernels: a batch cut into shards whose local sums are added
/// (what the ranks' all-reduce does) must normalise, and back-propagate, exactly as the fused
/// kernels do on the whole batch (to Float rounding: the reduction order differs).
@Suite struct BatchNormSyncTests {
    static func random(_ count: Int, seed: UInt64, offset: Float = 0) -> [Float] {
        var rng = RNG(seed: seed)
        return (0..<count).map { _ in rng.normal() * 1.5 + offset }
    }

    /// Shards of `rows` images each, as consecutive ranks hold them.
    @Test(arguments: [[2, 3], [1, 1, 3], [4]]) func shardsSummedEqualTheWholeBatch(rows: [Int]) {
        let n = rows.reduce(0, +), c = 5, hw = 19, per = c * hw
        let x = Self.random(n * per, seed: 1, offset: 3), dy = Self.random(n * per, seed: 2)
        let gamma = Self.random(c, seed: 3).map { 1 + 0.2 * $0 }, beta = Self.random(c, seed: 4)

        // The fused kernels on the whole batch.
        var y = [Float](repeating: 0, count: n * per), mean = [Float](repeating: 0, count: c)
        var invStd = mean, variance = mean, dx = y, dgamma = mean, dbeta = mean
        batchNormForwardTraining(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta, epsilon: 1e-5,
                                 y: &y, mean: &mean, invStd: &invStd, variance: &variance)
        batchNormBackward(dy, x, batch: n, channels: c, spatial: hw, gamma: gamma, mean: mean, invStd: invStd,
                          dx: &dx, dgamma: &dgamma, dbeta: &dbeta)

        // Each shard's local moments, summed; then each shard normalised with the global ones.
        var sums = [Double](repeating: 0, count: 2 * c)
        var start = 0
        for r in rows {
            var local = [Double](repeating: 0, count: 2 * c)
            x.withUnsafeBufferPointer { batchNormLocalMoments($0.baseAddress! + start * per, batch: r, channels: c, spatial: hw, sums: &local) }
            for i in 0..<(2 * c) { sums[i] += local[i] }
            start += r
        }
        var ys = [Float](repeating: 0, count: n * per), m2 = [Float](repeating: 0, count: c), inv2 = m2, var2 = m2
        start = 0
        for r in rows {
            x.withUnsafeBufferPointer { xp in
                ys.withUnsafeMutableBufferPointer { yp in
                    batchNormApplyMoments(xp.baseAddress! + start * per, batch: r, channels: c, spatial: hw, sums: sums, count: n * hw,
                                          gamma: gamma, beta: beta, epsilon: 1e-5, y: yp.baseAddress! + start * per,
                                          mean: &m2, invStd: &inv2, variance: &var2)
                }
            }
            start += r
        }
        for i in 0..<c {
            #expect(abs(m2[i] - mean[i]) <= 1e-5 * max(1, abs(mean[i])))
            #expect(abs(var2[i] - variance[i]) <= 1e-5 * variance[i])
        }
        #expect(zip(ys, y).allSatisfy { abs($0 - $1) <= 1e-5 })

        // Backward: local Σdy and Σdy·(x − μ) summed, then each shard's dx.
        var gsums = [Double](repeating: 0, count: 2 * c), dxs = [Float](repeating: 0, count: n * per)
        start = 0
        for r in rows {
            var local = [Double](repeating: 0, count: 2 * c)
            dy.withUnsafeBufferPointer { d in x.withUnsafeBufferPointer { xp in
                batchNormLocalGradientSums(d.baseAddress! + start * per, xp.baseAddress! + start * per, batch: r, channels: c,
                                           spatial: hw, mean: m2, sums: &local)
            } }
            for i in 0..<(2 * c) { gsums[i] += local[i] }
            start += r
        }
        for i in 0..<c {
            #expect(abs(Float(gsums[2 * i]) - dbeta[i]) <= 1e-4 * max(1, abs(dbeta[i])))
            #expect(abs(Float(gsums[2 * i + 1] * Double(inv2[i])) - dgamma[i]) <= 1e-4 * max(1, abs(dgamma[i])))
        }
        start = 0
        for r in rows {
            dy.withUnsafeBufferPointer { d in x.withUnsafeBufferPointer { xp in dxs.withUnsafeMutableBufferPointer { o in
                batchNormApplyGradientSums(d.baseAddress! + start * per, xp.baseAddress! + start * per, batch: r, channels: c,
                                           spatial: hw, sums: gsums, count: n * hw, gamma: gamma, mean: m2, invStd: inv2,
                                           dx: o.baseAddress! + start * per)
            } } }
            start += r
        }
        let scale = dx.map { abs($0) }.max()!
        #expect(zip(dxs, dx).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
}
