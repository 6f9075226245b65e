import Datasets
import Foundation
import ImageIO
import NN
import Search
import Tensor

/// Trains a face backbone with a margin head (AdaFace's recipe by default), one epoch at a time,
/// validating on verification `.bin` sets and keeping the best backbone by their mean accuracy.
///
/// Files in the output folder, each written new and then renamed into place:
/// - `checkpoint.safetensors` after every epoch: backbone, head, momentum and the training state;
///   `resume` continues from it at the next epoch (epoch e's order and augmentation depend only on
///   (seed, e), so the result equals an uninterrupted run's);
/// - `best.safetensors`: the backbone alone at its best validation epoch (what `verify` and
///   `embed` take);
/// - `metrics.json`: the per-epoch history.
/// A non-finite loss stops the run with `TrainingError.nonFiniteLoss`; the files from the last
/// finished epoch stay as they were.
public final class FaceTrainingRun {
    public struct Options: Sendable {
        public var dataDescription: String
        public var architecture: Architecture
        public var margin: MarginKind
        public var scale: Float = 64
        public var config: TrainingConfig
        /// Training augmentation (AdaFace's by default); nil for none.
        public var augmentation: FaceAugmentationConfig? = .adaFace
        public var bgr = false
        public var validation: [String] = []
        /// Validate after every `validateEvery` epochs (and after the last).
        public var validateEvery = 1
        /// Cut each validation set to this many pairs (nil: all).
        public var validationPairs: Int?
        public var outputDirectory: String?
        public var resume = false
        /// Training images used (nil: all of the source).
        public var trainIndices: [Int]?
        public var stopAfterEpochs: Int?
        /// Data-parallel runs (several MPI ranks): synchronised batch norm, and a check that the
        /// ranks' weights agree after every step.
        public var syncBatchNorm = false
        public var verifyReplicas = false

        public init(dataDescription: String, architecture: Architecture, margin: MarginKind, config: TrainingConfig) {
            self.dataDescription = dataDescription; self.architecture = architecture; self.margin = margin; self.config = config
        }
    }

    /// One finished epoch; validation accuracies are fractions.
    public struct EpochRecord: Codable, Equatable, Sendable {
        public var epoch: Int
        public var lr: Double
        public var trainLoss: Double
        public var trainAccuracy: Double
        public var validation: [String: Double]?
        public var validationMean: Double?
        public var seconds: Double
        public var images: Int
        public var skipped: Int
        enum CodingKeys: String, CodingKey {
            case epoch, lr, validation, seconds, images, skipped
            case trainLoss = "train_loss", trainAccuracy = "train_accuracy", validationMean = "validation_mean"
        }
    }

    public struct State: Codable, Sendable {
        public var epochsCompleted: Int
        public var globalStep: Int
        public var config: TrainingConfig
        public var data: String
        public var margin: String
        public var bestValidation: Double?
        public var bestEpoch: Int?
        public var history: [EpochRecord]
        enum CodingKeys: String, CodingKey {
            case config, data, margin, history
            case epochsCompleted = "epochs_completed", globalStep = "global_step"
            case bestValidation = "best_validation", bestEpoch = "best_epoch"
        }
    }

    public static let checkpointName = "checkpoint.safetensors"
    public static let bestName = "best.safetensors"
    public static let metricsName = "metrics.json"

    public let options: Options
    public let source: any FaceImageSource
    public let backbone: Sequential
    public let head: MarginHead
    public let optimizer: SGD
    public let validationSets: [FaceValidationSet]
    public private(set) var state: State
    public var stopAfterEpochs: Int?
    /// Called after every step and at the end of every epoch.
    public var onStep: ((StepReport) -> Void)?
    public var onEpoch: ((EpochRecord) -> Void)?
    /// Called before and during each validation set's embedding.
    public var onValidation: ((String, Int, Int) -> Void)?

    private let trainable: [Parameter]
    private let everything: Sequential
    /// Set when this process is one rank of a data-parallel job. The margin head's class centres
    /// are replicated: CASIA-WebFace's 10,572 × 512 centres are 22 MB, whose gradient sum costs
    /// little next to the backbone's; Partial-FC-style sharding pays off at millions of identities.
    public let dataParallel: DataParallel?

    /// `validationSets`, when given, replace the files of `options.validation` (a search reads its
    /// ranking sets once for all candidates).
    public init(_ options: Options, source: any FaceImageSource, validationSets given: [FaceValidationSet]? = nil) throws {
        let a = options.architecture
        guard source.classes >= 2 else {
            throw FaceModelError(message: "\(source.name): \(source.classes) identities; face training needs at least 2")
        }
        try FaceModel.checkImageSize(of: source, expected: a.inputSize, what: "training", model: "the architecture (--input-size, or input_size in --arch)")
        self.options = options
        self.source = source
        stopAfterEpochs = options.stopAfterEpochs
        var rng = RNG(seed: options.config.seed)
        backbone = NetworkBuilder.build(a, rng: &rng)
        backbone.skipInputGradient()
        let embedding = backbone.outputShape([1, a.inChannels, a.inputSize, a.inputSize])[1]
        head = MarginHead(embeddingSize: embedding, classes: source.classes, kind: options.margin, scale: options.scale,
                          centreInit: Self.centreInit(for: options.margin), rng: &rng)
        everything = Sequential([backbone, MarginHeadParameters(head)], names: [FaceModel.backboneName, "head"])
        trainable = everything.allParameters
        dataParallel = DataParallel.forWorld(syncBatchNorm: options.syncBatchNorm, verifyReplicas: options.verifyReplicas)
        dataParallel?.prepare(backbone)
        head.synchronizer = dataParallel?.communicator
        optimizer = SGD(parameters: trainable, momentum: Float(options.config.momentum),
                        weightDecay: Float(options.config.weightDecay), nesterov: options.config.nesterov)
        validationSets = try given ?? options.validation.map { try FaceValidationSet(path: $0, pairs: options.validationPairs) }
        for v in validationSets {
            try FaceModel.checkImageSize(of: v.images, expected: a.inputSize, what: "validation", model: "the architecture (--input-size, or input_size in --arch)")
        }
        state = State(epochsCompleted: 0, globalStep: 0, config: options.config, data: options.dataDescription,
                      margin: head.summary, bestValidation: nil, bestEpoch: nil, history: [])
        if options.resume, let dir = options.outputDirectory {
            let path = DataFile.join(dir, Self.checkpointName)
            if FileManager.default.fileExists(atPath: path) { try resume(from: path) }
        }
    }

    /// insightface draws class centres from N(0, 0.01); AdaFace from U(−1, 1), renormalised.
    public static func centreInit(for margin: MarginKind) -> CentreInit {
        if case .adaFace = margin { return .unitUniform }
        return .normal(std: 0.01)
    }

    private func resume(from path: String) throws {
        let meta = try Checkpoint.metadata(path)
        guard meta["task"] == "face", let archJSON = meta["architecture"], let stateJSON = meta["training_state"] else {
            throw CheckpointError(path: path, message: "not a facenas face-training checkpoint; use another --out or drop --resume")
        }
        let saved = try Architecture.decode(Data(archJSON.utf8), source: path)
        guard saved == options.architecture else {
            throw CheckpointError(path: path, message: "written for another architecture (depth \(saved.depth), width \(saved.width)); use another --out or drop --resume")
        }
        let s = try JSONDecoder().decode(State.self, from: Data(stateJSON.utf8))
        guard s.config == options.config, s.data == options.dataDescription, s.margin == state.margin else {
            let what = s.config.epochs != options.config.epochs ? "--epochs \(s.config.epochs)"
                : s.config.seed != options.config.seed ? "--seed \(s.config.seed)"
                : s.data != options.dataDescription ? "--data \(s.data)"
                : s.margin != state.margin ? "loss \(s.margin)"
                : "other optimiser settings"
            throw CheckpointError(path: path, message: "written by a run with \(what); resume with the same settings, or use another --out")
        }
        try Checkpoint.load(path, into: everything)
        state = s
    }

    public var trainIndices: [Int] { options.trainIndices ?? Array(0..<source.count) }

    /// Runs the remaining epochs; returns the state (history, best validation).
    @discardableResult
    public func run() throws -> State {
        let bs = options.config.batchSize
        let indices = trainIndices
        let steps = indices.count / bs
        guard steps >= 1 else {
            throw FaceModelError(message: "\(source.name): \(indices.count) training images, fewer than one batch of \(bs); lower --batch-size")
        }
        let first = state.epochsCompleted
        let last = min(options.config.epochs, stopAfterEpochs.map { first + $0 } ?? Int.max)
        for epoch in first..<last {
            var record = try trainEpoch(epoch, indices: indices, steps: steps)
            dataParallel?.averageRunningStatistics(backbone)
            let due = (epoch + 1) % max(options.validateEvery, 1) == 0 || epoch == options.config.epochs - 1
            if due && !validationSets.isEmpty {
                let accuracies = try validate()
                let mean = accuracies.values.reduce(0, +) / Double(accuracies.count)
                record.validation = accuracies
                record.validationMean = mean
                if state.bestValidation.map({ mean > $0 }) ?? true {
                    state.bestValidation = mean
                    state.bestEpoch = epoch + 1
                    try saveBest(epoch: epoch, mean: mean)
                }
            } else if validationSets.isEmpty {
                // Without validation sets the latest backbone is the one to use.
                state.bestEpoch = epoch + 1
                try saveBest(epoch: epoch, mean: nil)
            }
            state.epochsCompleted = epoch + 1
            state.globalStep += steps
            state.history.append(record)
            try save()
            onEpoch?(record)
        }
        return state
    }

    private func trainEpoch(_ epoch: Int, indices: [Int], steps: Int) throws -> EpochRecord {
        var lo = FaceBatchLoader.Options(batchSize: options.config.batchSize, imageSize: options.architecture.inputSize)
        lo.augmenter = options.augmentation.map { FaceAugmenter(config: $0) }
        lo.bgr = options.bgr
        lo.seed = options.config.seed
        lo.epoch = epoch
        lo.dropLast = true
        lo.shard = dataParallel.map { FaceBatchLoader.Shard(rank: $0.rank, ranks: $0.size) }
        let loader = FaceBatchLoader(source: source, options: lo, indices: indices)
        let start = Date()
        var sumLoss = 0.0, seen = 0, correct = 0, step = 0
        let schedule = options.config.schedule
        while let batch = loader.next() {
            let lr = schedule.lr(epoch: epoch, progress: Double(step) / Double(steps))
            if batch.count == 0, let dp = dataParallel {
                dp.communicator.abort("every image of this rank's shard of batch \(step + 1) of epoch \(epoch + 1) was unreadable (\(loader.skipped.last?.reason ?? ""))")
            }
            let embeddings = backbone.forward(batch.x, training: true)
            var loss = head.forward(embeddings, labels: batch.labels, training: true)
            var right = ClassifierTrainer.countCorrect(head.logits, labels: batch.labels), rows = batch.count
            var scale: Float = 1
            if let dp = dataParallel { (rows, loss, right, scale) = dp.globalBatch(rows: batch.count, meanLoss: loss, correct: right) }
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: loss) }
            correct += right
            optimizer.zeroGradients()
            _ = backbone.backward(head.backward(scale: scale))
            dataParallel?.sumGradients(trainable)
            if let c = options.config.clipNorm { GradientClipping.clip(trainable, maxNorm: c) }
            optimizer.step(lr: Float(lr))
            dataParallel?.checkReplicas(trainable, step: state.globalStep + step)
            sumLoss += loss * Double(rows); seen += rows; step += 1
            if let onStep {
                let elapsed = Date().timeIntervalSince(start)
                onStep(StepReport(epoch: epoch, step: step, stepsInEpoch: steps, loss: loss, runningLoss: sumLoss / Double(seen),
                                  runningAccuracy: Double(correct) / Double(seen), imagesPerSecond: Double(seen) / max(elapsed, 1e-9),
                                  lr: lr, elapsed: elapsed))
            }
        }
        return EpochRecord(epoch: epoch, lr: schedule.lr(epoch: epoch), trainLoss: sumLoss / Double(max(seen, 1)),
                           trainAccuracy: Double(correct) / Double(max(seen, 1)), validation: nil, validationMean: nil,
                           seconds: Date().timeIntervalSince(start), images: seen, skipped: loader.skipped.count)
    }

    /// Verification accuracy (a fraction, insightface's 10-fold protocol) on every validation set.
    public func validate() throws -> [String: Double] {
        var out: [String: Double] = [:]
        let embedder = FaceEmbedder(network: backbone, inputSize: options.architecture.inputSize, bgr: options.bgr)
        for v in validationSets {
            onValidation?(v.name, 0, v.images.count)
            let e = embedder.embed(v.images) { done, total in self.onValidation?(v.name, done, total) }
            out[v.name] = try FaceVerification.evaluate(embeddings: e, isSame: v.isSame, name: v.path).accuracy
        }
        return out
    }

    private var metadata: [String: String] {
        get throws {
            ["architecture": try options.architecture.jsonString(), "task": "face", "bgr": options.bgr ? "1" : "0",
             "margin": head.summary]
        }
    }

    /// Rank 0 alone writes (every rank holds the same weights).
    private func save() throws {
        guard let dir = options.outputDirectory, Communicator.world.isRoot else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var meta = try metadata
        meta["training_state"] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try Checkpoint.save(everything, metadata: meta, to: DataFile.join(dir, Self.checkpointName))
        try writeJSON(state, to: DataFile.join(dir, Self.metricsName))
    }

    private func saveBest(epoch: Int, mean: Double?) throws {
        guard let dir = options.outputDirectory, Communicator.world.isRoot else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var meta = try metadata
        meta["epoch"] = String(epoch + 1)
        if let mean { meta["validation_mean"] = String(mean) }
        try Checkpoint.save(FaceModel.checkpointView(backbone), optimizerState: false, metadata: meta,
                            to: DataFile.join(dir, Self.bestName))
    }
}

/// Places a margin head's centres and statistics in a checkpoint beside the backbone (`head.*`).
/// It is never run as a layer: the head takes labels, which `Layer.forward` has no room for.
final class MarginHeadParameters: Layer {
    let head: MarginHead
    init(_ head: MarginHead) { self.head = head }
    var parameters: [Parameter] { head.parameters }
    var state: [StateTensor] { head.state }
    var summary: String { head.summary }
    func forward(_ x: Tensor, training: Bool) -> Tensor { x }
    func backward(_ dy: Tensor) -> Tensor { dy }
}

extension TrainingConfig {
    /// AdaFace's recipe: SGD momentum 0.9, lr 0.1 dropped ×0.1 at epochs 12, 20 and 24 of 26, weight
    /// decay 5e-4 (not on BN), no clipping; the drops keep their places relative to `epochs`.
    public static func face(epochs: Int = 26, lr: Double = 0.1, batchSize: Int = 512, seed: UInt64 = 42) -> TrainingConfig {
        let milestones = [12, 20, 24].map { max(1, Int((Double($0) * Double(epochs) / 26).rounded())) }.filter { $0 < epochs }
        return TrainingConfig(epochs: epochs, batchSize: batchSize, schedule: .step(lr, milestones: milestones),
                              momentum: 0.9, weightDecay: 5e-4, clipNorm: nil, seed: seed)
    }
}
