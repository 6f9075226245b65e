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
        // One SGD step, so the momentum buffers exist.
        let loss = SoftmaxCrossEntropy(), sgd = SGD(parameters: a.allParameters, momentum: 0.9)
        _ = loss.forward(a.forward(randomTensor([4, 2, 5, 5], seed: 2), training: true), labels: [0, 1, 2, 1])
        _ = a.backward(loss.backward())
        sgd.step(lr: 0.1)
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

    /// A network and a margin head saved as named lists under prefixes, as face training saves
    /// them: the names are the prefixed paths, and everything comes back, the head's AdaFace
    /// statistics included.
    @Test func namedListsHoldANetworkAndAHead() throws {
        var rng = RNG(seed: 3)
        let net = network(seed: 4)
        let head = MarginHead(embeddingSize: 3, classes: 5, kind: .adaFace(), centreInit: .unitUniform, rng: &rng)
        _ = head.forward(randomTensor([4, 3], seed: 5), labels: [0, 1, 4, 2], training: true)
        var entries = CheckpointEntries(net, prefix: "backbone.")
        entries.append(parameters: head.parameters, state: head.state, prefix: "head.")
        #expect(entries.parameters.map(\.name).suffix(1) == ["head.weight"])
        #expect(entries.state.map(\.name).suffix(2) == ["head.batch_mean", "head.batch_std"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-ckpt-named-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/c.safetensors"
        try Checkpoint.save(entries, metadata: [:], to: path)

        var rng2 = RNG(seed: 30)
        let net2 = network(seed: 40)
        let head2 = MarginHead(embeddingSize: 3, classes: 5, kind: .adaFace(), centreInit: .unitUniform, rng: &rng2)
        var entries2 = CheckpointEntries(net2, prefix: "backbone.")
        entries2.append(parameters: head2.parameters, state: head2.state, prefix: "head.")
        try Checkpoint.load(path, into: entries2)
        #expect(head2.centres.value.array == head.centres.value.array)
        #expect(head2.state.map(\.value.array) == head.state.map(\.value.array))
        #expect(net2.allParameters.map(\.value.array) == net.allParameters.map(\.value.array))
        // A backbone-only reader finds its tensors under the same names.
        let net3 = network(seed: 50)
        try Checkpoint.load(path, into: CheckpointEntries(net3, prefix: "backbone."), optimizerState: false)
        #expect(net3.allParameters.map(\.value.array) == net.allParameters.map(\.value.array))
    }
}
