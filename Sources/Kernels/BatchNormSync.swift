import KernelBodies
import Tensor

// Batch normalisation whose statistics span several processes (synchronised BN, data-parallel
// training). The fused kernels of BatchNorm.swift become two phases with a reduction between
// them: local per-channel sums, then (after the caller has summed them over processes) the
// normalisation or the input gradient with the global sums. Sums are Double throughout.

/// Per channel over the local n·hw values: sums[2c] = Σx and sums[2c+1] = Σx², each computed
/// about a shift (one sample of the channel) and re-centred, so summing them over processes
/// gives the global Σx and Σx² without the local cancellation.
///
/// - Shapes: x: [n, c, hw]; sums: [2c] (overwritten).
public func batchNormLocalMoments(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                  sums: UnsafeMutablePointer<Double>) {
    let m = Double(n * hw)
    for ci in 0..<c {
        guard m > 0 else { sums[2 * ci] = 0; sums[2 * ci + 1] = 0; continue }
        let shift = x[ci * hw]
        let (s1, s2) = channelSums(x, nil, batch: n, channels: c, spatial: hw, channel: ci, shift: shift, AVX2.self)
        let mu = Double(shift) + s1 / m
        let m2 = max(0, s2 - s1 * s1 / m)      // Σ(x − μ_local)²
        sums[2 * ci] = m * mu
        sums[2 * ci + 1] = m2 + m * mu * mu
    }
}

/// Turns global sums (from `batchNormLocalMoments`, summed over processes, `count` values per
/// channel) into `mean`, biased `variance` and `invStd`, and normalises the local x into y.
///
/// - Shapes: x, y: [n, c, hw]; sums: [2c]; gamma, beta, mean, invStd, variance: [c].
public func batchNormApplyMoments(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                  sums: UnsafePointer<Double>, count: Int, gamma: UnsafePointer<Float>,
                                  beta: UnsafePointer<Float>, epsilon: Float, y: UnsafeMutablePointer<Float>,
                                  mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                  variance: UnsafeMutablePointer<Float>) {
    let total = Double(max(count, 1))
    for ci in 0..<c {
        let mu = sums[2 * ci] / total
        let v = max(0, sums[2 * ci + 1] / total - mu * mu)
        let inv = 1 / (v + Double(epsilon)).squareRoot()
        mean[ci] = Float(mu); variance[ci] = Float(v); invStd[ci] = Float(inv)
        channelAffine(x, batch: n, channels: c, spatial: hw, channel: ci, center: Float(mu),
                      scale: gamma[ci] * Float(inv), offset: beta[ci], y: y, AVX2.self)
    }
}

/// Local backward sums per channel: sums[2c] = Σdy, sums[2c+1] = Σdy·(x − mean).
///
/// - Shapes: dy, x: [n, c, hw]; mean: [c]; sums: [2c] (overwritten).
public func batchNormLocalGradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                       spatial hw: Int, mean: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>) {
    for ci in 0..<c {
        let (sdy, sdyxc) = channelSums(x, dy, batch: n, channels: c, spatial: hw, channel: ci, shift: mean[ci], AVX2.self)
        sums[2 * ci] = sdy; sums[2 * ci + 1] = sdyxc
    }
}

/// dx from global backward sums (over `count` values per channel):
/// dx = γ·invStd·(dy − Σdy/count − (x − mean)·invStd²·Σdy·(x − mean)/count), overwritten.
///
/// - Shapes: dy, x, dx: [n, c, hw]; sums: [2c]; gamma, mean, invStd: [c].
public func batchNormApplyGradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                       spatial hw: Int, sums: UnsafePointer<Double>, count: Int, gamma: UnsafePointer<Float>,
                                       mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
    let total = Double(max(count, 1))
    for ci in 0..<c {
        let g = Double(gamma[ci]), inv = Double(invStd[ci]), mu = mean[ci]
        let k1 = Float(g * inv)
        let k2 = Float(-g * inv * inv * inv * sums[2 * ci + 1] / total)
        let k3 = Float(-g * inv * sums[2 * ci] / total)
        for bi in 0..<n {
            let off = (bi * c + ci) * hw
            for i in 0..<hw { dx[off + i] = (k1 * dy[off + i] + k3).addingProduct(k2, x[off + i] - mu) }
        }
    }
}
