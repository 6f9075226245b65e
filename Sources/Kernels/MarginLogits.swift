import KernelBodies
import Tensor

// The non-target part of a margin head: logits are the scaled, clamped cosines; the head then
// overwrites the one target logit per row with its margin function.

/// logits = s·clamp(cos, lower, upper).
///
/// - Shapes: cos, logits: [count].
public func clampScaleForward(_ cos: UnsafePointer<Float>, count: Int, lower: Float, upper: Float, scale s: Float,
                              logits: UnsafeMutablePointer<Float>) {
    // cos: [count] -> logits: [count]
    let cs = ConstPointer(cos), ls = SendablePointer(logits)
    Parallel.forChunks(count, minChunk: 65_536) { lo, hi in
        let lv = SIMD16<Float>(repeating: lower), uv = SIMD16<Float>(repeating: upper), sv = SIMD16<Float>(repeating: s)
        var i = lo
        while i + 16 <= hi {
            var c = load(cs.p + i, as: SIMD16<Float>.self)
            c.replace(with: lv, where: c .< lv)
            c.replace(with: uv, where: c .> uv)
            store(c * sv, ls.p + i)
            i += 16
        }
        while i < hi { ls.p[i] = s * min(max(cs.p[i], lower), upper); i += 1 }
    }
}

/// dcos = s·dlogits where lower ≤ cos ≤ upper, else 0: a clamped cosine passes no gradient
/// (torch.clamp's rule, bounds inclusive). `dcos` may alias `dlogits`.
///
/// - Shapes: dlogits, cos, dcos: [count].
public func clampScaleBackward(_ dlogits: UnsafePointer<Float>, cos: UnsafePointer<Float>, count: Int, lower: Float, upper: Float,
                               scale s: Float, dcos: UnsafeMutablePointer<Float>) {
    // dlogits, cos: [count] -> dcos: [count]
    let gs = ConstPointer(dlogits), cs = ConstPointer(cos), ds = SendablePointer(dcos)
    Parallel.forChunks(count, minChunk: 65_536) { lo, hi in
        let lv = SIMD16<Float>(repeating: lower), uv = SIMD16<Float>(repeating: upper), sv = SIMD16<Float>(repeating: s)
        var i = lo
        while i + 16 <= hi {
            let c = load(cs.p + i, as: SIMD16<Float>.self)
            var d = load(gs.p + i, as: SIMD16<Float>.self) * sv
            d.replace(with: 0, where: (c .< lv) .| (c .> uv))
            store(d, ds.p + i)
            i += 16
        }
        while i < hi { let c = cs.p[i]; ds.p[i] = c < lower || c > upper ? 0 : s * gs.p[i]; i += 1 }
    }
}
