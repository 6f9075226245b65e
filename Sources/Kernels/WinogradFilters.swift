import KernelBodies
import Tensor

// Winograd F(2×2, 3×3) filter transforms: U = G g Gᵀ for every (out, in) channel pair, and the
// adjoint that turns the gradient of U back into the gradient of g.
//
//   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]

/// U[ξ][o][i] = (G g Gᵀ)[ξ] with g = w[o, i] (3×3). The input-gradient convolution passes its
/// flipped, transposed filters [cin, cout, 3, 3] with the channel roles swapped.
///
/// - Shapes: w: [outChannels, inChannels, 3, 3] -> u: [16, outChannels, inChannels].
public func winogradFilterTransform(_ w: UnsafePointer<Float>, outChannels cout: Int, inChannels cin: Int,
                                    into u: UnsafeMutablePointer<Float>) {
    // w: [cout, cin, 3, 3] -> u: [16, cout, cin]
    let wp = ConstPointer(w), up = SendablePointer(u), plane = cout * cin
    Parallel.forChunks(cout, minChunk: minChunk(itemCost: 40 * cin)) { lo, hi in
        for o in lo..<hi {
            for i in 0..<cin {
                let g = wp.p + (o * cin + i) * 9, dst = up.p + o * cin + i
                // G over the rows: t0 = g0, t1 = (g0 + g1 + g2)/2, t2 = (g0 − g1 + g2)/2, t3 = g2 (rows of 3).
                var t = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
                for c in 0..<3 {
                    let a = g[c], b = g[3 + c], d = g[6 + c]
                    let r = (a, 0.5 * (a + b + d), 0.5 * (a - b + d), d)
                    switch c {
                    case 0: t.0 = r.0; t.3 = r.1; t.6 = r.2; t.9 = r.3
                    case 1: t.1 = r.0; t.4 = r.1; t.7 = r.2; t.10 = r.3
                    default: t.2 = r.0; t.5 = r.1; t.8 = r.2; t.11 = r.3
                    }
                }
                // Gᵀ over the columns of each row.
                @inline(__always) func row(_ k: Int, _ a: Float, _ b: Float, _ d: Float) {
                    dst[(4 * k) * plane] = a
                    dst[(4 * k + 1) * plane] = 0.5 * (a + b + d)
                    dst[(4 * k + 2) * plane] = 0.5 * (a - b + d)
                    dst[(4 * k + 3) * plane] = d
                }
                row(0, t.0, t.1, t.2); row(1, t.3, t.4, t.5); row(2, t.6, t.7, t.8); row(3, t.9, t.10, t.11)
            }
        }
    }
}

/// dw[o, i] += Gᵀ dU[·][o][i] G: the weight gradient from the gradient of the transformed filters.
///
/// - Shapes: du: [16, outChannels, inChannels] -> dw: [outChannels, inChannels, 3, 3] (accumulated).
public func winogradFilterGradient(_ du: UnsafePointer<Float>, outChannels cout: Int, inChannels cin: Int,
                                   addingInto dw: UnsafeMutablePointer<Float>) {
    // du: [16, cout, cin] -> dw: [cout, cin, 3, 3] (+=)
    let dp = ConstPointer(du), wp = SendablePointer(dw), plane = cout * cin
    Parallel.forChunks(cout, minChunk: minChunk(itemCost: 48 * cin)) { lo, hi in
        for o in lo..<hi {
            for i in 0..<cin {
                let src = dp.p + o * cin + i, g = wp.p + (o * cin + i) * 9
                // Gᵀ over the rows: q0 = d0 + (d1 + d2)/2, q1 = (d1 − d2)/2, q2 = (d1 + d2)/2 + d3, for
                // each column c of dU; then the same over the columns of each q row.
                var q = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
                for c in 0..<4 {
                    let d0 = src[c * plane], d1 = src[(4 + c) * plane], d2 = src[(8 + c) * plane], d3 = src[(12 + c) * plane]
                    q.0[c] = d0 + 0.5 * (d1 + d2); q.1[c] = 0.5 * (d1 - d2); q.2[c] = 0.5 * (d1 + d2) + d3
                }
                @inline(__always) func columns(_ r: SIMD4<Float>, _ k: Int) {
                    g[3 * k] += r[0] + 0.5 * (r[1] + r[2])
                    g[3 * k + 1] += 0.5 * (r[1] - r[2])
                    g[3 * k + 2] += 0.5 * (r[1] + r[2]) + r[3]
                }
                columns(q.0, 0); columns(q.1, 1); columns(q.2, 2)
            }
        }
    }
}
