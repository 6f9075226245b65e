import Foundation
import NN
import Tensor

/// The one optimisation step and epoch loop of FaceNAS: classification training, face training,
/// both candidate trainers, data-parallel ranks and `facenas bench` all run through
/// `TrainingStep.step` and `TrainingStep.trainEpoch`.
///
/// A step: network forward → loss head forward → (data-parallel: global batch figures) → a
/// non-finite loss stops before any weight moves → backward through head and network →
/// (data-parallel: gradient sum) → clipping → SGD → (optional replica check). With
/// `accumulate` > 1 the forward and backward run per micro-batch (`AccumulatedStep.swift`).
public final class TrainingStep {
    public let network: Layer
    public let head: LossHead
    public let optimizer: SGD
    /// The network's parameters, then the head's: the order of clipping's global norm.
    public let parameters: [Parameter]
    public let clipNorm: Double?
    /// Set when this process is one rank of a data-parallel job: a step then takes this rank's
    /// shard of a global batch and returns the global batch's figures.
    public let dataParallel: DataParallel?
    /// Micro-batches per step (gradient accumulation); 1 runs the batch at once.
    public let accumulate: Int
    /// The current micro-batch's rows (reused: one micro-batch's input at a time is alive).
    var microInput = Buffer()

    public struct Result: Sendable {
        /// Mean loss, correct predictions and rows, all over the global batch when data-parallel.
        public var loss: Double, correct: Int, rows: Int
    }

    public init(network: Layer, head: LossHead, config: TrainingConfig, dataParallel: DataParallel? = nil) {
        self.network = network; self.head = head; self.dataParallel = dataParallel
        clipNorm = config.clipNorm
        precondition(config.accumulate >= 1, "TrainingStep: accumulate \(config.accumulate) must be at least 1")
        accumulate = config.accumulate
        network.skipInputGradient()
        dataParallel?.prepare(network)
        head.synchronizer = dataParallel?.communicator
        parameters = network.allParameters + head.parameters
        optimizer = SGD(parameters: parameters, momentum: Float(config.momentum),
                        weightDecay: Float(config.weightDecay), nesterov: config.nesterov)
    }

    /// One step on a batch. `epoch`, `index` (within the epoch) and `globalStep` only name the
    /// step in errors and replica checks.
    @discardableResult
    public func step(_ x: Tensor, labels: [Int32], lr: Double, epoch: Int = 0, index: Int = 0, globalStep: Int = 0) throws -> Result {
        if accumulate > 1 { return try accumulatedStep(x, labels: labels, lr: lr, epoch: epoch, index: index, globalStep: globalStep) }
        let features = network.forward(x, training: true)
        var loss = head.forward(features, labels: labels, training: true)
        var correct = countCorrect(head.scores, labels: labels), rows = labels.count
        var scale: Float = 1
        if let dp = dataParallel { (rows, loss, correct, scale) = dp.globalBatch(rows: labels.count, meanLoss: loss, correct: correct) }
        guard loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, step: index, loss: loss) }
        optimizer.zeroGradients()
        _ = network.backward(head.backward(scale: scale))
        applyGradients(lr: lr, globalStep: globalStep)
        return Result(loss: loss, correct: correct, rows: rows)
    }

    /// The update once the step's gradients are in: sum over ranks, clipping, SGD, replica check.
    func applyGradients(lr: Double, globalStep: Int) {
        dataParallel?.sumGradients(parameters)
        if let c = clipNorm { GradientClipping.clip(parameters, maxNorm: c) }
        optimizer.step(lr: Float(lr))
        dataParallel?.checkReplicas(parameters, step: globalStep)
    }

    /// Trains one epoch over `batches`; `steps` is the epoch's step count (progress and the
    /// within-epoch position of a warm-up schedule).
    public func trainEpoch<S: BatchStream>(_ epoch: Int, batches: inout S, steps: Int, schedule: LRSchedule,
                                           firstGlobalStep: Int = 0, report: ((StepReport) -> Void)? = nil) throws -> EpochRecord {
        let start = Date()
        var sumLoss = 0.0, seen = 0, correct = 0, index = 0
        while let (x, y) = batches.next() {
            let lr = schedule.lr(epoch: epoch, progress: Double(index) / Double(max(steps, 1)))
            let r = try step(x, labels: y, lr: lr, epoch: epoch, index: index, globalStep: firstGlobalStep + index)
            sumLoss += r.loss * Double(r.rows); seen += r.rows; correct += r.correct
            index += 1
            if let report {
                let elapsed = Date().timeIntervalSince(start)
                report(StepReport(epoch: epoch, step: index, stepsInEpoch: steps, loss: r.loss,
                                  runningLoss: sumLoss / Double(max(seen, 1)), runningAccuracy: Double(correct) / Double(max(seen, 1)),
                                  imagesPerSecond: Double(seen) / max(elapsed, 1e-9), lr: lr, elapsed: elapsed))
            }
        }
        guard seen > 0 else {
            let why = batches.firstSkipReason.map { "; the first: \($0)" } ?? ""
            throw RunError("epoch \(epoch + 1) trained on no image (\(batches.skippedCount ?? 0) unreadable images skipped\(why)); nothing was written")
        }
        return EpochRecord(epoch: epoch, lr: schedule.lr(epoch: epoch), trainLoss: sumLoss / Double(max(seen, 1)),
                           trainAccuracy: Double(correct) / Double(max(seen, 1)),
                           seconds: Date().timeIntervalSince(start), images: seen, skipped: batches.skippedCount)
    }
}
