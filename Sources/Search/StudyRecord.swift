import Foundation

/// One network scored under one budget (or under the reference training), in percent as the
/// search journal is. `params` budgets are not journaled: the count needs no training.
public struct StudyRecord: Codable, Equatable, Sendable {
    /// The network's place in the sampled list (0-based).
    public var network: Int
    /// `reference`, or a budget's canonical spelling.
    public var budget: String
    public var epochs: Int
    /// The search's ranking score: the best epoch's ranking accuracy (classification: held-out
    /// images; faces: verification on held-out identities), percent.
    public var score: Double
    public var trainAccuracy: Double
    public var epochScores: [Double]
    public var seconds: Double
    /// The MPI rank that trained it (0 in a single process).
    public var rank: Int
    /// Multiply-accumulates of one forward pass at the budget's input size, and the training
    /// images of one epoch: with `epochs`, the training FLOPs (≈ 6·MACs per image, forward and backward).
    public var macs: Int
    public var images: Int

    public init(network: Int, budget: String, epochs: Int, score: Double, trainAccuracy: Double, epochScores: [Double],
                seconds: Double, rank: Int, macs: Int, images: Int) {
        self.macs = macs; self.images = images
        self.network = network; self.budget = budget; self.epochs = epochs; self.score = score
        self.trainAccuracy = trainAccuracy; self.epochScores = epochScores; self.seconds = seconds; self.rank = rank
    }

    public static let reference = "reference"

    /// Training floating-point operations: forward and backward ≈ 3 forward passes of 2·MACs.
    public var trainingFLOPs: Double { 6 * Double(macs) * Double(images) * Double(epochs) }

    enum CodingKeys: String, CodingKey {
        case network, budget, epochs, score, seconds, rank, macs, images
        case trainAccuracy = "train_accuracy", epochScores = "epoch_scores"
    }
}

/// One training a study needs: network `network` under `budget` for `epochs` epochs.
public struct StudyJob: Equatable, Sendable {
    public var network: Int
    public var budget: String
    public var epochs: Int
    public init(network: Int, budget: String, epochs: Int) { self.network = network; self.budget = budget; self.epochs = epochs }
}
