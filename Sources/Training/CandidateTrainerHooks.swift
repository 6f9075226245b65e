import NN
import Search
import Tensor

/// The callbacks and job settings every candidate trainer carries, so `SearchRun` can drive either
/// kind the same way (`CandidateScorer`'s hooks) and each trainer only says how to build a run.
open class CandidateTrainerHooks {
    public var onStart: ((Candidate, _ resumedEpochs: Int) -> Void)?
    public var onStep: ((Candidate, StepReport) -> Void)?
    public var onEpoch: ((Candidate, EpochRecord) -> Void)?
    public var shouldStop: (() -> String?)?
    /// Under mpirun/srun: synchronised batch norm in every candidate's data-parallel training.
    public var syncBatchNorm = false
    /// The job each candidate's training runs in (data-parallel when it has several ranks).
    public var communicator: Communicator = .single

    public init() {}

    /// What every candidate's run shares: its folder (resumed from), the job, the BN setting.
    func control(directory: String) -> RunControl {
        var c = RunControl(outputDirectory: directory)
        c.resume = true
        c.communicator = communicator
        c.syncBatchNorm = syncBatchNorm
        return c
    }
}
