import Foundation
import Tensor

/// The optimiser settings of a training run (paper-algorithm §6 defaults).
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

    public init(epochs: Int, batchSize: Int = 64, schedule: LRSchedule, momentum: Double = 0.9,
                weightDecay: Double = 3e-4, nesterov: Bool = false, clipNorm: Double? = 5, seed: UInt64 = 0) {
        self.epochs = epochs; self.batchSize = batchSize; self.schedule = schedule; self.momentum = momentum
        self.weightDecay = weightDecay; self.nesterov = nesterov; self.clipNorm = clipNorm; self.seed = seed
    }

    /// The authors' classification recipe: SGD 0.025, momentum 0.9, wd 3e-4, clip 5, batch 64,
    /// cosine over the run's epochs (PyTorch stepping at epoch end unless `authorsShift`).
    public static func classification(epochs: Int, lr: Double = 0.025, batchSize: Int = 64, seed: UInt64 = 0,
                                      authorsShift: Bool = false) -> TrainingConfig {
        TrainingConfig(epochs: epochs, batchSize: batchSize, schedule: .cosine(lr, epochs: epochs, shift: authorsShift ? 1 : 0), seed: seed)
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

/// One finished epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var lr: Double
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testAccuracy: Double?
    public var seconds: Double
    public var images: Int

    public init(epoch: Int, lr: Double, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double?, seconds: Double, images: Int) {
        self.epoch = epoch; self.lr = lr; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy; self.seconds = seconds; self.images = images
    }

    enum CodingKeys: String, CodingKey {
        case epoch, lr, seconds, images
        case trainLoss = "train_loss", trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy"
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

/// Trains a network that maps a batch to logits with softmax cross-entropy, one epoch at a time.
/// Data comes from the caller (NN does not know data sets), so the same loop serves the CLI,
/// the search and the tests.
public final class ClassifierTrainer {
    public let network: Layer
    public let config: TrainingConfig
    public let optimizer: SGD
    public let loss = SoftmaxCrossEntropy()
    public private(set) var parameters: [Parameter]
    /// Set when this process is one rank of a data-parallel job: `step` then takes this rank's
    /// shard of a global batch and returns the global batch's figures.
    public let dataParallel: DataParallel?
    private var steps = 0

    public init(network: Layer, config: TrainingConfig, dataParallel: DataParallel? = nil) {
        self.network = network; self.config = config; self.dataParallel = dataParallel
        network.skipInputGradient()
        dataParallel?.prepare(network)
        parameters = network.allParameters
        optimizer = SGD(parameters: parameters, momentum: Float(config.momentum),
                        weightDecay: Float(config.weightDecay), nesterov: config.nesterov)
    }

    /// One optimisation step; returns the batch's mean loss, correct predictions and rows (all
    /// over the global batch when data-parallel).
    public func step(_ x: Tensor, labels: [Int32], lr: Double) -> (loss: Double, correct: Int, rows: Int) {
        let logits = network.forward(x, training: true)
        var l = loss.forward(logits, labels: labels)
        var correct = Self.countCorrect(logits, labels: labels), rows = labels.count
        var scale: Float = 1
        if let dp = dataParallel { (rows, l, correct, scale) = dp.globalBatch(rows: labels.count, meanLoss: l, correct: correct) }
        optimizer.zeroGradients()
        _ = network.backward(loss.backward(scale: scale))
        dataParallel?.sumGradients(parameters)
        if let c = config.clipNorm { GradientClipping.clip(parameters, maxNorm: c) }
        optimizer.step(lr: Float(lr))
        dataParallel?.checkReplicas(parameters, step: steps)
        steps += 1
        return (l, correct, rows)
    }

    /// Trains one epoch over `batches` (an iterator of (images, labels)).
    public func trainEpoch<I: IteratorProtocol>(_ epoch: Int, batches: inout I, stepsInEpoch: Int,
                                                report: ((StepReport) -> Void)? = nil) throws -> EpochRecord
    where I.Element == (Tensor, [Int32]) {
        let start = Date()
        var sumLoss = 0.0, seen = 0, correct = 0, step = 0
        let lr0 = config.schedule.lr(epoch: epoch)
        while let (x, y) = batches.next() {
            let lr = config.schedule.warmupEpochs > 0
                ? config.schedule.lr(epoch: epoch, progress: Double(step) / Double(max(stepsInEpoch, 1))) : lr0
            let (l, c, rows) = self.step(x, labels: y, lr: lr)
            guard l.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: l) }
            sumLoss += l * Double(rows); seen += rows; correct += c
            step += 1
            if let report {
                let el = Date().timeIntervalSince(start)
                report(StepReport(epoch: epoch, step: step, stepsInEpoch: stepsInEpoch, loss: l,
                                  runningLoss: sumLoss / Double(seen), runningAccuracy: Double(correct) / Double(seen),
                                  imagesPerSecond: Double(seen) / max(el, 1e-9), lr: lr, elapsed: el))
            }
        }
        return EpochRecord(epoch: epoch, lr: lr0, trainLoss: sumLoss / Double(max(seen, 1)),
                           trainAccuracy: Double(correct) / Double(max(seen, 1)), testAccuracy: nil,
                           seconds: Date().timeIntervalSince(start), images: seen)
    }

    public static func countCorrect(_ logits: Tensor, labels: [Int32]) -> Int {
        let k = logits.shape[1]
        var correct = 0
        for i in 0..<labels.count where argmax(logits.data + i * k, k) == Int(labels[i]) { correct += 1 }
        return correct
    }

    /// Top-1 accuracy (a fraction) of `network` in evaluation mode over `batches`.
    public static func accuracy<I: IteratorProtocol>(_ network: Layer, batches: inout I) -> Double
    where I.Element == (Tensor, [Int32]) {
        var correct = 0, seen = 0
        while let (x, y) = batches.next() {
            correct += countCorrect(network.forward(x, training: false), labels: y)
            seen += y.count
        }
        return Double(correct) / Double(max(seen, 1))
    }
}

/// Index of the largest value (the first one on ties, as torch.argmax).
@inlinable public func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int {
    var best = 0
    for j in 1..<max(n, 1) where p[j] > p[best] { best = j }
    return best
}
