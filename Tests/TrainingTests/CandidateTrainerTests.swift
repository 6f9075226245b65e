import Training
import Datasets
import Foundation
import Search
import Tensor
import Testing

@Suite struct CandidateTrainerTests {
    /// 28×28 grey images whose class is their brightness, so two epochs learn something.
    static func data(_ n: Int, seed: UInt64) -> ClassificationDataset {
        var rng = RNG(seed: seed)
        var images = [UInt8](repeating: 0, count: n * 784), labels = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let c = i % 4
            labels[i] = Int32(c)
            for j in 0..<784 { images[i * 784 + j] = UInt8(max(0, min(255, Float(c * 60 + 20) + rng.uniform(-15, 15)))) }
        }
        return ClassificationDataset(name: "grey", images: images, labels: labels, channels: 1, height: 28, width: 28, classes: 4)
    }

    static func config(_ rank: RankingSplit) -> SearchConfiguration {
        SearchConfiguration(space: .plain, inChannels: 1, classes: 4, inputSize: 28, rules: SearchRules(maxWidth: 4),
                            seed: 1, subset: 60, rankOn: rank, heldoutFraction: 0.25, data: "fashion-mnist:/none")
    }

    @Test func heldOutSplitIsBalancedAndDisjoint() throws {
        let train = Self.data(200, seed: 1), test = Self.data(40, seed: 2)
        let t = try CandidateTrainer(data: DataSpec(kind: .fashionMNIST, path: "/none"), train: train, test: test, configuration: Self.config(.heldout))
        #expect(t.ranking.count == 50 && t.pool.count == 150)
        #expect(t.ranking.classCounts.sorted() == [12, 12, 13, 13])
        #expect(zip(t.ranking.classCounts, t.pool.classCounts).allSatisfy { $0 + $1 == 50 })
        let r = try CandidateTrainer(data: DataSpec(kind: .fashionMNIST, path: "/none"), train: train, test: test, configuration: Self.config(.test))
        #expect(r.ranking == test && r.pool == train)
    }

    /// A stop requested after an epoch leaves the candidate's checkpoint; training it again
    /// continues from there and scores exactly as an uninterrupted candidate.
    @Test func stoppedCandidateContinuesToTheSameScore() throws {
        let spec = DataSpec(kind: .fashionMNIST, path: "/none")
        let train = Self.data(200, seed: 1), test = Self.data(40, seed: 2)
        let space = PlainSpace(inChannels: 1, classes: 4, inputSize: 28)
        let c = Candidate(index: 0, phase: .depth, architecture: space.macroArchitecture(depth: 3, width: 4), epochs: 3)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-cand-\(getpid())").path
        try? FileManager.default.removeItem(atPath: base)

        let whole = try CandidateTrainer(data: spec, train: train, test: test, configuration: Self.config(.heldout))
        let expected = try whole.train(c, directory: base + "/whole")

        let stopping = try CandidateTrainer(data: spec, train: train, test: test, configuration: Self.config(.heldout))
        stopping.shouldStop = { "time" }
        #expect(throws: SearchStopped.self) { try stopping.train(c, directory: base + "/split") }
        #expect(FileManager.default.fileExists(atPath: base + "/split/checkpoint.safetensors"))
        let resumed = try CandidateTrainer(data: spec, train: train, test: test, configuration: Self.config(.heldout))
        let got = try resumed.train(c, directory: base + "/split")
        #expect(got.epochAccuracies == expected.epochAccuracies && got.accuracy == expected.accuracy)
        #expect(got.epochAccuracies?.count == 3 && got.accuracy == got.epochAccuracies!.max())
        #expect(got.trainAccuracy == expected.trainAccuracy && got.subset == 60)
    }
}
