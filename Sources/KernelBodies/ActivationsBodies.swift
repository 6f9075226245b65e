import Tensor

// Pointwise activations. Memory-bound: one pass, SIMD16, split in two halves for large tensors.

/// The body of `reluForward` (see Kernels), specialised per instruction set.
@inlinable
public func reluForwardBody<I: VectorISA>(_ x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [count] -> y: [count]
    let xs = ConstPointer(x), ys = SendablePointer(y)
    Parallel.forChunks(count, minChunk: 65_536) { lo, hi in
        let zero = SIMD16<Float>()
        var i = lo
        while i + 16 <= hi {
            let v = load(xs.p + i, as: SIMD16<Float>.self)
            // replacing keeps NaN inputs as NaN, like PyTorch's relu.
            store(v.replacing(with: zero, where: v .< zero), ys.p + i)
            i += 16
        }
        while i < hi { let v = xs.p[i]; ys.p[i] = v < 0 ? 0 : v; i += 1 }
    }
}

/// The body of `reluBackward` (see Kernels), specialised per instruction set.
@inlinable
public func reluBackwardBody<I: VectorISA>(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, dx: UnsafeMutablePointer<Float>, _: I.Type) {
    // dy, x: [count] -> dx: [count]
    let dys = ConstPointer(dy), xs = ConstPointer(x), dxs = SendablePointer(dx)
    Parallel.forChunks(count, minChunk: 65_536) { lo, hi in
        let zero = SIMD16<Float>()
        var i = lo
        while i + 16 <= hi {
            let v = load(xs.p + i, as: SIMD16<Float>.self)
            let g = load(dys.p + i, as: SIMD16<Float>.self)
            store(zero.replacing(with: g, where: v .> zero), dxs.p + i)
            i += 16
        }
        while i < hi { dxs.p[i] = xs.p[i] > 0 ? dys.p[i] : 0; i += 1 }
    }
}

/// The body of `preluForward` (see Kernels), specialised per instruction set.
@inlinable
public func preluForwardBody<I: VectorISA>(_ x: UnsafePointer<Float>, alpha: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                           y: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [n, c, hw], alpha: [c] -> y: [n, c, hw]
    let xs = ConstPointer(x), al = ConstPointer(alpha), ys = SendablePointer(y)
    Parallel.forChunks(n * c, minChunk: minChunk(itemCost: hw, grain: 65_536)) { lo, hi in
        let zero = SIMD16<Float>()
        for plane in lo..<hi {
            let a = al.p[plane % c], av = SIMD16<Float>(repeating: a)
            let px = xs.p + plane * hw, py = ys.p + plane * hw
            var i = 0
            while i + 16 <= hw {
                let v = load(px + i, as: SIMD16<Float>.self)
                store(v.replacing(with: v * av, where: v .<= zero), py + i)
                i += 16
            }
            while i < hw { let v = px[i]; py[i] = v > 0 ? v : a * v; i += 1 }
        }
    }
}

/// The body of `preluBackward` (see Kernels), specialised per instruction set.
@inlinable
public func preluBackwardBody<I: VectorISA>(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, alpha: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                            dx: UnsafeMutablePointer<Float>, dalpha: UnsafeMutablePointer<Float>, _: I.Type) {
    // dy, x: [n, c, hw], alpha: [c] -> dx: [n, c, hw]; dalpha: [c] (+=)
    let dys = ConstPointer(dy), xs = ConstPointer(x), al = ConstPointer(alpha)
    let dxs = SendablePointer(dx), das = SendablePointer(dalpha)
    // Over channels, so each worker owns its channels' dalpha.
    Parallel.forChunks(c, minChunk: minChunk(itemCost: n * hw, grain: 65_536)) { lo, hi in
        let zero = SIMD16<Float>()
        for ci in lo..<hi {
            let a = al.p[ci], av = SIMD16<Float>(repeating: a)
            var total = 0.0
            for b in 0..<n {
                let off = (b * c + ci) * hw
                let px = xs.p + off, pg = dys.p + off, pd = dxs.p + off
                var s0 = SIMD16<Float>(), s1 = SIMD16<Float>()
                var i = 0
                // Two accumulators; planes are short enough (≤ a few thousand) for Float partials.
                while i + 32 <= hw {
                    let v0 = load(px + i, as: SIMD16<Float>.self), g0 = load(pg + i, as: SIMD16<Float>.self)
                    let v1 = load(px + i + 16, as: SIMD16<Float>.self), g1 = load(pg + i + 16, as: SIMD16<Float>.self)
                    let neg0 = v0 .<= zero, neg1 = v1 .<= zero
                    store(g0.replacing(with: g0 * av, where: neg0), pd + i)
                    store(g1.replacing(with: g1 * av, where: neg1), pd + i + 16)
                    s0 += (g0 * v0).replacing(with: 0, where: .!neg0)
                    s1 += (g1 * v1).replacing(with: 0, where: .!neg1)
                    i += 32
                }
                var t = (s0 + s1).sum()
                while i < hw {
                    let v = px[i], g = pg[i]
                    if v > 0 { pd[i] = g } else { pd[i] = a * g; t += g * v }
                    i += 1
                }
                total += Double(t)
            }
            das.p[ci] += Float(total)
        }
    }
}
