import KernelBodies
import Foundation
import Tensor

// Softmax across the channel axis at every spatial position (PyTorch `nn.Softmax(dim=1)` on an
// NCHW tensor): MTCNN's face/non-face scores. Inference only, so there is no backward pass.

/// y[n, :, i] = softmax(x[n, :, i]) for every position i, overwritten (`y` may alias `x`). Each
/// position is shifted by its maximum so exp never overflows; the sum is accumulated in Double.
///
/// - Shapes: x, y: [n, c, hw].
public func channelSoftmaxForward(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                  y: UnsafeMutablePointer<Float>) {
    if n <= 0 || c <= 0 || hw <= 0 { return }
    let xs = ConstPointer(x), ys = SendablePointer(y)
    Parallel.forChunks(n, minChunk: minChunk(itemCost: c * hw, grain: 65_536)) { lo, hi in
        for b in lo..<hi {
            let src = xs.p + b * c * hw, dst = ys.p + b * c * hw
            for i in 0..<hw {
                var m = -Float.infinity
                for k in 0..<c { m = max(m, src[k * hw + i]) }
                var sum = 0.0
                for k in 0..<c {
                    let e = Foundation.exp(src[k * hw + i] - m)
                    dst[k * hw + i] = e
                    sum += Double(e)
                }
                let inv = Float(1 / sum)
                for k in 0..<c { dst[k * hw + i] *= inv }
            }
        }
    }
}
