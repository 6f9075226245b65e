import Datasets
import Foundation
import NN
import Tensor

/// Trains a plain-template classifier on a classification data set, one epoch at a time, with a
/// checkpoint and `metrics.json` after every epoch. This is what `facenas train` runs and what the
/// search's candidate training builds on.
///
/// Resuming reads the checkpoint's training state and continues at the next epoch; because the
/// batch order and augmentation of epoch e depend only on (seed, e) and the checkpoint holds
/// weights, BN statistics and momentum, the result equals an uninterrupted run's.
public final class ClassificationRun {
    public struct Options: Sendable {
        public var data: DataSpec
        public var architecture: Architecture
        public var config: TrainingConfig
        public var outputDirectory: String?
        public var resume = false
        public var limitTrain: Int?
        public var evaluateEveryEpoch = true
        public var testBatchSize = 256
        /// Stop (cleanly, with a checkpoint) after this many epochs of this invocation.
        public var stopAfterEpochs: Int?
        /// Data-parallel runs (several MPI ranks): synchronised batch norm, and a check that the
        /// ranks' weights agree after every step.
        public var syncBatchNorm = false
        public var verifyReplicas = false
        public init(data: DataSpec, architecture: Architecture, config: TrainingConfig, outputDirectory: String?) {
            self.data = data; self.architecture = architecture; self.config = config; self.outputDirectory = outputDirectory
        }
    }

    /// The training state stored in the checkpoint's metadata. The random state needs no entry:
    /// initialisation draws from `seed`, and epoch e's order and augmentation from (seed, e).
    public struct State: Codable, Sendable {
        public var epochsCompleted: Int
        public var globalStep: Int
        public var config: TrainingConfig
        public var data: String
        public var limitTrain: Int?
        public var history: [EpochRecord]
        enum CodingKeys: String, CodingKey {
            case config, data, history
            case epochsCompleted = "epochs_completed", globalStep = "global_step", limitTrain = "limit_train"
        }
    }

    public struct Metrics: Codable, Sendable {
        public var testAccuracy: Double?
        public var bestTestAccuracy: Double?
        public var bestEpoch: Int?
        public var trainAccuracy: Double?
        public var params: Int
        public var macs: Int
        public var epochs: Int
        public var seconds: Double
        public var history: [EpochRecord]
        public var data: String
        enum CodingKeys: String, CodingKey {
            case params, macs, epochs, seconds, history, data
            case testAccuracy = "test_accuracy", bestTestAccuracy = "best_test_accuracy", bestEpoch = "best_epoch"
            case trainAccuracy = "train_accuracy"
        }
    }

    public let options: Options
    public let train: ClassificationDataset
    public let test: ClassificationDataset
    public let recipe: DatasetRecipe
    public let network: Sequential
    public let trainer: ClassifierTrainer
    public private(set) var state: State
    /// Epochs the next `run()` may train (nil: all remaining); starts as `options.stopAfterEpochs`.
    public var stopAfterEpochs: Int?

    /// Called after every step and at the end of every epoch.
    public var onStep: ((StepReport) -> Void)?
    public var onEpoch: ((EpochRecord) -> Void)?

    public static let checkpointName = "checkpoint.safetensors"
    public static let metricsName = "metrics.json"

    public convenience init(_ options: Options) throws {
        let (train, test) = try loadClassification(options.data)
        try self.init(options, train: train, test: test)
    }

    /// With data already in memory (the search trains many candidates on one data set).
    public init(_ options: Options, train: ClassificationDataset, test: ClassificationDataset) throws {
        var opts = options
        self.train = train; self.test = test
        recipe = try DatasetRecipe(kind: options.data.kind)
        let a = options.architecture
        guard a.space == "plain" else {
            throw ArchitectureError(message: "classification training builds the plain template; a \(a.space) architecture outputs an embedding, not class scores")
        }
        guard a.inChannels == train.channels else {
            throw ArchitectureError(message: "architecture has \(a.inChannels) input channels but \(options.data) images have \(train.channels)")
        }
        guard a.classes == train.classes else {
            throw ArchitectureError(message: "architecture has \(a.classes) classes but \(options.data) has \(train.classes)")
        }
        opts.architecture.inputSize = test.height
        self.options = opts
        stopAfterEpochs = options.stopAfterEpochs
        var rng = RNG(seed: options.config.seed)
        network = PlainTemplate.build(opts.architecture, rng: &rng)
        trainer = ClassifierTrainer(network: network, config: options.config,
                                    dataParallel: DataParallel.forWorld(syncBatchNorm: options.syncBatchNorm, verifyReplicas: options.verifyReplicas))
        state = State(epochsCompleted: 0, globalStep: 0, config: options.config, data: options.data.description,
                      limitTrain: options.limitTrain, history: [])
        if options.resume, let dir = options.outputDirectory {
            let path = (dir as NSString).appendingPathComponent(Self.checkpointName)
            if FileManager.default.fileExists(atPath: path) { try resume(from: path) }
        }
    }

    private func resume(from path: String) throws {
        let meta = try Checkpoint.metadata(path)
        guard let archJSON = meta["architecture"], let stateJSON = meta["training_state"] else {
            throw CheckpointError(path: path, message: "not a facenas training checkpoint (no architecture/training_state metadata)")
        }
        let saved = try Architecture.decode(Data(archJSON.utf8), source: path)
        guard saved == options.architecture else {
            throw CheckpointError(path: path, message: "written for another architecture (depth \(saved.depth), width \(saved.width)); use another --out or drop --resume")
        }
        let s = try JSONDecoder().decode(State.self, from: Data(stateJSON.utf8))
        guard s.config == options.config, s.data == options.data.description, s.limitTrain == options.limitTrain else {
            let what = s.config.epochs != options.config.epochs ? "--epochs \(s.config.epochs)"
                : s.config.seed != options.config.seed ? "--seed \(s.config.seed)"
                : s.data != options.data.description ? "--data \(s.data)"
                : s.limitTrain != options.limitTrain ? "--limit-train \(s.limitTrain.map(String.init) ?? "none")"
                : "other optimiser settings"
            throw CheckpointError(path: path, message: "written by a run with \(what); resume with the same settings, or use another --out")
        }
        try Checkpoint.load(path, into: network)
        state.epochsCompleted = s.epochsCompleted
        state.globalStep = s.globalStep
        state.history = s.history
    }

    /// Indices of the training images used (the first `limitTrain` of a seeded stratified subset).
    public lazy var trainIndices: [Int] = {
        guard let n = options.limitTrain, n < train.count else { return Array(0..<train.count) }
        return BatchLoader.stratifiedSubset(labels: train.labels, classes: train.classes, count: n, seed: options.config.seed)
    }()

    /// Runs the remaining epochs and returns the final metrics.
    @discardableResult
    public func run() throws -> Metrics {
        let start = Date()
        let data = trainIndices.count == train.count ? train : train.subset(trainIndices)
        let bs = options.config.batchSize
        let first = state.epochsCompleted
        let last = min(options.config.epochs, stopAfterEpochs.map { first + $0 } ?? Int.max)
        for epoch in first..<last {
            let loader = BatchLoader(dataset: data, batchSize: bs, shuffle: true, augment: true, recipe: recipe,
                                     seed: options.config.seed, epoch: epoch, shard: trainer.dataParallel.map { ($0.rank, $0.size) })
            var it = LoaderPairs(loader: loader)
            var record = try trainer.trainEpoch(epoch, batches: &it, stepsInEpoch: (data.count + bs - 1) / bs, report: onStep)
            trainer.dataParallel?.averageRunningStatistics(network)
            if options.evaluateEveryEpoch || epoch == options.config.epochs - 1 {
                record.testAccuracy = evaluate()
            }
            state.epochsCompleted = epoch + 1
            state.globalStep += (data.count + bs - 1) / bs
            state.history.append(record)
            try save()
            onEpoch?(record)
        }
        let m = metrics(seconds: Date().timeIntervalSince(start))
        if let dir = options.outputDirectory, Communicator.world.isRoot {
            try writeJSON(m, to: (dir as NSString).appendingPathComponent(Self.metricsName))
        }
        return m
    }

    /// Top-1 accuracy on the test split (a fraction), at its native size. Data-parallel, each rank
    /// scores its shard of every batch and the counts are summed.
    public func evaluate() -> Double {
        guard let dp = trainer.dataParallel else {
            return evaluateClassifier(network, on: test, recipe: recipe, batchSize: options.testBatchSize)
        }
        let loader = BatchLoader(dataset: test, batchSize: options.testBatchSize, shuffle: false, augment: false, recipe: recipe,
                                 seed: 0, epoch: 0, shard: (dp.rank, dp.size))
        var correct = 0, seen = 0
        while let b = loader.next() {
            if b.count > 0 { correct += ClassifierTrainer.countCorrect(network.forward(b.x, training: false), labels: b.labels) }
            seen += b.count
        }
        let totals = dp.communicator.sum([Double(correct), Double(seen)])
        return totals[0] / max(totals[1], 1)
    }

    public func metrics(seconds: Double) -> Metrics {
        let tested = state.history.filter { $0.testAccuracy != nil }
        let best = tested.max { $0.testAccuracy! < $1.testAccuracy! }
        return Metrics(testAccuracy: state.history.last?.testAccuracy, bestTestAccuracy: best?.testAccuracy,
                       bestEpoch: best.map { $0.epoch + 1 }, trainAccuracy: state.history.last?.trainAccuracy,
                       params: network.parameterCount, macs: ArchitectureSummary.macs(options.architecture),
                       epochs: state.epochsCompleted, seconds: state.history.reduce(0) { $0 + $1.seconds },
                       history: state.history, data: options.data.description)
    }

    /// Rank 0 alone writes (every rank holds the same weights).
    private func save() throws {
        guard let dir = options.outputDirectory, Communicator.world.isRoot else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stateJSON = try String(decoding: JSONEncoder().encode(state), as: UTF8.self)
        try Checkpoint.save(network, metadata: ["architecture": options.architecture.jsonString(), "training_state": stateJSON,
                                                "task": "classify", "recipe": String(decoding: JSONEncoder().encode(recipe), as: UTF8.self)],
                            to: (dir as NSString).appendingPathComponent(Self.checkpointName))
        try writeJSON(metrics(seconds: 0), to: (dir as NSString).appendingPathComponent(Self.metricsName))
    }
}

/// Writes pretty JSON via a temporary file and a rename, so a reader never sees half a file.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    try e.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
}

/// Adapts the data loader to the trainer's (images, labels) iterator.
struct LoaderPairs: IteratorProtocol {
    let loader: BatchLoader
    mutating func next() -> (Tensor, [Int32])? {
        guard let b = loader.next() else { return nil }
        return (b.x, b.labels)
    }
}

/// Loads a classification checkpoint written by `ClassificationRun`: its architecture and network.
public func loadClassifier(_ path: String) throws -> (Architecture, Sequential) {
    let meta = try Checkpoint.metadata(path)
    guard let archJSON = meta["architecture"] else {
        throw CheckpointError(path: path, message: "no architecture in the checkpoint metadata; not a facenas checkpoint")
    }
    let a = try Architecture.decode(Data(archJSON.utf8), source: path)
    guard a.space == "plain" else { throw CheckpointError(path: path, message: "a \(a.space) backbone, not a classifier") }
    var rng = RNG(seed: 0)
    let net = PlainTemplate.build(a, rng: &rng)
    try Checkpoint.load(path, into: net, optimizerState: false)
    return (a, net)
}

/// Top-1 accuracy (a fraction) of a classifier on a data set, test transform, native size.
public func evaluateClassifier(_ network: Layer, on data: ClassificationDataset, recipe: DatasetRecipe, batchSize: Int = 256) -> Double {
    let loader = BatchLoader(dataset: data, batchSize: batchSize, shuffle: false, augment: false, recipe: recipe, seed: 0, epoch: 0)
    var it = LoaderPairs(loader: loader)
    return ClassifierTrainer.accuracy(network, batches: &it)
}
