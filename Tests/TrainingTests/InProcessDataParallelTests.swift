import Datasets
import Foundation
import Metrics
import NN
import Search
import Tensor
import TestSupport
import Testing
import Training

/// Data-parallel training with the ranks as threads of this process (`Communicator.inProcess`),
/// the in-process twin of `MPITrainingTests`: N ranks × a shard of every batch must take the steps
/// one process takes on the whole batch, end with bit-identical weights on every rank, and leave
/// the files of rank 0 alone.
///
/// Tolerances. The ranks' weights are compared with one process's (`.single`, same global batch)
/// both as the MPI tests do (max |Δ| over max |w|, ≤ 1e-4) and against how far training moved them
/// (max |Δ| over max |w − w₀|, ≤ 2e-3). The legitimate difference is rounding — a shard's GEMM
/// sums in another order, the ranks' gradients are added in rank order after backward — amplified
/// over a few steps: measured 1e-6 to 4e-4 of the update. A missing rank or a batch-norm statistic
/// over one shard errs by a fraction of order 1 of the update; even the smallest scaling error,
/// every rank's gradient weighted 1/N instead of its share of uneven shards (13/13/14), gives 8e-3
/// here and 0.1 in the face run. Learning rates
/// are small and runs short for the reason given in `MPITrainingTests`: ReLU/PReLU kinks and
/// AdaFace's clipped margin turn a last-bit difference into another branch, after which one
/// process at 1 thread and at 2 threads part too.
@Suite(.serialized) struct InProcessDataParallelTests {
    // MARK: Classification

    /// 28×28 grey images whose class (of 4) is their brightness, with noise and a bright square
    /// placed by class, so the loss falls over the run instead of sitting at chance.
    static func grey(_ n: Int, seed: UInt64) -> ClassificationDataset {
        var rng = RNG(seed: seed)
        var images = [UInt8](repeating: 0, count: n * 784), labels = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let c = Int(rng.next() % 4)
            labels[i] = Int32(c)
            for j in 0..<784 { images[i * 784 + j] = UInt8(max(0, min(255, Float(c * 40 + 40) + rng.uniform(-30, 30)))) }
            for y in 0..<6 { for x in 0..<6 { images[i * 784 + (4 + 5 * c + y) * 28 + 4 + x] = 250 } }
        }
        return ClassificationDataset(name: "grey", images: images, labels: labels, channels: 1, height: 28, width: 28, classes: 4)
    }

    /// 213 images in batches of 40: five full batches (shards 20/20 and 13/13/14) and a last batch
    /// of 13 (6/7 and 4/4/5), so the ranks' gradient scales differ.
    static let train = grey(213, seed: 1)
    /// Scored in batches of 30: the last batch of 1 image has fewer rows than ranks, which a sharded
    /// batch loader drops.
    static let test = grey(61, seed: 2)

    static func classificationOptions(out: String?) -> ClassificationTask.Options {
        let a = Architecture(inChannels: 1, classes: 4, inputSize: 28, depth: 4, width: 8,
                             ops: [.separable, .standard, .separable, .standard], kernels: [3, 5, 3, 3])
        var o = ClassificationTask.Options(data: DataSpec(kind: .fashionMNIST, path: "/in-memory/grey"), architecture: a,
                                           config: .classification(epochs: 2, lr: 0.005, batchSize: 40, seed: 3), outputDirectory: out)
        o.testBatchSize = 30
        return o
    }

    struct Outcome: Sendable {
        var weights: Snapshot
        var history: [EpochRecord]
        var replicaChecks: Int
        var ranks: Int
    }

    static func classificationOutcome(ranks: Int, directory: (Int) -> String?) throws -> (single: Outcome, ranks: [Outcome], start: Snapshot) {
        let single = try ClassificationRun(classificationOptions(out: directory(-1)), train: train, test: test)
        let start = Snapshot(single.task.checkpointEntries())
        try single.run()
        let one = Outcome(weights: Snapshot(single.task.checkpointEntries()), history: single.state.history, replicaChecks: 0, ranks: 1)
        let dirs = (0..<ranks).map(directory)
        let outs = try runRanks(ranks) { r, comm in
            var o = Self.classificationOptions(out: dirs[r])
            o.control.communicator = comm
            o.control.syncBatchNorm = true
            o.control.verifyReplicas = true
            let run = try ClassificationRun(o, train: Self.train, test: Self.test)
            try run.run()
            return Outcome(weights: Snapshot(run.task.checkpointEntries()), history: run.state.history,
                           replicaChecks: run.dataParallel?.replicaChecks ?? 0, ranks: run.dataParallel?.size ?? 1)
        }
        return (one, outs, start)
    }

    @Test(arguments: [2, 3]) func classificationRanksMatchOneProcess(ranks: Int) throws {
        let dir = temporaryDirectory("dp-classify-\(ranks)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Each rank names its own folder: rank 0 must fill it, and the others' must never come into
        // being, which shows they wrote nothing (in a shared folder their bit-identical files would
        // be indistinguishable from rank 0's).
        func folder(_ r: Int) -> String { r < 0 ? dir + "/single" : dir + "/rank\(r)" }
        let (single, outs, start) = try Self.classificationOutcome(ranks: ranks, directory: folder)

        let steps = 2 * 6
        for (r, o) in outs.enumerated() {
            #expect(o.ranks == ranks)
            #expect(o.replicaChecks == steps, "rank \(r) checked its replica after \(o.replicaChecks) steps")
            #expect(o.weights == outs[0].weights, "rank \(r)'s weights differ from rank 0's")
            #expect(o.history.map(\.trainLoss) == outs[0].history.map(\.trainLoss))
        }
        for r in 1..<ranks { #expect(!FileManager.default.fileExists(atPath: folder(r)), "rank \(r) created its --out") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder(0)).sorted() == ["checkpoint.safetensors", "metrics.json"])
        #expect(try Snapshot(file: folder(0) + "/checkpoint.safetensors") == outs[0].weights)

        let w = Distance(single.weights, outs[0].weights, start: start) { !Snapshot.isState($0) }
        let s = Distance(single.weights, outs[0].weights, start: start, include: Snapshot.isState)
        let (l1, lN) = (single.history.map(\.trainLoss), outs[0].history.map(\.trainLoss))
        print("in-process classify \(ranks) ranks: weights \(w); BN statistics \(s); train loss \(l1) vs \(lN) (relative \(relativeDifference(l1, lN))); test accuracy \(single.history.map { $0.testAccuracy! }) vs \(outs[0].history.map { $0.testAccuracy! })")
        #expect(w.tensors >= 12 && w.maxUpdate > 1e-3)
        #expect(w.maxRelative <= 1e-4 && w.updateRelative <= 2e-3)
        #expect(s.tensors >= 8 && s.maxRelative <= 1e-4)
        #expect(lN.count == 2 && relativeDifference(l1, lN) <= 1e-5)
        // Every image of the epoch counted once over the ranks, the same way one process counts it.
        #expect(outs[0].history.map(\.images) == single.history.map(\.images) && single.history.map(\.images) == [213, 213])
        #expect(zip(single.history, outs[0].history).allSatisfy { abs($0.trainAccuracy - $1.trainAccuracy) <= 1.0 / 213 })
        // The test split is scored in shards and the counts summed: all 61 images, each once, so
        // the accuracy is a count over 61 (not over 60), within one image of one process's.
        for (a, b) in zip(single.history, outs[0].history) {
            let (ca, cb) = (a.testAccuracy! * 61, b.testAccuracy! * 61)
            #expect(abs(cb - cb.rounded()) < 1e-9 && abs(ca - cb) <= 1, "test accuracy \(a.testAccuracy!) vs \(b.testAccuracy!)")
        }
        #expect(single.history.last!.trainLoss < single.history.first!.trainLoss)
    }

    // MARK: Face

    /// 20 people × 6 photos at 32×32 (14 training identities, 84 images; the runs take the first 40).
    static let faceData: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-dp-face-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        _ = try! writeSyntheticDataset(SyntheticDatasetOptions(identities: 20, imagesPerIdentity: 6, size: 32, seed: 6,
                                                               unalignedPerIdentity: 0, poseShotsPerIdentity: 2), to: dir)
        return dir
    }()

    /// An IR net with standard and separable, 3×3 and 5×5 convs, an AdaFace head (its feature-norm
    /// statistics are taken over the global batch), AdaFace's augmentations, batches of 20 (shards
    /// 10/10 and 6/7/7): 2 epochs × 2 steps at lr 0.002. Measured against one process: 8e-8
    /// max-relative for 2 and 3 ranks. Twice the steps at lr 0.005 part by 4.6e-4, equally at 1 and
    /// 2 threads and for 2 and 3 ranks, with the first step's loss still equal to 4e-9 and a jump
    /// at step 4: one branch of AdaFace's clipped margin or a PReLU taken differently, not drift.
    static func faceOptions(out: String?) -> FaceTrainingTask.Options {
        let arch = Architecture(irStages: [1, 1, 1, 1], width: 8, inputSize: 32, embeddingSize: 16, dropout: 0,
                                ops: [.standard, .standard, .standard, .standard, .standard, .standard, .separable, .separable],
                                kernels: [3, 3, 5, 3, 3, 5, 3, 3])
        var o = FaceTrainingTask.Options(dataDescription: "synth:dp", architecture: arch, margin: .adaFace(),
                                         config: .face(epochs: 2, lr: 0.002, batchSize: 20, seed: 7))
        o.trainIndices = Array(0..<40)
        o.control = RunControl(outputDirectory: out)
        return o
    }

    static func faceSource() throws -> RecordIOReader { try RecordIOReader(directory: DataFile.join(faceData, "train")) }

    static func faceEntries(_ run: FaceTrainingRun) -> CheckpointEntries { run.task.checkpointEntries() }

    @Test(arguments: [2, 3]) func faceRanksMatchOneProcess(ranks: Int) throws {
        let dir = temporaryDirectory("dp-face-\(ranks)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let single = try FaceTrainingRun(Self.faceOptions(out: dir + "/single"), source: Self.faceSource())
        #expect(single.trainIndices.count == 40 && single.task.stepsPerEpoch == 2)
        let start = Snapshot(Self.faceEntries(single))
        try single.run()
        let one = Snapshot(Self.faceEntries(single))

        // All ranks are given one folder, as `mpirun … --out DIR` gives them.
        let shared = dir + "/ranks"
        let outs = try runRanks(ranks) { r, comm in
            var o = Self.faceOptions(out: shared)
            o.control.communicator = comm
            o.control.syncBatchNorm = true
            o.control.verifyReplicas = true
            let run = try FaceTrainingRun(o, source: Self.faceSource())
            try run.run()
            return Outcome(weights: Snapshot(Self.faceEntries(run)), history: run.state.history,
                           replicaChecks: run.dataParallel?.replicaChecks ?? 0, ranks: run.dataParallel?.size ?? 1)
        }
        for (r, o) in outs.enumerated() {
            #expect(o.ranks == ranks && o.replicaChecks == 4)
            #expect(o.weights == outs[0].weights, "rank \(r)'s weights or head statistics differ from rank 0's")
        }
        // Exactly rank 0's files, no temporary left from a second writer, holding rank 0's model.
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared).sorted()
                == ["best.safetensors", "checkpoint.safetensors", "metrics.json"])
        #expect(try Snapshot(file: shared + "/checkpoint.safetensors") == outs[0].weights)
        let metrics = try JSONDecoder().decode(RunState.self, from: Data(contentsOf: URL(fileURLWithPath: shared + "/metrics.json")))
        #expect(metrics.history == outs[0].history && metrics.epochsCompleted == 2)

        let w = Distance(one, outs[0].weights, start: start) { !Snapshot.isState($0) }
        let s = Distance(one, outs[0].weights, start: start, include: Snapshot.isState)
        let (l1, lN) = (single.state.history.map(\.trainLoss), outs[0].history.map(\.trainLoss))
        print("in-process face \(ranks) ranks: weights \(w); BN and AdaFace statistics \(s); train loss \(l1) vs \(lN) (relative \(relativeDifference(l1, lN)))")
        #expect(w.tensors >= 30 && w.maxUpdate > 1e-3)
        #expect(w.maxRelative <= 1e-4 && w.updateRelative <= 2e-3)
        #expect(s.tensors >= 10 && s.maxRelative <= 1e-4)
        #expect(lN.count == 2 && relativeDifference(l1, lN) <= 1e-5)
        #expect(outs[0].history.map(\.images) == [40, 40] && single.state.history.map(\.images) == [40, 40])
    }
}
