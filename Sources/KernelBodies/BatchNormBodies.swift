import Tensor

// Batch normalisation (Ioffe & Szegedy 2015) with PyTorch's conventions: biased batch variance in
// the forward, unbiased variance in the running estimate. x is viewed as [n, c, hw]; each channel
// reads n strided planes of hw floats. All kernels split over channels (memory-bound work, two
// workers are enough to reach the bandwidth).

/// Sums over n planes of one channel: Σ(a - shift) and Σ(a - shift)² when `b` is nil, or Σb and
/// Σ b·(a - shift) when `b` is given. Float SIMD partial sums over short blocks, folded into Double
/// per block: nearly Double accuracy at Float speed.
@inlinable @inline(__always)
public func channelSums<I: VectorISA>(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>?, batch n: Int, channels c: Int,
                                       spatial hw: Int, channel ci: Int, shift: Float, _: I.Type) -> (Double, Double) {
    var s1 = 0.0, s2 = 0.0
    let sv = SIMD16<Float>(repeating: shift)
    let block = 512
    for bi in 0..<n {
        let off = (bi * c + ci) * hw
        let pa = a + off
        let pb = b.map { $0 + off }
        var i0 = 0
        while i0 < hw {
            let i1 = min(hw, i0 + block)
            var u0 = SIMD16<Float>(), u1 = SIMD16<Float>(), v0 = SIMD16<Float>(), v1 = SIMD16<Float>()
            var i = i0
            if let pb {
                while i + 32 <= i1 {
                    let d0 = load(pa + i, as: SIMD16<Float>.self) - sv, d1 = load(pa + i + 16, as: SIMD16<Float>.self) - sv
                    let g0 = load(pb + i, as: SIMD16<Float>.self), g1 = load(pb + i + 16, as: SIMD16<Float>.self)
                    u0 += g0; u1 += g1
                    v0.addProduct(g0, d0); v1.addProduct(g1, d1)
                    i += 32
                }
                // 7×7 and 14×14 planes leave 17 and 4 floats past the 32-wide loop.
                if i + 16 <= i1 {
                    let d = load(pa + i, as: SIMD16<Float>.self) - sv, g = load(pb + i, as: SIMD16<Float>.self)
                    u0 += g; v0.addProduct(g, d); i += 16
                }
                var t1 = ((u0 + u1).sum()), t2 = ((v0 + v1).sum())
                while i < i1 { t1 += pb[i]; t2 += pb[i] * (pa[i] - shift); i += 1 }
                s1 += Double(t1); s2 += Double(t2)
            } else {
                while i + 32 <= i1 {
                    let d0 = load(pa + i, as: SIMD16<Float>.self) - sv, d1 = load(pa + i + 16, as: SIMD16<Float>.self) - sv
                    u0 += d0; u1 += d1
                    v0.addProduct(d0, d0); v1.addProduct(d1, d1)
                    i += 32
                }
                if i + 16 <= i1 {
                    let d = load(pa + i, as: SIMD16<Float>.self) - sv
                    u0 += d; v0.addProduct(d, d); i += 16
                }
                var t1 = ((u0 + u1).sum()), t2 = ((v0 + v1).sum())
                while i < i1 { let d = pa[i] - shift; t1 += d; t2 += d * d; i += 1 }
                s1 += Double(t1); s2 += Double(t2)
            }
            i0 = i1
        }
    }
    return (s1, s2)
}

/// y = a·(x - m) + b over one channel's n planes (`y` may alias `x`).
@inlinable @inline(__always)
public func channelAffine<I: VectorISA>(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int, channel ci: Int,
                                         center m: Float, scale a: Float, offset b: Float, y: UnsafeMutablePointer<Float>,
                                         _: I.Type) {
    let mv = SIMD16<Float>(repeating: m), av = SIMD16<Float>(repeating: a), bv = SIMD16<Float>(repeating: b)
    for bi in 0..<n {
        let off = (bi * c + ci) * hw
        let px = x + off, py = y + off
        var i = 0
        while i + 16 <= hw {
            store(bv.addingProduct(load(px + i, as: SIMD16<Float>.self) - mv, av), py + i)
            i += 16
        }
        while i < hw { py[i] = b.addingProduct(px[i] - m, a); i += 1 }
    }
}

/// The body of `batchNormForwardTraining` (see Kernels), specialised per instruction set.
@inlinable
public func batchNormForwardTrainingBody<I: VectorISA>(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                                       gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
                                                       y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                                       invStd: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [n, c, hw] -> y: [n, c, hw]; mean, invStd, variance: [c]
    let m = n * hw
    if c <= 0 || m <= 0 { return }
    let xs = ConstPointer(x), gs = ConstPointer(gamma), bs = ConstPointer(beta)
    let ys = SendablePointer(y), ms = SendablePointer(mean), iv = SendablePointer(invStd), vs = SendablePointer(variance)
    Parallel.forChunks(c, minChunk: minChunk(itemCost: m)) { lo, hi in
        for ci in lo..<hi {
            // Shifting by one sample of the channel keeps E[d²] - E[d]² free of cancellation when
            // the mean is large against the spread.
            let shift = xs.p[ci * hw]
            let (s1, s2) = channelSums(xs.p, nil, batch: n, channels: c, spatial: hw, channel: ci, shift: shift, I.self)
            let md = s1 / Double(m)
            let v = max(0, s2 / Double(m) - md * md)
            let mu = Double(shift) + md
            let inv = 1 / (v + Double(epsilon)).squareRoot()
            ms.p[ci] = Float(mu); vs.p[ci] = Float(v); iv.p[ci] = Float(inv)
            channelAffine(xs.p, batch: n, channels: c, spatial: hw, channel: ci, center: Float(mu),
                          scale: gs.p[ci] * Float(inv), offset: bs.p[ci], y: ys.p, I.self)
        }
    }
}

/// The body of `batchNormForwardInference` (see Kernels), specialised per instruction set.
@inlinable
public func batchNormForwardInferenceBody<I: VectorISA>(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                                        runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                                        epsilon: Float, y: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [n, c, hw] -> y: [n, c, hw]
    if c <= 0 || n * hw <= 0 { return }
    let xs = ConstPointer(x), gs = ConstPointer(gamma), bs = ConstPointer(beta)
    let rm = ConstPointer(runningMean), rv = ConstPointer(runningVariance), ys = SendablePointer(y)
    Parallel.forChunks(c, minChunk: minChunk(itemCost: n * hw)) { lo, hi in
        for ci in lo..<hi {
            let inv = Float(1 / (Double(rv.p[ci]) + Double(epsilon)).squareRoot())
            channelAffine(xs.p, batch: n, channels: c, spatial: hw, channel: ci, center: rm.p[ci],
                          scale: gs.p[ci] * inv, offset: bs.p[ci], y: ys.p, I.self)
        }
    }
}

/// The body of `batchNormApply` (see Kernels), specialised per instruction set.
@inlinable
public func batchNormApplyBody<I: VectorISA>(_ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                             mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                             y: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [n, c, hw] -> y: [n, c, hw]
    if c <= 0 || n * hw <= 0 { return }
    let xs = ConstPointer(x), ms = ConstPointer(mean), iv = ConstPointer(invStd)
    let gs = ConstPointer(gamma), bs = ConstPointer(beta), ys = SendablePointer(y)
    Parallel.forChunks(c, minChunk: minChunk(itemCost: n * hw)) { lo, hi in
        for ci in lo..<hi {
            channelAffine(xs.p, batch: n, channels: c, spatial: hw, channel: ci, center: ms.p[ci],
                          scale: gs.p[ci] * iv.p[ci], offset: bs.p[ci], y: ys.p, I.self)
        }
    }
}

/// The body of `batchNormBackward` (see Kernels), specialised per instruction set.
@inlinable
public func batchNormBackwardBody<I: VectorISA>(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                                gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                                dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>, _: I.Type) {
    // dy, x: [n, c, hw] -> dx: [n, c, hw]; dgamma, dbeta: [c] (+=)
    let m = n * hw
    if c <= 0 || m <= 0 { return }
    let dys = ConstPointer(dy), xs = ConstPointer(x), gs = ConstPointer(gamma), ms = ConstPointer(mean)
    let iv = ConstPointer(invStd)
    let dxs = SendablePointer(dx), dgs = SendablePointer(dgamma), dbs = SendablePointer(dbeta)
    Parallel.forChunks(c, minChunk: minChunk(itemCost: 2 * m)) { lo, hi in
        for ci in lo..<hi {
            let mu = ms.p[ci], inv = Double(iv.p[ci])
            let (sdy, sdyxc) = channelSums(xs.p, dys.p, batch: n, channels: c, spatial: hw, channel: ci, shift: mu, I.self)
            dbs.p[ci] += Float(sdy)
            dgs.p[ci] += Float(sdyxc * inv)
            // dx = k1·dy + k2·(x - mean) + k3
            let g = Double(gs.p[ci])
            let k1 = Float(g * inv)
            let k2 = Float(-g * inv * inv * inv * sdyxc / Double(m))
            let k3 = Float(-g * inv * sdy / Double(m))
            let k1v = SIMD16<Float>(repeating: k1), k2v = SIMD16<Float>(repeating: k2)
            let k3v = SIMD16<Float>(repeating: k3), mv = SIMD16<Float>(repeating: mu)
            for bi in 0..<n {
                let off = (bi * c + ci) * hw
                let px = xs.p + off, pg = dys.p + off, pd = dxs.p + off
                var i = 0
                while i + 16 <= hw {
                    let xc = load(px + i, as: SIMD16<Float>.self) - mv
                    store((k1v * load(pg + i, as: SIMD16<Float>.self) + k3v).addingProduct(k2v, xc), pd + i)
                    i += 16
                }
                while i < hw { pd[i] = (k1 * pg[i] + k3).addingProduct(k2, px[i] - mu); i += 1 }
            }
        }
    }
}

/// The body of `batchNormBackwardInference` (see Kernels), specialised per instruction set.
@inlinable
public func batchNormBackwardInferenceBody<I: VectorISA>(_ dy: UnsafePointer<Float>, batch n: Int, channels c: Int, spatial hw: Int,
                                                         gamma: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>, epsilon: Float,
                                                         dx: UnsafeMutablePointer<Float>, _: I.Type) {
    // dy: [n, c, hw] -> dx: [n, c, hw]
    if c <= 0 || n * hw <= 0 { return }
    let dys = ConstPointer(dy), gs = ConstPointer(gamma), rv = ConstPointer(runningVariance), dxs = SendablePointer(dx)
    Parallel.forChunks(c, minChunk: minChunk(itemCost: n * hw)) { lo, hi in
        for ci in lo..<hi {
            let a = gs.p[ci] * Float(1 / (Double(rv.p[ci]) + Double(epsilon)).squareRoot())
            channelAffine(dys.p, batch: n, channels: c, spatial: hw, channel: ci, center: 0, scale: a, offset: 0, y: dxs.p, I.self)
        }
    }
}
