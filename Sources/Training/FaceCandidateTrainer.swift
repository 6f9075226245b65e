import Datasets
import Foundation
import ImageIO
import NN
import Metrics
import Search
import Tensor

/// Scores face-search candidates: trains each from scratch with the face recipe (the AdaFace
/// schedule scaled to the candidate's epoch budget) on the split's training images, and ranks it by
/// 10-fold verification accuracy on the split's held-out identities (or on `--rank-on` sets)
/// after every epoch; the score is the best epoch's, in percent, as in the classification search.
public final class FaceCandidateTrainer: CandidateTrainerHooks, RunCandidateTrainer {
    public let configuration: SearchConfiguration
    public let dataDescription: String
    public let split: FaceSearchSplit
    public let margin: MarginKind
    public let augmentation: FaceAugmentationConfig?
    /// What ranks the candidates: the held-out pairs, or the `--rank-on` sets.
    public let rankingSets: [FaceValidationSet]


    public init(source: any FaceImageSource, dataDescription: String, configuration: SearchConfiguration, margin: MarginKind,
                augmentation: FaceAugmentationConfig? = .adaFace) throws {
        guard let face = configuration.face else { throw SearchFileError("a face search needs its face settings") }
        self.configuration = configuration; self.dataDescription = dataDescription
        self.margin = margin; self.augmentation = augmentation
        let labels = try source.identityLabels()
        let heldOut: Double
        switch configuration.rankOn {
        case .heldout:
            heldOut = configuration.heldoutFraction
            guard heldOut > 0, heldOut < 1 else { throw SearchFileError("--heldout-fraction \(heldOut) must lie strictly between 0 and 1") }
        case .sets:
            heldOut = 0
        case .test:
            throw SearchFileError("--rank-on test: a face search ranks on held-out identities (the default) or on FILE.bin sets")
        }
        split = try FaceSearchSplit(source: source, labels: labels, heldOutFraction: heldOut, rankingPairs: face.rankingPairs,
                                    subsetIdentities: face.subsetIdentities, subsetImages: face.subsetImages, seed: configuration.seed)
        if let r = split.ranking {
            rankingSets = [r]
        } else {
            rankingSets = try face.rankingSets.map { try FaceValidationSet(path: $0, pairs: face.rankingPairs) }
        }
        guard !rankingSets.isEmpty else { throw SearchFileError("a face search needs held-out identities or --rank-on FILE.bin to rank on") }
    }

    public func makeRun(_ candidate: Candidate, directory: String) throws -> FaceTrainingRun {
        let config = TrainingConfig.face(epochs: candidate.epochs, lr: configuration.learningRate,
                                         batchSize: configuration.batchSize, seed: configuration.seed)
        var options = FaceTrainingTask.Options(dataDescription: dataDescription, architecture: candidate.architecture,
                                               margin: margin, config: config)
        options.augmentation = augmentation
        options.control = control(directory: directory)
        return try FaceTrainingRun(options, source: split.training, validationSets: rankingSets)
    }
}
