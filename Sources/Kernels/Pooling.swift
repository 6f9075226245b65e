import KernelBodies
import Tensor

// Global average pooling over each plane (the head of most face embedders uses a global
// depthwise conv instead, but GAP is the baseline).

/// y[i] = mean of plane i, overwritten.
///
/// - Shapes: x: [planes, hw] -> y: [planes] (planes = n·c).
public func globalAvgPoolForward(_ x: UnsafePointer<Float>, planes: Int, spatial hw: Int, y: UnsafeMutablePointer<Float>) {
    // x: [planes, hw] -> y: [planes]
    if planes <= 0 { return }
    if hw <= 0 { y.update(repeating: 0, count: planes); return }
    let xs = ConstPointer(x), ys = SendablePointer(y)
    let inv = 1 / Double(hw)
    Parallel.forChunks(planes, minChunk: minChunk(itemCost: hw, grain: 65_536)) { lo, hi in
        for pl in lo..<hi {
            let px = xs.p + pl * hw
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
            var i = 0
            while i + 32 <= hw {
                a0 += load(px + i, as: SIMD16<Float>.self)
                a1 += load(px + i + 16, as: SIMD16<Float>.self)
                i += 32
            }
            var s = Double((a0 + a1).sum())
            while i < hw { s += Double(px[i]); i += 1 }
            ys.p[pl] = Float(s * inv)
        }
    }
}

/// dx[i, :] = dy[i] / hw, overwritten.
///
/// - Shapes: dy: [planes] -> dx: [planes, hw].
public func globalAvgPoolBackward(_ dy: UnsafePointer<Float>, planes: Int, spatial hw: Int, dx: UnsafeMutablePointer<Float>) {
    // dy: [planes] -> dx: [planes, hw]
    if planes <= 0 || hw <= 0 { return }
    let dys = ConstPointer(dy), dxs = SendablePointer(dx)
    let inv = 1 / Float(hw)
    Parallel.forChunks(planes, minChunk: minChunk(itemCost: hw, grain: 65_536)) { lo, hi in
        for pl in lo..<hi {
            (dxs.p + pl * hw).update(repeating: dys.p[pl] * inv, count: hw)
        }
    }
}
