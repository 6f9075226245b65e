import Foundation
import Tensor

/// The optimiser settings of a training run. The recipes (the authors' classification recipe,
/// AdaFace's face recipe) are presets in the Training target.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var schedule: LRSchedule
    public var momentum: Double
    public var weightDecay: Double
    public var nesterov: Bool
    /// Global-norm gradient clipping; nil for none.
    public var clipNorm: Double?
    public var seed: UInt64
    /// Gradient accumulation: each batch of `batchSize` runs as this many micro-batches whose
    /// gradients are summed before one optimiser step (1: the whole batch at once).
    public var accumulate: Int

    public init(epochs: Int, batchSize: Int = 64, schedule: LRSchedule, momentum: Double = 0.9,
                weightDecay: Double = 3e-4, nesterov: Bool = false, clipNorm: Double? = 5, seed: UInt64 = 0, accumulate: Int = 1) {
        self.epochs = epochs; self.batchSize = batchSize; self.schedule = schedule; self.momentum = momentum
        self.weightDecay = weightDecay; self.nesterov = nesterov; self.clipNorm = clipNorm; self.seed = seed
        self.accumulate = accumulate
    }

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize, schedule, momentum, weightDecay, nesterov, clipNorm, seed, accumulate
    }

    /// Checkpoints written before `accumulate` existed trained whole batches: a missing value is 1.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        schedule = try c.decode(LRSchedule.self, forKey: .schedule)
        momentum = try c.decode(Double.self, forKey: .momentum)
        weightDecay = try c.decode(Double.self, forKey: .weightDecay)
        nesterov = try c.decode(Bool.self, forKey: .nesterov)
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm)
        seed = try c.decode(UInt64.self, forKey: .seed)
        accumulate = try c.decodeIfPresent(Int.self, forKey: .accumulate) ?? 1
    }
}

/// What one training step reports to a progress display.
public struct StepReport: Sendable {
    public var epoch: Int, step: Int, stepsInEpoch: Int
    public var loss: Double, runningLoss: Double, runningAccuracy: Double
    public var imagesPerSecond: Double, lr: Double
    public var elapsed: Double

    public init(epoch: Int, step: Int, stepsInEpoch: Int, loss: Double, runningLoss: Double, runningAccuracy: Double,
                imagesPerSecond: Double, lr: Double, elapsed: Double) {
        self.epoch = epoch; self.step = step; self.stepsInEpoch = stepsInEpoch; self.loss = loss; self.runningLoss = runningLoss
        self.runningAccuracy = runningAccuracy; self.imagesPerSecond = imagesPerSecond; self.lr = lr; self.elapsed = elapsed
    }
}

/// One finished epoch of any training. Accuracies are fractions. A classification run fills
/// `testAccuracy`; a face run fills `validation` (per set) and `validationMean`, and counts the
/// unreadable images it skipped. Absent fields are absent from the JSON.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var lr: Double
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testAccuracy: Double?
    public var validation: [String: Double]?
    public var validationMean: Double?
    public var seconds: Double
    public var images: Int
    public var skipped: Int?

    public init(epoch: Int, lr: Double, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double? = nil,
                validation: [String: Double]? = nil, validationMean: Double? = nil, seconds: Double, images: Int, skipped: Int? = nil) {
        self.epoch = epoch; self.lr = lr; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy; self.validation = validation; self.validationMean = validationMean
        self.seconds = seconds; self.images = images; self.skipped = skipped
    }

    /// The accuracy a search ranks by: the test split's, or the mean over the validation sets.
    public var rankingAccuracy: Double? { testAccuracy ?? validationMean }

    enum CodingKeys: String, CodingKey {
        case epoch, lr, validation, seconds, images, skipped
        case trainLoss = "train_loss", trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy"
        case validationMean = "validation_mean"
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(epoch: Int, step: Int, loss: Double)
    public var description: String {
        switch self {
        case let .nonFiniteLoss(e, s, l):
            return "training stopped: loss is \(l) at epoch \(e + 1), step \(s + 1); lower --lr or check the data (the last good checkpoint is kept)"
        }
    }
}

/// Rows of `scores` [n, k] whose largest entry is at the row's label.
public func countCorrect(_ scores: Tensor, labels: [Int32]) -> Int {
    let k = scores.shape[1]
    var correct = 0
    for i in 0..<labels.count where argmax(scores.data + i * k, k) == Int(labels[i]) { correct += 1 }
    return correct
}

/// Index of the largest value (the first one on ties, as torch.argmax).
@inlinable public func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int {
    var best = 0
    for j in 1..<max(n, 1) where p[j] > p[best] { best = j }
    return best
}
