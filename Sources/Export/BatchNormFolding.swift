import Metrics
import NN

/// Folding an inference-mode batch norm into the convolution or linear layer before it.
///
/// BN(y) = γ(y − μ)/√(σ² + ε) + β is affine per output channel, so with s = γ/√(σ² + ε) the
/// pair equals one layer with W′[o, …] = s_o·W[o, …] and b′_o = s_o(b_o − μ_o) + β_o. This is
/// exact only when the BN follows the layer: a BN *before* a zero-padded convolution would
/// scale the zeros of the padding too, so it is never folded that way. s and b′ are computed
/// in Double; the folded layer differs from the pair by Float rounding alone.
public enum BatchNormFolding {
    /// Folds `bn` into `weights` (output channel first, [c, …]) and `bias` (nil reads as zeros
    /// and becomes a bias).
    public static func fold(_ bn: BatchNorm, weights w: inout [Float], bias b: inout [Float]?) {
        let c = bn.channels, per = w.count / c
        precondition(per * c == w.count, "BatchNormFolding: \(w.count) weights do not split into \(c) output channels")
        var folded = [Float](repeating: 0, count: c)
        for o in 0..<c {
            let s = Double(bn.gamma.value[o]) / (Double(bn.runningVariance[o]) + Double(bn.epsilon)).squareRoot()
            for j in 0..<per { w[o * per + j] = Float(Double(w[o * per + j]) * s) }
            folded[o] = Float((Double(b?[o] ?? 0) - Double(bn.runningMean[o])) * s + Double(bn.beta.value[o]))
        }
        b = folded
    }
}
