import Foundation
import NN
import Search

/// What both candidate trainers share: a candidate is a training run of its epoch budget in its
/// own folder (resumed when an interrupted search left a checkpoint there), scored after every
/// epoch on the ranking data; its score is the best epoch's, in percent.
public protocol RunCandidateTrainer: CandidateScorer {
    associatedtype Task: TrainingTask
    var configuration: SearchConfiguration { get }
    /// The candidate's run, resuming from `directory`.
    func makeRun(_ candidate: Candidate, directory: String) throws -> TrainingRun<Task>
}

extension RunCandidateTrainer {
    public func train(_ candidate: Candidate, directory: String) throws -> SearchRecord {
        let start = Date()
        let run = try makeRun(candidate, directory: directory)
        let before = run.state.history.reduce(0) { $0 + $1.seconds }
        onStart?(candidate, run.state.epochsCompleted)
        run.onStep = { [weak self] r in self?.onStep?(candidate, r) }
        run.onEpoch = { [weak self] e in self?.onEpoch?(candidate, e) }
        run.shouldStop = shouldStop
        try run.run()
        if run.state.epochsCompleted < candidate.epochs { throw SearchStopped(reason: run.stopReason ?? "stopped") }
        let history = run.state.history
        var r = SearchRecord(trained: candidate, epochAccuracies: history.map { Float(100 * ($0.rankingAccuracy ?? 0)) },
                             epochTrainAccuracies: history.map { Float(100 * $0.trainAccuracy) },
                             seconds: before + Date().timeIntervalSince(start))
        r.seed = configuration.seed
        r.subset = configuration.subset
        return r
    }
}
