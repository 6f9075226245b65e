import KernelBodies
import Tensor
import Foundation

// Softmax cross-entropy over class logits, the classification loss (and the last stage of the
// margin heads, which adjust the logits before calling it).

/// e^x for x <= 0 (the max-shifted logits), to about 1 ulp: x = n·ln2 + r with |r| <= ln2/2,
/// e^r by its Taylor series to degree 7 (truncation < 6e-9 relative), times 2^n built in the
/// exponent bits. Below -87 (where e^x leaves the normal Float range) the result is 0, which
/// changes a softmax sum by less than 1e-37 of its largest term.
@inline(__always)
private func expNonPositive(_ x: SIMD16<Float>) -> SIMD16<Float> {
    // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa
    // bits, so 2^n is built with integer ops only (Swift's SIMD float-to-int conversion is
    // scalarised, one call per lane).
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    // ln 2 split in two so that n·ln2_hi is exact for |n| < 2^8.
    let r = x.addingProduct(n, SIMD16(repeating: -0.693_145_752)).addingProduct(n, SIMD16(repeating: -1.428_606_82e-6))
    // Horner with fused multiply-adds, highest power first.
    var e = SIMD16<Float>(repeating: 1 / 5040)
    for c: Float in [1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1] { e = SIMD16(repeating: c).addingProduct(e, r) }
    let scale = unsafeBitCast((unsafeBitCast(t, to: SIMD16<UInt32>.self) &+ 127) &<< 23, to: SIMD16<Float>.self)
    return (e * scale).replacing(with: 0, where: .!(x .>= -87))
}

/// Computes row-wise softmax probabilities (overwritten) and returns the MEAN over the batch of
/// -log p[label]. Each row is shifted by its maximum so exp never overflows; the normaliser and
/// the loss are accumulated in Double.
///
/// - Shapes: logits, probabilities: [n, k]; labels: [n], each in 0..<k.
public func softmaxCrossEntropyForward(_ logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch n: Int, classes k: Int,
                                       probabilities: UnsafeMutablePointer<Float>) -> Double {
    // logits: [n, k], labels: [n] -> probabilities: [n, k]; returns mean loss
    if n <= 0 || k <= 0 { return 0 }
    let ls = ConstPointer(logits), lab = ConstPointer(labels), ps = SendablePointer(probabilities)
    let losses = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { losses.deallocate() }
    let lossOut = SendablePointer(losses)
    Parallel.forChunks(n, minChunk: minChunk(itemCost: 4 * k)) { lo, hi in
        for r in lo..<hi {
            let z = ls.p + r * k, p = ps.p + r * k
            let label = Int(lab.p[r])
            precondition(label >= 0 && label < k, "softmaxCrossEntropy: label \(label) outside 0..<\(k) in row \(r)")
            var mv = SIMD16<Float>(repeating: -.infinity)
            var j = 0
            while j + 16 <= k {
                // A compare and blend; the generic pointwiseMax is lowered lane by lane.
                let v = load(z + j, as: SIMD16<Float>.self)
                mv.replace(with: v, where: v .> mv)
                j += 16
            }
            var mx = mv.max()
            while j < k { mx = max(mx, z[j]); j += 1 }
            let mxv = SIMD16<Float>(repeating: mx)
            var sum = 0.0
            j = 0
            while j + 16 <= k {
                let e = expNonPositive(load(z + j, as: SIMD16<Float>.self) - mxv)
                store(e, p + j)
                sum += Double(e.sum())
                j += 16
            }
            if j < k {
                // The ragged end goes through the same exp, with -inf (e = 0) in the unused lanes.
                var t = SIMD16<Float>(repeating: -.infinity)
                for l in 0..<(k - j) { t[l] = z[j + l] - mx }
                let e = expNonPositive(t)
                storePartial(e, p + j, count: k - j)
                sum += Double(e.sum())
            }
            let inv = Float(1 / sum), iv = SIMD16<Float>(repeating: inv)
            j = 0
            while j + 16 <= k { store(load(p + j, as: SIMD16<Float>.self) * iv, p + j); j += 16 }
            while j < k { p[j] *= inv; j += 1 }
            // -log softmax = log Σexp(z - max) - (z_label - max)
            lossOut.p[r] = Foundation.log(sum) - Double(z[label] - mx)
        }
    }
    var total = 0.0
    for r in 0..<n { total += losses[r] }
    return total / Double(n)
}

/// dlogits = scale·(p - onehot(label))/n, overwritten: the gradient of scale × the mean loss.
///
/// - Shapes: probabilities, dlogits: [n, k]; labels: [n].
public func softmaxCrossEntropyBackward(_ probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch n: Int, classes k: Int,
                                        scale: Float, dlogits: UnsafeMutablePointer<Float>) {
    // probabilities: [n, k], labels: [n] -> dlogits: [n, k]
    if n <= 0 || k <= 0 { return }
    let f = scale / Float(n)
    let ps = ConstPointer(probabilities), lab = ConstPointer(labels), ds = SendablePointer(dlogits)
    Parallel.forChunks(n, minChunk: minChunk(itemCost: k, grain: 65_536)) { lo, hi in
        let fv = SIMD16<Float>(repeating: f)
        for r in lo..<hi {
            let p = ps.p + r * k, d = ds.p + r * k
            var j = 0
            while j + 16 <= k { store(load(p + j, as: SIMD16<Float>.self) * fv, d + j); j += 16 }
            while j < k { d[j] = p[j] * f; j += 1 }
            let label = Int(lab.p[r])
            precondition(label >= 0 && label < k, "softmaxCrossEntropy: label \(label) outside 0..<\(k) in row \(r)")
            d[label] = (p[label] - 1) * f
        }
    }
}
