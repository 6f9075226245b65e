import KernelBodies
import Tensor

// A 1×1 max-pool with stride s is a strided subsample: AdaFace's IR shortcut where a block's
// input and output channels agree but its stride is 2 (PyTorch's MaxPool2d(1, s)).

/// y[p, i, j] = x[p, i·s, j·s], overwritten.
///
/// - Shapes: x: [planes, h, w] -> y: [planes, (h−1)/s+1, (w−1)/s+1].
public func subsampleForward(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int, stride s: Int,
                             y: UnsafeMutablePointer<Float>) {
    let oh = (h - 1) / s + 1, ow = (w - 1) / s + 1
    let xs = ConstPointer(x), ys = SendablePointer(y)
    Parallel.forChunks(planes, minChunk: minChunk(itemCost: oh * ow, grain: 65_536)) { lo, hi in
        for p in lo..<hi {
            let src = xs.p + p * h * w, dst = ys.p + p * oh * ow
            for i in 0..<oh {
                let row = src + i * s * w, out = dst + i * ow
                for j in 0..<ow { out[j] = row[j * s] }
            }
        }
    }
}

/// dx[p, i·s, j·s] = dy[p, i, j], every other element 0, overwritten.
///
/// - Shapes: dy: [planes, (h−1)/s+1, (w−1)/s+1] -> dx: [planes, h, w].
public func subsampleBackward(_ dy: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int, stride s: Int,
                              dx: UnsafeMutablePointer<Float>) {
    let oh = (h - 1) / s + 1, ow = (w - 1) / s + 1
    let dys = ConstPointer(dy), dxs = SendablePointer(dx)
    Parallel.forChunks(planes, minChunk: minChunk(itemCost: h * w, grain: 65_536)) { lo, hi in
        for p in lo..<hi {
            let src = dys.p + p * oh * ow, dst = dxs.p + p * h * w
            dst.update(repeating: 0, count: h * w)
            for i in 0..<oh {
                let row = dst + i * s * w, g = src + i * ow
                for j in 0..<ow { row[j * s] = g[j] }
            }
        }
    }
}
