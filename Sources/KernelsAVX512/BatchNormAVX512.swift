import KernelBodies

// Entry points of the AVX-512 build of the bodies in KernelBodies; called only by Kernels, on the
// `.avx512` path.

@inline(never)
package func batchNormForwardTrainingAVX512(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                            gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
                                            y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                            invStd: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    batchNormForwardTrainingBody(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta, epsilon: epsilon, y: y,
                                 mean: mean, invStd: invStd, variance: variance, AVX512.self)
}

@inline(never)
package func batchNormApplyAVX512(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                  mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                  beta: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    batchNormApplyBody(x, batch: n, channels: c, spatial: hw, mean: mean, invStd: invStd, gamma: gamma, beta: beta, y: y,
                       AVX512.self)
}

@inline(never)
package func batchNormForwardInferenceAVX512(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                             runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                             epsilon: Float, y: UnsafeMutablePointer<Float>) {
    batchNormForwardInferenceBody(x, batch: n, channels: c, spatial: hw, gamma: gamma, beta: beta,
                                  runningMean: runningMean, runningVariance: runningVariance, epsilon: epsilon, y: y,
                                  AVX512.self)
}

@inline(never)
package func batchNormBackwardAVX512(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                     gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                     dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>) {
    batchNormBackwardBody(dy, x, batch: n, channels: c, spatial: hw, gamma: gamma, mean: mean, invStd: invStd, dx: dx,
                          dgamma: dgamma, dbeta: dbeta, AVX512.self)
}

@inline(never)
package func batchNormBackwardInferenceAVX512(_ dy: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                              gamma: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>, epsilon: Float,
                                              dx: UnsafeMutablePointer<Float>) {
    batchNormBackwardInferenceBody(dy, batch: n, channels: c, spatial: hw, gamma: gamma, runningVariance: runningVariance,
                                   epsilon: epsilon, dx: dx, AVX512.self)
}
