import Foundation
import NN
import Tensor

/// What a running search reports, for progress displays.
public enum SearchEvent {
    /// The journal already held `records` candidates (a resumed search); `droppedTornLine` is a
    /// torn last line that was cut off.
    case resumed(records: Int, droppedTornLine: Int?)
    /// Training of a candidate begins (or continues from its checkpoint after `resumedEpochs`).
    case started(Candidate, params: Int, resumedEpochs: Int)
    case step(Candidate, StepReport)
    case epoch(Candidate, EpochRecord)
    /// A candidate was decided; `replayed` when its score was read back from the journal.
    case decided(SearchRecord, replayed: Bool)
}

/// A search as the command line runs it: the macro–micro strategy, fed by the journal (finished
/// candidates are read back, not retrained), then by recorded scores or by training, with every
/// decision appended to `search.jsonl` and the architectures written at the end.
public final class SearchRun {
    public let configuration: SearchConfiguration
    public let space: any SearchSpace
    public let directory: String
    public let journal: SearchJournal
    /// Stop (cleanly, best-so-far written) before training past this many seconds of this invocation.
    public var maxSeconds: Double?
    /// Stop before scoring candidate number `maxCandidates + 1`, journal included.
    public var maxCandidates: Int?
    public var onEvent: ((SearchEvent) -> Void)?
    /// All decided candidates of the search, in order (replayed ones included).
    public private(set) var records: [SearchRecord] = []

    private let trainer: (any CandidateScorer)?
    public let communicator: Communicator
    private var scores: RecordedScores?
    private let started = Date()

    public static let journalName = "search.jsonl"
    public static let bestArchName = "best-arch.json"
    public static let macroArchName = "macro-arch.json"

    /// `trainer` scores candidates unless `configuration.scores` names a recorded-scores file.
    /// `communicator`: the job this process is a rank of (rank 0 writes the journal; every rank
    /// decides from rank 0's scores and clock).
    public init(configuration: SearchConfiguration, space: any SearchSpace, directory: String, trainer: (any CandidateScorer)?,
                communicator: Communicator = .single) throws {
        self.communicator = communicator
        if let p = configuration.rules.problem() { throw SearchFileError(p) }
        self.configuration = configuration; self.space = space; self.directory = directory; self.trainer = trainer
        if let s = configuration.scores { scores = try RecordedScores(path: s) }
        guard scores != nil || trainer != nil else { throw SearchFileError("a search needs --data to train candidates, or --scores FILE") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Data-parallel: rank 0 creates or repairs the journal; the others read it once it has.
        let world = communicator, path = (directory as NSString).appendingPathComponent(Self.journalName)
        if !world.isRoot { world.barrier() }
        journal = try SearchJournal(path: path, configuration: configuration, writable: world.isRoot)
        if world.isRoot { world.barrier() }
    }

    public func run() throws -> SearchOutcome {
        if !journal.existing.isEmpty || journal.droppedTornLine != nil {
            onEvent?(.resumed(records: journal.existing.count, droppedTornLine: journal.droppedTornLine))
        }
        records = []
        var pending: SearchRecord?
        var replayed = false
        trainer?.shouldStop = { [weak self] in self?.timeUp }
        trainer?.onStart = { [weak self] c, resumed in
            guard let self else { return }
            onEvent?(.started(c, params: space.parameterCount(c.architecture), resumedEpochs: resumed))
        }
        trainer?.onStep = { [weak self] c, r in self?.onEvent?(.step(c, r)) }
        trainer?.onEpoch = { [weak self] c, e in self?.onEvent?(.epoch(c, e)) }

        let search = MacroMicroSearch(space: space, rules: configuration.rules)
        let outcome = try search.run(oracle: { [self] c in
            if c.index < journal.existing.count {
                let r = journal.existing[c.index]
                guard r.key == CandidateKey(c) else {
                    throw SearchFileError("\(journal.path): line \(journal.existingLines[c.index]) records \(r.key), but candidate \(c.index + 1) of this search is \(CandidateKey(c)); the journal belongs to another search (use another --out)")
                }
                pending = r; replayed = true
                return r.score
            }
            if let m = maxCandidates, c.index >= m { throw SearchStopped(reason: "--max-candidates \(m) reached") }
            if let reason = timeUp { throw SearchStopped(reason: reason) }
            var r: SearchRecord
            if scores != nil {
                let found = try scores!.record(for: c)
                r = SearchRecord(depth: found.depth, width: found.width, ops: found.ops, kernels: found.kernels,
                                 epochs: found.epochs, trainAccuracy: found.trainAccuracy, accuracy: found.accuracy)
                r.epochAccuracies = found.epochAccuracies; r.epochTrainAccuracies = found.epochTrainAccuracies
                r.seconds = found.seconds ?? 0
                r.source = "scores"
            } else {
                r = try trainer!.train(c, directory: candidateDirectory(c.index))
                // Every rank decides from rank 0's score, so the ranks never take different paths.
                let world = communicator
                if world.isDistributed {
                    let v = world.broadcast([Double(r.accuracy), Double(r.trainAccuracy)])
                    r.accuracy = Float(v[0]); r.trainAccuracy = Float(v[1])
                }
            }
            r.index = c.index; r.phase = c.phase
            r.params = space.parameterCount(c.architecture)
            r.paramsM = Double(r.params!) / 1e6
            r.macs = space.macs(c.architecture)
            r.seed = configuration.seed; r.subset = configuration.subset
            pending = r; replayed = false
            return r.score
        }, observer: { [self] c, _, decision in
            guard var r = pending else { return }
            pending = nil
            r.decision = decision
            if !replayed {
                try journal.append(r)
                if communicator.isRoot { try? FileManager.default.removeItem(atPath: candidateDirectory(c.index)) }
            }
            records.append(r)
            onEvent?(.decided(r, replayed: replayed))
        })
        if communicator.isRoot {
            try outcome.architecture.save((directory as NSString).appendingPathComponent(Self.bestArchName))
            try outcome.macroArchitecture.save((directory as NSString).appendingPathComponent(Self.macroArchName))
        }
        return outcome
    }

    /// Seconds since this invocation started.
    public var elapsed: Double { Date().timeIntervalSince(started) }

    /// Rank 0's clock decides for every rank (a collective when `maxSeconds` is set).
    private var timeUp: String? {
        guard let m = maxSeconds, communicator.broadcast([elapsed])[0] >= m else { return nil }
        return String(format: "--max-hours %g reached", m / 3600)
    }

    private func candidateDirectory(_ index: Int) -> String {
        (directory as NSString).appendingPathComponent(String(format: "candidates/%04d", index + 1))
    }
}
