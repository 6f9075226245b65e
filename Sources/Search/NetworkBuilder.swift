import NN
import Tensor

/// Builds the network of an architecture of any space: the one place that maps `space` to a template.
public enum NetworkBuilder {
    public static func build(_ a: Architecture, rng: inout RNG, workspace: Workspace = Workspace()) -> Sequential {
        switch a.space {
        case "ir": return IRTemplate.build(a, rng: &rng, workspace: workspace)
        default: return PlainTemplate.build(a, rng: &rng, workspace: workspace)
        }
    }
}
