import NN

/// What `SearchRun` needs from whatever trains candidates: the Training target's `CandidateTrainer`
/// (classification) and `FaceCandidateTrainer` implement it (via `RunCandidateTrainer`), so Search
/// itself trains nothing.
public protocol CandidateScorer: AnyObject {
    /// Training of a candidate begins, after `resumedEpochs` epochs found in its checkpoint.
    var onStart: ((Candidate, _ resumedEpochs: Int) -> Void)? { get set }
    var onStep: ((Candidate, StepReport) -> Void)? { get set }
    /// A finished epoch; `testAccuracy` is the ranking accuracy (a fraction).
    var onEpoch: ((Candidate, EpochRecord) -> Void)? { get set }
    /// Asked after every epoch; a reason ends the candidate there (its checkpoint stays for a resume).
    var shouldStop: (() -> String?)? { get set }
    /// Trains `candidate` in `directory` (resuming a checkpoint left there by an interrupted run)
    /// and returns its journal record without a decision.
    func train(_ candidate: Candidate, directory: String) throws -> SearchRecord
}
