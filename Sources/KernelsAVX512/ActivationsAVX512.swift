import KernelBodies

// Entry points of the AVX-512 build of the bodies in KernelBodies; called only by Kernels, on the
// `.avx512` path.

@inline(never)
package func reluForwardAVX512(_ x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
    reluForwardBody(x, count: count, y: y, AVX512.self)
}

@inline(never)
package func reluBackwardAVX512(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, dx: UnsafeMutablePointer<Float>) {
    reluBackwardBody(dy, x, count: count, dx: dx, AVX512.self)
}

@inline(never)
package func preluForwardAVX512(_ x: UnsafePointer<Float>, alpha: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                y: UnsafeMutablePointer<Float>) {
    preluForwardBody(x, alpha: alpha, batch: n, channels: c, spatial: hw, y: y, AVX512.self)
}

@inline(never)
package func preluBackwardAVX512(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, alpha: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                 dx: UnsafeMutablePointer<Float>, dalpha: UnsafeMutablePointer<Float>) {
    preluBackwardBody(dy, x, alpha: alpha, batch: n, channels: c, spatial: hw, dx: dx, dalpha: dalpha, AVX512.self)
}
