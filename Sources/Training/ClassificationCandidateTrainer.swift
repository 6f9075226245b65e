import Datasets
import Foundation
import NN
import Search
import Tensor

/// Scores candidates by training them from scratch with the classification recipe for their epoch
/// budget, measuring accuracy on the ranking split after every epoch; the score is the best epoch's
/// (paper-algorithm §3). Training images: the training set minus the held-out ranking part (when
/// ranking on held-out data), then `subset` of them, both seeded and class-balanced.
public final class CandidateTrainer: CandidateTrainerHooks, RunCandidateTrainer {
    public let data: DataSpec
    public let configuration: SearchConfiguration
    /// Images candidates train on (before `subset`), and the images that rank them.
    public let pool: ClassificationDataset
    public let ranking: ClassificationDataset


    public init(data: DataSpec, train: ClassificationDataset, test: ClassificationDataset, configuration: SearchConfiguration) throws {
        self.data = data
        self.configuration = configuration
        switch configuration.rankOn {
        case .test:
            pool = train; ranking = test
        case .sets:
            throw SearchFileError("--rank-on FILE.bin ranks face searches; a classification search ranks on heldout or test")
        case .heldout:
            let f = configuration.heldoutFraction
            guard f > 0, f < 1 else { throw SearchFileError("--heldout-fraction \(f) must lie strictly between 0 and 1") }
            let n = Int((Double(train.count) * f).rounded())
            // A seed of its own, so the held-out images do not coincide with the first `subset` picks.
            let held = BatchLoader.stratifiedSubset(labels: train.labels, classes: train.classes, count: n,
                                                    seed: configuration.seed ^ 0x6865_6C64_6F75_7421)
            var isHeld = [Bool](repeating: false, count: train.count)
            for i in held { isHeld[i] = true }
            ranking = train.subset(held)
            pool = train.subset((0..<train.count).filter { !isHeld[$0] })
        }
        if let s = configuration.subset, s < 1 { throw SearchFileError("--subset must be at least 1") }
    }

    /// The record names the seed and the subset the candidate trained on.
    public func makeRun(_ candidate: Candidate, directory: String) throws -> ClassificationRun {
        let config = TrainingConfig.classification(epochs: candidate.epochs, lr: configuration.learningRate,
                                                   batchSize: configuration.batchSize, seed: configuration.seed,
                                                   authorsShift: configuration.authorsSchedule)
        var options = ClassificationTask.Options(data: data, architecture: candidate.architecture, config: config,
                                                 outputDirectory: directory)
        options.control = control(directory: directory)
        options.limitTrain = configuration.subset
        return try ClassificationRun(options, train: pool, test: ranking)
    }
}
