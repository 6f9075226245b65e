import Datasets
import Foundation
import NN
import Tensor
import Testing

/// Real interruptions and other data kinds through the command line.
@Suite(.serialized) struct InterruptionTests {
    static func weights(_ path: String) throws -> [String: [Float]] {
        try Safetensors.read(path).tensors.mapValues { $0.array }
    }

    /// SIGKILL during the second epoch, then `--resume`: the run finishes with the same weights
    /// as an uninterrupted one, and the checkpoint left by the killed process is intact.
    @Test func killedTrainingResumesToTheSameWeights() throws {
        let common = ["train", "--data", "fashion-mnist:\(CLI.fashionMNIST)", "--depth", "5", "--width", "12",
                      "--epochs", "3", "--limit-train", "6000", "--seed", "5", "--std-layers", "1", "--k5-layers", "3"]
        let whole = CLI.temporaryDirectory("whole"), killed = CLI.temporaryDirectory("killed")
        let w = try CLI.run(common + ["--out", whole])
        #expect(w.status == 0, "\(w.stderr)")

        let p = try CLI.start(common + ["--out", killed])
        // Wait for the first epoch's checkpoint, then kill somewhere inside the second epoch.
        let ckpt = killed + "/checkpoint.safetensors"
        CLI.wait(for: p, seconds: 120) { FileManager.default.fileExists(atPath: ckpt) }
        usleep(300_000)
        #expect(p.isRunning, "the run finished before it could be interrupted")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let meta = try Safetensors.readMetadata(ckpt)   // intact after the kill
        #expect(meta["training_state"]?.contains("\"epochs_completed\":1") == true || meta["training_state"]?.contains("\"epochs_completed\":2") == true)

        let r = try CLI.run(common + ["--out", killed, "--resume"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("resuming after epoch"))
        let a = try Self.weights(whole + "/checkpoint.safetensors"), b = try Self.weights(ckpt)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in a { #expect(v == b[k], "\(k) differs after kill and resume") }
    }

    /// A 3-channel data set in CIFAR-10's binary layout, written by our writer, trains and evaluates.
    @Test func cifar10FolderTrainsAndEvaluates() throws {
        let dir = CLI.temporaryDirectory("cifar")
        var rng = RNG(seed: 1)
        func make(_ n: Int) -> ClassificationDataset {
            // Each class is a distinct colour plus noise, so a tiny net learns it in one epoch.
            var images = [UInt8](repeating: 0, count: n * 3072), labels = [Int32](repeating: 0, count: n)
            for i in 0..<n {
                let c = i % 10
                labels[i] = Int32(c)
                for ch in 0..<3 {
                    let base = Float((c * (ch + 3) * 37) % 256)
                    for j in 0..<1024 { images[i * 3072 + ch * 1024 + j] = UInt8(max(0, min(255, base + rng.uniform(-20, 20)))) }
                }
            }
            return ClassificationDataset(name: "cifar10", images: images, labels: labels, channels: 3, height: 32, width: 32,
                                         classes: 10, classNames: (0..<10).map { "c\($0)" })
        }
        try saveClassification(train: make(600), test: make(200), to: DataSpec(kind: .cifar10, path: dir + "/data"))
        let out = dir + "/run"
        let r = try CLI.run(["train", "--data", "cifar10:\(dir)/data", "--depth", "3", "--width", "8", "--epochs", "2",
                             "--lr", "0.1", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("3x32x32"))
        let e = try CLI.run(["evaluate", "--model", out + "/checkpoint.safetensors", "--data", "cifar10:\(dir)/data"])
        #expect(e.status == 0, "\(e.stderr)")
        let acc = Double(e.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(acc > 0.5, "colour-coded classes should be learned: \(acc)")
        // A model for 1-channel data refuses 3-channel data with a clear message.
        let fm = CLI.temporaryDirectory("fm1")
        _ = try CLI.run(["train", "--data", "fashion-mnist:\(CLI.fashionMNIST)", "--depth", "3", "--width", "4", "--epochs", "1",
                         "--limit-train", "200", "--out", fm])
        let bad = try CLI.run(["evaluate", "--model", fm + "/checkpoint.safetensors", "--data", "cifar10:\(dir)/data"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("model takes 1 channels and 10 classes"))
    }
}
