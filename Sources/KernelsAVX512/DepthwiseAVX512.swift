import KernelBodies

// Entry points of the AVX-512 build of the bodies in KernelBodies; called only by Kernels, on the
// `.avx512` path.

@inline(never)
package func depthwiseForwardAVX512(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                    height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                    y: UnsafeMutablePointer<Float>) {
    depthwiseForwardBody(x, weight: weight, batch: n, channels: c, height: h, width: w, kernel: k, stride: s, pad: p, y: y,
                         AVX512.self)
}

@inline(never)
package func depthwiseBackwardInputAVX512(_ dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                          height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                          dx: UnsafeMutablePointer<Float>) {
    depthwiseBackwardInputBody(dy, weight: weight, batch: n, channels: c, height: h, width: w, kernel: k, stride: s,
                               pad: p, dx: dx, AVX512.self)
}

@inline(never)
package func depthwiseBackwardWeightAVX512(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                           height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                           dweight: UnsafeMutablePointer<Float>) {
    depthwiseBackwardWeightBody(x, dy, batch: n, channels: c, height: h, width: w, kernel: k, stride: s, pad: p,
                                dweight: dweight, AVX512.self)
}
