/// A family of networks the search moves through. The macro–micro strategy only ever asks a space
/// for "this depth, this width, these per-conv operations and kernels" and for the resulting size,
/// so the plain classification template and the IR face template can share it.
public protocol SearchSpace: Sendable {
    /// The kind of the architectures this space builds.
    var name: SpaceName { get }
    /// How many searchable convolutions (entries of `ops` and `kernels`) a network of `depth` has.
    func searchableConvCount(depth: Int) -> Int
    func architecture(depth: Int, width: Int, ops: [ConvOp], kernels: [Int]) -> Architecture
    /// Exact trainable parameter count, as the authors count it (no BN running statistics).
    func parameterCount(_ architecture: Architecture) -> Int
    /// Multiply-accumulates of one forward pass at the architecture's input size.
    func macs(_ architecture: Architecture) -> Int
}

public extension SearchSpace {
    /// The all-separable, all-3×3 network the macro search trains.
    func macroArchitecture(depth: Int, width: Int) -> Architecture {
        let n = searchableConvCount(depth: depth)
        return architecture(depth: depth, width: width, ops: Array(repeating: .separable, count: n),
                            kernels: Array(repeating: 3, count: n))
    }
}

/// The authors' plain classification template (`PlainTemplate`) as a search space.
public struct PlainSpace: SearchSpace {
    public var inChannels: Int
    public var classes: Int
    public var inputSize: Int

    public init(inChannels: Int, classes: Int, inputSize: Int) {
        self.inChannels = inChannels; self.classes = classes; self.inputSize = inputSize
    }

    public var name: SpaceName { .plain }
    public func searchableConvCount(depth: Int) -> Int { depth }

    public func architecture(depth: Int, width: Int, ops: [ConvOp], kernels: [Int]) -> Architecture {
        Architecture(inChannels: inChannels, classes: classes, inputSize: inputSize,
                     depth: depth, width: width, ops: ops, kernels: kernels)
    }

    public func parameterCount(_ architecture: Architecture) -> Int { PlainTemplate.parameterCount(architecture) }
    public func macs(_ architecture: Architecture) -> Int { ArchitectureSummary.macs(architecture) }
}
