/// The IR face backbone (`IRTemplate`) as a search space: depth is the number of IR blocks,
/// spread over the four stages by `stageRule`; every block has two searchable convolutions.
public struct IRSpace: SearchSpace {
    public var inChannels: Int
    public var inputSize: Int
    public var embeddingSize: Int
    public var dropout: Float
    public var stageRule: StageRule

    public init(inChannels: Int = 3, inputSize: Int = 112, embeddingSize: Int = 512, dropout: Float = 0,
                stageRule: StageRule = .proportional) {
        self.inChannels = inChannels; self.inputSize = inputSize; self.embeddingSize = embeddingSize
        self.dropout = dropout; self.stageRule = stageRule
    }

    public var name: SpaceName { .ir }
    public func searchableConvCount(depth: Int) -> Int { 2 * depth }

    /// Depth below 4 cannot give every stage a block; the search must not ask for it.
    public func architecture(depth: Int, width: Int, ops: [ConvOp], kernels: [Int]) -> Architecture {
        let stages: [Int]
        do { stages = try stageRule.stages(depth: depth) } catch { preconditionFailure("IRSpace: \(error)") }
        return Architecture(irStages: stages, width: width, inChannels: inChannels, inputSize: inputSize,
                            embeddingSize: embeddingSize, dropout: dropout, ops: ops, kernels: kernels)
    }

    public func parameterCount(_ architecture: Architecture) -> Int { IRTemplate.parameterCount(architecture) }
    public func macs(_ architecture: Architecture) -> Int { IRTemplate.macs(architecture) }
}
