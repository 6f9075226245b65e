import KernelBodies
import KernelsAVX512
import Tensor

// Batch normalisation. The loops are in KernelBodies (BatchNormBodies.swift); each entry point runs
// the AVX2 or the AVX-512 build of them, on the path chosen once per process (KernelDispatch).

/// Training-mode forward: normalises with the batch statistics of each channel over n·hw values.
/// Writes `y` (overwritten) and, for the backward pass and running estimates, the per-channel
/// `mean`, biased `variance` and `invStd` = 1/sqrt(variance + epsilon).
///
/// - Shapes: x, y: [n, c, hw]; gamma, beta, mean, invStd, variance: [c].
public func batchNormForwardTraining(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                     gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
                                     y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                     invStd: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                     path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: batchNormForwardTrainingAVX512(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta,
                                                 epsilon: epsilon, y: y, mean: mean, invStd: invStd, variance: variance)
    case .avx2: batchNormForwardTrainingBody(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta,
                                             epsilon: epsilon, y: y, mean: mean, invStd: invStd, variance: variance,
                                             AVX2.self)
    }
}

/// y = γ·(x − mean)·invStd + β from the statistics a training forward stored (`mean`, `invStd`):
/// the expression that forward evaluated, so a recomputed output is bit-identical to the original.
///
/// - Shapes: x, y: [n, c, hw]; mean, invStd, gamma, beta: [c].
public func batchNormApply(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                           mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                           beta: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: batchNormApplyAVX512(x, batch: n, channels: c, spatial: hw, mean: mean, invStd: invStd, gamma: gamma,
                                       beta: beta, y: y)
    case .avx2: batchNormApplyBody(x, batch: n, channels: c, spatial: hw, mean: mean, invStd: invStd, gamma: gamma,
                                   beta: beta, y: y, AVX2.self)
    }
}

/// Eval-mode forward with frozen statistics: y = gamma·(x - runningMean)/sqrt(runningVariance + eps) + beta.
/// `y` is overwritten.
///
/// - Shapes: x, y: [n, c, hw]; gamma, beta, runningMean, runningVariance: [c].
public func batchNormForwardInference(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                      gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                      runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                      epsilon: Float, y: UnsafeMutablePointer<Float>,
                                      path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: batchNormForwardInferenceAVX512(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta,
                                                  runningMean: runningMean, runningVariance: runningVariance,
                                                  epsilon: epsilon, y: y)
    case .avx2: batchNormForwardInferenceBody(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta,
                                              runningMean: runningMean, runningVariance: runningVariance, epsilon: epsilon,
                                              y: y, AVX2.self)
    }
}

/// Training-mode backward through the batch statistics. With x̂ = (x - mean)·invStd:
/// dbeta += Σdy, dgamma += Σdy·x̂ (both **added into**), and `dx` (overwritten)
/// = gamma·invStd/m · (m·dy - Σdy - x̂·Σdy·x̂).
///
/// - Shapes: dy, x, dx: [n, c, hw]; gamma, mean, invStd, dgamma, dbeta: [c].
public func batchNormBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                              gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                              dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                              path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: batchNormBackwardAVX512(dy, x, batch: n, channels: c, spatial: hw, gamma: gamma, mean: mean,
                                          invStd: invStd, dx: dx, dgamma: dgamma, dbeta: dbeta)
    case .avx2: batchNormBackwardBody(dy, x, batch: n, channels: c, spatial: hw, gamma: gamma, mean: mean, invStd: invStd,
                                      dx: dx, dgamma: dgamma, dbeta: dbeta, AVX2.self)
    }
}

/// Eval-mode backward with frozen statistics: dx = dy·gamma/sqrt(runningVariance + eps),
/// overwritten.
///
/// - Shapes: dy, dx: [n, c, hw]; gamma, runningVariance: [c].
public func batchNormBackwardInference(_ dy: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                       gamma: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>, epsilon: Float,
                                       dx: UnsafeMutablePointer<Float>,
                                       path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: batchNormBackwardInferenceAVX512(dy, batch: n, channels: c, spatial: hw, gamma: gamma,
                                                   runningVariance: runningVariance, epsilon: epsilon, dx: dx)
    case .avx2: batchNormBackwardInferenceBody(dy, batch: n, channels: c, spatial: hw, gamma: gamma,
                                               runningVariance: runningVariance, epsilon: epsilon, dx: dx, AVX2.self)
    }
}

/// Updates running estimates as PyTorch does: running = (1 - momentum)·running + momentum·batch,
/// where the variance folded in is the unbiased one, variance·m/(m - 1) (m = n·hw values per
/// channel; with m == 1 the biased variance is used as is).
///
/// - Shapes: all [c].
public func batchNormUpdateRunning(runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                                   mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, channels c: Int,
                                   count m: Int, momentum: Float) {
    // running*: [c] updated in place from mean, variance: [c]
    // In Double, as PyTorch's CPU kernel accumulates; one rounding to Float per value.
    let correction = m > 1 ? Double(m) / Double(m - 1) : 1
    let mo = Double(momentum), keep = 1 - mo
    for ci in 0..<c {
        runningMean[ci] = Float(keep * Double(runningMean[ci]) + mo * Double(mean[ci]))
        runningVariance[ci] = Float(keep * Double(runningVariance[ci]) + mo * Double(variance[ci]) * correction)
    }
}
