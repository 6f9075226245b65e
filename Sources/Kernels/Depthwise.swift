import KernelBodies
import KernelsAVX512
import Tensor

// Depthwise convolution. The loops are in KernelBodies (DepthwiseBodies.swift); each entry point
// runs the AVX2 or the AVX-512 build of them, on the path chosen once per process (KernelDispatch).

/// Depthwise convolution forward, no bias. `y` is overwritten.
///
/// - Shapes: x: [n, c, h, w], weight: [c, k, k] -> y: [n, c, oh, ow], oh = (h + 2p - k)/s + 1.
public func depthwiseForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch n: Int, channels c: Int,
                             height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                             y: UnsafeMutablePointer<Float>,
                             path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: depthwiseForwardAVX512(x, weight: weight, batch: n, channels: c, height: h, width: w, kernel: k,
                                         stride: s, pad: p, y: y)
    case .avx2: depthwiseForwardBody(x, weight: weight, batch: n, channels: c, height: h, width: w, kernel: k, stride: s,
                                     pad: p, y: y, AVX2.self)
    }
}

/// Input gradient of `depthwiseForward`; `dx` is overwritten.
///
/// Stride 1: a correlation of dy padded by k-1-p with the filter rotated by 180 degrees, the
/// forward kernel itself. Stride 2: split by output phases (`stride2InputGradPlane`), so no
/// multiplication by inserted zeros. Other strides spread dy with s-1 zeros between samples and
/// run the stride-1 correlation (s*s-fold redundant work, acceptable for a rare case).
///
/// - Shapes: dy: [n, c, oh, ow], weight: [c, k, k] -> dx: [n, c, h, w].
public func depthwiseBackwardInput(_ dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                   height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                   dx: UnsafeMutablePointer<Float>,
                                   path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: depthwiseBackwardInputAVX512(dy, weight: weight, batch: n, channels: c, height: h, width: w, kernel: k,
                                               stride: s, pad: p, dx: dx)
    case .avx2: depthwiseBackwardInputBody(dy, weight: weight, batch: n, channels: c, height: h, width: w, kernel: k,
                                           stride: s, pad: p, dx: dx, AVX2.self)
    }
}

/// Weight gradient of `depthwiseForward`, **added** into `dweight`.
///
/// - Shapes: x: [n, c, h, w], dy: [n, c, oh, ow] -> dweight: [c, k, k] (+=).
public func depthwiseBackwardWeight(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                    height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                    dweight: UnsafeMutablePointer<Float>,
                                    path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: depthwiseBackwardWeightAVX512(x, dy, batch: n, channels: c, height: h, width: w, kernel: k, stride: s,
                                                pad: p, dweight: dweight)
    case .avx2: depthwiseBackwardWeightBody(x, dy, batch: n, channels: c, height: h, width: w, kernel: k, stride: s,
                                            pad: p, dweight: dweight, AVX2.self)
    }
}
