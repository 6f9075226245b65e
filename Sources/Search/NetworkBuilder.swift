import NN
import Tensor

/// Builds the network of an architecture of any space: the one place that maps a kind to a template.
public enum NetworkBuilder {
    public static func build(_ a: Architecture, rng: inout RNG, workspace: Workspace = Workspace()) -> Sequential {
        switch a.kind {
        case .ir: return IRTemplate.build(a, rng: &rng, workspace: workspace)
        case .plain: return PlainTemplate.build(a, rng: &rng, workspace: workspace)
        }
    }
}
