import Datasets
import Foundation
import ImageIO
import Metrics
import NN
import Search
import Tensor

/// Face-backbone training with a margin head (AdaFace's recipe by default), validated on
/// verification `.bin` sets, keeping the best backbone by their mean accuracy. `TrainingRun`
/// drives it.
///
/// Files in the output folder besides the run's checkpoint and metrics, each written new and then
/// renamed into place: `best.safetensors`, the backbone alone at its best validation epoch (what
/// `verify` and `embed` take; without validation sets, the latest backbone).
public final class FaceTrainingTask: TrainingTask {
    public struct Options: Sendable {
        public var dataDescription: String
        public var architecture: Architecture
        public var margin: MarginKind
        public var scale: Float = 64
        public var config: TrainingConfig
        public var control = RunControl()
        /// Training augmentation (AdaFace's by default); nil for none.
        public var augmentation: FaceAugmentationConfig? = .adaFace
        public var bgr = false
        public var validation: [String] = []
        /// Validate after every `validateEvery` epochs (and after the last).
        public var validateEvery = 1
        /// Cut each validation set to this many pairs (nil: all).
        public var validationPairs: Int?
        /// Training images used (nil: all of the source).
        public var trainIndices: [Int]?

        public init(dataDescription: String, architecture: Architecture, margin: MarginKind, config: TrainingConfig) {
            self.dataDescription = dataDescription; self.architecture = architecture; self.margin = margin; self.config = config
        }
    }

    public static let kind = "face"
    public static let bestName = "best.safetensors"
    /// The prefixes of the backbone's and the head's tensors in checkpoints.
    public static let backbonePrefix = FaceModel.backbonePrefix, headPrefix = "head."

    public let options: Options
    public let source: any FaceImageSource
    public let backbone: Sequential
    public let marginHead: MarginHead
    public let validationSets: [FaceValidationSet]
    public let trainIndices: [Int]
    /// Called before and during each validation set's embedding.
    public var onValidation: ((String, Int, Int) -> Void)?

    public var architecture: Architecture { options.architecture }
    public var network: Sequential { backbone }
    public var head: LossHead { marginHead }

    /// `validationSets`, when given, replace the files of `options.validation` (a search reads its
    /// ranking sets once for all candidates).
    public init(_ options: Options, source: any FaceImageSource, validationSets given: [FaceValidationSet]? = nil) throws {
        let a = options.architecture
        guard let ir = a.ir else {
            throw ArchitectureError(message: "face training builds the IR face space; a \(a.kind.name) architecture outputs class scores, not an embedding")
        }
        guard source.classes >= 2 else {
            throw FaceModelError(message: "\(source.name): \(source.classes) identities; face training needs at least 2")
        }
        try FaceModel.checkImageSize(of: source, expected: a.inputSize, what: "training", model: "the architecture (--input-size, or input_size in --arch)")
        self.options = options
        self.source = source
        trainIndices = options.trainIndices ?? Array(0..<source.count)
        let bs = options.config.batchSize
        guard trainIndices.count / bs >= 1 else {
            throw FaceModelError(message: "\(source.name): \(trainIndices.count) training images, fewer than one batch of \(bs); lower --batch-size")
        }
        var rng = RNG(seed: options.config.seed)
        backbone = NetworkBuilder.build(a, rng: &rng)
        marginHead = MarginHead(embeddingSize: ir.embeddingSize, classes: source.classes, kind: options.margin, scale: options.scale,
                                centreInit: Self.centreInit(for: options.margin), rng: &rng)
        validationSets = try given ?? options.validation.map { try FaceValidationSet(path: $0, pairs: options.validationPairs) }
        for v in validationSets {
            try FaceModel.checkImageSize(of: v.images, expected: a.inputSize, what: "validation", model: "the architecture (--input-size, or input_size in --arch)")
        }
    }

    /// insightface draws class centres from N(0, 0.01); AdaFace from U(−1, 1), renormalised.
    public static func centreInit(for margin: MarginKind) -> CentreInit {
        if case .adaFace = margin { return .unitUniform }
        return .normal(std: 0.01)
    }

    public var stepsPerEpoch: Int { trainIndices.count / options.config.batchSize }

    /// The head's summary, then for ArcFace its gradient (`--arcface-gradient`), which the summary
    /// leaves out so that runs from before the choice keep theirs (see `RunState`).
    public var resumeSettings: [RunSetting] {
        [RunSetting("loss", marginHead.summary)]
            + (options.margin.arcFaceGradient.map { [RunSetting(RunSetting.arcFaceGradientFlag, $0.rawValue)] } ?? [])
    }

    public func batches(epoch: Int, dataParallel: DataParallel?) -> any BatchStream {
        var lo = FaceBatchLoader.Options(batchSize: options.config.batchSize, imageSize: options.architecture.inputSize)
        lo.augmenter = options.augmentation.map { FaceAugmenter(config: $0) }
        lo.bgr = options.bgr
        lo.seed = options.config.seed
        lo.epoch = epoch
        lo.dropLast = true
        lo.shard = dataParallel.map { FaceBatchLoader.Shard(rank: $0.rank, ranks: $0.size) }
        return FaceBatches(FaceBatchLoader(source: source, options: lo, indices: trainIndices), epoch: epoch, dataParallel: dataParallel)
    }

    public func evaluate(epoch: Int, isLast: Bool, record: inout EpochRecord, dataParallel: DataParallel?) throws {
        let due = (epoch + 1) % max(options.validateEvery, 1) == 0 || isLast
        guard due && !validationSets.isEmpty else { return }
        let accuracies = try validate()
        record.validation = accuracies
        record.validationMean = accuracies.values.reduce(0, +) / Double(accuracies.count)
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

    public func finishEpoch(_ record: EpochRecord, state: inout RunState, directory: String?) throws {
        if let mean = record.validationMean {
            guard state.bestValidation.map({ mean > $0 }) ?? true else { return }
            state.bestValidation = mean
            state.bestEpoch = record.epoch + 1
            try saveBest(epoch: record.epoch, mean: mean, directory: directory)
        } else if validationSets.isEmpty {
            // Without validation sets the latest backbone is the one to use.
            state.bestEpoch = record.epoch + 1
            try saveBest(epoch: record.epoch, mean: nil, directory: directory)
        }
    }

    public func checkpointEntries() -> CheckpointEntries {
        var entries = CheckpointEntries(backbone, prefix: Self.backbonePrefix)
        entries.append(parameters: marginHead.parameters, state: marginHead.state, prefix: Self.headPrefix)
        return entries
    }

    public func metadata() throws -> [String: String] {
        var meta = ["architecture": try options.architecture.jsonString(), "task": Self.kind, "bgr": options.bgr ? "1" : "0",
                    "margin": marginHead.summary]
        if let g = options.margin.arcFaceGradient { meta["arcface_gradient"] = g.rawValue }
        return meta
    }

    public func metrics(_ state: RunState) -> any Encodable { state }

    private func saveBest(epoch: Int, mean: Double?, directory: String?) throws {
        guard let dir = directory else { return }
        var meta = try metadata()
        meta["epoch"] = String(epoch + 1)
        if let mean { meta["validation_mean"] = String(mean) }
        try Checkpoint.save(CheckpointEntries(backbone, prefix: Self.backbonePrefix), optimizerState: false, metadata: meta,
                            to: DataFile.join(dir, Self.bestName))
    }
}

/// A face training run: `checkpoint.safetensors` (backbone, head, momentum, training state;
/// resumable) and `metrics.json` after every epoch, `best.safetensors` at each best validation.
/// Epoch e's order and augmentation depend only on (seed, e), so a resumed run ends as an
/// uninterrupted one. A non-finite loss stops the run with `TrainingError.nonFiniteLoss` and
/// leaves the files of the last finished epoch as they were.
public typealias FaceTrainingRun = TrainingRun<FaceTrainingTask>

extension TrainingRun where Task == FaceTrainingTask {
    public convenience init(_ options: FaceTrainingTask.Options, source: any FaceImageSource,
                            validationSets: [FaceValidationSet]? = nil) throws {
        let task = try FaceTrainingTask(options, source: source, validationSets: validationSets)
        try self.init(task: task, config: options.config, data: options.dataDescription, control: options.control)
    }

    public static var bestName: String { FaceTrainingTask.bestName }
    public var backbone: Sequential { task.backbone }
    public var head: MarginHead { task.marginHead }
    public var validationSets: [FaceValidationSet] { task.validationSets }
    public var trainIndices: [Int] { task.trainIndices }
}
