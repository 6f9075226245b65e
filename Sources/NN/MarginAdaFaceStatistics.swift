import Tensor

/// AdaFace's running statistics of the feature norm and the per-sample quality scaler ŝ derived
/// from them. The norm is a constant for the gradient (the reference detaches it), so nothing here
/// has a backward.
final class AdaFaceNormStatistics {
    let mean = Tensor(shape: [1], repeating: 20)
    let std = Tensor(shape: [1], repeating: 100)
    let alpha: Float

    init(alpha: Float) { self.alpha = alpha }

    var state: [StateTensor] { [StateTensor(name: "batch_mean", value: mean), StateTensor(name: "batch_std", value: std)] }

    /// ‖z‖ clipped to [0.001, 100] as the reference clips it before every use.
    static func clippedNorm(_ v: Float) -> Float { min(max(v, 0.001), 100) }

    /// μ ← α·mean + (1−α)·μ, σ ← α·std + (1−α)·σ over the batch's clipped norms (unbiased std, in
    /// Double). With `communicator`, the batch is every rank's shard together: the count and the
    /// sum, then the squared deviations, are summed over ranks (the same two passes).
    func update(norms: Tensor, over communicator: Communicator? = nil) {
        let local = norms.count
        var sum = 0.0
        for i in 0..<local { sum += Double(Self.clippedNorm(norms[i])) }
        var totals = [Double(local), sum]
        if let communicator { totals = communicator.sum(totals) }
        let n = Int(totals[0])
        if n < 2 { fatalError("MarginHead(adaface): a training batch needs at least 2 samples for the unbiased norm std (got \(n))") }
        let m = totals[1] / Double(n)
        var ss = 0.0
        for i in 0..<local { let e = Double(Self.clippedNorm(norms[i])) - m; ss += e * e }
        if let communicator { ss = communicator.sum([ss])[0] }
        let s = (ss / Double(n - 1)).squareRoot()
        let a = Double(alpha)
        mean[0] = Float(a * m + (1 - a) * Double(mean[0]))
        std[0] = Float(a * s + (1 - a) * Double(std[0]))
    }

    /// ŝ_i = clip(h·(‖z_i‖ − μ)/(σ + 1e-3), −1, 1) from the stored (Float) statistics, so training
    /// (after its update) and evaluation compute ŝ from identical values.
    /// Overwrites `out` (its capacity is kept, so a training step does not allocate).
    func qualityScalers(norms: Tensor, h: Float, into out: inout [Double]) {
        let mu = Double(mean[0]), sigma = Double(std[0])
        out.removeAll(keepingCapacity: true)
        for i in 0..<norms.count {
            out.append(min(max(Double(h) * (Double(Self.clippedNorm(norms[i])) - mu) / (sigma + 1e-3), -1), 1))
        }
    }
}
