import KernelBodies
import Tensor

// Max pooling without padding, in PyTorch's `ceil_mode` or floor mode. MTCNN's three networks
// (facenet-pytorch) pool with ceil_mode = True, so a last window that hangs over the right or
// bottom edge still produces an output over the pixels it covers. Inference only: no backward
// pass, since FaceNAS never trains these networks.

/// Output length of one axis: floor or ceil of (size - kernel) / stride, plus one; in ceil mode a
/// window that would start past the input is dropped (PyTorch's rule, without padding).
public func maxPoolOutputSize(_ size: Int, kernel: Int, stride: Int, ceilMode: Bool) -> Int {
    guard size >= kernel else { return ceilMode && size > 0 ? 1 : 0 }
    let span = size - kernel
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    if ceilMode && (out - 1) * stride >= size { out -= 1 }
    return out
}

/// y[p, oy, ox] = max of x[p, oy·s ..< min(oy·s + k, h), ox·s ..< min(ox·s + k, w)], overwritten.
///
/// - Shapes: x: [planes, h, w] -> y: [planes, oh, ow], oh/ow from `maxPoolOutputSize`.
public func maxPoolForward(_ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int, kernel k: Int, stride s: Int,
                           ceilMode: Bool, y: UnsafeMutablePointer<Float>) {
    let oh = maxPoolOutputSize(h, kernel: k, stride: s, ceilMode: ceilMode)
    let ow = maxPoolOutputSize(w, kernel: k, stride: s, ceilMode: ceilMode)
    if planes <= 0 || oh <= 0 || ow <= 0 { return }
    let xs = ConstPointer(x), ys = SendablePointer(y)
    Parallel.forChunks(planes, minChunk: minChunk(itemCost: h * w, grain: 65_536)) { lo, hi in
        for pl in lo..<hi {
            let src = xs.p + pl * h * w, dst = ys.p + pl * oh * ow
            for oy in 0..<oh {
                let y0 = oy * s, y1 = min(y0 + k, h)
                let row = dst + oy * ow
                for ox in 0..<ow {
                    let x0 = ox * s, x1 = min(x0 + k, w)
                    var m = -Float.infinity
                    for yy in y0..<y1 {
                        let r = src + yy * w
                        for xx in x0..<x1 { m = max(m, r[xx]) }
                    }
                    row[ox] = m
                }
            }
        }
    }
}
