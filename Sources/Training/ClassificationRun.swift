import Datasets
import Foundation
import Metrics
import NN
import Search
import Tensor

/// Classification training of a plain-template network with softmax cross-entropy: what
/// `facenas train` runs and what the search's candidate training builds on. `TrainingRun` drives
/// it; the test split is scored after every epoch (or only after the last).
public final class ClassificationTask: TrainingTask {
    public struct Options: Sendable {
        public var data: DataSpec
        public var architecture: Architecture
        public var config: TrainingConfig
        public var control: RunControl
        public var limitTrain: Int?
        public var evaluateEveryEpoch = true
        public var testBatchSize = 256
        public init(data: DataSpec, architecture: Architecture, config: TrainingConfig, outputDirectory: String?) {
            self.data = data; self.architecture = architecture; self.config = config
            control = RunControl(outputDirectory: outputDirectory)
        }
    }

    /// `metrics.json` of a classification run.
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

    public static let kind = "classify"
    public let options: Options
    public let train: ClassificationDataset
    public let test: ClassificationDataset
    public let recipe: DatasetRecipe
    public let network: Sequential
    public let head: LossHead = SoftmaxCrossEntropy()
    /// Indices of the training images used (the first `limitTrain` of a seeded stratified subset).
    public let trainIndices: [Int]
    private let data: ClassificationDataset

    public var architecture: Architecture { options.architecture }

    public init(_ options: Options, train: ClassificationDataset, test: ClassificationDataset) throws {
        var opts = options
        self.train = train; self.test = test
        recipe = try DatasetRecipe(kind: options.data.kind)
        let a = options.architecture
        guard case .plain = a.kind else {
            throw ArchitectureError(message: "classification training builds the plain template; a \(a.kind.name) architecture outputs an embedding, not class scores")
        }
        guard a.inChannels == train.channels else {
            throw ArchitectureError(message: "architecture has \(a.inChannels) input channels but \(options.data) images have \(train.channels)")
        }
        guard a.classes == train.classes else {
            throw ArchitectureError(message: "architecture has \(a.classes) classes but \(options.data) has \(train.classes)")
        }
        if let n = options.limitTrain, n < 1 { throw RunError("--limit-train \(n): expected at least 1 image") }
        opts.architecture.inputSize = test.height
        self.options = opts
        var rng = RNG(seed: options.config.seed)
        network = PlainTemplate.build(opts.architecture, rng: &rng)
        if let n = options.limitTrain, n < train.count {
            trainIndices = BatchLoader.stratifiedSubset(labels: train.labels, classes: train.classes, count: n, seed: options.config.seed)
        } else {
            trainIndices = Array(0..<train.count)
        }
        data = trainIndices.count == train.count ? train : train.subset(trainIndices)
        guard data.count >= 1 else { throw RunError("\(options.data): no training image to train on") }
    }

    public var stepsPerEpoch: Int { (data.count + options.config.batchSize - 1) / options.config.batchSize }

    public var resumeSettings: [RunSetting] { [RunSetting("--limit-train", options.limitTrain.map(String.init) ?? "none")] }

    public func batches(epoch: Int, dataParallel: DataParallel?) -> any BatchStream {
        ClassificationBatches(BatchLoader(dataset: data, batchSize: options.config.batchSize, shuffle: true, augment: true, recipe: recipe,
                                          seed: options.config.seed, epoch: epoch, shard: dataParallel.map { ($0.rank, $0.size) }))
    }

    public func evaluate(epoch: Int, isLast: Bool, record: inout EpochRecord, dataParallel: DataParallel?) throws {
        if options.evaluateEveryEpoch || isLast { record.testAccuracy = testAccuracy(dataParallel: dataParallel) }
    }

    /// Top-1 accuracy on the test split (a fraction), at its native size. Data-parallel, each rank
    /// scores its shard of the split and the counts are summed: every image counts once. (Not a
    /// sharded loader: training's loader drops a last batch with fewer rows than ranks.)
    public func testAccuracy(dataParallel: DataParallel?) -> Double {
        guard let dp = dataParallel else {
            return classificationAccuracy(network, on: test, recipe: recipe, batchSize: options.testBatchSize)
        }
        let part = test.subset(Array(dp.shard(of: test.count)))
        let loader = BatchLoader(dataset: part, batchSize: options.testBatchSize, shuffle: false, augment: false, recipe: recipe,
                                 seed: 0, epoch: 0)
        var correct = 0
        while let b = loader.next() { correct += countCorrect(network.forward(b.x, training: false), labels: b.labels) }
        let totals = dp.communicator.sum([Double(correct), Double(part.count)])
        return totals[0] / max(totals[1], 1)
    }

    public func finishEpoch(_ record: EpochRecord, state: inout RunState, directory: String?) throws {}

    public func checkpointEntries() -> CheckpointEntries { CheckpointEntries(network) }

    public func metadata() throws -> [String: String] {
        ["architecture": try options.architecture.jsonString(),
         "recipe": String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self)]
    }

    public func metrics(_ state: RunState) -> any Encodable { metricsValue(state) }

    public func metricsValue(_ state: RunState) -> Metrics {
        let tested = state.history.filter { $0.testAccuracy != nil }
        let best = tested.max { $0.testAccuracy! < $1.testAccuracy! }
        return Metrics(testAccuracy: state.history.last?.testAccuracy, bestTestAccuracy: best?.testAccuracy,
                       bestEpoch: best.map { $0.epoch + 1 }, trainAccuracy: state.history.last?.trainAccuracy,
                       params: network.parameterCount, macs: ArchitectureSummary.macs(options.architecture),
                       epochs: state.epochsCompleted, seconds: state.history.reduce(0) { $0 + $1.seconds },
                       history: state.history, data: options.data.description)
    }
}

/// A classification training run (checkpoint and `metrics.json` after every epoch; resuming
/// continues at the next epoch and ends with the weights of an uninterrupted run).
public typealias ClassificationRun = TrainingRun<ClassificationTask>

extension TrainingRun where Task == ClassificationTask {
    /// Reads the data set named by `options.data`.
    public convenience init(_ options: ClassificationTask.Options) throws {
        let (train, test) = try loadClassification(options.data)
        try self.init(options, train: train, test: test)
    }

    /// With data already in memory (the search trains many candidates on one data set).
    public convenience init(_ options: ClassificationTask.Options, train: ClassificationDataset, test: ClassificationDataset) throws {
        let task = try ClassificationTask(options, train: train, test: test)
        try self.init(task: task, config: options.config, data: options.data.description, control: options.control)
    }

    public var network: Sequential { task.network }
    public var trainIndices: [Int] { task.trainIndices }
    public var metrics: ClassificationTask.Metrics { task.metricsValue(state) }
}
