import Foundation
import Tensor

/// Weight initialisers with the exact distributions of PyTorch's defaults, so a network starts
/// from the same distribution as its PyTorch twin (paper-algorithm §1 uses the defaults).
public enum Initializer {
    /// PyTorch's default for Conv/Linear weights: kaiming_uniform(a=√5), i.e. U(−b, b) with
    /// b = gain·√(3/fan_in), gain = √(2/(1+5)), which simplifies to b = 1/√fan_in.
    public static func pytorchDefault(_ t: Tensor, fanIn: Int, rng: inout RNG) {
        uniform(t, bound: 1 / Float(fanIn).squareRoot(), rng: &rng)
    }

    /// PyTorch's default bias: U(−1/√fan_in, 1/√fan_in).
    public static func pytorchBias(_ t: Tensor, fanIn: Int, rng: inout RNG) {
        uniform(t, bound: 1 / Float(max(fanIn, 1)).squareRoot(), rng: &rng)
    }

    /// Kaiming-normal with fan-out and ReLU gain (std = √(2/fan_out)), as the IR face backbones use.
    public static func kaimingNormalFanOut(_ t: Tensor, fanOut: Int, rng: inout RNG) {
        let std = (2 / Float(fanOut)).squareRoot()
        for i in 0..<t.count { t.data[i] = std * rng.normal() }
    }

    public static func uniform(_ t: Tensor, bound: Float, rng: inout RNG) {
        for i in 0..<t.count { t.data[i] = rng.uniform(-bound, bound) }
    }
}

/// Which initialiser a network's convolution and linear layers use.
public enum InitScheme: String, Codable, Sendable {
    case pytorchDefault = "pytorch-default"
    case kaimingNormalFanOut = "kaiming-normal-fan-out"
}
