import Datasets
import Foundation
import Search

/// Trains a ranking study's networks the way the search trains its candidates: through the
/// search's own candidate trainers (same recipe, same ranking split, same score: the best epoch's
/// ranking accuracy), one trainer per distinct training setting of the budgets.
public enum StudyTraining {
    /// The classification study's trainer: every budget trains on the same pool (the training set
    /// minus the held-out ranking images, then `subset` of it) and is ranked on the same images.
    public static func classification(data: DataSpec, train: ClassificationDataset, test: ClassificationDataset,
                                      configuration c: StudyConfiguration) throws -> StudyRun.Trainer {
        let search = SearchConfiguration(space: .plain, inChannels: c.inChannels, classes: c.classes, inputSize: c.inputSize,
                                         rules: SearchRules(), seed: c.seed, subset: c.subset, rankOn: .heldout,
                                         heldoutFraction: c.heldoutFraction, data: c.data, learningRate: c.learningRate,
                                         batchSize: c.batchSize)
        let trainer = try CandidateTrainer(data: data, train: train, test: test, configuration: search)
        let images = min(c.subset ?? trainer.pool.count, trainer.pool.count)
        return { job, architecture, directory in
            try record(job, trainer.train(candidate(job, architecture), directory: directory),
                       macs: ArchitectureSummary.macs(architecture), images: images)
        }
    }

    static func candidate(_ job: StudyJob, _ architecture: Architecture) -> Candidate {
        Candidate(index: job.network, phase: .depth, architecture: architecture, epochs: job.epochs)
    }

    static func record(_ job: StudyJob, _ r: SearchRecord, macs: Int, images: Int) -> StudyRecord {
        StudyRecord(network: job.network, budget: job.budget, epochs: job.epochs, score: Double(r.accuracy),
                    trainAccuracy: Double(r.trainAccuracy), epochScores: (r.epochAccuracies ?? []).map(Double.init),
                    seconds: r.seconds ?? 0, rank: 0, macs: macs, images: images)
    }
}
