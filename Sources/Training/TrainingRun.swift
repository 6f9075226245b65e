import Datasets
import Foundation
import NN
import Search
import Tensor

/// What a training run trains and how it is scored: the part of a run that differs between
/// classification and face training. `TrainingRun` owns everything else.
public protocol TrainingTask: AnyObject {
    /// The checkpoint's `task` metadata: "classify" or "face".
    static var kind: String { get }
    var architecture: Architecture { get }
    /// The network being trained and the loss head on top of it.
    var network: Sequential { get }
    var head: LossHead { get }
    var stepsPerEpoch: Int { get }
    /// Settings beyond the optimiser's, data and seed that a resumed run must share.
    var resumeSettings: [RunSetting] { get }
    func batches(epoch: Int, dataParallel: DataParallel?) -> any BatchStream
    /// Scores the network after an epoch into `record` (test accuracy, validation sets).
    func evaluate(epoch: Int, isLast: Bool, record: inout EpochRecord, dataParallel: DataParallel?) throws
    /// After scoring, before the checkpoint: e.g. the face task keeps its best backbone.
    /// `directory` is nil on ranks that do not write.
    func finishEpoch(_ record: EpochRecord, state: inout RunState, directory: String?) throws
    /// Everything the checkpoint holds (network and head), by name.
    func checkpointEntries() -> CheckpointEntries
    /// The checkpoint's metadata besides `task` and `training_state`.
    func metadata() throws -> [String: String]
    /// What `metrics.json` holds after each epoch.
    func metrics(_ state: RunState) -> any Encodable
}

/// The lifecycle every training run shares: build the step, continue from a checkpoint written
/// with the same settings (refusing other settings by naming the flag), train epoch after epoch,
/// score, and after every epoch write `checkpoint.safetensors` and `metrics.json` — each new,
/// then renamed, and by rank 0 alone. Stops after N epochs of an invocation or when
/// `shouldStop` gives a reason, and never writes over earlier files with an epoch that trained
/// on no image.
public final class TrainingRun<Task: TrainingTask> {
    public let task: Task
    public let config: TrainingConfig
    /// The data's description (`fashion-mnist:/path`), part of the resume check.
    public let data: String
    public let control: RunControl
    public let trainer: TrainingStep
    public private(set) var state: RunState
    /// Epochs the next `run()` may train (nil: all remaining); starts as `control.stopAfterEpochs`.
    public var stopAfterEpochs: Int?
    /// Asked after every epoch but the last; a reason ends `run()` there (checkpoint written).
    public var shouldStop: (() -> String?)?
    /// Why the last `run()` stopped early, if it did.
    public private(set) var stopReason: String?
    /// Called after every step and at the end of every epoch.
    public var onStep: ((StepReport) -> Void)?
    public var onEpoch: ((EpochRecord) -> Void)?

    public static var checkpointName: String { "checkpoint.safetensors" }
    public static var metricsName: String { "metrics.json" }

    public var dataParallel: DataParallel? { trainer.dataParallel }

    public init(task: Task, config: TrainingConfig, data: String, control: RunControl) throws {
        self.task = task; self.config = config; self.data = data; self.control = control
        stopAfterEpochs = control.stopAfterEpochs
        if let problem = config.accumulationProblem { throw RunError(problem) }
        let dp = DataParallel.make(communicator: control.communicator, syncBatchNorm: control.syncBatchNorm,
                                   verifyReplicas: control.verifyReplicas)
        trainer = TrainingStep(network: task.network, head: task.head, config: config, dataParallel: dp)
        state = RunState(config: config, data: data, settings: task.resumeSettings)
        if let dir = control.outputDirectory {
            if control.communicator.isRoot { try RunFiles.prepareOutput(dir) }
            let path = DataFile.join(dir, Self.checkpointName)
            if control.resume, FileManager.default.fileExists(atPath: path) { try resume(from: path) }
        }
    }

    /// The folder this rank writes into; nil when nothing is written or another rank writes.
    public var writingDirectory: String? { control.communicator.isRoot ? control.outputDirectory : nil }

    private func resume(from path: String) throws {
        let meta = try Checkpoint.metadata(path)
        guard meta["task"] == Task.kind, let archJSON = meta["architecture"], let stateJSON = meta["training_state"] else {
            throw CheckpointError(path: path, message: "not a facenas \(Task.kind == "face" ? "face-training" : "training") checkpoint; use another --out or drop --resume")
        }
        let saved = try Architecture.decode(Data(archJSON.utf8), source: path)
        guard saved == task.architecture else {
            throw CheckpointError(path: path, message: "written for another architecture (depth \(saved.depth), width \(saved.width)); use another --out or drop --resume")
        }
        let s: RunState
        do { s = try JSONDecoder().decode(RunState.self, from: Data(stateJSON.utf8)) } catch {
            throw CheckpointError(path: path, message: "its training_state is not one this facenas writes (\(RunFiles.decodingSummary(error))); use another --out or drop --resume")
        }
        // `state` is still this run's fresh one: its settings are the flags of this invocation.
        let mine = state.resumeSettings, theirs = s.resumeSettings
        if mine != theirs || s.config != config {
            let differing = zip(theirs, mine).first { $0.0 != $0.1 }?.0
            let what = differing.map { "\($0.flag) \($0.value)" } ?? "other optimiser settings"
            throw CheckpointError(path: path, message: "written by a run with \(what); resume with the same settings, or use another --out")
        }
        if let p = s.problem() {
            throw CheckpointError(path: path, message: "training_state has \(p); the file is damaged (use another --out or drop --resume)")
        }
        try Checkpoint.load(path, into: task.checkpointEntries())
        state = s
    }

    /// Runs the remaining epochs (or `stopAfterEpochs` of them); returns the state.
    @discardableResult
    public func run() throws -> RunState {
        stopReason = nil
        let steps = task.stepsPerEpoch
        let first = state.epochsCompleted
        let last = min(config.epochs, stopAfterEpochs.map { first + $0 } ?? Int.max)
        var epoch = first
        while epoch < last {
            reseedDropout(epoch: epoch)
            var batches = task.batches(epoch: epoch, dataParallel: dataParallel)
            var record = try trainer.trainEpoch(epoch, batches: &batches, steps: steps, schedule: config.schedule,
                                                firstGlobalStep: state.globalStep, report: onStep)
            dataParallel?.averageRunningStatistics(task.network)
            try task.evaluate(epoch: epoch, isLast: epoch == config.epochs - 1, record: &record, dataParallel: dataParallel)
            try task.finishEpoch(record, state: &state, directory: writingDirectory)
            state.epochsCompleted = epoch + 1
            state.globalStep += steps
            state.history.append(record)
            try save()
            onEpoch?(record)
            epoch += 1
            if epoch < config.epochs, let reason = shouldStop?() { stopReason = reason; break }
        }
        return state
    }

    /// Dropout masks are not in the checkpoint: each epoch draws them from (seed, epoch, rank,
    /// layer), as the loaders draw order and augmentation from (seed, epoch), so a run resumed
    /// after epoch e masks as an uninterrupted one does. Ranks draw their own masks, so a
    /// data-parallel run with dropout is not the one-process run.
    private func reseedDropout(epoch: Int) {
        for (i, d) in task.network.layers(of: Dropout.self).enumerated() {
            var g = RNG(seed: config.seed ^ 0x6472_6F70_6F75_7400)   // "dropout"
            for v in [epoch, dataParallel?.rank ?? 0, i] { g = RNG(seed: g.next() ^ UInt64(v)) }
            d.rng = g
        }
    }

    private func save() throws {
        guard let dir = writingDirectory else { return }
        var meta = try task.metadata()
        meta["task"] = Task.kind
        meta["training_state"] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try Checkpoint.save(task.checkpointEntries(), metadata: meta, to: DataFile.join(dir, Self.checkpointName))
        try writeJSON(task.metrics(state), to: DataFile.join(dir, Self.metricsName))
    }
}

public struct RunError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
