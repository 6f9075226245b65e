import KernelBodies
import KernelsAVX512
import Tensor

// Pointwise activations. The loops are in KernelBodies (ActivationsBodies.swift); each entry point
// runs the AVX2 or the AVX-512 build of them, on the path chosen once per process (KernelDispatch).

/// y = max(x, 0), overwritten (`y` may alias `x`).
///
/// - Shapes: x, y: [count].
public func reluForward(_ x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>,
                        path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: reluForwardAVX512(x, count: count, y: y)
    case .avx2: reluForwardBody(x, count: count, y: y, AVX2.self)
    }
}

/// dx = x > 0 ? dy : 0, overwritten (`dx` may alias `dy`).
///
/// - Shapes: dy, x, dx: [count].
public func reluBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, dx: UnsafeMutablePointer<Float>,
                         path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: reluBackwardAVX512(dy, x, count: count, dx: dx)
    case .avx2: reluBackwardBody(dy, x, count: count, dx: dx, AVX2.self)
    }
}

/// PReLU with one slope per channel (PyTorch `nn.PReLU(num_parameters: c)`; pass c = 1 and
/// hw = c·h·w for a single shared slope): y = x > 0 ? x : alpha[c]·x, overwritten.
///
/// - Shapes: x, y: [n, c, hw]; alpha: [c].
public func preluForward(_ x: UnsafePointer<Float>, alpha: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                         y: UnsafeMutablePointer<Float>,
                         path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: preluForwardAVX512(x, alpha: alpha, batch: n, channels: c, spatial: hw, y: y)
    case .avx2: preluForwardBody(x, alpha: alpha, batch: n, channels: c, spatial: hw, y: y, AVX2.self)
    }
}

/// PReLU backward: dx = x > 0 ? dy : alpha·dy (overwritten); dalpha[c] **+=** Σ over x <= 0 of dy·x
/// (PyTorch's rule; x == 0 contributes nothing either way).
///
/// - Shapes: dy, x, dx: [n, c, hw]; alpha, dalpha: [c].
public func preluBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, alpha: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                          dx: UnsafeMutablePointer<Float>, dalpha: UnsafeMutablePointer<Float>,
                          path: KernelPath = KernelDispatch.path) {
    switch path {
    case .avx512: preluBackwardAVX512(dy, x, alpha: alpha, batch: n, channels: c, spatial: hw, dx: dx, dalpha: dalpha)
    case .avx2: preluBackwardBody(dy, x, alpha: alpha, batch: n, channels: c, spatial: hw, dx: dx, dalpha: dalpha,
                                  AVX2.self)
    }
}
