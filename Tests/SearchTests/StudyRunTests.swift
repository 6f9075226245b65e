import Foundation
import Search
import Tensor
import Testing

/// The ranking study's plan, journal, resume and candidate-parallel rounds, with a stand-in
/// trainer whose score is a fixed function of the network and its epochs (issue 21).
@Suite struct StudyRunTests {
    static let space = PlainSpace(inChannels: 1, classes: 10, inputSize: 28)

    static func configuration(networks: Int = 6, budgets: [String] = ["epochs:1", "params", "dynamic:1:0.5"]) throws -> StudyConfiguration {
        StudyConfiguration(space: .plain, data: "fashion-mnist:/nowhere", inChannels: 1, classes: 10, inputSize: 28, networks: networks,
                           referenceEpochs: 4, budgets: try budgets.map { try StudyBudget(parsing: $0) },
                           bounds: StudyBounds(minDepth: 3, maxDepth: 8, minWidth: 8, maxWidth: 24, widthStep: 2), seed: 5,
                           subset: 100, heldoutFraction: 0.1, learningRate: 0.025, batchSize: 32)
    }

    /// Deterministic, tie-free scores that depend on the network and the epochs.
    static func fakeTrainer(failAfter: Int? = nil) -> StudyRun.Trainer {
        let count = Counter()
        return { job, a, _ in
            if let f = failAfter, count.next() >= f { throw StudyError("killed") }
            let p = Double(space.parameterCount(a) % 1009)
            return StudyRecord(network: job.network, budget: job.budget, epochs: job.epochs, score: 50 + p / 100 + Double(job.epochs) / 3,
                               trainAccuracy: 60, epochScores: (0..<job.epochs).map { 40 + Double($0) }, seconds: 1.5, rank: 0,
                               macs: ArchitectureSummary.macs(a), images: 100)
        }
    }

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString)").path
    }

    static func journalLines(_ dir: String) throws -> [String] {
        try String(contentsOfFile: dir + "/study.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func budgetsParseToCanonicalNamesAndEpochs() throws {
        #expect(try StudyBudget(parsing: "dynamic").description == "dynamic:1:0.5")
        #expect(try StudyBudget(parsing: "epochs:2+size:56").description == "size:56+epochs:2")
        let d = try StudyBudget(parsing: "dynamic:2:0.25")
        #expect((0..<6).map { d.epochs(parameterRank: $0, reference: 9)! } == [2, 2, 2, 2, 3, 3])
        #expect(StudyBudget.params.epochs(parameterRank: 3, reference: 9) == nil)
        #expect(try StudyBudget(parsing: "identities:40").epochs(parameterRank: 0, reference: 9) == 9)
    }

    @Test func badSettingsAreOneLineProblems() throws {
        #expect(try Self.configuration(networks: 2).problem() == "--networks 2: a rank correlation needs at least 3 networks")
        #expect(try Self.configuration(budgets: ["epochs:5"]).problem() == "budget epochs:5: 5 epochs is longer than the reference's 4")
        #expect(try Self.configuration(networks: 8, budgets: ["dynamic:1:0.5"]).problem()
                == nil)
        #expect(try Self.configuration(networks: 10, budgets: ["dynamic:1:0.5"]).problem()
                == "budget dynamic:1:0.5: its last network trains 5 epochs, longer than the reference's 4")
        #expect(throws: StudyError.self) { try StudyBudget(parsing: "fast") }
        #expect((try? StudyBudget(parsing: "epochs:x")) == nil)
        #expect(try Self.configuration(budgets: ["size:56"]).problem() == "budget size:56: size, identities and images are face proxies (--space ir)")
    }

    @Test func samplingIsSeededDistinctAndWithinBounds() throws {
        let c = try Self.configuration(networks: 12)
        let a = try StudySampler.sample(12, from: Self.space, bounds: c.bounds, seed: 5)
        #expect(a == (try StudySampler.sample(12, from: Self.space, bounds: c.bounds, seed: 5)))
        #expect(a != (try StudySampler.sample(12, from: Self.space, bounds: c.bounds, seed: 6)))
        #expect(Set(a.map { try! $0.jsonString() }).count == 12)
        #expect(a.allSatisfy { (3...8).contains($0.depth) && (8...24).contains($0.width) && $0.width % 2 == 0 && $0.kernels.allSatisfy { [3, 5].contains($0) } })
        #expect(Set(a.flatMap(\.ops)).count == 2)
    }

    @Test func jobsGoNetworkByNetworkAndDynamicFollowsParameterOrder() throws {
        let c = try Self.configuration()
        let run = try StudyRun(configuration: c, space: Self.space, directory: Self.directory(), trainer: Self.fakeTrainer())
        #expect(run.jobs.count == 6 * 3)
        #expect(run.jobs.prefix(3).map(\.budget) == ["reference", "epochs:1", "dynamic:1:0.5"])
        let ranks = StudyRun.parameterRanks(run.networks, space: Self.space)
        for j in run.jobs where j.budget.hasPrefix("dynamic") { #expect(j.epochs == 1 + ranks[j.network] / 2) }
    }

    /// A study stopped after 7 trainings (and with a torn line appended), then rerun, ends with
    /// the journal an uninterrupted study writes.
    @Test func resumedStudyEndsWithTheSameJournal() throws {
        let c = try Self.configuration()
        let whole = Self.directory(), cut = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: whole); try? FileManager.default.removeItem(atPath: cut) }
        try StudyRun(configuration: c, space: Self.space, directory: whole, trainer: Self.fakeTrainer()).run()
        #expect(throws: StudyError.self) {
            try StudyRun(configuration: c, space: Self.space, directory: cut, trainer: Self.fakeTrainer(failAfter: 7)).run()
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: cut + "/study.jsonl"))
        h.seekToEndOfFile(); h.write(Data("{\"network\":3,\"bud".utf8)); h.closeFile()
        let resumed = try StudyRun(configuration: c, space: Self.space, directory: cut, trainer: Self.fakeTrainer())
        #expect(resumed.journal.existing.count == 7 && resumed.journal.droppedTornLine == 9)
        try resumed.run()
        #expect(try Self.journalLines(cut) == (try Self.journalLines(whole)))
        var other = c
        other.referenceEpochs = 3
        #expect(throws: StudyError.self) { try StudyRun(configuration: other, space: Self.space, directory: cut, trainer: Self.fakeTrainer()) }
    }

    /// Two in-process ranks deal the trainings out; rank 0's journal equals one process's apart
    /// from the `rank` field, and every training ran exactly once.
    @Test func twoRanksWriteTheSingleProcessJournal() throws {
        let c = try Self.configuration(networks: 5)
        let single = Self.directory(), parallel = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: single); try? FileManager.default.removeItem(atPath: parallel) }
        try StudyRun(configuration: c, space: Self.space, directory: single, trainer: Self.fakeTrainer()).run()
        let comms = Communicator.inProcess(ranks: 2)
        let group = DispatchGroup()
        let errors = Counter()
        for r in 0..<2 {
            group.enter()
            let t = Thread {
                do { try StudyRun(configuration: c, space: Self.space, directory: parallel, communicator: comms[r], trainer: Self.fakeTrainer()).run() } catch { _ = errors.next() }
                group.leave()
            }
            t.stackSize = 16 << 20
            t.start()
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(errors.value == 0)
        let decode = { (l: String) in try JSONDecoder().decode(StudyRecord.self, from: Data(l.utf8)) }
        let a = try Self.journalLines(single).dropFirst().map(decode), b = try Self.journalLines(parallel).dropFirst().map(decode)
        #expect(a.count == 15 && b.count == 15)
        #expect(Set(b.map(\.rank)) == [0, 1])
        #expect(zip(a, b).allSatisfy { x, y in var y = y; y.rank = 0; return x == y })
    }
}

/// A thread-safe counter for the stand-in trainer.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n - 1 }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
