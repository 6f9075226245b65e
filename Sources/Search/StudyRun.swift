import Foundation
import Tensor

/// What a running study reports, for progress displays.
public enum StudyEvent {
    case resumed(records: Int, droppedTornLine: Int?)
    case started(StudyJob, index: Int, of: Int)
    case finished(StudyRecord, replayed: Bool)
}

/// A ranking study as the command line runs it: sample the networks, list the trainings (network
/// by network: the reference, then each trained budget, so a study stopped early holds whole
/// networks), read back what the journal holds and train the rest.
///
/// Candidate-parallel: with several ranks, the trainings are dealt out in rounds, rank k taking
/// the round's k-th; after each round the records are summed onto every rank (each rank fills its
/// own slot, the others are zero, so the sum is exact) and rank 0 journals them in job order. The
/// journal is therefore the same whatever the number of ranks, and a study resumes under any.
public final class StudyRun {
    public typealias Trainer = (StudyJob, Architecture, _ directory: String) throws -> StudyRecord

    public let configuration: StudyConfiguration
    public let space: any SearchSpace
    public let directory: String
    public let networks: [Architecture]
    public let budgets: [StudyBudget]
    public let jobs: [StudyJob]
    public let journal: StudyJournal
    public let communicator: Communicator
    public var onEvent: ((StudyEvent) -> Void)?
    /// Every finished training, in job order (replayed ones included).
    public private(set) var records: [StudyRecord] = []
    private let trainer: Trainer

    public static let journalName = "study.jsonl"

    public init(configuration: StudyConfiguration, space: any SearchSpace, directory: String, communicator: Communicator = .single,
                trainer: @escaping Trainer) throws {
        if let p = configuration.problem() { throw StudyError(p) }
        self.configuration = configuration; self.space = space; self.directory = directory
        self.communicator = communicator; self.trainer = trainer
        budgets = try configuration.parsedBudgets()
        networks = try StudySampler.sample(configuration.networks, from: space, bounds: configuration.bounds, seed: configuration.seed)
        jobs = Self.jobs(networks: networks, space: space, budgets: budgets, referenceEpochs: configuration.referenceEpochs)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(Self.journalName)
        if !communicator.isRoot { communicator.barrier() }
        journal = try StudyJournal(path: path, configuration: configuration, writable: communicator.isRoot)
        if communicator.isRoot { communicator.barrier() }
    }

    /// Each network's place when sorted by parameters (ties by sampling order), 0 = fewest.
    public static func parameterRanks(_ networks: [Architecture], space: any SearchSpace) -> [Int] {
        let params = networks.map(space.parameterCount)
        let order = networks.indices.sorted { (params[$0], $0) < (params[$1], $1) }
        var rank = [Int](repeating: 0, count: networks.count)
        for (r, i) in order.enumerated() { rank[i] = r }
        return rank
    }

    public static func jobs(networks: [Architecture], space: any SearchSpace, budgets: [StudyBudget], referenceEpochs: Int) -> [StudyJob] {
        let ranks = parameterRanks(networks, space: space)
        var out: [StudyJob] = []
        for n in networks.indices {
            out.append(StudyJob(network: n, budget: StudyRecord.reference, epochs: referenceEpochs))
            for b in budgets {
                if let e = b.epochs(parameterRank: ranks[n], reference: referenceEpochs) {
                    out.append(StudyJob(network: n, budget: b.description, epochs: e))
                }
            }
        }
        return out
    }

    public func run() throws {
        if !journal.existing.isEmpty || journal.droppedTornLine != nil {
            onEvent?(.resumed(records: journal.existing.count, droppedTornLine: journal.droppedTornLine))
        }
        guard journal.existing.count <= jobs.count else { throw StudyError("\(journal.path): more records than this study has trainings") }
        records = []
        for (i, r) in journal.existing.enumerated() {
            let j = jobs[i]
            guard r.network == j.network, r.budget == j.budget, r.epochs == j.epochs else {
                throw StudyError("\(journal.path): record \(i + 1) is network \(r.network + 1) under \(r.budget), but this study's training \(i + 1) is network \(j.network + 1) under \(j.budget); use another --out")
            }
            records.append(r)
            onEvent?(.finished(r, replayed: true))
        }
        let world = communicator
        var next = records.count
        while next < jobs.count {
            let mine = next + world.rank
            var slots = [Double](repeating: 0, count: world.size * slotSize)
            var finished: String?
            if mine < jobs.count {
                let job = jobs[mine]
                onEvent?(.started(job, index: mine, of: jobs.count))
                let dir = (directory as NSString).appendingPathComponent(String(format: "trainings/%04d", mine + 1))
                var r = try trainer(job, networks[job.network], dir)
                r.rank = world.rank
                encode(r, into: &slots, at: world.rank * slotSize)
                finished = dir
            }
            if world.isDistributed { slots = world.sum(slots) }
            for k in 0..<world.size where next + k < jobs.count {
                let r = decode(slots, at: k * slotSize, job: jobs[next + k])
                try journal.append(r)
                records.append(r)
                onEvent?(.finished(r, replayed: false))
            }
            // Only once the round is journaled (rank 0) is a training's folder no longer needed for a resume.
            if world.isDistributed { world.barrier() }
            if let finished { try? FileManager.default.removeItem(atPath: finished) }
            next += world.size
        }
    }

    /// valid, score, train accuracy, seconds, rank, macs, images, then the reference epochs' scores.
    private var slotSize: Int { 7 + configuration.referenceEpochs }

    private func encode(_ r: StudyRecord, into slots: inout [Double], at o: Int) {
        slots[o] = 1; slots[o + 1] = r.score; slots[o + 2] = r.trainAccuracy; slots[o + 3] = r.seconds
        slots[o + 4] = Double(r.rank); slots[o + 5] = Double(r.macs); slots[o + 6] = Double(r.images)
        for (e, s) in r.epochScores.prefix(configuration.referenceEpochs).enumerated() { slots[o + 7 + e] = s }
    }

    private func decode(_ s: [Double], at o: Int, job: StudyJob) -> StudyRecord {
        StudyRecord(network: job.network, budget: job.budget, epochs: job.epochs, score: s[o + 1], trainAccuracy: s[o + 2],
                    epochScores: Array(s[(o + 7)..<(o + 7 + job.epochs)]), seconds: s[o + 3], rank: Int(s[o + 4]),
                    macs: Int(s[o + 5]), images: Int(s[o + 6]))
    }
}
