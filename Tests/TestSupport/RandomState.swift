import NN
import Tensor

/// Gives every batch norm and PReLU under `layer` state a trained network has and a fresh one
/// lacks: γ in [0.5, 1.5], β and running means in [−0.5, 0.5], running variances in [0.3, 2],
/// PReLU slopes in [0, 0.5]. Inference paths (folding, export) are then tested on values where a
/// swapped or dropped term shows, rather than on γ = 1, β = 0, μ = 0, σ² = 1.
public func randomizeInferenceState(_ layer: Layer, rng: inout RNG) {
    if let bn = layer as? BatchNorm {
        for c in 0..<bn.channels {
            bn.gamma.value[c] = 0.5 + rng.uniform()
            bn.beta.value[c] = rng.uniform() - 0.5
            bn.runningMean[c] = rng.uniform() - 0.5
            bn.runningVariance[c] = 0.3 + 1.7 * rng.uniform()
        }
    }
    if let p = layer as? PReLU {
        for c in 0..<p.channels { p.alpha.value[c] = 0.5 * rng.uniform() }
    }
    if let container = layer as? ContainerLayer {
        for (_, child) in container.children { randomizeInferenceState(child, rng: &rng) }
    }
}
