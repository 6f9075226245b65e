import KernelBodies
import Tensor

// Elementwise arithmetic for residual sums, gradient accumulation and the optimiser. Memory-bound:
// one pass, SIMD16, halves on two workers once a tensor is large enough to pay for the wake-up.

private let elementGrain = 65_536

/// y = a + b, overwritten (`y` may alias `a` or `b`).
///
/// - Shapes: a, b, y: [count].
public func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
    // a, b: [count] -> y: [count]
    let as_ = ConstPointer(a), bs = ConstPointer(b), ys = SendablePointer(y)
    Parallel.forChunks(count, minChunk: elementGrain) { lo, hi in
        var i = lo
        while i + 16 <= hi {
            store(load(as_.p + i, as: SIMD16<Float>.self) + load(bs.p + i, as: SIMD16<Float>.self), ys.p + i)
            i += 16
        }
        while i < hi { ys.p[i] = as_.p[i] + bs.p[i]; i += 1 }
    }
}

/// y += x.
///
/// - Shapes: y, x: [count].
public func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    // y: [count] += x: [count]
    let xs = ConstPointer(x), ys = SendablePointer(y)
    Parallel.forChunks(count, minChunk: elementGrain) { lo, hi in
        var i = lo
        while i + 16 <= hi {
            store(load(ys.p + i, as: SIMD16<Float>.self) + load(xs.p + i, as: SIMD16<Float>.self), ys.p + i)
            i += 16
        }
        while i < hi { ys.p[i] += xs.p[i]; i += 1 }
    }
}

/// y *= a.
///
/// - Shapes: y: [count].
public func scale(_ y: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
    // y: [count] *= a
    let ys = SendablePointer(y)
    Parallel.forChunks(count, minChunk: elementGrain) { lo, hi in
        let av = SIMD16<Float>(repeating: a)
        var i = lo
        while i + 16 <= hi { store(load(ys.p + i, as: SIMD16<Float>.self) * av, ys.p + i); i += 16 }
        while i < hi { ys.p[i] *= a; i += 1 }
    }
}

/// Σ x², for gradient-norm clipping. Float products are exact in Double, so accumulating them in
/// Double (four chains) leaves only the rounding of the Double additions.
///
/// - Shapes: x: [count].
public func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    // x: [count] -> scalar
    if count <= 0 { return 0 }
    let xs = ConstPointer(x)
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: Parallel.workers)
    partial.initialize(repeating: 0, count: Parallel.workers)
    defer { partial.deallocate() }
    let ps = SendablePointer(partial)
    Parallel.forWorkers(count, minChunk: elementGrain) { t, lo, hi in
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>(), a2 = SIMD8<Double>(), a3 = SIMD8<Double>()
        var i = lo
        while i + 32 <= hi {
            let u = load(xs.p + i, as: SIMD16<Float>.self), v = load(xs.p + i + 16, as: SIMD16<Float>.self)
            let d0 = SIMD8<Double>(u.lowHalf), d1 = SIMD8<Double>(u.highHalf)
            let d2 = SIMD8<Double>(v.lowHalf), d3 = SIMD8<Double>(v.highHalf)
            a0.addProduct(d0, d0); a1.addProduct(d1, d1); a2.addProduct(d2, d2); a3.addProduct(d3, d3)
            i += 32
        }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < hi { let d = Double(xs.p[i]); s += d * d; i += 1 }
        ps.p[t] = s
    }
    var total = 0.0
    for t in 0..<Parallel.workers { total += partial[t] }
    return total
}

/// One PyTorch `torch.optim.SGD` step (dampening 0), in place on `weight` and `buf`:
///   g = grad + weightDecay·w
///   buf = firstStep ? g : momentum·buf + g
///   step = nesterov ? g + momentum·buf : buf
///   w -= lr·step
/// Rounding follows PyTorch's vectorised CPU path: `add(a, b, alpha)` is a fused multiply-add
/// (g, the Nesterov step and the weight update), `buf.mul_(momentum)` is rounded before `+ g`,
/// and weight decay 0 leaves the gradient untouched.
///
/// - Shapes: weight, grad, buf: [count].
public func sgdMomentumUpdate(weight: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, momentum buf: UnsafeMutablePointer<Float>,
                              count: Int, lr: Float, momentum: Float, weightDecay: Float, nesterov: Bool, firstStep: Bool) {
    // weight, grad, buf: [count], updated in place
    let ws = SendablePointer(weight), gs = ConstPointer(grad), bs = SendablePointer(buf)
    let decay = weightDecay != 0
    Parallel.forChunks(count, minChunk: elementGrain) { lo, hi in
        let wdv = SIMD16<Float>(repeating: weightDecay), mv = SIMD16<Float>(repeating: momentum)
        let nlrv = SIMD16<Float>(repeating: -lr)
        var i = lo
        while i + 16 <= hi {
            let w = load(ws.p + i, as: SIMD16<Float>.self)
            var g = load(gs.p + i, as: SIMD16<Float>.self)
            if decay { g = g.addingProduct(w, wdv) }
            let b = firstStep ? g : mv * load(bs.p + i, as: SIMD16<Float>.self) + g
            store(b, bs.p + i)
            let step = nesterov ? g.addingProduct(b, mv) : b
            store(w.addingProduct(step, nlrv), ws.p + i)
            i += 16
        }
        while i < hi {
            let w = ws.p[i]
            var g = gs.p[i]
            if decay { g = g.addingProduct(w, weightDecay) }
            let b = firstStep ? g : momentum * bs.p[i] + g
            bs.p[i] = b
            let step = nesterov ? g.addingProduct(b, momentum) : b
            ws.p[i] = w.addingProduct(step, -lr)
            i += 1
        }
    }
}
