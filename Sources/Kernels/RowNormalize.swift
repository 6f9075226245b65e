import KernelBodies
import Tensor

// L2 normalisation of matrix rows, forward and backward, for the margin heads: embeddings [n, d]
// and class centres [C, d] are both normalised before their cosine GEMM. The norm is floored at
// 1e-12 as torch.nn.functional.normalize does, so a zero row gives a zero row, not NaN.

private let normFloor: Float = 1e-12

/// u_r = x_r / max(‖x_r‖, 1e-12) and norms[r] = ‖x_r‖ (the unfloored norm).
///
/// - Shapes: x, u: [rows, cols]; norms: [rows].
public func normalizeRows(_ x: UnsafePointer<Float>, rows: Int, cols: Int,
                          normalized u: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>) {
    // x: [rows, cols] -> u: [rows, cols], norms: [rows]
    let xs = ConstPointer(x), us = SendablePointer(u), ns = SendablePointer(norms)
    Parallel.forChunks(rows, minChunk: minChunk(itemCost: 2 * cols)) { lo, hi in
        for r in lo..<hi {
            let xr = xs.p + r * cols, ur = us.p + r * cols
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
            var j = 0
            while j + 32 <= cols {
                let v0 = load(xr + j, as: SIMD16<Float>.self), v1 = load(xr + j + 16, as: SIMD16<Float>.self)
                a0.addProduct(v0, v0); a1.addProduct(v1, v1)
                j += 32
            }
            // Float lanes hold at most cols/32 products each; the fold and the tail go to Double.
            var s = Double((a0 + a1).sum())
            while j < cols { let v = Double(xr[j]); s += v * v; j += 1 }
            let norm = Float(s.squareRoot())
            ns.p[r] = norm
            let inv = 1 / max(norm, normFloor), iv = SIMD16<Float>(repeating: inv)
            j = 0
            while j + 16 <= cols { store(load(xr + j, as: SIMD16<Float>.self) * iv, ur + j); j += 16 }
            while j < cols { ur[j] = xr[j] * inv; j += 1 }
        }
    }
}

/// Gradient of u = x/max(‖x‖, 1e-12): dx_r = (g_r − (g_r·u_r)·u_r) / ‖x_r‖, the projection of the
/// incoming gradient off the row's direction. Below the floor u is linear in x, so dx_r = g_r/1e-12.
/// Overwrites `dx`, or adds into it when `accumulate` (the class centres' gradient).
///
/// - Shapes: g, u, dx: [rows, cols]; norms: [rows].
public func normalizeRowsBackward(_ g: UnsafePointer<Float>, normalized u: UnsafePointer<Float>, norms: UnsafePointer<Float>,
                                  rows: Int, cols: Int, accumulate: Bool, dx: UnsafeMutablePointer<Float>) {
    // g, u: [rows, cols], norms: [rows] -> dx: [rows, cols]
    let gs = ConstPointer(g), us = ConstPointer(u), ns = ConstPointer(norms), ds = SendablePointer(dx)
    Parallel.forChunks(rows, minChunk: minChunk(itemCost: 3 * cols)) { lo, hi in
        for r in lo..<hi {
            let gr = gs.p + r * cols, ur = us.p + r * cols, dr = ds.p + r * cols
            let norm = ns.p[r]
            var dot: Float = 0
            if norm >= normFloor {
                var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
                var j = 0
                while j + 32 <= cols {
                    a0.addProduct(load(gr + j, as: SIMD16<Float>.self), load(ur + j, as: SIMD16<Float>.self))
                    a1.addProduct(load(gr + j + 16, as: SIMD16<Float>.self), load(ur + j + 16, as: SIMD16<Float>.self))
                    j += 32
                }
                var s = Double((a0 + a1).sum())
                while j < cols { s += Double(gr[j]) * Double(ur[j]); j += 1 }
                dot = Float(s)
            }
            let inv = 1 / max(norm, normFloor)
            let iv = SIMD16<Float>(repeating: inv), pv = SIMD16<Float>(repeating: -dot * inv)
            var j = 0
            if accumulate {
                while j + 16 <= cols {
                    let t = load(gr + j, as: SIMD16<Float>.self) * iv
                    store(load(dr + j, as: SIMD16<Float>.self) + t.addingProduct(pv, load(ur + j, as: SIMD16<Float>.self)), dr + j)
                    j += 16
                }
                while j < cols { dr[j] += gr[j] * inv - dot * inv * ur[j]; j += 1 }
            } else {
                while j + 16 <= cols {
                    let t = load(gr + j, as: SIMD16<Float>.self) * iv
                    store(t.addingProduct(pv, load(ur + j, as: SIMD16<Float>.self)), dr + j)
                    j += 16
                }
                while j < cols { dr[j] = gr[j] * inv - dot * inv * ur[j]; j += 1 }
            }
        }
    }
}
