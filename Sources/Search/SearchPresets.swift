/// The search recipe of each space, as library presets (the command line's defaults): the
/// authors' classification settings (paper-algorithm §4–6), and the face space's, scaled for IR
/// backbones (width step 8, fewer epochs, 1% parameter slack in the micro passes).
public struct SearchPreset: Sendable, Equatable {
    public var minDepth: Int, widthStep: Int, startEpochs: Int, microEpochs: Int
    /// Micro parameter slack as a fraction of the pass's baseline; nil: the absolute slack.
    public var parameterSlackFraction: Double?
    public var learningRate: Double, batchSize: Int

    public static let plain = SearchPreset(minDepth: 10, widthStep: 2, startEpochs: 10, microEpochs: 2, parameterSlackFraction: nil,
                                           learningRate: 0.025, batchSize: 64)
    public static let ir = SearchPreset(minDepth: 4, widthStep: 8, startEpochs: 2, microEpochs: 1, parameterSlackFraction: 0.01,
                                        learningRate: 0.1, batchSize: 128)

    public static func forSpace(_ space: SpaceName) -> SearchPreset {
        switch space {
        case .plain: return plain
        case .ir: return ir
        }
    }
}
