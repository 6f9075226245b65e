import Foundation
import NN
import Search
import Tensor
import Testing
import Training

/// `TrainingStep.step` stops on a non-finite loss before the optimiser runs: no weight, momentum
/// buffer or head centre moves, so the run's last good state is what stays in memory and on disk.
@Suite struct TrainingStepTests {
    static func plainNet() -> Sequential {
        var rng = RNG(seed: 9)
        return PlainTemplate.build(Architecture(inChannels: 1, classes: 4, inputSize: 12, depth: 2, width: 4), rng: &rng)
    }

    static func batch(_ n: Int, seed: UInt64, size: Int = 12, channels: Int = 1, poison: Bool = false) -> (Tensor, [Int32]) {
        var rng = RNG(seed: seed)
        let x = Tensor(shape: [n, channels, size, size], values: (0..<(n * channels * size * size)).map { _ in rng.uniform(-1, 1) })
        if poison { x[3] = .nan }
        return (x, (0..<n).map { Int32($0 % 4) })
    }

    /// Weights and momentum buffers as bit patterns (a NaN that got in would not equal itself).
    static func optimiserBits(_ ps: [Parameter]) -> [[UInt32]] {
        ps.map(\.value.array).map { $0.map(\.bitPattern) } + ps.map { ($0.momentum?.array ?? []).map(\.bitPattern) }
    }

    @Test func nonFiniteLossStopsBeforeAnyWeightMoves() throws {
        let step = TrainingStep(network: Self.plainNet(), head: SoftmaxCrossEntropy(), config: .classification(lr: 0.05, batchSize: 8))
        // Two good steps first, so momentum alone would move the weights on a third.
        for k in 0..<2 { let (x, y) = Self.batch(8, seed: UInt64(k)); try step.step(x, labels: y, lr: 0.05) }
        #expect(step.parameters.allSatisfy { $0.momentum != nil })
        let before = Self.optimiserBits(step.parameters)
        let (x, y) = Self.batch(8, seed: 5, poison: true)
        #expect {
            try step.step(x, labels: y, lr: 0.05, epoch: 3, index: 7)
        } throws: { error in
            guard case TrainingError.nonFiniteLoss(3, 7, let loss) = error else { return false }
            return !loss.isFinite
        }
        #expect(Self.optimiserBits(step.parameters) == before)
        // And the same step on a clean batch does move them (the comparison above can fail).
        let (cx, cy) = Self.batch(8, seed: 5)
        try step.step(cx, labels: cy, lr: 0.05)
        #expect(Self.optimiserBits(step.parameters) != before)
    }

    /// The face path: an IR backbone under an AdaFace head, whose centres are parameters too.
    @Test func nonFiniteLossLeavesTheMarginHeadsCentres() throws {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, dropout: 0)
        var rng = RNG(seed: 3)
        let net = NetworkBuilder.build(a, rng: &rng)
        let head = MarginHead(embeddingSize: 8, classes: 4, kind: .adaFace(), centreInit: .unitUniform, rng: &rng)
        let step = TrainingStep(network: net, head: head, config: .face(lr: 0.05, batchSize: 8))
        #expect(step.parameters.last === head.centres)
        let (x, y) = Self.batch(8, seed: 1, size: 16, channels: 3)
        try step.step(x, labels: y, lr: 0.05)
        let before = Self.optimiserBits(step.parameters)
        let (bad, by) = Self.batch(8, seed: 2, size: 16, channels: 3, poison: true)
        #expect(throws: TrainingError.self) { try step.step(bad, labels: by, lr: 0.05) }
        #expect(Self.optimiserBits(step.parameters) == before)
    }

    /// Data-parallel, one rank's NaN makes the global loss NaN: every rank stops at the same step
    /// (none is left waiting in a collective), and no rank's weights move.
    @Test func oneRanksNonFiniteLossStopsEveryRank() throws {
        let outcomes = try runRanks(2, seconds: 120) { r, comm -> (stopped: Bool, unchanged: Bool) in
            let dp = DataParallel(communicator: comm, syncBatchNorm: true)
            dp.verifyReplicas = true
            let step = TrainingStep(network: Self.plainNet(), head: SoftmaxCrossEntropy(), config: .classification(lr: 0.05, batchSize: 8),
                                    dataParallel: dp)
            let (x, y) = Self.batch(4, seed: UInt64(10 + r))
            try step.step(x, labels: y, lr: 0.05)
            let before = Self.optimiserBits(step.parameters)
            let (bad, by) = Self.batch(4, seed: UInt64(20 + r), poison: r == 1)
            var stopped = false
            do { try step.step(bad, labels: by, lr: 0.05) } catch TrainingError.nonFiniteLoss { stopped = true }
            return (stopped, Self.optimiserBits(step.parameters) == before)
        }
        #expect(outcomes.map(\.stopped) == [true, true])
        #expect(outcomes.map(\.unchanged) == [true, true])
    }
}
