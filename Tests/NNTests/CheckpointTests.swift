import TestSupport
import Foundation
import NN
import Tensor
import Testing

@Suite struct CheckpointTests {
    func network(seed: UInt64) -> Sequential {
        var rng = RNG(seed: seed)
        let conv = Conv2D(2, 4, kernel: 3)
        conv.initialize(.pytorchDefault, rng: &rng)
        let fc = Linear(4, 3)
        fc.initialize(.pytorchDefault, rng: &rng)
        return Sequential([conv, BatchNorm(channels: 4), PReLU(channels: 4), GlobalAvgPool(), fc])
    }

    /// Weights, running statistics and momentum buffers survive a save/load exactly; a network
    /// of another shape is refused with the tensor named.
    @Test func roundTripRestoresEverything() throws {
        let a = network(seed: 1)
        let trainer = ClassifierTrainer(network: a, config: TrainingConfig(epochs: 1, batchSize: 4, schedule: .cosine(0.1, epochs: 1)))
        let x = randomTensor([4, 2, 5, 5], seed: 2)
        _ = trainer.step(x, labels: [0, 1, 2, 1], lr: 0.1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-ckpt-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/c.safetensors"
        try Checkpoint.save(a, metadata: ["note": "x"], to: path)

        let b = network(seed: 99)
        let meta = try Checkpoint.load(path, into: b)
        #expect(meta["note"] == "x")
        #expect(meta[Checkpoint.formatKey] == Checkpoint.formatValue)
        for ((n1, p1), (_, p2)) in zip(a.namedParameters(), b.namedParameters()) {
            #expect(p1.value.array == p2.value.array, "\(n1)")
            #expect(p1.momentum?.array == p2.momentum?.array, "\(n1) momentum")
        }
        for ((n1, t1), (_, t2)) in zip(a.namedState(), b.namedState()) { #expect(t1.array == t2.array, "\(n1)") }
        #expect(a.namedState().map { $0.0 }.contains("1.running_var"))

        let other = Sequential([Conv2D(2, 5, kernel: 3)])
        do { try Checkpoint.load(path, into: other); Issue.record("loaded into a different network") } catch {
            #expect("\(error)" == "\(path): tensor model.0.weight has shape [4, 2, 3, 3], the network expects [5, 2, 3, 3]")
        }
    }
}
